// SPDX-License-Identifier: GPL-3.0-or-later
// PipeWire's parameters as the pipewire backend reads them, with pods built here as a daemon's ports list them: each
// field of a Buffers param, the buffers two ports agree on, formats, and the profiler's records.

#include "pipewire/pipewire_params.h"

#include <QTest>

#include <spa/param/buffers.h>
#include <spa/param/profiler.h>
#include <spa/param/video/format-utils.h>
#include <spa/pod/builder.h>

using namespace ksscope;
using namespace ksscope::pipewire;

namespace {

using Pod = std::vector<std::uint8_t>;

Pod copy(const spa_pod* pod)
{
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(pod);
    return Pod(bytes, bytes + SPA_POD_SIZE(pod));
}

/// A Buffers param as pipewiresink's and pipewiresrc's ports list it: buffers and size as ranges with defaults.
Pod buffersParam(int buffersDefault, int buffersMin, int buffersMax, int sizeDefault, int sizeMin, int blocks = -1)
{
    std::uint8_t buffer[1024];
    spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
    spa_pod_frame f;
    spa_pod_builder_push_object(&b, &f, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers);
    spa_pod_builder_add(&b, SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(buffersDefault, buffersMin, buffersMax),
                        0);
    if (blocks >= 0)
        spa_pod_builder_add(&b, SPA_PARAM_BUFFERS_blocks, SPA_POD_CHOICE_RANGE_Int(blocks, 1, INT32_MAX), 0);
    spa_pod_builder_add(&b, SPA_PARAM_BUFFERS_size, SPA_POD_CHOICE_RANGE_Int(sizeDefault, sizeMin, INT32_MAX),
                        SPA_PARAM_BUFFERS_stride, SPA_POD_CHOICE_RANGE_Int(0, 0, INT32_MAX), 0);
    return copy(static_cast<const spa_pod*>(spa_pod_builder_pop(&b, &f)));
}

} // namespace

class TestPipewireParams : public QObject {
    Q_OBJECT
private slots:
    void buffersFieldsAsPwDumpShowsThem()
    {
        const Pod pod = buffersParam(8, 2, 64, 614400, 614400);
        const auto p = readBuffersParam(reinterpret_cast<const spa_pod*>(pod.data()));
        QVERIFY(p.has_value());
        QVERIFY(p->buffers.present);
        QCOMPARE(p->buffers.kind, IntChoice::Kind::Range);
        QCOMPARE(p->buffers.value, std::int64_t{8});
        QCOMPARE(p->buffers.min, std::int64_t{2});
        QCOMPARE(p->buffers.max, std::int64_t{64});
        QCOMPARE(p->buffers.toString(), std::string("8 (2 to 64)"));
        QCOMPARE(p->size.value, std::int64_t{614400});
        QVERIFY(!p->blocks.present);
        QVERIFY(!p->align.present);
        QVERIFY(!readBuffersParam(nullptr).has_value());
    }

    /// The daemon's rule: the filtering port's default within both ranges, no more than link.max-buffers. The
    /// input filters unless the output's node drives (pipewiresink's does: pipewiresrc's 16 then win over its 8).
    void twoPortsAgreeAsTheDaemonAllocates()
    {
        const std::vector<Pod> sink{buffersParam(8, 8, INT32_MAX, 614400, 614400)};
        const std::vector<Pod> src{buffersParam(16, 8, INT32_MAX, 0, 0, 0)};
        const Negotiated driving = negotiateBuffers(sink, src, true, 64, 32);
        QVERIFY2(driving.agreed, driving.reason.c_str());
        QCOMPARE(driving.buffers, 16u);
        QCOMPARE(driving.size, 614400u);
        QCOMPARE(driving.blocks, 1u);
        QCOMPARE(driving.align, 32u);
        const Negotiated following = negotiateBuffers(sink, src, false, 64, 32);
        QCOMPARE(following.buffers, 8u);
        QCOMPARE(following.size, 614400u);
        // link.max-buffers caps the count; a port without params takes the other's
        QCOMPARE(negotiateBuffers({buffersParam(128, 2, 256, 100, 100)}, {}, false, 64, 32).buffers, 64u);
        QCOMPARE(negotiateBuffers({}, {buffersParam(6, 2, 256, 100, 100)}, false, 64, 32).buffers, 6u);
    }

    void portsThatDoNotAgreeAreNamed()
    {
        const auto fixed = [](int buffers) {
            std::uint8_t buffer[256];
            spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
            return copy(static_cast<const spa_pod*>(spa_pod_builder_add_object(
                &b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers, SPA_PARAM_BUFFERS_buffers, SPA_POD_Int(buffers))));
        };
        const Negotiated n = negotiateBuffers({fixed(4)}, {fixed(16)}, false, 64, 32);
        QVERIFY(!n.agreed);
        QVERIFY2(n.reason.find("do not agree") != std::string::npos, n.reason.c_str());
        QCOMPARE(negotiateBuffers({fixed(4)}, {fixed(4)}, false, 64, 32).buffers, 4u);
        const Negotiated none = negotiateBuffers({}, {}, false, 64, 32);
        QVERIFY(!none.agreed);
        QVERIFY2(none.reason.find("neither port") != std::string::npos, none.reason.c_str());
    }

