// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/allocator.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <new>
#include <utility>

namespace ksscope {

Negotiation negotiateProperties(const ALLOCATOR_PROPERTIES& request)
{
    Negotiation result;
    if (request.cBuffers < 0 || request.cbBuffer < 0 || request.cbAlign < 0 || request.cbPrefix < 0) {
        result.hr = E_INVALIDARG;
        return result;
    }
    // cbAlign must be non-zero and divide the allocation granularity (so it is a power of two <= 64 KiB).
    if (request.cbAlign == 0 || (kAllocationGranularity % request.cbAlign) != 0) {
        result.hr = VFW_E_BADALIGN;
        return result;
    }
    const std::int64_t withPrefix = std::int64_t{request.cbBuffer} + request.cbPrefix;
    const std::int64_t rounded = (withPrefix + request.cbAlign - 1) / request.cbAlign * request.cbAlign;
    const std::int64_t buffer = rounded - request.cbPrefix;
    if (buffer > INT32_MAX) {
        result.hr = E_INVALIDARG;
        return result;
    }
    result.actual = request;
    result.actual.cbBuffer = static_cast<LONG>(buffer);
    return result;
}

// ---- the media sample --------------------------------------------------------------------------

class KsMemAllocator::Sample final : public IMediaSample {
public:
    Sample(KsMemAllocator* owner, std::size_t index, std::byte* data, LONG size)
        : m_owner(owner), m_index(index), m_data(data), m_size(size)
    {
    }
    HRESULT QueryInterface(const Guid& iid, void** object) override
    {
        if (!object)
            return E_POINTER;
        if (iid == iids::IID_IUnknown || iid == iids::IID_IMediaSample) {
            AddRef();
            *object = static_cast<IMediaSample*>(this);
            return S_OK;
        }
        *object = nullptr;
        return E_NOINTERFACE;
    }
    ULONG AddRef() override { return m_refs.add(); }
    ULONG Release() override
    {
        if (m_refs.value() == 0)
            return 0; // already back in the pool: a stray Release must not wrap the count
        const ULONG left = m_refs.release();
        if (left == 0)
            m_owner->returnSample(this); // back to the free list; the allocator owns the object
        return left;
    }
    [[nodiscard]] ULONG references() const noexcept { return m_refs.value(); }
    HRESULT GetPointer(std::byte** buffer) override
    {
        if (!buffer)
            return E_POINTER;
        *buffer = m_data;
        return S_OK;
    }
    LONG GetSize() override { return m_size; }
    LONG GetActualDataLength() override { return m_actual.load(std::memory_order_relaxed); }
    HRESULT SetActualDataLength(LONG length) override
    {
        if (length < 0 || length > m_size)
            return VFW_E_BUFFER_NOTSET;
        m_actual.store(length, std::memory_order_relaxed);
        return S_OK;
    }

    void reset() noexcept
    {
        m_refs.add(); // count goes 0 -> 1 for the new owner
        m_actual.store(0, std::memory_order_relaxed);
    }
    [[nodiscard]] std::size_t index() const noexcept { return m_index; }
    [[nodiscard]] KsMemAllocator* owner() const noexcept { return m_owner; }

private:
    RefCount m_refs; // starts at 1; set to 0 before the sample is first handed out
    KsMemAllocator* m_owner;
    std::size_t m_index;
    std::byte* m_data;
    LONG m_size;
    std::atomic<LONG> m_actual{0};

