// SPDX-License-Identifier: GPL-3.0-or-later
// Runs inside the QEMU guest: the KS allocator contract (IKsPin::KsPeekAllocator, IKsAllocatorEx) over
// vivid's capture queue through the v4l2 backend. Prints "ok: ..." / "FAIL: ..." and exits 1 on a failure.

#include "ksscope/backend.h"

#include <cstdint>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

using namespace ksscope;

namespace {

int failures = 0;

void check(bool ok, const char* what, HRESULT hr = S_OK)
{
    std::printf("%s: %s%s\n", ok ? "ok" : "FAIL", what, hr == S_OK ? "" : (" [" + hresultName(hr) + "]").c_str());
    failures += ok ? 0 : 1;
}

int fdOf(HANDLE h)
{
    return static_cast<int>(reinterpret_cast<std::intptr_t>(h) - 1);
}

} // namespace

int main()
{
    const std::string cap = "v4l2:vivid.platform_vivid-000/vivid-000-vid-cap/pad0";
    const std::string out = "v4l2:vivid.platform_vivid-000/vivid-000-vid-out/pad0";
    Session session;
    if (Status s = session.open({"v4l2"}, {}); !s) {
        std::printf("FAIL: open: %s\n", s.toString().c_str());
        return 1;
    }
    Backend* backend = session.backendFor(cap);
    ComPtr<IKsPin> pin = backend->pin(cap);
    check(pin.get() != nullptr, "IKsPin of the vivid capture pad");
    if (!pin)
        return 1;

    IMemAllocator* peeked = pin->KsPeekAllocator(KsPeekOperation_PeekOnly);
    check(peeked != nullptr, "KsPeekAllocator(PeekOnly) returns the queue's allocator");
    const ULONG base = peeked->AddRef() - 1;
    peeked->Release();
    IMemAllocator* owned = pin->KsPeekAllocator(KsPeekOperation_AddRef);
    check(owned->AddRef() == base + 2, "KsPeekAllocator(AddRef) adds one reference");
    owned->Release();
    check(owned->Release() == base, "the caller's Release takes it back");
    check(pin->KsPeekAllocator(KsPeekOperation_PeekOnly)->AddRef() == base + 1, "PeekOnly adds none");
    peeked->Release();

    auto ex = ComPtr<IMemAllocator>::share(peeked).as<IKsAllocatorEx>(iids::IID_IKsAllocatorEx);
    check(static_cast<bool>(ex), "QueryInterface(IID_IKsAllocatorEx)");
    KSSTREAMALLOCATOR_STATUS status;
    HRESULT hr = ex->KsGetAllocatorStatus(&status);
    check(hr == S_OK && status.Framing.Frames == 0, "before Commit the queue has no buffers", hr);
    check(ex->KsGetAllocatorHandle() == nullptr, "no handle while KsScope does not own the queue");

    hr = peeked->Commit();
    check(hr == S_OK, "Commit streams the queue (REQBUFS MMAP + STREAMON)", hr);
    hr = ex->KsGetAllocatorStatus(&status);
    check(hr == S_OK && status.Framing.Frames == 4 && status.Framing.FrameSize == 460800,
          "KsGetAllocatorStatus: 4 x 460800 bytes", hr);
    check(ex->KsGetAllocatorMode() == KsAllocatorMode_Kernel, "MMAP is kernel mode");
    check(peeked->Commit() == S_OK, "Commit twice is S_OK");

    HANDLE handle = ex->KsGetAllocatorHandle();
    struct stat st { };
    check(handle != nullptr && ::fstat(fdOf(handle), &st) == 0,
          "KsGetAllocatorHandle exports a dmabuf (VIDIOC_EXPBUF)");
    if (handle)
        ::close(fdOf(handle));

    ALLOCATOR_PROPERTIES_EX props = *ex->KsGetProperties();
    props.cBuffers = 6;
    hr = ex->KsSetProperties(&props);
    check(hr == S_OK && ex->KsGetProperties()->cBuffers == 6, "KsSetProperties re-requests 6 buffers", hr);
    hr = ex->KsGetAllocatorStatus(&status);
    check(hr == S_OK && status.Framing.Frames == 6, "more buffers come from CREATE_BUFS while streaming", hr);
    props = *ex->KsGetProperties();
    props.cBuffers = 3;
    hr = ex->KsSetProperties(&props);
    check(hr == S_OK && ex->KsGetProperties()->cBuffers == 3, "fewer buffers: REQBUFS again with 3", hr);
    props = *ex->KsGetProperties();
    props.cbBuffer = 1 << 20;
    ALLOCATOR_PROPERTIES request{props.cBuffers, props.cbBuffer, 1, 0};
    ALLOCATOR_PROPERTIES actual;
    hr = peeked->SetProperties(&request, &actual);
    check(hr == S_OK && actual.cbBuffer >= 460800 && actual.cBuffers == 3,
          "a buffer size goes to S_FMT; the driver's size is reported back", hr);
    std::printf("   (asked %d bytes, the driver granted %d)\n", request.cbBuffer, actual.cbBuffer);
    props = *ex->KsGetProperties();
    props.cbAlign = 64;
    check(FAILED(ex->KsSetProperties(&props)), "an alignment a V4L2 queue cannot have is refused");

    hr = ex->KsSetAllocatorMode(KsAllocatorMode_User);
    check(hr == S_OK && ex->KsGetAllocatorMode() == KsAllocatorMode_User, "KsSetAllocatorMode(User): USERPTR", hr);
    hr = ex->KsSetAllocatorMode(KsAllocatorMode_Kernel);
    check(hr == S_OK && ex->KsGetAllocatorMode() == KsAllocatorMode_Kernel, "KsSetAllocatorMode(Kernel): MMAP", hr);

    // import: vivid's output queue exports a buffer, the capture queue imports one handle per buffer
    ComPtr<IKsPin> outPin = backend->pin(out);
    auto outEx = ComPtr<IMemAllocator>::share(outPin->KsPeekAllocator(KsPeekOperation_PeekOnly))
                     .as<IKsAllocatorEx>(iids::IID_IKsAllocatorEx);
    HANDLE exported = outEx ? outEx->KsCreateAllocatorAndGetHandle(nullptr) : nullptr;
    check(exported != nullptr, "KsCreateAllocatorAndGetHandle on vivid's output queue");
    const ULONG frames = static_cast<ULONG>(ex->KsGetProperties()->cBuffers);
    HRESULT last = E_FAIL;
    for (ULONG i = 0; i < frames && exported; ++i)
        last = ex->KsSetAllocatorHandle(exported);
    check(last == S_OK, "KsSetAllocatorHandle imports the handle into every buffer (DMABUF)", last);
    if (exported)
        ::close(fdOf(exported));
    ex->KsGetAllocatorStatus(&status);
    check(ex->KsGetAllocatorMode() == KsAllocatorMode_User && status.Framing.Frames == frames,
          "the queue now streams imported DMABUF buffers (user mode)");

    check(peeked->GetBuffer(nullptr, nullptr, nullptr, 0) == E_NOTIMPL, "GetBuffer: frames are dequeued by the owner");
    hr = peeked->Decommit();
    ex->KsGetAllocatorStatus(&status);
    check(hr == S_OK && status.Framing.Frames == 0, "Decommit stops the stream and frees the buffers", hr);
    outPin->KsPeekAllocator(KsPeekOperation_PeekOnly)->Decommit();
    session.close();
    check(peeked->Commit() == VFW_E_NOT_CONNECTED, "after the backend closed, calls fail cleanly");
    std::printf("%d failure(s)\n", failures);
    return failures == 0 ? 0 : 1;
}
