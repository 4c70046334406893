//! Personal names: cleaning, structure (family / middle / given) and matching keys.

use super::phonetic::{push_family_key, push_token_key};
use crate::finding::Code;
use crate::text::legacy::repair_mojibake;
use crate::text::{ToneStyle, case_of, clean, fold_char, info, is_letter, lower_char, tone_style, upper_char};
use std::sync::LazyLock;

/// Common family names (folded): the ones VIETNAM.md §4.2 lists and a few more.
/// Only the dual-family rule ("Nguyễn Phạm Minh Anh") uses this short list; whether a
/// word can be a family name at all is [`is_family_name`], over real name lists.
pub const FAMILY_NAMES: &[&str] = &[
    "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo", "duong", "ly", "lam", "dinh", "nghiem", "dao",
    "vuong", "trinh", "phung", "chung", "trieu", "doan", "ha", "truong", "ton", "mai", "la", "ta", "luong", "kim", "thach", "lac", "cao", "chau", "chu",
    "diep", "dam", "giang", "han", "kieu", "luc", "ma", "mach", "pho", "quach", "to", "trang", "tieu", "thi", "luu", "lieu", "thai", "sai", "khong", "au",
    "khuc", "lai", "quan", "tang", "van", "uong", "ong", "ninh", "nong", "lo", "lu", "hua", "yen", "khuat", "dieu",
];

/// Family names as real names spell them, with how many names of two public
/// lists each opens (schemas/family_names.tsv, built by tools/family_names.py).
const FAMILY_NAME_TABLE: &str = include_str!("../../schemas/family_names.tsv");

/// Clan names of the Central Highlands (VIETNAM.md §10.2) that the lists above miss.
const HIGHLAND_CLANS: &[&str] =
    &["ksor", "ksơr", "siu", "rmah", "kpă", "nay", "puih", "kpuih", "niê", "mlô", "hđơk", "ayun", "byă", "êban", "knul", "adrơng", "ênuôl", "touneh"];

/// Two-word family names recognized as one family name.
const COMPOUND_FAMILY: &[&str] =
    &["ton that", "au duong", "tu ma", "nguyen phuc", "hoang phu", "ton nu", "gia cat", "ro cham", "ro o", "ro lan", "ro mah", "nie kdam", "buon ya"];

/// Êđê clans, which stand last: "Y Moan Ênuôl", "H'Hen Niê", "Y Ngông Niê Kdăm".
const CLANS_LAST: &[&str] = &["nie", "nie kdam", "mlo", "hdok", "ayun", "bya", "eban", "ksor", "knul", "adrong", "enuol", "buon ya"];

/// Middle names that are also family names: a second token in this list is a
/// middle name, not the second half of a dual family name.
const MIDDLE_ALSO_FAMILY: &[&str] = &["hoang", "kim", "mai", "ha", "dinh", "van", "thi", "luong", "cao", "giang", "la", "lam", "truong"];

/// Honorifics and kin terms that registers put before a name, as written with their marks.
const HONORIFICS: &[&str] = &["ông", "bà", "anh", "chị", "cô", "chú", "bác", "cháu", "em", "cụ", "bé", "dì", "thầy", "cậu"];

/// Honorifics written short with a dot.
const ABBREVIATED_HONORIFICS: &[&str] = &["ô", "b", "ông", "bà"];

type FastSet<T> = std::collections::HashSet<T, foldhash::fast::FixedState>;

static FAMILY_SET: LazyLock<FastSet<&'static str>> = LazyLock::new(|| FAMILY_NAMES.iter().copied().collect());

/// The phonetic keys of the common family names: a family token with one of these keys is
/// that family written by ear, not a typo of another.
static COMMON_FAMILY_KEYS: LazyLock<FastSet<String>> = LazyLock::new(|| FAMILY_NAMES.iter().map(|f| super::phonetic::family_key(f)).collect());

/// Every known family name: (as written, lower case) and (folded → how many real names
/// open with it, over all its spellings; the highland clans count as common).
static KNOWN_FAMILY: LazyLock<(FastSet<&'static str>, std::collections::HashMap<String, u32, foldhash::fast::FixedState>)> = LazyLock::new(|| {
    let mut written: FastSet<&'static str> = Default::default();
    let mut folded: std::collections::HashMap<String, u32, foldhash::fast::FixedState> = Default::default();
    for line in FAMILY_NAME_TABLE.lines().filter(|l| !l.starts_with('#')) {
        let mut cols = line.split('\t');
        let Some(name) = cols.next().filter(|w| !w.is_empty()) else { continue };
        let count: u32 = cols.filter_map(|c| c.trim().parse::<u32>().ok()).sum();
        written.insert(name);
        *folded.entry(crate::text::fold(name)).or_default() += count;
    }
    for clan in HIGHLAND_CLANS {
        written.insert(clan);
        folded.entry(crate::text::fold(clan)).or_insert(1000);
    }
    (written, folded)
});

