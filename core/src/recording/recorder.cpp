// SPDX-License-Identifier: GPL-3.0-or-later
// Recorder: a recording written by a thread of its own, in batched transactions.
#include "ksscope/json_output.h"
#include "ksscope/recording.h"
#include "ksscope/version.h"
#include "recording_format.h"
#include "sqlite_db.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>

namespace ksscope {

using recording::Connection;
using recording::eventKindText;
using recording::fileBytes;
using recording::hostName;
using recording::kSchema;
using recording::osName;
using recording::Statement;
using recording::unixNow;
using recording::utcText;

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
    Statement frame;
    Statement dropped;
    Statement process;
    std::int64_t lastSample_ns = 0;
    std::map<std::int32_t, ProcessInfo> holders; // by thread, looked up once (a process gone keeps its name)

    /// The process of holder thread \a tid; a process met for the first time is written to the processes table.
    Status holder(std::int32_t tid, const ProcessInfo*& out)
    {
        auto it = holders.find(tid);
        if (it == holders.end()) {
            it = holders.emplace(tid, tid < 0 ? ProcessInfo{} : processOf(tid)).first;
            if (it->second.pid >= 0) {
                process.bind(1, std::int64_t{it->second.pid});
                process.bind(2, std::string_view(it->second.name));
                if (Status s = process.run("cannot write processes to"); !s)
                    return s;
            }
        }
        out = &it->second;
        return Status::ok();
    }

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
             Prepared{d.buffer, "INSERT OR REPLACE INTO buffer_states VALUES (?1, ?2, ?3, ?4, ?5)"},
             Prepared{d.process, "INSERT OR REPLACE INTO processes VALUES (?1, ?2)"},
             Prepared{d.event, "INSERT INTO events VALUES (?1, ?2, ?3, ?4)"},
             Prepared{d.allocator, "INSERT OR IGNORE INTO allocators VALUES (?1, ?2)"},
             Prepared{d.topology, "INSERT INTO topology VALUES (?1, ?2, ?3)"},
             Prepared{d.edit, "INSERT INTO edits VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
             Prepared{d.meta, "INSERT OR REPLACE INTO meta VALUES (?1, ?2)"},
             Prepared{d.frame, "INSERT INTO frames VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                               "?14, ?15, ?16)"},
             Prepared{d.dropped, "INSERT INTO dropped_frames VALUES (?1, ?2, ?3, ?4)"},
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
            m_queue.buffers.push_back({b.t_ns - origin, b.allocator, b.frame, b.state, b.holder});
    for (const MonitorEvent& e : batch.events)
        if (e.t_ns >= origin)
            m_queue.events.push_back({e.t_ns - origin, e.kind, e.id, e.message});
    // frames filled since the recording began, their times from its start (-1: not seen, or before it)
    const auto shift = [origin](std::int64_t t) { return t >= origin ? t - origin : -1; };
    for (const FrameRecord& f : batch.frames) {
        if (f.t_ns() < origin)
            continue;
        FrameRecord shifted = f;
        shifted.driverOwned_ns = shift(f.driverOwned_ns);
        shifted.done_ns = shift(f.done_ns);
        shifted.dequeued_ns = shift(f.dequeued_ns);
        shifted.returned_ns = shift(f.returned_ns);
        m_queue.frames.push_back(shifted);
    }
    for (const DroppedFrames& d : batch.droppedFrames)
        if (d.t_ns >= origin)
            m_queue.drops.push_back({d.t_ns - origin, d.allocator, d.first, d.last});
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
            const std::size_t frames = work.frames.size();
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
                m_stats.frames += frames;
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
            const ProcessInfo* holder = nullptr;
            if (Status s = d.holder(b.holder, holder); !s)
                return s;
            d.buffer.bind(5, std::int64_t{holder->pid});
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
        for (const FrameRecord& f : queue.frames) {
            const ProcessInfo* holder = nullptr;
            if (Status s = d.holder(f.holder, holder); !s)
                return s;
            Statement& st = d.frame;
            st.bind(1, std::int64_t{f.allocator});
            st.bind(2, f.t_ns());
            st.bind(3, std::int64_t{f.sequence});
            st.bind(4, std::int64_t{f.buffer});
            st.bind(5, f.timestamp_ns);
            st.bind(6, f.driverOwned_ns);
            st.bind(7, f.done_ns);
            st.bind(8, f.dequeued_ns);
            st.bind(9, f.returned_ns);
            st.bind(10, std::int64_t{f.bytesUsed});
            st.bind(11, std::int64_t{f.error ? 1 : 0});
            st.bind(12, std::int64_t{f.droppedBefore});
            st.bind(13, f.interval_ns);
            st.bind(14, std::int64_t{f.holder});
            st.bind(15, std::int64_t{holder->pid});
            st.bind(16, std::string_view(holder->name));
            if (Status s = st.run("cannot write frames to"); !s)
                return s;
        }
        for (const DroppedFrames& drop : queue.drops) {
            d.dropped.bind(1, drop.t_ns);
            d.dropped.bind(2, std::int64_t{drop.allocator});
            d.dropped.bind(3, std::int64_t{drop.first});
            d.dropped.bind(4, std::int64_t{drop.last});
            if (Status s = d.dropped.run("cannot write dropped frames to"); !s)
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
    d.frame.finalize();
    d.dropped.finalize();
    d.db.close();
    return this->status();
}

// ---------------------------------------------------------------------------------------------------------------
// Recording

} // namespace ksscope
