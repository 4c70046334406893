//! Ingest: read each source file, find its header row, map headers to canonical
//! fields, and turn every row into records — or into the quarantine, with a
//! reason. Nothing is lost: rows read = rows kept + rows quarantined.

mod csv;
pub mod decode;
#[cfg(feature = "io")]
mod footer;
pub mod keys;
pub mod limits;
mod merged;
#[cfg(feature = "io")]
mod parquet;
mod report_rows;
#[cfg(feature = "excel")]
pub(crate) mod xlsx;

use crate::field::Field;
use crate::finding::Finding;
use crate::schema::{ColumnMap, Schema, header_key};
use crate::text::legacy::{Detection, Encoding};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What to read, as the job describes it.
#[derive(Clone, Debug)]
pub struct SourceInput {
    pub name: String,
    pub path: PathBuf,
    pub schema: Schema,
    /// None = detect.
    pub encoding: Option<Encoding>,
    /// Canonical field (or `role.field`) → header, overriding the schema's aliases.
    pub columns: HashMap<String, String>,
    pub sheet: Option<String>,
    /// The header of the register's own record ID, when the job names one.
    pub key: Option<String>,
    /// What the file may ask of the machine (`[limits]`).
    pub limits: limits::ReadLimits,
}

/// The file formats lamsach reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Excel,
    Parquet,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "tsv" | "txt" | "tab" => Format::Csv,
            "xlsx" | "xls" | "xlsm" | "xlsb" | "ods" => Format::Excel,
            "parquet" | "pq" => Format::Parquet,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Excel => "excel",
            Format::Parquet => "parquet",
        }
    }
}

/// Why a row went to the quarantine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuarantineReason {
    /// More or fewer fields than the header.
    FieldCount,
    /// Bytes that decode to nothing in the file's encoding.
    Undecodable,
    /// A quote opened and never closed: the rest of the file became one field.
    UnclosedQuote,
    /// The row could not be read: a CSV parser error, or a Parquet row group that cannot be decoded.
    Unreadable,
    /// A row of a register with several subjects (child and parents, deceased and
    /// declarant) where every subject's columns are empty: it is nobody's record.
    NoSubject,
    /// A row of the report's layout: a header or column numbering repeated on a later page,
    /// a total, the place-and-date line or the signature block (see `report_rows`).
    NotARecord,
}

impl QuarantineReason {
    pub const ALL: [QuarantineReason; 6] = [
        QuarantineReason::FieldCount,
        QuarantineReason::Undecodable,
        QuarantineReason::UnclosedQuote,
        QuarantineReason::Unreadable,
        QuarantineReason::NoSubject,
        QuarantineReason::NotARecord,
    ];

    /// The reason [`QuarantineReason::as_str`] wrote.
    pub fn parse(s: &str) -> Option<QuarantineReason> {
        QuarantineReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuarantineReason::FieldCount => "FIELD_COUNT",
            QuarantineReason::Undecodable => "UNDECODABLE",
            QuarantineReason::UnclosedQuote => "UNCLOSED_QUOTE",
            QuarantineReason::Unreadable => "UNREADABLE",
            QuarantineReason::NoSubject => "NO_SUBJECT",
            QuarantineReason::NotARecord => "NOT_A_RECORD",
        }
    }
    pub fn message_vi(self) -> &'static str {
        match self {
            QuarantineReason::FieldCount => "Số cột của dòng khác với dòng tiêu đề",
            QuarantineReason::Undecodable => "Dòng có byte không giải mã được",
            QuarantineReason::UnclosedQuote => "Dấu ngoặc kép mở mà không đóng",
            QuarantineReason::Unreadable => "Không đọc được dòng",
            QuarantineReason::NoSubject => "Dòng không có người nào: mọi cột của các vai (con, cha, mẹ, người khai…) đều trống",
            QuarantineReason::NotARecord => "Không phải bản ghi: dòng tiêu đề hay số thứ tự cột lặp lại, dòng tổng cộng, ngày tháng hoặc phần ký tên cuối biểu",
        }
    }
}

pub(crate) struct Row {
    /// Physical row: 1-based line where the record starts (CSV), sheet row (Excel), row index (Parquet).
    pub line: u64,
    /// The cells in one buffer (no allocation per cell).
    pub cells: ::csv::StringRecord,
    pub multiline: bool,
    /// Excel: columns whose cell is a formula with no saved value (read as empty).
    pub unsaved_formulas: Vec<u16>,
}

impl Row {
    /// The cells as owned strings, for the few rows header detection looks at.
    fn texts(&self) -> Vec<String> {
        self.cells.iter().map(str::to_string).collect()
    }

    fn joined(&self, sep: &str) -> String {
        self.cells.iter().collect::<Vec<_>>().join(sep)
    }
}

pub(crate) enum Item {
    Row(Row),
    Bad { line: u64, raw: String, reason: QuarantineReason },
}

/// A row that could not become a record.
#[derive(Clone, Debug)]
pub struct QuarantineRow {
    pub source_row: u64,
    /// The last physical row the quarantined record spans (an unclosed quote swallows many).
    pub source_row_end: u64,
    pub reason: QuarantineReason,
    /// The cells as far as they could be read, joined by the delimiter.
    pub raw: String,
}

