//! Publish: every output of a run is written into a temporary folder beside
//! its destination and renamed into place only when complete, so a failed or
//! interrupted run leaves earlier runs untouched and no half-written folder.

mod charts;
mod html;
pub mod manifest;
pub mod parquet;
mod report;
pub mod summary;
pub mod trend;
pub mod work;
mod xlsx;

use crate::Lang;
use crate::calendar::PartialDate;
use crate::files::{self, Modes};
use crate::link::LinkSummary;
use crate::reference::Reference;
use crate::table::SourceRun;
use manifest::{FailedSource, Manifest, OutputEntry, RunClock};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use summary::Summary;
use work::Worklist;

/// What publish needs from the job, resolved.
#[derive(Clone, Debug)]
pub struct PublishSettings {
    /// Names the run folder: `<job>-<YYYYMMDD>-<HHMMSS>`.
    pub job_name: String,
    pub job_file: String,
    pub job_sha256: String,
    pub lang: Lang,
    pub modes: Modes,
    /// One worksheet per source instead of per commune.
    pub worklist_by_source: bool,
    /// The blocking cap, reported beside the blocks that reached it.
    pub max_block: usize,
}

/// Everything the outputs are made from.
pub struct RunData<'a> {
    pub settings: &'a PublishSettings,
    pub reference: &'a Reference,
    /// The record table: every source with every stage's result.
    pub sources: &'a [SourceRun],
    pub link: &'a LinkSummary,
    pub run_date: PartialDate,
    pub gate_failures: &'a [String],
    /// Sources that could not be read: named in the summary and the report.
    pub failed_sources: &'a [FailedSource],
    pub clock: &'a RunClock,
    /// The process exit status this run ends with (written in the manifest).
    pub exit_status: i32,
    /// Officers' decisions, when the job keeps them (`[decisions]`).
    pub decisions: Option<&'a crate::decisions::Night>,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("publish error: {path}: {message}; check free space and permissions of the output folder")]
    Write { path: String, message: String },
    #[cfg(feature = "fault-injection")]
    #[error("publish error: failure injected by LAMSACH_FAIL_BEFORE_PUBLISH (test hook); nothing was published")]
    Injected,
}

fn werr(path: &Path, e: impl std::fmt::Display) -> PublishError {
    PublishError::Write { path: path.display().to_string(), message: e.to_string() }
}

/// The most recent finished run folder of this job in `out`: `<job>-<YYYYMMDD>-<HHMMSS>`
/// (and `-<k>` for a second run in the same second), never another job's whose name
/// starts the same ("a" is not "a-b").
pub fn previous_run(out: &Path, job: &str) -> Option<PathBuf> {
    let prefix = format!("{job}-");
    let is_run_of_job = |name: &str| {
        let Some(rest) = name.strip_prefix(&prefix) else { return false };
        let fields: Vec<&str> = rest.split('-').collect();
        let digits = |f: &str, n: usize| f.len() == n && f.bytes().all(|b| b.is_ascii_digit());
        match fields[..] {
            [date, time] => digits(date, 8) && digits(time, 6),
            [date, time, k] => digits(date, 8) && digits(time, 6) && !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()),
            _ => false,
        }
    };
    let mut runs: Vec<PathBuf> = std::fs::read_dir(out)
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_str().is_some_and(is_run_of_job) && e.path().join("manifest.json").exists())
        .map(|e| e.path())
        .collect();
    runs.sort();
    runs.pop()
}

fn entry(dir: &Path, name: &str, rows: Option<u64>) -> Result<OutputEntry, PublishError> {
    let p = dir.join(name);
    let (bytes, sha256) = crate::files::sha256(&p).map_err(|e| werr(&p, e))?;
    Ok(OutputEntry { path: name.to_string(), rows, bytes, sha256 })
}

/// What a published run hands back to the job: its folder, its summary (as summary.json
/// holds it) and tonight's worklist (for the store).
pub struct Published<'a> {
    pub run_dir: PathBuf,
    pub summary: Summary,
    pub worklist: Worklist<'a>,
}

