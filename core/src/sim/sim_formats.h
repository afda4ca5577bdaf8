// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The formats and controls of simulated pins and filters, as the scenario declares them, and what a simulated pin
// does with a format asked of it - as a driver does: keep what it can take, adjust the rest into its data ranges.

#include "ksscope/controls.h"
#include "ksscope/formats.h"
#include "ksscope/scenario.h"

#include <string>
#include <vector>

namespace ksscope::sim {

/// The pin's data ranges as format options (continuous sizes, frame intervals from the rates); a pin without data
/// ranges offers its scenario format only.
[[nodiscard]] std::vector<FormatOption> formatOptionsOf(const PinSpec& spec);

/// The format the pin takes for \a wanted: a subtype it has no range for becomes its first range's, the size and the
/// rate are clamped into the range; a pin without data ranges keeps its scenario format.
[[nodiscard]] MediaFormat adjustFormat(const PinSpec& spec, const MediaFormat& current, const StreamFormat& wanted);

/// The filter's controls as the scenario declares them, at their default values.
[[nodiscard]] std::vector<ControlInfo> controlsOf(const FilterSpec& spec, const std::string& filterId);

} // namespace ksscope::sim
