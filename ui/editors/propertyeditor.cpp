// SPDX-License-Identifier: GPL-3.0-or-later
#include "propertyeditor.h"

#include "allocatorcommands.h"
#include "colors.h"
#include "ksscope/allocator.h"
#include "sessioncontroller.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QTreeWidget>
#include <QUndoStack>
#include <QVBoxLayout>

namespace ksscope::ui {

namespace {
QString qs(std::string_view text)
{
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}

QString hex(ULONG value)
{
    return QStringLiteral("0x%1").arg(value, 8, 16, QLatin1Char('0'));
}

QString range(const KS_FRAMING_RANGE& r)
{
    return QStringLiteral("%1 .. %2 step %3").arg(r.MinFrameSize).arg(r.MaxFrameSize).arg(r.Stepping);
}

QString compression(const KS_COMPRESSION& c)
{
    return QStringLiteral("%1/%2 (+%3)").arg(c.RatioNumerator).arg(c.RatioDenominator).arg(c.RatioConstantMargin);
}

QTreeWidgetItem* group(QTreeWidget* tree, const QString& title)
{
    auto* item = new QTreeWidgetItem(tree, {title});
    QFont font = item->font(0);
    font.setBold(true);
    item->setFont(0, font);
    item->setFirstColumnSpanned(true);
    item->setExpanded(true);
    return item;
}

void row(QTreeWidgetItem* parent, const QString& name, const QString& value)
{
    new QTreeWidgetItem(parent, {name, value});
}
} // namespace

PropertyEditor::PropertyEditor(SessionController* controller, QUndoStack* undoStack, QWidget* parent)
    : QWidget(parent), m_controller(controller), m_undoStack(undoStack)
{
    m_title = new QLabel(this);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_readOnly = new QLabel(this);
    m_readOnly->setWordWrap(true);
    m_readOnly->setVisible(false);

    m_mode = new QComboBox(this);
    m_mode->addItem(tr("User (KsAllocatorMode_User)"), static_cast<int>(KsAllocatorMode_User));
    m_mode->addItem(tr("Kernel (KsAllocatorMode_Kernel)"), static_cast<int>(KsAllocatorMode_Kernel));
    m_mode->setToolTip(tr("KsSetAllocatorMode: who owns the pool - user mode (the proxy) or kernel mode (the driver)"));
    const auto makeEdit = [this](const QString& tip) {
        auto* edit = new QLineEdit(this);
        edit->setClearButtonEnabled(true);
        edit->setToolTip(tip);
        connect(edit, &QLineEdit::textChanged, this, &PropertyEditor::onEdited);
        connect(edit, &QLineEdit::returnPressed, this, &PropertyEditor::apply);
        return edit;
    };
    m_buffers = makeEdit(tr("cBuffers: number of frames in the pool"));
    m_bufferSize = makeEdit(tr("cbBuffer: bytes per frame"));
    m_align = makeEdit(tr("cbAlign: alignment of each frame; must divide 65536"));
    m_prefix = makeEdit(tr("cbPrefix: bytes reserved before each frame"));
    connect(m_mode, &QComboBox::currentIndexChanged, this, &PropertyEditor::onEdited);

    m_validation = new QLabel(this);
    m_validation->setWordWrap(true);
    m_prediction = new QLabel(this);
    m_prediction->setWordWrap(true);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_apply = new QPushButton(tr("&Apply"), this);
    m_apply->setToolTip(tr("Apply through KsSetAllocatorMode / KsSetProperties (Return)"));
    m_reset = new QPushButton(tr("&Reset"), this);
    m_reset->setToolTip(tr("Forget the edits and show the allocator's current values"));
    connect(m_apply, &QPushButton::clicked, this, &PropertyEditor::apply);
    connect(m_reset, &QPushButton::clicked, this, &PropertyEditor::reset);

    auto* form = new QFormLayout;
    form->addRow(tr("&Mode:"), m_mode);
    form->addRow(tr("&Buffers:"), m_buffers);
    form->addRow(tr("Buffer &size:"), m_bufferSize);
    form->addRow(tr("A&lignment:"), m_align);
    form->addRow(tr("&Prefix:"), m_prefix);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_reset);
    buttons->addWidget(m_apply);

