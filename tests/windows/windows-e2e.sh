#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The Windows programs under wine, as a person uses them, and recordings between Windows and Linux:
#   ksscope-cli.exe records the simulated devices; the Linux ksscope-cli reports on that recording, and
#   ksscope-cli.exe on one recorded on Linux, and both reports of one recording agree; ksscope.exe shows the
#   simulated pipeline moving (a screenshot that is not blank), replays a recording made on Linux, and draws the
#   PDF report (rendered with pdftoppm); ksscope-cli.exe report --format pdf runs ksscope.exe for it; both Windows
#   programs watch a Linux agent (ksscope-cli serve) over loopback.
#
#   windows-e2e.sh WIN_BUILD NATIVE_BUILD SCENARIOS OUT
# WIN_BUILD: the win preset's build folder; NATIVE_BUILD: a Linux build (ksscope-cli); OUT: a scratch folder.
set -euo pipefail

win=$(realpath "$1")
native=$(realpath "$2")
scenarios=$(realpath "$3")
out=$4
here=$(cd "$(dirname "$0")" && pwd)
wine_run="$here/../../cmake/wine-run.sh"
rm -rf "$out"
mkdir -p "$out"
out=$(realpath "$out")
cd "$out"

cli_exe="$win/app/ksscope-cli.exe"
gui_exe="$win/app/gui/ksscope.exe"
cli="$native/app/ksscope-cli"
for f in "$cli_exe" "$gui_exe" "$cli"; do
    [[ -x "$f" || -f "$f" ]] || { echo "windows-e2e: $f is missing: build the win and dev presets first" >&2; exit 1; }
done
# the window draws offscreen under wine, with the build machine's fonts: the wine prefix's environment says so
# (cmake/wine-prefix.sh), as wine passes no QT_* variable on
[[ -n "${WINEPREFIX:-}" ]] || { echo "windows-e2e: run it from ctest (WINEPREFIX: cmake/wine-prefix.sh)" >&2; exit 1; }

step() { printf '\n--- %s\n' "$*"; }
fail() { echo "windows-e2e: FAIL: $*" >&2; exit 1; }

