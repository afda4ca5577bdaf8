// SPDX-License-Identifier: GPL-3.0-or-later
// Recording: a recording read back, checked first (a crafted or damaged file is named, never trusted).
#include "ksscope/recording.h"

#include "ksscope/json_output.h"
#include "ksscope/version.h"
#include "recording_format.h"
#include "sqlite_db.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <system_error>

namespace ksscope {

using recording::checkTable;
using recording::Connection;
using recording::eventKindFromText;
using recording::Statement;

bool recordingSupported()
{
    return true;
}

namespace {

/// A folder of copies that goes away with its owner (after the connection that reads it is closed).
struct TemporaryFolder {
    std::filesystem::path path;
    TemporaryFolder() = default;
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;
    ~TemporaryFolder()
    {
        if (!path.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    }
};

/// What the first bytes of \a path say: "" when it looks like an SQLite database, else why it is not one.
std::string notSqlite(const std::string& path, bool& walMode)
{
    walMode = false;
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file)
        return {};
    unsigned char header[100] = {};
    const std::size_t n = std::fread(header, 1, sizeof header, file);
    std::fclose(file);
    if (n == 0)
        return "it is empty (0 bytes)";
    static constexpr char kMagic[] = "SQLite format 3";
    if (n < sizeof header || std::memcmp(header, kMagic, sizeof kMagic) != 0)
        return "it is not an SQLite database (a recording starts with \"SQLite format 3\")";
    walMode = header[18] == 2 && header[19] == 2; // file format write/read versions: 2 = WAL
    return {};
}

bool folderWritable(const std::string& path)
{
#if defined(__unix__)
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    return ::access(parent.empty() ? "." : parent.c_str(), W_OK) == 0;
#else
    (void)path;
    return true;
#endif
}

} // namespace

struct Recording::Db {
    TemporaryFolder temporary; // first: removed after the connection below is closed
    Connection db;
    Statement samples;
    Statement events;
    Statement buffersOne;
    Statement buffersAll;
    Statement frames; // schema 2
    Statement drops;
};

Recording::Recording() : m_db(std::make_unique<Db>()) { }
Recording::~Recording() = default;

std::unique_ptr<Recording> Recording::open(const std::string& path, Status& status)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        status = {hresultFromWin32(kErrorFileNotFound), "recording " + path + " does not exist"};
        return nullptr;
    }
    if (std::filesystem::is_directory(path, ec)) {
        status = {E_INVALIDARG, path + " is a folder, not a recording"};
        return nullptr;
    }
    bool walMode = false;
    if (const std::string why = notSqlite(path, walMode); !why.empty()) {
        status = {hresultFromWin32(kErrorFileCorrupt), path + " is not a KsScope recording: " + why};
        return nullptr;
    }
    std::unique_ptr<Recording> recording(new Recording());
    recording->m_info.path = path;
    std::string source = path;
    if (walMode && !folderWritable(path)) {
        // a recording that was not closed is still in WAL mode: reading it needs its write-ahead log replayed and
        // a shared-memory file beside it, which a read-only folder cannot take. Read a copy instead.
        Status copied = copyForReading(path, recording->m_db->temporary.path, source);
        if (!copied) {
            status = copied;
            return nullptr;
        }
        recording->m_info.note = "the recording was not closed and its folder cannot be written: its write-ahead "
                                 "log is replayed in a temporary copy (" +
                                 recording->m_db->temporary.path.string() + ", removed when it is closed)";
    }
    // read-write without create: SQLite replays the write-ahead log of a recording that was not closed
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (Status s = recording->m_db->db.open(source, flags); !s) {
        flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
        if (Status r = recording->m_db->db.open(source, flags); !r) {
            status = r;
            return nullptr;
        }
    }
    // the file may come from anywhere (a bug report): no SQL functions with side effects from its schema, and
    // no writes that could corrupt it
    sqlite3_db_config(recording->m_db->db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(recording->m_db->db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    status = recording->load();
    if (!status)
        return nullptr;
    return recording;
}

Status Recording::copyForReading(const std::string& path, std::filesystem::path& folder, std::string& copy)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    static std::atomic<unsigned> counter{0};
    const fs::path base = fs::temp_directory_path(ec);
    if (ec)
        return {hresultFromWin32(kErrorAccessDenied),
                "cannot read " + path +
                    ": it was not closed, its folder cannot be written, and there is no "
                    "temporary folder to replay its write-ahead log in (set TMPDIR)"};
    for (int attempt = 0; attempt < 100 && folder.empty(); ++attempt) {
        fs::path candidate = base / ("ksscope-recording-" +
                                     std::to_string(
#if defined(__unix__)
                                         ::getpid()
#else
                                         0
#endif
                                             ) +
                                     "-" + std::to_string(counter++));
        if (fs::create_directory(candidate, ec))
            folder = std::move(candidate);
    }
    if (folder.empty())
        return {hresultFromWin32(kErrorAccessDenied),
                "cannot create a temporary folder in " + base.string() + " to replay the write-ahead log of " + path};
    std::uintmax_t bytes = 0;
    for (const char* suffix : {"", "-wal"})
        if (const auto size = fs::file_size(path + suffix, ec); !ec)
            bytes += size;
    if (const fs::space_info space = fs::space(folder, ec); !ec && space.available < bytes + bytes / 10) {
        fs::remove_all(folder, ec);
        folder.clear();
        return {hresultFromWin32(kErrorDiskFull),
                "cannot read " + path + ": it was not closed and its folder cannot be written, and " + base.string() +
                    " has no room for a copy to replay its write-ahead log in (" + std::to_string(bytes >> 20) +
                    " MiB needed); set TMPDIR to a folder with room"};
    }
    const fs::path target = folder / fs::path(path).filename();
    for (const char* suffix : {"", "-wal"}) {
        const fs::path from = path + suffix;
        if (*suffix && !fs::exists(from, ec))
            continue;
        fs::copy_file(from, target.string() + suffix, ec);
        if (!ec) // the copy is written to when its log is replayed, whatever the original's permissions
            fs::permissions(target.string() + suffix, fs::perms::owner_read | fs::perms::owner_write,
                            fs::perm_options::add, ec);
        if (ec)
            return {hresultFromWin32(kErrorAccessDenied), "cannot copy " + from.string() + " to " + folder.string() +
                                                              " to replay its write-ahead log: " + ec.message()};
    }
    copy = target.string();
    return Status::ok();
}

