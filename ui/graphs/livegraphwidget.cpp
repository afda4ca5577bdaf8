// SPDX-License-Identifier: GPL-3.0-or-later
// Over 600 lines because its layers (the column-summary graphs, starvation shades, event marks, the cursor readout,
// the legend) draw on one QCustomPlot and one pair of axes and must follow the same range on every refresh.

#include "livegraphwidget.h"

#include "colors.h"
#include "qcustomplot_include.h"
#include "seriessource.h"
#include "timeformat.h"

#include <QComboBox>
#include <QEvent>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QMouseEvent>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <limits>

namespace ksscope::ui {

namespace {

constexpr double kNsPerSecond = 1e9;
constexpr double kMinSpan_s = 0.01;
constexpr double kMaxSpan_s = 24.0 * 3600.0;
constexpr int kMarkHitPixels = 4; // how close the mouse must be to a mark for its tooltip
constexpr double kMarkLabelSpacingPixels = 48.0; // marks closer than this to a labelled one get no label

double toSeconds(std::int64_t t_ns)
{
    return static_cast<double>(t_ns) / kNsPerSecond;
}

std::int64_t toNs(double t_s)
{
    return std::llround(t_s * kNsPerSecond);
}

// "45 s", "2 min", "2 h", or h:mm:ss for a span that is none of these
QString windowLabel(double seconds)
{
    if (seconds < 60.0)
        return LiveGraphWidget::tr("%1 s").arg(seconds, 0, 'g', 3);
    if (std::fmod(seconds, 3600.0) == 0.0)
        return LiveGraphWidget::tr("%1 h").arg(seconds / 3600.0);
    if (std::fmod(seconds, 60.0) == 0.0 && seconds < 3600.0)
        return LiveGraphWidget::tr("%1 min").arg(seconds / 60.0);
    return formatSessionTime(seconds, TimePrecision::Seconds);
}

QColor eventKindColor(EventKind kind, const QPalette& palette)
{
    switch (kind) {
    case EventKind::Starvation:
        return warningColor(palette);
    case EventKind::Drop:
        return QColor(0xd6, 0x27, 0x28);
    case EventKind::Config:
        return QColor(0x8e, 0x6b, 0xc0);
    case EventKind::Added:
        return QColor(0x2c, 0xa0, 0x2c);
    case EventKind::Removed:
        return goneColor(palette);
    case EventKind::Error:
        return isDarkPalette(palette) ? QColor(0xff, 0x5c, 0x5c) : QColor(0xb0, 0x00, 0x20);
    }
    return palette.color(QPalette::WindowText);
}

constexpr std::int64_t kSettle_ns = 1'000'000'000; // columns older than this behind now no longer change

std::int64_t floorDiv(std::int64_t a, std::int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);
}

// The allocated frames drawn from the column points (first/min/max/last at one key, NaN for a gap): a
// 1-pixel bar per column over its range, and the steps between columns. Adjacent bars are merged into
// rectangles as wide as the rows they share, so that a dense history fills long horizontal runs: the
// same pixels as a polyline through thousands of vertical strokes, for a fraction of the cost.
class ColumnGraph : public QCPGraph {
public:
    using QCPGraph::QCPGraph;

protected:
    void draw(QCPPainter* painter) override
    {
        QCPAxis* keyAxis = mKeyAxis.data();
        QCPAxis* valueAxis = mValueAxis.data();
        if (!keyAxis || !valueAxis || painter->modes().testFlag(QCPPainter::pmVectorized) || mLineStyle != lsStepLeft ||
            mPen.widthF() > 1.0) {
            QCPGraph::draw(painter); // exports and wide pens: the general path
            return;
        }
        const QColor color = mPen.color();
        const auto pixel = [](double p) { return static_cast<int>(std::lround(std::clamp(p, -1e6, 1e6))); };
        BandFiller band(painter, color);
        bool connected = false; // the previous column's last value continues into this one
        int previousX = 0;
        int previousY = 0;
        // the bar of the last column, held until a column on another pixel comes
        bool pending = false;
        int barTop = 0;
        int barBottom = 0;
        auto it = mDataContainer->constBegin();
        const auto end = mDataContainer->constEnd();
        while (it != end) {
            if (std::isnan(it->value)) {
                connected = false;
                ++it;
                continue;
            }
            const double key = it->key;
            const int x = pixel(keyAxis->coordToPixel(key));
            if (pending && x != previousX) {
                band.add(previousX, barTop, barBottom);
                pending = false;
            }
            int top = pixel(valueAxis->coordToPixel(it->value));
            int bottom = top;
            int last = top;
            for (; it != end && it->key == key && !std::isnan(it->value); ++it) {
                last = pixel(valueAxis->coordToPixel(it->value));
                top = std::min(top, last);
                bottom = std::max(bottom, last);
            }
            if (connected) { // hold the previous value up to this column, then step
                if (x > previousX + 1)
                    painter->fillRect(QRect(previousX + 1, previousY, x - previousX - 1, 1), color);
                top = std::min(top, previousY);
                bottom = std::max(bottom, previousY);
            }
            if (pending) { // a second column on the same pixel
                top = std::min(top, barTop);
                bottom = std::max(bottom, barBottom);
            }
            pending = true;
            barTop = top;
            barBottom = bottom;
            connected = true;
            previousX = x;
            previousY = last;
        }
        if (pending)
            band.add(previousX, barTop, barBottom);
        band.finish();
    }
    void drawLegendIcon(QCPPainter* painter, const QRectF& rect) const override
    {
        // thicker than the line itself, so that the colour reads in the legend
        painter->fillRect(QRectF(rect.left(), rect.center().y() - 1.5, rect.width(), 3.0), mPen.color());
    }

private:
    // Fills vertical bars [top, bottom] given left to right. The rows of the previous bar stay open as
    // a few row ranges, each with the column where it began; a bar closes the ranges outside its own rows
    // (one rectangle each) and opens the rows the previous bar did not cover. The rows in both always
    // form one block, so ranges only ever come and go at its two ends.
    class BandFiller {
    public:
        BandFiller(QCPPainter* painter, QColor color) : m_painter(painter), m_color(color) { }
        /// A bar at \a x, right of the previous one.
        void add(int x, int top, int bottom)
        {
            if (m_open.empty() || x != m_x + 1) {
                finish();
                m_open.push_back({top, bottom, x});
                m_x = x;
                return;
            }
            while (!m_open.empty() && m_open.front().bottom < top) {
                close(m_open.front(), x);
                m_open.pop_front();
            }
            if (!m_open.empty() && m_open.front().top < top) {
                close({m_open.front().top, top - 1, m_open.front().start}, x);
                m_open.front().top = top;
            }
            while (!m_open.empty() && m_open.back().top > bottom) {
                close(m_open.back(), x);
                m_open.pop_back();
            }
            if (!m_open.empty() && m_open.back().bottom > bottom) {
                close({bottom + 1, m_open.back().bottom, m_open.back().start}, x);
                m_open.back().bottom = bottom;
            }
            if (m_open.empty()) {
                m_open.push_back({top, bottom, x});
            } else {
                if (top < m_open.front().top)
                    m_open.push_front({top, m_open.front().top - 1, x});
                if (bottom > m_open.back().bottom)
                    m_open.push_back({m_open.back().bottom + 1, bottom, x});
            }
            m_x = x;
        }
        void finish()
        {
            for (const Rows& rows : m_open)
                close(rows, m_x + 1);
            m_open.clear();
        }

