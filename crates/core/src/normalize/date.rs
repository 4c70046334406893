//! Dates as Vietnamese registers write them, with their precision.

use crate::calendar::{PartialDate, days_in_month};
use crate::finding::Code;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// dd/mm/yyyy, the Vietnamese convention.
    #[default]
    Dmy,
    /// mm/dd/yyyy, as US-locale spreadsheets write.
    Mdy,
}

/// Options for [`parse_date`].
#[derive(Clone, Copy, Debug)]
pub struct DateOptions {
    pub order: DateOrder,
    /// Dates after this year are in the future (DATE_FUTURE).
    pub this_year: i32,
    /// Two-digit years above this pivot belong to the 1900s.
    pub pivot: i32,
}

impl DateOptions {
    /// Options for a run in `this_year`: later years are in the future, and two-digit
    /// years up to its last two digits are this century's.
    pub fn for_year(order: DateOrder, this_year: i32) -> Self {
        DateOptions { order, this_year, pivot: this_year.rem_euclid(100) }
    }
}

/// This year by the machine's clock.
pub fn current_year() -> i32 {
    use chrono::Datelike;
    chrono::Local::now().year()
}

impl Default for DateOptions {
    /// Day first, and the current year by the clock (a job pins it with `[assess] run_date`).
    fn default() -> Self {
        DateOptions::for_year(DateOrder::Dmy, current_year())
    }
}

/// A parsed date (when anything could be read) and its findings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedDate {
    pub date: Option<PartialDate>,
    pub codes: Vec<Code>,
}

