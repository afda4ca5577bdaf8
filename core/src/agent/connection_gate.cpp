// SPDX-License-Identifier: GPL-3.0-or-later
// The agent's gate against hostile clients: per-address request rates, waiting connections, header timeouts and
// stream client limits, in front of cpp-httplib. Over 600 lines because each limit and the bookkeeping that makes it
// fair under a flood (per-address queues, oldest-first eviction) belong together: split, they would share every
// structure through a header.

#include "connection_gate.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ksscope::agent {

namespace {

using Clock = std::chrono::steady_clock;

thread_local bool t_closeAfter = false; // set by a handler: no keep-alive for this connection

/// A task queue that runs what cpp-httplib's listening thread hands it at once, on that thread: the task only
/// gives the accepted socket to the gate.
class InlineQueue final : public httplib::TaskQueue {
public:
    void enqueue(std::function<void()> fn) override { fn(); }
    void shutdown() override { }
};

constexpr std::string_view kTimeout =
    "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain\r\n"
    "Content-Length: 48\r\n\r\nthe request headers did not arrive in time; bye\n";
constexpr std::string_view kTooLarge =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Type: text/plain\r\n"
    "Content-Length: 51\r\n\r\nthe request headers are too large or too many; bye\n";
constexpr std::string_view kBusy =
    "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"
    "Content-Type: text/plain\r\nContent-Length: 42\r\n\r\nevery worker of this agent is busy; retry\n";
constexpr std::string_view kBareLf = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                                     "Content-Length: 39\r\n\r\nrequest lines must end with CR LF; bye\n";
/// How long a connection the gate answered and closed may still send what it had in flight (then it is closed).
constexpr std::chrono::milliseconds kLinger{1000};

/// An answer of the gate's own, which closes the connection.
std::string answer(std::string_view status, std::string_view text)
{
    return "HTTP/1.1 " + std::string(status) +
           "\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(text.size() + 1) +
           "\r\n\r\n" + std::string(text) + "\n";
}

/// The end of the header block in \a buffer (the position after the blank line), or npos. Lines end with CRLF, as
/// cpp-httplib reads them.
std::size_t headerEnd(std::string_view buffer)
{
    const auto end = buffer.find("\r\n\r\n");
    return end == std::string_view::npos ? end : end + 4;
}

/// Why the gate refuses a request whose header block is \a head (complete), or "" to serve it: the body it announces
/// must be one the API takes - small JSON with a Content-Length - since cpp-httplib would otherwise read a body
/// without a length (or chunked) to the end of the connection, or inflate a compressed one.
std::string refusal(std::string_view head, std::size_t maxBody)
{
    const std::string_view method = head.substr(0, head.find(' '));
    const bool mayHaveBody = method == "POST" || method == "PUT" || method == "PATCH";
    bool hasLength = false;
    std::size_t lineStart = head.find('\n');
    while (lineStart != std::string_view::npos && lineStart + 1 < head.size()) {
        const std::size_t next = head.find('\n', lineStart + 1);
        std::string_view line =
            head.substr(lineStart + 1, next == std::string_view::npos ? std::string_view::npos : next - lineStart - 1);
        lineStart = next;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        while (!value.empty() && (value.back() == '\r' || value.back() == ' ' || value.back() == '\t'))
            value.remove_suffix(1);
        if (name == "transfer-encoding")
            return answer("413 Payload Too Large", "a chunked request body is not taken: send a Content-Length");
        if (name == "content-encoding")
            return answer("415 Unsupported Media Type", "a compressed request body is not taken");
        if (name == "content-length") {
            std::size_t length = 0;
            const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
            if (ec != std::errc() || ptr != value.data() + value.size() || length > maxBody)
                return answer("413 Payload Too Large",
                              "the request body is over " + std::to_string(maxBody) + " bytes, the agent's limit");
            hasLength = true;
        }
    }
    if (mayHaveBody && !hasLength)
        return answer("411 Length Required", "a request with a body needs a Content-Length");
    return {};
}

/// Waits for \a events on \a fd for at most \a timeout; true when they came.
bool waitFor(int fd, short events, std::chrono::milliseconds timeout)
{
    pollfd p{fd, events, 0};
    for (;;) {
        const int rc = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, timeout.count())));
        if (rc < 0 && errno == EINTR)
            continue;
        return rc > 0 && (p.revents & (events | POLLHUP | POLLERR)) != 0;
    }
}

