// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Per-buffer lanes: one row per frame of the allocator tracked by Monitor::setLaneAllocator, coloured by
// its state over time (free, in use by the producer, filled and waiting, held by the consumer). Drawn
// by hand in O(pixels): a pixel column takes the state that filled most of it.

#include "ksscope/monitor.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <utility>

namespace ksscope::ui {

class SeriesSource;

class LaneWidget : public QWidget {
    Q_OBJECT
public:
    /// A frame held (not free) longer than this, within the shown range, has its label highlighted.
    static constexpr std::int64_t kStuck_ns = 2'000'000'000;

    explicit LaneWidget(QWidget* parent = nullptr);
    ~LaneWidget() override;
    LaneWidget(const LaneWidget&) = delete;
    LaneWidget& operator=(const LaneWidget&) = delete;

    /// The source must outlive the widget or be replaced first; null shows the placeholder.
    void setSource(const SeriesSource* source);
    void setAllocatorLabel(const QString& label);
    /// Names the process a held buffer's holder is (SessionController::holderProcess of the lane's allocator);
    /// unset or null: a thread of this machine (processOf).
    void setHolderLookup(std::function<ProcessInfo(std::int32_t)> lookup);
    [[nodiscard]] QString allocatorLabel() const { return m_label; }
    /// Whether the allocator's buffer moves are followed one by one (exact) or its states sampled at \a rateHz;
    /// the title says which.
    void setFollowed(bool followed, double rateHz);
    /// The title row's text.
    [[nodiscard]] QString titleText() const;
    /// Shows [from_ns, to_ns] and re-reads the lanes (connect to LiveGraphWidget::timeRangeChanged).
    void setTimeRange(std::int64_t from_ns, std::int64_t to_ns);
    [[nodiscard]] std::pair<std::int64_t, std::int64_t> timeRange() const { return {m_from_ns, m_to_ns}; }
    /// Puts the time axis \a left_px from the left edge and \a right_px from the right one, to line it up
    /// with a graph above (LiveGraphWidget::timeAxisMarginsChanged); negative: the widget's own layout.
    void setTimeAxisMargins(int left_px, int right_px);
    /// Re-reads the lanes of the current range and repaints; does nothing while hidden.
    void refresh();

    /// Frames held longer than kStuck_ns in the shown range, at the last refresh.
    [[nodiscard]] QList<int> stuckFrames() const { return m_stuck; }
    /// The text shown instead of lanes (empty while lanes are shown).
    [[nodiscard]] QString placeholderText() const;
    /// The hover text at \a pos (empty outside the lanes).
    [[nodiscard]] QString toolTipAt(const QPoint& pos) const;
    /// Short name of a state, as in the legend.
    [[nodiscard]] static QString stateName(BufferState state);

    [[nodiscard]] QSize sizeHint() const override;
    [[nodiscard]] QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void showEvent(QShowEvent* event) override;
    bool event(QEvent* event) override;

private:
    struct Geometry {
        QRect title; // title row
        QRect legend; // legend row, below the title so that a long allocator name never runs into it
        QRect lanes; // the lane bars, labels left of it
        QRect axis; // time labels below the lanes
        int laneHeight = 0;
        int laneStep = 0; // laneHeight plus the gap between lanes
    };
    [[nodiscard]] Geometry geometry() const;
    [[nodiscard]] int laneCount() const { return static_cast<int>(m_lanes.buffers.size()); }
    [[nodiscard]] double timeAt(const Geometry& g, double x) const;
    void findStuckFrames();
    void paintTitle(QPainter& painter, const Geometry& g) const;
    void paintLanes(QPainter& painter, const Geometry& g) const;
    void paintAxis(QPainter& painter, const Geometry& g) const;

    const SeriesSource* m_source = nullptr;
    QString m_label;
    bool m_followed = false;
    double m_rateHz = 0.0;
    Lanes m_lanes;
    QList<int> m_stuck;
    int m_axisLeft_px = -1;
    int m_axisRight_px = -1;
    std::int64_t m_from_ns = 0;
    std::int64_t m_to_ns = 30'000'000'000;
    std::function<ProcessInfo(std::int32_t)> m_holderLookup;
    mutable QHash<std::int32_t, QString> m_holderNames; // holder -> "name (pid)", as first asked
};

} // namespace ksscope::ui
