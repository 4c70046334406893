//! Parquet: the columns a register's fields are read from, converted to text cells. The
//! header is the column names; row N is the N-th row of the file (1-based).
//!
//! Only the columns the job maps (and the key) are decoded: a department's export may carry
//! any Arrow type in its other columns (decimals, intervals, nested lists), and a column never
//! read can never stop the night. A mapped column of a type lamsach cannot read as text fails
//! the source with its name and type.

mod footer;

use crate::ingest::limits::{Limit, OverLimit};
use crate::ingest::{IngestError, Item, Items, QuarantineReason, Readers, Row, SourceInput};
use polars::prelude::*;

/// The readers the engine hands the core's ingest: CSV and workbooks are the core's own,
/// Parquet this module's.
pub const READERS: Readers = Readers { parquet: Some(rows) };

/// Rows decoded at a time: whole row groups up to about this many rows (a larger row group is
/// read in parts). A file read whole held every column of every row at once — 2.5 GB of fresh
/// memory for a 10M-person extract, each page zeroed by the kernel before use.
const SLICE_ROWS: usize = 1 << 18;

/// A Parquet file's rows: its column names as the header row, then its rows in file order.
pub fn rows(input: &SourceInput) -> Result<Items, IngestError> {
    rows_in_slices(input, SLICE_ROWS)
}

fn rows_in_slices(input: &SourceInput, slice_rows: usize) -> Result<Items, IngestError> {
    let path = &input.path;
    // lamsach's words, never the reader's: its messages can quote a value (a failed cast's
    // sample, a column's statistics).
    let err = |m: String| IngestError::Parquet { file: path.as_path().into(), message: m };
    let mut f = crate::files::open_regular(path).map_err(|e| IngestError::io(path, e))?;
    // The footer's declared sizes checked first: the reader reserves memory for them.
    let len = f.metadata().map_err(|e| IngestError::io(path, e))?.len();
    footer::check(&mut f, len).map_err(|why| err(format!("{why}; export it again")))?;
    let mut reader = ParquetReader::new(f);
    let unreadable = |_| err("its footer (schema and row groups) cannot be read: a damaged, truncated or not-Parquet file; export it again".into());
    let schema = guarded(|| reader.schema()).map_err(unreadable)?;
    let metadata = guarded(|| reader.get_metadata().cloned()).map_err(unreadable)?;
    let headers: Vec<String> = schema.iter_names().map(|s| s.to_string()).collect();
    let used = used_columns(input, &headers);
    for &i in &used {
        let (name, field) = schema.get_at_index(i).expect("a column of the schema");
        if !readable(&field.dtype) {
            return Err(err(format!(
                "the column \"{}\" has the type {:?}, which lamsach cannot read as text; export it as text, whole numbers or a date",
                crate::files::escape_controls(name),
                field.dtype
            )));
        }
    }
    // The rows the footer declares, before anything is sized from them (a hostile footer can
    // declare 2^62): the file's own count and its row groups' must agree and stay in the limit.
    let groups: u64 = metadata.row_groups.iter().fold(0u64, |n, g| n.saturating_add(g.num_rows() as u64));
    if groups != metadata.num_rows as u64 {
        return Err(err("its footer's row count and its row groups' disagree (a damaged file); export it again".into()));
    }
    if groups > input.limits.file_rows {
        return Err(err(format!("{}; split the export, or raise the limit", OverLimit::new(Limit::FileRows, &input.limits))));
    }
    let header = Item::Row(Row { line: 0, cells: ::csv::StringRecord::from(headers.clone()), multiline: false, unsaved_formulas: Vec::new() });
    let slices = slices(metadata.row_groups.iter().map(|g| g.num_rows()), slice_rows);
    let total = metadata.num_rows;
    let width = headers.len();
    let body =
        Body { path: path.to_path_buf(), metadata, slices: slices.into_iter(), used, width, cols: Vec::new(), rows_left: 0, bad_left: 0, line: 0, total };
    Ok(Box::new(std::iter::once(header).chain(body)))
}

/// The columns the job reads: every mapped field of every role, the men's and women's dates of
/// birth, and the key, in file order. The same mapping `open` checks afterwards.
fn used_columns(input: &SourceInput, headers: &[String]) -> Vec<usize> {
    let map = input.schema.map_columns(headers, &input.columns);
    let mut used: Vec<usize> = map.roles.iter().flat_map(|(_, cols)| cols.iter().flatten().copied()).collect();
    used.extend(map.dob_by_sex.into_iter().flatten());
    used.extend(crate::ingest::key_position(input, headers));
    used.sort_unstable();
    used.dedup();
    used
}

