// SPDX-License-Identifier: GPL-3.0-or-later
// The agent's HTTP server (cpp-httplib): /metrics, /api/v1/topology, /api/v1/status, /api/v1/stream and the edits.
// Over 600 lines because every endpoint reads the same pumped state (last samples, labels, per-client stream
// queues) under one lock; the documents themselves are json_output's and metrics.cpp's.

#include "connection_gate.h"
#include "ksscope/agent.h"
#include "ksscope/device_id.h"
#include "ksscope/json_output.h"
#include "ksscope/version.h"
#include "number_text.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <httplib.h>
#include <map>
#include <unordered_map>

namespace ksscope::agent {

bool supported()
{
    return true;
}

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

/// Compares without stopping at the first difference, so the time taken does not tell how much of a token
/// was right.
bool sameToken(std::string_view a, std::string_view b)
{
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
    return diff == 0;
}

void setText(httplib::Response& res, int status, const std::string& message)
{
    res.status = status;
    res.set_content(message + "\n", "text/plain; charset=utf-8");
}

void setJson(httplib::Response& res, int status, const json& document)
{
    res.status = status;
    res.set_content(document.dump() + "\n", "application/json");
}

json statusJson(const Status& status)
{
    return {{"ok", status.isOk()}, {"hresult", status.code()}, {"message", status.toString()}};
}

/// A value of a request as a message quotes it: short, never throwing.
std::string shown(const json& value)
{
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 60)
        text = text.substr(0, 57) + "...";
    return text;
}

/// Checks the fields of an edit's body: only \a allowed ones, "dryRun" a boolean. On failure answers 400 naming the
/// field and what it may be, and returns false.
bool checkFields(const json& body, std::initializer_list<std::string_view> allowed, httplib::Response& res)
{
    for (const auto& [key, value] : body.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            std::string list;
            for (const std::string_view a : allowed)
                list += (list.empty() ? "" : ", ") + std::string(a);
            setText(res, 400, "unknown field " + shown(json(key)) + "; this request takes " + list);
            return false;
        }
    }
    if (body.contains("dryRun") && !body["dryRun"].is_boolean()) {
        setText(res, 400, "\"dryRun\" must be true or false, got " + shown(body["dryRun"]));
        return false;
    }
    return true;
}

/// One chunk of the event stream: the SSE text of a pump tick and how many messages it holds.
struct Chunk {
    std::shared_ptr<const std::string> text;
    std::uint64_t messages = 0;
};

/// A client of /api/v1/stream: what the pump queued for it, bounded.
struct StreamClient {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<Chunk> queue;
    std::uint64_t dropped = 0; ///< messages dropped since the last lagged notice
    bool closed = false;
    bool wantsBuffers = false;
    bool greeted = false;
};

/// Per client address: a token bucket.
struct Bucket {
    double tokens = 0.0;
    Clock::time_point last;
};

/// The labels of one watched allocator.
struct Labels {
    std::string backend;
    std::string device;
    std::string pin;
};

/// The latest sample of one watched allocator.
struct Latest {
    std::uint32_t frames = 0;
    std::uint32_t frameSize = 0;
    std::uint32_t allocated = 0;
    bool seen = false;
};

void appendEvent(std::string& out, std::string_view event, const json& data)
{
    out += "event: ";
    out += event;
    out += "\ndata: ";
    out += data.dump();
    out += "\n\n";
}

/// A sample message: the document sampleToJson writes plus mode and the producer's counters, formatted directly
/// (the stream carries every sample of every allocator).
void appendSample(std::string& out, const std::string& quotedId, const SampleRecord& r)
{
    out += "event: sample\ndata: {\"type\":\"sample\",\"t\":";
    appendNumber(out, static_cast<double>(r.sample.t_ns) * 1e-9);
    out += ",\"id\":";
    out += quotedId;
    out += ",\"frames\":";
    appendNumber(out, r.sample.frames);
    out += ",\"frameSize\":";
    appendNumber(out, r.frameSize);
    out += ",\"allocatedFrames\":";
    appendNumber(out, r.sample.allocated);
    out += ",\"mode\":\"";
    out += allocatorModeName(r.mode);
    out += "\",\"dropped\":";
    appendNumber(out, r.dropped);
    out += ",\"delivered\":";
    appendNumber(out, r.delivered);
    out += "}\n\n";
}

} // namespace

