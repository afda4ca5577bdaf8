// SPDX-License-Identifier: GPL-3.0-or-later
// Recording and replay in the window, offscreen: record the simulated devices from the window and read the file
// back; replay a recording with play, pause, seek and speed; a file that cannot be created or written stops the
// recording, not the monitoring. Plus ksscope --recording.
#include "diffdialog.h"
#include "eventmodel.h"
#include "guiprocess.h"
#include "ksscope/recording.h"
#include "livegraphwidget.h"
#include "mainwindow.h"
#include "propertyeditor.h"
#include "qcustomplot_include.h"
#include "replaybar.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QScopeGuard>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <nlohmann/json.hpp>

#include <csignal>
#include <memory>
#include <optional>

#if defined(__linux__)
#include <sys/resource.h>
#endif

using namespace ksscope;
using namespace ksscope::ui;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kFixtureLength_ns = 60 * kSecond;
constexpr std::int64_t kFixtureStarvation_ns = 30 * kSecond;
const QString kAllocator = QStringLiteral("sim:avshws/pin0/allocator");

bool waitForDevices(MainWindow& window)
{
    return QTest::qWaitFor([&] { return window.deviceModel()->rowCount() > 0 && window.controller()->monitor(); },
                           15000);
}

SessionRequest simRequest(double rateHz = 100)
{
    SessionRequest request;
    request.backends = {QStringLiteral("sim")};
    request.rateHz = rateHz;
    return request;
}

/// The filter ids the device tree shows.
QSet<QString> shownFilters(const MainWindow& window)
{
    QSet<QString> ids;
    const QAbstractItemModel* model = window.deviceModel();
    for (int b = 0; b < model->rowCount(); ++b) {
        const QModelIndex backend = model->index(b, 0);
        for (int f = 0; f < model->rowCount(backend); ++f)
            ids.insert(model->index(f, 0, backend).data(IdRole).toString());
    }
    return ids;
}

QSet<QString> filterIds(const Topology& topology)
{
    QSet<QString> ids;
    for (const FilterInfo& filter : topology.filters)
        ids.insert(QString::fromStdString(filter.id));
    return ids;
}

bool hasEvent(const EventModel& model, EventKind kind, const QString& id = {}, const QString& text = {})
{
    for (int row = 0; row < model.rowCount(); ++row) {
        const MonitorEvent& e = model.eventAt(row);
        if (e.kind == kind && (id.isEmpty() || QString::fromStdString(e.id) == id) &&
            QString::fromStdString(e.message).contains(text))
            return true;
    }
    return false;
}

int countEvents(const EventModel& model, EventKind kind)
{
    int count = 0;
    for (int row = 0; row < model.rowCount(); ++row)
        count += model.eventAt(row).kind == kind ? 1 : 0;
    return count;
}

double lastGraphKey(const MainWindow& window)
{
    const QCPGraph* graph = window.graphs()->allocatedGraph(0);
    return graph && !graph->data()->isEmpty() ? (graph->data()->constEnd() - 1)->key : -1.0;
}

/// A minute of the simulated devices written straight through a Recorder, without waiting for it: every
/// allocator sampled at 100 Hz, its frames cycling through the buffer states, and one starvation at 30 s.
Status writeFixture(const std::string& path, Topology& topology)
{
    Session session;
    if (Status s = session.open({"sim"}, BackendOptions{}); !s)
        return s;
    topology = session.topology();
    Recorder::Options options;
    options.path = path;
    options.backends = {"sim"};
    options.rateHz = 100;
    options.command = "tst_recordingui fixture";
    Status status;
    auto recorder = Recorder::create(options, topology, status);
    if (!recorder)
        return status;
    std::vector<std::string> ids;
    std::vector<std::uint32_t> frames;
    for (const AllocatorInfo& allocator : topology.allocators) {
        ids.push_back(allocator.id);
        frames.push_back(std::max<std::uint32_t>(2, allocator.status.Framing.Frames));
    }
    SampleBatch batch;
    for (std::int64_t t = 0; t <= kFixtureLength_ns; t += kSecond / 100) {
        const auto tick = static_cast<std::uint32_t>(t / (kSecond / 100));
        for (std::uint32_t a = 0; a < ids.size(); ++a) {
            SampleRecord r;
            r.allocator = a;
            r.frameSize = 4096;
            r.sample = {t, (tick / 10 + a) % (frames[a] + 1), frames[a]};
            r.delivered = tick;
            batch.samples.push_back(r);
            if (tick % 10 == 0)
                batch.bufferChanges.push_back(
                    {t, a, (tick / 10) % frames[a], static_cast<BufferState>((tick / 10) % 4)});
        }
        if (t == kFixtureStarvation_ns)
            batch.events.push_back({t, EventKind::Starvation, ids.front(), "no free frame for 2 frame periods"});
        if (batch.samples.size() > 10000) {
            recorder->add(batch, ids);
            batch = {};
        }
    }
    recorder->add(batch, ids);
    status = recorder->finish(kFixtureLength_ns);
    session.close();
    return status;
}

} // namespace

