//! Ingest errors: what stops a source, and whether the job file must change.

use crate::files::Shown;
use std::path::Path;

/// Ingest errors stop the source (and the run): a file that cannot be opened,
/// a header that cannot be found, a required field with no column.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("ingest error: {file}: {source}; check that the file exists and is readable")]
    Io { file: Shown, source: std::io::Error },
    #[error("ingest error: {file}: unsupported file type; use .csv, .tsv, .txt, .xlsx, .xls or .parquet")]
    UnknownFormat { file: Shown },
    /// A format lamsach reads, but not the program at hand: the core alone (the Python
    /// binding) has no Parquet reader, and without `excel` no workbook reader.
    #[error("ingest error: {file}: {format} files are not read by this program; read it with the lamsach command, or hand its rows in as a batch")]
    NoReader { file: Shown, format: &'static str },
    /// Where in the workbook (sheet, row, column) and why, as data ([`super::WorkbookError`]).
    #[cfg(feature = "excel")]
    #[error("ingest error: {file}: cannot read the workbook: {source}")]
    Excel { file: Shown, source: Box<super::WorkbookError> },
    #[error("ingest error: {file}: cannot read the Parquet file: {message}")]
    Parquet { file: Shown, message: String },
    #[error("ingest error: {file}: no header row found in the first {searched} rows (headers seen: {seen}); name the columns in the job's [source.columns]")]
    NoHeader { file: Shown, searched: usize, seen: String },
    #[error(
        "ingest error: {file} row {row}: required field '{field}'{role} has no column; headers found: {headers}. Add `{field} = \"<header>\"` under [source.columns]"
    )]
    MissingRequired { file: Shown, row: u64, field: &'static str, role: String, headers: String },
    #[error(
        "ingest error: {file} row {row}: required field '{field}' could be any of these columns: {candidates}. Add `{field} = \"<header>\"` under [source.columns]"
    )]
    AmbiguousColumn { file: Shown, row: u64, field: &'static str, candidates: String },
    #[error(
        "ingest error: {file}: the encoding is uncertain (best guess {guess}, confidence {confidence:.2}, below {min:.2}); set `encoding = \"...\"` for this input in the job file (utf-8, utf-16, cp1258, tcvn3, vni, viscii)"
    )]
    EncodingUncertain { file: Shown, guess: &'static str, confidence: f32, min: f32 },
    #[error("ingest error: {file}: the file changed while it was being read; run again once the export is complete")]
    Changed { file: Shown },
    #[error("ingest error: {file} row {row}: [source.columns] names the header \"{header}\" for '{field}', which the file lacks; headers found: {headers}")]
    MissingOverride { file: Shown, row: u64, field: String, header: String, headers: String },
    #[error(
        "ingest error: {file} row {row}: the header \"{header}\" stands in more than one column, so which one holds the field is unclear; rename one of them in the file"
    )]
    DuplicateHeader { file: Shown, row: u64, header: String },
}

impl IngestError {
    /// A file that could not be opened or read, named.
    pub fn io(path: &Path, e: std::io::Error) -> Self {
        IngestError::Io { file: path.into(), source: e }
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

#[cfg(all(test, feature = "excel"))]
mod tests {
    use super::*;
    use crate::ingest::{WorkbookCause, WorkbookError};

    #[test]
    fn a_workbook_error_keeps_its_file_and_place_as_data_and_says_them_safely() {
        let at = WorkbookError { sheet: Some("Sổ 2024".into()), row: Some(12), column: Some(28), cause: WorkbookCause::NoSheets };
        let e = IngestError::Excel { file: Path::new("/in/a\nb.xlsx").into(), source: Box::new(at.clone()) };
        let text = e.to_string();
        assert!(text.contains("/in/a\\u{a}b.xlsx") && !text.contains('\n'), "a newline in a name cannot forge a line: {text}");
        assert!(text.contains("sheet \"Sổ 2024\", row 12, column AB"), "{text}");
        let source = std::error::Error::source(&e).and_then(|s| s.downcast_ref::<Box<WorkbookError>>()).expect("the workbook error is the source");
        assert_eq!(**source, at);
        let IngestError::Excel { file, .. } = &e else { unreachable!() };
        assert_eq!(file.0, Path::new("/in/a\nb.xlsx"), "the path is kept as it is");
    }
}
