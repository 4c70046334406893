//! Officers' decisions on the worklist, read back the next night: the returned workbooks
//! and CSV files ([`inbox`]), the decision store that keeps them and their history
//! ([`store`], SQLite), and how tonight's run honours them ([`apply`]).
//!
//! A decision is tied to a record by its source and record key, and to the record's values
//! by the digest the worklist row carried: a record whose values changed since is reopened,
//! never silently overridden.

#![warn(missing_docs)]

pub mod apply;
pub mod changes;
pub mod inbox;
pub mod kept;
mod sections;
pub mod store;

use crate::Lang;
use crate::files::{self, Modes};
use std::path::{Path, PathBuf};

/// What an officer can decide about a worklist row (the drop-down of its result column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// The proposed link is right: this is the person.
    ConfirmLink,
    /// The proposed link is wrong: not this person.
    RejectLink,
    /// Take the suggested value.
    ApplySuggestion,
    /// Corrected in the sector's own system.
    FixedAtSource,
    /// Could not be verified.
    Unverifiable,
}

impl Decision {
    /// Every decision, in the drop-down's order.
    pub const ALL: [Decision; 5] = [Decision::ConfirmLink, Decision::RejectLink, Decision::ApplySuggestion, Decision::FixedAtSource, Decision::Unverifiable];

    /// The words in the drop-down (no commas: Excel's list separator).
    pub fn label(self, lang: Lang) -> &'static str {
        let (vi, en) = match self {
            Decision::ConfirmLink => ("Đúng người", "Right person"),
            Decision::RejectLink => ("Không phải người này", "Not this person"),
            Decision::ApplySuggestion => ("Áp dụng đề xuất", "Apply the suggestion"),
            Decision::FixedAtSource => ("Đã sửa tại nguồn", "Fixed at the source"),
            Decision::Unverifiable => ("Không xác minh được", "Could not verify"),
        };
        if lang == Lang::Vi { vi } else { en }
    }

    /// The code kept in the store and in `records.parquet`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::ConfirmLink => "confirm_link",
            Decision::RejectLink => "reject_link",
            Decision::ApplySuggestion => "apply_suggestion",
            Decision::FixedAtSource => "fixed_at_source",
            Decision::Unverifiable => "unverifiable",
        }
    }

    /// A drop-down label in either language, typed with or without diacritics or in
    /// another case, or the code itself.
    pub fn parse(text: &str) -> Option<Decision> {
        let t = crate::text::fold(text);
        Decision::ALL.into_iter().find(|d| t == d.as_str() || [Lang::Vi, Lang::En].iter().any(|&l| t == crate::text::fold(d.label(l))))
    }
}

/// Where a decision stands tonight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Imported, not yet checked against a run.
    New,
    /// In effect: the record is as the officer saw it and the decision holds.
    Applied,
    /// Accepted, waiting for the source data to agree (a suggestion to apply, a fix at source).
    Pending,
    /// The officer's personal ID cannot be used (not in the reference, or another person):
    /// the record is back on the worklist with a finding saying why.
    Refused,
    /// Done: the source data now agrees.
    Closed,
    /// The record changed after the decision, or its person left the reference: back on
    /// the worklist for a new decision.
    Reopened,
    /// The record is no longer in its register.
    Orphaned,
    /// A later decision on the same record replaced it.
    Superseded,
}

impl Status {
    /// Every status.
    pub const ALL: [Status; 8] =
        [Status::New, Status::Applied, Status::Pending, Status::Refused, Status::Closed, Status::Reopened, Status::Orphaned, Status::Superseded];

    /// The code kept in the store and in `records.parquet`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Applied => "applied",
            Status::Pending => "pending",
            Status::Refused => "refused",
            Status::Closed => "closed",
            Status::Reopened => "reopened",
            Status::Orphaned => "orphaned",
            Status::Superseded => "superseded",
        }
    }

    /// Parses [`Status::as_str`].
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Still evaluated each night (the others are history).
    pub fn in_effect(self) -> bool {
        matches!(self, Status::New | Status::Applied | Status::Pending | Status::Refused)
    }

    /// The record stays off the worklist: an officer has decided and nothing new needs one.
    pub fn keeps_off_worklist(self) -> bool {
        matches!(self, Status::Applied | Status::Pending)
    }
}

/// A decision as tonight's record carries it (records.parquet, the worklist, the summary).
#[derive(Clone, Debug, PartialEq)]
pub struct RecordDecision {
    /// What was decided.
    pub decision: Decision,
    /// Where it stands tonight.
    pub status: Status,
    /// The day it was imported (YYYY-MM-DD).
    pub decided_at: String,
    /// The officer or commune named in the returned row, if any.
    pub officer: Option<String>,
    /// The personal ID the officer supplied, if any.
    pub person_id: Option<String>,
}

