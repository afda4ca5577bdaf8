// SPDX-License-Identifier: GPL-3.0-or-later
// Graphviz's dot layout engine for the topology canvas and the reports' topology picture.
#pragma once

#include <mutex>
#include <string>

struct GVC_s; // Graphviz's GVC_t, from <gvc.h>

namespace ksscope::graphviz {

/// Graphviz keeps global state (error handler, attribute prototypes, the context): hold this lock around every use
/// of context() and of the graphs laid out with it, from any library of the program.
std::mutex& mutex();

/// The process's Graphviz context with the dot layout engine, made on first use and kept; nullptr when Graphviz is
/// not usable, with the reason from error(). Call with mutex() held.
GVC_s* context();

/// Why context() returned nullptr; empty otherwise.
const std::string& error();

} // namespace ksscope::graphviz
