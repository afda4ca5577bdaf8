// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file number_text.h
/// Numbers appended as text for the agent's documents (metrics and stream messages): the shortest form that
/// reads back to the same value, without locale and without allocation of its own.

#include <array>
#include <charconv>
#include <string>

namespace ksscope::agent {

/// Appends an integer, or a finite floating-point value (NaN and infinities are the caller's to spell).
template <typename T> void appendNumber(std::string& out, T value)
{
    std::array<char, 32> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), result.ptr);
}

} // namespace ksscope::agent
