// SPDX-License-Identifier: GPL-3.0-or-later
// `ksscope-cli serve` under abuse on loopback: connections that send nothing, slow-loris header trickles, header
// floods, oversized bodies, stream clients that never read, bodies of the wrong types, and an edit the machine has
// no memory for. Throughout, a token holder's /metrics must answer within 1 s and the agent's memory stay bounded.
// Attackers connect from other loopback addresses (127.0.0.2 and up), as other machines would; one case floods
// from the token holder's own address. Every loop is bounded in count and time.

#include "hostile.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr const char* kToken = "abuse-test-token-0123456789abcdef";

/// A TCP connection to the agent from \a from (a loopback address), closed on destruction.
class Socket {
public:
    Socket(const char* from, int port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        ::inet_pton(AF_INET, from, &local.sin_addr);
        if (::bind(m_fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
            return;
        sockaddr_in agent{};
        agent.sin_family = AF_INET;
        agent.sin_port = htons(static_cast<std::uint16_t>(port));
        ::inet_pton(AF_INET, "127.0.0.1", &agent.sin_addr);
        m_connected = ::connect(m_fd, reinterpret_cast<sockaddr*>(&agent), sizeof agent) == 0;
    }
    ~Socket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    [[nodiscard]] bool connected() const { return m_connected; }
    bool send(const QByteArray& data)
    {
        qsizetype sent = 0;
        while (sent < data.size()) {
            const ssize_t n =
                ::send(m_fd, data.constData() + sent, static_cast<size_t>(data.size() - sent), MSG_NOSIGNAL);
            if (n <= 0)
                return false;
            sent += n;
        }
        return true;
    }
    /// Reads until the agent closes or \a timeoutMs pass; what came.
    QByteArray readAll(int timeoutMs)
    {
        QByteArray out;
        QElapsedTimer timer;
        timer.start();
        char chunk[65536];
        while (timer.elapsed() < timeoutMs) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(timeoutMs - timer.elapsed())) <= 0)
                break;
            const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                m_closed = true;
                break;
            }
            out.append(chunk, n);
        }
        return out;
    }
    /// Whether the agent sent something or closed (a poll, no wait).
    bool answered()
    {
        pollfd p{m_fd, POLLIN, 0};
        return ::poll(&p, 1, 0) > 0;
    }
    /// Whether the agent closed the connection (reads nothing more, at once).
    bool closedByAgent()
    {
        readAll(100);
        return m_closed;
    }
    /// Makes the receive buffer small, so that a client that does not read stalls its sender soon.
    void shrinkReceiveBuffer()
    {
        int size = 4096;
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }

private:
    int m_fd = -1;
    bool m_connected = false;
    bool m_closed = false;
};

struct Answer {
    int status = 0;
    QByteArray body;
    qint64 ms = 0;
};

/// One request on a new connection from \a from, "Connection: close", read to the end.
Answer request(int port, const QByteArray& method, const QByteArray& target, const QByteArray& body = {},
               bool token = true, const char* from = "127.0.0.1")
{
    QElapsedTimer timer;
    timer.start();
    Socket s(from, port);
    Answer a;
    if (!s.connected())
        return a;
    QByteArray text = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (token)
        text += QByteArray("Authorization: Bearer ") + kToken + "\r\n";
    if (!body.isEmpty())
        text += "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    text += "\r\n" + body;
    s.send(text);
    // an answer may take seconds under a sanitizer on a busy machine (a 60000-deep body: 1 s alone under ASan)
    const QByteArray reply = s.readAll(30000);
    a.ms = timer.elapsed();
    const auto match =
        QRegularExpression(QStringLiteral("^HTTP/1\\.1 (\\d+)")).match(QString::fromLatin1(reply.left(20)));
    a.status = match.hasMatch() ? match.captured(1).toInt() : 0;
    const auto split = reply.indexOf("\r\n\r\n");
    a.body = split >= 0 ? reply.mid(split + 4) : QByteArray();
    return a;
}

/// The resident memory of \a pid in KiB.
qint64 rssKiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const auto match =
        QRegularExpression(QStringLiteral("VmRSS:\\s+(\\d+) kB")).match(QString::fromLatin1(status.readAll()));
    return match.hasMatch() ? match.captured(1).toLongLong() : -1;
}

} // namespace

