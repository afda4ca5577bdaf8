// SPDX-License-Identifier: GPL-3.0-or-later
#include "commands.h"

#include "ksscope/agent.h"
#include "ksscope/json_output.h"
#include "ksscope/monitor.h"
#include "ksscope/recording.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

namespace ksscope::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int)
{
    g_interrupted = true;
}

BackendOptions backendOptions(const GlobalOptions& global)
{
    BackendOptions options;
    options.agentUrl = global.agentUrl;
    options.scenarioPath = global.scenario;
    options.recordingPath = global.recording;
    options.replaySpeed = global.speed;
    options.replayStart_ns = static_cast<std::int64_t>(global.startSeconds * 1e9);
    return options;
}

int fail(const Status& status)
{
    std::cerr << "ksscope-cli: " << status.toString() << "\n";
    return exitCodeFor(status);
}

/// Opens the session. Returns an exit code (0 when open).
int openSession(Session& session, const GlobalOptions& global, EventSink sink = {})
{
    const auto known = BackendFactory::names();
    for (const std::string& name : global.backends) {
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            std::string list;
            for (const auto& n : known)
                list += (list.empty() ? "" : ", ") + n;
            std::cerr << "ksscope-cli: --backend " << name << ": unknown backend; this build has: " << list << "\n";
            return ExitUsage;
        }
    }
    BackendOptions options = backendOptions(global);
    if (!global.agentUrl.empty() && !agent::supported()) {
        std::cerr << "ksscope-cli: --agent: this build has no agent backend (it was built without cpp-httplib)\n";
        return ExitUsage;
    }
#if defined(KSSCOPE_WITH_AGENT)
    if (!global.agentTokenFile.empty()) {
        if (Status status = agent::readTokenFile(global.agentTokenFile, options.agentToken); !status) {
            std::cerr << "ksscope-cli: --agent-token-file: " << status.message() << "\n";
            return ExitUsage;
        }
    }
#endif
    if (!global.recording.empty() && !global.backends.empty() &&
        std::find(global.backends.begin(), global.backends.end(), "replay") == global.backends.end()) {
        std::cerr << "ksscope-cli: --recording plays a recording with the replay backend; leave out --backend or "
                     "use --backend replay\n";
        return ExitUsage;
    }
    std::vector<std::string> names = global.backends;
    if (!global.agentUrl.empty() && names.empty())
        names.emplace_back("agent"); // --agent alone: the remote devices only
    if (Status status = session.open(names, options, std::move(sink)); !status) {
        if (status.code() == E_INVALIDARG)
            std::cerr << "ksscope-cli: " << status.message() << "\n";
        else
            std::cerr << "ksscope-cli: " << status.toString() << "\n";
        return exitCodeFor(status);
    }
    return ExitOk;
}

/// "<prefix>"ID" matches no allocator, pin or filter", and the allocators that exist.
void printUnknownId(const Topology& topology, const std::string& id, const std::string& prefix)
{
    std::cerr << "ksscope-cli: " << prefix << "\"" << id << "\" matches no allocator, pin or filter. Allocators:\n";
    for (const auto& a : topology.allocators)
        std::cerr << "  " << a.id << "\n";
}

/// Allocator ids named by \a ids (allocator, pin or filter ids); all allocators when empty.
/// Returns false after printing a message naming the unknown id.
bool resolveIds(const Topology& topology, const std::vector<std::string>& ids, std::vector<std::string>& out)
{
    if (ids.empty()) {
        for (const auto& a : topology.allocators)
            out.push_back(a.id);
        return true;
    }
    for (const std::string& id : ids) {
        if (std::string resolved = topology.resolveAllocatorId(id); !resolved.empty()) {
            out.push_back(resolved);
            continue;
        }
        if (const FilterInfo* filter = topology.findFilter(id)) {
            for (const auto& pin : filter->pins)
                if (!pin.allocatorId.empty() && std::find(out.begin(), out.end(), pin.allocatorId) == out.end())
                    out.push_back(pin.allocatorId);
            continue;
        }
        printUnknownId(topology, id, "");
        return false;
    }
    return true;
}

/// Resolves \a id to one allocator, printing what went wrong (prefixed with \a context) when it cannot.
bool resolveOne(const Topology& topology, const std::string& id, const std::string& context, std::string& out)
{
    out = topology.resolveAllocatorId(id);
    if (!out.empty())
        return true;
    if (const FilterInfo* filter = topology.findFilter(id)) {
        std::cerr << "ksscope-cli: " << context << ": filter \"" << id
                  << "\" has several allocators (or none); name one:\n";
        for (const PinInfo& pin : filter->pins)
            if (!pin.allocatorId.empty())
                std::cerr << "  " << pin.allocatorId << "\n";
        return false;
    }
    if (const PinInfo* pin = topology.findPin(id); pin && pin->allocatorId.empty()) {
        std::cerr << "ksscope-cli: " << context << ": pin \"" << id << "\" has no allocator\n";
        return false;
    }
    printUnknownId(topology, id, context + ": ");
    return false;
}

