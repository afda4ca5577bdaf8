// SPDX-License-Identifier: GPL-3.0-or-later
// Hostile and careless input to ksscope-cli, run as a process: malformed and absurd scenarios, damaged and
// crafted recordings, options that are not numbers, outputs that cannot be written, a process without memory for
// its threads. Each case asserts a clear message, the documented exit code, no crash and nothing lost.

#include "hostile.h"
#include "ksscope/recording.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace {

struct Run {
    int exitCode = -1; ///< -2: crashed (a signal), -3: did not end in time
    QByteArray out;
    QByteArray err;
    qint64 ms = 0;
};

Run runProgram(const QString& program, const QStringList& args, int timeoutMs = 60000,
               const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    QElapsedTimer timer;
    timer.start();
    p.start(program, args);
    Run r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.exitCode = -3;
        r.err = "did not end in time";
        return r;
    }
    r.ms = timer.elapsed();
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

Run cli(const QStringList& args, int timeoutMs = 60000)
{
    return runProgram(QStringLiteral(KSSCOPE_CLI_PATH), args, timeoutMs);
}

/// ksscope-cli under a shell's limits (e.g. "ulimit -v 1500000").
Run cliLimited(const QString& limits, const QStringList& args, int timeoutMs = 60000)
{
    QString command = limits + QStringLiteral("; exec \"$0\" \"$@\"");
    QStringList all{QStringLiteral("-c"), command, QStringLiteral(KSSCOPE_CLI_PATH)};
    all += args;
    return runProgram(QStringLiteral("/bin/sh"), all, timeoutMs);
}

QString show(const Run& r)
{
    return QStringLiteral("exit %1 after %2 ms, stderr: %3").arg(r.exitCode).arg(r.ms).arg(QString::fromUtf8(r.err));
}

/// A scenario of \a count cameras (one allocator each), written to \a path.
void writeCameras(const QString& path, int count)
{
    QByteArray text = R"({"ksscopeScenario": 1, "name": "many", "filters": [)";
    for (int i = 0; i < count; ++i) {
        if (i)
            text += ',';
        text += QStringLiteral(R"({"id": "cam%1", "name": "Camera %1", "kind": "capture", "pins": [{"id": "pin0",
            "direction": "out", "format": {"type": "video", "subtype": "YUY2", "width": 320, "height": 240,
            "bitCount": 16, "avgTimePerFrame": 333667}, "framing": {"frames": 4, "frameSize": 153600},
            "consumer": {"costMs": 5}}]})")
                    .arg(i)
                    .toUtf8();
    }
    text += "]}";
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text);
}

/// Runs \a sql on the recording \a path (to craft a damaged one).
bool exec(const QString& path, const char* sql)
{
    sqlite3* db = nullptr;
    if (sqlite3_open(path.toUtf8().constData(), &db) != SQLITE_OK)
        return false;
    char* error = nullptr;
    const bool ok = sqlite3_exec(db, sql, nullptr, nullptr, &error) == SQLITE_OK;
    if (!ok)
        qWarning("%s: %s", sql, error);
    sqlite3_free(error);
    sqlite3_close(db);
    return ok;
}

} // namespace

