#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# prometheus-e2e.sh: scrape a real `ksscope-cli serve` with a real Prometheus and check
# that the series, the counters, the target and the alerting rules come through: the
# shipped KsScopeQueueStarving goes pending on the starvation scenario, and a copy of it
# whose "for" is cut to 5 s fires.
#
#   prometheus-e2e.sh KSSCOPE_CLI SCENARIO_DIR RULES_FILE WORKDIR
#
#   KSSCOPE_CLI   the ksscope-cli binary (e.g. build/dev/app/ksscope-cli)
#   SCENARIO_DIR  the directory holding starvation.json (resources/scenarios)
#   RULES_FILE    the alerting rules (resources/prometheus/ksscope-alerts.yml)
#   WORKDIR       scratch directory: prometheus.yml, the short rules copy, data/ (cleared
#                 first) and the logs
#
# Needs prometheus (2.x) on PATH (or $PROMETHEUS), python3 and curl. Everything listens
# on 127.0.0.1 only, on two free ports. The run takes about 10-20 s and at most about
# 90 s; both background processes are stopped on exit, whatever happens. Exit status 0
# when every check passed, 1 when one failed (its name is printed), 2 on a usage error.

set -euo pipefail

usage() {
    echo "usage: $0 KSSCOPE_CLI SCENARIO_DIR RULES_FILE WORKDIR" >&2
    exit 2
}
[[ $# -eq 4 ]] || usage
KSSCOPE_CLI=$1
SCENARIO_DIR=$2
RULES_FILE=$3
WORKDIR=$4
PROMETHEUS=${PROMETHEUS:-prometheus}

AGENT_READY_TIMEOUT=10   # s until the agent's /metrics answers
PROM_READY_TIMEOUT=25    # s until Prometheus's /-/ready answers
CHECK_TIMEOUT=45         # s for the checks against the Prometheus API
SAFETY_TIMEOUT=150       # s after which both processes stop by themselves (if this script was killed)

log() { printf '[e2e %5.1fs] %s\n' "$(elapsed)" "$*"; }
START_NS=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - START_NS) / 1000000 ))" | awk '{ printf "%.1f", $1 / 1000 }'; }

AGENT_PID=
PROM_PID=
CHECK_PID=
FAILED=
STARTED=   # set once the logs in WORKDIR are this run's

show_logs() {
    local f
    for f in "$WORKDIR/ksscope-cli.log" "$WORKDIR/prometheus.log"; do
        if [[ -f $f ]]; then
            echo "----- last lines of $f -----" >&2
            tail -n 25 "$f" >&2 || true
        fi
    done
}

fail() {
    FAILED=$1
    echo "[e2e] FAILED: $*" >&2
    exit 1
}

