// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file history.h
/// Bounded, time-sorted sample history: 16 bytes per retained sample.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace ksscope {

/// One allocator status sample.
struct Sample {
    std::int64_t t_ns = 0; ///< since the monitor started
    std::uint32_t allocated = 0; ///< KSSTREAMALLOCATOR_STATUS::AllocatedFrames
    std::uint32_t frames = 0; ///< KSALLOCATOR_FRAMING::Frames
};
static_assert(sizeof(Sample) == 16, "a retained sample costs 16 bytes");

/// A ring of samples appended in time order; the oldest are overwritten once it is full. Memory is
/// taken in chunks of kChunk samples as the ring fills, so a long window costs nothing until it is used.
class SampleHistory {
public:
    static constexpr std::size_t kChunk = 4096; // 64 KiB

    explicit SampleHistory(std::size_t capacity = 0) : m_capacity(capacity) { }

    void append(const Sample& sample)
    {
        if (m_capacity == 0)
            return;
        const std::size_t slot = (m_head + m_size) % m_capacity;
        if (slot / kChunk >= m_chunks.size())
            m_chunks.push_back(std::make_unique<Sample[]>(kChunk)); // NOLINT(modernize-avoid-c-arrays)
        m_chunks[slot / kChunk][slot % kChunk] = sample;
        if (m_size < m_capacity)
            ++m_size;
        else
            m_head = (m_head + 1) % m_capacity;
    }
    [[nodiscard]] std::size_t size() const { return m_size; }
    [[nodiscard]] std::size_t capacity() const { return m_capacity; }
    /// Bytes of sample storage allocated so far.
    [[nodiscard]] std::size_t allocatedBytes() const { return m_chunks.size() * kChunk * sizeof(Sample); }
    /// i-th retained sample, oldest first.
    [[nodiscard]] const Sample& at(std::size_t i) const
    {
        const std::size_t slot = (m_head + i) % m_capacity;
        return m_chunks[slot / kChunk][slot % kChunk];
    }
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
    std::vector<std::unique_ptr<Sample[]>> m_chunks; // NOLINT(modernize-avoid-c-arrays)
    std::size_t m_capacity = 0;
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

} // namespace ksscope
