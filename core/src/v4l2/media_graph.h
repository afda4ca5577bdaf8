// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Media Controller graphs and V4L2 queue states, mapped to the KsScope model. Platform-neutral: the
// Linux backend fills these structures from ioctls; the mapping is unit-tested anywhere.

#include "ksscope/allocator.h"
#include "ksscope/formats.h"
#include "ksscope/model.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ksscope::v4l2 {

// Media Controller values (linux/media.h), kept here so this file builds on any platform.
inline constexpr std::uint32_t kPadFlagSink = 0x1;
inline constexpr std::uint32_t kPadFlagSource = 0x2;
inline constexpr std::uint32_t kLinkFlagEnabled = 0x1;
inline constexpr std::uint32_t kLinkFlagImmutable = 0x2;
inline constexpr std::uint32_t kLinkFlagDynamic = 0x4;
inline constexpr std::uint32_t kLinkTypeMask = 0xf0000000;
inline constexpr std::uint32_t kLinkTypeData = 0x00000000;
inline constexpr std::uint32_t kLinkTypeInterface = 0x10000000;
inline constexpr std::uint32_t kLinkTypeAncillary = 0x20000000;
inline constexpr std::uint32_t kIntfTypeV4lVideo = 0x00000200;
inline constexpr std::uint32_t kIntfTypeV4lSubdev = 0x00000203;

struct MediaDeviceInfo {
    std::string path; ///< /dev/mediaN (changes between boots: never part of an id)
    std::string driver;
    std::string model;
    std::string serial;
    std::string busInfo;
    std::uint32_t mediaVersion = 0;
};

struct MediaEntity {
    std::uint32_t id = 0;
    std::string name;
    std::uint32_t function = 0;
    std::uint32_t flags = 0;
};

struct MediaPad {
    std::uint32_t id = 0;
    std::uint32_t entityId = 0;
    std::uint32_t flags = 0;
    std::uint32_t index = 0;
};

struct MediaLink {
    std::uint32_t id = 0;
    std::uint32_t sourceId = 0; ///< pad id (data links) or interface id (interface links)
    std::uint32_t sinkId = 0; ///< pad id (data links) or entity id (interface links)
    std::uint32_t flags = 0;
    [[nodiscard]] std::uint32_t type() const { return flags & kLinkTypeMask; }
};

struct MediaInterface {
    std::uint32_t id = 0;
    std::uint32_t type = 0;
    std::uint32_t major = 0;
    std::uint32_t minor = 0;
    std::string devnode; ///< /dev/videoN, resolved from major:minor
};

struct MediaGraph {
    MediaDeviceInfo info;
    std::vector<MediaEntity> entities;
    std::vector<MediaPad> pads;
    std::vector<MediaLink> links;
    std::vector<MediaInterface> interfaces;

    [[nodiscard]] const MediaEntity* entity(std::uint32_t id) const;
    [[nodiscard]] const MediaPad* pad(std::uint32_t id) const;
    [[nodiscard]] const MediaInterface* interface(std::uint32_t id) const;
    /// The video node (/dev/videoN) tied to an entity by an interface link, or "".
    [[nodiscard]] std::string videoNodeOf(std::uint32_t entityId) const;
    /// The subdevice node (/dev/v4l-subdevN) of an entity, or "".
    [[nodiscard]] std::string subdevNodeOf(std::uint32_t entityId) const;
};

/// The format on one pad: a media bus code (0 for a video node's pad) and a size.
struct PadFormat {
    bool known = false;
    std::uint32_t code = 0;
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    [[nodiscard]] std::string toString() const; ///< "SRGGB8_1X8 640x480"
};
using PadFormatLookup = std::function<PadFormat(const MediaEntity&, const MediaPad&)>;

/// Walks the pipeline that \a entityId belongs to (entities joined by enabled data links) and describes the
/// first link whose two ends disagree in size or media bus code, e.g.
/// `link "Sensor A":0 [RGB888_1X24 640x480] -> "Debayer A":0 [SRGGB8_1X8 640x480]`; "" when none does.
[[nodiscard]] std::string findFormatMismatch(const MediaGraph& graph, std::uint32_t entityId,
                                             const PadFormatLookup& formatOf);

