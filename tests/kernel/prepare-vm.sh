#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# prepare-vm.sh - build the kernel + initramfs used to run tests against the real
# V4L2 / Media Controller test drivers (vivid, vimc) inside QEMU.
#
# Usage:
#   prepare-vm.sh [--bin DIR] [--command FILE] [--output FILE] CACHE_DIR
#
#   CACHE_DIR       where downloads, the unpacked kernel, the vimc build and the
#                   base initramfs are kept (never inside the source tree).
#   --bin DIR       project binaries copied to /usr/local/bin in the guest, with the
#                   shared libraries they need (default: $EXTRA_BIN_DIR, if set).
#   --command FILE  shell command the guest's /init runs (sh -c); without it the
#                   guest only lists the devices.
#   --output FILE   initramfs to write (default: CACHE_DIR/initramfs.cpio).
#
# Prints progress on stderr and, on stdout, two lines for callers:
#   KSSCOPE_VM_KERNEL=<path to vmlinuz>
#   KSSCOPE_VM_INITRD=<path to the initramfs>
#
# Everything expensive (downloads, the vimc build, the base initramfs) is cached
# and keyed by package versions, so a second run only rebuilds the small
# per-run archive that carries the project binaries and the command.
#
# Environment:
#   KSSCOPE_VM_MODULES   modules the guest loads (default "vivid vimc").
#   KSSCOPE_VM_NO_APT=1  never call apt-get; fail if a host package is missing.

# The SPDX line comes first by project convention, so there is no shebang: a
# shell (or ctest, via execvp) falls back to /bin/sh, and this line hands the
# script to bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

log() { printf 'prepare-vm: %s\n' "$*" >&2; }
die() { printf 'prepare-vm: error: %s\n' "$*" >&2; exit 1; }

SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
BIN_DIR=${EXTRA_BIN_DIR:-}
COMMAND_FILE=
OUTPUT=
CACHE_DIR=
MODULES=${KSSCOPE_VM_MODULES:-vivid vimc}

while [ $# -gt 0 ]; do
    case $1 in
        --bin) BIN_DIR=${2:?--bin needs a directory}; shift 2 ;;
        --command) COMMAND_FILE=${2:?--command needs a file}; shift 2 ;;
        --output) OUTPUT=${2:?--output needs a file}; shift 2 ;;
        -h|--help) sed -n '3,/^$/p' "$SCRIPT_PATH" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --) shift; break ;;
        -*) die "unknown option $1" ;;
        *) [ -z "$CACHE_DIR" ] || die "only one CACHE_DIR expected"; CACHE_DIR=$1; shift ;;
    esac
done
[ -n "$CACHE_DIR" ] || die "usage: prepare-vm.sh [--bin DIR] [--command FILE] [--output FILE] CACHE_DIR"
[ -z "$BIN_DIR" ] || [ -d "$BIN_DIR" ] || die "binary directory $BIN_DIR does not exist"
[ -z "$COMMAND_FILE" ] || [ -f "$COMMAND_FILE" ] || die "command file $COMMAND_FILE does not exist"

mkdir -p "$CACHE_DIR"
CACHE_DIR=$(readlink -f "$CACHE_DIR")
OUTPUT=${OUTPUT:-$CACHE_DIR/initramfs.cpio}
mkdir -p "$CACHE_DIR/debs"

# Several tests may prepare at once (ctest -j): the cache is built under a lock,
# the per-run archive in a private temporary directory.
exec 9>"$CACHE_DIR/.lock"
flock 9

