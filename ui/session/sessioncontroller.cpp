// SPDX-License-Identifier: GPL-3.0-or-later
#include "sessioncontroller.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <future>
#include <optional>

namespace ksscope::ui {

/// Device-thread state: the watch of the open session (its backends report events to its current monitor).
struct SessionController::Devices {
    std::shared_ptr<WatchSession> watch;

    /// The playback of a session that plays something recorded (null when live).
    [[nodiscard]] Playback* playback() const
    {
        const std::shared_ptr<Monitor> monitor = watch ? watch->monitor() : nullptr;
        return monitor ? monitor->playback() : nullptr;
    }
    void close()
    {
        if (watch) {
            SampleBatch last;
            (void)watch->finish(last);
        }
        watch.reset();
    }
};

std::vector<std::string> SessionRequest::backendNames() const
{
    std::vector<std::string> out;
    for (const QString& name : backends)
        out.push_back(name.toStdString());
    return out;
}

bool SessionRequest::opensAlone() const
{
    for (const std::string& name : BackendRegistry::opening(backendNames(), options))
        if (const auto b = BackendRegistry::find(name); b && b->opensAlone)
            return true;
    return false;
}

QString SessionRequest::source() const
{
    QStringList values;
    for (const BackendRegistration& b : BackendRegistry::all())
        for (const BackendOption& o : b.options)
            if (o.selects && options.has(o.name))
                values.append(QString::fromStdString(options.value(o.name)));
    return values.join(QStringLiteral(", "));
}

QString describeOptions(const BackendOptions& options)
{
    const std::vector<std::string> selected = BackendRegistry::selectedBy(options);
    QString text = selected.empty() ? QObject::tr("the devices") : QString::fromStdString(selected.front());
    const auto b = selected.empty() ? std::nullopt : BackendRegistry::find(selected.front());
    if (b)
        for (const BackendOption& o : b->options)
            if (o.selects && options.has(o.name))
                text += QLatin1Char(' ') + QString::fromStdString(options.value(o.name));
    return text;
}

namespace {

Monitor::Options monitorOptions(double rateHz, double windowSeconds)
{
    Monitor::Options options;
    options.rateHz = rateHz;
    options.windowSeconds = windowSeconds;
    options.catchUpSeconds = std::min(kReplayCatchUpSeconds, windowSeconds);
    return options;
}

} // namespace

// Work crosses threads through these queues, under a std::mutex, rather than inside Qt's event queue: the
// hand-over is then visible to ThreadSanitizer (Debian's Qt is not instrumented). A queued call of drain()
// only wakes the receiving thread up.
class Mailbox : public QObject {
    Q_OBJECT
public:
    void push(std::function<void()> work)
    {
        std::lock_guard lock(m_mutex);
        m_work.push_back(std::move(work));
        // inside the lock, so that the receiver's next drain() is ordered after this use of the object
        QMetaObject::invokeMethod(this, "drain", Qt::QueuedConnection);
    }

public Q_SLOTS:
    void drain()
    {
        for (;;) {
            std::function<void()> work;
            {
                std::lock_guard lock(m_mutex);
                if (m_work.empty())
                    return;
                work = std::move(m_work.front());
                m_work.pop_front();
            }
            work();
        }
    }

private:
    std::mutex m_mutex; // guards m_work
    std::deque<std::function<void()>> m_work;
};

SessionController::SessionController(QObject* parent) : QObject(parent), m_devices(std::make_shared<Devices>())
{
    m_toUi = new Mailbox;
    m_toUi->setParent(this);
    m_thread.setObjectName(QStringLiteral("ksscope-devices"));
    m_toDevices = new Mailbox;
    m_toDevices->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_toDevices, &QObject::deleteLater);
    m_thread.start();
}

SessionController::~SessionController()
{
    m_monitor.reset();
    m_watch.reset(); // the device thread closes it
    m_playback = nullptr;
    std::promise<void> closed;
    post([devices = m_devices, &closed] {
        devices->close();
        closed.set_value();
    });
    closed.get_future().wait();
    m_thread.quit();
    m_thread.wait();
}

void SessionController::post(std::function<void()> work)
{
    m_toDevices->push(std::move(work));
}

