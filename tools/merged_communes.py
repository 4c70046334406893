#!/usr/bin/env python3
"""Writes schemas/admin/merged_communes.csv: communes merged away before the 2025 reform (the
arrangements of 2019–2024), each old name with the pre-2025 unit it became part of, so an
address that still names the old ward or commune is placed in its successor.

    python3 tools/merged_communes.py VIETNAMADMINUNITS_GIT_DIR

The source is vietnamadminunits' list of old names of pre-2025 wards
(`data/alias_keywords/legacy/alias_ward.csv`, MIT licence, © 2025 Tran Ngoc Minh Hieu; each
row cites the resolution or news report of the merger), read at the commit pinned below so the
file is the same on every machine. Its rows give the successor (province, district, ward, as
glued folded names) and old names in several writings ("xatanduong", "tanduong", "p10"): an
old name is kept where the list writes it with its unit word and without ("xã" + "tân dương"),
or as a numbered ward ("phuong10"). The successor is resolved to its code in
schemas/admin/communes_legacy.csv; rows that resolve to nothing are left out and counted.

Columns: code (the successor, pre-2025), kind (xa, phuong, thitran), old (the old name,
folded, glued, without its unit word).
"""
import collections
import csv
import os
import subprocess
import sys
import unicodedata

COMMIT = "780c27980afdae76d5c6e7b252955f6b571f34ca"
PATH = "data/alias_keywords/legacy/alias_ward.csv"
KINDS = ("thitran", "phuong", "xa")


def glued(s):
    """Folded, without marks, spaces or punctuation ("Phường Dương Quan" → "phuongduongquan")."""
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if not unicodedata.combining(c) and c.isalnum()).lower()


def main():
    repo = sys.argv[1]
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas", "admin")
    git_dir = repo if os.path.isdir(os.path.join(repo, "objects")) else os.path.join(repo, ".git")
    text = subprocess.run(["git", "--git-dir", git_dir, "show", f"{COMMIT}:{PATH}"], capture_output=True, check=True).stdout.decode("utf-8").lstrip("\ufeff")
    province = {r["code"]: glued(r["name"]) for r in csv.DictReader(open(os.path.join(here, "provinces.csv"), encoding="utf-8")) if r["era"] == "legacy"}
    units = {}
    for r in csv.DictReader(open(os.path.join(here, "communes_legacy.csv"), encoding="utf-8")):
        units[(province.get(r["province_code"]), glued(r["district_name"]), glued(r["name"]))] = r["code"]
    names = collections.defaultdict(set)
    unresolved = 0
    for r in csv.DictReader(text.splitlines()):
        code = units.get((glued(r["province_key"]), glued(r["district_key"]), glued(r["ward_key"])))
        if code is None:
            unresolved += 1
            continue
        names[code].add(glued(r["alias_keyword"]))
    out = set()
    for code, aliases in names.items():
        for a in aliases:
            for kind in KINDS:
                rest = a[len(kind):]
                if a.startswith(kind) and rest and (rest in aliases or rest.isdigit()):
                    out.add((code, kind, rest))
                    break
    # An old name that is still a unit's own name in the same district is no old name there.
    current = {(c, glued(n)) for (_, _, n), c in units.items()}
    rows = sorted(out - {x for x in out if (x[0], x[1] + x[2]) in current})
    with open(os.path.join(here, "merged_communes.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["code", "kind", "old"])
        w.writerows(rows)
    print(f"{len(rows)} old names of {len({r[0] for r in rows})} successors; {unresolved} source rows named no listed unit")


if __name__ == "__main__":
    main()
