// SPDX-License-Identifier: GPL-3.0-or-later
#include "devicetreemodel.h"

#include "colors.h"

#include <QApplication>
#include <QFont>
#include <QSet>

namespace ksscope::ui {

struct DeviceTreeModel::Node {
    NodeKind kind = NodeKind::Backend;
    QString id;
    QString name;
    QString detail; // filter kind, pin format
    Node* parent = nullptr;
    std::vector<std::unique_ptr<Node>> children;
    bool gone = false;
    // allocators
    QString mode;
    AllocatorLive live;
    QString readOnlyReason;
    QString unsampledReason; // why its occupancy is not sampled (PipeWire), when it is not
    QStringList details; // "name: value", what the backend tells beyond the model (filters, pins)
    QString signature; // filters: their pins and allocators, to notice when they change

    int row = 0; // in parent->children: set on insertion; children are only appended, or all removed
};

namespace {
QStringList detailLines(const std::vector<Detail>& details)
{
    QStringList lines;
    for (const Detail& d : details)
        lines << QStringLiteral("%1: %2").arg(QString::fromStdString(d.name), QString::fromStdString(d.value));
    return lines;
}

QString pinSignature(const FilterInfo& filter)
{
    QString signature;
    for (const PinInfo& pin : filter.pins)
        signature += QString::fromStdString(pin.id + "|" + pin.allocatorId + ";");
    return signature;
}
} // namespace

DeviceTreeModel::DeviceTreeModel(QObject* parent) : QAbstractItemModel(parent), m_root(std::make_unique<Node>()) { }

DeviceTreeModel::~DeviceTreeModel() = default;

DeviceTreeModel::Node* DeviceTreeModel::nodeFor(const QModelIndex& index) const
{
    return index.isValid() ? static_cast<Node*>(index.internalPointer()) : m_root.get();
}

QModelIndex DeviceTreeModel::indexFor(const Node* node, int column) const
{
    if (!node || node == m_root.get())
        return {};
    return createIndex(node->row, column, const_cast<Node*>(node)); // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

QModelIndex DeviceTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (!hasIndex(row, column, parent))
        return {};
    Node* p = nodeFor(parent);
    return createIndex(row, column, p->children[static_cast<std::size_t>(row)].get());
}

QModelIndex DeviceTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    return indexFor(nodeFor(child)->parent);
}

int DeviceTreeModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return static_cast<int>(nodeFor(parent)->children.size());
}

int DeviceTreeModel::columnCount(const QModelIndex& parent) const
{
    Q_UNUSED(parent)
    return ColumnCount;
}

QVariant DeviceTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Name");
    case ModeColumn:
        return tr("Mode");
    case FramesColumn:
        return tr("Frames");
    case AllocatedColumn:
        return tr("Allocated");
    case StateColumn:
        return tr("State");
    default:
        return {};
    }
}

QVariant DeviceTreeModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    const Node* n = nodeFor(index);
    const bool isAllocator = n->kind == NodeKind::Allocator;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return n->name;
        case ModeColumn:
            return isAllocator ? n->mode : QVariant();
        case FramesColumn:
            return isAllocator ? QVariant(n->live.frames) : QVariant();
        case AllocatedColumn:
            if (isAllocator && !n->unsampledReason.isEmpty())
                return QStringLiteral("-"); // not known: no number is made up
            return isAllocator ? QVariant(n->live.allocated) : QVariant();
        case StateColumn:
            if (n->gone)
                return tr("gone");
            if (isAllocator) {
                if (!n->unsampledReason.isEmpty())
                    return tr("not sampled");
                if (n->live.starving)
                    return tr("starving");
                if (n->live.framesPerSecond > 0)
                    return tr("streaming %1 fps").arg(n->live.framesPerSecond, 0, 'f', 1);
                return tr("idle");
            }
            return n->detail;
        default:
            return {};
        }
    case Qt::ToolTipRole: {
        QString tip = n->id;
        if (!n->detail.isEmpty())
            tip += QStringLiteral("\n") + n->detail;
        for (const QString& d : n->details)
            tip += QStringLiteral("\n") + d;
        if (!n->readOnlyReason.isEmpty())
            tip += QStringLiteral("\n") + tr("read-only: %1").arg(n->readOnlyReason);
        if (!n->unsampledReason.isEmpty())
            tip += QStringLiteral("\n") + tr("not sampled: %1").arg(n->unsampledReason);
        if (n->gone)
            tip += QStringLiteral("\n") + tr("gone: showing its last known state");
        return tip;
    }
    case Qt::ForegroundRole:
        if (n->gone)
            return goneColor(QApplication::palette());
        if (isAllocator && n->live.starving && index.column() == StateColumn)
            return warningColor(QApplication::palette());
        return {};
    case Qt::FontRole:
        if (n->kind == NodeKind::Backend) {
            QFont font;
            font.setBold(true);
            return font;
        }
        if (n->gone) {
            QFont font;
            font.setItalic(true);
            return font;
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == FramesColumn || index.column() == AllocatedColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case IdRole:
        return n->id;
    case NodeKindRole:
        return static_cast<int>(n->kind);
    case GoneRole:
        return n->gone;
    case StarvingRole:
        return isAllocator && n->live.starving;
    default:
        return {};
    }
}

