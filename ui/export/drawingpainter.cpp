// SPDX-License-Identifier: GPL-3.0-or-later
#include "drawingpainter.h"

#include <QFontMetricsF>
#include <QPaintDevice>
#include <QPainter>
#include <QPainterPath>

namespace ksscope::ui {

namespace {

QColor colour(const std::string& text, double opacity)
{
    QColor c(QString::fromStdString(text));
    c.setAlphaF(static_cast<float>(opacity));
    return c;
}

QPen pen(const Paint& paint)
{
    if (paint.stroke.empty())
        return Qt::NoPen;
    QPen p(colour(paint.stroke, paint.strokeOpacity), paint.strokeWidth);
    p.setCapStyle(Qt::FlatCap);
    p.setJoinStyle(Qt::MiterJoin);
    if (!paint.dash.empty() && paint.strokeWidth > 0) {
        QList<qreal> pattern; // in units of the pen's width
        for (double d : paint.dash)
            pattern.append(d / paint.strokeWidth);
        if (pattern.size() % 2 == 1)
            pattern.append(pattern); // as SVG repeats an odd list
        p.setDashPattern(pattern);
    }
    return p;
}

QBrush brush(const Paint& paint)
{
    if (paint.fill.empty())
        return Qt::NoBrush;
    return colour(paint.fill, paint.fillOpacity);
}

QPainterPath painterPath(const std::vector<PathStep>& steps)
{
    QPainterPath path;
    for (const PathStep& s : steps) {
        switch (s.op) {
        case PathStep::Op::Move:
            path.moveTo(s.x, s.y);
            break;
        case PathStep::Op::Line:
            path.lineTo(s.x, s.y);
            break;
        case PathStep::Op::Cubic:
            path.cubicTo(s.c1x, s.c1y, s.c2x, s.c2y, s.x, s.y);
            break;
        case PathStep::Op::Close:
            path.closeSubpath();
            break;
        }
    }
    return path;
}

} // namespace

void paintDrawing(QPainter& painter, const Drawing& drawing, const QRectF& target)
{
    if (drawing.width <= 0 || drawing.height <= 0 || target.isEmpty())
        return;
    painter.save();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.translate(target.topLeft());
    painter.scale(target.width() / drawing.width, target.height() / drawing.height);
    painter.setClipRect(QRectF(0, 0, drawing.width, drawing.height));
    // a font size in drawing units: points at the device's resolution
    const double pointsPerUnit = painter.device() ? 72.0 / painter.device()->logicalDpiY() : 1.0;
    for (const Shape& s : drawing.shapes) {
        painter.setPen(pen(s.paint));
        painter.setBrush(brush(s.paint));
        switch (s.kind) {
        case Shape::Kind::Rect:
            if (s.radius > 0)
                painter.drawRoundedRect(QRectF(s.x, s.y, s.w, s.h), s.radius, s.radius);
            else
                painter.drawRect(QRectF(s.x, s.y, s.w, s.h));
            break;
        case Shape::Kind::Circle:
            painter.drawEllipse(QPointF(s.x, s.y), s.w, s.w);
            break;
        case Shape::Kind::Line:
            painter.drawLine(QPointF(s.x, s.y), QPointF(s.x2, s.y2));
            break;
        case Shape::Kind::Path:
            painter.drawPath(painterPath(s.path));
            break;
        case Shape::Kind::Text: {
            QFont font(QStringLiteral("DejaVu Sans"));
            font.setStyleHint(QFont::SansSerif);
            font.setPointSizeF(s.fontSize * pointsPerUnit);
            font.setBold(s.bold);
            painter.setFont(font);
            painter.setPen(s.paint.fill.empty() ? QColor(0x1d, 0x26, 0x30) : colour(s.paint.fill, s.paint.fillOpacity));
            const QString text = QString::fromStdString(s.text);
            const double advance = QFontMetricsF(font, painter.device()).horizontalAdvance(text);
            const double dx = s.anchor == TextAnchor::Middle ? -advance / 2
                              : s.anchor == TextAnchor::End  ? -advance
                                                             : 0.0;
            painter.save();
            painter.translate(s.x, s.y);
            if (s.rotate != 0)
                painter.rotate(s.rotate);
            painter.drawText(QPointF(dx, 0), text);
            painter.restore();
            break;
        }
        }
    }
    painter.restore();
}

} // namespace ksscope::ui
