// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file recording.h
/// Session recordings: an SQLite file (docs/RECORDING.md) holding the session's metadata, the topology and
/// every change to it, every allocator status sample, per-buffer states, events and edits. Recorder writes
/// one from a writer thread of its own, in batched transactions; Recording reads one back.

#include "ksscope/frames.h"
#include "ksscope/samples.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ksscope {

/// The schema version this build writes and the newest it reads (2: frame records; 1 is read too).
inline constexpr int kRecordingSchemaVersion = 3;
/// The oldest schema version this build reads.
inline constexpr int kRecordingOldestSchemaVersion = 1;
/// PRAGMA application_id of a KsScope recording ("KSSC").
inline constexpr std::int32_t kRecordingApplicationId = 0x4B535343;
/// The longest a recording can last, and so the largest time in one: a year and a day in nanoseconds.
inline constexpr std::int64_t kMaxRecordingNs = 366LL * 24 * 3600 * 1'000'000'000;

/// Whether this build can record and replay (it was built with SQLite).
[[nodiscard]] bool recordingSupported();

/// What a recording says about itself.
struct RecordingInfo {
    std::string path;
    int schemaVersion = 0;
    std::string ksscopeVersion; ///< of the KsScope that recorded it
    std::string host;
    std::string os;
    std::vector<std::string> backends;
    std::string scenario; ///< sim scenario file, empty for the embedded default
    std::string command; ///< how the recording was started
    double rateHz = 0.0;
    std::string startedUtc; ///< ISO 8601
    std::int64_t startedUnixNs = 0;
    std::string endedUtc; ///< empty when the recording was not closed
    bool closedCleanly = false; ///< false: KsScope stopped while recording (the file ends at its last commit)
    bool buffersRecorded = false; ///< per-buffer states were recorded
    /// Frame records were recorded (schema 2 and an allocator followed frame by frame); FrameRecord::holder of a
    /// recorded frame is the holder's process, named in RecordedFrame.
    bool framesRecorded = false;
    std::int64_t duration_ns = 0; ///< recorded duration (the last sample's time when not closed cleanly)
    std::vector<std::string> allocatorIds; ///< index = SampleRecord::allocator in the recording
    std::string note; ///< how it was read when that is worth telling (e.g. from a temporary copy), else empty
};

/// A property or mode edit made while recording.
struct RecordedEdit {
    std::int64_t t_ns = 0;
    std::string allocatorId;
    std::string kind; ///< "properties" or "mode"
    bool applied = false; ///< false: the allocator refused it
    std::string requested; ///< JSON: {"buffers","bufferSize","align","prefix"} or {"mode"}
    std::string actual; ///< JSON, same shape: what the allocator has afterwards
    HRESULT hr = S_OK;
    std::string message;
};

/// A frame as recorded: its record (times relative to the recording's start) and the process that held it.
struct RecordedFrame {
    FrameRecord frame;
    std::int32_t holderThread = -1;
    ProcessInfo holder;
};

/// What the writer thread has done so far.
struct RecorderStats {
    std::uint64_t samples = 0; ///< written and committed
    std::uint64_t bufferChanges = 0;
    std::uint64_t frames = 0;
    std::uint64_t events = 0;
    std::uint64_t commits = 0;
    std::uint64_t lostSamples = 0; ///< dropped because the writer fell too far behind
    std::uint64_t queuedSamples = 0; ///< waiting for the next commit
    double writerCpuSeconds = 0.0; ///< the writer thread's CPU time
    double longestCommitMs = 0.0;
    std::uint64_t fileBytes = 0; ///< the file and its write-ahead log now
    std::int64_t recorded_ns = 0; ///< time of the last committed sample
};

class Recorder {
public:
    struct Options {
        std::string path;
        std::vector<std::string> backends;
        std::string scenario;
        std::string command;
        double rateHz = 0.0;
        /// Monitor time (ns) at which the recording starts: stored times are relative to it, and samples
        /// taken before it are not recorded.
        std::int64_t origin_ns = 0;
        std::chrono::milliseconds commitInterval{250};
        bool buffers = true; ///< per-buffer states are recorded (the monitor's setRecordBuffers)
        bool overwrite = false; ///< replace an existing file (else an existing file is refused)
        std::size_t maxQueuedSamples = std::size_t{1} << 23;
    };

    /// Creates the file, writes the schema, the metadata and \a initial as the first topology, and starts
    /// the writer thread. Null with \a status naming the problem (an existing file, a folder that does not
    /// exist or is not writable, a full disk).
    [[nodiscard]] static std::unique_ptr<Recorder> create(const Options& options, const Topology& initial,
                                                          Status& status);
    ~Recorder();
    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;

    /// Queues what the monitor handed out (\a ids: Monitor::allocatorIds()); never waits for the disk.
    void add(const SampleBatch& batch, const std::vector<std::string>& ids);
    /// Queues a topology snapshot at monitor time \a t_ns.
    void addTopology(std::int64_t t_ns, const Topology& topology, const std::string& reason);
    /// Queues an edit (its t_ns is monitor time).
    void addEdit(RecordedEdit edit);

