// SPDX-License-Identifier: GPL-3.0-or-later
#include "seriessource.h"

#include <algorithm>

namespace ksscope::ui {

std::int64_t MonitorSeriesSource::now_ns() const
{
    return m_monitor.now_ns();
}

void MonitorSeriesSource::decimate(std::size_t series, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                                   std::vector<ColumnSummary>& out) const
{
    m_monitor.decimate(series, from_ns, to_ns, columns, out);
}

void MonitorSeriesSource::starvationIntervals(std::size_t series, std::int64_t from_ns, std::int64_t to_ns,
                                              std::vector<StarvationInterval>& out) const
{
    m_monitor.starvationIntervals(series, from_ns, to_ns, out);
}

void MonitorSeriesSource::lanes(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const
{
    m_monitor.lanes(from_ns, to_ns, out);
}

HistorySeriesSource::HistorySeriesSource(std::size_t series, std::size_t capacity)
{
    reset(series, capacity);
}

void HistorySeriesSource::reset(std::size_t series, std::size_t capacity)
{
    m_histories.clear();
    m_histories.reserve(series);
    for (std::size_t i = 0; i < series; ++i)
        m_histories.emplace_back(capacity);
    m_starvation.assign(series, {});
}

void HistorySeriesSource::setStarvationIntervals(std::size_t series, std::vector<StarvationInterval> intervals)
{
    m_starvation.at(series) = std::move(intervals);
}

void HistorySeriesSource::decimate(std::size_t series, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                                   std::vector<ColumnSummary>& out) const
{
    if (series < m_histories.size())
        m_histories[series].decimate(from_ns, to_ns, columns, out);
}

void HistorySeriesSource::starvationIntervals(std::size_t series, std::int64_t from_ns, std::int64_t to_ns,
                                              std::vector<StarvationInterval>& out) const
{
    if (series >= m_starvation.size())
        return;
    for (const StarvationInterval& interval : m_starvation[series])
        if (interval.begin_ns <= to_ns && (interval.end_ns < 0 || interval.end_ns >= from_ns))
            out.push_back(interval);
}

void HistorySeriesSource::lanes(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const
{
    // the same cut as Monitor::lanes: the state each frame was in when the window starts, then its changes
    out.allocator = m_lanes.allocator;
    out.supported = m_lanes.supported;
    out.lastSeen_ns = m_lanes.lastSeen_ns;
    out.buffers.clear();
    out.buffers.resize(m_lanes.buffers.size());
    for (std::size_t i = 0; i < m_lanes.buffers.size(); ++i) {
        const auto& changes = m_lanes.buffers[i];
        auto first = std::upper_bound(changes.begin(), changes.end(), from_ns,
                                      [](std::int64_t t, const LaneChange& c) { return t < c.t_ns; });
        if (first != changes.begin())
            --first;
        for (auto it = first; it != changes.end() && it->t_ns <= to_ns; ++it)
            out.buffers[i].push_back(*it);
    }
}

} // namespace ksscope::ui
