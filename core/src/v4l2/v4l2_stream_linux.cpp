// SPDX-License-Identifier: GPL-3.0-or-later
#include "v4l2_stream_linux.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <unistd.h>
#include <utility>

namespace ksscope::v4l2 {

namespace {

bool isMplane(std::uint32_t type)
{
    return type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

bool isOutput(std::uint32_t type)
{
    return type == V4L2_BUF_TYPE_VIDEO_OUTPUT || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE ||
           type == V4L2_BUF_TYPE_META_OUTPUT || type == V4L2_BUF_TYPE_VBI_OUTPUT;
}

std::uint32_t fourccOf(const std::string& text)
{
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i)
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(i < text.size() ? text[i] : ' ')) << (8 * i);
    return v;
}

Status fail(int err, const std::string& what)
{
    return {hresultFromErrno(err), what + ": " + errnoMessage(err)};
}

} // namespace

OwnedStream::OwnedStream(std::string devnode, std::uint32_t bufType) : m_devnode(std::move(devnode)), m_bufType(bufType)
{
}

OwnedStream::~OwnedStream()
{
    stop();
}

Status OwnedStream::allocate(const StreamSettings& settings)
{
    stop();
    m_settings = settings;
    m_fd = Fd(::open(m_devnode.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!m_fd.valid())
        return fail(errno, "open " + m_devnode);
    const int fd = m_fd.get();

    if (!settings.fourcc.empty() || settings.width || settings.height || settings.sizeImage) {
        v4l2_format fmt{};
        fmt.type = m_bufType;
        if (int err = xioctl(fd, VIDIOC_G_FMT, &fmt))
            return fail(err, "VIDIOC_G_FMT on " + m_devnode);
        if (isMplane(m_bufType)) {
            if (!settings.fourcc.empty())
                fmt.fmt.pix_mp.pixelformat = fourccOf(settings.fourcc);
            if (settings.width)
                fmt.fmt.pix_mp.width = settings.width;
            if (settings.height)
                fmt.fmt.pix_mp.height = settings.height;
            if (settings.sizeImage)
                fmt.fmt.pix_mp.plane_fmt[0].sizeimage = settings.sizeImage;
        } else {
            if (!settings.fourcc.empty())
                fmt.fmt.pix.pixelformat = fourccOf(settings.fourcc);
            if (settings.width)
                fmt.fmt.pix.width = settings.width;
            if (settings.height)
                fmt.fmt.pix.height = settings.height;
            fmt.fmt.pix.bytesperline = 0;
            fmt.fmt.pix.sizeimage = settings.sizeImage; // 0: the driver computes it
        }
        if (int err = xioctl(fd, VIDIOC_S_FMT, &fmt))
            return fail(err, "VIDIOC_S_FMT on " + m_devnode);
    }
    if (settings.fps > 0) {
        v4l2_streamparm parm{};
        parm.type = m_bufType;
        v4l2_fract& tpf = isOutput(m_bufType) ? parm.parm.output.timeperframe : parm.parm.capture.timeperframe;
        tpf.numerator = 1000;
        tpf.denominator = static_cast<std::uint32_t>(std::lround(settings.fps * 1000.0));
        if (int err = xioctl(fd, VIDIOC_S_PARM, &parm); err && err != ENOTTY)
            return fail(err, "VIDIOC_S_PARM on " + m_devnode);
    }

    v4l2_requestbuffers req{};
    req.type = m_bufType;
    req.memory = settings.memory;
    req.count = settings.buffers;
    if (int err = xioctl(fd, VIDIOC_REQBUFS, &req)) {
        if (err == EBUSY)
            return {hresultFromErrno(EBUSY),
                    "the queue of " + m_devnode + " is owned by another process: stop it first, or watch it passively"};
        if (err == EINVAL)
            return {hresultFromErrno(EINVAL), "VIDIOC_REQBUFS on " + m_devnode + ": the driver does not support " +
                                                  std::string(memoryName(settings.memory)) + " buffers"};
        return fail(err, "VIDIOC_REQBUFS on " + m_devnode);
    }
    m_granted = req.count; // the driver may grant another count
    if (m_granted == 0)
        return {hresultFromErrno(ENOMEM), "VIDIOC_REQBUFS on " + m_devnode + " granted no buffers"};
    return Status::ok();
}

Status OwnedStream::start(const StreamSettings& settings)
{
    if (Status s = allocate(settings); !s) {
        release();
        return s;
    }
    const int fd = m_fd.get();

    v4l2_format fmt{};
    fmt.type = m_bufType;
    xioctl(fd, VIDIOC_G_FMT, &fmt);
    m_bufferSize = isMplane(m_bufType) ? fmt.fmt.pix_mp.plane_fmt[0].sizeimage : fmt.fmt.pix.sizeimage;
    if (settings.memory == kMemoryDmaBuf && settings.dmabufFds.size() < m_granted) {
        release();
        return {hresultFromErrno(EINVAL),
                "DMABUF needs one imported handle per buffer: " + std::to_string(settings.dmabufFds.size()) +
                    " given, " + std::to_string(m_granted) + " granted"};
    }
    for (std::uint32_t i = 0; i < m_granted; ++i) {
        if (Status s = queueNew(i); !s) {
            release();
            return s;
        }
    }
    int type = static_cast<int>(m_bufType);
    if (int err = xioctl(fd, VIDIOC_STREAMON, &type)) {
        release();
        if (err == EPIPE)
            return {hresultFromErrno(EPIPE), "VIDIOC_STREAMON on " + m_devnode +
                                                 ": the pipeline's formats do not match across an enabled link "
                                                 "(set the subdevice pad formats to match the video node; dmesg "
                                                 "names the link)"};
        return fail(err, "VIDIOC_STREAMON on " + m_devnode);
    }
    m_stop = false;
    m_failure = 0;
    m_streaming = true;
    m_thread = std::thread(&OwnedStream::run, this);
    return Status::ok();
}

Status OwnedStream::queueNew(std::uint32_t index)
{
    v4l2_buffer buf{};
    v4l2_plane planes[VIDEO_MAX_PLANES]{};
    buf.type = m_bufType;
    buf.memory = m_settings.memory;
    buf.index = index;
    if (isMplane(m_bufType)) {
        buf.m.planes = planes;
        buf.length = 1;
    }
    if (m_settings.memory == kMemoryUserPtr) {
        const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        const std::size_t size = (m_bufferSize + page - 1) / page * page;
        void* memory = std::aligned_alloc(page, size);
        if (!memory)
            return {E_OUTOFMEMORY, "no memory for USERPTR buffers"};
        m_userMemory.push_back(memory);
        if (isMplane(m_bufType)) {
            planes[0].m.userptr = reinterpret_cast<unsigned long>(memory);
            planes[0].length = static_cast<std::uint32_t>(size);
        } else {
            buf.m.userptr = reinterpret_cast<unsigned long>(memory);
            buf.length = static_cast<std::uint32_t>(size);
        }
    } else if (m_settings.memory == kMemoryDmaBuf) {
        if (index >= m_settings.dmabufFds.size())
            return {hresultFromErrno(EINVAL), "no imported handle for buffer " + std::to_string(index)};
        if (isMplane(m_bufType))
            planes[0].m.fd = m_settings.dmabufFds[index];
        else
            buf.m.fd = m_settings.dmabufFds[index];
    }
    if (int err = xioctl(m_fd.get(), VIDIOC_QBUF, &buf))
        return fail(err, "VIDIOC_QBUF on " + m_devnode);
    queuedMove(index);
    return Status::ok();
}

namespace {
std::int64_t steadyNow_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}
} // namespace

