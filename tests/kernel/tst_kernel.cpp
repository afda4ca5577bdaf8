// SPDX-License-Identifier: GPL-3.0-or-later
// The v4l2 backend against the kernel's own vivid and vimc drivers: boots Debian's kernel under QEMU
// once (run-in-vm.sh), runs guest-cases.sh inside, and checks each case's output here.

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <vector>

namespace {

struct Case {
    QString output;
    int rc = -1;
};

const QString kVimc = QStringLiteral("v4l2:vimc.platform_vimc/");
const QString kCapAllocator = QStringLiteral("v4l2:vivid.platform_vivid-000/vivid-000-vid-cap/allocator");

QJsonObject firstJsonObject(const QString& text)
{
    // the JSON document starts at the first line that is "{"
    const qsizetype start =
        text.indexOf(QRegularExpression(QStringLiteral("^\\{"), QRegularExpression::MultilineOption));
    if (start < 0)
        return {};
    return QJsonDocument::fromJson(text.mid(start).toUtf8()).object();
}

/// The first JSON document of \a text that starts with a line "{" and ends with a line "}" (text may follow it).
QJsonObject firstJsonDocument(const QString& text)
{
    static const QRegularExpression open(QStringLiteral("^\\{$"), QRegularExpression::MultilineOption);
    static const QRegularExpression close(QStringLiteral("^\\}$"), QRegularExpression::MultilineOption);
    const qsizetype start = text.indexOf(open);
    const qsizetype end = start < 0 ? -1 : text.indexOf(close, start);
    if (end < 0)
        return {};
    return QJsonDocument::fromJson(text.mid(start, end - start + 1).toUtf8()).object();
}

/// The doctor's findings in \a doc as "severity link attribute source sink" lines.
QStringList findingsOf(const QJsonObject& doc)
{
    QStringList out;
    for (const auto v : doc.value(QStringLiteral("findings")).toArray()) {
        const QJsonObject f = v.toObject();
        out << QStringList{f.value(QStringLiteral("severity")).toString(), f.value(QStringLiteral("link")).toString(),
                           f.value(QStringLiteral("attribute")).toString(),
                           f.value(QStringLiteral("source")).toString(), f.value(QStringLiteral("sink")).toString()}
                   .join(QLatin1Char(' '));
    }
    return out;
}

/// The media-ctl format of an entity's pad in `media-ctl -p` output: "RGB888_1X24/640x480".
QString mediaCtlFormat(const QString& mediaCtl, const QString& entity, int pad)
{
    bool inEntity = false;
    bool inPad = false;
    static const QRegularExpression fmt(QStringLiteral("\\[fmt:(\\S+)"));
    for (const QString& line : mediaCtl.split(QLatin1Char('\n'))) {
        if (line.startsWith(QStringLiteral("- entity ")))
            inEntity = line.contains(QStringLiteral(": ") + entity + QStringLiteral(" ("));
        else if (inEntity && line.contains(QRegularExpression(QStringLiteral("^\\s+pad\\d+:"))))
            inPad = line.trimmed().startsWith(QStringLiteral("pad%1:").arg(pad));
        else if (inEntity && inPad)
            if (const auto m = fmt.match(line); m.hasMatch())
                return m.captured(1);
    }
    return {};
}

QJsonObject lastJsonLine(const QString& text, const QString& type)
{
    QJsonObject found;
    for (const QString& line : text.split(QLatin1Char('\n'))) {
        const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
        if (o.value(QStringLiteral("type")).toString() == type)
            found = o;
    }
    return found;
}

QJsonObject allocatorOf(const QJsonObject& summaryOrStatus, const QString& id)
{
    for (const auto v : summaryOrStatus.value(QStringLiteral("allocators")).toArray())
        if (v.toObject().value(QStringLiteral("id")).toString() == id)
            return v.toObject();
    return {};
}

} // namespace

class TestKernel : public QObject {
    Q_OBJECT
private:
    QMap<QString, Case> m_cases;
    QString m_log;

    const Case& get(const char* name)
    {
        static const Case kMissing;
        auto it = m_cases.constFind(QLatin1String(name));
        return it == m_cases.constEnd() ? kMissing : *it;
    }

    static QString guestCommand()
    {
#ifdef KSSCOPE_SANITIZED
        // too slow under emulation to follow another process's stream frame by frame: KsScope polls (no tracefs)
        return QStringLiteral("KSSCOPE_GUEST_POLL=1 sh /usr/local/bin/guest-cases.sh");
#else
        return QStringLiteral("sh /usr/local/bin/guest-cases.sh");
#endif
    }

private slots:
    void initTestCase()
    {
        QTemporaryDir bin;
        QVERIFY(bin.isValid());
        QVERIFY(QFile::copy(QStringLiteral(KSSCOPE_CLI_PATH), bin.filePath(QStringLiteral("ksscope-cli"))));
        QVERIFY(QFile::copy(QStringLiteral(KSSCOPE_KERNEL_DIR "/guest-cases.sh"),
                            bin.filePath(QStringLiteral("guest-cases.sh"))));
        QVERIFY(QFile::copy(QStringLiteral(KSSCOPE_CONTRACT_CHECK_PATH),
                            bin.filePath(QStringLiteral("ks-contract-check"))));
#ifdef KSSCOPE_GST_PLUGIN_DIR
        QProcess files;
        files.setProcessChannelMode(QProcess::MergedChannels);
        files.start(QStringLiteral("bash"), {QStringLiteral(KSSCOPE_KERNEL_DIR "/gst-guest-files.sh"), bin.path(),
                                             QStringLiteral(KSSCOPE_GST_PLUGIN_DIR)});
        QVERIFY(files.waitForFinished(60000));
        QVERIFY2(files.exitCode() == 0, files.readAll().constData());
#endif
        QProcess vm;
        vm.setProcessChannelMode(QProcess::MergedChannels);
        // the guest's root is its initramfs, in memory: sanitizer builds of the programs are large
#ifdef KSSCOPE_SANITIZED
        const QString memory = QStringLiteral("1536");
#else
        const QString memory = QStringLiteral("512");
#endif
        vm.start(QStringLiteral("bash"),
                 {QStringLiteral(KSSCOPE_KERNEL_DIR "/run-in-vm.sh"), QStringLiteral("--timeout"),
                  QStringLiteral("420"), QStringLiteral("--memory"), memory, QStringLiteral("--bin"), bin.path(),
                  guestCommand()});
        QVERIFY(vm.waitForStarted());
        QVERIFY2(vm.waitForFinished(560000), "the VM did not finish");
        m_log = QString::fromUtf8(vm.readAll());
        QVERIFY2(vm.exitStatus() == QProcess::NormalExit && vm.exitCode() == 0, qPrintable(m_log.right(4000)));
        QString name;
        QString body;
        for (const QString& line : m_log.split(QLatin1Char('\n'))) {
            if (line.startsWith(QStringLiteral("=== "))) {
                name = line.mid(4).trimmed();
                body.clear();
            } else if (line.startsWith(QStringLiteral("--- rc=")) && !name.isEmpty()) {
                m_cases.insert(name, {body, line.mid(7).trimmed().toInt()});
                name.clear();
            } else if (!name.isEmpty()) {
                body += line + QLatin1Char('\n');
            }
        }
        QVERIFY2(m_cases.size() >= 19, qPrintable(m_log.right(4000)));
    }

