// SPDX-License-Identifier: GPL-3.0-or-later
// The agent (ksscope-cli serve) over real HTTP on loopback: the metrics text parsed back in both formats, the token,
// edits, limits, the event stream with many clients and with one that stops reading, and the agent backend.

#include "ksscope/agent.h"
#include "ksscope/backend.h"
#include "ksscope/json_output.h"
#include "ksscope/monitor.h"
#include "ksscope/version.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <httplib.h>
#include <map>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace ksscope;
using namespace ksscope::agent;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kStarvation = KSSCOPE_SCENARIO_DIR "/starvation.json";
const std::string kToken = "0123456789abcdef0123456789abcdef";

/// One sample line of an exposition, parsed.
struct ParsedSample {
    std::map<std::string, std::string> labels;
    double value = 0.0;
};
/// An exposition parsed back: family name -> type, sample name -> samples. Fails the test on any malformed line.
struct Parsed {
    std::map<std::string, std::string> types;
    std::map<std::string, std::vector<ParsedSample>> samples;
    bool ok = false;
    QString error;

    /// The one sample of \a name whose labels include \a want, or null.
    [[nodiscard]] const ParsedSample* find(const std::string& name,
                                           const std::map<std::string, std::string>& want) const
    {
        auto it = samples.find(name);
        if (it == samples.end())
            return nullptr;
        for (const ParsedSample& s : it->second) {
            bool match = true;
            for (const auto& [k, v] : want)
                match = match && s.labels.count(k) && s.labels.at(k) == v;
            if (match)
                return &s;
        }
        return nullptr;
    }
};

