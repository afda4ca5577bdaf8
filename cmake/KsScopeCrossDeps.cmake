# SPDX-License-Identifier: GPL-3.0-or-later
# Header-only libraries for a cross build. Debian installs nlohmann-json, CLI11 and doctest into the build
# machine's /usr/include, which a mingw compile must not search (glibc's headers would shadow the Windows C
# library). Their headers are copied into the build tree and offered as the same imported targets the native
# build finds through their package configs.
function(ksscope_stage_host_headers target dir)
    set(stage "${CMAKE_BINARY_DIR}/host-headers")
    if(NOT EXISTS "/usr/include/${dir}")
        message(FATAL_ERROR "/usr/include/${dir} is missing: run scripts/ksscope-dev deps")
    endif()
    file(COPY "/usr/include/${dir}" DESTINATION "${stage}/${dir}/include")
    add_library(${target} INTERFACE IMPORTED GLOBAL)
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${stage}/${dir}/include")
endfunction()
