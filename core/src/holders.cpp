// SPDX-License-Identifier: GPL-3.0-or-later
#include "ksscope/holders.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#if defined(__linux__)
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace ksscope {

namespace {

#if defined(__linux__)

/// The devices each dma-buf (by inode) is attached to, from the kernel's bufinfo; false when it cannot be read.
bool readBufinfo(std::map<std::uint64_t, std::vector<std::string>>& attached)
{
    std::ifstream in("/sys/kernel/debug/dma_buf/bufinfo");
    if (!in)
        return false;
    // per buffer: "size\tflags\tmode\tcount\texp_name\tino\tname", then "\tAttached Devices:", one "\tdevice" each,
    // and "Total N devices attached"
    std::string line;
    std::vector<std::string>* current = nullptr;
    bool inDevices = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] >= '0' && line[0] <= '9') {
            std::istringstream fields(line);
            std::string size;
            std::string flags;
            std::string mode;
            std::string count;
            std::string exporter;
            std::string ino;
            std::getline(fields, size, '\t');
            std::getline(fields, flags, '\t');
            std::getline(fields, mode, '\t');
            std::getline(fields, count, '\t');
            std::getline(fields, exporter, '\t');
            std::getline(fields, ino, '\t');
            current = &attached[std::strtoull(ino.c_str(), nullptr, 10)];
            inDevices = false;
        } else if (current && line.find("Attached Devices:") != std::string::npos) {
            inDevices = true;
        } else if (current && inDevices && !line.empty() && line[0] == '\t') {
            current->push_back(line.substr(line.find_first_not_of('\t')));
        } else {
            inDevices = false;
        }
    }
    return true;
}

std::string processName(const std::string& pid)
{
    std::ifstream comm("/proc/" + pid + "/comm");
    std::string name;
    std::getline(comm, name);
    return name;
}

/// A dma-buf's fdinfo: "exp_name:\tvideobuf2_vmalloc", "size:\t614400", "ino:\t1234" (among others).
bool readDmabufInfo(const std::string& path, DmabufHolder& out)
{
    std::ifstream in(path);
    std::string line;
    bool isDmabuf = false;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        const std::string key = line.substr(0, colon);
        const auto start = line.find_first_not_of(" \t", colon + 1);
        const std::string value = start == std::string::npos ? std::string() : line.substr(start);
        if (key == "exp_name") {
            out.exporter = value;
            isDmabuf = true;
        } else if (key == "size") {
            out.size = std::strtoull(value.c_str(), nullptr, 10);
        } else if (key == "ino") {
            out.inode = std::strtoull(value.c_str(), nullptr, 10);
        }
    }
    return isDmabuf;
}

#endif

} // namespace

BufferHolders findBufferHolders(const std::string& node, std::uint64_t bufferSize)
{
    BufferHolders out;
#if defined(__linux__)
    struct stat target = {};
    if (::stat(node.c_str(), &target) != 0 || !S_ISCHR(target.st_mode))
        return out;
    std::map<std::uint64_t, std::vector<std::string>> attached;
    out.bufinfoRead = readBufinfo(attached);
    const std::string self = std::to_string(::getpid());
    namespace fs = std::filesystem;

    std::error_code ec;
    // (incremented with an error code: a process may end while it is listed)
    for (fs::directory_iterator procs("/proc", ec); !ec && procs != fs::directory_iterator(); procs.increment(ec)) {
        const fs::directory_entry& entry = *procs;
        const std::string pid = entry.path().filename().string();
        if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos || pid == self)
            continue;
        std::error_code fdError;
        fs::directory_iterator fds(entry.path() / "fd", fdError);
        if (fdError) {
            if (fdError == std::errc::permission_denied || fdError == std::errc::operation_not_permitted)
                ++out.unreadable;
            continue; // or gone meanwhile
        }
        NodeOpener opener;
        std::vector<DmabufHolder> held;
        for (; !fdError && fds != fs::directory_iterator(); fds.increment(fdError)) {
            const fs::directory_entry& fd = *fds;
            std::error_code linkError;
            const std::string link = fs::read_symlink(fd.path(), linkError).string();
            if (linkError)
                continue;
            if (link.rfind("/dmabuf:", 0) == 0 || link == "anon_inode:dmabuf") {
                DmabufHolder holder;
                if (readDmabufInfo((entry.path() / "fdinfo" / fd.path().filename()).string(), holder) &&
                    holder.exporter.rfind("videobuf2", 0) == 0 && (bufferSize == 0 || holder.size == bufferSize)) {
                    if (auto it = attached.find(holder.inode); it != attached.end())
                        holder.attached = it->second;
                    held.push_back(std::move(holder));
                }
                continue;
            }
            if (link.rfind("/dev/", 0) != 0)
                continue;
            struct stat st = {};
            if (::stat(fd.path().c_str(), &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == target.st_rdev)
                ++opener.fds;
        }
        if (opener.fds == 0 && held.empty())
            continue;
        const ProcessInfo process{static_cast<std::int32_t>(std::strtol(pid.c_str(), nullptr, 10)), processName(pid)};
        if (opener.fds > 0) {
            opener.process = process;
            out.openers.push_back(std::move(opener));
        }
        // a buffer held through several descriptors is one buffer
        std::sort(held.begin(), held.end(),
                  [](const DmabufHolder& a, const DmabufHolder& b) { return a.inode < b.inode; });
        held.erase(std::unique(held.begin(), held.end(),
                               [](const DmabufHolder& a, const DmabufHolder& b) { return a.inode == b.inode; }),
                   held.end());
        for (DmabufHolder& h : held) {
            h.process = process;
            out.dmabufs.push_back(std::move(h));
        }
    }
    std::sort(out.openers.begin(), out.openers.end(),
              [](const NodeOpener& a, const NodeOpener& b) { return a.process.pid < b.process.pid; });
    std::stable_sort(out.dmabufs.begin(), out.dmabufs.end(),
                     [](const DmabufHolder& a, const DmabufHolder& b) { return a.process.pid < b.process.pid; });
#else
    (void)node;
    (void)bufferSize;
#endif
    return out;
}

std::string describeOpeners(const std::vector<NodeOpener>& openers)
{
    std::string out;
    for (const NodeOpener& o : openers) {
        out += out.empty() ? "" : ", ";
        out +=
            (o.process.name.empty() ? std::string("?") : o.process.name) + " (" + std::to_string(o.process.pid) + ")";
    }
    return out;
}

} // namespace ksscope
