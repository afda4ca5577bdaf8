// SPDX-License-Identifier: GPL-3.0-or-later
// The sampler's event detection, driven by a scripted backend whose readings the test sets.

#include "ksscope/allocator_tracker.h"
#include "ksscope/backend.h"
#include "ksscope/device_id.h"
#include "ksscope/monitor.h"

#include <QTest>

#include <chrono>
#include <limits>
#include <mutex>
#include <thread>

using namespace ksscope;
using namespace std::chrono_literals;

namespace {

/// Readings under the test's control.
class ScriptedProbe final : public AllocatorProbe {
public:
    HRESULT read(AllocatorReading& reading) override
    {
        std::lock_guard lock(mutex);
        if (FAILED(hr))
            return hr;
        reading = value;
        return S_OK;
    }
    std::vector<BufferState> bufferStates() override
    {
        std::lock_guard lock(mutex);
        return states;
    }
    void setStates(std::vector<BufferState> s)
    {
        std::lock_guard lock(mutex);
        states = std::move(s);
    }
    void set(std::uint32_t allocated, std::uint32_t frames = 2, std::uint64_t dropped = 0)
    {
        std::lock_guard lock(mutex);
        value.status.AllocatedFrames = allocated;
        value.status.Framing.Frames = frames;
        value.status.Framing.FrameSize = 1000;
        value.droppedFrames = dropped;
    }
    void fail(HRESULT code)
    {
        std::lock_guard lock(mutex);
        hr = code;
    }
    /// From now on the readings are taken elsewhere (as a tracer or an agent takes them): \a delivered frames at
    /// \a steady_ns each.
    void take(std::int64_t steady_ns, std::uint64_t delivered)
    {
        std::lock_guard lock(mutex);
        AllocatorReading r = value;
        r.deliveredFrames = delivered;
        taken.push_back({steady_ns, r});
        takes = true;
    }
    bool takeReadings(std::vector<TakenReading>& out) override
    {
        std::lock_guard lock(mutex);
        out.insert(out.end(), taken.begin(), taken.end());
        taken.clear();
        return takes;
    }

private:
    std::mutex mutex;
    std::vector<TakenReading> taken;
    bool takes = false;
    AllocatorReading value;
    std::vector<BufferState> states;
    HRESULT hr = S_OK;
};

/// Buffer transitions a test hands a source that reports each one, by allocator id.
struct ScriptedTransitions {
    std::mutex mutex;
    std::vector<std::pair<std::string, BufferEvent>> pending;
    void push(const std::string& allocatorId, const BufferEvent& event)
    {
        std::lock_guard lock(mutex);
        pending.emplace_back(allocatorId, event);
    }
};

/// A source told of every buffer's transition (as a kernel trace or the backend's own allocators would be).
class TransitionSource final : public SampleSource {
public:
    explicit TransitionSource(std::shared_ptr<ScriptedTransitions> script) : m_script(std::move(script)) { }
    void tick(std::int64_t t_ns, bool paused, SampleSink& sink) override
    {
        (void)t_ns;
        if (paused)
            return;
        std::vector<std::pair<std::string, BufferEvent>> events;
        {
            std::lock_guard lock(m_script->mutex);
            events.swap(m_script->pending);
        }
        for (auto& [id, event] : events) {
            const std::size_t index = sink.findWatched(id);
            if (index == SampleSink::npos)
                continue;
            event.allocator = static_cast<std::uint32_t>(index);
            sink.transition(event);
        }
    }

private:
    std::shared_ptr<ScriptedTransitions> m_script;
};

class ScriptedBackend final : public Backend {
public:
    /// Set: the backend brings a source of its own that reports these transitions (its probes are then not polled).
    std::shared_ptr<ScriptedTransitions> transitions;
    std::shared_ptr<ScriptedProbe> probeA = std::make_shared<ScriptedProbe>();
    std::shared_ptr<ScriptedProbe> probeB = std::make_shared<ScriptedProbe>();
    double periodSeconds = 0.010;