namespace {

/// Every time in the recording lies from 0 to kMaxRecordingNs: a crafted time would otherwise make a replay never
/// end, or show nothing. Uses the tables' keys (a minimum and a maximum per allocator for buffer states).
Status checkTimes(Connection& db, const std::string& path, std::size_t allocators, bool frames)
{
    // the smallest and the largest time of \a what in \a table (rows \a where): two subqueries, since a lone min()
    // or max() over the key is one look-up in the tree, and together they are a scan
    auto within = [&](const std::string& table, const std::string& where, const char* what) -> Status {
        Statement st;
        const std::string sql =
            "SELECT (SELECT min(t_ns) FROM " + table + where + "), (SELECT max(t_ns) FROM " + table + where + ")";
        if (Status s = st.prepare(db, sql.c_str(), "cannot read"); !s)
            return s;
        if (const int rc = st.step(); rc != SQLITE_ROW)
            return st.error(rc, "cannot read");
        if (!st.isInteger(0) || !st.isInteger(1))
            return Status::ok(); // empty
        for (const std::int64_t t : {st.integer(0), st.integer(1)})
            if (t < 0 || t > kMaxRecordingNs)
                return {hresultFromWin32(kErrorFileCorrupt),
                        "malformed recording " + path + ": " + what + " at t_ns " + std::to_string(t) +
                            "; times count nanoseconds from the start, from 0 to " + std::to_string(kMaxRecordingNs) +
                            " (a year and a day)"};
        return Status::ok();
    };
    const std::pair<const char*, const char*> tables[] = {
        {"samples", "a sample"}, {"events", "an event"}, {"topology", "a topology"}, {"edits", "an edit"}};
    for (const auto& [table, what] : tables)
        if (Status s = within(table, "", what); !s)
            return s;
    if (frames)
        for (const auto& [table, what] : {std::pair{"frames", "a frame"}, std::pair{"dropped_frames", "a drop"}})
            if (Status s = within(table, "", what); !s)
                return s;
    for (std::size_t a = 0; a < allocators; ++a)
        if (Status s = within("buffer_states", " WHERE allocator = " + std::to_string(a), "a buffer state"); !s)
            return s;
    return Status::ok();
}

} // namespace

