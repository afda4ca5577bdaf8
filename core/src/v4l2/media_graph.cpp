// SPDX-License-Identifier: GPL-3.0-or-later
#include "media_graph.h"

#include <algorithm>
#include <cstdio>

namespace ksscope::v4l2 {

const MediaEntity* MediaGraph::entity(std::uint32_t id) const
{
    for (const auto& e : entities)
        if (e.id == id)
            return &e;
    return nullptr;
}

const MediaPad* MediaGraph::pad(std::uint32_t id) const
{
    for (const auto& p : pads)
        if (p.id == id)
            return &p;
    return nullptr;
}

const MediaInterface* MediaGraph::interface(std::uint32_t id) const
{
    for (const auto& i : interfaces)
        if (i.id == id)
            return &i;
    return nullptr;
}

std::string MediaGraph::videoNodeOf(std::uint32_t entityId) const
{
    for (const auto& l : links) {
        if (l.type() != kLinkTypeInterface || l.sinkId != entityId)
            continue;
        const MediaInterface* intf = interface(l.sourceId);
        if (intf && intf->type == kIntfTypeV4lVideo)
            return intf->devnode;
    }
    return {};
}

std::string MediaGraph::subdevNodeOf(std::uint32_t entityId) const
{
    for (const auto& l : links) {
        if (l.type() != kLinkTypeInterface || l.sinkId != entityId)
            continue;
        const MediaInterface* intf = interface(l.sourceId);
        if (intf && intf->type == kIntfTypeV4lSubdev)
            return intf->devnode;
    }
    return {};
}

std::string PadFormat::toString() const
{
    if (!known)
        return "?";
    return (code ? mbusCodeName(code) + " " : std::string()) + std::to_string(width) + "x" + std::to_string(height);
}

std::string findFormatMismatch(const MediaGraph& graph, std::uint32_t entityId, const PadFormatLookup& formatOf)
{
    // the entities of the pipeline: joined by enabled data links, in either direction
    std::vector<std::uint32_t> pipeline{entityId};
    for (std::size_t i = 0; i < pipeline.size(); ++i) {
        for (const MediaLink& l : graph.links) {
            if (l.type() != kLinkTypeData || !(l.flags & kLinkFlagEnabled))
                continue;
            const MediaPad* source = graph.pad(l.sourceId);
            const MediaPad* sink = graph.pad(l.sinkId);
            if (!source || !sink)
                continue;
            const std::uint32_t other = source->entityId == pipeline[i] ? sink->entityId
                                        : sink->entityId == pipeline[i] ? source->entityId
                                                                        : 0;
            if (other && std::find(pipeline.begin(), pipeline.end(), other) == pipeline.end())
                pipeline.push_back(other);
        }
    }
    for (const MediaLink& l : graph.links) {
        if (l.type() != kLinkTypeData || !(l.flags & kLinkFlagEnabled))
            continue;
        const MediaPad* source = graph.pad(l.sourceId);
        const MediaPad* sink = graph.pad(l.sinkId);
        const MediaEntity* se = source ? graph.entity(source->entityId) : nullptr;
        const MediaEntity* de = sink ? graph.entity(sink->entityId) : nullptr;
        if (!se || !de || std::find(pipeline.begin(), pipeline.end(), se->id) == pipeline.end())
            continue;
        const PadFormat a = formatOf(*se, *source);
        const PadFormat b = formatOf(*de, *sink);
        if (!a.known || !b.known)
            continue;
        const bool codesDiffer = a.code && b.code && a.code != b.code;
        if (codesDiffer || a.width != b.width || a.height != b.height)
            return "link \"" + se->name + "\":" + std::to_string(source->index) + " [" + a.toString() + "] -> \"" +
                   de->name + "\":" + std::to_string(sink->index) + " [" + b.toString() + "]";
    }
    return {};
}

std::string sanitizeIdPart(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_';
        out += keep ? c : '_';
    }
    return out.empty() ? std::string("_") : out;
}

