//! The unit words written before a name (Xã, P., Huyện, TP, Tỉnh …) and how they are found:
//! by their marks as well as their letters ("quán" is no "quận"), within one comma part.

use super::tokens::Token;
use crate::normalize::admin::CommuneKind;

pub(super) type Words = &'static [&'static str];

/// Unit words before a commune's name, with the kind each says.
/// (Written with their marks: typed with other marks they are other words, "quán" no "quận".)
const COMMUNE_WORDS: &[(Words, CommuneKind)] = &[
    (&["thị", "trấn"], CommuneKind::ThiTran),
    (&["đặc", "khu"], CommuneKind::DacKhu),
    (&["t", "t"], CommuneKind::ThiTran),
    (&["tt"], CommuneKind::ThiTran),
    (&["phường"], CommuneKind::Phuong),
    (&["p"], CommuneKind::Phuong),
    (&["f"], CommuneKind::Phuong), // "F.7": Saigon's old way of writing a numbered ward
    (&["xã"], CommuneKind::Xa),
    (&["x"], CommuneKind::Xa),
];
/// Full commune words: an unplaced one left of a bare name says the bare name is no commune.
pub(super) const FULL_COMMUNE_WORDS: &[Words] = &[&["thị", "trấn"], &["phường"], &["xã"]];
/// Unit words before a pre-2025 district's name; the first three also stand before provinces.
pub(super) const DISTRICT_WORDS: &[Words] =
    &[&["thành", "phố"], &["tp"], &["t", "p"], &["thị", "xã"], &["thị", "x"], &["huyện"], &["quận"], &["tx"], &["t", "x"], &["h"], &["q"]];
/// Unit words that only a district takes ("Huyện Hà Nam" is no province).
pub(super) const DISTRICT_ONLY_WORDS: &[Words] = &[&["thị", "xã"], &["thị", "x"], &["huyện"], &["quận"], &["tx"], &["t", "x"], &["h"], &["q"]];
pub(super) const PROVINCE_WORDS: &[Words] = &[&["thành", "phố"], &["tỉnh"], &["tp"], &["t", "p"], &["t"]];
/// Full words of the levels above the commune.
pub(super) const LEVEL_WORDS: &[Words] = &[&["thành", "phố"], &["thị", "xã"], &["huyện"], &["quận"], &["tỉnh"]];
pub(super) const COUNTRY_WORDS: &[Words] = &[&["việt", "nam"], &["vietnam"], &["vn"]];

/// The unit word among `words` that ends right before token `at`, in its comma part
/// ("Nho Quan, Ninh Bình": that "Quan" is no "Quận" of Ninh Bình): (its first token, which one).
pub(super) fn word_before(tokens: &[Token], at: usize, words: &[Words]) -> Option<(usize, usize)> {
    words.iter().enumerate().find_map(|(i, w)| is_word_before(tokens, at, w).map(|s| (s, i)))
}

fn is_word_before(tokens: &[Token], at: usize, word: Words) -> Option<usize> {
    let s = at.checked_sub(word.len())?;
    let part = tokens.get(at).map_or(tokens[at - 1].part, |t| t.part);
    tokens[s..at].iter().zip(word.iter()).all(|(t, w)| t.part == part && t.is(w)).then_some(s)
}

pub(super) fn commune_word_before(tokens: &[Token], at: usize) -> Option<(usize, CommuneKind)> {
    COMMUNE_WORDS.iter().find_map(|(w, kind)| is_word_before(tokens, at, w).map(|s| (s, *kind)))
}
