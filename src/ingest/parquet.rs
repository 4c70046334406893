//! Parquet: any column types, converted to text cells. The header is the
//! column names; row N is the N-th row of the file (1-based).

use super::{IngestError, Item, Row};
use polars::prelude::*;
use std::path::Path;

pub fn rows(path: &Path) -> Result<Box<dyn Iterator<Item = Item> + Send>, IngestError> {
    let err = |m: String| IngestError::Parquet { file: path.display().to_string(), message: m };
    let f = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let df = ParquetReader::new(f).finish().map_err(|e| err(e.to_string()))?;
    let headers: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    let header = Item::Row(Row { line: 0, cells: ::csv::StringRecord::from(headers), multiline: false, unsaved_formulas: Vec::new() });
    let mut cols: Vec<TextColumn> = Vec::with_capacity(df.width());
    for c in df.columns() {
        let s = c.as_materialized_series().cast(&DataType::String).map_err(|e| err(e.to_string()))?;
        let chunks = s.str().map_err(|e| err(e.to_string()))?.downcast_iter().cloned().collect();
        cols.push(TextColumn { chunks, chunk: 0, at: 0 });
    }
    let n = df.height();
    // Cells are copied straight from the Arrow columns into each row's buffer.
    let body = (0..n).map(move |i| {
        let mut cells = ::csv::StringRecord::with_capacity(64, cols.len());
        for c in &mut cols {
            cells.push_field(c.next().unwrap_or(""));
        }
        Item::Row(Row { line: i as u64 + 1, cells, multiline: false, unsaved_formulas: Vec::new() })
    });
    Ok(Box::new(std::iter::once(header).chain(body)))
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
}
