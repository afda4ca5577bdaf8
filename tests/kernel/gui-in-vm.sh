#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# gui-in-vm.sh - run the ksscope window offscreen in the QEMU guest (vivid and vimc loaded) and bring its
# screenshot back.
#
# Usage: gui-in-vm.sh BUILD_DIR OUT.png [SECONDS]
#
# The window's summary line ("shown: ...") and its messages come back on stdout; the PNG is written to
# OUT.png. Exit status: ksscope's, 125 when the VM failed, 3 when no screenshot came back.
#
# KSSCOPE_GUEST_GST=DIR (where libgstksscope.so was built): a traced gst-launch-1.0 v4l2src ! queue ! fakesink streams
# vivid's capture node first, and the window shows the v4l2 and gstreamer backends (gst-guest-files.sh).
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
BUILD=${1:?usage: gui-in-vm.sh BUILD_DIR OUT.png [SECONDS]}
OUT=${2:?usage: gui-in-vm.sh BUILD_DIR OUT.png [SECONDS]}
AFTER=${3:-6}
EXTRA=${4:-} # a program of the window's own checks, run in the guest after the screenshot
GUI=$BUILD/app/gui/ksscope
[ -x "$GUI" ] || { echo "gui-in-vm: $GUI is not built" >&2; exit 2; }

QT_PLUGINS=$(dirname "$(dirname "$(find /usr/lib -path '*qt6/plugins/platforms/libqoffscreen.so' -print -quit)")")
FONTS=/usr/share/fonts/truetype/dejavu
[ -f "$QT_PLUGINS/platforms/libqoffscreen.so" ] || { echo "gui-in-vm: Qt's offscreen platform plugin is missing (qt6-base-dev)" >&2; exit 2; }
[ -f "$FONTS/DejaVuSans.ttf" ] || { echo "gui-in-vm: DejaVu fonts are missing (fonts-dejavu-core)" >&2; exit 2; }

# The bundle lands in /usr/local/bin in the guest; run-in-vm.sh adds every library its ELF files need.
BUNDLE=$(mktemp -d)
trap 'rm -rf "$BUNDLE"' EXIT
cp "$GUI" "$BUNDLE/"
# the test suite's LeakSanitizer suppressions (sanitizer builds), with the full allocation stacks they need
cp "$HERE/../lsan.supp" "$BUNDLE/"
RUN_EXTRA=""
if [ -n "$EXTRA" ]; then
    cp "$EXTRA" "$BUNDLE/"
    RUN_EXTRA="$(basename "$EXTRA") -maxwarnings 0 2>&1; echo \"window checks rc=\$?\"; "
fi
mkdir -p "$BUNDLE/plugins/platforms" "$BUNDLE/fonts"
cp "$QT_PLUGINS/platforms/libqoffscreen.so" "$BUNDLE/plugins/platforms/"
cp "$FONTS/DejaVuSans.ttf" "$FONTS/DejaVuSans-Bold.ttf" "$BUNDLE/fonts/"
# Graphviz's dot layout is a plugin it loads from its own folder (GVBINDIR), with its config
GV=$(dirname "$(find /usr/lib -name 'libgvplugin_dot_layout.so.*' -print -quit)")
if ls "$GV"/config6* >/dev/null 2>&1; then
    mkdir -p "$BUNDLE/graphviz"
    cp "$GV"/libgvplugin_dot_layout.so.* "$GV"/config6* "$BUNDLE/graphviz/"
fi
GST=""
BACKENDS=""
if [ -n "${KSSCOPE_GUEST_GST:-}" ]; then
    "$HERE/gst-guest-files.sh" "$BUNDLE" "$KSSCOPE_GUEST_GST"
    GST="KSSCOPE_GST_DIR=/tmp/runtime/ksscope-gst GST_PLUGIN_SYSTEM_PATH=/usr/local/bin/gstreamer-1.0 GST_REGISTRY_FORK=no \
GST_TRACERS=ksscope gst-launch-1.0 -q v4l2src device=/dev/video0 ! video/x-raw,framerate=30/1 ! queue ! fakesink sync=true \
>/tmp/gst.log 2>&1 & sleep 2; "
    BACKENDS="--backend v4l2 --backend gstreamer --select gstreamer:\$!.pipeline0.v4l2src0/src/allocator"
fi
cat >"$BUNDLE/fonts/fonts.conf" <<'CONF'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/local/bin/fonts</dir>
  <cachedir>/tmp/fontconfig</cachedir>
</fontconfig>
CONF

# KSSCOPE_GUEST_POLL=1 (sanitizer builds): tracefs goes away in the guest, so KsScope polls (guest-cases.sh)
UNTRACE=""
if [ -n "${KSSCOPE_GUEST_POLL:-}" ]; then
    UNTRACE="umount /sys/kernel/debug/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; "
fi
COMMAND="${UNTRACE}export QT_QPA_PLATFORM=offscreen QT_PLUGIN_PATH=/usr/local/bin/plugins \
FONTCONFIG_FILE=/usr/local/bin/fonts/fonts.conf GVBINDIR=/usr/local/bin/graphviz XDG_CONFIG_HOME=/tmp/config XDG_RUNTIME_DIR=/tmp/runtime HOME=/tmp \
LSAN_OPTIONS=suppressions=/usr/local/bin/lsan.supp:fast_unwind_on_malloc=0; \
mkdir -p /tmp/runtime && chmod 700 /tmp/runtime; \
${GST}ksscope $BACKENDS --size 1600x1000 --screenshot /tmp/shot.png --after $AFTER; rc=\$?; ${RUN_EXTRA}\
if [ -f /tmp/shot.png ]; then echo KSSCOPE-PNG-BEGIN; base64 /tmp/shot.png; echo KSSCOPE-PNG-END; fi; exit \$rc"

set +e
output=$(KSSCOPE_VM_MEMORY=${KSSCOPE_VM_MEMORY:-1536} "$HERE/run-in-vm.sh" --timeout "${KSSCOPE_VM_TIMEOUT:-400}" --bin "$BUNDLE" "$COMMAND")
rc=$?
set -e
printf '%s\n' "$output" | sed '/^KSSCOPE-PNG-BEGIN$/,/^KSSCOPE-PNG-END$/d'
if printf '%s\n' "$output" | grep -q '^KSSCOPE-PNG-END$'; then
    printf '%s\n' "$output" | sed -n '/^KSSCOPE-PNG-BEGIN$/,/^KSSCOPE-PNG-END$/p' | sed '1d;$d' | tr -d '\r' | base64 -d >"$OUT"
elif [ "$rc" = 0 ]; then
    echo "gui-in-vm: no screenshot came back from the guest" >&2
    exit 3
fi
exit "$rc"
