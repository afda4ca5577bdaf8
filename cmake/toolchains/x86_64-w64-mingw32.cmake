# SPDX-License-Identifier: GPL-3.0-or-later
# Cross-builds the core, the ks and sim backends and ksscope-cli.exe for 64-bit Windows with Debian's
# mingw-w64 (posix thread flavour: std::thread and std::mutex need it), and with the libraries of
# scripts/windows-deps (-DKSSCOPE_WINDOWS_DEPS=PREFIX) also ksscope.exe. Programs without Qt are linked statically
# (the top-level CMakeLists.txt) so that they run on a bare Windows machine without the compiler's DLLs.
#   cmake --preset win     (or -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/x86_64-w64-mingw32.cmake)
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(KSSCOPE_MINGW_TRIPLET x86_64-w64-mingw32)

find_program(CMAKE_C_COMPILER NAMES ${KSSCOPE_MINGW_TRIPLET}-gcc-posix REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${KSSCOPE_MINGW_TRIPLET}-g++-posix REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${KSSCOPE_MINGW_TRIPLET}-windres REQUIRED)

set(CMAKE_FIND_ROOT_PATH /usr/${KSSCOPE_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Windows 10 APIs (CM_Register_Notification); no min/max macros; Unicode Win32 calls.
set(CMAKE_CXX_FLAGS_INIT "-D_WIN32_WINNT=0x0A00 -DWINVER=0x0A00 -DNOMINMAX -DWIN32_LEAN_AND_MEAN -DUNICODE -D_UNICODE")

# Tests run under wine (cmake/wine-run.sh keeps wine's output off ctest's pipe).
set(CMAKE_CROSSCOMPILING_EMULATOR "${CMAKE_CURRENT_LIST_DIR}/../wine-run.sh")
