# SPDX-License-Identifier: GPL-3.0-or-later
# Recordings written and read back (tst_recording), with the report of a recording that followed every frame when
# the report library is built. Included by tests/CMakeLists.txt and, for the Windows build, tests/windows.
ksscope_add_test(tst_recording SOURCES core/tst_recording.cpp LABELS "unit;threads;recording" TIMEOUT 300)
target_link_libraries(tst_recording PRIVATE SQLite::SQLite3)
add_dependencies(tst_recording ksscope-cli)
if(TARGET ksscope-report)
    target_link_libraries(tst_recording PRIVATE KsScope::report)
    target_compile_definitions(tst_recording PRIVATE KSSCOPE_HAVE_REPORT=1)
endif()
