// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Thin ioctl wrappers for Media Controller devices and V4L2 video nodes. Every call reports errno.

#include "media_graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ksscope::v4l2 {

/// An open file descriptor, closed on destruction.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) { }
    Fd(Fd&& other) noexcept : m_fd(other.release()) { }
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd();
    [[nodiscard]] int get() const { return m_fd; }
    [[nodiscard]] bool valid() const { return m_fd >= 0; }
    int release()
    {
        const int fd = m_fd;
        m_fd = -1;
        return fd;
    }

private:
    int m_fd = -1;
};

/// ioctl that retries on EINTR; returns 0 or errno.
int xioctl(int fd, unsigned long request, void* arg);

/// /dev/media* and /dev/video* nodes present now, sorted.
std::vector<std::string> listNodes(const char* prefix);
/// The /dev path of a character device number, from /sys/dev/char ("" when unknown).
std::string devnodeOf(std::uint32_t major, std::uint32_t minor);

/// Reads a media device's info and topology (G_TOPOLOGY twice: counts, then arrays). Returns errno.
int readMediaGraph(std::string path, MediaGraph& graph); // path by value: callers pass graph.info.path

struct VideoCaps {
    std::string driver;
    std::string card;
    std::string busInfo;
    std::uint32_t deviceCaps = 0;
    std::uint32_t bufType = 0; ///< the queue's v4l2_buf_type, 0 when the node has no buffer queue
    std::uint32_t major = 0;
    std::uint32_t minor = 0;
};
/// VIDIOC_QUERYCAP and the queue type. Returns errno.
int queryVideoCaps(const std::string& path, VideoCaps& caps);
[[nodiscard]] std::string_view bufTypeName(std::uint32_t type);

/// VIDIOC_QUERYBUF of every buffer of the queue (any file handle may ask). Returns errno; \a count is
/// the last known buffer count, a hint updated on return.
int queryBuffers(int fd, std::uint32_t bufType, std::vector<BufferQuery>& out, std::uint32_t& count);

/// VIDIOC_G_FMT and VIDIOC_G_PARM as a MediaFormat (best effort).
MediaFormat queryFormat(int fd, std::uint32_t bufType);

/// The active format of a pad: VIDIOC_SUBDEV_G_FMT on the entity's subdevice node, or VIDIOC_G_FMT on its
/// video node (size only). Unknown when the entity has neither.
PadFormat padFormat(const MediaGraph& graph, const MediaEntity& entity, const MediaPad& pad);

/// MEDIA_IOC_SETUP_LINK. Returns errno.
int setupLink(const std::string& mediaPath, const MediaPad& source, std::uint32_t sourceEntity, const MediaPad& sink,
              std::uint32_t sinkEntity, std::uint32_t flags);

} // namespace ksscope::v4l2
