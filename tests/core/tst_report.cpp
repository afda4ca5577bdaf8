// SPDX-License-Identifier: GPL-3.0-or-later
// Reports of recordings: statistics checked against a recording with known contents, the JSON, CSV and HTML
// documents parsed back, the CLI's report and diff commands, and the PDF rendered to an image that is not blank.

#include "ksscope/json_output.h"
#include "ksscope/report.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace ksscope;

namespace {

constexpr std::int64_t kMs = 1'000'000;

/// A topology of one filter with one output pin and its allocator of \a frames frames at 100 fps.
Topology oneAllocator(std::uint32_t frames)
{
    Topology t;
    FilterInfo f;
    f.id = "sim:cam";
    f.name = "Test Camera";
    f.backend = "sim";
    f.kind = "capture";
    PinInfo p;
    p.id = "sim:cam/out";
    p.name = "Capture";
    p.allocatorId = "sim:cam/out/allocator";
    p.format.majorType = "video";
    p.format.subtype = "YUY2";
    p.format.width = 64;
    p.format.height = 48;
    p.format.bitCount = 16;
    p.format.avgTimePerFrame = 100000; // 100 fps
    f.pins.push_back(p);
    t.filters.push_back(f);
    AllocatorInfo a;
    a.id = p.allocatorId;
    a.status.Framing.Frames = frames;
    a.status.Framing.FrameSize = 6144;
    a.properties.cBuffers = static_cast<LONG>(frames);
    a.properties.cbBuffer = 6144;
    a.properties.cbAlign = 1;
    a.framePeriodSeconds = 0.01;
    a.pinIds = {p.id};
    t.allocators.push_back(a);
    return t;
}

} // namespace

