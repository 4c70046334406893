//! Free-text addresses as registers write them, in both eras:
//! "Thôn 3, Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định" (before 1 July 2025),
//! "Thôn 10, Phường Bình Định, Tỉnh Gia Lai" (after), "Tổ 5, P. Nhơn Phú, TP Quy Nhơn",
//! "xa Cat Hanh, h. Phu Cat". The parts are told apart by their unit words (and their
//! abbreviations); the commune is then looked up in the official lists, narrowed by the
//! district and province the address names.

use super::admin::{AdminRegistry, CommuneKind, CommuneLookup, CommuneMatch, Era, ProvinceScope, commune_parts_folded, district_key_folded, folded_spaced};
use crate::finding::Code;

/// An address split into its parts, and the commune it places the person in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Address {
    /// House, street, hamlet or residential group: the parts below the commune.
    pub hamlet: Option<String>,
    /// The commune, in its own era, with its 2025 unit.
    pub commune: Option<CommuneMatch>,
    /// How many units fit the commune as written, when more than one does (else 0).
    pub ambiguous: usize,
    /// The district as written (pre-2025 addresses only), folded without its unit word.
    pub district: Option<String>,
    /// 2025 province code, from the province part or the commune found.
    pub province: Option<String>,
    /// `Legacy` when the address names a district, a pre-2025 unit or province.
    pub era: Option<Era>,
}

/// Words that open a part below the commune (folded, dots spaced).
const HAMLET_WORDS: &[&str] = &[
    "thon", "xom", "ap", "ban", "buon", "lang", "plei", "ploi", "to", "tdp", "khu", "kp", "khoi", "khom", "doi", "soc", "so", "ngo", "ngach", "hem", "kiet",
    "duong", "pho", "cum", "nha", "can", "lo", "thua",
];

/// The parts of an address, classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Hamlet,
    Commune(CommuneKind),
    District,
    Province,
    /// No unit word: a commune, district or province written bare ("Cát Hanh, Phù Cát, Bình Định").
    Bare,
}

/// The kind of one part, from its [`folded_spaced`] text.
fn classify(f: &str, reg: &AdminRegistry) -> Part {
    let first = f.split([' ', '.']).next().unwrap_or("");
    // "TP Quy Nhơn", "Thành phố Cao Bằng" are cities under a province (districts); "TP Hồ Chí
    // Minh" is a province: only the centrally run cities are named "Thành phố" officially.
    if ["tinh ", "t. "].iter().any(|p| f.starts_with(p)) && reg.province_scope_folded(f).is_some() {
        return Part::Province;
    }
    if ["thanh pho ", "tp. ", "tp "].iter().any(|p| f.starts_with(p))
        && let Some(scope) = reg.province_scope_folded(f)
        && reg.official_province_name(&scope).is_some_and(|n| n.starts_with("Thành phố"))
    {
        return Part::Province;
    }
    if let (Some(kind), _) = commune_parts_folded(f) {
        return Part::Commune(kind);
    }
    if district_key_folded(f).is_some() {
        return Part::District;
    }
    if HAMLET_WORDS.contains(&first) || f.starts_with(|c: char| c.is_ascii_digit()) {
        return Part::Hamlet;
    }
    Part::Bare
}

/// The part of an address below the commune (house, street, hamlet), folded, for
/// comparing two addresses of the same commune ("Số 12, Tổ 3" and "so 12, to 3" agree);
/// `None` when the address has no such part. Cheap: no unit lookup.
pub fn hamlet_key(text: &str) -> Option<String> {
    let mut key = String::new();
    for part in text.split([',', ';']) {
        // Only the first word decides; a part that is no hamlet is never folded whole.
        let part = part.trim();
        let first = part.split([' ', '.']).next().unwrap_or("");
        if !(part.starts_with(|c: char| c.is_ascii_digit()) || HAMLET_WORDS.contains(&folded_spaced(first).as_str())) {
            continue;
        }
        if !key.is_empty() {
            key.push_str(", ");
        }
        key.push_str(&folded_spaced(part));
    }
    (!key.is_empty()).then_some(key)
}

