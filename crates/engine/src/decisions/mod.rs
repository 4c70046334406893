//! Officers' decisions on the worklist, read back the next night: the returned workbooks
//! and CSV files ([`inbox`]), the decision store that keeps them and their history
//! ([`store`], SQLite), and how tonight's run honours them ([`apply`]).
//!
//! A decision is tied to a record by its source and record key, and to the record's values
//! by the digest the worklist row carried: a record whose values changed since is reopened,
//! never silently overridden.

#![warn(missing_docs)]

pub mod apply;
pub mod inbox;
pub mod store;

use crate::Lang;
use crate::files::{self, Modes};
use lamsach_core::coded_enum;
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
    /// The rows of a duplicate group are one person, and this is the row to keep.
    SamePerson,
    /// This row is the same person as the kept row of its group: to delete at the source.
    RemoveDuplicate,
    /// The rows of a duplicate group are different people.
    DifferentPeople,
}

impl Decision {
    /// Every decision, in the drop-down's order.
    pub const ALL: [Decision; 8] = [
        Decision::ConfirmLink,
        Decision::RejectLink,
        Decision::ApplySuggestion,
        Decision::FixedAtSource,
        Decision::Unverifiable,
        Decision::SamePerson,
        Decision::RemoveDuplicate,
        Decision::DifferentPeople,
    ];

    /// The words in the drop-down (no commas: Excel's list separator).
    pub fn label(self, lang: Lang) -> &'static str {
        let (vi, en) = match self {
            Decision::ConfirmLink => ("Đúng người", "Right person"),
            Decision::RejectLink => ("Không phải người này", "Not this person"),
            Decision::ApplySuggestion => ("Áp dụng đề xuất", "Apply the suggestion"),
            Decision::FixedAtSource => ("Đã sửa tại nguồn", "Fixed at the source"),
            Decision::Unverifiable => ("Không xác minh được", "Could not verify"),
            Decision::SamePerson => ("Cùng một người", "Same person"),
            Decision::RemoveDuplicate => ("Xóa dòng trùng", "Delete the duplicate row"),
            Decision::DifferentPeople => ("Khác người", "Different people"),
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
            Decision::SamePerson => "same_person",
            Decision::RemoveDuplicate => "remove_duplicate",
            Decision::DifferentPeople => "different_people",
        }
    }

    /// Done by the source, not by tonight's run: pending until the findings it answered
    /// are gone (a suggestion applied, a fix, a duplicate row deleted, or the kept row's
    /// duplicates deleted).
    pub fn waits_for_source(self) -> bool {
        matches!(self, Decision::ApplySuggestion | Decision::FixedAtSource | Decision::SamePerson | Decision::RemoveDuplicate)
    }

    /// A drop-down label in either language, typed with or without diacritics or in
    /// another case, or the code itself.
    pub fn parse(text: &str) -> Option<Decision> {
        let t = crate::text::fold(text);
        Decision::ALL.into_iter().find(|d| t == d.as_str() || [Lang::Vi, Lang::En].iter().any(|&l| t == crate::text::fold(d.label(l))))
    }
}

coded_enum! {
    /// Where a decision stands tonight.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Status {
        /// Imported, not yet checked against a run.
        New = "new",
        /// In effect: the record is as the officer saw it and the decision holds.
        Applied = "applied",
        /// Accepted, waiting for the source data to agree (a suggestion to apply, a fix at source).
        Pending = "pending",
        /// The officer's personal ID cannot be used (not in the reference, or another person):
        /// the record is back on the worklist with a finding saying why.
        Refused = "refused",
        /// Done: the source data now agrees.
        Closed = "closed",
        /// The record changed after the decision, or its person left the reference: back on
        /// the worklist for a new decision.
        Reopened = "reopened",
        /// The record is no longer in its register.
        Orphaned = "orphaned",
        /// A later decision on the same record replaced it.
        Superseded = "superseded",
    }
}

impl Status {
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
    /// The last run's worklist.
    pub previous_open: Vec<store::OpenItemRow>,
    /// Whether returned worklists are read back (`[decisions] inbox`).
    pub reads_returned: bool,
    /// The figures of the last runs, oldest first (the report's trend).
    pub history: Vec<store::RunFigures>,
    /// `[history] since`: the day, and the records closed in the runs since then.
    pub closed_since: Option<(String, u64)>,
    /// What changed since the last run, per source and for the reference ([`crate::night::changes::REFERENCE`]).
    pub changes: std::collections::BTreeMap<String, crate::night::changes::Changes>,
    /// Tonight's keys and digests, saved once the run is published.
    pub digests: crate::night::changes::Digests,
    /// The reference's people tonight beside the last run's (none without a last run).
    pub reference_diff: Option<crate::night::changes::PeopleDiff>,
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
    /// Inbox entries that are not regular files (a link, a pipe): name and why, left untouched.
    #[serde(default)]
    pub refused: Vec<(String, String)>,
    /// Records tonight's files decided differently: none of those rows applied.
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
}

