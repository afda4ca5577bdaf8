// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/report.h"

#include "ksscope/allocator_tracker.h"
#include "ksscope/device_id.h"
#include "ksscope/json_output.h"
#include "ksscope/version.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <ostream>

namespace ksscope {

using nlohmann::json;

namespace {

constexpr std::size_t kHistogramLimit = 4096; // frames allocated beyond this count in the last bucket

std::string nowUtc()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
#if defined(_WIN32)
    gmtime_s(&tm, &now);
#else
    gmtime_r(&now, &tm);
#endif
    char text[64];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

double percentile(const std::vector<std::uint64_t>& histogram, std::uint64_t total, double p)
{
    if (total == 0)
        return 0.0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (std::size_t v = 0; v < histogram.size(); ++v) {
        seen += histogram[v];
        if (seen >= std::max<std::uint64_t>(rank, 1))
            return static_cast<double>(v);
    }
    return static_cast<double>(histogram.size() - 1);
}

/// Names of the filter and pin an allocator belongs to, and the output pin's format.
void describe(const Topology& topology, AllocatorReport& a)
{
    const AllocatorInfo* info = topology.findAllocator(a.id);
    if (!info || info->pinIds.empty())
        return;
    if (const PinInfo* pin = topology.findPin(info->pinIds.front())) {
        a.pinName = pin->name;
        a.format = pin->format.toString();
    }
    const std::string& pinId = info->pinIds.front();
    if (const FilterInfo* filter = topology.findFilter(filterOfPin(pinId)))
        a.filterName = filter->name;
}

} // namespace

Report::Totals Report::totals() const
{
    Totals t;
    for (const AllocatorReport& a : allocators) {
        t.starvations += a.stats.starvationCount;
        t.drops += a.stats.drops;
        t.starvedSeconds += a.stats.starvedMs * 1e-3;
    }
    return t;
}

double AllocatorReport::starvedShare() const
{
    if (first_ns < 0 || last_ns <= first_ns)
        return 0.0;
    return std::clamp(stats.starvedMs * 1e6 / static_cast<double>(last_ns - first_ns), 0.0, 1.0);
}

Status buildReport(Recording& recording, const ReportOptions& options, Report& out)
{
    out = {};
    out.info = recording.info();
    out.generatedUtc = nowUtc();
    if (Status s = recording.topologies(out.snapshots); !s)
        return s;
    out.topology = out.snapshots.back().topology;
    const std::int64_t duration = std::max<std::int64_t>(out.info.duration_ns, 1);
    if (Status s = recording.events(-1, out.info.duration_ns, out.events); !s)
        return s;
    if (Status s = recording.edits(out.edits); !s)
        return s;

    const auto& ids = out.info.allocatorIds;
    const std::size_t columns = std::max<std::size_t>(options.columns, 1);
    std::vector<AllocatorTracker> trackers;
    std::vector<std::vector<double>> sums(ids.size(), std::vector<double>(columns, 0.0));
    out.allocators.resize(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
        AllocatorReport& a = out.allocators[i];
        a.id = ids[i];
        // what the allocator was like when last seen, and where it sits
        for (auto it = out.snapshots.rbegin(); it != out.snapshots.rend(); ++it)
            if (const AllocatorInfo* info = it->topology.findAllocator(a.id)) {
                a.info = *info;
                describe(it->topology, a);
                break;
            }
        trackers.emplace_back(a.id, a.info.filterId(), static_cast<std::int64_t>(a.info.framePeriodSeconds * 1e9));
        a.occupancy.resize(columns);
        for (std::size_t c = 0; c < columns; ++c) {
            a.occupancy[c].begin_ns = static_cast<std::int64_t>(static_cast<double>(duration) * static_cast<double>(c) /
                                                                static_cast<double>(columns));
            a.occupancy[c].end_ns = static_cast<std::int64_t>(
                static_cast<double>(duration) * static_cast<double>(c + 1) / static_cast<double>(columns));
        }
    }

    std::size_t nextEvent = 0;
    std::vector<StarvationInterval> intervals;
    std::uint64_t visited = 0;
    bool cancelled = false;
    Status read = recording.samples(-1, out.info.duration_ns, [&](const SampleRecord& r) {
        // removals and reconfigurations the backend reported, in their place
        for (; nextEvent < out.events.size() && out.events[nextEvent].t_ns <= r.sample.t_ns; ++nextEvent) {
            const MonitorEvent& e = out.events[nextEvent];
            for (AllocatorTracker& t : trackers)
                t.apply(e.kind, e.id);
        }
        AllocatorTracker& tracker = trackers[r.allocator];
        AllocatorReport& a = out.allocators[r.allocator];
        intervals.clear();
        tracker.update(r.sample.t_ns, readingOf(r, &a.info.status.Framing), nullptr, intervals);
        for (const StarvationInterval& interval : intervals) {
            if (interval.end_ns >= 0 && !a.episodes.empty() && a.episodes.back().begin_ns == interval.begin_ns)
                a.episodes.back().end_ns = interval.end_ns;
            else
                a.episodes.push_back(interval);
        }
        const std::uint32_t allocated = r.sample.allocated;
        const std::size_t bucket = std::min<std::size_t>(allocated, kHistogramLimit);
        if (bucket >= a.histogram.size())
            a.histogram.resize(bucket + 1, 0);
        ++a.histogram[bucket];
        if (a.first_ns < 0)
            a.first_ns = r.sample.t_ns;
        a.last_ns = r.sample.t_ns;
        const auto c = std::min<std::size_t>(
            columns - 1, static_cast<std::size_t>(static_cast<double>(std::max<std::int64_t>(r.sample.t_ns, 0)) *
                                                  static_cast<double>(columns) / static_cast<double>(duration)));
        OccupancyColumn& column = a.occupancy[c];
        column.minAllocated = column.samples == 0 ? allocated : std::min(column.minAllocated, allocated);
        column.maxAllocated = std::max(column.maxAllocated, allocated);
        column.frames = std::max(column.frames, r.sample.frames);
        column.starved = column.starved || tracker.stats().starving;
        ++column.samples;
        sums[r.allocator][c] += allocated;
        if (++visited % 65536 == 0 && options.progress &&
            !options.progress(static_cast<double>(r.sample.t_ns) / static_cast<double>(duration))) {
            cancelled = true;
            return false;
        }
        return true;
    });
    if (!read)
        return read;
    if (cancelled)
        return {E_ABORT, "the report was cancelled"};
    out.samples = visited;
    for (std::size_t i = 0; i < out.allocators.size(); ++i) {
        AllocatorReport& a = out.allocators[i];
        a.stats = trackers[i].stats();
        std::uint64_t total = 0;
        for (std::uint64_t n : a.histogram)
            total += n;
        a.p50 = percentile(a.histogram, total, 0.50);
        a.p90 = percentile(a.histogram, total, 0.90);
        a.p99 = percentile(a.histogram, total, 0.99);
        for (std::size_t c = 0; c < a.occupancy.size(); ++c)
            if (a.occupancy[c].samples > 0)
                a.occupancy[c].meanAllocated = sums[i][c] / a.occupancy[c].samples;
        // an episode still open at the end counts up to the last sample
        for (const StarvationInterval& e : a.episodes)
            for (OccupancyColumn& column : a.occupancy)
                if (e.overlaps(column.begin_ns, column.end_ns))
                    column.starved = true;
    }
    // every frame followed, read a minute at a time
    if (out.info.framesRecorded) {
        std::vector<RecordedFrame> frames;
        constexpr std::int64_t kChunk_ns = 60'000'000'000;
        for (std::int64_t from = -1; from < out.info.duration_ns; from += kChunk_ns) {
            frames.clear();
            if (Status s = recording.frames(from, std::min(from + kChunk_ns, out.info.duration_ns), frames); !s)
                return s;
            for (const RecordedFrame& f : frames)
                if (f.frame.allocator < out.allocators.size())
                    out.allocators[f.frame.allocator].frames.add(f.frame);
            if (options.progress && !options.progress(1.0))
                return {E_ABORT, "the report was cancelled"};
        }
        std::vector<DroppedFrames> drops;
        if (Status s = recording.droppedFrames(-1, out.info.duration_ns, drops); !s)
            return s;
        for (const DroppedFrames& d : drops)
            if (d.allocator < out.allocators.size() &&
                out.allocators[d.allocator].drops.size() < AllocatorReport::kMaxDropRanges)
                out.allocators[d.allocator].drops.push_back(d);
    }
    if (options.progress)
        options.progress(1.0);
    return Status::ok();
}

std::string droppedRangesText(const std::vector<DroppedFrames>& drops, std::size_t limit)
{
    std::string text;
    for (std::size_t i = 0; i < drops.size() && i < limit; ++i) {
        if (!text.empty())
            text += ", ";
        text += std::to_string(drops[i].first);
        if (drops[i].last != drops[i].first)
            text += "-" + std::to_string(drops[i].last);
    }
    if (drops.size() > limit)
        text += " and " + std::to_string(drops.size() - limit) + " more";
    return text;
}

namespace {

json statsJson(const AllocatorReport& a)
{
    json episodes = json::array();
    for (const StarvationInterval& e : a.episodes)
        episodes.push_back({{"begin", static_cast<double>(e.begin_ns) * 1e-9},
                            {"end", e.end_ns < 0 ? json(nullptr) : json(static_cast<double>(e.end_ns) * 1e-9)}});
    return {{"samples", a.stats.samples},
            {"minAllocated", a.stats.minAllocated},
            {"meanAllocated", a.stats.meanAllocated},
            {"maxAllocated", a.stats.maxAllocated},
            {"p50Allocated", a.p50},
            {"p90Allocated", a.p90},
            {"p99Allocated", a.p99},
            {"starvationCount", a.stats.starvationCount},
            {"starvedSeconds", a.stats.starvedMs * 1e-3},
            {"starvedShare", a.starvedShare()},
            {"starvationEpisodes", episodes},
            {"drops", a.stats.drops},
            {"delivered", a.stats.delivered},
            {"framesPerSecond", a.stats.framesPerSecond},
            {"gone", a.stats.gone},
            {"histogram", a.histogram}};
}

json framesJson(const AllocatorReport& a)
{
    if (!a.framesFollowed())
        return nullptr;
    // the watch summary's frame statistics, with each timing's buckets and the dropped sequence numbers
    json frames = frameStatsToJson(a.frames);
    for (const FrameTiming& timing : kFrameTimings) {
        const DurationHistogram& h = a.frames.*timing.histogram;
        if (h.count() == 0)
            continue;
        json buckets = json::array();
        for (const DurationHistogram::Bucket& b : h.buckets())
            buckets.push_back({b.from_ns, b.to_ns, b.count});
        frames[timing.key]["buckets"] = buckets;
    }
    json dropped = json::array();
    for (const DroppedFrames& d : a.drops)
        dropped.push_back({{"t", static_cast<double>(d.t_ns) * 1e-9}, {"first", d.first}, {"last", d.last}});
    frames["droppedSequences"] = dropped;
    frames["droppedSequencesComplete"] = a.drops.size() < AllocatorReport::kMaxDropRanges;
    return frames;
}

json infoJson(const RecordingInfo& info, std::uint64_t samples)
{
    return {{"path", info.path},
            {"schemaVersion", info.schemaVersion},
            {"ksscopeVersion", info.ksscopeVersion},
            {"host", info.host},
            {"os", info.os},
            {"backends", info.backends},
            {"scenario", info.scenario},
            {"command", info.command},
            {"rateHz", info.rateHz},
            {"startedUtc", info.startedUtc},
            {"endedUtc", info.endedUtc.empty() ? json(nullptr) : json(info.endedUtc)},
            {"closedCleanly", info.closedCleanly},
            {"durationSeconds", static_cast<double>(info.duration_ns) * 1e-9},
            {"samples", samples},
            {"buffersRecorded", info.buffersRecorded},
            {"framesRecorded", info.framesRecorded}};
}

} // namespace

std::string reportToJson(const Report& report)
{
    json allocators = json::array();
    for (const AllocatorReport& a : report.allocators) {
        json occupancy = json::array();
        for (const OccupancyColumn& c : a.occupancy) {
            if (c.samples == 0)
                continue;
            occupancy.push_back({{"t", static_cast<double>(c.begin_ns) * 1e-9},
                                 {"min", c.minAllocated},
                                 {"mean", c.meanAllocated},
                                 {"max", c.maxAllocated},
                                 {"frames", c.frames},
                                 {"starved", c.starved}});
        }
        allocators.push_back({{"id", a.id},
                              {"filter", a.filterName},
                              {"pin", a.pinName},
                              {"format", a.format},
                              {"allocator", allocatorToJson(a.info)},
                              {"statistics", statsJson(a)},
                              {"frames", framesJson(a)},
                              {"occupancy", occupancy}});
    }
    json events = json::array();
    for (const MonitorEvent& e : report.events)
        events.push_back(eventToJson(e));
    json edits = json::array();
    for (const RecordedEdit& e : report.edits) {
        auto parsed = [](const std::string& text) {
            json j = json::parse(text, nullptr, false);
            return j.is_discarded() ? json(text) : j;
        };
        edits.push_back({{"t", static_cast<double>(e.t_ns) * 1e-9},
                         {"allocator", e.allocatorId},
                         {"kind", e.kind},
                         {"applied", e.applied},
                         {"requested", parsed(e.requested)},
                         {"actual", parsed(e.actual)},
                         {"hresult", hresultName(e.hr)},
                         {"message", e.message}});
    }
    json changes = json::array();
    for (const TopologySnapshot& s : report.snapshots)
        changes.push_back({{"t", static_cast<double>(s.t_ns) * 1e-9}, {"reason", s.reason}});
    return json{{"schemaVersion", kReportSchemaVersion},
                {"type", "ksscope-report"},
                {"generatedUtc", report.generatedUtc},
                {"generatedBy", std::string("KsScope ") + KSSCOPE_VERSION_FULL},
                {"recording", infoJson(report.info, report.samples)},
                {"topology", topologyToJson(report.topology)},
                {"topologyChanges", changes},
                {"allocators", allocators},
                {"events", events},
                {"edits", edits}}
        .dump(2);
}

Status writeSamplesCsv(Recording& recording, std::ostream& out, const std::function<bool(double)>& progress)
{
    const auto& ids = recording.info().allocatorIds;
    const double duration = static_cast<double>(std::max<std::int64_t>(recording.info().duration_ns, 1));
    out << "t,allocator,frames,frameSize,allocatedFrames,mode,dropped,delivered\n";
    std::uint64_t rows = 0;
    bool cancelled = false;
    char line[512];
    Status status = recording.samples(-1, recording.info().duration_ns, [&](const SampleRecord& r) {
        std::snprintf(line, sizeof line, "%.9f,%s,%u,%u,%u,%s,%llu,%llu\n", static_cast<double>(r.sample.t_ns) * 1e-9,
                      ids[r.allocator].c_str(), r.sample.frames, r.frameSize, r.sample.allocated,
                      std::string(allocatorModeName(r.mode)).c_str(), static_cast<unsigned long long>(r.dropped),
                      static_cast<unsigned long long>(r.delivered));
        out << line;
        if (++rows % 65536 == 0 && progress && !progress(static_cast<double>(r.sample.t_ns) / duration)) {
            cancelled = true;
            return false;
        }
        return static_cast<bool>(out);
    });
    if (!status)
        return status;
    if (cancelled)
        return {E_ABORT, "the export was cancelled"};
    if (!out)
        return {E_FAIL, "writing the CSV failed (a full disk?)"};
    return Status::ok();
}

std::string formatDuration(double seconds)
{
    char text[64];
    if (!(seconds >= 0))
        seconds = 0;
    if (seconds < 60)
        std::snprintf(text, sizeof text, "%.1f s", seconds);
    else if (seconds < 3600)
        std::snprintf(text, sizeof text, "%d min %02d s", static_cast<int>(seconds / 60),
                      static_cast<int>(seconds) % 60);
    else
        std::snprintf(text, sizeof text, "%d h %02d min", static_cast<int>(seconds / 3600),
                      static_cast<int>(seconds / 60) % 60);
    return text;
}

std::string formatBytes(double bytes)
{
    char text[64];
    if (bytes < 1024)
        std::snprintf(text, sizeof text, "%.0f B", bytes);
    else if (bytes < 1024.0 * 1024)
        std::snprintf(text, sizeof text, "%.0f KiB", bytes / 1024);
    else if (bytes < 1024.0 * 1024 * 1024)
        std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024));
    else
        std::snprintf(text, sizeof text, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    return text;
}

