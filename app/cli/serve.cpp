// SPDX-License-Identifier: GPL-3.0-or-later
// `serve`: the agent (Prometheus / OpenMetrics /metrics, JSON and the event stream) until interrupted.

#include "cli_session.h"
#include "ksscope/agent.h"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

namespace ksscope::cli {

int runServe(const GlobalOptions& global, const ServeOptions& options)
{
#if !defined(KSSCOPE_WITH_AGENT)
    (void)global;
    (void)options;
    std::cerr << "ksscope-cli: serve: this build has no agent (it was built without cpp-httplib)\n";
    return ExitUsage;
#else
    agent::AgentOptions agentOptions;
    agentOptions.listen = options.listen;
    agentOptions.allowEdits = options.allowEdits;
    agentOptions.requestsPerSecond = options.maxRequestRate;
    agentOptions.maxStreamClients = options.maxStreamClients;
    agentOptions.headerTimeoutSeconds = options.headerTimeoutSeconds;
    agentOptions.maxWaitingPerClient = options.maxWaitingPerClient;
    if (!options.tokenFile.empty()) {
        if (Status status = agent::readTokenFile(options.tokenFile, agentOptions.token); !status) {
            std::cerr << "ksscope-cli: --token-file: " << status.message() << "\n";
            return ExitUsage;
        }
    }

    WatchSession watch(sampling(options.rateHz, options.windowSeconds, options.ids));
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    if (Status status = watch.startDevices(); !status)
        return fail(status);
    if (Status status = watch.startSampling(); !status)
        return fail(status);
    const std::shared_ptr<Monitor> monitor = watch.monitor();
    agent::Agent server(watch, agentOptions); // after the watch: stops serving before it stops
    if (Status status = server.start(); !status) {
        std::cerr << "ksscope-cli: serve: " << status.message() << "\n";
        return status.code() == E_INVALIDARG ? ExitUsage : ExitDevice;
    }
    const agent::ListenAddress address = server.address();
    std::printf("serving %zu allocator(s) at http://%s/metrics (Prometheus / OpenMetrics), /api/v1/topology, "
                "/api/v1/status and /api/v1/stream%s%s; Ctrl-C stops\n",
                monitor->allocatorCount(), address.toString().c_str(),
                agentOptions.token.empty() ? "" : "; token required", options.allowEdits ? "; edits allowed" : "");
    std::fflush(stdout);

    catchInterrupts();
#if defined(SIGPIPE)
    std::signal(SIGPIPE, SIG_IGN); // a client that goes away must not end the agent
#endif
    const auto start = std::chrono::steady_clock::now();
    while (!g_interrupted) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (options.durationSeconds > 0 &&
            std::chrono::steady_clock::now() - start >= std::chrono::duration<double>(options.durationSeconds))
            break;
        if (monitor->replaying() && monitor->finished())
            break;
    }
    server.stop();
    SampleBatch last;
    (void)watch.finish(last);
    const agent::AgentStats stats = server.stats();
    std::printf("served %llu scrape(s); %llu request(s) refused, %llu rate-limited; %llu stream message(s) dropped "
                "for slow clients\n",
                static_cast<unsigned long long>(stats.scrapes), static_cast<unsigned long long>(stats.refusedRequests),
                static_cast<unsigned long long>(stats.rateLimitedRequests),
                static_cast<unsigned long long>(stats.streamDroppedMessages));
    return ExitOk;
#endif
}

} // namespace ksscope::cli
