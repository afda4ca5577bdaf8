// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file trace_decoder.h
/// The buffer transitions of V4L2 queues, from the kernel's own tracepoints (no ioctl against the queue).
///
/// What Debian 12's kernel (6.1) fires, per buffer:
/// - in VIDIOC_QBUF: vb2:vb2_qbuf (vb2 queue owner, index), then vb2:vb2_buf_queue when the queue streams, then
///   v4l2:v4l2_qbuf (video node minor, index);
/// - at STREAMON: vb2:vb2_buf_queue for each buffer queued before;
/// - in the driver: vb2:vb2_buf_done (owner, index; no sequence number yet);
/// - in VIDIOC_DQBUF: vb2:vb2_dqbuf (owner, index, the timestamp in ns), then v4l2:v4l2_dqbuf (minor, index,
///   sequence, flags, bytesused).
/// The vb2 events name the queue by its owner (the file handle that streams), the v4l2 ones by the video node's
/// minor. The decoder pairs them: a v4l2 qbuf/dqbuf and the vb2 qbuf/dqbuf of the same process and index just before
/// it tell which owner streams which node. Events of an owner not known yet wait (a bounded number) until then.
/// A buffer "done" in the call of a process that queues or dequeues on that queue, outside interrupts, is one the
/// queue gave back unfilled when the stream stopped (VIDIOC_STREAMOFF, close): it becomes free, and is no frame.
/// The v4l2:vb2_v4l2_* events are not fired by that kernel and are not needed.
///
/// Times stay on the trace clock (CLOCK_MONOTONIC, the instance's "mono" clock); the caller moves them.

#include "ksscope/frames.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

namespace ksscope::v4l2 {

enum class TraceKind : std::uint8_t {
    Vb2Qbuf, ///< vb2:vb2_qbuf
    Vb2BufQueue, ///< vb2:vb2_buf_queue
    Vb2BufDone, ///< vb2:vb2_buf_done
    Vb2Dqbuf, ///< vb2:vb2_dqbuf
    V4l2Qbuf, ///< v4l2:v4l2_qbuf
    V4l2Dqbuf, ///< v4l2:v4l2_dqbuf
};

/// One tracepoint hit, its fields read from the ring buffer.
struct TraceRecord {
    std::int64_t t_ns = 0; ///< the trace clock
    TraceKind kind = TraceKind::Vb2Qbuf;
    std::int32_t pid = -1; ///< common_pid: the process (thread) that fired it
    std::uint64_t owner = 0; ///< vb2_*: the queue's owner
    std::int32_t minor = -1; ///< v4l2_*: the video node
    std::uint32_t index = 0; ///< the buffer
    std::uint32_t bytesUsed = 0;
    std::uint32_t flags = 0; ///< v4l2_*: V4L2_BUF_FLAG_*
    std::uint32_t sequence = 0; ///< v4l2_dqbuf
    std::int64_t timestamp_ns = -1; ///< vb2_dqbuf (ns) and v4l2_dqbuf (us precision); -1: none
    bool interrupt = false; ///< fired in an interrupt (hard, soft or NMI): pid is whoever was interrupted
};

/// Pairs the tracepoints of V4L2 queues into buffer transitions of the watched video nodes.
class TraceDecoder {
public:
    /// Events of an owner not known yet that wait for the pairing that names it; older ones are forgotten.
    static constexpr std::size_t kMaxWaiting = 256;
    /// Owners not known yet that are remembered.
    static constexpr std::size_t kMaxUnknownOwners = 64;

    /// Reports the transitions of the video node \a minor as the watched allocator \a allocator.
    void watch(std::int32_t minor, std::uint32_t allocator);
    void unwatch(std::int32_t minor);
    [[nodiscard]] bool watching(std::int32_t minor) const { return m_watched.count(minor) != 0; }

    /// Takes one record (in the order they happened); the transitions of watched nodes it makes go to \a out, their
    /// times still on the trace clock.
    void feed(const TraceRecord& record, std::vector<BufferEvent>& out);

    /// Records of owners never paired with a node that were forgotten (bounded waiting).
    [[nodiscard]] std::uint64_t unpaired() const { return m_unpaired; }
    /// The video node an owner streams, -1 when not known.
    [[nodiscard]] std::int32_t minorOf(std::uint64_t owner) const;

private:
    struct Owner {
        std::int32_t minor = -1;
        std::deque<TraceRecord> waiting; ///< events before the owner was known
        std::vector<std::int32_t> callers; ///< processes that queue or dequeue its buffers (a few)
    };
    /// The last vb2 qbuf/dqbuf of a process, for the v4l2 event of the same call.
    struct Call {
        TraceRecord vb2;
        bool valid = false;
    };

    Owner& owner(std::uint64_t owner);
    void pair(const TraceRecord& v4l2, std::vector<BufferEvent>& out);
    static void addCaller(Owner& o, std::int32_t pid);
    /// An event of an owner whose node is known.
    void emit(const TraceRecord& record, const Owner& owner, std::vector<BufferEvent>& out);

    std::unordered_map<std::int32_t, std::uint32_t> m_watched; // minor -> allocator
    std::unordered_map<std::uint64_t, Owner> m_owners;
    std::unordered_map<std::int32_t, Call> m_calls; // pid -> its last vb2 qbuf/dqbuf
    std::uint64_t m_unpaired = 0;
};

} // namespace ksscope::v4l2
