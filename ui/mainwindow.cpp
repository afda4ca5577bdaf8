// SPDX-License-Identifier: GPL-3.0-or-later
#include "mainwindow.h"

#include "devicespanel.h"
#include "diffdialog.h"
#include "eventlogview.h"
#include "eventmodel.h"
#include "formats/doctorpanel.h"
#include "formats/formatspart.h"
#include "frametimingwidget.h"
#include "ids.h"
#include "ksscope/device_id.h"
#include "ksscope/version.h"
#include "lanewidget.h"
#include "livegraphwidget.h"
#include "openpart.h"
#include "propertyeditor.h"
#include "recordingcontrol.h"
#include "replaybar.h"
#include "reportpdf.h"
#include "samplingpart.h"
#include "seriessource.h"
#include "topology/topologyscene.h"
#include "topology/topologyview.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>

#include <algorithm>

namespace ksscope::ui {

namespace {
constexpr std::size_t kMaxGraphSeries = 8; // more lines than that stop being readable

QStringList toQStringList(const std::vector<std::string>& list)
{
    QStringList out;
    for (const std::string& s : list)
        out.append(QString::fromStdString(s));
    return out;
}

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_controller(new SessionController(this)), m_undoStack(new QUndoStack(this)),
      m_eventModel(new EventModel(this)), m_scene(new TopologyScene(this)),
      m_recording(new RecordingPart(m_controller, this)), m_open(new OpenPart(m_controller, this)),
      m_sampling(new SamplingPart(m_controller, this)), m_tick(new QTimer(this)), m_topologyRefresh(new QTimer(this))
{
    m_created.start();
    setWindowTitle(tr("KsScope"));
    setObjectName(QStringLiteral("MainWindow"));
    setDockOptions(AnimatedDocks | AllowNestedDocks | AllowTabbedDocks);

    m_view = new TopologyView(this);
    m_view->setScene(m_scene);
    setCentralWidget(m_view);
    createDocks();
    m_export = new ExportPart(m_controller, m_graphs, this);
    connect(m_export, &ExportPart::statusMessage, statusBar(), &QStatusBar::showMessage);
    connect(m_export, &ExportPart::problem, this, &MainWindow::logProblem);
    connect(m_export, &ExportPart::reportExported, this, &MainWindow::reportExported);
    createActions();

    statusBar()->addPermanentWidget(m_sampling->statusLabel());
    connect(m_sampling, &SamplingPart::rateChanging, this, [this](const QString& reason) {
        m_live.clear();
        m_restartReason = reason;
    });

    m_tick->setInterval(kRefreshIntervalMs);
    connect(m_tick, &QTimer::timeout, this, &MainWindow::onTick);
    m_topologyRefresh->setSingleShot(true);
    m_topologyRefresh->setInterval(150); // a burst of hot-plug events costs one refresh
    connect(m_topologyRefresh, &QTimer::timeout, m_controller, &SessionController::refreshTopology);

    connect(m_open, &OpenPart::aboutToOpen, this, &MainWindow::onAboutToOpen);
    connect(m_open, &OpenPart::statusMessage, statusBar(), &QStatusBar::showMessage);
    connect(m_controller, &SessionController::opened, this, &MainWindow::onOpened);
    connect(m_controller, &SessionController::problem, this, [this](const QString& message) {
        statusBar()->showMessage(message);
        logProblem(QStringLiteral("session"), message);
    });
    connect(m_controller, &SessionController::opening, this, [this] {
        // a recording belongs to the monitor that goes
        if (isRecording())
            m_recording->stopRecordingBecause(m_restartReason.isEmpty() ? tr("the monitor was restarted")
                                                                        : m_restartReason);
        m_restartReason.clear();
        m_recording->setAvailable(false, false); // until the new monitor runs
        if (!m_controller->playback())
            m_replayBar->setPlayback(nullptr); // its session closes
        m_tick->stop();
        m_graphs->clearEvents(); // their times belong to the monitor that goes
        m_graphs->setSource(nullptr);
        m_lanes->setSource(nullptr);
        m_frameTiming->clear(); // its frames belong to the monitor that goes
        m_source.reset();
        m_monitor.reset();
        statusBar()->showMessage(tr("Opening devices..."));
    });
    connect(m_controller, &SessionController::topologyChanged, this, &MainWindow::onTopologyChanged);
    connect(m_controller, &SessionController::connectionResult, this,
            [this](const QString& from, const QString& to, bool enabled, const Status& status) {
                if (status)
                    statusBar()->showMessage(
                        tr("Link %1 -> %2 %3").arg(from, to, enabled ? tr("enabled") : tr("disabled")), 5000);
                else
                    QMessageBox::warning(this, tr("Link not changed"),
                                         tr("The link %1 -> %2 could not be %3:\n%4")
                                             .arg(from, to, enabled ? tr("enabled") : tr("disabled"),
                                                  QString::fromStdString(status.toString())));
            });
    connect(m_editor, &PropertyEditor::statusMessage, this,
            [this](const QString& m) { statusBar()->showMessage(m, 8000); });

    m_recording->setFlush([this] { onTick(); });
    connect(m_recording, &RecordingPart::statusMessage, statusBar(), &QStatusBar::showMessage);
    connect(m_recording, &RecordingPart::problem, this, &MainWindow::logProblem);
    connect(m_recording, &RecordingPart::saved, this, [this](const QString& path, bool ok, const QString& message) {
        m_export->setLastSavedRecording(path);
        Q_EMIT recordingSaved(path, ok, message);
    });
    connect(m_replayBar, &ReplayBar::seekRequested, this, &MainWindow::seekReplay);

    connect(m_scene, &TopologyScene::selectedIdsChanged, this, &MainWindow::selectIds);
    connect(m_scene, &TopologyScene::connectionToggleRequested, m_controller, &SessionController::setConnectionEnabled);
    connect(m_scene, &TopologyScene::userPositionsChanged, m_scene, &TopologyScene::saveUserPositions);
    connect(m_graphs, &LiveGraphWidget::timeRangeChanged, m_lanes, &LaneWidget::setTimeRange);

    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    // the docks' layout of an earlier version (other docks) is not restored over this version's
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray(), kDockLayoutVersion);
    if (!settings.contains(QStringLiteral("window/geometry")))
        resize(1500, 900);
    m_replayBar->hide(); // restoreState() shows what was shown last time; replays show it
    m_graphs->setWindowSeconds(settings.value(QStringLiteral("graphs/windowSeconds"), 10.0).toDouble());
    updateStatusBar();
}

MainWindow::~MainWindow()
{
    m_tick->stop();
    delete m_recording; // finishes a recording still running, while the controller is there
    m_recording = nullptr;
    m_graphs->setSource(nullptr);
    m_lanes->setSource(nullptr);
}

void MainWindow::createDocks()
{
    // devices
    m_devices = new DevicesPanel(this);
    connect(m_devices, &DevicesPanel::idsSelected, this, &MainWindow::selectIds);
    auto* devicesDock = new QDockWidget(tr("Devices"), this);
    devicesDock->setObjectName(QStringLiteral("DevicesDock"));
    devicesDock->setWidget(m_devices);
    addDockWidget(Qt::LeftDockWidgetArea, devicesDock);

    // properties
    m_editor = new PropertyEditor(m_controller, m_undoStack, this);
    auto* propertiesDock = new QDockWidget(tr("Properties"), this);
    propertiesDock->setObjectName(QStringLiteral("PropertiesDock"));
    propertiesDock->setWidget(m_editor);
    addDockWidget(Qt::RightDockWidgetArea, propertiesDock);

    // graphs, lanes, events
    m_graphs = new LiveGraphWidget(this);
    auto* graphsDock = new QDockWidget(tr("Live graphs"), this);
    graphsDock->setObjectName(QStringLiteral("GraphsDock"));
    graphsDock->setWidget(m_graphs);
    addDockWidget(Qt::BottomDockWidgetArea, graphsDock);

    m_lanes = new LaneWidget(this);
    auto* lanesDock = new QDockWidget(tr("Buffer lanes"), this);
    lanesDock->setObjectName(QStringLiteral("LanesDock"));
    lanesDock->setWidget(m_lanes);
    addDockWidget(Qt::BottomDockWidgetArea, lanesDock);

    m_frameTiming = new FrameTimingWidget(this);
    connect(m_frameTiming, &FrameTimingWidget::jumpRequested, m_graphs, &LiveGraphWidget::jumpTo);
    auto* framesDock = new QDockWidget(tr("Frame timing"), this);
    framesDock->setObjectName(QStringLiteral("FrameTimingDock"));
    framesDock->setWidget(m_frameTiming);
    addDockWidget(Qt::BottomDockWidgetArea, framesDock);

    m_eventView = new EventLogView(m_eventModel, this);
    connect(m_eventView, &EventLogView::eventClicked, this, [this](qint64 t_ns, const QString& id) {
        if (m_controller->topology().findAllocator(id.toStdString()))
            selectIds({id});
        m_graphs->jumpTo(t_ns);
        m_frameTiming->jumpTo(t_ns);
    });
    auto* eventsDock = new QDockWidget(tr("Events"), this);
    eventsDock->setObjectName(QStringLiteral("EventsDock"));
    eventsDock->setWidget(m_eventView);
    addDockWidget(Qt::BottomDockWidgetArea, eventsDock);
    splitDockWidget(graphsDock, eventsDock, Qt::Horizontal);
    tabifyDockWidget(eventsDock, lanesDock);
    tabifyDockWidget(lanesDock, framesDock);
    eventsDock->raise();
    resizeDocks({graphsDock, eventsDock}, {900, 500}, Qt::Horizontal);
    resizeDocks({graphsDock}, {330}, Qt::Vertical);
    resizeDocks({devicesDock, propertiesDock}, {400, 340}, Qt::Horizontal);

    // formats and controls beside the properties, the doctor beside the events
    m_formatsPart = new FormatsPart(m_controller, m_undoStack, m_scene, this);
    m_formatsPart->createDocks(propertiesDock, eventsDock);
    connect(m_formatsPart, &FormatsPart::statusMessage, this,
            [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    connect(m_formatsPart, &FormatsPart::selectRequested, this, &MainWindow::selectIds);
    eventsDock->raise();
}

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    // opening devices: the live ones, and what each backend offers the window (a scenario, a recording, an agent)
    file->addAction(m_open->liveAction());
    file->addActions(m_open->backendActions());
    file->addActions(m_open->closeActions());
    file->addSeparator();
    file->addAction(m_recording->action());
    file->addSeparator();
    QAction* exportJson =
        file->addAction(QIcon::fromTheme(QStringLiteral("document-save")), tr("&Export Snapshot as JSON..."), m_export,
                        &ExportPart::exportSnapshotInteractive);
    exportJson->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    QAction* exportCsv =
        file->addAction(QIcon::fromTheme(QStringLiteral("document-save-as")), tr("Export Visible &History as CSV..."),
                        m_export, &ExportPart::exportHistoryInteractive);
    exportCsv->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    QAction* exportReport = file->addAction(QIcon::fromTheme(QStringLiteral("x-office-document")),
                                            tr("Export &Report..."), m_export, &ExportPart::exportReportInteractive);
    exportReport->setToolTip(tr("A status report of a recording as HTML, PDF, JSON or CSV"));
    exportReport->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    file->addAction(tr("&Compare Recordings..."), m_export, &ExportPart::compareRecordingsInteractive);
    file->addSeparator();
    QAction* quit =
        file->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = m_undoStack->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    undo->setIcon(QIcon::fromTheme(QStringLiteral("edit-undo")));
    QAction* redo = m_undoStack->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    redo->setIcon(QIcon::fromTheme(QStringLiteral("edit-redo")));
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    QAction* find = edit->addAction(tr("&Find Device"), m_devices, &DevicesPanel::focusFilter);
    find->setShortcut(QKeySequence::Find);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_sampling->pauseAction());
    QAction* fit = view->addAction(QIcon::fromTheme(QStringLiteral("zoom-fit-best")), tr("&Fit Topology"), m_view,
                                   &TopologyView::fitToView);
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    QAction* zoomIn =
        view->addAction(QIcon::fromTheme(QStringLiteral("zoom-in")), tr("Zoom &In"), m_view, &TopologyView::zoomIn);
    zoomIn->setShortcut(QKeySequence::ZoomIn);
    QAction* zoomOut =
        view->addAction(QIcon::fromTheme(QStringLiteral("zoom-out")), tr("Zoom &Out"), m_view, &TopologyView::zoomOut);
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    view->addAction(tr("&Reset Topology Layout"), this, [this] {
        m_scene->resetLayout();
        m_scene->saveUserPositions();
        m_view->fitToView();
    });
    view->addSeparator();
    view->addMenu(m_sampling->rateMenu());
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About KsScope"), this, &MainWindow::about);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("MainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_recording->action());
    m_recording->addIndicatorTo(bar);
    bar->addSeparator();
    bar->addAction(m_sampling->pauseAction());
    bar->addWidget(m_sampling->rateBox());
    bar->addSeparator();
    bar->addActions(m_open->toolBarActions());
    bar->addAction(exportJson);
    bar->addAction(exportCsv);
    bar->addSeparator();
    bar->addAction(undo);
    bar->addAction(redo);
    bar->addSeparator();
    bar->addAction(fit);

