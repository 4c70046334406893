//! Excel workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods) through calamine, read within the job's
//! [`ReadLimits`]: cells as text as an officer sees them, with the sheet's real row numbers.
//!
//! A workbook is made by someone else, so it is read as hostile: every part of a zip-based
//! workbook is inflated into nothing and counted before a reader opens it (a 5 MB file can
//! inflate to gigabytes); an .xlsx or .xlsb sheet is read as a stream of cells, never as its
//! declared extent (one cell at XFD1048576 would make that 17 billion cells); and every error is
//! put in lamsach's own words, since the readers' messages can quote a cell.

use super::limits::{Limit, OverLimit, ReadLimits};
use super::merged::MergedDown;
use super::{IngestError, Item, Items, Row};
use crate::calendar::PartialDate;
use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsb, Xlsx};
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

/// Formats a cell as text: integral numbers without ".0" (IDs keep their
/// digits), dates as dd/mm/yyyy, never a serial number.
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{:.0}", f)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            if dt.is_datetime() && serial >= 1.0 {
                // calamine knows the workbook's date system (1900, or 1904 from old Mac Excel).
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                PartialDate::ymd(y as i32, m, d).display_vi()
            } else {
                serial.to_string()
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// [`cell_text`] of a cell the reader handed over: its text moved, not copied again.
fn owned_text(d: Data) -> String {
    match d {
        Data::String(s) => s,
        other => cell_text(&other),
    }
}

/// Why a workbook (or one of its sheets) cannot be read: where, and the cause in words that
/// never quote a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkbookError {
    /// The sheet, when one is at fault.
    pub sheet: Option<String>,
    /// The sheet row (1-based): the cell at fault, or the last one read before an error.
    pub row: Option<u64>,
    /// The column (1-based), when one cell is at fault.
    pub column: Option<u64>,
    pub cause: Cause,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// A limit crossed: the file may be genuine and larger than the job allows.
    Over(OverLimit),
    /// The reader refused the file: a phrase of ours, not the reader's message.
    Unreadable(&'static str),
    /// The job names a sheet the workbook lacks (sheet names are not personal data).
    NoSheet {
        wanted: String,
        sheets: Vec<String>,
    },
    NoSheets,
}

impl std::fmt::Display for WorkbookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut at = Vec::new();
        if let Some(s) = &self.sheet {
            at.push(format!("sheet \"{}\"", crate::files::escape_controls(s)));
        }
        if let Some(r) = self.row {
            at.push(format!("row {r}"));
        }
        if let Some(c) = self.column {
            at.push(format!("column {}", column_letters(c)));
        }
        if !at.is_empty() {
            write!(f, "{}: ", at.join(", "))?;
        }
        match &self.cause {
            Cause::Over(o) => write!(f, "{o}; if the file is genuine, raise the limit, else ask its sender for a clean export"),
            Cause::Unreadable(c) => write!(f, "{c}; open it in Excel or LibreOffice and save it again as .xlsx"),
            Cause::NoSheet { wanted, sheets } => {
                let names: Vec<String> = sheets.iter().map(|n| crate::files::escape_controls(n)).collect();
                write!(f, "no sheet named '{}'; sheets: {}", crate::files::escape_controls(wanted), names.join(", "))
            }
            Cause::NoSheets => write!(f, "the workbook has no sheets"),
        }
    }
}

impl std::error::Error for WorkbookError {}

impl WorkbookError {
    fn of(cause: Cause) -> WorkbookError {
        WorkbookError { sheet: None, row: None, column: None, cause }
    }

    fn unreadable(e: &calamine::Error) -> WorkbookError {
        WorkbookError::of(Cause::Unreadable(cause_of(e)))
    }

    pub(crate) fn into_ingest(self, path: &Path) -> IngestError {
        IngestError::Excel { file: path.into(), source: Box::new(self) }
    }
}

