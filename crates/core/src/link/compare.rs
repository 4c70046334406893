//! Comparisons as data: each is a name and an ordered list of levels; the
//! first level whose predicate holds wins. A missing value on either side is
//! the null level, which weighs exactly 0.

use super::features::Features;
use super::similarity::{jaro_winkler, one_digit_off};
use crate::calendar::Precision;
use serde::{Deserialize, Serialize};

/// A test that decides whether a pair is at a level.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "arg")]
pub enum Predicate {
    NameExact,
    NameFoldedExact,
    /// Same phonetic key: dialect spellings and Hoàng/Huỳnh, Vũ/Võ.
    NamePhonetic,
    NameJaroWinkler(f64),
    /// Same given name and family name; the middle name differs or is missing.
    NameFamilyGiven,
    NameGivenOnly,
    DobExact,
    /// One side knows only the year and the years agree.
    DobYearOnlyAgree,
    DobDayMonthSwapped,
    DobYearMonth,
    DobYear,
    DobYearWithin(i32),
    SexEqual,
    IdExact,
    IdOneDigitOff,
    OldIdExact,
    /// Same commune, and the same house / street / hamlet part of the address.
    CommuneAndHamletEqual,
    CommuneEqual,
    ProvinceEqual,
    Else,
}

impl Predicate {
    /// The level's label in the model and in matches.parquet, from the test itself
    /// (a threshold is written once, in the predicate).
    pub fn label(self) -> String {
        use Predicate::*;
        match self {
            NameExact | DobExact | IdExact | OldIdExact => "exact".into(),
            NameFoldedExact => "folded_exact".into(),
            NamePhonetic => "phonetic".into(),
            NameJaroWinkler(t) => format!("jaro_winkler_{t}"),
            NameFamilyGiven => "family_given".into(),
            NameGivenOnly => "given_only".into(),
            DobYearOnlyAgree => "year_only_agree".into(),
            DobDayMonthSwapped => "day_month_swapped".into(),
            DobYearMonth => "year_month".into(),
            DobYear => "year".into(),
            DobYearWithin(n) => format!("year_within_{n}"),
            SexEqual => "equal".into(),
            IdOneDigitOff => "one_digit_off".into(),
            CommuneAndHamletEqual => "same_hamlet".into(),
            CommuneEqual => "same".into(),
            ProvinceEqual => "same_province".into(),
            Else => "else".into(),
        }
    }
}

/// The field a comparison reads (decides the null check).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareField {
    Name,
    Dob,
    Sex,
    PersonId,
    OldId,
    Commune,
}

