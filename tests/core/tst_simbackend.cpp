// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated devices: topology from scenarios, pins sharing allocators, real producer/consumer threads.

#include "ksscope/backend.h"
#include "ksscope/monitor.h"
#include "ksscope/scenario.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <mutex>
#include <thread>

using namespace ksscope;
using namespace std::chrono_literals;

namespace {

std::string scenarioPath(const char* name)
{
    return std::string(KSSCOPE_SCENARIO_DIR) + "/" + name;
}

struct EventLog {
    std::mutex mutex;
    std::vector<BackendEvent> events;
    EventSink sink()
    {
        return [this](const BackendEvent& e) {
            std::lock_guard lock(mutex);
            events.push_back(e);
        };
    }
    bool has(BackendEvent::Kind kind, const std::string& id)
    {
        std::lock_guard lock(mutex);
        for (const auto& e : events)
            if (e.kind == kind && e.id == id)
                return true;
        return false;
    }
};

} // namespace

class TestSimBackend : public QObject {
    Q_OBJECT
private slots:
    void factoryHasSim()
    {
        const auto names = BackendFactory::names();
        QVERIFY(!names.empty());
        QCOMPARE(names.front(), std::string("sim"));
        auto backend = BackendFactory::create("sim", {});
        QVERIFY(backend);
        QVERIFY(backend->availability().available);
        QVERIFY(!BackendFactory::create("nope", {}));
    }
    void selfTestPasses()
    {
        auto backend = BackendFactory::create("sim", {});
        const SelfTestReport report = backend->selfTest();
        QVERIFY(report.passed);
        QVERIFY(report.lines.size() >= 5);
        for (const auto& line : report.lines)
            QVERIFY2(line.rfind("ok: ", 0) == 0, line.c_str());
    }
    void selfTestReportsABadScenario()
    {
        auto backend = BackendFactory::create("sim", BackendOptions{{"scenario", "/nonexistent.json"}});
        const SelfTestReport report = backend->selfTest();
        QVERIFY(!report.passed);
        QVERIFY(report.lines.back().rfind("FAIL: scenario: /nonexistent.json", 0) == 0);
    }
    void defaultTopology()
    {
        Session session;
        QVERIFY(session.open({"sim"}, {}));
        const Topology t = session.topology();
        QCOMPARE(t.filters.size(), std::size_t{5});
        const FilterInfo* avshws = t.findFilter("sim:avshws");
        QVERIFY(avshws);
        QCOMPARE(avshws->pins.size(), std::size_t{1});
        QCOMPARE(avshws->categories.size(), std::size_t{3});
        const PinInfo& pin = avshws->pins[0];
        QCOMPARE(pin.id, std::string("sim:avshws/pin0"));
        QCOMPARE(pin.direction, PinDirection::Output);
        QCOMPARE(pin.category, guids::PINNAME_CAPTURE);
        QCOMPARE(pin.allocatorId, std::string("sim:avshws/pin0/allocator"));
        const AllocatorInfo* a = t.findAllocator(pin.allocatorId);
        QVERIFY(a);
        QCOMPARE(a->status.Framing.Frames, 2u);
        QCOMPARE(a->status.Framing.FrameSize, 153600u);
        QCOMPARE(a->mode, KsAllocatorMode_Kernel);
        QCOMPARE(a->memoryType, guids::KSMEMORY_TYPE_KERNEL_NONPAGED);
        QVERIFY(!a->committed);
        QVERIFY(std::abs(a->framePeriodSeconds - 0.0333667) < 1e-6);
        QCOMPARE(t.resolveAllocatorId("sim:avshws/pin0"), pin.allocatorId);
        QCOMPARE(t.resolveAllocatorId("sim:avshws/nothing"), std::string());
    }
    void pipelinePinsShareAllocators()
    {
        Session session;
        QVERIFY(session.open({"sim"}, {}));
        const Topology t = session.topology();
        QCOMPARE(t.connections.size(), std::size_t{2});
        QCOMPARE(t.connections[0].from, std::string("sim:camera/out"));
        QCOMPARE(t.connections[0].to, std::string("sim:convert/in"));
        QCOMPARE(t.findPin("sim:camera/out")->allocatorId, t.findPin("sim:convert/in")->allocatorId);
        QCOMPARE(t.findPin("sim:convert/out")->allocatorId, t.findPin("sim:render/in")->allocatorId);
        QVERIFY(t.findPin("sim:convert/in")->allocatorId != t.findPin("sim:convert/out")->allocatorId);
        const AllocatorInfo* shared = t.findAllocator("sim:camera/out/allocator");
        QCOMPARE(shared->pinIds, (std::vector<std::string>{"sim:camera/out", "sim:convert/in"}));

        // the IKsPin of both pins peeks the same allocator object
        Backend* sim = session.backendFor("sim:camera/out");
        auto out = sim->pin("sim:camera/out");
        auto in = sim->pin("sim:convert/in");
        QVERIFY(out && in);
        QCOMPARE(out->KsPeekAllocator(KsPeekOperation_PeekOnly), in->KsPeekAllocator(KsPeekOperation_PeekOnly));
        QVERIFY(!sim->pin("sim:nope/out"));
    }
    void peekAllocatorReferenceCounts()
    {
        Session session;
        QVERIFY(session.open({"sim"}, {}));
        auto pin = session.backendFor("sim:avshws/pin0")->pin("sim:avshws/pin0");
        IMemAllocator* peek = pin->KsPeekAllocator(KsPeekOperation_PeekOnly);
        QVERIFY(peek);
        const ULONG base = peek->AddRef() - 1; // observe the count: AddRef returns the new count
        QCOMPARE(peek->Release(), base);
        IMemAllocator* peeked = pin->KsPeekAllocator(KsPeekOperation_PeekOnly);
        QCOMPARE(peeked->AddRef(), base + 1); // PeekOnly added nothing
        peeked->Release();
        IMemAllocator* owned = pin->KsPeekAllocator(KsPeekOperation_AddRef);
        QCOMPARE(owned->AddRef(), base + 2); // AddRef added one
        owned->Release();
        QCOMPARE(owned->Release(), base); // the caller's release
        ComPtr<IKsAllocatorEx> ex = ComPtr<IMemAllocator>::share(peek).as<IKsAllocatorEx>(iids::IID_IKsAllocatorEx);
        QVERIFY(ex);
        KSSTREAMALLOCATOR_STATUS status;
        QCOMPARE(ex->KsGetAllocatorStatus(&status), S_OK);
        QCOMPARE(status.Framing.FrameSize, 153600u);
    }
    void streamingCommitsAndFillsFrames()
    {
        Session session;
        QVERIFY(session.open({"sim"}, {}));
        QVERIFY(session.start());
        auto probe = session.probe("sim:camera/out/allocator");
        QVERIFY(probe);
        AllocatorReading r;
        std::uint64_t delivered = 0;
        for (int i = 0; i < 100 && delivered < 5; ++i) {
            std::this_thread::sleep_for(20ms);
            QCOMPARE(probe->read(r), S_OK);
            delivered = r.deliveredFrames;
        }
        QVERIFY2(delivered >= 5, "the capture thread delivers frames");
        QVERIFY(session.topology().findAllocator("sim:camera/out/allocator")->committed);
        QCOMPARE(r.mode, KsAllocatorMode_Kernel);
        QVERIFY(session.backendFor("sim:x")->pin("sim:avshws/pin0")); // the backend's pins exist while streaming
        QCOMPARE(probe->bufferStates().size(), std::size_t{4});
        session.close();
        QVERIFY(!session.topology().findAllocator("sim:camera/out/allocator")->committed);
    }
    void setPropertiesWhileStreamingRestarts()
    {
        Session session;
        EventLog log;
        QVERIFY(session.open({"sim"}, {}, log.sink()));
        QVERIFY(session.start());
        Backend* sim = session.backendFor("sim:");
        PropertyRequest request;
        request.buffers = 6;
        request.align = 64;
        const PropertyChange dry = sim->setProperties("sim:avshws/pin0/allocator", request, ApplyMode::DryRun);
        QVERIFY(dry.status);
        QVERIFY(!dry.applied);
        QCOMPARE(dry.actual.cBuffers, 6);
        QCOMPARE(dry.actual.cbBuffer, 153600); // already a multiple of 64
        QCOMPARE(session.topology().findAllocator("sim:avshws/pin0/allocator")->status.Framing.Frames, 2u);
        const PropertyChange applied = sim->setProperties("sim:avshws/pin0/allocator", request, ApplyMode::Apply);
        QVERIFY2(applied.status, applied.status.toString().c_str());
        QVERIFY(applied.applied);
        const Topology t = session.topology();
        const AllocatorInfo* a = t.findAllocator("sim:avshws/pin0/allocator");
        QCOMPARE(a->status.Framing.Frames, 6u);
        QCOMPARE(a->status.Framing.FileAlignment, 63u);
        QVERIFY(a->committed); // streaming again
        QVERIFY(log.has(BackendEvent::Kind::AllocatorReconfigured, "sim:avshws/pin0/allocator"));
        request.align = 3;
        const PropertyChange bad = sim->setProperties("sim:avshws/pin0/allocator", request, ApplyMode::Apply);
        QCOMPARE(bad.status.code(), VFW_E_BADALIGN);
        QVERIFY(!bad.applied);
        QCOMPARE(session.topology().findAllocator("sim:avshws/pin0/allocator")->properties.cbAlign, 64);
        QVERIFY(!sim->setProperties("sim:none/allocator", request, ApplyMode::Apply).status);
    }
    void setModeSwitchesUserKernel()
    {
        Session session;
        QVERIFY(session.open({"sim"}, {}));
        Backend* sim = session.backendFor("sim:");
        QVERIFY(sim->setMode("sim:avshws/pin0/allocator", KsAllocatorMode_User, ApplyMode::Apply));
        QCOMPARE(session.topology().findAllocator("sim:avshws/pin0/allocator")->mode, KsAllocatorMode_User);
        QVERIFY(sim->setMode("sim:avshws/pin0/allocator", KsAllocatorMode_Kernel, ApplyMode::DryRun));
        QCOMPARE(session.topology().findAllocator("sim:avshws/pin0/allocator")->mode, KsAllocatorMode_User);
        QVERIFY(session.start());
        QVERIFY(session.topology().findAllocator("sim:avshws/pin0/allocator")->committed);
    }
    void badScenarioFailsToOpen()
    {
        Session session;
        const Status s = session.open({"sim"}, BackendOptions{{"scenario", "/nonexistent/scenario.json"}});
        QVERIFY(!s);
        QVERIFY(s.message().find("/nonexistent/scenario.json") != std::string::npos);
        Session other;
        const Status unknown = other.open({"v4l3"}, {});
        QVERIFY(!unknown);
        QVERIFY(unknown.message().find("unknown backend \"v4l3\"") != std::string::npos);
    }