    private:
        struct Rows {
            int top;
            int bottom;
            int start; // first column
        };
        void close(const Rows& rows, int endX)
        {
            if (endX > rows.start)
                m_painter->fillRect(QRect(rows.start, rows.top, endX - rows.start, rows.bottom - rows.top + 1),
                                    m_color);
        }
        QCPPainter* m_painter;
        QColor m_color;
        std::deque<Rows> m_open;
        int m_x = 0; // the last bar's column
    };
};

// Whole numbers of frames only: no tick at 2.5 frames.
class FramesTicker : public QCPAxisTicker {
protected:
    double getTickStep(const QCPRange& range) override { return std::max(1.0, QCPAxisTicker::getTickStep(range)); }
    int getSubTickCount(double tickStep) override
    {
        return tickStep <= 1.0 ? 0 : QCPAxisTicker::getSubTickCount(tickStep);
    }
};

struct WindowChoice {
    double seconds;
    const char* label;
};
constexpr WindowChoice kWindowChoices[] = {
    {10, QT_TRANSLATE_NOOP("ksscope::ui::LiveGraphWidget", "10 s")},
    {30, QT_TRANSLATE_NOOP("ksscope::ui::LiveGraphWidget", "30 s")},
    {60, QT_TRANSLATE_NOOP("ksscope::ui::LiveGraphWidget", "1 min")},
    {300, QT_TRANSLATE_NOOP("ksscope::ui::LiveGraphWidget", "5 min")},
    {600, QT_TRANSLATE_NOOP("ksscope::ui::LiveGraphWidget", "10 min")},
    {1800, QT_TRANSLATE_NOOP("ksscope::ui::LiveGraphWidget", "30 min")},
    {3600, QT_TRANSLATE_NOOP("ksscope::ui::LiveGraphWidget", "1 h")},
};

} // namespace

LiveGraphWidget::LiveGraphWidget(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);

    auto* toolbar = new QHBoxLayout;
    toolbar->setContentsMargins(4, 2, 4, 0);
    m_followButton = new QToolButton(this);
    m_followButton->setCheckable(true);
    m_followButton->setChecked(true);
    m_followButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    connect(m_followButton, &QToolButton::toggled, this, &LiveGraphWidget::setFollowing);
    m_windowCombo = new QComboBox(this);
    m_windowCombo->setToolTip(tr("Time span shown while following"));
    for (const WindowChoice& choice : kWindowChoices)
        m_windowCombo->addItem(tr(choice.label), choice.seconds);
    connect(m_windowCombo, &QComboBox::activated, this,
            [this](int index) { setWindowSeconds(m_windowCombo->itemData(index).toDouble()); });
    m_fitButton = new QToolButton(this);
    m_fitButton->setText(tr("Fit"));
    m_fitButton->setToolTip(tr("Fit the frames axis to the data in view"));
    connect(m_fitButton, &QToolButton::clicked, this, &LiveGraphWidget::fitFramesAxis);
    m_scaleCombo = new QComboBox(this);
    m_scaleCombo->addItem(tr("A strip each"), static_cast<int>(Scale::Strips));
    m_scaleCombo->addItem(tr("Shared axis"), static_cast<int>(Scale::SharedAxis));
    m_scaleCombo->setToolTip(tr("A strip per allocator, each scaled to its own buffer count, or every allocator on "
                                "one frames axis"));
    connect(m_scaleCombo, &QComboBox::activated, this,
            [this](int index) { setScale(static_cast<Scale>(m_scaleCombo->itemData(index).toInt())); });
    toolbar->addWidget(m_followButton);
    toolbar->addWidget(m_windowCombo);
    toolbar->addWidget(m_fitButton);
    toolbar->addWidget(m_scaleCombo);
    toolbar->addStretch(1);
    layout->addLayout(toolbar);

    m_plot = new QCustomPlot(this);
    m_plot->setMinimumSize(200, 120);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->setMouseTracking(true);
    m_plot->installEventFilter(this);
    layout->addWidget(m_plot, 1);

    // layers, bottom to top: grid, shading, main (graphs), marks, axes, legend, overlay (QCustomPlot
    // buffers it apart: the cursor and its readout live there and move without a replot of the rest)
    m_plot->addLayer(QStringLiteral("shading"), m_plot->layer(QStringLiteral("grid")), QCustomPlot::limAbove);
    m_plot->addLayer(QStringLiteral("marks"), m_plot->layer(QStringLiteral("main")), QCustomPlot::limAbove);

    m_plot->xAxis->setTicker(QSharedPointer<QCPAxisTickerTime>::create());
    m_plot->xAxis->setLabel(tr("time since the session started"));
    m_plot->yAxis->setTicker(QSharedPointer<FramesTicker>::create());
    m_plot->yAxis->setLabel(tr("frames"));
    m_plot->yAxis->setRange(0.0, 4.5);
    m_plot->xAxis->grid()->setSubGridVisible(false);

    // the legend gets a row of its own above the axis rect so that it never hides data
    m_plot->legend->setVisible(true);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setWrap(5);
    m_plot->axisRect()->insetLayout()->take(m_plot->legend);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, m_plot->legend);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    m_plot->legend->setMargins(QMargins(4, 2, 4, 2));

    m_capacityLegend = m_plot->addGraph();
    m_capacityLegend->setName(tr("capacity (frames)"));
    m_starvationLegend = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_starvationLegend->setName(tr("starvation"));

    m_cursor = new QCPItemStraightLine(m_plot);
    m_cursor->setLayer(QStringLiteral("overlay"));
    m_cursor->point1->setCoords(0.0, 0.0);
    m_cursor->point2->setCoords(0.0, 1.0);
    m_cursor->setVisible(false);
    m_readout = new QCPItemText(m_plot);
    m_readout->setLayer(QStringLiteral("overlay"));
    m_readout->setClipToAxisRect(false);
    m_readout->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_readout->setTextAlignment(Qt::AlignLeft);
    m_readout->setPadding(QMargins(5, 3, 5, 3));
    m_readout->setVisible(false);

    connect(m_plot->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this,
            &LiveGraphWidget::onUserRangeChanged);
    connect(m_plot, &QCustomPlot::mouseMove, this, &LiveGraphWidget::onMouseMove);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this] { setFollowing(true); });
    connect(m_plot, &QCustomPlot::legendClick, this,
            [this](QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) { onLegendClick(item); });
    connect(m_plot, &QCustomPlot::afterReplot, this, &LiveGraphWidget::onAfterReplot);

    setWindowSeconds(m_window_s);
    setFollowing(true);
    setRange(0, toNs(m_window_s));
    applyPalette();
}

