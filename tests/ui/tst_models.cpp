// SPDX-License-Identifier: GPL-3.0-or-later
#include "devicetreemodel.h"
#include "eventmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

using namespace ksscope;
using namespace ksscope::ui;

namespace {

PinInfo pin(const std::string& filter, const std::string& id, PinDirection direction, const std::string& allocator = {})
{
    PinInfo p;
    p.id = filter + "/" + id;
    p.name = id;
    p.direction = direction;
    p.allocatorId = allocator;
    return p;
}

/// camera -> convert -> render on "sim", plus a v4l2 sensor; convert/out and render/in share one allocator.
Topology sampleTopology()
{
    Topology t;
    FilterInfo camera{"sim:camera", "Camera", "sim", "capture", {}, {}};
    camera.pins.push_back(pin("sim:camera", "out", PinDirection::Output, "sim:camera/out/allocator"));
    FilterInfo convert{"sim:convert", "Converter", "sim", "transform", {}, {}};
    convert.pins.push_back(pin("sim:convert", "in", PinDirection::Input));
    convert.pins.push_back(pin("sim:convert", "out", PinDirection::Output, "sim:convert/out/allocator"));
    FilterInfo render{"sim:render", "Renderer", "sim", "render", {}, {}};
    render.pins.push_back(pin("sim:render", "in", PinDirection::Input, "sim:convert/out/allocator"));
    FilterInfo sensor{"v4l2:sensor", "Sensor A", "v4l2", "entity", {}, {}};
    sensor.pins.push_back(pin("v4l2:sensor", "pad0", PinDirection::Output));
    t.filters = {camera, convert, render, sensor};
    for (const char* id : {"sim:camera/out/allocator", "sim:convert/out/allocator"}) {
        AllocatorInfo a;
        a.id = id;
        a.status.Framing.Frames = 4;
        a.pinIds = {std::string(id).substr(0, std::string(id).rfind('/'))};
        t.allocators.push_back(a);
    }
    t.allocators[1].pinIds.push_back("sim:render/in");
    t.allocators[1].mode = KsAllocatorMode_Kernel;
    t.connections = {{"sim:camera/out", "sim:convert/in", ConnectionEnabled},
                     {"sim:convert/out", "sim:render/in", ConnectionEnabled}};
    return t;
}

int countRows(const QAbstractItemModel& model, const QModelIndex& parent = {})
{
    int n = model.rowCount(parent);
    for (int r = 0; r < model.rowCount(parent); ++r)
        n += countRows(model, model.index(r, 0, parent));
    return n;
}

} // namespace

class TestModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void deviceTreeStructure()
    {
        DeviceTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.setTopology(sampleTopology());
        QVERIFY(inserted.count() > 0);
        QCOMPARE(model.rowCount(), 2); // sim, v4l2
        const QModelIndex sim = model.index(0, 0);
        QCOMPARE(sim.data().toString(), QStringLiteral("sim"));
        QCOMPARE(model.rowCount(sim), 3);
        QCOMPARE(model.index(0, 0, model.index(1, 0)).data().toString(), QStringLiteral("Sensor A"));
        // backends 2 + filters 4 + pins 5 + allocators 3 (the shared one under both of its pins)
        QCOMPARE(countRows(model), 14);
        const QModelIndexList shared = model.indexesForId(QStringLiteral("sim:convert/out/allocator"));
        QCOMPARE(shared.size(), 2);
        for (const QModelIndex& index : shared)
            QCOMPARE(index.data(NodeKindRole).toInt(), static_cast<int>(NodeKind::Allocator));
        const QModelIndex mode = shared.front().siblingAtColumn(DeviceTreeModel::ModeColumn);
        QCOMPARE(mode.data().toString(), QStringLiteral("kernel"));
        QCOMPARE(shared.front().siblingAtColumn(DeviceTreeModel::FramesColumn).data().toUInt(), 4u);

        // the same topology again changes nothing
        inserted.clear();
        model.setTopology(sampleTopology());
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(countRows(model), 14);
    }
    void liveUpdatesOnlyChangedRows()
    {
        DeviceTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTopology(sampleTopology());
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QHash<QString, AllocatorLive> live;
        live.insert(QStringLiteral("sim:camera/out/allocator"), {3, 4, false, false, 30.0});
        model.updateLive(live);
        QCOMPARE(changed.count(), 1);
        const QModelIndex camera = model.indexesForId(QStringLiteral("sim:camera/out/allocator")).front();
        QCOMPARE(camera.siblingAtColumn(DeviceTreeModel::AllocatedColumn).data().toUInt(), 3u);
        QVERIFY(camera.siblingAtColumn(DeviceTreeModel::StateColumn)
                    .data()
                    .toString()
                    .contains(QStringLiteral("30.0 fps")));
        changed.clear();
        model.updateLive(live); // nothing new
        QCOMPARE(changed.count(), 0);
        live[QStringLiteral("sim:convert/out/allocator")] = {4, 4, true, false, 0.0};
        model.updateLive(live);
        QCOMPARE(changed.count(), 2); // the shared allocator shows under two pins
        const QModelIndex convert = model.indexesForId(QStringLiteral("sim:convert/out/allocator")).front();
        QVERIFY(convert.data(StarvingRole).toBool());
        QCOMPARE(convert.siblingAtColumn(DeviceTreeModel::StateColumn).data().toString(), QStringLiteral("starving"));
    }
    void removedDeviceStaysGreyedOut()
    {
        DeviceTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTopology(sampleTopology());
        QHash<QString, AllocatorLive> live;
        live.insert(QStringLiteral("sim:camera/out/allocator"), {2, 4, false, false, 30.0});
        model.updateLive(live);

        Topology without = sampleTopology();
        without.filters.erase(without.filters.begin()); // the camera is unplugged
        without.allocators.erase(without.allocators.begin());
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        model.setTopology(without);
        QCOMPARE(removed.count(), 0); // kept, greyed out
        const QModelIndex camera = model.indexesForId(QStringLiteral("sim:camera")).front();
        QVERIFY(camera.data(GoneRole).toBool());
        QCOMPARE(camera.siblingAtColumn(DeviceTreeModel::StateColumn).data().toString(), QStringLiteral("gone"));
        const QModelIndex allocator = model.indexesForId(QStringLiteral("sim:camera/out/allocator")).front();
        QVERIFY(allocator.data(GoneRole).toBool());
        QCOMPARE(allocator.siblingAtColumn(DeviceTreeModel::AllocatedColumn).data().toUInt(), 2u); // last known
        // live updates no longer change a gone allocator
        live[QStringLiteral("sim:camera/out/allocator")] = {0, 4, false, false, 0.0};
        model.updateLive(live);
        QCOMPARE(allocator.siblingAtColumn(DeviceTreeModel::AllocatedColumn).data().toUInt(), 2u);
        QVERIFY(!model.indexesForId(QStringLiteral("sim:convert")).front().data(GoneRole).toBool());

        // it comes back
        model.setTopology(sampleTopology());
        QVERIFY(!camera.data(GoneRole).toBool());
        QVERIFY(!allocator.data(GoneRole).toBool());
    }
    void changedPinsAreReplaced()
    {
        DeviceTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTopology(sampleTopology());
        Topology changed = sampleTopology();
        changed.filters[3].pins.push_back(pin("v4l2:sensor", "pad1", PinDirection::Output));
        model.setTopology(changed);
        const QModelIndex sensor = model.indexesForId(QStringLiteral("v4l2:sensor")).front();
        QCOMPARE(model.rowCount(sensor), 2);
        QCOMPARE(model.indexesForId(QStringLiteral("v4l2:sensor/pad1")).size(), 1);
    }
    void filterByName()
    {
        DeviceTreeModel model;
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setRecursiveFilteringEnabled(true);
        proxy.setAutoAcceptChildRows(true);
        proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setTopology(sampleTopology());
        proxy.setFilterFixedString(QStringLiteral("renderer"));
        QCOMPARE(proxy.rowCount(), 1); // only the sim backend holds a match
        const QModelIndex sim = proxy.index(0, 0);
        QCOMPARE(proxy.rowCount(sim), 1);
        const QModelIndex render = proxy.index(0, 0, sim);
        QCOMPARE(render.data().toString(), QStringLiteral("Renderer"));
        QCOMPARE(proxy.rowCount(render), 1); // its pin comes along
        proxy.setFilterFixedString(QStringLiteral("sensor"));
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("v4l2"));
        proxy.setFilterFixedString(QStringLiteral("no such device"));
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setFilterFixedString({});
        QCOMPARE(proxy.rowCount(), 2);
    }
    void eventsAppendAndStayBounded()
    {
        EventModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setMaxRows(5);
        model.setTopology(sampleTopology());
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        std::vector<MonitorEvent> events;
        for (int i = 0; i < 3; ++i)
            events.push_back({i * 1'000'000'000LL, EventKind::Starvation, "sim:camera/out/allocator", "no free frame"});
        model.appendEvents(events);
        QCOMPARE(inserted.count(), 1); // one bulk insert
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.index(0, EventModel::DeviceColumn).data().toString(), QStringLiteral("Camera"));
        QCOMPARE(model.index(0, EventModel::AllocatorColumn).data().toString(), QStringLiteral("out/allocator"));
        QCOMPARE(model.index(0, EventModel::KindColumn).data().toString(), QStringLiteral("starvation"));
        QCOMPARE(model.index(2, EventModel::TimeColumn).data().toString(), QStringLiteral("00:02.000"));
        QCOMPARE(model.index(2, 0).data(TimeRole).toLongLong(), 2'000'000'000LL);
        events.clear();
        for (int i = 0; i < 4; ++i)
            events.push_back({(10 + i) * 1'000'000'000LL, EventKind::Removed, "sim:camera", "unplugged"});
        model.appendEvents(events);
        QCOMPARE(model.rowCount(), 5); // the two oldest went
        QCOMPARE(model.index(0, 0).data(TimeRole).toLongLong(), 2'000'000'000LL);
        QCOMPARE(model.index(4, EventModel::DeviceColumn).data().toString(), QStringLiteral("Camera"));
        QCOMPARE(EventModel::formatTime(3'725'123'000'000LL), QStringLiteral("1:02:05.123"));
    }
};

QTEST_MAIN(TestModels)
#include "tst_models.moc"
