// SPDX-License-Identifier: GPL-3.0-or-later
// The allocator contract: IMemAllocator with the native CMemAllocator rules, IKsAllocator, IKsAllocatorEx
// and IKsPin::KsPeekAllocator reference counting.

#include "ksscope/allocator.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <thread>

using namespace ksscope;
using namespace std::chrono_literals;

namespace {

ComPtr<KsMemAllocator> makeCommitted(LONG buffers = 2, LONG size = 1000, LONG align = 1, LONG prefix = 0)
{
    auto a = KsMemAllocator::create();
    const ALLOCATOR_PROPERTIES request{buffers, size, align, prefix};
    ALLOCATOR_PROPERTIES actual;
    if (a->SetProperties(&request, &actual) != S_OK || a->Commit() != S_OK)
        return nullptr;
    return a;
}

/// A pin holding an allocator, as the simulated devices have.
class TestPin final : public IKsPin {
public:
    explicit TestPin(IMemAllocator* allocator) : m_allocator(allocator) { }
    HRESULT QueryInterface(const Guid&, void**) override { return E_NOINTERFACE; }
    ULONG AddRef() override { return 2; }
    ULONG Release() override { return 1; }
    IMemAllocator* KsPeekAllocator(KSPEEKOPERATION op) override
    {
        if (m_allocator && op == KsPeekOperation_AddRef)
            m_allocator->AddRef();
        return m_allocator;
    }

private:
    IMemAllocator* m_allocator;
};

} // namespace