struct Agent::Impl {
    Impl(WatchSession& w, AgentOptions o)
        : watch(w), session(w.session()), monitorHandle(w.monitor()), monitor(*monitorHandle), options(std::move(o)),
          server(gateLimits(options))
    {
    }

    static GateLimits gateLimits(const AgentOptions& o)
    {
        GateLimits limits;
        limits.headerTimeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.headerTimeoutSeconds * 1000));
        limits.maxWaitingPerClient = o.maxWaitingPerClient;
        limits.maxWaiting = o.maxWaiting;
        limits.workers = o.maxStreamClients + 8; // one per stream client, plus some for everything else
        limits.maxBodyBytes = o.maxBodyBytes;
        return limits;
    }

    WatchSession& watch;
    Session& session;
    std::shared_ptr<Monitor> monitorHandle; // the watch's monitor when the agent started: serve never replaces it
    Monitor& monitor;
    AgentOptions options;
    ListenAddress address;
    GatedServer server;
    std::thread serverThread;
    std::atomic<bool> listenDone{false}; // the listening loop returned
    std::thread pumpThread;
    bool started = false;
    Clock::time_point startTime = Clock::now();

    std::mutex stopMutex;
    std::condition_variable stopCv;
    bool stopping = false;

    // written by the pump, read by requests
    mutable std::mutex stateMutex;
    std::vector<std::string> ids; // the monitor's allocator ids
    std::vector<std::string> quotedIds; // pump thread: the ids as JSON strings
    std::vector<Labels> labels; // per monitor index
    std::vector<Latest> latest; // per monitor index
    std::unordered_map<std::string, std::size_t> newest; // allocator id -> its newest monitor index
    std::map<std::string, DeviceMetrics> devices; // filter id -> backend, up
    Topology topology;
    std::string topologyText; // the /api/v1/topology document
    std::uint64_t lostSamples = 0;
    double lastScrapeSeconds = 0.0;

    std::mutex clientsMutex;
    std::vector<std::shared_ptr<StreamClient>> clients;
    std::atomic<std::uint64_t> streamDropped{0};

    std::mutex rateMutex;
    std::unordered_map<std::string, Bucket> buckets;
    std::atomic<std::uint64_t> rateLimited{0};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> scrapes{0};

    [[nodiscard]] ConnectionStats connectionStats() const { return server.gateStats(); }
    void refreshTopology();
    void pumpOnce(Monitor::Batch& batch);
    void pumpLoop();
    void broadcast(const Monitor::Batch& batch);
    MetricsSnapshot snapshot();
    std::string renderMetrics(MetricsFormat format);
    json statusDocument();
    bool allow(const std::string& client);
    httplib::Server::HandlerResponse preRoute(const httplib::Request& req, httplib::Response& res);
    void routes();
    void stream(const httplib::Request& req, httplib::Response& res);
    void editProperties(const httplib::Request& req, httplib::Response& res);
    void editMode(const httplib::Request& req, httplib::Response& res);
    bool checkEdit(const httplib::Request& req, httplib::Response& res, json& body, std::string& allocatorId,
                   Backend*& backend);
};

