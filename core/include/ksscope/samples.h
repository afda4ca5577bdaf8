// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file samples.h
/// What a sampler produces and its consumers (recordings, reports, the agent, the window) read: readings,
/// samples, events, statistics, starvation episodes, per-buffer lanes and topology snapshots.

#include "ksscope/frames.h"
#include "ksscope/history.h"
#include "ksscope/model.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope {

/// One reading of an allocator, taken by the sampler.
struct AllocatorReading {
    KSSTREAMALLOCATOR_STATUS status;
    KSALLOCATORMODE mode = KsAllocatorMode_User;
    std::uint64_t droppedFrames = 0; ///< cumulative frames the producer could not deliver
    std::uint64_t deliveredFrames = 0; ///< cumulative frames delivered
};

enum class EventKind : std::uint8_t { Starvation, Drop, Config, Added, Removed, Error };
[[nodiscard]] std::string_view eventKindName(EventKind kind); ///< "starvation", "drop", ...

struct MonitorEvent {
    std::int64_t t_ns = 0; ///< since the monitor started
    EventKind kind = EventKind::Error;
    std::string id; ///< allocator or filter id
    std::string message;
};

/// A new sample handed to a consumer: which allocator (index into allocatorIds()), its frame size, and what
/// else the reading said (mode and the producer's cumulative counters, for recordings).
struct SampleRecord {
    std::uint32_t allocator = 0;
    std::uint32_t frameSize = 0;
    Sample sample;
    KSALLOCATORMODE mode = KsAllocatorMode_User;
    std::uint64_t dropped = 0; ///< AllocatorReading::droppedFrames
    std::uint64_t delivered = 0; ///< AllocatorReading::deliveredFrames
};

/// The reading a recorded sample stands for. A recording keeps frames, frame size and allocated frames of the
/// status; its other framing fields (alignment, memory type, ...) come from `framing`, the allocator's framing in
/// the topology of the sample's time, and are zero without it.
[[nodiscard]] AllocatorReading readingOf(const SampleRecord& record, const KSALLOCATOR_FRAMING* framing);

/// A frame of an allocator that changed state (recordings of per-buffer states).
struct BufferChange {
    std::int64_t t_ns = 0;
    std::uint32_t allocator = 0; ///< index into allocatorIds()
    std::uint32_t frame = 0;
    BufferState state = BufferState::Free;
    /// Consumer: the thread that took the buffer (VIDIOC_DQBUF's caller), where the events tell; -1: not known. Read
    /// from a recording: the thread's process (Recording::processes names it).
    std::int32_t holder = -1;
};

/// Running statistics of one allocator since the monitor started.
struct AllocatorStats {
    std::uint32_t minAllocated = 0;
    std::uint32_t maxAllocated = 0;
    double meanAllocated = 0.0;
    std::uint64_t samples = 0;
    std::uint64_t starvationCount = 0;
    double starvedMs = 0.0; ///< time with no free frame, in episodes that reached the starvation threshold
    std::uint64_t drops = 0;
    std::uint64_t delivered = 0; ///< frames delivered since sampling started (where the backend counts them)
    double framesPerSecond = 0.0; ///< delivered frames over the sampled time
    std::uint32_t frames = 0;
    std::uint32_t frameSize = 0;
    bool gone = false;
    bool starving = false; ///< in a starvation episode now
};

/// A time during which an allocator had no free frame for two frame periods or more.
struct StarvationInterval {
    std::int64_t begin_ns = 0; ///< when the last free frame was taken
    std::int64_t end_ns = -1; ///< when a frame became free again; -1 while it lasts
    /// True when the episode overlaps [from_ns, to_ns].
    [[nodiscard]] bool overlaps(std::int64_t from_ns, std::int64_t to_ns) const
    {
        return begin_ns <= to_ns && (end_ns < 0 || end_ns >= from_ns);
    }
};

/// A frame's state from a time on (per-buffer lanes).
struct LaneChange {
    std::int64_t t_ns = 0;
    BufferState state = BufferState::Free;
    std::int32_t holder = -1; ///< Consumer: the thread that took it, where known (BufferChange::holder)
};

/// Per-buffer states of the lane allocator over a time window.
struct Lanes {
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    std::size_t allocator = kNone; ///< index into allocatorIds(), kNone when no allocator is tracked
    bool supported = true; ///< false when the backend does not report per-buffer states
    std::int64_t lastSeen_ns = 0; ///< time of the last reading
    /// Per frame, its state changes: the last one before the window, then every one inside it.
    std::vector<std::vector<LaneChange>> buffers;

    /// Copies into \a out what of these lanes falls in [from_ns, to_ns]: per frame, the state it was in when
    /// the window starts, then its changes inside the window.
    void cut(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const;
};

/// The topology at a time, and why it was taken ("start", "added", "removed", "config", "edit").
struct TopologySnapshot {
    std::int64_t t_ns = 0;
    std::string reason;
    Topology topology;
};

struct SamplerStats {
    std::uint64_t ticks = 0;
    std::uint64_t samples = 0;
    double cpuSeconds = 0.0; ///< the sampler thread's own CPU time, waking up included
    double busyCpuSeconds = 0.0; ///< CPU time spent sampling, from wake-up to the end of each tick
    double wallSeconds = 0.0; ///< since start
    std::uint64_t lateTicks = 0; ///< ticks skipped because the sampler fell behind
};

/// What a sampler hands a consumer in one call: everything new since the last one.
struct SampleBatch {
    std::vector<SampleRecord> samples;
    std::vector<MonitorEvent> events;
    std::vector<BufferChange> bufferChanges; ///< while the monitor records per-buffer states
    /// The topology after each tick with a structural event (added, removed, config), at that event's time and
    /// named after it; while the monitor snapshots them (Monitor::setSnapshotTopology).
    std::vector<TopologySnapshot> topologies;
    /// Frames, from sources that report every buffer's transitions (FrameRecord::allocator indexes allocatorIds()).
    std::vector<FrameRecord> frames;
    /// The sequence numbers that never came, from the same sources.
    std::vector<DroppedFrames> droppedFrames;
    std::uint64_t lostSamples = 0; ///< pending samples dropped because nobody took them
    void clear()
    {
        samples.clear();
        events.clear();
        bufferChanges.clear();
        topologies.clear();
        frames.clear();
        droppedFrames.clear();
        lostSamples = 0;
    }
};

/// CPU time consumed by the calling thread, in seconds.
[[nodiscard]] double threadCpuSeconds();

/// Whether an event changes the topology (a device added or removed, an allocator reconfigured).
[[nodiscard]] constexpr bool isStructural(EventKind kind)
{
    return kind == EventKind::Added || kind == EventKind::Removed || kind == EventKind::Config;
}

} // namespace ksscope
