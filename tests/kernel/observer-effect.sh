#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs inside the QEMU guest: the observer effect and cost of watching another process's stream, twice over -
# v4l2-ctl streaming vivid alone, then watched through the kernel's tracepoints (100 ticks a second), then polled
# with VIDIOC_QUERYBUF at 1 kHz. Prints v4l2-ctl's own frame rate and KsScope's sampler summary for each.
#   mkdir -p /tmp/bin && cp build/dev/app/ksscope-cli tests/kernel/observer-effect.sh /tmp/bin/
#   tests/kernel/run-in-vm.sh --bin /tmp/bin --timeout 300 'sh /usr/local/bin/observer-effect.sh'
CAP=v4l2:vivid.platform_vivid-000/vivid-000-vid-cap
T=/sys/kernel/tracing
[ -e $T/instances ] || mount -t tracefs nodev $T
v4l2-ctl -d /dev/video0 --set-parm=30 >/dev/null
fps() { tr '\r' '\n' <"$1" | grep -o '[0-9.]* fps' | tail -1; }
stream() { v4l2-ctl -d /dev/video0 --stream-mmap=4 --stream-count=300 >"$1" 2>&1; }
for run in 1 2; do
    echo "== run $run"
    stream /tmp/alone.log
    echo "alone: $(fps /tmp/alone.log)"
    ksscope-cli watch --backend v4l2 --json --rate 100 --duration 14 "$CAP" >/tmp/traced.json 2>&1 &
    k=$!
    sleep 2
    stream /tmp/traced.log
    wait $k
    echo "traced: $(fps /tmp/traced.log)"
    tail -1 /tmp/traced.json | grep -o '"sampler":{[^}]*}'
    echo "frames delivered: $(grep -o '"delivered":[0-9]*' /tmp/traced.json | tail -1)"
    echo "trace events lost reports: $(grep -c 'trace events lost' /tmp/traced.json)"
    ksscope-cli watch --backend v4l2 --v4l2-events poll --json --rate 1000 --duration 14 "$CAP" >/tmp/polled.json 2>&1 &
    k=$!
    sleep 2
    stream /tmp/polled.log
    wait $k
    echo "polled 1kHz: $(fps /tmp/polled.log)"
    tail -1 /tmp/polled.json | grep -o '"sampler":{[^}]*}'
done
