// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file cli_session.h
/// What the commands share: opening the devices from the global options, resolving ids with messages that name
/// what exists, the edits and owner-mode streams named on the command line, and Ctrl-C.

#include "commands.h"
#include "ksscope/watch_session.h"

#include <atomic>
#include <string>
#include <vector>

namespace ksscope::cli {

/// Set by SIGINT / SIGTERM once catchInterrupts() ran.
extern std::atomic<bool> g_interrupted;
void catchInterrupts();

/// Prints "ksscope-cli: <status>" and returns its exit code.
int fail(const Status& status);

/// The monitor's options of a command: samples per second, seconds of history, the ids to watch (empty: all).
[[nodiscard]] Monitor::Options sampling(double rateHz, double windowSeconds, const std::vector<std::string>& ids);

/// Opens the devices the global options name into \a watch (its monitor gets their events). Returns an exit code.
int openDevices(WatchSession& watch, const GlobalOptions& global);

/// Allocator ids named by \a ids (allocator, pin or filter ids); all allocators when empty. Returns false after
/// printing a message naming the unknown id.
bool resolveIds(const Topology& topology, const std::vector<std::string>& ids, std::vector<std::string>& out);
/// Resolves \a id to one allocator, printing what went wrong (prefixed with \a context) when it cannot.
bool resolveOne(const Topology& topology, const std::string& id, const std::string& context, std::string& out);

/// Starts the owner-mode streams named by --stream. Returns an exit code.
int startStreams(WatchSession& watch, const std::vector<std::string>& texts, bool quiet);
/// Connects the pins named by --connect. Returns an exit code.
int connectPins(WatchSession& watch, const std::vector<std::string>& pinIds, bool quiet);
/// Applies the edits named by --set through the watch (so that a recording has them). Returns an exit code.
int applySets(WatchSession& watch, const std::vector<std::string>& texts, bool quiet);

} // namespace ksscope::cli
