//! What a file someone else made may ask of this machine. Registers and returned worklists are
//! made by other people and programs: a workbook is a zip whose parts can inflate a
//! thousandfold, and one cell typed at a sheet's far corner stretches the sheet to 17 billion
//! cells. Each limit is checked before the memory it guards is taken; crossing one is an error
//! naming the limit, the file and the position, and the job file's `[limits]` key that raises it.

/// The limits, with the defaults the README documents (`[limits]` in the job file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Bytes one part of a workbook read whole (shared strings, styles, the workbook part, an
    /// .ods's content) may inflate to.
    pub part_bytes: u64,
    /// Bytes one worksheet's XML may inflate to (read as a stream of cells).
    pub sheet_bytes: u64,
    /// Rows of one sheet: a cell below this row is refused.
    pub sheet_rows: u64,
    /// Columns of one sheet: a value right of this column is refused.
    pub sheet_columns: u64,
    /// Cells one sheet's rows hold, counting each row up to its last value (what memory holds).
    pub sheet_cells: u64,
    /// Bytes of one returned worklist in the decisions inbox.
    pub returned_file_bytes: u64,
    /// Rows a Parquet file may declare (its footer's count, checked before anything is sized
    /// from it).
    pub file_rows: u64,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            part_bytes: 512 << 20,
            sheet_bytes: 2 << 30,
            // Excel's own last row.
            sheet_rows: 1_048_576,
            sheet_columns: 1_024,
            sheet_cells: 60_000_000,
            returned_file_bytes: 64 << 20,
            // Five times a 10M-person extract; a larger one is Spark's.
            file_rows: 50_000_000,
        }
    }
}

/// One of the limits, for an error to name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    PartBytes,
    SheetBytes,
    SheetRows,
    SheetColumns,
    SheetCells,
    ReturnedFileBytes,
    FileRows,
}

impl Limit {
    /// The job file's key under `[limits]`.
    pub fn key(self) -> &'static str {
        match self {
            Limit::PartBytes => "part_bytes",
            Limit::SheetBytes => "sheet_bytes",
            Limit::SheetRows => "sheet_rows",
            Limit::SheetColumns => "sheet_columns",
            Limit::SheetCells => "sheet_cells",
            Limit::ReturnedFileBytes => "returned_file_bytes",
            Limit::FileRows => "file_rows",
        }
    }

    /// What was counted, in words.
    pub fn what(self) -> &'static str {
        match self {
            Limit::PartBytes => "a workbook part inflates past",
            Limit::SheetBytes => "the sheet's XML inflates past",
            Limit::SheetRows => "a cell lies below row",
            Limit::SheetColumns => "a value lies right of column",
            Limit::SheetCells => "the sheet's rows hold more cells than",
            Limit::ReturnedFileBytes => "the returned file is larger than",
            Limit::FileRows => "the Parquet file declares more rows than",
        }
    }

    /// The limit's value in `limits`.
    pub fn of(self, limits: &ReadLimits) -> u64 {
        let mut copy = *limits;
        *self.slot(&mut copy)
    }

    /// The limit's place in `limits`.
    pub fn slot(self, limits: &mut ReadLimits) -> &mut u64 {
        match self {
            Limit::PartBytes => &mut limits.part_bytes,
            Limit::SheetBytes => &mut limits.sheet_bytes,
            Limit::SheetRows => &mut limits.sheet_rows,
            Limit::SheetColumns => &mut limits.sheet_columns,
            Limit::SheetCells => &mut limits.sheet_cells,
            Limit::ReturnedFileBytes => &mut limits.returned_file_bytes,
            Limit::FileRows => &mut limits.file_rows,
        }
    }
}

/// A limit crossed: which, and its value (the position is the caller's to add).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} {value} (the job file's [limits] {})", limit.what(), limit.key())]
pub struct OverLimit {
    pub limit: Limit,
    pub value: u64,
}

impl OverLimit {
    pub fn new(limit: Limit, limits: &ReadLimits) -> OverLimit {
        OverLimit { limit, value: limit.of(limits) }
    }
}