/// Tonight's decisions, as the outputs report them.
pub struct Night {
    /// The decisions in effect, resolved against tonight's records.
    pub resolution: apply::Resolution,
    /// What the import did with the inbox.
    pub imports: ImportReport,
    /// The last run's worklist: (source, record key, commune).
    pub previous_open: Vec<(String, String, String)>,
    /// Whether returned worklists are read back (`[decisions] inbox`).
    pub reads_returned: bool,
    /// The figures of the last runs, oldest first (the report's trend).
    pub history: Vec<store::RunFigures>,
    /// `[history] since`: the day, and the records closed in the runs since then.
    pub closed_since: Option<(String, u64)>,
    /// What changed since the last run, per source and for the reference ([`changes::REFERENCE`]).
    pub changes: std::collections::BTreeMap<String, changes::Changes>,
    /// Tonight's keys and digests, saved once the run is published.
    pub digests: changes::Digests,
    /// The reference's people tonight beside the last run's (none without a last run).
    pub reference_diff: Option<changes::PeopleDiff>,
    /// Per source and record, its values' frequencies in tonight's reference (set by linking).
    pub record_tf: Vec<Vec<[f32; 3]>>,
}

/// What tonight's import did with the inbox.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    /// Files imported whole: name and decided rows.
    pub imported: Vec<(String, u64)>,
    /// Files refused (nothing applied): name, and each malformed row in words.
    pub rejected: Vec<(String, Vec<String>)>,
    /// Files already imported on an earlier night (same bytes), moved to the archive again.
    pub already_imported: Vec<String>,
}

/// Imports every returned file waiting in `inbox`: each valid file whole in one transaction
/// then moved to `archive`; a file with malformed rows is not applied, and is moved to
/// `archive/rejected` with a `.errors.txt` beside it naming each row.
pub fn import_inbox(store: &mut store::Store, inbox: &Path, archive: &Path, day: &str, modes: Modes) -> Result<ImportReport, store::StoreError> {
    let io = store::io_error;
    let mut report = ImportReport::default();
    for path in inbox::waiting(inbox).map_err(io(inbox))? {
        match inbox::read(&path) {
            Ok(file) => {
                if store.was_imported(&file.sha256)? {
                    move_into(&path, archive, day, modes).map_err(io(archive))?;
                    report.already_imported.push(file.name);
                    continue;
                }
                let target = archive_path(&path, archive, day);
                let rows = store.import(&file, &target.display().to_string(), day)?;
                move_into(&path, archive, day, modes).map_err(io(archive))?;
                tracing::info!(file = %file.name, rows, "imported a returned worklist");
                report.imported.push((file.name, rows));
            }
            Err(errors) => {
                let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                let rejected = archive.join("rejected");
                let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
                let moved = move_into(&path, &rejected, day, modes).map_err(io(&rejected))?;
                let note = PathBuf::from(format!("{}.errors.txt", moved.display()));
                std::fs::write(&note, lines.join("\n") + "\n").map_err(io(&note))?;
                files::set_mode(&note, modes.file).map_err(io(&note))?;
                tracing::warn!(file = %name, malformed_rows = errors.len(), "a returned worklist was not imported: malformed rows");
                report.rejected.push((name, lines));
            }
        }
    }
    Ok(report)
}

/// `archive/<day>-<name>`, with `-2`, `-3`… when a file of that name was archived that day.
fn archive_path(path: &Path, archive: &Path, day: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut target = archive.join(format!("{day}-{name}"));
    let mut k = 2;
    while target.exists() {
        target = archive.join(format!("{day}-{k}-{name}"));
        k += 1;
    }
    target
}

fn move_into(path: &Path, dir: &Path, day: &str, modes: Modes) -> std::io::Result<PathBuf> {
    if !dir.exists() {
        files::create_dir(dir, modes)?;
    }
    let target = archive_path(path, dir, day);
    if std::fs::rename(path, &target).is_err() {
        // Another file system: copy, then remove.
        std::fs::copy(path, &target)?;
        std::fs::remove_file(path)?;
    }
    files::set_mode(&target, modes.file)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_read_back_in_either_language_with_or_without_diacritics() {
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.label(Lang::Vi)), Some(d));
            assert_eq!(Decision::parse(d.label(Lang::En)), Some(d));
            assert_eq!(Decision::parse(&crate::text::fold(d.label(Lang::Vi)).to_uppercase()), Some(d));
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::parse("  đúng   NGƯỜI "), Some(Decision::ConfirmLink));
        assert_eq!(Decision::parse("có lẽ"), None);
        assert_eq!(Decision::parse(""), None);
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
