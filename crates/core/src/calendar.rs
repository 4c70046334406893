//! Dates known to the day, the month or only the year, and the civil-calendar
//! arithmetic under them: a leaf that ingest, normalize and the writers share.

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

/// How much of a date is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Only the year is known.
    Year,
    /// The year and month are known.
    Month,
    /// The full date is known.
    Day,
}

impl Precision {
    /// `year`, `month` or `day` (the records output's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
        }
    }
}

/// A date that may be known only to the month or the year. A year-only date
/// is not 1 January: `month` and `day` are 0 when unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    /// The year (four digits).
    pub year: i32,
    /// 1–12, or 0 when unknown.
    pub month: u8,
    /// 1–31, or 0 when unknown.
    pub day: u8,
}

impl PartialDate {
    /// A full date (no check that it exists).
    pub fn ymd(year: i32, month: u8, day: u8) -> Self {
        PartialDate { year, month, day }
    }
    /// A date known only to the year.
    pub fn year_only(year: i32) -> Self {
        PartialDate { year, month: 0, day: 0 }
    }
    /// How much of the date is known.
    pub fn precision(&self) -> Precision {
        if self.day != 0 {
            Precision::Day
        } else if self.month != 0 {
            Precision::Month
        } else {
            Precision::Year
        }
    }
    /// ISO 8601 form at its precision: `1990-03-05`, `1990-03`, `1990`.
    pub fn iso(&self) -> String {
        match self.precision() {
            Precision::Day => format!("{:04}-{:02}-{:02}", self.year, self.month, self.day),
            Precision::Month => format!("{:04}-{:02}", self.year, self.month),
            Precision::Year => format!("{:04}", self.year),
        }
    }
    /// Reads back [`PartialDate::iso`]'s day form (`1990-03-05`); `None` for anything else
    /// or a day that does not exist.
    pub fn parse_iso(s: &str) -> Option<PartialDate> {
        let mut parts = s.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (y, m, d): (i32, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        ((1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d)).then(|| PartialDate::ymd(y, m, d))
    }
    /// Vietnamese display form: `05/03/1990`, `03/1990`, `1990`.
    pub fn display_vi(&self) -> String {
        match self.precision() {
            Precision::Day => format!("{:02}/{:02}/{:04}", self.day, self.month, self.year),
            Precision::Month => format!("{:02}/{:04}", self.month, self.year),
            Precision::Year => format!("{:04}", self.year),
        }
    }
    /// Days since 1970-01-01 of a day-precision date.
    pub fn days_since_epoch(&self) -> Option<i32> {
        (self.precision() == Precision::Day).then(|| days_from_civil(self.year, self.month as u32, self.day as u32))
    }
    /// The day-precision date `days` after 1970-01-01.
    pub fn from_days(days: i32) -> PartialDate {
        let (y, m, d) = civil_from_days(days);
        PartialDate::ymd(y, m as u8, d as u8)
    }
}

/// A Gregorian leap year.
pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` of year `y` (0 for a month outside 1–12).
pub fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Howard Hinnant's days-from-civil.
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u32;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe as i32 - 719468
}

/// The (year, month, day) of `z` days after 1970-01-01 (Howard Hinnant's civil-from-days).
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = (z - era * 146097) as u32;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe as i32 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iso_day_is_read_back_and_nothing_else_is() {
        let d = PartialDate::ymd(2026, 2, 28);
        assert_eq!(PartialDate::parse_iso(&d.iso()), Some(d));
        for bad in ["2026-02-29", "2026-13-01", "2026-2-01", "2026-02", "", "2026-02-28-1", "abcd-ef-gh"] {
            assert_eq!(PartialDate::parse_iso(bad), None, "{bad}");
        }
        assert_eq!(PartialDate::parse_iso("2026-12-07").and_then(|d| d.days_since_epoch()).map(|x| x - d.days_since_epoch().unwrap()), Some(282));
    }

    #[test]
    fn civil_days_round_trip() {
        for days in [-25567, -1, 0, 1, 10957, 20000, 47482] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }
}