std::vector<AllocatorDiff> diffReports(const Report& a, const Report& b)
{
    std::vector<AllocatorDiff> out;
    for (const AllocatorReport& x : a.allocators)
        out.push_back({x.id, &x, nullptr});
    for (const AllocatorReport& y : b.allocators) {
        auto it = std::find_if(out.begin(), out.end(), [&](const AllocatorDiff& d) { return d.id == y.id; });
        if (it != out.end())
            it->b = &y;
        else
            out.push_back({y.id, nullptr, &y});
    }
    return out;
}

std::string diffToJson(const Report& a, const Report& b)
{
    json allocators = json::array();
    for (const AllocatorDiff& d : diffReports(a, b))
        allocators.push_back(
            {{"id", d.id}, {"a", d.a ? statsJson(*d.a) : json(nullptr)}, {"b", d.b ? statsJson(*d.b) : json(nullptr)}});
    for (auto& entry : allocators)
        for (const char* side : {"a", "b"})
            if (entry[side].is_object())
                entry[side].erase("histogram");
    return json{{"schemaVersion", kReportSchemaVersion},
                {"type", "ksscope-diff"},
                {"a", infoJson(a.info, a.samples)},
                {"b", infoJson(b.info, b.samples)},
                {"allocators", allocators}}
        .dump(2);
}

