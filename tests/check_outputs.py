"""Checks a demo run's outputs with the tools analysts and officers use:
pyarrow and DuckDB read the Parquet files with the documented columns and
types, openpyxl and LibreOffice open the worklist (formula-looking cells stay text, the
decision drop-down survives a LibreOffice save), and
headless Chromium renders report.html with no script error and no empty chart.

    python3 tests/check_outputs.py path/to/lamsach
"""
import html.parser, json, os, subprocess, sys, tempfile

import duckdb
import openpyxl
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

binary = sys.argv[1]
failures = []
passed = 0


def hidden(ws, column):
    """Whether the 1-based column is hidden (openpyxl keeps runs of like columns as one range)."""
    return any(d.hidden and d.min <= column <= d.max for d in ws.column_dimensions.values())


def check(cond, what):
    global passed
    passed += bool(cond)
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    out = subprocess.run([binary, "demo", "--out", tmp, "-q"], capture_output=True, text=True)
    check(out.returncode == 0, "lamsach demo exits 0")
    run = out.stdout.strip()

    # Parquet, as analysts open it.
    expected = {
        "records.parquet": {"source": "string", "source_file": "string", "source_row": "uint64", "role": "string",
                            "full_name_raw": "string", "full_name": "string", "person_id": "string", "dob": "string",
                            "ref_person_id": "string", "match_class": "string", "match_probability": "double",
                            "match_weight": "double", "candidates": "uint32", "runner_up_margin": "double",
                            "score_correct": "uint32", "score_complete": "uint32", "score_clean": "uint32",
                            "score_live": "uint32", "pass": "bool", "finding_codes": "list<item: string>"},
        "issues.parquet": {"source": "string", "source_file": "string", "source_row": "uint64", "field": "string",
                           "code": "string", "dimension": "string", "severity": "string", "original_value": "string",
                           "suggested_value": "string", "suggested_from": "string"},
        "matches.parquet": {"source": "string", "source_row": "uint64", "rank": "uint32", "match_weight": "double",
                            "name_level": "string", "name_weight": "double", "prior_weight": "double"},
        "quarantine.parquet": {"source": "string", "source_file": "string", "source_row": "uint64", "reason": "string",
                               "raw": "string"},
    }
    for name, cols in expected.items():
        schema = pq.read_schema(os.path.join(run, name))
        # Plain `string`, not `string_view` or `large_string`: what pyarrow compute, pandas and Spark take.
        types = {f.name: str(f.type) for f in schema}
        for c, t in cols.items():
            got = types.get(c, "missing")
            check(got == t or (t.startswith("list") and got in ("list<element: string>", "list<item: string>")), f"{name}: {c} is {t} (got {got})")

    # The first things an analyst types, in pyarrow compute and pandas, with no cast.
    records = pq.read_table(os.path.join(run, "records.parquet"))
    labour = records.filter(pc.equal(records["source"], "lao_dong"))
    check(labour.num_rows > 0 and set(labour["source"].to_pylist()) == {"lao_dong"}, f"pyarrow compute filters source == 'lao_dong' ({labour.num_rows} rows)")
    by_class = {r["match_class"]: r["match_class_count"] for r in records.group_by("match_class").aggregate([("match_class", "count")]).to_pylist()}
    check(sum(by_class.values()) == records.num_rows, f"pyarrow group_by match_class {by_class}")
    df = pd.read_parquet(os.path.join(run, "records.parquet"))
    failing = df[(df["source"] == "lao_dong") & (~df["pass"])]
    per_source = df.groupby("source")["pass"].mean()
    check(len(failing) <= labour.num_rows and abs(per_source.sum()) > 0, f"pandas filters and groups ({len(per_source)} sources)")
    issues = pd.read_parquet(os.path.join(run, "issues.parquet"))
    top = issues.groupby("code").size().sort_values(ascending=False)
    check(len(top) > 5 and top.index[0].isupper(), f"pandas counts findings by code (top {top.index[0]})")

    manifest = json.load(open(os.path.join(run, "manifest.json")))
    con = duckdb.connect()
    n = con.execute(f"select count(*) from read_parquet('{run}/records.parquet')").fetchone()[0]
    kept = sum(i["records"] for i in manifest["inputs"] if i["schema"] != "reference")
    check(n == kept, f"DuckDB counts {n} records, the manifest {kept}")
    q = con.execute(f"select count(*) from read_parquet('{run}/quarantine.parquet')").fetchone()[0]
    check(q == sum(i["rows_quarantined"] for i in manifest["inputs"]), "quarantine rows add up")
    classes = dict(con.execute(f"select match_class, count(*) from read_parquet('{run}/records.parquet') group by 1").fetchall())
    check(set(classes) <= {"match", "review", "no_match"} and classes.get("match", 0) > n * 0.8, f"link classes {classes}")
    orphans = con.execute(f"""select count(*) from read_parquet('{run}/issues.parquet') i
        anti join read_parquet('{run}/records.parquet') r using (source, source_row, role)""").fetchone()[0]
    check(orphans == 0, "every finding belongs to a record")

    # The worklist, as an officer's Excel opens it.
    wb = openpyxl.load_workbook(os.path.join(run, "worklist.xlsx"))
    formula_like = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
                    if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    check(any(c.value.startswith("=HYPERLINK") for c in formula_like), "the formula-looking name is in the worklist")
    check(all(c.data_type == "s" for c in formula_like), "cells starting with = + - @ are text, never formulas")
    check(len(wb.worksheets) > 3, f"{len(wb.worksheets)} commune sheets")
    # The officer's result column offers the decisions as a drop-down; key, digest and proposed person ride hidden.
    keys = set(pq.read_table(os.path.join(run, "records.parquet"), columns=["record_key"])["record_key"].to_pylist())
    for ws in wb.worksheets:
        lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
        check(str(ws["A1"].value or "").startswith("Việc tuần này: ") and ws["A2"].value == "STT", f"sheet {ws.title}: opens with the week's work, the heading under it")
        check(any("Đúng người" in (dv.formula1 or "") and "K3" in str(dv.sqref) for dv in lists), f"sheet {ws.title}: a decision drop-down on the result column")
        check(all(hidden(ws, c) for c in (15, 16, 17)), f"sheet {ws.title}: the record key, digest and proposed person columns are hidden")
        # A duplicate group's row holds its records' keys, one a line.
        sheet_keys = [k for r in ws.iter_rows(min_row=3, values_only=True) for k in r[14].split("\n")]
        check(sheet_keys and all(k in keys for k in sheet_keys), f"sheet {ws.title}: every row's key is a record's key")

    # LibreOffice (what many communes use) opens the worklist, and a file it saves keeps the
    # drop-down and the hidden key: what a returned worklist will look like.
    lo = tempfile.mkdtemp()
    for fmt in ["csv:Text - txt - csv (StarCalc):44,34,76,1", "xlsx"]:
        r = subprocess.run(["soffice", "--headless", "--convert-to", fmt, "--outdir", lo, os.path.join(run, "worklist.xlsx")], capture_output=True, text=True, timeout=180)
        check(r.returncode == 0, f"LibreOffice converts the worklist to {fmt.split(':')[0]}")
    first = open(os.path.join(lo, "worklist.csv"), encoding="utf-8").read().splitlines()
    check(first[1].startswith('"STT","Ưu tiên"') and len(first) > 2, f"LibreOffice reads the worklist's first sheet ({len(first) - 2} rows)")
    resaved = openpyxl.load_workbook(os.path.join(lo, "worklist.xlsx"))
    kept = all(any(dv.type == "list" and "Đúng người" in (dv.formula1 or "") for dv in ws.data_validations.dataValidation) for ws in resaved.worksheets)
    check(kept and len(resaved.worksheets) == len(wb.worksheets), "a worklist saved by LibreOffice keeps every sheet's decision drop-down")
    check(all(hidden(ws, 15) for ws in resaved.worksheets), "a worklist saved by LibreOffice keeps the record key hidden")

    # The round trip: decisions written into a worklist LibreOffice saved (and into a CSV that
    # LibreOffice exported from it) are read back by the next run, and kept in SQLite.
    import shutil, sqlite3
    job = os.path.join(tmp, "demo-input", "job.toml")
    check('[decisions]\ninbox = "returned"' in open(job, encoding="utf-8").read(), "the demo job reads returned worklists")
    rt = os.path.join(tmp, "rt")
    store = os.path.join(rt, "decisions.sqlite")  # the store follows --out
    first = subprocess.run([binary, "run", job, "--out", rt, "-q"], capture_output=True, text=True)
    check(first.returncode == 0, "a job with [decisions] runs")
    night1 = first.stdout.strip()
    lo1 = tempfile.mkdtemp()
    subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir", lo1, os.path.join(night1, "worklist.xlsx")], capture_output=True, timeout=180)
    returned = openpyxl.load_workbook(os.path.join(lo1, "worklist.xlsx"))
    # Row A proposes a person (any sheet); row B is on the first sheet (LibreOffice's CSV holds that one).
    row_b = next(r for r in returned.worksheets[0].iter_rows(min_row=3) if "\n" not in r[14].value)
    row_a = next(r for ws in returned.worksheets for r in ws.iter_rows(min_row=3) if r[16].value and r[14].value != row_b[14].value and "\n" not in r[14].value)
    rows = [row_a, row_b]
    rows[0][10].value, rows[0][13].value = "Đúng người", "CA thử"
    inbox = os.path.join(os.path.dirname(job), "returned")
    os.makedirs(inbox)
    returned.save(os.path.join(inbox, "tra-ve.xlsx"))
    rows[0][10].value = None
    rows[1][10].value = "Không xác minh được"
    returned.save(os.path.join(lo1, "for-csv.xlsx"))
    subprocess.run(["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", lo1,
                    os.path.join(lo1, "for-csv.xlsx")], capture_output=True, timeout=180)
    shutil.copy(os.path.join(lo1, "for-csv.csv"), os.path.join(inbox, "tra-ve.csv"))
    second = subprocess.run([binary, "run", job, "--out", rt, "-q"], capture_output=True, text=True)
    check(second.returncode == 0, "the next run imports the returned files")
    night2 = second.stdout.strip()
    decided = json.load(open(os.path.join(night2, "summary.json")))["decisions"]
    check(sorted(f for f, _ in decided["imports"]["imported"]) == ["tra-ve.csv", "tra-ve.xlsx"], f"both returned files imported ({decided['imports']})")
    rec = pd.read_parquet(os.path.join(night2, "records.parquet"))
    by_key = rec.set_index("record_key")
    a, b = by_key.loc[rows[0][14].value], by_key.loc[rows[1][14].value]
    check(a["decision"] == "confirm_link" and a["decided_by"] == "officer" and a["match_class"] == "match"
          and a["ref_person_id"] == rows[0][16].value, "the confirmed row (LibreOffice xlsx) is the officer's match")
    check(b["decision"] == "unverifiable" and b["decision_status"] == "applied", "the row returned as CSV is decided")
    db = sqlite3.connect(store)
    check(db.execute("pragma user_version").fetchone()[0] == 3, "the store's schema version is 3")
    check(db.execute("select count(*) from decisions where officer = 'CA thử'").fetchone()[0] >= 1, "sqlite3 reads the decisions and their officer")
    check(db.execute("select count(*) from runs").fetchone()[0] == 2, "the store keeps both runs")
    third = subprocess.run([binary, "run", job, "--out", rt, "-q"], capture_output=True, text=True)
    check(third.returncode == 0, "a third night runs")
    trend_report = os.path.join(third.stdout.strip(), "report.html")
    trend_runs = json.load(open(os.path.join(third.stdout.strip(), "summary.json")))["trend"]["runs"]
    check(len(trend_runs) == 3, f"summary.json's trend holds three runs ({len(trend_runs)})")

    # The report, rendered headless.
    report = os.path.join(run, "report.html")
    src = open(report, encoding="utf-8").read()
    import re
    remote = re.findall(r'(?:src|href)\s*=\s*"(?:https?:)?//', src) + re.findall(r"url\(\s*['\"]?(?:https?:)?//", src)
    check("<script" not in src.lower() and not remote, "report is self-contained (no script, no remote file)")
    check('id="civil"' in src and "BIRTH_NOT_REGISTERED" in src.split('id="civil"')[1].split("</table>")[0], "the report's civil-status section counts the chain findings per commune")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp}/chromium"]
    dom = subprocess.run(["chromium", *flags, "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + report],
                         capture_output=True, text=True, timeout=120)
    check("Uncaught" not in dom.stderr and "CONSOLE" not in dom.stderr, "no script error in the console")

    class Charts(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.charts, self.depth = [], 0

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "svg" and "chart" in (a.get("class") or ""):
                self.charts.append(0)
            if tag == "rect" and self.charts and float(a.get("width", "0")) > 1.0 and a.get("height") == "11":
                self.charts[-1] += 1

    p = Charts()
    p.feed(dom.stdout)
    check(len(p.charts) >= 2 and all(n > 0 for n in p.charts), f"charts rendered with bars: {p.charts}")

    # The trend section after three nights, as Chromium renders it: every line chart has a
    # line with a point per night.
    class Trends(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.charts = []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "svg" and (a.get("class") or "") == "trend":
                self.charts.append([])
            if tag == "polyline" and self.charts:
                self.charts[-1].append(len((a.get("points") or "").split()))

    tdom = subprocess.run(["chromium", *flags, "--dump-dom", "file://" + trend_report], capture_output=True, text=True, timeout=120)
    tp = Trends()
    tp.feed(tdom.stdout)
    check('id="trend"' in tdom.stdout and len(tp.charts) >= 2 and all(c and max(c) >= 3 for c in tp.charts),
          f"the trend's line charts have a point per night ({[max(c) if c else 0 for c in tp.charts]})")
    png = os.path.join(tmp, "report.png")
    subprocess.run(["chromium", *flags, "--window-size=1200,2000", f"--screenshot={png}", "file://" + report],
                   capture_output=True, timeout=120)
    check(os.path.exists(png) and os.path.getsize(png) > 20_000, "screenshot taken")

print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