    auto* editorBox = new QWidget(this);
    auto* editorLayout = new QVBoxLayout(editorBox);
    editorLayout->setContentsMargins(0, 0, 0, 0);
    editorLayout->addWidget(m_title);
    editorLayout->addWidget(m_readOnly);
    editorLayout->addLayout(form);
    editorLayout->addWidget(m_validation);
    editorLayout->addWidget(m_prediction);
    editorLayout->addLayout(buttons);
    editorLayout->addWidget(m_status);
    editorLayout->addStretch();

    m_details = new QTreeWidget(this);
    m_details->setColumnCount(2);
    m_details->setHeaderLabels({tr("Field"), tr("Value")});
    m_details->setRootIsDecorated(true);
    m_details->setAlternatingRowColors(true);
    m_details->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(editorBox);
    splitter->addWidget(m_details);
    splitter->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    m_previewTimer = new QTimer(this);
    m_previewTimer->setSingleShot(true);
    m_previewTimer->setInterval(200);
    connect(m_previewTimer, &QTimer::timeout, this, &PropertyEditor::requestPreview);

    connect(m_controller, &SessionController::propertiesResult, this, &PropertyEditor::onPropertiesResult);
    connect(m_controller, &SessionController::modeResult, this, &PropertyEditor::onModeResult);
    connect(m_controller, &SessionController::detailsReady, this, &PropertyEditor::showDetails);
    connect(m_controller, &SessionController::topologyChanged, this, &PropertyEditor::reload);

    setAllocator({});
}

void PropertyEditor::setAllocator(const QString& allocatorId)
{
    const bool changed = allocatorId != m_allocatorId;
    m_allocatorId = allocatorId;
    if (changed) {
        for (QLineEdit* edit : {m_buffers, m_bufferSize, m_align, m_prefix}) {
            const QSignalBlocker block(edit);
            edit->clear();
        }
        m_status->clear();
        m_details->clear();
    }
    reload();
    if (changed && !m_allocatorId.isEmpty())
        m_controller->requestDetails(m_allocatorId);
}

void PropertyEditor::reload()
{
    const AllocatorInfo* info =
        m_allocatorId.isEmpty() ? nullptr : m_controller->topology().findAllocator(m_allocatorId.toStdString());
    if (!info) {
        m_title->setText(m_allocatorId.isEmpty() ? tr("Select an allocator in the device tree or on the canvas")
                                                 : tr("%1 (gone)").arg(m_allocatorId));
        m_readOnlyReason = m_allocatorId.isEmpty() ? QString() : tr("the device is gone");
    } else {
        m_title->setText(m_allocatorId);
        m_current = info->properties;
        m_currentMode = info->mode;
        m_readOnlyReason = QString::fromStdString(info->readOnlyReason);
        {
            const QSignalBlocker block(m_mode);
            m_mode->setCurrentIndex(m_mode->findData(static_cast<int>(info->mode)));
        }
        m_buffers->setPlaceholderText(QString::number(m_current.cBuffers));
        m_bufferSize->setPlaceholderText(QString::number(m_current.cbBuffer));
        m_align->setPlaceholderText(QString::number(m_current.cbAlign));
        m_prefix->setPlaceholderText(QString::number(m_current.cbPrefix));
    }
    const bool editable = info && m_readOnlyReason.isEmpty();
    for (QWidget* w : std::initializer_list<QWidget*>{m_mode, m_buffers, m_bufferSize, m_align, m_prefix})
        w->setEnabled(editable);
    m_readOnly->setVisible(!m_readOnlyReason.isEmpty());
    m_readOnly->setText(tr("Not editable now: %1").arg(m_readOnlyReason));
    QPalette warn = m_readOnly->palette();
    warn.setColor(QPalette::WindowText, warningColor(palette()));
    m_readOnly->setPalette(warn);
    onEdited();
}

