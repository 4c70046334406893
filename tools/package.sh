#!/usr/bin/env bash
# Packages lamsach for a server without Rust, from `cargo build --release`:
#   dist/lamsach-<version>-<arch>-linux.tar.gz   bin/lamsach + docs (unpack anywhere)
#   dist/lamsach_<version>_<debian-arch>.deb     /usr/bin/lamsach + docs (dpkg -i)
#   dist/lamsach-<version>.debug                 the DWARF debug info, split off
# The binary keeps its symbol table (panic backtraces name every function) and a debuglink to
# lamsach.debug: put that file beside the binary or in /usr/lib/debug/usr/bin/ and gdb,
# addr2line and perf find file and line. Everything lamsach reads (schemas, the official unit
# lists, the family-name table) is compiled in: the binary is the whole program.
#   tools/package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
arch=$(uname -m)
deb_arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
dist=dist
name="lamsach-$version-$arch-linux"
rm -rf "$dist/$name" "$dist/deb"
mkdir -p "$dist/$name/bin" "$dist/$name/share/doc/lamsach"
cp "$target/release/lamsach" "$dist/$name/bin/lamsach"
objcopy --only-keep-debug "$dist/$name/bin/lamsach" "$dist/lamsach-$version.debug"
cp "$dist/lamsach-$version.debug" "$dist/lamsach.debug"
(cd "$dist" && objcopy --strip-debug --add-gnu-debuglink=lamsach.debug "$name/bin/lamsach")
rm "$dist/lamsach.debug"
cp README.md docs/ARCHITECTURE.md docs/BENCHMARKS.md docs/DOMAIN.md "$dist/$name/share/doc/lamsach/"
tar -C "$dist" -czf "$dist/$name.tar.gz" "$name"

deb="$dist/deb"
mkdir -p "$deb/DEBIAN" "$deb/usr/bin" "$deb/usr/share/doc/lamsach"
cp "$dist/$name/bin/lamsach" "$deb/usr/bin/lamsach"
cp README.md docs/ARCHITECTURE.md docs/DOMAIN.md "$deb/usr/share/doc/lamsach/"
cat > "$deb/DEBIAN/control" <<CONTROL
Package: lamsach
Version: $version
Architecture: $deb_arch
Maintainer: lamsach maintainers <lamsach@localhost>
Depends: libc6
Section: utils
Priority: optional
Description: cleans Vietnamese population records (Đề án 06: đúng, đủ, sạch, sống)
 Ingests sector registers (CSV/TSV/Excel/Parquet, any encoding), normalizes names, IDs,
 dates and administrative units, links records to the reference population extract,
 and publishes Parquet, an HTML report and an Excel worklist. See
 /usr/share/doc/lamsach/README.md.
CONTROL
dpkg-deb --root-owner-group --build "$deb" "$dist/lamsach_${version}_${deb_arch}.deb" > /dev/null
rm -rf "$deb"
ls -l "$dist"/*.tar.gz "$dist"/*.deb "$dist"/*.debug | awk '{printf "%s %.1f MB\n", $NF, $5 / 1048576}'
echo "binary: $(du -m "$dist/$name/bin/lamsach" | cut -f1) MB"
