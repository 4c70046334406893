//! Repairing strings that were decoded with the wrong code page: a whole text of legacy or
//! UTF-8 bytes shown as cp1252, or single words so mangled inside good text.

use super::legacy::{Encoding, SyllableScore, cp1252_byte, decode, score_text};
use unicode_normalization::UnicodeNormalization;

/// What kind of damage a repaired string had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mojibake {
    /// UTF-8 bytes read as Windows-1252 ("Viá»‡t").
    Utf8AsCp1252,
    /// A legacy encoding's bytes read as Windows-1252 / Latin-1 ("Nguyeãn" is VNI).
    LegacyAsCp1252(Encoding),
    /// Some words' UTF-8 bytes read as Windows-1250 or 1252 in otherwise good text ("Lã Ất ThĂ´ng").
    Utf8Words,
}

/// Repairs a string that was decoded with the wrong code page. Returns `None`
/// when the text is already well-formed Vietnamese (or plain ASCII), or when no
/// reading makes every word a Vietnamese syllable.
///
/// ```
/// use lamsach_core::text::mojibake::repair_mojibake;
/// assert_eq!(repair_mojibake("Nguyeãn Vaên Ñöùc").unwrap().0, "Nguyễn Văn Đức");
/// assert_eq!(repair_mojibake("Viá»‡t Nam").unwrap().0, "Việt Nam");
/// assert!(repair_mojibake("Nguyễn Văn Đức").is_none());
/// ```
pub fn repair_mojibake(s: &str) -> Option<(String, Mojibake)> {
    if s.is_ascii() {
        return None;
    }
    // Mojibake of the whole text is bytes shown as cp1252: any other char (ạ ư ơ đ ă,
    // in most correct names) rules it out, and that check is the cheapest.
    if !s.chars().all(|c| (c as u32) < 0x100 || cp1252_byte(c).is_some()) {
        return repair_utf8_words(s);
    }
    let bytes: Vec<u8> = s.chars().map(cp1252_byte).collect::<Option<_>>()?;
    // Too little evidence to call one odd letter mojibake ("Ä" could be TCVN3 "Ấ" or a German name).
    if s.chars().filter(|c| !c.is_ascii()).count() < 2 {
        return None;
    }
    let before = score_text(s);
    if before.invalid == 0 {
        return None;
    }
    let mut best: Option<(String, Mojibake, SyllableScore)> = None;
    let mut consider = |text: String, kind: Mojibake| {
        let sc = score_text(&text);
        if sc.invalid == 0 && sc.valid > 0 && best.as_ref().is_none_or(|b| sc.valid > b.2.valid) {
            best = Some((text, kind, sc));
        }
    };
    if let Ok(t) = std::str::from_utf8(&bytes) {
        consider(t.nfc().collect(), Mojibake::Utf8AsCp1252);
    }
    for e in [Encoding::Vni, Encoding::Tcvn3, Encoding::Cp1258, Encoding::Viscii] {
        consider(decode(&bytes, e), Mojibake::LegacyAsCp1252(e));
    }
    best.map(|(t, k, _)| (t, k))
}

/// Repairs the words of a text whose UTF-8 bytes were shown as Windows-1250 or ISO 8859-2
/// (Central European systems: "ThĂ´ng", "BĂši") or 1252, when the rest is good text and
/// every word so repaired becomes a Vietnamese syllable.
fn repair_utf8_words(s: &str) -> Option<(String, Mojibake)> {
    // Such mojibake always shows a char that is no Vietnamese letter (´ ş š, a no-break space).
    if !s.chars().any(|c| !c.is_ascii() && !super::is_vietnamese_letter(c)) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut repaired = false;
    for (i, w) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if w.is_ascii() || score_text(w).invalid == 0 {
            out.push_str(w);
            continue;
        }
        let readings = [encoding_rs::WINDOWS_1250, encoding_rs::ISO_8859_2, encoding_rs::WINDOWS_1252].map(|enc| {
            let mut bytes = Vec::with_capacity(w.len());
            for c in w.chars() {
                // C1 controls pass through as the bytes a Latin-1 reader made of them.
                if ('\u{80}'..='\u{9F}').contains(&c) {
                    bytes.push(c as u8);
                    continue;
                }
                let mut buf = [0u8; 4];
                let (b, _, unmappable) = enc.encode(c.encode_utf8(&mut buf));
                if unmappable || b.len() != 1 {
                    return None;
                }
                bytes.push(b[0]);
            }
            let t: String = std::str::from_utf8(&bytes).ok()?.nfc().collect();
            let sc = score_text(&t);
            (sc.invalid == 0 && sc.valid > 0).then_some(t)
        });
        // The code pages differ in a few bytes ("BĂši": Bùi in ISO 8859-2, BÚi in 1250): a
        // reading with no capital inside the word is the one the typist wrote.
        let inner_capital = |t: &str| t.chars().skip(1).any(char::is_uppercase);
        let fixed = readings.iter().flatten().find(|t| !inner_capital(t)).or(readings.iter().flatten().next()).cloned();
        match fixed {
            Some(t) => {
                out.push_str(&t);
                repaired = true;
            }
            None => return None,
        }
    }
    repaired.then_some((out, Mojibake::Utf8Words))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::legacy::tests::NAMES;
    use crate::text::legacy::{cp1252_char, encode};

    #[test]
    fn repairs_mojibake_but_not_good_text() {
        let utf8_as_1252: String = "Trần Thị Thu Hương".bytes().map(cp1252_char).collect();
        assert_eq!(repair_mojibake(&utf8_as_1252).unwrap(), ("Trần Thị Thu Hương".into(), Mojibake::Utf8AsCp1252));
        let vni_as_1252: String = encode("Phạm Quỳnh Anh", Encoding::Vni).iter().map(|&b| cp1252_char(b)).collect();
        assert_eq!(repair_mojibake(&vni_as_1252).unwrap().0, "Phạm Quỳnh Anh");
        let tcvn_as_1252: String = encode("lê văn bình", Encoding::Tcvn3).iter().map(|&b| cp1252_char(b)).collect();
        assert_eq!(repair_mojibake(&tcvn_as_1252).unwrap().0, "lê văn bình");
        for n in NAMES {
            assert_eq!(repair_mojibake(n), None, "{n}");
        }
        assert_eq!(repair_mojibake("Müller"), None);
        // Words of UTF-8 shown as cp1250 among good words (a real name list has them).
        assert_eq!(repair_mojibake("Lã Ất ThĂ´ng").unwrap().0, "Lã Ất Thông");
        assert_eq!(repair_mojibake("Trương Ä\u{90}Ä\u{83}ng Khoa").unwrap().0, "Trương Đăng Khoa");
        assert_eq!(repair_mojibake("Danh Vũ HáşŁi Long").unwrap().0, "Danh Vũ Hải Long");
        assert_eq!(repair_mojibake("BĂši Văn Thu").unwrap().0, "Bùi Văn Thu"); // ISO 8859-2
        assert_eq!(repair_mojibake("Nguyễn Bắc ToĂ\u{a0}n").unwrap().0, "Nguyễn Bắc Toàn");
        // A curly apostrophe is cp1252 0x92: minority names are not mojibake.
        for n in ["k’ dìm", "K’Sỹ", "Ka’Ri", "Ksor H’Bia"] {
            assert_eq!(repair_mojibake(n), None, "{n}");
        }
    }
}
