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

# The libraries scripts/windows-deps cross-builds from Debian's source packages, under \a prefix: Qt 6 (qt6/),
# QCustomPlot (qcustomplot/), SQLite (sqlite3/), Graphviz (graphviz/) and cpp-httplib (httplib/). Qt's host tools
# (moc, rcc, uic) are the build machine's own Qt 6 of the same version. Offers the targets the native build finds:
# SQLite::SQLite3, PkgConfig::GRAPHVIZ (Graphviz with its dot layout plugin linked), Qt's and QCustomPlot's
# packages, and KsScope::httplib-client.
macro(ksscope_windows_deps prefix)
    foreach(_part qt6 qcustomplot sqlite3 graphviz httplib)
        if(NOT EXISTS "${prefix}/${_part}")
            message(FATAL_ERROR "${prefix}/${_part} is missing: run scripts/windows-deps ensure")
        endif()
    endforeach()
    list(APPEND CMAKE_FIND_ROOT_PATH "${prefix}")
    list(APPEND CMAKE_PREFIX_PATH "${prefix}/qt6" "${prefix}/qcustomplot")
    set(QT_HOST_PATH /usr CACHE PATH "the build machine's Qt 6 (host tools)")
    set(QT_HOST_PATH_CMAKE_DIR /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/cmake CACHE PATH "")
    if(NOT CMAKE_LIBRARY_ARCHITECTURE)
        set(QT_HOST_PATH_CMAKE_DIR /usr/lib/x86_64-linux-gnu/cmake CACHE PATH "" FORCE)
    endif()
    set(SQLite3_INCLUDE_DIR "${prefix}/sqlite3/include" CACHE PATH "")
    set(SQLite3_LIBRARY "${prefix}/sqlite3/lib/libsqlite3.dll.a" CACHE FILEPATH "")
    find_package(SQLite3 REQUIRED)
    add_library(PkgConfig::GRAPHVIZ INTERFACE IMPORTED)
    set_target_properties(PkgConfig::GRAPHVIZ PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${prefix}/graphviz/include/graphviz"
        INTERFACE_LINK_LIBRARIES "${prefix}/graphviz/lib/libgvplugin_dot_layout.dll.a;${prefix}/graphviz/lib/libgvc.dll.a;${prefix}/graphviz/lib/libcgraph.dll.a;${prefix}/graphviz/lib/libcdt.dll.a"
        INTERFACE_COMPILE_DEFINITIONS "KSSCOPE_GRAPHVIZ_LINKED_DOT_PLUGIN=1")
    # cpp-httplib's header-only httplib.h (from Debian's source; its binary package ships it split, with a
    # library): the agent backend, without TLS or compression, over Winsock
    add_library(KsScope::httplib-client INTERFACE IMPORTED GLOBAL)
    set_target_properties(KsScope::httplib-client PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${prefix}/httplib/include"
                                                             INTERFACE_LINK_LIBRARIES "ws2_32")
    set(KSSCOPE_WINDOWS_DEPS_PREFIX "${prefix}")
    # What a program with the window loads at run time: the compiler's runtime, the Qt modules and plugins it uses,
    # QCustomPlot, Graphviz with its dot layout, SQLite. DLLs go next to the program; a plugin into the folder its
    # kind names (platforms, styles, imageformats), where Qt looks beside the program.
    set(KSSCOPE_WINDOWS_DLLS "")
    foreach(_dll libstdc++-6.dll libgcc_s_seh-1.dll libwinpthread-1.dll)
        execute_process(COMMAND "${CMAKE_CXX_COMPILER}" -print-file-name=${_dll} OUTPUT_VARIABLE _path
                        OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
        get_filename_component(_path "${_path}" REALPATH)
        list(APPEND KSSCOPE_WINDOWS_DLLS "${_path}")
    endforeach()
    foreach(_module Core Gui Widgets PrintSupport Concurrent)
        list(APPEND KSSCOPE_WINDOWS_DLLS "${prefix}/qt6/bin/Qt6${_module}.dll")
    endforeach()
    # ksscope-cli.exe (static otherwise) loads these for recordings and reports: they need only Windows' own DLLs
    file(GLOB KSSCOPE_WINDOWS_CLI_DLLS "${prefix}/graphviz/bin/*.dll" "${prefix}/sqlite3/bin/*.dll")
    file(GLOB _libs "${prefix}/qcustomplot/bin/*.dll")
    list(APPEND KSSCOPE_WINDOWS_DLLS ${_libs} ${KSSCOPE_WINDOWS_CLI_DLLS})
    set(KSSCOPE_WINDOWS_PLUGINS platforms/qwindows.dll platforms/qoffscreen.dll styles/qwindowsvistastyle.dll
                                imageformats/qico.dll)
    foreach(_file IN LISTS KSSCOPE_WINDOWS_DLLS)
        if(NOT EXISTS "${_file}")
            message(FATAL_ERROR "${_file} is missing: run scripts/windows-deps ensure")
        endif()
    endforeach()
endmacro()

# Copies what a program with the window loads (ksscope_windows_deps) into \a dir, the program's folder in the build
# tree, so that it runs there under wine; the Qt Test suites add Qt6Test.dll (TEST).
function(ksscope_windows_runtime_into dir)
    cmake_parse_arguments(ARG "TEST" "" "" ${ARGN})
    file(COPY ${KSSCOPE_WINDOWS_DLLS} DESTINATION "${dir}")
    if(ARG_TEST)
        file(COPY "${KSSCOPE_WINDOWS_DEPS_PREFIX}/qt6/bin/Qt6Test.dll" DESTINATION "${dir}")
    endif()
    foreach(_plugin IN LISTS KSSCOPE_WINDOWS_PLUGINS)
        get_filename_component(_kind "${_plugin}" DIRECTORY)
        file(COPY "${KSSCOPE_WINDOWS_DEPS_PREFIX}/qt6/plugins/${_plugin}" DESTINATION "${dir}/${_kind}")
    endforeach()
endfunction()

# Installs the same next to the installed programs (the NSIS installer and the ZIP).
function(ksscope_windows_runtime_install destination)
    install(FILES ${KSSCOPE_WINDOWS_DLLS} DESTINATION "${destination}")
    foreach(_plugin IN LISTS KSSCOPE_WINDOWS_PLUGINS)
        get_filename_component(_kind "${_plugin}" DIRECTORY)
        install(FILES "${KSSCOPE_WINDOWS_DEPS_PREFIX}/qt6/plugins/${_plugin}" DESTINATION "${destination}/${_kind}")
    endforeach()
endfunction()
