#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs inside the QEMU guest (vivid and vimc loaded). Each case prints "=== NAME", its output, then
# "--- rc=N"; tst_kernel on the host checks them. Cases that disturb a device (fault injection,
# disconnect) come last.

CAP=v4l2:vivid.platform_vivid-000/vivid-000-vid-cap
OUT=v4l2:vivid.platform_vivid-000/vivid-000-vid-out
VIMC=v4l2:vimc.platform_vimc

# KSSCOPE_GUEST_POLL=1 (sanitizer builds, too slow under emulation to follow another process's stream frame by frame):
# tracefs goes away, so KsScope polls as on a machine without it, and the traced cases are skipped
if [ -n "$KSSCOPE_GUEST_POLL" ]; then
    umount /sys/kernel/debug/tracing 2>/dev/null
    umount /sys/kernel/debug 2>/dev/null
fi

case_begin() { echo "=== $1"; }
case_end() { echo "--- rc=$1"; }

vimc_media() {
    for m in /dev/media*; do
        if media-ctl -d "$m" -p 2>/dev/null | grep -q "^driver *vimc"; then echo "$m"; return; fi
    done
}

case_begin list-json
ksscope-cli list --backend v4l2 --json 2>&1
case_end $?

case_begin media-ctl-vimc
media-ctl -d "$(vimc_media)" -p 2>&1
case_end $?

case_begin owner-mmap
ksscope-cli status --backend v4l2 --json --settle 0.5 --stream "$CAP:buffers=4,fps=30" "$CAP" 2>&1
case_end $?

case_begin owner-userptr
ksscope-cli status --backend v4l2 --json --settle 0.5 --stream "$CAP:memory=userptr,buffers=3,fps=30" "$CAP" 2>&1
case_end $?

case_begin owner-dmabuf
ksscope-cli status --backend v4l2 --json --settle 0.5 --stream "$CAP:memory=dmabuf,buffers=3,fps=30,dmabuf-from=$OUT" "$CAP" 2>&1
case_end $?

case_begin owner-granted
ksscope-cli status --backend v4l2 --settle 0.2 --stream "$CAP:buffers=64" "$CAP" 2>&1
case_end $?

case_begin ks-contract
ks-contract-check 2>&1
case_end $?

case_begin passive
v4l2-ctl -d /dev/video0 --set-parm=30 --stream-mmap=6 --stream-count=120 --stream-sleep=15 >/tmp/ctl.log 2>&1 &
ctl=$!
sleep 1
ksscope-cli watch --backend v4l2 --json --rate 200 --duration 2.5 "$CAP" 2>&1
rc=$?
wait $ctl
echo "v4l2-ctl: $(grep -c fps /tmp/ctl.log) fps lines"
case_end $rc

case_begin passive-edit-refused
v4l2-ctl -d /dev/video0 --set-parm=30 --stream-mmap=4 --stream-count=60 >/dev/null 2>&1 &
ctl=$!
sleep 0.5
ksscope-cli set-properties "$CAP" --buffers 8 2>&1
rc=$?
wait $ctl
case_end $rc

case_begin fps
# v4l2-ctl's own measurement (not its "Frame rate set to" line), then KsScope streaming the same node
echo "v4l2-ctl measured: $(v4l2-ctl -d /dev/video0 --set-parm=30 --stream-mmap=4 --stream-count=180 2>&1 |
    tr '\r' '\n' | grep -v 'Frame rate set' | grep -o '[0-9.]* fps' | tail -1)"
ksscope-cli watch --backend v4l2 --json --duration 6 --stream "$CAP:buffers=4,fps=30" "$CAP" 2>&1 | tail -1
case_end $?

# a traced GStreamer v4l2src streaming vivid's capture node (tests/kernel/gst-guest-files.sh put GStreamer here): its
# pool above the kernel queue it streams, one canvas; gone when the pipeline ends
if command -v gst-launch-1.0 >/dev/null 2>&1; then
export KSSCOPE_GST_DIR=/tmp/ksscope-gst
GST_PLUGIN_SYSTEM_PATH=/usr/local/bin/gstreamer-1.0 GST_REGISTRY_FORK=no GST_TRACERS=ksscope \
    gst-launch-1.0 v4l2src device=/dev/video0 ! video/x-raw,framerate=30/1 ! fakesink sync=true >/tmp/gst.log 2>&1 &
