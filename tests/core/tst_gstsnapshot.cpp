// SPDX-License-Identifier: GPL-3.0-or-later
// Lines of KsScope's GStreamer tracer read as the model, written here by hand: elements, pads, links through the
// peers, a pool on the pad that pushes it, a queue's level, caps as formats, and lines that are not the tracer's.

#include "gstreamer/gst_snapshot.h"
#include "ksscope/json_output.h"
#include "v4l2/media_graph.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <set>

using namespace ksscope;
using namespace ksscope::gst;

namespace {

const std::string kLine =
    R"({"t_ns":1000,"pid":42,"program":"gst-launch-1.0","pipelines":[{"name":"pipeline0","state":"PLAYING",)"
    R"("elements":[)"
    R"({"path":"pipeline0.src","name":"src","factory":"v4l2src","klass":"Source/Video","state":"PLAYING",)"
    R"("device":"/dev/video0","pads":[{"name":"src","direction":"out","peer":"pipeline0.q:sink","pushed":10,)"
    R"("caps":"video/x-raw, format=(string)YUY2, width=(int)640, height=(int)480, framerate=(fraction)30/1",)"
    R"("pool":{"name":"src:pool0:src","type":"GstV4l2BufferPool","size":614400,"min":2,"max":4,"outstanding":3,)"
    R"("active":true}}]},)"
    R"({"path":"pipeline0.q","name":"q","factory":"queue","klass":"Generic","state":"PLAYING",)"
    R"("queue":{"buffers":2,"max_buffers":5,"bytes":1228800,"time_ns":66000000},)"
    R"("pads":[{"name":"sink","direction":"in"},{"name":"src","direction":"out","peer":"pipeline0.sink:sink",)"
    R"("pushed":8}]},)"
    R"({"path":"pipeline0.sink","name":"sink","factory":"fakesink","klass":"Sink","state":"PLAYING",)"
    R"("pads":[{"name":"sink","direction":"in"}]}]}]})";

} // namespace

class TestGstSnapshot : public QObject {
    Q_OBJECT
private slots:
    void elementsPadsAndLinks()
    {
        Snapshot s;
        std::string error;
        QVERIFY2(readSnapshot(kLine, s, error), error.c_str());
        QCOMPARE(s.pid, 42);
        QCOMPARE(s.steady_ns, std::int64_t{1000});
        const Topology& t = s.topology;
        QCOMPARE(t.filters.size(), std::size_t{3});
        const FilterInfo* src = t.findFilter("gstreamer:42.pipeline0.src");
        QVERIFY(src);
        QCOMPARE(src->kind, std::string("capture"));
        QCOMPARE(t.findFilter("gstreamer:42.pipeline0.sink")->kind, std::string("render"));
        bool device = false;
        for (const Detail& d : src->details)
            device = device || (d.name == "device" && d.value == "/dev/video0");
        QVERIFY(device);
        QCOMPARE(t.connections.size(), std::size_t{2});
        QCOMPARE(t.connections[0].from, std::string("gstreamer:42.pipeline0.src/src"));
        QCOMPARE(t.connections[0].to, std::string("gstreamer:42.pipeline0.q/sink"));
        const PinInfo* pin = t.findPin("gstreamer:42.pipeline0.src/src");
        QCOMPARE(pin->format.subtype, std::string("YUY2"));
        QCOMPARE(pin->format.width, 640u);
        QCOMPARE(pin->format.avgTimePerFrame, REFERENCE_TIME{333333});
    }

