//! Returned worklists: the workbooks officers send back (or a CSV of the same columns, for
//! systems that cannot write Excel), read whole and validated before anything is kept. A
//! file with one malformed row is not imported at all: every malformed row is reported with
//! its file, sheet, row and column, and the file goes to the archive's `rejected` folder.

use super::Decision;
use crate::Lang;
use crate::ingest::Workbook;
use crate::ingest::limits::{Limit, OverLimit, ReadLimits};
use crate::normalize::id::normalize_person_id;
use sha2::Digest;
use std::path::{Path, PathBuf};

/// The worklist columns an import reads, found by their heading in either language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// The source (register) name.
    Source,
    /// The finding codes the row listed.
    Codes,
    /// The officer's result (the drop-down).
    Decision,
    /// The correct personal ID, when the officer knows it.
    PersonId,
    /// A free note.
    Note,
    /// Who verified (officer or commune).
    Officer,
    /// The record key (hidden).
    RecordKey,
    /// The record's digest when the worklist was written (hidden).
    RecordDigest,
    /// The reference person the row proposed (hidden).
    Candidate,
    /// The register rows the worklist row shows (several for a duplicate group).
    Row,
    /// Of a duplicate group decided "same person", the row to keep.
    KeepRow,
}

impl Column {
    const ALL: [Column; 11] = [
        Column::Source,
        Column::Codes,
        Column::Decision,
        Column::PersonId,
        Column::Note,
        Column::Officer,
        Column::RecordKey,
        Column::RecordDigest,
        Column::Candidate,
        Column::Row,
        Column::KeepRow,
    ];

    /// The heading in the worklist (and in the CSV form).
    pub fn heading(self, lang: Lang) -> &'static str {
        let (vi, en) = match self {
            Column::Source => ("Nguồn", "Source"),
            Column::Codes => ("Mã", "Codes"),
            Column::Decision => ("Kết quả xác minh", "Verification result"),
            Column::PersonId => ("Số định danh đúng (nếu biết)", "Correct personal ID (if known)"),
            Column::Note => ("Ghi chú", "Note"),
            Column::Officer => ("Người xác minh", "Verified by"),
            Column::RecordKey => ("Mã bản ghi", "Record key"),
            Column::RecordDigest => ("Dấu bản ghi", "Record digest"),
            Column::Candidate => ("Người được đề xuất", "Proposed person"),
            Column::Row => ("Dòng", "Row"),
            Column::KeepRow => ("Dòng giữ lại (nếu cùng một người)", "Row to keep (if the same person)"),
        };
        if lang == Lang::Vi { vi } else { en }
    }

    fn required(self) -> bool {
        matches!(self, Column::Source | Column::Decision | Column::RecordKey | Column::RecordDigest)
    }

    fn of_heading(text: &str) -> Option<Column> {
        let t = crate::text::fold(text);
        Column::ALL.into_iter().find(|c| [Lang::Vi, Lang::En].iter().any(|&l| t == crate::text::fold(c.heading(l))))
    }
}

/// One decided row of a returned file.
#[derive(Clone, Debug, PartialEq)]
pub struct ReturnedRow {
    /// The source (register) name.
    pub source: String,
    /// The record key.
    pub record_key: String,
    /// The record's digest when the worklist was written.
    pub record_digest: String,
    /// The reference person the row proposed.
    pub candidate: Option<String>,
    /// The finding codes the row listed.
    pub codes: Vec<String>,
    /// The result.
    pub decision: Decision,
    /// The correct personal ID (12 digits), if given.
    pub person_id: Option<String>,
    /// Who verified, if given.
    pub officer: Option<String>,
    /// The officer's note, if any.
    pub note: Option<String>,
    /// The worksheet ("" for CSV).
    pub sheet: String,
    /// The row as the officer sees it (1 = the heading row).
    pub row: u64,
}

/// A returned file, read and valid.
#[derive(Clone, Debug)]
pub struct ReturnedFile {
    /// Its file name.
    pub name: String,
    /// Where it is.
    pub path: PathBuf,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Its decided rows (rows with no result are not decisions).
    pub rows: Vec<ReturnedRow>,
}

