// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: Recording::open on arbitrary bytes, and when it opens, everything read back. Every
// problem must come back as a Status: no crash, leak, undefined behaviour or hang.

#include "ksscope/recording.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <unistd.h>
#include <vector>

using namespace ksscope;

namespace {

/// A folder of this process's own for the file under test (libFuzzer runs jobs in parallel), removed at exit.
struct ScratchFolder {
    std::string path;
    ScratchFolder()
    {
        const char* tmp = std::getenv("TMPDIR");
        path = std::string(tmp && *tmp ? tmp : "/tmp") + "/ksscope-fuzz-recording-XXXXXX";
        if (!mkdtemp(path.data())) {
            std::perror("fuzz_recording: mkdtemp");
            std::abort();
        }
    }
    ~ScratchFolder()
    {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    ScratchFolder(const ScratchFolder&) = delete;
    ScratchFolder& operator=(const ScratchFolder&) = delete;
};

void removeFiles(const std::string& path)
{
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        std::filesystem::remove(path + suffix, ec);
}

void readEverything(Recording& recording)
{
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    std::vector<TopologySnapshot> topologies;
    (void)recording.topologies(topologies);
    std::uint64_t visited = 0;
    (void)recording.samples(kMin, kMax, [&](const SampleRecord& r) {
        visited += r.sample.allocated;
        return true;
    });
    // a visitor that stops early leaves the statement ready for the next read
    (void)recording.samples(kMin, kMax, [](const SampleRecord&) { return false; });
    std::vector<MonitorEvent> events;
    (void)recording.events(kMin, kMax, events);
    std::vector<BufferChange> changes;
    (void)recording.bufferChanges(Recording::kAllAllocators, kMin, kMax, changes);
    const std::size_t allocators = recording.info().allocatorIds.size();
    for (std::size_t i = 0; i < allocators && i < 256; ++i) {
        changes.clear();
        (void)recording.bufferChanges(static_cast<std::uint32_t>(i), kMin, kMax, changes);
    }
    changes.clear();
    (void)recording.bufferChanges(static_cast<std::uint32_t>(allocators), kMin, kMax, changes);
    std::vector<RecordedEdit> edits;
    (void)recording.edits(edits);
    std::uint64_t count = 0;
    (void)recording.sampleCount(count);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const ScratchFolder scratch;
    static const std::string path = scratch.path + "/input.ksrec";
    removeFiles(path);
    if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
        const bool written = size == 0 || std::fwrite(data, 1, size, f) == size;
        std::fclose(f);
        if (!written)
            std::abort();
    } else {
        std::abort();
    }
    {
        Status status;
        std::unique_ptr<Recording> recording = Recording::open(path, status);
        if (recording) {
            if (!status)
                std::abort(); // opened, yet a failure
            readEverything(*recording);
        } else if (status) {
            std::abort(); // refused without saying why
        }
    }
    removeFiles(path);
    return 0;
}
