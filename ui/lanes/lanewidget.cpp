// SPDX-License-Identifier: GPL-3.0-or-later
#include "lanewidget.h"

#include "colors.h"
#include "ksscope/frames.h"
#include "seriessource.h"
#include "timeformat.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <array>
#include <cmath>

namespace ksscope::ui {

namespace {

constexpr int kMargin = 6;
constexpr int kMaxLaneStep = 22;
constexpr int kMinLaneStep = 3;
constexpr int kSwatch = 12;
constexpr double kNsPerSecond = 1e9;
constexpr std::array kStates{BufferState::Free, BufferState::Producer, BufferState::Waiting, BufferState::Consumer};
constexpr int kUnknown = -1; // no reading: before the first change or after the last reading

double toSeconds(std::int64_t t_ns)
{
    return static_cast<double>(t_ns) / kNsPerSecond;
}

// Index of the change in force at t (the last one at or before it), or -1 before the first.
std::ptrdiff_t changeAt(const std::vector<LaneChange>& changes, std::int64_t t_ns)
{
    const auto next = std::upper_bound(changes.begin(), changes.end(), t_ns,
                                       [](std::int64_t t, const LaneChange& c) { return t < c.t_ns; });
    return (next - changes.begin()) - 1;
}

} // namespace

LaneWidget::LaneWidget(QWidget* parent) : QWidget(parent)
{
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

LaneWidget::~LaneWidget() = default;

QString LaneWidget::stateName(BufferState state)
{
    switch (state) {
    case BufferState::Free:
        return tr("free");
    case BufferState::Producer:
        return tr("in use by producer");
    case BufferState::Waiting:
        return tr("filled, waiting");
    case BufferState::Consumer:
        return tr("held by consumer");
    }
    return {};
}

void LaneWidget::setSource(const SeriesSource* source)
{
    m_source = source;
    refresh();
}

void LaneWidget::setAllocatorLabel(const QString& label)
{
    m_label = label;
    update();
}

void LaneWidget::setHolderLookup(std::function<ProcessInfo(std::int32_t)> lookup)
{
    m_holderLookup = std::move(lookup);
    m_holderNames.clear();
}

void LaneWidget::setTimeRange(std::int64_t from_ns, std::int64_t to_ns)
{
    m_from_ns = from_ns;
    m_to_ns = std::max(to_ns, from_ns + 1);
    refresh();
}

void LaneWidget::setTimeAxisMargins(int left_px, int right_px)
{
    m_axisLeft_px = left_px;
    m_axisRight_px = right_px;
    update();
}

void LaneWidget::refresh()
{
    if (!isVisible())
        return;
    const int lanes = laneCount();
    if (m_source) {
        m_source->lanes(m_from_ns, m_to_ns, m_lanes);
    } else {
        m_lanes = Lanes{};
        m_lanes.allocator = Lanes::kNone;
    }
    findStuckFrames();
    if (laneCount() != lanes)
        updateGeometry(); // the size hint follows the number of frames
    update();
}

void LaneWidget::findStuckFrames()
{
    m_stuck.clear();
    if (!placeholderText().isEmpty())
        return;
    for (std::size_t frame = 0; frame < m_lanes.buffers.size(); ++frame) {
        const auto& changes = m_lanes.buffers[frame];
        for (std::size_t i = 0; i < changes.size(); ++i) {
            // a free frame may idle for ever; only a held one is stuck
            if (changes[i].state == BufferState::Free)
                continue;
            // the changes end with the range: the last state is known to last until its end only
            const std::int64_t end_ns =
                i + 1 < changes.size() ? changes[i + 1].t_ns : std::min(m_to_ns, m_lanes.lastSeen_ns);
            if (end_ns < m_from_ns || changes[i].t_ns > m_to_ns)
                continue; // not in view
            if (end_ns - changes[i].t_ns > kStuck_ns) {
                m_stuck.append(static_cast<int>(frame));
                break;
            }
        }
    }
}

QString LaneWidget::placeholderText() const
{
    if (m_lanes.allocator == Lanes::kNone)
        return tr("Select an allocator to see the state of each of its frames");
    if (!m_lanes.supported)
        return tr("This backend does not report per-buffer states");
    if (m_lanes.buffers.empty())
        return tr("Waiting for the first per-buffer reading…");
    return {};
}

LaneWidget::Geometry LaneWidget::geometry() const
{
    const QFontMetrics fm = fontMetrics();
    Geometry g;
    g.title = QRect(kMargin, kMargin, width() - 2 * kMargin, fm.height() + 6);
    g.legend = g.title.translated(0, g.title.height());
    const int gutter = fm.horizontalAdvance(laneCount() > 100 ? QStringLiteral("#000") : QStringLiteral("#00")) + 16;
    const int axisHeight = fm.height() + 6;
    const int top = g.legend.bottom() + 1 + 4;
    const int available = height() - top - axisHeight - kMargin;
    const int n = std::max(laneCount(), 1);
    g.laneStep = std::clamp(available / n, kMinLaneStep, kMaxLaneStep);
    g.laneHeight = g.laneStep - (g.laneStep >= 8 ? 2 : (g.laneStep >= 5 ? 1 : 0));
    const int lanesHeight = std::min(n * g.laneStep, std::max(available, 0));
    // lined up with the graph when it says where its axis is, as long as the lane labels still fit
    const int left = m_axisLeft_px >= 0 ? std::max(m_axisLeft_px, kMargin + gutter) : kMargin + gutter;
    const int right = m_axisRight_px >= 0 ? m_axisRight_px : kMargin + 4;
    g.lanes = QRect(left, top, std::max(width() - left - right, 1), lanesHeight);
    g.axis = QRect(g.lanes.left(), g.lanes.bottom() + 1, g.lanes.width(), axisHeight);
    return g;
}

double LaneWidget::timeAt(const Geometry& g, double x) const
{
    const double fraction = (x - g.lanes.left()) / static_cast<double>(g.lanes.width());
    return static_cast<double>(m_from_ns) + fraction * static_cast<double>(m_to_ns - m_from_ns);
}

QSize LaneWidget::sizeHint() const
{
    const QFontMetrics fm = fontMetrics();
    const int lanes = std::clamp(laneCount(), 2, 16);
    return {600, 2 * kMargin + 3 * (fm.height() + 6) + 4 + lanes * 18};
}

QSize LaneWidget::minimumSizeHint() const
{
    const QFontMetrics fm = fontMetrics();
    return {200, 2 * kMargin + 3 * (fm.height() + 6) + 4 + 2 * 10};
}

void LaneWidget::paintEvent(QPaintEvent* /*event*/)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Window));
    const Geometry g = geometry();
    paintTitle(painter, g);
    const QString placeholder = placeholderText();
    if (!placeholder.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        const QRect area = rect().adjusted(kMargin, g.legend.bottom() + 1, -kMargin, -kMargin);
        painter.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, placeholder);
        return;
    }
    paintLanes(painter, g);
    paintAxis(painter, g);
}