    friend class KsMemAllocator;
};

// ---- the allocator -----------------------------------------------------------------------------

namespace {
std::atomic<std::uintptr_t> g_nextHandle{0x4000};
}

ComPtr<KsMemAllocator> KsMemAllocator::create(Options options)
{
    return ComPtr<KsMemAllocator>::adopt(new KsMemAllocator(options));
}

KsMemAllocator::KsMemAllocator(Options options) : m_options(options), m_mode(options.mode)
{
    m_propsEx.MemoryType = options.memoryType;
    m_propsEx.LogicalMemoryType =
        options.mode == KsAllocatorMode_Kernel ? KS_MemoryTypeKernelNonPaged : KS_MemoryTypeUser;
}

KsMemAllocator::~KsMemAllocator() = default;

HRESULT KsMemAllocator::QueryInterface(const Guid& iid, void** object)
{
    if (!object)
        return E_POINTER;
    if (iid == iids::IID_IUnknown || iid == iids::IID_IMemAllocator) {
        *object = static_cast<IMemAllocator*>(this);
    } else if (iid == iids::IID_IKsAllocator) {
        *object = static_cast<IKsAllocator*>(this);
    } else if (iid == iids::IID_IKsAllocatorEx) {
        *object = static_cast<IKsAllocatorEx*>(this);
    } else {
        *object = nullptr;
        return E_NOINTERFACE;
    }
    AddRef();
    return S_OK;
}

ULONG KsMemAllocator::AddRef()
{
    return m_refs.add();
}

ULONG KsMemAllocator::Release()
{
    const ULONG left = m_refs.release();
    if (left == 0)
        delete this;
    return left;
}

HRESULT KsMemAllocator::SetProperties(const ALLOCATOR_PROPERTIES* request, ALLOCATOR_PROPERTIES* actual)
{
    if (!request || !actual)
        return E_POINTER;
    std::lock_guard lock(m_mutex);
    if (m_mode == KsAllocatorMode_Kernel)
        return VFW_E_ALREADY_COMMITTED; // the kernel owns the pool
    return setPropertiesLocked(*request, actual);
}

HRESULT KsMemAllocator::SetPoolProperties(const ALLOCATOR_PROPERTIES* request, ALLOCATOR_PROPERTIES* actual)
{
    if (!request)
        return E_POINTER;
    std::lock_guard lock(m_mutex);
    return setPropertiesLocked(*request, actual);
}

HRESULT KsMemAllocator::setPropertiesLocked(const ALLOCATOR_PROPERTIES& request, ALLOCATOR_PROPERTIES* actual)
{
    if (m_committed)
        return VFW_E_ALREADY_COMMITTED;
    if (m_outstanding > 0)
        return VFW_E_BUFFERS_OUTSTANDING;
    const Negotiation negotiated = negotiateProperties(request);
    if (FAILED(negotiated.hr))
        return negotiated.hr;
    m_props = negotiated.actual;
    if (actual)
        *actual = m_props;
    return S_OK;
}

HRESULT KsMemAllocator::GetProperties(ALLOCATOR_PROPERTIES* props)
{
    if (!props)
        return E_POINTER;
    std::lock_guard lock(m_mutex);
    *props = m_props;
    return S_OK;
}

std::string KsMemAllocator::poolSizeProblem(const ALLOCATOR_PROPERTIES& p)
{
    if (p.cBuffers > kMaxPoolBuffers)
        return std::to_string(p.cBuffers) + " frames are over the limit of " + std::to_string(kMaxPoolBuffers) +
               " frames per allocator";
    const std::int64_t stride = std::int64_t{p.cbBuffer} + p.cbPrefix;
    // NOLINTNEXTLINE(bugprone-sizeof-expression): counts the Sample* that each buffer has in m_free
    const auto bookkeeping = static_cast<std::int64_t>(sizeof(Sample) + sizeof(Sample*) + 16);
    const std::int64_t total = (stride + bookkeeping) * p.cBuffers + p.cbAlign;
    if (total > kMaxPoolBytes)
        return std::to_string(p.cBuffers) + " frames of " + std::to_string(stride) + " bytes (" +
               std::to_string(total >> 20) + " MiB) are over the limit of " + std::to_string(kMaxPoolBytes >> 20) +
               " MiB per allocator";
    return {};
}

HRESULT KsMemAllocator::Commit()
{
    std::lock_guard lock(m_mutex);
    if (m_mode == KsAllocatorMode_Kernel)
        return S_OK; // the kernel side commits its own pool
    return commitLocked();
}

HRESULT KsMemAllocator::CommitPool()
{
    std::lock_guard lock(m_mutex);
    return commitLocked();
}

HRESULT KsMemAllocator::commitLocked()
{
    if (FAILED(m_injected))
        return m_injected;
    if (m_committed)
        return S_OK;
    if (m_props.cBuffers == 0 || m_props.cbBuffer == 0 || m_props.cbAlign == 0)
        return VFW_E_SIZENOTSET;
    if (m_decommitInProgress) {
        // samples still out from the previous commit: keep the pool and hand it out again
        m_decommitInProgress = false;
        m_committed = true;
        return S_OK;
    }
    const std::int64_t stride = std::int64_t{m_props.cbBuffer} + m_props.cbPrefix;
    const std::int64_t total = stride * m_props.cBuffers + m_props.cbAlign;
    if (!poolSizeProblem(m_props).empty())
        return E_OUTOFMEMORY;
    try {
        return allocatePoolLocked(stride, total);
    } catch (const std::bad_alloc&) {
        freePoolLocked();
        return E_OUTOFMEMORY;
    }
}

HRESULT KsMemAllocator::allocatePoolLocked(std::int64_t stride, std::int64_t total)
{
    // NOLINTNEXTLINE(modernize-avoid-c-arrays)
    std::unique_ptr<std::byte[]> memory(new (std::nothrow) std::byte[static_cast<std::size_t>(total)]);
    if (!memory)
        return E_OUTOFMEMORY;
    auto base = reinterpret_cast<std::uintptr_t>(memory.get());
    const auto align = static_cast<std::uintptr_t>(m_props.cbAlign);
    // the data pointer (after the prefix) is aligned, as in CMemAllocator
    base = (base + static_cast<std::uintptr_t>(m_props.cbPrefix) + align - 1) / align * align -
           static_cast<std::uintptr_t>(m_props.cbPrefix);
    if (base < reinterpret_cast<std::uintptr_t>(memory.get()))
        base += align;
    auto* first = memory.get() + (base - reinterpret_cast<std::uintptr_t>(memory.get()));
    m_samples.clear();
    m_free.clear();
    const auto count = static_cast<std::size_t>(m_props.cBuffers);
    m_samples.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        std::byte* data = first + static_cast<std::ptrdiff_t>(i) * stride + m_props.cbPrefix;
        auto sample = std::make_unique<Sample>(this, i, data, m_props.cbBuffer);
        sample->m_refs.release(); // free samples have no references
        m_free.push_back(sample.get());
        m_samples.push_back(std::move(sample));
    }
    std::reverse(m_free.begin(), m_free.end()); // hand out buffer 0 first
    m_states.assign(count, BufferState::Free);
    m_memory = std::move(memory);
    m_committed = true;
    return S_OK;
}

