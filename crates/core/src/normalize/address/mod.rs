//! Free-text addresses as registers write them, in both eras:
//! "Thôn 3, Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định" (before 1 July 2025),
//! "Thôn 10, Phường Bình Định, Tỉnh Gia Lai" (after), "Tổ 5, P. Nhơn Phú, TP Quy Nhơn",
//! "xa Cat Hanh, h. Phu Cat", "Xóm 4 Xã Nghi Phong Huyện Nghi Lộc Nghệ An", "P.13 Q.5
//! TP.HCM". The address is read as words ([`tokens`]) from its right end ([`read`]): the
//! province, the district, the commune, each a name of the official lists
//! ([`gazetteer`]) within the level above it, with or without unit words or commas.

pub mod gazetteer;
mod merged;
pub mod read;
mod reading;
mod spans;
pub mod tokens;
mod words;

use super::admin::{AdminRegistry, CommuneLookup, CommuneMatch, Era, ProvinceScope, folded_spaced};
use crate::finding::Code;

/// A commune as a register writes it, read with the registry: a code is the registry's own
/// lookup, a name is read as an address (here, beside the parser it needs).
impl AdminRegistry {
    /// Resolves a commune code or name within a province (when known).
    /// A bare code is read in `code_era` (codes are reused across eras); a name
    /// is looked up in the 2025 list first, then the legacy one.
    ///
    /// ```
    /// use lamsach_core::normalize::admin::{AdminRegistry, CommuneLookup, Era};
    /// let reg = AdminRegistry::get();
    /// let gia_lai = reg.province_scope("Gia Lai");
    /// let CommuneLookup::Found(m) = reg.lookup_commune("P. Quy Nhơn Bắc", gia_lai.as_ref(), Era::Y2025) else { panic!() };
    /// assert_eq!((m.code.as_str(), m.era), ("21553", Era::Y2025));
    /// ```
    pub fn lookup_commune(&self, value: &str, province: Option<&ProvinceScope>, code_era: Era) -> CommuneLookup {
        let v = value.trim();
        if v.is_empty() {
            return CommuneLookup::Unknown;
        }
        if let Some(by_code) = self.commune_by_code(v, code_era) {
            return by_code;
        }
        self.lookup_commune_name(v, province)
    }

    /// Resolves a commune written as a name, possibly inside an address
    /// ("Thôn 3, Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định"): see [`parse_address`].
    pub fn lookup_commune_name(&self, value: &str, scope: Option<&ProvinceScope>) -> CommuneLookup {
        let (a, _) = parse_address(value, scope);
        match (a.commune, a.ambiguous) {
            (Some(m), _) => CommuneLookup::Found(m),
            (None, n) if n > 0 => CommuneLookup::Ambiguous(n),
            _ => CommuneLookup::Unknown,
        }
    }
}

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

/// Words that open a part below the commune (folded): a house, street, hamlet or group.
const HAMLET_WORDS: &[&str] = &[
    "thon", "xom", "ap", "ban", "buon", "lang", "plei", "ploi", "to", "tdp", "khu", "kp", "khoi", "khom", "doi", "soc", "so", "ngo", "ngach", "hem", "kiet",
    "duong", "pho", "cum", "nha", "can", "lo", "thua",
];

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
/// use lamsach_core::normalize::address::parse_address;
/// use lamsach_core::normalize::admin::Era;
/// let (a, _) = parse_address("Thôn 3, Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định", None);
/// assert_eq!((a.hamlet.as_deref(), a.province.as_deref(), a.era), (Some("Thôn 3"), Some("52"), Some(Era::Legacy)));
/// assert!(a.commune.unwrap().current_code.is_some());
/// ```
pub fn parse_address(text: &str, scope: Option<&ProvinceScope>) -> (Address, Vec<Code>) {
    parse_address_in(text, scope, None)
}

/// [`parse_address`] of a source whose addresses are written in a known `era`: a bare name
/// that is both a pre-2025 district and a 2025 commune is read in that era.
pub fn parse_address_in(text: &str, scope: Option<&ProvinceScope>, era: Option<Era>) -> (Address, Vec<Code>) {
    if text.contains(['(', '[']) {
        return parse_with_remarks(text, scope, era);
    }
    read::read(text, scope, era)
}

