#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a Windows executable under wine for ctest (CMAKE_CROSSCOMPILING_EMULATOR). wineserver outlives the
# program and keeps the descriptors it was started with open, so a pipe (ctest's) would never reach EOF: the
# program's output goes to files first and is printed once it has exited. The exit code is the program's.
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/ksscope-wine.XXXXXX") || exit 125
WINEDEBUG=${WINEDEBUG:--all} \
WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree=;mshtml=;winealsa.drv=;winepulse.drv=;winegstreamer=} \
    wine "$@" >"$dir/out" 2>"$dir/err" </dev/null
rc=$?
cat "$dir/out"
cat "$dir/err" >&2
rm -rf "$dir"
exit $rc
