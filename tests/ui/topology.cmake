# SPDX-License-Identifier: GPL-3.0-or-later
# The topology canvas (ui/topology): its scene test and its benchmark. Included from tests/CMakeLists.txt.

if(TARGET ksscope-ui-topology)
    ksscope_add_test(tst_topologyscene SOURCES ui/tst_topologyscene.cpp LABELS ui)
    target_link_libraries(tst_topologyscene PRIVATE ksscope-ui-topology)

    if(KSSCOPE_BUILD_BENCH)
        add_executable(ksscope-gui-bench-topology bench/topology_bench.cpp)
        target_link_libraries(ksscope-gui-bench-topology PRIVATE ksscope-ui-topology benchmark::benchmark)
        ksscope_set_warnings(ksscope-gui-bench-topology)
    endif()
endif()