    std::string name() const override { return "script"; }
    Availability availability() const override { return {true, {}}; }
    SelfTestReport selfTest() override { return {true, {}}; }
    Status open() override { return Status::ok(); }
    Status start() override { return Status::ok(); }
    void close() override { }
    Topology topology() override
    {
        Topology t;
        FilterInfo f;
        f.id = "script:dev";
        f.backend = "script";
        for (const char* pin : {"a", "b"}) {
            PinInfo p;
            p.id = std::string("script:dev/") + pin;
            p.allocatorId = p.id + "/allocator";
            f.pins.push_back(p);
            AllocatorInfo a;
            a.id = p.allocatorId;
            a.framePeriodSeconds = periodSeconds;
            a.pinIds = {p.id};
            t.allocators.push_back(a);
        }
        t.filters.push_back(f);
        return t;
    }
    std::shared_ptr<AllocatorProbe> probe(const std::string& id) override
    {
        return id == "script:dev/a/allocator" ? probeA : (id == "script:dev/b/allocator" ? probeB : nullptr);
    }
    ComPtr<IKsPin> pin(const std::string&) override { return nullptr; }
    PropertyChange setProperties(const std::string&, const PropertyRequest&, ApplyMode) override { return {}; }
    Status setMode(const std::string&, KSALLOCATORMODE, ApplyMode) override { return Status::ok(); }
    void setEventSink(EventSink sink) override { m_sink = std::move(sink); }
    void raise(const BackendEvent& e) { m_sink(e); }
    std::unique_ptr<SampleSource> createSource(const SourceOptions&) override
    {
        return transitions ? std::make_unique<TransitionSource>(transitions) : nullptr;
    }

private:
    EventSink m_sink;
};

/// The events of at least \a duration and at least five sampler ticks (a loaded machine, or a sanitizer,
/// may run fewer ticks in the time than asked for).
std::vector<MonitorEvent> collect(Monitor& monitor, std::chrono::milliseconds duration)
{
    std::vector<MonitorEvent> events;
    Monitor::Batch batch;
    const auto end = std::chrono::steady_clock::now() + duration;
    const std::uint64_t ticks = monitor.samplerStats().ticks + 5;
    while (std::chrono::steady_clock::now() < end || monitor.samplerStats().ticks < ticks) {
        std::this_thread::sleep_for(10ms);
        monitor.takeNew(batch);
        events.insert(events.end(), batch.events.begin(), batch.events.end());
    }
    return events;
}

/// Waits until the sampler has run \a ticks more ticks (however loaded the machine is).
void waitTicks(const Monitor& monitor, std::uint64_t ticks = 3)
{
    const std::uint64_t target = monitor.samplerStats().ticks + ticks;
    while (monitor.samplerStats().ticks < target)
        std::this_thread::sleep_for(1ms);
}

int countKind(const std::vector<MonitorEvent>& events, EventKind kind, const std::string& id = {})
{
    int n = 0;
    for (const auto& e : events)
        n += e.kind == kind && (id.empty() || e.id == id);
    return n;
}

} // namespace

