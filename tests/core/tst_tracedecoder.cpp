// SPDX-License-Identifier: GPL-3.0-or-later
// The V4L2 tracepoints paired into buffer transitions: the order Debian 12's kernel fires them in (seen with vivid
// and v4l2-ctl in the test VM), owners learnt from the qbuf/dqbuf pairs, events that wait for their owner, other
// nodes left out, a stopped stream's buffers given back unfilled, and frames with their sequence numbers.

#include "ksscope/frames.h"
#include "v4l2/trace_decoder.h"

#include <QTest>

using namespace ksscope;
using namespace ksscope::v4l2;

namespace {

constexpr std::uint64_t kOwner = 0xffff888004a1c000;
constexpr std::int32_t kApp = 113; // v4l2-ctl
constexpr std::int32_t kDriver = 114; // vivid's capture thread
constexpr std::int64_t kUs = 1000;

struct Feed {
    TraceDecoder decoder;
    std::vector<BufferEvent> events;
    std::int64_t t = 2'517'000 * kUs;

    void vb2(TraceKind kind, std::uint32_t index, std::int32_t pid = kApp, std::int64_t timestamp = 0,
             std::uint64_t owner = kOwner, bool interrupt = false)
    {
        TraceRecord r;
        r.t_ns = t += 10 * kUs;
        r.kind = kind;
        r.pid = pid;
        r.owner = owner;
        r.index = index;
        r.bytesUsed = 460800;
        r.timestamp_ns = timestamp;
        r.interrupt = interrupt;
        decoder.feed(r, events);
    }
    void v4l2(TraceKind kind, std::uint32_t index, std::uint32_t sequence = 0, std::int32_t minor = 0,
              std::int32_t pid = kApp, std::uint32_t flags = 0x2001)
    {
        TraceRecord r;
        r.t_ns = t += 10 * kUs;
        r.kind = kind;
        r.pid = pid;
        r.minor = minor;
        r.index = index;
        r.bytesUsed = 460800;
        r.flags = flags;
        r.sequence = sequence;
        r.timestamp_ns = 1000 * static_cast<std::int64_t>(sequence);
        decoder.feed(r, events);
    }
    /// VIDIOC_QBUF of \a index on a streaming queue: vb2_qbuf, vb2_buf_queue, v4l2_qbuf.
    void qbuf(std::uint32_t index, std::int32_t minor = 0, std::uint64_t owner = kOwner)
    {
        vb2(TraceKind::Vb2Qbuf, index, kApp, 0, owner);
        vb2(TraceKind::Vb2BufQueue, index, kApp, 0, owner);
        v4l2(TraceKind::V4l2Qbuf, index, 0, minor);
    }
    /// VIDIOC_DQBUF: vb2_dqbuf (ns timestamp), v4l2_dqbuf (sequence).
    void dqbuf(std::uint32_t index, std::uint32_t sequence, std::uint32_t flags = 0x2001)
    {
        vb2(TraceKind::Vb2Dqbuf, index, kApp, 2'531'949'552 + sequence);
        v4l2(TraceKind::V4l2Dqbuf, index, sequence, 0, kApp, flags);
    }
    void done(std::uint32_t index) { vb2(TraceKind::Vb2BufDone, index, kDriver); }

    [[nodiscard]] std::vector<BufferTransition> transitions() const
    {
        std::vector<BufferTransition> out;
        for (const BufferEvent& e : events)
            out.push_back(e.transition);
        return out;
    }
};

} // namespace

class TestTraceDecoder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    /// v4l2-ctl --stream-mmap=3: three buffers queued before STREAMON, buffer_queue at STREAMON, then done, dequeued
    /// and queued again.
    void aStreamAsTheKernelTracesIt()
    {
        using T = BufferTransition;
        Feed f;
        f.decoder.watch(0, 5);
        for (std::uint32_t i = 0; i < 3; ++i) {
            f.vb2(TraceKind::Vb2Qbuf, i);
            f.v4l2(TraceKind::V4l2Qbuf, i);
        }
        for (std::uint32_t i = 0; i < 3; ++i) // STREAMON
            f.vb2(TraceKind::Vb2BufQueue, i);
        f.done(0);
        f.done(1);
        f.dqbuf(0, 0);
        f.qbuf(0);
        QCOMPARE(f.transitions(),
                 (std::vector<T>{T::Queued, T::Queued, T::Queued, T::DriverOwned, T::DriverOwned, T::DriverOwned,
                                 T::Done, T::Done, T::Dequeued, T::Queued, T::DriverOwned}));
        for (const BufferEvent& e : f.events)
            QCOMPARE(e.allocator, 5u);
        const BufferEvent& done = f.events[6];
        QCOMPARE(done.buffer, 0u);
        QVERIFY(!done.numbered); // the dequeue numbers it
        const BufferEvent& dq = f.events[8];
        QCOMPARE(dq.buffer, 0u);
        QCOMPARE(dq.sequence, 0u);
        QCOMPARE(dq.timestamp_ns, std::int64_t{2'531'949'552}); // the vb2 event's, in ns
        QCOMPARE(dq.pid, kApp);
        QCOMPARE(dq.bytesUsed, 460800u);
        QVERIFY(!dq.error);
        QCOMPARE(f.events[9].pid, kApp);
        QCOMPARE(f.decoder.minorOf(kOwner), 0);

        // through a FrameTracker: one frame, its latencies, and a drop when sequence 1 never comes
        FrameTracker tracker(5);
        std::vector<FrameRecord> frames;
        std::vector<DroppedFrames> drops;
        f.done(2);
        f.dqbuf(1, 2, 0x2041); // sequence 1 never came; the driver marked this one bad
        f.qbuf(1);
        for (const BufferEvent& e : f.events)
            tracker.apply(e, frames, drops);
        QCOMPARE(frames.size(), std::size_t{2});
        QCOMPARE(frames[0].sequence, 0u);
        QVERIFY(frames[0].driverLatency_ns() > 0);
        QVERIFY(frames[0].hold_ns() > 0);
        QCOMPARE(frames[1].sequence, 2u);
        QVERIFY(frames[1].error);
        QCOMPARE(drops.size(), std::size_t{1});
        QCOMPARE(drops[0].first, 1u);
        QCOMPARE(drops[0].last, 1u);
    }

    /// Watching begins mid-stream: the driver's events come before any qbuf or dqbuf names the owner's node; they
    /// wait, and come out in order once it is known.
    void eventsWaitForTheirOwner()
    {
        using T = BufferTransition;
        Feed f;
        f.decoder.watch(0, 1);
        f.done(2);
        f.done(3);
        QVERIFY(f.events.empty());
        f.dqbuf(2, 40);
        QCOMPARE(f.transitions(), (std::vector<T>{T::Done, T::Done, T::Dequeued}));
        QCOMPARE(f.events[0].buffer, 2u);
        QCOMPARE(f.events[1].buffer, 3u);
        QCOMPARE(f.events[2].sequence, 40u);
        QVERIFY(f.events[0].t_ns < f.events[2].t_ns);

        // an owner never named keeps a bounded number
        for (std::size_t i = 0; i < TraceDecoder::kMaxWaiting + 10; ++i)
            f.vb2(TraceKind::Vb2BufDone, 0, kDriver, 0, 0x1234);
        QCOMPARE(f.decoder.unpaired(), std::uint64_t{10});
        QCOMPARE(f.decoder.minorOf(0x1234), -1);
    }

    /// Another node's queue (its own owner and minor) is not reported; a node watched later is.
    void onlyWatchedNodes()
    {
        Feed f;
        f.decoder.watch(0, 0);
        constexpr std::uint64_t kOther = 0xffff888004b2d000;
        f.qbuf(0, 3, kOther);
        f.vb2(TraceKind::Vb2BufDone, 0, kDriver, 0, kOther);
        QVERIFY(f.events.empty());
        QCOMPARE(f.decoder.minorOf(kOther), 3);
        f.decoder.watch(3, 7);
        f.vb2(TraceKind::Vb2BufDone, 0, kDriver, 0, kOther);
        QCOMPARE(f.events.size(), std::size_t{1});
        QCOMPARE(f.events[0].allocator, 7u);
        f.decoder.unwatch(3);
        f.vb2(TraceKind::Vb2BufDone, 0, kDriver, 0, kOther);
        QCOMPARE(f.events.size(), std::size_t{1});
    }

    /// STREAMOFF: the buffers the driver held come back "done" in the application's own call, outside interrupts -
    /// given back unfilled, not frames. A driver that completes in an interrupt the application happened to be
    /// running under still fills frames.
    void streamOffGivesBuffersBackUnfilled()
    {
        using T = BufferTransition;
        Feed f;
        f.decoder.watch(0, 0);
        f.qbuf(0);
        f.qbuf(1);
        f.events.clear();
        f.vb2(TraceKind::Vb2BufDone, 0, kApp, 0, kOwner, true); // an interrupt while v4l2-ctl ran
        f.vb2(TraceKind::Vb2BufDone, 1, kApp); // STREAMOFF
        QCOMPARE(f.transitions(), (std::vector<T>{T::Done, T::Queued}));
        QCOMPARE(f.events[1].pid, -1);
    }

    /// A dequeue whose vb2 event was lost still counts, with the v4l2 event's time and timestamp; a qbuf likewise.
    void aLoneV4l2EventStillCounts()
    {
        using T = BufferTransition;
        Feed f;
        f.decoder.watch(0, 0);
        f.v4l2(TraceKind::V4l2Dqbuf, 1, 9);
        f.v4l2(TraceKind::V4l2Qbuf, 1);
        QCOMPARE(f.transitions(), (std::vector<T>{T::Dequeued, T::Queued}));
        QCOMPARE(f.events[0].timestamp_ns, std::int64_t{9000});
        QCOMPARE(f.events[0].sequence, 9u);
    }
};

QTEST_GUILESS_MAIN(TestTraceDecoder)
#include "tst_tracedecoder.moc"