void Agent::Impl::refreshTopology()
{
    Topology now = session.topology();
    std::vector<std::string> monitorIds = monitor.allocatorIds();
    std::string text = topologyToJson(now).dump();
    std::lock_guard lock(stateMutex);
    for (auto& [id, device] : devices)
        device.up = false;
    for (const FilterInfo& f : now.filters) {
        DeviceMetrics& d = devices[f.id];
        d.backend = f.backend;
        d.device = f.id;
        d.up = true;
    }
    labels.resize(monitorIds.size());
    latest.resize(monitorIds.size());
    for (std::size_t i = 0; i < monitorIds.size(); ++i) {
        newest[monitorIds[i]] = i;
        if (!labels[i].backend.empty())
            continue;
        const std::string& id = monitorIds[i];
        Labels& l = labels[i];
        if (const Backend* b = session.backendFor(id))
            l.backend = b->name();
        if (const AllocatorInfo* a = now.findAllocator(id); a && !a->pinIds.empty()) {
            l.pin = a->pinIds.front();
            l.device = filterOfPin(l.pin);
            latest[i].frames = a->status.Framing.Frames;
            latest[i].frameSize = a->status.Framing.FrameSize;
            latest[i].allocated = a->status.AllocatedFrames;
        }
    }
    ids = std::move(monitorIds);
    topology = std::move(now);
    topologyText = std::move(text);
}

void Agent::Impl::pumpOnce(Monitor::Batch& batch)
{
    watch.drain(batch);
    bool refresh = monitor.allocatorCount() != ids.size(); // ids is only written on this thread
    for (const MonitorEvent& e : batch.events)
        refresh = refresh || isStructural(e.kind);
    if (refresh)
        refreshTopology();
    {
        std::lock_guard lock(stateMutex);
        lostSamples += batch.lostSamples;
        for (const SampleRecord& r : batch.samples) {
            if (r.allocator >= latest.size())
                continue;
            Latest& l = latest[r.allocator];
            l.frames = r.sample.frames;
            l.frameSize = r.frameSize;
            l.allocated = r.sample.allocated;
            l.seen = true;
        }
    }
    broadcast(batch);
}

void Agent::Impl::broadcast(const Monitor::Batch& batch)
{
    if (quotedIds.size() != ids.size()) {
        quotedIds.reserve(ids.size());
        for (std::size_t i = quotedIds.size(); i < ids.size(); ++i)
            quotedIds.push_back(json(ids[i]).dump()); // escaped once, not per sample
    }
    std::vector<std::shared_ptr<StreamClient>> targets;
    bool buffers = false;
    {
        std::lock_guard lock(clientsMutex);
        targets = clients;
        for (const auto& c : clients)
            buffers = buffers || c->wantsBuffers;
    }
    watch.setStreamBuffers(buffers);
    if (targets.empty() || (batch.samples.empty() && batch.events.empty() && batch.bufferChanges.empty()))
        return;

    // samples and events in time order, as `watch --json` prints them
    auto text = std::make_shared<std::string>();
    std::uint64_t messages = 0;
    std::size_t e = 0;
    for (const SampleRecord& r : batch.samples) {
        while (e < batch.events.size() && batch.events[e].t_ns <= r.sample.t_ns) {
            appendEvent(*text, "event", eventToJson(batch.events[e++]));
            ++messages;
        }
        if (r.allocator >= ids.size())
            continue;
        appendSample(*text, quotedIds[r.allocator], r);
        ++messages;
    }
    for (; e < batch.events.size(); ++e, ++messages)
        appendEvent(*text, "event", eventToJson(batch.events[e]));
    std::shared_ptr<std::string> bufferText;
    std::uint64_t bufferMessages = 0;
    if (buffers && !batch.bufferChanges.empty()) {
        bufferText = std::make_shared<std::string>();
        for (const BufferChange& b : batch.bufferChanges) {
            if (b.allocator >= ids.size())
                continue;
            appendEvent(*bufferText, "buffer",
                        {{"type", "buffer"},
                         {"t", static_cast<double>(b.t_ns) * 1e-9},
                         {"id", ids[b.allocator]},
                         {"frame", b.frame},
                         {"state", static_cast<int>(b.state)}});
            ++bufferMessages;
        }
    }

    // at most this many chunks wait per client: a pump tick each
    const std::size_t maxChunks = std::max<std::size_t>(
        4, static_cast<std::size_t>(static_cast<double>(options.streamQueueMessages) /
                                    std::max<double>(1.0, static_cast<double>(messages + bufferMessages))));
    const Chunk chunk{std::move(text), messages};
    for (const auto& client : targets) {
        std::lock_guard lock(client->mutex);
        if (client->closed)
            continue;
        auto push = [&](const Chunk& c) {
            client->queue.push_back(c);
            while (client->queue.size() > maxChunks) {
                client->dropped += client->queue.front().messages;
                streamDropped += client->queue.front().messages;
                client->queue.pop_front();
            }
        };
        if (chunk.messages > 0)
            push(chunk);
        if (client->wantsBuffers && bufferText)
            push({bufferText, bufferMessages});
        client->cv.notify_one();
    }
}

