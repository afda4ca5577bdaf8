// SPDX-License-Identifier: GPL-3.0-or-later
#include "formatspanel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace ksscope::ui {

FormatsPanel::FormatsPanel(QWidget* parent)
    : QWidget(parent), m_title(new QLabel(this)), m_activeLabel(new QLabel(this)), m_code(new QComboBox(this)),
      m_width(new QSpinBox(this)), m_height(new QSpinBox(this)), m_field(new QComboBox(this)),
      m_colorspace(new QComboBox(this)), m_interval(new QLineEdit(this)), m_fieldLabel(new QLabel(tr("Field:"), this)),
      m_colorspaceLabel(new QLabel(tr("Colorspace:"), this)), m_apply(new QPushButton(tr("&Apply"), this)),
      m_reset(new QPushButton(tr("Reset"), this)), m_status(new QLabel(this)), m_readOnly(new QLabel(this)),
      m_offered(new QTreeWidget(this)), m_selections(new QLabel(this))
{
    m_title->setWordWrap(true);
    m_activeLabel->setWordWrap(true);
    m_activeLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_code->setEditable(true);
    m_code->setToolTip(tr("A media bus code (pads), a pixel format's fourcc (video nodes) or a KS subtype"));
    for (QSpinBox* s : {m_width, m_height})
        s->setRange(1, 65536);
    for (std::uint32_t f = 0; f <= 9; ++f)
        m_field->addItem(QString::fromStdString(fieldName(f)), f);
    for (std::uint32_t c = 0; c <= 12; ++c)
        m_colorspace->addItem(QString::fromStdString(colorspaceName(c)), c);
    m_interval->setPlaceholderText(tr("e.g. 1/30"));
    m_interval->setToolTip(tr("Time per frame in seconds, as a fraction; empty keeps the pin's"));
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), this));
    sizeRow->addWidget(m_height);
    sizeRow->addStretch();
    auto* form = new QFormLayout;
    form->addRow(tr("Format:"), m_code);
    form->addRow(tr("Size:"), sizeRow);
    form->addRow(m_fieldLabel, m_field);
    form->addRow(m_colorspaceLabel, m_colorspace);
    form->addRow(tr("Interval:"), m_interval);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_apply);
    buttons->addWidget(m_reset);
    buttons->addStretch();
    m_status->setWordWrap(true);
    m_readOnly->setWordWrap(true);
    m_offered->setColumnCount(2);
    m_offered->setHeaderLabels({tr("Offered"), tr("Details")});
    m_offered->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_offered->setRootIsDecorated(true);
    m_offered->setUniformRowHeights(true);
    m_selections->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_activeLabel);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(m_readOnly);
    layout->addWidget(m_offered, 1);
    layout->addWidget(m_selections);

    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (m_pinId.isEmpty())
            return;
        std::string error;
        if (const std::optional<StreamFormat> f = edited(&error))
            Q_EMIT applyRequested(m_pinId, *f);
        else
            setStatus(QString::fromStdString(error), true);
    });
    connect(m_reset, &QPushButton::clicked, this, [this] { fillEditor(m_active); });
    connect(m_offered, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        // a size or interval offered, double-clicked, goes into the editor
        const QVariant code = item->data(0, Qt::UserRole);
        const QSize size = item->data(0, Qt::UserRole + 1).toSize();
        const QString interval = item->data(0, Qt::UserRole + 2).toString();
        if (code.isValid())
            m_code->setCurrentText(code.toString());
        if (size.isValid()) {
            m_width->setValue(size.width());
            m_height->setValue(size.height());
        }
        if (!interval.isEmpty())
            m_interval->setText(interval);
    });
    setPin(nullptr, {});
}

