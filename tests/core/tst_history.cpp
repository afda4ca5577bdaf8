// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/history.h"

#include <QTest>

#include <algorithm>
#include <cstdlib>
#include <iterator>

using namespace ksscope;

class TestHistory : public QObject {
    Q_OBJECT
private slots:
    void appendUntilFull()
    {
        SampleHistory h(4);
        QCOMPARE(h.size(), std::size_t{0});
        for (std::int64_t t = 1; t <= 3; ++t)
            h.append({t, static_cast<std::uint32_t>(t), 4});
        QCOMPARE(h.size(), std::size_t{3});
        QCOMPARE(h.at(0).t_ns, std::int64_t{1});
        QCOMPARE(h.at(2).allocated, 3u);
    }
    void overwritesTheOldest()
    {
        SampleHistory h(3);
        for (std::int64_t t = 1; t <= 10; ++t)
            h.append({t, 0, 0});
        QCOMPARE(h.size(), std::size_t{3});
        QCOMPARE(h.at(0).t_ns, std::int64_t{8});
        QCOMPARE(h.at(2).t_ns, std::int64_t{10});
    }
    void windowQuery()
    {
        SampleHistory h(100);
        for (std::int64_t t = 0; t < 250; ++t)
            h.append({t * 10, static_cast<std::uint32_t>(t), 0});
        // retained: t = 1500 .. 2490
        std::vector<Sample> out;
        h.window(0, 1519, out);
        QCOMPARE(out.size(), std::size_t{2});
        QCOMPARE(out.front().t_ns, std::int64_t{1500});
        out.clear();
        h.window(2000, 2100, out);
        QCOMPARE(out.size(), std::size_t{11});
        QCOMPARE(out.front().t_ns, std::int64_t{2000});
        QCOMPARE(out.back().t_ns, std::int64_t{2100});
        out.clear();
        h.window(3000, 4000, out);
        QVERIFY(out.empty());
        QCOMPARE(h.lowerBound(2005), std::size_t{51});
    }
    void zeroCapacityKeepsNothing()
    {
        SampleHistory h(0);
        h.append({1, 1, 1});
        QCOMPARE(h.size(), std::size_t{0});
    }
    void sixteenBytesPerSample()
    {
        QCOMPARE(sizeof(Sample), std::size_t{16});
        SampleHistory h(SampleHistory::kChunk * 10);
        QCOMPARE(h.allocatedBytes(), std::size_t{0}); // nothing until used
        for (std::size_t i = 0; i < SampleHistory::kChunk * 10 + 5; ++i)
            h.append({static_cast<std::int64_t>(i), 0, 0});
        QCOMPARE(h.size(), SampleHistory::kChunk * 10);
        // samples plus their min/max summaries (12 bytes per 64, per 512 and per 4096 samples; the lists grow by
        // doubling, so up to twice that)
        QVERIFY(h.allocatedBytes() >= h.size() * 16);
        QVERIFY(h.allocatedBytes() <= h.size() * 16 * 103 / 100);
        QCOMPARE(h.at(0).t_ns, std::int64_t{5});
        SampleHistory partial(SampleHistory::kChunk * 100);
        partial.append({1, 0, 0});
        QVERIFY(partial.allocatedBytes() >= SampleHistory::kChunk * 16); // one chunk
        QVERIFY(partial.allocatedBytes() < SampleHistory::kChunk * 16 + 256);
    }
    void decimateMatchesBruteForce_data()
    {
        QTest::addColumn<int>("capacity");
        QTest::addColumn<int>("appended");
        QTest::newRow("partly filled") << 100000 << 30000;
        QTest::newRow("tiny ring, wrapped") << 3 << 50;
        QTest::newRow("odd ring, wrapped") << 5003 << 23456;
        QTest::newRow("chunk-sized ring, wrapped") << 8192 << 40000;
        QTest::newRow("large ring, wrapped many times") << 70001 << 300000;
    }
    void decimateMatchesBruteForce()
    {
        QFETCH(int, capacity);
        QFETCH(int, appended);
        SampleHistory h(static_cast<std::size_t>(capacity));
        std::uint32_t state = 12345;
        const auto next = [&state] {
            state = state * 1664525u + 1013904223u;
            return state >> 8;
        };
        std::int64_t t = 0;
        for (int i = 0; i < appended; ++i) {
            t += 1 + static_cast<std::int64_t>(next() % 5); // uneven spacing
            h.append({t, next() % 64, 32 + next() % 4});
        }
        const std::int64_t first = h.at(0).t_ns;
        for (int round = 0; round < 40; ++round) {
            const std::int64_t from =
                first - 50 + static_cast<std::int64_t>(next() % static_cast<std::uint32_t>(t - first + 100));
            const std::int64_t to =
                from + 1 + static_cast<std::int64_t>(next() % static_cast<std::uint32_t>(t - first + 100));
            const std::size_t columns = 1 + next() % 1500;
            std::vector<ColumnSummary> fast;
            h.decimate(from, to, columns, fast);

            // reference: every retained sample put in its column one by one
            const double width = static_cast<double>(to - from) / static_cast<double>(columns);
            std::vector<std::int64_t> bounds;
            for (std::size_t c = 0; c < columns; ++c)
                bounds.push_back(from + static_cast<std::int64_t>(width * static_cast<double>(c)));
            bounds.push_back(to);
            std::vector<ColumnSummary> cols(columns);
            for (std::size_t i = 0; i < h.size(); ++i) {
                const Sample& s = h.at(i);
                if (s.t_ns < from || s.t_ns >= to)
                    continue;
                const auto c =
                    static_cast<std::size_t>(std::upper_bound(bounds.begin(), bounds.end(), s.t_ns) - bounds.begin()) -
                    1;
                ColumnSummary& col = cols[c];
                if (col.count == 0) {
                    col.t_ns = bounds[c];
                    col.minAllocated = col.maxAllocated = col.firstAllocated = s.allocated;
                    col.maxFrames = s.frames;
                }
                col.minAllocated = std::min(col.minAllocated, s.allocated);
                col.maxAllocated = std::max(col.maxAllocated, s.allocated);
                col.maxFrames = std::max(col.maxFrames, s.frames);
                col.lastAllocated = s.allocated;
                ++col.count;
            }
            std::vector<ColumnSummary> reference;
            std::copy_if(cols.begin(), cols.end(), std::back_inserter(reference),
                         [](const ColumnSummary& c) { return c.count > 0; });
            QCOMPARE(fast.size(), reference.size());
            for (std::size_t i = 0; i < fast.size(); ++i)
                QVERIFY2(fast[i] == reference[i], qPrintable(QStringLiteral("column %1 of %2").arg(i).arg(columns)));
        }
    }
    /// Pixel precision: inner column ends move to block boundaries by at most a sixteenth of a column; nothing is
    /// lost or counted twice, each column's extremes are those of its samples (within its own and its neighbours'
    /// exact columns), and few samples per column stay exact.
    void decimatePixelPrecision()
    {
        SampleHistory h(400'000);
        std::uint32_t state = 777;
        const auto next = [&state] {
            state = state * 1664525u + 1013904223u;
            return state >> 8;
        };
        for (std::int64_t i = 0; i < 350'000; ++i) // wrapped a little
            h.append({i * 1000 + static_cast<std::int64_t>(next() % 500), next() % 64, 64});
        const std::int64_t first = h.at(0).t_ns;
        const std::int64_t last = h.at(h.size() - 1).t_ns;
        for (const std::size_t columns : {7u, 60u, 300u, 1500u, 50'000u}) {
            std::vector<ColumnSummary> exact;
            std::vector<ColumnSummary> pixel;
            h.decimate(first + 12'345, last - 6'789, columns, exact);
            h.decimate(first + 12'345, last - 6'789, columns, pixel, SampleHistory::Precision::Pixel);
            std::uint64_t exactCount = 0;
            std::uint64_t pixelCount = 0;
            for (const ColumnSummary& c : exact)
                exactCount += c.count;
            for (const ColumnSummary& c : pixel)
                pixelCount += c.count;
            QCOMPARE(pixelCount, exactCount);
            if (exactCount / columns < 8 * SampleHistory::kBlock) {
                QVERIFY(pixel == exact); // too few per column to move anything
                continue;
            }
            QCOMPARE(pixel.size(), exact.size()); // every column holds samples here
            for (std::size_t c = 0; c < pixel.size(); ++c) {
                QCOMPARE(pixel[c].t_ns, exact[c].t_ns);
                const auto diff = static_cast<std::int64_t>(pixel[c].count) - static_cast<std::int64_t>(exact[c].count);
                QVERIFY2(
                    std::abs(diff) <= static_cast<std::int64_t>(exact[c].count / 8 + 1),
                    qPrintable(QStringLiteral("column %1: %2 vs %3").arg(c).arg(pixel[c].count).arg(exact[c].count)));
                std::uint32_t low = exact[c].minAllocated;
                std::uint32_t high = exact[c].maxAllocated;
                for (const std::size_t n : {c - 1, c + 1})
                    if (n < exact.size()) {
                        low = std::min(low, exact[n].minAllocated);
                        high = std::max(high, exact[n].maxAllocated);
                    }
                QVERIFY(pixel[c].minAllocated >= low && pixel[c].maxAllocated <= high);
            }
        }
    }
    void decimateEmptyAndDegenerate()
    {
        SampleHistory h(10);
        std::vector<ColumnSummary> out;
        h.decimate(0, 100, 10, out);
        QVERIFY(out.empty());
        h.append({5, 1, 2});
        h.decimate(0, 100, 0, out);
        h.decimate(100, 0, 10, out);
        QVERIFY(out.empty());
        h.decimate(0, 100, 10, out);
        QCOMPARE(out.size(), std::size_t{1});
        QCOMPARE(out.front().t_ns, std::int64_t{0});
        QCOMPARE(out.front().count, 1u);
    }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
