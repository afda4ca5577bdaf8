// SPDX-License-Identifier: GPL-3.0-or-later
#include "probe_source.h"

#include <algorithm>

namespace ksscope {

ProbeSource::ProbeSource(Session& session, std::vector<Sourced> sourced)
    : m_session(session), m_sourced(std::move(sourced))
{
}

void ProbeSource::follow(SampleSink& sink)
{
    // allocators watched since the last tick: their probes, when their backend has no source of its own
    while (m_polled.size() < sink.watchedCount()) {
        const std::string& id = sink.watchedId(m_polled.size());
        Polled polled;
        const Backend* backend = m_session.backendFor(id);
        const auto own = std::find_if(m_sourced.begin(), m_sourced.end(),
                                      [backend](const Sourced& s) { return s.backend == backend; });
        polled.mine = !backend || own == m_sourced.end() || !own->source->covers(m_polled.size(), sink);
        if (polled.mine)
            polled.probe = m_session.probe(id);
        m_polled.push_back(std::move(polled));
    }
}

void ProbeSource::tick(std::int64_t t_ns, bool paused, SampleSink& sink)
{
    if (paused)
        return;
    follow(sink);
    AllocatorReading reading;
    for (std::size_t index = 0; index < m_polled.size(); ++index) {
        Polled& p = m_polled[index];
        if (!p.probe || sink.watchedGone(index))
            continue;
        const std::string& id = sink.watchedId(index);
        const HRESULT hr = p.probe->read(reading);
        if (FAILED(hr)) {
            if (hr == hresultFromWin32(kErrorDeviceRemoved) || hr == hresultFromErrno(19 /* ENODEV */)) {
                sink.event({t_ns, EventKind::Removed, id, "allocator " + id + " is gone: " + hresultMessage(hr)});
            } else if (hr != p.lastError) {
                sink.event({t_ns, EventKind::Error, id,
                            "reading " + id + " failed: " + hresultName(hr) + ": " + hresultMessage(hr)});
            }
            p.lastError = hr;
            continue;
        }
        p.lastError = S_OK;
        m_taken.clear();
        if (!p.probe->takeReadings(m_taken)) {
            sink.reading(index, t_ns, reading, true);
            p.last_ns = t_ns;
            continue;
        }
        // readings taken elsewhere, at their times: after what this allocator and the last tick had, up to now
        const std::int64_t origin = sink.steadyOrigin_ns();
        for (std::size_t k = 0; k < m_taken.size(); ++k) {
            const AllocatorProbe::TakenReading& taken = m_taken[k];
            // of what was taken before the monitor started, only the last counts: the state it starts from (the
            // earlier ones, squeezed onto its start, would count their frames in no time at all)
            if (k + 1 < m_taken.size() && m_taken[k + 1].steady_ns <= origin)
                continue;
            const std::int64_t lowest = std::max(p.last_ns, m_lastTick_ns) + 1;
            const std::int64_t at = std::min(std::max(taken.steady_ns - origin, lowest), t_ns);
            sink.reading(index, at, taken.reading, true);
            p.last_ns = at;
        }
    }
    m_lastTick_ns = t_ns;
    recordBuffers(t_ns, sink);
    trackLane(t_ns, sink);
}

void ProbeSource::recordBuffers(std::int64_t t_ns, SampleSink& sink)
{
    const bool on = sink.buffersWanted();
    const bool restarted = on && !m_recordingBuffers;
    m_recordingBuffers = on;
    if (!on)
        return;
    for (std::size_t index = 0; index < m_polled.size(); ++index) {
        Polled& p = m_polled[index];
        if (!p.probe || sink.watchedGone(index))
            continue;
        std::vector<BufferState> states = p.probe->bufferStates();
        const bool all = restarted || states.size() != p.buffers.size();
        for (std::size_t i = 0; i < states.size(); ++i)
            if (all || states[i] != p.buffers[i])
                sink.bufferChange({t_ns, static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(i), states[i]});
        p.buffers = std::move(states);
    }
}

void ProbeSource::trackLane(std::int64_t t_ns, SampleSink& sink)
{
    const std::size_t wanted = sink.laneWanted();
    if (wanted < m_polled.size() && !m_polled[wanted].mine)
        return; // another source's allocator: its lane is that source's
    const bool changed = wanted != m_laneTracked;
    m_laneTracked = wanted;
    if (changed)
        m_laneStates.clear();
    LaneUpdate lane;
    if (wanted >= m_polled.size()) {
        lane.reset = changed;
        sink.lane(std::move(lane));
        return;
    }
    lane.allocator = wanted;
    if (sink.watchedGone(wanted) || !m_polled[wanted].probe) {
        lane.reset = changed;
        sink.lane(std::move(lane));
        return;
    }
    const std::vector<BufferState> states = m_polled[wanted].probe->bufferStates();
    lane.supported = !states.empty();
    const bool all = changed || states.size() != m_laneStates.size();
    lane.reset = all;
    for (std::size_t i = 0; i < states.size(); ++i)
        if (all || states[i] != m_laneStates[i])
            lane.states.push_back({t_ns, 0, static_cast<std::uint32_t>(i), states[i]});
    m_laneStates = states;
    sink.lane(std::move(lane));
}

} // namespace ksscope