void FormatsPanel::setPin(const PinFormats* formats, const QString& label)
{
    const bool samePin = formats && QString::fromStdString(formats->pinId) == m_pinId;
    const std::optional<StreamFormat> now = samePin ? edited() : std::nullopt;
    const bool editorTouched = samePin && (!now || !(*now == m_active));
    m_pinId = formats ? QString::fromStdString(formats->pinId) : QString();
    m_offered->clear();
    if (!formats) {
        m_title->setText(tr("Select a pin (a pad or a video node) to see its formats."));
        m_activeLabel->clear();
        m_readOnly->clear();
        m_selections->clear();
        for (QWidget* w : std::initializer_list<QWidget*>{m_code, m_width, m_height, m_field, m_colorspace, m_interval,
                                                          m_apply, m_reset})
            w->setEnabled(false);
        return;
    }
    m_active = formats->active;
    const bool v4l2 = m_active.space != FormatSpace::KsSubtype;
    m_title->setText(QStringLiteral("<b>%1</b> %2 <small>(%3)</small>")
                         .arg(label.toHtmlEscaped(), QString::fromStdString(formats->node).toHtmlEscaped(),
                              QString::fromStdString(std::string(formatSpaceName(m_active.space)))));
    QString active = m_active.known() ? QString::fromStdString(m_active.toString()) : tr("not known");
    if (m_active.bytesPerLine)
        active += tr(" (%1 bytes per line, %2 bytes)").arg(m_active.bytesPerLine).arg(m_active.sizeImage);
    if (!formats->error.empty())
        active += QStringLiteral("\n") + QString::fromStdString(formats->error);
    m_activeLabel->setText(tr("Active: %1").arg(active));
    m_readOnly->setText(formats->readOnlyReason.empty()
                            ? QString()
                            : tr("Read-only: %1").arg(QString::fromStdString(formats->readOnlyReason)));
    const bool editable = formats->readOnlyReason.empty() && m_active.known();
    for (QWidget* w : std::initializer_list<QWidget*>{m_code, m_width, m_height, m_field, m_colorspace, m_interval,
                                                      m_apply, m_reset})
        w->setEnabled(editable);
    for (QWidget* w : std::initializer_list<QWidget*>{m_field, m_colorspace, m_fieldLabel, m_colorspaceLabel})
        w->setVisible(v4l2);

    const QString codeText = m_code->currentText();
    m_code->clear();
    for (const FormatOption& o : formats->options) {
        const QString name = QString::fromStdString(o.codeName(m_active.space));
        m_code->addItem(o.description.empty()
                            ? name
                            : name + QStringLiteral(" (") + QString::fromStdString(o.description) + QLatin1Char(')'),
                        name);
        auto* top = new QTreeWidgetItem(m_offered, {name, QString::fromStdString(o.description)});
        top->setData(0, Qt::UserRole, name);
        for (const SizeRange& s : o.sizes) {
            auto* size = new QTreeWidgetItem(top, {QString::fromStdString(s.toString()), QString()});
            size->setData(0, Qt::UserRole, name);
            size->setData(0, Qt::UserRole + 1, QSize(static_cast<int>(s.minWidth), static_cast<int>(s.minHeight)));
            for (const IntervalRange& i : s.intervals) {
                auto* interval = new QTreeWidgetItem(size, {QString::fromStdString(i.toString()), QString()});
                interval->setData(0, Qt::UserRole, name);
                interval->setData(0, Qt::UserRole + 1, size->data(0, Qt::UserRole + 1));
                interval->setData(0, Qt::UserRole + 2, QString::fromStdString(i.min.toString()));
            }
        }
        if (o.code == m_active.code && o.subtype == m_active.subtype)
            top->setExpanded(true);
    }
    QStringList selections;
    for (const SelectionInfo& s : formats->selections)
        selections << QStringLiteral("%1: %2").arg(QString::fromStdString(s.target),
                                                   QString::fromStdString(s.rect.toString()));
    m_selections->setText(selections.isEmpty() ? QString()
                                               : tr("Selections: %1").arg(selections.join(QStringLiteral(", "))));
    if (editorTouched)
        m_code->setCurrentText(codeText); // keep what the person is typing; the values below stay as they are
    else
        fillEditor(m_active);
}

void FormatsPanel::fillEditor(const StreamFormat& f)
{
    const QString code = QString::fromStdString(f.codeName());
    const int index = m_code->findData(code);
    if (index >= 0)
        m_code->setCurrentIndex(index);
    else
        m_code->setCurrentText(code);
    m_width->setValue(static_cast<int>(f.width));
    m_height->setValue(static_cast<int>(f.height));
    m_field->setCurrentIndex(m_field->findData(f.field));
    m_colorspace->setCurrentIndex(m_colorspace->findData(f.colorspace));
    m_interval->setText(f.interval.known() ? QString::fromStdString(f.interval.toString()) : QString());
}

void FormatsPanel::setStatus(const QString& text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828;") : QString());
}

std::optional<StreamFormat> FormatsPanel::edited(std::string* error) const
{
    std::string why;
    const int index = m_code->findText(m_code->currentText());
    const QString code = index >= 0 && m_code->itemData(index).isValid()
                             ? m_code->itemData(index).toString()
                             : m_code->currentText().trimmed().section(QLatin1Char(' '), 0, 0);
    std::optional<StreamFormat> f = parseStreamFormat(code.toStdString(), m_active, why);
    if (f) {
        f->width = static_cast<std::uint32_t>(m_width->value());
        f->height = static_cast<std::uint32_t>(m_height->value());
        if (m_active.space != FormatSpace::KsSubtype) {
            f->field = m_field->currentData().toUInt();
            f->colorspace = m_colorspace->currentData().toUInt();
        }
        const QString interval = m_interval->text().trimmed();
        if (!interval.isEmpty()) {
            const auto parsed = parseStreamFormat("@" + interval.toStdString(), *f, why);
            if (parsed)
                f->interval = parsed->interval;
            else
                f.reset();
        }
    }
    if (!f && error)
        *error = why;
    return f;
}

} // namespace ksscope::ui