/// Replaces characters that do not belong in an id part ("RGB/YUV Capture" -> "RGB_YUV_Capture").
[[nodiscard]] std::string sanitizeIdPart(std::string_view text);
/// "v4l2:vimc.platform_vimc": driver and bus info identify the device, never the node number.
[[nodiscard]] std::string deviceId(std::string_view driver, std::string_view busInfo);
/// Short name of an entity function ("sensor", "scaler", "video-node", ...).
[[nodiscard]] std::string entityFunctionName(std::uint32_t function);

/// Ids assigned to one media graph.
struct GraphIds {
    static std::string filter(const MediaGraph& graph, const MediaEntity& entity);
    static std::string pin(const MediaGraph& graph, const MediaEntity& entity, const MediaPad& pad);
    /// The allocator of the video node tied to \a entity.
    static std::string allocator(const MediaGraph& graph, const MediaEntity& entity);
};

/// Entities as filters (backend "v4l2"), pads as pins (sink = input, source = output), data links as
/// connections with their flags. Entities tied to a video node get an allocator id on their pads (a
/// padless video entity gets one pin, "queue"). Allocators are not filled in: the backend adds them.
/// Pads get their format from \a formatOf when given.
[[nodiscard]] Topology graphToTopology(const MediaGraph& graph, const PadFormatLookup& formatOf = {});

// ---- V4L2 queue state, as seen through VIDIOC_QUERYBUF ------------------------------------------

inline constexpr std::uint32_t kBufFlagMapped = 0x00000001;
inline constexpr std::uint32_t kBufFlagQueued = 0x00000002;
inline constexpr std::uint32_t kBufFlagDone = 0x00000004;
inline constexpr std::uint32_t kBufFlagError = 0x00000040;
inline constexpr std::uint32_t kMemoryMmap = 1;
inline constexpr std::uint32_t kMemoryUserPtr = 2;
inline constexpr std::uint32_t kMemoryDmaBuf = 4;

struct BufferQuery {
    std::uint32_t flags = 0;
    std::uint32_t memory = 0;
    std::uint32_t length = 0;
    std::uint32_t sequence = 0;
};

/// A queue summarised as a KS allocator status.
struct QueueStatus {
    std::uint32_t frames = 0; ///< buffers in the queue
    std::uint32_t frameSize = 0; ///< buffer length
    std::uint32_t queued = 0; ///< waiting in the driver to be filled
    std::uint32_t done = 0; ///< filled, not yet dequeued
    std::uint32_t held = 0; ///< dequeued and held by the application
    bool active = false; ///< some buffer is queued or done: the queue streams
    KSALLOCATORMODE mode = KsAllocatorMode_Kernel;
    std::uint32_t memory = 0;
    std::vector<BufferState> states;
    /// AllocatedFrames: frames the producer cannot fill now (filled and waiting plus held). An idle
    /// queue (nothing queued or done) holds no frames.
    [[nodiscard]] std::uint32_t allocatedFrames() const { return active ? done + held : 0; }
    /// As KSSTREAMALLOCATOR_STATUS: Frames, FrameSize (nonpaged, byte alignment) and AllocatedFrames.
    [[nodiscard]] KSSTREAMALLOCATOR_STATUS status() const;
};

/// KS mode of a V4L2 memory type: MMAP is kernel mode; USERPTR and DMABUF are user mode.
[[nodiscard]] KSALLOCATORMODE modeOfMemory(std::uint32_t memory);
[[nodiscard]] std::string_view memoryName(std::uint32_t memory); ///< "mmap", "userptr", "dmabuf"

[[nodiscard]] QueueStatus summarizeQueue(const std::vector<BufferQuery>& buffers);

/// Counts frames lost from the sequence numbers of dequeued buffers, in order. Exact for a queue KsScope
/// owns (it sees every buffer); a passive watcher misses buffers and cannot use it.
class SequenceTracker {
public:
    /// Feeds the sequence of the next dequeued buffer; returns the frames newly found missing.
    std::uint64_t feed(std::uint32_t sequence);
    [[nodiscard]] std::uint64_t dropped() const { return m_dropped; }

private:
    bool m_started = false;
    std::uint32_t m_last = 0;
    std::uint64_t m_dropped = 0;
};

} // namespace ksscope::v4l2