/// Parses the Prometheus text format 0.0.4 or OpenMetrics 1.0.0, checking what a scraper checks: HELP and TYPE
/// before a family's samples, sample names that belong to the declared family (with _total for OpenMetrics
/// counters), label syntax and escapes, numbers, and "# EOF" at the end of OpenMetrics.
Parsed parseExposition(const std::string& text, MetricsFormat format)
{
    Parsed p;
    static const QRegularExpression kSample(QStringLiteral(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)$)"));
    static const QRegularExpression kName(QStringLiteral(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*$)"));
    std::string family;
    std::string type;
    bool eof = false;
    std::size_t lineNo = 0;
    std::size_t pos = 0;
    auto fail = [&](const QString& why) {
        p.error = QStringLiteral("line %1: %2").arg(lineNo).arg(why);
        return p;
    };
    if (text.empty() || text.back() != '\n')
        return fail(QStringLiteral("the text must end with a line feed"));
    while (pos < text.size()) {
        const std::size_t eol = text.find('\n', pos);
        const std::string line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++lineNo;
        if (eof)
            return fail(QStringLiteral("text after # EOF"));
        if (line == "# EOF") {
            eof = true;
            continue;
        }
        if (line.rfind("# HELP ", 0) == 0) {
            family = line.substr(7, line.find(' ', 7) - 7);
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            const std::size_t space = line.find(' ', 7);
            const std::string name = line.substr(7, space - 7);
            if (name != family)
                return fail(QStringLiteral("TYPE of %1 follows HELP of %2")
                                .arg(QString::fromStdString(name), QString::fromStdString(family)));
            type = line.substr(space + 1);
            if (p.types.count(name))
                return fail(QStringLiteral("family %1 declared twice").arg(QString::fromStdString(name)));
            p.types[name] = type;
            continue;
        }
        if (line.rfind('#', 0) == 0)
            return fail(QStringLiteral("unknown comment: ") + QString::fromStdString(line));
        const auto m = kSample.match(QString::fromStdString(line));
        if (!m.hasMatch())
            return fail(QStringLiteral("not a sample: ") + QString::fromStdString(line));
        const std::string name = m.captured(1).toStdString();
        std::string expected = family;
        if (format == MetricsFormat::OpenMetrics && type == "counter")
            expected += "_total";
        if (format == MetricsFormat::OpenMetrics && type == "info")
            expected += "_info";
        if (name != expected)
            return fail(
                QStringLiteral("sample %1 in family %2 (%3)")
                    .arg(QString::fromStdString(name), QString::fromStdString(family), QString::fromStdString(type)));
        if (format == MetricsFormat::Prometheus && type == "counter" && !name.ends_with("_total"))
            return fail(QStringLiteral("counter without _total: ") + QString::fromStdString(name));
        ParsedSample sample;
        const std::string labels = m.captured(3).toStdString();
        std::size_t i = 0;
        while (i < labels.size()) {
            const std::size_t eq = labels.find('=', i);
            if (eq == std::string::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"')
                return fail(QStringLiteral("bad label in ") + QString::fromStdString(line));
            const std::string key = labels.substr(i, eq - i);
            if (!kName.match(QString::fromStdString(key)).hasMatch())
                return fail(QStringLiteral("bad label name ") + QString::fromStdString(key));
            std::string value;
            std::size_t j = eq + 2;
            for (; j < labels.size() && labels[j] != '"'; ++j) {
                if (labels[j] == '\\' && j + 1 < labels.size()) {
                    const char e = labels[++j];
                    value += e == 'n' ? '\n' : e;
                    if (e != 'n' && e != '\\' && e != '"')
                        return fail(QStringLiteral("bad escape in ") + QString::fromStdString(line));
                } else {
                    value += labels[j];
                }
            }
            if (j >= labels.size())
                return fail(QStringLiteral("unterminated label value in ") + QString::fromStdString(line));
            sample.labels[key] = value;
            i = j + 1;
            if (i < labels.size()) {
                if (labels[i] != ',')
                    return fail(QStringLiteral("expected , in ") + QString::fromStdString(line));
                ++i;
            }
        }
        bool numberOk = false;
        sample.value = m.captured(4).toDouble(&numberOk);
        if (!numberOk)
            return fail(QStringLiteral("not a number: ") + m.captured(4));
        p.samples[name].push_back(std::move(sample));
    }
    if (format == MetricsFormat::OpenMetrics && !eof)
        return fail(QStringLiteral("OpenMetrics text must end with # EOF"));
    p.ok = true;
    return p;
}

/// A session of simulated devices, a monitor on it and an agent serving them on a free loopback port.
struct Served {
    explicit Served(const std::string& scenario, AgentOptions options = {}, double rateHz = 100.0)
    {
        Monitor::Options mo;
        mo.rateHz = rateHz;
        mo.windowSeconds = 30;
        watch = std::make_unique<WatchSession>(mo);
        monitor = watch->monitor();
        openStatus = watch->open({"sim"}, BackendOptions{{"scenario", scenario}});
        if (!openStatus)
            return;
        watch->startDevices();
        watch->startSampling();
        if (options.listen == AgentOptions{}.listen)
            options.listen = "127.0.0.1:0";
        agent = std::make_unique<Agent>(*watch, options);
        startStatus = agent->start();
    }
    ~Served()
    {
        if (agent)
            agent->stop();
        SampleBatch last;
        (void)watch->finish(last);
    }
    Served(const Served&) = delete;
    Served& operator=(const Served&) = delete;

    [[nodiscard]] httplib::Client client(const std::string& token = {}) const
    {
        httplib::Client c("127.0.0.1", agent->address().port);
        c.set_read_timeout(10, 0);
        if (!token.empty())
            c.set_bearer_token_auth(token);
        return c;
    }

    std::unique_ptr<WatchSession> watch;
    std::shared_ptr<Monitor> monitor;
    std::unique_ptr<Agent> agent;
    Status openStatus;
    Status startStatus;
};

const std::map<std::string, std::string> kAvshws{{"backend", "sim"},
                                                 {"device", "sim:avshws"},
                                                 {"pin", "sim:avshws/pin0"},
                                                 {"allocator", "sim:avshws/pin0/allocator"}};

const char* const kPrometheusAccept = "application/openmetrics-text;version=1.0.0,application/"
                                      "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// Reads server-sent events from /api/v1/stream until \a until says stop or \a seconds pass.
struct StreamReader {
    std::map<std::string, int> counts; // event name -> how many
    std::vector<json> events; // the "event" messages
    double lastSampleT = -1.0;
    int status = 0;
};

void readStream(int port, const std::string& query, double seconds, StreamReader& out,
                const std::function<bool(const StreamReader&)>& until = {})
{
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(5, 0);
    std::string buffer;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    c.Get(
        "/api/v1/stream" + query, httplib::Headers{},
        [&](const httplib::Response& r) {
            out.status = r.status;
            return r.status == 200;
        },
        [&](const char* data, std::size_t n) {
            buffer.append(data, n);
            std::size_t end;
            while ((end = buffer.find("\n\n")) != std::string::npos) {
                const std::string block = buffer.substr(0, end);
                buffer.erase(0, end + 2);
                if (block.rfind(':', 0) == 0)
                    continue; // keep-alive comment
                const std::size_t nl = block.find('\n');
                const std::string event = block.substr(7, nl - 7);
                const json message = json::parse(block.substr(nl + 7), nullptr, false);
                ++out.counts[event];
                if (event == "event")
                    out.events.push_back(message);
                if (event == "sample")
                    out.lastSampleT = message.value("t", -1.0);
            }
            return std::chrono::steady_clock::now() < deadline && !(until && until(out));
        });
}

} // namespace

class TestAgent : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void negotiatesTheFormatPrometheusAsksFor()
    {
        QCOMPARE(negotiateMetricsFormat(kPrometheusAccept), MetricsFormat::OpenMetrics);
        QCOMPARE(negotiateMetricsFormat("text/plain;version=0.0.4;q=0.5,*/*;q=0.1"), MetricsFormat::Prometheus);
        QCOMPARE(negotiateMetricsFormat(""), MetricsFormat::Prometheus);
        QCOMPARE(negotiateMetricsFormat("*/*"), MetricsFormat::Prometheus);
        QCOMPARE(negotiateMetricsFormat("application/openmetrics-text;q=0.2, text/plain;q=0.9"),
                 MetricsFormat::Prometheus);
        QCOMPARE(negotiateMetricsFormat("Application/OpenMetrics-Text; version=1.0.0"), MetricsFormat::OpenMetrics);
        QCOMPARE(negotiateMetricsFormat("application/openmetrics-text;q=0"), MetricsFormat::Prometheus);
    }

    void labelValuesAreEscapedAndReadBack()
    {
        MetricsSnapshot s;
        AllocatorMetrics a;
        a.backend = "v4l2";
        a.device = "v4l2:/dev/media0 \"vimc\"";
        a.pin = "back\\slash/pin\nnext";
        a.allocator = "v4l2:x/allocator";
        a.frames = 4;
        a.allocatedFrames = 3;
        a.starvedSeconds = 0.25;
        a.droppedFrames = 7;
        s.allocators.push_back(a);
        s.devices.push_back({"v4l2", a.device, false});
        for (const MetricsFormat format : {MetricsFormat::Prometheus, MetricsFormat::OpenMetrics}) {
            std::string text;
            writeMetrics(s, format, text);
            const Parsed p = parseExposition(text, format);
            QVERIFY2(p.ok, qPrintable(p.error));
            const ParsedSample* allocated =
                p.find("ksscope_allocator_allocated_frames", {{"device", a.device}, {"pin", a.pin}});
            QVERIFY(allocated);
            QCOMPARE(allocated->value, 3.0);
            QCOMPARE(p.find("ksscope_allocator_starved_seconds_total", {{"pin", a.pin}})->value, 0.25);
            QCOMPARE(p.find("ksscope_allocator_dropped_frames_total", {{"pin", a.pin}})->value, 7.0);
            QCOMPARE(p.find("ksscope_device_up", {{"device", a.device}})->value, 0.0);
            QCOMPARE(p.types.at(format == MetricsFormat::OpenMetrics ? "ksscope_allocator_dropped_frames"
                                                                     : "ksscope_allocator_dropped_frames_total"),
                     std::string("counter"));
        }
    }

    void metricsParseBackInBothFormatsAndCountStarvation()
    {
        Served served(kStarvation);
        QVERIFY2(served.startStatus, served.startStatus.message().c_str());
        std::this_thread::sleep_for(3s); // the starvation scenario stalls its reader about once a second
        auto client = served.client();
        auto om = client.Get("/metrics", {{"Accept", kPrometheusAccept}});
        QVERIFY(om);
        QCOMPARE(om->status, 200);
        QCOMPARE(om->get_header_value("Content-Type"), std::string(metricsContentType(MetricsFormat::OpenMetrics)));
        const Parsed first = parseExposition(om->body, MetricsFormat::OpenMetrics);
        QVERIFY2(first.ok, qPrintable(first.error));
        QCOMPARE(first.types.at("ksscope_allocator_starvations"), std::string("counter"));
        QCOMPARE(first.types.at("ksscope_build"), std::string("info"));

        const ParsedSample* frames = first.find("ksscope_allocator_frames", kAvshws);
        QVERIFY(frames);
        QCOMPARE(frames->value, 2.0); // the scenario's framing
        QCOMPARE(first.find("ksscope_allocator_frame_size_bytes", kAvshws)->value, 153600.0);
        const double allocated = first.find("ksscope_allocator_allocated_frames", kAvshws)->value;
        QVERIFY(allocated >= 0 && allocated <= 2);
        const ParsedSample* starvations = first.find("ksscope_allocator_starvations_total", kAvshws);
        QVERIFY(starvations);
        QVERIFY2(starvations->value >= 1, "3 s of the starvation scenario starve at least once");
        QVERIFY(first.find("ksscope_allocator_starved_seconds_total", kAvshws)->value > 0);
        QVERIFY(first.find("ksscope_allocator_delivered_frames_total", kAvshws)->value > 30);
        QCOMPARE(first.find("ksscope_device_up", {{"device", "sim:avshws"}})->value, 1.0);
        QVERIFY(first.find("ksscope_build_info", {{"version", KSSCOPE_VERSION}}));
        QVERIFY(first.find("ksscope_sampler_ticks_total", {})->value > 200);

        // the same document in the Prometheus text format, and counters that only grow
        std::this_thread::sleep_for(1500ms);
        auto text = client.Get("/metrics");
        QVERIFY(text);
        QCOMPARE(text->get_header_value("Content-Type"), std::string(metricsContentType(MetricsFormat::Prometheus)));
        const Parsed second = parseExposition(text->body, MetricsFormat::Prometheus);
        QVERIFY2(second.ok, qPrintable(second.error));
        QCOMPARE(second.types.at("ksscope_allocator_starvations_total"), std::string("counter"));
        QCOMPARE(second.types.at("ksscope_build_info"), std::string("gauge"));
        for (const char* counter : {"ksscope_allocator_starvations_total", "ksscope_allocator_dropped_frames_total",
                                    "ksscope_allocator_delivered_frames_total"})
            QVERIFY2(second.find(counter, kAvshws)->value >= first.find(counter, kAvshws)->value, counter);
        QVERIFY(second.find("ksscope_allocator_delivered_frames_total", kAvshws)->value >
                first.find("ksscope_allocator_delivered_frames_total", kAvshws)->value);

#if defined(KSSCOPE_PROMTOOL)
        // Prometheus's own linter reads the text format (it has no OpenMetrics parser)
        for (const std::string& body : {text->body}) {
            QProcess promtool;
            promtool.start(QStringLiteral(KSSCOPE_PROMTOOL), {QStringLiteral("check"), QStringLiteral("metrics")});
            QVERIFY(promtool.waitForStarted());
            promtool.write(body.data(), static_cast<qint64>(body.size()));
            promtool.closeWriteChannel();
            QVERIFY(promtool.waitForFinished(30000));
            QVERIFY2(promtool.exitCode() == 0,
                     qPrintable(QString::fromUtf8(promtool.readAllStandardOutput() + promtool.readAllStandardError())));
        }
#endif
    }

    void deviceUpFallsWhenADeviceIsUnplugged()
    {
        Served served(KSSCOPE_SCENARIO_DIR "/faults.json"); // the camera is unplugged at 5 s
        QVERIFY2(served.startStatus, served.startStatus.message().c_str());
        auto client = served.client();
        auto before = client.Get("/metrics");
        QVERIFY(before);
        const Parsed p1 = parseExposition(before->body, MetricsFormat::Prometheus);
        QVERIFY2(p1.ok, qPrintable(p1.error));
        QCOMPARE(p1.find("ksscope_device_up", {{"device", "sim:avshws"}})->value, 1.0);
        QVERIFY(p1.find("ksscope_allocator_frames", kAvshws));
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        Parsed p2;
        while (std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(250ms);
            auto after = client.Get("/metrics");
            QVERIFY(after);
            p2 = parseExposition(after->body, MetricsFormat::Prometheus);
            QVERIFY2(p2.ok, qPrintable(p2.error));
            if (p2.find("ksscope_device_up", {{"device", "sim:avshws"}})->value == 0.0)
                break;
        }
        QCOMPARE(p2.find("ksscope_device_up", {{"device", "sim:avshws"}})->value, 0.0);
        QVERIFY2(!p2.find("ksscope_allocator_frames", kAvshws), "a gone allocator's series end");
        QCOMPARE(p2.find("ksscope_device_up", {{"device", "sim:render"}})->value, 1.0);
    }

    void theTokenIsRequiredOffLoopbackAndChecked()
    {
        {
            AgentOptions options;
            options.listen = "0.0.0.0:0";
            Served open(kStarvation, options);
            QCOMPARE(open.startStatus.code(), E_INVALIDARG);
            QVERIFY2(open.startStatus.message().find("--token-file") != std::string::npos,
                     open.startStatus.message().c_str());
        }
        {
            AgentOptions options;
            options.allowEdits = true;
            Served edits(kStarvation, options);
            QCOMPARE(edits.startStatus.code(), E_INVALIDARG);
            QVERIFY(edits.startStatus.message().find("--allow-edits needs a token") != std::string::npos);
        }
        AgentOptions options;
        options.listen = "0.0.0.0:0";
        options.token = kToken;
        Served served(kStarvation, options);
        QVERIFY2(served.startStatus, served.startStatus.message().c_str());
        for (const char* path : {"/metrics", "/api/v1/status", "/api/v1/topology", "/api/v1/stream"}) {
            auto none = served.client().Get(path);
            QVERIFY(none);
            QCOMPARE(none->status, 401);
            QCOMPARE(none->get_header_value("WWW-Authenticate"), std::string("Bearer realm=\"ksscope\""));
            QVERIFY(none->body.find("Authorization: Bearer") != std::string::npos);
            auto wrong = served.client(std::string(kToken.size(), 'x')).Get(path);
            QCOMPARE(wrong->status, 401);
            auto shorter = served.client(kToken.substr(0, 10)).Get(path);
            QCOMPARE(shorter->status, 401);
        }
        auto right = served.client(kToken).Get("/api/v1/status");
        QCOMPARE(right->status, 200);
        QVERIFY(json::parse(right->body)["agent"]["tokenRequired"].get<bool>());
        QCOMPARE(served.agent->stats().refusedRequests, 12u);
    }

    void editsNeedAllowEditsAndTheToken()
    {
        {
            Served readOnly(kStarvation);
            QVERIFY(readOnly.startStatus);
            auto r = readOnly.client().Post("/api/v1/properties",
                                            json{{"id", "sim:avshws/pin0"}, {"buffers", 8}}.dump(), "application/json");
            QCOMPARE(r->status, 403);
            QVERIFY(r->body.find("--allow-edits") != std::string::npos);
            QCOMPARE(
                readOnly.watch->session().topology().findAllocator("sim:avshws/pin0/allocator")->properties.cBuffers,
                2);
        }
        AgentOptions options;
        options.token = kToken;
        options.allowEdits = true;
        Served served(kStarvation, options);
        QVERIFY2(served.startStatus, served.startStatus.message().c_str());
        auto client = served.client(kToken);
        auto dry =
            client.Post("/api/v1/properties", json{{"id", "sim:avshws/pin0"}, {"buffers", 8}, {"dryRun", true}}.dump(),
                        "application/json");
        QCOMPARE(dry->status, 200);
        QCOMPARE(json::parse(dry->body)["actual"]["buffers"].get<int>(), 8);
        QCOMPARE(served.watch->session().topology().findAllocator("sim:avshws/pin0/allocator")->properties.cBuffers, 2);
        auto applied = client.Post("/api/v1/properties", json{{"id", "sim:avshws/pin0"}, {"buffers", 8}}.dump(),
                                   "application/json");
        QCOMPARE(applied->status, 200);
        QVERIFY(json::parse(applied->body)["applied"].get<bool>());
        QCOMPARE(served.watch->session().topology().findAllocator("sim:avshws/pin0/allocator")->properties.cBuffers, 8);

        auto bad = client.Post("/api/v1/properties", json{{"id", "sim:avshws/pin0"}, {"buffers", "many"}}.dump(),
                               "application/json");
        QCOMPARE(bad->status, 400);
        QVERIFY(bad->body.find("\"buffers\" must be a whole number") != std::string::npos);
        auto unknown =
            client.Post("/api/v1/mode", json{{"id", "sim:nothing"}, {"mode", "user"}}.dump(), "application/json");
        QCOMPARE(unknown->status, 404);
        auto notJson = client.Post("/api/v1/mode", "{", "application/json");
        QCOMPARE(notJson->status, 400);
        auto mode = client.Post("/api/v1/mode", json{{"id", "sim:avshws/pin0/allocator"}, {"mode", "user"}}.dump(),
                                "application/json");
        QVERIFY(mode->status == 200 || mode->status == 422); // whatever the allocator says, named in the answer
        QVERIFY(json::parse(mode->body).contains("status"));
    }

    void requestSizeAndRateAreLimited()
    {
        AgentOptions options;
        options.requestsPerSecond = 5; // bursts of 10
        options.maxBodyBytes = 1024;
        options.token = kToken;
        options.allowEdits = true;
        Served served(kStarvation, options);
        QVERIFY(served.startStatus);
        auto client = served.client(kToken);
        auto big = client.Post("/api/v1/properties", std::string(4096, ' '), "application/json");
        QVERIFY(big);
        QCOMPARE(big->status, 413);
        QVERIFY(big->body.find("1024 bytes") != std::string::npos);
        int limited = 0;
        for (int i = 0; i < 20; ++i) {
            auto r = client.Get("/api/v1/status");
            QVERIFY(r);
            if (r->status == 429) {
                ++limited;
                QCOMPARE(r->get_header_value("Retry-After"), std::string("1"));
                QVERIFY(r->body.find("too many requests") != std::string::npos);
            }
        }
        QVERIFY2(limited >= 8, qPrintable(QString::number(limited)));
        std::this_thread::sleep_for(1s); // the bucket fills again
        QCOMPARE(client.Get("/api/v1/status")->status, 200);
        QVERIFY(served.agent->stats().rateLimitedRequests >= 8);
    }

    void topologyAndStatusAreTheDocumentedJson()
    {
        Served served(kStarvation);
        QVERIFY(served.startStatus);
        std::this_thread::sleep_for(500ms);
        auto topology = served.client().Get("/api/v1/topology");
        QCOMPARE(topology->status, 200);
        Topology parsed;
        QVERIFY(topologyFromJson(json::parse(topology->body), parsed));
        QCOMPARE(parsed.filters.size(), 1u);
        QCOMPARE(parsed.allocators.at(0).id, std::string("sim:avshws/pin0/allocator"));
        auto status = served.client().Get("/api/v1/status");
        const json s = json::parse(status->body);
        QCOMPARE(s["allocators"].size(), std::size_t{1});
        QCOMPARE(s["allocators"][0]["pin"].get<std::string>(), std::string("sim:avshws/pin0"));
        QVERIFY(s["devices"][0]["up"].get<bool>());
        QVERIFY(s["sampler"]["ticks"].get<int>() > 10);
        auto missing = served.client().Get("/nothing");
        QCOMPARE(missing->status, 404);
        QVERIFY(missing->body.find("GET / lists them") != std::string::npos);
    }

    void theStreamCarriesSamplesAndEvents()
    {
        Served served(kStarvation);
        QVERIFY(served.startStatus);
        StreamReader reader;
        readStream(served.agent->address().port, "?buffers=1", 6.0, reader, [](const StreamReader& r) {
            bool starvation = false;
            for (const json& e : r.events)
                starvation = starvation || e["kind"] == "starvation";
            return starvation && r.counts.count("buffer") && r.counts.at("sample") > 100;
        });
        QCOMPARE(reader.status, 200);
        QCOMPARE(reader.counts["hello"], 1);
        QVERIFY2(reader.counts["sample"] > 100, qPrintable(QString::number(reader.counts["sample"])));
        QVERIFY(reader.counts["buffer"] > 0);
        bool starvation = false;
        for (const json& e : reader.events) {
            QCOMPARE(e["type"].get<std::string>(), std::string("event"));
            QVERIFY(e.contains("t") && e.contains("id") && e.contains("message"));
            starvation = starvation || (e["kind"] == "starvation" && e["id"] == "sim:avshws/pin0/allocator");
        }
        QVERIFY2(starvation, "the starvation scenario starves within 6 s");
    }

    void manyClientsAtOnce()
    {
        AgentOptions options;
        options.requestsPerSecond = 10000;
        options.maxStreamClients = 12;
        Served served(KSSCOPE_SCENARIO_DIR "/load64.json", options);
        QVERIFY(served.startStatus);
        const int port = served.agent->address().port;
        std::vector<StreamReader> readers(12);
        std::vector<std::thread> threads;
        std::atomic<bool> release{false};
        for (auto& r : readers)
            // each reads until it has 50 ticks of the 64 allocators and the checks below are done (however slowly
            // a sanitizer build runs)
            threads.emplace_back([&r, &release, port] {
                readStream(port, "", 60.0, r, [&release](const StreamReader& s) {
                    const auto it = s.counts.find("sample");
                    return release && it != s.counts.end() && it->second >= 64 * 50;
                });
            });
        const auto connected = std::chrono::steady_clock::now() + 20s;
        while (served.agent->stats().streamClients < 12 && std::chrono::steady_clock::now() < connected)
            std::this_thread::sleep_for(20ms);
        const std::size_t streams = served.agent->stats().streamClients;
        // a thirteenth stream is refused, with the reason
        int thirteenth = 0;
        std::string thirteenthBody;
        {
            httplib::Client c("127.0.0.1", port);
            c.set_read_timeout(2, 0);
            if (auto refused = c.Get("/api/v1/stream")) {
                thirteenth = refused->status;
                thirteenthBody = refused->body;
            }
        }
        std::atomic<int> ok{0};
        std::atomic<int> bad{0};
        std::vector<std::thread> scrapers;
        for (int i = 0; i < 8; ++i)
            scrapers.emplace_back([&, port] {
                httplib::Client c("127.0.0.1", port);
                c.set_read_timeout(30, 0);
                for (int k = 0; k < 20; ++k) {
                    auto r = c.Get("/metrics");
                    if (r && r->status == 200 && parseExposition(r->body, MetricsFormat::Prometheus).ok &&
                        r->body.find("cam63") != std::string::npos)
                        ++ok;
                    else
                        ++bad;
                }
            });
        for (auto& t : scrapers)
            t.join();
        release = true;
        for (auto& t : threads)
            t.join();
        QCOMPARE(streams, std::size_t{12});
        QCOMPARE(thirteenth, 503);
        QVERIFY(thirteenthBody.find("--max-stream-clients") != std::string::npos);
        QCOMPARE(bad.load(), 0);
        QCOMPARE(ok.load(), 160);
        for (const StreamReader& r : readers) {
            QCOMPARE(r.status, 200);
            const int samples = r.counts.count("sample") ? r.counts.at("sample") : 0;
            QVERIFY2(samples >= 64 * 50, qPrintable(QString::number(samples)));
        }
    }

    void aClientThatStopsReadingNeverBlocksSampling()
    {
        AgentOptions options;
        // a tick's worth of messages may wait: a stalled client's queue overflows within a few pumps of its write
        // blocking, however slowly a loaded machine samples (at 2000, a slow sampler's pumps are small and the write
        // timeout could end the connection before the queue overflowed)
        options.streamQueueMessages = 64;
        Served served(KSSCOPE_SCENARIO_DIR "/load64.json", options, 500.0);
        QVERIFY(served.startStatus);
        const int port = served.agent->address().port;

        // the sampler's pace with one client reading, before anything stalls (a sanitizer build is slower)
        auto ticksPerSecond = [&](double seconds, StreamReader& reader) {
            const SamplerStats before = served.monitor->samplerStats();
            readStream(port, "", seconds, reader);
            const SamplerStats after = served.monitor->samplerStats();
            return static_cast<double>(after.ticks - before.ticks) / (after.wallSeconds - before.wallSeconds);
        };
        StreamReader warmup;
        const double baseline = ticksPerSecond(3.0, warmup);

        // a client that asks for the stream and never reads: a small receive buffer fills at once
        const int stalled = ::socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(stalled >= 0);
        const int small = 4096;
        ::setsockopt(stalled, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(static_cast<std::uint16_t>(port));
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::connect(stalled, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
        const std::string request = "GET /api/v1/stream?buffers=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        QCOMPARE(::send(stalled, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));

        // meanwhile the sampler keeps its pace (a blocked one would stop), another client reads, and scrapes answer
        StreamReader reader;
        const double during = ticksPerSecond(6.0, reader);
        auto scrape = served.client().Get("/metrics");
        QVERIFY(scrape && scrape->status == 200);
        QVERIFY2(during > 0.6 * baseline,
                 qPrintable(QStringLiteral("%1 ticks/s with the stalled client, %2 before").arg(during).arg(baseline)));
        // (this test's reader parses every message: under a sanitizer, beside other tests, it - not the agent - sets
        // the pace, so only a served stream is asked for: ten samples per allocator in the six seconds)
        QVERIFY2(reader.counts["sample"] > 64 * 10,
                 qPrintable(QStringLiteral("status %1, %2 hello, %3 samples, %4 ticks/s")
                                .arg(reader.status)
                                .arg(reader.counts["hello"])
                                .arg(reader.counts["sample"])
                                .arg(during)));
        // the stalled client's backlog was dropped, not kept; it is counted and its connection ends
        // (its socket buffers take a few chunks first: a slow sampler under a sanitizer fills them later)
        const auto dropDeadline = std::chrono::steady_clock::now() + 60s;
        while (served.agent->stats().streamDroppedMessages == 0 && std::chrono::steady_clock::now() < dropDeadline)
            std::this_thread::sleep_for(100ms);
        QVERIFY(served.agent->stats().streamDroppedMessages > 0);
        const auto deadline = std::chrono::steady_clock::now() + 60s; // the write timeout, later under a sanitizer
        while (served.agent->stats().streamClients > 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(100ms);
        QCOMPARE(served.agent->stats().streamClients, 0u);
        ::close(stalled);
    }

    void theAgentBackendOpensARemoteAgentAndReconnects()
    {
        auto served = std::make_unique<Served>(kStarvation);
        QVERIFY(served->startStatus);
        const int port = served->agent->address().port;
        const std::string url = "http://127.0.0.1:" + std::to_string(port);
        const std::string prefix = "agent@127.0.0.1:" + std::to_string(port) + ":";

        Session remote;
        Monitor::Options mo;
        mo.rateHz = 100;
        Monitor monitor(mo);
        BackendOptions bo;
        bo.set("agent", url);
        QVERIFY(remote.open({"agent"}, bo, monitor.eventSink()));
        const Topology topology = remote.topology();
        QCOMPARE(topology.filters.size(), 1u);
        QCOMPARE(topology.filters[0].id, prefix + "sim:avshws");
        QCOMPARE(topology.filters[0].backend, "agent@127.0.0.1:" + std::to_string(port));
        const AllocatorInfo* allocator = topology.findAllocator(prefix + "sim:avshws/pin0/allocator");
        QVERIFY(allocator);
        QCOMPARE(allocator->status.Framing.Frames, 2u);
        QVERIFY(allocator->readOnlyReason.find("--allow-edits") != std::string::npos);
        QVERIFY(remote.start());
        QVERIFY(monitor.start(remote));
        // three seconds of the scenario at the least; longer where a sanitizer build beside other tests is slow
        std::this_thread::sleep_for(3s);
        AllocatorStats stats = monitor.stats(0);
        for (int i = 0; i < 150 && (stats.samples <= 200 || stats.starvationCount < 1 || stats.delivered <= 30); ++i) {
            std::this_thread::sleep_for(100ms);
            stats = monitor.stats(0);
        }
        QVERIFY2(stats.samples > 200, qPrintable(QString::number(stats.samples)));
        QVERIFY2(stats.starvationCount >= 1, "the remote starvation is seen here too");
        QVERIFY(stats.delivered > 30);
        QCOMPARE(stats.frames, 2u);

        // the agent goes away: its devices are removed, and come back with it on the same port
        served.reset();
        Monitor::Batch batch;
        std::vector<MonitorEvent> events;
        auto waitFor = [&](EventKind kind, std::chrono::seconds timeout) {
            const auto deadline = std::chrono::steady_clock::now() + timeout;
            while (std::chrono::steady_clock::now() < deadline) {
                monitor.takeNew(batch);
                events.insert(events.end(), batch.events.begin(), batch.events.end());
                for (const MonitorEvent& e : events)
                    if (e.kind == kind && e.id == prefix + "sim:avshws")
                        return true;
                std::this_thread::sleep_for(100ms);
            }
            return false;
        };
        QVERIFY(waitFor(EventKind::Removed, 15s));
        QVERIFY(monitor.stats(0).gone);
        bool lost = false;
        for (const MonitorEvent& e : events)
            lost = lost || (e.kind == EventKind::Error && e.message.find("lost the connection") != std::string::npos);
        QVERIFY(lost);

        AgentOptions again;
        again.listen = "127.0.0.1:" + std::to_string(port);
        served = std::make_unique<Served>(kStarvation, again);
        QVERIFY2(served->startStatus, served->startStatus.message().c_str());
        events.clear();
        QVERIFY(waitFor(EventKind::Added, 15s));
        std::this_thread::sleep_for(1s);
        QCOMPARE(monitor.allocatorCount(), 2u); // the allocator again, as after a replug
        QVERIFY(!monitor.stats(1).gone);
        QVERIFY(monitor.stats(1).samples > 20);
        monitor.stop();
        remote.close();
    }

    void theAgentBackendEditsThroughAnAgentThatAllowsIt()
    {
        AgentOptions options;
        options.token = kToken;
        options.allowEdits = true;
        Served served(kStarvation, options);
        QVERIFY(served.startStatus);
        const std::string prefix = "agent@127.0.0.1:" + std::to_string(served.agent->address().port) + ":";
        BackendOptions bo;
        bo.set("agent", "http://127.0.0.1:" + std::to_string(served.agent->address().port));
        {
            Session noToken;
            const Status refused = noToken.open({"agent"}, bo);
            QCOMPARE(refused.code(), hresultFromWin32(kErrorAccessDenied));
            QVERIFY2(refused.message().find("HTTP 401") != std::string::npos, refused.message().c_str());
        }
        // the token, from a token file as --agent-token-file gives it
        QTemporaryDir dir;
        const QString tokenFile = dir.filePath(QStringLiteral("token"));
        QFile file(tokenFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray::fromStdString(kToken + "\n"));
        file.close();
        bo.set("agent-token-file", tokenFile.toStdString());
        Session remote;
        QVERIFY(remote.open({"agent"}, bo));
        const std::string id = prefix + "sim:avshws/pin0/allocator";
        QVERIFY(remote.topology().findAllocator(id)->readOnlyReason.empty());
        Backend* backend = remote.backendFor(id);
        QVERIFY(backend);
        PropertyRequest request;
        request.buffers = 6;
        const PropertyChange predicted = backend->setProperties(id, request, ApplyMode::DryRun);
        QVERIFY2(predicted.status, predicted.status.message().c_str());
        QCOMPARE(predicted.actual.cBuffers, 6);
        QCOMPARE(served.watch->session().topology().findAllocator("sim:avshws/pin0/allocator")->properties.cBuffers, 2);
        const PropertyChange applied = backend->setProperties(id, request, ApplyMode::Apply);
        QVERIFY(applied.status && applied.applied);
        QCOMPARE(served.watch->session().topology().findAllocator("sim:avshws/pin0/allocator")->properties.cBuffers, 6);
        request.align = 3; // not a power of two: the allocator's own refusal comes back
        const PropertyChange refused = backend->setProperties(id, request, ApplyMode::Apply);
        QVERIFY(!refused.status);
        QVERIFY2(refused.status.toString().find("VFW_E_BADALIGN") != std::string::npos,
                 refused.status.toString().c_str());
        remote.close();
    }

    void theAgentBackendNamesAnUnreachableAgent()
    {
        BackendOptions bo;
        bo.set("agent", "http://127.0.0.1:1");
        Session session;
        const Status s = session.open({"agent"}, bo);
        QVERIFY(!s);
        QVERIFY2(s.message().find("cannot reach the agent at http://127.0.0.1:1") != std::string::npos,
                 s.message().c_str());
        bo.set("agent", "ftp://x");
        QVERIFY(!Session().open({"agent"}, bo));
    }

    void tokenFilesAreChecked()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("token")).toStdString();
        auto write = [&](const char* text) {
            QFile f(QString::fromStdString(path));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(text);
        };
        std::string token;
        write("  0123456789abcdef0123\n second line ignored\n");
        QVERIFY(readTokenFile(path, token));
        QCOMPARE(token, std::string("0123456789abcdef0123"));
        write("short\n");
        QCOMPARE(readTokenFile(path, token).code(), E_INVALIDARG);
        write("0123456789 abcdef0123\n");
        QCOMPARE(readTokenFile(path, token).code(), E_INVALIDARG);
        QVERIFY(!readTokenFile(path + ".missing", token));
    }

    void listenAddressesAreParsed()
    {
        ListenAddress a;
        QVERIFY(parseListenAddress("127.0.0.1:9464", a));
        QVERIFY(a.loopback());
        QVERIFY(parseListenAddress("[::1]:9464", a));
        QVERIFY(a.loopback());
        QCOMPARE(a.toString(), std::string("[::1]:9464"));
        QVERIFY(parseListenAddress("localhost:1", a));
        QCOMPARE(a.host, std::string("127.0.0.1"));
        QVERIFY(parseListenAddress("0.0.0.0:9464", a));
        QVERIFY(!a.loopback());
        QVERIFY(parseListenAddress("192.168.1.5:80", a));
        QVERIFY(!a.loopback());
        for (const char* bad : {"9464", "127.0.0.1", "127.0.0.1:99999", "::1:9464", "example.org:80", "1.2.3.4:x"}) {
            const Status s = parseListenAddress(bad, a);
            QVERIFY2(!s, bad);
            QVERIFY(s.message().find("expected ADDR:PORT") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestAgent)
#include "tst_agent.moc"
