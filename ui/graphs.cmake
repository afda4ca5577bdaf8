# SPDX-License-Identifier: GPL-3.0-or-later
# The live allocator graphs and the per-buffer lanes.
target_sources(ksscope-ui PRIVATE
    seriessource.cpp
    seriessource.h
    timeformat.cpp
    timeformat.h
    livegraphwidget.cpp
    livegraphwidget.h
    qcustomplot_include.h
    lanewidget.cpp
    lanewidget.h
)
