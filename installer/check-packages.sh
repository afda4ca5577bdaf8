#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# installer/check-packages.sh deb BUILD_DIR     build the .deb and .tar.gz from BUILD_DIR (a native build), check
#                                               them (lintian, AppStream, desktop entry), install the .deb with apt,
#                                               run the installed programs from their installed paths, remove it
# installer/check-packages.sh nsis BUILD_DIR    build the NSIS installer from BUILD_DIR (the mingw-w64 cross build),
#                                               check its contents (every DLL the programs import is in it or in
#                                               Windows), install it silently under wine, run the installed
#                                               ksscope-cli.exe and ksscope.exe, check the shortcut and the .ksrec
#                                               association, uninstall it and check nothing is left
#
# Installing needs root or sudo. Exits non-zero, saying what was wrong, on the first failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() {
    echo "check-packages: $*" >&2
    exit 1
}

sudo=()
if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || fail "need root or sudo to install the package"
    sudo=(sudo)
fi

check_deb() {
    local build out
    build=$(realpath "$1")
    out="$build/packages"
    rm -rf "$out"
    log "cpack DEB and TGZ ($build)"
    (cd "$build" && cpack -G "DEB;TGZ" >/dev/null)
    local deb tgz
    deb=$(ls "$out"/ksscope_*.deb)
    tgz=$(ls "$out"/ksscope-*-Linux.tar.gz)
    local version
    version=$(dpkg-deb -f "$deb" Version)

    log "lintian $(basename "$deb")"
    # --fail-on error: any error fails; warnings are printed for a person to read
    local findings rc=0
    findings=$(lintian --fail-on error "$deb" 2>&1) || rc=$?
    grep -v "^running with root privileges" <<<"$findings" >&2 || true
    ((rc == 0)) || fail "lintian found errors in $deb"

    local stage
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' RETURN
    dpkg-deb -x "$deb" "$stage"
    log "appstreamcli validate, desktop-file-validate"
    appstreamcli validate --no-net --explain "$stage/usr/share/metainfo/org.ksscope.KsScope.metainfo.xml" >&2 ||
        fail "the AppStream metainfo does not validate"
    desktop-file-validate "$stage/usr/share/applications/org.ksscope.KsScope.desktop" ||
        fail "the desktop entry does not validate"
    # the tarball holds the same files under ksscope-VERSION-Linux/
    local in_deb in_tgz
    in_deb=$(cd "$stage/usr" && find . -type f | sort)
    in_tgz=$(tar -tzf "$tgz" | grep -v '/$' | sed 's|^[^/]*/|./|' | sort)
    [[ "$in_deb" == "$in_tgz" ]] || fail "$tgz does not hold the files of $deb: $(diff <(echo "$in_deb") <(echo "$in_tgz") | head -5)"

    log "apt install $deb"
    local apt_out
    apt_out=$(DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        --allow-downgrades "$(realpath "$deb")" 2>&1) || fail "apt-get install $deb failed: $apt_out"
    [[ "$(dpkg-query -W -f='${Version}' ksscope)" == "$version" ]] || fail "ksscope $version is not installed"
    local files
    files=$(dpkg-query -L ksscope)

    log "the installed programs"
    local v
    v=$(/usr/bin/ksscope-cli --version)
    [[ "$v" == "ksscope-cli $version"* ]] || fail "/usr/bin/ksscope-cli --version says \"$v\", the package is $version"
    v=$(env -u DISPLAY -u WAYLAND_DISPLAY /usr/bin/ksscope --version)
    [[ "$v" == "ksscope $version"* ]] || fail "/usr/bin/ksscope --version says \"$v\" (it must not need a display)"
    local list
    list=$(cd / && /usr/bin/ksscope-cli --backend sim list) || fail "/usr/bin/ksscope-cli list failed"
    grep -q "sim:avshws" <<<"$list" || fail "/usr/bin/ksscope-cli list shows no simulated filter: $list"
    /usr/bin/ksscope-cli --backend sim --scenario /usr/share/ksscope/scenarios/starvation.json \
        watch --duration 1 --json | tail -1 | grep -q '"type":"summary"' ||
        fail "the installed starvation scenario did not run"
    # the agent, with the installed alert rules beside it
    [[ -s /usr/share/ksscope/prometheus/ksscope-alerts.yml ]] || fail "the package has no Prometheus alert rules"
    local agentlog="$out/installed-serve.log" port metrics
    (cd / && timeout 20 /usr/bin/ksscope-cli --backend sim serve --listen 127.0.0.1:0 --duration 5 >"$agentlog" 2>&1) &
    local agentpid=$!
    for _ in $(seq 50); do
        port=$(sed -n 's|.*at http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' "$agentlog" 2>/dev/null || true)
        [[ -n "$port" ]] && break
        sleep 0.1
    done
    [[ -n "$port" ]] || fail "the installed ksscope-cli serve did not start: $(cat "$agentlog")"
    metrics=$(curl -sf "http://127.0.0.1:$port/metrics") || fail "the installed agent did not answer /metrics"
    grep -q '^ksscope_allocator_allocated_frames{backend="sim",device="sim:avshws"' <<<"$metrics" ||
        fail "the installed agent's /metrics has no allocator series"
    wait "$agentpid" || fail "the installed ksscope-cli serve failed: $(cat "$agentlog")"
    # the window: on a virtual X server, with the installed desktop entry's command
    local exec shot="$out/installed-ksscope.png" summary
    exec=$(sed -n 's/^Exec=//p' /usr/share/applications/org.ksscope.KsScope.desktop)
    [[ "$(command -v "$exec")" == /usr/bin/ksscope ]] || fail "the desktop entry's Exec=$exec is not /usr/bin/ksscope"
    summary=$(cd / && xvfb-run -a -s "-screen 0 1280x800x24" "$(command -v "$exec")" --backend sim --size 1280x800 \
        --screenshot "$shot" --after 3) || fail "the installed ksscope did not run: $summary"
    [[ -s "$shot" ]] || fail "the installed ksscope saved no screenshot"
    grep -q "screenshot saved" <<<"$summary" || fail "unexpected output of the installed ksscope: $summary"
    # the topology was laid out by Graphviz's dot, found without a run path
    if grep -qi "layout failed\|graphviz" <<<"$summary"; then
        fail "the installed ksscope could not lay out the topology: $summary"
    fi
    echo "$summary" >&2
    man -w ksscope >/dev/null && man -w ksscope-cli >/dev/null || fail "the man pages are not found by man"
    [[ -f /usr/share/icons/hicolor/scalable/apps/org.ksscope.KsScope.svg ]] || fail "the icon is missing"

    log "apt remove --purge ksscope"
    apt_out=$(DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get remove --purge -y -qq ksscope 2>&1) ||
        fail "apt-get remove ksscope failed: $apt_out"
    if dpkg-query -W -f='${Status}' ksscope 2>/dev/null | grep -q "installed"; then
        fail "ksscope is still installed after apt remove"
    fi
    local left=()
    while read -r f; do
        [[ -f "$f" || -L "$f" ]] && left+=("$f")
    done <<<"$files"
    ((${#left[@]} == 0)) || fail "files left after removal: ${left[*]}"
    log "package checks passed: $(basename "$deb") ($(du -h "$deb" | cut -f1)), $(basename "$tgz")"
}

check_nsis() {
    local build out
    build=$(realpath "$1")
    out="$build/packages"
    rm -rf "$out"
    log "cpack NSIS64 ($build)"
    (cd "$build" && cpack -G NSIS64 >/dev/null)
    local exe
    exe=$(ls "$out"/ksscope-*-win64.exe)

    log "contents of $(basename "$exe")"
    local listing
    listing=$(7z l -ba "$exe" | awk '{print $NF}')
    for f in bin/ksscope-cli.exe Uninstall.exe scenarios/default.json scenarios/starvation.json doc/README.md \
        doc/LICENSE doc/docs/WINDOWS.md; do
        grep -qx "$f" <<<"$listing" || fail "$exe does not contain $f"
    done
    local gui=0
    if [[ -f "$build/app/gui/ksscope.exe" ]]; then
        gui=1
        # the window with exactly what it loads: the DLLs beside it and the Qt plugins in their folders
        for f in bin/ksscope.exe bin/Qt6Core.dll bin/Qt6Gui.dll bin/Qt6Widgets.dll bin/Qt6PrintSupport.dll \
            bin/libQCustomPlotQt6.dll bin/libgvc.dll bin/libgvplugin_dot_layout.dll bin/sqlite3.dll \
            bin/libstdc++-6.dll bin/platforms/qwindows.dll bin/platforms/qoffscreen.dll \
            bin/styles/qwindowsvistastyle.dll bin/imageformats/qico.dll; do
            grep -qx "$f" <<<"$listing" || fail "$exe does not contain $f"
        done
        # every DLL the programs and their DLLs import is in the installer or part of Windows
        local stage dll missing=()
        stage=$(mktemp -d)
        7z x -o"$stage" "$exe" 'bin/*' >/dev/null
        local shipped
        shipped=$(cd "$stage/bin" && find . -iname '*.dll' -printf '%f\n' | tr '[:upper:]' '[:lower:]')
        while read -r dll; do
            dll=${dll,,}
            grep -qx "$dll" <<<"$shipped" && continue
            case $dll in
            kernel32.dll | user32.dll | gdi32.dll | advapi32.dll | shell32.dll | ole32.dll | oleaut32.dll | \
                comdlg32.dll | winspool.drv | ws2_32.dll | mpr.dll | userenv.dll | version.dll | winmm.dll | \
                netapi32.dll | uxtheme.dll | dwmapi.dll | imm32.dll | shlwapi.dll | setupapi.dll | cfgmgr32.dll | \
                uuid.dll | msvcrt.dll | d3d9.dll | d3d11.dll | dxgi.dll | dwrite.dll | wtsapi32.dll | \
                authz.dll | rpcrt4.dll | ksuser.dll | shcore.dll | d2d1.dll | dwrite.dll | api-ms-win-*) ;;
            *) missing+=("$dll") ;;
            esac
        done < <(find "$stage/bin" \( -iname '*.exe' -o -iname '*.dll' \) -exec x86_64-w64-mingw32-objdump -p {} \; |
            sed -n 's/^\s*DLL Name: //p' | sort -u)
        rm -rf "$stage"
        ((${#missing[@]} == 0)) || fail "$exe lacks DLLs its programs load: ${missing[*]}"
    fi

    log "silent install under wine"
    export WINEPREFIX="$build/wine-installer-prefix" WINEDEBUG=-all
    export WINEDLLOVERRIDES="mscoree=;mshtml=;winealsa.drv=;winepulse.drv=;winegstreamer="
    rm -rf "$WINEPREFIX"
    local target="$WINEPREFIX/drive_c/KsScope"
    # /D= must come last; the installer waits for nothing, so wait for wine to finish
    wine "$exe" /S '/D=C:\KsScope' </dev/null >/dev/null 2>&1 || true
    wineserver -w
    [[ -f "$target/bin/ksscope-cli.exe" ]] || fail "the installer did not install bin/ksscope-cli.exe into C:\\KsScope"
    [[ -f "$target/Uninstall.exe" ]] || fail "the installer wrote no Uninstall.exe"
    local list
    list=$(wine "$target/bin/ksscope-cli.exe" --backend sim list </dev/null 2>&1) ||
        fail "the installed ksscope-cli.exe list failed: $list"
    grep -q "sim:avshws" <<<"$list" || fail "the installed ksscope-cli.exe list shows no simulated filter: $list"
    wine "$target/bin/ksscope-cli.exe" --backend sim --scenario 'C:\KsScope\scenarios\starvation.json' list \
        </dev/null >/dev/null 2>&1 || fail "the installed ksscope-cli.exe cannot read its installed scenarios"
    if ((gui)); then
        # the installed window on the simulated devices, offscreen (wine passes no QT_* variable: the prefix's
        # environment holds them, as for the tests): a screenshot. (Its text output is checked by tst_mainwindow under wine: a window
        # program started by wine from a Linux shell has no standard output.)
        rm -f "$out/installed.png"
        "$here/../cmake/wine-prefix.sh"
        wine "$target/bin/ksscope.exe" --size 800x600 --screenshot "$out/installed.png" --after 2 \
            </dev/null >/dev/null 2>&1 || fail "the installed ksscope.exe could not take a screenshot"
        [[ -s "$out/installed.png" ]] || fail "the installed ksscope.exe wrote no screenshot"
        # recordings open in the window; the Start menu has it
        wine reg query 'HKLM\Software\Classes\KsScope.Recording\shell\open\command' </dev/null 2>/dev/null |
            grep -qi 'ksscope.exe" --recording' || fail "the installer did not associate .ksrec files with ksscope.exe"
        find "$WINEPREFIX/drive_c" -iname 'KsScope.lnk' | grep -q . || fail "the installer made no Start-menu shortcut to KsScope"
    fi

    log "silent uninstall under wine"
    # _?= runs the uninstaller in place and waits for it (otherwise it copies itself away and returns at once)
    wine "$target/Uninstall.exe" /S '_?=C:\KsScope' </dev/null >/dev/null 2>&1 || true
    wineserver -w
    rm -f "$target/Uninstall.exe" # in place, the uninstaller cannot delete itself
    if [[ -e "$target/bin" || -e "$target/scenarios" ]]; then
        fail "files left after uninstalling: $(find "$target" | head -5)"
    fi
    if ((gui)); then
        ! wine reg query 'HKLM\Software\Classes\KsScope.Recording' </dev/null >/dev/null 2>&1 ||
            fail "the uninstaller left the .ksrec association"
        ! find "$WINEPREFIX/drive_c" -iname 'KsScope.lnk' | grep -q . || fail "the uninstaller left the Start-menu shortcut"
    fi
    wineserver -k || true
    rm -rf "$WINEPREFIX"
    log "installer checks passed: $(basename "$exe") ($(du -h "$exe" | cut -f1))"
}

case "${1:-}" in
deb) check_deb "${2:?build folder}" ;;
nsis) check_nsis "${2:?build folder}" ;;
*)
    sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
