// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file probe_source.h
/// The monitor's default source: it polls AllocatorProbe::read of every watched allocator of the backends that
/// have no source of their own, at every tick (or takes the readings a probe got from elsewhere, at their times),
/// and their per-buffer states for the lane shown and a recording.

#include "ksscope/backend.h"
#include "ksscope/sample_source.h"

#include <memory>
#include <vector>

namespace ksscope {

class ProbeSource final : public SampleSource {
public:
    /// A backend's own source.
    struct Sourced {
        const Backend* backend = nullptr;
        SampleSource* source = nullptr;
    };
    /// Polls the allocators of \a session's backends, but those that a backend's own source in \a sourced covers.
    ProbeSource(Session& session, std::vector<Sourced> sourced);
    void tick(std::int64_t t_ns, bool paused, SampleSink& sink) override;

private:
    struct Polled {
        bool mine = false; // its backend has no source of its own, or the source does not cover it
        std::shared_ptr<AllocatorProbe> probe; // null: none (or not mine)
        HRESULT lastError = S_OK;
        std::vector<BufferState> buffers; // last per-buffer states recorded
        std::int64_t last_ns = -1; // the time of its last reading
    };
    void follow(SampleSink& sink);
    void recordBuffers(std::int64_t t_ns, SampleSink& sink);
    void trackLane(std::int64_t t_ns, SampleSink& sink);

    Session& m_session;
    std::vector<Sourced> m_sourced;
    std::vector<Polled> m_polled; // by watched index
    std::vector<AllocatorProbe::TakenReading> m_taken; // scratch
    std::int64_t m_lastTick_ns = -1;
    bool m_recordingBuffers = false; // whether the last tick recorded them
    std::size_t m_laneTracked = Lanes::kNone; // what the lane tracks now
    std::vector<BufferState> m_laneStates; // its last states seen
};

} // namespace ksscope
