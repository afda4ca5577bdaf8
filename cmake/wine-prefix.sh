#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Creates the wine prefix the Windows build's tests share ($WINEPREFIX), once before them (and readies the one the
# installer check installs into). wine passes no QT_*
# variable from the Linux environment to Windows programs, so what the Qt programs under test need is set in the
# prefix's own environment (HKCU\Environment), which every program started in it reads: the offscreen platform
# (no display), the build machine's DejaVu fonts for it, and Qt Test's output on stdout rather than the debugger.
set -eu
here=$(dirname "$0")
"$here/wine-run.sh" wineboot -i
for setting in QT_QPA_PLATFORM=offscreen 'QT_QPA_FONTDIR=Z:\usr\share\fonts\truetype\dejavu' QT_FORCE_STDERR_LOGGING=1; do
    "$here/wine-run.sh" reg add 'HKCU\Environment' /v "${setting%%=*}" /t REG_SZ /d "${setting#*=}" /f >/dev/null
done
wineserver -w
