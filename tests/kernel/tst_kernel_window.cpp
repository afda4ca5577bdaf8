// SPDX-License-Identifier: GPL-3.0-or-later
// Runs inside the QEMU guest (gui-in-vm.sh, for tst_kernel_gui): the window on the real drivers, offscreen. vimc as
// loaded has links whose codes disagree: the doctor finds them and marks them. A control of vivid changed in the
// Controls dock reads back the same with v4l2-ctl -C, and undo and redo in the window set it back and again.
#include "formats/controlspanel.h"
#include "formats/doctorpanel.h"
#include "formats/formatspart.h"
#include "mainwindow.h"
#include "session/sessioncontroller.h"
#include "topology/topologyitems.h"
#include "topology/topologyscene.h"

#include <QProcess>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>
#include <QTreeWidget>
#include <QUndoStack>

using namespace ksscope;
using namespace ksscope::ui;

namespace {

const QString kVividCap = QStringLiteral("v4l2:vivid.platform_vivid-000/vivid-000-vid-cap");
const QString kVimc = QStringLiteral("v4l2:vimc.platform_vimc");

/// `v4l2-ctl -d /dev/video0 -C brightness`: "brightness: 128" -> 128; -1 when it does not answer.
int brightnessByV4l2Ctl()
{
    QProcess p;
    p.start(QStringLiteral("v4l2-ctl"),
            {QStringLiteral("-d"), QStringLiteral("/dev/video0"), QStringLiteral("-C"), QStringLiteral("brightness")});
    if (!p.waitForFinished(10000))
        return -1;
    const QString out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    bool ok = false;
    const int value = out.section(QLatin1Char(':'), 1).trimmed().toInt(&ok);
    return ok ? value : -1;
}

} // namespace

class TestKernelWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        m_window.resize(1500, 900);
        m_window.show();
        SessionRequest request;
        request.backends = {QStringLiteral("v4l2")};
        request.rateHz = 20;
        m_window.open(request);
        QTRY_VERIFY_WITH_TIMEOUT(!m_window.formatsPart()->formats().empty(), 60000);
    }

    void doctorMarksVimcAsLoaded()
    {
        const QString sensor = kVimc + QStringLiteral("/Sensor_A/pad0");
        const QString debayer = kVimc + QStringLiteral("/Debayer_A/pad0");
        QTRY_VERIFY_WITH_TIMEOUT(m_window.topologyScene()->edge(sensor, debayer), 30000);
        EdgeItem* edge = m_window.topologyScene()->edge(sensor, debayer);
        QTRY_COMPARE_WITH_TIMEOUT(edge->markSeverity(), 0, 30000);
        QVERIFY2(edge->toolTip().contains(QStringLiteral("code - source RGB888_1X24, sink SRGGB8_1X8")),
                 qPrintable(edge->toolTip()));
        const auto& findings = m_window.formatsPart()->doctorPanel()->findings();
        QVERIFY(std::any_of(findings.begin(), findings.end(), [](const Finding& f) {
            return f.link == "\"Sensor A\":0 -> \"Debayer A\":0" && f.attribute == "code" && !f.fixes.empty();
        }));
    }

    void vividControlEditedAndUndone()
    {
        m_window.selectIds({kVividCap});
        ControlsPanel* panel = m_window.formatsPart()->controlsPanel();
        QTRY_VERIFY_WITH_TIMEOUT(panel->filterId() == kVividCap && !panel->controls().empty(), 30000);
        const int before = brightnessByV4l2Ctl();
        QVERIFY(before >= 0);
        const auto* c = findControl(panel->controls(), "brightness");
        QVERIFY(c);
        QCOMPARE(c->value.number, before);
        auto* tree = panel->findChild<QTreeWidget*>();
        const QList<QTreeWidgetItem*> rows = tree->findItems(QStringLiteral("Brightness"), Qt::MatchExactly);
        QCOMPARE(rows.size(), 1);
        auto* spin = qobject_cast<QSpinBox*>(tree->itemWidget(rows.front(), 1));
        QVERIFY(spin);
        const int wanted = before == 200 ? 150 : 200;
        spin->setValue(wanted);
        QTRY_COMPARE_WITH_TIMEOUT(brightnessByV4l2Ctl(), wanted, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(m_window.undoStack()->count(), 1, 10000);
        m_window.undoStack()->undo();
        QTRY_COMPARE_WITH_TIMEOUT(brightnessByV4l2Ctl(), before, 20000);
        m_window.undoStack()->redo();
        QTRY_COMPARE_WITH_TIMEOUT(brightnessByV4l2Ctl(), wanted, 20000);
        m_window.undoStack()->undo();
        QTRY_COMPARE_WITH_TIMEOUT(brightnessByV4l2Ctl(), before, 20000);
    }

private:
    MainWindow m_window;
};

QTEST_MAIN(TestKernelWindow)
#include "tst_kernel_window.moc"