void OwnedStream::follow(bool on)
{
    std::lock_guard lock(m_movesMutex);
    m_moves.followed = on;
    m_moves.events.clear();
}

std::uint64_t OwnedStream::takeMoves(std::vector<BufferEvent>& out)
{
    std::lock_guard lock(m_movesMutex);
    out.insert(out.end(), m_moves.events.begin(), m_moves.events.end());
    m_moves.events.clear();
    return std::exchange(m_moves.lost, 0);
}

void OwnedStream::queuedMove(std::uint32_t index)
{
    const std::int64_t now = steadyNow_ns();
    std::lock_guard lock(m_movesMutex);
    if (index < VIDEO_MAX_FRAME) {
        if (m_moves.queued_ns.size() <= index)
            m_moves.queued_ns.resize(index + 1, -1);
        m_moves.queued_ns[index] = now;
    }
    if (!m_moves.followed)
        return;
    if (m_moves.events.size() + 2 > kMaxMoves) {
        m_moves.lost += 2;
        return;
    }
    BufferEvent e;
    e.t_ns = now;
    e.buffer = index;
    e.pid = static_cast<std::int32_t>(::getpid());
    e.transition = BufferTransition::Queued;
    m_moves.events.push_back(e);
    e.pid = -1;
    e.transition = BufferTransition::DriverOwned;
    m_moves.events.push_back(e);
}

