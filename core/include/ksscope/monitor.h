// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file monitor.h
/// The sampler: a thread that ticks at a fixed rate, takes what its sources have (sample_source.h: by default it
/// polls KsGetAllocatorStatus of every watched allocator; a backend may bring a source of its own, such as a
/// recording played back) into bounded histories, and detects events (starvation, drops, configuration changes,
/// devices added or removed, backend errors). Consumers take new samples and events in one short critical
/// section.

#include "ksscope/backend.h"
#include "ksscope/history.h"
#include "ksscope/sample_source.h"
#include "ksscope/samples.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ksscope {

class Monitor {
public:
    struct Options {
        double rateHz = 100.0; ///< 1 to 2000
        double windowSeconds = 600.0; ///< history retained per allocator (memory is taken as it fills)
        std::vector<std::string> ids; ///< allocator, pin or filter ids; empty = every allocator
        std::size_t maxPending = 1u << 21; ///< samples kept for takeNew() before the oldest are dropped
        double catchUpSeconds = 3600.0; ///< a source with a clock (a replay): what it takes at once before its position
    };
    static constexpr double kMinRateHz = 1.0;
    static constexpr double kMaxRateHz = 2000.0;

    explicit Monitor(Options options);
    ~Monitor();
    Monitor(const Monitor&) = delete;
    Monitor& operator=(const Monitor&) = delete;

    /// An event sink to give the session before it opens; events reach the monitor from any thread.
    /// The sink stays safe to call after the monitor is gone (its events are then dropped).
    [[nodiscard]] EventSink eventSink();
    /// Resolves the watched ids (allocator, pin or filter ids) against the session and starts sampling.
    /// Fails (HRESULT_FROM_WIN32(ERROR_NOT_FOUND)) naming an id that matches nothing. A monitor runs
    /// once; the session must outlive it or its stop().
    /// Each backend's own source (Backend::createSource) samples its allocators, the monitor polls the probes of
    /// the others. A source with a clock (a recording played back) is the only one: the monitor's clock (now_ns)
    /// is then its position, and it starts by taking up to \a Options::catchUpSeconds before it at once.
    Status start(Session& session);
    void stop();

    using Batch = SampleBatch;
    /// Moves everything new since the last call into \a batch (cleared first).
    void takeNew(Batch& batch);

