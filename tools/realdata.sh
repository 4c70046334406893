#!/usr/bin/env bash
# Assembles the real-data corpus of tests/realdata/ (see its README) into
# tests/realdata/cache/, which git ignores: lamsach commits none of it.
#
#   tools/realdata.sh NGXSON_CSV UIT_JSON
#
# NGXSON_CSV is dataset.csv of the public repository ngxson/tfjs-vn-name-to-gender and
# UIT_JSON is uit_member.json of duyet/vietnamese-namedb (clone them, or take the files
# from any copy); the script copies them and writes names.txt, one full name per line.
#
# Then: cargo test --release --test realdata   (the corpus tests run when the files are there)
#       python3 tools/realdata_names.py target/release/lamsach tests/realdata/cache/ngxson.csv
set -euo pipefail
cd "$(dirname "$0")/.."
dest=tests/realdata/cache
mkdir -p "$dest"
if [ $# -lt 2 ]; then
  sed -n '2,14p' "$0"
  exit 2
fi
cp "$1" "$dest/ngxson.csv"
cp "$2" "$dest/uit_member.json"
# One full name per line, both lists.
python3 - "$dest" <<'PY'
import json, sys, os
d = sys.argv[1]
names = [l.rsplit(",", 1)[0] for l in open(os.path.join(d, "ngxson.csv"), encoding="utf-8").read().splitlines() if l.strip()]
names += [x["full_name"] for x in json.load(open(os.path.join(d, "uit_member.json"), encoding="utf-8"))]
open(os.path.join(d, "names.txt"), "w", encoding="utf-8").write("\n".join(names) + "\n")
print(f"{len(names)} names in {d}/names.txt")
PY