Status Recording::load()
{
    Connection& db = m_db->db;
    const std::string& path = m_info.path;
    auto pragma = [&](const char* sql, std::int64_t& out) -> Status {
        Statement st;
        if (Status s = st.prepare(db, sql, "cannot read"); !s)
            return s;
        const int rc = st.step();
        if (rc != SQLITE_ROW)
            return st.error(rc, "cannot read");
        out = st.integer(0);
        return Status::ok();
    };
    std::int64_t applicationId = 0;
    std::int64_t version = 0;
    if (Status s = pragma("PRAGMA application_id", applicationId); !s) {
        if (s.code() == hresultFromWin32(kErrorFileCorrupt))
            return {s.code(), path + " is not a KsScope recording (" + s.message() + ")"};
        return s;
    }
    if (applicationId != kRecordingApplicationId)
        return {hresultFromWin32(kErrorFileCorrupt),
                path + " is an SQLite file but not a KsScope recording (application_id " +
                    std::to_string(applicationId) + ", a recording has " + std::to_string(kRecordingApplicationId) +
                    ")"};
    if (Status s = pragma("PRAGMA user_version", version); !s)
        return s;
    if (version > kRecordingSchemaVersion)
        return {hresultFromWin32(kErrorRevisionMismatch),
                path + " is a recording of schema version " + std::to_string(version) +
                    ", newer than this KsScope reads (version " + std::to_string(kRecordingSchemaVersion) +
                    "); open it with a newer KsScope (this is " KSSCOPE_VERSION_FULL ")"};
    if (version < 1)
        return {hresultFromWin32(kErrorFileCorrupt),
                path + " has schema version " + std::to_string(version) + ", which no KsScope wrote"};
    m_info.schemaVersion = static_cast<int>(version);

    // every table and column this build reads
    const std::map<std::string, std::vector<std::string>> expected{
        {"meta", {"key", "value"}},
        {"allocators", {"idx", "id"}},
        {"topology", {"t_ns", "reason", "document"}},
        {"samples", {"t_ns", "allocator", "allocated", "frames", "frame_size", "mode", "dropped", "delivered"}},
        {"buffer_states", {"allocator", "t_ns", "frame", "state"}},
        {"events", {"t_ns", "kind", "id", "message"}},
        {"edits", {"t_ns", "allocator", "kind", "applied", "requested", "actual", "hresult", "message"}},
    };
    for (const auto& [table, columns] : expected)
        if (Status s = checkTable(db, path, table, columns); !s)
            return s;
    // version 2: the frames of allocators followed one by one
    const bool framesTables = version >= 2;
    if (framesTables) {
        if (Status s = checkTable(db, path, "frames",
                                  {"allocator", "t_ns", "sequence", "buffer", "timestamp_ns", "driver_owned_ns",
                                   "done_ns", "dequeued_ns", "returned_ns", "bytes_used", "error", "dropped_before",
                                   "interval_ns", "holder_thread", "holder_pid", "holder"});
            !s)
            return s;
        if (Status s = checkTable(db, path, "dropped_frames", {"t_ns", "allocator", "first", "last"}); !s)
            return s;
    }
    // version 3: who held a buffer, and the processes' names
    const bool holders = version >= 3;
    if (holders) {
        if (Status s = checkTable(db, path, "buffer_states", {"allocator", "t_ns", "frame", "state", "holder_pid"}); !s)
            return s;
        if (Status s = checkTable(db, path, "processes", {"pid", "name"}); !s)
            return s;
    }

    // metadata
    std::map<std::string, std::string> meta;
    {
        Statement st;
        if (Status s = st.prepare(db, "SELECT key, value FROM meta", "cannot read the metadata of"); !s)
            return s;
        int rc = 0;
        while ((rc = st.step()) == SQLITE_ROW)
            meta[st.text(0)] = st.text(1);
        if (rc != SQLITE_DONE)
            return st.error(rc, "cannot read the metadata of");
    }
    auto malformed = [&](const std::string& what) {
        return Status(hresultFromWin32(kErrorFileCorrupt), "malformed recording " + path + ": " + what);
    };
    if (meta["format"] != "ksscope-recording")
        return malformed("metadata \"format\" is \"" + meta["format"] + "\", expected \"ksscope-recording\"");
    auto number = [&](const std::string& key, std::int64_t& out, bool required) -> Status {
        const auto it = meta.find(key);
        if (it == meta.end())
            return required ? malformed("metadata \"" + key + "\" is missing") : Status::ok();
        char* end = nullptr;
        const long long value = std::strtoll(it->second.c_str(), &end, 10);
        if (it->second.empty() || *end != '\0')
            return malformed("metadata \"" + key + "\" is \"" + it->second + "\", expected an integer");
        out = value;
        return Status::ok();
    };
    m_info.ksscopeVersion = meta["ksscope_version"];
    m_info.host = meta["host"];
    m_info.os = meta["os"];
    m_info.scenario = meta["scenario"];
    m_info.command = meta["command"];
    m_info.startedUtc = meta["started_utc"];
    m_info.endedUtc = meta["ended_utc"];
    m_info.buffersRecorded = meta["buffers_recorded"] == "1";
    m_info.rateHz = std::strtod(meta["rate_hz"].c_str(), nullptr);
    if (Status s = number("started_unix_ns", m_info.startedUnixNs, true); !s)
        return s;
    {
        const nlohmann::json backends = nlohmann::json::parse(meta["backends"], nullptr, false);
        if (!backends.is_array())
            return malformed("metadata \"backends\" is not a JSON array");
        for (const auto& b : backends)
            if (b.is_string())
                m_info.backends.push_back(b.get<std::string>());
    }
    std::int64_t duration = -1;
    if (Status s = number("duration_ns", duration, false); !s)
        return s;
    m_info.closedCleanly = duration >= 0;

    // allocators: dense indexes from 0
    {
        Statement st;
        if (Status s = st.prepare(db, "SELECT idx, id FROM allocators ORDER BY idx", "cannot read"); !s)
            return s;
        int rc = 0;
        while ((rc = st.step()) == SQLITE_ROW) {
            if (!st.isInteger(0) || st.integer(0) != static_cast<std::int64_t>(m_info.allocatorIds.size()))
                return malformed("allocator indexes are not 0, 1, 2, ... (found " + st.text(0) + " at position " +
                                 std::to_string(m_info.allocatorIds.size()) + ")");
            m_info.allocatorIds.push_back(st.text(1));
        }
        if (rc != SQLITE_DONE)
            return st.error(rc, "cannot read the allocators of");
    }
    // where it ends: the recorded duration, or the last thing recorded
    std::int64_t last = 0;
    for (const char* sql : {"SELECT max(t_ns) FROM samples", "SELECT max(t_ns) FROM events"}) {
        Statement st;
        if (Status s = st.prepare(db, sql, "cannot read"); !s)
            return s;
        const int rc = st.step();
        if (rc != SQLITE_ROW)
            return st.error(rc, "cannot read");
        last = std::max(last, st.integer(0));
    }
    if (duration < -1 || duration > kMaxRecordingNs)
        return malformed("metadata \"duration_ns\" is " + std::to_string(duration) + ", outside 0 to " +
                         std::to_string(kMaxRecordingNs) + " (a year and a day)");
    if (Status s = checkTimes(db, path, m_info.allocatorIds.size(), framesTables); !s)
        return s;
    if (framesTables) {
        Statement st;
        if (Status s = st.prepare(db, "SELECT EXISTS (SELECT 1 FROM frames)", "cannot read"); !s)
            return s;
        if (const int rc = st.step(); rc != SQLITE_ROW)
            return st.error(rc, "cannot read");
        m_info.framesRecorded = st.integer(0) != 0;
    }
    m_info.duration_ns = std::max(duration, last);

    Db& d = *m_db;
    struct Prepared {
        Statement& statement;
        const char* sql;
    };
    for (const Prepared& p : {
             Prepared{d.samples, "SELECT t_ns, allocator, allocated, frames, frame_size, mode, dropped, delivered "
                                 "FROM samples WHERE t_ns > ?1 AND t_ns <= ?2 ORDER BY t_ns, allocator"},
             Prepared{d.events,
                      "SELECT t_ns, kind, id, message FROM events WHERE t_ns > ?1 AND t_ns <= ?2 ORDER BY t_ns, rowid"},
         }) {
        if (Status s = p.statement.prepare(db, p.sql, "cannot read"); !s)
            return s;
    }
    const std::string bufferColumns = std::string("SELECT t_ns, allocator, frame, state, ") +
                                      (holders ? "holder_pid" : "-1") + " FROM buffer_states ";
    for (const auto& [statement, where] :
         {std::pair<Statement*, const char*>{&d.buffersOne,
                                             "WHERE allocator = ?3 AND t_ns > ?1 AND t_ns <= ?2 ORDER BY t_ns, frame"},
          std::pair<Statement*, const char*>{&d.buffersAll,
                                             "WHERE t_ns > ?1 AND t_ns <= ?2 ORDER BY t_ns, allocator, frame"}}) {
        if (Status s = statement->prepare(db, (bufferColumns + where).c_str(), "cannot read"); !s)
            return s;
    }
    if (framesTables) {
        if (Status s = d.frames.prepare(db,
                                        "SELECT allocator, t_ns, sequence, buffer, timestamp_ns, driver_owned_ns, "
                                        "done_ns, dequeued_ns, returned_ns, bytes_used, error, dropped_before, "
                                        "interval_ns, holder_thread, holder_pid, holder FROM frames WHERE t_ns > ?1 "
                                        "AND t_ns <= ?2 ORDER BY t_ns, rowid",
                                        "cannot read");
            !s)
            return s;
        if (Status s = d.drops.prepare(db,
                                       "SELECT t_ns, allocator, first, last FROM dropped_frames WHERE t_ns > ?1 AND "
                                       "t_ns <= ?2 ORDER BY t_ns, rowid",
                                       "cannot read");
            !s)
            return s;
    }
    return Status::ok();
}

