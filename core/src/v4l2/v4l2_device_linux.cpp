// SPDX-License-Identifier: GPL-3.0-or-later
#include "v4l2_device_linux.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <linux/media.h>
#include <linux/v4l2-subdev.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace ksscope::v4l2 {

Fd& Fd::operator=(Fd&& other) noexcept
{
    if (this != &other) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = other.release();
    }
    return *this;
}

Fd::~Fd()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

int xioctl(int fd, unsigned long request, void* arg)
{
    for (;;) {
        if (::ioctl(fd, request, arg) == 0)
            return 0;
        if (errno != EINTR)
            return errno;
    }
}

std::vector<std::string> listNodes(const char* prefix)
{
    std::vector<std::string> out;
    DIR* dir = ::opendir("/dev");
    if (!dir)
        return out;
    const std::size_t n = std::strlen(prefix);
    // NOLINTNEXTLINE(concurrency-mt-unsafe): readdir is safe on a DIR stream that no other thread uses
    while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name.compare(0, n, prefix) == 0 && name.size() > n &&
            std::all_of(name.begin() + static_cast<std::ptrdiff_t>(n), name.end(),
                        [](char c) { return c >= '0' && c <= '9'; }))
            out.push_back("/dev/" + name);
    }
    ::closedir(dir);
    // numeric order: /dev/video2 before /dev/video10
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    });
    return out;
}

std::string devnodeOf(std::uint32_t major, std::uint32_t minor)
{
    std::ifstream uevent("/sys/dev/char/" + std::to_string(major) + ":" + std::to_string(minor) + "/uevent");
    std::string line;
    while (std::getline(uevent, line))
        if (line.rfind("DEVNAME=", 0) == 0)
            return "/dev/" + line.substr(8);
    // no sysfs entry: look for a node with that number
    for (const char* prefix : {"video", "v4l-subdev", "vbi", "radio", "swradio", "v4l-touch"}) {
        for (const std::string& path : listNodes(prefix)) {
            struct stat st { };
            if (::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && ::major(st.st_rdev) == major &&
                ::minor(st.st_rdev) == minor)
                return path;
        }
    }
    return {};
}

namespace {
std::string fixedString(const char* text, std::size_t size)
{
    return std::string(text, ::strnlen(text, size));
}
std::string fixedString(const unsigned char* text, std::size_t size)
{
    return fixedString(reinterpret_cast<const char*>(text), size);
}
} // namespace

// NOLINTNEXTLINE(performance-unnecessary-value-param): callers pass graph.info.path, which graph = {} clears
int readMediaGraph(std::string path, MediaGraph& graph)
{
    Fd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid())
        fd = Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return errno;
    media_device_info info{};
    if (int err = xioctl(fd.get(), MEDIA_IOC_DEVICE_INFO, &info))
        return err;
    graph = MediaGraph{};
    graph.info.path = path;
    graph.info.driver = fixedString(info.driver, sizeof info.driver);
    graph.info.model = fixedString(info.model, sizeof info.model);
    graph.info.serial = fixedString(info.serial, sizeof info.serial);
    graph.info.busInfo = fixedString(info.bus_info, sizeof info.bus_info);
    graph.info.mediaVersion = info.media_version;

    // the topology can change between the two calls: retry until the version is stable
    for (int attempt = 0; attempt < 5; ++attempt) {
        media_v2_topology topo{};
        if (int err = xioctl(fd.get(), MEDIA_IOC_G_TOPOLOGY, &topo))
            return err;
        std::vector<media_v2_entity> entities(topo.num_entities);
        std::vector<media_v2_interface> interfaces(topo.num_interfaces);
        std::vector<media_v2_pad> pads(topo.num_pads);
        std::vector<media_v2_link> links(topo.num_links);
        const auto version = topo.topology_version;
        topo.ptr_entities = reinterpret_cast<std::uintptr_t>(entities.data());
        topo.ptr_interfaces = reinterpret_cast<std::uintptr_t>(interfaces.data());
        topo.ptr_pads = reinterpret_cast<std::uintptr_t>(pads.data());
        topo.ptr_links = reinterpret_cast<std::uintptr_t>(links.data());
        if (int err = xioctl(fd.get(), MEDIA_IOC_G_TOPOLOGY, &topo))
            return err;
        if (topo.topology_version != version || topo.num_entities > entities.size() ||
            topo.num_interfaces > interfaces.size() || topo.num_pads > pads.size() || topo.num_links > links.size())
            continue;
        graph.entities.clear();
        graph.interfaces.clear();
        graph.pads.clear();
        graph.links.clear();
        const bool padIndex = MEDIA_V2_PAD_HAS_INDEX(info.media_version);
        for (std::uint32_t i = 0; i < topo.num_entities; ++i)
            graph.entities.push_back({entities[i].id, fixedString(entities[i].name, sizeof entities[i].name),
                                      entities[i].function, entities[i].flags});
        std::vector<std::uint32_t> nextIndex; // per entity, when the kernel has no pad index
        for (std::uint32_t i = 0; i < topo.num_pads; ++i) {
            std::uint32_t index = pads[i].index;
            if (!padIndex) {
                index = 0;
                for (std::uint32_t j = 0; j < i; ++j)
                    index += pads[j].entity_id == pads[i].entity_id;
            }
            graph.pads.push_back({pads[i].id, pads[i].entity_id, pads[i].flags, index});
        }
        for (std::uint32_t i = 0; i < topo.num_links; ++i)
            graph.links.push_back({links[i].id, links[i].source_id, links[i].sink_id, links[i].flags});
        for (std::uint32_t i = 0; i < topo.num_interfaces; ++i) {
            MediaInterface intf;
            intf.id = interfaces[i].id;
            intf.type = interfaces[i].intf_type;
            intf.major = interfaces[i].devnode.major;
            intf.minor = interfaces[i].devnode.minor;
            intf.devnode = devnodeOf(intf.major, intf.minor);
            graph.interfaces.push_back(std::move(intf));
        }
        return 0;
    }
    return EAGAIN;
}

