#!/usr/bin/env python3
"""lamsach's address parser beside vietnamadminunits on real addresses that people typed
(tests/realdata/cache/addresses.tsv, assembled by tools/address_sets.py from three public
lists; see tests/realdata/README.md). Scores, per source and overall:

  province            the 2025 province (the list's pre-2025 province carried across)
  district            the pre-2025 district (from the address, or the commune placed)
  commune, its era    the pre-2025 ward the list gives
  commune, 2025 unit  the unit that ward became on 1 July 2025 (any unit, for a split ward)
  merged              a ward the list gives that was merged away before 2025: placed in the unit
                      it became part of (schemas/admin/merged_communes.csv, the same list lamsach
                      reads, so this counts what the reading finds, not whether the list is right)

A unit the list leaves empty is not scored. vietnamadminunits is told the era (LEGACY,
level 3), its best case; lamsach is scored untold, then told (--era legacy).

    python3 -m venv /tmp/vau && /tmp/vau/bin/pip install vietnamadminunits==1.0.4
    /tmp/vau/bin/python benches/peer/real_addresses.py LAMSACH_BIN [--misses N] [--set PATH]

--misses N prints N addresses lamsach gets wrong on the commune (text, truth, reading).
--set PATH scores another file of the same columns.
"""
import collections
import json
import subprocess
import sys
import time
import unicodedata

ADMIN = "schemas/admin"
SET = "tests/realdata/cache/addresses.tsv"
FIELDS = ("province", "district", "commune_era", "commune_2025", "merged")


def fold(s):
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return " ".join(s.replace("-", " ").replace(".", " ").split())


def key(name, prefixes):
    f = fold(name)
    for p in prefixes:
        if f.startswith(p + " "):
            f = f[len(p) + 1 :]
            break
    return " ".join(w.lstrip("0") or "0" if w.isdigit() else w for w in f.split())


DISTRICT_WORDS = ("thanh pho", "thi xa", "huyen", "quan")
WARD_WORDS = ("thi tran", "phuong", "xa")
PROVINCE_WORDS = ("thanh pho", "tinh")


def csv_rows(name):
    lines = open(f"{ADMIN}/{name}", encoding="utf-8").read().splitlines()
    return [l.split(",") for l in lines[1:] if l]


class Truth:
    def __init__(self):
        self.legacy_province = {}
        for era, code, name, short in csv_rows("provinces.csv"):
            if era == "legacy":
                for n in (name, short):
                    self.legacy_province[key(n, PROVINCE_WORDS).replace(" ", "")] = code
        self.units = csv_rows("communes_legacy.csv")  # province, district code, district, code, name, short, type
        self.targets = collections.defaultdict(set)
        for old, new, _ in csv_rows("crosswalk_2025.csv"):
            self.targets[old].add(new)
        new_province = {r[1]: r[0] for r in csv_rows("communes_2025.csv")}
        votes = collections.Counter()
        province_of = {r[3]: r[0] for r in self.units}
        for old, news in self.targets.items():
            for n in news:
                votes[(province_of.get(old), new_province.get(n))] += 1
        self.to_2025 = {}
        for (o, n), v in sorted(votes.items(), key=lambda x: -x[1]):
            self.to_2025.setdefault(o, n)
        self.district_of = {r[3]: key(r[2], DISTRICT_WORDS) for r in self.units}
        # Wards merged away before 2025 (schemas/admin/merged_communes.csv): old name → successors.
        self.merged = collections.defaultdict(set)
        for code, _, old in csv_rows("merged_communes.csv"):
            self.merged[old].add(code)

    def successor(self, province, district, ward):
        """The pre-2025 unit a ward the lists name, merged away before 2025, became part of."""
        p = self.legacy_province.get(key(province, PROVINCE_WORDS).replace(" ", "")) if province else None
        d = key(district, DISTRICT_WORDS) if district else None
        if not (p and d and ward):
            return None
        found = {c for c in self.merged.get(key(ward, WARD_WORDS).replace(" ", ""), ()) if self.district_of.get(c) == d}
        return found.pop() if len(found) == 1 else None

    def of(self, province, district, ward):
        """(2025 province, district key, legacy ward codes) the list's columns name."""
        p = self.legacy_province.get(key(province, PROVINCE_WORDS).replace(" ", "")) if province else None
        d = key(district, DISTRICT_WORDS) if district else None
        codes = set()
        if ward and p:
            w = key(ward, WARD_WORDS)
            codes = {r[3] for r in self.units if r[0] == p and key(r[5], ()) == w and (d is None or key(r[2], DISTRICT_WORDS) == d)}
        return (self.to_2025.get(p) if p else None), d, codes


