// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file history.h
/// Bounded, time-sorted sample history: 16 bytes per retained sample.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ksscope {

/// One allocator status sample.
struct Sample {
    std::int64_t t_ns = 0;         ///< since the monitor started
    std::uint32_t allocated = 0;   ///< KSSTREAMALLOCATOR_STATUS::AllocatedFrames
    std::uint32_t frames = 0;      ///< KSALLOCATOR_FRAMING::Frames
};
static_assert(sizeof(Sample) == 16, "a retained sample costs 16 bytes");

/// A ring of samples appended in time order; the oldest are overwritten once it is full.
class SampleHistory {
public:
    explicit SampleHistory(std::size_t capacity = 0) : m_ring(capacity) {}

    void append(const Sample& sample)
    {
        if (m_ring.empty())
            return;
        m_ring[(m_head + m_size) % m_ring.size()] = sample;
        if (m_size < m_ring.size())
            ++m_size;
        else
            m_head = (m_head + 1) % m_ring.size();
    }
    [[nodiscard]] std::size_t size() const { return m_size; }
    [[nodiscard]] std::size_t capacity() const { return m_ring.size(); }
    /// i-th retained sample, oldest first.
    [[nodiscard]] const Sample& at(std::size_t i) const { return m_ring[(m_head + i) % m_ring.size()]; }
    /// Index of the first sample with t_ns >= t (size() when none).
    [[nodiscard]] std::size_t lowerBound(std::int64_t t_ns) const
    {
        std::size_t lo = 0;
        std::size_t hi = m_size;
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo) / 2;
            if (at(mid).t_ns < t_ns)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
    /// Appends the samples with from_ns <= t_ns <= to_ns to \a out.
    void window(std::int64_t from_ns, std::int64_t to_ns, std::vector<Sample>& out) const
    {
        for (std::size_t i = lowerBound(from_ns); i < m_size && at(i).t_ns <= to_ns; ++i)
            out.push_back(at(i));
    }
    void clear()
    {
        m_head = 0;
        m_size = 0;
    }

private:
    std::vector<Sample> m_ring;
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

} // namespace ksscope
