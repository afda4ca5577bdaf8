// SPDX-License-Identifier: GPL-3.0-or-later
// The agent backend: the devices of a remote `ksscope-cli serve`, read from its topology and its event stream.
// Over 600 lines because the connection (topology, event stream, reconnection) and the Backend interface over it
// share one state under one lock; apart, each would reach into the other's.

#include "ksscope/agent.h"
#include "ksscope/backend_registry.h"
#include "ksscope/json_output.h"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <httplib.h>
#include <map>
#include <optional>
#include <regex>
#include <thread>

namespace ksscope::agent {

namespace {

using nlohmann::json;

/// A sample time (seconds since the agent's monitor started) past it is refused: a year and a day.
constexpr double kMaxRemoteSeconds = 366.0 * 86400.0;

/// The remote samples of one allocator not yet taken (with when, on the local steady clock), and the latest one.
struct RemoteAllocator {
    std::deque<AllocatorProbe::TakenReading> queue;
    AllocatorReading latest;
    bool haveLatest = false;
    std::vector<BufferState> buffers;
};

/// What the stream thread learns and the probes read.
struct Shared {
    std::mutex mutex;
    bool connected = false;
    Topology remote; // as the agent names it
    Topology local; // with this backend's prefix
    std::map<std::string, RemoteAllocator> allocators; // remote allocator id -> its readings
    std::size_t maxQueued = 256;
    /// Local steady time minus the agent's time of a sample (ns), the smallest seen on this stream: a sample is
    /// placed at its agent time plus it, so the remote series keeps its spacing and is never ahead of its arrival.
    std::optional<std::int64_t> offset_ns;
};

class AgentProbe final : public AllocatorProbe {
public:
    AgentProbe(std::shared_ptr<Shared> shared, std::string remoteId)
        : m_shared(std::move(shared)), m_remoteId(std::move(remoteId))
    {
    }

    HRESULT read(AllocatorReading& reading) override
    {
        std::lock_guard lock(m_shared->mutex);
        const AllocatorInfo* info = m_shared->connected ? m_shared->remote.findAllocator(m_remoteId) : nullptr;
        if (!info)
            return hresultFromWin32(kErrorDeviceRemoved);
        auto it = m_shared->allocators.find(m_remoteId);
        if (it == m_shared->allocators.end() || !it->second.haveLatest) {
            reading = {};
            reading.status = info->status;
            reading.mode = info->mode;
            return S_OK;
        }
        reading = it->second.latest;
        return S_OK;
    }

    /// Every remote sample, at its own time: starvation and drops are derived from the remote series as it was
    /// taken, not from what one poll per tick happens to catch.
    bool takeReadings(std::vector<TakenReading>& out) override
    {
        std::lock_guard lock(m_shared->mutex);
        auto it = m_shared->allocators.find(m_remoteId);
        if (it != m_shared->allocators.end()) {
            out.insert(out.end(), it->second.queue.begin(), it->second.queue.end());
            it->second.queue.clear();
        }
        return true;
    }

    std::vector<BufferState> bufferStates() override
    {
        std::lock_guard lock(m_shared->mutex);
        auto it = m_shared->allocators.find(m_remoteId);
        return it == m_shared->allocators.end() ? std::vector<BufferState>() : it->second.buffers;
    }

private:
    std::shared_ptr<Shared> m_shared;
    std::string m_remoteId;
};

/// "http://host:port", "https://host:port", "host:port" or "host" (port 9464).
bool parseUrl(const std::string& url, std::string& schemeHostPort, std::string& hostPort)
{
    static const std::regex kUrl(R"(^(?:(https?)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::([0-9]{1,5}))?/?$)");
    std::smatch m;
    if (!std::regex_match(url, m, kUrl))
        return false;
    const std::string scheme = m[1].matched ? m[1].str() : "http";
    const std::string port = m[3].matched ? m[3].str() : "9464";
    if (std::stoi(port) > 65535)
        return false;
    hostPort = m[2].str() + ":" + port;
    schemeHostPort = scheme + "://" + hostPort;
    return true;
}

class AgentBackend final : public Backend {
public:
    explicit AgentBackend(AgentConnection connection) : m_connection(std::move(connection))
    {
        m_valid = parseUrl(m_connection.url, m_url, m_hostPort);
        m_name = m_connection.url.empty() ? std::string("agent") : "agent@" + (m_valid ? m_hostPort : m_connection.url);
    }
    ~AgentBackend() override { close(); }

