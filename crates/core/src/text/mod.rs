//! Vietnamese text: NFC, whitespace, case, tone marks, folding and syllable checks.
//!
//! The per-character facts (base letter, tone, ASCII fold) come from one table
//! built once from Unicode decomposition, so the hot paths are a lookup per char.

pub mod legacy;
mod legacy_tables;
pub mod mojibake;
mod syllable;

pub use syllable::{is_vietnamese_syllable, onset_len};

use std::sync::LazyLock;
use unicode_normalization::{IsNormalized, UnicodeNormalization, char::decompose_canonical, is_nfc_quick};

/// The five tones marked in writing (level tone "ngang" has no mark).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Tone {
    None = 0,
    Grave = 1, // huyền U+0300
    Acute = 2, // sắc U+0301
    Tilde = 3, // ngã U+0303
    Hook = 4,  // hỏi U+0309
    Dot = 5,   // nặng U+0323
}

const TONE_MARKS: [char; 6] = ['\0', '\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

fn tone_of_mark(c: char) -> Option<Tone> {
    match c {
        '\u{300}' => Some(Tone::Grave),
        '\u{301}' => Some(Tone::Acute),
        '\u{303}' => Some(Tone::Tilde),
        '\u{309}' => Some(Tone::Hook),
        '\u{323}' => Some(Tone::Dot),
        _ => None,
    }
}

#[derive(Clone, Copy)]
pub(crate) struct CharInfo {
    /// The letter without its tone (keeps â ă ê ô ơ ư đ), or '\0' when not a Vietnamese letter.
    pub(crate) base: char,
    pub(crate) tone: Tone,
    /// Lower-case ASCII fold ('\0' when none).
    pub(crate) fold: u8,
    /// Single-char case mappings of the letter itself and of its base
    /// (`Ễ` → `ễ`, base `ê`), so case work on names needs no Unicode tables.
    pub(crate) upper: char,
    pub(crate) lower: char,
    pub(crate) lower_base: char,
}

const TABLE_END: u32 = 0x1F00;

static TABLE: LazyLock<Vec<CharInfo>> = LazyLock::new(|| {
    const NONE: CharInfo = CharInfo { base: '\0', tone: Tone::None, fold: 0, upper: '\0', lower: '\0', lower_base: '\0' };
    let mut t = vec![NONE; TABLE_END as usize];
    for cp in 0..TABLE_END {
        let Some(c) = char::from_u32(cp) else { continue };
        if cp < 0x80 {
            if c.is_ascii_alphabetic() {
                let l = c.to_ascii_lowercase();
                t[cp as usize] = CharInfo { base: c, tone: Tone::None, fold: l as u8, upper: c.to_ascii_uppercase(), lower: l, lower_base: l };
            }
            continue;
        }
        if c == 'đ' || c == 'Đ' {
            t[cp as usize] = CharInfo { base: c, tone: Tone::None, fold: b'd', upper: 'Đ', lower: 'đ', lower_base: 'đ' };
            continue;
        }
        let mut letters = Vec::new();
        let mut tone = Tone::None;
        let mut other_marks = Vec::new();
        decompose_canonical(c, |d| {
            if let Some(tn) = tone_of_mark(d) {
                tone = tn;
            } else if d.is_ascii_alphabetic() {
                letters.push(d);
            } else {
                other_marks.push(d);
            }
        });
        if letters.len() != 1 {
            continue;
        }
        let l = letters[0];
        // Only the Vietnamese modifiers: circumflex, breve, horn.
        if other_marks.iter().any(|m| !matches!(m, '\u{302}' | '\u{306}' | '\u{31B}')) || other_marks.len() > 1 {
            continue;
        }
        if matches!(other_marks.first(), Some('\u{306}')) && !matches!(l, 'a' | 'A') {
            continue;
        }
        if matches!(other_marks.first(), Some('\u{31B}')) && !matches!(l, 'o' | 'O' | 'u' | 'U') {
            continue;
        }
        if matches!(other_marks.first(), Some('\u{302}')) && !matches!(l, 'a' | 'A' | 'e' | 'E' | 'o' | 'O') {
            continue;
        }
        if tone != Tone::None && !matches!(l.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y') {
            continue;
        }
        if tone == Tone::None && other_marks.is_empty() {
            continue; // Latin-1 letters such as ñ, ç are not Vietnamese
        }
        let base: String = std::iter::once(l).chain(other_marks.iter().copied()).nfc().collect();
        let base = base.chars().next().unwrap_or(l);
        t[cp as usize] = CharInfo {
            base,
            tone,
            fold: l.to_ascii_lowercase() as u8,
            upper: single(c.to_uppercase(), c),
            lower: single(c.to_lowercase(), c),
            lower_base: single(base.to_lowercase(), base),
        };
    }
    t
});

/// The one char a case mapping gives, or `fallback` when it gives several (ᾀ → ἈΙ).
fn single(mut m: impl Iterator<Item = char>, fallback: char) -> char {
    match (m.next(), m.next()) {
        (Some(x), None) => x,
        _ => fallback,
    }
}

/// Upper case of one char when that is one char; Vietnamese letters from the table.
#[inline]
pub fn upper_char(c: char) -> char {
    map_case(c, true)
}

/// Lower case of one char when that is one char; Vietnamese letters from the table.
#[inline]
pub fn lower_char(c: char) -> char {
    map_case(c, false)
}

#[inline]
fn map_case(c: char, upper: bool) -> char {
    match (c.is_ascii(), info(c), upper) {
        (true, _, true) => c.to_ascii_uppercase(),
        (true, _, false) => c.to_ascii_lowercase(),
        (false, Some(i), true) => i.upper,
        (false, Some(i), false) => i.lower,
        (false, None, true) => single(c.to_uppercase(), c),
        (false, None, false) => single(c.to_lowercase(), c),
    }
}

/// The table's facts about a Vietnamese letter (ASCII letters included), `None` for other chars.
#[inline]
pub(crate) fn info(c: char) -> Option<CharInfo> {
    let cp = c as u32;
    if cp < TABLE_END {
        let i = TABLE[cp as usize];
        if i.base != '\0' { Some(i) } else { None }
    } else {
        None
    }
}

/// True for a letter of the Vietnamese alphabet (with or without tone), in either case.
pub fn is_vietnamese_letter(c: char) -> bool {
    info(c).is_some()
}

/// A letter, Vietnamese ones answered from the table (`char::is_alphabetic`
/// is a slow binary search for non-ASCII chars and runs on every char of every name).
#[inline]
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() { c.is_ascii_alphabetic() } else { info(c).is_some() || c.is_alphabetic() }
}

