// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/formats.h"

#include "format_tables.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <sstream>

namespace ksscope {

namespace {

struct NamedValue {
    std::string_view name;
    std::uint32_t value;
};

// media-ctl's names (libv4l2subdev), videodev2.h's values
constexpr std::array kFields{
    NamedValue{"any", 0},           NamedValue{"none", 1},          NamedValue{"top", 2},    NamedValue{"bottom", 3},
    NamedValue{"interlaced", 4},    NamedValue{"seq-tb", 5},        NamedValue{"seq-bt", 6}, NamedValue{"alternate", 7},
    NamedValue{"interlaced-tb", 8}, NamedValue{"interlaced-bt", 9},
};
constexpr std::array kColorspaces{
    NamedValue{"default", 0}, NamedValue{"smpte170m", 1}, NamedValue{"smpte240m", 2}, NamedValue{"rec709", 3},
    NamedValue{"bt878", 4},   NamedValue{"470m", 5},      NamedValue{"470bg", 6},     NamedValue{"jpeg", 7},
    NamedValue{"srgb", 8},    NamedValue{"oprgb", 9},     NamedValue{"bt2020", 10},   NamedValue{"raw", 11},
    NamedValue{"dcip3", 12},
};
constexpr std::array kXferFuncs{
    NamedValue{"default", 0},   NamedValue{"709", 1},  NamedValue{"srgb", 2},  NamedValue{"oprgb", 3},
    NamedValue{"smpte240m", 4}, NamedValue{"none", 5}, NamedValue{"dcip3", 6}, NamedValue{"smpte2084", 7},
};
constexpr std::array kYcbcrEncs{
    NamedValue{"default", 0}, NamedValue{"601", 1},     NamedValue{"709", 2},
    NamedValue{"xv601", 3},   NamedValue{"xv709", 4},   NamedValue{"sycc", 5},
    NamedValue{"bt2020", 6},  NamedValue{"bt2020c", 7}, NamedValue{"smpte240m", 8},
};
constexpr std::array kQuantizations{
    NamedValue{"default", 0},
    NamedValue{"full-range", 1},
    NamedValue{"lim-range", 2},
};

template <std::size_t N> std::string nameOf(const std::array<NamedValue, N>& table, std::uint32_t value)
{
    for (const NamedValue& v : table)
        if (v.value == value)
            return std::string(v.name);
    return std::to_string(value);
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::optional<std::uint32_t> parseUnsigned(std::string_view text)
{
    int base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text.remove_prefix(2);
        base = 16;
    }
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

template <std::size_t N>
std::optional<std::uint32_t> valueOf(const std::array<NamedValue, N>& table, std::string_view name)
{
    for (const NamedValue& v : table)
        if (equalsIgnoringCase(v.name, name))
            return v.value;
    if (const auto n = parseUnsigned(name); n && *n < 64)
        return n;
    return std::nullopt;
}

template <std::size_t N> std::string namesOf(const std::array<NamedValue, N>& table)
{
    std::string out;
    for (const NamedValue& v : table)
        out += (out.empty() ? "" : ", ") + std::string(v.name);
    return out;
}

constexpr std::uint32_t fcc(const char (&s)[5])
{
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[2])) << 16 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[3])) << 24;
}

struct CodeMapping {
    std::string_view mbus;
    std::uint32_t pixelFormat;
};

