// SPDX-License-Identifier: GPL-3.0-or-later
#include "reportpdf.h"

#include "drawingpainter.h"
#include "ksscope/version.h"

#include <QFile>
#include <QFontMetricsF>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>

#include <fstream>
#include <memory>
#include <optional>

namespace ksscope::ui {

namespace {

QString q(const std::string& text)
{
    return QString::fromStdString(text);
}

QString num(double value, int decimals)
{
    return QString::number(value, 'f', decimals);
}

QString secondsText(std::int64_t ns)
{
    return num(static_cast<double>(ns) * 1e-9, 3) + QStringLiteral(" s");
}

/// The page layout: a cursor moving down A4 pages. The same code runs twice, first only to count the pages
/// (no painter), then to paint with "page N of M" in the footers.
class PdfPages {
public:
    PdfPages(QPdfWriter& writer, QPainter* painter, int totalPages, QString footer)
        : m_writer(writer), m_painter(painter), m_total(totalPages), m_footer(std::move(footer))
    {
        const QRectF page = writer.pageLayout().paintRect(QPageLayout::Point);
        m_area = QRectF(0, 0, page.width(), page.height() - 24); // room for the footer
        m_y = m_area.top();
    }

    [[nodiscard]] int pages() const { return m_page; }
    [[nodiscard]] double width() const { return m_area.width(); }

    void finish() { footer(); }

    void space(double points) { m_y += points; }

    /// Starts a new page unless \a height fits on this one.
    void ensure(double height)
    {
        if (m_y + height > m_area.bottom() && m_y > m_area.top())
            newPage();
    }

    void newPage()
    {
        footer();
        if (m_painter)
            m_writer.newPage();
        ++m_page;
        m_y = m_area.top();
    }

    static QFont font(double points, bool bold = false)
    {
        QFont f(QStringLiteral("DejaVu Sans"));
        f.setPointSizeF(points);
        f.setBold(bold);
        return f;
    }

    double measure(const QString& text, const QFont& f, double width) const
    {
        const QFontMetricsF metrics(f, &m_writer);
        return metrics.boundingRect(QRectF(0, 0, width, 1e6), Qt::TextWordWrap, text).height();
    }

    /// A paragraph across the page (or \a width from \a x).
    void text(const QString& text, const QFont& f, const QColor& color = QColor(0x1d, 0x26, 0x30), double x = 0,
              double width = -1)
    {
        if (width < 0)
            width = m_area.width() - x;
        const double h = measure(text, f, width);
        ensure(h);
        if (m_painter) {
            m_painter->setFont(f);
            m_painter->setPen(color);
            m_painter->drawText(QRectF(x, m_y, width, h), Qt::TextWordWrap, text);
        }
        m_y += h;
    }

    void heading(const QString& text, double points)
    {
        ensure(points * 4); // not alone at the bottom of a page
        space(points * 0.8);
        this->text(text, font(points, true));
        if (m_painter) {
            m_painter->setPen(QPen(QColor(0xdf, 0xe7, 0xf1), 1.5));
            m_painter->drawLine(QPointF(0, m_y + 2), QPointF(m_area.width(), m_y + 2));
        }
        space(8);
    }

    /// A picture scaled to the page width (at most \a maxHeight high, at most \a maxScale of its size): vector
    /// paths and text in the PDF.
    void picture(const Drawing& drawing, double maxHeight, double maxScale = 1.0)
    {
        if (drawing.width <= 0 || drawing.height <= 0)
            return;
        double scale = std::min(maxScale, m_area.width() / drawing.width);
        scale = std::min(scale, maxHeight / drawing.height);
        const QSizeF shown(drawing.width * scale, drawing.height * scale);
        ensure(shown.height());
        if (m_painter)
            paintDrawing(*m_painter, drawing, QRectF(QPointF(0, m_y), shown));
        m_y += shown.height();
    }

