//! Personal names: cleaning, structure (family / middle / given) and matching keys.

use super::family::{CLANS_LAST, COMPOUND_FAMILY, FAMILY_SET, MIDDLE_ALSO_FAMILY, is_family_name, push_family_token_key};
use super::phonetic::push_token_key;
use crate::finding::Code;
use crate::text::mojibake::repair_mojibake;
use crate::text::{ToneStyle, case_of, clean, fold_char, info, is_letter, lower_char, tone_style, upper_char};

/// Honorifics and kin terms that registers put before a name, as written with their marks.
const HONORIFICS: &[&str] = &["ông", "bà", "anh", "chị", "cô", "chú", "bác", "cháu", "em", "cụ", "bé", "dì", "thầy", "cậu"];

/// Honorifics written short with a dot.
const ABBREVIATED_HONORIFICS: &[&str] = &["ô", "b", "ông", "bà"];

/// A normalized personal name and its matching keys, in one allocation: the
/// display form, the folded key and the phonetic key share a buffer, and the
/// parts are spans of it (a register or reference holds millions of these).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Name {
    /// display form, then folded key, then phonetic key
    buf: Box<str>,
    /// Byte offsets into `buf`: ends of the display and folded forms, then
    /// (family end, given start) in the display, folded and phonetic forms.
    at: [u32; 8],
    /// False when the input carried no diacritics at all.
    pub has_diacritics: bool,
    /// The family name stands last (Êđê names: "Y Moan Niê Kdăm").
    pub family_last: bool,
}

const FULL_END: usize = 0;
const FOLDED_END: usize = 1;
const FAMILY_END: usize = 2; // + 2 per form
const GIVEN_START: usize = 3;

impl Name {
    fn at(&self, i: usize) -> usize {
        self.at[i] as usize
    }
    /// (start, end) of form 0 (display), 1 (folded) or 2 (phonetic).
    fn form(&self, form: usize) -> (usize, usize) {
        match form {
            0 => (0, self.at(FULL_END)),
            1 => (self.at(FULL_END), self.at(FOLDED_END)),
            _ => (self.at(FOLDED_END), self.buf.len()),
        }
    }
    /// The words before the middle ones: the family name, or the given name when the family stands last.
    fn first_of(&self, form: usize) -> &str {
        &self.buf[self.form(form).0..self.at(FAMILY_END + 2 * form)]
    }
    /// The words after the middle ones.
    fn last_of(&self, form: usize) -> &str {
        &self.buf[self.at(GIVEN_START + 2 * form)..self.form(form).1]
    }
    fn family_of(&self, form: usize) -> &str {
        if self.family_last { self.last_of(form) } else { self.first_of(form) }
    }
    fn given_of(&self, form: usize) -> &str {
        if self.family_last { self.first_of(form) } else { self.last_of(form) }
    }
    /// Cleaned display form: NFC, title case, uniform tone style.
    pub fn full(&self) -> &str {
        &self.buf[..self.at(FULL_END)]
    }
    pub fn family(&self) -> &str {
        self.family_of(0)
    }
    /// Middle name(s), empty when there are none.
    pub fn middle(&self) -> &str {
        let (family_end, given_start) = (self.at(FAMILY_END), self.at(GIVEN_START));
        if given_start > family_end + 1 { &self.buf[family_end + 1..given_start - 1] } else { "" }
    }
    pub fn given(&self) -> &str {
        self.given_of(0)
    }
    /// Folded full name: lower case, no diacritics, đ → d.
    pub fn folded(&self) -> &str {
        let (a, b) = self.form(1);
        &self.buf[a..b]
    }
    pub fn folded_family(&self) -> &str {
        self.family_of(1)
    }
    pub fn folded_given(&self) -> &str {
        self.given_of(1)
    }
    /// Phonetic key of the full name (tokens joined by spaces).
    pub fn phonetic(&self) -> &str {
        let (a, b) = self.form(2);
        &self.buf[a..b]
    }
    pub fn phonetic_family(&self) -> &str {
        self.family_of(2)
    }
    pub fn phonetic_given(&self) -> &str {
        self.given_of(2)
    }
    /// The buffer, offsets and flags (bit 0 `has_diacritics`, bit 1 `family_last`), for the reference cache.
    pub fn to_parts(&self) -> (&str, [u32; 8], u8) {
        (&self.buf, self.at, self.has_diacritics as u8 | (self.family_last as u8) << 1)
    }
    /// Rebuilds a name from [`Name::to_parts`]; `None` when the offsets do not fit the buffer.
    pub fn from_parts(buf: String, at: [u32; 8], flags: u8) -> Option<Name> {
        let n = Name { buf: buf.into_boxed_str(), at, has_diacritics: flags & 1 != 0, family_last: flags & 2 != 0 };
        let ok = at[FULL_END] <= at[FOLDED_END]
            && at[FOLDED_END] as usize <= n.buf.len()
            && (0..3).all(|form| {
                let (a, b) = n.form(form);
                let (f, g) = (n.at(FAMILY_END + 2 * form), n.at(GIVEN_START + 2 * form));
                a <= f && f <= g && g <= b && [a, b, f, g].iter().all(|&i| n.buf.is_char_boundary(i))
            });
        ok.then_some(n)
    }
}

