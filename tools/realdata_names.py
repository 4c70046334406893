#!/usr/bin/env python3
"""Runs real full names through `lamsach normalize name` and counts what it did.

    python3 tools/realdata_names.py LAMSACH_BIN NAMES_FILE [--show CODE]

NAMES_FILE: one full name per line, or ngxson's dataset.csv ("name,sex"), or
duyet's uit_member.json. tests/realdata/README.md says where the lists come from.
Prints: names processed, family names dropped (the output, without marks, no longer
starts with the input's first word; legacy-encoding repairs aside), names changed
other than in case and spacing, and findings by code.
"""
import collections
import json
import subprocess
import sys
import unicodedata


def fold(s):
    """Letters and digits only, without marks: 'K’ Dìm' and "K'Dìm" are the same."""
    s = unicodedata.normalize("NFD", s.lower().replace("đ", "d"))
    return "".join(c for c in s if c.isascii() and c.isalnum())


def load(path):
    if path.endswith(".json"):
        return [d["full_name"] for d in json.load(open(path, encoding="utf-8"))]
    names = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        if path.endswith(".csv"):
            line = line.rsplit(",", 1)[0]
        names.append(line)
    return names


def main():
    binary, path = sys.argv[1], sys.argv[2]
    show = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--show" else None
    names = load(path)
    out = subprocess.run([binary, "normalize", "name"], input="\n".join(names) + "\n", capture_output=True, text=True, check=True).stdout
    rows = [json.loads(l) for l in out.splitlines()]
    assert len(rows) == len(names), (len(rows), len(names))
    codes = collections.Counter()
    dropped = collections.Counter()
    changed = 0
    for name, r in zip(names, rows):
        value = r.get("value") or ""
        first = fold(name.split()[0]) if name.split() else ""
        # A repaired legacy encoding changes the letters themselves: not a dropped name.
        repaired = "NAME_LEGACY_ENCODING" in r.get("findings", [])
        if first and not repaired and not fold(value).startswith(first):
            dropped[name.split()[0].lower()] += 1
        if unicodedata.normalize("NFC", " ".join(name.split())).lower() != value.lower():
            changed += 1
        for c in r.get("findings", []):
            codes[c] += 1
            if show == c:
                print(f"  {c}: {name!r} -> {value!r}")
    print(f"names processed: {len(names)}")
    print(f"family names dropped: {sum(dropped.values())} {dict(dropped.most_common(12))}")
    print(f"names changed beyond case and spacing: {changed}")
    print("findings by code:")
    for c, n in codes.most_common():
        print(f"  {c}: {n}")


if __name__ == "__main__":
    main()