// how media bus codes are commonly written to memory (vimc's table, and the usual Bayer, YUV and grey layouts)
const std::vector<CodeMapping>& codeMappings()
{
    static const std::vector<CodeMapping> mappings = {
        {"BGR888_1X24", fcc("BGR3")},       {"BGR888_3X8", fcc("BGR3")},
        {"RGB888_1X24", fcc("RGB3")},       {"RGB888_2X12_BE", fcc("RGB3")},
        {"RGB888_2X12_LE", fcc("RGB3")},    {"RGB888_3X8", fcc("RGB3")},
        {"RGB888_1X7X4_SPWG", fcc("RGB3")}, {"RGB888_1X7X4_JEIDA", fcc("RGB3")},
        {"RGB888_1X32_PADHI", fcc("RGB3")}, {"GBR888_1X24", fcc("RGB3")},
        {"ARGB8888_1X32", fcc("BA24")},     {"RGB565_1X16", fcc("RGBP")},
        {"RGB565_2X8_LE", fcc("RGBP")},     {"YUYV8_2X8", fcc("YUYV")},
        {"YUYV8_1X16", fcc("YUYV")},        {"UYVY8_2X8", fcc("UYVY")},
        {"UYVY8_1X16", fcc("UYVY")},        {"YVYU8_2X8", fcc("YVYU")},
        {"YVYU8_1X16", fcc("YVYU")},        {"VYUY8_2X8", fcc("VYUY")},
        {"VYUY8_1X16", fcc("VYUY")},        {"Y8_1X8", fcc("GREY")},
        {"Y10_1X10", fcc("Y10 ")},          {"Y12_1X12", fcc("Y12 ")},
        {"Y16_1X16", fcc("Y16 ")},          {"SBGGR8_1X8", fcc("BA81")},
        {"SGBRG8_1X8", fcc("GBRG")},        {"SGRBG8_1X8", fcc("GRBG")},
        {"SRGGB8_1X8", fcc("RGGB")},        {"SBGGR10_1X10", fcc("BG10")},
        {"SGBRG10_1X10", fcc("GB10")},      {"SGRBG10_1X10", fcc("BA10")},
        {"SRGGB10_1X10", fcc("RG10")},      {"SBGGR10_1X10", fcc("pBAA")},
        {"SGBRG10_1X10", fcc("pGAA")},      {"SGRBG10_1X10", fcc("pgAA")},
        {"SRGGB10_1X10", fcc("pRAA")},      {"SBGGR10_ALAW8_1X8", fcc("aBA8")},
        {"SGBRG10_ALAW8_1X8", fcc("aGA8")}, {"SGRBG10_ALAW8_1X8", fcc("agA8")},
        {"SRGGB10_ALAW8_1X8", fcc("aRA8")}, {"SBGGR10_DPCM8_1X8", fcc("bBA8")},
        {"SGBRG10_DPCM8_1X8", fcc("bGA8")}, {"SGRBG10_DPCM8_1X8", fcc("BD10")},
        {"SRGGB10_DPCM8_1X8", fcc("bRA8")}, {"SBGGR12_1X12", fcc("BG12")},
        {"SGBRG12_1X12", fcc("GB12")},      {"SGRBG12_1X12", fcc("BA12")},
        {"SRGGB12_1X12", fcc("RG12")},      {"SBGGR16_1X16", fcc("BYR2")},
        {"SGBRG16_1X16", fcc("GB16")},      {"SGRBG16_1X16", fcc("GR16")},
        {"SRGGB16_1X16", fcc("RG16")},      {"JPEG_1X8", fcc("MJPG")},
        {"JPEG_1X8", fcc("JPEG")},
    };
    return mappings;
}

std::string fractionText(std::uint32_t n, std::uint32_t d)
{
    return std::to_string(n) + "/" + std::to_string(d);
}

std::string fpsText(double fps)
{
    char text[32];
    if (fps >= 100 || fps == static_cast<double>(static_cast<long long>(fps)))
        std::snprintf(text, sizeof text, "%.0f", fps);
    else
        std::snprintf(text, sizeof text, "%.4g", fps);
    return text;
}

} // namespace

std::string_view formatSpaceName(FormatSpace space)
{
    switch (space) {
    case FormatSpace::PixelFormat:
        return "pixel-format";
    case FormatSpace::MediaBus:
        return "media-bus";
    case FormatSpace::KsSubtype:
        return "ks-subtype";
    }
    return "?";
}

std::string fieldName(std::uint32_t field)
{
    return nameOf(kFields, field);
}
std::string colorspaceName(std::uint32_t colorspace)
{
    return nameOf(kColorspaces, colorspace);
}
std::string xferFuncName(std::uint32_t xfer)
{
    return nameOf(kXferFuncs, xfer);
}
std::string ycbcrEncName(std::uint32_t ycbcr)
{
    return nameOf(kYcbcrEncs, ycbcr);
}
std::string quantizationName(std::uint32_t quantization)
{
    return nameOf(kQuantizations, quantization);
}
std::optional<std::uint32_t> fieldFromName(std::string_view name)
{
    return valueOf(kFields, name);
}
std::optional<std::uint32_t> colorspaceFromName(std::string_view name)
{
    return valueOf(kColorspaces, name);
}
std::optional<std::uint32_t> xferFuncFromName(std::string_view name)
{
    return valueOf(kXferFuncs, name);
}
std::optional<std::uint32_t> ycbcrEncFromName(std::string_view name)
{
    return valueOf(kYcbcrEncs, name);
}
std::optional<std::uint32_t> quantizationFromName(std::string_view name)
{
    return valueOf(kQuantizations, name);
}

