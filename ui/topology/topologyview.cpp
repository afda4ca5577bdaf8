// SPDX-License-Identifier: GPL-3.0-or-later
#include "topologyview.h"

#include <QMouseEvent>
#include <QScrollBar>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace ksscope::ui {
namespace {

constexpr qreal kZoomStep = 1.25; // zoomIn()/zoomOut()
constexpr qreal kWheelStepPerNotch = 1.15; // one wheel notch is 120 eighths of a degree
constexpr qreal kFitMargin = 24.0; // view pixels around the items on fitToView()

} // namespace

TopologyView::TopologyView(QWidget* parent) : TopologyView(nullptr, parent) { }

TopologyView::TopologyView(QGraphicsScene* scene, QWidget* parent) : QGraphicsView(parent)
{
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    // zoom anchoring is done by zoomBy(), so that it does not depend on the last mouse move the view saw
    setTransformationAnchor(NoAnchor);
    setResizeAnchor(AnchorViewCenter);
    setViewportUpdateMode(SmartViewportUpdate);
    setDragMode(NoDrag);
    setRubberBandSelectionMode(Qt::IntersectsItemShape);
    setScene(scene);
}

void TopologyView::setScene(QGraphicsScene* scene)
{
    disconnect(m_sceneRectConnection);
    QGraphicsView::setScene(scene);
    if (scene)
        m_sceneRectConnection =
            connect(scene, &QGraphicsScene::sceneRectChanged, this, &TopologyView::updatePaddedSceneRect);
    updatePaddedSceneRect();
}

void TopologyView::updatePaddedSceneRect()
{
    if (!scene())
        return;
    const QRectF content = scene()->sceneRect();
    // half a viewport of room on every side, so that a node at the border can still be centred
    const qreal padX = viewport()->width() * 0.5 / zoom();
    const qreal padY = viewport()->height() * 0.5 / zoom();
    setSceneRect(content.adjusted(-padX, -padY, padX, padY));
}

void TopologyView::zoomBy(qreal factor, QPointF viewPoint)
{
    const qreal target = std::clamp(zoom() * factor, kMinZoom, kMaxZoom);
    if (qFuzzyCompare(target, zoom()))
        return;
    const QPointF anchor = mapToScene(viewPoint.toPoint());
    setTransform(QTransform::fromScale(target, target));
    updatePaddedSceneRect();
    // scroll so that the anchor is under viewPoint again
    const QPointF moved = mapFromScene(anchor) - viewPoint;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() + static_cast<int>(std::lround(moved.x())));
    verticalScrollBar()->setValue(verticalScrollBar()->value() + static_cast<int>(std::lround(moved.y())));
}

void TopologyView::fitToView()
{
    if (!scene())
        return;
    const QRectF items = scene()->itemsBoundingRect();
    if (items.isEmpty()) {
        resetZoom();
        return;
    }
    const QRectF room = QRectF(viewport()->rect()).adjusted(kFitMargin, kFitMargin, -kFitMargin, -kFitMargin);
    const qreal fit = std::min(room.width() / items.width(), room.height() / items.height());
    const qreal target = std::clamp(fit, kMinZoom, 1.0);
    setTransform(QTransform::fromScale(target, target));
    updatePaddedSceneRect();
    centerOn(items.center());
}

void TopologyView::zoomIn()
{
    zoomBy(kZoomStep, QRectF(viewport()->rect()).center());
}

void TopologyView::zoomOut()
{
    zoomBy(1.0 / kZoomStep, QRectF(viewport()->rect()).center());
}

void TopologyView::resetZoom()
{
    const QPointF centre = mapToScene(viewport()->rect().center());
    setTransform(QTransform());
    updatePaddedSceneRect();
    centerOn(centre);
}

void TopologyView::wheelEvent(QWheelEvent* event)
{
    const int delta = event->angleDelta().y();
    if (delta == 0) {
        QGraphicsView::wheelEvent(event); // horizontal wheels scroll
        return;
    }
    zoomBy(std::pow(kWheelStepPerNotch, delta / 120.0), event->position());
    event->accept();
}

void TopologyView::mousePressEvent(QMouseEvent* event)
{
    // the background pans, or selects with a rubber band when Shift is held; items keep their own behaviour
    if (event->button() == Qt::LeftButton && !itemAt(event->position().toPoint()))
        setDragMode(event->modifiers().testFlag(Qt::ShiftModifier) ? RubberBandDrag : ScrollHandDrag);
    QGraphicsView::mousePressEvent(event);
}

void TopologyView::mouseReleaseEvent(QMouseEvent* event)
{
    QGraphicsView::mouseReleaseEvent(event);
    if (event->button() == Qt::LeftButton)
        setDragMode(NoDrag);
}

void TopologyView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (event->button() == Qt::LeftButton && !itemAt(event->position().toPoint())) {
        fitToView();
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void TopologyView::resizeEvent(QResizeEvent* event)
{
    QGraphicsView::resizeEvent(event);
    updatePaddedSceneRect();
}

} // namespace ksscope::ui
