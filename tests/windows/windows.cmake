# SPDX-License-Identifier: GPL-3.0-or-later
# The Windows build's Qt Test suites, run under wine (cmake/wine-run.sh): the window's models, topology canvas,
# live graph, frame timing, property editor, main window and recording parts, and recordings with their reports -
# everything that needs no Linux device. Included from tests/CMakeLists.txt when cross-building.
# Then tests/windows/windows-e2e.sh: the programs themselves under wine, and recordings between Windows and Linux.

set(KSSCOPE_WINEPREFIX "${PROJECT_BINARY_DIR}/wineprefix") # tests/portable makes it (fixture "wine")
# the suites and the programs they start find Qt's DLLs and plugins beside them
ksscope_windows_runtime_into("${CMAKE_CURRENT_BINARY_DIR}" TEST)

include(ui/topology.cmake)
include(ui/graphs.cmake)
include(ui/window.cmake)
include(core/recording.cmake)

# the programs under wine, and recordings between Windows and Linux: needs a Linux build's ksscope-cli (the dev
# preset's, which the test command builds first)
set(KSSCOPE_NATIVE_BUILD_DIR "${PROJECT_SOURCE_DIR}/build/dev" CACHE PATH
    "a Linux build of KsScope, for the Windows build's end-to-end test (recordings between the two)")
add_test(NAME windows_e2e COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/windows/windows-e2e.sh" "${PROJECT_BINARY_DIR}"
    "${KSSCOPE_NATIVE_BUILD_DIR}" "${PROJECT_SOURCE_DIR}/resources/scenarios" "${CMAKE_CURRENT_BINARY_DIR}/windows-e2e")
set_tests_properties(windows_e2e PROPERTIES LABELS "ui;recording" TIMEOUT 600 RUN_SERIAL TRUE
    FIXTURES_REQUIRED wine ENVIRONMENT "WINEPREFIX=${KSSCOPE_WINEPREFIX}")