void LaneWidget::setFollowed(bool followed, double rateHz)
{
    if (followed == m_followed && rateHz == m_rateHz)
        return;
    m_followed = followed;
    m_rateHz = rateHz;
    update();
}

QString LaneWidget::titleText() const
{
    if (m_label.isEmpty())
        return tr("Frame states");
    if (m_followed)
        return tr("Frame states of %1 - exact: every buffer move followed").arg(m_label);
    if (m_rateHz > 0)
        return tr("Frame states of %1 - sampled at %2 Hz: moves shorter than %3 ms are missed")
            .arg(m_label)
            .arg(m_rateHz, 0, 'g', 4)
            .arg(1000.0 / m_rateHz, 0, 'g', 3);
    return tr("Frame states of %1").arg(m_label);
}

void LaneWidget::paintTitle(QPainter& painter, const Geometry& g) const
{
    const QPalette pal = palette();
    QFont bold = font();
    bold.setBold(true);
    painter.setFont(bold);
    painter.setPen(pal.color(QPalette::WindowText));
    const QString title = titleText();
    painter.drawText(g.title, Qt::AlignLeft | Qt::AlignVCenter,
                     QFontMetrics(bold).elidedText(title, Qt::ElideMiddle, g.title.width()));
    painter.setFont(font());

    // the legend, on its own row
    const QFontMetrics fm = fontMetrics();
    int x = g.legend.left();
    for (const BufferState state : kStates) {
        const QString name = stateName(state);
        const QRect swatch(x, g.legend.center().y() - kSwatch / 2, kSwatch, kSwatch);
        painter.fillRect(swatch, bufferStateColor(state, pal));
        painter.setPen(pal.color(QPalette::Mid));
        painter.drawRect(swatch.adjusted(0, 0, -1, -1));
        x += kSwatch + 4;
        painter.setPen(pal.color(QPalette::WindowText));
        painter.drawText(QRect(x, g.legend.top(), fm.horizontalAdvance(name), g.legend.height()),
                         Qt::AlignLeft | Qt::AlignVCenter, name);
        x += fm.horizontalAdvance(name) + 14;
    }
}

