//! Sector registers drawn from the population, rendered in the shapes officers
//! produce (Vietnamese headers, dd/mm/yyyy, title blocks, legacy encodings),
//! with defects injected and the ground truth of every row.

use super::defects::{self, Rates};
use super::population::{Generator, Person};
use crate::calendar::PartialDate;
use crate::normalize::admin::{AdminRegistry, Era};
use crate::normalize::sex::Sex;
use crate::rng::Rng;
use crate::text::legacy::{Encoding, encode};
use std::collections::HashMap;

use super::specs::{Col, Shape, Spec};

/// One rendered person: the text of each column and the truth about it.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub cells: Cells,
    pub person: Option<usize>,
    pub person_id: Option<String>,
    pub defects: Vec<&'static str>,
}

/// A rendered person's cells by column key. A short list (a dozen keys), not a hash map: a
/// 10M-person province's registers hold millions of rendered people, and a map of a dozen
/// entries takes twice a list's memory.
#[derive(Clone, Debug, Default)]
pub struct Cells(Vec<(&'static str, String)>);

impl Cells {
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut String> {
        self.0.iter_mut().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Sets a cell, replacing its value if it has one.
    pub fn insert(&mut self, key: &'static str, value: String) {
        match self.get_mut(key) {
            Some(v) => *v = value,
            None => self.0.push((key, value)),
        }
    }
}

impl std::ops::Index<&str> for Cells {
    type Output = String;
    fn index(&self, key: &str) -> &String {
        self.get(key).unwrap_or_else(|| panic!("no cell {key}"))
    }
}

/// A register row: one or two rendered people (marriage).
#[derive(Clone, Debug)]
pub struct RowOut {
    pub people: Vec<(&'static str, Rendered)>,
    pub shared: HashMap<&'static str, String>,
    pub duplicate: bool,
}

fn date(d: PartialDate) -> String {
    d.display_vi()
}

/// Renders a person for a register, injecting defects.
pub fn render(p: &Person, idx: Option<usize>, spec: &Spec, rates: &Rates, g: &Generator, legacy_of: &HashMap<String, Vec<String>>, r: &mut Rng) -> Rendered {
    let mut d: Vec<&'static str> = Vec::new();
    let hit = |name: &'static str, r: &mut Rng| r.chance(rates.get(name));
    let name = render_name(p, spec, rates, g, r, &mut d);
    let dob = render_dob(p, spec, rates, r, &mut d);
    let sex = render_sex(p, rates, r, &mut d);
    let id = render_id(p, spec, rates, r, &mut d);
    let (commune, address) = render_place(p, spec, rates, g, legacy_of, r, &mut d);
    let updated = if hit("stale", r) {
        d.push("stale");
        PartialDate::from_days(g.as_of.days_since_epoch().unwrap_or(0) - 800 - r.below(1500) as i32)
    } else {
        p.updated
    };
    let mut cells = Cells::default();
    cells.insert("name", name);
    cells.insert("dob", dob);
    cells.insert("sex", sex);
    cells.insert("id", id);
    cells.insert("old_id", p.cmnd.clone().unwrap_or_default());
    cells.insert("commune", commune);
    // A civil-status office: the People's Committee of the person's own commune (clean: the
    // books are keyed by it).
    let office = AdminRegistry::get().unit(&p.commune, Era::Y2025).map_or_else(|| p.commune.clone(), |u| u.name.clone());
    cells.insert("office", format!("UBND {office}"));
    cells.insert("address", address);
    cells.insert("phone", format!("09{:08}", r.below(100_000_000)));
    cells.insert("bhyt", format!("GD4{}{:010}", &g.province, r.below(10_000_000_000)));
    cells.insert("death", p.death.map(date).unwrap_or_else(|| date(PartialDate::from_days(g.as_of.days_since_epoch().unwrap_or(0) - r.below(300) as i32))));
    cells.insert("updated", date(updated));
    Rendered { cells, person: idx, person_id: idx.map(|_| p.cccd.clone()), defects: d }
}

/// The name as the register writes it: variants, dialect and typos, then the ways it is typed.
fn render_name(p: &Person, spec: &Spec, rates: &Rates, g: &Generator, r: &mut Rng, d: &mut Vec<&'static str>) -> String {
    let hit = |name: &'static str, r: &mut Rng| r.chance(rates.get(name));
    let mut family = p.family.clone();
    let mut middle = p.middle.clone();
    let mut given = p.given.clone();
    if hit("family_variant", r)
        && let Some(v) = defects::family_variant(&family)
    {
        family = v.to_string();
        d.push("family_variant");
    }
    if hit("middle_dropped", r) && !middle.is_empty() {
        middle.clear();
        d.push("middle_dropped");
    } else if hit("middle_added", r) {
        let extra = g.middle_name(r, p.sex);
        middle = if middle.is_empty() { extra } else { format!("{middle} {extra}") };
        d.push("middle_added");
    }
    if hit("dialect", r)
        && let Some(x) = defects::dialect(&given, r)
    {
        given = x;
        d.push("dialect");
    }
    if hit("typo", r)
        && let Some(x) = defects::typo(&given, r)
    {
        given = x;
        d.push("typo");
    }
    let mut name = super::population::join_name(&family, &middle, &given, p.clan_last);
    if hit("tone_style", r)
        && let Some(x) = defects::other_tone_style(&name)
    {
        name = x;
        d.push("tone_style");
    }
    // A defect is recorded only where it changes the name (many minority names have no marks).
    if hit("no_diacritics", r) {
        let stripped = defects::strip_diacritics(&name);
        if stripped != name {
            name = stripped;
            d.push("no_diacritics");
        }
    }
    if hit("all_caps", r) {
        name = name.to_uppercase();
        d.push("all_caps");
    }
    if hit("honorific", r) {
        let h = match p.sex {
            Sex::Male => *r.pick(super::names::HONORIFIC_MALE),
            Sex::Female => *r.pick(super::names::HONORIFIC_FEMALE),
        };
        name = format!("{h} {name}");
        d.push("honorific");
    }
    if hit("spacing", r) {
        name = if r.chance(0.5) { format!(" {}  ", name.replacen(' ', "  ", 1)) } else { name.replacen(' ', "", 1) };
        d.push("spacing");
    }
    let legacy_file = matches!(spec.shape, Shape::Csv { encoding, .. } if encoding.is_legacy());
    if !legacy_file && hit("nfd", r) {
        let decomposed = defects::nfd(&name);
        if decomposed != name {
            name = decomposed;
            d.push("nfd");
        }
    }
    name
}

fn render_dob(p: &Person, spec: &Spec, rates: &Rates, r: &mut Rng, d: &mut Vec<&'static str>) -> String {
    let hit = |name: &'static str, r: &mut Rng| r.chance(rates.get(name));
    if spec.year_only_dob {
        p.dob.year.to_string()
    } else if hit("dob_impossible", r) {
        d.push("dob_impossible");
        defects::impossible(p.dob)
    } else if hit("dob_year_only", r) {
        d.push("dob_year_only");
        p.dob.year.to_string()
    } else if hit("dob_zero_filled", r) {
        d.push("dob_zero_filled");
        format!("00/00/{}", p.dob.year)
    } else if hit("dob_placeholder", r) {
        d.push("dob_placeholder");
        format!("01/01/{}", p.dob.year)
    } else if hit("dob_swapped", r) && defects::swap_day_month(p.dob).is_some() {
        d.push("dob_swapped");
        date(defects::swap_day_month(p.dob).unwrap())
    } else {
        date(p.dob)
    }
}

fn render_sex(p: &Person, rates: &Rates, r: &mut Rng, d: &mut Vec<&'static str>) -> String {
    let hit = |name: &'static str, r: &mut Rng| r.chance(rates.get(name));
    if hit("sex_missing", r) {
        d.push("sex_missing");
        String::new()
    } else if hit("sex_flipped", r) {
        d.push("sex_flipped");
        if p.sex == Sex::Male { "Nữ".into() } else { "Nam".into() }
    } else {
        p.sex.label_vi().to_string()
    }
}

fn render_id(p: &Person, spec: &Spec, rates: &Rates, r: &mut Rng, d: &mut Vec<&'static str>) -> String {
    let hit = |name: &'static str, r: &mut Rng| r.chance(rates.get(name));
    if hit("id_missing", r) {
        d.push("id_missing");
        String::new()
    } else if hit("id_old_cmnd", r) && p.cmnd.is_some() {
        d.push("id_old_cmnd");
        p.cmnd.clone().unwrap()
    } else if hit("id_typo", r) {
        d.push("id_typo");
        defects::id_typo(&p.cccd, r)
    } else if hit("id_scientific", r) && !matches!(spec.shape, Shape::Parquet) {
        d.push("id_scientific");
        defects::scientific(&p.cccd)
    } else if hit("id_lost_zero", r) {
        d.push("id_lost_zero");
        p.cccd.trim_start_matches('0').to_string()
    } else {
        p.cccd.clone()
    }
}

/// The commune cell and the address cell (a register without a commune column places
/// the person by a free-text address alone).
fn render_place(
    p: &Person,
    spec: &Spec,
    rates: &Rates,
    g: &Generator,
    legacy_of: &HashMap<String, Vec<String>>,
    r: &mut Rng,
    d: &mut Vec<&'static str>,
) -> (String, String) {
    let hit = |name: &'static str, r: &mut Rng| r.chance(rates.get(name));
    let mut commune_code = p.commune.clone();
    if hit("commune_moved", r) {
        let other = g.random_commune(r);
        if other != commune_code {
            commune_code = other;
            d.push("commune_moved");
        }
    }
    let legacy_unit = if hit("commune_legacy", r)
        && let Some(olds) = legacy_of.get(&commune_code)
        && !olds.is_empty()
    {
        d.push("commune_legacy");
        Some(r.pick(olds).clone())
    } else {
        None
    };
    let reg = AdminRegistry::get();
    let commune = match &legacy_unit {
        Some(old) => reg.unit(old, Era::Legacy).map(|u| u.name.clone()).unwrap_or_default(),
        None if matches!(spec.shape, Shape::Parquet) => commune_code.clone(),
        None => g.commune_name(&commune_code).to_string(),
    };
    // Registers without a commune column place the person by a free-text address alone.
    let address_only = spec.columns.iter().any(|c| c.1 == Col::Address) && !spec.columns.iter().any(|c| c.1 == Col::Commune);
    let address = if address_only {
        let below = p.address.rsplit_once(", ").map_or(p.address.as_str(), |x| x.0);
        free_address(below, &commune_code, legacy_unit.as_deref(), g, rates, r, d)
    } else {
        p.address.clone()
    };
    (commune, address)
}

/// A free-text address as registers write it: the part below the commune, the commune
/// (a 2025 unit, or a pre-2025 one with its district and old province), the province;
/// units abbreviated, the province left out, or the marks dropped at the configured rates.
fn free_address(below: &str, commune: &str, legacy: Option<&str>, g: &Generator, rates: &Rates, r: &mut Rng, d: &mut Vec<&'static str>) -> String {
    let reg = AdminRegistry::get();
    let mut parts: Vec<String> = vec![below.to_string()];
    match legacy.and_then(|c| reg.unit(c, Era::Legacy)) {
        Some(u) => {
            parts.push(u.name.clone());
            parts.push(u.district_name.clone());
            parts.push(reg.legacy_province_name(&u.province).unwrap_or_default().to_string());
        }
        None => {
            parts.push(g.commune_name(commune).to_string());
            parts.push(reg.province_name(&g.province).unwrap_or_default().to_string());
        }
    }
    if r.chance(rates.get("address_no_province")) {
        parts.pop();
        d.push("address_no_province");
    }
    if r.chance(rates.get("address_bare_units")) {
        for part in parts.iter_mut().skip(1) {
            *part = without_unit_word(part);
        }
        d.push("address_bare_units");
    }
    if r.chance(rates.get("address_unit_slip")) {
        parts[1] = slip(&parts[1], r);
        d.push("address_unit_slip");
    }
    let joint = if r.chance(rates.get("address_no_commas")) {
        d.push("address_no_commas");
        if r.chance(0.5) { " " } else { " - " }
    } else {
        ", "
    };
    let mut text = parts.join(joint);
    if r.chance(rates.get("address_abbrev")) {
        for (long, short) in
            [("Thị trấn ", "TT. "), ("Xã ", "X. "), ("Phường ", "P. "), ("Huyện ", "H. "), ("Thành phố ", "TP "), ("Thị xã ", "TX. "), ("Tỉnh ", "T. ")]
        {
            text = text.replace(long, short);
        }
        d.push("address_abbrev");
    }
    if r.chance(rates.get("address_no_marks")) {
        text = defects::strip_diacritics(&text);
        d.push("address_no_marks");
    }
    text
}

/// A unit's name without its unit word ("Xã Cát Hanh" → "Cát Hanh", "Huyện Phù Cát" → "Phù Cát");
/// a numbered unit keeps it ("Phường 3": a bare number is a house number).
fn without_unit_word(name: &str) -> String {
    const WORDS: &[&str] = &["Thị trấn ", "Thị xã ", "Thành phố ", "Đặc khu ", "Phường ", "Huyện ", "Quận ", "Tỉnh ", "Xã "];
    WORDS.iter().find_map(|w| name.strip_prefix(w)).filter(|rest| !rest.chars().all(|c| c.is_ascii_digit())).unwrap_or(name).to_string()
}

/// One typing slip in a name: a letter dropped, doubled, or swapped with the next.
fn slip(name: &str, r: &mut Rng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (0..chars.len()).filter(|&i| chars[i].is_alphabetic() && i + 1 < chars.len() && chars[i + 1].is_alphabetic()).collect();
    if letters.is_empty() {
        return name.to_string();
    }
    let i = letters[r.below(letters.len() as u64) as usize];
    match r.below(3) {
        0 => {
            chars.remove(i);
        }
        1 => chars.insert(i, chars[i]),
        _ => chars.swap(i, i + 1),
    }
    chars.into_iter().collect()
}

pub fn cell(c: Col, rp: &Rendered, shared: &HashMap<&'static str, String>, stt: usize, r: &mut Rng) -> String {
    let get = |k: &str| rp.cells.get(k).or_else(|| shared.get(k)).cloned().unwrap_or_default();
    match c {
        Col::Stt => stt.to_string(),
        Col::Name => get("name"),
        Col::Dob => get("dob"),
        Col::Sex => get("sex"),
        Col::Id => get("id"),
        Col::OldId => get("old_id"),
        Col::Commune => get("commune"),
        Col::Address => get("address"),
        Col::Phone => get("phone"),
        Col::Bhyt => get("bhyt"),
        Col::Death => get("death"),
        Col::Updated => get("updated"),
        Col::Parcel => (1 + r.below(900)).to_string(),
        Col::MapSheet => (1 + r.below(60)).to_string(),
        Col::Registered => get("registered"),
        Col::Office => get("office"),
        Col::DeclarantName => get("declarant_name"),
        Col::DeclarantId => get("declarant_id"),
        Col::Book => get("book"),
        Col::Entry => get("entry"),
    }
}

/// Text bytes of a CSV in its encoding.
/// A register as CSV bytes: a title line if any, a row of group cells over the header if any
/// (a printed book's grouped header), the header and the rows.
pub fn csv_bytes(
    headers: &[String],
    rows: &[Vec<String>],
    delimiter: u8,
    encoding: Encoding,
    bom: bool,
    title: Option<&str>,
    groups: Option<&[String]>,
) -> Vec<u8> {
    let d = delimiter as char;
    let quote = |s: &str| -> String {
        if s.contains(d) || s.contains('"') || s.contains('\n') || s.starts_with(' ') || s.ends_with(' ') {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut text = String::new();
    if let Some(t) = title {
        text.push_str(t);
        text.push_str("\r\n");
    }
    let line = |cells: &[String]| cells.iter().map(|c| quote(c)).collect::<Vec<_>>().join(&d.to_string());
    if let Some(g) = groups {
        text.push_str(&line(g));
        text.push_str("\r\n");
    }
    text.push_str(&line(headers));
    text.push_str("\r\n");
    for r in rows {
        text.push_str(&line(r));
        text.push_str("\r\n");
    }
    let mut out = Vec::new();
    if bom {
        match encoding {
            Encoding::Utf8 => out.extend_from_slice(&[0xEF, 0xBB, 0xBF]),
            Encoding::Utf16Le => out.extend_from_slice(&[0xFF, 0xFE]),
            _ => {}
        }
    }
    out.extend(encode(&text, encoding));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_set_again_replaces_its_value_and_keeps_one_entry() {
        let mut c = Cells::default();
        c.insert("dob", "1990".into());
        c.insert("name", "Nguyễn Văn An".into());
        c.insert("dob", "05/03/1990".into());
        assert_eq!((c.get("dob").map(String::as_str), c.get("name").map(String::as_str)), (Some("05/03/1990"), Some("Nguyễn Văn An")));
        assert_eq!(c.0.len(), 2);
        assert_eq!(c.get("phone"), None);
        *c.get_mut("name").unwrap() = "Lê Thị Hoa".into();
        assert_eq!(c["name"], "Lê Thị Hoa");
    }
}