    /// Commits what is queued, writes the end of the recording (\a end_ns, monitor time) and closes the
    /// file as one self-contained file. Returns the first error met while recording. Safe to call twice.
    Status finish(std::int64_t end_ns);

    /// S_OK while recording works; after a write failed, that failure (recording has stopped, what was
    /// committed before it is kept).
    [[nodiscard]] Status status() const;
    [[nodiscard]] RecorderStats stats() const;
    [[nodiscard]] const std::string& path() const { return m_options.path; }
    [[nodiscard]] std::int64_t origin_ns() const { return m_options.origin_ns; }

private:
    struct Db;
    struct Queue {
        std::vector<SampleRecord> samples;
        std::vector<BufferChange> buffers;
        std::vector<MonitorEvent> events;
        std::vector<FrameRecord> frames;
        std::vector<DroppedFrames> drops;
        std::vector<std::pair<std::uint32_t, std::string>> allocators;
        std::vector<std::pair<std::int64_t, std::pair<std::string, std::string>>> topologies; // t, reason, json
        std::vector<RecordedEdit> edits;
        [[nodiscard]] bool empty() const
        {
            return samples.empty() && buffers.empty() && events.empty() && frames.empty() && drops.empty() &&
                   allocators.empty() && topologies.empty() && edits.empty();
        }
    };
    explicit Recorder(Options options);
    void run();
    Status commit(Queue& queue);
    void fail(const Status& status);

    Options m_options;
    std::unique_ptr<Db> m_db;

    mutable std::mutex m_mutex; // guards the queue, the status and the stats
    std::condition_variable m_wake;
    Queue m_queue;
    std::size_t m_knownAllocators = 0;
    Status m_status;
    RecorderStats m_stats;
    bool m_stop = false;
    bool m_finished = false;
    std::thread m_thread;
};

/// A recording opened for reading. Safe to use from several threads (calls are serialised).
class Recording {
public:
    /// Opens \a path read-only and checks that it is a KsScope recording this build can read. Null with
    /// \a status naming the problem: missing file, not a recording, damaged, newer schema.
    [[nodiscard]] static std::unique_ptr<Recording> open(const std::string& path, Status& status);
    ~Recording();
    Recording(const Recording&) = delete;
    Recording& operator=(const Recording&) = delete;

    [[nodiscard]] const RecordingInfo& info() const { return m_info; }

    /// Every topology snapshot, in time order (the first one is at 0).
    [[nodiscard]] Status topologies(std::vector<TopologySnapshot>& out);
    /// Samples with from_ns < t_ns <= to_ns in time order; \a visit returns false to stop early.
    /// SampleRecord::allocator indexes info().allocatorIds.
    [[nodiscard]] Status samples(std::int64_t from_ns, std::int64_t to_ns,
                                 const std::function<bool(const SampleRecord&)>& visit);
    [[nodiscard]] Status events(std::int64_t from_ns, std::int64_t to_ns, std::vector<MonitorEvent>& out);
    /// Frame records with from_ns < t <= to_ns (t: when filled, else dequeued, else handed to the driver), in time
    /// order; none in a recording without them.
    [[nodiscard]] Status frames(std::int64_t from_ns, std::int64_t to_ns, std::vector<RecordedFrame>& out);
    /// The sequence numbers that never came, known at from_ns < t_ns <= to_ns, in time order.
    [[nodiscard]] Status droppedFrames(std::int64_t from_ns, std::int64_t to_ns, std::vector<DroppedFrames>& out);
    /// Buffer-state changes with from_ns < t_ns <= to_ns of one allocator (kAllAllocators: all).
    static constexpr std::uint32_t kAllAllocators = 0xffffffff;
    [[nodiscard]] Status bufferChanges(std::uint32_t allocator, std::int64_t from_ns, std::int64_t to_ns,
                                       std::vector<BufferChange>& out);
    [[nodiscard]] Status edits(std::vector<RecordedEdit>& out);
    /// The processes that held frames (FrameRecord::holder and BufferChange::holder of what is read here), by pid,
    /// named as the recording machine knew them; added to \a out. None in a recording without frames.
    [[nodiscard]] Status processes(std::map<std::int32_t, std::string>& out);
    /// Number of samples (a scan of the samples table).
    [[nodiscard]] Status sampleCount(std::uint64_t& out);

private:
    struct Db;
    Recording();
    Status load();
    /// Copies \a path and its write-ahead log into a new temporary \a folder; \a copy is the copy's path.
    static Status copyForReading(const std::string& path, std::filesystem::path& folder, std::string& copy);

    std::unique_ptr<Db> m_db;
    RecordingInfo m_info;
    std::mutex m_mutex;
};

} // namespace ksscope