void OwnedStream::givenBackMove(std::uint32_t index)
{
    const std::int64_t now = steadyNow_ns();
    std::lock_guard lock(m_movesMutex);
    if (!m_moves.followed)
        return;
    if (m_moves.events.size() + 1 > kMaxMoves) {
        ++m_moves.lost;
        return;
    }
    BufferEvent e;
    e.t_ns = now;
    e.buffer = index;
    e.transition = BufferTransition::Queued;
    m_moves.events.push_back(e);
}

void OwnedStream::dequeuedMove(std::uint32_t index, std::uint32_t sequence, std::int64_t timestamp_ns,
                               std::uint32_t flags, std::uint32_t bytesUsed)
{
    const std::int64_t now = steadyNow_ns();
    std::lock_guard lock(m_movesMutex);
    if (!m_moves.followed)
        return;
    if (m_moves.events.size() + 2 > kMaxMoves) {
        m_moves.lost += 2;
        return;
    }
    // filled when the driver stamped it, if that is on this clock and between handing it over and taking it
    const std::int64_t queued = index < m_moves.queued_ns.size() ? m_moves.queued_ns[index] : -1;
    const bool monotonic = (flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) == V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
    BufferEvent e;
    e.buffer = index;
    e.t_ns = monotonic && timestamp_ns > queued && timestamp_ns <= now ? timestamp_ns : now;
    e.transition = BufferTransition::Done;
    e.sequence = sequence;
    e.timestamp_ns = timestamp_ns;
    e.bytesUsed = bytesUsed;
    e.error = (flags & V4L2_BUF_FLAG_ERROR) != 0;
    m_moves.events.push_back(e);
    e.t_ns = now;
    e.transition = BufferTransition::Dequeued;
    e.pid = static_cast<std::int32_t>(::getpid());
    m_moves.events.push_back(e);
}

Status OwnedStream::addBuffers(std::uint32_t count)
{
    if (!m_streaming || !m_fd.valid())
        return {VFW_E_NOT_COMMITTED, "the queue of " + m_devnode + " is not streaming"};
    if (m_settings.memory == kMemoryDmaBuf)
        return {E_NOTIMPL, "a dmabuf stream imports its handles once: start it again with new options"};
    v4l2_create_buffers create{};
    create.count = count;
    create.memory = m_settings.memory;
    create.format.type = m_bufType;
    if (int err = xioctl(m_fd.get(), VIDIOC_G_FMT, &create.format))
        return fail(err, "VIDIOC_G_FMT on " + m_devnode);
    if (int err = xioctl(m_fd.get(), VIDIOC_CREATE_BUFS, &create))
        return fail(err, "VIDIOC_CREATE_BUFS on " + m_devnode);
    for (std::uint32_t i = 0; i < create.count; ++i)
        if (Status s = queueNew(create.index + i); !s)
            return s;
    m_granted = create.index + create.count; // the driver may create fewer than asked
    return Status::ok();
}