/// One person described by one row.
#[derive(Clone, Debug)]
pub struct RawRecord {
    pub source_row: u64,
    /// The register's own record ID (`[[source]] key`), when the job names its column.
    pub key: Option<Box<str>>,
    /// Index into the schema's roles.
    pub role: u16,
    /// Raw text per canonical field.
    pub values: Values,
    /// Findings ingest itself made (TEXT_LEGACY_ENCODING for a legacy-encoded file).
    pub findings: Vec<Finding>,
}

/// Raw text per canonical field, trimmed, in one buffer: a register holds
/// millions of records, so one allocation each instead of one per field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values {
    text: String,
    /// Byte span of each field in `text`; an empty span is a missing value.
    spans: [(u32, u32); Field::COUNT],
}

impl Values {
    /// The field's text, `None` when it is missing or blank.
    pub fn get(&self, f: Field) -> Option<&str> {
        let (a, b) = self.spans[f.index()];
        (b > a).then(|| &self.text[a as usize..b as usize])
    }

    /// Sets a field (trimmed; blank means missing).
    pub fn set(&mut self, f: Field, v: &str) {
        let v = v.trim();
        let a = self.text.len();
        self.text.push_str(v);
        self.spans[f.index()] = (a as u32, self.text.len() as u32);
    }

    /// Empty values whose text can grow to `bytes` without reallocating.
    pub fn with_capacity(bytes: usize) -> Values {
        Values { text: String::with_capacity(bytes), ..Default::default() }
    }

    /// Values from (field, text) pairs.
    pub fn of(pairs: &[(Field, &str)]) -> Values {
        let mut v = Values::default();
        for (f, s) in pairs {
            v.set(*f, s);
        }
        v
    }
}

/// The layout of a source: where its header is and what maps where.
#[derive(Clone, Debug)]
pub struct Layout {
    pub format: Format,
    pub encoding: Option<Detection>,
    pub header_row: u64,
    pub headers: Vec<String>,
    pub columns: ColumnMap,
    /// The column of the register's own record ID (`[[source]] key`).
    pub key_column: Option<usize>,
}

/// A source read in full.
pub struct IngestedSource {
    pub name: String,
    pub path: PathBuf,
    pub schema: Schema,
    pub layout: Layout,
    pub bytes: u64,
    pub sha256: String,
    pub rows_read: u64,
    pub records: Vec<RawRecord>,
    pub quarantine: Vec<QuarantineRow>,
}

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

/// Below this detection confidence a file's encoding must be set in the job.
pub const MIN_ENCODING_CONFIDENCE: f32 = 0.5;

const HEADER_SEARCH_ROWS: usize = 30;

fn is_numbering_row(cells: &[String]) -> bool {
    let non_empty: Vec<&String> = cells.iter().filter(|c| !c.trim().is_empty()).collect();
    non_empty.len() >= 2
        && non_empty.iter().all(|c| {
            let t = c.trim().trim_start_matches('(').trim_end_matches(')');
            t.len() <= 3 && (t.chars().all(|x| x.is_ascii_digit()) || (t.len() == 1 && t.chars().all(|x| x.is_ascii_uppercase())))
        })
}

/// Joins a two-row header (a merged group cell above sub-columns) when that maps more fields.
/// A group names whose the columns under it are: "Mẹ" over "Họ và tên", "Ngày sinh", "Số định
/// danh cá nhân" is the mother's name, date of birth and ID (read as "Họ và tên Mẹ", "Mẹ Họ và
/// tên" or "Số định danh cá nhân của Mẹ", whichever the schema knows). A sub-header that no such
/// reading maps stands alone the first time; repeated under another group, it keeps the group's
/// words ("Mẹ Nơi cư trú"), so one register's repeated sub-headers never stand for one field twice.
fn header_from(schema: &Schema, top: &[String], below: Option<&[String]>) -> (Vec<String>, bool) {
    let Some(below) = below else { return (top.to_vec(), false) };
    let n = top.len().max(below.len());
    let mut joined: Vec<String> = Vec::with_capacity(n);
    let mut group = String::new();
    let known = |h: &String| schema.count_matches(std::slice::from_ref(h)) > 0;
    for i in 0..n {
        let t = top.get(i).map(|s| s.trim()).unwrap_or("");
        let b = below.get(i).map(|s| s.trim()).unwrap_or("");
        if !t.is_empty() {
            group = t.to_string();
        }
        if b.is_empty() {
            joined.push(t.to_string());
            continue;
        }
        let readings = [format!("{group} {b}"), format!("{b} {group}"), format!("{b} của {group}")];
        let alone = b.to_string();
        let header = match readings.into_iter().find(known) {
            Some(r) => r,
            None if !joined.contains(&alone) => alone,
            None => format!("{group} {b}"),
        };
        joined.push(header);
    }
    // Joined when that maps more fields, or as many when every filled cell below is itself a
    // header (a group of one column: "Nơi cư trú" over "Địa chỉ"); a data row is never that.
    let filled: Vec<String> = below.iter().filter(|c| !c.trim().is_empty()).cloned().collect();
    let below_is_header = !filled.is_empty() && filled.len() * 2 <= n && schema.count_matches(&filled) == filled.len();
    let (j, t) = (schema.count_matches(&joined), schema.count_matches(top));
    if j > t || (j == t && below_is_header) { (joined, true) } else { (top.to_vec(), false) }
}

