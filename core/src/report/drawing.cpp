// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/drawing.h"

#include "markup.h"

#include <cstdio>
#include <string_view>

namespace ksscope {

namespace {

/// A new shape of \a kind painted with \a paint, at the end of \a shapes.
Shape& append(std::vector<Shape>& shapes, Shape::Kind kind, Paint paint)
{
    Shape& s = shapes.emplace_back();
    s.kind = kind;
    s.paint = std::move(paint);
    return s;
}

} // namespace

Shape& Drawing::rect(double x, double y, double w, double h, Paint paint, double radius)
{
    Shape& s = append(shapes, Shape::Kind::Rect, std::move(paint));
    s.x = x;
    s.y = y;
    s.w = w;
    s.h = h;
    s.radius = radius;
    return s;
}

Shape& Drawing::circle(double cx, double cy, double r, Paint paint)
{
    Shape& s = append(shapes, Shape::Kind::Circle, std::move(paint));
    s.x = cx;
    s.y = cy;
    s.w = r;
    return s;
}

Shape& Drawing::line(double x1, double y1, double x2, double y2, Paint paint)
{
    Shape& s = append(shapes, Shape::Kind::Line, std::move(paint));
    s.x = x1;
    s.y = y1;
    s.x2 = x2;
    s.y2 = y2;
    return s;
}

Shape& Drawing::path(std::vector<PathStep> steps, Paint paint)
{
    Shape& s = append(shapes, Shape::Kind::Path, std::move(paint));
    s.path = std::move(steps);
    return s;
}

Shape& Drawing::text(double x, double y, std::string text, double fontSize, std::string colour, TextAnchor anchor,
                     bool bold)
{
    Shape& s = append(shapes, Shape::Kind::Text, Paint::filled(std::move(colour)));
    s.x = x;
    s.y = y;
    s.text = std::move(text);
    s.fontSize = fontSize;
    s.anchor = anchor;
    s.bold = bold;
    return s;
}

namespace {

/// Shortest decimal text of \a v with at most two decimals ("12", "12.5", "12.25").
std::string num(double v)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.2f", v);
    std::string s = text;
    while (!s.empty() && s.back() == '0')
        s.pop_back();
    if (!s.empty() && s.back() == '.')
        s.pop_back();
    return s == "-0" ? "0" : s;
}

std::string attr(const char* name, const std::string& value)
{
    return std::string(" ") + name + "=\"" + value + "\"";
}

std::string paintAttributes(const Paint& p, bool text)
{
    std::string a;
    if (!text || !p.fill.empty())
        a += attr("fill", p.fill.empty() ? "none" : p.fill);
    if (p.fillOpacity < 1.0)
        a += attr("fill-opacity", num(p.fillOpacity));
    if (!p.stroke.empty()) {
        a += attr("stroke", p.stroke);
        if (p.strokeWidth != 1.0)
            a += attr("stroke-width", num(p.strokeWidth));
        if (p.strokeOpacity < 1.0)
            a += attr("stroke-opacity", num(p.strokeOpacity));
        if (!p.dash.empty()) {
            std::string dash;
            for (double d : p.dash)
                dash += (dash.empty() ? "" : ",") + num(d);
            a += attr("stroke-dasharray", dash);
        }
    }
    return a;
}

std::string pathData(const std::vector<PathStep>& steps)
{
    std::string d;
    for (const PathStep& s : steps) {
        if (!d.empty())
            d += ' ';
        switch (s.op) {
        case PathStep::Op::Move:
            d += "M" + num(s.x) + "," + num(s.y);
            break;
        case PathStep::Op::Line:
            d += "L" + num(s.x) + "," + num(s.y);
            break;
        case PathStep::Op::Cubic:
            d += "C" + num(s.c1x) + "," + num(s.c1y) + " " + num(s.c2x) + "," + num(s.c2y) + " " + num(s.x) + "," +
                 num(s.y);
            break;
        case PathStep::Op::Close:
            d += "Z";
            break;
        }
    }
    return d;
}

} // namespace

std::string escapeMarkup(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string toSvg(const Drawing& drawing)
{
    const std::string w = num(drawing.width);
    const std::string h = num(drawing.height);
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"" +
                      (drawing.role.empty() ? std::string() : attr("class", drawing.role)) + attr("width", w) +
                      attr("height", h) + attr("viewBox", "0 0 " + w + " " + h) + attr("font-family", kDrawingFonts) +
                      ">";
    for (const Shape& s : drawing.shapes) {
        switch (s.kind) {
        case Shape::Kind::Rect:
            svg += "<rect" + attr("x", num(s.x)) + attr("y", num(s.y)) + attr("width", num(s.w)) +
                   attr("height", num(s.h)) + (s.radius > 0 ? attr("rx", num(s.radius)) : std::string()) +
                   paintAttributes(s.paint, false) + "/>";
            break;
        case Shape::Kind::Circle:
            svg += "<circle" + attr("cx", num(s.x)) + attr("cy", num(s.y)) + attr("r", num(s.w)) +
                   paintAttributes(s.paint, false) + "/>";
            break;
        case Shape::Kind::Line:
            svg += "<line" + attr("x1", num(s.x)) + attr("y1", num(s.y)) + attr("x2", num(s.x2)) +
                   attr("y2", num(s.y2)) + paintAttributes(s.paint, false) + "/>";
            break;
        case Shape::Kind::Path:
            svg += "<path" + attr("d", pathData(s.path)) + paintAttributes(s.paint, false) + "/>";
            break;
        case Shape::Kind::Text:
            svg += "<text" + attr("x", num(s.x)) + attr("y", num(s.y)) + attr("font-size", num(s.fontSize)) +
                   (s.bold ? attr("font-weight", "bold") : std::string()) +
                   (s.anchor == TextAnchor::Middle ? attr("text-anchor", "middle")
                    : s.anchor == TextAnchor::End  ? attr("text-anchor", "end")
                                                   : std::string()) +
                   (s.rotate != 0 ? attr("transform", "rotate(" + num(s.rotate) + " " + num(s.x) + " " + num(s.y) + ")")
                                  : std::string()) +
                   paintAttributes(s.paint, true) + ">" + escapeMarkup(s.text) + "</text>";
            break;
        }
    }
    return svg + "</svg>";
}

} // namespace ksscope