/// Normalizes a full name. Returns `None` for an empty value.
///
/// ```
/// use lamsach_core::{normalize::name::normalize_name, text::ToneStyle};
/// let (n, codes) = normalize_name("ÔNG  NGUYỄN VĂN THỦY", ToneStyle::Old).unwrap();
/// assert_eq!(n.full(), "Nguyễn Văn Thủy");
/// assert_eq!((n.family(), n.middle(), n.given()), ("Nguyễn", "Văn", "Thủy"));
/// assert_eq!(n.folded(), "nguyen van thuy");
/// assert!(codes.contains(&lamsach_core::finding::Code::NameHonorific));
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
    codes.extend(c.codes());
    let mut text = c.text;
    // "Ô. Nguyễn Văn An", "B. Lê Thị Hoa": an abbreviated honorific, before the dot counts as an invalid char.
    if let Some((head, rest)) = text.split_once(". ")
        && ABBREVIATED_HONORIFICS.contains(&head.to_lowercase().as_str())
        && rest.split(' ').count() >= 2
    {
        text = rest.to_string();
        codes.push(Code::NameHonorific);
    }
    // "Nguyễn Văn A (đã chết)", "Hồ Thị Hà (mẹ)", "Trần Thị Hoa (Hoà)": a remark in brackets is
    // not part of the name; kept, its words would become the given name.
    if let Some(outside) = without_remarks(&text) {
        text = outside;
        codes.push(Code::NameInvalidChars);
    }
    let (mut digits, mut invalid) = (false, false);
    for ch in text.chars() {
        digits |= ch.is_ascii_digit();
        invalid |= !(is_letter(ch) || ch == ' ' || ch == '\'' || ch == '-' || ch.is_ascii_digit());
    }
    if digits {
        codes.push(Code::NameDigits);
    }
    if invalid {
        if !codes.contains(&Code::NameInvalidChars) {
            codes.push(Code::NameInvalidChars);
        }
        text = text.chars().map(|ch| if is_letter(ch) || ch == '\'' || ch == '-' || ch.is_ascii_digit() { ch } else { ' ' }).collect();
        text = clean(&text).text;
    }
    // Cleaning can reveal mojibake the raw value hid ("Ö౷À¡" → "Ö À"): try the
    // repair once more so that normalizing twice gives the same name.
    if repaired.is_none()
        && text != raw
        && let Some((t, _)) = repair_mojibake(&text)
    {
        codes.push(Code::NameLegacyEncoding);
        text = clean(&t).text;
    }
    // "K' Sỹ", "k’ dìm": one apostrophe form (cleaning unified them), no space after it.
    if text.contains("' ") {
        text = text.replace("' ", "'");
    }
    // Word, key and span buffers are reused per thread: past cleaning, a name allocates only its own buffer.
    WORDS
        .with_borrow_mut(|words| {
            words.fill(&text, style);
            build(words, &mut codes)
        })
        .map(|name| (name, codes))
}

/// The text without its bracketed remarks, when it has any and a letter stands outside them.
fn without_remarks(text: &str) -> Option<String> {
    if !text.contains(['(', '[']) {
        return None;
    }
    let (outside, _) = crate::text::split_bracketed(text);
    outside.chars().any(is_letter).then(|| clean(&outside).text)
}

thread_local! {
    static WORDS: std::cell::RefCell<Words> = std::cell::RefCell::new(Words::default());
}

