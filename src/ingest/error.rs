//! Ingest errors: what stops a source, and whether the job file must change.

use std::path::Path;

/// Ingest errors stop the source (and the run): a file that cannot be opened,
/// a header that cannot be found, a required field with no column.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("ingest error: {file}: {source}; check that the file exists and is readable")]
    Io { file: String, source: std::io::Error },
    #[error("ingest error: {file}: unsupported file type; use .csv, .tsv, .txt, .xlsx, .xls or .parquet")]
    UnknownFormat { file: String },
    #[error("ingest error: {file}: cannot read the workbook: {message}")]
    Excel { file: String, message: String },
    #[error("ingest error: {file}: cannot read the Parquet file: {message}")]
    Parquet { file: String, message: String },
    #[error("ingest error: {file}: no header row found in the first {searched} rows (headers seen: {seen}); name the columns in the job's [source.columns]")]
    NoHeader { file: String, searched: usize, seen: String },
    #[error(
        "ingest error: {file} row {row}: required field '{field}'{role} has no column; headers found: {headers}. Add `{field} = \"<header>\"` under [source.columns]"
    )]
    MissingRequired { file: String, row: u64, field: &'static str, role: String, headers: String },
    #[error(
        "ingest error: {file} row {row}: required field '{field}' could be any of these columns: {candidates}. Add `{field} = \"<header>\"` under [source.columns]"
    )]
    AmbiguousColumn { file: String, row: u64, field: &'static str, candidates: String },
    #[error(
        "ingest error: {file}: the encoding is uncertain (best guess {guess}, confidence {confidence:.2}, below {min:.2}); set `encoding = \"...\"` for this input in the job file (utf-8, utf-16, cp1258, tcvn3, vni, viscii)"
    )]
    EncodingUncertain { file: String, guess: &'static str, confidence: f32, min: f32 },
    #[error("ingest error: {file}: the file changed while it was being read; run again once the export is complete")]
    Changed { file: String },
    #[error("ingest error: {file} row {row}: [source.columns] names the header \"{header}\" for '{field}', which the file lacks; headers found: {headers}")]
    MissingOverride { file: String, row: u64, field: String, header: String, headers: String },
    #[error(
        "ingest error: {file} row {row}: the header \"{header}\" stands in more than one column, so which one holds the field is unclear; rename one of them in the file"
    )]
    DuplicateHeader { file: String, row: u64, header: String },
}

impl IngestError {
    pub(crate) fn io(path: &Path, e: std::io::Error) -> Self {
        IngestError::Io { file: crate::files::shown(path), source: e }
    }

    /// True when the job file, not the data or the machine, must change (exit code 2).
    pub fn is_job_error(&self) -> bool {
        matches!(
            self,
            IngestError::MissingRequired { .. }
                | IngestError::AmbiguousColumn { .. }
                | IngestError::EncodingUncertain { .. }
                | IngestError::MissingOverride { .. }
                | IngestError::DuplicateHeader { .. }
        )
    }
}
