// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/backend.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;
class QTreeWidget;
class QUndoStack;

namespace ksscope::ui {

class SessionController;
struct AllocatorDetails;

/// Edits the selected allocator: mode, buffers, buffer size, alignment and prefix. Validates as you type
/// (the CMemAllocator rules), shows the values the allocator would grant before anything is applied
/// (a local prediction, then the backend's own dry run), applies through KsSetAllocatorMode /
/// KsSetProperties on the device thread, and pushes each applied edit on the undo stack. Beside it, the
/// framing, status and the full ALLOCATOR_PROPERTIES_EX, read-only.
class PropertyEditor : public QWidget {
    Q_OBJECT
public:
    PropertyEditor(SessionController* controller, QUndoStack* undoStack, QWidget* parent = nullptr);

    /// Shows \a allocatorId (empty: nothing selected).
    void setAllocator(const QString& allocatorId);
    [[nodiscard]] QString allocator() const { return m_allocatorId; }
    /// The live AllocatedFrames, for the read-only status.
    void setLiveAllocated(quint32 allocated, bool starving);

    // the editor's parts, for tests and keyboard users
    [[nodiscard]] QComboBox* modeBox() const { return m_mode; }
    [[nodiscard]] QLineEdit* buffersEdit() const { return m_buffers; }
    [[nodiscard]] QLineEdit* bufferSizeEdit() const { return m_bufferSize; }
    [[nodiscard]] QLineEdit* alignEdit() const { return m_align; }
    [[nodiscard]] QLineEdit* prefixEdit() const { return m_prefix; }
    [[nodiscard]] QPushButton* applyButton() const { return m_apply; }
    [[nodiscard]] QString validationMessage() const;
    [[nodiscard]] QString predictionText() const;
    [[nodiscard]] QString statusText() const;
    [[nodiscard]] QString readOnlyText() const;
    [[nodiscard]] QTreeWidget* detailsTree() const { return m_details; }

Q_SIGNALS:
    void statusMessage(const QString& message);

private:
    struct Validation {
        bool ok = true;
        QString message;
        PropertyRequest request;
        std::optional<KSALLOCATORMODE> mode; // when it differs from the current mode
        ALLOCATOR_PROPERTIES predicted;
    };
    [[nodiscard]] Validation validate() const;
    void onEdited();
    void apply();
    void reset();
    void reload();
    void requestPreview();
    void showDetails(const AllocatorDetails& details);
    void onPropertiesResult(quint64 ticket, const QString& allocatorId, const PropertyChange& change, ApplyMode mode);
    void onModeResult(quint64 ticket, const QString& allocatorId, KSALLOCATORMODE mode, const Status& status,
                      ApplyMode apply);
    void applyPropertiesFromUndo(const QString& allocatorId, const ALLOCATOR_PROPERTIES& properties);
    void applyModeFromUndo(const QString& allocatorId, KSALLOCATORMODE mode);
    void setStatus(const QString& text, bool error);

    SessionController* m_controller;
    QUndoStack* m_undoStack;
    QString m_allocatorId;
    ALLOCATOR_PROPERTIES m_current;
    KSALLOCATORMODE m_currentMode = KsAllocatorMode_User;
    QString m_readOnlyReason;

    QLabel* m_title;
    QLabel* m_readOnly;
    QComboBox* m_mode;
    QLineEdit* m_buffers;
    QLineEdit* m_bufferSize;
    QLineEdit* m_align;
    QLineEdit* m_prefix;
    QLabel* m_validation;
    QLabel* m_prediction;
    QLabel* m_status;
    QPushButton* m_apply;
    QPushButton* m_reset;
    QTreeWidget* m_details;
    QTimer* m_previewTimer;

    quint64 m_nextTicket = 1;
    quint64 m_previewTicket = 0; // latest dry run; older answers are ignored
    quint64 m_applyPropertiesTicket = 0;
    quint64 m_applyModeTicket = 0;
    ALLOCATOR_PROPERTIES m_beforeApply;
    KSALLOCATORMODE m_modeBeforeApply = KsAllocatorMode_User;
    QList<quint64> m_undoTickets; // applies made by undo/redo
};

} // namespace ksscope::ui