std::string addressText(const sockaddr_storage& address, int& port)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (address.ss_family == AF_INET) {
        const auto& a = reinterpret_cast<const sockaddr_in&>(address);
        ::inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
        port = ntohs(a.sin_port);
    } else if (address.ss_family == AF_INET6) {
        const auto& a = reinterpret_cast<const sockaddr_in6&>(address);
        ::inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
        port = ntohs(a.sin6_port);
    }
    return text;
}

} // namespace

struct GatedServer::Connection {
    int fd = -1;
    std::string client; // the peer's address: limits are per address
    int port = 0;
    std::string buffer; // read by the gate, not yet taken by cpp-httplib
    Clock::time_point since; // when it began to wait (the oldest waiting make room first)
    Clock::time_point deadline;
    bool idle = false; // kept alive between requests, nothing of the next one read yet
    bool draining = false; // answered and half-closed: what it still sends is dropped until it closes or lingers out
    std::size_t served = 0; // requests answered on it

    Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection()
    {
        if (fd >= 0) {
            ::shutdown(fd, SHUT_RDWR);
            ::close(fd);
        }
    }
};

/// The stream cpp-httplib reads a request from and writes its response to: first what the gate read, then the
/// socket, with the body's deadline and the write timeout.
class GatedServer::GateStream final : public httplib::Stream {
public:
    GateStream(Connection& c, const GateLimits& limits, const std::atomic<bool>& stopping)
        : m_c(c), m_limits(limits), m_stopping(stopping), m_bodyDeadline(Clock::now() + limits.bodyTimeout)
    {
    }

