// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file recording_format.h
/// What the recorder and the reader of recordings share: the schema (docs/RECORDING.md), the text of times, events
/// and the machine, and the checks of a table's shape.

#include "ksscope/hresult.h"
#include "ksscope/samples.h"
#include "sqlite_db.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ksscope::recording {

// The schema (docs/RECORDING.md). Samples and buffer states are clustered on their keys (WITHOUT ROWID), so
// that appending in time order writes to the end of the tree and a time range is one range scan. Version 2 added
// frames and dropped_frames (the frames of allocators followed one by one); a version 1 file has neither. Version 3
// added the process a buffer state's holder was (buffer_states.holder_pid) and the names of those processes
// (processes); in a version 2 file the frames' holders name them.
inline constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE allocators(idx INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
CREATE TABLE topology(t_ns INTEGER NOT NULL, reason TEXT NOT NULL, document TEXT NOT NULL);
CREATE TABLE samples(
    t_ns INTEGER NOT NULL,
    allocator INTEGER NOT NULL,
    allocated INTEGER NOT NULL,
    frames INTEGER NOT NULL,
    frame_size INTEGER NOT NULL,
    mode INTEGER NOT NULL,
    dropped INTEGER NOT NULL,
    delivered INTEGER NOT NULL,
    PRIMARY KEY(t_ns, allocator)) WITHOUT ROWID;
CREATE TABLE buffer_states(
    allocator INTEGER NOT NULL,
    t_ns INTEGER NOT NULL,
    frame INTEGER NOT NULL,
    state INTEGER NOT NULL,
    holder_pid INTEGER NOT NULL,
    PRIMARY KEY(allocator, t_ns, frame)) WITHOUT ROWID;
CREATE TABLE processes(pid INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE events(t_ns INTEGER NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX events_by_time ON events(t_ns);
CREATE TABLE frames(
    allocator INTEGER NOT NULL,
    t_ns INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    buffer INTEGER NOT NULL,
    timestamp_ns INTEGER NOT NULL,
    driver_owned_ns INTEGER NOT NULL,
    done_ns INTEGER NOT NULL,
    dequeued_ns INTEGER NOT NULL,
    returned_ns INTEGER NOT NULL,
    bytes_used INTEGER NOT NULL,
    error INTEGER NOT NULL,
    dropped_before INTEGER NOT NULL,
    interval_ns INTEGER NOT NULL,
    holder_thread INTEGER NOT NULL,
    holder_pid INTEGER NOT NULL,
    holder TEXT NOT NULL);
CREATE INDEX frames_by_time ON frames(t_ns);
CREATE TABLE dropped_frames(
    t_ns INTEGER NOT NULL,
    allocator INTEGER NOT NULL,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL);
CREATE INDEX dropped_frames_by_time ON dropped_frames(t_ns);
CREATE TABLE edits(
    t_ns INTEGER NOT NULL,
    allocator TEXT NOT NULL,
    kind TEXT NOT NULL,
    applied INTEGER NOT NULL,
    requested TEXT NOT NULL,
    actual TEXT NOT NULL,
    hresult INTEGER NOT NULL,
    message TEXT NOT NULL);
)sql";

/// ISO 8601 UTC text of a Unix time in ns.
[[nodiscard]] std::string utcText(std::int64_t unixNs);
/// Now, in ns since the Unix epoch.
[[nodiscard]] std::int64_t unixNow();
[[nodiscard]] std::string hostName();
[[nodiscard]] std::string osName();
[[nodiscard]] std::string eventKindText(EventKind kind);
[[nodiscard]] bool eventKindFromText(std::string_view text, EventKind& out);
/// The bytes of a database and its write-ahead log.
[[nodiscard]] std::uint64_t fileBytes(const std::string& path);
/// Checks that \a table of the recording at \a path is an ordinary table with (at least) \a columns.
[[nodiscard]] Status checkTable(Connection& db, const std::string& path, const std::string& table,
                                const std::vector<std::string>& columns);

} // namespace ksscope::recording
