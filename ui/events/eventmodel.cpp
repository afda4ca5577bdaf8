// SPDX-License-Identifier: GPL-3.0-or-later
#include "eventmodel.h"

#include "colors.h"
#include "ids.h"

#include <QApplication>

namespace ksscope::ui {

EventModel::EventModel(QObject* parent) : QAbstractTableModel(parent) { }

int EventModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_events.size());
}

int EventModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString EventModel::formatTime(std::int64_t t_ns)
{
    const qint64 ms = t_ns / 1'000'000;
    const qint64 h = ms / 3'600'000;
    const qint64 m = (ms / 60'000) % 60;
    const qint64 s = (ms / 1000) % 60;
    const QString rest = QStringLiteral("%1:%2.%3")
                             .arg(m, 2, 10, QLatin1Char('0'))
                             .arg(s, 2, 10, QLatin1Char('0'))
                             .arg(ms % 1000, 3, 10, QLatin1Char('0'));
    return h > 0 ? QStringLiteral("%1:%2").arg(h).arg(rest) : rest;
}

QString EventModel::deviceOf(const std::string& id) const
{
    // ids are "backend:filter[/pin[/allocator]]"
    const QString full = QString::fromStdString(id);
    const QString filterId = full.section(QLatin1Char('/'), 0, 0);
    const QString name = m_filterNames.value(filterId, filterId);
    const QString agent = agentOf(full);
    return agent.isEmpty() || name == filterId ? name : agent + QLatin1Char(' ') + name;
}

QString EventModel::allocatorOf(const std::string& id) const
{
    const QString full = QString::fromStdString(id);
    return full.section(QLatin1Char('/'), 1);
}

QVariant EventModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const MonitorEvent& e = m_events[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return formatTime(e.t_ns);
        case DeviceColumn:
            return deviceOf(e.id);
        case AllocatorColumn:
            return allocatorOf(e.id);
        case KindColumn:
            return QString::fromStdString(std::string(eventKindName(e.kind)));
        case MessageColumn:
            return QString::fromStdString(e.message);
        default:
            return {};
        }
    case Qt::ToolTipRole:
        return QStringLiteral("%1\n%2").arg(QString::fromStdString(e.id), QString::fromStdString(e.message));
    case Qt::ForegroundRole:
        if (index.column() == KindColumn &&
            (e.kind == EventKind::Starvation || e.kind == EventKind::Error || e.kind == EventKind::Removed))
            return warningColor(QApplication::palette());
        return {};
    case IdRole:
        return QString::fromStdString(e.id);
    case TimeRole:
        return QVariant::fromValue<qint64>(e.t_ns);
    case EventKindRole:
        return static_cast<int>(e.kind);
    default:
        return {};
    }
}

QVariant EventModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case DeviceColumn:
        return tr("Device");
    case AllocatorColumn:
        return tr("Allocator");
    case KindColumn:
        return tr("Kind");
    case MessageColumn:
        return tr("Message");
    default:
        return {};
    }
}

void EventModel::appendEvents(const std::vector<MonitorEvent>& events)
{
    if (events.empty())
        return;
    const auto incoming = static_cast<int>(std::min<std::size_t>(events.size(), static_cast<std::size_t>(m_maxRows)));
    const int overflow = rowCount() + incoming - m_maxRows;
    if (overflow > 0) {
        beginRemoveRows({}, 0, overflow - 1);
        m_events.erase(m_events.begin(), m_events.begin() + overflow);
        endRemoveRows();
    }
    beginInsertRows({}, rowCount(), rowCount() + incoming - 1);
    m_events.insert(m_events.end(), events.end() - incoming, events.end());
    endInsertRows();
}

void EventModel::setTopology(const Topology& topology)
{
    for (const FilterInfo& filter : topology.filters)
        m_filterNames.insert(QString::fromStdString(filter.id), QString::fromStdString(filter.name));
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0, DeviceColumn), index(rowCount() - 1, DeviceColumn));
}

void EventModel::clear()
{
    beginResetModel();
    m_events.clear();
    endResetModel();
}

} // namespace ksscope::ui
