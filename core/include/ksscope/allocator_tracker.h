// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file allocator_tracker.h
/// The analysis of one allocator's readings over time: statistics, drops, frame rate, starvation episodes
/// and the events they raise. The monitor keeps one per watched allocator; reports run one per allocator
/// over a recording, so both count the same way.

#include "ksscope/samples.h"

#include <string>
#include <vector>

namespace ksscope {

class AllocatorTracker {
public:
    /// \a framePeriod_ns: the producing pin's frame period (starvation is no free frame for two periods);
    /// \a filterId: the filter the allocator belongs to (AllocatorInfo::filterId()), whose removal removes it.
    AllocatorTracker(std::string id, std::string filterId, std::int64_t framePeriod_ns);

    /// Takes one reading at \a t_ns. Events it raises (config, drop, starvation) are appended to \a events
    /// when given; starvation episodes that open ({begin, -1}) or close ({begin, end}) to \a intervals.
    void update(std::int64_t t_ns, const AllocatorReading& reading, std::vector<MonitorEvent>* events,
                std::vector<StarvationInterval>& intervals);
    /// The backend said the allocator was reconfigured: the next framing is the new normal, not an event.
    void rebaseline() { m_rebaseline = true; }
    void markGone()
    {
        m_gone = true;
        m_stats.gone = true;
    }
    /// A device event in its place among the readings: "removed" of this allocator or of its filter marks it gone,
    /// "config" of this allocator rebaselines it. Other events change nothing. Returns true when it marked the
    /// allocator gone (it was not already).
    bool apply(EventKind kind, std::string_view eventId);
    [[nodiscard]] bool gone() const { return m_gone; }
    [[nodiscard]] const std::string& id() const { return m_id; }
    [[nodiscard]] const AllocatorStats& stats() const { return m_stats; }
    [[nodiscard]] std::int64_t framePeriod_ns() const { return m_period_ns; }

private:
    std::string m_id;
    std::string m_filterId;
    std::int64_t m_period_ns;
    bool m_gone = false;
    bool m_first = true;
    bool m_rebaseline = false;
    KSALLOCATOR_FRAMING m_framing;
    KSALLOCATORMODE m_mode = KsAllocatorMode_User;
    std::uint64_t m_dropped = 0;
    std::int64_t m_fullSince_ns = -1;
    bool m_starving = false;
    double m_sumAllocated = 0.0;
    double m_starvedDoneMs = 0.0; // closed starvation episodes
    std::uint64_t m_firstDelivered = 0;
    std::int64_t m_firstDelivered_ns = -1;
    AllocatorStats m_stats;
};

} // namespace ksscope