Status Recording::topologies(std::vector<TopologySnapshot>& out)
{
    std::lock_guard lock(m_mutex);
    Statement st;
    if (Status s = st.prepare(m_db->db, "SELECT t_ns, reason, document FROM topology ORDER BY t_ns, rowid",
                              "cannot read the topology of");
        !s)
        return s;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        TopologySnapshot snapshot;
        snapshot.t_ns = st.integer(0);
        snapshot.reason = st.text(1);
        const nlohmann::json doc = nlohmann::json::parse(st.text(2), nullptr, false);
        const std::string where = "malformed recording " + m_info.path + ": the topology recorded at " +
                                  std::to_string(static_cast<double>(snapshot.t_ns) * 1e-9) + " s";
        if (doc.is_discarded())
            return {hresultFromWin32(kErrorFileCorrupt), where + " is not valid JSON"};
        if (Status s = topologyFromJson(doc, snapshot.topology); !s)
            return {hresultFromWin32(kErrorFileCorrupt), where + ": " + s.message()};
        out.push_back(std::move(snapshot));
    }
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read the topology of");
    if (out.empty())
        return {hresultFromWin32(kErrorFileCorrupt), "malformed recording " + m_info.path + ": it holds no topology"};
    return Status::ok();
}

Status Recording::samples(std::int64_t from_ns, std::int64_t to_ns,
                          const std::function<bool(const SampleRecord&)>& visit)
{
    std::lock_guard lock(m_mutex);
    Statement& st = m_db->samples;
    st.reset();
    st.bind(1, from_ns);
    st.bind(2, to_ns);
    const std::size_t allocators = m_info.allocatorIds.size();
    int rc = 0;
    SampleRecord r;
    std::int64_t v[8];
    while ((rc = st.step()) == SQLITE_ROW) {
        // values of another type are converted as SQLite converts them; the ranges are checked below
        for (int c = 0; c < 8; ++c)
            v[c] = st.integer(c);
        const std::int64_t allocator = v[1];
        const std::int64_t allocated = v[2];
        const std::int64_t frames = v[3];
        const std::int64_t frameSize = v[4];
        const std::int64_t mode = v[5];
        if (allocator < 0 || static_cast<std::size_t>(allocator) >= allocators || allocated < 0 ||
            allocated > UINT32_MAX || frames < 0 || frames > UINT32_MAX || frameSize < 0 || frameSize > UINT32_MAX ||
            (mode != 0 && mode != 1) || v[6] < 0 || v[7] < 0) {
            const std::int64_t t = v[0];
            st.reset();
            return {hresultFromWin32(kErrorFileCorrupt),
                    "malformed recording " + m_info.path + ": the sample at " +
                        std::to_string(static_cast<double>(t) * 1e-9) + " s of allocator " + std::to_string(allocator) +
                        " has a value out of range (allocator, allocated, frames, frame_size, mode 0/1, counters)"};
        }
        r.sample.t_ns = v[0];
        r.allocator = static_cast<std::uint32_t>(allocator);
        r.sample.allocated = static_cast<std::uint32_t>(allocated);
        r.sample.frames = static_cast<std::uint32_t>(frames);
        r.frameSize = static_cast<std::uint32_t>(frameSize);
        r.mode = mode == 1 ? KsAllocatorMode_Kernel : KsAllocatorMode_User;
        r.dropped = static_cast<std::uint64_t>(v[6]);
        r.delivered = static_cast<std::uint64_t>(v[7]);
        if (!visit(r)) {
            st.reset();
            return Status::ok();
        }
    }
    st.reset();
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read the samples of");
    return Status::ok();
}

