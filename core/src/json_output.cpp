// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/json_output.h"

namespace ksscope {

using nlohmann::json;

json allocatorToJson(const AllocatorInfo& a)
{
    const KSALLOCATOR_FRAMING& f = a.status.Framing;
    json pins = json::array();
    for (const auto& p : a.pinIds)
        pins.push_back(p);
    return json{
        {"id", a.id},
        {"mode", std::string(allocatorModeName(a.mode))},
        {"framing",
         {{"frames", f.Frames},
          {"frameSize", f.FrameSize},
          {"fileAlignment", f.FileAlignment},
          {"poolType", f.PoolType},
          {"optionsFlags", f.OptionsFlags},
          {"optionsFlagsText", framingFlagsToString(f.OptionsFlags)}}},
        {"allocatedFrames", a.status.AllocatedFrames},
        {"properties",
         {{"buffers", a.properties.cBuffers},
          {"bufferSize", a.properties.cbBuffer},
          {"align", a.properties.cbAlign},
          {"prefix", a.properties.cbPrefix}}},
        {"memoryType", guidName(a.memoryType)},
        {"committed", a.committed},
        {"framePeriodSeconds", a.framePeriodSeconds},
        {"pins", pins},
        {"editable", a.readOnlyReason.empty()},
        {"readOnlyReason", a.readOnlyReason.empty() ? json(nullptr) : json(a.readOnlyReason)},
    };
}

json topologyToJson(const Topology& topology)
{
    json filters = json::array();
    for (const FilterInfo& f : topology.filters) {
        json categories = json::array();
        for (const Guid& g : f.categories)
            categories.push_back(guidName(g));
        json pins = json::array();
        for (const PinInfo& p : f.pins) {
            json pin{{"id", p.id},
                     {"name", p.name},
                     {"direction", std::string(pinDirectionName(p.direction))},
                     {"category", p.category.isNull() ? json(nullptr) : json(guidName(p.category))},
                     {"format", p.format.toString()}};
            const AllocatorInfo* a = p.allocatorId.empty() ? nullptr : topology.findAllocator(p.allocatorId);
            pin["allocator"] = a ? allocatorToJson(*a) : json(nullptr);
            pins.push_back(std::move(pin));
        }
        filters.push_back({{"id", f.id},
                           {"name", f.name},
                           {"backend", f.backend},
                           {"kind", f.kind},
                           {"categories", categories},
                           {"pins", pins}});
    }
    json connections = json::array();
    for (const ConnectionInfo& c : topology.connections)
        connections.push_back({{"from", c.from}, {"to", c.to}, {"flags", c.flags}});
    return json{{"schemaVersion", kJsonSchemaVersion}, {"filters", filters}, {"connections", connections}};
}

json sampleToJson(const std::string& id, const SampleRecord& r)
{
    return json{{"type", "sample"},
                {"t", static_cast<double>(r.sample.t_ns) * 1e-9},
                {"id", id},
                {"frames", r.sample.frames},
                {"frameSize", r.frameSize},
                {"allocatedFrames", r.sample.allocated}};
}

json eventToJson(const MonitorEvent& e)
{
    return json{{"type", "event"},
                {"t", static_cast<double>(e.t_ns) * 1e-9},
                {"id", e.id},
                {"kind", std::string(eventKindName(e.kind))},
                {"message", e.message}};
}

nlohmann::json allocatorStatsToJson(const std::string& id, const AllocatorStats& s)
{
    return {{"id", id},
            {"samples", s.samples},
            {"minAllocated", s.minAllocated},
            {"meanAllocated", s.meanAllocated},
            {"maxAllocated", s.maxAllocated},
            {"frames", s.frames},
            {"starvationCount", s.starvationCount},
            {"starvedMs", s.starvedMs},
            {"drops", s.drops},
            {"delivered", s.delivered},
            {"framesPerSecond", s.framesPerSecond},
            {"gone", s.gone}};
}

} // namespace ksscope
