// SPDX-License-Identifier: GPL-3.0-or-later
// `status`: one KSSTREAMALLOCATOR_STATUS snapshot per allocator.

#include "cli_session.h"
#include "ksscope/json_output.h"
#include "text_output.h"

#include <chrono>
#include <iostream>
#include <thread>

namespace ksscope::cli {

int runStatus(const GlobalOptions& global, bool json, double settleSeconds, const std::vector<std::string>& streams,
              const std::vector<std::string>& connects, const std::vector<std::string>& ids)
{
    WatchSession watch({});
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    if (int rc = connectPins(watch, connects, json); rc != ExitOk)
        return rc;
    if (int rc = startStreams(watch, streams, json); rc != ExitOk)
        return rc;
    std::vector<std::string> wanted;
    if (!resolveIds(watch.session().topology(), ids, wanted))
        return ExitDevice;
    if (Status status = watch.startDevices(); !status)
        return fail(status);
    std::this_thread::sleep_for(std::chrono::duration<double>(settleSeconds));
    const Topology topology = watch.session().topology(); // one snapshot per allocator, taken now
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& id : wanted)
            if (const AllocatorInfo* a = topology.findAllocator(id))
                list.push_back(allocatorToJson(*a));
        std::cout << nlohmann::json{{"schemaVersion", kJsonSchemaVersion}, {"allocators", list}}.dump(2) << "\n";
    } else {
        for (const auto& id : wanted)
            if (const AllocatorInfo* a = topology.findAllocator(id))
                std::cout << a->id << ": " << allocatorLine(*a) << "\n";
    }
    return ExitOk;
}

} // namespace ksscope::cli
