// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/backend.h"
#include "ksscope/backend_registry.h"
#include "ksscope/device_id.h"
#include "ksscope/monitor.h"
#include "ksscope/options.h"
#include "ksscope/recording.h"
#include "replay_source.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>

namespace ksscope::replay {

namespace {

constexpr const char* kReadOnly = "replayed from a recording: edits are not possible";
constexpr const char* kRecordingOption = "recording";
constexpr double kMinSpeed = 0.001;
constexpr double kMaxSpeed = 1000.0;

/// --speed: a factor, or "max" (0: everything at once).
std::optional<double> parseSpeed(const std::string& text, std::string& error)
{
    if (text == "max")
        return 0.0;
    auto speed = parseNumberOption({}, text, kMinSpeed, kMaxSpeed, error);
    if (!speed)
        error += ", or max";
    return speed;
}

double speedOf(const BackendOptions& options)
{
    std::string error;
    return parseSpeed(options.value("speed", "1"), error).value_or(1.0);
}

/// --start, in ns.
std::int64_t startOf(const BackendOptions& options)
{
    std::string error;
    const auto seconds = parseNumberOption({}, options.value("start", "0"), 0.0, 1e12, error);
    return static_cast<std::int64_t>(seconds.value_or(0.0) * 1e9);
}

/// The replay position: moves with wall time times the speed while playing; stops at the end.
class PlaybackClock {
public:
    void reset(std::int64_t begin_ns, std::int64_t end_ns, std::int64_t start_ns, double speed)
    {
        std::lock_guard lock(m_mutex);
        m_begin = begin_ns;
        m_end = end_ns;
        m_anchorPos = std::clamp(start_ns, begin_ns, end_ns);
        m_speed = speed;
        m_playing = false;
    }
    [[nodiscard]] std::int64_t position() const
    {
        std::lock_guard lock(m_mutex);
        return positionLocked();
    }
    void setPlaying(bool playing)
    {
        std::lock_guard lock(m_mutex);
        m_anchorPos = positionLocked();
        m_anchorWall = std::chrono::steady_clock::now();
        m_playing = playing;
    }
    [[nodiscard]] bool playing() const
    {
        std::lock_guard lock(m_mutex);
        return m_playing && positionLocked() < m_end;
    }
    void setSpeed(double speed)
    {
        std::lock_guard lock(m_mutex);
        m_anchorPos = positionLocked();
        m_anchorWall = std::chrono::steady_clock::now();
        m_speed = speed;
    }
    [[nodiscard]] double speed() const
    {
        std::lock_guard lock(m_mutex);
        return m_speed;
    }
    void seek(std::int64_t t_ns)
    {
        std::lock_guard lock(m_mutex);
        m_anchorPos = std::clamp(t_ns, m_begin, m_end);
        m_anchorWall = std::chrono::steady_clock::now();
    }

private:
    [[nodiscard]] std::int64_t positionLocked() const
    {
        if (!m_playing)
            return m_anchorPos;
        if (m_speed <= 0.0)
            return m_end;
        const double elapsed =
            std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - m_anchorWall).count();
        const double position = static_cast<double>(m_anchorPos) + elapsed * m_speed;
        return position >= static_cast<double>(m_end) ? m_end : static_cast<std::int64_t>(position);
    }

    mutable std::mutex m_mutex;
    std::int64_t m_begin = 0;
    std::int64_t m_end = 0;
    std::int64_t m_anchorPos = 0;
    std::chrono::steady_clock::time_point m_anchorWall = std::chrono::steady_clock::now();
    double m_speed = 1.0;
    bool m_playing = false;
};

class ReplayBackend;

/// The latest recorded reading of one allocator at the replay position.
class ReplayProbe final : public AllocatorProbe {
public:
    ReplayProbe(ReplayBackend& backend, std::uint32_t allocator) : m_backend(backend), m_allocator(allocator) { }
    HRESULT read(AllocatorReading& reading) override;
    std::vector<BufferState> bufferStates() override;

private:
    ReplayBackend& m_backend;
    std::uint32_t m_allocator;
};

class ReplayBackend final : public Backend, public ReplayTimeline {
public:
    explicit ReplayBackend(BackendOptions options) : m_options(std::move(options)) { }

    [[nodiscard]] std::string name() const override { return "replay"; }
    [[nodiscard]] std::string interfacesNote() const override
    {
        return "as recorded (a replay has no IKsAllocatorEx to read)";
    }

    [[nodiscard]] Availability availability() const override
    {
        if (!recordingSupported())
            return {false, "this build has no recording support (built without SQLite)"};
        if (m_options.value(kRecordingOption).empty())
            return {false, "plays a recording: give one with --recording FILE"};
        return {true, {}};
    }

