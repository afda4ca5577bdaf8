// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "ksscope/backend.h"
#include "ksscope/backend_registry.h"
#include "ksscope/doctor.h"
#include "ksscope/monitor.h"
#include "ksscope/watch_session.h"

#include <QObject>
#include <QStringList>
#include <QThread>

#include <functional>
#include <memory>
#include <mutex>

namespace ksscope::ui {

class Mailbox;

/// What the window asks to open.
struct SessionRequest {
    QStringList backends; ///< empty: those the options ask for, else every available one opened by default
    BackendOptions options; ///< the options of the backends that open (a scenario, a recording to play)
    /// Backends opened one at a time beside the others (remote agents), each with its own options. One that cannot
    /// be opened when the session opens is left out (problem() says why); one lost later greys out and reconnects
    /// by itself.
    QList<BackendOptions> added;
    double rateHz = 100.0;
    double windowSeconds = 3600.0; ///< history kept per allocator
    /// backends, as the core names them.
    [[nodiscard]] std::vector<std::string> backendNames() const;
    /// Whether it asks for a backend that opens alone (a recording played back) instead of the live devices.
    [[nodiscard]] bool opensAlone() const;
    /// What the options ask for, as given (a recording's file): the values of the options that select a backend.
    [[nodiscard]] QString source() const;
};

/// \a options as a person names what they open: "agent http://127.0.0.1:9464".
[[nodiscard]] QString describeOptions(const BackendOptions& options);

/// How much of a recording a replaying monitor takes at once before the position (capped by the window).
inline constexpr double kReplayCatchUpSeconds = 120.0;

/// What the read-only panel of the property editor shows, read through the allocator's own interfaces.
struct AllocatorDetails {
    QString allocatorId;
    Status status; ///< failure to reach the allocator
    bool hasEx = false; ///< IKsAllocatorEx answered
    ALLOCATOR_PROPERTIES_EX propertiesEx;
    KSSTREAMALLOCATOR_STATUS allocatorStatus;
    KSALLOCATORMODE mode = KsAllocatorMode_User;
    bool hasHandle = false;
    QString note; ///< where the values come from when it is not the allocator itself (a replay)
};

/// Owns the watch (WatchSession: the Session, its Monitor and a recording) and runs every device call (open,
/// topology, edits) on a device thread of its own; results come back as signals on the UI thread. The Monitor's
/// read side (decimate, stats) and drain() are thread-safe and cheap, so views read them directly.
class SessionController : public QObject {
    Q_OBJECT
public:
    explicit SessionController(QObject* parent = nullptr);
    ~SessionController() override;

    /// Opens the request (closing what was open). opened() reports the outcome.
    void open(const SessionRequest& request);
    /// Samples at \a rateHz from now on; the history starts again.
    void setRate(double rateHz);
    /// Replay: moves the position to \a t_ns and starts a new monitor there (like setRate), which takes up to
    /// kReplayCatchUpSeconds of the recording before it at once.
    void seek(std::int64_t t_ns);
    void setPaused(bool paused);
    [[nodiscard]] bool paused() const { return m_paused; }
    [[nodiscard]] const SessionRequest& request() const { return m_request; }

    /// The monitor of the open session (null until opened()).
    [[nodiscard]] std::shared_ptr<Monitor> monitor() const { return m_monitor; }
    /// The latest topology (updated before topologyChanged()).
    [[nodiscard]] const Topology& topology() const { return m_topology; }
    [[nodiscard]] bool isOpen() const { return m_monitor != nullptr; }
    /// The names of the open session's backends (empty until opened()).
    [[nodiscard]] const QStringList& backendNames() const { return m_backendNames; }
    /// The playback of a session that plays something recorded (a recording), null for live devices. Its calls are
    /// safe from the UI thread; the pointer is valid until the next open() or the controller's destruction.
    [[nodiscard]] Playback* playback() const { return m_playback; }
    /// The process \a holder of \a allocatorId's frames is (Backend::holderProcess of the backend that owns it: a
    /// replay names the recording machine's); not known (pid -1) when no open backend owns it. Safe from the UI
    /// thread.
    [[nodiscard]] ProcessInfo holderProcess(const std::string& allocatorId, std::int32_t holder) const;

