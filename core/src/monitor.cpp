// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/monitor.h"

#include "ksscope/allocator_tracker.h"
#include "ksscope/device_id.h"
#include "probe_source.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#if defined(_WIN32)
#include <windows.h>
#else
#include <ctime>
#endif

namespace ksscope {

using Clock = std::chrono::steady_clock;

double threadCpuSeconds()
{
#if defined(_WIN32)
    FILETIME creation, exit, kernel, user;
    if (!GetThreadTimes(GetCurrentThread(), &creation, &exit, &kernel, &user))
        return 0.0;
    auto toSeconds = [](const FILETIME& ft) {
        return static_cast<double>((static_cast<std::uint64_t>(ft.dwHighDateTime) << 32) | ft.dwLowDateTime) * 1e-7;
    };
    return toSeconds(kernel) + toSeconds(user);
#else
    timespec ts{};
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0.0;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
#endif
}

std::string_view eventKindName(EventKind kind)
{
    switch (kind) {
    case EventKind::Starvation:
        return "starvation";
    case EventKind::Drop:
        return "drop";
    case EventKind::Config:
        return "config";
    case EventKind::Added:
        return "added";
    case EventKind::Removed:
        return "removed";
    case EventKind::Error:
        return "error";
    }
    return "error";
}

AllocatorReading readingOf(const SampleRecord& record, const KSALLOCATOR_FRAMING* framing)
{
    AllocatorReading reading;
    if (framing)
        reading.status.Framing = *framing;
    reading.status.Framing.Frames = record.sample.frames;
    reading.status.Framing.FrameSize = record.frameSize;
    reading.status.AllocatedFrames = record.sample.allocated;
    reading.mode = record.mode;
    reading.droppedFrames = record.dropped;
    reading.deliveredFrames = record.delivered;
    return reading;
}

/// Appends \a added to \a pending, which holds at most about \a max items that nobody has taken yet: past that, the
/// oldest go, a quarter at once, since erasing from the front moves all that stays and must not happen on every tick
/// (2 M samples moved 100 times a second stalled the sampler). Returns how many went.
template <typename T> std::size_t appendBounded(std::vector<T>& pending, const std::vector<T>& added, std::size_t max)
{
    std::size_t drop = 0;
    if (pending.size() + added.size() > max) {
        drop = std::min(pending.size(), std::max(added.size(), max / 4));
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(drop));
    }
    pending.insert(pending.end(), added.begin(), added.end());
    return drop;
}

/// Sampler-thread state of one watched allocator.
struct Monitor::Watched {
    Watched(const AllocatorInfo& info, std::int64_t period_ns, std::uint32_t index)
        : id(info.id), tracker(info.id, info.filterId(), period_ns), frames(index)
    {
    }
    std::string id;
    AllocatorTracker tracker;
    AllocatorStats stats; // the tracker's, as of the last reading or change
    FrameTracker frames; // from the buffers' transitions, where a source reports them
    bool transitions = false; // a source reports them: drops and deliveries come from the frames
    bool framesMade = false; // a source hands over frame records made elsewhere (a recording's)
    std::int64_t lastReading_ns = INT64_MIN; // one reading per time: a later one at the same time follows it by 1 ns

    [[nodiscard]] bool gone() const { return tracker.gone(); }
    /// A device event (AllocatorTracker::apply).
    void apply(EventKind kind, const std::string& eventId)
    {
        if (tracker.apply(kind, eventId))
            stats.gone = true;
    }
};

