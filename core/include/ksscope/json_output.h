// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file json_output.h
/// The stable JSON documents of `ksscope-cli list --json` and `status --json` (docs/JSON.md).

#include "ksscope/controls.h"
#include "ksscope/doctor.h"
#include "ksscope/frames.h"
#include "ksscope/model.h"
#include "ksscope/samples.h"

#include <nlohmann/json.hpp>

namespace ksscope {

inline constexpr int kJsonSchemaVersion = 1;

/// {"buffers","bufferSize","align","prefix"}: allocator properties (also the edits of a recording)
[[nodiscard]] nlohmann::json propertiesToJson(const ALLOCATOR_PROPERTIES& properties);
/// {"mode":"user"|"kernel"}: an allocator mode edit of a recording
[[nodiscard]] nlohmann::json modeToJson(KSALLOCATORMODE mode);
/// {"id","mode","framing":{...},"allocatedFrames","properties":{...}, ...}
[[nodiscard]] nlohmann::json allocatorToJson(const AllocatorInfo& allocator);
/// {"filters":[...],"connections":[...]}
[[nodiscard]] nlohmann::json topologyToJson(const Topology& topology);
/// Reads a topology document (as topologyToJson writes it) back; the Status names the first field that is
/// missing or of the wrong type (E_INVALIDARG), and \a out is then empty.
[[nodiscard]] Status topologyFromJson(const nlohmann::json& document, Topology& out);
/// {"type":"sample","t","id","frames","frameSize","allocatedFrames"}
[[nodiscard]] nlohmann::json sampleToJson(const std::string& id, const SampleRecord& record);
/// {"id","samples","minAllocated","meanAllocated","maxAllocated","frames","starvationCount","starvedMs",
/// "drops","delivered","framesPerSecond","gone"}
[[nodiscard]] nlohmann::json allocatorStatsToJson(const std::string& id, const AllocatorStats& stats);
/// {"count", "minNs", "p50Ns", "p90Ns", "p99Ns", "maxNs", "meanNs"}, or null when it holds nothing.
[[nodiscard]] nlohmann::json durationsToJson(const DurationHistogram& durations);
/// {"frames", "dropped", "errors", "interval", "driverLatency", "deliveryLatency", "hold"} (durationsToJson each).
[[nodiscard]] nlohmann::json frameStatsToJson(const FrameStats& stats);
/// {"type":"event","t","id","kind","message"}
[[nodiscard]] nlohmann::json eventToJson(const MonitorEvent& event);

/// {"space","code","codeName","width","height","field","colorspace","xfer","ycbcr","quantization","interval",
/// "bytesPerLine","sizeImage","text"}: names as media-ctl prints them; "text" is the whole format in its notation
[[nodiscard]] nlohmann::json streamFormatToJson(const StreamFormat& format);
/// {"pin","node","driver","active":{...},"formats":[{"code","codeName","description","flags","sizes":[...]}],
/// "selections":[...],"readOnlyReason","error"}
[[nodiscard]] nlohmann::json pinFormatsToJson(const PinFormats& pin);
/// {"filter","id","key","name","class","type","minimum","maximum","step","default","flags":[...],"menu":[...],
/// "value","valueText","error"}
[[nodiscard]] nlohmann::json controlToJson(const ControlInfo& control);
/// {"severity","link","from","to","attribute","source","sink","message","fixes":[{"pin","format","summary"}]}
[[nodiscard]] nlohmann::json findingToJson(const Finding& finding);

} // namespace ksscope
