//! An address as words, whatever its punctuation: "P.13 Q.5", "TP.HCM", "XThạnh Đức,
//! HGò Dầu", "HồChíMinh", "Sơ6n" all become the words a person reads in them. Unit
//! names are indexed with the same words (`super::gazetteer`), so a name matches however
//! it was spaced, dotted or glued.

use crate::text::{case_of, fold_char, is_letter, lower_char};

/// One word of an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Folded (lower case, no marks, đ → d); a number without its leading zeros.
    pub key: String,
    /// Lower case with its marks: "quán" is no "quận", though both fold to "quan".
    pub lower: String,
    /// Byte range in the address as written.
    pub start: usize,
    pub end: usize,
    /// Which comma-separated part it stands in: unit names never cross a comma.
    pub part: u16,
    /// Cut from the word before it at a capital or a digit, not at a space ("Kon PLông").
    pub glued: bool,
}

/// Characters that end a part of the address.
fn ends_part(c: char) -> bool {
    matches!(c, ',' | ';' | '\n' | '|')
}

/// The words of `text`, in order.
///
/// ```
/// use lamsach_core::normalize::address::tokens::tokenize;
/// let keys = |t: &str| tokenize(t).into_iter().map(|w| w.key).collect::<Vec<_>>().join(" ");
/// assert_eq!(keys("P.13 Q.05, TP.HồChíMinh"), "p 13 q 5 tp ho chi minh");
/// assert_eq!(keys("XThạnh Đức, HGò Dầ6u"), "x thanh duc h go dau");
/// assert_eq!(keys("14A Bà Rịa-Vũng Tàu"), "14a ba ria vung tau");
/// ```
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = Vec::new();
    let mut part = 0u16;
    let mut word_start = None;
    for (i, c) in text.char_indices() {
        let in_word = c.is_alphanumeric() || (c == '\'' && word_start.is_some());
        match (in_word, word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(s)) => {
                split_word(text, (s, i), part, &mut chars, &mut out);
                word_start = None;
            }
            _ => {}
        }
        if ends_part(c) {
            part = part.saturating_add(1);
        }
    }
    if let Some(s) = word_start {
        split_word(text, (s, text.len()), part, &mut chars, &mut out);
    }
    out
}

/// One run of letters and digits, split where a person sees several words: a lower-case
/// letter before a capital ("HồChí"), a capital before a capitalised word ("XThạnh"),
/// letters before digits ("P13"); digits typed inside a word ("Sơ6n") are dropped.
fn split_word(text: &str, (start, end): (usize, usize), part: u16, chars: &mut Vec<(usize, char)>, out: &mut Vec<Token>) {
    chars.clear();
    chars.extend(text[start..end].char_indices().map(|(i, c)| (start + i, c)));
    let chars = &*chars;
    let letter = |k: usize| chars.get(k).is_some_and(|&(_, c)| is_letter(c));
    let digit = |k: usize| chars.get(k).is_some_and(|&(_, c)| c.is_ascii_digit());
    let upper = |k: usize| chars.get(k).is_some_and(|&(_, c)| case_of(c) == Some(true));
    let lower = |k: usize| chars.get(k).is_some_and(|&(_, c)| case_of(c) == Some(false));
    // A piece that starts with a digit is a house number ("14A"): its letters stay on it.
    let mut starts_with_digit = digit(0);
    let mut key = String::new();
    let mut lowered = String::new();
    let mut word_from = start;
    let mut glued = false;
    let mut last_end = start;
    for k in 0..chars.len() {
        let (at, c) = chars[k];
        let boundary = k > 0
            && ((lower(k - 1) && upper(k))
                || (upper(k - 1) && upper(k) && lower(k + 1))
                || (!starts_with_digit && letter(k - 1) && digit(k) && !(k + 1..chars.len()).any(letter)));
        if c.is_ascii_digit() && !starts_with_digit && inside_letters(k, &digit, &letter) {
            continue; // "Sơ6n": a stray digit inside a word
        }
        if boundary && !key.is_empty() {
            push(out, std::mem::take(&mut key), std::mem::take(&mut lowered), (word_from, last_end), part, glued);
            word_from = at;
            glued = true;
            starts_with_digit = c.is_ascii_digit();
        }
        key.push(fold_char(c));
        lowered.push(lower_char(c));
        last_end = at + c.len_utf8();
    }
    if !key.is_empty() {
        push(out, key, lowered, (word_from, last_end), part, glued);
    }
}

