# SPDX-License-Identifier: GPL-3.0-or-later
# The topology canvas (ui/topology): its scene test and its benchmark. Included from tests/CMakeLists.txt.

if(TARGET ksscope-ui-topology)
    ksscope_add_test(tst_topologyscene SOURCES ui/tst_topologyscene.cpp LABELS ui)
    target_link_libraries(tst_topologyscene PRIVATE ksscope-ui-topology)
    ksscope_graphviz_plugin_rpath(tst_topologyscene)

    # The top level looks for Google Benchmark only after adding tests/, and an imported target is visible only
    # below the directory that found it: look here too.
    if(KSSCOPE_BUILD_BENCH AND NOT TARGET benchmark::benchmark)
        find_package(benchmark QUIET)
    endif()
    if(TARGET benchmark::benchmark)
        add_executable(ksscope-gui-bench-topology bench/topology_bench.cpp)
        target_link_libraries(ksscope-gui-bench-topology PRIVATE ksscope-ui-topology benchmark::benchmark)
        ksscope_set_warnings(ksscope-gui-bench-topology)
        ksscope_graphviz_plugin_rpath(ksscope-gui-bench-topology)
    endif()
endif()
