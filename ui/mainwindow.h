// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "devicespanel.h"
#include "eventlogview.h"
#include "exportpart.h"
#include "livegraphwidget.h"
#include "recordingpart.h"
#include "sessioncontroller.h"

#include <QElapsedTimer>
#include <QMainWindow>

#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QSortFilterProxyModel;
class QTableView;
class QTimer;
class QTreeView;
class QUndoStack;

namespace ksscope::ui {

class DiffDialog;
class ExportPart;
class FormatsPart;
class EventLogView;
class EventModel;
class FrameTimingWidget;
class LaneWidget;
class MonitorSeriesSource;
class OpenPart;
class SamplingPart;
class PropertyEditor;
class RecordingControl;
class ReplayBar;
class TopologyScene;
class TopologyView;

/// The inspector window: device tree, topology canvas, live graphs, per-buffer lanes, property editor and
/// events log, sharing one selection. New samples are applied on a throttle timer, never per sample.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    static constexpr int kRefreshIntervalMs = 33; // ~30 Hz
    static constexpr int kDockLayoutVersion = 2; // raised when docks are added or removed

    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Opens the devices (on the device thread); the window fills in when they answer.
    void open(const SessionRequest& request);

    /// Samples at \a rateHz from now on (a new monitor: the graphs start again).
    void setRate(double rateHz);

    /// Opens what \a options ask for as the File menu action of their backend does, without its dialog: a
    /// recording replaces the live devices until openLiveDevices(), a scenario opens them again, a remote agent
    /// (`ksscope-cli serve`) is opened beside them, under a backend of its own ("agent@HOST:PORT"; a failure to
    /// reach it is shown, and it is left out). Empty on success, else why the options were refused.
    QString openWith(const BackendOptions& options);
    /// Opens the live devices again after a replay: the last live request, or every available backend.
    void openLiveDevices();
    /// Replay: moves to \a t_ns of the recording; a new monitor takes the time before it, the views start again.
    void seekReplay(std::int64_t t_ns);
    [[nodiscard]] ReplayBar* replayBar() const { return m_replayBar; }

    /// Records the open live devices to \a path (File > Record without the dialog; an existing file is
    /// replaced). Empty on success, else why not (also shown in the status bar and the events log).
    QString startRecording(const QString& path) { return m_recording->startRecording(path); }
    /// Stops recording; the file is finished in the background and recordingSaved() reports.
    void stopRecording() { m_recording->stopRecording(); }
    [[nodiscard]] bool isRecording() const { return m_recording->isRecording(); }
    [[nodiscard]] QAction* recordAction() const { return m_recording->action(); }
    /// What the record indicator shows ("● REC 00:12 · 1.3 MB"), empty when idle.
    [[nodiscard]] QString recordingIndicatorText() const { return m_recording->recordingIndicatorText(); }
    /// The last message about recording (saved, failed, stopped), as shown in the status bar.
    [[nodiscard]] QString lastRecordingMessage() const { return m_recording->lastMessage(); }
    /// Where File > Record asks for the file: \a suggested is a default path; empty cancels. A file dialog
    /// unless replaced (tests).
    using PathChooser = RecordingPart::PathChooser;
    void setRecordingPathChooser(PathChooser chooser) { m_recording->setPathChooser(std::move(chooser)); }

    /// Writes the report of \a recording to \a output (json, csv, html or pdf, from its suffix) on a worker
    /// thread, with a progress dialog that can cancel; reportExported() tells the outcome.
    void exportReportTo(const QString& recording, const QString& output)
    {
        m_export->exportReportTo(recording, output);
    }
    /// The recording File > Export Report uses without asking: the one replayed, else the last one saved.
    [[nodiscard]] QString reportSource() const { return m_export->reportSource(); }
    /// Opens the comparison of two recordings (File > Compare Recordings).
    DiffDialog* compareRecordings(const QString& a, const QString& b) { return m_export->compareRecordings(a, b); }

    /// The shared selection: allocator, pin or filter ids.
    void selectIds(const QStringList& ids);
    [[nodiscard]] QStringList selectedIds() const { return m_selectedIds; }
    /// Allocators the selection resolves to (a filter: all of its allocators).
    [[nodiscard]] QStringList selectedAllocators() const;

