// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file trace_export.h
/// Frames as a trace that Perfetto's UI (ui.perfetto.dev) and chrome://tracing open: the Trace Event JSON format
/// (a JSON object whose "traceEvents" array holds the events). Each allocator is a process named by its id; each of
/// its buffers a thread ("buffer N") whose frames' states are complete slices ("X": "filling", "waiting", "held",
/// named with the frame's sequence number); occupancy is a counter track ("C"); the frames that never came are
/// instant events ("i"). Times are microseconds (with ns decimals) on the monitor's clock.

#include "ksscope/frames.h"

#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ksscope {

class TraceEventWriter {
public:
    /// Starts the document on \a out.
    explicit TraceEventWriter(std::ostream& out);
    ~TraceEventWriter();
    TraceEventWriter(const TraceEventWriter&) = delete;
    TraceEventWriter& operator=(const TraceEventWriter&) = delete;

    /// The ids of the allocators (FrameRecord::allocator and the other calls' \a allocator index them); the list
    /// may grow between calls.
    void setAllocators(const std::vector<std::string>& ids);
    /// A frame: up to three slices on its buffer's track.
    void frame(const FrameRecord& frame);
    /// Frames that never came: an instant event on the allocator.
    void dropped(const DroppedFrames& drop);
    /// The allocator's occupancy (frames allocated) from \a t_ns on.
    void occupancy(std::uint32_t allocator, std::int64_t t_ns, std::uint32_t allocated);
    /// Ends the document (also done by the destructor); nothing may be written after it.
    void finish();

private:
    void event(const std::string& json);
    void name(std::uint32_t allocator, std::int64_t buffer);

    std::ostream& m_out;
    std::vector<std::string> m_ids;
    std::set<std::pair<std::uint32_t, std::int64_t>> m_named; // processes (-1) and threads named
    bool m_first = true;
    bool m_finished = false;
};

} // namespace ksscope
