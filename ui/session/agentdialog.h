// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sessioncontroller.h"

#include <optional>

class QWidget;

namespace ksscope::ui {

/// File > Connect to Agent: asks for the address and the token file of a remote `ksscope-cli serve` (remembering
/// the last ones); nullopt when cancelled.
[[nodiscard]] std::optional<AgentRequest> askForAgent(QWidget* parent);

} // namespace ksscope::ui
