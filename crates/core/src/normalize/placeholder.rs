//! Days a register writes for "unknown": many exports put 01/01 where only the year is
//! known (as others write 00/00), or the 15th where the day is not. A register in which one
//! day of the year, or one day of every month, is far more frequent than the calendar
//! allows is using it as a placeholder; its dates of birth on that day are read at the
//! precision the register really has (the year, or the month), with `DOB_PLACEHOLDER`.

use super::NormRecord;
use crate::calendar::PartialDate;
use crate::field::Field;
use crate::finding::{Code, Finding};

/// How many times the calendar's share a day must reach to be a placeholder: seasons move a
/// day's share of births by tens of percent, not threefold.
const OVERUSE_RATIO: f64 = 3.0;
/// Standard deviations above the calendar's count: a small register's chance peaks are not
/// placeholders.
const OVERUSE_SIGMAS: f64 = 6.0;
/// Fewest dates on one day for it to be a placeholder.
const MIN_COUNT: u64 = 20;

/// A day a register overuses: a day of the year (`month` 1–12), or a day of every month
/// (`month` 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placeholder {
    /// 1–31.
    pub day: u8,
    /// 1–12, or 0 for that day of any month.
    pub month: u8,
}

impl Placeholder {
    fn holds(self, d: PartialDate) -> bool {
        d.day == self.day && (self.month == 0 || d.month == self.month)
    }
}

/// Whether `count` of `n` dates on a day whose calendar share is `share` is far beyond it.
fn overused(count: u64, n: u64, share: f64) -> bool {
    let expected = n as f64 * share;
    count >= MIN_COUNT && count as f64 >= OVERUSE_RATIO * expected && count as f64 >= expected + OVERUSE_SIGMAS * expected.sqrt()
}

/// How many dates known to the day fall on each day of the year: `[month][day]`. Counts of
/// parts of a register add up to the register's (how Spark gathers them).
pub type DayCounts = [[u64; 32]; 13];

/// The dates' [`DayCounts`].
pub fn day_counts(dates: impl Iterator<Item = PartialDate>) -> DayCounts {
    let mut counts = [[0u64; 32]; 13];
    for d in dates.filter(|d| d.day > 0 && d.month > 0) {
        counts[d.month as usize][d.day as usize] += 1;
    }
    counts
}

/// The days of the year, then the days of the month, that a register's dates overuse.
/// Days of the month are judged without the dates an overused day of the year explains
/// (01/01 alone does not make the 1st of every month a placeholder).
pub fn overused_days(by_day_of_year: &DayCounts) -> Vec<Placeholder> {
    const YEAR_DAYS: f64 = 365.25;
    let n: u64 = by_day_of_year.iter().flatten().sum();
    let mut found = Vec::new();
    for month in 1..=12u8 {
        for day in 1..=crate::calendar::days_in_month(2024, month) {
            let share = if (month, day) == (2, 29) { 0.25 / YEAR_DAYS } else { 1.0 / YEAR_DAYS };
            if overused(by_day_of_year[month as usize][day as usize], n, share) {
                found.push(Placeholder { day, month });
            }
        }
    }
    // The same day overused in half the months or more is a day of every month (the 15th).
    for day in 1..=31u8 {
        if found.iter().filter(|p| p.day == day).count() >= 6 {
            found.retain(|p| p.day != day);
            found.push(Placeholder { day, month: 0 });
        }
    }
    let so_far = found.clone();
    let left = |month: u8, day: u8| {
        if so_far.iter().any(|p| p.day == day && (p.month == month || p.month == 0)) { 0 } else { by_day_of_year[month as usize][day as usize] }
    };
    let n_left: u64 = (1..=12u8).flat_map(|m| (1..=31u8).map(move |d| (m, d))).map(|(m, d)| left(m, d)).sum();
    for day in (1..=31u8).filter(|&day| !so_far.contains(&Placeholder { day, month: 0 })) {
        let months = (1..=12u8).filter(|&m| day <= crate::calendar::days_in_month(2024, m)).count() as f64 - if day == 29 { 0.75 } else { 0.0 };
        let count: u64 = (1..=12u8).map(|m| left(m, day)).sum();
        if overused(count, n_left, months / YEAR_DAYS) {
            found.push(Placeholder { day, month: 0 });
        }
    }
    found
}

