# SPDX-License-Identifier: GPL-3.0-or-later
# The gstreamer backend (Linux) and KsScope's GStreamer tracer plugin (libgstksscope.so, GST_TRACERS=ksscope): the
# backend reads what the tracer in each traced process writes to its socket. The backend needs only sockets; the
# plugin is built when GStreamer's development files are there (Debian: libgstreamer1.0-dev). KSSCOPE_WITH_GSTREAMER=OFF
# leaves both out.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
        pkg_check_modules(GSTREAMER QUIET IMPORTED_TARGET GLOBAL gstreamer-1.0)
    endif()
    set(_ksscope_gst_default ON)
else()
    set(_ksscope_gst_default OFF)
endif()
option(KSSCOPE_WITH_GSTREAMER "Build the gstreamer backend (Linux) and, with libgstreamer1.0-dev, its tracer plugin"
    ${_ksscope_gst_default})
add_feature_info(gstreamer KSSCOPE_WITH_GSTREAMER
    "GStreamer pipelines traced by KsScope's tracer: elements, pads, links, pools, queue levels")
if(KSSCOPE_WITH_GSTREAMER)
    ksscope_backend(gstreamer registerGstreamerBackend SOURCES src/gstreamer/gstreamer_backend.cpp
                    src/gstreamer/gst_snapshot.cpp)
    add_feature_info(gstreamer-tracer GSTREAMER_FOUND
        "the tracer plugin libgstksscope.so (GStreamer ${GSTREAMER_VERSION}; Debian: libgstreamer1.0-dev)")
    if(GSTREAMER_FOUND)
        include(GNUInstallDirs)
        add_library(gstksscope MODULE src/gstreamer/tracer/gstksscope.cpp)
        target_link_libraries(gstksscope PRIVATE PkgConfig::GSTREAMER nlohmann_json::nlohmann_json Threads::Threads)
        target_compile_features(gstksscope PRIVATE cxx_std_20)
        target_compile_definitions(gstksscope PRIVATE KSSCOPE_VERSION="${PROJECT_VERSION}" PACKAGE="ksscope")
        # GLib's and GStreamer's type and cast macros are C: the project's stricter warnings stay off here. The
        # plugin is loaded by programs that are not sanitized (gst-plugin-scanner, gst-launch-1.0): never instrumented
        target_compile_options(gstksscope PRIVATE -Wall -Wextra -fno-sanitize=all)
        target_link_options(gstksscope PRIVATE -fno-sanitize=all)
        if(KSSCOPE_WERROR)
            target_compile_options(gstksscope PRIVATE -Werror)
        endif()
        # beside the programs in the build tree, so that tests name one folder in GST_PLUGIN_PATH
        set_target_properties(gstksscope PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/gst-plugins")
        install(TARGETS gstksscope LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/gstreamer-1.0")
    endif()
endif()
