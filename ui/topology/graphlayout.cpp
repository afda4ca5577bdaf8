// SPDX-License-Identifier: GPL-3.0-or-later
#include "graphlayout.h"

#include "ksscope/graphviz_context.h"

#include <QByteArray>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>
#include <vector>

// Graphviz comes last and only here: its headers define MIN, MAX, TRUE, FALSE and more.
#include <gvc.h>

namespace ksscope::ui {
namespace {

constexpr double kPointsPerInch = 72.0;

// Guarded by graphviz::mutex(); collects what Graphviz reports while a layout runs.
std::string& graphvizMessages()
{
    static std::string messages;
    return messages;
}

int collectMessage(char* message)
{
    graphvizMessages() += message;
    return 0;
}

// Graphviz's API predates const; it does not modify these strings.
char* cstr(const char* text)
{
    return const_cast<char*>(text);
}

// Routes Graphviz's messages into graphvizMessages() for the scope of one layout instead of stderr.
class MessageCapture {
public:
    MessageCapture() : m_previousHandler(agseterrf(collectMessage)), m_previousLevel(agseterr(AGWARN))
    {
        graphvizMessages().clear();
    }
    ~MessageCapture()
    {
        agseterrf(m_previousHandler);
        agseterr(m_previousLevel);
    }
    MessageCapture(const MessageCapture&) = delete;
    MessageCapture& operator=(const MessageCapture&) = delete;

private:
    agusererrf m_previousHandler;
    agerrlevel_t m_previousLevel;
};

// Record label with the inputs in the left column and the outputs in the right one; in rankdir=LR the outer
// braces lay the three fields side by side and the inner ones stack the ports.
QByteArray recordLabel(qsizetype inputs, qsizetype outputs)
{
    auto column = [](char prefix, qsizetype count) {
        QByteArray text;
        if (count == 0)
            return text;
        text += '{';
        for (qsizetype i = 0; i < count; ++i) {
            if (i > 0)
                text += '|';
            text += '<';
            text += prefix;
            text += QByteArray::number(i);
            text += '>';
        }
        text += '}';
        return text;
    };
    return '{' + column('i', inputs) + "| |" + column('o', outputs) + '}';
}

QByteArray inches(double points)
{
    return QByteArray::number(points / kPointsPerInch, 'f', 4);
}

qsizetype findRoot(std::vector<qsizetype>& parent, qsizetype i)
{
    while (parent[static_cast<std::size_t>(i)] != i) {
        auto& up = parent[static_cast<std::size_t>(i)];
        up = parent[static_cast<std::size_t>(up)]; // path halving
        i = up;
    }
    return i;
}

// dot stacks the connected components on top of each other, which for many small pipelines gives a column far
// taller than any window. Then the components, in the order of their first node in the input, are moved into
// columns so that the whole is about as wide as a screen; a layout that is already wide enough is left alone.
void arrangeComponents(const QList<LayoutNode>& nodes, const QList<LayoutEdge>& edges,
                       const QHash<QString, qsizetype>& indexOfNode, std::vector<QPointF>& topLeft,
                       QList<QPolygonF>& routes)
{
    constexpr double kTargetAspect = 16.0 / 10.0; // width / height
    constexpr double kColumnGap = 90.0;
    constexpr double kRowGap = 32.0;

    std::vector<qsizetype> parent(static_cast<std::size_t>(nodes.size()));
    for (qsizetype i = 0; i < nodes.size(); ++i)
        parent[static_cast<std::size_t>(i)] = i;
    for (const LayoutEdge& edge : edges) {
        const auto from = indexOfNode.constFind(edge.fromNode);
        const auto to = indexOfNode.constFind(edge.toNode);
        if (from != indexOfNode.cend() && to != indexOfNode.cend())
            parent[static_cast<std::size_t>(findRoot(parent, *from))] = findRoot(parent, *to);
    }
    struct Component {
        qsizetype firstNode = -1;
        QRectF box;
        QPointF shift;
    };
    QHash<qsizetype, Component> components;
    QRectF all;
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const QRectF rect(topLeft[static_cast<std::size_t>(i)], nodes[i].size);
        Component& component = components[findRoot(parent, i)];
        if (component.firstNode < 0)
            component.firstNode = i;
        component.box |= rect;
        all |= rect;
    }
    for (qsizetype i = 0; i < edges.size(); ++i) {
        // a route may pass outside its nodes (around a node of the same component)
        const auto from = indexOfNode.constFind(edges[i].fromNode);
        if (from != indexOfNode.cend() && !routes[i].isEmpty()) {
            const QRectF box = routes[i].boundingRect();
            components[findRoot(parent, *from)].box |= box;
            all |= box;
        }
    }
    if (components.size() < 2 || all.height() * kTargetAspect <= all.width())
        return;

