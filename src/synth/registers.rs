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

/// How a register is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Csv { delimiter: u8, encoding: Encoding, bom: bool, title: bool },
    Xlsx,
    Parquet,
}

/// One column of a register: its header and what it shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Stt,
    Name,
    Dob,
    Sex,
    Id,
    OldId,
    Commune,
    Address,
    Phone,
    Bhyt,
    Death,
    Updated,
    Parcel,
    MapSheet,
    /// Civil status: the registration date, the book and the entry number.
    Registered,
    Office,
    Book,
    Entry,
    /// A death registration's declarant (người đi khai).
    DeclarantName,
    DeclarantId,
}

#[derive(Clone, Debug)]
pub struct Spec {
    pub name: &'static str,
    pub schema: &'static str,
    pub file: &'static str,
    pub title_vi: &'static str,
    pub shape: Shape,
    pub columns: Vec<(&'static str, Col)>,
    /// Who can be on it.
    pub min_age: i32,
    pub max_age: i32,
    pub death_register: bool,
    pub year_only_dob: bool,
    pub marriage: bool,
    /// Written by the birth chain (`synth::civil`), several people a row.
    pub births: bool,
}

pub fn all_specs() -> Vec<Spec> {
    use Col::*;
    let utf8 = |d: u8| Shape::Csv { delimiter: d, encoding: Encoding::Utf8, bom: false, title: false };
    vec![
        Spec {
            name: "lao_dong",
            schema: "labour",
            file: "lao_dong.csv",
            title_vi: "DANH SÁCH NGƯỜI LAO ĐỘNG",
            shape: utf8(b','),
            columns: vec![
                ("STT", Stt),
                ("Họ và tên", Name),
                ("Ngày sinh", Dob),
                ("Giới tính", Sex),
                ("Số CCCD", Id),
                ("Số điện thoại", Phone),
                ("Địa chỉ", Address),
                ("Ngày cập nhật", Updated),
            ],
            min_age: 18,
            max_age: 62,
            death_register: false,
            year_only_dob: false,
            marriage: false,
            births: false,
        },
        Spec {
            name: "bhyt",
            schema: "health_insurance",
            file: "bhyt.xlsx",
            title_vi: "DANH SÁCH NGƯỜI THAM GIA BẢO HIỂM Y TẾ",
            shape: Shape::Xlsx,
            columns: vec![
                ("STT", Stt),
                ("Họ và tên", Name),
                ("Ngày, tháng, năm sinh", Dob),
                ("Giới tính", Sex),
                ("Số định danh cá nhân", Id),
                ("Mã thẻ BHYT", Bhyt),
                ("Địa chỉ", Address),
                ("Ngày cập nhật", Updated),
            ],
            min_age: 0,
            max_age: 100,
            death_register: false,
            year_only_dob: false,
            marriage: false,
            births: false,
        },
        Spec {
            name: "dat_dai",
            schema: "land",
            file: "dat_dai_tcvn3.csv",
            title_vi: "SỔ MỤC KÊ ĐẤT ĐAI",
            shape: Shape::Csv { delimiter: b',', encoding: Encoding::Tcvn3, bom: false, title: true },
            columns: vec![
                ("STT", Stt),
                ("Chủ sử dụng", Name),
                ("Năm sinh", Dob),
                ("Số CCCD/CMND", Id),
                ("Địa chỉ thửa đất", Address),
                ("Số tờ bản đồ", MapSheet),
                ("Số thửa", Parcel),
                ("Ngày cập nhật", Updated),
            ],
            min_age: 25,
            max_age: 100,
            death_register: false,
            year_only_dob: true,
            marriage: false,
            births: false,
        },
        Spec {
            name: "hoi_vien",
            schema: "association",
            file: "hoi_vien_vni.csv",
            title_vi: "DANH SÁCH HỘI VIÊN",
            shape: Shape::Csv { delimiter: b';', encoding: Encoding::Vni, bom: false, title: true },
            columns: vec![
                ("STT", Stt),
                ("Họ tên hội viên", Name),
                ("Ngày sinh", Dob),
                ("Giới tính", Sex),
                ("Số định danh", Id),
                ("Địa chỉ", Address),
                ("Ngày cập nhật", Updated),
            ],
            min_age: 18,
            max_age: 90,
            death_register: false,
            year_only_dob: false,
            marriage: false,
            births: false,
        },
        Spec {
            name: "giay_bao_tu",
            schema: "death_certificate",
            file: "giay_bao_tu.parquet",
            title_vi: "GIẤY BÁO TỬ",
            shape: Shape::Parquet,
            columns: vec![
                ("HO_TEN", Name),
                ("NGAY_SINH", Dob),
                ("GIOI_TINH", Sex),
                ("SO_DINH_DANH", Id),
                ("NGAY_MAT", Death),
                ("MA_XA", Commune),
                ("NGAY_CAP_NHAT", Updated),
            ],
            min_age: 0,
            max_age: 110,
            death_register: true,
            year_only_dob: false,
            marriage: false,
            births: false,
        },
        Spec {
            name: "khai_tu",
            schema: "civil_death",
            file: "khai_tu_utf16.txt",
            title_vi: "SỔ ĐĂNG KÝ KHAI TỬ",
            shape: Shape::Csv { delimiter: b'\t', encoding: Encoding::Utf16Le, bom: true, title: false },
            columns: vec![
                ("STT", Stt),
                ("Họ và tên người chết", Name),
                ("Ngày sinh", Dob),
                ("Giới tính", Sex),
                ("Số định danh cá nhân", Id),
                ("Ngày chết", Death),
                ("Nơi đăng ký", Commune),
                ("Cơ quan đăng ký", Office),
                ("Ngày đăng ký", Registered),
                ("Quyển số", Book),
                ("Số", Entry),
                ("Họ tên người đi khai", DeclarantName),
                ("Số định danh người đi khai", DeclarantId),
            ],
            min_age: 0,
            max_age: 110,
            death_register: true,
            year_only_dob: false,
            marriage: false,
            births: false,
        },
        Spec {
            name: "ket_hon",
            schema: "civil_marriage",
            file: "ket_hon.csv",
            title_vi: "SỔ ĐĂNG KÝ KẾT HÔN",
            shape: Shape::Csv { delimiter: b',', encoding: Encoding::Utf8, bom: true, title: false },
            columns: vec![("STT", Stt), ("Nơi đăng ký", Commune), ("Ngày đăng ký", Registered)],
            min_age: 20,
            max_age: 60,
            death_register: false,
            year_only_dob: false,
            marriage: true,
            births: false,
        },
        Spec {
            name: "nha_o",
            schema: "housing",
            file: "nha_o.parquet",
            title_vi: "CHỦ SỞ HỮU NHÀ Ở",
            shape: Shape::Parquet,
            columns: vec![("Chủ sở hữu", Name), ("Năm sinh", Dob), ("Số CCCD", Id), ("Số CMND", OldId), ("Địa chỉ", Address), ("Ngày cập nhật", Updated)],
            min_age: 25,
            max_age: 100,
            death_register: false,
            year_only_dob: true,
            marriage: false,
            births: false,
        },
        Spec {
            name: "khai_sinh",
            schema: "civil_birth",
            file: "khai_sinh.csv",
            title_vi: "SỔ ĐĂNG KÝ KHAI SINH",
            shape: utf8(b','),
            columns: vec![],
            min_age: 0,
            max_age: 2,
            death_register: false,
            year_only_dob: false,
            marriage: false,
            births: true,
        },
        Spec {
            name: "chung_sinh",
            schema: "birth_certificate",
            file: "chung_sinh.csv",
            title_vi: "GIẤY CHỨNG SINH",
            shape: utf8(b';'),
            columns: vec![],
            min_age: 18,
            max_age: 45,
            death_register: false,
            year_only_dob: false,
            marriage: false,
            births: true,
        },
    ]
}

/// One rendered person: the text of each column and the truth about it.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    pub cells: HashMap<&'static str, String>,
    pub person: Option<usize>,
    pub person_id: Option<String>,
    pub defects: Vec<&'static str>,
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
    let mut cells: HashMap<&'static str, String> = HashMap::new();
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
    if hit("dialect", r) {
        if let Some(x) = defects::dialect(&given, r) {
            given = x;
            d.push("dialect");
        }
    }
    if hit("typo", r) {
        if let Some(x) = defects::typo(&given, r) {
            given = x;
            d.push("typo");
        }
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
#[allow(clippy::too_many_arguments)]
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
pub fn csv_bytes(headers: &[String], rows: &[Vec<String>], delimiter: u8, encoding: Encoding, bom: bool, title: Option<&str>) -> Vec<u8> {
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
