// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The ks backend (Windows): KS filters found through SetupDi and DirectShow, their pin factories read with
// IOCTL_KS_PROPERTY, and the allocators of connected ksproxy pins through IKsPin::KsPeekAllocator.

#include "ksscope/backend.h"

#include <memory>

namespace ksscope::ks {

/// Null where this build has no ks backend (not Windows).
std::unique_ptr<Backend> createKsBackend(const BackendOptions& options);

} // namespace ksscope::ks
