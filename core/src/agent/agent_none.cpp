// SPDX-License-Identifier: GPL-3.0-or-later
// Builds without the HTTP library have no agent.

#include "ksscope/agent.h"

namespace ksscope::agent {

bool supported()
{
    return false;
}

std::unique_ptr<Backend> createAgentBackend(const AgentConnection& connection)
{
    (void)connection;
    return nullptr;
}

} // namespace ksscope::agent
