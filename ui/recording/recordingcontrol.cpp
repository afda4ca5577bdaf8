// SPDX-License-Identifier: GPL-3.0-or-later
#include "recordingcontrol.h"

#include <QFileInfo>
#include <QLocale>
#include <QTimer>

#include <chrono>

namespace ksscope::ui {

namespace {
constexpr int kPollIntervalMs = 250; // the writer's status, the finishing files; the text changes once a second
}

RecordingControl::RecordingControl(QObject* parent) : QObject(parent), m_timer(new QTimer(this))
{
    m_timer->setInterval(kPollIntervalMs);
    connect(m_timer, &QTimer::timeout, this, &RecordingControl::poll);
}

RecordingControl::~RecordingControl()
{
    if (m_recorder)
        (void)m_recorder->finish(-1);
    for (Finishing& f : m_finishing)
        if (f.result.valid())
            f.result.wait();
}

void RecordingControl::start(std::shared_ptr<Recorder> recorder)
{
    m_recorder = std::move(recorder);
    if (!m_recorder)
        return;
    m_path = QString::fromStdString(m_recorder->path());
    m_failed = false;
    m_elapsed.start();
    m_timer->start();
    m_lastText = statusText();
    Q_EMIT statusTextChanged(m_lastText);
}

void RecordingControl::stop(std::shared_ptr<Recorder> recorder, std::int64_t end_ns)
{
    if (!recorder)
        recorder = m_recorder;
    m_recorder.reset();
    if (!recorder)
        return;
    // the last commit and closing the file touch the disk: not on the UI thread
    Finishing finishing;
    finishing.path = QString::fromStdString(recorder->path());
    finishing.result = std::async(std::launch::async, [recorder = std::move(recorder), end_ns]() mutable {
        Finished done;
        done.status = recorder->finish(end_ns);
        done.stats = recorder->stats();
        recorder.reset(); // joins the writer thread here too, unless the watch still holds it
        return done;
    });
    m_finishing.push_back(std::move(finishing));
    m_path.clear();
    m_timer->start();
    m_lastText = statusText();
    Q_EMIT statusTextChanged(m_lastText);
}

QString RecordingControl::formatBytes(std::uint64_t bytes)
{
    return QLocale::system().formattedDataSize(static_cast<qint64>(bytes), 1, QLocale::DataSizeSIFormat);
}

QString RecordingControl::statusText() const
{
    if (m_recorder) {
        const qint64 s = m_elapsed.elapsed() / 1000;
        const QString elapsed =
            s >= 3600
                ? QStringLiteral("%1:%2:%3")
                      .arg(s / 3600)
                      .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
                      .arg(s % 60, 2, 10, QLatin1Char('0'))
                : QStringLiteral("%1:%2").arg(s / 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
        return tr("\u25CF REC %1 \u00B7 %2").arg(elapsed, formatBytes(m_recorder->stats().fileBytes));
    }
    if (!m_finishing.empty())
        return tr("Saving %1...").arg(QFileInfo(m_finishing.back().path).fileName());
    return {};
}

void RecordingControl::poll()
{
    if (m_recorder && !m_failed) {
        if (const Status status = m_recorder->status(); !status) {
            m_failed = true;
            Q_EMIT failed(QString::fromStdString(status.message()));
        }
    }
    for (auto it = m_finishing.begin(); it != m_finishing.end();) {
        if (it->result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            ++it;
            continue;
        }
        Finishing done = std::move(*it);
        it = m_finishing.erase(it);
        report(done);
    }
    if (!m_recorder && m_finishing.empty())
        m_timer->stop();
    if (const QString text = statusText(); text != m_lastText) {
        m_lastText = text;
        Q_EMIT statusTextChanged(text);
    }
}

void RecordingControl::report(Finishing& finishing)
{
    const Finished done = finishing.result.get();
    const QString name = finishing.path;
    const QString samples =
        done.stats.samples == 1
            ? tr("1 sample")
            : tr("%1 samples").arg(QLocale::system().toString(static_cast<qulonglong>(done.stats.samples)));
    if (done.status) {
        Q_EMIT saved(name, true,
                     tr("Recording saved: %1 (%2, %3)").arg(name, samples, formatBytes(done.stats.fileBytes)));
    } else {
        Q_EMIT saved(name, false,
                     tr("Recording %1 ended with an error: %2 (what was written before it is kept: %3)")
                         .arg(name, QString::fromStdString(done.status.message()), samples));
    }
}

void RecordingControl::waitForFinished()
{
    for (Finishing& f : m_finishing)
        if (f.result.valid())
            f.result.wait();
    poll();
}

} // namespace ksscope::ui