/// Whether this build's Parquet reader turns the type into a column it can cast to text (the
/// others would stop it: decimals, 128-bit and half floats, intervals, nested and dictionary
/// columns).
fn readable(dtype: &ArrowDataType) -> bool {
    use ArrowDataType as A;
    matches!(
        dtype,
        A::Null
            | A::Boolean
            | A::Int8
            | A::Int16
            | A::Int32
            | A::Int64
            | A::UInt8
            | A::UInt16
            | A::UInt32
            | A::UInt64
            | A::Float32
            | A::Float64
            | A::Utf8
            | A::LargeUtf8
            | A::Utf8View
            | A::Date32
            | A::Date64
            | A::Timestamp(..)
            | A::Time32(_)
            | A::Time64(_)
    )
}

/// Runs a call into the Parquet reader, turning a panic (a type or page it was not built for)
/// into an error: one file must never stop the night.
fn guarded<T>(call: impl FnOnce() -> PolarsResult<T>) -> Result<T, String> {
    match crate::guard::contained(call) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(crate::guard::Panicked) => Err("the Parquet reader stopped on this file".to_string()),
    }
}

/// The file's rows as (first row, rows) slices: row groups joined up to `cap` rows, a larger
/// one cut into parts of `cap`.
fn slices(row_groups: impl Iterator<Item = usize>, cap: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut at = 0;
    for rows in row_groups {
        let mut left = rows;
        while left > 0 {
            let take = left.min(cap);
            match out.last_mut() {
                Some((start, len)) if *start + *len == at && *len + take <= cap => *len += take,
                _ => out.push((at, take)),
            }
            at += take;
            left -= take;
        }
    }
    out
}

/// The file's rows, one slice decoded at a time; the rows of a slice that cannot be decoded
/// go to the quarantine (UNREADABLE), like a CSV row that cannot be read.
struct Body {
    path: std::path::PathBuf,
    metadata: polars::io::parquet::metadata::FileMetadataRef,
    slices: std::vec::IntoIter<(usize, usize)>,
    /// The columns decoded (file order) and the file's width: the others read as empty.
    used: Vec<usize>,
    width: usize,
    cols: Vec<TextColumn>,
    rows_left: usize,
    bad_left: usize,
    line: u64,
    /// Rows in the file: the records' columns are sized once from it (grown by doubling, a
    /// 10M-person extract's columns would be copied and their memory taken twice).
    total: usize,
}

impl Body {
    /// The slice's columns as text.
    fn read(&self, (start, len): (usize, usize)) -> Result<(Vec<TextColumn>, usize), String> {
        let f = crate::files::open_regular(&self.path).map_err(|e| e.to_string())?;
        let mut reader = ParquetReader::new(f).with_slice(Some((start, len))).with_projection(Some(self.used.clone()));
        reader.set_metadata(self.metadata.clone());
        let df = guarded(|| reader.finish())?;
        let mut cols = Vec::with_capacity(df.width());
        for c in df.columns() {
            let s = c.as_materialized_series().cast(&DataType::String).map_err(|e| e.to_string())?;
            let chunks = s.str().map_err(|e| e.to_string())?.downcast_iter().cloned().collect();
            cols.push(TextColumn { chunks, chunk: 0, at: 0 });
        }
        Ok((cols, df.height()))
    }
}

