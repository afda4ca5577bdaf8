// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/model.h"
#include "ksscope/monitor.h"
#include "roles.h"

#include <QAbstractTableModel>
#include <QHash>

#include <deque>

namespace ksscope::ui {

/// The events log: starvation, drops, configuration changes, devices added or removed, errors. Bounded:
/// the oldest rows go once maxRows() is reached.
class EventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { TimeColumn, DeviceColumn, AllocatorColumn, KindColumn, MessageColumn, ColumnCount };

    explicit EventModel(QObject* parent = nullptr);

    /// Bulk entry point: appends the events of one throttle tick.
    void appendEvents(const std::vector<MonitorEvent>& events);
    /// Names devices by their filter names (ids are shown until a topology is known).
    void setTopology(const Topology& topology);
    void clear();
    void setMaxRows(int rows) { m_maxRows = rows; }
    [[nodiscard]] int maxRows() const { return m_maxRows; }
    [[nodiscard]] const MonitorEvent& eventAt(int row) const { return m_events[static_cast<std::size_t>(row)]; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// "mm:ss.mmm" (or "h:mm:ss.mmm") since the session started.
    [[nodiscard]] static QString formatTime(std::int64_t t_ns);

private:
    [[nodiscard]] QString deviceOf(const std::string& id) const;
    [[nodiscard]] QString allocatorOf(const std::string& id) const;

    std::deque<MonitorEvent> m_events;
    QHash<QString, QString> m_filterNames; // filter id -> name
    int m_maxRows = 20000;
};

} // namespace ksscope::ui
