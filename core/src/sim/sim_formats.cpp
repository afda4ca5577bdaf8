// SPDX-License-Identifier: GPL-3.0-or-later
#include "sim_formats.h"

#include "ksscope/backend.h"

#include <algorithm>
#include <cmath>

namespace ksscope::sim {

namespace {

/// Bits per pixel of the subtypes scenarios use; 0 when not known (the pin's own is kept).
std::uint32_t bitsOf(const std::string& subtype)
{
    static const std::pair<const char*, std::uint32_t> kBits[] = {
        {"YUY2", 16},  {"UYVY", 16},  {"YVYU", 16},   {"NV12", 12},   {"I420", 12}, {"YV12", 12},
        {"RGB24", 24}, {"RGB32", 32}, {"ARGB32", 32}, {"RGB565", 16}, {"Y800", 8},  {"GREY", 8},
    };
    for (const auto& [name, bits] : kBits)
        if (subtype == name)
            return bits;
    return 0;
}

/// A frame rate as a time per frame in 100 ns units, as KS formats give it.
REFERENCE_TIME timePerFrame(double fps)
{
    return static_cast<REFERENCE_TIME>(std::llround(1.0e7 / fps));
}

} // namespace

std::vector<FormatOption> formatOptionsOf(const PinSpec& spec)
{
    std::vector<FormatOption> out;
    if (spec.dataRanges.empty()) {
        FormatOption only;
        only.subtype = spec.format.subtype;
        if (spec.format.width) {
            SizeRange size;
            size.minWidth = size.maxWidth = spec.format.width;
            size.minHeight = size.maxHeight = spec.format.height;
            if (spec.format.avgTimePerFrame > 0) {
                const Fraction interval = intervalOf100ns(spec.format.avgTimePerFrame);
                size.intervals.push_back(IntervalRange{RangeKind::Discrete, interval, interval, {}});
            }
            only.sizes.push_back(size);
        }
        out.push_back(only);
        return out;
    }
    for (const DataRangeSpec& d : spec.dataRanges) {
        auto it = std::find_if(out.begin(), out.end(), [&](const FormatOption& o) { return o.subtype == d.subtype; });
        if (it == out.end()) {
            out.emplace_back();
            it = std::prev(out.end());
            it->subtype = d.subtype;
        }
        SizeRange size;
        size.kind =
            d.minWidth == d.maxWidth && d.minHeight == d.maxHeight ? RangeKind::Discrete : RangeKind::Continuous;
        size.minWidth = d.minWidth;
        size.maxWidth = d.maxWidth;
        size.minHeight = d.minHeight;
        size.maxHeight = d.maxHeight;
        if (d.maxFps > 0) {
            IntervalRange rates;
            rates.kind = d.minFps == d.maxFps ? RangeKind::Discrete : RangeKind::Continuous;
            rates.min = intervalOf100ns(timePerFrame(d.maxFps));
            rates.max = intervalOf100ns(timePerFrame(d.minFps));
            size.intervals.push_back(rates);
        }
        it->sizes.push_back(size);
    }
    return out;
}

MediaFormat adjustFormat(const PinSpec& spec, const MediaFormat& current, const StreamFormat& wanted)
{
    if (spec.dataRanges.empty())
        return spec.format;
    auto range = std::find_if(spec.dataRanges.begin(), spec.dataRanges.end(),
                              [&](const DataRangeSpec& d) { return d.subtype == wanted.subtype; });
    // the range that holds the size asked, among those of the subtype
    for (auto it = range; it != spec.dataRanges.end(); ++it)
        if (it->subtype == wanted.subtype && wanted.width >= it->minWidth && wanted.width <= it->maxWidth &&
            wanted.height >= it->minHeight && wanted.height <= it->maxHeight) {
            range = it;
            break;
        }
    if (range == spec.dataRanges.end())
        range = spec.dataRanges.begin();
    MediaFormat f = current;
    if (f.subtype != range->subtype) {
        f.subtype = range->subtype;
        if (const std::uint32_t bits = bitsOf(f.subtype))
            f.bitCount = bits;
    }
    f.width = std::clamp(wanted.width ? wanted.width : current.width, range->minWidth, range->maxWidth);
    f.height = std::clamp(wanted.height ? wanted.height : current.height, range->minHeight, range->maxHeight);
    double fps = wanted.interval.known() ? 1.0 / wanted.interval.value() : current.framesPerSecond();
    if (range->maxFps > 0)
        fps = std::clamp(fps, range->minFps, range->maxFps);
    if (fps > 0)
        f.avgTimePerFrame = timePerFrame(fps);
    return f;
}

std::vector<ControlInfo> controlsOf(const FilterSpec& spec, const std::string& filterId)
{
    std::vector<ControlInfo> out;
    std::uint32_t id = 0x00f00001; // numbered in scenario order, in a private class
    for (const ControlSpec& s : spec.controls) {
        ControlInfo c;
        c.filterId = filterId;
        c.id = id++;
        c.name = s.name;
        c.key = controlKey(s.name);
        c.className = "Simulated Controls";
        c.type = s.type;
        c.minimum = s.minimum;
        c.maximum = s.maximum;
        c.step = static_cast<std::uint64_t>(s.step);
        c.defaultValue = s.defaultValue;
        for (std::size_t i = 0; i < s.menu.size(); ++i)
            c.menu.push_back({static_cast<std::int64_t>(i), s.menu[i]});
        if (s.type == ControlType::Button) {
            c.flags = kControlFlagWriteOnly | kControlFlagExecuteOnWrite;
        } else {
            c.value.number = s.defaultValue;
            c.valueKnown = true;
        }
        out.push_back(std::move(c));
    }
    return out;
}

} // namespace ksscope::sim