    struct Column {
        QString title;
        double share; // of the page width
        bool numeric = false;
    };
    /// A table with a header row, repeated on each page it runs over; \a highlight marks rows to tint.
    void table(const std::vector<Column>& columns, const std::vector<QStringList>& rows,
               const std::vector<bool>& highlight = {}, double points = 7.5)
    {
        const QFont body = font(points);
        const QFont head = font(points, true);
        const double pad = 3;
        auto rowHeight = [&](const QStringList& cells, const QFont& f) {
            double h = 0;
            for (std::size_t c = 0; c < columns.size(); ++c)
                h = std::max(
                    h, measure(cells.value(static_cast<qsizetype>(c)), f, columns[c].share * m_area.width() - 2 * pad));
            return h + 2 * pad;
        };
        QStringList titles;
        for (const Column& c : columns)
            titles.append(c.title);
        const double headHeight = rowHeight(titles, head);
        auto drawRow = [&](const QStringList& cells, const QFont& f, double h, const QColor& fill) {
            if (!m_painter)
                return;
            if (fill.isValid())
                m_painter->fillRect(QRectF(0, m_y, m_area.width(), h), fill);
            m_painter->setPen(QPen(QColor(0xe6, 0xeb, 0xf0), 0.6));
            m_painter->drawLine(QPointF(0, m_y + h), QPointF(m_area.width(), m_y + h));
            m_painter->setFont(f);
            m_painter->setPen(QColor(0x1d, 0x26, 0x30));
            double x = 0;
            for (std::size_t c = 0; c < columns.size(); ++c) {
                const double w = columns[c].share * m_area.width();
                m_painter->drawText(QRectF(x + pad, m_y + pad, w - 2 * pad, h - 2 * pad),
                                    Qt::TextWordWrap | (columns[c].numeric ? Qt::AlignRight : Qt::AlignLeft),
                                    cells.value(static_cast<qsizetype>(c)));
                x += w;
            }
        };
        auto header = [&] {
            drawRow(titles, head, headHeight, QColor(0xf3, 0xf6, 0xf9));
            m_y += headHeight;
        };
        ensure(headHeight + (rows.empty() ? 0 : rowHeight(rows.front(), body)));
        header();
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const double h = rowHeight(rows[r], body);
            if (m_y + h > m_area.bottom()) {
                newPage();
                header();
            }
            const bool tint = r < highlight.size() && highlight[r];
            drawRow(rows[r], body, h, tint ? QColor(0xfd, 0xec, 0xea) : QColor());
            m_y += h;
        }
        space(6);
    }

    /// Boxed figures in a row ("8.0 s recorded").
    void cards(const std::vector<std::tuple<QString, QString, bool>>& items)
    {
        const double gap = 6;
        const double w =
            (m_area.width() - gap * static_cast<double>(items.size() - 1)) / static_cast<double>(items.size());
        const double h = 38;
        ensure(h);
        if (m_painter) {
            double x = 0;
            for (const auto& [value, label, bad] : items) {
                m_painter->setPen(QPen(QColor(0xdf, 0xe7, 0xf1), 0.8));
                m_painter->setBrush(Qt::NoBrush);
                m_painter->drawRoundedRect(QRectF(x, m_y, w, h), 3, 3);
                m_painter->setFont(font(12, true));
                m_painter->setPen(bad ? QColor(0xb3, 0x26, 0x1e) : QColor(0x1d, 0x26, 0x30));
                m_painter->drawText(QRectF(x + 6, m_y + 3, w - 12, 18), Qt::AlignLeft | Qt::AlignVCenter, value);
                m_painter->setFont(font(6.5));
                m_painter->setPen(QColor(0x56, 0x60, 0x6b));
                m_painter->drawText(QRectF(x + 6, m_y + 22, w - 12, 12), Qt::AlignLeft | Qt::AlignVCenter, label);
                x += w + gap;
            }
        }
        m_y += h + 8;
    }

private:
    void footer()
    {
        if (!m_painter)
            return;
        const double y = m_area.bottom() + 8;
        m_painter->setPen(QPen(QColor(0xdf, 0xe7, 0xf1), 0.8));
        m_painter->drawLine(QPointF(0, y), QPointF(m_area.width(), y));
        m_painter->setFont(font(7));
        m_painter->setPen(QColor(0x8a, 0x96, 0xa3));
        m_painter->drawText(QRectF(0, y + 3, m_area.width() * 0.8, 12), Qt::AlignLeft, m_footer);
        m_painter->drawText(QRectF(0, y + 3, m_area.width(), 12), Qt::AlignRight,
                            QStringLiteral("page %1 of %2").arg(m_page).arg(m_total));
    }