/// The monitor as its sources see it during one tick.
class Monitor::TickSink final : public SampleSink {
public:
    TickSink(Monitor& monitor, TickOutput& out) : m_monitor(monitor), m_out(out) { }
    [[nodiscard]] std::int64_t steadyOrigin_ns() const override
    {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(m_monitor.m_start.time_since_epoch()).count();
    }
    [[nodiscard]] std::size_t watchedCount() const override { return m_monitor.m_watched.size(); }
    [[nodiscard]] const std::string& watchedId(std::size_t index) const override
    {
        return m_monitor.m_watched[index]->id;
    }
    [[nodiscard]] bool watchedGone(std::size_t index) const override { return m_monitor.m_watched[index]->gone(); }
    [[nodiscard]] std::size_t findWatched(std::string_view id) const override
    {
        const auto& watched = m_monitor.m_watched;
        for (std::size_t i = watched.size(); i-- > 0;)
            if (watched[i]->id == id && !watched[i]->gone())
                return i;
        return npos;
    }
    void reading(std::size_t index, std::int64_t t_ns, const AllocatorReading& reading, bool deriveEvents) override
    {
        if (index < m_monitor.m_watched.size() && !m_monitor.m_watched[index]->gone())
            m_monitor.process(index, t_ns, reading, deriveEvents, m_out);
    }
    void event(const MonitorEvent& event, const Topology* topology) override
    {
        m_monitor.sourceEvent(event, topology, m_out);
    }
    void transition(const BufferEvent& event) override { m_monitor.sourceTransition(event, m_out); }
    void frame(const FrameRecord& frame) override
    {
        if (frame.allocator >= m_monitor.m_watched.size() || m_monitor.m_watched[frame.allocator]->gone())
            return;
        m_monitor.m_watched[frame.allocator]->framesMade = true;
        m_out.frames.push_back(frame);
    }
    void dropped(const DroppedFrames& drop) override
    {
        if (drop.allocator < m_monitor.m_watched.size() && !m_monitor.m_watched[drop.allocator]->gone())
            m_out.drops.push_back(drop);
    }
    [[nodiscard]] bool buffersWanted() const override { return m_monitor.m_recordBuffers.load(); }
    void bufferChange(const BufferChange& change) override
    {
        if (change.allocator < m_monitor.m_watched.size())
            m_out.buffers.push_back(change);
    }
    [[nodiscard]] std::size_t laneWanted() const override { return m_monitor.m_laneRequest.load(); }
    void lane(LaneUpdate update) override { m_out.lane = std::move(update); }

private:
    Monitor& m_monitor;
    TickOutput& m_out;
};

Monitor::Monitor(Options options) : m_options(std::move(options))
{
    if (!std::isfinite(m_options.rateHz))
        m_options.rateHz = Options{}.rateHz;
    m_options.rateHz = std::clamp(m_options.rateHz, kMinRateHz, kMaxRateHz);
    if (!std::isfinite(m_options.windowSeconds) || m_options.windowSeconds <= 0)
        m_options.windowSeconds = Options{}.windowSeconds;
    m_start = Clock::now();
}

Monitor::~Monitor()
{
    stop();
}

EventSink Monitor::eventSink()
{
    return [incoming = m_incoming](const BackendEvent& event) {
        std::lock_guard lock(incoming->mutex);
        incoming->events.push_back(event);
    };
}

bool Monitor::wanted(const Topology& topology, const AllocatorInfo& info) const
{
    if (m_options.ids.empty())
        return true;
    return std::any_of(m_options.ids.begin(), m_options.ids.end(), [&](const std::string& id) {
        const std::vector<std::string> named = allocatorsOf(topology, id);
        return std::find(named.begin(), named.end(), info.id) != named.end();
    });
}

void Monitor::addAllocator(const AllocatorInfo& info)
{
    for (const auto& w : m_watched)
        if (w->id == info.id && !w->gone())
            return;
    const std::int64_t period_ns =
        info.framePeriodSeconds > 0 ? static_cast<std::int64_t>(info.framePeriodSeconds * 1e9) : 0;
    auto w = std::make_unique<Watched>(info, period_ns, static_cast<std::uint32_t>(m_watched.size()));
    const auto capacity = static_cast<std::size_t>(std::ceil(m_options.windowSeconds * m_options.rateHz)) + 1;
    {
        std::lock_guard lock(m_mutex);
        m_ids.push_back(info.id);
        m_histories.emplace_back(capacity);
        m_stats.emplace_back();
        m_frameStats.emplace_back();
        m_followsFrames.push_back(false);
        m_starvation.emplace_back();
    }
    m_watched.push_back(std::move(w));
}

