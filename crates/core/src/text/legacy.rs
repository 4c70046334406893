//! Legacy Vietnamese encodings: decoding, encoding, detection on raw bytes,
//! and repair of strings that were already decoded with the wrong code page.

use super::legacy_tables::{TCVN3_C0, TCVN3_HIGH, VISCII_C0, VISCII_HIGH};
use super::{Tone, fold_char, is_vietnamese_syllable, strip_tone, tone_of, with_tone};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A text encoding lamsach can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// Windows-1258: precomposed hats plus combining tone bytes.
    Cp1258,
    /// TCVN3 / ABC (.VnTime fonts).
    Tcvn3,
    /// VNI-Windows: base letter + modifier byte.
    Vni,
    Viscii,
    /// Windows-1252: what many tools assume; only ever a wrong guess for Vietnamese.
    Cp1252,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Cp1258 => "cp1258",
            Encoding::Tcvn3 => "tcvn3",
            Encoding::Vni => "vni",
            Encoding::Viscii => "viscii",
            Encoding::Cp1252 => "cp1252",
        }
    }

    /// Parses the names a job file may use.
    pub fn parse(s: &str) -> Option<Encoding> {
        Some(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Encoding::Utf8,
            "utf-16" | "utf16" | "utf-16le" => Encoding::Utf16Le,
            "utf-16be" => Encoding::Utf16Be,
            "cp1258" | "windows-1258" => Encoding::Cp1258,
            "tcvn3" | "tcvn" | "abc" | "tcvn5712" => Encoding::Tcvn3,
            "vni" | "vni-windows" => Encoding::Vni,
            "viscii" => Encoding::Viscii,
            "cp1252" | "windows-1252" | "latin1" => Encoding::Cp1252,
            _ => return None,
        })
    }

    pub fn is_legacy(self) -> bool {
        matches!(self, Encoding::Cp1258 | Encoding::Tcvn3 | Encoding::Vni | Encoding::Viscii)
    }
}

/// The encoding chosen for some bytes and how sure the choice is (0–1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detection {
    pub encoding: Encoding,
    pub confidence: f32,
    pub has_bom: bool,
}

// ---------------------------------------------------------------------------
// Decoding

/// Decodes bytes in `enc` to an NFC string. Never fails: unmappable bytes become U+FFFD.
pub fn decode(bytes: &[u8], enc: Encoding) -> String {
    let s: String = match enc {
        Encoding::Utf8 => String::from_utf8_lossy(strip_prefix(bytes, &[0xEF, 0xBB, 0xBF])).into_owned(),
        Encoding::Utf16Le => encoding_rs::UTF_16LE.decode_with_bom_removal(bytes).0.into_owned(),
        Encoding::Utf16Be => encoding_rs::UTF_16BE.decode_with_bom_removal(bytes).0.into_owned(),
        Encoding::Cp1258 => encoding_rs::WINDOWS_1258.decode_without_bom_handling(bytes).0.into_owned(),
        Encoding::Cp1252 => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
        Encoding::Tcvn3 => bytes.iter().map(|&b| tcvn3_char(b)).collect(),
        Encoding::Viscii => bytes.iter().map(|&b| viscii_char(b)).collect(),
        Encoding::Vni => decode_vni(bytes),
    };
    if unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes { s } else { s.nfc().collect() }
}

fn strip_prefix<'a>(b: &'a [u8], p: &[u8]) -> &'a [u8] {
    b.strip_prefix(p).unwrap_or(b)
}

fn tcvn3_char(b: u8) -> char {
    if b >= 0x80 {
        return TCVN3_HIGH[(b - 0x80) as usize];
    }
    if b < 0x18 { TCVN3_C0.iter().find(|(k, _)| *k == b).map_or(b as char, |(_, c)| *c) } else { b as char }
}

fn viscii_char(b: u8) -> char {
    if b >= 0x80 {
        return VISCII_HIGH[(b - 0x80) as usize];
    }
    VISCII_C0.iter().find(|(k, _)| *k == b).map(|(_, c)| *c).unwrap_or(b as char)
}

