// SPDX-License-Identifier: GPL-3.0-or-later
// A backend that lives only in this test, registered here and nowhere else, driven end to end through the command
// line (ksscope-cli's commands, in this process) and through the window's session controller: listed, opened,
// sampled, recorded and edited like the core's own.

#include "commands.h"
#include "ksscope/backend_registry.h"
#include "ksscope/recording.h"
#include "openpart.h"
#include "sessioncontroller.h"

#include <QAction>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <cstdio>
#include <mutex>

#if defined(__unix__)
#include <unistd.h>
#endif

using namespace ksscope;
using namespace ksscope::ui;

namespace {

const std::string kFilter = "counter:device";
const std::string kPin = "counter:device/out";
const std::string kAllocator = "counter:device/out/allocator";

/// One filter with one output pin whose allocator holds (reads mod frames) frames: a reading tells how often it was
/// read. Edits of the frame count apply.
class CounterBackend final : public Backend {
public:
    explicit CounterBackend(std::uint32_t frames) : m_frames(frames) { }
    class Probe final : public AllocatorProbe {
    public:
        explicit Probe(CounterBackend& backend) : m_backend(backend) { }
        HRESULT read(AllocatorReading& reading) override
        {
            const std::uint64_t n = m_backend.m_reads.fetch_add(1) + 1;
            const std::uint32_t frames = m_backend.frames();
            reading.status.Framing.Frames = frames;
            reading.status.Framing.FrameSize = 4096;
            reading.status.AllocatedFrames = static_cast<ULONG>(n % (frames + 1));
            reading.mode = KsAllocatorMode_User;
            reading.deliveredFrames = n;
            return S_OK;
        }
        std::vector<BufferState> bufferStates() override { return {}; }

    private:
        CounterBackend& m_backend;
    };

    [[nodiscard]] std::string name() const override { return "counter"; }
    [[nodiscard]] Availability availability() const override { return {true, {}}; }
    SelfTestReport selfTest() override { return {true, {"ok: counts its readings"}}; }
    Status open() override
    {
        if (m_sink)
            m_sink({BackendEvent::Kind::FilterAdded, kFilter, "the counter is here", S_OK});
        return Status::ok();
    }
    Status start() override { return Status::ok(); }
    void close() override { }
    [[nodiscard]] Topology topology() override
    {
        Topology t;
        FilterInfo filter{kFilter, "Counter", "counter", "capture", {}, {}};
        filter.pins.push_back({kPin, "Out", PinDirection::Output, {}, {}, kAllocator});
        t.filters.push_back(filter);
        AllocatorInfo a;
        a.id = kAllocator;
        a.mode = KsAllocatorMode_User;
        a.status.Framing.Frames = frames();
        a.status.Framing.FrameSize = 4096;
        a.properties = {static_cast<LONG>(frames()), 4096, 1, 0};
        a.framePeriodSeconds = 0.01;
        a.pinIds = {kPin};
        t.allocators.push_back(a);
        return t;
    }
    std::shared_ptr<AllocatorProbe> probe(const std::string& id) override
    {
        return id == kAllocator ? std::make_shared<Probe>(*this) : nullptr;
    }
    ComPtr<IKsPin> pin(const std::string&) override { return {}; }
    PropertyChange setProperties(const std::string& id, const PropertyRequest& request, ApplyMode mode) override
    {
        PropertyChange change;
        const ALLOCATOR_PROPERTIES current{static_cast<LONG>(frames()), 4096, 1, 0};
        change.requested = request.mergedWith(current);
        change.actual = change.requested;
        if (id != kAllocator || change.requested.cBuffers < 1) {
            change.status = {E_INVALIDARG, "the counter has one allocator and at least one frame"};
            change.actual = current;
            return change;
        }
        if (mode == ApplyMode::Apply) {
            std::lock_guard lock(m_mutex);
            m_frames = static_cast<std::uint32_t>(change.requested.cBuffers);
            change.applied = true;
        }
        change.status = Status::ok();
        return change;
    }
    Status setMode(const std::string&, KSALLOCATORMODE, ApplyMode) override
    {
        return {E_NOTIMPL, "the counter's allocator stays in user mode"};
    }
    void setEventSink(EventSink sink) override { m_sink = std::move(sink); }