void Agent::Impl::pumpLoop()
{
    Monitor::Batch batch;
    const auto interval = std::chrono::duration<double>(options.pumpIntervalSeconds);
    std::unique_lock lock(stopMutex);
    while (!stopping) {
        stopCv.wait_for(lock, interval, [&] { return stopping; });
        if (stopping)
            break;
        lock.unlock();
        pumpOnce(batch);
        lock.lock();
    }
}

MetricsSnapshot Agent::Impl::snapshot()
{
    MetricsSnapshot s;
    std::vector<std::pair<std::size_t, AllocatorMetrics>> current;
    {
        std::lock_guard lock(stateMutex);
        s.allocators.reserve(newest.size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (newest[ids[i]] != i)
                continue; // an allocator that went away and came back: its newest index only
            AllocatorMetrics a;
            a.backend = labels[i].backend;
            a.device = labels[i].device;
            a.pin = labels[i].pin;
            a.allocator = ids[i];
            a.frames = latest[i].frames;
            a.frameSize = latest[i].frameSize;
            a.allocatedFrames = latest[i].allocated;
            current.emplace_back(i, std::move(a));
        }
        for (const auto& [id, device] : devices)
            s.devices.push_back(device);
        s.lostSamples = lostSamples;
        s.lastScrapeSeconds = lastScrapeSeconds;
    }
    for (auto& [index, a] : current) {
        const AllocatorStats stats = monitor.stats(index);
        if (stats.gone)
            continue;
        a.starving = stats.starving;
        a.starvations = stats.starvationCount;
        a.starvedSeconds = stats.starvedMs * 1e-3;
        a.droppedFrames = stats.drops;
        a.deliveredFrames = stats.delivered;
        if (stats.samples > 0) {
            a.frames = stats.frames;
            a.frameSize = stats.frameSize;
        }
        s.allocators.push_back(std::move(a));
    }
    s.sampler = monitor.samplerStats();
    s.rateHz = monitor.rateHz();
    {
        std::lock_guard lock(clientsMutex);
        s.streamClients = clients.size();
    }
    s.streamDroppedMessages = streamDropped.load();
    s.rateLimitedRequests = rateLimited.load();
    s.refusedRequests = refused.load();
    s.connections = connectionStats();
    return s;
}

std::string Agent::Impl::renderMetrics(MetricsFormat format)
{
    const auto begin = Clock::now();
    std::string out;
    writeMetrics(snapshot(), format, out);
    const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
    ++scrapes;
    std::lock_guard lock(stateMutex);
    lastScrapeSeconds = seconds;
    return out;
}

