// SPDX-License-Identifier: GPL-3.0-or-later
#include "replay_source.h"

#include "ksscope/recording.h"

#include <algorithm>
#include <atomic>

namespace ksscope::replay {

namespace {

class ReplaySource final : public SampleSource {
public:
    ReplaySource(ReplayTimeline& timeline, const SourceOptions& options)
        : m_timeline(timeline), m_catchUp_ns(static_cast<std::int64_t>(std::max(0.0, options.catchUpSeconds) * 1e9)),
          m_replayedTo_ns(std::max(timeline.begin_ns() - 1, timeline.position_ns() - m_catchUp_ns))
    {
    }

    [[nodiscard]] bool hasClock() const override { return true; }
    // never behind what has been handed out (a seek backwards takes effect for the next monitor)
    [[nodiscard]] std::int64_t clock_ns() const override
    {
        return std::max(m_replayedTo_ns.load(), m_timeline.position_ns());
    }
    [[nodiscard]] bool finished() const override { return m_replayedTo_ns.load() >= m_timeline.end_ns(); }
    [[nodiscard]] bool topologyAt(std::int64_t t_ns, Topology& out) override
    {
        out = m_timeline.topologyAt(t_ns);
        return true;
    }
    [[nodiscard]] Playback* playback() override { return &m_timeline; }

    void tick(std::int64_t t_ns, bool paused, SampleSink& sink) override
    {
        const std::int64_t from = m_replayedTo_ns.load();
        const std::int64_t to = std::max(from, t_ns);
        const bool advance = !paused && to > from;
        if (advance)
            take(from, to, sink);
        trackLane(from, advance ? to : from, sink); // every tick: an unchanged lane is kept
        if (advance)
            m_replayedTo_ns.store(to);
    }

private:
    /// The watched index of recorded allocator \a recorded (npos: not watched).
    std::size_t watchedIndex(std::uint32_t recorded, const SampleSink& sink)
    {
        const std::vector<std::string>& ids = m_timeline.allocatorIds();
        if (recorded >= ids.size())
            return SampleSink::npos;
        if (m_index.size() < ids.size())
            m_index.resize(ids.size(), SampleSink::npos);
        std::size_t& index = m_index[recorded];
        if (index == SampleSink::npos || sink.watchedId(index) != ids[recorded])
            index = sink.findWatched(ids[recorded]);
        return index;
    }

    void take(std::int64_t from_ns, std::int64_t to_ns, SampleSink& sink)
    {
        std::vector<MonitorEvent> events;
        std::vector<ReplayTimeline::Reading> readings;
        std::vector<BufferChange> buffers;
        const bool recordBuffers = sink.buffersWanted();
        m_frames.clear();
        m_drops.clear();
        Status status = m_timeline.events(from_ns, to_ns, events);
        if (status)
            status = m_timeline.readings(from_ns, to_ns, readings);
        if (status)
            status = m_timeline.frames(from_ns, to_ns, m_frames, m_drops);
        if (status && recordBuffers)
            status = m_timeline.bufferChanges(Recording::kAllAllocators, from_ns, to_ns, buffers);
        if (!status) {
            sink.event({to_ns, EventKind::Error, "replay", "reading the recording failed: " + status.toString()});
            return;
        }
        // recorded events first when they share a time with readings: the sampler drained them before reading
        std::size_t e = 0;
        auto takeEventsUpTo = [&](std::int64_t t_ns) {
            for (; e < events.size() && events[e].t_ns <= t_ns; ++e) {
                const MonitorEvent& event = events[e];
                if (event.kind == EventKind::Added) {
                    const Topology topology = m_timeline.topologyAt(event.t_ns);
                    sink.event(event, &topology);
                } else {
                    sink.event(event);
                }
            }
        };
        for (const ReplayTimeline::Reading& r : readings) {
            takeEventsUpTo(r.t_ns);
            const std::size_t index = watchedIndex(r.allocator, sink);
            if (index != SampleSink::npos)
                sink.reading(index, r.t_ns, r.reading, false);
        }
        takeEventsUpTo(to_ns);
        for (RecordedFrame& r : m_frames) {
            const std::size_t index = watchedIndex(r.frame.allocator, sink);
            if (index == SampleSink::npos)
                continue;
            r.frame.allocator = static_cast<std::uint32_t>(index);
            sink.frame(r.frame);
        }
        for (DroppedFrames& d : m_drops) {
            const std::size_t index = watchedIndex(d.allocator, sink);
            if (index == SampleSink::npos)
                continue;
            d.allocator = static_cast<std::uint32_t>(index);
            sink.dropped(d);
        }
        for (const BufferChange& change : buffers) {
            const std::size_t index = watchedIndex(change.allocator, sink);
            if (index != SampleSink::npos)
                sink.bufferChange(
                    {change.t_ns, static_cast<std::uint32_t>(index), change.frame, change.state, change.holder});
        }
    }

    void trackLane(std::int64_t from_ns, std::int64_t to_ns, SampleSink& sink)
    {
        const std::size_t wanted = sink.laneWanted();
        const bool changed = wanted != m_laneTracked;
        m_laneTracked = wanted;
        LaneUpdate lane;
        lane.allocator = wanted < sink.watchedCount() ? wanted : Lanes::kNone;
        lane.reset = changed;
        const std::vector<std::string>& ids = m_timeline.allocatorIds();
        const auto it =
            lane.allocator == Lanes::kNone ? ids.end() : std::find(ids.begin(), ids.end(), sink.watchedId(wanted));
        if (it != ids.end()) {
            // a new lane starts with what the catch-up window holds
            const std::int64_t begin = changed ? std::max(m_timeline.begin_ns() - 1, to_ns - m_catchUp_ns) : from_ns;
            std::vector<BufferChange> changes;
            if (begin < to_ns &&
                !m_timeline.bufferChanges(static_cast<std::uint32_t>(it - ids.begin()), begin, to_ns, changes)) {
                sink.lane(std::move(lane));
                return;
            }
            if (changed)
                m_laneSupported = !changes.empty();
            m_laneSupported = m_laneSupported || !changes.empty();
            lane.supported = m_laneSupported;
            lane.states = std::move(changes);
        }
        sink.lane(std::move(lane));
    }

    ReplayTimeline& m_timeline;
    const std::int64_t m_catchUp_ns;
    std::atomic<std::int64_t> m_replayedTo_ns; // what has been taken from the timeline
    std::vector<std::size_t> m_index; // recorded allocator -> watched index (or npos)
    std::size_t m_laneTracked = Lanes::kNone;
    std::vector<RecordedFrame> m_frames; // scratch
    std::vector<DroppedFrames> m_drops;
    bool m_laneSupported = false; // the lane shown has recorded buffer states
};

} // namespace

std::unique_ptr<SampleSource> makeReplaySource(ReplayTimeline& timeline, const SourceOptions& options)
{
    return std::make_unique<ReplaySource>(timeline, options);
}

} // namespace ksscope::replay
