// SPDX-License-Identifier: GPL-3.0-or-later
// The pipewire backend: a PipeWire daemon's graph as filters (nodes), pins (ports) and connections (links), each
// link's negotiated buffers as its output port's allocator, and each node's cycle times as pw-top reads them from
// the profiler. Read-only. Every PipeWire object lives on the backend's thread loop and is touched under its lock.

#include "ksscope/backend_registry.h"
#include "pipewire_params.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <pipewire/extensions/profiler.h>
#include <pipewire/impl-module.h>
#include <pipewire/pipewire.h>
#include <set>
#include <spa/param/param.h>
#include <spa/utils/result.h>

namespace ksscope {

namespace pipewire {

namespace {

constexpr const char* kBackend = "pipewire";
constexpr const char* kRemoteOption = "pipewire-remote";
constexpr std::uint32_t kLinkMaxBuffers = 64; // the daemon's link.max-buffers unless configured otherwise
constexpr std::uint32_t kMaxAlign = 32; // its cpu.max-align
constexpr const char* kReadOnly =
    "PipeWire negotiates a link's buffers between its two ports (SPA_PARAM_Buffers) when the link is made; KsScope "
    "shows what they agreed and changes nothing";
constexpr const char* kUnsampled =
    "PipeWire tells no other client how many of a link's buffers are in use: the node's cycle times (wait, busy) "
    "and errors are shown instead";

std::string lookup(const spa_dict* props, const char* key)
{
    const char* v = props ? spa_dict_lookup(props, key) : nullptr;
    return v ? std::string(v) : std::string();
}

/// The socket a remote name means: an absolute path as it is, else in PIPEWIRE_RUNTIME_DIR, XDG_RUNTIME_DIR or
/// USERPROFILE, as libpipewire looks.
std::string socketPath(const std::string& remote)
{
    std::string name = remote;
    if (name.empty()) {
        const char* env = std::getenv("PIPEWIRE_REMOTE"); // NOLINT(concurrency-mt-unsafe): KsScope sets no variable
        name = env && *env ? env : "pipewire-0";
    }
    if (!name.empty() && name.front() == '/')
        return name;
    for (const char* var : {"PIPEWIRE_RUNTIME_DIR", "XDG_RUNTIME_DIR", "USERPROFILE"})
        if (const char* dir = std::getenv(var); dir && *dir) // NOLINT(concurrency-mt-unsafe): as above
            return std::string(dir) + "/" + name;
    return {};
}

/// What the profiler said of one node at its last cycle, and its errors since watching began.
struct Timing {
    bool seen = false;
    std::uint32_t driverId = 0;
    std::string driverName;
    ProfilerBlock block;
    std::int64_t quantum = 0;
    std::uint32_t rateNum = 0;
    std::uint32_t rateDenom = 0;
    std::uint64_t errors = 0; ///< cycles it did not finish in time (pw-top's count)
    std::int32_t driverXruns = 0; ///< of its driver
    std::int64_t cycles = 0; ///< of its driver
};

struct Object;
struct PwBackend;

/// One PipeWire object KsScope follows, with its proxy and its listeners.
struct Object {
    enum class Type : std::uint8_t { Node, Port, Link, Profiler } type = Type::Node;
    std::uint32_t id = 0;
    PwBackend* backend = nullptr;
    pw_proxy* proxy = nullptr;
    spa_hook objectListener{};
    spa_hook proxyListener{};
    std::map<std::string, std::string> props; // from the registry, then from each info
    // node
    pw_node_info* nodeInfo = nullptr;
    bool announced = false;
    // port
    pw_port_info* portInfo = nullptr;
    std::uint32_t nodeId = SPA_ID_INVALID;
    std::vector<std::vector<std::uint8_t>> buffers; // SPA_PARAM_Buffers pods, as listed
    std::vector<std::vector<std::uint8_t>> formats; // SPA_PARAM_Format
    std::map<std::uint32_t, int> paramSeq; // param id -> the seq of the enumeration whose answers are kept
    // link
    pw_link_info* linkInfo = nullptr;

    Object() = default;
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;
    ~Object()
    {
        spa_hook_remove(&objectListener);
        spa_hook_remove(&proxyListener);
        if (proxy)
            pw_proxy_destroy(proxy);
        if (nodeInfo)
            pw_node_info_free(nodeInfo);
        if (portInfo)
            pw_port_info_free(portInfo);
        if (linkInfo)
            pw_link_info_free(linkInfo);
    }
};

struct PwBackend final : public ksscope::Backend {
    explicit PwBackend(std::string remote) : m_remote(std::move(remote)) { }
    ~PwBackend() override { close(); }