    [[nodiscard]] SessionController* controller() const { return m_controller; }
    [[nodiscard]] DeviceTreeModel* deviceModel() const { return m_devices->model(); }
    [[nodiscard]] QSortFilterProxyModel* deviceProxy() const { return m_devices->proxy(); }
    [[nodiscard]] EventModel* eventModel() const { return m_eventModel; }
    [[nodiscard]] TopologyScene* topologyScene() const { return m_scene; }
    [[nodiscard]] TopologyView* topologyView() const { return m_view; }
    [[nodiscard]] LiveGraphWidget* graphs() const { return m_graphs; }
    [[nodiscard]] LaneWidget* lanes() const { return m_lanes; }
    [[nodiscard]] FrameTimingWidget* frameTiming() const { return m_frameTiming; }
    [[nodiscard]] PropertyEditor* propertyEditor() const { return m_editor; }
    [[nodiscard]] QTreeView* deviceView() const { return m_devices->view(); }
    [[nodiscard]] QTableView* eventView() const { return m_eventView; }
    [[nodiscard]] QUndoStack* undoStack() const { return m_undoStack; }
    [[nodiscard]] FormatsPart* formatsPart() const { return m_formatsPart; }

    /// What the window shows, in one line: "shown: sim 5 filters (...); v4l2 ...; 12 edges, 9 badges".
    [[nodiscard]] QString shownSummary() const;
    /// Writes the topology and every allocator's statistics as JSON; an error message on failure.
    [[nodiscard]] QString exportSnapshot(const QString& path) const { return m_export->exportSnapshot(path); }
    /// Writes the samples of the allocators shown in the graphs, over the shown time range, as CSV.
    [[nodiscard]] QString exportVisibleHistory(const QString& path) const
    {
        return m_export->exportVisibleHistory(path);
    }

Q_SIGNALS:
    /// The first time samples have been applied to the views and the window painted.
    void firstFramePainted(qint64 msSinceCreated);
    /// A stopped recording has been written out (\a ok false: it ended with an error).
    void recordingSaved(const QString& path, bool ok, const QString& message);
    /// exportReportTo() finished (\a ok false: failed or cancelled; \a message says which).
    void reportExported(const QString& path, bool ok, const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    bool event(QEvent* event) override;

private:
    void createActions();
    void createDocks();
    void onAboutToOpen(const SessionRequest& request);
    void onOpened(bool ok);
    void onTopologyChanged();
    void onTick();
    void applySelection();
    void rebuildSeriesSource();
    void updateReplayState();
    void about();
    void updateStatusBar();
    /// A problem of a part (recording, export, the session), in the events log at the monitor's time.
    void logProblem(const QString& source, const QString& text);

    SessionController* m_controller;
    QUndoStack* m_undoStack;
    EventModel* m_eventModel;
    TopologyScene* m_scene;
    TopologyView* m_view = nullptr;
    LiveGraphWidget* m_graphs = nullptr;
    LaneWidget* m_lanes = nullptr;
    FrameTimingWidget* m_frameTiming = nullptr;
    PropertyEditor* m_editor = nullptr;
    DevicesPanel* m_devices = nullptr;
    EventLogView* m_eventView = nullptr;
    ReplayBar* m_replayBar = nullptr;
    RecordingPart* m_recording;
    OpenPart* m_open;
    SamplingPart* m_sampling;
    ExportPart* m_export = nullptr;
    FormatsPart* m_formatsPart = nullptr;
    QTimer* m_tick;
    QTimer* m_topologyRefresh;

    std::shared_ptr<Monitor> m_monitor; // the one the views read
    std::unique_ptr<MonitorSeriesSource> m_source;
    std::vector<std::string> m_allocatorIds; // Monitor::allocatorIds(), index = series
    QHash<QString, AllocatorLive> m_live;
    Monitor::Batch m_batch;
    QStringList m_selectedIds;
    QList<LiveGraphWidget::SeriesSpec> m_graphSeries; // what the graphs show
    bool m_selecting = false; // guards against selection feedback loops
    QElapsedTimer m_created;
    bool m_samplesShown = false;
    bool m_firstFrameReported = false;

    QString m_restartReason; // recording: why the monitor is about to be replaced
};

} // namespace ksscope::ui
