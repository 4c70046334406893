#!/usr/bin/env python3
"""The binding's functions on a small generated job (no Spark): what they return and how
they fail. Run: python3 python/tests/test_binding.py path/to/lamsach"""

import json
import subprocess
import sys
import tempfile

import pyarrow as pa

import lamsach


def main():
    exe = sys.argv[1]
    work = tempfile.mkdtemp(prefix="lamsach-binding-")
    subprocess.run([exe, "synth", "--people", "3000", "--seed", "2", "--out", work, "--sources", "lao_dong,khai_sinh",
                    "--reference-format", "parquet"], check=True, capture_output=True)
    job = f"{work}/job.toml"
    plan = json.loads(lamsach.job_plan(job))
    assert [s["name"] for s in plan["sources"]] == ["lao_dong", "khai_sinh"], plan
    assert plan["sources"][1]["roles"] == ["child", "mother", "father"], plan["sources"][1]

    # A CSV register through lamsach's own decoders: one record per row and role.
    batch = lamsach.read_source(job, "lao_dong")
    assert isinstance(batch, pa.RecordBatch) and batch.num_rows > 50
    assert batch.column("quarantine_reason").null_count == batch.num_rows, "a clean file quarantines nothing"
    assert batch.schema.field("features").type == pa.binary()
    assert all(r > 1 for r in batch.column("source_row").to_pylist()), "rows are the file's (after the header)"

    # Rows read elsewhere normalize to the same features as the file read by lamsach.
    import pyarrow.csv as pcsv
    # Every column as text, as Spark's reader is told to: an ID read as a number loses its zeros.
    import csv
    with open(f"{work}/lao_dong.csv", encoding="utf-8-sig", newline="") as f:
        names = next(csv.reader(f))
    t = pcsv.read_csv(f"{work}/lao_dong.csv", read_options=pcsv.ReadOptions(column_names=None),
                      convert_options=pcsv.ConvertOptions(strings_can_be_null=False, column_types={n: pa.string() for n in names}))
    t = t.cast(pa.schema([pa.field(n, pa.string()) for n in t.column_names])).combine_chunks()
    rows = pa.array(range(2, t.num_rows + 2), pa.int64())
    again = lamsach.normalize_rows(job, "lao_dong", pa.RecordBatch.from_arrays([c.chunk(0) for c in t.columns] + [rows], names=t.column_names + ["row"]), "row")
    assert again.column("features").to_pylist() == batch.column("features").to_pylist()

    # A register without its required name column is refused, naming the column, not a value.
    named = [c for c in t.column_names]
    drop = next(c for c in named if "tên" in c.lower() or "ten" in c.lower())
    kept = [c for c in named if c != drop]
    try:
        lamsach.normalize_rows(job, "lao_dong", pa.RecordBatch.from_arrays([t[c].chunk(0) for c in kept] + [rows], names=kept + ["row"]), "row")
        raise AssertionError("a register without a name column was accepted")
    except ValueError as e:
        assert "full_name" in str(e), e

    # Blocking keys: records ask some rules; every key names a rule lamsach has.
    ids = pa.array(range(batch.num_rows), pa.int64())
    keys = lamsach.blocking_keys(pa.RecordBatch.from_arrays([ids, batch.column("features")], names=["id", "features"]), False)
    assert keys.num_rows >= batch.num_rows and set(keys.column("rule").to_pylist()) <= set(range(len(lamsach.RULES)))

    # Damaged features are an error, not a crash.
    try:
        lamsach.blocking_keys(pa.RecordBatch.from_arrays([pa.array([1], pa.int64()), pa.array([b"\x01"], pa.binary())], names=["id", "features"]), True)
        raise AssertionError("damaged features were accepted")
    except ValueError as e:
        assert "row 0" in str(e), e
    print("binding: ok")


if __name__ == "__main__":
    main()