/// The header the rows at `at` (and the one under it) give: the row found, joined with the row
/// under it, or — when the row found is the sub-header of a grouped header ("Người được khai
/// sinh | Mẹ | Cha" over repeated "Họ và tên", "Ngày sinh", …: a row repeating its own headers
/// under a row of several groups) — the row above it joined with it, whichever maps more fields.
/// Returns the headers, the header's first and last rows' index.
fn header_at(schema: &Schema, head: &[Item], at: usize) -> (Vec<String>, usize, usize) {
    let row = |i: usize| match head.get(i) {
        Some(Item::Row(r)) => Some(r.texts()),
        _ => None,
    };
    let found = row(at).unwrap_or_default();
    let (down, two_rows) = header_from(schema, &found, row(at + 1).as_deref());
    let mut best = (down, at, if two_rows { at + 1 } else { at });
    let keys: Vec<String> = found.iter().filter(|c| !c.trim().is_empty()).map(|c| header_key(c)).collect();
    let repeats = keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k));
    let groups = |r: &Vec<String>| r.iter().filter(|c| !c.trim().is_empty()).count() >= 2;
    if let Some(above) = at.checked_sub(1).and_then(row).filter(|r| repeats && groups(r)) {
        let (up, joined) = header_from(schema, &above, Some(&found));
        if joined && schema.count_matches(&up) > schema.count_matches(&best.0) {
            best = (up, at - 1, at);
        }
    }
    best
}

struct Opened {
    layout: Layout,
    rest: Box<dyn Iterator<Item = Item> + Send>,
    /// Rows already pulled from the reader that come after the header.
    pending: Vec<Item>,
}

/// A file's rows, decoded, the text encoding found (CSV only) and the cells merged down
/// (workbooks only).
struct Rows {
    items: Box<dyn Iterator<Item = Item> + Send>,
    encoding: Option<Detection>,
    merged: Vec<merged::MergedDown>,
}

/// `probe`: only the rows a header is looked for in, without the cells merged down.
#[cfg_attr(not(feature = "excel"), allow(unused_variables))]
fn read_rows(input: &SourceInput, format: Format, probe: bool) -> Result<Rows, IngestError> {
    let path = &input.path;
    let file = crate::files::shown(path);
    Ok(match format {
        Format::Csv => {
            let (det, delim) = csv::sniff(path, input.encoding)?;
            if det.confidence < MIN_ENCODING_CONFIDENCE {
                return Err(IngestError::EncodingUncertain { file, guess: det.encoding.as_str(), confidence: det.confidence, min: MIN_ENCODING_CONFIDENCE });
            }
            Rows { items: csv::rows(path, det, delim)?, encoding: Some(det), merged: Vec::new() }
        }
        #[cfg(feature = "excel")]
        Format::Excel => {
            // Two rows past the search: the header may span two and be numbered below.
            let head = probe.then_some(HEADER_SEARCH_ROWS + 2);
            let (items, merged) = xlsx::rows(path, input.sheet.as_deref(), &input.limits, head)?;
            Rows { items, encoding: None, merged }
        }
        #[cfg(feature = "io")]
        Format::Parquet => Rows { items: parquet::rows(input)?, encoding: None, merged: Vec::new() },
        #[cfg(not(feature = "excel"))]
        Format::Excel => return Err(IngestError::UnknownFormat { file }),
        #[cfg(not(feature = "io"))]
        Format::Parquet => return Err(IngestError::UnknownFormat { file }),
    })
}

/// The header among the first rows: the row most of whose cells are known headers
/// (or the job's column overrides).
fn find_header(input: &SourceInput, head: &[Item]) -> Result<usize, IngestError> {
    let overrides: Vec<String> = input.columns.values().map(|h| header_key(h)).collect();
    let score = |cells: &[String]| -> usize { input.schema.count_matches(cells) * 2 + cells.iter().filter(|c| overrides.contains(&header_key(c))).count() * 3 };
    let mut best: Option<(usize, usize)> = None;
    for (i, item) in head.iter().enumerate() {
        if let Item::Row(r) = item {
            let s = score(&r.texts());
            if s >= 2 && best.is_none_or(|(_, bs)| s > bs) {
                best = Some((i, s));
            }
        }
    }
    best.map(|(i, _)| i).ok_or_else(|| {
        // Header names are not personal data, but a headerless file's first row may be: show only its width.
        let width = head.iter().find_map(|x| match x {
            Item::Row(r) if r.cells.iter().filter(|c| !c.trim().is_empty()).count() >= 2 => Some(r.cells.len()),
            _ => None,
        });
        let seen = width.map_or_else(|| "none".to_string(), |w| format!("{w} columns"));
        IngestError::NoHeader { file: crate::files::shown(&input.path), searched: HEADER_SEARCH_ROWS, seen }
    })
}