PropertyEditor::Validation PropertyEditor::validate() const
{
    Validation v;
    const auto field = [&v](QLineEdit* edit, const QString& name, std::optional<LONG>& out) {
        const QString text = edit->text().trimmed();
        if (text.isEmpty() || !v.ok)
            return;
        bool ok = false;
        const qlonglong value = text.toLongLong(&ok);
        if (!ok) {
            v.ok = false;
            v.message = tr("%1: \"%2\" is not a whole number.").arg(name, text);
        } else if (value < 0) {
            v.ok = false;
            v.message = tr("%1 must not be negative (E_INVALIDARG).").arg(name);
        } else if (value > std::numeric_limits<LONG>::max()) {
            v.ok = false;
            v.message = tr("%1 %2 is larger than a LONG can hold.").arg(name).arg(value);
        } else {
            out = static_cast<LONG>(value);
        }
    };
    field(m_buffers, tr("Buffers"), v.request.buffers);
    field(m_bufferSize, tr("Buffer size"), v.request.bufferSize);
    field(m_align, tr("Alignment"), v.request.align);
    field(m_prefix, tr("Prefix"), v.request.prefix);
    const auto mode = static_cast<KSALLOCATORMODE>(m_mode->currentData().toInt());
    if (mode != m_currentMode)
        v.mode = mode;
    if (!v.ok)
        return v;
    const ALLOCATOR_PROPERTIES merged = v.request.mergedWith(m_current);
    const Negotiation negotiation = negotiateProperties(merged);
    if (FAILED(negotiation.hr)) {
        v.ok = false;
        QString why = QString::fromStdString(hresultMessage(negotiation.hr));
        if (negotiation.hr == VFW_E_BADALIGN)
            why = tr("the alignment %1 must be a power of two that divides %2")
                      .arg(merged.cbAlign)
                      .arg(kAllocationGranularity);
        v.message = tr("%1: %2").arg(QString::fromStdString(hresultName(negotiation.hr)), why);
        return v;
    }
    const auto poolBytes = static_cast<std::int64_t>(negotiation.actual.cBuffers) *
                           (static_cast<std::int64_t>(negotiation.actual.cbBuffer) + negotiation.actual.cbPrefix);
    if (poolBytes > kMaxPoolBytes || negotiation.actual.cBuffers > kMaxPoolBuffers) {
        v.ok = false;
        v.message = tr("E_OUTOFMEMORY: a pool of %1 frames and %2 bytes is more than one allocator commits (%3 frames, "
                       "%4 bytes).")
                        .arg(negotiation.actual.cBuffers)
                        .arg(poolBytes)
                        .arg(kMaxPoolBuffers)
                        .arg(kMaxPoolBytes);
        return v;
    }
    v.predicted = negotiation.actual;
    return v;
}

void PropertyEditor::onEdited()
{
    const bool editable = m_mode->isEnabled();
    if (!editable) { // nothing to check: no allocator, or one that cannot be edited now
        m_validation->clear();
        m_validation->setVisible(false);
        m_prediction->clear();
        m_apply->setEnabled(false);
        m_reset->setEnabled(false);
        return;
    }
    const Validation v = validate();
    const bool dirty = !v.request.empty() || v.mode.has_value();
    QPalette pal = m_validation->palette();
    pal.setColor(QPalette::WindowText, v.ok ? palette().color(QPalette::WindowText) : warningColor(palette()));
    m_validation->setPalette(pal);
    m_validation->setText(v.ok ? QString() : v.message);
    m_validation->setVisible(!v.ok);
    if (v.ok && dirty && !v.request.empty()) {
        QString text = tr("After negotiation: %1").arg(describeProperties(v.predicted));
        const ALLOCATOR_PROPERTIES requested = v.request.mergedWith(m_current);
        if (requested.cbBuffer != v.predicted.cbBuffer)
            text += tr(" (the buffer size is rounded up so that size + prefix is a multiple of the alignment)");
        m_prediction->setText(text);
        m_previewTimer->start();
    } else if (v.ok && v.mode) {
        m_prediction->setText(
            tr("Mode: %1 -> %2").arg(qs(allocatorModeName(m_currentMode)), qs(allocatorModeName(*v.mode))));
        m_previewTimer->start();
    } else {
        m_prediction->clear();
    }
    m_apply->setEnabled(editable && v.ok && dirty);
    m_reset->setEnabled(dirty);
}

