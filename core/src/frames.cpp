// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/frames.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>

namespace ksscope {

namespace {
/// More buffers than any queue has (V4L2 allows 64, KS pools a few thousand): an index past it is not a buffer.
constexpr std::uint32_t kMaxBuffers = 65536;
} // namespace

FrameTracker::Buffer& FrameTracker::buffer(std::uint32_t index)
{
    if (index >= m_buffers.size())
        m_buffers.resize(index + 1);
    return m_buffers[index];
}

void FrameTracker::number(Buffer& b, const BufferEvent& event, std::vector<DroppedFrames>& drops)
{
    FrameRecord& f = *b.frame;
    f.sequence = event.sequence;
    f.timestamp_ns = event.timestamp_ns;
    f.bytesUsed = event.bytesUsed;
    f.error = event.error;
    // the sequence numbers that never came; one that goes back is a new stream, not a drop
    if (m_lastSequence && *m_lastSequence < UINT32_MAX && event.sequence > *m_lastSequence + 1) {
        DroppedFrames gap{event.t_ns, m_allocator, *m_lastSequence + 1, event.sequence - 1};
        f.droppedBefore = gap.count();
        m_framesDropped += gap.count();
        drops.push_back(gap);
    }
    m_lastSequence = event.sequence;
    if (event.timestamp_ns >= 0) {
        if (m_lastTimestamp_ns >= 0 && event.timestamp_ns >= m_lastTimestamp_ns)
            f.interval_ns = event.timestamp_ns - m_lastTimestamp_ns;
        m_lastTimestamp_ns = event.timestamp_ns;
    }
    ++m_framesDone;
    b.numbered = true;
}

void FrameTracker::complete(Buffer& b, std::vector<FrameRecord>& frames)
{
    // a frame is one filled (seen done, or dequeued when the events began after it was done) and numbered
    if (b.frame && b.numbered && (b.frame->done_ns >= 0 || b.frame->dequeued_ns >= 0))
        frames.push_back(*b.frame);
    b.frame.reset();
    b.numbered = false;
}

void FrameTracker::apply(const BufferEvent& event, std::vector<FrameRecord>& frames, std::vector<DroppedFrames>& drops)
{
    if (event.buffer >= kMaxBuffers)
        return;
    Buffer& b = buffer(event.buffer);
    const auto startFrame = [&] {
        FrameRecord frame;
        frame.allocator = m_allocator;
        frame.buffer = event.buffer;
        b.frame = frame;
        b.numbered = false;
    };
    switch (event.transition) {
    case BufferTransition::Queued:
        // given back: the frame it held is complete (one never filled is not a frame)
        if (b.frame && b.frame->dequeued_ns >= 0)
            b.frame->returned_ns = event.at_ns();
        complete(b, frames);
        b.state = State::Queued;
        break;
    case BufferTransition::DriverOwned:
        complete(b, frames); // a frame filled but never given back as far as the events tell
        startFrame();
        b.frame->driverOwned_ns = event.at_ns();
        b.state = State::DriverOwned;
        break;
    case BufferTransition::Done:
        if (!b.frame || b.frame->done_ns >= 0) {
            complete(b, frames);
            startFrame(); // handed to the driver before the events began
        }
        b.frame->done_ns = event.at_ns();
        if (event.numbered)
            number(b, event, drops);
        b.state = State::Done;
        break;
    case BufferTransition::Dequeued:
        if (!b.frame) {
            // filled before the events began: what the dequeue says of it, no drops or interval from it
            startFrame();
            b.frame->sequence = event.sequence;
            b.frame->timestamp_ns = event.timestamp_ns;
            b.frame->bytesUsed = event.bytesUsed;
            b.frame->error = event.error;
            b.numbered = true;
        } else if (!b.numbered) {
            number(b, event, drops);
        }
        b.frame->dequeued_ns = event.at_ns();
        b.frame->holder = event.pid;
        b.state = State::Dequeued;
        break;
    }
}

void FrameTracker::flush(std::vector<FrameRecord>& frames)
{
    for (Buffer& b : m_buffers)
        complete(b, frames);
}

std::uint32_t FrameTracker::driverOwned() const
{
    return static_cast<std::uint32_t>(std::count_if(m_buffers.begin(), m_buffers.end(),
                                                    [](const Buffer& b) { return b.state == State::DriverOwned; }));
}

std::uint32_t FrameTracker::applicationHeld() const
{
    return static_cast<std::uint32_t>(
        std::count_if(m_buffers.begin(), m_buffers.end(), [](const Buffer& b) { return b.state == State::Dequeued; }));
}

// 0-63 ns: one bucket per ns; above, 32 buckets per doubling
namespace {
constexpr unsigned kExactBits = 6; // values below 64 have buckets of their own
constexpr std::size_t kExact = std::size_t{1} << kExactBits;
constexpr unsigned kSubBits = 5; // 32 buckets per doubling above
constexpr std::size_t kSub = std::size_t{1} << kSubBits;
} // namespace

std::size_t DurationHistogram::bucketOf(std::int64_t ns)
{
    const auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0));
    if (v < kExact)
        return static_cast<std::size_t>(v);
    const auto width = static_cast<unsigned>(std::bit_width(v)); // 7 or more
    const unsigned shift = width - kSubBits - 1; // v >> shift is in [32, 64)
    return kExact + (shift - (kExactBits - kSubBits)) * kSub + static_cast<std::size_t>((v >> shift) - kSub);
}

