//! Build identity for the reference cache: a hash of everything that decides what a
//! cache holds (the core's code, the compiled-in schemas and code lists, the lockfile), so a
//! build with changed normalization never reuses a stale cache.
//!
//! `LAMSACH_BENCH_BUILD_ID=<hex>` at build time fixes the identity instead: two builds of
//! an A/B benchmark then share one night's caches and state. Only for builds whose changes
//! leave what a cache holds as it was.

use std::path::Path;

fn main() {
    let mut files = Vec::new();
    // The core's code and the compiled-in schemas and code lists (at the workspace's root).
    for dir in ["src", "../../schemas"] {
        collect(Path::new(dir), &mut files);
        println!("cargo:rerun-if-changed={dir}");
    }
    files.push(Path::new("../../Cargo.lock").to_path_buf());
    println!("cargo:rerun-if-changed=../../Cargo.lock");
    println!("cargo:rerun-if-env-changed=LAMSACH_BENCH_BUILD_ID");
    if let Ok(id) = std::env::var("LAMSACH_BENCH_BUILD_ID") {
        println!("cargo:rustc-env=LAMSACH_BUILD_ID={id}");
        return;
    }
    files.sort();
    // FNV-1a over the paths and contents: no dependency, stable across machines.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &files {
        let bytes = std::fs::read(f).unwrap_or_default();
        for b in f.to_string_lossy().as_bytes().iter().chain(&bytes) {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=LAMSACH_BUILD_ID={h:016x}");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}