/// The publish stage: writes every output into a temporary folder and renames it into
/// place as `<out>/<job>-<YYYYMMDD>-<HHMMSS>`.
pub fn run<'a>(d: &'a RunData, out: &Path) -> Result<Published<'a>, PublishError> {
    let started = std::time::Instant::now();
    std::fs::create_dir_all(out).map_err(|e| werr(out, e))?;
    let stamp = crate::clock::now().format("%Y%m%d-%H%M%S").to_string();
    let tmp = out.join(format!(".tmp-{}-{stamp}-{}", d.settings.job_name, std::process::id()));
    files::create_dir(&tmp, d.settings.modes).map_err(|e| werr(&tmp, e))?;
    let shared = Shared { out, worklist: OnceLock::new(), summary: OnceLock::new() };
    let result = write_all(d, &shared, &tmp, started).and_then(|_| {
        #[cfg(feature = "fault-injection")]
        if std::env::var_os("LAMSACH_FAIL_BEFORE_PUBLISH").is_some() {
            return Err(PublishError::Injected);
        }
        // Modes, then every file and the folder on disk, before the rename publishes them.
        files::seal(&tmp, d.settings.modes).map_err(|e| werr(&tmp, e))?;
        let mut dest = out.join(format!("{}-{stamp}", d.settings.job_name));
        let mut k = 2;
        while dest.exists() {
            dest = out.join(format!("{}-{stamp}-{k}", d.settings.job_name));
            k += 1;
        }
        std::fs::rename(&tmp, &dest).map_err(|e| werr(&dest, e))?;
        files::sync_dir(out).map_err(|e| werr(out, e))?;
        Ok(dest)
    });
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let run_dir = result?;
    let summary = shared.summary.into_inner().expect("the summary task ran: the outputs were written");
    let worklist = shared.worklist.into_inner().unwrap_or_else(|| Worklist::of(d));
    Ok(Published { run_dir, summary, worklist })
}

/// What the outputs share, worked out once: the output folder (where the previous run is),
/// tonight's worklist, worked out by the first task that needs it (the costliest task,
/// records.parquet, runs meanwhile); and the summary, once its task has built it.
struct Shared<'a, 'o> {
    out: &'o Path,
    worklist: OnceLock<Worklist<'a>>,
    summary: OnceLock<Summary>,
}

impl<'a> Shared<'a, '_> {
    fn worklist(&self, d: &'a RunData) -> &Worklist<'a> {
        self.worklist.get_or_init(|| Worklist::of(d))
    }
}

/// One part of the publish stage: writes its files into the temporary folder (`dir`) and
/// returns their manifest entries.
type Task = for<'a> fn(d: &'a RunData, shared: &Shared<'a, '_>, dir: &Path) -> Result<Vec<OutputEntry>, PublishError>;

/// The outputs but model.json and the manifest, costliest first (CPU at 10M people by perf:
/// records.parquet 5.9 s, corrections.xlsx 4.4 s, worklist.xlsx 3.3 s, summary and report
/// 2.1 s, matches.parquet 1.9 s, the rest less), each with its place in the manifest.
const TASKS: [(usize, Task); 8] = [
    (0, |d, _, dir| {
        let p = dir.join("records.parquet");
        let t = std::time::Instant::now();
        let rows = parquet::write_records(d, &p).map_err(|e| werr(&p, e))?;
        tracing::debug!(output = "records.parquet", rows, seconds = t.elapsed().as_secs_f64(), "written");
        Ok(vec![entry(dir, "records.parquet", Some(rows))?])
    }),
    (7, |d, _, dir| workbook(dir, "corrections.xlsx", |p| xlsx::write_corrections(d, p))),
    (6, |d, s, dir| workbook(dir, "worklist.xlsx", |p| xlsx::write(d, &s.worklist(d).progress, p))),
    (5, summary_and_report),
    (2, |d, _, dir| table(d, dir, "matches.parquet", parquet::matches)),
    (1, |d, _, dir| table(d, dir, "issues.parquet", parquet::issues)),
    (4, |d, _, dir| table(d, dir, "corrections.parquet", parquet::corrections)),
    (3, |d, _, dir| table(d, dir, "quarantine.parquet", parquet::quarantine)),
];

