// SPDX-License-Identifier: GPL-3.0-or-later
// The frame-timing view on synthetic frames (exact expectations) and on a monitor following the simulated starving
// pin frame by frame: what it plots, the drops it marks, its percentiles and what it says it shows.

#include "frametimingwidget.h"
#include "ksscope/backend.h"
#include "ksscope/monitor.h"
#include "qcustomplot_include.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QTest>

#include <chrono>
#include <cmath>
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

        // new frames are appended, the other allocator's plotted when it is shown
        view.addFrames({frame(0, 100)}, {});
        view.refresh();
        QCOMPARE(view.pointCount(FrameTimingWidget::Metric::Driver), 98);
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