class TestRecordingUi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_dir.isValid());
        // settings of this run's own (the folder used last), not shared with other tests running beside it; on
        // Windows they are in the registry, under this test's own name, emptied first
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
        QCoreApplication::setOrganizationName(QStringLiteral("KsScope tests"));
        QSettings().clear();
        if (!recordingSupported())
            QSKIP("built without SQLite: no recordings");
        m_fixture = m_dir.filePath(QStringLiteral("fixture.ksrec"));
        const Status status = writeFixture(m_fixture.toStdString(), m_fixtureTopology);
        QVERIFY2(status.isOk(), status.toString().c_str());
    }

    void recordsFromTheWindow()
    {
        MainWindow window;
        window.resize(1600, 1000);
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        QVERIFY(window.recordAction()->isEnabled());
        const QString path = m_dir.filePath(QStringLiteral("window.ksrec"));
        QCOMPARE(window.startRecording(path), QString());
        QVERIFY(window.isRecording());
        QVERIFY(window.recordAction()->isChecked());
        QVERIFY2(window.recordingIndicatorText().startsWith(QStringLiteral("\u25CF REC 00:0")),
                 qPrintable(window.recordingIndicatorText()));

        // an edit while recording: it goes into the file
        window.selectIds({kAllocator});
        PropertyEditor* editor = window.propertyEditor();
        QTRY_VERIFY_WITH_TIMEOUT(editor->buffersEdit()->isEnabled(), 5000);
        const LONG wanted = editor->buffersEdit()->placeholderText().toInt() + 2;
        QTest::keyClicks(editor->buffersEdit(), QString::number(wanted));
        QTRY_VERIFY_WITH_TIMEOUT(editor->applyButton()->isEnabled(), 5000);
        QTest::mouseClick(editor->applyButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(editor->statusText().startsWith(QStringLiteral("Applied")), 5000);

        // about a second, as the indicator counts it (with the file growing)
        QTRY_VERIFY_WITH_TIMEOUT(window.recordingIndicatorText().contains(QStringLiteral("REC 00:01")), 10000);
        QVERIFY(window.recordingIndicatorText().contains(QStringLiteral(" kB")) ||
                window.recordingIndicatorText().contains(QStringLiteral(" MB")));
        if (qEnvironmentVariableIsSet("KSSCOPE_TEST_SCREENSHOTS")) {
            QTest::qWait(3000);
            window.grab().save(QStringLiteral("ksscope-recording.png"));
        }

        QSignalSpy saved(&window, &MainWindow::recordingSaved);
        window.stopRecording();
        QVERIFY(!window.isRecording());
        QVERIFY(!window.recordAction()->isChecked());
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 15000);
        QCOMPARE(saved.front().at(0).toString(), path);
        QVERIFY(saved.front().at(1).toBool());
        const QString message = saved.front().at(2).toString();
        QVERIFY2(message.startsWith(QStringLiteral("Recording saved: ") + path) &&
                     message.contains(QStringLiteral("samples")),
                 qPrintable(message));
        QCOMPARE(window.lastRecordingMessage(), message);
        QTRY_VERIFY_WITH_TIMEOUT(window.recordingIndicatorText().isEmpty(), 5000);
        QVERIFY(window.controller()->monitor()); // monitoring goes on

        // the file
        Status status;
        auto recording = Recording::open(path.toStdString(), status);
        QVERIFY2(recording, status.toString().c_str());
        const RecordingInfo& info = recording->info();
        QVERIFY(info.closedCleanly);
        QVERIFY(info.buffersRecorded);
        QCOMPARE(info.command, std::string("ksscope GUI"));
        QCOMPARE(info.backends, std::vector<std::string>{"sim"});
        QCOMPARE(info.rateHz, 100.0);
        QVERIFY2(info.duration_ns >= kSecond, std::to_string(info.duration_ns).c_str());
        std::uint64_t samples = 0;
        QVERIFY(recording->sampleCount(samples));
        QVERIFY2(samples >= 50, std::to_string(samples).c_str());
        const QStringList parts = message.split(QLatin1Char('('));
        QVERIFY(
            parts.back().startsWith(QLocale::system().toString(static_cast<qulonglong>(samples)) + QLatin1Char(' ')));
        std::vector<BufferChange> buffers;
        QVERIFY(recording->bufferChanges(Recording::kAllAllocators, -1, info.duration_ns + kSecond, buffers));
        QVERIFY(!buffers.empty());
        std::vector<TopologySnapshot> topologies;
        QVERIFY(recording->topologies(topologies));
        QVERIFY(!topologies.empty());
        QCOMPARE(topologies.front().t_ns, 0);
        QCOMPARE(filterIds(topologies.front().topology), filterIds(window.controller()->topology()));
        QVERIFY2(topologies.size() >= 2, "a snapshot after the edit");
        // the edit, as applied
        std::vector<RecordedEdit> edits;
        QVERIFY(recording->edits(edits));
        QCOMPARE(edits.size(), std::size_t{1});
        QCOMPARE(edits.front().allocatorId, kAllocator.toStdString());
        QCOMPARE(edits.front().kind, std::string("properties"));
        QVERIFY(edits.front().applied);
        QCOMPARE(nlohmann::json::parse(edits.front().requested).at("buffers").get<int>(), wanted);
        QCOMPARE(nlohmann::json::parse(edits.front().actual).at("buffers").get<int>(), wanted);
        const TopologySnapshot& last = topologies.back();
        const AllocatorInfo* edited = last.topology.findAllocator(kAllocator.toStdString());
        QVERIFY(edited);
        QCOMPARE(edited->properties.cBuffers, wanted);
    }

    void recordActionAsksForAFile()
    {
        MainWindow window;
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        QString suggested;
        QString answer; // cancelled
        window.setRecordingPathChooser([&](const QString& s) {
            suggested = s;
            return answer;
        });
        window.recordAction()->trigger();
        QVERIFY(!window.isRecording());
        QVERIFY(!window.recordAction()->isChecked());
        QVERIFY2(QFileInfo(suggested).fileName().startsWith(QStringLiteral("ksscope-")) &&
                     suggested.endsWith(QStringLiteral(".ksrec")),
                 qPrintable(suggested));

        answer = m_dir.filePath(QStringLiteral("action.ksrec"));
        QFile existing(answer); // the dialog confirmed replacing it
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("old");
        existing.close();
        window.recordAction()->trigger();
        QVERIFY(window.isRecording());
        QVERIFY(window.recordAction()->isChecked());
        QCOMPARE(window.recordAction()->text(), QStringLiteral("Stop Recording"));
        QTRY_VERIFY_WITH_TIMEOUT(window.recordingIndicatorText().contains(QStringLiteral("REC 00:01")), 10000);
        QSignalSpy saved(&window, &MainWindow::recordingSaved);
        window.recordAction()->trigger();
        QVERIFY(!window.isRecording());
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 15000);
        QVERIFY(saved.front().at(1).toBool());
        Status status;
        QVERIFY(Recording::open(answer.toStdString(), status));
        // the next time the dialog starts in the folder used last
        window.recordAction()->trigger(); // answer the same file again
        QVERIFY(window.isRecording());
        QCOMPARE(QFileInfo(suggested).absolutePath(), QFileInfo(answer).absolutePath());
    }

    void recordingToAFolderThatDoesNotExist()
    {
        MainWindow window;
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        const QString path = m_dir.filePath(QStringLiteral("no/such/folder/x.ksrec"));
        const QString error = window.startRecording(path);
        QVERIFY(!error.isEmpty());
        QVERIFY(!window.isRecording());
        QVERIFY(!window.recordAction()->isChecked());
        QVERIFY2(window.lastRecordingMessage().startsWith(QStringLiteral("Could not record to ") + path),
                 qPrintable(window.lastRecordingMessage()));
        QVERIFY(hasEvent(*window.eventModel(), EventKind::Error, QStringLiteral("recording")));
        QVERIFY(!QFile::exists(path));
        // monitoring goes on
        const std::shared_ptr<Monitor> monitor = window.controller()->monitor();
        QVERIFY(monitor);
        const std::uint64_t before = monitor->stats(0).samples;
        QTRY_VERIFY_WITH_TIMEOUT(monitor->stats(0).samples > before + 20, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.graphs()->pointCount() > 0, 5000);
    }

    void writeFailureStopsRecordingNotMonitoring()
    {
#if defined(__linux__)
        // a file size limit fails the writer like a full disk would
        rlimit original{};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &original), 0);
        const auto restore = qScopeGuard([&original] { setrlimit(RLIMIT_FSIZE, &original); });
        std::signal(SIGXFSZ, SIG_IGN);

        MainWindow window;
        window.show();
        window.open(simRequest(1000));
        QVERIFY(waitForDevices(window));
        rlimit limited = original;
        limited.rlim_cur = 192 * 1024;
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &limited), 0);
        const QString path = m_dir.filePath(QStringLiteral("limited.ksrec"));
        QSignalSpy saved(&window, &MainWindow::recordingSaved);
        QCOMPARE(window.startRecording(path), QString());
        QTRY_VERIFY_WITH_TIMEOUT(!window.isRecording(), 60000);
        QVERIFY(!window.recordAction()->isChecked());
        // said in the events log (and the status bar, until the file is closed and that is said)
        QVERIFY(hasEvent(*window.eventModel(), EventKind::Error, QStringLiteral("recording"),
                         QStringLiteral("Recording to %1 stopped: writing failed").arg(path)));
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 15000);
        QVERIFY(!saved.front().at(1).toBool());
        setrlimit(RLIMIT_FSIZE, &original);
        // monitoring goes on, and what was committed before the failure is a readable recording
        const std::shared_ptr<Monitor> monitor = window.controller()->monitor();
        QVERIFY(monitor);
        const std::uint64_t before = monitor->stats(0).samples;
        QTRY_VERIFY_WITH_TIMEOUT(monitor->stats(0).samples > before + 100, 5000);
        QVERIFY(window.recordAction()->isEnabled());
        Status status;
        auto recording = Recording::open(path.toStdString(), status);
        QVERIFY2(recording, status.toString().c_str());
        std::uint64_t samples = 0;
        QVERIFY(recording->sampleCount(samples));
        QVERIFY(samples > 0);
