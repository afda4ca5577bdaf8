// SPDX-License-Identifier: GPL-3.0-or-later
#include "trace_source_linux.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>

namespace ksscope::v4l2 {

namespace {
BufferState stateOf(BufferTransition t)
{
    switch (t) {
    case BufferTransition::Queued:
        return BufferState::Free; // in the queue, for the driver to take
    case BufferTransition::DriverOwned:
        return BufferState::Producer; // the driver fills it
    case BufferTransition::Done:
        return BufferState::Waiting; // filled, not dequeued yet
    case BufferTransition::Dequeued:
        return BufferState::Consumer; // the application holds it
    }
    return BufferState::Free;
}
} // namespace

TraceSource::TraceSource(std::unique_ptr<TracefsReader> reader, QueueLookup lookup)
    : m_reader(std::move(reader)), m_lookup(std::move(lookup))
{
}

void TraceSource::begin(SampleSink& sink)
{
    m_origin_ns = sink.steadyOrigin_ns();
    watchNew(sink);
}

void TraceSource::watchNew(SampleSink& sink)
{
    bool changed = false;
    for (std::size_t i = m_queues.size(); i < sink.watchedCount(); ++i) {
        Queue q;
        if (const auto info = m_lookup(sink.watchedId(i)); info && info->minor >= 0) {
            q.mine = true;
            q.info = *info;
            q.states.assign(info->frames, BufferState::Free);
            q.node = Fd(::open(info->devnode.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
            m_decoder.watch(info->minor, static_cast<std::uint32_t>(i));
            if (std::find(m_minors.begin(), m_minors.end(), info->minor) == m_minors.end()) {
                m_minors.push_back(info->minor);
                changed = true;
            }
        }
        m_queues.push_back(std::move(q));
    }
    if (changed && !m_failed)
        if (Status s = m_reader->setMinors(m_minors); !s)
            sink.event({0, EventKind::Error, "v4l2", s.message()});
}

std::uint32_t TraceSource::allocated(const Queue& q) const
{
    // as VIDIOC_QUERYBUF tells it: the frames the driver cannot fill now (filled and waiting, or held); an idle
    // queue (nothing in the driver's hands or waiting) holds none
    std::uint32_t waiting = 0;
    std::uint32_t held = 0;
    std::uint32_t active = 0;
    for (const BufferState s : q.states) {
        waiting += s == BufferState::Waiting ? 1 : 0;
        held += s == BufferState::Consumer ? 1 : 0;
        active += s == BufferState::Producer ? 1 : 0;
    }
    return active + waiting > 0 ? waiting + held : 0;
}

void TraceSource::report(std::size_t index, std::int64_t t_ns, SampleSink& sink)
{
    Queue& q = m_queues[index];
    AllocatorReading reading;
    reading.status.Framing.Frames = static_cast<std::uint32_t>(q.states.size());
    reading.status.Framing.FrameSize = q.info.frameSize;
    reading.status.Framing.PoolType = kNonPagedPool;
    reading.status.AllocatedFrames = allocated(q);
    reading.mode = q.info.mode;
    q.reportedAllocated = reading.status.AllocatedFrames;
    // drops and deliveries: the monitor counts them from the transitions
    sink.reading(index, t_ns, reading, true);
}

void TraceSource::apply(const BufferEvent& event, SampleSink& sink, LaneUpdate* lane)
{
    Queue& q = m_queues[event.allocator];
    if (event.buffer >= 64)
        return; // VIDEO_MAX_FRAME: not a buffer of a V4L2 queue
    if (event.buffer >= q.states.size())
        q.states.resize(event.buffer + 1, BufferState::Free);
    q.info.frameSize = std::max(q.info.frameSize, event.bytesUsed);
    const BufferState state = stateOf(event.transition);
    q.states[event.buffer] = state;
    sink.transition(event);
    if (sink.buffersWanted())
        sink.bufferChange({event.t_ns, event.allocator, event.buffer, state});
    if (lane && lane->allocator == event.allocator)
        lane->states.push_back({event.t_ns, 0, event.buffer, state});
    if (!m_paused && allocated(q) != q.reportedAllocated)
        report(event.allocator, event.t_ns, sink);
}

void TraceSource::checkNodes(std::int64_t t_ns, SampleSink& sink)
{
    if (t_ns - m_nodesChecked_ns < 1'000'000'000)
        return;
    m_nodesChecked_ns = t_ns;
    for (std::size_t i = 0; i < m_queues.size(); ++i) {
        Queue& q = m_queues[i];
        if (!q.mine || sink.watchedGone(i))
            continue;
        v4l2_capability cap{};
        if (!q.node.valid() || ::ioctl(q.node.get(), VIDIOC_QUERYCAP, &cap) == 0 || errno != ENODEV)
            continue;
        const std::string& id = sink.watchedId(i);
        sink.event(
            {t_ns, EventKind::Removed, id, "allocator " + id + " is gone: " + q.info.devnode + " was unplugged"});
        q.node = Fd();
        q.mine = false;
        m_decoder.unwatch(q.info.minor);
    }
}

void TraceSource::tick(std::int64_t t_ns, bool paused, SampleSink& sink)
{
    m_paused = paused;
    watchNew(sink);
    checkNodes(t_ns, sink);
    for (std::size_t i = 0; i < m_queues.size(); ++i)
        if (m_queues[i].mine && sink.watchedGone(i)) {
            m_queues[i].mine = false;
            m_decoder.unwatch(m_queues[i].info.minor);
        }

    // the lane shown, when it is one of ours
    const std::size_t wanted = sink.laneWanted();
    const bool ours = wanted < m_queues.size() && m_queues[wanted].mine;
    std::optional<LaneUpdate> lane;
    if (ours || wanted >= m_queues.size()) {
        lane.emplace();
        lane->allocator = ours ? wanted : Lanes::kNone;
        lane->reset = wanted != m_laneTracked;
        if (ours && lane->reset)
            for (std::size_t b = 0; b < m_queues[wanted].states.size(); ++b)
                lane->states.push_back({t_ns, 0, static_cast<std::uint32_t>(b), m_queues[wanted].states[b]});
        m_laneTracked = wanted;
    }

    // every transition since the last tick, paused or not: a frame is never lost to the view being held
    if (!m_failed) {
        m_records.clear();
        m_events.clear();
        if (!m_reader->read(m_records)) {
            m_failed = true;
            sink.event({t_ns, EventKind::Error, "v4l2",
                        "tracing stopped: " + m_reader->error() + "; the queues' buffers are no longer followed"});
        }
        for (const TraceRecord& r : m_records)
            m_decoder.feed(r, m_events);
        for (BufferEvent& e : m_events) {
            e.t_ns = std::clamp<std::int64_t>(e.t_ns - m_origin_ns, 0, t_ns);
            if (e.allocator < m_queues.size() && m_queues[e.allocator].mine && !sink.watchedGone(e.allocator))
                apply(e, sink, lane ? &*lane : nullptr);
        }
        if (const std::uint64_t lost = m_reader->lost(); lost > m_lostReported) {
            sink.event({t_ns, EventKind::Error, "v4l2",
                        std::to_string(lost - m_lostReported) +
                            " trace events lost (the kernel's trace buffer overran): frames, drops and hold times "
                            "around now are incomplete"});
            m_lostReported = lost;
        }
    }
    if (!paused)
        for (std::size_t i = 0; i < m_queues.size(); ++i)
            if (m_queues[i].mine && !sink.watchedGone(i))
                report(i, t_ns, sink);
    if (lane)
        sink.lane(std::move(*lane));
}

} // namespace ksscope::v4l2
