// SPDX-License-Identifier: GPL-3.0-or-later
// ksscope-bench: cost of the sampler's building blocks and of sampling 64 live simulated allocators.

#include "ksscope/allocator.h"
#include "ksscope/backend.h"
#include "ksscope/frames.h"
#include "ksscope/history.h"
#include "ksscope/monitor.h"
#include "ksscope/recording.h"
#include "v4l2/trace_decoder.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

using namespace ksscope;

namespace {

ComPtr<KsMemAllocator> committedAllocator()
{
    auto a = KsMemAllocator::create();
    const ALLOCATOR_PROPERTIES request{2, 153600, 1, 0};
    ALLOCATOR_PROPERTIES actual;
    a->SetProperties(&request, &actual);
    a->Commit();
    return a;
}

/// One KsGetAllocatorStatus call, the unit of work of the sampler.
void BM_KsGetAllocatorStatus(benchmark::State& state)
{
    auto a = committedAllocator();
    KSSTREAMALLOCATOR_STATUS status;
    for (auto _ : state) {
        a->KsGetAllocatorStatus(&status);
        benchmark::DoNotOptimize(status);
    }
}
BENCHMARK(BM_KsGetAllocatorStatus);

/// One status sample through a simulated backend's probe (status + mode + counters).
void BM_ProbeRead(benchmark::State& state)
{
    Session session;
    session.open({"sim"}, {});
    auto probe = session.probe("sim:avshws/pin0/allocator");
    AllocatorReading reading;
    for (auto _ : state) {
        probe->read(reading);
        benchmark::DoNotOptimize(reading);
    }
}
BENCHMARK(BM_ProbeRead);

/// One append to a full history ring.
void BM_HistoryAppend(benchmark::State& state)
{
    SampleHistory history(static_cast<std::size_t>(state.range(0)));
    std::int64_t t = 0;
    for (auto _ : state) {
        history.append({t, static_cast<std::uint32_t>(t & 3), 4});
        t += 10'000'000;
    }
    benchmark::DoNotOptimize(history.size());
    state.counters["bytes_per_sample"] =
        static_cast<double>(history.allocatedBytes()) / static_cast<double>(history.size());
}
BENCHMARK(BM_HistoryAppend)->Arg(60'000)->Arg(6'000'000);

/// A 10 s window query (1000 samples at 100 Hz) in a history of range(0) samples.
void BM_WindowQuery(benchmark::State& state)
{
    const auto n = static_cast<std::size_t>(state.range(0));
    SampleHistory history(n);
    for (std::size_t i = 0; i < n; ++i)
        history.append({static_cast<std::int64_t>(i) * 10'000'000, static_cast<std::uint32_t>(i & 3), 4});
    std::vector<Sample> out;
    out.reserve(2000);
    const std::int64_t end = static_cast<std::int64_t>(n) * 10'000'000;
    for (auto _ : state) {
        out.clear();
        history.window(end / 2, end / 2 + 10'000'000'000, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["samples_returned"] = static_cast<double>(out.size());
}
BENCHMARK(BM_WindowQuery)->Arg(60'000)->Arg(6'000'000);

/// The whole retained history of range(0) samples summarised into 1600 pixel columns (what a graph replot asks).
void BM_Decimate1600Columns(benchmark::State& state)
{
    const auto n = static_cast<std::size_t>(state.range(0));
    SampleHistory history(n);
    for (std::size_t i = 0; i < n; ++i)
        history.append({static_cast<std::int64_t>(i) * 1'000'000, static_cast<std::uint32_t>(i % 7), 8});
    std::vector<ColumnSummary> out;
    out.reserve(1600);
    for (auto _ : state) {
        out.clear();
        history.decimate(0, static_cast<std::int64_t>(n) * 1'000'000, 1600, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["columns"] = static_cast<double>(out.size());
}
BENCHMARK(BM_Decimate1600Columns)->Arg(10'000)->Arg(10'000'000)->Unit(benchmark::kMicrosecond);

/// The event path alone: buffer transitions -> frame records -> statistics. A stream of 64 queues of 4 buffers each,
/// each frame handed to the driver, filled, dequeued and given back (4 transitions), one frame in 100 dropped. Reports
/// transitions per second on one core (goal: a million).
void BM_FrameEvents(benchmark::State& state)
{
    constexpr std::uint32_t kQueues = 64;
    constexpr std::uint32_t kBuffers = 4;
    std::vector<FrameTracker> trackers;
    std::vector<FrameStats> stats(kQueues);
    for (std::uint32_t q = 0; q < kQueues; ++q)
        trackers.emplace_back(q);
    std::vector<FrameRecord> frames;
    std::vector<DroppedFrames> drops;
    std::uint32_t sequence = 0;
    std::int64_t t = 0;
    std::uint64_t transitions = 0;
    for (auto _ : state) {
        for (std::uint32_t q = 0; q < kQueues; ++q) {
            BufferEvent e;
            e.allocator = q;
            e.buffer = sequence % kBuffers;
            e.sequence = sequence;
            e.timestamp_ns = t;
            e.pid = 42;
            for (const BufferTransition transition : {BufferTransition::DriverOwned, BufferTransition::Done,
                                                      BufferTransition::Dequeued, BufferTransition::Queued}) {
                e.transition = transition;
                e.t_ns = t += 1000;
                trackers[q].apply(e, frames, drops);
            }
            transitions += 4;
            for (const FrameRecord& f : frames)
                stats[q].add(f);
            frames.clear();
        }
        sequence += sequence % 100 == 98 ? 2 : 1;
        drops.clear();
    }
    benchmark::DoNotOptimize(stats.data());
    state.counters["transitions_per_s"] =
        benchmark::Counter(static_cast<double>(transitions), benchmark::Counter::kIsRate);
    state.counters["dropped"] = static_cast<double>(stats[0].dropped);
}
BENCHMARK(BM_FrameEvents);

/// The event path of the v4l2 backend alone: raw tracepoint records (as the trace reader decodes them from the ring)
/// through the TraceDecoder's pairing, each queue's FrameTracker and FrameStats. 64 queues of 4 buffers, each frame
/// six records (vb2_qbuf, vb2_buf_queue, v4l2_qbuf, vb2_buf_done, vb2_dqbuf, v4l2_dqbuf) and four transitions, one
/// frame in 100 dropped. Reports transitions and records per second on one core (goal: a million transitions).
void BM_TraceEventPath(benchmark::State& state)
{
    using v4l2::TraceKind;
    using v4l2::TraceRecord;
    constexpr std::uint32_t kQueues = 64;
    constexpr std::uint32_t kBuffers = 4;
    constexpr std::uint32_t kFrames = 256; // per queue, per pass
    std::vector<TraceRecord> records;
    std::int64_t t = 0;
    for (std::uint32_t f = 0; f < kFrames; ++f) {
        const std::uint32_t sequence = f + f / 99; // one in 100 never comes
        for (std::uint32_t q = 0; q < kQueues; ++q) {
            const std::uint64_t owner = 0xffff888000000000 + q * 0x1000;
            const auto pid = static_cast<std::int32_t>(1000 + q);
            const std::uint32_t index = f % kBuffers;
            const auto rec = [&](TraceKind kind, std::int32_t who) {
                TraceRecord r;
                r.t_ns = t += 500;
                r.kind = kind;
                r.pid = who;
                r.owner = owner;
                r.minor = static_cast<std::int32_t>(q);
                r.index = index;
                r.bytesUsed = 460800;
                r.sequence = sequence;
                r.timestamp_ns = t;
                records.push_back(r);
            };
            rec(TraceKind::Vb2Qbuf, pid);
            rec(TraceKind::Vb2BufQueue, pid);
            rec(TraceKind::V4l2Qbuf, pid);
            rec(TraceKind::Vb2BufDone, 7);
            rec(TraceKind::Vb2Dqbuf, pid);
            rec(TraceKind::V4l2Dqbuf, pid);
        }
    }
    v4l2::TraceDecoder decoder;
    std::vector<FrameTracker> trackers;
    std::vector<FrameStats> stats(kQueues);
    for (std::uint32_t q = 0; q < kQueues; ++q) {
        decoder.watch(static_cast<std::int32_t>(q), q);
        trackers.emplace_back(q);
    }
    std::vector<BufferEvent> events;
    std::vector<FrameRecord> frames;
    std::vector<DroppedFrames> drops;
    std::uint64_t transitions = 0;
    std::uint64_t fed = 0;
    for (auto _ : state) {
        events.clear();
        for (const TraceRecord& r : records)
            decoder.feed(r, events);
        fed += records.size();
        for (const BufferEvent& e : events)
            trackers[e.allocator].apply(e, frames, drops);
        transitions += events.size();
        for (const FrameRecord& f : frames)
            stats[f.allocator].add(f);
        frames.clear();
        drops.clear();
    }
    benchmark::DoNotOptimize(stats.data());
    state.counters["transitions_per_s"] =
        benchmark::Counter(static_cast<double>(transitions), benchmark::Counter::kIsRate);
    state.counters["records_per_s"] = benchmark::Counter(static_cast<double>(fed), benchmark::Counter::kIsRate);
    state.counters["frames"] = static_cast<double>(stats[0].frames);
    state.counters["dropped"] = static_cast<double>(stats[0].dropped);
}
BENCHMARK(BM_TraceEventPath);

/// The sampler at 1000 Hz over the 64 allocators of load64.json for range(0) seconds, with every frame followed as
/// it moves (range(1) = 0, the default) or the allocators polled (1): reports the sampler thread's CPU as a
/// percentage of one core.
void BM_Sampler64At1kHz(benchmark::State& state)
{
    for (auto _ : state) {
        Session session;
        Monitor::Options options;
        options.rateHz = 1000;
        Monitor monitor(options);
        BackendOptions backendOptions{{"scenario", KSSCOPE_SCENARIO_DIR "/load64.json"}};
        if (state.range(1) == 1)
            backendOptions.set("sim-events", "poll");
        session.open({"sim"}, backendOptions, monitor.eventSink());
        session.start();
        monitor.start(session);
        std::this_thread::sleep_for(std::chrono::seconds(state.range(0)));
        monitor.stop();
        const SamplerStats s = monitor.samplerStats();
        state.counters["allocators"] = static_cast<double>(monitor.allocatorIds().size());
        state.counters["sampler_cpu_percent"] = 100.0 * s.cpuSeconds / s.wallSeconds;
        state.counters["samples_per_s"] = static_cast<double>(s.samples) / s.wallSeconds;
        state.counters["sampling_cpu_percent"] = 100.0 * s.busyCpuSeconds / s.wallSeconds;
        state.counters["cpu_us_per_tick"] = 1e6 * s.cpuSeconds / static_cast<double>(s.ticks);
        state.counters["late_ticks"] = static_cast<double>(s.lateTicks);
    }
}
BENCHMARK(BM_Sampler64At1kHz)->Args({10, 0})->Args({10, 1})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

/// The same 64 allocators followed frame by frame with the monitor ticking range(1) times a second: every frame and
/// every occupancy change is still seen (exact), only handed over less often. Reports the sampler's CPU and the
/// frames seen per second.
void BM_Sampler64Followed(benchmark::State& state)
{
    for (auto _ : state) {
        Session session;
        Monitor::Options options;
        options.rateHz = static_cast<double>(state.range(1));
        Monitor monitor(options);
        session.open({"sim"}, BackendOptions{{"scenario", KSSCOPE_SCENARIO_DIR "/load64.json"}}, monitor.eventSink());
        session.start();
        monitor.start(session);
        std::uint64_t frames = 0;
        Monitor::Batch batch;
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(state.range(0));
        while (std::chrono::steady_clock::now() < end) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            monitor.takeNew(batch);
            frames += batch.frames.size();
        }
        monitor.stop();
        monitor.takeNew(batch);
        frames += batch.frames.size();
        const SamplerStats s = monitor.samplerStats();
        state.counters["sampler_cpu_percent"] = 100.0 * s.cpuSeconds / s.wallSeconds;
        state.counters["frames_per_s"] = static_cast<double>(frames) / s.wallSeconds;
        state.counters["samples_per_s"] = static_cast<double>(s.samples) / s.wallSeconds;
    }
}
BENCHMARK(BM_Sampler64Followed)
    ->Args({10, 50})
    ->Args({10, 1000})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

/// A scenario of \a count cameras like those of load64.json (30 fps, 4 frames, a consumer holding each frame 5 ms),
/// in the temporary folder.
std::string writeCameras(int count)
{
    std::string text = R"({"ksscopeScenario": 1, "name": "scale", "seed": 1, "filters": [)";
    for (int i = 0; i < count; ++i) {
        const std::string id = std::to_string(i);
        text += (i ? "," : "") + std::string(R"({"id": "cam)") + id + R"(", "name": "Camera )" + id +
                R"(", "kind": "capture", "pins": [{"id": "pin0", "direction": "out", "format": {"type": "video",
                "subtype": "YUY2", "width": 320, "height": 240, "bitCount": 16, "avgTimePerFrame": 333667},
                "framing": {"frames": 4, "frameSize": 153600, "mode": "kernel"}, "fillMs": 1,
                "consumer": {"costMs": 5, "jitterMs": 5}}]})";
    }
    text += "]}";
    const auto path =
        std::filesystem::temp_directory_path() / ("ksscope-bench-scale-" + std::to_string(getpid()) + ".json");
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file) {
        std::fputs(text.c_str(), file);
        std::fclose(file);
    }
    return path.string();
}

double processCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

/// The sampler at 100 Hz over range(0) simulated cameras for 3 s, streaming (range(1) 1: two simulator threads
/// each) or idle (0: the sampler's own cost of that many allocators). Reports the ticks it kept up with, the late
/// ticks it skipped, its CPU and the whole process's (the simulator included). Past what the simulator can stream
/// the benchmark reports the refusal.
void BM_SamplerScale(benchmark::State& state)
{
    const int cameras = static_cast<int>(state.range(0));
    const bool streaming = state.range(1) != 0;
    const std::string scenario = writeCameras(cameras);
    for (auto _ : state) {
        Session session;
        Monitor::Options options;
        options.rateHz = 100;
        options.windowSeconds = 10;
        Monitor monitor(options);
        Status status = session.open({"sim"}, BackendOptions{{"scenario", scenario}}, monitor.eventSink());
        if (status && streaming)
            status = session.start();
        if (!status) {
            state.SkipWithError(status.message().c_str());
            break;
        }
        const double cpuBefore = processCpuSeconds();
        monitor.start(session);
        std::this_thread::sleep_for(std::chrono::seconds(3));
        monitor.stop();
        const double processCpu = processCpuSeconds() - cpuBefore;
        session.close();
        const SamplerStats s = monitor.samplerStats();
        state.counters["allocators"] = static_cast<double>(monitor.allocatorIds().size());
        state.counters["ticks_per_s"] = static_cast<double>(s.ticks) / s.wallSeconds;
        state.counters["late_ticks"] = static_cast<double>(s.lateTicks);
        state.counters["sampler_cpu_percent"] = 100.0 * s.cpuSeconds / s.wallSeconds;
        state.counters["sampler_us_per_tick"] =
            1e6 * s.busyCpuSeconds / static_cast<double>(std::max<std::uint64_t>(1, s.ticks));
        state.counters["process_cpu_percent"] = 100.0 * processCpu / s.wallSeconds;
    }
    std::filesystem::remove(scenario);
}
BENCHMARK(BM_SamplerScale)
    ->ArgsProduct({{64, 128, 256, 512, 600}, {1}})
    ->ArgsProduct({{1000, 2000, 4000}, {0}})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

/// The floor: a thread that only wakes up 1000 times a second, as the sampler does, and samples nothing.
void BM_WakeupFloor1kHz(benchmark::State& state)
{
    for (auto _ : state) {
        const double before = threadCpuSeconds();
        auto next = std::chrono::steady_clock::now();
        const auto end = next + std::chrono::seconds(state.range(0));
        while (next < end) {
            next += std::chrono::milliseconds(1);
            std::this_thread::sleep_until(next);
        }
        state.counters["cpu_percent"] = 100.0 * (threadCpuSeconds() - before) / static_cast<double>(state.range(0));
    }
}
BENCHMARK(BM_WakeupFloor1kHz)->Arg(3)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

/// Recording the 64 allocators of load64.json at 1000 Hz with per-buffer states for range(0) seconds, as
/// `ksscope-cli watch --record` does (the monitor drained every 20 ms into the recorder, which commits from its
/// writer thread every 250 ms). Reports what was recorded per second, what was lost (samples the monitor or the
/// recorder dropped, plus 64 per late tick), the writer thread's CPU, the file's bytes per sample and the
/// longest commit.
void BM_Record64At1kHz(benchmark::State& state)
{
    namespace fs = std::filesystem;
    const std::string path =
        (fs::temp_directory_path() / ("ksscope-bench-record-" + std::to_string(getpid()) + ".ksrec")).string();
    for (auto _ : state) {
        Session session;
        Monitor::Options options;
        options.rateHz = 1000;
        Monitor monitor(options);
        const std::string scenario = KSSCOPE_SCENARIO_DIR "/load64.json";
        if (Status s = session.open({"sim"}, BackendOptions{{"scenario", scenario}}, monitor.eventSink()); !s) {
            state.SkipWithError(s.message().c_str());
            break;
        }
        Recorder::Options ro;
        ro.path = path;
        ro.backends = {"sim"};
        ro.scenario = scenario;
        ro.command = "ksscope-bench BM_Record64At1kHz";
        ro.rateHz = options.rateHz;
        ro.overwrite = true;
        Status status;
        auto recorder = Recorder::create(ro, session.topology(), status);
        if (!recorder) {
            state.SkipWithError(status.message().c_str());
            break;
        }
        monitor.setRecordBuffers(true);
        session.start();
        monitor.start(session);

        Monitor::Batch batch;
        std::vector<std::string> ids;
        std::uint64_t monitorLost = 0;
        auto drain = [&] {
            monitor.takeNew(batch);
            monitorLost += batch.lostSamples;
            if (batch.samples.empty() && batch.events.empty() && batch.bufferChanges.empty())
                return;
            if (ids.size() != monitor.allocatorCount())
                ids = monitor.allocatorIds();
            recorder->add(batch, ids);
        };
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(state.range(0));
        while (std::chrono::steady_clock::now() < end) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            drain();
        }
        monitor.stop();
        drain();
        const std::int64_t end_ns = monitor.now_ns();
        session.close();
        const auto finishBegin = std::chrono::steady_clock::now();
        if (Status s = recorder->finish(end_ns); !s) {
            state.SkipWithError(s.message().c_str());
            break;
        }
        const double finishMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - finishBegin).count();
        const RecorderStats r = recorder->stats();
        const SamplerStats s = monitor.samplerStats();
        const double wall = s.wallSeconds;
        const auto allocators = static_cast<double>(monitor.allocatorCount());
        state.counters["allocators"] = allocators;
        state.counters["samples_taken"] = static_cast<double>(s.samples);
        state.counters["samples_recorded"] = static_cast<double>(r.samples);
        state.counters["recorded_per_s"] = static_cast<double>(r.samples) / wall;
        state.counters["buffer_changes_per_s"] = static_cast<double>(r.bufferChanges) / wall;
        state.counters["lost_samples"] =
            static_cast<double>(monitorLost + r.lostSamples) + static_cast<double>(s.lateTicks) * allocators;
        state.counters["late_ticks"] = static_cast<double>(s.lateTicks);
        state.counters["writer_cpu_percent"] = 100.0 * r.writerCpuSeconds / wall;
        state.counters["sampler_cpu_percent"] = 100.0 * s.cpuSeconds / wall;
        state.counters["bytes_per_sample"] =
            r.samples ? static_cast<double>(r.fileBytes) / static_cast<double>(r.samples) : 0.0;
        state.counters["longest_commit_ms"] = r.longestCommitMs;
        state.counters["commits"] = static_cast<double>(r.commits);
        state.counters["finish_ms"] = finishMs;
    }
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"})
        fs::remove(path + suffix, ec);
}
BENCHMARK(BM_Record64At1kHz)->Arg(5)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
