# SPDX-License-Identifier: GPL-3.0-or-later
# cmake -DINPUT=version.h.in -DOUTPUT=version.h -DSOURCE_DIR=... -DGIT_EXECUTABLE=... -DPROJECT_VERSION=...
#       -P WriteVersion.cmake
# Writes OUTPUT only when its text changes, so an unchanged checkout rebuilds nothing.
set(KSSCOPE_VERSION_STRING "${PROJECT_VERSION}")
if(GIT_EXECUTABLE AND EXISTS "${SOURCE_DIR}/.git")
    execute_process(
        COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --tags
        WORKING_DIRECTORY "${SOURCE_DIR}"
        OUTPUT_VARIABLE KSSCOPE_GIT_DESCRIBE
        OUTPUT_STRIP_TRAILING_WHITESPACE
        ERROR_QUIET)
    if(KSSCOPE_GIT_DESCRIBE)
        set(KSSCOPE_VERSION_STRING "${PROJECT_VERSION} (${KSSCOPE_GIT_DESCRIBE})")
    endif()
endif()
configure_file("${INPUT}" "${OUTPUT}.tmp" @ONLY)
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