/// "Phường Trần Phú (cũ), TP Quy Nhơn", "Xã Cát Tiến (nay là Phường Bình Định)": as written in
/// the months around the 2025 reform. A bracketed remark is no part of a unit's name; when the
/// address outside the brackets places no commune, a remark that says what the unit is now
/// ("nay là", "nay thuộc", "mới:") is read instead.
fn parse_with_remarks(text: &str, scope: Option<&ProvinceScope>, era: Option<Era>) -> (Address, Vec<Code>) {
    let (outside, remarks) = crate::text::split_bracketed(text);
    let (a, codes) = read::read(&outside, scope, era);
    if a.commune.is_some() || a.ambiguous > 0 {
        return (a, codes);
    }
    for remark in &remarks {
        let folded = crate::text::fold(remark);
        let now = ["nay la ", "nay thuoc ", "nay ", "moi: ", "moi "]
            .iter()
            .find_map(|p| folded.starts_with(p).then(|| remark.chars().skip(p.chars().count()).collect::<String>()));
        if let Some(now) = now {
            let (mut b, codes) = read::read(&now, scope, era);
            if b.commune.is_some() {
                b.hamlet = a.hamlet.clone().or(b.hamlet);
                return (b, codes);
            }
        }
    }
    (a, codes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::admin::AdminRegistry;

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

    /// The commune's name, the district key and the province an address is read as.
    fn read(text: &str) -> (Option<String>, Option<String>, Option<String>) {
        let (a, _) = parse_address(text, None);
        (unit_name(&a), a.district, a.province)
    }

    #[test]
    fn a_town_named_after_its_district_is_the_districts_seat() {
        // No town is named Diễn Châu: the seat of Diễn Châu district, its one town (Diễn Thành).
        assert_eq!(read("Khối 4, Thị trấn Diễn Châu, Nghệ An"), (Some("Thị trấn Diễn Thành".into()), Some("dien chau".into()), Some("40".into())));
        // Đại Từ has two towns: the district is what the address says.
        assert_eq!(read("Khu phố Chợ 1, Thị Trấn Đại Từ, Thái Nguyên"), (None, Some("dai tu".into()), Some("19".into())));
        // A town that is listed is that town, and a thị trấn is never a 2025 commune.
        assert_eq!(read("Thị trấn Quán Hành, Nghệ An").0.as_deref(), Some("Thị trấn Quán Hành"));
        let (a, _) = parse_address("Thị trấn Đại Từ, Thái Nguyên", None);
        assert_ne!(a.commune.map(|m| m.era), Some(Era::Y2025));
    }

    #[test]
    fn a_street_named_after_a_ward_of_the_district_read_places_it() {
        assert_eq!(read("Số 20/298 Phố Ngọc Lâm, Quận Long Biên, Hà Nội").0.as_deref(), Some("Phường Ngọc Lâm"));
        // Not without the district, nor a hamlet's name, nor a street name inside a part.
        assert_eq!(read("Số 20 Phố Ngọc Lâm, Hà Nội").0.as_deref(), None);
        assert_eq!(read("Thôn Cát Tường, Phù Cát, Bình Định").0, None);
    }

    #[test]
    fn a_commune_merged_before_2025_is_placed_in_its_successor() {
        let (a, codes) = parse_address("Phường Ngã Tư Sở, Đống Đa, Hà Nội", None);
        assert_eq!((unit_name(&a).as_deref(), codes.contains(&Code::AddressUnitMerged)), (Some("Phường Thịnh Quang"), true));
        // Quận 3's Phường 10 joined Phường 9 (other districts still have a Phường 10).
        assert_eq!(read("P10 Q3 TPHCM").0.as_deref(), Some("Phường 9"));
        assert_eq!(read("Phường 10, Quận 3, TP Hồ Chí Minh").0.as_deref(), Some("Phường 9"));
        // An old name outside its district, or a hamlet's, places nothing.
        assert_eq!(read("Thôn Ngã Tư Sở, Đống Đa, Hà Nội").0, None);
        assert_ne!(read("Phường Ngã Tư Sở, Cầu Giấy, Hà Nội").0.as_deref(), Some("Phường Thịnh Quang"));
        let (_, codes) = parse_address("Phường 9, Quận 3, TP Hồ Chí Minh", None);
        assert!(!codes.contains(&Code::AddressUnitMerged));
    }

    #[test]
    fn a_unit_of_the_district_read_is_found_whatever_kind_it_is_written_as() {
        // Tân Phú (Tân Sơn) became a thị trấn; its registers still write "Xã".
        assert_eq!(read("Xóm Nà Đồng, Xã Tân Phú, Tân Sơn, Phú Thọ").0.as_deref(), Some("Thị trấn Tân Phú"));
        // The town of Bình Định became a phường of An Nhơn: of the five units so named, the phường.
        assert_eq!(read("Khối Phố Nguyễn Đình Chiểu, Thị Trấn Bình Định"), (Some("Phường Bình Định".into()), Some("an nhon".into()), Some("52".into())));
    }

    #[test]
    fn parts_need_no_commas() {
        let want = (Some("Xã Nghi Văn".to_string()), Some("nghi loc".to_string()), Some("40".to_string()));
        assert_eq!(read("Xóm 4 Xã Nghi Văn Huyện Nghi Lộc Nghệ An"), want);
        assert_eq!(read("Xóm 4 - Xã Nghi Văn - Huyện Nghi Lộc - Tỉnh Nghệ An."), want);
        assert_eq!(read("khoi 2 thi tran quan hanh huyen nghi loc nghe an").0.as_deref(), Some("Thị trấn Quán Hành"));
        let (a, _) = parse_address("Khu phố 3 Thị Trấn Trảng Bom, Đồng Nai", None);
        assert_eq!((unit_name(&a).as_deref(), a.hamlet.as_deref()), (Some("Thị trấn Trảng Bom"), Some("Khu phố 3")));
    }

    #[test]
    fn a_commune_written_bare_inside_the_hamlet_part_is_found_within_its_district() {
        assert_eq!(read("Thôn Lý Viên Bắc Lý, Hiệp Hòa, Bắc Giang").0.as_deref(), Some("Thị trấn Bắc Lý"));
        assert_eq!(read("Ấp 7 Tân Phước, Tân Hồng, Đồng Tháp").0.as_deref(), Some("Xã Tân Phước"));
        // A hamlet's own name is no commune, even when one is so named.
        assert_eq!(read("Thôn Cát Tường, Phù Cát, Bình Định").0, None);
    }

    #[test]
    fn abbreviations_numbered_wards_and_glued_words() {
        for text in [
            "165/32 Đường 3/2, P.12, Q.10, TP.HCM",
            "165/32 Đường 3/2 P12 Q10 TPHCM",
            "165/32 Đường 3/2, F12, Q.10, Sài Gòn",
            "Phường 12, Quận 10, Thành phố Hồ Chí Minh",
        ] {
            let (a, _) = parse_address(text, None);
            assert_eq!((unit_name(&a).as_deref(), a.district.as_deref()), (Some("Phường 12"), Some("10")), "{text}");
            assert_eq!(a.era, Some(Era::Legacy), "{text}");
        }
        assert_eq!(read("XThạnh Đức, HGò Dầu, TTây Ninh").0.as_deref(), Some("Xã Thạnh Đức"));
        assert_eq!(read("Số 2, Phường 14, Quận 8, TP. Hồ Chí Minh").0.as_deref(), Some("Phường 14"));
    }

    #[test]
    fn provinces_written_their_other_ways() {
        for text in ["Xã Long Phước, Huyện Long Thành, Bà Rịa-Vũng Tàu", "Xã Long Phước, Long Thành, Đồng Nai."] {
            assert!(read(text).2.is_some(), "{text}");
        }
        assert_eq!(read("Thôn 1, Xã Mỹ Phong, TP Mỹ Tho, T.Giang").0.as_deref(), Some("Xã Mỹ Phong"));
        assert_eq!(read("Số 5, Phường Tân Định, Quận 1, HCM").2, read("Số 5, Phường Tân Định, Quận 1, Hồ Chí Minh").2);
    }

    #[test]
    fn a_pre_2025_city_is_not_read_as_a_2025_ward() {
        // "P5, Mỹ Tho, T.Giang": ward 5 of the old city of Mỹ Tho, not 2025's Phường Mỹ Tho.
        let (a, _) = parse_address("284 Nguyễn Văn Giáo, P5, Mỹ Tho, T.Giang.", None);
        assert_eq!((unit_name(&a).as_deref(), a.district.as_deref(), a.era), (Some("Phường 5"), Some("my tho"), Some(Era::Legacy)));
        // Written alone with its unit word, it is the 2025 ward.
        assert_eq!(read("Số 1, Phường Mỹ Tho, Đồng Tháp").0.as_deref(), Some("Phường Mỹ Tho"));
    }

    #[test]
    fn a_name_one_slip_from_a_unit_of_the_district_is_that_unit() {
        let (a, codes) = parse_address("Xã Thạnh Đúcc, Huyện Gò Dầu, Tây Ninh", None);
        assert_eq!(unit_name(&a).as_deref(), Some("Xã Thạnh Đức"));
        assert!(codes.contains(&Code::AddressUnitMisspelt));
        // Exact names carry no such finding.
        assert!(!parse_address("Xã Thạnh Đức, Huyện Gò Dầu, Tây Ninh", None).1.contains(&Code::AddressUnitMisspelt));
        // Short names are never guessed: too many are a slip apart.
        assert_eq!(read("Xã Anh, Huyện Gò Dầu, Tây Ninh").0, None);
    }

    #[test]
    fn the_words_of_a_province_are_the_province_unless_the_job_says_otherwise() {
        // "Tây Ninh" names a province and communes elsewhere: at the end, the province.
        let (a, _) = parse_address("146 Quốc Lộ 22, TX Trảng Bàng, Tây Ninh", None);
        assert_eq!((a.district.as_deref(), a.province.is_some()), (Some("trang bang"), true));
        // A longer name over a province's words is read whole ("Đức Huệ" is no "Huế").
        assert_eq!(read("Tổ 7, Thị trấn Đông Thành, Huyện Đức Huệ").0.as_deref(), Some("Thị trấn Đông Thành"));
    }

    #[test]
    fn the_sources_era_decides_a_bare_name_of_both_eras() {
        // "Hoàng Mai" is a pre-2025 district of Hà Nội and a 2025 ward of it.
        let text = "152 Phố Kim Giang, Hoàng Mai, Hà Nội";
        let name = |era| {
            let (a, _) = parse_address_in(text, None, era);
            (unit_name(&a), a.district, a.era)
        };
        assert_eq!(name(None), (Some("Phường Hoàng Mai".into()), None, Some(Era::Y2025)));
        assert_eq!(name(Some(Era::Y2025)), name(None));
        assert_eq!(name(Some(Era::Legacy)), (None, Some("hoang mai".into()), Some(Era::Legacy)));
        // What the address says plainly is read whatever the era said.
        let (a, _) = parse_address_in("Phường Định Công, Quận Hoàng Mai, Hà Nội", None, Some(Era::Y2025));
        assert_eq!((unit_name(&a).as_deref(), a.district.as_deref()), (Some("Phường Định Công"), Some("hoang mai")));
    }

    #[test]
    fn a_long_text_is_read_for_places_only_at_its_end() {
        let head = "Số 12 ".repeat(40);
        let (a, _) = parse_address(&format!("{head}Xã Cát Hanh, Huyện Phù Cát, Tỉnh Bình Định"), None);
        assert_eq!(unit_name(&a).as_deref(), Some("Xã Cát Hanh"));
        assert!(a.hamlet.as_deref().is_some_and(|h| h.starts_with("Số 12 Số 12") && h.ends_with("Số 12")));
    }

    #[test]
    fn an_address_nothing_places_says_so() {
        let (a, codes) = parse_address("Số 12, đường không tên", None);
        assert!(a.commune.is_none());
        assert!(codes.contains(&Code::AddressUnplaced));
    }
}
