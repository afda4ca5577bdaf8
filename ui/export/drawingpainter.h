// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/drawing.h"

#include <QRectF>

class QPainter;

namespace ksscope::ui {

/// Paints \a drawing (a report's picture: the topology, an occupancy chart, frame-timing histograms) into
/// \a target with \a painter, scaled to fit: vector shapes and text, as the HTML report's SVG shows them.
void paintDrawing(QPainter& painter, const Drawing& drawing, const QRectF& target);

} // namespace ksscope::ui