/// Excel's column letters for a 1-based column number (1 = A, 27 = AA).
fn column_letters(mut n: u64) -> String {
    let mut out = Vec::new();
    while n > 0 {
        let d = ((n - 1) % 26) as u8;
        out.push(b'A' + d);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The reader's error as a phrase of ours: its own message may quote a cell's text.
fn cause_of(e: &calamine::Error) -> &'static str {
    use calamine::XlsxError as X;
    match e {
        calamine::Error::Io(_) => "the file cannot be read from disk",
        calamine::Error::Xlsx(x) => match x {
            X::Io(_) => "the file cannot be read from disk",
            X::Zip(_) => "it is not a valid .xlsx package (damaged, or another kind of file renamed)",
            X::Xml(_) | X::XmlAttr(_) | X::XmlEof(_) | X::UnexpectedNode(_) | X::Unexpected(_) => "its XML cannot be parsed (a damaged or hand-made file)",
            X::CellTAttribute(_) | X::Unrecognized { .. } => "a cell's value does not fit the type the cell declares (such as text in a true/false cell)",
            X::FileNotFound(_) | X::RelationshipNotFound | X::WorksheetNotFound(_) => "a part the workbook names is missing",
            X::Alphanumeric(_)
            | X::NumericColumn(_)
            | X::RangeWithoutColumnComponent
            | X::RangeWithoutRowComponent
            | X::ColumnNumberOverflow
            | X::RowNumberOverflow
            | X::DimensionCount(_) => "a cell's position is not a valid cell reference",
            _ => "it holds content the Excel reader does not accept",
        },
        calamine::Error::Xls(_) => "the .xls workbook cannot be read",
        calamine::Error::Xlsb(_) => "the .xlsb workbook cannot be read",
        calamine::Error::Ods(_) => "the .ods workbook cannot be read",
        _ => "it holds content the Excel reader does not accept",
    }
}

/// A reader's panic on this file, contained ([`crate::guard`]).
const READER_STOPPED: &str = "the Excel reader stopped on this file (a damaged or hand-made file)";

/// The kinds of workbook, by extension (as `open_workbook_auto` tells them apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

impl Kind {
    fn of(path: &Path) -> Kind {
        match path.extension().map(|x| x.to_string_lossy().to_ascii_lowercase()).as_deref() {
            Some("xlsb") => Kind::Xlsb,
            Some("xls" | "xla") => Kind::Xls,
            Some("ods") => Kind::Ods,
            _ => Kind::Xlsx,
        }
    }

    /// Whether a zip part is a worksheet read as a stream (else it is read whole).
    fn streams(self, part: &str) -> bool {
        matches!(self, Kind::Xlsx | Kind::Xlsb) && part.starts_with("xl/worksheets/") && !part.contains("/_rels/")
    }
}

/// Zip parts a workbook may hold: more is not a workbook (each costs the reader a lookup).
const MAX_PARTS: usize = 10_000;

/// Inflates every part of a zip-based workbook into nothing, counting, before a reader sees it:
/// a part read whole stays under `part_bytes`, a streamed worksheet under `sheet_bytes`. The
/// sizes a zip declares are not trusted; the bytes are counted.
fn check_parts(file: &File, kind: Kind, limits: &ReadLimits) -> Result<(), WorkbookError> {
    let reader = BufReader::new(file.try_clone().map_err(|_| WorkbookError::of(Cause::Unreadable("the file cannot be read from disk")))?);
    let not_zip = || WorkbookError::of(Cause::Unreadable("it is not a valid .xlsx package (damaged, or another kind of file renamed)"));
    let mut zip = zip::ZipArchive::new(reader).map_err(|_| not_zip())?;
    if zip.len() > MAX_PARTS {
        return Err(WorkbookError::of(Cause::Unreadable("it holds more parts than any workbook does")));
    }
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| not_zip())?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let limit = if kind.streams(&name) { Limit::SheetBytes } else { Limit::PartBytes };
        let cap = limit.of(limits);
        let over = WorkbookError::of(Cause::Over(OverLimit::new(limit, limits)));
        if part.size() > cap {
            return Err(over);
        }
        let n = std::io::copy(&mut (&mut part).take(cap + 1), &mut std::io::sink()).map_err(|_| not_zip())?;
        if n > cap {
            return Err(over);
        }
    }
    Ok(())
}

/// An open workbook whose parts were checked.
pub struct Workbook {
    sheets: calamine::Sheets<BufReader<File>>,
    limits: ReadLimits,
}

