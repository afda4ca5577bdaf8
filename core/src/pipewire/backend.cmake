# SPDX-License-Identifier: GPL-3.0-or-later
# The pipewire backend (Linux): a PipeWire daemon's graph through libpipewire-0.3. Built when libpipewire's
# development files are there (Debian: libpipewire-0.3-dev); KSSCOPE_WITH_PIPEWIRE=OFF leaves it out.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    find_package(PkgConfig QUIET)
    if(PkgConfig_FOUND)
        pkg_check_modules(LIBPIPEWIRE QUIET IMPORTED_TARGET GLOBAL libpipewire-0.3)
    endif()
endif()
option(KSSCOPE_WITH_PIPEWIRE "Build the pipewire backend (needs libpipewire-0.3-dev)" ${LIBPIPEWIRE_FOUND})
add_feature_info(pipewire KSSCOPE_WITH_PIPEWIRE
    "a PipeWire daemon's nodes, ports, links and negotiated buffers (libpipewire-0.3 ${LIBPIPEWIRE_VERSION}; Debian: libpipewire-0.3-dev)")
if(KSSCOPE_WITH_PIPEWIRE)
    if(NOT LIBPIPEWIRE_FOUND)
        message(FATAL_ERROR "KSSCOPE_WITH_PIPEWIRE is ON but libpipewire-0.3 was not found (apt-get install libpipewire-0.3-dev)")
    endif()
    ksscope_backend(pipewire registerPipewireBackend SOURCES src/pipewire/pipewire_backend.cpp
                    src/pipewire/pipewire_params.cpp)
    target_link_libraries(ksscope-core PRIVATE PkgConfig::LIBPIPEWIRE)
    # libpipewire's method macros (pw_core_sync, pw_registry_bind, ...) cast in C's way, and SPA's pod macros use
    # GNU statement expressions and compound literals, where they are expanded
    set_source_files_properties(src/pipewire/pipewire_backend.cpp src/pipewire/pipewire_params.cpp PROPERTIES
        COMPILE_OPTIONS "-Wno-old-style-cast;-Wno-pedantic")
endif()
