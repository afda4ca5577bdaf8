// SPDX-License-Identifier: GPL-3.0-or-later
#include "tracefs_reader_linux.h"

#include "tracefs_api.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace ksscope::v4l2 {

namespace {

constexpr std::size_t kBufferKb = 2048; // per CPU: about 30 000 events, seconds of a busy capture farm

struct EventSpec {
    const char* system;
    const char* name;
    TraceKind kind;
};
constexpr std::array<EventSpec, 6> kEvents{{
    {"vb2", "vb2_qbuf", TraceKind::Vb2Qbuf},
    {"vb2", "vb2_buf_queue", TraceKind::Vb2BufQueue},
    {"vb2", "vb2_buf_done", TraceKind::Vb2BufDone},
    {"vb2", "vb2_dqbuf", TraceKind::Vb2Dqbuf},
    {"v4l2", "v4l2_qbuf", TraceKind::V4l2Qbuf},
    {"v4l2", "v4l2_dqbuf", TraceKind::V4l2Dqbuf},
}};

/// Where one event's fields are in its record (-1: it has none of that name).
struct Field {
    int offset = -1;
    int size = 0;
};
struct Layout {
    TraceKind kind = TraceKind::Vb2Qbuf;
    Field pid, flagsCommon, owner, minor, index, bytesUsed, flags, sequence, timestamp;
};

Field fieldOf(tep_event* event, const char* name)
{
    tep_format_field* f = tep_find_any_field(event, name);
    if (!f)
        return {};
    return {f->offset, f->size};
}

/// An unsigned field of 1 to 8 bytes, in the host's order (the trace is local).
std::uint64_t readField(const char* data, int dataSize, Field f)
{
    if (f.offset < 0 || f.size <= 0 || f.size > 8 || f.offset + f.size > dataSize)
        return 0;
    switch (f.size) {
    case 1:
        return static_cast<std::uint8_t>(data[f.offset]);
    case 2: {
        std::uint16_t v = 0;
        std::memcpy(&v, data + f.offset, 2);
        return v;
    }
    case 4: {
        std::uint32_t v = 0;
        std::memcpy(&v, data + f.offset, 4);
        return v;
    }
    case 8: {
        std::uint64_t v = 0;
        std::memcpy(&v, data + f.offset, 8);
        return v;
    }
    default:
        return 0;
    }
}

std::string filterFor(const std::vector<std::int32_t>& minors)
{
    if (minors.empty())
        return "minor == -2"; // no node: nothing
    std::string filter;
    for (const std::int32_t m : minors)
        filter += (filter.empty() ? "" : " || ") + std::string("minor == ") + std::to_string(m);
    return filter;
}

/// Where tracefs is mounted, from /proc/self/mounts (its usual place first, then the one under debugfs); empty when
/// it is not. (libtracefs's own lookup hands back a copy nobody frees.)
std::string tracingDir()
{
    std::ifstream mounts("/proc/self/mounts");
    std::string line;
    std::string found;
    while (std::getline(mounts, line)) {
        std::istringstream fields(line);
        std::string device;
        std::string mountPoint;
        std::string type;
        fields >> device >> mountPoint >> type;
        if (type == "tracefs" && (found.empty() || mountPoint == "/sys/kernel/tracing"))
            found = mountPoint;
        else if (type == "debugfs" && found.empty() && ::access((mountPoint + "/tracing/instances").c_str(), F_OK) == 0)
            found = mountPoint + "/tracing";
    }
    return found;
}

/// Removes the instances of KsScope processes that are gone (killed before they could).
void removeStaleInstances(const std::string& instances)
{
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(instances, error)) {
        const std::string name = entry.path().filename().string();
        constexpr std::string_view kPrefix = "ksscope-";
        if (name.compare(0, kPrefix.size(), kPrefix) != 0 ||
            name.find_first_not_of("0123456789", kPrefix.size()) != std::string::npos || name.size() == kPrefix.size())
            continue;
        const long pid = std::strtol(name.c_str() + kPrefix.size(), nullptr, 10);
        if (pid <= 0 || pid == static_cast<long>(::getpid()))
            continue;
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
            continue; // alive (or not ours to tell)
        if (tracefs_instance* stale = tracefs_instance_alloc(nullptr, name.c_str())) {
            tracefs_instance_destroy(stale);
            tracefs_instance_free(stale);
        }
    }
}

} // namespace