    /// A v4l2src shows its device node as an input pin, and the session links it below to the queue of the same
    /// node: the userspace pool above the kernel queue it streams, once, whatever path names the node.
    void v4l2srcLinksAboveTheQueueOfItsNode()
    {
        Snapshot s;
        std::string error;
        QVERIFY2(readSnapshot(kLine, s, error), error.c_str());
        const PinInfo* device = s.topology.findPin("gstreamer:42.pipeline0.src/device");
        QVERIFY(device);
        QCOMPARE(device->direction, PinDirection::Input);
        QCOMPARE(device->deviceNode, std::string("/dev/video0"));
        QVERIFY(!s.topology.findPin("gstreamer:42.pipeline0.sink/device")); // fakesink streams no node

        v4l2::MediaGraph vivid;
        vivid.info = {"/dev/media0", "vivid", "vivid", "", "platform:vivid-000", 0x060100};
        vivid.entities = {{1, "vivid-000-vid-cap", 0x00010001, 0}, {4, "vivid-000-vbi-cap", 0x00010001, 0}};
        vivid.pads = {{2, 1, v4l2::kPadFlagSink, 0}, {5, 4, v4l2::kPadFlagSink, 0}};
        vivid.interfaces = {{3, v4l2::kIntfTypeV4lVideo, 81, 0, "/dev/video0"},
                            {6, v4l2::kIntfTypeV4lVideo, 81, 1, "/dev/vbi0"}};
        vivid.links = {{7, 3, 1, v4l2::kLinkTypeInterface | v4l2::kLinkFlagEnabled},
                       {8, 6, 4, v4l2::kLinkTypeInterface | v4l2::kLinkFlagEnabled}};
        Topology all = v4l2::graphToTopology(vivid);
        all.append(s.topology);
        const std::size_t before = all.connections.size();
        linkLayers(all);
        QCOMPARE(all.connections.size(), before + 1); // the vbi node is streamed by nobody
        const ConnectionInfo& c = all.connections.back();
        QCOMPARE(c.from, std::string("v4l2:vivid.platform_vivid-000/vivid-000-vid-cap/queue"));
        QCOMPARE(c.to, std::string("gstreamer:42.pipeline0.src/device"));
        QVERIFY(c.flags & ConnectionDeviceNode);
        linkLayers(all); // a second pass (a replayed session's topology has them already) adds nothing
        QCOMPARE(all.connections.size(), before + 1);

        // written and read back with the pin's node
        Topology back;
        QVERIFY(topologyFromJson(topologyToJson(all), back));
        QCOMPARE(back.findPin("gstreamer:42.pipeline0.src/device")->deviceNode, std::string("/dev/video0"));
        QCOMPARE(back.connections.back().flags, c.flags);

        // a node named through a link (/dev/v4l/by-id/...) is the same node; another node is not
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString real = dir.filePath(QStringLiteral("video7"));
        QFile node(real);
        QVERIFY(node.open(QIODevice::WriteOnly));
        node.close();
        const QString byId = dir.filePath(QStringLiteral("usb-camera-video-index0"));
        QVERIFY(QFile::link(real, byId));
        Topology linked;
        linked.filters.push_back({"v4l2:cam", "cam", "v4l2", "video-node", {}, {}});
        PinInfo queue;
        queue.id = "v4l2:cam/queue";
        queue.deviceNode = real.toStdString();
        linked.filters.back().pins.push_back(queue);
        linked.filters.push_back({"gstreamer:1.p.src", "src", "gstreamer", "capture", {}, {}});
        linked.filters.back().pins.push_back(
            deviceNodePin("gstreamer:1.p.src", byId.toStdString(), PinDirection::Input));
        linked.filters.push_back({"gstreamer:1.p.other", "other", "gstreamer", "capture", {}, {}});
        linked.filters.back().pins.push_back(deviceNodePin(
            "gstreamer:1.p.other", dir.filePath(QStringLiteral("video8")).toStdString(), PinDirection::Input));
        linkLayers(linked);
        QCOMPARE(linked.connections.size(), std::size_t{1});
        QCOMPARE(linked.connections[0].to, std::string("gstreamer:1.p.src/device"));
    }

