// SPDX-License-Identifier: GPL-3.0-or-later
#include "frameseries.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ksscope::ui {

namespace {

constexpr float kNone = std::numeric_limits<float>::quiet_NaN();
constexpr float kHighest = std::numeric_limits<float>::infinity();

/// Least and greatest of \a values (NaN left out) into \a min and \a max.
void scan(const float* values, std::size_t count, float& min, float& max)
{
    for (std::size_t i = 0; i < count; ++i) {
        const float v = values[i];
        if (v < min) // false for NaN
            min = v;
        if (v > max)
            max = v;
    }
}

} // namespace

void FrameSeries::add(std::int64_t t_ns, const std::array<std::int64_t, kMetrics>& durations_ns)
{
    std::size_t at = m_t.size();
    while (at > 0 && m_t[at - 1] > t_ns)
        --at;
    const bool appended = at == m_t.size();
    m_t.insert(m_t.begin() + static_cast<std::ptrdiff_t>(at), t_ns);
    for (std::size_t m = 0; m < kMetrics; ++m) {
        const float v = durations_ns[m] < 0 ? kNone : static_cast<float>(static_cast<double>(durations_ns[m]) * 1e-6);
        m_values[m].insert(m_values[m].begin() + static_cast<std::ptrdiff_t>(at), v);
        m_counts[m] += durations_ns[m] < 0 ? 0U : 1U;
    }
    if (!appended) {
        resummarize(at);
        return;
    }
    // the newest frame: its block and big block take it in
    const std::size_t block = at / kBlock;
    const std::size_t big = at / kBigBlock;
    if (block == m_blockStart.size()) {
        m_blockStart.push_back(t_ns);
        for (std::size_t m = 0; m < kMetrics; ++m) {
            m_blockMin[m].push_back(kHighest);
            m_blockMax[m].push_back(-kHighest);
        }
    }
    if (big == m_bigMin[0].size())
        for (std::size_t m = 0; m < kMetrics; ++m) {
            m_bigMin[m].push_back(kHighest);
            m_bigMax[m].push_back(-kHighest);
        }
    for (std::size_t m = 0; m < kMetrics; ++m) {
        const float v = m_values[m][at];
        scan(&v, 1, m_blockMin[m][block], m_blockMax[m][block]);
        scan(&v, 1, m_bigMin[m][big], m_bigMax[m][big]);
    }
}

void FrameSeries::resummarize(std::size_t from)
{
    const std::size_t n = m_t.size();
    const std::size_t blocks = (n + kBlock - 1) / kBlock;
    const std::size_t bigs = (n + kBigBlock - 1) / kBigBlock;
    m_blockStart.resize(blocks);
    for (std::size_t m = 0; m < kMetrics; ++m) {
        m_blockMin[m].resize(blocks);
        m_blockMax[m].resize(blocks);
        m_bigMin[m].resize(bigs);
        m_bigMax[m].resize(bigs);
    }
    for (std::size_t b = from / kBlock; b < blocks; ++b) {
        const std::size_t first = b * kBlock;
        const std::size_t count = std::min(n, first + kBlock) - first;
        m_blockStart[b] = m_t[first];
        for (std::size_t m = 0; m < kMetrics; ++m) {
            m_blockMin[m][b] = kHighest;
            m_blockMax[m][b] = -kHighest;
            scan(m_values[m].data() + first, count, m_blockMin[m][b], m_blockMax[m][b]);
        }
    }
    for (std::size_t g = from / kBigBlock; g < bigs; ++g) {
        const std::size_t first = g * (kBigBlock / kBlock);
        const std::size_t count = std::min(blocks, first + kBigBlock / kBlock) - first;
        for (std::size_t m = 0; m < kMetrics; ++m) {
            m_bigMin[m][g] = kHighest;
            m_bigMax[m][g] = -kHighest;
            for (std::size_t b = first; b < first + count; ++b) {
                m_bigMin[m][g] = std::min(m_bigMin[m][g], m_blockMin[m][b]);
                m_bigMax[m][g] = std::max(m_bigMax[m][g], m_blockMax[m][b]);
            }
        }
    }
}

