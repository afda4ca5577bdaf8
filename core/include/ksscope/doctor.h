// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file doctor.h
/// The pipeline doctor: checks every enabled link the way the kernel does before it streams (media_pipeline_start
/// calls each sink entity's link_validate) and says what would make STREAMON fail with EPIPE, and what else a person
/// should know (colorimetry that differs, a frame interval no stage offers). Each finding names the link, the
/// attribute and both ends' values, and offers fixes: the sink set to the source's format, or the reverse.

#include "ksscope/formats.h"
#include "ksscope/model.h"

#include <string>
#include <vector>

namespace ksscope {

enum class Severity : std::uint8_t {
    Error, ///< the kernel refuses to stream the pipeline (EPIPE)
    Warning, ///< streams, but probably not as meant
    Note, ///< could not be checked
};
[[nodiscard]] std::string_view severityName(Severity severity); ///< "error", "warning", "note"

/// One edit that would settle a finding: \a pinId set to \a format.
struct FormatFix {
    std::string pinId;
    StreamFormat format;
    std::string summary; ///< "set \"Raw Capture 0\":0 to SGRBG8/640x480 field:none (the source's format)"
};

struct Finding {
    Severity severity = Severity::Error;
    std::string from; ///< the link's source pin id (a pin's own finding: the pin, and to is empty)
    std::string to; ///< the link's sink pin id
    std::string link; ///< "\"Sensor A\":0 -> \"Raw Capture 0\":0"
    std::string attribute; ///< "size", "code", "pixel-format", "field", "colorspace", "frame-interval", ...
    std::string sourceValue; ///< the source end's ("640x480")
    std::string sinkValue; ///< the sink end's ("320x240")
    std::string message; ///< one line: the link, the attribute, both values and why it matters
    /// Fixes in order of preference: the sink made to match the source first, then the source made to match the
    /// sink; empty when nothing KsScope can set would help.
    std::vector<FormatFix> fixes;
};

/// Diagnoses the enabled connections of \a topology with the pins' formats. Findings come link by link, errors first
/// within a link; links in \a topology's order.
[[nodiscard]] std::vector<Finding> diagnose(const Topology& topology, const std::vector<PinFormats>& formats);

/// Whether any finding is an error.
[[nodiscard]] bool anyError(const std::vector<Finding>& findings);

/// "\"Sensor A\":0" for a pin of \a topology: its filter's name and the pin's name (the pad index for pads).
[[nodiscard]] std::string pinLabel(const Topology& topology, const std::string& pinId);

} // namespace ksscope
