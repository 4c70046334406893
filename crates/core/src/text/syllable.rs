//! Vietnamese syllables as they are spelled: an onset and a rhyme of the language's list,
//! at most one tone mark. Whether a decoding reads as Vietnamese rests on this.

use super::{Tone, info};
use std::sync::LazyLock;

/// Byte length of the written onset (initial consonant) a lower-case spelling
/// starts with: the longest of ngh ng nh ch gh gi kh ph qu th tr b c d đ g h k
/// l m n p r s t v x, or 0. A byte match, not a list of prefixes: this runs on
/// every word of every name.
pub fn onset_len(w: &str) -> usize {
    let b = w.as_bytes();
    let second = |x: u8| b.get(1) == Some(&x);
    match b.first() {
        Some(b'n') if b.get(1..3) == Some(b"gh") => 3,
        Some(b'n') if second(b'g') || second(b'h') => 2,
        Some(b'c' | b'k' | b'p' | b't') if second(b'h') => 2,
        Some(b't') if second(b'r') => 2,
        Some(b'g') if second(b'h') || second(b'i') => 2,
        Some(b'q') if second(b'u') => 2,
        Some(b'b' | b'c' | b'd' | b'g' | b'h' | b'k' | b'l' | b'm' | b'n' | b'p' | b'r' | b's' | b't' | b'v' | b'x') => 1,
        Some(0xC4) if second(0x91) => 2, // đ
        _ => 0,
    }
}

const RHYMES: &[&str] = &[
    "a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "ap", "at", "au", "ay", "ăc", "ăm", "ăn", "ăng", "ăp", "ăt", "âc", "âm", "ân", "âng", "âp", "ât",
    "âu", "ây", "e", "ec", "em", "en", "eng", "eo", "ep", "et", "ê", "êch", "êm", "ên", "ênh", "êp", "êt", "êu", "i", "ia", "ich", "iêc", "iêm", "iên", "iêng",
    "iêp", "iêt", "iêu", "im", "in", "inh", "ip", "it", "iu", "o", "oa", "oac", "oach", "oai", "oam", "oan", "oang", "oanh", "oao", "oap", "oat", "oay", "oăc",
    "oăm", "oăn", "oăng", "oăt", "oc", "oe", "oen", "oeo", "oet", "oi", "om", "on", "ong", "ooc", "oong", "op", "ot", "ô", "ôc", "ôi", "ôm", "ôn", "ông", "ôp",
    "ôt", "ơ", "ơi", "ơm", "ơn", "ơp", "ơt", "u", "ua", "uân", "uâng", "uât", "uây", "uc", "uê", "uêch", "uênh", "ui", "um", "un", "ung", "uơ", "uôc", "uôi",
    "uôm", "uôn", "uông", "uôt", "up", "ut", "uy", "uya", "uych", "uyên", "uyêt", "uyn", "uynh", "uyt", "uyu", "ư", "ưa", "ưc", "ưi", "ưm", "ưn", "ưng", "ươc",
    "ươi", "ươm", "ươn", "ương", "ươp", "ươt", "ươu", "ưt", "ưu", "y", "yêm", "yên", "yêng", "yêt", "yêu", "uê", "oong",
];

static RHYME_SET: LazyLock<std::collections::HashSet<&'static str, foldhash::fast::FixedState>> = LazyLock::new(|| RHYMES.iter().copied().collect());

/// True when `word` is a well-formed Vietnamese syllable (any case, at most
/// one tone). Used to score candidate decodings and to judge whether text is
/// already correct Vietnamese.
pub fn is_vietnamese_syllable(word: &str) -> bool {
    // The toneless lower-case spelling, built on the stack: this runs on every word of every name.
    let mut buf = [0u8; 32];
    let mut len = 0;
    let mut tones = 0;
    for c in word.chars() {
        let Some(i) = info(c) else { return false };
        if i.tone != Tone::None {
            tones += 1;
        }
        let lower = i.lower_base;
        if len + lower.len_utf8() > buf.len() {
            return false;
        }
        lower.encode_utf8(&mut buf[len..]);
        len += lower.len_utf8();
    }
    if tones > 1 || len == 0 {
        return false;
    }
    let Ok(base) = std::str::from_utf8(&buf[..len]) else { return false };
    let onset = onset_len(base);
    let mut rest = &base[onset..];
    if &base[..onset] == "gi" && (rest.is_empty() || !rest.starts_with(['a', 'ă', 'â', 'e', 'ê', 'o', 'ô', 'ơ', 'u', 'ư'])) {
        rest = &base[1..]; // "gì", "gìn": the i belongs to the rhyme
    }
    if base.starts_with("qu") && rest.len() < base.len() {
        // After "qu" the u is a glide: quỳnh = q + uynh, quan = q + (o)an.
        return RHYME_SET.contains(rest) || RHYME_SET.contains(format!("u{rest}").as_str()) || RHYME_SET.contains(format!("o{rest}").as_str());
    }
    RHYME_SET.contains(rest)
}