/// The tone a letter carries.
pub fn tone_of(c: char) -> Tone {
    info(c).map(|i| i.tone).unwrap_or(Tone::None)
}

/// The letter without its tone mark: `ệ` → `ê`, `Ữ` → `Ư`.
pub fn strip_tone(c: char) -> char {
    info(c).map(|i| i.base).unwrap_or(c)
}

/// Puts `tone` on a toneless base letter.
pub fn with_tone(base: char, tone: Tone) -> char {
    if tone == Tone::None {
        return base;
    }
    let s: String = [base, TONE_MARKS[tone as usize]].into_iter().nfc().collect();
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) => c,
        _ => base,
    }
}

/// A text split into what stands outside brackets and the bracketed remarks: "Phường Trần
/// Phú (cũ)" → ("Phường Trần Phú ", ["cũ"]). Round and square brackets, nested; an unclosed
/// bracket runs to the end.
pub fn split_bracketed(text: &str) -> (String, Vec<String>) {
    let (mut outside, mut remarks, mut depth) = (String::with_capacity(text.len()), Vec::new(), 0usize);
    let mut remark = String::new();
    for ch in text.chars() {
        match ch {
            '(' | '[' => {
                if depth > 0 {
                    remark.push(ch);
                }
                depth += 1;
            }
            ')' | ']' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    remarks.push(std::mem::take(&mut remark).trim().to_string());
                } else {
                    remark.push(ch);
                }
            }
            _ if depth == 0 => outside.push(ch),
            _ => remark.push(ch),
        }
    }
    if depth > 0 {
        remarks.push(remark.trim().to_string());
    }
    (outside, remarks)
}

/// Lower-case ASCII fold of one char: diacritics removed, đ → d; other chars lower-cased.
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    match info(c) {
        Some(i) => i.fold as char,
        None => c.to_lowercase().next().unwrap_or(c),
    }
}

/// The matching key of a text: lower case, no diacritics, đ → d, single spaces.
///
/// ```
/// assert_eq!(lamsach_core::text::fold("  NGUYỄN  Văn Đức "), "nguyen van duc");
/// ```
pub fn fold(s: &str) -> String {
    fold_spacing(s, false)
}

/// [`fold`] with a space after every dot: abbreviations of unit words read alike
/// written either way ("P.Nhơn Phú" and "P. Nhơn Phú" → "p. nhon phu").
pub fn fold_spaced_dots(s: &str) -> String {
    fold_spacing(s, true)
}

fn fold_spacing(s: &str, space_after_dot: bool) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if ('\u{300}'..='\u{36F}').contains(&c) {
            continue; // stray combining marks (NFD input)
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(fold_char(c));
        pending_space |= space_after_dot && c == '.';
    }
    out
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{202A}'..='\u{202E}')
}