class TestAllocator : public QObject {
    Q_OBJECT
private slots:
    // ---- SetProperties ------------------------------------------------------------------------
    void setPropertiesRoundsBufferPlusPrefixToAlignment()
    {
        auto a = KsMemAllocator::create();
        const ALLOCATOR_PROPERTIES request{3, 1000, 64, 10};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), S_OK);
        // 1000 + 10 = 1010 -> 1024; reported cbBuffer = 1024 - 10
        QCOMPARE(actual.cbBuffer, 1014);
        QCOMPARE(actual.cBuffers, 3);
        QCOMPARE(actual.cbAlign, 64);
        QCOMPARE(actual.cbPrefix, 10);
        ALLOCATOR_PROPERTIES stored;
        QCOMPARE(a->GetProperties(&stored), S_OK);
        QCOMPARE(stored, actual);
    }
    void setPropertiesKeepsAlignedSizes()
    {
        auto a = KsMemAllocator::create();
        const ALLOCATOR_PROPERTIES request{2, 153600, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), S_OK);
        QCOMPARE(actual.cbBuffer, 153600);
    }
    void setPropertiesRejectsZeroAlignment()
    {
        auto a = KsMemAllocator::create();
        const ALLOCATOR_PROPERTIES request{2, 1000, 0, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), VFW_E_BADALIGN);
    }
    void setPropertiesRejectsAlignmentNotDividingGranularity_data()
    {
        QTest::addColumn<int>("align");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("1") << 1 << true;
        QTest::newRow("2") << 2 << true;
        QTest::newRow("16") << 16 << true;
        QTest::newRow("4096") << 4096 << true;
        QTest::newRow("65536") << 65536 << true;
        QTest::newRow("3") << 3 << false;
        QTest::newRow("24") << 24 << false;
        QTest::newRow("131072") << 131072 << false;
    }
    void setPropertiesRejectsAlignmentNotDividingGranularity()
    {
        QFETCH(int, align);
        QFETCH(bool, accepted);
        auto a = KsMemAllocator::create();
        const ALLOCATOR_PROPERTIES request{2, 1000, align, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), accepted ? S_OK : VFW_E_BADALIGN);
    }
    void setPropertiesRejectsNegativeValues()
    {
        auto a = KsMemAllocator::create();
        ALLOCATOR_PROPERTIES actual;
        const ALLOCATOR_PROPERTIES negCount{-1, 1000, 1, 0};
        QCOMPARE(a->SetProperties(&negCount, &actual), E_INVALIDARG);
        const ALLOCATOR_PROPERTIES negPrefix{1, 1000, 1, -4};
        QCOMPARE(a->SetProperties(&negPrefix, &actual), E_INVALIDARG);
    }
    void setPropertiesNullPointers()
    {
        auto a = KsMemAllocator::create();
        const ALLOCATOR_PROPERTIES request{2, 1000, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(nullptr, &actual), E_POINTER);
        QCOMPARE(a->SetProperties(&request, nullptr), E_POINTER);
        QCOMPARE(a->GetProperties(nullptr), E_POINTER);
    }
    void setPropertiesFailsWhileCommitted()
    {
        auto a = makeCommitted();
        QVERIFY(a);
        const ALLOCATOR_PROPERTIES request{4, 1000, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), VFW_E_ALREADY_COMMITTED);
    }
    void setPropertiesFailsWithBuffersOutstanding()
    {
        auto a = makeCommitted();
        ComPtr<IMediaSample> held;
        QCOMPARE(a->GetBuffer(held.put(), nullptr, nullptr, 0), S_OK);
        QCOMPARE(a->Decommit(), S_OK);
        const ALLOCATOR_PROPERTIES request{4, 1000, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), VFW_E_BUFFERS_OUTSTANDING);
        held.reset();
        QCOMPARE(a->SetProperties(&request, &actual), S_OK);
    }
    void negotiationPreviewMatchesAllocator()
    {
        const ALLOCATOR_PROPERTIES request{5, 999, 32, 7};
        const Negotiation predicted = negotiateProperties(request);
        auto a = KsMemAllocator::create();
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), predicted.hr);
        QCOMPARE(actual, predicted.actual);
        QCOMPARE(negotiateProperties({1, 1, 3, 0}).hr, VFW_E_BADALIGN);
    }

    // ---- Commit / Decommit ------------------------------------------------------------------
    void commitWithoutPropertiesFailsSizeNotSet()
    {
        auto a = KsMemAllocator::create();
        QCOMPARE(a->Commit(), VFW_E_SIZENOTSET);
    }
    void commitWithZeroCountFailsSizeNotSet()
    {
        auto a = KsMemAllocator::create();
        const ALLOCATOR_PROPERTIES request{0, 1000, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), S_OK);
        QCOMPARE(a->Commit(), VFW_E_SIZENOTSET);
    }
    void commitWithZeroSizeFailsSizeNotSet()
    {
        auto a = KsMemAllocator::create();
        const ALLOCATOR_PROPERTIES request{2, 0, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), S_OK);
        QCOMPARE(a->Commit(), VFW_E_SIZENOTSET);
    }
    void commitTwiceIsOk()
    {
        auto a = makeCommitted();
        QCOMPARE(a->Commit(), S_OK);
        QVERIFY(a->IsCommitted());
    }
    void decommitTwiceIsOk()
    {
        auto a = makeCommitted();
        QCOMPARE(a->Decommit(), S_OK);
        QCOMPARE(a->Decommit(), S_OK);
        QVERIFY(!a->IsCommitted());
    }
    void decommitWithoutCommitIsOk()
    {
        auto a = KsMemAllocator::create();
        QCOMPARE(a->Decommit(), S_OK);
    }
    void commitHugePoolFailsOutOfMemory()
    {
        auto a = KsMemAllocator::create();
        const ALLOCATOR_PROPERTIES request{1024, 0x7FFF0000, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), S_OK);
        QCOMPARE(a->Commit(), E_OUTOFMEMORY);
        QVERIFY(!a->IsCommitted());
    }

    // ---- GetBuffer / ReleaseBuffer ------------------------------------------------------------
    void getBufferBeforeCommitFailsNotCommitted()
    {
        auto a = KsMemAllocator::create();
        ComPtr<IMediaSample> s;
        QCOMPARE(a->GetBuffer(s.put(), nullptr, nullptr, 0), VFW_E_NOT_COMMITTED);
        QVERIFY(!s);
    }
    void getBufferAfterDecommitFailsNotCommitted()
    {
        auto a = makeCommitted();
        QCOMPARE(a->Decommit(), S_OK);
        ComPtr<IMediaSample> s;
        QCOMPARE(a->GetBuffer(s.put(), nullptr, nullptr, 0), VFW_E_NOT_COMMITTED);
    }
    void getBufferNullPointer()
    {
        auto a = makeCommitted();
        QCOMPARE(a->GetBuffer(nullptr, nullptr, nullptr, 0), E_POINTER);
    }
    void getBufferGivesAlignedSamplesOfTheNegotiatedSize()
    {
        auto a = makeCommitted(3, 1000, 64, 10);
        ComPtr<IMediaSample> s[3];
        for (auto& sample : s) {
            QCOMPARE(a->GetBuffer(sample.put(), nullptr, nullptr, 0), S_OK);
            std::byte* data = nullptr;
            QCOMPARE(sample->GetPointer(&data), S_OK);
            QVERIFY(data);
            QCOMPARE(reinterpret_cast<std::uintptr_t>(data) % 64, std::uintptr_t{0});
            QCOMPARE(sample->GetSize(), 1014);
            std::memset(data - 10, 0xAB, 1024); // prefix and buffer are ours to write
        }
        QVERIFY(s[0].get() != s[1].get() && s[1].get() != s[2].get());
    }
    void getBufferNoWaitOnEmptyPoolTimesOut()
    {
        auto a = makeCommitted(1);
        ComPtr<IMediaSample> first;
        ComPtr<IMediaSample> second;
        QCOMPARE(a->GetBuffer(first.put(), nullptr, nullptr, AM_GBF_NOWAIT), S_OK);
        QCOMPARE(a->GetBuffer(second.put(), nullptr, nullptr, AM_GBF_NOWAIT), VFW_E_TIMEOUT);
        QVERIFY(!second);
        QCOMPARE(a->Counters().getBufferFailures, std::uint64_t{1});
    }
    void getBufferTimeoutExpires()
    {
        auto a = makeCommitted(1);
        ComPtr<IMediaSample> first;
        QCOMPARE(a->GetBuffer(first.put(), nullptr, nullptr, 0), S_OK);
        ComPtr<IMediaSample> second;
        const auto before = std::chrono::steady_clock::now();
        QCOMPARE(a->GetBufferTimeout(second.put(), 30ms), VFW_E_TIMEOUT);
        QVERIFY(std::chrono::steady_clock::now() - before >= 30ms);
    }
    void getBufferBlocksUntilAFrameIsReleased()
    {
        auto a = makeCommitted(1);
        ComPtr<IMediaSample> held;
        QCOMPARE(a->GetBuffer(held.put(), nullptr, nullptr, 0), S_OK);
        std::atomic<bool> got{false};
        std::atomic<HRESULT> result{E_FAIL};
        std::thread waiter([&] {
            ComPtr<IMediaSample> s;
            result = a->GetBuffer(s.put(), nullptr, nullptr, 0);
            got = true;
        });
        std::this_thread::sleep_for(50ms);
        QVERIFY(!got); // still blocked: the only frame is held
        held.reset(); // release -> the waiter gets it
        waiter.join();
        QVERIFY(got);
        QCOMPARE(result.load(), S_OK);
        QVERIFY(a->Counters().waits >= 1);
    }
    void decommitWakesWaitersWhichFail()
    {
        auto a = makeCommitted(1);
        ComPtr<IMediaSample> held;
        QCOMPARE(a->GetBuffer(held.put(), nullptr, nullptr, 0), S_OK);
        std::atomic<HRESULT> result{S_OK};
        std::thread waiter([&] {
            ComPtr<IMediaSample> s;
            result = a->GetBuffer(s.put(), nullptr, nullptr, 0);
        });
        std::this_thread::sleep_for(30ms);
        QCOMPARE(a->Decommit(), S_OK);
        waiter.join();
        QCOMPARE(result.load(), VFW_E_NOT_COMMITTED);
    }
    void decommitWithFramesOutstandingKeepsThemValid()
    {
        auto a = makeCommitted(2, 256);
        ComPtr<IMediaSample> held;
        QCOMPARE(a->GetBuffer(held.put(), nullptr, nullptr, 0), S_OK);
        std::byte* data = nullptr;
        held->GetPointer(&data);
        std::memset(data, 0x5A, 256);
        QCOMPARE(a->Decommit(), S_OK);
        ComPtr<IMediaSample> more;
        QCOMPARE(a->GetBuffer(more.put(), nullptr, nullptr, 0), VFW_E_NOT_COMMITTED);
        // the held frame is still usable (ASan checks the memory is alive)
        QCOMPARE(static_cast<int>(data[255]), 0x5A);
        KSSTREAMALLOCATOR_STATUS status;
        QCOMPARE(a->KsGetAllocatorStatus(&status), S_OK);
        QCOMPARE(status.AllocatedFrames, 1u);
        held.reset(); // last frame back: the pool is freed
        QCOMPARE(a->KsGetAllocatorStatus(&status), S_OK);
        QCOMPARE(status.AllocatedFrames, 0u);
        QVERIFY(a->BufferStates().empty());
    }
    void recommitWhileFramesOutstandingReusesThePool()
    {
        auto a = makeCommitted(2);
        ComPtr<IMediaSample> held;
        QCOMPARE(a->GetBuffer(held.put(), nullptr, nullptr, 0), S_OK);
        QCOMPARE(a->Decommit(), S_OK);
        QCOMPARE(a->Commit(), S_OK);
        ComPtr<IMediaSample> other;
        QCOMPARE(a->GetBuffer(other.put(), nullptr, nullptr, AM_GBF_NOWAIT), S_OK);
        ComPtr<IMediaSample> none;
        QCOMPARE(a->GetBuffer(none.put(), nullptr, nullptr, AM_GBF_NOWAIT), VFW_E_TIMEOUT);
        held.reset();
        QCOMPARE(a->GetBuffer(none.put(), nullptr, nullptr, AM_GBF_NOWAIT), S_OK);
    }
    void releasingTheLastReferenceReturnsTheFrame()
    {
        auto a = makeCommitted(1);
        IMediaSample* raw = nullptr;
        QCOMPARE(a->GetBuffer(&raw, nullptr, nullptr, 0), S_OK);
        QCOMPARE(raw->AddRef(), 2u);
        QCOMPARE(raw->Release(), 1u);
        ComPtr<IMediaSample> again;
        QCOMPARE(a->GetBuffer(again.put(), nullptr, nullptr, AM_GBF_NOWAIT), VFW_E_TIMEOUT);
        QCOMPARE(raw->Release(), 0u); // -> ReleaseBuffer: back in the pool
        QCOMPARE(a->GetBuffer(again.put(), nullptr, nullptr, AM_GBF_NOWAIT), S_OK);
    }
    void releaseBufferRefusesAReferencedSample()
    {
        auto a = makeCommitted(1);
        ComPtr<IMediaSample> held;
        QCOMPARE(a->GetBuffer(held.put(), nullptr, nullptr, 0), S_OK);
        QCOMPARE(a->ReleaseBuffer(held.get()), E_INVALIDARG); // the holder releases it instead
        KSSTREAMALLOCATOR_STATUS status;
        a->KsGetAllocatorStatus(&status);
        QCOMPARE(status.AllocatedFrames, 1u);
        QCOMPARE(a->ReleaseBuffer(nullptr), E_POINTER);
    }
    void strayReleaseDoesNotCorruptThePool()
    {
        auto a = makeCommitted(2);
        IMediaSample* raw = nullptr;
        QCOMPARE(a->GetBuffer(&raw, nullptr, nullptr, 0), S_OK);
        QCOMPARE(raw->Release(), 0u);
        QCOMPARE(raw->Release(), 0u); // one release too many: ignored
        KSSTREAMALLOCATOR_STATUS status;
        a->KsGetAllocatorStatus(&status);
        QCOMPARE(status.AllocatedFrames, 0u);
        QCOMPARE(a->Decommit(), S_OK);
        const ALLOCATOR_PROPERTIES request{3, 100, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), S_OK);
    }
    void absurdFrameCountFailsOutOfMemory()
    {
        auto a = KsMemAllocator::create();
        const ALLOCATOR_PROPERTIES request{2000000000, 1, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), S_OK);
        QCOMPARE(a->Commit(), E_OUTOFMEMORY);
        QVERIFY(!a->IsCommitted());
    }
    void releaseBufferRejectsForeignSamples()
    {
        auto a = makeCommitted(1);
        auto b = makeCommitted(1);
        ComPtr<IMediaSample> fromB;
        QCOMPARE(b->GetBuffer(fromB.put(), nullptr, nullptr, 0), S_OK);
        QCOMPARE(a->ReleaseBuffer(fromB.get()), E_INVALIDARG);
    }
    void sampleActualLength()
    {
        auto a = makeCommitted(1, 100);
        ComPtr<IMediaSample> s;
        QCOMPARE(a->GetBuffer(s.put(), nullptr, nullptr, 0), S_OK);
        QCOMPARE(s->GetActualDataLength(), 0);
        QCOMPARE(s->SetActualDataLength(60), S_OK);
        QCOMPARE(s->GetActualDataLength(), 60);
        QCOMPARE(s->SetActualDataLength(101), VFW_E_BUFFER_NOTSET);
        QCOMPARE(s->SetActualDataLength(-1), VFW_E_BUFFER_NOTSET);
    }
    void bufferStatesFollowTheFrames()
    {
        auto a = makeCommitted(2);
        QCOMPARE(a->BufferStates(), (std::vector<BufferState>{BufferState::Free, BufferState::Free}));
        ComPtr<IMediaSample> s;
        QCOMPARE(a->GetBuffer(s.put(), nullptr, nullptr, 0), S_OK);
        QCOMPARE(a->BufferStates()[0], BufferState::Producer);
        a->SetSampleState(s.get(), BufferState::Waiting);
        QCOMPARE(a->BufferStates()[0], BufferState::Waiting);
        a->SetSampleState(s.get(), BufferState::Consumer);
        QCOMPARE(a->BufferStates()[0], BufferState::Consumer);
        s.reset();
        QCOMPARE(a->BufferStates()[0], BufferState::Free);
    }
    void injectedFailure()
    {
        auto a = makeCommitted(2);
        a->InjectFailure(E_OUTOFMEMORY);
        ComPtr<IMediaSample> s;
        QCOMPARE(a->GetBuffer(s.put(), nullptr, nullptr, 0), E_OUTOFMEMORY);
        a->InjectFailure(S_OK);
        QCOMPARE(a->GetBuffer(s.put(), nullptr, nullptr, 0), S_OK);
    }
    void manyThreadsShareOnePool()
    {
        auto a = makeCommitted(3, 64);
        std::atomic<int> done{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 500; ++i) {
                    ComPtr<IMediaSample> s;
                    if (a->GetBuffer(s.put(), nullptr, nullptr, 0) == S_OK) {
                        std::byte* p = nullptr;
                        s->GetPointer(&p);
                        p[0] = std::byte{1};
                        ++done;
                    }
                }
            });
        }
        for (auto& t : threads)
            t.join();
        QCOMPARE(done.load(), 2000);
        KSSTREAMALLOCATOR_STATUS status;
        a->KsGetAllocatorStatus(&status);
        QCOMPARE(status.AllocatedFrames, 0u);
    }

    // ---- IKsAllocator / IKsAllocatorEx -----------------------------------------------------
    void queryInterface()
    {
        auto a = KsMemAllocator::create();
        ComPtr<IMemAllocator> mem = ComPtr<IMemAllocator>(a);
        auto ks = mem.as<IKsAllocator>(iids::IID_IKsAllocator);
        auto ksEx = mem.as<IKsAllocatorEx>(iids::IID_IKsAllocatorEx);
        QVERIFY(ks);
        QVERIFY(ksEx);
        void* none = reinterpret_cast<void*>(1);
        QCOMPARE(a->QueryInterface(iids::IID_IKsPin, &none), E_NOINTERFACE);
        QVERIFY(!none);
        QCOMPARE(a->QueryInterface(iids::IID_IUnknown, nullptr), E_POINTER);
    }
    void defaultModeIsUserWithNoHandle()
    {
        auto a = KsMemAllocator::create();
        QCOMPARE(a->KsGetAllocatorMode(), KsAllocatorMode_User);
        QCOMPARE(a->KsGetAllocatorHandle(), nullptr);
        QCOMPARE(a->KsCreateAllocatorAndGetHandle(nullptr), nullptr); // no kernel allocator in user mode
    }
    void statusReportsFramingAndAllocatedFrames()
    {
        auto a = KsMemAllocator::create(
            {KsAllocatorMode_User, KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY, kNonPagedPool, guids::KSMEMORY_TYPE_USER});
        const ALLOCATOR_PROPERTIES request{2, 153600, 8, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), S_OK);
        QCOMPARE(a->Commit(), S_OK);
        ComPtr<IMediaSample> s;
        QCOMPARE(a->GetBuffer(s.put(), nullptr, nullptr, 0), S_OK);
        KSSTREAMALLOCATOR_STATUS status;
        QCOMPARE(a->KsGetAllocatorStatus(&status), S_OK);
        QCOMPARE(status.Framing.Frames, 2u);
        QCOMPARE(status.Framing.FrameSize, 153600u);
        QCOMPARE(status.Framing.FileAlignment, 7u);
        QCOMPARE(status.Framing.OptionsFlags, KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY);
        QCOMPARE(status.AllocatedFrames, 1u);
        QCOMPARE(a->KsGetAllocatorStatus(nullptr), E_POINTER);
    }
    void setModeWhileCommittedIsRefused()
    {
        auto a = makeCommitted();
        QCOMPARE(a->KsSetAllocatorMode(KsAllocatorMode_Kernel), VFW_E_ALREADY_COMMITTED);
        QCOMPARE(a->KsGetAllocatorMode(), KsAllocatorMode_User);
        QCOMPARE(a->KsSetAllocatorMode(KsAllocatorMode_User), S_OK); // no change is fine
        QCOMPARE(a->KsSetAllocatorMode(static_cast<KSALLOCATORMODE>(7)), E_INVALIDARG);
    }
    void kernelModeRules()
    {
        auto a = KsMemAllocator::create();
        QCOMPARE(a->KsSetAllocatorMode(KsAllocatorMode_Kernel), S_OK);
        QCOMPARE(a->KsGetAllocatorMode(), KsAllocatorMode_Kernel);
        // the user side cannot set properties of a kernel allocator; Commit/Decommit are no-ops
        const ALLOCATOR_PROPERTIES request{2, 4096, 1, 0};
        ALLOCATOR_PROPERTIES actual;
        QCOMPARE(a->SetProperties(&request, &actual), VFW_E_ALREADY_COMMITTED);
        QCOMPARE(a->SetPoolProperties(&request, &actual), S_OK);
        QCOMPARE(a->Commit(), S_OK);
        QVERIFY(!a->IsCommitted());
        QCOMPARE(a->KsGetAllocatorHandle(), nullptr);
        HANDLE h = a->KsCreateAllocatorAndGetHandle(nullptr);
        QVERIFY(h != nullptr);
        QCOMPARE(a->KsGetAllocatorHandle(), h);
        QCOMPARE(a->KsCreateAllocatorAndGetHandle(nullptr), h); // one kernel allocator per object
        QCOMPARE(a->CommitPool(), S_OK);
        QVERIFY(a->IsCommitted());
        QCOMPARE(a->Decommit(), S_OK); // no-op from the user side
        QVERIFY(a->IsCommitted());
        QCOMPARE(a->DecommitPool(), S_OK);
        QVERIFY(!a->IsCommitted());
        QCOMPARE(a->KsSetAllocatorMode(KsAllocatorMode_User), S_OK);
        QCOMPARE(a->KsGetAllocatorHandle(), nullptr);
    }
    void setAllocatorHandle()
    {
        auto a = KsMemAllocator::create();
        auto* fake = reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(0x1234));
        QCOMPARE(a->KsSetAllocatorHandle(fake), E_UNEXPECTED); // user mode has no handle
        QCOMPARE(a->KsSetAllocatorMode(KsAllocatorMode_Kernel), S_OK);
        QCOMPARE(a->KsSetAllocatorHandle(fake), S_OK);
        QCOMPARE(a->KsGetAllocatorHandle(), fake);
    }
    void ksPropertiesRoundTrip()
    {
        auto a = KsMemAllocator::create();
        ALLOCATOR_PROPERTIES_EX ex = *a->KsGetProperties();
        ex.cBuffers = 4;
        ex.cbBuffer = 1000;
        ex.cbAlign = 16;
        ex.cbPrefix = 0;
        ex.State = PipeState_RangeFixed;
        ex.AllocatorPlace = Pipe_Allocator_FirstPin;
        ex.LogicalMemoryType = KS_MemoryTypeKernelPaged;
        ex.NumberPins = 2;
        QCOMPARE(a->KsSetProperties(&ex), S_OK);
        const ALLOCATOR_PROPERTIES_EX* got = a->KsGetProperties();
        QCOMPARE(got->cBuffers, 4);
        QCOMPARE(got->cbBuffer, 1008); // rounded to the alignment
        QCOMPARE(got->State, PipeState_RangeFixed);
        QCOMPARE(got->AllocatorPlace, Pipe_Allocator_FirstPin);
        QCOMPARE(got->LogicalMemoryType, KS_MemoryTypeKernelPaged);
        QCOMPARE(got->NumberPins, 2u);
        ALLOCATOR_PROPERTIES props;
        a->GetProperties(&props);
        QCOMPARE(props.cbBuffer, 1008);
    }
    void ksSetPropertiesRefusedWhileCommitted()
    {
        auto a = makeCommitted();
        ALLOCATOR_PROPERTIES_EX ex = *a->KsGetProperties();
        ex.cBuffers = 8;
        QCOMPARE(a->KsSetProperties(&ex), VFW_E_ALREADY_COMMITTED);
        QCOMPARE(a->KsGetProperties()->cBuffers, 2);
        QCOMPARE(a->KsSetProperties(nullptr), E_POINTER);
    }
    void ksSetPropertiesBadAlignment()
    {
        auto a = KsMemAllocator::create();
        ALLOCATOR_PROPERTIES_EX ex;
        ex.cBuffers = 2;
        ex.cbBuffer = 100;
        ex.cbAlign = 6;
        QCOMPARE(a->KsSetProperties(&ex), VFW_E_BADALIGN);
    }

    // ---- reference counting ---------------------------------------------------------------
    void peekOnlyLeavesTheCountUnchanged()
    {
        auto a = KsMemAllocator::create();
        TestPin pin(a.get());
        const ULONG before = a->RefCountForTesting();
        IMemAllocator* peeked = pin.KsPeekAllocator(KsPeekOperation_PeekOnly);
        QCOMPARE(peeked, static_cast<IMemAllocator*>(a.get()));
        QCOMPARE(a->RefCountForTesting(), before);
    }
    void addRefRaisesTheCountAndTheCallerReleases()
    {
        auto a = KsMemAllocator::create();
        TestPin pin(a.get());
        const ULONG before = a->RefCountForTesting();
        IMemAllocator* peeked = pin.KsPeekAllocator(KsPeekOperation_AddRef);
        QCOMPARE(a->RefCountForTesting(), before + 1);
        QCOMPARE(peeked->Release(), before);
        QCOMPARE(a->RefCountForTesting(), before);
    }
    void noAllocatorPeeksNull()
    {
        TestPin pin(nullptr);
        QCOMPARE(pin.KsPeekAllocator(KsPeekOperation_AddRef), nullptr);
        QCOMPARE(pin.KsPeekAllocator(KsPeekOperation_PeekOnly), nullptr);
    }
    void outstandingSamplesKeepTheAllocatorAlive()
    {
        auto a = makeCommitted(1, 64);
        ComPtr<IMediaSample> s;
        QCOMPARE(a->GetBuffer(s.put(), nullptr, nullptr, 0), S_OK);
        QCOMPARE(a->RefCountForTesting(), 2u); // ours + the outstanding sample's
        a.reset(); // the sample still holds it
        std::byte* p = nullptr;
        QCOMPARE(s->GetPointer(&p), S_OK);
        p[63] = std::byte{7};
        s.reset(); // last reference: allocator and pool go (ASan/LSan check)
    }
    void queryInterfaceAddsAReference()
    {
        auto a = KsMemAllocator::create();
        const ULONG before = a->RefCountForTesting();
        void* p = nullptr;
        QCOMPARE(a->QueryInterface(iids::IID_IKsAllocatorEx, &p), S_OK);
        QCOMPARE(a->RefCountForTesting(), before + 1);
        static_cast<IKsAllocatorEx*>(p)->Release();
        QCOMPARE(a->RefCountForTesting(), before);
    }
};

QTEST_GUILESS_MAIN(TestAllocator)
#include "tst_allocator.moc"
