// SPDX-License-Identifier: GPL-3.0-or-later
// The live graph and the lanes on synthetic histories (exact expectations) and on a Monitor sampling the
// simulated backend.

#include "colors.h"
#include "ksscope/backend.h"
#include "ksscope/monitor.h"
#include "lanewidget.h"
#include "livegraphwidget.h"
#include "qcustomplot_include.h"
#include "seriessource.h"

#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <thread>

using namespace ksscope;
using namespace ksscope::ui;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;

// A deterministic, irregular frame count in [0, frames].
std::uint32_t allocatedAt(std::size_t i, std::uint32_t frames)
{
    const std::uint64_t x = (i * 2654435761u) ^ (i >> 7);
    return static_cast<std::uint32_t>(x % (frames + 1u));
}

struct Extent {
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    int points = 0;
};

Extent extentOf(const QCPGraph* graph)
{
    Extent e;
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        if (std::isnan(it->value))
            continue; // a gap
        e.min = std::min(e.min, it->value);
        e.max = std::max(e.max, it->value);
        ++e.points;
    }
    return e;
}

Extent samplesIn(const SampleHistory& history, std::int64_t from_ns, std::int64_t to_ns)
{
    Extent e;
    for (std::size_t i = history.lowerBound(from_ns); i < history.size() && history.at(i).t_ns < to_ns; ++i) {
        e.min = std::min(e.min, static_cast<double>(history.at(i).allocated));
        e.max = std::max(e.max, static_cast<double>(history.at(i).allocated));
        ++e.points;
    }
    return e;
}

template <typename Item> QList<Item*> visibleItems(const QCustomPlot* plot)
{
    QList<Item*> items;
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* item = qobject_cast<Item*>(plot->item(i)); item && item->visible())
            items.append(item);
    return items;
}

int distinctColours(const QImage& image)
{
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2)
            colours.insert(image.pixel(x, y));
    return static_cast<int>(colours.size());
}

int pixelsOf(const QImage& image, const QColor& colour)
{
    int n = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
            n += image.pixel(x, y) == colour.rgb();
    return n;
}

const QString kCamId = QStringLiteral("sim:cam/out/allocator");
const QString kMicId = QStringLiteral("sim:mic/out/allocator");

} // namespace

class TestLiveGraph : public QObject {
    Q_OBJECT
private:
    // A graph of \a series series over a shown widget, on \a source.
    static void setUp(LiveGraphWidget& graph, const SeriesSource& source, int series = 1)
    {
        graph.resize(900, 400);
        graph.show();
        QVERIFY(QTest::qWaitForWindowExposed(&graph));
        graph.setSource(&source);
        QList<LiveGraphWidget::SeriesSpec> specs{{0, kCamId, QStringLiteral("Camera")}};
        if (series > 1)
            specs.append({1, kMicId, QStringLiteral("Microphone")});
        graph.setSeries(specs);
        graph.plot()->replot(); // lays the axis rect out, so that the next refresh has its width
    }

private slots:
    void pointsAreBoundedByPixelColumns_data()
    {
        QTest::addColumn<int>("samples");
        QTest::newRow("10k") << 10'000;
        QTest::newRow("1M") << 1'000'000;
    }
    void pointsAreBoundedByPixelColumns()
    {
        QFETCH(int, samples);
        const auto n = static_cast<std::size_t>(samples);
        HistorySeriesSource source(1, n);
        for (std::size_t i = 0; i < n; ++i)
            source.append(0, {static_cast<std::int64_t>(i) * kMs, allocatedAt(i, 6), 6});
        source.setNow_ns(static_cast<std::int64_t>(n) * kMs);
        LiveGraphWidget graph;
        graph.setWindowSeconds(static_cast<double>(n) / 1000.0); // every sample in view
        setUp(graph, source);
        graph.refresh();

        QCOMPARE(graph.timeRange(), std::make_pair(std::int64_t{0}, static_cast<std::int64_t>(n) * kMs));
        const int columns = graph.plot()->axisRect()->width();
        QVERIFY(columns > 500);
        // at most first/min/max/last per column, and the capacity where it changes
        QVERIFY2(graph.pointCount() <= 5 * columns + 4, qPrintable(QString::number(graph.pointCount())));
        QVERIFY(graph.pointCount() >= columns); // every column has samples
        const Extent plotted = extentOf(graph.allocatedGraph(0));
        QCOMPARE(plotted.points + graph.capacityGraph(0)->data()->size(), graph.pointCount());
        const Extent expected = samplesIn(source.history(0), 0, static_cast<std::int64_t>(n) * kMs);
        QCOMPARE(expected.points, samples);
        QCOMPARE(plotted.min, expected.min);
        QCOMPARE(plotted.max, expected.max);
        QCOMPARE(extentOf(graph.capacityGraph(0)).max, 6.0);

        // keys come sorted: QCustomPlot was handed the data as it is, never re-sorted point by point
        const auto data = graph.allocatedGraph(0)->data();
        for (auto it = data->constBegin() + 1; it < data->constEnd(); ++it)
            QVERIFY((it - 1)->key <= it->key);
    }