gst=$!
for i in $(seq 1 100); do [ -S "$KSSCOPE_GST_DIR/gst-$gst.sock" ] && break; sleep 0.1; done
sleep 1
case_begin gst-list
echo "gst-launch-1.0 pid: $gst"
ksscope-cli list --backend v4l2 --backend gstreamer --json 2>&1
case_end $?
case_begin gst-watch
ksscope-cli watch --backend v4l2 --backend gstreamer --json --rate 50 --duration 3 \
    "$CAP" "gstreamer:$gst.pipeline0.v4l2src0/src/allocator" 2>&1 | tail -1
case_end $?
kill -INT $gst
wait $gst
case_begin gst-gone
echo "gst-launch-1.0: $(tail -n 1 /tmp/gst.log)"
echo "sockets left: $(ls "$KSSCOPE_GST_DIR" | wc -l)"
ksscope-cli list --backend v4l2 --backend gstreamer --json 2>&1
case_end $?
unset KSSCOPE_GST_DIR
fi

case_begin traced-frames
if [ -n "$KSSCOPE_GUEST_POLL" ]; then
    echo "skipped: KSSCOPE_GUEST_POLL"
    rc=0
else
# every frame of a stream another process runs, from the kernel's tracepoints, beside trace-cmd recording the same
# tracepoints and v4l2-ctl printing each buffer it dequeues: vivid drops a fifth of the frames, and v4l2-ctl stalls
# for a second every 10 frames
T=/sys/kernel/tracing
[ -e $T/instances ] || mount -t tracefs nodev $T
v4l2-ctl -d /dev/video0 --set-parm=30 -c percentage_of_dropped_buffers=20 >/dev/null 2>&1
# both run until the stream is over (ksscope-cli stops on SIGTERM with its summary, trace-cmd when its command ends),
# however long the guest takes to start them
rm -f /tmp/ctl.done /tmp/tc.started
ksscope-cli frames --backend v4l2 --json --duration 120 "$CAP" >/tmp/frames.json 2>/tmp/frames.err &
ks=$!
trace-cmd record -C mono -e vb2 -e v4l2:v4l2_qbuf -e v4l2:v4l2_dqbuf -o /tmp/frames.dat \
    sh -c 'touch /tmp/tc.started; while [ ! -e /tmp/ctl.done ]; do sleep 0.1; done' >/dev/null 2>&1 &
tc=$!
# stream once both trace: KsScope's monitor has filtered its instance's events to the watched node (its first tick),
# and trace-cmd runs its command (it turns tracing on in the command's process, after enabling the events and
# starting its readers; events enabled alone are not yet recorded)
traced=
for i in $(seq 1 300); do
    grep -qs "minor == 0" $T/instances/ksscope-*/events/v4l2/v4l2_dqbuf/filter && [ -e /tmp/tc.started ] &&
        [ "$(cat $T/tracing_on)" = 1 ] && traced=1 && break
    sleep 0.1
done
[ -n "$traced" ] || echo "not tracing after 30 s (KsScope's filter set: $(grep -ls 'minor == 0' \
    $T/instances/ksscope-*/events/v4l2/v4l2_dqbuf/filter | wc -l), trace-cmd's command started: \
    $([ -e /tmp/tc.started ] && echo yes || echo no)); streaming anyway"