impl Workbook {
    /// Opens a workbook from a file already opened (a regular file: the caller looked).
    pub fn open(file: File, path: &Path, limits: &ReadLimits) -> Result<Workbook, WorkbookError> {
        let kind = Kind::of(path);
        if kind != Kind::Xls {
            crate::guard::contained(|| check_parts(&file, kind, limits)).map_err(|_| WorkbookError::of(Cause::Unreadable(READER_STOPPED)))??;
        }
        let mut file = file;
        file.rewind().map_err(|_| WorkbookError::of(Cause::Unreadable("the file cannot be read from disk")))?;
        let rs = BufReader::new(file);
        let opened = crate::guard::contained(|| match kind {
            Kind::Xlsx => calamine::open_workbook_from_rs::<Xlsx<_>, _>(rs).map(calamine::Sheets::Xlsx).map_err(calamine::Error::Xlsx),
            Kind::Xlsb => calamine::open_workbook_from_rs::<Xlsb<_>, _>(rs).map(calamine::Sheets::Xlsb).map_err(calamine::Error::Xlsb),
            Kind::Xls => calamine::open_workbook_from_rs::<Xls<_>, _>(rs).map(calamine::Sheets::Xls).map_err(calamine::Error::Xls),
            Kind::Ods => calamine::open_workbook_from_rs::<Ods<_>, _>(rs).map(calamine::Sheets::Ods).map_err(calamine::Error::Ods),
        });
        let sheets = opened.map_err(|_| WorkbookError::of(Cause::Unreadable(READER_STOPPED)))?.map_err(|e| WorkbookError::unreadable(&e))?;
        Ok(Workbook { sheets, limits: *limits })
    }

    pub fn sheet_names(&self) -> Vec<String> {
        self.sheets.sheet_names()
    }

    /// The named sheet, or the first.
    pub fn pick(&self, sheet: Option<&str>) -> Result<String, WorkbookError> {
        let names = self.sheet_names();
        match sheet {
            Some(s) => names
                .iter()
                .find(|n| n.as_str() == s)
                .cloned()
                .ok_or_else(|| WorkbookError::of(Cause::NoSheet { wanted: s.to_string(), sheets: names.clone() })),
            None => names.first().cloned().ok_or_else(|| WorkbookError::of(Cause::NoSheets)),
        }
    }

    /// One sheet's rows that hold a value, in row order; `head`: only the first that many.
    pub fn rows(&mut self, name: &str, head: Option<usize>) -> Result<Vec<Row>, WorkbookError> {
        let mut rows: Vec<Row> = Vec::new();
        let mut in_order = true;
        self.each_row(name, |row| {
            in_order &= rows.last().is_none_or(|last| last.line < row.line);
            rows.push(row);
            head.is_none_or(|h| rows.len() < h)
        })?;
        if !in_order {
            rows = in_row_order(rows);
        }
        Ok(rows)
    }

    /// Hands each row that holds a value to `take` as the sheet's stream ends it, holding only
    /// that row; `take` returns false to stop. Rows come in the file's order (a hand-made sheet
    /// may write them out of order, or one row twice).
    pub fn each_row(&mut self, name: &str, take: impl FnMut(Row) -> bool) -> Result<(), WorkbookError> {
        let mut grid = Grid::new(self.limits, take);
        let sheets = &mut self.sheets;
        let read = crate::guard::contained(|| match sheets {
            calamine::Sheets::Xlsx(x) => stream_xlsx(x, name, &mut grid),
            calamine::Sheets::Xlsb(x) => stream_xlsb(x, name, &mut grid),
            other => {
                // .xls and .ods are read whole by their readers (an .xls sheet is at most
                // 65,536 × 256 cells; an .ods's content was counted against part_bytes).
                match other.worksheet_range(name) {
                    Ok(range) => {
                        let (row0, col0) = range.start().unwrap_or((0, 0));
                        range
                            .cells()
                            .filter(|(_, _, d)| !matches!(d, Data::Empty))
                            .try_for_each(|(r, c, d)| grid.put(row0 + r as u32, col0 + c as u32, cell_text(d), false))
                    }
                    Err(e) => Err(Some(WorkbookError::unreadable(&e))),
                }
            }
        })
        .unwrap_or_else(|_| Err(Some(WorkbookError::of(Cause::Unreadable(READER_STOPPED)))));
        match read.and_then(|()| grid.end_row()) {
            Ok(()) | Err(None) => Ok(()),
            Err(Some(mut e)) => {
                e.sheet = Some(name.to_string());
                Err(e)
            }
        }
    }