struct TracefsReader::Impl {
    struct Cpu {
        tracefs_cpu* tcpu = nullptr;
        std::vector<char> page;
    };

    tracefs_instance* instance = nullptr;
    tep_handle* tep = nullptr;
    kbuffer* kbuf = nullptr;
    std::vector<Cpu> cpus;
    std::vector<Layout> layouts; // by event id
    std::vector<bool> known; // by event id
    std::vector<TraceRecord> scratch;
    std::uint64_t baseline = 0; // the counters at open
    std::uint64_t lost = 0;
    std::uint64_t missedPages = 0; // pages that said events were missed before them
    std::chrono::steady_clock::time_point statsAt;
    std::string error;
    std::string name;

    /// The ring's overrun and dropped-event counters, summed over the CPUs.
    std::uint64_t ringCounters() const
    {
        std::uint64_t sum = 0;
        for (std::size_t cpu = 0; cpu < cpus.size(); ++cpu) {
            const std::string file = "per_cpu/cpu" + std::to_string(cpu) + "/stats";
            char* text = tracefs_instance_file_read(instance, file.c_str(), nullptr);
            if (!text)
                continue;
            for (const char* key : {"\noverrun: ", "\ndropped events: "}) {
                const char* at = std::strstr(text, key);
                if (at)
                    sum += std::strtoull(at + std::strlen(key), nullptr, 10);
            }
            std::free(text);
        }
        return sum;
    }

    void updateLost()
    {
        const std::uint64_t counters = ringCounters();
        const std::uint64_t counted = counters >= baseline ? counters - baseline : 0;
        // a page that said events were missed when the counters did not move still lost some
        lost = std::max(counted, missedPages);
        statsAt = std::chrono::steady_clock::now();
    }

    void decode(const char* data, int size, unsigned long long ts)
    {
        if (size < 2)
            return;
        std::uint16_t type = 0;
        std::memcpy(&type, data, 2);
        if (type >= known.size() || !known[type])
            return;
        const Layout& l = layouts[type];
        TraceRecord r;
        r.t_ns = static_cast<std::int64_t>(ts);
        r.kind = l.kind;
        r.pid = static_cast<std::int32_t>(readField(data, size, l.pid));
        constexpr std::uint64_t kInterrupt = 0x08 | 0x10 | 0x40; // TRACE_FLAG_HARDIRQ, _SOFTIRQ, _NMI
        r.interrupt = (readField(data, size, l.flagsCommon) & kInterrupt) != 0;
        r.owner = readField(data, size, l.owner);
        r.minor = l.minor.offset >= 0 ? static_cast<std::int32_t>(readField(data, size, l.minor)) : -1;
        r.index = static_cast<std::uint32_t>(readField(data, size, l.index));
        r.bytesUsed = static_cast<std::uint32_t>(readField(data, size, l.bytesUsed));
        r.flags = static_cast<std::uint32_t>(readField(data, size, l.flags));
        r.sequence = static_cast<std::uint32_t>(readField(data, size, l.sequence));
        r.timestamp_ns = l.timestamp.offset >= 0 ? static_cast<std::int64_t>(readField(data, size, l.timestamp)) : -1;
        scratch.push_back(r);
    }
};

TracefsReader::TracefsReader() : m_impl(std::make_unique<Impl>()) { }

TracefsReader::~TracefsReader()
{
    close();
}

std::string TracefsReader::instanceName() const
{
    return m_impl->name;
}

const std::string& TracefsReader::error() const
{
    return m_impl->error;
}