LiveGraphWidget::~LiveGraphWidget() = default;

void LiveGraphWidget::setSource(const SeriesSource* source)
{
    m_source = source;
    m_fitPending = true;
    for (Series& s : m_series) {
        s.cache.clear();
        s.cacheWidth_ns = 0;
    }
    refresh();
}

void LiveGraphWidget::setSeries(const QList<SeriesSpec>& series)
{
    for (Series& s : m_series) {
        m_plot->removeGraph(s.allocated);
        m_plot->removeGraph(s.capacity);
        m_plot->removeItem(s.label);
    }
    m_series.clear();
    m_series.reserve(static_cast<std::size_t>(series.size()));
    for (const SeriesSpec& spec : series) {
        Series s;
        s.spec = spec;
        s.id = spec.id.toStdString();
        s.allocated = new ColumnGraph(m_plot->xAxis, m_plot->yAxis);
        s.allocated->setLineStyle(QCPGraph::lsStepLeft); // a frame count holds its value until the next sample
        s.allocated->setAdaptiveSampling(false); // already one stroke per pixel column; NaN breaks gaps
        s.allocated->setAntialiased(false); // horizontal and vertical lines only
        s.capacity = m_plot->addGraph();
        s.capacity->setLineStyle(QCPGraph::lsStepLeft);
        s.capacity->setAdaptiveSampling(false);
        s.capacity->removeFromLegend();
        s.label = new QCPItemText(m_plot);
        s.label->setLayer(QStringLiteral("marks"));
        s.label->setClipToAxisRect(true);
        s.label->position->setTypeX(QCPItemPosition::ptAxisRectRatio);
        s.label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        s.label->setPadding(QMargins(3, 0, 3, 0));
        s.label->setText(spec.label);
        s.label->setVisible(false);
        m_series.push_back(std::move(s));
    }
    // the explanatory entries go last
    m_capacityLegend->removeFromLegend();
    m_capacityLegend->addToLegend();
    m_starvationLegend->removeFromLegend();
    m_starvationLegend->addToLegend();
    m_fitPending = true;
    updateLegendNames();
    applyPalette();
    refresh();
}

void LiveGraphWidget::setFramesPerSecond(const QString& id, double fps)
{
    for (Series& s : m_series)
        if (s.spec.id == id)
            s.fps = fps;
    updateLegendNames();
}

void LiveGraphWidget::addEvents(const std::vector<MonitorEvent>& events)
{
    for (const MonitorEvent& event : events) {
        if (m_events.empty() || m_events.back().t_ns <= event.t_ns) {
            m_events.push_back(event);
        } else { // rare: keep the store sorted so that a window is found by binary search
            const auto at = std::upper_bound(m_events.begin(), m_events.end(), event.t_ns,
                                             [](std::int64_t t, const MonitorEvent& e) { return t < e.t_ns; });
            m_events.insert(at, event);
        }
    }
    while (m_events.size() > kMaxEvents)
        m_events.pop_front();
}

void LiveGraphWidget::clearEvents()
{
    m_events.clear();
}

void LiveGraphWidget::setWindowSeconds(double seconds)
{
    if (!std::isfinite(seconds))
        return;
    m_window_s = std::clamp(seconds, 1.0, kMaxSpan_s);
    int index = m_windowCombo->findData(m_window_s);
    if (index < 0) { // a span not in the list gets an entry of its own, in order
        index = 0;
        while (index < m_windowCombo->count() && m_windowCombo->itemData(index).toDouble() < m_window_s)
            ++index;
        m_windowCombo->insertItem(index, windowLabel(m_window_s), m_window_s);
    }
    m_windowCombo->setCurrentIndex(index);
    if (m_following) {
        refresh();
    } else { // paused: keep the centre
        const std::int64_t centre_ns = m_from_ns + (m_to_ns - m_from_ns) / 2;
        const std::int64_t half_ns = toNs(m_window_s / 2.0);
        setRange(centre_ns - half_ns, centre_ns + half_ns);
        updateContent();
    }
}

