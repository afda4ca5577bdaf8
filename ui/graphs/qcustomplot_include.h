// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Include QCustomPlot through this header: its plottables<T>() and items<T>() templates use the foreach
// keyword, which QT_NO_FOREACH removes; they get a range-for instead, and foreach stays unavailable.

#pragma push_macro("foreach")
#undef foreach
// NOLINTNEXTLINE(bugprone-macro-parentheses): a declaration cannot be put in parentheses
#define foreach(declaration, container) for (declaration : (container))
#include <qcustomplot.h>
#pragma pop_macro("foreach")