    QPdfWriter& m_writer;
    QPainter* m_painter;
    int m_total;
    QString m_footer;
    QRectF m_area;
    double m_y = 0;
    int m_page = 1;
};

/// The whole report through \a pages. Returns false when cancelled.
bool layoutReport(const Report& report, PdfPages& pages, const std::function<bool(double)>& progress)
{
    const RecordingInfo& info = report.info;
    const double duration = static_cast<double>(info.duration_ns) * 1e-9;
    QString backends;
    for (const auto& b : info.backends)
        backends += (backends.isEmpty() ? QString() : QStringLiteral(", ")) + q(b);

    pages.text(QStringLiteral("KsScope status report"), PdfPages::font(18, true));
    pages.text(QStringLiteral("%1 on %2, recorded %3 for %4")
                   .arg(backends, info.host.empty() ? QStringLiteral("an unnamed host") : q(info.host),
                        q(info.startedUtc), q(formatDuration(duration))),
               PdfPages::font(9), QColor(0x56, 0x60, 0x6b));
    pages.space(10);
    const auto [starvations, drops, starved] = report.totals();
    pages.cards({{q(formatDuration(duration)), QStringLiteral("recorded"), false},
                 {QString::number(report.allocators.size()), QStringLiteral("allocators"), false},
                 {QString::number(report.samples), QStringLiteral("status samples"), false},
                 {QString::number(starvations), QStringLiteral("starvation episodes"), starvations > 0},
                 {num(starved, 2) + QStringLiteral(" s"), QStringLiteral("time starved"), starved > 0},
                 {QString::number(drops), QStringLiteral("frames dropped"), drops > 0}});

    pages.heading(QStringLiteral("Session"), 12);
    std::vector<QStringList> meta{
        {QStringLiteral("Recording"), q(info.path)},
        {QStringLiteral("Host"),
         q(info.host) + (info.os.empty() ? QString() : QStringLiteral(" (%1)").arg(q(info.os)))},
        {QStringLiteral("Backends"), backends},
        {QStringLiteral("Started"), q(info.startedUtc)},
        {QStringLiteral("Ended"), info.closedCleanly ? q(info.endedUtc)
                                                     : QStringLiteral("not closed: KsScope stopped while recording; "
                                                                      "the recording ends at its last commit")},
        {QStringLiteral("Duration"), q(formatDuration(duration)) + QStringLiteral(" (%1 s)").arg(num(duration, 3))},
        {QStringLiteral("Sampling"),
         num(info.rateHz, 0) + QStringLiteral(" Hz") +
             (info.buffersRecorded ? QStringLiteral(", per-buffer states recorded") : QString())},
        {QStringLiteral("Recorded by"), QStringLiteral("KsScope ") + q(info.ksscopeVersion)},
    };
    if (!info.scenario.empty())
        meta.push_back({QStringLiteral("Scenario"), q(info.scenario)});
    if (!info.command.empty())
        meta.push_back({QStringLiteral("Command"), q(info.command)});
    pages.table({{QStringLiteral("session"), 0.2}, {QString(), 0.8}}, meta);

    pages.heading(QStringLiteral("Topology"), 12);
    pages.picture(topologyDrawing(report.topology), 420, 0.75);
    if (report.snapshots.size() > 1)
        pages.text(QStringLiteral("The topology as last recorded; it changed %1 time(s) during the recording.")
                       .arg(report.snapshots.size() - 1),
                   PdfPages::font(7), QColor(0x56, 0x60, 0x6b));

    pages.heading(QStringLiteral("Allocators"), 12);
    std::vector<QStringList> rows;
    std::vector<bool> starvedRows;
    for (const AllocatorReport& a : report.allocators) {
        const auto& f = a.info.status.Framing;
        rows.push_back({q(a.id) + (a.stats.gone ? QStringLiteral(" (gone)") : QString()),
                        q(std::string(allocatorModeName(a.info.mode))),
                        QStringLiteral("%1 × %2").arg(f.Frames).arg(q(formatBytes(f.FrameSize))),
                        num(a.stats.meanAllocated, 2), num(a.p50, 0), num(a.p90, 0), num(a.p99, 0),
                        QString::number(a.stats.maxAllocated), QString::number(a.stats.starvationCount),
                        num(a.stats.starvedMs * 1e-3, 3) + QStringLiteral(" s"), QString::number(a.stats.drops),
                        num(a.stats.framesPerSecond, 2)});
        starvedRows.push_back(a.stats.starvationCount > 0);
    }
    pages.table({{QStringLiteral("allocator"), 0.27},
                 {QStringLiteral("mode"), 0.07},
                 {QStringLiteral("frames × size"), 0.11, true},
                 {QStringLiteral("mean"), 0.06, true},
                 {QStringLiteral("p50"), 0.05, true},
                 {QStringLiteral("p90"), 0.05, true},
                 {QStringLiteral("p99"), 0.05, true},
                 {QStringLiteral("max"), 0.05, true},
                 {QStringLiteral("starv."), 0.07, true},
                 {QStringLiteral("starved"), 0.09, true},
                 {QStringLiteral("drops"), 0.06, true},
                 {QStringLiteral("fps"), 0.07, true}},
                rows, starvedRows);
    pages.text(QStringLiteral("Occupancy is the number of frames allocated (KSSTREAMALLOCATOR_STATUS.AllocatedFrames) "
                              "per sample; p50/p90/p99 are percentiles over the samples. An allocator starves when it "
                              "has had no free frame for two frame periods or more."),
               PdfPages::font(7), QColor(0x56, 0x60, 0x6b));

    for (std::size_t i = 0; i < report.allocators.size(); ++i) {
        const AllocatorReport& a = report.allocators[i];
        if (progress && !progress(0.2 + 0.7 * static_cast<double>(i) / static_cast<double>(report.allocators.size())))
            return false;
        const auto& f = a.info.status.Framing;
        const auto& p = a.info.properties;
        pages.ensure(260);
        pages.heading(q(a.id), 10.5);
        pages.text(q(a.filterName) + (a.pinName.empty() ? QString() : QStringLiteral(" · pin ") + q(a.pinName)) +
                       (a.format.empty() ? QString() : QStringLiteral(" · ") + q(a.format)),
                   PdfPages::font(8), QColor(0x56, 0x60, 0x6b));
        pages.space(4);
        pages.picture(occupancyDrawing(a, report.info.duration_ns, 1000, 170), 150);
        pages.text(QStringLiteral("blue band: min–max frames allocated · dark line: mean · dashed: frames · red: "
                                  "starving"),
                   PdfPages::font(6.5), QColor(0x56, 0x60, 0x6b));
        pages.space(4);
        pages.table({{QStringLiteral("framing"), 0.28},
                     {QStringLiteral("properties"), 0.18},
                     {QStringLiteral("occupancy"), 0.27},
                     {QStringLiteral("flow"), 0.27}},
                    {{QStringLiteral("%1 frames × %2 bytes\nalignment %3, %4 pool\nflags %5\n%6, %7 mode")
                          .arg(f.Frames)
                          .arg(f.FrameSize)
                          .arg(f.FileAlignment + 1)
                          .arg(f.PoolType == 1 ? QStringLiteral("paged") : QStringLiteral("non-paged"),
                               q(framingFlagsToString(f.OptionsFlags)), q(guidName(a.info.memoryType)),
                               q(std::string(allocatorModeName(a.info.mode)))),
                      QStringLiteral("cBuffers %1\ncbBuffer %2\ncbAlign %3\ncbPrefix %4")
                          .arg(p.cBuffers)
                          .arg(p.cbBuffer)
                          .arg(p.cbAlign)
                          .arg(p.cbPrefix),
                      QStringLiteral("min %1, mean %2, max %3\np50 %4, p90 %5, p99 %6\n%7 samples")
                          .arg(a.stats.minAllocated)
                          .arg(num(a.stats.meanAllocated, 2))
                          .arg(a.stats.maxAllocated)
                          .arg(num(a.p50, 0), num(a.p90, 0), num(a.p99, 0))
                          .arg(a.stats.samples),
                      QStringLiteral("%1 frames/s, %2 delivered\n%3 dropped\nstarved %4 s in %5 episode(s)")
                          .arg(num(a.stats.framesPerSecond, 2))
                          .arg(a.stats.delivered)
                          .arg(a.stats.drops)
                          .arg(num(a.stats.starvedMs * 1e-3, 3))
                          .arg(a.stats.starvationCount)}});
        if (a.framesFollowed()) {
            const FrameStats& fs = a.frames;
            pages.text(QStringLiteral("Every frame followed: %1 frames, %2 dropped%3, %4 marked bad.")
                           .arg(fs.frames)
                           .arg(fs.dropped)
                           .arg(a.drops.empty()
                                    ? QString()
                                    : QStringLiteral(" (sequence numbers %1)").arg(q(droppedRangesText(a.drops, 30))))
                           .arg(fs.errors),
                       PdfPages::font(8));
            pages.space(3);
            const auto ms = [](double ns) {
                return ns < 0 ? QStringLiteral("–") : num(ns * 1e-6, 3) + QStringLiteral(" ms");
            };
            std::vector<QStringList> frameRows;
            for (const FrameTiming& timing : kFrameTimings) {
                const DurationHistogram* d = &(fs.*timing.histogram);
                frameRows.push_back(
                    {QString::fromUtf8(timing.name), QString::number(d->count()), ms(static_cast<double>(d->min_ns())),
                     ms(static_cast<double>(d->percentile_ns(0.5))), ms(static_cast<double>(d->percentile_ns(0.9))),
                     ms(static_cast<double>(d->percentile_ns(0.99))), ms(static_cast<double>(d->max_ns())),
                     ms(d->count() ? d->mean_ns() : -1.0)});
            }
            pages.table({{QStringLiteral("per frame"), 0.24},
                         {QStringLiteral("frames"), 0.10, true},
                         {QStringLiteral("min"), 0.11, true},
                         {QStringLiteral("p50"), 0.11, true},
                         {QStringLiteral("p90"), 0.11, true},
                         {QStringLiteral("p99"), 0.11, true},
                         {QStringLiteral("max"), 0.11, true},
                         {QStringLiteral("mean"), 0.11, true}},
                        frameRows);
            QStringList spans;
            for (const FrameTiming& timing : kFrameTimings)
                spans.append(
                    QStringLiteral("%1: %2").arg(QString::fromUtf8(timing.name), QString::fromUtf8(timing.span)));
            pages.text(spans.join(QStringLiteral(" · ")), PdfPages::font(6.5), QColor(0x56, 0x60, 0x6b));
            pages.space(3);
            pages.picture(frameTimingDrawing(fs, 1000, 160), 140);
            pages.space(4);
        }
        if (!a.episodes.empty()) {
            std::vector<QStringList> episodes;
            constexpr std::size_t kMax = 12;
            for (std::size_t e = 0; e < a.episodes.size() && e < kMax; ++e) {
                const StarvationInterval& ep = a.episodes[e];
                const std::int64_t end = ep.end_ns < 0 ? a.last_ns : ep.end_ns;
                episodes.push_back(
                    {QStringLiteral("#%1").arg(e + 1), secondsText(ep.begin_ns),
                     ep.end_ns < 0 ? QStringLiteral("still starving at the end") : secondsText(ep.end_ns),
                     num(static_cast<double>(end - ep.begin_ns) * 1e-6, 1) + QStringLiteral(" ms")});
            }
            pages.table({{QStringLiteral("starvation episode"), 0.25},
                         {QStringLiteral("from"), 0.25, true},
                         {QStringLiteral("to"), 0.25, true},
                         {QStringLiteral("lasted"), 0.25, true}},
                        episodes);
            if (a.episodes.size() > kMax)
                pages.text(
                    QStringLiteral("%1 more episodes are in the JSON and HTML reports.").arg(a.episodes.size() - kMax),
                    PdfPages::font(7), QColor(0x56, 0x60, 0x6b));
        }
    }

    pages.heading(QStringLiteral("Events"), 12);
    constexpr std::size_t kMaxEvents = 400;
    if (report.events.empty()) {
        pages.text(QStringLiteral("No events were recorded."), PdfPages::font(8), QColor(0x56, 0x60, 0x6b));
    } else {
        std::vector<QStringList> events;
        std::vector<bool> bad;
        for (std::size_t i = 0; i < report.events.size() && i < kMaxEvents; ++i) {
            const MonitorEvent& e = report.events[i];
            events.push_back({secondsText(e.t_ns), q(std::string(eventKindName(e.kind))), q(e.id), q(e.message)});
            bad.push_back(e.kind == EventKind::Starvation || e.kind == EventKind::Error ||
                          e.kind == EventKind::Removed);
        }
        pages.table({{QStringLiteral("time"), 0.1, true},
                     {QStringLiteral("kind"), 0.1},
                     {QStringLiteral("id"), 0.3},
                     {QStringLiteral("message"), 0.5}},
                    events, bad, 7);
        if (report.events.size() > kMaxEvents)
            pages.text(QStringLiteral("The first %1 of %2 events; all of them are in the JSON and HTML reports.")
                           .arg(kMaxEvents)
                           .arg(report.events.size()),
                       PdfPages::font(7), QColor(0x56, 0x60, 0x6b));
    }
    if (!report.edits.empty()) {
        pages.heading(QStringLiteral("Edits"), 12);
        std::vector<QStringList> edits;
        for (const RecordedEdit& e : report.edits)
            edits.push_back({secondsText(e.t_ns), q(e.allocatorId), q(e.kind), q(e.requested), q(e.actual),
                             e.applied ? QStringLiteral("applied") : QStringLiteral("refused: ") + q(e.message)});
        pages.table({{QStringLiteral("time"), 0.1, true},
                     {QStringLiteral("allocator, pin or filter"), 0.22},
                     {QStringLiteral("kind"), 0.1},
                     {QStringLiteral("requested"), 0.2},
                     {QStringLiteral("actual"), 0.2},
                     {QStringLiteral("result"), 0.18}},
                    edits, {}, 7);
    }
    pages.space(12);
    pages.text(QStringLiteral("Generated %1 by KsScope %2 from %3.")
                   .arg(q(report.generatedUtc), QStringLiteral(KSSCOPE_VERSION_FULL), q(info.path)),
               PdfPages::font(7), QColor(0x8a, 0x96, 0xa3));
    return true;
}

} // namespace

