// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The pipeline doctor's findings: what would stop each pipeline from streaming (errors), what a person should know
// (warnings) and what could not be checked (notes), each with its link, attribute and both values; the fixes of the
// chosen finding as buttons.

#include "ksscope/doctor.h"

#include <QWidget>

#include <vector>

class QLabel;
class QPushButton;
class QTreeWidget;

namespace ksscope::ui {

class DoctorPanel : public QWidget {
    Q_OBJECT
public:
    explicit DoctorPanel(QWidget* parent = nullptr);

    void setFindings(const std::vector<Finding>& findings);
    [[nodiscard]] const std::vector<Finding>& findings() const { return m_findings; }
    /// Chooses the first finding of the link \a fromPin -> \a toPin (none: clears the choice).
    void selectLink(const QString& fromPin, const QString& toPin);
    void setStatus(const QString& text, bool error);
    /// The buttons that apply the chosen finding's fixes (tests press them).
    [[nodiscard]] QPushButton* fixButton(int index) const { return index == 0 ? m_fix : m_fixOther; }

Q_SIGNALS:
    void fixRequested(const ksscope::FormatFix& fix);
    /// A finding was chosen: its link (or pin, with \a toPin empty) to show on the topology.
    void linkChosen(const QString& fromPin, const QString& toPin);
    void recheckRequested();

private:
    void showChosen();

    std::vector<Finding> m_findings;
    QLabel* m_summary;
    QTreeWidget* m_tree;
    QLabel* m_detail;
    QPushButton* m_fix;
    QPushButton* m_fixOther;
    QPushButton* m_recheck;
    QLabel* m_status;
};

} // namespace ksscope::ui