HRESULT KsMemAllocator::Decommit()
{
    std::lock_guard lock(m_mutex);
    if (m_mode == KsAllocatorMode_Kernel)
        return S_OK;
    decommitLocked();
    return S_OK;
}

HRESULT KsMemAllocator::DecommitPool()
{
    std::lock_guard lock(m_mutex);
    decommitLocked();
    return S_OK;
}

void KsMemAllocator::decommitLocked()
{
    if (!m_committed)
        return;
    m_committed = false;
    if (m_outstanding == 0)
        freePoolLocked();
    else
        m_decommitInProgress = true; // freed when the last sample comes back
    m_freeCv.notify_all(); // waiters wake and fail with VFW_E_NOT_COMMITTED
}

void KsMemAllocator::freePoolLocked()
{
    m_free.clear();
    m_samples.clear();
    m_states.clear();
    m_memory.reset();
    m_decommitInProgress = false;
}

HRESULT KsMemAllocator::GetBuffer(IMediaSample** sample, REFERENCE_TIME* /*start*/, REFERENCE_TIME* /*end*/,
                                  DWORD flags)
{
    return getBufferImpl(sample, flags, nullptr);
}

HRESULT KsMemAllocator::GetBufferTimeout(IMediaSample** sample, std::chrono::microseconds timeout)
{
    return getBufferImpl(sample, 0, &timeout);
}

