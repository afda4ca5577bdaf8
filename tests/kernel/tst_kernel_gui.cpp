// SPDX-License-Identifier: GPL-3.0-or-later
// The ksscope window inside the QEMU guest, offscreen: it shows vivid's nodes and the vimc graph next to the
// simulated devices, and its screenshot comes back and is not blank.
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
        p.start(QStringLiteral(KSSCOPE_KERNEL_DIR "/gui-in-vm.sh"), {QStringLiteral(KSSCOPE_BUILD_DIR), png});
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
    }
};

QTEST_GUILESS_MAIN(TestKernelGui)
#include "tst_kernel_gui.moc"
