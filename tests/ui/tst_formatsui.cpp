// SPDX-License-Identifier: GPL-3.0-or-later
// The window's formats, controls and doctor on the simulated mismatch scenario, offscreen: the findings listed and
// marked on their links, a fix applied with one click and undone, a format set from the editor, a control changed and
// undone, a button pressed, and a value the control refuses named.
#include "formats/controlspanel.h"
#include "formats/doctorpanel.h"
#include "formats/formatspanel.h"
#include "formats/formatspart.h"
#include "ksscope/recording.h"
#include "mainwindow.h"
#include "session/sessioncontroller.h"
#include "topology/topologyitems.h"
#include "topology/topologyscene.h"

#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QUndoStack>

#include <optional>

using namespace ksscope;
using namespace ksscope::ui;

namespace {

SessionRequest mismatch()
{
    SessionRequest request;
    request.backends = {QStringLiteral("sim")};
    request.options.set("scenario", KSSCOPE_SCENARIO_DIR "/mismatch.json");
    request.rateHz = 50;
    return request;
}

int errorsOf(const DoctorPanel* doctor)
{
    return static_cast<int>(std::count_if(doctor->findings().begin(), doctor->findings().end(),
                                          [](const Finding& f) { return f.severity == Severity::Error; }));
}

/// Whether a label in \a widget says \a text.
bool saysSomewhere(const QWidget* widget, const QString& text)
{
    const QList<QLabel*> labels = widget->findChildren<QLabel*>();
    return std::any_of(labels.begin(), labels.end(), [&](const QLabel* l) { return l->text().contains(text); });
}

/// The first PinFormats of \a pinId the part holds.
const PinFormats* formatsOf(const FormatsPart* part, const std::string& pinId)
{
    for (const PinFormats& p : part->formats())
        if (p.pinId == pinId)
            return &p;
    return nullptr;
}

} // namespace