void SessionController::reply(std::function<void()> work)
{
    m_toUi->push(std::move(work));
}

std::shared_ptr<Monitor> SessionController::drain(SampleBatch& batch)
{
    if (!m_watch) {
        batch.clear();
        return nullptr;
    }
    return m_watch->drain(batch);
}

Status SessionController::startRecording(const Recorder::Options& options, std::shared_ptr<Recorder>& recorder)
{
    recorder.reset();
    if (!m_watch || !m_monitor)
        return {E_UNEXPECTED, "no devices are open"};
    if (m_playback)
        return {E_UNEXPECTED, "a replay is not recorded again; open the live devices to record"};
    // the topology the window has: the devices are not read on this thread
    if (Status status = m_watch->startRecording(options, &m_topology); !status)
        return status;
    recorder = m_watch->recorder();
    return Status::ok();
}

std::shared_ptr<Recorder> SessionController::takeRecorder()
{
    return m_watch ? m_watch->takeRecorder() : nullptr;
}

void SessionController::waitForIdle()
{
    std::promise<void> done;
    post([&done] { done.set_value(); });
    done.get_future().wait();
}

void SessionController::open(const SessionRequest& request)
{
    m_request = request;
    m_monitor.reset();
    m_watch.reset(); // the device thread closes it
    m_playback = nullptr; // the session that owns it closes on the device thread
    m_backendNames.clear();
    const quint64 generation = ++m_generation;
    Q_EMIT opening();
    post([this, devices = m_devices, request, paused = m_paused, generation] {
        devices->close();
        devices->watch = std::make_shared<WatchSession>(monitorOptions(request.rateHz, request.windowSeconds));
        WatchSession& watch = *devices->watch;
        watch.monitor()->setPaused(paused);
        Status status = watch.open(request.backendNames(), request.options);
        QStringList addedProblems;
        QList<BackendOptions> added;
        for (const BackendOptions& options : request.opensAlone() ? QList<BackendOptions>{} : request.added) {
            if (!status)
                break;
            // the backend these options ask for, opened as if named (one more of it at each use)
            const std::vector<std::string> asked = BackendRegistry::selectedBy(options);
            Status addedStatus = asked.empty() ? Status(E_NOTIMPL, "no backend of this build takes these options")
                                               : BackendRegistry::check(asked, options);
            if (addedStatus)
                addedStatus = watch.open(asked, options);
            if (addedStatus)
                added.append(options);
            else
                addedProblems.append(tr("Cannot open %1: %2")
                                         .arg(describeOptions(options), QString::fromStdString(addedStatus.message())));
        }
        if (status)
            status = watch.startDevices();
        if (status)
            status = watch.startSampling();
        Topology topology = status ? watch.session().topology() : Topology{};
        std::shared_ptr<Monitor> monitor = watch.monitor();
        std::shared_ptr<WatchSession> watchHandle = devices->watch;
        QStringList backendNames;
        Playback* playback = nullptr;
        if (status) {
            for (const auto& backend : watch.session().backends())
                backendNames.append(QString::fromStdString(backend->name()));
            playback = devices->playback();
        } else {
            monitor.reset();
            watchHandle.reset();
            devices->close();
        }
        reply([this, status, monitor, watchHandle, playback, backendNames, generation, added, addedProblems,
               topology = std::move(topology)]() mutable {
            if (generation != m_generation)
                return; // another open or monitor followed: this session or monitor is gone already
            if (!m_request.opensAlone() && status)
                m_request.added = added; // those that could not be opened are left out
            for (const QString& problemText : addedProblems)
                Q_EMIT problem(problemText);
            m_monitor = monitor;
            m_watch = watchHandle;
            m_playback = playback;
            m_backendNames = backendNames;
            m_topology = std::move(topology);
            Q_EMIT topologyChanged();
            Q_EMIT opened(status.isOk(), QString::fromStdString(status.toString()));
        });
    });
}

ProcessInfo SessionController::holderProcess(const std::string& allocatorId, std::int32_t holder) const
{
    // the session's backends stay as they are from the reply of open() until it is closed after m_watch is let go
    return m_watch ? m_watch->session().holderProcess(allocatorId, holder) : ProcessInfo{};
}