    /// Watched allocator ids; SampleRecord::allocator indexes this list. It only grows.
    [[nodiscard]] std::vector<std::string> allocatorIds() const;
    /// allocatorIds().size(), without copying the ids.
    [[nodiscard]] std::size_t allocatorCount() const;
    [[nodiscard]] AllocatorStats stats(std::size_t allocator) const;
    /// The frames of one allocator so far, for allocators whose source reports each buffer's transitions (empty
    /// otherwise).
    [[nodiscard]] FrameStats frameStats(std::size_t allocator) const;
    /// Whether the allocator's source reports each buffer's transitions (its frames and drops are exact), rather than
    /// sampled readings.
    [[nodiscard]] bool followsFrames(std::size_t allocator) const;
    /// Samples of one allocator between two times (ns since start).
    void window(std::size_t allocator, std::int64_t from_ns, std::int64_t to_ns, std::vector<Sample>& out) const;
    /// Summaries of \a columns equal columns of [from_ns, to_ns) of one allocator's history (a view
    /// that costs the same whatever the number of retained samples; SampleHistory::Precision).
    void decimate(std::size_t allocator, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                  std::vector<ColumnSummary>& out,
                  SampleHistory::Precision precision = SampleHistory::Precision::Exact) const;
    /// Starvation episodes of one allocator that overlap [from_ns, to_ns] (the most recent 4096 are kept).
    void starvationIntervals(std::size_t allocator, std::int64_t from_ns, std::int64_t to_ns,
                             std::vector<StarvationInterval>& out) const;
    /// Tracks the per-buffer states of one allocator (Lanes::kNone: none) from the next tick on; the
    /// states of the previous one are dropped.
    void setLaneAllocator(std::size_t allocator);
    /// The tracked allocator's per-buffer states over [from_ns, to_ns].
    void lanes(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const;
    /// Hands out every per-buffer state change of every allocator in takeNew() (for a recording).
    void setRecordBuffers(bool on) { m_recordBuffers.store(on); }
    /// Hands out the topology after every tick with a structural event, at that event's time (for a recording).
    void setSnapshotTopology(bool on) { m_snapshotTopology.store(on); }
    /// An edit is being made (beginEdit) or has ended (endEdit): no topology snapshot is taken while one is being
    /// made, and one whose reading overlapped an edit is dropped.
    void beginEdit();
    void endEdit();
    /// Whether start() has succeeded: before it, now_ns() is not yet the sampling clock.
    [[nodiscard]] bool started() const { return m_startSucceeded.load(); }
    /// The playback controls of the source that keeps the clock (a recording played back); null when live. It
    /// outlives the monitor (it is its backend's).
    [[nodiscard]] Playback* playback() const { return m_playback; }
    /// True when the monitor plays something recorded (playback() is not null).
    [[nodiscard]] bool replaying() const { return m_playback != nullptr; }
    /// True once every source has handed out all it had (the end of a recording); never for live devices.
    [[nodiscard]] bool finished() const { return m_finished.load(); }
    /// Paused, the sampler takes no readings; backend events wait until it resumes.
    void setPaused(bool paused) { m_paused.store(paused); }
    [[nodiscard]] bool paused() const { return m_paused.load(); }
    [[nodiscard]] double rateHz() const { return m_options.rateHz; }
    [[nodiscard]] double windowSeconds() const { return m_options.windowSeconds; }
    [[nodiscard]] SamplerStats samplerStats() const;
    /// ns since the monitor started.
    [[nodiscard]] std::int64_t now_ns() const;

private:
    struct Watched;
    void run();
    struct IntervalUpdate {
        std::size_t allocator = 0;
        StarvationInterval interval;
    };
    struct TickOutput {
        std::vector<SampleRecord> records;
        std::vector<MonitorEvent> events;
        std::vector<IntervalUpdate> intervals;
        std::vector<BufferChange> buffers;
        LaneUpdate lane;
        std::vector<TopologySnapshot> topologies;
        std::vector<FrameRecord> frames;
        std::vector<DroppedFrames> drops;
        void clear()
        {
            frames.clear();
            drops.clear();
            records.clear();
            events.clear();
            intervals.clear();
            buffers.clear();
            lane = {};
            topologies.clear();
        }
    };
    class TickSink;
    /// Derives events and statistics from one reading of watched allocator \a index (\a derive false: the source
    /// reports its events itself, statistics only).
    void process(std::size_t index, std::int64_t t_ns, const AllocatorReading& reading, bool derive, TickOutput& out);
    /// A buffer's transition from a source: its allocator's frames, and a drop event for the frames that never came.
    void sourceTransition(const BufferEvent& event, TickOutput& out);
    /// An event from a source: structural ones change what is watched.
    void sourceEvent(const MonitorEvent& event, const Topology* topology, TickOutput& out);
    /// A removed or config event of a filter or allocator, for every watched allocator (AllocatorTracker::apply).
    void applyDeviceEvent(EventKind kind, const std::string& id);
    void addAllocatorsOf(const Topology& topology, const std::string& filterId);
    void publish(std::int64_t t_ns, TickOutput& out);
    /// The topology after the tick's first structural event, when snapshots are wanted.
    void snapshotTopology(TickOutput& out);
    void drainBackendEvents(std::int64_t t_ns, std::vector<MonitorEvent>& events);
    void addAllocator(const AllocatorInfo& info);
    [[nodiscard]] bool wanted(const Topology& topology, const AllocatorInfo& info) const;

    Options m_options;
    Session* m_session = nullptr;
    std::chrono::steady_clock::time_point m_start;

    // sampler-thread state
    std::vector<std::unique_ptr<Watched>> m_watched;

    mutable std::mutex m_mutex; // guards the shared state below
    std::vector<std::string> m_ids;
    std::vector<SampleHistory> m_histories;
    std::vector<AllocatorStats> m_stats;
    std::vector<FrameStats> m_frameStats;
    std::vector<bool> m_followsFrames; // Watched::transitions, as of the last tick
    std::vector<FrameRecord> m_pendingFrames;
    std::vector<DroppedFrames> m_pendingDrops;
    std::vector<std::vector<StarvationInterval>> m_starvation;
    Lanes m_lanes;
    std::vector<SampleRecord> m_pendingSamples;
    std::vector<MonitorEvent> m_pendingEvents;
    std::vector<BufferChange> m_pendingBuffers;
    std::vector<TopologySnapshot> m_pendingTopologies;
    std::uint64_t m_lost = 0;
    SamplerStats m_samplerStats;
    bool m_samplerStopped = false; // the thread ended: m_samplerStats holds the whole run's times

    struct Incoming {
        std::mutex mutex; // guards events
        std::vector<BackendEvent> events;
    };
    std::shared_ptr<Incoming> m_incoming = std::make_shared<Incoming>(); // shared with the event sinks
    bool m_started = false;
    std::atomic<bool> m_paused{false};
    std::atomic<std::size_t> m_laneRequest{Lanes::kNone}; // written by setLaneAllocator, read by the sampler
    std::atomic<bool> m_recordBuffers{false};
    std::atomic<bool> m_snapshotTopology{false};
    std::atomic<unsigned> m_editsInProgress{0};
    std::atomic<std::uint64_t> m_editGeneration{0}; // moves at every edit's start and end
    std::atomic<bool> m_startSucceeded{false};

    std::vector<std::unique_ptr<SampleSource>> m_sources; // set by start(), then used by the sampler thread
    SampleSource* m_clockSource = nullptr; // the source that keeps the clock (then the only one)
    Playback* m_playback = nullptr; // its playback
    std::vector<StarvationInterval> m_intervalScratch; // sampler thread
    std::atomic<bool> m_finished{false};

    std::mutex m_stopMutex;
    std::condition_variable m_stopCv;
    bool m_stopRequested = false;
    std::thread m_thread;
};

} // namespace ksscope