/// True when `word` (lower case, with or without its marks) is a family name
/// that real names use. Marks count: "chu" and "chử" are family names, "chú" is not.
pub fn is_family_name(word: &str) -> bool {
    let (written, folded) = &*KNOWN_FAMILY;
    if written.contains(word) {
        return true;
    }
    // A word typed without marks may be any family name with them.
    word.is_ascii() && folded.contains_key(word)
}

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
/// use lamsach::{normalize::name::normalize_name, text::ToneStyle};
/// let (n, codes) = normalize_name("ÔNG  NGUYỄN VĂN THỦY", ToneStyle::Old).unwrap();
/// assert_eq!(n.full(), "Nguyễn Văn Thủy");
/// assert_eq!((n.family(), n.middle(), n.given()), ("Nguyễn", "Văn", "Thủy"));
/// assert_eq!(n.folded(), "nguyen van thuy");
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

/// A family token's phonetic key: a spelling by ear of a common family name ("Chần" for
/// Trần) keys as that name; only a token no dialect merger explains is read as a typo of
/// one ("Chan" would otherwise be one letter from Châu).
fn push_family_token_key(folded: &str, out: &mut String) {
    let start = out.len();
    push_family_key(folded, out);
    if !COMMON_FAMILY_KEYS.contains(&out[start..])
        && let Some(target) = family_typo_target(folded)
    {
        out.truncate(start);
        push_family_key(target, out);
    }
}

/// The common family name a family-name token is a typo of ("ngyen", "lguyen", "tarn",
/// "huyn"): one insertion, deletion, substitution or swap of neighbours away from one of
/// [`FAMILY_NAMES`] of four letters or more that real names use at least a hundred times
/// as often (the real lists hold typos too: "ngyễn" opens 3 names, "nguyễn" 13,636; "thân",
/// a family of its own, 197 beside "trần"'s 5,634). Its matching keys are that family's, so
/// blocking and the name comparison see it.
fn family_typo_target(folded: &str) -> Option<&'static str> {
    if folded.len() < 4 || !folded.is_ascii() {
        return None;
    }
    let counts = &KNOWN_FAMILY.1;
    let own = counts.get(folded).copied().unwrap_or(0);
    FAMILY_NAMES
        .iter()
        .copied()
        .find(|f| f.len() >= 4 && one_edit_apart(folded.as_bytes(), f.as_bytes()) && counts.get(*f).is_some_and(|&c| c >= own.saturating_mul(100).max(1)))
}

/// Optimal string alignment distance of exactly one (a typo), on bytes.
fn one_edit_apart(a: &[u8], b: &[u8]) -> bool {
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[p..], &b[p..]);
    match ra.len().cmp(&rb.len()) {
        std::cmp::Ordering::Equal => ra[1..] == rb[1..] || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..]),
        std::cmp::Ordering::Less => ra == &rb[1..],
        std::cmp::Ordering::Greater => &ra[1..] == rb,
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
    honorific && (!is_family_name(&written) || words.tokens.len() - i - 1 >= 3)
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
mod tests {
    use super::*;
    use crate::normalize::phonetic::token_key;

    fn n(s: &str) -> (Name, Vec<Code>) {
        normalize_name(s, ToneStyle::Old).unwrap()
    }

    #[test]
    fn splits_family_middle_given() {
        let (x, _) = n("Trần Thị Thu Hương");
        assert_eq!((x.family(), x.middle(), x.given()), ("Trần", "Thị Thu", "Hương"));
        let (x, _) = n("Tôn Thất Thuyết");
        assert_eq!((x.family(), x.middle(), x.given()), ("Tôn Thất", "", "Thuyết"));
        let (x, _) = n("Nguyễn Phạm Minh Anh");
        assert_eq!(x.family(), "Nguyễn Phạm");
        let (x, _) = n("Nguyễn Hoàng Minh Anh");
        assert_eq!(x.family(), "Nguyễn");
        let (x, _) = n("Âu Dương Phong");
        assert_eq!(x.family(), "Âu Dương");
    }