class TestMonitor : public QObject {
    Q_OBJECT
private:
    struct Fixture {
        Session session;
        ScriptedBackend* backend = nullptr;
        std::unique_ptr<Monitor> monitor;
        explicit Fixture(Monitor::Options options = {})
        {
            options.rateHz = 500;
            monitor = std::make_unique<Monitor>(options);
            auto b = std::make_unique<ScriptedBackend>();
            backend = b.get();
            backend->probeA->set(0);
            backend->probeB->set(0);
            session.adopt(std::move(b), monitor->eventSink());
        }
        bool start() { return monitor->start(session).isOk(); }
    };

private slots:
    void anEventDrivenSourceGivesFramesAndNamesDrops()
    {
        Fixture f;
        auto script = std::make_shared<ScriptedTransitions>();
        f.backend->transitions = script;
        QVERIFY(f.start());
        const std::string a = "script:dev/a/allocator";
        const auto frame = [&](std::int64_t t, std::uint32_t buffer, std::uint32_t sequence, std::int64_t hold) {
            BufferEvent e;
            e.buffer = buffer;
            e.sequence = sequence;
            e.timestamp_ns = t + 4'000'000;
            e.pid = 77;
            for (const auto& [transition, at] :
                 {std::pair{BufferTransition::DriverOwned, t}, std::pair{BufferTransition::Done, t + 5'000'000},
                  std::pair{BufferTransition::Dequeued, t + 6'000'000},
                  std::pair{BufferTransition::Queued, t + 6'000'000 + hold}}) {
                e.transition = transition;
                e.t_ns = at;
                script->push(a, e);
            }
        };
        frame(0, 0, 10, 2'000'000);
        frame(33'000'000, 1, 11, 3'000'000);
        frame(66'000'000, 0, 14, 4'000'000); // 12 and 13 never came
        std::vector<FrameRecord> frames;
        std::vector<DroppedFrames> drops;
        std::vector<MonitorEvent> events;
        std::size_t samples = 0;
        Monitor::Batch batch;
        for (int i = 0; i < 2000 && frames.size() < 3; ++i) {
            std::this_thread::sleep_for(5ms);
            f.monitor->takeNew(batch);
            frames.insert(frames.end(), batch.frames.begin(), batch.frames.end());
            drops.insert(drops.end(), batch.droppedFrames.begin(), batch.droppedFrames.end());
            events.insert(events.end(), batch.events.begin(), batch.events.end());
            samples += batch.samples.size();
        }
        QCOMPARE(frames.size(), std::size_t{3});
        QCOMPARE(frames[2].sequence, 14u);
        QCOMPARE(frames[2].droppedBefore, 2u);
        QCOMPARE(frames[2].hold_ns(), std::int64_t{4'000'000});
        QCOMPARE(frames[1].holder, 77);
        QCOMPARE(drops.size(), std::size_t{1});
        QCOMPARE(drops[0].first, 12u);
        QCOMPARE(drops[0].last, 13u);
        QCOMPARE(countKind(events, EventKind::Drop, a), 1);
        for (const MonitorEvent& e : events)
            if (e.kind == EventKind::Drop)
                QVERIFY2(e.message.find("frames 12-13 never came") != std::string::npos, e.message.c_str());
        const std::size_t index = static_cast<std::size_t>(frames[0].allocator);
        QCOMPARE(f.monitor->allocatorIds()[index], a);
        const FrameStats stats = f.monitor->frameStats(index);
        QCOMPARE(stats.frames, std::uint64_t{3});
        QCOMPARE(stats.dropped, std::uint64_t{2});
        QCOMPARE(stats.hold.min_ns(), std::int64_t{2'000'000});
        QCOMPARE(stats.hold.max_ns(), std::int64_t{4'000'000});
        QCOMPARE(stats.interval.max_ns(), std::int64_t{33'000'000});
        // the backend's own source samples its allocators: its probes are not polled beside it
        QCOMPARE(samples, std::size_t{0});
        QCOMPARE(f.monitor->frameStats(index == 0 ? 1 : 0).frames, std::uint64_t{0});
    }

