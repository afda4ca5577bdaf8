// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file text_output.h
/// The text forms of `list` and `status`.

#include "ksscope/frames.h"
#include "ksscope/model.h"

#include <string>

namespace ksscope::cli {

/// "kernel mode, 4 x 614400 bytes, align 16, prefix 0, allocated 2/4, KSMEMORY_TYPE_..., flags ..., committed"
[[nodiscard]] std::string allocatorLine(const AllocatorInfo& allocator);
/// Filters, pins with their allocators, and connections; "no devices found" when there are none.
void printTopology(const Topology& topology);
/// "33.301": a duration in ms; "-" for a negative one (not seen).
[[nodiscard]] std::string msText(std::int64_t ns);
/// "33.301 / 34.102 / 66.700": p50, p99 and max in ms; "-" when empty.
[[nodiscard]] std::string percentilesText(const DurationHistogram& durations);

} // namespace ksscope::cli