    void videoFormatAsMediaFormat()
    {
        std::uint8_t buffer[1024];
        spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
        spa_video_info_raw info{};
        info.format = SPA_VIDEO_FORMAT_YUY2;
        info.size = SPA_RECTANGLE(320, 240);
        info.framerate = SPA_FRACTION(30, 1);
        const spa_pod* pod = spa_format_video_raw_build(&b, SPA_PARAM_Format, &info);
        const auto f = readFormat(pod);
        QVERIFY(f.has_value());
        QCOMPARE(f->majorType, std::string("video"));
        QCOMPARE(f->subtype, std::string("YUY2"));
        QCOMPARE(f->width, 320u);
        QCOMPARE(f->height, 240u);
        QCOMPARE(f->avgTimePerFrame, REFERENCE_TIME{333333});
    }

    /// A profiler record as the daemon's profiler module writes one: info, clock, the driver's block, a follower's.
    void profilerRecordsAsPwTopReadsThem()
    {
        std::uint8_t buffer[4096];
        spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof buffer);
        spa_pod_frame outer;
        spa_pod_frame object;
        spa_fraction rate = SPA_FRACTION(1, 48000);
        spa_fraction driverLatency = SPA_FRACTION(1024, 48000);
        spa_fraction followerLatency = SPA_FRACTION(1, 30);
        spa_pod_builder_push_struct(&b, &outer);
        spa_pod_builder_push_object(&b, &object, SPA_TYPE_OBJECT_Profiler, 0);
        spa_pod_builder_prop(&b, SPA_PROFILER_info, 0);
        spa_pod_builder_add_struct(&b, SPA_POD_Long(1234), SPA_POD_Float(0.1), SPA_POD_Float(0.2), SPA_POD_Float(0.3),
                                   SPA_POD_Int(2));
        spa_pod_builder_prop(&b, SPA_PROFILER_clock, 0);
        spa_pod_builder_add_struct(&b, SPA_POD_Int(0), SPA_POD_Int(28), SPA_POD_String("clock.system.monotonic"),
                                   SPA_POD_Long(1000), SPA_POD_Fraction(&rate), SPA_POD_Long(5), SPA_POD_Long(1024),
                                   SPA_POD_Long(0), SPA_POD_Double(1.0), SPA_POD_Long(2000));
        spa_pod_builder_prop(&b, SPA_PROFILER_driverBlock, 0);
        spa_pod_builder_add_struct(&b, SPA_POD_Int(28), SPA_POD_String("Dummy-Driver"), SPA_POD_Long(0),
                                   SPA_POD_Long(100), SPA_POD_Long(150), SPA_POD_Long(400), SPA_POD_Int(3),
                                   SPA_POD_Fraction(&driverLatency));
        spa_pod_builder_prop(&b, SPA_PROFILER_followerBlock, 0);
        spa_pod_builder_add_struct(&b, SPA_POD_Int(36), SPA_POD_String("src"), SPA_POD_Long(0), SPA_POD_Long(110),
                                   SPA_POD_Long(130), SPA_POD_Long(330), SPA_POD_Int(1),
                                   SPA_POD_Fraction(&followerLatency));
        spa_pod_builder_pop(&b, &object);
        const auto* pod = static_cast<const spa_pod*>(spa_pod_builder_pop(&b, &outer));
        const std::vector<ProfilerPoint> points = readProfile(pod);
        QCOMPARE(points.size(), std::size_t{1});
        const ProfilerPoint& p = points[0];
        QCOMPARE(p.counter, std::int64_t{1234});
        QCOMPARE(p.xruns, 2);
        QCOMPARE(p.clockDuration, std::int64_t{1024});
        QCOMPARE(p.rateDenom, 48000u);
        QVERIFY(p.driver.has_value());
        QCOMPARE(p.driver->id, 28);
        QCOMPARE(p.driver->awake_ns - p.driver->signal_ns, std::int64_t{50});
        QCOMPARE(p.followers.size(), std::size_t{1});
        QCOMPARE(p.followers[0].name, std::string("src"));
        QCOMPARE(p.followers[0].status, 1);
        QCOMPARE(p.followers[0].latencyDenom, 30u);
        // not a struct of profiler objects: nothing, no crash
        QVERIFY(readProfile(reinterpret_cast<const spa_pod*>(buffer)).size() <= 1);
        QVERIFY(readProfile(nullptr).empty());
    }
};

QTEST_GUILESS_MAIN(TestPipewireParams)
#include "tst_pipewireparams.moc"
