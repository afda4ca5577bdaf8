// SPDX-License-Identifier: GPL-3.0-or-later
// The topology canvas: layout pass, scene contents, live badges, gone filters, selection and user positions.

#include "colors.h"
#include "graphlayout.h"
#include "topologyitems.h"
#include "topologyscene.h"
#include "topologyview.h"

#include <QAction>
#include <QElapsedTimer>
#include <QMenu>
#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

#include <algorithm>
#include <memory>

using namespace ksscope;
using namespace ksscope::ui;

namespace {

PinInfo pin(const std::string& id, const std::string& name, PinDirection direction, const std::string& allocatorId = {})
{
    PinInfo info;
    info.id = id;
    info.name = name;
    info.direction = direction;
    info.allocatorId = allocatorId;
    return info;
}

FilterInfo filter(const std::string& id, const std::string& name, const std::string& kind, std::vector<PinInfo> pins)
{
    FilterInfo info;
    info.id = id;
    info.name = name;
    info.backend = "sim";
    info.kind = kind;
    info.pins = std::move(pins);
    return info;
}

AllocatorInfo allocator(const std::string& id, std::vector<std::string> pinIds, ULONG frames, ULONG allocated)
{
    AllocatorInfo info;
    info.id = id;
    info.status.Framing.Frames = frames;
    info.status.AllocatedFrames = allocated;
    info.properties.cBuffers = static_cast<LONG>(frames);
    info.pinIds = std::move(pinIds);
    return info;
}

// capture -> transform -> render; the first link is immutable, the second disabled and dynamic; allocators on
// both output pins (shared with the input pin they feed, as the simulated backend reports them).
Topology pipeline()
{
    Topology t;
    t.filters.push_back(
        filter("cap", "Camera", "capture", {pin("cap/out0", "Capture", PinDirection::Output, "cap/a")}));
    t.filters.push_back(filter("xf", "Colour Converter", "transform",
                               {pin("xf/in0", "Input", PinDirection::Input, "cap/a"),
                                pin("xf/out0", "Output", PinDirection::Output, "xf/a")}));
    t.filters.push_back(filter("ren", "Renderer", "render", {pin("ren/in0", "Input", PinDirection::Input, "xf/a")}));
    t.connections.push_back({"cap/out0", "xf/in0", ConnectionEnabled | ConnectionImmutable});
    t.connections.push_back({"xf/out0", "ren/in0", ConnectionDynamic});
    t.allocators.push_back(allocator("cap/a", {"cap/out0", "xf/in0"}, 8, 2));
    t.allocators.push_back(allocator("xf/a", {"xf/out0", "ren/in0"}, 4, 1));
    return t;
}

Topology without(Topology t, const std::string& filterId)
{
    std::erase_if(t.filters, [&](const FilterInfo& f) { return f.id == filterId; });
    const std::string prefix = filterId + "/";
    std::erase_if(t.connections,
                  [&](const ConnectionInfo& c) { return c.from.starts_with(prefix) || c.to.starts_with(prefix); });
    std::erase_if(t.allocators, [&](const AllocatorInfo& a) { return a.id.starts_with(prefix); });
    return t;
}

// \a chains chains of \a length filters: source, transforms, sink.
Topology chains(int chainCount, int length)
{
    Topology t;
    for (int c = 0; c < chainCount; ++c) {
        for (int i = 0; i < length; ++i) {
            const std::string id = "c" + std::to_string(c) + "f" + std::to_string(i);
            std::vector<PinInfo> pins;
            if (i > 0)
                pins.push_back(pin(id + "/in", "Input", PinDirection::Input));
            if (i + 1 < length)
                pins.push_back(pin(id + "/out", "Output", PinDirection::Output, id + "/a"));
            t.filters.push_back(filter(id, "Filter " + std::to_string(c) + "." + std::to_string(i),
                                       i == 0 ? "capture" : (i + 1 < length ? "transform" : "render"),
                                       std::move(pins)));
            if (i > 0) {
                const std::string previous = "c" + std::to_string(c) + "f" + std::to_string(i - 1);
                t.connections.push_back({previous + "/out", id + "/in", ConnectionEnabled});
            }
            if (i + 1 < length)
                t.allocators.push_back(allocator(id + "/a", {id + "/out"}, 4, 0));
        }
    }
    return t;
}

QList<FilterNodeItem*> nodesOf(const QGraphicsScene& scene)
{
    QList<FilterNodeItem*> nodes;
    const QList<QGraphicsItem*> items = scene.items();
    for (QGraphicsItem* item : items)
        if (item->type() == FilterNodeItem::Type)
            nodes.append(static_cast<FilterNodeItem*>(item));
    return nodes;
}

// First pair of nodes whose rects intersect, sweeping in x order; empty when none do.
QString firstOverlap(QList<FilterNodeItem*> nodes)
{
    std::sort(nodes.begin(), nodes.end(), [](const FilterNodeItem* a, const FilterNodeItem* b) {
        return a->sceneBoundingRect().left() < b->sceneBoundingRect().left();
    });
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        const QRectF a = nodes[i]->sceneBoundingRect();
        for (qsizetype j = i + 1; j < nodes.size(); ++j) {
            const QRectF b = nodes[j]->sceneBoundingRect();
            if (b.left() >= a.right())
                break; // sorted by left edge: no later node reaches back into a
            if (a.intersects(b))
                return nodes[i]->id() + QStringLiteral(" / ") + nodes[j]->id();
        }
    }
    return {};
}