void LaneWidget::paintLanes(QPainter& painter, const Geometry& g) const
{
    const QPalette pal = palette();
    const QFontMetrics fm = fontMetrics();
    const int columns = g.lanes.width();
    const double columnWidth_ns = static_cast<double>(m_to_ns - m_from_ns) / columns;
    const std::int64_t known_ns = std::min(m_to_ns, m_lanes.lastSeen_ns); // no state is known after it
    QColor hatch = pal.color(QPalette::WindowText);
    hatch.setAlpha(60);
    const QBrush unknown(hatch, Qt::BDiagPattern); // no reading: clearly not "free"
    // labels of every lane when they fit, else of every k-th
    const int labelEvery = std::max(1, (fm.height() + g.laneStep - 1) / std::max(g.laneStep, 1));

    painter.save();
    painter.setClipRect(g.lanes.adjusted(-g.lanes.left(), 0, 0, 0));
    for (int lane = 0; lane < laneCount(); ++lane) {
        const int y = g.lanes.top() + lane * g.laneStep;
        if (y + g.laneHeight > g.lanes.bottom() + 1)
            break;
        const QRect laneRect(g.lanes.left(), y, g.lanes.width(), g.laneHeight);
        painter.fillRect(laneRect, unknown);

        // One pass over columns and changes together: each column takes the state that filled most
        // of it, and runs of equal columns become one rectangle.
        const auto& changes = m_lanes.buffers[static_cast<std::size_t>(lane)];
        std::size_t k = 0;
        int runStart = 0;
        int runState = kUnknown;
        const auto flush = [&](int end) {
            if (runState != kUnknown && end > runStart)
                painter.fillRect(QRect(g.lanes.left() + runStart, y, end - runStart, g.laneHeight),
                                 bufferStateColor(static_cast<BufferState>(runState), pal));
        };
        for (int column = 0; column < columns; ++column) {
            const double c0 = static_cast<double>(m_from_ns) + column * columnWidth_ns;
            const double c1 = c0 + columnWidth_ns;
            while (k + 1 < changes.size() && static_cast<double>(changes[k + 1].t_ns) <= c0)
                ++k;
            std::array<double, kStates.size()> filled{};
            for (std::size_t j = k; j < changes.size() && static_cast<double>(changes[j].t_ns) < c1; ++j) {
                const double s0 = std::max(static_cast<double>(changes[j].t_ns), c0);
                const auto end = static_cast<double>(j + 1 < changes.size() ? changes[j + 1].t_ns : known_ns);
                const double s1 = std::min(end, c1);
                if (s1 > s0)
                    filled[static_cast<std::size_t>(changes[j].state)] += s1 - s0;
            }
            const auto most = std::max_element(filled.begin(), filled.end());
            const int state = *most > 0.0 ? static_cast<int>(most - filled.begin()) : kUnknown;
            if (state != runState) {
                flush(column);
                runStart = column;
                runState = state;
            }
        }
        flush(columns);

        if (lane % labelEvery != 0 && !m_stuck.contains(lane))
            continue;
        const QString label = QStringLiteral("#%1").arg(lane);
        const QRect labelRect(g.lanes.left() - kMargin - 40, y + g.laneHeight / 2 - fm.height() / 2, 40, fm.height());
        if (m_stuck.contains(lane)) { // a stuck frame shows at a glance
            const int w = fm.horizontalAdvance(label) + 8;
            const QRect box(labelRect.right() - w + 1, labelRect.top(), w, labelRect.height());
            painter.setPen(Qt::NoPen);
            painter.setBrush(warningColor(pal));
            painter.setRenderHint(QPainter::Antialiasing, true);
            painter.drawRoundedRect(box, 3, 3);
            painter.setRenderHint(QPainter::Antialiasing, false);
            QFont bold = font();
            bold.setBold(true);
            painter.setFont(bold);
            painter.setPen(QColor(Qt::white));
            painter.drawText(box, Qt::AlignCenter, label);
            painter.setFont(font());
        } else {
            painter.setPen(pal.color(QPalette::WindowText));
            painter.drawText(labelRect, Qt::AlignRight | Qt::AlignVCenter, label);
        }
    }
    painter.restore();
}

