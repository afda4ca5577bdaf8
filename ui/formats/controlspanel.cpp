// SPDX-License-Identifier: GPL-3.0-or-later
#include "controlspanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace ksscope::ui {

ControlsPanel::ControlsPanel(QWidget* parent)
    : QWidget(parent), m_title(new QLabel(this)), m_tree(new QTreeWidget(this)), m_status(new QLabel(this)),
      m_refresh(new QPushButton(tr("Read again"), this))
{
    m_title->setWordWrap(true);
    m_tree->setColumnCount(4);
    m_tree->setHeaderLabels({tr("Control"), tr("Value"), tr("Range"), tr("Flags")});
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_tree->setRootIsDecorated(false);
    m_tree->setUniformRowHeights(false);
    m_status->setWordWrap(true);
    auto* top = new QHBoxLayout;
    top->addWidget(m_title, 1);
    top->addWidget(m_refresh);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_tree, 1);
    layout->addWidget(m_status);
    connect(m_refresh, &QPushButton::clicked, this, &ControlsPanel::refreshRequested);
    clear();
}

void ControlsPanel::clear()
{
    m_filterId.clear();
    m_controls.clear();
    m_tree->clear();
    m_title->setText(tr("Select a filter to see its controls."));
    m_refresh->setEnabled(false);
}

void ControlsPanel::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
}

void ControlsPanel::setControls(const QString& filterId, const QString& label, const std::vector<ControlInfo>& controls,
                                const QString& error)
{
    if (filterId != m_filterId)
        setStatus({}, false);
    m_filterId = filterId;
    m_controls = controls;
    m_refresh->setEnabled(true);
    const int editable = static_cast<int>(std::count_if(
        controls.begin(), controls.end(), [](const ControlInfo& c) { return c.type != ControlType::Class; }));
    m_title->setText(controls.empty()
                         ? tr("<b>%1</b>: no controls%2")
                               .arg(label.toHtmlEscaped(),
                                    error.isEmpty() ? QString() : QStringLiteral(" (") + error + QLatin1Char(')'))
                         : tr("<b>%1</b>: %n control(s)", nullptr, editable).arg(label.toHtmlEscaped()));
    const int scroll = m_tree->verticalScrollBar() ? m_tree->verticalScrollBar()->value() : 0;
    m_tree->clear();
    QTreeWidgetItem* heading = nullptr;
    for (const ControlInfo& c : m_controls) {
        if (c.type == ControlType::Class) {
            heading = new QTreeWidgetItem(m_tree, {QString::fromStdString(c.name)});
            QFont bold = heading->font(0);
            bold.setBold(true);
            heading->setFont(0, bold);
            heading->setFirstColumnSpanned(true);
            continue;
        }
        auto* item = new QTreeWidgetItem(m_tree, {QString::fromStdString(c.name), QString(),
                                                  QString::fromStdString(c.rangeText()),
                                                  QString::fromStdString(controlFlagsText(c.flags))});
        item->setToolTip(0, QStringLiteral("%1 (0x%2)\n%3")
                                .arg(QString::fromStdString(c.key))
                                .arg(c.id, 8, 16, QLatin1Char('0'))
                                .arg(QString::fromStdString(c.className)));
        if (!c.error.empty())
            item->setToolTip(1, QString::fromStdString(c.error));
        m_tree->setItemWidget(item, 1, editorFor(c));
    }
    (void)heading;
    if (m_tree->verticalScrollBar())
        m_tree->verticalScrollBar()->setValue(scroll);
}

QWidget* ControlsPanel::editorFor(const ControlInfo& c)
{
    const bool editable = c.editable();
    auto emitEdit = [this, c](const ControlValue& value) {
        if (!(value == c.value) || c.type == ControlType::Button)
            Q_EMIT editRequested(m_filterId, c, value);
    };
    switch (c.type) {
    case ControlType::Button: {
        auto* b = new QPushButton(tr("Press"), m_tree);
        b->setEnabled(!c.disabled());
        b->setToolTip(tr("%1: an action (a write-only button control)").arg(QString::fromStdString(c.name)));
        connect(b, &QPushButton::clicked, this, [emitEdit] { emitEdit(ControlValue{1, {}}); });
        return b;
    }
    case ControlType::Boolean: {
        auto* box = new QCheckBox(m_tree);
        box->setChecked(c.value.number != 0);
        box->setEnabled(editable);
        connect(box, &QCheckBox::toggled, this, [emitEdit](bool on) { emitEdit(ControlValue{on ? 1 : 0, {}}); });
        return box;
    }
    case ControlType::Menu:
    case ControlType::IntegerMenu: {
        auto* combo = new QComboBox(m_tree);
        for (const ControlMenuEntry& e : c.menu)
            combo->addItem(QStringLiteral("%1: %2").arg(e.index).arg(QString::fromStdString(e.name)),
                           QVariant::fromValue<qint64>(e.index));
        combo->setCurrentIndex(combo->findData(QVariant::fromValue<qint64>(c.value.number)));
        combo->setEnabled(editable);
        connect(combo, &QComboBox::activated, this, [emitEdit, combo](int) {
            emitEdit(ControlValue{combo->currentData().toLongLong(), {}});
        });
        return combo;
    }
    case ControlType::Integer:
    case ControlType::Bitmask:
        if (c.minimum >= std::numeric_limits<int>::min() && c.maximum <= std::numeric_limits<int>::max() &&
            c.type == ControlType::Integer) {
            auto* spin = new QSpinBox(m_tree);
            spin->setRange(static_cast<int>(c.minimum), static_cast<int>(c.maximum));
            spin->setSingleStep(static_cast<int>(std::max<std::uint64_t>(c.step, 1)));
            spin->setValue(static_cast<int>(c.value.number));
            spin->setEnabled(editable);
            spin->setKeyboardTracking(false); // one edit when typing ends, not one per digit
            connect(spin, &QSpinBox::valueChanged, this, [emitEdit](int v) { emitEdit(ControlValue{v, {}}); });
            return spin;
        }
        [[fallthrough]];
    case ControlType::Integer64:
    case ControlType::String: {
        auto* edit =
            new QLineEdit(QString::fromStdString(c.type == ControlType::String ? c.value.text : c.valueText()), m_tree);
        edit->setEnabled(editable);
        connect(edit, &QLineEdit::editingFinished, this, [this, c, edit, emitEdit] {
            std::string error;
            const auto value = parseControlValue(c, edit->text().toStdString(), error);
            if (!value) {
                setStatus(QString::fromStdString(error), true);
                return;
            }
            emitEdit(*value);
        });
        return edit;
    }
    case ControlType::Class:
    case ControlType::Compound:
        break;
    }
    auto* label = new QLabel(QString::fromStdString(c.valueText()), m_tree);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace ksscope::ui