    std::uint32_t frames()
    {
        std::lock_guard lock(m_mutex);
        return m_frames;
    }

private:
    std::atomic<std::uint64_t> m_reads{0};
    std::mutex m_mutex; // guards m_frames
    std::uint32_t m_frames = 5;
    EventSink m_sink;
};

// the whole of adding a backend: one registration, with an option of its own that the command lines and the window
// offer
BackendRegistration counterRegistration()
{
    BackendRegistration counter{"counter", "a backend of this test only", 90, false,
                                [](const BackendOptions& options) -> std::unique_ptr<Backend> {
                                    return std::make_unique<CounterBackend>(
                                        static_cast<std::uint32_t>(std::stoul(options.value("counter-frames", "5"))));
                                }};
    BackendOption frames;
    frames.name = "counter-frames";
    frames.valueName = "N";
    frames.help = "open the counter with N frames";
    frames.selects = true;
    frames.inWindow = true;
    frames.check = [](const std::string& text) {
        std::string error;
        return parseWholeOption({}, text, 1, 64, error) ? Status::ok() : Status(E_INVALIDARG, error);
    };
    counter.options.push_back(frames);
    counter.windowAction = "Open &Counter...";
    return counter;
}
const bool kRegistered = BackendRegistry::add(counterRegistration());

/// Runs ksscope-cli's command line in this process; its standard output is returned in \a out.
int runCli(const QStringList& arguments, QByteArray* out = nullptr)
{
    std::vector<std::string> storage{"ksscope-cli"};
    for (const QString& a : arguments)
        storage.push_back(a.toStdString());
    std::vector<char*> argv;
    for (std::string& s : storage)
        argv.push_back(s.data());
    std::fflush(stdout);
#if defined(__unix__)
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("stdout"));
    const int saved = dup(STDOUT_FILENO);
    if (!std::freopen(path.toLocal8Bit().constData(), "w", stdout))
        return -1;
    const int rc = cli::run(static_cast<int>(argv.size()), argv.data());
    std::fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    QFile file(path);
    if (out && file.open(QIODevice::ReadOnly))
        *out = file.readAll();
    return rc;
#else
    (void)out;
    return cli::run(static_cast<int>(argv.size()), argv.data());
#endif
}

} // namespace