/// The name and its keys from a cleaned text split into words; adds the structural findings.
fn build(words: &mut Words, codes: &mut Vec<Code>) -> Option<Name> {
    if words.upper >= 2 && words.lower == 0 {
        codes.push(Code::NameAllCaps);
    }
    if words.restyled {
        codes.push(Code::NameToneStyle);
    }
    if words.mixed_case {
        codes.push(Code::NameMixedCase);
    }
    let mut first = 0;
    let n = words.tokens.len();
    while n - first >= 3 && is_honorific(words, first) {
        first += 1;
        if !codes.contains(&Code::NameHonorific) {
            codes.push(Code::NameHonorific);
        }
    }
    if first == n {
        return None;
    }
    let tokens = &words.tokens[first..];
    // K'Ho and Mạ names are one word with a prefix ("K'Sỹ", "Ka'Ri"): whole as written.
    if tokens.len() == 1 && !words.styled(first).contains('\'') {
        codes.push(Code::NameSingleToken);
    }
    if !words.has_diacritics && words.has_letter {
        codes.push(Code::NameNoDiacritics);
    }
    let family_last = clan_last_length(words, first);
    // Tokens [0, first_end) open the name and [last_start, n) close it; the middle lies between.
    // Family first: family, middle, one given word. Clan last: given words, clan.
    let (first_end, last_start) =
        if family_last > 0 { (tokens.len() - family_last, tokens.len() - family_last) } else { (family_length(words, first), tokens.len() - 1) };
    let single = tokens.len() == 1;
    // Phonetic keys of the kept tokens, one buffer, spans like the others.
    let (phonetic, phon) = (&mut words.phonetic, &mut words.phon);
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            phonetic.push(' ');
        }
        let s = phonetic.len();
        let f = &words.folded[t.folded.0..t.folded.1];
        let in_family = if family_last > 0 { i >= last_start } else { i < first_end };
        if in_family && !single {
            push_family_token_key(f, phonetic);
        } else {
            push_token_key(f, phonetic)
        }
        phon.push((s, phonetic.len()));
    }
    let last = tokens.len() - 1;
    let span = |form: usize, i: usize| [tokens[i].styled, tokens[i].folded, phon[i]][form];
    // One buffer: display, folded, phonetic; each part is a span of it.
    let mut buf = String::with_capacity((0..3).map(|form| span(form, last).1 - span(form, 0).0).sum());
    let mut at = [0u32; 8];
    for form in 0..3 {
        let text: &str = [&words.styled, &words.folded, &*phonetic][form];
        let span = |i: usize| span(form, i);
        let base = buf.len();
        let start = span(0).0;
        buf.push_str(&text[start..span(last).1]);
        let pos = |i: usize| (base + i - start) as u32;
        if single {
            at[FAMILY_END + 2 * form] = base as u32;
            at[GIVEN_START + 2 * form] = base as u32;
        } else {
            at[FAMILY_END + 2 * form] = pos(span(first_end - 1).1);
            at[GIVEN_START + 2 * form] = pos(span(last_start).0);
        }
        if form < 2 {
            at[form] = buf.len() as u32;
        }
    }
    Some(Name { buf: buf.into_boxed_str(), at, has_diacritics: words.has_diacritics, family_last: family_last > 0 })
}

/// Where one token sits in the styled and the folded text (byte spans).
#[derive(Clone, Copy)]
struct Token {
    styled: (usize, usize),
    folded: (usize, usize),
}

/// A cleaned name in one pass: title case with the chosen tone style, its
/// folded key, token spans in both, and the facts the findings need.
#[derive(Default)]
struct Words {
    styled: String,
    folded: String,
    tokens: Vec<Token>,
    phonetic: String,
    /// Spans of the tokens' phonetic keys in `phonetic`.
    phon: Vec<(usize, usize)>,
    upper: usize,
    lower: usize,
    restyled: bool,
    has_diacritics: bool,
    has_letter: bool,
    /// A word mixes case after its first letter ("PHạM ĐứC": a bad conversion).
    mixed_case: bool,
}

impl Words {
    /// Splits `text` into words, title-cased in `style` and folded (reusing the buffers).
    fn fill(&mut self, text: &str, style: ToneStyle) {
        let w = self;
        for b in [&mut w.styled, &mut w.folded, &mut w.phonetic] {
            b.clear();
        }
        w.tokens.clear();
        w.phon.clear();
        (w.upper, w.lower, w.restyled, w.has_diacritics, w.has_letter, w.mixed_case) = (0, 0, false, false, false, false);
        for word in text.split(' ').filter(|t| !t.is_empty()) {
            if !w.tokens.is_empty() {
                w.styled.push(' ');
                w.folded.push(' ');
            }
            let (s0, f0) = (w.styled.len(), w.folded.len());
            let mut start = true;
            let mut prev_fold = 0u8;
            let mut restyle = false; // the token has an oa / oe / uy cluster
            let (mut inner_upper, mut inner_lower) = (false, false);
            for c in word.chars() {
                if !start && let Some(upper) = case_of(c) {
                    inner_upper |= upper;
                    inner_lower |= !upper;
                }
                // One table lookup per char gives case, fold and letterhood.
                let (fold, styled) = if let Some(i) = info(c) {
                    w.has_letter = true;
                    w.has_diacritics |= !c.is_ascii();
                    if i.lower == c {
                        w.lower += 1
                    } else {
                        w.upper += 1
                    }
                    let s = if start { i.upper } else { i.lower };
                    start = false;
                    (i.fold as char, s)
                } else {
                    match case_of(c) {
                        Some(true) => w.upper += 1,
                        Some(false) => w.lower += 1,
                        None => {}
                    }
                    if is_letter(c) {
                        w.has_letter = true;
                        let s = if start { upper_char(c) } else { lower_char(c) };
                        start = false;
                        (fold_char(s), s) // the key folds what is displayed (µ → Μ → μ)
                    } else {
                        start = c == '\'' || c == '-';
                        (fold_char(c), c)
                    }
                };
                // Stray combining marks (NFD input) fold to nothing.
                if !('\u{300}'..='\u{36F}').contains(&c) {
                    w.folded.push(fold);
                }
                w.styled.push(styled);
                restyle |= matches!((prev_fold, fold), (b'o', 'a') | (b'o', 'e') | (b'u', 'y'));
                prev_fold = if fold.is_ascii() { fold as u8 } else { 0 };
            }
            // Tone placement only matters for syllables ending in oa / oe / uy.
            if restyle && let Some(r) = restyle_syllables(&w.styled[s0..], style) {
                w.styled.truncate(s0);
                w.styled.push_str(&r);
                w.restyled = true;
            }
            w.mixed_case |= inner_upper && inner_lower;
            w.tokens.push(Token { styled: (s0, w.styled.len()), folded: (f0, w.folded.len()) });
        }
    }

