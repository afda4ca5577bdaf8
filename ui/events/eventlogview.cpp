// SPDX-License-Identifier: GPL-3.0-or-later
#include "eventlogview.h"

#include "eventmodel.h"
#include "roles.h"

#include <QHeaderView>
#include <QScrollBar>

namespace ksscope::ui {

EventLogView::EventLogView(EventModel* model, QWidget* parent) : QTableView(parent)
{
    setModel(model);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    verticalHeader()->hide();
    verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    horizontalHeader()->setStretchLastSection(true);
    setWordWrap(false);
    setColumnWidth(EventModel::TimeColumn, 90);
    setColumnWidth(EventModel::DeviceColumn, 150);
    setColumnWidth(EventModel::AllocatorColumn, 130);
    setColumnWidth(EventModel::KindColumn, 80);
    connect(this, &QTableView::clicked, this, [this](const QModelIndex& index) {
        Q_EMIT eventClicked(index.data(TimeRole).toLongLong(), index.data(IdRole).toString());
    });
    connect(model, &QAbstractItemModel::rowsAboutToBeInserted, this, [this] {
        // follow new events unless the user scrolled up to read older ones
        QScrollBar* bar = verticalScrollBar();
        m_follow = bar->value() >= bar->maximum() - 2;
    });
    connect(model, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow)
            scrollToBottom();
    });
}

} // namespace ksscope::ui
