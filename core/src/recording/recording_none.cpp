// SPDX-License-Identifier: GPL-3.0-or-later
// Builds without SQLite (the Windows cross build): recording and replay are refused with a message.
#include "ksscope/recording.h"

namespace ksscope {

namespace {
Status unsupported(const std::string& path)
{
    return {hresultFromWin32(kErrorNotSupported),
            "cannot use recording " + path + ": this build of KsScope has no recording support (built without SQLite)"};
}
} // namespace

bool recordingSupported()
{
    return false;
}

struct Recorder::Db { };
struct Recording::Db { };

Recorder::Recorder(Options options) : m_options(std::move(options)) { }
Recorder::~Recorder() = default;

std::unique_ptr<Recorder> Recorder::create(const Options& options, const Topology&, Status& status)
{
    status = unsupported(options.path);
    return nullptr;
}

void Recorder::add(const SampleBatch&, const std::vector<std::string>&) { }
void Recorder::addTopology(std::int64_t, const Topology&, const std::string&) { }
void Recorder::addEdit(RecordedEdit) { }
Status Recorder::finish(std::int64_t)
{
    return unsupported(m_options.path);
}
Status Recorder::status() const
{
    return unsupported(m_options.path);
}
RecorderStats Recorder::stats() const
{
    return {};
}

Recording::Recording() = default;
Recording::~Recording() = default;

std::unique_ptr<Recording> Recording::open(const std::string& path, Status& status)
{
    status = unsupported(path);
    return nullptr;
}
Status Recording::topologies(std::vector<TopologySnapshot>&)
{
    return unsupported(m_info.path);
}
Status Recording::samples(std::int64_t, std::int64_t, const std::function<bool(const SampleRecord&)>&)
{
    return unsupported(m_info.path);
}
Status Recording::events(std::int64_t, std::int64_t, std::vector<MonitorEvent>&)
{
    return unsupported(m_info.path);
}
Status Recording::frames(std::int64_t, std::int64_t, std::vector<RecordedFrame>&)
{
    return unsupported(m_info.path);
}
Status Recording::droppedFrames(std::int64_t, std::int64_t, std::vector<DroppedFrames>&)
{
    return unsupported(m_info.path);
}
Status Recording::bufferChanges(std::uint32_t, std::int64_t, std::int64_t, std::vector<BufferChange>&)
{
    return unsupported(m_info.path);
}
Status Recording::edits(std::vector<RecordedEdit>&)
{
    return unsupported(m_info.path);
}
Status Recording::processes(std::map<std::int32_t, std::string>&)
{
    return unsupported(m_info.path);
}
Status Recording::sampleCount(std::uint64_t&)
{
    return unsupported(m_info.path);
}

} // namespace ksscope
