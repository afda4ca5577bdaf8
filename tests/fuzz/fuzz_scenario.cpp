// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the scenario parser on arbitrary bytes, and the same bytes, when they are JSON, read as
// a topology document (what a recording stores). Every problem must come back as a ScenarioError or a
// Status: no exception escapes, no crash, leak, undefined behaviour or hang.

#include "ksscope/json_output.h"
#include "ksscope/scenario.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

using namespace ksscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const ScenarioResult result = parseScenario(text, "fuzz.json");
    if (const auto* error = std::get_if<ScenarioError>(&result)) {
        if (error->message.empty())
            std::abort(); // refused without saying why
        (void)error->toString();
    } else {
        const Scenario& scenario = std::get<Scenario>(result);
        for (const FilterSpec& filter : scenario.filters)
            for (const PinSpec& pin : filter.pins)
                (void)scenario.findPin(filter.id + "/" + pin.id);
        for (const ConnectionSpec& connection : scenario.connections)
            (void)scenario.findPin(connection.from);
    }

    const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
    if (!document.is_discarded()) {
        Topology topology;
        if (topologyFromJson(document, topology)) {
            // what was read writes back and reads again the same way
            Topology again;
            if (!topologyFromJson(topologyToJson(topology), again))
                std::abort();
        }
    }
    return 0;
}
