// SPDX-License-Identifier: GPL-3.0-or-later
#include "topologyscene.h"

#include "graphlayout.h"
#include "topologyitems.h"

#include <QCryptographicHash>
#include <QGraphicsSceneContextMenuEvent>
#include <QGraphicsSceneMouseEvent>
#include <QLoggingCategory>
#include <QMenu>
#include <QSettings>

#include <algorithm>
#include <cmath>
#include <memory>

namespace ksscope::ui {
namespace {

Q_LOGGING_CATEGORY(lcTopology, "ksscope.ui.topology")

QString qs(const std::string& text)
{
    return QString::fromStdString(text);
}

// allocator id -> id of the pin whose port shows its badge: the first pin of AllocatorInfo::pinIds that is shown
// (the output comes first), else a pin naming the allocator, outputs before inputs.
QHash<QString, QString> badgePins(const Topology& topology)
{
    QHash<QString, QString> pinOf;
    QSet<QString> pins;
    for (const FilterInfo& filter : topology.filters)
        for (const PinInfo& pin : filter.pins)
            pins.insert(qs(pin.id));
    for (const AllocatorInfo& allocator : topology.allocators) {
        for (const std::string& pinId : allocator.pinIds) {
            if (pins.contains(qs(pinId))) {
                pinOf.insert(qs(allocator.id), qs(pinId));
                break;
            }
        }
    }
    for (const PinDirection direction : {PinDirection::Output, PinDirection::Input}) {
        for (const FilterInfo& filter : topology.filters) {
            for (const PinInfo& pin : filter.pins) {
                if (pin.direction == direction && !pin.allocatorId.empty() && !pinOf.contains(qs(pin.allocatorId)))
                    pinOf.insert(qs(pin.allocatorId), qs(pin.id));
            }
        }
    }
    return pinOf;
}

// What decides whether the items can be kept: filters with their pins and texts, connections and badge places.
// Link flags, gone states and allocator values are updated in place.
QString structureKey(const Topology& topology)
{
    QStringList parts;
    for (const FilterInfo& filter : topology.filters) {
        QString part =
            QStringLiteral("F\x1f") + qs(filter.id) + QChar(0x1f) + qs(filter.name) + QChar(0x1f) + qs(filter.kind);
        for (const PinInfo& pin : filter.pins)
            part += QChar(0x1e) + qs(std::string(pinDirectionName(pin.direction))) + QChar(0x1f) + qs(pin.id) +
                    QChar(0x1f) + qs(pin.name);
        parts.append(part);
    }
    for (const ConnectionInfo& connection : topology.connections)
        parts.append(QStringLiteral("C\x1f") + qs(connection.from) + QChar(0x1f) + qs(connection.to));
    const QHash<QString, QString> pins = badgePins(topology);
    for (auto it = pins.cbegin(); it != pins.cend(); ++it)
        parts.append(QStringLiteral("A\x1f") + it.key() + QChar(0x1f) + it.value());
    parts.sort();
    return parts.join(QChar(0x1d));
}

QString portToolTip(const PinInfo& pin)
{
    QString tip =
        QStringLiteral("%1 (%2)\n%3").arg(qs(pin.name), qs(std::string(pinDirectionName(pin.direction))), qs(pin.id));
    if (!pin.format.majorType.empty())
        tip += QLatin1Char('\n') + qs(pin.format.toString());
    if (!pin.allocatorId.empty())
        tip += QStringLiteral("\nAllocator %1").arg(qs(pin.allocatorId));
    for (const Detail& d : pin.details)
        tip += QStringLiteral("\n%1: %2").arg(qs(d.name), qs(d.value));
    return tip;
}

quint32 framesOf(const AllocatorInfo& allocator)
{
    if (allocator.status.Framing.Frames > 0)
        return allocator.status.Framing.Frames;
    return allocator.properties.cBuffers > 0 ? static_cast<quint32>(allocator.properties.cBuffers) : 0U;
}

} // namespace

TopologyScene::TopologyScene(QObject* parent) : QGraphicsScene(parent)
{
    connect(this, &QGraphicsScene::selectionChanged, this, &TopologyScene::onSelectionChanged);
}

TopologyScene::~TopologyScene()
{
    // the items refer to each other (ports <-> links); delete them in an order that keeps that simple
    clearItems();
}

void TopologyScene::setTopology(const Topology& topology)
{
    Topology shown = topology;
    QSet<QString> present;
    for (const FilterInfo& filter : topology.filters)
        present.insert(qs(filter.id));

    // filters that were shown and are now missing stay, gone, with what touches them
    QSet<QString> gone;
    QSet<QString> gonePins;
    for (const FilterInfo& filter : std::as_const(m_shown.filters)) {
        if (present.contains(qs(filter.id)))
            continue;
        gone.insert(qs(filter.id));
        for (const PinInfo& pin : filter.pins)
            gonePins.insert(qs(pin.id));
        shown.filters.push_back(filter);
    }
    QSet<QString> goneAllocators;
    if (!gone.isEmpty()) {
        QSet<QString> connections;
        for (const ConnectionInfo& connection : topology.connections)
            connections.insert(EdgeItem::connectionId(qs(connection.from), qs(connection.to)));
        for (const ConnectionInfo& connection : std::as_const(m_shown.connections)) {
            if ((gonePins.contains(qs(connection.from)) || gonePins.contains(qs(connection.to))) &&
                !connections.contains(EdgeItem::connectionId(qs(connection.from), qs(connection.to))))
                shown.connections.push_back(connection);
        }
        QSet<QString> allocators;
        for (const AllocatorInfo& allocator : topology.allocators)
            allocators.insert(qs(allocator.id));
        for (const AllocatorInfo& allocator : std::as_const(m_shown.allocators)) {
            if (allocators.contains(qs(allocator.id)))
                continue;
            const bool touchesGone = std::any_of(allocator.pinIds.begin(), allocator.pinIds.end(),
                                                 [&](const std::string& pin) { return gonePins.contains(qs(pin)); });
            if (touchesGone) {
                shown.allocators.push_back(allocator);
                goneAllocators.insert(qs(allocator.id));
            }
        }
    }
    m_goneFilters = gone;
    m_goneAllocators = goneAllocators;

    QStringList ids(present.cbegin(), present.cend());
    ids.sort();
    m_deviceSetKey = QString::fromLatin1(
        QCryptographicHash::hash(ids.join(QLatin1Char('\n')).toUtf8(), QCryptographicHash::Sha1).toHex().left(16));

    QString key = structureKey(shown);
    m_shown = std::move(shown);
    if (key == m_structureKey) {
        updateInPlace();
    } else {
        m_structureKey = std::move(key);
        rebuild();
    }
}

void TopologyScene::updateInPlace()
{
    for (FilterNodeItem* item : std::as_const(m_nodes))
        item->setGone(m_goneFilters.contains(item->id()));
    for (BadgeItem* item : std::as_const(m_badges))
        item->setGone(m_goneAllocators.contains(item->id()));
    for (const ConnectionInfo& connection : m_shown.connections) {
        if (EdgeItem* item = m_edges.value(EdgeItem::connectionId(qs(connection.from), qs(connection.to))))
            item->setConnectionFlags(connection.flags);
    }
}

void TopologyScene::rebuild()
{
    const Topology& shown = m_shown;
    const QStringList selection = selectedIds();
    ++m_selectionGuard;
    clearItems();

    for (const FilterInfo& filter : shown.filters) {
        const QString id = qs(filter.id);
        if (m_nodes.contains(id))
            continue;
        auto* item = new FilterNodeItem(id);
        item->setLabels(qs(filter.name), qs(filter.kind));
        QStringList details;
        for (const Detail& d : filter.details)
            details << QStringLiteral("%1: %2").arg(qs(d.name), qs(d.value));
        item->setDetails(details);
        for (const PinInfo& pin : filter.pins) {
            const QString pinId = qs(pin.id);
            if (!m_ports.contains(pinId))
                m_ports.insert(pinId, item->addPort(pinId, qs(pin.name), pin.direction, portToolTip(pin)));
        }
        item->setGone(m_goneFilters.contains(id));
        m_nodes.insert(id, item);
    }

    const QHash<QString, QString> pins = badgePins(shown);
    QHash<QString, const AllocatorInfo*> allocators;
    for (const AllocatorInfo& allocator : shown.allocators)
        allocators.insert(qs(allocator.id), &allocator);
    for (auto it = pins.cbegin(); it != pins.cend(); ++it) {
        PortItem* port = m_ports.value(it.value());
        if (!port)
            continue;
        auto* badge = new BadgeItem(it.key(), port);
        if (const AllocatorInfo* allocator = allocators.value(it.key())) {
            badge->setUnsampled(qs(allocator->unsampledReason));
            badge->setValues(allocator->status.AllocatedFrames, framesOf(*allocator), false);
        }
        badge->setGone(m_goneAllocators.contains(it.key()));
        m_badges.insert(it.key(), badge);
    }

    for (FilterNodeItem* item : std::as_const(m_nodes)) {
        item->updateGeometry(); // now that the badges are there
        addItem(item);
    }

    for (const ConnectionInfo& connection : shown.connections) {
        const QString id = EdgeItem::connectionId(qs(connection.from), qs(connection.to));
        PortItem* from = m_ports.value(qs(connection.from));
        PortItem* to = m_ports.value(qs(connection.to));
        if (!from || !to || m_edges.contains(id))
            continue;
        auto* item = new EdgeItem(from, to, connection.flags);
        addItem(item);
        m_edges.insert(id, item);
        if (const auto mark = m_linkMarks.constFind(id); mark != m_linkMarks.constEnd())
            item->setMark(mark->severity, mark->text);
    }

    layOut();
    applyUserPositions();
    updateSceneRect();

    setSelectedIds(selection);
    --m_selectionGuard;
}

void TopologyScene::clearItems()
{
    ++m_selectionGuard;
    // links first: deleting a node deletes its ports, which the links point to
    qDeleteAll(m_edges);
    m_edges.clear();
    qDeleteAll(m_nodes); // with their ports and badges
    m_nodes.clear();
    m_ports.clear();
    m_badges.clear();
    --m_selectionGuard;
}

void TopologyScene::layOut()
{
    QList<LayoutNode> nodes;
    nodes.reserve(static_cast<qsizetype>(m_shown.filters.size()));
    for (const FilterInfo& filter : std::as_const(m_shown.filters)) {
        const FilterNodeItem* item = m_nodes.value(qs(filter.id));
        if (!item)
            continue;
        LayoutNode node{item->id(), item->size(), {}, {}};
        for (const PortItem* port : item->inputs())
            node.inputPorts.append(port->id());
        for (const PortItem* port : item->outputs())
            node.outputPorts.append(port->id());
        nodes.append(std::move(node));
    }
    QList<LayoutEdge> edges;
    QList<EdgeItem*> edgeItems; // in the order of edges
    edges.reserve(m_edges.size());
    edgeItems.reserve(m_edges.size());
    for (const ConnectionInfo& connection : std::as_const(m_shown.connections)) {
        EdgeItem* item = m_edges.value(EdgeItem::connectionId(qs(connection.from), qs(connection.to)));
        if (item && item->fromPort() && item->toPort() && !edgeItems.contains(item)) {
            edges.append(
                {item->fromPort()->node()->id(), item->fromPin(), item->toPort()->node()->id(), item->toPin()});
            edgeItems.append(item);
        }
    }

    const LayoutResult result = layoutGraph(nodes, edges);
    if (result.ok) {
        m_layoutError.clear();
        for (auto it = result.topLeft.cbegin(); it != result.topLeft.cend(); ++it)
            m_nodes.value(it.key())->setPos(it.value());
        for (qsizetype i = 0; i < edgeItems.size(); ++i)
            edgeItems[i]->setRoute(result.edgeRoutes.value(i));
        return;
    }
    // still show everything: a grid in the filters' order
    m_layoutError = result.error;
    qCWarning(lcTopology) << "topology layout failed, using a grid:" << result.error;
    qreal cellWidth = 0;
    qreal cellHeight = 0;
    for (const LayoutNode& node : std::as_const(nodes)) {
        cellWidth = std::max(cellWidth, node.size.width() + 60.0);
        cellHeight = std::max(cellHeight, node.size.height() + 40.0);
    }
    const auto columns = static_cast<qsizetype>(std::ceil(std::sqrt(static_cast<double>(nodes.size()))));
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const qsizetype row = i / columns;
        m_nodes.value(nodes[i].id)
            ->setPos(static_cast<qreal>(i % columns) * cellWidth, static_cast<qreal>(row) * cellHeight);
    }
}

