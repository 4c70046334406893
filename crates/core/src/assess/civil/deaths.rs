//! Deaths: a certificate's registration found as a person would find it, and what the two
//! say of the date of death.

use super::{DEATH_REGISTRATION_DAYS, DeathKey, Row, day, matched, names_alike};
use crate::assess::LinkedSource;
use crate::calendar::{PartialDate, Precision};
use crate::field::Field;
use crate::finding::{Code, Finding};
use crate::normalize::name::Name;
use crate::schema::SchemaKind;
use std::collections::HashMap;

/// Deaths: each certificate's registration looked for one way — by the deceased's link, by the
/// name and the date of birth (a year against a full date of that year, with the same day of
/// death), or — a typo in one register's name — by the day of death and a name alike — and
/// `found(source, certificate, their death dates disagree)` for each one found.
pub(super) fn death_lookups(sources: &[LinkedSource], rows: &[Vec<Row>], by: DeathKey, found: &mut dyn FnMut(usize, usize, bool)) {
    let of_kind = |k: SchemaKind| sources.iter().enumerate().filter(move |(_, s)| s.schema.kind == k).map(|(s, _)| s);
    let mut by_person: HashMap<u32, Vec<Option<i32>>> = HashMap::new();
    // By the folded name and the year of birth: the date of birth and the day of death.
    let mut by_name_year: HashMap<(&str, i32), Vec<BirthAndDeath>> = HashMap::new();
    // By the day of death: the deceased's name and date of birth.
    let mut by_death: HashMap<i32, Vec<NameAndBirth>> = HashMap::new();
    for s in of_kind(SchemaKind::DeathRegistration) {
        let src = &sources[s];
        for row in &rows[s] {
            let n = &src.norm[row.event];
            let died = day(n.death_date);
            match by {
                DeathKey::Person => {
                    if let Some(p) = matched(src, row.event) {
                        by_person.entry(p).or_default().push(died);
                    }
                }
                DeathKey::NameAndYear => {
                    if let (Some(name), Some(dob)) = (&n.name, n.dob) {
                        by_name_year.entry((name.folded(), dob.year)).or_default().push((dob, died));
                    }
                }
                DeathKey::DayOfDeath => {
                    if let (Some(name), Some(d)) = (&n.name, died) {
                        by_death.entry(d).or_default().push((name, n.dob));
                    }
                }
            }
        }
    }
    for s in of_kind(SchemaKind::DeathCertificate) {
        let src = &sources[s];
        for row in &rows[s] {
            let n = &src.norm[row.event];
            let died = day(n.death_date);
            let dates: Option<Vec<Option<i32>>> = match by {
                DeathKey::Person => matched(src, row.event).and_then(|p| by_person.get(&p).cloned()),
                // A year of birth against a full date agrees with every namesake born that year:
                // such a registration is the certificate's only when the day of death agrees too.
                DeathKey::NameAndYear => n.name.as_ref().zip(n.dob).and_then(|(name, dob)| {
                    let v = by_name_year.get(&(name.folded(), dob.year))?;
                    let same = |(d, death): &&BirthAndDeath| *d == dob || (dates_agree(*d, dob) && died.is_some() && *death == died);
                    let dates: Vec<Option<i32>> = v.iter().filter(same).map(|x| x.1).collect();
                    (!dates.is_empty()).then_some(dates)
                }),
                // Found by the day of death: the dates agree by construction.
                DeathKey::DayOfDeath => (|| {
                    let (name, d) = (n.name.as_ref()?, died?);
                    by_death.get(&d)?.iter().any(|(m, dob)| names_alike(name, m) && n.dob.zip(*dob).is_none_or(|(a, b)| dates_agree(a, b))).then(Vec::new)
                })(),
            };
            if let Some(dates) = dates {
                let disagrees = died.is_some_and(|d| !dates.is_empty() && !dates.iter().any(|x| x.is_none_or(|x| x == d)));
                found(s, row.event, disagrees);
            }
        }
    }
}

/// A death certificate's finding from its registration as first found (`Some(dates disagree)`),
/// or not found: `DEATH_NOT_REGISTERED` after the legal period.
pub(super) fn death_finding(src: &LinkedSource, event: usize, found: Option<bool>, today: i32) -> Option<Finding> {
    match found {
        None => day(src.norm[event].death_date).is_some_and(|d| today - d > DEATH_REGISTRATION_DAYS).then(|| Finding::record(Code::DeathNotRegistered)),
        Some(true) => Some(Finding::new(Field::DeathDate, Code::DeathDateDisagrees)),
        Some(false) => None,
    }
}

/// A death registration's deceased as the day-of-death fallback compares it.
type NameAndBirth<'a> = (&'a Name, Option<PartialDate>);
/// A death registration's date of birth and day of death, under its name and year of birth.
type BirthAndDeath = (PartialDate, Option<i32>);

/// Two dates of one event that agree as far as both are known: a year-only date agrees with
/// any day of its year, a month with any day of its month, and a full date with the one whose
/// day and month were swapped in typing (12/10 for 10/12).
fn dates_agree(a: PartialDate, b: PartialDate) -> bool {
    let known = a.precision().min(b.precision());
    let swapped = known == Precision::Day && a.year == b.year && a.day == b.month && a.month == b.day;
    swapped || (a.year == b.year && (known == Precision::Year || a.month == b.month) && (known != Precision::Day || a.day == b.day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_agree_as_far_as_both_are_known() {
        let (day, year) = (PartialDate::ymd(1941, 6, 12), PartialDate::year_only(1941));
        assert!(dates_agree(day, year) && dates_agree(year, day) && dates_agree(day, day));
        assert!(!dates_agree(day, PartialDate::ymd(1941, 6, 13)) && !dates_agree(day, PartialDate::year_only(1942)));
        assert!(dates_agree(PartialDate { year: 1941, month: 6, day: 0 }, day) && !dates_agree(PartialDate { year: 1941, month: 7, day: 0 }, day));
        assert!(dates_agree(PartialDate::ymd(2003, 10, 12), PartialDate::ymd(2003, 12, 10)), "day and month swapped in typing");
    }
}