TMP=$(mktemp -d "$CACHE_DIR/tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------------------
# Host packages.  They are build inputs only: the kernel itself is unpacked
# into the cache and never installed.
# ---------------------------------------------------------------------------
APT_UPDATED=0
apt_update_once() {
    [ "$APT_UPDATED" = 0 ] || return 0
    [ "${KSSCOPE_VM_NO_APT:-0}" != 1 ] || return 0
    log "apt-get update"
    apt-get update -qq >&2 || log "apt-get update failed; using the package lists as they are"
    APT_UPDATED=1
    LISTS_KEY=$(lists_key)
}

pkg_installed() {
    [ "$(dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

ensure_host_packages() {
    local missing=() p
    for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
    [ ${#missing[@]} -gt 0 ] || return 0
    [ "${KSSCOPE_VM_NO_APT:-0}" != 1 ] || die "missing host packages: ${missing[*]}"
    [ "$(id -u)" = 0 ] || die "missing host packages (run as root or install them): ${missing[*]}"
    log "installing host packages: ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
        apt_update_once
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
}

# apt-cache reads every package list on each call (~0.5 s); its answers only
# change with the lists, so remember them per state of /var/lib/apt/lists.
lists_key() { stat -c '%n %Y %s' /var/lib/apt/lists/* 2>/dev/null | sha256sum | cut -c1-16; }
LISTS_KEY=$(lists_key)
apt_cache() {
    local memo
    memo=$CACHE_DIR/apt-memo/$LISTS_KEY-$(printf '%s ' "$@" | sha256sum | cut -c1-16)
    if [ ! -s "$memo" ]; then
        mkdir -p "$CACHE_DIR/apt-memo"
        find "$CACHE_DIR/apt-memo" -type f ! -name "$LISTS_KEY-*" -delete
        apt-cache "$@" >"$memo.tmp" 2>/dev/null || true
        mv "$memo.tmp" "$memo"
    fi
    cat "$memo"
}

# Candidate version of a package, empty when apt does not know it.
candidate() {
    apt_cache policy "$1" | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# Download NAME=VERSION into the cache unless the .deb is already there; prints its path.
fetch_deb() {
    local name=$1 version=$2 deb
    deb=$(find "$CACHE_DIR/debs" -maxdepth 1 -name "${name}_${version//:/%3a}_*.deb" -print -quit)
    if [ -z "$deb" ]; then
        log "downloading $name $version"
        # The cache may not be readable by apt's sandbox user: download as root.
        (cd "$CACHE_DIR/debs" && apt-get -o APT::Sandbox::User=root download -qq "$name=$version" >&2) \
            || die "apt-get download $name=$version failed"
        deb=$(find "$CACHE_DIR/debs" -maxdepth 1 -name "${name}_${version//:/%3a}_*.deb" -print -quit)
        [ -n "$deb" ] || die "downloaded $name but cannot find its .deb"
    fi
    printf '%s\n' "$deb"
}

ensure_host_packages cpio kmod qemu-system-x86 v4l-utils trace-cmd make gcc xz-utils

# ---------------------------------------------------------------------------
# Which kernel: the one Debian's metapackage linux-image-amd64 points at.
# ---------------------------------------------------------------------------
kernel_pkg() {
    apt_cache depends linux-image-amd64 \
        | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
KPKG=$(kernel_pkg || true)
if [ -z "$KPKG" ]; then
    apt_update_once
    KPKG=$(kernel_pkg || true)
fi
KPKG_VERSION=
[ -z "$KPKG" ] || KPKG_VERSION=$(candidate "$KPKG")
if [ -z "$KPKG" ] || [ -z "$KPKG_VERSION" ]; then
    # Offline with no package lists: fall back to the newest kernel already cached.
    last=$(ls -d "$CACHE_DIR"/kernel-*/.done 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$last" ] || die "cannot find linux-image-amd64's kernel package (apt-get update?)"
    KPKG=$(cat "$(dirname "$last")/package")
    KPKG_VERSION=$(cat "$(dirname "$last")/version")
    log "package lists unavailable; using cached $KPKG $KPKG_VERSION"
fi
KVER=${KPKG#linux-image-}           # e.g. 6.1.0-56-amd64: the module directory name
KSERIES=$(printf '%s' "$KVER" | cut -d. -f1,2)   # e.g. 6.1: linux-source-6.1
log "kernel: $KPKG $KPKG_VERSION (modules $KVER)"

# ---------------------------------------------------------------------------
# 1. The kernel, unpacked (dpkg -x) into the cache.
# ---------------------------------------------------------------------------
KROOT=$CACHE_DIR/kernel-$KPKG_VERSION
if [ ! -f "$KROOT/.done" ]; then
    deb=$(fetch_deb "$KPKG" "$KPKG_VERSION")
    log "unpacking $(basename "$deb")"
    rm -rf "$KROOT"; mkdir -p "$TMP/kx"
    dpkg -x "$deb" "$TMP/kx"
    # Keep only what the VM needs: vmlinuz and the module tree.
    mkdir -p "$TMP/k/lib/modules"
    cp "$TMP/kx/boot/vmlinuz-$KVER" "$TMP/k/vmlinuz"
    mv "$TMP/kx/lib/modules/$KVER" "$TMP/k/lib/modules/"
    printf '%s\n' "$KPKG" >"$TMP/k/package"
    printf '%s\n' "$KPKG_VERSION" >"$TMP/k/version"
    rm -rf "$TMP/kx"
    mv "$TMP/k" "$KROOT"
    touch "$KROOT/.done"
fi

# ---------------------------------------------------------------------------
# 2. vimc, built out of tree.  Debian's kernel config leaves CONFIG_VIDEO_VIMC
# unset, so build just that directory of the matching linux-source tarball
# against the matching linux-headers package.
# ---------------------------------------------------------------------------
VIMC_DIR=$CACHE_DIR/vimc-$KPKG_VERSION
if [ ! -f "$VIMC_DIR/.done" ]; then
    ensure_host_packages "linux-headers-$KVER"
    hdr_version=$(dpkg-query -W -f '${Version}' "linux-headers-$KVER")
    [ "$hdr_version" = "$KPKG_VERSION" ] \
        || die "linux-headers-$KVER is $hdr_version but the kernel is $KPKG_VERSION (apt-get install linux-headers-$KVER?)"
    src_deb=$(fetch_deb "linux-source-$KSERIES" "$KPKG_VERSION")
    log "extracting drivers/media/test-drivers/vimc from $(basename "$src_deb")"
    rm -rf "$VIMC_DIR"; mkdir -p "$TMP/vimc-src"
    # The .deb holds one big tar.xz; stream it and keep only the vimc directory.
    dpkg-deb --fsys-tarfile "$src_deb" \
        | tar -xO "./usr/src/linux-source-$KSERIES.tar.xz" \
        | tar -xJ -C "$TMP/vimc-src" --strip-components=4 \
              "linux-source-$KSERIES/drivers/media/test-drivers/vimc"
    [ -f "$TMP/vimc-src/vimc/Makefile" ] || die "vimc sources not found in linux-source-$KSERIES"
    log "building vimc.ko against linux-headers-$KVER"
    make -s -C "/usr/src/linux-headers-$KVER" M="$TMP/vimc-src/vimc" CONFIG_VIDEO_VIMC=m \
        -j"$(nproc)" modules >"$TMP/vimc-build.log" 2>&1 \
        || { cat "$TMP/vimc-build.log" >&2; die "vimc build failed"; }
    vermagic=$(modinfo -F vermagic "$TMP/vimc-src/vimc/vimc.ko")
    case $vermagic in "$KVER "*) ;; *) die "vimc.ko vermagic '$vermagic' does not match $KVER" ;; esac
    mkdir -p "$TMP/vimc-out"
    cp "$TMP/vimc-src/vimc/vimc.ko" "$TMP/vimc-build.log" "$TMP/vimc-out/"
    mv "$TMP/vimc-out" "$VIMC_DIR"
    touch "$VIMC_DIR/.done"
fi

# Module tree used to resolve dependencies: the kernel's plus vimc in updates/.
if [ ! -f "$KROOT/lib/modules/$KVER/updates/vimc.ko" ] \
        || ! cmp -s "$VIMC_DIR/vimc.ko" "$KROOT/lib/modules/$KVER/updates/vimc.ko"; then
    mkdir -p "$KROOT/lib/modules/$KVER/updates"
    cp "$VIMC_DIR/vimc.ko" "$KROOT/lib/modules/$KVER/updates/vimc.ko"
    log "depmod for the cached module tree"
    depmod -b "$KROOT" "$KVER"
fi

# ---------------------------------------------------------------------------
# 3. busybox-static: shell, mount, modprobe, poweroff... for the guest.
# ---------------------------------------------------------------------------
BB_VERSION=$(candidate busybox-static)
if [ -z "$BB_VERSION" ]; then
    last=$(ls -d "$CACHE_DIR"/busybox-*/.done 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$last" ] || die "apt does not know busybox-static (apt-get update?)"
    BB_VERSION=$(cat "$(dirname "$last")/version")
fi
BB_DIR=$CACHE_DIR/busybox-${BB_VERSION//:/_}
if [ ! -f "$BB_DIR/.done" ]; then
    deb=$(fetch_deb busybox-static "$BB_VERSION")
    rm -rf "$BB_DIR"; dpkg -x "$deb" "$TMP/bb"
    mkdir -p "$TMP/bbout"; cp "$TMP/bb/bin/busybox" "$TMP/bbout/"
    printf '%s\n' "$BB_VERSION" >"$TMP/bbout/version"
    mv "$TMP/bbout" "$BB_DIR"; touch "$BB_DIR/.done"
fi

# ---------------------------------------------------------------------------
# Helpers for copying dynamic executables with their shared libraries.
# ---------------------------------------------------------------------------
is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }

# The guest has a merged /usr (lib -> usr/lib, lib64 -> usr/lib64): store every
# file under its /usr path so a second archive never replaces those symlinks.
guest_path() {
    case $1 in
        /lib/*|/lib64/*|/bin/*|/sbin/*) printf '/usr%s\n' "$1" ;;
        *) printf '%s\n' "$1" ;;
    esac
}

# Shared libraries (and the dynamic loader) an ELF file needs, one host path per line.
needed_libs() {
    local out
    out=$(ldd "$1" 2>&1) || return 0         # static binaries and non-executables: nothing
    if printf '%s\n' "$out" | grep -q 'not found'; then
        printf '%s\n' "$out" >&2
        die "$1 needs libraries that are not on this host"
    fi
    printf '%s\n' "$out" | awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }'
}

# copy_libs STAGE SKIPLIST FILE...: copy the libraries of FILEs into STAGE, except
# those already listed (guest paths) in SKIPLIST.
copy_libs() {
    local stage=$1 skip=$2 f lib dest
    shift 2
    for f in "$@"; do
        is_elf "$f" || continue
        needed_libs "$f"
    done | sort -u | while read -r lib; do
        dest=$(guest_path "$lib")
        if [ -n "$skip" ] && grep -qxF ".$dest" "$skip"; then continue; fi
        mkdir -p "$stage$(dirname "$dest")"
        cp -L "$lib" "$stage$dest"
    done
}

make_cpio() {   # make_cpio DIR OUT: uncompressed newc archive, files owned by root
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$2"
}

# ---------------------------------------------------------------------------
# 4. Base initramfs: busybox, /init, modules, v4l-utils.  Rebuilt when a package
# version, the module list or this script changes.
# ---------------------------------------------------------------------------
V4L_VERSION=$(dpkg-query -W -f '${Version}' v4l-utils)
TRACECMD_VERSION=$(dpkg-query -W -f '${Version}' trace-cmd)
BASE_KEY=$( { printf '%s\n' "$KPKG_VERSION" "$BB_VERSION" "$V4L_VERSION" "$TRACECMD_VERSION" "$MODULES"
              sha256sum "$VIMC_DIR/vimc.ko" "$SCRIPT_PATH" | cut -d' ' -f1; } | sha256sum | cut -c1-16)
BASE=$CACHE_DIR/base-$BASE_KEY.cpio
if [ ! -f "$BASE" ]; then
    log "building base initramfs ($BASE_KEY)"
    S=$TMP/base
    mkdir -p "$S"/{bin,sbin,usr/bin,usr/sbin,usr/lib,usr/lib64,usr/local/bin,etc/ksscope,proc,sys,dev,tmp,root,run}
    ln -s usr/lib "$S/lib"
    ln -s usr/lib64 "$S/lib64"

    cp "$BB_DIR/busybox" "$S/bin/busybox"
    # One symlink per applet, at the path busybox itself reports.
    "$BB_DIR/busybox" --list-full | while read -r applet; do
        [ -e "$S/$applet" ] || [ -L "$S/$applet" ] || ln -s /bin/busybox "$S/$applet"
    done

    # Kernel modules: the requested ones and everything modprobe would load first.
    mdir=lib/modules/$KVER
    mkdir -p "$S/usr/$mdir"
    for m in $MODULES; do
        modprobe -d "$KROOT" -S "$KVER" --show-depends "$m" >"$TMP/deps" \
            || die "module $m not found for $KVER"
        awk '$1 == "insmod" { print $2 }' "$TMP/deps"
    done | sort -u | while read -r ko; do
        rel=${ko#"$KROOT"/}
        mkdir -p "$S/usr/$(dirname "$rel")"
        cp "$ko" "$S/usr/$rel"
    done
    # modprobe must know which modules are built in (it treats them as loaded).
    for f in modules.order modules.builtin modules.builtin.modinfo; do
        [ ! -f "$KROOT/$mdir/$f" ] || cp "$KROOT/$mdir/$f" "$S/usr/$mdir/"
    done
    depmod -b "$S" "$KVER"
    printf '%s\n' "$MODULES" | tr -s ' ' '\n' | grep . >"$S/etc/ksscope/modules"
    printf '%s\n' "$KPKG $KPKG_VERSION" "busybox-static $BB_VERSION" "v4l-utils $V4L_VERSION" \
        >"$S/etc/ksscope/versions"

    # v4l-utils tools with their libraries (C++: libstdc++, libgcc_s, libm) and ld.so; trace-cmd, an independent
    # recorder of the tracepoints KsScope reads.
    v4l_tools=()
    for t in v4l2-ctl media-ctl v4l2-compliance trace-cmd; do
        p=$(command -v "$t" || true)
        [ -n "$p" ] || { [ "$t" = v4l2-compliance ] && continue; die "$t not found on the host"; }
        cp -L "$p" "$S/usr/bin/$t"; v4l_tools+=("$p")
    done
    copy_libs "$S" "" "${v4l_tools[@]}"

    cat >"$S/init" <<'EOF'
#!/bin/sh
# PID 1 of the test VM: load the test drivers, run the command from
# /etc/ksscope/command, report its exit code, power off.
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root TERM=dumb
export LD_LIBRARY_PATH=/usr/local/lib:/usr/lib/x86_64-linux-gnu

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# No tmpfs on /tmp: the initramfs root is already writable, and libraries of
# project binaries may sit under /tmp (build trees, RUNPATH) in the archive.
mkdir -p /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

note() { echo "ksscope-vm: $*" >/dev/console; }

# The command's output goes to the second serial port so that kernel messages
# (which go to the console, ttyS0) never mix with it.  raw: no \n -> \r\n.
OUT=/dev/ttyS1
[ -c "$OUT" ] || OUT=/dev/console
stty -F "$OUT" 115200 raw -echo 2>/dev/null

# Module options from the kernel command line (vivid.n_devs=2 ...) are passed
# to modprobe explicitly; busybox's modprobe does not read /proc/cmdline.
status=0
for m in $(cat /etc/ksscope/modules); do
    opts=
    for word in $(cat /proc/cmdline); do
        case $word in "$m".*=*) opts="$opts ${word#"$m".}" ;; esac
    done
    note "modprobe $m$opts"
    modprobe "$m" $opts || { note "modprobe $m failed"; status=1; }
done

# Device nodes appear when the drivers probe; wait briefly for the media
# devices of every loaded driver and at least one video node.
want=$(grep -c . /etc/ksscope/modules)
i=0
while [ $i -lt 100 ]; do
    n=$(ls /dev/media* 2>/dev/null | wc -l)
    if [ "$n" -ge "$want" ] && ls /dev/video* >/dev/null 2>&1; then break; fi
    sleep 0.1; i=$((i + 1))
done
[ $i -lt 100 ] || note "timed out waiting for /dev/media* and /dev/video*"
note "devices: $(echo /dev/video* /dev/media* /dev/v4l-subdev* 2>/dev/null)"

cd /tmp
if [ $status -ne 0 ]; then
    echo "ksscope-vm: a test driver failed to load; see the console log" >"$OUT"
    rc=125
elif [ -f /etc/ksscope/command ]; then
    sh -c "$(cat /etc/ksscope/command)" </dev/null >"$OUT" 2>&1
    rc=$?
else
    { v4l2-ctl --list-devices; } </dev/null >"$OUT" 2>&1
    rc=$?
fi
# The whole kernel log goes to the third serial port (the host keeps it as
# dmesg.log): the console itself only shows warnings and worse.
[ ! -c /dev/ttyS2 ] || { stty -F /dev/ttyS2 115200 raw -echo; dmesg >/dev/ttyS2; } 2>/dev/null
# Closing the tty waits for its output to drain, so the marker is the last byte
# the host sees before power-off.
echo "KSSCOPE-VM-EXIT=$rc" >"$OUT"
note "command exited with $rc, powering off"
sync
poweroff -f
EOF
    chmod 755 "$S/init"

    (cd "$S" && find . -mindepth 1 | LC_ALL=C sort) >"$TMP/base.list"
    make_cpio "$S" "$TMP/base.cpio"
    mv "$TMP/base.list" "$BASE.list"
    mv "$TMP/base.cpio" "$BASE"
    # Drop base archives of older keys.
    for old in "$CACHE_DIR"/base-*.cpio; do
        [ "$old" = "$BASE" ] || rm -f "$old" "$old.list"
    done
    log "base initramfs: $(du -h "$BASE" | cut -f1)"
fi

{
    printf 'kernel %s %s\n' "$KPKG" "$KPKG_VERSION"
    printf 'linux-headers-%s %s\n' "$KVER" "$(dpkg-query -W -f '${Version}' "linux-headers-$KVER" 2>/dev/null || echo '(built earlier)')"
    printf 'linux-source-%s %s\n' "$KSERIES" "$KPKG_VERSION"
    printf 'busybox-static %s\n' "$BB_VERSION"
    printf 'v4l-utils %s\n' "$V4L_VERSION"
    printf 'qemu-system-x86 %s\n' "$(dpkg-query -W -f '${Version}' qemu-system-x86)"
} >"$CACHE_DIR/versions.txt"

# The cache is complete; the per-run part needs no lock.
flock -u 9

# ---------------------------------------------------------------------------
# 5. Per-run archive: project binaries (+ libraries not already in the base)
# and the command.  The kernel unpacks concatenated cpio archives in order.
# ---------------------------------------------------------------------------
E=$TMP/extra
mkdir -p "$E/usr/local/bin" "$E/etc/ksscope"
if [ -n "$BIN_DIR" ]; then
    log "adding project binaries from $BIN_DIR"
    cp -rL "$BIN_DIR"/. "$E/usr/local/bin/"
    mapfile -t files < <(find "$E/usr/local/bin" -type f)
    # without their debug information: the guest's root is its initramfs, in memory, where vivid's buffers need room
    # too (the symbols stay for backtraces)
    for f in "${files[@]}"; do
        if is_elf "$f"; then
            chmod a+x "$f"
            strip --strip-debug "$f" 2>/dev/null || true
        fi
    done
    [ ${#files[@]} -eq 0 ] || copy_libs "$E" "$BASE.list" "${files[@]}"
fi
[ -z "$COMMAND_FILE" ] || cp "$COMMAND_FILE" "$E/etc/ksscope/command"
make_cpio "$E" "$TMP/extra.cpio"

mkdir -p "$(dirname "$OUTPUT")"
cat "$BASE" "$TMP/extra.cpio" >"$OUTPUT.tmp.$$"
mv "$OUTPUT.tmp.$$" "$OUTPUT"
log "initramfs: $OUTPUT ($(du -h "$OUTPUT" | cut -f1))"

printf 'KSSCOPE_VM_KERNEL=%s\n' "$KROOT/vmlinuz"
printf 'KSSCOPE_VM_INITRD=%s\n' "$OUTPUT"
