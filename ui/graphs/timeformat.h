// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Session times as the views print them: mm:ss, h:mm:ss past an hour.

#include <QString>

#include <cstdint>

namespace ksscope::ui {

enum class TimePrecision : std::uint8_t { Seconds, Milliseconds };

/// \a t_s seconds since the session started as "mm:ss" or "h:mm:ss", with ".zzz" at Milliseconds.
[[nodiscard]] QString formatSessionTime(double t_s, TimePrecision precision);
/// A duration for texts: "850 ms", "12.3 s", "4 min 05 s".
[[nodiscard]] QString formatDuration(double seconds);

} // namespace ksscope::ui
