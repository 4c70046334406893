#!/usr/bin/env bash
# A night after the first, incremental and in full, on one generated province: wall time,
# peak memory, seconds per stage, links reused, and whether the two nights' records agree.
# Usage: benches/nightly.sh PEOPLE [ROWS_PER_SOURCE] [WORK_DIR]
#   e.g. benches/nightly.sh 1000000 25000; benches/nightly.sh 10000000 125000
# Night 1 runs incremental (cold: no cache, no store); `synth --day 2` then changes 1% of each
# register's records and 0.5% of the reference's people (the synth defaults); night 2 runs
# incremental, and again in full into a copy of night 1's output folder with night 1's model.
# Needs python3 with pyarrow for the comparison.
set -euo pipefail
people=${1:-1000000}; rows=${2:-25000}
exe=$(realpath "${LAMSACH:-${CARGO_TARGET_DIR:-target}/release/lamsach}")
work=${3:-/tmp/lamsach-nightly-$people}
rm -rf "$work"; "$exe" synth --people "$people" --seed 1 --out "$work" --rows-per-source "$rows" -q > /dev/null
cd "$work"
# synth writes the job file each day; the nights ask for incremental linking.
incremental() { sed -i 's/^\[link\]/[link]\nincremental = true/' job.toml; grep -q '^incremental = true' job.toml || printf '\n[link]\nincremental = true\n' >> job.toml; }
incremental
/usr/bin/time -f "night 1 (cold): %e s, %M KB peak" "$exe" run job.toml -q > n1.out
"$exe" synth --people "$people" --seed 1 --out "$work" --rows-per-source "$rows" --day 2 -q > /dev/null
incremental
cp -a out out-full
/usr/bin/time -f "night 2 incremental: %e s, %M KB peak" "$exe" run job.toml -q > n2.out
# The full night shares nothing with night 1 but its model: no reference cache either.
sed -e 's|output_dir = "out"|output_dir = "out-full"\ncache_dir = "off"|' -e "s|^incremental = true|incremental = false\nmodel = \"$(cat n1.out)/model.json\"|" job.toml > job-full.toml
/usr/bin/time -f "night 2 in full: %e s, %M KB peak" "$exe" run job-full.toml -q > n2f.out
python3 - "$(cat n1.out)" "$(cat n2.out)" "$(cat n2f.out)" <<'PY'
import json, sys
import pyarrow.parquet as pq
for label, d in zip(["night 1", "night 2 incremental", "night 2 in full"], sys.argv[1:]):
    m, s = (json.load(open(f"{d}/{f}.json")) for f in ("manifest", "summary"))
    stages = ", ".join(f"{t['stage']} {t['seconds']:.2f}" for t in m["timings"])
    print(f"{label}: {s['blocking']['reused_links']} of {s['overall']['records']} links reused; {stages}")
cols = ["source", "source_row", "role", "match_class", "ref_person_id", "candidates", "match_weight", "finding_codes", "runner_up_margin"]
a, b = ({(r["source"], r["source_row"], r["role"]): r for r in pq.read_table(f"{d}/records.parquet", columns=cols).to_pylist()} for d in sys.argv[2:])
assert a.keys() == b.keys(), "the two nights have other records"
def differs(x, y):
    return abs(x - y) > 1e-6 if isinstance(x, float) and isinstance(y, float) else x != y
diff = {c: sum(differs(a[k][c], b[k][c]) for k in a) for c in cols[3:]}
print(f"records {len(a)}; differing between incremental and full, per column: {diff}")
# matches.parquet: each record's best and runner-up (ties broken by row) and their weights.
mcols = ["source", "source_row", "role", "rank", "ref_row", "match_weight"]
ma, mb = ({tuple(r[c] for c in mcols[:4]): r for r in pq.read_table(f"{d}/matches.parquet", columns=mcols).to_pylist()} for d in sys.argv[2:])
mdiff = len(ma.keys() ^ mb.keys()) + sum(ma[k]["ref_row"] != mb[k]["ref_row"] or differs(ma[k]["match_weight"], mb[k]["match_weight"]) for k in ma.keys() & mb.keys())
print(f"matches.parquet rows {len(ma)}; differing: {mdiff}")
sys.exit(1 if any(diff.values()) or mdiff else 0)
PY
