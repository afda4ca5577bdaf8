// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file frames.h
/// Frames, exactly: every transition of every buffer of a queue (handed to the driver, filled, taken by the
/// application, given back), and the per-frame records derived from them - the frame interval, the driver's latency,
/// the delivery latency, how long the application held the frame, and the frames that never came (the missing
/// sequence numbers, named). Where a backend reports transitions (kernel tracepoints, its own allocators), occupancy,
/// starvation and drops come from these instead of from samples.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ksscope {

/// What happened to a buffer.
enum class BufferTransition : std::uint8_t {
    Queued, ///< given to the queue by the application (VIDIOC_QBUF; KS: ReleaseBuffer back to the pool)
    DriverOwned, ///< handed to the driver to fill (vb2 buf_queue; KS: GetBuffer by the producer)
    Done, ///< filled by the driver, with its sequence number and timestamp (vb2 buf_done; KS: delivered)
    Dequeued, ///< taken by the application (VIDIOC_DQBUF; KS: the consumer received it)
};

/// One transition of one buffer.
struct BufferEvent {
    std::int64_t t_ns = 0; ///< when it happened, on the monitor's clock
    std::uint32_t allocator = 0; ///< the watched allocator (Monitor::allocatorIds() index)
    std::uint32_t buffer = 0; ///< the buffer's index in its queue
    BufferTransition transition = BufferTransition::Queued;
    std::uint32_t sequence = 0; ///< Done and Dequeued: the frame's sequence number
    std::int64_t timestamp_ns = -1; ///< Done and Dequeued: the frame's own timestamp (the driver's); -1: none
    std::uint32_t bytesUsed = 0; ///< Done and Dequeued
    bool error = false; ///< Done and Dequeued: the driver marked the frame bad (V4L2_BUF_FLAG_ERROR)
    std::int32_t pid = -1; ///< Queued and Dequeued: the process that made the call; -1: not known
    /// Done: whether the sequence number, timestamp, bytes and error flag are known already. A Done without them is
    /// numbered by the Dequeued that follows (V4L2's tracepoints tell the sequence number only when the application
    /// takes the frame); one never dequeued (the stream stopped) is no frame.
    bool numbered = true;
    /// When it happened, where that is before t_ns: a move learnt of only after the readings had gone past its time
    /// (a frame's fill, known when it is dequeued) is placed at the first time still open, and its frame record keeps
    /// this one. -1: at t_ns.
    std::int64_t happened_ns = -1;

    /// The time its frame record keeps.
    [[nodiscard]] std::int64_t at_ns() const { return happened_ns >= 0 ? happened_ns : t_ns; }
};

/// One frame, from the buffer handed to the driver to the buffer given back. A time of -1 was not seen.
struct FrameRecord {
    std::uint32_t allocator = 0;
    std::uint32_t buffer = 0;
    std::uint32_t sequence = 0;
    std::int64_t timestamp_ns = -1; ///< the frame's own timestamp
    std::int64_t driverOwned_ns = -1; ///< handed to the driver
    std::int64_t done_ns = -1; ///< filled
    std::int64_t dequeued_ns = -1; ///< taken by the application
    std::int64_t returned_ns = -1; ///< given back (-1: still held when the record was made)
    std::uint32_t bytesUsed = 0;
    bool error = false;
    std::int32_t holder = -1; ///< the process that dequeued it
    /// Sequence numbers missing right before this frame (the frames the driver dropped).
    std::uint32_t droppedBefore = 0;
    /// Since the previous frame's own timestamp; -1 for the first frame.
    std::int64_t interval_ns = -1;

    /// done - handed to the driver; -1 when either was not seen.
    [[nodiscard]] std::int64_t driverLatency_ns() const { return span(driverOwned_ns, done_ns); }
    /// dequeued - done.
    [[nodiscard]] std::int64_t deliveryLatency_ns() const { return span(done_ns, dequeued_ns); }
    /// given back - dequeued: how long the application held it.
    [[nodiscard]] std::int64_t hold_ns() const { return span(dequeued_ns, returned_ns); }
    /// When the frame happened, for placing it in time: filled, else dequeued, else handed to the driver (-1: none).
    [[nodiscard]] std::int64_t t_ns() const
    {
        return done_ns >= 0 ? done_ns : dequeued_ns >= 0 ? dequeued_ns : driverOwned_ns;
    }

private:
    [[nodiscard]] static std::int64_t span(std::int64_t from, std::int64_t to)
    {
        return from >= 0 && to >= from ? to - from : -1;
    }
};

/// Frames the driver dropped: sequence numbers first to last (inclusive) never came.
struct DroppedFrames {
    std::int64_t t_ns = 0; ///< when the gap became known (the next frame was filled)
    std::uint32_t allocator = 0;
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    [[nodiscard]] std::uint32_t count() const { return last - first + 1; }
};

/// Derives frame records from the transitions of one allocator's buffers, in the order they happened. A record is
/// made when its buffer is given back (its hold time is then known) or, with flush(), when watching ends.
class FrameTracker {
public:
    explicit FrameTracker(std::uint32_t allocator = 0) : m_allocator(allocator) { }

