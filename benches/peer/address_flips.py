#!/usr/bin/env python3
"""Which scored fields of the real address set two lamsach binaries read differently:

    /tmp/vau/bin/python benches/peer/address_flips.py OLD_BIN NEW_BIN

prints every field right with OLD and wrong with NEW, and the counts both ways (untold and
told the era). See benches/peer/real_addresses.py for the set and the scoring."""
import os
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_addresses as ra  # noqa: E402

a, b = sys.argv[1], sys.argv[2]
rows = [unicodedata.normalize("NFC", l).split("\t") for l in open(ra.SET, encoding="utf-8").read().splitlines()[1:] if l]
texts = [r[1] for r in rows]
truth = ra.Truth()
for era in (None, "legacy"):
    ra_, rb = ra.lamsach(a, texts, truth, era), ra.lamsach(b, texts, truth, era)
    worse = better = 0
    for r, x, y in zip(rows, ra_, rb):
        tp, td, codes = truth.of(r[2], r[3], r[4])
        for f, ok in (("district", lambda z: z[1] == td if td else None), ("commune", lambda z: z[2] in codes if codes else None), ("province", lambda z: z[0] == tp if tp else None)):
            ox, oy = ok(x), ok(y)
            if ox is None: continue
            if ox and not oy: worse += 1; print("WORSE", era, f, r[1], x, y)
            if oy and not ox: better += 1
    print(era, "better", better, "worse", worse)
