// SPDX-License-Identifier: GPL-3.0-or-later
#include "frametimingwidget.h"

#include "colors.h"
#include "qcustomplot_include.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace ksscope::ui {

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

double toMs(std::int64_t ns)
{
    return static_cast<double>(ns) * 1e-6;
}

QString msText(std::int64_t ns)
{
    return ns < 0 ? QStringLiteral("-") : QStringLiteral("%1 ms").arg(toMs(ns), 0, 'f', ns < 10'000'000 ? 3 : 1);
}

const DurationHistogram& histogramOf(const FrameStats& stats, FrameTimingWidget::Metric metric)
{
    switch (metric) {
    case FrameTimingWidget::Metric::Driver:
        return stats.driverLatency;
    case FrameTimingWidget::Metric::Delivery:
        return stats.deliveryLatency;
    case FrameTimingWidget::Metric::Hold:
        return stats.hold;
    case FrameTimingWidget::Metric::Interval:
        break;
    }
    return stats.interval;
}

/// A vertical line at \a x across \a plot with \a label written down along it from \a labelY (a ratio of the axis
/// rect's height, 0 at the top).
void addMark(QCustomPlot* plot, double x, double labelY, const QPen& pen, const QString& label)
{
    auto* line = new QCPItemStraightLine(plot);
    line->point1->setCoords(x, 0.0);
    line->point2->setCoords(x, 1.0);
    line->setPen(pen);
    auto* text = new QCPItemText(plot);
    text->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    text->position->setCoords(x, labelY);
    text->setPositionAlignment(Qt::AlignTop | Qt::AlignLeft);
    text->setRotation(90);
    text->setColor(pen.color());
    text->setText(label);
}

QString dropText(const DroppedFrames& d)
{
    return d.first == d.last ? QStringLiteral("dropped %1").arg(d.first)
                             : QStringLiteral("dropped %1-%2").arg(d.first).arg(d.last);
}

} // namespace

FrameTimingWidget::FrameTimingWidget(QWidget* parent) : QWidget(parent)
{
    m_mode = new QLabel(this);
    m_mode->setObjectName(QStringLiteral("FrameTimingMode"));
    m_mode->setWordWrap(true);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("FrameTimingSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_metricBox = new QComboBox(this);
    m_metricBox->setObjectName(QStringLiteral("FrameTimingHistogramMetric"));
    for (std::size_t m = 0; m < kMetrics; ++m)
        m_metricBox->addItem(metricName(static_cast<Metric>(m)));
    m_metricBox->setToolTip(tr("The histogram shown (of every frame since watching began)"));
    connect(m_metricBox, &QComboBox::currentIndexChanged, this,
            [this](int index) { setHistogramMetric(static_cast<Metric>(index)); });

    m_timeline = new QCustomPlot(this);
    m_timeline->setObjectName(QStringLiteral("FrameTimingTimeline"));
    m_timeline->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_timeline->axisRect()->setRangeDrag(Qt::Horizontal);
    m_timeline->axisRect()->setRangeZoom(Qt::Horizontal);
    m_timeline->xAxis->setLabel(tr("time (s)"));
    m_timeline->yAxis->setLabel(tr("ms"));
    m_timeline->legend->setVisible(true);
    m_timeline->legend->setFont(font());
    m_timeline->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst); // one row along the top
    m_timeline->legend->setWrap(static_cast<int>(kMetrics));
    m_timeline->legend->setBrush(QColor(255, 255, 255, 200));
    m_timeline->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignHCenter);
    // the width the user zooms to is kept while following the newest frames
    connect(m_timeline, &QCustomPlot::mouseWheel, this,
            [this](QWheelEvent*) { m_windowSeconds = std::max(m_timeline->xAxis->range().size(), 0.01); });
    for (std::size_t m = 0; m < kMetrics; ++m) {
        QCPGraph* graph = m_timeline->addGraph();
        graph->setName(metricName(static_cast<Metric>(m)));
        // one-pixel pens: QCustomPlot draws them cosmetic; a wider one goes through the stroker for every dot
        graph->setPen(QPen(seriesColor(static_cast<int>(m), palette()), 1.0));
        graph->setLineStyle(QCPGraph::lsNone);
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 3.0));
        graph->setAntialiasedScatters(false); // thousands of dots: antialiased they cost ten times as much
        graph->setAdaptiveSampling(false); // already at most two points per pixel column
        m_graphs[m] = graph;
    }
    // a drag or a zoom shows another span: plot what is in it
    connect(m_timeline->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
        if (!m_placing)
            plotView();
    });
    connect(m_timeline, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* event) {
        const double t = m_timeline->xAxis->pixelToCoord(event->position().x());
        if (std::isfinite(t) && t >= 0)
            Q_EMIT jumpRequested(static_cast<std::int64_t>(t * 1e9));
    });
    m_timeline->setToolTip(tr("Double-click: show that time in the live graphs and the buffer lanes"));

    m_histogram = new QCustomPlot(this);
    m_histogram->setObjectName(QStringLiteral("FrameTimingHistogram"));
    m_histogram->xAxis->setScaleType(QCPAxis::stLogarithmic);
    m_histogram->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    m_histogram->xAxis->setLabel(tr("ms"));
    m_histogram->yAxis->setLabel(tr("frames"));
    m_histogramGraph = m_histogram->addGraph();
    m_histogramGraph->setLineStyle(QCPGraph::lsStepLeft);
    const QColor bars = seriesColor(0, palette());
    m_histogramGraph->setPen(QPen(bars, 1.2));
    m_histogramGraph->setBrush(QColor(bars.red(), bars.green(), bars.blue(), 90));

    auto* header = new QHBoxLayout;
    header->addWidget(m_mode, 1);
    header->addWidget(new QLabel(tr("Histogram:"), this));
    header->addWidget(m_metricBox);
    auto* plots = new QHBoxLayout;
    plots->addWidget(m_timeline, 3);
    plots->addWidget(m_histogram, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(header);
    layout->addLayout(plots, 1);
    layout->addWidget(m_summary);
    updateLabels();
}

