// SPDX-License-Identifier: GPL-3.0-or-later
// ksscope-gui-bench-graph: what a refresh of the live graph costs with 10 thousand and 10 million
// retained samples per series, against handing QCustomPlot every sample; and a redraw of the frame-timing view with
// 10 thousand and 10 million frames.

#include "frametimingwidget.h"
#include "livegraphwidget.h"
#include "qcustomplot_include.h"
#include "seriessource.h"

#include <QApplication>
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

using namespace ksscope;
using namespace ksscope::ui;

namespace {

constexpr std::int64_t kSamplePeriod_ns = 1'000'000; // 1 kHz sampling
constexpr int kWidth = 1600;
constexpr int kHeight = 900;
constexpr std::size_t kSeries = 8;

std::uint32_t allocatedAt(std::size_t i, std::uint32_t frames)
{
    const std::uint64_t x = (i * 2654435761u) ^ (i >> 7);
    return static_cast<std::uint32_t>(x % (frames + 1u));
}

// Histories of kSeries series with \a samples samples each, built once per size and kept for every case.
HistorySeriesSource& sourceWith(std::size_t samples)
{
    static std::map<std::size_t, std::unique_ptr<HistorySeriesSource>> sources;
    auto& source = sources[samples];
    if (!source) {
        source = std::make_unique<HistorySeriesSource>(kSeries, samples);
        for (std::size_t s = 0; s < kSeries; ++s) {
            const auto frames = static_cast<std::uint32_t>(4 + s);
            for (std::size_t i = 0; i < samples; ++i)
                source->append(s,
                               {static_cast<std::int64_t>(i) * kSamplePeriod_ns, allocatedAt(i + s, frames), frames});
        }
        source->setNow_ns(static_cast<std::int64_t>(samples) * kSamplePeriod_ns);
    }
    return *source;
}

enum class Mode : std::uint8_t {
    Static, // the same samples at every refresh: only the columns of the last second are read again
    Live, // 17 ms of new samples per series before each refresh (1 kHz sampling, 60 refreshes a second)
    Cold, // every column read again at each refresh (the column cache dropped)
};

/// refresh() of a following graph whose window covers every retained sample, then an immediate replot.
void refreshAndReplot(benchmark::State& state, Mode mode)
{
    const auto samples = static_cast<std::size_t>(state.range(0));
    const auto series = static_cast<std::size_t>(state.range(1));
    HistorySeriesSource& source = sourceWith(samples);
    LiveGraphWidget graph;
    graph.resize(kWidth, kHeight);
    graph.show();
    graph.setWindowSeconds(static_cast<double>(samples) * static_cast<double>(kSamplePeriod_ns) / 1e9);
    graph.setSource(&source);
    QList<LiveGraphWidget::SeriesSpec> specs;
    for (std::size_t s = 0; s < series; ++s)
        specs.append({s, QStringLiteral("sim:dev%1/out/allocator").arg(s), QStringLiteral("device %1").arg(s)});
    graph.setSeries(specs);
    graph.plot()->replot(QCustomPlot::rpImmediateRefresh);
    graph.refresh();
    QApplication::processEvents();
    std::size_t next = 0;
    for (auto _ : state) {
        if (mode == Mode::Live) {
            const std::int64_t now_ns = source.now_ns();
            for (std::int64_t t = now_ns; t < now_ns + 17 * kSamplePeriod_ns; t += kSamplePeriod_ns, ++next)
                for (std::size_t s = 0; s < kSeries; ++s) {
                    const auto frames = static_cast<std::uint32_t>(4 + s);
                    source.append(s, {t, allocatedAt(next + s, frames), frames});
                }
            source.setNow_ns(now_ns + 17 * kSamplePeriod_ns);
        }
        if (mode == Mode::Cold)
            graph.setSource(&source); // drops the column cache (and refreshes)
        else
            graph.refresh();
        graph.plot()->replot(QCustomPlot::rpImmediateRefresh);
    }
    state.counters["points"] = graph.pointCount();
    state.counters["columns"] = graph.plot()->axisRect()->width();
    QApplication::processEvents(); // the queued replots
}

void BM_RefreshStatic(benchmark::State& state)
{
    refreshAndReplot(state, Mode::Static);
}
void BM_RefreshLive(benchmark::State& state)
{
    refreshAndReplot(state, Mode::Live);
}
void BM_RefreshCold(benchmark::State& state)
{
    refreshAndReplot(state, Mode::Cold);
}
// 1 series for the comparison with the baseline below, 8 for the intended use
void graphCases(benchmark::internal::Benchmark* bm)
{
    bm->ArgNames({"samples", "series"})
        ->Args({10'000, 1})
        ->Args({10'000'000, 1})
        ->Args({10'000, kSeries})
        ->Args({10'000'000, kSeries})
        ->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_RefreshStatic)->Apply(graphCases)->Args({10'000, 0}); // 0 series: axes, grid and legend alone
BENCHMARK(BM_RefreshLive)->Apply(graphCases);
BENCHMARK(BM_RefreshCold)->Apply(graphCases);

/// refresh() alone, every column read (cold): reading the source and handing the summaries to QCustomPlot.
void BM_RefreshColdWithoutReplot(benchmark::State& state)
{
    const auto samples = static_cast<std::size_t>(state.range(0));
    HistorySeriesSource& source = sourceWith(samples);
    LiveGraphWidget graph;
    graph.resize(kWidth, kHeight);
    graph.show();
    graph.setWindowSeconds(static_cast<double>(samples) * static_cast<double>(kSamplePeriod_ns) / 1e9);
    QList<LiveGraphWidget::SeriesSpec> specs;
    for (std::size_t s = 0; s < kSeries; ++s)
        specs.append({s, QStringLiteral("sim:dev%1/out/allocator").arg(s), QStringLiteral("device %1").arg(s)});
    graph.setSeries(specs);
    graph.setSource(&source);
    graph.plot()->replot(QCustomPlot::rpImmediateRefresh);
    for (auto _ : state)
        graph.setSource(&source);
    state.counters["points"] = graph.pointCount();
    QApplication::processEvents();
}
BENCHMARK(BM_RefreshColdWithoutReplot)
    ->ArgNames({"samples"})
    ->Arg(10'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond);

QCustomPlot* undecimatedPlot(std::size_t series)
{
    auto* plot = new QCustomPlot;
    plot->resize(kWidth, kHeight);
    plot->show();
    for (std::size_t s = 0; s < series; ++s)
        plot->addGraph()->setLineStyle(QCPGraph::lsStepLeft); // adaptive sampling stays on (the default)
    return plot;
}

void handAllSamples(QCustomPlot* plot, const HistorySeriesSource& source, std::size_t series)
{
    for (std::size_t s = 0; s < series; ++s) {
        const SampleHistory& history = source.history(s);
        QVector<QCPGraphData> data(static_cast<qsizetype>(history.size()));
        for (std::size_t i = 0; i < history.size(); ++i) {
            const Sample& sample = history.at(i);
            data[static_cast<qsizetype>(i)] = {static_cast<double>(sample.t_ns) / 1e9,
                                               static_cast<double>(sample.allocated)};
        }
        plot->graph(static_cast<int>(s))->data()->set(data, true);
    }
    plot->xAxis->setRange(0.0, static_cast<double>(source.now_ns()) / 1e9);
    plot->yAxis->setRange(-0.5, 12.5);
}

/// The baseline: every retained sample handed to QCustomPlot (allocated frames only, no capacity line),
/// sorted, then an immediate replot: what a refresh without decimation costs.
void BM_RefreshAllSamples(benchmark::State& state)
{
    const auto samples = static_cast<std::size_t>(state.range(0));
    const auto series = static_cast<std::size_t>(state.range(1));
    const HistorySeriesSource& source = sourceWith(samples);
    std::unique_ptr<QCustomPlot> plot(undecimatedPlot(series));
    for (auto _ : state) {
        handAllSamples(plot.get(), source, series);
        plot->replot(QCustomPlot::rpImmediateRefresh);
    }
    state.counters["points"] = static_cast<double>(samples * series);
}
BENCHMARK(BM_RefreshAllSamples)
    ->ArgNames({"samples", "series"})
    ->Args({10'000'000, 1})
    ->Args({10'000'000, kSeries})
    ->Unit(benchmark::kMillisecond);

/// The baseline's replot alone, the samples already inside QCustomPlot (its own adaptive sampling).
void BM_ReplotAllSamples(benchmark::State& state)
{
    const auto samples = static_cast<std::size_t>(state.range(0));
    const auto series = static_cast<std::size_t>(state.range(1));
    const HistorySeriesSource& source = sourceWith(samples);
    std::unique_ptr<QCustomPlot> plot(undecimatedPlot(series));
    handAllSamples(plot.get(), source, series);
    for (auto _ : state)
        plot->replot(QCustomPlot::rpImmediateRefresh);
    state.counters["points"] = static_cast<double>(samples * series);
}
BENCHMARK(BM_ReplotAllSamples)->ArgNames({"samples", "series"})->Args({10'000'000, 1})->Unit(benchmark::kMillisecond);

/// The frame-timing view of one allocator with N frames (30 fps, every timing seen), all of them in view: each
/// iteration plots the span again from the frames (a zoom: every column read again) and replots at once.
void BM_FrameTimingRedraw(benchmark::State& state)
{
    const auto frames = static_cast<std::size_t>(state.range(0));
    FrameTimingWidget view;
    view.resize(kWidth, 500);
    view.show();
    constexpr std::int64_t kPeriod_ns = 33'333'333;
    std::vector<FrameRecord> batch;
    for (std::size_t i = 0; i < frames;) {
        batch.clear();
        for (std::size_t k = 0; k < 65536 && i < frames; ++k, ++i) {
            FrameRecord f;
            f.sequence = static_cast<std::uint32_t>(i);
            f.done_ns = static_cast<std::int64_t>(i) * kPeriod_ns;
            f.driverOwned_ns = f.done_ns - 2'000'000 - static_cast<std::int64_t>(allocatedAt(i, 1000)) * 10'000;
            f.dequeued_ns = f.done_ns + static_cast<std::int64_t>(allocatedAt(i + 1, 100)) * 10'000;
            f.returned_ns = f.dequeued_ns + 5'000'000 + static_cast<std::int64_t>(allocatedAt(i + 2, 500)) * 10'000;
            f.interval_ns = i == 0 ? -1 : kPeriod_ns + static_cast<std::int64_t>(allocatedAt(i + 3, 200)) * 1000;
            batch.push_back(f);
        }
        view.addFrames(batch, {});
    }
    view.setAllocator(0, QStringLiteral("capture"));
    view.setFollowed(true, {});
    view.refresh();
    QApplication::processEvents();
    auto* timeline = view.findChild<QCustomPlot*>(QStringLiteral("FrameTimingTimeline"));
    const double span_s = static_cast<double>(frames) * static_cast<double>(kPeriod_ns) * 1e-9;
    bool wider = false;
    for (auto _ : state) {
        // every frame in view, the range a little different each time (a zoom): every column read again
        timeline->xAxis->setRange(0.0, span_s * (wider ? 1.001 : 1.0));
        wider = !wider;
        timeline->replot(QCustomPlot::rpImmediateRefresh);
    }
    state.counters["frames"] = static_cast<double>(view.pointCount(FrameTimingWidget::Metric::Hold));
    state.counters["points"] = static_cast<double>(view.plottedPoints(FrameTimingWidget::Metric::Hold));
    QApplication::processEvents();
}
BENCHMARK(BM_FrameTimingRedraw)->ArgNames({"frames"})->Arg(10'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char** argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen"); // before QApplication picks a platform
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
