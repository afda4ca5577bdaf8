// SPDX-License-Identifier: GPL-3.0-or-later
// The pipeline doctor. The rules are the kernel's: v4l2_subdev_link_validate_default (subdevice to subdevice: width,
// height, media bus code, and field unless the sink's is "none") and the video node drivers' link_validate (vimc's:
// width, height, the pixel format the source's code is written as, field, and colorimetry where neither end says
// "default"). What the kernel lets through but a person would not mean - colorimetry that differs between
// subdevices, a frame interval no stage offers - are warnings.

#include "ksscope/doctor.h"

#include <algorithm>
#include <map>

namespace ksscope {

namespace {

/// Drivers whose video nodes refuse a link whose colorimetry differs (vimc_vdev_link_validate); elsewhere that is a
/// warning.
bool validatesColorimetry(const std::string& driver)
{
    return driver == "vimc";
}

/// Whether \a interval is among \a offered, or nothing is offered to check it against.
bool takes(const std::vector<const IntervalRange*>& offered, const Fraction& interval)
{
    return offered.empty() ||
           std::any_of(offered.begin(), offered.end(), [&](const IntervalRange* i) { return i->contains(interval); });
}

/// "1/30 s (30 fps), 1/25 s (25 fps)"
std::string intervalsText(const std::vector<const IntervalRange*>& offered)
{
    std::string list;
    for (const IntervalRange* i : offered)
        list += (list.empty() ? "" : ", ") + i->toString();
    return list;
}

/// Of the \a candidates for \a target's code, the first one the pin offers, else the first; 0 when there are none.
std::uint32_t offeredCode(const std::vector<std::uint32_t>& candidates, const PinFormats& target)
{
    const auto offered = std::find_if(candidates.begin(), candidates.end(), [&](std::uint32_t c) {
        return std::any_of(target.options.begin(), target.options.end(),
                           [c](const FormatOption& opt) { return opt.code == c; });
    });
    if (offered != candidates.end())
        return *offered;
    return candidates.empty() ? 0 : candidates.front();
}

std::string pixelFormatList(const std::vector<std::uint32_t>& codes)
{
    std::string out;
    for (const std::uint32_t c : codes)
        out += (out.empty() ? "" : " or ") + fourccName(c);
    return out;
}

struct LinkCheck {
    const Topology& topology;
    const ConnectionInfo& connection;
    const PinFormats& source;
    const PinFormats& sink;
    std::string link;
    std::vector<Finding> findings;

    void add(Severity severity, std::string attribute, std::string sourceValue, std::string sinkValue,
             const std::string& why, const std::string& lead = {})
    {
        Finding f;
        f.severity = severity;
        f.from = connection.from;
        f.to = connection.to;
        f.link = link;
        f.attribute = std::move(attribute);
        f.sourceValue = std::move(sourceValue);
        f.sinkValue = std::move(sinkValue);
        f.message = "link " + link + ": " + (lead.empty() ? f.attribute + " differs" : lead) + ": source " +
                    f.sourceValue + ", sink " + f.sinkValue + (why.empty() ? std::string() : " - " + why);
        findings.push_back(std::move(f));
    }

    void size()
    {
        const StreamFormat& a = source.active;
        const StreamFormat& b = sink.active;
        if (a.width != b.width || a.height != b.height)
            add(Severity::Error, "size", a.sizeText(), b.sizeText(),
                a.space == FormatSpace::KsSubtype ? "a KS connection has one format: both pins must stream it"
                                                  : "width and height must match, or STREAMON fails");
    }

    void field()
    {
        const StreamFormat& a = source.active;
        const StreamFormat& b = sink.active;
        if (a.field != b.field && b.field != kFieldNone)
            add(Severity::Error, "field", fieldName(a.field), fieldName(b.field),
                "the field order must match, or the sink's be \"none\"");
    }

    void colorimetry(bool strict)
    {
        const StreamFormat& a = source.active;
        const StreamFormat& b = sink.active;
        if (a.colorspace == kColorspaceDefault || b.colorspace == kColorspaceDefault)
            return;
        const Severity severity = strict ? Severity::Error : Severity::Warning;
        const std::string why = strict ? "the " + sink.driver + " driver refuses a link whose colorimetry differs"
                                       : "streams, but the colours are interpreted differently on each side";
        if (a.colorspace != b.colorspace)
            add(severity, "colorspace", colorspaceName(a.colorspace), colorspaceName(b.colorspace), why);
        auto part = [&](const char* name, std::uint32_t x, std::uint32_t y, std::string (*text)(std::uint32_t)) {
            if (x != 0 && y != 0 && x != y)
                add(severity, name, text(x), text(y), why);
        };
        part("ycbcr", a.ycbcrEnc, b.ycbcrEnc, &ycbcrEncName);
        part("quantization", a.quantization, b.quantization, &quantizationName);
        part("xfer", a.xferFunc, b.xferFunc, &xferFuncName);
    }