/// The headers an error may show: those that are the schema's own aliases (or the job's
/// overrides) as written, and how many other cells the row has. The row taken for the header
/// may be a person's (a file whose header line is missing), and a name can look like a header's
/// words ("Phương" like "phường"): its other cells are counted, never shown.
fn headers_shown(input: &SourceInput, headers: &[String]) -> String {
    let overrides: Vec<String> = input.columns.values().map(|h| header_key(h)).collect();
    let filled: Vec<&String> = headers.iter().filter(|h| !h.trim().is_empty()).collect();
    let known: Vec<&str> = filled.iter().filter(|h| input.schema.is_alias(h) || overrides.contains(&header_key(h))).map(|h| h.as_str()).collect();
    let others = filled.len() - known.len();
    let known = if known.is_empty() { "none the schema knows".to_string() } else { known.join(", ") };
    if others == 0 { known } else { format!("{known}, and {others} other cells not shown") }
}

/// The column mapping a run can use: overrides that exist, no doubled header, every
/// required field of every role mapped (or the candidates named when several fit).
fn check_columns(input: &SourceInput, row: u64, headers: &[String], columns: &ColumnMap) -> Result<(), IngestError> {
    let file = crate::files::shown(&input.path);
    let found = || headers_shown(input, headers);
    if let Some((field, header)) = columns.missing_overrides.first() {
        return Err(IngestError::MissingOverride { file, row, field: field.clone(), header: header.clone(), headers: found() });
    }
    if let Some(header) = columns.duplicate_headers.first() {
        return Err(IngestError::DuplicateHeader { file, row, header: header.clone() });
    }
    for (role, cols) in &columns.roles {
        for f in input.schema.required_fields(role) {
            if cols[f.index()].is_some() || (columns.dob_by_sex.is_some() && matches!(f, Field::Dob | Field::Sex)) {
                continue;
            }
            if let Some((_, candidates)) = columns.ambiguous.iter().find(|(a, _)| *a == f) {
                return Err(IngestError::AmbiguousColumn { file, row, field: f.as_str(), candidates: candidates.join(" | ") });
            }
            let role = if columns.roles.len() > 1 { format!(" (role {role})") } else { String::new() };
            return Err(IngestError::MissingRequired { file, row, field: f.as_str(), role, headers: found() });
        }
    }
    Ok(())
}

