//! The official unit names indexed by their words ([`super::tokens`]), so that a name is
//! found wherever it stands in an address: provinces of both eras (with the ways people
//! write them: "TP.HCM", "Sài Gòn", "T.Giang"), pre-2025 districts, communes of both eras;
//! and, per district and per province, the names a misspelt one is compared with.

use super::tokens::key_of;
use crate::normalize::admin::{AdminRegistry, Era, ProvinceScope, Unit, commune_key, district_key};
/// Hashed with foldhash: every address looks up dozens of word spans.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
use std::sync::LazyLock;

/// A pre-2025 district: its province (pre-2025 code), its key in the code lists and its
/// name as the lists write it ("Huyện Phù Mỹ": its kind and marks tell it from "Thị xã Phú Mỹ").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct District {
    pub province: String,
    pub key: String,
    pub name: String,
}

/// Names for a province that are not its official name or short name, as registers write
/// them (left: the words as [`key_of`] reads them; right: the official short name's words).
const PROVINCE_ALIASES: &[(&str, &str)] = &[
    ("hcm", "ho chi minh"),
    ("tphcm", "ho chi minh"),
    ("sai gon", "ho chi minh"),
    ("hn", "ha noi"),
    ("brvt", "ba ria vung tau"),
    ("tt hue", "thua thien hue"),
    ("t t hue", "thua thien hue"),
    ("dac lac", "dak lak"),
    ("dak lac", "dak lak"),
    ("dac nong", "dak nong"),
];

#[derive(Default)]
pub struct Gazetteer {
    provinces: HashMap<String, ProvinceScope>,
    legacy_provinces: HashMap<String, String>,
    /// "t giang" → Tiền Giang: a name's first word cut to its initial, kept when only one name reads so.
    province_initials: HashMap<String, Option<ProvinceScope>>,
    districts: HashMap<String, Vec<District>>,
    district_initials: HashMap<String, Vec<District>>,
    /// Commune words → the commune keys of the code lists (`admin::commune_key`) they read as.
    communes: HashMap<String, Vec<String>>,
    provinces_listed: Vec<(String, ProvinceScope)>,
    districts_of: HashMap<String, Vec<(String, District)>>,
    communes_of_district: HashMap<(String, String), Vec<(String, String)>>,
    communes_of_province: HashMap<String, Vec<(String, String)>>,
    longest: (usize, usize, usize),
}

fn compact(key: &str) -> String {
    key.replace(' ', "")
}

/// A name's words, and when it has an apostrophe ("Đắk R'Lấp") also without it, as
/// people type it: "dak rlap", "dak r lap".
fn with_apostrophes_dropped(words: String) -> Vec<String> {
    if !words.contains('\'') {
        return vec![words];
    }
    vec![words.replace('\'', ""), words.replace('\'', " "), words]
}

/// "tien giang" → "t giang"; `None` for a one-word name.
fn initial_form(key: &str) -> Option<String> {
    let (first, rest) = key.split_once(' ')?;
    Some(format!("{} {rest}", first.chars().next()?))
}

