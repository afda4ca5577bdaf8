// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/recording.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <future>
#include <memory>
#include <vector>

class QTimer;

namespace ksscope::ui {

/// The window's recording: shows the Recorder's progress while the watch records into it, watches its writer,
/// and finishes the file on a thread of its own so that the UI never waits for the disk.
class RecordingControl : public QObject {
    Q_OBJECT
public:
    explicit RecordingControl(QObject* parent = nullptr);
    /// Waits for files still being finished.
    ~RecordingControl() override;
    RecordingControl(const RecordingControl&) = delete;
    RecordingControl& operator=(const RecordingControl&) = delete;

    /// Follows \a recorder, which the watch has started recording into.
    void start(std::shared_ptr<Recorder> recorder);
    [[nodiscard]] bool isRecording() const { return m_recorder != nullptr; }
    /// The file being recorded (empty when not recording).
    [[nodiscard]] QString path() const { return m_path; }

    /// Finishes the recording (which the watch has handed over: WatchSession::takeRecorder) at monitor time
    /// \a end_ns, in the background; saved() reports.
    void stop(std::shared_ptr<Recorder> recorder, std::int64_t end_ns);

    /// "● REC 00:12 · 1.3 MB" while recording, "Saving <file>..." while a file is finished, else empty.
    [[nodiscard]] QString statusText() const;
    /// True while a stopped recording is still being written out.
    [[nodiscard]] bool finishing() const { return !m_finishing.empty(); }
    /// Blocks until every stopped recording is written out (and reports them).
    void waitForFinished();

    /// "1.3 MB"
    [[nodiscard]] static QString formatBytes(std::uint64_t bytes);

Q_SIGNALS:
    /// statusText() changed (about once a second while recording).
    void statusTextChanged(const QString& text);
    /// The writer failed (a full disk, a file size limit): the caller stops the recording with stop().
    void failed(const QString& message);
    /// A stopped recording is written out: \a ok and what to tell the user.
    void saved(const QString& path, bool ok, const QString& message);

private:
    struct Finished {
        Status status;
        RecorderStats stats;
    };
    struct Finishing {
        QString path;
        std::future<Finished> result;
    };
    void poll();
    void report(Finishing& finishing);

    std::shared_ptr<Recorder> m_recorder;
    QString m_path;
    QElapsedTimer m_elapsed;
    bool m_failed = false; // failed() was emitted for the current recording
    std::vector<Finishing> m_finishing;
    QString m_lastText; // as last reported by statusTextChanged()
    QTimer* m_timer;
};

} // namespace ksscope::ui
