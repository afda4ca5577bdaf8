// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/allocator_tracker.h"

#include <algorithm>
#include <cstdio>

namespace ksscope {

namespace {
std::string formatMs(double ms)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f ms", ms);
    return text;
}
} // namespace

AllocatorTracker::AllocatorTracker(std::string id, std::string filterId, std::int64_t framePeriod_ns)
    : m_id(std::move(id)), m_filterId(std::move(filterId)),
      m_period_ns(framePeriod_ns > 0 ? framePeriod_ns : 33'366'700)
{
}

bool AllocatorTracker::apply(EventKind kind, std::string_view eventId)
{
    if (kind == EventKind::Config && eventId == m_id) {
        rebaseline();
        return false;
    }
    if (kind != EventKind::Removed || m_gone || (eventId != m_id && (m_filterId.empty() || eventId != m_filterId)))
        return false;
    markGone();
    return true;
}

void AllocatorTracker::update(std::int64_t t_ns, const AllocatorReading& reading, std::vector<MonitorEvent>* events,
                              std::vector<StarvationInterval>& intervals)
{
    const KSSTREAMALLOCATOR_STATUS& s = reading.status;
    const std::uint32_t allocated = s.AllocatedFrames;
    const std::uint32_t frames = s.Framing.Frames;

    if (events && !m_first && !m_rebaseline && (!(s.Framing == m_framing) || reading.mode != m_mode)) {
        events->push_back({t_ns, EventKind::Config, m_id,
                           "framing now " + std::to_string(frames) + " x " + std::to_string(s.Framing.FrameSize) +
                               " bytes, " + std::string(allocatorModeName(reading.mode)) + " mode"});
    }
    if (!m_first && reading.droppedFrames > m_dropped) {
        const std::uint64_t delta = reading.droppedFrames - m_dropped;
        m_stats.drops += delta;
        if (events)
            events->push_back({t_ns, EventKind::Drop, m_id,
                               std::to_string(delta) + (delta == 1 ? " frame" : " frames") + " dropped (" +
                                   std::to_string(m_stats.drops) + " in all)"});
    }
    m_dropped = reading.droppedFrames;
    m_rebaseline = false;
    if (m_firstDelivered_ns < 0 && reading.deliveredFrames > 0) {
        m_firstDelivered = reading.deliveredFrames;
        m_firstDelivered_ns = t_ns;
    }
    if (m_firstDelivered_ns >= 0 && reading.deliveredFrames >= m_firstDelivered) {
        m_stats.delivered = reading.deliveredFrames - m_firstDelivered;
        const double seconds = static_cast<double>(t_ns - m_firstDelivered_ns) * 1e-9;
        if (seconds > 0)
            m_stats.framesPerSecond = static_cast<double>(m_stats.delivered) / seconds;
    }
    m_framing = s.Framing;
    m_mode = reading.mode;
    m_first = false;

    // starvation: no free frame for two frame periods or more
    const bool full = frames > 0 && allocated >= frames;
    if (full) {
        if (m_fullSince_ns < 0)
            m_fullSince_ns = t_ns;
        if (!m_starving && t_ns - m_fullSince_ns >= 2 * m_period_ns) {
            m_starving = true;
            ++m_stats.starvationCount;
            intervals.push_back({m_fullSince_ns, -1});
            if (events)
                events->push_back({t_ns, EventKind::Starvation, m_id,
                                   "no free frame for " + formatMs(static_cast<double>(t_ns - m_fullSince_ns) * 1e-6) +
                                       " (" + std::to_string(allocated) + "/" + std::to_string(frames) +
                                       " frames allocated)"});
        }
    } else {
        if (m_starving) {
            m_starvedDoneMs += static_cast<double>(t_ns - m_fullSince_ns) * 1e-6;
            intervals.push_back({m_fullSince_ns, t_ns});
        }
        m_starving = false;
        m_fullSince_ns = -1;
    }

    AllocatorStats& st = m_stats;
    st.starvedMs = m_starvedDoneMs + (m_starving ? static_cast<double>(t_ns - m_fullSince_ns) * 1e-6 : 0.0);
    st.minAllocated = st.samples == 0 ? allocated : std::min(st.minAllocated, allocated);
    st.maxAllocated = st.samples == 0 ? allocated : std::max(st.maxAllocated, allocated);
    ++st.samples;
    m_sumAllocated += allocated;
    st.meanAllocated = m_sumAllocated / static_cast<double>(st.samples);
    st.frames = frames;
    st.frameSize = s.Framing.FrameSize;
    st.starving = m_starving;
}

} // namespace ksscope
