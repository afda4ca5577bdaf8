// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_session.h"

#include "ksscope/device_id.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace ksscope::cli {

std::atomic<bool> g_interrupted{false};

namespace {

extern "C" void onInterrupt(int)
{
    g_interrupted = true;
}

/// "<prefix>"ID" matches no allocator, pin or filter", and the allocators that exist.
void printUnknownId(const Topology& topology, const std::string& id, const std::string& prefix)
{
    std::cerr << "ksscope-cli: " << prefix << "\"" << id << "\" matches no allocator, pin or filter. Allocators:\n";
    for (const auto& a : topology.allocators)
        std::cerr << "  " << a.id << "\n";
}

} // namespace

void catchInterrupts()
{
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

int fail(const Status& status)
{
    std::cerr << "ksscope-cli: " << status.toString() << "\n";
    return exitCodeFor(status);
}

Monitor::Options sampling(double rateHz, double windowSeconds, const std::vector<std::string>& ids)
{
    Monitor::Options options;
    options.rateHz = rateHz;
    options.windowSeconds = windowSeconds;
    options.ids = ids;
    return options;
}

int openDevices(WatchSession& watch, const GlobalOptions& global)
{
    // the backends named and the options given were checked when they were parsed (BackendRegistry::check)
    if (Status status = watch.open(global.backends, global.backendOptions); !status) {
        if (status.code() == E_INVALIDARG || status.code() == hresultFromWin32(kErrorBadArguments))
            std::cerr << "ksscope-cli: " << status.message() << "\n";
        else
            std::cerr << "ksscope-cli: " << status.toString() << "\n";
        return exitCodeFor(status);
    }
    return ExitOk;
}

bool resolveIds(const Topology& topology, const std::vector<std::string>& ids, std::vector<std::string>& out)
{
    if (ids.empty()) {
        for (const auto& a : topology.allocators)
            out.push_back(a.id);
        return true;
    }
    for (const std::string& id : ids) {
        const std::vector<std::string> named = allocatorsOf(topology, id);
        if (named.empty() && !topology.findFilter(id)) {
            printUnknownId(topology, id, "");
            return false;
        }
        for (const std::string& allocator : named)
            if (std::find(out.begin(), out.end(), allocator) == out.end())
                out.push_back(allocator);
    }
    return true;
}

bool resolveOne(const Topology& topology, const std::string& id, const std::string& context, std::string& out)
{
    out = topology.resolveAllocatorId(id);
    if (!out.empty())
        return true;
    if (topology.findFilter(id)) {
        std::cerr << "ksscope-cli: " << context << ": filter \"" << id
                  << "\" has several allocators (or none); name one:\n";
        for (const std::string& allocator : allocatorsOf(topology, id))
            std::cerr << "  " << allocator << "\n";
        return false;
    }
    if (const PinInfo* pin = topology.findPin(id); pin && pin->allocatorId.empty()) {
        std::cerr << "ksscope-cli: " << context << ": pin \"" << id << "\" has no allocator\n";
        return false;
    }
    printUnknownId(topology, id, context + ": ");
    return false;
}

int startStreams(WatchSession& watch, const std::vector<std::string>& texts, bool quiet)
{
    Session& session = watch.session();
    for (const std::string& text : texts) {
        std::string error;
        auto spec = parseStreamSpec(text, error);
        if (!spec) {
            std::cerr << "ksscope-cli: " << error << "\n";
            return ExitInvalidValue;
        }
        std::string id;
        if (!resolveOne(session.topology(), spec->id, "--stream " + text, id))
            return ExitDevice;
        Backend* backend = session.backendFor(id);
        if (!backend)
            return ExitDevice;
        const Status status = backend->ownStream(id, spec->options);
        if (!status) {
            std::cerr << "ksscope-cli: --stream " << text << ": " << status.toString() << "\n";
            return status.code() == E_INVALIDARG ? ExitInvalidValue : ExitDevice;
        }
        if (!quiet)
            std::printf("streaming %s: %s\n", id.c_str(), status.message().c_str());
    }
    return ExitOk;
}

int connectPins(WatchSession& watch, const std::vector<std::string>& pinIds, bool quiet)
{
    Session& session = watch.session();
    for (const std::string& pinId : pinIds) {
        const Topology topology = session.topology();
        if (!topology.findPin(pinId)) {
            std::cerr << "ksscope-cli: --connect " << pinId
                      << ": no such pin; `ksscope-cli list` shows the pin ids (e.g. ks:usb-camera/pin0)\n";
            return ExitDevice;
        }
        Backend* backend = session.backendFor(pinId);
        if (!backend)
            return ExitDevice;
        const Status status = backend->connectPin(pinId);
        if (!status) {
            std::cerr << "ksscope-cli: --connect " << pinId << ": " << status.toString() << "\n";
            return status.code() == E_INVALIDARG ? ExitInvalidValue : ExitDevice;
        }
        if (!quiet)
            std::printf("connected %s: %s\n", pinId.c_str(), status.message().c_str());
    }
    return ExitOk;
}

int applySets(WatchSession& watch, const std::vector<std::string>& texts, bool quiet)
{
    std::vector<SetSpec> sets;
    for (const std::string& text : texts) {
        std::string error;
        auto spec = parseSetSpec(text, error);
        if (!spec) {
            std::cerr << "ksscope-cli: " << error << "\n";
            return ExitInvalidValue;
        }
        sets.push_back(std::move(*spec));
    }
    for (const SetSpec& set : sets) {
        std::string id;
        if (!resolveOne(watch.session().topology(), set.id, "--set " + set.text, id))
            return ExitDevice;
        if (set.mode) {
            const Status s = watch.setMode(id, *set.mode, ApplyMode::Apply);
            if (!s) {
                std::cerr << "ksscope-cli: --set " << set.text << ": " << s.toString() << "\n";
                return exitCodeFor(s);
            }
        }
        if (!set.properties.empty()) {
            const PropertyChange change = watch.setProperties(id, set.properties, ApplyMode::Apply);
            if (!change.status) {
                std::cerr << "ksscope-cli: --set " << set.text << ": " << change.status.toString() << "\n";
                return change.status.code() == hresultFromWin32(kErrorNotFound) ? ExitDevice : ExitInvalidValue;
            }
            if (!quiet)
                std::printf(
                    "set %s: requested %d x %d bytes align %d prefix %d -> actual %d x %d bytes align %d prefix %d\n",
                    id.c_str(), change.requested.cBuffers, change.requested.cbBuffer, change.requested.cbAlign,
                    change.requested.cbPrefix, change.actual.cBuffers, change.actual.cbBuffer, change.actual.cbAlign,
                    change.actual.cbPrefix);
        }
    }
    return ExitOk;
}

} // namespace ksscope::cli
