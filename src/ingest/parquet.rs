//! Parquet: any column types, converted to text cells. The header is the
//! column names; row N is the N-th row of the file (1-based).
//!
//! The file is read a few row groups at a time, never whole: a 10M-person extract decoded at
//! once was gigabytes of Arrow columns alive for the whole read (every page of it fresh memory
//! the kernel had to zero first).

use super::{IngestError, Item, QuarantineReason, Row};
use polars::io::parquet::metadata::FileMetadataRef;
use polars::prelude::*;
use std::path::{Path, PathBuf};

/// Rows decoded together: whole row groups, joined until they hold at least this many.
const PART_ROWS: usize = 1 << 16;

pub fn rows(path: &Path) -> Result<Box<dyn Iterator<Item = Item> + Send>, IngestError> {
    let err = |m: String| IngestError::Parquet { file: path.display().to_string(), message: m };
    let f = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let mut reader = ParquetReader::new(f);
    let meta = reader.get_metadata().map_err(|e| err(e.to_string()))?.clone();
    let names: Vec<String> = reader.schema().map_err(|e| err(e.to_string()))?.iter_names().map(|n| n.to_string()).collect();
    let header = Item::Row(Row { line: 0, cells: ::csv::StringRecord::from(names), multiline: false, unsaved_formulas: Vec::new() });
    let mut parts = Vec::new();
    let mut start = 0;
    let mut len = 0;
    for g in &meta.row_groups {
        len += g.num_rows();
        if len >= PART_ROWS {
            parts.push((start, len));
            (start, len) = (start + len, 0);
        }
    }
    if len > 0 {
        parts.push((start, len));
    }
    let mut parts = Parts { path: path.to_path_buf(), meta, parts: parts.into_iter(), cols: Vec::new(), left: 0, line: 0, unreadable: 0 };
    // The first part is read now: a file polars cannot decode at all fails as a whole, here.
    if let Some(&(at, n)) = parts.parts.as_slice().first() {
        parts.parts.next();
        parts.cols = parts.read(at, n).map_err(err)?;
        parts.left = n;
    }
    Ok(Box::new(std::iter::once(header).chain(parts)))
}

/// The file's rows, decoded one part (a few row groups) at a time.
struct Parts {
    path: PathBuf,
    meta: FileMetadataRef,
    parts: std::vec::IntoIter<(usize, usize)>,
    cols: Vec<TextColumn>,
    /// Rows of the current part not yet given out (as rows, or as unreadable).
    left: usize,
    line: u64,
    /// Rows of the current part given out as unreadable instead (its pages could not be decoded).
    unreadable: usize,
}

impl Parts {
    /// Rows `at..at + n` as text columns.
    fn read(&self, at: usize, n: usize) -> Result<Vec<TextColumn>, String> {
        let f = std::fs::File::open(&self.path).map_err(|e| e.to_string())?;
        let mut reader = ParquetReader::new(f).with_slice(Some((at, n)));
        reader.set_metadata(self.meta.clone());
        let df = reader.finish().map_err(|e| e.to_string())?;
        df.columns()
            .iter()
            .map(|c| {
                let s = c.as_materialized_series().cast(&DataType::String).map_err(|e| e.to_string())?;
                let chunks = s.str().map_err(|e| e.to_string())?.downcast_iter().cloned().collect();
                Ok(TextColumn { chunks, chunk: 0, at: 0 })
            })
            .collect()
    }
}

impl Iterator for Parts {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        while self.left == 0 {
            let (at, n) = self.parts.next()?;
            self.cols.clear();
            match self.read(at, n) {
                Ok(cols) => self.cols = cols,
                // Rows the file says it holds but whose pages cannot be decoded are quarantined,
                // one by one, not dropped: the manifest's counts still add up.
                Err(_) => {
                    tracing::warn!(first_row = at + 1, rows = n, "Parquet rows that cannot be decoded were quarantined");
                    self.unreadable = n;
                }
            }
            self.left = n;
        }
        self.left -= 1;
        self.line += 1;
        if self.unreadable > 0 {
            self.unreadable -= 1;
            return Some(Item::Bad { line: self.line, raw: String::new(), reason: QuarantineReason::Unreadable });
        }
        // Cells are copied straight from the Arrow columns into the row's buffer.
        let mut cells = ::csv::StringRecord::with_capacity(64, self.cols.len());
        for c in &mut self.cols {
            cells.push_field(c.next().unwrap_or(""));
        }
        Some(Item::Row(Row { line: self.line, cells, multiline: false, unsaved_formulas: Vec::new() }))
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
        let items: Vec<Item> = rows(&path).unwrap().collect();
        let cells: Vec<Vec<String>> = items
            .iter()
            .map(|i| match i {
                Item::Row(r) => r.cells.iter().map(str::to_string).collect(),
                _ => panic!("a row"),
            })
            .collect();
        assert_eq!(cells[0], ["ho_ten", "nam"]);
        assert_eq!(cells.len(), 8);
        for (k, row) in cells[1..].iter().enumerate() {
            assert_eq!(row[0], names[k].unwrap_or(""), "row {k}");
            assert_eq!(row[1], years[k].map(|y| y.to_string()).unwrap_or_default(), "row {k}");
        }
    }

    /// A file larger than one part is read part after part: every row once, in order, with
    /// its row number.
    #[test]
    fn a_file_of_many_parts_gives_every_row_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let n = PART_ROWS * 2 + 123;
        let ids: Vec<String> = (0..n).map(|i| format!("{i:012}")).collect();
        let mut df = df!("so_dinh_danh" => ids.clone()).unwrap();
        let f = std::fs::File::create(&path).unwrap();
        ParquetWriter::new(f).with_row_group_size(Some(PART_ROWS / 3)).finish(&mut df).unwrap();
        let mut count = 0;
        for (k, item) in rows(&path).unwrap().skip(1).enumerate() {
            let Item::Row(r) = item else { panic!("row {k} was not read") };
            assert_eq!(r.line, k as u64 + 1);
            assert_eq!(&r.cells[0], ids[k].as_str(), "row {k}");
            count += 1;
        }
        assert_eq!(count, n);
    }
}
