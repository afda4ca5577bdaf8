// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/ks_types.h"

#include <QString>
#include <QUndoCommand>

#include <functional>

namespace ksscope::ui {

/// An allocator edit that has been applied once: redo() re-applies the new value, undo() the old one.
/// The first redo() (QUndoStack::push) does nothing, because the edit is already in place.
class AllocatorPropertiesCommand : public QUndoCommand {
public:
    using Apply = std::function<void(const QString& allocatorId, const ALLOCATOR_PROPERTIES& properties)>;
    AllocatorPropertiesCommand(QString allocatorId, const ALLOCATOR_PROPERTIES& before,
                               const ALLOCATOR_PROPERTIES& after, Apply apply);
    void undo() override;
    void redo() override;

private:
    QString m_allocatorId;
    ALLOCATOR_PROPERTIES m_before;
    ALLOCATOR_PROPERTIES m_after;
    Apply m_apply;
    bool m_applied = true;
};

class AllocatorModeCommand : public QUndoCommand {
public:
    using Apply = std::function<void(const QString& allocatorId, KSALLOCATORMODE mode)>;
    AllocatorModeCommand(QString allocatorId, KSALLOCATORMODE before, KSALLOCATORMODE after, Apply apply);
    void undo() override;
    void redo() override;

private:
    QString m_allocatorId;
    KSALLOCATORMODE m_before;
    KSALLOCATORMODE m_after;
    Apply m_apply;
    bool m_applied = true;
};

/// "4 x 153600 bytes, align 1, prefix 0"
[[nodiscard]] QString describeProperties(const ALLOCATOR_PROPERTIES& properties);

} // namespace ksscope::ui
