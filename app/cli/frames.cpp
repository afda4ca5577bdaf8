// SPDX-License-Identifier: GPL-3.0-or-later
// `frames`: one record per frame of the watched allocators whose backends report every buffer's transitions - its
// sequence number and timestamp, the interval, the driver's and the delivery latency, how long it was held and by
// whom, the frames dropped before it - as a table, JSON lines or CSV, then the percentiles and the dropped sequence
// numbers of each allocator, and the processes that had its device node open or held its exported buffers.

#include "cli_session.h"
#include "ksscope/holders.h"
#include "ksscope/trace_export.h"
#include "text_output.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

namespace ksscope::cli {

namespace {

std::string seconds(std::int64_t ns)
{
    if (ns < 0)
        return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%lld.%06lld", static_cast<long long>(ns / 1'000'000'000),
                  static_cast<long long>(ns % 1'000'000'000 / 1000));
    return text;
}

/// "3, 7-9, 12" from the dropped ranges.
std::string ranges(const std::vector<DroppedFrames>& drops)
{
    std::string out;
    for (const DroppedFrames& d : drops) {
        out += out.empty() ? "" : ", ";
        out += d.first == d.last ? std::to_string(d.first) : std::to_string(d.first) + "-" + std::to_string(d.last);
    }
    return out;
}

/// The processes frames were held by, asked of the allocator's backend once per thread (a process gone by the end
/// keeps its name; a replay names the recording machine's processes).
class Holders {
public:
    explicit Holders(Session& session) : m_session(session) { }
    /// \a allocator: the index of \a allocatorId in the monitor's allocator ids.
    const ProcessInfo& of(std::uint32_t allocator, const std::string& allocatorId, std::int32_t tid)
    {
        auto it = m_known.find({allocator, tid});
        if (it == m_known.end())
            it = m_known.emplace(std::pair{allocator, tid}, m_session.holderProcess(allocatorId, tid)).first;
        return it->second;
    }

private:
    Session& m_session;
    std::map<std::pair<std::uint32_t, std::int32_t>, ProcessInfo> m_known;
};

/// Who had each watched device's node open or held dma-bufs of its buffer size while frames were followed: a look
/// through the processes once a second (on this thread, not the sampler's), everything seen kept.
class NodeHolders {
public:
    void look(WatchSession& watch, const std::vector<std::string>& ids)
    {
        const auto now = std::chrono::steady_clock::now();
        if (now < m_next)
            return;
        m_next = now + std::chrono::seconds(1);
        for (std::size_t i = 0; i < ids.size(); ++i) {
            Seen& seen = m_seen[ids[i]];
            if (seen.node.empty())
                seen.node = watch.session().deviceNode(ids[i]);
            if (seen.node.empty())
                continue;
            const BufferHolders found = findBufferHolders(seen.node);
            for (const NodeOpener& o : found.openers)
                seen.openers[o.process.pid] = o;
            for (const DmabufHolder& d : found.dmabufs)
                seen.dmabufs[{d.process.pid, d.inode}] = d;
            seen.unreadable = std::max(seen.unreadable, found.unreadable);
            seen.bufinfoRead = seen.bufinfoRead || found.bufinfoRead;
        }
    }

    struct Seen {
        std::string node;
        std::map<std::int32_t, NodeOpener> openers;
        std::map<std::pair<std::int32_t, std::uint64_t>, DmabufHolder> dmabufs;
        std::uint32_t unreadable = 0;
        bool bufinfoRead = false;
    };
    [[nodiscard]] const Seen* of(const std::string& id) const
    {
        auto it = m_seen.find(id);
        return it == m_seen.end() || it->second.node.empty() ? nullptr : &it->second;
    }

private:
    std::map<std::string, Seen> m_seen;
    std::chrono::steady_clock::time_point m_next;
};

nlohmann::json holdersJson(const NodeHolders::Seen& seen)
{
    nlohmann::json openers = nlohmann::json::array();
    for (const auto& [pid, o] : seen.openers)
        openers.push_back({{"pid", pid}, {"name", o.process.name}, {"fds", o.fds}});
    nlohmann::json dmabufs = nlohmann::json::array();
    for (const auto& [key, d] : seen.dmabufs)
        dmabufs.push_back({{"pid", d.process.pid},
                           {"name", d.process.name},
                           {"inode", d.inode},
                           {"size", d.size},
                           {"exporter", d.exporter},
                           {"attached", seen.bufinfoRead ? nlohmann::json(d.attached) : nlohmann::json(nullptr)}});
    return {{"node", seen.node}, {"open_by", openers}, {"dmabufs", dmabufs}, {"unreadable_processes", seen.unreadable}};
}

/// The text summary's lines about who had the node open and held its exported buffers.
void printHolders(const NodeHolders::Seen& seen)
{
    std::vector<NodeOpener> openers;
    for (const auto& [pid, o] : seen.openers)
        openers.push_back(o);
    std::printf("    %s open by: %s\n", seen.node.c_str(),
                openers.empty() ? "no other process" : describeOpeners(openers).c_str());
    std::map<std::int32_t, std::vector<const DmabufHolder*>> byProcess;
    for (const auto& [key, d] : seen.dmabufs)
        byProcess[key.first].push_back(&d);
    for (const auto& [pid, held] : byProcess) {
        std::string attached;
        for (const DmabufHolder* d : held)
            for (const std::string& device : d->attached)
                if (attached.find(device) == std::string::npos)
                    attached += (attached.empty() ? "" : ", ") + device;
        std::printf("    dma-bufs exported by %s: %zu of %llu bytes held by %s (%d)%s\n",
                    held.front()->exporter.c_str(), held.size(), static_cast<unsigned long long>(held.front()->size),
                    held.front()->process.name.c_str(), pid,
                    attached.empty() ? "" : (", attached to " + attached).c_str());
    }
    if (seen.unreadable > 0)
        std::printf("    (%u processes' descriptors could not be read: as root, or with CAP_SYS_PTRACE, every holder "
                    "is named)\n",
                    seen.unreadable);
}

/// "v4l2-ctl (145)", "pid 145" when its name is not known, empty when the holder is not.
std::string holderText(const ProcessInfo& process)
{
    if (process.pid < 0)
        return {};
    return process.name.empty() ? "pid " + std::to_string(process.pid)
                                : process.name + " (" + std::to_string(process.pid) + ")";
}

/// A frame's JSON line; a replayed frame's holder is already the process (its thread is not in the line).
nlohmann::json frameJson(const std::string& id, const FrameRecord& f, const ProcessInfo& holder, bool replayed)
{
    const auto orNull = [](std::int64_t v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(v); };
    return {{"allocator", id},
            {"buffer", f.buffer},
            {"sequence", f.sequence},
            {"timestamp_ns", orNull(f.timestamp_ns)},
            {"interval_ns", orNull(f.interval_ns)},
            {"driver_owned_ns", orNull(f.driverOwned_ns)},
            {"done_ns", orNull(f.done_ns)},
            {"dequeued_ns", orNull(f.dequeued_ns)},
            {"returned_ns", orNull(f.returned_ns)},
            {"driver_latency_ns", orNull(f.driverLatency_ns())},
            {"delivery_latency_ns", orNull(f.deliveryLatency_ns())},
            {"hold_ns", orNull(f.hold_ns())},
            {"dropped_before", f.droppedBefore},
            {"bytes_used", f.bytesUsed},
            {"error", f.error},
            {"holder_pid", holder.pid < 0 ? nlohmann::json(nullptr) : nlohmann::json(holder.pid)},
            {"holder_thread", f.holder < 0 || replayed ? nlohmann::json(nullptr) : nlohmann::json(f.holder)},
            {"holder", holder.pid < 0 ? nlohmann::json(nullptr) : nlohmann::json(holder.name)}};
}

nlohmann::json histogramJson(const DurationHistogram& h)
{
    if (h.count() == 0)
        return nullptr;
    return {{"count", h.count()},
            {"min_ns", h.min_ns()},
            {"p50_ns", h.percentile_ns(0.5)},
            {"p99_ns", h.percentile_ns(0.99)},
            {"max_ns", h.max_ns()},
            {"mean_ns", h.mean_ns()}};
}

} // namespace

int runFrames(const GlobalOptions& global, const FramesOptions& options)
{
    const bool text = options.format == OutputFormat::Text;
    // the trace file is checked before anything is watched
    std::ofstream traceFile;
    std::unique_ptr<TraceEventWriter> trace;
    if (!options.traceJsonPath.empty()) {
        traceFile.open(options.traceJsonPath, std::ios::out | std::ios::trunc);
        if (!traceFile) {
            std::cerr << "ksscope-cli: --trace-json " << options.traceJsonPath
                      << ": cannot be written (check the folder exists and is writable)\n";
            return ExitUsage;
        }
        trace = std::make_unique<TraceEventWriter>(traceFile);
    }
    WatchSession watch(sampling(options.rateHz, 60.0, options.ids));
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    if (Status status = watch.startDevices(); !status)
        return fail(status);
    if (int rc = startStreams(watch, options.streams, !text); rc != ExitOk)
        return rc;
    if (Status status = watch.startSampling(); !status)
        return fail(status);
    const std::shared_ptr<Monitor> monitor = watch.monitor();
    catchInterrupts();

    if (text)
        std::printf("%-10s %6s %8s %17s %10s %10s %10s %10s %5s %5s %s\n", "allocator", "buffer", "sequence",
                    "timestamp s", "interval", "driver", "delivery", "hold", "drop", "error", "holder");
    else if (options.format == OutputFormat::Csv)
        std::printf("allocator,buffer,sequence,timestamp_ns,interval_ns,driver_latency_ns,delivery_latency_ns,hold_ns,"
                    "dropped_before,bytes_used,error,holder_pid,holder\n");
    std::map<std::uint32_t, std::vector<DroppedFrames>> drops;
    std::map<std::string, std::string> shortNames; // allocator id -> a short column value
    std::vector<std::string> ids = monitor->allocatorIds();
    SampleBatch batch;
    Holders holders(watch.session());
    const bool replayed = monitor->replaying();
    std::uint64_t count = 0;
    const auto hand = [&] {
        if (trace) {
            trace->setAllocators(monitor->allocatorIds());
            for (const SampleRecord& r : batch.samples)
                trace->occupancy(r.allocator, r.sample.t_ns, r.sample.allocated);
            for (const DroppedFrames& d : batch.droppedFrames)
                trace->dropped(d);
            for (const FrameRecord& f : batch.frames)
                trace->frame(f);
        }
        if (batch.frames.empty() && batch.droppedFrames.empty() && batch.events.empty())
            return;
        ids = monitor->allocatorIds();
        for (const MonitorEvent& e : batch.events)
            if (e.kind == EventKind::Error)
                std::cerr << "ksscope-cli: " << e.id << ": " << e.message << "\n";
        for (const DroppedFrames& d : batch.droppedFrames) {
            drops[d.allocator].push_back(d);
            if (options.format == OutputFormat::Json && d.allocator < ids.size())
                std::printf(
                    "%s\n",
                    nlohmann::json(
                        {{"dropped",
                          {{"allocator", ids[d.allocator]}, {"first", d.first}, {"last", d.last}, {"t_ns", d.t_ns}}}})
                        .dump()
                        .c_str());
        }
        for (const FrameRecord& f : batch.frames) {
            if (f.allocator >= ids.size())
                continue;
            ++count;
            const std::string& id = ids[f.allocator];
            const ProcessInfo& process = holders.of(f.allocator, id, f.holder);
            const std::string& holder = process.name;
            if (options.format == OutputFormat::Json) {
                std::printf("%s\n", nlohmann::json({{"frame", frameJson(id, f, process, replayed)}}).dump().c_str());
            } else if (options.format == OutputFormat::Csv) {
                std::printf("%s,%u,%u,%lld,%lld,%lld,%lld,%lld,%u,%u,%d,%d,%s\n", id.c_str(), f.buffer, f.sequence,
                            static_cast<long long>(f.timestamp_ns), static_cast<long long>(f.interval_ns),
                            static_cast<long long>(f.driverLatency_ns()),
                            static_cast<long long>(f.deliveryLatency_ns()), static_cast<long long>(f.hold_ns()),
                            f.droppedBefore, f.bytesUsed, f.error ? 1 : 0, process.pid, holder.c_str());
            } else if (text) {
                auto& name = shortNames[id];
                if (name.empty())
                    name = "#" + std::to_string(f.allocator);
                std::printf("%-10s %6u %8u %17s %10s %10s %10s %10s %5u %5s %s\n", name.c_str(), f.buffer, f.sequence,
                            seconds(f.timestamp_ns).c_str(), msText(f.interval_ns).c_str(),
                            msText(f.driverLatency_ns()).c_str(), msText(f.deliveryLatency_ns()).c_str(),
                            msText(f.hold_ns()).c_str(), f.droppedBefore, f.error ? "bad" : "",
                            holderText(process).c_str());
            }
        }
        std::fflush(stdout);
    };
    NodeHolders nodeHolders;
    const auto start = std::chrono::steady_clock::now();
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        watch.drain(batch);
        hand();
        nodeHolders.look(watch, monitor->allocatorIds());
        if (g_interrupted)
            break;
        if (options.durationSeconds > 0 &&
            std::chrono::steady_clock::now() - start >= std::chrono::duration<double>(options.durationSeconds))
            break;
        if (options.maxFrames > 0 && count >= options.maxFrames)
            break;
        if (monitor->replaying() && monitor->finished())
            break;
    }
    watch.finish(batch);
    hand();