void TopologyScene::applyUserPositions()
{
    for (auto it = m_userPositions.cbegin(); it != m_userPositions.cend(); ++it) {
        if (FilterNodeItem* item = m_nodes.value(it.key()))
            item->setPos(it.value());
    }
}

void TopologyScene::updateSceneRect()
{
    setSceneRect(m_nodes.isEmpty() ? QRectF() : itemsBoundingRect().adjusted(-20, -20, 20, 20));
}

void TopologyScene::setFilterGone(const QString& filterId, bool gone)
{
    FilterNodeItem* item = m_nodes.value(filterId);
    if (!item)
        return;
    if (gone)
        m_goneFilters.insert(filterId);
    else
        m_goneFilters.remove(filterId);
    item->setGone(gone);
}

void TopologyScene::removeFilter(const QString& filterId)
{
    FilterNodeItem* item = m_nodes.take(filterId);
    if (!item)
        return;
    ++m_selectionGuard;
    QSet<QString> pins;
    for (const QList<PortItem*>* ports : {&item->inputs(), &item->outputs()}) {
        for (PortItem* port : *ports) {
            pins.insert(port->id());
            const QList<EdgeItem*> edges = port->edges(); // copy: deleting a link changes the port's list
            for (EdgeItem* edge : edges) {
                m_edges.remove(edge->id());
                delete edge;
            }
            if (port->badge())
                m_badges.remove(port->badge()->id());
            m_ports.remove(port->id());
        }
    }
    delete item;
    --m_selectionGuard;

    const std::string id = filterId.toStdString();
    std::erase_if(m_shown.filters, [&](const FilterInfo& filter) { return filter.id == id; });
    std::erase_if(m_shown.connections, [&](const ConnectionInfo& connection) {
        return pins.contains(qs(connection.from)) || pins.contains(qs(connection.to));
    });
    std::erase_if(m_shown.allocators,
                  [&](const AllocatorInfo& allocator) { return !m_badges.contains(qs(allocator.id)); });
    m_goneFilters.remove(filterId);
    m_structureKey = structureKey(m_shown);
    updateSceneRect();
    m_lastSelection = selectedIds(); // the caller removed it: not a selection by the user
}

