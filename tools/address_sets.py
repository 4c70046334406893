#!/usr/bin/env python3
"""Assembles the real-address test set of tests/realdata/ (see its README) into
tests/realdata/cache/addresses.tsv, which git ignores: lamsach commits none of it.

    python3 tools/address_sets.py COURSE_REPO POST_OFFICE_REPO CLINICS_REPO

Each argument is a git directory of a public repository snapshot (a clone, or what the
library's `fetch` brings); the files are read at the commits pinned below, so the set is
the same on every machine. Three independent sources, each with the true units in
columns of their own (pre-2025 units: these lists were written before the reform):

  course    an algorithms course's address-classification tests (public and private
            sets): addresses as people typed them, some garbled on purpose; the truth
            leaves a unit empty when the text does not name it (it is not scored then).
  post      the post offices of VNPost (1,677 offices: province, district, ward and the
            office's address, as the public list gives them).
  clinics   Hà Nội's clinics and commune health stations (district in the list; the
            ward only where the station's own name gives it: "Trạm y tế phường X").

Where a list's address stops short of the district or province (the list keeps them
in columns), the columns are appended as an export would write them ("…, Đống Đa,
Hà Nội"); nothing else is changed. Rows are deduplicated on the folded text.
Columns: source, text, province, district, ward (names as the source writes them).
"""
import json
import os
import re
import subprocess
import sys
import unicodedata

COURSE = [("e4045b60b829ef832eb266f5fdb7e78bafcb1552", "public.json"), ("7144ae0d00a31a995d23bb2d555406dbfdfacccd", "private-test/private.json")]
POST = ("58a9379c9ff8351f1a7a9d30f5cb168066074bd7", "app/_lib/PostOfficeLocation.tsx")
CLINICS = ("HEAD", "js/location.js")


def fold(s):
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in s if not unicodedata.combining(c)).lower().split())


def show(repo, commit, path):
    return subprocess.run(["git", "--git-dir", repo, "show", f"{commit}:{path}"], capture_output=True, check=True).stdout.decode("utf-8")


def git_dir(path):
    return path if os.path.isdir(os.path.join(path, "objects")) else os.path.join(path, ".git")


def with_units(text, district, province):
    """The list's own columns after an address that does not reach them."""
    parts = [text.strip().rstrip(",")]
    folded = fold(text)
    if province and fold(province) not in folded:
        if district and fold(district) not in folded:
            parts.append(district)
        parts.append(province)
    return ", ".join(p for p in parts if p)


def course(repo):
    for commit, path in COURSE:
        for x in json.loads(show(repo, commit, path)):
            r = x["result"]
            yield "course", x["text"], r["province"], r["district"], r["ward"]


def post(repo):
    text = show(repo, *POST)
    for block in re.findall(r"\{([^{}]*)\}", text):
        f = dict(re.findall(r'(\w+):\s*"([^"]*)"', block))
        if f.get("detailAddress") and f.get("province"):
            yield "post", with_units(f["detailAddress"], f.get("district", ""), f["province"]), f["province"], f.get("district", ""), f.get("ward", "")


STATION = re.compile(r"^Trạm y tế\s+(phường|xã|thị trấn)\s+([^(]+)", re.IGNORECASE)


def clinics(repo):
    data = show(repo, *CLINICS)
    body = data[data.index("{") : data.index("\n}") + 2]
    # A JavaScript object literal: trailing commas are allowed there, not in JSON.
    body = re.sub(r",(\s*[\]}])", r"\1", body)
    for province, districts in json.loads(body).items():
        for by_district in districts:
            for district, places in by_district.items():
                for p in places:
                    address = p.get("Địa chỉ", "").strip()
                    if not address:
                        continue
                    m = STATION.match(p.get("Tên", ""))
                    ward = m.group(2).strip() if m else ""
                    yield "clinics", with_units(address, district, province), province, district, ward


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        sys.exit(2)
    rows, seen = [], set()
    for make, repo in zip((course, post, clinics), sys.argv[1:]):
        for row in make(git_dir(repo)):
            key = fold(row[1])
            if key in seen:
                continue
            seen.add(key)
            rows.append(tuple(" ".join(c.replace("\t", " ").split()) for c in row))
    out = os.path.join(os.path.dirname(__file__), "..", "tests", "realdata", "cache", "addresses.tsv")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        f.write("source\ttext\tprovince\tdistrict\tward\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    by = {}
    for r in rows:
        by[r[0]] = by.get(r[0], 0) + 1
    print(f"{len(rows)} addresses in {os.path.normpath(out)}: " + ", ".join(f"{k} {v}" for k, v in by.items()))


if __name__ == "__main__":
    main()
