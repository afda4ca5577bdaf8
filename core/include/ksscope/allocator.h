// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file allocator.h
/// The allocator contract of the Windows kernel streaming proxy (IMemAllocator, IKsAllocator,
/// IKsAllocatorEx, IKsPin::KsPeekAllocator) and its portable implementation.

#include "ksscope/com.h"
#include "ksscope/hresult.h"
#include "ksscope/ks_types.h"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

namespace ksscope {

/// A frame handed out by an allocator. Releasing the last reference returns it to its allocator.
class IMediaSample : public IUnknown {
public:
    virtual HRESULT GetPointer(std::byte** buffer) = 0;
    virtual LONG GetSize() = 0;
    virtual LONG GetActualDataLength() = 0;
    virtual HRESULT SetActualDataLength(LONG length) = 0;
};

/// IMemAllocator (strmif.h)
class IMemAllocator : public IUnknown {
public:
    virtual HRESULT SetProperties(const ALLOCATOR_PROPERTIES* request, ALLOCATOR_PROPERTIES* actual) = 0;
    virtual HRESULT GetProperties(ALLOCATOR_PROPERTIES* props) = 0;
    virtual HRESULT Commit() = 0;
    virtual HRESULT Decommit() = 0;
    /// Blocks until a frame is free unless \a flags has AM_GBF_NOWAIT (then VFW_E_TIMEOUT when none is).
    virtual HRESULT GetBuffer(IMediaSample** sample, REFERENCE_TIME* start, REFERENCE_TIME* end, DWORD flags) = 0;
    /// Called by a sample when its last reference goes; refused (E_INVALIDARG) for a sample still referenced.
    virtual HRESULT ReleaseBuffer(IMediaSample* sample) = 0;
};

class IKsPin;

/// IKsAllocator (ksproxy.h), vtable order as on Windows.
class IKsAllocator : public IUnknown {
public:
    /// File handle of the kernel allocator; null in user mode.
    virtual HANDLE KsGetAllocatorHandle() = 0;
    virtual KSALLOCATORMODE KsGetAllocatorMode() = 0;
    virtual HRESULT KsGetAllocatorStatus(KSSTREAMALLOCATOR_STATUS* status) = 0;
    /// Declared void on Windows; the HRESULT reports refusals (VFW_E_ALREADY_COMMITTED while committed).
    virtual HRESULT KsSetAllocatorMode(KSALLOCATORMODE mode) = 0;
};

/// IKsAllocatorEx (ksproxy.h), vtable order as on Windows.
class IKsAllocatorEx : public IKsAllocator {
public:
    /// Points into the allocator; valid until the next KsSetProperties (as on Windows).
    virtual ALLOCATOR_PROPERTIES_EX* KsGetProperties() = 0;
    /// Declared void on Windows; the HRESULT reports the negotiation result.
    virtual HRESULT KsSetProperties(const ALLOCATOR_PROPERTIES_EX* props) = 0;
    virtual HRESULT KsSetAllocatorHandle(HANDLE handle) = 0;
    virtual HANDLE KsCreateAllocatorAndGetHandle(IKsPin* pin) = 0;
};

/// IKsPin (ksproxy.h): the part of it that reaches the allocator.
class IKsPin : public IUnknown {
public:
    /// The pin's assigned allocator, or null when it has none. PeekOnly adds no reference; AddRef adds
    /// one that the caller releases.
    virtual IMemAllocator* KsPeekAllocator(KSPEEKOPERATION operation) = 0;
};

/// Outcome of negotiating ALLOCATOR_PROPERTIES under the native CMemAllocator rules.
struct Negotiation {
    HRESULT hr = S_OK;
    ALLOCATOR_PROPERTIES actual;
};

/// Allocation granularity that cbAlign must divide (the Windows value, 64 KiB).
inline constexpr LONG kAllocationGranularity = 65536;
/// Largest total pool a single allocator commits (guards against absurd requests).
inline constexpr std::int64_t kMaxPoolBytes = std::int64_t{1} << 32;
/// Most frames a single allocator commits.
inline constexpr LONG kMaxPoolBuffers = 65536;

/// The CMemAllocator rules for SetProperties: cbAlign non-zero and dividing the allocation granularity
/// (VFW_E_BADALIGN), negative values rejected (E_INVALIDARG), and cbBuffer + cbPrefix rounded up to a
/// multiple of cbAlign, with the reported cbBuffer being that minus cbPrefix. Pure: used by the allocator
/// and by "what-if" previews.
[[nodiscard]] Negotiation negotiateProperties(const ALLOCATOR_PROPERTIES& request);

/// Per-buffer state, for lane views and stuck-frame detection.
enum class BufferState : std::uint8_t {
    Free = 0, ///< in the allocator's free list
    Producer = 1, ///< taken by GetBuffer, being filled
    Waiting = 2, ///< filled, queued for the consumer
    Consumer = 3, ///< held by the consumer
};

/// One state change of one frame of a pool, kept for a source that follows every frame
/// (KsMemAllocator::FollowTransitions).
struct FrameTransition {
    std::int64_t t_ns = 0; ///< std::chrono::steady_clock, ns since its epoch
    std::uint32_t buffer = 0; ///< the frame's index in the pool
    BufferState state = BufferState::Free;
    std::int64_t sequence = -1; ///< Waiting: the frame's number, as the producer gave it; -1: none
    std::uint32_t bytes = 0; ///< Waiting: the data length
};

/// Counters kept by the allocator itself.
struct AllocatorCounters {
    std::uint64_t getBufferCalls = 0;
    std::uint64_t getBufferFailures = 0; ///< NOWAIT/timeout requests that found no free frame
    std::uint64_t waits = 0; ///< blocking requests that had to wait
};

/// A memory allocator with the native DirectShow CMemAllocator behaviour (REFERENCE section 2) that
/// also implements IKsAllocatorEx as the kernel streaming proxy does: user mode by default; in kernel
/// mode, IMemAllocator::SetProperties is refused (VFW_E_ALREADY_COMMITTED) and Commit/Decommit from
/// the user side are no-ops, as the kernel owns the pool.
class KsMemAllocator final : public IMemAllocator, public IKsAllocatorEx {
public:
    struct Options {
        KSALLOCATORMODE mode = KsAllocatorMode_User;
        ULONG optionsFlags = 0;
        ULONG poolType = kNonPagedPool;
        Guid memoryType = guids::KSMEMORY_TYPE_USER;
    };
    /// Created with one reference held by the caller.
    static ComPtr<KsMemAllocator> create(Options options);
    static ComPtr<KsMemAllocator> create() { return create(Options{}); }
    /// Whether Commit would refuse a pool of these properties for its size (E_OUTOFMEMORY): "" when it fits, else
    /// why not, e.g. "2000000000 frames are over the limit of 65536 frames per allocator".
    [[nodiscard]] static std::string poolSizeProblem(const ALLOCATOR_PROPERTIES& properties);