Status Monitor::start(Session& session)
{
    if (m_started)
        return {E_UNEXPECTED, "a monitor samples once: create a new one to sample again"};
    m_started = true;
    m_session = &session;
    // the backends' own sources, and the probes of the others polled
    std::vector<ProbeSource::Sourced> sourced;
    const SourceOptions sourceOptions{m_options.rateHz, m_options.catchUpSeconds};
    for (const auto& backend : session.backends()) {
        std::unique_ptr<SampleSource> source = backend->createSource(sourceOptions);
        if (!source)
            continue;
        if (source->hasClock()) {
            if (session.backends().size() > 1)
                return {E_INVALIDARG, "the " + backend->name() +
                                          " backend keeps its own clock (it plays something recorded): watch it "
                                          "without the other backends"};
            m_clockSource = source.get();
            m_playback = source->playback();
        }
        sourced.push_back({backend.get(), source.get()});
        m_sources.push_back(std::move(source));
    }
    if (!m_clockSource) // the allocators no backend's own source covers are polled
        m_sources.insert(m_sources.begin(), std::make_unique<ProbeSource>(session, std::move(sourced)));
    const Topology topology = session.topology();
    for (const std::string& id : m_options.ids) {
        if (topology.resolveAllocatorId(id).empty() && !topology.findFilter(id)) {
            std::string known;
            for (const auto& a : topology.allocators)
                known += "\n  " + a.id;
            return {hresultFromWin32(kErrorNotFound), "\"" + id +
                                                          "\" matches no allocator, pin or filter; allocators:" +
                                                          (known.empty() ? std::string(" none") : known)};
        }
    }
    for (const auto& info : topology.allocators)
        if (wanted(topology, info))
            addAllocator(info);
    m_start = Clock::now();
    {
        std::lock_guard lock(m_stopMutex);
        m_stopRequested = false;
    }
    {
        std::lock_guard lock(m_mutex);
        m_samplerStopped = false;
    }
    m_thread = std::thread(&Monitor::run, this);
    m_startSucceeded.store(true);
    return Status::ok();
}

void Monitor::stop()
{
    {
        std::lock_guard lock(m_stopMutex);
        m_stopRequested = true;
    }
    m_stopCv.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

std::int64_t Monitor::now_ns() const
{
    if (m_clockSource)
        return m_clockSource->clock_ns();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - m_start).count();
}

void Monitor::run()
{
    const auto interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / m_options.rateHz));
    const double cpuAtStart = threadCpuSeconds();
    double busy = 0.0;
    auto next = m_start;
    TickOutput out;
    bool begun = false;
    for (;;) {
        {
            std::unique_lock lock(m_stopMutex);
            if (m_stopCv.wait_until(lock, next, [this] { return m_stopRequested; })) {
                // the summary covers the whole run, not just up to the last tick: a sampler that fell behind
                // shows as few ticks over the full time
                const double cpu = threadCpuSeconds() - cpuAtStart;
                // the frames still held when watching ends are frames too (their hold time unknown)
                std::vector<FrameRecord> held;
                for (const auto& w : m_watched)
                    w->frames.flush(held);
                std::lock_guard statsLock(m_mutex);
                (void)appendBounded(m_pendingFrames, held, m_options.maxPending);
                for (const FrameRecord& f : held)
                    m_frameStats[f.allocator].add(f);
                m_samplerStats.cpuSeconds = cpu;
                m_samplerStats.wallSeconds = std::chrono::duration<double>(Clock::now() - m_start).count();
                m_samplerStopped = true;
                return;
            }
        }
        const double tickCpuStart = threadCpuSeconds();
        const auto now = Clock::now();
        std::uint64_t late = 0;
        next += interval;
        if (now > next) { // fell behind: skip the missed ticks rather than bunching samples
            late = static_cast<std::uint64_t>((now - next) / interval) + 1;
            next += interval * static_cast<std::int64_t>(late);
        }
        const std::int64_t wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - m_start).count();
        const std::int64_t t_ns = m_clockSource ? m_clockSource->clock_ns() : wall_ns;
        const bool paused = m_paused.load();
        out.clear();
        if (!paused)
            drainBackendEvents(t_ns, out.events);
        TickSink sink(*this, out);
        if (!begun) {
            for (const auto& source : m_sources)
                source->begin(sink);
            begun = true;
        }
        bool finished = !m_sources.empty();
        for (const auto& source : m_sources) {
            source->tick(t_ns, paused, sink);
            finished = finished && source->finished();
        }
        if (finished)
            m_finished.store(true);
        snapshotTopology(out);
        const double cpuNow = threadCpuSeconds();
        const double cpu = cpuNow - cpuAtStart;
        busy += cpuNow - tickCpuStart;

        std::lock_guard lock(m_mutex);
        publish(t_ns, out);
        const std::vector<SampleRecord>& records = out.records;
        for (const SampleRecord& r : records)
            m_histories[r.allocator].append(r.sample);
        m_lost += appendBounded(m_pendingSamples, records, m_options.maxPending);
        for (auto& e : out.events)
            m_pendingEvents.push_back(std::move(e));
        (void)appendBounded(m_pendingBuffers, out.buffers, m_options.maxPending);
        (void)appendBounded(m_pendingFrames, out.frames, m_options.maxPending);
        // the drop events and frameStats() still say what is dropped from here
        (void)appendBounded(m_pendingDrops, out.drops, m_options.maxPending);
        for (auto& snapshot : out.topologies)
            m_pendingTopologies.push_back(std::move(snapshot));
        for (std::size_t i = 0; i < m_watched.size(); ++i) {
            m_stats[i] = m_watched[i]->stats;
            m_followsFrames[i] = m_watched[i]->transitions || m_watched[i]->framesMade;
        }
        for (const FrameRecord& f : out.frames)
            m_frameStats[f.allocator].add(f);
        ++m_samplerStats.ticks;
        m_samplerStats.samples += records.size();
        m_samplerStats.lateTicks += late;
        m_samplerStats.cpuSeconds = cpu;
        m_samplerStats.busyCpuSeconds = busy;
        m_samplerStats.wallSeconds = static_cast<double>(wall_ns) * 1e-9;
    }
}