class TestAgentAbuse : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    QProcess m_agent;
    int m_port = 0;
    QProcess m_editable; // one that allows edits
    int m_editablePort = 0;
    qint64 m_worstMs = 0; // the slowest token holder's /metrics of the current case
    int m_scrapes = 0;
    qint64 m_rssAtStart = 0;

    /// Starts `serve` on a free loopback port; \a limits go before it in a shell (e.g. "ulimit -v 3000000").
    bool startAgent(QProcess& agent, int& port, const QStringList& extra = {}, const QString& limits = {})
    {
        const QString tokenFile = m_dir.filePath(QStringLiteral("token"));
        QFile token(tokenFile);
        if (!token.open(QIODevice::WriteOnly))
            return false;
        token.write(QByteArray(kToken) + "\n");
        token.close();
        QStringList args{QStringLiteral("serve"),
                         QStringLiteral("--listen"),
                         QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--token-file"),
                         tokenFile,
                         QStringLiteral("--duration"),
                         QStringLiteral("300"),
                         QStringLiteral("--max-request-rate"),
                         QStringLiteral("100000")};
        args += extra;
        if (limits.isEmpty()) {
            agent.start(QStringLiteral(KSSCOPE_CLI_PATH), args);
        } else {
            QStringList all{QStringLiteral("-c"), limits + QStringLiteral("; exec \"$0\" \"$@\""),
                            QStringLiteral(KSSCOPE_CLI_PATH)};
            agent.start(QStringLiteral("/bin/sh"), all + args);
        }
        if (!agent.waitForStarted())
            return false;
        QByteArray out;
        QElapsedTimer timer;
        timer.start();
        while (!out.contains('\n') && timer.elapsed() < 30000 && agent.state() == QProcess::Running) {
            agent.waitForReadyRead(500);
            out += agent.readAllStandardOutput();
        }
        const auto match =
            QRegularExpression(QStringLiteral("http://127\\.0\\.0\\.1:(\\d+)/metrics")).match(QString::fromUtf8(out));
        if (!match.hasMatch()) {
            qWarning("serve did not start: %s %s", out.constData(), agent.readAllStandardError().constData());
            return false;
        }
        port = match.captured(1).toInt();
        return true;
    }

    /// A token holder's scrape: 200 within 1 s.
    void scrapeAnswers(const char* during)
    {
        const Answer a = request(m_port, "GET", "/metrics");
        m_worstMs = std::max(m_worstMs, a.ms);
        ++m_scrapes;
        QVERIFY2(a.status == 200, qPrintable(QStringLiteral("%1: status %2").arg(QLatin1String(during)).arg(a.status)));
        QVERIFY2(a.ms < 1000,
                 qPrintable(QStringLiteral("%1: /metrics took %2 ms").arg(QLatin1String(during)).arg(a.ms)));
        QVERIFY(a.body.contains("ksscope_allocator_frames"));
    }

    QJsonObject connections()
    {
        const Answer a = request(m_port, "GET", "/api/v1/status");
        return QJsonDocument::fromJson(a.body)
            .object()
            .value(QStringLiteral("agent"))
            .toObject()
            .value(QStringLiteral("connections"))
            .toObject();
    }

