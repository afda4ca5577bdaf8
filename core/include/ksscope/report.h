// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file report.h
/// Status reports of a recording (docs/REPORTS.md): the session's metadata, the topology, per allocator its
/// framing, properties, mode, occupancy statistics and percentiles, starvation episodes, drops and frame
/// rate, the occupancy over the session, the events and the edits. Written as JSON (everything), CSV (the
/// samples) or one self-contained HTML file; the PDF is drawn by the GUI library from the same Report.

#include "ksscope/drawing.h"
#include "ksscope/recording.h"

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace ksscope {

/// The report document's schema version (docs/REPORTS.md).
inline constexpr int kReportSchemaVersion = 1;

/// Occupancy of one allocator over one slice of the session.
struct OccupancyColumn {
    std::int64_t begin_ns = 0;
    std::int64_t end_ns = 0;
    std::uint32_t samples = 0; ///< 0: nothing was recorded in this slice
    std::uint32_t minAllocated = 0;
    std::uint32_t maxAllocated = 0;
    double meanAllocated = 0.0;
    std::uint32_t frames = 0; ///< the most frames the allocator had in the slice
    bool starved = false; ///< part of a starvation episode falls in the slice
};

struct AllocatorReport {
    std::string id;
    std::string filterName;
    std::string pinName;
    std::string format; ///< of the output pin
    AllocatorInfo info; ///< framing, properties, mode and memory type as last recorded
    AllocatorStats stats; ///< counted as the monitor counts them
    double p50 = 0.0; ///< frames allocated: half of the samples had at most this many
    double p90 = 0.0;
    double p99 = 0.0;
    std::vector<std::uint64_t> histogram; ///< samples per number of frames allocated (index = frames)
    std::vector<StarvationInterval> episodes; ///< end_ns -1: still starving when the recording ends
    std::int64_t first_ns = -1; ///< first and last sample
    std::int64_t last_ns = -1;
    std::vector<OccupancyColumn> occupancy;
    /// Every frame the recording followed (recordings of schema 2, allocators followed frame by frame): the interval,
    /// the driver's and the delivery latency and the hold time as histograms, the frames dropped and marked bad.
    FrameStats frames;
    /// The dropped sequence numbers, in order: the first kMaxDropRanges runs (frames.dropped counts them all).
    std::vector<DroppedFrames> drops;
    static constexpr std::size_t kMaxDropRanges = 10000;
    /// Whether frames were followed (frame records or drops recorded): else only samples tell.
    [[nodiscard]] bool framesFollowed() const { return frames.frames > 0 || !drops.empty(); }
    /// Share of the allocator's sampled time spent starving (0..1).
    [[nodiscard]] double starvedShare() const;
};

struct Report {
    RecordingInfo info;
    std::uint64_t samples = 0;
    Topology topology; ///< the last snapshot
    std::vector<TopologySnapshot> snapshots;
    std::vector<AllocatorReport> allocators;
    std::vector<MonitorEvent> events;
    std::vector<RecordedEdit> edits;
    std::string generatedUtc;

    /// Sums over every allocator, for the figures at the top of a report.
    struct Totals {
        std::uint64_t starvations = 0;
        std::uint64_t drops = 0;
        double starvedSeconds = 0.0;
    };
    [[nodiscard]] Totals totals() const;
};

struct ReportOptions {
    std::size_t columns = 720; ///< occupancy slices over the session
    /// Called now and then with the share done (0..1); return false to cancel.
    std::function<bool(double)> progress;
};

/// Reads the whole recording into a report. E_ABORT when cancelled.
[[nodiscard]] Status buildReport(Recording& recording, const ReportOptions& options, Report& out);

/// Everything, as one JSON document (docs/REPORTS.md).
[[nodiscard]] std::string reportToJson(const Report& report);
/// One self-contained HTML file: styles and SVG pictures inline, no scripts, nothing fetched.
[[nodiscard]] std::string reportToHtml(const Report& report);
/// The samples as CSV: t,allocator,frames,frameSize,allocatedFrames,mode,dropped,delivered (one row each).
[[nodiscard]] Status writeSamplesCsv(Recording& recording, std::ostream& out,
                                     const std::function<bool(double)>& progress = {});

/// The topology as a picture (filters with their pins, connections, allocator badges), laid out by Graphviz's dot.
[[nodiscard]] Drawing topologyDrawing(const Topology& topology);
/// One of an allocator's frame-timing histograms (\a what: "interval", "driver latency", ...) as a bar chart
/// (\a width x \a height px), with p50, p99 and max marked; empty when it holds nothing.
[[nodiscard]] Drawing durationHistogramDrawing(const DurationHistogram& histogram, const std::string& what, int width,
                                               int height);
/// The four frame-timing histograms of an allocator (interval, driver latency, delivery latency, hold) side by side.
[[nodiscard]] Drawing frameTimingDrawing(const FrameStats& frames, int width, int height);
/// The dropped sequence numbers as text: "29-31, 57, 90-92" (the first \a limit runs, then "and N more").
[[nodiscard]] std::string droppedRangesText(const std::vector<DroppedFrames>& drops, std::size_t limit = 50);
/// One allocator's occupancy over the session as a chart (\a width x \a height px).
[[nodiscard]] Drawing occupancyDrawing(const AllocatorReport& allocator, std::int64_t duration_ns, int width,
                                       int height);

/// "1.5 s", "2 min 03 s", "1 h 02 min"
[[nodiscard]] std::string formatDuration(double seconds);
/// "150 KiB", "1.2 MiB"
[[nodiscard]] std::string formatBytes(double bytes);

/// Two recordings compared allocator by allocator (`ksscope-cli diff`).
struct AllocatorDiff {
    std::string id;
    const AllocatorReport* a = nullptr; ///< null: only in B
    const AllocatorReport* b = nullptr; ///< null: only in A
};
[[nodiscard]] std::vector<AllocatorDiff> diffReports(const Report& a, const Report& b);
/// The comparison as JSON: {"a": {...}, "b": {...}, "allocators": [{"id", "a": stats|null, "b": stats|null}]}
[[nodiscard]] std::string diffToJson(const Report& a, const Report& b);
/// The comparison as a text table.
[[nodiscard]] std::string diffToText(const Report& a, const Report& b);

} // namespace ksscope
