#!/usr/bin/env bash
# A standalone Spark cluster on this machine, from the pyspark installation: a master and
# workers as separate processes (each with its own cores, memory and work folder), the
# lamsach wheel shipped to the executors as a packed Python environment (they never see the
# driver's site-packages), lamsach-spark submitted with spark-submit, workers killed on
# purpose, the cluster stopped. The same spark-submit line, with another --master, is the
# YARN or Kubernetes form (README, "On Spark").
#
#   tools/spark_cluster.sh start [WORKERS] [CORES] [MEMORY]  master + workers (default 2, 1, 3g)
#   tools/spark_cluster.sh pack WHEEL                         $DIR/env.tar.gz: Python, pyarrow and the wheel
#   tools/spark_cluster.sh submit JOB OUT [lamsach-spark args] the job on the cluster
#   tools/spark_cluster.sh workers                            the workers the master counts alive
#   tools/spark_cluster.sh kill-worker N                      kills worker N (a node lost)
#   tools/spark_cluster.sh stop                               stops every process it started
#
# State (pids, logs, work folders) lives in $LAMSACH_CLUSTER (default /tmp/lamsach-cluster);
# the master listens on 127.0.0.1:$LAMSACH_SPARK_PORT (default 7177), its status on
# $LAMSACH_SPARK_UI (default 8180). `submit` gives each executor $LAMSACH_EXECUTOR_MEMORY
# (default 2g) and, with $LAMSACH_EVENT_LOG set to a folder, writes Spark's event log there
# (benches/spark_eventlog.py reads it). Needs pyspark (pip), a Java 17+ runtime and curl.
set -euo pipefail
DIR=${LAMSACH_CLUSTER:-/tmp/lamsach-cluster}
PORT=${LAMSACH_SPARK_PORT:-7177}
UI=${LAMSACH_SPARK_UI:-8180}
MASTER="spark://127.0.0.1:$PORT"
SPARK_HOME=$(python3 -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')
export SPARK_HOME
# The state folder is the tool's own: made here (private), or an empty folder given to it
# (mktemp -d), or one it made before (its mark inside). Any other folder is refused, never
# re-moded or cleared: `pack` and `stop` remove and kill only what this folder records.
if [ ! -e "$DIR" ]; then
  mkdir -m 700 "$DIR"
elif [ ! -d "$DIR" ] || [ -L "$DIR" ] || { [ -n "$(ls -A "$DIR")" ] && [ ! -f "$DIR/.lamsach-cluster" ]; }; then
  echo "spark_cluster: $DIR is not a folder this tool made; set LAMSACH_CLUSTER to a new or empty folder" >&2
  exit 2
fi
touch "$DIR/.lamsach-cluster"

# The pid a file records, when it is still one of this cluster's Spark processes (a stale
# file's pid may since belong to anything else).
ours() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q "org.apache.spark.deploy.\(master.Master\|worker.Worker\)" && echo "$pid"
}

alive() { curl -fsS "http://127.0.0.1:$UI/json/" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin).get("aliveworkers", 0))' 2>/dev/null || echo 0; }

case "${1:-}" in
start)
  workers=${2:-2} cores=${3:-1} memory=${4:-3g}
  nohup "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$PORT" --webui-port "$UI" >"$DIR/master.log" 2>&1 &
  echo $! >"$DIR/master.pid"
  for i in $(seq 1 "$workers"); do
    mkdir -p "$DIR/worker-$i"
    nohup "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker "$MASTER" \
      --host 127.0.0.1 --cores "$cores" --memory "$memory" --work-dir "$DIR/worker-$i" \
      --webui-port $((UI + i)) >"$DIR/worker-$i.log" 2>&1 &
    echo $! >"$DIR/worker-$i.pid"
  done
  for _ in $(seq 1 120); do
    [ "$(alive)" -ge "$workers" ] && { echo "$MASTER"; exit 0; }
    sleep 1
  done
  echo "spark_cluster: $workers workers did not register within 120 s; see $DIR/*.log" >&2
  exit 1
  ;;
pack)
  wheel=${2:?the lamsach wheel (python/: maturin build)}
  rm -rf "$DIR/env" "$DIR/env.tar.gz"
  python3 -m venv "$DIR/env"
  "$DIR/env/bin/pip" install --quiet --disable-pip-version-check pyarrow venv-pack "$wheel"
  "$DIR/env/bin/venv-pack" --quiet -p "$DIR/env" -o "$DIR/env.tar.gz"
  echo "$DIR/env.tar.gz"
  ;;
submit)
  job=${2:?job file} out=${3:?output folder}
  shift 3
  [ -f "$DIR/env.tar.gz" ] || { echo "spark_cluster: no packed environment; run pack first" >&2; exit 2; }
  script=$(python3 -c 'import lamsach.spark as s; print(s.__file__)')
  exec "$SPARK_HOME/bin/spark-submit" --master "$MASTER" --deploy-mode client \
    --archives "$DIR/env.tar.gz#env" \
    --conf spark.pyspark.python=./env/bin/python \
    --conf spark.pyspark.driver.python="$(command -v python3)" \
    --conf spark.task.maxFailures=4 \
    --conf spark.executor.memory="${LAMSACH_EXECUTOR_MEMORY:-2g}" \
    --conf spark.executor.processTreeMetrics.enabled=true --conf spark.eventLog.logStageExecutorMetrics=true \
    --conf spark.eventLog.enabled="$([ -n "${LAMSACH_EVENT_LOG:-}" ] && echo true || echo false)" \
    --conf spark.eventLog.dir="file://${LAMSACH_EVENT_LOG:-/tmp}" \
    "$script" "$job" --out "$out" --checkpoint-dir "$DIR/checkpoints" "$@"
  ;;
workers)
  alive
  ;;
kill-worker)
  n=${2:?worker number}
  pid=$(ours "$DIR/worker-$n.pid") || { echo "spark_cluster: worker $n is not running" >&2; exit 1; }
  # The worker and the executors it launched: a node lost.
  pkill -9 -P "$pid" 2>/dev/null || true
  kill -9 "$pid"
  ;;
stop)
  for f in "$DIR"/worker-*.pid "$DIR"/master.pid; do
    [ -f "$f" ] || continue
    if pid=$(ours "$f"); then
      pkill -P "$pid" 2>/dev/null || true
      kill "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
  ;;
*)
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