// Shows \a view at \a size on the offscreen platform; false when it never got exposed.
bool showAt(TopologyView& view, QSize size)
{
    view.resize(size);
    view.show();
    return QTest::qWaitForWindowExposed(&view);
}

// Sends a press, moves and a release through the view, as a user dragging with the left button.
void drag(TopologyView& view, QPointF sceneFrom, QPointF sceneTo)
{
    QWidget* viewport = view.viewport();
    const QPoint from = view.mapFromScene(sceneFrom);
    const QPoint to = view.mapFromScene(sceneTo);
    QTest::mousePress(viewport, Qt::LeftButton, {}, from);
    for (int step = 1; step <= 4; ++step) {
        const QPoint at = from + (to - from) * step / 4;
        QMouseEvent move(QEvent::MouseMove, at, viewport->mapToGlobal(at), Qt::NoButton, Qt::LeftButton, {});
        QApplication::sendEvent(viewport, &move);
    }
    QTest::mouseRelease(viewport, Qt::LeftButton, {}, to);
}

} // namespace

class TestTopologyScene : public QObject {
    Q_OBJECT

private slots:
    void layoutOfEmptyGraph()
    {
        const LayoutResult result = layoutGraph({}, {});
        QVERIFY2(result.ok, qPrintable(result.error));
        QVERIFY(result.topLeft.isEmpty());
        QVERIFY(result.bounds.isEmpty());
    }