std::string connectionFlagsText(std::uint32_t flags)
{
    std::string out = (flags & ConnectionEnabled) ? "enabled" : "disabled";
    if (flags & ConnectionImmutable)
        out += ", immutable";
    if (flags & ConnectionDynamic)
        out += ", dynamic";
    return out;
}

std::string allocatorLine(const AllocatorInfo& a)
{
    const auto& f = a.status.Framing;
    char text[512];
    std::snprintf(text, sizeof text, "%s mode, %u x %u bytes, align %d, prefix %d, allocated %u/%u, %s, flags %s%s",
                  std::string(allocatorModeName(a.mode)).c_str(), f.Frames, f.FrameSize, a.properties.cbAlign,
                  a.properties.cbPrefix, a.status.AllocatedFrames, f.Frames, guidName(a.memoryType).c_str(),
                  framingFlagsToString(f.OptionsFlags).c_str(), a.committed ? ", committed" : "");
    return text;
}

void printTopology(const Topology& topology)
{
    for (const FilterInfo& f : topology.filters) {
        std::string cats;
        for (const auto& g : f.categories)
            cats += (cats.empty() ? "" : ", ") + guidName(g);
        std::cout << f.id << "  \"" << f.name << "\"  [" << f.kind << (cats.empty() ? "" : "; " + cats) << "]\n";
        for (const PinInfo& p : f.pins) {
            const std::string format = p.format.toString();
            std::cout << "  " << pinDirectionName(p.direction) << "  " << p.id << "  \"" << p.name << "\""
                      << (format.empty() ? "" : "  " + format) << "\n";
            if (const AllocatorInfo* a = topology.findAllocator(p.allocatorId))
                std::cout << "        allocator " << a->id << ": " << allocatorLine(*a) << "\n";
        }
    }
    if (!topology.connections.empty()) {
        std::cout << "connections:\n";
        for (const auto& c : topology.connections)
            std::cout << "  " << c.from << " -> " << c.to << "  (" << connectionFlagsText(c.flags) << ")\n";
    }
    if (topology.filters.empty())
        std::cout << "no devices found\n";
}

/// Opens the session and resolves \a id to an allocator of one backend, for the edit commands.
/// Returns an exit code (0 when both were found).
int openForEdit(Session& session, const GlobalOptions& global, const std::string& id, Topology& topology,
                std::string& allocatorId, Backend*& backend)
{
    if (int rc = openSession(session, global); rc != ExitOk)
        return rc;
    topology = session.topology();
    if (!resolveOne(topology, id, "\"" + id + "\"", allocatorId))
        return ExitDevice;
    backend = session.backendFor(allocatorId);
    return backend ? ExitOk : ExitDevice;
}

/// Starts the owner-mode streams named by --stream. Returns an exit code.
int startStreams(Session& session, const std::vector<std::string>& texts, bool quiet)
{
    for (const std::string& text : texts) {
        std::string error;
        auto spec = parseStreamSpec(text, error);
        if (!spec) {
            std::cerr << "ksscope-cli: " << error << "\n";
            return ExitInvalidValue;
        }
        std::string id;
        if (!resolveOne(session.topology(), spec->id, "--stream " + text, id))
            return ExitDevice;
        Backend* backend = session.backendFor(id);
        if (!backend)
            return ExitDevice;
        const Status status = backend->ownStream(id, spec->options);
        if (!status) {
            std::cerr << "ksscope-cli: --stream " << text << ": " << status.toString() << "\n";
            return status.code() == E_INVALIDARG ? ExitInvalidValue : ExitDevice;
        }
        if (!quiet)
            std::printf("streaming %s: %s\n", id.c_str(), status.message().c_str());
    }
    return ExitOk;
}