void LiveGraphWidget::setFollowing(bool following)
{
    const bool changed = following != m_following;
    m_following = following;
    {
        const QSignalBlocker blocker(m_followButton);
        m_followButton->setChecked(following);
    }
    m_followButton->setText(following ? tr("Pause") : tr("Follow"));
    m_followButton->setToolTip(following ? tr("Stop scrolling (data keeps arriving)")
                                         : tr("Scroll with the incoming data (or double-click the graph)"));
    if (changed) {
        emit followingChanged(following);
        refresh();
    }
}

void LiveGraphWidget::jumpTo(std::int64_t t_ns)
{
    setFollowing(false);
    const std::int64_t half_ns = (m_to_ns - m_from_ns) / 2;
    setRange(t_ns - half_ns, t_ns + half_ns);
    updateContent();
}

void LiveGraphWidget::setScale(Scale scale)
{
    m_scale = scale;
    m_scaleCombo->setCurrentIndex(m_scaleCombo->findData(static_cast<int>(scale)));
    m_fitPending = true;
    updateContent();
}

double LiveGraphWidget::valueCoord(std::size_t index, double frames) const
{
    if (index >= m_series.size() || m_series[index].strip < 0)
        return frames;
    // a strip is one unit high, the top one highest; its data keeps clear of its edges
    constexpr double kMargin = 0.1;
    const Series& s = m_series[index];
    return static_cast<double>(m_strips - 1 - s.strip) + kMargin + (1.0 - 2.0 * kMargin) * frames / s.stripFrames;
}

