// SPDX-License-Identifier: GPL-3.0-or-later
#include "owner_source_linux.h"

#include <cerrno>

namespace ksscope::v4l2 {

OwnerSource::OwnerSource(OwnedLookup lookup) : m_lookup(std::move(lookup)) { }

OwnerSource::~OwnerSource()
{
    for (const auto& stream : m_streams)
        if (stream)
            stream->follow(false);
}

std::optional<TransitionSource::Queue> OwnerSource::watch(std::size_t index, const std::string& id, SampleSink& sink)
{
    (void)sink;
    if (m_streams.size() <= index)
        m_streams.resize(index + 1);
    std::shared_ptr<OwnedStream> stream = m_lookup(id);
    if (!stream || !stream->streaming())
        return std::nullopt;
    stream->follow(true);
    Queue q;
    AllocatorReading reading;
    if (SUCCEEDED(stream->read(reading, nullptr))) {
        q.mode = reading.mode;
        q.frames = reading.status.Framing.Frames;
        q.frameSize = reading.status.Framing.FrameSize;
    }
    q.frames = std::max(q.frames, stream->grantedBuffers());
    q.frameSize = std::max(q.frameSize, stream->bufferSize());
    q.maxBuffers = 64; // VIDEO_MAX_FRAME
    q.fillingIsAllocated = false; // as VIDIOC_QUERYBUF tells it
    m_streams[index] = std::move(stream);
    return q;
}

void OwnerSource::unwatch(std::size_t index)
{
    if (index < m_streams.size() && m_streams[index]) {
        m_streams[index]->follow(false);
        m_streams[index].reset();
    }
}

void OwnerSource::check(std::int64_t t_ns, SampleSink& sink)
{
    for (std::size_t i = 0; i < m_streams.size(); ++i) {
        const std::shared_ptr<OwnedStream>& stream = m_streams[i];
        if (!stream || !mine(i))
            continue;
        const int failure = stream->failure();
        if (failure == 0)
            continue;
        const std::string& id = sink.watchedId(i);
        if (failure == ENODEV)
            sink.event({t_ns, EventKind::Removed, id, "allocator " + id + " is gone: the device was unplugged"});
        else
            sink.event(
                {t_ns, EventKind::Error, id,
                 "streaming " + id + " stopped: " + errnoMessage(failure) + "; its buffers are no longer followed"});
        gone(i);
    }
}

void OwnerSource::collect(std::int64_t t_ns, SampleSink& sink, std::vector<BufferEvent>& out)
{
    for (std::size_t i = 0; i < m_streams.size(); ++i) {
        OwnedStream* stream = m_streams[i].get();
        if (!stream || !mine(i))
            continue;
        m_scratch.clear();
        if (const std::uint64_t lost = stream->takeMoves(m_scratch); lost > 0)
            sink.event({t_ns, EventKind::Error, sink.watchedId(i),
                        std::to_string(lost) + " buffer moves were not kept (the sampler fell behind): frames around "
                                               "now are incomplete"});
        for (BufferEvent& e : m_scratch) {
            e.allocator = static_cast<std::uint32_t>(i);
            out.push_back(e);
        }
    }
}

} // namespace ksscope::v4l2
