// SPDX-License-Identifier: GPL-3.0-or-later
// Mapping of Media Controller graphs and V4L2 queue states to the KsScope model (no device needed; the
// same code runs against vivid and vimc in the kernel suite).

#include "v4l2/media_graph.h"

#include <QTest>

using namespace ksscope;
using namespace ksscope::v4l2;

namespace {

/// A part of vimc's graph: Sensor A -> Debayer A, Sensor A -> Raw Capture 0 (a video node).
MediaGraph vimcLike()
{
    MediaGraph g;
    g.info = {"/dev/media1", "vimc", "VIMC MDEV", "", "platform:vimc", 0x060100};
    g.entities = {{1, "Sensor A", 0x00020001, 0},
                  {3, "Debayer A", 0x00004003, 0},
                  {6, "Raw Capture 0", 0x00010001, 0},
                  {9, "RGB/YUV Capture", 0x00010001, 0}};
    g.pads = {{2, 1, kPadFlagSource, 0},
              {4, 3, kPadFlagSink, 0},
              {5, 3, kPadFlagSource, 1},
              {7, 6, kPadFlagSink, 0},
              {10, 9, kPadFlagSink, 0}};
    g.interfaces = {{8, kIntfTypeV4lVideo, 81, 1, "/dev/video1"}, {11, kIntfTypeV4lVideo, 81, 3, "/dev/video3"}};
    g.links = {{20, 2, 4, kLinkFlagEnabled | kLinkFlagImmutable},
               {21, 2, 7, kLinkFlagEnabled | kLinkFlagImmutable},
               {22, 5, 10, 0},
               {23, 8, 6, kLinkTypeInterface | kLinkFlagEnabled | kLinkFlagImmutable},
               {24, 11, 9, kLinkTypeInterface | kLinkFlagEnabled | kLinkFlagImmutable}};
    return g;
}

} // namespace

