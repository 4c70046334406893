#!/usr/bin/env python3
"""Builds schemas/family_names.tsv: Vietnamese family names and how often each
opens a full name in two public name lists that lamsach's generator did not write.

    python3 tools/family_names.py NGXSON_DATASET_CSV UIT_MEMBER_JSON > schemas/family_names.tsv

Sources (counts only are kept, no full name):
  - ngxson/tfjs-vn-name-to-gender, dataset.csv: 63,774 distinct full names (no licence stated).
  - duyet/vietnamese-namedb, uit_member.json: 8,757 full names (MIT).
A first word counts as a family name when it opens at least 3 names over both lists;
words that are middle or given names in the great majority of names (văn, thị ...) are
dropped by the share test below; mojibake ('buøi') by the letter test; spellings that
lost their marks ('pham', 'chau') when a marked spelling is ten times as common. Typos
with marks ('đổ', 'nguyển') stay: no count tells them from rare names (Hạ beside Hà).
"""
import collections
import json
import sys
import unicodedata

VIETNAMESE = set("abcdefghijklmnopqrstuvwxyz'đ") | set(
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
)


def fold(w):
    w = w.replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", w) if not unicodedata.combining(c))


def words(name):
    return unicodedata.normalize("NFC", name).lower().split()


def main(ngxson_csv, uit_json):
    ng = [l.rsplit(",", 1)[0] for l in open(ngxson_csv, encoding="utf-8").read().splitlines() if l.strip()]
    uit = [d["full_name"] for d in json.load(open(uit_json, encoding="utf-8"))]
    first = [collections.Counter(), collections.Counter()]
    later = collections.Counter()
    for i, names in enumerate((ng, uit)):
        for n in names:
            w = words(n)
            if len(w) < 2:
                continue
            first[i][w[0]] += 1
            for x in w[1:]:
                later[x] += 1
    print("# family name\tnames it opens in ngxson/tfjs-vn-name-to-gender\tin duyet/vietnamese-namedb uit_member.json")
    print("# built by tools/family_names.py; see that script for the sources and the rules")
    rows = []
    for name in set(first[0]) | set(first[1]):
        a, b = first[0][name], first[1][name]
        if a + b < 3:
            continue
        # A word that stands later in a name far more often than first is a middle or given name.
        if later[name] > 5 * (a + b) and a + b < 200:
            continue
        if not set(name) <= VIETNAMESE:
            continue
        rows.append((-(a + b), name, a, b))
    # A spelling with no marks at all beside a far more common marked one lost its marks.
    marked = {}
    for n, name, _, _ in rows:
        if fold(name) != name:
            marked[fold(name)] = min(marked.get(fold(name), 0), n)
    rows = [r for r in rows if not (fold(r[1]) == r[1] and r[0] * 10 > marked.get(r[1], 0))]
    for _, name, a, b in sorted(rows):
        print(f"{name}\t{a}\t{b}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
