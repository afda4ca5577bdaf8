// SPDX-License-Identifier: GPL-3.0-or-later
#include "timeformat.h"

#include <cmath>

namespace ksscope::ui {

QString formatSessionTime(double t_s, TimePrecision precision)
{
    const bool negative = t_s < 0.0;
    const auto total_ms = std::llround(std::fabs(t_s) * 1000.0);
    const auto hours = total_ms / 3'600'000;
    const auto minutes = (total_ms / 60'000) % 60;
    const auto seconds = (total_ms / 1000) % 60;
    const QLatin1Char zero('0');
    QString text = hours > 0 ? QStringLiteral("%1:%2:%3").arg(hours).arg(minutes, 2, 10, zero).arg(seconds, 2, 10, zero)
                             : QStringLiteral("%1:%2").arg(minutes, 2, 10, zero).arg(seconds, 2, 10, zero);
    if (precision == TimePrecision::Milliseconds)
        text += QStringLiteral(".%1").arg(total_ms % 1000, 3, 10, zero);
    return negative ? QLatin1Char('-') + text : text;
}

QString formatDuration(double seconds)
{
    if (seconds < 1.0)
        return QStringLiteral("%1 ms").arg(std::llround(seconds * 1000.0));
    if (seconds < 60.0)
        return QStringLiteral("%1 s").arg(seconds, 0, 'f', seconds < 10.0 ? 2 : 1);
    const auto whole = std::llround(seconds);
    return QStringLiteral("%1 min %2 s").arg(whole / 60).arg(whole % 60, 2, 10, QLatin1Char('0'));
}

} // namespace ksscope::ui
