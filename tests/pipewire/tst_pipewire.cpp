// SPDX-License-Identifier: GPL-3.0-or-later
// The pipewire backend against a real daemon: run by tests/pipewire/with-pipewire.sh, which starts pipewire and
// wireplumber on a private XDG_RUNTIME_DIR. A GStreamer stream (videotestsrc ! pipewiresink) and a consumer
// (pipewiresrc ! fakesink) are started here; what KsScope shows of them is compared with pw-dump's view of the same
// objects and with the buffers the daemon handed the consumer (its own log).

#include "ksscope/backend.h"
#include "ksscope/backend_registry.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <mutex>
#include <thread>

using namespace ksscope;
using namespace std::chrono_literals;

namespace {

const QString kSourceName = QStringLiteral("ksscope-test-src");
const QString kDeviceNode = QStringLiteral("/dev/video42");

struct Ran {
    int rc = -1;
    QByteArray out;
    QByteArray err;
};

Ran run(const QString& program, const QStringList& args, const QProcessEnvironment& env = {})
{
    QProcess p;
    if (!env.isEmpty())
        p.setProcessEnvironment(env);
    p.start(program, args);
    Ran r;
    if (!p.waitForFinished(60'000)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.rc = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

/// pw-dump's objects by id.
QMap<int, QJsonObject> pwDump()
{
    const Ran r = run(QStringLiteral("pw-dump"), {});
    QMap<int, QJsonObject> objects;
    for (const QJsonValue v : QJsonDocument::fromJson(r.out).array())
        objects.insert(v.toObject().value(QStringLiteral("id")).toInt(), v.toObject());
    return objects;
}

QString typeOf(const QJsonObject& o)
{
    return o.value(QStringLiteral("type")).toString().section(QLatin1Char(':'), -1);
}

QJsonObject propsOf(const QJsonObject& o)
{
    return o.value(QStringLiteral("info")).toObject().value(QStringLiteral("props")).toObject();
}

/// A details array as name -> value.
QMap<QString, QString> details(const QJsonObject& o)
{
    QMap<QString, QString> out;
    for (const QJsonValue d : o.value(QStringLiteral("details")).toArray())
        out.insert(d.toObject().value(QStringLiteral("name")).toString(),
                   d.toObject().value(QStringLiteral("value")).toString());
    return out;
}

/// pw-dump's {"default", "min", "max"} (or a plain number) as KsScope writes it: "8 (8 to 2147483647)".
QString choiceText(const QJsonValue& v)
{
    if (v.isDouble())
        return QString::number(v.toInteger());
    const QJsonObject o = v.toObject();
    const QString value = QString::number(o.value(QStringLiteral("default")).toInteger());
    if (o.contains(QStringLiteral("min")))
        return QStringLiteral("%1 (%2 to %3)")
            .arg(value)
            .arg(o.value(QStringLiteral("min")).toInteger())
            .arg(o.value(QStringLiteral("max")).toInteger());
    return value;
}

} // namespace

class TestPipewire : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QProcess m_source;
    QProcess m_consumer;

    static void startPipeline(QProcess& p, const QStringList& args, const QProcessEnvironment& env)
    {
        p.setProcessEnvironment(env);
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(QStringLiteral("gst-launch-1.0"), args);
        QVERIFY2(p.waitForStarted(), qPrintable(p.errorString()));
    }

    /// Waits until pw-dump shows a link from the source's node to another node, active; its id, or -1.
    static int waitForLink(int& sourceNode, int& consumerNode)
    {
        for (int i = 0; i < 100; ++i) {
            const QMap<int, QJsonObject> objects = pwDump();
            for (const QJsonObject& o : objects) {
                if (typeOf(o) != QStringLiteral("Node") ||
                    propsOf(o).value(QStringLiteral("node.name")).toString() != kSourceName)
                    continue;
                sourceNode = o.value(QStringLiteral("id")).toInt();
                for (const QJsonObject& l : objects) {
                    const QJsonObject info = l.value(QStringLiteral("info")).toObject();
                    if (typeOf(l) == QStringLiteral("Link") &&
                        info.value(QStringLiteral("output-node-id")).toInt() == sourceNode &&
                        info.value(QStringLiteral("state")).toString() == QStringLiteral("active")) {
                        consumerNode = info.value(QStringLiteral("input-node-id")).toInt();
                        return l.value(QStringLiteral("id")).toInt();
                    }
                }
            }
            std::this_thread::sleep_for(200ms);
        }
        return -1;
    }

    QJsonObject listJson()
    {
        const Ran r = run(QStringLiteral(KSSCOPE_CLI_PATH), {QStringLiteral("list"), QStringLiteral("--backend"),
                                                             QStringLiteral("pipewire"), QStringLiteral("--json")});
        if (r.rc != 0)
            qWarning("ksscope-cli list: %s", r.err.constData());
        return QJsonDocument::fromJson(r.out).object();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(qEnvironmentVariableIsSet("XDG_RUNTIME_DIR"), "run through tests/pipewire/with-pipewire.sh");
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
#ifdef KSSCOPE_GST_PLUGIN_DIR
        // both pipelines traced: the gstreamer backend shows them beside the daemon's graph
        QVERIFY(QDir().mkpath(m_dir.filePath(QStringLiteral("gst"))));
        env.insert(QStringLiteral("GST_PLUGIN_PATH"), QStringLiteral(KSSCOPE_GST_PLUGIN_DIR));
        env.insert(QStringLiteral("GST_TRACERS"), QStringLiteral("ksscope"));
        env.insert(QStringLiteral("KSSCOPE_GST_DIR"), m_dir.filePath(QStringLiteral("gst")));
#endif
        startPipeline(m_source,
                      {QStringLiteral("videotestsrc"), QStringLiteral("is-live=true"), QStringLiteral("!"),
                       QStringLiteral("video/x-raw,format=YUY2,width=320,height=240,framerate=30/1"),
                       QStringLiteral("!"), QStringLiteral("pipewiresink"), QStringLiteral("mode=provide"),
                       // the node tells which device node it streams, as a V4L2 node does (api.v4l2.path)
                       QStringLiteral("stream-properties=props,media.class=Video/Source,api.v4l2.path=") + kDeviceNode +
                           QStringLiteral(",node.name=") + kSourceName},
                      env);
        // the consumer logs what the daemon allocated for its port
        QProcessEnvironment consumerEnv = env;
        consumerEnv.insert(QStringLiteral("PIPEWIRE_DEBUG"), QStringLiteral("pw.port:4"));
        consumerEnv.insert(QStringLiteral("PIPEWIRE_LOG"), m_dir.filePath(QStringLiteral("consumer.log")));
        std::this_thread::sleep_for(500ms);
        startPipeline(m_consumer,
                      {QStringLiteral("pipewiresrc"), QStringLiteral("target-object=") + kSourceName,
                       QStringLiteral("stream-properties=props,media.type=Video,media.category=Capture"),
                       QStringLiteral("!"), QStringLiteral("fakesink")},
                      consumerEnv);
    }

    void cleanupTestCase()
    {
        for (QProcess* p : {&m_consumer, &m_source}) {
            p->terminate();
            if (!p->waitForFinished(5000)) {
                p->kill();
                p->waitForFinished();
            }
        }
    }

    /// Nodes, ports and the link as pw-dump shows the same objects; each port's Buffers param field by field; the
    /// link's allocator with the count the daemon gave the consumer.
    void streamAndConsumerAsPwDumpShowsThem()
    {
        int sourceNode = -1;
        int consumerNode = -1;
        const int link = waitForLink(sourceNode, consumerNode);
        QVERIFY2(link >= 0, "no active link from the stream to the consumer (pw-dump)");
        const QMap<int, QJsonObject> dump = pwDump();
        const QJsonObject list = listJson();
        QMap<QString, QJsonObject> filters;
        for (const QJsonValue f : list.value(QStringLiteral("filters")).toArray())
            filters.insert(f.toObject().value(QStringLiteral("id")).toString(), f.toObject());
        // every node pw-dump knows is a device, with its media class
        for (const QJsonObject& o : dump) {
            if (typeOf(o) != QStringLiteral("Node"))
                continue;
            const QString id = QStringLiteral("pipewire:%1").arg(o.value(QStringLiteral("id")).toInt());
            QVERIFY2(filters.contains(id), qPrintable(id));
            QCOMPARE(details(filters[id]).value(QStringLiteral("node.name")),
                     propsOf(o).value(QStringLiteral("node.name")).toString());
            QCOMPARE(details(filters[id]).value(QStringLiteral("media.class")),
                     propsOf(o).value(QStringLiteral("media.class")).toString());
        }
        const QJsonObject source = filters.value(QStringLiteral("pipewire:%1").arg(sourceNode));
        const QJsonObject consumer = filters.value(QStringLiteral("pipewire:%1").arg(consumerNode));
        QCOMPARE(source.value(QStringLiteral("kind")).toString(), QStringLiteral("capture"));
        QCOMPARE(consumer.value(QStringLiteral("kind")).toString(), QStringLiteral("render"));
        QCOMPARE(details(source).value(QStringLiteral("state")), QStringLiteral("running"));
        // the ports: pw-dump's Buffers param of the same port id, field by field
        const QJsonObject linkInfo = dump[link].value(QStringLiteral("info")).toObject();
        QString outPin;
        QString inPin;
        bool sawDevicePin = false;
        for (const QJsonObject& filter : {source, consumer}) {
            for (const QJsonValue pv : filter.value(QStringLiteral("pins")).toArray()) {
                const QJsonObject pin = pv.toObject();
                const QMap<QString, QString> d = details(pin);
                if (pin.value(QStringLiteral("name")).toString() == QStringLiteral("device")) {
                    // not a port: the device node the source streams, a pin for the v4l2 backend's queue to link to
                    QCOMPARE(filter, source);
                    QCOMPARE(pin.value(QStringLiteral("direction")).toString(), QStringLiteral("in"));
                    QCOMPARE(pin.value(QStringLiteral("deviceNode")).toString(), kDeviceNode);
                    QCOMPARE(d.value(QStringLiteral("device node")), kDeviceNode);
                    QCOMPARE(details(source).value(QStringLiteral("api.v4l2.path")), kDeviceNode);
                    sawDevicePin = true;
                    continue;
                }
                const int portId = d.value(QStringLiteral("id")).toInt();
                QVERIFY2(dump.contains(portId), qPrintable(pin.value(QStringLiteral("id")).toString()));
                const QJsonArray buffers = dump[portId]
                                               .value(QStringLiteral("info"))
                                               .toObject()
                                               .value(QStringLiteral("params"))
                                               .toObject()
                                               .value(QStringLiteral("Buffers"))
                                               .toArray();
                QVERIFY2(!buffers.isEmpty(), "pw-dump lists no Buffers param for the port");
                const QJsonObject b = buffers.first().toObject();
                for (const QString& field : b.keys()) {
                    if (field == QStringLiteral("dataType"))
                        continue; // flags: written as KsScope reads SPA's flags choice
                    QCOMPARE(d.value(field), choiceText(b.value(field)));
                }
                if (portId == linkInfo.value(QStringLiteral("output-port-id")).toInt())
                    outPin = pin.value(QStringLiteral("id")).toString();
                if (portId == linkInfo.value(QStringLiteral("input-port-id")).toInt())
                    inPin = pin.value(QStringLiteral("id")).toString();
            }
        }
        QVERIFY(!outPin.isEmpty() && !inPin.isEmpty());
        QVERIFY2(sawDevicePin, "the source node's api.v4l2.path is no device pin");
        bool connected = false;
        for (const QJsonValue c : list.value(QStringLiteral("connections")).toArray())
            connected = connected || (c.toObject().value(QStringLiteral("from")).toString() == outPin &&
                                      c.toObject().value(QStringLiteral("to")).toString() == inPin);
        QVERIFY2(connected, qPrintable(outPin + QStringLiteral(" -> ") + inPin));
        // the allocator: the count the daemon allocated, as the consumer's libpipewire logged receiving them
        QJsonObject allocator;
        for (const QJsonValue pv : source.value(QStringLiteral("pins")).toArray())
            if (pv.toObject().value(QStringLiteral("id")).toString() == outPin)
                allocator = pv.toObject().value(QStringLiteral("allocator")).toObject();
        QVERIFY(!allocator.isEmpty());
        QFile log(m_dir.filePath(QStringLiteral("consumer.log")));
        QVERIFY(log.open(QIODevice::ReadOnly));
        static const QRegularExpression given(
            QStringLiteral(R"(pw_impl_port_use_buffers\(\)\] \S+ \S+ (\d+) buffers)"));
        int allocated = 0;
        for (const QString& line : QString::fromUtf8(log.readAll()).split(QLatin1Char('\n')))
            if (const QRegularExpressionMatch m = given.match(line); m.hasMatch() && m.captured(1).toInt() > 0)
                allocated = m.captured(1).toInt();
        QVERIFY2(allocated > 0, "the consumer's log names no buffers it was given");
        const QJsonObject properties = allocator.value(QStringLiteral("properties")).toObject();
        QCOMPARE(properties.value(QStringLiteral("buffers")).toInt(), allocated);
        QCOMPARE(allocator.value(QStringLiteral("framing")).toObject().value(QStringLiteral("frames")).toInt(),
                 allocated);
        QCOMPARE(properties.value(QStringLiteral("bufferSize")).toInt(), 320 * 240 * 2);
        QVERIFY(allocator.value(QStringLiteral("committed")).toBool());
        QCOMPARE(allocator.value(QStringLiteral("sampled")).toBool(), false);
        QVERIFY(!allocator.value(QStringLiteral("unsampledReason")).toString().isEmpty());
        QVERIFY(!allocator.value(QStringLiteral("editable")).toBool());
        // the profiler's view of the driver, as pw-top's columns
        const QMap<QString, QString> sd = details(source);
        QVERIFY2(sd.contains(QStringLiteral("quantum")) && sd.contains(QStringLiteral("busy")),
                 qPrintable(QStringList(sd.keys()).join(QLatin1Char(','))));
    }

    /// Both pipelines traced, in one topology of the two backends: the element that made each PipeWire stream is
    /// linked to that stream's node - the source's pipewiresink into the node it provides, the consumer's node into
    /// its pipewiresrc - the nodes pw-dump shows, the processes this test started.
    void gstreamerElementsLinkedToTheirStreamsNodes()
    {
#ifndef KSSCOPE_GST_PLUGIN_DIR
        QSKIP("built without KsScope's GStreamer tracer");
#else
        int sourceNode = -1;
        int consumerNode = -1;
        QVERIFY(waitForLink(sourceNode, consumerNode) >= 0);
        const qint64 sourcePid = m_source.processId();
        const qint64 consumerPid = m_consumer.processId();
        const QString sourceElement = QStringLiteral("gstreamer:%1.pipeline0.pipewiresink0").arg(sourcePid);
        const QString consumerElement = QStringLiteral("gstreamer:%1.pipeline0.pipewiresrc0").arg(consumerPid);
        const QString sourceNodeId = QStringLiteral("pipewire:%1").arg(sourceNode);
        const QString consumerNodeId = QStringLiteral("pipewire:%1").arg(consumerNode);
        QJsonObject list;
        QMap<QPair<QString, QString>, std::uint32_t> layerLinks;
        for (int i = 0; i < 50; ++i) { // each tracer's first snapshot
            const Ran r =
                run(QStringLiteral(KSSCOPE_CLI_PATH),
                    {QStringLiteral("list"), QStringLiteral("--backend"), QStringLiteral("pipewire"),
                     QStringLiteral("--backend"), QStringLiteral("gstreamer"), QStringLiteral("--gstreamer-dir"),
                     m_dir.filePath(QStringLiteral("gst")), QStringLiteral("--json")});
            QVERIFY2(r.rc == 0, r.err.constData());
            list = QJsonDocument::fromJson(r.out).object();
            layerLinks.clear();
            for (const QJsonValue v : list.value(QStringLiteral("connections")).toArray()) {
                const QJsonObject c = v.toObject();
                const auto flags = static_cast<std::uint32_t>(c.value(QStringLiteral("flags")).toInteger());
                if (flags & ConnectionPipeWireStream)
                    layerLinks.insert(
                        {c.value(QStringLiteral("from")).toString(), c.value(QStringLiteral("to")).toString()}, flags);
            }
            if (layerLinks.size() >= 2)
                break;
            std::this_thread::sleep_for(200ms);
        }
        const QByteArray shown = QJsonDocument(list).toJson();
        QCOMPARE(layerLinks.size(), 2);
        QVERIFY2(layerLinks.contains(
                     {sourceElement + QStringLiteral("/pipewire"), sourceNodeId + QStringLiteral("/gstreamer")}),
                 shown.constData());
        QVERIFY2(layerLinks.contains(
                     {consumerNodeId + QStringLiteral("/gstreamer"), consumerElement + QStringLiteral("/pipewire")}),
                 shown.constData());
        for (const std::uint32_t flags : layerLinks)
            QCOMPARE(flags, std::uint32_t{ConnectionEnabled | ConnectionImmutable | ConnectionPipeWireStream});
        // each node's stream: the process the daemon saw make it and the element's client name
        QMap<QString, QJsonObject> filters;
        for (const QJsonValue f : list.value(QStringLiteral("filters")).toArray())
            filters.insert(f.toObject().value(QStringLiteral("id")).toString(), f.toObject());
        QCOMPARE(filters[sourceNodeId].value(QStringLiteral("pipewireStream")).toString(),
                 QStringLiteral("%1/gst-launch-1.0").arg(sourcePid));
        QCOMPARE(filters[consumerNodeId].value(QStringLiteral("pipewireStream")).toString(),
                 QStringLiteral("%1/gst-launch-1.0").arg(consumerPid));
        QCOMPARE(details(filters[consumerNodeId]).value(QStringLiteral("application")),
                 QStringLiteral("gst-launch-1.0 (pid %1)").arg(consumerPid));
#endif
    }

    /// A consumer that goes is reported removed, live, and its node, link and allocator leave the topology.
    void aConsumerThatEndsIsRemoved()
    {
        auto backend = BackendRegistry::create("pipewire", {});
        QVERIFY(backend);
        std::mutex mutex;
        std::vector<BackendEvent> events;
        backend->setEventSink([&](const BackendEvent& e) {
            std::lock_guard lock(mutex);
            events.push_back(e);
        });
        QVERIFY2(backend->open().isOk(), "cannot open the pipewire backend");
        int sourceNode = -1;
        int consumerNode = -1;
        QVERIFY(waitForLink(sourceNode, consumerNode) >= 0);
        const std::string consumerId = "pipewire:" + std::to_string(consumerNode);
        QVERIFY(backend->topology().findFilter(consumerId));
        m_consumer.terminate();
        QVERIFY(m_consumer.waitForFinished(10'000));
        bool removed = false;
        for (int i = 0; i < 100 && !removed; ++i) {
            std::this_thread::sleep_for(100ms);
            std::lock_guard lock(mutex);
            for (const BackendEvent& e : events)
                removed = removed || (e.kind == BackendEvent::Kind::FilterRemoved && e.id == consumerId);
        }
        QVERIFY2(removed, "no removal event for the consumer's node");
        const Topology after = backend->topology();
        QVERIFY(!after.findFilter(consumerId));
        QVERIFY(after.findFilter("pipewire:" + std::to_string(sourceNode)));
        for (const ConnectionInfo& c : after.connections)
            QVERIFY2(c.to.rfind(consumerId + "/", 0) != 0, c.to.c_str());
        backend->close();
    }

    /// No daemon where one is looked for: the CLI names the socket it looked for and fails.
    void noDaemonIsNamed()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_dir.path());
        env.remove(QStringLiteral("PIPEWIRE_RUNTIME_DIR"));
        const Ran r = run(QStringLiteral(KSSCOPE_CLI_PATH),
                          {QStringLiteral("list"), QStringLiteral("--backend"), QStringLiteral("pipewire")}, env);
        QVERIFY(r.rc != 0);
        QVERIFY2(
            r.err.contains("no PipeWire daemon: no socket at " + m_dir.filePath(QStringLiteral("pipewire-0")).toUtf8()),
            r.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestPipewire)
#include "tst_pipewire.moc"
