// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file pipewire_params.h
/// PipeWire's parameters as KsScope reads them, apart from the daemon: a port's SPA_PARAM_Buffers (each field's
/// default and range, as pw-dump shows them), the buffers two linked ports negotiate (the daemon's own rule, with
/// libspa's own filter and fixation), a port's SPA_PARAM_Format as a media format, and the profiler's blocks as
/// pw-top reads them. Unit-tested with pods the test builds.

#include "ksscope/model.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct spa_pod;

namespace ksscope::pipewire {

/// One integer field of a parameter: its value, or its default and the range or list it may take.
struct IntChoice {
    bool present = false;
    enum class Kind : std::uint8_t { Fixed, Range, Step, Enum, Flags } kind = Kind::Fixed;
    std::int64_t value = 0; ///< the value, or the default of a choice
    std::int64_t min = 0; ///< range, step: the bounds (fixed: the value)
    std::int64_t max = 0;
    std::vector<std::int64_t> alternatives; ///< enum, flags
    /// "8", "8 (8 to 2147483647)", "8 (one of 2, 4, 8)".
    [[nodiscard]] std::string toString() const;
};

/// A port's SPA_PARAM_Buffers object, field by field.
struct BuffersParam {
    IntChoice buffers;
    IntChoice blocks;
    IntChoice size;
    IntChoice stride;
    IntChoice align;
    IntChoice dataType;
};

/// Reads a SPA_PARAM_Buffers object; nullopt when \a pod is not one.
[[nodiscard]] std::optional<BuffersParam> readBuffersParam(const spa_pod* pod);

/// The buffers of a link as the daemon allocates them (pw_buffers_negotiate): one port's Buffers params filtered by
/// the other's - the input's first when the output node can drive the graph (node.driver), the output's first
/// otherwise, so that the first one's defaults win - the first that agrees fixated to its defaults, its count limited
/// to link.max-buffers; the minimum size, stride and alignment of the data blocks.
struct Negotiated {
    bool agreed = false; ///< false: the two ports' params do not agree, or a port has none yet
    std::uint32_t buffers = 0;
    std::uint32_t blocks = 0;
    std::uint32_t size = 0; ///< bytes of each data block (0: as the producer fills it)
    std::int32_t stride = 0;
    std::uint32_t align = 0;
    std::string reason; ///< when not agreed: why
};
/// \a output and \a input are each port's SPA_PARAM_Buffers pods in the order the port lists them; \a outputDrives
/// whether the output port's node is a driver; \a maxBuffers the daemon's link.max-buffers; \a maxAlign its
/// cpu.max-align.
[[nodiscard]] Negotiated negotiateBuffers(const std::vector<std::vector<std::uint8_t>>& output,
                                          const std::vector<std::vector<std::uint8_t>>& input, bool outputDrives,
                                          std::uint32_t maxBuffers, std::uint32_t maxAlign);

/// A port's SPA_PARAM_Format as a media format (video raw: format, size, rate; audio raw: format, rate, channels;
/// other media: their type and subtype); nullopt when \a pod is not a format.
[[nodiscard]] std::optional<MediaFormat> readFormat(const spa_pod* pod);

/// One node's block of a profiler record: a graph cycle as the node saw it.
struct ProfilerBlock {
    std::int32_t id = -1;
    std::string name;
    std::int64_t prevSignal_ns = 0;
    std::int64_t signal_ns = 0;
    std::int64_t awake_ns = 0;
    std::int64_t finish_ns = 0;
    std::int32_t status = 0; ///< 3: finished in time; anything else is a cycle pw-top counts as an error
    std::uint32_t latencyNum = 0;
    std::uint32_t latencyDenom = 0;
};
/// One graph cycle of one driver, as the profiler reports it.
struct ProfilerPoint {
    std::int64_t counter = 0; ///< the driver's cycle count
    float cpuLoad[3] = {0, 0, 0};
    std::int32_t xruns = 0; ///< the driver's xrun count
    std::int64_t clockDuration = 0; ///< the quantum, in samples of the clock's rate
    std::uint32_t rateNum = 0; ///< the clock's rate (1/48000)
    std::uint32_t rateDenom = 0;
    std::string clockName;
    std::optional<ProfilerBlock> driver;
    std::vector<ProfilerBlock> followers;
};
/// The records of one profiler event (a Struct of Profiler objects); malformed records are left out.
[[nodiscard]] std::vector<ProfilerPoint> readProfile(const spa_pod* pod);

} // namespace ksscope::pipewire