    void layoutOfSingleNode()
    {
        const LayoutResult result = layoutGraph({{QStringLiteral("only"), QSizeF(150, 80), {}, {}}}, {});
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.topLeft.size(), 1);
        const QRectF rect(result.topLeft.value(QStringLiteral("only")), QSizeF(150, 80));
        QVERIFY2(result.bounds.adjusted(-1, -1, 1, 1).contains(rect), "the bounds hold the node");
    }

    void layoutOfNodesWithoutEdgesAndWithPorts()
    {
        const QList<LayoutNode> nodes{
            {QStringLiteral("a"), QSizeF(120, 60), {}, {QStringLiteral("a.o0"), QStringLiteral("a.o1")}},
            {QStringLiteral("b"), QSizeF(120, 60), {QStringLiteral("b.i0")}, {}},
            {QStringLiteral("c"), QSizeF(120, 60), {QStringLiteral("c.i0")}, {}},
            {QStringLiteral("lonely"), QSizeF(90, 40), {}, {}},
        };
        // a.o1 feeds b and a.o0 feeds c: port order, not edge order, decides which one is on top
        const QList<LayoutEdge> edges{
            {QStringLiteral("a"), QStringLiteral("a.o1"), QStringLiteral("b"), QStringLiteral("b.i0")},
            {QStringLiteral("a"), QStringLiteral("a.o0"), QStringLiteral("c"), QStringLiteral("c.i0")},
            {QStringLiteral("a"), QStringLiteral("a.o0"), QStringLiteral("nowhere"), {}}, // ignored
        };
        const LayoutResult result = layoutGraph(nodes, edges);
        QVERIFY2(result.ok, qPrintable(result.error));
        QCOMPARE(result.topLeft.size(), 4);
        for (qsizetype i = 0; i < nodes.size(); ++i)
            for (qsizetype j = i + 1; j < nodes.size(); ++j)
                QVERIFY(!QRectF(result.topLeft[nodes[i].id], nodes[i].size)
                             .intersects(QRectF(result.topLeft[nodes[j].id], nodes[j].size)));
        QVERIFY(result.topLeft[QStringLiteral("a")].x() + 120 < result.topLeft[QStringLiteral("b")].x());
        QVERIFY2(result.topLeft[QStringLiteral("c")].y() < result.topLeft[QStringLiteral("b")].y(),
                 "c, fed by the upper port, is above b");
    }

    void layoutRejectsBadInput()
    {
        LayoutResult result = layoutGraph({{QStringLiteral("a"), QSizeF(0, 10), {}, {}}}, {});
        QVERIFY(!result.ok);
        QVERIFY(!result.error.isEmpty());
        result = layoutGraph(
            {{QStringLiteral("a"), QSizeF(10, 10), {}, {}}, {QStringLiteral("a"), QSizeF(10, 10), {}, {}}}, {});
        QVERIFY(!result.ok);
        QVERIFY(result.error.contains(QStringLiteral("twice")));
    }

    void buildsItemsForATopology()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        QVERIFY2(scene.layoutError().isEmpty(), qPrintable(scene.layoutError()));
        QCOMPARE(scene.nodeCount(), 3);
        QCOMPARE(scene.portCount(), 4);
        QCOMPARE(scene.edgeCount(), 2);
        QCOMPARE(scene.badgeCount(), 2);
        // one badge per allocator, on the output pin that owns it
        QCOMPARE(scene.badge(QStringLiteral("cap/a"))->port()->id(), QStringLiteral("cap/out0"));
        QCOMPARE(scene.badge(QStringLiteral("xf/a"))->port()->id(), QStringLiteral("xf/out0"));
        QCOMPARE(scene.badge(QStringLiteral("cap/a"))->text(), QStringLiteral("2/8"));
        QVERIFY(scene.node(QStringLiteral("xf")));
        QCOMPARE(scene.node(QStringLiteral("xf"))->name(), QStringLiteral("Colour Converter"));

        const EdgeItem* immutable = scene.edge(QStringLiteral("cap/out0"), QStringLiteral("xf/in0"));
        const EdgeItem* disabled = scene.edge(QStringLiteral("xf/out0"), QStringLiteral("ren/in0"));
        QVERIFY(immutable && disabled);
        QVERIFY(immutable->isImmutable() && immutable->isLinkEnabled());
        QVERIFY(immutable->toolTip().contains(QStringLiteral("Immutable")));
        QVERIFY(!disabled->isLinkEnabled() && disabled->isDynamic() && disabled->canToggle());
    }

    void nodesDoNotOverlap()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        QCOMPARE(firstOverlap(nodesOf(scene)), QString());
    }

    void inputsAreLeftOfOutputs()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        for (FilterNodeItem* node : nodesOf(scene)) {
            const QRectF box = node->sceneBoundingRect();
            for (const PortItem* input : node->inputs()) {
                QCOMPARE(input->pos().x(), 0.0); // on the left edge
                for (const PortItem* output : node->outputs())
                    QVERIFY(input->scenePos().x() < output->scenePos().x());
            }
            for (const PortItem* output : node->outputs()) {
                QCOMPARE(output->pos().x(), node->size().width()); // on the right edge
                QVERIFY(output->scenePos().x() > box.center().x());
            }
        }
    }

    void upstreamIsLeftOfDownstream()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        const QRectF capture = scene.node(QStringLiteral("cap"))->sceneBoundingRect();
        const QRectF transform = scene.node(QStringLiteral("xf"))->sceneBoundingRect();
        const QRectF render = scene.node(QStringLiteral("ren"))->sceneBoundingRect();
        QVERIFY(capture.right() < transform.left());
        QVERIFY(transform.right() < render.left());
        // links run from the output's right side to the input's left side
        const EdgeItem* link = scene.edge(QStringLiteral("cap/out0"), QStringLiteral("xf/in0"));
        QVERIFY(link->path().pointAtPercent(0.0).x() >= capture.right() - 2);
        QVERIFY(link->path().pointAtPercent(1.0).x() <= transform.left());
    }

    void liveAllocatorUpdatesTheBadge()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        BadgeItem* badge = scene.badge(QStringLiteral("cap/a"));
        QVERIFY(badge);
        const QPalette palette = scene.palette();
        QCOMPARE(badge->fillColor(), badgeColor(palette));

        scene.setAllocatorLive(QStringLiteral("cap/a"), 3, 8, false);
        QCOMPARE(badge->text(), QStringLiteral("3/8"));
        QCOMPARE(badge->fillColor(), badgeColor(palette));

        scene.setAllocatorLive(QStringLiteral("cap/a"), 8, 8, true);
        QCOMPARE(badge->text(), QStringLiteral("8/8"));
        QVERIFY(badge->isStarving());
        QCOMPARE(badge->fillColor(), warningColor(palette));
        QVERIFY(badge->toolTip().contains(QStringLiteral("cap/a")));
        QVERIFY(badge->toolTip().contains(QStringLiteral("Starving")));

        QVERIFY2(!badge->setValues(8, 8, true), "the same values change nothing");
        scene.setAllocatorLive(QStringLiteral("no/such/allocator"), 1, 2, true); // ignored
        QCOMPARE(scene.badge(QStringLiteral("xf/a"))->text(), QStringLiteral("1/4"));

        // colours follow the scene's palette
        QPalette dark = palette;
        dark.setColor(QPalette::Window, QColor(0x30, 0x30, 0x30));
        dark.setColor(QPalette::WindowText, Qt::white);
        QVERIFY(isDarkPalette(dark));
        scene.setPalette(dark);
        QCOMPARE(badge->fillColor(), warningColor(dark));
        scene.setPalette(palette);

        // a wider text keeps the badge anchored next to the pin name
        const qreal right = badge->sceneBoundingRect().right();
        scene.setAllocatorLive(QStringLiteral("cap/a"), 12, 1000, false);
        QCOMPARE(badge->text(), QStringLiteral("12/1000"));
        QCOMPARE(badge->sceneBoundingRect().right(), right);
    }

    void removedFilterStaysAsGone()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        FilterNodeItem* transform = scene.node(QStringLiteral("xf"));
        const QPointF where = transform->pos();
        const QPointF renderAt = scene.node(QStringLiteral("ren"))->pos();

        scene.setTopology(without(pipeline(), "xf"));
        QCOMPARE(scene.nodeCount(), 3);
        QCOMPARE(scene.node(QStringLiteral("xf")), transform); // the same item, kept in place
        QVERIFY(transform->isGone());
        QCOMPARE(transform->pos(), where);
        QCOMPARE(scene.node(QStringLiteral("ren"))->pos(), renderAt);
        QVERIFY(!scene.node(QStringLiteral("cap"))->isGone());
        QCOMPARE(scene.edgeCount(), 2);
        QVERIFY(scene.edge(QStringLiteral("xf/out0"), QStringLiteral("ren/in0"))->isGone());
        QVERIFY(!scene.edge(QStringLiteral("xf/out0"), QStringLiteral("ren/in0"))->canToggle());
        BadgeItem* badge = scene.badge(QStringLiteral("xf/a"));
        QVERIFY(badge && badge->isGone());
        QCOMPARE(badge->fillColor(), goneColor(scene.palette()));
        QVERIFY(!scene.badge(QStringLiteral("cap/a"))->isGone());

        // still gone after another topology without it; back when it returns
        scene.setTopology(without(pipeline(), "xf"));
        QVERIFY(scene.node(QStringLiteral("xf"))->isGone());
        scene.setTopology(pipeline());
        QCOMPARE(scene.node(QStringLiteral("xf")), transform);
        QVERIFY(!transform->isGone());
        QVERIFY(!badge->isGone());
        QCOMPARE(badge->fillColor(), badgeColor(scene.palette()));

        // the caller decides: mark gone by hand, or drop the node
        scene.setFilterGone(QStringLiteral("cap"), true);
        QVERIFY(scene.node(QStringLiteral("cap"))->isGone());
        QVERIFY(scene.badge(QStringLiteral("cap/a"))->isGone());
        scene.setFilterGone(QStringLiteral("cap"), false);
        QVERIFY(!scene.badge(QStringLiteral("cap/a"))->isGone());

        scene.setTopology(without(pipeline(), "ren"));
        QVERIFY(scene.node(QStringLiteral("ren"))->isGone());
        scene.removeFilter(QStringLiteral("ren"));
        QCOMPARE(scene.nodeCount(), 2);
        QCOMPARE(scene.portCount(), 3);
        QCOMPARE(scene.edgeCount(), 1);
        QVERIFY(!scene.node(QStringLiteral("ren")));
        scene.setTopology(without(pipeline(), "ren"));
        QCOMPARE(scene.nodeCount(), 2);
    }

    void sameStructureUpdatesInPlace()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        FilterNodeItem* capture = scene.node(QStringLiteral("cap"));
        capture->setPos(capture->pos() + QPointF(0, 500)); // would be undone by a relayout
        const QPointF where = capture->pos();
        Topology changed = pipeline();
        changed.connections[1].flags = ConnectionEnabled | ConnectionDynamic;
        scene.setTopology(changed);
        QCOMPARE(scene.node(QStringLiteral("cap")), capture);
        QCOMPARE(capture->pos(), where);
        QVERIFY(scene.edge(QStringLiteral("xf/out0"), QStringLiteral("ren/in0"))->isLinkEnabled());
    }

    void userSelectionIsEmittedButSetSelectedIdsIsNot()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        QSignalSpy spy(&scene, &TopologyScene::selectedIdsChanged);

        TopologyView view(&scene);
        QVERIFY(showAt(view, QSize(900, 500)));
        view.fitToView();
        const FilterNodeItem* transform = scene.node(QStringLiteral("xf"));
        // a click in the node's header, away from its ports
        const QPointF header = transform->mapToScene(QPointF(transform->size().width() / 2, 12));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.mapFromScene(header));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.last().at(0).toStringList(), QStringList{QStringLiteral("xf")});

        const PortItem* port = scene.port(QStringLiteral("xf/in0"));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.mapFromScene(port->scenePos()));
        QCOMPARE(spy.count(), 2);
        QCOMPARE(spy.last().at(0).toStringList(), QStringList{QStringLiteral("xf/in0")});

        const QStringList programmatic{QStringLiteral("cap"), QStringLiteral("cap/a"),
                                       EdgeItem::connectionId(QStringLiteral("cap/out0"), QStringLiteral("xf/in0"))};
        scene.setSelectedIds(programmatic);
        QCOMPARE(spy.count(), 2);
        QCOMPARE(scene.selectedIds().size(), 3);
        QVERIFY(scene.node(QStringLiteral("cap"))->isSelected());
        QVERIFY(scene.badge(QStringLiteral("cap/a"))->isSelected());
        QVERIFY(scene.edge(QStringLiteral("cap/out0"), QStringLiteral("xf/in0"))->isSelected());

        // new topologies keep the selection of what is still there, and say nothing
        scene.setTopology(without(pipeline(), "ren")); // in place
        QCOMPARE(scene.selectedIds(), programmatic);
        Topology relinked = pipeline();
        relinked.connections.pop_back();
        scene.setTopology(relinked); // rebuilt
        QCOMPARE(scene.selectedIds(), programmatic);
        QVERIFY(scene.node(QStringLiteral("cap"))->isSelected());
        scene.setTopology(chains(1, 2)); // the pipeline stays, gone, and so does the selection
        QVERIFY(scene.node(QStringLiteral("cap"))->isGone());
        QCOMPARE(scene.selectedIds(), programmatic);
        scene.removeFilter(QStringLiteral("cap")); // with its badge and link
        QVERIFY(scene.selectedIds().isEmpty());
        QCOMPARE(spy.count(), 2);

        // a click on the background clears the selection
        scene.setTopology(pipeline());
        scene.setSelectedIds({QStringLiteral("ren")});
        const QRectF all = scene.itemsBoundingRect();
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, view.mapFromScene(all.topLeft() - QPointF(10, 10)));
        QCOMPARE(spy.count(), 3);
        QVERIFY(spy.last().at(0).toStringList().isEmpty());
    }

    void userPositionsSurviveANewTopology()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        QSignalSpy spy(&scene, &TopologyScene::userPositionsChanged);
        TopologyView view(&scene);
        QVERIFY(showAt(view, QSize(900, 500)));
        view.resetZoom();
        FilterNodeItem* render = scene.node(QStringLiteral("ren"));
        view.centerOn(render);
        const QPointF laidOut = render->pos();
        const QPointF grab = render->mapToScene(QPointF(render->size().width() / 2, 12));
        drag(view, grab, grab + QPointF(40, 120));
        QCOMPARE(spy.count(), 1);
        QVERIFY(scene.userPositions().contains(QStringLiteral("ren")));
        const QPointF dragged = scene.userPositions().value(QStringLiteral("ren"));
        QCOMPARE(render->pos(), dragged);
        QVERIFY((dragged - laidOut).manhattanLength() > 100);

        // same device set, different links: a new layout, with the dragged node where the user put it
        const QString key = scene.deviceSetKey();
        Topology relinked = pipeline();
        relinked.connections.pop_back();
        scene.setTopology(relinked);
        QCOMPARE(scene.deviceSetKey(), key);
        QCOMPARE(scene.edgeCount(), 1);
        QCOMPARE(scene.node(QStringLiteral("ren"))->pos(), dragged);

        // positions restored from settings are applied too
        const QPointF stored(-300, -200);
        scene.setUserPositions({{QStringLiteral("cap"), stored}});
        QCOMPARE(scene.node(QStringLiteral("cap"))->pos(), stored);
        scene.setTopology(pipeline());
        QCOMPARE(scene.node(QStringLiteral("cap"))->pos(), stored);
        QCOMPARE(spy.count(), 1);

        scene.resetLayout();
        QCOMPARE(spy.count(), 2);
        QVERIFY(scene.userPositions().isEmpty());
        QVERIFY(scene.node(QStringLiteral("cap"))->pos() != stored);
        QCOMPARE(firstOverlap(nodesOf(scene)), QString());
    }

    void deviceSetKeyDependsOnTheFilterIdsOnly()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        const QString key = scene.deviceSetKey();
        QVERIFY(!key.isEmpty());
        Topology reordered = pipeline();
        std::reverse(reordered.filters.begin(), reordered.filters.end());
        reordered.connections.clear();
        TopologyScene other;
        other.setTopology(reordered);
        QCOMPARE(other.deviceSetKey(), key);
        other.setTopology(without(pipeline(), "ren"));
        QVERIFY(other.deviceSetKey() != key);
    }

    void contextMenuTogglesOnlyMutableLinks()
    {
        TopologyScene scene;
        scene.setTopology(pipeline());
        QSignalSpy spy(&scene, &TopologyScene::connectionToggleRequested);

        const EdgeItem* disabled = scene.edge(QStringLiteral("xf/out0"), QStringLiteral("ren/in0"));
        std::unique_ptr<QMenu> menu(scene.createContextMenu(disabled->path().pointAtPercent(0.5)));
        QVERIFY(menu);
        QCOMPARE(menu->actions().size(), 1);
        QCOMPARE(menu->actions().first()->text(), QStringLiteral("Enable link"));
        menu->actions().first()->trigger();
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.last().at(0).toString(), QStringLiteral("xf/out0"));
        QCOMPARE(spy.last().at(1).toString(), QStringLiteral("ren/in0"));
        QCOMPARE(spy.last().at(2).toBool(), true);

        const EdgeItem* immutable = scene.edge(QStringLiteral("cap/out0"), QStringLiteral("xf/in0"));
        QVERIFY(!scene.createContextMenu(immutable->path().pointAtPercent(0.5)));
        const FilterNodeItem* node = scene.node(QStringLiteral("xf"));
        QVERIFY(!scene.createContextMenu(node->sceneBoundingRect().center()));
    }

    void viewZoomsAndFits()
    {
        TopologyScene scene;
        scene.setTopology(chains(100, 5));
        TopologyView view(&scene);
        QVERIFY(showAt(view, QSize(1200, 700)));

        view.fitToView();
        QVERIFY(view.zoom() < 1.0);
        const QRect shown = view.mapFromScene(scene.itemsBoundingRect()).boundingRect();
        QVERIFY2(view.viewport()->rect().contains(shown), "everything is in view");
        // the packed layout uses the width of a screen rather than one tall column
        QVERIFY(view.zoom() > 0.15);

        view.resetZoom();
        QCOMPARE(view.zoom(), 1.0);
        view.zoomIn();
        QCOMPARE(view.zoom(), 1.25);
        view.zoomOut();
        QCOMPARE(view.zoom(), 1.0);

        // the wheel zooms around the cursor, within limits
        const QPoint cursor(300, 200);
        const QPointF under = view.mapToScene(cursor);
        QWheelEvent wheel(cursor, view.viewport()->mapToGlobal(cursor), {}, QPoint(0, 120), Qt::NoButton, {},
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(view.viewport(), &wheel);
        QVERIFY(view.zoom() > 1.0);
        QVERIFY((view.mapToScene(cursor) - under).manhattanLength() < 2.0 / view.zoom());
        for (int i = 0; i < 60; ++i) {
            QWheelEvent in(cursor, view.viewport()->mapToGlobal(cursor), {}, QPoint(0, 120), Qt::NoButton, {},
                           Qt::NoScrollPhase, false);
            QApplication::sendEvent(view.viewport(), &in);
        }
        QCOMPARE(view.zoom(), TopologyView::kMaxZoom);

        // a double-click on the background fits again
        view.resetZoom();
        view.centerOn(scene.itemsBoundingRect().topLeft() - QPointF(100, 100));
        QTest::mouseDClick(view.viewport(), Qt::LeftButton, {}, QPoint(5, 5));
        QVERIFY(view.zoom() < 1.0);
    }

    void singleFilter()
    {
        TopologyScene scene;
        Topology t;
        t.filters.push_back(filter("solo", "Lonely Device", "entity", {}));
        scene.setTopology(t);
        QVERIFY2(scene.layoutError().isEmpty(), qPrintable(scene.layoutError()));
        QCOMPARE(scene.nodeCount(), 1);
        QCOMPARE(scene.portCount(), 0);
        QVERIFY(scene.node(QStringLiteral("solo"))->size().width() > 0);

        scene.setTopology({});
        QCOMPARE(scene.nodeCount(), 1); // kept, gone
        QVERIFY(scene.node(QStringLiteral("solo"))->isGone());
    }

    void fiveHundredFilters()
    {
        const Topology big = chains(100, 5);
        TopologyScene scene;
        QElapsedTimer timer;
        timer.start();
        scene.setTopology(big);
        const qint64 elapsedMs = timer.elapsed();
        qInfo("500 filters: layout and scene build in %lld ms", elapsedMs);
        QVERIFY2(scene.layoutError().isEmpty(), qPrintable(scene.layoutError()));
        QCOMPARE(scene.nodeCount(), 500);
        QCOMPARE(scene.portCount(), 800);
        QCOMPARE(scene.edgeCount(), 400);
        QCOMPARE(scene.badgeCount(), 400);
        QCOMPARE(firstOverlap(nodesOf(scene)), QString());
        for (int c = 0; c < 100; ++c) {
            for (int i = 1; i < 5; ++i) {
                const QString upstream = QStringLiteral("c%1f%2").arg(c).arg(i - 1);
                const QString downstream = QStringLiteral("c%1f%2").arg(c).arg(i);
                QVERIFY2(scene.node(upstream)->sceneBoundingRect().right() <
                             scene.node(downstream)->sceneBoundingRect().left(),
                         qPrintable(upstream));
            }
        }
    }
};

QTEST_MAIN(TestTopologyScene)
#include "tst_topologyscene.moc"