/// Connects the pins named by --connect (ks: into a null renderer in KsScope's own graph). Returns an exit code.
int connectPins(Session& session, const std::vector<std::string>& pinIds, bool quiet)
{
    for (const std::string& pinId : pinIds) {
        const Topology topology = session.topology();
        if (!topology.findPin(pinId)) {
            std::cerr << "ksscope-cli: --connect " << pinId
                      << ": no such pin; `ksscope-cli list` shows the pin ids (e.g. ks:usb-camera/pin0)\n";
            return ExitDevice;
        }
        Backend* backend = session.backendFor(pinId);
        if (!backend)
            return ExitDevice;
        const Status status = backend->connectPin(pinId);
        if (!status) {
            std::cerr << "ksscope-cli: --connect " << pinId << ": " << status.toString() << "\n";
            return status.code() == E_INVALIDARG ? ExitInvalidValue : ExitDevice;
        }
        if (!quiet)
            std::printf("connected %s: %s\n", pinId.c_str(), status.message().c_str());
    }
    return ExitOk;
}

} // namespace

int runList(const GlobalOptions& global, bool json)
{
    Session session;
    if (int rc = openSession(session, global); rc != ExitOk)
        return rc;
    const Topology topology = session.topology();
    if (json)
        std::cout << topologyToJson(topology).dump(2) << "\n";
    else
        printTopology(topology);
    return ExitOk;
}

int runStatus(const GlobalOptions& global, bool json, double settleSeconds, const std::vector<std::string>& streams,
              const std::vector<std::string>& connects, const std::vector<std::string>& ids)
{
    Session session;
    if (int rc = openSession(session, global); rc != ExitOk)
        return rc;
    if (int rc = connectPins(session, connects, json); rc != ExitOk)
        return rc;
    if (int rc = startStreams(session, streams, json); rc != ExitOk)
        return rc;
    std::vector<std::string> wanted;
    if (!resolveIds(session.topology(), ids, wanted))
        return ExitDevice;
    if (Status status = session.start(); !status)
        return fail(status);
    std::this_thread::sleep_for(std::chrono::duration<double>(settleSeconds));
    const Topology topology = session.topology(); // one snapshot per allocator, taken now
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& id : wanted)
            if (const AllocatorInfo* a = topology.findAllocator(id))
                list.push_back(allocatorToJson(*a));
        std::cout << nlohmann::json{{"schemaVersion", kJsonSchemaVersion}, {"allocators", list}}.dump(2) << "\n";
    } else {
        for (const auto& id : wanted)
            if (const AllocatorInfo* a = topology.findAllocator(id))
                std::cout << a->id << ": " << allocatorLine(*a) << "\n";
    }
    return ExitOk;
}