/// A Parquet output built as one frame.
fn table(
    d: &RunData,
    dir: &Path,
    name: &str,
    build: fn(&RunData) -> polars::prelude::PolarsResult<polars::prelude::DataFrame>,
) -> Result<Vec<OutputEntry>, PublishError> {
    let p = dir.join(name);
    let t = std::time::Instant::now();
    let mut df = build(d).map_err(|e| werr(&p, e))?;
    let built = t.elapsed().as_secs_f64();
    let rows = parquet::write(&mut df, &p).map_err(|e| werr(&p, e))?;
    drop(df);
    tracing::debug!(output = name, rows, built, seconds = t.elapsed().as_secs_f64(), "written");
    Ok(vec![entry(dir, name, Some(rows))?])
}

/// An officers' workbook.
fn workbook(dir: &Path, name: &str, write: impl FnOnce(&Path) -> Result<u64, rust_xlsxwriter::XlsxError>) -> Result<Vec<OutputEntry>, PublishError> {
    let p = dir.join(name);
    let t = std::time::Instant::now();
    let rows = write(&p).map_err(|e| werr(&p, e))?;
    tracing::debug!(output = name, rows, seconds = t.elapsed().as_secs_f64(), "written");
    Ok(vec![entry(dir, name, Some(rows))?])
}

/// summary.json, compared with the previous run's and with the trend of the last runs, and
/// the report made from it; the summary is kept for the job.
fn summary_and_report<'a>(d: &'a RunData, shared: &Shared<'a, '_>, dir: &Path) -> Result<Vec<OutputEntry>, PublishError> {
    let previous = previous_run(shared.out, &d.settings.job_name).and_then(|run| {
        let text = std::fs::read_to_string(run.join("summary.json")).ok()?;
        let s: summary::Summary = serde_json::from_str(&text).ok()?;
        Some((run.file_name()?.to_string_lossy().into_owned(), s))
    });
    let mut summary = summary::build(d, previous, shared.worklist(d));
    summary.trend = d.decisions.map(|n| trend::build(&n.history, &summary));
    let p = dir.join("summary.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&summary).map_err(|e| werr(&p, e))?).map_err(|e| werr(&p, e))?;
    let p = dir.join("report.html");
    std::fs::write(&p, report::render(d, &summary)).map_err(|e| werr(&p, e))?;
    let entries = vec![entry(dir, "summary.json", None)?, entry(dir, "report.html", None)?];
    let _ = shared.summary.set(summary);
    Ok(entries)
}

fn write_all<'a>(d: &'a RunData, shared: &Shared<'a, '_>, dir: &Path, started: std::time::Instant) -> Result<(), PublishError> {
    // Two threads take the tasks costliest first, each the next as it finishes its last;
    // after a failure the rest are left (the folder is removed).
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(TASKS.len()));
    let work = || {
        while let Some((place, task)) = TASKS.get(next.fetch_add(1, Ordering::Relaxed)) {
            let result = task(d, shared, dir);
            if result.is_err() {
                next.store(TASKS.len(), Ordering::Relaxed);
            }
            done.lock().unwrap_or_else(|e| e.into_inner()).push((*place, result));
        }
    };
    std::thread::scope(|scope| {
        let other = scope.spawn(work);
        work();
        other.join().expect("a publish task does not panic");
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(place, _)| *place);
    let mut outputs = Vec::new();
    for (_, result) in done {
        outputs.extend(result?);
    }
    let p = dir.join("model.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&d.link.model).map_err(|e| werr(&p, e))?).map_err(|e| werr(&p, e))?;
    outputs.push(entry(dir, "model.json", None)?);
    let mut manifest = Manifest::new(d);
    manifest.outputs = outputs;
    manifest.finish(d.clock, started);
    let p = dir.join("manifest.json");
    std::fs::write(&p, serde_json::to_vec_pretty(&manifest).map_err(|e| werr(&p, e))?).map_err(|e| werr(&p, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_run_is_this_jobs_not_one_whose_name_starts_the_same() {
        let t = tempfile::tempdir().unwrap();
        for name in ["a-20261126-010000", "a-b-20261127-010000", "a-20261126-010000-2", "ab-20261128-010000"] {
            std::fs::create_dir(t.path().join(name)).unwrap();
            std::fs::write(t.path().join(name).join("manifest.json"), "{}").unwrap();
        }
        assert_eq!(previous_run(t.path(), "a").unwrap().file_name().unwrap(), "a-20261126-010000-2");
        assert_eq!(previous_run(t.path(), "a-b").unwrap().file_name().unwrap(), "a-b-20261127-010000");
        assert!(previous_run(t.path(), "b").is_none());
    }
}