/// Result of [`clean`]: the cleaned text and what was changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cleaned {
    pub text: String,
    pub was_not_nfc: bool,
    pub spacing_changed: bool,
    /// C0/C1 control characters were removed (a conversion fault, never content).
    pub control_chars: bool,
    /// Look-alikes were replaced: Ð/ð (U+00D0/F0) by Đ/đ, curly or grave apostrophes by U+0027.
    pub lookalikes: bool,
}

impl Cleaned {
    /// The findings for what cleaning changed, one code per kind of repair.
    pub fn codes(&self) -> impl Iterator<Item = crate::finding::Code> + use<> {
        use crate::finding::Code;
        [
            (self.was_not_nfc, Code::TextNotNfc),
            (self.spacing_changed, Code::TextSpacing),
            (self.control_chars, Code::TextControlChars),
            (self.lookalikes, Code::TextLookalikeChars),
        ]
        .into_iter()
        .filter_map(|(on, code)| on.then_some(code))
    }
}

/// NFC, invisible and control characters removed, whitespace collapsed and
/// trimmed, apostrophes (’ ‘ ` ´) unified to U+0027, Ð/ð (cp1258 read as
/// Latin-1) restored to Đ/đ.
pub fn clean(s: &str) -> Cleaned {
    // ASCII and precomposed Vietnamese letters are NFC by themselves; only other text needs the Unicode check.
    let plain = s.chars().all(|c| c.is_ascii() || info(c).is_some());
    let was_not_nfc = !plain && is_nfc_quick(s.chars()) != IsNormalized::Yes && !unicode_normalization::is_nfc(s);
    let mut out = String::with_capacity(s.len());
    let (mut spacing_changed, mut control_chars, mut lookalikes) = (false, false, false);
    let mut pending_space = false;
    let source: std::borrow::Cow<str> = if was_not_nfc { s.nfc().collect::<String>().into() } else { s.into() };
    for c in source.chars() {
        // Letters (nearly every char of a name) are never invisible, spaces or apostrophes.
        if c.is_ascii_alphabetic() || (!c.is_ascii() && info(c).is_some()) {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
            continue;
        }
        if is_invisible(c) {
            spacing_changed = true;
            continue;
        }
        if c.is_control() && !c.is_whitespace() {
            control_chars = true;
            continue;
        }
        if c.is_whitespace() {
            if c != ' ' || pending_space || out.is_empty() {
                spacing_changed = true;
            }
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        let original = c;
        let c = match c {
            '\u{2019}' | '\u{2018}' | '`' | '\u{00B4}' | '\u{02BC}' => '\'',
            'Ð' => 'Đ',
            'ð' => 'đ',
            c => c,
        };
        lookalikes |= c != original;
        out.push(c);
    }
    if pending_space {
        spacing_changed = true;
    }
    Cleaned { text: out, was_not_nfc, spacing_changed, control_chars, lookalikes }
}

/// `Some(true)` for an upper-case letter, `Some(false)` for a lower-case one, `None` for uncased chars.
#[inline]
pub fn case_of(c: char) -> Option<bool> {
    if c.is_ascii() {
        return if c.is_ascii_uppercase() {
            Some(true)
        } else if c.is_ascii_lowercase() {
            Some(false)
        } else {
            None
        };
    }
    if let Some(i) = info(c) {
        return Some(i.lower != c);
    }
    if c.is_lowercase() {
        Some(false)
    } else if c.is_uppercase() {
        Some(true)
    } else {
        None
    }
}

/// Tone-mark placement style for the oa / oe / uy rhymes at the end of a syllable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ToneStyle {
    /// hòa, khỏe, thủy (the style of most civil-status records).
    #[default]
    Old,
    /// hoà, khoẻ, thuỷ.
    New,
}

/// Rewrites tone placement in the oa/oe/uy syllable-final cases to `style`;
/// everything else (quý, giá, hoàng, thuyền) is untouched. Returns the text
/// and whether it changed.
///
/// ```
/// use lamsach_core::text::{tone_style, ToneStyle};
/// assert_eq!(tone_style("Hoà Thuỷ", ToneStyle::Old).0, "Hòa Thủy");
/// assert_eq!(tone_style("Hòa quý hoàng", ToneStyle::New).0, "Hoà quý hoàng");
/// ```
pub fn tone_style(s: &str, style: ToneStyle) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    let mut word = Vec::new();
    let flush = |word: &mut Vec<char>, out: &mut String, changed: &mut bool| {
        if let Some(w) = restyle_word(word, style) {
            *changed = true;
            out.extend(w);
        } else {
            out.extend(word.iter());
        }
        word.clear();
    };
    for c in s.chars() {
        if is_letter(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out, &mut changed);
            out.push(c);
        }
    }
    flush(&mut word, &mut out, &mut changed);
    (out, changed)
}