impl Iterator for Body {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        while self.rows_left == 0 && self.bad_left == 0 {
            let slice = self.slices.next()?;
            self.cols.clear(); // the last slice's columns go before the next one's come
            match self.read(slice) {
                Ok((cols, height)) => {
                    (self.cols, self.rows_left) = (cols, height.min(slice.1));
                    self.bad_left = slice.1 - self.rows_left;
                }
                Err(_) => {
                    // Row numbers only: the decoder's words can quote a value.
                    tracing::warn!(file = %crate::files::shown(&self.path), first_row = slice.0 + 1, rows = slice.1, "rows of a Parquet file could not be decoded; quarantined");
                    self.bad_left = slice.1;
                }
            }
        }
        self.line += 1;
        if self.rows_left == 0 {
            self.bad_left -= 1;
            return Some(Item::Bad { line: self.line, raw: String::new(), reason: QuarantineReason::Unreadable });
        }
        self.rows_left -= 1;
        // Cells are copied straight from the Arrow columns into the row's buffer.
        let mut cells = ::csv::StringRecord::with_capacity(64, self.width);
        let mut used = self.used.iter().zip(&mut self.cols).peekable();
        for i in 0..self.width {
            match used.next_if(|(u, _)| **u == i) {
                Some((_, c)) => cells.push_field(c.next().unwrap_or("")),
                None => cells.push_field(""),
            }
        }
        Some(Item::Row(Row { line: self.line, cells, multiline: false, unsaved_formulas: Vec::new() }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.total.saturating_sub(self.line as usize);
        (left, Some(left))
    }
}

/// One column's text, read row after row across its chunks (one per row group, as the file
/// holds them: joining them first would copy every string of the column once more).
struct TextColumn {
    chunks: Vec<<StringType as PolarsDataType>::Array>,
    chunk: usize,
    at: usize,
}

impl TextColumn {
    /// The next row's cell (`None` when null, or past the end).
    fn next(&mut self) -> Option<&str> {
        while self.chunks.get(self.chunk).is_some_and(|c| self.at >= c.len()) {
            self.chunk += 1;
            self.at = 0;
        }
        let chunk = self.chunks.get(self.chunk)?;
        self.at += 1;
        chunk.get(self.at - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A labour register whose `ho_ten` and `nam` columns the job maps to the name and birth date.
    fn input(path: &Path) -> SourceInput {
        SourceInput {
            name: "t".into(),
            path: path.to_path_buf(),
            schema: crate::schema::Schema::built_in("labour").unwrap(),
            encoding: None,
            columns: [("full_name", "ho_ten"), ("dob", "nam")].into_iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
            sheet: None,
            key: None,
            limits: Default::default(),
        }
    }

    /// Rows read across row groups (one chunk each) and column types, nulls as empty cells.
    #[test]
    fn rows_run_across_row_groups_in_file_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let names: Vec<Option<&str>> = vec![Some("Nguyễn Văn An"), None, Some("Lê Thị Hà"), Some(""), Some("Trần B"), None, Some("Phạm C")];
        let years: Vec<Option<i64>> = vec![Some(1990), Some(1991), None, Some(1993), Some(1994), Some(1995), Some(1996)];
        let mut df = df!("ho_ten" => names.clone(), "nam" => years.clone()).unwrap();
        let f = std::fs::File::create(&path).unwrap();
        ParquetWriter::new(f).with_row_group_size(Some(3)).finish(&mut df).unwrap();
        // Read whole, and in slices of two rows (within and across row groups): the same rows.
        for cap in [SLICE_ROWS, 2, 4] {
            let items: Vec<Item> = rows_in_slices(&input(&path), cap).unwrap().collect();
            let cells: Vec<(u64, Vec<String>)> = items
                .iter()
                .map(|i| match i {
                    Item::Row(r) => (r.line, r.cells.iter().map(str::to_string).collect()),
                    _ => panic!("a row"),
                })
                .collect();
            assert_eq!(cells[0].1, ["ho_ten", "nam"]);
            assert_eq!(cells.len(), 8);
            for (k, (line, row)) in cells[1..].iter().enumerate() {
                assert_eq!(*line, k as u64 + 1, "row numbers count from the first row, whatever the slice");
                assert_eq!(row[0], names[k].unwrap_or(""), "row {k}, slices of {cap}");
                assert_eq!(row[1], years[k].map(|y| y.to_string()).unwrap_or_default(), "row {k}, slices of {cap}");
            }
        }
    }

    #[test]
    fn slices_join_small_row_groups_and_cut_large_ones() {
        assert_eq!(slices([3, 3, 1].into_iter(), 4), [(0, 3), (3, 4)]);
        assert_eq!(slices([10].into_iter(), 4), [(0, 4), (4, 4), (8, 2)]);
        assert_eq!(slices([2, 0, 2, 5].into_iter(), 4), [(0, 4), (4, 4), (8, 1)]);
        assert!(slices(std::iter::empty(), 4).is_empty());
    }

    /// A row group that cannot be decoded quarantines its rows as UNREADABLE; the other row
    /// groups are read, and every row is accounted for.
    #[test]
    fn an_undecodable_row_group_quarantines_its_rows_and_the_rest_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let names: Vec<String> = (0..400).map(|i| format!("Người số {i} {}", "x".repeat(i % 37))).collect();
        let mut df = df!("ho_ten" => names.clone()).unwrap();
        let f = std::fs::File::create(&path).unwrap();
        ParquetWriter::new(f).with_row_group_size(Some(200)).finish(&mut df).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        // The first row group's column chunk starts right after the magic bytes.
        for b in &mut bytes[40..240] {
            *b = !*b;
        }
        std::fs::write(&path, &bytes).unwrap();
        let items: Vec<Item> = rows_in_slices(&input(&path), 200).unwrap().skip(1).collect();
        assert_eq!(items.len(), 400, "every row is accounted for");
        for (k, item) in items.iter().enumerate() {
            match item {
                Item::Bad { line, reason, .. } => assert!(k < 200 && *line == k as u64 + 1 && *reason == QuarantineReason::Unreadable, "row {k}"),
                Item::Row(r) => assert!(k >= 200 && r.line == k as u64 + 1 && r.cells.get(0) == Some(names[k].as_str()), "row {k}"),
            }
        }
    }
}
