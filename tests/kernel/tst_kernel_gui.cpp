// SPDX-License-Identifier: GPL-3.0-or-later
// The ksscope window inside the QEMU guest, offscreen: it shows vivid's nodes and the vimc graph next to the
// simulated devices, its screenshot comes back, is not blank and shows the doctor's marks on vimc's links; then the
// window's own checks run there (tst_kernel_window: a control edited, read back with v4l2-ctl, undone).
#include <QDir>
#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTest>

class TestKernelGui : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void windowShowsVividAndVimc()
    {
        const QString png =
            QDir(QStringLiteral(KSSCOPE_BUILD_DIR)).filePath(QStringLiteral("ksscope-vm-screenshot.png"));
        QFile::remove(png);
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(
            QStringLiteral(KSSCOPE_KERNEL_DIR "/gui-in-vm.sh"),
            {QStringLiteral(KSSCOPE_BUILD_DIR), png, QStringLiteral("6"), QStringLiteral(KSSCOPE_WINDOW_TEST_PATH)});
        QVERIFY(p.waitForFinished(600'000));
        const QString output = QString::fromUtf8(p.readAll());
        if (p.exitCode() == 125)
            QFAIL(qPrintable(QStringLiteral("the VM failed:\n") + output));
        QVERIFY2(p.exitCode() == 0, qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral("screenshot saved")), qPrintable(output));
        // vivid's nodes and vimc's entities are in the device tree, beside the simulated devices
        QVERIFY2(output.contains(QStringLiteral("vivid-000-vid-cap")), qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral("Sensor A")), qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral("Debayer B")), qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral("sim ")), qPrintable(output));
        const QImage image(png);
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), QSize(1600, 1000));
        QSet<QRgb> colors;
        for (int y = 0; y < image.height(); y += 3)
            for (int x = 0; x < image.width(); x += 3)
                colors.insert(image.pixel(x, y));
        QVERIFY2(colors.size() > 40, qPrintable(QString::number(colors.size())));
        // vimc as loaded: the doctor marks the links whose codes disagree, in red on the canvas
        QVERIFY2(output.contains(QStringLiteral("marked: \"Sensor A\":0 -> \"Debayer A\":0 (code)")),
                 qPrintable(output));
        int red = 0; // the marks' red (0xd32f2f), antialiased at the canvas's scale
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x) {
                const QRgb c = image.pixel(x, y);
                red += qRed(c) > 170 && qGreen(c) < 110 && qBlue(c) < 110;
            }
        QVERIFY2(red > 40, qPrintable(QString::number(red)));
        // the window's own checks in the guest: the marked link, a control set, read back with v4l2-ctl and undone
        QVERIFY2(output.contains(QStringLiteral("window checks rc=0")), qPrintable(output));
        QVERIFY2(output.contains(QStringLiteral("PASS   : TestKernelWindow::vividControlEditedAndUndone()")),
                 qPrintable(output));
    }
};

QTEST_GUILESS_MAIN(TestKernelGui)
#include "tst_kernel_gui.moc"
