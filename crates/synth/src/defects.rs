//! Realistic defects, each at a configurable rate (the table in the README).

use crate::calendar::{PartialDate, days_in_month};
use crate::rng::Rng;
use crate::text::{Tone, ToneStyle, fold_char, strip_tone, tone_of, tone_style, with_tone};
use unicode_normalization::UnicodeNormalization;

/// Every defect with its default rate (share of sector records it is applied to).
pub const DEFECTS: &[(&str, f64, &str)] = &[
    ("no_diacritics", 0.08, "name typed without diacritics"),
    ("all_caps", 0.06, "name in capitals"),
    ("nfd", 0.03, "name stored as decomposed Unicode (NFD)"),
    ("tone_style", 0.05, "name in the other tone-mark style (hoà / hòa)"),
    ("spacing", 0.04, "extra or missing spaces in the name"),
    ("honorific", 0.01, "Ông / Bà / Anh / Chị before the name"),
    ("dialect", 0.03, "dialect misspelling: d/gi/r, tr/ch, s/x, l/n, n/ng, c/t, i/y, hỏi/ngã"),
    ("typo", 0.02, "keyboard typo in the name"),
    ("family_variant", 0.02, "Hoàng↔Huỳnh, Vũ↔Võ"),
    ("middle_dropped", 0.02, "middle name left out"),
    ("middle_added", 0.01, "a middle name added"),
    ("dob_swapped", 0.02, "day and month swapped"),
    ("dob_year_only", 0.02, "only the year of birth"),
    ("dob_zero_filled", 0.01, "date written 00/00/yyyy"),
    ("dob_placeholder", 0.02, "unknown day and month written 01/01 (a placeholder)"),
    ("dob_impossible", 0.003, "impossible date such as 30/02"),
    ("id_missing", 0.04, "personal ID missing"),
    ("id_old_cmnd", 0.02, "old 9-digit CMND instead of the CCCD"),
    ("id_typo", 0.015, "one digit of the ID wrong"),
    ("id_scientific", 0.005, "ID mangled to scientific notation by a spreadsheet"),
    ("id_lost_zero", 0.02, "ID lost its leading zero in a spreadsheet"),
    ("sex_flipped", 0.005, "sex recorded wrongly"),
    ("sex_missing", 0.01, "sex missing"),
    ("commune_moved", 0.03, "the register has another commune than the reference"),
    ("commune_legacy", 0.04, "pre-2025 commune name (in an address: with its district and old province)"),
    ("address_abbrev", 0.3, "address units abbreviated: X., P., TT., H., TP, TX., T."),
    ("address_no_province", 0.25, "address without its province"),
    ("address_no_marks", 0.08, "address typed without diacritics"),
    ("address_no_commas", 0.15, "address parts run together without commas (spaces, or ' - ')"),
    ("address_bare_units", 0.15, "unit words left out: 'Cát Hanh, Phù Cát, Bình Định'"),
    ("address_unit_slip", 0.03, "a letter of the commune's name mistyped (dropped, doubled or swapped)"),
    ("duplicate", 0.01, "the same person twice in one register"),
    ("absent", 0.03, "person absent from the reference"),
    ("deceased_on_register", 0.01, "a deceased person still on a register"),
    ("stale", 0.05, "last update older than two years"),
];

#[derive(Clone, Debug)]
pub struct Rates(pub Vec<(&'static str, f64)>);

impl Rates {
    pub fn defaults(scale: f64) -> Rates {
        Rates(DEFECTS.iter().map(|(n, r, _)| (*n, (r * scale).min(1.0))).collect())
    }
    pub fn get(&self, name: &str) -> f64 {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, r)| *r).unwrap_or(0.0)
    }
    pub fn set(&mut self, name: &str, v: f64) -> Result<(), String> {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(x) => {
                x.1 = v.clamp(0.0, 1.0);
                Ok(())
            }
            None => Err(format!("unknown defect '{name}'; known: {}", DEFECTS.iter().map(|d| d.0).collect::<Vec<_>>().join(", "))),
        }
    }
}

/// Removes diacritics but keeps case: "Đặng" → "Dang".
pub fn strip_diacritics(s: &str) -> String {
    s.chars()
        .map(|c| {
            let f = fold_char(c);
            if c.is_uppercase() && f.is_ascii_lowercase() {
                f.to_ascii_uppercase()
            } else if crate::text::is_vietnamese_letter(c) {
                f
            } else {
                c
            }
        })
        .collect()
}

pub fn nfd(s: &str) -> String {
    s.nfd().collect()
}

pub fn other_tone_style(s: &str) -> Option<String> {
    let (t, changed) = tone_style(s, ToneStyle::New);
    changed.then_some(t)
}