    // IUnknown
    HRESULT QueryInterface(const Guid& iid, void** object) override;
    ULONG AddRef() override;
    ULONG Release() override;
    // IMemAllocator
    HRESULT SetProperties(const ALLOCATOR_PROPERTIES* request, ALLOCATOR_PROPERTIES* actual) override;
    HRESULT GetProperties(ALLOCATOR_PROPERTIES* props) override;
    HRESULT Commit() override;
    HRESULT Decommit() override;
    HRESULT GetBuffer(IMediaSample** sample, REFERENCE_TIME* start, REFERENCE_TIME* end, DWORD flags) override;
    HRESULT ReleaseBuffer(IMediaSample* sample) override;
    // IKsAllocator
    HANDLE KsGetAllocatorHandle() override;
    KSALLOCATORMODE KsGetAllocatorMode() override;
    HRESULT KsGetAllocatorStatus(KSSTREAMALLOCATOR_STATUS* status) override;
    HRESULT KsSetAllocatorMode(KSALLOCATORMODE mode) override;
    // IKsAllocatorEx
    ALLOCATOR_PROPERTIES_EX* KsGetProperties() override;
    HRESULT KsSetProperties(const ALLOCATOR_PROPERTIES_EX* props) override;
    HRESULT KsSetAllocatorHandle(HANDLE handle) override;
    HANDLE KsCreateAllocatorAndGetHandle(IKsPin* pin) override;

