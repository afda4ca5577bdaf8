// SPDX-License-Identifier: GPL-3.0-or-later
// `backends`: the backends of this build, whether they are available, and their self-tests.

#include "cli_session.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace ksscope::cli {

int runBackends(const GlobalOptions& global, bool selfTest, bool json)
{
    const BackendOptions& options = global.backendOptions;
    nlohmann::json list = nlohmann::json::array();
    bool allPassed = true;
    for (const std::string& name : BackendFactory::names()) {
        if (!global.backends.empty() &&
            std::find(global.backends.begin(), global.backends.end(), name) == global.backends.end())
            continue;
        auto backend = BackendFactory::create(name, options);
        const Availability availability = backend->availability();
        nlohmann::json entry{{"name", name}, {"available", availability.available}, {"reason", availability.reason}};
        if (!json)
            std::printf("%-6s %s%s\n", name.c_str(), availability.available ? "available" : "unavailable",
                        availability.reason.empty() ? "" : (": " + availability.reason).c_str());
        if (selfTest && availability.available) {
            const SelfTestReport report = backend->selfTest();
            allPassed = allPassed && report.passed;
            entry["selfTest"] = {{"passed", report.passed}, {"lines", report.lines}};
            if (!json)
                for (const auto& line : report.lines)
                    std::printf("       %s\n", line.c_str());
        }
        list.push_back(std::move(entry));
    }
    if (json)
        std::cout << nlohmann::json{{"backends", list}}.dump(2) << "\n";
    return allPassed ? ExitOk : ExitDevice;
}

} // namespace ksscope::cli
