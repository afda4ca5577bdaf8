// SPDX-License-Identifier: GPL-3.0-or-later
// The ksscope-cli contract, run as a process: commands, exit codes, JSON documents, errors.

#include "../common/trace_event_check.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run cli(const QStringList& args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(QStringLiteral(KSSCOPE_CLI_PATH), args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QString scenario(const char* name)
{
    return QStringLiteral(KSSCOPE_SCENARIO_DIR "/") + QLatin1String(name);
}

QList<QJsonObject> jsonLines(const QByteArray& out)
{
    QList<QJsonObject> lines;
    for (const QByteArray& line : out.split('\n')) {
        if (line.trimmed().isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject()) {
            qWarning("not a JSON object line: %s", line.constData());
            return {};
        }
        lines.append(doc.object());
    }
    return lines;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    /// `frames` on the starvation scenario: one JSON line per frame with its latencies, the drops named as they
    /// become known and summed in the summary (equal to the frames' own dropped_before), and the same frames as a
    /// Trace Event document that follows the format's rules; a polled backend has no frames (exit 3); a trace file
    /// that cannot be written is refused before watching (exit 2).
    void framesOfAStarvingPin()
    {
        QTemporaryDir dir;
        const QString tracePath = dir.filePath(QStringLiteral("frames.json"));
        const Run r = cli({QStringLiteral("--scenario"), scenario("starvation.json"), QStringLiteral("frames"),
                           QStringLiteral("--duration"), QStringLiteral("2.5"), QStringLiteral("--json"),
                           QStringLiteral("--trace-json"), tracePath});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        qint64 frames = 0;
        qint64 droppedBefore = 0;
        qint64 droppedLines = 0;
        QJsonObject summary;
        for (const QJsonObject& line : jsonLines(r.out)) {
            if (line.contains(QStringLiteral("frame"))) {
                const QJsonObject f = line.value(QStringLiteral("frame")).toObject();
                ++frames;
                droppedBefore += f.value(QStringLiteral("dropped_before")).toInteger();
                QVERIFY(f.value(QStringLiteral("done_ns")).toInteger() >=
                        f.value(QStringLiteral("driver_owned_ns")).toInteger());
                QVERIFY(f.value(QStringLiteral("driver_latency_ns")).toInteger() >= 0);
            } else if (line.contains(QStringLiteral("dropped"))) {
                const QJsonObject d = line.value(QStringLiteral("dropped")).toObject();
                droppedLines +=
                    d.value(QStringLiteral("last")).toInteger() - d.value(QStringLiteral("first")).toInteger() + 1;
            } else if (line.contains(QStringLiteral("summary"))) {
                summary = line.value(QStringLiteral("summary")).toArray().first().toObject();
            }
        }
        QVERIFY(frames > 30);
        QVERIFY2(droppedLines > 0, "the consumer's pauses lose frames");
        QCOMPARE(droppedLines, droppedBefore);
        QCOMPARE(summary.value(QStringLiteral("frames")).toInteger(), frames);
        QCOMPARE(summary.value(QStringLiteral("dropped")).toInteger(), droppedLines);
        QVERIFY(summary.value(QStringLiteral("frames_followed")).toBool());
        QVERIFY(summary.value(QStringLiteral("interval")).toObject().value(QStringLiteral("p50_ns")).toInteger() > 0);

        QFile file(tracePath);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const TraceEventCheck c = checkTraceEvents(file.readAll());
        QVERIFY2(c.error.isEmpty(), qPrintable(c.error));
        QVERIFY(c.phases.value(QStringLiteral("X")) >= 2 * frames); // filling and waiting at least, per frame
        QCOMPARE(c.phases.value(QStringLiteral("i")),
                 static_cast<int>(summary.value(QStringLiteral("dropped_sequences")).toArray().size()));
        QVERIFY(c.phases.value(QStringLiteral("C")) > 0);

        const Run polled = cli({QStringLiteral("--scenario"), scenario("starvation.json"),
                                QStringLiteral("--sim-events"), QStringLiteral("poll"), QStringLiteral("frames"),
                                QStringLiteral("--duration"), QStringLiteral("0.5")});
        QCOMPARE(polled.exitCode, 3);
        QVERIFY(polled.err.contains("no watched allocator's buffers are followed"));
        const Run badEvents =
            cli({QStringLiteral("--sim-events"), QStringLiteral("sometimes"), QStringLiteral("frames")});
        QCOMPARE(badEvents.exitCode, 4);
        QVERIFY(badEvents.err.contains("must be follow or poll"));
        const Run unwritable =
            cli({QStringLiteral("frames"), QStringLiteral("--duration"), QStringLiteral("0.5"),
                 QStringLiteral("--trace-json"), dir.filePath(QStringLiteral("no/such/folder.json"))});
        QCOMPARE(unwritable.exitCode, 2);
        QVERIFY(unwritable.err.contains("cannot be written"));
    }

    void version()
    {
        const Run r = cli({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.startsWith("ksscope-cli 0."));
    }
    void help()
    {
        const Run r = cli({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        for (const char* word :
             {"list", "status", "watch", "set-mode", "set-properties", "--backend", "--scenario", "Exit codes"})
            QVERIFY2(r.out.contains(word), word);
    }
    void listJsonHasTheDocumentedShape()
    {
        const Run r = cli({QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        QJsonParseError error;
        const QJsonObject doc = QJsonDocument::fromJson(r.out, &error).object();
        QCOMPARE(error.error, QJsonParseError::NoError);
        QVERIFY(doc.value(QStringLiteral("filters")).isArray());
        QVERIFY(doc.value(QStringLiteral("connections")).isArray());
        bool sawAvshws = false;
        for (const auto fv : doc.value(QStringLiteral("filters")).toArray()) {
            const QJsonObject f = fv.toObject();
            for (const char* key : {"id", "name", "backend", "categories", "pins"})
                QVERIFY2(f.contains(QLatin1String(key)), key);
            for (const auto pv : f.value(QStringLiteral("pins")).toArray()) {
                const QJsonObject p = pv.toObject();
                for (const char* key : {"id", "name", "direction", "allocator"})
                    QVERIFY2(p.contains(QLatin1String(key)), key);
                const QJsonObject a = p.value(QStringLiteral("allocator")).toObject();
                for (const char* key : {"id", "mode", "framing", "allocatedFrames", "properties"})
                    QVERIFY2(a.contains(QLatin1String(key)), key);
                const QJsonObject framing = a.value(QStringLiteral("framing")).toObject();
                for (const char* key : {"frames", "frameSize", "fileAlignment", "poolType", "optionsFlags"})
                    QVERIFY2(framing.contains(QLatin1String(key)), key);
                const QJsonObject props = a.value(QStringLiteral("properties")).toObject();
                for (const char* key : {"buffers", "bufferSize", "align", "prefix"})
                    QVERIFY2(props.contains(QLatin1String(key)), key);
                if (p.value(QStringLiteral("id")).toString() == QStringLiteral("sim:avshws/pin0")) {
                    sawAvshws = true;
                    QCOMPARE(framing.value(QStringLiteral("frames")).toInt(), 2);
                    QCOMPARE(framing.value(QStringLiteral("frameSize")).toInt(), 153600);
                    QCOMPARE(a.value(QStringLiteral("mode")).toString(), QStringLiteral("kernel"));
                    QCOMPARE(f.value(QStringLiteral("backend")).toString(), QStringLiteral("sim"));
                }
            }
        }
        QVERIFY(sawAvshws);
        const QJsonObject c = doc.value(QStringLiteral("connections")).toArray().first().toObject();
        for (const char* key : {"from", "to", "flags"})
            QVERIFY2(c.contains(QLatin1String(key)), key);
    }
    void listText()
    {
        const Run r = cli({QStringLiteral("list")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("sim:avshws/pin0/allocator: kernel mode, 2 x 153600 bytes"));
        QVERIFY(r.out.contains("sim:camera/out -> sim:convert/in"));
    }
    void globalOptionsAfterTheCommand()
    {
        const Run r = cli({QStringLiteral("list"), QStringLiteral("--json"), QStringLiteral("--backend"),
                           QStringLiteral("sim"), QStringLiteral("--scenario"), scenario("starvation.json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc.value(QStringLiteral("filters")).toArray().size(), 1);
    }
    void statusJson()
    {
        const Run r = cli({QStringLiteral("status"), QStringLiteral("--json"), QStringLiteral("--settle"),
                           QStringLiteral("0.3"), QStringLiteral("sim:avshws/pin0"), QStringLiteral("sim:avssamp")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray list = QJsonDocument::fromJson(r.out).object().value(QStringLiteral("allocators")).toArray();
        QCOMPARE(list.size(), 3); // the pin's allocator and both of avssamp's
        const QJsonObject a = list.first().toObject();
        QCOMPARE(a.value(QStringLiteral("id")).toString(), QStringLiteral("sim:avshws/pin0/allocator"));
        QVERIFY(a.value(QStringLiteral("committed")).toBool());
        const int allocated = a.value(QStringLiteral("allocatedFrames")).toInt(-1);
        QVERIFY(allocated >= 0 && allocated <= 2);
    }
    void watchJsonLines()
    {
        const Run r =
            cli({QStringLiteral("watch"), QStringLiteral("--duration"), QStringLiteral("1"), QStringLiteral("--rate"),
                 QStringLiteral("50"), QStringLiteral("--json"), QStringLiteral("sim:avshws/pin0/allocator")});
        QCOMPARE(r.exitCode, 0);
        const auto lines = jsonLines(r.out);
        QVERIFY(lines.size() >= 30);
        int samples = 0;
        for (const auto& o : lines) {
            const QString type = o.value(QStringLiteral("type")).toString();
            QVERIFY(type == QStringLiteral("sample") || type == QStringLiteral("event") ||
                    type == QStringLiteral("summary"));
            if (type == QStringLiteral("sample")) {
                ++samples;
                for (const char* key : {"t", "id", "frames", "frameSize", "allocatedFrames"})
                    QVERIFY2(o.contains(QLatin1String(key)), key);
                QCOMPARE(o.value(QStringLiteral("id")).toString(), QStringLiteral("sim:avshws/pin0/allocator"));
                QCOMPARE(o.value(QStringLiteral("frameSize")).toInt(), 153600);
            }
        }
        QVERIFY(samples >= 25);
        const QJsonObject summary = lines.last();
        QCOMPARE(summary.value(QStringLiteral("type")).toString(), QStringLiteral("summary"));
        const QJsonObject alloc = summary.value(QStringLiteral("allocators")).toArray().first().toObject();
        for (const char* key :
             {"minAllocated", "meanAllocated", "maxAllocated", "starvationCount", "starvedMs", "drops"})
            QVERIFY2(alloc.contains(QLatin1String(key)), key);
        const QJsonObject sampler = summary.value(QStringLiteral("sampler")).toObject();
        QVERIFY(sampler.value(QStringLiteral("cpuSeconds")).toDouble(-1) >= 0);
        QCOMPARE(sampler.value(QStringLiteral("samples")).toInt(), samples);
        // the simulator's frames are followed one by one: their timing, and the drops counted exactly
        QVERIFY(alloc.value(QStringLiteral("framesFollowed")).toBool());
        const QJsonObject timing = alloc.value(QStringLiteral("frameTiming")).toObject();
        QVERIFY2(timing.value(QStringLiteral("frames")).toInt() >= 10, QJsonDocument(timing).toJson().constData());
        QCOMPARE(timing.value(QStringLiteral("dropped")).toInteger(), alloc.value(QStringLiteral("drops")).toInteger());
        // the frame interval's median is the frame rate's period
        const double p50 =
            timing.value(QStringLiteral("interval")).toObject().value(QStringLiteral("p50Ns")).toDouble();
        const double fps = alloc.value(QStringLiteral("framesPerSecond")).toDouble();
        QVERIFY2(p50 > 0 && fps > 0 && std::abs(1e9 / p50 - fps) / fps < 0.25,
                 qPrintable(QStringLiteral("%1 ns, %2 fps").arg(p50).arg(fps)));
        for (const char* key : {"driverLatency", "deliveryLatency", "hold"})
            QVERIFY2(timing.value(QLatin1String(key)).toObject().value(QStringLiteral("count")).toInt() > 0, key);

        // polled instead: no frame timing, and the summary says so
        const Run polled = cli({QStringLiteral("watch"), QStringLiteral("--duration"), QStringLiteral("0.5"),
                                QStringLiteral("--sim-events"), QStringLiteral("poll"), QStringLiteral("--json"),
                                QStringLiteral("sim:avshws/pin0/allocator")});
        QCOMPARE(polled.exitCode, 0);
        const QJsonObject p =
            jsonLines(polled.out).last().value(QStringLiteral("allocators")).toArray().first().toObject();
        QVERIFY(!p.value(QStringLiteral("framesFollowed")).toBool(true));
        QVERIFY(p.value(QStringLiteral("frameTiming")).isNull());
        // and the text summary names the followed frames' percentiles
        const Run text = cli({QStringLiteral("watch"), QStringLiteral("--duration"), QStringLiteral("1"),
                              QStringLiteral("sim:avshws/pin0/allocator")});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("every frame followed (drops exact; ms p50 / p99 / max):\n  "
                                   "sim:avshws/pin0/allocator: "),
                 text.out.constData());
        QVERIFY2(text.out.contains("; interval "), text.out.constData());
    }
    void watchCsv()
    {
        const Run r = cli({QStringLiteral("watch"), QStringLiteral("--duration"), QStringLiteral("0.5"),
                           QStringLiteral("--csv"), QStringLiteral("sim:avshws")});
        QCOMPARE(r.exitCode, 0);
        const QList<QByteArray> rows = r.out.trimmed().split('\n');
        QVERIFY(rows.first().startsWith("type,t,id,frames,frameSize,allocatedFrames,kind,message"));
        const int columns = static_cast<int>(rows.first().count(',')) + 1;
        int samples = 0;
        for (const QByteArray& row : rows.mid(1)) {
            if (row.startsWith("sample,")) {
                ++samples;
                QCOMPARE(static_cast<int>(row.count(',')) + 1, columns);
            }
        }
        QVERIFY(samples >= 20);
        QVERIFY(r.out.contains("\nsummary,"));
    }
    void starvationScenarioReportsStarvation()
    {
        const auto counts = watchStarvation({});
        QVERIFY2(counts.first >= 1, "starvation events expected with 2 frames");
        QVERIFY(counts.second >= 1);
    }
    void moreBuffersReportNone()
    {
        const auto counts =
            watchStarvation({QStringLiteral("--set"), QStringLiteral("sim:avshws/pin0/allocator:buffers=8")});
        QCOMPARE(counts.first, 0);
    }
    void setPropertiesDryRunPredicts()
    {
        const Run r = cli({QStringLiteral("set-properties"), QStringLiteral("sim:avshws/pin0"),
                           QStringLiteral("--buffers"), QStringLiteral("4"), QStringLiteral("--buffer-size"),
                           QStringLiteral("1000"), QStringLiteral("--align"), QStringLiteral("64"),
                           QStringLiteral("--prefix"), QStringLiteral("10"), QStringLiteral("--dry-run")});
        QCOMPARE(r.exitCode, 0);
        const QString out = QString::fromUtf8(r.out).simplified();
        QVERIFY2(out.contains(QStringLiteral("requested 4 1000 64 10")), r.out.constData());
        QVERIFY2(out.contains(QStringLiteral("predicted 4 1014 64 10")), r.out.constData());
    }
    void setPropertiesApplies()
    {
        const Run r = cli({QStringLiteral("set-properties"), QStringLiteral("sim:avshws/pin0/allocator"),
                           QStringLiteral("--buffers"), QStringLiteral("6")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(QString::fromUtf8(r.out).simplified().contains(QStringLiteral("actual 6 153600 1 0")),
                 r.out.constData());
        QVERIFY(r.out.contains("result: applied"));
    }
    void setModeApplies()
    {
        const Run r =
            cli({QStringLiteral("set-mode"), QStringLiteral("sim:avshws/pin0/allocator"), QStringLiteral("user")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("mode now:       user"));
    }
    void backendsSelfTest()
    {
        const Run r = cli({QStringLiteral("backends"), QStringLiteral("--self-test"), QStringLiteral("--json")});
        QCOMPARE(r.exitCode, 0);
        const QJsonArray list = QJsonDocument::fromJson(r.out).object().value(QStringLiteral("backends")).toArray();
        QVERIFY(!list.isEmpty());
        const QJsonObject sim = list.first().toObject();
        QCOMPARE(sim.value(QStringLiteral("name")).toString(), QStringLiteral("sim"));
        QVERIFY(sim.value(QStringLiteral("selfTest")).toObject().value(QStringLiteral("passed")).toBool());
    }

    // ---- errors and exit codes -------------------------------------------------------------
    void errors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("no command") << QStringList{} << 2 << QStringLiteral("subcommand");
        QTest::newRow("unknown command") << QStringList{QStringLiteral("frobnicate")} << 2
                                         << QStringLiteral("unknown command \"frobnicate\"");
        QTest::newRow("unknown option") << QStringList{QStringLiteral("list"), QStringLiteral("--colour")} << 2
                                        << QStringLiteral("--colour");
        QTest::newRow("unknown backend") << QStringList{QStringLiteral("list"), QStringLiteral("--backend"),
                                                        QStringLiteral("v4l3")}
                                         << 2 << QStringLiteral("--backend v4l3: unknown backend; this build has: sim");
        QTest::newRow("missing scenario")
            << QStringList{QStringLiteral("list"), QStringLiteral("--scenario"), QStringLiteral("/nonexistent/s.json")}
            << 2 << QStringLiteral("/nonexistent/s.json: cannot open");
        QTest::newRow("rate too high") << QStringList{QStringLiteral("watch"), QStringLiteral("--rate"),
                                                      QStringLiteral("5000")}
                                       << 4 << QStringLiteral("--rate");
        QTest::newRow("rate not a number")
            << QStringList{QStringLiteral("watch"), QStringLiteral("--rate"), QStringLiteral("fast")} << 4
            << QStringLiteral("--rate");
        QTest::newRow("json and csv") << QStringList{QStringLiteral("watch"), QStringLiteral("--json"),
                                                     QStringLiteral("--csv")}
                                      << 2 << QStringLiteral("excludes");
        QTest::newRow("unknown id") << QStringList{QStringLiteral("status"), QStringLiteral("sim:nope")} << 3
                                    << QStringLiteral("\"sim:nope\" matches no allocator, pin or filter");
        QTest::newRow("watch unknown id") << QStringList{QStringLiteral("watch"), QStringLiteral("--duration"),
                                                         QStringLiteral("1"), QStringLiteral("sim:nope")}
                                          << 3 << QStringLiteral("sim:nope");
        QTest::newRow("bad alignment") << QStringList{QStringLiteral("set-properties"),
                                                      QStringLiteral("sim:avshws/pin0"), QStringLiteral("--align"),
                                                      QStringLiteral("3")}
                                       << 4 << QStringLiteral("--align 3: must be a power of two");
        QTest::newRow("negative buffers")
            << QStringList{QStringLiteral("set-properties"), QStringLiteral("sim:avshws/pin0"),
                           QStringLiteral("--buffers"), QStringLiteral("-2")}
            << 4 << QStringLiteral("--buffers: expected a whole number from 0 to 2147483647, got \"-2\"");
        QTest::newRow("no property") << QStringList{QStringLiteral("set-properties"), QStringLiteral("sim:avshws/pin0")}
                                     << 2 << QStringLiteral("give at least one of");
        QTest::newRow("bad mode") << QStringList{QStringLiteral("set-mode"), QStringLiteral("sim:avshws/pin0"),
                                                 QStringLiteral("turbo")}
                                  << 4 << QStringLiteral("mode must be \"user\" or \"kernel\"");
        QTest::newRow("bad --set") << QStringList{QStringLiteral("watch"), QStringLiteral("--set"),
                                                  QStringLiteral("sim:avshws/pin0:buffers=lots")}
                                   << 4 << QStringLiteral("buffers must be an integer");
        QTest::newRow("--set unknown key") << QStringList{QStringLiteral("watch"), QStringLiteral("--set"),
                                                          QStringLiteral("sim:avshws/pin0:colour=red")}
                                           << 4 << QStringLiteral("unknown key \"colour\"");
        QTest::newRow("--stream bad memory") << QStringList{QStringLiteral("watch"), QStringLiteral("--stream"),
                                                            QStringLiteral("sim:avshws/pin0:memory=gpu")}
                                             << 4 << QStringLiteral("memory must be mmap, userptr or dmabuf");
        QTest::newRow("--stream not key=value") << QStringList{QStringLiteral("status"), QStringLiteral("--stream"),
                                                               QStringLiteral("sim:avshws/pin0:buffers=4,fast")}
                                                << 4 << QStringLiteral("\"fast\" is not key=value");
        QTest::newRow("--stream on a simulated device")
            << QStringList{QStringLiteral("status"), QStringLiteral("--stream"), QStringLiteral("sim:avshws/pin0")} << 3
            << QStringLiteral("streams its devices itself");
        QTest::newRow("set-link immutable") << QStringList{QStringLiteral("set-link"), QStringLiteral("sim:camera/out"),
                                                           QStringLiteral("sim:convert/in"), QStringLiteral("off")}
                                            << 4 << QStringLiteral("is immutable");
        QTest::newRow("--set bad align") << QStringList{QStringLiteral("watch"), QStringLiteral("--duration"),
                                                        QStringLiteral("1"), QStringLiteral("--set"),
                                                        QStringLiteral("sim:avshws/pin0:align=5")}
                                         << 4 << QStringLiteral("VFW_E_BADALIGN");
        QTest::newRow("--set huge pool") << QStringList{QStringLiteral("watch"), QStringLiteral("--duration"),
                                                        QStringLiteral("1"), QStringLiteral("--set"),
                                                        QStringLiteral(
                                                            "sim:avshws/pin0:buffers=1000,buffer-size=2000000000")}
                                         << 4
                                         << QStringLiteral("over the limit of 4096 MiB per allocator [E_OUTOFMEMORY]");
    }
    void serveErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("off loopback without a token")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("0.0.0.0:0")} << 2
            << QStringLiteral("is reachable from other machines: give a token with --token-file FILE");
        QTest::newRow("edits without a token") << QStringList{QStringLiteral("serve"), QStringLiteral("--allow-edits")}
                                               << 2 << QStringLiteral("--allow-edits needs a token");
        QTest::newRow("bad listen address")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--listen"), QStringLiteral("example.org:80")} << 2
            << QStringLiteral("is not an IP address; expected ADDR:PORT");
        QTest::newRow("missing token file")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--token-file"), QStringLiteral("/nonexistent/t")}
            << 2 << QStringLiteral("cannot read the token file /nonexistent/t");
        QTest::newRow("unreachable agent")
            << QStringList{QStringLiteral("--agent"), QStringLiteral("http://127.0.0.1:1"), QStringLiteral("list")} << 3
            << QStringLiteral("cannot reach the agent at http://127.0.0.1:1");
        QTest::newRow("agent backend without an address")
            << QStringList{QStringLiteral("--backend"), QStringLiteral("agent"), QStringLiteral("list")} << 3
            << QStringLiteral("no agent address: name one with --agent");
        QTest::newRow("agent address with other backends")
            << QStringList{QStringLiteral("--agent"), QStringLiteral("http://127.0.0.1:1"), QStringLiteral("--backend"),
                           QStringLiteral("sim"), QStringLiteral("list")}
            << 2 << QStringLiteral("the options given are for the agent backend, which --backend leaves out");
    }
    void serveErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const Run r = cli(args, 30000);
        QVERIFY2(r.exitCode == exitCode,
                 qPrintable(QStringLiteral("exit %1, stderr: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err))));
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
    }
    void serveAndOpenItAsAnAgent()
    {
        // one ksscope-cli serves the starvation scenario; another lists and watches it through --agent
        QProcess serve;
        serve.start(QStringLiteral(KSSCOPE_CLI_PATH),
                    {QStringLiteral("--scenario"), scenario("starvation.json"), QStringLiteral("serve"),
                     QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--duration"),
                     QStringLiteral("30")});
        QVERIFY(serve.waitForReadyRead(10000));
        const QString banner = QString::fromUtf8(serve.readLine());
        const auto m = QRegularExpression(QStringLiteral("at http://127\\.0\\.0\\.1:(\\d+)/metrics")).match(banner);
        QVERIFY2(m.hasMatch(), qPrintable(banner));
        const QString url = QStringLiteral("http://127.0.0.1:") + m.captured(1);
        const QString prefix = QStringLiteral("agent@127.0.0.1:") + m.captured(1) + QLatin1Char(':');

        const Run list = cli({QStringLiteral("--agent"), url, QStringLiteral("list"), QStringLiteral("--json")});
        QCOMPARE(list.exitCode, 0);
        const QJsonObject topology = QJsonDocument::fromJson(list.out).object();
        QCOMPARE(topology[QStringLiteral("filters")].toArray().at(0).toObject()[QStringLiteral("id")].toString(),
                 prefix + QStringLiteral("sim:avshws"));
        const Run watch = cli({QStringLiteral("--agent"), url, QStringLiteral("watch"), QStringLiteral("--duration"),
                               QStringLiteral("3"), QStringLiteral("--json")});
        QCOMPARE(watch.exitCode, 0);
        const QList<QJsonObject> lines = jsonLines(watch.out);
        QVERIFY(!lines.isEmpty());
        const QJsonObject summary = lines.back();
        const QJsonObject allocator = summary[QStringLiteral("allocators")].toArray().at(0).toObject();
        QCOMPARE(allocator[QStringLiteral("id")].toString(), prefix + QStringLiteral("sim:avshws/pin0/allocator"));
        QVERIFY(allocator[QStringLiteral("samples")].toInt() > 150);
        QVERIFY2(allocator[QStringLiteral("starvationCount")].toInt() >= 1, watch.out.right(600).constData());
        // edits are refused by a read-only agent, with the reason
        const Run edit =
            cli({QStringLiteral("--agent"), url, QStringLiteral("set-properties"),
                 prefix + QStringLiteral("sim:avshws/pin0"), QStringLiteral("--buffers"), QStringLiteral("8")});
        QVERIFY(edit.exitCode != 0);
        QVERIFY2(edit.err.contains("--allow-edits"), edit.err.constData());
        serve.terminate(); // SIGTERM: the agent stops and says what it served
        QVERIFY(serve.waitForFinished(10000));
        QCOMPARE(serve.exitCode(), 0);
        QVERIFY(serve.readAllStandardOutput().contains("served"));
    }
    /// Formats, controls and the doctor on the simulated devices: what is wrong and how to fix it, named.
    void formatAndControlErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const QString mismatch = scenario("mismatch.json");
        auto sim = [&](std::initializer_list<QString> args) {
            QStringList all{QStringLiteral("--scenario"), mismatch, QStringLiteral("--backend"), QStringLiteral("sim")};
            for (const QString& a : args)
                all << a;
            return all;
        };
        QTest::newRow("control out of range")
            << sim({QStringLiteral("set-control"), QStringLiteral("sim:camera"), QStringLiteral("brightness=300")}) << 4
            << QStringLiteral("control \"Brightness\" (brightness): 300 is out of range; the driver allows 0 to 255");
        QTest::newRow("menu index missing")
            << sim({QStringLiteral("set-control"), QStringLiteral("sim:camera"), QStringLiteral("test_pattern=7")}) << 4
            << QStringLiteral(
                   "menu index 7 does not exist; the driver offers 0 (Off), 1 (Colour Bars), 2 (Moving Box)");
        QTest::newRow("menu name missing")
            << sim({QStringLiteral("set-control"), QStringLiteral("sim:camera"), QStringLiteral("test_pattern=Plaid")})
            << 4 << QStringLiteral("\"Plaid\" is not one of its menu entries");
        QTest::newRow("unknown control")
            << sim({QStringLiteral("set-control"), QStringLiteral("sim:camera"), QStringLiteral("zoom=2")}) << 4
            << QStringLiteral("no control \"zoom\"; it has: brightness backlight_compensation test_pattern");
        QTest::newRow("control without value")
            << sim({QStringLiteral("set-control"), QStringLiteral("sim:camera"), QStringLiteral("brightness")}) << 2
            << QStringLiteral("give brightness=VALUE (0 - 255, default 128)");
        QTest::newRow("control of no filter")
            << sim({QStringLiteral("set-control"), QStringLiteral("sim:nothing"), QStringLiteral("brightness=1")}) << 3
            << QStringLiteral("no simulated filter \"sim:nothing\"");
        QTest::newRow("format adjusted")
            << sim({QStringLiteral("set-format"), QStringLiteral("sim:camera/out"), QStringLiteral("NV12/4000x3000")})
            << 4
            << QStringLiteral(
                   "\"USB Camera\"/Capture set to NV12/1920x1080 @1/60; the simulated pin chose that instead of what "
                   "was asked (size 4000x3000 -> 1920x1080)");
        QTest::newRow("format of a fixed pin")
            << QStringList{QStringLiteral("set-format"), QStringLiteral("--backend"), QStringLiteral("sim"),
                           QStringLiteral("sim:avshws/pin0"), QStringLiteral("RGB24/640x480")}
            << 4 << QStringLiteral("the scenario gives this pin one format, YUY2/320x240 @1001/30000");
        QTest::newRow("format text") << sim({QStringLiteral("set-format"), QStringLiteral("sim:camera/out"),
                                             QStringLiteral("NV12/wide")})
                                     << 4 << QStringLiteral("\"wide\" is not a size: give WIDTHxHEIGHT, e.g. 640x480");
        QTest::newRow("format of no pin")
            << sim({QStringLiteral("set-format"), QStringLiteral("sim:camera/nope"), QStringLiteral("NV12/640x480")})
            << 3 << QStringLiteral("\"sim:camera/nope\" is no pin or filter with formats");
        QTest::newRow("doctor --reverse alone") << sim({QStringLiteral("doctor"), QStringLiteral("--reverse")}) << 2
                                                << QStringLiteral("--reverse goes with --fix");
        QTest::newRow("doctor of no filter") << sim({QStringLiteral("doctor"), QStringLiteral("sim:nothing")}) << 3
                                             << QStringLiteral("\"sim:nothing\" is no filter or pin");
    }
    void formatAndControlErrors() { errors(); }

    /// The doctor on the mismatch scenario: each connection, attribute and both values; exit 6; the fixes as commands
    /// that work; --fix settles every connection (exit 0); the default scenario has nothing to find.
    void doctorOnTheMismatchScenario()
    {
        const QStringList sim{QStringLiteral("--backend"), QStringLiteral("sim"), QStringLiteral("--scenario"),
                              scenario("mismatch.json")};
        const Run r = cli(QStringList{QStringLiteral("doctor"), QStringLiteral("--json")} + sim);
        QCOMPARE(r.exitCode, 6);
        const QJsonObject doc = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(doc.value(QStringLiteral("errors")).toInt(), 4);
        QCOMPARE(doc.value(QStringLiteral("warnings")).toInt(), 1);
        QStringList seen;
        for (const auto v : doc.value(QStringLiteral("findings")).toArray()) {
            const QJsonObject f = v.toObject();
            seen << f.value(QStringLiteral("to")).toString() + QLatin1Char(' ') +
                        f.value(QStringLiteral("attribute")).toString() + QLatin1Char(' ') +
                        f.value(QStringLiteral("source")).toString() + QLatin1Char(' ') +
                        f.value(QStringLiteral("sink")).toString().section(QLatin1Char(' '), 0, 1);
        }
        QCOMPARE(seen, (QStringList{QStringLiteral("sim:encoder/in subtype YUY2 NV12"),
                                    QStringLiteral("sim:encoder/in data-range YUY2 1280x720 accepts NV12"),
                                    QStringLiteral("sim:encoder/in frame-interval 1/60 s (60 fps) offers 1/30"),
                                    QStringLiteral("sim:preview/in size 1920x1080 1280x720"),
                                    QStringLiteral("sim:preview/in data-range NV12 1920x1080 accepts NV12")}));
        // the first fix of the camera's connection, as a command: the camera set to what the encoder takes
        const QJsonObject first = doc.value(QStringLiteral("findings")).toArray()[0].toObject();
        const QJsonArray fixes = first.value(QStringLiteral("fixes")).toArray();
        QCOMPARE(fixes.size(), 1); // the encoder takes NV12 only: setting it to YUY2 is not offered
        QCOMPARE(fixes[0].toObject().value(QStringLiteral("command")).toString(),
                 QStringLiteral("ksscope-cli set-format 'sim:camera/out' 'NV12/1280x720 @1/30'"));
        const Run set = cli(QStringList{QStringLiteral("set-format"), QStringLiteral("sim:camera/out"),
                                        QStringLiteral("NV12/1280x720 @1/30")} +
                            sim);
        QVERIFY2(set.exitCode == 0, set.err.constData());
        QVERIFY2(set.out.contains("now:       NV12/1280x720 @1/30"), set.out.constData());

        const Run fixed = cli(QStringList{QStringLiteral("doctor"), QStringLiteral("--fix")} + sim);
        QVERIFY2(fixed.exitCode == 0, fixed.out.constData());
        QCOMPARE(fixed.out.count("fixed:   set "), 2);
        QVERIFY2(fixed.out.contains("no findings: every enabled link's ends agree"), fixed.out.constData());

        const Run plain = cli({QStringLiteral("doctor"), QStringLiteral("--backend"), QStringLiteral("sim")});
        QCOMPARE(plain.exitCode, 0);
        QVERIFY(plain.out.contains("no findings"));
    }

    /// formats and controls as JSON: the camera's two data ranges, the controls with their values, a button pressed.
    void formatsAndControlsOfTheSimulatedCamera()
    {
        const QStringList sim{QStringLiteral("--backend"), QStringLiteral("sim"), QStringLiteral("--scenario"),
                              scenario("mismatch.json")};
        const Run f =
            cli(QStringList{QStringLiteral("formats"), QStringLiteral("--json"), QStringLiteral("sim:camera")} + sim);
        QCOMPARE(f.exitCode, 0);
        const QJsonArray pins = QJsonDocument::fromJson(f.out).object().value(QStringLiteral("pins")).toArray();
        QCOMPARE(pins.size(), 1);
        const QJsonObject camera = pins[0].toObject();
        QCOMPARE(camera.value(QStringLiteral("active")).toObject().value(QStringLiteral("text")).toString(),
                 QStringLiteral("YUY2/1280x720 @1/60"));
        QCOMPARE(camera.value(QStringLiteral("formats")).toArray().size(), 2);
        QCOMPARE(camera.value(QStringLiteral("formats"))
                     .toArray()[1]
                     .toObject()
                     .value(QStringLiteral("codeName"))
                     .toString(),
                 QStringLiteral("NV12"));

        const Run c = cli(QStringList{QStringLiteral("controls"), QStringLiteral("--json")} + sim);
        QCOMPARE(c.exitCode, 0);
        const QJsonArray filters = QJsonDocument::fromJson(c.out).object().value(QStringLiteral("filters")).toArray();
        QCOMPARE(filters.size(), 1); // only the camera has controls
        QStringList keys;
        for (const auto v : filters[0].toObject().value(QStringLiteral("controls")).toArray())
            keys << v.toObject().value(QStringLiteral("key")).toString() + QLatin1Char('=') +
                        v.toObject().value(QStringLiteral("valueText")).toString();
        QCOMPARE(keys, (QStringList{QStringLiteral("brightness=128"), QStringLiteral("backlight_compensation=false"),
                                    QStringLiteral("test_pattern=Off (0)"), QStringLiteral("stall_preview=")}));
        const Run set = cli(QStringList{QStringLiteral("set-control"), QStringLiteral("sim:camera"),
                                        QStringLiteral("brightness=0x40"), QStringLiteral("test_pattern=moving box"),
                                        QStringLiteral("stall_preview")} +
                            sim);
        QVERIFY2(set.exitCode == 0, set.err.constData());
        QCOMPARE(set.out, QByteArray("brightness: 128 -> 64\ntest_pattern: Off (0) -> Moving Box (2)\nstall_preview: "
                                     "pressed\n"));
    }

    void errors()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const Run r = cli(args);
        QVERIFY2(r.exitCode == exitCode,
                 qPrintable(QStringLiteral("exit %1, stderr: %2").arg(r.exitCode).arg(QString::fromUtf8(r.err))));
        QVERIFY2(QString::fromUtf8(r.err).contains(message), r.err.constData());
    }
    void malformedScenarioNamesFileAndLine()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("bad.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QByteArray text = QFile(scenario("starvation.json")).exists() ? QByteArray() : QByteArray();
        QFile source(scenario("starvation.json"));
        QVERIFY(source.open(QIODevice::ReadOnly));
        text = source.readAll();
        text.replace("\"frames\": 2,", "\"frames\": -2,");
        file.write(text);
        file.close();
        const Run r = cli({QStringLiteral("list"), QStringLiteral("--scenario"), path});
        QCOMPARE(r.exitCode, 4);
        const int line = static_cast<int>(text.left(text.indexOf("\"frames\": -2")).count('\n')) + 1;
        QVERIFY2(
            r.err.contains(
                QStringLiteral("%1:%2: filters[0].pins[0].framing.frames: must be an integer from 1 to 1024, got -2")
                    .arg(path)
                    .arg(line)
                    .toUtf8()),
            r.err.constData());
        QVERIFY(r.out.isEmpty());
    }
    void truncatedScenario()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("cut.json"));
        QFile source(scenario("default.json"));
        QVERIFY(source.open(QIODevice::ReadOnly));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(source.readAll().left(700));
        file.close();
        const Run r = cli({QStringLiteral("watch"), QStringLiteral("--scenario"), path});
        QCOMPARE(r.exitCode, 4);
        QVERIFY2(r.err.contains("not valid JSON"), r.err.constData());
        QVERIFY(r.err.contains(path.toUtf8() + ":"));
    }

private:
    /// (starvation events, drop events) in 4 s of the starvation scenario
    static std::pair<int, int> watchStarvation(const QStringList& extra)
    {
        QStringList args{QStringLiteral("watch"),      QStringLiteral("--scenario"), scenario("starvation.json"),
                         QStringLiteral("--duration"), QStringLiteral("4"),          QStringLiteral("--json")};
        args += extra;
        const Run r = cli(args);
        if (r.exitCode != 0)
            return {-1, -1};
        int starvations = 0;
        int drops = 0;
        for (const auto& o : jsonLines(r.out)) {
            if (o.value(QStringLiteral("type")).toString() != QStringLiteral("event"))
                continue;
            starvations += o.value(QStringLiteral("kind")).toString() == QStringLiteral("starvation");
            drops += o.value(QStringLiteral("kind")).toString() == QStringLiteral("drop");
        }
        return {starvations, drops};
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
