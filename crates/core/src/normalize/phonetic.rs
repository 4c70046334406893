//! A phonetic key for Vietnamese name tokens that merges the spellings dialect
//! speakers confuse (docs/DOMAIN.md §3.3): d/gi/r, tr/ch, s/x, initial l/n, final
//! n/ng/nh and t/c/ch, i/y, and all tones (so hỏi/ngã). Family-name variants
//! Hoàng/Huỳnh and Vũ/Võ share one key.

/// Phonetic key of one folded (lower-case ASCII) token.
///
/// ```
/// use lamsach_core::normalize::phonetic::token_key;
/// assert_eq!(token_key("trung"), token_key("chun"));
/// assert_eq!(token_key("giang"), token_key("dan"));
/// assert_eq!(token_key("xuan"), token_key("suan"));
/// ```
pub fn token_key(folded: &str) -> String {
    let mut out = String::with_capacity(folded.len());
    push_token_key(folded, &mut out);
    out
}

/// [`token_key`] appended to `out` (no allocation: this runs on every token of every name).
pub fn push_token_key(folded: &str, out: &mut String) {
    let (onset, rest) = split_onset(folded);
    out.push_str(match onset {
        "d" | "gi" | "r" => "z",
        "ch" | "tr" => "c",
        "k" | "c" | "q" => "c",
        "x" | "s" => "s",
        "n" | "l" => "l",
        "ngh" | "ng" => "ng",
        "gh" | "g" => "g",
        o => o,
    });
    // Rhyme: y → i, then merge the final consonants.
    let rhyme_start = out.len();
    out.extend(rest.chars().map(|c| if c == 'y' { 'i' } else { c }));
    let rhyme = &out[rhyme_start..];
    if rhyme.ends_with("ng") || rhyme.ends_with("nh") {
        out.pop(); // ng, nh → n
    } else if rhyme.ends_with("ch") {
        out.truncate(out.len() - 2);
        out.push('t');
    } else if rhyme.ends_with('c') {
        out.pop();
        out.push('t');
    }
}

fn split_onset(w: &str) -> (&str, &str) {
    let (o, r) = w.split_at(crate::text::onset_len(w));
    if o == "gi" && (r.is_empty() || !r.starts_with(['a', 'e', 'o', 'u'])) {
        return ("gi", &w[1..]); // "gi", "gin": the i is the vowel
    }
    if o == "qu" {
        return ("q", &w[1..]);
    }
    (o, r)
}

/// The folded spelling that stands for a family-name variant pair.
pub fn family_variant(folded: &str) -> &str {
    match folded {
        "huynh" => "hoang",
        "vo" => "vu",
        "sai" => "thai",
        "luu" => "lieu",
        other => other,
    }
}

/// Phonetic key of a family-name token: variants first, then the dialect key.
pub fn family_key(folded: &str) -> String {
    token_key(family_variant(folded))
}

/// [`family_key`] appended to `out`.
pub fn push_family_key(folded: &str, out: &mut String) {
    push_token_key(family_variant(folded), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_mergers_share_keys() {
        for (a, b) in [
            ("dung", "zung"),
            ("rung", "dung"),
            ("gia", "da"),
            ("tran", "chan"),
            ("sinh", "xinh"),
            ("lan", "nan"),
            ("ban", "bang"),
            ("bat", "bac"),
            ("ly", "li"),
            ("thuy", "thui"),
            ("anh", "an"),
        ] {
            assert_eq!(token_key(a), token_key(b), "{a} {b}");
        }
        assert_ne!(token_key("minh"), token_key("manh"));
        assert_ne!(token_key("nam"), token_key("lan"));
    }

    #[test]
    fn family_variants() {
        assert_eq!(family_key("huynh"), family_key("hoang"));
        assert_eq!(family_key("vo"), family_key("vu"));
        assert_ne!(family_key("nguyen"), family_key("tran"));
    }
}