class TestHostile : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QString m_recording; // a short clean recording of the default scenario

    QString path(const QString& name) const { return m_dir.filePath(name); }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_recording = path(QStringLiteral("clean.ksrec"));
        const Run r = cli({QStringLiteral("watch"), QStringLiteral("--duration"), QStringLiteral("1"),
                           QStringLiteral("--record"), m_recording});
        QVERIFY2(r.exitCode == 0, qPrintable(show(r)));
    }

    // ---- options ----

    void nonFiniteAndOutOfRangeNumbers_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        const QString number = QStringLiteral(": expected a number from ");
        for (const char* value : {"nan", "inf", "-inf", "1e999", "NaN", "", "2s"}) {
            const QString v = QString::fromLatin1(value);
            QTest::addRow("watch --duration %s", value)
                << QStringList{QStringLiteral("watch"), QStringLiteral("--duration"), v}
                << QStringLiteral("--duration") + number;
            QTest::addRow("watch --rate %s", value) << QStringList{QStringLiteral("watch"), QStringLiteral("--rate"), v}
                                                    << QStringLiteral("--rate") + number;
        }
        QTest::newRow("--window nan") << QStringList{QStringLiteral("watch"), QStringLiteral("--window"),
                                                     QStringLiteral("nan")}
                                      << QStringLiteral("--window") + number;
        QTest::newRow("--settle nan") << QStringList{QStringLiteral("status"), QStringLiteral("--settle"),
                                                     QStringLiteral("nan")}
                                      << QStringLiteral("--settle") + number;
        QTest::newRow("--start nan") << QStringList{QStringLiteral("--start"), QStringLiteral("nan"),
                                                    QStringLiteral("list")}
                                     << QStringLiteral("--start") + number;
        QTest::newRow("--start 1e300") << QStringList{QStringLiteral("--start"), QStringLiteral("1e300"),
                                                      QStringLiteral("list")}
                                       << QStringLiteral("--start") + number;
        QTest::newRow("--speed nan") << QStringList{QStringLiteral("--speed"), QStringLiteral("nan"),
                                                    QStringLiteral("list")}
                                     << QStringLiteral("--speed") + number;
        QTest::newRow("report --duration inf")
            << QStringList{QStringLiteral("report"), QStringLiteral("--duration"), QStringLiteral("inf"),
                           QStringLiteral("-o"), QStringLiteral("-")}
            << QStringLiteral("--duration") + number;
        QTest::newRow("serve --max-request-rate nan")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--max-request-rate"), QStringLiteral("nan")}
            << QStringLiteral("--max-request-rate") + number;
        QTest::newRow("serve --header-timeout 0")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--header-timeout"), QStringLiteral("0")}
            << QStringLiteral("--header-timeout") + number;
        QTest::newRow("--buffers empty") << QStringList{QStringLiteral("set-properties"),
                                                        QStringLiteral("sim:avshws/pin0"), QStringLiteral("--buffers"),
                                                        QString()}
                                         << QStringLiteral("--buffers: expected a whole number from 0 to 2147483647");
        QTest::newRow("--buffers 2^32-1")
            << QStringList{QStringLiteral("set-properties"), QStringLiteral("sim:avshws/pin0"),
                           QStringLiteral("--buffers"), QStringLiteral("4294967295")}
            << QStringLiteral("got \"4294967295\" (out of range)");
        QTest::newRow("--buffers 1.5") << QStringList{QStringLiteral("set-properties"),
                                                      QStringLiteral("sim:avshws/pin0"), QStringLiteral("--buffers"),
                                                      QStringLiteral("1.5")}
                                       << QStringLiteral("--buffers: expected a whole number");
        QTest::newRow("--max-stream-clients empty")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--max-stream-clients"), QString()}
            << QStringLiteral("--max-stream-clients: expected a whole number from 1 to 1024");
    }
    /// One parser for every number option: a non-finite or out-of-range value is named, exit 4, at once.
    void nonFiniteAndOutOfRangeNumbers()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const Run r = cli(args, 20000);
        QVERIFY2(r.exitCode == 4, qPrintable(show(r)));
        QVERIFY2(QString::fromUtf8(r.err).contains(message), qPrintable(show(r)));
        QVERIFY2(r.err.size() < 300, qPrintable(show(r))); // a bound is a number, not 309 digits
        QVERIFY(r.out.isEmpty()); // refused before anything ran
    }

    /// --start past the end of a recording is refused with its length, not replayed from 0.
    void startPastTheEnd()
    {
        const Run r = cli({QStringLiteral("--recording"), m_recording, QStringLiteral("--start"), QStringLiteral("500"),
                           QStringLiteral("watch"), QStringLiteral("--speed"), QStringLiteral("max")});
        QVERIFY2(r.exitCode == 4, qPrintable(show(r)));
        QVERIFY2(r.err.contains("--start 500 s is past the end of") && r.err.contains("which lasts 1"),
                 qPrintable(show(r)));
    }

    // ---- scenarios ----

    void deeplyNestedScenario_data()
    {
        QTest::addColumn<QByteArray>("open");
        QTest::addColumn<QByteArray>("close");
        QTest::newRow("objects") << QByteArray("{\"a\":") << QByteArray("}");
        QTest::newRow("arrays") << QByteArray("[") << QByteArray("]");
    }
    /// 100 000 levels: refused at level 65 with where, not after seconds and gigabytes.
    void deeplyNestedScenario()
    {
        QFETCH(QByteArray, open);
        QFETCH(QByteArray, close);
        const QString file = path(QStringLiteral("deep.json"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(open.repeated(100000) + "1" + close.repeated(100000));
        f.close();
        const Run r =
            cliLimited(QStringLiteral("ulimit -t 20"), {QStringLiteral("--scenario"), file, QStringLiteral("list")});
        QVERIFY2(r.exitCode == 4, qPrintable(show(r)));
        QVERIFY2(r.err.contains("invalid scenario") && r.err.contains("nested more than 64 levels deep (at byte "),
                 qPrintable(show(r)));
    }

    /// A file over 16 MiB is refused as too large, an invalid value, not as a missing file.
    void hugeScenario()
    {
        const QString file = path(QStringLiteral("huge.json"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(17 << 20, ' '));
        f.close();
        const Run r = cli({QStringLiteral("--scenario"), file, QStringLiteral("list")});
        QVERIFY2(r.exitCode == 4, qPrintable(show(r)));
        QVERIFY2(r.err.contains("larger than 16 MiB") && !r.err.contains("FILE_NOT_FOUND"), qPrintable(show(r)));
    }

    /// A thread that cannot start (no memory for its stack) stops the others: a message and exit 3, no abort.
    void simulatorThreadsWithoutMemory()
    {
        if (test::sanitized())
            QSKIP("a sanitizer's runtime reserves more address space than the limit allows");
        const QString file = path(QStringLiteral("cameras200.json"));
        writeCameras(file, 200);
        const Run r =
            cliLimited(QStringLiteral("ulimit -v 1500000"), {QStringLiteral("watch"), QStringLiteral("--scenario"),
                                                             file, QStringLiteral("--duration"), QStringLiteral("1")});
        QVERIFY2(r.exitCode == 3, qPrintable(show(r)));
        QVERIFY2(r.err.contains("could not start their threads") && r.err.contains("started, then:") &&
                     !r.err.contains("terminate called"),
                 qPrintable(show(r)));
    }

    /// Past what the simulator can stream, the limit is named up front; listing still works.
    void tooManySimulatedCameras()
    {
        const QString file = path(QStringLiteral("cameras600.json"));
        writeCameras(file, 600);
        const Run r = cli({QStringLiteral("watch"), QStringLiteral("--scenario"), file, QStringLiteral("--duration"),
                           QStringLiteral("1")});
        QVERIFY2(r.exitCode == 4, qPrintable(show(r)));
        QVERIFY2(r.err.contains("need 1200 simulator threads") && r.err.contains("runs at most 1024"),
                 qPrintable(show(r)));
        const Run list = cli({QStringLiteral("--scenario"), file, QStringLiteral("list"), QStringLiteral("--json")});
        QVERIFY2(list.exitCode == 0, qPrintable(show(list)));
        QVERIFY(list.out.contains("sim:cam599/pin0/allocator"));
    }

    // ---- edits ----

    /// An edit the allocator cannot commit is refused before anything is stopped: exit 4, the stream goes on.
    void impossibleEditLeavesTheStream()
    {
        const Run r =
            cli({QStringLiteral("watch"), QStringLiteral("--duration"), QStringLiteral("1"), QStringLiteral("--json"),
                 QStringLiteral("--set"), QStringLiteral("sim:avshws/pin0/allocator:buffers=2000000000")});
        QVERIFY2(r.exitCode == 4, qPrintable(show(r)));
        QVERIFY2(r.err.contains("not applied") && r.err.contains("over the limit of 65536 frames"),
                 qPrintable(show(r)));
    }

    // ---- reports ----

    /// An output that cannot be written is refused before watching: nothing is watched for nothing.
    void reportOutputCheckedFirst()
    {
        const Run r = cli({QStringLiteral("report"), QStringLiteral("--duration"), QStringLiteral("30"),
                           QStringLiteral("-o"), path(QStringLiteral("missing/folder/r.html"))},
                          20000);
        QVERIFY2(r.exitCode == 2, qPrintable(show(r)));
        QVERIFY2(r.err.contains("cannot write there: the folder") && !r.err.contains("watching"), qPrintable(show(r)));
        QVERIFY(r.ms < 10000); // it did not watch for 30 s
    }

    void fullDiskKeepsTheRecording_data()
    {
        QTest::addColumn<QString>("format");
        QTest::newRow("html") << QStringLiteral("html");
        QTest::newRow("json") << QStringLiteral("json");
        QTest::newRow("csv") << QStringLiteral("csv");
    }
    /// A report that fails to write (a full disk: /dev/full) exits 3 in every format and keeps what was watched.
    void fullDiskKeepsTheRecording()
    {
        if (!QFileInfo::exists(QStringLiteral("/dev/full")))
            QSKIP("no /dev/full");
        QFETCH(QString, format);
        const Run r = cli({QStringLiteral("report"), QStringLiteral("--duration"), QStringLiteral("0.5"),
                           QStringLiteral("--format"), format, QStringLiteral("-o"), QStringLiteral("/dev/full")});
        QVERIFY2(r.exitCode == 3, qPrintable(show(r)));
        const QRegularExpression kept(QStringLiteral("what was watched is kept in (\\S+);"));
        const auto match = kept.match(QString::fromUtf8(r.err));
        QVERIFY2(match.hasMatch(), qPrintable(show(r)));
        const QString recording = match.captured(1);
        const Run reread =
            cli({QStringLiteral("report"), QStringLiteral("--recording"), recording, QStringLiteral("--format"),
                 QStringLiteral("json"), QStringLiteral("-o"), QStringLiteral("-")});
        QFile::remove(recording);
        QVERIFY2(reread.exitCode == 0, qPrintable(show(reread)));
        QVERIFY(reread.out.contains("\"samples\""));
    }

    /// --format pdf makes a PDF whatever the file is called.
    void pdfWhateverTheName()
    {
#if defined(KSSCOPE_GUI_PATH)
        const QString out = path(QStringLiteral("report.html"));
        const Run r = cli({QStringLiteral("report"), QStringLiteral("--recording"), m_recording,
                           QStringLiteral("--format"), QStringLiteral("pdf"), QStringLiteral("-o"), out});
        QVERIFY2(r.exitCode == 0, qPrintable(show(r)));
        QFile file(out);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.read(5), QByteArray("%PDF-"));
        const Run noSuffix =
            cli({QStringLiteral("report"), QStringLiteral("--recording"), m_recording, QStringLiteral("--format"),
                 QStringLiteral("pdf"), QStringLiteral("-o"), path(QStringLiteral("report"))});
        QVERIFY2(noSuffix.exitCode == 0 && !noSuffix.err.contains("--export-report"), qPrintable(show(noSuffix)));
#else
        QSKIP("built without the window program, which draws PDF reports");
#endif
    }

    // ---- recordings ----

    void notRecordings_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("is not a KsScope recording: it is empty (0 bytes)");
        QTest::newRow("text") << QByteArray("hello\n") << QStringLiteral("it is not an SQLite database");
    }
    void notRecordings()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        const QString file = path(QStringLiteral("not.ksrec"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(content);
        f.close();
        const Run r = cli({QStringLiteral("--recording"), file, QStringLiteral("list")});
        QVERIFY2(r.exitCode == 4, qPrintable(show(r)));
        QVERIFY2(QString::fromUtf8(r.err).contains(message) && !r.err.contains("is an SQLite file"),
                 qPrintable(show(r)));
        QCOMPARE(QFileInfo(file).size(), qint64(content.size())); // untouched
    }

    /// A file that is not a recording is the same invalid value (4) whatever the report's format, PDF included.
    void notARecordingInEveryFormat()
    {
        const QString file = path(QStringLiteral("notes.ksrec"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("not a recording at all\n");
        f.close();
        QStringList formats{QStringLiteral("json"), QStringLiteral("csv"), QStringLiteral("html")};
#if defined(KSSCOPE_GUI_PATH)
        formats.append(QStringLiteral("pdf"));
#endif
        for (const QString& format : formats) {
            const Run r =
                cli({QStringLiteral("report"), QStringLiteral("--recording"), file, QStringLiteral("--format"), format,
                     QStringLiteral("-o"), path(QStringLiteral("out.") + format)});
            QVERIFY2(r.exitCode == 4, qPrintable(format + QStringLiteral(": ") + show(r)));
            QVERIFY2(r.err.contains("is not a KsScope recording"), qPrintable(format + QStringLiteral(": ") + show(r)));
        }
    }

    void craftedTimes_data()
    {
        QTest::addColumn<QByteArray>("sql");
        QTest::addColumn<QString>("message");
        QTest::newRow("a sample at the largest time")
            << QByteArray("UPDATE samples SET t_ns = 9223372036854775807 WHERE t_ns = (SELECT max(t_ns) FROM samples)")
            << QStringLiteral("a sample at t_ns 9223372036854775807");
        QTest::newRow("all times negative")
            << QByteArray("UPDATE samples SET t_ns = -t_ns - 1000") << QStringLiteral("a sample at t_ns -");
        QTest::newRow("an event before the start")
            << QByteArray("INSERT INTO events VALUES(-5, 'error', 'x', 'crafted')")
            << QStringLiteral("an event at t_ns -5");
        QTest::newRow("a duration that overflows")
            << QByteArray("UPDATE meta SET value = '9223372036854775807' WHERE key = 'duration_ns'")
            << QStringLiteral("metadata \"duration_ns\" is 9223372036854775807");
    }
    /// Times outside a recording's possible span are refused on open, by every command, at once.
    void craftedTimes()
    {
        QFETCH(QByteArray, sql);
        QFETCH(QString, message);
        const QString file = path(QStringLiteral("crafted.ksrec"));
        QFile::remove(file);
        QVERIFY(QFile::copy(m_recording, file));
        QVERIFY(exec(file, sql.constData()));
        for (const QStringList& args :
             {QStringList{QStringLiteral("--recording"), file, QStringLiteral("watch"), QStringLiteral("--speed"),
                          QStringLiteral("max")},
              QStringList{QStringLiteral("report"), QStringLiteral("--recording"), file, QStringLiteral("--format"),
                          QStringLiteral("json"), QStringLiteral("-o"), QStringLiteral("-")}}) {
            const Run r = cli(args, 20000);
            QVERIFY2(r.exitCode == 4, qPrintable(show(r)));
            QVERIFY2(QString::fromUtf8(r.err).contains(QStringLiteral("malformed recording")) &&
                         QString::fromUtf8(r.err).contains(message),
                     qPrintable(show(r)));
        }
    }

    /// A recording killed mid-way (still in WAL mode) in a folder that cannot be written is read from a temporary
    /// copy, said so, and the folder is left as it was.
    void killedRecordingInReadOnlyFolder()
    {
        const QString folder = path(QStringLiteral("readonly"));
        QVERIFY(QDir().mkpath(folder));
        const QString file = folder + QStringLiteral("/killed.ksrec");
        QProcess writer;
        writer.start(QStringLiteral(KSSCOPE_CLI_PATH),
                     {QStringLiteral("watch"), QStringLiteral("--duration"), QStringLiteral("60"),
                      QStringLiteral("--rate"), QStringLiteral("200"), QStringLiteral("--record"), file});
        QVERIFY(writer.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(file + QStringLiteral("-wal")).size() > 0, 20000);
        QTest::qWait(1500); // a few commits
        ::kill(static_cast<pid_t>(writer.processId()), SIGKILL);
        writer.waitForFinished();
        QVERIFY(QFileInfo::exists(file + QStringLiteral("-wal")));
        const QStringList before = QDir(folder).entryList(QDir::Files, QDir::Name);
        const qint64 walSize = QFileInfo(file + QStringLiteral("-wal")).size();

        // read-only for whoever reads it: root ignores permissions, so root reads it as nobody
        QStringList args{QStringLiteral("report"),   QStringLiteral("--recording"), file,
                         QStringLiteral("--format"), QStringLiteral("json"),        QStringLiteral("-o"),
                         QStringLiteral("-")};
        Run r;
        if (::geteuid() == 0) {
            if (QStandardPaths::findExecutable(QStringLiteral("setpriv")).isEmpty())
                QSKIP("setpriv (util-linux) is needed to read as an unprivileged user");
            QFile::setPermissions(m_dir.path(),
                                  QFile::permissions(m_dir.path()) | QFileDevice::ExeOther | QFileDevice::ReadOther);
            QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                              QFileDevice::ReadOther | QFileDevice::ExeOther);
            for (const QString& name : before)
                QFile::setPermissions(folder + QLatin1Char('/') + name,
                                      QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther);
            QStringList all{QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"),
                            QStringLiteral("--clear-groups"), QStringLiteral(KSSCOPE_CLI_PATH)};
            all += args;
            r = runProgram(QStringLiteral("setpriv"), all);
        } else {
            QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::ExeOwner);
            r = cli(args);
            QFile::setPermissions(folder, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        }
        QVERIFY2(r.exitCode == 0, qPrintable(show(r)));
        QVERIFY2(r.err.contains("its write-ahead log is replayed in a temporary copy"), qPrintable(show(r)));
        QVERIFY(r.out.contains("\"samples\""));
        // nothing in the folder changed: no shared-memory file, the log as it was
        QCOMPARE(QDir(folder).entryList(QDir::Files, QDir::Name), before);
        QCOMPARE(QFileInfo(file + QStringLiteral("-wal")).size(), walSize);
    }

    /// --overwrite replaces a recording, never a folder in its way.
    void overwriteSparesFolders()
    {
        const QString folder = path(QStringLiteral("a-folder.ksrec"));
        QVERIFY(QDir().mkpath(folder));
        const Run r = cli({QStringLiteral("watch"), QStringLiteral("--duration"), QStringLiteral("0.2"),
                           QStringLiteral("--record"), folder, QStringLiteral("--overwrite")});
        QVERIFY2(r.exitCode == 2, qPrintable(show(r))); // a wrong --record path, as a missing folder is
        QVERIFY2(r.err.contains("it is a folder"), qPrintable(show(r)));
        QVERIFY(QFileInfo(folder).isDir());
    }

    /// An agent whose topology is malformed is named as such (its address and what is wrong), not as a scenario.
    void malformedAgentTopology()
    {
        const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QVERIFY(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        QVERIFY(::listen(listener, 16) == 0);
        socklen_t length = sizeof address;
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
        const int port = ntohs(address.sin_port);
        std::atomic<bool> done{false};
        // a fake agent: every request gets a topology whose "filters" is a number
        std::thread fake([&] {
            while (!done) {
                pollfd p{listener, POLLIN, 0};
                if (::poll(&p, 1, 100) <= 0)
                    continue;
                const int c = ::accept(listener, nullptr, nullptr);
                if (c < 0)
                    continue;
                char buffer[8192];
                std::string request;
                while (request.find("\r\n\r\n") == std::string::npos) {
                    const ssize_t n = ::recv(c, buffer, sizeof buffer, 0);
                    if (n <= 0)
                        break;
                    request.append(buffer, static_cast<std::size_t>(n));
                }
                const std::string body = R"({"schemaVersion": 1, "filters": 3})";
                const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                                          "Content-Length: " +
                                          std::to_string(body.size()) + "\r\n\r\n" + body;
                [[maybe_unused]] const ssize_t sent = ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
                ::close(c);
            }
        });
        const Run r =
            cli({QStringLiteral("--agent"), QStringLiteral("http://127.0.0.1:%1").arg(port), QStringLiteral("list")},
                30000);
        done = true;
        fake.join();
        ::close(listener);
        QVERIFY2(r.exitCode == 3 || r.exitCode == 4, qPrintable(show(r)));
        QVERIFY2(r.err.contains("/api/v1/topology") && !r.err.contains("scenario"), qPrintable(show(r)));
    }

    /// docs/RECORDING.md gives the application id the code writes.
    void documentedApplicationId()
    {
        QFile doc(QStringLiteral(KSSCOPE_SOURCE_DIR "/docs/RECORDING.md"));
        QVERIFY(doc.open(QIODevice::ReadOnly));
        const auto match = QRegularExpression(QStringLiteral("PRAGMA application_id = (\\d+)"))
                               .match(QString::fromUtf8(doc.readAll()));
        QVERIFY(match.hasMatch());
        QCOMPARE(match.captured(1).toLongLong(), qint64(ksscope::kRecordingApplicationId));
    }
};

QTEST_GUILESS_MAIN(TestHostile)
#include "tst_hostile.moc"