    SelfTestReport selfTest() override
    {
        SelfTestReport report;
        Status status;
        auto recording = Recording::open(m_options.value(kRecordingOption), status);
        if (!recording) {
            report.lines.push_back("FAIL: " + status.toString());
            return report;
        }
        const RecordingInfo& info = recording->info();
        report.lines.push_back("ok: " + info.path + ": schema version " + std::to_string(info.schemaVersion) +
                               ", recorded by KsScope " + info.ksscopeVersion + " on " + info.host);
        report.lines.push_back("ok: " + std::to_string(info.allocatorIds.size()) + " allocators, " +
                               std::to_string(static_cast<double>(info.duration_ns) * 1e-9) + " s" +
                               (info.closedCleanly ? "" : " (not closed cleanly: ends at its last commit)"));
        std::vector<TopologySnapshot> snapshots;
        if (Status s = recording->topologies(snapshots); !s) {
            report.lines.push_back("FAIL: " + s.toString());
            return report;
        }
        report.lines.push_back("ok: " + std::to_string(snapshots.size()) + " topology snapshots");
        report.passed = true;
        return report;
    }

    Status open() override
    {
        Status status;
        auto recording = Recording::open(m_options.value(kRecordingOption), status);
        if (!recording)
            return status;
        std::vector<TopologySnapshot> snapshots;
        if (Status s = recording->topologies(snapshots); !s)
            return s;
        for (auto& snapshot : snapshots) {
            for (auto& a : snapshot.topology.allocators)
                a.readOnlyReason = kReadOnly;
            for (const auto& f : snapshot.topology.filters) {
                if (const std::string_view backend = backendOf(f.id); !backend.empty())
                    m_prefixes.insert(std::string(backend));
            }
        }
        const std::int64_t start_ns = startOf(m_options);
        if (start_ns < 0 || start_ns > recording->info().duration_ns)
            return {E_INVALIDARG, "--start " + numberText(static_cast<double>(start_ns) * 1e-9) +
                                      " s is past the end of " + recording->info().path + ", which lasts " +
                                      numberText(static_cast<double>(recording->info().duration_ns) * 1e-9) +
                                      " s: start between 0 and that"};
        for (const std::string& b : recording->info().backends)
            m_prefixes.insert(b);
        m_prefixes.erase("replay");
        std::lock_guard lock(m_mutex);
        m_recording = std::move(recording);
        m_processes.clear();
        m_askedProcesses.clear();
        m_snapshots = std::move(snapshots);
        m_clock.reset(0, m_recording->info().duration_ns, start_ns, speedOf(m_options));
        return Status::ok();
    }

    Status start() override
    {
        m_clock.setPlaying(true);
        return Status::ok();
    }

    void close() override
    {
        m_clock.setPlaying(false);
        std::lock_guard lock(m_mutex);
        m_recording.reset();
    }

    [[nodiscard]] Topology topology() override
    {
        const std::int64_t position = m_clock.position();
        Topology topology = topologyAt(position);
        // the status of each allocator as last recorded
        std::vector<Reading> latest;
        if (latestReadings(position, latest)) {
            const auto& ids = allocatorIds();
            for (const auto& r : latest) {
                if (r.allocator >= ids.size())
                    continue;
                for (auto& a : topology.allocators)
                    if (a.id == ids[r.allocator]) {
                        a.status = r.reading.status;
                        a.mode = r.reading.mode;
                    }
            }
        }
        return topology;
    }

    std::shared_ptr<AllocatorProbe> probe(const std::string& allocatorId) override
    {
        const auto& ids = allocatorIds();
        const auto it = std::find(ids.begin(), ids.end(), allocatorId);
        if (it == ids.end())
            return nullptr;
        return std::make_shared<ReplayProbe>(*this, static_cast<std::uint32_t>(it - ids.begin()));
    }

    ComPtr<IKsPin> pin(const std::string& pinId) override
    {
        (void)pinId;
        return {};
    }

    PropertyChange setProperties(const std::string& allocatorId, const PropertyRequest& request,
                                 ApplyMode mode) override
    {
        (void)mode;
        return refuseProperties(allocatorId, request, kReadOnly);
    }

    Status setMode(const std::string& allocatorId, KSALLOCATORMODE mode, ApplyMode apply) override
    {
        (void)mode;
        (void)apply;
        return refuseMode(allocatorId, kReadOnly);
    }

    void setEventSink(EventSink sink) override { (void)sink; }