    #[test]
    fn findings() {
        let (_, c) = n("NGUYEN VAN AN");
        assert!(c.contains(&Code::NameNoDiacritics) && c.contains(&Code::NameAllCaps));
        let (x, c) = n("Bà Lê Thị Hoà");
        assert_eq!(x.full(), "Lê Thị Hòa");
        assert!(c.contains(&Code::NameHonorific) && c.contains(&Code::NameToneStyle));
        let (x, c) = n("Ông Ích Khiêm");
        assert_eq!(x.family(), "Ông");
        assert!(!c.contains(&Code::NameHonorific));
        let (_, c) = n("Nguyễn Văn 2");
        assert!(c.contains(&Code::NameDigits));
        let (_, c) = n("Hùng");
        assert!(c.contains(&Code::NameSingleToken));
        let (x, c) = n("Nguyeãn Vaên Ñöùc");
        assert_eq!(x.full(), "Nguyễn Văn Đức");
        assert!(c.contains(&Code::NameLegacyEncoding));
        assert!(normalize_name("   ", ToneStyle::Old).is_none());
    }

    #[test]
    fn family_names_that_look_like_honorifics_are_kept() {
        for name in [
            "Chu Hoàng Giang",
            "Châu Ngọc Minh",
            "Bế Văn Đàn",
            "Cù Thị Hậu",
            "Chử Đức Thắng",
            "Ông Ích Khiêm",
            "Ông Văn Tùng",
            "Chẩu Văn Lâm",
            "Cổ Thị Lan",
            "Cồ Văn Huy",
            "Cô Thị Mai",
            "CHU HOANG GIANG",
            "chau ngoc minh",
            "Chu Nguyễn Minh Anh",
            "Châu Trần Bảo Ngọc",
        ] {
            let (x, c) = n(name);
            assert!(!c.contains(&Code::NameHonorific), "{name}: {c:?}");
            assert_eq!(x.folded(), crate::text::fold(name), "{name}");
        }
    }

    #[test]
    fn a_remark_in_brackets_is_not_part_of_the_name() {
        for (raw, full) in [
            ("Nguyễn Văn An (đã chết)", "Nguyễn Văn An"),
            ("Hồ Thị Thu Hà (mẹ)", "Hồ Thị Thu Hà"),
            ("Trần Thị Hoa (Hoà) ", "Trần Thị Hoa"),
            ("Lê Văn Bình [chủ hộ]", "Lê Văn Bình"),
            ("Phạm Thị Lan (tên gọi khác", "Phạm Thị Lan"),
            ("(Nguyễn Văn An)", "Nguyễn Văn An"),
        ] {
            let (name, codes) = n(raw);
            assert_eq!(name.full(), full, "{raw}");
            assert_eq!(codes.iter().filter(|c| **c == Code::NameInvalidChars).count(), 1, "{raw}: {codes:?}");
        }
    }

    #[test]
    fn honorifics_are_stripped_when_a_name_follows() {
        for (raw, want) in [
            ("Ông Nguyễn Văn An", "Nguyễn Văn An"),
            ("Bà Lê Thị Hoa", "Lê Thị Hoa"),
            ("Chú Hoàng Văn Giang", "Hoàng Văn Giang"),
            ("Cháu Chu Thị Mai", "Chu Thị Mai"),
            ("Ô. Trần Văn Bình", "Trần Văn Bình"),
            ("B. Phạm Thị Lan", "Phạm Thị Lan"),
            ("ANH TRAN VAN BINH", "Tran Van Binh"),
            ("Cô Nguyễn Thị Lan", "Nguyễn Thị Lan"),
        ] {
            let (x, c) = n(raw);
            assert_eq!(x.full(), want, "{raw}");
            assert!(c.contains(&Code::NameHonorific), "{raw}");
        }
    }

    #[test]
    fn minority_names_round_trip_with_their_clan() {
        for (raw, full, family, given) in [
            ("Ksor H'Bia", "Ksor H'Bia", "Ksor", "H'Bia"),
            ("Rơ Châm Y Thu", "Rơ Châm Y Thu", "Rơ Châm", "Thu"),
            ("Siu H'Nơi", "Siu H'Nơi", "Siu", "H'Nơi"),
            ("Rmah H’Loan", "Rmah H'Loan", "Rmah", "H'Loan"),
            ("Đinh Y Ngọc", "Đinh Y Ngọc", "Đinh", "Ngọc"),
            ("Kpă Thị Lan", "Kpă Thị Lan", "Kpă", "Lan"),
            ("Y Moan Niê Kdăm", "Y Moan Niê Kdăm", "Niê Kdăm", "Y Moan"),
            ("H'Hen Niê", "H'Hen Niê", "Niê", "H'Hen"),
            ("Y Ngông Ênuôl", "Y Ngông Ênuôl", "Ênuôl", "Y Ngông"),
            ("k’ dìm", "K'Dìm", "", "K'Dìm"),
            ("K' Sỹ", "K'Sỹ", "", "K'Sỹ"),
            ("Ka`Ri", "Ka'Ri", "", "Ka'Ri"),
        ] {
            let (x, c) = n(raw);
            assert_eq!((x.full(), x.family(), x.given()), (full, family, given), "{raw}");
            assert!(!c.contains(&Code::NameLegacyEncoding) && !c.contains(&Code::NameHonorific), "{raw}: {c:?}");
            assert_eq!(n(x.full()).0, x, "{raw}: normalizing twice");
        }
        let (x, _) = n("Y Moan Niê Kdăm");
        assert_eq!((x.folded_family(), x.middle()), ("nie kdam", ""));
    }

