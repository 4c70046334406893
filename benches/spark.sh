#!/usr/bin/env bash
# The Spark job beside the CLI on one generated province: wall time per stage, peak memory,
# and the equivalence figures. Needs the wheel and pyspark installed (see the README's
# "On Spark"). Usage: benches/spark.sh PEOPLE [MASTER...]   e.g. benches/spark.sh 1000000 'local[1]' 'local[2]'
set -uo pipefail
people=${1:-1000000}; shift || true
masters=("${@:-local[2]}")
exe=${LAMSACH:-${CARGO_TARGET_DIR:-target}/release/lamsach}
work=${WORK:-/tmp/lamsach-spark-bench-$people}
rm -rf "$work"; mkdir -p "$work"; cd "$work"
"$exe" synth --people "$people" --seed 11 --out . --reference-format parquet \
  --sources lao_dong,dat_dai,hoi_vien,giay_bao_tu,khai_tu,ket_hon,nha_o,khai_sinh,chung_sinh
echo "== lamsach run (CLI)"
/usr/bin/time -f "cli: %e s, %M KB peak" "$exe" run job.toml --out cli -q
for m in "${masters[@]}"; do
  echo "== lamsach-spark --master $m"
  # Hadoop reads brackets in a path as a glob: the output folder is named without them.
  d=spark-$(echo "$m" | tr -d '[]*')
  /usr/bin/time -f "spark $m: %e s, %M KB peak (driver process)" \
    python3 -m lamsach.spark job.toml --out "$d" --master "$m" --partitions 8 --driver-memory "${DRIVER_MEMORY:-8g}" 2>"$d.log" | tail -1
  grep -a "peak" "$d.log" || true
done