fn open(input: &SourceInput, probe: bool) -> Result<Opened, IngestError> {
    let path = &input.path;
    if !path.exists() {
        return Err(IngestError::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")));
    }
    let format = Format::of(path).ok_or_else(|| IngestError::UnknownFormat { file: crate::files::shown(path) })?;
    let Rows { items: mut it, encoding, merged } = read_rows(input, format, probe)?;
    let mut head: Vec<Item> = it.by_ref().take(HEADER_SEARCH_ROWS).collect();
    let hi = find_header(input, &head)?;
    let (headers, first, last) = header_at(&input.schema, &head, hi);
    let mut pending: Vec<Item> = head.split_off(last + 1);
    let (Some(Item::Row(header_row)), Some(Item::Row(last_row))) = (head.get(first), head.get(last)) else { unreachable!("the header's rows are rows") };
    let mut header_end = last_row.line;
    // Government forms number their columns under the header: (1) (2) (3) ...
    if let Some(Item::Row(r)) = pending.first()
        && is_numbering_row(&r.texts())
    {
        header_end = r.line;
        pending.remove(0);
    }
    let (pending, it) = if merged.is_empty() {
        (pending, it)
    } else {
        let mut fill = merged::FillDown::new(merged, header_end);
        let pending: Vec<Item> = pending.into_iter().map(|i| fill.apply(i)).collect();
        (pending, Box::new(it.map(move |i| fill.apply(i))) as Box<dyn Iterator<Item = Item> + Send>)
    };
    let columns = input.schema.map_columns(&headers, &input.columns);
    check_columns(input, header_row.line, &headers, &columns)?;
    let key_column = key_column(input, header_row.line, &headers)?;
    Ok(Opened { layout: Layout { format, encoding, header_row: header_row.line, headers, columns, key_column }, rest: it, pending })
}

/// The column of the register's own record ID (`[[source]] key`), if the job names one.
fn key_position(input: &SourceInput, headers: &[String]) -> Option<usize> {
    let k = header_key(input.key.as_deref()?);
    headers.iter().position(|h| header_key(h) == k)
}

/// [`key_position`], or the error naming the header the file lacks (header row `row`).
fn key_column(input: &SourceInput, row: u64, headers: &[String]) -> Result<Option<usize>, IngestError> {
    let Some(k) = &input.key else { return Ok(None) };
    key_position(input, headers).map(Some).ok_or_else(|| IngestError::MissingOverride {
        file: crate::files::shown(&input.path),
        row,
        field: "key".into(),
        header: k.clone(),
        headers: headers_shown(input, headers),
    })
}

/// Records from rows another reader already split into cells (the Spark job reads Parquet
/// itself and hands the binding a batch): `headers` as the file's, each row with its physical
/// row number. The same column mapping, roles, key column and quarantine rules as
/// [`read_source`]; a header problem is the same error, naming `input`'s file.
pub fn records_of_rows(input: &SourceInput, headers: Vec<String>, rows: impl Iterator<Item = (u64, Vec<String>)>) -> Result<IngestedSource, IngestError> {
    let columns = input.schema.map_columns(&headers, &input.columns);
    check_columns(input, 0, &headers, &columns)?;
    let key_column = key_column(input, 0, &headers)?;
    let format = Format::of(&input.path).unwrap_or(Format::Parquet);
    let layout = Layout { format, encoding: None, header_row: 0, headers, columns, key_column };
    let items = rows.map(|(line, cells)| Item::Row(Row { line, cells: ::csv::StringRecord::from(cells), multiline: false, unsaved_formulas: Vec::new() }));
    let mut records = Vec::new();
    let source = build_records(input, layout, items, &mut records);
    Ok(IngestedSource { records, ..source })
}

/// The sheets that hold this register, for a workbook of several sheets read without a
/// `sheet` named (a roster kept one commune a sheet): each sheet whose first rows hold a
/// header mapping the register's required fields, in workbook order. `None` for any other
/// input: another format, a named sheet, a workbook of one sheet.
pub fn register_sheets(input: &SourceInput) -> Result<Option<Vec<String>>, IngestError> {
    if input.sheet.is_some() || Format::of(&input.path) != Some(Format::Excel) || !input.path.exists() {
        return Ok(None);
    }
    #[cfg(not(feature = "excel"))]
    return Ok(None);
    #[cfg(feature = "excel")]
    {
        let names = xlsx::sheet_names(&input.path, &input.limits)?;
        if names.len() < 2 {
            return Ok(None);
        }
        let mut held = Vec::with_capacity(names.len());
        let mut closest = None;
        for (i, name) in names.iter().enumerate() {
            match probe(&SourceInput { sheet: Some(name.clone()), ..input.clone() }) {
                Ok(_) => held.push(name.clone()),
                // A sheet that cannot be read (over a limit, damaged) fails the source: a
                // register sheet must never be left out as if it held no register.
                Err(e @ (IngestError::Excel { .. } | IngestError::Io { .. })) => return Err(e),
                // A cover, a summary or instructions; numbered, as a sheet name may be anything.
                Err(e) => {
                    let sheet = SourceInput { sheet: Some(name.clone()), ..input.clone() };
                    if !matches!(e, IngestError::NoHeader { .. })
                        && let Some(score) = header_score(&sheet)
                        && closest.as_ref().is_none_or(|(_, best)| score > *best)
                    {
                        closest = Some((name.clone(), score));
                    }
                    tracing::warn!(source = %input.name, sheet = i + 1, sheets = names.len(), "sheet holds no header of this register; not read")
                }
            }
        }
        // No sheet holds it: the sheet whose header came closest (most headers the schema
        // knows) is read, so that the error says what was seen there, not what a cover lacks.
        if held.is_empty() {
            held.extend(closest.map(|(name, _)| name));
        }
        Ok(Some(held))
    }
}

/// How near a sheet's first rows come to a header: the most headers the schema knows in one
/// row, then that row's filled cells (a title line matching a word is no table's header);
/// `None` when the sheet cannot be read.
#[cfg(feature = "excel")]
fn header_score(input: &SourceInput) -> Option<(usize, usize)> {
    let rows = read_rows(input, Format::Excel, true).ok()?;
    rows.items
        .take(HEADER_SEARCH_ROWS)
        .filter_map(|item| match item {
            Item::Row(r) => {
                let cells = r.texts();
                Some((input.schema.count_matches(&cells), cells.iter().filter(|c| !c.trim().is_empty()).count()))
            }
            _ => None,
        })
        .max()
}

/// Finds the header and maps the columns without reading the rows (for `lamsach check`).
pub fn probe(input: &SourceInput) -> Result<Layout, IngestError> {
    open(input, true).map(|o| o.layout)
}

/// Size and SHA-256 of a file (the manifest's and the reference cache's key).
pub fn sha256_file(path: &Path) -> Result<(u64, String), IngestError> {
    let mut f = crate::files::open_regular(path).map_err(|e| IngestError::io(path, e))?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h).map_err(|e| IngestError::io(path, e))?;
    Ok((n, format!("{:x}", h.finalize())))
}

/// Between the cells of a quarantined row's `raw` text (the quarantine output shows it as is).
pub const QUARANTINE_CELL_SEPARATOR: &str = " | ";

/// Where ingest puts the records it builds, in file order.
pub trait RecordSink {
    /// About this many more records will come (from the file's size or row count).
    fn reserve(&mut self, additional: usize);
    fn push(&mut self, record: RawRecord);
}

impl RecordSink for Vec<RawRecord> {
    fn reserve(&mut self, additional: usize) {
        Vec::reserve(self, additional);
    }
    fn push(&mut self, record: RawRecord) {
        Vec::push(self, record);
    }
}

/// Reads a whole source into records and quarantined rows, hashing the file as it goes.
pub fn read_source(input: &SourceInput) -> Result<IngestedSource, IngestError> {
    let mut records = Vec::new();
    let source = read_source_into(input, &mut records)?;
    Ok(IngestedSource { records, ..source })
}

