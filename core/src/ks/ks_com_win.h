// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The ks backend's bridge from Windows COM objects to the core's interfaces: a connected ksproxy pin's
// IKsPin and the IKsAllocatorEx it peeks are wrapped so that the monitor, the CLI and the GUI use them as
// they use the simulated and V4L2 allocators. Calls go to the real methods; HRESULTs are passed on as they
// are. Also the DeviceIoControl transport of the property layer.

#include "ks/ks_property.h"
#include "ks/ks_windows.h"
#include "ksscope/allocator.h"

#include <mutex>

namespace ksscope::ks::win {

/// ::IKsAllocatorEx (with the ::IMemAllocator it belongs to) seen as the core's IKsAllocatorEx. Holds one
/// reference on the native object for its lifetime.
class NativeAllocator final : public ksscope::IMemAllocator, public ksscope::IKsAllocatorEx {
public:
    /// Takes a new reference on \a allocator. Null when it has no IKsAllocatorEx (a plain DirectShow allocator).
    static ComPtr<NativeAllocator> wrap(::IMemAllocator* allocator);

    HRESULT QueryInterface(const Guid& iid, void** object) override;
    ksscope::ULONG AddRef() override;
    ksscope::ULONG Release() override;

    HRESULT SetProperties(const ksscope::ALLOCATOR_PROPERTIES* request, ksscope::ALLOCATOR_PROPERTIES* actual) override;
    HRESULT GetProperties(ksscope::ALLOCATOR_PROPERTIES* props) override;
    HRESULT Commit() override;
    HRESULT Decommit() override;
    /// Refused (E_NOTIMPL): frames of a device's pool belong to its graph; KsScope does not take them.
    HRESULT GetBuffer(ksscope::IMediaSample** sample, ksscope::REFERENCE_TIME* start, ksscope::REFERENCE_TIME* end,
                      ksscope::DWORD flags) override;
    HRESULT ReleaseBuffer(ksscope::IMediaSample* sample) override;

    ksscope::HANDLE KsGetAllocatorHandle() override;
    ksscope::KSALLOCATORMODE KsGetAllocatorMode() override;
    HRESULT KsGetAllocatorStatus(ksscope::KSSTREAMALLOCATOR_STATUS* status) override;
    HRESULT KsSetAllocatorMode(ksscope::KSALLOCATORMODE mode) override;
    ksscope::ALLOCATOR_PROPERTIES_EX* KsGetProperties() override;
    HRESULT KsSetProperties(const ksscope::ALLOCATOR_PROPERTIES_EX* props) override;
    HRESULT KsSetAllocatorHandle(ksscope::HANDLE handle) override;
    /// Passes the native pin on when \a pin wraps one (NativePin); E_NOINTERFACE-like null otherwise.
    ksscope::HANDLE KsCreateAllocatorAndGetHandle(ksscope::IKsPin* pin) override;

    [[nodiscard]] ::IKsAllocatorEx* native() const { return m_ks; }
    [[nodiscard]] ::IMemAllocator* memory() const { return m_memory; }
    [[nodiscard]] ksscope::ULONG refCountForTesting() const { return m_refs.value(); }

private:
    NativeAllocator(::IMemAllocator* memory, ::IKsAllocatorEx* ks);
    ~NativeAllocator();

    RefCount m_refs;
    ::IMemAllocator* m_memory; ///< one reference
    ::IKsAllocatorEx* m_ks; ///< one reference
    std::mutex m_mutex; ///< guards m_props (KsGetProperties hands out a pointer into it)
    ksscope::ALLOCATOR_PROPERTIES_EX m_props;
};

/// ::IKsPin seen as the core's IKsPin. KsPeekAllocator keeps the PeekOnly / AddRef contract: PeekOnly returns
/// an allocator the pin keeps alive without a reference for the caller; AddRef adds one the caller releases.
class NativePin final : public ksscope::IKsPin {
public:
    /// Takes a new reference on \a pin.
    static ComPtr<NativePin> wrap(::IKsPin* pin);

    HRESULT QueryInterface(const Guid& iid, void** object) override;
    ksscope::ULONG AddRef() override;
    ksscope::ULONG Release() override;
    ksscope::IMemAllocator* KsPeekAllocator(ksscope::KSPEEKOPERATION operation) override;

    [[nodiscard]] ::IKsPin* native() const { return m_pin; }

private:
    explicit NativePin(::IKsPin* pin);
    ~NativePin();

    RefCount m_refs;
    ::IKsPin* m_pin; ///< one reference
    std::mutex m_mutex;
    ComPtr<NativeAllocator> m_allocator; ///< the wrapper of the last allocator peeked
};

/// The signature of DeviceIoControl, so that tests can stand in for the driver.
using DeviceIoControlFn = ::BOOL(WINAPI*)(::HANDLE, ::DWORD, ::LPVOID, ::DWORD, ::LPVOID, ::DWORD, ::LPDWORD,
                                          ::LPOVERLAPPED);

/// IOCTL_KS_PROPERTY over DeviceIoControl on \a handle (opened with FILE_FLAG_OVERLAPPED, as KS objects are):
/// waits for the request and returns the Win32 error, with the size the driver needs on ERROR_MORE_DATA.
PropertyIo deviceIoControlTransport(::HANDLE handle, DeviceIoControlFn call = &::DeviceIoControl);
/// The same requests through IKsControl::KsProperty (a ksproxy filter or pin).
PropertyIo ksControlTransport(::IKsControl* control);

/// UTF-16 to UTF-8 for names from Windows APIs.
std::string narrow(const wchar_t* text);
Guid fromWindows(const ::GUID& guid);
::GUID toWindows(const Guid& guid);

} // namespace ksscope::ks::win