/// Finds the days a whole register's dates of birth overuse and reads them ([`apply`]).
pub fn read_placeholders(norm: &mut [NormRecord]) -> Vec<(Placeholder, u64)> {
    let days = overused_days(&day_counts(norm.iter().filter_map(|n| n.dob)));
    apply(norm, &days)
}

/// Reads dates of birth on the register's overused `days` at the precision it really has:
/// the year for a day of the year, the month for a day of every month; each gets
/// `DOB_PLACEHOLDER`. Returns each day and how many dates it took.
pub fn apply(norm: &mut [NormRecord], days: &[Placeholder]) -> Vec<(Placeholder, u64)> {
    let mut out: Vec<(Placeholder, u64)> = days.iter().map(|&p| (p, 0)).collect();
    if days.is_empty() {
        return out;
    }
    for n in norm.iter_mut() {
        let Some(d) = n.dob else { continue };
        let Some(k) = days.iter().position(|p| p.holds(d)) else { continue };
        n.dob = Some(if days[k].month == 0 { PartialDate { day: 0, ..d } } else { PartialDate::year_only(d.year) });
        n.findings.push(Finding::new(Field::Dob, Code::DobPlaceholder));
        out[k].1 += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` dates spread over the calendar by a simple stride, plus `extra` on `placeholder`.
    fn register(n: usize, extra: usize, placeholder: (u8, u8)) -> Vec<PartialDate> {
        let mut out: Vec<PartialDate> = (0..n).map(|i| PartialDate::from_days(3650 + (i as i32 * 7919) % 20000)).collect();
        out.extend((0..extra).map(|i| PartialDate::ymd(1960 + (i % 40) as i32, placeholder.1, placeholder.0)));
        out
    }

    fn overused_days_of(dates: &[PartialDate]) -> Vec<Placeholder> {
        overused_days(&day_counts(dates.iter().copied()))
    }

    #[test]
    fn a_day_written_for_unknown_is_found_and_a_calendar_is_not() {
        assert!(overused_days_of(&register(20_000, 0, (1, 1))).is_empty(), "an even calendar overuses nothing");
        assert_eq!(overused_days_of(&register(20_000, 600, (1, 1))), [Placeholder { day: 1, month: 1 }], "3% on 01/01");
        assert_eq!(overused_days_of(&register(20_000, 600, (1, 7))), [Placeholder { day: 1, month: 7 }]);
        assert!(overused_days_of(&register(20_000, 100, (1, 1))).is_empty(), "0.5% more on 01/01 is within chance and seasons");
        assert!(overused_days_of(&register(300, 0, (1, 1))).is_empty(), "a small register's peaks are chance");
        // The 15th of every month: a day of the month, not of the year.
        let mut fifteenth = register(20_000, 0, (1, 1));
        fifteenth.extend((0..2400).map(|i| PartialDate::ymd(1970 + (i % 30), 1 + (i % 12) as u8, 15)));
        assert_eq!(overused_days_of(&fifteenth), [Placeholder { day: 15, month: 0 }]);
    }

    #[test]
    fn placeholder_dates_are_read_at_the_precision_the_register_has() {
        let mut norm: Vec<NormRecord> = register(20_000, 600, (1, 1)).into_iter().map(|d| NormRecord { dob: Some(d), ..Default::default() }).collect();
        let found = read_placeholders(&mut norm);
        assert_eq!(found.len(), 1);
        let read: Vec<&NormRecord> = norm.iter().filter(|n| n.findings.iter().any(|f| f.code == Code::DobPlaceholder)).collect();
        assert_eq!(read.len() as u64, found[0].1);
        assert!(read.len() >= 600 && read.iter().all(|n| n.dob.is_some_and(|d| d.month == 0 && d.day == 0)));
    }
}
