// SPDX-License-Identifier: GPL-3.0-or-later
#include "text_output.h"

#include <cstdio>
#include <iostream>

namespace ksscope::cli {

namespace {

std::string connectionFlagsText(std::uint32_t flags)
{
    std::string out = (flags & ConnectionEnabled) ? "enabled" : "disabled";
    if (flags & ConnectionImmutable)
        out += ", immutable";
    if (flags & ConnectionDynamic)
        out += ", dynamic";
    return out;
}

} // namespace

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

std::string msText(std::int64_t ns)
{
    if (ns < 0)
        return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ns) * 1e-6);
    return text;
}

std::string percentilesText(const DurationHistogram& durations)
{
    if (durations.count() == 0)
        return "-";
    return msText(durations.percentile_ns(0.5)) + " / " + msText(durations.percentile_ns(0.99)) + " / " +
           msText(durations.max_ns());
}

} // namespace ksscope::cli