    /// Applies \a event (of this tracker's allocator); the records it completes go to \a frames, the gaps it
    /// reveals to \a drops.
    void apply(const BufferEvent& event, std::vector<FrameRecord>& frames, std::vector<DroppedFrames>& drops);
    /// The frames filled but not given back yet, as records (their later times -1); the tracker forgets them.
    void flush(std::vector<FrameRecord>& frames);

    /// Buffers the driver holds now (handed to it, not filled yet).
    [[nodiscard]] std::uint32_t driverOwned() const;
    /// Buffers the application holds now (dequeued, not given back).
    [[nodiscard]] std::uint32_t applicationHeld() const;
    [[nodiscard]] std::uint64_t framesDone() const { return m_framesDone; }
    [[nodiscard]] std::uint64_t framesDropped() const { return m_framesDropped; }

private:
    enum class State : std::uint8_t { Unknown, Queued, DriverOwned, Done, Dequeued };
    struct Buffer {
        State state = State::Unknown;
        std::optional<FrameRecord> frame; ///< the frame in it, from handed to the driver on
        bool numbered = false; ///< the frame's sequence number is known
    };
    Buffer& buffer(std::uint32_t index);
    /// Gives \a b's frame the sequence number, timestamp and bytes of \a event: its interval, and the drops before it.
    void number(Buffer& b, const BufferEvent& event, std::vector<DroppedFrames>& drops);
    /// Hands over \a b's frame if it is one (filled and numbered) and forgets it.
    void complete(Buffer& b, std::vector<FrameRecord>& frames);

    std::uint32_t m_allocator;
    std::vector<Buffer> m_buffers;
    std::optional<std::uint32_t> m_lastSequence;
    std::int64_t m_lastTimestamp_ns = -1;
    std::uint64_t m_framesDone = 0;
    std::uint64_t m_framesDropped = 0;
};

/// How long things take (frame intervals, latencies, hold times), kept as a histogram of logarithmic buckets: 32 per
/// doubling above 64 ns, so that any percentile is within 1/64 (1.6 %) of the exact value whatever the count, in a few
/// kilobytes. The count, minimum, maximum and mean are exact.
class DurationHistogram {
public:
    void add(std::int64_t ns);
    void merge(const DurationHistogram& other);
    [[nodiscard]] std::uint64_t count() const { return m_count; }
    [[nodiscard]] std::int64_t min_ns() const { return m_count ? m_min : -1; }
    [[nodiscard]] std::int64_t max_ns() const { return m_count ? m_max : -1; }
    [[nodiscard]] double mean_ns() const;
    /// The value below which a share \a p (0 to 1) of the durations lie: the middle of its bucket, within the minimum
    /// and the maximum; -1 when empty.
    [[nodiscard]] std::int64_t percentile_ns(double p) const;
    /// The buckets that hold durations: their lower and upper ends (ns) and counts, in order.
    struct Bucket {
        std::int64_t from_ns = 0;
        std::int64_t to_ns = 0; ///< exclusive
        std::uint64_t count = 0;
    };
    [[nodiscard]] std::vector<Bucket> buckets() const;

    [[nodiscard]] static std::size_t bucketOf(std::int64_t ns);
    [[nodiscard]] static std::int64_t bucketStart(std::size_t index);

private:
    std::vector<std::uint64_t> m_counts;
    std::uint64_t m_count = 0;
    std::int64_t m_min = 0;
    std::int64_t m_max = 0;
    long double m_sum = 0;
};

/// What the frames of one allocator came to: their interval, the driver's and the delivery latency, the hold time,
/// and the frames dropped and marked bad.
struct FrameStats {
    DurationHistogram interval;
    DurationHistogram driverLatency;
    DurationHistogram deliveryLatency;
    DurationHistogram hold;
    std::uint64_t frames = 0;
    std::uint64_t dropped = 0; ///< sequence numbers that never came
    std::uint64_t errors = 0; ///< frames the driver marked bad

    /// Counts \a frame (and the drops it reveals).
    void add(const FrameRecord& frame);
};

/// One of the four timings of a followed frame, as every view names it.
struct FrameTiming {
    const char* key; ///< in JSON documents: "interval", "driverLatency", "deliveryLatency", "hold"
    const char* name; ///< in tables and charts: "interval", "driver latency", ...
    const char* span; ///< from what to what it measures
    DurationHistogram FrameStats::*histogram;
};
/// The four timings, in the order every view lists them.
inline constexpr std::array<FrameTiming, 4> kFrameTimings{{
    {"interval", "interval", "frame to frame, its own timestamps", &FrameStats::interval},
    {"driverLatency", "driver latency", "handed to the driver → filled", &FrameStats::driverLatency},
    {"deliveryLatency", "delivery latency", "filled → taken by the application", &FrameStats::deliveryLatency},
    {"hold", "hold", "taken → given back", &FrameStats::hold},
}};

/// A process, as the system tells it.
struct ProcessInfo {
    std::int32_t pid = -1; ///< -1: gone or not known
    std::string name;
};
/// The process thread \a tid belongs to (the pid of its thread group and its name; Linux: /proc/TID/status), as the
/// kernel's events name a thread.
[[nodiscard]] ProcessInfo processOf(std::int32_t tid);

} // namespace ksscope
