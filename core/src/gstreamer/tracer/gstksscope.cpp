// SPDX-License-Identifier: GPL-3.0-or-later
// KsScope's GStreamer tracer (GST_TRACERS=ksscope): the traced process's pipelines - elements, pads and links, every
// buffer pool with its configuration and the buffers out of it, queue levels, each pad's pushes - written as one JSON
// line per interval to every KsScope that connects to the process's socket (gst_socket_dir.h). The pipeline's
// threads only count (atomics and a small lock per pool); a thread of the tracer's own reads the pipelines, writes
// the lines and accepts connections. Parameters: GST_TRACERS="ksscope(interval-ms=10)".

#include "../gst_socket_dir.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <gst/gst.h>
#include <gst/gsttracer.h>
#include <mutex>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

using nlohmann::json;

std::int64_t steadyNow()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// What a pad's streaming thread counts; read by the tracer's thread.
struct PadStats {
    std::atomic<std::uint64_t> pushed{0};
    std::atomic<std::int64_t> pts{-1};
    std::atomic<std::int64_t> pushStart{0};
    std::atomic<std::int64_t> pushTotal_ns{0};
    std::atomic<std::int64_t> pushMax_ns{0};
    std::atomic<std::uint64_t> pushes{0}; // finished pushes (for the mean)
    GWeakRef pool{}; // the pool whose buffers this pad was the first to push
    PadStats() { g_weak_ref_init(&pool, nullptr); }
    ~PadStats() { g_weak_ref_clear(&pool); }
    PadStats(const PadStats&) = delete;
    PadStats& operator=(const PadStats&) = delete;
};

/// The buffers of a pool that are out of it: pushed by a pad and not given back (their last reference gone).
struct PoolStats {
    std::mutex mutex;
    std::unordered_set<const GstBuffer*> out;
    std::atomic<bool> claimed{false}; // a pad pushes its buffers first: the pool is shown on that pad
    std::atomic<std::uint64_t> acquired{0}; // buffers seen out, counted once each time
    std::atomic<std::uint64_t> released{0};
};

GQuark padQuark()
{
    static const GQuark q = g_quark_from_static_string("ksscope-pad-stats");
    return q;
}

GQuark poolQuark()
{
    static const GQuark q = g_quark_from_static_string("ksscope-pool-stats");
    return q;
}

PadStats* padStats(GstPad* pad)
{
    auto* s = static_cast<PadStats*>(g_object_get_qdata(G_OBJECT(pad), padQuark()));
    if (!s) {
        s = new PadStats;
        g_object_set_qdata_full(G_OBJECT(pad), padQuark(), s, [](gpointer p) { delete static_cast<PadStats*>(p); });
    }
    return s;
}

PoolStats* poolStats(GstBufferPool* pool)
{
    static std::mutex creating; // pools are shared between threads: one record each
    std::lock_guard lock(creating);
    auto* s = static_cast<PoolStats*>(g_object_get_qdata(G_OBJECT(pool), poolQuark()));
    if (!s) {
        s = new PoolStats;
        g_object_set_qdata_full(G_OBJECT(pool), poolQuark(), s, [](gpointer p) { delete static_cast<PoolStats*>(p); });
    }
    return s;
}

void bufferOut(GstBufferPool* pool, const GstBuffer* buffer)
{
    PoolStats* s = poolStats(pool);
    std::lock_guard lock(s->mutex);
    if (s->out.insert(buffer).second)
        ++s->acquired;
}

void bufferBack(GstBufferPool* pool, const GstBuffer* buffer)
{
    PoolStats* s = poolStats(pool);
    std::lock_guard lock(s->mutex);
    if (s->out.erase(buffer) > 0)
        ++s->released;
}

