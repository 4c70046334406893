#!/usr/bin/env python3
"""Compares two run folders of the same job (a refactor's before and after): each Parquet
output byte for byte, else value for value; summary.json and manifest.json with the fields
that change from run to run left out (clock, memory, run folder, output hashes). Exits 1 on a
difference. Run the job with each binary into the same --out path (the source paths are in
the outputs), move each run folder aside, then:

    python3 tools/compare_runs.py BEFORE_RUN_DIR AFTER_RUN_DIR
"""
import json, os, sys

import pyarrow.parquet as pq

VOLATILE = {"timings", "started_at", "finished_at", "total_seconds", "peak_memory_bytes", "run_dir", "sha256", "bytes"}


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k not in VOLATILE}
    if isinstance(o, list):
        return [strip(x) for x in o]
    return o


def main(a, b):
    same = True
    for name in sorted(f for f in os.listdir(a) if f.endswith(".parquet")):
        pa, pb = os.path.join(a, name), os.path.join(b, name)
        if not os.path.exists(pb):
            print(f"MISSING {name}")
            same = False
        elif open(pa, "rb").read() == open(pb, "rb").read():
            print(f"same bytes  {name}")
        else:
            ta, tb = pq.read_table(pa), pq.read_table(pb)
            cols = [c for c in ta.column_names if c not in tb.column_names or ta[c].to_pylist() != tb[c].to_pylist()]
            extra = [c for c in tb.column_names if c not in ta.column_names]
            if ta.num_rows == tb.num_rows and not cols and not extra:
                print(f"same values {name}")
            else:
                print(f"DIFF        {name}: rows {ta.num_rows} / {tb.num_rows}, columns differing {cols}, new {extra}")
                same = False
    for name in ["model.json", "summary.json", "manifest.json"]:
        ja, jb = (strip(json.load(open(os.path.join(d, name)))) for d in (a, b))
        print(("same        " if ja == jb else "DIFF        ") + name)
        same &= ja == jb
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
