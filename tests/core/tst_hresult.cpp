// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/hresult.h"

#include <QTest>

#include <cerrno>

using namespace ksscope;

class TestHresult : public QObject {
    Q_OBJECT
private slots:
    void values_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<quint32>("expected");
        QTest::addColumn<QString>("name");
        QTest::newRow("S_OK") << S_OK << 0x0u << QStringLiteral("S_OK");
        QTest::newRow("S_FALSE") << S_FALSE << 0x1u << QStringLiteral("S_FALSE");
        QTest::newRow("E_FAIL") << E_FAIL << 0x80004005u << QStringLiteral("E_FAIL");
        QTest::newRow("E_INVALIDARG") << E_INVALIDARG << 0x80070057u << QStringLiteral("E_INVALIDARG");
        QTest::newRow("E_POINTER") << E_POINTER << 0x80004003u << QStringLiteral("E_POINTER");
        QTest::newRow("E_NOTIMPL") << E_NOTIMPL << 0x80004001u << QStringLiteral("E_NOTIMPL");
        QTest::newRow("E_OUTOFMEMORY") << E_OUTOFMEMORY << 0x8007000Eu << QStringLiteral("E_OUTOFMEMORY");
        QTest::newRow("VFW_E_ALREADY_COMMITTED")
            << VFW_E_ALREADY_COMMITTED << 0x8004020Fu << QStringLiteral("VFW_E_ALREADY_COMMITTED");
        QTest::newRow("VFW_E_BUFFERS_OUTSTANDING")
            << VFW_E_BUFFERS_OUTSTANDING << 0x80040210u << QStringLiteral("VFW_E_BUFFERS_OUTSTANDING");
        QTest::newRow("VFW_E_BADALIGN") << VFW_E_BADALIGN << 0x8004020Eu << QStringLiteral("VFW_E_BADALIGN");
        QTest::newRow("VFW_E_SIZENOTSET") << VFW_E_SIZENOTSET << 0x80040212u << QStringLiteral("VFW_E_SIZENOTSET");
        QTest::newRow("VFW_E_NOT_COMMITTED")
            << VFW_E_NOT_COMMITTED << 0x80040211u << QStringLiteral("VFW_E_NOT_COMMITTED");
        QTest::newRow("VFW_E_TIMEOUT") << VFW_E_TIMEOUT << 0x8004022Eu << QStringLiteral("VFW_E_TIMEOUT");
    }
    void values()
    {
        QFETCH(int, code);
        QFETCH(quint32, expected);
        QFETCH(QString, name);
        QCOMPARE(static_cast<quint32>(code), expected);
        QCOMPARE(QString::fromStdString(hresultName(code)), name);
        const std::string message = hresultMessage(code);
        QVERIFY(!message.empty());
        QVERIFY(message.find("Unknown") == std::string::npos);
        QVERIFY(QString::fromStdString(describeHresult(code)).startsWith(name + QStringLiteral(" (0x")));
    }
    void successAndFailure()
    {
        QVERIFY(SUCCEEDED(S_OK));
        QVERIFY(SUCCEEDED(S_FALSE));
        QVERIFY(FAILED(E_FAIL));
        QVERIFY(FAILED(VFW_E_TIMEOUT));
    }
    void win32Wrapping()
    {
        const HRESULT removed = hresultFromWin32(kErrorDeviceRemoved);
        QCOMPARE(static_cast<quint32>(removed), 0x80070651u);
        QVERIFY(isWin32Hresult(removed));
        QCOMPARE(hresultName(removed), std::string("HRESULT_FROM_WIN32(ERROR_DEVICE_REMOVED)"));
        QCOMPARE(hresultMessage(removed), std::string("The device has been removed."));
        QCOMPARE(hresultFromWin32(0), S_OK);
        // E_OUTOFMEMORY is HRESULT_FROM_WIN32(ERROR_OUTOFMEMORY = 14)
        QCOMPARE(hresultFromWin32(14), E_OUTOFMEMORY);
        QCOMPARE(hresultName(hresultFromWin32(4321)), std::string("HRESULT_FROM_WIN32(4321)"));
    }
    void errnoWrapping()
    {
        const HRESULT nodev = hresultFromErrno(ENODEV);
        QVERIFY(FAILED(nodev));
        QVERIFY(isErrnoHresult(nodev));
        QVERIFY(!isWin32Hresult(nodev));
        QCOMPARE(hresultCode(nodev), static_cast<std::uint32_t>(ENODEV));
        QCOMPARE(hresultName(nodev), std::string("errno(ENODEV)"));
        QCOMPARE(hresultMessage(nodev), std::string("No such device."));
        QCOMPARE(hresultName(hresultFromErrno(EBUSY)), std::string("errno(EBUSY)"));
        QCOMPARE(hresultFromErrno(0), S_OK);
    }
    void unknownCode()
    {
        QCOMPARE(hresultName(static_cast<HRESULT>(0x80041234u)), std::string("0x80041234"));
        QCOMPARE(hresultMessage(static_cast<HRESULT>(0x80041234u)), std::string("Unknown failure code."));
    }
    void status()
    {
        const Status ok;
        QVERIFY(ok.isOk());
        QVERIFY(static_cast<bool>(ok));
        const Status bad{VFW_E_BADALIGN, "align 3 is not allowed"};
        QVERIFY(!bad);
        QCOMPARE(bad.toString(), std::string("align 3 is not allowed [VFW_E_BADALIGN]"));
        const Status bare{E_POINTER, {}};
        QCOMPARE(bare.toString(), describeHresult(E_POINTER));
    }
};

QTEST_GUILESS_MAIN(TestHresult)
#include "tst_hresult.moc"
