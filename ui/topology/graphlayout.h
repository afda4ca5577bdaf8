// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// A layout pass over an abstract graph: it returns positions and touches no graphics item, so the scene decides
// what to do with them (user positions win) and the pass can be tested and measured alone.

#include <QHash>
#include <QList>
#include <QPointF>
#include <QPolygonF>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>

namespace ksscope::ui {

struct LayoutNode {
    QString id;
    QSizeF size; // scene units (taken as points by Graphviz)
    QStringList inputPorts; // top to bottom on the left side
    QStringList outputPorts; // top to bottom on the right side
};

struct LayoutEdge {
    QString fromNode;
    QString fromPort; // one of fromNode's outputPorts, or empty
    QString toNode;
    QString toPort; // one of toNode's inputPorts, or empty
};

struct LayoutResult {
    bool ok = false;
    QString error;
    QHash<QString, QPointF> topLeft; // per node id, scene coordinates (y down)
    QRectF bounds; // of all nodes and routes
    // Per edge of the input, in its order: the route dot found around the nodes, as Bezier control points (the
    // start, then three per cubic segment) in scene coordinates; empty for an edge that was ignored.
    QList<QPolygonF> edgeRoutes;
};

// Left-to-right layered layout (Graphviz dot) of \a nodes with their ports in order. Edges naming an unknown node
// are ignored. When the components of the graph, stacked as dot stacks them, would be much taller than wide (many
// small pipelines), they are arranged in columns instead. Thread-safe: calls are serialised because Graphviz
// keeps global state.
[[nodiscard]] LayoutResult layoutGraph(const QList<LayoutNode>& nodes, const QList<LayoutEdge>& edges);

} // namespace ksscope::ui
