// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/recording.h"

#include "ksscope/json_output.h"
#include "ksscope/version.h"
#include "sqlite_db.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <system_error>

#if defined(__unix__)
#include <sys/utsname.h>
#include <unistd.h>
#endif

namespace ksscope {

using recording::Connection;
using recording::Statement;

bool recordingSupported()
{
    return true;
}

namespace {

// The schema (docs/RECORDING.md). Samples and buffer states are clustered on their keys (WITHOUT ROWID), so
// that appending in time order writes to the end of the tree and a time range is one range scan.
constexpr const char* kSchema = R"sql(
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
    PRIMARY KEY(allocator, t_ns, frame)) WITHOUT ROWID;
CREATE TABLE events(t_ns INTEGER NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX events_by_time ON events(t_ns);
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

std::string utcText(std::int64_t unixNs)
{
    const auto seconds = static_cast<std::time_t>(unixNs / 1'000'000'000);
    std::tm tm{};
#if defined(_WIN32)
    gmtime_s(&tm, &seconds);
#else
    gmtime_r(&seconds, &tm);
#endif
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((unixNs / 1'000'000) % 1000));
    return text;
}

std::int64_t unixNow()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string hostName()
{
#if defined(__unix__)
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0)
        return name;
#endif
    return {};
}

std::string osName()
{
#if defined(__unix__)
    utsname u{};
    if (uname(&u) == 0)
        return std::string(u.sysname) + " " + u.release + " " + u.machine;
#endif
    return {};
}

std::string eventKindText(EventKind kind)
{
    return std::string(eventKindName(kind));
}

bool eventKindFromText(std::string_view text, EventKind& out)
{
    for (EventKind kind : {EventKind::Starvation, EventKind::Drop, EventKind::Config, EventKind::Added,
                           EventKind::Removed, EventKind::Error})
        if (eventKindName(kind) == text) {
            out = kind;
            return true;
        }
    return false;
}

std::uint64_t fileBytes(const std::string& path)
{
    std::uint64_t total = 0;
    for (const char* suffix : {"", "-wal"}) {
        std::error_code ec;
        const auto size = std::filesystem::file_size(path + suffix, ec);
        if (!ec)
            total += size;
    }
    return total;
}

// Checks that \a table of the recording at \a path is an ordinary table with (at least) \a columns.
Status checkTable(Connection& db, const std::string& path, const std::string& table,
                  const std::vector<std::string>& columns)
{
    // an ordinary table: a view (or a virtual table) of that name in a crafted file could be endless to read
    {
        Statement st;
        if (Status s =
                st.prepare(db, "SELECT type, sql FROM sqlite_master WHERE name = ?1 COLLATE NOCASE", "cannot read");
            !s)
            return s;
        st.bind(1, std::string_view(table));
        int rc = 0;
        bool ordinary = true;
        std::string kind;
        while ((rc = st.step()) == SQLITE_ROW) {
            const std::string type = st.text(0);
            std::string sql = st.text(1).substr(0, 14);
            std::transform(sql.begin(), sql.end(), sql.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
            if (type != "table" || sql == "CREATE VIRTUAL") {
                ordinary = false;
                kind = type == "table" ? std::string("virtual table") : type;
                break;
            }
        }
        if (!ordinary)
            return {hresultFromWin32(kErrorFileCorrupt),
                    "malformed recording " + path + ": \"" + table + "\" is a " + kind + ", not a table"};
        if (rc != SQLITE_DONE)
            return st.error(rc, "cannot read");
    }
    Statement st;
    const std::string sql = "PRAGMA table_info(" + table + ")";
    if (Status s = st.prepare(db, sql.c_str(), "cannot read"); !s)
        return s;
    std::vector<std::string> found;
    int rc = 0;
    while ((rc = st.step()) == SQLITE_ROW)
        found.push_back(st.text(1));
    if (rc != SQLITE_DONE)
        return st.error(rc, "cannot read");
    if (found.empty())
        return {hresultFromWin32(kErrorFileCorrupt),
                "malformed recording " + path + ": table \"" + table + "\" is missing"};
    const auto missing = std::find_if(columns.begin(), columns.end(), [&](const std::string& column) {
        return std::find(found.begin(), found.end(), column) == found.end();
    });
    if (missing != columns.end())
        return {hresultFromWin32(kErrorFileCorrupt),
                "malformed recording " + path + ": table \"" + table + "\" has no column \"" + *missing + "\""};
    return Status::ok();
}

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// Recorder

struct Recorder::Db {
    Connection db;
    Statement sample;
    Statement buffer;
    Statement event;
    Statement allocator;
    Statement topology;
    Statement edit;
    Statement meta;
    std::int64_t lastSample_ns = 0;

    Status setMeta(std::string_view key, std::string_view value)
    {
        meta.reset();
        meta.bind(1, key);
        meta.bind(2, value);
        return meta.run("writing the metadata of");
    }
};

Recorder::Recorder(Options options) : m_options(std::move(options)), m_db(std::make_unique<Db>()) { }

std::unique_ptr<Recorder> Recorder::create(const Options& options, const Topology& initial, Status& status)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (options.path.empty()) {
        status = {E_INVALIDARG, "no file name given for the recording"};
        return nullptr;
    }
    if (fs::is_directory(options.path, ec)) {
        status = {E_INVALIDARG, "cannot record to " + options.path + ": it is a folder; give a file name"};
        return nullptr;
    }
    if (fs::exists(options.path, ec)) {
        if (!fs::is_regular_file(options.path, ec)) {
            status = {E_INVALIDARG, "cannot record to " + options.path +
                                        ": it is not a regular file, and --overwrite replaces only files"};
            return nullptr;
        }
        if (!options.overwrite) {
            status = {hresultFromWin32(kErrorFileExists),
                      "recording " + options.path + " exists already; choose another name or remove it first"};
            return nullptr;
        }
        for (const char* suffix : {"", "-wal", "-shm", "-journal"})
            fs::remove(options.path + suffix, ec);
        if (fs::exists(options.path, ec)) {
            status = {hresultFromWin32(kErrorAccessDenied), "cannot replace " + options.path + ": " + ec.message()};
            return nullptr;
        }
    }
    const fs::path parent = fs::path(options.path).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
        status = {hresultFromWin32(kErrorPathNotFound),
                  "cannot create recording " + options.path + ": folder " + parent.string() + " does not exist"};
        return nullptr;
    }

