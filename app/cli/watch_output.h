// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file watch_output.h
/// What `watch` prints, apart from what it does: text (events, a status line per allocator and second, a summary
/// table), CSV rows, JSON lines, or nothing.

#include "commands.h"
#include "ksscope/watch_session.h"

#include <memory>
#include <string>
#include <vector>

namespace ksscope::cli {

/// The end of a watch, for its summary.
struct WatchSummary {
    std::vector<std::string> ids; ///< the monitor's allocator ids
    std::vector<AllocatorStats> stats; ///< per id
    std::vector<FrameStats> frames; ///< per id: its frames, where followed one by one
    std::vector<bool> followed; ///< per id: whether its buffers were followed one by one
    SamplerStats sampler;
    std::uint64_t lostSamples = 0;
    double rateHz = 0.0;
    bool replaying = false;
    WatchEnd end;
};

class WatchWriter {
public:
    virtual ~WatchWriter() = default;
    /// Before sampling starts.
    virtual void header(std::size_t allocators, double rateHz, bool untilInterrupted) = 0;
    /// A drained batch: samples and events in time order (\a ids: the monitor's allocator ids).
    virtual void batch(const std::vector<std::string>& ids, const SampleBatch& batch) = 0;
    /// Once a second, at monitor time \a t_ns.
    virtual void second(std::int64_t t_ns) = 0;
    virtual void summary(const WatchSummary& summary) = 0;
};

[[nodiscard]] std::unique_ptr<WatchWriter> makeWatchWriter(OutputFormat format);

} // namespace ksscope::cli