    /// A media bus code on one side, a pixel format on the other.
    void codeAgainstPixelFormat(std::uint32_t mbus, std::uint32_t pixelFormat, bool busIsSource)
    {
        const std::vector<std::uint32_t> layouts = pixelFormatsOfMbusCode(mbus);
        const std::string busText = mbusCodeName(mbus);
        const std::string pixText = fourccName(pixelFormat);
        if (layouts.empty()) {
            Finding f;
            f.severity = Severity::Note;
            f.from = connection.from;
            f.to = connection.to;
            f.link = link;
            f.attribute = "pixel-format";
            f.sourceValue = busIsSource ? busText : pixText;
            f.sinkValue = busIsSource ? pixText : busText;
            f.message = "link " + link + ": whether pixel format " + pixText + " fits media bus code " + busText +
                        " is not checked: KsScope knows no memory layout for that code";
            findings.push_back(std::move(f));
            return;
        }
        if (std::find(layouts.begin(), layouts.end(), pixelFormat) != layouts.end())
            return;
        const std::string why = busText + " is written to memory as " + pixelFormatList(layouts);
        if (busIsSource)
            add(Severity::Error, "pixel-format", busText, pixText, why);
        else
            add(Severity::Error, "pixel-format", pixText, busText, why);
    }

    void interval()
    {
        const Fraction& wanted = source.active.interval;
        if (!wanted.known())
            return;
        const std::vector<const IntervalRange*> offered = sink.offeredIntervals();
        if (takes(offered, wanted))
            return;
        add(Severity::Warning, "frame-interval", wanted.describe(), "offers " + intervalsText(offered),
            "the source's rate is one the sink does not take at " + sink.active.sizeText(),
            "the sink offers no such frame interval");
    }

    void run()
    {
        const StreamFormat& a = source.active;
        const StreamFormat& b = sink.active;
        if (a.space == FormatSpace::MediaBus && b.space == FormatSpace::MediaBus) {
            size();
            if (a.code != b.code)
                add(Severity::Error, "code", mbusCodeName(a.code), mbusCodeName(b.code),
                    "the media bus codes must match, or STREAMON fails");
            field();
            colorimetry(false);
        } else if (a.space == FormatSpace::MediaBus && b.space == FormatSpace::PixelFormat) {
            size();
            codeAgainstPixelFormat(a.code, b.code, true);
            field();
            colorimetry(validatesColorimetry(sink.driver));
        } else if (a.space == FormatSpace::PixelFormat && b.space == FormatSpace::MediaBus) {
            size();
            codeAgainstPixelFormat(b.code, a.code, false);
            field();
            colorimetry(false);
        } else if (a.space == FormatSpace::KsSubtype && b.space == FormatSpace::KsSubtype) {
            if (a.subtype != b.subtype)
                add(Severity::Error, "subtype", a.subtype, b.subtype,
                    "a KS connection has one format: both pins must stream it");
            size();
            if (!sink.options.empty() && std::none_of(sink.options.begin(), sink.options.end(),
                                                      [&](const FormatOption& o) { return o.accepts(a); }))
                add(Severity::Error, "data-range", a.subtype + " " + a.sizeText(), "accepts " + rangesText(),
                    "the connection cannot be made in this format",
                    "the source's format is outside the sink's data ranges");
        } else {
            add(Severity::Error, "format-type", std::string(formatSpaceName(a.space)),
                std::string(formatSpaceName(b.space)), "the two ends describe formats of different kinds");
        }
        interval();
        std::stable_sort(findings.begin(), findings.end(),
                         [](const Finding& x, const Finding& y) { return x.severity < y.severity; });
    }

