// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// JSON parsed with the line of every value, so that validation errors can name file:line.

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <type_traits>

namespace ksscope::detail {

struct LocatedJson { // NOLINT(bugprone-exception-escape): nlohmann::json's moves are noexcept, asserted below
    nlohmann::json root;
    std::map<std::string, int> lines; // "filters[0].pins[1].id" -> 1-based line
    // set when parsing failed
    bool ok = true;
    int errorLine = 0;
    std::string error;
    bool tooDeep = false; ///< the error is the nesting limit, not malformed JSON

    [[nodiscard]] int lineOf(const std::string& path) const
    {
        auto it = lines.find(path);
        return it == lines.end() ? 0 : it->second;
    }
};
static_assert(std::is_nothrow_move_constructible_v<LocatedJson> && std::is_nothrow_move_assignable_v<LocatedJson>);

/// Deeper nesting is refused with the line where it passes this depth.
inline constexpr std::size_t kMaxLocatedJsonDepth = 64;

LocatedJson parseLocatedJson(std::string_view text);

} // namespace ksscope::detail