Status writeReportPdf(const Report& report, const QString& path, const std::function<bool(double)>& progress)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {hresultFromWin32(kErrorAccessDenied),
                "cannot write " + path.toStdString() + ": " + file.errorString().toStdString()};
    QPdfWriter writer(&file);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setPageMargins(QMarginsF(36, 36, 36, 30), QPageLayout::Point);
    writer.setResolution(72); // painter units are points
    writer.setTitle(QStringLiteral("KsScope status report"));
    writer.setCreator(QStringLiteral("KsScope ") + QStringLiteral(KSSCOPE_VERSION_FULL));
    const QString footer =
        QStringLiteral("KsScope status report · %1 · %2").arg(q(report.info.host), q(report.info.startedUtc));
    int total = 0;
    {
        PdfPages dry(writer, nullptr, 0, footer); // counts the pages
        if (!layoutReport(report, dry, {}))
            return {E_ABORT, "the export was cancelled"};
        total = dry.pages();
    }
    QPainter painter;
    if (!painter.begin(&writer))
        return {E_FAIL, "cannot draw the PDF " + path.toStdString()};
    painter.setRenderHint(QPainter::Antialiasing);
    PdfPages pages(writer, &painter, total, footer);
    const bool done = layoutReport(report, pages, progress);
    pages.finish();
    painter.end();
    if (!done) {
        file.cancelWriting();
        return {E_ABORT, "the export was cancelled"};
    }
    if (!file.commit())
        return {hresultFromWin32(kErrorAccessDenied),
                "cannot write " + path.toStdString() + ": " + file.errorString().toStdString()};
    if (progress)
        progress(1.0);
    return Status::ok();
}