stop() { # pid name: TERM, up to 5 s, then KILL; always reaped
    local pid=$1 name=$2 i
    [[ -n $pid ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "[e2e] $name (pid $pid) did not stop on SIGTERM; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop "$CHECK_PID" checker
    stop "$PROM_PID" prometheus
    stop "$AGENT_PID" ksscope-cli
    if [[ $rc -ne 0 ]]; then
        [[ -n $STARTED ]] && show_logs
        local what=
        [[ -n $FAILED ]] && what=": check \"${FAILED%%:*}\" failed"
        echo "[e2e] FAIL (exit $rc)$what after $(elapsed) s" >&2
    else
        echo "[e2e] PASS after $(elapsed) s; both processes stopped"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- arguments and tools ----------------------------------------------------------------
[[ -n $WORKDIR ]] || usage
[[ -x $KSSCOPE_CLI ]] || fail "arguments: KSSCOPE_CLI '$KSSCOPE_CLI' is not an executable file"
[[ -r $SCENARIO_DIR/starvation.json ]] || fail "arguments: no readable starvation.json in SCENARIO_DIR '$SCENARIO_DIR'"
[[ -r $RULES_FILE ]] || fail "arguments: RULES_FILE '$RULES_FILE' is not readable"
command -v "$PROMETHEUS" >/dev/null || fail "tools: '$PROMETHEUS' not found (install prometheus or set PROMETHEUS)"
command -v python3 >/dev/null || fail "tools: python3 not found"
command -v curl >/dev/null || fail "tools: curl not found"

mkdir -p "$WORKDIR"
WORKDIR=$(cd "$WORKDIR" && pwd)
RULES_FILE=$(cd "$(dirname "$RULES_FILE")" && pwd)/$(basename "$RULES_FILE")
SCENARIO=$(cd "$SCENARIO_DIR" && pwd)/starvation.json
rm -rf "${WORKDIR:?}/data"
rm -f "$WORKDIR/prometheus.yml" "$WORKDIR/ksscope-alerts-short.yml" "$WORKDIR/ksscope-cli.log" "$WORKDIR/prometheus.log" "$WORKDIR/failed-checks"

free_port() { # one free loopback port (bound and released: another process may take it, hence the retries)
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

http_ok() { # url: 0 when it answers 2xx within 1 s
    curl --noproxy '*' -fsS --max-time 1 -o /dev/null "$1" 2>/dev/null
}

wait_http() { # pid url timeout: 0 once url answers, 1 when the process exited first, 2 on timeout
    local pid=$1 url=$2 timeout=$3 deadline
    deadline=$(( $(date +%s) + timeout ))
    while (( $(date +%s) < deadline )); do
        kill -0 "$pid" 2>/dev/null || return 1
        http_ok "$url" && return 0
        sleep 0.2
    done
    return 2
}

# --- the agent --------------------------------------------------------------------------
AGENT_PORT=
for attempt in 1 2 3; do
    AGENT_PORT=$(free_port)
    log "starting $KSSCOPE_CLI --scenario $SCENARIO serve --listen 127.0.0.1:$AGENT_PORT"
    "$KSSCOPE_CLI" --scenario "$SCENARIO" serve --listen "127.0.0.1:$AGENT_PORT" --duration "$SAFETY_TIMEOUT" \
        >"$WORKDIR/ksscope-cli.log" 2>&1 &
    AGENT_PID=$!
    STARTED=1
    rc=0
    wait_http "$AGENT_PID" "http://127.0.0.1:$AGENT_PORT/metrics" "$AGENT_READY_TIMEOUT" || rc=$?
    [[ $rc -eq 0 ]] && break
    if [[ $rc -eq 2 ]]; then
        fail "agent-start: http://127.0.0.1:$AGENT_PORT/metrics did not answer within $AGENT_READY_TIMEOUT s"
    fi
    agent_rc=0
    wait "$AGENT_PID" || agent_rc=$?
    AGENT_PID=
    if grep -q 'could not listen' "$WORKDIR/ksscope-cli.log" && [[ $attempt -lt 3 ]]; then
        log "port $AGENT_PORT was taken meanwhile; trying another"
        continue
    fi
    fail "agent-start: ksscope-cli exited with status $agent_rc before /metrics answered"
done
log "agent pid $AGENT_PID answers on http://127.0.0.1:$AGENT_PORT/metrics"

# --- the rules: as shipped, and a copy whose starving alert fires within the run ---------
# KsScopeQueueStarving waits 2 minutes before it fires, longer than this bounded run. Prometheus
# loads the shipped file (group "ksscope", where the alert must be pending) and a copy of it
# with that one rule's "for" cut to FIRE_AFTER and its group renamed "ksscope-short" (where
# the same expression on the same series must fire). Nothing else in the copy differs.
FIRE_AFTER=5s
SHORT_RULES="$WORKDIR/ksscope-alerts-short.yml"
python3 - "$RULES_FILE" "$SHORT_RULES" "$FIRE_AFTER" <<'PY' || fail "rules-copy: could not derive $SHORT_RULES from $RULES_FILE (see above)"
import re, sys
src, dst, fire_after = sys.argv[1:4]
lines = open(src).read().split("\n")
out, in_rule, groups, fors = [], False, 0, 0
for line in lines:
    if re.match(r"^\s*- alert:", line):
        in_rule = line.split(":", 1)[1].strip() == "KsScopeQueueStarving"
    if re.match(r"^\s*- name: ksscope\s*$", line):
        line, groups = line.replace("ksscope", "ksscope-short"), groups + 1
    if in_rule and re.match(r"^\s*for: \S+\s*$", line):
        line, fors = re.sub(r"for: \S+", "for: " + fire_after, line), fors + 1
    out.append(line)
if groups != 1 or fors != 1:
    sys.exit("expected one group named ksscope and one 'for:' in KsScopeQueueStarving, found %d and %d" % (groups, fors))
open(dst, "w").write("\n".join(out))
PY

# --- Prometheus -------------------------------------------------------------------------
PROM_PORT=
quote_yaml() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }
RULES_YAML=$(quote_yaml "$RULES_FILE")
SHORT_RULES_YAML=$(quote_yaml "$SHORT_RULES")
for attempt in 1 2 3; do
    PROM_PORT=$(free_port)
    [[ $PROM_PORT != "$AGENT_PORT" ]] || PROM_PORT=$(free_port)
    cat >"$WORKDIR/prometheus.yml" <<EOF
# Written by $(basename "$0"); scrapes the KsScope agent every second.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES_YAML
  - $SHORT_RULES_YAML
scrape_configs:
  - job_name: ksscope
    static_configs:
      - targets: ['127.0.0.1:$AGENT_PORT']
EOF
    log "starting $PROMETHEUS on 127.0.0.1:$PROM_PORT (config $WORKDIR/prometheus.yml)"
    timeout -k 5 "$SAFETY_TIMEOUT" "$PROMETHEUS" \
        --config.file="$WORKDIR/prometheus.yml" \
        --storage.tsdb.path="$WORKDIR/data" \
        --storage.tsdb.retention.time=1h \
        --web.listen-address="127.0.0.1:$PROM_PORT" \
        --query.max-concurrency=2 \
        >"$WORKDIR/prometheus.log" 2>&1 &
    PROM_PID=$!
    rc=0
    wait_http "$PROM_PID" "http://127.0.0.1:$PROM_PORT/-/ready" "$PROM_READY_TIMEOUT" || rc=$?
    [[ $rc -eq 0 ]] && break
    if [[ $rc -eq 2 ]]; then
        fail "prometheus-start: http://127.0.0.1:$PROM_PORT/-/ready did not answer within $PROM_READY_TIMEOUT s"
    fi
    prom_rc=0
    wait "$PROM_PID" || prom_rc=$?
    PROM_PID=
    if grep -q 'address already in use' "$WORKDIR/prometheus.log" && [[ $attempt -lt 3 ]]; then
        log "port $PROM_PORT was taken meanwhile; trying another"
        rm -rf "${WORKDIR:?}/data"
        continue
    fi
    fail "prometheus-start: prometheus exited with status $prom_rc before it was ready"
done
log "prometheus pid $PROM_PID ready on http://127.0.0.1:$PROM_PORT"

# --- the checks, against the Prometheus HTTP API ------------------------------------------
rc=0
PROM_URL="http://127.0.0.1:$PROM_PORT" AGENT_TARGET="127.0.0.1:$AGENT_PORT" TIMEOUT="$CHECK_TIMEOUT" \
    START_NS="$START_NS" FAILED_FILE="$WORKDIR/failed-checks" python3 - <<'PY' &
import json, os, sys, time, urllib.parse, urllib.request

PROM = os.environ["PROM_URL"]
TARGET = os.environ["AGENT_TARGET"]
DEADLINE = time.monotonic() + float(os.environ["TIMEOUT"])
START_NS = int(os.environ["START_NS"])
WANT = {"job": "ksscope", "instance": TARGET, "backend": "sim", "device": "sim:avshws",
        "pin": "sim:avshws/pin0", "allocator": "sim:avshws/pin0/allocator"}
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def say(msg):
    print("[e2e %5.1fs] %s" % ((time.time_ns() - START_NS) / 1e9, msg), flush=True)


def api(path, **params):
    url = PROM + path + ("?" + urllib.parse.urlencode(params) if params else "")
    with opener.open(url, timeout=2) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise RuntimeError("%s: %s" % (path, body))
    return body["data"]


def query(expr):
    return api("/api/v1/query", query=expr)["result"]


def labels(metric):
    return ", ".join('%s="%s"' % (k, v) for k, v in sorted(metric.items()) if k != "__name__")


def ours(metric):
    return all(metric.get(k) == v for k, v in WANT.items())


# Each check returns (ok, lines to print once it passed or at the deadline).
first_value = {}


def check_series():
    res = [s for s in query("ksscope_allocator_allocated_frames") if ours(s["metric"])]
    if not res:
        return False, ["no ksscope_allocator_allocated_frames series with %s yet" % labels(WANT)]
    s = res[0]
    lines = ["series ksscope_allocator_allocated_frames{%s} = %s" % (labels(s["metric"]), s["value"][1])]
    # For information only: what else came through the scrape.
    for expr in ('ksscope_build_info{job="ksscope"}', 'ksscope_device_up{job="ksscope"}',
                 'scrape_samples_scraped{job="ksscope"}'):
        for r in query(expr):
            lines.append("%s{%s} = %s" % (expr.split("{")[0], labels(r["metric"]), r["value"][1]))
    return True, lines


def check_counter():
    raw = [s for s in query("ksscope_allocator_starvations_total") if ours(s["metric"])]
    if not raw:
        return False, ["no ksscope_allocator_starvations_total series yet"]
    now = float(raw[0]["value"][1])
    first_value.setdefault("starvations", now)
    inc = [s for s in query("increase(ksscope_allocator_starvations_total[30s]) > 0") if ours(s["metric"])]
    drops = [s for s in query("ksscope_allocator_dropped_frames_total") if ours(s["metric"])]
    lines = ["ksscope_allocator_starvations_total: first seen %g, now %g" % (first_value["starvations"], now)]
    if drops:
        lines.append("ksscope_allocator_dropped_frames_total now %s" % drops[0]["value"][1])
    if not inc:
        return False, lines + ["increase(ksscope_allocator_starvations_total[30s]) > 0 has no result yet"]
    return True, lines + ["increase(ksscope_allocator_starvations_total[30s]) = %.3g" % float(inc[0]["value"][1])]


def check_target():
    active = [t for t in api("/api/v1/targets", state="active")["activeTargets"]
              if t["labels"].get("job") == "ksscope"]
    if not active:
        return False, ["no active target of job ksscope"]
    t = active[0]
    line = "target %s (job ksscope): health %s, last scrape %s took %.4f s%s" % (
        t["scrapeUrl"], t["health"], t.get("lastScrape", "?"), float(t.get("lastScrapeDuration", 0)),
        (", last error: " + t["lastError"]) if t.get("lastError") else "")
    return t["health"] == "up", [line]


def rule_groups():
    return {g["name"]: g for g in api("/api/v1/rules")["groups"] if g["name"] in ("ksscope", "ksscope-short")}


def check_rules():
    groups = rule_groups()
    lines, ok = [], True
    for name in ("ksscope", "ksscope-short"):
        g = groups.get(name)
        if not g:
            lines.append("rule group %s not loaded" % name)
            ok = False
            continue
        lines.append("rule group %s from %s: %d rules, evaluated every %ss" % (name, g["file"], len(g["rules"]), g["interval"]))
        ok = ok and bool(g["rules"])
        for r in g["rules"]:
            lines.append("  %-28s for %-4s health %-7s state %s%s" % (
                r["name"], "%gs" % r.get("duration", 0), r["health"], r.get("state", "-"),
                (" (" + r["lastError"] + ")") if r.get("lastError") else ""))
            for a in r.get("alerts", []):
                lines.append("    %s since %s: {%s} value %s" % (a["state"], a.get("activeAt", "?"), labels(a["labels"]), a["value"]))
            ok = ok and r["health"] == "ok"
    return ok, lines


def starving_alert(group, state):
    # KsScopeQueueStarving of one rule group: active on the starving allocator and in the given state.
    g = rule_groups().get(group)
    rules = [r for r in (g["rules"] if g else []) if r["name"] == "KsScopeQueueStarving"]
    if not rules:
        return False, ["KsScopeQueueStarving is not in group %s" % group]
    alerts = [a for r in rules for a in r.get("alerts", []) if ours(a["labels"])]
    if not alerts:
        return False, ["KsScopeQueueStarving (group %s) is not active for the sim allocator yet" % group]
    a = alerts[0]
    return a["state"] == state, [
        "KsScopeQueueStarving (group %s, for %gs) is %s for %s since %s (value %s; severity %s)" % (
            group, rules[0].get("duration", 0), a["state"], a["labels"]["allocator"], a.get("activeAt", "?"),
            a["value"], a["labels"].get("severity", "?")),
        "  summary: " + a.get("annotations", {}).get("summary", "(none)")]


def check_starving_pending():
    # The shipped rule: still pending (its 2 minutes are longer than the run).
    return starving_alert("ksscope", "pending")


def check_starving_fires():
    # The same expression with "for" cut short: Prometheus must move it from pending to firing.
    return starving_alert("ksscope-short", "firing")


checks = [("series-labels", check_series), ("starvations-increase", check_counter),
          ("target-up", check_target), ("rules-loaded", check_rules),
          ("starving-alert-pending", check_starving_pending), ("starving-alert-fires", check_starving_fires)]
passed = {}
last = {}
while True:
    for name, fn in checks:
        if name in passed:
            continue
        try:
            ok, lines = fn()
        except Exception as e:  # the API not answering is a failure to retry until the deadline
            ok, lines = False, ["%s: %s" % (type(e).__name__, e)]
        last[name] = lines
        if ok:
            passed[name] = lines
            say("check %s passed:" % name)
            for l in lines:
                print("    " + l, flush=True)
    if len(passed) == len(checks) or time.monotonic() >= DEADLINE:
        break
    time.sleep(1)

# The final state of the rules and alerts, once every check passed (or at the deadline).
try:
    _, lines = check_rules()
    say("final rule states:")
    for l in lines:
        print("    " + l, flush=True)
except Exception as e:
    say("could not read the final rule states: %s" % e)

missing = [n for n, _ in checks if n not in passed]
if missing:
    for n in missing:
        print("[e2e] check %s did not pass within %s s; last seen:" % (n, os.environ["TIMEOUT"]), file=sys.stderr)
        for l in last.get(n, ["(never evaluated)"]):
            print("    " + l, file=sys.stderr)
    with open(os.environ["FAILED_FILE"], "w") as f:
        f.write(",".join(missing) + "\n")
    sys.exit(1)
PY
# In the background so that a signal to this script is handled at once, not after the checker.
CHECK_PID=$!
wait "$CHECK_PID" || rc=$?
CHECK_PID=
if [[ $rc -ne 0 ]]; then
    failed_checks=$(cat "$WORKDIR/failed-checks" 2>/dev/null || echo "the checker itself (exit $rc)")
    fail "$failed_checks: did not pass against Prometheus within $CHECK_TIMEOUT s"
fi
log "all checks passed"
