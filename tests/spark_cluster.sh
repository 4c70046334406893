#!/usr/bin/env bash
# lamsach-spark on a standalone cluster (tools/spark_cluster.sh: a master and two workers as
# separate processes, the wheel shipped to the executors in a packed environment):
#   1. the executors import lamsach from the shipped environment, not the driver's;
#   2. the job links exactly as the CLI does (tests/spark_equivalence.py --cluster);
#   3. the job again with a worker killed mid-run (once the link stage's tasks run): Spark
#      retries the lost tasks on the other worker and the outputs are the same.
#
#   tests/spark_cluster.sh path/to/lamsach path/to/lamsach-*.whl
#
# Needs pyspark, a Java runtime and the wheel installed for the driver (as .ci/run does).
set -euo pipefail
bin=$(realpath "$1") wheel=$(realpath "$2")
here=$(cd "$(dirname "$0")/.." && pwd)
export LAMSACH_CLUSTER=${LAMSACH_CLUSTER:-$(mktemp -d)}
cluster="$here/tools/spark_cluster.sh"
work=$(mktemp -d)
log="$work/killed.log"
failed() { echo "spark cluster test failed; the killed run's log ends:" >&2; tail -30 "$log" 2>/dev/null | grep -v WARN >&2 || true; }
trap 'rc=$?; [ $rc -eq 0 ] || failed; bash "$cluster" stop; rm -rf "$work"' EXIT

bash "$cluster" pack "$wheel" >/dev/null
bash "$cluster" start 2 1 3g >/dev/null

echo "== the executors' lamsach is the shipped environment's"
cat >"$work/probe.py" <<'EOF'
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
found = set(spark.sparkContext.parallelize(range(8), 8).map(lambda _: __import__("lamsach").__file__).collect())
spark.stop()
print("executors import lamsach from:", sorted(found))
assert found and all("/env/lib/" in f for f in found), "an executor imported lamsach from outside the shipped environment"
EOF
SPARK_HOME=$(python3 -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
"$SPARK_HOME/bin/spark-submit" --master "spark://127.0.0.1:${LAMSACH_SPARK_PORT:-7177}" \
  --archives "$LAMSACH_CLUSTER/env.tar.gz#env" --conf spark.pyspark.python=./env/bin/python \
  --conf spark.pyspark.driver.python="$(command -v python3)" "$work/probe.py" 2>/dev/null

echo "== links on the cluster against the CLI"
python3 "$here/tests/spark_equivalence.py" "$bin" --cluster --keep "$work/p"

echo "== a worker killed mid-run"
bash "$cluster" submit "$work/p/job.toml" "$work/p/spark-killed" >"$log" 2>&1 &
job=$!
# Kill once the stages after reading run (the scoring and reduce stages): a node lost mid-job.
for _ in $(seq 1 600); do
  [ "$(grep -c 'Submitting' "$log" || true)" -ge 150 ] && break
  kill -0 "$job" 2>/dev/null || break
  sleep 0.5
done
kill -0 "$job" 2>/dev/null || { echo "the job ended before a worker could be killed" >&2; exit 1; }
bash "$cluster" kill-worker 2
wait "$job" || { echo "the job failed after a worker was lost" >&2; exit 1; }
grep -q "Lost executor" "$log" || { echo "no executor was lost" >&2; exit 1; }
python3 - "$work/p" <<'EOF'
import json, os, sys
import pyarrow.parquet as pq
p = sys.argv[1]
cols = ["source", "source_row", "role", "match_class", "ref_person_id", "match_weight", "finding_codes"]
rows = lambda d, f, c=None: sorted(tuple(map(str, r.values())) for r in pq.read_table(os.path.join(p, d, f), columns=c).to_pylist())
assert rows("spark", "records.parquet", cols) == rows("spark-killed", "records.parquet", cols), "records differ after a worker was lost"
assert rows("spark", "issues.parquet") == rows("spark-killed", "issues.parquet"), "issues differ after a worker was lost"
a, b = (json.load(open(os.path.join(p, d, "summary.json"), encoding="utf-8")) for d in ("spark", "spark-killed"))
assert a["overall"] == b["overall"] and a["communes"] == b["communes"], "summary figures differ after a worker was lost"
print("spark cluster: a worker killed mid-run, the same records, issues and summary figures")
EOF