FrameTimingWidget::~FrameTimingWidget() = default;

QString FrameTimingWidget::metricName(Metric metric)
{
    switch (metric) {
    case Metric::Driver:
        return tr("driver (queued to filled)");
    case Metric::Delivery:
        return tr("delivery (filled to dequeued)");
    case Metric::Hold:
        return tr("hold (dequeued to given back)");
    case Metric::Interval:
        break;
    }
    return tr("frame interval");
}

void FrameTimingWidget::setAllocator(std::size_t index, const QString& label)
{
    if (index == m_allocator && label == m_label)
        return;
    m_allocator = index;
    m_label = label;
    m_followed = false;
    m_stats = {};
    m_dirty = true;
    m_marksShown = {kNoMarks, 0, -1};
    updateLabels();
    refresh();
}

void FrameTimingWidget::addFrames(const std::vector<FrameRecord>& frames, const std::vector<DroppedFrames>& drops)
{
    for (const FrameRecord& f : frames) {
        const std::int64_t t_ns = f.t_ns();
        if (t_ns < 0)
            continue;
        Kept& kept = m_kept[f.allocator];
        kept.series.add(t_ns, {f.interval_ns, f.driverLatency_ns(), f.deliveryLatency_ns(), f.hold_ns()});
        if (kept.series.size() > kMaxFrames)
            kept.series.dropOldest(kMaxFrames / 2);
    }
    for (const DroppedFrames& d : drops) {
        Kept& kept = m_kept[d.allocator];
        kept.drops.push_back(d);
        if (kept.drops.size() > kMaxDropMarks)
            kept.drops.pop_front();
    }
}

void FrameTimingWidget::setFollowed(bool followed, const FrameStats& stats)
{
    m_followed = followed;
    m_stats = stats;
}

void FrameTimingWidget::clear()
{
    m_kept.clear();
    m_stats = {};
    m_followed = false;
    m_dirty = true;
    m_marksShown = {kNoMarks, 0, -1};
    refresh();
}