sleep 0.5
v4l2-ctl -d /dev/video0 --stream-mmap=4 --stream-count=60 --stream-sleep=10 --verbose >/tmp/ctl.log 2>&1 &
ctl=$!
echo "v4l2-ctl pid: $ctl"
wait $ctl
sleep 0.5
touch /tmp/ctl.done
wait $tc
kill -TERM $ks
wait $ks
rc=$?
v4l2-ctl -d /dev/video0 -c percentage_of_dropped_buffers=0 >/dev/null 2>&1
echo "ksscope stderr: $(cat /tmp/frames.err)"
grep -E '^\{' /tmp/frames.json
tr '\r' '\n' </tmp/ctl.log | grep 'dqbuf:'
echo "trace-cmd v4l2_dqbuf minor 0: $(trace-cmd report -i /tmp/frames.dat 2>/dev/null | grep -c 'v4l2_dqbuf: *minor = 0,')"
echo "trace-cmd v4l2_qbuf minor 0: $(trace-cmd report -i /tmp/frames.dat 2>/dev/null | grep -c 'v4l2_qbuf: *minor = 0,')"
fi
case_end $rc

case_begin traced-owner-hold
if [ -n "$KSSCOPE_GUEST_POLL" ]; then
    echo "skipped: KSSCOPE_GUEST_POLL"
    rc=0
else
# KsScope streams the node itself and keeps each frame 40 ms before giving it back: the traced hold times are that,
# and the holder is KsScope
T=/sys/kernel/tracing
[ -e $T/instances ] || mount -t tracefs nodev $T
ksscope-cli frames --backend v4l2 --json --duration 3 --stream "$CAP:buffers=4,fps=30,hold-ms=40" "$CAP" 2>&1 &
ks=$!
echo "ksscope pid: $ks"
wait $ks
rc=$?
fi
case_end $rc

case_begin owner-hold-own
# the same without the tracepoints: KsScope follows its own stream from its own QBUF and DQBUF calls
ksscope-cli frames --backend v4l2 --v4l2-events own --json --duration 3 --stream "$CAP:buffers=4,fps=30,hold-ms=40" \
    "$CAP" 2>&1 &
ks=$!
echo "ksscope pid: $ks"
wait $ks
case_end $?

case_begin own-recording-replayed
# the same stream recorded, then replayed on its own: the frames come back with their holder named as recorded
ksscope-cli watch --backend v4l2 --v4l2-events own --json --duration 3 --stream "$CAP:buffers=4,fps=30,hold-ms=40" \
    --record /tmp/own.ksrec "$CAP" >/dev/null 2>/tmp/own.err &
ks=$!
echo "ksscope pid: $ks"
wait $ks
rc=$?
cat /tmp/own.err
[ $rc -eq 0 ] && ksscope-cli --recording /tmp/own.ksrec --speed max frames --json 2>&1
rc=$((rc + $?))
case_end $rc

case_begin dmabuf-holders
# v4l2-ctl captures into dma-bufs it exported from vivid's output queue: KsScope names it as the node's opener and as
# the holder of each dma-buf, beside the kernel's own list of them (debugfs bufinfo)
mount -t debugfs none /sys/kernel/debug 2>/dev/null
v4l2-ctl -d /dev/video0 --set-parm=30 >/dev/null 2>&1
v4l2-ctl -d /dev/video0 --stream-dmabuf --export-device /dev/video1 --stream-count=100000 >/dev/null 2>&1 &
ctl=$!
echo "v4l2-ctl pid: $ctl"
sleep 1
echo "bufinfo:"
sed 's/^/bufinfo: /' /sys/kernel/debug/dma_buf/bufinfo
ksscope-cli frames --backend v4l2 --json --duration 2 "$CAP" 2>&1 | grep summary
kill $ctl 2>/dev/null
wait $ctl
rc=0
if [ -n "$KSSCOPE_GUEST_POLL" ]; then
    umount /sys/kernel/debug/tracing 2>/dev/null
    umount /sys/kernel/debug 2>/dev/null
fi
case_end $rc

case_begin link-toggle
ksscope-cli set-link "$VIMC/Debayer_B/pad1" "$VIMC/Scaler/pad0" on 2>&1 &&
    ksscope-cli list --backend v4l2 --json 2>&1
case_end $?

case_begin link-immutable
ksscope-cli set-link "$VIMC/Sensor_A/pad0" "$VIMC/Debayer_A/pad0" off 2>&1
case_end $?

case_begin vimc-epipe
ksscope-cli status --backend v4l2 --settle 0.2 --stream "$VIMC/Raw_Capture_0" 2>&1
case_end $?

