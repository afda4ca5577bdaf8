// SPDX-License-Identifier: GPL-3.0-or-later
#include "v4l2_formats_linux.h"

#include "v4l2_device_linux.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <linux/v4l2-subdev.h>
#include <linux/videodev2.h>
#include <map>

namespace ksscope::v4l2 {

namespace {

Status failure(int err, const std::string& what)
{
    return {hresultFromErrno(err), what + ": " + errnoMessage(err)};
}

bool isMplane(std::uint32_t type)
{
    return type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

bool isOutput(std::uint32_t type)
{
    return type == V4L2_BUF_TYPE_VIDEO_OUTPUT || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

Fraction fraction(const v4l2_fract& f)
{
    return {f.numerator, f.denominator};
}

std::vector<IntervalRange> videoIntervals(int fd, std::uint32_t code, std::uint32_t width, std::uint32_t height)
{
    std::vector<IntervalRange> out;
    for (std::uint32_t i = 0; i < 256; ++i) {
        v4l2_frmivalenum e{};
        e.index = i;
        e.pixel_format = code;
        e.width = width;
        e.height = height;
        if (xioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &e) != 0)
            break;
        IntervalRange r;
        if (e.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
            r.kind = RangeKind::Discrete;
            r.min = r.max = fraction(e.discrete);
            out.push_back(r);
            continue;
        }
        r.kind = e.type == V4L2_FRMIVAL_TYPE_CONTINUOUS ? RangeKind::Continuous : RangeKind::Stepwise;
        r.min = fraction(e.stepwise.min);
        r.max = fraction(e.stepwise.max);
        r.step = fraction(e.stepwise.step);
        out.push_back(r);
        break; // a range is the only answer
    }
    return out;
}

void fillFromPix(StreamFormat& f, const v4l2_format& fmt)
{
    if (isMplane(fmt.type)) {
        const v4l2_pix_format_mplane& p = fmt.fmt.pix_mp;
        f.code = p.pixelformat;
        f.width = p.width;
        f.height = p.height;
        f.field = p.field;
        f.colorspace = p.colorspace;
        f.ycbcrEnc = p.ycbcr_enc;
        f.quantization = p.quantization;
        f.xferFunc = p.xfer_func;
        f.bytesPerLine = p.num_planes ? p.plane_fmt[0].bytesperline : 0;
        f.sizeImage = 0;
        for (unsigned i = 0; i < p.num_planes && i < VIDEO_MAX_PLANES; ++i)
            f.sizeImage += p.plane_fmt[i].sizeimage;
    } else if (fmt.type == V4L2_BUF_TYPE_META_CAPTURE || fmt.type == V4L2_BUF_TYPE_META_OUTPUT) {
        f.code = fmt.fmt.meta.dataformat;
        f.sizeImage = fmt.fmt.meta.buffersize;
    } else {
        const v4l2_pix_format& p = fmt.fmt.pix;
        f.code = p.pixelformat;
        f.width = p.width;
        f.height = p.height;
        f.field = p.field;
        f.colorspace = p.colorspace;
        f.ycbcrEnc = p.ycbcr_enc;
        f.quantization = p.quantization;
        f.xferFunc = p.xfer_func;
        f.bytesPerLine = p.bytesperline;
        f.sizeImage = p.sizeimage;
    }
}

void fillFromMbus(StreamFormat& f, const v4l2_mbus_framefmt& m)
{
    f.code = m.code;
    f.width = m.width;
    f.height = m.height;
    f.field = m.field;
    f.colorspace = m.colorspace;
    f.ycbcrEnc = m.ycbcr_enc;
    f.quantization = m.quantization;
    f.xferFunc = m.xfer_func;
}

struct SelectionTarget {
    std::uint32_t target;
    const char* name;
};
constexpr SelectionTarget kSelectionTargets[] = {
    {V4L2_SEL_TGT_CROP, "crop"},
    {V4L2_SEL_TGT_CROP_DEFAULT, "crop.default"},
    {V4L2_SEL_TGT_CROP_BOUNDS, "crop.bounds"},
    {V4L2_SEL_TGT_COMPOSE, "compose"},
    {V4L2_SEL_TGT_COMPOSE_DEFAULT, "compose.default"},
    {V4L2_SEL_TGT_COMPOSE_BOUNDS, "compose.bounds"},
};

Rect rectOf(const v4l2_rect& r)
{
    return {r.left, r.top, r.width, r.height};
}

/// What an errno from a format or control write means for a person.
std::string writeFailure(int err, const std::string& what)
{
    switch (err) {
    case EBUSY:
        return what + ": the device is busy (it streams, or a process holds buffers): stop the stream first (" +
               errnoMessage(err) + ")";
    case EACCES:
    case EPERM:
        return what + ": not allowed (" + errnoMessage(err) +
               "): the node needs write access (the video group, or run as root)";
    case ERANGE:
        return what + ": the driver refuses the value as out of range (" + errnoMessage(err) + ")";
    default:
        return what + ": " + errnoMessage(err);
    }
}

ControlType controlType(const v4l2_query_ext_ctrl& q)
{
    if (q.nr_of_dims > 0 || q.type >= V4L2_CTRL_COMPOUND_TYPES)
        return ControlType::Compound;
    switch (q.type) {
    case V4L2_CTRL_TYPE_INTEGER:
        return ControlType::Integer;
    case V4L2_CTRL_TYPE_BOOLEAN:
        return ControlType::Boolean;
    case V4L2_CTRL_TYPE_MENU:
        return ControlType::Menu;
    case V4L2_CTRL_TYPE_BUTTON:
        return ControlType::Button;
    case V4L2_CTRL_TYPE_INTEGER64:
        return ControlType::Integer64;
    case V4L2_CTRL_TYPE_CTRL_CLASS:
        return ControlType::Class;
    case V4L2_CTRL_TYPE_STRING:
        return ControlType::String;
    case V4L2_CTRL_TYPE_BITMASK:
        return ControlType::Bitmask;
    case V4L2_CTRL_TYPE_INTEGER_MENU:
        return ControlType::IntegerMenu;
    default:
        return ControlType::Compound;
    }
}

bool readable(const ControlInfo& c)
{
    return !c.writeOnly() && c.type != ControlType::Class;
}

/// G_EXT_CTRLS of one control into \a c.value. Returns errno.
int readValue(int fd, ControlInfo& c)
{
    v4l2_ext_control ctl{};
    ctl.id = c.id;
    std::vector<char> payload;
    if (c.type == ControlType::String) {
        payload.assign(static_cast<std::size_t>(c.maximum) + 1, 0);
        ctl.size = static_cast<std::uint32_t>(payload.size());
        ctl.string = payload.data();
    } else if (c.type == ControlType::Compound) {
        payload.assign(static_cast<std::size_t>(c.elementSize) * c.elements, 0);
        ctl.size = static_cast<std::uint32_t>(payload.size());
        ctl.ptr = payload.data();
    }
    v4l2_ext_controls controls{};
    controls.which = V4L2_CTRL_WHICH_CUR_VAL;
    controls.count = 1;
    controls.controls = &ctl;
    if (const int err = xioctl(fd, VIDIOC_G_EXT_CTRLS, &controls))
        return err;
    c.valueKnown = true;
    if (c.type == ControlType::String) {
        c.value.text = payload.data();
    } else if (c.type == ControlType::Compound) {
        // the first bytes, in hex
        std::string text;
        const std::size_t shown = std::min<std::size_t>(payload.size(), 16);
        for (std::size_t i = 0; i < shown; ++i) {
            char byte[4];
            std::snprintf(byte, sizeof byte, "%02x", static_cast<unsigned char>(payload[i]));
            text += (i ? " " : "") + std::string(byte);
        }
        if (payload.size() > shown)
            text += " ... (" + std::to_string(payload.size()) + " bytes)";
        c.value.text = text;
    } else if (c.type == ControlType::Integer64) {
        c.value.number = ctl.value64;
    } else {
        c.value.number = ctl.value;
    }
    return 0;
}

} // namespace

PinFormats readVideoNodeFormats(const std::string& node, std::uint32_t bufType)
{
    PinFormats out;
    out.node = node;
    out.active.space = FormatSpace::PixelFormat;
    Fd fd(::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid()) {
        out.error = "cannot open " + node + ": " + errnoMessage(errno);
        return out;
    }
    for (std::uint32_t i = 0; i < 256; ++i) {
        v4l2_fmtdesc d{};
        d.index = i;
        d.type = bufType;
        if (xioctl(fd.get(), VIDIOC_ENUM_FMT, &d) != 0)
            break;
        FormatOption o;
        o.code = d.pixelformat;
        o.description = reinterpret_cast<const char*>(d.description);
        o.flags = d.flags;
        for (std::uint32_t j = 0; j < 1024; ++j) {
            v4l2_frmsizeenum s{};
            s.index = j;
            s.pixel_format = d.pixelformat;
            if (xioctl(fd.get(), VIDIOC_ENUM_FRAMESIZES, &s) != 0)
                break;
            SizeRange r;
            if (s.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
                r.kind = RangeKind::Discrete;
                r.minWidth = r.maxWidth = s.discrete.width;
                r.minHeight = r.maxHeight = s.discrete.height;
                r.intervals = videoIntervals(fd.get(), d.pixelformat, s.discrete.width, s.discrete.height);
                o.sizes.push_back(std::move(r));
                continue;
            }
            r.kind = s.type == V4L2_FRMSIZE_TYPE_CONTINUOUS ? RangeKind::Continuous : RangeKind::Stepwise;
            r.minWidth = s.stepwise.min_width;
            r.maxWidth = s.stepwise.max_width;
            r.stepWidth = s.stepwise.step_width;
            r.minHeight = s.stepwise.min_height;
            r.maxHeight = s.stepwise.max_height;
            r.stepHeight = s.stepwise.step_height;
            o.sizes.push_back(std::move(r));
            break;
        }
        out.options.push_back(std::move(o));
    }
    v4l2_format fmt{};
    fmt.type = bufType;
    if (const int err = xioctl(fd.get(), VIDIOC_G_FMT, &fmt)) {
        out.error = "VIDIOC_G_FMT on " + node + ": " + errnoMessage(err);
        return out;
    }
    fillFromPix(out.active, fmt);
    v4l2_streamparm parm{};
    parm.type = bufType;
    if (xioctl(fd.get(), VIDIOC_G_PARM, &parm) == 0) {
        const bool output = isOutput(bufType);
        const std::uint32_t caps = output ? parm.parm.output.capability : parm.parm.capture.capability;
        if (caps & V4L2_CAP_TIMEPERFRAME)
            out.active.interval = fraction(output ? parm.parm.output.timeperframe : parm.parm.capture.timeperframe);
    }
    for (const SelectionTarget& t : kSelectionTargets) {
        v4l2_selection sel{};
        sel.type = bufType;
        sel.target = t.target;
        if (xioctl(fd.get(), VIDIOC_G_SELECTION, &sel) == 0)
            out.selections.push_back({t.name, rectOf(sel.r)});
    }
    return out;
}

PinFormats readSubdevPadFormats(const std::string& subdev, std::uint32_t pad)
{
    PinFormats out;
    out.node = subdev;
    out.active.space = FormatSpace::MediaBus;
    Fd fd(::open(subdev.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid()) {
        out.error = "cannot open " + subdev + ": " + errnoMessage(errno);
        return out;
    }
    for (std::uint32_t i = 0; i < 512; ++i) {
        v4l2_subdev_mbus_code_enum c{};
        c.pad = pad;
        c.index = i;
        c.which = V4L2_SUBDEV_FORMAT_ACTIVE;
        if (xioctl(fd.get(), VIDIOC_SUBDEV_ENUM_MBUS_CODE, &c) != 0)
            break;
        FormatOption o;
        o.code = c.code;
        o.flags = c.flags;
        for (std::uint32_t j = 0; j < 1024; ++j) {
            v4l2_subdev_frame_size_enum s{};
            s.pad = pad;
            s.index = j;
            s.code = c.code;
            s.which = V4L2_SUBDEV_FORMAT_ACTIVE;
            if (xioctl(fd.get(), VIDIOC_SUBDEV_ENUM_FRAME_SIZE, &s) != 0)
                break;
            SizeRange r;
            r.minWidth = s.min_width;
            r.maxWidth = s.max_width;
            r.minHeight = s.min_height;
            r.maxHeight = s.max_height;
            r.kind = s.min_width == s.max_width && s.min_height == s.max_height ? RangeKind::Discrete
                                                                                : RangeKind::Continuous;
            if (r.kind == RangeKind::Discrete) {
                for (std::uint32_t k = 0; k < 256; ++k) {
                    v4l2_subdev_frame_interval_enum e{};
                    e.pad = pad;
                    e.index = k;
                    e.code = c.code;
                    e.width = s.min_width;
                    e.height = s.min_height;
                    e.which = V4L2_SUBDEV_FORMAT_ACTIVE;
                    if (xioctl(fd.get(), VIDIOC_SUBDEV_ENUM_FRAME_INTERVAL, &e) != 0)
                        break;
                    IntervalRange iv;
                    iv.min = iv.max = fraction(e.interval);
                    r.intervals.push_back(iv);
                }
            }
            o.sizes.push_back(std::move(r));
        }
        out.options.push_back(std::move(o));
    }
    v4l2_subdev_format fmt{};
    fmt.which = V4L2_SUBDEV_FORMAT_ACTIVE;
    fmt.pad = pad;
    if (const int err = xioctl(fd.get(), VIDIOC_SUBDEV_G_FMT, &fmt)) {
        out.error = "VIDIOC_SUBDEV_G_FMT on " + subdev + " pad " + std::to_string(pad) + ": " + errnoMessage(err);
        return out;
    }
    fillFromMbus(out.active, fmt.format);
    v4l2_subdev_frame_interval fi{};
    fi.pad = pad;
    if (xioctl(fd.get(), VIDIOC_SUBDEV_G_FRAME_INTERVAL, &fi) == 0)
        out.active.interval = fraction(fi.interval);
    for (const SelectionTarget& t : kSelectionTargets) {
        v4l2_subdev_selection sel{};
        sel.which = V4L2_SUBDEV_FORMAT_ACTIVE;
        sel.pad = pad;
        sel.target = t.target;
        if (xioctl(fd.get(), VIDIOC_SUBDEV_G_SELECTION, &sel) == 0)
            out.selections.push_back({t.name, rectOf(sel.r)});
    }
    return out;
}

Status writeVideoNodeFormat(const std::string& node, std::uint32_t bufType, const StreamFormat& wanted, bool dryRun,
                            FormatChange& change)
{
    Fd fd(::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid())
        return failure(errno, "cannot open " + node);
    v4l2_format fmt{};
    fmt.type = bufType;
    if (const int err = xioctl(fd.get(), VIDIOC_G_FMT, &fmt))
        return failure(err, "VIDIOC_G_FMT on " + node);
    if (isMplane(bufType)) {
        v4l2_pix_format_mplane& p = fmt.fmt.pix_mp;
        p.pixelformat = wanted.code;
        p.width = wanted.width;
        p.height = wanted.height;
        p.field = wanted.field;
        p.colorspace = wanted.colorspace;
        p.ycbcr_enc = static_cast<std::uint8_t>(wanted.ycbcrEnc);
        p.quantization = static_cast<std::uint8_t>(wanted.quantization);
        p.xfer_func = static_cast<std::uint8_t>(wanted.xferFunc);
        for (auto& plane : p.plane_fmt) {
            plane.bytesperline = 0;
            plane.sizeimage = 0;
        }
    } else if (bufType == V4L2_BUF_TYPE_VIDEO_CAPTURE || bufType == V4L2_BUF_TYPE_VIDEO_OUTPUT) {
        v4l2_pix_format& p = fmt.fmt.pix;
        p.pixelformat = wanted.code;
        p.width = wanted.width;
        p.height = wanted.height;
        p.field = wanted.field;
        p.colorspace = wanted.colorspace;
        p.ycbcr_enc = wanted.ycbcrEnc;
        p.quantization = wanted.quantization;
        p.xfer_func = wanted.xferFunc;
        p.bytesperline = 0;
        p.sizeimage = 0;
    } else {
        return {E_NOTIMPL, node + ": KsScope sets the formats of video nodes only (this queue is " +
                               std::string(bufTypeName(bufType)) + ")"};
    }
    const char* call = dryRun ? "VIDIOC_TRY_FMT" : "VIDIOC_S_FMT";
    if (const int err = xioctl(fd.get(), dryRun ? VIDIOC_TRY_FMT : VIDIOC_S_FMT, &fmt))
        return {hresultFromErrno(err), writeFailure(err, std::string(call) + " on " + node)};
    change.actual = change.before;
    fillFromPix(change.actual, fmt);
    if (wanted.interval.known() && !dryRun) {
        v4l2_streamparm parm{};
        parm.type = bufType;
        if (isOutput(bufType))
            parm.parm.output.timeperframe = {wanted.interval.numerator, wanted.interval.denominator};
        else
            parm.parm.capture.timeperframe = {wanted.interval.numerator, wanted.interval.denominator};
        if (const int err = xioctl(fd.get(), VIDIOC_S_PARM, &parm))
            return {hresultFromErrno(err), writeFailure(err, "VIDIOC_S_PARM on " + node)};
        change.actual.interval =
            fraction(isOutput(bufType) ? parm.parm.output.timeperframe : parm.parm.capture.timeperframe);
    }
    return Status::ok();
}

Status writeSubdevPadFormat(const std::string& subdev, std::uint32_t pad, const StreamFormat& wanted, bool dryRun,
                            FormatChange& change)
{
    Fd fd(::open(subdev.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid())
        return failure(errno, "cannot open " + subdev);
    v4l2_subdev_format fmt{};
    fmt.which = dryRun ? V4L2_SUBDEV_FORMAT_TRY : V4L2_SUBDEV_FORMAT_ACTIVE;
    fmt.pad = pad;
    fmt.format.code = wanted.code;
    fmt.format.width = wanted.width;
    fmt.format.height = wanted.height;
    fmt.format.field = wanted.field;
    fmt.format.colorspace = wanted.colorspace;
    fmt.format.ycbcr_enc = static_cast<std::uint16_t>(wanted.ycbcrEnc);
    fmt.format.quantization = static_cast<std::uint16_t>(wanted.quantization);
    fmt.format.xfer_func = static_cast<std::uint16_t>(wanted.xferFunc);
    const std::string what = std::string(dryRun ? "VIDIOC_SUBDEV_S_FMT (try)" : "VIDIOC_SUBDEV_S_FMT") + " on " +
                             subdev + " pad " + std::to_string(pad);
    if (const int err = xioctl(fd.get(), VIDIOC_SUBDEV_S_FMT, &fmt))
        return {hresultFromErrno(err), writeFailure(err, what)};
    change.actual = change.before;
    fillFromMbus(change.actual, fmt.format);
    if (wanted.interval.known() && !dryRun && !wanted.interval.sameAs(change.before.interval)) {
        v4l2_subdev_frame_interval fi{};
        fi.pad = pad;
        fi.interval = {wanted.interval.numerator, wanted.interval.denominator};
        if (const int err = xioctl(fd.get(), VIDIOC_SUBDEV_S_FRAME_INTERVAL, &fi))
            return {hresultFromErrno(err), writeFailure(err, "VIDIOC_SUBDEV_S_FRAME_INTERVAL on " + subdev)};
        change.actual.interval = fraction(fi.interval);
    }
    return Status::ok();
}

std::vector<ControlInfo> readControls(const std::string& node, const std::string& filterId, std::string& error)
{
    std::vector<ControlInfo> out;
    Fd fd(::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid()) {
        error = "cannot open " + node + ": " + errnoMessage(errno);
        return out;
    }
    std::map<std::uint32_t, std::string> classes;
    v4l2_query_ext_ctrl q{};
    q.id = V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
    for (int guard = 0; guard < 4096 && xioctl(fd.get(), VIDIOC_QUERY_EXT_CTRL, &q) == 0; ++guard) {
        ControlInfo c;
        c.filterId = filterId;
        c.id = q.id;
        c.name = std::string(q.name, strnlen(q.name, sizeof q.name));
        c.key = controlKey(c.name);
        c.type = controlType(q);
        c.minimum = q.minimum;
        c.maximum = q.maximum;
        c.step = q.step;
        c.defaultValue = q.default_value;
        c.flags = q.flags;
        c.elements = q.elems;
        c.elementSize = q.elem_size;
        for (std::uint32_t d = 0; d < q.nr_of_dims && d < V4L2_CTRL_MAX_DIMS; ++d)
            c.dims.push_back(q.dims[d]);
        if (c.type == ControlType::Class)
            classes[V4L2_CTRL_ID2WHICH(c.id)] = c.name;
        if (c.type == ControlType::Menu || c.type == ControlType::IntegerMenu) {
            for (std::int64_t i = q.minimum; i <= q.maximum && i - q.minimum < 1024; ++i) {
                v4l2_querymenu m{};
                m.id = q.id;
                m.index = static_cast<std::uint32_t>(i);
                if (xioctl(fd.get(), VIDIOC_QUERYMENU, &m) != 0)
                    continue; // drivers skip indices
                c.menu.push_back({i, c.type == ControlType::Menu
                                         ? std::string(reinterpret_cast<const char*>(m.name),
                                                       strnlen(reinterpret_cast<const char*>(m.name), sizeof m.name))
                                         : std::to_string(m.value)});
            }
        }
        if (readable(c))
            if (const int err = readValue(fd.get(), c))
                c.error = "VIDIOC_G_EXT_CTRLS: " + errnoMessage(err);
        out.push_back(std::move(c));
        q.id |= V4L2_CTRL_FLAG_NEXT_CTRL | V4L2_CTRL_FLAG_NEXT_COMPOUND;
    }
    for (ControlInfo& c : out)
        if (const auto it = classes.find(V4L2_CTRL_ID2WHICH(c.id)); it != classes.end())
            c.className = it->second;
    return out;
}

Status writeControl(const std::string& node, const ControlInfo& control, const ControlValue& value,
                    ControlChange& change)
{
    Fd fd(::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid())
        return failure(errno, "cannot open " + node);
    v4l2_ext_control ctl{};
    ctl.id = control.id;
    std::string text = value.text;
    if (control.type == ControlType::String) {
        ctl.size = static_cast<std::uint32_t>(text.size() + 1);
        ctl.string = text.data();
    } else if (control.type == ControlType::Integer64) {
        ctl.value64 = value.number;
    } else {
        ctl.value = static_cast<std::int32_t>(value.number);
    }
    v4l2_ext_controls controls{};
    controls.which = V4L2_CTRL_WHICH_CUR_VAL;
    controls.count = 1;
    controls.controls = &ctl;
    const std::string what = "VIDIOC_S_EXT_CTRLS of control \"" + control.name + "\" (" + control.key + ") on " + node;
    if (const int err = xioctl(fd.get(), VIDIOC_S_EXT_CTRLS, &controls))
        return {hresultFromErrno(err), writeFailure(err, what)};
    change.actual = value;
    if (readable(control)) {
        ControlInfo after = control;
        if (readValue(fd.get(), after) == 0)
            change.actual = after.value;
    }
    return Status::ok();
}

} // namespace ksscope::v4l2