    [[nodiscard]] std::string name() const override { return m_name; }
    [[nodiscard]] std::string interfacesNote() const override
    {
        return "as the agent reports it (its IKsAllocatorEx is on the remote machine)";
    }
    [[nodiscard]] Availability availability() const override
    {
        if (m_connection.url.empty())
            return {false, "no agent address: name one with --agent http://HOST:PORT"};
        if (!m_valid)
            return {false, "\"" + m_connection.url + "\" is not an agent address; expected http://HOST:PORT"};
        return {true, {}};
    }
    SelfTestReport selfTest() override
    {
        SelfTestReport report;
        Topology topology;
        json status;
        const Status s = fetch(topology, status);
        report.passed = s.isOk();
        report.lines.push_back(s ? "ok: the agent at " + m_url + " answers with " +
                                       std::to_string(topology.filters.size()) + " device(s)"
                                 : "FAIL: " + s.message());
        return report;
    }

    Status open() override
    {
        if (!m_valid)
            return {E_INVALIDARG, availability().reason};
        if (!m_connection.tokenFile.empty())
            if (Status s = readTokenFile(m_connection.tokenFile, m_connection.token); !s)
                return s;
        Topology topology;
        json status;
        if (Status s = fetch(topology, status); !s)
            return s;
        m_allowEdits = status.value("/agent/allowEdits"_json_pointer, false);
        std::lock_guard lock(m_shared->mutex);
        setTopologyLocked(std::move(topology));
        m_shared->connected = true;
        return Status::ok();
    }

    Status start() override
    {
        if (m_thread.joinable())
            return Status::ok();
        m_stopping = false;
        m_thread = std::thread([this] { run(); });
        return Status::ok();
    }

    void close() override
    {
        {
            std::lock_guard lock(m_stopMutex);
            m_stopping = true;
            if (m_streamClient)
                m_streamClient->stop();
        }
        m_stopCv.notify_all();
        if (m_thread.joinable())
            m_thread.join();
        std::lock_guard lock(m_shared->mutex);
        m_shared->connected = false;
    }

    /// Empty while the agent is unreachable, so that viewers grey its devices out.
    [[nodiscard]] Topology topology() override
    {
        std::lock_guard lock(m_shared->mutex);
        return m_shared->connected ? m_shared->local : Topology{};
    }

    std::shared_ptr<AllocatorProbe> probe(const std::string& allocatorId) override
    {
        const std::string remote = remoteId(allocatorId);
        if (remote.empty())
            return nullptr;
        return std::make_shared<AgentProbe>(m_shared, remote);
    }

    ComPtr<IKsPin> pin(const std::string& pinId) override
    {
        (void)pinId;
        return {}; // the agent serves no COM interfaces
    }

    PropertyChange setProperties(const std::string& allocatorId, const PropertyRequest& request,
                                 ApplyMode mode) override
    {
        PropertyChange change;
        json body{{"id", remoteId(allocatorId)}, {"dryRun", mode == ApplyMode::DryRun}};
        if (request.buffers)
            body["buffers"] = *request.buffers;
        if (request.bufferSize)
            body["bufferSize"] = *request.bufferSize;
        if (request.align)
            body["align"] = *request.align;
        if (request.prefix)
            body["prefix"] = *request.prefix;
        json answer;
        change.status = post("/api/v1/properties", body, answer);
        auto properties = [](const json& j) {
            ALLOCATOR_PROPERTIES p;
            p.cBuffers = j.value("buffers", 0);
            p.cbBuffer = j.value("bufferSize", 0);
            p.cbAlign = j.value("align", 0);
            p.cbPrefix = j.value("prefix", 0);
            return p;
        };
        if (answer.contains("requested"))
            change.requested = properties(answer["requested"]);
        if (answer.contains("actual"))
            change.actual = properties(answer["actual"]);
        change.applied = answer.value("applied", false);
        return change;
    }