void FrameTimingWidget::setHistogramMetric(Metric metric)
{
    m_histogramMetric = metric;
    if (m_metricBox->currentIndex() != static_cast<int>(metric))
        m_metricBox->setCurrentIndex(static_cast<int>(metric));
    updateHistogram();
    updateLabels();
    if (isVisible())
        m_histogram->replot(QCustomPlot::rpQueuedReplot);
}

void FrameTimingWidget::refresh()
{
    updateTimeline();
    updateDropMarks();
    updateHistogram();
    updateLabels();
    if (!isVisible())
        return;
    m_timeline->replot(QCustomPlot::rpQueuedReplot);
    m_histogram->replot(QCustomPlot::rpQueuedReplot);
}

void FrameTimingWidget::jumpTo(std::int64_t t_ns)
{
    const double half = m_timeline->xAxis->range().size() / 2.0;
    const double t = static_cast<double>(t_ns) * 1e-9;
    m_timeline->xAxis->setRange(t - half, t + half); // plots the span (rangeChanged)
    m_timeline->replot(QCustomPlot::rpQueuedReplot);
}

std::pair<double, double> FrameTimingWidget::timeRange() const
{
    return {m_timeline->xAxis->range().lower, m_timeline->xAxis->range().upper};
}

void FrameTimingWidget::updateTimeline()
{
    const auto it = m_kept.find(m_allocator);
    const FrameSeries* series = it == m_kept.end() ? nullptr : &it->second.series;
    if (!series || series->size() == 0) {
        for (QCPGraph* g : m_graphs)
            g->data()->clear();
        m_shownNewest_s = -1.0;
        m_dirty = false;
        return;
    }
    // keep the newest frames in view unless the user moved away from them
    const double newest = static_cast<double>(series->lastTime_ns()) * 1e-9;
    const double oldest = static_cast<double>(series->firstTime_ns()) * 1e-9;
    const bool following = m_dirty || m_shownNewest_s < 0 || m_timeline->xAxis->range().upper >= m_shownNewest_s;
    m_dirty = false;
    m_shownNewest_s = newest;
    if (following) {
        const double from = std::max(oldest, newest - m_windowSeconds);
        m_placing = true;
        m_timeline->xAxis->setRange(from, std::max(newest, from + 1e-3));
        m_placing = false;
    }
    plotView();
    if (following) {
        double high = 0.0;
        for (QCPGraph* g : m_graphs) {
            bool any = false;
            const QCPRange values = g->data()->valueRange(any);
            if (any)
                high = std::max(high, values.upper);
        }
        if (high > 0)
            m_timeline->yAxis->setRange(0.0, high * 1.3); // room for the legend above the highest
    }
}

void FrameTimingWidget::plotView()
{
    const auto it = m_kept.find(m_allocator);
    if (it == m_kept.end())
        return;
    const QCPRange range = m_timeline->xAxis->range();
    const auto from = static_cast<std::int64_t>(std::floor(range.lower * 1e9));
    const auto to = static_cast<std::int64_t>(std::ceil(range.upper * 1e9)) + 1;
    // a column per pixel of the axis rect (before the first layout, of the plot)
    const int width = m_timeline->axisRect()->width() > 1 ? m_timeline->axisRect()->width() : m_timeline->width();
    const auto columns = static_cast<std::size_t>(std::max(width, 1));
    const double half_s = (range.upper - range.lower) / static_cast<double>(columns) / 2.0;
    for (std::size_t m = 0; m < kMetrics; ++m) {
        m_columns.clear();
        it->second.series.decimate(m, from, to, columns, m_columns);
        QVector<QCPGraphData> points;
        points.reserve(static_cast<qsizetype>(m_columns.size()) * 2);
        for (const FrameSeries::Column& c : m_columns) {
            const double key = static_cast<double>(c.t_ns) * 1e-9 + half_s;
            points.append(QCPGraphData(key, static_cast<double>(c.min)));
            if (c.max != c.min)
                points.append(QCPGraphData(key, static_cast<double>(c.max)));
        }
        m_graphs[m]->data()->set(points, true);
    }
}

