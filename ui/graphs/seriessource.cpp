// SPDX-License-Identifier: GPL-3.0-or-later
#include "seriessource.h"

#include <algorithm>

namespace ksscope::ui {

MonitorSeriesSource::MonitorSeriesSource(const Monitor& monitor) : m_monitor(monitor), m_replaying(monitor.replaying())
{
    if (m_replaying) {
        // until the sampler's first tick, nothing is taken: nothing settles before the position minus a window
        m_candidate_ns = m_monitor.now_ns();
        m_candidateTicks = m_monitor.samplerStats().ticks;
        m_replayed_ns = 0;
    }
}

void MonitorSeriesSource::update()
{
    if (!m_replaying)
        return;
    // A tick that started after the position was read has taken everything up to it. The position is read
    // before the tick count, so two more ticks than counted then include one that started after it.
    const std::uint64_t ticks = m_monitor.samplerStats().ticks;
    if (ticks < m_candidateTicks + 2)
        return;
    m_replayed_ns = m_candidate_ns;
    m_candidate_ns = m_monitor.now_ns();
    m_candidateTicks = m_monitor.samplerStats().ticks;
}

std::int64_t MonitorSeriesSource::now_ns() const
{
    return m_replaying ? m_replayed_ns : m_monitor.now_ns();
}

void MonitorSeriesSource::decimate(std::size_t series, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                                   std::vector<ColumnSummary>& out, SampleHistory::Precision precision) const
{
    m_monitor.decimate(series, from_ns, to_ns, columns, out, precision);
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
                                   std::vector<ColumnSummary>& out, SampleHistory::Precision precision) const
{
    if (series < m_histories.size())
        m_histories[series].decimate(from_ns, to_ns, columns, out, precision);
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
