// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Every frame's timings of one allocator, kept in time order for the frame-timing view: per frame its time and four
// durations (interval, driver, delivery, hold; 24 bytes a frame), and the least and greatest of each duration per
// block of 64 frames and of 4096 frames, so that drawing any span - ten thousand frames or ten million - reads a few
// dozen summaries per pixel column, not every frame.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ksscope::ui {

class FrameSeries {
public:
    static constexpr std::size_t kMetrics = 4;
    static constexpr std::size_t kBlock = 64; ///< frames summed up in a block
    static constexpr std::size_t kBigBlock = 4096; ///< frames summed up in a big block (64 blocks)

    /// One pixel column of one duration: the least and the greatest of the frames in it (ms).
    struct Column {
        std::int64_t t_ns = 0; ///< the column's start
        float min = 0;
        float max = 0;
    };

    /// Adds a frame at \a t_ns with its durations (ns; negative: not seen). Frames come nearly in time order (a
    /// record is made when its buffer is given back); one earlier than the newest is put in its place.
    void add(std::int64_t t_ns, const std::array<std::int64_t, kMetrics>& durations_ns);
    /// Lets the oldest frames go, a multiple of kBigBlock of them, at least \a count (all if fewer are kept).
    void dropOldest(std::size_t count);
    void clear();

    [[nodiscard]] std::size_t size() const { return m_t.size(); }
    /// Frames that have duration \a metric.
    [[nodiscard]] std::size_t count(std::size_t metric) const { return m_counts[metric]; }
    [[nodiscard]] std::int64_t firstTime_ns() const { return m_t.empty() ? -1 : m_t.front(); }
    [[nodiscard]] std::int64_t lastTime_ns() const { return m_t.empty() ? -1 : m_t.back(); }

    /// Duration \a metric of the frames in [from_ns, to_ns), cut in \a columns columns of equal width: one entry per
    /// column that holds such a frame, in order.
    void decimate(std::size_t metric, std::int64_t from_ns, std::int64_t to_ns, std::size_t columns,
                  std::vector<Column>& out) const;

private:
    /// The first frame at or after \a t_ns.
    [[nodiscard]] std::size_t lowerBound(std::int64_t t_ns) const;
    /// Least and greatest of \a metric over frames [begin, end); false when none has it.
    bool range(std::size_t metric, std::size_t begin, std::size_t end, float& min, float& max) const;
    /// Sums blocks up again from the one that holds frame \a from on.
    void resummarize(std::size_t from);

    std::vector<std::int64_t> m_t;
    std::array<std::vector<float>, kMetrics> m_values; // ms; NaN: not seen
    std::array<std::size_t, kMetrics> m_counts{};
    std::vector<std::int64_t> m_blockStart; // the time of each block's first frame
    std::array<std::vector<float>, kMetrics> m_blockMin;
    std::array<std::vector<float>, kMetrics> m_blockMax;
    std::array<std::vector<float>, kMetrics> m_bigMin;
    std::array<std::vector<float>, kMetrics> m_bigMax;
};

} // namespace ksscope::ui
