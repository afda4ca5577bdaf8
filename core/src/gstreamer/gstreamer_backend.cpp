// SPDX-License-Identifier: GPL-3.0-or-later
// The gstreamer backend: every process traced with KsScope's tracer (GST_TRACERS=ksscope) that has a socket in the
// folder (gst_socket_dir.h), read as its lines come: its pipelines' elements, pads, links, pools and queues. A thread
// of its own looks for new sockets, reads the lines and reports processes that come and go. Read-only.

#include "gst_snapshot.h"
#include "gst_socket_dir.h"
#include "ksscope/backend_registry.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <poll.h>
#include <set>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace ksscope {

namespace gst {

namespace {

constexpr const char* kBackend = "gstreamer";
constexpr const char* kReadOnly = "GStreamer's pools and queues are read-only here";
constexpr std::size_t kMaxQueued = 512; // readings of one allocator not yet taken
constexpr std::size_t kMaxLine = 8U << 20U; // a longer line is not a tracer's

/// One traced process, as its last line showed it.
struct Process {
    int fd = -1;
    std::string partial; // the part of a line read so far
    bool seen = false; // a line has come
    Snapshot last;
};

/// What the reader thread learns and the probes read.
struct Shared {
    std::mutex mutex;
    std::map<std::string, Process> processes; // by socket path
    struct Queued {
        std::deque<AllocatorProbe::TakenReading> readings;
        AllocatorReading latest;
        bool present = false;
    };
    std::map<std::string, Queued> allocators; // by allocator id
};

class GstProbe final : public AllocatorProbe {
public:
    GstProbe(std::shared_ptr<Shared> shared, std::string id) : m_shared(std::move(shared)), m_id(std::move(id)) { }
    HRESULT read(AllocatorReading& reading) override
    {
        std::lock_guard lock(m_shared->mutex);
        auto it = m_shared->allocators.find(m_id);
        if (it == m_shared->allocators.end() || !it->second.present)
            return hresultFromWin32(kErrorDeviceRemoved);
        reading = it->second.latest;
        return S_OK;
    }
    /// Every line's reading, at the tracer's time (the same steady clock): the series as the tracer took it.
    bool takeReadings(std::vector<TakenReading>& out) override
    {
        std::lock_guard lock(m_shared->mutex);
        auto it = m_shared->allocators.find(m_id);
        if (it != m_shared->allocators.end()) {
            out.insert(out.end(), it->second.readings.begin(), it->second.readings.end());
            it->second.readings.clear();
        }
        return true;
    }
    std::vector<BufferState> bufferStates() override { return {}; }

private:
    std::shared_ptr<Shared> m_shared;
    std::string m_id;
};

class GstBackend final : public Backend {
public:
    explicit GstBackend(std::string dir) : m_dir(dir.empty() ? socketDir() : std::move(dir)) { }
    ~GstBackend() override { close(); }

    [[nodiscard]] std::string name() const override { return kBackend; }
    [[nodiscard]] std::string interfacesNote() const override
    {
        return "as KsScope's tracer in each GStreamer process reports it (GStreamer pools have no IKsAllocatorEx)";
    }
    [[nodiscard]] Availability availability() const override { return {true, {}}; }
    SelfTestReport selfTest() override
    {
        SelfTestReport report;
        report.passed = true;
        std::error_code ec;
        std::size_t sockets = 0;
        for (const auto& entry : std::filesystem::directory_iterator(m_dir, ec))
            sockets += isSocketName(entry.path().filename().string()) ? 1U : 0U;
        report.lines.push_back("ok: " + std::to_string(sockets) + " traced GStreamer process(es) in " + m_dir +
                               " (start one with GST_TRACERS=ksscope and GST_PLUGIN_PATH naming KsScope's plugin)");
        return report;
    }

    Status open() override
    {
        // the processes there now, each with its first line (a tracer writes one per interval)
        scan();
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
        while (std::chrono::steady_clock::now() < until && !allSeen())
            readOnce(50);
        m_opened = true;
        return Status::ok();
    }

    Status start() override
    {
        if (m_thread.joinable())
            return Status::ok();
        m_stop = false;
        m_thread = std::thread([this] { run(); });
        return Status::ok();
    }

    void close() override
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
        std::lock_guard lock(m_shared->mutex);
        for (auto& [path, p] : m_shared->processes)
            if (p.fd >= 0)
                ::close(p.fd);
        m_shared->processes.clear();
        m_shared->allocators.clear();
    }

    [[nodiscard]] Topology topology() override
    {
        std::lock_guard lock(m_shared->mutex);
        Topology t;
        for (const auto& [path, p] : m_shared->processes)
            if (p.seen)
                t.append(p.last.topology);
        return t;
    }

    std::shared_ptr<AllocatorProbe> probe(const std::string& allocatorId) override
    {
        return std::make_shared<GstProbe>(m_shared, allocatorId);
    }

    ComPtr<IKsPin> pin(const std::string& pinId) override
    {
        (void)pinId;
        return {};
    }

