// SPDX-License-Identifier: GPL-3.0-or-later
// The /metrics document: the Prometheus text format 0.0.4 and OpenMetrics 1.0.0.

#include "ksscope/agent.h"
#include "ksscope/version.h"
#include "number_text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace ksscope::agent {

namespace {

/// One q-weighted media range of an Accept header.
struct MediaRange {
    std::string_view type;
    double q = 1.0;
};

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

bool equalsNoCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

MediaRange parseRange(std::string_view item)
{
    MediaRange range;
    const std::size_t semi = item.find(';');
    range.type = trim(item.substr(0, semi));
    std::string_view params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
    while (!params.empty()) {
        const std::size_t next = params.find(';');
        const std::string_view param = trim(params.substr(0, next));
        params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
        if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
            double q = 0.0;
            const auto value = param.substr(2);
            if (std::from_chars(value.data(), value.data() + value.size(), q).ec == std::errc())
                range.q = std::clamp(q, 0.0, 1.0);
        }
    }
    return range;
}

void appendDouble(std::string& out, double value)
{
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value > 0 ? "+Inf" : "-Inf";
        return;
    }
    appendNumber(out, value);
}

/// A label value: backslash, double quote and line feed escaped.
void appendLabelValue(std::string& out, std::string_view value)
{
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
}

enum class Type : std::uint8_t { Gauge, Counter, Info };

/// Writes families: the HELP and TYPE lines, then samples through sample().
class Writer {
public:
    Writer(MetricsFormat format, std::string& out) : m_format(format), m_out(out) { }

    void family(std::string_view name, Type type, std::string_view help)
    {
        m_name = name;
        m_type = type;
        // a counter family is named without _total in OpenMetrics, with it in the Prometheus text format; an
        // info family without _info in OpenMetrics (and is a gauge in the Prometheus text format)
        std::string_view familyName = name;
        if (m_format == MetricsFormat::OpenMetrics) {
            if (type == Type::Counter)
                familyName.remove_suffix(std::string_view("_total").size());
            if (type == Type::Info)
                familyName.remove_suffix(std::string_view("_info").size());
        }
        m_out += "# HELP ";
        m_out += familyName;
        m_out += ' ';
        m_out += help;
        m_out += "\n# TYPE ";
        m_out += familyName;
        if (type == Type::Counter)
            m_out += " counter\n";
        else if (type == Type::Info && m_format == MetricsFormat::OpenMetrics)
            m_out += " info\n";
        else
            m_out += " gauge\n";
    }

    /// Starts a sample line of the current family: its name and the opening brace of the labels.
    void begin()
    {
        m_out += m_name;
        m_first = true;
    }
    void label(std::string_view name, std::string_view value)
    {
        m_out += m_first ? '{' : ',';
        m_first = false;
        m_out += name;
        m_out += "=\"";
        appendLabelValue(m_out, value);
        m_out += '"';
    }
    void value(double v)
    {
        closeLabels();
        appendDouble(m_out, v);
        m_out += '\n';
    }
    void value(std::uint64_t v)
    {
        closeLabels();
        appendNumber(m_out, v);
        m_out += '\n';
    }
    /// A family with one sample and no labels.
    template <typename Value> void single(std::string_view name, Type type, std::string_view help, Value v)
    {
        family(name, type, help);
        begin();
        value(v);
    }
    void finish()
    {
        if (m_format == MetricsFormat::OpenMetrics)
            m_out += "# EOF\n";
    }

private:
    void closeLabels() { m_out += m_first ? " " : "} "; }

    MetricsFormat m_format;
    std::string& m_out;
    std::string_view m_name;
    Type m_type = Type::Gauge;
    bool m_first = true;
};

/// One per-allocator family: how to read its value from AllocatorMetrics.
struct AllocatorFamily {
    std::string_view name;
    Type type;
    std::string_view help;
    void (*write)(Writer& writer, const AllocatorMetrics& a);
};

void labels(Writer& w, const AllocatorMetrics& a)
{
    w.begin();
    w.label("backend", a.backend);
    w.label("device", a.device);
    w.label("pin", a.pin);
    w.label("allocator", a.allocator);
}

// NOLINTBEGIN(bugprone-easily-swappable-parameters)
constexpr std::array<AllocatorFamily, 8> kAllocatorFamilies{{
    {"ksscope_allocator_frames", Type::Gauge, "Frames the allocator holds (KSALLOCATOR_FRAMING.Frames).",
     [](Writer& w, const AllocatorMetrics& a) {
         labels(w, a);
         w.value(std::uint64_t{a.frames});
     }},
    {"ksscope_allocator_frame_size_bytes", Type::Gauge, "Bytes per frame (KSALLOCATOR_FRAMING.FrameSize).",
     [](Writer& w, const AllocatorMetrics& a) {
         labels(w, a);
         w.value(std::uint64_t{a.frameSize});
     }},
    {"ksscope_allocator_allocated_frames", Type::Gauge,
     "Frames in use at the latest sample (KSSTREAMALLOCATOR_STATUS.AllocatedFrames).",
     [](Writer& w, const AllocatorMetrics& a) {
         labels(w, a);
         w.value(std::uint64_t{a.allocatedFrames});
     }},
    {"ksscope_allocator_starving", Type::Gauge,
     "1 while the allocator has had no free frame for two frame periods or more, else 0.",
     [](Writer& w, const AllocatorMetrics& a) {
         labels(w, a);
         w.value(std::uint64_t{a.starving ? 1u : 0u});
     }},
    {"ksscope_allocator_starvations_total", Type::Counter,
     "Starvation episodes: times the allocator had no free frame for two frame periods or more.",
     [](Writer& w, const AllocatorMetrics& a) {
         labels(w, a);
         w.value(a.starvations);
     }},
    {"ksscope_allocator_starved_seconds_total", Type::Counter, "Seconds spent in starvation episodes.",
     [](Writer& w, const AllocatorMetrics& a) {
         labels(w, a);
         w.value(a.starvedSeconds);
     }},
    {"ksscope_allocator_dropped_frames_total", Type::Counter,
     "Frames the producer could not deliver because no frame was free.",
     [](Writer& w, const AllocatorMetrics& a) {
         labels(w, a);
         w.value(a.droppedFrames);
     }},
    {"ksscope_allocator_delivered_frames_total", Type::Counter,
     "Frames delivered through the allocator (where the backend counts them).",
     [](Writer& w, const AllocatorMetrics& a) {
         labels(w, a);
         w.value(a.deliveredFrames);
     }},
}};
// NOLINTEND(bugprone-easily-swappable-parameters)

} // namespace