/// A malformed row (or file): where, and what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{file}{}, row {row}{}: {message}", if sheet.is_empty() { String::new() } else { format!(", sheet \"{sheet}\"") }, column.as_ref().map(|c| format!(", column \"{c}\"")).unwrap_or_default())]
pub struct RowError {
    /// The file name.
    pub file: String,
    /// The worksheet ("" for CSV).
    pub sheet: String,
    /// The row (1 = the heading row).
    pub row: u64,
    /// The column's heading, when one cell is at fault.
    pub column: Option<String>,
    /// What is wrong and what to do (no cell values: they are personal data).
    pub message: String,
}

/// What the inbox holds: the returned files to read, and the entries that look like returned
/// files but are not regular files (a link, a pipe), which are never opened, followed or moved.
#[derive(Debug, Default)]
pub struct Waiting {
    /// The regular files to read, by name.
    pub files: Vec<PathBuf>,
    /// Name and why it is left where it is.
    pub refused: Vec<(String, String)>,
}

/// The returned files waiting in the inbox: `.xlsx` and `.csv`, by name; Excel's own lock
/// files (`~$…`) and hidden files are not returned worklists. Each entry is judged by its own
/// metadata, never by what a link points to.
pub fn waiting(inbox: &Path) -> std::io::Result<Waiting> {
    let mut out = Waiting::default();
    if !inbox.exists() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(inbox)? {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        let ext = path.extension().map(|x| x.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if name.starts_with("~$") || name.starts_with('.') || !(ext == "xlsx" || ext == "csv") {
            continue;
        }
        match entry.file_type() {
            Ok(t) if t.is_file() => out.files.push(path),
            Ok(t) if t.is_dir() => {}
            Ok(t) => {
                let what = if t.is_symlink() { "is a symbolic link" } else { "is not a regular file (a pipe, socket or device)" };
                tracing::warn!(file = %crate::files::escape_controls(&name), "an inbox entry is not a regular file; left unread where it is");
                out.refused.push((name, format!("{what}; lamsach reads only files placed in the inbox itself and leaves this entry untouched")));
            }
            Err(_) => {}
        }
    }
    out.files.sort();
    out.refused.sort();
    Ok(out)
}

/// The rows of a sheet searched for its heading.
const HEADING_ROWS: u64 = 3;

/// One returned file, read a row at a time: what it decided, or every malformed row.
struct Reading {
    name: String,
    rows: Vec<ReturnedRow>,
    errors: Vec<RowError>,
    any_worklist_sheet: bool,
    /// Where the current sheet is: its heading not yet read, its columns, or not a worklist.
    columns: Option<Option<Vec<Option<Column>>>>,
}

impl Reading {
    fn file_error(&self, message: String) -> Vec<RowError> {
        vec![RowError { file: self.name.clone(), sheet: String::new(), row: 0, column: None, message }]
    }

    /// One row of `sheet` (sheet row number `at`); the first a sheet gives is its heading.
    /// Returns false once the rest of the sheet need not be read (it is not a worklist).
    fn row(&mut self, sheet: &str, at: u64, line: &csv::StringRecord) -> bool {
        let columns = match &self.columns {
            None => {
                // The heading is the first row that has the worklist's headings, among the
                // sheet's first rows (a worklist's sheet opens with its week's summary line).
                let errors = self.errors.len();
                match self.heading(sheet, at, line) {
                    Some(c) => self.columns = Some(Some(c)),
                    None if at < HEADING_ROWS && self.errors.len() == errors => {}
                    None => self.columns = Some(None),
                }
                return !matches!(self.columns, Some(None));
            }
            Some(None) => return false,
            Some(Some(c)) => c,
        };
        let cell = |c: Column| columns.iter().position(|x| *x == Some(c)).and_then(|k| line.get(k)).map(|s| s.trim()).unwrap_or_default();
        match parse_row(&cell, sheet, at) {
            Ok(rows) => self.rows.extend(rows),
            Err((column, message)) => self.errors.push(RowError {
                file: self.name.clone(),
                sheet: sheet.to_string(),
                row: at,
                column: Some(column.heading(Lang::Vi).to_string()),
                message,
            }),
        }
        true
    }

    /// The sheet's columns by their headings; `None` for a sheet that is not a worklist (a
    /// note the officer added) or one that lacks required columns (reported).
    fn heading(&mut self, sheet: &str, at: u64, line: &csv::StringRecord) -> Option<Vec<Option<Column>>> {
        let found: Vec<Option<Column>> = line.iter().map(Column::of_heading).collect();
        let missing: Vec<Column> = Column::ALL.into_iter().filter(|c| c.required() && !found.contains(&Some(*c))).collect();
        if missing.len() == Column::ALL.iter().filter(|c| c.required()).count() {
            return None;
        }
        self.any_worklist_sheet = true;
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|c| c.heading(Lang::Vi)).collect();
            self.errors.push(RowError {
                file: self.name.clone(),
                sheet: sheet.to_string(),
                row: at,
                column: None,
                message: format!("the columns {} are missing; return the worklist with all its columns, hidden ones included", names.join(", ")),
            });
            return None;
        }
        Some(found)
    }
}