HRESULT KsMemAllocator::getBufferImpl(IMediaSample** sample, DWORD flags, const std::chrono::microseconds* timeout)
{
    if (!sample)
        return E_POINTER;
    *sample = nullptr;
    std::unique_lock lock(m_mutex);
    ++m_counters.getBufferCalls;
    const auto deadline =
        timeout ? std::chrono::steady_clock::now() + *timeout : std::chrono::steady_clock::time_point{};
    bool waited = false;
    for (;;) {
        if (FAILED(m_injected))
            return m_injected;
        if (!m_committed)
            return VFW_E_NOT_COMMITTED;
        if (!m_free.empty())
            break;
        if ((flags & AM_GBF_NOWAIT) != 0 || (timeout && timeout->count() <= 0)) {
            ++m_counters.getBufferFailures;
            return VFW_E_TIMEOUT;
        }
        if (!waited) {
            ++m_counters.waits;
            waited = true;
        }
        if (timeout) {
            if (m_freeCv.wait_until(lock, deadline) == std::cv_status::timeout && m_free.empty() && m_committed) {
                ++m_counters.getBufferFailures;
                return VFW_E_TIMEOUT;
            }
        } else {
            m_freeCv.wait(lock);
        }
    }
    Sample* taken = m_free.back();
    m_free.pop_back();
    ++m_outstanding;
    m_states[taken->index()] = BufferState::Producer;
    noteLocked(static_cast<std::uint32_t>(taken->index()), BufferState::Producer);
    taken->reset();
    AddRef(); // each outstanding sample keeps its allocator alive
    *sample = taken;
    return S_OK;
}

HRESULT KsMemAllocator::ReleaseBuffer(IMediaSample* sample)
{
    if (!sample)
        return E_POINTER;
    auto* ours = dynamic_cast<Sample*>(sample);
    if (!ours || ours->owner() != this)
        return E_INVALIDARG;
    // The sample calls this itself when its last reference goes (Sample::Release); a sample that is
    // still referenced, or already free, is not ours to put back.
    return E_INVALIDARG;
}

void KsMemAllocator::returnSample(Sample* sample)
{
    {
        std::lock_guard lock(m_mutex);
        m_free.push_back(sample);
        if (sample->index() < m_states.size()) {
            m_states[sample->index()] = BufferState::Free;
            noteLocked(static_cast<std::uint32_t>(sample->index()), BufferState::Free);
        }
        --m_outstanding;
        if (m_decommitInProgress && m_outstanding == 0)
            freePoolLocked();
        else
            m_freeCv.notify_one();
    }
    Release(); // the reference taken in GetBuffer; may delete this allocator
}

void KsMemAllocator::SetSampleState(IMediaSample* sample, BufferState state, std::int64_t sequence)
{
    auto* ours = dynamic_cast<Sample*>(sample);
    if (!ours || ours->owner() != this)
        return;
    const LONG bytes = sample->GetActualDataLength();
    std::lock_guard lock(m_mutex);
    if (ours->index() < m_states.size()) {
        m_states[ours->index()] = state;
        noteLocked(static_cast<std::uint32_t>(ours->index()), state, sequence,
                   bytes > 0 ? static_cast<std::uint32_t>(bytes) : 0);
    }
}

void KsMemAllocator::noteLocked(std::uint32_t buffer, BufferState state, std::int64_t sequence, std::uint32_t bytes)
{
    if (!m_follow)
        return;
    if (m_transitions.size() >= m_followLimit) {
        const std::size_t drop = std::max<std::size_t>(1, m_followLimit / 4);
        m_transitions.erase(m_transitions.begin(),
                            m_transitions.begin() + static_cast<std::ptrdiff_t>(std::min(drop, m_transitions.size())));
        m_transitionsDropped += drop;
    }
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    m_transitions.push_back(
        {std::chrono::duration_cast<std::chrono::nanoseconds>(now).count(), buffer, state, sequence, bytes});
}

void KsMemAllocator::FollowTransitions(bool on, std::size_t limit)
{
    std::lock_guard lock(m_mutex);
    m_follow = on;
    m_followLimit = std::max<std::size_t>(limit, 1);
    if (!on)
        m_transitions.clear();
}

std::uint64_t KsMemAllocator::TakeTransitions(std::vector<FrameTransition>& out)
{
    std::lock_guard lock(m_mutex);
    out.insert(out.end(), m_transitions.begin(), m_transitions.end());
    m_transitions.clear();
    return std::exchange(m_transitionsDropped, 0);
}

void KsMemAllocator::InjectFailure(HRESULT hr)
{
    std::lock_guard lock(m_mutex);
    m_injected = hr;
    m_freeCv.notify_all();
}

bool KsMemAllocator::IsCommitted() const
{
    std::lock_guard lock(m_mutex);
    return m_committed;
}