impl Gazetteer {
    pub fn get() -> &'static Gazetteer {
        static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(Gazetteer::build);
        &GAZETTEER
    }

    fn build() -> Gazetteer {
        let reg = AdminRegistry::get();
        let mut g = Gazetteer::default();
        g.add_provinces(reg);
        for u in reg.units(Era::Legacy) {
            g.add_legacy_unit(reg, u);
        }
        for u in reg.units(Era::Y2025) {
            let official = commune_key(&u.name);
            let words = key_of(&official);
            g.communes_of_province.entry(u.province.clone()).or_default().push((compact(&words), official.clone()));
            g.add_commune(words, official);
        }
        g.sort_for_slips();
        let words = |k: &String| k.split(' ').count();
        g.longest = (
            g.provinces.keys().chain(g.province_initials.keys()).map(words).max().unwrap_or(0),
            g.districts.keys().chain(g.district_initials.keys()).map(words).max().unwrap_or(0),
            g.communes.keys().map(words).max().unwrap_or(0),
        );
        g
    }

    /// Provinces of both eras by their names' words, glued ("hanoi"), initials, other names.
    fn add_provinces(&mut self, reg: &AdminRegistry) {
        for name in reg.province_name_keys() {
            let Some(scope) = reg.province_scope_folded(name) else { continue };
            let key = key_of(name);
            if let Some(legacy) = reg.legacy_province_of_name(name) {
                self.legacy_provinces.insert(key.clone(), legacy.to_string());
            }
            self.provinces.insert(compact(&key), scope.clone());
            if let Some(i) = initial_form(&key) {
                let e = self.province_initials.entry(i).or_insert_with(|| Some(scope.clone()));
                if e.as_ref() != Some(&scope) {
                    *e = None;
                }
            }
            self.provinces_listed.push((compact(&key), scope.clone()));
            self.provinces.insert(key, scope);
        }
        for (alias, name) in PROVINCE_ALIASES {
            if let Some(scope) = self.provinces.get(*name).cloned() {
                self.provinces.insert(alias.to_string(), scope);
            }
        }
    }

    /// A pre-2025 commune, and its district the first time one of its communes is seen.
    fn add_legacy_unit(&mut self, reg: &AdminRegistry, u: &Unit) {
        if let Some(dkey) = district_key(&u.district_name) {
            let d = District { province: u.province.clone(), key: u.district.clone(), name: u.district_name.clone() };
            let words = key_of(&dkey);
            if !self.districts.get(&words).is_some_and(|l| l.contains(&d)) {
                for w in with_apostrophes_dropped(words.clone()) {
                    self.districts.entry(w).or_default().push(d.clone());
                }
                self.districts_of.entry(u.province.clone()).or_default().push((compact(&words), d.clone()));
                if words.contains(' ') && !words.bytes().all(|b| b.is_ascii_digit() || b == b' ') {
                    self.districts.entry(compact(&words)).or_default().push(d.clone());
                    if let Some(i) = initial_form(&words) {
                        self.district_initials.entry(i).or_default().push(d.clone());
                    }
                }
            }
        }
        let official = commune_key(&u.name);
        let words = key_of(&official);
        self.communes_of_district.entry((u.province.clone(), u.district.clone())).or_default().push((compact(&words), official.clone()));
        if let Some(p) = reg.current_province_of_legacy(&u.province) {
            self.communes_of_province.entry(p.to_string()).or_default().push((compact(&words), official.clone()));
        }
        self.add_commune(words, official);
    }

    /// Sorted by length: a slip search reads only the names of about the right length.
    fn sort_for_slips(&mut self) {
        for list in self.districts_of.values_mut() {
            list.sort_by_key(|(k, _)| k.len());
        }
        for list in self.communes_of_district.values_mut().chain(self.communes_of_province.values_mut()) {
            list.sort_by(|a, b| (a.0.len(), &a.0, &a.1).cmp(&(b.0.len(), &b.0, &b.1)));
            list.dedup();
        }
        self.provinces_listed.sort_by_key(|(k, _)| k.len());
    }

    fn add_commune(&mut self, words: String, official: String) {
        for words in with_apostrophes_dropped(words) {
            let list = self.communes.entry(words).or_default();
            if !list.contains(&official) {
                list.push(official.clone());
            }
        }
    }

    /// The province these words name, written out, glued ("hanoi"), by another name
    /// ("TP.HCM") or with its first word cut to an initial ("T.Giang").
    pub fn province(&self, words: &str) -> Option<&ProvinceScope> {
        self.provinces.get(words)
    }

    /// The most words a province's, a district's and a commune's name has.
    pub fn longest_name(&self) -> (usize, usize, usize) {
        self.longest
    }

    /// The province whose name these words give with its first word cut to an initial ("t giang").
    pub fn province_by_initial(&self, words: &str) -> Option<&ProvinceScope> {
        self.province_initials.get(words).and_then(Option::as_ref)
    }

    /// The pre-2025 province these words name, when they name one ("Đồng Tháp" names the
    /// 2025 province and the pre-2025 one it grew from).
    pub fn legacy_province(&self, words: &str) -> Option<&str> {
        self.legacy_provinces.get(words).map(String::as_str)
    }

    /// Pre-2025 districts these words name (several provinces have a "Châu Thành").
    pub fn districts(&self, words: &str) -> &[District] {
        self.districts.get(words).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Pre-2025 districts whose name these words give with its first word cut to an initial ("d da").
    pub fn districts_by_initial(&self, words: &str) -> &[District] {
        self.district_initials.get(words).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The commune keys of the code lists these words name, in either era.
    pub fn communes(&self, words: &str) -> &[String] {
        self.communes.get(words).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The one province whose name is within a typing slip of these words.
    pub fn province_misspelt(&self, words: &str) -> Option<&ProvinceScope> {
        closest(words, &self.provinces_listed)
    }

    /// The one district of these pre-2025 provinces within a typing slip of these words.
    pub fn district_misspelt(&self, words: &str, provinces: &[String]) -> Option<&District> {
        let mut list: Vec<(String, District)> = provinces.iter().flat_map(|p| self.districts_of.get(p).into_iter().flatten().cloned()).collect();
        list.sort_by_key(|(k, _)| k.len());
        closest(words, &list).cloned().and_then(|d| self.districts_of.get(&d.province)?.iter().find(|(_, x)| *x == d).map(|(_, x)| x))
    }

    /// The one commune (its code-list key) within a typing slip of these words, among
    /// a district's communes or, without a district, a 2025 province's (both eras).
    pub fn commune_misspelt(&self, words: &str, district: Option<&District>, province: Option<&str>) -> Option<&str> {
        let list = match (district, province) {
            (Some(d), _) => self.communes_of_district.get(&(d.province.clone(), d.key.clone()))?,
            (None, Some(p)) => self.communes_of_province.get(p)?,
            (None, None) => return None,
        };
        closest(words, list).map(String::as_str)
    }
}

/// How many typing slips a name of `len` letters may carry and still be read as itself:
/// none for short names (too many are a slip apart), one up to eight letters, then two.
fn slips_allowed(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The target of the one listed name nearest to `words` within the slips allowed; `None`
/// when no name is that near or two different targets are equally near.
/// `list` is sorted by the names' length.
fn closest<'a, T: PartialEq>(words: &str, list: &'a [(String, T)]) -> Option<&'a T> {
    let w = compact(words);
    let w = w.as_bytes();
    let mut best: Option<(usize, &T)> = None;
    let mut tie = false;
    let most = slips_allowed(w.len());
    let from = list.partition_point(|(n, _)| n.len() + most < w.len());
    for (name, target) in list[from..].iter().take_while(|(n, _)| n.len() <= w.len() + most) {
        // Folded names are ASCII but for the rare letter outside Vietnamese: bytes suffice.
        let n = name.as_bytes();
        let allowed = slips_allowed(n.len().min(w.len()));
        if allowed == 0 || n.len().abs_diff(w.len()) > allowed {
            continue;
        }
        let Some(d) = edits_within(w, n, allowed) else { continue };
        match best {
            Some((bd, bt)) if d == bd && bt != target => tie = true,
            Some((bd, _)) if d >= bd => {}
            _ => {
                best = Some((d, target));
                tie = false;
            }
        }
    }
    if tie { None } else { best.map(|(_, t)| t) }
}

/// Edits (insert, delete, substitute, swap two neighbours: OSA, as rapidfuzz counts them,
/// the crate the linker already uses) from `a` to `b` when at most `max`.
fn edits_within(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    use rapidfuzz::distance::osa;
    osa::distance_with_args(a.iter().copied(), b.iter().copied(), &osa::Args::default().score_cutoff(max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> &[u8] {
        s.as_bytes()
    }

    #[test]
    fn edits_are_counted_up_to_the_bound() {
        assert_eq!(edits_within(chars("thanhduc"), chars("thanhduc"), 1), Some(0));
        assert_eq!(edits_within(chars("thanhduc"), chars("thanhdoc"), 1), Some(1));
        assert_eq!(edits_within(chars("quangnam"), chars("quagnam"), 1), Some(1));
        assert_eq!(edits_within(chars("hiepan"), chars("hiean"), 1), Some(1));
        assert_eq!(edits_within(chars("abcdef"), chars("abdcef"), 1), Some(1));
        assert_eq!(edits_within(chars("abcdef"), chars("uvwxyz"), 2), None);
    }

    #[test]
    fn provinces_are_found_however_people_write_them() {
        let g = Gazetteer::get();
        let hcm = g.province("ho chi minh").cloned();
        assert!(hcm.is_some());
        for w in ["hcm", "tphcm", "sai gon", "hochiminh"] {
            assert_eq!(g.province(w).cloned(), hcm, "{w}");
        }
        assert_eq!(g.province_by_initial("t giang"), g.province("tien giang"));
        assert_eq!(g.province("t giang"), None);
        assert_eq!(g.province_misspelt("quagnam"), g.province("quang nam"));
        assert!(g.province_misspelt("quang").is_none());
    }

    #[test]
    fn a_slip_between_two_names_reads_as_neither() {
        let list = vec![("thanhduc".to_string(), 1), ("thanhdua".to_string(), 2)]; // sorted by length
        assert_eq!(closest("thanhdu", &list), None);
        assert_eq!(closest("thanhducc", &list), Some(&1));
    }
}