    /// A pipewiresrc and a pipewiresink show the stream each made as a "pipewire" pin, and the session links it to
    /// the PipeWire node of that stream (same process, same name) through a pin added to the node: the node's
    /// buffers into the pipewiresrc, the pipewiresink's into its node. Once; not at all when two nodes claim a stream.
    void pipewireElementsLinkToTheirStreamsNode()
    {
        const std::string line =
            R"({"t_ns":1,"pid":77,"program":"gst-launch-1.0","pipelines":[{"name":"p","state":"PLAYING","elements":[)"
            R"({"path":"p.in","name":"in","factory":"pipewiresrc","klass":"Source/Video","state":"PLAYING",)"
            R"("pipewire_stream":"gst-launch-1.0","pads":[{"name":"src","direction":"out"}]},)"
            R"({"path":"p.out","name":"out","factory":"pipewiresink","klass":"Sink/Video","state":"PLAYING",)"
            R"("pipewire_stream":"camera-out","pads":[{"name":"sink","direction":"in"}]}]}]})";
        Snapshot s;
        std::string error;
        QVERIFY2(readSnapshot(line, s, error), error.c_str());
        const PinInfo* in = s.topology.findPin("gstreamer:77.p.in/pipewire");
        QVERIFY(in);
        QCOMPARE(in->direction, PinDirection::Input);
        QCOMPARE(in->pipewireStream, std::string("77/gst-launch-1.0"));
        const PinInfo* out = s.topology.findPin("gstreamer:77.p.out/pipewire");
        QVERIFY(out);
        QCOMPARE(out->direction, PinDirection::Output);

        Topology all;
        FilterInfo consumer{"pipewire:40", "gst-launch-1.0", "pipewire", "render", {}, {}};
        consumer.pins.push_back({"pipewire:40/input_0", "input_0", PinDirection::Input, {}, {}, {}});
        consumer.pipewireStream = "77/gst-launch-1.0";
        FilterInfo camera{"pipewire:36", "camera", "pipewire", "capture", {}, {}};
        camera.pipewireStream = "77/camera-out";
        FilterInfo elsewhere{"pipewire:50", "gst-launch-1.0", "pipewire", "render", {}, {}};
        elsewhere.pipewireStream = "78/gst-launch-1.0"; // another process's stream of the same name
        all.filters = {consumer, camera, elsewhere};
        all.append(s.topology);
        linkLayers(all);
        QCOMPARE(all.connections.size(), std::size_t{2});
        const PinInfo* added = all.findPin("pipewire:40/gstreamer");
        QVERIFY(added);
        QCOMPARE(added->direction, PinDirection::Output);
        std::set<std::pair<std::string, std::string>> links;
        for (const ConnectionInfo& c : all.connections) {
            QCOMPARE(c.flags, std::uint32_t{ConnectionEnabled | ConnectionImmutable | ConnectionPipeWireStream});
            links.emplace(c.from, c.to);
        }
        QVERIFY(links.count({"pipewire:40/gstreamer", "gstreamer:77.p.in/pipewire"}));
        const PinInfo* cameraEnd = all.findPin("pipewire:36/gstreamer");
        QVERIFY(cameraEnd);
        QCOMPARE(cameraEnd->direction, PinDirection::Input);
        QVERIFY(cameraEnd->pipewireStream.empty()); // the node's end claims no stream: only the element's pin does
        QVERIFY(links.count({"gstreamer:77.p.out/pipewire", "pipewire:36/gstreamer"}));
        QVERIFY(!all.findPin("pipewire:50/gstreamer"));

        // a second pass, and a topology written and read back (a replayed session's), add nothing
        linkLayers(all);
        Topology back;
        QVERIFY(topologyFromJson(topologyToJson(all), back));
        QVERIFY(back.findFilter("pipewire:40") && back.findPin("gstreamer:77.p.in/pipewire"));
        QCOMPARE(back.findFilter("pipewire:40")->pipewireStream, std::string("77/gst-launch-1.0"));
        QCOMPARE(back.findPin("gstreamer:77.p.in/pipewire")->pipewireStream, std::string("77/gst-launch-1.0"));
        linkLayers(back);
        // one whose links were lost (its pins kept) gets them back, once
        Topology lost = all;
        lost.connections.clear();
        linkLayers(lost);
        linkLayers(lost);
        for (const Topology* t : {&all, &back, &lost}) {
            QCOMPARE(t->connections.size(), std::size_t{2});
            QCOMPARE(t->findFilter("pipewire:40")->pins.size(), std::size_t{2});
            QCOMPARE(t->findFilter("pipewire:36")->pins.size(), std::size_t{1});
        }

        // two nodes of one process with one name: which is whose is not known, so neither is linked
        Topology twice;
        FilterInfo second = consumer;
        second.id = "pipewire:41";
        second.pins.clear();
        twice.filters = {consumer, second};
        twice.append(s.topology);
        linkLayers(twice);
        QCOMPARE(twice.connections.size(), std::size_t{0});
        QVERIFY(!twice.findPin("pipewire:40/gstreamer"));

        // two elements of one process with one client name (two pipewiresrc left with the default): neither
        const std::string two =
            R"({"t_ns":1,"pid":77,"program":"gst-launch-1.0","pipelines":[{"name":"p","state":"PLAYING","elements":[)"
            R"({"path":"p.a","name":"a","factory":"pipewiresrc","klass":"Source/Video","state":"PLAYING",)"
            R"("pipewire_stream":"gst-launch-1.0","pads":[]},)"
            R"({"path":"p.b","name":"b","factory":"pipewiresrc","klass":"Source/Video","state":"PLAYING",)"
            R"("pipewire_stream":"gst-launch-1.0","pads":[]}]}]})";
        Snapshot both;
        QVERIFY2(readSnapshot(two, both, error), error.c_str());
        Topology claimed;
        claimed.filters = {consumer};
        claimed.append(both.topology);
        linkLayers(claimed);
        QCOMPARE(claimed.connections.size(), std::size_t{0});
        QVERIFY(!claimed.findPin("pipewire:40/gstreamer"));
    }