/// A buffer pushed on \a pad: counted, its pool's buffer out, the pool shown on the first pad that pushes from it.
void pushed(GstPad* pad, GstBuffer* buffer)
{
    PadStats* s = padStats(pad);
    ++s->pushed;
    if (GST_BUFFER_PTS_IS_VALID(buffer))
        s->pts.store(static_cast<std::int64_t>(GST_BUFFER_PTS(buffer)));
    GstBufferPool* pool = buffer->pool;
    if (!pool || GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
        return;
    bufferOut(pool, buffer);
    PoolStats* ps = poolStats(pool);
    if (ps->claimed.load())
        return;
    auto* current = static_cast<GstBufferPool*>(g_weak_ref_get(&s->pool));
    if (current != pool && !ps->claimed.exchange(true))
        g_weak_ref_set(&s->pool, pool);
    if (current)
        gst_object_unref(current);
}

/// The element's place in its pipeline: its and its bins' names, '.' between ("pipeline0.bin0.queue0").
std::string pathOf(GstObject* object)
{
    std::vector<std::string> names;
    for (GstObject* o = object; o; o = GST_OBJECT_PARENT(o))
        names.emplace_back(GST_OBJECT_NAME(o) ? GST_OBJECT_NAME(o) : "?");
    std::string path;
    for (auto it = names.rbegin(); it != names.rend(); ++it)
        path += (path.empty() ? "" : ".") + *it;
    return path;
}

/// The pad a pad's buffers reach, through ghost pads: a bin's sink ghost pad to its target, the inside of a bin's
/// src ghost pad to the ghost pad's peer. A new reference, or null.
GstPad* realPeer(GstPad* pad)
{
    GstPad* peer = gst_pad_get_peer(pad);
    for (int depth = 0; peer && depth < 16; ++depth) {
        if (GST_IS_GHOST_PAD(peer)) {
            GstPad* target = gst_ghost_pad_get_target(GST_GHOST_PAD(peer));
            gst_object_unref(peer);
            peer = target;
            continue;
        }
        if (GST_IS_PROXY_PAD(peer)) {
            GstProxyPad* ghost = gst_proxy_pad_get_internal(GST_PROXY_PAD(peer));
            gst_object_unref(peer);
            peer = nullptr;
            if (ghost) {
                peer = gst_pad_get_peer(GST_PAD(ghost));
                gst_object_unref(ghost);
            }
            continue;
        }
        break;
    }
    return peer;
}

std::string stateName(GstState state)
{
    return gst_element_state_get_name(state);
}

json poolJson(GstBufferPool* pool)
{
    json j{{"name", GST_OBJECT_NAME(pool)}, {"type", G_OBJECT_TYPE_NAME(pool)}};
    GstStructure* config = gst_buffer_pool_get_config(pool);
    GstCaps* caps = nullptr;
    guint size = 0;
    guint min = 0;
    guint max = 0;
    if (config && gst_buffer_pool_config_get_params(config, &caps, &size, &min, &max)) {
        j["size"] = size;
        j["min"] = min;
        j["max"] = max;
    }
    if (config)
        gst_structure_free(config);
    j["active"] = gst_buffer_pool_is_active(pool) != FALSE;
    PoolStats* s = poolStats(pool);
    std::lock_guard lock(s->mutex);
    j["outstanding"] = s->out.size();
    j["acquired"] = s->acquired.load();
    j["released"] = s->released.load();
    return j;
}

json padJson(GstPad* pad)
{
    json j{{"name", GST_OBJECT_NAME(pad)}, {"direction", GST_PAD_DIRECTION(pad) == GST_PAD_SRC ? "out" : "in"}};
    if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
        gchar* text = gst_caps_to_string(caps);
        j["caps"] = text ? text : "";
        g_free(text);
        gst_caps_unref(caps);
    }
    if (GST_PAD_DIRECTION(pad) == GST_PAD_SRC) {
        if (GstPad* peer = realPeer(pad)) {
            if (GstObject* parent = gst_pad_get_parent(peer)) {
                j["peer"] = pathOf(parent) + ":" + GST_OBJECT_NAME(peer);
                gst_object_unref(parent);
            }
            gst_object_unref(peer);
        }
    }
    if (auto* s = static_cast<PadStats*>(g_object_get_qdata(G_OBJECT(pad), padQuark()))) {
        j["pushed"] = s->pushed.load();
        if (const std::int64_t pts = s->pts.load(); pts >= 0)
            j["pts"] = pts;
        const std::uint64_t n = s->pushes.load();
        if (n > 0) {
            j["push_mean_ns"] = s->pushTotal_ns.load() / static_cast<std::int64_t>(n);
            j["push_max_ns"] = s->pushMax_ns.load();
        }
        if (auto* pool = static_cast<GstBufferPool*>(g_weak_ref_get(&s->pool))) {
            j["pool"] = poolJson(pool);
            gst_object_unref(pool);
        }
    }
    return j;
}