/// [`read_source`], handing each record to `sink` as it is built instead of keeping
/// them (the returned source has no records): the reference extract of a whole province
/// is normalized batch by batch and never held raw all at once.
pub fn read_source_into(input: &SourceInput, sink: &mut impl RecordSink) -> Result<IngestedSource, IngestError> {
    std::thread::scope(|scope| {
        // Three passes run side by side: the file's hash, the reader (decode and
        // parse) and the record builder below, linked by a bounded channel.
        let hash = scope.spawn(|| sha256_file(&input.path));
        let opened = open(input, false);
        let source = opened.and_then(|Opened { layout, rest, pending }| {
            // A Parquet file knows its row count: the sink is sized once.
            if let (_, Some(n)) = rest.size_hint() {
                sink.reserve(n + pending.len());
            }
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Item>>(8);
            scope.spawn(move || {
                let mut rest = rest;
                loop {
                    let batch: Vec<Item> = rest.by_ref().take(1024).collect();
                    if batch.is_empty() || tx.send(batch).is_err() {
                        break;
                    }
                }
            });
            Ok(build_records(input, layout, pending.into_iter().chain(rx.into_iter().flatten()), sink))
        });
        let (bytes, sha256) = hash.join().expect("the hashing thread does not panic")?;
        source.map(|s| IngestedSource { bytes, sha256, ..s })
    })
}

/// A quote opened and never closed makes the CSV reader take the rest of the file as one
/// field, so the cell count may still match the header: a record is taken for that when it
/// spans more physical lines than a real field holds (over 5), or when a line inside one
/// of its cells holds as many delimiters as a row of the file (it is further rows).
fn swallowed_rows(r: &Row, width: usize, newlines: usize) -> bool {
    if newlines > 5 {
        return true;
    }
    let needed = width.saturating_sub(1).max(2);
    r.cells.iter().filter(|c| c.contains('\n')).any(|c| c.lines().skip(1).any(|l| [',', ';', '\t', '|'].iter().any(|d| l.matches(*d).count() >= needed)))
}

/// Turns rows into records and quarantined rows; every row read lands in one of the two.
fn build_records(input: &SourceInput, layout: Layout, rows: impl Iterator<Item = Item>, records: &mut impl RecordSink) -> IngestedSource {
    let roles = &layout.columns.roles;
    let role_specific: Vec<Vec<usize>> = roles
        .iter()
        .map(|(role, cols)| input.schema.fields.iter().filter(|s| s.role.as_deref() == Some(role.as_str())).filter_map(|s| cols[s.name.index()]).collect())
        .collect();
    let mut quarantine = Vec::new();
    let mut rows_read = 0u64;
    let mut sizing = Sizing::new(&input.path, layout.format, roles.len());
    let name_columns = roles.iter().filter_map(|(_, cols)| cols[Field::FullName.index()]).collect();
    let mut report_rows = report_rows::ReportRows::new(&layout.headers, name_columns);
    for item in rows {
        sizing.observe(&item, rows_read, records);
        match item {
            Item::Bad { line, raw, reason } => {
                rows_read += 1;
                quarantine.push(QuarantineRow { source_row: line, source_row_end: line, reason, raw });
            }
            Item::Row(r) => {
                // Blank rows (Excel formatting, trailing newlines) are not rows.
                if r.cells.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                rows_read += 1;
                if let Some(q) = quarantine_reason(&r, &layout) {
                    quarantine.push(q);
                    continue;
                }
                if report_rows.is_report_row(&r.cells) {
                    let raw = r.joined(QUARANTINE_CELL_SEPARATOR);
                    quarantine.push(QuarantineRow { source_row: r.line, source_row_end: r.line, reason: QuarantineReason::NotARecord, raw });
                    continue;
                }
                let mut subjects = 0;
                for (ri, (_, cols)) in roles.iter().enumerate() {
                    // A second subject with nothing filled in (an unmarried column pair) is no record.
                    if roles.len() > 1 && role_specific[ri].iter().all(|c| r.cells.get(*c).is_none_or(|v| v.trim().is_empty())) {
                        continue;
                    }
                    records.push(record_of(&r, ri as u16, cols, &layout));
                    subjects += 1;
                }
                // Nothing is lost: a row with no subject at all goes to the quarantine.
                if subjects == 0 {
                    let raw = r.joined(QUARANTINE_CELL_SEPARATOR);
                    quarantine.push(QuarantineRow { source_row: r.line, source_row_end: r.line, reason: QuarantineReason::NoSubject, raw });
                }
            }
        }
    }
    IngestedSource {
        name: input.name.clone(),
        path: input.path.clone(),
        schema: input.schema.clone(),
        layout,
        bytes: 0,
        sha256: String::new(),
        rows_read,
        records: Vec::new(),
        quarantine,
    }
}

/// Growing a vector of millions of records by doubling copies it ~20 times: after
/// the first rows of a CSV file, the records vector is sized from its bytes per row.
struct Sizing {
    file_bytes: usize,
    sampled_bytes: usize,
    roles: usize,
}

/// Rows measured before the records vector is sized.
const SIZING_ROWS: u64 = 1024;