    Status setMode(const std::string& allocatorId, KSALLOCATORMODE mode, ApplyMode apply) override
    {
        json answer;
        return post(
            "/api/v1/mode",
            {{"id", remoteId(allocatorId)}, {"mode", allocatorModeName(mode)}, {"dryRun", apply == ApplyMode::DryRun}},
            answer);
    }

    void setEventSink(EventSink sink) override { m_events.set(std::move(sink)); }

    // the agent's machine runs the holders: a thread number of it means nothing here
    [[nodiscard]] ProcessInfo holderProcess(const std::string& allocatorId, std::int32_t holder) override
    {
        (void)allocatorId;
        (void)holder;
        return {};
    }

private:
    [[nodiscard]] std::string prefix() const { return m_name + ":"; }
    [[nodiscard]] std::string remoteId(const std::string& localId) const
    {
        const std::string p = prefix();
        return localId.rfind(p, 0) == 0 ? localId.substr(p.size()) : std::string();
    }

    [[nodiscard]] httplib::Headers headers() const
    {
        httplib::Headers h;
        if (!m_connection.token.empty())
            h.emplace("Authorization", "Bearer " + m_connection.token);
        return h;
    }

    /// A GET of the agent, its failure named.
    Status get(const std::string& path, std::string& body) const
    {
        httplib::Client client(m_url);
        client.set_connection_timeout(3, 0);
        client.set_read_timeout(10, 0);
        const httplib::Result result = client.Get(path, headers());
        return answer(result, path, body);
    }

    Status post(const std::string& path, const json& request, json& out) const
    {
        httplib::Client client(m_url);
        client.set_connection_timeout(3, 0);
        client.set_read_timeout(30, 0);
        const httplib::Result result = client.Post(path, headers(), request.dump(), "application/json");
        std::string body;
        Status s = answer(result, path, body);
        out = json::parse(body, nullptr, false);
        if (out.is_discarded())
            out = json::object();
        if (s.code() == E_FAIL && out.contains("status")) // the edit itself failed on the agent: its HRESULT
            return {out["status"].value("hresult", E_FAIL), out["status"].value("message", std::string())};
        return s;
    }

    Status answer(const httplib::Result& result, const std::string& path, std::string& body) const
    {
        if (!result)
            return {hresultFromWin32(kErrorNotReady), "cannot reach the agent at " + m_url + ": " +
                                                          httplib::to_string(result.error()) +
                                                          " (is `ksscope-cli serve` running there?)"};
        body = result->body;
        if (result->status == 200)
            return Status::ok();
        std::string text = body;
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
            text.pop_back();
        const json document = json::parse(body, nullptr, false);
        if (!document.is_discarded() && document.is_object() && document.contains("status"))
            text = document["status"].value("message", text);
        const HRESULT hr = result->status == 401 || result->status == 403 ? hresultFromWin32(kErrorAccessDenied)
                           : result->status == 404                        ? hresultFromWin32(kErrorNotFound)
                           : result->status == 400                        ? E_INVALIDARG
                                                                          : E_FAIL;
        return {hr, "the agent at " + m_url + " answered " + path + " with HTTP " + std::to_string(result->status) +
                        ": " + text};
    }

    Status fetch(Topology& topology, json& status) const
    {
        std::string body;
        if (Status s = get("/api/v1/status", body); !s)
            return s;
        status = json::parse(body, nullptr, false);
        if (status.is_discarded())
            return {E_INVALIDARG, m_url + "/api/v1/status is not JSON: is this a KsScope agent?"};
        if (Status s = get("/api/v1/topology", body); !s)
            return s;
        const json document = json::parse(body, nullptr, false);
        if (document.is_discarded())
            return {E_INVALIDARG, m_url + "/api/v1/topology is not JSON: is this a KsScope agent?"};
        if (Status s = topologyFromJson(document, topology); !s)
            return {s.code(), m_url + "/api/v1/topology: " + s.message()};
        return Status::ok();
    }

