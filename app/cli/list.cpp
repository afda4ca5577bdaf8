// SPDX-License-Identifier: GPL-3.0-or-later
// `list`: filters, pins, connections and allocators.

#include "cli_session.h"
#include "ksscope/json_output.h"
#include "text_output.h"

#include <iostream>

namespace ksscope::cli {

int runList(const GlobalOptions& global, bool json)
{
    WatchSession watch({});
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    const Topology topology = watch.session().topology();
    if (json)
        std::cout << topologyToJson(topology).dump(2) << "\n";
    else
        printTopology(topology);
    return ExitOk;
}

} // namespace ksscope::cli