/// What a VNI modifier byte adds: (hat or breve, tone), and whether it is the upper-case form.
fn vni_modifier(b: u8) -> Option<(Option<char>, Tone, bool)> {
    const HAT: Option<char> = Some('\u{302}');
    const BREVE: Option<char> = Some('\u{306}');
    Some(match b {
        0xF9 => (None, Tone::Acute, false),
        0xF8 => (None, Tone::Grave, false),
        0xFB => (None, Tone::Hook, false),
        0xF5 => (None, Tone::Tilde, false),
        0xEF => (None, Tone::Dot, false),
        0xE2 => (HAT, Tone::None, false),
        0xE1 => (HAT, Tone::Acute, false),
        0xE0 => (HAT, Tone::Grave, false),
        0xE5 => (HAT, Tone::Hook, false),
        0xE3 => (HAT, Tone::Tilde, false),
        0xE4 => (HAT, Tone::Dot, false),
        0xEA => (BREVE, Tone::None, false),
        0xE9 => (BREVE, Tone::Acute, false),
        0xE8 => (BREVE, Tone::Grave, false),
        0xFA => (BREVE, Tone::Hook, false),
        0xFC => (BREVE, Tone::Tilde, false),
        0xEB => (BREVE, Tone::Dot, false),
        0xD9 => (None, Tone::Acute, true),
        0xD8 => (None, Tone::Grave, true),
        0xDB => (None, Tone::Hook, true),
        0xD5 => (None, Tone::Tilde, true),
        0xCF => (None, Tone::Dot, true),
        0xC2 => (HAT, Tone::None, true),
        0xC1 => (HAT, Tone::Acute, true),
        0xC0 => (HAT, Tone::Grave, true),
        0xC5 => (HAT, Tone::Hook, true),
        0xC3 => (HAT, Tone::Tilde, true),
        0xC4 => (HAT, Tone::Dot, true),
        0xCA => (BREVE, Tone::None, true),
        0xC9 => (BREVE, Tone::Acute, true),
        0xC8 => (BREVE, Tone::Grave, true),
        0xDA => (BREVE, Tone::Hook, true),
        0xDC => (BREVE, Tone::Tilde, true),
        0xCB => (BREVE, Tone::Dot, true),
        _ => return None,
    })
}

const VNI_SINGLE: [(u8, char); 18] = [
    (0xD1, 'Đ'),
    (0xF1, 'đ'),
    (0xD4, 'Ơ'),
    (0xF4, 'ơ'),
    (0xD6, 'Ư'),
    (0xF6, 'ư'),
    (0xCD, 'Í'),
    (0xED, 'í'),
    (0xCC, 'Ì'),
    (0xEC, 'ì'),
    (0xC6, 'Ỉ'),
    (0xE6, 'ỉ'),
    (0xD3, 'Ĩ'),
    (0xF3, 'ĩ'),
    (0xD2, 'Ị'),
    (0xF2, 'ị'),
    (0xCE, 'Ỵ'),
    (0xEE, 'ỵ'),
];

fn compose(base: char, hat: Option<char>, tone: Tone) -> Option<char> {
    let mut s = String::new();
    s.push(base);
    if let Some(h) = hat {
        s.push(h);
    }
    let c: String = s.nfc().collect();
    let mut it = c.chars();
    let with_hat = match (it.next(), it.next()) {
        (Some(c), None) => c,
        _ => return None,
    };
    let r = with_tone(with_hat, tone);
    if tone != Tone::None && r == with_hat {
        return None;
    }
    Some(r)
}

fn decode_vni(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let base = if b < 0x80 { Some(b as char) } else { VNI_SINGLE.iter().find(|(k, _)| *k == b).map(|(_, c)| *c) };
        if let Some(base) = base {
            if let Some(&next) = bytes.get(i + 1)
                && let Some((hat, tone, upper)) = vni_modifier(next)
                && base.is_alphabetic()
                && upper == base.is_uppercase()
                && tone_of(base) == Tone::None
                && let Some(c) = compose(base, hat, tone)
            {
                out.push(c);
                i += 2;
                continue;
            }
            out.push(base);
        } else {
            out.push(cp1252_char(b));
        }
        i += 1;
    }
    out
}

