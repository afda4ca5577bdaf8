// SPDX-License-Identifier: GPL-3.0-or-later
// ksscope-bench-agent: the agent watching 1000 simulated allocators: what a /metrics scrape costs (rendering alone,
// and over HTTP on loopback as Prometheus asks for it), and what scrapes cost the sampler.

#include "ksscope/agent.h"
#include "ksscope/backend.h"
#include "ksscope/monitor.h"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <thread>
#include <unistd.h>

using namespace ksscope;

namespace {

constexpr int kAllocators = 1000;
/// Streaming cameras take two simulator threads each: the simulator streams at most 512 (SimBackend::kMaxSimThreads).
constexpr int kStreamingAllocators = 500;
const char* const kAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
                            "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// A scenario of \a count cameras with one allocator each, streaming at 30 fps, in the temporary folder.
std::string writeScenario(int count)
{
    nlohmann::json filters = nlohmann::json::array();
    for (int i = 0; i < count; ++i)
        filters.push_back({{"id", "cam" + std::to_string(i)},
                           {"name", "Camera " + std::to_string(i)},
                           {"kind", "capture"},
                           {"pins",
                            {{{"id", "pin0"},
                              {"direction", "out"},
                              {"format",
                               {{"type", "video"},
                                {"subtype", "YUY2"},
                                {"width", 320},
                                {"height", 240},
                                {"bitCount", 16},
                                {"avgTimePerFrame", 333667}}},
                              {"framing", {{"frames", 4}, {"frameSize", 153600}, {"mode", "kernel"}}},
                              {"fillMs", 1},
                              {"consumer", {{"costMs", 5}, {"jitterMs", 5}}}}}}});
    const std::string path =
        (std::filesystem::temp_directory_path() / ("ksscope-bench-agent-" + std::to_string(getpid()) + ".json"))
            .string();
    std::ofstream(path)
        << nlohmann::json{{"ksscopeScenario", 1}, {"name", "agent1000"}, {"seed", 1}, {"filters", filters}}.dump();
    return path;
}

/// 1000 idle allocators (range(0) 0) or 500 streaming ones (1) sampled at 100 Hz, served on a free loopback port.
struct Served {
    explicit Served(bool stream)
    {
        allocators = stream ? kStreamingAllocators : kAllocators;
        scenario = writeScenario(allocators);
        Monitor::Options mo;
        mo.rateHz = 100;
        mo.windowSeconds = 10;
        watch = std::make_unique<WatchSession>(mo);
        monitor = watch->monitor();
        status = watch->open({"sim"}, BackendOptions{{"scenario", scenario}});
        if (!status)
            return;
        if (stream && !(status = watch->startDevices()))
            return;
        status = watch->startSampling();
        if (!status)
            return;
        agent::AgentOptions options;
        options.listen = "127.0.0.1:0";
        options.requestsPerSecond = 1e6;
        server = std::make_unique<agent::Agent>(*watch, options);
        status = server->start();
        std::this_thread::sleep_for(std::chrono::milliseconds(500)); // the first samples are in
    }
    ~Served()
    {
        if (server)
            server->stop();
        SampleBatch last;
        (void)watch->finish(last);
        std::filesystem::remove(scenario);
    }
    Served(const Served&) = delete;
    Served& operator=(const Served&) = delete;

    int allocators = 0;
    std::string scenario;
    std::unique_ptr<WatchSession> watch;
    std::shared_ptr<Monitor> monitor;
    std::unique_ptr<agent::Agent> server;
    Status status;
};

/// Rendering the /metrics document of 1000 allocators (OpenMetrics), without HTTP.
void BM_RenderMetrics1000(benchmark::State& state)
{
    Served served(state.range(0) != 0);
    if (!served.status) {
        state.SkipWithError(served.status.message().c_str());
        return;
    }
    std::size_t bytes = 0;
    for (auto _ : state) {
        const std::string text = served.server->metrics(agent::MetricsFormat::OpenMetrics);
        bytes = text.size();
        benchmark::DoNotOptimize(text.data());
    }
    state.counters["bytes"] = static_cast<double>(bytes);
    state.counters["allocators"] = served.allocators;
}
BENCHMARK(BM_RenderMetrics1000)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

/// A scrape of 1000 allocators over HTTP on loopback, as Prometheus asks for it (a new connection each time).
void BM_Scrape1000(benchmark::State& state)
{
    Served served(state.range(0) != 0);
    if (!served.status) {
        state.SkipWithError(served.status.message().c_str());
        return;
    }
    double worstMs = 0.0;
    std::size_t bytes = 0;
    for (auto _ : state) {
        const auto begin = std::chrono::steady_clock::now();
        httplib::Client client("127.0.0.1", served.server->address().port);
        const auto result = client.Get("/metrics", {{"Accept", kAccept}});
        if (!result || result->status != 200) {
            state.SkipWithError("the scrape failed");
            break;
        }
        bytes = result->body.size();
        worstMs = std::max(worstMs,
                           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count());
    }
    state.counters["bytes"] = static_cast<double>(bytes);
    state.counters["worst_ms"] = worstMs;
}
BENCHMARK(BM_Scrape1000)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(100);

/// What scrapes cost the sampler: 1000 allocators (idle: range(1) 0; streaming at 30 fps: 1, which loads two cores
/// with their 2000 producer and consumer threads) at 100 Hz for range(0) seconds without scrapes, then as long
/// with 10 scrapes a second (150 times what a 15 s scrape interval asks). Reports the sampler's CPU per tick
/// (wake-up to end of tick) and the ticks it had to skip, in each phase.
void BM_SamplerCostOfScrapes1000(benchmark::State& state)
{
    for (auto _ : state) {
        Served served(state.range(1) != 0);
        if (!served.status) {
            state.SkipWithError(served.status.message().c_str());
            break;
        }
        const auto seconds = std::chrono::seconds(state.range(0));
        auto phase = [&](bool scrape, double& busyUsPerTick, double& lateShare) {
            const SamplerStats before = served.monitor->samplerStats();
            const auto end = std::chrono::steady_clock::now() + seconds;
            httplib::Client client("127.0.0.1", served.server->address().port);
            while (std::chrono::steady_clock::now() < end) {
                if (scrape)
                    client.Get("/metrics", {{"Accept", kAccept}});
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            const SamplerStats after = served.monitor->samplerStats();
            const double ticks = static_cast<double>(after.ticks - before.ticks);
            const double late = static_cast<double>(after.lateTicks - before.lateTicks);
            busyUsPerTick = ticks > 0 ? 1e6 * (after.busyCpuSeconds - before.busyCpuSeconds) / ticks : 0.0;
            lateShare = ticks + late > 0 ? late / (ticks + late) : 0.0;
        };
        double idleUs = 0;
        double idleLate = 0;
        double scrapedUs = 0;
        double scrapedLate = 0;
        phase(false, idleUs, idleLate);
        phase(true, scrapedUs, scrapedLate);
        state.counters["tick_us_no_scrapes"] = idleUs;
        state.counters["tick_us_10_scrapes_per_s"] = scrapedUs;
        state.counters["late_no_scrapes"] = idleLate;
        state.counters["late_10_scrapes_per_s"] = scrapedLate;
        state.counters["scrapes"] = static_cast<double>(served.server->stats().scrapes);
    }
}
BENCHMARK(BM_SamplerCostOfScrapes1000)
    ->Args({10, 0})
    ->Args({10, 1})
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

} // namespace

BENCHMARK_MAIN();