void LiveGraphWidget::fitFramesAxis()
{
    if (m_strips > 0) { // every strip fits its own
        m_plot->yAxis->setRange(0.0, m_strips);
        m_fitPending = false;
        m_plot->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const auto [low, high] = framesExtent();
    if (high < low)
        return;
    m_plot->yAxis->setRange(std::floor(low) - 0.5, std::ceil(high) + 0.5);
    m_fitPending = false;
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LiveGraphWidget::setTimeAxisLabel(const QString& label)
{
    if (m_plot->xAxis->label() == label)
        return;
    m_plot->xAxis->setLabel(label);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LiveGraphWidget::refresh()
{
    if (!isVisible())
        return;
    if (m_following && m_source) {
        // until a full window has passed, the data grows from the left edge
        const std::int64_t window_ns = toNs(m_window_s);
        const std::int64_t to_ns = std::max(m_source->now_ns(), window_ns);
        setRange(to_ns - window_ns, to_ns);
    }
    updateContent();
}

void LiveGraphWidget::setRange(std::int64_t from_ns, std::int64_t to_ns)
{
    if (to_ns <= from_ns)
        to_ns = from_ns + 1;
    const bool changed = from_ns != m_from_ns || to_ns != m_to_ns;
    m_from_ns = from_ns;
    m_to_ns = to_ns;
    m_settingRange = true;
    m_plot->xAxis->setRange(toSeconds(from_ns), toSeconds(to_ns));
    m_settingRange = false;
    updateTimeTicker();
    if (changed)
        emit timeRangeChanged(m_from_ns, m_to_ns);
}

void LiveGraphWidget::onUserRangeChanged(const QCPRange& range)
{
    if (m_settingRange)
        return;
    // a drag or a wheel zoom: the user looks at something, so stop scrolling it away
    double lower = range.lower;
    double upper = range.upper;
    if (upper - lower < kMinSpan_s || upper - lower > kMaxSpan_s) {
        const double centre = (lower + upper) / 2.0;
        const double half = std::clamp(upper - lower, kMinSpan_s, kMaxSpan_s) / 2.0;
        lower = centre - half;
        upper = centre + half;
    }
    setFollowing(false);
    setRange(toNs(lower), toNs(upper));
    updateContent();
}

void LiveGraphWidget::updateContent()
{
    m_pointCount = 0;
    // one column per pixel of the axis rect, on a grid from t = 0 so that scrolling keeps the columns
    const int width = m_plot->axisRect()->width() > 1 ? m_plot->axisRect()->width() : m_plot->width();
    const std::int64_t columns = std::max(width, 1);
    m_columnWidth_ns = std::max<std::int64_t>((m_to_ns - m_from_ns + columns - 1) / columns, 1);
    m_firstColumn = floorDiv(m_from_ns, m_columnWidth_ns);
    m_endColumn = floorDiv(m_to_ns - 1, m_columnWidth_ns) + 1;
    // in strips when more than one series is shown, each in its own, top to bottom
    const int wasStrips = m_strips;
    const auto visible = std::count_if(m_series.begin(), m_series.end(), [](const Series& s) { return s.visible; });
    m_strips = m_scale == Scale::Strips && visible > 1 ? static_cast<int>(visible) : 0;
    int strip = 0;
    for (Series& s : m_series)
        s.strip = m_strips > 0 && s.visible ? strip++ : -1;
    if (m_strips != wasStrips)
        m_fitPending = true;
    for (Series& s : m_series) {
        if (s.visible) {
            updateSeriesData(s);
        } else {
            s.columns.clear();
            s.allocated->data()->clear();
            s.capacity->data()->clear();
        }
    }
    updateShades();
    updateMarks();
    updateStrips();
    if (m_fitPending) {
        const auto [low, high] = framesExtent();
        if (low <= high || m_strips > 0) {
            fitFramesAxis();
            m_fitPending = false;
        }
    }
    growFramesAxis();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LiveGraphWidget::readColumns(Series& series, std::int64_t first, std::int64_t end, std::int64_t now_ns)
{
    // grid columns [first, end) into m_nextCache, which starts at m_firstColumn
    m_read.clear();
    if (m_source)
        m_source->decimate(series.spec.series, first * m_columnWidth_ns, end * m_columnWidth_ns,
                           static_cast<std::size_t>(end - first), m_read, SampleHistory::Precision::Pixel);
    for (std::int64_t k = first; k < end; ++k) {
        CachedColumn& column = m_nextCache[static_cast<std::size_t>(k - m_firstColumn)];
        column = CachedColumn{};
        column.read = true;
        column.settled = (k + 1) * m_columnWidth_ns <= now_ns - kSettle_ns;
    }
    for (const ColumnSummary& summary : m_read) {
        const std::int64_t k =
            first + (summary.t_ns - first * m_columnWidth_ns + m_columnWidth_ns / 2) / m_columnWidth_ns;
        CachedColumn& column = m_nextCache[static_cast<std::size_t>(k - m_firstColumn)];
        column.summary = summary;
        column.filled = true;
    }
}

void LiveGraphWidget::updateSeriesData(Series& series)
{
    const std::int64_t now_ns = m_source ? m_source->now_ns() : 0;
    const auto count = static_cast<std::size_t>(m_endColumn - m_firstColumn);
    m_nextCache.assign(count, CachedColumn{});
    if (series.cacheWidth_ns == m_columnWidth_ns) { // settled columns are kept
        const std::int64_t overlapFirst = std::max(m_firstColumn, series.cacheFirst);
        const std::int64_t overlapEnd =
            std::min(m_endColumn, series.cacheFirst + static_cast<std::int64_t>(series.cache.size()));
        for (std::int64_t k = overlapFirst; k < overlapEnd; ++k) {
            const CachedColumn& cached = series.cache[static_cast<std::size_t>(k - series.cacheFirst)];
            if (cached.settled) {
                CachedColumn& column = m_nextCache[static_cast<std::size_t>(k - m_firstColumn)];
                column = cached;
                column.read = false;
            }
        }
    }
    // every run of columns not settled is read in one call
    for (std::int64_t k = m_firstColumn; k < m_endColumn;) {
        if (m_nextCache[static_cast<std::size_t>(k - m_firstColumn)].settled) {
            ++k;
            continue;
        }
        std::int64_t runEnd = k + 1;
        while (runEnd < m_endColumn && !m_nextCache[static_cast<std::size_t>(runEnd - m_firstColumn)].settled)
            ++runEnd;
        readColumns(series, k, runEnd, now_ns);
        k = runEnd;
    }
    // A bounded history loses its oldest samples: the first kept column with samples is read again, and
    // the next while it comes back empty.
    for (std::int64_t k = m_firstColumn; k < m_endColumn; ++k) {
        const CachedColumn& column = m_nextCache[static_cast<std::size_t>(k - m_firstColumn)];
        if (!column.filled)
            continue;
        if (column.read)
            break;
        readColumns(series, k, k + 1, now_ns);
        if (m_nextCache[static_cast<std::size_t>(k - m_firstColumn)].filled)
            break;
    }
    series.cache.swap(m_nextCache);
    series.cacheFirst = m_firstColumn;
    series.cacheWidth_ns = m_columnWidth_ns;

    series.columns.clear();
    for (const CachedColumn& column : series.cache)
        if (column.filled)
            series.columns.push_back(column.summary);
    const std::vector<ColumnSummary>& cols = series.columns;

    // A column further from the previous one than the usual spacing is a gap in the sampling (the
    // monitor paused, a device gone): the line breaks there instead of holding the last value.
    std::int64_t gap_ns = 3 * m_columnWidth_ns;
    if (cols.size() > 2) {
        std::vector<std::int64_t> spacing(cols.size() - 1);
        for (std::size_t i = 1; i < cols.size(); ++i)
            spacing[i - 1] = cols[i].t_ns - cols[i - 1].t_ns;
        const auto middle = spacing.begin() + static_cast<std::ptrdiff_t>(spacing.size() / 2);
        std::nth_element(spacing.begin(), middle, spacing.end());
        gap_ns = std::max(gap_ns, 4 * *middle);
    }
    series.gap_ns = gap_ns;

    // a strip's height stands for the most frames in view (its capacity, or more taken than that)
    series.stripFrames = 1.0;
    for (const ColumnSummary& c : cols)
        series.stripFrames =
            std::max({series.stripFrames, static_cast<double>(c.maxFrames), static_cast<double>(c.maxAllocated)});
    const auto index = static_cast<std::size_t>(&series - m_series.data());
    const auto y = [this, index](double frames) { return valueCoord(index, frames); };

    constexpr double kBreak = std::numeric_limits<double>::quiet_NaN();
    QVector<QCPGraphData> allocated;
    QVector<QCPGraphData> capacity;
    allocated.reserve(static_cast<qsizetype>(cols.size()) * 4 + 8);
    capacity.reserve(static_cast<qsizetype>(cols.size()) + 8);
    for (std::size_t i = 0; i < cols.size(); ++i) {
        const ColumnSummary& c = cols[i];
        const double key = toSeconds(c.t_ns);
        if (i > 0 && c.t_ns - cols[i - 1].t_ns > gap_ns) {
            const double gapKey = (toSeconds(cols[i - 1].t_ns) + key) / 2.0;
            allocated.append(QCPGraphData(gapKey, kBreak));
            capacity.append(QCPGraphData(gapKey, kBreak));
        }
        // first, min, max, last at one key: the column becomes a vertical stroke over its range; the
        // extreme nearer the first value comes first, so that the stroke retraces as little as possible
        const auto distance = [](std::uint32_t a, std::uint32_t b) { return a > b ? a - b : b - a; };
        const bool minFirst = distance(c.firstAllocated, c.minAllocated) + distance(c.maxAllocated, c.lastAllocated) <=
                              distance(c.firstAllocated, c.maxAllocated) + distance(c.minAllocated, c.lastAllocated);
        const std::array<std::uint32_t, 4> values{c.firstAllocated, minFirst ? c.minAllocated : c.maxAllocated,
                                                  minFirst ? c.maxAllocated : c.minAllocated, c.lastAllocated};
        double previous = -1.0;
        for (const std::uint32_t value : values) {
            const auto v = static_cast<double>(value);
            if (v != previous)
                allocated.append(QCPGraphData(key, y(v)));
            previous = v;
        }
        // the capacity rarely changes: a point where it does, at the ends and around gaps
        const double frames = y(static_cast<double>(c.maxFrames));
        const bool afterGap = capacity.isEmpty() || std::isnan(capacity.constLast().value);
        if (afterGap || capacity.constLast().value != frames || i + 1 == cols.size() ||
            cols[i + 1].t_ns - c.t_ns > gap_ns)
            capacity.append(QCPGraphData(key, frames));
    }
    m_pointCount += static_cast<int>(allocated.size() + capacity.size());
    series.allocated->data()->set(allocated, true);
    series.capacity->data()->set(capacity, true);
}

void LiveGraphWidget::updateShades()
{
    // each series' episodes, shading its own strip (or the whole height on the shared axis)
    m_intervals.clear();
    std::vector<std::pair<double, double>> heights; // of each interval: top and bottom, axis rect ratio
    if (m_source)
        for (const Series& s : m_series) {
            if (!s.visible)
                continue;
            m_source->starvationIntervals(s.spec.series, m_from_ns, m_to_ns, m_intervals);
            const double top = s.strip < 0 ? 0.0 : static_cast<double>(s.strip) / m_strips;
            const double bottom = s.strip < 0 ? 1.0 : static_cast<double>(s.strip + 1) / m_strips;
            heights.resize(m_intervals.size(), {top, bottom});
        }
    const std::int64_t now_ns = m_source ? m_source->now_ns() : m_to_ns;
    const QColor fill = [this] {
        QColor c = warningColor(palette());
        c.setAlpha(isDarkPalette(palette()) ? 70 : 55);
        return c;
    }();
    std::size_t shown = 0;
    for (std::size_t i = 0; i < m_intervals.size(); ++i) {
        const StarvationInterval& interval = m_intervals[i];
        const std::int64_t begin_ns = std::max(interval.begin_ns, m_from_ns);
        const std::int64_t end_ns = std::min(interval.end_ns < 0 ? now_ns : interval.end_ns, m_to_ns);
        if (end_ns < begin_ns)
            continue;
        if (shown == m_shades.size()) {
            auto* rect = new QCPItemRect(m_plot);
            rect->setLayer(QStringLiteral("shading"));
            rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
            rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
            rect->setPen(Qt::NoPen);
            rect->setSelectable(false);
            m_shades.push_back(rect);
        }
        QCPItemRect* rect = m_shades[shown++];
        rect->setBrush(fill);
        // at least a pixel wide, so that a short episode in a long window stays visible
        const double minWidth_s = toSeconds(m_columnWidth_ns);
        const double left = toSeconds(begin_ns);
        rect->topLeft->setCoords(left, heights[i].first);
        rect->bottomRight->setCoords(std::max(toSeconds(end_ns), left + minWidth_s), heights[i].second);
        rect->setVisible(true);
    }
    for (std::size_t i = shown; i < m_shades.size(); ++i)
        m_shades[i]->setVisible(false);
    m_shownShades = static_cast<int>(shown);
}

void LiveGraphWidget::updateStrips()
{
    if (m_strips == 0) {
        if (!m_plot->yAxis->ticker().dynamicCast<FramesTicker>())
            m_plot->yAxis->setTicker(QSharedPointer<FramesTicker>::create());
        m_plot->yAxis->setLabel(tr("frames"));
        for (Series& s : m_series)
            s.label->setVisible(false);
        return;
    }
    // each strip's scale on the value axis: 0 and the frames its height stands for; a line between strips
    auto ticker = m_plot->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
    if (!ticker) {
        ticker = QSharedPointer<QCPAxisTickerText>::create();
        m_plot->yAxis->setTicker(ticker);
    }
    ticker->clear();
    m_plot->yAxis->setLabel(tr("frames, each strip to its own scale"));
    const int stripHeight_px = m_plot->axisRect()->height() / m_strips;
    const int lineHeight_px = QFontMetrics(m_plot->font()).height();
    for (std::size_t i = 0; i < m_series.size(); ++i) {
        Series& s = m_series[i];
        s.label->setVisible(s.strip >= 0 && stripHeight_px >= 2 * lineHeight_px);
        if (s.strip < 0)
            continue;
        // the strip's 0 (its line separates it from the next; labelled where there is room for both numbers)
        ticker->addTick(valueCoord(i, 0.0), stripHeight_px >= 3 * lineHeight_px ? QStringLiteral("0") : QString());
        if (stripHeight_px >= 2 * lineHeight_px)
            ticker->addTick(valueCoord(i, s.stripFrames), QString::number(std::lround(s.stripFrames)));
        s.label->position->setCoords(0.005, static_cast<double>(m_strips - s.strip) - 0.02);
    }
}

bool LiveGraphWidget::matchesShownSeries(const MonitorEvent& event) const
{
    // an allocator's own events, and those of the filter it belongs to ("sim:cam" for "sim:cam/out/allocator")
    return std::any_of(m_series.begin(), m_series.end(), [&event](const Series& s) {
        const bool own = s.id == event.id;
        const bool filter = s.id.size() > event.id.size() && s.id.compare(0, event.id.size(), event.id) == 0 &&
                            s.id[event.id.size()] == '/';
        return s.visible && (own || filter);
    });
}

void LiveGraphWidget::updateMarks()
{
    const auto byTime = [](const MonitorEvent& e, std::int64_t t) { return e.t_ns < t; };
    auto first = std::lower_bound(m_events.begin(), m_events.end(), m_from_ns, byTime);
    const auto last = std::lower_bound(first, m_events.end(), m_to_ns + 1, byTime);
    // past kMaxMarks in view, the latest are shown
    if (last - first > kMaxMarks)
        first = last - kMaxMarks;
    m_markTips.clear();
    std::size_t shown = 0;
    std::size_t labelled = 0;
    double lastLabelPixel = -std::numeric_limits<double>::infinity();
    for (auto it = first; it != last; ++it) {
        const MonitorEvent& event = *it;
        if (!matchesShownSeries(event))
            continue;
        if (shown == m_marks.size()) {
            auto* mark = new QCPItemStraightLine(m_plot);
            mark->setLayer(QStringLiteral("marks"));
            mark->point1->setTypeY(QCPItemPosition::ptAxisRectRatio);
            mark->point2->setTypeY(QCPItemPosition::ptAxisRectRatio);
            mark->setSelectable(false);
            m_marks.push_back(mark);
        }
        const QColor color = eventKindColor(event.kind, palette());
        const double key = toSeconds(event.t_ns);
        QCPItemStraightLine* mark = m_marks[shown++];
        mark->point1->setCoords(key, 0.0);
        mark->point2->setCoords(key, 1.0);
        mark->setPen(QPen(color, 1.2, Qt::SolidLine));
        mark->setVisible(true);
        const QString kind = QString::fromUtf8(eventKindName(event.kind));
        m_markTips.push_back(QStringLiteral("%1  %2  %3\n%4")
                                 .arg(formatSessionTime(key, TimePrecision::Milliseconds), kind,
                                      QString::fromStdString(event.id), QString::fromStdString(event.message)));

        // a short label at the top, unless it would overlap the previous one
        const double pixel = m_plot->xAxis->coordToPixel(key);
        if (pixel - lastLabelPixel < kMarkLabelSpacingPixels)
            continue;
        lastLabelPixel = pixel;
        if (labelled == m_markLabels.size()) {
            auto* label = new QCPItemText(m_plot);
            label->setLayer(QStringLiteral("marks"));
            label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
            label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
            label->setPadding(QMargins(3, 1, 3, 1));
            label->setSelectable(false);
            label->setClipToAxisRect(true);
            m_markLabels.push_back(label);
        }
        QCPItemText* label = m_markLabels[labelled++];
        label->position->setCoords(key, 0.0);
        label->setText(kind);
        label->setColor(color);
        QColor background = palette().color(QPalette::Base); // readable over the lines
        background.setAlpha(220);
        label->setBrush(background);
        QFont font = m_plot->font();
        font.setPointSizeF(font.pointSizeF() * 0.85);
        label->setFont(font);
        label->setVisible(true);
    }
    for (std::size_t i = shown; i < m_marks.size(); ++i)
        m_marks[i]->setVisible(false);
    for (std::size_t i = labelled; i < m_markLabels.size(); ++i)
        m_markLabels[i]->setVisible(false);
    m_shownMarks = static_cast<int>(shown);
}

void LiveGraphWidget::updateTimeTicker()
{
    auto ticker = m_plot->xAxis->ticker().dynamicCast<QCPAxisTickerTime>();
    if (!ticker)
        return;
    const double span_s = toSeconds(m_to_ns - m_from_ns);
    const double end_s = std::max(std::fabs(toSeconds(m_to_ns)), std::fabs(toSeconds(m_from_ns)));
    QString format = end_s >= 3600.0 ? QStringLiteral("%h:%m:%s") : QStringLiteral("%m:%s");
    if (span_s < 5.0)
        format += QStringLiteral(".%z");
    if (ticker->timeFormat() != format)
        ticker->setTimeFormat(format);
}

std::pair<double, double> LiveGraphWidget::framesExtent() const
{
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    for (const Series& s : m_series) {
        for (const ColumnSummary& c : s.columns) { // hidden series have none
            low = std::min({low, static_cast<double>(c.minAllocated), static_cast<double>(c.maxFrames)});
            high = std::max({high, static_cast<double>(c.maxAllocated), static_cast<double>(c.maxFrames)});
        }
    }
    return {low, high};
}

void LiveGraphWidget::growFramesAxis()
{
    // new data never goes off the top or bottom; Fit tightens the range again
    if (m_strips > 0) {
        m_plot->yAxis->setRange(0.0, m_strips);
        return;
    }
    const auto [low, high] = framesExtent();
    if (high < low)
        return;
    const QCPRange range = m_plot->yAxis->range();
    if (low - 0.5 < range.lower || high + 0.5 > range.upper)
        m_plot->yAxis->setRange(std::min(range.lower, std::floor(low) - 0.5),
                                std::max(range.upper, std::ceil(high) + 0.5));
}

void LiveGraphWidget::updateLegendNames()
{
    for (Series& s : m_series) {
        QString name = s.spec.label;
        if (s.fps >= 0.0 && std::isfinite(s.fps))
            name += QStringLiteral("  %1 fps").arg(s.fps, 0, 'f', s.fps < 100.0 ? 2 : 1);
        s.allocated->setName(name);
    }
    // no replot: the next refresh shows them (frame rates change many times a second)
}

void LiveGraphWidget::applyPalette()
{
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::WindowText);
    QColor grid = pal.color(QPalette::WindowText);
    grid.setAlpha(40);
    m_plot->setBackground(pal.color(QPalette::Window));
    m_plot->axisRect()->setBackground(pal.color(QPalette::Base));
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis, m_plot->xAxis2, m_plot->yAxis2}) {
        axis->setBasePen(QPen(text, 1));
        axis->setTickPen(QPen(text, 1));
        axis->setSubTickPen(QPen(text, 1));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::SolidLine));
        axis->grid()->setZeroLinePen(Qt::NoPen);
    }
    m_plot->legend->setBrush(pal.color(QPalette::Window));
    m_plot->legend->setBorderPen(Qt::NoPen);
    m_plot->legend->setTextColor(text);
    for (int i = 0; i < m_plot->legend->itemCount(); ++i)
        if (QCPAbstractLegendItem* item = m_plot->legend->item(i)) // a wrapped grid has empty cells
            item->setTextColor(text);

    for (std::size_t i = 0; i < m_series.size(); ++i) {
        if (!m_series[i].visible)
            m_plot->legend->itemWithPlottable(m_series[i].allocated)
                ->setTextColor(pal.color(QPalette::Disabled, QPalette::WindowText));
        const QColor color = seriesColor(static_cast<int>(i), pal);
        // One pixel, which QCustomPlot draws as a cosmetic pen: a dense history is a polyline of thousands
        // of vertical strokes, and a wider pen (antialiased or not) goes through the stroker, 3 to 2000
        // times slower. The lines are horizontal and vertical: antialiasing would only blur them.
        m_series[i].allocated->setPen(QPen(color, 1.0));
        m_series[i].capacity->setPen(QPen(color, 1.0, Qt::DashLine));
        m_series[i].label->setColor(color);
        QColor labelBackground = pal.color(QPalette::Base);
        labelBackground.setAlpha(200);
        m_series[i].label->setBrush(labelBackground);
    }
    m_capacityLegend->setPen(QPen(text, 1.2, Qt::DashLine));
    QColor shade = warningColor(pal);
    shade.setAlpha(isDarkPalette(pal) ? 70 : 55);
    m_starvationLegend->setPen(Qt::NoPen);
    m_starvationLegend->setBrush(shade);

    QColor cursor = text;
    cursor.setAlpha(140);
    m_cursor->setPen(QPen(cursor, 1, Qt::DashLine));
    m_readout->setColor(pal.color(QPalette::ToolTipText));
    m_readout->setBrush(pal.color(QPalette::ToolTipBase));
    m_readout->setPen(QPen(pal.color(QPalette::Mid)));
    for (QCPItemRect* rect : m_shades)
        rect->setBrush(shade);
    updateMarks(); // marks take their colours when placed
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString LiveGraphWidget::readoutAt(double time_s) const
{
    const std::int64_t t_ns = toNs(time_s);
    QString text = formatSessionTime(time_s, toSeconds(m_to_ns - m_from_ns) < 60.0 ? TimePrecision::Milliseconds
                                                                                   : TimePrecision::Seconds);
    for (const Series& s : m_series) {
        if (!s.visible)
            continue;
        // the column that holds t, else the one before it while the line holds its value
        const auto next = std::upper_bound(s.columns.begin(), s.columns.end(), t_ns,
                                           [](std::int64_t t, const ColumnSummary& c) { return t < c.t_ns; });
        QString value = QStringLiteral("–");
        if (next != s.columns.begin()) {
            const ColumnSummary& c = *(next - 1);
            if (t_ns - c.t_ns < m_columnWidth_ns) {
                value = c.minAllocated == c.maxAllocated
                            ? QString::number(c.maxAllocated)
                            : QStringLiteral("%1–%2").arg(c.minAllocated).arg(c.maxAllocated);
                value += QStringLiteral(" of %1").arg(c.maxFrames);
            } else if (t_ns - c.t_ns < s.gap_ns && next != s.columns.end()) {
                value = QStringLiteral("%1 of %2").arg(c.lastAllocated).arg(c.maxFrames);
            }
        }
        text += QStringLiteral("\n%1: %2").arg(s.spec.label, value);
    }
    return text;
}