void PropertyEditor::requestPreview()
{
    const Validation v = validate();
    if (!v.ok || m_allocatorId.isEmpty())
        return;
    m_previewTicket = m_nextTicket++;
    if (!v.request.empty())
        m_controller->setProperties(m_previewTicket, m_allocatorId, v.request, ApplyMode::DryRun);
    else if (v.mode)
        m_controller->setMode(m_previewTicket, m_allocatorId, *v.mode, ApplyMode::DryRun);
}

void PropertyEditor::apply()
{
    const Validation v = validate();
    if (!v.ok || m_allocatorId.isEmpty() || !m_apply->isEnabled())
        return;
    m_beforeApply = m_current;
    m_modeBeforeApply = m_currentMode;
    if (v.mode) {
        m_applyModeTicket = m_nextTicket++;
        m_controller->setMode(m_applyModeTicket, m_allocatorId, *v.mode, ApplyMode::Apply);
    }
    if (!v.request.empty()) {
        m_applyPropertiesTicket = m_nextTicket++;
        m_controller->setProperties(m_applyPropertiesTicket, m_allocatorId, v.request, ApplyMode::Apply);
    }
    m_apply->setEnabled(false);
    setStatus(tr("Applying..."), false);
}

void PropertyEditor::reset()
{
    for (QLineEdit* edit : {m_buffers, m_bufferSize, m_align, m_prefix}) {
        const QSignalBlocker block(edit);
        edit->clear();
    }
    {
        const QSignalBlocker block(m_mode);
        m_mode->setCurrentIndex(m_mode->findData(static_cast<int>(m_currentMode)));
    }
    onEdited();
}

void PropertyEditor::setStatus(const QString& text, bool error)
{
    QPalette pal = m_status->palette();
    pal.setColor(QPalette::WindowText, error ? warningColor(palette()) : palette().color(QPalette::WindowText));
    m_status->setPalette(pal);
    m_status->setText(text);
    if (!text.isEmpty() && text != tr("Applying..."))
        Q_EMIT statusMessage(text);
}

void PropertyEditor::onPropertiesResult(quint64 ticket, const QString& allocatorId, const PropertyChange& change,
                                        ApplyMode mode)
{
    const QString statusText = QString::fromStdString(change.status.message());
    if (mode == ApplyMode::DryRun) {
        if (ticket != m_previewTicket || allocatorId != m_allocatorId)
            return;
        if (change.status)
            m_prediction->setText(
                tr("%1 grants: %2")
                    .arg(allocatorId.section(QLatin1Char(':'), 0, 0), describeProperties(change.actual)));
        else
            m_prediction->setText(tr("Not possible now: %1").arg(statusText));
        return;
    }
    const bool fromUndo = m_undoTickets.removeOne(ticket);
    if (!fromUndo && ticket != m_applyPropertiesTicket)
        return;
    if (change.applied) {
        if (!fromUndo) {
            m_undoStack->push(new AllocatorPropertiesCommand(
                allocatorId, m_beforeApply, change.actual,
                [this](const QString& id, const ALLOCATOR_PROPERTIES& p) { applyPropertiesFromUndo(id, p); }));
            if (allocatorId == m_allocatorId)
                for (QLineEdit* edit : {m_buffers, m_bufferSize, m_align, m_prefix}) {
                    const QSignalBlocker block(edit);
                    edit->clear();
                }
        }
        setStatus(tr("Applied to %1: %2").arg(allocatorId, describeProperties(change.actual)), false);
    } else {
        setStatus(tr("Not applied to %1: %2 (%3)")
                      .arg(allocatorId, statusText, QString::fromStdString(hresultName(change.status.code()))),
                  true);
    }
    m_controller->refreshTopology();
    if (allocatorId == m_allocatorId)
        m_controller->requestDetails(allocatorId);
}