    [[nodiscard]] bool is_readable() const override
    {
        return m_pos < m_c.buffer.size() || (!m_stopping && waitFor(m_c.fd, POLLIN, remaining()));
    }
    [[nodiscard]] bool is_writable() const override
    {
        return !m_stopping && waitFor(m_c.fd, POLLOUT, m_limits.writeTimeout);
    }
    ssize_t read(char* ptr, size_t size) override
    {
        if (m_pos < m_c.buffer.size()) {
            const std::size_t n = std::min(size, m_c.buffer.size() - m_pos);
            std::copy_n(m_c.buffer.data() + m_pos, n, ptr);
            m_pos += n;
            return static_cast<ssize_t>(n);
        }
        if (m_stopping || !waitFor(m_c.fd, POLLIN, remaining()))
            return -1; // the body did not come in time
        for (;;) {
            const ssize_t n = ::recv(m_c.fd, ptr, size, 0);
            if (n < 0 && errno == EINTR)
                continue;
            return n;
        }
    }
    ssize_t write(const char* ptr, size_t size) override
    {
        if (!is_writable())
            return -1;
        for (;;) {
            const ssize_t n = ::send(m_c.fd, ptr, size, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            return n;
        }
    }
    void get_remote_ip_and_port(std::string& ip, int& port) const override
    {
        ip = m_c.client;
        port = m_c.port;
    }
    void get_local_ip_and_port(std::string& ip, int& port) const override
    {
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        port = 0;
        if (::getsockname(m_c.fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
            ip = addressText(address, port);
    }
    [[nodiscard]] socket_t socket() const override { return m_c.fd; }

    /// What the gate read beyond this request (a pipelined next one).
    [[nodiscard]] std::string leftover() const { return m_c.buffer.substr(std::min(m_pos, m_c.buffer.size())); }

private:
    [[nodiscard]] std::chrono::milliseconds remaining() const
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(m_bodyDeadline - Clock::now());
    }

    Connection& m_c;
    const GateLimits& m_limits;
    const std::atomic<bool>& m_stopping;
    Clock::time_point m_bodyDeadline;
    std::size_t m_pos = 0;
};

GatedServer::GatedServer(GateLimits limits) : m_limits(limits)
{
    new_task_queue = [] { return new InlineQueue; };
}

GatedServer::~GatedServer()
{
    stopGate();
}

void GatedServer::widenBacklog(int backlog)
{
    ::listen(svr_sock_, backlog); // a listening socket takes a new backlog
}

void GatedServer::closeAfterResponse()
{
    t_closeAfter = true;
}

bool GatedServer::startGate()
{
    if (m_started)
        return true;
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = m_wakeFd;
    if (m_epoll < 0 || m_wakeFd < 0 || ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &event) != 0) {
        if (m_epoll >= 0)
            ::close(m_epoll);
        if (m_wakeFd >= 0)
            ::close(m_wakeFd);
        m_epoll = m_wakeFd = -1;
        return false;
    }
    m_started = true;
    m_stopping = false;
    m_gateThread = std::thread([this] { gateLoop(); });
    for (std::size_t i = 0; i < std::max<std::size_t>(1, m_limits.workers); ++i)
        m_workers.emplace_back([this] { workerLoop(); });
    return true;
}

void GatedServer::stopGate()
{
    if (!m_started)
        return;
    m_stopping = true;
    wake();
    {
        std::lock_guard lock(m_readyMutex);
        for (const int fd : m_serving)
            ::shutdown(fd, SHUT_RDWR); // wakes a worker blocked on the connection
    }
    m_readyCv.notify_all();
    m_gateThread.join();
    for (auto& worker : m_workers)
        worker.join();
    m_workers.clear();
    {
        std::lock_guard lock(m_readyMutex);
        m_ready.clear();
    }
    {
        std::lock_guard lock(m_inboxMutex);
        m_inbox.clear();
    }
    m_waiting.clear();
    m_waitingPerClient.clear();
    ::close(m_epoll);
    ::close(m_wakeFd);
    m_epoll = m_wakeFd = -1;
    m_started = false;
}

GateStats GatedServer::gateStats() const
{
    std::lock_guard lock(m_statsMutex);
    return m_stats;
}

void GatedServer::wake() const
{
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(m_wakeFd, &one, sizeof one);
}

bool GatedServer::process_and_close_socket(socket_t sock)
{
    // on cpp-httplib's listening thread: find out who it is and hand it to the gate, nothing more
    auto c = std::make_unique<Connection>();
    c->fd = sock;
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(sock, reinterpret_cast<sockaddr*>(&address), &length) == 0)
        c->client = addressText(address, c->port);
    c->since = Clock::now();
    c->deadline = c->since + m_limits.headerTimeout;
    {
        std::lock_guard lock(m_statsMutex);
        ++m_stats.accepted;
    }
    if (m_stopping || !m_started)
        return false; // closed with c
    toGate(std::move(c));
    return true;
}

void GatedServer::toGate(std::unique_ptr<Connection> connection)
{
    {
        std::lock_guard lock(m_inboxMutex);
        m_inbox.push_back(std::move(connection));
    }
    wake();
}

