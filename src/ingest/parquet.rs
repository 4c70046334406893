//! Parquet: any column types, converted to text cells. The header is the
//! column names; row N is the N-th row of the file (1-based).

use super::{IngestError, Item, Row};
use polars::prelude::*;
use std::path::Path;

pub fn rows(path: &Path) -> Result<Box<dyn Iterator<Item = Item>>, IngestError> {
    let err = |m: String| IngestError::Parquet { file: path.display().to_string(), message: m };
    let f = std::fs::File::open(path).map_err(|e| IngestError::io(path, e))?;
    let df = ParquetReader::new(f).finish().map_err(|e| err(e.to_string()))?;
    let headers: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    let mut cols: Vec<Vec<Option<String>>> = Vec::with_capacity(df.width());
    for c in df.columns() {
        let s = c.as_materialized_series().cast(&DataType::String).map_err(|e| err(e.to_string()))?;
        let ca = s.str().map_err(|e| err(e.to_string()))?;
        cols.push(ca.iter().map(|v| v.map(|x| x.to_string())).collect());
    }
    let n = df.height();
    let header = Item::Row(Row { line: 0, cells: headers, multiline: false });
    // Cells move out of the columns: each value is allocated once.
    let mut cols = cols;
    let body =
        (0..n).map(move |i| Item::Row(Row { line: i as u64 + 1, cells: cols.iter_mut().map(|c| c[i].take().unwrap_or_default()).collect(), multiline: false }));
    Ok(Box::new(std::iter::once(header).chain(body)))
}
