// SPDX-License-Identifier: GPL-3.0-or-later
#include "diffdialog.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace ksscope::ui {

namespace {

/// One figure of an allocator's report, and whether a larger value is worse.
struct Figure {
    const char* title;
    double (*value)(const AllocatorReport&);
    int decimals;
    bool largerIsWorse;
};

const Figure kFigures[] = {
    {"frames", [](const AllocatorReport& a) { return static_cast<double>(a.info.status.Framing.Frames); }, 0, false},
    {"mean", [](const AllocatorReport& a) { return a.stats.meanAllocated; }, 2, true},
    {"p50", [](const AllocatorReport& a) { return a.p50; }, 0, true},
    {"p99", [](const AllocatorReport& a) { return a.p99; }, 0, true},
    {"max", [](const AllocatorReport& a) { return static_cast<double>(a.stats.maxAllocated); }, 0, true},
    {"starvations", [](const AllocatorReport& a) { return static_cast<double>(a.stats.starvationCount); }, 0, true},
    {"starved s", [](const AllocatorReport& a) { return a.stats.starvedMs * 1e-3; }, 3, true},
    {"drops", [](const AllocatorReport& a) { return static_cast<double>(a.stats.drops); }, 0, true},
    {"fps", [](const AllocatorReport& a) { return a.stats.framesPerSecond; }, 2, false},
};

} // namespace

DiffDialog::DiffDialog(QWidget* parent) : QDialog(parent), m_header(new QLabel(this)), m_table(new QTableWidget(this))
{
    setWindowTitle(tr("Compare recordings"));
    resize(1100, 520);
    m_header->setWordWrap(true);
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QStringList headers{tr("allocator"), tr("recording")};
    for (const Figure& f : kFigures)
        headers.append(tr(f.title));
    m_table->setColumnCount(static_cast<int>(headers.size()));
    m_table->setHorizontalHeaderLabels(headers);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_header);
    layout->addWidget(m_table, 1);
    layout->addWidget(buttons);
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Result>>::finished, this,
            [this] { present(*m_watcher.result()); });
}

DiffDialog::~DiffDialog()
{
    m_watcher.waitForFinished();
}

QString DiffDialog::message() const
{
    return m_header->text();
}

void DiffDialog::compare(const QString& a, const QString& b)
{
    m_header->setText(tr("Reading %1 and %2…").arg(QFileInfo(a).fileName(), QFileInfo(b).fileName()));
    m_table->setRowCount(0);
    m_watcher.setFuture(QtConcurrent::run([a, b] {
        auto result = std::make_shared<Result>();
        for (const auto& [path, report] : {std::pair{a, &result->a}, std::pair{b, &result->b}}) {
            auto recording = Recording::open(path.toStdString(), result->status);
            if (!recording)
                return result;
            result->status = buildReport(*recording, {}, *report);
            if (!result->status)
                return result;
        }
        return result;
    }));
}

void DiffDialog::present(const Result& result)
{
    if (!result.status) {
        m_header->setText(tr("Cannot compare: %1").arg(QString::fromStdString(result.status.toString())));
        Q_EMIT finished(false);
        return;
    }
    auto describe = [](const char* side, const Report& r) {
        return QStringLiteral("<b>%1</b>: %2 — %3, %4 on %5")
            .arg(QLatin1String(side), QString::fromStdString(r.info.path), QString::fromStdString(r.info.startedUtc),
                 QString::fromStdString(formatDuration(static_cast<double>(r.info.duration_ns) * 1e-9)),
                 QString::fromStdString(r.info.host));
    };
    m_header->setText(describe("A", result.a) + QStringLiteral("<br>") + describe("B", result.b));
    const std::vector<AllocatorDiff> diffs = diffReports(result.a, result.b);
    m_table->setRowCount(static_cast<int>(diffs.size() * 3));
    const QColor worse(0xfd, 0xde, 0xdb);
    const QColor better(0xdc, 0xf2, 0xe0);
    int row = 0;
    for (const AllocatorDiff& d : diffs) {
        const AllocatorReport* sides[] = {d.a, d.b};
        for (int s = 0; s < 3; ++s, ++row) {
            m_table->setItem(row, 0, new QTableWidgetItem(s == 0 ? QString::fromStdString(d.id) : QString()));
            m_table->setItem(row, 1,
                             new QTableWidgetItem(s == 0   ? QStringLiteral("A")
                                                  : s == 1 ? QStringLiteral("B")
                                                           : QStringLiteral("B − A")));
            for (int f = 0; f < static_cast<int>(std::size(kFigures)); ++f) {
                const Figure& figure = kFigures[f];
                QString text;
                QColor tint;
                if (s < 2) {
                    text = sides[s] ? QString::number(figure.value(*sides[s]), 'f', figure.decimals)
                                    : (f == 0 ? tr("(not recorded)") : QString());
                } else if (d.a && d.b) {
                    const double delta = figure.value(*d.b) - figure.value(*d.a);
                    text = (delta > 0 ? QStringLiteral("+") : QString()) + QString::number(delta, 'f', figure.decimals);
                    if (delta != 0.0)
                        tint = (delta > 0) == figure.largerIsWorse ? worse : better;
                }
                auto* item = new QTableWidgetItem(text);
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                if (tint.isValid())
                    item->setBackground(tint);
                m_table->setItem(row, 2 + f, item);
            }
        }
    }
    m_table->resizeColumnsToContents();
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    Q_EMIT finished(true);
}

} // namespace ksscope::ui
