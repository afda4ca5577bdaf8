// SPDX-License-Identifier: GPL-3.0-or-later
#include "transition_source.h"

#include <algorithm>

namespace ksscope {

namespace {
BufferState stateOf(BufferTransition t)
{
    switch (t) {
    case BufferTransition::Queued:
        return BufferState::Free; // back in the pool (V4L2: in the queue, for the driver to take)
    case BufferTransition::DriverOwned:
        return BufferState::Producer; // being filled
    case BufferTransition::Done:
        return BufferState::Waiting; // filled, not taken yet
    case BufferTransition::Dequeued:
        return BufferState::Consumer; // held by the consumer
    }
    return BufferState::Free;
}
} // namespace

void TransitionSource::begin(SampleSink& sink)
{
    m_origin_ns = sink.steadyOrigin_ns();
    watchNew(sink);
}

void TransitionSource::gone(std::size_t index)
{
    if (index < m_queues.size() && m_queues[index].mine) {
        m_queues[index].mine = false;
        unwatch(index);
    }
}

void TransitionSource::watchNew(SampleSink& sink)
{
    for (std::size_t i = m_queues.size(); i < sink.watchedCount(); ++i) {
        Watched w;
        if (auto queue = watch(i, sink.watchedId(i), sink)) {
            w.mine = true;
            w.queue = *queue;
            w.states.assign(std::min(queue->frames, queue->maxBuffers), BufferState::Free);
        }
        m_queues.push_back(std::move(w));
    }
}

bool TransitionSource::covers(std::size_t index, SampleSink& sink)
{
    watchNew(sink);
    return mine(index);
}

std::uint32_t TransitionSource::allocated(const Watched& w)
{
    std::uint32_t filling = 0;
    std::uint32_t waiting = 0;
    std::uint32_t held = 0;
    for (const BufferState s : w.states) {
        filling += s == BufferState::Producer ? 1 : 0;
        waiting += s == BufferState::Waiting ? 1 : 0;
        held += s == BufferState::Consumer ? 1 : 0;
    }
    if (w.queue.fillingIsAllocated)
        return filling + waiting + held;
    return filling + waiting > 0 ? waiting + held : 0;
}

void TransitionSource::report(std::size_t index, std::int64_t t_ns, SampleSink& sink)
{
    Watched& w = m_queues[index];
    AllocatorReading reading;
    reading.status.Framing.Frames = static_cast<std::uint32_t>(w.states.size());
    reading.status.Framing.FrameSize = w.queue.frameSize;
    reading.status.Framing.PoolType = kNonPagedPool;
    reading.status.AllocatedFrames = allocated(w);
    reading.mode = w.queue.mode;
    w.reportedAllocated = reading.status.AllocatedFrames;
    // one reading per time: a tick whose clock has not moved past the last move's reads a nanosecond after it
    w.reported_ns = std::max(t_ns, w.reported_ns + 1);
    // drops and deliveries: the monitor counts them from the transitions
    sink.reading(index, w.reported_ns, reading, true);
}

void TransitionSource::apply(const BufferEvent& event, SampleSink& sink, LaneUpdate* lane)
{
    Watched& w = m_queues[event.allocator];
    if (event.buffer >= w.queue.maxBuffers)
        return;
    if (event.buffer >= w.states.size())
        w.states.resize(event.buffer + 1, BufferState::Free);
    if (event.buffer >= w.holders.size())
        w.holders.resize(event.buffer + 1, -1);
    w.queue.frameSize = std::max(w.queue.frameSize, event.bytesUsed);
    const BufferState state = stateOf(event.transition);
    const std::int32_t holder = state == BufferState::Consumer ? event.pid : -1;
    w.states[event.buffer] = state;
    w.holders[event.buffer] = holder;
    sink.transition(event);
    if (sink.buffersWanted())
        sink.bufferChange({event.t_ns, event.allocator, event.buffer, state, holder});
    if (lane && lane->allocator == event.allocator)
        lane->states.push_back({event.t_ns, 0, event.buffer, state, holder});
    if (!m_paused && allocated(w) != w.reportedAllocated)
        report(event.allocator, event.t_ns, sink);
}

void TransitionSource::tick(std::int64_t t_ns, bool paused, SampleSink& sink)
{
    m_paused = paused;
    watchNew(sink);
    for (std::size_t i = 0; i < m_queues.size(); ++i)
        if (m_queues[i].mine && sink.watchedGone(i))
            gone(i);
    check(t_ns, sink);

    // the lane shown, when it is one of ours
    const std::size_t wanted = sink.laneWanted();
    const bool ours = mine(wanted);
    std::optional<LaneUpdate> lane;
    if (ours || wanted >= m_queues.size()) {
        lane.emplace();
        lane->allocator = ours ? wanted : Lanes::kNone;
        lane->reset = wanted != m_laneTracked;
        if (ours && lane->reset)
            for (std::size_t b = 0; b < m_queues[wanted].states.size(); ++b)
                lane->states.push_back({t_ns, 0, static_cast<std::uint32_t>(b), m_queues[wanted].states[b],
                                        b < m_queues[wanted].holders.size() ? m_queues[wanted].holders[b] : -1});
        m_laneTracked = wanted;
    }

    // every transition since the last tick, paused or not: a frame is never lost to the view being held
    m_events.clear();
    collect(t_ns, sink, m_events);
    // on the monitor's clock, after the last tick's readings (those collected late are placed there), in time order
    // across the allocators (each one's own order kept), as a recording reads them back; those after this tick's
    // time (collected after it was taken) wait for the next tick
    const std::int64_t from = std::min(m_lastTick_ns + 1, t_ns);
    const std::int64_t to = std::max(from, t_ns - 1);
    for (BufferEvent& e : m_events) {
        const std::int64_t at = e.t_ns - m_origin_ns;
        e.t_ns = std::max(at, from);
        if (e.t_ns > at)
            e.happened_ns = std::max<std::int64_t>(at, 0);
        m_later.push_back(e);
    }
    std::stable_sort(m_later.begin(), m_later.end(), [](const BufferEvent& a, const BufferEvent& b) {
        return a.t_ns != b.t_ns ? a.t_ns < b.t_ns : a.allocator < b.allocator;
    });
    const auto due = std::find_if(m_later.begin(), m_later.end(), [to](const BufferEvent& e) { return e.t_ns > to; });
    m_events.assign(m_later.begin(), due);
    m_later.erase(m_later.begin(), due);
    // each at its own time, after every one handed over before (those placed after the last tick share its time,
    // those that waited may have it): a buffer's moves keep their order and none replaces another in a recording
    for (BufferEvent& e : m_events) {
        const std::int64_t at = std::max({e.t_ns, from, m_lastEvent_ns + 1});
        if (at > e.t_ns && e.happened_ns < 0)
            e.happened_ns = std::max<std::int64_t>(e.t_ns, 0);
        e.t_ns = at;
        m_lastEvent_ns = at;
    }
    for (const BufferEvent& e : m_events)
        if (mine(e.allocator) && !sink.watchedGone(e.allocator))
            apply(e, sink, lane ? &*lane : nullptr);
    m_lastTick_ns = t_ns;
    if (!paused)
        for (std::size_t i = 0; i < m_queues.size(); ++i)
            if (mine(i) && !sink.watchedGone(i))
                report(i, t_ns, sink);
    if (lane)
        sink.lane(std::move(*lane));
}

} // namespace ksscope
