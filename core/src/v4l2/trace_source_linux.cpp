// SPDX-License-Identifier: GPL-3.0-or-later
#include "trace_source_linux.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>

namespace ksscope::v4l2 {

TraceSource::TraceSource(std::unique_ptr<TracefsReader> reader, QueueLookup lookup)
    : m_reader(std::move(reader)), m_lookup(std::move(lookup))
{
}

std::optional<TransitionSource::Queue> TraceSource::watch(std::size_t index, const std::string& id, SampleSink& sink)
{
    (void)sink;
    if (m_nodes.size() <= index)
        m_nodes.resize(index + 1);
    const auto info = m_lookup(id);
    if (!info || info->minor < 0)
        return std::nullopt;
    Node& node = m_nodes[index];
    node.info = *info;
    node.handle = Fd(::open(info->devnode.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    m_decoder.watch(info->minor, static_cast<std::uint32_t>(index));
    if (std::find(m_minors.begin(), m_minors.end(), info->minor) == m_minors.end()) {
        m_minors.push_back(info->minor);
        m_minorsChanged = true;
    }
    Queue q;
    q.mode = info->mode;
    q.frames = info->frames;
    q.frameSize = info->frameSize;
    q.maxBuffers = 64; // VIDEO_MAX_FRAME
    q.fillingIsAllocated = false; // as VIDIOC_QUERYBUF tells it
    return q;
}

void TraceSource::unwatch(std::size_t index)
{
    if (index < m_nodes.size()) {
        m_decoder.unwatch(m_nodes[index].info.minor);
        m_nodes[index].handle = Fd();
    }
}

void TraceSource::check(std::int64_t t_ns, SampleSink& sink)
{
    if (m_minorsChanged && !m_failed) {
        m_minorsChanged = false;
        if (Status s = m_reader->setMinors(m_minors); !s)
            sink.event({t_ns, EventKind::Error, "v4l2", s.message()});
    }
    if (t_ns - m_nodesChecked_ns < 1'000'000'000)
        return;
    m_nodesChecked_ns = t_ns;
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        Node& node = m_nodes[i];
        if (!mine(i) || !node.handle.valid())
            continue;
        v4l2_capability cap{};
        if (::ioctl(node.handle.get(), VIDIOC_QUERYCAP, &cap) == 0 || errno != ENODEV)
            continue;
        const std::string& id = sink.watchedId(i);
        sink.event(
            {t_ns, EventKind::Removed, id, "allocator " + id + " is gone: " + node.info.devnode + " was unplugged"});
        gone(i);
    }
}

void TraceSource::collect(std::int64_t t_ns, SampleSink& sink, std::vector<BufferEvent>& out)
{
    if (m_failed)
        return;
    m_records.clear();
    if (!m_reader->read(m_records)) {
        m_failed = true;
        sink.event({t_ns, EventKind::Error, "v4l2",
                    "tracing stopped: " + m_reader->error() + "; the queues' buffers are no longer followed"});
    }
    for (const TraceRecord& r : m_records)
        m_decoder.feed(r, out);
    if (const std::uint64_t lost = m_reader->lost(); lost > m_lostReported) {
        sink.event({t_ns, EventKind::Error, "v4l2",
                    std::to_string(lost - m_lostReported) +
                        " trace events lost (the kernel's trace buffer overran): frames, drops and hold times around "
                        "now are incomplete"});
        m_lostReported = lost;
    }
}

} // namespace ksscope::v4l2