    QList<Component*> order;
    double area = 0;
    double tallest = 0;
    for (Component& component : components) {
        order.append(&component);
        area += (component.box.width() + kColumnGap) * (component.box.height() + kRowGap);
        tallest = std::max(tallest, component.box.height());
    }
    std::sort(order.begin(), order.end(),
              [](const Component* a, const Component* b) { return a->firstNode < b->firstNode; });
    const double columnHeight = std::max(tallest, std::sqrt(area / kTargetAspect));
    double x = 0;
    double y = 0;
    double columnWidth = 0;
    for (Component* component : std::as_const(order)) {
        if (y > 0 && y + component->box.height() > columnHeight) {
            x += columnWidth + kColumnGap;
            y = 0;
            columnWidth = 0;
        }
        component->shift = QPointF(x, y) - component->box.topLeft();
        y += component->box.height() + kRowGap;
        columnWidth = std::max(columnWidth, component->box.width());
    }
    for (qsizetype i = 0; i < nodes.size(); ++i)
        topLeft[static_cast<std::size_t>(i)] += components.value(findRoot(parent, i)).shift;
    for (qsizetype i = 0; i < edges.size(); ++i) {
        const auto from = indexOfNode.constFind(edges[i].fromNode);
        if (from != indexOfNode.cend() && !routes[i].isEmpty())
            routes[i].translate(components.value(findRoot(parent, *from)).shift);
    }
}

} // namespace

