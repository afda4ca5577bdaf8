// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Colours shared by the views, derived from the current palette so that light and dark themes both read well.

#include "ksscope/allocator.h"

#include <QColor>
#include <QPalette>

namespace ksscope::ui {

[[nodiscard]] bool isDarkPalette(const QPalette& palette);
/// Colour of the n-th series of a graph (stable per index).
[[nodiscard]] QColor seriesColor(int index, const QPalette& palette);
/// Lane colour of a frame in \a state.
[[nodiscard]] QColor bufferStateColor(BufferState state, const QPalette& palette);
/// Occupancy badge colours: normal and starving.
[[nodiscard]] QColor badgeColor(const QPalette& palette);
[[nodiscard]] QColor warningColor(const QPalette& palette);
/// Greyed-out colour for devices that are gone.
[[nodiscard]] QColor goneColor(const QPalette& palette);

} // namespace ksscope::ui
