// SPDX-License-Identifier: GPL-3.0-or-later
// The v4l2 backend: video nodes and Media Controller graphs as filters, pins and allocators (device access, streaming
// and the graph are in v4l2_device_linux, v4l2_stream_linux and media_graph). Over 600 lines because discovery,
// hot-plug and the edits all reconcile the same table of open nodes and its allocators.

#include "allocator_pin.h"
#include "hotplug_linux.h"
#include "ksscope/backend_registry.h"
#include "media_graph.h"
#include "owner_source_linux.h"
#include "trace_source_linux.h"
#include "v4l2_device_linux.h"
#include "v4l2_formats_linux.h"
#include "v4l2_stream_linux.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace ksscope::v4l2 {

/// --v4l2-events: "auto" follows every buffer through the kernel's tracepoints when they can be read, else follows the
/// queues KsScope streams from its own calls and polls the others; "own" does the latter without tracing; "poll"
/// always polls VIDIOC_QUERYBUF.
constexpr const char* kEventsOption = "v4l2-events";

namespace {

Status errnoStatus(int err, const std::string& what)
{
    std::string hint;
    switch (err) {
    case ENODEV:
        hint = ": the device is gone (unplugged or its driver unloaded)";
        break;
    case EACCES:
    case EPERM:
        hint = ": permission denied (add your user to the \"video\" group, or run with access to /dev)";
        break;
    case EBUSY:
        hint = ": the device is busy (another process owns it, or it is streaming)";
        break;
    case EPIPE:
        hint = ": the pipeline's formats do not match across an enabled link";
        break;
    default:
        hint = ": " + errnoMessage(err);
        break;
    }
    return {hresultFromErrno(err), what + hint};
}

/// A video node's queue, observed read-only through VIDIOC_QUERYBUF.
struct Queue {
    std::string allocatorId;
    std::string devnode;
    VideoCaps caps;
    std::vector<std::string> pinIds;
};

class PassiveProbe final : public AllocatorProbe {
public:
    PassiveProbe(Fd fd, std::uint32_t bufType) : m_fd(std::move(fd)), m_bufType(bufType) { }
    HRESULT read(AllocatorReading& reading) override
    {
        const int err = queryBuffers(m_fd.get(), m_bufType, m_buffers, m_count);
        if (err)
            return hresultFromErrno(err);
        const QueueStatus q = summarizeQueue(m_buffers);
        reading.status = q.status();
        reading.mode = q.mode;
        reading.droppedFrames = 0; // a passive watcher misses buffers: no exact drop count
        // frames delivered: the highest sequence number seen on a filled or held buffer (queued ones read 0)
        for (const BufferQuery& b : m_buffers)
            if (!(b.flags & kBufFlagQueued) && b.sequence + 1 > m_delivered)
                m_delivered = b.sequence + 1;
        reading.deliveredFrames = m_delivered;
        std::lock_guard lock(m_mutex);
        m_states = q.states;
        return S_OK;
    }
    std::vector<BufferState> bufferStates() override
    {
        std::lock_guard lock(m_mutex);
        return m_states;
    }

private:
    Fd m_fd;
    std::uint32_t m_bufType;
    std::uint32_t m_count = 0;
    std::uint64_t m_delivered = 0;
    std::vector<BufferQuery> m_buffers; // sampler thread only
    std::mutex m_mutex; // guards m_states
    std::vector<BufferState> m_states;
};

/// Reads a queue KsScope owns, with exact drop counts.
class OwnedProbe final : public AllocatorProbe {
public:
    explicit OwnedProbe(std::shared_ptr<OwnedStream> stream) : m_stream(std::move(stream)) { }
    HRESULT read(AllocatorReading& reading) override
    {
        std::vector<BufferState> states;
        const HRESULT hr = m_stream->read(reading, &states);
        std::lock_guard lock(m_mutex);
        m_states = std::move(states);
        return hr;
    }
    std::vector<BufferState> bufferStates() override
    {
        std::lock_guard lock(m_mutex);
        return m_states;
    }

private:
    std::shared_ptr<OwnedStream> m_stream;
    std::mutex m_mutex; // guards m_states
    std::vector<BufferState> m_states;
};

std::optional<std::uint32_t> memoryFromName(const std::string& name)
{
    if (name == "mmap")
        return kMemoryMmap;
    if (name == "userptr")
        return kMemoryUserPtr;
    if (name == "dmabuf")
        return kMemoryDmaBuf;
    return std::nullopt;
}

class V4l2Backend;

/// The KS allocator contract over a V4L2 queue. Status and mode come from VIDIOC_QUERYBUF; the edits go
/// through the backend's owner mode: Commit streams the queue (REQBUFS + STREAMON), SetProperties /
/// KsSetProperties re-request the buffers, KsSetAllocatorMode switches MMAP (kernel) / USERPTR (user),
/// KsGetAllocatorHandle exports a buffer (VIDIOC_EXPBUF) and KsSetAllocatorHandle imports dmabuf handles.
/// Frames are dequeued by the owner's streaming thread, so GetBuffer/ReleaseBuffer are not available.
class V4l2Allocator final : public IMemAllocator, public IKsAllocatorEx {
public:
    V4l2Allocator(V4l2Backend* backend, std::string id, std::string devnode, std::uint32_t bufType)
        : m_backend(backend), m_id(std::move(id)), m_devnode(std::move(devnode)), m_bufType(bufType)
    {
    }
    /// The backend is going away: later calls fail cleanly.
    void detach()
    {
        std::lock_guard lock(m_mutex);
        m_backend = nullptr;
    }

    HRESULT QueryInterface(const Guid& iid, void** object) override
    {
        if (!object)
            return E_POINTER;
        if (iid == iids::IID_IUnknown || iid == iids::IID_IMemAllocator)
            *object = static_cast<IMemAllocator*>(this);
        else if (iid == iids::IID_IKsAllocator)
            *object = static_cast<IKsAllocator*>(this);
        else if (iid == iids::IID_IKsAllocatorEx)
            *object = static_cast<IKsAllocatorEx*>(this);
        else {
            *object = nullptr;
            return E_NOINTERFACE;
        }
        AddRef();
        return S_OK;
    }
    ULONG AddRef() override { return m_refs.add(); }
    ULONG Release() override
    {
        const ULONG left = m_refs.release();
        if (left == 0)
            delete this;
        return left;
    }

