// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file formats.h
/// What a pin streams and what it could stream: the active format of a V4L2 video node, a subdevice pad or a KS pin
/// (code, size, field, colorimetry, frame interval), the formats, sizes and intervals it offers, and its crop and
/// compose selections. Field and colorimetry values are the kernel's (videodev2.h) on every platform; their names are
/// media-ctl's, so what KsScope prints can be pasted into `media-ctl -V`.

#include "ksscope/hresult.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope {

/// What a format's code counts in.
enum class FormatSpace : std::uint8_t {
    PixelFormat, ///< a V4L2 video node: a fourcc (V4L2_PIX_FMT_*)
    MediaBus, ///< a V4L2 subdevice pad: a media bus code (MEDIA_BUS_FMT_*)
    KsSubtype, ///< a KS pin: a KSDATAFORMAT subtype, by name ("YUY2")
};
[[nodiscard]] std::string_view formatSpaceName(FormatSpace space); ///< "pixel-format", "media-bus", "ks-subtype"

// Field orders and colorimetry as videodev2.h numbers them.
inline constexpr std::uint32_t kFieldAny = 0;
inline constexpr std::uint32_t kFieldNone = 1;
inline constexpr std::uint32_t kFieldInterlaced = 4;
inline constexpr std::uint32_t kColorspaceDefault = 0;
inline constexpr std::uint32_t kColorspaceSrgb = 8;

/// "none", "interlaced", "seq-tb", ... as media-ctl names them; the number for values without a name.
[[nodiscard]] std::string fieldName(std::uint32_t field);
[[nodiscard]] std::string colorspaceName(std::uint32_t colorspace); ///< "srgb", "rec709", "default", ...
[[nodiscard]] std::string xferFuncName(std::uint32_t xfer); ///< "srgb", "709", "none", ...
[[nodiscard]] std::string ycbcrEncName(std::uint32_t ycbcr); ///< "601", "709", "bt2020c", ...
[[nodiscard]] std::string quantizationName(std::uint32_t quantization); ///< "full-range", "lim-range", "default"
[[nodiscard]] std::optional<std::uint32_t> fieldFromName(std::string_view name);
[[nodiscard]] std::optional<std::uint32_t> colorspaceFromName(std::string_view name);
[[nodiscard]] std::optional<std::uint32_t> xferFuncFromName(std::string_view name);
[[nodiscard]] std::optional<std::uint32_t> ycbcrEncFromName(std::string_view name);
[[nodiscard]] std::optional<std::uint32_t> quantizationFromName(std::string_view name);

/// A fourcc's four characters, trailing spaces dropped ("YUYV", "Y10"); "0x..." when not printable.
[[nodiscard]] std::string fourccName(std::uint32_t fourcc);
/// "YUYV" -> its fourcc (one to four characters, padded with spaces), or "0x56595559".
[[nodiscard]] std::optional<std::uint32_t> fourccFromName(std::string_view name);
/// "SGRBG8_1X8" for MEDIA_BUS_FMT_SGRBG8_1X8; "0x3002"-style hex for codes without a name.
[[nodiscard]] std::string mbusCodeName(std::uint32_t code);
/// "SGRBG8_1X8" (or "MEDIA_BUS_FMT_SGRBG8_1X8", or hex) -> its code.
[[nodiscard]] std::optional<std::uint32_t> mbusCodeFromName(std::string_view name);
/// The pixel formats a media bus code is commonly written to memory as (SGRBG8_1X8 -> GRBG, RGB888_1X24 -> RGB3);
/// empty when KsScope knows of none.
[[nodiscard]] std::vector<std::uint32_t> pixelFormatsOfMbusCode(std::uint32_t code);
/// The media bus codes written to memory as \a pixelFormat (the reverse of pixelFormatsOfMbusCode).
[[nodiscard]] std::vector<std::uint32_t> mbusCodesOfPixelFormat(std::uint32_t pixelFormat);

/// A time per frame in seconds (v4l2_fract); 0/0 when not known.
struct Fraction {
    std::uint32_t numerator = 0;
    std::uint32_t denominator = 0;
    [[nodiscard]] bool known() const { return numerator > 0 && denominator > 0; }
    [[nodiscard]] double value() const
    {
        return known() ? static_cast<double>(numerator) / static_cast<double>(denominator) : 0.0;
    }
    /// The same time (1/30 == 2/60).
    [[nodiscard]] bool sameAs(const Fraction& other) const
    {
        return static_cast<std::uint64_t>(numerator) * other.denominator ==
               static_cast<std::uint64_t>(other.numerator) * denominator;
    }
    bool operator==(const Fraction&) const = default;
    [[nodiscard]] std::string toString() const; ///< "1/30"
    /// "1/30 s (30 fps)", "1001/30000 s (29.97 fps)"
    [[nodiscard]] std::string describe() const;
};

/// The format a pin streams in: what VIDIOC_G_FMT (video node), VIDIOC_SUBDEV_G_FMT (pad) or the connection's
/// format (KS pin) says.
struct StreamFormat {
    FormatSpace space = FormatSpace::PixelFormat;
    std::uint32_t code = 0; ///< fourcc or media bus code; 0 for KsSubtype
    std::string subtype; ///< KsSubtype: "YUY2", "RGB24", "PCM"
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::uint32_t field = kFieldAny;
    std::uint32_t colorspace = kColorspaceDefault;
    std::uint32_t xferFunc = 0;
    std::uint32_t ycbcrEnc = 0;
    std::uint32_t quantization = 0;
    Fraction interval; ///< time per frame, where the pin has one
    std::uint32_t bytesPerLine = 0; ///< video nodes
    std::uint32_t sizeImage = 0; ///< video nodes

