// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "devicetreemodel.h"

#include <QStringList>
#include <QWidget>

class QLineEdit;
class QSortFilterProxyModel;
class QTreeView;

namespace ksscope::ui {

/// The devices dock: a filter field over the device tree (backend, filter, pin, allocator, with their live values).
/// New devices arrive expanded down to their allocators; the rows selected are the window's selection.
class DevicesPanel : public QWidget {
    Q_OBJECT
public:
    explicit DevicesPanel(QWidget* parent = nullptr);

    [[nodiscard]] DeviceTreeModel* model() const { return m_model; }
    [[nodiscard]] QSortFilterProxyModel* proxy() const { return m_proxy; }
    [[nodiscard]] QTreeView* view() const { return m_view; }
    /// Selects the rows of \a ids (filter, pin or allocator ids), without idsSelected().
    void setSelectedIds(const QStringList& ids);
    /// Puts the cursor in the filter field (Edit > Find Device).
    void focusFilter();
    /// What the tree shows, one entry per backend: "sim 5 filter(s) (camera, ...)".
    [[nodiscard]] QStringList summary() const;

Q_SIGNALS:
    /// The user selected rows: their ids (backend rows left out).
    void idsSelected(const QStringList& ids);

private:
    DeviceTreeModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QTreeView* m_view;
    bool m_selecting = false; // setSelectedIds() is selecting: no idsSelected()
};

} // namespace ksscope::ui