std::uint64_t TracefsReader::lost() const
{
    return m_impl->lost;
}

Status TracefsReader::open(const std::vector<std::int32_t>& minors)
{
    close();
    Impl& d = *m_impl;
    const std::string tracing = tracingDir();
    if (tracing.empty())
        return {E_FAIL, "tracefs is not mounted: mount it (as root: mount -t tracefs nodev /sys/kernel/tracing) to "
                        "see every buffer move (docs/V4L2.md)"};
    const std::string instances = tracing + "/instances";
    if (::access(instances.c_str(), W_OK) != 0) {
        const int err = errno;
        return {hresultFromWin32(kErrorAccessDenied),
                "KsScope cannot write " + instances + " (" + errnoMessage(err) +
                    "): run it as root, or give its user access to tracefs (docs/V4L2.md)"};
    }
    for (const char* path : {"/events/v4l2/v4l2_dqbuf", "/events/vb2/vb2_buf_done"}) {
        struct stat st { };
        if (::stat((tracing + path).c_str(), &st) != 0)
            return {E_FAIL, "the kernel has no " + std::string(path + 8) +
                                " tracepoint: load a V4L2 driver (its videodev and videobuf2 modules bring them) or "
                                "use a kernel built with CONFIG_TRACING (docs/V4L2.md)"};
    }
    removeStaleInstances(instances);
    d.name = "ksscope-" + std::to_string(::getpid());
    d.instance = tracefs_instance_create(d.name.c_str());
    if (!d.instance) {
        const int err = errno;
        return {E_FAIL, "cannot create the trace instance " + instances + "/" + d.name + ": " + errnoMessage(err)};
    }
    const auto fail = [&](const std::string& what) {
        const int err = errno;
        Status s{E_FAIL, what + " (" + d.name + "): " + errnoMessage(err)};
        close();
        return s;
    };
    if (tracefs_instance_file_write(d.instance, "trace_clock", "mono") < 0)
        return fail("cannot set the trace clock to mono");
    if (tracefs_instance_set_buffer_size(d.instance, kBufferKb, -1) < 0)
        return fail("cannot size the trace buffers");
    const std::array<const char*, 3> systems{"v4l2", "vb2", nullptr};
    d.tep = tracefs_local_events_system(nullptr, systems.data());
    if (!d.tep)
        return fail("cannot read the formats of the v4l2 and vb2 tracepoints");
    for (const EventSpec& spec : kEvents) {
        tep_event* event = tep_find_event_by_name(d.tep, spec.system, spec.name);
        if (!event)
            return fail(std::string("no format for ") + spec.system + ":" + spec.name);
        const auto id = static_cast<std::size_t>(event->id);
        if (id >= d.layouts.size()) {
            d.layouts.resize(id + 1);
            d.known.resize(id + 1, false);
        }
        Layout& l = d.layouts[id];
        l.kind = spec.kind;
        l.pid = fieldOf(event, "common_pid");
        l.flagsCommon = fieldOf(event, "common_flags");
        l.owner = fieldOf(event, "owner");
        l.minor = fieldOf(event, "minor");
        l.index = fieldOf(event, "index");
        l.bytesUsed = fieldOf(event, "bytesused");
        l.flags = fieldOf(event, "flags");
        l.sequence = fieldOf(event, "sequence");
        l.timestamp = fieldOf(event, "timestamp");
        if (l.index.offset < 0)
            return fail(std::string(spec.system) + ":" + spec.name + " has no index field");
        d.known[id] = true;
    }
    d.kbuf = tep_kbuffer(d.tep);
    if (!d.kbuf)
        return fail("cannot parse the ring buffer's pages");
    if (Status s = setMinors(minors); !s) {
        close();
        return s;
    }
    for (const EventSpec& spec : kEvents)
        if (tracefs_event_enable(d.instance, spec.system, spec.name) < 0)
            return fail(std::string("cannot enable ") + spec.system + ":" + spec.name);
    const long cpus = ::sysconf(_SC_NPROCESSORS_CONF);
    for (long cpu = 0; cpu < cpus; ++cpu) {
        Impl::Cpu c;
        c.tcpu = tracefs_cpu_open(d.instance, static_cast<int>(cpu), true);
        if (c.tcpu) {
            c.page.resize(static_cast<std::size_t>(std::max(tracefs_cpu_read_size(c.tcpu), 4096)));
        }
        d.cpus.push_back(std::move(c)); // an offline CPU keeps its place (the stats files are per CPU number)
    }
    if (std::none_of(d.cpus.begin(), d.cpus.end(), [](const Impl::Cpu& c) { return c.tcpu != nullptr; }))
        return fail("cannot open the trace buffers");
    if (tracefs_trace_on(d.instance) < 0)
        return fail("cannot start tracing");
    d.baseline = d.ringCounters();
    d.statsAt = std::chrono::steady_clock::now();
    return Status::ok();
}

