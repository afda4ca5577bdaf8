// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file tracefs_reader_linux.h
/// Reads the V4L2 and vb2 tracepoints (trace_decoder.h) from a trace instance of KsScope's own: its own ring
/// buffers, clock ("mono", CLOCK_MONOTONIC) and filters, so that other tracing users are undisturbed. The per-CPU raw
/// buffers are read in batches without blocking and merged in time order; the fields are read at the offsets the
/// events' format files give. Events the kernel could not keep (the ring overran) are counted, never absorbed.

#include "ksscope/hresult.h"
#include "trace_decoder.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ksscope::v4l2 {

class TracefsReader {
public:
    TracefsReader();
    ~TracefsReader();
    TracefsReader(const TracefsReader&) = delete;
    TracefsReader& operator=(const TracefsReader&) = delete;

    /// Creates the instance ("ksscope-PID"; instances left by KsScope processes that are gone are removed), sets its
    /// clock and buffer size, and enables the events, the v4l2 ones only for the video nodes \a minors. A failure
    /// says what is missing and what to do (no tracefs, no permission, no such tracepoints).
    Status open(const std::vector<std::int32_t>& minors);
    /// The video nodes whose v4l2 events are kept (the vb2 events carry no node).
    Status setMinors(const std::vector<std::int32_t>& minors);
    /// Appends what the buffers hold now, in time order, to \a out; returns false after a read error (the message in
    /// error()).
    bool read(std::vector<TraceRecord>& out);
    /// Events the kernel could not keep since open(): the ring's overrun and dropped-event counters, and pages read
    /// that said events were missed before them.
    [[nodiscard]] std::uint64_t lost() const;
    [[nodiscard]] const std::string& error() const;
    /// Removes the instance (its buffers and events); also done by the destructor.
    void close();
    /// The instance's name.
    [[nodiscard]] std::string instanceName() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace ksscope::v4l2
