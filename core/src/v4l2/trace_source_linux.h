// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file trace_source_linux.h
/// The v4l2 backend's sample source when the kernel's tracepoints can be read: every transition of every buffer of
/// the watched video nodes, from KsScope's own trace instance, with no ioctl against the queues. The monitor gets the
/// transitions (its frame records and named drops), a reading at each change of occupancy and one per tick (its
/// graphs, starvation and statistics), the lane's states and, for recordings, every buffer's state as it changed.

#include "ksscope/sample_source.h"
#include "trace_decoder.h"
#include "tracefs_reader_linux.h"
#include "v4l2_device_linux.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ksscope::v4l2 {

/// A queue of the backend as the source needs it.
struct TracedQueue {
    std::string devnode; ///< /dev/videoN
    std::int32_t minor = -1; ///< the video node's minor number
    KSALLOCATORMODE mode = KsAllocatorMode_Kernel;
    std::uint32_t frames = 0; ///< buffers, as last read (the source counts those it sees move too)
    std::uint32_t frameSize = 0;
};
/// The queue of a watched allocator id; nullopt for an id that is not the backend's.
using QueueLookup = std::function<std::optional<TracedQueue>(const std::string& allocatorId)>;

class TraceSource final : public SampleSource {
public:
    TraceSource(std::unique_ptr<TracefsReader> reader, QueueLookup lookup);

    void begin(SampleSink& sink) override;
    void tick(std::int64_t t_ns, bool paused, SampleSink& sink) override;

private:
    struct Queue {
        bool mine = false;
        TracedQueue info;
        Fd node; ///< the source's own handle of the node, for the liveness check
        std::vector<BufferState> states; ///< by buffer index
        std::uint32_t reportedAllocated = UINT32_MAX;
    };

    void watchNew(SampleSink& sink);
    void apply(const BufferEvent& event, SampleSink& sink, LaneUpdate* lane);
    void report(std::size_t index, std::int64_t t_ns, SampleSink& sink);
    /// Once a second: a queue whose node is gone (unplugged, driver unloaded) is reported removed. VIDIOC_QUERYCAP on
    /// a handle of the source's own tells (ENODEV); it does not touch the queue.
    void checkNodes(std::int64_t t_ns, SampleSink& sink);
    [[nodiscard]] std::uint32_t allocated(const Queue& q) const;

    std::unique_ptr<TracefsReader> m_reader;
    QueueLookup m_lookup;
    TraceDecoder m_decoder;
    std::vector<Queue> m_queues; // by watched index
    std::vector<std::int32_t> m_minors; // the nodes the reader keeps
    std::vector<TraceRecord> m_records;
    std::vector<BufferEvent> m_events;
    std::int64_t m_origin_ns = 0; // the trace clock at the monitor's 0
    std::uint64_t m_lostReported = 0;
    std::int64_t m_nodesChecked_ns = 0;
    bool m_paused = false;
    bool m_failed = false;
    std::size_t m_laneTracked = Lanes::kNone;
};

} // namespace ksscope::v4l2