void OwnedStream::run()
{
    using Clock = std::chrono::steady_clock;
    SequenceTracker sequences;
    const int fd = m_fd.get();
    while (!m_stop) {
        pollfd p{fd, static_cast<short>(isOutput(m_bufType) ? POLLOUT : POLLIN), 0};
        const int ready = ::poll(&p, 1, 100);
        if (ready < 0 && errno != EINTR) {
            m_failure = errno;
            return;
        }
        if (ready <= 0)
            continue;
        if (p.revents & POLLERR) {
            m_failure = EIO;
            return;
        }
        v4l2_buffer buf{};
        v4l2_plane planes[VIDEO_MAX_PLANES]{};
        buf.type = m_bufType;
        buf.memory = m_settings.memory;
        if (isMplane(m_bufType)) {
            buf.m.planes = planes;
            buf.length = VIDEO_MAX_PLANES;
        }
        if (int err = xioctl(fd, VIDIOC_DQBUF, &buf)) {
            if (err == EAGAIN)
                continue;
            m_failure = err; // ENODEV on unplug, EPIPE/EIO on a fatal streaming error
            return;
        }
        m_dropped += sequences.feed(buf.sequence);
        ++m_delivered;
        dequeuedMove(buf.index, buf.sequence,
                     buf.timestamp.tv_sec || buf.timestamp.tv_usec
                         ? static_cast<std::int64_t>(buf.timestamp.tv_sec) * 1'000'000'000 +
                               static_cast<std::int64_t>(buf.timestamp.tv_usec) * 1000
                         : -1,
                     buf.flags, isMplane(m_bufType) ? planes[0].bytesused : buf.bytesused);
        if (m_settings.holdMs > 0) {
            const auto until =
                Clock::now() + std::chrono::microseconds(static_cast<long long>(m_settings.holdMs * 1000));
            while (!m_stop && Clock::now() < until)
                std::this_thread::sleep_for(
                    std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(20)));
        }
        if (m_settings.memory == kMemoryDmaBuf && buf.index < m_settings.dmabufFds.size()) {
            if (isMplane(m_bufType))
                planes[0].m.fd = m_settings.dmabufFds[buf.index];
            else
                buf.m.fd = m_settings.dmabufFds[buf.index];
        }
        if (int err = xioctl(fd, VIDIOC_QBUF, &buf)) {
            m_failure = err;
            return;
        }
        queuedMove(buf.index);
    }
}

void OwnedStream::stop()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
    release();
}

void OwnedStream::release()
{
    if (m_fd.valid()) {
        int type = static_cast<int>(m_bufType);
        xioctl(m_fd.get(), VIDIOC_STREAMOFF, &type);
        // STREAMOFF gives every buffer back
        for (std::uint32_t i = 0; i < m_granted; ++i)
            givenBackMove(i);
        v4l2_requestbuffers req{};
        req.type = m_bufType;
        req.memory = m_settings.memory;
        req.count = 0;
        xioctl(m_fd.get(), VIDIOC_REQBUFS, &req);
        m_fd = Fd();
    }
    for (void* memory : m_userMemory)
        std::free(memory);
    m_userMemory.clear();
    for (int importFd : m_settings.dmabufFds)
        ::close(importFd); // imported handles belong to the stream that imports them
    m_settings.dmabufFds.clear();
    m_streaming = false;
}

MediaFormat OwnedStream::format() const
{
    return m_fd.valid() ? queryFormat(m_fd.get(), m_bufType) : MediaFormat{};
}

int OwnedStream::exportBuffer(std::uint32_t index, int& err) const
{
    v4l2_exportbuffer exp{};
    exp.type = m_bufType;
    exp.index = index;
    exp.flags = O_CLOEXEC | O_RDWR;
    err = m_fd.valid() ? xioctl(m_fd.get(), VIDIOC_EXPBUF, &exp) : EBADF;
    return err ? -1 : exp.fd;
}

HRESULT OwnedStream::read(AllocatorReading& reading, std::vector<BufferState>* states)
{
    if (const int err = m_failure.load())
        return hresultFromErrno(err);
    // a handle of its own: QUERYBUF works from any handle, and start()/stop() replace the owner's
    std::lock_guard lock(m_queryMutex);
    if (!m_queryFd.valid())
        m_queryFd = Fd(::open(m_devnode.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!m_queryFd.valid())
        return hresultFromErrno(errno);
    if (const int err = queryBuffers(m_queryFd.get(), m_bufType, m_buffers, m_countHint))
        return hresultFromErrno(err);
    const QueueStatus q = summarizeQueue(m_buffers);
    reading.status = q.status();
    reading.mode = q.mode;
    reading.droppedFrames = m_dropped;
    reading.deliveredFrames = m_delivered;
    if (states)
        *states = q.states;
    return S_OK;
}

} // namespace ksscope::v4l2
