//! Rows a printed report adds around its records. Registers are often exported from a
//! report layout ("Biểu", an Excel print view): the header and the column numbering repeat
//! at the top of every page, and the list ends with totals, a place-and-date line and the
//! signature block. Read as records they become people named "Tổng Cộng 40 Người" or
//! "Người Lập Biểu" in the worklist; ingest quarantines them as `NOT_A_RECORD` instead.
//!
//! Every test is conservative: a row holding a run of nine digits (an ID) is always a
//! record, and phrases that fold to a real name ("Trương Phòng", "Tống Công Minh") are only
//! recognised with their diacritics.

use crate::text::{fold, fold_char};
use unicode_normalization::UnicodeNormalization;

/// Phrases that open the signature block, recognised with their diacritics only (lower
/// case, NFC): written without them some read as names (Trương, Chu, Cấn are family names).
const SIGNATURE_WITH_DIACRITICS: [&str; 10] =
    ["thủ trưởng", "trưởng phòng", "trưởng ban", "trưởng thôn", "kế toán", "giám đốc", "phó giám đốc", "chủ tịch", "phó chủ tịch", "cán bộ"];

/// Phrases that open the signature block, recognised without diacritics too (folded): no
/// name starts like this. "KT." and "TM." sign on behalf of a body.
const SIGNATURE_FOLDED: [&str; 8] = ["nguoi lap", "xac nhan", "(ky", "ky ten", "ky, ghi", "tm.", "t/m", "kt."];

/// Other closing lines (folded): recipients and notes.
const CLOSING_FOLDED: [&str; 2] = ["noi nhan", "ghi chu"];

/// Tells the rows of a report's layout from records, one row at a time in file order.
pub(super) struct ReportRows {
    /// Each column's header as [`crate::schema::header_key`] folds it.
    header_keys: Vec<String>,
    /// The columns of full names (one per subject).
    name_columns: Vec<usize>,
    /// A signature block began: short rows without an ID are its names.
    in_signature_block: bool,
}

impl ReportRows {
    pub(super) fn new(headers: &[String], name_columns: Vec<usize>) -> ReportRows {
        ReportRows { header_keys: headers.iter().map(|h| crate::schema::header_key(h)).collect(), name_columns, in_signature_block: false }
    }

    /// Whether the row is part of the report's layout rather than somebody's record.
    pub(super) fn is_report_row(&mut self, cells: &::csv::StringRecord) -> bool {
        if has_id_run(cells.as_slice()) {
            self.in_signature_block = false;
            return false;
        }
        let filled: Vec<(usize, &str)> = cells.iter().map(str::trim).enumerate().filter(|(_, c)| !c.is_empty()).collect();
        let Some(&(first_column, first)) = filled.first() else { return false };
        if self.repeats_header(&filled) || is_column_numbering(&filled) {
            return true;
        }
        let lower = lower_nfc(first);
        let folded = fold(first);
        if is_total(&lower, &folded, !self.name_columns.contains(&first_column)) {
            return true;
        }
        // A signature, date or note line holds nothing else: "Ghi chú" before a date of
        // birth is somebody's (odd) name.
        let closing = |c: &str| {
            let (lower, folded) = (lower_nfc(c), fold(c));
            c.starts_with('(') || starts_signature(&lower, &folded) || is_place_and_date(&folded) || CLOSING_FOLDED.iter().any(|p| folded.starts_with(p))
        };
        if (starts_signature(&lower, &folded) || is_place_and_date(&folded)) && filled.iter().all(|(_, c)| closing(c)) {
            self.in_signature_block = true;
            return true;
        }
        (CLOSING_FOLDED.iter().any(|p| folded.starts_with(p)) && filled.iter().all(|(_, c)| closing(c))) || (self.in_signature_block && filled.len() <= 2)
    }

    /// Every filled cell is its column's header (or, under a two-row header, its start or end).
    fn repeats_header(&self, filled: &[(usize, &str)]) -> bool {
        filled.len() >= 2
            && filled.iter().all(|&(i, c)| {
                let Some(h) = self.header_keys.get(i) else { return false };
                let key: String = c.chars().map(fold_char).filter(char::is_ascii_alphanumeric).collect();
                key.len() >= 2 && (h.starts_with(&key) || h.ends_with(&key))
            })
    }
}

fn lower_nfc(s: &str) -> String {
    s.nfc().collect::<String>().to_lowercase()
}

/// Nine digits in a row: the row carries an ID (or a phone number), so it is a record.
fn has_id_run(bytes: &str) -> bool {
    let mut run = 0;
    for b in bytes.bytes() {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 9 {
            return true;
        }
    }
    false
}