Status Recording::events(std::int64_t from_ns, std::int64_t to_ns, std::vector<MonitorEvent>& out)
{
    std::lock_guard lock(m_mutex);
    Statement& st = m_db->events;
    st.reset();
    st.bind(1, from_ns);
    st.bind(2, to_ns);
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        MonitorEvent e;
        e.t_ns = st.integer(0);
        const std::string kind = st.text(1);
        if (!eventKindFromText(kind, e.kind)) {
            st.reset();
            return {hresultFromWin32(kErrorFileCorrupt),
                    "malformed recording " + m_info.path + ": an event has the unknown kind \"" + kind + "\""};
        }
        e.id = st.text(2);
        e.message = st.text(3);
        out.push_back(std::move(e));
    }
    st.reset();
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read the events of");
    return Status::ok();
}

Status Recording::frames(std::int64_t from_ns, std::int64_t to_ns, std::vector<RecordedFrame>& out)
{
    std::lock_guard lock(m_mutex);
    Statement& st = m_db->frames;
    if (!st.valid())
        return Status::ok(); // schema 1: no frames
    st.reset();
    st.bind(1, from_ns);
    st.bind(2, to_ns);
    const auto allocators = static_cast<std::int64_t>(m_info.allocatorIds.size());
    int rc = 0;
    std::int64_t v[15];
    while ((rc = st.step()) == SQLITE_ROW) {
        for (int c = 0; c < 15; ++c)
            v[c] = st.integer(c);
        // times: -1 (not seen) or within the recording; counts and indexes within their types
        bool bad = v[0] < 0 || v[0] >= allocators;
        for (const int c : {1, 4, 5, 6, 7, 8, 12})
            bad = bad || v[c] < -1 || v[c] > kMaxRecordingNs;
        for (const int c : {2, 3, 9, 11})
            bad = bad || v[c] < 0 || v[c] > UINT32_MAX;
        bad = bad || (v[10] != 0 && v[10] != 1) || v[13] < -1 || v[13] > INT32_MAX || v[14] < -1 || v[14] > INT32_MAX;
        if (bad) {
            const std::int64_t t = v[1];
            st.reset();
            return {hresultFromWin32(kErrorFileCorrupt),
                    "malformed recording " + m_info.path + ": the frame at " +
                        std::to_string(static_cast<double>(t) * 1e-9) + " s of allocator " + std::to_string(v[0]) +
                        " has a value out of range (times -1 or 0 to a year and a day, counts, error 0/1, pids)"};
        }
        RecordedFrame r;
        FrameRecord& f = r.frame;
        f.allocator = static_cast<std::uint32_t>(v[0]);
        f.sequence = static_cast<std::uint32_t>(v[2]);
        f.buffer = static_cast<std::uint32_t>(v[3]);
        f.timestamp_ns = v[4];
        f.driverOwned_ns = v[5];
        f.done_ns = v[6];
        f.dequeued_ns = v[7];
        f.returned_ns = v[8];
        f.bytesUsed = static_cast<std::uint32_t>(v[9]);
        f.error = v[10] == 1;
        f.droppedBefore = static_cast<std::uint32_t>(v[11]);
        f.interval_ns = v[12];
        f.holder = static_cast<std::int32_t>(v[14]); // the process (its thread is gone with the recording machine)
        r.holderThread = static_cast<std::int32_t>(v[13]);
        r.holder.pid = static_cast<std::int32_t>(v[14]);
        r.holder.name = st.text(15);
        out.push_back(std::move(r));
    }
    st.reset();
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read the frames of");
    return Status::ok();
}

