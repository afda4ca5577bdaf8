// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file gst_socket_dir.h
/// Where KsScope's GStreamer tracer (GST_TRACERS=ksscope) listens and the gstreamer backend looks: one socket per
/// traced process, "gst-PID.sock", in KSSCOPE_GST_DIR, else $XDG_RUNTIME_DIR/ksscope-gst, else
/// /tmp/ksscope-gst-UID. Shared by the tracer plugin and the backend.

#include <cstdlib>
#include <string>
#include <unistd.h>

namespace ksscope::gst {

inline std::string socketDir()
{
    // NOLINTNEXTLINE(concurrency-mt-unsafe): read before threads start; KsScope sets no variable
    if (const char* dir = std::getenv("KSSCOPE_GST_DIR"); dir && *dir)
        return dir;
    // NOLINTNEXTLINE(concurrency-mt-unsafe): as above
    if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime && *runtime)
        return std::string(runtime) + "/ksscope-gst";
    return "/tmp/ksscope-gst-" + std::to_string(getuid());
}

inline constexpr const char* kSocketPrefix = "gst-";
inline constexpr const char* kSocketSuffix = ".sock";

} // namespace ksscope::gst