int queryVideoCaps(const std::string& path, VideoCaps& caps)
{
    Fd fd(::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid())
        return errno;
    v4l2_capability cap{};
    if (int err = xioctl(fd.get(), VIDIOC_QUERYCAP, &cap))
        return err;
    caps.driver = fixedString(cap.driver, sizeof cap.driver);
    caps.card = fixedString(cap.card, sizeof cap.card);
    caps.busInfo = fixedString(cap.bus_info, sizeof cap.bus_info);
    caps.deviceCaps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
    const std::uint32_t c = caps.deviceCaps;
    caps.bufType = (c & V4L2_CAP_VIDEO_CAPTURE)          ? V4L2_BUF_TYPE_VIDEO_CAPTURE
                   : (c & V4L2_CAP_VIDEO_CAPTURE_MPLANE) ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE
                   : (c & V4L2_CAP_VIDEO_OUTPUT)         ? V4L2_BUF_TYPE_VIDEO_OUTPUT
                   : (c & V4L2_CAP_VIDEO_OUTPUT_MPLANE)  ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE
                   : (c & V4L2_CAP_META_CAPTURE)         ? V4L2_BUF_TYPE_META_CAPTURE
                   : (c & V4L2_CAP_META_OUTPUT)          ? V4L2_BUF_TYPE_META_OUTPUT
                   : (c & V4L2_CAP_VBI_CAPTURE)          ? V4L2_BUF_TYPE_VBI_CAPTURE
                   : (c & V4L2_CAP_VBI_OUTPUT)           ? V4L2_BUF_TYPE_VBI_OUTPUT
                   : (c & V4L2_CAP_SDR_CAPTURE)          ? V4L2_BUF_TYPE_SDR_CAPTURE
                                                         : 0;
    struct stat st { };
    if (::fstat(fd.get(), &st) == 0) {
        caps.major = ::major(st.st_rdev);
        caps.minor = ::minor(st.st_rdev);
    }
    return 0;
}

std::string_view bufTypeName(std::uint32_t type)
{
    switch (type) {
    case V4L2_BUF_TYPE_VIDEO_CAPTURE:
        return "video-capture";
    case V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE:
        return "video-capture-mplane";
    case V4L2_BUF_TYPE_VIDEO_OUTPUT:
        return "video-output";
    case V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE:
        return "video-output-mplane";
    case V4L2_BUF_TYPE_META_CAPTURE:
        return "meta-capture";
    case V4L2_BUF_TYPE_META_OUTPUT:
        return "meta-output";
    case V4L2_BUF_TYPE_VBI_CAPTURE:
        return "vbi-capture";
    case V4L2_BUF_TYPE_VBI_OUTPUT:
        return "vbi-output";
    case V4L2_BUF_TYPE_SDR_CAPTURE:
        return "sdr-capture";
    default:
        return "none";
    }
}

namespace {
bool isMplane(std::uint32_t type)
{
    return type == V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE || type == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
}

int queryOne(int fd, std::uint32_t type, std::uint32_t index, BufferQuery& out)
{
    v4l2_buffer buf{};
    v4l2_plane planes[VIDEO_MAX_PLANES]{};
    buf.type = type;
    buf.index = index;
    if (isMplane(type)) {
        buf.m.planes = planes;
        buf.length = VIDEO_MAX_PLANES;
    }
    if (int err = xioctl(fd, VIDIOC_QUERYBUF, &buf))
        return err;
    out.flags = buf.flags;
    out.memory = buf.memory;
    out.sequence = buf.sequence;
    if (isMplane(type)) {
        out.length = 0;
        for (std::uint32_t p = 0; p < buf.length && p < VIDEO_MAX_PLANES; ++p)
            out.length += planes[p].length;
    } else {
        out.length = buf.length;
    }
    return 0;
}
} // namespace

