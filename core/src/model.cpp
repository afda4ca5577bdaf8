// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/model.h"

#include "ksscope/device_id.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <utility>

namespace ksscope {

std::string_view pinDirectionName(PinDirection direction)
{
    return direction == PinDirection::Input ? "in" : "out";
}

std::string MediaFormat::toString() const
{
    if (majorType.empty() && subtype.empty())
        return {};
    char text[128];
    if (majorType == "video")
        std::snprintf(text, sizeof text, "%s %ux%u", subtype.c_str(), width, height);
    else if (majorType == "audio")
        std::snprintf(text, sizeof text, "%s %u Hz %u ch %u bit", subtype.c_str(), sampleRate, channels, bitsPerSample);
    else
        std::snprintf(text, sizeof text, "%s", subtype.c_str());
    std::string out = text;
    if (avgTimePerFrame > 0) {
        std::snprintf(text, sizeof text, majorType == "video" ? " %.2f fps" : ", %.2f frames/s", framesPerSecond());
        out += text;
    }
    return out;
}

std::string AllocatorInfo::filterId() const
{
    return pinIds.empty() ? std::string() : std::string(filterOfPin(pinIds.front()));
}

const FilterInfo* Topology::findFilter(std::string_view id) const
{
    for (const auto& f : filters)
        if (f.id == id)
            return &f;
    return nullptr;
}

const PinInfo* Topology::findPin(std::string_view id) const
{
    for (const auto& f : filters)
        for (const auto& p : f.pins)
            if (p.id == id)
                return &p;
    return nullptr;
}

const AllocatorInfo* Topology::findAllocator(std::string_view id) const
{
    for (const auto& a : allocators)
        if (a.id == id)
            return &a;
    return nullptr;
}

std::string Topology::resolveAllocatorId(std::string_view id) const
{
    if (findAllocator(id))
        return std::string(id);
    if (const PinInfo* pin = findPin(id))
        return pin->allocatorId;
    if (const FilterInfo* filter = findFilter(id)) {
        std::string only;
        for (const PinInfo& pin : filter->pins) {
            if (pin.allocatorId.empty() || pin.allocatorId == only)
                continue;
            if (!only.empty())
                return {}; // several: the caller must pick one
            only = pin.allocatorId;
        }
        return only;
    }
    return {};
}

bool Topology::sameDevices(const Topology& other) const
{
    const auto samePins = [](const PinInfo& a, const PinInfo& b) {
        return a.id == b.id && a.direction == b.direction && a.allocatorId == b.allocatorId;
    };
    const auto sameFilter = [&](const FilterInfo& a, const FilterInfo& b) {
        return a.id == b.id && a.kind == b.kind &&
               std::equal(a.pins.begin(), a.pins.end(), b.pins.begin(), b.pins.end(), samePins);
    };
    const auto sameConnection = [](const ConnectionInfo& a, const ConnectionInfo& b) {
        return a.from == b.from && a.to == b.to && a.flags == b.flags;
    };
    const auto sameAllocator = [](const AllocatorInfo& a, const AllocatorInfo& b) {
        const ALLOCATOR_PROPERTIES& p = a.properties;
        const ALLOCATOR_PROPERTIES& q = b.properties;
        return a.id == b.id && a.mode == b.mode && a.pinIds == b.pinIds && p.cBuffers == q.cBuffers &&
               p.cbBuffer == q.cbBuffer && p.cbAlign == q.cbAlign && p.cbPrefix == q.cbPrefix &&
               a.status.Framing.Frames == b.status.Framing.Frames &&
               a.status.Framing.FrameSize == b.status.Framing.FrameSize;
    };
    return std::equal(filters.begin(), filters.end(), other.filters.begin(), other.filters.end(), sameFilter) &&
           std::equal(connections.begin(), connections.end(), other.connections.begin(), other.connections.end(),
                      sameConnection) &&
           std::equal(allocators.begin(), allocators.end(), other.allocators.begin(), other.allocators.end(),
                      sameAllocator);
}

void Topology::append(const Topology& other)
{
    filters.insert(filters.end(), other.filters.begin(), other.filters.end());
    connections.insert(connections.end(), other.connections.begin(), other.connections.end());
    allocators.insert(allocators.end(), other.allocators.begin(), other.allocators.end());
}

namespace {

/// The path a device node is known by here (symlinks such as /dev/v4l/by-path/... resolved); the text itself when it
/// names nothing on this machine (a recording's, a remote one's).
std::string nodeKey(const std::string& path)
{
    std::error_code error;
    std::filesystem::path real = std::filesystem::canonical(path, error);
    return error ? path : real.string();
}

} // namespace

std::string durationDetail(std::int64_t ns)
{
    char text[32];
    const auto value = static_cast<double>(ns);
    if (ns < 1'000'000 && ns > -1'000'000)
        std::snprintf(text, sizeof text, "%.1f µs", value / 1e3);
    else if (ns < 1'000'000'000 && ns > -1'000'000'000)
        std::snprintf(text, sizeof text, "%.2f ms", value / 1e6);
    else
        std::snprintf(text, sizeof text, "%.2f s", value / 1e9);
    return text;
}

PinInfo deviceNodePin(const std::string& filterId, const std::string& node, PinDirection direction)
{
    PinInfo pin;
    pin.id = filterId + "/device";
    pin.name = "device";
    pin.direction = direction;
    pin.details = {{"device node", node}};
    pin.deviceNode = node;
    return pin;
}

namespace {

/// A link between layers: there whatever either graph does, and nothing toggles it.
constexpr std::uint32_t kLayerLink = ConnectionEnabled | ConnectionImmutable;

void linkDeviceNodes(Topology& topology, std::set<std::pair<std::string, std::string>>& present)
{
    struct End {
        const FilterInfo* filter;
        const PinInfo* pin;
        std::string key;
    };
    std::vector<End> outputs;
    std::vector<End> inputs;
    for (const FilterInfo& f : topology.filters)
        for (const PinInfo& p : f.pins)
            if (!p.deviceNode.empty())
                (p.direction == PinDirection::Output ? outputs : inputs).push_back({&f, &p, {}});
    if (outputs.empty() || inputs.empty())
        return; // the usual case: one layer only, no path to resolve
    for (std::vector<End>* ends : {&outputs, &inputs})
        for (End& end : *ends)
            end.key = nodeKey(end.pin->deviceNode);
    std::vector<ConnectionInfo> added;
    for (const End& out : outputs)
        for (const End& in : inputs)
            if (out.filter != in.filter && out.key == in.key && present.emplace(out.pin->id, in.pin->id).second)
                added.push_back({out.pin->id, in.pin->id, kLayerLink | ConnectionDeviceNode});
    topology.connections.insert(topology.connections.end(), added.begin(), added.end());
}

void linkPipeWireStreams(Topology& topology, std::set<std::pair<std::string, std::string>>& present)
{
    // stream -> the elements' pins and the nodes claiming it, by index
    std::map<std::string, std::vector<std::pair<std::size_t, std::size_t>>> elements;
    std::map<std::string, std::vector<std::size_t>> nodes;
    for (std::size_t f = 0; f < topology.filters.size(); ++f) {
        const FilterInfo& filter = topology.filters[f];
        if (!filter.pipewireStream.empty()) {
            nodes[filter.pipewireStream].push_back(f);
            continue; // a node: its pins are ports (and the end this adds), no element's
        }
        for (std::size_t p = 0; p < filter.pins.size(); ++p)
            if (!filter.pins[p].pipewireStream.empty())
                elements[filter.pins[p].pipewireStream].emplace_back(f, p);
    }
    for (const auto& [stream, ends] : elements) {
        const auto node = nodes.find(stream);
        if (ends.size() != 1 || node == nodes.end() || node->second.size() != 1)
            continue;
        // an element's filter is never a node's (nodes' pins are not collected above): adding to the node's pins
        // leaves these references alone
        const FilterInfo& elementFilter = topology.filters[ends[0].first];
        const PinInfo& element = elementFilter.pins[ends[0].second];
        FilterInfo& target = topology.filters[node->second.front()];
        // the node's end: out of it towards a pipewiresrc, into it from a pipewiresink
        PinInfo pin;
        pin.id = target.id + "/gstreamer";
        pin.name = "gstreamer";
        pin.direction = element.direction == PinDirection::Input ? PinDirection::Output : PinDirection::Input;
        pin.details = {{"GStreamer element", elementFilter.name}, {"stream", stream}};
        if (std::none_of(target.pins.begin(), target.pins.end(), [&](const PinInfo& p) { return p.id == pin.id; }))
            target.pins.push_back(pin);
        const auto& [from, to] =
            pin.direction == PinDirection::Output ? std::pair{pin.id, element.id} : std::pair{element.id, pin.id};
        if (present.emplace(from, to).second)
            topology.connections.push_back({from, to, kLayerLink | ConnectionPipeWireStream});
    }
}

} // namespace

void linkLayers(Topology& topology)
{
    std::set<std::pair<std::string, std::string>> present;
    for (const ConnectionInfo& c : topology.connections)
        present.emplace(c.from, c.to);
    linkDeviceNodes(topology, present);
    linkPipeWireStreams(topology, present);
}

} // namespace ksscope
