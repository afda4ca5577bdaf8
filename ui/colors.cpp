// SPDX-License-Identifier: GPL-3.0-or-later
#include "colors.h"

#include <array>

namespace ksscope::ui {

bool isDarkPalette(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightnessF() < 0.5F;
}

QColor seriesColor(int index, const QPalette& palette)
{
    // a qualitative palette (Tableau 10) that stays distinct on light and dark backgrounds
    static constexpr std::array<QRgb, 10> kColors{0x4e79a7, 0xf28e2b, 0x59a14f, 0xb07aa1, 0x76b7b2,
                                                  0xedc948, 0xe15759, 0xff9da7, 0x9c755f, 0xbab0ac};
    QColor color(kColors[static_cast<std::size_t>(index < 0 ? 0 : index) % kColors.size()]);
    return isDarkPalette(palette) ? color.lighter(115) : color;
}

QColor bufferStateColor(BufferState state, const QPalette& palette)
{
    const bool dark = isDarkPalette(palette);
    switch (state) {
    case BufferState::Free:
        return dark ? QColor(0x3a, 0x3f, 0x44) : QColor(0xe4, 0xe7, 0xeb);
    case BufferState::Producer:
        return QColor(0x4e, 0x79, 0xa7);
    case BufferState::Waiting:
        return QColor(0xed, 0xc9, 0x48);
    case BufferState::Consumer:
        return QColor(0x59, 0xa1, 0x4f);
    }
    return palette.color(QPalette::Mid);
}

QColor badgeColor(const QPalette& palette)
{
    return isDarkPalette(palette) ? QColor(0x2e, 0x7d, 0x32) : QColor(0x38, 0x8e, 0x3c);
}

QColor warningColor(const QPalette& palette)
{
    return isDarkPalette(palette) ? QColor(0xff, 0x8a, 0x3d) : QColor(0xe6, 0x51, 0x00);
}

QColor goneColor(const QPalette& palette)
{
    return palette.color(QPalette::Disabled, QPalette::Text);
}

} // namespace ksscope::ui