void LaneWidget::paintAxis(QPainter& painter, const Geometry& g) const
{
    const QPalette pal = palette();
    const QFontMetrics fm = fontMetrics();
    const double from_s = toSeconds(m_from_ns);
    const double to_s = toSeconds(m_to_ns);
    const double pixelsPerSecond = g.axis.width() / (to_s - from_s);
    static constexpr std::array kSteps{0.001, 0.002, 0.005, 0.01, 0.02, 0.05,  0.1,   0.2,   0.5,   1.0,    2.0,
                                       5.0,   10.0,  15.0,  30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0};
    double step = kSteps.back();
    for (const double candidate : kSteps) {
        const TimePrecision precision = candidate < 1.0 ? TimePrecision::Milliseconds : TimePrecision::Seconds;
        const int labelWidth = fm.horizontalAdvance(formatSessionTime(to_s, precision)) + 24;
        if (candidate * pixelsPerSecond >= labelWidth) {
            step = candidate;
            break;
        }
    }
    const TimePrecision precision = step < 1.0 ? TimePrecision::Milliseconds : TimePrecision::Seconds;
    painter.setPen(pal.color(QPalette::WindowText));
    painter.drawLine(g.axis.topLeft(), g.axis.topRight());
    for (double t = std::ceil(from_s / step) * step; t <= to_s; t += step) {
        const int x = g.axis.left() + static_cast<int>(std::lround((t - from_s) * pixelsPerSecond));
        painter.drawLine(x, g.axis.top(), x, g.axis.top() + 3);
        const QString text = formatSessionTime(t, precision);
        const int w = fm.horizontalAdvance(text);
        const int left = std::clamp(x - w / 2, 0, width() - w);
        painter.drawText(QRect(left, g.axis.top() + 4, w, fm.height()), Qt::AlignCenter, text);
    }
}

QString LaneWidget::toolTipAt(const QPoint& pos) const
{
    if (!placeholderText().isEmpty())
        return {};
    const Geometry g = geometry();
    if (!g.lanes.contains(pos) || pos.y() - g.lanes.top() >= laneCount() * g.laneStep)
        return {};
    const int lane = (pos.y() - g.lanes.top()) / g.laneStep;
    const auto& changes = m_lanes.buffers[static_cast<std::size_t>(lane)];
    const auto t_ns = static_cast<std::int64_t>(timeAt(g, pos.x()));
    const std::ptrdiff_t i = changeAt(changes, t_ns);
    const QString frame = tr("Frame #%1").arg(lane);
    if (i < 0 || t_ns > m_lanes.lastSeen_ns)
        return tr("%1: no reading at this time").arg(frame);
    const LaneChange& change = changes[static_cast<std::size_t>(i)];
    const bool last = static_cast<std::size_t>(i) + 1 == changes.size();
    // the last state lasts until the last reading, or past the end of the range (changes stop there)
    const bool pastRange = last && m_to_ns < m_lanes.lastSeen_ns;
    const std::int64_t end_ns =
        last ? std::min(m_to_ns, m_lanes.lastSeen_ns) : changes[static_cast<std::size_t>(i) + 1].t_ns;
    const QString state = stateName(change.state);
    const QString since = formatSessionTime(toSeconds(change.t_ns), TimePrecision::Milliseconds);
    const QString duration = formatDuration(toSeconds(end_ns - change.t_ns));
    QString text;
    if (pastRange)
        text = tr("%1: %2\nsince %3 (%4 or more)").arg(frame, state, since, duration);
    else if (last)
        text = tr("%1: %2\nsince %3 (%4)").arg(frame, state, since, duration);
    else
        text =
            tr("%1: %2\nfrom %3 to %4 (%5)")
                .arg(frame, state, since, formatSessionTime(toSeconds(end_ns), TimePrecision::Milliseconds), duration);
    if (change.state == BufferState::Consumer && change.holder >= 0) {
        auto name = m_holderNames.constFind(change.holder);
        if (name == m_holderNames.constEnd()) {
            const ProcessInfo process = m_holderLookup ? m_holderLookup(change.holder) : processOf(change.holder);
            QString holder;
            if (process.pid < 0)
                holder = tr("thread %1 (gone)").arg(change.holder);
            else if (process.name.empty())
                holder = tr("pid %1").arg(process.pid);
            else
                holder = tr("%1 (pid %2)").arg(QString::fromStdString(process.name)).arg(process.pid);
            name = m_holderNames.insert(change.holder, holder);
        }
        text += tr("\ntaken by %1").arg(*name);
    }
    if (m_stuck.contains(lane))
        text += tr("\nheld longer than %1 in this range").arg(formatDuration(toSeconds(kStuck_ns)));
    return text;
}

bool LaneWidget::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const QString text = toolTipAt(help->pos());
        if (text.isEmpty()) {
            QToolTip::hideText();
            event->ignore();
        } else {
            QToolTip::showText(help->globalPos(), text, this);
        }
        return true;
    }
    return QWidget::event(event);
}

void LaneWidget::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    refresh(); // hidden, refreshes were skipped
}

} // namespace ksscope::ui
