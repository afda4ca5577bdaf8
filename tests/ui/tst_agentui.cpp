// SPDX-License-Identifier: GPL-3.0-or-later
// The window with a remote agent on loopback (File > Connect to Agent): its devices appear under a backend of their
// own with topology, graphs, lanes and events; they grey out when the agent goes away and come back with it; an
// agent that cannot be reached is named and left out.
#include "eventmodel.h"
#include "ksscope/agent.h"
#include "livegraphwidget.h"
#include "mainwindow.h"
#include "qcustomplot_include.h"
#include "topology/topologyscene.h"

#include <QAction>
#include <QApplication>
#include <QDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>

using namespace ksscope;
using namespace ksscope::ui;

namespace {

/// An agent serving the simulated devices of a scenario in this process, on loopback.
struct LocalAgent {
    explicit LocalAgent(const std::string& scenario, int port = 0)
    {
        Monitor::Options mo;
        mo.rateHz = 100;
        mo.windowSeconds = 30;
        watch = std::make_unique<WatchSession>(mo);
        monitor = watch->monitor();
        if (!watch->open({"sim"}, BackendOptions{{"scenario", scenario}}))
            return;
        watch->startDevices();
        watch->startSampling();
        agent::AgentOptions options;
        options.listen = "127.0.0.1:" + std::to_string(port);
        server = std::make_unique<agent::Agent>(*watch, options);
        started = server->start().isOk();
    }
    ~LocalAgent()
    {
        if (server)
            server->stop();
        SampleBatch last;
        (void)watch->finish(last);
    }
    LocalAgent(const LocalAgent&) = delete;
    LocalAgent& operator=(const LocalAgent&) = delete;

    [[nodiscard]] int port() const { return server->address().port; }
    [[nodiscard]] QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(port()); }

    std::unique_ptr<WatchSession> watch;
    std::shared_ptr<Monitor> monitor;
    std::unique_ptr<agent::Agent> server;
    bool started = false;
};

SessionRequest simRequest()
{
    SessionRequest request;
    request.backends = {QStringLiteral("sim")};
    request.rateHz = 100;
    return request;
}

/// The row of the device tree's backend \a name, or an invalid index.
QModelIndex backendRow(const MainWindow& window, const QString& name)
{
    for (int row = 0; row < window.deviceModel()->rowCount(); ++row) {
        const QModelIndex index = window.deviceModel()->index(row, 0);
        if (index.data().toString() == name)
            return index;
    }
    return {};
}

bool gone(const MainWindow& window, const QString& id)
{
    const auto indexes = window.deviceModel()->indexesForId(id);
    return !indexes.isEmpty() && indexes.front().data(GoneRole).toBool();
}

} // namespace

