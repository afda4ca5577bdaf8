// SPDX-License-Identifier: GPL-3.0-or-later
#include "allocatorcommands.h"

#include "ids.h"

#include <QCoreApplication>

namespace ksscope::ui {

QString describeProperties(const ALLOCATOR_PROPERTIES& p)
{
    return QCoreApplication::translate("AllocatorProperties", "%1 x %2 bytes, align %3, prefix %4")
        .arg(p.cBuffers)
        .arg(p.cbBuffer)
        .arg(p.cbAlign)
        .arg(p.cbPrefix);
}

AllocatorPropertiesCommand::AllocatorPropertiesCommand(QString allocatorId, const ALLOCATOR_PROPERTIES& before,
                                                       const ALLOCATOR_PROPERTIES& after, Apply apply)
    : m_allocatorId(std::move(allocatorId)), m_before(before), m_after(after), m_apply(std::move(apply))
{
    setText(QCoreApplication::translate("AllocatorProperties", "Set %1 to %2")
                .arg(withoutBackend(m_allocatorId), describeProperties(after)));
}

void AllocatorPropertiesCommand::undo()
{
    m_apply(m_allocatorId, m_before);
}

void AllocatorPropertiesCommand::redo()
{
    if (m_applied) {
        m_applied = false; // pushed after it was applied
        return;
    }
    m_apply(m_allocatorId, m_after);
}

AllocatorModeCommand::AllocatorModeCommand(QString allocatorId, KSALLOCATORMODE before, KSALLOCATORMODE after,
                                           Apply apply)
    : m_allocatorId(std::move(allocatorId)), m_before(before), m_after(after), m_apply(std::move(apply))
{
    setText(QCoreApplication::translate("AllocatorProperties", "Set %1 to %2 mode")
                .arg(withoutBackend(m_allocatorId), QString::fromStdString(std::string(allocatorModeName(after)))));
}

void AllocatorModeCommand::undo()
{
    m_apply(m_allocatorId, m_before);
}

void AllocatorModeCommand::redo()
{
    if (m_applied) {
        m_applied = false;
        return;
    }
    m_apply(m_allocatorId, m_after);
}

} // namespace ksscope::ui