    // a recorded holder is a process of the recording machine (recorded frames name the process, not the thread)
    [[nodiscard]] ProcessInfo holderProcess(const std::string& allocatorId, std::int32_t holder) override
    {
        (void)allocatorId;
        if (holder < 0)
            return {};
        std::lock_guard lock(m_mutex);
        auto it = m_processes.find(holder);
        // a recording still being written may name processes after it was opened: read them again once per pid
        if (it == m_processes.end() && m_recording && m_askedProcesses.insert(holder).second &&
            m_recording->processes(m_processes))
            it = m_processes.find(holder);
        return {holder, it == m_processes.end() ? std::string() : it->second};
    }

    [[nodiscard]] bool owns(std::string_view id) const override
    {
        const std::string_view backend = backendOf(id);
        return !backend.empty() && m_prefixes.count(std::string(backend)) > 0;
    }

    std::unique_ptr<SampleSource> createSource(const SourceOptions& options) override
    {
        return makeReplaySource(*this, options);
    }

    // ReplayTimeline
    [[nodiscard]] std::string title() const override
    {
        return std::filesystem::path(m_options.value(kRecordingOption)).filename().string();
    }
    [[nodiscard]] const std::vector<std::string>& allocatorIds() const override
    {
        static const std::vector<std::string> kNone;
        return m_recording ? m_recording->info().allocatorIds : kNone;
    }
    [[nodiscard]] std::int64_t position_ns() const override { return m_clock.position(); }
    [[nodiscard]] std::int64_t begin_ns() const override { return 0; }
    [[nodiscard]] std::int64_t end_ns() const override { return m_recording ? m_recording->info().duration_ns : 0; }

    [[nodiscard]] Topology topologyAt(std::int64_t t_ns) override
    {
        std::lock_guard lock(m_mutex);
        const TopologySnapshot* snapshot = snapshotAt(t_ns);
        return snapshot ? snapshot->topology : Topology{};
    }

    Status readings(std::int64_t from_ns, std::int64_t to_ns, std::vector<Reading>& out) override
    {
        std::lock_guard lock(m_mutex);
        if (!m_recording)
            return {E_UNEXPECTED, "the replay backend is closed"};
        const TopologySnapshot* snapshot = nullptr;
        std::vector<const AllocatorInfo*> infos;
        const auto& ids = m_recording->info().allocatorIds;
        return m_recording->samples(from_ns, to_ns, [&](const SampleRecord& r) {
            const TopologySnapshot* now = snapshotAt(r.sample.t_ns);
            if (now != snapshot) {
                snapshot = now;
                infos.assign(ids.size(), nullptr);
                for (std::size_t i = 0; i < ids.size() && snapshot; ++i)
                    infos[i] = snapshot->topology.findAllocator(ids[i]);
            }
            Reading reading;
            reading.t_ns = r.sample.t_ns;
            reading.allocator = r.allocator;
            const AllocatorInfo* info = r.allocator < infos.size() ? infos[r.allocator] : nullptr;
            reading.reading = readingOf(r, info ? &info->status.Framing : nullptr);
            out.push_back(reading);
            return true;
        });
    }

    Status events(std::int64_t from_ns, std::int64_t to_ns, std::vector<MonitorEvent>& out) override
    {
        std::lock_guard lock(m_mutex);
        if (!m_recording)
            return {E_UNEXPECTED, "the replay backend is closed"};
        return m_recording->events(from_ns, to_ns, out);
    }

    Status frames(std::int64_t from_ns, std::int64_t to_ns, std::vector<RecordedFrame>& frames,
                  std::vector<DroppedFrames>& drops) override
    {
        std::lock_guard lock(m_mutex);
        if (!m_recording)
            return {E_UNEXPECTED, "the replay backend is closed"};
        if (Status s = m_recording->frames(from_ns, to_ns, frames); !s)
            return s;
        return m_recording->droppedFrames(from_ns, to_ns, drops);
    }

    Status bufferChanges(std::uint32_t allocator, std::int64_t from_ns, std::int64_t to_ns,
                         std::vector<BufferChange>& out) override
    {
        std::lock_guard lock(m_mutex);
        if (!m_recording)
            return {E_UNEXPECTED, "the replay backend is closed"};
        return m_recording->bufferChanges(allocator, from_ns, to_ns, out);
    }

    void setPlaying(bool playing) override { m_clock.setPlaying(playing); }
    [[nodiscard]] bool playing() const override { return m_clock.playing(); }
    void setSpeed(double speed) override { m_clock.setSpeed(std::isfinite(speed) ? std::max(0.0, speed) : 1.0); }
    [[nodiscard]] double speed() const override { return m_clock.speed(); }
    void seek(std::int64_t t_ns) override { m_clock.seek(t_ns); }

