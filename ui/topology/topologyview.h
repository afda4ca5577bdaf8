// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The view on the topology canvas: wheel zoom around the cursor, panning by dragging the background (rubber-band
// selection with Shift), fit on double-click, and a scene rect padded so that any node can be brought to the centre.

#include <QGraphicsView>
#include <QMetaObject>

namespace ksscope::ui {

class TopologyView : public QGraphicsView {
    Q_OBJECT

public:
    explicit TopologyView(QWidget* parent = nullptr);
    explicit TopologyView(QGraphicsScene* scene, QWidget* parent = nullptr);

    // Use this one: it also follows the scene's rect (QGraphicsView::setScene is not virtual).
    void setScene(QGraphicsScene* scene);

    [[nodiscard]] qreal zoom() const { return transform().m11(); }
    static constexpr qreal kMinZoom = 0.05;
    static constexpr qreal kMaxZoom = 4.0;

public slots:
    // Shows every item (never magnified beyond 100 %); on an empty scene, resets the zoom.
    void fitToView();
    void zoomIn();
    void zoomOut();
    void resetZoom();

protected:
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    // Scales by \a factor (clamped to the zoom range) keeping \a viewPoint over the same scene point.
    void zoomBy(qreal factor, QPointF viewPoint);
    void updatePaddedSceneRect();

    QMetaObject::Connection m_sceneRectConnection;
};

} // namespace ksscope::ui
