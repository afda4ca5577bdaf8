// SPDX-License-Identifier: GPL-3.0-or-later
// `set-mode`, `set-properties` and `set-link`: one edit of an open device.

#include "cli_session.h"

#include <cstdio>
#include <iostream>

namespace ksscope::cli {

namespace {

/// Opens the devices and resolves \a id to an allocator and the backend that owns it. Returns an exit code (0 when
/// found).
int openForEdit(WatchSession& watch, const GlobalOptions& global, const std::string& id, Topology& topology,
                std::string& allocatorId, const Backend*& backend)
{
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    topology = watch.session().topology();
    if (!resolveOne(topology, id, "\"" + id + "\"", allocatorId))
        return ExitDevice;
    backend = watch.session().backendFor(allocatorId);
    return backend ? ExitOk : ExitDevice;
}

} // namespace

int runSetMode(const GlobalOptions& global, const std::string& id, const std::string& modeText, bool dryRun)
{
    if (modeText != "user" && modeText != "kernel") {
        std::cerr << "ksscope-cli: set-mode: mode must be \"user\" or \"kernel\", got \"" << modeText << "\"\n";
        return ExitInvalidValue;
    }
    WatchSession watch({});
    Topology topology;
    std::string allocatorId;
    const Backend* backend = nullptr;
    if (int rc = openForEdit(watch, global, id, topology, allocatorId, backend); rc != ExitOk)
        return rc;
    const KSALLOCATORMODE mode = modeText == "kernel" ? KsAllocatorMode_Kernel : KsAllocatorMode_User;
    const KSALLOCATORMODE before = topology.findAllocator(allocatorId)->mode;
    const Status status = watch.setMode(allocatorId, mode, dryRun ? ApplyMode::DryRun : ApplyMode::Apply);
    const Topology now = watch.session().topology();
    const AllocatorInfo* after = now.findAllocator(allocatorId);
    std::cout << "allocator " << allocatorId << "\n"
              << "  requested mode: " << allocatorModeName(mode) << "\n"
              << "  mode before:    " << allocatorModeName(before) << "\n"
              << "  mode now:       " << (after ? allocatorModeName(after->mode) : "?") << "\n"
              << "  result:         " << status.toString() << "\n";
    if (!status) {
        std::cerr << "ksscope-cli: set-mode " << allocatorId << ": " << status.toString() << "\n";
        return exitCodeFor(status);
    }
    if (!backend->editsOutliveProcess() && !dryRun)
        std::cout << "note: simulated devices live inside one process; use `watch --set " << allocatorId
                  << ":mode=" << modeText << "` to watch the effect\n";
    return ExitOk;
}

int runSetProperties(const GlobalOptions& global, const std::string& id, const PropertyRequest& request, bool dryRun)
{
    if (request.empty()) {
        std::cerr << "ksscope-cli: set-properties: give at least one of --buffers, --buffer-size, --align, --prefix\n";
        return ExitUsage;
    }
    WatchSession watch({});
    Topology topology;
    std::string allocatorId;
    const Backend* backend = nullptr;
    if (int rc = openForEdit(watch, global, id, topology, allocatorId, backend); rc != ExitOk)
        return rc;
    const PropertyChange change =
        watch.setProperties(allocatorId, request, dryRun ? ApplyMode::DryRun : ApplyMode::Apply);
    std::printf("allocator %s%s\n", allocatorId.c_str(), dryRun ? "  (dry run: predicted, nothing applied)" : "");
    std::printf("%-10s %8s %12s %8s %8s\n", "", "buffers", "bufferSize", "align", "prefix");
    std::printf("%-10s %8d %12d %8d %8d\n", "requested", change.requested.cBuffers, change.requested.cbBuffer,
                change.requested.cbAlign, change.requested.cbPrefix);
    std::printf("%-10s %8d %12d %8d %8d\n", dryRun ? "predicted" : "actual", change.actual.cBuffers,
                change.actual.cbBuffer, change.actual.cbAlign, change.actual.cbPrefix);
    std::printf("result: %s\n", change.status.toString().c_str());
    if (!change.status) {
        std::string argument;
        const HRESULT hr = change.status.code();
        if (hr == VFW_E_BADALIGN)
            argument = "--align " + std::to_string(change.requested.cbAlign) +
                       ": must be a power of two from 1 to 65536 (it must divide the 64 KiB allocation granularity)";
        else if (hr == E_INVALIDARG)
            argument = "values must not be negative";
        std::cerr << "ksscope-cli: set-properties " << allocatorId << ": "
                  << (argument.empty() ? change.status.toString() : argument + " [" + hresultName(hr) + "]") << "\n";
        if (hr == VFW_E_BADALIGN || hr == E_INVALIDARG || hr == VFW_E_SIZENOTSET)
            return ExitInvalidValue;
        return ExitDevice;
    }
    if (!backend->editsOutliveProcess() && !dryRun)
        std::printf("note: simulated devices live inside one process; use `watch --set %s:...` to watch the effect\n",
                    allocatorId.c_str());
    return ExitOk;
}

int runSetLink(const GlobalOptions& global, const std::string& from, const std::string& to, const std::string& state)
{
    if (state != "on" && state != "off") {
        std::cerr << "ksscope-cli: set-link: state must be \"on\" or \"off\", got \"" << state << "\"\n";
        return ExitInvalidValue;
    }
    WatchSession watch({});
    if (int rc = openDevices(watch, global); rc != ExitOk)
        return rc;
    Backend* backend = watch.session().backendFor(from);
    if (!backend) {
        std::cerr << "ksscope-cli: set-link: \"" << from << "\" belongs to no open backend\n";
        return ExitDevice;
    }
    const Status status = backend->setConnectionEnabled(from, to, state == "on");
    if (!status) {
        std::cerr << "ksscope-cli: set-link " << from << " -> " << to << ": " << status.toString() << "\n";
        return status.code() == hresultFromWin32(kErrorNotFound) ? ExitDevice : ExitInvalidValue;
    }
    std::cout << status.message() << "\n";
    return ExitOk;
}

} // namespace ksscope::cli