json Agent::Impl::statusDocument()
{
    const MetricsSnapshot s = snapshot();
    json allocators = json::array();
    for (const AllocatorMetrics& a : s.allocators)
        allocators.push_back({{"id", a.allocator},
                              {"backend", a.backend},
                              {"device", a.device},
                              {"pin", a.pin},
                              {"frames", a.frames},
                              {"frameSize", a.frameSize},
                              {"allocatedFrames", a.allocatedFrames},
                              {"starving", a.starving},
                              {"starvationCount", a.starvations},
                              {"starvedSeconds", a.starvedSeconds},
                              {"drops", a.droppedFrames},
                              {"delivered", a.deliveredFrames}});
    json devicesJson = json::array();
    for (const DeviceMetrics& d : s.devices)
        devicesJson.push_back({{"id", d.device}, {"backend", d.backend}, {"up", d.up}});
    return {{"schemaVersion", kJsonSchemaVersion},
            {"agent",
             {{"version", KSSCOPE_VERSION_FULL},
              {"listen", address.toString()},
              {"allowEdits", options.allowEdits},
              {"tokenRequired", !options.token.empty()},
              {"uptimeSeconds", std::chrono::duration<double>(Clock::now() - startTime).count()},
              {"streamClients", s.streamClients},
              {"connections",
               {{"accepted", s.connections.accepted},
                {"waiting", s.connections.waiting},
                {"serving", s.connections.serving},
                {"closedHeaderTimeout", s.connections.headerTimeouts},
                {"closedTooLarge", s.connections.oversized},
                {"closedEvicted", s.connections.evicted},
                {"closedBusy", s.connections.busy},
                {"closedMalformed", s.connections.malformed}}}}},
            {"sampler",
             {{"rateHz", s.rateHz},
              {"ticks", s.sampler.ticks},
              {"lateTicks", s.sampler.lateTicks},
              {"samples", s.sampler.samples},
              {"cpuSeconds", s.sampler.cpuSeconds},
              {"busyCpuSeconds", s.sampler.busyCpuSeconds},
              {"wallSeconds", s.sampler.wallSeconds},
              {"lostSamples", s.lostSamples}}},
            {"devices", devicesJson},
            {"allocators", allocators}};
}

bool Agent::Impl::allow(const std::string& client)
{
    const double rate = options.requestsPerSecond;
    if (rate <= 0)
        return true;
    const double burst = 2.0 * rate;
    const auto now = Clock::now();
    std::lock_guard lock(rateMutex);
    if (buckets.size() > 4096) // forget idle addresses rather than grow without bound
        std::erase_if(buckets, [&](const auto& b) { return now - b.second.last > std::chrono::seconds(60); });
    auto [it, inserted] = buckets.try_emplace(client, Bucket{burst, now});
    Bucket& b = it->second;
    if (!inserted) {
        b.tokens = std::min(burst, b.tokens + rate * std::chrono::duration<double>(now - b.last).count());
        b.last = now;
    }
    if (b.tokens < 1.0)
        return false;
    b.tokens -= 1.0;
    return true;
}

httplib::Server::HandlerResponse Agent::Impl::preRoute(const httplib::Request& req, httplib::Response& res)
{
    using R = httplib::Server::HandlerResponse;
    if (!allow(req.remote_addr)) {
        ++rateLimited;
        GatedServer::closeAfterResponse();
        res.set_header("Retry-After", "1");
        char rate[32];
        std::snprintf(rate, sizeof rate, "%g", options.requestsPerSecond);
        setText(res, 429,
                "too many requests from " + req.remote_addr + ": this agent answers " + rate +
                    " per second per address (--max-request-rate); ask less often");
        return R::Handled;
    }
    if (!options.token.empty()) {
        const std::string header = req.get_header_value("Authorization");
        const std::string_view prefix = "Bearer ";
        const bool ok = header.size() > prefix.size() && header.compare(0, prefix.size(), prefix) == 0 &&
                        sameToken(std::string_view(header).substr(prefix.size()), options.token);
        if (!ok) {
            ++refused;
            GatedServer::closeAfterResponse();
            res.set_header("WWW-Authenticate", "Bearer realm=\"ksscope\"");
            setText(res, 401,
                    header.empty() ? "this agent needs a token: send the header \"Authorization: Bearer TOKEN\" "
                                     "with the token from the agent's --token-file"
                                   : "the token does not match the agent's --token-file");
            return R::Handled;
        }
    }
    return R::Unhandled;
}