    [[nodiscard]] bool known() const { return code != 0 || !subtype.empty() || width != 0 || height != 0; }
    /// "SGRBG8_1X8", "YUYV", "YUY2"
    [[nodiscard]] std::string codeName() const;
    /// "640x480"
    [[nodiscard]] std::string sizeText() const;
    /// media-ctl's notation: "SGRBG8_1X8/640x480 field:none colorspace:srgb"; a video node's "YUYV/640x360 ...".
    /// Colorimetry parts are left out while they are "default"; "@1/30" follows when the interval is known.
    [[nodiscard]] std::string toString() const;
    bool operator==(const StreamFormat&) const = default;
};

/// Parses \a text in media-ctl's notation - "CODE/WxH field:F colorspace:C xfer:X ycbcr:Y quantization:Q @N/D", any
/// part may be left out, e.g. "640x480" or "field:interlaced" - onto \a base (the pin's format now, whose space says
/// whether CODE is a fourcc, a media bus code or a KS subtype). On error returns nullopt and \a error names the part
/// and what is allowed.
[[nodiscard]] std::optional<StreamFormat> parseStreamFormat(std::string_view text, const StreamFormat& base,
                                                            std::string& error);

/// Discrete, stepwise or continuous: the shape of an ENUM_FRAMESIZES / ENUM_FRAMEINTERVALS answer.
enum class RangeKind : std::uint8_t { Discrete, Stepwise, Continuous };

/// Frame intervals offered for one format and size.
struct IntervalRange {
    RangeKind kind = RangeKind::Discrete;
    Fraction min; ///< the interval itself when discrete
    Fraction max;
    Fraction step;
    [[nodiscard]] bool contains(const Fraction& interval) const;
    [[nodiscard]] std::string toString() const; ///< "1/30 s (30 fps)" or "1/60 s - 1/1 s"
};

/// Frame sizes offered for one format; a discrete size carries the intervals offered at that size.
struct SizeRange {
    RangeKind kind = RangeKind::Discrete;
    std::uint32_t minWidth = 0; ///< the width when discrete
    std::uint32_t maxWidth = 0;
    std::uint32_t stepWidth = 1;
    std::uint32_t minHeight = 0;
    std::uint32_t maxHeight = 0;
    std::uint32_t stepHeight = 1;
    std::vector<IntervalRange> intervals; ///< empty when the driver lists none
    [[nodiscard]] bool contains(std::uint32_t width, std::uint32_t height) const;
    [[nodiscard]] std::string toString() const; ///< "640x480" or "16x16 - 4096x2160 (step 2x2)"
};

/// One format a pin offers (ENUM_FMT, ENUM_MBUS_CODE, a KS data range) with its sizes.
struct FormatOption {
    std::uint32_t code = 0; ///< fourcc or media bus code
    std::string subtype; ///< KsSubtype
    std::string description; ///< "YUYV 4:2:2" (ENUM_FMT's), empty for media bus codes
    std::uint32_t flags = 0; ///< V4L2_FMT_FLAG_* (compressed, emulated, ...)
    std::vector<SizeRange> sizes; ///< empty when the driver lists none
    /// Whether \a format's code or subtype is this option's and its size one of the sizes (or no sizes are listed).
    [[nodiscard]] bool accepts(const StreamFormat& format) const;
    /// Its code's name in \a space, as StreamFormat::codeName names it ("SGRBG8_1X8", "YUYV", "NV12").
    [[nodiscard]] std::string codeName(FormatSpace space) const;
};

struct Rect {
    std::int32_t left = 0;
    std::int32_t top = 0;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    bool operator==(const Rect&) const = default;
    [[nodiscard]] std::string toString() const; ///< "(0,0)/640x480", media-ctl's
};

/// A selection rectangle (VIDIOC_G_SELECTION / VIDIOC_SUBDEV_G_SELECTION).
struct SelectionInfo {
    std::string target; ///< "crop", "crop.default", "crop.bounds", "compose", "compose.default", "compose.bounds"
    Rect rect;
};

/// What a pin streams and what it could stream.
struct PinFormats {
    std::string pinId;
    std::string node; ///< the device node that answers (/dev/video0, /dev/v4l-subdev2); empty otherwise
    std::string driver; ///< the driver that validates the pin's links ("vimc"); empty when not known
    StreamFormat active;
    std::vector<FormatOption> options;
    std::vector<SelectionInfo> selections;
    std::string readOnlyReason; ///< empty when the active format can be changed (Backend::setFormat)
    std::string error; ///< why the formats could not be read (then only what could be is filled in)

    /// The options for \a format's code, or null.
    [[nodiscard]] const FormatOption* optionFor(const StreamFormat& format) const;
    /// The frame intervals the pin offers for its active format at its active size (empty when it lists none).
    [[nodiscard]] std::vector<const IntervalRange*> offeredIntervals() const;
};

/// What a format edit asked for, found before, and what the driver chose.
struct FormatChange {
    std::string pinId;
    StreamFormat before;
    StreamFormat requested;
    StreamFormat actual; ///< as the driver chose (or would choose, for a dry run)
    bool applied = false;
    Status status;
    /// The parts the driver changed from what was asked, e.g. "width 641 -> 640, field interlaced -> none"; empty
    /// when it took the request as asked.
    [[nodiscard]] std::string adjustments() const;
};

} // namespace ksscope