/// Reads and validates one returned file: all its decided rows, or every malformed row. The
/// file is opened only if it is a regular file (a link is refused, not followed), and read
/// within `limits`: its size, and for a workbook every limit a register has.
pub fn read(path: &Path, limits: &ReadLimits) -> Result<ReturnedFile, Vec<RowError>> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut reading = Reading { name: crate::files::escape_controls(&name), rows: Vec::new(), errors: Vec::new(), any_worklist_sheet: false, columns: None };
    let file = crate::files::open_regular_no_link(path).map_err(|e| reading.file_error(format!("cannot be read: {e}")))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > limits.returned_file_bytes {
        let over = OverLimit::new(Limit::ReturnedFileBytes, limits);
        return Err(reading.file_error(format!("{over}; split the worklist by commune and return each part, or raise the limit")));
    }
    let is_csv = path.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv"));
    let read = if is_csv { read_csv(file, &mut reading) } else { read_workbook(file, path, limits, &mut reading) };
    let sha256 = read.map_err(|m| reading.file_error(m))?;
    if !reading.any_worklist_sheet {
        return Err(reading.file_error("no sheet has the worklist's columns (Mã bản ghi, Kết quả xác minh); is this a returned worklist?".into()));
    }
    if !reading.errors.is_empty() {
        return Err(reading.errors);
    }
    Ok(ReturnedFile { name, path: path.to_path_buf(), sha256, rows: reading.rows })
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A workbook's sheets, each read within the limits. Returns the file's SHA-256.
fn read_workbook(mut file: std::fs::File, path: &Path, limits: &ReadLimits, reading: &mut Reading) -> Result<String, String> {
    use std::io::Seek;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| format!("cannot be read: {e}"))?;
    file.rewind().map_err(|e| format!("cannot be read: {e}"))?;
    let mut wb = Workbook::open(file, path, limits).map_err(|e| format!("is not a readable workbook: {e}"))?;
    for sheet in wb.sheet_names() {
        // Each row is parsed as the sheet's stream ends it and only decided rows are kept: a
        // returned workbook never holds more than one of its rows.
        reading.columns = None;
        wb.each_row(&sheet, |r| reading.row(&sheet, r.line, &r.cells)).map_err(|e| format!("cannot be read: {e}"))?;
    }
    Ok(hex(&hasher.finalize()))
}

/// Passes a file's bytes through while hashing them.
struct Hashing<R> {
    inner: R,
    hasher: sha2::Sha256,
}

