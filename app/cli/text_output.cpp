// SPDX-License-Identifier: GPL-3.0-or-later
#include "text_output.h"

#include <cstdio>
#include <iostream>

namespace ksscope::cli {

namespace {

std::string connectionFlagsText(std::uint32_t flags)
{
    if (flags & ConnectionDeviceNode)
        return "device node";
    if (flags & ConnectionPipeWireStream)
        return "pipewire stream";
    std::string out = (flags & ConnectionEnabled) ? "enabled" : "disabled";
    if (flags & ConnectionImmutable)
        out += ", immutable";
    if (flags & ConnectionDynamic)
        out += ", dynamic";
    return out;
}

/// A device's or pin's details, several to a line as "name: value".
void printDetails(const std::vector<Detail>& details, const std::string& indent)
{
    std::string line;
    for (const Detail& d : details) {
        std::string item = d.name + ": " + d.value;
        if (!line.empty() && line.size() + item.size() + 2 > 110) {
            std::cout << indent << line << "\n";
            line.clear();
        }
        line += (line.empty() ? "" : "; ") + item;
    }
    if (!line.empty())
        std::cout << indent << line << "\n";
}

} // namespace

std::string allocatorLine(const AllocatorInfo& a)
{
    const auto& f = a.status.Framing;
    char text[512];
    // an allocator whose occupancy nobody samples shows no count of allocated frames, not a made-up 0
    const std::string allocated = a.unsampledReason.empty() ? "allocated " + std::to_string(a.status.AllocatedFrames) +
                                                                  "/" + std::to_string(f.Frames)
                                                            : std::string("occupancy not sampled");
    std::snprintf(text, sizeof text, "%s mode, %u x %u bytes, align %d, prefix %d, %s, %s, flags %s%s",
                  std::string(allocatorModeName(a.mode)).c_str(), f.Frames, f.FrameSize, a.properties.cbAlign,
                  a.properties.cbPrefix, allocated.c_str(), guidName(a.memoryType).c_str(),
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
        printDetails(f.details, "    ");
        for (const PinInfo& p : f.pins) {
            const std::string format = p.format.toString();
            std::cout << "  " << pinDirectionName(p.direction) << "  " << p.id << "  \"" << p.name << "\""
                      << (format.empty() ? "" : "  " + format) << "\n";
            printDetails(p.details, "        ");
            if (const AllocatorInfo* a = topology.findAllocator(p.allocatorId)) {
                std::cout << "        allocator " << a->id << ": " << allocatorLine(*a) << "\n";
                if (!a->unsampledReason.empty() && a->pinIds.front() == p.id)
                    std::cout << "          (" << a->unsampledReason << ")\n";
            }
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