Status TracefsReader::setMinors(const std::vector<std::int32_t>& minors)
{
    Impl& d = *m_impl;
    if (!d.instance)
        return {E_UNEXPECTED, "the trace instance is not open"};
    const std::string filter = filterFor(minors);
    for (const char* event : {"v4l2_qbuf", "v4l2_dqbuf"})
        if (tracefs_event_file_write(d.instance, "v4l2", event, "filter", filter.c_str()) < 0) {
            const int err = errno;
            return {E_FAIL,
                    "cannot filter v4l2:" + std::string(event) + " to \"" + filter + "\": " + errnoMessage(err)};
        }
    return Status::ok();
}

bool TracefsReader::read(std::vector<TraceRecord>& out)
{
    Impl& d = *m_impl;
    if (!d.instance)
        return false;
    d.scratch.clear();
    bool missed = false;
    for (Impl::Cpu& c : d.cpus) {
        if (!c.tcpu)
            continue;
        for (;;) {
            const int n = tracefs_cpu_read(c.tcpu, c.page.data(), true);
            if (n <= 0) {
                if (n < 0 && errno != EAGAIN && errno != EINTR && errno != 0) {
                    d.error = "reading the trace buffer: " + errnoMessage(errno);
                    return false;
                }
                break;
            }
            if (kbuffer_load_subbuffer(d.kbuf, c.page.data()) < 0)
                break;
            const int lostBefore = kbuffer_missed_events(d.kbuf);
            if (lostBefore != 0) {
                d.missedPages += lostBefore > 0 ? static_cast<std::uint64_t>(lostBefore) : 1;
                missed = true;
            }
            unsigned long long ts = 0;
            for (void* data = kbuffer_read_event(d.kbuf, &ts); data; data = kbuffer_next_event(d.kbuf, &ts))
                d.decode(static_cast<const char*>(data), kbuffer_event_size(d.kbuf), ts);
        }
    }
    // each CPU's records are in order; merged here
    std::stable_sort(d.scratch.begin(), d.scratch.end(),
                     [](const TraceRecord& a, const TraceRecord& b) { return a.t_ns < b.t_ns; });
    out.insert(out.end(), d.scratch.begin(), d.scratch.end());
    if (missed || std::chrono::steady_clock::now() - d.statsAt >= std::chrono::seconds(1))
        d.updateLost();
    return true;
}

void TracefsReader::close()
{
    Impl& d = *m_impl;
    for (Impl::Cpu& c : d.cpus)
        if (c.tcpu)
            tracefs_cpu_close(c.tcpu);
    d.cpus.clear();
    if (d.kbuf)
        kbuffer_free(d.kbuf);
    d.kbuf = nullptr;
    if (d.tep)
        tep_free(d.tep);
    d.tep = nullptr;
    if (d.instance) {
        tracefs_trace_off(d.instance);
        tracefs_instance_destroy(d.instance);
        tracefs_instance_free(d.instance);
    }
    d.instance = nullptr;
    d.layouts.clear();
    d.known.clear();
}

} // namespace ksscope::v4l2
