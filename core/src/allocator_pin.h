// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// An IKsPin that hands out one assignable allocator, for the backends' pins.

#include "ksscope/allocator.h"

#include <mutex>

namespace ksscope {

class AllocatorPin final : public IKsPin {
public:
    /// Created with one reference held by the caller.
    static ComPtr<AllocatorPin> create(ComPtr<IMemAllocator> allocator = nullptr)
    {
        return ComPtr<AllocatorPin>::adopt(new AllocatorPin(std::move(allocator)));
    }

    HRESULT QueryInterface(const Guid& iid, void** object) override
    {
        if (!object)
            return E_POINTER;
        if (iid == iids::IID_IUnknown || iid == iids::IID_IKsPin) {
            AddRef();
            *object = static_cast<IKsPin*>(this);
            return S_OK;
        }
        *object = nullptr;
        return E_NOINTERFACE;
    }
    ULONG AddRef() override { return m_refs.add(); }
    ULONG Release() override
    {
        const ULONG left = m_refs.release();
        if (left == 0)
            delete this;
        return left;
    }
    IMemAllocator* KsPeekAllocator(KSPEEKOPERATION operation) override
    {
        std::lock_guard lock(m_mutex);
        if (!m_allocator)
            return nullptr;
        if (operation == KsPeekOperation_AddRef)
            m_allocator->AddRef();
        return m_allocator.get();
    }
    void assign(ComPtr<IMemAllocator> allocator)
    {
        std::lock_guard lock(m_mutex);
        m_allocator = std::move(allocator);
    }

private:
    explicit AllocatorPin(ComPtr<IMemAllocator> allocator) : m_allocator(std::move(allocator)) { }
    ~AllocatorPin() override = default;

    RefCount m_refs;
    std::mutex m_mutex; // guards m_allocator
    ComPtr<IMemAllocator> m_allocator;
};

} // namespace ksscope
