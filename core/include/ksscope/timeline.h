// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file timeline.h
/// A recording as a sample source: what a replay hands the monitor instead of live readings.

#include "ksscope/hresult.h"
#include "ksscope/samples.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ksscope {

/// What a replayed recording hands the monitor instead of live readings (the replay backend). Times are
/// on the recording's axis; the monitor's clock is position_ns(). Called from the sampler thread.
class ReplayTimeline {
public:
    virtual ~ReplayTimeline() = default;
    ReplayTimeline() = default;
    ReplayTimeline(const ReplayTimeline&) = delete;
    ReplayTimeline& operator=(const ReplayTimeline&) = delete;

    struct Reading {
        std::int64_t t_ns = 0;
        std::uint32_t allocator = 0; ///< index into allocatorIds()
        AllocatorReading reading;
    };
    /// The recording's allocator ids; Reading::allocator and bufferChanges() index this list.
    [[nodiscard]] virtual const std::vector<std::string>& allocatorIds() const = 0;
    /// The replay position (moves with play, pause, speed and seeks).
    [[nodiscard]] virtual std::int64_t position_ns() const = 0;
    [[nodiscard]] virtual std::int64_t begin_ns() const = 0;
    [[nodiscard]] virtual std::int64_t end_ns() const = 0;
    /// The topology as it was recorded at \a t_ns.
    [[nodiscard]] virtual Topology topologyAt(std::int64_t t_ns) = 0;
    /// Readings with from_ns < t_ns <= to_ns, in time order; appended to \a out.
    virtual Status readings(std::int64_t from_ns, std::int64_t to_ns, std::vector<Reading>& out) = 0;
    /// Events with from_ns < t_ns <= to_ns, in time order; appended to \a out.
    virtual Status events(std::int64_t from_ns, std::int64_t to_ns, std::vector<MonitorEvent>& out) = 0;
    /// Buffer-state changes with from_ns < t_ns <= to_ns of one allocator (or every one: kAll); appended.
    static constexpr std::uint32_t kAll = 0xffffffff;
    virtual Status bufferChanges(std::uint32_t allocator, std::int64_t from_ns, std::int64_t to_ns,
                                 std::vector<BufferChange>& out) = 0;

    // Playback, from any thread. A seek takes effect for a monitor started after it.
    virtual void setPlaying(bool playing) = 0;
    [[nodiscard]] virtual bool playing() const = 0;
    /// 1 = as recorded, 0 = everything at once.
    virtual void setSpeed(double speed) = 0;
    [[nodiscard]] virtual double speed() const = 0;
    virtual void seek(std::int64_t t_ns) = 0;
};

} // namespace ksscope
