// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Frame timing of one allocator whose buffers are followed one by one: the frame interval and the driver, delivery
// and hold times of every frame over time (QCustomPlot decimates them as the live graphs are), the dropped sequence
// numbers marked where they became known, and the histogram of one of them with its p50 / p99 / max (from the
// monitor's histograms of the whole watch). An allocator that is only sampled says so instead.

#include "frameseries.h"
#include "ksscope/frames.h"

#include <QString>
#include <QWidget>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <tuple>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPGraph;
class QLabel;

namespace ksscope::ui {

class FrameTimingWidget : public QWidget {
    Q_OBJECT
public:
    /// What is plotted per frame.
    enum class Metric : std::uint8_t { Interval, Driver, Delivery, Hold };
    static constexpr std::size_t kMetrics = 4;
    /// Frames kept per allocator (24 bytes each; the oldest half goes when it is reached).
    static constexpr std::size_t kMaxFrames = 10'000'000;
    /// Drop marks kept per allocator.
    static constexpr std::size_t kMaxDropMarks = 256;

    explicit FrameTimingWidget(QWidget* parent = nullptr);
    ~FrameTimingWidget() override;
    FrameTimingWidget(const FrameTimingWidget&) = delete;
    FrameTimingWidget& operator=(const FrameTimingWidget&) = delete;

    /// Shows the watched allocator \a index (npos: none), named \a label.
    void setAllocator(std::size_t index, const QString& label);
    [[nodiscard]] std::size_t allocator() const { return m_allocator; }
    /// Keeps new frame records and drops of every allocator (from each tick's batch).
    void addFrames(const std::vector<FrameRecord>& frames, const std::vector<DroppedFrames>& drops);
    /// Whether the shown allocator is followed frame by frame, and its statistics over the whole watch.
    void setFollowed(bool followed, const FrameStats& stats);
    /// Forgets everything (another monitor).
    void clear();
    /// Re-plots what is new; does nothing while hidden.
    void refresh();
    /// Centres the time axis on \a t_ns (monitor time), keeping its width; it stops following the newest frames.
    void jumpTo(std::int64_t t_ns);
    /// The time axis's range (seconds of monitor time).
    [[nodiscard]] std::pair<double, double> timeRange() const;

    /// The histogram shown.
    void setHistogramMetric(Metric metric);
    [[nodiscard]] Metric histogramMetric() const { return m_histogramMetric; }
    /// What the view shows: "exact ..." or "sampled ...", and the histogram's p50 / p99 / max line.
    [[nodiscard]] QString modeText() const;
    [[nodiscard]] QString summaryText() const;
    /// Frames of the shown allocator kept with \a metric; points handed to the plot for it (at most two per pixel
    /// column: the least and the greatest there); drop marks shown (their text).
    [[nodiscard]] int pointCount(Metric metric) const;
    [[nodiscard]] int plottedPoints(Metric metric) const;
    [[nodiscard]] QStringList dropMarks() const;
    [[nodiscard]] static QString metricName(Metric metric);

Q_SIGNALS:
    /// The user asked to see \a t_ns (monitor time) in the other views (double-click).
    void jumpRequested(std::int64_t t_ns);

private:
    struct Kept {
        FrameSeries series; // when each frame was filled (or first seen), and its four times
        std::deque<DroppedFrames> drops;
    };
    /// Places the time axis (the newest frames while following) and plots what is in view, decimated.
    void updateTimeline();
    /// The frames in the time axis's range, as the least and greatest per pixel column.
    void plotView();
    void updateDropMarks();
    void updateHistogram();
    void updateLabels();

    QLabel* m_mode = nullptr;
    QLabel* m_summary = nullptr;
    QComboBox* m_metricBox = nullptr;
    QCustomPlot* m_timeline = nullptr;
    QCustomPlot* m_histogram = nullptr;
    std::array<QCPGraph*, kMetrics> m_graphs{};
    QCPGraph* m_histogramGraph = nullptr;

    std::map<std::size_t, Kept> m_kept; // by watched allocator
    std::size_t m_allocator = static_cast<std::size_t>(-1);
    QString m_label;
    bool m_followed = false;
    double m_windowSeconds = 10.0; // the time shown while following the newest frames
    FrameStats m_stats;
    Metric m_histogramMetric = Metric::Interval;
    bool m_dirty = true; // the shown allocator changed: show its newest frames again
    bool m_placing = false; // the widget moves the time axis, not the user
    double m_shownNewest_s = -1.0; // the newest frame's time at the last update
    std::vector<FrameSeries::Column> m_columns; // scratch
    QStringList m_dropMarks;
    std::tuple<std::size_t, std::size_t, std::int64_t> m_marksShown{kNoMarks, 0, -1}; // allocator, count, newest
    static constexpr std::size_t kNoMarks = static_cast<std::size_t>(-2);
};

} // namespace ksscope::ui