void GatedServer::gateLoop()
{
    std::vector<epoll_event> events(64);
    while (!m_stopping) {
        // wake for the nearest deadline, and at least four times a second
        auto timeout = std::chrono::milliseconds(250);
        const auto now = Clock::now();
        for (const auto& [fd, c] : m_waiting)
            timeout = std::min(timeout, std::chrono::duration_cast<std::chrono::milliseconds>(c->deadline - now) +
                                            std::chrono::milliseconds(1));
        const int n = ::epoll_wait(m_epoll, events.data(), static_cast<int>(events.size()),
                                   static_cast<int>(std::max<std::int64_t>(0, timeout.count())));
        for (int i = 0; i < n; ++i) {
            const int fd = events[static_cast<std::size_t>(i)].data.fd;
            if (fd == m_wakeFd) {
                std::uint64_t count = 0;
                [[maybe_unused]] const ssize_t r = ::read(m_wakeFd, &count, sizeof count);
            } else if (m_waiting.count(fd)) {
                readable(fd);
            }
        }
        std::vector<std::unique_ptr<Connection>> inbox;
        {
            std::lock_guard lock(m_inboxMutex);
            inbox.swap(m_inbox);
        }
        for (auto& c : inbox) {
            const int fd = c->fd;
            makeRoom(c->client);
            epoll_event event{};
            event.events = EPOLLIN | EPOLLRDHUP;
            event.data.fd = fd;
            if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) != 0)
                continue; // closed with c
            ++m_waitingPerClient[c->client];
            const bool pipelined = !c->draining && !c->buffer.empty();
            m_waiting.emplace(fd, std::move(c));
            if (pipelined)
                examine(fd, false); // a request read with the previous one: the same checks as any other
        }
        const auto later = Clock::now();
        std::vector<int> expired;
        for (const auto& [fd, c] : m_waiting)
            if (c->deadline <= later)
                expired.push_back(fd);
        for (const int fd : expired) {
            const Connection& c = *m_waiting[fd];
            // an idle kept-alive connection, or one whose answer was sent, just ends; one that began a request is
            // told why
            if (c.idle || c.draining)
                closeWaiting(fd, {}, nullptr);
            else
                closeWaiting(fd, kTimeout, &GateStats::headerTimeouts);
        }
        std::lock_guard lock(m_statsMutex);
        m_stats.waiting = m_waiting.size();
    }
    m_waiting.clear();
    m_waitingPerClient.clear();
}

void GatedServer::readable(int fd)
{
    Connection& c = *m_waiting.at(fd);
    bool ended = false;
    char chunk[4096];
    // at most 64 KiB a turn: a client sending without pause must not keep the gate from the others
    for (int turn = 0; turn < 16 && (c.draining || c.buffer.size() <= m_limits.maxHeaderBytes); ++turn) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n > 0) {
            if (c.draining)
                continue; // what a closed connection still sends is read and dropped
            if (c.idle) { // the next request begins: its headers have their own deadline
                c.idle = false;
                c.deadline = Clock::now() + m_limits.headerTimeout;
            }
            c.buffer.append(chunk, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        ended = true; // closed by the client, or an error
        break;
    }
    if (c.draining) {
        if (ended)
            closeWaiting(fd, {}, nullptr);
        return;
    }
    examine(fd, ended);
}

void GatedServer::examine(int fd, bool ended)
{
    Connection& c = *m_waiting.at(fd);
    const std::size_t end = headerEnd(c.buffer);
    const std::string_view head = std::string_view(c.buffer).substr(0, std::min(end, c.buffer.size()));
    const auto lines = static_cast<std::size_t>(std::count(head.begin(), head.end(), '\n'));
    // the request line, the header lines, and (when complete) the blank line
    const std::size_t headerLines = lines > 0 ? lines - 1 - (end != std::string_view::npos ? 1 : 0) : 0;
    if (headerLines > m_limits.maxHeaderLines ||
        (end == std::string_view::npos ? c.buffer.size() > m_limits.maxHeaderBytes : end > m_limits.maxHeaderBytes)) {
        closeWaiting(fd, kTooLarge, &GateStats::oversized);
        return;
    }
    if (end == std::string_view::npos) {
        // cpp-httplib reads lines ending in CR LF only: a bare LF would leave a worker waiting for more
        if (head.find("\n\n") != std::string_view::npos || c.buffer.find("\n\n") != std::string::npos)
            closeWaiting(fd, kBareLf, &GateStats::malformed);
        else if (ended)
            closeWaiting(fd, {}, nullptr);
        return;
    }
    if (const std::string why = refusal(head, m_limits.maxBodyBytes); !why.empty()) {
        closeWaiting(fd, why, &GateStats::oversized);
        return;
    }
    dispatch(fd);
}

void GatedServer::dispatch(int fd)
{
    {
        std::lock_guard lock(m_readyMutex);
        if (m_ready.size() >= std::max<std::size_t>(1, m_limits.workers)) {
            // only this thread adds to the queue: it cannot fill up between this check and the push below
            closeWaiting(fd, kBusy, &GateStats::busy);
            return;
        }
    }
    auto it = m_waiting.find(fd);
    std::unique_ptr<Connection> c = std::move(it->second);
    m_waiting.erase(it);
    if (--m_waitingPerClient[c->client] == 0)
        m_waitingPerClient.erase(c->client);
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
    {
        std::lock_guard lock(m_readyMutex);
        m_ready.push_back(std::move(c));
    }
    m_readyCv.notify_one();
    std::lock_guard lock(m_statsMutex);
    ++m_stats.requests;
}