std::string fourccName(std::uint32_t fourcc)
{
    // bit 31 marks the big-endian variant of a format (v4l2_fourcc_be): "Y16-BE"
    const bool bigEndian = (fourcc & 0x80000000U) != 0;
    if (bigEndian)
        fourcc &= 0x7fffffffU;
    std::string s;
    for (int i = 0; i < 4; ++i) {
        const char c = static_cast<char>((fourcc >> (8 * i)) & 0xff);
        if (c < 0x20 || c > 0x7e) {
            char text[16];
            std::snprintf(text, sizeof text, "0x%08x", fourcc);
            return text;
        }
        s += c;
    }
    while (!s.empty() && s.back() == ' ')
        s.pop_back();
    return bigEndian ? s + "-BE" : s;
}

std::optional<std::uint32_t> fourccFromName(std::string_view name)
{
    if (name.size() > 2 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X'))
        return parseUnsigned(name);
    if (name.size() > 3 && name.substr(name.size() - 3) == "-BE") {
        const auto little = fourccFromName(name.substr(0, name.size() - 3));
        return little ? std::optional<std::uint32_t>(*little | 0x80000000U) : std::nullopt;
    }
    if (name.empty() || name.size() > 4)
        return std::nullopt;
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const char c = i < name.size() ? name[i] : ' ';
        if (c < 0x20 || c > 0x7e)
            return std::nullopt;
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(c)) << (8 * i);
    }
    return v;
}

std::string mbusCodeName(std::uint32_t code)
{
    for (const formats::NamedCode& c : formats::mbusCodes())
        if (c.code == code)
            return c.name;
    char text[16];
    std::snprintf(text, sizeof text, "0x%04x", code);
    return text;
}

std::optional<std::uint32_t> mbusCodeFromName(std::string_view name)
{
    if (name.size() > 14 && equalsIgnoringCase(name.substr(0, 14), "MEDIA_BUS_FMT_"))
        name.remove_prefix(14);
    for (const formats::NamedCode& c : formats::mbusCodes())
        if (equalsIgnoringCase(c.name, name))
            return c.code;
    if (name.size() > 2 && name[0] == '0' && (name[1] == 'x' || name[1] == 'X'))
        return parseUnsigned(name);
    return std::nullopt;
}

std::vector<std::uint32_t> pixelFormatsOfMbusCode(std::uint32_t code)
{
    std::vector<std::uint32_t> out;
    const std::string name = mbusCodeName(code);
    for (const CodeMapping& m : codeMappings())
        if (m.mbus == name)
            out.push_back(m.pixelFormat);
    return out;
}

std::vector<std::uint32_t> mbusCodesOfPixelFormat(std::uint32_t pixelFormat)
{
    std::vector<std::uint32_t> out;
    for (const CodeMapping& m : codeMappings())
        if (m.pixelFormat == pixelFormat)
            if (const auto code = mbusCodeFromName(m.mbus);
                code && std::find(out.begin(), out.end(), *code) == out.end())
                out.push_back(*code);
    return out;
}

std::string Fraction::toString() const
{
    return fractionText(numerator, denominator);
}

std::string Fraction::describe() const
{
    if (!known())
        return "?";
    return toString() + " s (" + fpsText(1.0 / value()) + " fps)";
}

std::string StreamFormat::codeName() const
{
    switch (space) {
    case FormatSpace::PixelFormat:
        return code ? fourccName(code) : std::string("?");
    case FormatSpace::MediaBus:
        return code ? mbusCodeName(code) : std::string("?");
    case FormatSpace::KsSubtype:
        return subtype.empty() ? std::string("?") : subtype;
    }
    return "?";
}

std::string StreamFormat::sizeText() const
{
    return std::to_string(width) + "x" + std::to_string(height);
}

std::string StreamFormat::toString() const
{
    std::string out = codeName() + "/" + sizeText();
    if (space != FormatSpace::KsSubtype) {
        out += " field:" + fieldName(field);
        if (colorspace != kColorspaceDefault)
            out += " colorspace:" + colorspaceName(colorspace);
        if (xferFunc != 0)
            out += " xfer:" + xferFuncName(xferFunc);
        if (ycbcrEnc != 0)
            out += " ycbcr:" + ycbcrEncName(ycbcrEnc);
        if (quantization != 0)
            out += " quantization:" + quantizationName(quantization);
    }
    if (interval.known())
        out += " @" + interval.toString();
    return out;
}