Status exportReport(const QString& recordingPath, const QString& format, const QString& outputPath,
                    const std::function<bool(double)>& progress)
{
    Status status;
    auto recording = Recording::open(recordingPath.toStdString(), status);
    if (!recording)
        return status;
    if (format == QLatin1String("csv")) {
        std::ofstream out(outputPath.toStdString(), std::ios::binary | std::ios::trunc);
        if (!out)
            return {hresultFromWin32(kErrorAccessDenied), "cannot write " + outputPath.toStdString()};
        return writeSamplesCsv(*recording, out, progress);
    }
    Report report;
    ReportOptions options;
    if (progress)
        options.progress = [&](double share) { return progress(share * (format == QLatin1String("pdf") ? 0.2 : 0.9)); };
    if (Status s = buildReport(*recording, options, report); !s)
        return s;
    if (format == QLatin1String("pdf"))
        return writeReportPdf(report, outputPath,
                              progress ? std::function<bool(double)>([&](double share) { return progress(share); })
                                       : std::function<bool(double)>());
    const std::string text = format == QLatin1String("json") ? reportToJson(report) + "\n" : reportToHtml(report);
    QSaveFile file(outputPath);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()) || !file.commit())
        return {hresultFromWin32(kErrorAccessDenied),
                "cannot write " + outputPath.toStdString() + ": " + file.errorString().toStdString()};
    if (progress)
        progress(1.0);
    return Status::ok();
}

} // namespace ksscope::ui
