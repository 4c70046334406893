//! Ingest: read each source file, find its header row, map headers to canonical
//! fields, and turn every row into records — or into the quarantine, with a
//! reason. Nothing is lost: rows read = rows kept + rows quarantined.
//!
//! This file opens a source and runs the readers; `header` finds and checks the header,
//! `build` turns rows into records, `record` holds what comes out, `error` what stops a
//! source. The readers: `csv` (with `decode`), `xlsx` (with `merged` cells); a columnar
//! format's reader is handed in by the caller ([`Readers`]: the engine's reads Parquet).

mod build;
mod csv;
pub mod decode;
mod error;
mod header;
pub mod keys;
pub mod limits;
mod merged;
mod record;
mod report_rows;
#[cfg(feature = "excel")]
mod xlsx;

pub use error::IngestError;
pub use header::key_position;
pub use record::{Item, Items, Row};
pub use record::{QUARANTINE_CELL_SEPARATOR, QuarantineReason, QuarantineRow, RawRecord, RecordSink, Values};
/// The one way any workbook is read (a register, a returned worklist, a probe): under the
/// job's limits, a reader's panic contained, its errors in lamsach's words. Outside ingest,
/// the engine's decision inbox reads returned worklists with it.
#[cfg(feature = "excel")]
pub use xlsx::Workbook;
#[cfg(feature = "excel")]
pub use xlsx::{Cause as WorkbookCause, WorkbookError};

use crate::schema::{ColumnMap, Schema};
use crate::text::legacy::{Detection, Encoding};
use header::{HEADER_SEARCH_ROWS, check_columns, find_header, header_at, is_numbering_row, key_column};
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

/// A reader of a file into rows, its column names first (as the header row).
pub type ReadRows = fn(&SourceInput) -> Result<Items, IngestError>;

/// The readers of formats the core does not read itself. The core reads CSV and, with the
/// `excel` feature, workbooks; the engine hands in its Parquet reader
/// (`lamsach_engine::READERS`). A file of a format without its reader is refused as such
/// ([`IngestError::NoReader`]).
#[derive(Clone, Copy, Debug)]
pub struct Readers {
    /// A Parquet file's rows in file order.
    pub parquet: Option<ReadRows>,
}

impl Readers {
    /// CSV and (with `excel`) workbooks only.
    pub const CORE: Readers = Readers { parquet: None };
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

/// Below this detection confidence a file's encoding must be set in the job.
pub const MIN_ENCODING_CONFIDENCE: f32 = 0.5;

struct Opened {
    layout: Layout,
    rest: Items,
    /// Rows already pulled from the reader that come after the header.
    pending: Vec<Item>,
}

/// A file's rows, decoded, the text encoding found (CSV only) and the cells merged down
/// (workbooks only).
struct Rows {
    items: Items,
    encoding: Option<Detection>,
    merged: Vec<merged::MergedDown>,
}

/// `probe`: only the rows a header is looked for in, without the cells merged down.
#[cfg_attr(not(feature = "excel"), expect(unused_variables, reason = "`probe` only limits a workbook's rows"))]
fn read_rows(input: &SourceInput, readers: &Readers, format: Format, probe: bool) -> Result<Rows, IngestError> {
    let path = &input.path;
    let file = crate::files::Shown::from(path.as_path());
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
        Format::Parquet => match readers.parquet {
            Some(rows) => Rows { items: rows(input)?, encoding: None, merged: Vec::new() },
            None => return Err(IngestError::NoReader { file, format: "Parquet" }),
        },
        #[cfg(not(feature = "excel"))]
        Format::Excel => return Err(IngestError::NoReader { file, format: "Excel" }),
    })
}