/// Imports every returned file waiting in `inbox`: each valid file whole in one transaction
/// then moved to `archive`; a file with malformed rows is not applied, and is moved to
/// `archive/rejected` with a `.errors.txt` beside it naming each row. Two files of one night
/// that decide one record differently are a conflict: neither row is applied, both are reported.
pub fn import_inbox(
    store: &mut store::Store,
    inbox: &Path,
    archive: &Path,
    day: &str,
    modes: Modes,
    limits: &crate::ingest::limits::ReadLimits,
) -> Result<ImportReport, store::StoreError> {
    let io = store::io_error;
    let waiting = inbox::waiting(inbox).map_err(io(inbox))?;
    let mut report = ImportReport { refused: waiting.refused, ..Default::default() };
    let mut valid = Vec::new();
    for path in waiting.files {
        match inbox::read(&path, limits) {
            Ok(file) if store.was_imported(&file.sha256)? => {
                move_into(&path, archive, day, modes).map_err(io(archive))?;
                report.already_imported.push(files::escape_controls(&file.name));
            }
            Ok(file) => valid.push(file),
            Err(errors) => {
                let name = path.file_name().map(|n| files::escape_controls(&n.to_string_lossy())).unwrap_or_default();
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
    report.conflicts = take_conflicts(&mut valid);
    if !report.conflicts.is_empty() {
        tracing::warn!(conflicts = report.conflicts.len(), "returned worklists decide records differently; neither decision applied");
    }
    for file in valid {
        let target = archive_path(&file.path, archive, day);
        let rows = store.import(&file, &target.display().to_string(), day)?;
        move_into(&file.path, archive, day, modes).map_err(io(archive))?;
        let name = files::escape_controls(&file.name);
        tracing::info!(file = %name, rows, "imported a returned worklist");
        report.imported.push((name, rows));
    }
    Ok(report)
}

/// Where one file decided a record: file, sheet ("" for CSV) and row.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecidedAt {
    /// The returned file's name.
    pub file: String,
    /// The worksheet ("" for CSV).
    pub sheet: String,
    /// The row (1 = the heading row).
    pub row: u64,
}

/// One record decided differently by two of tonight's files (or two rows of one file).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Conflict {
    /// The record's source (register).
    pub source: String,
    /// The record's key.
    pub record_key: String,
    /// Every row that decided the record tonight.
    pub rows: Vec<DecidedAt>,
}

/// Takes out of `files` every row whose record another of tonight's rows decides otherwise (a
/// different result or personal ID), and returns each such record's rows. Rows that agree
/// are kept.
fn take_conflicts(files: &mut [inbox::ReturnedFile]) -> Vec<Conflict> {
    use std::collections::BTreeMap;
    type Said<'a> = (Decision, Option<&'a str>, DecidedAt);
    let mut by_record: BTreeMap<(&str, &str), Vec<Said>> = BTreeMap::new();
    for f in files.iter() {
        for r in &f.rows {
            let at = DecidedAt { file: files::escape_controls(&f.name), sheet: files::escape_controls(&r.sheet), row: r.row };
            by_record.entry((r.source.as_str(), r.record_key.as_str())).or_default().push((r.decision, r.person_id.as_deref(), at));
        }
    }
    let mut conflicts = Vec::new();
    let mut drop: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    for ((source, key), said) in by_record {
        if said.iter().any(|(d, id, _)| (*d, *id) != (said[0].0, said[0].1)) {
            conflicts.push(Conflict { source: source.to_string(), record_key: key.to_string(), rows: said.into_iter().map(|s| s.2).collect() });
            drop.insert((source.to_string(), key.to_string()));
        }
    }
    if !drop.is_empty() {
        for f in files.iter_mut() {
            f.rows.retain(|r| !drop.contains(&(r.source.clone(), r.record_key.clone())));
        }
    }
    conflicts
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
    if !std::fs::symlink_metadata(path)?.is_file() {
        return Err(std::io::Error::other("no longer a regular file; left where it is"));
    }
    if std::fs::rename(path, &target).is_err() {
        // Another file system: copy, then remove.
        std::fs::copy(path, &target)?;
        std::fs::remove_file(path)?;
    }
    // The moved entry's own metadata: a link (swapped in since it was looked at) is never
    // followed to change what it points to.
    if std::fs::symlink_metadata(&target)?.is_file() {
        files::set_mode(&target, modes.file)?;
    }
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
        assert_eq!(Decision::parse("khac nguoi"), Some(Decision::DifferentPeople));
        assert_eq!(Decision::parse("có lẽ"), None);
        assert_eq!(Decision::parse(""), None);
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