fn restyle_word(w: &[char], style: ToneStyle) -> Option<Vec<char>> {
    let n = w.len();
    if n < 2 {
        return None;
    }
    let a = w[n - 2];
    let b = w[n - 1];
    let fa = fold_char(a);
    let fb = fold_char(b);
    let pair = (fa, fb);
    if !matches!(pair, ('o', 'a') | ('o', 'e') | ('u', 'y')) {
        return None;
    }
    // Only plain o/u + a/e/y (no hats): "uy" after q is the q-onset plus y.
    if strip_tone(a).to_lowercase().next() != Some(fa) || strip_tone(b).to_lowercase().next() != Some(fb) {
        return None;
    }
    if n >= 3 && fa == 'u' && fold_char(w[n - 3]) == 'q' {
        return None;
    }
    // The cluster must be the whole nucleus: the char before must not be a vowel.
    if n >= 3 && matches!(fold_char(w[n - 3]), 'a' | 'e' | 'i' | 'o' | 'u' | 'y') {
        return None;
    }
    let (ta, tb) = (tone_of(a), tone_of(b));
    let tone = if ta != Tone::None { ta } else { tb };
    if tone == Tone::None || (ta != Tone::None && tb != Tone::None) {
        return None;
    }
    let (na, nb) = match style {
        ToneStyle::Old => (with_tone(strip_tone(a), tone), strip_tone(b)),
        ToneStyle::New => (strip_tone(a), with_tone(strip_tone(b), tone)),
    };
    if na == a && nb == b {
        return None;
    }
    let mut v = w[..n - 2].to_vec();
    v.push(na);
    v.push(nb);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracketed_remarks_are_split_off() {
        assert_eq!(split_bracketed("Phường Trần Phú (cũ)"), ("Phường Trần Phú ".to_string(), vec!["cũ".to_string()]));
        assert_eq!(split_bracketed("A [b (c)] d (e"), ("A  d ".to_string(), vec!["b (c)".to_string(), "e".to_string()]));
        assert_eq!(split_bracketed("no brackets"), ("no brackets".to_string(), vec![]));
    }

    #[test]
    fn fold_removes_tones_hats_and_stroke() {
        assert_eq!(fold("Đặng Thị Ngọc Ánh"), "dang thi ngoc anh");
        assert_eq!(fold("TRƯƠNG  VĂN   ĐỨC"), "truong van duc");
        assert_eq!(fold("Nguye\u{302}\u{303}n"), "nguyen");
    }

    #[test]
    fn clean_collapses_space_removes_invisibles_and_nfc() {
        let c = clean("  Nguye\u{302}\u{303}n\u{200B}  Văn\tA ");
        assert_eq!(c.text, "Nguyễn Văn A");
        assert!(c.was_not_nfc && c.spacing_changed);
        let c = clean("Ea H’Leo");
        assert_eq!(c.text, "Ea H'Leo");
        assert_eq!(clean("Ðặng").text, "Đặng");
        let c = clean("Nguyễn Văn A");
        assert!(!c.was_not_nfc && !c.spacing_changed);
    }

    #[test]
    fn tone_style_only_touches_oa_oe_uy_final() {
        assert_eq!(tone_style("Hoà Khoẻ Thuỷ Tuỳ", ToneStyle::Old).0, "Hòa Khỏe Thủy Tùy");
        assert_eq!(tone_style("Hòa Khỏe Thủy", ToneStyle::New).0, "Hoà Khoẻ Thuỷ");
        for w in ["Quý", "Giá", "Hoàng", "Thuyền", "Khoảng", "Quỳnh", "Toán", "Mía"] {
            assert_eq!(tone_style(w, ToneStyle::New), (w.to_string(), false), "{w}");
            assert_eq!(tone_style(w, ToneStyle::Old), (w.to_string(), false), "{w}");
        }
        assert_eq!(tone_style("HOÀ", ToneStyle::Old).0, "HÒA");
    }

    #[test]
    fn syllables() {
        for w in ["nguyễn", "Trường", "gì", "quý", "Quỳnh", "quang", "quyết", "khuỷu", "ĐỨC", "thuở", "giặt", "nghiêng", "oanh", "a"] {
            assert!(is_vietnamese_syllable(w), "{w}");
        }
        for w in ["nguyeãn", "b¸t", "xyz", "hôò", "ñguyen", "ngưyễn"] {
            assert!(!is_vietnamese_syllable(w), "{w}");
        }
    }

    #[test]
    fn letters_and_tones() {
        assert!(is_vietnamese_letter('ệ') && is_vietnamese_letter('Đ') && !is_vietnamese_letter('ñ'));
        assert_eq!(strip_tone('ệ'), 'ê');
        assert_eq!(with_tone('ê', Tone::Dot), 'ệ');
        assert_eq!(tone_of('ữ'), Tone::Tilde);
    }
}