# a PNG that shows something: its size, and more than a few colours over more than a bare background
check_png() { # file width height what
    python3 - "$@" <<'EOF'
import struct, sys, zlib
path, width, height, what = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
data = open(path, 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', f'{path} is not a PNG'
pos, idat, header = 8, b'', None
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        header = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
w, h, depth, colour, _, _, interlace = header
if (w, h) != (width, height):
    sys.exit(f'{what}: {w}x{h}, asked for {width}x{height}')
assert depth == 8 and interlace == 0 and colour in (2, 6), f'{path}: unexpected PNG format {header}'
bpp = 3 if colour == 2 else 4
raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
counts = {}
for line in rows:
    for x in range(0, stride, bpp):
        px = line[x:x + 3]
        counts[px] = counts.get(px, 0) + 1
background = max(counts.values())
drawn = 1 - background / (w * h)
print(f'{what}: {w}x{h}, {len(counts)} colours, {drawn:.0%} of it not background')
if len(counts) < 40 or drawn < 0.2:
    sys.exit(f'{what} looks blank: {len(counts)} colours, {drawn:.1%} drawn')
EOF
}

# pdftoppm renders every page: at least $2 pages, none of them empty
check_pdf() { # file pages what
    pdftoppm -r 30 -png "$1" "$1-page" || fail "$3: pdftoppm cannot render $1"
    local pages
    pages=$(ls "$1"-page-*.png | wc -l)
    ((pages >= $2)) || fail "$3: $pages page(s), expected at least $2"
    echo "$3: $pages pages"
}

step "ksscope-cli.exe records the simulated devices (starvation scenario)"
"$wine_run" "$cli_exe" --scenario "$scenarios/starvation.json" watch --duration 3 --record windows.ksrec >cli.log 2>&1 ||
    fail "ksscope-cli.exe watch --record: $(cat cli.log)"
[[ -s windows.ksrec ]] || fail "ksscope-cli.exe wrote no recording"

step "the Linux ksscope-cli reports on the Windows recording"
"$cli" report --recording windows.ksrec --format json -o windows-linux.json ||
    fail "the Linux ksscope-cli cannot report on a recording made on Windows"
"$cli" frames --recording windows.ksrec --csv >windows-frames.csv || fail "the Linux ksscope-cli frames --recording"

step "the Linux ksscope-cli records; ksscope-cli.exe reports on that"
"$cli" --scenario "$scenarios/starvation.json" watch --duration 3 --record linux.ksrec >/dev/null
"$wine_run" "$cli_exe" report --recording linux.ksrec --format json -o linux-windows.json >cli.log 2>&1 ||
    fail "ksscope-cli.exe cannot report on a recording made on Linux: $(cat cli.log)"
"$cli" report --recording linux.ksrec --format json -o linux-linux.json
"$wine_run" "$cli_exe" report --recording windows.ksrec --format json -o windows-windows.json >cli.log 2>&1 ||
    fail "ksscope-cli.exe report on its own recording: $(cat cli.log)"
"$wine_run" "$cli_exe" diff linux.ksrec windows.ksrec >diff.txt 2>&1 || fail "ksscope-cli.exe diff: $(cat diff.txt)"
grep -q "sim:avshws/pin0/allocator" diff.txt || fail "ksscope-cli.exe diff names no allocator: $(cat diff.txt)"

python3 - <<'EOF'
import json, sys
def load(name):
    return json.load(open(name))
def strip(report):
    report.pop('generatedUtc', None)  # when each report was written, and by which build
    report.pop('generatedBy', None)
    return report
for rec in ('linux', 'windows'):
    a, b = strip(load(f'{rec}-linux.json')), strip(load(f'{rec}-windows.json'))
    if a != b:
        keys = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
        sys.exit(f'the reports of {rec}.ksrec by the Linux and the Windows ksscope-cli differ in {keys}')
    allocators = a['allocators']
    assert allocators, f'{rec}.ksrec: no allocators reported'
    frames = sum(x.get('frames', {}).get('frames', 0) for x in allocators)
    print(f'{rec}.ksrec: Linux and Windows reports agree; {len(allocators)} allocator(s), {frames} frames followed, '
          f'recorded on {a["recording"]["os"] or "?"}')
    assert frames > 30, f'{rec}.ksrec: only {frames} frames followed in 3 s'
w = load('windows-linux.json')['recording']
assert w['os'].startswith('Windows'), f'windows.ksrec says it was recorded on "{w["os"]}"'
EOF

step "ksscope.exe on the simulated devices: a screenshot"
"$wine_run" "$gui_exe" --size 1280x800 --screenshot live.png --after 4 >gui.log 2>&1 ||
    fail "ksscope.exe --screenshot: $(cat gui.log)"
check_png live.png 1280 800 "ksscope.exe live"

step "ksscope.exe replays the recording made on Linux"
"$wine_run" "$gui_exe" --recording linux.ksrec --size 1280x800 --screenshot replay.png --after 3 >gui.log 2>&1 ||
    fail "ksscope.exe --recording linux.ksrec: $(cat gui.log)"
check_png replay.png 1280 800 "ksscope.exe replaying linux.ksrec"

step "ksscope.exe draws the PDF report of the Linux recording; ksscope-cli.exe has it draw the Windows one"
"$wine_run" "$gui_exe" --export-report linux.ksrec --output linux.pdf >gui.log 2>&1 ||
    fail "ksscope.exe --export-report: $(cat gui.log)"
check_pdf linux.pdf 2 "linux.pdf by ksscope.exe"
"$wine_run" "$cli_exe" report --recording windows.ksrec --format pdf -o windows.pdf >cli.log 2>&1 ||
    fail "ksscope-cli.exe report --format pdf: $(cat cli.log)"
check_pdf windows.pdf 2 "windows.pdf by ksscope-cli.exe"

step "ksscope-cli.exe and ksscope.exe watch an agent on Linux (ksscope-cli serve, the starvation scenario)"
"$cli" --scenario "$scenarios/starvation.json" serve --listen 127.0.0.1:0 --duration 60 >agent.log 2>&1 &
agent=$!
trap 'kill $agent 2>/dev/null || true' EXIT
port=
for _ in $(seq 100); do
    port=$(sed -n 's|.*at http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' agent.log)
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "$port" ]] || fail "the Linux agent did not start: $(cat agent.log)"
"$wine_run" "$cli_exe" --agent "http://127.0.0.1:$port" watch --duration 4 --json >agent-watch.json 2>cli.log ||
    fail "ksscope-cli.exe --agent: $(cat cli.log)"
python3 - <<'EOF2'
import json, sys
summary = [json.loads(l) for l in open('agent-watch.json') if '"type":"summary"' in l]
assert summary, 'ksscope-cli.exe --agent printed no summary'
allocators = {a['id']: a for a in summary[-1]['allocators']}
ids = [i for i in allocators if i.startswith('agent@127.0.0.1:') and i.endswith(':sim:avshws/pin0/allocator')]
assert ids, f'no allocator of the agent in {list(allocators)}'
a = allocators[ids[0]]
print(f"{ids[0]}: {a['samples']} samples, {a['starvationCount']} starvation episode(s), {a['drops']} dropped")
assert a['samples'] > 100 and a['starvationCount'] >= 1 and a['drops'] >= 1, a
EOF2
"$wine_run" "$gui_exe" --agent "http://127.0.0.1:$port" --size 1280x800 --screenshot agent.png --after 4 >gui.log 2>&1 ||
    fail "ksscope.exe --agent: $(cat gui.log)"
check_png agent.png 1280 800 "ksscope.exe watching the Linux agent"
kill $agent 2>/dev/null || true

step "passed"
