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
    p.add_argument("--phases", action="store_true", help="per job group (lamsach-spark names one per phase): stages, tasks, "
                   "wall seconds, task seconds, shuffle written and read")
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
    group_of_stage, phases = {}, {}
    for line in lines(a.log):
        e = json.loads(line)
        ev = e.get("Event")
        if ev == "SparkListenerJobStart":
            group = (e.get("Properties") or {}).get("spark.jobGroup.id") or "(none)"
            for sid in e.get("Stage IDs", []):
                group_of_stage.setdefault(sid, group)
        if ev == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            ph = phases.setdefault(group_of_stage.get(info.get("Stage ID"), "(none)"),
                                   {"stages": 0, "tasks": 0, "first": None, "last": 0, "task_ms": 0, "written": 0, "read": 0})
            ph["stages"] += 1
            ph["tasks"] += info.get("Number of Tasks", 0)
            if info.get("Submission Time"):
                ph["first"] = min(ph["first"] or info["Submission Time"], info["Submission Time"])
            ph["last"] = max(ph["last"], info.get("Completion Time") or 0)
            for acc in info.get("Accumulables", []):
                v = int(acc.get("Value") or 0) if str(acc.get("Value") or "0").lstrip("-").isdigit() else 0
                if acc.get("Name") == "internal.metrics.executorRunTime":
                    ph["task_ms"] += v
                elif acc.get("Name") == "internal.metrics.shuffle.write.bytesWritten":
                    ph["written"] += v
                elif acc.get("Name") in ("internal.metrics.shuffle.read.remoteBytesRead", "internal.metrics.shuffle.read.localBytesRead"):
                    ph["read"] += v
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
    if a.phases:
        out["phases"] = {k: {"stages": v["stages"], "tasks": v["tasks"], "wall_s": round((v["last"] - (v["first"] or v["last"])) / 1000, 1),
                             "task_s": round(v["task_ms"] / 1000, 1), "shuffle_written": v["written"], "shuffle_read": v["read"]}
                         for k, v in phases.items()}
    if a.json:
        print(json.dumps(out))
        return
    if a.phases:
        print(f"{'phase':<28} {'stages':>6} {'tasks':>6} {'wall s':>8} {'task s':>8} {'written MB':>11} {'read MB':>9}")
        for k, v in out["phases"].items():
            print(f"{k:<28} {v['stages']:>6} {v['tasks']:>6} {v['wall_s']:>8} {v['task_s']:>8} {v['shuffle_written'] / 1e6:>11,.1f} {v['shuffle_read'] / 1e6:>9,.1f}")
    mb = lambda b: f"{b / 1e6:,.1f} MB"
    print(f"stages {stages}, tasks {tasks}, executors {out['executors']}")
    print(f"shuffle written {mb(total['shuffle_written'])}, read {mb(total['shuffle_read_local'])} local + "
          f"{mb(total['shuffle_read_remote'])} remote; largest stage {mb(largest[0])} ({largest[1]})")
    print(f"executor peak: JVM {mb(jvm_peak)}, Python workers {mb(python_peak)}")


if __name__ == "__main__":
    main()