MetricsFormat negotiateMetricsFormat(std::string_view accept)
{
    double openMetrics = -1.0;
    double text = -1.0;
    while (!accept.empty()) {
        const std::size_t comma = accept.find(',');
        const MediaRange range = parseRange(accept.substr(0, comma));
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        if (equalsNoCase(range.type, "application/openmetrics-text"))
            openMetrics = std::max(openMetrics, range.q);
        else if (equalsNoCase(range.type, "text/plain"))
            text = std::max(text, range.q);
    }
    return openMetrics > 0.0 && openMetrics >= text ? MetricsFormat::OpenMetrics : MetricsFormat::Prometheus;
}

std::string_view metricsContentType(MetricsFormat format)
{
    return format == MetricsFormat::OpenMetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                                : "text/plain; version=0.0.4; charset=utf-8";
}

void writeMetrics(const MetricsSnapshot& s, MetricsFormat format, std::string& out)
{
    out.clear();
    out.reserve(512 + s.allocators.size() * kAllocatorFamilies.size() * 160);
    Writer w(format, out);

    w.family("ksscope_build_info", Type::Info, "The agent's version; the value is 1.");
    w.begin();
    w.label("version", KSSCOPE_VERSION);
    w.label("revision", KSSCOPE_VERSION_FULL);
    w.value(std::uint64_t{1});

    w.family("ksscope_device_up", Type::Gauge, "1 while the device is present, 0 after it went away.");
    for (const DeviceMetrics& d : s.devices) {
        w.begin();
        w.label("backend", d.backend);
        w.label("device", d.device);
        w.value(std::uint64_t{d.up ? 1u : 0u});
    }

    for (const AllocatorFamily& family : kAllocatorFamilies) {
        w.family(family.name, family.type, family.help);
        for (const AllocatorMetrics& a : s.allocators)
            family.write(w, a);
    }

    w.single("ksscope_sampler_rate_hz", Type::Gauge, "Samples per second the sampler takes of each allocator.",
             s.rateHz);
    w.single("ksscope_sampler_ticks_total", Type::Counter, "Sampler ticks.", s.sampler.ticks);
    w.single("ksscope_sampler_late_ticks_total", Type::Counter, "Ticks skipped because the sampler fell behind.",
             s.sampler.lateTicks);
    w.single("ksscope_sampler_samples_total", Type::Counter, "Allocator readings taken.", s.sampler.samples);
    w.single("ksscope_sampler_cpu_seconds_total", Type::Counter, "CPU time of the sampler thread.",
             s.sampler.cpuSeconds);
    w.single("ksscope_sampler_busy_cpu_seconds_total", Type::Counter,
             "CPU time the sampler spent sampling, from wake-up to the end of each tick.", s.sampler.busyCpuSeconds);
    w.single("ksscope_sampler_lost_samples_total", Type::Counter,
             "Samples dropped before the agent took them from the sampler.", s.lostSamples);

    w.single("ksscope_agent_stream_clients", Type::Gauge, "Clients connected to /api/v1/stream.",
             std::uint64_t{s.streamClients});
    w.single("ksscope_agent_stream_dropped_messages_total", Type::Counter,
             "Stream messages dropped because a client did not read them fast enough.", s.streamDroppedMessages);
    w.single("ksscope_agent_rate_limited_requests_total", Type::Counter,
             "Requests answered 429 because their address asked too often.", s.rateLimitedRequests);
    w.single("ksscope_agent_refused_requests_total", Type::Counter,
             "Requests refused for a missing or wrong token (401) or a forbidden edit (403).", s.refusedRequests);
    w.single("ksscope_agent_scrape_render_seconds", Type::Gauge, "Time the previous /metrics answer took to render.",
             s.lastScrapeSeconds);
    w.family("ksscope_agent_connections_closed_total", Type::Counter,
             "Connections the agent closed before serving them, by reason: header_timeout (408), too_large (431, "
             "411, 413, 415), evicted (made room for newer ones), busy (503), malformed (400).");
    const std::pair<std::string_view, std::uint64_t> closed[] = {{"header_timeout", s.connections.headerTimeouts},
                                                                 {"too_large", s.connections.oversized},
                                                                 {"evicted", s.connections.evicted},
                                                                 {"busy", s.connections.busy},
                                                                 {"malformed", s.connections.malformed}};
    for (const auto& [reason, count] : closed) {
        w.begin();
        w.label("reason", reason);
        w.value(count);
    }
    w.single("ksscope_agent_connections_accepted_total", Type::Counter, "Connections accepted.",
             s.connections.accepted);
    w.single("ksscope_agent_connections_waiting", Type::Gauge, "Connections waiting for their request headers.",
             std::uint64_t{s.connections.waiting});
    w.single("ksscope_agent_connections_serving", Type::Gauge, "Connections being served.",
             std::uint64_t{s.connections.serving});
    w.finish();
}

} // namespace ksscope::agent
