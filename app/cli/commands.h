// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/backend.h"
#include "ksscope/options.h"

#include <optional>
#include <string>
#include <vector>

namespace ksscope::cli {

struct GlobalOptions {
    std::vector<std::string> backends; ///< empty: every available backend
    BackendOptions backendOptions; ///< the backends' options given (--scenario, --recording, --agent, ...), checked
    std::string commandLine; ///< as typed, for recordings
};

enum class OutputFormat : std::uint8_t { Text, Json, Csv, Quiet };

/// One --set ID:key=value,... argument, parsed.
struct SetSpec {
    std::string text; ///< as given, for messages
    std::string id;
    PropertyRequest properties;
    std::optional<KSALLOCATORMODE> mode;
};
/// Parses "ID:buffers=8,align=16,mode=user"; on failure returns nullopt and fills \a error.
std::optional<SetSpec> parseSetSpec(const std::string& text, std::string& error);

/// One --stream ID[:key=value,...] argument, parsed.
struct StreamSpec {
    std::string text;
    std::string id;
    StreamOptions options;
};
std::optional<StreamSpec> parseStreamSpec(const std::string& text, std::string& error);

struct WatchOptions {
    double durationSeconds = 0.0; ///< 0: until interrupted
    double rateHz = 100.0;
    double windowSeconds = 600.0;
    OutputFormat format = OutputFormat::Text;
    std::vector<std::string> sets;
    std::vector<std::string> streams;
    std::vector<std::string> connects; ///< pins to connect to a renderer in KsScope's own graph (ks)
    std::vector<std::string> ids;
    std::string recordPath; ///< --record: write a recording
    bool overwrite = false; ///< --overwrite: replace an existing recording
};

struct FramesOptions {
    double durationSeconds = 0.0; ///< 0: until interrupted (or maxFrames)
    double rateHz = 100.0;
    std::uint64_t maxFrames = 0; ///< 0: no limit
    OutputFormat format = OutputFormat::Text;
    std::string traceJsonPath; ///< --trace-json: also write the frames as a Trace Event JSON document
    std::vector<std::string> streams;
    std::vector<std::string> ids;
};

/// The whole command line: parses it and runs the command. Returns the exit code.
int run(int argc, char** argv);

int runList(const GlobalOptions& global, bool json);
int runStatus(const GlobalOptions& global, bool json, double settleSeconds, const std::vector<std::string>& streams,
              const std::vector<std::string>& connects, const std::vector<std::string>& ids);
int runWatch(const GlobalOptions& global, const WatchOptions& options);
/// `frames`: every frame of the allocators whose buffers are followed one by one, and what they came to.
int runFrames(const GlobalOptions& global, const FramesOptions& options);
int runSetMode(const GlobalOptions& global, const std::string& id, const std::string& mode, bool dryRun);
int runSetProperties(const GlobalOptions& global, const std::string& id, const PropertyRequest& request, bool dryRun);
int runSetLink(const GlobalOptions& global, const std::string& from, const std::string& to, const std::string& state);
int runBackends(const GlobalOptions& global, bool selfTest, bool json);
/// `formats`: each pin's active format, the formats, sizes and intervals it offers, its selections.
int runFormats(const GlobalOptions& global, const std::vector<std::string>& ids, bool json);
/// `set-format PIN FORMAT`: the pin's active format (media-ctl's notation); exit 4 when the driver chose otherwise.
int runSetFormat(const GlobalOptions& global, const std::string& pinId, const std::string& text, bool dryRun);
/// `controls`: every control of the filters named (all with controls when none is).
int runControls(const GlobalOptions& global, const std::vector<std::string>& ids, bool json);
/// `set-control FILTER KEY=VALUE...`: checked first, then set in order and read back; a button's KEY alone presses it.
int runSetControl(const GlobalOptions& global, const std::string& filterId, const std::vector<std::string>& sets,
                  bool dryRun);
/// `doctor`: the enabled links the kernel would refuse to stream, and warnings; exit 6 when anything would fail.
/// --fix applies each error link's first fix (the sink set to the source's format; \a reverse: the source to the
/// sink's) until nothing fails or no fix helps.
int runDoctor(const GlobalOptions& global, const std::vector<std::string>& ids, bool json, bool fix, bool reverse);

struct ServeOptions {
    std::string listen = "127.0.0.1:9464";
    double rateHz = 100.0;
    double windowSeconds = 60.0;
    double durationSeconds = 0.0; ///< 0: until interrupted
    std::string tokenFile;
    bool allowEdits = false;
    double maxRequestRate = 20.0; ///< per client address and second
    std::size_t maxStreamClients = 16;
    double headerTimeoutSeconds = 5.0; ///< a request's headers must arrive within this
    std::size_t maxWaitingPerClient = 32; ///< connections of one address waiting for their headers
    std::vector<std::string> ids;
};
/// `serve`: the agent (Prometheus / OpenMetrics /metrics, JSON and the event stream) until interrupted.
int runServe(const GlobalOptions& global, const ServeOptions& options);

struct ReportCommandOptions {
    std::string format = "html"; ///< json, csv, html, pdf
    std::string output; ///< file, or - for standard output (not pdf)
    double durationSeconds = 0.0; ///< live: seconds to watch (without --recording)
    double rateHz = 100.0;
    std::string recordPath; ///< live: keep the recording made for the report here
};
/// `report`: a status report of --recording FILE, or of the devices watched for --duration seconds.
int runReport(const GlobalOptions& global, const ReportCommandOptions& options);
/// `diff A B`: two recordings compared allocator by allocator.
int runDiff(const std::string& a, const std::string& b, bool json);

} // namespace ksscope::cli