/// What \a add makes of each object \a it gives, as an array; started again when the iterator resyncs (its
/// container changed meanwhile). Frees the iterator.
template <typename Add> json collect(GstIterator* it, Add add)
{
    json out = json::array();
    GValue item = G_VALUE_INIT;
    bool done = false;
    while (!done) {
        switch (gst_iterator_next(it, &item)) {
        case GST_ITERATOR_OK:
            add(G_OBJECT(g_value_get_object(&item)), out);
            g_value_reset(&item);
            break;
        case GST_ITERATOR_RESYNC:
            out = json::array();
            gst_iterator_resync(it);
            break;
        default:
            done = true;
            break;
        }
    }
    g_value_unset(&item);
    gst_iterator_free(it);
    return out;
}

json elementJson(GstElement* element)
{
    json j{{"path", pathOf(GST_OBJECT(element))}, {"name", GST_OBJECT_NAME(element)}};
    GstElementFactory* factory = gst_element_get_factory(element);
    const std::string factoryName = factory ? GST_OBJECT_NAME(factory) : G_OBJECT_TYPE_NAME(element);
    j["factory"] = factoryName;
    if (factory)
        if (const char* klass = gst_element_factory_get_metadata(factory, GST_ELEMENT_METADATA_KLASS))
            j["klass"] = klass;
    GST_OBJECT_LOCK(element);
    const GstState state = GST_STATE(element);
    GST_OBJECT_UNLOCK(element);
    j["state"] = stateName(state);
    GObjectClass* klass = G_OBJECT_GET_CLASS(element);
    if (GParamSpec* device = g_object_class_find_property(klass, "device");
        device && device->value_type == G_TYPE_STRING && factoryName.rfind("v4l2", 0) == 0) {
        gchar* node = nullptr;
        g_object_get(element, "device", &node, nullptr);
        if (node)
            j["device"] = node;
        g_free(node);
    }
    // a pipewiresrc or pipewiresink makes a PipeWire stream whose media.name is its client-name, unless its
    // stream-properties name it
    if (GParamSpec* client = g_object_class_find_property(klass, "client-name");
        client && client->value_type == G_TYPE_STRING && factoryName.rfind("pipewire", 0) == 0) {
        gchar* name = nullptr;
        g_object_get(element, "client-name", &name, nullptr);
        std::string stream = name ? name : "";
        g_free(name);
        if (GParamSpec* props = g_object_class_find_property(klass, "stream-properties");
            props && props->value_type == GST_TYPE_STRUCTURE) {
            GstStructure* structure = nullptr;
            g_object_get(element, "stream-properties", &structure, nullptr);
            if (structure) {
                if (const gchar* media = gst_structure_get_string(structure, "media.name"))
                    stream = media;
                gst_structure_free(structure);
            }
        }
        if (!stream.empty())
            j["pipewire_stream"] = stream;
    }
    if (g_object_class_find_property(klass, "current-level-buffers") &&
        g_object_class_find_property(klass, "max-size-buffers")) {
        guint level = 0;
        guint max = 0;
        guint bytes = 0;
        guint64 time = 0;
        g_object_get(element, "current-level-buffers", &level, "max-size-buffers", &max, "current-level-bytes", &bytes,
                     "current-level-time", &time, nullptr);
        j["queue"] = {{"buffers", level}, {"max_buffers", max}, {"bytes", bytes}, {"time_ns", time}};
    }
    json pads = collect(gst_element_iterate_pads(element),
                        [](GObject* pad, json& out) { out.push_back(padJson(GST_PAD(pad))); });
    j["pads"] = std::move(pads);
    return j;
}

/// Every element of the pipeline that is not a bin itself.
json pipelineJson(GstElement* pipeline)
{
    json elements = collect(gst_bin_iterate_recurse(GST_BIN(pipeline)), [](GObject* object, json& out) {
        if (!GST_IS_BIN(object))
            out.push_back(elementJson(GST_ELEMENT(object)));
    });
    GST_OBJECT_LOCK(pipeline);
    const GstState state = GST_STATE(pipeline);
    GST_OBJECT_UNLOCK(pipeline);
    return {{"name", GST_OBJECT_NAME(pipeline)}, {"state", stateName(state)}, {"elements", std::move(elements)}};
}

