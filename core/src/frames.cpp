// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/frames.h"

#include <algorithm>
#include <cstdint>

namespace ksscope {

namespace {
/// More buffers than any queue has (V4L2 allows 64, KS pools a few thousand): an index past it is not a buffer.
constexpr std::uint32_t kMaxBuffers = 65536;

/// Whether the frame was filled (seen done, or dequeued when the events began after it was done).
bool filled(const std::optional<FrameRecord>& frame)
{
    return frame && (frame->done_ns >= 0 || frame->dequeued_ns >= 0);
}
} // namespace

FrameTracker::Buffer& FrameTracker::buffer(std::uint32_t index)
{
    if (index >= m_buffers.size())
        m_buffers.resize(index + 1);
    return m_buffers[index];
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
    };
    switch (event.transition) {
    case BufferTransition::Queued:
        // given back: the frame it held is complete (one never filled is not a frame)
        if (filled(b.frame)) {
            if (b.frame->dequeued_ns >= 0)
                b.frame->returned_ns = event.t_ns;
            frames.push_back(*b.frame);
        }
        b.frame.reset();
        b.state = State::Queued;
        break;
    case BufferTransition::DriverOwned:
        if (filled(b.frame))
            frames.push_back(*b.frame); // filled but never given back as far as the events tell
        startFrame();
        b.frame->driverOwned_ns = event.t_ns;
        b.state = State::DriverOwned;
        break;
    case BufferTransition::Done: {
        if (!b.frame || b.frame->done_ns >= 0)
            startFrame(); // handed to the driver before the events began
        FrameRecord& f = *b.frame;
        f.done_ns = event.t_ns;
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
        b.state = State::Done;
        break;
    }
    case BufferTransition::Dequeued:
        if (!b.frame) {
            // filled before the events began: what the dequeue says of it, no drops or interval from it
            startFrame();
            b.frame->sequence = event.sequence;
            b.frame->timestamp_ns = event.timestamp_ns;
            b.frame->bytesUsed = event.bytesUsed;
            b.frame->error = event.error;
        }
        b.frame->dequeued_ns = event.t_ns;
        b.frame->holder = event.pid;
        b.state = State::Dequeued;
        break;
    }
}

void FrameTracker::flush(std::vector<FrameRecord>& frames)
{
    for (Buffer& b : m_buffers) {
        if (filled(b.frame))
            frames.push_back(*b.frame);
        b.frame.reset();
    }
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

} // namespace ksscope