void SessionController::setRate(double rateHz)
{
    m_request.rateHz = rateHz;
    replaceMonitor();
}

void SessionController::seek(std::int64_t t_ns)
{
    if (!m_playback)
        return;
    // the old monitor must not take the jump as recording to replay at once: it stops advancing first
    if (m_monitor)
        m_monitor->setPaused(true);
    m_playback->seek(t_ns);
    // also while the monitor of a previous seek is still starting: it may have started before this position
    replaceMonitor(true);
}

void SessionController::replaceMonitor(bool evenIfStarting)
{
    if (!m_monitor && !evenIfStarting)
        return;
    m_monitor.reset();
    const quint64 generation = ++m_generation;
    Q_EMIT opening();
    post([this, devices = m_devices, rateHz = m_request.rateHz, window = m_request.windowSeconds, paused = m_paused,
          generation] {
        if (!devices->watch)
            return;
        devices->watch->monitor()->setPaused(paused);
        const Status status = devices->watch->restartMonitor(monitorOptions(rateHz, window));
        std::shared_ptr<Monitor> monitor = devices->watch->monitor();
        // a replay's topology depends on the position
        std::optional<Topology> topology;
        if (devices->playback())
            topology = devices->watch->session().topology();
        reply([this, status, monitor, generation, topology = std::move(topology)]() mutable {
            if (generation != m_generation)
                return; // replaced already
            m_monitor = monitor;
            if (topology) {
                m_topology = std::move(*topology);
                Q_EMIT topologyChanged();
            }
            Q_EMIT opened(status.isOk(), QString::fromStdString(status.toString()));
        });
    });
}

void SessionController::setPaused(bool paused)
{
    m_paused = paused;
    if (m_monitor)
        m_monitor->setPaused(paused);
}

void SessionController::refreshTopology()
{
    post([this, devices = m_devices] {
        if (!devices->watch)
            return;
        Topology topology = devices->watch->session().topology();
        reply([this, topology = std::move(topology)]() mutable {
            m_topology = std::move(topology);
            Q_EMIT topologyChanged();
        });
    });
}

void SessionController::setProperties(quint64 ticket, const QString& allocatorId, const PropertyRequest& request,
                                      ApplyMode mode)
{
    post([this, devices = m_devices, ticket, allocatorId, request, mode] {
        PropertyChange change;
        if (!devices->watch)
            change.status = {E_FAIL, "no open device owns " + allocatorId.toStdString()};
        else
            change = devices->watch->setProperties(allocatorId.toStdString(), request, mode);
        reply(
            [this, ticket, allocatorId, change, mode] { Q_EMIT propertiesResult(ticket, allocatorId, change, mode); });
    });
}

void SessionController::setMode(quint64 ticket, const QString& allocatorId, KSALLOCATORMODE mode, ApplyMode apply)
{
    post([this, devices = m_devices, ticket, allocatorId, mode, apply] {
        const Status status = devices->watch ? devices->watch->setMode(allocatorId.toStdString(), mode, apply)
                                             : Status{E_FAIL, "no open device owns " + allocatorId.toStdString()};
        reply([this, ticket, allocatorId, mode, status, apply] {
            Q_EMIT modeResult(ticket, allocatorId, mode, status, apply);
        });
    });
}

void SessionController::requestFormats()
{
    post([this, devices = m_devices] {
        if (!devices->watch)
            return;
        std::vector<PinFormats> formats = devices->watch->session().formats();
        std::vector<Finding> findings = diagnose(devices->watch->session().topology(), formats);
        reply([this, formats = std::move(formats), findings = std::move(findings)] {
            Q_EMIT formatsReady(formats, findings);
        });
    });
}

void SessionController::setFormat(quint64 ticket, const QString& pinId, const StreamFormat& format, ApplyMode mode)
{
    post([this, devices = m_devices, ticket, pinId, format, mode] {
        FormatChange change;
        if (!devices->watch) {
            change.pinId = pinId.toStdString();
            change.status = {E_FAIL, "no open device owns " + pinId.toStdString()};
        } else {
            change = devices->watch->setFormat(pinId.toStdString(), format, mode);
        }
        reply([this, ticket, change, mode] { Q_EMIT formatResult(ticket, change, mode); });
    });
    requestFormats();
}