/// The column numbering of a form repeated on a later page: (1) (2) (3) … or A B C …
fn is_column_numbering(filled: &[(usize, &str)]) -> bool {
    let marks: Vec<&str> = filled.iter().map(|(_, c)| c.trim_start_matches('(').trim_end_matches(')')).collect();
    if marks.len() < 3 {
        return false;
    }
    let numbers: Option<Vec<u32>> = marks.iter().map(|m| m.parse().ok()).collect();
    if let Some(n) = numbers {
        return n.windows(2).all(|w| w[1] == w[0] + 1);
    }
    let letters: Option<Vec<u8>> = marks.iter().map(|m| (m.len() == 1 && m.as_bytes()[0].is_ascii_uppercase()).then(|| m.as_bytes()[0])).collect();
    letters.is_some_and(|l| l.windows(2).all(|w| w[1] == w[0] + 1))
}

/// "Tổng cộng: 40 người", "Cộng", "TONG CONG: 40": a total line. Without diacritics only
/// when a colon or number follows, or the phrase fills a cell outside the name columns
/// ("Tong Cong" and "Tong Cong Minh" are names: Tống Công).
fn is_total(lower: &str, folded: &str, outside_names: bool) -> bool {
    if lower.starts_with("tổng cộng") || lower.starts_with("tổng số") {
        return true;
    }
    let ends_phrase = |rest: &str| {
        let rest = rest.trim_start();
        (rest.is_empty() && outside_names) || rest.starts_with(':') || rest.starts_with(|c: char| c.is_ascii_digit())
    };
    ["tong cong", "tong so"].iter().any(|p| folded.strip_prefix(p).is_some_and(ends_phrase))
        || lower.strip_prefix("cộng").is_some_and(|rest| rest.trim().is_empty() || ends_phrase(rest))
}

fn starts_signature(lower: &str, folded: &str) -> bool {
    SIGNATURE_WITH_DIACRITICS.iter().any(|p| lower.starts_with(p)) || SIGNATURE_FOLDED.iter().any(|p| folded.starts_with(p))
}

/// "Gia Lai, ngày 15 tháng 11 năm 2026", "Ngày … tháng … năm 20…": the words in order.
fn is_place_and_date(folded: &str) -> bool {
    let words: Vec<&str> = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let at = |w: &str, from: usize| words.iter().skip(from).position(|x| *x == w).map(|p| p + from);
    at("ngay", 0).and_then(|d| at("thang", d + 1)).and_then(|m| at("nam", m + 1)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> ::csv::StringRecord {
        ::csv::StringRecord::from(cells.to_vec())
    }

    fn rows() -> ReportRows {
        let headers: Vec<String> = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"].map(String::from).to_vec();
        ReportRows::new(&headers, vec![1])
    }

    #[test]
    fn records_are_records() {
        let mut r = rows();
        for cells in [
            ["1", "Nguyễn Văn An", "01/02/1990", "Nam", "052090000001"],
            ["2", "Trương Phòng", "1985", "Nam", ""],
            ["3", "Tong Cong Minh", "1985", "Nam", ""],
            ["", "Chu Tich", "", "", ""],
            ["", "Cấn Bộ", "", "Nữ", ""],
            ["", "Tong Cong", "1960", "", ""],
            ["", "Tong So", "", "", ""],
            ["4", "Ngô Thị Ngày", "", "", ""],
            ["", "Ghi Chú", "01/02/1990", "Nam", ""],
        ] {
            assert!(!r.is_report_row(&row(&cells)), "{cells:?}");
        }
    }

    #[test]
    fn totals_repeated_headers_numbering_and_signatures_are_not_records() {
        let mut r = rows();
        for cells in [
            ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"],
            ["stt", "HO VA TEN", "", "GIOI TINH", ""],
            ["(1)", "(2)", "(3)", "(4)", "(5)"],
            ["A", "B", "C", "D", ""],
            ["", "Tổng cộng: 40 người", "", "", ""],
            ["TONG CONG", "40", "", "", ""],
            ["", "TONG CONG: 40", "", "", ""],
            ["Cộng", "", "", "", "12"],
            ["", "Ghi chú: số liệu đến 30/10/2026", "", "", ""],
        ] {
            assert!(r.is_report_row(&row(&cells)), "{cells:?}");
        }
    }

    #[test]
    fn the_names_under_a_signature_block_are_part_of_it_until_a_record_comes() {
        let mut r = rows();
        assert!(r.is_report_row(&row(&["", "Gia Lai, ngày 15 tháng 11 năm 2026", "", "", ""])));
        assert!(r.is_report_row(&row(&["", "NGƯỜI LẬP BIỂU", "", "THỦ TRƯỞNG ĐƠN VỊ", ""])));
        assert!(r.is_report_row(&row(&["", "(Ký, ghi rõ họ tên)", "", "(Ký tên, đóng dấu)", ""])));
        assert!(r.is_report_row(&row(&["", "Nguyễn Văn Bình", "", "Trần Thị Hoa", ""])));
        assert!(!r.is_report_row(&row(&["5", "Lê Văn C", "01/01/1980", "Nam", "052080000004"])));
        assert!(!r.is_report_row(&row(&["", "Phạm Thị D", "", "", ""])), "a record ended the block");
    }

    #[test]
    fn an_id_makes_any_row_a_record() {
        let mut r = rows();
        assert!(!r.is_report_row(&row(&["", "Tổng cộng", "", "", "052090000001"])));
    }
}
