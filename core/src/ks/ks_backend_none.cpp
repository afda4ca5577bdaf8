// SPDX-License-Identifier: GPL-3.0-or-later
// Builds without the ks backend (not Windows).
#include "ks_backend.h"

namespace ksscope::ks {

std::unique_ptr<Backend> createKsBackend(const BackendOptions&)
{
    return nullptr;
}

} // namespace ksscope::ks
