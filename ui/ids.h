// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/// \file ids.h
/// Short forms of device ids for labels: without the backend ("avshws/pin0/allocator"), the remote agent an id
/// belongs to ("127.0.0.1:9464" of "agent@127.0.0.1:9464:sim:avshws/pin0/allocator"), an allocator's label.

#include "ksscope/model.h"

#include <QString>

namespace ksscope::ui {

/// The agent ("HOST:PORT") of an id of the agent backend, empty for local ids.
[[nodiscard]] QString agentOf(const QString& id);
/// The id without its backend name(s): "avshws/pin0/allocator" for both "sim:avshws/pin0/allocator" and
/// "agent@127.0.0.1:9464:sim:avshws/pin0/allocator".
[[nodiscard]] QString withoutBackend(const QString& id);
/// How graphs and lanes name an allocator: its filter and pin ("Camera out"), else its id without the backend;
/// a remote agent's allocators start with the agent ("127.0.0.1:9464 Camera out").
[[nodiscard]] QString allocatorLabel(const Topology& topology, const QString& id);

} // namespace ksscope::ui
