// SPDX-License-Identifier: GPL-3.0-or-later
// The HTML report and its SVG pictures: the topology (laid out by Graphviz's dot) and occupancy charts.

#include "ksscope/device_id.h"
#include "ksscope/drawing.h"
#include "ksscope/graphviz_context.h"
#include "ksscope/report.h"
#include "ksscope/version.h"
#include "markup.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <gvc.h>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope {

namespace {

std::string num(double value, int decimals = 1)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

// ---------------------------------------------------------------------------------------------------------------
// topology picture

constexpr double kCharWidth = 6.6; // px per character at the picture's 11 px font
constexpr double kRow = 18.0;
constexpr double kHeader = 34.0;

/// Characters (not bytes) of UTF-8 text.
double characters(std::string_view text)
{
    double n = 0;
    for (char c : text)
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

struct Box {
    const FilterInfo* filter = nullptr;
    double width = 0;
    double height = 0;
    double x = 0; // top left
    double y = 0;
};

std::string allocatorBadge(const Topology& topology, const PinInfo& pin)
{
    const AllocatorInfo* a = topology.findAllocator(pin.allocatorId);
    if (!a)
        return {};
    return std::to_string(a->status.Framing.Frames) + " × " + formatBytes(a->status.Framing.FrameSize) + ", " +
           std::string(allocatorModeName(a->mode));
}

/// Places the boxes with dot (left to right); false when Graphviz is not usable.
bool layout(std::vector<Box>& boxes, const Topology& topology)
{
    std::lock_guard lock(graphviz::mutex());
    GVC_t* gvc = graphviz::context();
    if (!gvc)
        return false;
    agseterr(AGMAX); // nothing on stderr
    char name[] = "topology";
    Agraph_t* graph = agopen(name, Agdirected, nullptr);
    auto set = [](void* object, const char* key, const std::string& value) {
        agsafeset(object, const_cast<char*>(key), const_cast<char*>(value.c_str()), const_cast<char*>(""));
    };
    set(graph, "rankdir", "LR");
    set(graph, "nodesep", "0.4");
    set(graph, "ranksep", "1.1");
    std::map<std::string, Agnode_t*> nodes;
    for (std::size_t i = 0; i < boxes.size(); ++i) {
        std::string id = "n" + std::to_string(i);
        Agnode_t* n = agnode(graph, id.data(), 1);
        set(n, "shape", "box");
        set(n, "fixedsize", "true");
        set(n, "width", num(boxes[i].width / 72.0, 3));
        set(n, "height", num(boxes[i].height / 72.0, 3));
        nodes[boxes[i].filter->id] = n;
    }
    for (const ConnectionInfo& c : topology.connections) {
        const auto from = nodes.find(std::string(filterOfPin(c.from)));
        const auto to = nodes.find(std::string(filterOfPin(c.to)));
        if (from != nodes.end() && to != nodes.end() && from->second != to->second)
            agedge(graph, from->second, to->second, nullptr, 1);
    }
    const bool ok = gvLayout(gvc, graph, "dot") == 0;
    if (ok) {
        const double top = GD_bb(graph).UR.y;
        for (auto& box : boxes) {
            const pointf centre = ND_coord(nodes[box.filter->id]);
            box.x = centre.x - box.width / 2 + 10;
            box.y = top - centre.y - box.height / 2 + 10;
        }
        gvFreeLayout(gvc, graph);
    }
    agclose(graph);
    return ok;
}

} // namespace

Drawing topologyDrawing(const Topology& topology)
{
    std::vector<Box> boxes;
    for (const FilterInfo& f : topology.filters) {
        Box box;
        box.filter = &f;
        double widest = std::max(characters(f.name) * kCharWidth * 1.2,
                                 (characters(f.id) + characters(f.kind) + 4) * kCharWidth * 0.9);
        for (const PinInfo& p : f.pins) {
            const std::string badge = allocatorBadge(topology, p);
            widest = std::max(widest, (characters(p.name) + 4) * kCharWidth + 24);
            widest = std::max(widest, (characters(badge) + 2) * kCharWidth * 0.9 + 24);
        }
        box.width = std::max(150.0, widest + 16);
        double height = kHeader;
        for (const PinInfo& p : f.pins)
            height += allocatorBadge(topology, p).empty() ? kRow : 2 * kRow;
        box.height = height + 6;
        boxes.push_back(box);
    }
    Drawing d;
    d.role = "topology";
    if (boxes.empty()) {
        d.width = 300;
        d.height = 40;
        d.text(10, 25, "No devices were recorded.", 13);
        return d;
    }
    if (!layout(boxes, topology)) { // one row, in order
        double x = 10;
        for (Box& b : boxes) {
            b.x = x;
            b.y = 10;
            x += b.width + 60;
        }
    }
    // pin anchors: inputs on the left edge, outputs on the right
    std::map<std::string, std::pair<double, double>> anchors;
    double right = 0;
    double bottom = 0;
    Drawing body;
    for (const Box& b : boxes) {
        const FilterInfo& f = *b.filter;
        right = std::max(right, b.x + b.width);
        bottom = std::max(bottom, b.y + b.height);
        body.rect(b.x, b.y, b.width, b.height, Paint::filled("#ffffff").outlined("#4a5d73", 1.2), 6);
        body.rect(b.x, b.y, b.width, kHeader - 4, Paint::filled("#dfe7f1"), 6);
        body.text(b.x + 8, b.y + 14, f.name, 12, {}, TextAnchor::Start, true);
        body.text(b.x + 8, b.y + 26, f.id + " · " + f.kind, 9.5, "#56606b");
        double y = b.y + kHeader + 12;
        for (const PinInfo& p : f.pins) {
            const bool in = p.direction == PinDirection::Input;
            const double px = in ? b.x : b.x + b.width;
            anchors[p.id] = {px, y - 4};
            body.circle(px, y - 4, 4, Paint::filled(in ? "#6a8caf" : "#3c7d4b"));
            body.text(in ? b.x + 10 : b.x + b.width - 10, y, in ? "▸ " + p.name : p.name + " ▸", 11, {},
                      in ? TextAnchor::Start : TextAnchor::End);
            const std::string badge = allocatorBadge(topology, p);
            if (!badge.empty()) {
                y += kRow;
                body.text(in ? b.x + 10 : b.x + b.width - 10, y - 2, badge, 9.5, "#7a4d00",
                          in ? TextAnchor::Start : TextAnchor::End);
            }
            y += kRow;
        }
    }
    // the connections under the filters
    for (const ConnectionInfo& c : topology.connections) {
        const auto from = anchors.find(c.from);
        const auto to = anchors.find(c.to);
        if (from == anchors.end() || to == anchors.end())
            continue;
        const auto [x1, y1] = from->second;
        const auto [x2, y2] = to->second;
        const double bend = std::max(40.0, std::abs(x2 - x1) / 2);
        const bool enabled = (c.flags & ConnectionEnabled) != 0;
        Paint line = Paint::line("#2f4a66", 1.6);
        // the layers' seam: a kernel queue or a PipeWire stream and the userspace element streaming it
        if (c.flags & ConnectionBetweenLayers) {
            line = Paint::line("#1f6fb2", 1.6);
            line.dash = {8, 3, 2, 3};
        } else if (!enabled) {
            line.dash = {5, 4};
            line.strokeOpacity = 0.6;
        }
        d.path({{PathStep::Op::Move, x1, y1}, {PathStep::Op::Cubic, x2 - 8, y2, x1 + bend, y1, x2 - bend, y2}}, line);
        // the arrowhead as a path of its own (markers are not in every SVG renderer)
        d.path({{PathStep::Op::Move, x2 - 9, y2 - 4},
                {PathStep::Op::Line, x2 - 1, y2},
                {PathStep::Op::Line, x2 - 9, y2 + 4},
                {PathStep::Op::Close}},
               Paint::filled("#2f4a66"));
    }
    for (Shape& shape : body.shapes)
        d.shapes.push_back(std::move(shape));
    d.width = std::round(right + 20);
    d.height = std::round(bottom + 20);
    return d;
}

Drawing occupancyDrawing(const AllocatorReport& a, std::int64_t duration_ns, int width, int height)
{
    const double left = 44;
    const double rightPad = 12;
    const double top = 10;
    const double bottomPad = 24;
    const double w = width - left - rightPad;
    const double h = height - top - bottomPad;
    std::uint32_t frames = std::max<std::uint32_t>(1, a.info.status.Framing.Frames);
    for (const OccupancyColumn& c : a.occupancy)
        frames = std::max({frames, c.frames, c.maxAllocated});
    const double duration = std::max(1e-9, static_cast<double>(duration_ns) * 1e-9);
    auto X = [&](double seconds) { return left + w * seconds / duration; };
    auto Y = [&](double value) { return top + h - h * value / frames; };
    Drawing d;
    d.role = "chart";
    d.width = width;
    d.height = height;
    d.rect(left, top, w, h, Paint::filled("#fbfcfd").outlined("#c9d1da"));
    // starvation episodes
    for (const StarvationInterval& e : a.episodes) {
        const double b = static_cast<double>(e.begin_ns) * 1e-9;
        const double en = e.end_ns < 0 ? static_cast<double>(a.last_ns) * 1e-9 : static_cast<double>(e.end_ns) * 1e-9;
        d.rect(X(b), top, std::max(1.0, X(en) - X(b)), h, Paint::filled("#d9483b", 0.22));
    }
    // y grid: 0, frames/2, frames
    for (std::uint32_t v : {0u, frames / 2, frames}) {
        d.line(left, Y(v), left + w, Y(v), Paint::line("#e3e8ee"));
        d.text(left - 6, Y(v) + 4, std::to_string(v), 10, {}, TextAnchor::End);
    }
    // x ticks: about 8, on round numbers of seconds
    const double rough = duration / 8;
    const double magnitude = std::pow(10.0, std::floor(std::log10(std::max(rough, 1e-3))));
    double step = magnitude;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (magnitude * m >= rough) {
            step = magnitude * m;
            break;
        }
    for (double t = 0; t <= duration + 1e-9; t += step) {
        d.line(X(t), top + h, X(t), top + h + 4, Paint::line("#8a96a3"));
        d.text(X(t), top + h + 16, formatDuration(t), 10, {}, TextAnchor::Middle);
    }
    // capacity, min-max band and mean
    std::vector<PathStep> band;
    std::vector<PathStep> lower; // the band's lower edge, drawn back from right to left
    std::vector<PathStep> mean;
    std::vector<PathStep> capacity;
    const auto to = [](const std::vector<PathStep>& steps, double x, double y) {
        return PathStep{steps.empty() ? PathStep::Op::Move : PathStep::Op::Line, x, y};
    };
    for (const OccupancyColumn& c : a.occupancy) {
        if (c.samples == 0)
            continue;
        const double x = X(static_cast<double>(c.begin_ns + c.end_ns) * 0.5e-9);
        band.push_back(to(band, x, Y(c.maxAllocated)));
        lower.push_back({PathStep::Op::Line, x, Y(c.minAllocated)});
        mean.push_back(to(mean, x, Y(c.meanAllocated)));
        capacity.push_back(to(capacity, x, Y(c.frames)));
    }
    if (!band.empty()) {
        band.insert(band.end(), lower.rbegin(), lower.rend());
        band.push_back({PathStep::Op::Close});
        d.path(std::move(band), Paint::filled("#7fa7d1", 0.45));
        d.path(std::move(capacity), Paint::line("#7a4d00", 1.0, {4, 3}));
        d.path(std::move(mean), Paint::line("#1f4e85", 1.4));
    } else {
        d.text(left + w / 2, top + h / 2, "no samples", 12, "#8a96a3", TextAnchor::Middle);
    }
    d.text(12, top + h / 2, "frames", 10, {}, TextAnchor::Middle).rotate = -90;
    return d;
}

namespace {

/// One histogram chart into \a d, in the box at (\a ox, \a oy) of \a width x \a height.
void histogramShapes(Drawing& d, const DurationHistogram& histogram, const std::string& what, double ox, double oy,
                     int width, int height)
{
    const std::vector<DurationHistogram::Bucket> buckets = histogram.buckets();
    if (buckets.empty()) {
        d.text(ox + 40, oy + 12, what, 11, {}, TextAnchor::Start, true);
        d.text(ox + width / 2.0, oy + height / 2.0, "not seen", 10, "#8a96a3", TextAnchor::Middle);
        return;
    }
    const double left = ox + 40;
    const double rightPad = 10;
    const double top = oy + 46; // room for the three marks' labels, one row each
    const double bottomPad = 30;
    const double w = width - 40 - rightPad;
    const double h = height - 46 - bottomPad;
    // a logarithmic time axis from the lowest bucket to the highest; counts on a linear one
    const double lo = std::log(static_cast<double>(std::max<std::int64_t>(buckets.front().from_ns, 1)));
    const double hi =
        std::max(lo + 1e-9, std::log(static_cast<double>(std::max<std::int64_t>(buckets.back().to_ns, 2))));
    auto X = [&](double ns) { return left + w * (std::log(std::max(ns, 1.0)) - lo) / (hi - lo); };
    std::uint64_t highest = 1;
    for (const DurationHistogram::Bucket& b : buckets)
        highest = std::max(highest, b.count);
    auto Y = [&](double count) { return top + h - h * count / static_cast<double>(highest); };
    auto ms = [](double ns) { return num(ns * 1e-6, ns < 1e6 ? 3 : ns < 1e7 ? 2 : 1) + " ms"; };

    d.text(left, oy + 12, what, 11, {}, TextAnchor::Start, true);
    d.rect(left, top, w, h, Paint::filled("#fbfcfd").outlined("#c9d1da"));
    for (const DurationHistogram::Bucket& b : buckets) {
        const double x0 = X(static_cast<double>(b.from_ns));
        const double x1 = std::max(x0 + 1.0, X(static_cast<double>(b.to_ns)));
        const double y = Y(static_cast<double>(b.count));
        d.rect(x0, y, x1 - x0, top + h - y, Paint::filled("#7fa7d1"));
    }
    // the ends of the time axis, and the highest count
    d.text(left, top + h + 13, ms(static_cast<double>(buckets.front().from_ns)), 9.5);
    d.text(left + w, top + h + 13, ms(static_cast<double>(buckets.back().to_ns)), 9.5, {}, TextAnchor::End);
    d.text(left + w / 2, top + h + 25, "logarithmic time", 9.5, "#56606b", TextAnchor::Middle);
    d.text(left - 4, top + 8, std::to_string(highest), 9.5, {}, TextAnchor::End);
    d.text(left - 4, top + h, "0", 9.5, {}, TextAnchor::End);
    // p50, p99 and max: a line each, labelled on a row of its own so that close ones stay readable
    struct Mark {
        const char* name;
        double ns;
        const char* colour;
    };
    const Mark marks[] = {{"p50", static_cast<double>(histogram.percentile_ns(0.5)), "#1f4e85"},
                          {"p99", static_cast<double>(histogram.percentile_ns(0.99)), "#a15c00"},
                          {"max", static_cast<double>(histogram.max_ns()), "#b3261e"}};
    for (std::size_t i = 0; i < std::size(marks); ++i) {
        const double x = X(marks[i].ns);
        const double labelY = oy + 22.0 + 11.0 * static_cast<double>(i);
        d.line(x, labelY + 2, x, top + h, Paint::line(marks[i].colour, 1.0, {3, 2}));
        const bool rightSide = x < left + w * 0.6;
        d.text(x + (rightSide ? 3 : -3), labelY, std::string(marks[i].name) + " " + ms(marks[i].ns), 9.5,
               marks[i].colour, rightSide ? TextAnchor::Start : TextAnchor::End);
    }
}

} // namespace

Drawing durationHistogramDrawing(const DurationHistogram& histogram, const std::string& what, int width, int height)
{
    Drawing d;
    if (histogram.count() == 0)
        return d;
    d.role = "chart";
    d.width = width;
    d.height = height;
    histogramShapes(d, histogram, what, 0, 0, width, height);
    return d;
}

Drawing frameTimingDrawing(const FrameStats& frames, int width, int height)
{
    const int each = width / static_cast<int>(kFrameTimings.size());
    Drawing d;
    d.role = "chart";
    d.width = width;
    d.height = height;
    for (std::size_t i = 0; i < kFrameTimings.size(); ++i)
        histogramShapes(d, frames.*kFrameTimings[i].histogram, kFrameTimings[i].name,
                        static_cast<double>(each) * static_cast<double>(i), 0, each, height);
    return d;
}

namespace {

constexpr const char* kStyle = R"css(
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #1d2630; margin: 0; background: #f3f5f8; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #dfe7f1; }
h3 { font-size: 15px; margin: 24px 0 6px; }
.sub { color: #56606b; margin: 0 0 18px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0; }
.card { border: 1px solid #dfe7f1; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 20px; }
.card.bad b { color: #b3261e; }
.card span { color: #56606b; font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 6px 0 10px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e6ebf0; vertical-align: top; }
th { background: #f3f6f9; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.starved td { background: #fdecea; }
.meta td:first-child { color: #56606b; width: 180px; }
.topology-box { overflow-x: auto; border: 1px solid #e6ebf0; border-radius: 6px; padding: 6px; }
.legend { font-size: 11.5px; color: #56606b; }
.swatch { display: inline-block; width: 12px; height: 10px; margin: 0 4px -1px 10px; }
.kind { font-weight: 600; }
.kind-starvation, .kind-error, .kind-removed { color: #b3261e; }
.kind-drop { color: #a15c00; }
.note { color: #56606b; font-size: 12px; }
footer { margin-top: 40px; color: #8a96a3; font-size: 11px; }
@media print { body { background: #fff; } main { padding: 0; } .allocator { page-break-inside: avoid; } }
)css";

std::string td(const std::string& text, bool numeric = false)
{
    return std::string(numeric ? "<td class=\"n\">" : "<td>") + text + "</td>";
}

std::string seconds(std::int64_t ns, int decimals = 3)
{
    return num(static_cast<double>(ns) * 1e-9, decimals) + " s";
}

} // namespace

std::string reportToHtml(const Report& report)
{
    const RecordingInfo& info = report.info;
    const double duration = static_cast<double>(info.duration_ns) * 1e-9;
    const auto [starvations, drops, starved] = report.totals();
    std::string backends;
    for (const auto& b : info.backends)
        backends += (backends.empty() ? "" : ", ") + b;

    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
    h += "<meta name=\"generator\" content=\"KsScope " + escapeMarkup(KSSCOPE_VERSION_FULL) + "\">";
    h += "<title>KsScope status report – " + escapeMarkup(info.host) + " " + escapeMarkup(info.startedUtc) + "</title>";
    h += "<style>" + std::string(kStyle) + "</style></head><body><main>\n";
    h += "<h1>KsScope status report</h1>";
    h += "<p class=\"sub\">" + escapeMarkup(backends) + " on " +
         escapeMarkup(info.host.empty() ? "an unnamed host" : info.host) + ", recorded " +
         escapeMarkup(info.startedUtc) + " for " + formatDuration(duration) + "</p>";
    h += "<div class=\"cards\">";
    auto card = [&](const std::string& value, const std::string& label, bool bad = false) {
        h += std::string("<div class=\"card") + (bad ? " bad" : "") + "\"><b>" + value + "</b><span>" + label +
             "</span></div>";
    };
    card(formatDuration(duration), "recorded");
    card(std::to_string(report.allocators.size()), "allocators");
    card(std::to_string(report.samples), "status samples");
    card(std::to_string(starvations), "starvation episodes", starvations > 0);
    card(num(starved, 2) + " s", "time starved (all allocators)", starved > 0);
    card(std::to_string(drops), "frames dropped", drops > 0);
    h += "</div>";

    h += "<h2>Session</h2><table class=\"meta\">";
    auto meta = [&](const char* key, const std::string& value) {
        h += "<tr><td>" + std::string(key) + "</td><td>" + value + "</td></tr>";
    };
    meta("Recording", escapeMarkup(info.path));
    meta("Host", escapeMarkup(info.host) + (info.os.empty() ? "" : " (" + escapeMarkup(info.os) + ")"));
    meta("Backends", escapeMarkup(backends));
    if (!info.scenario.empty())
        meta("Scenario", escapeMarkup(info.scenario));
    meta("Started", escapeMarkup(info.startedUtc));
    meta("Ended", info.closedCleanly ? escapeMarkup(info.endedUtc)
                                     : "not closed: KsScope stopped while recording; the recording ends at its last "
                                       "commit");
    meta("Duration", formatDuration(duration) + " (" + num(duration, 3) + " s)");
    meta("Sampling", num(info.rateHz, 0) + " Hz" + (info.buffersRecorded ? ", per-buffer states recorded" : ""));
    meta("Recorded by", "KsScope " + escapeMarkup(info.ksscopeVersion));
    if (!info.command.empty())
        meta("Command", "<code>" + escapeMarkup(info.command) + "</code>");
    h += "</table>";

    h += "<h2>Topology</h2><div class=\"topology-box\">" + toSvg(topologyDrawing(report.topology)) + "</div>";
    if (report.snapshots.size() > 1) {
        h += "<p class=\"note\">The topology as last recorded. It changed " +
             std::to_string(report.snapshots.size() - 1) + " time(s):";
        std::size_t shown = 0;
        for (std::size_t i = 1; i < report.snapshots.size() && shown < 20; ++i, ++shown)
            h += (shown ? ", " : " ") + escapeMarkup(report.snapshots[i].reason) + " at " +
                 seconds(report.snapshots[i].t_ns, 2);
        h += ".</p>";
    }

    h += "<h2>Allocators</h2><table><tr><th>allocator</th><th>mode</th><th class=\"n\">frames × size</th>"
         "<th class=\"n\">mean</th><th class=\"n\">p50</th><th class=\"n\">p90</th><th class=\"n\">p99</th>"
         "<th class=\"n\">max</th><th class=\"n\">starvations</th><th class=\"n\">starved</th>"
         "<th class=\"n\">drops</th><th class=\"n\">fps</th></tr>";
    for (const AllocatorReport& a : report.allocators) {
        const auto& f = a.info.status.Framing;
        h += std::string("<tr") + (a.stats.starvationCount > 0 ? " class=\"starved\"" : "") + ">";
        h += td("<a href=\"#a-" + escapeMarkup(a.id) + "\">" + escapeMarkup(a.id) + "</a>" +
                (a.stats.gone ? " (gone)" : ""));
        h += td(std::string(allocatorModeName(a.info.mode)));
        h += td(std::to_string(f.Frames) + " × " + formatBytes(f.FrameSize), true);
        h += td(num(a.stats.meanAllocated, 2), true) + td(num(a.p50, 0), true) + td(num(a.p90, 0), true) +
             td(num(a.p99, 0), true) + td(std::to_string(a.stats.maxAllocated), true);
        h += td(std::to_string(a.stats.starvationCount), true);
        h += td(num(a.stats.starvedMs * 1e-3, 3) + " s (" + num(a.starvedShare() * 100, 1) + " %)", true);
        h += td(std::to_string(a.stats.drops), true) + td(num(a.stats.framesPerSecond, 2), true) + "</tr>";
    }
    h += "</table><p class=\"note\">Occupancy is the number of frames allocated (KSSTREAMALLOCATOR_STATUS."
         "AllocatedFrames) per sample; p50/p90/p99 are percentiles over the samples. An allocator starves when it has "
         "had no free frame for two frame periods or more.</p>";

    for (const AllocatorReport& a : report.allocators) {
        const auto& f = a.info.status.Framing;
        const auto& p = a.info.properties;
        h += "<section class=\"allocator\" id=\"a-" + escapeMarkup(a.id) + "\"><h3>" + escapeMarkup(a.id) + "</h3>";
        h += "<p class=\"sub\">" + escapeMarkup(a.filterName) +
             (a.pinName.empty() ? "" : " · pin " + escapeMarkup(a.pinName)) +
             (a.format.empty() ? "" : " · " + escapeMarkup(a.format)) + "</p>";
        h += toSvg(occupancyDrawing(a, info.duration_ns, 1000, 170));
        h += "<div class=\"legend\"><span class=\"swatch\" style=\"background:#7fa7d1\"></span>min–max allocated"
             "<span class=\"swatch\" style=\"background:#1f4e85;height:2px\"></span>mean"
             "<span class=\"swatch\" style=\"border-top:2px dashed #7a4d00;height:0\"></span>frames"
             "<span class=\"swatch\" style=\"background:#d9483b;opacity:.35\"></span>starving</div>";
        h += "<table><tr><th>framing</th><th>properties</th><th>occupancy</th><th>flow</th></tr><tr>";
        h += td(std::to_string(f.Frames) + " frames × " + std::to_string(f.FrameSize) + " bytes<br>alignment " +
                std::to_string(f.FileAlignment + 1) + ", pool " + (f.PoolType == 1 ? "paged" : "non-paged") +
                "<br>flags " + escapeMarkup(framingFlagsToString(f.OptionsFlags)) + "<br>" +
                escapeMarkup(guidName(a.info.memoryType)) + ", " + std::string(allocatorModeName(a.info.mode)) +
                " mode");
        h += td("cBuffers " + std::to_string(p.cBuffers) + "<br>cbBuffer " + std::to_string(p.cbBuffer) +
                "<br>cbAlign " + std::to_string(p.cbAlign) + "<br>cbPrefix " + std::to_string(p.cbPrefix));
        h += td("min " + std::to_string(a.stats.minAllocated) + ", mean " + num(a.stats.meanAllocated, 2) + ", max " +
                std::to_string(a.stats.maxAllocated) + "<br>p50 " + num(a.p50, 0) + ", p90 " + num(a.p90, 0) +
                ", p99 " + num(a.p99, 0) + "<br>" + std::to_string(a.stats.samples) + " samples");
        h += td(num(a.stats.framesPerSecond, 2) + " frames/s, " + std::to_string(a.stats.delivered) + " delivered<br>" +
                std::to_string(a.stats.drops) + " dropped<br>starved " + num(a.stats.starvedMs * 1e-3, 3) + " s in " +
                std::to_string(a.stats.starvationCount) + " episode(s)");
        h += "</tr></table>";
        if (a.framesFollowed()) {
            const FrameStats& fs = a.frames;
            h += "<p><b>Every frame followed:</b> " + std::to_string(fs.frames) + " frames, " +
                 std::to_string(fs.dropped) + " dropped" +
                 (a.drops.empty() ? std::string()
                                  : " (sequence numbers " + escapeMarkup(droppedRangesText(a.drops)) + ")") +
                 ", " + std::to_string(fs.errors) + " marked bad.</p>";
            h += "<table><tr><th>per frame</th><th class=\"n\">frames</th><th class=\"n\">min</th>"
                 "<th class=\"n\">p50</th><th class=\"n\">p90</th><th class=\"n\">p99</th><th class=\"n\">max</th>"
                 "<th class=\"n\">mean</th></tr>";
            const auto msCell = [](double ns) { return td(ns < 0 ? "–" : num(ns * 1e-6, 3) + " ms", true); };
            for (const FrameTiming& timing : kFrameTimings) {
                const DurationHistogram* d = &(fs.*timing.histogram);
                h += "<tr>" + td(std::string(timing.name) + " (" + timing.span + ")") +
                     td(std::to_string(d->count()), true) + msCell(static_cast<double>(d->min_ns())) +
                     msCell(static_cast<double>(d->percentile_ns(0.5))) +
                     msCell(static_cast<double>(d->percentile_ns(0.9))) +
                     msCell(static_cast<double>(d->percentile_ns(0.99))) + msCell(static_cast<double>(d->max_ns())) +
                     msCell(d->count() ? d->mean_ns() : -1.0) + "</tr>";
            }
            h += "</table>" + toSvg(frameTimingDrawing(fs, 1000, 160));
        }
        if (!a.episodes.empty()) {
            h += "<table><tr><th>starvation episode</th><th class=\"n\">from</th><th class=\"n\">to</th>"
                 "<th class=\"n\">lasted</th></tr>";
            constexpr std::size_t kMaxEpisodes = 50;
            for (std::size_t i = 0; i < a.episodes.size() && i < kMaxEpisodes; ++i) {
                const StarvationInterval& e = a.episodes[i];
                const std::int64_t end = e.end_ns < 0 ? a.last_ns : e.end_ns;
                h += "<tr>" + td("#" + std::to_string(i + 1)) + td(seconds(e.begin_ns), true) +
                     td(e.end_ns < 0 ? "still starving at the end" : seconds(e.end_ns), true) +
                     td(num(static_cast<double>(end - e.begin_ns) * 1e-6, 1) + " ms", true) + "</tr>";
            }
            h += "</table>";
            if (a.episodes.size() > kMaxEpisodes)
                h += "<p class=\"note\">" + std::to_string(a.episodes.size() - kMaxEpisodes) +
                     " more episodes are in the JSON report.</p>";
        }
        h += "</section>";
    }

    h += "<h2>Events</h2>";
    constexpr std::size_t kMaxEvents = 2000;
    if (report.events.empty()) {
        h += "<p class=\"note\">No events were recorded.</p>";
    } else {
        h += "<table><tr><th class=\"n\">time</th><th>kind</th><th>id</th><th>message</th></tr>";
        for (std::size_t i = 0; i < report.events.size() && i < kMaxEvents; ++i) {
            const MonitorEvent& e = report.events[i];
            const std::string kind(eventKindName(e.kind));
            h += "<tr>" + td(seconds(e.t_ns), true);
            h.append("<td class=\"kind kind-").append(kind).append("\">").append(kind).append("</td>");
            h += td(escapeMarkup(e.id)) + td(escapeMarkup(e.message)) + "</tr>";
        }
        h += "</table>";
        if (report.events.size() > kMaxEvents)
            h += "<p class=\"note\">The first " + std::to_string(kMaxEvents) + " of " +
                 std::to_string(report.events.size()) + " events; all of them are in the JSON report.</p>";
    }
    if (!report.edits.empty()) {
        h += "<h2>Edits</h2><table><tr><th class=\"n\">time</th><th>allocator, pin or "
             "filter</th><th>kind</th><th>requested</th>"
             "<th>actual</th><th>result</th></tr>";
        for (const RecordedEdit& e : report.edits)
            h += "<tr>" + td(seconds(e.t_ns), true) + td(escapeMarkup(e.allocatorId)) + td(escapeMarkup(e.kind)) +
                 td("<code>" + escapeMarkup(e.requested) + "</code>") +
                 td("<code>" + escapeMarkup(e.actual) + "</code>") +
                 td((e.applied ? "applied" : "refused: ") + escapeMarkup(e.applied ? "" : e.message)) + "</tr>";
        h += "</table>";
    }
    h += "<footer>Generated " + escapeMarkup(report.generatedUtc) + " by KsScope " +
         escapeMarkup(KSSCOPE_VERSION_FULL) + " from " + escapeMarkup(info.path) + ".</footer>";
    h += "</main></body></html>\n";
    return h;
}

} // namespace ksscope