    void vividAndVimcFoundByDriver()
    {
        const Case& c = get("list-json");
        QCOMPARE(c.rc, 0);
        const QJsonObject doc = firstJsonObject(c.output);
        QSet<QString> ids;
        for (const auto f : doc.value(QStringLiteral("filters")).toArray())
            ids.insert(f.toObject().value(QStringLiteral("id")).toString());
        QVERIFY(ids.contains(QStringLiteral("v4l2:vivid.platform_vivid-000/vivid-000-vid-cap")));
        QVERIFY(ids.contains(kVimc + QStringLiteral("Sensor_A")));
        QVERIFY(ids.contains(kVimc + QStringLiteral("RGB_YUV_Capture")));
        // nobody owns vivid's queue yet: watched read-only, and the JSON says why
        for (const auto f : doc.value(QStringLiteral("filters")).toArray())
            for (const auto p : f.toObject().value(QStringLiteral("pins")).toArray())
                if (p.toObject().value(QStringLiteral("allocator")).toObject().value(QStringLiteral("id")).toString() ==
                    kCapAllocator)
                    QVERIFY(p.toObject()
                                .value(QStringLiteral("allocator"))
                                .toObject()
                                .value(QStringLiteral("readOnlyReason"))
                                .toString()
                                .contains(QStringLiteral("read-only")));
    }

    /// A traced gst-launch-1.0 v4l2src on vivid's capture node: its element and pool in the same topology as vivid's
    /// queue, linked below it by the node; the pool's pushes counted at the stream's rate beside the queue's; and
    /// gone, socket and all, when the pipeline ends.
    void gstreamerV4l2srcAboveVividsQueue()
    {
#ifndef KSSCOPE_GST_PLUGIN_DIR
        QSKIP("built without the GStreamer tracer");
#else
        const Case& list = get("gst-list");
        QCOMPARE(list.rc, 0);
        static const QRegularExpression pidRe(QStringLiteral("gst-launch-1.0 pid: (\\d+)"));
        const QString pid = pidRe.match(list.output).captured(1);
        QVERIFY2(!pid.isEmpty(), qPrintable(list.output));
        const QString element = QStringLiteral("gstreamer:%1.pipeline0.v4l2src0").arg(pid);
        const QJsonObject doc = firstJsonObject(list.output);
        QJsonObject src;
        QJsonObject queueAllocator;
        for (const auto f : doc.value(QStringLiteral("filters")).toArray()) {
            if (f.toObject().value(QStringLiteral("id")).toString() == element)
                src = f.toObject();
            for (const auto p : f.toObject().value(QStringLiteral("pins")).toArray())
                if (p.toObject().value(QStringLiteral("id")).toString() ==
                    QStringLiteral("v4l2:vivid.platform_vivid-000/vivid-000-vid-cap/queue"))
                    queueAllocator = p.toObject().value(QStringLiteral("allocator")).toObject();
        }
        QVERIFY2(!src.isEmpty(), qPrintable(list.output.left(3000)));
        QJsonObject pool;
        QString deviceNode;
        for (const auto p : src.value(QStringLiteral("pins")).toArray()) {
            const QJsonObject pin = p.toObject();
            if (pin.value(QStringLiteral("name")).toString() == QStringLiteral("src"))
                pool = pin.value(QStringLiteral("allocator")).toObject();
            if (pin.value(QStringLiteral("name")).toString() == QStringLiteral("device"))
                deviceNode = pin.value(QStringLiteral("deviceNode")).toString();
        }
        QCOMPARE(deviceNode, QStringLiteral("/dev/video0"));
        QCOMPARE(pool.value(QStringLiteral("id")).toString(), element + QStringLiteral("/src/allocator"));
        QVERIFY(pool.value(QStringLiteral("committed")).toBool());
        // v4l2src streams the queue's own buffers: the kernel queue has them, the pool hands them downstream
        QVERIFY2(queueAllocator.value(QStringLiteral("framing")).toObject().value(QStringLiteral("frames")).toInt() >=
                     2,
                 QJsonDocument(queueAllocator).toJson().constData());
        bool linked = false;
        for (const auto c : doc.value(QStringLiteral("connections")).toArray()) {
            const QJsonObject o = c.toObject();
            if (o.value(QStringLiteral("to")).toString() == element + QStringLiteral("/device")) {
                QCOMPARE(o.value(QStringLiteral("from")).toString(),
                         QStringLiteral("v4l2:vivid.platform_vivid-000/vivid-000-vid-cap/queue"));
                QVERIFY(o.value(QStringLiteral("flags")).toInt() & 0x100);
                linked = true;
            }
        }
        QVERIFY2(linked, "no device-node link from vivid's queue to the v4l2src");

        const Case& watch = get("gst-watch");
        QCOMPARE(watch.rc, 0);
        const QJsonObject summary = QJsonDocument::fromJson(watch.output.trimmed().toUtf8()).object();
        const QJsonObject poolStats = allocatorOf(summary, element + QStringLiteral("/src/allocator"));
        const QJsonObject queueStats = allocatorOf(summary, kCapAllocator);
        QVERIFY2(!poolStats.isEmpty() && !queueStats.isEmpty(), qPrintable(watch.output));
        // one stream at 30 fps seen at both layers: every frame the queue gives up, the pool pushes
        const double poolFps = poolStats.value(QStringLiteral("framesPerSecond")).toDouble();
        QVERIFY2(poolFps > 24.0 && poolFps < 36.0, qPrintable(watch.output));
        QVERIFY2(poolStats.value(QStringLiteral("maxAllocated")).toInt() >= 1, qPrintable(watch.output));
        QVERIFY2(poolStats.value(QStringLiteral("samples")).toInt() > 50, qPrintable(watch.output));

        const Case& gone = get("gst-gone");
        QCOMPARE(gone.rc, 0);
        QVERIFY2(gone.output.contains(QStringLiteral("sockets left: 0")), qPrintable(gone.output));
        for (const auto f : firstJsonObject(gone.output).value(QStringLiteral("filters")).toArray())
            QVERIFY2(!f.toObject().value(QStringLiteral("id")).toString().startsWith(QStringLiteral("gstreamer:")),
                     qPrintable(gone.output.left(2000)));
#endif
    }