/// A dialect misspelling of one token (the given name, else the middle).
pub fn dialect(token: &str, r: &mut Rng) -> Option<String> {
    let onsets: &[(&str, &str)] = &[("Gi", "D"), ("D", "Gi"), ("R", "D"), ("Tr", "Ch"), ("Ch", "Tr"), ("S", "X"), ("X", "S"), ("L", "N"), ("N", "L")];
    let mut options: Vec<String> = Vec::new();
    for (a, b) in onsets {
        if let Some(rest) = token.strip_prefix(a)
            && !(*a == "N" && (rest.starts_with('g') || rest.starts_with('h')))
        {
            options.push(format!("{b}{rest}"));
        }
    }
    for (a, b) in [("ng", "n"), ("nh", "n"), ("n", "ng"), ("c", "t"), ("t", "c")] {
        if let Some(rest) = token.strip_suffix(a)
            && !(a == "n" && (rest.ends_with('g') || rest.ends_with('h')))
            && rest.chars().count() >= 2
        {
            options.push(format!("{rest}{b}"));
        }
    }
    let chars: Vec<char> = token.chars().collect();
    if let Some(i) = chars.iter().position(|c| matches!(tone_of(*c), Tone::Hook | Tone::Tilde)) {
        let t = if tone_of(chars[i]) == Tone::Hook { Tone::Tilde } else { Tone::Hook };
        let mut v = chars.clone();
        v[i] = with_tone(strip_tone(chars[i]), t);
        options.push(v.into_iter().collect());
    }
    if let Some(i) = chars.iter().rposition(|c| strip_tone(*c) == 'y' || strip_tone(*c) == 'i')
        && i == chars.len() - 1
        && i > 0
        && !matches!(strip_tone(chars[i - 1]), 'u' | 'a' | 'o' | 'ơ' | 'â' | 'ư' | 'ô' | 'e' | 'ê')
    {
        let mut v = chars.clone();
        let base = if strip_tone(chars[i]) == 'y' { 'i' } else { 'y' };
        v[i] = with_tone(base, tone_of(chars[i]));
        options.push(v.into_iter().collect());
    }
    if options.is_empty() {
        return None;
    }
    Some(r.pick(&options).clone())
}

/// One keyboard slip: a neighbouring key, a doubled or dropped letter.
pub fn typo(token: &str, r: &mut Rng) -> Option<String> {
    let chars: Vec<char> = token.chars().collect();
    let positions: Vec<usize> = (1..chars.len()).filter(|&i| chars[i].is_ascii_lowercase()).collect();
    if positions.is_empty() {
        return None;
    }
    let i = *r.pick(&positions);
    let neighbours = |c: char| -> &'static str {
        match c {
            'a' => "sq",
            'b' => "vn",
            'c' => "xv",
            'd' => "sf",
            'e' => "wr",
            'g' => "fh",
            'h' => "gj",
            'i' => "uo",
            'k' => "jl",
            'l' => "k",
            'm' => "n",
            'n' => "bm",
            'o' => "ip",
            'p' => "o",
            'q' => "w",
            'r' => "et",
            's' => "ad",
            't' => "ry",
            'u' => "yi",
            'v' => "cb",
            'x' => "zc",
            'y' => "tu",
            _ => "e",
        }
    };
    let mut v = chars.clone();
    match r.below(3) {
        0 => {
            let nb: Vec<char> = neighbours(chars[i]).chars().collect();
            v[i] = *r.pick(&nb);
        }
        1 => v.insert(i, chars[i]),
        _ => {
            if v.len() <= 2 {
                return None;
            }
            v.remove(i);
        }
    }
    Some(v.into_iter().collect())
}

pub fn family_variant(family: &str) -> Option<&'static str> {
    match family {
        "Hoàng" => Some("Huỳnh"),
        "Huỳnh" => Some("Hoàng"),
        "Vũ" => Some("Võ"),
        "Võ" => Some("Vũ"),
        _ => None,
    }
}

pub fn swap_day_month(d: PartialDate) -> Option<PartialDate> {
    (d.day <= 12 && d.day != d.month && d.day >= 1).then(|| PartialDate::ymd(d.year, d.day, d.month))
}

/// An impossible date in the person's birth year and month where possible.
pub fn impossible(d: PartialDate) -> String {
    let m = if days_in_month(d.year, d.month) < 31 { d.month } else { 4 };
    let day = days_in_month(d.year, m) + 1;
    format!("{:02}/{:02}/{}", day, m, d.year)
}

/// What a spreadsheet shows for a 12-digit number: 5.2119E+11.
pub fn scientific(id: &str) -> String {
    let digits = id.trim_start_matches('0');
    if digits.is_empty() {
        return id.to_string();
    }
    let exp = digits.len() - 1;
    let mant: String = digits.chars().take(5).collect();
    let mant = mant.trim_end_matches('0');
    let (a, b) = mant.split_at(1);
    if b.is_empty() { format!("{a}E+{exp}") } else { format!("{a}.{b}E+{exp}") }
}

pub fn id_typo(id: &str, r: &mut Rng) -> String {
    let mut v: Vec<u8> = id.bytes().collect();
    if v.len() < 6 {
        return id.to_string();
    }
    // The random tail (positions 6..12), where a typist slips.
    let i = 6 + r.below((v.len() - 6) as u64) as usize;
    let old = v[i];
    while v[i] == old {
        v[i] = b'0' + r.below(10) as u8;
    }
    String::from_utf8(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_documents_every_defect() {
        let readme = include_str!("../../../README.md");
        for (d, _, _) in DEFECTS {
            assert!(readme.contains(&format!("| `{d}` |")), "README lacks defect {d}");
        }
    }

    #[test]
    fn defect_functions() {
        assert_eq!(strip_diacritics("Đặng Thị Ánh"), "Dang Thi Anh");
        assert_eq!(scientific("052190012345"), "5.219E+10");
        assert_eq!(scientific("521000000000"), "5.21E+11");
        assert_eq!(family_variant("Hoàng"), Some("Huỳnh"));
        assert_eq!(swap_day_month(PartialDate::ymd(1990, 3, 5)), Some(PartialDate::ymd(1990, 5, 3)));
        assert_eq!(impossible(PartialDate::ymd(1990, 2, 10)), "29/02/1990");
        let mut r = Rng::new(1);
        for _ in 0..50 {
            let d = dialect("Trung", &mut r).unwrap();
            assert_ne!(d, "Trung");
            let t = typo("Hương", &mut r);
            assert_ne!(t.as_deref(), Some("Hương"));
        }
        assert_eq!(id_typo("052190012345", &mut r).len(), 12);
    }
}