class TestMediaGraph : public QObject {
    Q_OBJECT
private slots:
    void idsNameTheDeviceNotTheNode()
    {
        QCOMPARE(deviceId("vimc", "platform:vimc"), std::string("v4l2:vimc.platform_vimc"));
        QCOMPARE(sanitizeIdPart("RGB/YUV Capture"), std::string("RGB_YUV_Capture"));
        QCOMPARE(sanitizeIdPart(""), std::string("_"));
        const MediaGraph g = vimcLike();
        QCOMPARE(GraphIds::filter(g, g.entities[0]), std::string("v4l2:vimc.platform_vimc/Sensor_A"));
        QCOMPARE(GraphIds::pin(g, g.entities[1], g.pads[2]), std::string("v4l2:vimc.platform_vimc/Debayer_A/pad1"));
        QCOMPARE(GraphIds::allocator(g, g.entities[2]), std::string("v4l2:vimc.platform_vimc/Raw_Capture_0/allocator"));
        MediaGraph renumbered = g;
        renumbered.info.path = "/dev/media7"; // a node number never changes an id
        QCOMPARE(GraphIds::filter(renumbered, renumbered.entities[0]), GraphIds::filter(g, g.entities[0]));
    }
    void entitiesBecomeFiltersAndPadsPins()
    {
        const MediaGraph g = vimcLike();
        const Topology t = graphToTopology(g);
        QCOMPARE(t.filters.size(), std::size_t{4});
        const FilterInfo* sensor = t.findFilter("v4l2:vimc.platform_vimc/Sensor_A");
        QVERIFY(sensor);
        QCOMPARE(sensor->name, std::string("Sensor A"));
        QCOMPARE(sensor->backend, std::string("v4l2"));
        QCOMPARE(sensor->kind, std::string("camera-sensor"));
        QCOMPARE(sensor->pins.size(), std::size_t{1});
        QCOMPARE(sensor->pins[0].direction, PinDirection::Output); // source pad
        QVERIFY(sensor->pins[0].allocatorId.empty()); // a subdevice has no queue
        const FilterInfo* debayer = t.findFilter("v4l2:vimc.platform_vimc/Debayer_A");
        QCOMPARE(debayer->pins[0].direction, PinDirection::Input); // sink pad
        QCOMPARE(debayer->pins[1].direction, PinDirection::Output);
        QCOMPARE(debayer->kind, std::string("proc-pixel-enc-conv"));
        const PinInfo* capture = t.findPin("v4l2:vimc.platform_vimc/Raw_Capture_0/pad0");
        QVERIFY(capture);
        QCOMPARE(capture->allocatorId, std::string("v4l2:vimc.platform_vimc/Raw_Capture_0/allocator"));
        QCOMPARE(g.videoNodeOf(6), std::string("/dev/video1"));
        QCOMPARE(g.videoNodeOf(1), std::string());
    }
    void dataLinksBecomeConnectionsWithFlags()
    {
        const Topology t = graphToTopology(vimcLike());
        QCOMPARE(t.connections.size(), std::size_t{3}); // interface links are not connections
        QCOMPARE(t.connections[0].from, std::string("v4l2:vimc.platform_vimc/Sensor_A/pad0"));
        QCOMPARE(t.connections[0].to, std::string("v4l2:vimc.platform_vimc/Debayer_A/pad0"));
        QCOMPARE(t.connections[0].flags, std::uint32_t{ConnectionEnabled | ConnectionImmutable});
        QCOMPARE(t.connections[2].from, std::string("v4l2:vimc.platform_vimc/Debayer_A/pad1"));
        QCOMPARE(t.connections[2].flags, std::uint32_t{0}); // disabled, mutable
    }
    void padlessVideoEntityGetsAQueuePin()
    {
        MediaGraph g;
        g.info = {"/dev/media0", "vivid", "vivid", "", "platform:vivid-000", 0x060100};
        g.entities = {{1, "vivid-000-vid-cap", 0x00010001, 0}};
        g.interfaces = {{2, kIntfTypeV4lVideo, 81, 0, "/dev/video0"}};
        g.links = {{3, 2, 1, kLinkTypeInterface | kLinkFlagEnabled | kLinkFlagImmutable}};
        const Topology t = graphToTopology(g);
        QCOMPARE(t.filters.size(), std::size_t{1});
        QCOMPARE(t.filters[0].pins.size(), std::size_t{1});
        QCOMPARE(t.filters[0].pins[0].id, std::string("v4l2:vivid.platform_vivid-000/vivid-000-vid-cap/queue"));
        QCOMPARE(t.filters[0].pins[0].allocatorId,
                 std::string("v4l2:vivid.platform_vivid-000/vivid-000-vid-cap/allocator"));
    }
    /// A video node's queue is a pin of its own beside its pads, naming the node: out of a capture node, into an
    /// output node (one with a source pad), listed output first by the allocator.
    void videoNodesGetAQueuePinNamingTheirNode()
    {
        const Topology t = graphToTopology(vimcLike());
        const PinInfo* queue = t.findPin("v4l2:vimc.platform_vimc/Raw_Capture_0/queue");
        QVERIFY(queue);
        QCOMPARE(queue->direction, PinDirection::Output);
        QCOMPARE(queue->deviceNode, std::string("/dev/video1"));
        QCOMPARE(queue->allocatorId, std::string("v4l2:vimc.platform_vimc/Raw_Capture_0/allocator"));
        QCOMPARE(t.findFilter("v4l2:vimc.platform_vimc/Raw_Capture_0")->pins.size(), std::size_t{2});
        QCOMPARE(t.findPin("v4l2:vimc.platform_vimc/RGB_YUV_Capture/queue")->deviceNode, std::string("/dev/video3"));
        QVERIFY(!t.findPin("v4l2:vimc.platform_vimc/Debayer_A/queue")); // a subdevice has no queue
        QVERIFY(t.findPin("v4l2:vimc.platform_vimc/Raw_Capture_0/pad0")->deviceNode.empty());

        MediaGraph out;
        out.info = {"/dev/media0", "vivid", "vivid", "", "platform:vivid-000", 0x060100};
        out.entities = {{1, "vivid-000-vid-out", 0x00010001, 0}};
        out.pads = {{2, 1, kPadFlagSource, 0}};
        out.interfaces = {{3, kIntfTypeV4lVideo, 81, 1, "/dev/video1"}};
        out.links = {{4, 3, 1, kLinkTypeInterface | kLinkFlagEnabled | kLinkFlagImmutable}};
        const Topology o = graphToTopology(out);
        QCOMPARE(o.findPin("v4l2:vivid.platform_vivid-000/vivid-000-vid-out/queue")->direction, PinDirection::Input);
    }
    void formatMismatchNamesTheLink()
    {
        const MediaGraph g = vimcLike();
        // Sensor A gives RGB888 while Debayer A wants Bayer: that link is the culprit, seen from Raw Capture 0
        auto formats = [](const MediaEntity& e, const MediaPad&) {
            if (e.name == "Debayer A")
                return PadFormat{true, 0x3014, 640, 480};
            if (e.name == "Raw Capture 0" || e.name == "RGB/YUV Capture")
                return PadFormat{true, 0, 640, 480}; // a video node: size only
            return PadFormat{true, 0x100a, 640, 480};
        };
        QCOMPARE(findFormatMismatch(g, 6, formats),
                 std::string("link \"Sensor A\":0 [RGB888_1X24 640x480] -> \"Debayer A\":0 [SRGGB8_1X8 640x480]"));
        auto consistent = [](const MediaEntity& e, const MediaPad&) {
            return e.name == "Raw Capture 0" ? PadFormat{true, 0, 640, 480} : PadFormat{true, 0x3014, 640, 480};
        };
        QCOMPARE(findFormatMismatch(g, 6, consistent), std::string());
        auto sizes = [](const MediaEntity& e, const MediaPad&) {
            return e.name == "Raw Capture 0" ? PadFormat{true, 0, 320, 240} : PadFormat{true, 0x3014, 640, 480};
        };
        QCOMPARE(findFormatMismatch(g, 6, sizes),
                 std::string("link \"Sensor A\":0 [SRGGB8_1X8 640x480] -> \"Raw Capture 0\":0 [320x240]"));
        // the disabled Debayer A -> Scaler link is not part of the pipeline: Scaler's formats do not matter
        auto scalerOdd = [](const MediaEntity& e, const MediaPad&) {
            if (e.name == "RGB/YUV Capture")
                return PadFormat{true, 0, 1, 1};
            return e.name == "Raw Capture 0" ? PadFormat{true, 0, 640, 480} : PadFormat{true, 0x3014, 640, 480};
        };
        QCOMPARE(findFormatMismatch(g, 6, scalerOdd), std::string());
        QCOMPARE(mbusCodeName(0x100a), std::string("RGB888_1X24"));
        QCOMPARE(mbusCodeName(0x9999), std::string("0x9999"));
    }
    void entityFunctions()
    {
        QCOMPARE(entityFunctionName(0x00010001), std::string("io-v4l"));
        QCOMPARE(entityFunctionName(0x00004005), std::string("proc-scaler"));
        QCOMPARE(entityFunctionName(0x00020003), std::string("lens"));
        QCOMPARE(entityFunctionName(0x12345678), std::string("function-0x12345678"));
    }