    // IMemAllocator
    HRESULT SetProperties(const ALLOCATOR_PROPERTIES* request, ALLOCATOR_PROPERTIES* actual) override;
    HRESULT GetProperties(ALLOCATOR_PROPERTIES* props) override
    {
        if (!props)
            return E_POINTER;
        KSSTREAMALLOCATOR_STATUS status;
        const HRESULT hr = KsGetAllocatorStatus(&status);
        if (FAILED(hr))
            return hr;
        *props = {static_cast<LONG>(status.Framing.Frames), static_cast<LONG>(status.Framing.FrameSize), 1, 0};
        return S_OK;
    }
    HRESULT Commit() override;
    HRESULT Decommit() override;
    HRESULT GetBuffer(IMediaSample**, REFERENCE_TIME*, REFERENCE_TIME*, DWORD) override { return E_NOTIMPL; }
    HRESULT ReleaseBuffer(IMediaSample*) override { return E_NOTIMPL; }

    // IKsAllocator
    HANDLE KsGetAllocatorHandle() override;
    KSALLOCATORMODE KsGetAllocatorMode() override
    {
        KSSTREAMALLOCATOR_STATUS status;
        KSALLOCATORMODE mode = KsAllocatorMode_Kernel;
        read(status, mode);
        return mode;
    }
    HRESULT KsGetAllocatorStatus(KSSTREAMALLOCATOR_STATUS* status) override
    {
        if (!status)
            return E_POINTER;
        KSALLOCATORMODE mode = KsAllocatorMode_Kernel;
        return read(*status, mode);
    }
    HRESULT KsSetAllocatorMode(KSALLOCATORMODE mode) override;

    // IKsAllocatorEx
    ALLOCATOR_PROPERTIES_EX* KsGetProperties() override
    {
        ALLOCATOR_PROPERTIES props;
        std::lock_guard lock(m_mutex);
        if (SUCCEEDED(GetProperties(&props))) {
            m_propsEx.cBuffers = props.cBuffers;
            m_propsEx.cbBuffer = props.cbBuffer;
            m_propsEx.cbAlign = props.cbAlign;
            m_propsEx.cbPrefix = props.cbPrefix;
        }
        return &m_propsEx;
    }
    HRESULT KsSetProperties(const ALLOCATOR_PROPERTIES_EX* props) override
    {
        if (!props)
            return E_POINTER;
        const ALLOCATOR_PROPERTIES request{props->cBuffers, props->cbBuffer, props->cbAlign, props->cbPrefix};
        ALLOCATOR_PROPERTIES actual;
        return SetProperties(&request, &actual);
    }
    HRESULT KsSetAllocatorHandle(HANDLE handle) override;
    HANDLE KsCreateAllocatorAndGetHandle(IKsPin*) override
    {
        if (FAILED(Commit()))
            return nullptr;
        return KsGetAllocatorHandle();
    }