/// Parses a free-text address; `scope` is the province the job or the record gives.
///
/// ```
/// use lamsach::normalize::address::parse_address;
/// use lamsach::normalize::admin::Era;
/// let (a, _) = parse_address("Thôn 3, Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định", None);
/// assert_eq!((a.hamlet.as_deref(), a.province.as_deref(), a.era), (Some("Thôn 3"), Some("52"), Some(Era::Legacy)));
/// assert!(a.commune.unwrap().current_code.is_some());
/// ```
pub fn parse_address(text: &str, scope: Option<&ProvinceScope>) -> (Address, Vec<Code>) {
    if text.contains(['(', '[']) {
        return parse_with_remarks(text, scope);
    }
    parse_plain(text, scope)
}

/// "Phường Trần Phú (cũ), TP Quy Nhơn", "Xã Cát Tiến (nay là Phường Bình Định)": as written in
/// the months around the 2025 reform. A bracketed remark is no part of a unit's name; when the
/// address outside the brackets places no commune, a remark that says what the unit is now
/// ("nay là", "nay thuộc", "mới:") is read instead.
fn parse_with_remarks(text: &str, scope: Option<&ProvinceScope>) -> (Address, Vec<Code>) {
    let (outside, remarks) = crate::text::split_bracketed(text);
    let (a, codes) = parse_plain(&outside, scope);
    if a.commune.is_some() || a.ambiguous > 0 {
        return (a, codes);
    }
    for remark in &remarks {
        let folded = crate::text::fold(remark);
        let now = ["nay la ", "nay thuoc ", "nay ", "moi: ", "moi "]
            .iter()
            .find_map(|p| folded.starts_with(p).then(|| remark.chars().skip(p.chars().count()).collect::<String>()));
        if let Some(now) = now {
            let (mut b, codes) = parse_plain(&now, scope);
            if b.commune.is_some() {
                b.hamlet = a.hamlet.clone().or(b.hamlet);
                return (b, codes);
            }
        }
    }
    (a, codes)
}