std::string deviceId(std::string_view driver, std::string_view busInfo)
{
    return "v4l2:" + sanitizeIdPart(driver) + "." + sanitizeIdPart(busInfo);
}

std::string entityFunctionName(std::uint32_t function)
{
    switch (function) {
    case 0x00000000:
        return "unknown";
    case 0x00020000:
        return "v4l2-subdev";
    case 0x00010001:
        return "io-v4l";
    case 0x00001001:
        return "io-dtv";
    case 0x00001002:
        return "io-vbi";
    case 0x00001003:
        return "io-swradio";
    case 0x00020001:
        return "camera-sensor";
    case 0x00020002:
        return "flash";
    case 0x00020003:
        return "lens";
    case 0x00020004:
        return "atv-decoder";
    case 0x00020005:
        return "tuner";
    case 0x00004001:
        return "proc-composer";
    case 0x00004002:
        return "proc-pixel-formatter";
    case 0x00004003:
        return "proc-pixel-enc-conv";
    case 0x00004004:
        return "proc-lut";
    case 0x00004005:
        return "proc-scaler";
    case 0x00004006:
        return "proc-statistics";
    case 0x00004007:
        return "proc-encoder";
    case 0x00004008:
        return "proc-decoder";
    case 0x00004009:
        return "proc-isp";
    case 0x00005001:
        return "vid-mux";
    case 0x00005002:
        return "vid-if-bridge";
    case 0x00006001:
        return "dv-decoder";
    case 0x00006002:
        return "dv-encoder";
    default:
        break;
    }
    char text[32];
    std::snprintf(text, sizeof text, "function-0x%08x", function);
    return text;
}

std::string GraphIds::filter(const MediaGraph& graph, const MediaEntity& entity)
{
    return deviceId(graph.info.driver, graph.info.busInfo) + "/" + sanitizeIdPart(entity.name);
}

std::string GraphIds::pin(const MediaGraph& graph, const MediaEntity& entity, const MediaPad& pad)
{
    return filter(graph, entity) + "/pad" + std::to_string(pad.index);
}

std::string GraphIds::allocator(const MediaGraph& graph, const MediaEntity& entity)
{
    return filter(graph, entity) + "/allocator";
}