void FrameSeries::dropOldest(std::size_t count)
{
    const std::size_t k = (count + kBigBlock - 1) / kBigBlock * kBigBlock;
    if (k >= m_t.size()) {
        clear();
        return;
    }
    const auto cut = [](auto& v, std::size_t n) { v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)); };
    cut(m_t, k);
    cut(m_blockStart, k / kBlock);
    for (std::size_t m = 0; m < kMetrics; ++m) {
        m_counts[m] -= static_cast<std::size_t>(std::count_if(m_values[m].begin(),
                                                              m_values[m].begin() + static_cast<std::ptrdiff_t>(k),
                                                              [](float v) { return !std::isnan(v); }));
        cut(m_values[m], k);
        cut(m_blockMin[m], k / kBlock);
        cut(m_blockMax[m], k / kBlock);
        cut(m_bigMin[m], k / kBigBlock);
        cut(m_bigMax[m], k / kBigBlock);
    }
}

void FrameSeries::clear()
{
    *this = FrameSeries();
}

std::size_t FrameSeries::lowerBound(std::int64_t t_ns) const
{
    // the block it is in from the blocks' first times (a small array), then within the block
    const auto block = std::lower_bound(m_blockStart.begin(), m_blockStart.end(), t_ns);
    if (block == m_blockStart.begin())
        return 0;
    const auto b = static_cast<std::size_t>(block - m_blockStart.begin()) - 1;
    const auto first = m_t.begin() + static_cast<std::ptrdiff_t>(b * kBlock);
    const auto last = m_t.begin() + static_cast<std::ptrdiff_t>(std::min(m_t.size(), (b + 1) * kBlock));
    return static_cast<std::size_t>(std::lower_bound(first, last, t_ns) - m_t.begin());
}

bool FrameSeries::range(std::size_t metric, std::size_t begin, std::size_t end, float& min, float& max) const
{
    min = kHighest;
    max = -kHighest;
    const float* values = m_values[metric].data();
    std::size_t i = begin;
    while (i < end) {
        if (i % kBigBlock == 0 && i + kBigBlock <= end) {
            min = std::min(min, m_bigMin[metric][i / kBigBlock]);
            max = std::max(max, m_bigMax[metric][i / kBigBlock]);
            i += kBigBlock;
        } else if (i % kBlock == 0 && i + kBlock <= end) {
            min = std::min(min, m_blockMin[metric][i / kBlock]);
            max = std::max(max, m_blockMax[metric][i / kBlock]);
            i += kBlock;
        } else {
            const std::size_t stop = std::min(end, (i / kBlock + 1) * kBlock);
            scan(values + i, stop - i, min, max);
            i = stop;
        }
    }
    return min <= max;
}

void FrameSeries::decimate(std::size_t metric, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                           std::vector<Column>& out) const
{
    if (columns == 0 || to_ns <= from_ns || m_t.empty() || metric >= kMetrics || m_counts[metric] == 0)
        return;
    const double width = static_cast<double>(to_ns - from_ns) / static_cast<double>(columns);
    std::size_t begin = lowerBound(from_ns);
    for (std::size_t c = 0; c < columns && begin < m_t.size(); ++c) {
        const std::int64_t start = from_ns + static_cast<std::int64_t>(width * static_cast<double>(c));
        const std::int64_t stop =
            c + 1 == columns ? to_ns : from_ns + static_cast<std::int64_t>(width * static_cast<double>(c + 1));
        if (m_t[begin] >= stop)
            continue; // nothing in this column
        const std::size_t end = lowerBound(stop);
        Column column;
        column.t_ns = start;
        if (range(metric, begin, end, column.min, column.max))
            out.push_back(column);
        begin = end;
    }
}

} // namespace ksscope::ui