void FrameTimingWidget::updateDropMarks()
{
    auto it = m_kept.find(m_allocator);
    const std::size_t count = it == m_kept.end() ? 0 : it->second.drops.size();
    const std::int64_t newest = count == 0 ? -1 : it->second.drops.back().t_ns;
    if (m_marksShown == std::tuple(m_allocator, count, newest))
        return; // the same marks
    m_marksShown = {m_allocator, count, newest};
    m_timeline->clearItems();
    m_dropMarks.clear();
    if (it == m_kept.end())
        return;
    const QColor color = warningColor(palette());
    for (const DroppedFrames& d : it->second.drops) {
        // below the legend
        addMark(m_timeline, static_cast<double>(d.t_ns) * 1e-9, 0.2, QPen(color, 1.0, Qt::DashLine), dropText(d));
        m_dropMarks.append(dropText(d));
    }
}

void FrameTimingWidget::updateHistogram()
{
    const DurationHistogram& h = histogramOf(m_stats, m_histogramMetric);
    QVector<QCPGraphData> steps;
    double highest = 0.0;
    for (const DurationHistogram::Bucket& b : h.buckets()) {
        if (b.count == 0)
            continue;
        const double from = std::max(toMs(b.from_ns), 1e-3);
        steps.append(QCPGraphData(from, static_cast<double>(b.count)));
        steps.append(QCPGraphData(std::max(toMs(b.to_ns), from * 1.0001), 0.0));
        highest = std::max(highest, static_cast<double>(b.count));
    }
    std::sort(steps.begin(), steps.end(), [](const QCPGraphData& a, const QCPGraphData& b) { return a.key < b.key; });
    m_histogramGraph->data()->set(steps, true);
    m_histogram->clearItems();
    if (h.count() == 0) {
        m_histogram->xAxis->setRange(0.1, 100.0);
        m_histogram->yAxis->setRange(0.0, 1.0);
        return;
    }
    m_histogram->xAxis->setRange(std::max(toMs(h.min_ns()) * 0.8, 1e-3), std::max(toMs(h.max_ns()) * 1.25, 1e-2));
    m_histogram->yAxis->setRange(0.0, highest * 1.15);
    const QColor color = palette().color(QPalette::WindowText);
    const struct {
        const char* name;
        std::int64_t ns;
    } marks[] = {{"p50", h.percentile_ns(0.5)}, {"p99", h.percentile_ns(0.99)}, {"max", h.max_ns()}};
    for (const auto& mark : marks)
        addMark(m_histogram, std::max(toMs(mark.ns), 1e-3), 0.0, QPen(color, 1.0, Qt::DotLine),
                QString::fromLatin1(mark.name));
}

void FrameTimingWidget::updateLabels()
{
    m_mode->setText(modeText());
    m_summary->setText(summaryText());
}

QString FrameTimingWidget::modeText() const
{
    if (m_allocator == kNone)
        return tr("Select an allocator to see the timing of its frames.");
    if (!m_followed)
        return tr("%1: sampled - its buffers are polled, not followed one by one, so there is no per-frame timing "
                  "(the live graphs show its occupancy)")
            .arg(m_label);
    return tr("%1: exact - every frame followed").arg(m_label);
}

QString FrameTimingWidget::summaryText() const
{
    if (m_allocator == kNone || !m_followed)
        return {};
    const DurationHistogram& h = histogramOf(m_stats, m_histogramMetric);
    QString text = tr("%1 frames, %2 dropped, %3 bad").arg(m_stats.frames).arg(m_stats.dropped).arg(m_stats.errors);
    if (h.count() > 0)
        text += tr(" · %1: p50 %2 · p99 %3 · max %4")
                    .arg(metricName(m_histogramMetric), msText(h.percentile_ns(0.5)), msText(h.percentile_ns(0.99)),
                         msText(h.max_ns()));
    return text;
}

int FrameTimingWidget::pointCount(Metric metric) const
{
    const auto it = m_kept.find(m_allocator);
    return it == m_kept.end() ? 0 : static_cast<int>(it->second.series.count(static_cast<std::size_t>(metric)));
}

int FrameTimingWidget::plottedPoints(Metric metric) const
{
    return m_graphs[static_cast<std::size_t>(metric)]->data()->size();
}

QStringList FrameTimingWidget::dropMarks() const
{
    return m_dropMarks;
}

} // namespace ksscope::ui