AllocatorCounters KsMemAllocator::Counters() const
{
    std::lock_guard lock(m_mutex);
    return m_counters;
}

std::vector<BufferState> KsMemAllocator::BufferStates() const
{
    std::lock_guard lock(m_mutex);
    return m_states;
}

HANDLE KsMemAllocator::KsGetAllocatorHandle()
{
    std::lock_guard lock(m_mutex);
    return m_mode == KsAllocatorMode_Kernel ? m_handle : nullptr;
}

KSALLOCATORMODE KsMemAllocator::KsGetAllocatorMode()
{
    std::lock_guard lock(m_mutex);
    return m_mode;
}

HRESULT KsMemAllocator::KsGetAllocatorStatus(KSSTREAMALLOCATOR_STATUS* status)
{
    if (!status)
        return E_POINTER;
    std::lock_guard lock(m_mutex);
    status->Framing = framingFromProperties(m_props, m_options.optionsFlags, m_options.poolType);
    status->AllocatedFrames = m_outstanding;
    status->Reserved = 0;
    return S_OK;
}

HRESULT KsMemAllocator::KsSetAllocatorMode(KSALLOCATORMODE mode)
{
    if (mode != KsAllocatorMode_User && mode != KsAllocatorMode_Kernel)
        return E_INVALIDARG;
    std::lock_guard lock(m_mutex);
    if (mode == m_mode)
        return S_OK;
    if (m_committed || m_outstanding > 0)
        return VFW_E_ALREADY_COMMITTED;
    m_mode = mode;
    m_propsEx.LogicalMemoryType = mode == KsAllocatorMode_Kernel ? KS_MemoryTypeKernelNonPaged : KS_MemoryTypeUser;
    m_propsEx.MemoryType =
        mode == KsAllocatorMode_Kernel ? guids::KSMEMORY_TYPE_KERNEL_NONPAGED : guids::KSMEMORY_TYPE_USER;
    if (mode == KsAllocatorMode_User)
        m_handle = nullptr;
    return S_OK;
}

ALLOCATOR_PROPERTIES_EX* KsMemAllocator::KsGetProperties()
{
    std::lock_guard lock(m_mutex);
    m_propsEx.cBuffers = m_props.cBuffers;
    m_propsEx.cbBuffer = m_props.cbBuffer;
    m_propsEx.cbAlign = m_props.cbAlign;
    m_propsEx.cbPrefix = m_props.cbPrefix;
    return &m_propsEx;
}

HRESULT KsMemAllocator::KsSetProperties(const ALLOCATOR_PROPERTIES_EX* props)
{
    if (!props)
        return E_POINTER;
    std::lock_guard lock(m_mutex);
    const ALLOCATOR_PROPERTIES request{props->cBuffers, props->cbBuffer, props->cbAlign, props->cbPrefix};
    const HRESULT hr = setPropertiesLocked(request, nullptr);
    if (FAILED(hr))
        return hr;
    m_propsEx = *props;
    m_propsEx.cBuffers = m_props.cBuffers;
    m_propsEx.cbBuffer = m_props.cbBuffer;
    m_propsEx.cbAlign = m_props.cbAlign;
    m_propsEx.cbPrefix = m_props.cbPrefix;
    return S_OK;
}

HRESULT KsMemAllocator::KsSetAllocatorHandle(HANDLE handle)
{
    std::lock_guard lock(m_mutex);
    if (m_mode != KsAllocatorMode_Kernel)
        return E_UNEXPECTED; // a handle only means something for a kernel-mode allocator
    m_handle = handle;
    return S_OK;
}

HANDLE KsMemAllocator::KsCreateAllocatorAndGetHandle(IKsPin* /*pin*/)
{
    std::lock_guard lock(m_mutex);
    if (m_mode != KsAllocatorMode_Kernel)
        return nullptr;
    if (!m_handle) {
        const auto value = g_nextHandle.fetch_add(4, std::memory_order_relaxed);
        // NOLINTNEXTLINE(performance-no-int-to-ptr): a kernel-mode handle is an opaque number, never dereferenced
        m_handle = reinterpret_cast<HANDLE>(value);
    }
    return m_handle;
}

} // namespace ksscope