impl Sizing {
    fn new(path: &Path, format: Format, roles: usize) -> Sizing {
        let file_bytes = if format == Format::Csv { std::fs::metadata(path).map_or(0, |m| m.len() as usize) } else { 0 };
        Sizing { file_bytes, sampled_bytes: 0, roles }
    }

    fn observe(&mut self, item: &Item, rows_read: u64, records: &mut impl RecordSink) {
        if self.file_bytes == 0 || rows_read >= SIZING_ROWS {
            return;
        }
        if let Item::Row(r) = item {
            self.sampled_bytes += r.cells.as_slice().len() + r.cells.len() + 1;
        }
        if rows_read == SIZING_ROWS - 1 {
            let estimate = (self.file_bytes / self.sampled_bytes.max(1)) * SIZING_ROWS as usize * self.roles;
            records.reserve(estimate + estimate / 10);
        }
    }
}

/// Why a non-blank row cannot become records, if it cannot: undecodable bytes, an
/// unclosed quote that swallowed further rows, or (CSV) the wrong number of cells.
fn quarantine_reason(r: &Row, layout: &Layout) -> Option<QuarantineRow> {
    let width = layout.headers.len();
    let csv = layout.format == Format::Csv;
    let last_non_empty = || (0..r.cells.len()).rev().find(|&i| !r.cells[i].trim().is_empty()).map_or(0, |i| i + 1);
    // Line breaks inside the cells: the physical rows the record spans beyond its first.
    let newlines = if r.multiline { r.cells.iter().map(|c| c.trim_end_matches(['\n', '\r']).matches('\n').count()).sum::<usize>() } else { 0 };
    let reason = if r.cells.as_slice().contains('\u{FFFD}') {
        QuarantineReason::Undecodable
    } else if csv && r.multiline && swallowed_rows(r, width, newlines) {
        QuarantineReason::UnclosedQuote
    } else if csv && r.cells.len() != width && (r.cells.len() < width || last_non_empty() > width) {
        QuarantineReason::FieldCount
    } else {
        return None;
    };
    Some(QuarantineRow { source_row: r.line, source_row_end: r.line + newlines as u64, reason, raw: r.joined(QUARANTINE_CELL_SEPARATOR) })
}

/// A date of birth written in the men's or the women's column: the date, and the sex when no
/// sex column gives it. Both filled: both dates as written, which no date reads (the officer
/// sees them), and no sex.
fn dob_under_sex(values: &mut Values, men: &str, women: &str) {
    let (men, women) = (men.trim(), women.trim());
    let (dob, sex) = match (men.is_empty(), women.is_empty()) {
        (false, true) => (men.to_string(), Some("Nam")),
        (true, false) => (women.to_string(), Some("Nữ")),
        (false, false) => (format!("{men} | {women}"), None),
        (true, true) => return,
    };
    values.set(Field::Dob, &dob);
    if let Some(sex) = sex
        && values.get(Field::Sex).is_none()
    {
        values.set(Field::Sex, sex);
    }
}

