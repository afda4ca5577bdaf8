// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file device_id.h
/// Device ids, the one place that knows their form. An id is "BACKEND:PATH":
/// - BACKEND is the name of the backend that owns the device. A backend that relays the devices of another
///   machine carries the address after '@' ("agent@10.0.0.2:9464", "agent@[::1]:9464"), and its PATH is the
///   remote id ("agent@10.0.0.2:9464:sim:avshws/pin0/allocator").
/// - PATH is the backend's own, with '/' between a device and what it holds: a pin id is its filter's id, '/',
///   and the pin's part ("sim:avshws/pin0"); an allocator id ends in "/allocator" ("sim:avshws/pin0/allocator").

#include "ksscope/model.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope {

class DeviceId {
public:
    /// Splits \a text into backend and path; nullopt when it has no "BACKEND:" (or an empty part).
    [[nodiscard]] static std::optional<DeviceId> parse(std::string_view text);
    /// "BACKEND:PATH".
    [[nodiscard]] static std::string format(std::string_view backend, std::string_view path);

    [[nodiscard]] const std::string& backend() const { return m_backend; }
    [[nodiscard]] const std::string& path() const { return m_path; }
    [[nodiscard]] std::string toString() const { return format(m_backend, m_path); }
    /// The address of a relaying backend ("10.0.0.2:9464" of "agent@10.0.0.2:9464"), empty for local devices.
    [[nodiscard]] std::string_view address() const;
    /// The path of the device on the machine it is on: relays' backends removed as well ("avshws/pin0/allocator"
    /// of both "sim:avshws/pin0/allocator" and "agent@10.0.0.2:9464:sim:avshws/pin0/allocator").
    [[nodiscard]] std::string_view localPath() const;

private:
    std::string m_backend;
    std::string m_path;
};

/// The backend part of \a id ("sim" of "sim:avshws/pin0"), empty when it has none.
[[nodiscard]] std::string_view backendOf(std::string_view id);
/// The filter of a pin: its id up to the last '/'.
[[nodiscard]] std::string_view filterOfPin(std::string_view pinId);
/// Whether \a id is \a ancestor or a device inside it ("sim:f/p0/allocator" is within "sim:f" and "sim:f/p0").
[[nodiscard]] bool isWithin(std::string_view id, std::string_view ancestor);

/// The allocators an id names: an allocator id itself; a pin's allocator; every allocator of a filter's pins (in
/// pin order), then those it shares through a pin of its own. Empty when the id names none.
[[nodiscard]] std::vector<std::string> allocatorsOf(const Topology& topology, std::string_view id);

} // namespace ksscope