    /// Takes the agent's topology (m_shared->mutex held).
    void setTopologyLocked(Topology remote)
    {
        const std::string p = prefix();
        Topology local = remote;
        for (FilterInfo& f : local.filters) {
            f.id = p + f.id;
            f.backend = m_name;
            // a device node or a process of the agent's machine is none of this one's: the agent's session linked
            // its own layers already, and those keys must not meet this machine's
            f.pipewireStream.clear();
            for (PinInfo& pin : f.pins) {
                pin.id = p + pin.id;
                if (!pin.allocatorId.empty())
                    pin.allocatorId = p + pin.allocatorId;
                pin.deviceNode.clear();
                pin.pipewireStream.clear();
            }
        }
        for (ConnectionInfo& c : local.connections) {
            c.from = p + c.from;
            c.to = p + c.to;
        }
        for (AllocatorInfo& a : local.allocators) {
            a.id = p + a.id;
            for (std::string& pin : a.pinIds)
                pin.insert(0, p);
            if (!m_allowEdits)
                a.readOnlyReason =
                    "the agent at " + m_hostPort + " is read-only (its `ksscope-cli serve` runs without --allow-edits)";
            else if (m_connection.token.empty())
                a.readOnlyReason = "edits on the agent at " + m_hostPort + " need its token";
        }
        m_shared->remote = std::move(remote);
        m_shared->local = std::move(local);
    }

    /// Reads one server-sent event.
    void handleEvent(const std::string& event, const std::string& data)
    {
        const json j = json::parse(data, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            return;
        if (event == "sample") {
            AllocatorReading r;
            r.status.Framing.Frames = j.value("frames", 0u);
            r.status.Framing.FrameSize = j.value("frameSize", 0u);
            r.status.AllocatedFrames = j.value("allocatedFrames", 0u);
            r.mode = j.value("mode", std::string()) == "user" ? KsAllocatorMode_User : KsAllocatorMode_Kernel;
            r.droppedFrames = j.value("dropped", std::uint64_t{0});
            r.deliveredFrames = j.value("delivered", std::uint64_t{0});
            const std::string id = j.value("id", std::string());
            std::lock_guard lock(m_shared->mutex);
            if (const AllocatorInfo* info = m_shared->remote.findAllocator(id)) {
                r.status.Framing.PoolType = info->status.Framing.PoolType;
                r.status.Framing.OptionsFlags = info->status.Framing.OptionsFlags;
                r.status.Framing.FileAlignment = info->status.Framing.FileAlignment;
            }
            const double t = j.value("t", 0.0);
            if (!std::isfinite(t) || t < 0.0 || t > kMaxRemoteSeconds)
                return;
            const auto remote_ns = static_cast<std::int64_t>(t * 1e9);
            const std::int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::steady_clock::now().time_since_epoch())
                                            .count();
            if (!m_shared->offset_ns || now_ns - remote_ns < *m_shared->offset_ns)
                m_shared->offset_ns = now_ns - remote_ns;
            RemoteAllocator& a = m_shared->allocators[id];
            a.latest = r;
            a.haveLatest = true;
            a.queue.push_back({remote_ns + *m_shared->offset_ns, r});
            while (a.queue.size() > m_shared->maxQueued)
                a.queue.pop_front();
        } else if (event == "buffer") {
            const std::string id = j.value("id", std::string());
            const auto frame = j.value("frame", 0u);
            const int state = j.value("state", 0);
            if (frame > 4096 || state < 0 || state > static_cast<int>(BufferState::Waiting) + 8)
                return;
            std::lock_guard lock(m_shared->mutex);
            RemoteAllocator& a = m_shared->allocators[id];
            if (a.buffers.size() <= frame)
                a.buffers.resize(frame + 1, BufferState::Free);
            a.buffers[frame] = static_cast<BufferState>(state);
        } else if (event == "hello") {
            const double rate = j.value("rateHz", 100.0);
            std::lock_guard lock(m_shared->mutex);
            // a new stream: its times start from the agent's monitor again
            m_shared->offset_ns.reset();
            for (auto& [id, a] : m_shared->allocators)
                a.queue.clear();
            // samples at every tick and every occupancy change, taken at each local tick: a few seconds' worth
            m_shared->maxQueued = static_cast<std::size_t>(std::clamp(rate * 8.0, 256.0, 64000.0));
        } else if (event == "event") {
            const std::string kind = j.value("kind", std::string());
            const std::string id = prefix() + j.value("id", std::string());
            const std::string message = j.value("message", std::string());
            if (kind == "added" || kind == "removed" || kind == "config")
                refreshTopology();
            if (kind == "added")
                m_events.report(BackendEvent::Kind::FilterAdded, id, message);
            else if (kind == "removed")
                m_events.report(BackendEvent::Kind::FilterRemoved, id, message);
            else if (kind == "config")
                m_events.report(BackendEvent::Kind::AllocatorReconfigured, id, message);
            else if (kind == "error")
                m_events.report(BackendEvent::Kind::Error, id, m_hostPort + ": " + message);
            // starvation and drops are derived here from the samples, as for local devices
        }
    }