fn digits_only(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn num(s: &str) -> Option<i32> {
    if s.len() > 9 || !digits_only(s) {
        return None;
    }
    s.parse().ok()
}

/// Parses a date in any of the forms Vietnamese registers use: `dd/mm/yyyy`,
/// `d/m/yy`, `dd-mm-yyyy`, `dd.mm.yyyy`, `yyyy-mm-dd` (with an optional time),
/// `ddmmyyyy`, an Excel serial number, a year alone, `00/00/yyyy`, `0000yyyy`,
/// `mm/yyyy`, `ngày 5 tháng 3 năm 1960`, `15-Mar-1985`, a time of day before or after it
/// (`14:30 20/08/2026`, a hospital's "Ngày giờ sinh"); an apostrophe before it, a full stop
/// after it and a remark in parentheses are ignored. Impossible dates (30/02) are
/// reported and kept to the month, never moved to another day.
///
/// ```
/// use lamsach_core::calendar::PartialDate;
/// use lamsach_core::normalize::date::{parse_date, DateOptions};
/// let o = DateOptions::default();
/// assert_eq!(parse_date("05/03/1990", &o).date, Some(PartialDate::ymd(1990, 3, 5)));
/// assert_eq!(parse_date("00/00/1950", &o).date, Some(PartialDate::year_only(1950)));
/// assert_eq!(parse_date("ngày 5 tháng 3 năm 1960", &o).date, Some(PartialDate::ymd(1960, 3, 5)));
/// ```
pub fn parse_date(raw: &str, opts: &DateOptions) -> ParsedDate {
    let mut codes = Vec::new();
    let s = raw.trim();
    let date = parse_inner(bare(s), opts, &mut codes);
    if let Some(d) = date {
        if d.year > opts.this_year || (d.year < 1850) {
            if d.year > opts.this_year {
                codes.push(Code::DateFuture);
            } else {
                codes.push(Code::DateImpossible);
            }
        }
    } else if !s.is_empty() && !codes.contains(&Code::DateImpossible) {
        codes.push(Code::DateUnparseable);
    }
    ParsedDate { date, codes }
}

/// The date without what surrounds it in exports: the apostrophe a spreadsheet keeps text
/// with ("'15/03/1985"), a closing full stop, a remark in parentheses ("1985 (ước tính)").
fn bare(s: &str) -> &str {
    let s = after_time_of_day(s.strip_prefix('\'').unwrap_or(s));
    let s = match s.find('(') {
        Some(i) if i > 0 => &s[..i],
        _ => s,
    };
    s.trim().trim_end_matches(['.', ',', ';']).trim_end()
}

/// The date after a time of day written before it, as hospitals fill "Ngày giờ sinh"
/// ("14:30 20/08/2026", "14h30 20/08/2026", "14 giờ 30 phút, ngày 20/08/2026"); anything
/// else as it is.
fn after_time_of_day(s: &str) -> &str {
    let hours = s.bytes().take_while(u8::is_ascii_digit).count();
    let rest = &s[hours..];
    let time = (1..=2).contains(&hours) && (rest.starts_with([':', 'h', 'H']) || rest.trim_start().starts_with("giờ"));
    if !time {
        return s;
    }
    let date = match s.find("ngày") {
        Some(i) => &s[i + "ngày".len()..],
        None => s.split_once(char::is_whitespace).map_or("", |(_, d)| d),
    };
    date.trim_start_matches([' ', ',', '-'])
}

fn expand_year(y: i32, len: usize, opts: &DateOptions, codes: &mut Vec<Code>) -> i32 {
    if len <= 2 {
        codes.push(Code::DateTwoDigitYear);
        if y > opts.pivot { 1900 + y } else { 2000 + y }
    } else {
        y
    }
}

/// Builds a date from day, month and year numbers, checking it exists.
fn build(y: i32, m: i32, d: i32, codes: &mut Vec<Code>) -> Option<PartialDate> {
    if m == 0 && d == 0 {
        codes.push(Code::DateZeroFilled);
        return Some(PartialDate::year_only(y));
    }
    if !(1..=12).contains(&m) {
        codes.push(Code::DateImpossible);
        return Some(PartialDate::year_only(y));
    }
    if d == 0 {
        codes.push(Code::DateZeroFilled);
        return Some(PartialDate { year: y, month: m as u8, day: 0 });
    }
    if d < 1 || d > days_in_month(y, m as u8) as i32 {
        codes.push(Code::DateImpossible);
        return Some(PartialDate { year: y, month: m as u8, day: 0 });
    }
    Some(PartialDate::ymd(y, m as u8, d as u8))
}

/// Day-first (or month-first) triple, swapping when the declared order cannot hold.
fn ordered(a: i32, b: i32, y: i32, opts: &DateOptions, codes: &mut Vec<Code>) -> Option<PartialDate> {
    let (d, m) = match opts.order {
        DateOrder::Dmy => (a, b),
        DateOrder::Mdy => (b, a),
    };
    if m > 12 && (1..=12).contains(&d) {
        codes.push(Code::DateOrderSwapped);
        return build(y, d, m, codes);
    }
    build(y, m, d, codes)
}

fn parse_inner(s: &str, opts: &DateOptions, codes: &mut Vec<Code>) -> Option<PartialDate> {
    if s.is_empty() {
        return None;
    }
    // Only text forms need folding; numeric dates (nearly all) skip it.
    let wordy = s.bytes().any(|b| b.is_ascii_alphabetic() || b >= 0x80);
    let lower = if wordy { crate::text::fold(s) } else { String::new() };
    if wordy && (lower.contains("nam") || lower.contains("thang") || lower.contains("ngay")) {
        return parse_words(&lower, opts, codes);
    }
    if wordy && let Some(d) = parse_month_name(&lower, opts, codes) {
        return Some(d);
    }
    // yyyy-mm-dd[ Thh:mm:ss]
    let date_part = s.split(['T', ' ']).next().unwrap_or(s);
    let parts: Vec<&str> = date_part.split(['/', '-', '.']).collect();
    if parts.len() == 3 && parts.iter().all(|p| digits_only(p)) {
        let (a, b, c) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
        if parts[0].len() == 4 {
            return build(a, b, c, codes);
        }
        let y = expand_year(c, parts[2].len(), opts, codes);
        if parts[2].len() != 4 && parts[2].len() > 2 {
            return None;
        }
        return ordered(a, b, y, opts, codes);
    }
    if parts.len() == 2 && parts.iter().all(|p| digits_only(p)) && parts[1].len() == 4 {
        return month_and_year(num(parts[0])?, num(parts[1])?, codes);
    }
    if parts.len() == 1 && digits_only(s) {
        return parse_digits(s, opts, codes);
    }
    // Excel serial with a fraction ("32874.0")
    if let Some((int, frac)) = s.split_once('.')
        && digits_only(int)
        && frac.bytes().all(|b| b == b'0')
        && (3..=5).contains(&int.len())
    {
        return parse_inner(int, opts, codes);
    }
    None
}

/// "ngày 5 tháng 3 năm 1960", "5 tháng 3 năm 1960", "tháng 3 năm 1960", "năm 1960",
/// "ngày 5/3/1960" (folded).
fn parse_words(lower: &str, opts: &DateOptions, codes: &mut Vec<Code>) -> Option<PartialDate> {
    let (mut d, mut m, mut y) = (0, 0, None);
    let words: Vec<&str> = lower.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    for pair in words.windows(2) {
        match (pair[0], num(pair[1])) {
            ("ngay", Some(v)) => d = v,
            ("thang", Some(v)) => m = v,
            ("nam", Some(v)) => y = Some(v),
            _ => {}
        }
        // The day written without "ngày": "5 tháng 3 năm 1960".
        if pair[1] == "thang" && d == 0 {
            d = num(pair[0]).unwrap_or(0);
        }
    }
    let Some(y) = y else {
        // "ngày 5/3/1960": a numeric date after the word.
        let numeric = words.iter().find(|w| w.bytes().any(|b| b.is_ascii_digit()) && w.bytes().all(|b| b.is_ascii_digit() || b"/-.".contains(&b)))?;
        return parse_inner(numeric, opts, codes);
    };
    match (d, m) {
        (0, 0) => Some(PartialDate::year_only(y)),
        (0, _) => build(y, m, 0, codes).map(|mut p| {
            codes.retain(|c| *c != Code::DateZeroFilled);
            p.day = 0;
            p
        }),
        _ => build(y, m, d, codes),
    }
}

/// English month names, as spreadsheets with an English date format write them.
const MONTHS: [&str; 12] = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

/// "15-Mar-1985", "15 March 1985", "Mar 15, 1985" (folded): the month by name, the year
/// its four-digit (or last two-digit) number, the day the other number.
fn parse_month_name(lower: &str, opts: &DateOptions, codes: &mut Vec<Code>) -> Option<PartialDate> {
    let tokens: Vec<&str> = lower.split([' ', '-', '/', ',', '.']).filter(|t| !t.is_empty()).collect();
    let month_of = |t: &str| MONTHS.iter().position(|m| t.len() >= 3 && m.starts_with(t)).map(|i| i as i32 + 1);
    let (mut month, mut numbers) = (None, Vec::new());
    for t in &tokens {
        if digits_only(t) {
            numbers.push(*t);
        } else if month.is_none() {
            month = Some(month_of(t)?);
        } else {
            return None;
        }
    }
    let m = month?;
    match numbers.as_slice() {
        [y] if y.len() == 4 => build(num(y)?, m, 0, codes).inspect(|_p| {
            codes.retain(|c| *c != Code::DateZeroFilled);
        }),
        [a, b] => {
            let (day, year) = if b.len() == 4 || (a.len() <= 2 && b.len() == 2) { (a, b) } else { (b, a) };
            if day.len() > 2 || !(year.len() == 4 || year.len() == 2) {
                return None;
            }
            let y = expand_year(num(year)?, year.len(), opts, codes);
            build(y, m, num(day)?, codes)
        }
        _ => None,
    }
}

/// `mm/yyyy`; `00/yyyy` is the year alone.
fn month_and_year(m: i32, y: i32, codes: &mut Vec<Code>) -> Option<PartialDate> {
    if m == 0 {
        codes.push(Code::DateZeroFilled);
        return Some(PartialDate::year_only(y));
    }
    build(y, m, 0, codes).inspect(|_p| {
        codes.retain(|c| *c != Code::DateZeroFilled);
    })
}

/// The oldest and latest years a digits-only date may name.
const PLAUSIBLE_YEARS: std::ops::RangeInclusive<i32> = 1850..=2100;
/// Days from Excel's day 0 (1899-12-30 in the 1900 system, after its leap-year bug) to 1970-01-01.
const EXCEL_EPOCH_OFFSET: i32 = 25569;

/// Digits alone: a year, `ddmmyyyy` / `yyyymmdd`, or an Excel serial date.
fn parse_digits(s: &str, opts: &DateOptions, codes: &mut Vec<Code>) -> Option<PartialDate> {
    match s.len() {
        4 => Some(PartialDate::year_only(num(s)?)),
        8 => {
            // ddmmyyyy (chip-card QR, fixed-width exports) or yyyymmdd
            let (a, b, c) = (num(&s[0..2])?, num(&s[2..4])?, num(&s[4..8])?);
            let y4 = num(&s[0..4])?;
            if PLAUSIBLE_YEARS.contains(&y4) && !PLAUSIBLE_YEARS.contains(&c) {
                build(y4, num(&s[4..6])?, num(&s[6..8])?, codes)
            } else {
                ordered(a, b, c, opts, codes)
            }
        }
        1..=5 => {
            // Excel serial date (1900 system): 1 = 1900-01-01, with the 1900 leap-year bug.
            let n = num(s)?;
            if n < 60 {
                return None;
            }
            codes.push(Code::DateExcelSerial);
            Some(PartialDate::from_days(n - EXCEL_EPOCH_OFFSET))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Precision;

    fn p(s: &str) -> ParsedDate {
        parse_date(s, &DateOptions::default())
    }

    #[test]
    fn a_time_of_birth_before_or_after_the_date_is_not_the_date() {
        let day = Some(PartialDate::ymd(2024, 8, 20));
        for s in ["14:30 20/08/2024", "14h30 20/08/2024", "14 giờ 30 phút, ngày 20/08/2024", "9 giờ ngày 20/08/2024", "20/08/2024 14:30"] {
            assert_eq!(p(s).date, day, "{s}");
        }
        assert_eq!(p("5/3/1990").date, Some(PartialDate::ymd(1990, 3, 5)), "a day is not an hour");
        assert_eq!(p("1990").date, Some(PartialDate::year_only(1990)));
    }

    #[test]
    fn the_future_and_two_digit_years_follow_the_run_year() {
        let in_2027 = DateOptions::for_year(DateOrder::Dmy, 2027);
        let in_2026 = DateOptions::for_year(DateOrder::Dmy, 2026);
        assert!(!parse_date("15/03/2027", &in_2027).codes.contains(&Code::DateFuture), "a 2027 date in a 2027 run is not in the future");
        assert!(parse_date("15/03/2027", &in_2026).codes.contains(&Code::DateFuture));
        assert_eq!(parse_date("15/03/27", &in_2027).date.map(|d| d.year), Some(2027));
        assert_eq!(parse_date("15/03/27", &in_2026).date.map(|d| d.year), Some(1927));
        assert_eq!(DateOptions::default().this_year, current_year());
    }

    #[test]
    fn common_forms() {
        let d = Some(PartialDate::ymd(1990, 3, 5));
        for s in [
            "05/03/1990",
            "5/3/1990",
            "05-03-1990",
            "05.03.1990",
            "1990-03-05",
            "1990-03-05T00:00:00",
            "05031990",
            "19900305",
            "ngày 05 tháng 03 năm 1990",
            "Ngày 5, tháng 3, năm 1990",
        ] {
            assert_eq!(p(s).date, d, "{s}");
        }
        assert_eq!(p("5/3/90").date, d);
        assert!(p("5/3/90").codes.contains(&Code::DateTwoDigitYear));
        assert_eq!(p("5/3/05").date, Some(PartialDate::ymd(2005, 3, 5)));
    }

    #[test]
    fn written_out_and_exported_forms() {
        let d = Some(PartialDate::ymd(1985, 3, 15));
        for s in [
            "15 tháng 3 năm 1985",
            "ngày 15/3/1985",
            "Ngày 15-03-1985",
            "'15/03/1985",
            "15/03/1985.",
            "15/03/1985 (theo giấy khai sinh)",
            "15-Mar-1985",
            "15 March 1985",
            "Mar 15, 1985",
            "15-mar-85",
        ] {
            assert_eq!(p(s).date, d, "{s}");
            assert!(!p(s).codes.contains(&Code::DateUnparseable), "{s}");
        }
        assert_eq!(p("1985 (ước tính)").date, Some(PartialDate::year_only(1985)));
        assert_eq!(p("Mar 1985").date, Some(PartialDate { year: 1985, month: 3, day: 0 }));
        assert!(p("31-Feb-1985").codes.contains(&Code::DateImpossible));
        for s in ["Ma 15 1985", "15 Foo 1985", "(1985)", "ngày"] {
            assert!(p(s).codes.contains(&Code::DateUnparseable), "{s}");
        }
    }

    #[test]
    fn partial_dates_keep_precision() {
        assert_eq!(p("1950").date.unwrap().precision(), Precision::Year);
        assert_eq!(p("00/00/1950").date, Some(PartialDate::year_only(1950)));
        assert_eq!(p("00001950").date, Some(PartialDate::year_only(1950)));
        assert_eq!(p("03/1950").date, Some(PartialDate { year: 1950, month: 3, day: 0 }));
        assert_eq!(p("năm 1950").date, Some(PartialDate::year_only(1950)));
        assert!(p("00/00/1950").codes.contains(&Code::DateZeroFilled));
    }

    #[test]
    fn impossible_dates_are_reported_not_moved() {
        let r = p("30/02/1990");
        assert!(r.codes.contains(&Code::DateImpossible));
        assert_eq!(r.date, Some(PartialDate { year: 1990, month: 2, day: 0 }));
        assert!(p("29/02/1991").codes.contains(&Code::DateImpossible));
        assert!(p("29/02/1992").codes.is_empty());
        assert!(p("31/04/2000").codes.contains(&Code::DateImpossible));
    }

    #[test]
    fn swapped_order_reported() {
        let r = p("12/25/1990");
        assert_eq!(r.date, Some(PartialDate::ymd(1990, 12, 25)));
        assert!(r.codes.contains(&Code::DateOrderSwapped));
        let o = DateOptions { order: DateOrder::Mdy, ..Default::default() };
        assert_eq!(parse_date("03/05/1990", &o).date, Some(PartialDate::ymd(1990, 3, 5)));
    }

    #[test]
    fn excel_serials_and_garbage() {
        assert_eq!(p("32937").date, Some(PartialDate::ymd(1990, 3, 5)));
        assert!(p("32937").codes.contains(&Code::DateExcelSerial));
        assert_eq!(p("32937.0").date, Some(PartialDate::ymd(1990, 3, 5)));
        assert!(p("không rõ").codes.contains(&Code::DateUnparseable));
        assert!(p("01/01/2090").codes.contains(&Code::DateFuture));
        assert_eq!(p("").date, None);
        assert!(p("").codes.is_empty());
    }
}