std::optional<StreamFormat> parseStreamFormat(std::string_view text, const StreamFormat& base, std::string& error)
{
    StreamFormat f = base;
    std::istringstream words{std::string(text)};
    std::string word;
    bool any = false;
    auto parseSize = [&](std::string_view size) {
        const auto x = size.find('x');
        const auto w = x == std::string_view::npos ? std::nullopt : parseUnsigned(size.substr(0, x));
        const auto h = x == std::string_view::npos ? std::nullopt : parseUnsigned(size.substr(x + 1));
        if (!w || !h || *w == 0 || *h == 0 || *w > 65536 || *h > 65536) {
            error = "\"" + std::string(size) + "\" is not a size: give WIDTHxHEIGHT, e.g. 640x480";
            return false;
        }
        f.width = *w;
        f.height = *h;
        return true;
    };
    while (words >> word) {
        any = true;
        const auto colon = word.find(':');
        if (word[0] == '@') {
            const std::string_view frac = std::string_view(word).substr(1);
            const auto slash = frac.find('/');
            const auto n = slash == std::string_view::npos ? std::nullopt : parseUnsigned(frac.substr(0, slash));
            const auto d = slash == std::string_view::npos ? std::nullopt : parseUnsigned(frac.substr(slash + 1));
            if (!n || !d || *n == 0 || *d == 0) {
                error = "\"" + word + "\" is not a frame interval: give @NUMERATOR/DENOMINATOR seconds, e.g. @1/30";
                return std::nullopt;
            }
            f.interval = {*n, *d};
        } else if (colon != std::string::npos) {
            const std::string key = word.substr(0, colon);
            const std::string value = word.substr(colon + 1);
            std::optional<std::uint32_t> v;
            std::string allowed;
            if (key == "field") {
                v = fieldFromName(value);
                allowed = namesOf(kFields);
                if (v)
                    f.field = *v;
            } else if (key == "colorspace") {
                v = colorspaceFromName(value);
                allowed = namesOf(kColorspaces);
                if (v)
                    f.colorspace = *v;
            } else if (key == "xfer") {
                v = xferFuncFromName(value);
                allowed = namesOf(kXferFuncs);
                if (v)
                    f.xferFunc = *v;
            } else if (key == "ycbcr") {
                v = ycbcrEncFromName(value);
                allowed = namesOf(kYcbcrEncs);
                if (v)
                    f.ycbcrEnc = *v;
            } else if (key == "quantization") {
                v = quantizationFromName(value);
                allowed = namesOf(kQuantizations);
                if (v)
                    f.quantization = *v;
            } else if (key == "fmt") { // media-ctl's "fmt:CODE/WxH"
                auto parsed = parseStreamFormat(value, f, error);
                if (!parsed)
                    return std::nullopt;
                f = *parsed;
                continue;
            } else {
                error = "unknown format part \"" + key +
                        ":\": use CODE/WxH, field:, colorspace:, xfer:, ycbcr:, quantization: or @N/D";
                return std::nullopt;
            }
            if (!v) {
                error = key;
                error += " \"" + value + "\" is not known: use one of ";
                error += allowed;
                return std::nullopt;
            }
        } else {
            // CODE/WxH, CODE alone, or WxH alone
            const auto slash = word.find('/');
            std::string code = slash == std::string::npos ? word : word.substr(0, slash);
            std::string size = slash == std::string::npos ? std::string() : word.substr(slash + 1);
            if (slash == std::string::npos && code.find('x') != std::string::npos &&
                std::isdigit(static_cast<unsigned char>(code[0]))) {
                size = code;
                code.clear();
            }
            if (!code.empty()) {
                if (f.space == FormatSpace::MediaBus) {
                    const auto c = mbusCodeFromName(code);
                    if (!c) {
                        error = "\"" + code +
                                "\" is not a media bus code: give a name as media-ctl prints it (e.g. SGRBG8_1X8) or "
                                "its value (0x3002)";
                        return std::nullopt;
                    }
                    f.code = *c;
                } else if (f.space == FormatSpace::PixelFormat) {
                    const auto c = fourccFromName(code);
                    if (!c) {
                        error = "\"" + code + "\" is not a pixel format: give its fourcc (e.g. YUYV, RGB3)";
                        return std::nullopt;
                    }
                    f.code = *c;
                } else {
                    f.subtype = code;
                }
            }
            if (!size.empty() && !parseSize(size))
                return std::nullopt;
        }
    }
    if (!any) {
        error = "no format given: give e.g. \"SGRBG8_1X8/640x480 field:none\"";
        return std::nullopt;
    }
    return f;
}

