// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The items of the topology canvas: a node per filter, a port per pin (child of its node), a link per connection
// and an occupancy badge per allocator (child of a port). Items keep the model's ids and paint from the scene's
// palette, so light and dark themes both work and a palette change only needs a repaint.

#include "ksscope/model.h"

#include <QColor>
#include <QFont>
#include <QGraphicsItem>
#include <QList>
#include <QPainterPath>
#include <QPolygonF>
#include <QString>

namespace ksscope::ui {

class BadgeItem;
class EdgeItem;
class PortItem;

// QGraphicsItem::type() values of the canvas items.
enum TopologyItemType {
    FilterNodeItemType = QGraphicsItem::UserType + 1,
    PortItemType,
    EdgeItemType,
    BadgeItemType,
};

// A filter: rounded box with its name and kind, ports on its sides. Movable and selectable; greyed out when gone.
class FilterNodeItem : public QGraphicsItem {
public:
    enum { Type = FilterNodeItemType };

    explicit FilterNodeItem(QString filterId, QGraphicsItem* parent = nullptr);

    [[nodiscard]] int type() const override { return Type; }
    [[nodiscard]] const QString& id() const { return m_id; }
    [[nodiscard]] const QString& name() const { return m_name; }
    [[nodiscard]] const QString& kind() const { return m_kind; }
    /// The second line of the box: the kind, and the agent for a remote agent's filter.
    [[nodiscard]] QString kindLine() const;
    // Sets the texts; call updateGeometry() afterwards.
    void setLabels(const QString& name, const QString& kind);
    [[nodiscard]] bool isGone() const { return m_gone; }
    void setGone(bool gone);
    /// What the backend tells of it beyond the model ("quantum: 1024/48000"), one line each in the tooltip.
    void setDetails(const QStringList& details);

    // Adds a pin; inputs go on the left edge, outputs on the right edge, in the order added.
    PortItem* addPort(const QString& pinId, const QString& name, PinDirection direction, const QString& toolTip);
    [[nodiscard]] const QList<PortItem*>& inputs() const { return m_inputs; }
    [[nodiscard]] const QList<PortItem*>& outputs() const { return m_outputs; }
    // Sizes the box to its texts, ports and badges and places the ports.
    void updateGeometry();
    [[nodiscard]] QSizeF size() const { return m_size; }

    [[nodiscard]] QRectF boundingRect() const override;
    [[nodiscard]] QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

private:
    void updateToolTip();

    QString m_id;
    QString m_name;
    QString m_kind;
    QStringList m_details;
    QString m_elidedName; // fitted to the box width by updateGeometry()
    QFont m_nameFont;
    QFont m_kindFont;
    QSizeF m_size;
    qreal m_headerHeight = 0;
    bool m_gone = false;
    QList<PortItem*> m_inputs;
    QList<PortItem*> m_outputs;
};

// A pin: a small circle on its node's edge and the pin name inside the node. Links attach to the circle.
class PortItem : public QGraphicsItem {
public:
    enum { Type = PortItemType };

    PortItem(QString pinId, const QString& name, PinDirection direction, FilterNodeItem* node);
    ~PortItem() override;
    PortItem(const PortItem&) = delete;
    PortItem& operator=(const PortItem&) = delete;

    [[nodiscard]] int type() const override { return Type; }
    [[nodiscard]] const QString& id() const { return m_id; }
    [[nodiscard]] const QString& name() const { return m_name; }
    [[nodiscard]] PinDirection direction() const { return m_direction; }
    [[nodiscard]] FilterNodeItem* node() const { return m_node; }
    [[nodiscard]] bool isGone() const { return m_node->isGone(); }

    // Scene point where links start (outputs) or end (inputs): the outer side of the circle.
    [[nodiscard]] QPointF connectionPoint() const;
    // Width the port needs inside its node: label and badge.
    [[nodiscard]] qreal insideWidth() const;
    [[nodiscard]] static qreal rowHeight();

    [[nodiscard]] const QList<EdgeItem*>& edges() const { return m_edges; }
    void addEdge(EdgeItem* edge);
    void removeEdge(EdgeItem* edge);
    void updateEdges();

    [[nodiscard]] BadgeItem* badge() const { return m_badge; }
    // Places \a badge (a child of this port) next to the label; called by BadgeItem.
    void placeBadge(BadgeItem* badge);

    [[nodiscard]] QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    QString m_id;
    QString m_name;
    QString m_elidedName;
    PinDirection m_direction;
    FilterNodeItem* m_node;
    QFont m_font;
    qreal m_labelWidth = 0;
    QList<EdgeItem*> m_edges;
    BadgeItem* m_badge = nullptr;
};

// A connection: a cubic curve from an output port to an input port that follows the nodes. Solid when enabled,
// dashed grey when disabled, thicker when immutable, dotted when one end is gone.
class EdgeItem : public QGraphicsItem {
public:
    enum { Type = EdgeItemType };

    EdgeItem(PortItem* from, PortItem* to, std::uint32_t connectionFlags);
    ~EdgeItem() override;
    EdgeItem(const EdgeItem&) = delete;
    EdgeItem& operator=(const EdgeItem&) = delete;

