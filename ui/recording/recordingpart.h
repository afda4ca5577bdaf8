// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QString>

#include <functional>

class QAction;
class QLabel;
class QToolBar;
class QWidget;

namespace ksscope::ui {

class RecordingControl;
class SessionController;

/// Recording from the window: File > Record (the action, its dialog and the red indicator), the policy (live
/// devices only; a recording ends with the monitor it belongs to) and what is said about it. The watch records;
/// RecordingControl shows the file's progress and finishes it off the UI thread.
class RecordingPart : public QObject {
    Q_OBJECT
public:
    RecordingPart(SessionController* controller, QWidget* window);
    /// Finishes a recording still running.
    ~RecordingPart() override;
    RecordingPart(const RecordingPart&) = delete;
    RecordingPart& operator=(const RecordingPart&) = delete;

    [[nodiscard]] QAction* action() const { return m_action; }
    /// Puts the indicator ("● REC 00:12 · 1.3 MB") on \a bar.
    void addIndicatorTo(QToolBar* bar);
    /// Whether recording can start: devices are open and live.
    void setAvailable(bool open, bool replay);
    /// Called before a recording stops, so that what the monitor has so far goes into the file (the window's tick).
    void setFlush(std::function<void()> flush) { m_flush = std::move(flush); }
    using PathChooser = std::function<QString(const QString& suggested)>;
    void setPathChooser(PathChooser chooser) { m_pathChooser = std::move(chooser); }

    /// Records the open live devices to \a path (an existing file is replaced). Empty on success, else why not.
    QString startRecording(const QString& path);
    /// Stops recording; the file is finished in the background and saved() reports.
    void stopRecording();
    /// Stops recording because of \a why (a failure, a new monitor), said in the status bar and the events log.
    void stopRecordingBecause(const QString& why);
    [[nodiscard]] bool isRecording() const;
    [[nodiscard]] QString recordingIndicatorText() const;
    [[nodiscard]] QString lastMessage() const { return m_lastMessage; }

Q_SIGNALS:
    void statusMessage(const QString& text, int timeoutMs);
    void problem(const QString& source, const QString& text);
    void saved(const QString& path, bool ok, const QString& message);

private:
    void toggleRecording(bool on);
    void setRecordChecked(bool checked);
    void reportRecording(const QString& message, bool problem);

    SessionController* m_controller;
    QWidget* m_window;
    RecordingControl* m_control;
    QAction* m_action = nullptr;
    QLabel* m_label = nullptr;
    QAction* m_indicator = nullptr;
    std::function<void()> m_flush;
    PathChooser m_pathChooser;
    QString m_lastMessage;
};

} // namespace ksscope::ui
