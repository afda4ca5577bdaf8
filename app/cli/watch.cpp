// SPDX-License-Identifier: GPL-3.0-or-later
// `watch`: sample allocator status over time, with events, a summary and, with --record, a recording.

#include "cli_session.h"
#include "watch_output.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

namespace ksscope::cli {

int runWatch(const GlobalOptions& global, const WatchOptions& options)
{
    const bool quiet = options.format != OutputFormat::Text;
    WatchSession watch(sampling(options.rateHz, options.windowSeconds, options.ids));
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    // a ks pin has its allocator once connected: connect before edits and before the ids are resolved
    if (int rc = connectPins(watch, options.connects, quiet); rc != ExitOk)
        return rc;
    if (!options.recordPath.empty()) {
        Recorder::Options ro;
        ro.path = options.recordPath;
        ro.command = global.commandLine;
        ro.overwrite = options.overwrite;
#if defined(SIGXFSZ)
        // past a file size limit, a write should fail with an error the recorder reports, not kill the watch
        std::signal(SIGXFSZ, SIG_IGN);
#endif
        if (Status status = watch.startRecording(ro); !status) {
            std::cerr << "ksscope-cli: --record " << options.recordPath << ": " << status.message() << "\n";
            return ExitUsage;
        }
    }
    // edits first, before anything is committed
    if (int rc = applySets(watch, options.sets, quiet); rc != ExitOk)
        return rc;
    if (Status status = watch.startDevices(); !status)
        return fail(status);
    if (int rc = startStreams(watch, options.streams, quiet); rc != ExitOk)
        return rc;
    if (Status status = watch.startSampling(); !status)
        return fail(status);
    const std::shared_ptr<Monitor> monitor = watch.monitor();
    if (watch.recording() && !quiet)
        std::printf("recording to %s\n", options.recordPath.c_str());

    catchInterrupts();
    const std::unique_ptr<WatchWriter> writer = makeWatchWriter(options.format);
    writer->header(monitor->allocatorCount(), options.rateHz, options.durationSeconds <= 0);
    const auto start = std::chrono::steady_clock::now();
    auto nextSecond = start + std::chrono::seconds(1);
    SampleBatch batch;
    std::vector<std::string> ids = monitor->allocatorIds();
    std::uint64_t lost = 0;
    bool recordingFailed = false;
    auto hand = [&] {
        lost += batch.lostSamples;
        if (batch.samples.empty() && batch.events.empty())
            return;
        ids = monitor->allocatorIds();
        writer->batch(ids, batch);
    };
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        watch.drain(batch);
        hand();
        const auto now = std::chrono::steady_clock::now();
        if (const Status recorded = watch.recordingStatus(); !recorded && !recordingFailed) {
            recordingFailed = true;
            std::cerr << "ksscope-cli: " << recorded.message() << "; watching goes on without recording\n";
        }
        if (now >= nextSecond) {
            writer->second(monitor->now_ns());
            nextSecond += std::chrono::seconds(1);
        }
        std::fflush(stdout);
        if (g_interrupted)
            break;
        if (options.durationSeconds > 0 && now - start >= std::chrono::duration<double>(options.durationSeconds))
            break;
        if (monitor->replaying() && monitor->finished())
            break; // the recording has been played to its end
    }
    WatchSummary summary;
    summary.end = watch.finish(batch);
    hand();
    if (summary.end.recorded && !summary.end.recording && !recordingFailed)
        std::cerr << "ksscope-cli: " << summary.end.recording.message() << "\n";
    summary.ids = ids;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        summary.stats.push_back(monitor->stats(i));
        summary.frames.push_back(monitor->frameStats(i));
        summary.followed.push_back(monitor->followsFrames(i));
    }
    summary.sampler = monitor->samplerStats();
    summary.lostSamples = lost;
    summary.rateHz = options.rateHz;
    summary.replaying = monitor->replaying();
    writer->summary(summary);
    std::fflush(stdout);
    return summary.end.recorded && !summary.end.recording ? ExitRecording : ExitOk;
}

} // namespace ksscope::cli
