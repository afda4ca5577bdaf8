// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The replay backend: a recording presented as the devices it recorded, played back on a clock of its own.

#include "ksscope/backend.h"

#include <memory>

namespace ksscope::replay {

std::unique_ptr<Backend> createReplayBackend(const BackendOptions& options);

} // namespace ksscope::replay
