// SPDX-License-Identifier: GPL-3.0-or-later
// What the report's HTML and the drawings' SVG share.
#pragma once

#include <string>
#include <string_view>

namespace ksscope {

/// \a text with &, <, > and " escaped, for HTML or SVG text and attribute values.
[[nodiscard]] std::string escapeMarkup(std::string_view text);

} // namespace ksscope