void Agent::Impl::stream(const httplib::Request& req, httplib::Response& res)
{
    auto client = std::make_shared<StreamClient>();
    client->wantsBuffers = req.get_param_value("buffers") == "1";
    {
        std::lock_guard lock(clientsMutex);
        if (clients.size() >= options.maxStreamClients) {
            res.set_header("Retry-After", "5");
            setText(res, 503,
                    "this agent already streams to " + std::to_string(clients.size()) +
                        " clients (--max-stream-clients); try again later");
            return;
        }
        clients.push_back(client);
    }
    const double rateHz = monitor.rateHz();
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [client, rateHz](std::size_t, httplib::DataSink& sink) {
            std::string out;
            if (!client->greeted) {
                client->greeted = true;
                appendEvent(out, "hello",
                            {{"type", "hello"},
                             {"version", KSSCOPE_VERSION_FULL},
                             {"rateHz", rateHz},
                             {"buffers", client->wantsBuffers}});
                return sink.write(out.data(), out.size());
            }
            std::deque<Chunk> chunks;
            std::uint64_t dropped = 0;
            {
                std::unique_lock lock(client->mutex);
                client->cv.wait_for(lock, std::chrono::seconds(1),
                                    [&] { return !client->queue.empty() || client->closed; });
                if (client->closed) {
                    lock.unlock();
                    sink.done();
                    return true;
                }
                chunks.swap(client->queue);
                dropped = std::exchange(client->dropped, 0);
            }
            if (dropped > 0) {
                appendEvent(out, "lagged",
                            {{"type", "lagged"},
                             {"dropped", dropped},
                             {"message",
                              std::to_string(dropped) + " messages were dropped because this client read too slowly"}});
            }
            if (chunks.empty() && out.empty()) {
                static constexpr std::string_view kKeepAlive = ": keep-alive\n\n";
                return sink.write(kKeepAlive.data(), kKeepAlive.size());
            }
            if (!out.empty() && !sink.write(out.data(), out.size()))
                return false;
            for (const Chunk& c : chunks)
                if (!sink.write(c.text->data(), c.text->size()))
                    return false;
            return true;
        },
        [this, client](bool) {
            {
                std::lock_guard lock(client->mutex);
                client->closed = true;
                client->queue.clear();
            }
            std::lock_guard lock(clientsMutex);
            std::erase(clients, client);
        });
}

bool Agent::Impl::checkEdit(const httplib::Request& req, httplib::Response& res, json& body, std::string& allocatorId,
                            Backend*& backend)
{
    if (!options.allowEdits) {
        ++refused;
        setText(res, 403,
                "this agent is read-only: start `ksscope-cli serve` with --allow-edits and --token-file "
                "to allow edits over the network");
        return false;
    }
    body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        setText(res, 400, "the request body must be a JSON object");
        return false;
    }
    if (!body.contains("id") || !body["id"].is_string()) {
        setText(res, 400, "the request needs \"id\": an allocator or pin id");
        return false;
    }
    const std::string id = body["id"].get<std::string>();
    allocatorId = session.topology().resolveAllocatorId(id);
    backend = allocatorId.empty() ? nullptr : session.backendFor(allocatorId);
    if (!backend) {
        setText(res, 404, "\"" + id + "\" matches no allocator or pin of this agent; /api/v1/topology lists them");
        return false;
    }
    return true;
}

void Agent::Impl::editProperties(const httplib::Request& req, httplib::Response& res)
{
    json body;
    std::string allocatorId;
    Backend* backend = nullptr;
    if (!checkEdit(req, res, body, allocatorId, backend))
        return;
    if (!checkFields(body, {"id", "buffers", "bufferSize", "align", "prefix", "dryRun"}, res))
        return;
    PropertyRequest request;
    const std::pair<const char*, std::optional<LONG>*> fields[] = {{"buffers", &request.buffers},
                                                                   {"bufferSize", &request.bufferSize},
                                                                   {"align", &request.align},
                                                                   {"prefix", &request.prefix}};
    for (const auto& [name, field] : fields) {
        if (!body.contains(name))
            continue;
        const json& v = body[name];
        if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 0x7fffffff) {
            setText(res, 400,
                    std::string("\"") + name + "\" must be a whole number from 0 to 2147483647, got " + shown(v));
            return;
        }
        *field = static_cast<LONG>(v.get<std::int64_t>());
    }
    if (request.empty()) {
        setText(res, 400, "name at least one of \"buffers\", \"bufferSize\", \"align\", \"prefix\"");
        return;
    }
    const bool dryRun = body.value("dryRun", false);
    const PropertyChange change =
        watch.setProperties(allocatorId, request, dryRun ? ApplyMode::DryRun : ApplyMode::Apply);
    setJson(res, change.status ? 200 : 422,
            {{"id", allocatorId},
             {"dryRun", dryRun},
             {"applied", change.applied},
             {"requested", propertiesToJson(change.requested)},
             {"actual", propertiesToJson(change.actual)},
             {"status", statusJson(change.status)}});
}

