#!/usr/bin/env bash
# End-to-end benchmark: generate a synthetic province, run lamsach on it cold
# (no reference cache) and warm (cache hit), and append one row per run to
# BENCHMARKS.md with the commit, the machine and the date.
#
#   benches/end_to_end.sh 1000000 25000      # people, rows per register (8 registers)
#   benches/end_to_end.sh 10000000 125000
set -euo pipefail
cd "$(dirname "$0")/.."
PEOPLE="${1:-1000000}"
ROWS="${2:-$((PEOPLE / 40))}"
WORK="${WORK:-/tmp/lamsach-bench-$PEOPLE}"
source benches/common.sh

if [ ! -f "$WORK/job.toml" ]; then
  /usr/bin/time -v "$BIN" synth --people "$PEOPLE" --seed 1 --out "$WORK" --rows-per-source "$ROWS" 2> "$WORK.synth.time" || { cat "$WORK.synth.time"; exit 1; }
  wall=$(grep "Elapsed (wall" "$WORK.synth.time" | awk '{print $NF}')
  peak=$(grep "Maximum resident" "$WORK.synth.time" | awk '{printf "%.2f GB", $NF/1048576}')
  echo "| $TODAY | $COMMIT | $MACHINE | synth $PEOPLE people, $ROWS rows × 8 registers | $wall | | $peak | \`benches/end_to_end.sh $PEOPLE $ROWS\` |" >> docs/BENCHMARKS.md
fi

run() {  # $1 = label, $2 = cache dir setting
  sed -i "/^cache_dir/d" "$WORK/job.toml"
  sed -i "s|^output_dir = \"out\"|output_dir = \"out\"\ncache_dir = \"$2\"|" "$WORK/job.toml"
  /usr/bin/time -v "$BIN" run "$WORK/job.toml" -q > "$WORK.run.out" 2> "$WORK.run.time"
  local dir; dir=$(cat "$WORK.run.out")
  wall=$(grep "Elapsed (wall" "$WORK.run.time" | awk '{print $NF}')
  cpu=$(grep -E "User time|System time" "$WORK.run.time" | awk '{s+=$NF} END {printf "%.1f s", s}')
  peak=$(grep "Maximum resident" "$WORK.run.time" | awk '{printf "%.2f GB", $NF/1048576}')
  stages=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(', '.join(f\"{t['stage']} {t['seconds']:.1f}\" for t in m['timings']))" "$dir/manifest.json")
  f1=$("$BIN" eval --truth "$WORK/truth.parquet" --run "$dir" --json | python3 -c "import json,sys; o=json.load(sys.stdin)['overall']; print(f\"P {o['precision']:.4f} R {o['recall']:.4f}\")")
  echo "| $TODAY | $COMMIT | $MACHINE | run $1: $PEOPLE ref × $(python3 -c "import json,sys; print(sum(i['records'] for i in json.load(open(sys.argv[1]))['inputs'][1:]))" "$dir/manifest.json") records ($f1; $stages) | $wall | $cpu | $peak | \`benches/end_to_end.sh $PEOPLE $ROWS\` |" >> docs/BENCHMARKS.md
}
run "cold (no cache)" off
rm -rf "$WORK/cache"
run "cache build" "$WORK/cache"
run "warm (cache hit)" "$WORK/cache"
tail -4 docs/BENCHMARKS.md