namespace {

void printSample(OutputFormat format, const std::string& id, const SampleRecord& r)
{
    if (format == OutputFormat::Json) {
        std::cout << sampleToJson(id, r).dump() << '\n';
    } else if (format == OutputFormat::Csv) {
        std::printf("sample,%.6f,%s,%u,%u,%u,,,,,,,,\n", static_cast<double>(r.sample.t_ns) * 1e-9, id.c_str(),
                    r.sample.frames, r.frameSize, r.sample.allocated);
    }
}

std::string csvQuote(const std::string& text)
{
    std::string out = "\"";
    for (char c : text)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

void printEvent(OutputFormat format, const MonitorEvent& e)
{
    const double t = static_cast<double>(e.t_ns) * 1e-9;
    if (format == OutputFormat::Json) {
        std::cout << eventToJson(e).dump() << '\n';
    } else if (format == OutputFormat::Csv) {
        std::printf("event,%.6f,%s,,,,%s,%s,,,,,,\n", t, e.id.c_str(), std::string(eventKindName(e.kind)).c_str(),
                    csvQuote(e.message).c_str());
    } else if (format == OutputFormat::Text) {
        std::printf("%9.3fs  %-10s  %s  %s\n", t, std::string(eventKindName(e.kind)).c_str(), e.id.c_str(),
                    e.message.c_str());
    }
}

std::string bar(std::uint32_t allocated, std::uint32_t frames)
{
    constexpr std::uint32_t kWidth = 16;
    if (frames == 0)
        return std::string(kWidth, ' ');
    const std::uint32_t filled = std::min(kWidth, (allocated * kWidth + frames - 1) / frames);
    return std::string(filled, '#') + std::string(kWidth - filled, '.');
}

} // namespace

int runWatch(const GlobalOptions& global, const WatchOptions& options)
{
    std::vector<SetSpec> sets;
    for (const std::string& text : options.sets) {
        std::string error;
        auto spec = parseSetSpec(text, error);
        if (!spec) {
            std::cerr << "ksscope-cli: " << error << "\n";
            return ExitInvalidValue;
        }
        sets.push_back(std::move(*spec));
    }

    Monitor::Options monitorOptions;
    monitorOptions.rateHz = options.rateHz;
    monitorOptions.windowSeconds = options.windowSeconds;
    monitorOptions.ids = options.ids;
    Session session;
    Monitor watched(monitorOptions); // declared after the session: stops sampling before it closes
    if (int rc = openSession(session, global, watched.eventSink()); rc != ExitOk)
        return rc;
    // a ks pin has its allocator once connected: connect before edits and before the ids are resolved
    if (int rc = connectPins(session, options.connects, options.format != OutputFormat::Text); rc != ExitOk)
        return rc;

    std::unique_ptr<Recorder> recorder;
    if (!options.recordPath.empty()) {
        Recorder::Options ro;
        ro.path = options.recordPath;
        for (const auto& backend : session.backends())
            ro.backends.push_back(backend->name());
        ro.scenario = global.scenario;
        ro.command = global.commandLine;
        ro.rateHz = options.rateHz;
        ro.overwrite = options.overwrite;
#if defined(SIGXFSZ)
        // past a file size limit, a write should fail with an error the recorder reports, not kill the watch
        std::signal(SIGXFSZ, SIG_IGN);
#endif
        Status status;
        recorder = Recorder::create(ro, session.topology(), status);
        if (!recorder) {
            std::cerr << "ksscope-cli: --record " << options.recordPath << ": " << status.message() << "\n";
            return ExitUsage;
        }
        watched.setRecordBuffers(true);
    }
    auto recordEdit = [&](const std::string& id, const char* kind, const Status& status,
                          const nlohmann::json& requested, const nlohmann::json& actual) {
        if (recorder)
            recorder->addEdit(
                {0, id, kind, status.isOk(), requested.dump(), actual.dump(), status.code(), status.message()});
    };
    auto propertiesJson = [](const ALLOCATOR_PROPERTIES& p) {
        return nlohmann::json{
            {"buffers", p.cBuffers}, {"bufferSize", p.cbBuffer}, {"align", p.cbAlign}, {"prefix", p.cbPrefix}};
    };

    // edits first, before anything is committed
    for (const SetSpec& set : sets) {
        std::string id;
        if (!resolveOne(session.topology(), set.id, "--set " + set.text, id))
            return ExitDevice;
        Backend* backend = session.backendFor(id);
        if (!backend)
            return ExitDevice;
        if (set.mode) {
            const Status s = backend->setMode(id, *set.mode, ApplyMode::Apply);
            const Topology after = session.topology();
            const AllocatorInfo* a = after.findAllocator(id);
            recordEdit(id, "mode", s, {{"mode", allocatorModeName(*set.mode)}},
                       {{"mode", a ? allocatorModeName(a->mode) : std::string_view()}});
            if (!s) {
                std::cerr << "ksscope-cli: --set " << set.text << ": " << s.toString() << "\n";
                return exitCodeFor(s);
            }
        }
        if (!set.properties.empty()) {
            const PropertyChange change = backend->setProperties(id, set.properties, ApplyMode::Apply);
            recordEdit(id, "properties", change.status, propertiesJson(change.requested),
                       propertiesJson(change.actual));
            if (!change.status) {
                std::cerr << "ksscope-cli: --set " << set.text << ": " << change.status.toString() << "\n";
                return change.status.code() == hresultFromWin32(kErrorNotFound) ? ExitDevice : ExitInvalidValue;
            }
            if (options.format == OutputFormat::Text)
                std::printf(
                    "set %s: requested %d x %d bytes align %d prefix %d -> actual %d x %d bytes align %d prefix %d\n",
                    id.c_str(), change.requested.cBuffers, change.requested.cbBuffer, change.requested.cbAlign,
                    change.requested.cbPrefix, change.actual.cBuffers, change.actual.cbBuffer, change.actual.cbAlign,
                    change.actual.cbPrefix);
        }
    }

    if (recorder && !sets.empty())
        recorder->addTopology(0, session.topology(), "edit");

    if (Status status = session.start(); !status)
        return fail(status);
    if (int rc = startStreams(session, options.streams, options.format != OutputFormat::Text); rc != ExitOk)
        return rc;
    if (Status status = watched.start(session); !status)
        return fail(status);
    if (recorder && options.format == OutputFormat::Text)
        std::printf("recording to %s\n", recorder->path().c_str());
    bool recordingFailed = false;

    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    if (options.format == OutputFormat::Csv)
        std::printf("type,t,id,frames,frameSize,allocatedFrames,kind,message,minAllocated,meanAllocated,"
                    "maxAllocated,starvationCount,starvedMs,drops\n");
    else if (options.format == OutputFormat::Text)
        std::printf("watching %zu allocator(s) at %g Hz%s; Ctrl-C stops\n", watched.allocatorIds().size(),
                    options.rateHz, options.durationSeconds > 0 ? "" : " until interrupted");

    const auto start = std::chrono::steady_clock::now();
    auto nextStatusLine = start + std::chrono::seconds(1);
    Monitor::Batch batch;
    std::vector<std::string> ids = watched.allocatorIds();
    struct SecondStats {
        std::uint32_t last = 0;
        std::uint32_t max = 0;
        std::uint32_t frames = 0;
        double sum = 0.0;
        std::uint32_t count = 0;
    };
    std::map<std::uint32_t, SecondStats> lastSecond; // allocator index -> this second's occupancy
    std::uint64_t lost = 0;
    auto drain = [&] {
        watched.takeNew(batch);
        lost += batch.lostSamples;
        if (batch.samples.empty() && batch.events.empty())
            return;
        ids = watched.allocatorIds();
        if (recorder) {
            recorder->add(batch, ids);
            // the topology again after anything that changed it (once per batch)
            for (const MonitorEvent& e : batch.events)
                if (e.kind == EventKind::Added || e.kind == EventKind::Removed || e.kind == EventKind::Config) {
                    recorder->addTopology(e.t_ns, session.topology(), std::string(eventKindName(e.kind)));
                    break;
                }
        }
        // samples and events in time order
        std::size_t e = 0;
        for (const SampleRecord& r : batch.samples) {
            while (e < batch.events.size() && batch.events[e].t_ns <= r.sample.t_ns)
                printEvent(options.format, batch.events[e++]);
            printSample(options.format, ids[r.allocator], r);
            SecondStats& second = lastSecond[r.allocator];
            second.last = r.sample.allocated;
            second.max = std::max(second.max, r.sample.allocated);
            second.frames = r.sample.frames;
            second.sum += r.sample.allocated;
            ++second.count;
        }
        for (; e < batch.events.size(); ++e)
            printEvent(options.format, batch.events[e]);
    };
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        drain();
        const auto now = std::chrono::steady_clock::now();
        if (recorder && !recordingFailed && !recorder->status()) {
            recordingFailed = true;
            std::cerr << "ksscope-cli: " << recorder->status().message() << "; watching goes on without recording\n";
        }
        if (options.format == OutputFormat::Text && now >= nextStatusLine) {
            const double t = static_cast<double>(watched.now_ns()) * 1e-9;
            for (auto& [index, v] : lastSecond)
                std::printf("%9.3fs  %-40s  now %2u/%-3u mean %5.2f  max %2u  [%s]\n", t, ids[index].c_str(), v.last,
                            v.frames, v.count ? v.sum / v.count : 0.0, v.max, bar(v.max, v.frames).c_str());
            lastSecond.clear();
            nextStatusLine += std::chrono::seconds(1);
        }
        std::fflush(stdout);
        if (g_interrupted)
            break;
        if (options.durationSeconds > 0 && now - start >= std::chrono::duration<double>(options.durationSeconds))
            break;
        if (watched.replaying() && watched.finished())
            break; // the recording has been played to its end
    }
    watched.stop();
    drain();
    const std::int64_t end_ns = watched.now_ns();
    session.close();
    Status recorded;
    RecorderStats recorderStats;
    if (recorder) {
        recorded = recorder->finish(end_ns);
        recorderStats = recorder->stats();
        if (!recorded && !recordingFailed)
            std::cerr << "ksscope-cli: " << recorded.message() << "\n";
    }