    // ---- outcomes of timing: these run real threads for a few seconds ----------------------
    void starvationScenarioStarves()
    {
        const auto count = starvationsIn(scenarioPath("starvation.json"), std::nullopt);
        QVERIFY2(count.starvations >= 1, "a 120 ms consumer pause with 2 frames leaves no free frame");
        QVERIFY(count.drops >= 1);
    }
    void moreBuffersEndStarvation()
    {
        const auto count = starvationsIn(scenarioPath("starvation.json"), 8);
        QCOMPARE(count.starvations, std::uint64_t{0});
    }
    /// The frames of a starving capture pin, followed one by one: every frame the producer thread lost (it counts them
    /// itself, read here through the probe) is a sequence number the monitor names as dropped, and every frame it
    /// delivered is a frame record. Polled instead (--sim-events poll), the same pin has no frame records.
    void followedFramesAreExact()
    {
        for (const bool follow : {true, false}) {
            Session session;
            Monitor::Options options;
            options.rateHz = 50;
            Monitor monitor(options);
            BackendOptions backendOptions{{"scenario", scenarioPath("starvation.json")}};
            if (!follow)
                backendOptions.set("sim-events", "poll");
            QVERIFY(session.open({"sim"}, backendOptions, monitor.eventSink()));
            QVERIFY(session.start());
            QVERIFY(monitor.start(session));
            const std::string id = "sim:avshws/pin0/allocator";
            std::uint64_t namedDrops = 0;
            std::uint64_t frames = 0;
            Monitor::Batch batch;
            const auto take = [&] {
                monitor.takeNew(batch);
                for (const DroppedFrames& d : batch.droppedFrames)
                    namedDrops += d.count();
                frames += batch.frames.size();
            };
            for (int i = 0; i < 60; ++i) { // 3 s: a few consumer pauses
                std::this_thread::sleep_for(50ms);
                take();
            }
            // stop the producer first, then read its own counts and let the monitor see the last transitions
            const std::shared_ptr<AllocatorProbe> probe = session.probe(id);
            session.backendFor(id)->close(); // the backend (its source's) lives on, its threads joined
            AllocatorReading producer;
            (void)probe->read(producer);
            std::this_thread::sleep_for(100ms);
            monitor.stop();
            take();
            const auto ids = monitor.allocatorIds();
            const auto index = static_cast<std::size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
            QCOMPARE(monitor.followsFrames(index), follow);
            if (!follow) {
                QCOMPARE(frames, std::uint64_t{0});
                continue;
            }
            QVERIFY2(producer.droppedFrames > 0, "the consumer's pauses leave the producer no free frame");
            QCOMPARE(monitor.frameStats(index).dropped, producer.droppedFrames);
            QCOMPARE(namedDrops, producer.droppedFrames);
            QCOMPARE(monitor.frameStats(index).frames, producer.deliveredFrames);
            QCOMPARE(monitor.stats(index).drops, producer.droppedFrames);
        }
    }