    #[test]
    fn a_family_name_with_a_typo_keys_as_that_family() {
        let nguyen = n("Nguyễn Văn An").0;
        for typo in ["Ngyễn Văn An", "Nguễn Văn An", "Lguyễn Văn An", "Nguyênx Văn An"] {
            assert_ne!(crate::text::fold(typo.split(' ').next().unwrap()), "nguyen", "{typo} is a typo, not a spelling");
            assert_eq!(n(typo).0.phonetic_family(), nguyen.phonetic_family(), "{typo}");
        }
        assert_eq!(n("Tầrn Thị Hoa").0.phonetic_family(), n("Trần Thị Hoa").0.phonetic_family());
        assert_eq!(n("Huỳn Văn Tâm").0.phonetic_family(), n("Huỳnh Văn Tâm").0.phonetic_family());
        // A family name spelt by ear is that family, not a typo of a neighbour ("Chần" is one
        // letter from Châu, and Trần's dialect spelling).
        assert_eq!(n("Chần Quang Tâm").0.phonetic(), n("Trần Quang Tâm").0.phonetic());
        assert_eq!(n("Chan Quang Tam").0.phonetic(), n("Trần Quang Tâm").0.phonetic());
        // Real family names one edit from a common one stay themselves.
        for (real, common) in [("Thân Văn Tú", "Trần Văn Tú"), ("Thái Văn Tú", "Thân Văn Tú")] {
            assert_ne!(n(real).0.phonetic_family(), n(common).0.phonetic_family(), "{real}");
        }
        assert!(one_edit_apart(b"tarn", b"tran") && one_edit_apart(b"huyn", b"huynh") && !one_edit_apart(b"tran", b"tran"));
    }

    #[test]
    fn a_name_without_marks_is_not_called_wrong_on_its_own() {
        // Real names, right as written: every syllable is a syllable without marks.
        for name in ["Phan Minh Quang", "Cao Minh Anh", "Mai Lan Anh"] {
            let (_, codes) = n(name);
            assert!(codes.contains(&Code::NameNoDiacritics), "{name}");
            assert!(codes.iter().all(|c| c.severity() == crate::finding::Severity::Info), "{name}: {codes:?}");
        }
    }

    #[test]
    fn every_repair_leaves_a_finding() {
        let (x, c) = n("PHạM ĐứC LựC");
        assert_eq!(x.full(), "Phạm Đức Lực");
        assert!(c.contains(&Code::NameMixedCase), "{c:?}");
        let (x, c) = n("Ðặng Văn Quý");
        assert_eq!(x.full(), "Đặng Văn Quý");
        assert!(c.contains(&Code::TextLookalikeChars), "{c:?}");
        let (x, c) = n("Nguy\u{1}ễn Văn An");
        assert_eq!(x.full(), "Nguyễn Văn An");
        assert!(c.contains(&Code::TextControlChars), "{c:?}");
        for clean in ["Nguyễn Văn An", "KSOR H'BLANH", "Ksor H'Blanh", "nguyễn văn an"] {
            assert!(!n(clean).1.contains(&Code::NameMixedCase), "{clean}");
        }
    }

    #[test]
    fn title_case_handles_vietnamese_capitals() {
        assert_eq!(n("NGUYỄN VĂN ĐỨC").0.full(), "Nguyễn Văn Đức");
        assert_eq!(n("ưng hoàng phúc").0.full(), "Ưng Hoàng Phúc");
        assert_eq!(n("KSOR H'BLANH").0.full(), "Ksor H'Blanh");
        assert!(n("Lê").0.has_diacritics && !n("Le Van").0.has_diacritics);
    }

    #[test]
    fn keys_tolerate_dialect_and_variants() {
        let (a, _) = n("Huỳnh Văn Trung");
        let (b, _) = n("Hoàng Văn Chung");
        assert_eq!(a.phonetic(), b.phonetic());
        let (a, _) = n("Võ Thị Dung");
        let (b, _) = n("vu thi zung");
        assert_eq!(a.phonetic_family(), b.phonetic_family());
        let (a, _) = n("Lê Văn Giang");
        assert_eq!(a.phonetic_given(), token_key("dan"));
    }
}