    /// The pool on the pad that pushes it, shared with the pad it pushes to; the queue's level behind its src pad.
    void poolsAndQueuesAsAllocators()
    {
        Snapshot s;
        std::string error;
        QVERIFY(readSnapshot(kLine, s, error));
        const AllocatorInfo* pool = s.topology.findAllocator("gstreamer:42.pipeline0.src/src/allocator");
        QVERIFY(pool);
        QCOMPARE(pool->status.Framing.Frames, 4u);
        QCOMPARE(pool->status.Framing.FrameSize, 614400u);
        QCOMPARE(pool->properties.cBuffers, LONG{4});
        QCOMPARE(pool->pinIds,
                 (std::vector<std::string>{"gstreamer:42.pipeline0.src/src", "gstreamer:42.pipeline0.q/sink"}));
        QVERIFY(!pool->readOnlyReason.empty());
        QCOMPARE(s.readings.at(pool->id).status.AllocatedFrames, 3u);
        QCOMPARE(s.readings.at(pool->id).deliveredFrames, std::uint64_t{10});
        QCOMPARE(s.topology.findPin("gstreamer:42.pipeline0.q/sink")->allocatorId, pool->id);
        const AllocatorInfo* queue = s.topology.findAllocator("gstreamer:42.pipeline0.q/src/allocator");
        QVERIFY(queue);
        QCOMPARE(queue->status.Framing.Frames, 5u);
        QCOMPARE(queue->status.Framing.FrameSize, 0u);
        QCOMPARE(s.readings.at(queue->id).status.AllocatedFrames, 2u);
        QCOMPARE(queue->framePeriodSeconds, 0.0); // its pad has no caps in this line
    }

    void notATracerLineIsNamed()
    {
        Snapshot s;
        std::string error;
        for (const char* line : {"", "{", "[]", R"({"pid":1})", R"({"pipelines":{}})", "\x01\x02garbage"}) {
            error.clear();
            QVERIFY2(!readSnapshot(line, s, error), line);
            QVERIFY(error.find("not a line of KsScope's GStreamer tracer") != std::string::npos);
        }
        // odd members are left out, not fatal
        QVERIFY(
            readSnapshot(R"({"pipelines":[1,{"elements":[2,{"path":"a/b"},{"path":"p.x","pads":[3]}]}]})", s, error));
        QCOMPARE(s.topology.filters.size(), std::size_t{1});
        QCOMPARE(s.topology.filters[0].id, std::string("gstreamer:0.p.x"));
    }

    void capsAsFormats()
    {
        const MediaFormat audio = formatOfCaps("audio/x-raw, format=(string)S16LE, rate=(int)48000, channels=(int)2");
        QCOMPARE(audio.majorType, std::string("audio"));
        QCOMPARE(audio.subtype, std::string("S16LE"));
        QCOMPARE(audio.sampleRate, 48000u);
        QCOMPARE(audio.channels, 2u);
        QCOMPARE(formatOfCaps("image/jpeg, width=(int)abc").width, 0u);
        QCOMPARE(formatOfCaps("nonsense").majorType, std::string());
    }
};

QTEST_GUILESS_MAIN(TestGstSnapshot)
#include "tst_gstsnapshot.moc"