    // Id of a connection as emitted by TopologyScene::selectedIdsChanged: "<output pin id>-><input pin id>".
    [[nodiscard]] static QString connectionId(const QString& fromPin, const QString& toPin);

    [[nodiscard]] int type() const override { return Type; }
    [[nodiscard]] QString id() const { return connectionId(m_fromPin, m_toPin); }
    [[nodiscard]] const QString& fromPin() const { return m_fromPin; }
    [[nodiscard]] const QString& toPin() const { return m_toPin; }
    [[nodiscard]] PortItem* fromPort() const { return m_from; }
    [[nodiscard]] PortItem* toPort() const { return m_to; }

    [[nodiscard]] std::uint32_t connectionFlags() const { return m_flags; }
    void setConnectionFlags(std::uint32_t flags);
    [[nodiscard]] bool isLinkEnabled() const { return (m_flags & ConnectionEnabled) != 0; }
    [[nodiscard]] bool isImmutable() const { return (m_flags & ConnectionImmutable) != 0; }
    [[nodiscard]] bool isDynamic() const { return (m_flags & ConnectionDynamic) != 0; }
    /// A link between layers (a kernel queue and the userspace element streaming its device node, a PipeWire
    /// stream's node and the GStreamer element that made it).
    [[nodiscard]] bool isLayerLink() const { return (m_flags & ConnectionBetweenLayers) != 0; }
    [[nodiscard]] bool isGone() const;
    // Whether the link's state may be changed by the user: not immutable and both ends present.
    [[nodiscard]] bool canToggle() const { return !isImmutable() && !isGone(); }

    // A finding of the pipeline doctor on this link: drawn in the severity's colour with a mark at its middle, and
    // \a text in its tooltip. \a severity -1 clears it (0 error, 1 warning, 2 note, as ksscope::Severity).
    void setMark(int severity, const QString& text);
    [[nodiscard]] int markSeverity() const { return m_markSeverity; }
    [[nodiscard]] const QString& markText() const { return m_markText; }

    // The curve, in scene coordinates (the item stays at the origin).
    [[nodiscard]] const QPainterPath& path() const { return m_path; }
    // Follows \a route (Bezier control points from layoutGraph(), scene coordinates) while both nodes stay where
    // they are now; once either moves, the link goes back to a plain curve between its ports.
    void setRoute(const QPolygonF& route);
    // Recomputes the curve from the ports' positions.
    void updatePath();
    // Called by a port that is being deleted.
    void detach(PortItem* port);

    [[nodiscard]] QRectF boundingRect() const override;
    [[nodiscard]] QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

private:
    void updateToolTip();

    PortItem* m_from;
    PortItem* m_to;
    QString m_fromPin;
    QString m_toPin;
    std::uint32_t m_flags;
    QPolygonF m_route;
    QPointF m_routeFromNode; // node positions the route was made for
    QPointF m_routeToNode;
    QPainterPath m_path;
    QPainterPath m_arrow;
    mutable QPainterPath m_shape; // for hit tests, made by shape() when first needed
    int m_markSeverity = -1;
    QString m_markText;
};

// "allocated/frames" of an allocator, on the port of the pin that owns it. Updated live, so cheap to change.
class BadgeItem : public QGraphicsItem {
public:
    enum { Type = BadgeItemType };

    BadgeItem(QString allocatorId, PortItem* port);

    [[nodiscard]] int type() const override { return Type; }
    [[nodiscard]] const QString& id() const { return m_id; }
    [[nodiscard]] PortItem* port() const { return m_port; }

    // Returns false when nothing changed (and nothing is repainted).
    bool setValues(std::uint32_t allocated, std::uint32_t frames, bool starving);
    [[nodiscard]] std::uint32_t allocated() const { return m_allocated; }
    [[nodiscard]] std::uint32_t frames() const { return m_frames; }
    [[nodiscard]] bool isStarving() const { return m_starving; }
    [[nodiscard]] const QString& text() const { return m_text; }

    void setGone(bool gone);
    /// An allocator whose occupancy nobody samples (\a reason why; empty: sampled): "-/frames", the reason in the
    /// tooltip, and live values no longer change it.
    void setUnsampled(const QString& reason);
    [[nodiscard]] bool isUnsampled() const { return !m_unsampledReason.isEmpty(); }
    // Gone when set so or when its filter is gone.
    [[nodiscard]] bool isGone() const { return m_gone || m_port->isGone(); }
    // Current fill: badgeColor(), warningColor() while starving, goneColor() when gone.
    [[nodiscard]] QColor fillColor() const;
    [[nodiscard]] qreal width() const { return m_width; }

    [[nodiscard]] QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

private:
    void updateToolTip();

    QString m_id;
    PortItem* m_port;
    QFont m_font;
    QString m_text;
    qreal m_width = 0;
    qreal m_height = 0;
    qreal m_digitWidth = 0; // of the widest digit in m_font
    qreal m_slashWidth = 0;
    std::uint32_t m_allocated = 0;
    std::uint32_t m_frames = 0;
    bool m_starving = false;
    bool m_gone = false;
    QString m_unsampledReason;
};

} // namespace ksscope::ui
