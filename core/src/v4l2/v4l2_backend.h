// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The v4l2 backend: Media Controller graphs and V4L2 video nodes as filters, pins and allocators.

#include "ksscope/backend.h"

#include <memory>

namespace ksscope::v4l2 {

/// Null where this build has no V4L2 support.
std::unique_ptr<Backend> createV4l2Backend(const BackendOptions& options);

} // namespace ksscope::v4l2
