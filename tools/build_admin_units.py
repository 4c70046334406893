"""Build lamsach's administrative-unit code lists from the MIT-licensed PyPI
package `vietnamadminunits` 1.0.4 (data/dataset.db and data/converter_2025.json).

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/vau
    unzip -o /tmp/vau/vietnamadminunits-1.0.4-py3-none-any.whl -d /tmp/vau/x
    python3 tools/build_admin_units.py /tmp/vau/x/vietnamadminunits/data schemas/admin

Writes, all UTF-8 CSV with zero-padded text codes:
  provinces.csv        era,code,name,short_name           (era: 2025 = from 1/7/2025, legacy = before)
  communes_2025.csv    province_code,code,name,short_name,type
  communes_legacy.csv  province_code,district_code,district_name,code,name,short_name,type
  crosswalk_2025.csv   old_code,new_code,is_default        (old wards split across new wards
                                                            have several rows; one is_default=1)
"""
import csv, json, os, sqlite3, sys

src, dst = sys.argv[1], sys.argv[2]
db = sqlite3.connect(os.path.join(src, "dataset.db"))
conv = json.load(open(os.path.join(src, "converter_2025.json"), encoding="utf-8"))
os.makedirs(dst, exist_ok=True)

def writer(name, header):
    f = open(os.path.join(dst, name), "w", encoding="utf-8", newline="")
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    return f, w

new = db.execute("select provinceCode, province, provinceShort, wardCode, ward, wardShort, wardType,"
                 " provinceKey, wardKey from admin_units order by provinceCode, wardCode").fetchall()
old = db.execute("select provinceCode, province, provinceShort, districtCode, district, wardCode, ward,"
                 " wardShort, wardType, provinceKey, districtKey, wardKey from admin_units_legacy"
                 " where wardCode is not null and wardCode != '' order by provinceCode, districtCode, wardCode").fetchall()

f, w = writer("provinces.csv", ["era", "code", "name", "short_name"])
for era, rows in (("2025", {(r[0], r[1], r[2]) for r in new}), ("legacy", {(r[0], r[1], r[2]) for r in old})):
    for code, name, short in sorted(rows):
        w.writerow([era, code, name, short])
f.close()

f, w = writer("communes_2025.csv", ["province_code", "code", "name", "short_name", "type"])
new_by_key = {}
for pc, _, _, wc, wn, ws, wt, pk, wk in new:
    w.writerow([pc, wc, wn, ws, wt])
    new_by_key[(pk, wk)] = wc
f.close()

f, w = writer("communes_legacy.csv", ["province_code", "district_code", "district_name", "code", "name", "short_name", "type"])
old_by_key = {}
seen = set()
for pc, _, _, dc, dn, wc, wn, ws, wt, pk, dk, wk in old:
    if wc in seen:
        continue
    seen.add(wc)
    w.writerow([pc, dc, dn, wc, wn, ws, wt])
    old_by_key[f"{pk}_{dk}_{wk}"] = wc
f.close()

pairs = {}
missing = 0
for new_pk, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
    for new_wk, old_keys in wards.items():
        nc = new_by_key.get((new_pk, new_wk))
        for ok in old_keys:
            oc = old_by_key.get(ok)
            if nc is None or oc is None:
                missing += 1
                continue
            pairs.setdefault(oc, {})[nc] = 1
for new_pk, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
    for ok, targets in olds.items():
        oc = old_by_key.get(ok)
        for t in targets:
            nc = new_by_key.get((new_pk, t["newWardKey"]))
            if nc is None or oc is None:
                missing += 1
                continue
            pairs.setdefault(oc, {})[nc] = 1 if t["isDefaultNewWard"] else 0
f, w = writer("crosswalk_2025.csv", ["old_code", "new_code", "is_default"])
for oc in sorted(pairs):
    targets = pairs[oc]
    if len(targets) > 1 and sum(targets.values()) != 1:
        # keep exactly one default: the first flagged one, else the smallest code
        flagged = [c for c, d in sorted(targets.items()) if d] or sorted(targets)
        targets = {c: int(c == flagged[0]) for c in targets}
    for nc in sorted(targets):
        w.writerow([oc, nc, 1 if len(targets) == 1 else targets[nc]])
f.close()
print(f"new wards {len(new)}, old wards {len(seen)}, crosswalk old codes {len(pairs)}, unresolved keys {missing}", file=sys.stderr)
