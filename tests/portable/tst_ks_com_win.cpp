// SPDX-License-Identifier: GPL-3.0-or-later
// The ks backend's COM bridge against fake objects declared through the real ksproxy.h interfaces: vtable
// slots in the documented order, calls reaching the native methods, reference counts balanced, the
// PeekOnly / AddRef contract; and the DeviceIoControl transport against a fake driver (synchronous and
// pending completions). Windows only; runs under wine.
#include "fake_ks_device.h"
#include "ks/ks_com_win.h"

#include <doctest/doctest.h>
#include <string>
#include <vector>

// COM objects go away through Release, never through a pointer to their interface, which is why the
// interfaces have no virtual destructor.
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"

namespace ksscope::ks::win {
namespace {

/// A ksproxy allocator: IMemAllocator + IKsAllocatorEx on one object, counting references and calls.
class FakeAllocator final : public ::IMemAllocator, public ::IKsAllocatorEx {
public:
    long refs = 1;
    std::vector<std::string> calls;
    ::KSALLOCATORMODE mode = ::KsAllocatorMode_User;
    ::ALLOCATOR_PROPERTIES props{4, 614400, 1, 0};
    ::ALLOCATOR_PROPERTIES_EX propsEx{};
    ::HANDLE handle = reinterpret_cast<::HANDLE>(0x1234);

    ::HRESULT STDMETHODCALLTYPE QueryInterface(REFIID iid, void** out) override
    {
        if (iid == IID_IUnknown || iid == IID_IMemAllocator)
            *out = static_cast<::IMemAllocator*>(this);
        else if (iid == IID_IKsAllocator || iid == IID_IKsAllocatorEx)
            *out = static_cast<::IKsAllocatorEx*>(this);
        else {
            *out = nullptr;
            return E_NOINTERFACE;
        }
        AddRef();
        return S_OK;
    }
    ::ULONG STDMETHODCALLTYPE AddRef() override { return static_cast<::ULONG>(++refs); }
    ::ULONG STDMETHODCALLTYPE Release() override { return static_cast<::ULONG>(--refs); } // owned by the test

    // IMemAllocator
    ::HRESULT STDMETHODCALLTYPE SetProperties(::ALLOCATOR_PROPERTIES* request, ::ALLOCATOR_PROPERTIES* actual) override
    {
        calls.emplace_back("SetProperties");
        props = *request;
        *actual = props;
        return S_OK;
    }
    ::HRESULT STDMETHODCALLTYPE GetProperties(::ALLOCATOR_PROPERTIES* out) override
    {
        calls.emplace_back("GetProperties");
        *out = props;
        return S_OK;
    }
    ::HRESULT STDMETHODCALLTYPE Commit() override
    {
        calls.emplace_back("Commit");
        return S_OK;
    }
    ::HRESULT STDMETHODCALLTYPE Decommit() override
    {
        calls.emplace_back("Decommit");
        return S_OK;
    }
    ::HRESULT STDMETHODCALLTYPE GetBuffer(::IMediaSample**, ::REFERENCE_TIME*, ::REFERENCE_TIME*, ::DWORD) override
    {
        calls.emplace_back("GetBuffer");
        return E_FAIL;
    }
    ::HRESULT STDMETHODCALLTYPE ReleaseBuffer(::IMediaSample*) override
    {
        calls.emplace_back("ReleaseBuffer");
        return E_FAIL;
    }
    // IKsAllocator
    ::HANDLE STDMETHODCALLTYPE KsGetAllocatorHandle() override
    {
        calls.emplace_back("KsGetAllocatorHandle");
        return handle;
    }
    ::KSALLOCATORMODE STDMETHODCALLTYPE KsGetAllocatorMode() override
    {
        calls.emplace_back("KsGetAllocatorMode");
        return mode;
    }
    ::HRESULT STDMETHODCALLTYPE KsGetAllocatorStatus(::PKSSTREAMALLOCATOR_STATUS status) override
    {
        calls.emplace_back("KsGetAllocatorStatus");
        status->Framing.Frames = static_cast<::ULONG>(props.cBuffers);
        status->Framing.FrameSize = static_cast<::ULONG>(props.cbBuffer);
        status->AllocatedFrames = 3;
        return S_OK;
    }
    void STDMETHODCALLTYPE KsSetAllocatorMode(::KSALLOCATORMODE m) override
    {
        calls.emplace_back("KsSetAllocatorMode");
        mode = m;
    }
    // IKsAllocatorEx
    ::PALLOCATOR_PROPERTIES_EX STDMETHODCALLTYPE KsGetProperties() override
    {
        calls.emplace_back("KsGetProperties");
        return &propsEx;
    }
    void STDMETHODCALLTYPE KsSetProperties(::PALLOCATOR_PROPERTIES_EX p) override
    {
        calls.emplace_back("KsSetProperties");
        propsEx = *p;
    }
    void STDMETHODCALLTYPE KsSetAllocatorHandle(::HANDLE h) override
    {
        calls.emplace_back("KsSetAllocatorHandle");
        handle = h;
    }
    ::HANDLE STDMETHODCALLTYPE KsCreateAllocatorAndGetHandle(::IKsPin*) override
    {
        calls.emplace_back("KsCreateAllocatorAndGetHandle");
        return handle;
    }
};

/// A ksproxy pin whose KsPeekAllocator follows the documented contract.
class FakePin final : public ::IKsPin {
public:
    long refs = 1;
    FakeAllocator* allocator = nullptr;
    std::vector<::KSPEEKOPERATION> peeks;

