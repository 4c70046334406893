#!/usr/bin/env python3
"""Civil-status chains and books against the generator's truth (issue: civil status).

    python3 benches/civil_chains.py TRUTH.parquet RUN_DIR [--json]

TRUTH is the `truth.parquet` `lamsach synth` wrote, RUN_DIR a run folder of that province.
Prints, over the civil-status registers (khai_sinh, chung_sinh, khai_tu, giay_bao_tu), each
chain and book code's injected cases, found, false findings, precision and recall; the book
codes on the birth certificates (their own numbering: every one is false); and the parents'
links (mothers, fathers: precision and recall against the true person).
"""

import argparse
import json
import os

import pyarrow.parquet as pq

CIVIL = {"khai_sinh", "chung_sinh", "khai_tu", "giay_bao_tu"}
CODES = {
    "birth_not_registered": "BIRTH_NOT_REGISTERED",
    "birth_not_in_reference": "BIRTH_NOT_IN_REFERENCE",
    "death_not_registered": "DEATH_NOT_REGISTERED",
    "death_date_disagrees": "DEATH_DATE_DISAGREES",
    "parent_age_implausible": "PARENT_AGE_IMPLAUSIBLE",
    "parent_link_disagrees": "PARENT_LINK_DISAGREES",
    "registration_before_event": "REGISTRATION_BEFORE_EVENT",
    "late_registration": "LATE_REGISTRATION",
    "book_entry_duplicate": "BOOK_ENTRY_DUPLICATE",
    "book_entry_gap": "BOOK_ENTRY_GAP",
    "book_date_out_of_order": "BOOK_DATE_OUT_OF_ORDER",
}
BOOK = {"BOOK_ENTRY_DUPLICATE", "BOOK_ENTRY_GAP", "BOOK_DATE_OUT_OF_ORDER"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("truth")
    p.add_argument("run")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    truth = pq.read_table(a.truth, columns=["source", "source_row", "role", "true_person_id", "defects"]).to_pylist()
    records = pq.read_table(os.path.join(a.run, "records.parquet"),
                            columns=["source", "source_row", "role", "match_class", "ref_person_id", "finding_codes"]).to_pylist()
    key = lambda r: (r["source"], r["source_row"], r["role"])
    by = {key(t): t for t in truth}
    rows = []
    for r in records:
        t = by.get(key(r))
        if t is not None and r["source"] in CIVIL:
            rows.append((r, t))
    out = {"records": len(rows), "codes": {}, "book_on_certificates": 0, "parents": {}}
    for defect, code in CODES.items():
        injected = sum(defect in (t["defects"] or []) for _, t in rows)
        flagged = [(r, t) for r, t in rows if code in (r["finding_codes"] or [])]
        found = sum(defect in (t["defects"] or []) for _, t in flagged)
        false = len(flagged) - found
        out["codes"][code] = {"injected": injected, "found": found, "false": false,
                              "precision": round(found / len(flagged), 4) if flagged else 1.0,
                              "recall": round(found / injected, 4) if injected else 1.0}
    out["book_on_certificates"] = sum(any(c in BOOK for c in (r["finding_codes"] or [])) for r, _ in rows if r["source"] == "chung_sinh")
    for role in ("mother", "father"):
        people = [(r, t) for r, t in rows if r["role"] == role]
        matched = [(r, t) for r, t in people if r["match_class"] == "match"]
        right = sum(r["ref_person_id"] is not None and r["ref_person_id"] == t["true_person_id"] for r, t in matched)
        linkable = sum(t["true_person_id"] is not None for _, t in people)
        out["parents"][role] = {"records": len(people), "linkable": linkable, "matched": len(matched), "right": right,
                                "precision": round(right / len(matched), 4) if matched else 1.0,
                                "recall": round(right / linkable, 4) if linkable else 1.0}
    if a.json:
        print(json.dumps(out, indent=1))
        return
    print(f"{'code':<28} {'injected':>8} {'found':>7} {'false':>6} {'precision':>9} {'recall':>7}")
    for code, c in out["codes"].items():
        print(f"{code:<28} {c['injected']:>8} {c['found']:>7} {c['false']:>6} {c['precision']:>9.4f} {c['recall']:>7.4f}")
    print(f"book findings on birth certificates: {out['book_on_certificates']}")
    for role, x in out["parents"].items():
        print(f"{role}s: {x['records']} records, {x['linkable']} linkable, matched {x['matched']}, "
              f"precision {x['precision']:.4f}, recall {x['recall']:.4f}")


if __name__ == "__main__":
    main()
