// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file watch_session.h
/// One watch, the same for every front end (`ksscope-cli` watch, status, report --duration and serve; the
/// window's session controller): a Session, the Monitor that samples it and, while recording, a Recorder.
/// Edits go through it and are recorded with their results and the topology after them; the topology is
/// recorded again after a structural event that changed it, at that event's own time; one drain call hands what
/// the monitor has new to the recorder and to the front end.

#include "ksscope/backend.h"
#include "ksscope/monitor.h"
#include "ksscope/recording.h"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ksscope {

/// How a watch ended (WatchSession::finish).
struct WatchEnd {
    std::int64_t end_ns = 0; ///< the monitor's time when sampling stopped
    bool recorded = false; ///< a recording was made
    std::string recordingPath;
    Status recording; ///< the first error met while recording (S_OK when none, or no recording)
    RecorderStats recorder; ///< what the recording holds
};

class WatchSession {
public:
    explicit WatchSession(Monitor::Options options);
    /// Stops sampling, finishes a recording still open and closes the devices.
    ~WatchSession();
    WatchSession(const WatchSession&) = delete;
    WatchSession& operator=(const WatchSession&) = delete;

    /// The devices. Open them through open() / adopt(), so that their events reach the monitor.
    [[nodiscard]] Session& session() { return m_session; }
    /// The monitor now sampling (replaced by restartMonitor()); never null.
    [[nodiscard]] std::shared_ptr<Monitor> monitor() const;

    /// Opens backends by name (Session::open) with the watch's event sink. The scenario option given is noted in a
    /// recording's metadata.
    Status open(const std::vector<std::string>& names, const BackendOptions& options);
    /// Adds a backend created elsewhere (Session::adopt) with the watch's event sink.
    Status adopt(std::unique_ptr<Backend> backend);
    /// Starts what the backends run themselves (Session::start).
    Status startDevices();
    /// Starts sampling (Monitor::start).
    Status startSampling();
    /// Stops the monitor (a recording open is finished first) and starts a new one with \a options on the same
    /// devices; events that come in between wait for it.
    Status restartMonitor(Monitor::Options options);

    /// Starts recording: \a options.path gets the session's metadata (its backends and the monitor's rate are filled
    /// in here), \a initial (or the topology now) as the first
    /// snapshot, and from then on what the monitor hands out, the edits and the topology after structural events.
    /// origin_ns is the monitor's time now (0 before sampling starts).
    Status startRecording(Recorder::Options options, const Topology* initial = nullptr);
    [[nodiscard]] bool recording() const;
    /// The recorder while recording (for its status and statistics), else null.
    [[nodiscard]] std::shared_ptr<Recorder> recorder() const;
    /// S_OK while the recording is written (or none is made); else why it stopped.
    [[nodiscard]] Status recordingStatus() const;
    /// Ends recording and hands the recorder over, for the caller to finish (Recorder::finish) where it likes;
    /// null when not recording. Drain first: what the monitor still holds is not in it otherwise.
    [[nodiscard]] std::shared_ptr<Recorder> takeRecorder();
    /// Per-buffer state changes in drain() for a front end of its own (the agent's stream), recording or not.
    void setStreamBuffers(bool on);

    /// KsSetProperties through the owning backend. An applied edit is recorded with its result and the topology
    /// after it (reason "edit"), at the monitor's time (0 before sampling starts).
    PropertyChange setProperties(const std::string& allocatorId, const PropertyRequest& request, ApplyMode mode);
    /// KsSetAllocatorMode through the owning backend, recorded as setProperties is.
    Status setMode(const std::string& allocatorId, KSALLOCATORMODE mode, ApplyMode apply);

    /// Backend::setFormat through the owning backend, recorded as setProperties is (kind "format").
    FormatChange setFormat(const std::string& pinId, const StreamFormat& format, ApplyMode mode);
    /// Backend::setControl through the owning backend, recorded as setProperties is (kind "control").
    ControlChange setControl(const std::string& filterId, const std::string& control, const ControlValue& value);

    /// Moves what the monitor has new into \a batch and hands it to the recorder. Returns the monitor it came from
    /// (the allocator indexes of the batch are its allocatorIds()).
    std::shared_ptr<Monitor> drain(SampleBatch& batch);
    /// Stops sampling, drains what is left into \a last, finishes the recording and closes the devices.
    WatchEnd finish(SampleBatch& last);

private:
    struct Router;
    void updateBufferRequests();
    std::int64_t editTime() const;
    /// An edit starts: the monitor takes no topology snapshot until it ends.
    void beginEdit() const;
    /// The edit has ended. While recording, the topology is read once and the edit \a describe makes of it is
    /// recorded with that topology as its snapshot.
    void endEdit(const std::function<RecordedEdit(const Topology& after)>& describe);
    /// Records a snapshot of the monitor's, unless a later one is recorded already or it shows the devices the last
    /// one showed.
    void recordSnapshot(Recorder& recorder, const TopologySnapshot& snapshot);

    Session m_session;
    std::shared_ptr<Router> m_router;
    mutable std::mutex m_mutex; // guards m_monitor, m_recorder and m_streamBuffers
    std::shared_ptr<Monitor> m_monitor;
    std::shared_ptr<Recorder> m_recorder;
    bool m_streamBuffers = false;
    std::string m_scenario; // the scenario option the devices were opened with
    std::mutex m_snapshotMutex; // guards m_lastSnapshot
    TopologySnapshot m_lastSnapshot; // the last one recorded (its time is the monitor's)
    std::mutex m_editMutex; // one edit at a time
};

} // namespace ksscope