    ::HRESULT STDMETHODCALLTYPE QueryInterface(REFIID iid, void** out) override
    {
        if (iid == IID_IUnknown || iid == IID_IKsPin) {
            *out = this;
            AddRef();
            return S_OK;
        }
        *out = nullptr;
        return E_NOINTERFACE;
    }
    ::ULONG STDMETHODCALLTYPE AddRef() override { return static_cast<::ULONG>(++refs); }
    ::ULONG STDMETHODCALLTYPE Release() override { return static_cast<::ULONG>(--refs); }
    ::HRESULT STDMETHODCALLTYPE KsQueryMediums(::PKSMULTIPLE_ITEM*) override { return E_NOTIMPL; }
    ::HRESULT STDMETHODCALLTYPE KsQueryInterfaces(::PKSMULTIPLE_ITEM*) override { return E_NOTIMPL; }
    ::HRESULT STDMETHODCALLTYPE KsCreateSinkPinHandle(::KSPIN_INTERFACE&, ::KSPIN_MEDIUM&) override
    {
        return E_NOTIMPL;
    }
    ::HRESULT STDMETHODCALLTYPE KsGetCurrentCommunication(::KSPIN_COMMUNICATION*, ::KSPIN_INTERFACE*,
                                                          ::KSPIN_MEDIUM*) override
    {
        return E_NOTIMPL;
    }
    ::HRESULT STDMETHODCALLTYPE KsPropagateAcquire() override { return E_NOTIMPL; }
    ::HRESULT STDMETHODCALLTYPE KsDeliver(::IMediaSample*, ::ULONG) override { return E_NOTIMPL; }
    ::HRESULT STDMETHODCALLTYPE KsMediaSamplesCompleted(::PKSSTREAM_SEGMENT) override { return E_NOTIMPL; }
    ::IMemAllocator* STDMETHODCALLTYPE KsPeekAllocator(::KSPEEKOPERATION op) override
    {
        peeks.push_back(op);
        if (allocator && op == ::KsPeekOperation_AddRef)
            allocator->AddRef();
        return allocator;
    }
    ::HRESULT STDMETHODCALLTYPE KsReceiveAllocator(::IMemAllocator*) override { return E_NOTIMPL; }
    ::HRESULT STDMETHODCALLTYPE KsRenegotiateAllocator() override { return E_NOTIMPL; }
    ::LONG STDMETHODCALLTYPE KsIncrementPendingIoCount() override { return 0; }
    ::LONG STDMETHODCALLTYPE KsDecrementPendingIoCount() override { return 0; }
    ::HRESULT STDMETHODCALLTYPE KsQualityNotify(::ULONG, ::REFERENCE_TIME) override { return E_NOTIMPL; }
};

template <typename Fn> Fn slot(void* object, int index)
{
    void** vtable = *static_cast<void***>(object);
    return reinterpret_cast<Fn>(vtable[index]);
}

TEST_CASE("ksproxy.h lays IKsAllocatorEx out in the documented vtable order")
{
    FakeAllocator fake;
    ::IKsAllocatorEx* ks = &fake;
    // slots 0-2 are IUnknown; then KsGetAllocatorHandle, KsGetAllocatorMode, KsGetAllocatorStatus,
    // KsSetAllocatorMode, KsGetProperties, KsSetProperties, KsSetAllocatorHandle, KsCreateAllocatorAndGetHandle
    using Handle = ::HANDLE(STDMETHODCALLTYPE*)(::IKsAllocatorEx*);
    using Mode = ::KSALLOCATORMODE(STDMETHODCALLTYPE*)(::IKsAllocatorEx*);
    using StatusFn = ::HRESULT(STDMETHODCALLTYPE*)(::IKsAllocatorEx*, ::PKSSTREAMALLOCATOR_STATUS);
    using SetMode = void(STDMETHODCALLTYPE*)(::IKsAllocatorEx*, ::KSALLOCATORMODE);
    using Props = ::PALLOCATOR_PROPERTIES_EX(STDMETHODCALLTYPE*)(::IKsAllocatorEx*);
    using SetProps = void(STDMETHODCALLTYPE*)(::IKsAllocatorEx*, ::PALLOCATOR_PROPERTIES_EX);
    using SetHandle = void(STDMETHODCALLTYPE*)(::IKsAllocatorEx*, ::HANDLE);
    using Create = ::HANDLE(STDMETHODCALLTYPE*)(::IKsAllocatorEx*, ::IKsPin*);
    CHECK(slot<Handle>(ks, 3)(ks) == fake.handle);
    CHECK(slot<Mode>(ks, 4)(ks) == ::KsAllocatorMode_User);
    ::KSSTREAMALLOCATOR_STATUS status{};
    CHECK(slot<StatusFn>(ks, 5)(ks, &status) == S_OK);
    slot<SetMode>(ks, 6)(ks, ::KsAllocatorMode_Kernel);
    CHECK(slot<Props>(ks, 7)(ks) == &fake.propsEx);
    ::ALLOCATOR_PROPERTIES_EX ex{};
    slot<SetProps>(ks, 8)(ks, &ex);
    slot<SetHandle>(ks, 9)(ks, nullptr);
    slot<Create>(ks, 10)(ks, nullptr);
    CHECK(fake.calls == std::vector<std::string>{"KsGetAllocatorHandle", "KsGetAllocatorMode", "KsGetAllocatorStatus",
                                                 "KsSetAllocatorMode", "KsGetProperties", "KsSetProperties",
                                                 "KsSetAllocatorHandle", "KsCreateAllocatorAndGetHandle"});

    FakePin pin;
    ::IKsPin* p = &pin;
    using Peek = ::IMemAllocator*(STDMETHODCALLTYPE*)(::IKsPin*, ::KSPEEKOPERATION);
    slot<Peek>(p, 10)(p, ::KsPeekOperation_PeekOnly); // KsPeekAllocator is IKsPin's 8th method
    CHECK(pin.peeks == std::vector<::KSPEEKOPERATION>{::KsPeekOperation_PeekOnly});
}

TEST_CASE("the core's calls reach the native allocator methods")
{
    FakeAllocator fake;
    {
        ComPtr<NativeAllocator> wrapped = NativeAllocator::wrap(&fake);
        REQUIRE(wrapped);
        CHECK(fake.refs == 3); // IMemAllocator + IKsAllocatorEx references held by the wrapper
        ksscope::IKsAllocatorEx* ks = wrapped.get();
        CHECK(ks->KsGetAllocatorHandle() == fake.handle);
        CHECK(ks->KsGetAllocatorMode() == ksscope::KsAllocatorMode_User);
        ksscope::KSSTREAMALLOCATOR_STATUS status;
        REQUIRE(ks->KsGetAllocatorStatus(&status) == S_OK);
        CHECK(status.AllocatedFrames == 3);
        CHECK(status.Framing.FrameSize == 614400);
        CHECK(ks->KsSetAllocatorMode(ksscope::KsAllocatorMode_Kernel) == S_OK);
        CHECK(fake.mode == ::KsAllocatorMode_Kernel);
        fake.propsEx.cBuffers = 6;
        fake.propsEx.MemoryType = ::GUID{STATIC_KSMEMORY_TYPE_KERNEL_NONPAGED};
        fake.propsEx.NumberPins = 2;
        const ksscope::ALLOCATOR_PROPERTIES_EX* ex = ks->KsGetProperties();
        REQUIRE(ex);
        CHECK(ex->cBuffers == 6);
        CHECK(ex->MemoryType == ksscope::guids::KSMEMORY_TYPE_KERNEL_NONPAGED);
        CHECK(ex->NumberPins == 2);
        ksscope::ALLOCATOR_PROPERTIES_EX edit = *ex;
        edit.cbBuffer = 4096;
        CHECK(ks->KsSetProperties(&edit) == S_OK);
        CHECK(fake.propsEx.cbBuffer == 4096);

        ksscope::IMemAllocator* memory = wrapped.get();
        const ksscope::ALLOCATOR_PROPERTIES request{8, 1024, 16, 0};
        ksscope::ALLOCATOR_PROPERTIES actual;
        CHECK(memory->SetProperties(&request, &actual) == S_OK);
        CHECK(fake.props.cBuffers == 8);
        CHECK(actual.cbAlign == 16);
        CHECK(memory->GetBuffer(nullptr, nullptr, nullptr, 0) == E_NOTIMPL); // never steals a device's frames
        CHECK(std::find(fake.calls.begin(), fake.calls.end(), "GetBuffer") == fake.calls.end());

        void* out = nullptr;
        CHECK(wrapped->QueryInterface(iids::IID_IKsAllocator, &out) == S_OK);
        CHECK(out == static_cast<ksscope::IKsAllocatorEx*>(wrapped.get()));
        static_cast<ksscope::IKsAllocatorEx*>(out)->Release();
        CHECK(wrapped->QueryInterface(iids::IID_IKsPin, &out) == E_NOINTERFACE);
        CHECK(out == nullptr);
    }
    CHECK(fake.refs == 1); // every native reference given back
}

TEST_CASE("KsPeekAllocator keeps the PeekOnly and AddRef contract over a native pin")
{
    FakeAllocator allocator;
    FakePin native;
    {
        ComPtr<NativePin> pin = NativePin::wrap(&native);
        CHECK(native.refs == 2);
        CHECK(pin->KsPeekAllocator(ksscope::KsPeekOperation_PeekOnly) == nullptr); // not connected yet

        native.allocator = &allocator;
        ksscope::IMemAllocator* peeked = pin->KsPeekAllocator(ksscope::KsPeekOperation_PeekOnly);
        REQUIRE(peeked);
        const long held = allocator.refs; // the pin's wrapper holds the native references, the caller none
        CHECK(held == 3);
        ksscope::IMemAllocator* again = pin->KsPeekAllocator(ksscope::KsPeekOperation_AddRef);
        CHECK(again == peeked); // the same wrapper while the allocator stays
        CHECK(allocator.refs == held); // the reference added is the wrapper's, not the native object's
        auto owned = ComPtr<ksscope::IMemAllocator>::adopt(again);
        // every native peek is PeekOnly: the wrapper never takes native references it does not give back
        CHECK(std::all_of(native.peeks.begin(), native.peeks.end(),
                          [](::KSPEEKOPERATION op) { return op == ::KsPeekOperation_PeekOnly; }));

        auto ks = owned.as<ksscope::IKsAllocatorEx>(iids::IID_IKsAllocatorEx);
        REQUIRE(ks);
        CHECK(ks->KsGetAllocatorMode() == ksscope::KsAllocatorMode_User);
        ks.reset();
        owned.reset();
        CHECK(allocator.refs == held); // PeekOnly: still alive, held by the pin

        native.allocator = nullptr; // disconnected
        CHECK(pin->KsPeekAllocator(ksscope::KsPeekOperation_PeekOnly) == nullptr);
        CHECK(allocator.refs == 1);
    }
    CHECK(native.refs == 1);
}

// ---- DeviceIoControl ---------------------------------------------------------------------------------

test::FakeKsDevice* g_device = nullptr;
bool g_pending = false;
std::vector<::DWORD> g_codes;

/// Stands in for the driver behind DeviceIoControl: synchronous, or pending with the result posted to the
/// OVERLAPPED as the I/O manager does (STATUS_BUFFER_OVERFLOW for a reply too small).
::BOOL WINAPI fakeDeviceIoControl(::HANDLE, ::DWORD code, ::LPVOID in, ::DWORD inSize, ::LPVOID out, ::DWORD outSize,
                                  ::LPDWORD returned, ::LPOVERLAPPED overlapped)
{
    g_codes.push_back(code);
    ksscope::ULONG bytes = 0;
    const std::uint32_t error = g_device->io(std::span(static_cast<const std::byte*>(in), inSize),
                                             std::span(static_cast<std::byte*>(out), outSize), bytes);
    if (!g_pending) {
        *returned = bytes;
        ::SetLastError(error);
        return error == 0;
    }
    ::LONG status = 0;
    switch (error) {
    case 0:
        status = 0;
        break;
    case 234:
        status = static_cast<::LONG>(0x80000005); // STATUS_BUFFER_OVERFLOW
        break;
    case 1168:
        status = static_cast<::LONG>(0xC0000225); // STATUS_NOT_FOUND
        break;
    default:
        status = static_cast<::LONG>(0xC0000001); // STATUS_UNSUCCESSFUL
        break;
    }
    overlapped->Internal = static_cast<::ULONG_PTR>(static_cast<::ULONG>(status));
    overlapped->InternalHigh = bytes;
    ::SetEvent(overlapped->hEvent);
    ::SetLastError(ERROR_IO_PENDING);
    return FALSE;
}

TEST_CASE("IOCTL_KS_PROPERTY through DeviceIoControl, completed at once or pending")
{
    test::FakeKsDevice device;
    test::describeCamera(device);
    KSALLOCATOR_FRAMING framing{0, kNonPagedPool, 4, 614400, FILE_QUAD_ALIGNMENT, 0};
    device.set(ksscope::guids::KSPROPSETID_Connection, kKSPROPERTY_CONNECTION_ALLOCATORFRAMING, std::nullopt, framing);
    g_device = &device;
    for (bool pending : {false, true}) {
        CAPTURE(pending);
        g_pending = pending;
        g_codes.clear();
        device.calls.clear();
        PropertyClient filter(deviceIoControlTransport(reinterpret_cast<::HANDLE>(0x42), &fakeDeviceIoControl),
                              "filter \"USB Camera\"");
        std::vector<PinFactory> pins;
        REQUIRE(readPinFactories(filter, pins).isOk());
        REQUIRE(pins.size() == 2);
        CHECK(pins[0].name == "Capture");
        CHECK(pins[1].dataRanges.size() == 2);
        CHECK(std::all_of(g_codes.begin(), g_codes.end(), [](::DWORD c) { return c == IOCTL_KS_PROPERTY; }));
        // the size query (an empty reply buffer) comes before the name is read
        auto name = std::find_if(device.calls.begin(), device.calls.end(),
                                 [](const auto& c) { return c.key.id == kPinName && c.key.pin == 0u; });
        REQUIRE(name != device.calls.end());
        CHECK(name->replySize == 0);
        CHECK((name + 1)->replySize == test::utf16("Capture").size());

        KSALLOCATOR_FRAMING got;
        REQUIRE(filter.framing(got).isOk());
        CHECK(got == framing);
        KSALLOCATOR_FRAMING_EX ex;
        const Status missing = filter.framingEx(ex);
        CHECK(missing.code() == hresultFromWin32(1168));
        CHECK(missing.message().find("KSPROPERTY_CONNECTION_ALLOCATORFRAMING_EX on filter \"USB Camera\"") == 0);
    }
    g_device = nullptr;
}

} // namespace
} // namespace ksscope::ks::win
