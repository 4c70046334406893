"""Links a lamsach synthetic province with Splink 5 (DuckDB) and scores the links
against the generator's truth file, the way `lamsach eval` scores lamsach's.

    python splink_link.py --work /tmp/lamsach-bench-1000000 --run <lamsach run dir> --out splink.json

Splink gets the simple columns it expects: the reference extract with its names
folded in Python, and the sector records as lamsach's ingest and normalization
left them (decoded from TCVN3/VNI/UTF-16/xlsx, IDs repaired, dates parsed) taken
from the run's records.parquet. That preparation is timed apart from linking, so
the Splink time is linking only while lamsach's is the whole job.
"""

import argparse
import json
import time
import unicodedata

import duckdb
import pyarrow.parquet as pq
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

MATCH_THRESHOLD = 0.95  # lamsach's default match_threshold


def fold(s):
    """Lower case, no diacritics, đ → d: lamsach's folded key."""
    if s is None:
        return None
    s = s.replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
    s = " ".join(s.lower().split())
    return s or None


def split_name(full):
    parts = (full or "").split()
    if not parts:
        return None, None
    return (parts[0] if len(parts) > 1 else None), parts[-1]


def reference_frame(path):
    t = pq.read_table(path).to_pandas()
    out = {"unique_id": [], "person_id": [], "old_id": [], "full_name": [], "surname": [], "first_name": [], "dob": [], "birth_year": [], "sex": [], "commune": []}
    for i, r in enumerate(t.itertuples(index=False)):
        full = fold(r.HO_TEN)
        fam, giv = split_name(full)
        d = (r.NGAY_SINH or "").split("/")
        dob = f"{d[2]}-{d[1]}-{d[0]}" if len(d) == 3 and len(d[2]) == 4 else None
        out["unique_id"].append(f"r{i}")
        out["person_id"].append(r.SO_DINH_DANH or None)
        out["old_id"].append(r.SO_CMND or None)
        out["full_name"].append(full)
        out["surname"].append(fam)
        out["first_name"].append(giv)
        out["dob"].append(dob)
        out["birth_year"].append(dob[:4] if dob else None)
        out["sex"].append({"Nam": "male", "Nữ": "female"}.get(r.GIOI_TINH))
        out["commune"].append(r.MA_XA or None)
    import pandas as pd

    return pd.DataFrame(out), list(t.SO_DINH_DANH)


def records_frame(run_dir):
    cols = ["source", "source_row", "role", "person_id", "old_id", "full_name", "dob", "sex", "commune_code"]
    t = pq.read_table(f"{run_dir}/records.parquet", columns=cols).to_pandas()
    import pandas as pd

    dob = t["dob"].where(t["dob"].str.len() == 10, None)
    full = t["full_name"].map(fold)
    names = full.map(split_name)
    return pd.DataFrame(
        {
            "unique_id": t["source"] + "|" + t["source_row"].astype(str) + "|" + t["role"],
            "person_id": t["person_id"],
            "old_id": t["old_id"],
            "full_name": full,
            "surname": names.map(lambda n: n[0]),
            "first_name": names.map(lambda n: n[1]),
            "dob": dob,
            "birth_year": t["dob"].str.slice(0, 4),
            "sex": t["sex"],
            "commune": t["commune_code"],
        }
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, help="folder written by lamsach synth")
    ap.add_argument("--run", required=True, help="a lamsach run folder on that data (for its normalized records)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    t0 = time.time()
    ref, ref_ids = reference_frame(f"{a.work}/reference.parquet")
    rec = records_frame(a.run)
    t_prep = time.time() - t0

    t1 = time.time()
    db_api = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.ExactMatch("person_id"),
            cl.ExactMatch("old_id"),
            cl.NameComparison("surname"),
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("full_name", [0.95, 0.88]),
            cl.DateOfBirthComparison("dob", input_is_string=True, datetime_format="%Y-%m-%d"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("commune"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("person_id"),
            block_on("old_id"),
            block_on("dob", "first_name"),
            block_on("birth_year", "surname", "first_name"),
            block_on("commune", "full_name"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([db_api.register(ref, table_name="reference"), db_api.register(rec, table_name="records")], settings)
    linker.training.estimate_probability_two_random_records_match([block_on("person_id")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("person_id"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob", "first_name"))
    pred = linker.inference.predict(threshold_match_probability=0.5)
    pairs = pred.as_pandas_dataframe()
    t_link = time.time() - t1

    # Best candidate per record; a match is p >= MATCH_THRESHOLD, as in lamsach.
    con = duckdb.connect()
    con.register("pairs", pairs)
    best = con.execute(
        """
        select rec_id, ref_id, p from (
            select case when source_dataset_l = 'records' then unique_id_l else unique_id_r end as rec_id,
                   case when source_dataset_l = 'records' then unique_id_r else unique_id_l end as ref_id,
                   match_probability as p,
                   row_number() over (partition by case when source_dataset_l = 'records' then unique_id_l else unique_id_r end
                                      order by match_probability desc) as k
            from pairs) where k = 1
        """
    ).fetchall()
    predicted = {rec_id: (ref_ids[int(ref_id[1:])], p) for rec_id, ref_id, p in best}

    truth = pq.read_table(f"{a.work}/truth.parquet", columns=["source", "source_row", "role", "true_person_id"]).to_pylist()
    tm = fm = linkable = absent = absent_unlinked = 0
    for t in truth:
        key = f"{t['source']}|{t['source_row']}|{t['role']}"
        pid, p = predicted.get(key, (None, 0.0))
        is_match = p >= MATCH_THRESHOLD
        correct = t["true_person_id"] is not None and pid == t["true_person_id"]
        if t["true_person_id"] is not None:
            linkable += 1
            tm += is_match and correct
        else:
            absent += 1
            absent_unlinked += not is_match
        fm += is_match and not correct
    precision = tm / (tm + fm) if tm + fm else 1.0
    recall = tm / linkable if linkable else 1.0
    result = {
        "records": len(truth),
        "reference": len(ref),
        "pairs_scored": len(pairs),
        "precision": precision,
        "recall": recall,
        "absent_unlinked_rate": absent_unlinked / absent if absent else 1.0,
        "seconds_prepare": t_prep,
        "seconds_link": t_link,
    }
    json.dump(result, open(a.out, "w"), indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
