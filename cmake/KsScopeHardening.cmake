# SPDX-License-Identifier: GPL-3.0-or-later
# Release hardening, as Debian's dpkg-buildflags gives packages: position-independent executables, stack
# protector and clash protection, control-flow protection, fortified libc calls, read-only relocations bound at
# start. Off for the sanitizer and fuzzer builds (their runtimes intercept the same calls) and the Windows
# cross build.
option(KSSCOPE_HARDENING "Build with hardening flags (PIE, stack protector, _FORTIFY_SOURCE, RELRO)" ON)
if(KSSCOPE_HARDENING AND NOT CMAKE_CROSSCOMPILING AND NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize"
   AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    include(CheckPIESupported)
    check_pie_supported(LANGUAGES CXX)
    set(CMAKE_POSITION_INDEPENDENT_CODE ON)
    add_compile_options(-fstack-protector-strong -fstack-clash-protection)
    if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|i.86")
        add_compile_options(-fcf-protection)
    endif()
    # _FORTIFY_SOURCE needs optimisation; a Debug build would warn
    add_compile_options($<$<NOT:$<CONFIG:Debug>>:-U_FORTIFY_SOURCE> $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
    add_link_options(LINKER:-z,relro LINKER:-z,now)
    add_feature_info(hardening KSSCOPE_HARDENING "PIE, stack protector, _FORTIFY_SOURCE=2, full RELRO")
endif()