    void extremesOfAWindowMatchItsSamples()
    {
        // a rare spike in one column and a dip in another: they must survive decimation
        HistorySeriesSource source(1, 200'000);
        for (std::size_t i = 0; i < 200'000; ++i) {
            std::uint32_t a = 2 + static_cast<std::uint32_t>(i % 3);
            if (i == 123'457)
                a = 31;
            if (i == 150'001)
                a = 0;
            source.append(0, {static_cast<std::int64_t>(i) * kMs, a, 32});
        }
        source.setNow_ns(200 * kSecond);
        LiveGraphWidget graph;
        graph.setWindowSeconds(60);
        setUp(graph, source);
        graph.jumpTo(130 * kSecond); // [100 s, 160 s]: both extremes inside
        const auto [from_ns, to_ns] = graph.timeRange();
        QCOMPARE(from_ns, 100 * kSecond);
        QCOMPARE(to_ns, 160 * kSecond);
        const Extent plotted = extentOf(graph.allocatedGraph(0));
        const Extent expected = samplesIn(source.history(0), from_ns, to_ns);
        QCOMPARE(plotted.min, 0.0);
        QCOMPARE(plotted.max, 31.0);
        QCOMPARE(plotted.min, expected.min);
        QCOMPARE(plotted.max, expected.max);
        graph.jumpTo(50 * kSecond); // [20 s, 80 s]: neither
        QCOMPARE(extentOf(graph.allocatedGraph(0)).min, 2.0);
        QCOMPARE(extentOf(graph.allocatedGraph(0)).max, 4.0);
    }

    void starvationShadesArePooled()
    {
        HistorySeriesSource source(2, 100'000);
        for (std::int64_t t = 0; t < 100 * kSecond; t += 10 * kMs) {
            source.append(0, {t, 2, 4});
            source.append(1, {t, 1, 4});
        }
        source.setNow_ns(100 * kSecond);
        source.setStarvationIntervals(0, {{10 * kSecond, 12 * kSecond}, // before the window
                                          {75 * kSecond, 77 * kSecond},
                                          {98 * kSecond, -1}}); // still starving
        source.setStarvationIntervals(1, {{80 * kSecond, 81 * kSecond}});
        LiveGraphWidget graph;
        graph.setWindowSeconds(30);
        setUp(graph, source, 2);
        graph.refresh();
        QCOMPARE(graph.starvationShadeCount(), 3);
        auto shades = visibleItems<QCPItemRect>(graph.plot());
        QCOMPARE(shades.size(), 3);
        std::sort(shades.begin(), shades.end(),
                  [](QCPItemRect* a, QCPItemRect* b) { return a->topLeft->key() < b->topLeft->key(); });
        QCOMPARE(shades[0]->topLeft->key(), 75.0);
        QCOMPARE(shades[0]->bottomRight->key(), 77.0);
        QCOMPARE(shades[1]->topLeft->key(), 80.0);
        QCOMPARE(shades[2]->topLeft->key(), 98.0);
        QCOMPARE(shades[2]->bottomRight->key(), 100.0); // an ongoing episode reaches now
        // in strips, each shades its own: the camera's the upper half, the microphone's the lower
        QVERIFY(graph.stripsShown());
        QCOMPARE(shades[0]->topLeft->value(), 0.0);
        QCOMPARE(shades[0]->bottomRight->value(), 0.5);
        QCOMPARE(shades[1]->topLeft->value(), 0.5);
        QCOMPARE(shades[1]->bottomRight->value(), 1.0);
        // on the shared axis, the whole height
        graph.setScale(LiveGraphWidget::Scale::SharedAxis);
        QVERIFY(!graph.stripsShown());
        QCOMPARE(shades[0]->topLeft->value(), 0.0);
        QCOMPARE(shades[0]->bottomRight->value(), 1.0);
        graph.setScale(LiveGraphWidget::Scale::Strips);

        const int items = graph.plot()->itemCount();
        for (int i = 0; i < 5; ++i) {
            source.setNow_ns(100 * kSecond + i * 100 * kMs);
            graph.refresh();
        }
        QCOMPARE(graph.plot()->itemCount(), items); // reused, not recreated
        QCOMPARE(graph.starvationShadeCount(), 3);

        source.setStarvationIntervals(0, {});
        graph.refresh();
        QCOMPARE(graph.starvationShadeCount(), 1);
        QCOMPARE(visibleItems<QCPItemRect>(graph.plot()).size(), 1);
        QCOMPARE(graph.plot()->itemCount(), items); // the spare ones are hidden
    }

    void eventMarksOnlyForShownSeries()
    {
        HistorySeriesSource source(1, 10'000);
        for (std::int64_t t = 0; t < 60 * kSecond; t += 10 * kMs)
            source.append(0, {t, 1, 4});
        source.setNow_ns(60 * kSecond);
        LiveGraphWidget graph;
        graph.setWindowSeconds(30);
        setUp(graph, source);
        graph.addEvents({
            {10 * kSecond, EventKind::Drop, kCamId.toStdString(), "before the window"},
            {40 * kSecond, EventKind::Drop, kCamId.toStdString(), "2 frames dropped"},
            {45 * kSecond, EventKind::Config, "sim:cam", "framing changed"}, // the series' filter
            {46 * kSecond, EventKind::Config, "sim:ca", "another filter"},
            {50 * kSecond, EventKind::Starvation, kMicId.toStdString(), "not shown"},
        });
        graph.addEvents({{42 * kSecond, EventKind::Error, kCamId.toStdString(), "late arrival"}}); // out of order
        graph.refresh();
        QCOMPARE(graph.eventMarkCount(), 3);
        QList<double> keys;
        for (QCPItemStraightLine* mark : visibleItems<QCPItemStraightLine>(graph.plot()))
            if (mark->point1->key() == mark->point2->key() && mark->point1->value() == 0.0)
                keys.append(mark->point1->key());
        std::sort(keys.begin(), keys.end());
        QCOMPARE(keys, (QList<double>{40.0, 42.0, 45.0}));
        const int items = graph.plot()->itemCount();
        graph.refresh();
        QCOMPARE(graph.plot()->itemCount(), items);

        graph.setSeries({{0, kMicId, QStringLiteral("Microphone")}});
        QCOMPARE(graph.eventMarkCount(), 1); // the starvation of the microphone
        graph.clearEvents();
        graph.refresh();
        QCOMPARE(graph.eventMarkCount(), 0);
    }

    void eventStoreIsBounded()
    {
        HistorySeriesSource source(1, 16);
        source.setNow_ns(20'000 * kSecond);
        LiveGraphWidget graph;
        graph.setWindowSeconds(300);
        setUp(graph, source);
        std::vector<MonitorEvent> events;
        for (std::size_t i = 0; i < LiveGraphWidget::kMaxEvents + 500; ++i)
            events.push_back({static_cast<std::int64_t>(i) * kSecond, EventKind::Drop, kCamId.toStdString(), "drop"});
        graph.addEvents(events);
        graph.jumpTo(200 * kSecond); // [50 s, 350 s]: only events that were dropped
        QCOMPARE(graph.eventMarkCount(), 0);
        graph.jumpTo(600 * kSecond); // [450 s, 750 s]: the oldest kept is at 500 s
        QCOMPARE(graph.eventMarkCount(), 251);
        graph.setWindowSeconds(3600);
        graph.jumpTo(9000 * kSecond); // [7200 s, 10800 s]: 3300 events; the latest kMaxMarks get marks
        QCOMPARE(graph.eventMarkCount(), LiveGraphWidget::kMaxMarks);
        double oldest = std::numeric_limits<double>::infinity();
        for (QCPItemStraightLine* mark : visibleItems<QCPItemStraightLine>(graph.plot()))
            if (mark->point1->value() == 0.0 && mark->point2->value() == 1.0) // not the cursor
                oldest = std::min(oldest, mark->point1->key());
        QCOMPARE(oldest, 10'500.0 - LiveGraphWidget::kMaxMarks); // the last event is at 10499 s
    }

    void followPauseAndJump()
    {
        HistorySeriesSource source(1, 16);
        source.setNow_ns(100 * kSecond);
        LiveGraphWidget graph;
        graph.setWindowSeconds(10);
        setUp(graph, source);
        QSignalSpy ranges(&graph, &LiveGraphWidget::timeRangeChanged);
        QVERIFY(graph.following());
        graph.refresh();
        QCOMPARE(graph.timeRange(), std::make_pair(90 * kSecond, 100 * kSecond));
        QCOMPARE(graph.plot()->xAxis->range().lower, 90.0);
        source.setNow_ns(105 * kSecond);
        graph.refresh();
        QCOMPARE(graph.timeRange(), std::make_pair(95 * kSecond, 105 * kSecond));
        QVERIFY(!ranges.isEmpty());
        QCOMPARE(ranges.last().at(0).value<std::int64_t>(), 95 * kSecond);
        QCOMPARE(ranges.last().at(1).value<std::int64_t>(), 105 * kSecond);

        graph.setFollowing(false);
        source.setNow_ns(120 * kSecond);
        ranges.clear();
        graph.refresh();
        QCOMPARE(graph.timeRange(), std::make_pair(95 * kSecond, 105 * kSecond)); // paused: stays
        QVERIFY(ranges.isEmpty());

        graph.jumpTo(50 * kSecond);
        QVERIFY(!graph.following());
        QCOMPARE(graph.timeRange(), std::make_pair(45 * kSecond, 55 * kSecond));
        QCOMPARE(ranges.size(), 1);

        graph.setFollowing(true);
        QCOMPARE(graph.timeRange(), std::make_pair(110 * kSecond, 120 * kSecond));
        graph.setWindowSeconds(60);
        QCOMPARE(graph.timeRange(), std::make_pair(60 * kSecond, 120 * kSecond));

        // a pan or zoom by the user (QCustomPlot sets the axis range) pauses following
        graph.plot()->xAxis->setRange(70.0, 80.0);
        QVERIFY(!graph.following());
        QCOMPARE(graph.timeRange(), std::make_pair(70 * kSecond, 80 * kSecond));
        source.setNow_ns(130 * kSecond);
        graph.refresh();
        QCOMPARE(graph.timeRange(), std::make_pair(70 * kSecond, 80 * kSecond));

        // early in a session the window starts at 0 and fills from the left
        source.setNow_ns(3 * kSecond);
        graph.setFollowing(true);
        QCOMPARE(graph.timeRange(), std::make_pair(std::int64_t{0}, 60 * kSecond));
    }

    void readoutReportsTheValueAtTheCursor()
    {
        HistorySeriesSource source(2, 10'000);
        for (std::int64_t t = 0; t < 10 * kSecond; t += 10 * kMs) {
            source.append(0, {t, t < 5 * kSecond ? 3u : 7u, 8});
            source.append(1, {t, 1, 25});
        }
        source.setNow_ns(10 * kSecond);
        LiveGraphWidget graph;
        graph.setWindowSeconds(10);
        setUp(graph, source, 2);
        graph.refresh();
        const QString early = graph.readoutAt(2.5);
        QVERIFY2(early.contains(QStringLiteral("Camera: 3 of 8")), qPrintable(early));
        QVERIFY2(early.contains(QStringLiteral("Microphone: 1 of 25")), qPrintable(early));
        QVERIFY2(early.startsWith(QStringLiteral("00:02.500")), qPrintable(early));
        const QString late = graph.readoutAt(7.5);
        QVERIFY2(late.contains(QStringLiteral("Camera: 7 of 8")), qPrintable(late));
        const QString none = graph.readoutAt(-1.0);
        QVERIFY2(none.contains(QStringLiteral("Camera: –")), qPrintable(none));
    }

    /// A 2-frame camera pool beside a 25-frame audio pool: in strips each fills its own strip, scaled to its own
    /// buffer count, so the camera's two frames take most of its strip's height instead of a sliver at the bottom; on
    /// the shared axis they are frames again.
    void stripsScaleEachPoolToItsOwn()
    {
        HistorySeriesSource source(2, 100'000);
        for (std::int64_t t = 0; t < 10 * kSecond; t += 10 * kMs) {
            source.append(0, {t, static_cast<std::uint32_t>(t / kSecond % 3), 2}); // 0, 1, 2 of 2
            source.append(1, {t, 20, 25});
        }
        source.setNow_ns(10 * kSecond);
        LiveGraphWidget graph;
        graph.setWindowSeconds(10);
        setUp(graph, source, 2);
        graph.refresh();
        graph.plot()->replot();
        QVERIFY(graph.stripsShown());
        const QCPAxis* yAxis = graph.plot()->yAxis;
        QCOMPARE(yAxis->range().lower, 0.0);
        QCOMPARE(yAxis->range().upper, 2.0);
        const auto extent = [](const QCPGraph* g) {
            double low = std::numeric_limits<double>::infinity();
            double high = -low;
            for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
                if (!std::isnan(it->value)) {
                    low = std::min(low, it->value);
                    high = std::max(high, it->value);
                }
            return std::pair{low, high};
        };
        // the camera in the top strip [1, 2], from empty to full across most of it
        const auto [camLow, camHigh] = extent(graph.allocatedGraph(0));
        QVERIFY2(camLow >= 1.0 && camHigh <= 2.0, qPrintable(QStringLiteral("%1 %2").arg(camLow).arg(camHigh)));
        const double camPixels = yAxis->coordToPixel(camLow) - yAxis->coordToPixel(camHigh);
        QVERIFY2(camPixels > 0.35 * graph.plot()->axisRect()->height(), qPrintable(QString::number(camPixels)));
        QCOMPARE(camHigh, graph.valueCoord(0, 2.0));
        QCOMPARE(extent(graph.capacityGraph(0)).second, graph.valueCoord(0, 2.0)); // full is its capacity
        // the microphone in the bottom strip [0, 1], 20 of 25
        const auto [micLow, micHigh] = extent(graph.allocatedGraph(1));
        QVERIFY(micLow >= 0.0 && micHigh <= 1.0);
        QCOMPARE(micHigh, graph.valueCoord(1, 20.0));
        QVERIFY(graph.valueCoord(1, 25.0) < 1.0);
        // named in their strips, and the readout still says frames
        QVERIFY(graph.stripLabel(0)->visible());
        QCOMPARE(graph.stripLabel(0)->text(), QStringLiteral("Camera"));
        QVERIFY(graph.readoutAt(5.0).contains(QStringLiteral("Microphone: 20 of 25")));

        graph.setScale(LiveGraphWidget::Scale::SharedAxis);
        QVERIFY(!graph.stripsShown());
        QVERIFY(!graph.stripLabel(0)->visible());
        QCOMPARE(extent(graph.allocatedGraph(0)).second, 2.0);
        QCOMPARE(extent(graph.allocatedGraph(1)).second, 20.0);
        QVERIFY(yAxis->range().upper >= 25.0);

        // one series shown is on the frames axis even in strips
        graph.setScale(LiveGraphWidget::Scale::Strips);
        QVERIFY(graph.stripsShown());
        QCPPlottableLegendItem* mic = graph.plot()->legend->itemWithPlottable(graph.allocatedGraph(1));
        emit graph.plot()->legendClick(graph.plot()->legend, mic, nullptr);
        QVERIFY(!graph.stripsShown());
        QCOMPARE(extent(graph.allocatedGraph(0)).second, 2.0);
    }

    void legendClickHidesASeries()
    {
        HistorySeriesSource source(2, 10'000);
        for (std::int64_t t = 0; t < 10 * kSecond; t += 10 * kMs) {
            source.append(0, {t, 3, 8});
            source.append(1, {t, 1, 25});
        }
        source.setNow_ns(10 * kSecond);
        source.setStarvationIntervals(1, {{2 * kSecond, 3 * kSecond}});
        LiveGraphWidget graph;
        graph.setWindowSeconds(10);
        setUp(graph, source, 2);
        graph.refresh();
        QCOMPARE(graph.starvationShadeCount(), 1);
        const int both = graph.pointCount();
        QCPPlottableLegendItem* entry = graph.plot()->legend->itemWithPlottable(graph.allocatedGraph(1));
        QVERIFY(entry);
        emit graph.plot()->legendClick(graph.plot()->legend, entry, nullptr);
        QVERIFY(!graph.allocatedGraph(1)->visible());
        QVERIFY(!graph.capacityGraph(1)->visible());
        QVERIFY(graph.pointCount() < both);
        QCOMPARE(graph.starvationShadeCount(), 0); // its shading goes with it
        QVERIFY(!graph.readoutAt(5.0).contains(QStringLiteral("Microphone")));
        graph.fitFramesAxis(); // to the camera alone: capacity 8
        QVERIFY(graph.plot()->yAxis->range().upper < 10.0);
        emit graph.plot()->legendClick(graph.plot()->legend, entry, nullptr);
        QVERIFY(graph.allocatedGraph(1)->visible());
        QCOMPARE(graph.pointCount(), both);
    }

    void laneWidgetPlaceholders()
    {
        HistorySeriesSource source;
        LaneWidget lanes;
        lanes.resize(800, 200);
        lanes.show();
        QVERIFY(QTest::qWaitForWindowExposed(&lanes));
        lanes.setSource(&source);
        QVERIFY(lanes.placeholderText().startsWith(QStringLiteral("Select an allocator")));
        // the title says whether the states are followed or sampled
        lanes.setAllocatorLabel(QStringLiteral("Capture"));
        lanes.setFollowed(false, 250);
        QCOMPARE(lanes.titleText(),
                 QStringLiteral("Frame states of Capture - sampled at 250 Hz: moves shorter than 4 ms are missed"));
        lanes.setFollowed(true, 250);
        QCOMPARE(lanes.titleText(), QStringLiteral("Frame states of Capture - exact: every buffer move followed"));
        lanes.setAllocatorLabel({});
        QCOMPARE(lanes.titleText(), QStringLiteral("Frame states"));
        Lanes unsupported;
        unsupported.allocator = 0;
        unsupported.supported = false;
        source.setLanes(unsupported);
        lanes.refresh();
        QCOMPARE(lanes.placeholderText(), QStringLiteral("This backend does not report per-buffer states"));
        QVERIFY(lanes.stuckFrames().isEmpty());
        QVERIFY(lanes.toolTipAt(QPoint(400, 100)).isEmpty());
    }

    void laneWidgetFindsStuckFrames()
    {
        HistorySeriesSource source;
        Lanes l;
        l.allocator = 0;
        l.lastSeen_ns = 20 * kSecond;
        l.buffers.resize(3);
        for (std::int64_t t = 0; t < 20 * kSecond; t += 40 * kMs) { // frame 0 cycles at 25 fps
            l.buffers[0].push_back({t, BufferState::Producer});
            l.buffers[0].push_back({t + 10 * kMs, BufferState::Waiting});
            l.buffers[0].push_back({t + 15 * kMs, BufferState::Consumer});
            l.buffers[0].push_back({t + 30 * kMs, BufferState::Free});
        }
        // frame #1 taken by this test's own main thread (a thread's id is its process's for the main one)
        const auto self = static_cast<std::int32_t>(QCoreApplication::applicationPid());
        l.buffers[1] = {{0, BufferState::Free, -1},
                        {12 * kSecond, BufferState::Consumer, self},
                        {15 * kSecond, BufferState::Free, -1}};
        l.buffers[2] = {{0, BufferState::Free}}; // idle for ever: not stuck
        source.setLanes(l);
        source.setNow_ns(20 * kSecond);

        LaneWidget lanes;
        lanes.resize(1000, 220);
        lanes.show();
        QVERIFY(QTest::qWaitForWindowExposed(&lanes));
        lanes.setSource(&source);
        lanes.setAllocatorLabel(QStringLiteral("Camera"));
        lanes.setTimeRange(0, 20 * kSecond);
        QVERIFY(lanes.placeholderText().isEmpty());
        QCOMPARE(lanes.stuckFrames(), QList<int>{1});
        lanes.setTimeRange(0, 10 * kSecond); // the held stretch is out of view
        QVERIFY(lanes.stuckFrames().isEmpty());
        lanes.setTimeRange(14 * kSecond, 20 * kSecond); // partly in view: its whole length counts
        QCOMPARE(lanes.stuckFrames(), QList<int>{1});

        // hovering frame #1 while it is held
        lanes.setTimeRange(0, 20 * kSecond);
        QString tip;
        for (int y = 0; y < lanes.height() && tip.isEmpty(); ++y) {
            const QString t = lanes.toolTipAt(QPoint(lanes.width() * 27 / 40, y)); // ~13.5 s
            if (t.startsWith(QStringLiteral("Frame #1")))
                tip = t;
        }
        QVERIFY2(tip.contains(QStringLiteral("held by consumer")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("00:12.000")), qPrintable(tip));
#ifdef Q_OS_LINUX
        QVERIFY2(tip.contains(QStringLiteral("taken by tst_livegraph (pid %1)").arg(self)), qPrintable(tip));
#endif
        // a holder named by the session (a replay: the recording machine's process), not looked up here
        lanes.setHolderLookup([self](std::int32_t holder) {
            return holder == self ? ProcessInfo{4242, "recorded-app"} : ProcessInfo{holder, {}};
        });
        QString named;
        for (int y = 0; y < lanes.height() && named.isEmpty(); ++y) {
            const QString t = lanes.toolTipAt(QPoint(lanes.width() * 27 / 40, y));
            if (t.startsWith(QStringLiteral("Frame #1")))
                named = t;
        }
        QVERIFY2(named.contains(QStringLiteral("taken by recorded-app (pid 4242)")), qPrintable(named));
        lanes.setHolderLookup([](std::int32_t holder) { return ProcessInfo{holder, {}}; }); // known by pid only
        QString pidOnly;
        for (int y = 0; y < lanes.height() && pidOnly.isEmpty(); ++y) {
            const QString t = lanes.toolTipAt(QPoint(lanes.width() * 27 / 40, y));
            if (t.startsWith(QStringLiteral("Frame #1")))
                pidOnly = t;
        }
        QVERIFY2(pidOnly.contains(QStringLiteral("taken by pid %1\n").arg(self)), qPrintable(pidOnly));
        // frame #0's moves name no holder
        for (int y = 0; y < lanes.height(); ++y) {
            const QString t = lanes.toolTipAt(QPoint(lanes.width() / 2, y));
            QVERIFY2(!t.contains(QStringLiteral("taken by")) || t.startsWith(QStringLiteral("Frame #1")),
                     qPrintable(t));
        }

        const QImage image = lanes.grab().toImage();
        QVERIFY(distinctColours(image) > 8);
        // frame #1's three seconds held and frame #0's cycles show in the consumer colour
        QVERIFY(pixelsOf(image, bufferStateColor(BufferState::Consumer, lanes.palette())) > 1000);
        QVERIFY(pixelsOf(image, warningColor(lanes.palette())) > 20); // the stuck label
    }

    void graphGrabIsNotBlank()
    {
        HistorySeriesSource source(2, 10'000);
        for (std::size_t i = 0; i < 6000; ++i) {
            const auto t = static_cast<std::int64_t>(i) * 10 * kMs;
            source.append(0, {t, allocatedAt(i, 4), 4});
            source.append(1, {t, allocatedAt(i + 7, 8), 8});
        }
        source.setNow_ns(60 * kSecond);
        source.setStarvationIntervals(0, {{30 * kSecond, 33 * kSecond}});
        LiveGraphWidget graph;
        graph.setWindowSeconds(60);
        setUp(graph, source, 2);
        graph.refresh();
        graph.plot()->replot();
        const QImage image = graph.grab().toImage();
        QVERIFY(distinctColours(image) > 20);
        QVERIFY(pixelsOf(image, seriesColor(0, graph.palette())) > 50);
        QVERIFY(pixelsOf(image, seriesColor(1, graph.palette())) > 50);
    }

    void columnsAreDrawnPixelExact()
    {
        // Irregular data drawn with the band merging must cover exactly the pixels of one bar per column
        // (over the column's range and the step from the previous column) and of the steps between.
        HistorySeriesSource source(1, 100'000);
        for (std::size_t i = 0; i < 60'000; ++i) {
            const auto t = static_cast<std::int64_t>(i) * kMs;
            const std::uint32_t a = i / 3000 % 4 == 3 ? 2 : allocatedAt(i / 7, 3); // dense, then flat stretches
            if (i / 1000 % 9 != 4) // and gaps in the sampling
                source.append(0, {t, a, 8});
        }
        source.setNow_ns(60 * kSecond);
        LiveGraphWidget graph;
        graph.setWindowSeconds(60);
        setUp(graph, source);
        graph.refresh();
        graph.plot()->replot();
        const QImage image = graph.plot()->grab().toImage();
        const QRect axisRect = graph.plot()->axisRect()->rect();
        const QCPAxis* xAxis = graph.plot()->xAxis;
        const QCPAxis* yAxis = graph.plot()->yAxis;
        const auto pixel = [](double p) { return static_cast<int>(std::lround(p)); };

        QImage expected(image.size(), QImage::Format_Mono);
        expected.fill(0);
        const auto mark = [&expected](int x, int top, int bottom) {
            for (int y = top; y <= bottom; ++y)
                if (expected.rect().contains(x, y))
                    expected.setPixel(x, y, 1);
        };
        const auto data = graph.allocatedGraph(0)->data();
        bool connected = false;
        int previousX = 0;
        int previousY = 0;
        int gaps = 0;
        for (auto it = data->constBegin(); it != data->constEnd();) {
            if (std::isnan(it->value)) {
                connected = false;
                ++gaps;
                ++it;
                continue;
            }
            const double key = it->key;
            const int x = pixel(xAxis->coordToPixel(key));
            int top = std::numeric_limits<int>::max();
            int bottom = std::numeric_limits<int>::min();
            int last = 0;
            for (; it != data->constEnd() && it->key == key; ++it) {
                last = pixel(yAxis->coordToPixel(it->value));
                top = std::min(top, last);
                bottom = std::max(bottom, last);
            }
            if (connected) {
                for (int hx = previousX + 1; hx < x; ++hx)
                    mark(hx, previousY, previousY);
                top = std::min(top, previousY);
                bottom = std::max(bottom, previousY);
            }
            mark(x, top, bottom);
            connected = true;
            previousX = x;
            previousY = last;
        }
        QVERIFY(gaps >= 5);

        // below the capacity line (8 frames, same colour), inside the axis rect but clear of the ticks
        const QRgb colour = seriesColor(0, graph.palette()).rgb();
        const int lowestRow = pixel(yAxis->coordToPixel(4.0));
        const int ticks = 6;
        int covered = 0;
        for (int y = lowestRow; y <= axisRect.bottom() - ticks; ++y) {
            for (int x = axisRect.left() + ticks; x < axisRect.right(); ++x) {
                const bool want = expected.pixelIndex(x, y) == 1;
                const bool got = image.pixel(x, y) == colour;
                if (want != got)
                    QFAIL(qPrintable(QStringLiteral("pixel (%1, %2): expected %3").arg(x).arg(y).arg(want)));
                covered += got;
            }
        }
        QVERIFY(covered > 10'000);
    }

    void paletteChangeRecolours()
    {
        HistorySeriesSource source(1, 16);
        LiveGraphWidget graph;
        setUp(graph, source);
        QPalette dark = graph.palette();
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
        dark.setColor(QPalette::Base, QColor(0x10, 0x10, 0x10));
        dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
        graph.setPalette(dark);
        QCOMPARE(graph.plot()->axisRect()->backgroundBrush().color(), QColor(0x10, 0x10, 0x10));
        QCOMPARE(graph.plot()->xAxis->tickLabelColor(), QColor(0xee, 0xee, 0xee));
        QCOMPARE(graph.allocatedGraph(0)->pen().color(), seriesColor(0, dark));
    }

    void lanesFollowTheGraphRange()
    {
        HistorySeriesSource source(1, 16);
        source.setNow_ns(100 * kSecond);
        LiveGraphWidget graph;
        LaneWidget lanes;
        connect(&graph, &LiveGraphWidget::timeRangeChanged, &lanes, &LaneWidget::setTimeRange);
        connect(&graph, &LiveGraphWidget::timeAxisMarginsChanged, &lanes, &LaneWidget::setTimeAxisMargins);
        lanes.show();
        setUp(graph, source);
        graph.refresh();
        QCOMPARE(lanes.timeRange(), graph.timeRange());
        graph.jumpTo(20 * kSecond);
        QCOMPARE(lanes.timeRange(), graph.timeRange());
    }

    void monitorOnTheSimulatedBackend()
    {
        Monitor::Options options;
        options.rateHz = 200;
        Monitor monitor(options);
        Session session;
        QVERIFY(session.open({"sim"}, BackendOptions{}, monitor.eventSink()));
        QVERIFY(session.start());
        QVERIFY(monitor.start(session));
        const std::vector<std::string> ids = monitor.allocatorIds();
        QVERIFY(!ids.empty());
        monitor.setLaneAllocator(0);

        MonitorSeriesSource source(monitor);
        LiveGraphWidget graph;
        graph.resize(900, 400);
        graph.show();
        QVERIFY(QTest::qWaitForWindowExposed(&graph));
        LaneWidget lanes;
        lanes.resize(900, 200);
        lanes.show();
        QVERIFY(QTest::qWaitForWindowExposed(&lanes));
        connect(&graph, &LiveGraphWidget::timeRangeChanged, &lanes, &LaneWidget::setTimeRange);
        graph.setWindowSeconds(10);
        graph.setSource(&source);
        lanes.setSource(&source);
        QList<LiveGraphWidget::SeriesSpec> specs;
        for (std::size_t i = 0; i < ids.size(); ++i)
            specs.append({i, QString::fromStdString(ids[i]), QString::fromStdString(ids[i])});
        graph.setSeries(specs);
        graph.plot()->replot();

        std::this_thread::sleep_for(200ms);
        graph.refresh();
        const int pointsEarly = graph.pointCount();
        const double lastKeyEarly = (graph.allocatedGraph(0)->data()->constEnd() - 1)->key;
        std::this_thread::sleep_for(500ms);
        Monitor::Batch batch;
        monitor.takeNew(batch);
        graph.addEvents(batch.events); // the sim filters were added: their allocators get marks
        graph.refresh();
        lanes.refresh();

        QVERIFY(pointsEarly > 0);
        QVERIFY2(graph.pointCount() > pointsEarly,
                 qPrintable(QStringLiteral("%1 -> %2").arg(pointsEarly).arg(graph.pointCount())));
        const double lastKey = (graph.allocatedGraph(0)->data()->constEnd() - 1)->key;
        QVERIFY(lastKey >= lastKeyEarly + 0.4);
        QVERIFY(lastKey <= static_cast<double>(monitor.now_ns()) / 1e9);
        QCOMPARE(extentOf(graph.capacityGraph(0)).max,
                 graph.valueCoord(0, static_cast<double>(monitor.stats(0).frames)));
        QVERIFY(graph.eventMarkCount() > 0);
        QVERIFY2(lanes.placeholderText().isEmpty(), qPrintable(lanes.placeholderText()));
        QVERIFY(distinctColours(graph.grab().toImage()) > 10);
        monitor.stop();
    }
};

QTEST_MAIN(TestLiveGraph)
#include "tst_livegraph.moc"