void LiveGraphWidget::onMouseMove(QMouseEvent* event)
{
    const QPointF pos = event->position();
    if (!m_plot->axisRect()->rect().contains(pos.toPoint())) {
        hideCursor();
        return;
    }
    const double key = m_plot->xAxis->pixelToCoord(pos.x());
    m_cursor->point1->setCoords(key, 0.0);
    m_cursor->point2->setCoords(key, 1.0);
    m_cursor->setVisible(true);
    m_readout->setText(readoutAt(key));
    // the box goes on the side of the cursor with more room
    const bool leftHalf = pos.x() < m_plot->axisRect()->center().x();
    m_readout->setPositionAlignment((leftHalf ? Qt::AlignLeft : Qt::AlignRight) | Qt::AlignTop);
    m_readout->position->setCoords(m_plot->xAxis->pixelToCoord(pos.x() + (leftHalf ? 8.0 : -8.0)), 0.12);
    m_readout->setVisible(true);
    m_plot->layer(QStringLiteral("overlay"))->replot();

    // the tooltip of an event mark under the mouse
    QString tip;
    for (std::size_t i = 0; i < m_markTips.size(); ++i) {
        const double markPixel = m_plot->xAxis->coordToPixel(m_marks[i]->point1->key());
        if (std::fabs(markPixel - pos.x()) <= kMarkHitPixels) {
            tip = m_markTips[i];
            break;
        }
    }
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), tip, m_plot);
}

