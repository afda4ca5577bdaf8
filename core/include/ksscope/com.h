// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file com.h
/// A portable COM-style object model: IUnknown with observable reference counts, interface ids and
/// an owning smart pointer. The interfaces of allocator.h derive from IUnknown as their Windows
/// counterparts do.

#include "ksscope/hresult.h"
#include "ksscope/ks_types.h"

#include <atomic>
#include <utility>

namespace ksscope {

class IUnknown {
public:
    virtual HRESULT QueryInterface(const Guid& iid, void** object) = 0;
    /// Returns the new reference count.
    virtual ULONG AddRef() = 0;
    /// Returns the new reference count; the object is destroyed when it reaches zero.
    virtual ULONG Release() = 0;

protected:
    IUnknown() = default;
    IUnknown(const IUnknown&) = default;
    IUnknown& operator=(const IUnknown&) = default;
    virtual ~IUnknown() = default;
};

namespace iids {
inline constexpr Guid IID_IUnknown{0x00000000, 0x0000, 0x0000, {0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46}};
inline constexpr Guid IID_IMemAllocator{0x56a8689c, 0x0ad4, 0x11ce, {0xb0, 0x3a, 0x00, 0x20, 0xaf, 0x0b, 0xa7, 0x70}};
inline constexpr Guid IID_IMediaSample{0x56a8689a, 0x0ad4, 0x11ce, {0xb0, 0x3a, 0x00, 0x20, 0xaf, 0x0b, 0xa7, 0x70}};
inline constexpr Guid IID_IKsAllocator{0x8da64899, 0xc0d9, 0x11d0, {0x84, 0x13, 0x00, 0x00, 0xf8, 0x22, 0xfe, 0x8a}};
inline constexpr Guid IID_IKsAllocatorEx{0x091bb63a, 0x603f, 0x11d1, {0xb0, 0x67, 0x00, 0xa0, 0xc9, 0x06, 0x28, 0x02}};
inline constexpr Guid IID_IKsPin{0xb61178d1, 0xa2d9, 0x11cf, {0x9e, 0x53, 0x00, 0xaa, 0x00, 0xa2, 0x16, 0xa1}};
} // namespace iids

/// Thread-safe reference count for COM-style objects.
class RefCount {
public:
    ULONG add() noexcept { return m_count.fetch_add(1, std::memory_order_relaxed) + 1; }
    /// Returns the count after the decrement; the caller deletes the object when it is zero.
    ULONG release() noexcept { return m_count.fetch_sub(1, std::memory_order_acq_rel) - 1; }
    [[nodiscard]] ULONG value() const noexcept { return m_count.load(std::memory_order_relaxed); }

private:
    std::atomic<ULONG> m_count{1};
};

/// Owning pointer to a COM-style interface (AddRef on copy, Release on destruction).
template <typename T> class ComPtr {
public:
    ComPtr() = default;
    ComPtr(std::nullptr_t) { } // NOLINT(google-explicit-constructor)
    /// Adopts \a ptr without AddRef (it comes with a reference, as from a factory or AddRef peek).
    static ComPtr adopt(T* ptr) noexcept
    {
        ComPtr p;
        p.m_ptr = ptr;
        return p;
    }
    /// Takes a new reference on \a ptr.
    static ComPtr share(T* ptr) noexcept
    {
        if (ptr)
            ptr->AddRef();
        return adopt(ptr);
    }
    ComPtr(const ComPtr& other) noexcept : m_ptr(other.m_ptr)
    {
        if (m_ptr)
            m_ptr->AddRef();
    }
    ComPtr(ComPtr&& other) noexcept : m_ptr(std::exchange(other.m_ptr, nullptr)) { }
    template <typename U>
    ComPtr(const ComPtr<U>& other) noexcept : m_ptr(other.get()) // NOLINT(google-explicit-constructor)
    {
        if (m_ptr)
            m_ptr->AddRef();
    }
    ComPtr& operator=(ComPtr other) noexcept
    {
        std::swap(m_ptr, other.m_ptr);
        return *this;
    }
    ~ComPtr() { reset(); }

    void reset() noexcept
    {
        if (auto* p = std::exchange(m_ptr, nullptr))
            p->Release();
    }
    /// Gives up ownership without Release.
    [[nodiscard]] T* detach() noexcept { return std::exchange(m_ptr, nullptr); }
    [[nodiscard]] T* get() const noexcept { return m_ptr; }
    T* operator->() const noexcept { return m_ptr; }
    T& operator*() const noexcept { return *m_ptr; }
    explicit operator bool() const noexcept { return m_ptr != nullptr; }
    /// For out-parameters: releases the current pointer and returns its address.
    T** put() noexcept
    {
        reset();
        return &m_ptr;
    }

    /// QueryInterface into another interface type.
    template <typename U> [[nodiscard]] ComPtr<U> as(const Guid& iid) const
    {
        ComPtr<U> out;
        if (m_ptr)
            m_ptr->QueryInterface(iid, reinterpret_cast<void**>(out.put()));
        return out;
    }

private:
    T* m_ptr = nullptr;
};

} // namespace ksscope
