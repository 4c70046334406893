#!/usr/bin/env bash
# Side by side with Splink 5 (DuckDB): the same synthetic province, the same
# machine, one after the other; time, peak memory, precision and recall of each,
# appended to BENCHMARKS.md as one table row per linker.
#
#   benches/peer/run.sh 1000000 25000       # people, rows per register (8 registers)
#
# Installs Splink 5 with DuckDB into a virtual environment ($VENV, default
# ~/.cache/lamsach-peer-venv) on first use; needs python3 with venv and pip.
set -euo pipefail
cd "$(dirname "$0")/../.."
PEOPLE="${1:-1000000}"
ROWS="${2:-$((PEOPLE / 40))}"
WORK="${WORK:-/tmp/lamsach-bench-$PEOPLE}"
VENV="${VENV:-$HOME/.cache/lamsach-peer-venv}"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import splink, duckdb, pandas, pyarrow" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "splink==5.0.0" duckdb pandas pyarrow
fi
SPLINK_VERSION=$("$VENV/bin/python" -c "import splink; print(splink.__version__)")

source benches/common.sh
[ -f "$WORK/job.toml" ] || "$BIN" synth --people "$PEOPLE" --seed 1 --out "$WORK" --rows-per-source "$ROWS" > /dev/null

time_of() {  # $1 = /usr/bin/time -v output → "wall|cpu|peak"
  local wall cpu peak
  wall=$(grep "Elapsed (wall" "$1" | awk '{print $NF}')
  cpu=$(grep -E "User time|System time" "$1" | awk '{s+=$NF} END {printf "%.1f s", s}')
  peak=$(grep "Maximum resident" "$1" | awk '{printf "%.2f GB", $NF/1048576}')
  echo "$wall|$cpu|$peak"
}

# lamsach: the whole job (ingest → publish), reference cache off.
sed -i "/^cache_dir/d" "$WORK/job.toml"
sed -i 's|^output_dir = "out"|output_dir = "out"\ncache_dir = "off"|' "$WORK/job.toml"
/usr/bin/time -v "$BIN" run "$WORK/job.toml" -q > "$WORK.peer.out" 2> "$WORK.peer.time"
RUN_DIR=$(cat "$WORK.peer.out")
IFS='|' read -r L_WALL L_CPU L_PEAK <<< "$(time_of "$WORK.peer.time")"
L_SCORES=$("$BIN" eval --truth "$WORK/truth.parquet" --run "$RUN_DIR" --json | python3 -c "import json,sys; o=json.load(sys.stdin)['overall']; print(f\"P {o['precision']:.4f} R {o['recall']:.4f}, absent unlinked {o['absent_unlinked_rate']:.4f}\")")
L_LINK=$(python3 -c "import json,sys; t={x['stage']: x['seconds'] for x in json.load(open(sys.argv[1]))['timings']}; print(f\"{t['index'] + t['link']:.1f}\")" "$RUN_DIR/manifest.json")

# Splink: linking only, on the records as lamsach decoded and normalized them.
/usr/bin/time -v "$VENV/bin/python" benches/peer/splink_link.py --work "$WORK" --run "$RUN_DIR" --out "$WORK.splink.json" > /dev/null 2> "$WORK.splink.time" \
  || { tail -30 "$WORK.splink.time"; exit 1; }
IFS='|' read -r S_WALL S_CPU S_PEAK <<< "$(time_of "$WORK.splink.time")"
S_SCORES=$(python3 -c "import json,sys; o=json.load(open(sys.argv[1])); print(f\"P {o['precision']:.4f} R {o['recall']:.4f}, absent unlinked {o['absent_unlinked_rate']:.4f}; linking {o['seconds_link']:.1f} s, input preparation {o['seconds_prepare']:.1f} s\")" "$WORK.splink.json")

RECORDS=$(python3 -c "import json,sys; print(sum(i['records'] for i in json.load(open(sys.argv[1]))['inputs'][1:]))" "$RUN_DIR/manifest.json")
{
  echo "| $TODAY | $COMMIT | $MACHINE | lamsach, whole job: $PEOPLE ref × $RECORDS records ($L_SCORES; index + link $L_LINK s) | $L_WALL | $L_CPU | $L_PEAK | \`benches/peer/run.sh $PEOPLE $ROWS\` |"
  echo "| $TODAY | $COMMIT | $MACHINE | Splink $SPLINK_VERSION + DuckDB, linking only: same data ($S_SCORES) | $S_WALL | $S_CPU | $S_PEAK | \`benches/peer/run.sh $PEOPLE $ROWS\` |"
} >> docs/BENCHMARKS.md
tail -2 docs/BENCHMARKS.md