Topology graphToTopology(const MediaGraph& graph, const PadFormatLookup& formatOf)
{
    Topology topology;
    for (const MediaEntity& entity : graph.entities) {
        FilterInfo filter;
        filter.id = GraphIds::filter(graph, entity);
        filter.name = entity.name;
        filter.backend = "v4l2";
        filter.kind = entityFunctionName(entity.function);
        const std::string node = graph.videoNodeOf(entity.id);
        const std::string allocatorId = node.empty() ? std::string() : GraphIds::allocator(graph, entity);
        std::vector<const MediaPad*> pads;
        for (const MediaPad& pad : graph.pads)
            if (pad.entityId == entity.id)
                pads.push_back(&pad);
        std::sort(pads.begin(), pads.end(), [](const MediaPad* a, const MediaPad* b) { return a->index < b->index; });
        for (const MediaPad* pad : pads) {
            PinInfo pin;
            pin.id = GraphIds::pin(graph, entity, *pad);
            pin.name = "pad " + std::to_string(pad->index) + ((pad->flags & kPadFlagSink) ? " (sink)" : " (source)");
            pin.direction = (pad->flags & kPadFlagSink) ? PinDirection::Input : PinDirection::Output;
            pin.allocatorId = allocatorId;
            if (formatOf && node.empty()) { // a video node's format comes from the node itself
                if (const PadFormat f = formatOf(entity, *pad); f.known) {
                    pin.format.majorType = "video";
                    pin.format.subtype = mbusCodeName(f.code);
                    pin.format.width = f.width;
                    pin.format.height = f.height;
                }
            }
            filter.pins.push_back(std::move(pin));
        }
        if (!node.empty()) {
            // the queue userspace streams, a pin of its own beside the pads: a capture node's buffers leave through
            // it (an output node - one with a source pad - takes them in), and the userspace element streaming the
            // node links there (linkLayers)
            PinInfo pin;
            pin.id = filter.id + "/queue";
            pin.name = "queue";
            const bool output = std::any_of(pads.begin(), pads.end(),
                                            [](const MediaPad* pad) { return (pad->flags & kPadFlagSink) == 0; });
            pin.direction = output ? PinDirection::Input : PinDirection::Output;
            pin.allocatorId = allocatorId;
            pin.deviceNode = node;
            filter.pins.push_back(std::move(pin));
        }
        topology.filters.push_back(std::move(filter));
    }
    for (const MediaLink& link : graph.links) {
        if (link.type() != kLinkTypeData)
            continue;
        const MediaPad* source = graph.pad(link.sourceId);
        const MediaPad* sink = graph.pad(link.sinkId);
        const MediaEntity* sourceEntity = source ? graph.entity(source->entityId) : nullptr;
        const MediaEntity* sinkEntity = sink ? graph.entity(sink->entityId) : nullptr;
        if (!sourceEntity || !sinkEntity)
            continue;
        ConnectionInfo c;
        c.from = GraphIds::pin(graph, *sourceEntity, *source);
        c.to = GraphIds::pin(graph, *sinkEntity, *sink);
        c.flags = link.flags & (kLinkFlagEnabled | kLinkFlagImmutable | kLinkFlagDynamic);
        topology.connections.push_back(std::move(c));
    }
    return topology;
}

KSALLOCATORMODE modeOfMemory(std::uint32_t memory)
{
    return memory == kMemoryMmap ? KsAllocatorMode_Kernel : KsAllocatorMode_User;
}

std::string_view memoryName(std::uint32_t memory)
{
    switch (memory) {
    case kMemoryMmap:
        return "mmap";
    case kMemoryUserPtr:
        return "userptr";
    case kMemoryDmaBuf:
        return "dmabuf";
    default:
        return "none";
    }
}

QueueStatus summarizeQueue(const std::vector<BufferQuery>& buffers)
{
    QueueStatus q;
    q.frames = static_cast<std::uint32_t>(buffers.size());
    q.states.reserve(buffers.size());
    for (const BufferQuery& b : buffers) {
        q.frameSize = std::max(q.frameSize, b.length);
        if (q.memory == 0)
            q.memory = b.memory;
        if (b.flags & kBufFlagQueued) {
            ++q.queued;
            q.states.push_back(BufferState::Free); // the producer (the driver) can fill it
        } else if (b.flags & kBufFlagDone) {
            ++q.done;
            q.states.push_back(BufferState::Waiting);
        } else {
            ++q.held;
            q.states.push_back(BufferState::Consumer);
        }
    }
    q.active = q.queued + q.done > 0;
    q.mode = modeOfMemory(q.memory == 0 ? kMemoryMmap : q.memory);
    return q;
}

KSSTREAMALLOCATOR_STATUS QueueStatus::status() const
{
    KSSTREAMALLOCATOR_STATUS s;
    s.Framing.Frames = frames;
    s.Framing.FrameSize = frameSize;
    s.Framing.PoolType = kNonPagedPool;
    s.Framing.FileAlignment = 0;
    s.AllocatedFrames = allocatedFrames();
    return s;
}

std::uint64_t SequenceTracker::feed(std::uint32_t sequence)
{
    std::uint64_t lost = 0;
    if (m_started && sequence > m_last + 1)
        lost = sequence - m_last - 1;
    if (!m_started || sequence > m_last)
        m_last = sequence;
    m_started = true;
    m_dropped += lost;
    return lost;
}

} // namespace ksscope::v4l2