Status Recording::droppedFrames(std::int64_t from_ns, std::int64_t to_ns, std::vector<DroppedFrames>& out)
{
    std::lock_guard lock(m_mutex);
    Statement& st = m_db->drops;
    if (!st.valid())
        return Status::ok();
    st.reset();
    st.bind(1, from_ns);
    st.bind(2, to_ns);
    const auto allocators = static_cast<std::int64_t>(m_info.allocatorIds.size());
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        const std::int64_t t = st.integer(0);
        const std::int64_t allocator = st.integer(1);
        const std::int64_t first = st.integer(2);
        const std::int64_t last = st.integer(3);
        if (allocator < 0 || allocator >= allocators || first < 0 || last < first || last > UINT32_MAX) {
            st.reset();
            return {hresultFromWin32(kErrorFileCorrupt),
                    "malformed recording " + m_info.path + ": the drop at " +
                        std::to_string(static_cast<double>(t) * 1e-9) + " s of allocator " + std::to_string(allocator) +
                        " names sequence numbers " + std::to_string(first) + " to " + std::to_string(last) +
                        " (the first no larger than the last, both 0 to 4294967295)"};
        }
        out.push_back({t, static_cast<std::uint32_t>(allocator), static_cast<std::uint32_t>(first),
                       static_cast<std::uint32_t>(last)});
    }
    st.reset();
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read the dropped frames of");
    return Status::ok();
}

