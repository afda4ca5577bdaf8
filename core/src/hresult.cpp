// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/hresult.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace ksscope {

namespace {

struct KnownCode {
    HRESULT code;
    const char* name;
    const char* message;
};

constexpr KnownCode kKnown[] = {
    {S_OK, "S_OK", "The operation succeeded."},
    {S_FALSE, "S_FALSE", "The operation succeeded with nothing to do."},
    {E_FAIL, "E_FAIL", "Unspecified failure."},
    {E_INVALIDARG, "E_INVALIDARG", "An argument is invalid."},
    {E_POINTER, "E_POINTER", "A required pointer argument is null."},
    {E_NOTIMPL, "E_NOTIMPL", "The method is not implemented."},
    {E_OUTOFMEMORY, "E_OUTOFMEMORY", "Not enough memory to complete the operation."},
    {E_UNEXPECTED, "E_UNEXPECTED", "Catastrophic failure."},
    {E_NOINTERFACE, "E_NOINTERFACE", "The object does not support the requested interface."},
    {E_ABORT, "E_ABORT", "The operation was cancelled."},
    {VFW_E_ALREADY_COMMITTED, "VFW_E_ALREADY_COMMITTED",
     "Cannot change the allocated memory while the allocator is committed (or owned by the kernel)."},
    {VFW_E_BUFFERS_OUTSTANDING, "VFW_E_BUFFERS_OUTSTANDING",
     "One or more buffers are still held by a producer or consumer."},
    {VFW_E_BADALIGN, "VFW_E_BADALIGN",
     "An invalid alignment was specified: it must be non-zero and divide the allocation granularity."},
    {VFW_E_SIZENOTSET, "VFW_E_SIZENOTSET", "Cannot allocate a buffer when the size, count or alignment is not set."},
    {VFW_E_BUFFER_NOTSET, "VFW_E_BUFFER_NOTSET", "No buffer space has been set."},
    {VFW_E_NOT_COMMITTED, "VFW_E_NOT_COMMITTED", "Cannot allocate a sample when the allocator is not committed."},
    {VFW_E_TIMEOUT, "VFW_E_TIMEOUT", "No frame became free in the time allowed."},
    {VFW_E_NO_ALLOCATOR, "VFW_E_NO_ALLOCATOR", "No allocator is assigned to the pin."},
    {VFW_E_NOT_CONNECTED, "VFW_E_NOT_CONNECTED", "The pin is not connected."},
};

struct Win32Name {
    std::uint32_t code;
    const char* name;
    const char* message;
};

constexpr Win32Name kWin32[] = {
    {kErrorFileNotFound, "ERROR_FILE_NOT_FOUND", "The device or file was not found."},
    {kErrorAccessDenied, "ERROR_ACCESS_DENIED", "Access is denied."},
    {kErrorNotReady, "ERROR_NOT_READY", "The device is not ready."},
    {kErrorBusy, "ERROR_BUSY", "The requested resource is in use."},
    {kErrorDeviceRemoved, "ERROR_DEVICE_REMOVED", "The device has been removed."},
    {kErrorNotFound, "ERROR_NOT_FOUND", "Element not found."},
    {kErrorBadArguments, "ERROR_BAD_ARGUMENTS", "One or more arguments are not correct."},
    {87, "ERROR_INVALID_PARAMETER", "The parameter is incorrect."},
    {kErrorInvalidFunction, "ERROR_INVALID_FUNCTION", "Incorrect function."},
    {6, "ERROR_INVALID_HANDLE", "The handle is invalid."},
    {8, "ERROR_NOT_ENOUGH_MEMORY", "Not enough memory is available to process this command."},
    {kErrorGenFailure, "ERROR_GEN_FAILURE", "A device attached to the system is not functioning."},
    {kErrorNotSupported, "ERROR_NOT_SUPPORTED", "The request is not supported."},
    {kErrorInsufficientBuffer, "ERROR_INSUFFICIENT_BUFFER", "The data area passed to a system call is too small."},
    {kErrorMoreData, "ERROR_MORE_DATA", "More data is available."},
    {259, "ERROR_NO_MORE_ITEMS", "No more data is available."},
    {kErrorDeviceNotConnected, "ERROR_DEVICE_NOT_CONNECTED", "The device is not connected."},
    {kErrorSetNotFound, "ERROR_SET_NOT_FOUND", "The property set specified is not supported by the driver."},
    {kErrorPathNotFound, "ERROR_PATH_NOT_FOUND", "The system cannot find the path specified."},
    {kErrorDiskFull, "ERROR_DISK_FULL", "There is not enough space on the disk."},
    {kErrorFileExists, "ERROR_FILE_EXISTS", "The file exists."},
    {kErrorFileCorrupt, "ERROR_FILE_CORRUPT", "The file or directory is corrupted and unreadable."},
    {kErrorRevisionMismatch, "ERROR_REVISION_MISMATCH", "The file was written by a newer version."},
    {kErrorNoSuchDevice, "ERROR_NO_SUCH_DEVICE", "A device which does not exist was specified."},
    {995, "ERROR_OPERATION_ABORTED", "The I/O operation has been aborted."},
    {1784, "ERROR_INVALID_USER_BUFFER", "The supplied user buffer is not valid for the requested operation."},
};

std::string errnoName(int error)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    if (const char* name = strerrorname_np(error))
        return name;
#endif
    return std::to_string(error);
}

std::string hex(HRESULT hr)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(hr));
    return text;
}

} // namespace

std::string hresultName(HRESULT hr)
{
    for (const auto& known : kKnown)
        if (known.code == hr)
            return known.name;
    if (isErrnoHresult(hr))
        return "errno(" + errnoName(static_cast<int>(hresultCode(hr))) + ")";
    if (isWin32Hresult(hr)) {
        for (const auto& w : kWin32)
            if (w.code == hresultCode(hr))
                return std::string("HRESULT_FROM_WIN32(") + w.name + ")";
        return "HRESULT_FROM_WIN32(" + std::to_string(hresultCode(hr)) + ")";
    }
    return hex(hr);
}

std::string hresultMessage(HRESULT hr)
{
    for (const auto& known : kKnown)
        if (known.code == hr)
            return known.message;
    if (isErrnoHresult(hr)) {
        const int error = static_cast<int>(hresultCode(hr));
        return errnoMessage(error) + ".";
    }
    if (isWin32Hresult(hr)) {
        for (const auto& w : kWin32)
            if (w.code == hresultCode(hr))
                return w.message;
        return "Windows error " + std::to_string(hresultCode(hr)) + ".";
    }
    return SUCCEEDED(hr) ? "Success code." : "Unknown failure code.";
}

std::string errnoMessage(int error)
{
    // the same text as std::strerror; libstdc++ takes it from strerror_r
    return std::generic_category().message(error);
}

std::string describeHresult(HRESULT hr)
{
    return hresultName(hr) + " (" + hex(hr) + "): " + hresultMessage(hr);
}

std::string Status::toString() const
{
    if (m_message.empty())
        return describeHresult(m_code);
    if (isOk())
        return m_message;
    return m_message + " [" + hresultName(m_code) + "]";
}

} // namespace ksscope
