// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The controls of the selected filter, read live: one row per control under its class, with an editor that fits its
// type (a spin box, a check box, a menu, a text field), its range and flags; buttons (write-only actions such as
// vivid's error injections) as push buttons; compound controls shown read-only.

#include "ksscope/controls.h"

#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace ksscope::ui {

class ControlsPanel : public QWidget {
    Q_OBJECT
public:
    explicit ControlsPanel(QWidget* parent = nullptr);

    /// Shows \a controls of \a filterId (titled \a label); \a error says why there are none.
    void setControls(const QString& filterId, const QString& label, const std::vector<ControlInfo>& controls,
                     const QString& error);
    /// No filter is chosen.
    void clear();
    void setStatus(const QString& text, bool error);
    [[nodiscard]] QString filterId() const { return m_filterId; }
    [[nodiscard]] const std::vector<ControlInfo>& controls() const { return m_controls; }

Q_SIGNALS:
    /// The person changed \a control to \a value (a button: pressed it).
    void editRequested(const QString& filterId, const ksscope::ControlInfo& control,
                       const ksscope::ControlValue& value);
    void refreshRequested();

private:
    QWidget* editorFor(const ControlInfo& control);

    QString m_filterId;
    std::vector<ControlInfo> m_controls;
    QLabel* m_title;
    QTreeWidget* m_tree;
    QLabel* m_status;
    QPushButton* m_refresh;
};

} // namespace ksscope::ui
