// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file gst_snapshot.h
/// One line of KsScope's GStreamer tracer read as the model: each element a filter ("gstreamer:PID.PATH"), each pad
/// a pin, each link a connection, each buffer pool an allocator on the pad that pushes its buffers first, each queue's
/// level an allocator on its src pad; the readings of those allocators at the line's time. Apart from sockets and
/// threads, so that it is unit-tested with lines written by hand.

#include "ksscope/backend.h"
#include "ksscope/model.h"

#include <map>
#include <string>

namespace ksscope::gst {

struct Snapshot {
    std::int64_t steady_ns = 0; ///< when the tracer took it (std::chrono::steady_clock, as this process's)
    int pid = 0;
    std::string program;
    Topology topology;
    std::map<std::string, AllocatorReading> readings; ///< by allocator id
};

/// Reads one line; false with \a error naming what is wrong when it is not a tracer's line.
[[nodiscard]] bool readSnapshot(const std::string& line, Snapshot& out, std::string& error);

/// A caps string's media format ("video/x-raw, format=(string)YUY2, width=(int)320, ..."): type, format, size,
/// frame rate; audio's rate and channels.
[[nodiscard]] MediaFormat formatOfCaps(const std::string& caps);

} // namespace ksscope::gst