def score(truth, rows, readings):
    """readings: per row (2025 province, district key, legacy code, 2025 code)."""
    tally = collections.defaultdict(lambda: collections.Counter())
    misses = []
    for row, (prov, dist, legacy, current) in zip(rows, readings):
        source, text, p, d, w = row
        tp, td, codes = truth.of(p, d, w)
        t = tally[source]
        if tp:
            t["province_n"] += 1
            t["province"] += prov == tp
        if td:
            t["district_n"] += 1
            t["district"] += dist == td
        if not codes and (succ := truth.successor(p, d, w)):
            t["merged_n"] += 1
            t["merged"] += legacy == succ
        if codes:
            t["commune_era_n"] += 1
            t["commune_era"] += legacy in codes
            t["commune_2025_n"] += 1
            ok = current in set().union(*(truth.targets[c] for c in codes))
            t["commune_2025"] += ok
            if not ok:
                misses.append((text, p, d, w, legacy, current))
    total = collections.Counter()
    for t in tally.values():
        total.update(t)
    tally["all"] = total
    out = {}
    for source, t in tally.items():
        out[source] = {f: (round(t[f] / t[f + "_n"], 4) if t[f + "_n"] else None, t[f + "_n"]) for f in FIELDS}
    return out, misses


def lamsach(binary, texts, truth, era=None):
    args = [binary, "normalize", "address"] + (["--era", era] if era else [])
    res = subprocess.run(args, input="\n".join(texts) + "\n", capture_output=True, text=True, check=True)
    readings = []
    for line in res.stdout.splitlines():
        o = json.loads(line)
        legacy = o["commune_code"] if o["commune_era"] == "legacy" else None
        dist = o["district"] or (truth.district_of.get(legacy) if legacy else None)
        if dist:
            dist = key(dist, DISTRICT_WORDS)
        readings.append((o["province"], dist, legacy, o["current_code"]))
    return readings


def peer(texts, truth):
    from vietnamadminunits import parse_address

    readings = []
    for text in texts:
        try:
            a = parse_address(text, mode="LEGACY", level=3)
        except Exception:
            readings.append((None, None, None, None))
            continue
        ward = getattr(a, "ward_code", None)
        current = min(truth.targets[ward]) if ward in truth.targets else None
        dist = key(a.district, DISTRICT_WORDS) if getattr(a, "district", None) else None
        prov = truth.to_2025.get(getattr(a, "province_code", None))
        readings.append((prov, dist, ward, current))
    return readings


def table(name, scores):
    print(f"\n{name}")
    print("| source | " + " | ".join(FIELDS) + " |")
    print("|---|" + "---|" * len(FIELDS))
    for source, s in scores.items():
        print(f"| {source} | " + " | ".join(f"{s[f][0]:.1%} of {s[f][1]}" if s[f][0] is not None else "–" for f in FIELDS) + " |")


def main():
    binary = sys.argv[1]
    misses_wanted = int(sys.argv[sys.argv.index("--misses") + 1]) if "--misses" in sys.argv else 0
    path = sys.argv[sys.argv.index("--set") + 1] if "--set" in sys.argv else SET
    rows = [unicodedata.normalize("NFC", l).split("\t") for l in open(path, encoding="utf-8").read().splitlines()[1:] if l]
    texts = [r[1] for r in rows]
    truth = Truth()
    t0 = time.perf_counter()
    ours, misses = score(truth, rows, lamsach(binary, texts, truth))
    t_ours = time.perf_counter() - t0
    table(f"lamsach ({len(rows)} addresses, {len(rows) / t_ours:,.0f} a second through the CLI)", ours)
    for m in misses[:misses_wanted]:
        print("MISS", m)
    told, _ = score(truth, rows, lamsach(binary, texts, truth, "legacy"))
    table("lamsach told the era (--era legacy, as a source's addresses = \"legacy\")", told)
    try:
        import vietnamadminunits  # noqa: F401
    except ImportError:
        print("\nvietnamadminunits is not installed: see this script's docstring")
        return
    t0 = time.perf_counter()
    theirs, _ = score(truth, rows, peer(texts, truth))
    table(f"vietnamadminunits 1.0.4, told LEGACY ({len(rows) / (time.perf_counter() - t0):,.0f} a second)", theirs)


if __name__ == "__main__":
    main()
