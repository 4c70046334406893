#!/usr/bin/env python3
"""lamsach's address parser beside the Python package vietnamadminunits, on the same
addresses, built from the official unit lists (schemas/admin/, so the truth is known):
half pre-2025 ("Thôn 3, Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định"), half 2025
("Số 12, Phường Bình Định, Tỉnh Gia Lai"), each full, abbreviated (X., P., TT., H., Q.,
TX., T.), without marks, or without its province.

    python3 -m venv /tmp/vau && /tmp/vau/bin/pip install vietnamadminunits
    /tmp/vau/bin/python benches/peer/addresses.py LAMSACH_BIN [N]

vietnamadminunits is told each address's era (mode LEGACY or FROM_2025), its best case;
lamsach is not. Throughput is one core each: lamsach's `normalize address` is one loop
(JSON out included), the peer is called in a loop.
"""
import json
import random
import subprocess
import sys
import time
import unicodedata

ADMIN = "schemas/admin"


def fold(s):
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


def rows(name):
    lines = open(f"{ADMIN}/{name}", encoding="utf-8").read().splitlines()
    return [l.split(",") for l in lines[1:] if l]


def abbreviate(t):
    for long, short in [("Thị trấn ", "TT. "), ("Xã ", "X. "), ("Phường ", "P. "), ("Huyện ", "H. "), ("Quận ", "Q. "), ("Thị xã ", "TX. "), ("Tỉnh ", "T. ")]:
        t = t.replace(long, short)
    return t


def addresses(n, seed=7):
    rng = random.Random(seed)
    provinces = {(r[0], r[1]): r[2] for r in rows("provinces.csv")}
    legacy = rows("communes_legacy.csv")
    new = rows("communes_2025.csv")
    out = []
    for i in range(n):
        below = rng.choice(["Thôn %d" % rng.randint(1, 12), "Tổ %d" % rng.randint(1, 30), "Số %d, Tổ %d" % (rng.randint(1, 300), rng.randint(1, 20))])
        if i % 2 == 0:
            r = rng.choice(legacy)
            parts = [below, r[4], r[2], provinces[("legacy", r[0])]]
            code, era = r[3], "legacy"
        else:
            r = rng.choice(new)
            parts = [below, r[2], provinces[("2025", r[0])]]
            code, era = r[1], "2025"
        shape = rng.randrange(4)
        if shape == 3:
            parts = parts[:-1]
        text = ", ".join(parts)
        if shape == 1:
            text = abbreviate(text)
        elif shape == 2:
            text = fold(text)
        out.append((text, code, era))
    return out


def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 12000
    cases = addresses(n)
    t0 = time.perf_counter()
    res = subprocess.run([binary, "normalize", "address"], input="\n".join(c[0] for c in cases) + "\n", capture_output=True, text=True, check=True)
    t_ours = time.perf_counter() - t0
    ours = [json.loads(l) for l in res.stdout.splitlines()]
    placed = sum(1 for o in ours if o["commune_code"])
    right = sum(1 for o, c in zip(ours, cases) if o["commune_code"] == c[1] and o["commune_era"] == c[2])
    print(f"lamsach: {n} addresses, placed {placed / n:.4f}, right {right / n:.4f}, {n / t_ours:,.0f} addresses/s")
    try:
        from vietnamadminunits import parse_address
    except ImportError:
        print("vietnamadminunits is not installed: see this script's docstring")
        return
    t0 = time.perf_counter()
    p_placed = p_right = 0
    for text, code, era in cases:
        try:
            a = parse_address(text, mode="LEGACY" if era == "legacy" else "FROM_2025", level=3 if era == "legacy" else 2)
            ward = getattr(a, "ward_code", None)
        except Exception:
            ward = None
        p_placed += ward is not None
        p_right += ward == code
    t_peer = time.perf_counter() - t0
    print(f"vietnamadminunits 1.0.4 (told the era): {n} addresses, placed {p_placed / n:.4f}, right {p_right / n:.4f}, {n / t_peer:,.0f} addresses/s")
    print(f"throughput ratio lamsach / vietnamadminunits: {t_peer / t_ours:.0f}x")


if __name__ == "__main__":
    main()
