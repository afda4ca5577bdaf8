// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/history.h"

#include <QTest>

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
        QCOMPARE(h.allocatedBytes(), h.size() * 16);
        QCOMPARE(h.at(0).t_ns, std::int64_t{5});
        SampleHistory partial(SampleHistory::kChunk * 100);
        partial.append({1, 0, 0});
        QCOMPARE(partial.allocatedBytes(), SampleHistory::kChunk * 16); // one chunk
    }
};

QTEST_GUILESS_MAIN(TestHistory)
#include "tst_history.moc"
