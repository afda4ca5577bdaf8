// SPDX-License-Identifier: GPL-3.0-or-later
// The topology canvas's items: filter nodes, pin ports, allocator badges and connection edges. Over 600 lines because
// they paint and hit-test against each other's geometry (an edge ends at a port, a badge sits on a node).

#include "topologyitems.h"

#include "colors.h"
#include "ids.h"

#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QGuiApplication>
#include <QPainter>
#include <QPainterPathStroker>
#include <QStyleOptionGraphicsItem>

#include <algorithm>
#include <cmath>
#include <utility>

namespace ksscope::ui {
namespace {

constexpr qreal kCornerRadius = 6.0;
constexpr qreal kPadding = 10.0; // left/right inside the node
constexpr qreal kHeaderTop = 7.0;
constexpr qreal kHeaderBottom = 6.0;
constexpr qreal kAccentHeight = 3.0; // strip in the kind's colour on top of the node
constexpr qreal kBottomPadding = 4.0;
constexpr qreal kMinNodeWidth = 140.0;
constexpr qreal kMaxNameWidth = 300.0; // longer names are elided (the tooltip has them whole)
constexpr qreal kMaxPinLabelWidth = 140.0;
constexpr qreal kColumnGap = 18.0; // between the input and output columns
constexpr qreal kPortRadius = 4.5;
constexpr qreal kLabelInset = 10.0; // from the port's centre to its label
constexpr qreal kBadgeGap = 6.0;
constexpr qreal kBadgePadding = 5.0;
constexpr qreal kArrowLength = 7.0;
constexpr qreal kArrowHalfWidth = 3.5;
constexpr qreal kLinkPickWidth = 10.0;
// below this scale small text is unreadable: it is left out, which also keeps a zoomed-out large graph fast to paint
constexpr qreal kSmallTextMinScale = 0.4;
constexpr qreal kNameMinScale = 0.2;

qreal scaleOf(const QPainter* painter, const QStyleOptionGraphicsItem* option)
{
    return option ? QStyleOptionGraphicsItem::levelOfDetailFromTransform(painter->worldTransform()) : 1.0;
}

QPalette paletteOf(const QGraphicsItem* item)
{
    return item->scene() ? item->scene()->palette() : QGuiApplication::palette();
}

QColor mix(const QColor& a, const QColor& b, float amountOfA)
{
    const float t = std::clamp(amountOfA, 0.0F, 1.0F);
    return QColor::fromRgbF(a.redF() * t + b.redF() * (1.0F - t), a.greenF() * t + b.greenF() * (1.0F - t),
                            a.blueF() * t + b.blueF() * (1.0F - t));
}

QColor textOn(const QColor& fill)
{
    // relative luminance decides between black and white text
    const float luminance = 0.2126F * fill.redF() + 0.7152F * fill.greenF() + 0.0722F * fill.blueF();
    return luminance > 0.55F ? QColor(Qt::black) : QColor(Qt::white);
}

QFont smallFont(qreal factor)
{
    QFont font = QGuiApplication::font();
    if (font.pointSizeF() > 0)
        font.setPointSizeF(font.pointSizeF() * factor);
    else
        font.setPixelSize(std::max(1, static_cast<int>(std::lround(font.pixelSize() * factor))));
    return font;
}

QFont pinFont()
{
    return smallFont(0.9);
}

QFont badgeFont()
{
    QFont font = smallFont(0.85);
    font.setBold(true);
    return font;
}

int kindColorIndex(const QString& kind)
{
    if (kind == QLatin1String("capture"))
        return 0;
    if (kind == QLatin1String("transform"))
        return 2;
    if (kind == QLatin1String("render"))
        return 1;
    return 3 + static_cast<int>(qHash(kind) % 6U);
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// FilterNodeItem

FilterNodeItem::FilterNodeItem(QString filterId, QGraphicsItem* parent)
    : QGraphicsItem(parent), m_id(std::move(filterId)), m_nameFont(QGuiApplication::font()), m_kindFont(pinFont())
{
    m_nameFont.setBold(true);
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
    // the box is repainted whenever a badge on it changes: keep its pixels
    setCacheMode(DeviceCoordinateCache);
    updateGeometry();
}

QString FilterNodeItem::kindLine() const
{
    // a remote agent's filter says where it is: the local one of the same name is beside it
    const QString agent = agentOf(m_id);
    return agent.isEmpty() ? m_kind : m_kind + QStringLiteral(" · ") + agent;
}

void FilterNodeItem::setLabels(const QString& name, const QString& kind)
{
    if (name == m_name && kind == m_kind)
        return;
    m_name = name;
    m_kind = kind;
    updateToolTip();
    update();
}

void FilterNodeItem::setDetails(const QStringList& details)
{
    if (details == m_details)
        return;
    m_details = details;
    updateToolTip();
}

void FilterNodeItem::setGone(bool gone)
{
    if (gone == m_gone)
        return;
    m_gone = gone;
    updateToolTip();
    update();
    for (const QList<PortItem*>* ports : {&m_inputs, &m_outputs}) {
        for (PortItem* port : *ports) {
            port->update();
            if (port->badge())
                port->badge()->update();
            for (EdgeItem* edge : port->edges())
                edge->update();
        }
    }
}

PortItem* FilterNodeItem::addPort(const QString& pinId, const QString& name, PinDirection direction,
                                  const QString& toolTip)
{
    auto* port = new PortItem(pinId, name, direction, this);
    port->setToolTip(toolTip);
    (direction == PinDirection::Input ? m_inputs : m_outputs).append(port);
    return port;
}

void FilterNodeItem::updateGeometry()
{
    prepareGeometryChange();
    const QFontMetricsF nameMetrics(m_nameFont);
    const QFontMetricsF kindMetrics(m_kindFont);
    const qreal nameWidth = std::min(nameMetrics.horizontalAdvance(m_name), kMaxNameWidth);
    const qreal kindWidth = kindMetrics.horizontalAdvance(kindLine() + QStringLiteral(" · gone"));
    qreal inputsWidth = 0;
    qreal outputsWidth = 0;
    for (const PortItem* port : std::as_const(m_inputs))
        inputsWidth = std::max(inputsWidth, port->insideWidth());
    for (const PortItem* port : std::as_const(m_outputs))
        outputsWidth = std::max(outputsWidth, port->insideWidth());
    const qreal width = std::ceil(std::max(
        {kMinNodeWidth, nameWidth + 2 * kPadding, kindWidth + 2 * kPadding, inputsWidth + outputsWidth + kColumnGap}));
    m_headerHeight = kAccentHeight + kHeaderTop + nameMetrics.height() + kindMetrics.height() + kHeaderBottom;
    const qreal rowHeight = PortItem::rowHeight();
    const qsizetype rows = std::max(m_inputs.size(), m_outputs.size());
    const qreal height = m_headerHeight + static_cast<qreal>(rows) * rowHeight + (rows > 0 ? kBottomPadding : 0.0);
    m_size = QSizeF(width, std::ceil(height));
    m_elidedName = nameMetrics.elidedText(m_name, Qt::ElideRight, width - 2 * kPadding);

    for (qsizetype i = 0; i < m_inputs.size(); ++i)
        m_inputs[i]->setPos(0.0, m_headerHeight + rowHeight * (static_cast<qreal>(i) + 0.5));
    for (qsizetype i = 0; i < m_outputs.size(); ++i)
        m_outputs[i]->setPos(width, m_headerHeight + rowHeight * (static_cast<qreal>(i) + 0.5));
    for (const QList<PortItem*>* ports : {&m_inputs, &m_outputs})
        for (PortItem* port : *ports)
            port->updateEdges();
    update();
}

QRectF FilterNodeItem::boundingRect() const
{
    return QRectF(QPointF(0, 0), m_size).adjusted(-1.5, -1.5, 1.5, 1.5);
}

QPainterPath FilterNodeItem::shape() const
{
    QPainterPath path;
    path.addRoundedRect(QRectF(QPointF(0, 0), m_size), kCornerRadius, kCornerRadius);
    return path;
}

void FilterNodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* /*widget*/)
{
    const QPalette palette = paletteOf(this);
    const QColor window = palette.color(QPalette::Window);
    const QColor text = m_gone ? goneColor(palette) : palette.color(QPalette::WindowText);
    const QRectF box(QPointF(0, 0), m_size);
    QPainterPath outline;
    outline.addRoundedRect(box, kCornerRadius, kCornerRadius);

    painter->setRenderHint(QPainter::Antialiasing);
    painter->fillPath(outline, window);
    {
        // header band and the accent strip, clipped to the rounded outline
        painter->save();
        painter->setClipPath(outline);
        painter->fillRect(QRectF(0, 0, box.width(), m_headerHeight),
                          mix(palette.color(QPalette::WindowText), window, isDarkPalette(palette) ? 0.10F : 0.05F));
        const QColor accent = m_gone ? goneColor(palette) : seriesColor(kindColorIndex(m_kind), palette);
        painter->fillRect(QRectF(0, 0, box.width(), kAccentHeight), accent);
        painter->restore();
    }

    const qreal scale = scaleOf(painter, option);
    const QRectF nameRect(kPadding, kAccentHeight + kHeaderTop, box.width() - 2 * kPadding,
                          QFontMetricsF(m_nameFont).height());
    if (scale >= kNameMinScale) {
        painter->setPen(text);
        painter->setFont(m_nameFont);
        painter->drawText(nameRect, Qt::AlignLeft | Qt::AlignVCenter, m_elidedName);
    }
    if (scale >= kSmallTextMinScale) {
        const QRectF kindRect(kPadding, nameRect.bottom(), nameRect.width(), QFontMetricsF(m_kindFont).height());
        painter->setPen(m_gone ? text : mix(palette.color(QPalette::WindowText), window, 0.6F));
        painter->setFont(m_kindFont);
        painter->drawText(kindRect, Qt::AlignLeft | Qt::AlignVCenter,
                          m_gone ? kindLine() + QStringLiteral(" · gone") : kindLine());
    }

    QPen border(isSelected() ? palette.color(QPalette::Highlight)
                             : (m_gone ? goneColor(palette) : mix(palette.color(QPalette::WindowText), window, 0.35F)));
    border.setWidthF(isSelected() ? 2.0 : 1.0);
    if (m_gone && !isSelected())
        border.setStyle(Qt::DashLine);
    painter->setPen(border);
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(outline);
}

QVariant FilterNodeItem::itemChange(GraphicsItemChange change, const QVariant& value)
{
    if (change == ItemPositionHasChanged) {
        for (const QList<PortItem*>* ports : {&m_inputs, &m_outputs})
            for (PortItem* port : *ports)
                port->updateEdges();
    }
    return QGraphicsItem::itemChange(change, value);
}

void FilterNodeItem::updateToolTip()
{
    QString tip = QStringLiteral("%1\n%2 (%3)").arg(m_name, m_id, m_kind);
    for (const QString& d : m_details)
        tip += QLatin1Char('\n') + d;
    if (m_gone)
        tip += QStringLiteral("\nGone: the device is no longer present");
    setToolTip(tip);
}

// ---------------------------------------------------------------------------------------------------------------
// PortItem

PortItem::PortItem(QString pinId, const QString& name, PinDirection direction, FilterNodeItem* node)
    : QGraphicsItem(node), m_id(std::move(pinId)), m_name(name), m_direction(direction), m_node(node), m_font(pinFont())
{
    const QFontMetricsF metrics(m_font);
    m_elidedName = metrics.elidedText(name, Qt::ElideRight, kMaxPinLabelWidth);
    m_labelWidth = metrics.horizontalAdvance(m_elidedName);
    setFlag(ItemIsSelectable);
}

PortItem::~PortItem()
{
    for (EdgeItem* edge : std::as_const(m_edges))
        edge->detach(this);
}

qreal PortItem::rowHeight()
{
    return std::max(22.0, std::ceil(QFontMetricsF(badgeFont()).height()) + 8.0);
}

QPointF PortItem::connectionPoint() const
{
    return mapToScene(QPointF(m_direction == PinDirection::Output ? kPortRadius : -kPortRadius, 0.0));
}

qreal PortItem::insideWidth() const
{
    qreal width = kLabelInset + m_labelWidth + 4.0;
    if (m_badge)
        width += kBadgeGap + m_badge->width();
    return width;
}

void PortItem::addEdge(EdgeItem* edge)
{
    m_edges.append(edge);
}

void PortItem::removeEdge(EdgeItem* edge)
{
    m_edges.removeOne(edge);
}

void PortItem::updateEdges()
{
    for (EdgeItem* edge : std::as_const(m_edges))
        edge->updatePath();
}

void PortItem::placeBadge(BadgeItem* badge)
{
    m_badge = badge;
    const qreal offset = kLabelInset + m_labelWidth + kBadgeGap;
    badge->setPos(m_direction == PinDirection::Output ? -offset : offset, 0.0);
}

QRectF PortItem::boundingRect() const
{
    const qreal height = 20.0;
    const qreal inside = kLabelInset + m_labelWidth + 2.0;
    if (m_direction == PinDirection::Input)
        return QRectF(-kPortRadius - 1.5, -height / 2, kPortRadius + 1.5 + inside, height);
    return QRectF(-inside, -height / 2, inside + kPortRadius + 1.5, height);
}

void PortItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* /*widget*/)
{
    const QPalette palette = paletteOf(this);
    const bool gone = isGone();
    const QColor text = gone ? goneColor(palette) : palette.color(QPalette::WindowText);
    painter->setRenderHint(QPainter::Antialiasing);

    QPen pen(isSelected() ? palette.color(QPalette::Highlight) : text);
    pen.setWidthF(1.2);
    painter->setPen(pen);
    painter->setBrush(isSelected() ? palette.color(QPalette::Highlight)
                                   : (m_edges.isEmpty() ? palette.color(QPalette::Base) : text));
    painter->drawEllipse(QPointF(0, 0), kPortRadius, kPortRadius);
    if (scaleOf(painter, option) < kSmallTextMinScale)
        return;

    QFont font = m_font;
    font.setBold(isSelected());
    painter->setFont(font);
    painter->setPen(isSelected() ? palette.color(QPalette::Highlight) : text);
    const qreal height = 20.0;
    if (m_direction == PinDirection::Input) {
        painter->drawText(QRectF(kLabelInset, -height / 2, m_labelWidth + 2.0, height),
                          Qt::AlignLeft | Qt::AlignVCenter, m_elidedName);
    } else {
        painter->drawText(QRectF(-kLabelInset - m_labelWidth - 2.0, -height / 2, m_labelWidth + 2.0, height),
                          Qt::AlignRight | Qt::AlignVCenter, m_elidedName);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// EdgeItem

EdgeItem::EdgeItem(PortItem* from, PortItem* to, std::uint32_t connectionFlags)
    : m_from(from), m_to(to), m_fromPin(from->id()), m_toPin(to->id()), m_flags(connectionFlags)
{
    m_from->addEdge(this);
    m_to->addEdge(this);
    setFlag(ItemIsSelectable);
    setZValue(-1.0); // under the nodes, so that a link never hides a port or a name
    updatePath();
    updateToolTip();
}

EdgeItem::~EdgeItem()
{
    if (m_from)
        m_from->removeEdge(this);
    if (m_to)
        m_to->removeEdge(this);
}

QString EdgeItem::connectionId(const QString& fromPin, const QString& toPin)
{
    return fromPin + QStringLiteral("->") + toPin;
}

void EdgeItem::setConnectionFlags(std::uint32_t flags)
{
    if (flags == m_flags)
        return;
    m_flags = flags;
    updateToolTip();
    update();
}

bool EdgeItem::isGone() const
{
    return !m_from || !m_to || m_from->isGone() || m_to->isGone();
}

void EdgeItem::setRoute(const QPolygonF& route)
{
    // a cubic Bezier chain: the start and three points per segment
    const bool usable = m_from && m_to && route.size() >= 4 && (route.size() - 1) % 3 == 0;
    m_route = usable ? route : QPolygonF();
    if (usable) {
        m_routeFromNode = m_from->node()->pos();
        m_routeToNode = m_to->node()->pos();
    }
    updatePath();
}

void EdgeItem::updatePath()
{
    if (!m_from || !m_to)
        return;
    prepareGeometryChange();
    const QPointF start = m_from->connectionPoint();
    const QPointF tip = m_to->connectionPoint();
    const QPointF end = tip - QPointF(kArrowLength, 0.0);
    if (!m_route.isEmpty() && (m_from->node()->pos() != m_routeFromNode || m_to->node()->pos() != m_routeToNode))
        m_route.clear(); // a node moved away from the layout: the route would cross other things now
    if (m_route.isEmpty()) {
        // horizontal tangents at both ends; a link that runs backwards loops out and back in
        const qreal reach = std::max(40.0, std::abs(end.x() - start.x()) * 0.5);
        m_path = QPainterPath(start);
        m_path.cubicTo(start + QPointF(reach, 0.0), end - QPointF(reach, 0.0), end);
    } else {
        // the route ends where dot put the ports, which is not quite where the node draws them: move each end,
        // with its tangent, onto the port
        QPolygonF points = m_route;
        const qsizetype last = points.size() - 1;
        const QPointF startShift = start - points[0];
        const QPointF endShift = end - points[last];
        points[0] += startShift;
        points[1] += startShift;
        points[last - 1] += endShift;
        points[last] += endShift;
        m_path = QPainterPath(points[0]);
        for (qsizetype k = 1; k + 2 <= last; k += 3)
            m_path.cubicTo(points[k], points[k + 1], points[k + 2]);
    }
    m_arrow = QPainterPath(tip);
    m_arrow.lineTo(end + QPointF(0.0, -kArrowHalfWidth));
    m_arrow.lineTo(end + QPointF(0.0, kArrowHalfWidth));
    m_arrow.closeSubpath();
    m_shape = QPainterPath(); // made on demand: only hit tests need it, and links move with every drag step
}

void EdgeItem::detach(PortItem* port)
{
    if (m_from == port)
        m_from = nullptr;
    if (m_to == port)
        m_to = nullptr;
}

namespace {
constexpr qreal kMarkRadius = 9.0; // the doctor's mark at a link's middle
}

void EdgeItem::setMark(int severity, const QString& text)
{
    if (severity == m_markSeverity && text == m_markText)
        return;
    prepareGeometryChange();
    m_markSeverity = severity;
    m_markText = text;
    updateToolTip();
    update();
}

QRectF EdgeItem::boundingRect() const
{
    QRectF r = m_path.controlPointRect().united(m_arrow.controlPointRect()).adjusted(-3, -3, 3, 3);
    if (m_markSeverity >= 0 && !m_path.isEmpty()) {
        const QPointF mid = m_path.pointAtPercent(0.5);
        r = r.united(
            QRectF(mid.x() - kMarkRadius - 2, mid.y() - kMarkRadius - 2, 2 * kMarkRadius + 4, 2 * kMarkRadius + 4));
    }
    return r;
}

QPainterPath EdgeItem::shape() const
{
    if (m_shape.isEmpty() && !m_path.isEmpty()) {
        QPainterPathStroker stroker;
        stroker.setWidth(kLinkPickWidth);
        m_shape = stroker.createStroke(m_path);
        m_shape.setFillRule(Qt::WindingFill);
        m_shape.addPath(m_arrow);
    }
    return m_shape;
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* /*option*/, QWidget* /*widget*/)
{
    if (m_path.isEmpty())
        return;
    const QPalette palette = paletteOf(this);
    QColor color = palette.color(QPalette::Text);
    qreal width = isImmutable() ? 2.4 : 1.4;
    Qt::PenStyle style = Qt::SolidLine;
    if (isLayerLink()) { // not a link of one graph: the layers' seam, dash-dotted in the link colour
        color = palette.color(QPalette::Link);
        style = Qt::DashDotLine;
        width = 1.8;
    }
    if (isGone()) {
        color = goneColor(palette);
        style = Qt::DotLine;
    } else if (!isLinkEnabled()) {
        color = goneColor(palette);
        style = Qt::DashLine;
    }
    // the doctor's finding: an error in red, a warning in the warning colour
    const QColor markColor = m_markSeverity == 0   ? QColor(0xd3, 0x2f, 0x2f)
                             : m_markSeverity == 1 ? warningColor(palette)
                                                   : palette.color(QPalette::Mid);
    if (m_markSeverity == 0 || m_markSeverity == 1) {
        color = markColor;
        width += 1.2;
    }
    if (isSelected()) {
        color = palette.color(QPalette::Highlight);
        width += 1.0;
    }
    painter->setRenderHint(QPainter::Antialiasing);
    QPen pen(color, width, style, Qt::RoundCap, Qt::RoundJoin);
    painter->setPen(pen);
    painter->setBrush(Qt::NoBrush);
    painter->drawPath(m_path);
    painter->setPen(Qt::NoPen);
    painter->setBrush(color);
    painter->drawPath(m_arrow);
    if (m_markSeverity >= 0) {
        const QPointF mid = m_path.pointAtPercent(0.5);
        const QRectF disc(mid.x() - kMarkRadius, mid.y() - kMarkRadius, 2 * kMarkRadius, 2 * kMarkRadius);
        painter->setPen(QPen(palette.color(QPalette::Base), 1.5));
        painter->setBrush(markColor);
        painter->drawEllipse(disc);
        QFont font = painter->font();
        font.setBold(true);
        font.setPixelSize(13);
        painter->setFont(font);
        painter->setPen(Qt::white);
        painter->drawText(disc, Qt::AlignCenter, m_markSeverity == 2 ? QStringLiteral("i") : QStringLiteral("!"));
    }
}

QVariant EdgeItem::itemChange(GraphicsItemChange change, const QVariant& value)
{
    if (change == ItemSelectedHasChanged)
        setZValue(value.toBool() ? -0.5 : -1.0); // a selected link is drawn over the others
    return QGraphicsItem::itemChange(change, value);
}

void EdgeItem::updateToolTip()
{
    const QString fromName = m_from ? m_from->name() : m_fromPin;
    const QString toName = m_to ? m_to->name() : m_toPin;
    QString tip = QStringLiteral("%1 → %2\n%3 → %4\n").arg(fromName, toName, m_fromPin, m_toPin);
    if (m_flags & ConnectionPipeWireStream) {
        tip += QStringLiteral("PipeWire stream: the daemon's node and the GStreamer element that made it, linked by "
                              "KsScope (not a link of either graph)");
    } else if (isLayerLink()) {
        tip += QStringLiteral("Device node: the kernel queue and the userspace element that streams it, linked by "
                              "KsScope (not a link of either graph)");
    } else {
        tip += isLinkEnabled() ? QStringLiteral("Enabled") : QStringLiteral("Disabled");
        if (isImmutable())
            tip += QStringLiteral("\nImmutable: this link cannot be enabled or disabled");
        else if (isDynamic())
            tip += QStringLiteral("\nDynamic: can be enabled or disabled while streaming");
    }
    if (!m_markText.isEmpty())
        tip += QStringLiteral("\n\n") + m_markText;
    setToolTip(tip);
}

// ---------------------------------------------------------------------------------------------------------------
// BadgeItem

BadgeItem::BadgeItem(QString allocatorId, PortItem* port)
    : QGraphicsItem(port), m_id(std::move(allocatorId)), m_port(port), m_font(badgeFont())
{
    const QFontMetricsF metrics(m_font);
    m_height = std::ceil(metrics.height()) + 2.0;
    // the text is digits and a slash: measure them once, not the text on every live update (shaping is costly)
    for (char digit = '0'; digit <= '9'; ++digit)
        m_digitWidth = std::max(m_digitWidth, metrics.horizontalAdvance(QLatin1Char(digit)));
    m_slashWidth = metrics.horizontalAdvance(QLatin1Char('/'));
    setFlag(ItemIsSelectable);
    setZValue(1.0);
    setValues(0, 0, false);
    updateToolTip();
    port->placeBadge(this);
}

bool BadgeItem::setValues(std::uint32_t allocated, std::uint32_t frames, bool starving)
{
    if (allocated == m_allocated && frames == m_frames && starving == m_starving && !m_text.isEmpty())
        return false;
    const bool starvingChanged = starving != m_starving;
    m_allocated = allocated;
    m_frames = frames;
    m_starving = starving;
    // unsampled: no count of allocated frames is made up
    QString text = (m_unsampledReason.isEmpty() ? QString::number(allocated) : QStringLiteral("-")) + QLatin1Char('/') +
                   QString::number(frames);
    if (text != m_text) {
        const qreal textWidth = m_digitWidth * static_cast<qreal>(text.size() - 1) + m_slashWidth;
        const qreal width = std::max(m_height * 1.6, std::ceil(textWidth) + 2 * kBadgePadding);
        if (width != m_width) {
            prepareGeometryChange();
            m_width = width;
        }
        m_text = std::move(text);
    }
    if (starvingChanged)
        updateToolTip();
    update();
    return true;
}

void BadgeItem::setUnsampled(const QString& reason)
{
    if (reason == m_unsampledReason)
        return;
    m_unsampledReason = reason;
    m_text.clear(); // redrawn with the values it has
    setValues(m_allocated, m_frames, m_starving);
    updateToolTip();
}

void BadgeItem::setGone(bool gone)
{
    if (gone == m_gone)
        return;
    m_gone = gone;
    updateToolTip();
    update();
}

QColor BadgeItem::fillColor() const
{
    const QPalette palette = paletteOf(this);
    if (isGone())
        return goneColor(palette);
    return m_starving ? warningColor(palette) : badgeColor(palette);
}

QRectF BadgeItem::boundingRect() const
{
    // anchored on the side facing the pin name, so that a wider text grows away from it
    const qreal left = m_port->direction() == PinDirection::Output ? -m_width : 0.0;
    return QRectF(left, -m_height / 2, m_width, m_height).adjusted(-1, -1, 1, 1);
}

void BadgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* /*widget*/)
{
    const QPalette palette = paletteOf(this);
    const qreal left = m_port->direction() == PinDirection::Output ? -m_width : 0.0;
    const QRectF pill(left, -m_height / 2, m_width, m_height);
    const QColor fill = fillColor();
    painter->setRenderHint(QPainter::Antialiasing);
    if (isSelected()) {
        QPen pen(palette.color(QPalette::Highlight));
        pen.setWidthF(2.0);
        painter->setPen(pen);
    } else {
        painter->setPen(Qt::NoPen);
    }
    painter->setBrush(fill);
    painter->drawRoundedRect(pill, m_height / 2, m_height / 2);
    if (scaleOf(painter, option) < kSmallTextMinScale)
        return; // the colour still tells normal, starving and gone apart
    painter->setPen(textOn(fill));
    painter->setFont(m_font);
    painter->drawText(pill, Qt::AlignCenter, m_text);
}

void BadgeItem::updateToolTip()
{
    QString tip = QStringLiteral("Allocator %1\nframes allocated / frames").arg(m_id);
    if (!m_unsampledReason.isEmpty())
        tip += QStringLiteral("\nOccupancy not sampled: %1").arg(m_unsampledReason);
    if (m_starving)
        tip += QStringLiteral("\nStarving: no free frame");
    setToolTip(tip);
}

} // namespace ksscope::ui