    void vimcTopologyEqualsMediaCtl()
    {
        const QJsonObject doc = firstJsonObject(get("list-json").output);
        QMap<QString, QString> nameOf; // filter id -> entity name
        QSet<QString> ours;
        for (const auto f : doc.value(QStringLiteral("filters")).toArray()) {
            const QString id = f.toObject().value(QStringLiteral("id")).toString();
            if (id.startsWith(kVimc))
                nameOf.insert(id, f.toObject().value(QStringLiteral("name")).toString());
        }
        auto pinName = [&](const QString& pin) {
            const qsizetype slash = pin.lastIndexOf(QLatin1Char('/'));
            return nameOf.value(pin.left(slash)) + QLatin1Char(':') + pin.mid(slash + 4); // "/padN"
        };
        for (const auto cv : doc.value(QStringLiteral("connections")).toArray()) {
            const QJsonObject c = cv.toObject();
            if (!c.value(QStringLiteral("from")).toString().startsWith(kVimc))
                continue;
            const int flags = c.value(QStringLiteral("flags")).toInt();
            ours.insert(pinName(c.value(QStringLiteral("from")).toString()) + QStringLiteral("->") +
                        pinName(c.value(QStringLiteral("to")).toString()) +
                        QStringLiteral(" e=%1 i=%2").arg(flags & 1).arg((flags >> 1) & 1));
        }
        // media-ctl -p: "- entity N: NAME (P pads, L links)", "\tpadK: Source", "\t\t-> \"SINK\":J [FLAGS]"
        const Case& mc = get("media-ctl-vimc");
        QCOMPARE(mc.rc, 0);
        QSet<QString> theirs;
        QSet<QString> entities;
        QString entity;
        QString pad;
        static const QRegularExpression entityRe(QStringLiteral("^- entity \\d+: (.+) \\(\\d+ pads?, \\d+ links?"));
        static const QRegularExpression padRe(QStringLiteral("^\\s+pad(\\d+): Source"));
        static const QRegularExpression sinkPadRe(QStringLiteral("^\\s+pad(\\d+): Sink"));
        static const QRegularExpression linkRe(QStringLiteral("^\\s+-> \"(.+)\":(\\d+) \\[([A-Z,]*)\\]"));
        for (const QString& line : mc.output.split(QLatin1Char('\n'))) {
            if (auto m = entityRe.match(line); m.hasMatch()) {
                entity = m.captured(1);
                entities.insert(entity);
                pad.clear();
            } else if (auto p = padRe.match(line); p.hasMatch()) {
                pad = p.captured(1);
            } else if (sinkPadRe.match(line).hasMatch()) {
                pad.clear();
            } else if (auto l = linkRe.match(line); l.hasMatch() && !pad.isEmpty()) {
                const QStringList flags = l.captured(3).split(QLatin1Char(','));
                theirs.insert(entity + QLatin1Char(':') + pad + QStringLiteral("->") + l.captured(1) +
                              QLatin1Char(':') + l.captured(2) +
                              QStringLiteral(" e=%1 i=%2")
                                  .arg(flags.contains(QStringLiteral("ENABLED")) ? 1 : 0)
                                  .arg(flags.contains(QStringLiteral("IMMUTABLE")) ? 1 : 0));
            }
        }
        QCOMPARE(entities.size(), 11);
        QCOMPARE(QSet<QString>(nameOf.begin(), nameOf.end()), entities);
        QVERIFY(!theirs.isEmpty());
        QCOMPARE(ours, theirs);
    }

