// SPDX-License-Identifier: GPL-3.0-or-later
#include "exportpart.h"

#include "diffdialog.h"
#include "ksscope/json_output.h"
#include "ksscope/version.h"
#include "reportpdf.h"
#include "sessioncontroller.h"

#include <QDateTime>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMessageBox>
#include <QProgressDialog>
#include <QSaveFile>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>

namespace ksscope::ui {

ExportPart::ExportPart(SessionController* controller, LiveGraphWidget* graphs, QWidget* window)
    : QObject(window), m_controller(controller), m_graphs(graphs), m_window(window)
{
}

QString ExportPart::exportSnapshot(const QString& path) const
{
    const Topology& topology = m_controller->topology();
    const std::shared_ptr<Monitor> monitor = m_controller->monitor();
    nlohmann::json stats = nlohmann::json::array();
    if (monitor) {
        const std::vector<std::string> ids = monitor->allocatorIds();
        for (std::size_t i = 0; i < ids.size(); ++i)
            stats.push_back(allocatorStatsToJson(ids[i], monitor->stats(i)));
    }
    const nlohmann::json document{{"schemaVersion", kJsonSchemaVersion},
                                  {"type", "snapshot"},
                                  {"ksscopeVersion", KSSCOPE_VERSION_FULL},
                                  {"createdUtc", QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString()},
                                  {"sessionSeconds", monitor ? static_cast<double>(monitor->now_ns()) * 1e-9 : 0.0},
                                  {"rateHz", monitor ? monitor->rateHz() : 0.0},
                                  {"topology", topologyToJson(topology)},
                                  {"statistics", stats}};
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return tr("Cannot write %1: %2").arg(path, file.errorString());
    const std::string text = document.dump(2) + "\n";
    file.write(text.data(), static_cast<qint64>(text.size()));
    if (!file.commit())
        return tr("Cannot write %1: %2").arg(path, file.errorString());
    return {};
}

QString ExportPart::exportVisibleHistory(const QString& path) const
{
    const std::shared_ptr<Monitor> monitor = m_controller->monitor();
    if (!monitor)
        return tr("No devices are open: there is no history to export.");
    const auto [from, to] = m_graphs->timeRange();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return tr("Cannot write %1: %2").arg(path, file.errorString());
    QByteArray out = "t_seconds,id,allocated_frames,frames\n";
    std::vector<Sample> samples;
    for (const LiveGraphWidget::SeriesSpec& spec : m_graphs->seriesSpecs()) {
        samples.clear();
        monitor->window(spec.series, from, to, samples);
        const QByteArray quotedId = spec.id.toUtf8();
        for (const Sample& s : samples) {
            out += QByteArray::number(static_cast<double>(s.t_ns) * 1e-9, 'f', 6) + ',' + quotedId + ',' +
                   QByteArray::number(s.allocated) + ',' + QByteArray::number(s.frames) + '\n';
        }
    }
    file.write(out);
    if (!file.commit())
        return tr("Cannot write %1: %2").arg(path, file.errorString());
    return {};
}

void ExportPart::saveInteractive(const QString& title, const QString& suggested, const QString& filter,
                                 const std::function<QString(const QString&)>& write, const QString& written)
{
    const QString path = QFileDialog::getSaveFileName(m_window, title, suggested, filter);
    if (path.isEmpty())
        return;
    if (const QString error = write(path); !error.isEmpty())
        QMessageBox::warning(m_window, tr("Export failed"), error);
    else
        Q_EMIT statusMessage(written.arg(path), 5000);
}

void ExportPart::exportSnapshotInteractive()
{
    saveInteractive(
        tr("Export Snapshot"), QStringLiteral("ksscope-snapshot.json"), tr("JSON (*.json)"),
        [this](const QString& path) { return exportSnapshot(path); }, tr("Snapshot written to %1"));
}

QString ExportPart::reportSource() const
{
    if (m_controller->request().opensAlone()) // a recording played back
        return m_controller->request().source();
    return m_lastSavedRecording;
}

void ExportPart::exportReportInteractive()
{
    QString recording = reportSource();
    if (recording.isEmpty()) {
        recording = QFileDialog::getOpenFileName(m_window, tr("Report on Recording"), QString(),
                                                 tr("KsScope recordings (*.ksrec *.db);;All files (*)"));
        if (recording.isEmpty())
            return;
    }
    const QFileInfo info(recording);
    QString selected = tr("HTML page (*.html)");
    const QString output = QFileDialog::getSaveFileName(
        m_window, tr("Export Report of %1").arg(info.fileName()),
        info.dir().filePath(info.completeBaseName() + QStringLiteral(".html")),
        tr("HTML page (*.html);;PDF document (*.pdf);;JSON document (*.json);;CSV samples (*.csv)"), &selected);
    if (output.isEmpty())
        return;
    QString path = output;
    if (QFileInfo(path).suffix().isEmpty()) // the filter chosen names the format
        path += selected.contains(QLatin1String("pdf"))    ? QStringLiteral(".pdf")
                : selected.contains(QLatin1String("json")) ? QStringLiteral(".json")
                : selected.contains(QLatin1String("csv"))  ? QStringLiteral(".csv")
                                                           : QStringLiteral(".html");
    exportReportTo(recording, path);
}

void ExportPart::exportReportTo(const QString& recording, const QString& output)
{
    const QString format = QFileInfo(output).suffix().toLower();
    if (format != QLatin1String("html") && format != QLatin1String("pdf") && format != QLatin1String("json") &&
        format != QLatin1String("csv")) {
        const QString message = tr("Cannot export %1: the name must end in .html, .pdf, .json or .csv").arg(output);
        Q_EMIT statusMessage(message, 10000);
        Q_EMIT reportExported(output, false, message);
        return;
    }
    if (m_exporting) {
        Q_EMIT reportExported(output, false, tr("A report is being exported already"));
        return;
    }
    m_exporting = true;
    // the worker reports progress and reads the cancel flag through atomics; the dialog polls them
    struct Shared {
        std::atomic<int> permille{0};
        std::atomic<bool> cancel{false};
    };
    auto shared = std::make_shared<Shared>();
    auto* progress = new QProgressDialog(tr("Writing the report of %1...").arg(QFileInfo(recording).fileName()),
                                         tr("Cancel"), 0, 1000, m_window);
    progress->setWindowTitle(tr("Export Report"));
    progress->setMinimumDuration(300); // short exports finish before it shows
    progress->setAutoClose(false);
    progress->setAutoReset(false);
    progress->setValue(0);
    connect(progress, &QProgressDialog::canceled, this, [shared] { shared->cancel = true; });
    auto* poll = new QTimer(progress);
    connect(poll, &QTimer::timeout, progress, [progress, shared] { progress->setValue(shared->permille.load()); });
    poll->start(100);
    auto* watcher = new QFutureWatcher<Status>(this);
    connect(watcher, &QFutureWatcher<Status>::finished, this, [this, watcher, progress, output] {
        const Status status = watcher->result();
        watcher->deleteLater();
        progress->deleteLater();
        m_exporting = false;
        const QString message = status ? tr("Report written to %1").arg(output)
                                       : tr("Report not written: %1").arg(QString::fromStdString(status.toString()));
        Q_EMIT statusMessage(message, 15000);
        if (!status && status.code() != E_ABORT)
            Q_EMIT problem(QStringLiteral("report"), message);
        Q_EMIT reportExported(output, status.isOk(), message);
    });
    watcher->setFuture(QtConcurrent::run([recording, output, format, shared] {
        return exportReport(recording, format, output, [shared](double share) {
            shared->permille = static_cast<int>(share * 1000);
            return !shared->cancel.load();
        });
    }));
}

void ExportPart::compareRecordingsInteractive()
{
    const QStringList files = QFileDialog::getOpenFileNames(m_window, tr("Compare Two Recordings"), QString(),
                                                            tr("KsScope recordings (*.ksrec *.db);;All files (*)"));
    if (files.isEmpty())
        return;
    if (files.size() != 2) {
        Q_EMIT statusMessage(tr("Choose two recordings to compare (%1 chosen)").arg(files.size()), 10000);
        return;
    }
    compareRecordings(files[0], files[1]);
}

DiffDialog* ExportPart::compareRecordings(const QString& a, const QString& b)
{
    auto* dialog = new DiffDialog(m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->compare(a, b);
    dialog->show();
    return dialog;
}

void ExportPart::exportHistoryInteractive()
{
    saveInteractive(
        tr("Export Visible History"), QStringLiteral("ksscope-history.csv"), tr("CSV (*.csv)"),
        [this](const QString& path) { return exportVisibleHistory(path); }, tr("History written to %1"));
}

} // namespace ksscope::ui
