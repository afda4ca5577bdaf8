// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/backend.h"

#include "ks/ks_backend.h"
#include "ksscope/agent.h"
#include "ksscope/recording.h"
#include "replay/replay_backend.h"
#include "sim/sim_backend.h"
#include "v4l2/v4l2_backend.h"

#include <algorithm>

namespace ksscope {

ALLOCATOR_PROPERTIES PropertyRequest::mergedWith(const ALLOCATOR_PROPERTIES& current) const
{
    ALLOCATOR_PROPERTIES out = current;
    if (buffers)
        out.cBuffers = *buffers;
    if (bufferSize)
        out.cbBuffer = *bufferSize;
    if (align)
        out.cbAlign = *align;
    if (prefix)
        out.cbPrefix = *prefix;
    return out;
}

std::vector<std::string> BackendFactory::names()
{
    std::vector<std::string> names{"sim"};
    if (v4l2::createV4l2Backend({}))
        names.emplace_back("v4l2");
    if (ks::createKsBackend({}))
        names.emplace_back("ks");
    if (recordingSupported())
        names.emplace_back("replay");
    if (agent::supported())
        names.emplace_back("agent");
    return names;
}

std::unique_ptr<Backend> BackendFactory::create(const std::string& name, const BackendOptions& options)
{
    if (name == "sim")
        return std::make_unique<sim::SimBackend>(options);
    if (name == "v4l2")
        return v4l2::createV4l2Backend(options);
    if (name == "ks")
        return ks::createKsBackend(options);
    if (name == "replay")
        return replay::createReplayBackend(options);
    if (name == "agent")
        return agent::createAgentBackend({options.agentUrl, options.agentToken});
    return nullptr;
}

namespace {

Status unknownBackend(const std::string& name)
{
    std::string known;
    for (const auto& n : BackendFactory::names()) {
        if (!known.empty())
            known += ", ";
        known += n;
    }
    return {E_INVALIDARG, "unknown backend \"" + name + "\"; this build has: " + known};
}

} // namespace

Session::~Session()
{
    close();
}

Status Session::open(const std::vector<std::string>& names, const BackendOptions& options, const EventSink& sink)
{
    const bool implicit = names.empty() && options.recordingPath.empty();
    // a recording given without backends: play it
    const std::vector<std::string> wanted =
        names.empty() ? (implicit ? BackendFactory::names() : std::vector<std::string>{"replay"}) : names;
    for (const std::string& name : wanted) {
        if (std::any_of(m_backends.begin(), m_backends.end(), [&](const auto& b) { return b->name() == name; }))
            continue;
        auto backend = BackendFactory::create(name, options);
        if (!backend)
            return unknownBackend(name);
        const Availability availability = backend->availability();
        if (!availability.available) {
            if (implicit)
                continue;
            return {hresultFromWin32(kErrorNotReady),
                    "backend \"" + name + "\" is not available here: " + availability.reason};
        }
        if (Status status = adopt(std::move(backend), sink); !status)
            return status;
    }
    return Status::ok();
}

Status Session::adopt(std::unique_ptr<Backend> backend, EventSink sink)
{
    if (!backend)
        return {E_POINTER, "no backend"};
    const bool replays = backend->timeline() != nullptr;
    for (const auto& open : m_backends) {
        if (replays || open->timeline())
            return {E_INVALIDARG, "the replay backend plays a recording on its own: open it without \"" +
                                      (replays ? open->name() : backend->name()) + "\""};
    }
    if (sink)
        backend->setEventSink(std::move(sink));
    if (Status status = backend->open(); !status)
        return status;
    m_backends.push_back(std::move(backend));
    return Status::ok();
}

Status Session::start()
{
    for (auto& backend : m_backends)
        if (Status status = backend->start(); !status)
            return status;
    return Status::ok();
}

void Session::close()
{
    for (auto& backend : m_backends)
        backend->close();
}

Topology Session::topology()
{
    Topology all;
    for (auto& backend : m_backends)
        all.append(backend->topology());
    return all;
}

Backend* Session::backendFor(std::string_view id)
{
    for (auto& backend : m_backends)
        if (backend->owns(id))
            return backend.get();
    return nullptr;
}

std::shared_ptr<AllocatorProbe> Session::probe(const std::string& allocatorId)
{
    Backend* backend = backendFor(allocatorId);
    return backend ? backend->probe(allocatorId) : nullptr;
}

} // namespace ksscope
