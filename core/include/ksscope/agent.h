// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file agent.h
/// The agent (`ksscope-cli serve`): a monitor's allocators exposed over HTTP as Prometheus / OpenMetrics text
/// (/metrics), JSON (/api/v1/topology, /api/v1/status) and server-sent events (/api/v1/stream); and the agent
/// backend, which opens a remote agent's devices as if they were local. docs/AGENT.md documents both.

#include "ksscope/backend.h"
#include "ksscope/watch_session.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope::agent {

/// True when this build has the agent (the HTTP library was found when it was configured).
[[nodiscard]] bool supported();

/// The two text formats of /metrics.
enum class MetricsFormat : std::uint8_t {
    Prometheus, ///< text/plain; version=0.0.4
    OpenMetrics, ///< application/openmetrics-text; version=1.0.0
};
/// The format a scraper asks for in its Accept header (OpenMetrics when it prefers it, else the Prometheus text).
[[nodiscard]] MetricsFormat negotiateMetricsFormat(std::string_view accept);
[[nodiscard]] std::string_view metricsContentType(MetricsFormat format);

/// What the metrics say about one allocator.
struct AllocatorMetrics {
    std::string backend;
    std::string device; ///< filter id
    std::string pin; ///< the pin that produces into it (the first of its pins)
    std::string allocator; ///< allocator id
    std::uint32_t frames = 0;
    std::uint32_t frameSize = 0;
    std::uint32_t allocatedFrames = 0;
    bool starving = false;
    std::uint64_t starvations = 0;
    double starvedSeconds = 0.0;
    std::uint64_t droppedFrames = 0;
    std::uint64_t deliveredFrames = 0;
};

struct DeviceMetrics {
    std::string backend;
    std::string device;
    bool up = false;
};

/// What the agent's front door did with connections (docs/SECURITY.md).
struct ConnectionStats {
    std::uint64_t accepted = 0;
    std::uint64_t requests = 0; ///< requests handed to a worker
    std::uint64_t headerTimeouts = 0; ///< closed: the request headers did not arrive in time (408)
    std::uint64_t oversized = 0; ///< refused: headers too large or too many (431), or the body (411, 413, 415)
    std::uint64_t evicted = 0; ///< closed while waiting, to make room for a newer connection
    std::uint64_t busy = 0; ///< closed: every worker was busy (503)
    std::uint64_t malformed = 0; ///< closed: a malformed request (400)
    std::size_t waiting = 0; ///< connections waiting for their request headers
    std::size_t serving = 0; ///< connections being served
};

/// Everything one scrape reports.
struct MetricsSnapshot {
    std::vector<AllocatorMetrics> allocators;
    std::vector<DeviceMetrics> devices;
    SamplerStats sampler;
    double rateHz = 0.0;
    std::uint64_t lostSamples = 0;
    std::size_t streamClients = 0;
    std::uint64_t streamDroppedMessages = 0;
    std::uint64_t rateLimitedRequests = 0;
    std::uint64_t refusedRequests = 0; ///< 401 and 403
    double lastScrapeSeconds = 0.0; ///< how long the previous scrape took to render
    ConnectionStats connections;
};

/// Writes \a snapshot in \a format (names and labels in docs/AGENT.md).
void writeMetrics(const MetricsSnapshot& snapshot, MetricsFormat format, std::string& out);

/// A listen address, "ADDR:PORT" (IPv4, "[IPv6]" or "localhost"; port 0 picks a free one).
struct ListenAddress {
    std::string host; ///< as bound: an IP literal
    int port = 0;
    [[nodiscard]] bool loopback() const;
    [[nodiscard]] std::string toString() const; ///< "127.0.0.1:9464", "[::1]:9464"
};
/// Parses "ADDR:PORT"; the Status names what is wrong (E_INVALIDARG).
[[nodiscard]] Status parseListenAddress(std::string_view text, ListenAddress& out);

/// Reads a token file: its first line, without surrounding white space; it must hold at least 16 characters.
[[nodiscard]] Status readTokenFile(const std::string& path, std::string& token);

struct AgentOptions {
    std::string listen = "127.0.0.1:9464";
    std::string token; ///< empty: no token; required when listening off loopback and for --allow-edits
    bool allowEdits = false;
    double requestsPerSecond = 20.0; ///< per client address, with a burst of twice as many
    std::size_t maxBodyBytes = std::size_t{64} * 1024;
    std::size_t maxStreamClients = 16;
    std::size_t streamQueueMessages = 65536; ///< per stream client; the oldest are dropped past it
    double pumpIntervalSeconds = 0.05; ///< how often new samples are taken from the monitor
    double headerTimeoutSeconds = 5.0; ///< a request's headers must arrive within this (408 otherwise)
    std::size_t maxWaitingPerClient = 32; ///< connections of one address waiting for their headers
    std::size_t maxWaiting = 512; ///< connections of all addresses waiting for their headers
};

struct AgentStats {
    std::uint64_t scrapes = 0;
    std::size_t streamClients = 0;
    std::uint64_t streamDroppedMessages = 0;
    std::uint64_t rateLimitedRequests = 0;
    std::uint64_t refusedRequests = 0;
    ConnectionStats connections;
};

/// Serves a running watch over HTTP. The watch must outlive the agent; the agent drains its new samples and events
/// (WatchSession::drain) itself, and edits go through it.
class Agent {
public:
    Agent(WatchSession& watch, AgentOptions options);
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    /// Checks the options (a token off loopback, a token for edits), binds and starts serving. E_INVALIDARG
    /// names a wrong option; a failure to bind names the address.
    Status start();
    /// Stops serving and closes every connection. Safe to call twice.
    void stop();
    /// The bound address (the real port when the options asked for port 0).
    [[nodiscard]] ListenAddress address() const;
    /// The /metrics document now (what a scrape answers).
    [[nodiscard]] std::string metrics(MetricsFormat format);
    [[nodiscard]] AgentStats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// Where the agent backend connects.
struct AgentConnection {
    std::string url; ///< "http://HOST:PORT" (or "HOST:PORT")
    std::string token; ///< empty: none (or the one in tokenFile)
    std::string tokenFile; ///< a file holding the token (readTokenFile), read when the backend opens; empty: none
};

/// The agent backend: a remote agent's devices, named "agent@HOST:PORT"; its ids are the remote ids behind that
/// name ("agent@127.0.0.1:9464:sim:avshws/pin0/allocator"). Null when this build has no agent.
[[nodiscard]] std::unique_ptr<Backend> createAgentBackend(const AgentConnection& connection);

} // namespace ksscope::agent