    // what the frames came to, per allocator
    ids = monitor->allocatorIds();
    nlohmann::json summary = nlohmann::json::array();
    bool anyFollowed = false;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const FrameStats stats = monitor->frameStats(i);
        const bool followed = monitor->followsFrames(i);
        anyFollowed = anyFollowed || followed;
        const auto& gaps = drops[static_cast<std::uint32_t>(i)];
        if (options.format == OutputFormat::Json) {
            nlohmann::json dropped = nlohmann::json::array();
            for (const DroppedFrames& d : gaps)
                dropped.push_back({d.first, d.last});
            summary.push_back(
                {{"allocator", ids[i]},
                 {"frames_followed", followed},
                 {"frames", stats.frames},
                 {"dropped", stats.dropped},
                 {"dropped_sequences", dropped},
                 {"errors", stats.errors},
                 {"interval", histogramJson(stats.interval)},
                 {"driver_latency", histogramJson(stats.driverLatency)},
                 {"delivery_latency", histogramJson(stats.deliveryLatency)},
                 {"hold", histogramJson(stats.hold)},
                 {"holders", nodeHolders.of(ids[i]) ? holdersJson(*nodeHolders.of(ids[i])) : nlohmann::json(nullptr)}});
        } else if (text && followed) {
            std::printf("\n#%zu %s: %llu frames, %llu dropped%s, %llu bad\n", i, ids[i].c_str(),
                        static_cast<unsigned long long>(stats.frames), static_cast<unsigned long long>(stats.dropped),
                        gaps.empty() ? "" : (" (" + ranges(gaps) + ")").c_str(),
                        static_cast<unsigned long long>(stats.errors));
            std::printf("    ms p50 / p99 / max: interval %s, driver %s, delivery %s, hold %s\n",
                        percentilesText(stats.interval).c_str(), percentilesText(stats.driverLatency).c_str(),
                        percentilesText(stats.deliveryLatency).c_str(), percentilesText(stats.hold).c_str());
            if (const NodeHolders::Seen* seen = nodeHolders.of(ids[i]))
                printHolders(*seen);
        }
    }
    if (options.format == OutputFormat::Json)
        std::printf("%s\n", nlohmann::json({{"summary", summary}}).dump().c_str());
    if (trace) {
        trace->finish();
        traceFile.close();
        if (!traceFile) {
            std::cerr << "ksscope-cli: --trace-json " << options.traceJsonPath << ": writing failed\n";
            return ExitDevice;
        }
        if (text)
            std::printf("trace written to %s (open it in ui.perfetto.dev or chrome://tracing)\n",
                        options.traceJsonPath.c_str());
    }
    if (!anyFollowed)
        std::cerr << "ksscope-cli: no watched allocator's buffers are followed one by one (their backends are "
                     "sampled); `watch` shows their occupancy\n";
    std::fflush(stdout);
    return anyFollowed ? ExitOk : ExitDevice;
}

} // namespace ksscope::cli