    void ownerModeMmap()
    {
        const Case& c = get("owner-mmap");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        const QJsonObject a = allocatorOf(firstJsonObject(c.output), kCapAllocator);
        QCOMPARE(a.value(QStringLiteral("mode")).toString(), QStringLiteral("kernel"));
        QCOMPARE(a.value(QStringLiteral("framing")).toObject().value(QStringLiteral("frames")).toInt(), 4);
        QCOMPARE(a.value(QStringLiteral("framing")).toObject().value(QStringLiteral("frameSize")).toInt(), 460800);
        QVERIFY(a.value(QStringLiteral("committed")).toBool());
        QVERIFY(a.value(QStringLiteral("editable")).toBool()); // KsScope owns it
    }
    void ownerModeUserPtr()
    {
        const Case& c = get("owner-userptr");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        const QJsonObject a = allocatorOf(firstJsonObject(c.output), kCapAllocator);
        QCOMPARE(a.value(QStringLiteral("mode")).toString(), QStringLiteral("user"));
        QCOMPARE(a.value(QStringLiteral("framing")).toObject().value(QStringLiteral("frames")).toInt(), 3);
    }
    void ownerModeDmabufImportedFromVividOutput()
    {
        const Case& c = get("owner-dmabuf");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        const QJsonObject a = allocatorOf(firstJsonObject(c.output), kCapAllocator);
        QCOMPARE(a.value(QStringLiteral("mode")).toString(), QStringLiteral("user"));
        QCOMPARE(a.value(QStringLiteral("framing")).toObject().value(QStringLiteral("frames")).toInt(), 3);
    }
    void grantedCountIsReported()
    {
        const Case& c = get("owner-granted");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        static const QRegularExpression re(QStringLiteral("(\\d+) mmap buffers granted \\(64 asked\\)"));
        const auto m = re.match(c.output);
        QVERIFY2(m.hasMatch(), qPrintable(c.output));
        const int granted = m.captured(1).toInt();
        QVERIFY(granted > 0 && granted <= 64);
        QVERIFY2(c.output.contains(QStringLiteral("kernel mode, %1 x 460800 bytes").arg(granted)),
                 qPrintable(c.output));
    }
    void ksAllocatorContractOverAV4l2Queue()
    {
        const Case& c = get("ks-contract");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        QVERIFY(c.output.contains(QStringLiteral("0 failure(s)")));
        QVERIFY(c.output.count(QStringLiteral("ok: ")) >= 20);
    }
    void passiveWatchSeesAnotherProcessStream()
    {
        const Case& c = get("passive");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        const QJsonObject a = allocatorOf(lastJsonLine(c.output, QStringLiteral("summary")), kCapAllocator);
        QCOMPARE(a.value(QStringLiteral("frames")).toInt(), 6); // v4l2-ctl's --stream-mmap=6
        QVERIFY(a.value(QStringLiteral("maxAllocated")).toInt() > a.value(QStringLiteral("minAllocated")).toInt());
        QVERIFY2(a.value(QStringLiteral("starvationCount")).toInt() >= 1,
                 "the stalled consumer lets DONE buffers pile up");
        QVERIFY2(c.output.contains(QRegularExpression(QStringLiteral("v4l2-ctl: [1-9]\\d* fps lines"))),
                 "v4l2-ctl kept streaming while watched");
    }
    /// Every frame of v4l2-ctl's stream, passively from the kernel's tracepoints: the same buffers, sequence numbers
    /// and timestamps as v4l2-ctl prints, frame for frame; the dropped sequence numbers are v4l2-ctl's gaps; trace-cmd
    /// recording the same tracepoints counts the same dequeues; v4l2-ctl's stalls are the frames that waited a
    /// second to be dequeued, and the holder is v4l2-ctl with its pid.
    void tracedFramesEqualV4l2Ctl()
    {
#ifdef KSSCOPE_SANITIZED
        QSKIP("a sanitizer build in an emulated guest is too slow to follow a stream frame by frame; the dev build "
              "checks it");
#endif
        const Case& c = get("traced-frames");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        struct Frame {
            int buffer = -1;
            qint64 sequence = -1;
            qint64 timestampUs = -1;
            double deltaMs = 0;
        };
        std::vector<Frame> ctl;
        static const QRegularExpression ctlLine(QStringLiteral(
            "dqbuf: (\\d+) seq: +(\\d+) bytesused: \\d+ ts: (\\d+)\\.(\\d{6})(?: delta: ([0-9.]+) ms)?"));
        std::vector<QJsonObject> frames;
        QSet<qint64> dropped;
        QJsonObject summary;
        qint64 pid = -1;
        qint64 traceCmdDequeues = -1;
        for (const QString& line : c.output.split(QLatin1Char('\n'))) {
            if (const auto m = ctlLine.match(line); m.hasMatch()) {
                ctl.push_back({m.captured(1).toInt(), m.captured(2).toLongLong(),
                               m.captured(3).toLongLong() * 1000000 + m.captured(4).toLongLong(),
                               m.captured(5).toDouble()});
            } else if (line.startsWith(QStringLiteral("v4l2-ctl pid: "))) {
                pid = line.mid(14).toLongLong();
            } else if (line.startsWith(QStringLiteral("trace-cmd v4l2_dqbuf minor 0: "))) {
                traceCmdDequeues = line.mid(30).toLongLong();
            } else if (line.startsWith(QLatin1Char('{'))) {
                const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
                if (o.contains(QStringLiteral("frame")) &&
                    o.value(QStringLiteral("frame")).toObject().value(QStringLiteral("allocator")).toString() ==
                        kCapAllocator)
                    frames.push_back(o.value(QStringLiteral("frame")).toObject());
                if (o.contains(QStringLiteral("dropped"))) {
                    const QJsonObject d = o.value(QStringLiteral("dropped")).toObject();
                    for (qint64 s = d.value(QStringLiteral("first")).toInteger();
                         s <= d.value(QStringLiteral("last")).toInteger(); ++s)
                        dropped.insert(s);
                }
                if (o.contains(QStringLiteral("summary")))
                    summary = o;
            }
        }
        QVERIFY2(ctl.size() >= 50, qPrintable(c.output));
        // frame for frame, in the order v4l2-ctl dequeued them
        std::sort(frames.begin(), frames.end(), [](const QJsonObject& a, const QJsonObject& b) {
            return a.value(QStringLiteral("dequeued_ns")).toInteger() <
                   b.value(QStringLiteral("dequeued_ns")).toInteger();
        });
        QCOMPARE(frames.size(), ctl.size());
        QSet<qint64> gaps;
        int stalls = 0;
        for (std::size_t i = 0; i < ctl.size(); ++i) {
            const QJsonObject& f = frames[i];
            QCOMPARE(f.value(QStringLiteral("buffer")).toInt(), ctl[i].buffer);
            QCOMPARE(f.value(QStringLiteral("sequence")).toInteger(), ctl[i].sequence);
            QCOMPARE(f.value(QStringLiteral("timestamp_ns")).toInteger() / 1000, ctl[i].timestampUs);
            QCOMPARE(f.value(QStringLiteral("holder")).toString(), QStringLiteral("v4l2-ctl"));
            QCOMPARE(f.value(QStringLiteral("holder_pid")).toInteger(), pid);
            if (i > 0)
                for (qint64 s = ctl[i - 1].sequence + 1; s < ctl[i].sequence; ++s)
                    gaps.insert(s);
            // a stall of v4l2-ctl (it sleeps a second between dequeues; the driver drops what it cannot fill): the
            // last frame filled before it waited most of that second to be dequeued
            if (ctl[i].deltaMs > 800) {
                ++stalls;
                QVERIFY2(frames[i - 1].value(QStringLiteral("delivery_latency_ns")).toInteger() > 600'000'000,
                         QJsonDocument(frames[i - 1]).toJson().constData());
            }
        }
        QVERIFY2(stalls >= 4, "v4l2-ctl stalls every 10 frames");
        QVERIFY(!gaps.isEmpty());
        QCOMPARE(dropped, gaps);
        QCOMPARE(traceCmdDequeues, static_cast<qint64>(ctl.size()));
        bool summarized = false;
        for (const auto v : summary.value(QStringLiteral("summary")).toArray()) {
            const QJsonObject a = v.toObject();
            if (a.value(QStringLiteral("allocator")).toString() != kCapAllocator)
                continue;
            summarized = true;
            QVERIFY(a.value(QStringLiteral("frames_followed")).toBool());
            QCOMPARE(a.value(QStringLiteral("frames")).toInteger(), static_cast<qint64>(ctl.size()));
            QCOMPARE(a.value(QStringLiteral("dropped")).toInteger(), static_cast<qint64>(gaps.size()));
            // v4l2-ctl had the node open while it streamed
            const QJsonObject holders = a.value(QStringLiteral("holders")).toObject();
            QCOMPARE(holders.value(QStringLiteral("node")).toString(), QStringLiteral("/dev/video0"));
            bool ctlHadItOpen = false;
            for (const auto o : holders.value(QStringLiteral("open_by")).toArray())
                ctlHadItOpen = ctlHadItOpen ||
                               (o.toObject().value(QStringLiteral("pid")).toInteger() == pid &&
                                o.toObject().value(QStringLiteral("name")).toString() == QStringLiteral("v4l2-ctl"));
            QVERIFY2(ctlHadItOpen, QJsonDocument(holders).toJson().constData());
        }
        QVERIFY2(summarized, qPrintable(c.output));
        QVERIFY2(!c.output.contains(QStringLiteral("trace events lost")), qPrintable(c.output));
    }
    /// The frames of KsScope's own stream that keeps each frame 40 ms (hold-ms), from \a c's JSON lines: the hold times
    /// are 40 ms and a little (its sleep ends, then VIDIOC_QBUF), the holder is ksscope-cli with its pid, and each
    /// frame's moves come in order.
    static std::vector<QJsonObject> checkOwnHolds(const Case& c)
    {
        qint64 pid = -1;
        std::vector<qint64> holds;
        std::vector<QJsonObject> frames;
        for (const QString& line : c.output.split(QLatin1Char('\n'))) {
            if (line.startsWith(QStringLiteral("ksscope pid: ")))
                pid = line.mid(13).toLongLong();
            const QJsonObject f =
                QJsonDocument::fromJson(line.toUtf8()).object().value(QStringLiteral("frame")).toObject();
            if (f.value(QStringLiteral("allocator")).toString() != kCapAllocator ||
                f.value(QStringLiteral("hold_ns")).isNull())
                continue;
            [&] {
                QCOMPARE(f.value(QStringLiteral("holder")).toString(), QStringLiteral("ksscope-cli"));
                QCOMPARE(f.value(QStringLiteral("holder_pid")).toInteger(), pid);
            }();
            const auto at = [&f](const char* key) { return f.value(QLatin1String(key)).toInteger(-1); };
            // KsScope starts its stream, then follows it: the frames filled before the following began have no
            // "done" (null, never guessed); they can only come first, within the first half second
            if (frames.empty() && f.value(QStringLiteral("done_ns")).isNull() && at("dequeued_ns") < 500'000'000)
                continue;
            if (at("driver_owned_ns") >= 0)
                [&] { QVERIFY2(at("driver_owned_ns") <= at("done_ns"), qPrintable(line)); }();
            [&] {
                QVERIFY2(at("done_ns") >= 0 && at("done_ns") <= at("dequeued_ns"), qPrintable(line));
                QVERIFY2(at("dequeued_ns") < at("returned_ns"), qPrintable(line));
            }();
            holds.push_back(f.value(QStringLiteral("hold_ns")).toInteger());
            frames.push_back(f);
        }
        [&] {
            QVERIFY2(holds.size() >= 20, qPrintable(c.output));
            std::sort(holds.begin(), holds.end());
            QVERIFY2(holds.front() >= 40'000'000, qPrintable(QString::number(holds.front())));
            QVERIFY2(holds[holds.size() / 2] < 60'000'000, qPrintable(QString::number(holds[holds.size() / 2])));
        }();
        return frames;
    }
    /// KsScope streams the node itself: the traced frames are its own.
    void tracedHoldTimesMatchTheHolder()
    {
#ifdef KSSCOPE_SANITIZED
        QSKIP("a sanitizer build in an emulated guest is too slow to follow a stream frame by frame; the dev build "
              "checks it");
#endif
        const Case& c = get("traced-owner-hold");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        checkOwnHolds(c);
    }
    /// Without the tracepoints (--v4l2-events own) KsScope follows its own stream from its own calls: the same holds
    /// and holder, the frame interval vivid's 30 fps (from the frames' own timestamps), the driver's latency seen, and
    /// the dropped sequence numbers exactly the gaps between the frames' numbers (vivid starves: each frame is held
    /// longer than a frame lasts).
    void ownStreamFollowedWithoutTracing()
    {
        const Case& c = get("owner-hold-own");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        const std::vector<QJsonObject> frames = checkOwnHolds(c);
        if (QTest::currentTestFailed())
            return;
        std::vector<qint64> intervals;
        std::vector<qint64> driver;
        qint64 gaps = 0;
        for (std::size_t i = 0; i < frames.size(); ++i) {
            const QJsonObject& f = frames[i];
            if (i > 0) {
                const qint64 before = frames[i - 1].value(QStringLiteral("sequence")).toInteger();
                const qint64 now = f.value(QStringLiteral("sequence")).toInteger();
                QVERIFY2(now > before, qPrintable(QString::number(now)));
                QCOMPARE(f.value(QStringLiteral("dropped_before")).toInteger(), now - before - 1);
                gaps += now - before - 1;
            }
            if (!f.value(QStringLiteral("interval_ns")).isNull() &&
                f.value(QStringLiteral("dropped_before")).toInt() == 0)
                intervals.push_back(f.value(QStringLiteral("interval_ns")).toInteger());
            if (!f.value(QStringLiteral("driver_latency_ns")).isNull())
                driver.push_back(f.value(QStringLiteral("driver_latency_ns")).toInteger());
        }
        QVERIFY2(intervals.size() >= 10 && driver.size() >= 10, qPrintable(c.output));
        std::sort(intervals.begin(), intervals.end());
        const qint64 p50 = intervals[intervals.size() / 2];
        QVERIFY2(p50 > 30'000'000 && p50 < 37'000'000, qPrintable(QString::number(p50)));
        QVERIFY2(*std::min_element(driver.begin(), driver.end()) > 0, qPrintable(c.output));
        QJsonObject a;
        for (const QString& line : c.output.split(QLatin1Char('\n')))
            for (const auto v :
                 QJsonDocument::fromJson(line.toUtf8()).object().value(QStringLiteral("summary")).toArray())
                if (v.toObject().value(QStringLiteral("allocator")).toString() == kCapAllocator)
                    a = v.toObject();
        QVERIFY2(a.value(QStringLiteral("frames_followed")).toBool(), qPrintable(c.output));
        QVERIFY2(gaps > 0, qPrintable(c.output)); // held longer than a frame lasts: vivid drops some
        QVERIFY2(a.value(QStringLiteral("dropped")).toInteger() >= gaps, qPrintable(c.output));
    }
    /// The same stream recorded, then replayed by another process: the frames come back with their holds, and the
    /// holder named as recorded - ksscope-cli with the recording process's pid (a replay has no holder thread).
    void ownRecordingReplaysItsHolders()
    {
        const Case& c = get("own-recording-replayed");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        const std::vector<QJsonObject> frames = checkOwnHolds(c);
        for (const QJsonObject& f : frames)
            QVERIFY(f.value(QStringLiteral("holder_thread")).isNull());
    }
    /// A process that captures into dma-bufs it exported: named as the node's opener and as the holder of exactly
    /// the dma-bufs the kernel lists (inode and size), with their exporter.
    void dmabufHoldersAreTheKernelsList()
    {
        const Case& c = get("dmabuf-holders");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        qint64 pid = -1;
        QMap<qint64, qint64> kernel; // inode -> size, from bufinfo
        QJsonObject summary;
        static const QRegularExpression bufLine(
            QStringLiteral("^bufinfo: (\\d+)\\t[0-9a-f]+\\t[0-9a-f]+\\t\\d+\\t(videobuf2\\w*)\\t(\\d+)"));
        for (const QString& line : c.output.split(QLatin1Char('\n'))) {
            if (line.startsWith(QStringLiteral("v4l2-ctl pid: ")))
                pid = line.mid(14).toLongLong();
            else if (const auto m = bufLine.match(line); m.hasMatch())
                kernel.insert(m.captured(3).toLongLong(), m.captured(1).toLongLong());
            else if (line.startsWith(QLatin1Char('{')))
                summary = QJsonDocument::fromJson(line.toUtf8()).object();
        }
        QVERIFY2(kernel.size() >= 2, qPrintable(c.output));
        QJsonObject holders;
        for (const auto v : summary.value(QStringLiteral("summary")).toArray())
            if (v.toObject().value(QStringLiteral("allocator")).toString() == kCapAllocator)
                holders = v.toObject().value(QStringLiteral("holders")).toObject();
        QVERIFY2(!holders.isEmpty(), qPrintable(c.output));
        bool opener = false;
        for (const auto o : holders.value(QStringLiteral("open_by")).toArray())
            opener = opener || o.toObject().value(QStringLiteral("pid")).toInteger() == pid;
        QVERIFY2(opener, QJsonDocument(holders).toJson().constData());
        QMap<qint64, qint64> found;
        for (const auto v : holders.value(QStringLiteral("dmabufs")).toArray()) {
            const QJsonObject d = v.toObject();
            QCOMPARE(d.value(QStringLiteral("pid")).toInteger(), pid);
            QCOMPARE(d.value(QStringLiteral("name")).toString(), QStringLiteral("v4l2-ctl"));
            QVERIFY(d.value(QStringLiteral("exporter")).toString().startsWith(QStringLiteral("videobuf2")));
            QVERIFY(d.value(QStringLiteral("attached")).isArray()); // bufinfo was readable
            found.insert(d.value(QStringLiteral("inode")).toInteger(), d.value(QStringLiteral("size")).toInteger());
        }
        QCOMPARE(found, kernel);
    }
    void passiveEditsAreRefused()
    {
        const Case& c = get("passive-edit-refused");
        QCOMPARE(c.rc, 3);
        QVERIFY(c.output.contains(QStringLiteral("owned by another process")));
    }
    void frameRateMatchesV4l2Ctl()
    {
#ifdef KSSCOPE_SANITIZED
        QSKIP("a sanitizer build in an emulated guest is too slow to compare frame rates; the dev build checks it");
#endif
        const Case& c = get("fps");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        static const QRegularExpression fpsRe(QStringLiteral("v4l2-ctl measured: ([0-9.]+) fps"));
        const double reference = fpsRe.match(c.output).captured(1).toDouble();
        QVERIFY2(reference > 0, qPrintable(c.output));
        const QJsonObject allocator = allocatorOf(lastJsonLine(c.output, QStringLiteral("summary")), kCapAllocator);
        const double measured = allocator.value(QStringLiteral("framesPerSecond")).toDouble();
        const double delivered = allocator.value(QStringLiteral("delivered")).toDouble();
        const double drops = allocator.value(QStringLiteral("drops")).toDouble();
        // When the emulated guest falls behind, vivid skips frames, and KsScope (owner mode) counts them as drops
        // from the sequence numbers: the frames vivid produced are those delivered and those dropped.
        const double produced = delivered > 0 ? measured * (delivered + drops) / delivered : measured;
        QVERIFY2(std::abs(produced - reference) <= 0.10 * reference,
                 qPrintable(QStringLiteral("ksscope %1 fps (%2 delivered, %3 dropped), v4l2-ctl %4 fps")
                                .arg(measured)
                                .arg(delivered)
                                .arg(drops)
                                .arg(reference)));
    }
    void linkToggledOnVimc()
    {
        const Case& c = get("link-toggle");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        bool enabled = false;
        for (const auto cv : firstJsonObject(c.output).value(QStringLiteral("connections")).toArray()) {
            const QJsonObject o = cv.toObject();
            if (o.value(QStringLiteral("from")).toString() == kVimc + QStringLiteral("Debayer_B/pad1") &&
                o.value(QStringLiteral("to")).toString() == kVimc + QStringLiteral("Scaler/pad0"))
                enabled = o.value(QStringLiteral("flags")).toInt() & 1;
        }
        QVERIFY(enabled);
    }
    void immutableLinkRefused()
    {
        const Case& c = get("link-immutable");
        QCOMPARE(c.rc, 4);
        QVERIFY(c.output.contains(QStringLiteral("is immutable")));
    }
    void pipelineMismatchIsEpipe()
    {
        const Case& c = get("vimc-epipe");
        QCOMPARE(c.rc, 3);
        QVERIFY(c.output.contains(QStringLiteral("errno(EPIPE)")));
        // the link is named with the formats at both ends
        QVERIFY2(c.output.contains(QRegularExpression(
                     QStringLiteral("formats differ across link \"[^\"]+\":\\d \\[[A-Z0-9_]+ \\d+x\\d+\\] -> "))),
                 qPrintable(c.output));
    }
    /// vimc as loaded: both sensors give RGB888_1X24 where the debayers take SRGGB8_1X8, as media-ctl shows; the
    /// doctor names those links with both values and exits 6, and its fixes leave no link failing.
    void doctorFindsVimcAsLoaded()
    {
        const Case& c = get("doctor-vimc-as-loaded");
        const QString mediaCtl = get("media-ctl-vimc").output;
        const QString sensor = mediaCtlFormat(mediaCtl, QStringLiteral("Sensor A"), 0);
        const QString debayer = mediaCtlFormat(mediaCtl, QStringLiteral("Debayer A"), 0);
        QCOMPARE(sensor, QStringLiteral("RGB888_1X24/640x480"));
        QCOMPARE(debayer, QStringLiteral("SRGGB8_1X8/640x480"));
        const QStringList findings = findingsOf(firstJsonDocument(c.output));
        QVERIFY2(findings.contains(QStringLiteral("error \"Sensor A\":0 -> \"Debayer A\":0 code ") +
                                   sensor.section(QLatin1Char('/'), 0, 0) + QLatin1Char(' ') +
                                   debayer.section(QLatin1Char('/'), 0, 0)),
                 qPrintable(findings.join(QLatin1Char('\n'))));
        QVERIFY2(
            findings.contains(QStringLiteral("error \"Sensor B\":0 -> \"Debayer B\":0 code RGB888_1X24 SRGGB8_1X8")),
            qPrintable(findings.join(QLatin1Char('\n'))));
        QVERIFY2(c.output.contains(QStringLiteral("doctor rc=6")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("fix rc=0")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("no findings: every enabled link's ends agree\nafter rc=0")),
                 qPrintable(c.output));
    }

