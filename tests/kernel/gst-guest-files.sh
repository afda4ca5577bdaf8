# SPDX-License-Identifier: GPL-3.0-or-later
#
# gst-guest-files.sh - put what `gst-launch-1.0 v4l2src ... ! fakesink` needs in the QEMU guest, traced by KsScope,
# into a directory given to run-in-vm.sh --bin: gst-launch-1.0, and in gstreamer-1.0/ the core elements, the
# video4linux2 plugin and KsScope's tracer (their libraries follow them into the guest).
#
# Usage: gst-guest-files.sh BIN_DIR TRACER_DIR
#   BIN_DIR     the --bin directory (created)
#   TRACER_DIR  where libgstksscope.so was built (build/<preset>/gst-plugins)
#
# In the guest, point GStreamer at those plugins alone and scan them in-process:
#   GST_PLUGIN_SYSTEM_PATH=/usr/local/bin/gstreamer-1.0 GST_REGISTRY_FORK=no GST_TRACERS=ksscope gst-launch-1.0 ...

# No shebang (the SPDX line comes first): under /bin/sh, hand over to bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

die() { printf 'gst-guest-files: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: gst-guest-files.sh BIN_DIR TRACER_DIR"
BIN=$1
TRACER=$2/libgstksscope.so
[ -f "$TRACER" ] || die "$TRACER not found (build the gstksscope target)"
launch=$(command -v gst-launch-1.0) || die "gst-launch-1.0 not found (apt-get install gstreamer1.0-tools)"
plugins=$(pkg-config --variable=pluginsdir gstreamer-1.0 2>/dev/null) || plugins=
[ -n "$plugins" ] || plugins=/usr/lib/$(gcc -print-multiarch)/gstreamer-1.0
for p in libgstcoreelements.so libgstvideo4linux2.so; do
    [ -f "$plugins/$p" ] || die "$plugins/$p not found (apt-get install gstreamer1.0-plugins-base gstreamer1.0-plugins-good)"
done

mkdir -p "$BIN/gstreamer-1.0"
cp -L "$launch" "$BIN/gst-launch-1.0"
cp -L "$plugins/libgstcoreelements.so" "$plugins/libgstvideo4linux2.so" "$TRACER" "$BIN/gstreamer-1.0/"