const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š',
    '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

pub(super) fn cp1252_char(b: u8) -> char {
    match b {
        0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// The byte a char has in Windows-1252 (C1 controls accepted as Latin-1 readers produce them).
pub(super) fn cp1252_byte(c: char) -> Option<u8> {
    let cp = c as u32;
    if cp < 0x80 || (0xA0..=0xFF).contains(&cp) {
        return Some(cp as u8);
    }
    if (0x80..0xA0).contains(&cp) {
        return Some(cp as u8);
    }
    CP1252_HIGH.iter().position(|&x| x == c).map(|i| 0x80 + i as u8)
}

// ---------------------------------------------------------------------------
// Encoding (for the synthetic generator and round-trip tests)

/// Encodes NFC text in a legacy encoding. Characters the encoding cannot hold
/// become `?`. TCVN3 has no capital toned vowels: they are written with the
/// lower-case byte, as typists of the .VnTime fonts did.
pub fn encode(s: &str, enc: Encoding) -> Vec<u8> {
    match enc {
        Encoding::Utf8 => s.as_bytes().to_vec(),
        Encoding::Utf16Le => s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect(),
        Encoding::Utf16Be => s.encode_utf16().flat_map(|u| u.to_be_bytes()).collect(),
        Encoding::Cp1252 => s.chars().map(|c| cp1252_byte(c).unwrap_or(b'?')).collect(),
        Encoding::Cp1258 => {
            let mut out = Vec::with_capacity(s.len());
            for c in s.chars() {
                let tone = tone_of(c);
                let base = strip_tone(c);
                let mut buf = [0u8; 4];
                let (bytes, _, had_errors) = encoding_rs::WINDOWS_1258.encode(base.encode_utf8(&mut buf));
                if had_errors {
                    out.push(b'?');
                    continue;
                }
                out.extend_from_slice(&bytes);
                out.extend(match tone {
                    Tone::None => None,
                    Tone::Grave => Some(0xCC),
                    Tone::Acute => Some(0xEC),
                    Tone::Hook => Some(0xD2),
                    Tone::Tilde => Some(0xDE),
                    Tone::Dot => Some(0xF2),
                });
            }
            out
        }
        Encoding::Tcvn3 => s.chars().map(|c| encode_table(c, &TCVN3_HIGH, true)).collect(),
        Encoding::Viscii => {
            s.chars().map(|c| VISCII_C0.iter().find(|(_, x)| *x == c).map(|(b, _)| *b).unwrap_or_else(|| encode_table(c, &VISCII_HIGH, false))).collect()
        }
        Encoding::Vni => encode_vni(s),
    }
}

fn encode_table(c: char, high: &[char; 128], lower_toned_capitals: bool) -> u8 {
    if c.is_ascii() {
        return c as u8;
    }
    // TCVN3 proper only uses 0xA1..: capitals of toned vowels fall back to the lower-case byte.
    let start = if lower_toned_capitals { 0x21 } else { 0 };
    if let Some(i) = high[start..].iter().position(|&x| x == c) {
        return 0x80 + (start + i) as u8;
    }
    if lower_toned_capitals {
        let lower = c.to_lowercase().next().unwrap_or(c);
        if let Some(i) = high[start..].iter().position(|&x| x == lower) {
            return 0x80 + (start + i) as u8;
        }
    }
    b'?'
}

fn encode_vni(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2);
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c as u8);
            continue;
        }
        if let Some((b, _)) = VNI_SINGLE.iter().find(|(_, x)| *x == c) {
            out.push(*b);
            continue;
        }
        let upper = c.is_uppercase();
        let tone = tone_of(c);
        let base = strip_tone(c);
        // ơ / ư (and capitals) are single bytes that then take a tone modifier.
        let (lead, hat): (u8, Option<char>) = match base {
            'ơ' => (0xF4, None),
            'ư' => (0xF6, None),
            'Ơ' => (0xD4, None),
            'Ư' => (0xD6, None),
            'â' | 'ê' | 'ô' | 'Â' | 'Ê' | 'Ô' => (fold_char(base).to_ascii_uppercase_if(upper) as u8, Some('^')),
            'ă' | 'Ă' => (if upper { b'A' } else { b'a' }, Some('(')),
            b if b.is_ascii() => (b as u8, None),
            _ => {
                out.push(b'?');
                continue;
            }
        };
        out.push(lead);
        let m: Option<u8> = match (hat, tone) {
            (None, Tone::None) => None,
            (None, t) => Some(match t {
                Tone::Acute => 0xF9,
                Tone::Grave => 0xF8,
                Tone::Hook => 0xFB,
                Tone::Tilde => 0xF5,
                _ => 0xEF,
            }),
            (Some('^'), t) => Some(match t {
                Tone::None => 0xE2,
                Tone::Acute => 0xE1,
                Tone::Grave => 0xE0,
                Tone::Hook => 0xE5,
                Tone::Tilde => 0xE3,
                Tone::Dot => 0xE4,
            }),
            (Some(_), t) => Some(match t {
                Tone::None => 0xEA,
                Tone::Acute => 0xE9,
                Tone::Grave => 0xE8,
                Tone::Hook => 0xFA,
                Tone::Tilde => 0xFC,
                Tone::Dot => 0xEB,
            }),
        };
        if let Some(m) = m {
            // Upper-case modifiers sit 0x20 below the lower-case ones.
            out.push(if upper { m - 0x20 } else { m });
        }
    }
    out
}