void Agent::Impl::editMode(const httplib::Request& req, httplib::Response& res)
{
    json body;
    std::string allocatorId;
    Backend* backend = nullptr;
    if (!checkEdit(req, res, body, allocatorId, backend))
        return;
    if (!checkFields(body, {"id", "mode", "dryRun"}, res))
        return;
    const json* modeField = body.contains("mode") ? &body["mode"] : nullptr;
    const std::string mode = modeField && modeField->is_string() ? modeField->get<std::string>() : std::string();
    if (mode != "user" && mode != "kernel") {
        setText(res, 400,
                "\"mode\" must be \"user\" or \"kernel\", got " + (modeField ? shown(*modeField) : "nothing"));
        return;
    }
    const bool dryRun = body.value("dryRun", false);
    const Status status = watch.setMode(allocatorId, mode == "user" ? KsAllocatorMode_User : KsAllocatorMode_Kernel,
                                        dryRun ? ApplyMode::DryRun : ApplyMode::Apply);
    setJson(res, status ? 200 : 422,
            {{"id", allocatorId}, {"dryRun", dryRun}, {"mode", mode}, {"status", statusJson(status)}});
}

void Agent::Impl::routes()
{
    server.set_pre_routing_handler([this](const auto& req, auto& res) { return preRoute(req, res); });
    server.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
        const MetricsFormat format = negotiateMetricsFormat(req.get_header_value("Accept"));
        res.set_content(renderMetrics(format), std::string(metricsContentType(format)));
    });
    server.Get("/api/v1/topology", [this](const httplib::Request&, httplib::Response& res) {
        std::string text;
        {
            std::lock_guard lock(stateMutex);
            text = topologyText;
        }
        res.set_content(text + "\n", "application/json");
    });
    server.Get("/api/v1/status",
               [this](const httplib::Request&, httplib::Response& res) { setJson(res, 200, statusDocument()); });
    server.Get("/api/v1/stream", [this](const httplib::Request& req, httplib::Response& res) { stream(req, res); });
    server.Post("/api/v1/properties",
                [this](const httplib::Request& req, httplib::Response& res) { editProperties(req, res); });
    server.Post("/api/v1/mode", [this](const httplib::Request& req, httplib::Response& res) { editMode(req, res); });
    server.Get("/", [](const httplib::Request&, httplib::Response& res) {
        setText(res, 200,
                "KsScope agent " KSSCOPE_VERSION_FULL "\n"
                "GET  /metrics            Prometheus / OpenMetrics text\n"
                "GET  /api/v1/topology    filters, pins, connections and allocators (JSON)\n"
                "GET  /api/v1/status      allocator statistics, devices and the sampler (JSON)\n"
                "GET  /api/v1/stream      samples and events as server-sent events (?buffers=1: buffer states)\n"
                "POST /api/v1/properties  KsSetProperties (--allow-edits)\n"
                "POST /api/v1/mode        KsSetAllocatorMode (--allow-edits)");
    });
    server.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                         httplib::Response& res) {
        if (!res.body.empty())
            return httplib::Server::HandlerResponse::Unhandled;
        if (res.status == 404)
            setText(res, 404, req.path + ": no such endpoint; GET / lists them");
        else if (res.status == 413)
            setText(res, 413,
                    "the request body is over " + std::to_string(options.maxBodyBytes) + " bytes, the agent's limit");
        else
            setText(res, res.status, "the request could not be handled (HTTP " + std::to_string(res.status) + ")");
        return httplib::Server::HandlerResponse::Handled;
    }));
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr& ep) {
        std::string what = "unknown error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        setText(res, 500, "internal error: " + what);
    });
}

