// SPDX-License-Identifier: GPL-3.0-or-later
// Reports of a long recording: one hour at 100 Hz over 16 allocators (5.76 million samples), made once with the
// Recorder and kept in the build folder. The report (statistics, occupancy, percentiles) and its HTML and JSON
// documents are timed; the goal is under 5 s for the report.

#include "ksscope/report.h"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

using namespace ksscope;

namespace {

constexpr int kAllocators = 16;
constexpr int kRateHz = 100;
constexpr int kSeconds = 3600;

Topology topology()
{
    Topology t;
    for (int i = 0; i < kAllocators; ++i) {
        FilterInfo f;
        f.id = "sim:cam" + std::to_string(i);
        f.name = "Camera " + std::to_string(i);
        f.backend = "sim";
        f.kind = "capture";
        PinInfo p;
        p.id = f.id + "/out";
        p.name = "Capture";
        p.allocatorId = p.id + "/allocator";
        f.pins.push_back(p);
        t.filters.push_back(f);
        AllocatorInfo a;
        a.id = p.allocatorId;
        a.status.Framing.Frames = 4;
        a.status.Framing.FrameSize = 614400;
        a.framePeriodSeconds = 1.0 / 30;
        a.pinIds = {p.id};
        t.allocators.push_back(a);
    }
    return t;
}

/// The one-hour recording, written once (about a minute) and reused.
const std::string& recordingPath()
{
    static const std::string path = [] {
        const std::string file = KSSCOPE_BENCH_DATA_DIR "/one-hour-16x100Hz.ksrec";
        Status status;
        if (auto existing = Recording::open(file, status); existing && existing->info().closedCleanly)
            return file;
        std::filesystem::remove(file);
        Recorder::Options options;
        options.path = file;
        options.rateHz = kRateHz;
        options.backends = {"sim"};
        options.maxQueuedSamples = std::size_t{1} << 26;
        auto recorder = Recorder::create(options, topology(), status);
        if (!recorder)
            return std::string();
        std::vector<std::string> ids;
        for (int i = 0; i < kAllocators; ++i)
            ids.push_back("sim:cam" + std::to_string(i) + "/out/allocator");
        SampleBatch batch;
        std::uint64_t delivered = 0;
        for (int tick = 0; tick < kSeconds * kRateHz; ++tick) {
            const std::int64_t t = static_cast<std::int64_t>(tick) * 1'000'000'000 / kRateHz;
            for (std::uint32_t a = 0; a < kAllocators; ++a) {
                // a busy queue with a short starvation every 10 s on every other allocator
                const bool starve = a % 2 == 0 && tick % 1000 < 10;
                const auto allocated = starve ? 4u : (static_cast<std::uint32_t>(tick) + a) % 4u;
                batch.samples.push_back({a, 614400, {t, allocated, 4}, KsAllocatorMode_Kernel, 0, delivered});
            }
            delivered += tick % 3 == 0 ? 0 : 1;
            if (batch.samples.size() >= 64 * 1024) {
                recorder->add(batch, ids);
                batch.samples.clear();
            }
        }
        recorder->add(batch, ids);
        if (!recorder->finish(static_cast<std::int64_t>(kSeconds) * 1'000'000'000))
            return std::string();
        return file;
    }();
    return path;
}

/// The one-hour recording, opened; nullptr (and the benchmark skipped, saying why) when it cannot be.
std::unique_ptr<Recording> openOneHour(benchmark::State& state)
{
    const std::string& path = recordingPath();
    if (path.empty()) {
        state.SkipWithError("could not write the one-hour recording");
        return nullptr;
    }
    Status status;
    auto recording = Recording::open(path, status);
    if (!recording)
        state.SkipWithError(status.toString().c_str());
    return recording;
}

void BM_ReportOneHour16Allocators(benchmark::State& state)
{
    auto recording = openOneHour(state);
    if (!recording)
        return;
    std::uint64_t samples = 0;
    for (auto _ : state) {
        Report report;
        const Status status = buildReport(*recording, {}, report);
        if (!status) {
            state.SkipWithError(status.toString().c_str());
            return;
        }
        samples = report.samples;
        benchmark::DoNotOptimize(report);
    }
    state.counters["samples"] = static_cast<double>(samples);
    state.counters["samplesPerSecond"] =
        benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["fileMiB"] = static_cast<double>(std::filesystem::file_size(recordingPath())) / (1024.0 * 1024.0);
}
BENCHMARK(BM_ReportOneHour16Allocators)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void BM_ReportDocumentsOneHour(benchmark::State& state)
{
    auto recording = openOneHour(state);
    if (!recording)
        return;
    Report report;
    if (!buildReport(*recording, {}, report)) {
        state.SkipWithError("report failed");
        return;
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string html = reportToHtml(report);
        const std::string json = reportToJson(report);
        bytes = html.size() + json.size();
        benchmark::DoNotOptimize(bytes);
    }
    state.counters["htmlAndJsonKiB"] = static_cast<double>(bytes) / 1024.0;
}
BENCHMARK(BM_ReportDocumentsOneHour)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
