// SPDX-License-Identifier: GPL-3.0-or-later
// A source that follows every buffer move (the kernel trace, a stream of KsScope's own, the simulator) places the
// moves on the monitor's clock: each at its own time, in order, none replacing another in a recording, and one
// occupancy reading per time - whatever times the moves came with and however close the ticks are.

#include "transition_source.h"

#include <QTest>

#include <map>
#include <tuple>

using namespace ksscope;

namespace {

/// The monitor as a source sees it during a tick, keeping everything the source hands over.
class RecordingSink final : public SampleSink {
public:
    std::vector<std::string> ids{"dev/a/allocator", "dev/b/allocator"};
    struct Reading {
        std::size_t index;
        std::int64_t t_ns;
        std::uint32_t allocated;
    };
    std::vector<Reading> readings;
    std::vector<BufferEvent> transitions;
    std::vector<BufferChange> changes;

    [[nodiscard]] std::int64_t steadyOrigin_ns() const override { return 1'000'000'000; }
    [[nodiscard]] std::size_t watchedCount() const override { return ids.size(); }
    [[nodiscard]] const std::string& watchedId(std::size_t index) const override { return ids.at(index); }
    [[nodiscard]] bool watchedGone(std::size_t) const override { return false; }
    [[nodiscard]] std::size_t findWatched(std::string_view id) const override
    {
        for (std::size_t i = 0; i < ids.size(); ++i)
            if (ids[i] == id)
                return i;
        return npos;
    }
    void reading(std::size_t index, std::int64_t t_ns, const AllocatorReading& reading, bool) override
    {
        readings.push_back({index, t_ns, reading.status.AllocatedFrames});
    }
    void event(const MonitorEvent&, const Topology*) override { }
    void transition(const BufferEvent& event) override { transitions.push_back(event); }
    void frame(const FrameRecord&) override { }
    void dropped(const DroppedFrames&) override { }
    [[nodiscard]] bool buffersWanted() const override { return true; }
    void bufferChange(const BufferChange& change) override { changes.push_back(change); }
    [[nodiscard]] std::size_t laneWanted() const override { return Lanes::kNone; }
    void lane(LaneUpdate) override { }
};

/// Follows both allocators; hands over the moves the test queued, on the steady clock as a real source does.
class QueuedMoves final : public TransitionSource {
public:
    /// A move of \a buffer of allocator \a index at \a t_ns on the monitor's clock.
    void push(std::uint32_t index, std::uint32_t buffer, BufferTransition transition, std::int64_t t_ns)
    {
        BufferEvent e;
        e.allocator = index;
        e.buffer = buffer;
        e.transition = transition;
        e.t_ns = t_ns + 1'000'000'000; // the sink's steady origin
        m_pending.push_back(e);
    }

protected:
    std::optional<Queue> watch(std::size_t, const std::string&, SampleSink&) override
    {
        Queue q;
        q.frames = 4;
        q.frameSize = 1000;
        return q;
    }
    void collect(std::int64_t, SampleSink&, std::vector<BufferEvent>& out) override
    {
        out.insert(out.end(), m_pending.begin(), m_pending.end());
        m_pending.clear();
    }

private:
    std::vector<BufferEvent> m_pending;
};

} // namespace

class TestTransitionSource : public QObject {
    Q_OBJECT
private:
    /// Each allocator's readings at strictly rising times, each buffer's moves too, and every move kept.
    static void checkOrdered(const RecordingSink& sink, std::size_t moves)
    {
        std::map<std::size_t, std::int64_t> lastReading;
        for (const auto& r : sink.readings) {
            if (lastReading.count(r.index) != 0)
                QVERIFY2(
                    r.t_ns > lastReading[r.index],
                    qPrintable(QStringLiteral("allocator %1 read twice at or before %2 ns").arg(r.index).arg(r.t_ns)));
            lastReading[r.index] = r.t_ns;
        }
        std::map<std::pair<std::uint32_t, std::uint32_t>, std::int64_t> lastMove;
        for (const BufferChange& c : sink.changes) {
            const auto key = std::pair{c.allocator, c.frame};
            if (lastMove.count(key) != 0)
                QVERIFY2(c.t_ns > lastMove[key], qPrintable(QStringLiteral("buffer %1 of allocator %2 moved twice "
                                                                           "at or before %3 ns")
                                                                .arg(c.frame)
                                                                .arg(c.allocator)
                                                                .arg(c.t_ns)));
            lastMove[key] = c.t_ns;
        }
        QCOMPARE(sink.changes.size(), moves);
        QCOMPARE(sink.transitions.size(), moves);
    }

private slots:
    /// Moves given the very time the tick before this one closed at: one tick's reading and the moves' readings
    /// each get a time of their own, after that tick's.
    void movesAtTheLastTickTimeFollowIt()
    {
        RecordingSink sink;
        QueuedMoves source;
        source.begin(sink);
        source.tick(1000, false, sink);
        source.push(0, 0, BufferTransition::DriverOwned, 1999); // the last nanosecond before the next tick
        source.push(0, 1, BufferTransition::DriverOwned, 1999);
        source.push(0, 0, BufferTransition::Done, 1999);
        source.push(0, 0, BufferTransition::Dequeued, 1999);
        source.tick(2000, false, sink);
        source.push(0, 1, BufferTransition::Done, 2000); // collected after the tick at 2000 took its time: waits
        source.tick(2000, false, sink); // a tick whose clock did not move (the same time twice)
        source.push(1, 0, BufferTransition::DriverOwned, 2000);
        source.tick(3000, false, sink);
        checkOrdered(sink, 6);
        // allocated as every move left it: buffer 0 held, buffer 1 filled, in the final reading of allocator 0
        std::uint32_t last = 0;
        for (const auto& r : sink.readings)
            if (r.index == 0)
                last = r.allocated;
        QCOMPARE(last, 2u);
    }

    /// Many moves at one time (a clock that ticks coarsely, or a burst clamped onto the start of a tick) stay in
    /// the order they came in, each a nanosecond after the one before, the frames keeping when they happened.
    void aBurstAtOneTimeKeepsItsOrder()
    {
        RecordingSink sink;
        QueuedMoves source;
        source.begin(sink);
        source.tick(1000, false, sink);
        for (std::uint32_t b = 0; b < 4; ++b) {
            source.push(0, b, BufferTransition::DriverOwned, 500); // before the tick at 1000: placed after it
            source.push(0, b, BufferTransition::Done, 500);
        }
        source.tick(2000, false, sink);
        checkOrdered(sink, 8);
        for (std::size_t i = 0; i < sink.transitions.size(); ++i) {
            QCOMPARE(sink.transitions[i].t_ns, std::int64_t(1001 + i));
            QCOMPARE(sink.transitions[i].buffer, static_cast<std::uint32_t>(i / 2));
            QCOMPARE(sink.transitions[i].at_ns(), std::int64_t{500});
        }
    }
};

QTEST_GUILESS_MAIN(TestTransitionSource)
#include "tst_transitionsource.moc"
