#!/usr/bin/env bash
# A 1,000,000-row CSV register through `lamsach run`: the ingest stage's time
# and rows per second from the manifest, and the run's peak memory, appended to
# BENCHMARKS.md. The register repeats the synthetic labour register's rows
# (renumbered, written by python3); the reference is its first 1,000 people, so that the peak is
# what a million records cost, not the reference.
#
#   benches/ingest_1m.sh            # needs python3 with pyarrow
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-1000000}"
SRC="${SRC:-/tmp/lamsach-bench-1000000}"
WORK="${WORK:-/tmp/lamsach-ingest-$ROWS}"
source benches/common.sh
[ -f "$SRC/job.toml" ] || "$BIN" synth --people 1000000 --seed 1 --out "$SRC" --rows-per-source 25000 > /dev/null
mkdir -p "$WORK"
python3 - "$SRC/lao_dong.csv" "$WORK/lao_dong.csv" "$ROWS" <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8", newline="").read().split("\n")
header, rows = lines[0], [r.split(",", 1)[1] for r in lines[1:] if r]
with open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
    out.write(header + "\n")
    out.writelines(f"{i + 1},{rows[i % len(rows)]}\n" for i in range(int(sys.argv[3])))
PY
python3 -c "import pyarrow.parquet as pq, sys; pq.write_table(pq.read_table(sys.argv[1]).slice(0, 1000), sys.argv[2])" "$SRC/reference.parquet" "$WORK/reference.parquet"
cat > "$WORK/job.toml" <<EOF
[job]
name = "ingest1m"
output_dir = "out"
cache_dir = "off"
province = "52"

[reference]
path = "reference.parquet"

[[source]]
name = "lao_dong"
path = "lao_dong.csv"
schema = "labour"
EOF
/usr/bin/time -v "$BIN" run "$WORK/job.toml" -q > "$WORK.out" 2> "$WORK.time" || [ $? -eq 3 ]
DIR=$(cat "$WORK.out")
peak=$(grep "Maximum resident" "$WORK.time" | awk '{printf "%.2f GB", $NF/1048576}')
wall=$(grep "Elapsed (wall" "$WORK.time" | awk '{print $NF}')
line=$(python3 -c "
import json, sys, os
m = json.load(open(sys.argv[1]))
t = {x['stage']: x['seconds'] for x in m['timings']}
i = m['inputs'][1]
print(f\"{i['rows_read']} rows, {os.path.getsize(sys.argv[2]) / 2**20:.0f} MiB, UTF-8: ingest stage {t['ingest']:.2f} s = {i['rows_read'] / t['ingest'] / 1e6:.2f} M rows/s; whole run (1,000-person reference)\")
" "$DIR/manifest.json" "$WORK/lao_dong.csv")
echo "| $TODAY | $COMMIT | $MACHINE | CSV register: $line | $wall | | $peak | \`benches/ingest_1m.sh $ROWS\` |" >> docs/BENCHMARKS.md
tail -1 docs/BENCHMARKS.md
