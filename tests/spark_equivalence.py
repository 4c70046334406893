#!/usr/bin/env python3
"""The Spark job and the CLI link a synthetic province the same way (issue: lamsach on Spark).

    python3 tests/spark_equivalence.py path/to/lamsach [--people N] [--master local[2]]
    python3 tests/spark_equivalence.py path/to/lamsach --cluster   (submitted to the standalone
        cluster tools/spark_cluster.sh started, its executors on the packed environment)

Needs the lamsach wheel (python/, built by maturin) and pyspark installed, and a Java
runtime. Generates a province whose registers come in CSV (UTF-8, TCVN3, VNI, UTF-16) and
Parquet with a Parquet reference, runs `lamsach run` and `lamsach-spark` on the same job,
and compares every record's link by (source, source_row, role). Fails unless at least
99.9% of links are identical (class and person) and every identical link has the same
candidate count, the same weight to 1e-9, the same finding codes in the same order, the
same cleaned name, date of birth and commune, and the same pass; unless summary.json's
counts and figures (overall, per source, per commune) are the CLI's; and unless the
cross-record checks ran as several tasks (the task count Spark's status tracker gives). Prints the figures either way.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import pyarrow.parquet as pq

# Every generated register the Spark job reads (CSV through the core, Parquet through Spark; the Excel one is left out:
# Spark does not read Excel; the CLI does).
COLUMNS = ["source", "source_row", "role", "record_key", "match_class", "ref_person_id", "candidates", "match_weight", "finding_codes",
           "full_name", "dob", "commune", "pass"]
SOURCES = "lao_dong,dat_dai,hoi_vien,giay_bao_tu,khai_tu,ket_hon,nha_o,khai_sinh,chung_sinh"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("lamsach")
    p.add_argument("--people", type=int, default=20000)
    p.add_argument("--seed", type=int, default=4)
    p.add_argument("--master", default="local[2]")
    p.add_argument("--keep", help="work in this folder and keep it")
    p.add_argument("--cluster", action="store_true", help="submit to tools/spark_cluster.sh's cluster instead of --master")
    p.add_argument("--partitions", help="lamsach-spark's --partitions (default: its own)")
    p.add_argument("--sources", default=SOURCES, help="the generator's registers (default: every one the core reads)")
    a = p.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="lamsach-spark-")
    os.makedirs(work, exist_ok=True)
    def run(*cmd):
        p = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
        if p.returncode != 0:
            lines = [l for l in p.stderr.splitlines() if "WARN" not in l and "[Stage" not in l]
            sys.exit(f"{cmd[0]} {cmd[1]}... exited {p.returncode}:\n" + "\n".join(lines[-40:]))
        return p
    run(a.lamsach, "synth", "--people", str(a.people), "--seed", str(a.seed), "--out", work,
        "--reference-format", "parquet", "--sources", a.sources)
    run(a.lamsach, "run", "job.toml", "--out", "cli", "-q")
    more = ["--partitions", a.partitions] if a.partitions else []
    if a.cluster:
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "spark_cluster.sh")
        run("bash", script, "submit", os.path.join(work, "job.toml"), os.path.join(work, "spark"), *more)
    else:
        run(sys.executable, "-m", "lamsach.spark", "job.toml", "--out", "spark", "--master", a.master, *more)
    summary = json.load(open(os.path.join(work, "spark", "summary.json"), encoding="utf-8"))
    cli_summary = json.load(open(sorted(glob.glob(os.path.join(work, "cli", "*", "summary.json")))[-1], encoding="utf-8"))
    cli = pq.read_table(sorted(glob.glob(os.path.join(work, "cli", "*", "records.parquet")))[-1],
                        columns=COLUMNS).to_pylist()
    spark = pq.read_table(os.path.join(work, "spark", "records.parquet"), columns=COLUMNS).to_pylist()
    key = lambda r: (r["source"], r["source_row"], r["role"])
    by = {key(r): r for r in spark}
    assert len(by) == len(spark), "the Spark job wrote one row per record"
    assert len(cli) == len(spark), f"records: CLI {len(cli)}, Spark {len(spark)}"
    same = other_count = other_weight = other_codes = other_values = 0
    differ = []
    for c in cli:
        s = by.get(key(c))
        assert s is not None, f"the Spark job has no row for {key(c)}"
        if (c["match_class"], c["ref_person_id"]) == (s["match_class"], s["ref_person_id"]):
            same += 1
            other_count += c["candidates"] != s["candidates"]
            w1, w2 = c["match_weight"], s["match_weight"]
            other_weight += (w1 is None) != (w2 is None) or (w1 is not None and abs(w1 - w2) > 1e-9)
            other_codes += c["finding_codes"] != s["finding_codes"]
            other_values += any(c[k] != s[k] for k in ("record_key", "full_name", "dob", "commune", "pass"))
        else:
            differ.append((key(c), c["match_class"], s["match_class"]))
    share = same / len(cli)
    # issues.parquet and quarantine.parquet: the same rows (order aside).
    def rows(side, name, cols):
        path = sorted(glob.glob(os.path.join(work, "cli", "*", name)))[-1] if side == "cli" else os.path.join(work, "spark", name)
        return sorted((tuple(r.values()) for r in pq.read_table(path, columns=cols).to_pylist()), key=lambda t: tuple("" if v is None else str(v) for v in t))
    issue_cols = ["source", "source_row", "role", "record_key", "field", "code", "severity", "original_value", "suggested_value", "suggested_from"]
    issues_cli, issues_spark = rows("cli", "issues.parquet", issue_cols), rows("spark", "issues.parquet", issue_cols)
    m_cols = ["source", "source_row", "role", "rank", "ref_row", "ref_person_id", "name_level", "dob_level", "person_id_level", "commune_level"]
    matches_cli, matches_spark = rows("cli", "matches.parquet", m_cols), rows("spark", "matches.parquet", m_cols)
    q_cols = ["source", "source_row", "source_row_end", "reason"]
    q_cli, q_spark = rows("cli", "quarantine.parquet", q_cols), rows("spark", "quarantine.parquet", q_cols)
    print(json.dumps({"records": len(cli), "identical_links": same, "share": share, "candidate_counts_differ": other_count,
                      "weights_differ": other_weight,
                      "finding_codes_differ": other_codes, "values_differ": other_values,
                      "issues": [len(issues_cli), len(issues_spark)], "matches": [len(matches_cli), len(matches_spark)], "quarantined": [len(q_cli), len(q_spark)], "spark_seconds": summary["spark"]["seconds"], "examples": differ[:5]}))
    # The cross-record checks ran group by group in several tasks (Spark's status tracker).
    tasks = summary["spark"]["check_tasks"]
    assert tasks > 1, f"the cross-record checks ran as {tasks} task(s)"
    print(f"spark equivalence: the cross-record checks ran as {tasks} tasks")
    assert share >= 0.999, f"only {share:.4%} of links identical"
    assert other_count == 0 and other_weight == 0, "identical links must have the same candidates and weights"
    assert other_codes == 0 and other_values == 0, "identical links must have the same findings, key, cleaned values and pass"
    if share == 1.0:
        assert issues_cli == issues_spark, "issues.parquet differs"
        assert matches_cli == matches_spark, "matches.parquet differs"
    assert q_cli == q_spark, "quarantine.parquet differs"
    if share == 1.0:
        wrong = summary_differences(cli_summary, summary)
        assert not wrong, "summary.json differs from the CLI's: " + "; ".join(wrong[:10])
        print(f"spark equivalence: summary.json's figures identical ({len(summary['sources'])} sources, {len(summary['communes'])} communes)")
    print(f"spark equivalence: {same} of {len(cli)} links identical ({share:.4%})")


def summary_differences(cli, spark):
    """Where the Spark summary's counts and figures differ from the CLI's (floats to 1e-12)."""
    out = []

    def same(path, a, b):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                same(f"{path}.{k}", a.get(k), b.get(k))
        elif isinstance(a, float) or isinstance(b, float):
            if a is None or b is None or abs(a - b) > 1e-12:
                out.append(f"{path}: CLI {a}, Spark {b}")
        elif a != b:
            out.append(f"{path}: CLI {a}, Spark {b}")

    for k in ("job", "run_date", "reference_people", "reference_shared_id_rows", "rows_read", "quarantined", "overall"):
        same(k, cli[k], spark[k])
    same("model.lambda", cli["model"]["lambda"], spark["model"]["lambda"])
    for part, key in (("sources", "name"), ("communes", "code")):
        a, b = ({x[key]: x for x in side[part]} for side in (cli, spark))
        same(part, a, b)
    return out


if __name__ == "__main__":
    main()
