#!/usr/bin/env python3
"""What a lamsach-spark run cost, from Spark's own event log (spark.eventLog.enabled).

    python3 benches/spark_eventlog.py EVENT_LOG [--json]

EVENT_LOG is an event log file or Spark 4's rolling event log folder (eventlog_v2_app-…, its
events_N_… files read in order), plain or compressed (zstd, lz4 through pyarrow).

Prints the stages and tasks run, shuffle written and read (local and remote) over the whole job,
the largest stage by shuffle written, and the executors' peak memory (JVM heap + off-heap, and
the Python workers' resident memory where process-tree metrics were on). Sizing a cluster reads
these beside the seconds per stage lamsach-spark writes in summary.json's `spark`.
"""

import argparse
import json
import os
import re

import pyarrow as pa


def lines(path):
    """The event log's lines, from a file or a rolling folder, decompressed."""
    if os.path.isdir(path):
        files = [f for f in os.listdir(path) if f.startswith("events_")]
        files.sort(key=lambda f: int(re.match(r"events_(\d+)_", f).group(1)))
        for f in files:
            yield from lines(os.path.join(path, f))
        return
    codec = {".zstd": "zstd", ".zst": "zstd", ".lz4": "lz4"}.get(os.path.splitext(path)[1])
    # Read a MiB at a time: an event log may be larger than memory allows.
    with pa.input_stream(path, compression=codec) as s:
        rest = b""
        while chunk := s.read(1 << 20):
            *complete, rest = (rest + chunk).split(b"\n")
            yield from (line.decode("utf-8") for line in complete if line.strip())
        if rest.strip():
            yield rest.decode("utf-8")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    names = {
        "internal.metrics.shuffle.write.bytesWritten": "shuffle_written",
        "internal.metrics.shuffle.read.remoteBytesRead": "shuffle_read_remote",
        "internal.metrics.shuffle.read.localBytesRead": "shuffle_read_local",
    }
    total = {v: 0 for v in names.values()}
    stages = tasks = 0
    largest = (0, "")
    jvm_peak = python_peak = 0
    executors = set()
    for line in lines(a.log):
        e = json.loads(line)
        ev = e.get("Event")
        if ev == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            stages += 1
            tasks += info.get("Number of Tasks", 0)
            written = 0
            for acc in info.get("Accumulables", []):
                key = names.get(acc.get("Name"))
                if key:
                    total[key] += int(acc.get("Value") or 0)
                    if key == "shuffle_written":
                        written = int(acc.get("Value") or 0)
            if written > largest[0]:
                largest = (written, info.get("Stage Name", "")[:80])
        elif ev == "SparkListenerStageExecutorMetrics":
            m = e.get("Executor Metrics", {})
            executors.add(e.get("Executor ID"))
            jvm_peak = max(jvm_peak, m.get("JVMHeapMemory", 0) + m.get("JVMOffHeapMemory", 0))
            python_peak = max(python_peak, m.get("ProcessTreePythonRSSMemory", 0))
        elif ev == "SparkListenerExecutorAdded":
            executors.add(e.get("Executor ID"))
    out = {"stages": stages, "tasks": tasks, "executors": len(executors - {"driver", None}), **total,
           "largest_stage_shuffle_written": largest[0], "largest_stage": largest[1],
           "executor_jvm_peak_bytes": jvm_peak, "python_worker_peak_rss_bytes": python_peak}
    if a.json:
        print(json.dumps(out))
        return
    mb = lambda b: f"{b / 1e6:,.1f} MB"
    print(f"stages {stages}, tasks {tasks}, executors {out['executors']}")
    print(f"shuffle written {mb(total['shuffle_written'])}, read {mb(total['shuffle_read_local'])} local + "
          f"{mb(total['shuffle_read_remote'])} remote; largest stage {mb(largest[0])} ({largest[1]})")
    print(f"executor peak: JVM {mb(jvm_peak)}, Python workers {mb(python_peak)}")


if __name__ == "__main__":
    main()
