// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file trace_source_linux.h
/// The v4l2 backend's sample source when the kernel's tracepoints can be read: every transition of every buffer of
/// the watched video nodes, from KsScope's own trace instance, with no ioctl against the queues (TransitionSource
/// makes the readings, lanes and recordings' buffer states of them).

#include "trace_decoder.h"
#include "tracefs_reader_linux.h"
#include "transition_source.h"
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

class TraceSource final : public TransitionSource {
public:
    TraceSource(std::unique_ptr<TracefsReader> reader, QueueLookup lookup);

private:
    std::optional<Queue> watch(std::size_t index, const std::string& id, SampleSink& sink) override;
    void unwatch(std::size_t index) override;
    /// Once a second: a queue whose node is gone (unplugged, driver unloaded) is reported removed. VIDIOC_QUERYCAP on
    /// a handle of the source's own tells (ENODEV); it does not touch the queue.
    void check(std::int64_t t_ns, SampleSink& sink) override;
    void collect(std::int64_t t_ns, SampleSink& sink, std::vector<BufferEvent>& out) override;

    struct Node {
        TracedQueue info;
        Fd handle; ///< the source's own handle of the node, for the liveness check
    };

    std::unique_ptr<TracefsReader> m_reader;
    QueueLookup m_lookup;
    TraceDecoder m_decoder;
    std::vector<Node> m_nodes; // by watched index (empty info.devnode: not ours)
    std::vector<std::int32_t> m_minors; // the nodes the reader keeps
    bool m_minorsChanged = false;
    std::vector<TraceRecord> m_records;
    std::uint64_t m_lostReported = 0;
    std::int64_t m_nodesChecked_ns = 0;
    bool m_failed = false;
};

} // namespace ksscope::v4l2