fn open(input: &SourceInput, readers: &Readers, probe: bool) -> Result<Opened, IngestError> {
    let path = &input.path;
    if !path.exists() {
        return Err(IngestError::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")));
    }
    let format = Format::of(path).ok_or_else(|| IngestError::UnknownFormat { file: path.as_path().into() })?;
    let Rows { items: mut it, encoding, merged } = read_rows(input, readers, format, probe)?;
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
        (pending, Box::new(it.map(move |i| fill.apply(i))) as Items)
    };
    let columns = input.schema.map_columns(&headers, &input.columns);
    check_columns(input, header_row.line, &headers, &columns)?;
    let key_column = key_column(input, header_row.line, &headers)?;
    Ok(Opened { layout: Layout { format, encoding, header_row: header_row.line, headers, columns, key_column }, rest: it, pending })
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
    let source = build::build_records(input, layout, items, &mut records);
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
            // A workbook's sheet: the core's own reader.
            match probe(&SourceInput { sheet: Some(name.clone()), ..input.clone() }, &Readers::CORE) {
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
    let rows = read_rows(input, &Readers::CORE, Format::Excel, true).ok()?;
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
pub fn probe(input: &SourceInput, readers: &Readers) -> Result<Layout, IngestError> {
    open(input, readers, true).map(|o| o.layout)
}

/// Size and SHA-256 of a file (the manifest's and the reference cache's key).
pub fn sha256_file(path: &Path) -> Result<(u64, String), IngestError> {
    crate::files::sha256(path).map_err(|e| IngestError::io(path, e))
}

/// Reads a whole source into records and quarantined rows, hashing the file as it goes.
pub fn read_source(input: &SourceInput, readers: &Readers) -> Result<IngestedSource, IngestError> {
    let mut records = Vec::new();
    let source = read_source_into(input, readers, &mut records)?;
    Ok(IngestedSource { records, ..source })
}

/// [`read_source`], handing each record to `sink` as it is built instead of keeping
/// them (the returned source has no records): the reference extract of a whole province
/// is normalized batch by batch and never held raw all at once.
pub fn read_source_into(input: &SourceInput, readers: &Readers, sink: &mut impl RecordSink) -> Result<IngestedSource, IngestError> {
    std::thread::scope(|scope| {
        // Three passes run side by side: the file's hash, the reader (decode and
        // parse) and the record builder below, linked by a bounded channel.
        let hash = scope.spawn(|| sha256_file(&input.path));
        let opened = open(input, readers, false);
        let source = opened.map(|Opened { layout, rest, pending }| {
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
            build::build_records(input, layout, pending.into_iter().chain(rx.into_iter().flatten()), sink)
        });
        let (bytes, sha256) = hash.join().expect("the hashing thread does not panic")?;
        source.map(|s| IngestedSource { bytes, sha256, ..s })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
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

    /// A stand-in for the engine's Parquet reader: a header row and one record.
    fn two_rows(_: &SourceInput) -> Result<Items, IngestError> {
        let row = |line: u64, cells: &[&str]| {
            Item::Row(Row { line, cells: ::csv::StringRecord::from(cells.to_vec()), multiline: false, unsaved_formulas: Vec::new() })
        };
        Ok(Box::new(
            vec![row(0, &["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"]), row(1, &["Nguyễn Văn An", "01/02/1990", "Nam", "052090000001"])].into_iter(),
        ))
    }

    #[test]
    fn a_columnar_file_is_read_by_the_reader_handed_in_and_refused_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.parquet");
        std::fs::write(&p, b"not read by the core").unwrap();
        let e = read_source(&input(&p, "labour"), &Readers::CORE).err().unwrap();
        assert!(matches!(e, IngestError::NoReader { format: "Parquet", .. }), "{e}");
        assert!(!e.to_string().contains("unsupported"), "a format lamsach reads is not called unsupported: {e}");
        let s = read_source(&input(&p, "labour"), &Readers { parquet: Some(two_rows) }).unwrap();
        assert_eq!((s.records.len(), s.records[0].source_row), (1, 1));
        assert_eq!(s.records[0].values.get(Field::FullName), Some("Nguyễn Văn An"));
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
        let s = read_source(&input(&p, "labour"), &Readers::CORE).unwrap();
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
        let s = read_source(&input(&p, "labour"), &Readers::CORE).unwrap();
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
        let s = read_source(&input(&p, "labour"), &Readers::CORE).unwrap();
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
        let s = read_source(&input(&p, "civil_death"), &Readers::CORE).unwrap();
        assert_eq!(s.rows_read, 3);
        assert_eq!(s.records.iter().map(|r| (r.source_row, r.role)).collect::<Vec<_>>(), vec![(2, 0), (4, 1)]);
        assert_eq!(s.quarantine.iter().map(|q| (q.source_row, q.reason)).collect::<Vec<_>>(), vec![(3, QuarantineReason::NoSubject)]);
    }

    #[test]
    fn crlf_files_report_physical_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("crlf.csv");
        std::fs::write(&p, "Họ và tên,Ngày sinh,Giới tính,Số CCCD\r\nA B,01/01/1990,Nam,052090000001\r\nC D,01/01/1991,Nữ,052191000002\r\n").unwrap();
        let s = read_source(&input(&p, "labour"), &Readers::CORE).unwrap();
        assert_eq!(s.records.iter().map(|r| r.source_row).collect::<Vec<_>>(), vec![2, 3]);
    }

    #[test]
    fn missing_required_column_is_a_job_error_naming_headers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        std::fs::write(&p, "Họ và tên,Ngày sinh,Giới tính\nA,1990,Nam\n").unwrap();
        let e = read_source(&input(&p, "labour"), &Readers::CORE).err().unwrap().to_string();
        assert!(e.contains("person_id") && e.contains("Họ và tên, Ngày sinh, Giới tính"), "{e}");
    }
}