    const SamplerStats sampler = watched.samplerStats();
    const double cpuPercent = sampler.wallSeconds > 0 ? 100.0 * sampler.cpuSeconds / sampler.wallSeconds : 0.0;
    const double busyPercent = sampler.wallSeconds > 0 ? 100.0 * sampler.busyCpuSeconds / sampler.wallSeconds : 0.0;
    if (options.format == OutputFormat::Json) {
        nlohmann::json allocators = nlohmann::json::array();
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const AllocatorStats s = watched.stats(i);
            allocators.push_back(allocatorStatsToJson(ids[i], s));
        }
        std::cout << nlohmann::json{{"type", "summary"},
                                    {"durationSeconds", sampler.wallSeconds},
                                    {"rateHz", options.rateHz},
                                    {"allocators", allocators},
                                    {"sampler",
                                     {{"cpuSeconds", sampler.cpuSeconds},
                                      {"cpuPercentOfOneCore", cpuPercent},
                                      {"busyCpuSeconds", sampler.busyCpuSeconds},
                                      {"busyCpuPercentOfOneCore", busyPercent},
                                      {"samples", sampler.samples},
                                      {"ticks", sampler.ticks},
                                      {"lateTicks", sampler.lateTicks},
                                      {"lostSamples", lost}}},
                                    {"recording",
                                     recorder ? nlohmann::json{{"path", recorder->path()},
                                                               {"ok", recorded.isOk()},
                                                               {"error", recorded ? "" : recorded.message()},
                                                               {"samples", recorderStats.samples},
                                                               {"bufferChanges", recorderStats.bufferChanges},
                                                               {"events", recorderStats.events},
                                                               {"lostSamples", recorderStats.lostSamples},
                                                               {"bytes", recorderStats.fileBytes},
                                                               {"writerCpuSeconds", recorderStats.writerCpuSeconds}}
                                              : nlohmann::json(nullptr)}}
                         .dump()
                  << "\n";
    } else if (options.format == OutputFormat::Csv) {
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const AllocatorStats s = watched.stats(i);
            std::printf("summary,%.6f,%s,%u,%u,,,,%u,%.3f,%u,%llu,%.1f,%llu\n", sampler.wallSeconds, ids[i].c_str(),
                        s.frames, s.frameSize, s.minAllocated, s.meanAllocated, s.maxAllocated,
                        static_cast<unsigned long long>(s.starvationCount), s.starvedMs,
                        static_cast<unsigned long long>(s.drops));
        }
        std::printf(
            "sampler,%.6f,,,,,,%s,,,,,,\n", sampler.wallSeconds,
            csvQuote("cpuSeconds=" + std::to_string(sampler.cpuSeconds) + " samples=" + std::to_string(sampler.samples))
                .c_str());
    } else if (options.format == OutputFormat::Text) {
        if (watched.replaying())
            std::printf("\nsummary over %.1f s of the recording (played in %.1f s)\n",
                        static_cast<double>(end_ns) * 1e-9, sampler.wallSeconds);
        else
            std::printf("\nsummary over %.1f s\n", sampler.wallSeconds);
        std::printf("%-48s %8s %7s %6s %6s %11s %11s %7s %7s\n", "allocator", "frames", "min", "mean", "max",
                    "starvations", "starved ms", "drops", "fps");
        for (std::size_t i = 0; i < ids.size(); ++i) {
            const AllocatorStats s = watched.stats(i);
            std::printf("%-48s %8u %7u %6.2f %6u %11llu %11.1f %7llu %7.2f%s\n", ids[i].c_str(), s.frames,
                        s.minAllocated, s.meanAllocated, s.maxAllocated,
                        static_cast<unsigned long long>(s.starvationCount), s.starvedMs,
                        static_cast<unsigned long long>(s.drops), s.framesPerSecond, s.gone ? "  (gone)" : "");
        }
        std::printf("sampler: %llu samples in %llu ticks, CPU %.3f s (%.2f%% of one core, %.2f%% sampling, the "
                    "rest waking up)%s\n",
                    static_cast<unsigned long long>(sampler.samples), static_cast<unsigned long long>(sampler.ticks),
                    sampler.cpuSeconds, cpuPercent, busyPercent,
                    sampler.lateTicks ? (", " + std::to_string(sampler.lateTicks) + " late ticks skipped").c_str()
                                      : "");
        if (recorder && recorded)
            std::printf("recorded %llu samples, %llu buffer changes and %llu events to %s: %.2f MB, %.1f bytes per "
                        "sample, writer CPU %.3f s\n",
                        static_cast<unsigned long long>(recorderStats.samples),
                        static_cast<unsigned long long>(recorderStats.bufferChanges),
                        static_cast<unsigned long long>(recorderStats.events), recorder->path().c_str(),
                        static_cast<double>(recorderStats.fileBytes) / 1e6,
                        recorderStats.samples
                            ? static_cast<double>(recorderStats.fileBytes) / static_cast<double>(recorderStats.samples)
                            : 0.0,
                        recorderStats.writerCpuSeconds);
    }
    std::fflush(stdout);
    return recorder && !recorded ? ExitRecording : ExitOk;
}

