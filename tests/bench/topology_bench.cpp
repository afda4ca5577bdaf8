// SPDX-License-Identifier: GPL-3.0-or-later
// ksscope-gui-bench-topology: cost of the topology canvas for 50 and 500 filters (chains of 5): the dot layout
// alone, a full setTopology() (items + layout), an in-place update, and one round of live badge updates.

#include "graphlayout.h"
#include "topologyscene.h"

#include <QApplication>
#include <benchmark/benchmark.h>

#include <string>

using namespace ksscope;
using namespace ksscope::ui;

namespace {

constexpr int kChainLength = 5;

Topology chains(int filterCount)
{
    Topology t;
    for (int c = 0; c < filterCount / kChainLength; ++c) {
        for (int i = 0; i < kChainLength; ++i) {
            const std::string id = "c" + std::to_string(c) + "f" + std::to_string(i);
            FilterInfo filter;
            filter.id = id;
            filter.name = "Filter " + std::to_string(c) + "." + std::to_string(i);
            filter.kind = i == 0 ? "capture" : (i + 1 < kChainLength ? "transform" : "render");
            if (i > 0) {
                PinInfo in;
                in.id = id + "/in";
                in.name = "Input";
                in.direction = PinDirection::Input;
                filter.pins.push_back(in);
                t.connections.push_back(
                    {"c" + std::to_string(c) + "f" + std::to_string(i - 1) + "/out", in.id, ConnectionEnabled});
            }
            if (i + 1 < kChainLength) {
                PinInfo out;
                out.id = id + "/out";
                out.name = "Output";
                out.direction = PinDirection::Output;
                out.allocatorId = id + "/allocator";
                filter.pins.push_back(out);
                AllocatorInfo allocator;
                allocator.id = out.allocatorId;
                allocator.status.Framing.Frames = 4;
                allocator.pinIds.push_back(out.id);
                t.allocators.push_back(allocator);
            }
            t.filters.push_back(std::move(filter));
        }
    }
    return t;
}

void layoutInput(int filterCount, QList<LayoutNode>& nodes, QList<LayoutEdge>& edges)
{
    const Topology t = chains(filterCount);
    for (const FilterInfo& filter : t.filters) {
        LayoutNode node{QString::fromStdString(filter.id), QSizeF(160, 96), {}, {}};
        for (const PinInfo& pin : filter.pins)
            (pin.direction == PinDirection::Input ? node.inputPorts : node.outputPorts)
                .append(QString::fromStdString(pin.id));
        nodes.append(node);
    }
    for (const ConnectionInfo& connection : t.connections) {
        const QString from = QString::fromStdString(connection.from);
        const QString to = QString::fromStdString(connection.to);
        edges.append({from.section(QLatin1Char('/'), 0, 0), from, to.section(QLatin1Char('/'), 0, 0), to});
    }
}

void BM_LayoutGraph(benchmark::State& state)
{
    QList<LayoutNode> nodes;
    QList<LayoutEdge> edges;
    layoutInput(static_cast<int>(state.range(0)), nodes, edges);
    for (auto _ : state) {
        LayoutResult result = layoutGraph(nodes, edges);
        if (!result.ok)
            state.SkipWithError(qPrintable(result.error));
        benchmark::DoNotOptimize(result);
    }
}
BENCHMARK(BM_LayoutGraph)->Arg(50)->Arg(500)->Unit(benchmark::kMillisecond);

// A new scene and its first topology: items, dot layout, scene rect.
void BM_SetTopology(benchmark::State& state)
{
    const Topology topology = chains(static_cast<int>(state.range(0)));
    for (auto _ : state) {
        state.PauseTiming();
        auto scene = std::make_unique<TopologyScene>();
        state.ResumeTiming();
        scene->setTopology(topology);
        benchmark::DoNotOptimize(scene->nodeCount());
        state.PauseTiming();
        scene.reset();
        state.ResumeTiming();
    }
}
BENCHMARK(BM_SetTopology)->Arg(50)->Arg(500)->Unit(benchmark::kMillisecond);

// The same structure again: flags and gone states only, no layout.
void BM_SetTopologyInPlace(benchmark::State& state)
{
    const Topology topology = chains(static_cast<int>(state.range(0)));
    TopologyScene scene;
    scene.setTopology(topology);
    for (auto _ : state)
        scene.setTopology(topology);
}
BENCHMARK(BM_SetTopologyInPlace)->Arg(50)->Arg(500)->Unit(benchmark::kMillisecond);

// One live sample for every allocator, as the window does about 30 times a second.
void BM_SetAllocatorLiveAll(benchmark::State& state)
{
    const Topology topology = chains(static_cast<int>(state.range(0)));
    TopologyScene scene;
    scene.setTopology(topology);
    QStringList ids;
    for (const AllocatorInfo& allocator : topology.allocators)
        ids.append(QString::fromStdString(allocator.id));
    quint32 tick = 0;
    for (auto _ : state) {
        ++tick;
        for (const QString& id : std::as_const(ids))
            scene.setAllocatorLive(id, tick % 5, 4, tick % 7 == 0);
    }
    state.counters["allocators"] = static_cast<double>(ids.size());
}
BENCHMARK(BM_SetAllocatorLiveAll)->Arg(50)->Arg(500)->Unit(benchmark::kMicrosecond);

} // namespace

int main(int argc, char** argv)
{
    // the items need a QApplication (fonts, palette), which needs a platform
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