void LiveGraphWidget::hideCursor()
{
    if (!m_cursor->visible())
        return;
    m_cursor->setVisible(false);
    m_readout->setVisible(false);
    m_plot->layer(QStringLiteral("overlay"))->replot();
}

void LiveGraphWidget::onLegendClick(QCPAbstractLegendItem* item)
{
    auto* entry = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!entry)
        return;
    for (Series& s : m_series) {
        if (entry->plottable() != s.allocated)
            continue;
        s.visible = !s.visible;
        s.allocated->setVisible(s.visible);
        s.capacity->setVisible(s.visible);
        entry->setTextColor(palette().color(s.visible ? QPalette::Active : QPalette::Disabled, QPalette::WindowText));
        updateContent();
        return;
    }
}

void LiveGraphWidget::onAfterReplot()
{
    const QRect axisRect = m_plot->axisRect()->rect();
    const int left_px = m_plot->mapTo(this, axisRect.topLeft()).x();
    const int right_px = width() - 1 - m_plot->mapTo(this, axisRect.topRight()).x();
    if (left_px == m_axisLeft_px && right_px == m_axisRight_px)
        return;
    m_axisLeft_px = left_px;
    m_axisRight_px = right_px;
    emit timeAxisMarginsChanged(left_px, right_px);
}

bool LiveGraphWidget::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_plot && event->type() == QEvent::Leave)
        hideCursor();
    return QWidget::eventFilter(watched, event);
}

void LiveGraphWidget::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange)
        applyPalette();
    QWidget::changeEvent(event);
}

void LiveGraphWidget::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    refresh(); // hidden, refreshes were skipped
}

} // namespace ksscope::ui