    // the replay controls, on a row of their own so that the time slider is long
    m_replayBar = new ReplayBar(this);
    m_replayBar->addSeparator();
    m_replayBar->addAction(m_open->liveAction()); // the way back
    addToolBarBreak();
    addToolBar(m_replayBar);
}

void MainWindow::open(const SessionRequest& request)
{
    m_open->open(request);
}

QString MainWindow::openWith(const BackendOptions& options)
{
    return m_open->openWith(options);
}

void MainWindow::openLiveDevices()
{
    m_open->openLiveDevices();
}

void MainWindow::onAboutToOpen(const SessionRequest& request)
{
    m_sampling->setReplaying(request.opensAlone());
    m_restartReason = tr("the devices were opened again");
    m_sampling->showRate(request.rateHz);
    m_devices->model()->clear();
    m_eventModel->clear();
    m_live.clear();
    m_allocatorIds.clear();
    m_selectedIds.clear();
    m_undoStack->clear();
}

void MainWindow::onOpened(bool ok)
{
    updateReplayState();
    m_formatsPart->sessionChanged();
    if (!ok)
        return;
    rebuildSeriesSource();
    updateReplayState();
    m_tick->start();
}

void MainWindow::rebuildSeriesSource()
{
    m_monitor = m_controller->monitor();
    m_allocatorIds.clear();
    if (!m_monitor)
        return;
    m_source = std::make_unique<MonitorSeriesSource>(*m_monitor);
    m_graphs->setSource(m_source.get());
    m_lanes->setSource(m_source.get());
    m_allocatorIds = m_monitor->allocatorIds();
    applySelection();
}

