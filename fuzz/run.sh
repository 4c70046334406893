#!/usr/bin/env bash
# Fuzzes each target under AddressSanitizer for SECONDS (default 600) in turn, starting
# from the seeds in fuzz/seeds/<target> and a working corpus in $CORPUS/<target>.
# Needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz); the targets build
# against the core alone (lamsach-core with `excel`), so no polars is compiled with the sanitizer,
# except `parquet` (not in the default list: name it), which builds the engine and polars.
#   fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-600}"; shift || true
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(decoders dates csv address workbook)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/lamsach-fuzz-target}"
corpus="${CORPUS:-/tmp/lamsach-fuzz-corpus}"
logs="${LOGS:-/tmp/lamsach-fuzz-logs}"
mkdir -p "$logs"
# One known false positive of the leak check (see lsan.supp); every other leak still fails.
export LSAN_OPTIONS="suppressions=$PWD/lsan.supp"
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t"
  echo "== $t: ${secs}s under AddressSanitizer"
  features=(); [ "$t" = parquet ] && features=(--features parquet)
  cargo +nightly fuzz run --release --sanitizer address "${features[@]}" "$t" "$corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 > "$logs/$t.log" 2>&1 || true
  # The figures, or the sanitizer's report and the input that caused it.
  grep -E "^(Done|stat::)|ERROR|SUMMARY|panicked|Test unit written" "$logs/$t.log" || true
done
