# Sourced by the benchmark scripts: the binary, and what each BENCHMARKS.md row records.
# LAMSACH_BIN: a release binary already built (e.g. by `cargo test --release`), to skip the build.
if [ -z "${LAMSACH_BIN:-}" ]; then cargo build --release --quiet; fi
BIN="${LAMSACH_BIN:-${CARGO_TARGET_DIR:-target}/release/lamsach}"
COMMIT=$(git rev-parse --short HEAD)
MACHINE="$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
TODAY=$(date +%F)