int runSetMode(const GlobalOptions& global, const std::string& id, const std::string& modeText, bool dryRun)
{
    if (modeText != "user" && modeText != "kernel") {
        std::cerr << "ksscope-cli: set-mode: mode must be \"user\" or \"kernel\", got \"" << modeText << "\"\n";
        return ExitInvalidValue;
    }
    Session session;
    Topology topology;
    std::string allocatorId;
    Backend* backend = nullptr;
    if (int rc = openForEdit(session, global, id, topology, allocatorId, backend); rc != ExitOk)
        return rc;
    const KSALLOCATORMODE mode = modeText == "kernel" ? KsAllocatorMode_Kernel : KsAllocatorMode_User;
    const KSALLOCATORMODE before = topology.findAllocator(allocatorId)->mode;
    const Status status = backend->setMode(allocatorId, mode, dryRun ? ApplyMode::DryRun : ApplyMode::Apply);
    const Topology now = session.topology();
    const AllocatorInfo* after = now.findAllocator(allocatorId);
    std::cout << "allocator " << allocatorId << "\n"
              << "  requested mode: " << allocatorModeName(mode) << "\n"
              << "  mode before:    " << allocatorModeName(before) << "\n"
              << "  mode now:       " << (after ? allocatorModeName(after->mode) : "?") << "\n"
              << "  result:         " << status.toString() << "\n";
    if (!status) {
        std::cerr << "ksscope-cli: set-mode " << allocatorId << ": " << status.toString() << "\n";
        return exitCodeFor(status);
    }
    if (backend->name() == "sim" && !dryRun)
        std::cout << "note: simulated devices live inside one process; use `watch --set " << allocatorId
                  << ":mode=" << modeText << "` to watch the effect\n";
    return ExitOk;
}