    void watchesEveryAllocatorByDefault()
    {
        Fixture f;
        QVERIFY(f.start());
        QCOMPARE(f.monitor->allocatorIds(),
                 (std::vector<std::string>{"script:dev/a/allocator", "script:dev/b/allocator"}));
    }
    void watchesChosenIds()
    {
        Monitor::Options o;
        o.ids = {"script:dev/b"}; // a pin id resolves to its allocator
        Fixture f(o);
        QVERIFY(f.start());
        QCOMPARE(f.monitor->allocatorIds(), (std::vector<std::string>{"script:dev/b/allocator"}));
        Monitor::Options byFilter;
        byFilter.ids = {"script:dev"};
        Fixture g(byFilter);
        QVERIFY(g.start());
        QCOMPARE(g.monitor->allocatorIds().size(), std::size_t{2});
    }
    void unknownIdIsRefused()
    {
        Monitor::Options o;
        o.ids = {"script:dev/zzz"};
        Fixture f(o);
        const Status s = f.monitor->start(f.session);
        QVERIFY(!s);
        QCOMPARE(s.code(), hresultFromWin32(kErrorNotFound));
        QVERIFY(s.message().find("script:dev/a/allocator") != std::string::npos); // lists what exists
    }
    void samplesReachHistoryAndConsumers()
    {
        Fixture f;
        f.backend->probeA->set(1, 4);
        QVERIFY(f.start());
        std::this_thread::sleep_for(100ms);
        Monitor::Batch batch;
        f.monitor->takeNew(batch);
        QVERIFY(batch.samples.size() >= 20);
        bool sawA = false;
        std::size_t takenA = 0;
        for (const auto& r : batch.samples) {
            if (r.allocator == 0) {
                sawA = true;
                ++takenA;
                QCOMPARE(r.sample.allocated, 1u);
                QCOMPARE(r.sample.frames, 4u);
                QCOMPARE(r.frameSize, 1000u);
            }
        }
        QVERIFY(sawA);
        for (std::size_t i = 1; i < batch.samples.size(); ++i)
            QVERIFY(batch.samples[i - 1].sample.t_ns <= batch.samples[i].sample.t_ns);
        f.monitor->takeNew(batch);
        QVERIFY(batch.samples.size() < 20); // taken once
        std::vector<Sample> window;
        f.monitor->window(0, 0, f.monitor->now_ns(), window);
        QVERIFY(window.size() >= takenA); // the history holds at least what consumers were handed
        const SamplerStats stats = f.monitor->samplerStats();
        QVERIFY(stats.ticks >= 10);
        QCOMPARE(stats.samples, stats.ticks * 2);
    }
    void starvationAfterTwoFramePeriods()
    {
        Fixture f; // frame period 10 ms: starvation after 20 ms with no free frame
        QVERIFY(f.start());
        std::this_thread::sleep_for(20ms);
        f.backend->probeA->set(2, 2);
        auto events = collect(*f.monitor, 150ms);
        QCOMPARE(countKind(events, EventKind::Starvation, "script:dev/a/allocator"), 1); // one per episode
        QCOMPARE(countKind(events, EventKind::Starvation, "script:dev/b/allocator"), 0);
        f.backend->probeA->set(1, 2);
        events = collect(*f.monitor, 50ms);
        QCOMPARE(countKind(events, EventKind::Starvation), 0);
        f.backend->probeA->set(2, 2);
        events = collect(*f.monitor, 100ms);
        QCOMPARE(countKind(events, EventKind::Starvation, "script:dev/a/allocator"), 1); // a new episode
        const AllocatorStats stats = f.monitor->stats(0);
        QCOMPARE(stats.starvationCount, std::uint64_t{2});
        QVERIFY(stats.starvedMs >= 150.0);
        QCOMPARE(stats.maxAllocated, 2u);
        QCOMPARE(stats.minAllocated, 0u);
        QVERIFY(stats.starving);

        // the episodes as intervals: the first closed, the second still open
        std::vector<StarvationInterval> intervals;
        f.monitor->starvationIntervals(0, 0, f.monitor->now_ns(), intervals);
        QCOMPARE(intervals.size(), std::size_t{2});
        // an episode is reported only after two frame periods (20 ms) with no free frame, and it is part of
        // the starved time (a fixed wall-clock bound would depend on how loaded the machine is)
        const std::int64_t closed_ns = intervals[0].end_ns - intervals[0].begin_ns;
        QVERIFY(closed_ns >= 20'000'000);
        QVERIFY(static_cast<double>(closed_ns) * 1e-6 <= stats.starvedMs);
        QVERIFY(intervals[1].begin_ns > intervals[0].end_ns);
        QCOMPARE(intervals[1].end_ns, std::int64_t{-1});
        const std::int64_t firstBegin = intervals[0].begin_ns;
        intervals.clear();
        f.monitor->starvationIntervals(0, 0, firstBegin - 1, intervals); // before both
        QVERIFY(intervals.empty());
        f.monitor->starvationIntervals(1, 0, f.monitor->now_ns(), intervals);
        QVERIFY(intervals.empty());
    }
    void lanesFollowBufferStates()
    {
        Fixture f;
        f.backend->probeA->setStates({BufferState::Free, BufferState::Free});
        QVERIFY(f.start());
        Lanes lanes;
        f.monitor->lanes(0, f.monitor->now_ns(), lanes);
        QCOMPARE(lanes.allocator, Lanes::kNone);
        f.monitor->setLaneAllocator(0);
        waitTicks(*f.monitor);
        f.backend->probeA->setStates({BufferState::Producer, BufferState::Free});
        waitTicks(*f.monitor);
        f.backend->probeA->setStates({BufferState::Consumer, BufferState::Waiting});
        waitTicks(*f.monitor);
        f.monitor->lanes(0, f.monitor->now_ns(), lanes);
        QCOMPARE(lanes.allocator, std::size_t{0});
        QVERIFY(lanes.supported);
        QCOMPARE(lanes.buffers.size(), std::size_t{2});
        QCOMPARE(lanes.buffers[0].size(), std::size_t{3}); // free -> producer -> consumer
        QCOMPARE(lanes.buffers[0][1].state, BufferState::Producer);
        QCOMPARE(lanes.buffers[0][2].state, BufferState::Consumer);
        QVERIFY(lanes.buffers[0][1].t_ns < lanes.buffers[0][2].t_ns);
        QCOMPARE(lanes.buffers[1].size(), std::size_t{2}); // free -> waiting
        // a window after the changes holds only the state each frame is in
        const std::int64_t now = f.monitor->now_ns();
        f.monitor->lanes(now, now, lanes);
        QCOMPARE(lanes.buffers[0].size(), std::size_t{1});
        QCOMPARE(lanes.buffers[0][0].state, BufferState::Consumer);

        // another allocator without per-buffer states: tracked, but unsupported
        f.monitor->setLaneAllocator(1);
        waitTicks(*f.monitor);
        f.monitor->lanes(0, f.monitor->now_ns(), lanes);
        QCOMPARE(lanes.allocator, std::size_t{1});
        QVERIFY(!lanes.supported);
        QVERIFY(lanes.buffers.empty());
        f.monitor->setLaneAllocator(Lanes::kNone);
        waitTicks(*f.monitor);
        f.monitor->lanes(0, f.monitor->now_ns(), lanes);
        QCOMPARE(lanes.allocator, Lanes::kNone);
    }
    void pausedMonitorTakesNoSamples()
    {
        Fixture f;
        QVERIFY(f.start());
        std::this_thread::sleep_for(30ms);
        f.monitor->setPaused(true);
        QVERIFY(f.monitor->paused());
        waitTicks(*f.monitor, 2); // a tick in flight finishes
        Monitor::Batch batch;
        f.monitor->takeNew(batch);
        const std::uint64_t before = f.monitor->stats(0).samples;
        f.backend->raise({BackendEvent::Kind::Error, "script:dev", "while paused", E_FAIL});
        waitTicks(*f.monitor, 10);
        f.monitor->takeNew(batch);
        QVERIFY(batch.samples.empty());
        QVERIFY(batch.events.empty()); // held back until sampling resumes
        QCOMPARE(f.monitor->stats(0).samples, before);
        f.monitor->setPaused(false);
        const auto events = collect(*f.monitor, 60ms);
        QCOMPARE(countKind(events, EventKind::Error), 1);
        QVERIFY(f.monitor->stats(0).samples > before);
    }
    void briefFullnessIsNotStarvation()
    {
        Monitor::Options o;
        Fixture f(o);
        f.backend->periodSeconds = 1.0; // 2 s threshold
        QVERIFY(f.start());
        f.backend->probeA->set(2, 2);
        const auto events = collect(*f.monitor, 200ms);
        QCOMPARE(countKind(events, EventKind::Starvation), 0);
        QCOMPARE(f.monitor->stats(0).starvedMs, 0.0);
    }
    /// Readings taken elsewhere before the monitor started (a tracer's lines waiting to be read) give the state it
    /// starts from, not frames delivered in no time: only the last of them counts.
    void readingsTakenBeforeTheStartAreNotCountedAsDelivered()
    {
        Fixture f;
        const std::int64_t now =
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
                .count();
        for (std::uint64_t k = 1; k <= 100; ++k) // a second of 100 fps before the start
            f.backend->probeA->take(now - 1'000'000'000 + static_cast<std::int64_t>(k) * 10'000'000 - 10'000'000, k);
        QVERIFY(f.start());
        waitTicks(*f.monitor);
        const std::int64_t later =
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
                .count();
        f.backend->probeA->take(later, 110);
        waitTicks(*f.monitor);
        QCOMPARE(f.monitor->stats(0).delivered, std::uint64_t{10});
    }
    void dropsAreCounted()
    {
        Fixture f;
        QVERIFY(f.start());
        std::this_thread::sleep_for(20ms);
        f.backend->probeA->set(0, 2, 3);
        auto events = collect(*f.monitor, 60ms);
        QCOMPARE(countKind(events, EventKind::Drop, "script:dev/a/allocator"), 1);
        QVERIFY(events.front().message.find("3 frames dropped") != std::string::npos);
        f.backend->probeA->set(0, 2, 4);
        events = collect(*f.monitor, 60ms);
        QCOMPARE(countKind(events, EventKind::Drop), 1);
        QCOMPARE(f.monitor->stats(0).drops, std::uint64_t{4});
    }
    void configChangeIsAnEvent()
    {
        Fixture f;
        QVERIFY(f.start());
        std::this_thread::sleep_for(20ms);
        f.backend->probeB->set(0, 8);
        const auto events = collect(*f.monitor, 60ms);
        QCOMPARE(countKind(events, EventKind::Config, "script:dev/b/allocator"), 1);
    }
    void readErrorsAreReportedOncePerChange()
    {
        Fixture f;
        QVERIFY(f.start());
        f.backend->probeA->fail(hresultFromErrno(16 /* EBUSY */));
        auto events = collect(*f.monitor, 80ms);
        QCOMPARE(countKind(events, EventKind::Error, "script:dev/a/allocator"), 1);
        QVERIFY(events.front().message.find("errno(EBUSY)") != std::string::npos);
        // the other allocator is still sampled
        Monitor::Batch batch;
        std::this_thread::sleep_for(30ms);
        f.monitor->takeNew(batch);
        QVERIFY(
            std::any_of(batch.samples.begin(), batch.samples.end(), [](const auto& r) { return r.allocator == 1; }));
        QVERIFY(
            std::none_of(batch.samples.begin(), batch.samples.end(), [](const auto& r) { return r.allocator == 0; }));
    }
    void removedDeviceStopsBeingSampled()
    {
        Fixture f;
        QVERIFY(f.start());
        f.backend->probeA->fail(hresultFromWin32(kErrorDeviceRemoved));
        const auto events = collect(*f.monitor, 60ms);
        QCOMPARE(countKind(events, EventKind::Removed, "script:dev/a/allocator"), 1);
        QVERIFY(f.monitor->stats(0).gone);
        QVERIFY(!f.monitor->stats(1).gone);
    }
    void backendEventsBecomeMonitorEvents()
    {
        Fixture f;
        QVERIFY(f.start());
        f.backend->raise({BackendEvent::Kind::Error, "script:dev/a/allocator", "driver said no", E_FAIL});
        f.backend->raise({BackendEvent::Kind::FilterRemoved, "script:dev", "unplugged", S_OK});
        const auto events = collect(*f.monitor, 60ms);
        QCOMPARE(countKind(events, EventKind::Error), 1);
        QCOMPARE(countKind(events, EventKind::Removed, "script:dev"), 1);
        QVERIFY(f.monitor->stats(0).gone);
        QVERIFY(f.monitor->stats(1).gone);
    }
    void oneConfigEventPerReconfiguration()
    {
        Fixture f;
        QVERIFY(f.start());
        std::this_thread::sleep_for(20ms);
        f.backend->raise({BackendEvent::Kind::AllocatorReconfigured, "script:dev/a/allocator", "4 frames now", S_OK});
        f.backend->probeA->set(0, 4);
        const auto events = collect(*f.monitor, 60ms);
        QCOMPARE(countKind(events, EventKind::Config, "script:dev/a/allocator"), 1);
    }
    void aMonitorRunsOnce()
    {
        Fixture f;
        QVERIFY(f.start());
        f.monitor->stop();
        const Status again = f.monitor->start(f.session);
        QVERIFY(!again);
        QCOMPARE(again.code(), E_UNEXPECTED);
    }
    void sinkOutlivesTheMonitor()
    {
        EventSink sink;
        {
            Monitor m({});
            sink = m.eventSink();
        }
        sink({BackendEvent::Kind::Error, "x", "after the monitor", E_FAIL}); // dropped, no crash (ASan)
    }
    void badOptionsFallBackToDefaults()
    {
        Monitor::Options o;
        o.rateHz = std::numeric_limits<double>::quiet_NaN();
        o.windowSeconds = -5;
        Fixture f(o); // the fixture sets 500 Hz; check the window instead
        QVERIFY(f.start());
        std::this_thread::sleep_for(50ms);
        std::vector<Sample> all;
        f.monitor->window(0, 0, f.monitor->now_ns(), all);
        QVERIFY(all.size() >= 5); // a negative window would keep nothing
    }
    void pendingSamplesAreBounded()
    {
        Monitor::Options o;
        o.maxPending = 10;
        Fixture f(o);
        QVERIFY(f.start());
        // more than 10 samples taken, however slowly a loaded machine runs the sampler
        QTRY_VERIFY_WITH_TIMEOUT(f.monitor->samplerStats().samples > 20, 10000);
        Monitor::Batch batch;
        f.monitor->takeNew(batch);
        QVERIFY(batch.samples.size() <= 10);
        QVERIFY(batch.lostSamples > 0);
    }
    void historyWindowIsBounded()
    {
        Monitor::Options o;
        o.windowSeconds = 0.05; // 25 samples at 500 Hz
        Fixture f(o);
        QVERIFY(f.start());
        std::this_thread::sleep_for(150ms);
        std::vector<Sample> all;
        f.monitor->window(0, 0, f.monitor->now_ns(), all);
        QVERIFY(!all.empty());
        QVERIFY(all.size() <= 26);
    }
    void cpuTimeIsMeasured()
    {
        const double before = threadCpuSeconds();
        volatile double x = 0;
        for (int i = 0; i < 2000000; ++i)
            x = x + 1.0;
        QVERIFY(threadCpuSeconds() > before);
    }

    void deviceEventsApplyToTheirAllocatorsOnly()
    {
        AllocatorInfo info;
        info.id = "sim:cam/pin0/allocator";
        info.pinIds = {"sim:cam/pin0", "sim:conv/pin1"};
        QCOMPARE(info.filterId(), std::string("sim:cam")); // the producing (first) pin's filter
        QCOMPARE(AllocatorInfo{}.filterId(), std::string());
        QCOMPARE(filterOfPin("v4l2:vimc.platform/5"), std::string_view("v4l2:vimc.platform"));

        AllocatorTracker tracker(info.id, info.filterId(), 33'366'700);
        std::vector<StarvationInterval> intervals;
        std::vector<MonitorEvent> events;
        AllocatorReading reading;
        reading.status.Framing.Frames = 2;
        tracker.update(0, reading, &events, intervals);

        // a reconfiguration the backend reported is the new normal: no second event from sampling ...
        QVERIFY(!tracker.apply(EventKind::Config, info.id));
        reading.status.Framing.Frames = 4;
        tracker.update(10'000'000, reading, &events, intervals);
        QVERIFY(events.empty());
        // ... once: a later change it did not report is an event
        reading.status.Framing.Frames = 6;
        tracker.update(20'000'000, reading, &events, intervals);
        QCOMPARE(events.size(), std::size_t{1});
        QCOMPARE(events.front().kind, EventKind::Config);

        // removals of other filters, of the pin's consumer and of another allocator leave it alone
        QVERIFY(!tracker.apply(EventKind::Removed, "sim:camera"));
        QVERIFY(!tracker.apply(EventKind::Removed, "sim:conv"));
        QVERIFY(!tracker.apply(EventKind::Removed, "sim:cam/pin1/allocator"));
        QVERIFY(!tracker.apply(EventKind::Config, "sim:cam"));
        QVERIFY(!tracker.apply(EventKind::Starvation, info.id));
        QVERIFY(!tracker.gone());
        // its filter's removal removes it, once
        QVERIFY(tracker.apply(EventKind::Removed, "sim:cam"));
        QVERIFY(tracker.gone());
        QVERIFY(tracker.stats().gone);
        QVERIFY(!tracker.apply(EventKind::Removed, info.id));

        // an allocator without pins is removed by its own id only
        AllocatorTracker orphan("sim:x/allocator", std::string(), 0);
        QVERIFY(!orphan.apply(EventKind::Removed, ""));
        QVERIFY(orphan.apply(EventKind::Removed, "sim:x/allocator"));
    }
};

QTEST_GUILESS_MAIN(TestMonitor)
#include "tst_monitor.moc"
