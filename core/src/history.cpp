// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/history.h"

#include <algorithm>
#include <limits>

namespace ksscope {

SampleHistory::Summary SampleHistory::range(std::size_t first, std::size_t last) const
{
    Summary s{std::numeric_limits<std::uint32_t>::max(), 0, 0};
    const auto merge = [&s](std::uint32_t minAllocated, std::uint32_t maxAllocated, std::uint32_t maxFrames) {
        s.minAllocated = std::min(s.minAllocated, minAllocated);
        s.maxAllocated = std::max(s.maxAllocated, maxAllocated);
        s.maxFrames = std::max(s.maxFrames, maxFrames);
    };
    const std::uint64_t base = oldestSeq();
    const auto head = static_cast<std::size_t>(base % m_capacity);
    const auto raw = [&](std::size_t i) {
        const Sample& sample = atSlot(slotOf(head, i));
        merge(sample.allocated, sample.allocated, sample.frames);
    };
    // summaries are indexed by sequence number: walk them with one division per run, not per block
    const auto summaries = [&](const std::vector<Summary>& list, std::size_t block, std::size_t& i, std::size_t end) {
        if (i + block > end)
            return;
        const std::size_t ring = (m_capacity + block - 1) / block;
        auto index = static_cast<std::size_t>(((base + i) / block) % ring);
        for (; i + block <= end; i += block) {
            const Summary& b = list[index];
            merge(b.minAllocated, b.maxAllocated, b.maxFrames);
            if (++index == ring)
                index = 0;
        }
    };
    const auto alignedUp = [base](std::size_t i, std::size_t block) {
        const std::uint64_t rest = (base + i) % block;
        return rest == 0 ? i : i + static_cast<std::size_t>(block - rest);
    };
    std::size_t i = first;
    const std::size_t blockStart = std::min(alignedUp(i, kBlock), last);
    for (; i < blockStart; ++i)
        raw(i);
    const std::size_t chunkStart = std::min(alignedUp(i, kChunk), last);
    summaries(m_blocks, kBlock, i, chunkStart);
    summaries(m_chunkSummaries, kChunk, i, last);
    summaries(m_blocks, kBlock, i, last);
    for (; i < last; ++i)
        raw(i);
    return s;
}

std::size_t SampleHistory::gallop(std::size_t head, std::size_t lo, std::int64_t t_ns) const
{
    const std::size_t n = size();
    if (lo >= n || atSlot(slotOf(head, lo)).t_ns >= t_ns)
        return lo;
    // at(lo) < t: find a step where at(lo + step) >= t, then search between
    std::size_t step = 1;
    std::size_t below = lo;
    while (below + step < n && atSlot(slotOf(head, below + step)).t_ns < t_ns) {
        below += step;
        step *= 2;
    }
    std::size_t hi = std::min(below + step, n);
    std::size_t low = below + 1;
    while (low < hi) {
        const std::size_t mid = low + (hi - low) / 2;
        if (atSlot(slotOf(head, mid)).t_ns < t_ns)
            low = mid + 1;
        else
            hi = mid;
    }
    return low;
}

void SampleHistory::decimate(std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                             std::vector<ColumnSummary>& out) const
{
    if (columns == 0 || to_ns <= from_ns || size() == 0)
        return;
    const auto head = static_cast<std::size_t>(oldestSeq() % m_capacity);
    const double width = static_cast<double>(to_ns - from_ns) / static_cast<double>(columns);
    std::size_t begin = lowerBound(from_ns);
    for (std::size_t column = 0; column < columns && begin < size(); ++column) {
        const std::int64_t columnStart = from_ns + static_cast<std::int64_t>(width * static_cast<double>(column));
        const std::int64_t columnEnd =
            column + 1 == columns ? to_ns
                                  : from_ns + static_cast<std::int64_t>(width * static_cast<double>(column + 1));
        const std::size_t end = gallop(head, begin, columnEnd);
        if (end > begin) {
            const Summary s = range(begin, end);
            out.push_back({columnStart, static_cast<std::uint32_t>(end - begin), s.minAllocated, s.maxAllocated,
                           atSlot(slotOf(head, begin)).allocated, atSlot(slotOf(head, end - 1)).allocated,
                           s.maxFrames});
        }
        begin = end;
    }
}

} // namespace ksscope
