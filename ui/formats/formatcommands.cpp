// SPDX-License-Identifier: GPL-3.0-or-later
#include "formatcommands.h"

#include <QCoreApplication>

namespace ksscope::ui {

FormatCommand::FormatCommand(QString pinId, const QString& label, StreamFormat before, StreamFormat after, Apply apply)
    : m_pinId(std::move(pinId)), m_before(std::move(before)), m_after(std::move(after)), m_apply(std::move(apply))
{
    setText(QCoreApplication::translate("FormatCommand", "Set %1 to %2")
                .arg(label, QString::fromStdString(m_after.toString())));
}

void FormatCommand::undo()
{
    m_apply(m_pinId, m_before);
}

void FormatCommand::redo()
{
    if (m_applied) {
        m_applied = false; // pushed after it was applied
        return;
    }
    m_apply(m_pinId, m_after);
}

ControlCommand::ControlCommand(QString filterId, const ControlInfo& control, ControlValue before, ControlValue after,
                               Apply apply)
    : m_filterId(std::move(filterId)), m_key(QString::fromStdString(control.key)), m_before(std::move(before)),
      m_after(std::move(after)), m_apply(std::move(apply))
{
    ControlInfo shown = control;
    shown.value = m_after;
    shown.valueKnown = true;
    setText(QCoreApplication::translate("ControlCommand", "Set %1 to %2")
                .arg(QString::fromStdString(control.name), QString::fromStdString(shown.valueText())));
}

void ControlCommand::undo()
{
    m_apply(m_filterId, m_key, m_before);
}

void ControlCommand::redo()
{
    if (m_applied) {
        m_applied = false;
        return;
    }
    m_apply(m_filterId, m_key, m_after);
}

} // namespace ksscope::ui