DeviceTreeModel::Node* DeviceTreeModel::ensureBackend(const QString& name)
{
    for (const auto& child : m_root->children)
        if (child->id == name)
            return child.get();
    auto node = std::make_unique<Node>();
    node->kind = NodeKind::Backend;
    node->id = name;
    node->name = name;
    Node* raw = node.get();
    insertChild(m_root.get(), std::move(node));
    return raw;
}

void DeviceTreeModel::insertChild(Node* parent, std::unique_ptr<Node> child)
{
    const int row = static_cast<int>(parent->children.size());
    beginInsertRows(indexFor(parent), row, row);
    child->parent = parent;
    child->row = row;
    m_byId.insert(child->id, child.get());
    parent->children.push_back(std::move(child));
    endInsertRows();
}

void DeviceTreeModel::unregister(Node* node)
{
    for (const auto& child : node->children)
        unregister(child.get());
    m_byId.remove(node->id, node);
}

void DeviceTreeModel::removeChildren(Node* parent)
{
    if (parent->children.empty())
        return;
    beginRemoveRows(indexFor(parent), 0, static_cast<int>(parent->children.size()) - 1);
    for (const auto& child : parent->children)
        unregister(child.get());
    parent->children.clear();
    endRemoveRows();
}

void DeviceTreeModel::fillFilter(Node* filterNode, const FilterInfo& filter, const Topology& topology)
{
    for (const PinInfo& pin : filter.pins) {
        auto pinNode = std::make_unique<Node>();
        pinNode->kind = NodeKind::Pin;
        pinNode->id = QString::fromStdString(pin.id);
        pinNode->name = QStringLiteral("%1 (%2)").arg(
            QString::fromStdString(pin.name), QString::fromStdString(std::string(pinDirectionName(pin.direction))));
        pinNode->detail = QString::fromStdString(pin.format.toString());
        pinNode->details = detailLines(pin.details);
        Node* pinRaw = pinNode.get();
        insertChild(filterNode, std::move(pinNode));
        if (pin.allocatorId.empty())
            continue;
        auto allocNode = std::make_unique<Node>();
        allocNode->kind = NodeKind::Allocator;
        allocNode->id = QString::fromStdString(pin.allocatorId);
        allocNode->name = tr("allocator");
        if (const AllocatorInfo* info = topology.findAllocator(pin.allocatorId)) {
            allocNode->mode = QString::fromStdString(std::string(allocatorModeName(info->mode)));
            allocNode->live.frames = info->status.Framing.Frames;
            allocNode->live.allocated = info->status.AllocatedFrames;
            allocNode->readOnlyReason = QString::fromStdString(info->readOnlyReason);
            allocNode->unsampledReason = QString::fromStdString(info->unsampledReason);
            if (info->pinIds.size() > 1 && info->pinIds.front() != pin.id)
                allocNode->name = tr("allocator (shared with %1)").arg(QString::fromStdString(info->pinIds.front()));
        }
        insertChild(pinRaw, std::move(allocNode));
    }
}

