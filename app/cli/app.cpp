// SPDX-License-Identifier: GPL-3.0-or-later
// ksscope-cli's command line: its options and commands, parsed with CLI11, and which command runs.

#include "commands.h"
#include "ksscope/backend_registry.h"
#include "ksscope/monitor.h"
#include "ksscope/recording.h"
#include "ksscope/version.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <utility>

namespace ksscope::cli {

namespace {

const char* const kFooter = R"(Exit codes: 0 ok, 2 usage error, 3 device or backend error, 4 invalid value (or a value
the driver adjusted), 5 the recording could not be written to its end (watching went on), 6 the doctor found a link
the kernel would refuse to stream.
IDs are allocator, pin or filter ids as `list` prints them, e.g. sim:avshws/pin0/allocator or sim:avshws/pin0.
Documentation: docs/CLI.md, docs/JSON.md, docs/SCENARIOS.md, docs/RECORDING.md, docs/AGENT.md.)";

/// --stream on watch and status: owner mode (one value per occurrence, so IDs after it stay positional).
void addStreamOption(CLI::App* command, std::vector<std::string>& streams)
{
    command
        ->add_option("--stream", streams,
                     "owner mode: KsScope streams this queue itself (repeatable): "
                     "ID[:memory=mmap|userptr|dmabuf,buffers=N,format=FOURCC,width=W,height=H,fps=F,hold-ms=MS,"
                     "dmabuf-from=ID]")
        ->type_name("ID[:KEY=VALUE,...]")
        ->expected(1)
        ->allow_extra_args(false);
}

/// --connect on watch and status: the ks backend's own graph (one value per occurrence).
void addConnectOption(CLI::App* command, std::vector<std::string>& connects)
{
    command
        ->add_option("--connect", connects,
                     "ks: connect this output pin to a null renderer in KsScope's own graph and run it, so that it "
                     "has an allocator to watch (repeatable)")
        ->type_name("PIN_ID")
        ->expected(1)
        ->allow_extra_args(false);
}

/// Every number option goes through this: finite, in range, named in the message (ksscope/options.h).
CLI::Validator numberIn(double min, double max)
{
    return CLI::Validator(
        [min, max](std::string& text) {
            std::string error;
            return parseNumberOption({}, text, min, max, error) ? std::string() : error;
        },
        "");
}

/// The same for whole-number options.
CLI::Validator wholeIn(std::int64_t min, std::int64_t max)
{
    return CLI::Validator(
        [min, max](std::string& text) {
            std::string error;
            return parseWholeOption({}, text, min, max, error) ? std::string() : error;
        },
        "");
}

/// --start and the durations: up to a year and a day, the longest a recording can last.
constexpr double kMaxSeconds = static_cast<double>(kMaxRecordingNs) * 1e-9;

} // namespace