void SessionController::requestControls(const QString& filterId)
{
    post([this, devices = m_devices, filterId] {
        if (!devices->watch)
            return;
        std::string error;
        std::vector<ControlInfo> controls = devices->watch->session().controls(filterId.toStdString(), error);
        reply([this, filterId, controls = std::move(controls), error] {
            Q_EMIT controlsReady(filterId, controls, QString::fromStdString(error));
        });
    });
}

void SessionController::setControl(quint64 ticket, const QString& filterId, const QString& control,
                                   const ControlValue& value)
{
    post([this, devices = m_devices, ticket, filterId, control, value] {
        ControlChange change;
        if (!devices->watch) {
            change.filterId = filterId.toStdString();
            change.status = {E_FAIL, "no open device owns " + filterId.toStdString()};
        } else {
            change = devices->watch->setControl(filterId.toStdString(), control.toStdString(), value);
        }
        reply([this, ticket, change] { Q_EMIT controlResult(ticket, change); });
    });
    requestControls(filterId);
}

void SessionController::setConnectionEnabled(const QString& fromPin, const QString& toPin, bool enabled)
{
    post([this, devices = m_devices, fromPin, toPin, enabled] {
        Status status;
        Backend* backend = devices->watch ? devices->watch->session().backendFor(fromPin.toStdString()) : nullptr;
        if (!backend)
            status = {E_FAIL, "no open device owns " + fromPin.toStdString()};
        else
            status = backend->setConnectionEnabled(fromPin.toStdString(), toPin.toStdString(), enabled);
        reply([this, fromPin, toPin, enabled, status] {
            Q_EMIT connectionResult(fromPin, toPin, enabled, status);
            if (status)
                refreshTopology();
        });
    });
}

void SessionController::requestDetails(const QString& allocatorId)
{
    post([this, devices = m_devices, allocatorId] {
        AllocatorDetails details;
        details.allocatorId = allocatorId;
        const std::string id = allocatorId.toStdString();
        Session* session = devices->watch ? &devices->watch->session() : nullptr;
        const Topology topology = session ? session->topology() : Topology{};
        const AllocatorInfo* info = topology.findAllocator(id);
        Backend* backend = session ? session->backendFor(id) : nullptr;
        if (!info || !backend || info->pinIds.empty()) {
            details.status = {hresultFromWin32(kErrorNotFound), "allocator " + id + " is not open"};
        } else if (const std::string note = backend->interfacesNote(); !note.empty()) {
            // a recording, or a remote machine: what it holds is what there is to show here
            details.note = QString::fromStdString(note);
        } else if (ComPtr<IKsPin> pin = backend->pin(info->pinIds.front()); !pin) {
            details.status = {E_NOINTERFACE, "pin " + info->pinIds.front() + " has no IKsPin"};
        } else {
            // AddRef peek: the allocator stays alive while it is read, even if the device goes meanwhile
            auto allocator = ComPtr<IMemAllocator>::adopt(pin->KsPeekAllocator(KsPeekOperation_AddRef));
            auto ex = allocator ? allocator.as<IKsAllocatorEx>(iids::IID_IKsAllocatorEx) : ComPtr<IKsAllocatorEx>{};
            if (!ex) {
                details.status = {E_NOINTERFACE,
                                  "the allocator of " + info->pinIds.front() + " does not implement IKsAllocatorEx"};
            } else {
                details.hasEx = true;
                if (const ALLOCATOR_PROPERTIES_EX* props = ex->KsGetProperties())
                    details.propertiesEx = *props;
                details.mode = ex->KsGetAllocatorMode();
                details.hasHandle = ex->KsGetAllocatorHandle() != nullptr;
                const HRESULT hr = ex->KsGetAllocatorStatus(&details.allocatorStatus);
                if (FAILED(hr))
                    details.status = {hr, "KsGetAllocatorStatus failed: " + hresultMessage(hr)};
            }
        }
        reply([this, details] { Q_EMIT detailsReady(details); });
    });
}

} // namespace ksscope::ui

#include "sessioncontroller.moc"
