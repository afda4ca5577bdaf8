# SPDX-License-Identifier: GPL-3.0-or-later
# One place for the version: the project() version, plus `git describe` when building from a checkout.
set(KSSCOPE_VERSION_STRING "${PROJECT_VERSION}")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
    execute_process(
        COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --tags
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
        OUTPUT_VARIABLE KSSCOPE_GIT_DESCRIBE
        OUTPUT_STRIP_TRAILING_WHITESPACE
        ERROR_QUIET)
    if(KSSCOPE_GIT_DESCRIBE)
        set(KSSCOPE_VERSION_STRING "${PROJECT_VERSION} (${KSSCOPE_GIT_DESCRIBE})")
    endif()
endif()
