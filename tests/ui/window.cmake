# SPDX-License-Identifier: GPL-3.0-or-later
# The window's suites that need no device of the machine: models, property editor, main window (and the ksscope
# program's command line) and the recording parts, offscreen. Included by tests/CMakeLists.txt and, for the
# Windows build, tests/windows.
ksscope_add_test(tst_models SOURCES ui/tst_models.cpp LABELS ui)
target_link_libraries(tst_models PRIVATE KsScope::ui)
ksscope_add_test(tst_formatsui SOURCES ui/tst_formatsui.cpp LABELS "ui;threads" TIMEOUT 180)
target_link_libraries(tst_formatsui PRIVATE KsScope::ui)
ksscope_add_test(tst_propertyeditor SOURCES ui/tst_propertyeditor.cpp LABELS "ui;threads" TIMEOUT 180)
target_link_libraries(tst_propertyeditor PRIVATE KsScope::ui)
foreach(_suite tst_mainwindow tst_recordingui)
    ksscope_add_test(${_suite} SOURCES ui/${_suite}.cpp LABELS "ui;threads" TIMEOUT 300)
    target_link_libraries(${_suite} PRIVATE KsScope::ui)
    target_compile_definitions(${_suite} PRIVATE KSSCOPE_GUI_PATH="$<TARGET_FILE:ksscope>")
    add_dependencies(${_suite} ksscope)
endforeach()