    void refreshTopology()
    {
        Topology topology;
        json status;
        if (fetch(topology, status)) {
            std::lock_guard lock(m_shared->mutex);
            setTopologyLocked(std::move(topology));
        }
    }

    /// Parses the server-sent events in \a buffer, leaving an incomplete one there.
    void parseEvents(std::string& buffer)
    {
        std::size_t start = 0;
        for (;;) {
            const std::size_t end = buffer.find("\n\n", start);
            if (end == std::string::npos)
                break;
            std::string event = "message";
            std::string data;
            std::size_t line = start;
            while (line < end) {
                std::size_t eol = buffer.find('\n', line);
                if (eol == std::string::npos || eol > end)
                    eol = end;
                const std::string_view text(buffer.data() + line, eol - line);
                if (text.rfind("event: ", 0) == 0)
                    event = text.substr(7);
                else if (text.rfind("data: ", 0) == 0)
                    data += (data.empty() ? "" : "\n") + std::string(text.substr(6));
                line = eol + 1;
            }
            handleEvent(event, data);
            start = end + 2;
        }
        buffer.erase(0, start);
    }

    /// Waits \a seconds unless closing; false when closing.
    bool pause(double seconds)
    {
        std::unique_lock lock(m_stopMutex);
        return !m_stopCv.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return m_stopping.load(); });
    }

    /// The stream thread: reads /api/v1/stream, and after a lost connection greys the devices out and reconnects.
    void run()
    {
        bool wasConnected = true;
        while (!m_stopping) {
            if (!wasConnected) {
                Topology topology;
                json status;
                if (!fetch(topology, status)) {
                    if (!pause(1.0))
                        break;
                    continue;
                }
                m_allowEdits = status.value("/agent/allowEdits"_json_pointer, false); // it may have restarted otherwise
                std::vector<std::string> filters;
                {
                    std::lock_guard lock(m_shared->mutex);
                    m_shared->allocators.clear();
                    setTopologyLocked(std::move(topology));
                    m_shared->connected = true;
                    for (const FilterInfo& f : m_shared->local.filters)
                        filters.push_back(f.id);
                }
                for (const std::string& id : filters)
                    m_events.report(BackendEvent::Kind::FilterAdded, id, "the agent at " + m_hostPort + " is back");
                wasConnected = true;
            }

            auto client = std::make_shared<httplib::Client>(m_url);
            client->set_connection_timeout(3, 0);
            client->set_read_timeout(5, 0); // the agent sends a keep-alive every second
            {
                std::lock_guard lock(m_stopMutex);
                if (m_stopping)
                    break;
                m_streamClient = client;
            }
            std::string buffer;
            int httpStatus = 0;
            const httplib::Result result = client->Get(
                "/api/v1/stream?buffers=1", headers(),
                [&](const httplib::Response& response) {
                    httpStatus = response.status;
                    return response.status == 200;
                },
                [&](const char* data, std::size_t length) {
                    buffer.append(data, length);
                    parseEvents(buffer);
                    return !m_stopping.load();
                });
            {
                std::lock_guard lock(m_stopMutex);
                m_streamClient.reset();
            }
            if (m_stopping)
                break;

            // the connection is lost: grey the devices out and try again
            std::vector<std::string> filters;
            {
                std::lock_guard lock(m_shared->mutex);
                m_shared->connected = false;
                for (const FilterInfo& f : m_shared->local.filters)
                    filters.push_back(f.id);
            }
            const std::string why = !result             ? httplib::to_string(result.error())
                                    : httpStatus != 200 ? "HTTP " + std::to_string(httpStatus)
                                                        : std::string("the agent closed the stream");
            m_events.report(BackendEvent::Kind::Error, m_name,
                            "lost the connection to the agent at " + m_hostPort + " (" + why +
                                "); reconnecting every second");
            for (const std::string& id : filters)
                m_events.report(BackendEvent::Kind::FilterRemoved, id,
                                "the agent at " + m_hostPort + " is unreachable");
            wasConnected = false;
            if (!pause(1.0))
                break;
        }
    }

