//! Communes merged away before the 2025 reform (the arrangements of 2019 to early 2025), by
//! their old names: an address that still names one ("Phường Ngã Tư Sở, Đống Đa") is placed in
//! the pre-2025 unit it became part of. The list is schemas/admin/merged_communes.csv, built by
//! tools/merged_communes.py from vietnamadminunits' old names of wards (MIT licence; each of
//! its rows cites the resolution or report of the merger).

use super::gazetteer::District;
use crate::normalize::admin::{AdminRegistry, CommuneKind, CommuneMatch, Era};
use std::collections::HashMap;
use std::sync::LazyLock;

const MERGED: &str = include_str!("../../../../../schemas/admin/merged_communes.csv");

/// Old name (folded, glued, without its unit word) → (successor's pre-2025 code, the old unit's kind).
fn old_names() -> &'static HashMap<String, Vec<(String, CommuneKind)>> {
    static NAMES: LazyLock<HashMap<String, Vec<(String, CommuneKind)>>> = LazyLock::new(|| {
        let mut out: HashMap<String, Vec<(String, CommuneKind)>> = HashMap::new();
        for line in MERGED.lines().skip(1) {
            let mut cols = line.split(',');
            let (Some(code), Some(kind), Some(old)) = (cols.next(), cols.next(), cols.next()) else { continue };
            let kind = match kind {
                "phuong" => CommuneKind::Phuong,
                "thitran" => CommuneKind::ThiTran,
                _ => CommuneKind::Xa,
            };
            out.entry(old.to_string()).or_default().push((code.to_string(), kind));
        }
        out
    });
    &NAMES
}

/// The unit the commune of old name `glued` (folded words run together) in one of `districts`
/// became part of, when exactly one is known; the kind written, when it fits any, narrows it.
pub(super) fn successor(glued: &str, kind: Option<CommuneKind>, districts: &[District]) -> Option<CommuneMatch> {
    let reg = AdminRegistry::get();
    let in_district = |code: &str| reg.unit(code, Era::Legacy).is_some_and(|u| districts.iter().any(|d| u.province == d.province && u.district == d.key));
    let mut hits: Vec<&(String, CommuneKind)> = old_names().get(glued)?.iter().filter(|(code, _)| in_district(code)).collect();
    if let Some(kind) = kind
        && hits.iter().any(|(_, k)| *k == kind)
    {
        hits.retain(|(_, k)| *k == kind);
    }
    hits.dedup_by(|a, b| a.0 == b.0);
    match hits.as_slice() {
        [(code, _)] => reg.legacy_unit_match(code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_successor_is_a_listed_unit() {
        let reg = AdminRegistry::get();
        let codes: Vec<&String> = old_names().values().flatten().map(|(c, _)| c).collect();
        assert!(codes.len() > 1_000, "the list is read");
        assert!(codes.iter().all(|c| reg.unit(c, Era::Legacy).is_some()));
    }
}