std::string diffToText(const Report& a, const Report& b)
{
    std::string out;
    char line[512];
    std::snprintf(line, sizeof line, "A: %s  (%s, %s, %s)\nB: %s  (%s, %s, %s)\n\n", a.info.path.c_str(),
                  a.info.startedUtc.c_str(), formatDuration(static_cast<double>(a.info.duration_ns) * 1e-9).c_str(),
                  a.info.host.c_str(), b.info.path.c_str(), b.info.startedUtc.c_str(),
                  formatDuration(static_cast<double>(b.info.duration_ns) * 1e-9).c_str(), b.info.host.c_str());
    out += line;
    std::snprintf(line, sizeof line, "%-44s %-4s %8s %7s %6s %6s %6s %8s %10s %7s %7s\n", "allocator", "", "frames",
                  "mean", "p50", "p99", "max", "starved", "starved s", "drops", "fps");
    out += line;
    auto row = [&](const char* side, const AllocatorReport* r, const std::string& id) {
        if (!r) {
            std::snprintf(line, sizeof line, "%-44s %-4s %s\n", id.c_str(), side, "(not in this recording)");
        } else {
            std::snprintf(line, sizeof line, "%-44s %-4s %8u %7.2f %6.0f %6.0f %6u %8llu %10.3f %7llu %7.2f\n",
                          id.c_str(), side, r->info.status.Framing.Frames, r->stats.meanAllocated, r->p50, r->p99,
                          r->stats.maxAllocated, static_cast<unsigned long long>(r->stats.starvationCount),
                          r->stats.starvedMs * 1e-3, static_cast<unsigned long long>(r->stats.drops),
                          r->stats.framesPerSecond);
        }
        out += line;
    };
    for (const AllocatorDiff& d : diffReports(a, b)) {
        row("A", d.a, d.id);
        row("B", d.b, "");
        if (d.a && d.b) {
            std::snprintf(
                line, sizeof line, "%-44s %-4s %8d %+7.2f %+6.0f %+6.0f %+6d %+8lld %+10.3f %+7lld %+7.2f\n", "", "B-A",
                static_cast<int>(d.b->info.status.Framing.Frames) - static_cast<int>(d.a->info.status.Framing.Frames),
                d.b->stats.meanAllocated - d.a->stats.meanAllocated, d.b->p50 - d.a->p50, d.b->p99 - d.a->p99,
                static_cast<int>(d.b->stats.maxAllocated) - static_cast<int>(d.a->stats.maxAllocated),
                static_cast<long long>(d.b->stats.starvationCount) - static_cast<long long>(d.a->stats.starvationCount),
                (d.b->stats.starvedMs - d.a->stats.starvedMs) * 1e-3,
                static_cast<long long>(d.b->stats.drops) - static_cast<long long>(d.a->stats.drops),
                d.b->stats.framesPerSecond - d.a->stats.framesPerSecond);
            out += line;
        }
    }
    return out;
}

} // namespace ksscope
