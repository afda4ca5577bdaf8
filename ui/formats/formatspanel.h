// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The formats of the selected pin: its active format, an editor for it (code, size, field, colorspace, frame
// interval), what it offers (formats, sizes, frame intervals) and its crop/compose selections.

#include "ksscope/formats.h"

#include <QWidget>

#include <optional>
#include <string>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace ksscope::ui {

class FormatsPanel : public QWidget {
    Q_OBJECT
public:
    explicit FormatsPanel(QWidget* parent = nullptr);

    /// Shows \a formats (of the pin chosen), titled \a label; null: no pin is chosen.
    void setPin(const PinFormats* formats, const QString& label);
    /// A line under the editor: the outcome of the last edit.
    void setStatus(const QString& text, bool error);
    [[nodiscard]] QString pinId() const { return m_pinId; }
    /// The format the editor holds now, on the pin's format; nullopt (with why in \a error) when its format name or
    /// interval cannot be read.
    [[nodiscard]] std::optional<StreamFormat> edited(std::string* error = nullptr) const;

Q_SIGNALS:
    void applyRequested(const QString& pinId, const ksscope::StreamFormat& format);

private:
    void fillEditor(const StreamFormat& format);

    QString m_pinId;
    StreamFormat m_active;
    QLabel* m_title;
    QLabel* m_activeLabel;
    QComboBox* m_code;
    QSpinBox* m_width;
    QSpinBox* m_height;
    QComboBox* m_field;
    QComboBox* m_colorspace;
    QLineEdit* m_interval;
    QLabel* m_fieldLabel;
    QLabel* m_colorspaceLabel;
    QPushButton* m_apply;
    QPushButton* m_reset;
    QLabel* m_status;
    QLabel* m_readOnly;
    QTreeWidget* m_offered;
    QLabel* m_selections;
};

} // namespace ksscope::ui
