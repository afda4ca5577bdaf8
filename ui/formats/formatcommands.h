// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Format and control edits as undo commands. Each is pushed once the edit has been applied: the first redo() does
// nothing; undo() sets the value from before, redo() the new one again.

#include "ksscope/controls.h"
#include "ksscope/formats.h"

#include <QString>
#include <QUndoCommand>

#include <functional>

namespace ksscope::ui {

class FormatCommand : public QUndoCommand {
public:
    using Apply = std::function<void(const QString& pinId, const StreamFormat& format)>;
    /// \a label names the pin as a person reads it ("\"Sensor A\":0").
    FormatCommand(QString pinId, const QString& label, StreamFormat before, StreamFormat after, Apply apply);
    void undo() override;
    void redo() override;
    [[nodiscard]] const QString& pinId() const { return m_pinId; }
    [[nodiscard]] const StreamFormat& before() const { return m_before; }
    [[nodiscard]] const StreamFormat& after() const { return m_after; }

private:
    QString m_pinId;
    StreamFormat m_before;
    StreamFormat m_after;
    Apply m_apply;
    bool m_applied = true;
};

class ControlCommand : public QUndoCommand {
public:
    using Apply = std::function<void(const QString& filterId, const QString& key, const ControlValue& value)>;
    ControlCommand(QString filterId, const ControlInfo& control, ControlValue before, ControlValue after, Apply apply);
    void undo() override;
    void redo() override;

private:
    QString m_filterId;
    QString m_key;
    ControlValue m_before;
    ControlValue m_after;
    Apply m_apply;
    bool m_applied = true;
};

} // namespace ksscope::ui
