#!/usr/bin/env python3
"""A run's worklist read back from its outputs, independently of lamsach's code: rows and
records by priority, and the records on it that a machine could answer (no finding that asks
for judgement, and every error's field has a known value in issues.parquet).

    python3 benches/worklist_share.py RUN_FOLDER
"""
import sys, collections, duckdb, openpyxl, json, glob
out = sys.argv[1]
wb = openpyxl.load_workbook(f"{out}/worklist.xlsx", read_only=True)
rows = 0; recs = collections.Counter(); rowsby = collections.Counter(); items = []
for ws in wb.worksheets:
    it = ws.iter_rows(values_only=True); head = next(it, None)
    if not head or "Mã bản ghi" not in head: continue
    h = list(head); kp, ks, kc = h.index("Ưu tiên"), h.index("Mã bản ghi"), h.index("Nguồn")
    for r in it:
        keys = r[ks].split("\n"); rows += 1; rowsby[r[kp]] += 1; recs[r[kp]] += len(keys)
        items += [(r[kc], k) for k in keys]
s = json.load(open(f"{out}/summary.json"))
n = s["overall"]["records"]
iss = duckdb.sql(f"select source, record_key, field, code, severity, suggested_value from '{out}/issues.parquet'").fetchall()
by = collections.defaultdict(list)
for x in iss: by[(x[0], x[1])].append(x[2:])
officer = {"ID_BELONGS_TO_OTHER_PERSON","ID_SHARED_IN_REFERENCE","OFFICER_ID_INCONSISTENT","DECEASED_IN_REFERENCE","DECEASED_IN_REGISTER","DEATH_NOT_IN_REFERENCE","BIRTH_NOT_IN_REFERENCE","BIRTH_NOT_REGISTERED","DEATH_NOT_REGISTERED","BOOK_ENTRY_GAP","BOOK_DATE_OUT_OF_ORDER","PARENT_AGE_IMPLAUSIBLE","NO_LINK","OFFICER_ID_NOT_IN_REFERENCE","LINK_REVIEW","BLOCK_TRUNCATED","DECISIONS_CONFLICT","NAME_DIFFERS","PARENT_LINK_DISAGREES","DUPLICATE_IN_SOURCE"}
# A row the machine could answer: no finding that asks for judgement, and every error's field has a known value.
machine = 0
for key in items:
    fs = by[key]
    if any(f[1] in officer for f in fs): continue
    valued = {f[0] for f in fs if f[3]}
    related = {"ID_SEX_MISMATCH": "sex", "ID_BIRTH_YEAR_MISMATCH": "dob"}
    errs = [f for f in fs if f[2] == "error"]
    if errs and all(f[0] in valued or related.get(f[1]) in valued for f in errs): machine += 1
print(f"records {n}; worklist rows {rows}, records {sum(recs.values())} ({100*sum(recs.values())/n:.1f}%); machine-answerable {machine} ({100*machine/max(1,sum(recs.values())):.2f}% of worklist records)")
for k in sorted(recs): print(f"  {k}: rows {rowsby[k]}, records {recs[k]}")