# ---- formats, controls and the doctor (after vimc-epipe, which needs vimc's formats as loaded) ----
MEDIA=$(vimc_media)
RAW=$(media-ctl -d "$MEDIA" -e "Raw Capture 0")
RGB=$(media-ctl -d "$MEDIA" -e "RGB/YUV Capture")
# streams 3 frames from a capture node: "stream WHEN frames=N" and v4l2-ctl's STREAMON complaint, if any (v4l2-ctl
# exits 0 either way)
try_stream() {
    v4l2-ctl -d "$1" --stream-mmap=3 --stream-count=3 >/tmp/stream.log 2>&1
    echo "stream $2 frames=$(tr -cd '<' </tmp/stream.log | wc -c)"
    tr '\r' '\n' </tmp/stream.log | grep -i "STREAMON" | sed "s/^[[:space:]]*/stream $2: /" | head -1
}
# the pipeline of Sensor A with every link agreeing: SGRBG8 640x480, progressive
vimc_agree() {
    media-ctl -d "$MEDIA" -V '"Sensor A":0[fmt:SGRBG8_1X8/640x480 field:none]' >/dev/null 2>&1
    media-ctl -d "$MEDIA" -V '"Debayer A":0[fmt:SGRBG8_1X8/640x480 field:none]' >/dev/null 2>&1
    v4l2-ctl -d "$RAW" -v width=640,height=480,pixelformat=GRBG,field=none >/dev/null 2>&1
}

case_begin doctor-vimc-as-loaded
# vimc as loaded: the sensors give RGB888_1X24, the debayers' sinks take SRGGB8_1X8
ksscope-cli doctor --backend v4l2 --json 2>&1
echo "doctor rc=$?"
ksscope-cli doctor --backend v4l2 --fix 2>&1
echo "fix rc=$?"
ksscope-cli doctor --backend v4l2 2>&1
echo "after rc=$?"
case_end 0

case_begin doctor-size
vimc_agree
try_stream "$RAW" agreeing
v4l2-ctl -d "$RAW" -v width=320,height=240 2>&1
try_stream "$RAW" before
ksscope-cli doctor --backend v4l2 --json "$VIMC/Raw_Capture_0" 2>&1
echo "doctor rc=$?"
# the fix as the doctor prints it
fix=$(ksscope-cli doctor --backend v4l2 "$VIMC/Raw_Capture_0" 2>&1 | grep -m1 ' fix: ' | sed 's/.* fix: //')
echo "running: $fix"
eval "$fix --backend v4l2" 2>&1
echo "fix rc=$?"
try_stream "$RAW" after
case_end 0

case_begin doctor-code
vimc_agree
media-ctl -d "$MEDIA" -V '"Debayer A":0[fmt:SRGGB8_1X8/640x480]' 2>&1
try_stream "$RGB" before
ksscope-cli doctor --backend v4l2 --json "$VIMC/Debayer_A" 2>&1
echo "doctor rc=$?"
ksscope-cli doctor --backend v4l2 --fix "$VIMC/Debayer_A" 2>&1
echo "fix rc=$?"
try_stream "$RGB" after
case_end 0

case_begin doctor-field
vimc_agree
media-ctl -d "$MEDIA" -V '"Debayer A":0[fmt:SGRBG8_1X8/640x480 field:interlaced]' 2>&1
v4l2-ctl -d "$RAW" -v field=interlaced 2>&1
try_stream "$RGB" before-rgb
try_stream "$RAW" before-raw
ksscope-cli doctor --backend v4l2 --json "$VIMC/Sensor_A" 2>&1
echo "doctor rc=$?"
ksscope-cli doctor --backend v4l2 --fix "$VIMC/Sensor_A" 2>&1
echo "fix rc=$?"
try_stream "$RGB" after-rgb
try_stream "$RAW" after-raw
media-ctl -d "$MEDIA" -p 2>&1 | grep -A2 "pad0: Sink" | head -3
case_end 0