class TestAgentUi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void aRemoteAgentIsABackendOfTheWindow()
    {
        auto remote = std::make_unique<LocalAgent>(KSSCOPE_SCENARIO_DIR "/starvation.json");
        QVERIFY(remote->started);
        const int port = remote->port();
        const QString backend = QStringLiteral("agent@127.0.0.1:%1").arg(port);
        const QString filter = backend + QStringLiteral(":sim:avshws");
        const QString allocator = filter + QStringLiteral("/pin0/allocator");

        MainWindow window;
        window.resize(1400, 900);
        window.show();
        window.open(simRequest());
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor() != nullptr, 10000);
        QVERIFY(window.openWith({{"agent", remote->url().toStdString()}}).isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(backendRow(window, backend).isValid(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor() != nullptr, 10000);
        QCOMPARE(window.controller()->request().added.size(), 1);

        // the device tree: the local backend and the agent's, with its filter
        QVERIFY(backendRow(window, QStringLiteral("sim")).isValid());
        QCOMPARE(window.deviceModel()->rowCount(backendRow(window, backend)), 1);
        QVERIFY(!gone(window, filter));
        // the topology canvas has its node, and the graphs a series labelled with the agent
        QVERIFY(window.topologyScene()->node(filter) != nullptr);
        window.selectIds({allocator});
        QTRY_VERIFY_WITH_TIMEOUT(window.graphs()->allocatedGraph(0) != nullptr &&
                                     !window.graphs()->allocatedGraph(0)->data()->isEmpty(),
                                 5000);
        QVERIFY2(window.graphs()->allocatedGraph(0)->name().startsWith(QStringLiteral("127.0.0.1:%1 ").arg(port)),
                 qPrintable(window.graphs()->allocatedGraph(0)->name()));
        // events: the remote queue starves, seen here from its samples
        const auto starvedEvents = [&] {
            int n = 0;
            for (int row = 0; row < window.eventModel()->rowCount(); ++row) {
                const MonitorEvent& e = window.eventModel()->eventAt(row);
                n += e.kind == EventKind::Starvation && QString::fromStdString(e.id) == allocator ? 1 : 0;
            }
            return n;
        };
        QTRY_VERIFY_WITH_TIMEOUT(starvedEvents() > 0, 8000);
        // lanes: the agent streams the buffer states
        Lanes lanes;
        QTRY_VERIFY_WITH_TIMEOUT(
            (window.controller()->monitor()->lanes(0, window.controller()->monitor()->now_ns(), lanes),
             lanes.supported && lanes.buffers.size() == 2),
            5000);

        // the agent goes away: its devices grey out, the local ones do not
        remote.reset();
        QTRY_VERIFY_WITH_TIMEOUT(gone(window, filter), 15000);
        QVERIFY(!gone(window, QStringLiteral("sim:avshws")));
        bool lostEvent = false;
        for (int row = 0; row < window.eventModel()->rowCount(); ++row)
            lostEvent = lostEvent || QString::fromStdString(window.eventModel()->eventAt(row).message)
                                         .contains(QStringLiteral("lost the connection"));
        QVERIFY(lostEvent);
        // and come back when it does
        remote = std::make_unique<LocalAgent>(KSSCOPE_SCENARIO_DIR "/starvation.json", port);
        QVERIFY(remote->started);
        QTRY_VERIFY_WITH_TIMEOUT(!gone(window, filter), 15000);
        QCOMPARE(window.deviceModel()->rowCount(backendRow(window, backend)), 1);
    }

    void theConnectDialogConnects()
    {
        LocalAgent remote(KSSCOPE_SCENARIO_DIR "/starvation.json");
        QVERIFY(remote.started);
        MainWindow window;
        window.show();
        window.open(simRequest());
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor() != nullptr, 10000);
        QAction* connectAction = nullptr;
        for (QAction* action : window.findChildren<QAction*>())
            if (action->text() == QStringLiteral("Connect to &Agent..."))
                connectAction = action;
        QVERIFY(connectAction);
        bool filled = false;
        QTimer::singleShot(200, this, [&] {
            auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
            if (!dialog)
                return;
            auto* url = dialog->findChild<QLineEdit*>(QStringLiteral("agent")); // named as on the command line
            if (!url)
                return;
            url->setText(remote.url());
            if (const QByteArray dir = qgetenv("KSSCOPE_TEST_GRAB_DIR"); !dir.isEmpty())
                dialog->grab().save(QString::fromLocal8Bit(dir) + QStringLiteral("/connect-to-agent.png"));
            filled = true;
            dialog->accept();
        });
        connectAction->trigger(); // the dialog runs modally until the timer accepts it
        QVERIFY(filled);
        const QString backend = QStringLiteral("agent@127.0.0.1:%1").arg(remote.port());
        QTRY_VERIFY_WITH_TIMEOUT(backendRow(window, backend).isValid(), 10000);
        QCOMPARE(window.controller()->request().added.front().value("agent"), remote.url().toStdString());
    }

    void anUnreachableAgentIsNamedAndLeftOut()
    {
        MainWindow window;
        window.show();
        window.open(simRequest());
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor() != nullptr, 10000);
        QString boxText;
        QTimer closer;
        connect(&closer, &QTimer::timeout, this, [&] {
            if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
                boxText = box->text();
                box->accept();
            }
        });
        closer.start(50);
        QVERIFY(window.openWith({{"agent", "http://127.0.0.1:1"}}).isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(!boxText.isEmpty(), 15000);
        QVERIFY2(boxText.contains(QStringLiteral(
                     "Cannot open agent http://127.0.0.1:1: cannot reach the agent at http://127.0.0.1:1")),
                 qPrintable(boxText));
        QVERIFY(window.controller()->request().added.isEmpty());
        QVERIFY(backendRow(window, QStringLiteral("sim")).isValid()); // the local devices stay open
        bool logged = false;
        for (int row = 0; row < window.eventModel()->rowCount(); ++row)
            logged = logged || window.eventModel()->eventAt(row).kind == EventKind::Error;
        QVERIFY(logged);
    }
};

QTEST_MAIN(TestAgentUi)
#include "tst_agentui.moc"
