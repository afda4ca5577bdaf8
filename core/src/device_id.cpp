// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/device_id.h"

#include <algorithm>

namespace ksscope {

namespace {

/// Where the backend part of \a text ends (the ':' after it), npos when there is none. After '@' the name holds an
/// address: "HOST:PORT" or "[IPv6]:PORT", whose own ':' belong to it.
std::size_t backendEnd(std::string_view text)
{
    const auto at = text.find('@');
    const auto colon = text.find(':');
    if (at == std::string_view::npos || (colon != std::string_view::npos && colon < at))
        return colon;
    std::size_t host = at + 1;
    if (host < text.size() && text[host] == '[') {
        host = text.find(']', host);
        if (host == std::string_view::npos)
            return std::string_view::npos;
        ++host;
    } else {
        host = text.find(':', host);
    }
    if (host == std::string_view::npos || host >= text.size() || text[host] != ':')
        return std::string_view::npos;
    return text.find(':', host + 1); // the one after the port
}

} // namespace

std::optional<DeviceId> DeviceId::parse(std::string_view text)
{
    const std::size_t end = backendEnd(text);
    if (end == std::string_view::npos || end == 0 || end + 1 >= text.size())
        return std::nullopt;
    DeviceId id;
    id.m_backend = std::string(text.substr(0, end));
    id.m_path = std::string(text.substr(end + 1));
    return id;
}

std::string DeviceId::format(std::string_view backend, std::string_view path)
{
    std::string out;
    out.reserve(backend.size() + 1 + path.size());
    out.append(backend).append(1, ':').append(path);
    return out;
}

std::string_view DeviceId::address() const
{
    const auto at = m_backend.find('@');
    return at == std::string::npos ? std::string_view() : std::string_view(m_backend).substr(at + 1);
}

std::string_view DeviceId::localPath() const
{
    std::string_view path = m_path;
    if (address().empty())
        return path;
    // a relayed id: the remote one, itself "BACKEND:PATH" (and perhaps relayed again)
    while (true) {
        const std::size_t end = backendEnd(path);
        if (end == std::string_view::npos || end == 0 || end + 1 >= path.size())
            return path;
        const bool relayed = path.substr(0, end).find('@') != std::string_view::npos;
        path = path.substr(end + 1);
        if (!relayed)
            return path;
    }
}

std::string_view backendOf(std::string_view id)
{
    const std::size_t end = backendEnd(id);
    return end == std::string_view::npos ? std::string_view() : id.substr(0, end);
}

std::string_view filterOfPin(std::string_view pinId)
{
    return pinId.substr(0, pinId.rfind('/'));
}

bool isWithin(std::string_view id, std::string_view ancestor)
{
    if (ancestor.empty() || id.size() < ancestor.size() || id.compare(0, ancestor.size(), ancestor) != 0)
        return false;
    return id.size() == ancestor.size() || id[ancestor.size()] == '/';
}

std::vector<std::string> allocatorsOf(const Topology& topology, std::string_view id)
{
    std::vector<std::string> out;
    const auto add = [&out](const std::string& allocatorId) {
        if (!allocatorId.empty() && std::find(out.begin(), out.end(), allocatorId) == out.end())
            out.push_back(allocatorId);
    };
    if (topology.findAllocator(id)) {
        add(std::string(id));
    } else if (const PinInfo* pin = topology.findPin(id)) {
        add(pin->allocatorId);
    } else if (const FilterInfo* filter = topology.findFilter(id)) {
        for (const PinInfo& p : filter->pins)
            add(p.allocatorId);
        for (const AllocatorInfo& a : topology.allocators)
            if (std::any_of(a.pinIds.begin(), a.pinIds.end(),
                            [&](const std::string& p) { return filterOfPin(p) == id; }))
                add(a.id);
    }
    return out;
}

} // namespace ksscope
