// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file replay_source.h
/// A recording as the monitor's sample source: the recorded readings, events and buffer states handed out at their
/// recorded times, with the replay position as the monitor's clock.

#include "ksscope/model.h"
#include "ksscope/recording.h"
#include "ksscope/sample_source.h"
#include "ksscope/samples.h"

#include <memory>
#include <string>
#include <vector>

namespace ksscope::replay {

/// What the replay backend reads from its recording for the source; called from the sampler thread. Times are on
/// the recording's axis.
class ReplayTimeline : public Playback {
public:
    struct Reading {
        std::int64_t t_ns = 0;
        std::uint32_t allocator = 0; ///< index into allocatorIds()
        AllocatorReading reading;
    };
    /// The recording's allocator ids; Reading::allocator and bufferChanges() index this list.
    [[nodiscard]] virtual const std::vector<std::string>& allocatorIds() const = 0;
    /// The topology as it was recorded at \a t_ns.
    [[nodiscard]] virtual Topology topologyAt(std::int64_t t_ns) = 0;
    /// Readings with from_ns < t_ns <= to_ns, in time order; appended to \a out.
    virtual Status readings(std::int64_t from_ns, std::int64_t to_ns, std::vector<Reading>& out) = 0;
    /// Events with from_ns < t_ns <= to_ns, in time order; appended to \a out.
    virtual Status events(std::int64_t from_ns, std::int64_t to_ns, std::vector<MonitorEvent>& out) = 0;
    /// Buffer-state changes with from_ns < t_ns <= to_ns of one allocator (or every one:
    /// Recording::kAllAllocators); appended.
    virtual Status bufferChanges(std::uint32_t allocator, std::int64_t from_ns, std::int64_t to_ns,
                                 std::vector<BufferChange>& out) = 0;
    /// Frame records and drops with from_ns < t <= to_ns (none in a recording without them); appended.
    virtual Status frames(std::int64_t from_ns, std::int64_t to_ns, std::vector<RecordedFrame>& frames,
                          std::vector<DroppedFrames>& drops) = 0;
};

/// The monitor's source over \a timeline, which must outlive it.
[[nodiscard]] std::unique_ptr<SampleSource> makeReplaySource(ReplayTimeline& timeline, const SourceOptions& options);

} // namespace ksscope::replay
