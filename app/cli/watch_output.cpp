// SPDX-License-Identifier: GPL-3.0-or-later
#include "watch_output.h"

#include "ksscope/json_output.h"
#include "text_output.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

namespace ksscope::cli {

namespace {

std::string csvQuote(const std::string& text)
{
    std::string out = "\"";
    for (char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string bar(std::uint32_t allocated, std::uint32_t frames)
{
    constexpr std::uint32_t kWidth = 16;
    if (frames == 0)
        return std::string(kWidth, ' ');
    const std::uint32_t filled = std::min(kWidth, (allocated * kWidth + frames - 1) / frames);
    return std::string(filled, '#') + std::string(kWidth - filled, '.');
}

double percentOf(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0.0;
}

/// Samples and events of a batch in time order: events first when they share a time with a sample.
template <typename OnSample, typename OnEvent>
void inTimeOrder(const SampleBatch& batch, OnSample onSample, OnEvent onEvent)
{
    std::size_t e = 0;
    for (const SampleRecord& r : batch.samples) {
        while (e < batch.events.size() && batch.events[e].t_ns <= r.sample.t_ns)
            onEvent(batch.events[e++]);
        onSample(r);
    }
    for (; e < batch.events.size(); ++e)
        onEvent(batch.events[e]);
}

class QuietWriter : public WatchWriter {
public:
    void header(std::size_t, double, bool) override { }
    void batch(const std::vector<std::string>&, const SampleBatch&) override { }
    void second(std::int64_t) override { }
    void summary(const WatchSummary&) override { }
};

class TextWriter : public WatchWriter {
public:
    void header(std::size_t allocators, double rateHz, bool untilInterrupted) override
    {
        std::printf("watching %zu allocator(s) at %g Hz%s; Ctrl-C stops\n", allocators, rateHz,
                    untilInterrupted ? " until interrupted" : "");
    }
    void batch(const std::vector<std::string>& ids, const SampleBatch& batch) override
    {
        m_ids = ids;
        inTimeOrder(
            batch,
            [&](const SampleRecord& r) {
                Second& second = m_second[r.allocator];
                second.last = r.sample.allocated;
                second.max = std::max(second.max, r.sample.allocated);
                second.frames = r.sample.frames;
                second.sum += r.sample.allocated;
                ++second.count;
            },
            [](const MonitorEvent& e) {
                std::printf("%9.3fs  %-10s  %s  %s\n", static_cast<double>(e.t_ns) * 1e-9,
                            std::string(eventKindName(e.kind)).c_str(), e.id.c_str(), e.message.c_str());
            });
    }
    void second(std::int64_t t_ns) override
    {
        const double t = static_cast<double>(t_ns) * 1e-9;
        for (auto& [index, v] : m_second)
            if (index < m_ids.size())
                std::printf("%9.3fs  %-40s  now %2u/%-3u mean %5.2f  max %2u  [%s]\n", t, m_ids[index].c_str(), v.last,
                            v.frames, v.count ? v.sum / v.count : 0.0, v.max, bar(v.max, v.frames).c_str());
        m_second.clear();
    }
    void summary(const WatchSummary& s) override
    {
        const SamplerStats& sampler = s.sampler;
        if (s.replaying)
            std::printf("\nsummary over %.1f s of the recording (played in %.1f s)\n",
                        static_cast<double>(s.end.end_ns) * 1e-9, sampler.wallSeconds);
        else
            std::printf("\nsummary over %.1f s\n", sampler.wallSeconds);
        std::printf("%-48s %8s %7s %6s %6s %11s %11s %7s %7s\n", "allocator", "frames", "min", "mean", "max",
                    "starvations", "starved ms", "drops", "fps");
        for (std::size_t i = 0; i < s.ids.size(); ++i) {
            const AllocatorStats& a = s.stats[i];
            std::printf("%-48s %8u %7u %6.2f %6u %11llu %11.1f %7llu %7.2f%s\n", s.ids[i].c_str(), a.frames,
                        a.minAllocated, a.meanAllocated, a.maxAllocated,
                        static_cast<unsigned long long>(a.starvationCount), a.starvedMs,
                        static_cast<unsigned long long>(a.drops), a.framesPerSecond, a.gone ? "  (gone)" : "");
        }
        // the allocators followed frame by frame: their exact drops and the frames' timing
        bool heading = false;
        for (std::size_t i = 0; i < s.ids.size(); ++i) {
            if (i >= s.followed.size() || !s.followed[i])
                continue;
            if (!heading)
                std::printf("every frame followed (drops exact; ms p50 / p99 / max):\n");
            heading = true;
            const FrameStats& f = s.frames[i];
            std::printf("  %s: %llu frames, %llu dropped, %llu bad; interval %s, driver %s, delivery %s, hold %s\n",
                        s.ids[i].c_str(), static_cast<unsigned long long>(f.frames),
                        static_cast<unsigned long long>(f.dropped), static_cast<unsigned long long>(f.errors),
                        percentilesText(f.interval).c_str(), percentilesText(f.driverLatency).c_str(),
                        percentilesText(f.deliveryLatency).c_str(), percentilesText(f.hold).c_str());
        }
        std::printf("sampler: %llu samples in %llu ticks, CPU %.3f s (%.2f%% of one core, %.2f%% sampling, the "
                    "rest waking up)%s\n",
                    static_cast<unsigned long long>(sampler.samples), static_cast<unsigned long long>(sampler.ticks),
                    sampler.cpuSeconds, percentOf(sampler.cpuSeconds, sampler.wallSeconds),
                    percentOf(sampler.busyCpuSeconds, sampler.wallSeconds),
                    sampler.lateTicks ? (", " + std::to_string(sampler.lateTicks) + " late ticks skipped").c_str()
                                      : "");
        const RecorderStats& r = s.end.recorder;
        if (s.end.recorded && s.end.recording)
            std::printf("recorded %llu samples, %llu buffer changes and %llu events to %s: %.2f MB, %.1f bytes per "
                        "sample, writer CPU %.3f s\n",
                        static_cast<unsigned long long>(r.samples), static_cast<unsigned long long>(r.bufferChanges),
                        static_cast<unsigned long long>(r.events), s.end.recordingPath.c_str(),
                        static_cast<double>(r.fileBytes) / 1e6,
                        r.samples ? static_cast<double>(r.fileBytes) / static_cast<double>(r.samples) : 0.0,
                        r.writerCpuSeconds);
    }

private:
    struct Second {
        std::uint32_t last = 0;
        std::uint32_t max = 0;
        std::uint32_t frames = 0;
        double sum = 0.0;
        std::uint32_t count = 0;
    };
    std::vector<std::string> m_ids;
    std::map<std::uint32_t, Second> m_second; // allocator index -> this second's occupancy
};

class CsvWriter : public WatchWriter {
public:
    void header(std::size_t, double, bool) override
    {
        std::printf("type,t,id,frames,frameSize,allocatedFrames,kind,message,minAllocated,meanAllocated,"
                    "maxAllocated,starvationCount,starvedMs,drops\n");
    }
    void batch(const std::vector<std::string>& ids, const SampleBatch& batch) override
    {
        inTimeOrder(
            batch,
            [&](const SampleRecord& r) {
                std::printf("sample,%.6f,%s,%u,%u,%u,,,,,,,,\n", static_cast<double>(r.sample.t_ns) * 1e-9,
                            ids[r.allocator].c_str(), r.sample.frames, r.frameSize, r.sample.allocated);
            },
            [](const MonitorEvent& e) {
                std::printf("event,%.6f,%s,,,,%s,%s,,,,,,\n", static_cast<double>(e.t_ns) * 1e-9, e.id.c_str(),
                            std::string(eventKindName(e.kind)).c_str(), csvQuote(e.message).c_str());
            });
    }
    void second(std::int64_t) override { }
    void summary(const WatchSummary& s) override
    {
        const SamplerStats& sampler = s.sampler;
        for (std::size_t i = 0; i < s.ids.size(); ++i) {
            const AllocatorStats& a = s.stats[i];
            std::printf("summary,%.6f,%s,%u,%u,,,,%u,%.3f,%u,%llu,%.1f,%llu\n", sampler.wallSeconds, s.ids[i].c_str(),
                        a.frames, a.frameSize, a.minAllocated, a.meanAllocated, a.maxAllocated,
                        static_cast<unsigned long long>(a.starvationCount), a.starvedMs,
                        static_cast<unsigned long long>(a.drops));
        }
        std::printf(
            "sampler,%.6f,,,,,,%s,,,,,,\n", sampler.wallSeconds,
            csvQuote("cpuSeconds=" + std::to_string(sampler.cpuSeconds) + " samples=" + std::to_string(sampler.samples))
                .c_str());
    }
};

class JsonWriter : public WatchWriter {
public:
    void header(std::size_t, double, bool) override { }
    void batch(const std::vector<std::string>& ids, const SampleBatch& batch) override
    {
        inTimeOrder(
            batch, [&](const SampleRecord& r) { std::cout << sampleToJson(ids[r.allocator], r).dump() << '\n'; },
            [](const MonitorEvent& e) { std::cout << eventToJson(e).dump() << '\n'; });
    }
    void second(std::int64_t) override { }
    void summary(const WatchSummary& s) override
    {
        const SamplerStats& sampler = s.sampler;
        nlohmann::json allocators = nlohmann::json::array();
        for (std::size_t i = 0; i < s.ids.size(); ++i) {
            nlohmann::json a = allocatorStatsToJson(s.ids[i], s.stats[i]);
            const bool followed = i < s.followed.size() && s.followed[i];
            a["framesFollowed"] = followed;
            a["frameTiming"] = followed ? frameStatsToJson(s.frames[i]) : nlohmann::json(nullptr);
            allocators.push_back(std::move(a));
        }
        const RecorderStats& r = s.end.recorder;
        std::cout << nlohmann::json{{"type", "summary"},
                                    {"durationSeconds", sampler.wallSeconds},
                                    {"rateHz", s.rateHz},
                                    {"allocators", allocators},
                                    {"sampler",
                                     {{"cpuSeconds", sampler.cpuSeconds},
                                      {"cpuPercentOfOneCore", percentOf(sampler.cpuSeconds, sampler.wallSeconds)},
                                      {"busyCpuSeconds", sampler.busyCpuSeconds},
                                      {"busyCpuPercentOfOneCore",
                                       percentOf(sampler.busyCpuSeconds, sampler.wallSeconds)},
                                      {"samples", sampler.samples},
                                      {"ticks", sampler.ticks},
                                      {"lateTicks", sampler.lateTicks},
                                      {"lostSamples", s.lostSamples}}},
                                    {"recording",
                                     s.end.recorded ? nlohmann::json{{"path", s.end.recordingPath},
                                                                     {"ok", s.end.recording.isOk()},
                                                                     {"error",
                                                                      s.end.recording ? "" : s.end.recording.message()},
                                                                     {"samples", r.samples},
                                                                     {"bufferChanges", r.bufferChanges},
                                                                     {"events", r.events},
                                                                     {"lostSamples", r.lostSamples},
                                                                     {"bytes", r.fileBytes},
                                                                     {"writerCpuSeconds", r.writerCpuSeconds}}
                                                    : nlohmann::json(nullptr)}}
                         .dump()
                  << "\n";
    }
};

} // namespace

std::unique_ptr<WatchWriter> makeWatchWriter(OutputFormat format)
{
    switch (format) {
    case OutputFormat::Text:
        return std::make_unique<TextWriter>();
    case OutputFormat::Csv:
        return std::make_unique<CsvWriter>();
    case OutputFormat::Json:
        return std::make_unique<JsonWriter>();
    case OutputFormat::Quiet:
        break;
    }
    return std::make_unique<QuietWriter>();
}

} // namespace ksscope::cli
