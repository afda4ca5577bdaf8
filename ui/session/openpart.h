// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sessioncontroller.h"

#include <QList>
#include <QObject>

#include <optional>

class QAction;
class QWidget;

namespace ksscope::ui {

/// How the window opens devices. Its actions: File > Open Live Devices, one for each backend whose registration
/// offers the window one (BackendRegistration::windowAction: a scenario, a recording, a remote agent) with a dialog
/// for the options it asks for, and the close action of the backends opened beside the others. A backend opened by
/// default is opened again with its options, one that opens alone replaces the session until Open Live Devices, any
/// other is added beside what is open. It keeps the last live request and says what did not open.
class OpenPart : public QObject {
    Q_OBJECT
public:
    OpenPart(SessionController* controller, QWidget* window);

    [[nodiscard]] QAction* liveAction() const { return m_live; }
    /// One per backend with a window action, in the registry's order; each action's data is its backend's name.
    [[nodiscard]] const QList<QAction*>& backendActions() const { return m_backendActions; }
    /// Those of backendActions() with an icon, for the tool bar.
    [[nodiscard]] const QList<QAction*>& toolBarActions() const { return m_toolBarActions; }
    /// Closes every backend opened beside the others (one per backend that has such a close action).
    [[nodiscard]] const QList<QAction*>& closeActions() const { return m_closeActions; }

    /// Opens \a request (remembered as the live request unless it opens alone); a rate of 0 is the last one used.
    void open(SessionRequest request);
    /// Opens what \a options ask for as the backend's window action does, without its dialog. Empty on success, else
    /// why the options were refused (also shown in a message box when \a interactive).
    QString openWith(const BackendOptions& options, bool interactive = false);
    /// Opens the live devices again after a replay: the last live request, or every available backend.
    void openLiveDevices();

Q_SIGNALS:
    /// A request is about to be opened: the views start again.
    void aboutToOpen(const ksscope::ui::SessionRequest& request);
    void statusMessage(const QString& text, int timeoutMs);

private:
    /// What the live devices are now: the open request, or during a replay the last live one.
    [[nodiscard]] SessionRequest liveRequest() const;
    void triggered(const BackendRegistration& backend);
    void closeAdded(const std::string& backend);
    void onOpened(bool ok, const QString& message);
    /// The options of \a backend's window action, asked for (a file chooser for one file, else a form); nullopt when
    /// cancelled.
    std::optional<BackendOptions> askForOptions(const BackendRegistration& backend);
    void updateActions();

    SessionController* m_controller;
    QWidget* m_window;
    QAction* m_live = nullptr;
    QList<QAction*> m_backendActions;
    QList<QAction*> m_toolBarActions;
    QList<QAction*> m_closeActions;
    SessionRequest m_liveRequest; // what Open Live Devices opens
    std::optional<BackendOptions> m_adding; // a backend asked to be added, until the session opens
    QString m_lastProblem;
};

} // namespace ksscope::ui
