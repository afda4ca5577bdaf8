// SPDX-License-Identifier: GPL-3.0-or-later
// Frames as a Trace Event JSON document (Perfetto's UI, chrome://tracing): the document follows the format's rules,
// a frame is its three states as slices on its buffer's track, occupancy a counter, drops instant events; and the
// rules checker itself refuses what breaks them.

#include "../common/trace_event_check.h"
#include "ksscope/trace_export.h"

#include <QTest>

#include <sstream>

using namespace ksscope;

class TestTraceExport : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void framesBecomeSlicesCountersAndInstants()
    {
        std::ostringstream out;
        {
            TraceEventWriter writer(out);
            writer.setAllocators({"sim:avshws/pin0/allocator", "v4l2:vivid/allocator"});
            FrameRecord f;
            f.allocator = 1;
            f.buffer = 2;
            f.sequence = 41;
            f.timestamp_ns = 5'098'209'000;
            f.driverOwned_ns = 1'000'000;
            f.done_ns = 1'500'500;
            f.dequeued_ns = 1'600'000;
            f.returned_ns = 2'600'000;
            f.holder = 118;
            f.droppedBefore = 2;
            writer.occupancy(1, 1'500'500, 1);
            writer.frame(f);
            FrameRecord held = f; // still held when watching ended: no "held" slice
            held.buffer = 3;
            held.sequence = 42;
            held.returned_ns = -1;
            writer.frame(held);
            writer.dropped({1'400'000, 1, 39, 40});
        }
        const TraceEventCheck c = checkTraceEvents(QByteArray::fromStdString(out.str()));
        QVERIFY2(c.error.isEmpty(), qPrintable(c.error));
        QCOMPARE(c.phases.value(QStringLiteral("X")), 5);
        QCOMPARE(c.phases.value(QStringLiteral("C")), 1);
        QCOMPARE(c.phases.value(QStringLiteral("i")), 1);
        QJsonObject filling;
        QStringList names;
        QStringList threads;
        for (const auto v : c.events) {
            const QJsonObject e = v.toObject();
            names << e.value(QStringLiteral("name")).toString();
            if (e.value(QStringLiteral("name")).toString() == QStringLiteral("thread_name"))
                threads << e.value(QStringLiteral("args")).toObject().value(QStringLiteral("name")).toString();
            if (e.value(QStringLiteral("name")).toString() == QStringLiteral("filling #41"))
                filling = e;
            if (e.value(QStringLiteral("name")).toString() == QStringLiteral("process_name"))
                QCOMPARE(e.value(QStringLiteral("args")).toObject().value(QStringLiteral("name")).toString(),
                         QStringLiteral("v4l2:vivid/allocator"));
        }
        QVERIFY2(names.contains(QStringLiteral("waiting #41")) && names.contains(QStringLiteral("held #41")) &&
                     names.contains(QStringLiteral("dropped 39-40")),
                 qPrintable(names.join(QLatin1Char(','))));
        QCOMPARE(threads, (QStringList{QStringLiteral("buffer 2"), QStringLiteral("buffer 3")}));
        QVERIFY(!names.contains(QStringLiteral("held #42")));
        QCOMPARE(filling.value(QStringLiteral("ts")).toDouble(), 1000.0); // us
        QCOMPARE(filling.value(QStringLiteral("dur")).toDouble(), 500.5);
        QCOMPARE(filling.value(QStringLiteral("pid")).toInt(), 2);
        QCOMPARE(filling.value(QStringLiteral("tid")).toInt(), 3);
        const QJsonObject args = filling.value(QStringLiteral("args")).toObject();
        QCOMPARE(args.value(QStringLiteral("sequence")).toInt(), 41);
        QCOMPARE(args.value(QStringLiteral("holder_pid")).toInt(), 118);
        QCOMPARE(args.value(QStringLiteral("dropped_before")).toInt(), 2);
    }

    void theCheckerRefusesBrokenDocuments()
    {
        const auto error = [](const char* json) { return checkTraceEvents(QByteArray(json)).error; };
        QVERIFY(error(R"({"traceEvents":[]})").isEmpty());
        QVERIFY(!error(R"([])").isEmpty());
        QVERIFY(!error(R"({"traceEvents":[{"name":"a","ph":"X","ts":1,"pid":1,"tid":1}]})").isEmpty()); // no dur
        QVERIFY(!error(R"({"traceEvents":[{"name":"a","ph":"X","ts":1,"dur":-1,"pid":1,"tid":1}]})").isEmpty());
        QVERIFY(!error(R"({"traceEvents":[{"name":"c","ph":"C","ts":1,"pid":1,"args":{"n":"x"}}]})").isEmpty());
        QVERIFY(!error(R"({"traceEvents":[{"name":"i","ph":"i","ts":1,"pid":1,"s":"q"}]})").isEmpty());
        QVERIFY(!error(R"({"traceEvents":[{"name":"nope","ph":"M","pid":1,"args":{}}]})").isEmpty());
        // partly overlapping slices on one thread; nested and following ones are fine
        QVERIFY(!error(R"({"traceEvents":[{"name":"a","ph":"X","ts":0,"dur":10,"pid":1,"tid":1},
                                           {"name":"b","ph":"X","ts":5,"dur":10,"pid":1,"tid":1}]})")
                     .isEmpty());
        QVERIFY(error(R"({"traceEvents":[{"name":"a","ph":"X","ts":0,"dur":10,"pid":1,"tid":1},
                                          {"name":"b","ph":"X","ts":2,"dur":3,"pid":1,"tid":1},
                                          {"name":"c","ph":"X","ts":10,"dur":3,"pid":1,"tid":1}]})")
                    .isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestTraceExport)
#include "tst_traceexport.moc"