bool IntervalRange::contains(const Fraction& interval) const
{
    if (!interval.known())
        return false;
    if (kind == RangeKind::Discrete)
        return min.sameAs(interval);
    const double v = interval.value();
    return v + 1e-12 >= min.value() && v <= max.value() + 1e-12;
}

std::string IntervalRange::toString() const
{
    if (kind == RangeKind::Discrete)
        return min.describe();
    return min.toString() + " s - " + max.toString() + " s" +
           (kind == RangeKind::Stepwise ? " (step " + step.toString() + " s)" : std::string());
}

bool SizeRange::contains(std::uint32_t width, std::uint32_t height) const
{
    if (kind == RangeKind::Discrete)
        return width == minWidth && height == minHeight;
    if (width < minWidth || width > maxWidth || height < minHeight || height > maxHeight)
        return false;
    if (kind == RangeKind::Continuous)
        return true;
    return (stepWidth == 0 || (width - minWidth) % stepWidth == 0) &&
           (stepHeight == 0 || (height - minHeight) % stepHeight == 0);
}

std::string SizeRange::toString() const
{
    std::string least = std::to_string(minWidth) + "x" + std::to_string(minHeight);
    if (kind == RangeKind::Discrete)
        return least;
    return least + " - " + std::to_string(maxWidth) + "x" + std::to_string(maxHeight) +
           (kind == RangeKind::Stepwise ? " (step " + std::to_string(stepWidth) + "x" + std::to_string(stepHeight) + ")"
                                        : std::string());
}

bool FormatOption::accepts(const StreamFormat& format) const
{
    const bool sameCode = format.space == FormatSpace::KsSubtype ? subtype == format.subtype : code == format.code;
    if (!sameCode)
        return false;
    return sizes.empty() || std::any_of(sizes.begin(), sizes.end(),
                                        [&](const SizeRange& s) { return s.contains(format.width, format.height); });
}

std::string FormatOption::codeName(FormatSpace space) const
{
    StreamFormat named;
    named.space = space;
    named.code = code;
    named.subtype = subtype;
    return named.codeName();
}

std::string Rect::toString() const
{
    return "(" + std::to_string(left) + "," + std::to_string(top) + ")/" + std::to_string(width) + "x" +
           std::to_string(height);
}

const FormatOption* PinFormats::optionFor(const StreamFormat& format) const
{
    for (const FormatOption& o : options)
        if (format.space == FormatSpace::KsSubtype ? o.subtype == format.subtype : o.code == format.code)
            return &o;
    return nullptr;
}

std::vector<const IntervalRange*> PinFormats::offeredIntervals() const
{
    std::vector<const IntervalRange*> out;
    if (const FormatOption* option = optionFor(active))
        for (const SizeRange& s : option->sizes)
            if (s.contains(active.width, active.height))
                for (const IntervalRange& i : s.intervals)
                    out.push_back(&i);
    return out;
}

std::string FormatChange::adjustments() const
{
    std::string out;
    auto add = [&out](const std::string& what, const std::string& asked, const std::string& got) {
        if (asked != got)
            out += (out.empty() ? "" : ", ") + what + " " + asked + " -> " + got;
    };
    if (requested.space == FormatSpace::KsSubtype)
        add("subtype", requested.subtype, actual.subtype);
    else
        add("code", requested.codeName(), actual.codeName());
    add("size", requested.sizeText(), actual.sizeText());
    if (requested.space != FormatSpace::KsSubtype) {
        if (requested.field != kFieldAny)
            add("field", fieldName(requested.field), fieldName(actual.field));
        if (requested.colorspace != kColorspaceDefault)
            add("colorspace", colorspaceName(requested.colorspace), colorspaceName(actual.colorspace));
        if (requested.xferFunc != 0)
            add("xfer", xferFuncName(requested.xferFunc), xferFuncName(actual.xferFunc));
        if (requested.ycbcrEnc != 0)
            add("ycbcr", ycbcrEncName(requested.ycbcrEnc), ycbcrEncName(actual.ycbcrEnc));
        if (requested.quantization != 0)
            add("quantization", quantizationName(requested.quantization), quantizationName(actual.quantization));
    }
    if (requested.interval.known() && actual.interval.known() && !requested.interval.sameAs(actual.interval))
        add("interval", requested.interval.toString(), actual.interval.toString());
    return out;
}

} // namespace ksscope