void Monitor::snapshotTopology(TickOutput& out)
{
    if (!m_snapshotTopology.load() || !m_session)
        return;
    const auto first =
        std::find_if(out.events.begin(), out.events.end(), [](const MonitorEvent& e) { return isStructural(e.kind); });
    if (first == out.events.end())
        return;
    // one snapshot per tick, as the topology stands after all of the tick's events, at the first one's time; none
    // that overlaps an edit, whose own snapshot stands for it
    const std::uint64_t generation = m_editGeneration.load();
    if (m_editsInProgress.load() > 0)
        return;
    Topology topology;
    if (!m_clockSource || !m_clockSource->topologyAt(out.events.back().t_ns, topology))
        topology = m_session->topology();
    if (m_editGeneration.load() != generation)
        return;
    out.topologies.push_back({first->t_ns, std::string(eventKindName(first->kind)), std::move(topology)});
}

void Monitor::beginEdit()
{
    m_editsInProgress.fetch_add(1);
    m_editGeneration.fetch_add(1);
}

void Monitor::endEdit()
{
    m_editGeneration.fetch_add(1);
    m_editsInProgress.fetch_sub(1);
}

void Monitor::drainBackendEvents(std::int64_t t_ns, std::vector<MonitorEvent>& events)
{
    std::vector<BackendEvent> incoming;
    {
        std::lock_guard lock(m_incoming->mutex);
        incoming.swap(m_incoming->events);
    }
    std::optional<Topology> topology; // taken once for all the filters added in this batch (a backend that opens
                                      // 1000 devices reports 1000 of them at once)
    for (const BackendEvent& e : incoming) {
        switch (e.kind) {
        case BackendEvent::Kind::FilterAdded:
            events.push_back({t_ns, EventKind::Added, e.id, e.message});
            if (m_session) {
                if (!topology)
                    topology = m_session->topology();
                addAllocatorsOf(*topology, e.id);
            }
            break;
        case BackendEvent::Kind::FilterRemoved:
            events.push_back({t_ns, EventKind::Removed, e.id, e.message});
            applyDeviceEvent(EventKind::Removed, e.id);
            break;
        case BackendEvent::Kind::AllocatorReconfigured:
            events.push_back({t_ns, EventKind::Config, e.id, e.message});
            applyDeviceEvent(EventKind::Config, e.id); // this event already says it: no second one from sampling
            break;
        case BackendEvent::Kind::Error:
            events.push_back({t_ns, EventKind::Error, e.id, e.message});
            break;
        }
    }
}

void Monitor::addAllocatorsOf(const Topology& topology, const std::string& filterId)
{
    for (const auto& info : topology.allocators)
        if (info.filterId() == filterId && wanted(topology, info))
            addAllocator(info);
}

