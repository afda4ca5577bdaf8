// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/history.h"

#include <algorithm>
#include <limits>

namespace ksscope {

SampleHistory::Summary SampleHistory::range(std::uint64_t first, std::uint64_t last) const
{
    Summary s{std::numeric_limits<std::uint32_t>::max(), 0, 0};
    const auto merge = [&s](const Summary& other) {
        s.minAllocated = std::min(s.minAllocated, other.minAllocated);
        s.maxAllocated = std::max(s.maxAllocated, other.maxAllocated);
        s.maxFrames = std::max(s.maxFrames, other.maxFrames);
    };
    const std::size_t blockRing = (m_capacity + kBlock - 1) / kBlock;
    const std::size_t chunkRing = (m_capacity + kChunk - 1) / kChunk;
    std::uint64_t seq = first;
    while (seq < last) {
        if (seq % kChunk == 0 && seq + kChunk <= last) {
            merge(m_chunkSummaries[static_cast<std::size_t>((seq / kChunk) % chunkRing)]);
            seq += kChunk;
        } else if (seq % kBlock == 0 && seq + kBlock <= last) {
            merge(m_blocks[static_cast<std::size_t>((seq / kBlock) % blockRing)]);
            seq += kBlock;
        } else {
            const Sample& sample = atSeq(seq);
            merge({sample.allocated, sample.allocated, sample.frames});
            ++seq;
        }
    }
    return s;
}

void SampleHistory::decimate(std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                             std::vector<ColumnSummary>& out) const
{
    if (columns == 0 || to_ns <= from_ns || size() == 0)
        return;
    const double width = static_cast<double>(to_ns - from_ns) / static_cast<double>(columns);
    std::size_t begin = lowerBound(from_ns);
    for (std::size_t column = 0; column < columns && begin < size(); ++column) {
        const std::int64_t columnStart = from_ns + static_cast<std::int64_t>(width * static_cast<double>(column));
        const std::int64_t columnEnd =
            column + 1 == columns ? to_ns
                                  : from_ns + static_cast<std::int64_t>(width * static_cast<double>(column + 1));
        const std::size_t end = lowerBound(columnEnd);
        if (end > begin) {
            const Summary s = range(oldestSeq() + begin, oldestSeq() + end);
            out.push_back({columnStart, static_cast<std::uint32_t>(end - begin), s.minAllocated, s.maxAllocated,
                           at(begin).allocated, at(end - 1).allocated, s.maxFrames});
        }
        begin = end;
    }
}

} // namespace ksscope