Agent::Agent(WatchSession& watch, AgentOptions options) : m_impl(std::make_unique<Impl>(watch, std::move(options))) { }

Agent::~Agent()
{
    stop();
}

Status Agent::start()
{
    Impl& d = *m_impl;
    if (d.started)
        return {E_UNEXPECTED, "the agent runs already"};
    if (Status s = parseListenAddress(d.options.listen, d.address); !s)
        return s;
    if (!d.address.loopback() && d.options.token.empty())
        return {E_INVALIDARG, "--listen " + d.address.toString() +
                                  " is reachable from other machines: give a token with --token-file FILE (clients "
                                  "then send \"Authorization: Bearer TOKEN\"), or listen on 127.0.0.1"};
    if (d.options.allowEdits && d.options.token.empty())
        return {E_INVALIDARG, "--allow-edits needs a token (--token-file FILE): edits over the network are only "
                              "taken from clients that send it"};

    d.server.set_payload_max_length(d.options.maxBodyBytes);
    d.server.set_read_timeout(5, 0);
    d.server.set_write_timeout(5, 0); // a client that stops reading is dropped after this long
    d.server.set_keep_alive_timeout(5); // what the answers announce; the gate closes idle connections after 5 s
    d.server.set_keep_alive_max_count(100);
    d.routes();

    if (d.address.port == 0) {
        const int port = d.server.bind_to_any_port(d.address.host);
        if (port < 0)
            return {hresultFromWin32(kErrorAccessDenied), "could not listen on " + d.address.toString()};
        d.address.port = port;
    } else if (!d.server.bind_to_port(d.address.host, d.address.port)) {
        return {hresultFromWin32(kErrorBusy), "could not listen on " + d.address.toString() +
                                                  ": the port is in use or not allowed; choose another with --listen"};
    }
    d.server.widenBacklog(1024);
    d.refreshTopology();
    d.started = true;
    if (!d.server.startGate())
        return {hresultFromWin32(kErrorNotReady), "the agent cannot start its connection gate (epoll or eventfd "
                                                  "refused: too many open files? see ulimit -n)"};
    d.pumpThread = std::thread([&d] { d.pumpLoop(); });
    d.listenDone = false;
    d.serverThread = std::thread([&d] {
        d.server.listen_after_bind();
        d.listenDone = true;
    });
    return Status::ok();
}

void Agent::stop()
{
    Impl& d = *m_impl;
    if (!d.started)
        return;
    d.started = false;
    {
        std::lock_guard lock(d.stopMutex);
        d.stopping = true;
    }
    d.stopCv.notify_all();
    d.pumpThread.join();
    {
        std::lock_guard lock(d.clientsMutex);
        for (const auto& c : d.clients) {
            std::lock_guard clientLock(c->mutex);
            c->closed = true;
            c->cv.notify_all();
        }
    }
    // stop() does nothing until the listening loop runs: wait for it to begin (or to have ended) first
    while (!d.server.is_running() && !d.listenDone)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    d.server.stop();
    d.serverThread.join();
    d.server.stopGate();
    d.watch.setStreamBuffers(false);
}

ListenAddress Agent::address() const
{
    return m_impl->address;
}

std::string Agent::metrics(MetricsFormat format)
{
    return m_impl->renderMetrics(format);
}

AgentStats Agent::stats() const
{
    AgentStats s;
    s.scrapes = m_impl->scrapes.load();
    {
        std::lock_guard lock(m_impl->clientsMutex);
        s.streamClients = m_impl->clients.size();
    }
    s.streamDroppedMessages = m_impl->streamDropped.load();
    s.rateLimitedRequests = m_impl->rateLimited.load();
    s.refusedRequests = m_impl->refused.load();
    s.connections = m_impl->connectionStats();
    return s;
}

} // namespace ksscope::agent
