// SPDX-License-Identifier: GPL-3.0-or-later
// One scripted session - a scenario, an edit, a device removed and plugged in again - watched and recorded once
// through ksscope-cli (a process) and once through the window's session controller: both recordings hold the same
// topology snapshots, each at the time of the event it follows, and the same edits.

#include "ksscope/json_output.h"
#include "ksscope/recording.h"
#include "sessioncontroller.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace ksscope;
using namespace ksscope::ui;

namespace {

constexpr double kRemoval = 0.6; // s after streaming starts
constexpr double kArrival = 1.2;
constexpr double kWatchSeconds = 2.2;
const std::string kAllocator = "sim:camera/out/allocator";

/// The default scenario with the transform unplugged and plugged in again.
QString writeScenario(const QTemporaryDir& dir)
{
    QFile source(QStringLiteral(KSSCOPE_SCENARIO_DIR "/default.json"));
    if (!source.open(QIODevice::ReadOnly))
        return {};
    QByteArray text = source.readAll();
    const QByteArray anchor = "\"connections\": [";
    text.replace(anchor, QByteArray("\"faults\": [{\"at\": ") + QByteArray::number(kRemoval) +
                             ", \"kind\": \"device-removal\", \"target\": \"convert\"}, {\"at\": " +
                             QByteArray::number(kArrival) +
                             ", \"kind\": \"device-arrival\", \"target\": \"convert\"}],\n  " + anchor);
    const QString path = dir.filePath(QStringLiteral("replug.json"));
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly) || out.write(text) != text.size())
        return {};
    return path;
}

/// What a snapshot says about the devices, without the readings that change from run to run (allocated frames,
/// committed): filters, pins, connections, and each allocator's properties and mode.
std::string structureOf(const Topology& t)
{
    std::string out;
    for (const FilterInfo& f : t.filters) {
        out += "filter " + f.id + ":";
        for (const PinInfo& p : f.pins)
            out += " " + p.id + "->" + p.allocatorId;
        out += "\n";
    }
    for (const ConnectionInfo& c : t.connections)
        out += "connection " + c.from + " " + c.to + "\n";
    for (const AllocatorInfo& a : t.allocators)
        out += "allocator " + a.id + " " + propertiesToJson(a.properties).dump() + " " +
               std::string(allocatorModeName(a.mode)) + " framing " + std::to_string(a.status.Framing.Frames) + " x " +
               std::to_string(a.status.Framing.FrameSize) + "\n";
    return out;
}

struct Read {
    std::vector<TopologySnapshot> snapshots;
    std::vector<RecordedEdit> edits;
    std::vector<MonitorEvent> events;
};

bool read(const QString& path, Read& out)
{
    Status status;
    auto recording = Recording::open(path.toStdString(), status);
    if (!recording) {
        qWarning("%s", status.toString().c_str());
        return false;
    }
    return recording->topologies(out.snapshots) && recording->edits(out.edits) &&
           recording->events(-1, kMaxRecordingNs, out.events);
}

} // namespace

class TstSameSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cliAndWindowRecordTheSame()
    {
        QTemporaryDir dir;
        const QString scenario = writeScenario(dir);
        QVERIFY(!scenario.isEmpty());

        // the command line: the edit is given with --set, before streaming starts
        const QString cliRecording = dir.filePath(QStringLiteral("cli.ksrec"));
        QProcess cli;
        cli.start(QStringLiteral(KSSCOPE_CLI_PATH),
                  {QStringLiteral("watch"), QStringLiteral("--scenario"), scenario, QStringLiteral("--duration"),
                   QString::number(kWatchSeconds), QStringLiteral("--rate"), QStringLiteral("200"),
                   QStringLiteral("--set"), QString::fromStdString(kAllocator) + QStringLiteral(":mode=user,buffers=6"),
                   QStringLiteral("--record"), cliRecording, QStringLiteral("--csv")});
        QVERIFY(cli.waitForFinished(60000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

        // the window's controller: the same edit as soon as the recording runs, then the same script plays
        const QString windowRecording = dir.filePath(QStringLiteral("window.ksrec"));
        {
            SessionController controller;
            QSignalSpy opened(&controller, &SessionController::opened);
            SessionRequest request;
            request.backends = {QStringLiteral("sim")};
            request.options.set("scenario", scenario.toStdString());
            request.rateHz = 200;
            controller.open(request);
            QVERIFY(opened.wait(15000));
            QVERIFY(opened.front().at(0).toBool());
            Recorder::Options options;
            options.path = windowRecording.toStdString();
            options.backends = {"sim"};
            options.rateHz = 200;
            std::shared_ptr<Recorder> recorder;
            const Status started = controller.startRecording(options, recorder);
            QVERIFY2(started, started.toString().c_str());
            QSignalSpy modeDone(&controller, &SessionController::modeResult);
            QSignalSpy propertiesDone(&controller, &SessionController::propertiesResult);
            controller.setMode(1, QString::fromStdString(kAllocator), KsAllocatorMode_User, ApplyMode::Apply);
            PropertyRequest six;
            six.buffers = 6;
            controller.setProperties(2, QString::fromStdString(kAllocator), six, ApplyMode::Apply);
            QVERIFY(propertiesDone.wait(10000));
            QCOMPARE(modeDone.size(), 1);
            // the window's tick drains the watch; so does this loop, until the script has played
            SampleBatch batch;
            const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(kWatchSeconds);
            while (std::chrono::steady_clock::now() < until) {
                QTest::qWait(30);
                (void)controller.drain(batch);
            }
            (void)controller.drain(batch);
            const std::shared_ptr<Recorder> taken = controller.takeRecorder();
            QVERIFY(taken);
            QVERIFY(taken->finish(controller.monitor()->now_ns()));
        }

        Read a;
        Read b;
        QVERIFY(read(cliRecording, a));
        QVERIFY(read(windowRecording, b));

        // the same snapshots: why, and what they show
        auto reasons = [](const Read& r) {
            QStringList out;
            for (const auto& s : r.snapshots)
                out.append(QString::fromStdString(s.reason));
            return out;
        };
        if (reasons(a) != reasons(b)) {
            for (const Read* r : {&a, &b})
                for (const auto& snap : r->snapshots)
                    qWarning("%s %lld %s\n%s", r == &a ? "cli" : "window", static_cast<long long>(snap.t_ns),
                             snap.reason.c_str(), structureOf(snap.topology).c_str());
        }
        QCOMPARE(reasons(a), reasons(b));
        QCOMPARE(reasons(a), (QStringList{QStringLiteral("start"), QStringLiteral("edit"), QStringLiteral("edit"),
                                          QStringLiteral("removed"), QStringLiteral("added")}));
        for (std::size_t i = 0; i < a.snapshots.size(); ++i)
            QCOMPARE(structureOf(a.snapshots[i].topology), structureOf(b.snapshots[i].topology));
        QVERIFY(!a.snapshots[3].topology.findFilter("sim:convert"));
        QVERIFY(a.snapshots[4].topology.findFilter("sim:convert"));

        // each structural snapshot at the time of the event it follows, in both
        for (const Read* r : {&a, &b}) {
            for (const TopologySnapshot& s : r->snapshots) {
                if (s.reason != "removed" && s.reason != "added")
                    continue;
                const bool matched = std::any_of(r->events.begin(), r->events.end(), [&](const MonitorEvent& e) {
                    return e.t_ns == s.t_ns && eventKindName(e.kind) == s.reason && e.id == "sim:convert";
                });
                QVERIFY2(matched, ("no " + s.reason + " event at " + std::to_string(s.t_ns)).c_str());
            }
        }
        // the same script, so the same time between the removal and the arrival (the sampler's period apart)
        const std::int64_t gapA = a.snapshots[4].t_ns - a.snapshots[3].t_ns;
        const std::int64_t gapB = b.snapshots[4].t_ns - b.snapshots[3].t_ns;
        const auto expected = static_cast<std::int64_t>((kArrival - kRemoval) * 1e9);
        QVERIFY2(std::llabs(gapA - expected) < 100'000'000, std::to_string(gapA).c_str());
        QVERIFY2(std::llabs(gapB - expected) < 100'000'000, std::to_string(gapB).c_str());
        // the edit snapshots at the edits' times
        for (const Read* r : {&a, &b}) {
            QCOMPARE(r->edits.size(), std::size_t{2});
            QCOMPARE(r->snapshots[1].t_ns, r->edits[0].t_ns);
            QCOMPARE(r->snapshots[2].t_ns, r->edits[1].t_ns);
        }

        // the same edits with the same results
        for (std::size_t i = 0; i < a.edits.size(); ++i) {
            const RecordedEdit& x = a.edits[i];
            const RecordedEdit& y = b.edits[i];
            QCOMPARE(x.allocatorId, kAllocator);
            QCOMPARE(x.allocatorId, y.allocatorId);
            QCOMPARE(x.kind, y.kind);
            QCOMPARE(x.applied, y.applied);
            QCOMPARE(x.requested, y.requested);
            QCOMPARE(x.actual, y.actual);
            QCOMPARE(x.hr, y.hr);
        }
        QCOMPARE(a.edits[0].kind, std::string("mode"));
        QCOMPARE(a.edits[1].kind, std::string("properties"));
        QVERIFY(a.edits[1].applied);
        QCOMPARE(nlohmann::json::parse(a.edits[1].actual).at("buffers").get<int>(), 6);
    }
};

QTEST_MAIN(TstSameSession)
#include "tst_samesession.moc"
