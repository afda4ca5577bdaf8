// SPDX-License-Identifier: GPL-3.0-or-later
// Builds with the agent backend but without the agent itself (Windows: `serve` waits on epoll and eventfd, which
// Linux has): the window and ksscope-cli connect to agents, they do not serve.

#include "ksscope/agent.h"

namespace ksscope::agent {

bool supported()
{
    return false;
}

} // namespace ksscope::agent
