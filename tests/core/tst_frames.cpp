// SPDX-License-Identifier: GPL-3.0-or-later
// Frame records from buffer transitions: latencies, hold times, intervals, the dropped sequence numbers named, and
// transitions that begin mid-stream or make no sense.

#include "ksscope/frames.h"
#include "ksscope/holders.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdlib>
#if defined(__linux__)
#include <unistd.h>
#endif

using namespace ksscope;

namespace {

constexpr std::int64_t kMs = 1'000'000;

struct Run {
    FrameTracker tracker{3};
    std::vector<FrameRecord> frames;
    std::vector<DroppedFrames> drops;

    void event(std::int64_t t_ns, std::uint32_t buffer, BufferTransition transition, std::uint32_t sequence = 0,
               std::int64_t timestamp_ns = -1, std::int32_t pid = -1, bool error = false)
    {
        BufferEvent e;
        e.t_ns = t_ns;
        e.allocator = 3;
        e.buffer = buffer;
        e.transition = transition;
        e.sequence = sequence;
        e.timestamp_ns = timestamp_ns;
        e.bytesUsed = 1000 + sequence;
        e.pid = pid;
        e.error = error;
        tracker.apply(e, frames, drops);
    }
    /// One whole frame in \a buffer: handed to the driver at \a t, done 5 ms later with sequence \a seq and its own
    /// timestamp, dequeued 1 ms after that by pid 42, given back after \a hold.
    void frame(std::int64_t t, std::uint32_t buffer, std::uint32_t seq, std::int64_t hold, bool error = false)
    {
        event(t, buffer, BufferTransition::DriverOwned);
        event(t + 5 * kMs, buffer, BufferTransition::Done, seq, t + 4 * kMs, -1, error);
        event(t + 6 * kMs, buffer, BufferTransition::Dequeued, seq, t + 4 * kMs, 42, error);
        event(t + 6 * kMs + hold, buffer, BufferTransition::Queued, 0, -1, 42);
    }
};

} // namespace

