// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "livegraphwidget.h"

#include <QObject>
#include <QString>

#include <functional>

namespace ksscope::ui {

class DiffDialog;
class SessionController;

/// The window's exports: a snapshot of the topology and statistics as JSON, the samples the graphs show as CSV, the
/// status report of a recording (on a worker thread, with a progress dialog that can cancel), and the comparison of
/// two recordings. Each has its dialog (the ...Interactive calls) and a form without one.
class ExportPart : public QObject {
    Q_OBJECT
public:
    ExportPart(SessionController* controller, LiveGraphWidget* graphs, QWidget* window);

    /// Writes the topology and every allocator's statistics as JSON; an error message on failure.
    [[nodiscard]] QString exportSnapshot(const QString& path) const;
    /// Writes the samples of the allocators shown in the graphs, over the shown time range, as CSV.
    [[nodiscard]] QString exportVisibleHistory(const QString& path) const;
    /// Writes the report of \a recording to \a output (json, csv, html or pdf, from its suffix) on a worker thread;
    /// reportExported() tells the outcome.
    void exportReportTo(const QString& recording, const QString& output);
    /// The recording Export Report uses without asking: the one replayed, else the last one saved.
    [[nodiscard]] QString reportSource() const;
    void setLastSavedRecording(const QString& path) { m_lastSavedRecording = path; }
    /// Opens the comparison of two recordings.
    DiffDialog* compareRecordings(const QString& a, const QString& b);

    void exportSnapshotInteractive();
    void exportHistoryInteractive();
    void exportReportInteractive();
    void compareRecordingsInteractive();

Q_SIGNALS:
    /// A line for the status bar, shown for \a timeoutMs.
    void statusMessage(const QString& text, int timeoutMs);
    /// A failure worth a line in the events log, from \a source ("report").
    void problem(const QString& source, const QString& text);
    void reportExported(const QString& path, bool ok, const QString& message);

private:
    /// Asks where to save, writes with \a write (an error message, or empty), and says so (\a written, "%1": the
    /// file).
    void saveInteractive(const QString& title, const QString& suggested, const QString& filter,
                         const std::function<QString(const QString&)>& write, const QString& written);

    SessionController* m_controller;
    LiveGraphWidget* m_graphs;
    QWidget* m_window;
    QString m_lastSavedRecording;
    bool m_exporting = false;
};

} // namespace ksscope::ui