void GatedServer::closeWaiting(int fd, std::string_view response, std::uint64_t GateStats::*counter)
{
    auto it = m_waiting.find(fd);
    if (it == m_waiting.end())
        return;
    if (counter) {
        std::lock_guard lock(m_statsMutex);
        ++(m_stats.*counter);
    }
    Connection& c = *it->second;
    if (!response.empty() && !c.draining) {
        // answer, then linger: closing with unread input would send a reset that could destroy the answer before
        // the client reads it, so what it still sends is read and dropped for a moment first
        ::send(fd, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        ::shutdown(fd, SHUT_WR);
        c.draining = true;
        c.buffer.clear();
        c.buffer.shrink_to_fit();
        c.deadline = Clock::now() + kLinger;
        return;
    }
    std::unique_ptr<Connection> closing = std::move(it->second);
    m_waiting.erase(it);
    if (--m_waitingPerClient[closing->client] == 0)
        m_waitingPerClient.erase(closing->client);
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
}

void GatedServer::makeRoom(const std::string& client)
{
    // the oldest waiting connection of this client, then of anyone, makes room for the new one
    auto evictOldest = [this](const std::string* of) {
        int oldest = -1;
        Clock::time_point since = Clock::time_point::max();
        for (const auto& [fd, c] : m_waiting)
            if ((!of || c->client == *of) && c->since < since) {
                since = c->since;
                oldest = fd;
            }
        if (oldest >= 0)
            closeWaiting(oldest, {}, &GateStats::evicted);
    };
    const auto it = m_waitingPerClient.find(client);
    if (it != m_waitingPerClient.end() && it->second >= m_limits.maxWaitingPerClient)
        evictOldest(&client);
    if (m_waiting.size() >= m_limits.maxWaiting)
        evictOldest(nullptr);
}

void GatedServer::workerLoop()
{
    for (;;) {
        std::unique_ptr<Connection> c;
        {
            std::unique_lock lock(m_readyMutex);
            m_readyCv.wait(lock, [this] { return m_stopping || !m_ready.empty(); });
            if (m_stopping)
                return;
            c = std::move(m_ready.front());
            m_ready.pop_front();
            m_serving.insert(c->fd);
            std::lock_guard statsLock(m_statsMutex);
            m_stats.serving = m_serving.size();
        }
        serve(std::move(c));
    }
}

void GatedServer::serve(std::unique_ptr<Connection> c)
{
    t_closeAfter = false;
    bool closed = false;
    bool ok = false;
    std::string leftover;
    const bool last = c->served + 1 >= m_limits.maxRequestsPerConnection || m_stopping;
    {
        GateStream stream(*c, m_limits, m_stopping);
        ok = process_request(stream, last, closed, nullptr); // the last answer says "Connection: close"
        leftover = stream.leftover();
    }
    {
        std::lock_guard lock(m_readyMutex);
        m_serving.erase(c->fd);
        std::lock_guard statsLock(m_statsMutex);
        m_stats.serving = m_serving.size();
    }
    if (t_closeAfter && !m_stopping) {
        // a refused request whose body was not read: the gate reads and drops what is left, then closes
        ::shutdown(c->fd, SHUT_WR);
        c->buffer.clear();
        c->draining = true;
        c->deadline = Clock::now() + kLinger;
        toGate(std::move(c));
        return;
    }
    if (!ok || closed || last || m_stopping || ++c->served >= m_limits.maxRequestsPerConnection)
        return; // closed with c
    // kept alive: the next request waits in the gate, not on this worker
    c->buffer = std::move(leftover);
    c->idle = c->buffer.empty();
    c->since = Clock::now();
    c->deadline = c->since + (c->idle ? m_limits.keepAliveTimeout : m_limits.headerTimeout);
    toGate(std::move(c));
}

} // namespace ksscope::agent