void DeviceTreeModel::setTopology(const Topology& topology)
{
    QSet<QString> present;
    for (const FilterInfo& filter : topology.filters) {
        const QString id = QString::fromStdString(filter.id);
        present.insert(id);
        Node* existing = nullptr;
        for (Node* candidate : m_byId.values(id))
            if (candidate->kind == NodeKind::Filter)
                existing = candidate;
        if (!existing) {
            Node* backend = ensureBackend(QString::fromStdString(filter.backend));
            auto node = std::make_unique<Node>();
            node->kind = NodeKind::Filter;
            node->id = id;
            node->name = QString::fromStdString(filter.name);
            node->detail = QString::fromStdString(filter.kind);
            node->details = detailLines(filter.details);
            node->signature = pinSignature(filter);
            Node* raw = node.get();
            insertChild(backend, std::move(node));
            fillFilter(raw, filter, topology);
            continue;
        }
        if (existing->gone)
            setGoneRecursive(existing, false);
        existing->details = detailLines(filter.details); // the times change each cycle: shown as of now
        for (const auto& pinNode : existing->children)
            if (const PinInfo* pin = topology.findPin(pinNode->id.toStdString()))
                pinNode->details = detailLines(pin->details);
        if (existing->signature != pinSignature(filter)) {
            removeChildren(existing);
            existing->signature = pinSignature(filter);
            fillFilter(existing, filter, topology);
            continue;
        }
        // same pins: refresh the allocators' configuration in place
        for (const auto& pinNode : existing->children) {
            for (const auto& allocNode : pinNode->children) {
                const AllocatorInfo* info = topology.findAllocator(allocNode->id.toStdString());
                if (!info)
                    continue;
                const QString mode = QString::fromStdString(std::string(allocatorModeName(info->mode)));
                const QString reason = QString::fromStdString(info->readOnlyReason);
                if (mode != allocNode->mode || reason != allocNode->readOnlyReason ||
                    info->status.Framing.Frames != allocNode->live.frames) {
                    allocNode->mode = mode;
                    allocNode->readOnlyReason = reason;
                    allocNode->live.frames = info->status.Framing.Frames;
                    Q_EMIT dataChanged(indexFor(allocNode.get(), 0), indexFor(allocNode.get(), ColumnCount - 1));
                }
            }
        }
    }
    for (const auto& backend : m_root->children)
        for (const auto& filter : backend->children)
            if (!present.contains(filter->id) && !filter->gone)
                setGoneRecursive(filter.get(), true);
}

void DeviceTreeModel::setGoneRecursive(Node* node, bool gone)
{
    node->gone = gone;
    if (node->kind == NodeKind::Allocator)
        node->live.gone = gone;
    Q_EMIT dataChanged(indexFor(node, 0), indexFor(node, ColumnCount - 1));
    for (const auto& child : node->children)
        setGoneRecursive(child.get(), gone);
}

void DeviceTreeModel::setFilterGone(const QString& filterId, bool gone)
{
    for (Node* node : m_byId.values(filterId))
        if (node->kind == NodeKind::Filter && node->gone != gone)
            setGoneRecursive(node, gone);
}

void DeviceTreeModel::updateLive(const QHash<QString, AllocatorLive>& live)
{
    for (auto it = live.begin(); it != live.end(); ++it) {
        for (Node* node : m_byId.values(it.key())) {
            if (node->kind != NodeKind::Allocator)
                continue;
            const AllocatorLive& v = it.value();
            AllocatorLive& cur = node->live;
            const bool changed = cur.allocated != v.allocated || cur.frames != v.frames || cur.starving != v.starving ||
                                 qRound(cur.framesPerSecond * 10) != qRound(v.framesPerSecond * 10);
            if (v.gone && !node->gone) {
                // the device went: keep the last known numbers, grey the allocator out
                setGoneRecursive(node, true);
                continue;
            }
            if (!changed || node->gone || !node->unsampledReason.isEmpty()) // unsampled: the topology's numbers
                continue;
            cur = v;
            Q_EMIT dataChanged(indexFor(node, FramesColumn), indexFor(node, StateColumn));
        }
    }
}

void DeviceTreeModel::clear()
{
    beginResetModel();
    m_root->children.clear();
    m_byId.clear();
    endResetModel();
}

QModelIndexList DeviceTreeModel::indexesForId(const QString& id) const
{
    QModelIndexList list;
    for (Node* node : m_byId.values(id))
        list.append(indexFor(node));
    return list;
}

} // namespace ksscope::ui