    /// The cells merged over several rows of an .xlsx sheet (the merges follow the cells in
    /// the sheet's XML: read again, but not parsed as cells).
    pub(crate) fn merged_down(&mut self, name: &str) -> Vec<MergedDown> {
        let sheets = &mut self.sheets;
        let merged = crate::guard::contained(|| match sheets {
            calamine::Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
        merged
            .iter()
            .filter(|d| d.end.0 > d.start.0)
            .map(|d| MergedDown { first_line: d.start.0 as u64 + 1, last_line: d.end.0 as u64 + 1, col: d.start.1 as usize })
            .collect()
    }
}

/// `Err(None)`: the rows wanted were read (a probe); `Err(Some(e))`: the sheet cannot be read.
type Step = Result<(), Option<WorkbookError>>;

fn stream_xlsx(x: &mut Xlsx<BufReader<File>>, name: &str, grid: &mut Grid<impl FnMut(Row) -> bool>) -> Step {
    let mut cells = x.worksheet_cells_reader(name).map_err(|e| Some(WorkbookError::unreadable(&calamine::Error::Xlsx(e))))?;
    loop {
        let cell = match cells.next_cell_with_formula() {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(()),
            Err(e) => return Err(Some(grid.failed(&calamine::Error::Xlsx(e)))),
        };
        let text = owned_text(Data::from(cell.value));
        // A formula whose result was never saved (a workbook written by a tool that does not
        // compute) reads as empty: the formula says which empty cells those are.
        let unsaved = text.is_empty() && cell.formula.is_some_and(|f| !f.is_empty());
        if !text.is_empty() || unsaved {
            grid.put(cell.pos.0, cell.pos.1, text, unsaved)?;
        }
    }
}

fn stream_xlsb(x: &mut Xlsb<BufReader<File>>, name: &str, grid: &mut Grid<impl FnMut(Row) -> bool>) -> Step {
    let mut cells = x.worksheet_cells_reader(name).map_err(|e| Some(WorkbookError::unreadable(&calamine::Error::Xlsb(e))))?;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(()),
            Err(e) => return Err(Some(grid.failed(&calamine::Error::Xlsb(e)))),
        };
        let value: DataRef = cell.get_value().clone();
        let text = owned_text(Data::from(value));
        if !text.is_empty() {
            grid.put(cell.get_position().0, cell.get_position().1, text, false)?;
        }
    }
}

/// A sheet's rows gathered from its cells within the limits, one row at a time: only rows
/// that hold a value, each as wide as its last value, so the memory taken is what the limits
/// count. Each row is handed on when the stream leaves it.
struct Grid<F> {
    limits: ReadLimits,
    take: F,
    /// The row being read.
    row: Option<RowCells>,
    /// The last row handed on, for a reader's error to name.
    last_line: Option<u64>,
    /// Cells handed on so far, each row counted up to its last value.
    dense: u64,
}

impl<F: FnMut(Row) -> bool> Grid<F> {
    fn new(limits: ReadLimits, take: F) -> Grid<F> {
        Grid { limits, take, row: None, last_line: None, dense: 0 }
    }

    fn over(&self, limit: Limit, row: u32, col: u32) -> Option<WorkbookError> {
        Some(WorkbookError { sheet: None, row: Some(row as u64 + 1), column: Some(col as u64 + 1), cause: Cause::Over(OverLimit::new(limit, &self.limits)) })
    }

    /// The reader's error, placed after the last row read.
    fn failed(&self, e: &calamine::Error) -> WorkbookError {
        let row = self.row.as_ref().map(|r| r.row as u64 + 1).or(self.last_line);
        WorkbookError { sheet: None, row, column: None, cause: Cause::Unreadable(cause_of(e)) }
    }