class TestFrames : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void latenciesHoldAndInterval()
    {
        Run run;
        run.frame(0, 0, 0, 10 * kMs);
        run.frame(33 * kMs, 1, 1, 20 * kMs);
        QCOMPARE(run.frames.size(), std::size_t{2});
        const FrameRecord& second = run.frames[1];
        QCOMPARE(second.allocator, 3u);
        QCOMPARE(second.buffer, 1u);
        QCOMPARE(second.sequence, 1u);
        QCOMPARE(second.timestamp_ns, 37 * kMs);
        QCOMPARE(second.driverLatency_ns(), 5 * kMs);
        QCOMPARE(second.deliveryLatency_ns(), 1 * kMs);
        QCOMPARE(second.hold_ns(), 20 * kMs);
        QCOMPARE(second.interval_ns, 33 * kMs); // between the frames' own timestamps
        QCOMPARE(second.holder, 42);
        QCOMPARE(second.bytesUsed, 1001u);
        QCOMPARE(run.frames[0].interval_ns, std::int64_t{-1});
        QVERIFY(run.drops.empty());
        QCOMPARE(run.tracker.framesDone(), std::uint64_t{2});
        QCOMPARE(run.tracker.framesDropped(), std::uint64_t{0});
    }

    /// V4L2's tracepoints: buf_done says no sequence number; the dequeue does. The frame is numbered then, its drops
    /// and interval counted; a buffer the driver gave back unfilled when the stream stopped is no frame.
    void framesNumberedWhenDequeued()
    {
        Run run;
        const auto doneUnnumbered = [&](std::int64_t t, std::uint32_t buffer) {
            BufferEvent e;
            e.t_ns = t;
            e.allocator = 3;
            e.buffer = buffer;
            e.transition = BufferTransition::Done;
            e.numbered = false;
            run.tracker.apply(e, run.frames, run.drops);
        };
        run.event(0, 0, BufferTransition::DriverOwned);
        run.event(0, 1, BufferTransition::DriverOwned);
        doneUnnumbered(5 * kMs, 0);
        QCOMPARE(run.tracker.framesDone(), std::uint64_t{0});
        run.event(6 * kMs, 0, BufferTransition::Dequeued, 7, 4 * kMs, 42);
        run.event(7 * kMs, 0, BufferTransition::Queued, 0, -1, 42);
        doneUnnumbered(40 * kMs, 1);
        run.event(41 * kMs, 1, BufferTransition::Dequeued, 9, 38 * kMs, 42); // 8 never came
        run.event(50 * kMs, 1, BufferTransition::Queued, 0, -1, 42);
        QCOMPARE(run.frames.size(), std::size_t{2});
        QCOMPARE(run.frames[0].sequence, 7u);
        QCOMPARE(run.frames[0].driverLatency_ns(), 5 * kMs);
        QCOMPARE(run.frames[0].deliveryLatency_ns(), 1 * kMs);
        QCOMPARE(run.frames[1].sequence, 9u);
        QCOMPARE(run.frames[1].droppedBefore, 1u);
        QCOMPARE(run.frames[1].interval_ns, 34 * kMs);
        QCOMPARE(run.frames[1].hold_ns(), 9 * kMs);
        QCOMPARE(run.drops.size(), std::size_t{1});
        QCOMPARE(run.drops[0].first, 8u);
        QCOMPARE(run.drops[0].t_ns, 41 * kMs);
        // stopped: buffer 0 handed to the driver and given back unfilled, never dequeued
        run.event(60 * kMs, 0, BufferTransition::DriverOwned);
        doneUnnumbered(70 * kMs, 0);
        run.event(80 * kMs, 0, BufferTransition::DriverOwned);
        run.tracker.flush(run.frames);
        QCOMPARE(run.frames.size(), std::size_t{2});
        QCOMPARE(run.tracker.framesDone(), std::uint64_t{2});
        QCOMPARE(run.tracker.framesDropped(), std::uint64_t{1});
    }

    void missingSequenceNumbersAreDrops()
    {
        Run run;
        run.frame(0, 0, 10, kMs);
        run.frame(33 * kMs, 1, 11, kMs);
        run.frame(66 * kMs, 0, 14, kMs, true); // 12 and 13 never came
        QCOMPARE(run.drops.size(), std::size_t{1});
        QCOMPARE(run.drops[0].first, 12u);
        QCOMPARE(run.drops[0].last, 13u);
        QCOMPARE(run.drops[0].count(), 2u);
        QCOMPARE(run.drops[0].allocator, 3u);
        QCOMPARE(run.drops[0].t_ns, 71 * kMs); // known when 14 was filled
        QCOMPARE(run.frames[2].droppedBefore, 2u);
        QVERIFY(run.frames[2].error);
        QVERIFY(!run.frames[1].error);
        QCOMPARE(run.tracker.framesDropped(), std::uint64_t{2});
        // a sequence that goes back is a new stream, not four billion drops; nor is the wrap past the largest one
        run.frame(99 * kMs, 1, 0, kMs);
        run.frame(132 * kMs, 2, UINT32_MAX, kMs);
        run.frame(165 * kMs, 0, 0, kMs);
        QCOMPARE(run.drops.size(), std::size_t{2}); // 1 .. UINT32_MAX-1 are missing, then the wrap is not a gap
        QCOMPARE(run.drops[1].first, 1u);
        QCOMPARE(run.drops[1].last, UINT32_MAX - 1);
    }

    void occupancyFromTransitions()
    {
        Run run;
        for (std::uint32_t b = 0; b < 4; ++b)
            run.event(b, b, BufferTransition::DriverOwned);
        QCOMPARE(run.tracker.driverOwned(), 4u);
        QCOMPARE(run.tracker.applicationHeld(), 0u);
        run.event(10, 0, BufferTransition::Done, 0, 9);
        run.event(11, 0, BufferTransition::Dequeued, 0, 9, 7);
        run.event(12, 1, BufferTransition::Done, 1, 11);
        QCOMPARE(run.tracker.driverOwned(), 2u);
        QCOMPARE(run.tracker.applicationHeld(), 1u);
        QVERIFY(run.frames.empty()); // nothing given back yet
        // watching ends: the frames filled come out as they are, the empty buffers do not
        run.tracker.flush(run.frames);
        QCOMPARE(run.frames.size(), std::size_t{2});
        QCOMPARE(run.frames[0].hold_ns(), std::int64_t{-1});
        QCOMPARE(run.frames[0].holder, 7);
        QCOMPARE(run.frames[1].dequeued_ns, std::int64_t{-1});
    }

    void eventsThatBeginMidStream()
    {
        Run run;
        // a buffer dequeued whose fill was before the events began: a frame without driver times, and no drop
        // counted from it
        run.event(5, 2, BufferTransition::Dequeued, 100, 4, 9);
        run.event(8, 2, BufferTransition::Queued);
        QCOMPARE(run.frames.size(), std::size_t{1});
        QCOMPARE(run.frames[0].sequence, 100u);
        QCOMPARE(run.frames[0].hold_ns(), std::int64_t{3});
        QCOMPARE(run.frames[0].driverLatency_ns(), std::int64_t{-1});
        // a fill whose hand-over was not seen
        run.event(20, 3, BufferTransition::Done, 101, 19);
        run.event(21, 3, BufferTransition::Dequeued, 101, 19, 9);
        run.event(30, 3, BufferTransition::Queued);
        QCOMPARE(run.frames.size(), std::size_t{2});
        QCOMPARE(run.frames[1].deliveryLatency_ns(), std::int64_t{1});
        QVERIFY(run.drops.empty());
        // a buffer given back that was never filled is not a frame
        run.event(40, 1, BufferTransition::Queued);
        QCOMPARE(run.frames.size(), std::size_t{2});
    }

    void nonsenseIsIgnored()
    {
        Run run;
        run.event(1, 4'000'000'000u, BufferTransition::Done, 1, 1); // no queue has that buffer
        QCOMPARE(run.tracker.framesDone(), std::uint64_t{0});
        QCOMPARE(run.tracker.driverOwned(), 0u);
        // a timestamp that goes back gives no interval
        run.event(10, 0, BufferTransition::Done, 1, 100);
        run.event(20, 1, BufferTransition::Done, 2, 50);
        run.event(21, 0, BufferTransition::Queued);
        run.event(22, 1, BufferTransition::Queued);
        QCOMPARE(run.frames.size(), std::size_t{2});
        QCOMPARE(run.frames[1].interval_ns, std::int64_t{-1});
    }

    void histogramBuckets()
    {
        // every value falls in the bucket whose range holds it, and a bucket is at most 1/32 of its start wide
        std::uint64_t x = 88172645463325252ull; // xorshift
        for (int i = 0; i < 100000; ++i) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            const auto v = static_cast<std::int64_t>(x >> (1 + i % 62));
            const std::size_t b = DurationHistogram::bucketOf(v);
            const std::int64_t from = DurationHistogram::bucketStart(b);
            const std::int64_t to = DurationHistogram::bucketStart(b + 1);
            QVERIFY2(from <= v && v < to, qPrintable(QStringLiteral("%1 in [%2, %3)").arg(v).arg(from).arg(to)));
            QVERIFY(from < 64 || (to - from) * 32 <= from);
        }
        QCOMPARE(DurationHistogram::bucketStart(DurationHistogram::bucketOf(63)), std::int64_t{63});
        QVERIFY(DurationHistogram::bucketOf(INT64_MAX) > DurationHistogram::bucketOf(INT64_MAX / 2));
    }

    void percentilesWithinTheirBucket()
    {
        DurationHistogram h;
        QCOMPARE(h.percentile_ns(0.5), std::int64_t{-1});
        QCOMPARE(h.min_ns(), std::int64_t{-1});
        for (std::int64_t us = 1000; us >= 1; --us) // 1 us .. 1 ms, in any order
            h.add(us * 1000);
        h.add(-5); // not a duration
        QCOMPARE(h.count(), std::uint64_t{1000});
        QCOMPARE(h.min_ns(), std::int64_t{1000});
        QCOMPARE(h.max_ns(), std::int64_t{1'000'000});
        QCOMPARE(h.mean_ns(), 500'500.0);
        for (const double p : {0.5, 0.9, 0.99}) {
            const auto exact = static_cast<std::int64_t>(p * 1000) * 1000;
            const std::int64_t got = h.percentile_ns(p);
            QVERIFY2(std::llabs(got - exact) * 64 <= exact,
                     qPrintable(QStringLiteral("p%1: %2 for %3").arg(p).arg(got).arg(exact)));
        }
        QCOMPARE(h.percentile_ns(1.0), std::int64_t{1'000'000}); // never past the maximum
        QCOMPARE(h.percentile_ns(0.0), h.percentile_ns(0.001)); // the smallest: within the first bucket
        QVERIFY(h.percentile_ns(0.0) >= 1000 && (h.percentile_ns(0.0) - 1000) * 32 <= 1000);
        std::uint64_t counted = 0;
        for (const auto& b : h.buckets())
            counted += b.count;
        QCOMPARE(counted, std::uint64_t{1000});
        // merged halves are the whole
        DurationHistogram low;
        DurationHistogram high;
        for (std::int64_t us = 1; us <= 1000; ++us)
            (us <= 500 ? low : high).add(us * 1000);
        low.merge(high);
        QCOMPARE(low.count(), h.count());
        QCOMPARE(low.percentile_ns(0.99), h.percentile_ns(0.99));
        QCOMPARE(low.min_ns(), h.min_ns());
        QCOMPARE(low.max_ns(), h.max_ns());
    }

    void statsOfAStream()
    {
        Run run;
        FrameStats stats;
        std::int64_t t = 0;
        for (std::uint32_t seq = 0; seq < 100; ++seq) {
            if (seq % 10 == 9)
                continue; // the driver drops every tenth frame
            run.frame(t + seq * 33 * kMs, seq % 4, seq, (seq % 2 ? 20 : 10) * kMs, seq == 50);
        }
        for (const FrameRecord& f : run.frames)
            stats.add(f);
        QCOMPARE(stats.frames, std::uint64_t{90});
        QCOMPARE(stats.dropped, std::uint64_t{9}); // 9, 19, ..., 89: the last one (99) is never followed
        QCOMPARE(stats.dropped, run.tracker.framesDropped());
        QCOMPARE(stats.errors, std::uint64_t{1});
        QCOMPARE(stats.driverLatency.max_ns(), 5 * kMs);
        QCOMPARE(stats.deliveryLatency.min_ns(), 1 * kMs);
        QCOMPARE(stats.hold.min_ns(), 10 * kMs);
        QCOMPARE(stats.hold.max_ns(), 20 * kMs);
        QCOMPARE(stats.interval.min_ns(), 33 * kMs);
        QCOMPARE(stats.interval.max_ns(), 66 * kMs); // across a dropped frame
    }

    void processesWithTheNodeOpenAreNamed()
    {
#if defined(__linux__)
        // a process with /dev/zero open (its standard input), under a link name too
        QProcess holder;
        holder.setStandardInputFile(QStringLiteral("/dev/zero"));
        holder.start(QStringLiteral("sleep"), {QStringLiteral("30")});
        QVERIFY(holder.waitForStarted());
        const auto pid = static_cast<std::int32_t>(holder.processId());
        const auto holds = [pid](const BufferHolders& found) {
            return std::any_of(found.openers.begin(), found.openers.end(), [pid](const NodeOpener& o) {
                return o.process.pid == pid && o.process.name == "sleep" && o.fds == 1;
            });
        };
        BufferHolders found = findBufferHolders("/dev/zero");
        QVERIFY2(holds(found), describeOpeners(found.openers).c_str());
        QVERIFY(std::is_sorted(found.openers.begin(), found.openers.end(),
                               [](const NodeOpener& a, const NodeOpener& b) { return a.process.pid < b.process.pid; }));
        QTemporaryDir dir;
        const std::string link = dir.filePath(QStringLiteral("zero")).toStdString();
        QVERIFY(::symlink("/dev/zero", link.c_str()) == 0);
        QVERIFY(holds(findBufferHolders(link)));
        // not another device, not this process, not a process gone
        QVERIFY(!holds(findBufferHolders("/dev/full")));
        QVERIFY(std::none_of(found.openers.begin(), found.openers.end(),
                             [](const NodeOpener& o) { return o.process.pid == ::getpid(); }));
        holder.kill();
        QVERIFY(holder.waitForFinished());
        QVERIFY(!holds(findBufferHolders("/dev/zero")));
        // what is not a character device holds nothing
        QVERIFY(findBufferHolders(dir.path().toStdString()).openers.empty());
        QVERIFY(findBufferHolders("/no/such/node").openers.empty());
        QCOMPARE(describeOpeners({{{12, "a"}, 1}, { {34, "b"}, 2 }}), std::string("a (12), b (34)"));
#else
        QSKIP("processes are looked through on Linux");
#endif
    }
};

QTEST_GUILESS_MAIN(TestFrames)
#include "tst_frames.moc"