    AgentConnection m_connection;
    bool m_valid = false;
    std::string m_url; // scheme://host:port
    std::string m_hostPort;
    std::string m_name;
    bool m_allowEdits = false;
    std::shared_ptr<Shared> m_shared = std::make_shared<Shared>();

    GuardedEventSink m_events;

    std::mutex m_stopMutex;
    std::condition_variable m_stopCv;
    std::atomic<bool> m_stopping{false};
    std::shared_ptr<httplib::Client> m_streamClient;
    std::thread m_thread;
};

} // namespace

std::unique_ptr<Backend> createAgentBackend(const AgentConnection& connection)
{
    return std::make_unique<AgentBackend>(connection);
}

} // namespace ksscope::agent

namespace ksscope {

void registerAgentBackend()
{
    BackendRegistration agent;
    agent.name = "agent";
    agent.description = "the devices of a remote `ksscope-cli serve` (--agent http://HOST:PORT)";
    agent.order = 50;
    agent.openedByDefault = false;
    agent.create = [](const BackendOptions& options) -> std::unique_ptr<Backend> {
        return agent::createAgentBackend({options.value("agent"), {}, options.value("agent-token-file")});
    };
    BackendOption url;
    url.name = "agent";
    url.valueName = "URL";
    url.help = "the devices of a remote `ksscope-cli serve` (the agent backend): http://HOST:PORT";
    url.label = "Agent address";
    url.selects = true;
    url.inWindow = true;
    url.example = "http://127.0.0.1:9464";
    url.check = [](const std::string& value) {
        std::string schemeHostPort;
        std::string hostPort;
        if (!agent::parseUrl(value, schemeHostPort, hostPort))
            return Status(E_INVALIDARG, "\"" + value + "\" is not an agent address; expected http://HOST:PORT");
        return Status::ok();
    };
    BackendOption tokenFile;
    tokenFile.name = "agent-token-file";
    tokenFile.valueName = "FILE";
    tokenFile.help = "the file holding the agent's token (none: an agent on loopback without --token-file)";
    tokenFile.label = "Token file";
    tokenFile.needs = "agent";
    tokenFile.inWindow = true;
    tokenFile.fileFilter = "All files (*)";
    tokenFile.check = [](const std::string& value) {
        std::string token;
        return agent::readTokenFile(value, token);
    };
    agent.options = {std::move(url), std::move(tokenFile)};
    agent.windowAction = "Connect to &Agent...";
    agent.windowActionTip = "Open the devices of a remote machine that runs `ksscope-cli serve`: they appear beside "
                            "the local ones, under a backend of their own; a lost connection greys them out until the "
                            "agent answers again";
    agent.windowIcon = "network-server";
    agent.windowCloseAction = "&Disconnect from Agents";
    BackendRegistry::add(std::move(agent));
}

} // namespace ksscope