void TopologyScene::setLinkMarks(const QHash<QString, LinkMark>& marks)
{
    m_linkMarks = marks;
    for (auto it = m_edges.cbegin(); it != m_edges.cend(); ++it) {
        const auto mark = marks.constFind(it.key());
        if (mark == marks.constEnd())
            it.value()->setMark(-1, {});
        else
            it.value()->setMark(mark->severity, mark->text);
    }
}

void TopologyScene::setAllocatorLive(const QString& allocatorId, quint32 allocated, quint32 frames, bool starving)
{
    if (BadgeItem* item = m_badges.value(allocatorId); item && !item->isUnsampled())
        item->setValues(allocated, frames, starving);
}

void TopologyScene::setSelectedIds(const QStringList& ids)
{
    ++m_selectionGuard;
    clearSelection();
    for (const QString& id : ids) {
        QGraphicsItem* item = m_nodes.value(id);
        if (!item)
            item = m_ports.value(id);
        if (!item)
            item = m_badges.value(id);
        if (!item)
            item = m_edges.value(id);
        if (item)
            item->setSelected(true);
    }
    --m_selectionGuard;
    m_lastSelection = selectedIds();
}

QStringList TopologyScene::selectedIds() const
{
    QStringList ids;
    const QList<QGraphicsItem*> items = selectedItems();
    for (const QGraphicsItem* item : items) {
        switch (item->type()) {
        case FilterNodeItem::Type:
            ids.append(static_cast<const FilterNodeItem*>(item)->id());
            break;
        case PortItem::Type:
            ids.append(static_cast<const PortItem*>(item)->id());
            break;
        case EdgeItem::Type:
            ids.append(static_cast<const EdgeItem*>(item)->id());
            break;
        case BadgeItem::Type:
            ids.append(static_cast<const BadgeItem*>(item)->id());
            break;
        default:
            break;
        }
    }
    ids.sort();
    return ids;
}

