#!/usr/bin/env bash
# Rebuilds fixtures/demo: a small synthetic province made by lamsach synth,
# plus the hand-written broken export in fixtures/extra/lao_dong_loi.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}/release/lamsach"
rm -rf fixtures/demo
"$BIN" synth --people 3000 --seed 2026 --out fixtures/demo --reference-format csv --rows-per-source 80
cp fixtures/extra/lao_dong_loi.csv fixtures/demo/
sed -i 's/^name = "synth"/name = "demo"/' fixtures/demo/job.toml
cat >> fixtures/demo/job.toml <<'TOML'

# A hand-written export with broken rows (see fixtures/README.md).
[[source]]
name = "lao_dong_loi"
path = "lao_dong_loi.csv"
schema = "labour"

[gate]
min_pass_rate = 0.05

# Officers' returned worklists are read from here by the next run (see the README).
[decisions]
inbox = "returned"
TOML