#else
        QSKIP("needs RLIMIT_FSIZE");
#endif
    }

    void rateChangeStopsTheRecordingCleanly()
    {
        MainWindow window;
        window.show();
        window.open(simRequest());
        QVERIFY(waitForDevices(window));
        const QString path = m_dir.filePath(QStringLiteral("rate.ksrec"));
        QSignalSpy saved(&window, &MainWindow::recordingSaved);
        QCOMPARE(window.startRecording(path), QString());
        QTRY_VERIFY_WITH_TIMEOUT(window.recordingIndicatorText().contains(QStringLiteral("REC 00:01")), 10000);
        window.setRate(50);
        QVERIFY(!window.isRecording());
        QVERIFY(!window.recordAction()->isChecked());
        QVERIFY2(window.lastRecordingMessage().contains(QStringLiteral("stopped: the sample rate changed")),
                 qPrintable(window.lastRecordingMessage()));
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 15000);
        QVERIFY(saved.front().at(1).toBool());
        Status status;
        auto recording = Recording::open(path.toStdString(), status);
        QVERIFY2(recording, status.toString().c_str());
        QVERIFY(recording->info().closedCleanly);
        // the window goes on with the new monitor, and can record again
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor() && window.controller()->monitor()->rateHz() == 50.0,
                                 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.recordAction()->isEnabled(), 5000);
        QCOMPARE(window.startRecording(m_dir.filePath(QStringLiteral("rate2.ksrec"))), QString());
        window.stopRecording();
        QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 2, 15000);
    }

    void replaysARecording()
    {
        MainWindow window;
        window.resize(1400, 900);
        window.show();
        QVERIFY(window.openWith({{"recording", m_fixture.toStdString()}}).isEmpty());
        QVERIFY(waitForDevices(window));
        Playback* timeline = window.controller()->playback();
        QVERIFY(timeline);
        QCOMPARE(timeline->end_ns(), kFixtureLength_ns);
        ReplayBar* bar = window.replayBar();
        QVERIFY(bar->isVisibleTo(&window));
        QVERIFY(window.windowTitle().contains(QStringLiteral("fixture.ksrec")));
        QVERIFY(!window.recordAction()->isEnabled()); // a replay is not recorded again

        // what was recorded, shown as live devices are
        QCOMPARE(shownFilters(window), filterIds(m_fixtureTopology));
        QCOMPARE(window.topologyScene() != nullptr, true);
        QTRY_VERIFY_WITH_TIMEOUT(window.graphs()->pointCount() > 0, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(lastGraphKey(window) > 0.0, 10000);

        // the position advances, and the slider and the label follow it
        const std::int64_t p0 = timeline->position_ns();
        QTRY_VERIFY_WITH_TIMEOUT(timeline->position_ns() > p0 + kSecond / 2, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(bar->slider()->value() > 0, 5000);
        QVERIFY2(bar->positionText().endsWith(QStringLiteral(" / 01:00.0")), qPrintable(bar->positionText()));
        QCOMPARE(bar->slider()->maximum(), 60000);

        // pause holds the position
        QVERIFY(timeline->playing());
        QCOMPARE(bar->playAction()->text(), QStringLiteral("Pause"));
        bar->playAction()->trigger();
        QVERIFY(!timeline->playing());
        QTRY_COMPARE_WITH_TIMEOUT(bar->playAction()->text(), QStringLiteral("Play"), 5000);
        const std::int64_t held = timeline->position_ns();
        QTest::qWait(400);
        QCOMPARE(timeline->position_ns(), held);
        QCOMPARE(bar->slider()->value(), static_cast<int>(held / 1'000'000));
        QCOMPARE(bar->positionText(), ReplayBar::formatPosition(held) + QStringLiteral(" / 01:00.0"));

        // a seek moves the position and replaces the monitor; the graphs show the time before it
        std::weak_ptr<Monitor> old = window.controller()->monitor();
        const std::int64_t target = 45 * kSecond;
        window.seekReplay(target);
        QCOMPARE(timeline->position_ns(), target);
        QTRY_VERIFY_WITH_TIMEOUT(old.expired() && window.controller()->monitor(), 10000);
        QCOMPARE(window.controller()->monitor()->now_ns(), target);
        // the catch-up took the time before
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor()->stats(0).samples >= 40 * 100, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(lastGraphKey(window) > 44.0 && lastGraphKey(window) <= 45.01, 10000);
        QVERIFY(window.graphs()->following());
        const auto [from, to] = window.graphs()->timeRange();
        QVERIFY2(to >= 44 * kSecond && to <= target && from < to,
                 qPrintable(QStringLiteral("%1..%2").arg(from).arg(to)));
        // the starvation at 30 s is in the events again, once
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(*window.eventModel(), EventKind::Starvation), 10000);
        QCOMPARE(countEvents(*window.eventModel(), EventKind::Starvation), 1);
        QTRY_COMPARE_WITH_TIMEOUT(bar->positionText(), QStringLiteral("00:45.0 / 01:00.0"), 5000);
        QVERIFY(!timeline->playing()); // a seek keeps the replay paused

        // a click on the slider seeks to where it lands
        old = window.controller()->monitor();
        QSlider* slider = bar->slider();
        QTest::mouseClick(slider, Qt::LeftButton, {}, QPoint(slider->width() / 4, slider->height() / 2));
        QTRY_VERIFY_WITH_TIMEOUT(old.expired() && window.controller()->monitor(), 10000);
        QVERIFY2(timeline->position_ns() > 5 * kSecond && timeline->position_ns() < 25 * kSecond,
                 std::to_string(timeline->position_ns()).c_str());
        QCOMPARE(static_cast<std::int64_t>(slider->value()) * 1'000'000, timeline->position_ns());

        // arrow keys step a second each; held down, they seek once when they stop
        old = window.controller()->monitor();
        const int v0 = slider->value();
        slider->setFocus();
        for (int i = 0; i < 3; ++i)
            QTest::keyClick(slider, Qt::Key_Right);
        QTRY_VERIFY_WITH_TIMEOUT(old.expired() && window.controller()->monitor(), 10000);
        QCOMPARE(timeline->position_ns(), static_cast<std::int64_t>(v0 + 3000) * 1'000'000);

        // seeks in a quick row (the second before the first one's monitor answers): the last one wins, and what
        // the views show comes from its monitor alone
        window.seekReplay(50 * kSecond);
        window.seekReplay(35 * kSecond);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.controller()->monitor() && window.controller()->monitor()->stats(0).samples >= 30 * 100, 10000);
        QCOMPARE(timeline->position_ns(), 35 * kSecond);
        QTRY_VERIFY_WITH_TIMEOUT(hasEvent(*window.eventModel(), EventKind::Starvation), 10000);
        window.controller()->waitForIdle();
        QTest::qWait(2 * MainWindow::kRefreshIntervalMs);
        QCOMPARE(countEvents(*window.eventModel(), EventKind::Starvation), 1);

        // the speed box: 4x, then as fast as possible (the end at once)
        QComboBox* speed = bar->speedBox();
        const int fourTimes = speed->findData(4.0);
        QVERIFY(fourTimes >= 0);
        speed->setCurrentIndex(fourTimes);
        Q_EMIT speed->activated(fourTimes);
        QCOMPARE(timeline->speed(), 4.0);
        bar->playAction()->trigger();
        QVERIFY(timeline->playing());
        const std::int64_t p1 = timeline->position_ns();
        QTRY_VERIFY_WITH_TIMEOUT(timeline->position_ns() > p1 + kSecond, 10000);
        const int max = speed->findText(QStringLiteral("max"));
        QVERIFY(max >= 0);
        speed->setCurrentIndex(max);
        Q_EMIT speed->activated(max);
        QCOMPARE(timeline->speed(), 0.0);
        QCOMPARE(timeline->position_ns(), kFixtureLength_ns);
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor()->finished(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(bar->playAction()->text(), QStringLiteral("Play"), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(lastGraphKey(window) > 59.0, 10000);
        // play at the end starts again from the beginning
        speed->setCurrentIndex(speed->findData(1.0));
        Q_EMIT speed->activated(speed->findData(1.0));
        old = window.controller()->monitor();
        bar->playAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(old.expired() && window.controller()->monitor(), 10000);
        QVERIFY(timeline->position_ns() < 10 * kSecond);
        QVERIFY(timeline->playing());
    }

    void replayedAllocatorsAreReadOnly()
    {
        MainWindow window;
        window.show();
        QVERIFY(window.openWith({{"recording", m_fixture.toStdString()}}).isEmpty());
        QVERIFY(waitForDevices(window));
        window.selectIds({kAllocator});
        PropertyEditor* editor = window.propertyEditor();
        QCOMPARE(editor->allocator(), kAllocator);
        QVERIFY2(editor->readOnlyText().contains(QStringLiteral("replayed from a recording")),
                 qPrintable(editor->readOnlyText()));
        QVERIFY(!editor->buffersEdit()->isEnabled());
        QVERIFY(!editor->applyButton()->isEnabled());
        // the details say where the values come from, not that reading the allocator failed
        const auto groups = [editor] {
            QStringList names;
            for (int i = 0; i < editor->detailsTree()->topLevelItemCount(); ++i)
                names.append(editor->detailsTree()->topLevelItem(i)->text(0));
            return names;
        };
        QTRY_VERIFY_WITH_TIMEOUT(groups().contains(QStringLiteral("Source")), 5000);
        QVERIFY2(!groups().contains(QStringLiteral("Error")), qPrintable(groups().join(QLatin1Char(','))));
        QVERIFY(groups().contains(QStringLiteral("Framing (KSALLOCATOR_FRAMING)")));
        // an edit that reaches the backend anyway is refused with its reason
        std::optional<PropertyChange> change;
        connect(window.controller(), &SessionController::propertiesResult, &window,
                [&change](quint64 ticket, const QString&, const PropertyChange& c, ApplyMode) {
                    if (ticket == 12345)
                        change = c;
                });
        PropertyRequest request;
        request.buffers = 8;
        window.controller()->setProperties(12345, kAllocator, request, ApplyMode::Apply);
        QTRY_VERIFY_WITH_TIMEOUT(change.has_value(), 5000);
        QVERIFY(!change->applied);
        QVERIFY(change->status.message().find("replayed from a recording") != std::string::npos);

        // back to live devices
        window.openLiveDevices();
        QTRY_VERIFY_WITH_TIMEOUT(window.controller()->monitor() && !window.controller()->playback(), 15000);
        QVERIFY(!window.replayBar()->isVisibleTo(&window));
        QCOMPARE(window.windowTitle(), QStringLiteral("KsScope"));
        QVERIFY(window.recordAction()->isEnabled());
        QVERIFY(waitForDevices(window));
        window.selectIds({kAllocator});
        QTRY_VERIFY_WITH_TIMEOUT(editor->buffersEdit()->isEnabled(), 5000);
        QVERIFY(editor->readOnlyText().isEmpty());
    }

    void commandLine()
    {
        QTemporaryDir dir;
        const test::GuiProcess gui(dir.path());
        const QString png = dir.filePath(QStringLiteral("replay.png"));
        QByteArray out;
        QByteArray err;
        QCOMPARE(gui.run({QStringLiteral("--recording"), m_fixture, QStringLiteral("--speed"), QStringLiteral("2"),
                          QStringLiteral("--screenshot"), png, QStringLiteral("--after"), QStringLiteral("1.5")},
                         &out, &err),
                 0);
        QVERIFY2(out.contains("screenshot saved"), err.constData());
        QVERIFY2(out.contains("shown: sim "), out.constData());
        QVERIFY(!QImage(png).isNull());

        QCOMPARE(gui.run({QStringLiteral("--recording"), dir.filePath(QStringLiteral("missing.ksrec"))}, nullptr, &err),
                 2);
        QVERIFY(err.contains("no such file"));
        // the exit codes are ksscope-cli's: a file that is not a recording is an invalid value (4)
        QCOMPARE(gui.run({QStringLiteral("--recording"), QStringLiteral(KSSCOPE_SCENARIO_DIR "/default.json")}, nullptr,
                         &err),
                 4);
        QVERIFY2(err.contains("--recording: ") && err.contains("default.json is not a KsScope recording"),
                 err.constData());
        QCOMPARE(gui.run({QStringLiteral("--speed"), QStringLiteral("2")}, nullptr, &err), 2);
        QVERIFY(err.contains("--speed needs --recording"));
        QCOMPARE(gui.run({QStringLiteral("--recording"), m_fixture, QStringLiteral("--speed"), QStringLiteral("fast")},
                         nullptr, &err),
                 4);
        QVERIFY2(err.contains("--speed: expected a number from 0.001 to 1000, got \"fast\", or max"), err.constData());
        QCOMPARE(gui.run({QStringLiteral("--recording"), m_fixture, QStringLiteral("--speed"), QStringLiteral("nan")},
                         nullptr, &err),
                 4);
        QCOMPARE(gui.run({QStringLiteral("--rate"), QStringLiteral("nan")}, nullptr, &err), 4);
        QVERIFY2(err.contains("--rate: expected a number from 1 to 2000, got \"nan\""), err.constData());
        QCOMPARE(gui.run({QStringLiteral("--recording"), m_fixture, QStringLiteral("--backend"), QStringLiteral("sim")},
                         nullptr, &err),
                 2);
        QVERIFY2(err.contains("the options given are for the replay backend, which --backend leaves out"),
                 err.constData());

        // --export-report writes a report without a window
        const QString html = dir.filePath(QStringLiteral("report.html"));
        QCOMPARE(gui.run({QStringLiteral("--export-report"), m_fixture, QStringLiteral("--output"), html}, &out, &err),
                 0);
        QFile page(html);
        QVERIFY(page.open(QIODevice::ReadOnly));
        QVERIFY(page.readAll().contains("<svg"));
        QCOMPARE(gui.run({QStringLiteral("--export-report"), m_fixture, QStringLiteral("--output"),
                          dir.filePath(QStringLiteral("report.docx"))},
                         nullptr, &err),
                 4);
        QVERIFY(err.contains("json, csv, html or pdf"));
    }

    /// File > Export Report: the replayed recording by default, written on a worker thread.
    void exportReportFromTheWindow()
    {
        MainWindow window;
        QVERIFY(window.reportSource().isEmpty());
        QVERIFY(window.openWith({{"recording", m_fixture.toStdString()}}).isEmpty());
        QTRY_COMPARE(window.reportSource(), m_fixture);
        QSignalSpy exported(&window, &MainWindow::reportExported);
        const QString pdf = m_dir.filePath(QStringLiteral("window-report.pdf"));
        window.exportReportTo(window.reportSource(), pdf);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 1, 60000);
        QVERIFY2(exported.at(0).at(1).toBool(), qPrintable(exported.at(0).at(2).toString()));
        QFile file(pdf);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.read(5), QByteArray("%PDF-"));
        QVERIFY(file.size() > 5000);

        const QString json = m_dir.filePath(QStringLiteral("window-report.json"));
        window.exportReportTo(m_fixture, json);
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, 60000);
        QVERIFY(exported.at(1).at(1).toBool());
        QFile doc(json);
        QVERIFY(doc.open(QIODevice::ReadOnly));
        const auto parsed = nlohmann::json::parse(doc.readAll().toStdString(), nullptr, false);
        QCOMPARE(parsed["allocators"].size(), m_fixtureTopology.allocators.size());

        window.exportReportTo(m_fixture, m_dir.filePath(QStringLiteral("report.txt")));
        QCOMPARE(exported.count(), 3);
        QVERIFY(!exported.at(2).at(1).toBool());
        window.exportReportTo(m_dir.filePath(QStringLiteral("missing.ksrec")),
                              m_dir.filePath(QStringLiteral("x.html")));
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 4, 30000);
        QVERIFY(!exported.at(3).at(1).toBool());
        QVERIFY(exported.at(3).at(2).toString().contains(QStringLiteral("does not exist")));
    }

    void compareRecordingsShowsEveryAllocator()
    {
        MainWindow window;
        DiffDialog* dialog = window.compareRecordings(m_fixture, m_fixture);
        QSignalSpy done(dialog, &DiffDialog::finished);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, 30000);
        QVERIFY(done.at(0).at(0).toBool());
        QCOMPARE(dialog->table()->rowCount(), static_cast<int>(3 * m_fixtureTopology.allocators.size()));
        QVERIFY(dialog->message().contains(QStringLiteral("fixture.ksrec")));
        // B - A of a recording with itself: every difference is zero
        QCOMPARE(dialog->table()->item(2, 1)->text(), QStringLiteral("B − A"));
        QCOMPARE(dialog->table()->item(2, 3)->text(), QStringLiteral("0.00"));

        DiffDialog* bad = window.compareRecordings(m_fixture, m_dir.filePath(QStringLiteral("missing.ksrec")));
        QSignalSpy failed(bad, &DiffDialog::finished);
        QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 30000);
        QVERIFY(!failed.at(0).at(0).toBool());
        QVERIFY(bad->message().contains(QStringLiteral("does not exist")));
    }

private:
    QTemporaryDir m_dir;
    QString m_fixture;
    Topology m_fixtureTopology;
};

QTEST_MAIN(TestRecordingUi)
#include "tst_recordingui.moc"
