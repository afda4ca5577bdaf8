// SPDX-License-Identifier: GPL-3.0-or-later
// KsScope's GStreamer tracer and the gstreamer backend, with real pipelines: one in this process (GST_TRACERS=ksscope,
// the plugin from the build), whose queue's level KsScope reads through the tracer's socket and this test reads from
// the element's own properties, and gst-launch-1.0 processes that come and go.

#include "ksscope/backend.h"
#include "ksscope/backend_registry.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <gst/gst.h>
#include <mutex>
#include <thread>

using namespace ksscope;
using namespace std::chrono_literals;

namespace {

constexpr int kQueueSize = 6;

struct Events {
    std::mutex mutex;
    std::vector<BackendEvent> list;
    bool has(BackendEvent::Kind kind, const std::string& idPart)
    {
        std::lock_guard lock(mutex);
        for (const BackendEvent& e : list)
            if (e.kind == kind && e.id.find(idPart) != std::string::npos)
                return true;
        return false;
    }
};

const AllocatorInfo* allocatorOfQueue(const Topology& t, const std::string& pid)
{
    return t.findAllocator("gstreamer:" + pid + ".pipeline0.q/src/allocator");
}

} // namespace

class TestGstreamer : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    GstElement* m_pipeline = nullptr;
    std::unique_ptr<Backend> m_backend;
    Events m_events;

    [[nodiscard]] std::string pid() const { return std::to_string(QCoreApplication::applicationPid()); }

    /// Polls until \a ready, at most \a seconds.
    template <typename F> static bool waitFor(F ready, int seconds = 20)
    {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        while (std::chrono::steady_clock::now() < until) {
            if (ready())
                return true;
            std::this_thread::sleep_for(50ms);
        }
        return ready();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("KSSCOPE_GST_DIR", m_dir.path().toUtf8());
        qputenv("GST_PLUGIN_PATH", KSSCOPE_GST_PLUGIN_DIR);
        qputenv("GST_TRACERS", "ksscope(interval-ms=10)");
        gst_init(nullptr, nullptr);
        const std::string launch =
            "videotestsrc ! video/x-raw,format=RGBA,width=320,height=240,framerate=30/1 ! queue name=q "
            "max-size-buffers=" +
            std::to_string(kQueueSize) + " max-size-bytes=0 max-size-time=0 ! fakesink sync=true";
        GError* error = nullptr;
        m_pipeline = gst_parse_launch(launch.c_str(), &error);
        QVERIFY2(m_pipeline && !error, error ? error->message : "no pipeline");
        QVERIFY(gst_element_set_state(m_pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
        m_backend = BackendRegistry::create("gstreamer", {{"gstreamer-dir", m_dir.path().toStdString()}});
        QVERIFY(m_backend);
        m_backend->setEventSink([this](const BackendEvent& e) {
            std::lock_guard lock(m_events.mutex);
            m_events.list.push_back(e);
        });
        QVERIFY(m_backend->open().isOk());
        QVERIFY(m_backend->start().isOk());
    }

    void cleanupTestCase()
    {
        if (m_backend)
            m_backend->close();
        if (m_pipeline) {
            gst_element_set_state(m_pipeline, GST_STATE_NULL);
            gst_object_unref(m_pipeline);
        }
    }

    /// The pipeline's elements, pads and links as GStreamer has them.
    void elementsPadsAndLinks()
    {
        const std::string prefix = "gstreamer:" + pid() + ".pipeline0.";
        // negotiated: the source's pad has its caps
        QVERIFY(waitFor([&] {
            const Topology now = m_backend->topology();
            const PinInfo* pin = now.findPin(prefix + "videotestsrc0/src");
            return allocatorOfQueue(now, pid()) != nullptr && pin && pin->format.width > 0;
        }));
        const Topology t = m_backend->topology();
        for (const char* name : {"videotestsrc0", "capsfilter0", "q", "fakesink0"})
            QVERIFY2(t.findFilter(prefix + name), name);
        QCOMPARE(t.findFilter(prefix + "videotestsrc0")->kind, std::string("capture"));
        QCOMPARE(t.findFilter(prefix + "fakesink0")->kind, std::string("render"));
        bool linked = false;
        for (const ConnectionInfo& c : t.connections)
            linked = linked || (c.from == prefix + "q/src" && c.to == prefix + "fakesink0/sink");
        QVERIFY(linked);
        const PinInfo* src = t.findPin(prefix + "videotestsrc0/src");
        QVERIFY(src);
        QCOMPARE(src->format.width, 320u);
        QCOMPARE(src->format.avgTimePerFrame, REFERENCE_TIME{333333});
    }

    /// A slow sink: the queue fills to its max-size-buffers, as KsScope reads it and as the element's own
    /// current-level-buffers says; the source's pool has those buffers out and a few more (being pushed, rendered).
    void queueFillsAndPoolBuffersAreOut()
    {
        GstElement* queue = gst_bin_get_by_name(GST_BIN(m_pipeline), "q");
        QVERIFY(queue);
        auto levelOfElement = [queue] {
            guint level = 0;
            g_object_get(queue, "current-level-buffers", &level, nullptr);
            return static_cast<int>(level);
        };
        const Topology before = m_backend->topology();
        const AllocatorInfo* q = allocatorOfQueue(before, pid());
        QVERIFY(q);
        auto probe = m_backend->probe(q->id);
        QVERIFY(probe);
        QCOMPARE(q->status.Framing.Frames, static_cast<ULONG>(kQueueSize));
        // both views agree on a full queue, read close together (the sink takes a buffer each 33 ms)
        int kscopeLevel = -1;
        int elementLevel = -1;
        QVERIFY(waitFor([&] {
            AllocatorReading r;
            if (FAILED(probe->read(r)))
                return false;
            kscopeLevel = static_cast<int>(r.status.AllocatedFrames);
            elementLevel = levelOfElement();
            return kscopeLevel == kQueueSize && elementLevel == kQueueSize;
        }));
        QCOMPARE(kscopeLevel, elementLevel);
        // every line's reading reaches the sampler, at the tracer's times
        std::vector<AllocatorProbe::TakenReading> taken;
        QVERIFY(probe->takeReadings(taken));
        std::this_thread::sleep_for(200ms);
        taken.clear();
        QVERIFY(probe->takeReadings(taken));
        QVERIFY2(taken.size() >= 5, qPrintable(QString::number(taken.size()))); // 10 ms lines
        for (std::size_t i = 1; i < taken.size(); ++i)
            QVERIFY(taken[i].steady_ns > taken[i - 1].steady_ns);
        // the source's pool: its buffers are in the queue, being pushed into it and in the sink
        const std::string prefix = "gstreamer:" + pid() + ".pipeline0.";
        const Topology t = m_backend->topology();
        const AllocatorInfo* pool = t.findAllocator(prefix + "videotestsrc0/src/allocator");
        QVERIFY(pool);
        QCOMPARE(pool->status.Framing.FrameSize, 320u * 240u * 4u);
        QVERIFY2(pool->status.AllocatedFrames >= static_cast<ULONG>(kQueueSize) &&
                     pool->status.AllocatedFrames <= static_cast<ULONG>(kQueueSize) + 4,
                 qPrintable(QString::number(pool->status.AllocatedFrames)));
        gst_object_unref(queue);
    }

    /// A gst-launch-1.0 that ends: its elements appear, then are reported removed and leave the topology.
    void aPipelineThatExitsDisappears()
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        p.setProcessEnvironment(env);
        p.start(QStringLiteral("gst-launch-1.0"),
                {QStringLiteral("videotestsrc"), QStringLiteral("num-buffers=60"), QStringLiteral("!"),
                 QStringLiteral("video/x-raw,framerate=30/1"), QStringLiteral("!"), QStringLiteral("fakesink"),
                 QStringLiteral("name=ending"), QStringLiteral("sync=true")});
        QVERIFY(p.waitForStarted());
        const std::string id = "gstreamer:" + std::to_string(p.processId()) + ".pipeline0.ending";
        QVERIFY2(waitFor([&] { return m_backend->topology().findFilter(id) != nullptr; }), id.c_str());
        QVERIFY(waitFor([&] { return m_events.has(BackendEvent::Kind::FilterAdded, id); }));
        QVERIFY(p.waitForFinished(30'000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(waitFor([&] { return m_backend->topology().findFilter(id) == nullptr; }));
        // the event follows the topology's change (reported outside the backend's lock)
        QVERIFY(waitFor([&] { return m_events.has(BackendEvent::Kind::FilterRemoved, id); }));
        // the process removed its socket as it ended
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("gst-%1.sock").arg(p.processId()))));
    }

    /// A pipeline of this process that is stopped and freed leaves the topology too.
    void aFreedPipelineLeaves()
    {
        const std::string id = "gstreamer:" + pid() + ".pipeline0.q";
        QVERIFY(m_backend->topology().findFilter(id));
        gst_element_set_state(m_pipeline, GST_STATE_NULL);
        gst_object_unref(m_pipeline);
        m_pipeline = nullptr;
        QVERIFY(waitFor([&] { return m_backend->topology().findFilter(id) == nullptr; }));
        // the event follows the topology's change (reported outside the backend's lock)
        QVERIFY(waitFor([&] { return m_events.has(BackendEvent::Kind::FilterRemoved, id); }));
    }
};

QTEST_GUILESS_MAIN(TestGstreamer)
#include "tst_gstreamer.moc"