    // ---- queue states -------------------------------------------------------------------------
    void queueSummary()
    {
        const std::vector<BufferQuery> buffers = {
            {kBufFlagMapped | kBufFlagQueued, kMemoryMmap, 460800, 0},
            {kBufFlagMapped | kBufFlagDone, kMemoryMmap, 460800, 17},
            {kBufFlagMapped, kMemoryMmap, 460800, 16}, // dequeued, held by the application
            {kBufFlagMapped | kBufFlagQueued, kMemoryMmap, 460800, 0},
        };
        const QueueStatus q = summarizeQueue(buffers);
        QCOMPARE(q.frames, 4u);
        QCOMPARE(q.frameSize, 460800u);
        QCOMPARE(q.queued, 2u);
        QCOMPARE(q.done, 1u);
        QCOMPARE(q.held, 1u);
        QVERIFY(q.active);
        QCOMPARE(q.allocatedFrames(), 2u); // filled and waiting + held
        const KSSTREAMALLOCATOR_STATUS ks = q.status();
        QCOMPARE(ks.Framing.Frames, 4u);
        QCOMPARE(ks.Framing.FrameSize, 460800u);
        QCOMPARE(ks.Framing.PoolType, kNonPagedPool);
        QCOMPARE(ks.AllocatedFrames, 2u);
        QCOMPARE(q.mode, KsAllocatorMode_Kernel);
        QCOMPARE(q.states, (std::vector<BufferState>{BufferState::Free, BufferState::Waiting, BufferState::Consumer,
                                                     BufferState::Free}));
    }
    void idleQueueHoldsNothing()
    {
        const std::vector<BufferQuery> buffers(3, BufferQuery{kBufFlagMapped, kMemoryMmap, 1000, 0});
        const QueueStatus q = summarizeQueue(buffers);
        QVERIFY(!q.active);
        QCOMPARE(q.allocatedFrames(), 0u);
        QCOMPARE(summarizeQueue({}).frames, 0u);
    }
    void stalledConsumerFillsTheQueue()
    {
        const std::vector<BufferQuery> buffers(6, BufferQuery{kBufFlagMapped | kBufFlagDone, kMemoryMmap, 1000, 5});
        const QueueStatus q = summarizeQueue(buffers);
        QCOMPARE(q.allocatedFrames(), 6u); // the producer has nowhere to write: starvation
    }
    void memoryTypesMapToModes()
    {
        QCOMPARE(modeOfMemory(kMemoryMmap), KsAllocatorMode_Kernel);
        QCOMPARE(modeOfMemory(kMemoryUserPtr), KsAllocatorMode_User);
        QCOMPARE(modeOfMemory(kMemoryDmaBuf), KsAllocatorMode_User);
        QCOMPARE(memoryName(kMemoryDmaBuf), std::string_view("dmabuf"));
        const QueueStatus q = summarizeQueue({{kBufFlagQueued, kMemoryUserPtr, 100, 0}});
        QCOMPARE(q.mode, KsAllocatorMode_User);
    }
    void sequenceGapsAreDrops()
    {
        SequenceTracker t;
        QCOMPARE(t.feed(10), std::uint64_t{0});
        QCOMPARE(t.feed(11), std::uint64_t{0});
        QCOMPARE(t.feed(14), std::uint64_t{2});
        QCOMPARE(t.feed(13), std::uint64_t{0}); // out of order: not a drop
        QCOMPARE(t.feed(15), std::uint64_t{0});
        QCOMPARE(t.dropped(), std::uint64_t{2});
    }
};

QTEST_GUILESS_MAIN(TestMediaGraph)
#include "tst_mediagraph.moc"
