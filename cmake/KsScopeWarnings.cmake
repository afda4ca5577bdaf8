# SPDX-License-Identifier: GPL-3.0-or-later
# ksscope_set_warnings(<target>): the project's warning set, -Werror when KSSCOPE_WERROR is on.
function(ksscope_set_warnings target)
    if(MSVC)
        target_compile_options(${target} PRIVATE /W4)
        if(KSSCOPE_WERROR)
            target_compile_options(${target} PRIVATE /WX)
        endif()
    else()
        target_compile_options(${target} PRIVATE
            -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
            -Wcast-align -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
            -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
        if(KSSCOPE_WERROR)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
    endif()
endfunction()
