//! Personal names: cleaning, structure (family / middle / given) and matching keys.

use super::legacy::repair_mojibake;
use super::phonetic::{family_key, token_key};
use super::text::{ToneStyle, clean, fold, has_diacritics, is_all_caps, is_letter, title_case, tone_style};
use crate::finding::Code;
use std::sync::LazyLock;

/// Common family names (folded), the ones VIETNAM.md §4.2 lists and a few more.
pub const FAMILY_NAMES: &[&str] = &[
    "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo", "duong", "ly", "lam", "dinh", "nghiem", "dao",
    "vuong", "trinh", "phung", "chung", "trieu", "doan", "ha", "truong", "ton", "mai", "la", "ta", "luong", "kim", "thach", "lac", "cao", "chau", "chu",
    "diep", "dam", "giang", "han", "kieu", "luc", "ma", "mach", "pho", "quach", "to", "trang", "tieu", "thi", "luu", "lieu", "thai", "sai", "khong", "au",
    "khuc", "lai", "quan", "tang", "van", "uong", "ong", "ninh", "nong", "lo", "lu", "hua", "yen", "khuat", "dieu",
];

/// Two-word family names recognized as one family name.
const COMPOUND_FAMILY: &[&str] = &["ton that", "au duong", "tu ma", "nguyen phuc", "hoang phu", "ton nu", "gia cat"];

/// Middle names that are also family names: a second token in this list is a
/// middle name, not the second half of a dual family name.
const MIDDLE_ALSO_FAMILY: &[&str] = &["hoang", "kim", "mai", "ha", "dinh", "van", "thi", "luong", "cao", "giang", "la", "lam", "truong"];

/// Honorifics and kin terms that registers put before a name.
const HONORIFICS: &[&str] = &["ong", "ba", "anh", "chi", "cu", "chau", "be", "em", "co", "chu", "bac", "di", "thay"];

static FAMILY_SET: LazyLock<std::collections::HashSet<&'static str>> = LazyLock::new(|| FAMILY_NAMES.iter().copied().collect());

/// A normalized personal name and its matching keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Name {
    /// Cleaned display form: NFC, title case, uniform tone style.
    pub full: String,
    pub family: String,
    pub middle: String,
    pub given: String,
    /// Folded full name: lower case, no diacritics, đ → d.
    pub folded: String,
    pub folded_family: String,
    pub folded_given: String,
    /// Phonetic key of the full name (tokens joined by spaces).
    pub phonetic: String,
    pub phonetic_given: String,
    pub phonetic_family: String,
    /// False when the input carried no diacritics at all.
    pub has_diacritics: bool,
}

/// Normalizes a full name. Returns `None` for an empty value.
///
/// ```
/// use lamsach::normalize::{name::normalize_name, text::ToneStyle};
/// let (n, codes) = normalize_name("ÔNG  NGUYỄN VĂN THỦY", ToneStyle::Old).unwrap();
/// assert_eq!(n.full, "Nguyễn Văn Thủy");
/// assert_eq!((n.family.as_str(), n.middle.as_str(), n.given.as_str()), ("Nguyễn", "Văn", "Thủy"));
/// assert_eq!(n.folded, "nguyen van thuy");
/// assert!(codes.contains(&lamsach::finding::Code::NameHonorific));
/// ```
pub fn normalize_name(raw: &str, style: ToneStyle) -> Option<(Name, Vec<Code>)> {
    let mut codes = Vec::new();
    let repaired = repair_mojibake(raw);
    let source = match &repaired {
        Some((t, _)) => {
            codes.push(Code::NameLegacyEncoding);
            t.as_str()
        }
        None => raw,
    };
    let c = clean(source);
    if c.text.is_empty() {
        return None;
    }
    if c.was_not_nfc {
        codes.push(Code::TextNotNfc);
    }
    if c.spacing_changed {
        codes.push(Code::TextSpacing);
    }
    let mut text = c.text;
    if text.chars().any(|ch| ch.is_ascii_digit()) {
        codes.push(Code::NameDigits);
    }
    if text.chars().any(|ch| !(is_letter(ch) || ch == ' ' || ch == '\'' || ch == '-' || ch.is_ascii_digit())) {
        codes.push(Code::NameInvalidChars);
        text = text.chars().map(|ch| if is_letter(ch) || ch == '\'' || ch == '-' || ch.is_ascii_digit() { ch } else { ' ' }).collect();
        text = clean(&text).text;
    }
    // Stripping stray symbols can reveal mojibake the raw value hid ("Ö౷À¡" → "Ö À"):
    // try the repair once more so that normalizing twice gives the same name.
    if repaired.is_none()
        && let Some((t, _)) = repair_mojibake(&text)
    {
        codes.push(Code::NameLegacyEncoding);
        text = clean(&t).text;
    }
    if is_all_caps(&text) {
        codes.push(Code::NameAllCaps);
    }
    let (styled, restyled) = tone_style(&title_case(&text), style);
    if restyled {
        codes.push(Code::NameToneStyle);
    }
    let mut tokens: Vec<&str> = styled.split(' ').filter(|t| !t.is_empty()).collect();
    // Strip a leading honorific only when a known family name follows it, so
    // that the rare family name Ông (Ông Ích Khiêm) survives.
    while tokens.len() >= 3 && HONORIFICS.contains(&fold(tokens[0]).as_str()) && FAMILY_SET.contains(fold(tokens[1]).as_str()) {
        tokens.remove(0);
        if !codes.contains(&Code::NameHonorific) {
            codes.push(Code::NameHonorific);
        }
    }
    if tokens.is_empty() {
        return None;
    }
    if tokens.len() == 1 {
        codes.push(Code::NameSingleToken);
    }
    let has_diacritics = has_diacritics(&styled);
    if !has_diacritics && styled.chars().any(is_letter) {
        codes.push(Code::NameNoDiacritics);
    }
    let folded_tokens: Vec<String> = tokens.iter().map(|t| fold(t)).collect();
    let family_len = family_length(&folded_tokens);
    let (family, middle, given) = if tokens.len() == 1 {
        (String::new(), String::new(), tokens[0].to_string())
    } else {
        let f = tokens[..family_len].join(" ");
        let g = tokens[tokens.len() - 1].to_string();
        let m = tokens[family_len..tokens.len() - 1].join(" ");
        (f, m, g)
    };
    let phonetic_tokens: Vec<String> =
        folded_tokens.iter().enumerate().map(|(i, t)| if i < family_len && tokens.len() > 1 { family_key(t) } else { token_key(t) }).collect();
    let name = Name {
        full: tokens.join(" "),
        folded: folded_tokens.join(" "),
        folded_family: if tokens.len() > 1 { folded_tokens[..family_len].join(" ") } else { String::new() },
        folded_given: folded_tokens.last().cloned().unwrap_or_default(),
        phonetic: phonetic_tokens.join(" "),
        phonetic_given: phonetic_tokens.last().cloned().unwrap_or_default(),
        phonetic_family: if tokens.len() > 1 { phonetic_tokens[..family_len].join(" ") } else { String::new() },
        family,
        middle,
        given,
        has_diacritics,
    };
    Some((name, codes))
}