/// The run of digits around `k` has letters on both sides.
fn inside_letters(k: usize, digit: &impl Fn(usize) -> bool, letter: &impl Fn(usize) -> bool) -> bool {
    let first = (0..=k).rev().take_while(|&j| digit(j)).last().unwrap_or(k);
    let mut after = k;
    while digit(after) {
        after += 1;
    }
    first > 0 && letter(first - 1) && letter(after)
}

fn push(out: &mut Vec<Token>, mut key: String, lower: String, (start, end): (usize, usize), part: u16, glued: bool) {
    if key.bytes().all(|b| b.is_ascii_digit()) {
        let trimmed = key.trim_start_matches('0');
        key = if trimmed.is_empty() { "0".into() } else { trimmed.to_string() };
    }
    out.push(Token { key, lower, start, end, part, glued });
}

impl Token {
    /// This word is `word` (written with its marks): as written, or typed without any marks.
    pub fn is(&self, word: &str) -> bool {
        if self.lower == self.key { self.key.chars().eq(word.chars().map(fold_char)) } else { self.lower == word }
    }
}

/// The words of a span joined by single spaces: the key a name is indexed under.
pub fn join(tokens: &[Token]) -> String {
    let mut s = String::with_capacity(tokens.iter().map(|t| t.key.len() + 1).sum());
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&t.key);
    }
    s
}

/// [`join`] with the words cut from one written word glued back ("kon plong" for "Kon
/// PLông"); `None` when no word of the span was cut so.
pub fn join_glued(tokens: &[Token]) -> Option<String> {
    if !tokens.iter().skip(1).any(|t| t.glued) {
        return None;
    }
    let mut s = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 && !t.glued {
            s.push(' ');
        }
        s.push_str(&t.key);
    }
    Some(s)
}

/// The words of a text joined: [`join`] of [`tokenize`].
pub fn key_of(text: &str) -> String {
    join(&tokenize(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(t: &str) -> String {
        key_of(t)
    }

    #[test]
    fn glued_and_dotted_words_come_apart() {
        assert_eq!(keys("F.LoWng Binh, TpThủ Đưc, TPHCM"), "f lo wng binh tp thu duc tphcm");
        assert_eq!(keys("Q.Bình Thạnh"), "q binh thanh");
        assert_eq!(keys("P3, Mỹ Tho, T.Giang."), "p 3 my tho t giang");
        assert_eq!(keys("TT. Tân Yên"), "tt tan yen");
        assert_eq!(keys("T.X.Kinh Môn"), "t x kinh mon");
        assert_eq!(keys("ĐăkLăk"), "dak lak");
        assert_eq!(keys("Xã Đắk N'Drung"), "xa dak n'drung");
    }

    #[test]
    fn numbers_keep_their_letters_and_lose_leading_zeros() {
        assert_eq!(keys("Phường 02, Tổ 46a, 165/32/14A"), "phuong 2 to 46a 165 32 14a");
        assert_eq!(keys("T0P Bảo lộc"), "tp bao loc");
        assert_eq!(keys("QL55"), "ql 55");
    }

    #[test]
    fn commas_start_parts_and_spans_point_into_the_text() {
        let text = "Thôn 3, Xã Cát Hanh";
        let t = tokenize(text);
        assert_eq!(t.iter().map(|w| w.part).collect::<Vec<_>>(), vec![0, 0, 1, 1, 1]);
        assert_eq!(&text[t[3].start..t[4].end], "Cát Hanh");
    }

    proptest! {
        #[test]
        fn any_text_tokenizes_into_spans_of_it(s in "\\PC{0,40}") {
            for t in tokenize(&s) {
                prop_assert!(t.start < t.end && t.end <= s.len());
                prop_assert!(s.is_char_boundary(t.start) && s.is_char_boundary(t.end));
                prop_assert!(!t.key.is_empty() && !t.key.contains(' '));
            }
        }

        #[test]
        fn tokenizing_is_stable_on_its_own_keys(s in "[a-zA-Z0-9 ,.]{0,40}") {
            let once = key_of(&s);
            prop_assert_eq!(key_of(&once), once.clone());
        }
    }
}
