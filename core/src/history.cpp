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
    // up to the next boundary of each size in turn, the largest blocks through the middle, then down again
    std::size_t i = first;
    const std::size_t rawEnd = std::min(alignedUp(i, kLevels.front()), last);
    for (; i < rawEnd; ++i)
        raw(i);
    for (std::size_t level = 0; level + 1 < kLevels.size(); ++level)
        summaries(m_summaries[level], kLevels[level], i, std::min(alignedUp(i, kLevels[level + 1]), last));
    summaries(m_summaries.back(), kLevels.back(), i, last);
    for (std::size_t level = kLevels.size() - 1; level-- > 0;)
        summaries(m_summaries[level], kLevels[level], i, last);
    for (; i < last; ++i)
        raw(i);
    return s;
}

std::size_t SampleHistory::gallop(std::size_t head, std::size_t lo, std::int64_t t_ns, std::size_t guess) const
{
    const std::size_t n = size();
    if (lo >= n || atSlot(slotOf(head, lo)).t_ns >= t_ns)
        return lo;
    const auto timeAt = [&](std::size_t i) { return atSlot(slotOf(head, i)).t_ns; };
    if (guess > lo + 1 && guess < n) {
        // at(lo) < t: the answer is at or after lo + 1; look around the guess first
        if (timeAt(guess) >= t_ns) {
            if (timeAt(guess - 1) < t_ns)
                return guess;
            // before the guess: gallop backwards to a sample below t, then search between
            std::size_t step = 1;
            std::size_t above = guess - 1; // at(above) >= t
            while (step < above - lo && timeAt(above - step) >= t_ns) {
                above -= step;
                step *= 2;
            }
            std::size_t low = above > lo + step ? above - step + 1 : lo + 1;
            std::size_t hi = above;
            while (low < hi) {
                const std::size_t mid = low + (hi - low) / 2;
                if (timeAt(mid) < t_ns)
                    low = mid + 1;
                else
                    hi = mid;
            }
            return low;
        }
        lo = guess; // at(guess) < t: gallop forward from it
    }
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
                             std::vector<ColumnSummary>& out, Precision precision) const
{
    if (columns == 0 || to_ns <= from_ns || size() == 0)
        return;
    const auto head = static_cast<std::size_t>(oldestSeq() % m_capacity);
    const double width = static_cast<double>(to_ns - from_ns) / static_cast<double>(columns);
    std::size_t begin = lowerBound(from_ns);
    // Pixel: the block size the inner column ends move to (0: exact)
    std::size_t snap = 0;
    std::size_t last = size();
    if (precision == Precision::Pixel) {
        last = lowerBound(to_ns);
        const std::size_t average = (last - begin) / columns;
        for (const std::size_t block : kLevels)
            if (block * 8 <= average)
                snap = block;
    }
    const std::uint64_t base = oldestSeq();
    double perColumn = 0.0; // samples in the last column: where the next one likely ends
    std::size_t exactBegin = begin;
    for (std::size_t column = 0; column < columns && begin < size(); ++column) {
        const std::int64_t columnStart = from_ns + static_cast<std::int64_t>(width * static_cast<double>(column));
        const std::int64_t columnEnd =
            column + 1 == columns ? to_ns
                                  : from_ns + static_cast<std::int64_t>(width * static_cast<double>(column + 1));
        // where the column really ends, searched from where the last one really ended
        const std::size_t exactEnd =
            gallop(head, exactBegin, columnEnd, exactBegin + static_cast<std::size_t>(perColumn));
        perColumn = static_cast<double>(exactEnd - exactBegin);
        exactBegin = exactEnd;
        std::size_t end = exactEnd;
        if (snap != 0 && column + 1 < columns) {
            const auto rest = static_cast<std::size_t>((base + end) % snap);
            end = rest < snap / 2 ? end - rest : end + (snap - rest);
            end = std::clamp(end, begin, last);
        }
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