    std::unique_ptr<Recorder> recorder(new Recorder(options));
    Db& d = *recorder->m_db;
    auto failed = [&](Status s) {
        status = std::move(s);
        recorder->m_finished = true; // nothing to finish: close and remove what was started
        recorder->m_db.reset();
        fs::remove(options.path, ec); // nothing worth keeping was written
        fs::remove(options.path + "-wal", ec);
        fs::remove(options.path + "-shm", ec);
        return nullptr;
    };
    if (Status s = d.db.open(options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX); !s)
        return failed(Status(s.code(), s.message()));
    // WAL: a commit appends to the log, readers never block the writer, and a process killed mid-write
    // leaves the last committed state; NORMAL syncs at checkpoints, which survives a crash of the process.
    const std::string pragmas = "PRAGMA application_id = " + std::to_string(kRecordingApplicationId) +
                                "; PRAGMA user_version = " + std::to_string(kRecordingSchemaVersion) +
                                "; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;";
    if (Status s = d.db.exec(pragmas.c_str(), "cannot create recording"); !s)
        return failed(s);
    if (Status s = d.db.exec("BEGIN", "cannot create recording"); !s)
        return failed(s);
    if (Status s = d.db.exec(kSchema, "cannot create the tables of recording"); !s)
        return failed(s);
    struct Prepared {
        Statement& statement;
        const char* sql;
    };
    for (const Prepared& p : {
             Prepared{d.sample, "INSERT INTO samples VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
             Prepared{d.buffer, "INSERT OR REPLACE INTO buffer_states VALUES (?1, ?2, ?3, ?4)"},
             Prepared{d.event, "INSERT INTO events VALUES (?1, ?2, ?3, ?4)"},
             Prepared{d.allocator, "INSERT OR IGNORE INTO allocators VALUES (?1, ?2)"},
             Prepared{d.topology, "INSERT INTO topology VALUES (?1, ?2, ?3)"},
             Prepared{d.edit, "INSERT INTO edits VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
             Prepared{d.meta, "INSERT OR REPLACE INTO meta VALUES (?1, ?2)"},
         }) {
        if (Status s = p.statement.prepare(d.db, p.sql, "cannot prepare writing to"); !s)
            return failed(s);
    }
    const std::int64_t started = unixNow();
    const std::pair<const char*, std::string> meta[] = {
        {"format", "ksscope-recording"},
        {"schema_version", std::to_string(kRecordingSchemaVersion)},
        {"ksscope_version", KSSCOPE_VERSION_FULL},
        {"host", hostName()},
        {"os", osName()},
        {"backends", nlohmann::json(options.backends).dump()},
        {"scenario", options.scenario},
        {"command", options.command},
        {"rate_hz", std::to_string(options.rateHz)},
        {"started_utc", utcText(started)},
        {"started_unix_ns", std::to_string(started)},
        {"buffers_recorded", options.buffers ? "1" : "0"},
    };
    for (const auto& [key, value] : meta)
        if (Status s = d.setMeta(key, value); !s)
            return failed(s);
    d.topology.reset();
    d.topology.bind(1, std::int64_t{0});
    d.topology.bind(2, std::string_view("start"));
    d.topology.bind(3, topologyToJson(initial).dump());
    if (Status s = d.topology.run("writing the topology to"); !s)
        return failed(s);
    if (Status s = d.db.exec("COMMIT", "cannot create recording"); !s)
        return failed(s);

    status = Status::ok();
    recorder->m_thread = std::thread(&Recorder::run, recorder.get());
    return recorder;
}

Recorder::~Recorder()
{
    finish(-1);
}

void Recorder::add(const SampleBatch& batch, const std::vector<std::string>& ids)
{
    std::lock_guard lock(m_mutex);
    if (!m_status || m_stop)
        return;
    for (; m_knownAllocators < ids.size(); ++m_knownAllocators)
        m_queue.allocators.emplace_back(static_cast<std::uint32_t>(m_knownAllocators), ids[m_knownAllocators]);
    const std::int64_t origin = m_options.origin_ns;
    std::size_t room =
        m_options.maxQueuedSamples > m_queue.samples.size() ? m_options.maxQueuedSamples - m_queue.samples.size() : 0;
    for (const SampleRecord& r : batch.samples) {
        if (r.sample.t_ns < origin)
            continue;
        if (room == 0) {
            ++m_stats.lostSamples;
            continue;
        }
        --room;
        SampleRecord shifted = r;
        shifted.sample.t_ns -= origin;
        m_queue.samples.push_back(shifted);
    }
    for (const BufferChange& b : batch.bufferChanges)
        if (b.t_ns >= origin)
            m_queue.buffers.push_back({b.t_ns - origin, b.allocator, b.frame, b.state});
    for (const MonitorEvent& e : batch.events)
        if (e.t_ns >= origin)
            m_queue.events.push_back({e.t_ns - origin, e.kind, e.id, e.message});
    m_stats.queuedSamples = m_queue.samples.size();
}

void Recorder::addTopology(std::int64_t t_ns, const Topology& topology, const std::string& reason)
{
    std::string document = topologyToJson(topology).dump();
    std::lock_guard lock(m_mutex);
    if (!m_status || m_stop)
        return;
    m_queue.topologies.push_back(
        {std::max<std::int64_t>(0, t_ns - m_options.origin_ns), {reason, std::move(document)}});
}

void Recorder::addEdit(RecordedEdit edit)
{
    std::lock_guard lock(m_mutex);
    if (!m_status || m_stop)
        return;
    edit.t_ns = std::max<std::int64_t>(0, edit.t_ns - m_options.origin_ns);
    m_queue.edits.push_back(std::move(edit));
}

Status Recorder::status() const
{
    std::lock_guard lock(m_mutex);
    return m_status;
}

RecorderStats Recorder::stats() const
{
    RecorderStats s;
    {
        std::lock_guard lock(m_mutex);
        s = m_stats;
    }
    s.fileBytes = fileBytes(m_options.path);
    return s;
}

void Recorder::fail(const Status& status)
{
    std::lock_guard lock(m_mutex);
    if (m_status)
        m_status = Status(status.code(), "recording to " + m_options.path + " stopped: " + status.message() +
                                             "; what was recorded up to then is kept");
    m_queue = {};
}

void Recorder::run()
{
    const double cpuStart = threadCpuSeconds();
    Queue work;
    for (;;) {
        bool stop = false;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait_for(lock, m_options.commitInterval, [this] { return m_stop; });
            stop = m_stop;
            std::swap(work, m_queue);
            m_stats.queuedSamples = 0;
        }
        if (!work.empty()) {
            const auto begin = std::chrono::steady_clock::now();
            const std::size_t samples = work.samples.size();
            const std::size_t buffers = work.buffers.size();
            const std::size_t events = work.events.size();
            const Status status = commit(work);
            const double ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count();
            if (!status) {
                fail(status);
            } else {
                std::lock_guard lock(m_mutex);
                m_stats.samples += samples;
                m_stats.bufferChanges += buffers;
                m_stats.events += events;
                ++m_stats.commits;
                m_stats.longestCommitMs = std::max(m_stats.longestCommitMs, ms);
                m_stats.recorded_ns = m_db->lastSample_ns;
            }
            work = {};
        }
        {
            std::lock_guard lock(m_mutex);
            m_stats.writerCpuSeconds = threadCpuSeconds() - cpuStart;
        }
        if (stop)
            return;
    }
}

Status Recorder::commit(Queue& queue)
{
    Db& d = *m_db;
    {
        std::lock_guard lock(m_mutex);
        if (!m_status)
            return Status::ok(); // stopped after an earlier failure
    }
    if (Status s = d.db.exec("BEGIN", "cannot write to"); !s)
        return s;
    auto write = [&]() -> Status {
        for (const auto& [index, id] : queue.allocators) {
            d.allocator.reset();
            d.allocator.bind(1, std::int64_t{index});
            d.allocator.bind(2, id);
            if (Status s = d.allocator.run("cannot write to"); !s)
                return s;
        }
        for (const auto& [t, entry] : queue.topologies) {
            d.topology.reset();
            d.topology.bind(1, t);
            d.topology.bind(2, entry.first);
            d.topology.bind(3, entry.second);
            if (Status s = d.topology.run("cannot write to"); !s)
                return s;
        }
        for (const SampleRecord& r : queue.samples) {
            Statement& st = d.sample; // every parameter is bound again: no clear_bindings in the hot loop
            st.bind(1, r.sample.t_ns);
            st.bind(2, std::int64_t{r.allocator});
            st.bind(3, std::int64_t{r.sample.allocated});
            st.bind(4, std::int64_t{r.sample.frames});
            st.bind(5, std::int64_t{r.frameSize});
            st.bind(6, std::int64_t{r.mode});
            st.bind(7, static_cast<std::int64_t>(r.dropped));
            st.bind(8, static_cast<std::int64_t>(r.delivered));
            if (Status s = st.run("cannot write samples to"); !s)
                return s;
            d.lastSample_ns = std::max(d.lastSample_ns, r.sample.t_ns);
        }
        for (const BufferChange& b : queue.buffers) {
            d.buffer.bind(1, std::int64_t{b.allocator});
            d.buffer.bind(2, b.t_ns);
            d.buffer.bind(3, std::int64_t{b.frame});
            d.buffer.bind(4, static_cast<std::int64_t>(b.state));
            if (Status s = d.buffer.run("cannot write buffer states to"); !s)
                return s;
        }
        for (const MonitorEvent& e : queue.events) {
            d.event.bind(1, e.t_ns);
            d.event.bind(2, eventKindText(e.kind));
            d.event.bind(3, e.id);
            d.event.bind(4, e.message);
            if (Status s = d.event.run("cannot write events to"); !s)
                return s;
        }
        for (const RecordedEdit& e : queue.edits) {
            d.edit.bind(1, e.t_ns);
            d.edit.bind(2, e.allocatorId);
            d.edit.bind(3, e.kind);
            d.edit.bind(4, std::int64_t{e.applied ? 1 : 0});
            d.edit.bind(5, e.requested);
            d.edit.bind(6, e.actual);
            d.edit.bind(7, std::int64_t{e.hr});
            d.edit.bind(8, e.message);
            if (Status s = d.edit.run("cannot write edits to"); !s)
                return s;
        }
        return Status::ok();
    };
    if (Status s = write(); !s) {
        (void)d.db.exec("ROLLBACK", "rollback");
        return s;
    }
    if (Status s = d.db.exec("COMMIT", "cannot commit to"); !s) {
        (void)d.db.exec("ROLLBACK", "rollback");
        return s;
    }
    return Status::ok();
}

Status Recorder::finish(std::int64_t end_ns)
{
    {
        std::lock_guard lock(m_mutex);
        if (m_finished)
            return m_status;
        m_finished = true;
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
    Db& d = *m_db;
    Status status = this->status();
    if (status && d.db.get()) {
        const std::int64_t ended = unixNow();
        const std::int64_t duration = std::max(d.lastSample_ns, end_ns >= 0 ? end_ns - m_options.origin_ns : 0);
        Status s = d.db.exec("BEGIN", "cannot finish");
        if (s)
            s = d.setMeta("ended_utc", utcText(ended));
        if (s)
            s = d.setMeta("duration_ns", std::to_string(duration));
        if (s)
            s = d.db.exec("COMMIT", "cannot finish");
        // one self-contained file to attach to a bug report: fold the log in and leave WAL mode
        if (s)
            s = d.db.exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;", "cannot finish");
        if (!s)
            fail(s);
    }
    d.sample.finalize();
    d.buffer.finalize();
    d.event.finalize();
    d.allocator.finalize();
    d.topology.finalize();
    d.edit.finalize();
    d.meta.finalize();
    d.db.close();
    return this->status();
}

// ---------------------------------------------------------------------------------------------------------------
// Recording

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
Status checkTimes(Connection& db, const std::string& path, std::size_t allocators)
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
    if (Status s = checkTimes(db, path, m_info.allocatorIds.size()); !s)
        return s;
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
             Prepared{d.buffersOne, "SELECT t_ns, allocator, frame, state FROM buffer_states WHERE allocator = ?3 "
                                    "AND t_ns > ?1 AND t_ns <= ?2 ORDER BY t_ns, frame"},
             Prepared{d.buffersAll, "SELECT t_ns, allocator, frame, state FROM buffer_states WHERE t_ns > ?1 AND "
                                    "t_ns <= ?2 ORDER BY t_ns, allocator, frame"},
         }) {
        if (Status s = p.statement.prepare(db, p.sql, "cannot read"); !s)
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
        out.push_back({st.integer(0), static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(frame),
                       static_cast<BufferState>(state)});
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