    [[nodiscard]] std::string name() const override { return kBackend; }
    [[nodiscard]] std::string interfacesNote() const override
    {
        return "as the PipeWire daemon reports it (its nodes have no IKsAllocatorEx)";
    }
    [[nodiscard]] Availability availability() const override
    {
        const std::string path = socketPath(m_remote);
        if (path.empty())
            return {false, "no PipeWire daemon: neither XDG_RUNTIME_DIR nor PIPEWIRE_RUNTIME_DIR is set"};
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            return {false, "no PipeWire daemon: no socket at " + path + " (start pipewire, or name one with --" +
                               kRemoteOption + ")"};
        return {true, {}};
    }
    SelfTestReport selfTest() override
    {
        SelfTestReport report;
        const bool wasOpen = m_loop != nullptr;
        const Status s = wasOpen ? Status::ok() : open();
        report.passed = s.isOk();
        if (!s) {
            report.lines.push_back("FAIL: " + s.message());
            return report;
        }
        const Topology t = topology();
        {
            pw_thread_loop_lock(m_loop);
            report.lines.push_back("ok: connected to the PipeWire daemon at " + socketPath(m_remote) + " (" +
                                   m_serverVersion + "), " + std::to_string(t.filters.size()) + " node(s)");
            report.lines.emplace_back(m_profiler ? "ok: the daemon's profiler reports each node's cycle times"
                                                 : "note: the daemon has no profiler (libpipewire-module-profiler): no "
                                                   "cycle times");
            pw_thread_loop_unlock(m_loop);
        }
        if (!wasOpen)
            close();
        return report;
    }

    Status open() override
    {
        if (m_loop)
            return Status::ok();
        pw_init(nullptr, nullptr);
        m_loop = pw_thread_loop_new("ksscope-pw", nullptr);
        if (!m_loop)
            return {hresultFromErrno(errno), "cannot start PipeWire's thread loop: " + errnoMessage(errno)};
        m_context = pw_context_new(pw_thread_loop_get_loop(m_loop), nullptr, 0);
        if (!m_context) {
            const int e = errno;
            close();
            return {hresultFromErrno(e), "cannot create a PipeWire context: " + errnoMessage(e)};
        }
        // the profiler's protocol, for the client side of its interface
        pw_context_load_module(m_context, PW_EXTENSION_MODULE_PROFILER, nullptr, nullptr);
        if (pw_thread_loop_start(m_loop) < 0) {
            close();
            return {E_FAIL, "cannot start PipeWire's thread loop"};
        }
        pw_thread_loop_lock(m_loop);
        pw_properties* connectProps = pw_properties_new(PW_KEY_APP_NAME, "KsScope", nullptr);
        if (!m_remote.empty())
            pw_properties_set(connectProps, PW_KEY_REMOTE_NAME, m_remote.c_str());
        m_core = pw_context_connect(m_context, connectProps, 0);
        if (!m_core) {
            const int e = errno;
            pw_thread_loop_unlock(m_loop);
            const std::string where = socketPath(m_remote);
            close();
            return {hresultFromErrno(e), "cannot connect to the PipeWire daemon" +
                                             (where.empty() ? std::string() : " at " + where) + ": " + errnoMessage(e) +
                                             " (is pipewire running for this user?)"};
        }
        static const pw_core_events coreEvents = [] {
            pw_core_events e{};
            e.version = PW_VERSION_CORE_EVENTS;
            e.info = [](void* data, const pw_core_info* info) {
                static_cast<PwBackend*>(data)->m_serverVersion =
                    std::string(info->name ? info->name : "pipewire") + " " + (info->version ? info->version : "");
            };
            e.done = [](void* data, std::uint32_t id, int seq) {
                auto* self = static_cast<PwBackend*>(data);
                if (id == PW_ID_CORE) {
                    self->m_doneSeq = seq;
                    pw_thread_loop_signal(self->m_loop, false);
                }
            };
            e.error = [](void* data, std::uint32_t id, int seq, int res, const char* message) {
                (void)seq;
                auto* self = static_cast<PwBackend*>(data);
                if (id == PW_ID_CORE && res == -EPIPE) {
                    self->m_lost = true;
                    self->m_events.report(BackendEvent::Kind::Error, kBackend,
                                          std::string("the PipeWire daemon closed the connection: ") +
                                              (message ? message : spa_strerror(res)));
                    pw_thread_loop_signal(self->m_loop, false);
                }
            };
            return e;
        }();
        pw_core_add_listener(m_core, &m_coreListener, &coreEvents, this);
        m_registry = pw_core_get_registry(m_core, PW_VERSION_REGISTRY, 0);
        static const pw_registry_events registryEvents = [] {
            pw_registry_events e{};
            e.version = PW_VERSION_REGISTRY_EVENTS;
            e.global = [](void* data, std::uint32_t id, std::uint32_t permissions, const char* type,
                          std::uint32_t version, const spa_dict* props) {
                (void)permissions;
                (void)version;
                static_cast<PwBackend*>(data)->global(id, type, props);
            };
            e.global_remove = [](void* data, std::uint32_t id) { static_cast<PwBackend*>(data)->globalRemove(id); };
            return e;
        }();
        pw_registry_add_listener(m_registry, &m_registryListener, &registryEvents, this);
        // the objects, then their info, then their parameters: a round trip each
        Status status = Status::ok();
        for (int round = 0; round < 4 && status; ++round)
            status = roundTrip();
        // the profiler reports the running nodes' cycles about once a second: their first report, so that what is
        // shown first has their times
        const auto running = [this] {
            for (const auto& [id, object] : m_objects)
                if (object->type == Object::Type::Node && object->nodeInfo &&
                    object->nodeInfo->state == PW_NODE_STATE_RUNNING && !m_timings.count(id))
                    return true;
            return false;
        };
        for (int waited = 0; status && m_profiler && running() && waited < 15 && !m_lost; ++waited)
            pw_thread_loop_timed_wait(m_loop, 1) /* woken by the profile, or after 1 s */;
        m_opened = true;
        for (auto& [id, object] : m_objects)
            if (object->type == Object::Type::Node)
                object->announced = true;
        pw_thread_loop_unlock(m_loop);
        if (!status) {
            close();
            return status;
        }
        return Status::ok();
    }