void MainWindow::onTopologyChanged()
{
    const Topology& topology = m_controller->topology();
    m_devices->model()->setTopology(topology);
    m_eventModel->setTopology(topology);
    m_scene->setTopology(topology);
    if (m_scene->restoreUserPositions()) // another set of devices: where the user put them last time
        m_view->fitToView();
    if (m_monitor)
        m_allocatorIds = m_monitor->allocatorIds();
    applySelection();
    updateStatusBar();
}

void MainWindow::onTick()
{
    if (!m_monitor)
        return;
    if (m_controller->drain(m_batch) != m_monitor)
        return; // a new monitor is starting: its samples are not for these views

    if ((!m_batch.samples.empty() || !m_batch.bufferChanges.empty()) &&
        m_allocatorIds.size() < m_monitor->allocatorCount()) {
        m_allocatorIds = m_monitor->allocatorIds(); // a device was added
        applySelection();
    }
    // the latest reading of each allocator
    for (const SampleRecord& r : m_batch.samples) {
        if (r.allocator >= m_allocatorIds.size())
            continue;
        AllocatorLive& live = m_live[QString::fromStdString(m_allocatorIds[r.allocator])];
        live.allocated = r.sample.allocated;
        live.frames = r.sample.frames;
    }
    for (std::size_t i = 0; i < m_allocatorIds.size(); ++i) {
        const AllocatorStats stats = m_monitor->stats(i);
        const QString id = QString::fromStdString(m_allocatorIds[i]);
        AllocatorLive& live = m_live[id];
        live.starving = stats.starving;
        live.gone = stats.gone;
        live.framesPerSecond = stats.framesPerSecond;
        m_scene->setAllocatorLive(id, live.allocated, live.frames, live.starving && !live.gone);
        const AllocatorInfo* info = m_controller->topology().findAllocator(m_allocatorIds[i]);
        m_graphs->setFramesPerSecond(id, info && !info->unsampledReason.empty() ? -1.0 : stats.framesPerSecond);
    }
    m_devices->model()->updateLive(m_live);

    if (!m_batch.events.empty()) {
        m_eventModel->appendEvents(m_batch.events);
        m_graphs->addEvents(m_batch.events);
        bool structural = false;
        for (const MonitorEvent& e : m_batch.events) {
            if (e.kind == EventKind::Removed) {
                const QString id = QString::fromStdString(e.id);
                m_devices->model()->setFilterGone(id, true);
                m_scene->setFilterGone(id, true);
            }
            structural = structural || isStructural(e.kind);
        }
        if (structural)
            m_topologyRefresh->start();
    }
    const QStringList allocators = selectedAllocators();
    if (!allocators.isEmpty()) {
        const AllocatorLive live = m_live.value(allocators.front());
        m_editor->setLiveAllocated(live.allocated, live.starving);
    }
    if (m_source)
        m_source->update();
    m_graphs->refresh();
    m_lanes->refresh();
    m_frameTiming->addFrames(m_batch.frames, m_batch.droppedFrames);
    if (const std::size_t shown = m_frameTiming->allocator(); shown < m_allocatorIds.size()) {
        m_frameTiming->setFollowed(m_monitor->followsFrames(shown), m_monitor->frameStats(shown));
        m_lanes->setFollowed(m_monitor->followsFrames(shown), m_monitor->rateHz()); // the same allocator
    }
    m_frameTiming->refresh();
    m_replayBar->refresh();
    if (!m_batch.samples.empty())
        m_samplesShown = true;
    updateStatusBar();
}

