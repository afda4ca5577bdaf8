// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file model.h
/// The object model a viewer needs: filters (devices) with pins, connections between pins and each
/// pin's allocator, all with stable string ids ("sim:avshws", "sim:avshws/pin0", "sim:avshws/pin0/allocator").

#include "ksscope/allocator.h"
#include "ksscope/ks_types.h"

#include <optional>
#include <string>
#include <vector>

namespace ksscope {

enum class PinDirection : std::uint8_t { Input, Output };
[[nodiscard]] std::string_view pinDirectionName(PinDirection direction); ///< "in" / "out"

/// The media format a pin streams.
struct MediaFormat {
    std::string majorType; ///< "video", "audio" or "data"
    std::string subtype; ///< "YUY2", "RGB24", "PCM", ...
    std::uint32_t width = 0; ///< video
    std::uint32_t height = 0; ///< video
    std::uint32_t bitCount = 0; ///< video bits per pixel
    std::uint32_t sampleRate = 0; ///< audio, Hz
    std::uint32_t channels = 0; ///< audio
    std::uint32_t bitsPerSample = 0; ///< audio
    REFERENCE_TIME avgTimePerFrame = 0; ///< 100 ns units (333667 = 29.97 fps)

    [[nodiscard]] double framesPerSecond() const
    {
        return avgTimePerFrame > 0 ? 1.0e7 / static_cast<double>(avgTimePerFrame) : 0.0;
    }
    /// Bytes of one uncompressed video frame (biSizeImage), 0 when not video.
    [[nodiscard]] std::uint32_t imageSize() const { return width * height * bitCount / 8; }
    /// "YUY2 320x240 29.97 fps" / "PCM 11025 Hz 2 ch 16 bit"
    [[nodiscard]] std::string toString() const;
};

/// An allocator as seen from outside: framing, properties, mode and the current status.
struct AllocatorInfo {
    std::string id;
    KSALLOCATORMODE mode = KsAllocatorMode_User;
    KSSTREAMALLOCATOR_STATUS status; ///< framing + AllocatedFrames at the time of the snapshot
    ALLOCATOR_PROPERTIES properties;
    Guid memoryType;
    bool committed = false;
    double framePeriodSeconds = 0.0; ///< of the producing pin, for starvation detection
    std::vector<std::string> pinIds; ///< the pins that share it (output first)
    std::string readOnlyReason; ///< empty when edits are possible
    /// Why its occupancy is not sampled, when it is not (PipeWire tells no client how many of a link's buffers are in
    /// use): views say so instead of drawing a number; empty when it is sampled.
    std::string unsampledReason = {};