/// Normalizes each distinct raw name once: registers repeat names a lot
/// (Nguyễn Văn An), so a run keeps one cache per worker.
pub struct NameCache {
    style: ToneStyle,
    map: std::collections::HashMap<String, Option<(Name, Vec<Code>)>>,
    limit: usize,
}

impl NameCache {
    /// A cache that stops growing after `limit` distinct names (memory stays bounded).
    pub fn new(style: ToneStyle, limit: usize) -> Self {
        NameCache { style, map: std::collections::HashMap::new(), limit }
    }

    /// Same result as [`normalize_name`], computed once per distinct value.
    pub fn normalize(&mut self, raw: &str) -> Option<(Name, Vec<Code>)> {
        if let Some(hit) = self.map.get(raw) {
            return hit.clone();
        }
        let v = normalize_name(raw, self.style);
        if self.map.len() < self.limit {
            self.map.insert(raw.to_string(), v.clone());
        }
        v
    }
}

fn family_length(folded: &[String]) -> usize {
    if folded.len() >= 3 {
        let two = format!("{} {}", folded[0], folded[1]);
        if COMPOUND_FAMILY.contains(&two.as_str()) {
            return 2;
        }
        // Dual family names ("Nguyễn Phạm Minh Anh") need two more tokens after them.
        if folded.len() >= 4
            && FAMILY_SET.contains(folded[0].as_str())
            && FAMILY_SET.contains(folded[1].as_str())
            && !MIDDLE_ALSO_FAMILY.contains(&folded[1].as_str())
        {
            return 2;
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> (Name, Vec<Code>) {
        normalize_name(s, ToneStyle::Old).unwrap()
    }

    #[test]
    fn splits_family_middle_given() {
        let (x, _) = n("Trần Thị Thu Hương");
        assert_eq!((x.family.as_str(), x.middle.as_str(), x.given.as_str()), ("Trần", "Thị Thu", "Hương"));
        let (x, _) = n("Tôn Thất Thuyết");
        assert_eq!((x.family.as_str(), x.middle.as_str(), x.given.as_str()), ("Tôn Thất", "", "Thuyết"));
        let (x, _) = n("Nguyễn Phạm Minh Anh");
        assert_eq!(x.family, "Nguyễn Phạm");
        let (x, _) = n("Nguyễn Hoàng Minh Anh");
        assert_eq!(x.family, "Nguyễn");
        let (x, _) = n("Âu Dương Phong");
        assert_eq!(x.family, "Âu Dương");
    }

    #[test]
    fn findings() {
        let (_, c) = n("NGUYEN VAN AN");
        assert!(c.contains(&Code::NameNoDiacritics) && c.contains(&Code::NameAllCaps));
        let (x, c) = n("Bà Lê Thị Hoà");
        assert_eq!(x.full, "Lê Thị Hòa");
        assert!(c.contains(&Code::NameHonorific) && c.contains(&Code::NameToneStyle));
        let (x, c) = n("Ông Ích Khiêm");
        assert_eq!(x.family, "Ông");
        assert!(!c.contains(&Code::NameHonorific));
        let (_, c) = n("Nguyễn Văn 2");
        assert!(c.contains(&Code::NameDigits));
        let (_, c) = n("Hùng");
        assert!(c.contains(&Code::NameSingleToken));
        let (x, c) = n("Nguyeãn Vaên Ñöùc");
        assert_eq!(x.full, "Nguyễn Văn Đức");
        assert!(c.contains(&Code::NameLegacyEncoding));
        assert!(normalize_name("   ", ToneStyle::Old).is_none());
    }

    #[test]
    fn keys_tolerate_dialect_and_variants() {
        let (a, _) = n("Huỳnh Văn Trung");
        let (b, _) = n("Hoàng Văn Chung");
        assert_eq!(a.phonetic, b.phonetic);
        let (a, _) = n("Võ Thị Dung");
        let (b, _) = n("vu thi zung");
        assert_eq!(a.phonetic_family, b.phonetic_family);
        let (a, _) = n("Lê Văn Giang");
        assert_eq!(a.phonetic_given, token_key("dan"));
    }
}