    // ---- device side (the owner of a kernel-mode pool, or tests) -----------------------------------
    /// GetBuffer with a timeout: VFW_E_TIMEOUT when no frame became free in time.
    HRESULT GetBufferTimeout(IMediaSample** sample, std::chrono::microseconds timeout);
    /// Sets the pool properties whatever the mode (the kernel side configuring its own pool).
    HRESULT SetPoolProperties(const ALLOCATOR_PROPERTIES* request, ALLOCATOR_PROPERTIES* actual);
    HRESULT CommitPool();
    HRESULT DecommitPool();
    /// Makes every later Commit and GetBuffer fail with \a hr (fault injection); S_OK clears it.
    void InjectFailure(HRESULT hr);
    /// Marks a sample's state for lane views (Producer -> Waiting -> Consumer); GetBuffer sets Producer. \a sequence:
    /// the frame's number when it is marked Waiting (filled), for a source that follows every frame.
    void SetSampleState(IMediaSample* sample, BufferState state, std::int64_t sequence = -1);
    /// Starts (or stops) keeping every frame's state change, at most \a limit between two TakeTransitions (then the
    /// oldest go, counted).
    void FollowTransitions(bool on, std::size_t limit = 65536);
    /// The state changes kept since the last call, in order, appended to \a out; returns how many were dropped.
    std::uint64_t TakeTransitions(std::vector<FrameTransition>& out);
    [[nodiscard]] bool IsCommitted() const;
    [[nodiscard]] ULONG RefCountForTesting() const { return m_refs.value(); }
    [[nodiscard]] AllocatorCounters Counters() const;
    /// States of the frames of the current pool, in buffer order.
    [[nodiscard]] std::vector<BufferState> BufferStates() const;
    [[nodiscard]] ULONG OptionsFlags() const { return m_options.optionsFlags; }

    KsMemAllocator(const KsMemAllocator&) = delete;
    KsMemAllocator& operator=(const KsMemAllocator&) = delete;

private:
    class Sample;
    explicit KsMemAllocator(Options options);
    ~KsMemAllocator() override;

    HRESULT setPropertiesLocked(const ALLOCATOR_PROPERTIES& request, ALLOCATOR_PROPERTIES* actual);
    HRESULT commitLocked();
    HRESULT allocatePoolLocked(std::int64_t stride, std::int64_t total);
    void decommitLocked();
    void freePoolLocked();
    HRESULT getBufferImpl(IMediaSample** sample, DWORD flags, const std::chrono::microseconds* timeout);
    void returnSample(Sample* sample);

    RefCount m_refs;
    Options m_options;
    mutable std::mutex m_mutex; // guards everything below
    std::condition_variable m_freeCv;
    KSALLOCATORMODE m_mode;
    ALLOCATOR_PROPERTIES m_props;
    ALLOCATOR_PROPERTIES_EX m_propsEx;
    bool m_committed = false;
    bool m_decommitInProgress = false;
    HRESULT m_injected = S_OK;
    HANDLE m_handle = nullptr;
    std::unique_ptr<std::byte[]> m_memory;
    std::vector<std::unique_ptr<Sample>> m_samples;
    std::vector<Sample*> m_free;
    std::vector<BufferState> m_states;
    ULONG m_outstanding = 0;
    AllocatorCounters m_counters;
    bool m_follow = false;
    std::size_t m_followLimit = 0;
    std::vector<FrameTransition> m_transitions; // kept while m_follow
    std::uint64_t m_transitionsDropped = 0;
    void noteLocked(std::uint32_t buffer, BufferState state, std::int64_t sequence = -1, std::uint32_t bytes = 0);
};

} // namespace ksscope