case_begin format-adjusted
vimc_agree
ksscope-cli set-format --backend v4l2 "$VIMC/Raw_Capture_0/pad0" 'GRBG/641x481' 2>&1
echo "set rc=$?"
ksscope-cli set-format --backend v4l2 "$VIMC/Sensor_A/pad0" 'NOTACODE/640x480' 2>&1
echo "bad code rc=$?"
ksscope-cli set-format --backend v4l2 "$VIMC/Sensor_A/pad0" 'YUYV/640x480' 2>&1
echo "wrong space rc=$?"
v4l2-ctl -d "$RAW" -V 2>&1 | grep "Width/Height"
case_end 0

case_begin vivid-formats
v4l2-ctl -d /dev/video0 --list-formats-ext 2>&1
echo "--- ksscope"
ksscope-cli formats --backend v4l2 --json "$CAP" 2>&1
case_end $?

case_begin vivid-controls
ksscope-cli controls --backend v4l2 --json "$CAP" 2>&1
echo "controls rc=$?"
before=$(v4l2-ctl -d /dev/video0 -C brightness 2>&1)
echo "before: $before"
ksscope-cli set-control --backend v4l2 "$CAP" brightness=200 test_pattern=3 2>&1
echo "set rc=$?"
echo "read back: $(v4l2-ctl -d /dev/video0 -C brightness 2>&1) $(v4l2-ctl -d /dev/video0 -C test_pattern 2>&1)"
ksscope-cli set-control --backend v4l2 "$CAP" brightness=300 2>&1
echo "range rc=$?"
ksscope-cli set-control --backend v4l2 "$CAP" test_pattern=99 2>&1
echo "menu rc=$?"
ksscope-cli set-control --backend v4l2 "$CAP" no_such_control=1 2>&1
echo "unknown rc=$?"
echo "unchanged: $(v4l2-ctl -d /dev/video0 -C brightness 2>&1)"
ksscope-cli set-control --backend v4l2 "$CAP" "brightness=${before##* }" 2>&1
echo "restored: $(v4l2-ctl -d /dev/video0 -C brightness 2>&1)"
case_end 0

case_begin fault-streamon
v4l2-ctl -d /dev/video0 -c inject_vidioc_streamon_error=1 2>&1
ksscope-cli status --backend v4l2 --settle 0.2 --stream "$CAP:buffers=4" "$CAP" 2>&1
case_end $?

case_begin fault-buffer-error
v4l2-ctl -d /dev/video0 -c inject_v4l2_buf_flag_error=1 2>&1
ksscope-cli watch --backend v4l2 --json --duration 1.5 --stream "$CAP:buffers=4,fps=30" "$CAP" 2>&1 | tail -1
case_end $?

case_begin fault-disconnect
ksscope-cli watch --backend v4l2 --json --duration 6 --stream "$CAP:buffers=4,fps=30" >/tmp/disc.log 2>&1 &
w=$!
# unplug once KsScope streams (its "config" event says so), however slow the build is
for i in $(seq 1 50); do grep -q '"kind":"config"' /tmp/disc.log 2>/dev/null && break; sleep 0.2; done
sleep 0.5
v4l2-ctl -d /dev/video0 -c disconnect=1 >/dev/null 2>&1
wait $w
rc=$?
grep '"type":"event"' /tmp/disc.log
tail -1 /tmp/disc.log
case_end $rc

case_begin hotplug
# vivid leaves and comes back while KsScope runs: the backend sees the uevents
rmmod vivid 2>&1
ksscope-cli watch --backend v4l2 --json --rate 50 --duration 10 >/tmp/hp.log 2>&1 &
w=$!
# vivid comes back once the watch has found what is there (vimc): a slow start must not find vivid at discovery
for i in $(seq 1 150); do grep -q '"kind":"added"' /tmp/hp.log 2>/dev/null && break; sleep 0.2; done
sleep 0.5
modprobe vivid 2>&1
sleep 3
v4l2-ctl -d /dev/video0 -c disconnect=1 >/dev/null 2>&1
wait $w
rc=$?
grep -E '"kind":"(added|removed)"' /tmp/hp.log
tail -1 /tmp/hp.log
case_end $rc