trait AsciiUpperIf {
    fn to_ascii_uppercase_if(self, upper: bool) -> char;
}
impl AsciiUpperIf for char {
    fn to_ascii_uppercase_if(self, upper: bool) -> char {
        if upper { self.to_ascii_uppercase() } else { self }
    }
}

// ---------------------------------------------------------------------------
// Detection

/// Counts of words with non-ASCII letters that are / are not Vietnamese syllables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyllableScore {
    pub valid: u32,
    pub invalid: u32,
}

impl SyllableScore {
    pub fn ratio(self) -> f32 {
        let n = self.valid + self.invalid;
        if n == 0 { 0.0 } else { self.valid as f32 / n as f32 }
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || (c.is_ascii_punctuation() && c != '\'') || c.is_ascii_digit()
}

/// Scores a text by how many of its non-ASCII words are Vietnamese syllables.
pub fn score_text(s: &str) -> SyllableScore {
    let mut sc = SyllableScore::default();
    for w in s.split(is_separator) {
        // Apostrophes of any shape edge minority names ("K’ Dìm"); they are not letters.
        let w = w.trim_matches(['\'', '\u{2019}', '\u{2018}', '`', '\u{00B4}']);
        if w.is_empty() || w.is_ascii() {
            continue;
        }
        if is_vietnamese_syllable(w) {
            sc.valid += 1;
        } else {
            sc.invalid += 1;
        }
    }
    sc
}

fn looks_utf16(b: &[u8]) -> Option<Encoding> {
    let n = b.len().min(4096) & !1;
    if n < 4 {
        return None;
    }
    let (mut even0, mut odd0) = (0, 0);
    for i in (0..n).step_by(2) {
        even0 += (b[i] == 0) as usize;
        odd0 += (b[i + 1] == 0) as usize;
    }
    let half = n / 2;
    if odd0 * 10 > half * 3 && even0 * 10 < half {
        Some(Encoding::Utf16Le)
    } else if even0 * 10 > half * 3 && odd0 * 10 < half {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// Valid multi-byte UTF-8 characters and invalid sequences in `b`. A sequence
/// cut by the end of `b` is neither: a sample's end may fall inside a character.
fn utf8_evidence(mut b: &[u8]) -> (usize, usize) {
    let lead_bytes = |s: &[u8]| s.iter().filter(|&&x| x >= 0xC0).count();
    let (mut multibyte, mut errors) = (0, 0);
    loop {
        match std::str::from_utf8(b) {
            Ok(_) => return (multibyte + lead_bytes(b), errors),
            Err(e) => {
                multibyte += lead_bytes(&b[..e.valid_up_to()]);
                match e.error_len() {
                    None => return (multibyte, errors),
                    Some(n) => {
                        errors += 1;
                        b = &b[e.valid_up_to() + n..];
                    }
                }
            }
        }
    }
}

/// Chooses the encoding of raw bytes: BOM, then UTF-16 by its zero bytes,
/// then UTF-8 if valid, else the legacy encoding whose decoding yields the most
/// well-formed Vietnamese syllables. Looks at the first 1 MiB.
pub fn detect(bytes: &[u8]) -> Detection {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Detection { encoding: Encoding::Utf8, confidence: 1.0, has_bom: true };
    }
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Detection { encoding: Encoding::Utf16Le, confidence: 1.0, has_bom: true };
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Detection { encoding: Encoding::Utf16Be, confidence: 1.0, has_bom: true };
    }
    if let Some(e) = looks_utf16(bytes) {
        return Detection { encoding: e, confidence: 0.9, has_bom: false };
    }
    let sample = &bytes[..bytes.len().min(1 << 20)];
    let (multibyte, errors) = utf8_evidence(sample);
    if errors == 0 {
        return Detection { encoding: Encoding::Utf8, confidence: if multibyte == 0 { 1.0 } else { 0.99 }, has_bom: false };
    }
    // Legacy bytes almost never form valid multi-byte sequences: a file whose
    // non-ASCII text is nearly all valid UTF-8 is UTF-8 with a few bad bytes
    // (those rows are quarantined as undecodable), not a legacy file.
    if multibyte >= 20 * errors {
        let confidence = 0.99 * multibyte as f32 / (multibyte + errors) as f32;
        return Detection { encoding: Encoding::Utf8, confidence, has_bom: false };
    }
    let candidates = [Encoding::Tcvn3, Encoding::Vni, Encoding::Cp1258, Encoding::Viscii];
    let mut scored: Vec<(Encoding, SyllableScore)> = candidates.iter().map(|&e| (e, score_text(&decode(sample, e)))).collect();
    scored.sort_by(|a, b| b.1.ratio().total_cmp(&a.1.ratio()).then(b.1.valid.cmp(&a.1.valid)));
    let (best, s1) = scored[0];
    let s2 = scored[1].1;
    let margin = s1.ratio() - s2.ratio();
    let confidence = (s1.ratio() * (margin / 0.3).min(1.0)).clamp(0.0, 1.0);
    if s1.valid == 0 {
        return Detection { encoding: Encoding::Cp1252, confidence: 0.1, has_bom: false };
    }
    Detection { encoding: best, confidence, has_bom: false }
}

// ---------------------------------------------------------------------------
#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const NAMES: &[&str] = &[
        "Nguyễn Văn Đức",
        "Trần Thị Thu Hương",
        "Lê Hoàng Yến",
        "Phạm Quỳnh Anh",
        "Huỳnh Ngọc Ẩn",
        "Vũ Thị Thủy",
        "Đặng Trường Giang",
        "Bùi Thị Ưng",
        "Ông Ích Khiêm",
        "Ngô Quốc Việt",
        "Dương Thị Mỹ Ỷ",
    ];

    #[test]
    fn tcvn3_real_bytes() {
        // "Ninh Bình" and "Bát Xát" as .VnTime typists produced them.
        assert_eq!(decode(b"Ninh B\xd7nh", Encoding::Tcvn3), "Ninh Bình");
        assert_eq!(decode(b"B\xb8t X\xb8t", Encoding::Tcvn3), "Bát Xát");
        assert_eq!(decode(b"Tr\xad\xeang", Encoding::Tcvn3), "Trường");
        assert_eq!(decode(b"\xa7\xb6ng", Encoding::Tcvn3), "Đảng");
    }

    #[test]
    fn vni_real_bytes() {
        assert_eq!(decode(b"Nguye\xe3n V\x61\xean \xd1\xf6\xf9c", Encoding::Vni), "Nguyễn Văn Đức");
        assert_eq!(decode(b"TR\xd6\xd4\xd8NG", Encoding::Vni), "TRƯỜNG");
        assert_eq!(decode(b"Th\xf6\xf4ng", Encoding::Vni), "Thương");
    }

    #[test]
    fn cp1258_combining_tones() {
        // "Việt" = V i ê + dot below (F2) t
        assert_eq!(decode(b"Vi\xea\xf2t", Encoding::Cp1258), "Việt");
        assert_eq!(decode(b"\xd0\xe3\xf2ng", Encoding::Cp1258), "Đặng");
    }

    #[test]
    fn round_trips_for_each_encoding() {
        for e in [Encoding::Vni, Encoding::Cp1258, Encoding::Viscii, Encoding::Utf16Le, Encoding::Utf16Be] {
            for n in NAMES {
                assert_eq!(decode(&encode(n, e), e), *n, "{e:?}");
            }
        }
        // TCVN3 loses the case of toned capitals; lower-case text round-trips.
        for n in NAMES {
            let lower = n.to_lowercase();
            assert_eq!(decode(&encode(&lower, Encoding::Tcvn3), Encoding::Tcvn3), lower);
        }
    }

    #[test]
    fn detects_each_encoding_on_a_register() {
        let text = NAMES.join("\n").repeat(3);
        for e in [Encoding::Tcvn3, Encoding::Vni, Encoding::Cp1258, Encoding::Viscii, Encoding::Utf16Le, Encoding::Utf16Be] {
            let bytes = encode(&text, e);
            let d = detect(&bytes);
            assert_eq!(d.encoding, e, "{e:?}");
            assert!(d.confidence > 0.5, "{e:?} {d:?}");
        }
        assert_eq!(detect(text.as_bytes()).encoding, Encoding::Utf8);
        assert_eq!(detect(b"plain ascii, 123").encoding, Encoding::Utf8);
    }

    #[test]
    fn utf8_cut_inside_a_character_at_the_sample_end_is_utf8() {
        // Every offset of a 3-byte character (ễ) and a 2-byte one (đ) at the 1 MiB boundary.
        let line = "079203000001,Nguyễn Thị Đào,01/02/1990,Nữ,Xã Ia Grai\n";
        let text = line.repeat((2 << 20) / line.len());
        for shift in 0..line.len() {
            let padded = format!("{}{text}", "x".repeat(shift));
            let bytes = padded.as_bytes();
            let d = detect(bytes);
            assert_eq!(d.encoding, Encoding::Utf8, "shift {shift}");
            assert!(d.confidence >= 0.99, "shift {shift}: {d:?}");
            // The sniffer's own sample: exactly 1 MiB, however it ends.
            let d = detect(&bytes[..1 << 20]);
            assert_eq!((d.encoding, d.confidence >= 0.99), (Encoding::Utf8, true), "1 MiB sample, shift {shift}");
        }
    }

    #[test]
    fn a_few_bad_bytes_do_not_make_utf8_a_legacy_file() {
        let mut bytes = "Nguyễn Văn Đức,Trần Thị Hương\n".repeat(200).into_bytes();
        bytes[40] = 0xFF;
        let d = detect(&bytes);
        assert_eq!(d.encoding, Encoding::Utf8);
        assert!(d.confidence > 0.9, "{d:?}");
    }

    #[test]
    fn tcvn3_capitals_in_the_c0_range() {
        // iconv -f TCVN5712-1: 0x01 Ú, 0x02 Ụ, 0x04 Ừ, 0x05 Ử, 0x06 Ữ, 0x11 Ứ, 0x12 Ự, 0x13 Ỳ, 0x14 Ỷ, 0x15 Ỹ, 0x16 Ý, 0x17 Ỵ.
        assert_eq!(decode(&[0x01, 0x02, 0x04, 0x05, 0x06, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17], Encoding::Tcvn3), "ÚỤỪỬỮỨỰỲỶỸÝỴ");
        assert_eq!(decode(b"a\tb\r\nc", Encoding::Tcvn3), "a\tb\r\nc");
    }
}