private slots:
    void init()
    {
        m_worstMs = 0;
        m_scrapes = 0;
        m_rssAtStart = rssKiB(m_agent.processId());
    }
    /// The figures of each case (docs/SECURITY.md): the slowest answer a token holder got, and the agent's memory.
    void cleanup()
    {
        if (m_scrapes > 0)
            qInfo("%s: %d scrapes, the slowest %lld ms; agent RSS %lld -> %lld KiB", QTest::currentTestFunction(),
                  m_scrapes, m_worstMs, m_rssAtStart, rssKiB(m_agent.processId()));
    }
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY(startAgent(m_agent, m_port, {QStringLiteral("--header-timeout"), QStringLiteral("2")}));
        QVERIFY(startAgent(m_editable, m_editablePort, {QStringLiteral("--allow-edits")}));
        scrapeAnswers("before any abuse");
    }
    void cleanupTestCase()
    {
        m_editable.terminate();
        QVERIFY(m_editable.waitForFinished(30000));
        m_agent.terminate();
        QVERIFY(m_agent.waitForFinished(30000));
        QCOMPARE(m_agent.exitCode(), 0); // it stopped cleanly after all of it
    }

    /// 400 connections from another address that send nothing: they wait in the gate, not on a worker.
    void idleConnections()
    {
        std::vector<std::unique_ptr<Socket>> idle;
        for (int i = 0; i < 400; ++i)
            idle.push_back(std::make_unique<Socket>("127.0.0.2", m_port));
        QVERIFY(idle.back()->connected());
        for (int i = 0; i < 5; ++i) {
            scrapeAnswers("400 idle connections");
            QTest::qWait(100);
        }
        // the address keeps at most 32 waiting: its oldest were closed to make room, the rest at the deadline
        // (the status request that asks may itself be counted while its headers arrive)
        QTRY_VERIFY_WITH_TIMEOUT(connections().value(QStringLiteral("waiting")).toInt() <= 1, 10000);
        const QJsonObject c = connections();
        QVERIFY2(c.value(QStringLiteral("closedEvicted")).toInt() >= 368, QJsonDocument(c).toJson().constData());
        QVERIFY(c.value(QStringLiteral("closedHeaderTimeout")).toInt() >= 32);
        int closed = 0;
        for (auto& s : idle)
            closed += s->closedByAgent() ? 1 : 0;
        QCOMPARE(closed, 400);
    }

    /// The same from the token holder's own address: the newest connection (the token holder's) is served.
    void idleConnectionsFromTheSameAddress()
    {
        std::vector<std::unique_ptr<Socket>> idle;
        for (int i = 0; i < 300; ++i)
            idle.push_back(std::make_unique<Socket>("127.0.0.1", m_port));
        for (int i = 0; i < 5; ++i)
            scrapeAnswers("300 idle connections from the same address");
    }

    /// 200 connections trickling one header line every 300 ms: each is cut at the 2 s header deadline with 408.
    void slowLoris()
    {
        std::vector<std::unique_ptr<Socket>> loris;
        for (int i = 0; i < 200; ++i) {
            loris.push_back(std::make_unique<Socket>(i % 2 ? "127.0.0.3" : "127.0.0.4", m_port));
            loris.back()->send("GET /metrics HTTP/1.1\r\n");
        }
        QElapsedTimer timer;
        timer.start();
        int round = 0;
        while (timer.elapsed() < 3500) {
            for (auto& s : loris)
                if (!s->answered()) // a loris keeps trickling until the agent answers or hangs up
                    s->send("X-Trickle-" + QByteArray::number(round) + ": a\r\n");
            ++round;
            scrapeAnswers("a slow-loris of 200 connections");
            QTest::qWait(300);
        }
        int timedOut = 0;
        for (auto& s : loris)
            timedOut += s->readAll(2000).startsWith("HTTP/1.1 408") ? 1 : 0;
        // each address keeps 32 waiting: of 100 per address, the newest 32 reach the deadline, the rest make room
        QVERIFY2(timedOut >= 64, qPrintable(QStringLiteral("%1 of 200 got 408").arg(timedOut)));
        for (auto& s : loris)
            QVERIFY(s->closedByAgent());
    }

    /// Requests of 5000 short headers are answered 431 by the gate, and the agent keeps no memory of them.
    void headerFloods()
    {
        QByteArray headers;
        for (int i = 0; i < 5000; ++i)
            headers += "X-" + QByteArray::number(i) + ": y\r\n";
        const QByteArray flood = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
        const QByteArray longLine = "GET /metrics HTTP/1.1\r\nX-Long: " + QByteArray(200000, 'a') + "\r\n\r\n";
        // warm up, then measure
        for (int i = 0; i < 5; ++i) {
            Socket s("127.0.0.5", m_port);
            s.send(flood);
            s.readAll(2000);
        }
        const qint64 before = rssKiB(m_agent.processId());
        for (int i = 0; i < 100; ++i) {
            Socket s("127.0.0.5", m_port);
            s.send(i % 2 ? flood : longLine);
            const QByteArray reply = s.readAll(5000);
            QVERIFY2(reply.startsWith("HTTP/1.1 431"), reply.left(80).constData());
            if (i % 10 == 0)
                scrapeAnswers("header floods");
        }
        const qint64 after = rssKiB(m_agent.processId());
        QVERIFY2(after - before < 20 * 1024, qPrintable(QStringLiteral("RSS %1 -> %2 KiB").arg(before).arg(after)));
    }

    /// A body over the limit is refused without being read; one without its token is refused before its body.
    void oversizedBodies()
    {
        const qint64 before = rssKiB(m_agent.processId());
        for (int i = 0; i < 10; ++i) {
            Socket s("127.0.0.6", m_port);
            s.send(QByteArray("POST /api/v1/properties HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken +
                   "\r\nContent-Length: 100000000\r\n\r\n" + QByteArray(1 << 20, '{'));
            const QByteArray reply = s.readAll(5000);
            QVERIFY2(reply.startsWith("HTTP/1.1 413"), reply.left(80).constData());
        }
        for (int i = 0; i < 10; ++i) {
            Socket s("127.0.0.6", m_port);
            s.send(QByteArray("POST /api/v1/properties HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken +
                   "\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n" + QByteArray(4096, '{'));
            const QByteArray reply = s.readAll(5000); // a chunked body could be endless: not taken
            QVERIFY2(reply.startsWith("HTTP/1.1 413"), reply.left(80).constData());
        }
        for (int i = 0; i < 10; ++i) {
            Socket s("127.0.0.6", m_port);
            s.send("POST /api/v1/properties HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\n");
            const QByteArray reply = s.readAll(5000); // no body sent: answered anyway, and closed
            QVERIFY2(reply.startsWith("HTTP/1.1 401"), reply.left(80).constData());
            QVERIFY(s.closedByAgent());
        }
        scrapeAnswers("oversized bodies");
        const qint64 after = rssKiB(m_agent.processId());
        QVERIFY2(after - before < 20 * 1024, qPrintable(QStringLiteral("RSS %1 -> %2 KiB").arg(before).arg(after)));
    }

    void malformedRequests_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<QByteArray>("status");
        const QByteArray auth = QByteArray("Authorization: Bearer ") + kToken + "\r\n";
        // cpp-httplib reads CR LF lines only: a bare LF must not leave a worker waiting for more
        QTest::newRow("bare LF") << QByteArray("GET /metrics HTTP/1.1\r\nHost: x\r\n\n") << QByteArray("400");
        QTest::newRow("POST without a length")
            << "POST /api/v1/mode HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n{\"id\": \"x\"}" << QByteArray("411");
        QTest::newRow("compressed body") << "POST /api/v1/mode HTTP/1.1\r\nHost: x\r\n" + auth +
                                                "Content-Encoding: br\r\nContent-Length: 4\r\n\r\nabcd"
                                         << QByteArray("415");
        QTest::newRow("a chunked request behind a good one")
            << "GET / HTTP/1.1\r\nHost: x\r\n" + auth + "\r\nPOST /api/v1/mode HTTP/1.1\r\nHost: x\r\n" + auth +
                   "Transfer-Encoding: chunked\r\n\r\n10000\r\n"
            << QByteArray("413");
    }
    /// Requests cpp-httplib would read past what they announce are answered by the gate, the answer arriving whole.
    void malformedRequests()
    {
        QFETCH(QByteArray, request);
        QFETCH(QByteArray, status);
        Socket s("127.0.0.8", m_port);
        s.send(request);
        const QByteArray reply = s.readAll(5000);
        QVERIFY2(reply.contains("HTTP/1.1 " + status + ' '), reply.left(300).constData());
        QVERIFY(s.closedByAgent());
        scrapeAnswers("malformed requests");
    }

    /// Stream clients that never read: the agent goes on answering, the 17th is refused, and the stalled ones are
    /// dropped once their sends time out, with their queues bounded.
    void streamClientsThatNeverRead()
    {
        std::vector<std::unique_ptr<Socket>> streams;
        for (int i = 0; i < 16; ++i) {
            streams.push_back(std::make_unique<Socket>("127.0.0.7", m_port));
            streams.back()->shrinkReceiveBuffer();
            streams.back()->send(
                QByteArray("GET /api/v1/stream?buffers=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + kToken +
                "\r\n\r\n");
        }
        QTRY_VERIFY_WITH_TIMEOUT(connections().value(QStringLiteral("serving")).toInt() >= 16, 10000);
        const Answer refused = request(m_port, "GET", "/api/v1/stream");
        QCOMPARE(refused.status, 503);
        const qint64 before = rssKiB(m_agent.processId());
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 4000) {
            scrapeAnswers("16 stream clients that never read");
            QTest::qWait(250);
        }
        const qint64 after = rssKiB(m_agent.processId());
        QVERIFY2(after - before < 64 * 1024, qPrintable(QStringLiteral("RSS %1 -> %2 KiB").arg(before).arg(after)));
        streams.clear(); // the clients go away: their workers come back
        QTRY_VERIFY_WITH_TIMEOUT(connections().value(QStringLiteral("serving")).toInt() <= 1, 15000);
    }

    void wrongBodies_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        QTest::newRow("mode a number") << QByteArray("/api/v1/mode")
                                       << QByteArray(R"({"id": "sim:avshws/pin0/allocator", "mode": 1})") << 400
                                       << QStringLiteral("\"mode\" must be \"user\" or \"kernel\", got 1");
        QTest::newRow("dryRun a string") << QByteArray("/api/v1/mode")
                                         << QByteArray(R"({"id": "sim:avshws/pin0", "mode": "user", "dryRun": "yes"})")
                                         << 400 << QStringLiteral("\"dryRun\" must be true or false, got \"yes\"");
        QTest::newRow("buffers a string")
            << QByteArray("/api/v1/properties") << QByteArray(R"({"id": "sim:avshws/pin0", "buffers": "8"})") << 400
            << QStringLiteral("\"buffers\" must be a whole number from 0 to 2147483647, got \"8\"");
        QTest::newRow("buffers a fraction")
            << QByteArray("/api/v1/properties") << QByteArray(R"({"id": "sim:avshws/pin0", "buffers": 2.5})") << 400
            << QStringLiteral("got 2.5");
        QTest::newRow("unknown field") << QByteArray("/api/v1/properties")
                                       << QByteArray(R"({"id": "sim:avshws/pin0", "bufers": 8})") << 400
                                       << QStringLiteral("unknown field \"bufers\"");
        QTest::newRow("id a number") << QByteArray("/api/v1/properties") << QByteArray(R"({"id": 7, "buffers": 8})")
                                     << 400 << QStringLiteral("\"id\"");
        QTest::newRow("an array") << QByteArray("/api/v1/mode") << QByteArray("[1, 2]") << 400
                                  << QStringLiteral("must be a JSON object");
        QTest::newRow("deep nesting") << QByteArray("/api/v1/mode") << QByteArray(60000, '[') << 400
                                      << QStringLiteral("must be a JSON object");
    }
    /// Bodies of the wrong shape are 400s naming the field, never 500s with a library's text.
    void wrongBodies()
    {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, message);
        // the main agent is read-only (403 before any field is read): ask the one that allows edits
        const Answer a = request(m_editablePort, "POST", target, body);
        QVERIFY2(a.status == status, qPrintable(QStringLiteral("%1: %2").arg(a.status).arg(QString::fromUtf8(a.body))));
        QVERIFY2(QString::fromUtf8(a.body).contains(message), a.body.constData());
    }

    /// An edit the machine has no memory for is undone: 422, not applied, and the frames flow on.
    void failedEditLeavesTheDeviceStreaming()
    {
        if (test::sanitized())
            QSKIP("a sanitizer's runtime reserves more address space than the limit allows");
        QProcess limited;
        int port = 0;
        QVERIFY(startAgent(limited, port, {QStringLiteral("--allow-edits")}, QStringLiteral("ulimit -v 2500000")));
        auto delivered = [&] {
            const Answer a = request(port, "GET", "/api/v1/status");
            for (const auto& v : QJsonDocument::fromJson(a.body).object().value(QStringLiteral("allocators")).toArray())
                if (v.toObject().value(QStringLiteral("id")).toString() == QStringLiteral("sim:avshws/pin0/allocator"))
                    return v.toObject().value(QStringLiteral("delivered")).toInteger();
            return qint64(-1);
        };
        // 60000 frames of 60000 bytes: within the allocator's limits, beyond the process's memory
        const Answer edit = request(port, "POST", "/api/v1/properties",
                                    R"({"id": "sim:avshws/pin0/allocator", "buffers": 60000, "bufferSize": 60000})");
        const QJsonObject reply = QJsonDocument::fromJson(edit.body).object();
        QCOMPARE(edit.status, 422);
        QCOMPARE(reply.value(QStringLiteral("applied")).toBool(true), false);
        QVERIFY2(reply.value(QStringLiteral("status"))
                     .toObject()
                     .value(QStringLiteral("message"))
                     .toString()
                     .contains(QStringLiteral("the previous properties were restored and the devices stream again")),
                 edit.body.constData());
        QCOMPARE(reply.value(QStringLiteral("actual")).toObject().value(QStringLiteral("buffers")).toInt(), 2);
        const qint64 first = delivered();
        QTest::qWait(1000);
        QVERIFY2(delivered() > first + 10, "frames stopped flowing after the failed edit");
        // a valid edit afterwards applies and the stream goes on
        const Answer valid =
            request(port, "POST", "/api/v1/properties", R"({"id": "sim:avshws/pin0/allocator", "buffers": 6})");
        QCOMPARE(valid.status, 200);
        const qint64 second = delivered();
        QTest::qWait(1000);
        QVERIFY(delivered() > second + 10);
        limited.terminate();
        limited.waitForFinished(30000);
    }
};

QTEST_GUILESS_MAIN(TestAgentAbuse)
#include "tst_agent_abuse.moc"
