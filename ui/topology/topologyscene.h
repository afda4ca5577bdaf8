// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The topology canvas: filters, pins, connections and allocator badges of a ksscope::Topology as items keyed by
// their stable ids. A new topology with the same structure updates the items in place; a different one rebuilds
// them and lays them out again (layoutGraph), with the positions the user dragged nodes to taking precedence.

#include "ksscope/model.h"

#include <QGraphicsScene>
#include <QHash>
#include <QPointF>
#include <QSet>
#include <QString>
#include <QStringList>

class QMenu;

namespace ksscope::ui {

class BadgeItem;
class EdgeItem;
class FilterNodeItem;
class PortItem;

class TopologyScene : public QGraphicsScene {
    Q_OBJECT

public:
    explicit TopologyScene(QObject* parent = nullptr);
    ~TopologyScene() override;

    // Shows \a topology. Filters shown before and missing from it stay, marked gone, with their links and badges,
    // until removeFilter(); a filter that comes back is no longer gone.
    void setTopology(const ksscope::Topology& topology);
    // Greys a filter out (or back in) with its ports, links and badges; unknown ids are ignored.
    void setFilterGone(const QString& filterId, bool gone);
    // Drops a filter's node, its links and badges (for a gone filter the user no longer wants to see).
    void removeFilter(const QString& filterId);

    // Live occupancy of an allocator: repaints its badge only, and only when something changed.
    void setAllocatorLive(const QString& allocatorId, quint32 allocated, quint32 frames, bool starving);

    // The pipeline doctor's marks: by EdgeItem::connectionId(), the worst severity on the link (0 error, 1 warning, 2
    // note) and the findings' text for its tooltip. Links not named lose their mark.
    struct LinkMark {
        int severity = 0;
        QString text;
    };
    void setLinkMarks(const QHash<QString, LinkMark>& marks);

    // Selects the items with these ids (filter, pin, allocator or EdgeItem::connectionId()) without emitting
    // selectedIdsChanged().
    void setSelectedIds(const QStringList& ids);
    [[nodiscard]] QStringList selectedIds() const;

    // Positions of the nodes the user dragged, by filter id (kept across setTopology(), dropped by resetLayout()).
    [[nodiscard]] QHash<QString, QPointF> userPositions() const { return m_userPositions; }
    // Replaces the user positions and moves the nodes there; does not emit userPositionsChanged().
    void setUserPositions(const QHash<QString, QPointF>& positions);
    // Stable key of the set of filter ids of the last topology (hash of the sorted ids), for storing positions.
    [[nodiscard]] QString deviceSetKey() const { return m_deviceSetKey; }
    // Forgets the user positions and lays the graph out again; emits userPositionsChanged().
    void resetLayout();
    // Remembers the user positions of this set of devices across runs (QSettings, "topology/<deviceSetKey()>").
    void saveUserPositions() const;
    // After setTopology(): when the set of devices is not the one of the last call, restores the positions remembered
    // for it and returns true.
    bool restoreUserPositions();

    // The context menu for the item at \a scenePos (a link's "Enable link" / "Disable link"), or nullptr when
    // there is nothing to offer there. The caller owns the menu.
    [[nodiscard]] QMenu* createContextMenu(const QPointF& scenePos, QWidget* parent = nullptr);

    [[nodiscard]] int nodeCount() const { return static_cast<int>(m_nodes.size()); }
    [[nodiscard]] int portCount() const { return static_cast<int>(m_ports.size()); }
    [[nodiscard]] int edgeCount() const { return static_cast<int>(m_edges.size()); }
    [[nodiscard]] int badgeCount() const { return static_cast<int>(m_badges.size()); }
    [[nodiscard]] FilterNodeItem* node(const QString& id) const { return m_nodes.value(id); }
    [[nodiscard]] PortItem* port(const QString& pinId) const { return m_ports.value(pinId); }
    [[nodiscard]] EdgeItem* edge(const QString& fromPin, const QString& toPin) const;
    [[nodiscard]] BadgeItem* badge(const QString& allocatorId) const { return m_badges.value(allocatorId); }
    // Why the last layout fell back to a grid; empty when it did not.
    [[nodiscard]] QString layoutError() const { return m_layoutError; }

signals:
    // The user changed the selection: filter ids for nodes, pin ids for ports, allocator ids for badges and
    // EdgeItem::connectionId() for links.
    void selectedIdsChanged(const QStringList& ids);
    // The user asked to enable or disable the link \a fromPin -> \a toPin.
    void connectionToggleRequested(const QString& fromPin, const QString& toPin, bool enable);
    // A drag of one or more nodes ended, or resetLayout() dropped the user positions.
    void userPositionsChanged();

protected:
    bool event(QEvent* event) override;
    void contextMenuEvent(QGraphicsSceneContextMenuEvent* event) override;
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;

private:
    void onSelectionChanged();
    void rebuild();
    void updateInPlace();
    void clearItems();
    void layOut();
    void applyUserPositions();
    void updateSceneRect();

    ksscope::Topology m_shown; // the last topology plus the gone filters kept from earlier ones, in that order
    QSet<QString> m_goneFilters;
    QSet<QString> m_goneAllocators; // kept from an earlier topology because they touch a gone filter
    QString m_structureKey;
    QString m_deviceSetKey;
    QString m_restoredKey; // the device set whose positions restoreUserPositions() restored last
    QString m_layoutError;

    QHash<QString, FilterNodeItem*> m_nodes;
    QHash<QString, PortItem*> m_ports;
    QHash<QString, EdgeItem*> m_edges; // by EdgeItem::connectionId()
    QHash<QString, BadgeItem*> m_badges;

    QHash<QString, LinkMark> m_linkMarks; // kept for links (re)built later
    QHash<QString, QPointF> m_userPositions;
    QHash<QString, QPointF> m_dragStart; // positions of the selected nodes when a press began
    QStringList m_lastSelection; // as last emitted or set, so that only user changes are emitted
    int m_selectionGuard = 0; // > 0 while the scene itself changes the selection
};

} // namespace ksscope::ui
