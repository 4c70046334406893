//! Family names: the common ones, every one real name lists use (with how often), the
//! clans of the Central Highlands, and a family token's matching key when it is written by
//! ear or with a typo.

use super::phonetic::push_family_key;
use std::sync::LazyLock;

/// Common family names (folded): the ones docs/DOMAIN.md §3.2 names and a few more.
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
const FAMILY_NAME_TABLE: &str = include_str!("../../../../schemas/family_names.tsv");

/// Clan names of the Central Highlands (docs/DOMAIN.md §3.4) that the lists above miss.
const HIGHLAND_CLANS: &[&str] =
    &["ksor", "ksơr", "siu", "rmah", "kpă", "nay", "puih", "kpuih", "niê", "mlô", "hđơk", "ayun", "byă", "êban", "knul", "adrơng", "ênuôl", "touneh"];

/// Two-word family names recognized as one family name.
pub(super) const COMPOUND_FAMILY: &[&str] =
    &["ton that", "au duong", "tu ma", "nguyen phuc", "hoang phu", "ton nu", "gia cat", "ro cham", "ro o", "ro lan", "ro mah", "nie kdam", "buon ya"];

/// Êđê clans, which stand last: "Y Moan Ênuôl", "H'Hen Niê", "Y Ngông Niê Kdăm".
pub(super) const CLANS_LAST: &[&str] = &["nie", "nie kdam", "mlo", "hdok", "ayun", "bya", "eban", "ksor", "knul", "adrong", "enuol", "buon ya"];

/// Middle names that are also family names: a second token in this list is a
/// middle name, not the second half of a dual family name.
pub(super) const MIDDLE_ALSO_FAMILY: &[&str] = &["hoang", "kim", "mai", "ha", "dinh", "van", "thi", "luong", "cao", "giang", "la", "lam", "truong"];

type FastSet<T> = std::collections::HashSet<T, foldhash::fast::FixedState>;

pub(super) static FAMILY_SET: LazyLock<FastSet<&'static str>> = LazyLock::new(|| FAMILY_NAMES.iter().copied().collect());

/// The phonetic keys of the common family names: a family token with one of these keys is
/// that family written by ear, not a typo of another.
static COMMON_FAMILY_KEYS: LazyLock<FastSet<String>> = LazyLock::new(|| FAMILY_NAMES.iter().map(|f| super::phonetic::family_key(f)).collect());

/// Every known family name: (as written, lower case) and (folded → how many real names
/// open with it, over all its spellings; the highland clans count as common).
static KNOWN_FAMILY: LazyLock<KnownFamilies> = LazyLock::new(|| {
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
    KnownFamilies { written, folded }
});

/// Every known family name, as written and folded.
struct KnownFamilies {
    /// Lower case, with marks.
    written: FastSet<&'static str>,
    /// Folded → how many real names open with it.
    folded: std::collections::HashMap<String, u32, foldhash::fast::FixedState>,
}

/// True when `word` (lower case, with or without its marks) is a family name
/// that real names use. Marks count: "chu" and "chử" are family names, "chú" is not.
pub fn is_family_name(word: &str) -> bool {
    let KnownFamilies { written, folded } = &*KNOWN_FAMILY;
    if written.contains(word) {
        return true;
    }
    // A word typed without marks may be any family name with them.
    word.is_ascii() && folded.contains_key(word)
}

/// A family token's phonetic key: a spelling by ear of a common family name ("Chần" for
/// Trần) keys as that name; only a token no dialect merger explains is read as a typo of
/// one ("Chan" would otherwise be one letter from Châu).
pub(super) fn push_family_token_key(folded: &str, out: &mut String) {
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
    let counts = &KNOWN_FAMILY.folded;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_is_one_edit_and_not_none() {
        assert!(one_edit_apart(b"tarn", b"tran") && one_edit_apart(b"huyn", b"huynh") && one_edit_apart(b"ngyen", b"nguyen"));
        assert!(!one_edit_apart(b"tran", b"tran") && !one_edit_apart(b"tran", b"thanh"));
        assert_eq!(family_typo_target("lguyen"), Some("nguyen"));
        assert_eq!(family_typo_target("than"), None, "Thân is a family of its own");
    }
}
