// SPDX-License-Identifier: GPL-3.0-or-later
// The frame-timing view on synthetic frames (exact expectations) and on a monitor following the simulated starving
// pin frame by frame: what it plots, the drops it marks, its percentiles and what it says it shows.

#include "frameseries.h"
#include "frametimingwidget.h"
#include "ksscope/backend.h"
#include "ksscope/monitor.h"
#include "qcustomplot_include.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QTest>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <thread>

using namespace ksscope;
using namespace ksscope::ui;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kMs = 1'000'000;

/// Frame \a seq of allocator \a allocator: filled every 33 ms, 5 ms in the driver, 1 ms to delivery, held 10 ms.
FrameRecord frame(std::uint32_t allocator, std::uint32_t seq)
{
    FrameRecord f;
    f.allocator = allocator;
    f.buffer = seq % 4;
    f.sequence = seq;
    f.done_ns = static_cast<std::int64_t>(seq) * 33 * kMs + 100 * kMs;
    f.driverOwned_ns = f.done_ns - 5 * kMs;
    f.dequeued_ns = f.done_ns + 1 * kMs;
    f.returned_ns = f.dequeued_ns + 10 * kMs;
    f.timestamp_ns = f.done_ns;
    f.interval_ns = seq == 0 ? -1 : 33 * kMs;
    return f;
}

} // namespace