LayoutResult layoutGraph(const QList<LayoutNode>& nodes, const QList<LayoutEdge>& edges)
{
    LayoutResult result;
    if (nodes.isEmpty()) {
        result.ok = true;
        return result;
    }
    QHash<QString, qsizetype> indexOfNode;
    indexOfNode.reserve(nodes.size());
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const LayoutNode& node = nodes[i];
        if (node.size.width() <= 0 || node.size.height() <= 0) {
            result.error = QStringLiteral("node \"%1\" has no size").arg(node.id);
            return result;
        }
        if (indexOfNode.contains(node.id)) {
            result.error = QStringLiteral("node id \"%1\" appears twice").arg(node.id);
            return result;
        }
        indexOfNode.insert(node.id, i);
    }

    std::lock_guard lock(graphviz::mutex());
    GVC_t* gvc = graphviz::context();
    if (!gvc) {
        result.error = QString::fromStdString(graphviz::error());
        return result;
    }
    MessageCapture capture;
    auto failure = [&result](const QString& what) {
        const QString details = QString::fromStdString(graphvizMessages()).trimmed();
        result.error = details.isEmpty() ? what : what + QStringLiteral(": ") + details;
        return result;
    };

    Agraph_t* graph = agopen(cstr("topology"), Agdirected, nullptr);
    if (!graph)
        return failure(QStringLiteral("Graphviz could not create a graph"));
    agattr(graph, AGRAPH, cstr("rankdir"), cstr("LR"));
    agattr(graph, AGRAPH, cstr("nodesep"), cstr("0.45")); // between nodes of one rank (vertical in LR)
    agattr(graph, AGRAPH, cstr("ranksep"), cstr("1.0")); // between ranks: room for the links' curves
    agattr(graph, AGRAPH, cstr("splines"), cstr("spline")); // routes around the nodes, for links over several ranks
    agattr(graph, AGNODE, cstr("shape"), cstr("record"));
    agattr(graph, AGNODE, cstr("fixedsize"), cstr("true"));
    Agsym_t* label = agattr(graph, AGNODE, cstr("label"), cstr(""));
    Agsym_t* width = agattr(graph, AGNODE, cstr("width"), cstr("1"));
    Agsym_t* height = agattr(graph, AGNODE, cstr("height"), cstr("1"));
    agattr(graph, AGEDGE, cstr("arrowhead"), cstr("none")); // routes end on the port; the scene draws the arrow
    Agsym_t* tailPort = agattr(graph, AGEDGE, cstr("tailport"), cstr(""));
    Agsym_t* headPort = agattr(graph, AGEDGE, cstr("headport"), cstr(""));

    // Graphviz names are n<index> and ports i<k>/o<k>, so that ids never need quoting or escaping.
    std::vector<Agnode_t*> gvNodes(static_cast<std::size_t>(nodes.size()), nullptr);
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const LayoutNode& node = nodes[i];
        QByteArray name = "n" + QByteArray::number(i);
        Agnode_t* n = agnode(graph, name.data(), 1);
        QByteArray text = recordLabel(node.inputPorts.size(), node.outputPorts.size());
        QByteArray w = inches(node.size.width());
        QByteArray h = inches(node.size.height());
        agxset(n, label, text.data());
        agxset(n, width, w.data());
        agxset(n, height, h.data());
        gvNodes[static_cast<std::size_t>(i)] = n;
    }
    std::vector<Agedge_t*> gvEdges(static_cast<std::size_t>(edges.size()), nullptr);
    for (qsizetype i = 0; i < edges.size(); ++i) {
        const LayoutEdge& edge = edges[i];
        const auto from = indexOfNode.constFind(edge.fromNode);
        const auto to = indexOfNode.constFind(edge.toNode);
        if (from == indexOfNode.cend() || to == indexOfNode.cend())
            continue;
        Agedge_t* e =
            agedge(graph, gvNodes[static_cast<std::size_t>(*from)], gvNodes[static_cast<std::size_t>(*to)], nullptr, 1);
        // compass points make links leave on the right and arrive on the left, as the scene draws them
        const qsizetype outIndex = nodes[*from].outputPorts.indexOf(edge.fromPort);
        if (outIndex >= 0) {
            QByteArray port = "o" + QByteArray::number(outIndex) + ":e";
            agxset(e, tailPort, port.data());
        }
        const qsizetype inIndex = nodes[*to].inputPorts.indexOf(edge.toPort);
        if (inIndex >= 0) {
            QByteArray port = "i" + QByteArray::number(inIndex) + ":w";
            agxset(e, headPort, port.data());
        }
        gvEdges[static_cast<std::size_t>(i)] = e;
    }

    if (gvLayout(gvc, graph, "dot") != 0) {
        agclose(graph);
        return failure(QStringLiteral("Graphviz dot layout failed"));
    }
    // Graphviz: points, origin bottom left, y up, node centres. Scene: y down, top-left corners.
    const double top = GD_bb(graph).UR.y;
    auto toScene = [top](pointf p) { return QPointF(p.x, top - p.y); };
    std::vector<QPointF> topLeft(static_cast<std::size_t>(nodes.size()));
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const QPointF centre = toScene(ND_coord(gvNodes[static_cast<std::size_t>(i)]));
        const QSizeF size = nodes[i].size;
        topLeft[static_cast<std::size_t>(i)] = centre - QPointF(size.width() / 2.0, size.height() / 2.0);
    }
    result.edgeRoutes.resize(edges.size());
    for (std::size_t i = 0; i < gvEdges.size(); ++i) {
        const splines* spline = gvEdges[i] ? ED_spl(gvEdges[i]) : nullptr;
        if (!spline || spline->size < 1 || spline->list[0].size < 4)
            continue;
        const bezier& curve = spline->list[0];
        QPolygonF& route = result.edgeRoutes[static_cast<qsizetype>(i)];
        route.reserve(curve.size);
        for (int k = 0; k < curve.size; ++k)
            route.append(toScene(curve.list[k]));
    }
    gvFreeLayout(gvc, graph);
    agclose(graph);

    arrangeComponents(nodes, edges, indexOfNode, topLeft, result.edgeRoutes);
    QRectF bounds;
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const QPointF at = topLeft[static_cast<std::size_t>(i)];
        result.topLeft.insert(nodes[i].id, at);
        bounds |= QRectF(at, nodes[i].size);
    }
    for (const QPolygonF& route : std::as_const(result.edgeRoutes))
        if (!route.isEmpty())
            bounds |= route.boundingRect();
    result.bounds = bounds;
    result.ok = true;
    return result;
}

} // namespace ksscope::ui
