#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a command beside a PipeWire daemon of its own: a private session bus, pipewire and wireplumber (Debian's), on a
# private XDG_RUNTIME_DIR with their state and configuration in the same temporary folder, all stopped at the end.
#   tests/pipewire/with-pipewire.sh COMMAND [ARGS...]
# The command's exit status is the script's; 77 when pipewire, wireplumber or dbus-daemon is not installed.
set -u
for tool in pipewire wireplumber dbus-daemon pw-dump; do
    if ! command -v "$tool" >/dev/null; then
        echo "with-pipewire: $tool is not installed (apt-get install pipewire pipewire-bin wireplumber dbus-daemon)" >&2
        exit 77
    fi
done
root=$(mktemp -d "${TMPDIR:-/tmp}/ksscope-pw.XXXXXX")
chmod 700 "$root"
export XDG_RUNTIME_DIR="$root/run" HOME="$root/home" XDG_CONFIG_HOME="$root/config" XDG_STATE_HOME="$root/state"
export XDG_DATA_HOME="$root/data" PIPEWIRE_RUNTIME_DIR="$root/run"
mkdir -m 700 -p "$XDG_RUNTIME_DIR" "$HOME" "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$XDG_DATA_HOME"
unset PIPEWIRE_REMOTE DISPLAY WAYLAND_DISPLAY
pids=()
stop() {
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    done
    rm -rf "$root"
}
trap stop EXIT
trap 'exit 130' INT TERM

{ read -r address; read -r dbus_pid; } < <(dbus-daemon --session --fork --nopidfile --print-address=1 --print-pid=1 \
    --address="unix:path=$root/run/bus")
pids+=("$dbus_pid")
export DBUS_SESSION_BUS_ADDRESS="$address"

pipewire >"$root/pipewire.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -S "$XDG_RUNTIME_DIR/pipewire-0" ]] && break; sleep 0.05; done
if [[ ! -S "$XDG_RUNTIME_DIR/pipewire-0" ]]; then
    echo "with-pipewire: pipewire did not start:" >&2
    cat "$root/pipewire.log" >&2
    exit 1
fi
wireplumber >"$root/wireplumber.log" 2>&1 &
pids+=($!)
# wireplumber is up once its client is there
for _ in $(seq 100); do
    pw-dump 2>/dev/null | grep -q '"application.name": "WirePlumber"' && break
    sleep 0.1
done
if ! pw-dump 2>/dev/null | grep -q '"application.name": "WirePlumber"'; then
    echo "with-pipewire: wireplumber did not start:" >&2
    cat "$root/wireplumber.log" >&2
    exit 1
fi
"$@"
rc=$?
if [[ $rc -ne 0 && -n "${KSSCOPE_PW_LOGS:-}" ]]; then
    echo "--- pipewire.log" >&2; tail -n 40 "$root/pipewire.log" >&2
    echo "--- wireplumber.log" >&2; tail -n 40 "$root/wireplumber.log" >&2
fi
exit $rc
