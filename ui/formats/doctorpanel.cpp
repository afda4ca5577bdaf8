// SPDX-License-Identifier: GPL-3.0-or-later
#include "doctorpanel.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ksscope::ui {

namespace {

QIcon severityIcon(Severity severity)
{
    const QStyle::StandardPixmap icon = severity == Severity::Error     ? QStyle::SP_MessageBoxCritical
                                        : severity == Severity::Warning ? QStyle::SP_MessageBoxWarning
                                                                        : QStyle::SP_MessageBoxInformation;
    return QApplication::style()->standardIcon(icon);
}

} // namespace

DoctorPanel::DoctorPanel(QWidget* parent)
    : QWidget(parent), m_summary(new QLabel(this)), m_tree(new QTreeWidget(this)), m_detail(new QLabel(this)),
      m_fix(new QPushButton(this)), m_fixOther(new QPushButton(this)),
      m_recheck(new QPushButton(tr("Check again"), this)), m_status(new QLabel(this))
{
    m_summary->setWordWrap(true);
    m_tree->setColumnCount(5);
    m_tree->setHeaderLabels({tr("Severity"), tr("Link"), tr("Attribute"), tr("Source"), tr("Sink")});
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(true);
    m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_detail->setWordWrap(true);
    m_detail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_recheck);
    auto* fixes = new QHBoxLayout;
    fixes->addWidget(m_fix);
    fixes->addWidget(m_fixOther);
    fixes->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_tree, 1);
    layout->addWidget(m_detail);
    layout->addLayout(fixes);
    layout->addWidget(m_status);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this] { showChosen(); });
    connect(m_recheck, &QPushButton::clicked, this, &DoctorPanel::recheckRequested);
    for (QPushButton* b : {m_fix, m_fixOther})
        connect(b, &QPushButton::clicked, this, [this, b] {
            const int row = m_tree->indexOfTopLevelItem(m_tree->currentItem());
            const std::size_t index = b == m_fix ? 0 : 1;
            if (row >= 0 && static_cast<std::size_t>(row) < m_findings.size() &&
                index < m_findings[static_cast<std::size_t>(row)].fixes.size())
                Q_EMIT fixRequested(m_findings[static_cast<std::size_t>(row)].fixes[index]);
        });
    setFindings({});
}

void DoctorPanel::setFindings(const std::vector<Finding>& findings)
{
    // keep the chosen link chosen across checks
    QString chosenFrom;
    QString chosenTo;
    if (const int row = m_tree->indexOfTopLevelItem(m_tree->currentItem());
        row >= 0 && static_cast<std::size_t>(row) < m_findings.size()) {
        chosenFrom = QString::fromStdString(m_findings[static_cast<std::size_t>(row)].from);
        chosenTo = QString::fromStdString(m_findings[static_cast<std::size_t>(row)].to);
    }
    m_findings = findings;
    const QSignalBlocker block(m_tree);
    m_tree->clear();
    int errors = 0;
    int warnings = 0;
    for (const Finding& f : m_findings) {
        errors += f.severity == Severity::Error;
        warnings += f.severity == Severity::Warning;
        auto* item =
            new QTreeWidgetItem(m_tree, {QString::fromStdString(std::string(severityName(f.severity))),
                                         QString::fromStdString(f.link), QString::fromStdString(f.attribute),
                                         QString::fromStdString(f.sourceValue), QString::fromStdString(f.sinkValue)});
        item->setIcon(0, severityIcon(f.severity));
        item->setToolTip(1, QString::fromStdString(f.message));
    }
    if (m_findings.empty())
        m_summary->setText(tr("No findings: every enabled link's ends agree."));
    else
        m_summary->setText(
            tr("%n error(s)", nullptr, errors) + QStringLiteral(", ") + tr("%n warning(s)", nullptr, warnings) +
            (errors ? tr(": the pipelines with errors cannot stream (V4L2: STREAMON fails with EPIPE)") : QString()));
    m_summary->setStyleSheet(errors ? QStringLiteral("color: #c62828; font-weight: bold;") : QString());
    if (!chosenFrom.isEmpty())
        selectLink(chosenFrom, chosenTo);
    showChosen();
}

void DoctorPanel::selectLink(const QString& fromPin, const QString& toPin)
{
    for (std::size_t i = 0; i < m_findings.size(); ++i)
        if (QString::fromStdString(m_findings[i].from) == fromPin &&
            QString::fromStdString(m_findings[i].to) == toPin) {
            const QSignalBlocker block(m_tree);
            m_tree->setCurrentItem(m_tree->topLevelItem(static_cast<int>(i)));
            showChosen();
            return;
        }
    const QSignalBlocker block(m_tree);
    m_tree->setCurrentItem(nullptr);
    showChosen();
}

void DoctorPanel::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
}

void DoctorPanel::showChosen()
{
    const int row = m_tree->indexOfTopLevelItem(m_tree->currentItem());
    const Finding* f = row >= 0 && static_cast<std::size_t>(row) < m_findings.size()
                           ? &m_findings[static_cast<std::size_t>(row)]
                           : nullptr;
    m_detail->setText(f ? QString::fromStdString(f->message) : tr("Choose a finding to see it whole and its fixes."));
    const std::size_t count = f ? f->fixes.size() : 0;
    m_fix->setVisible(count > 0);
    m_fixOther->setVisible(count > 1);
    if (count > 0)
        m_fix->setText(tr("Fix: %1").arg(QString::fromStdString(f->fixes[0].summary)));
    if (count > 1)
        m_fixOther->setText(tr("Or: %1").arg(QString::fromStdString(f->fixes[1].summary)));
    if (f && count == 0 && f->severity != Severity::Note)
        m_detail->setText(m_detail->text() + tr("\nNo fix is offered: neither end takes the other's format here."));
    if (f)
        Q_EMIT linkChosen(QString::fromStdString(f->from), QString::fromStdString(f->to));
}

} // namespace ksscope::ui
