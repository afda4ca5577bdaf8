// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file backend.h
/// The backend interface (one per device family: sim, v4l2, ks), its factory, and Session, which opens
/// several backends and presents them as one device set.

#include "ksscope/controls.h"
#include "ksscope/formats.h"
#include "ksscope/hresult.h"
#include "ksscope/model.h"
#include "ksscope/sample_source.h"
#include "ksscope/samples.h"

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ksscope {

/// Something that happened to a device, reported by a backend on any thread.
struct BackendEvent {
    enum class Kind : std::uint8_t { FilterAdded, FilterRemoved, AllocatorReconfigured, Error };
    Kind kind = Kind::Error;
    std::string id; ///< filter or allocator id
    std::string message;
    HRESULT hr = S_OK;
};
/// Receives backend events on device threads, possibly while the backend holds its own locks: a sink
/// queues the event and returns; it must not call back into the backend.
using EventSink = std::function<void(const BackendEvent&)>;

/// The event sink of a backend whose own threads report (a daemon's loop, a reader of sockets): set and called under
/// one lock, so that a sink set while they run is never called half-replaced.
class GuardedEventSink {
public:
    void set(EventSink sink)
    {
        std::lock_guard lock(m_mutex);
        m_sink = std::move(sink);
    }
    /// Reports \a kind of \a id; an Error carries E_FAIL.
    void report(BackendEvent::Kind kind, const std::string& id, const std::string& message)
    {
        std::lock_guard lock(m_mutex);
        if (m_sink)
            m_sink({kind, id, message, kind == BackendEvent::Kind::Error ? E_FAIL : S_OK});
    }

private:
    std::mutex m_mutex;
    EventSink m_sink;
};

/// A cheap handle to one allocator for the sampler thread; read() must be safe from any thread.
class AllocatorProbe {
public:
    virtual ~AllocatorProbe() = default;
    /// S_OK, or the failure (a removed device reports HRESULT_FROM_WIN32(ERROR_DEVICE_REMOVED)).
    virtual HRESULT read(AllocatorReading& reading) = 0;
    /// Per-buffer states where the backend knows them (empty otherwise).
    virtual std::vector<BufferState> bufferStates() = 0;

    /// A reading taken elsewhere (a remote agent's), with when: std::chrono::steady_clock's time in ns.
    struct TakenReading {
        std::int64_t steady_ns = 0;
        AllocatorReading reading;
    };
    /// A probe whose readings are taken elsewhere appends every one since the last call, in order, and returns true:
    /// the monitor takes those instead of read()'s (which then only says whether the allocator is there). False (the
    /// default): the monitor keeps read()'s reading at its tick.
    virtual bool takeReadings(std::vector<TakenReading>& out)
    {
        (void)out;
        return false;
    }
};

/// Requested allocator properties; fields left empty keep their current value.
struct PropertyRequest {
    std::optional<LONG> buffers;
    std::optional<LONG> bufferSize;
    std::optional<LONG> align;
    std::optional<LONG> prefix;
    [[nodiscard]] bool empty() const { return !buffers && !bufferSize && !align && !prefix; }
    [[nodiscard]] ALLOCATOR_PROPERTIES mergedWith(const ALLOCATOR_PROPERTIES& current) const;
};

enum class ApplyMode : std::uint8_t { Apply, DryRun };

/// Result of a property edit: what was asked, what the allocator granted (or would grant).
struct PropertyChange {
    ALLOCATOR_PROPERTIES requested;
    ALLOCATOR_PROPERTIES actual;
    bool applied = false;
    Status status;
};

/// How KsScope streams a queue it owns (owner mode).
struct StreamOptions {
    std::string memory = "mmap"; ///< "mmap" (kernel mode), "userptr" (user mode), "dmabuf" (imported handles)
    std::uint32_t buffers = 4;
    std::string fourcc; ///< empty: keep the device's format
    std::uint32_t width = 0; ///< 0: keep
    std::uint32_t height = 0; ///< 0: keep
    double fps = 0.0; ///< 0: keep
    double holdMs = 0.0; ///< how long KsScope holds each frame before giving it back
    std::string dmabufFrom; ///< dmabuf: the allocator whose buffers are exported and imported
};

struct Availability {
    bool available = false;
    std::string reason; ///< why not, when unavailable
};

struct SelfTestReport {
    bool passed = false;
    std::vector<std::string> lines; ///< one line per check, "ok: ..." / "FAIL: ..."
};

/// The backends' options by name (BackendOption::name, e.g. "scenario"), as text as given on a command line; each
/// backend reads its own, which its registration declares and checks (BackendRegistry::check) before anything opens.
class BackendOptions {
public:
    BackendOptions() = default;
    BackendOptions(std::initializer_list<std::pair<const std::string, std::string>> values) : m_values(values) { }

    void set(const std::string& name, std::string value) { m_values[name] = std::move(value); }
    void erase(const std::string& name) { m_values.erase(name); }
    [[nodiscard]] bool has(const std::string& name) const { return m_values.count(name) > 0; }
    /// The value given for \a name, or \a fallback.
    [[nodiscard]] std::string value(const std::string& name, const std::string& fallback = {}) const
    {
        const auto it = m_values.find(name);
        return it == m_values.end() ? fallback : it->second;
    }
    [[nodiscard]] const std::map<std::string, std::string>& values() const { return m_values; }
    [[nodiscard]] bool empty() const { return m_values.empty(); }
    bool operator==(const BackendOptions& other) const = default;

private:
    std::map<std::string, std::string> m_values;
};

/// A KS time per frame (100 ns units) as a fraction of a second: 1/30 for 333333, 1001/30000 for 333667.
[[nodiscard]] Fraction intervalOf100ns(REFERENCE_TIME time);
/// A KS pin's format (a subtype, size and time per frame) as a StreamFormat.
[[nodiscard]] StreamFormat streamFormatOf(const MediaFormat& format);

class Backend {
public:
    virtual ~Backend() = default;
    Backend() = default;
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;

    [[nodiscard]] virtual std::string name() const = 0;
    [[nodiscard]] virtual Availability availability() const = 0;
    virtual SelfTestReport selfTest() = 0;

    /// Discovers the devices. Nothing streams yet.
    virtual Status open() = 0;
    /// Starts whatever the backend runs itself (simulated producers and consumers).
    virtual Status start() = 0;
    /// Stops streaming and releases devices. Safe to call twice.
    virtual void close() = 0;

    [[nodiscard]] virtual Topology topology() = 0;
    virtual std::shared_ptr<AllocatorProbe> probe(const std::string& allocatorId) = 0;
    /// The pin's IKsPin (null when the pin is unknown).
    virtual ComPtr<IKsPin> pin(const std::string& pinId) = 0;

    /// KsSetProperties with the request merged into the current properties.
    virtual PropertyChange setProperties(const std::string& allocatorId, const PropertyRequest& request,
                                         ApplyMode mode) = 0;
    /// KsSetAllocatorMode.
    virtual Status setMode(const std::string& allocatorId, KSALLOCATORMODE mode, ApplyMode apply) = 0;

    /// Owner mode: KsScope streams the queue of \a allocatorId itself, so edits apply to it. Refused for a
    /// queue another process owns.
    virtual Status ownStream(const std::string& allocatorId, const StreamOptions& options)
    {
        (void)allocatorId;
        (void)options;
        return {E_NOTIMPL, "backend \"" + name() + "\" streams its devices itself"};
    }

    /// Connects an output pin to a renderer in a graph of KsScope's own and runs it, so that the pin gets
    /// an allocator to watch (the ks backend: a ksproxy capture pin into a null renderer).
    virtual Status connectPin(const std::string& pinId)
    {
        (void)pinId;
        return {E_NOTIMPL, "backend \"" + name() + "\" does not build graphs; --connect is for the ks backend"};
    }

    /// Enables or disables the connection (a Media Controller data link) from one pin to another.
    virtual Status setConnectionEnabled(const std::string& from, const std::string& to, bool enabled)
    {
        (void)from;
        (void)to;
        (void)enabled;
        return {E_NOTIMPL, "backend \"" + name() + "\" has no connections that can be changed"};
    }

    /// What each pin streams and offers (formats.h). By default the pins' formats as topology() gives them, read-only.
    virtual std::vector<PinFormats> formats();
    /// Sets the active format of \a pinId to \a format, which the driver may adjust (FormatChange::actual says how);
    /// a dry run asks what it would choose without changing anything.
    virtual FormatChange setFormat(const std::string& pinId, const StreamFormat& format, ApplyMode mode)
    {
        FormatChange change;
        change.pinId = pinId;
        change.requested = format;
        change.status = {E_NOTIMPL, "backend \"" + name() + "\" cannot change formats"};
        (void)mode;
        return change;
    }
    /// The controls of \a filterId, read now; empty when it has none. A filter whose node cannot be read gives its
    /// reason in \a error.
    virtual std::vector<ControlInfo> controls(const std::string& filterId, std::string& error)
    {
        (void)filterId;
        (void)error;
        return {};
    }
    /// Sets control \a control (its key, name or id) of \a filterId to \a value, checked against the control first,
    /// and reads it back.
    virtual ControlChange setControl(const std::string& filterId, const std::string& control, const ControlValue& value)
    {
        ControlChange change;
        change.filterId = filterId;
        change.requested = value;
        change.status = {E_NOTIMPL, "backend \"" + name() + "\" has no controls (" + control + ")"};
        return change;
    }

    /// Whether an edit stays after this process ends (false for devices that live inside it, such as simulated ones).
    [[nodiscard]] virtual bool editsOutliveProcess() const { return true; }
    /// Empty when the allocators' own interfaces (IKsPin, IKsAllocatorEx) can be read here; else where the values
    /// shown come from instead (a recording, a remote machine).
    [[nodiscard]] virtual std::string interfacesNote() const { return {}; }

    /// The device node whose buffers \a allocatorId's are (Linux: /dev/videoN), for looking up who holds them
    /// (ksscope/holders.h); empty (the default) when they live elsewhere.
    [[nodiscard]] virtual std::string deviceNode(const std::string& allocatorId)
    {
        (void)allocatorId;
        return {};
    }

    /// The process \a holder is, as a frame of \a allocatorId names its holder (FrameRecord::holder,
    /// BufferChange::holder). By default a thread of this machine (processOf); a replay names the recording
    /// machine's processes as it recorded them. Called from any thread between open() and close().
    [[nodiscard]] virtual ProcessInfo holderProcess(const std::string& allocatorId, std::int32_t holder)
    {
        (void)allocatorId;
        return holder < 0 ? ProcessInfo{} : processOf(holder);
    }

    /// Where events go; set before open().
    virtual void setEventSink(EventSink sink) = 0;

    /// Whether \a id (a filter, pin or allocator id) belongs to this backend: by default, ids that start with
    /// "name:". The replay backend owns the ids of the backends it recorded.
    [[nodiscard]] virtual bool owns(std::string_view id) const
    {
        const std::string n = name();
        return id.size() > n.size() && id.compare(0, n.size(), n) == 0 && id[n.size()] == ':';
    }
    /// The source of this backend's samples, for a monitor that starts (called on the thread that starts it). Null
    /// (the default): the monitor polls probe() at its rate. A backend that plays something recorded hands out its
    /// readings at their recorded times; one that is told of every buffer as it moves hands out those.
    virtual std::unique_ptr<SampleSource> createSource(const SourceOptions& options)
    {
        (void)options;
        return nullptr;
    }

protected:
    /// For a backend whose allocators cannot be edited (a recording, PipeWire's links, GStreamer's pools): the
    /// refusal of setProperties - the allocator's properties as they are, the request merged into them, and
    /// E_ACCESSDENIED naming the allocator and why (its readOnlyReason, else \a reason).
    PropertyChange refuseProperties(const std::string& allocatorId, const PropertyRequest& request,
                                    const std::string& reason);
    /// The refusal of setMode, as refuseProperties says it.
    Status refuseMode(const std::string& allocatorId, const std::string& reason);
};

/// Creates backends by name.
class BackendFactory {
public:
    /// Every backend registered (BackendRegistry), available or not, in their order.
    static std::vector<std::string> names();
    /// Null when \a name is unknown.
    static std::unique_ptr<Backend> create(const std::string& name, const BackendOptions& options);
};

/// Several open backends presented as one device set. Ids carry the backend name as prefix.
class Session {
public:
    Session() = default;
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    /// Opens \a names (every available backend when empty). A backend named explicitly that is
    /// unavailable or fails to open is an error; unavailable ones picked implicitly are skipped.
    Status open(const std::vector<std::string>& names, const BackendOptions& options, const EventSink& sink = {});
    /// Adds a backend created elsewhere (with options of its own): sets the sink and opens it.
    Status adopt(std::unique_ptr<Backend> backend, EventSink sink = {});
    Status start();
    void close();

    [[nodiscard]] Topology topology();
    [[nodiscard]] Backend* backendFor(std::string_view id);
    [[nodiscard]] const std::vector<std::unique_ptr<Backend>>& backends() const { return m_backends; }
    std::shared_ptr<AllocatorProbe> probe(const std::string& allocatorId);
    /// Every backend's formats (Backend::formats).
    [[nodiscard]] std::vector<PinFormats> formats();
    /// Backend::setFormat of the backend that owns \a pinId.
    FormatChange setFormat(const std::string& pinId, const StreamFormat& format, ApplyMode mode);
    /// Backend::controls of the backend that owns \a filterId.
    [[nodiscard]] std::vector<ControlInfo> controls(const std::string& filterId, std::string& error);
    /// Backend::setControl of the backend that owns \a filterId.
    ControlChange setControl(const std::string& filterId, const std::string& control, const ControlValue& value);
    /// Backend::deviceNode of the backend that owns \a allocatorId; empty when none.
    [[nodiscard]] std::string deviceNode(const std::string& allocatorId);
    /// Backend::holderProcess of the backend that owns \a allocatorId; not known (pid -1) when none.
    [[nodiscard]] ProcessInfo holderProcess(const std::string& allocatorId, std::int32_t holder);

private:
    std::vector<std::unique_ptr<Backend>> m_backends;
};

} // namespace ksscope