bool MainWindow::event(QEvent* event)
{
    const bool result = QMainWindow::event(event);
    if (event->type() == QEvent::UpdateRequest && m_samplesShown && !m_firstFrameReported) {
        m_firstFrameReported = true;
        Q_EMIT firstFramePainted(m_created.elapsed());
    }
    return result;
}

QStringList MainWindow::selectedAllocators() const
{
    const Topology& topology = m_controller->topology();
    QStringList out;
    for (const QString& id : m_selectedIds)
        for (const std::string& allocator : allocatorsOf(topology, id.toStdString()))
            if (const QString q = QString::fromStdString(allocator); !out.contains(q))
                out.append(q);
    return out;
}

void MainWindow::selectIds(const QStringList& ids)
{
    if (m_selecting)
        return;
    m_selectedIds = ids;
    applySelection();
}

void MainWindow::applySelection()
{
    m_selecting = true;
    m_devices->setSelectedIds(m_selectedIds);
    m_scene->setSelectedIds(m_selectedIds);
    m_formatsPart->setSelection(m_selectedIds);
    m_selecting = false;

    // graphs: the selected allocators, or every allocator while nothing is selected
    const QStringList selected = selectedAllocators();
    const QStringList allocators = selected.isEmpty() ? toQStringList(m_allocatorIds) : selected;
    QList<LiveGraphWidget::SeriesSpec> series;
    const Topology& topology = m_controller->topology();
    for (const QString& id : allocators) {
        const auto it = std::find(m_allocatorIds.begin(), m_allocatorIds.end(), id.toStdString());
        if (it == m_allocatorIds.end())
            continue;
        QString label = allocatorLabel(topology, id);
        if (const AllocatorInfo* a = topology.findAllocator(id.toStdString()); a && !a->unsampledReason.empty())
            label += tr(" (occupancy not sampled)"); // why: in the tooltips of its badge and device
        series.append({static_cast<std::size_t>(it - m_allocatorIds.begin()), id, label});
        if (series.size() >= static_cast<qsizetype>(kMaxGraphSeries))
            break;
    }
    m_graphs->setSeries(series);
    m_graphSeries = series;

    // lanes and the editor: the first selected allocator
    const QString first = selected.isEmpty() ? QString() : selected.front();
    if (m_monitor) {
        const auto it = std::find(m_allocatorIds.begin(), m_allocatorIds.end(), first.toStdString());
        m_monitor->setLaneAllocator(first.isEmpty() || it == m_allocatorIds.end()
                                        ? Lanes::kNone
                                        : static_cast<std::size_t>(it - m_allocatorIds.begin()));
    }
    QString laneLabel = first;
    for (const auto& s : series)
        if (s.id == first)
            laneLabel = s.label;
    m_lanes->setAllocatorLabel(laneLabel);
    m_lanes->setHolderLookup([controller = m_controller, id = first.toStdString()](std::int32_t holder) {
        return controller->holderProcess(id, holder);
    });
    {
        const auto it = std::find(m_allocatorIds.begin(), m_allocatorIds.end(), first.toStdString());
        m_frameTiming->setAllocator(first.isEmpty() || it == m_allocatorIds.end()
                                        ? static_cast<std::size_t>(-1)
                                        : static_cast<std::size_t>(it - m_allocatorIds.begin()),
                                    laneLabel);
    }
    m_editor->setAllocator(first);
}

