# SPDX-License-Identifier: GPL-3.0-or-later
# One place for the version: the project() version and the release date below, plus `git describe` when building
# from a checkout. The generated ksscope/version.h is written again at every build when the checkout has moved
# (cmake/WriteVersion.cmake), so `--version` of both programs names the commit they were built from.
set(KSSCOPE_RELEASE_DATE "2026-11-23")

# ksscope_version_header(<target> <output>): generates <output> from core/src/version.h.in before <target> builds.
function(ksscope_version_header target output)
    find_package(Git QUIET)
    set(write_version "${CMAKE_COMMAND}" -DINPUT=${PROJECT_SOURCE_DIR}/core/src/version.h.in -DOUTPUT=${output}
        -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DGIT_EXECUTABLE=${GIT_EXECUTABLE} -DPROJECT_VERSION=${PROJECT_VERSION}
        -P "${PROJECT_SOURCE_DIR}/cmake/WriteVersion.cmake")
    add_custom_target(ksscope-version COMMAND ${write_version} BYPRODUCTS "${output}" COMMENT "Version header" VERBATIM)
    add_dependencies(${target} ksscope-version)
    # the first configure writes it too, so that tools reading the compile database find it before a build
    execute_process(COMMAND ${write_version} COMMAND_ERROR_IS_FATAL ANY)
endfunction()
