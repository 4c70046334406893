#!/usr/bin/env bash
# Checks that `cargo build --release` (the demo command) and `cargo test --release` (the test
# command) resolve the same features for every dependency, so one never rebuilds polars for the
# other. Prints the crates built twice with different features and exits 1 if there are any.
#   tools/one_build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
artifacts() {
  cargo "$@" --release --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and not m["package_id"].startswith("path+"):
        print(m["package_id"].split("#")[-1], m["filenames"][0].rsplit("/", 1)[-1])
' | sort -u
}
build=$(artifacts build)
test=$(artifacts test --no-run)
diverged=$(comm -23 <(echo "$build") <(echo "$test"))
if [ -n "$diverged" ]; then
  echo "cargo build --release and cargo test --release build these with different features:"
  echo "$diverged"
  exit 1
fi
echo "one build: $(echo "$build" | wc -l) dependency artifacts shared by cargo build --release and cargo test --release"