    /// Takes what the monitor has new (WatchSession::drain: a recording gets it too). Returns the monitor it came
    /// from, null when none runs; a batch of another monitor than the one the views read is not theirs.
    std::shared_ptr<Monitor> drain(SampleBatch& batch);
    /// Starts recording the open live devices (WatchSession::startRecording, with the topology shown as the first
    /// snapshot); \a recorder is the recorder, for its status. Edits, structural events and what drain() takes go
    /// into it until takeRecorder().
    Status startRecording(const Recorder::Options& options, std::shared_ptr<Recorder>& recorder);
    /// Ends recording and hands the recorder over to be finished; null when not recording.
    [[nodiscard]] std::shared_ptr<Recorder> takeRecorder();

    void refreshTopology();
    /// KsSetProperties (Apply) or a prediction (DryRun); propertiesResult() carries \a ticket back.
    void setProperties(quint64 ticket, const QString& allocatorId, const PropertyRequest& request, ApplyMode mode);
    /// KsSetAllocatorMode.
    void setMode(quint64 ticket, const QString& allocatorId, KSALLOCATORMODE mode, ApplyMode apply);
    void setConnectionEnabled(const QString& fromPin, const QString& toPin, bool enabled);
    /// Reads the allocator through IKsPin::KsPeekAllocator and IKsAllocatorEx.
    void requestDetails(const QString& allocatorId);

    /// Reads every pin's formats and diagnoses the enabled links with them (Backend::formats, ksscope::diagnose);
    /// formatsReady() carries them.
    void requestFormats();
    /// A pin's format (WatchSession::setFormat: recorded); formatResult() carries \a ticket back, then the formats are
    /// read again.
    void setFormat(quint64 ticket, const QString& pinId, const ksscope::StreamFormat& format, ksscope::ApplyMode mode);
    /// Reads a filter's controls; controlsReady() carries them.
    void requestControls(const QString& filterId);
    /// Sets a control (WatchSession::setControl: recorded); controlResult() carries \a ticket back, then the filter's
    /// controls are read again.
    void setControl(quint64 ticket, const QString& filterId, const QString& control,
                    const ksscope::ControlValue& value);

    /// Blocks until the device thread has handled everything posted so far (tests).
    void waitForIdle();

Q_SIGNALS:
    void opening();
    void opened(bool ok, const QString& message);
    void topologyChanged();
    void propertiesResult(quint64 ticket, const QString& allocatorId, const ksscope::PropertyChange& change,
                          ksscope::ApplyMode mode);
    void modeResult(quint64 ticket, const QString& allocatorId, KSALLOCATORMODE mode, const ksscope::Status& status,
                    ksscope::ApplyMode apply);
    void connectionResult(const QString& fromPin, const QString& toPin, bool enabled, const ksscope::Status& status);
    void detailsReady(const ksscope::ui::AllocatorDetails& details);
    void formatsReady(const std::vector<ksscope::PinFormats>& formats, const std::vector<ksscope::Finding>& findings);
    void formatResult(quint64 ticket, const ksscope::FormatChange& change, ksscope::ApplyMode mode);
    void controlsReady(const QString& filterId, const std::vector<ksscope::ControlInfo>& controls,
                       const QString& error);
    void controlResult(quint64 ticket, const ksscope::ControlChange& change);
    /// A problem worth a line in the status bar and the event log.
    void problem(const QString& message);

private:
    struct Devices; // lives on the device thread
    /// Runs \a work on the device thread.
    void post(std::function<void()> work);
    /// Runs \a work on the UI thread (from the device thread).
    void reply(std::function<void()> work);
    /// Stops the monitor and starts another one with the current request (rate change, seek); nothing while no
    /// monitor runs, unless \a evenIfStarting (one is being started).
    void replaceMonitor(bool evenIfStarting = false);

    QThread m_thread;
    Mailbox* m_toDevices = nullptr; // lives on m_thread: posted calls run there
    Mailbox* m_toUi = nullptr; // lives on the UI thread
    std::shared_ptr<Devices> m_devices;
    std::shared_ptr<Monitor> m_monitor;
    std::shared_ptr<WatchSession> m_watch; // the device thread's, shared for drain() and recording
    Topology m_topology;
    SessionRequest m_request;
    QStringList m_backendNames;
    Playback* m_playback = nullptr; // owned by a backend of the open session
    quint64 m_generation = 0; // of open() and monitor replacements: only the latest one's answer is taken
    bool m_paused = false;
};

} // namespace ksscope::ui
