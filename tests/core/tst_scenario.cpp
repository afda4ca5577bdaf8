// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/scenario.h"

#include <QTest>

using namespace ksscope;

namespace {

const Scenario* ok(const ScenarioResult& r)
{
    if (const auto* e = std::get_if<ScenarioError>(&r)) {
        qWarning("unexpected error: %s", e->toString().c_str());
        return nullptr;
    }
    return &std::get<Scenario>(r);
}

const char* const kMinimal = R"({
  "ksscopeScenario": 1,
  "name": "t",
  "filters": [
    {
      "id": "cap",
      "kind": "capture",
      "pins": [
        {
          "id": "out",
          "direction": "out",
          "format": { "type": "video", "subtype": "YUY2", "width": 320, "height": 240, "bitCount": 16, "fps": 30 },
          "framing": { "frames": 2 }
        }
      ]
    }
  ]
}
)";

} // namespace

class TestScenario : public QObject {
    Q_OBJECT
private slots:
    void embeddedDefaultIsValid()
    {
        const auto r = parseScenario(defaultScenarioText(), "<embedded default>");
        const Scenario* s = ok(r);
        QVERIFY(s);
        QCOMPARE(s->name, std::string("default"));
        const PinSpec* pin = s->findPin("avshws/pin0");
        QVERIFY(pin);
        QCOMPARE(pin->framing.frames, 2u);
        QCOMPARE(pin->framing.frameSize, 153600u);
        QCOMPARE(pin->format.avgTimePerFrame, REFERENCE_TIME{333667});
        QCOMPARE(pin->framing.flags,
                 KSALLOCATOR_REQUIREMENTF_SYSTEM_MEMORY | KSALLOCATOR_REQUIREMENTF_PREFERENCES_ONLY);
        QCOMPARE(pin->framing.memoryType, guids::KSMEMORY_TYPE_KERNEL_NONPAGED);
        QCOMPARE(s->connections.size(), std::size_t{2});
        // avssamp's video framing is rewritten to biSizeImage like avshws: RGB24 320x240
        QCOMPARE(s->findPin("avssamp/video")->framing.frameSize, 230400u);
        QCOMPARE(s->findPin("avssamp/audio")->framing.frames, 25u);
    }
    void shippedScenariosAreValid_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("default") << QStringLiteral("default.json");
        QTest::newRow("starvation") << QStringLiteral("starvation.json");
        QTest::newRow("faults") << QStringLiteral("faults.json");
        QTest::newRow("mismatch") << QStringLiteral("mismatch.json");
    }
    void shippedScenariosAreValid()
    {
        QFETCH(QString, file);
        const auto r = loadScenarioFile(std::string(KSSCOPE_SCENARIO_DIR) + "/" + file.toStdString());
        QVERIFY(ok(r));
    }
    void minimalScenario()
    {
        const ScenarioResult r = parseScenario(kMinimal, "min.json");
        const Scenario* s = ok(r);
        QVERIFY(s);
        QCOMPARE(s->filters.size(), std::size_t{1});
        const PinSpec& p = s->filters[0].pins[0];
        QCOMPARE(p.framing.frameSize, 153600u); // defaults to the image size
        QCOMPARE(p.framing.alignment, 1u);
        QCOMPARE(p.framing.mode, KsAllocatorMode_Kernel);
        QCOMPARE(p.format.avgTimePerFrame, REFERENCE_TIME{333333});
    }

    void rejected_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<QString>("fragment");
        const QString base = QString::fromUtf8(kMinimal);
        QTest::newRow("syntax") << QStringLiteral("{\n  \"name\": \"x\",\n  \"filters\": [ }\n") << 3
                                << QStringLiteral("not valid JSON");
        QTest::newRow("empty file") << QString() << 1 << QStringLiteral("not valid JSON");
        QTest::newRow("not an object") << QStringLiteral("[1, 2]") << 1
                                       << QStringLiteral("a scenario is a JSON object");
        QTest::newRow("no version") << QString(base).replace(QStringLiteral("\"ksscopeScenario\": 1,"), QString()) << 1
                                    << QStringLiteral("missing \"ksscopeScenario\"");
        QTest::newRow("newer version") << QString(base).replace(QStringLiteral("\"ksscopeScenario\": 1"),
                                                                QStringLiteral("\"ksscopeScenario\": 9"))
                                       << 2 << QStringLiteral("newer than this KsScope understands");
        QTest::newRow("zero frames")
            << QString(base).replace(QStringLiteral("\"frames\": 2"), QStringLiteral("\"frames\": 0")) << 13
            << QStringLiteral("filters[0].pins[0].framing.frames: must be an integer from 1 to 1024, got 0");
        QTest::newRow("frames not a number")
            << QString(base).replace(QStringLiteral("\"frames\": 2"), QStringLiteral("\"frames\": \"two\"")) << 13
            << QStringLiteral("framing.frames: must be an integer");
        QTest::newRow("bad kind") << QString(base).replace(QStringLiteral("\"capture\""), QStringLiteral("\"camera\""))
                                  << 7
                                  << QStringLiteral(
                                         "filters[0].kind: must be \"capture\", \"transform\" or \"render\"");
        QTest::newRow("bad direction") << QString(base).replace(QStringLiteral("\"out\","),
                                                                QStringLiteral("\"sideways\","))
                                       << 11 << QStringLiteral("direction: must be \"in\" or \"out\"");
        QTest::newRow("unknown field") << QString(base).replace(QStringLiteral("\"name\": \"t\""),
                                                                QStringLiteral("\"name\": \"t\", \"colour\": 3"))
                                       << 3 << QStringLiteral("colour: unknown field; allowed here:");
        QTest::newRow("bad alignment") << QString(base).replace(QStringLiteral("\"frames\": 2"),
                                                                QStringLiteral("\"frames\": 2, \"alignment\": 6"))
                                       << 13 << QStringLiteral("alignment: must be a power of two");
        QTest::newRow("fps out of range")
            << QString(base).replace(QStringLiteral("\"fps\": 30"), QStringLiteral("\"fps\": 0")) << 12
            << QStringLiteral("format.fps: must be from 0.1 to 1000");
        QTest::newRow("missing format") << QString(base).replace(
                                               QStringLiteral(
                                                   "\"format\": { \"type\": \"video\", \"subtype\": \"YUY2\", "
                                                   "\"width\": 320, \"height\": 240, \"bitCount\": 16, \"fps\": 30 },"),
                                               QString())
                                        << 9 << QStringLiteral("missing \"format\"");
        QTest::newRow("bad memory type") << QString(base).replace(
                                                QStringLiteral("\"frames\": 2"),
                                                QStringLiteral("\"frames\": 2, \"memoryType\": \"GPU\""))
                                         << 13 << QStringLiteral("memoryType: must be KSMEMORY_TYPE_KERNEL_NONPAGED");
        QTest::newRow("bad flag") << QString(base).replace(QStringLiteral("\"frames\": 2"),
                                                           QStringLiteral("\"frames\": 2, \"flags\": [\"FAST\"]"))
                                  << 13 << QStringLiteral("unknown flag \"FAST\"");
        QTest::newRow("no filters") << QStringLiteral("{\"ksscopeScenario\": 1, \"name\": \"x\", \"filters\": []}") << 1
                                    << QStringLiteral("filters: must hold at least one filter");
    }
    /// Data ranges and controls: read as written, and what is wrong in them named with its line.
    void rangesAndControls()
    {
        const auto r = loadScenarioFile(std::string(KSSCOPE_SCENARIO_DIR) + "/mismatch.json");
        const Scenario* s = ok(r);
        QVERIFY(s);
        const PinSpec* camera = s->findPin("camera/out");
        QCOMPARE(camera->dataRanges.size(), std::size_t{2});
        QCOMPARE(camera->dataRanges[1].subtype, std::string("NV12"));
        QCOMPARE(camera->dataRanges[1].maxWidth, 1920u);
        QCOMPARE(camera->dataRanges[1].maxFps, 60.0);
        const FilterSpec* f = s->findFilter("camera");
        QCOMPARE(f->controls.size(), std::size_t{4});
        QCOMPARE(f->controls[2].type, ControlType::Menu);
        QCOMPARE(f->controls[2].menu.size(), std::size_t{3});
        QCOMPARE(f->controls[3].target, std::string("preview/in"));

        const QString base = QString::fromUtf8(kMinimal);
        auto withRanges = [&](const char* ranges) {
            return QString(base).replace(QStringLiteral("\"framing\": { \"frames\": 2 }"),
                                         QStringLiteral("\"framing\": { \"frames\": 2 },\n\"dataRanges\": ") +
                                             QLatin1String(ranges));
        };
        auto withControls = [&](const char* controls) {
            return QString(base).replace(QStringLiteral("\"kind\": \"capture\","),
                                         QStringLiteral("\"kind\": \"capture\",\n\"controls\": ") +
                                             QLatin1String(controls) + QLatin1Char(','));
        };
        const std::pair<QString, QString> bad[] = {
            {withRanges(R"([{"subtype": "NV12", "width": [640, 320], "height": 240}])"),
             QStringLiteral("the least value comes first")},
            {withRanges(R"([{"subtype": "NV12", "width": 320}])"), QStringLiteral("missing \"height\"")},
            {withRanges(R"([{"subtype": "NV12", "width": 320, "height": 240, "fps": [30]}])"),
             QStringLiteral("a range is [min, max]")},
            {withControls(R"([{"name": "Gain", "type": "float"}])"),
             QStringLiteral("must be \"int\", \"bool\", \"menu\" or \"button\"")},
            {withControls(R"([{"name": "Gain", "type": "int", "min": 0, "max": 10, "default": 11}])"),
             QStringLiteral("must be from 0 to 10")},
            {withControls(R"([{"name": "Mode", "type": "menu", "menu": []}])"),
             QStringLiteral("a menu needs at least one entry")},
            {withControls(
                 R"([{"name": "Go", "type": "button", "action": "explode", "target": "cap/out", "durationMs": 5}])"),
             QStringLiteral("must be \"consumer-stall\"")},
            {withControls(
                 R"([{"name": "Go", "type": "button", "action": "consumer-stall", "target": "cap/nope", "durationMs": 5}])"),
             QStringLiteral("\"cap/nope\" is not a consuming pin")},
            {withControls(R"([{"name": "Gain", "type": "bool"}, {"name": "gain", "type": "bool"}])"),
             QStringLiteral("a control named like \"gain\" exists already")},
            {withControls(R"([{"name": "Flip", "type": "bool", "min": 0}])"),
             QStringLiteral("only an \"int\" control has a range")},
        };
        for (const auto& [text, fragment] : bad) {
            const auto result = parseScenario(text.toStdString(), "bad.json");
            const auto* e = std::get_if<ScenarioError>(&result);
            QVERIFY2(e, qPrintable(text));
            const QString message = QString::fromStdString(e->toString());
            QVERIFY2(message.contains(fragment), qPrintable(message));
            QVERIFY2(e->line > 1, qPrintable(message));
        }
    }

    void rejected()
    {
        QFETCH(QString, text);
        QFETCH(int, line);
        QFETCH(QString, fragment);
        const auto r = parseScenario(text.toStdString(), "bad.json");
        const auto* e = std::get_if<ScenarioError>(&r);
        QVERIFY2(e, "the scenario was accepted");
        const QString message = QString::fromStdString(e->toString());
        QVERIFY2(message.contains(fragment), qPrintable(message));
        QCOMPARE(e->line, line);
        QVERIFY2(message.startsWith(QStringLiteral("bad.json:%1: ").arg(line)), qPrintable(message));
    }
    void connectionRules_data()
    {
        QTest::addColumn<QString>("connections");
        QTest::addColumn<QString>("fragment");
        QTest::newRow("unknown pin") << QStringLiteral(R"([{"from": "cap/out", "to": "ren/nope"}])")
                                     << QStringLiteral("no pin \"ren/nope\"");
        QTest::newRow("wrong direction") << QStringLiteral(R"([{"from": "ren/in", "to": "cap/out"}])")
                                         << QStringLiteral("is an input pin");
        QTest::newRow("twice") << QStringLiteral(
                                      R"([{"from": "cap/out", "to": "ren/in"}, {"from": "cap/out", "to": "ren/in"}])")
                               << QStringLiteral("already connected");
        QTest::newRow("unconnected input")
            << QStringLiteral("[]") << QStringLiteral("input pin \"ren/in\" is not connected");
    }
    void connectionRules()
    {
        QFETCH(QString, connections);
        QFETCH(QString, fragment);
        const QString text = QStringLiteral(R"({"ksscopeScenario": 1, "name": "c", "filters": [
 {"id": "cap", "kind": "capture", "pins": [{"id": "out", "direction": "out",
   "format": {"type": "video", "subtype": "YUY2", "width": 8, "height": 8, "bitCount": 16, "fps": 30}, "framing": {"frames": 2}}]},
 {"id": "ren", "kind": "render", "pins": [{"id": "in", "direction": "in",
   "format": {"type": "video", "subtype": "YUY2", "width": 8, "height": 8, "bitCount": 16, "fps": 30}}]}],
 "connections": %1})")
                                 .arg(connections);
        const auto r = parseScenario(text.toStdString(), "c.json");
        const auto* e = std::get_if<ScenarioError>(&r);
        QVERIFY2(e, "the scenario was accepted");
        QVERIFY2(QString::fromStdString(e->message).contains(fragment), e->message.c_str());
        QVERIFY(e->line > 0);
    }
    void faultRules()
    {
        const QString base = QString::fromUtf8(kMinimal);
        auto withFaults = [&](const QString& faults) {
            QString t = base;
            t.replace(QStringLiteral("\"name\": \"t\","),
                      QStringLiteral("\"name\": \"t\", \"faults\": ") + faults + QStringLiteral(","));
            return parseScenario(t.toStdString(), "f.json");
        };
        QVERIFY(ok(withFaults(
            QStringLiteral(R"([{"at": 1, "kind": "consumer-stall", "target": "cap/out", "duration": 2}])"))));
        QVERIFY(ok(withFaults(QStringLiteral(R"([{"at": 1, "kind": "device-removal", "target": "cap"}])"))));
        const auto failure = withFaults(QStringLiteral(
            R"([{"at": 1, "kind": "allocator-failure", "target": "cap/out", "hresult": "E_OUTOFMEMORY"}])"));
        QVERIFY(ok(failure));
        QCOMPARE(std::get<Scenario>(failure).faults[0].hr, E_OUTOFMEMORY);
        const auto badTarget = withFaults(QStringLiteral(R"([{"at": 1, "kind": "device-removal", "target": "nope"}])"));
        QVERIFY(std::holds_alternative<ScenarioError>(badTarget));
        QCOMPARE(std::get<ScenarioError>(badTarget).line, 3);
        const auto badKind = withFaults(QStringLiteral(R"([{"at": 1, "kind": "meteor", "target": "cap"}])"));
        QVERIFY(std::get<ScenarioError>(badKind).message.find("consumer-stall") != std::string::npos);
        const auto badCode = withFaults(QStringLiteral(
            R"([{"at": 1, "kind": "allocator-failure", "target": "cap/out", "hresult": "E_WHATEVER"}])"));
        QVERIFY(std::get<ScenarioError>(badCode).message.find("unknown code") != std::string::npos);
        const auto noDuration =
            withFaults(QStringLiteral(R"([{"at": 1, "kind": "consumer-stall", "target": "cap/out"}])"));
        QVERIFY(std::get<ScenarioError>(noDuration).message.find("missing \"duration\"") != std::string::npos);
    }
    void missingFile()
    {
        const auto r = loadScenarioFile("/nonexistent/dir/scenario.json");
        const auto* e = std::get_if<ScenarioError>(&r);
        QVERIFY(e);
        QCOMPARE(e->line, 0);
        QVERIFY(e->toString().find("/nonexistent/dir/scenario.json: cannot open") == 0);
    }
    void truncatedFile()
    {
        const std::string text(defaultScenarioText().substr(0, defaultScenarioText().size() / 2));
        const auto r = parseScenario(text, "half.json");
        const auto* e = std::get_if<ScenarioError>(&r);
        QVERIFY(e);
        QVERIFY(e->line > 1);
        QVERIFY(e->message.find("not valid JSON") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestScenario)
#include "tst_scenario.moc"
