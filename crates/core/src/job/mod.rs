//! A job: the job file parsed into a validated plan (in the core: the Python binding reads a
//! job file as the CLI does). The engine's `run` carries it out.

#![warn(missing_docs)]

mod file;
mod load;

use crate::Lang;
use crate::calendar::PartialDate;
use crate::finding::PerDimension;
use crate::ingest::{self, IngestError, SourceInput};
use crate::link::LinkSettings;
use crate::normalize::NormalizeOptions;
use std::path::PathBuf;

/// A job-file error: what, where (file and line) and what to write instead.
#[derive(Debug, thiserror::Error)]
#[error("job error: {file}{}: {message}; {hint}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct JobError {
    /// The job file's path.
    pub file: String,
    /// 1-based line of the value at fault, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

/// One source, validated.
#[derive(Clone, Debug)]
pub struct SourcePlan {
    /// Where and how to read it.
    pub input: SourceInput,
    /// How to normalize its values.
    pub normalize: NormalizeOptions,
}

/// Quality gate: minimum pass rates that make a run exit with code 3.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    /// Minimum share of records passing all four dimensions.
    pub overall: Option<f64>,
    /// Minimum pass rate per dimension.
    pub per_dimension: PerDimension<Option<f64>>,
}

/// A validated job: every path resolved, every schema loaded.
#[derive(Clone, Debug)]
pub struct Job {
    /// Names the run folders and the reference cache's owner.
    pub name: String,
    /// The job file.
    pub file: PathBuf,
    /// SHA-256 of the job file (in the manifest).
    pub sha256: String,
    /// Where run folders are published.
    pub output_dir: PathBuf,
    /// Where the reference cache lives; `None` when off.
    pub cache_dir: Option<PathBuf>,
    /// Language of the report and worklist.
    pub lang: Lang,
    /// The reference extract.
    pub reference: SourcePlan,
    /// The sector registers, in job-file order.
    pub sources: Vec<SourcePlan>,
    /// The `[link]` settings, with a loaded model if one is named.
    pub link: LinkSettings,
    /// A record not updated for longer is stale.
    pub stale_after_days: u32,
    /// The day the run describes: `[assess] run_date`, else the day the job was loaded.
    pub run_date: PartialDate,
    /// The quality gate.
    pub gate: Gate,
    /// One worklist sheet per source instead of per commune.
    pub worklist_by_source: bool,
    /// Modes of run folders, their files and the reference cache.
    pub modes: crate::files::Modes,
    /// Reference caches kept, newest first.
    pub cache_keep: usize,
    /// One unreadable source fails the run (the old behaviour) instead of being left out.
    pub all_or_nothing: bool,
    /// The store of decisions and run history, and where officers' decisions come back
    /// (`[decisions]`, `[history]`).
    pub decisions: DecisionSettings,
    /// `[link] incremental`: reuse last night's link for records nothing they depend on changed.
    pub incremental: bool,
    /// `[limits]`: what a register or a returned worklist may ask of the machine.
    pub limits: crate::ingest::limits::ReadLimits,
    /// `[job] timezone`: the run date's and every written date's zone.
    pub zone: crate::clock::Zone,
}

/// The `[decisions]` and `[history]` tables: returned worklists in, imported files archived,
/// the store that keeps decisions and the run history.
#[derive(Clone, Debug)]
pub struct DecisionSettings {
    /// Folder the returned worklists are dropped into; `None`: nothing is read back.
    pub inbox: Option<PathBuf>,
    /// Where imported files go (`rejected/` under it for files with malformed rows).
    pub archive: PathBuf,
    /// The SQLite store of decisions and run history.
    pub store: PathBuf,
    /// Runs the history keeps.
    pub keep_runs: usize,
    /// The trend also counts the records fixed since this day.
    pub since: Option<PartialDate>,
}

impl Job {
    /// Checks that every input opens and its headers map, without reading rows.
    pub fn check(&self, readers: &ingest::Readers) -> Result<Vec<(String, ingest::Layout)>, IngestError> {
        let mut out = vec![(self.reference.input.name.clone(), ingest::probe(&self.reference.input, readers)?)];
        for s in self.sources_by_sheet() {
            out.push((s.input.name.clone(), ingest::probe(&s.input, readers)?));
        }
        Ok(out)
    }

    /// The sources as they are read: a workbook read without a `sheet` named whose several
    /// sheets hold the register becomes one source per such sheet, named `<source>/<sheet>`
    /// (a roster kept one commune a sheet is read whole, each row still found by its sheet
    /// and row); when one sheet of several holds it, that sheet is read under the source's
    /// name. Sheets without the register's header are not read (logged by number).
    /// Each sheet of a workbook is read once more to find its header (only workbooks of
    /// several sheets, only when no sheet is named).
    pub fn sources_by_sheet(&self) -> Vec<SourcePlan> {
        let mut out = Vec::with_capacity(self.sources.len());
        for s in &self.sources {
            match ingest::register_sheets(&s.input) {
                Ok(Some(sheets)) if sheets.len() == 1 => {
                    out.push(SourcePlan { input: SourceInput { sheet: sheets.into_iter().next(), ..s.input.clone() }, normalize: s.normalize.clone() })
                }
                Ok(Some(sheets)) if sheets.len() > 1 => out.extend(sheets.into_iter().map(|sheet| SourcePlan {
                    input: SourceInput { name: format!("{}/{sheet}", s.input.name), sheet: Some(sheet), ..s.input.clone() },
                    normalize: s.normalize.clone(),
                })),
                // None holds it, or the workbook cannot be opened: reading it says why.
                _ => out.push(s.clone()),
            }
        }
        out
    }
}
