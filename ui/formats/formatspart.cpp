// SPDX-License-Identifier: GPL-3.0-or-later
#include "formatspart.h"

#include "controlspanel.h"
#include "doctorpanel.h"
#include "formatcommands.h"
#include "formatspanel.h"
#include "session/sessioncontroller.h"
#include "topology/topologyitems.h"
#include "topology/topologyscene.h"

#include <QDockWidget>
#include <QMainWindow>
#include <QTimer>
#include <QUndoStack>

namespace ksscope::ui {

namespace {
constexpr int kRecheckMs = 4000; // formats another program changes show up this soon
}

FormatsPart::FormatsPart(SessionController* controller, QUndoStack* undoStack, TopologyScene* scene,
                         QMainWindow* window)
    : QObject(window), m_controller(controller), m_undoStack(undoStack), m_scene(scene), m_window(window),
      m_formats(new FormatsPanel(window)), m_controls(new ControlsPanel(window)), m_doctor(new DoctorPanel(window)),
      m_recheck(new QTimer(this))
{
    connect(m_controller, &SessionController::formatsReady, this, &FormatsPart::onFormatsReady);
    connect(m_controller, &SessionController::formatResult, this, &FormatsPart::onFormatResult);
    connect(m_controller, &SessionController::controlsReady, this, &FormatsPart::onControlsReady);
    connect(m_controller, &SessionController::controlResult, this, &FormatsPart::onControlResult);
    connect(m_controller, &SessionController::topologyChanged, this, [this] {
        if (m_controller->isOpen())
            m_controller->requestFormats();
    });
    connect(m_formats, &FormatsPanel::applyRequested, this,
            [this](const QString& pinId, const StreamFormat& format) { applyFormat(pinId, format, false); });
    connect(m_controls, &ControlsPanel::editRequested, this,
            [this](const QString& filterId, const ControlInfo& control, const ControlValue& value) {
                applyControl(filterId, QString::fromStdString(control.key), value, false);
            });
    connect(m_controls, &ControlsPanel::refreshRequested, this, [this] {
        if (!m_filter.isEmpty())
            m_controller->requestControls(m_filter);
    });
    connect(m_doctor, &DoctorPanel::recheckRequested, m_controller, &SessionController::requestFormats);
    connect(m_doctor, &DoctorPanel::fixRequested, this,
            [this](const FormatFix& fix) { applyFormat(QString::fromStdString(fix.pinId), fix.format, false); });
    connect(m_doctor, &DoctorPanel::linkChosen, this, [this](const QString& from, const QString& to) {
        Q_EMIT selectRequested({to.isEmpty() ? from : EdgeItem::connectionId(from, to)});
    });
    m_recheck->setInterval(kRecheckMs);
    connect(m_recheck, &QTimer::timeout, this, [this] {
        if (m_controller->isOpen() && !m_controller->playback())
            m_controller->requestFormats();
    });
    m_recheck->start();
}

void FormatsPart::createDocks(QDockWidget* besideRight, QDockWidget* besideBottom)
{
    auto dock = [this](QWidget* widget, const QString& title, const char* name) {
        auto* d = new QDockWidget(title, m_window);
        d->setObjectName(QLatin1String(name));
        d->setWidget(widget);
        return d;
    };
    QDockWidget* formats = dock(m_formats, tr("Formats"), "FormatsDock");
    QDockWidget* controls = dock(m_controls, tr("Controls"), "ControlsDock");
    m_doctorDock = dock(m_doctor, tr("Doctor"), "DoctorDock");
    m_window->addDockWidget(Qt::RightDockWidgetArea, formats);
    m_window->addDockWidget(Qt::RightDockWidgetArea, controls);
    m_window->addDockWidget(Qt::BottomDockWidgetArea, m_doctorDock);
    m_window->tabifyDockWidget(besideRight, formats);
    m_window->tabifyDockWidget(formats, controls);
    m_window->tabifyDockWidget(besideBottom, m_doctorDock);
    besideRight->raise();
}

void FormatsPart::sessionChanged()
{
    m_pinFormats.clear();
    m_undoTickets.clear();
    m_doctorRaised = false;
    m_checkedOnce = false;
    m_pin.clear();
    m_filter.clear();
    m_formats->setPin(nullptr, {});
    m_controls->clear();
    m_doctor->setFindings({});
    m_scene->setLinkMarks({});
    if (m_controller->isOpen())
        m_controller->requestFormats();
}

QString FormatsPart::summary() const
{
    if (!m_checkedOnce)
        return {};
    int errors = 0;
    int warnings = 0;
    QStringList marked;
    for (const Finding& f : m_doctor->findings()) {
        errors += f.severity == Severity::Error;
        warnings += f.severity == Severity::Warning;
        if (f.severity != Severity::Note && !f.to.empty())
            marked << QStringLiteral("%1 (%2)").arg(QString::fromStdString(f.link),
                                                    QString::fromStdString(f.attribute));
    }
    QString text = tr("doctor: %1 error(s), %2 warning(s)").arg(errors).arg(warnings);
    if (!marked.isEmpty())
        text += tr("; marked: %1").arg(marked.join(QStringLiteral(", ")));
    return text;
}

QString FormatsPart::label(const QString& pinId) const
{
    return QString::fromStdString(pinLabel(m_controller->topology(), pinId.toStdString()));
}

void FormatsPart::setSelection(const QStringList& ids)
{
    const Topology& topology = m_controller->topology();
    QString pin;
    QString filter;
    for (const QString& id : ids) {
        const std::string s = id.toStdString();
        if (id.contains(QStringLiteral("->"))) {
            m_doctor->selectLink(id.section(QStringLiteral("->"), 0, 0), id.section(QStringLiteral("->"), 1));
            if (pin.isEmpty())
                pin = id.section(QStringLiteral("->"), 1); // the sink end
        } else if (topology.findPin(s) && pin.isEmpty()) {
            pin = id;
        } else if (topology.findFilter(s) && filter.isEmpty()) {
            filter = id;
        } else if (const AllocatorInfo* a = topology.findAllocator(s); a && pin.isEmpty() && !a->pinIds.empty()) {
            pin = QString::fromStdString(a->pinIds.front());
        }
    }
    if (filter.isEmpty() && !pin.isEmpty())
        for (const FilterInfo& f : topology.filters)
            for (const PinInfo& p : f.pins)
                if (p.id == pin.toStdString())
                    filter = QString::fromStdString(f.id);
    if (!pin.isEmpty() && pin != m_pin) {
        m_pin = pin;
        m_formats->setStatus({}, false);
        showPin();
    }
    if (!filter.isEmpty() && filter != m_filter) {
        m_filter = filter;
        m_controller->requestControls(filter);
    }
}

void FormatsPart::showPin()
{
    for (const PinFormats& p : m_pinFormats)
        if (QString::fromStdString(p.pinId) == m_pin) {
            m_formats->setPin(&p, label(m_pin));
            return;
        }
    m_formats->setPin(nullptr, {});
}

void FormatsPart::onFormatsReady(const std::vector<PinFormats>& formats, const std::vector<Finding>& findings)
{
    m_pinFormats = formats;
    m_checkedOnce = true;
    showPin();
    m_doctor->setFindings(findings);
    QHash<QString, TopologyScene::LinkMark> marks;
    for (const Finding& f : findings) {
        if (f.to.empty())
            continue;
        const QString id = EdgeItem::connectionId(QString::fromStdString(f.from), QString::fromStdString(f.to));
        TopologyScene::LinkMark& mark = marks[id];
        if (mark.text.isEmpty())
            mark.severity = static_cast<int>(f.severity);
        else
            mark.severity = std::min(mark.severity, static_cast<int>(f.severity));
        mark.text +=
            (mark.text.isEmpty() ? QString() : QStringLiteral("\n")) +
            QStringLiteral("%1: %2 - source %3, sink %4")
                .arg(QString::fromStdString(std::string(severityName(f.severity))), QString::fromStdString(f.attribute),
                     QString::fromStdString(f.sourceValue), QString::fromStdString(f.sinkValue));
    }
    m_scene->setLinkMarks(marks);
    if (anyError(findings) && !m_doctorRaised && m_doctorDock) {
        m_doctorRaised = true; // what stops a pipeline is shown once; the person chooses what to look at after that
        m_doctorDock->raise();
    }
    Q_EMIT checked();
}

void FormatsPart::applyFormat(const QString& pinId, const StreamFormat& format, bool fromUndo)
{
    const quint64 ticket = m_nextTicket++;
    if (fromUndo)
        m_undoTickets.insert(ticket);
    m_formats->setStatus(tr("Setting %1 to %2...").arg(label(pinId), QString::fromStdString(format.toString())), false);
    m_controller->setFormat(ticket, pinId, format, ApplyMode::Apply);
}

void FormatsPart::onFormatResult(quint64 ticket, const FormatChange& change, ApplyMode mode)
{
    const bool fromUndo = m_undoTickets.remove(ticket);
    const QString pinId = QString::fromStdString(change.pinId);
    const QString message = QString::fromStdString(change.status.message());
    const bool adjusted = !change.adjustments().empty();
    if (!change.status || !change.applied || mode != ApplyMode::Apply) {
        m_formats->setStatus(message, true);
        m_doctor->setStatus(message, true);
        Q_EMIT statusMessage(message);
        return;
    }
    m_formats->setStatus(message, adjusted);
    m_doctor->setStatus(message, adjusted);
    Q_EMIT statusMessage(message);
    if (!fromUndo && !(change.actual == change.before))
        m_undoStack->push(
            new FormatCommand(pinId, label(pinId), change.before, change.actual,
                              [this](const QString& pin, const StreamFormat& f) { applyFormat(pin, f, true); }));
}

void FormatsPart::applyControl(const QString& filterId, const QString& key, const ControlValue& value, bool fromUndo)
{
    const quint64 ticket = m_nextTicket++;
    if (fromUndo)
        m_undoTickets.insert(ticket);
    m_controller->setControl(ticket, filterId, key, value);
}

void FormatsPart::onControlsReady(const QString& filterId, const std::vector<ControlInfo>& controls,
                                  const QString& error)
{
    if (filterId != m_filter)
        return;
    const FilterInfo* f = m_controller->topology().findFilter(filterId.toStdString());
    m_controls->setControls(filterId, f ? QString::fromStdString(f->name) : filterId, controls, error);
}

void FormatsPart::onControlResult(quint64 ticket, const ControlChange& change)
{
    const bool fromUndo = m_undoTickets.remove(ticket);
    const QString message = QString::fromStdString(change.status.message());
    m_controls->setStatus(message, !change.status || change.adjusted());
    Q_EMIT statusMessage(message);
    if (!change.status || !change.applied || fromUndo || change.before.type == ControlType::Button ||
        !change.before.valueKnown || change.actual == change.before.value)
        return;
    m_undoStack->push(new ControlCommand(QString::fromStdString(change.filterId), change.before, change.before.value,
                                         change.actual,
                                         [this](const QString& filter, const QString& key, const ControlValue& v) {
                                             applyControl(filter, key, v, true);
                                         }));
}

} // namespace ksscope::ui
