// SPDX-License-Identifier: GPL-3.0-or-later
#include "devicespanel.h"

#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace ksscope::ui {

DevicesPanel::DevicesPanel(QWidget* parent)
    : QWidget(parent), m_model(new DeviceTreeModel(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_filter(new QLineEdit(this)), m_view(new QTreeView(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setRecursiveFilteringEnabled(true);
    m_proxy->setAutoAcceptChildRows(true);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);

    m_filter->setPlaceholderText(tr("Filter by name (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    m_view->setModel(m_proxy);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->header()->setStretchLastSection(true);
    m_view->setColumnWidth(DeviceTreeModel::NameColumn, 220);
    for (int c : {DeviceTreeModel::ModeColumn, DeviceTreeModel::FramesColumn, DeviceTreeModel::AllocatedColumn})
        m_view->setColumnWidth(c, 64);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (m_selecting)
            return;
        QStringList ids;
        for (const QModelIndex& index : m_view->selectionModel()->selectedRows()) {
            if (index.data(NodeKindRole).toInt() == static_cast<int>(NodeKind::Backend))
                continue;
            const QString id = index.data(IdRole).toString();
            if (!ids.contains(id))
                ids.append(id);
        }
        Q_EMIT idsSelected(ids);
    });
    // new devices arrive expanded down to their allocators
    connect(m_proxy, &QAbstractItemModel::rowsInserted, m_view, [this](const QModelIndex& under, int first, int last) {
        if (under.isValid())
            m_view->expand(under);
        for (int row = first; row <= last; ++row)
            m_view->expandRecursively(m_proxy->index(row, 0, under));
    });
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_filter);
    layout->addWidget(m_view);
}

void DevicesPanel::setSelectedIds(const QStringList& ids)
{
    m_selecting = true;
    QItemSelection selection;
    for (const QString& id : ids)
        for (const QModelIndex& index : m_model->indexesForId(id)) {
            const QModelIndex proxy = m_proxy->mapFromSource(index);
            if (proxy.isValid())
                selection.select(proxy, proxy.siblingAtColumn(DeviceTreeModel::ColumnCount - 1));
        }
    m_view->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    m_selecting = false;
}

void DevicesPanel::focusFilter()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

QStringList DevicesPanel::summary() const
{
    QStringList backends;
    for (int b = 0; b < m_model->rowCount(); ++b) {
        const QModelIndex backend = m_model->index(b, 0);
        QStringList names;
        for (int f = 0; f < m_model->rowCount(backend); ++f)
            names.append(m_model->index(f, 0, backend).data().toString());
        backends.append(tr("%1 %n filter(s) (%2)", nullptr, static_cast<int>(names.size()))
                            .arg(backend.data().toString(), names.join(QStringLiteral(", "))));
    }
    return backends;
}

} // namespace ksscope::ui
