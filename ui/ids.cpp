// SPDX-License-Identifier: GPL-3.0-or-later
#include "ids.h"

namespace ksscope::ui {

namespace {

/// The length of "agent@HOST:PORT:" at the start of \a id (0 when it does not start so).
qsizetype agentPrefixLength(const QString& id)
{
    static const QString kAgent = QStringLiteral("agent@");
    if (!id.startsWith(kAgent))
        return 0;
    qsizetype hostEnd = kAgent.size();
    if (id.size() > hostEnd && id.at(hostEnd) == QLatin1Char('[')) { // [IPv6]
        hostEnd = id.indexOf(QLatin1Char(']'), hostEnd);
        if (hostEnd < 0)
            return 0;
        ++hostEnd;
    } else {
        hostEnd = id.indexOf(QLatin1Char(':'), hostEnd);
    }
    if (hostEnd < 0 || hostEnd >= id.size() || id.at(hostEnd) != QLatin1Char(':'))
        return 0;
    const qsizetype portEnd = id.indexOf(QLatin1Char(':'), hostEnd + 1);
    return portEnd < 0 ? 0 : portEnd + 1;
}

} // namespace

QString agentOf(const QString& id)
{
    const qsizetype length = agentPrefixLength(id);
    return length == 0 ? QString() : id.mid(6, length - 7);
}

QString withoutBackend(const QString& id)
{
    return id.mid(agentPrefixLength(id)).section(QLatin1Char(':'), 1);
}

} // namespace ksscope::ui
