// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file scenario.h
/// Scenarios for the simulated devices: filters, pins, framing, formats, consumer timing and faults,
/// read from JSON with errors that name file:line, the offending field and what is allowed.

#include "ksscope/controls.h"
#include "ksscope/hresult.h"
#include "ksscope/model.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ksscope {

inline constexpr int kScenarioFormatVersion = 1;

/// How long a consumer holds each frame: cost + uniform(0, jitter); plus spikeMs with probability
/// spikeProbability (random hiccups); plus stallMs once every stallEveryMs (a periodic pause, such as a
/// disk flush).
struct ConsumerSpec {
    double costMs = 0.0;
    double jitterMs = 0.0;
    double spikeMs = 0.0;
    double spikeProbability = 0.0;
    double stallMs = 0.0;
    double stallEveryMs = 0.0;
};

struct FramingSpec {
    ULONG frames = 2;
    ULONG frameSize = 0; ///< 0: the format's image size
    ULONG alignment = 1; ///< bytes (a power of two)
    ULONG prefix = 0;
    ULONG flags = 0; ///< KSALLOCATOR_REQUIREMENTF_*
    ULONG poolType = kNonPagedPool;
    Guid memoryType = guids::KSMEMORY_TYPE_KERNEL_NONPAGED;
    KSALLOCATORMODE mode = KsAllocatorMode_Kernel;
};

/// A format a pin accepts (a KSDATARANGE): a subtype with sizes and frame rates from..to.
struct DataRangeSpec {
    std::string subtype;
    std::uint32_t minWidth = 0;
    std::uint32_t maxWidth = 0;
    std::uint32_t minHeight = 0;
    std::uint32_t maxHeight = 0;
    double minFps = 0.0; ///< 0: any
    double maxFps = 0.0; ///< 0: any
    int line = 0;
};

/// A control of a simulated filter: a value the filter keeps (int, bool, menu) or a button whose action runs on
/// the simulated pipeline.
struct ControlSpec {
    std::string name;
    ControlType type = ControlType::Integer;
    std::int64_t minimum = 0;
    std::int64_t maximum = 0;
    std::int64_t step = 1;
    std::int64_t defaultValue = 0;
    std::vector<std::string> menu;
    std::string action; ///< buttons: "consumer-stall"
    std::string target; ///< buttons: the pin ("filter/pin") the action applies to
    double durationMs = 0.0; ///< consumer-stall: how long
    int line = 0;
};

struct PinSpec {
    std::string id;
    std::string name;
    PinDirection direction = PinDirection::Output;
    Guid category;
    MediaFormat format;
    FramingSpec framing; ///< output pins
    double fillMs = 1.0; ///< output pins: time the producer holds a frame while filling it
    std::optional<ConsumerSpec> consumer; ///< input pins, and output pins with no connection (the application)
    std::vector<DataRangeSpec> dataRanges; ///< the formats the pin accepts; empty: only its format
    int line = 0;
};

struct FilterSpec {
    std::string id;
    std::string name;
    std::string kind; ///< capture | transform | render
    std::vector<Guid> categories;
    std::vector<PinSpec> pins;
    std::vector<ControlSpec> controls;
    int line = 0;
};

struct ConnectionSpec {
    std::string from; ///< "filter/pin", an output pin
    std::string to; ///< "filter/pin", an input pin
    int line = 0;
};

struct FaultSpec {
    enum class Kind : std::uint8_t { ConsumerStall, DeviceRemoval, DeviceArrival, AllocatorFailure };
    Kind kind = Kind::ConsumerStall;
    double atSeconds = 0.0;
    double durationSeconds = 0.0; ///< consumer-stall
    std::string target; ///< pin ("filter/pin") or filter id
    HRESULT hr = E_FAIL; ///< allocator-failure
    int line = 0;
};

struct Scenario {
    std::string name;
    std::string description;
    std::string source; ///< file path, or "<embedded default>"
    std::uint32_t seed = 1;
    std::vector<FilterSpec> filters;
    std::vector<ConnectionSpec> connections;
    std::vector<FaultSpec> faults;

    [[nodiscard]] const FilterSpec* findFilter(std::string_view id) const;
    [[nodiscard]] const PinSpec* findPin(std::string_view filterSlashPin) const;
};

struct ScenarioError {
    std::string file;
    int line = 0; ///< 0 when unknown (file unreadable)
    std::string field; ///< "filters[0].pins[0].framing.frames"
    std::string message;
    bool unreadable = false; ///< the file could not be opened or read (its content was not looked at)
    /// "file:line: field: message"
    [[nodiscard]] std::string toString() const;
};

using ScenarioResult = std::variant<Scenario, ScenarioError>;

/// Reads and validates a scenario file.
[[nodiscard]] ScenarioResult loadScenarioFile(const std::string& path);
/// Validates scenario JSON text; \a source names it in errors.
[[nodiscard]] ScenarioResult parseScenario(std::string_view text, const std::string& source);
/// The embedded default scenario (resources/scenarios/default.json), as JSON text.
[[nodiscard]] std::string_view defaultScenarioText();

} // namespace ksscope