Status Recording::bufferChanges(std::uint32_t allocator, std::int64_t from_ns, std::int64_t to_ns,
                                std::vector<BufferChange>& out)
{
    std::lock_guard lock(m_mutex);
    const bool all = allocator == kAllAllocators;
    Statement& st = all ? m_db->buffersAll : m_db->buffersOne;
    st.reset();
    st.bind(1, from_ns);
    st.bind(2, to_ns);
    if (!all)
        st.bind(3, std::int64_t{allocator});
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        const std::int64_t index = st.integer(1);
        const std::int64_t frame = st.integer(2);
        const std::int64_t state = st.integer(3);
        if (index < 0 || static_cast<std::size_t>(index) >= m_info.allocatorIds.size() || frame < 0 || frame > 65535 ||
            state < 0 || state > static_cast<std::int64_t>(BufferState::Consumer)) {
            st.reset();
            return {hresultFromWin32(kErrorFileCorrupt),
                    "malformed recording " + m_info.path + ": a buffer state is out of range (allocator " +
                        std::to_string(index) + ", frame " + std::to_string(frame) + ", state " +
                        std::to_string(state) + ")"};
        }
        const std::int64_t holder = st.integer(4);
        out.push_back(
            {st.integer(0), static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(frame),
             static_cast<BufferState>(state),
             holder < 0 || holder > std::numeric_limits<std::int32_t>::max() ? -1 : static_cast<std::int32_t>(holder)});
    }
    st.reset();
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read the buffer states of");
    return Status::ok();
}