void PropertyEditor::onModeResult(quint64 ticket, const QString& allocatorId, KSALLOCATORMODE mode,
                                  const Status& status, ApplyMode apply)
{
    const QString text = QString::fromStdString(status.message());
    if (apply == ApplyMode::DryRun) {
        if (ticket == m_previewTicket && allocatorId == m_allocatorId && !status)
            m_prediction->setText(tr("Not possible now: %1").arg(text));
        return;
    }
    const bool fromUndo = m_undoTickets.removeOne(ticket);
    if (!fromUndo && ticket != m_applyModeTicket)
        return;
    const QString modeName = qs(allocatorModeName(mode));
    if (status) {
        if (!fromUndo)
            m_undoStack->push(
                new AllocatorModeCommand(allocatorId, m_modeBeforeApply, mode,
                                         [this](const QString& id, KSALLOCATORMODE m) { applyModeFromUndo(id, m); }));
        setStatus(tr("%1 is now in %2 mode").arg(allocatorId, modeName), false);
    } else {
        setStatus(tr("%1 stays in %2 mode: %3 (%4)")
                      .arg(allocatorId, qs(allocatorModeName(m_currentMode)), text,
                           QString::fromStdString(hresultName(status.code()))),
                  true);
    }
    m_controller->refreshTopology();
    if (allocatorId == m_allocatorId)
        m_controller->requestDetails(allocatorId);
}

void PropertyEditor::applyPropertiesFromUndo(const QString& allocatorId, const ALLOCATOR_PROPERTIES& properties)
{
    PropertyRequest request;
    request.buffers = properties.cBuffers;
    request.bufferSize = properties.cbBuffer;
    request.align = properties.cbAlign;
    request.prefix = properties.cbPrefix;
    const quint64 ticket = m_nextTicket++;
    m_undoTickets.append(ticket);
    m_controller->setProperties(ticket, allocatorId, request, ApplyMode::Apply);
}

void PropertyEditor::applyModeFromUndo(const QString& allocatorId, KSALLOCATORMODE mode)
{
    const quint64 ticket = m_nextTicket++;
    m_undoTickets.append(ticket);
    m_controller->setMode(ticket, allocatorId, mode, ApplyMode::Apply);
}

void PropertyEditor::setLiveAllocated(quint32 allocated, bool starving)
{
    const QList<QTreeWidgetItem*> items =
        m_details->findItems(QStringLiteral("AllocatedFrames"), Qt::MatchExactly | Qt::MatchRecursive, 0);
    for (QTreeWidgetItem* item : items)
        item->setText(1, starving ? tr("%1 (starving)").arg(allocated) : QString::number(allocated));
}