    PropertyChange setProperties(const std::string& allocatorId, const PropertyRequest& request,
                                 ApplyMode mode) override
    {
        (void)mode;
        return refuseProperties(allocatorId, request, kReadOnly);
    }

    Status setMode(const std::string& allocatorId, KSALLOCATORMODE mode, ApplyMode apply) override
    {
        (void)mode;
        (void)apply;
        return refuseMode(allocatorId, kReadOnly);
    }

    void setEventSink(EventSink sink) override { m_events.set(std::move(sink)); }

    [[nodiscard]] ProcessInfo holderProcess(const std::string& allocatorId, std::int32_t holder) override
    {
        (void)allocatorId;
        (void)holder;
        return {};
    }

private:
    static bool isSocketName(const std::string& name)
    {
        const std::string prefix = kSocketPrefix;
        const std::string suffix = kSocketSuffix;
        return name.size() > prefix.size() + suffix.size() && name.rfind(prefix, 0) == 0 &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    }

    static int pidOf(const std::string& name)
    {
        const std::string digits =
            name.substr(std::string(kSocketPrefix).size(),
                        name.size() - std::string(kSocketPrefix).size() - std::string(kSocketSuffix).size());
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
            return -1;
        return std::stoi(digits);
    }

    bool allSeen()
    {
        std::lock_guard lock(m_shared->mutex);
        for (const auto& [path, p] : m_shared->processes)
            if (!p.seen)
                return false;
        return true;
    }

    /// New sockets connected; those of processes that are gone removed.
    void scan()
    {
        std::error_code ec;
        std::vector<std::string> found;
        for (const auto& entry : std::filesystem::directory_iterator(m_dir, ec)) {
            const std::string name = entry.path().filename().string();
            if (isSocketName(name))
                found.push_back(entry.path().string());
        }
        for (const std::string& path : found) {
            {
                std::lock_guard lock(m_shared->mutex);
                if (m_shared->processes.count(path))
                    continue;
            }
            const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
            sockaddr_un address{};
            address.sun_family = AF_UNIX;
            if (fd < 0 || path.size() >= sizeof address.sun_path) {
                if (fd >= 0)
                    ::close(fd);
                continue;
            }
            std::copy(path.begin(), path.end(), address.sun_path);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
                const int e = errno;
                ::close(fd);
                // a process that died without removing its socket: nobody listens there any more
                const int pid = pidOf(std::filesystem::path(path).filename().string());
                if (e == ECONNREFUSED && pid > 0 && ::kill(pid, 0) < 0 && errno == ESRCH)
                    std::filesystem::remove(path, ec);
                continue;
            }
            std::lock_guard lock(m_shared->mutex);
            m_shared->processes[path].fd = fd;
        }
    }