void Monitor::applyDeviceEvent(EventKind kind, const std::string& id)
{
    for (auto& w : m_watched)
        w->apply(kind, id);
}

void Monitor::sourceTransition(const BufferEvent& event, TickOutput& out)
{
    if (event.allocator >= m_watched.size() || m_watched[event.allocator]->gone())
        return;
    Watched& w = *m_watched[event.allocator];
    w.transitions = true;
    const std::size_t firstDrop = out.drops.size();
    w.frames.apply(event, out.frames, out.drops);
    for (std::size_t i = firstDrop; i < out.drops.size(); ++i) {
        const DroppedFrames& d = out.drops[i];
        const std::string which = d.first == d.last
                                      ? "frame " + std::to_string(d.first)
                                      : "frames " + std::to_string(d.first) + "-" + std::to_string(d.last);
        out.events.push_back({d.t_ns, EventKind::Drop, w.id, which + " never came (sequence numbers)"});
    }
}

void Monitor::sourceEvent(const MonitorEvent& event, const Topology* topology, TickOutput& out)
{
    if (event.kind == EventKind::Added) {
        if (topology)
            addAllocatorsOf(*topology, event.id);
    } else {
        applyDeviceEvent(event.kind, event.id);
    }
    out.events.push_back(event);
}

void Monitor::process(std::size_t index, std::int64_t t_ns, const AllocatorReading& reading, bool derive,
                      TickOutput& out)
{
    Watched& w = *m_watched[index];
    // an allocator has one state at a time: two readings given the same time (a source's own and the tick's, or
    // readings clamped onto one tick) are kept in order, each at its own nanosecond
    if (w.lastReading_ns != INT64_MIN && t_ns <= w.lastReading_ns)
        t_ns = w.lastReading_ns + 1;
    w.lastReading_ns = t_ns;
    m_intervalScratch.clear();
    AllocatorReading exact;
    const AllocatorReading* r = &reading;
    if (w.transitions) {
        // every frame was seen: the counts come from the frames, and the drop events that named the missing
        // sequence numbers say the drops already
        exact = reading;
        exact.droppedFrames = w.frames.framesDropped();
        exact.deliveredFrames = w.frames.framesDone();
        r = &exact;
    }
    const std::size_t firstEvent = out.events.size();
    w.tracker.update(t_ns, *r, derive ? &out.events : nullptr, m_intervalScratch);
    if (w.transitions)
        out.events.erase(std::remove_if(out.events.begin() + static_cast<std::ptrdiff_t>(firstEvent), out.events.end(),
                                        [](const MonitorEvent& e) { return e.kind == EventKind::Drop; }),
                         out.events.end());
    for (const StarvationInterval& interval : m_intervalScratch)
        out.intervals.push_back({index, interval});
    w.stats = w.tracker.stats();
    const KSSTREAMALLOCATOR_STATUS& s = r->status;
    out.records.push_back({static_cast<std::uint32_t>(index),
                           s.Framing.FrameSize,
                           {t_ns, s.AllocatedFrames, s.Framing.Frames},
                           r->mode,
                           r->droppedFrames,
                           r->deliveredFrames});
}

void Monitor::publish(std::int64_t t_ns, TickOutput& out)
{
    constexpr std::size_t kMaxIntervals = 4096;
    for (const IntervalUpdate& u : out.intervals) {
        auto& list = m_starvation[u.allocator];
        if (u.interval.end_ns >= 0 && !list.empty() && list.back().begin_ns == u.interval.begin_ns) {
            list.back().end_ns = u.interval.end_ns;
            continue;
        }
        if (list.size() >= kMaxIntervals)
            list.erase(list.begin(), list.begin() + kMaxIntervals / 4);
        list.push_back(u.interval);
    }

    // per-buffer lanes: a bounded list of state changes per frame
    constexpr std::size_t kMaxChanges = 65536;
    const LaneUpdate& lane = out.lane;
    if (lane.reset || lane.allocator != m_lanes.allocator) {
        m_lanes.buffers.clear();
        m_lanes.allocator = lane.allocator;
    }
    if (lane.allocator == Lanes::kNone)
        return;
    m_lanes.supported = lane.supported;
    m_lanes.lastSeen_ns = t_ns;
    for (const BufferChange& change : lane.states) {
        if (change.frame >= m_lanes.buffers.size())
            m_lanes.buffers.resize(change.frame + 1);
        auto& changes = m_lanes.buffers[change.frame];
        if (changes.size() >= kMaxChanges)
            changes.erase(changes.begin(), changes.begin() + kMaxChanges / 4);
        changes.push_back({change.t_ns, change.state, change.holder});
    }
}