void TopologyScene::onSelectionChanged()
{
    if (m_selectionGuard > 0)
        return;
    QStringList ids = selectedIds();
    if (ids == m_lastSelection)
        return;
    m_lastSelection = ids;
    emit selectedIdsChanged(ids);
}

EdgeItem* TopologyScene::edge(const QString& fromPin, const QString& toPin) const
{
    return m_edges.value(EdgeItem::connectionId(fromPin, toPin));
}

void TopologyScene::setUserPositions(const QHash<QString, QPointF>& positions)
{
    m_userPositions = positions;
    applyUserPositions();
    updateSceneRect();
}

void TopologyScene::resetLayout()
{
    m_userPositions.clear();
    layOut();
    updateSceneRect();
    emit userPositionsChanged();
}

QMenu* TopologyScene::createContextMenu(const QPointF& scenePos, QWidget* parent)
{
    const QList<QGraphicsItem*> hits = items(scenePos, Qt::IntersectsItemShape, Qt::DescendingOrder);
    // only the topmost item counts: a link under a node is not what the user pointed at
    if (hits.isEmpty() || hits.first()->type() != EdgeItem::Type)
        return nullptr;
    const auto* item = static_cast<const EdgeItem*>(hits.first());
    if (!item->canToggle())
        return nullptr;
    auto* menu = new QMenu(parent);
    const bool enable = !item->isLinkEnabled();
    QAction* action = menu->addAction(enable ? tr("Enable link") : tr("Disable link"));
    connect(action, &QAction::triggered, this, [this, from = item->fromPin(), to = item->toPin(), enable] {
        emit connectionToggleRequested(from, to, enable);
    });
    return menu;
}