    fn put(&mut self, row: u32, col: u32, text: String, unsaved: bool) -> Step {
        if row as u64 >= self.limits.sheet_rows {
            return Err(self.over(Limit::SheetRows, row, col));
        }
        if col as u64 >= self.limits.sheet_columns {
            return Err(self.over(Limit::SheetColumns, row, col));
        }
        if self.row.as_ref().is_some_and(|r| r.row != row) {
            self.end_row()?;
        }
        let width = self.row.as_ref().map_or(0, |r| r.width);
        let grows = (col as u64 + 1).saturating_sub(width);
        if self.dense + grows > self.limits.sheet_cells {
            return Err(self.over(Limit::SheetCells, row, col));
        }
        self.dense += grows;
        let r = self.row.get_or_insert_with(|| RowCells { row, cells: Vec::new(), unsaved: Vec::new(), width: 0 });
        r.width += grows;
        if unsaved {
            r.unsaved.push(col as u16);
        }
        r.cells.push((col, text));
        Ok(())
    }

    /// Hands the row being read on; `Err(None)` when the taker wants no more.
    fn end_row(&mut self) -> Step {
        let Some(RowCells { row, cells, unsaved, .. }) = self.row.take() else { return Ok(()) };
        let line = row as u64 + 1;
        self.last_line = Some(line);
        if (self.take)(Row { line, cells: dense(cells), multiline: false, unsaved_formulas: unsaved }) { Ok(()) } else { Err(None) }
    }
}

/// The cells of the row being read: its 0-based number, cells by 0-based column, the columns
/// of formulas without a saved value, and its width (its last value's column + 1).
struct RowCells {
    row: u32,
    cells: Vec<(u32, String)>,
    unsaved: Vec<u16>,
    width: u64,
}

/// A row's cells as a record, a column each up to its last value (a cell written twice: the
/// last one, as in Excel).
fn dense(mut cells: Vec<(u32, String)>) -> ::csv::StringRecord {
    if !cells.is_sorted_by_key(|c| c.0) {
        cells.reverse();
        cells.sort_by_key(|c| c.0); // stable: of a column's cells, the last written first
        cells.dedup_by_key(|c| c.0);
    }
    let width = cells.last().map_or(0, |c| c.0 as usize + 1);
    let mut record = ::csv::StringRecord::with_capacity(cells.iter().map(|c| c.1.len()).sum(), width);
    let mut next = 0;
    for (col, text) in cells {
        while next < col {
            record.push_field("");
            next += 1;
        }
        record.push_field(&text);
        next += 1;
    }
    record
}

/// Rows a sheet wrote out of order, in row order; a row written twice is one, its later cells
/// winning.
fn in_row_order(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by_key(|r| r.line); // stable: a row's parts stay in the file's order
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for r in rows {
        match out.last_mut() {
            Some(last) if last.line == r.line => {
                let cells = last.cells.iter().enumerate().chain(r.cells.iter().enumerate()).filter(|(_, t)| !t.is_empty());
                last.cells = dense(cells.map(|(c, t)| (c as u32, t.to_string())).collect());
                last.unsaved_formulas.extend(r.unsaved_formulas);
            }
            _ => out.push(r),
        }
    }
    out
}

/// Opens a register's workbook: a regular file, its parts counted.
fn open_register(path: &Path, limits: &ReadLimits) -> Result<Workbook, IngestError> {
    let file = crate::files::open_regular(path).map_err(|e| IngestError::io(path, e))?;
    Workbook::open(file, path, limits).map_err(|e| e.into_ingest(path))
}

/// The workbook's sheet names, in workbook order. An .xlsx is read from its
/// `xl/workbook.xml` alone: opening it through calamine parses every shared string first
/// (19 MB of them in a 125,000-row roster), and most workbooks have one sheet.
pub fn sheet_names(path: &Path, limits: &ReadLimits) -> Result<Vec<String>, IngestError> {
    if Kind::of(path) == Kind::Xlsx
        && let Some(names) = xlsx_sheet_names(path, limits)?.filter(|n| !n.is_empty())
    {
        return Ok(names);
    }
    Ok(open_register(path, limits)?.sheet_names())
}

