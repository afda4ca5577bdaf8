// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file holders.h
/// Who can hold a device's buffers besides the thread that dequeued each one: the processes that have its node
/// open, and the processes that hold dma-bufs its buffers were exported as (VIDIOC_EXPBUF), with the devices those
/// are attached to where the kernel's dma_buf bufinfo can be read. Linux reads /proc/PID/fd and /proc/PID/fdinfo
/// (all processes as root or with CAP_SYS_PTRACE, one's own otherwise); elsewhere nothing is found.

#include "ksscope/frames.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ksscope {

/// A process with a device node open.
struct NodeOpener {
    ProcessInfo process;
    std::uint32_t fds = 0; ///< how many of its descriptors are that node
};

/// A dma-buf held by a process.
struct DmabufHolder {
    ProcessInfo process;
    std::uint64_t inode = 0; ///< the dma-buf's inode (the same buffer in every process holding it)
    std::uint64_t size = 0; ///< bytes
    std::string exporter; ///< the exporting driver (videobuf2_vmalloc, videobuf2_dma_contig, ...)
    std::vector<std::string> attached; ///< devices it is attached to (from bufinfo, when it can be read)
};

/// What a look through the processes found for one node.
struct BufferHolders {
    std::vector<NodeOpener> openers; ///< other processes with the node open, by pid
    /// Other processes' dma-bufs exported by videobuf2 (any V4L2 device's: the kernel tells no buffer index or node
    /// of an exported buffer) - those of \a bufferSize bytes when it was given - by pid then inode.
    std::vector<DmabufHolder> dmabufs;
    std::uint32_t unreadable = 0; ///< processes whose descriptors could not be read (permission)
    bool bufinfoRead = false; ///< whether the kernel's dma_buf bufinfo was readable (attachments known)
};

/// Looks through every process for \a node (a character device; links and other names of it count) and for
/// dma-bufs exported by videobuf2 of \a bufferSize bytes (0: any size). KsScope's own process is left out.
[[nodiscard]] BufferHolders findBufferHolders(const std::string& node, std::uint64_t bufferSize = 0);

/// "v4l2-ctl (1234), qv4l2 (99)".
[[nodiscard]] std::string describeOpeners(const std::vector<NodeOpener>& openers);

} // namespace ksscope