    /// The last reading of every allocator at or before \a t_ns (within a few sample periods).
    bool latestReadings(std::int64_t t_ns, std::vector<Reading>& out)
    {
        const double rate = m_recording ? std::max(1.0, m_recording->info().rateHz) : 1.0;
        const auto lookback = static_cast<std::int64_t>(std::max(2.0, 4.0 / rate) * 1e9);
        std::vector<Reading> all;
        if (!readings(t_ns - lookback, t_ns, all))
            return false;
        out.clear();
        for (auto it = all.rbegin(); it != all.rend(); ++it)
            if (std::none_of(out.begin(), out.end(), [&](const Reading& r) { return r.allocator == it->allocator; }))
                out.push_back(*it);
        return true;
    }

private:
    /// The last snapshot taken at or before \a t_ns (the first one before it starts). m_mutex held.
    const TopologySnapshot* snapshotAt(std::int64_t t_ns) const
    {
        if (m_snapshots.empty())
            return nullptr;
        auto it = std::upper_bound(m_snapshots.begin(), m_snapshots.end(), t_ns,
                                   [](std::int64_t t, const TopologySnapshot& s) { return t < s.t_ns; });
        return it == m_snapshots.begin() ? &m_snapshots.front() : &*(it - 1);
    }

    BackendOptions m_options;
    mutable std::mutex m_mutex; // guards the recording and the snapshots
    std::unique_ptr<Recording> m_recording;
    std::vector<TopologySnapshot> m_snapshots;
    std::map<std::int32_t, std::string> m_processes; // the recorded holders' names, read as they are asked for
    std::set<std::int32_t> m_askedProcesses;
    std::set<std::string> m_prefixes; // backends whose ids the recording holds
    PlaybackClock m_clock;
};

HRESULT ReplayProbe::read(AllocatorReading& reading)
{
    std::vector<ReplayTimeline::Reading> latest;
    if (!m_backend.latestReadings(m_backend.position_ns(), latest))
        return E_FAIL;
    for (const auto& r : latest)
        if (r.allocator == m_allocator) {
            reading = r.reading;
            return S_OK;
        }
    return hresultFromWin32(kErrorNotReady);
}

std::vector<BufferState> ReplayProbe::bufferStates()
{
    std::vector<BufferChange> changes;
    if (!m_backend.bufferChanges(m_allocator, -1, m_backend.position_ns(), changes))
        return {};
    std::vector<BufferState> states;
    for (const BufferChange& c : changes) {
        if (c.frame >= states.size())
            states.resize(c.frame + 1, BufferState::Free);
        states[c.frame] = c.state;
    }
    return states;
}

} // namespace

} // namespace ksscope::replay

namespace ksscope {

void registerReplayBackend()
{
    if (!recordingSupported())
        return; // no SQLite: no recording to play
    BackendRegistration replay;
    replay.name = "replay";
    replay.description = "a recording's devices and samples, played back (--recording FILE)";
    replay.order = 40;
    replay.openedByDefault = false;
    replay.opensAlone = true;
    replay.create = [](const BackendOptions& options) -> std::unique_ptr<Backend> {
        return std::make_unique<replay::ReplayBackend>(options);
    };
    BackendOption recording;
    recording.name = replay::kRecordingOption;
    recording.valueName = "FILE";
    recording.help = "play a recording (from `watch --record` or the window's File > Record) instead of opening "
                     "devices";
    recording.label = "Recording";
    recording.selects = true;
    recording.inWindow = true;
    recording.fileFilter = "KsScope recordings (*.ksrec *.db);;All files (*)";
    // a file that is not a recording (or a damaged one) is named before anything opens
    recording.check = [](const std::string& path) {
        Status status;
        return Recording::open(path, status) ? Status::ok() : status;
    };
    BackendOption speed;
    speed.name = "speed";
    speed.valueName = "X|max";
    speed.help = "replay speed: 1 as recorded (default), 2 twice as fast, max at once";
    speed.needs = replay::kRecordingOption;
    speed.check = [](const std::string& text) {
        std::string error;
        return replay::parseSpeed(text, error) ? Status::ok() : Status(E_INVALIDARG, error);
    };
    BackendOption start;
    start.name = "start";
    start.valueName = "S";
    start.help = "replay: seconds into the recording to start at (default 0)";
    start.needs = replay::kRecordingOption;
    start.check = [](const std::string& text) {
        std::string error;
        return parseNumberOption({}, text, 0.0, static_cast<double>(kMaxRecordingNs) * 1e-9, error)
                   ? Status::ok()
                   : Status(E_INVALIDARG, error);
    };
    replay.options = {std::move(recording), std::move(speed), std::move(start)};
    replay.windowAction = "Open &Recording...";
    replay.windowActionTip = "Replay a recording (Ctrl+O)";
    replay.windowIcon = "document-open";
    replay.windowShortcut = "Ctrl+O";
    BackendRegistry::add(std::move(replay));
}

} // namespace ksscope