    fn folded(&self, i: usize) -> &str {
        let t = self.tokens[i].folded;
        &self.folded[t.0..t.1]
    }

    fn styled(&self, i: usize) -> &str {
        let t = self.tokens[i].styled;
        &self.styled[t.0..t.1]
    }
}

/// A token may hold several syllables joined by an apostrophe or hyphen
/// ("H'Hoà"): restyle the way [`tone_style`] does on the whole text.
fn restyle_syllables(token: &str, style: ToneStyle) -> Option<String> {
    let (out, changed) = tone_style(token, style);
    changed.then_some(out)
}

/// Normalizes each distinct raw name once: registers repeat names a lot
/// (Nguyễn Văn An), so a run keeps one cache per worker.
pub struct NameCache {
    style: ToneStyle,
    map: std::collections::HashMap<String, Option<(Name, Vec<Code>)>, foldhash::fast::FixedState>,
    limit: usize,
}

impl NameCache {
    /// A cache that stops growing after `limit` distinct names (memory stays bounded).
    pub fn new(style: ToneStyle, limit: usize) -> Self {
        NameCache { style, map: Default::default(), limit }
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

/// Whether token `i` is an honorific to drop: it is one as written (marks count: "Chu",
/// "Châu" and "Bế" are family names, "Chú", "Cháu" and "Bé" are not), and a family name
/// follows it. When the word is itself a family name (Ông, Cô; or, in a name typed
/// without any marks, "CHU" being Chu or Chú), at least three words must remain.
fn is_honorific(words: &Words, i: usize) -> bool {
    let folded = words.folded(i);
    let written_lower = |i: usize| words.styled(i).chars().map(lower_char).collect::<String>();
    if !is_family_name(&written_lower(i + 1)) {
        return false;
    }
    let written = written_lower(i);
    // In a name typed with marks, a word without them is as written ("Chu" is not "Chú").
    let honorific = if words.has_diacritics { HONORIFICS.contains(&written.as_str()) } else { HONORIFICS.iter().any(|h| crate::text::fold(h) == folded) };
    honorific && (!is_family_name(&written) || words.tokens.len() - i > 3)
}

/// Words of an Êđê clan name standing last ("Y Moan Niê Kdăm": 2), when the name opens
/// with the prefix Y or H'; 0 for the usual family-first order.
fn clan_last_length(words: &Words, first: usize) -> usize {
    let n = words.tokens.len() - first;
    let opener = words.folded(first);
    if n < 2 || !(opener == "y" || opener.starts_with("h'")) {
        return 0;
    }
    let last = words.folded(words.tokens.len() - 1);
    if n >= 3 {
        let t = &words.tokens;
        let two = &words.folded[t[t.len() - 2].folded.0..t[t.len() - 1].folded.1];
        if CLANS_LAST.contains(&two) {
            return 2;
        }
    }
    if CLANS_LAST.contains(&last) { 1 } else { 0 }
}

fn family_length(words: &Words, first: usize) -> usize {
    let n = words.tokens.len() - first;
    if n >= 3 {
        let (a, b) = (words.folded(first), words.folded(first + 1));
        let two = &words.folded[words.tokens[first].folded.0..words.tokens[first + 1].folded.1];
        if COMPOUND_FAMILY.contains(&two) {
            return 2;
        }
        // Dual family names ("Nguyễn Phạm Minh Anh") need two more tokens after them.
        if n >= 4 && FAMILY_SET.contains(a) && FAMILY_SET.contains(b) && !MIDDLE_ALSO_FAMILY.contains(&b) {
            return 2;
        }
    }
    1
}

#[cfg(test)]
mod tests;