/// The tracer's own thread: the socket, the clients, a line per interval.
class Reporter {
public:
    explicit Reporter(int intervalMs) : m_interval(intervalMs) { }
    Reporter(const Reporter&) = delete;
    Reporter& operator=(const Reporter&) = delete;
    ~Reporter() { stop(); }

    bool start()
    {
        const std::string dir = ksscope::gst::socketDir();
        ::mkdir(dir.c_str(), 0700);
        m_path = dir + "/" + ksscope::gst::kSocketPrefix + std::to_string(getpid()) + ksscope::gst::kSocketSuffix;
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        if (m_path.size() >= sizeof address.sun_path) {
            g_warning("ksscope tracer: socket path too long: %s", m_path.c_str());
            return false;
        }
        std::memcpy(address.sun_path, m_path.c_str(), m_path.size() + 1);
        m_listen = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        ::unlink(m_path.c_str());
        if (m_listen < 0 || ::bind(m_listen, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 ||
            ::listen(m_listen, 8) < 0) {
            g_warning("ksscope tracer: cannot listen on %s: %s", m_path.c_str(), g_strerror(errno));
            return false;
        }
        m_thread = std::thread([this] { run(); });
        return true;
    }

    void stop()
    {
        m_stop = true;
        if (m_thread.joinable())
            m_thread.join();
        for (const int fd : m_clients)
            ::close(fd);
        m_clients.clear();
        if (m_listen >= 0) {
            ::close(m_listen);
            ::unlink(m_path.c_str());
        }
        m_listen = -1;
    }

    void addPipeline(GstElement* pipeline)
    {
        std::lock_guard lock(m_mutex);
        auto* ref = new GWeakRef;
        g_weak_ref_init(ref, pipeline);
        m_pipelines.push_back(ref);
    }

private:
    void run()
    {
        while (!m_stop) {
            pollfd p{m_listen, POLLIN, 0};
            if (::poll(&p, 1, m_interval) > 0 && (p.revents & POLLIN)) {
                const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd >= 0)
                    m_clients.push_back(fd);
            }
            if (m_clients.empty())
                continue;
            // names are the application's (a program's file name, an element's name): text that is not UTF-8 is
            // replaced, never thrown on in the traced program
            const std::string line = snapshot().dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
            for (auto it = m_clients.begin(); it != m_clients.end();) {
                // a client that does not keep up is let go (it connects again): the pipeline never waits for it
                const ssize_t sent = ::send(*it, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (sent != static_cast<ssize_t>(line.size())) {
                    ::close(*it);
                    it = m_clients.erase(it);
                } else {
                    ++it;
                }
            }
        }
    }

    json snapshot()
    {
        json pipelines = json::array();
        std::lock_guard lock(m_mutex);
        for (auto it = m_pipelines.begin(); it != m_pipelines.end();) {
            auto* pipeline = static_cast<GstElement*>(g_weak_ref_get(*it));
            if (!pipeline) { // gone
                g_weak_ref_clear(*it);
                delete *it;
                it = m_pipelines.erase(it);
                continue;
            }
            pipelines.push_back(pipelineJson(pipeline));
            gst_object_unref(pipeline);
            ++it;
        }
        const char* program = g_get_prgname();
        gchar* version = gst_version_string();
        json line{{"t_ns", steadyNow()},
                  {"pid", getpid()},
                  {"program", program ? program : "?"},
                  {"gstreamer", version ? version : ""},
                  {"pipelines", std::move(pipelines)}};
        g_free(version);
        return line;
    }

    int m_interval;
    std::string m_path;
    int m_listen = -1;
    std::vector<int> m_clients; // the thread's own
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
    std::mutex m_mutex;
    std::vector<GWeakRef*> m_pipelines;
};

} // namespace

