// SPDX-License-Identifier: GPL-3.0-or-later
#include "ids.h"

#include "ksscope/device_id.h"

namespace ksscope::ui {

QString agentOf(const QString& id)
{
    const auto parsed = DeviceId::parse(id.toStdString());
    return parsed ? QString::fromStdString(std::string(parsed->address())) : QString();
}

QString withoutBackend(const QString& id)
{
    const auto parsed = DeviceId::parse(id.toStdString());
    return parsed ? QString::fromStdString(std::string(parsed->localPath())) : QString();
}

} // namespace ksscope::ui