/// `None` when the file is no zip with a workbook part (calamine then says what it is). The
/// part is inflated and counted before it is read into memory.
fn xlsx_sheet_names(path: &Path, limits: &ReadLimits) -> Result<Option<Vec<String>>, IngestError> {
    let file = crate::files::open_regular(path).map_err(|e| IngestError::io(path, e))?;
    let Ok(mut zip) = zip::ZipArchive::new(BufReader::new(file)) else { return Ok(None) };
    let cap = limits.part_bytes;
    let counted = match zip.by_name("xl/workbook.xml") {
        Ok(part) => std::io::copy(&mut part.take(cap + 1), &mut std::io::sink()),
        Err(_) => return Ok(None),
    };
    match counted {
        Ok(n) if n > cap => return Err(WorkbookError::of(Cause::Over(OverLimit::new(Limit::PartBytes, limits))).into_ingest(path)),
        Ok(_) => {}
        Err(_) => return Ok(None),
    }
    let mut xml = Vec::new();
    let Ok(part) = zip.by_name("xl/workbook.xml") else { return Ok(None) };
    if part.take(cap).read_to_end(&mut xml).is_err() {
        return Ok(None);
    }
    Ok(sheet_names_in(&xml))
}

/// The `name` of each `<sheet>` element of a workbook part (any namespace prefix, either quote),
/// unescaped by an XML parser. `None` when the XML cannot be parsed.
fn sheet_names_in(workbook_xml: &[u8]) -> Option<Vec<String>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(workbook_xml);
    let mut buf = Vec::new();
    let mut names = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                for a in e.attributes().with_checks(false).flatten() {
                    if a.key.local_name().as_ref() == "name" {
                        names.push(a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok()?.into_owned());
                    }
                }
            }
            Event::Eof => return Some(names),
            _ => {}
        }
        buf.clear();
    }
}

/// Reads one sheet (the named one or the first) as rows of text cells, with its cells merged
/// over several rows (.xlsx only). `head`: only the first that many rows that hold a value
/// (a probe, which also skips the merges).
pub(crate) fn rows(path: &Path, sheet: Option<&str>, limits: &ReadLimits, head: Option<usize>) -> Result<(Items, Vec<MergedDown>), IngestError> {
    let mut wb = open_register(path, limits)?;
    let name = wb.pick(sheet).map_err(|e| e.into_ingest(path))?;
    let rows = wb.rows(&name, head).map_err(|e| e.into_ingest(path))?;
    let merged = if head.is_none() { wb.merged_down(&name) } else { Vec::new() };
    Ok((Box::new(rows.into_iter().map(Item::Row)), merged))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn sheet_names_come_from_the_workbook_part_in_order() {
        let xml = r#"<workbook><sheets><sheet name="Hướng dẫn" sheetId="1" r:id="rId1"/><sheet name="Xã A &amp; B" sheetId="2" state="hidden" r:id="rId2"/><sheet name="Data sheet 3" sheetId="3"/></sheets></workbook>"#;
        assert_eq!(sheet_names_in(xml.as_bytes()).unwrap(), ["Hướng dẫn", "Xã A & B", "Data sheet 3"]);
        let prefixed = r#"<x:workbook><x:sheets><x:sheet name="Trang &#273;&#x1EA7;u" sheetId="1"/></x:sheets></x:workbook>"#;
        assert_eq!(sheet_names_in(prefixed.as_bytes()).unwrap(), ["Trang đầu"]);
        // Attributes in single quotes are as valid XML as in double ones.
        let single = r#"<workbook><sheets><sheet name='Xã A' sheetId='1'/><sheet name='Xã B' sheetId='2'/></sheets></workbook>"#;
        assert_eq!(sheet_names_in(single.as_bytes()).unwrap(), ["Xã A", "Xã B"]);
    }

    #[test]
    fn dates_follow_the_workbooks_date_system() {
        // 5 March 1990 is serial 32937 in the 1900 system and 31475 in the 1904 one.
        let in_1900 = Data::DateTime(ExcelDateTime::new(32937.0, ExcelDateTimeType::DateTime, false));
        let in_1904 = Data::DateTime(ExcelDateTime::new(31475.0, ExcelDateTimeType::DateTime, true));
        assert_eq!(cell_text(&in_1900), "05/03/1990");
        assert_eq!(cell_text(&in_1904), "05/03/1990");
    }
}
