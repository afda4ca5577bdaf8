// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The agent's front door. cpp-httplib accepts connections on its listening thread; a GatedServer takes each one
// from there and keeps it in a gate - one thread and epoll, no worker - until the whole header block of a request
// has arrived. Only then does a worker run cpp-httplib's request handling (authentication, limits, routing) on
// it. A connection that sends nothing, trickles its headers, or sends too many or too large headers costs a
// file descriptor and a small buffer, never a worker, and is closed at a deadline; each client address may keep
// only so many such connections waiting (its oldest make room for its newest), and so may all addresses together.
// Between requests a kept-alive connection waits in the gate too.

#include "ksscope/agent.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <httplib.h>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ksscope::agent {

/// What a connection may cost before and while it is served (docs/SECURITY.md).
struct GateLimits {
    std::chrono::milliseconds headerTimeout{5000}; ///< a request's whole header block must arrive within this
    std::chrono::milliseconds keepAliveTimeout{5000}; ///< an idle kept-alive connection is closed after this
    std::size_t maxRequestsPerConnection = 100; ///< then the connection is closed (the client opens another)
    std::chrono::milliseconds bodyTimeout{10000}; ///< a request's body must arrive within this once served
    std::chrono::milliseconds writeTimeout{5000}; ///< a client that reads nothing for this long is dropped
    std::size_t maxHeaderBytes = std::size_t{16} * 1024; ///< request line and headers together (431 beyond)
    std::size_t maxHeaderLines = 64; ///< header lines (431 beyond)
    std::size_t maxBodyBytes =
        std::size_t{64} * 1024; ///< a Content-Length beyond is refused by the gate (413), chunked bodies too
    std::size_t maxWaitingPerClient = 32; ///< connections of one address waiting for their headers
    std::size_t maxWaiting = 512; ///< connections of all addresses waiting for their headers
    std::size_t workers = 24; ///< requests served at once (an event stream holds one for its life)
};

/// Counters of the gate, for /metrics and /api/v1/status (ksscope/agent.h).
using GateStats = ConnectionStats;

class GatedServer final : public httplib::Server {
public:
    explicit GatedServer(GateLimits limits = {});
    ~GatedServer() override;
    GatedServer(const GatedServer&) = delete;
    GatedServer& operator=(const GatedServer&) = delete;

    /// Lets \a backlog connections wait to be accepted (cpp-httplib listens with 5); call after bind_to_port().
    void widenBacklog(int backlog);
    /// Starts the gate and the workers; call before listen_after_bind(). False when the system refused an epoll or
    /// an eventfd (too many open files).
    [[nodiscard]] bool startGate();
    /// Closes every connection and joins the gate's threads; call after stop() and once listening returned.
    void stopGate();
    [[nodiscard]] GateStats gateStats() const;
    [[nodiscard]] const GateLimits& limits() const { return m_limits; }

    /// From a handler on a worker: close the connection after this response (a refused request, whose body is
    /// not read, must not be taken for the next request).
    static void closeAfterResponse();

private:
    struct Connection;
    class GateStream;

    bool process_and_close_socket(socket_t sock) override;
    void gateLoop();
    void workerLoop();
    void serve(std::unique_ptr<Connection> connection);
    /// Hands a connection to the gate thread (new, or kept alive after a request).
    void toGate(std::unique_ptr<Connection> connection);
    void readable(int fd);
    /// Decides on a waiting connection from what it sent: keep waiting, refuse, or hand it to a worker.
    void examine(int fd, bool ended);
    void dispatch(int fd);
    void closeWaiting(int fd, std::string_view response, std::uint64_t GateStats::*counter);
    void makeRoom(const std::string& client);
    void wake() const;

    GateLimits m_limits;
    std::atomic<bool> m_stopping{false};
    bool m_started = false;

    int m_epoll = -1;
    int m_wakeFd = -1;
    std::thread m_gateThread;
    std::vector<std::thread> m_workers;

    // handed to the gate thread
    std::mutex m_inboxMutex;
    std::vector<std::unique_ptr<Connection>> m_inbox;

    // the gate thread's own
    std::unordered_map<int, std::unique_ptr<Connection>> m_waiting;
    std::unordered_map<std::string, std::size_t> m_waitingPerClient;

    // ready for a worker
    std::mutex m_readyMutex;
    std::condition_variable m_readyCv;
    std::deque<std::unique_ptr<Connection>> m_ready;
    std::unordered_set<int> m_serving; // fds being served, shut down on stop

    mutable std::mutex m_statsMutex;
    GateStats m_stats;
};

} // namespace ksscope::agent