    [[nodiscard]] const std::string& id() const { return m_id; }

private:
    ~V4l2Allocator() override
    {
        for (int fd : m_pendingImports)
            ::close(fd);
    }
    HRESULT read(KSSTREAMALLOCATOR_STATUS& status, KSALLOCATORMODE& mode)
    {
        Fd fd(::open(m_devnode.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
        if (!fd.valid())
            return hresultFromErrno(errno);
        std::vector<BufferQuery> buffers;
        std::uint32_t count = 0;
        if (const int err = queryBuffers(fd.get(), m_bufType, buffers, count))
            return hresultFromErrno(err);
        const QueueStatus q = summarizeQueue(buffers);
        status = q.status();
        mode = q.mode;
        return S_OK;
    }

    RefCount m_refs;
    std::mutex m_mutex; // guards m_backend, m_propsEx, m_pendingImports
    V4l2Backend* m_backend;
    std::string m_id;
    std::string m_devnode;
    std::uint32_t m_bufType;
    ALLOCATOR_PROPERTIES_EX m_propsEx;
    std::vector<int> m_pendingImports; // dmabuf handles given to KsSetAllocatorHandle, not yet imported
};

class V4l2Backend final : public Backend {
public:
    explicit V4l2Backend(BackendOptions options) : m_options(std::move(options)) { }

    [[nodiscard]] std::string name() const override { return "v4l2"; }

    [[nodiscard]] Availability availability() const override
    {
        if (listNodes("media").empty() && listNodes("video").empty())
            return {false, "no /dev/media* or /dev/video* nodes: load a V4L2 driver (e.g. modprobe vivid) or "
                           "connect a camera"};
        return {true, {}};
    }

    SelfTestReport selfTest() override
    {
        SelfTestReport report;
        report.passed = true;
        for (const std::string& path : listNodes("media")) {
            MediaGraph graph;
            const int err = readMediaGraph(path, graph);
            report.passed = report.passed && err == 0;
            report.lines.push_back(err ? "FAIL: " + errnoStatus(err, path).message()
                                       : "ok: " + path + ": " + graph.info.driver + " (" + graph.info.model + "), " +
                                             std::to_string(graph.entities.size()) + " entities, " +
                                             std::to_string(graph.links.size()) + " links");
        }
        for (const std::string& path : listNodes("video")) {
            VideoCaps caps;
            const int err = queryVideoCaps(path, caps);
            report.passed = report.passed && err == 0;
            report.lines.push_back(err ? "FAIL: " + errnoStatus(err, path).message()
                                       : "ok: " + path + ": " + caps.driver + " \"" + caps.card + "\" " +
                                             std::string(bufTypeName(caps.bufType)));
        }
        if (report.lines.empty())
            report.lines.emplace_back("ok: no V4L2 devices present");
        return report;
    }

    Status open() override
    {
        std::lock_guard lock(m_mutex);
        if (Status s = discoverLocked(); !s)
            return s;
        for (const FilterInfo& f : structureLocked().filters)
            emit({BackendEvent::Kind::FilterAdded, f.id, "filter \"" + f.name + "\" found", S_OK});
        return Status::ok();
    }

    /// Other processes stream; owned queues start in ownStream. Starts watching for devices that come and go.
    Status start() override
    {
        if (!m_hotplug) {
            m_hotplug = std::make_unique<HotplugMonitor>([this] { rescan(); });
            std::string error;
            if (!m_hotplug->start(error)) {
                m_hotplug.reset();
                emit({BackendEvent::Kind::Error, "v4l2",
                      "devices plugged in or out while KsScope runs will not be seen: " + error, E_FAIL});
            }
        }
        return Status::ok();
    }

    void close() override
    {
        if (m_hotplug)
            m_hotplug->stop();
        m_hotplug.reset();
        std::map<std::string, ComPtr<V4l2Allocator>> allocators;
        {
            std::lock_guard lock(m_mutex);
            allocators.swap(m_allocators);
        }
        // callers may hold them longer than the backend lives; detach outside our lock (they lock theirs first)
        for (auto& [id, allocator] : allocators)
            allocator->detach();
        std::lock_guard lock(m_mutex);
        for (auto& [id, stream] : m_owned)
            stream->stop();
        m_owned.clear();
        m_exporters.clear();
    }

    Status ownStream(const std::string& allocatorId, const StreamOptions& options) override
    {
        return ownStreamImporting(allocatorId, options, {});
    }

    /// ownStream; for memory "dmabuf", \a imported handles (one per buffer, now owned by the stream) are used
    /// instead of exporting from options.dmabufFrom.
    Status ownStreamImporting(const std::string& allocatorId, const StreamOptions& options, std::vector<int> imported)
    {
        std::lock_guard lock(m_mutex);
        const Queue* q = findQueue(allocatorId);
        if (!q)
            return {hresultFromWin32(kErrorNotFound), "no allocator \"" + allocatorId + "\""};
        const auto memory = memoryFromName(options.memory);
        if (!memory)
            return {E_INVALIDARG, "memory must be mmap, userptr or dmabuf, got \"" + options.memory + "\""};
        if (options.buffers == 0 || options.buffers > 64)
            return {E_INVALIDARG, "buffers must be from 1 to 64, got " + std::to_string(options.buffers)};
        StreamSettings settings;
        settings.memory = *memory;
        settings.buffers = options.buffers;
        settings.fourcc = options.fourcc;
        settings.width = options.width;
        settings.height = options.height;
        settings.fps = options.fps;
        settings.holdMs = options.holdMs;
        if (settings.memory == kMemoryDmaBuf && !imported.empty()) {
            settings.dmabufFds = std::move(imported);
        } else if (settings.memory == kMemoryDmaBuf) {
            if (Status s = exportFrom(options.dmabufFrom, options.buffers, settings.dmabufFds); !s)
                return s;
        }
        auto stream = std::make_shared<OwnedStream>(q->devnode, q->caps.bufType);
        if (Status s = stream->start(settings); !s) {
            if (s.code() == hresultFromErrno(EPIPE))
                if (const std::string link = mismatchedLinkOf(allocatorId); !link.empty())
                    return {s.code(), "VIDIOC_STREAMON on " + q->devnode + ": formats differ across " + link +
                                          ": set them to match (e.g. media-ctl -V) and stream again"};
            return s;
        }
        m_owned[allocatorId] = stream;
        const std::string granted = std::to_string(stream->grantedBuffers()) + " " + options.memory +
                                    " buffers granted (" + std::to_string(options.buffers) + " asked) of " +
                                    std::to_string(stream->bufferSize()) + " bytes";
        emit({BackendEvent::Kind::AllocatorReconfigured, allocatorId, "KsScope streams " + q->devnode + ": " + granted,
              S_OK});
        return {S_OK, granted};
    }

    [[nodiscard]] Topology topology() override
    {
        std::lock_guard lock(m_mutex);
        return buildTopologyLocked();
    }

    std::shared_ptr<AllocatorProbe> probe(const std::string& allocatorId) override
    {
        std::lock_guard lock(m_mutex);
        if (auto owned = m_owned.find(allocatorId); owned != m_owned.end())
            return std::make_shared<OwnedProbe>(owned->second);
        const Queue* q = findQueue(allocatorId);
        if (!q)
            return nullptr;
        Fd fd(::open(q->devnode.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
        if (!fd.valid())
            return nullptr;
        return std::make_shared<PassiveProbe>(std::move(fd), q->caps.bufType);
    }

    [[nodiscard]] std::string deviceNode(const std::string& allocatorId) override
    {
        std::lock_guard lock(m_mutex);
        const Queue* q = findQueue(allocatorId);
        return q ? q->devnode : std::string();
    }

    ComPtr<IKsPin> pin(const std::string& pinId) override
    {
        std::lock_guard lock(m_mutex);
        const Topology t = structureLocked();
        const PinInfo* p = t.findPin(pinId);
        if (!p)
            return nullptr;
        ComPtr<V4l2Allocator> allocator;
        if (const Queue* q = findQueue(p->allocatorId)) {
            auto it = m_allocators.find(q->allocatorId);
            if (it == m_allocators.end())
                it = m_allocators
                         .emplace(q->allocatorId, ComPtr<V4l2Allocator>::adopt(new V4l2Allocator(
                                                      this, q->allocatorId, q->devnode, q->caps.bufType)))
                         .first;
            allocator = it->second;
        }
        return AllocatorPin::create(ComPtr<IMemAllocator>(allocator));
    }

    /// For V4l2Allocator: the owned stream of \a allocatorId, or null.
    std::shared_ptr<OwnedStream> ownedStream(const std::string& allocatorId)
    {
        std::lock_guard lock(m_mutex);
        auto it = m_owned.find(allocatorId);
        return it == m_owned.end() ? nullptr : it->second;
    }
    /// For V4l2Allocator: stops owning \a allocatorId's queue.
    void releaseStream(const std::string& allocatorId)
    {
        std::shared_ptr<OwnedStream> stream;
        {
            std::lock_guard lock(m_mutex);
            auto it = m_owned.find(allocatorId);
            if (it == m_owned.end())
                return;
            stream = it->second;
            m_owned.erase(it);
        }
        stream->stop();
    }

    /// After an edit the driver refused (REQBUFS, S_FMT or STREAMON failed): streams again with the settings the
    /// stream had before, so that a failed edit never leaves it stopped. Returns the edit's failure, saying so.
    Status restoreStream(const std::string& allocatorId, OwnedStream& stream, const StreamSettings& before,
                         const Status& failure)
    {
        const Status back = stream.start(before);
        if (back)
            return {failure.code(), "not applied: " + failure.message() + "; the stream runs again as before"};
        const std::string message = "not applied: " + failure.message() +
                                    "; the stream could not restart as before either and is stopped: " + back.message();
        emit({BackendEvent::Kind::Error, allocatorId, message, back.code()});
        return {failure.code(), message};
    }

    PropertyChange setProperties(const std::string& allocatorId, const PropertyRequest& request,
                                 ApplyMode apply) override
    {
        PropertyChange change;
        std::lock_guard lock(m_mutex);
        const Queue* q = findQueue(allocatorId);
        if (!q) {
            change.status = {hresultFromWin32(kErrorNotFound), "no allocator \"" + allocatorId + "\""};
            return change;
        }
        auto owned = m_owned.find(allocatorId);
        if (owned == m_owned.end()) {
            change.requested = request.mergedWith({});
            change.status = ownedElsewhere(*q);
            return change;
        }
        OwnedStream& stream = *owned->second;
        const ALLOCATOR_PROPERTIES current{static_cast<LONG>(stream.grantedBuffers()),
                                           static_cast<LONG>(stream.bufferSize()), 1, 0};
        change.requested = request.mergedWith(current);
        change.actual = current;
        if ((request.align && *request.align != 1) || (request.prefix && *request.prefix != 0)) {
            change.status = {E_INVALIDARG, "V4L2 queues have no alignment or prefix to set (align 1, prefix 0)"};
            return change;
        }
        const bool resize = request.bufferSize && *request.bufferSize != current.cbBuffer;
        if (resize && *request.bufferSize <= 0) {
            change.status = {E_INVALIDARG, "the buffer size must be positive"};
            return change;
        }
        if (change.requested.cBuffers <= 0 || change.requested.cBuffers > 64) {
            change.status = {E_INVALIDARG, "buffers must be from 1 to 64"};
            return change;
        }
        StreamSettings settings = stream.settings();
        if (settings.memory == kMemoryDmaBuf) {
            change.status = {E_NOTIMPL, "a dmabuf stream imports its handles once: start it again with new options"};
            return change;
        }
        if (apply == ApplyMode::DryRun) {
            change.actual = change.requested; // the driver may still grant another count
            change.status = {S_OK, "prediction only: the driver decides the granted count on REQBUFS"};
            return change;
        }
        const StreamSettings before = stream.settings();
        Status restarted;
        if (!resize && change.requested.cBuffers > current.cBuffers) {
            // more buffers: CREATE_BUFS while the stream goes on
            restarted = stream.addBuffers(static_cast<std::uint32_t>(change.requested.cBuffers - current.cBuffers));
        } else {
            settings.buffers = static_cast<std::uint32_t>(change.requested.cBuffers);
            if (resize)
                settings.sizeImage = static_cast<std::uint32_t>(*request.bufferSize); // S_FMT sizeimage
            restarted = stream.start(settings); // REQBUFS with the new count
            if (!restarted)
                restarted = restoreStream(allocatorId, stream, before, restarted);
        }
        change.actual = {static_cast<LONG>(stream.grantedBuffers()), static_cast<LONG>(stream.bufferSize()), 1, 0};
        change.applied = restarted.isOk();
        change.status = restarted.isOk()
                            ? Status{S_OK, "applied: " + std::to_string(stream.grantedBuffers()) + " buffers of " +
                                               std::to_string(stream.bufferSize()) + " bytes granted"}
                            : restarted;
        if (change.applied)
            emit({BackendEvent::Kind::AllocatorReconfigured, allocatorId, change.status.message(), S_OK});
        return change;
    }

    Status setMode(const std::string& allocatorId, KSALLOCATORMODE mode, ApplyMode apply) override
    {
        std::lock_guard lock(m_mutex);
        const Queue* q = findQueue(allocatorId);
        if (!q)
            return {hresultFromWin32(kErrorNotFound), "no allocator \"" + allocatorId + "\""};
        auto owned = m_owned.find(allocatorId);
        if (owned == m_owned.end())
            return ownedElsewhere(*q);
        const std::uint32_t memory = mode == KsAllocatorMode_Kernel ? kMemoryMmap : kMemoryUserPtr;
        StreamSettings settings = owned->second->settings();
        if (settings.memory == kMemoryDmaBuf)
            return {E_NOTIMPL, "a dmabuf stream imports its handles once: start it again with new options"};
        if (apply == ApplyMode::DryRun)
            return {S_OK, "prediction only: REQBUFS with " + std::string(memoryName(memory)) + " buffers"};
        const StreamSettings before = settings;
        settings.memory = memory;
        Status s = owned->second->start(settings);
        if (!s)
            s = restoreStream(allocatorId, *owned->second, before, s);
        if (s)
            emit({BackendEvent::Kind::AllocatorReconfigured, allocatorId,
                  "memory now " + std::string(memoryName(memory)), S_OK});
        return s;
    }

    Status setConnectionEnabled(const std::string& from, const std::string& to, bool enabled) override
    {
        std::lock_guard lock(m_mutex);
        for (MediaGraph& graph : m_graphs) {
            if (const int err = readMediaGraph(graph.info.path, graph))
                return errnoStatus(err, graph.info.path);
            for (const MediaLink& link : graph.links) {
                if (link.type() != kLinkTypeData)
                    continue;
                const MediaPad* source = graph.pad(link.sourceId);
                const MediaPad* sink = graph.pad(link.sinkId);
                const MediaEntity* se = source ? graph.entity(source->entityId) : nullptr;
                const MediaEntity* de = sink ? graph.entity(sink->entityId) : nullptr;
                if (!se || !de || GraphIds::pin(graph, *se, *source) != from || GraphIds::pin(graph, *de, *sink) != to)
                    continue;
                const std::string name = "link \"" + se->name + "\":" + std::to_string(source->index) + " -> \"" +
                                         de->name + "\":" + std::to_string(sink->index);
                if (link.flags & kLinkFlagImmutable)
                    return {hresultFromErrno(EINVAL), name + " is immutable: it cannot be enabled or disabled"};
                const std::uint32_t flags = (link.flags & ~kLinkFlagEnabled) | (enabled ? kLinkFlagEnabled : 0);
                if (const int err = setupLink(graph.info.path, *source, se->id, *sink, de->id, flags & 0x7))
                    return errnoStatus(err, "MEDIA_IOC_SETUP_LINK on " + name);
                emit({BackendEvent::Kind::AllocatorReconfigured, from, name + (enabled ? " enabled" : " disabled"),
                      S_OK});
                return {S_OK, name + (enabled ? " enabled" : " disabled")};
            }
        }
        return {hresultFromWin32(kErrorNotFound), "no data link from \"" + from + "\" to \"" + to + "\""};
    }

    /// Every pad's formats (subdevice pads through their subdevice node, a video node's pad through the node) and
    /// every standalone node's.
    std::vector<PinFormats> formats() override
    {
        std::lock_guard lock(m_mutex);
        std::vector<PinFormats> out;
        for (MediaGraph& graph : m_graphs) {
            readMediaGraph(graph.info.path, graph);
            for (const MediaEntity& entity : graph.entities)
                for (const MediaPad& pad : graph.pads)
                    if (pad.entityId == entity.id)
                        if (std::optional<PinFormats> f = padFormatsLocked(graph, entity, pad))
                            out.push_back(std::move(*f));
        }
        for (const FilterInfo& f : m_standalone)
            for (const PinInfo& p : f.pins)
                if (const Queue* q = findQueue(p.allocatorId)) {
                    PinFormats pf = readVideoNodeFormats(q->devnode, q->caps.bufType);
                    pf.pinId = p.id;
                    pf.driver = q->caps.driver;
                    pf.readOnlyReason = videoNodeLockedReason(*q);
                    out.push_back(std::move(pf));
                }
        return out;
    }

    FormatChange setFormat(const std::string& pinId, const StreamFormat& format, ApplyMode mode) override
    {
        std::lock_guard lock(m_mutex);
        FormatChange change;
        change.pinId = pinId;
        change.requested = format;
        const std::optional<PinTarget> target = pinTargetLocked(pinId);
        if (!target) {
            change.status = {hresultFromWin32(kErrorNotFound), "no pad or video node pin \"" + pinId + "\""};
            return change;
        }
        const PinFormats now = target->subdev.empty() ? readVideoNodeFormats(target->node, target->bufType)
                                                      : readSubdevPadFormats(target->subdev, target->pad);
        change.before = now.active;
        if (!now.error.empty()) {
            change.status = {E_FAIL, target->label + ": " + now.error};
            return change;
        }
        const FormatSpace space = target->subdev.empty() ? FormatSpace::PixelFormat : FormatSpace::MediaBus;
        if (format.space != space) {
            change.status = {E_INVALIDARG,
                             target->label + " takes " +
                                 (space == FormatSpace::MediaBus ? std::string("a media bus code (e.g. SGRBG8_1X8)")
                                                                 : std::string("a pixel format (e.g. YUYV)")) +
                                 ", not a " + std::string(formatSpaceName(format.space)) + " format"};
            return change;
        }
        if (target->subdev.empty()) {
            if (const Queue* q = findQueue(target->allocatorId); q && mode == ApplyMode::Apply)
                if (const std::string busy = videoNodeLockedReason(*q); !busy.empty()) {
                    change.status = {hresultFromErrno(EBUSY), target->label + ": " + busy};
                    return change;
                }
        }
        const bool dryRun = mode == ApplyMode::DryRun;
        const Status s = target->subdev.empty()
                             ? writeVideoNodeFormat(target->node, target->bufType, format, dryRun, change)
                             : writeSubdevPadFormat(target->subdev, target->pad, format, dryRun, change);
        if (!s) {
            change.status = {s.code(), target->label + ": " + s.message()};
            return change;
        }
        change.applied = !dryRun;
        const std::string adjusted = change.adjustments();
        const std::string what = target->label + (dryRun ? " would be " : " set to ") + change.actual.toString();
        change.status = adjusted.empty()
                            ? Status{S_OK, what}
                            : Status{S_FALSE, what + "; the driver " + (dryRun ? "would choose" : "chose") +
                                                  " that instead of what was asked (" + adjusted + ")"};
        if (change.applied)
            emit({BackendEvent::Kind::AllocatorReconfigured, pinId, change.status.message(), S_OK});
        return change;
    }

    std::vector<ControlInfo> controls(const std::string& filterId, std::string& error) override
    {
        std::string node;
        {
            std::lock_guard lock(m_mutex);
            node = controlNodeLocked(filterId, error);
        }
        return node.empty() ? std::vector<ControlInfo>{} : readControls(node, filterId, error);
    }

    ControlChange setControl(const std::string& filterId, const std::string& control,
                             const ControlValue& value) override
    {
        ControlChange change;
        change.filterId = filterId;
        change.requested = value;
        std::string error;
        std::string node;
        {
            std::lock_guard lock(m_mutex);
            node = controlNodeLocked(filterId, error);
        }
        if (node.empty()) {
            change.status = {hresultFromWin32(kErrorNotFound), error};
            return change;
        }
        const std::vector<ControlInfo> all = readControls(node, filterId, error);
        const ControlInfo* c = findControl(all, control);
        if (!c) {
            std::string keys;
            for (const ControlInfo& i : all)
                if (i.type != ControlType::Class)
                    keys += (keys.empty() ? "" : ", ") + i.key;
            change.status = {E_INVALIDARG, "no control \"" + control + "\" on " + node +
                                               (keys.empty() ? std::string(" (it has none)") : "; it has " + keys)};
            return change;
        }
        change.before = *c;
        if (Status s = checkControlValue(*c, value); !s) {
            change.status = s;
            return change;
        }
        if (Status s = writeControl(node, *c, value, change); !s) {
            change.status = s;
            return change;
        }
        change.applied = true;
        ControlInfo after = *c;
        after.value = change.actual;
        after.valueKnown = c->valueKnown;
        const std::string what = c->type == ControlType::Button
                                     ? "control \"" + c->name + "\" pressed on " + node
                                     : "control \"" + c->name + "\" set to " +
                                           (after.valueKnown ? after.valueText() : std::to_string(value.number)) +
                                           " on " + node;
        change.status = change.adjusted() ? Status{S_FALSE, what + " (the driver stored that instead of " +
                                                                [&] {
                                                                    ControlInfo asked = *c;
                                                                    asked.value = value;
                                                                    return asked.valueText();
                                                                }() +
                                                                ")"}
                                          : Status{S_OK, what};
        emit({BackendEvent::Kind::AllocatorReconfigured, filterId, change.status.message(), S_OK});
        return change;
    }

    void setEventSink(EventSink sink) override
    {
        std::lock_guard lock(m_sinkMutex);
        m_sink = std::move(sink);
    }

    /// The queues' buffers from the kernel's tracepoints (no ioctl against them), unless asked to poll or tracing is
    /// not possible here - then the monitor polls VIDIOC_QUERYBUF, and the reason is said once.
    std::unique_ptr<SampleSource> createSource(const SourceOptions& options) override
    {
        (void)options;
        const std::string events = m_options.value(kEventsOption, "auto");
        if (events == "poll")
            return nullptr;
        // the queues KsScope streams itself, from its own calls
        auto own = [this] {
            return std::make_unique<OwnerSource>([this](const std::string& id) { return ownedStream(id); });
        };
        if (events == "own")
            return own();
        std::vector<std::int32_t> minors;
        {
            std::lock_guard lock(m_mutex);
            if (m_queues.empty())
                return nullptr;
        }
        auto reader = std::make_unique<TracefsReader>();
        if (Status s = reader->open(minors); !s) {
            if (!m_traceRefusalSaid.exchange(true))
                emit({BackendEvent::Kind::Error, "v4l2",
                      "buffers of queues other processes stream are polled (VIDIOC_QUERYBUF), not followed one by "
                      "one: " +
                          s.message(),
                      s.code()});
            return own();
        }
        return std::make_unique<TraceSource>(std::move(reader),
                                             [this](const std::string& id) { return tracedQueue(id); });
    }

private:
    void emit(const BackendEvent& e)
    {
        std::lock_guard lock(m_sinkMutex);
        if (m_sink)
            m_sink(e);
    }

    /// Streams \a allocatorId's queue with MMAP buffers and exports each as a dmabuf fd for import.
    Status exportFrom(const std::string& allocatorId, std::uint32_t count, std::vector<int>& fds)
    {
        if (allocatorId.empty())
            return {E_INVALIDARG, "dmabuf needs dmabuf-from=<allocator, pin or filter id> naming a queue to export "
                                  "buffers from (e.g. vivid's video output)"};
        const Queue* source = findQueue(allocatorId);
        if (!source)
            source = findQueue(structureLocked().resolveAllocatorId(allocatorId)); // a pin or filter id
        if (!source)
            return {E_INVALIDARG, "dmabuf-from=" + allocatorId + ": no such V4L2 queue to export buffers from"};
        auto exporter = std::make_shared<OwnedStream>(source->devnode, source->caps.bufType);
        StreamSettings settings;
        settings.buffers = count;
        if (Status s = exporter->allocate(settings); !s)
            return s;
        for (std::uint32_t i = 0; i < exporter->grantedBuffers(); ++i) {
            int err = 0;
            const int fd = exporter->exportBuffer(i, err);
            if (fd < 0)
                return errnoStatus(err, "VIDIOC_EXPBUF on " + source->devnode);
            fds.push_back(fd);
        }
        m_exporters.push_back(exporter);
        return Status::ok();
    }

    /// The first link of the pipeline of \a allocatorId's entity whose ends disagree, or "".
    std::string mismatchedLinkOf(const std::string& allocatorId)
    {
        for (MediaGraph& graph : m_graphs) {
            readMediaGraph(graph.info.path, graph);
            for (const MediaEntity& entity : graph.entities)
                if (GraphIds::allocator(graph, entity) == allocatorId)
                    return findFormatMismatch(graph, entity.id, [&graph](const MediaEntity& e, const MediaPad& p) {
                        return padFormat(graph, e, p);
                    });
        }
        return {};
    }

    /// Where a pin's format is read and set.
    struct PinTarget {
        std::string label; ///< "\"Sensor A\":0" or the node
        std::string subdev; ///< a subdevice pad: its node
        std::uint32_t pad = 0;
        std::string node; ///< a video node
        std::uint32_t bufType = 0;
        std::string allocatorId; ///< the video node's queue
    };

    std::optional<PinTarget> pinTargetLocked(const std::string& pinId)
    {
        for (MediaGraph& graph : m_graphs)
            for (const MediaEntity& entity : graph.entities)
                for (const MediaPad& pad : graph.pads) {
                    if (pad.entityId != entity.id || GraphIds::pin(graph, entity, pad) != pinId)
                        continue;
                    PinTarget t;
                    t.label = "\"" + entity.name + "\":" + std::to_string(pad.index);
                    t.subdev = graph.subdevNodeOf(entity.id);
                    t.pad = pad.index;
                    if (t.subdev.empty()) {
                        t.allocatorId = GraphIds::allocator(graph, entity);
                        const Queue* q = findQueue(t.allocatorId);
                        if (!q)
                            return std::nullopt;
                        t.node = q->devnode;
                        t.bufType = q->caps.bufType;
                    }
                    return t;
                }
        for (const FilterInfo& f : m_standalone)
            for (const PinInfo& p : f.pins)
                if (p.id == pinId)
                    if (const Queue* q = findQueue(p.allocatorId))
                        return PinTarget{q->devnode, {}, 0, q->devnode, q->caps.bufType, q->allocatorId};
        return std::nullopt;
    }

    std::optional<PinFormats> padFormatsLocked(const MediaGraph& graph, const MediaEntity& entity, const MediaPad& pad)
    {
        PinFormats pf;
        if (const std::string subdev = graph.subdevNodeOf(entity.id); !subdev.empty()) {
            pf = readSubdevPadFormats(subdev, pad.index);
        } else if (const Queue* q = findQueue(GraphIds::allocator(graph, entity)); q && q->caps.bufType) {
            pf = readVideoNodeFormats(q->devnode, q->caps.bufType);
            pf.readOnlyReason = videoNodeLockedReason(*q);
        } else {
            return std::nullopt;
        }
        pf.pinId = GraphIds::pin(graph, entity, pad);
        pf.driver = graph.info.driver;
        return pf;
    }

    /// Why a video node's format cannot change now: KsScope or another process has buffers on its queue.
    std::string videoNodeLockedReason(const Queue& q)
    {
        if (m_owned.count(q.allocatorId))
            return "KsScope streams " + q.devnode + ": stop that stream to change its format";
        Fd fd(::open(q.devnode.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
        std::vector<BufferQuery> buffers;
        std::uint32_t count = 0;
        if (fd.valid() && queryBuffers(fd.get(), q.caps.bufType, buffers, count) == 0 && !buffers.empty())
            return "the queue of " + q.devnode + " has " + std::to_string(buffers.size()) +
                   " buffers (a process streams it): its format can change once they are freed";
        return {};
    }

    /// The node whose controls are \a filterId's: an entity's subdevice or video node, or a standalone node.
    std::string controlNodeLocked(const std::string& filterId, std::string& error)
    {
        for (const MediaGraph& graph : m_graphs)
            for (const MediaEntity& entity : graph.entities) {
                if (GraphIds::filter(graph, entity) != filterId)
                    continue;
                if (std::string n = graph.subdevNodeOf(entity.id); !n.empty())
                    return n;
                if (std::string n = graph.videoNodeOf(entity.id); !n.empty())
                    return n;
                error = "\"" + entity.name + "\" has no device node: it has no controls of its own";
                return {};
            }
        for (const FilterInfo& f : m_standalone)
            if (f.id == filterId)
                for (const PinInfo& p : f.pins)
                    if (const Queue* q = findQueue(p.allocatorId))
                        return q->devnode;
        error = "no filter \"" + filterId + "\"";
        return {};
    }

    /// After uevents: discovers again and reports the filters that appeared or disappeared.
    void rescan()
    {
        std::lock_guard lock(m_mutex);
        std::set<std::string> before;
        for (const FilterInfo& f : structureLocked().filters)
            before.insert(f.id);
        discoverLocked();
        std::set<std::string> after;
        for (const FilterInfo& f : structureLocked().filters) {
            after.insert(f.id);
            if (!before.count(f.id))
                emit({BackendEvent::Kind::FilterAdded, f.id, "filter \"" + f.name + "\" appeared", S_OK});
        }
        for (const std::string& id : before)
            if (!after.count(id))
                emit({BackendEvent::Kind::FilterRemoved, id,
                      "filter " + id + " disappeared (unplugged or driver unloaded)", hresultFromErrno(ENODEV)});
    }

    static Status ownedElsewhere(const Queue& q)
    {
        return {hresultFromErrno(EBUSY), "the queue of " + q.devnode +
                                             " is owned by another process (or by nobody yet); KsScope watches it "
                                             "read-only and cannot change it"};
    }

    /// A queue as the trace source needs it: its node's minor, and its buffers as read once now.
    std::optional<TracedQueue> tracedQueue(const std::string& allocatorId)
    {
        std::lock_guard lock(m_mutex);
        const Queue* q = findQueue(allocatorId);
        if (!q)
            return std::nullopt;
        struct stat st { };
        if (::stat(q->devnode.c_str(), &st) != 0 || !S_ISCHR(st.st_mode))
            return std::nullopt;
        TracedQueue traced;
        traced.devnode = q->devnode;
        traced.minor = static_cast<std::int32_t>(minor(st.st_rdev));
        Fd fd(::open(q->devnode.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
        std::vector<BufferQuery> buffers;
        std::uint32_t count = 0;
        if (fd.valid() && queryBuffers(fd.get(), q->caps.bufType, buffers, count) == 0) {
            const QueueStatus status = summarizeQueue(buffers);
            traced.frames = status.frames;
            traced.frameSize = status.frameSize;
            traced.mode = status.mode;
        }
        return traced;
    }

    const Queue* findQueue(std::string_view id) const
    {
        for (const Queue& q : m_queues)
            if (q.allocatorId == id)
                return &q;
        return nullptr;
    }

    Status discoverLocked()
    {
        m_graphs.clear();
        m_queues.clear();
        m_standalone.clear();
        std::vector<std::string> inGraphs;
        for (const std::string& path : listNodes("media")) {
            MediaGraph graph;
            if (const int err = readMediaGraph(path, graph)) {
                emit({BackendEvent::Kind::Error, path, errnoStatus(err, path).message(), hresultFromErrno(err)});
                continue; // monitoring of the other devices goes on
            }
            for (const MediaEntity& entity : graph.entities) {
                const std::string node = graph.videoNodeOf(entity.id);
                if (node.empty())
                    continue;
                Queue q;
                q.allocatorId = GraphIds::allocator(graph, entity);
                q.devnode = node;
                queryVideoCaps(node, q.caps);
                m_queues.push_back(std::move(q));
                inGraphs.push_back(node);
            }
            m_graphs.push_back(std::move(graph));
        }
        for (const std::string& path : listNodes("video")) {
            if (std::find(inGraphs.begin(), inGraphs.end(), path) != inGraphs.end())
                continue;
            VideoCaps caps;
            if (const int err = queryVideoCaps(path, caps)) {
                emit({BackendEvent::Kind::Error, path, errnoStatus(err, path).message(), hresultFromErrno(err)});
                continue;
            }
            // one filter with one pin; the id names the device and the node's role, never its number
            std::string id = deviceId(caps.driver, caps.busInfo) + "/" + sanitizeIdPart(caps.card) + "." +
                             std::string(bufTypeName(caps.bufType));
            for (int n = 2;
                 std::any_of(m_standalone.begin(), m_standalone.end(), [&](const FilterInfo& f) { return f.id == id; });
                 ++n)
                id += "." + std::to_string(n);
            FilterInfo f;
            f.id = id;
            f.name = caps.card + " (" + path + ")";
            f.backend = "v4l2";
            f.kind = "video-node";
            PinInfo p;
            p.id = id + "/queue";
            p.name = std::string(bufTypeName(caps.bufType));
            // an output node's queue takes its buffers from userspace
            p.direction = V4L2_TYPE_IS_OUTPUT(caps.bufType) ? PinDirection::Input : PinDirection::Output;
            Queue q;
            if (caps.bufType != 0) {
                p.deviceNode = path;
                p.allocatorId = id + "/allocator";
                q.allocatorId = p.allocatorId;
                q.devnode = path;
                q.caps = caps;
                m_queues.push_back(std::move(q));
            }
            f.pins.push_back(std::move(p));
            m_standalone.push_back(std::move(f));
        }
        return Status::ok();
    }

    /// Filters, pins and connections as last discovered, with no device I/O: enough to find ids.
    [[nodiscard]] Topology structureLocked() const
    {
        Topology topology;
        for (const MediaGraph& graph : m_graphs)
            topology.append(graphToTopology(graph));
        topology.filters.insert(topology.filters.end(), m_standalone.begin(), m_standalone.end());
        return topology;
    }

    /// The live topology: graphs read again (link flags change without a new topology version), pad formats,
    /// and each queue's status and format.
    Topology buildTopologyLocked()
    {
        Topology topology;
        for (MediaGraph& graph : m_graphs) {
            readMediaGraph(graph.info.path, graph);
            topology.append(graphToTopology(
                graph, [&graph](const MediaEntity& e, const MediaPad& p) { return padFormat(graph, e, p); }));
        }
        topology.filters.insert(topology.filters.end(), m_standalone.begin(), m_standalone.end());
        for (Queue& q : m_queues) {
            AllocatorInfo a;
            a.id = q.allocatorId;
            if (m_owned.count(q.allocatorId) == 0)
                a.readOnlyReason =
                    "watched read-only: the queue of " + q.devnode + " belongs to the process that streams it";
            Fd fd(::open(q.devnode.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
            MediaFormat format;
            if (fd.valid()) {
                std::vector<BufferQuery> buffers;
                std::uint32_t count = 0;
                if (queryBuffers(fd.get(), q.caps.bufType, buffers, count) == 0) {
                    const QueueStatus s = summarizeQueue(buffers);
                    a.status = s.status();
                    a.mode = s.mode;
                    a.committed = s.frames > 0;
                    a.properties = {static_cast<LONG>(s.frames), static_cast<LONG>(s.frameSize), 1, 0};
                    a.memoryType = s.mode == KsAllocatorMode_Kernel ? guids::KSMEMORY_TYPE_KERNEL_NONPAGED
                                                                    : guids::KSMEMORY_TYPE_USER;
                }
                format = queryFormat(fd.get(), q.caps.bufType);
            }
            a.framePeriodSeconds =
                format.avgTimePerFrame > 0 ? static_cast<double>(format.avgTimePerFrame) * 1e-7 : 1.0 / 30.0;
            for (const PinDirection direction : {PinDirection::Output, PinDirection::Input}) // the output first
                for (FilterInfo& f : topology.filters)
                    for (PinInfo& p : f.pins)
                        if (p.allocatorId == q.allocatorId && p.direction == direction) {
                            p.format = format;
                            a.pinIds.push_back(p.id);
                        }
            topology.allocators.push_back(std::move(a));
        }
        return topology;
    }

    BackendOptions m_options;
    std::unique_ptr<HotplugMonitor> m_hotplug;
    std::mutex m_mutex; // guards the discovered state
    std::vector<MediaGraph> m_graphs;
    std::vector<Queue> m_queues;
    std::vector<FilterInfo> m_standalone;
    std::map<std::string, std::shared_ptr<OwnedStream>> m_owned; // queues KsScope streams
    std::vector<std::shared_ptr<OwnedStream>> m_exporters; // queues whose buffers were exported
    std::map<std::string, ComPtr<V4l2Allocator>> m_allocators; // handed out through pin()
    std::atomic<bool> m_traceRefusalSaid{false}; // why the buffers are polled was said
    std::mutex m_sinkMutex; // guards m_sink
    EventSink m_sink;
};

HRESULT V4l2Allocator::Commit()
{
    std::lock_guard lock(m_mutex);
    if (!m_backend)
        return VFW_E_NOT_CONNECTED;
    if (m_backend->ownedStream(m_id))
        return S_OK; // committed twice is fine
    const Status s = m_backend->ownStream(m_id, StreamOptions{});
    return s.code();
}

HRESULT V4l2Allocator::Decommit()
{
    std::lock_guard lock(m_mutex);
    if (!m_backend)
        return VFW_E_NOT_CONNECTED;
    m_backend->releaseStream(m_id);
    return S_OK;
}

HRESULT V4l2Allocator::SetProperties(const ALLOCATOR_PROPERTIES* request, ALLOCATOR_PROPERTIES* actual)
{
    if (!request || !actual)
        return E_POINTER;
    std::lock_guard lock(m_mutex);
    if (!m_backend)
        return VFW_E_NOT_CONNECTED;
    PropertyRequest r;
    r.buffers = request->cBuffers;
    if (request->cbBuffer)
        r.bufferSize = request->cbBuffer;
    if (request->cbAlign)
        r.align = request->cbAlign;
    r.prefix = request->cbPrefix;
    const PropertyChange change = m_backend->setProperties(m_id, r, ApplyMode::Apply);
    *actual = change.actual;
    return change.status.code();
}

HRESULT V4l2Allocator::KsSetAllocatorMode(KSALLOCATORMODE mode)
{
    std::lock_guard lock(m_mutex);
    if (!m_backend)
        return VFW_E_NOT_CONNECTED;
    return m_backend->setMode(m_id, mode, ApplyMode::Apply).code();
}

HANDLE V4l2Allocator::KsGetAllocatorHandle()
{
    std::shared_ptr<OwnedStream> stream;
    {
        std::lock_guard lock(m_mutex);
        if (!m_backend)
            return nullptr;
        stream = m_backend->ownedStream(m_id);
    }
    if (!stream || stream->settings().memory != kMemoryMmap)
        return nullptr; // only a kernel-mode (MMAP) queue that KsScope owns has a handle to export
    int err = 0;
    const int fd = stream->exportBuffer(0, err);
    // a dmabuf fd of the queue's first buffer, owned by the caller; fds are small non-negative integers
    // NOLINTNEXTLINE(performance-no-int-to-ptr): the handle carries the fd (plus one), it is never dereferenced
    return fd < 0 ? nullptr : reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(fd) + 1);
}

HRESULT V4l2Allocator::KsSetAllocatorHandle(HANDLE handle)
{
    std::lock_guard lock(m_mutex);
    if (!m_backend)
        return VFW_E_NOT_CONNECTED;
    const int fd = static_cast<int>(reinterpret_cast<std::intptr_t>(handle) - 1);
    if (!handle || fd < 0)
        return E_INVALIDARG;
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return hresultFromErrno(errno);
    m_pendingImports.push_back(copy);
    const std::shared_ptr<OwnedStream> stream = m_backend->ownedStream(m_id);
    const std::uint32_t needed = stream ? stream->grantedBuffers() : StreamOptions{}.buffers;
    if (m_pendingImports.size() < needed)
        return S_FALSE; // collecting: one handle per buffer
    StreamOptions options;
    options.memory = "dmabuf";
    options.buffers = needed;
    std::vector<int> fds;
    fds.swap(m_pendingImports);
    m_backend->releaseStream(m_id);
    return m_backend->ownStreamImporting(m_id, options, std::move(fds)).code();
}

} // namespace

} // namespace ksscope::v4l2

namespace ksscope {

void registerV4l2Backend()
{
    BackendRegistration v4l2{"v4l2", "V4L2 video nodes and Media Controller graphs (vivid, vimc, UVC cameras, ...)", 20,
                             true, [](const BackendOptions& options) -> std::unique_ptr<Backend> {
                                 return std::make_unique<v4l2::V4l2Backend>(options);
                             }};
    BackendOption events;
    events.name = v4l2::kEventsOption;
    events.valueName = "auto|own|poll";
    events.help = "V4L2 buffers: auto follows each one through the kernel's tracepoints where tracefs can be read "
                  "(default; where not, as own), own follows only the queues KsScope streams (--stream) from its own "
                  "calls and samples the others, poll samples VIDIOC_QUERYBUF";
    events.check = [](const std::string& value) {
        return value == "auto" || value == "own" || value == "poll"
                   ? Status::ok()
                   : Status(E_INVALIDARG, "must be auto, own or poll, got \"" + value + "\"");
    };
    v4l2.options = {std::move(events)};
    BackendRegistry::add(std::move(v4l2));
}

} // namespace ksscope
