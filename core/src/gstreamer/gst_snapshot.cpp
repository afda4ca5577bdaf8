// SPDX-License-Identifier: GPL-3.0-or-later
#include "gst_snapshot.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>

namespace ksscope::gst {

namespace {

using nlohmann::json;

constexpr const char* kBackend = "gstreamer";
constexpr const char* kPoolReadOnly =
    "a GStreamer buffer pool is configured by its elements when they negotiate (the allocation query); KsScope shows "
    "its configuration and the buffers out of it";
constexpr const char* kQueueReadOnly =
    "a queue's limits are its properties (max-size-buffers, max-size-bytes, max-size-time); KsScope does not set them";

std::string text(const json& j, const char* key)
{
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::uint64_t number(const json& j, const char* key)
{
    auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

std::uint32_t clamp32(std::uint64_t v)
{
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, UINT32_MAX));
}

std::string kindOf(const std::string& klass)
{
    if (klass.find("Source") != std::string::npos)
        return "capture";
    if (klass.find("Sink") != std::string::npos)
        return "render";
    return "transform";
}

/// A member counted in nanoseconds, as details show durations.
std::string durationOf(const json& object, const char* key)
{
    return durationDetail(static_cast<std::int64_t>(number(object, key)));
}

} // namespace

MediaFormat formatOfCaps(const std::string& caps)
{
    MediaFormat f;
    const std::string head = caps.substr(0, caps.find(','));
    const std::size_t slash = head.find('/');
    if (slash == std::string::npos)
        return f;
    f.majorType = head.substr(0, slash);
    f.subtype = head.substr(slash + 1);
    static const std::regex field(R"((\w[\w-]*)=\((\w+)\)([^,;]+))");
    for (auto it = std::sregex_iterator(caps.begin(), caps.end(), field); it != std::sregex_iterator(); ++it) {
        const std::string name = (*it)[1];
        const std::string value = (*it)[3];
        try {
            if (name == "format")
                f.subtype = value;
            else if (name == "width")
                f.width = static_cast<std::uint32_t>(std::stoul(value));
            else if (name == "height")
                f.height = static_cast<std::uint32_t>(std::stoul(value));
            else if (name == "rate")
                f.sampleRate = static_cast<std::uint32_t>(std::stoul(value));
            else if (name == "channels")
                f.channels = static_cast<std::uint32_t>(std::stoul(value));
            else if (name == "framerate") {
                const std::size_t bar = value.find('/');
                const long long num = std::stoll(value.substr(0, bar));
                const long long den = bar == std::string::npos ? 1 : std::stoll(value.substr(bar + 1));
                if (num > 0 && den > 0)
                    f.avgTimePerFrame = static_cast<REFERENCE_TIME>(10'000'000LL * den / num);
            }
        } catch (const std::exception&) { // a value that is not a number: left out
        }
    }
    return f;
}

bool readSnapshot(const std::string& line, Snapshot& out, std::string& error)
{
    const json doc = json::parse(line, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("pipelines") || !doc["pipelines"].is_array()) {
        error = "not a line of KsScope's GStreamer tracer";
        return false;
    }
    out = {};
    out.steady_ns = doc.value("t_ns", std::int64_t{0});
    out.pid = doc.value("pid", 0);
    out.program = text(doc, "program");
    const std::string prefix = std::string(kBackend) + ":" + std::to_string(out.pid) + ".";
    const auto filterId = [&](const std::string& path) { return prefix + path; };
    Topology& t = out.topology;
    std::map<std::string, std::size_t> allocatorIndex;
    for (const json& pipeline : doc["pipelines"]) {
        if (!pipeline.is_object() || !pipeline.contains("elements") || !pipeline["elements"].is_array())
            continue;
        const std::string pipelineText = text(pipeline, "name") + " (" + text(pipeline, "state") + ")";
        for (const json& e : pipeline["elements"]) {
            if (!e.is_object())
                continue;
            const std::string path = text(e, "path");
            if (path.empty() || path.find('/') != std::string::npos)
                continue;
            FilterInfo f;
            f.id = filterId(path);
            f.name = text(e, "name");
            f.backend = kBackend;
            f.kind = kindOf(text(e, "klass"));
            f.details.push_back({"factory", text(e, "factory")});
            if (const std::string klass = text(e, "klass"); !klass.empty())
                f.details.push_back({"klass", klass});
            f.details.push_back({"state", text(e, "state")});
            f.details.push_back({"pipeline", pipelineText});
            f.details.push_back({"process", out.program + " (pid " + std::to_string(out.pid) + ")"});
            // the end towards the layer below: a sink writes to its device node or stream; a source or a
            // memory-to-memory element reads from it
            const PinDirection below = f.kind == "render" ? PinDirection::Output : PinDirection::Input;
            if (const std::string device = text(e, "device"); !device.empty()) {
                f.details.push_back({"device", device});
                f.pins.push_back(deviceNodePin(f.id, device, below));
            }
            if (const std::string stream = text(e, "pipewire_stream"); !stream.empty()) {
                // the stream a pipewiresrc reads from, or a pipewiresink writes to: its node links the two layers
                PinInfo pin;
                pin.id = f.id + "/pipewire";
                pin.name = "pipewire";
                pin.direction = below;
                pin.details = {{"PipeWire stream", stream}};
                pin.pipewireStream = std::to_string(out.pid) + "/" + stream;
                f.pins.push_back(std::move(pin));
            }
            const json* queue = e.contains("queue") && e["queue"].is_object() ? &e["queue"] : nullptr;
            if (queue) {
                const std::uint64_t max = number(*queue, "max_buffers");
                f.details.push_back({"queue", std::to_string(number(*queue, "buffers")) + " of " +
                                                  (max ? std::to_string(max) : std::string("unlimited")) +
                                                  " buffers, " + std::to_string(number(*queue, "bytes")) + " bytes, " +
                                                  durationOf(*queue, "time_ns")});
            }
            if (!e.contains("pads") || !e["pads"].is_array())
                continue;
            for (const json& pad : e["pads"]) {
                if (!pad.is_object())
                    continue;
                const std::string name = text(pad, "name");
                if (name.empty() || name.find('/') != std::string::npos)
                    continue;
                PinInfo pin;
                pin.id = f.id + "/" + name;
                pin.name = name;
                pin.direction = text(pad, "direction") == "in" ? PinDirection::Input : PinDirection::Output;
                const std::string caps = text(pad, "caps");
                pin.format = formatOfCaps(caps);
                if (!caps.empty())
                    pin.details.push_back({"caps", caps});
                const std::uint64_t pushedCount = number(pad, "pushed");
                if (pad.contains("pushed"))
                    pin.details.push_back({"pushed", std::to_string(pushedCount)});
                if (pad.contains("pts"))
                    pin.details.push_back({"last pts", durationOf(pad, "pts")});
                if (pad.contains("push_mean_ns"))
                    pin.details.push_back({"push", durationOf(pad, "push_mean_ns") + " mean, " +
                                                       durationOf(pad, "push_max_ns") + " max"});
                const std::string peer = text(pad, "peer");
                const std::size_t colon = peer.rfind(':');
                const std::string peerPin = colon == std::string::npos
                                                ? std::string()
                                                : filterId(peer.substr(0, colon)) + "/" + peer.substr(colon + 1);
                if (pin.direction == PinDirection::Output && !peerPin.empty())
                    t.connections.push_back({pin.id, peerPin, ConnectionEnabled | ConnectionDynamic});
                // the pool this pad pushes first, else the queue's level behind its src pad
                const json* pool = pad.contains("pool") && pad["pool"].is_object() ? &pad["pool"] : nullptr;
                if (pin.direction == PinDirection::Output && (pool || queue)) {
                    AllocatorInfo a;
                    a.id = pin.id + "/allocator";
                    a.mode = KsAllocatorMode_User;
                    a.pinIds = {pin.id};
                    if (!peerPin.empty())
                        a.pinIds.push_back(peerPin);
                    AllocatorReading r;
                    r.deliveredFrames = pushedCount;
                    if (pool) {
                        const std::uint64_t max = number(*pool, "max");
                        const std::uint64_t min = number(*pool, "min");
                        const std::uint64_t outstanding = number(*pool, "outstanding");
                        // an unlimited pool (max 0) has no count to run out of: no frames, never starving
                        a.status.Framing.Frames = clamp32(max);
                        a.status.Framing.FrameSize = clamp32(number(*pool, "size"));
                        a.properties.cBuffers = static_cast<LONG>(clamp32(max ? max : min));
                        a.properties.cbBuffer = static_cast<LONG>(clamp32(number(*pool, "size")));
                        a.committed = pool->value("active", false);
                        a.readOnlyReason = kPoolReadOnly;
                        r.status.AllocatedFrames = clamp32(outstanding);
                        pin.details.push_back({"pool", text(*pool, "name") + " (" + text(*pool, "type") + "), " +
                                                           std::to_string(min) + " to " +
                                                           (max ? std::to_string(max) : std::string("unlimited")) +
                                                           " buffers of " + std::to_string(number(*pool, "size")) +
                                                           " bytes, " + std::to_string(outstanding) + " out"});
                    } else {
                        const std::uint64_t max = number(*queue, "max_buffers");
                        const std::uint64_t level = number(*queue, "buffers");
                        a.status.Framing.Frames = clamp32(max);
                        // a queue holds whatever buffers come: no frame size of its own (its bytes are a detail)
                        a.properties.cBuffers = static_cast<LONG>(clamp32(max));
                        a.committed = true;
                        a.readOnlyReason = kQueueReadOnly;
                        r.status.AllocatedFrames = clamp32(level);
                    }
                    if (pin.format.avgTimePerFrame > 0)
                        a.framePeriodSeconds = static_cast<double>(pin.format.avgTimePerFrame) / 1e7;
                    a.status.AllocatedFrames = r.status.AllocatedFrames;
                    r.status.Framing = a.status.Framing;
                    r.mode = a.mode;
                    pin.allocatorId = a.id;
                    allocatorIndex[a.id] = t.allocators.size();
                    out.readings[a.id] = r;
                    t.allocators.push_back(std::move(a));
                }
                f.pins.push_back(std::move(pin));
            }
            t.filters.push_back(std::move(f));
        }
    }
    // the pin downstream of an allocator shares it
    for (FilterInfo& f : t.filters)
        for (PinInfo& p : f.pins)
            if (p.allocatorId.empty())
                for (const AllocatorInfo& a : t.allocators)
                    if (a.pinIds.size() > 1 && a.pinIds[1] == p.id)
                        p.allocatorId = a.id;
    return true;
}

} // namespace ksscope::gst