std::int64_t DurationHistogram::bucketStart(std::size_t index)
{
    if (index < kExact)
        return static_cast<std::int64_t>(index);
    const std::size_t above = index - kExact;
    const auto shift = static_cast<unsigned>(above / kSub + (kExactBits - kSubBits));
    if (shift >= 63 - kSubBits)
        return INT64_MAX;
    return static_cast<std::int64_t>((kSub + above % kSub) << shift);
}

void DurationHistogram::add(std::int64_t ns)
{
    if (ns < 0)
        return;
    const std::size_t index = bucketOf(ns);
    if (index >= m_counts.size())
        m_counts.resize(index + 1, 0);
    ++m_counts[index];
    m_min = m_count ? std::min(m_min, ns) : ns;
    m_max = m_count ? std::max(m_max, ns) : ns;
    m_sum += static_cast<long double>(ns);
    ++m_count;
}

void DurationHistogram::merge(const DurationHistogram& other)
{
    if (!other.m_count)
        return;
    if (other.m_counts.size() > m_counts.size())
        m_counts.resize(other.m_counts.size(), 0);
    for (std::size_t i = 0; i < other.m_counts.size(); ++i)
        m_counts[i] += other.m_counts[i];
    m_min = m_count ? std::min(m_min, other.m_min) : other.m_min;
    m_max = m_count ? std::max(m_max, other.m_max) : other.m_max;
    m_sum += other.m_sum;
    m_count += other.m_count;
}

double DurationHistogram::mean_ns() const
{
    return m_count ? static_cast<double>(m_sum / static_cast<long double>(m_count)) : -1.0;
}

std::int64_t DurationHistogram::percentile_ns(double p) const
{
    if (!m_count || !std::isfinite(p))
        return -1;
    p = std::clamp(p, 0.0, 1.0);
    // the smallest bucket by which at least p of the durations are counted
    const auto wanted =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(m_count))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= wanted)
            // the bucket's middle, within the durations seen
            return std::clamp(bucketStart(i) + (bucketStart(i + 1) - 1 - bucketStart(i)) / 2, m_min, m_max);
    }
    return m_max;
}

std::vector<DurationHistogram::Bucket> DurationHistogram::buckets() const
{
    std::vector<Bucket> out;
    for (std::size_t i = 0; i < m_counts.size(); ++i)
        if (m_counts[i])
            out.push_back({bucketStart(i), bucketStart(i + 1), m_counts[i]});
    return out;
}

void FrameStats::add(const FrameRecord& frame)
{
    ++frames;
    dropped += frame.droppedBefore;
    errors += frame.error ? 1 : 0;
    interval.add(frame.interval_ns);
    driverLatency.add(frame.driverLatency_ns());
    deliveryLatency.add(frame.deliveryLatency_ns());
    hold.add(frame.hold_ns());
}

ProcessInfo processOf(std::int32_t tid)
{
    ProcessInfo info;
#if defined(__linux__)
    if (tid <= 0)
        return info;
    std::ifstream status("/proc/" + std::to_string(tid) + "/status");
    std::string line;
    std::string name;
    while (std::getline(status, line)) {
        if (line.rfind("Name:", 0) == 0) {
            name = line.substr(line.find_first_not_of(" \t", 5));
        } else if (line.rfind("Tgid:", 0) == 0) {
            info.pid = static_cast<std::int32_t>(std::strtol(line.c_str() + 5, nullptr, 10));
            break;
        }
    }
    if (info.pid <= 0)
        return {};
    // the process's own name (a thread may have named itself)
    std::ifstream comm("/proc/" + std::to_string(info.pid) + "/comm");
    if (!std::getline(comm, info.name))
        info.name = name;
#else
    (void)tid;
#endif
    return info;
}

} // namespace ksscope