void Monitor::decimate(std::size_t allocator, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                       std::vector<ColumnSummary>& out, SampleHistory::Precision precision) const
{
    std::lock_guard lock(m_mutex);
    if (allocator < m_histories.size())
        m_histories[allocator].decimate(from_ns, to_ns, columns, out, precision);
}

void Monitor::starvationIntervals(std::size_t allocator, std::int64_t from_ns, std::int64_t to_ns,
                                  std::vector<StarvationInterval>& out) const
{
    std::lock_guard lock(m_mutex);
    if (allocator >= m_starvation.size())
        return;
    for (const StarvationInterval& interval : m_starvation[allocator])
        if (interval.overlaps(from_ns, to_ns))
            out.push_back(interval);
}

void Monitor::setLaneAllocator(std::size_t allocator)
{
    m_laneRequest.store(allocator);
}

void Monitor::lanes(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const
{
    std::lock_guard lock(m_mutex);
    m_lanes.cut(from_ns, to_ns, out);
}

void Lanes::cut(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const
{
    out.allocator = allocator;
    out.supported = supported;
    out.lastSeen_ns = lastSeen_ns;
    out.buffers.clear();
    out.buffers.resize(buffers.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
        const auto& changes = buffers[i];
        auto first = std::upper_bound(changes.begin(), changes.end(), from_ns,
                                      [](std::int64_t t, const LaneChange& c) { return t < c.t_ns; });
        if (first != changes.begin())
            --first; // the state the frame was in when the window starts
        for (auto it = first; it != changes.end() && it->t_ns <= to_ns; ++it)
            out.buffers[i].push_back(*it);
    }
}

void Monitor::takeNew(Batch& batch)
{
    batch.clear();
    std::lock_guard lock(m_mutex);
    batch.samples.swap(m_pendingSamples);
    batch.events.swap(m_pendingEvents);
    batch.bufferChanges.swap(m_pendingBuffers);
    batch.topologies.swap(m_pendingTopologies);
    batch.frames.swap(m_pendingFrames);
    batch.droppedFrames.swap(m_pendingDrops);
    batch.lostSamples = std::exchange(m_lost, 0);
}

std::vector<std::string> Monitor::allocatorIds() const
{
    std::lock_guard lock(m_mutex);
    return m_ids;
}

std::size_t Monitor::allocatorCount() const
{
    std::lock_guard lock(m_mutex);
    return m_ids.size();
}

AllocatorStats Monitor::stats(std::size_t allocator) const
{
    std::lock_guard lock(m_mutex);
    if (allocator >= m_stats.size())
        return {};
    AllocatorStats s = m_stats[allocator];
    return s;
}

bool Monitor::followsFrames(std::size_t allocator) const
{
    std::lock_guard lock(m_mutex);
    return allocator < m_followsFrames.size() && m_followsFrames[allocator];
}

FrameStats Monitor::frameStats(std::size_t allocator) const
{
    std::lock_guard lock(m_mutex);
    return allocator < m_frameStats.size() ? m_frameStats[allocator] : FrameStats{};
}

void Monitor::window(std::size_t allocator, std::int64_t from_ns, std::int64_t to_ns, std::vector<Sample>& out) const
{
    std::lock_guard lock(m_mutex);
    if (allocator < m_histories.size())
        m_histories[allocator].window(from_ns, to_ns, out);
}

SamplerStats Monitor::samplerStats() const
{
    std::lock_guard lock(m_mutex);
    SamplerStats s = m_samplerStats;
    if (!m_samplerStopped && !m_clockSource && m_samplerStats.ticks > 0)
        s.wallSeconds = std::chrono::duration<double>(Clock::now() - m_start).count(); // until now, not the last tick
    return s;
}

} // namespace ksscope