extern "C" {

struct KsScopeTracer {
    GstTracer parent;
    Reporter* reporter;
};

struct KsScopeTracerClass {
    GstTracerClass parent_class;
};

G_DEFINE_TYPE(KsScopeTracer, ksscope_tracer, GST_TYPE_TRACER)

static void onPushPre(GObject* self, GstClockTime ts, GstPad* pad, GstBuffer* buffer)
{
    (void)self;
    (void)ts;
    pushed(pad, buffer);
    padStats(pad)->pushStart.store(steadyNow());
}

static void onPushListPre(GObject* self, GstClockTime ts, GstPad* pad, GstBufferList* list)
{
    (void)self;
    (void)ts;
    const guint n = gst_buffer_list_length(list);
    for (guint i = 0; i < n; ++i)
        pushed(pad, gst_buffer_list_get(list, i));
    padStats(pad)->pushStart.store(steadyNow());
}

static void onPushPost(GObject* self, GstClockTime ts, GstPad* pad, GstFlowReturn result)
{
    (void)self;
    (void)ts;
    (void)result;
    PadStats* s = padStats(pad);
    const std::int64_t start = s->pushStart.load();
    if (start <= 0)
        return;
    const std::int64_t took = steadyNow() - start;
    s->pushTotal_ns += took;
    ++s->pushes;
    std::int64_t max = s->pushMax_ns.load();
    while (took > max && !s->pushMax_ns.compare_exchange_weak(max, took)) { }
}

/// A buffer whose last reference goes: one of a pool's goes back to it (GStreamer 1.22 has no pool hooks).
static void onUnreffed(GObject* self, GstClockTime ts, GstMiniObject* object, gint refcount)
{
    (void)self;
    (void)ts;
    if (refcount != 0 || GST_MINI_OBJECT_TYPE(object) != GST_TYPE_BUFFER)
        return;
    auto* buffer = reinterpret_cast<GstBuffer*>(object);
    if (buffer->pool)
        bufferBack(buffer->pool, buffer);
}

static void onElementNew(GObject* self, GstClockTime ts, GstElement* element)
{
    (void)ts;
    if (GST_IS_PIPELINE(element))
        reinterpret_cast<KsScopeTracer*>(self)->reporter->addPipeline(element);
}

static void ksscope_tracer_finalize(GObject* object)
{
    auto* self = reinterpret_cast<KsScopeTracer*>(object);
    delete self->reporter;
    self->reporter = nullptr;
    G_OBJECT_CLASS(ksscope_tracer_parent_class)->finalize(object);
}

static void ksscope_tracer_constructed(GObject* object)
{
    auto* self = reinterpret_cast<KsScopeTracer*>(object);
    int interval = 10;
    gchar* params = nullptr;
    g_object_get(object, "params", &params, nullptr);
    if (params) {
        const std::string text = std::string("ksscope,") + params;
        if (GstStructure* s = gst_structure_from_string(text.c_str(), nullptr)) {
            gint value = 0;
            if (gst_structure_get_int(s, "interval-ms", &value) && value >= 1 && value <= 10000)
                interval = value;
            gst_structure_free(s);
        } else {
            g_warning("ksscope tracer: cannot read its parameters \"%s\" (expected interval-ms=N)", params);
        }
        g_free(params);
    }
    self->reporter = new Reporter(interval);
    // the plugin scanner loads plugins and ends: nothing to trace there
    if (g_strcmp0(g_get_prgname(), "gst-plugin-scanner") != 0 && self->reporter->start()) {
        GstTracer* tracer = GST_TRACER(object);
        gst_tracing_register_hook(tracer, "pad-push-pre", G_CALLBACK(onPushPre));
        gst_tracing_register_hook(tracer, "pad-push-list-pre", G_CALLBACK(onPushListPre));
        gst_tracing_register_hook(tracer, "pad-push-post", G_CALLBACK(onPushPost));
        gst_tracing_register_hook(tracer, "pad-push-list-post", G_CALLBACK(onPushPost));
        gst_tracing_register_hook(tracer, "mini-object-unreffed", G_CALLBACK(onUnreffed));
        gst_tracing_register_hook(tracer, "element-new", G_CALLBACK(onElementNew));
    }
    G_OBJECT_CLASS(ksscope_tracer_parent_class)->constructed(object);
}

static void ksscope_tracer_class_init(KsScopeTracerClass* klass)
{
    GObjectClass* object = G_OBJECT_CLASS(klass);
    object->constructed = ksscope_tracer_constructed;
    object->finalize = ksscope_tracer_finalize;
}

static void ksscope_tracer_init(KsScopeTracer* self)
{
    self->reporter = nullptr;
}

static gboolean pluginInit(GstPlugin* plugin)
{
    return gst_tracer_register(plugin, "ksscope", ksscope_tracer_get_type());
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, ksscope,
                  "KsScope's tracer: pipelines, buffer pools and queue levels for KsScope to show", pluginInit,
                  KSSCOPE_VERSION, "GPL", "KsScope", "KsScope")

} // extern "C"