impl<R: std::io::Read> std::io::Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A CSV of the worklist's columns, read a row at a time (a returned CSV may be large; only its
/// decided rows are kept). Returns the file's SHA-256.
fn read_csv(file: std::fs::File, reading: &mut Reading) -> Result<String, String> {
    use std::io::BufRead;
    let mut input = std::io::BufReader::new(Hashing { inner: file, hasher: sha2::Sha256::new() });
    let first = input.fill_buf().map_err(|e| format!("cannot be read: {e}"))?;
    let bom = first.starts_with(b"\xEF\xBB\xBF");
    // The separator the heading uses: the most frequent one on the first rows (a summary line
    // may stand above the heading).
    let head: &[u8] =
        first.split(|b| *b == b'\n').take(HEADING_ROWS as usize + 1).max_by_key(|l| l.iter().filter(|b| b",;\t".contains(b)).count()).unwrap_or(first);
    let delimiter = [b',', b';', b'\t'].into_iter().max_by_key(|d| (head.iter().filter(|b| *b == d).count(), *d == b',')).unwrap_or(b',');
    if bom {
        input.consume(3);
    }
    let not_utf8 = "is not UTF-8 text; save it as \"CSV UTF-8\"".to_string();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(&mut input);
    for (i, rec) in reader.records().enumerate() {
        let line = match rec {
            Ok(r) => r,
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => return Err(not_utf8),
            Err(_) => return Err(format!("row {} is not valid CSV; save the worklist again as \"CSV UTF-8\"", i + 1)),
        };
        if !reading.row("", i as u64 + 1, &line) {
            break;
        }
    }
    drop(reader);
    // The rest of the file (a sheet that is not the worklist stops early) counts in its hash.
    std::io::copy(&mut input, &mut std::io::sink()).map_err(|e| format!("cannot be read: {e}"))?;
    Ok(hex(&input.into_inner().hasher.finalize()))
}

/// One row's decisions: none when the officer decided nothing on it, one per record of a
/// duplicate group's row (its hidden columns list the group's keys, one a line, and digests).
fn parse_row<'a>(cell: &dyn Fn(Column) -> &'a str, sheet: &str, row: u64) -> Result<Vec<ReturnedRow>, (Column, String)> {
    let result = cell(Column::Decision);
    let id_text = cell(Column::PersonId);
    if result.is_empty() {
        if !id_text.is_empty() {
            return Err((Column::Decision, "a correct personal ID is written but no result is chosen; choose a result from the drop-down".into()));
        }
        return Ok(Vec::new());
    }
    let labels: Vec<&str> = Decision::ALL.iter().map(|d| d.label(Lang::Vi)).collect();
    let decision = Decision::parse(result).ok_or_else(|| (Column::Decision, format!("not one of the results; choose one of: {}", labels.join(", "))))?;
    let (source, key, digest) = (cell(Column::Source), cell(Column::RecordKey), cell(Column::RecordDigest));
    if source.is_empty() || key.is_empty() || digest.is_empty() {
        let column = if source.is_empty() {
            Column::Source
        } else if key.is_empty() {
            Column::RecordKey
        } else {
            Column::RecordDigest
        };
        return Err((column, "is empty: the row cannot be tied to its record; do not edit the Nguồn column or the hidden columns".into()));
    }
    let person_id = if id_text.is_empty() {
        None
    } else {
        let id = normalize_person_id(id_text, None, None);
        Some(id.cccd.ok_or_else(|| (Column::PersonId, "is not a 12-digit personal ID (CCCD); write the 12 digits or leave it empty".into()))?)
    };
    let candidate = Some(cell(Column::Candidate)).filter(|c| !c.is_empty()).map(str::to_string);
    if candidate.is_none() && person_id.is_none() && matches!(decision, Decision::ConfirmLink | Decision::RejectLink) {
        return Err((Column::Decision, "this row proposed no person to confirm or reject; write the correct personal ID, or choose another result".into()));
    }
    let members = group_members(cell, key, digest, decision)?;
    let opt = |c: Column| Some(cell(c)).filter(|s| !s.is_empty()).map(str::to_string);
    let codes: Vec<String> = cell(Column::Codes).split_whitespace().map(str::to_string).collect();
    Ok(members
        .into_iter()
        .map(|Member { key, digest, decision }| ReturnedRow {
            source: source.to_string(),
            record_key: key.to_string(),
            record_digest: digest.to_string(),
            candidate: candidate.clone(),
            codes: codes.clone(),
            decision,
            person_id: person_id.clone(),
            officer: opt(Column::Officer),
            note: opt(Column::Note),
            sheet: sheet.to_string(),
            row,
        })
        .collect())
}