    std::string rangesText() const
    {
        std::string out;
        for (const FormatOption& o : sink.options) {
            std::string sizes;
            for (const SizeRange& s : o.sizes)
                sizes += (sizes.empty() ? "" : ", ") + s.toString();
            out += (out.empty() ? "" : "; ") + o.codeName(sink.active.space) + (sizes.empty() ? "" : " " + sizes);
        }
        return out;
    }
};

/// \a target's format with the attributes the link validates taken from \a other.
StreamFormat matched(const PinFormats& target, const PinFormats& other)
{
    StreamFormat f = target.active;
    const StreamFormat& o = other.active;
    f.width = o.width;
    f.height = o.height;
    if (f.space == o.space) {
        f.code = o.code;
        f.subtype = o.subtype;
    } else if (f.space != FormatSpace::KsSubtype && o.space != FormatSpace::KsSubtype) {
        // a pixel format against a media bus code: the one the other end's is written as (or written from)
        const std::vector<std::uint32_t> candidates =
            f.space == FormatSpace::PixelFormat ? pixelFormatsOfMbusCode(o.code) : mbusCodesOfPixelFormat(o.code);
        if (const std::uint32_t code = offeredCode(candidates, target))
            f.code = code;
    }
    if (f.space != FormatSpace::KsSubtype) {
        f.field = o.field;
        f.colorspace = o.colorspace;
        f.xferFunc = o.xferFunc;
        f.ycbcrEnc = o.ycbcrEnc;
        f.quantization = o.quantization;
    }
    if (o.interval.known())
        f.interval = o.interval;
    return f;
}

} // namespace

std::string_view severityName(Severity severity)
{
    switch (severity) {
    case Severity::Error:
        return "error";
    case Severity::Warning:
        return "warning";
    case Severity::Note:
        return "note";
    }
    return "?";
}

std::string pinLabel(const Topology& topology, const std::string& pinId)
{
    for (const FilterInfo& f : topology.filters)
        for (const PinInfo& p : f.pins) {
            if (p.id != pinId)
                continue;
            const auto slash = p.id.rfind("/pad");
            if (slash != std::string::npos && slash + 4 < p.id.size() &&
                p.id.find_first_not_of("0123456789", slash + 4) == std::string::npos)
                return "\"" + f.name + "\":" + p.id.substr(slash + 4);
            return "\"" + f.name + "\"/" + p.name;
        }
    return "\"" + pinId + "\"";
}

std::vector<Finding> diagnose(const Topology& topology, const std::vector<PinFormats>& formats)
{
    std::map<std::string, const PinFormats*> byPin;
    for (const PinFormats& p : formats)
        byPin[p.pinId] = &p;
    std::vector<Finding> out;
    for (const ConnectionInfo& c : topology.connections) {
        if (!(c.flags & ConnectionEnabled) || (c.flags & ConnectionBetweenLayers)) // a layer's link has no formats
            continue;
        const std::string link = pinLabel(topology, c.from) + " -> " + pinLabel(topology, c.to);
        const auto source = byPin.find(c.from);
        const auto sink = byPin.find(c.to);
        const PinFormats* unreadable = nullptr;
        if (source == byPin.end() || !source->second->active.known())
            unreadable = source == byPin.end() ? nullptr : source->second;
        else if (sink == byPin.end() || !sink->second->active.known())
            unreadable = sink == byPin.end() ? nullptr : sink->second;
        if (source == byPin.end() || sink == byPin.end() || unreadable) {
            Finding f;
            f.severity = Severity::Note;
            f.from = c.from;
            f.to = c.to;
            f.link = link;
            f.attribute = "format";
            const std::string which =
                (source == byPin.end() || (unreadable && unreadable == source->second)) ? c.from : c.to;
            f.message = "link " + link + " is not checked: the format of " + pinLabel(topology, which) +
                        " is not known" +
                        (unreadable && !unreadable->error.empty() ? " (" + unreadable->error + ")" : std::string());
            out.push_back(std::move(f));
            continue;
        }
        LinkCheck check{topology, c, *source->second, *sink->second, link, {}};
        check.run();
        if (check.findings.empty())
            continue;
        // the fixes: the sink set to the source's format, then the source to the sink's
        std::vector<FormatFix> fixes;
        const auto fixFor = [&](const PinFormats& target, const PinFormats& other, const char* whose) {
            if (!target.readOnlyReason.empty())
                return;
            FormatFix fix;
            fix.pinId = target.pinId;
            fix.format = matched(target, other);
            if (fix.format == target.active)
                return;
            // a format the pin does not offer would only be adjusted back
            if (!target.options.empty() && std::none_of(target.options.begin(), target.options.end(),
                                                        [&](const FormatOption& o) { return o.accepts(fix.format); }))
                return;
            fix.summary =
                "set " + pinLabel(topology, target.pinId) + " to " + fix.format.toString() + " (" + whose + ")";
            fixes.push_back(std::move(fix));
        };
        fixFor(*sink->second, *source->second, "the source's format");
        fixFor(*source->second, *sink->second, "the sink's format");
        for (Finding& f : check.findings) {
            if (f.severity != Severity::Note)
                f.fixes = fixes;
            out.push_back(std::move(f));
        }
    }
    // a pin whose own frame interval is not one it offers
    for (const PinFormats& p : formats) {
        if (!p.active.interval.known())
            continue;
        const std::vector<const IntervalRange*> offered = p.offeredIntervals();
        if (takes(offered, p.active.interval))
            continue;
        Finding f;
        f.severity = Severity::Warning;
        f.from = p.pinId;
        f.link = pinLabel(topology, p.pinId);
        f.attribute = "frame-interval";
        f.sourceValue = p.active.interval.describe();
        const std::string list = intervalsText(offered);
        f.sinkValue = "offers " + list;
        f.message = f.link + ": frame interval " + f.sourceValue + " is not one it offers for " + p.active.codeName() +
                    " " + p.active.sizeText() + " (" + list + ")";
        out.push_back(std::move(f));
    }
    return out;
}

bool anyError(const std::vector<Finding>& findings)
{
    return std::any_of(findings.begin(), findings.end(),
                       [](const Finding& f) { return f.severity == Severity::Error; });
}

} // namespace ksscope
