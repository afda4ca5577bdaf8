// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A V4L2 queue that KsScope owns: it requests the buffers, streams and consumes them itself, so the
// allocator edits (memory type, count, format) apply.

#include "ksscope/backend.h"
#include "ksscope/frames.h"
#include "media_graph.h"
#include "v4l2_device_linux.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace ksscope::v4l2 {

struct StreamSettings {
    std::uint32_t memory = kMemoryMmap; ///< kMemoryMmap, kMemoryUserPtr or kMemoryDmaBuf
    std::uint32_t buffers = 4;
    std::string fourcc; ///< empty: keep the node's format
    std::uint32_t width = 0; ///< 0: keep
    std::uint32_t height = 0; ///< 0: keep
    double fps = 0.0; ///< 0: keep
    double holdMs = 0.0; ///< how long KsScope holds each dequeued frame (a consumer's cost)
    std::uint32_t sizeImage = 0; ///< requested buffer size (S_FMT sizeimage); 0: the driver's
    std::vector<int> dmabufFds; ///< DMABUF: one imported fd per buffer (KsSetAllocatorHandle)
};

/// Owns one video node's queue and streams it on its own thread.
class OwnedStream {
public:
    OwnedStream(std::string devnode, std::uint32_t bufType);
    ~OwnedStream();
    OwnedStream(const OwnedStream&) = delete;
    OwnedStream& operator=(const OwnedStream&) = delete;

    /// S_FMT / S_PARM / REQBUFS only: the buffers exist (to export them) but nothing streams.
    Status allocate(const StreamSettings& settings);
    /// allocate(), then QBUF every buffer and STREAMON. On failure nothing is left streaming. The stream
    /// takes ownership of settings.dmabufFds and closes them when it stops.
    Status start(const StreamSettings& settings);
    void stop();
    /// VIDIOC_CREATE_BUFS while streaming: \a count more buffers, queued at once. grantedBuffers() grows by what
    /// the driver created.
    Status addBuffers(std::uint32_t count);
    [[nodiscard]] bool streaming() const { return m_streaming; }

    [[nodiscard]] std::uint32_t grantedBuffers() const { return m_granted.load(); }
    [[nodiscard]] std::uint32_t bufferSize() const { return m_bufferSize; }
    [[nodiscard]] const StreamSettings& settings() const { return m_settings; }
    [[nodiscard]] MediaFormat format() const;
    /// VIDIOC_EXPBUF of buffer \a index as a dmabuf fd the caller owns (MMAP queues only); -1 and errno.
    int exportBuffer(std::uint32_t index, int& err) const;

    /// Status seen from the owner: QUERYBUF of our own queue plus exact drops from sequence gaps.
    HRESULT read(AllocatorReading& reading, std::vector<BufferState>* states);
    /// Set by the streaming thread when the device fails (ENODEV, EPIPE, ...): the errno, else 0.
    [[nodiscard]] int failure() const { return m_failure; }

    /// Whether every move of the buffers is kept for takeMoves() (off: none are kept).
    void follow(bool on);
    /// The buffers' moves since the last call, in the order they were made: each QBUF (given back, then handed to the
    /// driver) and each DQBUF (filled - at the frame's own monotonic timestamp where the driver gives one - then
    /// taken), on the steady clock; BufferEvent::allocator is left 0. Returns how many were not kept since the last
    /// call (more than kMaxMoves waited).
    std::uint64_t takeMoves(std::vector<BufferEvent>& out);
    static constexpr std::size_t kMaxMoves = 65536;

private:
    void run();
    void release();
    /// Queues buffer \a index for the first time (USERPTR memory or the imported DMABUF handle attached).
    Status queueNew(std::uint32_t index);
    /// Keeps the moves of buffer \a index just queued, or just dequeued with its frame's number, own monotonic
    /// timestamp (-1: none), V4L2 flags and bytes, when followed.
    void queuedMove(std::uint32_t index);
    /// Buffer \a index back with KsScope, unfilled (the stream stopped).
    void givenBackMove(std::uint32_t index);
    void dequeuedMove(std::uint32_t index, std::uint32_t sequence, std::int64_t timestamp_ns, std::uint32_t flags,
                      std::uint32_t bytesUsed);

    struct Moves {
        bool followed = false;
        std::vector<BufferEvent> events;
        std::uint64_t lost = 0;
        std::vector<std::int64_t> queued_ns; ///< by buffer: when it was last handed to the driver
    };

    std::string m_devnode;
    std::uint32_t m_bufType;
    Fd m_fd;
    StreamSettings m_settings;
    std::atomic<std::uint32_t> m_granted{0};
    std::uint32_t m_bufferSize = 0;
    std::vector<void*> m_userMemory; // USERPTR buffers
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_streaming{false};
    std::atomic<int> m_failure{0};
    std::atomic<std::uint64_t> m_dropped{0};
    std::atomic<std::uint64_t> m_delivered{0};
    std::mutex m_queryMutex; // guards m_queryFd, m_countHint, m_buffers
    Fd m_queryFd;
    std::uint32_t m_countHint = 0;
    std::vector<BufferQuery> m_buffers;
    std::mutex m_movesMutex; // guards m_moves
    Moves m_moves;
};

} // namespace ksscope::v4l2
