// SPDX-License-Identifier: GPL-3.0-or-later
// The whole window on the simulated devices, offscreen: it fills in, shares one selection, survives a device
// that goes away, exports, and its screenshot is not blank. Plus the ksscope command line.
#include "eventmodel.h"
#include "frametimingwidget.h"
#include "guiprocess.h"
#include "ksscope/version.h"
#include "lanewidget.h"
#include "livegraphwidget.h"
#include "mainwindow.h"
#include "propertyeditor.h"
#include "qcustomplot_include.h"
#include "topology/topologyscene.h"

#include <QDockWidget>
#include <QFile>
#include <QItemSelectionModel>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>
#include <nlohmann/json.hpp>

using namespace ksscope;
using namespace ksscope::ui;

namespace {

int distinctColors(const QImage& image)
{
    QSet<QRgb> colors;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3)
            colors.insert(image.pixel(x, y));
    return static_cast<int>(colors.size());
}

bool waitForDevices(MainWindow& window)
{
    return QTest::qWaitFor([&] { return window.deviceModel()->rowCount() > 0 && window.controller()->monitor(); },
                           10000);
}

SessionRequest simRequest(const QString& scenario = {})
{
    SessionRequest request;
    request.backends = {QStringLiteral("sim")};
    if (!scenario.isEmpty())
        request.options.set("scenario", scenario.toStdString());
    request.rateHz = 100;
    return request;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void fillsInAndPaints()
    {
        MainWindow window;
        window.resize(1500, 900);
        QSignalSpy painted(&window, &MainWindow::firstFramePainted);
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        QVERIFY(painted.wait(5000));
        QVERIFY(painted.front().at(0).toLongLong() > 0);
        const Topology& topology = window.controller()->topology();
        QCOMPARE(window.topologyScene()->nodeCount(), static_cast<int>(topology.filters.size()));
        QCOMPARE(window.topologyScene()->edgeCount(), static_cast<int>(topology.connections.size()));
        QVERIFY(window.topologyScene()->badgeCount() >= 4);
        // nothing selected: the graphs show every allocator, and they move
        QTRY_VERIFY_WITH_TIMEOUT(window.graphs()->pointCount() > 0, 5000);
        QVERIFY(window.graphs()->following());
        const auto lastKey = [&window] {
            const QCPGraph* graph = window.graphs()->allocatedGraph(0);
            return graph && !graph->data()->isEmpty() ? (graph->data()->constEnd() - 1)->key : -1.0;
        };
        QTRY_VERIFY_WITH_TIMEOUT(lastKey() > 0, 5000);
        const double first = lastKey();
        QTRY_VERIFY_WITH_TIMEOUT(lastKey() > first + 0.2, 5000); // the graphs move
    }
    void devicesFoundWhileOpeningAreInTheEventLog()
    {
        // the backend reports its filters while the session opens, before there is a monitor to take events
        MainWindow window;
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        const auto added = [&window] {
            QStringList ids;
            for (int row = 0; row < window.eventModel()->rowCount(); ++row)
                if (window.eventModel()->eventAt(row).kind == EventKind::Added)
                    ids.append(QString::fromStdString(window.eventModel()->eventAt(row).id));
            ids.sort();
            return ids;
        };
        QStringList filters;
        for (const FilterInfo& filter : window.controller()->topology().filters)
            filters.append(QString::fromStdString(filter.id));
        filters.sort();
        QCOMPARE(filters.size(), 5);
        QTRY_COMPARE_WITH_TIMEOUT(added(), filters, 5000);
        // a new monitor (another rate) does not report them again, and a reopened session reports its own
        window.setRate(50);
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor() && window.controller()->monitor()->rateHz() == 50.0,
                                 5000);
        QTest::qWait(300);
        QCOMPARE(added(), filters);
    }
    void selectionIsShared()
    {
        MainWindow window;
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        const QString allocator = QStringLiteral("sim:avshws/pin0/allocator");
        window.selectIds({allocator});
        QCOMPARE(window.selectedAllocators(), QStringList{allocator});
        QCOMPARE(window.propertyEditor()->allocator(), allocator);
        const QModelIndexList rows = window.deviceView()->selectionModel()->selectedRows();
        QVERIFY(!rows.isEmpty());
        for (const QModelIndex& index : rows)
            QCOMPARE(index.data(IdRole).toString(), allocator);
        // the lanes follow the first selected allocator: one lane per frame of avshws (2)
        if (auto* dock = qobject_cast<QDockWidget*>(window.lanes()->parentWidget()))
            dock->raise();
        QTRY_VERIFY_WITH_TIMEOUT(window.lanes()->placeholderText().isEmpty(), 5000);
        // the simulator's buffers are followed one by one: the lanes and the frame timing say so
        QTRY_VERIFY_WITH_TIMEOUT(window.lanes()->titleText().contains(QStringLiteral("exact")), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.frameTiming()->modeText().contains(QStringLiteral("exact")), 5000);
        if (qEnvironmentVariableIsSet("KSSCOPE_TEST_SCREENSHOTS")) {
            QTest::qWait(3000);
            window.grab().save(QStringLiteral("ksscope-lanes.png"));
        }
        // a filter selects all of its allocators
        window.selectIds({QStringLiteral("sim:avssamp")});
        QCOMPARE(window.selectedAllocators().size(), 2);
        // the tree drives it too
        const QModelIndex camera = window.deviceProxy()->mapFromSource(
            window.deviceModel()->indexesForId(QStringLiteral("sim:avshws/pin0")).front());
        window.deviceView()->selectionModel()->select(camera,
                                                      QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(window.selectedIds(), QStringList{QStringLiteral("sim:avshws/pin0")});
        QCOMPARE(window.propertyEditor()->allocator(), allocator);
    }
    void deviceRemovedWhileDisplayed()
    {
        // faults.json: the avshws camera is unplugged at 5 s
        MainWindow window;
        window.show();
        window.open(simRequest(QStringLiteral(KSSCOPE_SCENARIO_DIR "/faults.json")));
        QVERIFY(waitForDevices(window));
        window.selectIds({QStringLiteral("sim:avshws/pin0/allocator")});
        const QModelIndex filter = window.deviceModel()->indexesForId(QStringLiteral("sim:avshws")).front();
        QVERIFY(!filter.data(GoneRole).toBool());
        QTRY_VERIFY_WITH_TIMEOUT(filter.data(GoneRole).toBool(), 15000);
        // greyed out, last state kept, and an event says so
        QVERIFY(window.deviceModel()
                    ->indexesForId(QStringLiteral("sim:avshws/pin0/allocator"))
                    .front()
                    .data(GoneRole)
                    .toBool());
        bool removedEvent = false;
        for (int row = 0; row < window.eventModel()->rowCount(); ++row)
            removedEvent = removedEvent || window.eventModel()->eventAt(row).kind == EventKind::Removed;
        QVERIFY(removedEvent);
        QVERIFY(window.topologyScene()->node(QStringLiteral("sim:avshws")) != nullptr);
        // the window keeps working: the other allocators still move
        window.selectIds({});
        const int points = window.graphs()->pointCount();
        QTest::qWait(500);
        QVERIFY(window.graphs()->pointCount() > 0);
        Q_UNUSED(points)
        QVERIFY(window.controller()->monitor());
    }
    void rateChangeKeepsTheWindowWorking()
    {
        MainWindow window;
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        QTRY_VERIFY_WITH_TIMEOUT(window.graphs()->pointCount() > 0, 5000);
        window.setRate(50);
        // a new monitor (it may reuse the old one's address): check its rate
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor() && window.controller()->monitor()->rateHz() == 50.0,
                                 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor()->stats(0).samples > 10, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.graphs()->pointCount() > 0, 5000);
        QCOMPARE(window.deviceModel()->rowCount(), 1); // the devices stayed open
    }
    void clickingAnEventJumpsTheGraphs()
    {
        MainWindow window;
        window.show();
        window.open(simRequest(QStringLiteral(KSSCOPE_SCENARIO_DIR "/starvation.json")));
        QVERIFY(waitForDevices(window));
        QTRY_VERIFY_WITH_TIMEOUT(window.eventModel()->rowCount() > 0, 10000);
        const QModelIndex index = window.eventModel()->index(0, EventModel::MessageColumn);
        const qint64 t = index.data(TimeRole).toLongLong();
        const QRect rect = window.eventView()->visualRect(index);
        QTest::mouseClick(window.eventView()->viewport(), Qt::LeftButton, {}, rect.center());
        QVERIFY(!window.graphs()->following());
        const auto [from, to] = window.graphs()->timeRange();
        QVERIFY(from <= t && t <= to);
    }
    void exportsSnapshotAndHistory()
    {
        MainWindow window;
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        QTest::qWait(600);
        QTemporaryDir dir;
        const QString json = dir.filePath(QStringLiteral("snapshot.json"));
        QCOMPARE(window.exportSnapshot(json), QString());
        QFile jsonFile(json);
        QVERIFY(jsonFile.open(QIODevice::ReadOnly));
        const auto document = nlohmann::json::parse(jsonFile.readAll().toStdString());
        QCOMPARE(document.at("type").get<std::string>(), std::string("snapshot"));
        QCOMPARE(document.at("topology").at("filters").size(), window.controller()->topology().filters.size());
        QVERIFY(!document.at("statistics").empty());
        QVERIFY(document.at("statistics")[0].at("samples").get<int>() > 10);

        const QString csv = dir.filePath(QStringLiteral("history.csv"));
        QCOMPARE(window.exportVisibleHistory(csv), QString());
        QFile csvFile(csv);
        QVERIFY(csvFile.open(QIODevice::ReadOnly | QIODevice::Text));
        const QList<QByteArray> lines = csvFile.readAll().split('\n');
        QCOMPARE(lines.front(), QByteArray("t_seconds,id,allocated_frames,frames"));
        QVERIFY(lines.size() > 20);
        QCOMPARE(lines[1].split(',').size(), 4);

        QVERIFY(!window.exportSnapshot(dir.filePath(QStringLiteral("no/such/dir/x.json"))).isEmpty());
    }
    void screenshotIsNotBlank()
    {
        MainWindow window;
        window.resize(1400, 850);
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        QTest::qWait(1500);
        const QImage image = window.grab().toImage();
        QCOMPARE(image.size(), QSize(1400, 850));
        QVERIFY2(distinctColors(image) > 40, qPrintable(QString::number(distinctColors(image))));
    }
    void commandLine()
    {
        QTemporaryDir dir;
        const test::GuiProcess gui(dir.path());
        const QString png = dir.filePath(QStringLiteral("shot.png"));
        QByteArray out;
        QCOMPARE(gui.run({QStringLiteral("--backend"), QStringLiteral("sim"), QStringLiteral("--screenshot"), png,
                          QStringLiteral("--after"), QStringLiteral("1.5")},
                         &out),
                 0);
        QVERIFY(out.contains("screenshot saved"));
        QImage shot(png);
        QVERIFY(!shot.isNull());
        QVERIFY(distinctColors(shot) > 40);

        // text on standard output, also from the Windows program (a window program there, without a console)
        QCOMPARE(gui.run({QStringLiteral("--version")}, &out), 0);
        QVERIFY2(out.startsWith("ksscope " KSSCOPE_VERSION), out.constData());

        QByteArray err;
        // invalid values exit 4, as in ksscope-cli
        QCOMPARE(gui.run({QStringLiteral("--rate"), QStringLiteral("0")}, nullptr, &err), 4);
        QVERIFY(err.contains("--rate"));
        QCOMPARE(gui.run({QStringLiteral("--rate"), QStringLiteral("nan")}, nullptr, &err), 4);
        QVERIFY2(err.contains("--rate: expected a number from 1 to 2000, got \"nan\""), err.constData());
        QCOMPARE(gui.run({QStringLiteral("--backend"), QStringLiteral("nope")}, nullptr, &err), 2);
        QVERIFY(err.contains("unknown backend"));
        QCOMPARE(gui.run({QStringLiteral("--scenario"), dir.filePath(QStringLiteral("missing.json"))}, nullptr, &err),
                 2);
        QVERIFY(err.contains("no such file"));
        const QString bad = dir.filePath(QStringLiteral("bad.json"));
        QFile badFile(bad);
        QVERIFY(badFile.open(QIODevice::WriteOnly));
        badFile.write("{\n  \"name\": \"bad\",\n  \"filters\": 3\n}\n");
        badFile.close();
        QCOMPARE(gui.run({QStringLiteral("--scenario"), bad}, nullptr, &err), 4);
        QVERIFY2(err.contains("bad.json:1: missing \"ksscopeScenario\""), err.constData());
        QProcess cli; // the same file, the same exit code from ksscope-cli
        cli.start(QStringLiteral(KSSCOPE_CLI_PATH), {QStringLiteral("--scenario"), bad, QStringLiteral("list")});
        QVERIFY(cli.waitForFinished(30000));
        QCOMPARE(cli.exitCode(), 4);
        QCOMPARE(gui.run({QStringLiteral("--after"), QStringLiteral("2")}, nullptr, &err), 2);
        QVERIFY(err.contains("--screenshot"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