int runSetProperties(const GlobalOptions& global, const std::string& id, const PropertyRequest& request, bool dryRun)
{
    if (request.empty()) {
        std::cerr << "ksscope-cli: set-properties: give at least one of --buffers, --buffer-size, --align, --prefix\n";
        return ExitUsage;
    }
    Session session;
    Topology topology;
    std::string allocatorId;
    Backend* backend = nullptr;
    if (int rc = openForEdit(session, global, id, topology, allocatorId, backend); rc != ExitOk)
        return rc;
    const PropertyChange change =
        backend->setProperties(allocatorId, request, dryRun ? ApplyMode::DryRun : ApplyMode::Apply);
    std::printf("allocator %s%s\n", allocatorId.c_str(), dryRun ? "  (dry run: predicted, nothing applied)" : "");
    std::printf("%-10s %8s %12s %8s %8s\n", "", "buffers", "bufferSize", "align", "prefix");
    std::printf("%-10s %8d %12d %8d %8d\n", "requested", change.requested.cBuffers, change.requested.cbBuffer,
                change.requested.cbAlign, change.requested.cbPrefix);
    std::printf("%-10s %8d %12d %8d %8d\n", dryRun ? "predicted" : "actual", change.actual.cBuffers,
                change.actual.cbBuffer, change.actual.cbAlign, change.actual.cbPrefix);
    std::printf("result: %s\n", change.status.toString().c_str());
    if (!change.status) {
        std::string argument;
        const HRESULT hr = change.status.code();
        if (hr == VFW_E_BADALIGN)
            argument = "--align " + std::to_string(change.requested.cbAlign) +
                       ": must be a power of two from 1 to 65536 (it must divide the 64 KiB allocation granularity)";
        else if (hr == E_INVALIDARG)
            argument = "values must not be negative";
        std::cerr << "ksscope-cli: set-properties " << allocatorId << ": "
                  << (argument.empty() ? change.status.toString() : argument + " [" + hresultName(hr) + "]") << "\n";
        if (hr == VFW_E_BADALIGN || hr == E_INVALIDARG || hr == VFW_E_SIZENOTSET)
            return ExitInvalidValue;
        return ExitDevice;
    }
    if (backend->name() == "sim" && !dryRun)
        std::printf("note: simulated devices live inside one process; use `watch --set %s:...` to watch the effect\n",
                    allocatorId.c_str());
    return ExitOk;
}

int runSetLink(const GlobalOptions& global, const std::string& from, const std::string& to, const std::string& state)
{
    if (state != "on" && state != "off") {
        std::cerr << "ksscope-cli: set-link: state must be \"on\" or \"off\", got \"" << state << "\"\n";
        return ExitInvalidValue;
    }
    Session session;
    if (int rc = openSession(session, global); rc != ExitOk)
        return rc;
    Backend* backend = session.backendFor(from);
    if (!backend) {
        std::cerr << "ksscope-cli: set-link: \"" << from << "\" belongs to no open backend\n";
        return ExitDevice;
    }
    const Status status = backend->setConnectionEnabled(from, to, state == "on");
    if (!status) {
        std::cerr << "ksscope-cli: set-link " << from << " -> " << to << ": " << status.toString() << "\n";
        return status.code() == hresultFromWin32(kErrorNotFound) ? ExitDevice : ExitInvalidValue;
    }
    std::cout << status.message() << "\n";
    return ExitOk;
}

