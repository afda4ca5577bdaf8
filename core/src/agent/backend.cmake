# SPDX-License-Identifier: GPL-3.0-or-later
# The agent (serve) and the agent backend: cpp-httplib (found at the top level). The Windows cross build has the
# backend only, with the header scripts/windows-deps takes from Debian's cpp-httplib source (cmake/KsScopeCrossDeps.cmake).
if(HTTPLIB_FOUND)
    ksscope_backend(agent registerAgentBackend SOURCES src/agent/metrics.cpp src/agent/agent_options.cpp
                    src/agent/agent_server.cpp src/agent/connection_gate.cpp src/agent/agent_backend.cpp)
    target_link_libraries(ksscope-core PRIVATE PkgConfig::HTTPLIB)
elseif(TARGET KsScope::httplib-client)
    # Windows: the agent backend, so that the window and ksscope-cli.exe watch remote agents; serving stays on Linux
    ksscope_backend(agent registerAgentBackend SOURCES src/agent/agent_options.cpp src/agent/agent_backend.cpp
                    src/agent/agent_client_only.cpp)
    target_link_libraries(ksscope-core PRIVATE KsScope::httplib-client)
else()
    target_sources(ksscope-core PRIVATE src/agent/agent_none.cpp)
endif()
