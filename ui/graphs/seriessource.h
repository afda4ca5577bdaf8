// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Where the live graph and the lanes read their data: a running Monitor, or histories filled by hand
// (tests and benchmarks drive the views without a sampler thread).

#include "ksscope/history.h"
#include "ksscope/monitor.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ksscope::ui {

class SeriesSource {
public:
    virtual ~SeriesSource() = default;
    SeriesSource() = default;
    SeriesSource(const SeriesSource&) = delete;
    SeriesSource& operator=(const SeriesSource&) = delete;

    /// ns since the session started: the right edge of a following view.
    [[nodiscard]] virtual std::int64_t now_ns() const = 0;
    /// Appends min/max summaries of \a columns equal columns of [from_ns, to_ns) of one series
    /// (the Monitor's allocator index) to \a out. A history only gains samples at its recent end (and
    /// loses its oldest): the graph keeps the summaries of columns that ended a second before now_ns()
    /// and reads them again only after setSource().
    virtual void decimate(std::size_t series, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                          std::vector<ColumnSummary>& out, SampleHistory::Precision precision) const = 0;
    /// Appends the starvation episodes of one series that overlap [from_ns, to_ns] to \a out.
    virtual void starvationIntervals(std::size_t series, std::int64_t from_ns, std::int64_t to_ns,
                                     std::vector<StarvationInterval>& out) const = 0;
    /// The per-buffer states of the tracked allocator over [from_ns, to_ns] (replaces \a out).
    virtual void lanes(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const = 0;
};

/// Reads a running Monitor; the monitor must outlive the source.
///
/// A replaying monitor's clock is the replay position, which can run ahead of what the sampler has taken from
/// the recording (a new monitor after a seek, the fastest speed): a graph would then take columns for settled
/// that have not been filled yet. For such a monitor now_ns() is a position the sampler has certainly replayed:
/// one seen at an update() after which the sampler completed a whole tick.
class MonitorSeriesSource final : public SeriesSource {
public:
    explicit MonitorSeriesSource(const Monitor& monitor);

    /// Replay: advances now_ns() to what the sampler has taken (call on every refresh). Nothing for live monitors.
    void update();

    [[nodiscard]] std::int64_t now_ns() const override;
    void decimate(std::size_t series, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                  std::vector<ColumnSummary>& out, SampleHistory::Precision precision) const override;
    void starvationIntervals(std::size_t series, std::int64_t from_ns, std::int64_t to_ns,
                             std::vector<StarvationInterval>& out) const override;
    void lanes(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const override;

private:
    const Monitor& m_monitor;
    bool m_replaying = false;
    std::int64_t m_replayed_ns = 0; // replay: taken for sure
    std::int64_t m_candidate_ns = 0; // replay: the position at the last update()
    std::uint64_t m_candidateTicks = 0; // replay: sampler ticks right after it was read
};

/// Histories, starvation intervals and lanes filled by the caller, with a clock the caller sets.
class HistorySeriesSource final : public SeriesSource {
public:
    /// \a series histories of \a capacity samples each.
    explicit HistorySeriesSource(std::size_t series = 0, std::size_t capacity = 0);

    /// Replaces every history with \a series empty ones of \a capacity samples.
    void reset(std::size_t series, std::size_t capacity);
    [[nodiscard]] std::size_t seriesCount() const { return m_histories.size(); }
    [[nodiscard]] SampleHistory& history(std::size_t series) { return m_histories.at(series); }
    [[nodiscard]] const SampleHistory& history(std::size_t series) const { return m_histories.at(series); }
    void append(std::size_t series, const Sample& sample) { m_histories.at(series).append(sample); }
    /// Episodes of one series, oldest first (end_ns -1: still starving).
    void setStarvationIntervals(std::size_t series, std::vector<StarvationInterval> intervals);
    /// Every change of every frame, as the Monitor records them; lanes() cuts them to the window.
    void setLanes(Lanes lanes) { m_lanes = std::move(lanes); }
    void setNow_ns(std::int64_t now_ns) { m_now_ns = now_ns; }

    [[nodiscard]] std::int64_t now_ns() const override { return m_now_ns; }
    void decimate(std::size_t series, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                  std::vector<ColumnSummary>& out, SampleHistory::Precision precision) const override;
    void starvationIntervals(std::size_t series, std::int64_t from_ns, std::int64_t to_ns,
                             std::vector<StarvationInterval>& out) const override;
    void lanes(std::int64_t from_ns, std::int64_t to_ns, Lanes& out) const override;

private:
    std::vector<SampleHistory> m_histories;
    std::vector<std::vector<StarvationInterval>> m_starvation; // per series
    Lanes m_lanes;
    std::int64_t m_now_ns = 0;
};

} // namespace ksscope::ui
