//! The official code lists as the registry holds them: provinces of both eras, communes of both
//! eras, and the crosswalk from pre-2025 communes to 2025 ones (schemas/admin/, built in).

use super::{HashMap, Unit, commune_key, commune_parts, district_key, province_key};

const PROVINCES: &str = include_str!("../../../../../schemas/admin/provinces.csv");
const COMMUNES_2025: &str = include_str!("../../../../../schemas/admin/communes_2025.csv");
const COMMUNES_LEGACY: &str = include_str!("../../../../../schemas/admin/communes_legacy.csv");
const CROSSWALK: &str = include_str!("../../../../../schemas/admin/crosswalk_2025.csv");

fn rows(csv: &str) -> impl Iterator<Item = Vec<&str>> {
    csv.lines().skip(1).filter(|l| !l.is_empty()).map(|l| l.split(',').collect())
}

type ByName = HashMap<String, Vec<(String, String)>>;
/// Legacy code → (default 2025 target, every 2025 target, sorted).
type Crosswalk = HashMap<String, (String, Vec<String>)>;

/// Province tables: 2025 code → name, name → 2025 code, legacy name → legacy code,
/// legacy code → name.
pub(super) fn load_provinces() -> [HashMap<String, String>; 4] {
    let [mut provinces_2025, mut province_by_name, mut legacy_province_by_name, mut provinces_legacy] = std::array::from_fn(|_| HashMap::default());
    for r in rows(PROVINCES) {
        let current = r[0] == "2025";
        let by_name = if current { &mut province_by_name } else { &mut legacy_province_by_name };
        by_name.insert(province_key(r[2]), r[1].to_string());
        by_name.insert(province_key(r[3]), r[1].to_string());
        if current {
            provinces_2025.insert(r[1].to_string(), r[2].to_string());
        } else {
            provinces_legacy.insert(r[1].to_string(), r[2].to_string());
        }
    }
    [provinces_2025, province_by_name, legacy_province_by_name, provinces_legacy]
}

/// The 2025 communes by code, by name key (province, code) and by province.
pub(super) fn load_units_2025() -> (HashMap<String, Unit>, ByName, HashMap<String, Vec<String>>) {
    let mut units = HashMap::default();
    let mut by_name: ByName = HashMap::default();
    let mut by_province: HashMap<String, Vec<String>> = HashMap::default();
    for r in rows(COMMUNES_2025) {
        let u = Unit {
            code: r[1].into(),
            name: r[2].into(),
            province: r[0].into(),
            district: String::new(),
            district_name: String::new(),
            kind: commune_parts(r[2]).0,
        };
        by_name.entry(commune_key(&u.name)).or_default().push((u.province.clone(), u.code.clone()));
        by_province.entry(u.province.clone()).or_default().push(u.code.clone());
        units.insert(u.code.clone(), u);
    }
    for v in by_name.values_mut() {
        v.sort();
    }
    for v in by_province.values_mut() {
        v.sort();
    }
    (units, by_name, by_province)
}

pub(super) fn load_units_legacy() -> HashMap<String, Unit> {
    rows(COMMUNES_LEGACY)
        .map(|r| Unit {
            code: r[3].into(),
            name: r[4].into(),
            province: r[0].into(),
            district: district_key(r[2]).unwrap_or_default(),
            district_name: r[2].into(),
            kind: commune_parts(r[4]).0,
        })
        .map(|u| (u.code.clone(), u))
        .collect()
}

/// The crosswalk from legacy communes to 2025 ones, and each legacy province's 2025
/// province: the majority target of its communes (one bad row in the official table
/// must not move Tiền Giang, docs/DOMAIN.md §4.2).
pub(super) fn load_crosswalk(old_units: &HashMap<String, Unit>, new_units: &HashMap<String, Unit>) -> (Crosswalk, HashMap<String, String>) {
    let mut targets: HashMap<String, Vec<(String, bool)>> = HashMap::default();
    for r in rows(CROSSWALK) {
        targets.entry(r[0].into()).or_default().push((r[1].into(), r[2] == "1"));
    }
    let mut crosswalk = HashMap::default();
    for (old, t) in targets {
        let default = t.iter().find(|(_, d)| *d).unwrap_or(&t[0]).0.clone();
        let mut all: Vec<String> = t.into_iter().map(|(c, _)| c).collect();
        all.sort();
        crosswalk.insert(old, (default, all));
    }
    let mut votes: HashMap<(String, String), usize> = HashMap::default();
    for (old, (new, _)) in &crosswalk {
        if let (Some(o), Some(n)) = (old_units.get(old), new_units.get(new)) {
            *votes.entry((o.province.clone(), n.province.clone())).or_default() += 1;
        }
    }
    let mut best: HashMap<String, (String, usize)> = HashMap::default();
    for ((o, n), v) in votes {
        let e = best.entry(o).or_insert((n.clone(), 0));
        if v > e.1 || (v == e.1 && n < e.0) {
            *e = (n, v);
        }
    }
    let old_to_new_province = best.into_iter().map(|(o, (n, _))| (o, n)).collect();
    (crosswalk, old_to_new_province)
}

/// Legacy communes by name key: (their province's 2025 province, code), sorted.
pub(super) fn index_legacy_names(old_units: &HashMap<String, Unit>, old_to_new_province: &HashMap<String, String>) -> ByName {
    let mut by_name: ByName = HashMap::default();
    for u in old_units.values() {
        let np = old_to_new_province.get(&u.province).cloned().unwrap_or_default();
        by_name.entry(commune_key(&u.name)).or_default().push((np, u.code.clone()));
    }
    for v in by_name.values_mut() {
        v.sort();
    }
    by_name
}
