// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Tables behind ksscope/formats.h: names of kernel ABI values, known on every platform.

#include <cstdint>
#include <vector>

namespace ksscope::formats {

struct NamedCode {
    const char* name;
    std::uint32_t code;
};

/// MEDIA_BUS_FMT_* without the prefix, in linux/media-bus-format.h's order.
const std::vector<NamedCode>& mbusCodes();

} // namespace ksscope::formats