fn parse_plain(text: &str, scope: Option<&ProvinceScope>) -> (Address, Vec<Code>) {
    let reg = AdminRegistry::get();
    let parts: Vec<&str> = text.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()).collect();
    let folded: Vec<String> = parts.iter().map(|p| folded_spaced(p)).collect();
    let kinds: Vec<Part> = folded.iter().map(|f| classify(f, reg)).collect();
    let mut a = Address::default();
    let mut used = vec![false; parts.len()];
    // Province: a part with its unit word, else a bare last part that names one.
    let mut written_scope = None;
    if let Some(i) = kinds.iter().rposition(|k| *k == Part::Province) {
        written_scope = reg.province_scope_folded(&folded[i]);
        used[i] = true;
    } else if parts.len() > 1 && kinds[parts.len() - 1] == Part::Bare {
        let last = parts.len() - 1;
        if let Some(s) = reg.province_scope_folded(&folded[last]) {
            written_scope = Some(s);
            used[last] = true;
        }
    }
    let scope = scope.cloned().or(written_scope);
    if let Some(i) = kinds.iter().position(|k| *k == Part::District) {
        a.district = district_key_folded(&folded[i]).map(str::to_string);
        used[i] = true;
    }
    // Commune: the part with a commune word; else the first bare part that names one, in
    // writing order (commune, then district: "Cát Hanh, Phù Cát, Bình Định").
    let typed = kinds.iter().position(|k| matches!(k, Part::Commune(_)));
    let candidates: Vec<usize> = match typed {
        Some(i) => vec![i],
        None => (0..parts.len()).filter(|&i| kinds[i] == Part::Bare && !used[i]).collect(),
    };
    let mut lookup = CommuneLookup::Unknown;
    for (n, &i) in candidates.iter().enumerate() {
        let (kind, key) = commune_parts_folded(&folded[i]);
        // A bare part after a bare commune may be its district.
        let bare_district = if a.district.is_none() && typed.is_none() { candidates.get(n + 1).map(|&j| folded[j].as_str()) } else { None };
        lookup = reg.find_commune(kind, key, parts[i], a.district.as_deref().or(bare_district), scope.as_ref());
        if !matches!(lookup, CommuneLookup::Unknown) {
            used[i] = true;
            break;
        }
    }
    let hamlet: Vec<&str> = (0..parts.len()).filter(|&i| !used[i] && matches!(kinds[i], Part::Hamlet | Part::Bare)).map(|i| parts[i]).collect();
    a.hamlet = (!hamlet.is_empty()).then(|| hamlet.join(", "));
    let mut codes = Vec::new();
    match lookup {
        CommuneLookup::Found(m) => {
            a.province = m.current_province.clone();
            a.commune = Some(m);
        }
        CommuneLookup::Ambiguous(n) => {
            a.ambiguous = n;
            codes.push(Code::CommuneAmbiguous);
        }
        CommuneLookup::Unknown => codes.push(Code::AddressUnplaced),
    }
    if a.province.is_none() {
        a.province = scope.as_ref().map(|s| s.current.clone());
    }
    let legacy = a.district.is_some() || a.commune.as_ref().is_some_and(|m| m.era == Era::Legacy) || scope.as_ref().is_some_and(|s| s.legacy.is_some());
    a.era = if legacy { Some(Era::Legacy) } else { a.commune.as_ref().map(|m| m.era) };
    if legacy {
        codes.push(Code::AddressPre2025);
    }
    (a, codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit_name(a: &Address) -> Option<String> {
        let m = a.commune.as_ref()?;
        AdminRegistry::get().unit(&m.code, m.era).map(|u| u.name.clone())
    }

    #[test]
    fn both_eras_abbreviations_and_no_marks() {
        for (text, commune, era) in [
            ("Thôn 3, Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định", "Xã Cát Hanh", Era::Legacy),
            ("xa Cat Hanh, h. Phu Cat", "Xã Cát Hanh", Era::Legacy),
            ("Tổ 5, P. Nhơn Phú, TP Quy Nhơn, Bình Định", "Phường Nhơn Phú", Era::Legacy),
            ("Thôn 10, Phường Bình Định, Tỉnh Gia Lai", "Phường Bình Định", Era::Y2025),
            ("THON 10, PHUONG BINH DINH, TINH GIA LAI", "Phường Bình Định", Era::Y2025),
            ("Cát Hanh, Phù Cát, Bình Định", "Xã Cát Hanh", Era::Legacy),
        ] {
            let (a, _) = parse_address(text, None);
            assert_eq!((unit_name(&a).as_deref(), a.era), (Some(commune), Some(era)), "{text}");
            assert_eq!(a.province.as_deref(), Some("52"), "{text}");
        }
        let (a, codes) = parse_address("Thôn 3, Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định", None);
        assert_eq!(a.hamlet.as_deref(), Some("Thôn 3"));
        assert!(codes.contains(&Code::AddressPre2025));
    }

    #[test]
    fn remarks_from_the_months_of_the_reform_are_read() {
        let (a, _) = parse_address("Số 12, Tổ 3, Phường Trần Phú (cũ), TP Quy Nhơn, Bình Định", None);
        assert_eq!((unit_name(&a).as_deref(), a.era), (Some("Phường Trần Phú"), Some(Era::Legacy)));
        let (a, _) = parse_address("Phường Trần Phú (cũ)", None);
        assert_eq!(unit_name(&a).as_deref(), Some("Phường Trần Phú"));
        // The old name mistyped: what it is now places it.
        let (a, _) = parse_address("Thôn 2, Xã Cát Tiếnn (nay là Xã Cát Tiến, tỉnh Gia Lai)", None);
        assert_eq!((unit_name(&a).as_deref(), a.hamlet.as_deref()), (Some("Xã Cát Tiến"), Some("Thôn 2")));
    }

    #[test]
    fn a_hamlet_named_like_a_commune_does_not_place_the_address() {
        // "Thôn Cát Tường" names a hamlet; the commune is the part with the commune word.
        let (a, _) = parse_address("Thôn Cát Tường, Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định", None);
        assert_eq!(unit_name(&a).as_deref(), Some("Xã Cát Hanh"));
        assert_eq!(a.hamlet.as_deref(), Some("Thôn Cát Tường"));
    }

    #[test]
    fn the_part_below_the_commune_is_a_key() {
        assert_eq!(hamlet_key("Số 12, Tổ 3, Xã Ia Grai, Tỉnh Gia Lai"), hamlet_key("so 12, to 3, X. Ia Grai"));
        assert_eq!(hamlet_key("Thôn 3, Xã Cát Hanh").as_deref(), Some("thon 3"));
        assert_ne!(hamlet_key("Thôn 3, Xã Cát Hanh"), hamlet_key("Thôn 4, Xã Cát Hanh"));
        assert_eq!(hamlet_key("Xã Cát Hanh, Huyện Phù Cát"), None);
    }

    #[test]
    fn an_address_nothing_places_says_so() {
        let (a, codes) = parse_address("Số 12, đường không tên", None);
        assert!(a.commune.is_none());
        assert!(codes.contains(&Code::AddressUnplaced));
    }
}
