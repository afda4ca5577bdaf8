// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file hresult.h
/// HRESULT-style status codes with their Windows values, symbolic names and messages, plus wrapped OS
/// errors (Win32 error codes and POSIX errno values).

#include <cstdint>
#include <string>
#include <string_view>

namespace ksscope {

using HRESULT = std::int32_t;

// Windows defines these (and the codes below) as macros with the same meaning: where its headers came
// first, the macros are used.
#ifndef SUCCEEDED
[[nodiscard]] constexpr bool SUCCEEDED(HRESULT hr) noexcept
{
    return hr >= 0;
}
#endif
#ifndef FAILED
[[nodiscard]] constexpr bool FAILED(HRESULT hr) noexcept
{
    return hr < 0;
}
#endif

namespace detail {
constexpr HRESULT hr(std::uint32_t value) noexcept
{
    return static_cast<HRESULT>(value);
}
} // namespace detail

#ifndef S_OK
inline constexpr HRESULT S_OK = 0;
inline constexpr HRESULT S_FALSE = 1;
inline constexpr HRESULT E_NOTIMPL = detail::hr(0x80004001);
inline constexpr HRESULT E_POINTER = detail::hr(0x80004003);
inline constexpr HRESULT E_FAIL = detail::hr(0x80004005);
inline constexpr HRESULT E_UNEXPECTED = detail::hr(0x8000FFFF);
inline constexpr HRESULT E_OUTOFMEMORY = detail::hr(0x8007000E);
inline constexpr HRESULT E_INVALIDARG = detail::hr(0x80070057);
inline constexpr HRESULT E_NOINTERFACE = detail::hr(0x80004002);
inline constexpr HRESULT E_ABORT = detail::hr(0x80004004);
#endif
#ifndef VFW_E_ALREADY_COMMITTED
inline constexpr HRESULT VFW_E_SIZENOTSET = detail::hr(0x80040212);
inline constexpr HRESULT VFW_E_NO_ALLOCATOR = detail::hr(0x8004020A);
inline constexpr HRESULT VFW_E_NOT_COMMITTED = detail::hr(0x80040211);
inline constexpr HRESULT VFW_E_ALREADY_COMMITTED = detail::hr(0x8004020F);
inline constexpr HRESULT VFW_E_BUFFERS_OUTSTANDING = detail::hr(0x80040210);
inline constexpr HRESULT VFW_E_BADALIGN = detail::hr(0x8004020E);
inline constexpr HRESULT VFW_E_BUFFER_NOTSET = detail::hr(0x8004020C);
inline constexpr HRESULT VFW_E_TIMEOUT = detail::hr(0x8004022E);
inline constexpr HRESULT VFW_E_NOT_CONNECTED = detail::hr(0x80040209);
#endif

/// Win32 error codes used by the backends.
inline constexpr std::uint32_t kErrorFileNotFound = 2;
inline constexpr std::uint32_t kErrorAccessDenied = 5;
inline constexpr std::uint32_t kErrorNotReady = 21;
inline constexpr std::uint32_t kErrorBusy = 170;
inline constexpr std::uint32_t kErrorDeviceRemoved = 1617;
inline constexpr std::uint32_t kErrorNotFound = 1168;
inline constexpr std::uint32_t kErrorInvalidFunction = 1;
inline constexpr std::uint32_t kErrorGenFailure = 31;
inline constexpr std::uint32_t kErrorNotSupported = 50;
inline constexpr std::uint32_t kErrorInsufficientBuffer = 122;
inline constexpr std::uint32_t kErrorMoreData = 234;
inline constexpr std::uint32_t kErrorNoSuchDevice = 433;
inline constexpr std::uint32_t kErrorDeviceNotConnected = 1167;
inline constexpr std::uint32_t kErrorSetNotFound = 1170;
inline constexpr std::uint32_t kErrorPathNotFound = 3;
inline constexpr std::uint32_t kErrorDiskFull = 112;
inline constexpr std::uint32_t kErrorFileExists = 80;
inline constexpr std::uint32_t kErrorFileCorrupt = 1392;
inline constexpr std::uint32_t kErrorRevisionMismatch = 1306;
inline constexpr std::uint32_t kErrorBadArguments = 160;

/// HRESULT_FROM_WIN32: 0x8007xxxx for a non-zero Win32 error code.
[[nodiscard]] constexpr HRESULT hresultFromWin32(std::uint32_t error) noexcept
{
    return error == 0 ? 0 : detail::hr((error & 0x0000FFFFu) | (7u << 16) | 0x80000000u);
}

/// Facility for POSIX errno values: customer bit set, facility 0x0A5 ("KS scope errno").
inline constexpr std::uint32_t kFacilityErrno = 0x0A5;

/// Wraps a POSIX errno value: 0xA0A5xxxx (severity error, customer bit, facility kFacilityErrno).
[[nodiscard]] constexpr HRESULT hresultFromErrno(int error) noexcept
{
    return error == 0 ? 0
                      : detail::hr((static_cast<std::uint32_t>(error) & 0xFFFFu) | (kFacilityErrno << 16) |
                                   0x20000000u | 0x80000000u);
}

[[nodiscard]] constexpr std::uint32_t hresultFacility(HRESULT hr) noexcept
{
    return (static_cast<std::uint32_t>(hr) >> 16) & 0x7FFu;
}
[[nodiscard]] constexpr std::uint32_t hresultCode(HRESULT hr) noexcept
{
    return static_cast<std::uint32_t>(hr) & 0xFFFFu;
}
[[nodiscard]] constexpr bool isErrnoHresult(HRESULT hr) noexcept
{
    return FAILED(hr) && hresultFacility(hr) == kFacilityErrno && (static_cast<std::uint32_t>(hr) & 0x20000000u);
}
[[nodiscard]] constexpr bool isWin32Hresult(HRESULT hr) noexcept
{
    return FAILED(hr) && hresultFacility(hr) == 7 && !(static_cast<std::uint32_t>(hr) & 0x20000000u);
}

/// Symbolic name: "VFW_E_BADALIGN", "HRESULT_FROM_WIN32(ERROR_DEVICE_REMOVED)", "errno(ENODEV)",
/// or "0x80041234" for an unknown code.
[[nodiscard]] std::string hresultName(HRESULT hr);
/// One-sentence description of what the code means.
[[nodiscard]] std::string hresultMessage(HRESULT hr);
/// strerror's text for a POSIX errno value ("No such device"), without strerror's shared buffer: safe to
/// call from any thread.
[[nodiscard]] std::string errnoMessage(int error);
/// "VFW_E_BADALIGN (0x8004020E): An invalid alignment was specified."
[[nodiscard]] std::string describeHresult(HRESULT hr);

/// A status: an HRESULT plus a message that names what went wrong and what to do.
class Status {
public:
    Status() = default;
    Status(HRESULT code, std::string message) : m_code(code), m_message(std::move(message)) { }
    static Status ok() { return {}; }

    [[nodiscard]] bool isOk() const noexcept { return SUCCEEDED(m_code); }
    explicit operator bool() const noexcept { return isOk(); }
    [[nodiscard]] HRESULT code() const noexcept { return m_code; }
    [[nodiscard]] const std::string& message() const noexcept { return m_message; }
    /// "message [VFW_E_BADALIGN]" or just the HRESULT description when there is no message.
    [[nodiscard]] std::string toString() const;

private:
    HRESULT m_code = 0;
    std::string m_message;
};

} // namespace ksscope