Status Recording::edits(std::vector<RecordedEdit>& out)
{
    std::lock_guard lock(m_mutex);
    Statement st;
    if (Status s = st.prepare(m_db->db,
                              "SELECT t_ns, allocator, kind, applied, requested, actual, hresult, message FROM edits "
                              "ORDER BY t_ns, rowid",
                              "cannot read the edits of");
        !s)
        return s;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        RecordedEdit e;
        e.t_ns = st.integer(0);
        e.allocatorId = st.text(1);
        e.kind = st.text(2);
        e.applied = st.integer(3) != 0;
        e.requested = st.text(4);
        e.actual = st.text(5);
        e.hr = static_cast<HRESULT>(st.integer(6));
        e.message = st.text(7);
        out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read the edits of");
    return Status::ok();
}

Status Recording::processes(std::map<std::int32_t, std::string>& out)
{
    std::lock_guard lock(m_mutex);
    if (m_info.schemaVersion < 2)
        return Status::ok();
    // before version 3 the frames' holders are the only names kept
    const char* sql = m_info.schemaVersion >= 3
                          ? "SELECT pid, name FROM processes"
                          : "SELECT holder_pid, holder FROM frames WHERE holder_pid >= 0 GROUP BY holder_pid";
    Statement st;
    if (Status s = st.prepare(m_db->db, sql, "cannot read the processes of"); !s)
        return s;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW) {
        const std::int64_t pid = st.integer(0);
        if (pid >= 0 && pid <= std::numeric_limits<std::int32_t>::max())
            out[static_cast<std::int32_t>(pid)] = st.text(1);
    }
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read the processes of");
    return Status::ok();
}

Status Recording::sampleCount(std::uint64_t& out)
{
    std::lock_guard lock(m_mutex);
    Statement st;
    if (Status s = st.prepare(m_db->db, "SELECT count(*) FROM samples", "cannot read"); !s)
        return s;
    const int rc = st.step();
    if (rc != SQLITE_ROW)
        return st.error(rc, "cannot count the samples of");
    out = static_cast<std::uint64_t>(st.integer(0));
    return Status::ok();
}

} // namespace ksscope
