// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/watch_session.h"

#include "ksscope/json_output.h"

#include <algorithm>

namespace ksscope {

/// Backend events go to the monitor now sampling. Those that come while there is none - between two monitors -
/// wait here for the next one (a bounded number).
struct WatchSession::Router {
    static constexpr std::size_t kMaxWaiting = 4096;
    std::mutex mutex; // guards sink and waiting
    EventSink sink;
    std::vector<BackendEvent> waiting;

    void deliver(const BackendEvent& event)
    {
        std::lock_guard lock(mutex);
        if (sink)
            sink(event);
        else if (waiting.size() < kMaxWaiting)
            waiting.push_back(event);
    }
    void attach(EventSink to)
    {
        std::lock_guard lock(mutex);
        sink = std::move(to);
        for (const BackendEvent& event : waiting)
            sink(event);
        waiting.clear();
    }
    void detach()
    {
        std::lock_guard lock(mutex);
        sink = {};
    }
};

WatchSession::WatchSession(Monitor::Options options)
    : m_router(std::make_shared<Router>()), m_monitor(std::make_shared<Monitor>(std::move(options)))
{
    m_router->attach(m_monitor->eventSink());
}

WatchSession::~WatchSession()
{
    SampleBatch last;
    (void)finish(last);
}

std::shared_ptr<Monitor> WatchSession::monitor() const
{
    std::lock_guard lock(m_mutex);
    return m_monitor;
}

Status WatchSession::open(const std::vector<std::string>& names, const BackendOptions& options)
{
    m_scenario = options.value("scenario"); // noted in a recording's metadata
    return m_session.open(names, options, [router = m_router](const BackendEvent& e) { router->deliver(e); });
}

Status WatchSession::adopt(std::unique_ptr<Backend> backend)
{
    return m_session.adopt(std::move(backend), [router = m_router](const BackendEvent& e) { router->deliver(e); });
}

Status WatchSession::startDevices()
{
    return m_session.start();
}

Status WatchSession::startSampling()
{
    return monitor()->start(m_session);
}

Status WatchSession::restartMonitor(Monitor::Options options)
{
    if (std::shared_ptr<Recorder> recorder = takeRecorder())
        (void)recorder->finish(monitor()->now_ns()); // a recording belongs to the monitor that made it
    m_router->detach(); // what comes while the old monitor stops waits for the new one
    std::shared_ptr<Monitor> old = monitor();
    old->stop();
    auto next = std::make_shared<Monitor>(std::move(options));
    next->setPaused(old->paused());
    {
        std::lock_guard lock(m_mutex);
        m_monitor = next;
    }
    updateBufferRequests();
    m_router->attach(next->eventSink());
    return next->start(m_session);
}

Status WatchSession::startRecording(Recorder::Options options, const Topology* initial)
{
    if (recording())
        return {E_UNEXPECTED, "already recording"};
    const std::shared_ptr<Monitor> m = monitor();
    options.origin_ns = m->started() ? m->now_ns() : 0;
    options.rateHz = m->rateHz();
    if (options.scenario.empty())
        options.scenario = m_scenario; // set by open() before any recording (a front end's thread)
    options.backends.clear();
    for (const auto& backend : m_session.backends())
        options.backends.push_back(backend->name());
    Status status;
    const Topology first = initial ? *initial : m_session.topology();
    std::unique_ptr<Recorder> recorder = Recorder::create(options, first, status);
    if (!recorder)
        return status;
    {
        std::lock_guard lock(m_snapshotMutex);
        m_lastSnapshot = {-1, "start", first};
    }
    {
        std::lock_guard lock(m_mutex);
        m_recorder = std::move(recorder);
    }
    updateBufferRequests();
    return Status::ok();
}

bool WatchSession::recording() const
{
    std::lock_guard lock(m_mutex);
    return m_recorder != nullptr;
}

std::shared_ptr<Recorder> WatchSession::recorder() const
{
    std::lock_guard lock(m_mutex);
    return m_recorder;
}

Status WatchSession::recordingStatus() const
{
    const std::shared_ptr<Recorder> r = recorder();
    return r ? r->status() : Status::ok();
}

std::shared_ptr<Recorder> WatchSession::takeRecorder()
{
    std::shared_ptr<Recorder> recorder;
    {
        std::lock_guard lock(m_mutex);
        recorder = std::exchange(m_recorder, nullptr);
    }
    updateBufferRequests();
    return recorder;
}

void WatchSession::setStreamBuffers(bool on)
{
    {
        std::lock_guard lock(m_mutex);
        m_streamBuffers = on;
    }
    updateBufferRequests();
}

void WatchSession::updateBufferRequests()
{
    std::lock_guard lock(m_mutex);
    const bool recording = m_recorder != nullptr;
    m_monitor->setRecordBuffers(m_streamBuffers || recording);
    m_monitor->setSnapshotTopology(recording);
}

std::int64_t WatchSession::editTime() const
{
    const std::shared_ptr<Monitor> m = monitor();
    return m->started() ? m->now_ns() : 0;
}

void WatchSession::beginEdit() const
{
    monitor()->beginEdit(); // no snapshot of the sampler's overlaps an edit: the edit's own stands for it
}

void WatchSession::endEdit(const std::function<RecordedEdit(const Topology& after)>& describe)
{
    if (const std::shared_ptr<Recorder> recorder = this->recorder()) {
        const Topology after = m_session.topology();
        RecordedEdit edit = describe(after);
        std::lock_guard lock(m_snapshotMutex);
        const std::int64_t t_ns = edit.t_ns;
        recorder->addEdit(std::move(edit));
        recorder->addTopology(t_ns, after, "edit");
        m_lastSnapshot = {t_ns, "edit", after};
    }
    monitor()->endEdit();
}

void WatchSession::recordSnapshot(Recorder& recorder, const TopologySnapshot& snapshot)
{
    std::lock_guard lock(m_snapshotMutex);
    // one the sampler took before a snapshot already recorded (an edit's) is superseded by it; one that shows the
    // devices the last one showed (the devices found at open, what an edit did) adds nothing
    if (snapshot.t_ns <= m_lastSnapshot.t_ns || snapshot.topology.sameDevices(m_lastSnapshot.topology))
        return;
    m_lastSnapshot = snapshot;
    recorder.addTopology(snapshot.t_ns, snapshot.topology, snapshot.reason);
}

PropertyChange WatchSession::setProperties(const std::string& allocatorId, const PropertyRequest& request,
                                           ApplyMode mode)
{
    std::lock_guard edits(m_editMutex);
    Backend* backend = m_session.backendFor(allocatorId);
    PropertyChange change;
    if (!backend) {
        change.status = {hresultFromWin32(kErrorNotFound), "no open device owns " + allocatorId};
        return change;
    }
    if (mode == ApplyMode::DryRun)
        return backend->setProperties(allocatorId, request, mode);
    beginEdit();
    change = backend->setProperties(allocatorId, request, mode);
    endEdit([&](const Topology&) {
        const Status result = change.applied ? Status::ok() : change.status;
        return RecordedEdit{editTime(),
                            allocatorId,
                            "properties",
                            result.isOk(),
                            propertiesToJson(change.requested).dump(),
                            propertiesToJson(change.actual).dump(),
                            result.code(),
                            result.message()};
    });
    return change;
}

Status WatchSession::setMode(const std::string& allocatorId, KSALLOCATORMODE mode, ApplyMode apply)
{
    std::lock_guard edits(m_editMutex);
    Backend* backend = m_session.backendFor(allocatorId);
    if (!backend)
        return {hresultFromWin32(kErrorNotFound), "no open device owns " + allocatorId};
    if (apply == ApplyMode::DryRun)
        return backend->setMode(allocatorId, mode, apply);
    beginEdit();
    Status status = backend->setMode(allocatorId, mode, apply);
    endEdit([&](const Topology& after) {
        const AllocatorInfo* info = after.findAllocator(allocatorId); // the mode it has now, granted or not
        return RecordedEdit{editTime(),
                            allocatorId,
                            "mode",
                            status.isOk(),
                            modeToJson(mode).dump(),
                            modeToJson(info ? info->mode : mode).dump(),
                            status.code(),
                            status.message()};
    });
    return status;
}

FormatChange WatchSession::setFormat(const std::string& pinId, const StreamFormat& format, ApplyMode mode)
{
    std::lock_guard edits(m_editMutex);
    if (mode == ApplyMode::DryRun)
        return m_session.setFormat(pinId, format, mode);
    beginEdit();
    FormatChange change = m_session.setFormat(pinId, format, mode);
    endEdit([&](const Topology&) {
        return RecordedEdit{editTime(),
                            pinId,
                            "format",
                            change.applied,
                            nlohmann::json{{"format", change.requested.toString()}}.dump(),
                            nlohmann::json{{"format", change.actual.toString()}}.dump(),
                            change.status.code(),
                            change.status.message()};
    });
    return change;
}

ControlChange WatchSession::setControl(const std::string& filterId, const std::string& control,
                                       const ControlValue& value)
{
    std::lock_guard edits(m_editMutex);
    beginEdit();
    ControlChange change = m_session.setControl(filterId, control, value);
    endEdit([&](const Topology&) {
        const std::string key = change.before.key.empty() ? control : change.before.key;
        auto valueJson = [&](const ControlValue& v) {
            return change.before.type == ControlType::String ? nlohmann::json(v.text) : nlohmann::json(v.number);
        };
        return RecordedEdit{editTime(),
                            filterId,
                            "control",
                            change.applied,
                            nlohmann::json{{"control", key}, {"value", valueJson(change.requested)}}.dump(),
                            nlohmann::json{{"control", key}, {"value", valueJson(change.actual)}}.dump(),
                            change.status.code(),
                            change.status.message()};
    });
    return change;
}

std::shared_ptr<Monitor> WatchSession::drain(SampleBatch& batch)
{
    std::shared_ptr<Monitor> m;
    std::shared_ptr<Recorder> recorder;
    {
        std::lock_guard lock(m_mutex);
        m = m_monitor;
        recorder = m_recorder;
    }
    m->takeNew(batch);
    if (recorder && (!batch.samples.empty() || !batch.events.empty() || !batch.bufferChanges.empty() ||
                     !batch.topologies.empty() || !batch.frames.empty() || !batch.droppedFrames.empty())) {
        recorder->add(batch, m->allocatorIds());
        for (const TopologySnapshot& snapshot : batch.topologies)
            recordSnapshot(*recorder, snapshot);
    }
    return m;
}

WatchEnd WatchSession::finish(SampleBatch& last)
{
    const std::shared_ptr<Monitor> m = monitor();
    m->stop();
    drain(last);
    WatchEnd end;
    end.end_ns = m->now_ns();
    if (std::shared_ptr<Recorder> recorder = takeRecorder()) {
        end.recorded = true;
        end.recordingPath = recorder->path();
        end.recording = recorder->finish(end.end_ns);
        end.recorder = recorder->stats();
    }
    m_router->detach();
    m_session.close();
    return end;
}

} // namespace ksscope