void PropertyEditor::showDetails(const AllocatorDetails& details)
{
    if (details.allocatorId != m_allocatorId)
        return;
    m_details->clear();
    const AllocatorInfo* info = m_controller->topology().findAllocator(m_allocatorId.toStdString());
    if (info) {
        const KSALLOCATOR_FRAMING& f = info->status.Framing;
        QTreeWidgetItem* framing = group(m_details, tr("Framing (KSALLOCATOR_FRAMING)"));
        row(framing, QStringLiteral("Frames"), QString::number(f.Frames));
        row(framing, QStringLiteral("FrameSize"), QString::number(f.FrameSize));
        row(framing, QStringLiteral("FileAlignment"), QString::number(f.FileAlignment));
        row(framing, QStringLiteral("PoolType"), QString::number(f.PoolType));
        row(framing, QStringLiteral("RequirementsFlags"),
            QStringLiteral("%1 %2").arg(hex(f.OptionsFlags),
                                        QString::fromStdString(framingFlagsToString(f.OptionsFlags))));
        QTreeWidgetItem* state = group(m_details, tr("Status"));
        row(state, QStringLiteral("AllocatedFrames"),
            QString::number(details.hasEx ? details.allocatorStatus.AllocatedFrames : info->status.AllocatedFrames));
        row(state, tr("Mode"), qs(allocatorModeName(details.hasEx ? details.mode : info->mode)));
        row(state, tr("Committed"), info->committed ? tr("yes") : tr("no"));
        row(state, tr("Kernel handle"), details.hasHandle ? tr("yes") : tr("none"));
        row(state, tr("Memory type"), QString::fromStdString(guidName(info->memoryType)));
        QString pins;
        for (const std::string& pin : info->pinIds)
            pins += (pins.isEmpty() ? QString() : QStringLiteral(", ")) + QString::fromStdString(pin);
        row(state, tr("Pins"), pins);
    }
    if (!details.note.isEmpty()) {
        QTreeWidgetItem* source = group(m_details, tr("Source"));
        row(source, tr("Values"), details.note);
        source->child(0)->setToolTip(1, details.note);
    }
    if (!details.status)
        row(group(m_details, tr("Error")), tr("Reading the allocator"),
            QString::fromStdString(details.status.toString()));
    if (details.hasEx) {
        const ALLOCATOR_PROPERTIES_EX& p = details.propertiesEx;
        QTreeWidgetItem* ex = group(m_details, QStringLiteral("ALLOCATOR_PROPERTIES_EX"));
        row(ex, QStringLiteral("cBuffers"), QString::number(p.cBuffers));
        row(ex, QStringLiteral("cbBuffer"), QString::number(p.cbBuffer));
        row(ex, QStringLiteral("cbAlign"), QString::number(p.cbAlign));
        row(ex, QStringLiteral("cbPrefix"), QString::number(p.cbPrefix));
        row(ex, QStringLiteral("MemoryType"), QString::fromStdString(guidName(p.MemoryType)));
        row(ex, QStringLiteral("BusType"), QString::fromStdString(guidName(p.BusType)));
        row(ex, QStringLiteral("State"), qs(pipeStateName(p.State)));
        for (const auto& [name, term] :
             {std::pair{QStringLiteral("Input"), &p.Input}, std::pair{QStringLiteral("Output"), &p.Output}}) {
            auto* t = new QTreeWidgetItem(ex, {name, QStringLiteral("PIPE_TERMINATION")});
            row(t, QStringLiteral("Flags"), hex(term->Flags));
            row(t, QStringLiteral("OutsideFactors"), hex(term->OutsideFactors));
            row(t, QStringLiteral("Weigth"), QString::number(term->Weigth));
            row(t, QStringLiteral("PhysicalRange"), range(term->PhysicalRange));
            row(t, QStringLiteral("OptimalRange"), range(term->OptimalRange.Range));
            row(t, QStringLiteral("Compression"), compression(term->Compression));
        }
        row(ex, QStringLiteral("Strategy"), hex(p.Strategy));
        row(ex, QStringLiteral("Flags"), hex(p.Flags));
        row(ex, QStringLiteral("Weight"), QString::number(p.Weight));
        row(ex, QStringLiteral("LogicalMemoryType"), qs(logicalMemoryTypeName(p.LogicalMemoryType)));
        row(ex, QStringLiteral("AllocatorPlace"), qs(pipeAllocatorPlaceName(p.AllocatorPlace)));
        row(ex, QStringLiteral("Dimensions"),
            QStringLiteral("allocator %1, max expansion %2, end %3")
                .arg(compression(p.Dimensions.AllocatorPin), compression(p.Dimensions.MaxExpansionPin),
                     compression(p.Dimensions.EndPin)));
        row(ex, QStringLiteral("PhysicalRange"), range(p.PhysicalRange));
        row(ex, QStringLiteral("CountNextSegments"), QString::number(p.CountNextSegments));
        row(ex, QStringLiteral("InsideFactors"), hex(p.InsideFactors));
        row(ex, QStringLiteral("NumberPins"), QString::number(p.NumberPins));
    }
    m_details->expandToDepth(0);
}

QString PropertyEditor::validationMessage() const
{
    return m_validation->text();
}

QString PropertyEditor::predictionText() const
{
    return m_prediction->text();
}

QString PropertyEditor::statusText() const
{
    return m_status->text();
}

QString PropertyEditor::readOnlyText() const
{
    return m_readOnly->isVisibleTo(this) ? m_readOnly->text() : QString();
}

} // namespace ksscope::ui
