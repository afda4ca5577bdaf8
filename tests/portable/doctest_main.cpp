// SPDX-License-Identifier: GPL-3.0-or-later
// doctest's runner, alone in its translation unit: on Windows it includes windows.h, whose names must not
// meet the project's in the test files.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
