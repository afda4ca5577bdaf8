// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/backend.h"

#include "ksscope/backend_registry.h"

#include <algorithm>
#include <cmath>
#include <numeric>

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

Fraction intervalOf100ns(REFERENCE_TIME time)
{
    // KS keeps a time per frame in 100 ns units, rounded: 333333 is 1/30 s, 333667 is 1001/30000 s (29.97 fps)
    const double fps = 1.0e7 / static_cast<double>(time);
    for (const std::uint32_t scale : {1U, 1001U}) {
        const double whole = std::round(fps * scale / (scale == 1 ? 1.0 : 1000.0));
        if (whole >= 1 && whole <= 100000) {
            const Fraction f = scale == 1 ? Fraction{1, static_cast<std::uint32_t>(whole)}
                                          : Fraction{1001, static_cast<std::uint32_t>(whole) * 1000};
            if (std::llround(f.value() * 1.0e7) == time)
                return f;
        }
    }
    const auto n = static_cast<std::uint64_t>(time);
    const std::uint64_t d = 10'000'000;
    const std::uint64_t g = std::gcd(n, d);
    return {static_cast<std::uint32_t>(n / g), static_cast<std::uint32_t>(d / g)};
}

StreamFormat streamFormatOf(const MediaFormat& format)
{
    StreamFormat f;
    f.space = FormatSpace::KsSubtype;
    f.subtype = format.subtype;
    f.width = format.width;
    f.height = format.height;
    if (format.avgTimePerFrame > 0)
        f.interval = intervalOf100ns(format.avgTimePerFrame);
    f.sizeImage = format.imageSize();
    return f;
}

namespace {

/// The refusal of an edit of \a allocatorId: its own read-only reason, else \a reason.
Status refusal(const AllocatorInfo* allocator, const std::string& allocatorId, const std::string& reason)
{
    return {hresultFromWin32(kErrorAccessDenied),
            allocatorId + ": " +
                (allocator && !allocator->readOnlyReason.empty() ? allocator->readOnlyReason : reason)};
}

} // namespace

PropertyChange Backend::refuseProperties(const std::string& allocatorId, const PropertyRequest& request,
                                         const std::string& reason)
{
    PropertyChange change;
    const Topology t = topology();
    const AllocatorInfo* a = t.findAllocator(allocatorId);
    if (a) {
        change.requested = request.mergedWith(a->properties);
        change.actual = a->properties;
    }
    change.status = refusal(a, allocatorId, reason);
    return change;
}

Status Backend::refuseMode(const std::string& allocatorId, const std::string& reason)
{
    const Topology t = topology();
    return refusal(t.findAllocator(allocatorId), allocatorId, reason);
}

std::vector<PinFormats> Backend::formats()
{
    std::vector<PinFormats> out;
    const Topology t = topology();
    for (const FilterInfo& f : t.filters)
        for (const PinInfo& p : f.pins) {
            PinFormats pf;
            pf.pinId = p.id;
            pf.active = streamFormatOf(p.format);
            pf.readOnlyReason = "backend \"" + name() + "\" cannot change formats";
            out.push_back(std::move(pf));
        }
    return out;
}

std::vector<std::string> BackendFactory::names()
{
    std::vector<std::string> names;
    for (const BackendRegistration& b : BackendRegistry::all())
        names.push_back(b.name);
    return names;
}

std::unique_ptr<Backend> BackendFactory::create(const std::string& name, const BackendOptions& options)
{
    return BackendRegistry::create(name, options);
}

Session::~Session()
{
    close();
}

Status Session::open(const std::vector<std::string>& names, const BackendOptions& options, const EventSink& sink)
{
    for (const std::string& name : names)
        if (!BackendRegistry::has(name))
            return {E_INVALIDARG, "unknown backend \"" + name + "\"; this build has: " + BackendRegistry::names()};
    if (Status status = BackendRegistry::checkSelection(names, options); !status)
        return status;
    // no backend named: those the options ask for (a recording, an agent), else every one opened by default
    const std::vector<std::string> wanted = BackendRegistry::opening(names, options);
    const bool implicit = names.empty() && BackendRegistry::selectedBy(options).empty();
    for (const std::string& name : wanted) {
        if (std::any_of(m_backends.begin(), m_backends.end(), [&](const auto& b) { return b->name() == name; }))
            continue;
        auto backend = BackendFactory::create(name, options);
        if (!backend)
            return {hresultFromWin32(kErrorBadArguments),
                    "backend \"" + name + "\" cannot be created; this build has: " + BackendRegistry::names()};
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
    linkLayers(all);
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

std::string Session::deviceNode(const std::string& allocatorId)
{
    Backend* backend = backendFor(allocatorId);
    return backend ? backend->deviceNode(allocatorId) : std::string();
}

std::vector<PinFormats> Session::formats()
{
    std::vector<PinFormats> out;
    for (const auto& b : m_backends) {
        std::vector<PinFormats> f = b->formats();
        out.insert(out.end(), std::make_move_iterator(f.begin()), std::make_move_iterator(f.end()));
    }
    return out;
}

FormatChange Session::setFormat(const std::string& pinId, const StreamFormat& format, ApplyMode mode)
{
    if (Backend* backend = backendFor(pinId))
        return backend->setFormat(pinId, format, mode);
    FormatChange change;
    change.pinId = pinId;
    change.requested = format;
    change.status = {hresultFromWin32(kErrorNotFound), "no pin \"" + pinId + "\" in the devices open"};
    return change;
}

std::vector<ControlInfo> Session::controls(const std::string& filterId, std::string& error)
{
    if (Backend* backend = backendFor(filterId))
        return backend->controls(filterId, error);
    error = "no filter \"" + filterId + "\" in the devices open";
    return {};
}

ControlChange Session::setControl(const std::string& filterId, const std::string& control, const ControlValue& value)
{
    if (Backend* backend = backendFor(filterId))
        return backend->setControl(filterId, control, value);
    ControlChange change;
    change.filterId = filterId;
    change.requested = value;
    change.status = {hresultFromWin32(kErrorNotFound), "no filter \"" + filterId + "\" in the devices open"};
    return change;
}

ProcessInfo Session::holderProcess(const std::string& allocatorId, std::int32_t holder)
{
    Backend* backend = backendFor(allocatorId);
    return backend ? backend->holderProcess(allocatorId, holder) : ProcessInfo{};
}

} // namespace ksscope