/// The records a row decides, each with its decision: the row's record, or every record of
/// a duplicate group's row ("same person": the row to keep is kept, the others are deleted
/// at the source; any other result holds for each of them).
/// One record a returned row decides: its key and digest as the worklist wrote them.
struct Member<'a> {
    key: &'a str,
    digest: &'a str,
    decision: Decision,
}

fn group_members<'a>(cell: &dyn Fn(Column) -> &'a str, key: &'a str, digest: &'a str, decision: Decision) -> Result<Vec<Member<'a>>, (Column, String)> {
    let digests: Vec<&str> = digest.split_whitespace().collect();
    if digests.len() < 2 {
        return Ok(vec![Member { key, digest, decision }]);
    }
    let edited = |c: Column| (c, "does not list as many records as the row's hidden columns; do not edit the Dòng column or the hidden columns".to_string());
    let keys: Vec<&str> = key.lines().map(str::trim).filter(|k| !k.is_empty()).collect();
    if keys.len() != digests.len() {
        return Err(edited(Column::RecordKey));
    }
    let decided = match decision {
        Decision::SamePerson => {
            let rows: Vec<&str> = cell(Column::Row).split([',', ' ']).filter(|r| !r.is_empty()).collect();
            if rows.len() != keys.len() {
                return Err(edited(Column::Row));
            }
            let keep = cell(Column::KeepRow);
            let kept = rows.iter().position(|r| *r == keep).ok_or_else(|| {
                (
                    Column::KeepRow,
                    "is not one of the rows listed in the Dòng column; write the one row to keep (the others are to be deleted at the source)".to_string(),
                )
            })?;
            (0..keys.len()).map(|m| if m == kept { Decision::SamePerson } else { Decision::RemoveDuplicate }).collect()
        }
        Decision::RemoveDuplicate => {
            let (same, different) = (Decision::SamePerson.label(Lang::Vi), Decision::DifferentPeople.label(Lang::Vi));
            return Err((Column::Decision, format!("this row is a group of records: choose \"{same}\" and write the row to keep, or \"{different}\"")));
        }
        d => vec![d; keys.len()],
    };
    Ok(keys.into_iter().zip(digests).zip(decided).map(|((key, digest), decision)| Member { key, digest, decision }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> Result<ReturnedFile, Vec<RowError>> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("xa-a.csv");
        std::fs::write(&p, text).unwrap();
        read(&p, &ReadLimits::default())
    }

    const HEAD: &str = "STT;Nguồn;Mã;Kết quả xác minh;Số định danh đúng (nếu biết);Ghi chú;Người xác minh;Mã bản ghi;Dấu bản ghi;Người được đề xuất\n";

    #[test]
    fn a_csv_of_the_worklist_columns_is_read_and_undecided_rows_are_skipped() {
        let f = csv(&format!(
            "\u{feff}{HEAD}1;lao_dong;REVIEW;Đúng người;;ok;CA xã A;k1;d1;052080000001\n2;lao_dong;NO_LINK;;;;;k2;d2;\n3;lao_dong;NO_LINK;khong phai nguoi nay;052 080 000 002;;;k3;d3;052080000009\n"
        ))
        .unwrap();
        assert_eq!(f.rows.len(), 2);
        assert_eq!(f.rows[0].decision, Decision::ConfirmLink);
        assert_eq!(f.rows[0].officer.as_deref(), Some("CA xã A"));
        assert_eq!(f.rows[0].row, 2);
        assert_eq!(f.rows[1].decision, Decision::RejectLink);
        assert_eq!(f.rows[1].person_id.as_deref(), Some("052080000002"));
    }

    #[test]
    fn every_malformed_row_is_named_by_file_row_and_column_and_nothing_is_returned() {
        let errs = csv(&format!(
            "{HEAD}1;lao_dong;REVIEW;Có lẽ;;;;k1;d1;052080000001\n2;lao_dong;NO_LINK;Đúng người;;;;k2;d2;\n3;lao_dong;X;Đúng người;12345;;;k3;d3;052080000001\n4;lao_dong;X;Đúng người;;;;;d4;052080000001\n5;lao_dong;X;Đúng người;;;;k5;d5;052080000001\n"
        ))
        .unwrap_err();
        let rows: Vec<(u64, Option<&str>)> = errs.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(rows, [(2, Some("Kết quả xác minh")), (3, Some("Kết quả xác minh")), (4, Some("Số định danh đúng (nếu biết)")), (5, Some("Mã bản ghi"))]);
        let line = errs[0].to_string();
        assert!(line.starts_with("xa-a.csv, row 2, column \"Kết quả xác minh\":"), "{line}");
        assert!(!errs.iter().any(|e| e.to_string().contains("12345")), "no cell value in an error");
    }

    #[test]
    fn the_heading_is_found_under_a_sheets_summary_line() {
        let f = csv(&format!("Việc tuần này: 2 bản ghi cần xác minh\n{HEAD}1;lao_dong;NO_LINK;Không xác minh được;;;;k1;d1;\n")).unwrap();
        assert_eq!(f.rows.len(), 1);
        assert_eq!((f.rows[0].record_key.as_str(), f.rows[0].row), ("k1", 3));
        let errs = csv("a\nb\nc\nd\nNguồn,Kết quả xác minh,Mã bản ghi,Dấu bản ghi\nx,Đúng người,k,d\n").unwrap_err();
        assert!(errs[0].message.contains("is this a returned worklist"), "a heading below the first rows is not searched for");
    }

    #[test]
    fn a_duplicate_groups_row_decides_each_of_its_records() {
        let head = "Nguồn;Dòng;Kết quả xác minh;Dòng giữ lại (nếu cùng một người);Mã bản ghi;Dấu bản ghi\n";
        let f = csv(&format!("{head}ld;12, 57;Cùng một người;57;\"k1\nk2\";d1 d2\nld;3, 4;Khác người;;\"k3\nk4\";d3 d4\n")).unwrap();
        let got: Vec<(&str, &str, Decision)> = f.rows.iter().map(|r| (r.record_key.as_str(), r.record_digest.as_str(), r.decision)).collect();
        assert_eq!(
            got,
            [
                ("k1", "d1", Decision::RemoveDuplicate),
                ("k2", "d2", Decision::SamePerson),
                ("k3", "d3", Decision::DifferentPeople),
                ("k4", "d4", Decision::DifferentPeople)
            ]
        );
        let errs =
            csv(&format!("{head}ld;12, 57;Cùng một người;99;\"k1\nk2\";d1 d2\nld;12, 57;Xóa dòng trùng;;\"k1\nk2\";d1 d2\nld;12, 57;Khác người;;k1;d1 d2\n"))
                .unwrap_err();
        let at: Vec<(u64, Option<&str>)> = errs.iter().map(|e| (e.row, e.column.as_deref())).collect();
        assert_eq!(at, [(2, Some("Dòng giữ lại (nếu cùng một người)")), (3, Some("Kết quả xác minh")), (4, Some("Mã bản ghi"))]);
        assert!(!errs.iter().any(|e| e.to_string().contains("99")), "no cell value in an error");
    }

    #[test]
    fn a_file_without_the_worklist_columns_is_refused_as_a_whole() {
        let errs = csv("Họ tên,Ngày sinh\nA,1/1/1990\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("is this a returned worklist"));
        let errs = csv("Nguồn,Kết quả xác minh,Mã bản ghi\nx,Đúng người,k\n").unwrap_err();
        assert!(errs[0].message.contains("Dấu bản ghi"), "{}", errs[0].message);
    }
}
