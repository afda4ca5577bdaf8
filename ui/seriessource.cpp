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
        if (interval.overlaps(from_ns, to_ns))
            out.push_back(interval);
}

void HistorySeriesSource::lanes(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const
{
    m_lanes.cut(from_ns, to_ns, out);
}

} // namespace ksscope::ui