/// One subject's record from a row: the mapped cells, and the findings the file itself
/// gives it (a legacy encoding, formulas without a saved value).
fn record_of(r: &Row, role: u16, cols: &[Option<usize>], layout: &Layout) -> RawRecord {
    let mut values = Values::with_capacity(r.cells.as_slice().len());
    for f in Field::ALL {
        if let Some(v) = cols[f.index()].and_then(|c| r.cells.get(c)) {
            values.set(f, v);
        }
    }
    if let Some([men, women]) = layout.columns.dob_by_sex {
        dob_under_sex(&mut values, r.cells.get(men).unwrap_or(""), r.cells.get(women).unwrap_or(""));
    }
    // A register still kept in TCVN3/VNI/... is itself a finding: Đề án 06 data is Unicode.
    let legacy_file = layout.encoding.is_some_and(|d| d.encoding.is_legacy());
    let mut findings = if legacy_file { vec![Finding::record(crate::finding::Code::TextLegacyEncoding)] } else { Vec::new() };
    for &c in &r.unsaved_formulas {
        if let Some(f) = Field::ALL.iter().find(|f| cols[f.index()] == Some(c as usize)) {
            findings.push(Finding::new(*f, crate::finding::Code::FormulaNoValue));
        }
    }
    let key = layout.key_column.and_then(|c| r.cells.get(c)).map(str::trim).filter(|k| !k.is_empty()).map(Box::from);
    RawRecord { source_row: r.line, key, role, values, findings }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn input(path: &Path, schema: &str) -> SourceInput {
        SourceInput {
            name: "t".into(),
            path: path.to_path_buf(),
            schema: Schema::built_in(schema).unwrap(),
            encoding: None,
            columns: HashMap::new(),
            sheet: None,
            key: None,
            limits: Default::default(),
        }
    }

    #[test]
    fn csv_with_title_block_numbering_and_broken_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ld.csv");
        let mut f = std::fs::File::create(&p).unwrap();
        write!(
            f,
            "DANH SÁCH NGƯỜI LAO ĐỘNG\nXã Quy Nhơn Bắc\nSTT,Họ và tên,Ngày sinh,Giới tính,Số CCCD\n(1),(2),(3),(4),(5)\n1,Nguyễn Văn An,01/02/1990,Nam,052090000001\n2,\"Trần Thị\nBình\",03/04/1991,Nữ,052191000002\n3,Lê Văn C,05/06/1992\n\n4,Phạm D,01/01/1980,Nam,052080000004\n"
        )
        .unwrap();
        let s = read_source(&input(&p, "labour")).unwrap();
        assert_eq!(s.layout.header_row, 3);
        assert_eq!(s.rows_read, 4);
        assert_eq!(s.records.len(), 3);
        assert_eq!(s.quarantine.len(), 1);
        assert_eq!(s.quarantine[0].source_row, 8);
        assert_eq!(s.quarantine[0].reason, QuarantineReason::FieldCount);
        assert_eq!(s.records[0].source_row, 5);
        assert_eq!(s.records[1].source_row, 6);
        assert_eq!(s.records[2].source_row, 10);
        assert_eq!(s.records[1].values.get(Field::FullName), Some("Trần Thị\nBình"));
        assert_eq!(s.records[0].values.get(Field::PersonId), Some("052090000001"));
    }

    #[test]
    fn a_date_of_birth_under_the_sex_gives_both() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("hv.csv");
        // "Năm sinh" over "Nam" and "Nữ", as the printed forms have it.
        let text = "STT,Họ và tên,Năm sinh,,Số CCCD\n,,Nam,Nữ,\n1,Nguyễn Văn An,1990,,052090000001\n2,Trần Thị Hoa,,1985,052185000002\n3,Lê Văn C,1970,1971,\n";
        std::fs::write(&p, text).unwrap();
        let s = read_source(&input(&p, "labour")).unwrap();
        assert_eq!(s.layout.columns.dob_by_sex, Some([2, 3]));
        let got: Vec<(Option<&str>, Option<&str>)> = s.records.iter().map(|r| (r.values.get(Field::Dob), r.values.get(Field::Sex))).collect();
        assert_eq!(got, [(Some("1990"), Some("Nam")), (Some("1985"), Some("Nữ")), (Some("1970 | 1971"), None)]);
    }

    #[test]
    fn invalid_utf8_rows_are_quarantined_as_undecodable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.csv");
        let mut bytes = "\u{FEFF}Họ và tên,Ngày sinh,Giới tính,Số CCCD\nA B,01/01/1990,Nam,052090000001\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"C \xFF\xFE D,01/01/1991,N\xC3,052191000002\nE F,01/01/1992,Nam,052092000003\n");
        std::fs::write(&p, bytes).unwrap();
        let s = read_source(&input(&p, "labour")).unwrap();
        assert_eq!(s.layout.headers[0], "Họ và tên", "the BOM is not part of the first header");
        assert_eq!(s.records.iter().map(|r| r.source_row).collect::<Vec<_>>(), vec![2, 4]);
        assert_eq!(s.quarantine.len(), 1);
        assert_eq!((s.quarantine[0].source_row, s.quarantine[0].reason), (3, QuarantineReason::Undecodable));
        assert_eq!(s.rows_read, 3);
    }

    #[test]
    fn a_row_with_no_subject_is_quarantined_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kt.csv");
        let header = "Họ tên người chết,Ngày sinh,Số CCCD,Ngày chết,Họ tên người đi khai,Số CCCD người đi khai,Nơi đăng ký,Ngày đăng ký\n";
        let rows =
            "Lê Văn C,1940,052040000001,01/02/2026,,,Xã An Nhơn,05/02/2026\n,,,,,,Xã An Nhơn,06/02/2026\n,,,,Lê Thị D,052070000002,Xã An Nhơn,07/02/2026\n";
        std::fs::write(&p, format!("{header}{rows}")).unwrap();
        let s = read_source(&input(&p, "civil_death")).unwrap();
        assert_eq!(s.rows_read, 3);
        assert_eq!(s.records.iter().map(|r| (r.source_row, r.role)).collect::<Vec<_>>(), vec![(2, 0), (4, 1)]);
        assert_eq!(s.quarantine.iter().map(|q| (q.source_row, q.reason)).collect::<Vec<_>>(), vec![(3, QuarantineReason::NoSubject)]);
    }

    #[test]
    fn crlf_files_report_physical_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("crlf.csv");
        std::fs::write(&p, "Họ và tên,Ngày sinh,Giới tính,Số CCCD\r\nA B,01/01/1990,Nam,052090000001\r\nC D,01/01/1991,Nữ,052191000002\r\n").unwrap();
        let s = read_source(&input(&p, "labour")).unwrap();
        assert_eq!(s.records.iter().map(|r| r.source_row).collect::<Vec<_>>(), vec![2, 3]);
    }

    #[test]
    fn missing_required_column_is_a_job_error_naming_headers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "Họ và tên,Ngày sinh,Giới tính\nA,1990,Nam\n").unwrap();
        let e = read_source(&input(&p, "labour")).err().unwrap().to_string();
        assert!(e.contains("person_id") && e.contains("Họ và tên, Ngày sinh, Giới tính"), "{e}");
    }
}
