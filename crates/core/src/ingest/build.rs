//! Rows into records: every row read lands in the records or the quarantine, with its
//! reason; the subjects of a row of several roles each become a record.

use super::report_rows;
use super::{
    Format, IngestedSource, Item, Layout, QUARANTINE_CELL_SEPARATOR, QuarantineReason, QuarantineRow, RawRecord, RecordSink, Row, SourceInput, Values,
};
use crate::field::Field;
use crate::finding::Finding;
use std::path::Path;

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
pub(super) fn build_records(input: &SourceInput, layout: Layout, rows: impl Iterator<Item = Item>, records: &mut impl RecordSink) -> IngestedSource {
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
