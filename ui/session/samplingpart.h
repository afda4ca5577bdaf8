// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sessioncontroller.h"

#include <QObject>

class QAction;
class QComboBox;
class QLabel;
class QMenu;
class QWidget;

namespace ksscope::ui {

/// Sampling from the window: pause and resume (View > Pause Sampling, Ctrl+Space), the sample rate (View > Sample
/// Rate and the tool bar's box; the last one is remembered) and the sampler's line in the status bar (allocators,
/// rate, the sampler's CPU, paused, replay speed).
class SamplingPart : public QObject {
    Q_OBJECT
public:
    SamplingPart(SessionController* controller, QWidget* window);

    [[nodiscard]] QAction* pauseAction() const { return m_pause; }
    /// The rates offered, as a menu and as the tool bar's box.
    [[nodiscard]] QMenu* rateMenu() const { return m_rateMenu; }
    [[nodiscard]] QComboBox* rateBox() const { return m_rateBox; }
    /// The status bar's permanent line.
    [[nodiscard]] QLabel* statusLabel() const { return m_status; }

    /// Samples at \a rateHz from now on (a new monitor) and remembers it; rateChanging() comes first.
    void setRate(double rateHz);
    /// Shows \a rateHz as the rate chosen (a session opens at it).
    void showRate(double rateHz);
    /// A replay pauses with its own button: sampling's pause is off and disabled.
    void setReplaying(bool replaying);
    /// Refreshes the status line: \a allocators watched by the open monitor (null: nothing open).
    void updateStatus(const Monitor* monitor, std::size_t allocators);

Q_SIGNALS:
    /// The rate is about to change: the monitor, and what it samples, start again.
    void rateChanging(const QString& reason);

private:
    void setPaused(bool paused);

    SessionController* m_controller;
    QAction* m_pause;
    QMenu* m_rateMenu;
    QComboBox* m_rateBox;
    QLabel* m_status;
};

} // namespace ksscope::ui
