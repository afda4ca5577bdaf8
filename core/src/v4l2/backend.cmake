# SPDX-License-Identifier: GPL-3.0-or-later
# The v4l2 backend (Linux): Media Controller graphs and V4L2 queues.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    set(_ksscope_v4l2_default ON)
else()
    set(_ksscope_v4l2_default OFF)
endif()
option(KSSCOPE_WITH_V4L2 "Build the v4l2 backend (Linux)" ${_ksscope_v4l2_default})
add_feature_info(v4l2 KSSCOPE_WITH_V4L2 "V4L2 video nodes and Media Controller graphs")
if(KSSCOPE_WITH_V4L2)
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(LIBUDEV REQUIRED IMPORTED_TARGET libudev)
    # every buffer's transitions from the kernel's tracepoints
    pkg_check_modules(LIBTRACEFS REQUIRED IMPORTED_TARGET libtracefs libtraceevent)
    set_package_properties(PkgConfig PROPERTIES TYPE REQUIRED PURPOSE "finds libudev for the v4l2 backend")
    ksscope_backend(v4l2 registerV4l2Backend SOURCES src/v4l2/v4l2_backend_linux.cpp src/v4l2/v4l2_device_linux.cpp
                    src/v4l2/v4l2_formats_linux.cpp
                    src/v4l2/v4l2_stream_linux.cpp src/v4l2/hotplug_linux.cpp src/v4l2/tracefs_reader_linux.cpp
                    src/v4l2/trace_source_linux.cpp src/v4l2/owner_source_linux.cpp)
    target_link_libraries(ksscope-core PRIVATE PkgConfig::LIBUDEV PkgConfig::LIBTRACEFS)
    # tracefs_api.h declares what <tracefs.h> (not C++) would; this C file checks the two agree
    enable_language(C)
    add_library(ksscope-tracefs-api-check OBJECT src/v4l2/tracefs_api_check.c)
    target_link_libraries(ksscope-tracefs-api-check PRIVATE PkgConfig::LIBTRACEFS)
endif()
