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
    let mut cols: Vec<StringChunked> = Vec::with_capacity(df.width());
    for c in df.columns() {
        let s = c.as_materialized_series().cast(&DataType::String).map_err(|e| err(e.to_string()))?;
        cols.push(s.str().map_err(|e| err(e.to_string()))?.rechunk().into_owned());
    }
    let n = df.height();
    // Cells are copied straight from the Arrow columns into each row's buffer.
    let body = (0..n).map(move |i| {
        let mut cells = ::csv::StringRecord::with_capacity(64, cols.len());
        for c in &cols {
            cells.push_field(c.get(i).unwrap_or(""));
        }
        Item::Row(Row { line: i as u64 + 1, cells, multiline: false, unsaved_formulas: Vec::new() })
    });
    Ok(Box::new(std::iter::once(header).chain(body)))
}