class TstTestBackend : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void registered() { QVERIFY(kRegistered && BackendRegistry::has("counter")); }

    void throughTheCommandLine()
    {
        QByteArray out;
        QCOMPARE(runCli({QStringLiteral("backends")}, &out), 0);
        QVERIFY2(out.contains("counter") && out.contains("available"), out.constData());
        QCOMPARE(runCli({QStringLiteral("--backend"), QStringLiteral("counter"), QStringLiteral("list")}, &out), 0);
        QVERIFY2(out.contains("counter:device/out/allocator: user mode, 5 x 4096 bytes"), out.constData());
        // not opened unless named: the default set stays the core's local devices
        QCOMPARE(runCli({QStringLiteral("list")}, &out), 0);
        QVERIFY(!out.contains("counter:device"));
        // its option: in the help, asks for it, checked before anything opens
        QCOMPARE(runCli({QStringLiteral("--help")}, &out), 0);
        QVERIFY2(out.contains("--counter-frames") && out.contains("open the counter with N frames"), out.constData());
        QCOMPARE(runCli({QStringLiteral("--counter-frames"), QStringLiteral("3"), QStringLiteral("list")}, &out), 0);
        QVERIFY2(out.contains("counter:device/out/allocator: user mode, 3 x 4096 bytes") && !out.contains("sim:"),
                 out.constData());
        QCOMPARE(runCli({QStringLiteral("--counter-frames"), QStringLiteral("0"), QStringLiteral("list")}),
                 static_cast<int>(ExitInvalidValue));
        QCOMPARE(runCli({QStringLiteral("--counter-frames"), QStringLiteral("3"), QStringLiteral("--backend"),
                         QStringLiteral("sim"), QStringLiteral("list")}),
                 static_cast<int>(ExitUsage));

        // watched, edited and recorded
        QTemporaryDir dir;
        const QString recordingPath = dir.filePath(QStringLiteral("counter.ksrec"));
        QCOMPARE(runCli({QStringLiteral("--backend"), QStringLiteral("counter"), QStringLiteral("watch"),
                         QStringLiteral("--duration"), QStringLiteral("0.5"), QStringLiteral("--rate"),
                         QStringLiteral("100"), QStringLiteral("--set"),
                         QString::fromStdString(kAllocator) + QStringLiteral(":buffers=7"), QStringLiteral("--record"),
                         recordingPath, QStringLiteral("--json")},
                        &out),
                 0);
        QVERIFY2(out.contains("\"type\":\"summary\""), out.constData());
        Status status;
        auto recording = Recording::open(recordingPath.toStdString(), status);
        QVERIFY2(recording, status.toString().c_str());
        QCOMPARE(recording->info().backends, std::vector<std::string>{"counter"});
        QCOMPARE(recording->info().allocatorIds, std::vector<std::string>{kAllocator});
        std::uint64_t samples = 0;
        std::uint64_t last = 0;
        bool counted = true;
        QVERIFY(recording->samples(-1, kMaxRecordingNs, [&](const SampleRecord& r) {
            ++samples;
            counted = counted && r.delivered == last + 1 && r.sample.frames == 7; // every reading, after the edit
            last = r.delivered;
            return true;
        }));
        QVERIFY2(samples >= 20, std::to_string(samples).c_str());
        QVERIFY(counted);
        std::vector<RecordedEdit> edits;
        QVERIFY(recording->edits(edits));
        QCOMPARE(edits.size(), std::size_t{1});
        QVERIFY(edits.front().applied);
        // a refused edit is named, with the exit code of an invalid value
        QCOMPARE(runCli({QStringLiteral("--backend"), QStringLiteral("counter"), QStringLiteral("set-properties"),
                         QString::fromStdString(kAllocator), QStringLiteral("--buffers"), QStringLiteral("0")}),
                 static_cast<int>(ExitInvalidValue));
    }

    void throughTheWindowsMenu()
    {
        // File > Open Counter..., from the registration; used without its dialog it opens the counter beside the
        // devices open
        QWidget window;
        SessionController controller;
        OpenPart part(&controller, &window);
        const auto actions = part.backendActions();
        QVERIFY(std::any_of(actions.begin(), actions.end(), [](const QAction* a) {
            return a->text() == QStringLiteral("Open &Counter...") && a->data().toString() == QStringLiteral("counter");
        }));
        QVERIFY(part.openWith({{"counter-frames", "0"}}).contains(QStringLiteral("--counter-frames: ")));
        QSignalSpy opened(&controller, &SessionController::opened);
        SessionRequest sim;
        sim.backends = {QStringLiteral("sim")};
        part.open(sim);
        QVERIFY(opened.wait(10000));
        QVERIFY(part.openWith({{"counter-frames", "6"}}).isEmpty());
        QVERIFY(opened.wait(10000));
        QVERIFY2(opened.back().at(0).toBool(), qPrintable(opened.back().at(1).toString()));
        QCOMPARE(controller.backendNames(), (QStringList{QStringLiteral("sim"), QStringLiteral("counter")}));
        QCOMPARE(controller.request().added.size(), 1);
        QCOMPARE(controller.topology().findAllocator(kAllocator)->status.Framing.Frames, 6u);
    }

    void throughTheWindowsController()
    {
        SessionController controller;
        QSignalSpy opened(&controller, &SessionController::opened);
        SessionRequest request;
        request.backends = {QStringLiteral("counter")};
        request.rateHz = 200;
        controller.open(request);
        QVERIFY(opened.wait(10000));
        QVERIFY2(opened.front().at(0).toBool(), qPrintable(opened.front().at(1).toString()));
        QCOMPARE(controller.backendNames(), QStringList{QStringLiteral("counter")});
        QVERIFY(controller.topology().findAllocator(kAllocator));
        // samples arrive through the watch's drain, as the window's tick takes them
        SampleBatch batch;
        std::size_t samples = 0;
        QVERIFY(QTest::qWaitFor(
            [&] {
                const std::shared_ptr<Monitor> monitor = controller.drain(batch);
                samples += batch.samples.size();
                return monitor == controller.monitor() && samples >= 10;
            },
            10000));
        QSignalSpy edited(&controller, &SessionController::propertiesResult);
        PropertyRequest nine;
        nine.buffers = 9;
        controller.setProperties(7, QString::fromStdString(kAllocator), nine, ApplyMode::Apply);
        QVERIFY(edited.wait(10000));
        const auto change = edited.front().at(2).value<PropertyChange>();
        QVERIFY(change.applied);
        QCOMPARE(change.actual.cBuffers, 9);
        // the sampler reads the new frame count
        QVERIFY(QTest::qWaitFor(
            [&] {
                controller.drain(batch);
                return std::any_of(batch.samples.begin(), batch.samples.end(),
                                   [](const SampleRecord& r) { return r.sample.frames == 9; });
            },
            10000));
        // details: no IKsPin to peek at, said so
        QSignalSpy details(&controller, &SessionController::detailsReady);
        controller.requestDetails(QString::fromStdString(kAllocator));
        QVERIFY(details.wait(10000));
        QVERIFY(!details.front().at(0).value<AllocatorDetails>().status);
    }
};

QTEST_MAIN(TstTestBackend)
#include "tst_testbackend.moc"