    Status start() override { return Status::ok(); } // the daemon runs its graph itself

    void close() override
    {
        if (!m_loop)
            return;
        pw_thread_loop_lock(m_loop);
        m_objects.clear();
        m_clients.clear();
        m_profiler = nullptr;
        spa_hook_remove(&m_registryListener);
        spa_hook_remove(&m_coreListener);
        if (m_registry)
            pw_proxy_destroy(reinterpret_cast<pw_proxy*>(m_registry));
        m_registry = nullptr;
        if (m_core)
            pw_core_disconnect(m_core);
        m_core = nullptr;
        pw_thread_loop_unlock(m_loop);
        pw_thread_loop_stop(m_loop);
        if (m_context)
            pw_context_destroy(m_context);
        m_context = nullptr;
        pw_thread_loop_destroy(m_loop);
        m_loop = nullptr;
        m_opened = false;
    }

    [[nodiscard]] Topology topology() override
    {
        if (!m_loop)
            return {};
        pw_thread_loop_lock(m_loop);
        Topology t = m_lost ? Topology{} : buildTopology();
        pw_thread_loop_unlock(m_loop);
        return t;
    }

    std::shared_ptr<AllocatorProbe> probe(const std::string& allocatorId) override
    {
        (void)allocatorId;
        return nullptr; // not sampled: AllocatorInfo::unsampledReason says why
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

    void setEventSink(EventSink sink) override { m_events.set(std::move(sink)); }

    [[nodiscard]] std::string deviceNode(const std::string& allocatorId) override
    {
        (void)allocatorId;
        return {};
    }

    [[nodiscard]] ProcessInfo holderProcess(const std::string& allocatorId, std::int32_t holder) override
    {
        (void)allocatorId;
        (void)holder;
        return {};
    }

    // --- on the loop's thread (or under its lock) ---

    /// A sync with the daemon, waited for: everything it sent before is handled after.
    Status roundTrip() const
    {
        const int seq = pw_core_sync(m_core, PW_ID_CORE, 0);
        while (m_doneSeq != seq && !m_lost) {
            if (pw_thread_loop_timed_wait(m_loop, 5) != 0)
                return {hresultFromWin32(kErrorNotReady),
                        "the PipeWire daemon at " + socketPath(m_remote) + " did not answer within 5 s"};
        }
        if (m_lost)
            return {hresultFromWin32(kErrorNotReady), "the PipeWire daemon closed the connection"};
        return Status::ok();
    }

    static std::string filterId(std::uint32_t nodeId) { return std::string(kBackend) + ":" + std::to_string(nodeId); }

    void global(std::uint32_t id, const char* type, const spa_dict* props)
    {
        if (std::strcmp(type, PW_TYPE_INTERFACE_Client) == 0) {
            // who made a node: the pid the daemon read from the client's socket (its registry entry has it)
            Client& client = m_clients[id];
            client.pid = lookup(props, PW_KEY_SEC_PID);
            client.application = lookup(props, PW_KEY_APP_NAME);
            return;
        }
        Object::Type kind;
        std::uint32_t version = 0;
        if (std::strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
            kind = Object::Type::Node;
            version = PW_VERSION_NODE;
        } else if (std::strcmp(type, PW_TYPE_INTERFACE_Port) == 0) {
            kind = Object::Type::Port;
            version = PW_VERSION_PORT;
        } else if (std::strcmp(type, PW_TYPE_INTERFACE_Link) == 0) {
            kind = Object::Type::Link;
            version = PW_VERSION_LINK;
        } else if (std::strcmp(type, PW_TYPE_INTERFACE_Profiler) == 0) {
            if (m_profiler)
                return;
            kind = Object::Type::Profiler;
            version = PW_VERSION_PROFILER;
        } else {
            return;
        }
        auto object = std::make_unique<Object>();
        object->type = kind;
        object->id = id;
        object->backend = this;
        if (props)
            for (std::uint32_t i = 0; i < props->n_items; ++i)
                object->props[props->items[i].key] = props->items[i].value ? props->items[i].value : "";
        if (kind == Object::Type::Port)
            object->nodeId =
                static_cast<std::uint32_t>(std::strtoul(lookup(props, PW_KEY_NODE_ID).c_str(), nullptr, 10));
        object->proxy = static_cast<pw_proxy*>(pw_registry_bind(m_registry, id, type, version, 0));
        if (!object->proxy)
            return;
        Object* o = object.get();
        switch (kind) {
        case Object::Type::Node:
            pw_proxy_add_object_listener(o->proxy, &o->objectListener, &nodeEvents(), o);
            break;
        case Object::Type::Port:
            pw_proxy_add_object_listener(o->proxy, &o->objectListener, &portEvents(), o);
            break;
        case Object::Type::Link:
            pw_proxy_add_object_listener(o->proxy, &o->objectListener, &linkEvents(), o);
            break;
        case Object::Type::Profiler:
            pw_proxy_add_object_listener(o->proxy, &o->objectListener, &profilerEvents(), o);
            m_profiler = o;
            break;
        }
        m_objects[id] = std::move(object);
    }

    void globalRemove(std::uint32_t id)
    {
        m_clients.erase(id);
        auto it = m_objects.find(id);
        if (it == m_objects.end())
            return;
        std::unique_ptr<Object> object = std::move(it->second);
        m_objects.erase(it);
        if (object.get() == m_profiler)
            m_profiler = nullptr;
        if (!m_opened)
            return;
        switch (object->type) {
        case Object::Type::Node:
            m_timings.erase(id);
            if (object->announced)
                m_events.report(BackendEvent::Kind::FilterRemoved, filterId(id),
                                "node \"" + nodeName(*object) + "\" is gone");
            break;
        case Object::Type::Port:
            changed(object->nodeId, "port " + std::to_string(id) + " is gone");
            break;
        case Object::Type::Link:
            if (object->linkInfo) {
                changed(object->linkInfo->output_node_id, "link " + std::to_string(id) + " is gone");
                changed(object->linkInfo->input_node_id, "link " + std::to_string(id) + " is gone");
            }
            break;
        case Object::Type::Profiler:
            break;
        }
    }

    /// Something of node \a nodeId changed after watching began (a port, a link, a parameter).
    void changed(std::uint32_t nodeId, const std::string& what)
    {
        auto it = m_objects.find(nodeId);
        if (!m_opened || it == m_objects.end() || !it->second->announced)
            return;
        m_events.report(BackendEvent::Kind::AllocatorReconfigured, filterId(nodeId),
                        nodeName(*it->second) + ": " + what);
    }

    static void mergeProps(Object& o, const spa_dict* props)
    {
        if (props)
            for (std::uint32_t i = 0; i < props->n_items; ++i)
                o.props[props->items[i].key] = props->items[i].value ? props->items[i].value : "";
    }

    static const pw_node_events& nodeEvents()
    {
        static const pw_node_events events = [] {
            pw_node_events e{};
            e.version = PW_VERSION_NODE_EVENTS;
            e.info = [](void* data, const pw_node_info* info) {
                auto* o = static_cast<Object*>(data);
                o->nodeInfo = pw_node_info_update(o->nodeInfo, info);
                if (info->change_mask & PW_NODE_CHANGE_MASK_PROPS)
                    mergeProps(*o, info->props);
                PwBackend& b = *o->backend;
                if (b.m_opened && !o->announced) {
                    o->announced = true;
                    b.m_events.report(BackendEvent::Kind::FilterAdded, filterId(o->id),
                                      "node \"" + nodeName(*o) + "\" (" + o->props["media.class"] + ") appeared");
                } else if (info->change_mask & PW_NODE_CHANGE_MASK_STATE) {
                    b.changed(o->id, std::string("state ") + pw_node_state_as_string(info->state));
                }
            };
            return e;
        }();
        return events;
    }

    static const pw_port_events& portEvents()
    {
        static const pw_port_events events = [] {
            pw_port_events e{};
            e.version = PW_VERSION_PORT_EVENTS;
            e.info = [](void* data, const pw_port_info* info) {
                auto* o = static_cast<Object*>(data);
                o->portInfo = pw_port_info_update(o->portInfo, info);
                if (info->change_mask & PW_PORT_CHANGE_MASK_PROPS)
                    mergeProps(*o, info->props);
                // as pw-dump: a parameter that changed is listed again
                for (std::uint32_t i = 0; i < o->portInfo->n_params; ++i) {
                    spa_param_info& p = o->portInfo->params[i];
                    if (p.user == 0)
                        continue;
                    p.user = 0;
                    if (p.id != SPA_PARAM_Buffers && p.id != SPA_PARAM_Format)
                        continue;
                    (p.id == SPA_PARAM_Buffers ? o->buffers : o->formats).clear();
                    if (p.flags & SPA_PARAM_INFO_READ)
                        o->paramSeq[p.id] =
                            pw_port_enum_params(reinterpret_cast<pw_port*>(o->proxy), 0, p.id, 0, UINT32_MAX, nullptr);
                }
            };
            e.param = [](void* data, int seq, std::uint32_t id, std::uint32_t index, std::uint32_t next,
                         const spa_pod* param) {
                (void)index;
                (void)next;
                auto* o = static_cast<Object*>(data);
                if (!param || (id != SPA_PARAM_Buffers && id != SPA_PARAM_Format))
                    return;
                if (auto it = o->paramSeq.find(id);
                    it != o->paramSeq.end() && SPA_RESULT_ASYNC_SEQ(it->second) != seq && it->second != seq)
                    return; // an answer to an enumeration since replaced
                const auto* bytes = reinterpret_cast<const std::uint8_t*>(param);
                (id == SPA_PARAM_Buffers ? o->buffers : o->formats).emplace_back(bytes, bytes + SPA_POD_SIZE(param));
                o->backend->changed(o->nodeId, std::string("port ") + std::to_string(o->id) + " " +
                                                   (id == SPA_PARAM_Buffers ? "buffers" : "format"));
            };
            return e;
        }();
        return events;
    }

    static const pw_link_events& linkEvents()
    {
        static const pw_link_events events = [] {
            pw_link_events e{};
            e.version = PW_VERSION_LINK_EVENTS;
            e.info = [](void* data, const pw_link_info* info) {
                auto* o = static_cast<Object*>(data);
                const bool first = o->linkInfo == nullptr;
                o->linkInfo = pw_link_info_update(o->linkInfo, info);
                if (first || (info->change_mask & PW_LINK_CHANGE_MASK_STATE)) {
                    const std::string what =
                        "link " + std::to_string(o->id) + " " + pw_link_state_as_string(o->linkInfo->state);
                    o->backend->changed(o->linkInfo->output_node_id, what);
                    o->backend->changed(o->linkInfo->input_node_id, what);
                }
            };
            return e;
        }();
        return events;
    }

    static const pw_profiler_events& profilerEvents()
    {
        static const pw_profiler_events events = [] {
            pw_profiler_events e{};
            e.version = PW_VERSION_PROFILER_EVENTS;
            e.profile = [](void* data, const spa_pod* pod) { static_cast<Object*>(data)->backend->profile(pod); };
            return e;
        }();
        return events;
    }

    void profile(const spa_pod* pod)
    {
        pw_thread_loop_signal(m_loop, false);
        for (const ProfilerPoint& point : readProfile(pod)) {
            const ProfilerBlock& driver = *point.driver;
            auto note = [&](const ProfilerBlock& block) {
                if (block.id < 0)
                    return;
                Timing& t = m_timings[static_cast<std::uint32_t>(block.id)];
                t.seen = true;
                t.driverId = static_cast<std::uint32_t>(driver.id);
                t.driverName = driver.name;
                t.block = block;
                t.quantum = point.clockDuration;
                t.rateNum = point.rateNum;
                t.rateDenom = point.rateDenom;
                t.driverXruns = point.xruns;
                t.cycles = point.counter;
                if (block.status != 3)
                    ++t.errors;
            };
            note(driver);
            for (const ProfilerBlock& f : point.followers)
                note(f);
        }
    }

    /// Its node.name, as pw-top and pw-link name it (the description is among its details).
    static std::string nodeName(const Object& node)
    {
        for (const char* key : {PW_KEY_NODE_NAME, PW_KEY_NODE_DESCRIPTION, PW_KEY_NODE_NICK, PW_KEY_APP_NAME}) {
            auto it = node.props.find(key);
            if (it != node.props.end() && !it->second.empty())
                return it->second;
        }
        return "node " + std::to_string(node.id);
    }

    [[nodiscard]] std::string prop(const Object& o, const char* key) const
    {
        auto it = o.props.find(key);
        return it == o.props.end() ? std::string() : it->second;
    }

    [[nodiscard]] static std::string kindOf(const std::string& mediaClass, bool hasIn, bool hasOut)
    {
        if (mediaClass.find("Source") != std::string::npos || mediaClass.find("Stream/Output") == 0)
            return "capture";
        if (mediaClass.find("Sink") != std::string::npos || mediaClass.find("Stream/Input") == 0)
            return "render";
        if (hasIn && hasOut)
            return "transform";
        return mediaClass.empty() ? "node" : mediaClass;
    }

    void addTimingDetails(std::uint32_t nodeId, std::vector<Detail>& details) const
    {
        auto it = m_timings.find(nodeId);
        if (it == m_timings.end()) {
            details.push_back({"cycle", m_profiler ? "none reported yet (not running?)" : "no profiler in the daemon"});
            return;
        }
        const Timing& t = it->second;
        const bool isDriver = t.driverId == nodeId;
        auto driverIt = m_objects.find(t.driverId);
        details.push_back({"driver", isDriver
                                         ? std::string("itself")
                                         : (driverIt != m_objects.end() ? nodeName(*driverIt->second) : t.driverName) +
                                               " (" + std::to_string(t.driverId) + ")"});
        // PERIOD/RATE as pw-top shows it: the driver's quantum over its rate, a follower's own latency
        std::uint64_t num = isDriver ? static_cast<std::uint64_t>(t.quantum) * t.rateNum : t.block.latencyNum;
        const std::uint32_t denom = isDriver ? t.rateDenom : t.block.latencyDenom;
        details.push_back(
            {"quantum", denom == 0 ? std::string("-") : std::to_string(num) + "/" + std::to_string(denom)});
        const double period =
            t.rateDenom ? static_cast<double>(t.quantum) * t.rateNum / static_cast<double>(t.rateDenom) : 0.0;
        const std::int64_t wait = t.block.awake_ns - t.block.signal_ns;
        const std::int64_t busy = t.block.finish_ns - t.block.awake_ns;
        auto share = [period](std::int64_t ns) {
            char text[16];
            std::snprintf(text, sizeof text, "%.2f", period > 0 ? static_cast<double>(ns) / 1e9 / period : 0.0);
            return std::string(text);
        };
        details.push_back({"wait", durationDetail(wait)});
        details.push_back({"busy", durationDetail(busy)});
        details.push_back({"wait/period", share(wait)});
        details.push_back({"busy/period", share(busy)});
        details.push_back(
            {"errors", std::to_string(static_cast<std::uint64_t>(std::max(t.driverXruns, 0)) + t.errors)});
        details.push_back({"cycles", std::to_string(t.cycles)});
    }

    [[nodiscard]] Topology buildTopology() const
    {
        Topology topology;
        std::map<std::uint32_t, std::vector<const Object*>> portsOf;
        std::vector<const Object*> links;
        for (const auto& [id, o] : m_objects) {
            if (o->type == Object::Type::Port && o->portInfo)
                portsOf[o->nodeId].push_back(o.get());
            else if (o->type == Object::Type::Link && o->linkInfo)
                links.push_back(o.get());
        }
        std::map<std::string, int> sameNames;
        for (const auto& [id, o] : m_objects)
            if (o->type == Object::Type::Node && o->nodeInfo)
                ++sameNames[nodeName(*o)];
        std::map<std::uint32_t, std::string> pinOfPort; // port id -> pin id
        std::map<std::uint32_t, const Object*> portById;
        for (const auto& [id, o] : m_objects) {
            if (o->type != Object::Type::Node || !o->nodeInfo)
                continue;
            FilterInfo f;
            f.id = filterId(id);
            f.name = nodeName(*o);
            if (sameNames[f.name] > 1) // two streams of one program: told apart by their ids
                f.name += " (" + std::to_string(id) + ")";
            f.backend = kBackend;
            const std::string mediaClass = prop(*o, PW_KEY_MEDIA_CLASS);
            std::vector<const Object*>& ports = portsOf[id];
            std::sort(ports.begin(), ports.end(), [](const Object* a, const Object* b) {
                return a->portInfo->direction != b->portInfo->direction
                           ? a->portInfo->direction > b->portInfo->direction
                           : a->id < b->id;
            });
            bool hasIn = false;
            bool hasOut = false;
            // "gstreamer" is the pin the session may add for a GStreamer element's stream (linkLayers): no port's
            std::set<std::string> used{"gstreamer"};
            for (const Object* p : ports) {
                PinInfo pin;
                const bool in = p->portInfo->direction == SPA_DIRECTION_INPUT;
                hasIn = hasIn || in;
                hasOut = hasOut || !in;
                std::string part = prop(*p, PW_KEY_PORT_NAME);
                if (part.empty() || part.find('/') != std::string::npos || used.count(part))
                    part = "port" + std::to_string(p->id);
                used.insert(part);
                pin.id = f.id + "/" + part;
                pin.name = prop(*p, PW_KEY_PORT_NAME).empty() ? part : prop(*p, PW_KEY_PORT_NAME);
                pin.direction = in ? PinDirection::Input : PinDirection::Output;
                if (!p->formats.empty())
                    if (auto format = readFormat(reinterpret_cast<const spa_pod*>(p->formats.front().data())))
                        pin.format = *format;
                pin.details.push_back({"id", std::to_string(p->id)});
                if (const std::string alias = prop(*p, PW_KEY_PORT_ALIAS); !alias.empty())
                    pin.details.push_back({"alias", alias});
                if (p->buffers.empty()) {
                    pin.details.push_back({"Buffers", "none listed"});
                } else if (auto b = readBuffersParam(reinterpret_cast<const spa_pod*>(p->buffers.front().data()))) {
                    for (const auto& [name, value] :
                         {std::pair{"buffers", &b->buffers}, std::pair{"blocks", &b->blocks},
                          std::pair{"size", &b->size}, std::pair{"stride", &b->stride}, std::pair{"align", &b->align},
                          std::pair{"dataType", &b->dataType}})
                        if (value->present)
                            pin.details.push_back({name, value->toString()});
                    if (p->buffers.size() > 1)
                        pin.details.push_back(
                            {"Buffers", std::to_string(p->buffers.size()) + " alternatives listed (the first shown)"});
                }
                pinOfPort[p->id] = pin.id;
                portById[p->id] = p;
                f.pins.push_back(std::move(pin));
            }
            // a V4L2 node streams a device node the v4l2 backend may show: its pin links the two layers
            if (const std::string node = prop(*o, "api.v4l2.path"); !node.empty() && used.count("device") == 0)
                f.pins.push_back(deviceNodePin(f.id, node,
                                               mediaClass.find("Sink") != std::string::npos ? PinDirection::Output
                                                                                            : PinDirection::Input));
            f.kind = kindOf(mediaClass, hasIn, hasOut);
            f.details.push_back({"id", std::to_string(id)});
            if (const std::string serial = prop(*o, PW_KEY_OBJECT_SERIAL); !serial.empty())
                f.details.push_back({"serial", serial});
            if (!mediaClass.empty())
                f.details.push_back({"media.class", mediaClass});
            f.details.push_back({"node.name", prop(*o, PW_KEY_NODE_NAME)});
            if (const std::string description = prop(*o, PW_KEY_NODE_DESCRIPTION); !description.empty())
                f.details.push_back({"node.description", description});
            std::string state = pw_node_state_as_string(o->nodeInfo->state);
            if (o->nodeInfo->state == PW_NODE_STATE_ERROR && o->nodeInfo->error)
                state += std::string(": ") + o->nodeInfo->error;
            f.details.push_back({"state", state});
            // the process behind the node: its own properties, else those of the client that made it
            const Client* client = nullptr;
            if (const std::string clientId = prop(*o, PW_KEY_CLIENT_ID); !clientId.empty()) {
                auto c = m_clients.find(static_cast<std::uint32_t>(std::strtoul(clientId.c_str(), nullptr, 10)));
                client = c == m_clients.end() ? nullptr : &c->second;
            }
            const std::string ownPid = prop(*o, PW_KEY_APP_PROCESS_ID);
            std::string app = prop(*o, PW_KEY_APP_NAME);
            std::string pid = ownPid;
            if (client && app.empty() && pid.empty()) {
                app = client->application;
                pid = client->pid;
            }
            if (!app.empty()) {
                if (!pid.empty())
                    app.append(" (pid ").append(pid).append(")");
                f.details.push_back({"application", app});
            }
            // a stream a GStreamer pipewiresrc or pipewiresink made has the element's name as its media.name, and
            // its process is the one the node names (as the process knows itself), else the client's socket's
            std::string stream = ownPid.empty() && client ? client->pid : ownPid;
            if (const std::string media = prop(*o, PW_KEY_MEDIA_NAME); !stream.empty() && !media.empty())
                f.pipewireStream = stream.append("/").append(media);
            for (const char* key : {PW_KEY_OBJECT_PATH, "api.v4l2.path", PW_KEY_DEVICE_API})
                if (const std::string v = prop(*o, key); !v.empty())
                    f.details.push_back({key, v});
            addTimingDetails(id, f.details);
            topology.filters.push_back(std::move(f));
        }
        // links: a connection each; the buffers they agreed as the output port's allocator
        std::sort(links.begin(), links.end(), [](const Object* a, const Object* b) { return a->id < b->id; });
        std::map<std::string, std::size_t> allocatorOf; // output pin -> index in topology.allocators
        for (const Object* l : links) {
            const pw_link_info& info = *l->linkInfo;
            auto from = pinOfPort.find(info.output_port_id);
            auto to = pinOfPort.find(info.input_port_id);
            if (from == pinOfPort.end() || to == pinOfPort.end())
                continue;
            ConnectionInfo c;
            c.from = from->second;
            c.to = to->second;
            c.flags =
                ConnectionDynamic |
                (info.state != PW_LINK_STATE_ERROR && info.state != PW_LINK_STATE_UNLINKED ? ConnectionEnabled : 0U);
            topology.connections.push_back(c);
            const Object& out = *portById[info.output_port_id];
            const Object& in = *portById[info.input_port_id];
            auto [it, added] = allocatorOf.try_emplace(c.from, topology.allocators.size());
            if (!added) {
                topology.allocators[it->second].pinIds.push_back(c.to);
                continue;
            }
            AllocatorInfo a;
            a.id = c.from + "/allocator";
            a.mode = KsAllocatorMode_User;
            a.pinIds = {c.from, c.to};
            a.readOnlyReason = kReadOnly;
            a.unsampledReason = kUnsampled;
            a.committed = info.state == PW_LINK_STATE_PAUSED || info.state == PW_LINK_STATE_ACTIVE;
            const bool outputDrives = [&] {
                auto node = m_objects.find(out.nodeId);
                return node != m_objects.end() && prop(*node->second, PW_KEY_NODE_DRIVER) == "true";
            }();
            const Negotiated n = negotiateBuffers(out.buffers, in.buffers, outputDrives, kLinkMaxBuffers, kMaxAlign);
            if (n.agreed) {
                a.properties.cBuffers = static_cast<LONG>(n.buffers);
                a.properties.cbBuffer = static_cast<LONG>(n.size);
                a.properties.cbAlign = static_cast<LONG>(n.align);
                a.status.Framing.Frames = n.buffers;
                a.status.Framing.FrameSize = n.size;
                a.status.Framing.FileAlignment = n.align > 0 ? n.align - 1 : 0;
            } else {
                a.readOnlyReason = std::string(kReadOnly) + " (not agreed yet: " + n.reason + ")";
            }
            if (!out.formats.empty())
                if (auto format = readFormat(reinterpret_cast<const spa_pod*>(out.formats.front().data()));
                    format && format->avgTimePerFrame > 0)
                    a.framePeriodSeconds = static_cast<double>(format->avgTimePerFrame) / 1e7;
            if (a.framePeriodSeconds == 0.0)
                if (auto t = m_timings.find(out.nodeId); t != m_timings.end() && t->second.rateDenom > 0)
                    a.framePeriodSeconds = static_cast<double>(t->second.quantum) * t->second.rateNum /
                                           static_cast<double>(t->second.rateDenom);
            topology.allocators.push_back(std::move(a));
        }
        for (FilterInfo& f : topology.filters)
            for (PinInfo& p : f.pins)
                if (auto it = allocatorOf.find(p.id); it != allocatorOf.end())
                    p.allocatorId = topology.allocators[it->second].id;
        for (const AllocatorInfo& a : topology.allocators)
            for (std::size_t i = 1; i < a.pinIds.size(); ++i)
                for (FilterInfo& f : topology.filters)
                    for (PinInfo& p : f.pins)
                        if (p.id == a.pinIds[i])
                            p.allocatorId = a.id;
        return topology;
    }

    std::string m_remote;
    pw_thread_loop* m_loop = nullptr;
    pw_context* m_context = nullptr;
    pw_core* m_core = nullptr;
    pw_registry* m_registry = nullptr;
    spa_hook m_coreListener{};
    spa_hook m_registryListener{};
    int m_doneSeq = -1;
    bool m_lost = false;
    bool m_opened = false;
    std::string m_serverVersion;
    std::map<std::uint32_t, std::unique_ptr<Object>> m_objects;
    /// A client of the daemon, by its registry id: what a node's client.id names.
    struct Client {
        std::string pid;
        std::string application;
    };
    std::map<std::uint32_t, Client> m_clients;
    Object* m_profiler = nullptr;
    std::map<std::uint32_t, Timing> m_timings; // node id -> its last cycle
    GuardedEventSink m_events;
};

} // namespace

} // namespace pipewire

void registerPipewireBackend()
{
    BackendRegistration pw;
    pw.name = pipewire::kBackend;
    pw.description = "a PipeWire daemon's graph: nodes, ports, links, their negotiated buffers and cycle times";
    pw.order = 30;
    pw.openedByDefault = true;
    pw.create = [](const BackendOptions& options) -> std::unique_ptr<Backend> {
        return std::make_unique<pipewire::PwBackend>(options.value(pipewire::kRemoteOption));
    };
    BackendOption remote;
    remote.name = pipewire::kRemoteOption;
    remote.valueName = "NAME";
    remote.help = "the PipeWire daemon to open (the pipewire backend): a socket name in XDG_RUNTIME_DIR or a path "
                  "(default: PIPEWIRE_REMOTE, else pipewire-0)";
    remote.label = "PipeWire daemon";
    remote.selects = true;
    remote.example = "pipewire-0";
    remote.check = [](const std::string& value) {
        return value.empty() ? Status(E_INVALIDARG, "expected a socket name or path") : Status::ok();
    };
    pw.options = {std::move(remote)};
    BackendRegistry::add(std::move(pw));
}

} // namespace ksscope
