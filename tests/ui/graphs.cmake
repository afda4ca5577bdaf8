# SPDX-License-Identifier: GPL-3.0-or-later
# The live graph, lanes and frame-timing widgets, and the benchmark of a graph refresh against undecimated data.
if(NOT TARGET ksscope-ui)
    return() # the GUI is not built
endif()

ksscope_add_test(tst_livegraph SOURCES ui/tst_livegraph.cpp LABELS ui)
target_link_libraries(tst_livegraph PRIVATE ksscope-ui)
ksscope_add_test(tst_frametiming SOURCES ui/tst_frametiming.cpp LABELS ui)
target_link_libraries(tst_frametiming PRIVATE ksscope-ui)

if(KSSCOPE_BUILD_BENCH)
    add_executable(ksscope-gui-bench-graph bench/graph_bench.cpp)
    target_link_libraries(ksscope-gui-bench-graph PRIVATE ksscope-ui benchmark::benchmark)
    target_compile_definitions(ksscope-gui-bench-graph PRIVATE QT_NO_CAST_FROM_ASCII QT_NO_FOREACH)
    ksscope_set_warnings(ksscope-gui-bench-graph)
endif()
