// SPDX-License-Identifier: GPL-3.0-or-later
#include "trace_decoder.h"

#include "media_graph.h"

#include <algorithm>

namespace ksscope::v4l2 {

namespace {
/// Owners remembered in all; past it the ones never paired are forgotten, then all.
constexpr std::size_t kMaxOwners = 4096;

bool pairs(TraceKind vb2, TraceKind v4l2)
{
    return (vb2 == TraceKind::Vb2Qbuf && v4l2 == TraceKind::V4l2Qbuf) ||
           (vb2 == TraceKind::Vb2Dqbuf && v4l2 == TraceKind::V4l2Dqbuf);
}
} // namespace

void TraceDecoder::watch(std::int32_t minor, std::uint32_t allocator)
{
    m_watched[minor] = allocator;
}

void TraceDecoder::unwatch(std::int32_t minor)
{
    m_watched.erase(minor);
}

std::int32_t TraceDecoder::minorOf(std::uint64_t owner) const
{
    const auto it = m_owners.find(owner);
    return it == m_owners.end() ? -1 : it->second.minor;
}

TraceDecoder::Owner& TraceDecoder::owner(std::uint64_t owner)
{
    if (const auto it = m_owners.find(owner); it != m_owners.end())
        return it->second;
    if (m_owners.size() >= kMaxOwners) {
        std::size_t unknown = 0;
        for (auto it = m_owners.begin(); it != m_owners.end();) {
            if (it->second.minor < 0) {
                m_unpaired += it->second.waiting.size();
                it = m_owners.erase(it);
                ++unknown;
            } else {
                ++it;
            }
        }
        if (unknown == 0)
            m_owners.clear(); // known again at their next qbuf or dqbuf
    }
    return m_owners[owner];
}

void TraceDecoder::addCaller(Owner& o, std::int32_t pid)
{
    constexpr std::size_t kMaxCallers = 8;
    if (std::find(o.callers.begin(), o.callers.end(), pid) != o.callers.end())
        return;
    if (o.callers.size() >= kMaxCallers)
        o.callers.erase(o.callers.begin());
    o.callers.push_back(pid);
}

void TraceDecoder::feed(const TraceRecord& record, std::vector<BufferEvent>& out)
{
    switch (record.kind) {
    case TraceKind::Vb2Dqbuf:
        m_calls[record.pid] = {record, true}; // the v4l2_dqbuf of the same call says the rest
        addCaller(owner(record.owner), record.pid);
        return;
    case TraceKind::Vb2Qbuf:
        m_calls[record.pid] = {record, true};
        addCaller(owner(record.owner), record.pid);
        [[fallthrough]];
    case TraceKind::Vb2BufQueue:
    case TraceKind::Vb2BufDone: {
        Owner& o = owner(record.owner);
        if (o.minor >= 0) {
            emit(record, o, out);
        } else {
            if (o.waiting.size() >= kMaxWaiting) {
                o.waiting.pop_front();
                ++m_unpaired;
            }
            o.waiting.push_back(record);
        }
        return;
    }
    case TraceKind::V4l2Qbuf:
    case TraceKind::V4l2Dqbuf:
        pair(record, out);
        return;
    }
}

void TraceDecoder::pair(const TraceRecord& v4l2, std::vector<BufferEvent>& out)
{
    Call& call = m_calls[v4l2.pid];
    const bool matched = call.valid && call.vb2.index == v4l2.index && pairs(call.vb2.kind, v4l2.kind);
    call.valid = false;
    if (matched) {
        Owner& o = owner(call.vb2.owner);
        o.minor = v4l2.minor;
        for (const TraceRecord& waiting : o.waiting)
            emit(waiting, o, out);
        o.waiting.clear();
    }
    const auto watched = m_watched.find(v4l2.minor);
    if (watched == m_watched.end())
        return;
    BufferEvent e;
    e.allocator = watched->second;
    e.buffer = v4l2.index;
    e.pid = v4l2.pid;
    if (v4l2.kind == TraceKind::V4l2Qbuf) {
        if (matched)
            return; // its vb2_qbuf said it
        e.t_ns = v4l2.t_ns;
        e.transition = BufferTransition::Queued;
    } else {
        // taken at the vb2 event's time, with its timestamp in ns (the v4l2 one went through a timeval)
        e.t_ns = matched ? call.vb2.t_ns : v4l2.t_ns;
        e.transition = BufferTransition::Dequeued;
        e.sequence = v4l2.sequence;
        e.timestamp_ns = matched && call.vb2.timestamp_ns > 0 ? call.vb2.timestamp_ns : v4l2.timestamp_ns;
        e.bytesUsed = v4l2.bytesUsed;
        e.error = (v4l2.flags & kBufFlagError) != 0;
    }
    out.push_back(e);
}

void TraceDecoder::emit(const TraceRecord& record, const Owner& owner, std::vector<BufferEvent>& out)
{
    const std::int32_t minor = owner.minor;
    const auto watched = m_watched.find(minor);
    if (watched == m_watched.end())
        return;
    BufferEvent e;
    e.t_ns = record.t_ns;
    e.allocator = watched->second;
    e.buffer = record.index;
    switch (record.kind) {
    case TraceKind::Vb2Qbuf:
        e.transition = BufferTransition::Queued;
        e.pid = record.pid;
        break;
    case TraceKind::Vb2BufQueue:
        e.transition = BufferTransition::DriverOwned;
        break;
    case TraceKind::Vb2BufDone:
        if (!record.interrupt &&
            std::find(owner.callers.begin(), owner.callers.end(), record.pid) != owner.callers.end()) {
            e.transition = BufferTransition::Queued; // given back unfilled: the stream stopped
            break;
        }
        e.transition = BufferTransition::Done;
        e.bytesUsed = record.bytesUsed;
        e.numbered = false; // the dequeue says its sequence number
        break;
    default:
        return;
    }
    out.push_back(e);
}

} // namespace ksscope::v4l2
