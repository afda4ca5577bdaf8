// SPDX-License-Identifier: GPL-3.0-or-later
// A picture as a list of shapes: what the reports draw (the topology, occupancy charts, frame-timing histograms).
// The HTML report writes it as SVG (toSvg); the window's PDF export paints the same list with QPainter, so the two
// show the same picture and no SVG is parsed anywhere.
#pragma once

#include <string>
#include <vector>

namespace ksscope {

/// How a shape is filled and outlined. Colours are "#rrggbb"; an empty colour is none.
struct Paint {
    std::string fill;
    double fillOpacity = 1.0;
    std::string stroke;
    double strokeWidth = 1.0;
    double strokeOpacity = 1.0;
    std::vector<double> dash; ///< stroke dash pattern in px (empty: solid)

    /// Filled with \a colour, no outline.
    [[nodiscard]] static Paint filled(std::string colour, double opacity = 1.0)
    {
        Paint p;
        p.fill = std::move(colour);
        p.fillOpacity = opacity;
        return p;
    }
    /// A line (or an outline only) in \a colour, \a width px wide, dashed as \a dash.
    [[nodiscard]] static Paint line(std::string colour, double width = 1.0, std::vector<double> dash = {})
    {
        Paint p;
        p.stroke = std::move(colour);
        p.strokeWidth = width;
        p.dash = std::move(dash);
        return p;
    }
    /// This paint, outlined in \a colour, \a width px wide.
    [[nodiscard]] Paint outlined(std::string colour, double width = 1.0) const
    {
        Paint p = *this;
        p.stroke = std::move(colour);
        p.strokeWidth = width;
        return p;
    }
};

/// One step of a path: move to, line to, cubic curve to (two control points, then the end), close.
struct PathStep {
    enum class Op { Move, Line, Cubic, Close } op = Op::Move;
    double x = 0, y = 0; ///< the point moved or drawn to
    double c1x = 0, c1y = 0; ///< Cubic: first control point
    double c2x = 0, c2y = 0; ///< Cubic: second control point
};

enum class TextAnchor { Start, Middle, End };

struct Shape {
    enum class Kind { Rect, Circle, Line, Path, Text } kind = Kind::Rect;
    double x = 0, y = 0; ///< Rect: top left; Circle: centre; Line: start; Text: anchor on the baseline
    double w = 0, h = 0; ///< Rect: size; Circle: w is the radius
    double x2 = 0, y2 = 0; ///< Line: end
    double radius = 0; ///< Rect: corner radius
    std::vector<PathStep> path;
    std::string text; ///< UTF-8
    double fontSize = 11;
    bool bold = false;
    TextAnchor anchor = TextAnchor::Start;
    double rotate = 0; ///< Text: degrees, clockwise about (x, y)
    Paint paint;
};

/// A picture of \a width x \a height px, its shapes painted in order.
struct Drawing {
    double width = 0;
    double height = 0;
    std::string role; ///< what it shows (the SVG's class: "topology", "chart")
    std::vector<Shape> shapes;

    Shape& rect(double x, double y, double w, double h, Paint paint, double radius = 0);
    Shape& circle(double cx, double cy, double r, Paint paint);
    Shape& line(double x1, double y1, double x2, double y2, Paint paint);
    Shape& path(std::vector<PathStep> steps, Paint paint);
    /// Text at (\a x, \a y) on its baseline, in \a colour ("" is the page's text colour).
    Shape& text(double x, double y, std::string text, double fontSize, std::string colour = {},
                TextAnchor anchor = TextAnchor::Start, bool bold = false);
};

/// The font family the pictures name (the SVG's font-family; the PDF's font).
inline constexpr const char* kDrawingFonts = "DejaVu Sans, Helvetica, Arial, sans-serif";

/// \a drawing as one standalone <svg> element.
[[nodiscard]] std::string toSvg(const Drawing& drawing);

} // namespace ksscope
