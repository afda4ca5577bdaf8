// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// What the hostile-input suites share.

namespace test {

/// Whether this build runs under a sanitizer, whose runtime reserves more address space than a `ulimit -v` allows.
inline bool sanitized()
{
#if defined(KSSCOPE_SANITIZED)
    return true;
#else
    return false;
#endif
}

} // namespace test
