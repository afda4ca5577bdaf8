#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-in-vm.sh - run a shell command in a QEMU guest where the V4L2 test drivers
# vivid and vimc are loaded, and exit with the command's exit code.
#
# Usage:
#   run-in-vm.sh [--timeout SECONDS] [--bin DIR] [--append 'ARGS'] [--memory MB] 'COMMAND'
#
#   --timeout SECONDS  kill the guest after this long (default $KSSCOPE_VM_TIMEOUT or 300).
#   --bin DIR          files copied to /usr/local/bin in the guest (with their libraries).
#   --append ARGS      extra kernel command line, e.g. module options 'vivid.n_devs=2'.
#   --memory MB        guest memory (default $KSSCOPE_VM_MEMORY or 512).
#   COMMAND            run with sh -c in the guest, in /tmp, with stdin from /dev/null.
#
# The command's stdout and stderr come back on stdout (they travel over a serial
# port of their own, so kernel messages never mix in).  The guest's console log
# is kept in a file whose path is printed when something fails.
#
# Exit status: the command's, or 125 when the VM itself failed (no result,
# timeout, driver failed to load).
#
# Environment:
#   KSSCOPE_VM_CACHE    cache directory (default ~/.cache/ksscope-vm).
#   KSSCOPE_VM_SMP      guest CPUs (default 2).
#   KSSCOPE_VM_KEEP=1   keep the run directory (logs, initramfs) even on success.
#   KSSCOPE_VM_VERBOSE=1  show prepare-vm.sh's progress and the console log.
#   EXTRA_BIN_DIR       same as --bin.

# No shebang (the SPDX line comes first): under /bin/sh, hand over to bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
CACHE=${KSSCOPE_VM_CACHE:-${HOME:-/root}/.cache/ksscope-vm}
TIMEOUT=${KSSCOPE_VM_TIMEOUT:-300}
MEMORY=${KSSCOPE_VM_MEMORY:-512}
SMP=${KSSCOPE_VM_SMP:-2}
BIN_DIR=${EXTRA_BIN_DIR:-}
APPEND=
VM_FAILURE=125

err() { printf 'run-in-vm: %s\n' "$*" >&2; }

while [ $# -gt 0 ]; do
    case $1 in
        --timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
        --bin) BIN_DIR=${2:?--bin needs a directory}; shift 2 ;;
        --append) APPEND="$APPEND ${2:?--append needs arguments}"; shift 2 ;;
        --memory) MEMORY=${2:?--memory needs megabytes}; shift 2 ;;
        -h|--help) sed -n '3,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --) shift; break ;;
        -*) err "unknown option $1"; exit 2 ;;
        *) break ;;
    esac
done
[ $# -ge 1 ] || { err "usage: run-in-vm.sh [--timeout SECONDS] [--bin DIR] 'COMMAND'"; exit 2; }
COMMAND="$*"
case $TIMEOUT in ''|*[!0-9]*) err "--timeout wants whole seconds"; exit 2 ;; esac

RUN=$(mktemp -d "${TMPDIR:-/tmp}/ksscope-vm.XXXXXX")
QEMU_PID=
TAIL_PID=
# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
    local rc=$?
    [ -z "$QEMU_PID" ] || kill "$QEMU_PID" 2>/dev/null || true
    if [ "$rc" -eq 0 ] && [ "${KSSCOPE_VM_KEEP:-0}" != 1 ]; then rm -rf "$RUN"; fi
    exit "$rc"
}
trap cleanup EXIT
# ctest and CI stop tests with SIGTERM: take the guest down with us.
trap 'exit 143' TERM
trap 'exit 130' INT

