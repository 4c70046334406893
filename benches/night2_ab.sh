#!/usr/bin/env bash
# Night 2 of one generated province, A/B: night 1 (cold) and day 2's inputs are made once
# (the snapshot), then each binary runs night 2 incremental on a fresh copy of the snapshot,
# the binaries alternating, RUNS rounds. Prints per run: wall, user and system seconds, peak
# memory and seconds per stage. Usage:
#   benches/night2_ab.sh PEOPLE ROWS_PER_SOURCE RUNS BINARY...
#   e.g. benches/night2_ab.sh 10000000 125000 3 /tmp/lamsach-a /tmp/lamsach-b
# The binaries must share a build identity (build each with the same
# `LAMSACH_BENCH_BUILD_ID=<hex> cargo build --release`, then copy it out), or night 2 finds
# night 1's cache written by another build and rebuilds it. On the machines measured so far
# the first night 2 on a new snapshot is slower than the rest (more system time); the script
# runs one unreported warm-up first. WORK (default /tmp/lamsach-ab-PEOPLE) holds the snapshot
# and the runs' messages (stderr.log).
set -euo pipefail
people=$1; rows=$2; runs=$3; shift 3
bins=(); for b in "$@"; do bins+=("$(realpath "$b")"); done
work=${WORK:-/tmp/lamsach-ab-$people}
snap=$work/snapshot; copy=$work/night2
rm -rf "$work"; mkdir -p "$work"
exe=${bins[0]}
"$exe" synth --people "$people" --seed 1 --out "$snap" --rows-per-source "$rows" -q > /dev/null
cd "$snap"
# synth writes the job file each day; the nights ask for incremental linking.
incremental() { sed -i 's/^\[link\]/[link]\nincremental = true/' job.toml; grep -q '^incremental = true' job.toml || printf '\n[link]\nincremental = true\n' >> job.toml; }
incremental
"$exe" run job.toml -q > n1.out 2>> "$work/stderr.log"
"$exe" synth --people "$people" --seed 1 --out "$snap" --rows-per-source "$rows" --day 2 -q > /dev/null
incremental

night2() {
    rm -rf "$copy"; cp -a "$snap" "$copy"; cd "$copy"
    /usr/bin/time -o time.txt -f "%e s wall, %U user, %S sys, %M KB peak" "$1" run job.toml -q > n2.out 2>> "$work/stderr.log"
    python3 - "$(cat n2.out)" "$(cat time.txt)" "$2" <<'PY'
import json, sys
m = json.load(open(f"{sys.argv[1]}/manifest.json"))
print(f"{sys.argv[3]}: {sys.argv[2]}; " + ", ".join(f"{t['stage']} {t['seconds']:.2f}" for t in m["timings"]))
PY
    cd "$work"
}

night2 "$exe" "warm-up (not reported)" > /dev/null
for round in $(seq "$runs"); do
    for b in "${bins[@]}"; do night2 "$b" "$b run $round"; done
done
rm -rf "$copy"