    /// The filter it belongs to: that of its first (producing) pin; empty without pins.
    [[nodiscard]] std::string filterId() const;
};

/// One thing a backend tells of a device or pin beyond the model's own fields, as shown ("media.class" /
/// "Video/Source", "quantum" / "1024/48000"): PipeWire's node properties and profiler times, a port's buffer
/// parameters.
struct Detail {
    std::string name;
    std::string value;
    bool operator==(const Detail&) const = default;
};

/// A duration as details show it: "850.0 µs", "12.34 ms", "1.50 s".
[[nodiscard]] std::string durationDetail(std::int64_t ns);

struct PinInfo {
    std::string id;
    std::string name;
    PinDirection direction = PinDirection::Output;
    Guid category;
    MediaFormat format;
    std::string allocatorId; ///< empty when the pin has no allocator
    std::vector<Detail> details = {}; ///< what its backend tells of it beyond these fields (a PipeWire port's Buffers)
    /// The device node (/dev/video0) this pin is the queue of (a V4L2 video node's "queue" pin), or that it streams
    /// from or to (the "device" pin of a GStreamer v4l2src, of a PipeWire V4L2 node); empty for other pins. Pins of
    /// two layers naming one node are linked (linkLayers).
    std::string deviceNode = {};
    /// The PipeWire stream this pin is the GStreamer end of (the "pipewire" pin of a pipewiresrc or pipewiresink),
    /// as "PID/NAME": the process and the stream's media.name; empty for other pins. A PipeWire node with the same
    /// FilterInfo::pipewireStream is that stream seen from the daemon (linkLayers).
    std::string pipewireStream = {};
};

struct FilterInfo {
    std::string id;
    std::string name;
    std::string backend;
    std::string kind; ///< "capture", "transform", "render", "entity", ...
    std::vector<Guid> categories;
    std::vector<PinInfo> pins;
    std::vector<Detail> details = {}; ///< what its backend tells of it beyond these fields, in the order shown
    /// A PipeWire node's stream as "PID/NAME": the pid of the client that made the node and its media.name; empty for
    /// other filters and for nodes of no known process. Matches a GStreamer element's PinInfo::pipewireStream.
    std::string pipewireStream = {};
};

/// Connection flags (Media Controller link flags use the same bits).
enum ConnectionFlags : std::uint32_t {
    ConnectionEnabled = 0x1,
    ConnectionImmutable = 0x2,
    ConnectionDynamic = 0x4,
    /// Not a link of one graph but between layers: a kernel queue and the userspace element or node that streams
    /// the same device node (linkLayers). Nothing can enable or disable it.
    ConnectionDeviceNode = 0x100,
    /// Between layers too: a PipeWire stream's node and the GStreamer pipewiresrc or pipewiresink that made it
    /// (linkLayers). Nothing can enable or disable it.
    ConnectionPipeWireStream = 0x200,
};

/// The flags of a link between layers, which no graph has and nothing can toggle.
inline constexpr std::uint32_t ConnectionBetweenLayers = ConnectionDeviceNode | ConnectionPipeWireStream;

struct ConnectionInfo {
    std::string from; ///< output pin id
    std::string to; ///< input pin id
    std::uint32_t flags = ConnectionEnabled;
};

struct Topology {
    std::vector<FilterInfo> filters;
    std::vector<ConnectionInfo> connections;
    std::vector<AllocatorInfo> allocators;

    [[nodiscard]] const FilterInfo* findFilter(std::string_view id) const;
    [[nodiscard]] const PinInfo* findPin(std::string_view id) const;
    [[nodiscard]] const AllocatorInfo* findAllocator(std::string_view id) const;
    /// Resolves an allocator id, a pin id, or a filter id with exactly one allocator, to an allocator id;
    /// empty when none of these matches.
    [[nodiscard]] std::string resolveAllocatorId(std::string_view id) const;
    void append(const Topology& other);
    /// The same devices, pins, connections and allocators with the same ids, modes, properties and framing; the
    /// readings (allocated frames, committed) may differ.
    [[nodiscard]] bool sameDevices(const Topology& other) const;
};

/// The pin a userspace element or node that streams a device node shows it by ("device", id FILTER/device):
/// \a direction Input for one that reads from the node (a source: v4l2src, a PipeWire camera node), Output for one
/// that writes to it.
[[nodiscard]] PinInfo deviceNodePin(const std::string& filterId, const std::string& node, PinDirection direction);

/// Links the layers of one machine, as connections no graph has:
/// - every output pin naming a device node (PinInfo::deviceNode) to every input pin of another filter that names the
///   same node - a V4L2 capture queue to the GStreamer v4l2src or PipeWire node reading it, a v4l2sink to an output
///   queue - flagged ConnectionDeviceNode. Paths that name one node (/dev/v4l/by-id/... and /dev/video0) match.
/// - a GStreamer pipewiresrc's or pipewiresink's "pipewire" pin (PinInfo::pipewireStream) to the one PipeWire node of
///   that stream (FilterInfo::pipewireStream), through a "gstreamer" pin added to the node: the node hands a
///   pipewiresrc its buffers, a pipewiresink hands them to its node. Flagged ConnectionPipeWireStream; a stream that
///   two nodes or two elements claim (one process, one name) is not linked.
/// Pins and connections already present (a replayed session's) are not added twice.
void linkLayers(Topology& topology);

} // namespace ksscope
