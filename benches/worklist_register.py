#!/usr/bin/env python3
"""An employer roster typed by hand, made here in Python (not by lamsach's generator) from the
reference extract's people: 6,000 rows, IDs left out on half, marks dropped, sex or date of
birth left blank, some rows typed twice with another address, some people not in the extract.

    python3 benches/worklist_register.py REFERENCE.parquet OUT_DIR

writes OUT_DIR/nhan_vien.csv; run it against the same reference with a labour-schema job and
read the worklist with benches/worklist_share.py."""
import csv, os, random, sys, unicodedata
import duckdb
random.seed(2026)
ref = duckdb.sql(f"select SO_DINH_DANH, HO_TEN, NGAY_SINH, GIOI_TINH, DIA_CHI from '{sys.argv[1]}' where TRANG_THAI is null or TRANG_THAI not ilike '%mất%' using sample 7000 rows (reservoir, 7)").fetchall()
def unmark(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")
rows = []
for pid, name, dob, sex, addr in ref[:6000]:
    r = {"Họ tên": name, "Ngày sinh": dob, "Giới tính": sex, "CCCD": pid, "Địa chỉ": addr or "", "Số điện thoại": ""}
    u = random.random()
    if u < 0.5: r["CCCD"] = ""
    if random.random() < 0.25: r["Họ tên"] = unmark(r["Họ tên"]).upper() if random.random() < 0.5 else unmark(r["Họ tên"])
    if random.random() < 0.05: r["Giới tính"] = ""
    if random.random() < 0.04: r["Ngày sinh"] = ""
    if random.random() < 0.03 and r["CCCD"]:
        d = r["CCCD"]; r["CCCD"] = d[:3] + str((int(d[3]) ^ 1)) + d[4:]   # sex digit mistyped
    rows.append(r)
    if random.random() < 0.03:
        twin = dict(r); twin["Địa chỉ"] = (addr or "") + " (cũ)"; rows.append(twin)
# People the extract does not have.
for k in range(150):
    rows.append({"Họ tên": random.choice(["Nguyễn", "Trần", "Lê"]) + " Văn Ngoài " + str(k), "Ngày sinh": f"0{1 + k % 9}/03/19{60 + k % 30}", "Giới tính": "Nam", "CCCD": "", "Địa chỉ": "", "Số điện thoại": ""})
random.shuffle(rows)
with open(os.path.join(sys.argv[2], "nhan_vien.csv"), "w", encoding="utf-8-sig", newline="") as f:
    w = csv.DictWriter(f, fieldnames=["STT"] + list(rows[0].keys()))
    w.writeheader()
    for i, r in enumerate(rows, 1):
        w.writerow({"STT": i, **r})
print(len(rows), "rows")
