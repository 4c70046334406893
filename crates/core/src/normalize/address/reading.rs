//! One way of reading an address — a province, a district and a commune, each with where its
//! words stand — and how much it places, so readings can be compared.

use super::gazetteer::District;
use super::tokens::Token;
use super::words::{FULL_COMMUNE_WORDS, word_before};
use crate::normalize::admin::{CommuneLookup, ProvinceScope};

/// Where a level's name stands: `start` includes its unit word, `end` is past the name.
#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) unit_word: bool,
    pub(super) misspelt: bool,
}

impl Span {
    pub(super) fn at(name: usize, end: usize, unit_start: Option<usize>, misspelt: bool) -> Span {
        Span { start: unit_start.unwrap_or(name), end, unit_word: unit_start.is_some(), misspelt }
    }
}

pub(super) struct ProvinceChoice {
    pub(super) span: Option<Span>,
    pub(super) scope: Option<ProvinceScope>,
    /// The pre-2025 province of the same name, when the words name one too ("Đồng Tháp").
    pub(super) named_legacy: Option<String>,
}

pub(super) struct DistrictChoice {
    pub(super) span: Span,
    pub(super) districts: Vec<District>,
    /// Written as its town ("Thị trấn Đại Từ" where no town is so named): the district's seat.
    pub(super) seat: bool,
}

pub(super) struct CommuneChoice {
    pub(super) span: Span,
    pub(super) lookup: CommuneLookup,
    /// Named by an old name, merged away before 2025 (placed in its successor).
    pub(super) merged: bool,
}

/// One way of reading the address, and how much it places.
pub(super) struct Reading {
    pub(super) province: ProvinceChoice,
    pub(super) district: Option<DistrictChoice>,
    pub(super) commune: Option<CommuneChoice>,
    /// A commune written with its word ("xã Đoàn Kết") is left of the commune read, which
    /// has none: this reading passes over what the address says plainly.
    pub(super) passes_over_commune: bool,
}

impl Reading {
    pub(super) fn new(tokens: &[Token], province: ProvinceChoice, district: Option<DistrictChoice>, commune: Option<CommuneChoice>) -> Reading {
        let passes_over_commune =
            commune.as_ref().is_some_and(|c| !c.span.unit_word && (1..c.span.start).any(|at| word_before(tokens, at, FULL_COMMUNE_WORDS).is_some()));
        Reading { province, district, commune, passes_over_commune }
    }

    /// How much a reading places, in an order, not a probability: a commune placed outweighs a
    /// district and a province together (16 > 4 + 1 + 2 + 1), an ambiguous commune still beats
    /// a district alone (6 > 5), a unit word written adds a point, a name read through a typing
    /// slip costs less than a level gains (3), and passing over a commune written with its word
    /// costs nearly a placed commune (14): such a reading must place much more to win.
    pub(super) fn score(&self) -> i32 {
        let mut s = if self.passes_over_commune { -14 } else { 0 };
        let mut misspelt = 0;
        if let Some(c) = &self.commune {
            s += if matches!(c.lookup, CommuneLookup::Found(_)) { 16 } else { 6 };
            misspelt += i32::from(c.span.misspelt);
        }
        if let Some(d) = &self.district {
            s += 4 + i32::from(d.span.unit_word);
            misspelt += i32::from(d.span.misspelt);
        }
        if let Some(p) = &self.province.span {
            s += 2 + i32::from(p.unit_word);
            misspelt += i32::from(p.misspelt);
        }
        s - 3 * misspelt
    }
}