int run(int argc, char** argv)
{
    CLI::App app{"KsScope: inspect kernel streaming devices, their pins and allocators", "ksscope-cli"};
    app.footer(kFooter);
    app.require_subcommand(1);
    app.fallthrough(); // global options are accepted after the command too

    GlobalOptions global;
    app.add_option("--backend", global.backends,
                   "backend to use (repeatable or comma-separated; default: every available backend)")
        ->delimiter(',')
        ->type_name("NAME")
        ->allow_extra_args(false); // one value per occurrence: the ids after it stay the command's
    // each backend's options, as its registration declares them
    std::vector<std::pair<std::string, CLI::Option*>> backendOptions;
    std::map<std::string, std::string> backendValues;
    for (const BackendRegistration& b : BackendRegistry::all())
        for (const BackendOption& o : b.options)
            if (!backendValues.count(o.name))
                backendOptions.emplace_back(
                    o.name, app.add_option("--" + o.name, backendValues[o.name], o.help)->type_name(o.valueName));
    for (int i = 0; i < argc; ++i)
        global.commandLine += (i ? " " : "") + std::string(argv[i]);
    app.add_flag_callback(
        "--version",
        [] {
            std::cout << "ksscope-cli " << KSSCOPE_VERSION_FULL << "\n";
            throw CLI::Success();
        },
        "print the version and exit");

    bool json = false;
    bool csv = false;
    bool dryRun = false;
    bool selfTest = false;
    double settle = 0.5;
    std::vector<std::string> ids;
    std::string id;
    std::string mode;
    WatchOptions watch;
    LONG buffers = 0;
    LONG bufferSize = 0;
    LONG align = 0;
    LONG prefix = 0;

    auto* list = app.add_subcommand("list", "filters, pins, connections and allocators with mode, framing, properties");
    list->add_flag("--json", json, "print the documented JSON document (docs/JSON.md)");

    auto* status = app.add_subcommand("status", "one KSSTREAMALLOCATOR_STATUS snapshot per allocator");
    status->add_flag("--json", json, "print JSON");
    status->add_option("--settle", settle, "seconds to stream before the snapshot (default 0.5)")
        ->check(numberIn(0.0, 60.0));
    std::vector<std::string> statusStreams;
    addStreamOption(status, statusStreams);
    std::vector<std::string> statusConnects;
    addConnectOption(status, statusConnects);
    status->add_option("ID", ids, "allocator, pin or filter ids (default: all)");

    auto* watchCmd = app.add_subcommand("watch", "sample allocator status over time, with events and a summary");
    watchCmd->add_option("--duration", watch.durationSeconds, "seconds to watch (default: until Ctrl-C)")
        ->check(numberIn(0.001, kMaxSeconds));
    watchCmd->add_option("--rate", watch.rateHz, "samples per second, 1 to 2000 (default 100)")
        ->check(numberIn(Monitor::kMinRateHz, Monitor::kMaxRateHz));
    watchCmd->add_option("--window", watch.windowSeconds, "seconds of history kept in memory (default 600)")
        ->check(numberIn(1.0, 24.0 * 3600));
    auto* jsonFlag = watchCmd->add_flag("--json", json, "one JSON object per line");
    auto* csvFlag = watchCmd->add_flag("--csv", csv, "CSV rows");
    jsonFlag->excludes(csvFlag);
    watchCmd
        ->add_option("--set", watch.sets,
                     "apply an edit at start: ID:buffers=N,buffer-size=B,align=A,prefix=P,mode=user|kernel "
                     "(repeatable)")
        ->type_name("ID:KEY=VALUE,...")
        ->expected(1)
        ->allow_extra_args(false);
    addStreamOption(watchCmd, watch.streams);
    addConnectOption(watchCmd, watch.connects);
    watchCmd
        ->add_option("--record", watch.recordPath,
                     "write everything watched to an SQLite recording (docs/RECORDING.md); replay it with --recording")
        ->type_name("FILE");
    watchCmd->add_flag("--overwrite", watch.overwrite, "with --record: replace an existing file");
    watchCmd->add_option("ID", watch.ids, "allocator, pin or filter ids (default: all)");

    FramesOptions frames;
    auto* framesCmd = app.add_subcommand(
        "frames", "every frame of allocators whose buffers are followed one by one (V4L2 through the kernel's "
                  "tracepoints): sequence, timestamp, interval, latencies, hold time and holder, drops named");
    framesCmd->add_option("--duration", frames.durationSeconds, "seconds to watch (default: until Ctrl-C)")
        ->check(numberIn(0.001, kMaxSeconds));
    framesCmd->add_option("--count", frames.maxFrames, "stop after this many frames (default: no limit)");
    framesCmd->add_option("--rate", frames.rateHz, "ticks per second, 1 to 2000 (default 100)")
        ->check(numberIn(Monitor::kMinRateHz, Monitor::kMaxRateHz));
    auto* framesJson = framesCmd->add_flag("--json", json, "one JSON object per line: frames, drops, then a summary");
    auto* framesCsv = framesCmd->add_flag("--csv", csv, "CSV rows");
    framesJson->excludes(framesCsv);
    framesCmd
        ->add_option("--trace-json", frames.traceJsonPath,
                     "also write the frames as a trace for ui.perfetto.dev / chrome://tracing (Trace Event JSON)")
        ->type_name("FILE");
    addStreamOption(framesCmd, frames.streams);
    framesCmd->add_option("ID", frames.ids, "allocator, pin or filter ids (default: all)");

    auto* setMode = app.add_subcommand("set-mode", "KsSetAllocatorMode on one allocator");
    setMode->add_option("ID", id, "allocator or pin id")->required();
    setMode->add_option("MODE", mode, "user or kernel")->required();
    setMode->add_flag("--dry-run", dryRun, "predict without applying");

    auto* setProps = app.add_subcommand("set-properties", "KsSetProperties on one allocator");
    setProps->add_option("ID", id, "allocator or pin id")->required();
    auto* optBuffers =
        setProps->add_option("--buffers", buffers, "number of frames (cBuffers)")->check(wholeIn(0, 0x7fffffff));
    auto* optSize =
        setProps->add_option("--buffer-size", bufferSize, "bytes per frame (cbBuffer)")->check(wholeIn(0, 0x7fffffff));
    auto* optAlign = setProps->add_option("--align", align, "alignment in bytes (cbAlign), a power of two")
                         ->check(wholeIn(0, 0x7fffffff));
    auto* optPrefix = setProps->add_option("--prefix", prefix, "prefix bytes before each frame (cbPrefix)")
                          ->check(wholeIn(0, 0x7fffffff));
    setProps->add_flag("--dry-run", dryRun, "predict the negotiated values without applying");

    std::string linkFrom;
    std::string linkTo;
    std::string linkState;
    auto* setLink = app.add_subcommand("set-link", "enable or disable a connection (a Media Controller data link)");
    setLink->add_option("FROM", linkFrom, "source pin id")->required();
    setLink->add_option("TO", linkTo, "sink pin id")->required();
    setLink->add_option("STATE", linkState, "on or off")->required();

#if defined(KSSCOPE_WITH_REPORTS)
    ReportCommandOptions report;
    auto* reportCmd = app.add_subcommand(
        "report", "a status report of a recording (--recording FILE) or of the devices watched for --duration S");
    reportCmd->add_option("--format", report.format, "json, csv (the samples), html or pdf (default html)")
        ->type_name("FORMAT");
    reportCmd->add_option("-o,--output", report.output, "the report file, - for standard output")
        ->type_name("FILE")
        ->required();
    reportCmd->add_option("--duration", report.durationSeconds, "without --recording: seconds to watch the devices")
        ->check(numberIn(0.001, kMaxSeconds));
    reportCmd->add_option("--rate", report.rateHz, "without --recording: samples per second (default 100)")
        ->check(numberIn(Monitor::kMinRateHz, Monitor::kMaxRateHz));
    reportCmd->add_option("--record", report.recordPath, "without --recording: keep the recording made for the report")
        ->type_name("FILE");
    std::string diffA;
    std::string diffB;
    auto* diffCmd = app.add_subcommand("diff", "compare two recordings allocator by allocator");
    diffCmd->add_option("A", diffA, "the first recording")->required();
    diffCmd->add_option("B", diffB, "the second recording")->required();
    diffCmd->add_flag("--json", json, "print JSON");
#endif

    ServeOptions serve;
    auto* serveCmd = app.add_subcommand(
        "serve", "the agent: /metrics for Prometheus, JSON and an event stream over HTTP (docs/AGENT.md)");
    serveCmd->add_option("--listen", serve.listen, "address and port to listen on (default 127.0.0.1:9464)")
        ->type_name("ADDR:PORT");
    serveCmd->add_option("--rate", serve.rateHz, "samples per second, 1 to 2000 (default 100)")
        ->check(numberIn(Monitor::kMinRateHz, Monitor::kMaxRateHz));
    serveCmd->add_option("--window", serve.windowSeconds, "seconds of history kept in memory (default 60)")
        ->check(numberIn(1.0, 24.0 * 3600));
    serveCmd
        ->add_option("--token-file", serve.tokenFile,
                     "require \"Authorization: Bearer TOKEN\" with the token on this file's first line "
                     "(needed to listen off loopback)")
        ->type_name("FILE");
    serveCmd->add_flag("--allow-edits", serve.allowEdits,
                       "accept property and mode edits over the network (needs --token-file)");
    serveCmd
        ->add_option("--max-request-rate", serve.maxRequestRate,
                     "requests per second per client address, with bursts of twice as many (default 20)")
        ->check(numberIn(0.1, 100000.0));
    serveCmd
        ->add_option("--max-stream-clients", serve.maxStreamClients, "clients of /api/v1/stream at once (default 16)")
        ->check(wholeIn(1, 1024));
    serveCmd
        ->add_option("--header-timeout", serve.headerTimeoutSeconds,
                     "seconds a request's headers may take to arrive before the connection is closed (default 5)")
        ->check(numberIn(0.1, 300.0));
    serveCmd
        ->add_option("--max-waiting-per-client", serve.maxWaitingPerClient,
                     "connections of one address that may wait for their request headers; its oldest make room for "
                     "its newest (default 32)")
        ->check(wholeIn(1, 4096));
    serveCmd->add_option("--duration", serve.durationSeconds, "seconds to serve (default: until Ctrl-C)")
        ->check(numberIn(0.001, kMaxSeconds));
    serveCmd->add_option("ID", serve.ids, "allocator, pin or filter ids (default: all)");

    std::vector<std::string> formatIds;
    auto* formatsCmd = app.add_subcommand(
        "formats", "each pin's active format and the formats, sizes and frame intervals it offers, with selections");
    formatsCmd->add_flag("--json", json, "print JSON");
    formatsCmd->add_option("ID", formatIds, "pin or filter ids (default: all)");

    std::string formatText;
    auto* setFormat = app.add_subcommand(
        "set-format", "set a pin's active format (a subdevice pad's or a video node's), as media-ctl -V writes it");
    setFormat->add_option("PIN", id, "pin id")->required();
    setFormat
        ->add_option("FORMAT", formatText,
                     "e.g. 'SGRBG8_1X8/640x480 field:none colorspace:srgb' (a pad) or 'YUYV/640x480 @1/30' (a video "
                     "node); parts left out keep their value")
        ->required();
    setFormat->add_flag("--dry-run", dryRun, "ask the driver what it would choose, change nothing");

    std::vector<std::string> controlIds;
    auto* controlsCmd = app.add_subcommand("controls", "every control of the filters' devices, with values and ranges");
    controlsCmd->add_flag("--json", json, "print JSON");
    controlsCmd->add_option("FILTER", controlIds, "filter ids (default: every filter with controls)");

    std::vector<std::string> controlSets;
    auto* setControl = app.add_subcommand(
        "set-control",
        "set controls of one filter, checked against their ranges first; a button's KEY alone presses it");
    setControl->add_option("FILTER", id, "filter id")->required();
    setControl->add_option("KEY=VALUE", controlSets, "control key (as `controls` prints it), name or id, and value")
        ->required();
    setControl->add_flag("--dry-run", dryRun, "check the values, change nothing");

    std::vector<std::string> doctorIds;
    bool doctorFix = false;
    bool doctorReverse = false;
    auto* doctorCmd = app.add_subcommand(
        "doctor", "check every enabled link as the kernel does before it streams: what would fail (exit 6), warnings, "
                  "and the edit that fixes each");
    doctorCmd->add_flag("--json", json, "print JSON");
    doctorCmd->add_flag("--fix", doctorFix, "apply the fixes: each failing link's sink set to its source's format");
    doctorCmd->add_flag("--reverse", doctorReverse, "with --fix: set each source to its sink's format instead");
    doctorCmd->add_option("ID", doctorIds, "only links of these filters or pins (default: all)");

    auto* backends = app.add_subcommand("backends", "list the backends, whether they are available, and self-tests");
    backends->add_flag("--self-test", selfTest, "run each available backend's self-test");
    backends->add_flag("--json", json, "print JSON");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::Success&) {
        return ExitOk;
    } catch (const CLI::ValidationError& e) {
        std::cerr << "ksscope-cli: " << e.what() << "\n";
        return ExitInvalidValue;
    } catch (const CLI::ConversionError& e) {
        std::cerr << "ksscope-cli: " << e.what() << "\n";
        return ExitInvalidValue;
    } catch (const CLI::ParseError& e) {
        // name an unknown command instead of CLI11's "A subcommand is required"
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "--backend" ||
                (arg.size() > 2 && arg.compare(0, 2, "--") == 0 && backendValues.count(arg.substr(2)))) {
                ++i;
                continue;
            }
            if (!arg.empty() && arg[0] != '-') {
                bool known = false;
                for (const auto* sub : app.get_subcommands({}))
                    known = known || sub->get_name() == arg;
                if (!known) {
                    std::cerr << "ksscope-cli: unknown command \"" << arg
                              << "\"; commands: list, status, watch, frames, formats, controls, doctor, serve, "
                                 "report, diff, set-mode, set-properties, set-link, set-format, set-control, "
                                 "backends\n";
                    return ExitUsage;
                }
                break;
            }
        }
        std::cerr << "ksscope-cli: " << e.what() << "\nRun `ksscope-cli --help` for usage.\n";
        return ExitUsage;
    }

    for (const auto& [name, option] : backendOptions)
        if (option->count())
            global.backendOptions.set(name, backendValues[name]);
    if (const Status given = BackendRegistry::check(global.backends, global.backendOptions); !given) {
        std::cerr << "ksscope-cli: " << given.message() << "\n";
        return exitCodeFor(given);
    }

    try {
        if (list->parsed())
            return runList(global, json);
        if (status->parsed())
            return runStatus(global, json, settle, statusStreams, statusConnects, ids);
        if (watchCmd->parsed()) {
            watch.format = json ? OutputFormat::Json : (csv ? OutputFormat::Csv : OutputFormat::Text);
            return runWatch(global, watch);
        }
        if (framesCmd->parsed()) {
            frames.format = json ? OutputFormat::Json : (csv ? OutputFormat::Csv : OutputFormat::Text);
            return runFrames(global, frames);
        }
        if (setMode->parsed())
            return runSetMode(global, id, mode, dryRun);
        if (setProps->parsed()) {
            PropertyRequest request;
            if (optBuffers->count())
                request.buffers = buffers;
            if (optSize->count())
                request.bufferSize = bufferSize;
            if (optAlign->count())
                request.align = align;
            if (optPrefix->count())
                request.prefix = prefix;
            return runSetProperties(global, id, request, dryRun);
        }
        if (setLink->parsed())
            return runSetLink(global, linkFrom, linkTo, linkState);
        if (backends->parsed())
            return runBackends(global, selfTest, json);
        if (formatsCmd->parsed())
            return runFormats(global, formatIds, json);
        if (setFormat->parsed())
            return runSetFormat(global, id, formatText, dryRun);
        if (controlsCmd->parsed())
            return runControls(global, controlIds, json);
        if (setControl->parsed())
            return runSetControl(global, id, controlSets, dryRun);
        if (doctorCmd->parsed()) {
            if (doctorReverse && !doctorFix) {
                std::cerr << "ksscope-cli: doctor: --reverse goes with --fix\n";
                return ExitUsage;
            }
            return runDoctor(global, doctorIds, json, doctorFix, doctorReverse);
        }
        if (serveCmd->parsed())
            return runServe(global, serve);
#if defined(KSSCOPE_WITH_REPORTS)
        if (reportCmd->parsed())
            return runReport(global, report);
        if (diffCmd->parsed())
            return runDiff(diffA, diffB, json);
#endif
    } catch (const std::exception& e) {
        std::cerr << "ksscope-cli: internal error: " << e.what() << "\n";
        return ExitDevice;
    }
    return ExitUsage;
}

} // namespace ksscope::cli