# The firmware's terminal escapes and the serial line's \r only clutter a log.
clean_console() { sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' -e 's/\r//g'; }

fail() {   # fail MESSAGE: show the command's partial output, the end of the console log and where the rest is
    if [ -s "$RUN/output.log" ]; then grep -av '^KSSCOPE-VM-EXIT=' "$RUN/output.log" || true; fi
    err "$*"
    if [ -s "$RUN/console.log" ]; then
        err "last lines of the guest console:"
        tail -n 25 "$RUN/console.log" | clean_console | sed 's/^/  | /' >&2
    fi
    err "full logs in $RUN (console.log, output.log, dmesg.log, qemu.log, prepare.log)"
    exit $VM_FAILURE
}

printf '%s\n' "$COMMAND" >"$RUN/command"

# Build (or reuse) the kernel and initramfs.
prep_args=(--command "$RUN/command" --output "$RUN/initramfs.cpio")
[ -z "$BIN_DIR" ] || prep_args+=(--bin "$BIN_DIR")
if [ "${KSSCOPE_VM_VERBOSE:-0}" = 1 ]; then
    "$HERE/prepare-vm.sh" "${prep_args[@]}" "$CACHE" >"$RUN/prepare.out" 2> >(tee "$RUN/prepare.log" >&2) \
        || fail "prepare-vm.sh failed"
else
    "$HERE/prepare-vm.sh" "${prep_args[@]}" "$CACHE" >"$RUN/prepare.out" 2>"$RUN/prepare.log" \
        || { cat "$RUN/prepare.log" >&2; fail "prepare-vm.sh failed"; }
fi
KERNEL=$(sed -n 's/^KSSCOPE_VM_KERNEL=//p' "$RUN/prepare.out")
INITRD=$(sed -n 's/^KSSCOPE_VM_INITRD=//p' "$RUN/prepare.out")
if [ ! -f "$KERNEL" ] || [ ! -f "$INITRD" ]; then
    fail "prepare-vm.sh did not report a kernel and an initramfs"
fi

# Kernel command line:
#  console=ttyS0  boot messages to the first serial port (console.log);
#  loglevel=4     warnings and worse only, keeps the slow emulated UART quiet;
#  panic=-1       reboot at once on panic, which -no-reboot turns into a QEMU exit.
CMDLINE="console=ttyS0,115200 loglevel=4 panic=-1 rdinit=/init$APPEND"

# -nographic with explicit -serial and -monitor none: nothing is attached to
# stdio, so the run needs no terminal and works with stdin closed (CI, ctest).
# Serial port 0: console; port 1: the command's output and the exit marker;
# port 2: the guest's full kernel log, written after the command.
QEMU=(qemu-system-x86_64 -accel tcg -nographic -no-reboot -monitor none
      -m "$MEMORY" -smp "$SMP" -nic none
      -kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE"
      -serial "file:$RUN/console.log" -serial "file:$RUN/output.log"
      -serial "file:$RUN/dmesg.log")
printf '%q ' "${QEMU[@]}" >"$RUN/qemu.cmdline"

start=$(date +%s)
timeout -k 5 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$RUN/qemu.log" 2>&1 &
QEMU_PID=$!
if [ "${KSSCOPE_VM_VERBOSE:-0}" = 1 ]; then
    tail -n +1 --pid="$QEMU_PID" -F "$RUN/console.log" 2>/dev/null | clean_console | sed 's/^/console| /' >&2 &
    TAIL_PID=$!
fi
set +e
wait "$QEMU_PID"
qrc=$?
set -e
QEMU_PID=
[ -z "$TAIL_PID" ] || wait "$TAIL_PID" 2>/dev/null || true
elapsed=$(( $(date +%s) - start ))

# timeout(1): 124 after SIGTERM, 137 when qemu needed the SIGKILL.
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then fail "guest killed after the ${TIMEOUT}s timeout"; fi
[ $qrc -eq 0 ] || { cat "$RUN/qemu.log" >&2; fail "qemu exited with status $qrc"; }

# The guest writes KSSCOPE-VM-EXIT=<code> after the command's output.
marker=$(grep -a -n '^KSSCOPE-VM-EXIT=[0-9]*$' "$RUN/output.log" | tail -n 1 || true)
[ -n "$marker" ] || fail "the guest stopped without reporting an exit code (crash or panic?)"
line=${marker%%:*}
rc=${marker##*=}
head -n $((line - 1)) "$RUN/output.log"

if [ "$rc" = $VM_FAILURE ] && grep -q 'ksscope-vm: a test driver failed to load' "$RUN/output.log"; then
    fail "a test driver failed to load"
fi
if [ "$rc" != 0 ]; then
    err "command exited with $rc after ${elapsed}s in the VM; logs in $RUN"
    KSSCOPE_VM_KEEP=1
fi
exit "$rc"