    /// One attribute out of step on a link, set with media-ctl or v4l2-ctl: STREAMON fails with EPIPE, the doctor names
    /// the link, the attribute and both values and exits 6, and after its fix the node streams.
    void doctorFixesWhatStreamonRefuses_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("expected");
        QTest::addColumn<QStringList>("streams");
        QTest::newRow("size") << QStringLiteral("doctor-size")
                              << QStringList{QStringLiteral(
                                     "error \"Sensor A\":0 -> \"Raw Capture 0\":0 size 640x480 320x240")}
                              << QStringList{QStringLiteral("")};
        QTest::newRow("code") << QStringLiteral("doctor-code")
                              << QStringList{QStringLiteral(
                                     "error \"Sensor A\":0 -> \"Debayer A\":0 code SGRBG8_1X8 SRGGB8_1X8")}
                              << QStringList{QStringLiteral("")};
        QTest::newRow("field")
            << QStringLiteral("doctor-field")
            << QStringList{QStringLiteral("error \"Sensor A\":0 -> \"Debayer A\":0 field none interlaced"),
                           QStringLiteral("error \"Sensor A\":0 -> \"Raw Capture 0\":0 field none interlaced")}
            << QStringList{QStringLiteral("-rgb"), QStringLiteral("-raw")};
    }
    void doctorFixesWhatStreamonRefuses()
    {
        QFETCH(QString, name);
        QFETCH(QStringList, expected);
        QFETCH(QStringList, streams);
        const Case& c = get(name.toLatin1().constData());
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        for (const QString& s : streams) {
            QVERIFY2(
                c.output.contains(QStringLiteral("stream before%1: VIDIOC_STREAMON returned -1 (Broken pipe)").arg(s)),
                qPrintable(c.output));
            QVERIFY2(c.output.contains(QStringLiteral("stream after%1 frames=3\n").arg(s)), qPrintable(c.output));
            QVERIFY2(!c.output.contains(QStringLiteral("stream after%1:").arg(s)), qPrintable(c.output));
        }
        if (name == QStringLiteral("doctor-size")) // vimc streamed before the size was changed
            QVERIFY2(c.output.contains(QStringLiteral("stream agreeing frames=3\n")), qPrintable(c.output));
        const QJsonObject doc = firstJsonDocument(c.output);
        const QStringList findings = findingsOf(doc);
        QCOMPARE(findings, expected);
        QCOMPARE(doc.value(QStringLiteral("errors")).toInt(), expected.size());
        for (const auto f : doc.value(QStringLiteral("findings")).toArray())
            QVERIFY(!f.toObject().value(QStringLiteral("fixes")).toArray().isEmpty());
        QVERIFY2(c.output.contains(QStringLiteral("doctor rc=6")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("fix rc=0")), qPrintable(c.output));
    }

    /// A format the driver adjusts, a code that does not exist, a pixel format for a pad: named, exit 4.
    void badFormatsAreNamed()
    {
        const Case& c = get("format-adjusted");
        QVERIFY2(c.output.contains(QStringLiteral("\"Raw Capture 0\":0 set to GRBG/640x480")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("(size 641x481 -> 640x480)")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("set rc=4")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("\"NOTACODE\" is not a media bus code")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("bad code rc=4")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("\"YUYV\" is not a media bus code")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("wrong space rc=4")), qPrintable(c.output));
        // the driver's choice is what the node has now
        QVERIFY2(c.output.contains(QRegularExpression(QStringLiteral("Width/Height\\s+: 640/480"))),
                 qPrintable(c.output));
    }

    /// vivid's formats, sizes and frame intervals as `v4l2-ctl --list-formats-ext` lists them.
    void vividFormatsEqualV4l2Ctl()
    {
        const Case& c = get("vivid-formats");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        const QString ctl = c.output.section(QStringLiteral("--- ksscope"), 0, 0);
        QStringList theirs;
        QString format;
        QString size;
        static const QRegularExpression fmtRe(QStringLiteral("^\\s+\\[\\d+\\]: '(.+)' \\((.+?)(?:, .*)?\\)$"));
        static const QRegularExpression sizeRe(QStringLiteral("^\\s+Size: Discrete (\\d+x\\d+)$"));
        static const QRegularExpression ivalRe(QStringLiteral("^\\s+Interval: Discrete ([0-9.]+)s"));
        for (const QString& line : ctl.split(QLatin1Char('\n'))) {
            if (const auto m = fmtRe.match(line); m.hasMatch()) {
                format =
                    m.captured(1).remove(QLatin1Char(' ')) + QStringLiteral(" (") + m.captured(2) + QLatin1Char(')');
                theirs << format;
            } else if (const auto sm = sizeRe.match(line); sm.hasMatch()) {
                size = sm.captured(1);
                theirs << format + QLatin1Char(' ') + size;
            } else if (const auto im = ivalRe.match(line); im.hasMatch()) {
                theirs << format + QLatin1Char(' ') + size + QLatin1Char(' ') + im.captured(1);
            }
        }
        QStringList ours;
        const QJsonObject doc = firstJsonDocument(c.output.section(QStringLiteral("--- ksscope"), 1));
        const QJsonArray pins = doc.value(QStringLiteral("pins")).toArray();
        QCOMPARE(pins.size(), 1);
        for (const auto fv : pins[0].toObject().value(QStringLiteral("formats")).toArray()) {
            const QJsonObject f = fv.toObject();
            const QString name = f.value(QStringLiteral("codeName")).toString() + QStringLiteral(" (") +
                                 f.value(QStringLiteral("description")).toString() + QLatin1Char(')');
            ours << name;
            for (const auto sv : f.value(QStringLiteral("sizes")).toArray()) {
                const QJsonObject s = sv.toObject();
                QCOMPARE(s.value(QStringLiteral("kind")).toString(), QStringLiteral("discrete"));
                const QString wh = QStringLiteral("%1x%2")
                                       .arg(s.value(QStringLiteral("width")).toInt())
                                       .arg(s.value(QStringLiteral("height")).toInt());
                ours << name + QLatin1Char(' ') + wh;
                for (const auto iv : s.value(QStringLiteral("intervals")).toArray()) {
                    const QJsonObject i = iv.toObject();
                    const double seconds = i.value(QStringLiteral("numerator")).toDouble() /
                                           i.value(QStringLiteral("denominator")).toDouble();
                    ours << name + QLatin1Char(' ') + wh + QLatin1Char(' ') + QString::number(seconds, 'f', 3);
                }
            }
        }
        QVERIFY(theirs.size() > 20);
        QCOMPARE(ours, theirs);
        // the active format is what v4l2-ctl's default shows: 640x360 YUYV
        const QJsonObject active = pins[0].toObject().value(QStringLiteral("active")).toObject();
        QCOMPARE(active.value(QStringLiteral("text")).toString().section(QLatin1Char(' '), 0, 0),
                 QStringLiteral("YUYV/640x360"));
    }

    /// A control set through KsScope reads back the same with v4l2-ctl -C; a value out of range, a menu index that
    /// does not exist and an unknown control are named and change nothing.
    void vividControlsReadBack()
    {
        const Case& c = get("vivid-controls");
        QVERIFY2(c.output.contains(QStringLiteral("controls rc=0")), qPrintable(c.output));
        const QJsonObject doc = firstJsonDocument(c.output);
        QJsonObject brightness;
        bool button = false;
        for (const auto fv : doc.value(QStringLiteral("filters")).toArray())
            for (const auto cv : fv.toObject().value(QStringLiteral("controls")).toArray()) {
                const QJsonObject o = cv.toObject();
                if (o.value(QStringLiteral("key")).toString() == QStringLiteral("brightness"))
                    brightness = o;
                button = button ||
                         (o.value(QStringLiteral("key")).toString() == QStringLiteral("inject_vidioc_streamon_error") &&
                          o.value(QStringLiteral("type")).toString() == QStringLiteral("button"));
            }
        QVERIFY(button);
        QCOMPARE(brightness.value(QStringLiteral("maximum")).toInt(), 255);
        static const QRegularExpression before(QStringLiteral("before: brightness: (\\d+)"));
        const auto m = before.match(c.output);
        QVERIFY2(m.hasMatch(), qPrintable(c.output));
        QCOMPARE(brightness.value(QStringLiteral("value")).toInt(), m.captured(1).toInt());
        QVERIFY2(c.output.contains(QStringLiteral("set rc=0")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("read back: brightness: 200 test_pattern: 3")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("300 is out of range; the driver allows 0 to 255")),
                 qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("range rc=4")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("menu index 99 does not exist")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("menu rc=4")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("no control \"no_such_control\"")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("unknown rc=4")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("unchanged: brightness: 200")), qPrintable(c.output));
        QVERIFY2(c.output.contains(QStringLiteral("restored: brightness: ") + m.captured(1)), qPrintable(c.output));
    }

    void injectedStreamonErrorIsReported()
    {
        const Case& c = get("fault-streamon");
        QCOMPARE(c.rc, 3);
        QVERIFY(c.output.contains(QStringLiteral("VIDIOC_STREAMON on /dev/video0")));
    }
    void bufferErrorFlagDoesNotStopTheWatch()
    {
        const Case& c = get("fault-buffer-error");
        QCOMPARE(c.rc, 0);
        QVERIFY(!lastJsonLine(c.output, QStringLiteral("summary")).isEmpty());
    }
    void devicesComingAndGoingAreSeen()
    {
        const Case& c = get("hotplug");
        QVERIFY2(c.rc == 0, qPrintable(c.output));
        bool appeared = false;
        bool removed = false;
        for (const QString& line : c.output.split(QLatin1Char('\n'))) {
            const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
            const QString id = o.value(QStringLiteral("id")).toString();
            const QString kind = o.value(QStringLiteral("kind")).toString();
            // "appeared" comes from the uevent rescan, "found" from the discovery at start
            appeared = appeared || (id == QStringLiteral("v4l2:vivid.platform_vivid-000/vivid-000-vid-cap") &&
                                    kind == QStringLiteral("added") &&
                                    o.value(QStringLiteral("message")).toString().contains(QStringLiteral("appeared")));
            removed = removed || (id.startsWith(QStringLiteral("v4l2:vivid.")) && kind == QStringLiteral("removed"));
        }
        QVERIFY2(appeared, qPrintable(c.output));
        QVERIFY2(removed, qPrintable(c.output));
    }
    void disconnectIsAnEventNotACrash()
    {
        const Case& c = get("fault-disconnect");
        QCOMPARE(c.rc, 0);
        bool reported = false;
        for (const QString& line : c.output.split(QLatin1Char('\n'))) {
            const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
            const QString kind = o.value(QStringLiteral("kind")).toString();
            reported = reported || (o.value(QStringLiteral("id")).toString() == kCapAllocator &&
                                    (kind == QStringLiteral("removed") || kind == QStringLiteral("error")));
        }
        QVERIFY2(reported, qPrintable(c.output));
        QVERIFY(!lastJsonLine(c.output, QStringLiteral("summary")).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestKernel)
#include "tst_kernel.moc"
