// SPDX-License-Identifier: GPL-3.0-or-later
#include "ks/ks_com_win.h"

#include <cstring>
#include <cwchar>

namespace ksscope::ks::win {

static_assert(sizeof(ksscope::ALLOCATOR_PROPERTIES) == sizeof(::ALLOCATOR_PROPERTIES));
static_assert(sizeof(ksscope::ALLOCATOR_PROPERTIES_EX) == sizeof(::ALLOCATOR_PROPERTIES_EX));
static_assert(sizeof(ksscope::KSSTREAMALLOCATOR_STATUS) == sizeof(::KSSTREAMALLOCATOR_STATUS));

Guid fromWindows(const ::GUID& guid)
{
    Guid out;
    std::memcpy(static_cast<void*>(&out), &guid, sizeof(out));
    return out;
}

::GUID toWindows(const Guid& guid)
{
    ::GUID out;
    std::memcpy(&out, &guid, sizeof(out));
    return out;
}

std::string narrow(const wchar_t* text)
{
    if (!text)
        return {};
    static_assert(sizeof(wchar_t) == 2, "Windows strings are UTF-16");
    return utf16ToUtf8(std::as_bytes(std::span(text, std::wcslen(text))));
}

// ---- NativeAllocator ---------------------------------------------------------------------------------

ComPtr<NativeAllocator> NativeAllocator::wrap(::IMemAllocator* allocator)
{
    if (!allocator)
        return {};
    ::IKsAllocatorEx* ks = nullptr;
    if (FAILED(allocator->QueryInterface(IID_IKsAllocatorEx, reinterpret_cast<void**>(&ks))) || !ks)
        return {};
    allocator->AddRef();
    return ComPtr<NativeAllocator>::adopt(new NativeAllocator(allocator, ks)); // adopts both references
}

NativeAllocator::NativeAllocator(::IMemAllocator* memory, ::IKsAllocatorEx* ks) : m_memory(memory), m_ks(ks) { }

NativeAllocator::~NativeAllocator()
{
    m_ks->Release();
    m_memory->Release();
}

HRESULT NativeAllocator::QueryInterface(const Guid& iid, void** object)
{
    if (!object)
        return E_POINTER;
    if (iid == iids::IID_IUnknown || iid == iids::IID_IMemAllocator)
        *object = static_cast<ksscope::IMemAllocator*>(this);
    else if (iid == iids::IID_IKsAllocator || iid == iids::IID_IKsAllocatorEx)
        *object = static_cast<ksscope::IKsAllocatorEx*>(this);
    else {
        *object = nullptr;
        return E_NOINTERFACE;
    }
    AddRef();
    return S_OK;
}

ksscope::ULONG NativeAllocator::AddRef()
{
    return m_refs.add();
}

ksscope::ULONG NativeAllocator::Release()
{
    const ksscope::ULONG left = m_refs.release();
    if (left == 0)
        delete this;
    return left;
}

HRESULT NativeAllocator::SetProperties(const ksscope::ALLOCATOR_PROPERTIES* request,
                                       ksscope::ALLOCATOR_PROPERTIES* actual)
{
    if (!request || !actual)
        return E_POINTER;
    ::ALLOCATOR_PROPERTIES in;
    ::ALLOCATOR_PROPERTIES out{};
    std::memcpy(&in, request, sizeof(in));
    const HRESULT hr = m_memory->SetProperties(&in, &out);
    std::memcpy(static_cast<void*>(actual), &out, sizeof(out));
    return hr;
}

HRESULT NativeAllocator::GetProperties(ksscope::ALLOCATOR_PROPERTIES* props)
{
    if (!props)
        return E_POINTER;
    ::ALLOCATOR_PROPERTIES out{};
    const HRESULT hr = m_memory->GetProperties(&out);
    std::memcpy(static_cast<void*>(props), &out, sizeof(out));
    return hr;
}

HRESULT NativeAllocator::Commit()
{
    return m_memory->Commit();
}

HRESULT NativeAllocator::Decommit()
{
    return m_memory->Decommit();
}

HRESULT NativeAllocator::GetBuffer(ksscope::IMediaSample** sample, ksscope::REFERENCE_TIME*, ksscope::REFERENCE_TIME*,
                                   ksscope::DWORD)
{
    if (sample)
        *sample = nullptr;
    return E_NOTIMPL;
}

HRESULT NativeAllocator::ReleaseBuffer(ksscope::IMediaSample*)
{
    return E_NOTIMPL;
}

ksscope::HANDLE NativeAllocator::KsGetAllocatorHandle()
{
    return m_ks->KsGetAllocatorHandle();
}

ksscope::KSALLOCATORMODE NativeAllocator::KsGetAllocatorMode()
{
    return m_ks->KsGetAllocatorMode() == ::KsAllocatorMode_Kernel ? ksscope::KsAllocatorMode_Kernel
                                                                  : ksscope::KsAllocatorMode_User;
}

HRESULT NativeAllocator::KsGetAllocatorStatus(ksscope::KSSTREAMALLOCATOR_STATUS* status)
{
    if (!status)
        return E_POINTER;
    ::KSSTREAMALLOCATOR_STATUS out{};
    const HRESULT hr = m_ks->KsGetAllocatorStatus(&out);
    if (SUCCEEDED(hr))
        std::memcpy(static_cast<void*>(status), &out, sizeof(out));
    return hr;
}

HRESULT NativeAllocator::KsSetAllocatorMode(ksscope::KSALLOCATORMODE mode)
{
    m_ks->KsSetAllocatorMode(mode == ksscope::KsAllocatorMode_Kernel ? ::KsAllocatorMode_Kernel
                                                                     : ::KsAllocatorMode_User);
    // declared void: the mode read back tells whether it took
    return KsGetAllocatorMode() == mode ? S_OK : VFW_E_ALREADY_COMMITTED;
}

ksscope::ALLOCATOR_PROPERTIES_EX* NativeAllocator::KsGetProperties()
{
    ::PALLOCATOR_PROPERTIES_EX props = m_ks->KsGetProperties();
    if (!props)
        return nullptr;
    std::lock_guard lock(m_mutex);
    std::memcpy(static_cast<void*>(&m_props), props, sizeof(m_props));
    return &m_props;
}

HRESULT NativeAllocator::KsSetProperties(const ksscope::ALLOCATOR_PROPERTIES_EX* props)
{
    if (!props)
        return E_POINTER;
    ::ALLOCATOR_PROPERTIES_EX in;
    std::memcpy(&in, props, sizeof(in));
    m_ks->KsSetProperties(&in);
    return S_OK;
}

HRESULT NativeAllocator::KsSetAllocatorHandle(ksscope::HANDLE handle)
{
    m_ks->KsSetAllocatorHandle(handle);
    return S_OK;
}

ksscope::HANDLE NativeAllocator::KsCreateAllocatorAndGetHandle(ksscope::IKsPin* pin)
{
    auto* native = dynamic_cast<NativePin*>(pin);
    return native ? m_ks->KsCreateAllocatorAndGetHandle(native->native()) : nullptr;
}

// ---- NativePin ---------------------------------------------------------------------------------------

ComPtr<NativePin> NativePin::wrap(::IKsPin* pin)
{
    if (!pin)
        return {};
    pin->AddRef();
    return ComPtr<NativePin>::adopt(new NativePin(pin));
}

NativePin::NativePin(::IKsPin* pin) : m_pin(pin) { }

NativePin::~NativePin()
{
    m_allocator.reset();
    m_pin->Release();
}

HRESULT NativePin::QueryInterface(const Guid& iid, void** object)
{
    if (!object)
        return E_POINTER;
    if (iid == iids::IID_IUnknown || iid == iids::IID_IKsPin) {
        *object = static_cast<ksscope::IKsPin*>(this);
        AddRef();
        return S_OK;
    }
    *object = nullptr;
    return E_NOINTERFACE;
}

ksscope::ULONG NativePin::AddRef()
{
    return m_refs.add();
}

ksscope::ULONG NativePin::Release()
{
    const ksscope::ULONG left = m_refs.release();
    if (left == 0)
        delete this;
    return left;
}

ksscope::IMemAllocator* NativePin::KsPeekAllocator(ksscope::KSPEEKOPERATION operation)
{
    // Always peek without a reference on the native side: the wrapper holds its own.
    ::IMemAllocator* native = m_pin->KsPeekAllocator(::KsPeekOperation_PeekOnly);
    std::lock_guard lock(m_mutex);
    if (!native) {
        m_allocator.reset();
        return nullptr;
    }
    if (!m_allocator || m_allocator->memory() != native) {
        m_allocator = NativeAllocator::wrap(native);
        if (!m_allocator)
            return nullptr;
    }
    if (operation == ksscope::KsPeekOperation_AddRef)
        m_allocator->AddRef();
    return static_cast<ksscope::IMemAllocator*>(m_allocator.get());
}

// ---- transports ----------------------------------------------------------------------------------------

PropertyIo deviceIoControlTransport(::HANDLE handle, DeviceIoControlFn call)
{
    return [handle, call](std::span<const std::byte> request, std::span<std::byte> reply,
                          ksscope::ULONG& bytesReturned) -> std::uint32_t {
        bytesReturned = 0;
        ::OVERLAPPED overlapped{};
        overlapped.hEvent = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
        if (!overlapped.hEvent)
            return static_cast<std::uint32_t>(::GetLastError());
        ::DWORD returned = 0;
        // METHOD_NEITHER: the buffers are read in place; the request is not modified
        ::BOOL ok = call(handle, IOCTL_KS_PROPERTY, const_cast<std::byte*>(request.data()),
                         static_cast<::DWORD>(request.size()), reply.empty() ? nullptr : reply.data(),
                         static_cast<::DWORD>(reply.size()), &returned, &overlapped);
        ::DWORD error = ok ? ERROR_SUCCESS : ::GetLastError();
        if (!ok && error == ERROR_IO_PENDING) {
            ok = ::GetOverlappedResult(handle, &overlapped, &returned, TRUE);
            error = ok ? ERROR_SUCCESS : ::GetLastError();
        }
        ::CloseHandle(overlapped.hEvent);
        bytesReturned = static_cast<ksscope::ULONG>(returned);
        return static_cast<std::uint32_t>(error);
    };
}

PropertyIo ksControlTransport(::IKsControl* control)
{
    return [control](std::span<const std::byte> request, std::span<std::byte> reply,
                     ksscope::ULONG& bytesReturned) -> std::uint32_t {
        ::ULONG returned = 0;
        auto* property = reinterpret_cast<::KSPROPERTY*>(const_cast<std::byte*>(request.data()));
        const ::HRESULT hr =
            control->KsProperty(property, static_cast<::ULONG>(request.size()), reply.empty() ? nullptr : reply.data(),
                                static_cast<::ULONG>(reply.size()), &returned);
        bytesReturned = static_cast<ksscope::ULONG>(returned);
        if (SUCCEEDED(hr))
            return 0;
        // ksproxy reports HRESULT_FROM_WIN32 of the driver's status
        return HRESULT_FACILITY(hr) == FACILITY_WIN32 ? static_cast<std::uint32_t>(HRESULT_CODE(hr))
                                                      : static_cast<std::uint32_t>(ERROR_GEN_FAILURE);
    };
}

} // namespace ksscope::ks::win
