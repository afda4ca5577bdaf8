// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The live allocator graph: allocated frames and capacity of several allocators over time, with
// starvation shading, event marks, a cursor readout, and follow / pause / zoom controls. The history is
// summarised per pixel column before it reaches QCustomPlot, so a replot costs the same whatever the
// number of retained samples.

#include "ksscope/monitor.h"

#include <QList>
#include <QString>
#include <QWidget>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

class QComboBox;
class QCPAbstractLegendItem;
class QCPBars;
class QCPGraph;
class QCPItemRect;
class QCPItemStraightLine;
class QCPItemText;
class QCPRange;
class QCustomPlot;
class QMouseEvent;
class QToolButton;

namespace ksscope::ui {

class SeriesSource;

class LiveGraphWidget : public QWidget {
    Q_OBJECT
public:
    struct SeriesSpec {
        std::size_t series = 0; ///< the Monitor's allocator index
        QString id; ///< allocator id: events of it (or of its filter) are marked
        QString label; ///< legend text
    };
    static constexpr std::size_t kMaxEvents = 10000; ///< events kept for marks; the oldest go first
    /// How the series share the height: on one frames axis, or in a strip each, scaled to its own buffer count (a
    /// 25-frame pool then does not squash a 2-frame one). One series shown is drawn on the frames axis either way.
    enum class Scale { SharedAxis, Strips };
    static constexpr int kMaxMarks = 500; ///< marks drawn at most, the latest ones

    explicit LiveGraphWidget(QWidget* parent = nullptr);
    ~LiveGraphWidget() override;
    LiveGraphWidget(const LiveGraphWidget&) = delete;
    LiveGraphWidget& operator=(const LiveGraphWidget&) = delete;

    /// The source must outlive the widget or be replaced first; null shows nothing.
    void setSource(const SeriesSource* source);
    void setSeries(const QList<SeriesSpec>& series);
    /// What setSeries() set.
    [[nodiscard]] QList<SeriesSpec> seriesSpecs() const
    {
        QList<SeriesSpec> out;
        for (const Series& s : m_series)
            out.append(s.spec);
        return out;
    }
    /// Shown in the legend next to the series label; a negative value hides it.
    void setFramesPerSecond(const QString& id, double fps);
    /// Keeps the events (the last kMaxEvents) to mark those of the shown series.
    void addEvents(const std::vector<MonitorEvent>& events);
    void clearEvents();

    /// What the time axis says it counts ("time since the session started", "time in the recording").
    void setTimeAxisLabel(const QString& label);
    /// The span shown while following (and restored by Follow); 1 s to 24 h.
    void setWindowSeconds(double seconds);
    [[nodiscard]] double windowSeconds() const { return m_window_s; }
    /// Following, the view ends at the source's now; paused, it stays where it is while data keeps arriving.
    void setFollowing(bool following);
    [[nodiscard]] bool following() const { return m_following; }
    /// Pauses following and centres the shown span on \a t_ns.
    void jumpTo(std::int64_t t_ns);
    /// Fits the frames axis to the data in view.
    void fitFramesAxis();
    void setScale(Scale scale);
    [[nodiscard]] Scale scale() const { return m_scale; }
    /// Whether the series are drawn in strips now (Strips, and more than one series shown).
    [[nodiscard]] bool stripsShown() const { return m_strips > 0; }

    /// Re-reads the source and replots (queued). Called by the UI throttle timer; does nothing while hidden.
    void refresh();

