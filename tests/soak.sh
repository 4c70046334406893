#!/usr/bin/env bash
# Soak test for nightly use: runs the demo job N times (default 50) into one output folder,
# SIGKILLing about a third of the runs at a random moment, and checks after each run:
#   - every earlier published run is intact and byte-identical to when it was published
#     (the SHA-256 of each file in its manifest);
#   - after a run that finished, no temporary folder of the job is left;
#   - the reference cache holds at most cache_keep (2) files;
#   - run folders are 0700 and their files 0600.
#
#   tests/soak.sh [RUNS] [LAMSACH_BIN]
# Prints one line per run and closes with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-50}"
BIN="${2:-${CARGO_TARGET_DIR:-target}/release/lamsach}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$BIN" demo --out "$WORK" -q > /dev/null || { echo "demo failed"; exit 1; }
JOB="$WORK/demo-input/job.toml"
OUT="$WORK/runs"
pass=0; fail=0
check_published() {  # every published run's files still hash as its manifest says
  python3 - "$OUT" <<'PY'
import hashlib, json, os, stat, sys
out = sys.argv[1]
bad = []
for d in sorted(os.listdir(out)):
    p = os.path.join(out, d)
    if d.startswith(".") or not os.path.isdir(p):
        continue
    m = json.load(open(os.path.join(p, "manifest.json")))
    if stat.S_IMODE(os.stat(p).st_mode) != 0o700:
        bad.append(f"{d}: folder mode {oct(stat.S_IMODE(os.stat(p).st_mode))}")
    for o in m["outputs"]:
        f = os.path.join(p, o["path"])
        if hashlib.sha256(open(f, "rb").read()).hexdigest() != o["sha256"]:
            bad.append(f"{d}/{o['path']} changed")
        if stat.S_IMODE(os.stat(f).st_mode) != 0o600:
            bad.append(f"{d}/{o['path']}: mode {oct(stat.S_IMODE(os.stat(f).st_mode))}")
print("; ".join(bad))
PY
}
for i in $(seq 1 "$RUNS"); do
  killed=no
  if [ $((RANDOM % 3)) -eq 0 ]; then
    "$BIN" run "$JOB" --out "$OUT" -q > /dev/null 2>&1 &
    pid=$!
    sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
    kill -9 "$pid" 2> /dev/null && killed=yes
    wait "$pid" 2> /dev/null
  else
    "$BIN" run "$JOB" --out "$OUT" -q > /dev/null 2>&1
    code=$?
    [ "$code" -eq 0 ] || [ "$code" -eq 3 ] || { echo "run $i: exit $code"; fail=$((fail + 1)); continue; }
  fi
  problems=$(check_published)
  if [ "$killed" = no ]; then
    tmp=$(find "$OUT" -maxdepth 1 -name '.tmp-*' | wc -l)
    [ "$tmp" -eq 0 ] || problems="$problems; $tmp temporary folder(s) left after a finished run"
  fi
  caches=$(find "$OUT/.cache" -name '*.lsref' 2> /dev/null | wc -l)
  [ "$caches" -le 2 ] || problems="$problems; $caches caches"
  runs=$(find "$OUT" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)
  if [ -z "$problems" ]; then
    pass=$((pass + 1)); echo "run $i: killed=$killed published=$runs ok"
  else
    fail=$((fail + 1)); echo "run $i: killed=$killed FAILED: $problems"
  fi
done
echo "soak: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
