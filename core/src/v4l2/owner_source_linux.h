// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file owner_source_linux.h
/// The v4l2 backend's sample source when the kernel's tracepoints cannot be read: the queues KsScope streams itself
/// (owner mode) are followed move by move from the streaming thread's own QBUF and DQBUF calls; the others are left to
/// the monitor to poll.

#include "transition_source.h"
#include "v4l2_stream_linux.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ksscope::v4l2 {

/// The stream KsScope owns for a watched allocator id, or null (another process's queue, or not the backend's).
using OwnedLookup = std::function<std::shared_ptr<OwnedStream>(const std::string& allocatorId)>;

class OwnerSource final : public TransitionSource {
public:
    explicit OwnerSource(OwnedLookup lookup);
    ~OwnerSource() override;
    OwnerSource(const OwnerSource&) = delete;
    OwnerSource& operator=(const OwnerSource&) = delete;

private:
    std::optional<Queue> watch(std::size_t index, const std::string& id, SampleSink& sink) override;
    void unwatch(std::size_t index) override;
    /// A stream that failed (the device went away, a driver error) is reported removed or failed once.
    void check(std::int64_t t_ns, SampleSink& sink) override;
    void collect(std::int64_t t_ns, SampleSink& sink, std::vector<BufferEvent>& out) override;

    OwnedLookup m_lookup;
    std::vector<std::shared_ptr<OwnedStream>> m_streams; // by watched index (null: not followed)
    std::vector<BufferEvent> m_scratch;
};

} // namespace ksscope::v4l2