class TestFrameTiming : public QObject {
    Q_OBJECT
private Q_SLOTS:
    /// The store's columns are the least and greatest of exactly the frames in each column, whatever the span (a
    /// column of a few frames, of thousands through the block summaries), with frames added out of order and the
    /// oldest let go.
    void seriesColumnsAreExact()
    {
        FrameSeries series;
        std::mt19937 random(7);
        std::vector<std::pair<std::int64_t, std::array<std::int64_t, FrameSeries::kMetrics>>> frames;
        std::int64_t t = 0;
        for (int i = 0; i < 60'000; ++i) {
            t += 1000 + static_cast<std::int64_t>(random() % 2000);
            // now and then one late by up to ten frames
            const std::int64_t at = i % 97 == 0 ? t - static_cast<std::int64_t>(random() % 20'000) : t;
            std::array<std::int64_t, FrameSeries::kMetrics> d{};
            for (std::size_t m = 0; m < d.size(); ++m)
                d[m] = random() % 13 == 0 ? -1 : static_cast<std::int64_t>(random() % 50'000'000);
            series.add(at, d);
            frames.emplace_back(at, d);
        }
        QCOMPARE(series.size(), frames.size());
        const auto check = [&](std::int64_t from, std::int64_t to, std::size_t columns) {
            for (std::size_t m = 0; m < FrameSeries::kMetrics; ++m) {
                std::vector<FrameSeries::Column> got;
                series.decimate(m, from, to, columns, got);
                // brute force: every kept frame into its column
                const double width = static_cast<double>(to - from) / static_cast<double>(columns);
                std::map<std::size_t, std::pair<float, float>> want;
                for (const auto& [ft, d] : frames) {
                    if (ft < from || ft >= to || d[m] < 0 || ft < series.firstTime_ns())
                        continue;
                    auto c = static_cast<std::size_t>(static_cast<double>(ft - from) / width);
                    while (c + 1 < columns &&
                           ft >= from + static_cast<std::int64_t>(width * static_cast<double>(c + 1)))
                        ++c;
                    while (c > 0 && ft < from + static_cast<std::int64_t>(width * static_cast<double>(c)))
                        --c;
                    const auto v = static_cast<float>(static_cast<double>(d[m]) * 1e-6);
                    auto [it, fresh] = want.try_emplace(c, v, v);
                    it->second.first = std::min(it->second.first, v);
                    it->second.second = std::max(it->second.second, v);
                }
                QCOMPARE(got.size(), want.size());
                std::size_t k = 0;
                for (const auto& [c, mm] : want) {
                    QCOMPARE(got[k].t_ns, from + static_cast<std::int64_t>(width * static_cast<double>(c)));
                    QCOMPARE(got[k].min, mm.first);
                    QCOMPARE(got[k].max, mm.second);
                    ++k;
                }
            }
        };
        check(0, t + 1, 1500); // about 40 frames a column
        check(0, t + 1, 7); // thousands a column
        check(t / 3, t / 3 + 5'000'000, 900); // a few or none
        // the oldest go in whole big blocks; what is left is still exact
        series.dropOldest(5000);
        QCOMPARE(series.size(), frames.size() - 2 * FrameSeries::kBigBlock);
        std::vector<std::int64_t> times;
        for (const auto& f : frames)
            times.push_back(f.first);
        std::sort(times.begin(), times.end());
        QCOMPARE(series.firstTime_ns(), times[2 * FrameSeries::kBigBlock]);
        check(0, t + 1, 1000);
        series.dropOldest(1'000'000);
        QCOMPARE(series.size(), std::size_t{0});
        std::vector<FrameSeries::Column> none;
        series.decimate(0, 0, t, 100, none);
        QVERIFY(none.empty());
    }

    void plotsTheShownAllocatorsFramesAndMarksDrops()
    {
        FrameTimingWidget view;
        view.resize(1000, 400);
        view.show();
        QVERIFY(view.modeText().contains(QStringLiteral("Select an allocator")));

        std::vector<FrameRecord> frames;
        FrameStats stats;
        for (std::uint32_t seq = 0; seq < 100; ++seq) {
            if (seq >= 40 && seq < 43)
                continue; // dropped
            frames.push_back(frame(0, seq));
            if (seq == 43) {
                frames.back().droppedBefore = 3;
                frames.back().interval_ns = 4 * 33 * kMs;
            }
            stats.add(frames.back());
            frames.push_back(frame(1, seq)); // another allocator's: not shown
        }
        DroppedFrames drop;
        drop.allocator = 0;
        drop.first = 40;
        drop.last = 42;
        drop.t_ns = frame(0, 43).done_ns;
        view.addFrames(frames, {drop});
        view.setAllocator(0, QStringLiteral("capture"));
        view.setFollowed(true, stats);
        view.refresh();

        QCOMPARE(view.pointCount(FrameTimingWidget::Metric::Driver), 97);
        QCOMPARE(view.pointCount(FrameTimingWidget::Metric::Interval), 96); // the first frame has none
        QCOMPARE(view.dropMarks(), QStringList{QStringLiteral("dropped 40-42")});
        QVERIFY2(view.modeText().contains(QStringLiteral("exact")), qPrintable(view.modeText()));
        QVERIFY2(view.summaryText().startsWith(QStringLiteral("97 frames, 3 dropped, 0 bad")),
                 qPrintable(view.summaryText()));
        // the interval's percentiles (33 ms within its bucket), then the hold's
        QVERIFY2(view.summaryText().contains(QStringLiteral("p50 33")), qPrintable(view.summaryText()));
        view.setHistogramMetric(FrameTimingWidget::Metric::Hold);
        QVERIFY2(view.summaryText().contains(QStringLiteral("p99 10")), qPrintable(view.summaryText()));
        auto* box = view.findChild<QComboBox*>(QStringLiteral("FrameTimingHistogramMetric"));
        QVERIFY(box);
        QCOMPARE(box->currentIndex(), static_cast<int>(FrameTimingWidget::Metric::Hold));
        box->setCurrentIndex(static_cast<int>(FrameTimingWidget::Metric::Delivery));
        QCOMPARE(view.histogramMetric(), FrameTimingWidget::Metric::Delivery);

        // following: the newest frame at the right edge; the frames in view plotted (one point per column here)
        const double newest = static_cast<double>(frame(0, 99).done_ns) * 1e-9;
        QVERIFY(std::abs(view.timeRange().second - newest) < 1e-6);
        QCOMPARE(view.plottedPoints(FrameTimingWidget::Metric::Driver), 97);
        // an event clicked in the log: the view centres on its time and stays there as frames come
        const std::int64_t at = frame(0, 50).done_ns;
        const double width = view.timeRange().second - view.timeRange().first;
        view.jumpTo(at);
        QVERIFY(std::abs((view.timeRange().first + view.timeRange().second) / 2 - static_cast<double>(at) * 1e-9) <
                1e-6);
        QVERIFY(std::abs(view.timeRange().second - view.timeRange().first - width) < 1e-6);

        // new frames are appended, the other allocator's plotted when it is shown
        view.addFrames({frame(0, 100)}, {});
        view.refresh();
        QCOMPARE(view.pointCount(FrameTimingWidget::Metric::Driver), 98);
        QVERIFY(std::abs((view.timeRange().first + view.timeRange().second) / 2 - static_cast<double>(at) * 1e-9) <
                1e-6);
        view.setAllocator(1, QStringLiteral("other"));
        view.refresh();
        QCOMPARE(view.pointCount(FrameTimingWidget::Metric::Driver), 97);
        QVERIFY(view.dropMarks().isEmpty());
        // not followed: says so, no summary
        QVERIFY2(view.modeText().contains(QStringLiteral("sampled")), qPrintable(view.modeText()));
        QVERIFY(view.summaryText().isEmpty());

        // a double-click asks the other views to show that time
        QSignalSpy jump(&view, &FrameTimingWidget::jumpRequested);
        auto* timeline = view.findChild<QCustomPlot*>(QStringLiteral("FrameTimingTimeline"));
        QVERIFY(timeline);
        const QRect plot = timeline->axisRect()->rect();
        QTest::mouseDClick(timeline, Qt::LeftButton, {}, plot.center());
        QCOMPARE(jump.count(), 1);
        const double t = static_cast<double>(jump.front().front().toLongLong()) * 1e-9;
        QVERIFY(std::abs(t - timeline->xAxis->pixelToCoord(plot.center().x())) < 1e-3);

        view.clear();
        QCOMPARE(view.pointCount(FrameTimingWidget::Metric::Driver), 0);
    }

    void followsTheSimulatedStarvingPin()
    {
        Session session;
        Monitor::Options mo;
        mo.rateHz = 100;
        Monitor monitor(mo);
        BackendOptions bo;
        bo.set("scenario", KSSCOPE_SCENARIO_DIR "/starvation.json");
        QVERIFY(session.open({"sim"}, bo, monitor.eventSink()));
        QVERIFY(session.start());
        QVERIFY(monitor.start(session));
        FrameTimingWidget view;
        view.resize(1200, 420);
        view.show();
        view.setAllocator(0, QStringLiteral("Capture"));
        std::size_t drops = 0;
        Monitor::Batch batch;
        const auto end = std::chrono::steady_clock::now() + 3s;
        while (std::chrono::steady_clock::now() < end) {
            std::this_thread::sleep_for(50ms);
            monitor.takeNew(batch);
            drops += batch.droppedFrames.size();
            view.addFrames(batch.frames, batch.droppedFrames);
            view.setFollowed(monitor.followsFrames(0), monitor.frameStats(0));
            view.refresh();
            QCoreApplication::processEvents();
        }
        monitor.stop();
        session.close();
        const FrameStats stats = monitor.frameStats(0);
        QVERIFY(view.modeText().contains(QStringLiteral("exact")));
        QVERIFY2(stats.frames > 40, qPrintable(QString::number(stats.frames)));
        // the application stalls about once a second: frames are dropped, and each gap is marked
        QVERIFY2(drops >= 2, qPrintable(QString::number(drops)));
        QCOMPARE(static_cast<std::size_t>(view.dropMarks().size()), drops);
        QVERIFY(view.pointCount(FrameTimingWidget::Metric::Hold) > 40);
        const QString grabDir = qEnvironmentVariable("KSSCOPE_GRAB_DIR");
        if (!grabDir.isEmpty())
            QVERIFY(view.grab().save(grabDir + QStringLiteral("/frame-timing.png")));
    }
};

QTEST_MAIN(TestFrameTiming)
#include "tst_frametiming.moc"
