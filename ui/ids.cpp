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

QString allocatorLabel(const Topology& topology, const QString& id)
{
    QString label = withoutBackend(id);
    if (const AllocatorInfo* info = topology.findAllocator(id.toStdString()); info && !info->pinIds.empty()) {
        const std::string& pinId = info->pinIds.front();
        const FilterInfo* filter = topology.findFilter(filterOfPin(pinId));
        const PinInfo* pin = topology.findPin(pinId);
        if (filter && pin)
            label =
                QStringLiteral("%1 %2").arg(QString::fromStdString(filter->name), QString::fromStdString(pin->name));
    }
    if (const QString agent = agentOf(id); !agent.isEmpty())
        label = agent + QLatin1Char(' ') + label; // the remote machine's devices, told apart from local ones
    return label;
}

} // namespace ksscope::ui