void MainWindow::logProblem(const QString& source, const QString& text)
{
    m_eventModel->appendEvents(
        {{m_monitor ? m_monitor->now_ns() : 0, EventKind::Error, source.toStdString(), text.toStdString()}});
}

void MainWindow::setRate(double rateHz)
{
    m_sampling->setRate(rateHz);
}

void MainWindow::updateStatusBar()
{
    m_sampling->updateStatus(m_monitor.get(), m_allocatorIds.size());
}

QString MainWindow::shownSummary() const
{
    const QStringList backends = m_devices->summary();
    const QString doctor = m_formatsPart->summary();
    return tr("shown: %1; %2 nodes, %3 edges, %4 badges, %5 graph series")
               .arg(backends.isEmpty() ? tr("nothing") : backends.join(QStringLiteral("; ")))
               .arg(m_scene->nodeCount())
               .arg(m_scene->edgeCount())
               .arg(m_scene->badgeCount())
               .arg(m_graphSeries.size()) +
           (doctor.isEmpty() ? QString() : QStringLiteral("\n") + doctor);
}

void MainWindow::about()
{
    QMessageBox::about(this, tr("About KsScope"),
                       tr("<h3>KsScope %1</h3><p>An inspector for kernel streaming media devices: filters, pins, "
                          "connections and their allocators, live.</p><p>License: GPL-3.0-or-later.</p>")
                           .arg(QStringLiteral(KSSCOPE_VERSION_FULL)));
}

void MainWindow::seekReplay(std::int64_t t_ns)
{
    if (!m_controller->playback())
        return;
    // the new monitor hands out the recording before the position again
    m_live.clear();
    m_eventModel->clear();
    m_controller->seek(t_ns);
    m_replayBar->refresh();
}

void MainWindow::updateReplayState()
{
    Playback* playback = m_controller->playback();
    const bool replay = playback != nullptr;
    if (m_replayBar->playback() != playback)
        m_replayBar->setPlayback(playback, m_controller->request().source());
    m_replayBar->setVisible(replay);
    m_sampling->setReplaying(replay);
    m_graphs->setTimeAxisLabel(replay ? tr("time in the recording") : tr("time since the session started"));
    m_recording->setAvailable(m_controller->isOpen(), replay);
    setWindowTitle(replay ? tr("%1 (replay) \u2014 KsScope").arg(QString::fromStdString(playback->title()))
                          : tr("KsScope"));
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (isRecording())
        stopRecording();
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState(kDockLayoutVersion));
    settings.setValue(QStringLiteral("graphs/windowSeconds"), m_graphs->windowSeconds());
    m_scene->saveUserPositions();
    event->accept();
}

} // namespace ksscope::ui
