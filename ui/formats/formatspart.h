// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The window's formats, controls and pipeline doctor: three docks (Formats and Controls beside the properties, the
// Doctor beside the events), their edits as undo commands through the session controller's device thread, and the
// doctor's findings marked on the topology. Formats are read again after every edit, when the topology changes and
// every few seconds (another program may change them: media-ctl, v4l2-ctl).

#include "ksscope/backend.h"
#include "ksscope/doctor.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>

#include <vector>

class QDockWidget;
class QMainWindow;
class QTimer;
class QUndoStack;

namespace ksscope::ui {

class ControlsPanel;
class DoctorPanel;
class FormatsPanel;
class SessionController;
class TopologyScene;

class FormatsPart : public QObject {
    Q_OBJECT
public:
    FormatsPart(SessionController* controller, QUndoStack* undoStack, TopologyScene* scene, QMainWindow* window);

    /// Adds the docks: Formats and Controls tabified with \a besideRight, the Doctor with \a besideBottom.
    void createDocks(QDockWidget* besideRight, QDockWidget* besideBottom);
    /// The window's selection (filter, pin, allocator or connection ids): the first pin's formats, the first
    /// filter's (or the chosen pin's filter's) controls, a chosen link's findings.
    void setSelection(const QStringList& ids);
    /// A session opened or closed: everything is read again.
    void sessionChanged();

    [[nodiscard]] FormatsPanel* formatsPanel() const { return m_formats; }
    [[nodiscard]] ControlsPanel* controlsPanel() const { return m_controls; }
    [[nodiscard]] DoctorPanel* doctorPanel() const { return m_doctor; }
    [[nodiscard]] QDockWidget* doctorDock() const { return m_doctorDock; }
    [[nodiscard]] const std::vector<PinFormats>& formats() const { return m_pinFormats; }
    /// The doctor in one line: "doctor: 2 error(s), 0 warning(s); marked: \"Sensor A\":0 -> \"Debayer A\":0 (code)";
    /// empty before the first check.
    [[nodiscard]] QString summary() const;

Q_SIGNALS:
    void statusMessage(const QString& message);
    /// The doctor chose a link: the window selects it (EdgeItem::connectionId()).
    void selectRequested(const QStringList& ids);
    /// Formats and findings were read (tests wait for it).
    void checked();

private:
    void onFormatsReady(const std::vector<PinFormats>& formats, const std::vector<Finding>& findings);
    void onFormatResult(quint64 ticket, const FormatChange& change, ApplyMode mode);
    void onControlsReady(const QString& filterId, const std::vector<ControlInfo>& controls, const QString& error);
    void onControlResult(quint64 ticket, const ControlChange& change);
    void applyFormat(const QString& pinId, const StreamFormat& format, bool fromUndo);
    void applyControl(const QString& filterId, const QString& key, const ControlValue& value, bool fromUndo);
    void showPin();
    [[nodiscard]] QString label(const QString& pinId) const;

    SessionController* m_controller;
    QUndoStack* m_undoStack;
    TopologyScene* m_scene;
    QMainWindow* m_window;
    FormatsPanel* m_formats;
    ControlsPanel* m_controls;
    DoctorPanel* m_doctor;
    QDockWidget* m_doctorDock = nullptr;
    QTimer* m_recheck;
    std::vector<PinFormats> m_pinFormats;
    QString m_pin; // shown in the formats panel
    QString m_filter; // whose controls are shown
    quint64 m_nextTicket = 1;
    QSet<quint64> m_undoTickets; // edits made by undo/redo: not pushed again
    bool m_doctorRaised = false;
    bool m_checkedOnce = false; // the doctor was shown for this session's first errors
};

} // namespace ksscope::ui
