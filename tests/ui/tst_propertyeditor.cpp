// SPDX-License-Identifier: GPL-3.0-or-later
// The property editor on the simulated devices, driven with key clicks as a user would.
#include "propertyeditor.h"
#include "sessioncontroller.h"

#include <QComboBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>
#include <QUndoStack>

using namespace ksscope;
using namespace ksscope::ui;

namespace {
const QString kAllocator = QStringLiteral("sim:avshws/pin0/allocator");

LONG buffersOf(const SessionController& controller, const QString& id)
{
    const AllocatorInfo* info = controller.topology().findAllocator(id.toStdString());
    return info ? info->properties.cBuffers : -1;
}
} // namespace

class TestPropertyEditor : public QObject {
    Q_OBJECT
private:
    bool openSim(SessionController& controller, const QString& scenario = {})
    {
        QSignalSpy opened(&controller, &SessionController::opened);
        SessionRequest request;
        request.backends = {QStringLiteral("sim")};
        if (!scenario.isEmpty())
            request.options.set("scenario", scenario.toStdString());
        controller.open(request);
        return opened.wait(10000) && opened.front().at(0).toBool();
    }

private Q_SLOTS:
    void invalidValuesAreRejectedWithAMessage()
    {
        SessionController controller;
        QVERIFY(openSim(controller));
        QUndoStack undo;
        PropertyEditor editor(&controller, &undo);
        editor.setAllocator(kAllocator);
        QVERIFY(editor.buffersEdit()->isEnabled());
        QVERIFY(!editor.applyButton()->isEnabled()); // nothing edited yet

        QTest::keyClicks(editor.alignEdit(), QStringLiteral("3"));
        QVERIFY(editor.validationMessage().contains(QStringLiteral("VFW_E_BADALIGN")));
        QVERIFY(!editor.applyButton()->isEnabled());
        editor.alignEdit()->clear();
        QVERIFY(editor.validationMessage().isEmpty());

        QTest::keyClicks(editor.buffersEdit(), QStringLiteral("-2"));
        QVERIFY(editor.validationMessage().contains(QStringLiteral("negative")));
        QVERIFY(!editor.applyButton()->isEnabled());
        editor.buffersEdit()->clear();
        QTest::keyClicks(editor.buffersEdit(), QStringLiteral("abc"));
        QVERIFY(editor.validationMessage().contains(QStringLiteral("not a whole number")));
        editor.buffersEdit()->clear();

        QTest::keyClicks(editor.buffersEdit(), QStringLiteral("60000"));
        QTest::keyClicks(editor.bufferSizeEdit(), QStringLiteral("1000000"));
        QVERIFY(editor.validationMessage().contains(QStringLiteral("E_OUTOFMEMORY")));
        QVERIFY(!editor.applyButton()->isEnabled());
        // Return on an invalid edit applies nothing
        QTest::keyClick(editor.buffersEdit(), Qt::Key_Return);
        QCOMPARE(undo.count(), 0);
    }
    void predictionBeforeApply()
    {
        SessionController controller;
        QVERIFY(openSim(controller));
        QUndoStack undo;
        PropertyEditor editor(&controller, &undo);
        editor.setAllocator(kAllocator);
        // cbBuffer + cbPrefix rounded up to the alignment
        QTest::keyClicks(editor.bufferSizeEdit(), QStringLiteral("1000"));
        QTest::keyClicks(editor.alignEdit(), QStringLiteral("512"));
        QVERIFY(editor.validationMessage().isEmpty());
        QVERIFY2(editor.predictionText().contains(QStringLiteral("x 1024 bytes")), qPrintable(editor.predictionText()));
        QVERIFY(editor.applyButton()->isEnabled());
        // then the backend's own dry run answers
        QTRY_VERIFY_WITH_TIMEOUT(editor.predictionText().startsWith(QStringLiteral("sim grants")), 5000);
        QVERIFY(editor.predictionText().contains(QStringLiteral("x 1024 bytes")));
        QCOMPARE(undo.count(), 0); // nothing applied
    }
    void applyThenUndoAndRedo()
    {
        SessionController controller;
        QVERIFY(openSim(controller));
        QUndoStack undo;
        PropertyEditor editor(&controller, &undo);
        editor.setAllocator(kAllocator);
        const LONG before = buffersOf(controller, kAllocator);
        QVERIFY(before > 0);
        const LONG wanted = before + 4;
        QTest::keyClicks(editor.buffersEdit(), QString::number(wanted));
        QTest::mouseClick(editor.applyButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(editor.statusText().startsWith(QStringLiteral("Applied")), 5000);
        QCOMPARE(undo.count(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(buffersOf(controller, kAllocator), wanted, 5000);
        QVERIFY(editor.buffersEdit()->text().isEmpty()); // the field shows the new value as its placeholder
        QTRY_COMPARE_WITH_TIMEOUT(editor.buffersEdit()->placeholderText(), QString::number(wanted), 5000);

        undo.undo();
        QTRY_COMPARE_WITH_TIMEOUT(buffersOf(controller, kAllocator), before, 5000);
        undo.redo();
        QTRY_COMPARE_WITH_TIMEOUT(buffersOf(controller, kAllocator), wanted, 5000);
        QCOMPARE(undo.count(), 1);
    }
    void modeEditIsUndoable()
    {
        SessionController controller;
        QVERIFY(openSim(controller));
        QUndoStack undo;
        PropertyEditor editor(&controller, &undo);
        editor.setAllocator(kAllocator);
        const auto modeOf = [&controller] {
            return controller.topology().findAllocator(kAllocator.toStdString())->mode;
        };
        const KSALLOCATORMODE before = modeOf();
        const KSALLOCATORMODE other = before == KsAllocatorMode_User ? KsAllocatorMode_Kernel : KsAllocatorMode_User;
        editor.modeBox()->setCurrentIndex(editor.modeBox()->findData(static_cast<int>(other)));
        QVERIFY(editor.applyButton()->isEnabled());
        QTest::mouseClick(editor.applyButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(modeOf(), other, 5000);
        QCOMPARE(undo.count(), 1);
        undo.undo();
        QTRY_COMPARE_WITH_TIMEOUT(modeOf(), before, 5000);
    }
    void detailsShowPropertiesEx()
    {
        SessionController controller;
        QVERIFY(openSim(controller));
        QUndoStack undo;
        PropertyEditor editor(&controller, &undo);
        editor.setAllocator(kAllocator);
        QTRY_VERIFY_WITH_TIMEOUT(
            !editor.detailsTree()->findItems(QStringLiteral("ALLOCATOR_PROPERTIES_EX"), Qt::MatchExactly).isEmpty(),
            5000);
        const auto items =
            editor.detailsTree()->findItems(QStringLiteral("cBuffers"), Qt::MatchExactly | Qt::MatchRecursive);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items.front()->text(1).toLong(), static_cast<long>(buffersOf(controller, kAllocator)));
    }
    void goneDeviceIsNotEditable()
    {
        // faults.json unplugs the camera at 5 s
        SessionController controller;
        QVERIFY(openSim(controller, QStringLiteral(KSSCOPE_SCENARIO_DIR "/faults.json")));
        QUndoStack undo;
        PropertyEditor editor(&controller, &undo);
        const Topology& topology = controller.topology();
        QVERIFY(!topology.allocators.empty());
        QString camera;
        for (const AllocatorInfo& a : topology.allocators)
            if (a.id.find("avshws") != std::string::npos)
                camera = QString::fromStdString(a.id);
        QVERIFY(!camera.isEmpty());
        editor.setAllocator(camera);
        QVERIFY(editor.buffersEdit()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(
            (controller.refreshTopology(), !controller.topology().findAllocator(camera.toStdString())), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(!editor.buffersEdit()->isEnabled(), 5000);
        QVERIFY(editor.readOnlyText().contains(QStringLiteral("gone")));
    }
};

QTEST_MAIN(TestPropertyEditor)
#include "tst_propertyeditor.moc"
