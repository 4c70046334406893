//! What the integration tests share: the binary, Parquet outputs read back, and a run's
//! links and matches as comparable rows.

#![allow(dead_code, reason = "each test crate uses its own part of the helpers")]

use polars::prelude::{DataFrame, ParquetReader, SerReader};
use std::path::Path;
use std::process::Command;

/// Runs the binary, which must succeed.
/// Runs the binary and returns what it did, whatever its exit status.
pub fn lamsach_output(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lamsach")).args(args).output().expect("lamsach starts")
}

/// Runs the binary and checks it succeeded.
pub fn lamsach(args: &[&str]) -> std::process::Output {
    let o = lamsach_output(args);
    assert!(o.status.success(), "lamsach {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// Runs `job` quietly, checks it succeeded and returns its run folder (printed on stdout,
/// absolute or relative to the current folder).
pub fn run_job(job: &Path) -> std::path::PathBuf {
    let out = lamsach(&["run", job.to_str().unwrap(), "-q"]);
    std::env::current_dir().unwrap().join(String::from_utf8(out.stdout).unwrap().trim())
}

pub fn read(p: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(p).unwrap()).finish().unwrap()
}

/// A record of a run as the comparisons read it: (record key, class, linked person, finding
/// codes, candidates).
pub type LinkRow = (String, String, Option<String>, Vec<String>, Option<u32>);

/// Every record of a run, as [`LinkRow`]s.
pub fn links_of(run: &Path) -> Vec<LinkRow> {
    let r = read(&run.join("records.parquet"));
    let s = |c: &str| r.column(c).unwrap().str().unwrap().clone();
    let (key, class, pid) = (s("record_key"), s("match_class"), s("ref_person_id"));
    let candidates = r.column("candidates").unwrap().u32().unwrap().clone();
    let codes = r.column("finding_codes").unwrap().list().unwrap().clone();
    let mut v: Vec<_> = (0..r.height())
        .map(|i| {
            let c: Vec<String> = codes.get_as_series(i).map(|x| x.str().unwrap().iter().flatten().map(String::from).collect()).unwrap_or_default();
            (key.get(i).unwrap().to_string(), class.get(i).unwrap().to_string(), pid.get(i).map(str::to_string), c, candidates.get(i))
        })
        .collect();
    v.sort();
    v
}

/// Every row of matches.parquet (each record's best and runner-up: who, and the weight to
/// 1e-6), as text, sorted.
pub fn pairs_of(run: &Path) -> Vec<Vec<String>> {
    let m = read(&run.join("matches.parquet"));
    let cols: Vec<_> = ["source", "source_row", "role", "rank", "ref_row", "match_weight"]
        .iter()
        .map(|c| m.column(c).unwrap().cast(&polars::prelude::DataType::String).unwrap().str().unwrap().clone())
        .collect();
    let mut v: Vec<Vec<String>> = (0..m.height())
        .map(|i| {
            cols.iter()
                .enumerate()
                .map(|(k, c)| {
                    let x = c.get(i).unwrap_or("").to_string();
                    if k == 5 { format!("{:.6}", x.parse::<f64>().unwrap_or(f64::NAN)) } else { x }
                })
                .collect()
        })
        .collect();
    v.sort();
    v
}

/// Asserts that two runs of one night (incremental and in full) give the same records (key,
/// class, person, findings, candidates) and the same best and runner-up with their weights.
pub fn assert_same_links(inc: &Path, full: &Path, night: &str) {
    let (a, b) = (links_of(inc), links_of(full));
    assert_eq!(a.len(), b.len());
    let differ: Vec<_> = a.iter().zip(&b).filter(|(x, y)| x != y).take(3).collect();
    assert!(differ.is_empty(), "night {night}: {differ:?}");
    // The runner-ups too: who they are (ties broken by row) and their weights.
    let (a, b) = (pairs_of(inc), pairs_of(full));
    assert_eq!(a.len(), b.len());
    let differ: Vec<_> = a.iter().zip(&b).filter(|(x, y)| x != y).take(3).collect();
    assert!(differ.is_empty(), "night {night}, matches.parquet: {differ:?}");
}

/// Runs a job into `dir/out` and returns the run folder.
pub fn run_into(job: &Path, dir: &Path, out: &str) -> std::path::PathBuf {
    let o = lamsach(&["run", job.to_str().unwrap(), "--out", dir.join(out).to_str().unwrap(), "-q"]);
    dir.join(out).join(String::from_utf8(o.stdout).unwrap().trim().rsplit('/').next().unwrap())
}

/// Writes one night's job file into `dir` from `base` (a job without `[link]`): incremental, or
/// in full (no reference cache either: nothing of last night's is reused), with the block cap
/// and the model of the run folder `model` when given; returns its path.
pub fn night_job(dir: &Path, base: &str, incremental: bool, max_block: Option<usize>, model: Option<&Path>) -> std::path::PathBuf {
    let mut text = if incremental { base.to_string() } else { base.replacen("[job]\n", "[job]\ncache_dir = \"off\"\n", 1) };
    text.push_str(&format!("\n[link]\nincremental = {incremental}\n"));
    if let Some(cap) = max_block {
        text.push_str(&format!("max_block = {cap}\n"));
    }
    if let Some(m) = model {
        text.push_str(&format!("model = {:?}\n", m.join("model.json").to_str().unwrap()));
    }
    let path = dir.join(if incremental { "job-incremental.toml" } else { "job-full.toml" });
    std::fs::write(&path, text).unwrap();
    path
}

/// Records of a run whose candidate blocks were cut at the cap.
pub fn cut_records(run: &Path) -> usize {
    links_of(run).iter().filter(|l| l.3.iter().any(|c| c == "BLOCK_TRUNCATED")).count()
}
