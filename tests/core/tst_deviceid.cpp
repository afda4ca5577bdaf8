// SPDX-License-Identifier: GPL-3.0-or-later
// Device ids: parsing, formatting, relayed ids, filters of pins and the allocators an id names.

#include "ksscope/device_id.h"

#include <QTest>

using namespace ksscope;

class TstDeviceId : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parse()
    {
        const auto id = DeviceId::parse("sim:avshws/pin0/allocator");
        QVERIFY(id);
        QCOMPARE(id->backend(), std::string("sim"));
        QCOMPARE(id->path(), std::string("avshws/pin0/allocator"));
        QCOMPARE(id->toString(), std::string("sim:avshws/pin0/allocator"));
        QVERIFY(id->address().empty());
        QCOMPARE(id->localPath(), std::string_view("avshws/pin0/allocator"));
        QVERIFY(!DeviceId::parse("avshws/pin0"));
        QVERIFY(!DeviceId::parse(":avshws"));
        QVERIFY(!DeviceId::parse("sim:"));
        QCOMPARE(DeviceId::format("v4l2", "vimc.platform_vimc/Sensor_A"),
                 std::string("v4l2:vimc.platform_vimc/Sensor_A"));
    }
    void relayed()
    {
        const auto id = DeviceId::parse("agent@127.0.0.1:9464:sim:avshws/pin0/allocator");
        QVERIFY(id);
        QCOMPARE(id->backend(), std::string("agent@127.0.0.1:9464"));
        QCOMPARE(id->path(), std::string("sim:avshws/pin0/allocator"));
        QCOMPARE(id->address(), std::string_view("127.0.0.1:9464"));
        QCOMPARE(id->localPath(), std::string_view("avshws/pin0/allocator"));
        const auto v6 = DeviceId::parse("agent@[::1]:9464:v4l2:vivid.platform/vivid-000/allocator");
        QVERIFY(v6);
        QCOMPARE(v6->backend(), std::string("agent@[::1]:9464"));
        QCOMPARE(v6->address(), std::string_view("[::1]:9464"));
        QCOMPARE(v6->localPath(), std::string_view("vivid.platform/vivid-000/allocator"));
        // relayed twice
        const auto twice = DeviceId::parse("agent@a:1:agent@b:2:sim:f/p");
        QVERIFY(twice);
        QCOMPARE(twice->backend(), std::string("agent@a:1"));
        QCOMPARE(twice->localPath(), std::string_view("f/p"));
        QVERIFY(!DeviceId::parse("agent@[::1:9464:sim:f")); // unclosed bracket
        QCOMPARE(backendOf("agent@h:80:sim:f"), std::string_view("agent@h:80"));
        QCOMPARE(backendOf("nothing"), std::string_view());
    }
    void within()
    {
        QVERIFY(isWithin("sim:f/p0/allocator", "sim:f"));
        QVERIFY(isWithin("sim:f/p0", "sim:f/p0"));
        QVERIFY(!isWithin("sim:f2/p0", "sim:f"));
        QVERIFY(!isWithin("sim:f", "sim:f/p0"));
        QVERIFY(!isWithin("sim:f", ""));
        QCOMPARE(filterOfPin("v4l2:vimc.platform/Sensor_A/pad0"), std::string_view("v4l2:vimc.platform/Sensor_A"));
    }
    void allocatorsOfIds()
    {
        Topology t;
        FilterInfo capture{"sim:cap", "Capture", "sim", "capture", {}, {}};
        capture.pins.push_back({"sim:cap/out", "out", PinDirection::Output, {}, {}, "sim:cap/out/allocator"});
        FilterInfo render{"sim:ren", "Render", "sim", "render", {}, {}};
        render.pins.push_back({"sim:ren/in", "in", PinDirection::Input, {}, {}, ""});
        render.pins.push_back({"sim:ren/out", "out", PinDirection::Output, {}, {}, "sim:ren/out/allocator"});
        t.filters = {capture, render};
        AllocatorInfo a;
        a.id = "sim:cap/out/allocator";
        a.pinIds = {"sim:cap/out", "sim:ren/in"};
        AllocatorInfo b;
        b.id = "sim:ren/out/allocator";
        b.pinIds = {"sim:ren/out"};
        t.allocators = {a, b};
        QCOMPARE(allocatorsOf(t, "sim:cap/out/allocator"), std::vector<std::string>{"sim:cap/out/allocator"});
        QCOMPARE(allocatorsOf(t, "sim:cap/out"), std::vector<std::string>{"sim:cap/out/allocator"});
        QCOMPARE(allocatorsOf(t, "sim:cap"), std::vector<std::string>{"sim:cap/out/allocator"});
        // the render filter: its own allocator, then the one it shares through its input pin
        QCOMPARE(allocatorsOf(t, "sim:ren"),
                 (std::vector<std::string>{"sim:ren/out/allocator", "sim:cap/out/allocator"}));
        QVERIFY(allocatorsOf(t, "sim:ren/in").empty()); // the pin itself names no allocator
        QVERIFY(allocatorsOf(t, "sim:nothing").empty());
        QCOMPARE(a.filterId(), std::string("sim:cap"));
    }
};

QTEST_GUILESS_MAIN(TstDeviceId)
#include "tst_deviceid.moc"
