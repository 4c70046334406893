//! What ingest makes of a file's rows: records (one person each, raw text per field) and
//! quarantined rows with their reason; and the rows themselves as the readers hand them over.

use crate::field::Field;
use crate::finding::Finding;

coded_enum! {
    /// Why a row went to the quarantine.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum QuarantineReason {
        /// More or fewer fields than the header.
        FieldCount = "FIELD_COUNT",
        /// Bytes that decode to nothing in the file's encoding.
        Undecodable = "UNDECODABLE",
        /// A quote opened and never closed: the rest of the file became one field.
        UnclosedQuote = "UNCLOSED_QUOTE",
        /// The row could not be read: a CSV parser error, or a Parquet row group that cannot be decoded.
        Unreadable = "UNREADABLE",
        /// A row of a register with several subjects (child and parents, deceased and
        /// declarant) where every subject's columns are empty: it is nobody's record.
        NoSubject = "NO_SUBJECT",
        /// A row of the report's layout: a header or column numbering repeated on a later page,
        /// a total, the place-and-date line or the signature block (see `report_rows`).
        NotARecord = "NOT_A_RECORD",
    }
}

impl QuarantineReason {
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

/// A row as a reader split it into cells.
pub struct Row {
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
    pub(crate) fn texts(&self) -> Vec<String> {
        self.cells.iter().map(str::to_string).collect()
    }

    pub(crate) fn joined(&self, sep: &str) -> String {
        self.cells.iter().collect::<Vec<_>>().join(sep)
    }
}

/// A reader's rows, in file order, decoded.
pub type Items = Box<dyn Iterator<Item = Item> + Send>;

/// What a reader yields: a row, or a row it could not read (for the quarantine).
pub enum Item {
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
