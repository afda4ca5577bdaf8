// SPDX-License-Identifier: GPL-3.0-or-later
// Builds without V4L2 support (not Linux, or KSSCOPE_WITH_V4L2=OFF).
#include "v4l2_backend.h"

namespace ksscope::v4l2 {

std::unique_ptr<Backend> createV4l2Backend(const BackendOptions&)
{
    return nullptr;
}

} // namespace ksscope::v4l2