impl CompareField {
    /// The comparison's name in the model and the matches.parquet columns.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareField::Name => "name",
            CompareField::Dob => "dob",
            CompareField::Sex => "sex",
            CompareField::PersonId => "person_id",
            CompareField::OldId => "old_id",
            CompareField::Commune => "commune",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Level {
    pub label: String,
    pub predicate: Predicate,
    /// Apply a term-frequency adjustment at this level.
    #[serde(default)]
    pub tf: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub name: String,
    pub field: CompareField,
    /// Non-null levels in order; the last is normally `Else`.
    pub levels: Vec<Level>,
}

fn lvl(p: Predicate, tf: bool) -> Level {
    Level { label: p.label(), predicate: p, tf }
}

fn comparison(field: CompareField, levels: Vec<Level>) -> Comparison {
    Comparison { name: field.as_str().to_string(), field, levels }
}

/// The default comparisons for Vietnamese person records.
pub fn default_comparisons() -> Vec<Comparison> {
    use CompareField as F;
    use Predicate::*;
    vec![
        comparison(
            F::Name,
            vec![
                lvl(NameExact, true),
                lvl(NameFoldedExact, true),
                lvl(NamePhonetic, true),
                lvl(NameJaroWinkler(0.94), false),
                lvl(NameFamilyGiven, false),
                lvl(NameJaroWinkler(0.85), false),
                lvl(NameGivenOnly, false),
                lvl(Else, false),
            ],
        ),
        comparison(
            F::Dob,
            vec![
                lvl(DobExact, true),
                lvl(DobYearOnlyAgree, false),
                lvl(DobDayMonthSwapped, false),
                lvl(DobYearMonth, false),
                lvl(DobYear, false),
                lvl(DobYearWithin(1), false),
                lvl(Else, false),
            ],
        ),
        comparison(F::Sex, vec![lvl(SexEqual, false), lvl(Else, false)]),
        comparison(F::PersonId, vec![lvl(IdExact, false), lvl(IdOneDigitOff, false), lvl(Else, false)]),
        comparison(F::OldId, vec![lvl(OldIdExact, false), lvl(Else, false)]),
        comparison(F::Commune, vec![lvl(CommuneAndHamletEqual, false), lvl(CommuneEqual, true), lvl(ProvinceEqual, false), lvl(Else, false)]),
    ]
}

/// The level index that marks a null comparison.
pub const NULL_LEVEL: u8 = u8::MAX;

fn is_null(f: CompareField, a: &Features, b: &Features) -> bool {
    match f {
        CompareField::Name => !a.has_name() || !b.has_name(),
        CompareField::Dob => a.dob.is_none() || b.dob.is_none(),
        CompareField::Sex => a.sex.is_none() || b.sex.is_none(),
        CompareField::PersonId => a.person_id.is_none() || b.person_id.is_none(),
        CompareField::OldId => a.old_id.is_none() || b.old_id.is_none(),
        CompareField::Commune => a.commune.is_none() || b.commune.is_none(),
    }
}

fn holds(p: Predicate, a: &Features, b: &Features, jw: &mut Option<f64>) -> bool {
    use Predicate::*;
    match p {
        NameExact => a.name.full() == b.name.full(),
        NameFoldedExact => a.name.folded() == b.name.folded(),
        NamePhonetic => a.name.phonetic() == b.name.phonetic(),
        // Computed once per pair, whatever the number of bands.
        NameJaroWinkler(t) => *jw.get_or_insert_with(|| jaro_winkler(a.name.folded().as_bytes(), b.name.folded().as_bytes())) >= t,
        NameFamilyGiven => a.name.phonetic_given() == b.name.phonetic_given() && a.name.phonetic_family() == b.name.phonetic_family(),
        NameGivenOnly => a.name.phonetic_given() == b.name.phonetic_given(),
        // Two year-only dates agree on a year, not on a day: that is the year-only level.
        DobExact => a.dob == b.dob && a.dob.is_some_and(|d| d.precision() == Precision::Day),
        DobYearOnlyAgree => {
            let Some((x, y)) = a.dob.zip(b.dob) else { return false };
            x.year == y.year && (x.precision() == Precision::Year || y.precision() == Precision::Year)
        }
        DobDayMonthSwapped => {
            let Some((x, y)) = a.dob.zip(b.dob) else { return false };
            x.year == y.year && x.day != 0 && y.day != 0 && x.day == y.month && x.month == y.day
        }
        DobYearMonth => {
            let Some((x, y)) = a.dob.zip(b.dob) else { return false };
            x.year == y.year && x.month != 0 && x.month == y.month
        }
        DobYear => a.dob.zip(b.dob).is_some_and(|(x, y)| x.year == y.year),
        DobYearWithin(n) => a.dob.zip(b.dob).is_some_and(|(x, y)| (x.year - y.year).abs() <= n),
        SexEqual => a.sex == b.sex,
        IdExact => a.person_id == b.person_id,
        // A model file may pair any predicate with any field: never assume the value is there.
        IdOneDigitOff => a.person_id.as_deref().zip(b.person_id.as_deref()).is_some_and(|(x, y)| one_digit_off(x.as_bytes(), y.as_bytes())),
        OldIdExact => a.old_id == b.old_id,
        CommuneAndHamletEqual => a.hamlet.is_some() && a.hamlet == b.hamlet && holds(CommuneEqual, a, b, jw),
        // A split pre-2025 commune is any of the 2025 units it went to.
        CommuneEqual => {
            a.commune == b.commune
                || b.commune.as_ref().is_some_and(|c| a.commune_alt.contains(c))
                || a.commune.as_ref().is_some_and(|c| b.commune_alt.contains(c))
        }
        ProvinceEqual => a.province.is_some() && a.province == b.province,
        Else => true,
    }
}

impl Comparison {
    /// The level of a pair: an index into `levels`, or [`NULL_LEVEL`].
    #[inline]
    pub fn level(&self, a: &Features, b: &Features) -> u8 {
        if is_null(self.field, a, b) {
            return NULL_LEVEL;
        }
        let mut jw = None;
        for (i, l) in self.levels.iter().enumerate() {
            if holds(l.predicate, a, b, &mut jw) {
                return i as u8;
            }
        }
        (self.levels.len() - 1) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::PartialDate;

    fn person(name: &str, dob: PartialDate) -> Features {
        Features { dob: Some(dob), ..Features::from_name(name) }
    }

    fn other_or_default(m: &crate::normalize::admin::CommuneMatch) -> &str {
        m.other_targets.first().or(m.current_code.as_ref()).map(String::as_str).unwrap_or("")
    }

    /// A pre-2025 commune the crosswalk splits across several 2025 units.
    const SPLIT_LEGACY_CODE: &str = "00019"; // Phường Điện Biên (Ba Đình) → 00004, 00070, 00190, 00226

    #[test]
    fn levels_in_order() {
        let c = default_comparisons();
        let d = PartialDate::ymd(1990, 3, 5);
        let a = person("Nguyễn Văn Trung", d);
        assert_eq!(c[0].level(&a, &person("Nguyễn Văn Trung", d)), 0);
        assert_eq!(c[0].level(&a, &person("NGUYEN VAN TRUNG", d)), 1);
        assert_eq!(c[0].level(&a, &person("Nguyễn Văn Chung", d)), 2);
        assert_eq!(c[0].level(&a, &person("Nguyễn Trung", d)), 4);
        assert_eq!(c[0].level(&a, &person("Lê Thị Hoa", d)), 7);
        assert_eq!(c[1].level(&a, &person("x y", PartialDate::ymd(1990, 5, 3))), 2);
        assert_eq!(c[1].level(&a, &person("x y", PartialDate::year_only(1990))), 1);
        assert_eq!(c[1].level(&a, &person("x y", PartialDate::ymd(1991, 1, 1))), 5);
        // A pre-2025 commune split across several 2025 units is the same commune as any of them.
        let reg = crate::normalize::admin::AdminRegistry::get();
        let crate::normalize::admin::CommuneLookup::Found(split) = reg.lookup_commune(SPLIT_LEGACY_CODE, None, crate::normalize::admin::Era::Legacy) else {
            panic!()
        };
        assert!(split.split && !split.other_targets.is_empty());
        let commune = |code: &str, alt: Vec<&str>| Features { commune: Some(code.into()), commune_alt: alt.into_iter().map(Into::into).collect(), ..a.clone() };
        let record = commune(split.current_code.as_deref().unwrap(), split.other_targets.iter().map(String::as_str).collect());
        for other in &split.other_targets {
            assert_eq!(c[5].level(&record, &commune(other, vec![])), 1, "{other} is one of the units it went to");
        }
        // The same hamlet as well: the level above.
        let mut home = commune(other_or_default(&split), vec![]);
        home.hamlet = Some(7);
        let mut there = home.clone();
        assert_eq!(c[5].level(&home, &there), 0);
        there.hamlet = Some(8);
        assert_eq!(c[5].level(&home, &there), 1);
        there.hamlet = None;
        assert_eq!(c[5].level(&home, &there), 1, "one side without a hamlet compares on the commune");
        let year = |y| person("x y", PartialDate::year_only(y));
        assert_eq!(c[1].level(&year(1990), &year(1990)), 1, "two year-only dates are the year-only level, not exact");
        let mut b = a.clone();
        b.sex = None;
        assert_eq!(c[2].level(&a, &b), NULL_LEVEL);
    }
}