    void faultsHappen()
    {
        Session session;
        Monitor monitor({});
        QVERIFY(session.open({"sim"}, BackendOptions{{"scenario", scenarioPath("faults.json")}}, monitor.eventSink()));
        QVERIFY(session.start());
        QVERIFY(monitor.start(session));
        bool removed = false;
        bool error = false;
        bool stall = false;
        Monitor::Batch batch;
        for (int i = 0; i < 160 && !(removed && error && stall); ++i) {
            std::this_thread::sleep_for(50ms);
            monitor.takeNew(batch);
            for (const auto& e : batch.events) {
                removed = removed || (e.kind == EventKind::Removed && e.id == "sim:avshws");
                error = error || (e.kind == EventKind::Error && e.id == "sim:convert/out/allocator" &&
                                  e.message.find("E_OUTOFMEMORY") != std::string::npos);
                stall = stall || (e.kind == EventKind::Starvation && e.id == "sim:convert/out/allocator");
            }
        }
        monitor.stop();
        QVERIFY2(stall, "the renderer stall starves the transform's output allocator");
        QVERIFY2(error, "the injected allocator failure is reported");
        QVERIFY2(removed, "the unplugged camera is reported removed");
        QVERIFY(!session.topology().findFilter("sim:avshws"));
        QVERIFY(session.topology().findFilter("sim:camera")); // the rest goes on
        const auto ids = monitor.allocatorIds();
        const auto index =
            static_cast<std::size_t>(std::find(ids.begin(), ids.end(), "sim:avshws/pin0/allocator") - ids.begin());
        QVERIFY(monitor.stats(index).gone);
    }

