// SPDX-License-Identifier: GPL-3.0-or-later
#include "recordingpart.h"

#include "recordingcontrol.h"
#include "sessioncontroller.h"

#include <QAction>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QPainter>
#include <QSettings>
#include <QStandardPaths>
#include <QToolBar>

#include <algorithm>

namespace ksscope::ui {

namespace {

/// A red dot (record) that turns into a red square (stop) while the action is checked.
QIcon recordIcon()
{
    QIcon icon;
    for (const int size : {16, 22, 32, 48}) {
        for (const bool on : {false, true}) {
            QPixmap pixmap(size, size);
            pixmap.fill(Qt::transparent);
            QPainter painter(&pixmap);
            painter.setRenderHint(QPainter::Antialiasing);
            painter.setPen(QPen(QColor(140, 20, 20), std::max(1.0, size / 16.0)));
            painter.setBrush(QColor(220, 40, 40));
            const double margin = size * (on ? 0.25 : 0.18);
            const QRectF rect(margin, margin, size - 2 * margin, size - 2 * margin);
            if (on)
                painter.drawRoundedRect(rect, size * 0.08, size * 0.08);
            else
                painter.drawEllipse(rect);
            painter.end();
            icon.addPixmap(pixmap, QIcon::Normal, on ? QIcon::On : QIcon::Off);
        }
    }
    return icon;
}

} // namespace

RecordingPart::RecordingPart(SessionController* controller, QWidget* window)
    : QObject(window), m_controller(controller), m_window(window), m_control(new RecordingControl(this))
{
    m_action = new QAction(recordIcon(), tr("Record"), this);
    m_action->setCheckable(true);
    m_action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_action->setEnabled(false);
    setAvailable(false, false);
    connect(m_action, &QAction::toggled, this, &RecordingPart::toggleRecording);
    connect(m_control, &RecordingControl::statusTextChanged, this, [this](const QString& text) {
        if (m_label)
            m_label->setText(text);
        if (m_indicator)
            m_indicator->setVisible(!text.isEmpty());
    });
    connect(m_control, &RecordingControl::failed, this,
            [this](const QString& message) { stopRecordingBecause(tr("writing failed: %1").arg(message)); });
    connect(m_control, &RecordingControl::saved, this, [this](const QString& path, bool ok, const QString& message) {
        reportRecording(message, false);
        Q_EMIT saved(path, ok, message);
    });
}

RecordingPart::~RecordingPart()
{
    if (isRecording()) {
        const std::shared_ptr<Monitor> monitor = m_controller->monitor();
        m_control->stop(m_controller->takeRecorder(), monitor ? monitor->now_ns() : -1);
    }
}

void RecordingPart::addIndicatorTo(QToolBar* bar)
{
    m_label = new QLabel(bar);
    m_label->setObjectName(QStringLiteral("RecordIndicator"));
    m_label->setContentsMargins(2, 0, 8, 0);
    m_label->setStyleSheet(QStringLiteral("QLabel { color: #d02828; font-weight: bold; }"));
    m_label->setToolTip(tr("Recording: time since it started and the size of the file"));
    m_indicator = bar->addWidget(m_label); // a tool bar shows its widgets through their actions
    m_indicator->setVisible(false);
}

void RecordingPart::setAvailable(bool open, bool replay)
{
    m_action->setEnabled(!replay && open);
    m_action->setToolTip(replay ? tr("Recording is for live devices (File > Open Live Devices)")
                                : tr("Record the devices to a file: samples, buffer states, events, topology "
                                     "and edits (Ctrl+R)"));
}

bool RecordingPart::isRecording() const
{
    return m_control->isRecording();
}

QString RecordingPart::recordingIndicatorText() const
{
    return m_indicator->isVisible() ? m_label->text() : QString();
}

void RecordingPart::setRecordChecked(bool checked)
{
    const QSignalBlocker block(m_action);
    m_action->setChecked(checked);
    m_action->setText(checked ? tr("Stop Recording") : tr("Record"));
}

void RecordingPart::toggleRecording(bool on)
{
    if (on == isRecording())
        return;
    if (!on) {
        stopRecording();
        return;
    }
    QSettings settings;
    QString folder = settings.value(QStringLiteral("recording/folder")).toString();
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString suggested =
        QDir(folder).filePath(QStringLiteral("ksscope-%1.ksrec")
                                  .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))));
    QString path;
    if (m_pathChooser) {
        path = m_pathChooser(suggested);
    } else {
        // the dialog asks before replacing a file, and adds the suffix the name lacks
        QFileDialog dialog(m_window, tr("Record to"), suggested);
        dialog.setAcceptMode(QFileDialog::AcceptSave);
        dialog.setNameFilter(tr("KsScope recordings (*.ksrec *.db)"));
        dialog.setDefaultSuffix(QStringLiteral("ksrec"));
        dialog.selectFile(suggested);
        if (dialog.exec() == QDialog::Accepted && !dialog.selectedFiles().isEmpty())
            path = dialog.selectedFiles().front();
    }
    if (path.isEmpty()) {
        setRecordChecked(false);
        return;
    }
    settings.setValue(QStringLiteral("recording/folder"), QFileInfo(path).absolutePath());
    (void)startRecording(path);
}

QString RecordingPart::startRecording(const QString& path)
{
    QString error;
    if (isRecording()) {
        error = tr("already recording to %1").arg(m_control->path());
    } else {
        // the controller refuses when no devices are open or they are a replay
        Recorder::Options options;
        options.path = QFile::encodeName(path).toStdString();
        options.command = "ksscope GUI";
        options.buffers = true;
        options.overwrite = true; // the file dialog has asked
        std::shared_ptr<Recorder> recorder;
        if (const Status status = m_controller->startRecording(options, recorder); !status)
            error = QString::fromStdString(status.message().empty() ? status.toString() : status.message());
        else
            m_control->start(std::move(recorder));
    }
    if (!error.isEmpty()) {
        setRecordChecked(false);
        reportRecording(tr("Could not record to %1: %2").arg(path, error), true);
        return error;
    }
    setRecordChecked(true);
    reportRecording(tr("Recording to %1").arg(path), false);
    return {};
}

void RecordingPart::stopRecording()
{
    if (!isRecording()) {
        setRecordChecked(false);
        return;
    }
    std::int64_t end_ns = -1;
    if (const std::shared_ptr<Monitor> monitor = m_controller->monitor()) {
        if (m_flush)
            m_flush(); // what the monitor has so far goes into the file too
        end_ns = monitor->now_ns();
    }
    const QString path = m_control->path();
    m_control->stop(m_controller->takeRecorder(), end_ns);
    setRecordChecked(false);
    Q_EMIT statusMessage(tr("Saving %1...").arg(path), 0);
}

void RecordingPart::stopRecordingBecause(const QString& why)
{
    const QString message = tr("Recording to %1 stopped: %2").arg(m_control->path(), why);
    stopRecording();
    reportRecording(message, true);
}

void RecordingPart::reportRecording(const QString& message, bool problem)
{
    m_lastMessage = message;
    Q_EMIT statusMessage(message, problem ? 0 : 10000);
    if (problem)
        Q_EMIT this->problem(QStringLiteral("recording"), message);
}

} // namespace ksscope::ui