class TestReport : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_known; // a recording with known contents
    std::string m_sim; // a recording of the simulated starvation scenario

    std::string path(const char* name) const { return m_dir.filePath(QString::fromUtf8(name)).toStdString(); }

    static QByteArray run(const QStringList& args, int& exitCode, QByteArray* err = nullptr)
    {
        QProcess p;
        p.start(QStringLiteral(KSSCOPE_CLI_PATH), args);
        p.waitForFinished(120000);
        exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        if (err)
            *err = p.readAllStandardError();
        return p.readAllStandardOutput();
    }

    Report reportOf(const std::string& file)
    {
        Status status;
        auto recording = Recording::open(file, status);
        Report report;
        if (!recording) {
            qWarning("%s", status.toString().c_str());
            return report;
        }
        status = buildReport(*recording, {}, report);
        if (!status)
            qWarning("%s", status.toString().c_str());
        return report;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // 10 s at 100 Hz of a 4-frame allocator: allocated counts 0,1,2,3 in turn (235 of each: p50 = 2, p90 = 3),
        // except 3.00-3.50 s and 7.00-7.10 s, when all 4 frames are taken: two starvation episodes (a 10 ms frame
        // period makes 20 ms without a free frame starvation); 5 frames dropped at 5 s; 100 frames delivered a second.
        m_known = path("known.ksrec");
        Recorder::Options options;
        options.path = m_known;
        options.backends = {"sim"};
        options.rateHz = 100;
        Status status;
        auto recorder = Recorder::create(options, oneAllocator(4), status);
        QVERIFY2(recorder, status.toString().c_str());
        SampleBatch batch;
        for (int i = 0; i < 1000; ++i) {
            const std::int64_t t = i * 10 * kMs;
            const bool full = (t >= 3000 * kMs && t < 3500 * kMs) || (t >= 7000 * kMs && t < 7100 * kMs);
            SampleRecord r;
            r.allocator = 0;
            r.frameSize = 6144;
            r.sample = {t, full ? 4u : static_cast<std::uint32_t>(i % 4), 4};
            r.mode = KsAllocatorMode_Kernel;
            r.dropped = t >= 5000 * kMs ? 5 : 0;
            r.delivered = static_cast<std::uint64_t>(i) + 1;
            batch.samples.push_back(r);
        }
        batch.events.push_back({3020 * kMs, EventKind::Starvation, "sim:cam/out/allocator", "no free frame"});
        recorder->add(batch, {"sim:cam/out/allocator"});
        recorder->addEdit({1000 * kMs, "sim:cam/out/allocator", "properties", true,
                           R"({"buffers":4,"bufferSize":6144,"align":1,"prefix":0})",
                           R"({"buffers":4,"bufferSize":6144,"align":1,"prefix":0})", S_OK, ""});
        QVERIFY(recorder->finish(10'000 * kMs));

        m_sim = path("sim.ksrec");
        int rc = 0;
        run({QStringLiteral("watch"), QStringLiteral("--duration"), QStringLiteral("3"), QStringLiteral("--scenario"),
             QStringLiteral(KSSCOPE_SCENARIO_DIR "/starvation.json"), QStringLiteral("--record"),
             QString::fromStdString(m_sim)},
            rc);
        QCOMPARE(rc, 0);
    }

    void statisticsOfAKnownRecording()
    {
        const Report report = reportOf(m_known);
        QCOMPARE(report.allocators.size(), std::size_t{1});
        QCOMPARE(report.samples, std::uint64_t{1000});
        const AllocatorReport& a = report.allocators.front();
        QCOMPARE(a.filterName, std::string("Test Camera"));
        QCOMPARE(a.pinName, std::string("Capture"));
        QCOMPARE(a.stats.samples, std::uint64_t{1000});
        QCOMPARE(a.stats.minAllocated, 0u);
        QCOMPARE(a.stats.maxAllocated, 4u);
        QCOMPARE(a.p50, 2.0);
        QCOMPARE(a.p90, 3.0);
        QCOMPARE(a.p99, 4.0); // 60 of 1000 samples are full
        QCOMPARE(a.histogram.size(), std::size_t{5});
        QCOMPARE(a.histogram[4], std::uint64_t{60});
        QCOMPARE(a.stats.starvationCount, std::uint64_t{2});
        QCOMPARE(a.episodes.size(), std::size_t{2});
        QCOMPARE(a.episodes[0].begin_ns, 3000 * kMs);
        QCOMPARE(a.episodes[0].end_ns, 3500 * kMs);
        QCOMPARE(a.episodes[1].begin_ns, 7000 * kMs);
        QCOMPARE(a.episodes[1].end_ns, 7100 * kMs);
        QCOMPARE(a.stats.starvedMs, 600.0);
        QCOMPARE(a.stats.drops, std::uint64_t{5});
        QCOMPARE(a.stats.framesPerSecond, 100.0);
        QVERIFY(std::abs(a.starvedShare() - 600.0 / 9990.0) < 1e-9);
        // the occupancy over the session: columns holding an episode are marked
        std::size_t starvedColumns = 0;
        for (const OccupancyColumn& c : a.occupancy)
            starvedColumns += c.starved ? 1 : 0;
        QVERIFY(starvedColumns > 0);
        const auto column = std::find_if(a.occupancy.begin(), a.occupancy.end(), [](const OccupancyColumn& c) {
            return c.begin_ns <= 3200 * kMs && c.end_ns > 3200 * kMs;
        });
        QVERIFY(column != a.occupancy.end() && column->starved && column->maxAllocated == 4);
        QCOMPARE(report.events.size(), std::size_t{1});
        QCOMPARE(report.edits.size(), std::size_t{1});
    }

    void jsonReportParsesBack()
    {
        const Report report = reportOf(m_known);
        const auto doc = nlohmann::json::parse(reportToJson(report));
        QCOMPARE(doc["schemaVersion"].get<int>(), kReportSchemaVersion);
        QCOMPARE(doc["type"].get<std::string>(), std::string("ksscope-report"));
        QCOMPARE(doc["recording"]["samples"].get<std::uint64_t>(), std::uint64_t{1000});
        QVERIFY(doc["recording"]["closedCleanly"].get<bool>());
        Topology topology;
        QVERIFY(topologyFromJson(doc["topology"], topology));
        QCOMPARE(topology.allocators.size(), std::size_t{1});
        const auto& a = doc["allocators"][0];
        QCOMPARE(a["id"].get<std::string>(), std::string("sim:cam/out/allocator"));
        QCOMPARE(a["allocator"]["framing"]["frames"].get<int>(), 4);
        const auto& s = a["statistics"];
        for (const char* key : {"samples", "minAllocated", "meanAllocated", "maxAllocated", "p50Allocated",
                                "p90Allocated", "p99Allocated", "starvationCount", "starvedSeconds", "starvedShare",
                                "starvationEpisodes", "drops", "delivered", "framesPerSecond", "gone", "histogram"})
            QVERIFY2(s.contains(key), key);
        QCOMPARE(s["starvationEpisodes"].size(), std::size_t{2});
        QCOMPARE(s["starvationEpisodes"][0]["begin"].get<double>(), 3.0);
        QCOMPARE(s["starvedSeconds"].get<double>(), 0.6);
        QVERIFY(!a["occupancy"].empty());
        QCOMPARE(doc["events"].size(), std::size_t{1});
        QCOMPARE(doc["edits"][0]["requested"]["buffers"].get<int>(), 4);
    }

    void csvHoldsTheSamples()
    {
        int rc = 0;
        const QString csv = QString::fromStdString(path("known.csv"));
        run({QStringLiteral("report"), QStringLiteral("--recording"), QString::fromStdString(m_known),
             QStringLiteral("--format"), QStringLiteral("csv"), QStringLiteral("-o"), csv},
            rc);
        QCOMPARE(rc, 0);
        std::ifstream in(csv.toStdString());
        std::string line;
        std::getline(in, line);
        QCOMPARE(line, std::string("t,allocator,frames,frameSize,allocatedFrames,mode,dropped,delivered"));
        std::size_t rows = 0;
        std::size_t full = 0;
        while (std::getline(in, line)) {
            ++rows;
            QCOMPARE(std::count(line.begin(), line.end(), ','), 7);
            if (line.find(",4,6144,4,kernel,") != std::string::npos)
                ++full;
        }
        QCOMPARE(rows, std::size_t{1000});
        QCOMPARE(full, std::size_t{60});
    }

    void htmlIsOneSelfContainedFile()
    {
        const std::string html = reportToHtml(reportOf(m_sim));
        QVERIFY(html.rfind("<!DOCTYPE html>", 0) == 0);
        QVERIFY(html.find("</html>") != std::string::npos);
        QVERIFY(html.find("<svg") != std::string::npos); // the topology and the charts inline
        QVERIFY(html.find("class=\"topology\"") != std::string::npos);
        QVERIFY(html.find("class=\"chart\"") != std::string::npos);
        QVERIFY(html.find("sim:avshws/pin0/allocator") != std::string::npos);
        QVERIFY(html.find("starvation episode") != std::string::npos);
        // nothing fetched, nothing run
        QVERIFY(html.find("<script") == std::string::npos);
        QVERIFY(html.find(" src=") == std::string::npos);
        QVERIFY(html.find("<link") == std::string::npos);
        std::size_t at = 0;
        while ((at = html.find("http", at)) != std::string::npos) {
            QVERIFY2(html.compare(at, 26, "http://www.w3.org/2000/svg") == 0, html.substr(at, 60).c_str());
            ++at;
        }
    }

    void cliReportsAndRefusesBadInput()
    {
        int rc = 0;
        QByteArray err;
        const QString html = QString::fromStdString(path("sim.html"));
        const QByteArray out = run({QStringLiteral("report"), QStringLiteral("--recording"),
                                    QString::fromStdString(m_sim), QStringLiteral("-o"), html},
                                   rc);
        QCOMPARE(rc, 0);
        QVERIFY(out.contains("written to"));
        QVERIFY(QFile(html).size() > 10000);

        run({QStringLiteral("report"), QStringLiteral("--recording"), QString::fromStdString(path("none.ksrec")),
             QStringLiteral("-o"), html},
            rc, &err);
        QCOMPARE(rc, 2);
        QVERIFY2(err.contains("does not exist"), err.constData());

        const std::string text = path("text.ksrec");
        std::ofstream(text) << "not a recording\n";
        run({QStringLiteral("report"), QStringLiteral("--recording"), QString::fromStdString(text),
             QStringLiteral("-o"), html},
            rc, &err);
        QCOMPARE(rc, 4);
        QVERIFY2(err.contains("not a KsScope recording"), err.constData());

        run({QStringLiteral("report"), QStringLiteral("--recording"), QString::fromStdString(m_sim),
             QStringLiteral("--format"), QStringLiteral("docx"), QStringLiteral("-o"), html},
            rc, &err);
        QCOMPARE(rc, 4);
        QVERIFY(err.contains("json, csv, html or pdf"));

        run({QStringLiteral("report"), QStringLiteral("-o"), html}, rc, &err);
        QCOMPARE(rc, 2);
        QVERIFY(err.contains("--duration"));

        run({QStringLiteral("report"), QStringLiteral("--recording"), QString::fromStdString(m_sim),
             QStringLiteral("-o"), QString::fromStdString(path("no/such/dir/r.html"))},
            rc, &err);
        QCOMPARE(rc, 2);
        QVERIFY(err.contains("cannot write"));
    }

    void liveReport()
    {
        int rc = 0;
        const QString json = QString::fromStdString(path("live.json"));
        run({QStringLiteral("report"), QStringLiteral("--duration"), QStringLiteral("1"), QStringLiteral("--backend"),
             QStringLiteral("sim"), QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("-o"), json},
            rc);
        QCOMPARE(rc, 0);
        std::ifstream in(json.toStdString());
        const auto doc = nlohmann::json::parse(in, nullptr, false);
        QVERIFY(doc.is_object());
        QCOMPARE(doc["allocators"].size(), std::size_t{5});
        QVERIFY(doc["recording"]["durationSeconds"].get<double>() >= 0.9);
        QVERIFY(doc["recording"]["samples"].get<std::uint64_t>() > 200);
    }

    void diffComparesAllocatorByAllocator()
    {
        int rc = 0;
        const QByteArray out = run({QStringLiteral("diff"), QString::fromStdString(m_known),
                                    QString::fromStdString(m_sim), QStringLiteral("--json")},
                                   rc);
        QCOMPARE(rc, 0);
        const auto doc = nlohmann::json::parse(out.toStdString(), nullptr, false);
        QVERIFY(doc.is_object());
        QCOMPARE(doc["type"].get<std::string>(), std::string("ksscope-diff"));
        const auto& list = doc["allocators"];
        QCOMPARE(list.size(), std::size_t{2}); // one only in A, one only in B
        QVERIFY(list[0]["a"].is_object() && list[0]["b"].is_null());
        QVERIFY(list[1]["a"].is_null() && list[1]["b"].is_object());
        QCOMPARE(list[0]["a"]["starvationCount"].get<int>(), 2);

        const QByteArray text =
            run({QStringLiteral("diff"), QString::fromStdString(m_sim), QString::fromStdString(m_sim)}, rc);
        QCOMPARE(rc, 0);
        QVERIFY(text.contains("B-A"));
        QVERIFY(text.contains("sim:avshws/pin0/allocator"));
    }

    /// The PDF, drawn by the GUI program, rendered to an image by pdftoppm: pages with ink on them.
    void pdfRendersToPages()
    {
#if !defined(KSSCOPE_HAVE_GUI)
        QSKIP("built without the GUI, which draws PDF reports");
#else
        if (QStandardPaths::findExecutable(QStringLiteral("pdftoppm")).isEmpty())
            QFAIL("pdftoppm (poppler-utils) is needed to check the PDF report: scripts/ksscope-dev deps installs it");
        int rc = 0;
        QByteArray err;
        const QString pdf = QString::fromStdString(path("sim.pdf"));
        qputenv("KSSCOPE_GUI", KSSCOPE_GUI_PATH);
        run({QStringLiteral("report"), QStringLiteral("--recording"), QString::fromStdString(m_sim),
             QStringLiteral("--format"), QStringLiteral("pdf"), QStringLiteral("-o"), pdf},
            rc, &err);
        QCOMPARE(rc, 0);
        QFile file(pdf);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.read(5) == "%PDF-");
        QProcess render;
        const QString prefix = QString::fromStdString(path("page"));
        render.start(QStringLiteral("pdftoppm"),
                     {QStringLiteral("-r"), QStringLiteral("40"), QStringLiteral("-gray"), pdf, prefix});
        QVERIFY(render.waitForFinished(60000));
        QCOMPARE(render.exitCode(), 0);
        const QStringList pages = QDir(m_dir.path()).entryList({QStringLiteral("page-*.pgm")}, QDir::Files, QDir::Name);
        QVERIFY2(pages.size() >= 2, "a report of the starvation scenario runs over several pages");
        for (const QString& page : pages) {
            QImage image(m_dir.filePath(page));
            QVERIFY(!image.isNull());
            std::size_t ink = 0;
            for (int y = 0; y < image.height(); ++y)
                for (int x = 0; x < image.width(); ++x)
                    ink += qGray(image.pixel(x, y)) < 200 ? 1u : 0u;
            const double share = static_cast<double>(ink) / (image.width() * image.height());
            QVERIFY2(share > 0.005, qPrintable(page + QStringLiteral(" is blank")));
        }
#endif
    }
};

QTEST_GUILESS_MAIN(TestReport)
#include "tst_report.moc"
