// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file transition_source.h
/// What a sample source whose backend sees every buffer move (the kernel's tracepoints, the simulator's own
/// allocators) does with the transitions: hands each to the monitor (its frame records and named drops), keeps every
/// buffer's state, reports a reading whenever the occupancy changes and one per tick (the graphs, starvation and
/// statistics, exact), the lane shown, and every buffer's state change for recordings. A backend's source says which
/// watched allocators are its own and collects their transitions.

#include "ksscope/sample_source.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ksscope {

class TransitionSource : public SampleSource {
public:
    void begin(SampleSink& sink) final;
    void tick(std::int64_t t_ns, bool paused, SampleSink& sink) final;
    /// The allocators watch() took (the others are polled).
    [[nodiscard]] bool covers(std::size_t index, SampleSink& sink) final;

protected:
    /// A watched allocator of this source's backend.
    struct Queue {
        KSALLOCATORMODE mode = KsAllocatorMode_Kernel;
        std::uint32_t frames = 0; ///< buffers known when watching began (those seen move are added)
        std::uint32_t frameSize = 0; ///< bytes (the largest frame seen raises it)
        std::uint32_t maxBuffers = 65536; ///< an index past it is not a buffer
        /// KS: a frame being filled is allocated (AllocatedFrames counts every frame not free). V4L2 (false): the
        /// frames the driver cannot fill now are those filled and waiting or held, and an idle queue holds none.
        bool fillingIsAllocated = true;
    };

    /// A newly watched allocator (\a index, \a id): its queue when it is this source's, nullopt otherwise.
    virtual std::optional<Queue> watch(std::size_t index, const std::string& id, SampleSink& sink) = 0;
    /// An allocator of this source's that is gone (removed, or reported gone by check()).
    virtual void unwatch(std::size_t index) { (void)index; }
    /// Once per tick, before collecting: a source may report its allocators removed (sink.event, then gone()).
    virtual void check(std::int64_t t_ns, SampleSink& sink)
    {
        (void)t_ns;
        (void)sink;
    }
    /// Appends the transitions of its watched allocators since the last call, in order; BufferEvent::t_ns on the
    /// steady clock (ns since its epoch; CLOCK_MONOTONIC on Linux), moved to the monitor's time here.
    virtual void collect(std::int64_t t_ns, SampleSink& sink, std::vector<BufferEvent>& out) = 0;

    /// Whether the watched allocator \a index is this source's and not gone.
    [[nodiscard]] bool mine(std::size_t index) const { return index < m_queues.size() && m_queues[index].mine; }
    /// Stops following \a index (after reporting it removed).
    void gone(std::size_t index);
    [[nodiscard]] std::size_t watchedSoFar() const { return m_queues.size(); }

private:
    struct Watched {
        bool mine = false;
        Queue queue;
        std::vector<BufferState> states; ///< by buffer index
        std::vector<std::int32_t> holders; ///< by buffer index: the thread that took it while it is held, else -1
        std::uint32_t reportedAllocated = UINT32_MAX;
        std::int64_t reported_ns = -1; ///< the time of the last reading (one per time)
    };
    void watchNew(SampleSink& sink);
    void apply(const BufferEvent& event, SampleSink& sink, LaneUpdate* lane);
    void report(std::size_t index, std::int64_t t_ns, SampleSink& sink);
    [[nodiscard]] static std::uint32_t allocated(const Watched& w);

    std::vector<Watched> m_queues; // by watched index
    std::vector<BufferEvent> m_events;
    std::vector<BufferEvent> m_later; // collected with times after the tick they were collected at
    std::int64_t m_origin_ns = 0;
    std::int64_t m_lastTick_ns = -1;
    std::int64_t m_lastEvent_ns = -1; // the time of the last transition handed over
    bool m_paused = false;
    std::size_t m_laneTracked = Lanes::kNone;
};

} // namespace ksscope