    void refusedEditKeepsStreaming()
    {
        Session session;
        QVERIFY(session.open({"sim"}, {}));
        QVERIFY(session.start());
        auto probe = session.probe("sim:avshws/pin0/allocator");
        std::this_thread::sleep_for(150ms);
        PropertyRequest request;
        request.align = 3;
        const PropertyChange refused =
            session.backendFor("sim:")->setProperties("sim:avshws/pin0/allocator", request, ApplyMode::Apply);
        QCOMPARE(refused.status.code(), VFW_E_BADALIGN);
        AllocatorReading before;
        QCOMPARE(probe->read(before), S_OK);
        std::this_thread::sleep_for(200ms);
        AllocatorReading after;
        QCOMPARE(probe->read(after), S_OK);
        QVERIFY2(after.deliveredFrames > before.deliveredFrames, "a refused edit must not stop the stream");
    }
    void removedConsumerStarvesUpstream()
    {
        QTemporaryDir dir;
        const std::string path =
            writeScenarioWithFault(dir, R"({"at": 0.3, "kind": "device-removal", "target": "render"})");
        Session session;
        Monitor monitor({});
        QVERIFY(session.open({"sim"}, BackendOptions{{"scenario", path}}, monitor.eventSink()));
        QVERIFY(session.start());
        QVERIFY(monitor.start(session));
        bool starved = false;
        Monitor::Batch batch;
        for (int i = 0; i < 60 && !starved; ++i) {
            std::this_thread::sleep_for(50ms);
            monitor.takeNew(batch);
            for (const auto& e : batch.events)
                starved = starved || (e.kind == EventKind::Starvation && e.id == "sim:convert/out/allocator");
        }
        monitor.stop();
        QVERIFY2(starved, "with the renderer gone, nobody frees the transform's output frames");
        const Topology t = session.topology();
        QVERIFY(!t.findFilter("sim:render"));
        QCOMPARE(t.connections.size(), std::size_t{1}); // camera -> convert remains
    }
    void deviceComesBack()
    {
        // the transform is unplugged and plugged in again: it streams again, and so does the renderer behind it
        QTemporaryDir dir;
        const std::string path =
            writeScenarioWithFault(dir, R"({"at": 0.3, "kind": "device-removal", "target": "convert"},
            {"at": 0.8, "kind": "device-arrival", "target": "convert"})");
        Session session;
        Monitor monitor({});
        QVERIFY(session.open({"sim"}, BackendOptions{{"scenario", path}}, monitor.eventSink()));
        QVERIFY(session.start());
        QVERIFY(monitor.start(session));
        std::vector<MonitorEvent> structural;
        bool goneSeen = false;
        Monitor::Batch batch;
        for (int i = 0; i < 40; ++i) {
            std::this_thread::sleep_for(50ms);
            monitor.takeNew(batch);
            for (const auto& e : batch.events)
                if (e.kind == EventKind::Added || e.kind == EventKind::Removed)
                    structural.push_back(e);
            if (!goneSeen && !structural.empty() && structural.back().kind == EventKind::Removed)
                goneSeen = !session.topology().findFilter("sim:convert");
        }
        QVERIFY2(goneSeen, "the removed transform left the topology");
        // the five filters added at open, then the transform removed, then back
        QVERIFY(structural.size() >= 2);
        QCOMPARE(structural[structural.size() - 2].kind, EventKind::Removed);
        QCOMPARE(structural.back().kind, EventKind::Added);
        QCOMPARE(structural.back().id, std::string("sim:convert"));
        QVERIFY(structural.back().t_ns > structural[structural.size() - 2].t_ns);
        const Topology t = session.topology();
        QVERIFY(t.findFilter("sim:convert"));
        QCOMPARE(t.findAllocator("sim:convert/out/allocator")->pinIds.size(), std::size_t{2});
        // the allocator the monitor watches again after the arrival delivers frames
        const std::vector<std::string> ids = monitor.allocatorIds();
        std::size_t again = ids.size();
        for (std::size_t i = 0; i < ids.size(); ++i)
            if (ids[i] == "sim:convert/out/allocator")
                again = i; // the last one: the allocator watched since the arrival
        QVERIFY(again < ids.size());
        QVERIFY(!monitor.stats(again).gone);
        const std::uint64_t delivered = monitor.stats(again).delivered;
        std::this_thread::sleep_for(300ms);
        QVERIFY2(monitor.stats(again).delivered > delivered, "frames flow through the transform again");
        monitor.stop();
    }
    void restartAfterAllocatorFailure()
    {
        QTemporaryDir dir;
        const std::string path = writeScenarioWithFault(
            dir, R"({"at": 0.1, "kind": "allocator-failure", "target": "convert/out", "hresult": "E_OUTOFMEMORY"})");
        Session session;
        QVERIFY(session.open({"sim"}, BackendOptions{{"scenario", path}}));
        QVERIFY(session.start());
        std::this_thread::sleep_for(300ms);
        PropertyRequest request;
        request.buffers = 6;
        const PropertyChange change =
            session.backendFor("sim:")->setProperties("sim:camera/out/allocator", request, ApplyMode::Apply);
        QVERIFY2(change.status, change.status.toString().c_str()); // the failed allocator stays down, the rest restarts
        QVERIFY(session.topology().findAllocator("sim:camera/out/allocator")->committed);
    }

private:
    static std::string writeScenarioWithFault(QTemporaryDir& dir, const char* fault)
    {
        QFile source(QStringLiteral(KSSCOPE_SCENARIO_DIR "/default.json"));
        if (!source.open(QIODevice::ReadOnly))
            return {};
        QByteArray text = source.readAll();
        const QByteArray anchor = "\"connections\": [";
        text.replace(anchor, QByteArray("\"faults\": [") + fault + "],\n  " + anchor);
        const QString path = dir.filePath(QStringLiteral("fault.json"));
        QFile out(path);
        if (!out.open(QIODevice::WriteOnly))
            return {};
        out.write(text);
        return path.toStdString();
    }

    struct Counts {
        std::uint64_t starvations = 0;
        std::uint64_t drops = 0;
    };
    static Counts starvationsIn(const std::string& scenario, std::optional<LONG> buffers)
    {
        Session session;
        Monitor::Options options;
        options.rateHz = 200;
        Monitor monitor(options);
        if (!session.open({"sim"}, BackendOptions{{"scenario", scenario}}, monitor.eventSink()))
            return {};
        if (buffers) {
            PropertyRequest request;
            request.buffers = *buffers;
            session.backendFor("sim:")->setProperties("sim:avshws/pin0/allocator", request, ApplyMode::Apply);
        }
        if (!session.start() || !monitor.start(session))
            return {};
        std::this_thread::sleep_for(4s);
        monitor.stop();
        const AllocatorStats stats = monitor.stats(0);
        return {stats.starvationCount, stats.drops};
    }
};

QTEST_GUILESS_MAIN(TestSimBackend)
#include "tst_simbackend.moc"