class TestFormatsUi : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void doctorFindsMarksAndFixes()
    {
        MainWindow window;
        window.resize(1500, 900);
        window.show();
        window.open(mismatch());
        FormatsPart* part = window.formatsPart();
        DoctorPanel* doctor = part->doctorPanel();
        QTRY_COMPARE_WITH_TIMEOUT(errorsOf(doctor), 4, 10000);
        QCOMPARE(doctor->findings().size(), std::size_t(5));
        // the two links carry the marks, with both ends' values in their tooltips
        TopologyScene* scene = window.topologyScene();
        QTRY_VERIFY_WITH_TIMEOUT(scene->edge(QStringLiteral("sim:camera/out"), QStringLiteral("sim:encoder/in")), 5000);
        EdgeItem* first = scene->edge(QStringLiteral("sim:camera/out"), QStringLiteral("sim:encoder/in"));
        EdgeItem* second = scene->edge(QStringLiteral("sim:encoder/out"), QStringLiteral("sim:preview/in"));
        QCOMPARE(first->markSeverity(), 0);
        QCOMPARE(second->markSeverity(), 0);
        QVERIFY2(first->toolTip().contains(QStringLiteral("subtype - source YUY2, sink NV12")),
                 qPrintable(first->toolTip()));
        QVERIFY2(second->toolTip().contains(QStringLiteral("size - source 1920x1080, sink 1280x720")),
                 qPrintable(second->toolTip()));
        // the doctor is shown for the session's first errors
        QVERIFY(!part->doctorDock()->visibleRegion().isEmpty());

        // choosing the second link on the canvas chooses its finding; its fix is one click
        window.selectIds({EdgeItem::connectionId(QStringLiteral("sim:encoder/out"), QStringLiteral("sim:preview/in"))});
        QPushButton* fix = doctor->fixButton(0);
        QVERIFY(fix->isVisibleTo(doctor));
        QVERIFY2(fix->text().contains(QStringLiteral("\"Hardware Encoder\"/Scaled Output to NV12/1280x720")),
                 qPrintable(fix->text()));
        QSignalSpy checked(part, &FormatsPart::checked);
        fix->click();
        QTRY_COMPARE_WITH_TIMEOUT(second->markSeverity(), -1, 10000);
        QCOMPARE(errorsOf(doctor), 2);
        QCOMPARE(window.undoStack()->count(), 1);
        QVERIFY2(window.undoStack()->undoText().startsWith(
                     QStringLiteral("Set \"Hardware Encoder\"/Scaled Output to NV12/1280x720")),
                 qPrintable(window.undoStack()->undoText()));
        // undo: the encoder's output is 1920x1080 again, and the link is marked again
        window.undoStack()->undo();
        QTRY_COMPARE_WITH_TIMEOUT(second->markSeverity(), 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(formatsOf(part, "sim:encoder/out")->active.width, 1920U, 5000);
        window.undoStack()->redo();
        QTRY_COMPARE_WITH_TIMEOUT(second->markSeverity(), -1, 10000);

        // the camera's format from the editor: NV12 at 30 fps settles the first link (the pin chosen on the canvas)
        window.selectIds({QStringLiteral("sim:camera/out")});
        FormatsPanel* formats = part->formatsPanel();
        QTRY_COMPARE_WITH_TIMEOUT(formats->pinId(), QStringLiteral("sim:camera/out"), 5000);
        auto* code = formats->findChild<QComboBox*>();
        QVERIFY(code);
        QVERIFY(code->findData(QStringLiteral("NV12")) >= 0);
        code->setCurrentIndex(code->findData(QStringLiteral("NV12")));
        formats->findChild<QLineEdit*>()->setText(QStringLiteral("1/30"));
        QPushButton* apply = nullptr;
        for (QPushButton* b : formats->findChildren<QPushButton*>())
            if (b->text() == QStringLiteral("&Apply"))
                apply = b;
        QVERIFY(apply);
        apply->click();
        QTRY_COMPARE_WITH_TIMEOUT(first->markSeverity(), -1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(errorsOf(doctor), 0, 10000);
        QCOMPARE(formatsOf(part, "sim:camera/out")->active.toString(), std::string("NV12/1280x720 @1/30"));
        QCOMPARE(window.undoStack()->count(), 2);

        // a size the pin does not take: the driver's choice is said
        formats->findChildren<QSpinBox*>()[0]->setValue(4000);
        apply->click();
        QTRY_VERIFY_WITH_TIMEOUT(saysSomewhere(formats, QStringLiteral("size 4000x720 -> 1920x720")), 5000);
    }

    /// While recording, a format edit and a control edit are recorded with what was asked and what the device chose.
    void editsAreRecorded()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath(QStringLiteral("edits.ksrec")).toStdString();
        SessionController controller;
        QSignalSpy opened(&controller, &SessionController::opened);
        controller.open(mismatch());
        QVERIFY(opened.wait(15000));
        QVERIFY(opened.front().at(0).toBool());
        Recorder::Options options;
        options.path = path;
        options.backends = {"sim"};
        options.rateHz = 50;
        std::shared_ptr<Recorder> recorder;
        const Status started = controller.startRecording(options, recorder);
        QVERIFY2(started, started.toString().c_str());
        int results = 0;
        connect(&controller, &SessionController::formatResult, this, [&results] { ++results; });
        connect(&controller, &SessionController::controlResult, this, [&results] { ++results; });
        StreamFormat wanted;
        wanted.space = FormatSpace::KsSubtype;
        wanted.subtype = "NV12";
        wanted.width = 4000; // the pin takes up to 1920
        wanted.height = 720;
        controller.setFormat(1, QStringLiteral("sim:camera/out"), wanted, ApplyMode::Apply);
        controller.setControl(2, QStringLiteral("sim:camera"), QStringLiteral("brightness"), ControlValue{77, {}});
        QTRY_COMPARE_WITH_TIMEOUT(results, 2, 10000);
        SampleBatch batch;
        (void)controller.drain(batch);
        const std::shared_ptr<Recorder> taken = controller.takeRecorder();
        QVERIFY(taken);
        QVERIFY(taken->finish(controller.monitor()->now_ns()));

        Status status;
        const std::unique_ptr<Recording> recording = Recording::open(path, status);
        QVERIFY2(recording, status.toString().c_str());
        std::vector<RecordedEdit> edits;
        QVERIFY(recording->edits(edits));
        QCOMPARE(edits.size(), std::size_t(2));
        QCOMPARE(edits[0].kind, std::string("format"));
        QCOMPARE(edits[0].allocatorId, std::string("sim:camera/out"));
        QVERIFY(edits[0].applied);
        QCOMPARE(edits[0].requested, std::string(R"({"format":"NV12/4000x720"})"));
        QCOMPARE(edits[0].actual, std::string(R"({"format":"NV12/1920x720 @1/60"})"));
        QVERIFY2(edits[0].message.find("instead of what was asked (size 4000x720 -> 1920x720)") != std::string::npos,
                 edits[0].message.c_str());
        QCOMPARE(edits[1].kind, std::string("control"));
        QCOMPARE(edits[1].allocatorId, std::string("sim:camera"));
        QCOMPARE(edits[1].actual, std::string(R"({"control":"brightness","value":77})"));
    }

    void controlsEditUndoAndRefuse()
    {
        MainWindow window;
        window.resize(1500, 900);
        window.show();
        window.open(mismatch());
        FormatsPart* part = window.formatsPart();
        QTRY_VERIFY_WITH_TIMEOUT(!part->formats().empty(), 10000);
        window.selectIds({QStringLiteral("sim:camera")});
        ControlsPanel* controls = part->controlsPanel();
        QTRY_COMPARE_WITH_TIMEOUT(controls->controls().size(), std::size_t(4), 5000);
        QCOMPARE(controls->controls()[0].value.number, 128);

        // brightness from its spin box, then undone
        auto* spin = controls->findChild<QSpinBox*>();
        QVERIFY(spin);
        spin->setValue(200);
        QTRY_VERIFY_WITH_TIMEOUT(!controls->controls().empty() && controls->controls()[0].value.number == 200, 5000);
        QCOMPARE(window.undoStack()->count(), 1);
        QCOMPARE(window.undoStack()->undoText(), QStringLiteral("Set Brightness to 200"));
        window.undoStack()->undo();
        QTRY_VERIFY_WITH_TIMEOUT(!controls->controls().empty() && controls->controls()[0].value.number == 128, 5000);

        // the menu by its entry
        auto* menu = controls->findChild<QComboBox*>();
        QVERIFY(menu);
        QCOMPARE(menu->count(), 3);
        menu->setCurrentIndex(2);
        Q_EMIT menu->activated(2);
        QTRY_VERIFY_WITH_TIMEOUT(controls->controls().size() == 4 && controls->controls()[2].value.number == 2, 5000);

        // the button: an action, not an edit to undo
        const int edits = window.undoStack()->count();
        QPushButton* press = nullptr;
        for (QPushButton* b : controls->findChildren<QPushButton*>())
            if (b->text() == QStringLiteral("Press"))
                press = b;
        QVERIFY(press);
        press->click();
        QTRY_VERIFY_WITH_TIMEOUT(
            saysSomewhere(controls, QStringLiteral("pressed: the consumer at sim:preview/in stalls")), 5000);
        QCOMPARE(window.undoStack()->count(), edits);

        // a value out of range from the controller (as a remote or a script would ask): refused, named
        std::optional<ControlChange> refused;
        connect(window.controller(), &SessionController::controlResult, this,
                [&refused](quint64 ticket, const ControlChange& c) {
                    if (ticket == 999)
                        refused = c;
                });
        window.controller()->setControl(999, QStringLiteral("sim:camera"), QStringLiteral("brightness"),
                                        ControlValue{300, {}});
        QTRY_VERIFY_WITH_TIMEOUT(refused.has_value(), 5000);
        const ControlChange change = *refused;
        QVERIFY(!change.status);
        QVERIFY2(change.status.message().find("300 is out of range; the driver allows 0 to 255") != std::string::npos,
                 change.status.message().c_str());
    }
};

QTEST_MAIN(TestFormatsUi)
#include "tst_formatsui.moc"