int runBackends(const GlobalOptions& global, bool selfTest, bool json)
{
    const BackendOptions options = backendOptions(global);
    nlohmann::json list = nlohmann::json::array();
    bool allPassed = true;
    for (const std::string& name : BackendFactory::names()) {
        if (!global.backends.empty() &&
            std::find(global.backends.begin(), global.backends.end(), name) == global.backends.end())
            continue;
        auto backend = BackendFactory::create(name, options);
        const Availability availability = backend->availability();
        nlohmann::json entry{{"name", name}, {"available", availability.available}, {"reason", availability.reason}};
        if (!json)
            std::printf("%-6s %s%s\n", name.c_str(), availability.available ? "available" : "unavailable",
                        availability.reason.empty() ? "" : (": " + availability.reason).c_str());
        if (selfTest && availability.available) {
            const SelfTestReport report = backend->selfTest();
            allPassed = allPassed && report.passed;
            entry["selfTest"] = {{"passed", report.passed}, {"lines", report.lines}};
            if (!json)
                for (const auto& line : report.lines)
                    std::printf("       %s\n", line.c_str());
        }
        list.push_back(std::move(entry));
    }
    if (json)
        std::cout << nlohmann::json{{"backends", list}}.dump(2) << "\n";
    return allPassed ? ExitOk : ExitDevice;
}

} // namespace ksscope::cli

namespace ksscope::cli {

int runServe(const GlobalOptions& global, const ServeOptions& options)
{
#if !defined(KSSCOPE_WITH_AGENT)
    (void)global;
    (void)options;
    std::cerr << "ksscope-cli: serve: this build has no agent (it was built without cpp-httplib)\n";
    return ExitUsage;
#else
    agent::AgentOptions agentOptions;
    agentOptions.listen = options.listen;
    agentOptions.allowEdits = options.allowEdits;
    agentOptions.requestsPerSecond = options.maxRequestRate;
    agentOptions.maxStreamClients = options.maxStreamClients;
    agentOptions.headerTimeoutSeconds = options.headerTimeoutSeconds;
    agentOptions.maxWaitingPerClient = options.maxWaitingPerClient;
    if (!options.tokenFile.empty()) {
        if (Status status = agent::readTokenFile(options.tokenFile, agentOptions.token); !status) {
            std::cerr << "ksscope-cli: --token-file: " << status.message() << "\n";
            return ExitUsage;
        }
    }

    Monitor::Options monitorOptions;
    monitorOptions.rateHz = options.rateHz;
    monitorOptions.windowSeconds = options.windowSeconds;
    monitorOptions.ids = options.ids;
    Session session;
    Monitor monitor(monitorOptions); // after the session: stops sampling before it closes
    if (int rc = openSession(session, global, monitor.eventSink()); rc != ExitOk)
        return rc;
    if (Status status = session.start(); !status)
        return fail(status);
    if (Status status = monitor.start(session); !status)
        return fail(status);
    agent::Agent server(session, monitor, agentOptions); // after the monitor: stops serving before it stops
    if (Status status = server.start(); !status) {
        std::cerr << "ksscope-cli: serve: " << status.message() << "\n";
        return status.code() == E_INVALIDARG ? ExitUsage : ExitDevice;
    }
    const agent::ListenAddress address = server.address();
    std::printf("serving %zu allocator(s) at http://%s/metrics (Prometheus / OpenMetrics), /api/v1/topology, "
                "/api/v1/status and /api/v1/stream%s%s; Ctrl-C stops\n",
                monitor.allocatorCount(), address.toString().c_str(),
                agentOptions.token.empty() ? "" : "; token required", options.allowEdits ? "; edits allowed" : "");
    std::fflush(stdout);

    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
#if defined(SIGPIPE)
    std::signal(SIGPIPE, SIG_IGN); // a client that goes away must not end the agent
#endif
    const auto start = std::chrono::steady_clock::now();
    while (!g_interrupted) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (options.durationSeconds > 0 &&
            std::chrono::steady_clock::now() - start >= std::chrono::duration<double>(options.durationSeconds))
            break;
        if (monitor.replaying() && monitor.finished())
            break;
    }
    server.stop();
    monitor.stop();
    const agent::AgentStats stats = server.stats();
    std::printf("served %llu scrape(s); %llu request(s) refused, %llu rate-limited; %llu stream message(s) dropped "
                "for slow clients\n",
                static_cast<unsigned long long>(stats.scrapes), static_cast<unsigned long long>(stats.refusedRequests),
                static_cast<unsigned long long>(stats.rateLimitedRequests),
                static_cast<unsigned long long>(stats.streamDroppedMessages));
    session.close();
    return ExitOk;
#endif
}

} // namespace ksscope::cli
