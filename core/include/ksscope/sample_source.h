// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file sample_source.h
/// Where the monitor's samples come from. The monitor runs one loop at its rate; on each tick every source hands
/// what it has up to the tick's time to a SampleSink (the monitor), which keeps histories, statistics, lanes and
/// events the same way whatever the source. The monitor polls the probes of every backend that has no source of
/// its own (Backend::createSource); a backend may bring its own: one that plays something recorded (with its own
/// clock and a Playback), or one that is told about each buffer as it moves.

#include "ksscope/frames.h"
#include "ksscope/model.h"
#include "ksscope/samples.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope {

/// Play, pause, speed and seek of a source that plays something recorded; called from any thread. It lives as long
/// as the backend that made it (across the monitors started on it).
class Playback {
public:
    virtual ~Playback() = default;
    Playback() = default;
    Playback(const Playback&) = delete;
    Playback& operator=(const Playback&) = delete;

    /// What is played, as a person names it (a recording's file).
    [[nodiscard]] virtual std::string title() const = 0;
    /// The position (moves with play, pause, speed and seeks); the monitor's clock while it plays.
    [[nodiscard]] virtual std::int64_t position_ns() const = 0;
    [[nodiscard]] virtual std::int64_t begin_ns() const = 0;
    [[nodiscard]] virtual std::int64_t end_ns() const = 0;
    virtual void setPlaying(bool playing) = 0;
    [[nodiscard]] virtual bool playing() const = 0;
    /// 1 = as recorded, 0 = everything at once.
    virtual void setSpeed(double speed) = 0;
    [[nodiscard]] virtual double speed() const = 0;
    /// Takes effect for a monitor started after it (a monitor's histories only move forward).
    virtual void seek(std::int64_t t_ns) = 0;
};

/// The per-buffer states of the allocator whose lane is shown, for one tick.
struct LaneUpdate {
    std::size_t allocator = Lanes::kNone; ///< watched index
    bool reset = false; ///< a new allocator or frame count: states holds every frame
    bool supported = true; ///< false: the source knows no per-buffer states of it
    std::vector<BufferChange> states; ///< frame changes (BufferChange::allocator unused)
};

/// What a source reports into, on the sampler thread: the monitor. Indexes are watched allocators (the monitor's
/// allocatorIds()); the list only grows, and an allocator that comes back is watched under a new index.
class SampleSink {
public:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    /// std::chrono::steady_clock's time (ns since its epoch; CLOCK_MONOTONIC on Linux) at the monitor's time 0: a
    /// source whose events carry that clock's times moves them to the monitor's with it.
    [[nodiscard]] virtual std::int64_t steadyOrigin_ns() const = 0;
    [[nodiscard]] virtual std::size_t watchedCount() const = 0;
    [[nodiscard]] virtual const std::string& watchedId(std::size_t index) const = 0;
    [[nodiscard]] virtual bool watchedGone(std::size_t index) const = 0;
    /// The newest watched allocator of that id that is not gone; npos when none.
    [[nodiscard]] virtual std::size_t findWatched(std::string_view id) const = 0;
    /// One reading of a watched allocator. With \a deriveEvents the monitor derives starvation, drops and
    /// configuration changes from it; without, the source reports those itself (statistics are kept either way).
    /// The drop and delivery counts of an allocator whose transitions are reported come from its frames instead.
    virtual void reading(std::size_t index, std::int64_t t_ns, const AllocatorReading& reading, bool deriveEvents) = 0;
    /// An event. A structural one changes what is watched: "added" watches the filter's allocators as \a topology
    /// (required for it) shows them, "removed" ends the allocators it names or holds.
    virtual void event(const MonitorEvent& event, const Topology* topology = nullptr) = 0;
    /// One transition of a buffer of a watched allocator (BufferEvent::allocator), from a source that sees each one:
    /// the monitor derives that allocator's frames from them (frameStats(), SampleBatch::frames), and names the
    /// sequence numbers that never came in a drop event.
    virtual void transition(const BufferEvent& event) = 0;
    /// A frame record made elsewhere (a recording's, played back; FrameRecord::allocator a watched index): kept as
    /// the frames the monitor derives from transitions are (frameStats(), SampleBatch::frames); the readings keep
    /// their own counts.
    virtual void frame(const FrameRecord& frame) = 0;
    /// Sequence numbers that never came, as recorded (DroppedFrames::allocator a watched index); the drop events
    /// that named them come with the recording's events.
    virtual void dropped(const DroppedFrames& drop) = 0;
    /// Whether every per-buffer state change is wanted (a recording is made), and one of them.
    [[nodiscard]] virtual bool buffersWanted() const = 0;
    virtual void bufferChange(const BufferChange& change) = 0;
    /// The watched allocator whose lane is shown (Lanes::kNone: none), and its states for this tick.
    [[nodiscard]] virtual std::size_t laneWanted() const = 0;
    virtual void lane(LaneUpdate update) = 0;

protected:
    ~SampleSink() = default;
};

/// One source of samples, driven by the monitor's thread.
class SampleSource {
public:
    virtual ~SampleSource() = default;
    SampleSource() = default;
    SampleSource(const SampleSource&) = delete;
    SampleSource& operator=(const SampleSource&) = delete;

    /// Whether the source keeps the monitor's clock (something recorded: its position); such a source is the
    /// monitor's only one.
    [[nodiscard]] virtual bool hasClock() const { return false; }
    /// The clock, when hasClock().
    [[nodiscard]] virtual std::int64_t clock_ns() const { return 0; }
    /// Called once on the monitor's thread before its first tick, after the allocators present are watched.
    virtual void begin(SampleSink& sink) { (void)sink; }
    /// Hands \a sink what happened up to \a t_ns (paused: nothing new, but the lane shown is still kept).
    virtual void tick(std::int64_t t_ns, bool paused, SampleSink& sink) = 0;
    /// True once there is nothing more to come (the end of a recording); live sources never finish.
    [[nodiscard]] virtual bool finished() const { return false; }
    /// The topology at \a t_ns of a source with a clock (as recorded); other sources leave it to the session.
    [[nodiscard]] virtual bool topologyAt(std::int64_t t_ns, Topology& out)
    {
        (void)t_ns;
        (void)out;
        return false;
    }
    /// Whether this source reports the watched allocator \a index of its backend; the monitor polls those it does not
    /// (through the backend's probes). Asked on the monitor's thread, before each tick, of every such allocator.
    [[nodiscard]] virtual bool covers(std::size_t index, SampleSink& sink)
    {
        (void)index;
        (void)sink;
        return true;
    }
    /// Play, pause, speed and seek, for a source that plays something recorded (null otherwise).
    [[nodiscard]] virtual Playback* playback() { return nullptr; }
};

/// What the monitor tells a backend's source when it creates it.
struct SourceOptions {
    double rateHz = 100.0; ///< the monitor's tick rate
    double catchUpSeconds = 3600.0; ///< a source with a clock: how much before its position it hands out at once
};

} // namespace ksscope
