# SPDX-License-Identifier: GPL-3.0-or-later
# The agent (serve) and the agent backend: cpp-httplib (found at the top level). The Windows cross build has none.
if(HTTPLIB_FOUND)
    ksscope_backend(agent registerAgentBackend SOURCES src/agent/metrics.cpp src/agent/agent_options.cpp
                    src/agent/agent_server.cpp src/agent/connection_gate.cpp src/agent/agent_backend.cpp)
    target_link_libraries(ksscope-core PRIVATE PkgConfig::HTTPLIB)
else()
    target_sources(ksscope-core PRIVATE src/agent/agent_none.cpp)
endif()