    /// The cursor text at \a time_s (time axis coordinate: seconds since the session started), from the
    /// data of the last refresh.
    [[nodiscard]] QString readoutAt(double time_s) const;
    [[nodiscard]] QCustomPlot* plot() const { return m_plot; }
    /// The graphs of the \a index-th series of setSeries() (null past the end).
    [[nodiscard]] QCPGraph* allocatedGraph(std::size_t index) const
    {
        return index < m_series.size() ? m_series[index].allocated : nullptr;
    }
    [[nodiscard]] QCPGraph* capacityGraph(std::size_t index) const
    {
        return index < m_series.size() ? m_series[index].capacity : nullptr;
    }
    /// The value axis coordinate that \a frames of the \a index-th series is drawn at (frames on the shared axis).
    [[nodiscard]] double valueCoord(std::size_t index, double frames) const;
    /// The strip label of the \a index-th series (null past the end; hidden when the strips are not shown).
    [[nodiscard]] QCPItemText* stripLabel(std::size_t index) const
    {
        return index < m_series.size() ? m_series[index].label : nullptr;
    }
    [[nodiscard]] std::pair<std::int64_t, std::int64_t> timeRange() const { return {m_from_ns, m_to_ns}; }
    /// Points handed to QCustomPlot at the last refresh, every graph together.
    [[nodiscard]] int pointCount() const { return m_pointCount; }
    /// Starvation shades and event marks shown at the last refresh.
    [[nodiscard]] int starvationShadeCount() const { return m_shownShades; }
    [[nodiscard]] int eventMarkCount() const { return m_shownMarks; }

signals:
    void timeRangeChanged(std::int64_t from_ns, std::int64_t to_ns);
    void followingChanged(bool following);
    /// Where the time axis starts and ends, from this widget's left and right edges: a view laid out
    /// below the graph with the same width lines its time up with it (LaneWidget::setTimeAxisMargins).
    void timeAxisMarginsChanged(int left_px, int right_px);

protected:
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // A column summary kept between refreshes. Columns lie on a grid of fixed width from t = 0, so that
    // a scrolling view reads only the columns it has not seen and those that can still change.
    struct CachedColumn {
        ColumnSummary summary;
        bool filled = false; // holds samples
        bool settled = false; // old enough that no sample can still arrive in it
        bool read = false; // read from the source at this refresh
    };
    struct Series {
        SeriesSpec spec;
        std::string id; // spec.id, compared with event ids
        QCPGraph* allocated = nullptr;
        QCPGraph* capacity = nullptr;
        double fps = -1.0;
        bool visible = true; // toggled by a click on its legend entry
        int strip = -1; // shown in strips: its strip, 0 at the top
        double stripFrames = 1.0; // the frames its strip's height stands for
        QCPItemText* label = nullptr; // its name in its strip
        std::vector<ColumnSummary> columns; // of the last refresh
        std::int64_t gap_ns = 0; // a distance between columns beyond which the line breaks
        std::vector<CachedColumn> cache; // grid columns [cacheFirst, cacheFirst + size) of width m_columnWidth_ns
        std::int64_t cacheFirst = 0;
        std::int64_t cacheWidth_ns = 0; // the grid the cache was built on (0: empty)
    };

    void setRange(std::int64_t from_ns, std::int64_t to_ns);
    void onUserRangeChanged(const QCPRange& range);
    void updateContent();
    void readColumns(Series& series, std::int64_t first, std::int64_t end, std::int64_t now_ns);
    void updateSeriesData(Series& series);
    void updateShades();
    void updateStrips();
    void updateMarks();
    void updateTimeTicker();
    void growFramesAxis();
    void updateLegendNames();
    void applyPalette();
    void onMouseMove(QMouseEvent* event);
    void onLegendClick(QCPAbstractLegendItem* item);
    void onAfterReplot();
    void hideCursor();
    [[nodiscard]] bool matchesShownSeries(const MonitorEvent& event) const;
    [[nodiscard]] std::pair<double, double> framesExtent() const; // (min, max) in view; max < min when none

    QCustomPlot* m_plot = nullptr;
    QToolButton* m_followButton = nullptr;
    QComboBox* m_windowCombo = nullptr;
    QToolButton* m_fitButton = nullptr;
    QComboBox* m_scaleCombo = nullptr;

    const SeriesSource* m_source = nullptr;
    std::vector<Series> m_series;
    QCPGraph* m_capacityLegend = nullptr; // no data: one legend entry explains the dashed lines
    QCPBars* m_starvationLegend = nullptr; // no data: legend entry of the shading
    std::deque<MonitorEvent> m_events; // sorted by time

    std::vector<QCPItemRect*> m_shades; // pool, reused by every refresh
    std::vector<QCPItemStraightLine*> m_marks; // pool
    std::vector<QCPItemText*> m_markLabels; // pool
    std::vector<QString> m_markTips; // the tooltip of each shown mark
    QCPItemStraightLine* m_cursor = nullptr;
    QCPItemText* m_readout = nullptr;
    std::vector<StarvationInterval> m_intervals; // scratch
    std::vector<CachedColumn> m_nextCache; // scratch
    std::vector<ColumnSummary> m_read; // scratch

    double m_window_s = 30.0;
    bool m_following = true;
    bool m_settingRange = false; // the range is being set by the widget, not the user
    bool m_fitPending = true; // fit the frames axis at the next refresh
    Scale m_scale = Scale::Strips;
    int m_strips = 0; // strips shown (0: the shared frames axis)
    std::int64_t m_from_ns = 0;
    std::int64_t m_to_ns = 30'000'000'000;
    std::int64_t m_columnWidth_ns = 1; // one pixel column of the time axis
    std::int64_t m_firstColumn = 0; // grid columns in view: [m_firstColumn, m_endColumn)
    std::int64_t m_endColumn = 0;
    int m_pointCount = 0;
    int m_axisLeft_px = -1; // last reported time axis margins
    int m_axisRight_px = -1;
    int m_shownShades = 0;
    int m_shownMarks = 0;
};

} // namespace ksscope::ui
