// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/trace_export.h"

#include <nlohmann/json.hpp>

namespace ksscope {

namespace {
/// Trace Event times are microseconds; ns kept as decimals.
double us(std::int64_t ns)
{
    return static_cast<double>(ns) / 1000.0;
}
/// Process ids of the trace: 1 + the allocator's index (0 is not a process to every viewer).
std::uint32_t pidOf(std::uint32_t allocator)
{
    return allocator + 1;
}
} // namespace

TraceEventWriter::TraceEventWriter(std::ostream& out) : m_out(out)
{
    m_out << "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"producer\":\"KsScope\"},\"traceEvents\":[\n";
}

TraceEventWriter::~TraceEventWriter()
{
    finish();
}

void TraceEventWriter::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_out << "\n]}\n";
    m_out.flush();
}

void TraceEventWriter::setAllocators(const std::vector<std::string>& ids)
{
    m_ids = ids;
}

void TraceEventWriter::event(const std::string& json)
{
    if (m_finished)
        return;
    if (!m_first)
        m_out << ",\n";
    m_first = false;
    m_out << json;
}

void TraceEventWriter::name(std::uint32_t allocator, std::int64_t buffer)
{
    if (m_named.insert({allocator, -1}).second) {
        const std::string id = allocator < m_ids.size() ? m_ids[allocator] : "allocator " + std::to_string(allocator);
        event(nlohmann::json{{"name", "process_name"}, {"ph", "M"}, {"pid", pidOf(allocator)}, {"args", {{"name", id}}}}
                  .dump());
        event(nlohmann::json{{"name", "process_sort_index"},
                             {"ph", "M"},
                             {"pid", pidOf(allocator)},
                             {"args", {{"sort_index", allocator}}}}
                  .dump());
    }
    if (buffer >= 0 && m_named.insert({allocator, buffer}).second)
        event(nlohmann::json{{"name", "thread_name"},
                             {"ph", "M"},
                             {"pid", pidOf(allocator)},
                             {"tid", buffer + 1},
                             {"args", {{"name", "buffer " + std::to_string(buffer)}}}}
                  .dump());
}

void TraceEventWriter::frame(const FrameRecord& f)
{
    name(f.allocator, f.buffer);
    const auto slice = [&](const char* state, std::int64_t from, std::int64_t to) {
        if (from < 0 || to < from)
            return;
        nlohmann::json args{{"sequence", f.sequence}, {"bytes", f.bytesUsed}};
        if (f.timestamp_ns >= 0)
            args["timestamp_ns"] = f.timestamp_ns;
        if (f.holder >= 0)
            args["holder_pid"] = f.holder;
        if (f.droppedBefore > 0)
            args["dropped_before"] = f.droppedBefore;
        if (f.error)
            args["error"] = true;
        event(nlohmann::json{{"name", std::string(state) + " #" + std::to_string(f.sequence)},
                             {"cat", state},
                             {"ph", "X"},
                             {"ts", us(from)},
                             {"dur", us(to - from)},
                             {"pid", pidOf(f.allocator)},
                             {"tid", f.buffer + 1},
                             {"args", args}}
                  .dump());
    };
    slice("filling", f.driverOwned_ns, f.done_ns);
    slice("waiting", f.done_ns, f.dequeued_ns);
    slice("held", f.dequeued_ns, f.returned_ns);
}

void TraceEventWriter::dropped(const DroppedFrames& d)
{
    name(d.allocator, -1);
    const std::string which =
        d.first == d.last ? std::to_string(d.first) : std::to_string(d.first) + "-" + std::to_string(d.last);
    event(nlohmann::json{{"name", "dropped " + which},
                         {"cat", "drop"},
                         {"ph", "i"},
                         {"s", "p"},
                         {"ts", us(d.t_ns)},
                         {"pid", pidOf(d.allocator)},
                         {"tid", 0},
                         {"args", {{"first", d.first}, {"last", d.last}, {"count", d.count()}}}}
              .dump());
}

void TraceEventWriter::occupancy(std::uint32_t allocator, std::int64_t t_ns, std::uint32_t allocated)
{
    name(allocator, -1);
    event(nlohmann::json{{"name", "frames allocated"},
                         {"ph", "C"},
                         {"ts", us(t_ns)},
                         {"pid", pidOf(allocator)},
                         {"args", {{"allocated", allocated}}}}
              .dump());
}

} // namespace ksscope
