// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file history.h
/// Bounded, time-sorted sample history: 16 bytes per retained sample.

#include <array>
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

/// Summary of the samples that fall in one column of a decimated view.
struct ColumnSummary {
    std::int64_t t_ns = 0; ///< start of the column
    std::uint32_t count = 0; ///< samples in the column (columns without samples are not reported)
    std::uint32_t minAllocated = 0;
    std::uint32_t maxAllocated = 0;
    std::uint32_t firstAllocated = 0;
    std::uint32_t lastAllocated = 0;
    std::uint32_t maxFrames = 0;
    bool operator==(const ColumnSummary&) const = default;
};

/// A ring of samples appended in time order; the oldest are overwritten once it is full. Memory is
/// taken in chunks of kChunk samples as the ring fills, so a long window costs nothing until it is used.
/// Min/max summaries of every 64, 512 and 4096 samples are kept as samples arrive (0.2 bytes per sample), so that a
/// column of decimate() reads at most 63 samples and seven summaries of each size at either end, whatever it spans:
/// O(columns x log n), not O(n).
class SampleHistory {
public:
    static constexpr std::size_t kChunk = 4096; // 64 KiB
    static constexpr std::size_t kBlock = 64;
    /// The sizes of the blocks summarised, smallest first; each divides the next.
    static constexpr std::array<std::size_t, 3> kLevels{kBlock, 512, kChunk};
    /// How exactly decimate() cuts the columns. Exact: each column holds exactly the samples in its time span.
    /// Pixel: where a column holds 8 x 64 samples or more, its ends move to the nearest boundary of the largest
    /// summarised block no more than an eighth of its samples - by at most a sixteenth of a column, a fraction of a
    /// pixel - so that it reads summaries only, in order: a view of millions of samples costs about what one of
    /// thousands does.
    enum class Precision : std::uint8_t { Exact, Pixel };

    explicit SampleHistory(std::size_t capacity = 0) : m_capacity(capacity) { }

    void append(const Sample& sample)
    {
        if (m_capacity == 0)
            return;
        const auto slot = static_cast<std::size_t>(m_total % m_capacity);
        if (slot / kChunk >= m_chunks.size())
            m_chunks.push_back(std::make_unique<Sample[]>(kChunk));
        m_chunks[slot / kChunk][slot % kChunk] = sample;
        for (std::size_t level = 0; level < kLevels.size(); ++level)
            summarize(m_summaries[level], m_capacity, m_total, kLevels[level], sample);
        ++m_total;
    }
    [[nodiscard]] std::size_t size() const
    {
        return m_total < m_capacity ? static_cast<std::size_t>(m_total) : m_capacity;
    }
    [[nodiscard]] std::size_t capacity() const { return m_capacity; }
    /// Bytes of sample storage allocated so far, summaries included.
    [[nodiscard]] std::size_t allocatedBytes() const
    {
        std::size_t bytes = m_chunks.size() * kChunk * sizeof(Sample);
        for (const auto& summaries : m_summaries)
            bytes += summaries.capacity() * sizeof(Summary);
        return bytes;
    }
    /// i-th retained sample, oldest first.
    [[nodiscard]] const Sample& at(std::size_t i) const { return atSeq(oldestSeq() + i); }
    /// Index of the first sample with t_ns >= t (size() when none).
    [[nodiscard]] std::size_t lowerBound(std::int64_t t_ns) const
    {
        std::size_t lo = 0;
        std::size_t hi = size();
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
        const std::size_t n = size();
        for (std::size_t i = lowerBound(from_ns); i < n && at(i).t_ns <= to_ns; ++i)
            out.push_back(at(i));
    }
    /// Splits [from_ns, to_ns) into \a columns equal columns and appends a summary of each column that
    /// holds samples to \a out, oldest first.
    void decimate(std::int64_t from_ns, std::int64_t to_ns, std::size_t columns, std::vector<ColumnSummary>& out,
                  Precision precision = Precision::Exact) const;
    void clear()
    {
        m_total = 0;
        for (auto& summaries : m_summaries)
            summaries.clear();
    }

private:
    struct Summary {
        std::uint32_t minAllocated = 0;
        std::uint32_t maxAllocated = 0;
        std::uint32_t maxFrames = 0;
    };
    [[nodiscard]] std::uint64_t oldestSeq() const { return m_total - size(); }
    [[nodiscard]] const Sample& atSeq(std::uint64_t seq) const
    {
        const auto slot = static_cast<std::size_t>(seq % m_capacity);
        return m_chunks[slot / kChunk][slot % kChunk];
    }
    // The summary of block b lives at b % (blocks the ring can hold): it is reused only once the
    // block's first sample has been overwritten, and blocks not wholly retained are never read.
    static void summarize(std::vector<Summary>& summaries, std::size_t capacity, std::uint64_t seq, std::size_t block,
                          const Sample& sample)
    {
        const std::size_t ring = (capacity + block - 1) / block;
        const auto index = static_cast<std::size_t>((seq / block) % ring);
        if (seq % block == 0) {
            const Summary fresh{sample.allocated, sample.allocated, sample.frames};
            if (index == summaries.size())
                summaries.push_back(fresh);
            else
                summaries[index] = fresh;
            return;
        }
        Summary& s = summaries[index];
        s.minAllocated = sample.allocated < s.minAllocated ? sample.allocated : s.minAllocated;
        s.maxAllocated = sample.allocated > s.maxAllocated ? sample.allocated : s.maxAllocated;
        s.maxFrames = sample.frames > s.maxFrames ? sample.frames : s.maxFrames;
    }
    /// Min/max over the retained samples [first, last) (indexes, oldest = 0).
    [[nodiscard]] Summary range(std::size_t first, std::size_t last) const;
    /// Ring slot of the i-th retained sample, without a division.
    [[nodiscard]] std::size_t slotOf(std::size_t head, std::size_t i) const
    {
        const std::size_t slot = head + i;
        return slot >= m_capacity ? slot - m_capacity : slot;
    }
    [[nodiscard]] const Sample& atSlot(std::size_t slot) const { return m_chunks[slot / kChunk][slot % kChunk]; }
    /// First index in [lo, size()) with t_ns >= t, searching forward from lo (galloping), or from \a guess (>= lo)
    /// first when it is given: outwards from it, so that a good guess costs two reads.
    [[nodiscard]] std::size_t gallop(std::size_t head, std::size_t lo, std::int64_t t_ns, std::size_t guess = 0) const;

    std::vector<std::unique_ptr<Sample[]>> m_chunks;
    std::array<std::vector<Summary>, kLevels.size()> m_summaries; // per block of kLevels[level] samples
    std::size_t m_capacity = 0;
    std::uint64_t m_total = 0; // samples appended since the last clear()
};

} // namespace ksscope
