#!/usr/bin/env bash
# Times builds of lamsach on the hostile inputs of issue 37, one after the other, and prints per
# case and build: exit code, seconds, peak memory (MB) and what became of the file.
#   benches/hostile.sh BIN [BIN...]
# Each run has a 16 GiB address-space cap (prlimit), so a runaway allocation aborts (134)
# instead of taking the machine. Needs python3 (the inputs) and the demo fixtures.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$here/benches/hostile_inputs.py" "$work"
cp "$here/fixtures/hostile/decimal_id.parquet" "$work/"
mkfifo "$work/fifo.csv"
job() { # name, source path, schema (a register beside the demo's reference and labour roll)
  printf '[job]\nname = "t"\noutput_dir = "out"\n[reference]\npath = "reference.csv"\n[[source]]\nname = "lao_dong"\npath = "lao_dong.csv"\nschema = "labour"\n[decisions]\ninbox = "returned"\n' > "$1/job.toml"
  [ -n "${2:-}" ] && printf '[[source]]\nname = "x"\npath = "%s"\nschema = "labour"\n' "$2" >> "$1/job.toml"
}
printf '%-22s %-8s %-5s %7s %8s  %s\n' case command exit seconds peak_MB outcome
for bin in "$@"; do
  for case in returned_far returned_bomb register_far register_wb_bomb decimal_id fifo; do
    for command in run check; do
      case "$case" in returned_*) [ "$command" = check ] && continue;; esac
      d="$work/$case-$(basename "$bin")-$command"; mkdir -p "$d/returned"
      cp "$here/fixtures/demo/reference.csv" "$here/fixtures/demo/lao_dong.csv" "$d/"
      case "$case" in
        returned_*) cp "$work/$case.xlsx" "$d/returned/"; job "$d" ;;
        decimal_id) job "$d" "$work/decimal_id.parquet" ;;
        fifo) job "$d" "$work/fifo.csv" ;;
        *) job "$d" "$work/$case.xlsx" ;;
      esac
      start=$(date +%s.%N)
      (cd "$d" && timeout 120 /usr/bin/time -f "%M" -o time.txt prlimit --as=17179869184 "$bin" "$command" job.toml -q > out.txt 2> err.txt)
      code=$?
      secs=$(echo "$(date +%s.%N) - $start" | bc)
      peak=$(( $(tail -1 "$d/time.txt" 2>/dev/null | grep -E '^[0-9]+$' || echo 0) / 1024 ))
      what=$(grep -m1 -o 'lamsach: .\{0,110\}\|memory allocation of [0-9]* bytes failed\|panicked at .\{0,60\}' "$d/err.txt" | head -1)
      [ -d "$d/returned/archive/rejected" ] && what="moved to rejected/; $what"
      [ $code -eq 124 ] && what="hung: killed after 120 s"
      printf '%-22s %-8s %-5s %7.2f %8s  %s\n' "$case" "$command" "$code" "$secs" "$peak" "$(basename "$bin"): $what"
    done
  done
done