    /// Waits up to \a timeoutMs for lines and handles what came.
    void readOnce(int timeoutMs)
    {
        std::vector<pollfd> fds;
        std::vector<std::string> paths;
        {
            std::lock_guard lock(m_shared->mutex);
            for (const auto& [path, p] : m_shared->processes) {
                fds.push_back({p.fd, POLLIN, 0});
                paths.push_back(path);
            }
        }
        if (fds.empty()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(timeoutMs));
            return;
        }
        if (::poll(fds.data(), fds.size(), timeoutMs) <= 0)
            return;
        for (std::size_t i = 0; i < fds.size(); ++i) {
            if (fds[i].revents == 0)
                continue;
            std::string data;
            bool closed = (fds[i].revents & (POLLERR | POLLNVAL)) != 0;
            char buffer[65536];
            for (;;) {
                const ssize_t n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
                if (n > 0) {
                    data.append(buffer, static_cast<std::size_t>(n));
                    continue;
                }
                if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                    closed = true;
                break;
            }
            handle(paths[i], data, closed);
        }
    }

    /// What came from one process: its complete lines read, the last one kept; when it closed, its devices gone.
    void handle(const std::string& path, const std::string& data, bool closed)
    {
        std::vector<std::pair<BackendEvent::Kind, std::pair<std::string, std::string>>> events;
        {
            std::lock_guard lock(m_shared->mutex);
            auto it = m_shared->processes.find(path);
            if (it == m_shared->processes.end())
                return;
            Process& p = it->second;
            p.partial += data;
            std::size_t start = 0;
            for (std::size_t end; (end = p.partial.find('\n', start)) != std::string::npos; start = end + 1) {
                Snapshot s;
                std::string error;
                if (!readSnapshot(p.partial.substr(start, end - start), s, error))
                    continue;
                diff(p.seen ? &p.last.topology : nullptr, s, events);
                for (const auto& [id, reading] : s.readings) {
                    Shared::Queued& q = m_shared->allocators[id];
                    q.latest = reading;
                    q.present = true;
                    q.readings.push_back({s.steady_ns, reading});
                    while (q.readings.size() > kMaxQueued)
                        q.readings.pop_front();
                }
                // allocators the new line no longer has
                if (p.seen)
                    for (const AllocatorInfo& a : p.last.topology.allocators)
                        if (!s.readings.count(a.id))
                            m_shared->allocators.erase(a.id);
                p.last = std::move(s);
                p.seen = true;
            }
            p.partial.erase(0, start);
            if (p.partial.size() > kMaxLine)
                closed = true; // not a tracer: let go
            if (closed) {
                if (p.seen) {
                    for (const FilterInfo& f : p.last.topology.filters)
                        events.push_back({BackendEvent::Kind::FilterRemoved,
                                          {f.id, "GStreamer element \"" + f.name + "\" is gone: " + p.last.program +
                                                     " (pid " + std::to_string(p.last.pid) + ") ended"}});
                    for (const AllocatorInfo& a : p.last.topology.allocators)
                        m_shared->allocators.erase(a.id);
                }
                ::close(p.fd);
                m_shared->processes.erase(it);
            }
        }
        if (m_opened)
            for (const auto& [kind, what] : events)
                m_events.report(kind, what.first, what.second);
    }

    /// An element's pads, where they lead and their allocators' configuration, as text to compare.
    static std::string signature(const Topology& t, const FilterInfo& f)
    {
        std::string s;
        for (const PinInfo& p : f.pins) {
            s += p.id + (p.direction == PinDirection::Input ? "<" : ">") + p.allocatorId + ";";
            for (const ConnectionInfo& c : t.connections)
                if (c.from == p.id)
                    s += "->" + c.to + ";";
            if (const AllocatorInfo* a = t.findAllocator(p.allocatorId); a && a->pinIds.front() == p.id)
                s += std::to_string(a->status.Framing.Frames) + "x" + std::to_string(a->status.Framing.FrameSize) +
                     "/" + std::to_string(a->properties.cBuffers) + ";";
        }
        return s;
    }

    /// The devices added, removed and changed between two lines of a process.
    static void diff(const Topology* before, const Snapshot& after,
                     std::vector<std::pair<BackendEvent::Kind, std::pair<std::string, std::string>>>& events)
    {
        const std::string process = after.program + " (pid " + std::to_string(after.pid) + ")";
        if (!before) {
            for (const FilterInfo& f : after.topology.filters)
                events.push_back(
                    {BackendEvent::Kind::FilterAdded, {f.id, "GStreamer element \"" + f.name + "\" of " + process}});
            return;
        }
        if (before->sameDevices(after.topology))
            return;
        for (const FilterInfo& f : after.topology.filters)
            if (!before->findFilter(f.id))
                events.push_back(
                    {BackendEvent::Kind::FilterAdded, {f.id, "GStreamer element \"" + f.name + "\" of " + process}});
        for (const FilterInfo& f : before->filters)
            if (!after.topology.findFilter(f.id))
                events.push_back({BackendEvent::Kind::FilterRemoved,
                                  {f.id, "GStreamer element \"" + f.name + "\" left its pipeline"}});
        // the elements whose own pads, links or allocators changed
        for (const FilterInfo& f : after.topology.filters)
            if (const FilterInfo* was = before->findFilter(f.id);
                was && signature(*before, *was) != signature(after.topology, f))
                events.push_back({BackendEvent::Kind::AllocatorReconfigured,
                                  {f.id, "GStreamer element \"" + f.name + "\" of " + process +
                                             " changed its pads, links or pool"}});
    }

    void run()
    {
        auto nextScan = std::chrono::steady_clock::now();
        while (!m_stop) {
            if (std::chrono::steady_clock::now() >= nextScan) {
                scan();
                nextScan = std::chrono::steady_clock::now() + std::chrono::milliseconds(250);
            }
            readOnce(50);
        }
    }

    std::string m_dir;
    std::shared_ptr<Shared> m_shared = std::make_shared<Shared>();
    std::thread m_thread;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_opened{false};
    GuardedEventSink m_events;
};

} // namespace

} // namespace gst

void registerGstreamerBackend()
{
    BackendRegistration r;
    r.name = gst::kBackend;
    r.description = "GStreamer pipelines traced by KsScope's tracer (GST_TRACERS=ksscope): elements, pads, links, "
                    "buffer pools and queue levels";
    r.order = 35;
    r.openedByDefault = true;
    r.create = [](const BackendOptions& options) -> std::unique_ptr<Backend> {
        return std::make_unique<gst::GstBackend>(options.value("gstreamer-dir"));
    };
    BackendOption dir;
    dir.name = "gstreamer-dir";
    dir.valueName = "DIR";
    dir.help = "where traced GStreamer processes have their sockets (the gstreamer backend; default: KSSCOPE_GST_DIR, "
               "else $XDG_RUNTIME_DIR/ksscope-gst)";
    dir.label = "Tracer folder";
    dir.selects = true;
    dir.check = [](const std::string& value) {
        std::error_code ec;
        return std::filesystem::is_directory(value, ec)
                   ? Status::ok()
                   : Status(hresultFromWin32(kErrorPathNotFound), "\"" + value + "\" is not a folder");
    };
    r.options = {std::move(dir)};
    BackendRegistry::add(std::move(r));
}

} // namespace ksscope