bool TopologyScene::event(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange) {
        // the nodes keep cached pixmaps, which a scene-wide update() would reuse
        const QList<QGraphicsItem*> all = items();
        for (QGraphicsItem* item : all)
            item->update();
    }
    return QGraphicsScene::event(event);
}

void TopologyScene::contextMenuEvent(QGraphicsSceneContextMenuEvent* event)
{
    std::unique_ptr<QMenu> menu(createContextMenu(event->scenePos(), event->widget()));
    if (!menu) {
        QGraphicsScene::contextMenuEvent(event);
        return;
    }
    event->accept();
    menu->exec(event->screenPos());
}

void TopologyScene::mousePressEvent(QGraphicsSceneMouseEvent* event)
{
    QGraphicsScene::mousePressEvent(event);
    // a drag moves the selected nodes: remember where they were to tell a drag from a click
    m_dragStart.clear();
    if (event->button() != Qt::LeftButton)
        return;
    const QList<QGraphicsItem*> selected = selectedItems();
    for (const QGraphicsItem* item : selected) {
        if (item->type() == FilterNodeItem::Type)
            m_dragStart.insert(static_cast<const FilterNodeItem*>(item)->id(), item->pos());
    }
}

void TopologyScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* event)
{
    QGraphicsScene::mouseReleaseEvent(event);
    bool moved = false;
    for (auto it = m_dragStart.cbegin(); it != m_dragStart.cend(); ++it) {
        const FilterNodeItem* item = m_nodes.value(it.key());
        if (item && item->pos() != it.value()) {
            m_userPositions.insert(it.key(), item->pos());
            moved = true;
        }
    }
    m_dragStart.clear();
    if (moved) {
        updateSceneRect();
        emit userPositionsChanged();
    }
}

void TopologyScene::saveUserPositions() const
{
    if (m_deviceSetKey.isEmpty())
        return;
    QVariantMap map;
    for (auto it = m_userPositions.begin(); it != m_userPositions.end(); ++it)
        map.insert(it.key(), it.value());
    QSettings().setValue(QStringLiteral("topology/%1").arg(m_deviceSetKey), map);
}

bool TopologyScene::restoreUserPositions()
{
    if (m_deviceSetKey == m_restoredKey)
        return false;
    m_restoredKey = m_deviceSetKey;
    const QVariantMap map = QSettings().value(QStringLiteral("topology/%1").arg(m_deviceSetKey)).toMap();
    QHash<QString, QPointF> positions;
    for (auto it = map.begin(); it != map.end(); ++it)
        positions.insert(it.key(), it.value().toPointF());
    if (!positions.isEmpty())
        setUserPositions(positions);
    return true;
}

} // namespace ksscope::ui