int queryBuffers(int fd, std::uint32_t bufType, std::vector<BufferQuery>& out, std::uint32_t& count)
{
    out.clear();
    // the count changes only with REQBUFS/CREATE_BUFS: check the hint's edges, recount when it moved
    BufferQuery probe;
    const bool hintHolds =
        (count == 0 || queryOne(fd, bufType, count - 1, probe) == 0) && queryOne(fd, bufType, count, probe) == EINVAL;
    if (!hintHolds) {
        count = 0;
        while (count < VIDEO_MAX_FRAME * 4) {
            const int err = queryOne(fd, bufType, count, probe);
            if (err == EINVAL)
                break;
            if (err)
                return err;
            ++count;
        }
    }
    out.resize(count);
    for (std::uint32_t i = 0; i < count; ++i) {
        const int err = queryOne(fd, bufType, i, out[i]);
        if (err == EINVAL) { // buffers freed meanwhile
            out.resize(i);
            count = i;
            break;
        }
        if (err)
            return err;
    }
    return 0;
}

MediaFormat queryFormat(int fd, std::uint32_t bufType)
{
    MediaFormat f;
    v4l2_format fmt{};
    fmt.type = bufType;
    if (xioctl(fd, VIDIOC_G_FMT, &fmt) != 0)
        return f;
    auto fourcc = [](std::uint32_t v) {
        std::string s;
        for (int i = 0; i < 4; ++i) {
            const char c = static_cast<char>((v >> (8 * i)) & 0xff);
            if (c != ' ' && c != 0)
                s += c;
        }
        return s;
    };
    if (bufType == V4L2_BUF_TYPE_VIDEO_CAPTURE || bufType == V4L2_BUF_TYPE_VIDEO_OUTPUT) {
        f.majorType = "video";
        f.subtype = fourcc(fmt.fmt.pix.pixelformat);
        f.width = fmt.fmt.pix.width;
        f.height = fmt.fmt.pix.height;
        f.bitCount = fmt.fmt.pix.width ? fmt.fmt.pix.bytesperline * 8 / fmt.fmt.pix.width : 0;
    } else if (isMplane(bufType)) {
        f.majorType = "video";
        f.subtype = fourcc(fmt.fmt.pix_mp.pixelformat);
        f.width = fmt.fmt.pix_mp.width;
        f.height = fmt.fmt.pix_mp.height;
    } else if (bufType == V4L2_BUF_TYPE_META_CAPTURE || bufType == V4L2_BUF_TYPE_META_OUTPUT) {
        f.majorType = "data";
        f.subtype = fourcc(fmt.fmt.meta.dataformat);
    }
    v4l2_streamparm parm{};
    parm.type = bufType;
    if (xioctl(fd, VIDIOC_G_PARM, &parm) == 0) {
        const v4l2_fract tpf = (bufType == V4L2_BUF_TYPE_VIDEO_OUTPUT || bufType == V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE)
                                   ? parm.parm.output.timeperframe
                                   : parm.parm.capture.timeperframe;
        if (tpf.denominator > 0)
            f.avgTimePerFrame = static_cast<REFERENCE_TIME>(10'000'000ULL * tpf.numerator / tpf.denominator);
    }
    return f;
}

PadFormat padFormat(const MediaGraph& graph, const MediaEntity& entity, const MediaPad& pad)
{
    PadFormat out;
    if (const std::string subdev = graph.subdevNodeOf(entity.id); !subdev.empty()) {
        Fd fd(::open(subdev.c_str(), O_RDWR | O_CLOEXEC));
        if (!fd.valid())
            return out;
        v4l2_subdev_format fmt{};
        fmt.which = V4L2_SUBDEV_FORMAT_ACTIVE;
        fmt.pad = pad.index;
        if (xioctl(fd.get(), VIDIOC_SUBDEV_G_FMT, &fmt) == 0)
            out = {true, fmt.format.code, fmt.format.width, fmt.format.height};
        return out;
    }
    if (const std::string node = graph.videoNodeOf(entity.id); !node.empty()) {
        VideoCaps caps;
        if (queryVideoCaps(node, caps) != 0)
            return out;
        Fd fd(::open(node.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
        const MediaFormat f = fd.valid() ? queryFormat(fd.get(), caps.bufType) : MediaFormat{};
        if (f.width)
            out = {true, 0, f.width, f.height};
    }
    return out;
}

int setupLink(const std::string& mediaPath, const MediaPad& source, std::uint32_t sourceEntity, const MediaPad& sink,
              std::uint32_t sinkEntity, std::uint32_t flags)
{
    Fd fd(::open(mediaPath.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid())
        return errno;
    media_link_desc desc{};
    desc.source.entity = sourceEntity;
    desc.source.index = static_cast<std::uint16_t>(source.index);
    desc.source.flags = MEDIA_PAD_FL_SOURCE;
    desc.sink.entity = sinkEntity;
    desc.sink.index = static_cast<std::uint16_t>(sink.index);
    desc.sink.flags = MEDIA_PAD_FL_SINK;
    desc.flags = flags;
    return xioctl(fd.get(), MEDIA_IOC_SETUP_LINK, &desc);
}

} // namespace ksscope::v4l2
