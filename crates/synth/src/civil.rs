//! Civil-status registers as chains: births with a medical certificate (giấy chứng sinh) and a
//! registration (khai sinh) naming the child and the parents, deaths with a certificate and a
//! registration, and the books the registrations are entered in — with the breaks an officer
//! must find written into the truth: a birth or death never registered, a registered child the
//! reference does not hold, death dates that disagree, a parent's impossible age, a registration
//! before the event, late registrations, and book entries twice, missing or out of order.

use super::registers::{Rendered, RowOut, render};
use super::specs::Spec;
use super::{Picker, Province};
use crate::assess::DEATH_REGISTRATION_DAYS;
use crate::calendar::PartialDate;
use crate::normalize::sex::Sex;
use crate::rng::Rng;
use std::collections::HashMap;

/// Shares of each chain break and book defect (of the births, deaths or entries).
pub const NOT_REGISTERED: f64 = 0.08;
pub const LATE: f64 = 0.08;
pub const NOT_IN_REFERENCE: f64 = 0.03;
pub const DEATH_DATE_DISAGREES: f64 = 0.03;
pub const PARENT_AGE: f64 = 0.02;
pub const PARENT_LINK: f64 = 0.02;
pub const BEFORE_EVENT: f64 = 0.01;
pub const BOOK_DUPLICATE: f64 = 0.01;
pub const BOOK_GAP: f64 = 0.01;
pub const BOOK_DATE: f64 = 0.01;
pub const ENTRY_NOT_NUMBER: f64 = 0.005;
/// Shares of the shapes real civil registers take that the chains must see through: a
/// mother's birth year one off between her certificate and the registration, a death
/// registration giving the deceased's year of birth only.
pub const PARENT_YEAR_OFF: f64 = 0.03;
pub const DEATH_DOB_YEAR_ONLY: f64 = 0.1;
/// Health facilities whose certificates one export holds: each numbers its own certificates
/// in its own book, and the export, filtered to the province, skips some of each.
const FACILITIES: u64 = 3;

/// The birth chain: registrations, certificates, and the parents the reference holds for each
/// registered child (by the child's index: the mother's and the father's personal IDs).
#[derive(Default)]
pub(super) struct Births {
    pub registrations: Vec<RowOut>,
    pub certificates: Vec<RowOut>,
    pub parents: HashMap<usize, (String, Option<String>)>,
}

/// The defects written into a name (gone with the name when a certificate leaves it blank).
const NAME_DEFECTS: [&str; 11] =
    ["no_diacritics", "all_caps", "nfd", "tone_style", "spacing", "honorific", "dialect", "typo", "family_variant", "middle_dropped", "middle_added"];

fn date(days: i32) -> PartialDate {
    PartialDate::from_days(days)
}

/// A registration waiting for its book: its row, the event record's position in the row,
/// the event's day (birth or death) and its registration day.
struct Entry {
    row: RowOut,
    event: usize,
    event_day: i32,
    registered: i32,
    /// Days the law gives to register the event.
    period: i32,
}

/// Enters registrations in books in the order they were registered: one book per office
/// (the registering commune) and year ("01/2025", a new book each 500 entries), entries
/// numbered from 1, with the book defects injected (truth on the records that show them).
fn enter_in_books(mut entries: Vec<Entry>, r: &mut Rng) -> Vec<RowOut> {
    entries.sort_by_key(|e| e.registered);
    let mut next: HashMap<(String, i32), (u32, u32)> = HashMap::new(); // (office, year) → (book, last entry)
    let mut last_in_book: HashMap<String, usize> = HashMap::new(); // book → its last row in `out`
    let mut last_dates: HashMap<String, [i32; 2]> = HashMap::new(); // book → its last two registration days
    let mut out: Vec<RowOut> = Vec::with_capacity(entries.len());
    for mut e in entries {
        let office = e.row.people[e.event].1.cells.get("office").cloned().unwrap_or_default();
        let year = date(e.registered).year;
        let (book, n) = next.entry((office.clone(), year)).or_insert((1, 0));
        if *n >= 500 {
            *book += 1;
            *n = 0;
        }
        let book_no = format!("{:02}/{year}", book);
        let key = format!("{office}|{book_no}");
        let previous = last_in_book.get(&key).copied();
        // Each defect where the checker can see it: after a readable entry of the same book,
        // an order broken only once two entries stand before it.
        let prev_readable = previous.is_some_and(|k| !out[k].people[0].1.defects.contains(&"entry_not_number"));
        let entries_before = *n;
        let mut defects: Vec<&'static str> = Vec::new();
        if prev_readable && r.chance(BOOK_DUPLICATE) {
            defects.push("book_entry_duplicate"); // the previous entry's number typed again
            if let Some(prev) = previous.and_then(|k| out.get_mut(k)) {
                prev.people[0].1.defects.push("book_entry_duplicate");
            }
        } else {
            *n += 1;
            if prev_readable && r.chance(BOOK_GAP) {
                *n += 1 + r.below(3) as u32; // a page not digitized
                defects.push("book_entry_gap");
            }
        }
        let entry = *n;
        let mut registered = e.registered;
        let before = last_dates.get(&key).copied();
        if let Some(before) = before.filter(|_| entries_before >= 2 && defects.is_empty() && r.chance(BOOK_DATE)) {
            // Keyed from the wrong page: earlier than both entries before it, so whichever way
            // the book is read this is the one out of order.
            registered = before[0].min(before[1]) - 1 - r.below(60) as i32;
            defects.push("book_date_out_of_order");
            let still_late = registered - e.event_day > e.period;
            if let Some(p) = e.row.people[e.event].1.defects.iter().position(|d| *d == "late_registration").filter(|_| !still_late) {
                e.row.people[e.event].1.defects.remove(p);
            }
            if registered < e.event_day && !e.row.people[e.event].1.defects.contains(&"registration_before_event") {
                defects.push("registration_before_event");
            }
        }
        let unreadable = defects.is_empty() && prev_readable && entry > 1 && r.chance(ENTRY_NOT_NUMBER);
        let p = &mut e.row.people[e.event].1;
        p.defects.extend(defects);
        p.cells.insert("registered", date(registered).display_vi());
        p.cells.insert("book", book_no);
        let entry_text = if unreadable {
            p.defects.push("entry_not_number");
            format!("{entry}a")
        } else {
            format!("{entry:03}")
        };
        p.cells.insert("entry", entry_text);
        // The event record stands first in its row (`event` is 0 for every register written here).
        debug_assert_eq!(e.event, 0);
        let d = last_dates.entry(key.clone()).or_insert([registered; 2]);
        *d = [d[1], registered];
        last_in_book.insert(key, out.len());
        out.push(e.row);
    }
    mark_holes(&mut out);
    out
}

/// An unreadable entry number leaves a hole that the next entry of its book shows as a gap.
fn mark_holes(out: &mut [RowOut]) {
    let mut last: HashMap<String, usize> = HashMap::new();
    for k in 0..out.len() {
        let p = &out[k].people[0].1;
        let key = format!("{}|{}", p.cells.get("office").cloned().unwrap_or_default(), p.cells.get("book").cloned().unwrap_or_default());
        if let Some(&prev) = last.get(&key)
            && out[prev].people[0].1.defects.contains(&"entry_not_number")
            && !out[k].people[0].1.defects.contains(&"book_entry_gap")
        {
            out[k].people[0].1.defects.push("book_entry_gap");
        }
        last.insert(key, k);
    }
}

/// Numbers certificates as health facilities do: each of [`FACILITIES`] its own book per year
/// from 1 (so facilities share numbers), with the certificates of other provinces left out of
/// the export (gaps). None of it is a registration book: the truth has no book defect here.
fn number_certificates(certificates: &mut [RowOut], r: &mut Rng) {
    let mut next: HashMap<(u64, i32), u32> = HashMap::new();
    for row in certificates.iter_mut() {
        let Some((_, child)) = row.people.iter_mut().find(|(role, _)| *role == "child") else { continue };
        let Some(year) = cell_day(child, "dob").map(|d| date(d).year) else { continue };
        let n = next.entry((r.below(FACILITIES), year)).or_insert(0);
        *n += 1 + r.chance(0.2) as u32; // a certificate of another province, not exported
        child.cells.insert("book", format!("01/{year}"));
        child.cells.insert("entry", n.to_string());
    }
}

/// The chain as a re-typed copy of a death certificate shows it, written into the truth: a copy
/// of a registered death whose day of death came out otherwise disagrees with the registration
/// (`written`: per person, the day it writes), and a copy of a death nobody registered is one
/// too (past the legal period by `today`).
fn copies_chains(certificates: &mut [RowOut], written: &HashMap<usize, i32>, today: i32) {
    for cert in certificates.iter_mut() {
        let c = &mut cert.people[0].1;
        if !c.defects.contains(&"duplicate") {
            continue;
        }
        let (Some(pi), Some(death)) = (c.person, cell_day(c, "death")) else { continue };
        match written.get(&pi) {
            Some(&w) if w != death => c.defects.push("death_date_disagrees"),
            None if today - death > DEATH_REGISTRATION_DAYS => c.defects.push("death_not_registered"),
            _ => {}
        }
    }
}

/// The day a rendered date cell names.
fn cell_day(p: &Rendered, key: &str) -> Option<i32> {
    crate::normalize::date::parse_date(p.cells.get(key)?, &Default::default()).date.and_then(|d| d.days_since_epoch())
}

impl Province<'_> {
    /// Death registrations for the death certificates' people (most registered a few days
    /// after the death; some never, late, or with another death date: the truth goes on the
    /// certificate), plus deaths registered without a certificate; entered in books.
    #[expect(clippy::too_many_arguments, reason = "a death registration is drawn from the people, the register's spec, the rates and the generator")]
    pub(super) fn death_registrations(
        &self,
        spec: &Spec,
        certificates: &mut [RowOut],
        extra: usize,
        picker: &mut Picker,
        g: &mut super::Generator,
        r: &mut Rng,
        died: &mut std::collections::HashSet<usize>,
    ) -> Vec<RowOut> {
        let today = self.as_of.days_since_epoch().unwrap_or(0);
        let mut entries = Vec::new();
        // Per person registered, the day of death the registration writes.
        let mut written: HashMap<usize, i32> = HashMap::new();
        for cert in certificates.iter_mut() {
            let c = &mut cert.people[0].1;
            if c.defects.contains(&"duplicate") {
                continue; // a re-typed copy: its original carries the chain
            }
            let (Some(pi), Some(death)) = (c.person, cell_day(c, "death")) else { continue };
            let mut delay = 1 + r.below(14) as i32;
            let late = r.chance(LATE);
            if late {
                delay = 16 + r.below(200) as i32;
            }
            if r.chance(NOT_REGISTERED) || death + delay > today {
                if today - death > crate::assess::DEATH_REGISTRATION_DAYS {
                    c.defects.push("death_not_registered");
                }
                continue;
            }
            let mut person = self.people[pi].clone();
            person.death = Some(date(death));
            let mut p = render(&person, Some(pi), spec, self.rates, g, &self.legacy_of, r);
            if r.chance(DEATH_DOB_YEAR_ONLY) && !p.cells.get("dob").is_none_or(|d| d.is_empty()) {
                p.cells.insert("dob", person.dob.year.to_string());
                p.defects.retain(|d| !d.starts_with("dob_"));
                p.defects.push("dob_year_only");
            }
            // Another death date, still within the legal period before the registration (so the
            // registration is neither late nor before the death by it).
            let window = (death + delay - DEATH_REGISTRATION_DAYS)..death + delay;
            if !late && r.chance(DEATH_DATE_DISAGREES) && window.len() > 1 {
                let mut other = window.start + r.below(window.len() as u64) as i32;
                if other == death {
                    other = if death > window.start { death - 1 } else { death + 1 };
                }
                p.cells.insert("death", date(other).display_vi());
                c.defects.push("death_date_disagrees");
            } else if late {
                p.defects.push("late_registration");
            }
            if let Some(d) = cell_day(&p, "death") {
                written.insert(pi, d);
            }
            entries.push(Entry {
                row: self.with_declarant(p, spec, g, r),
                event: 0,
                event_day: death,
                registered: death + delay,
                period: DEATH_REGISTRATION_DAYS,
            });
        }
        copies_chains(certificates, &written, today);
        for _ in 0..extra {
            let p = self.subject(spec, picker, g, r, None, died);
            let Some(death) = cell_day(&p, "death") else { continue };
            let registered = (death + 1 + r.below(14) as i32).min(today);
            entries.push(Entry { row: self.with_declarant(p, spec, g, r), event: 0, event_day: death, registered, period: DEATH_REGISTRATION_DAYS });
        }
        enter_in_books(entries, r)
    }

    /// A death registration's row: the deceased, and (nine times in ten) the relative who
    /// declared the death, with only the defects the two declarant columns show.
    fn with_declarant(&self, deceased: Rendered, spec: &Spec, g: &super::Generator, r: &mut Rng) -> RowOut {
        let mut row = RowOut { people: vec![("deceased", deceased)], shared: HashMap::new(), duplicate: false };
        if r.chance(0.9) {
            let i = (0..50)
                .map(|_| r.below(self.people.len() as u64) as usize)
                .find(|&i| self.people[i].death.is_none() && self.people[i].age_at(self.as_of.year) >= 18);
            if let Some(i) = i {
                let mut d = render(&self.people[i], Some(i), spec, self.rates, g, &self.legacy_of, r);
                d.defects.retain(|x| NAME_DEFECTS.contains(x) || x.starts_with("id_"));
                row.shared.insert("declarant_name", d.cells["name"].clone());
                row.shared.insert("declarant_id", d.cells["id"].clone());
                row.people.push(("declarant", d));
            }
        }
        row
    }

    /// A birth certificate's row: the mother, and the child (most often not yet named).
    fn certificate_row(
        &self,
        mother: Rendered,
        child: &super::population::Person,
        idx: Option<usize>,
        cert: &Spec,
        g: &super::Generator,
        r: &mut Rng,
    ) -> RowOut {
        let mut c = self.event_record(child, idx, cert, g, r);
        if r.chance(0.7) {
            c.cells.insert("name", String::new()); // named later, at registration
            c.defects.retain(|d| !NAME_DEFECTS.contains(d));
        }
        RowOut { people: vec![("mother", mother), ("child", c)], shared: HashMap::new(), duplicate: false }
    }

    /// The father a registration names: now and then (for a child the reference holds, so its
    /// parents are known) another man than the reference's father.
    #[expect(clippy::too_many_arguments, reason = "a father is drawn from the men, the child's year and the register's spec")]
    fn registered_father(&self, f: usize, men: &[usize], born: i32, known: bool, reg: &Spec, g: &super::Generator, r: &mut Rng) -> Rendered {
        let other = (known && r.chance(PARENT_LINK)).then(|| self.parent_of(men, born, (20, 55), r)).filter(|&o| o != f);
        let mut x = self.parent_record(other.unwrap_or(f), reg, g, r);
        if other.is_some() {
            x.defects.push("parent_link_disagrees");
        }
        x
    }

    /// Someone of `pool` aged `ages` (inclusive) in the child's birth year, if one is found soon.
    fn parent_of(&self, pool: &[usize], born: i32, ages: (i32, i32), r: &mut Rng) -> usize {
        for _ in 0..200 {
            let i = *r.pick(pool);
            if (ages.0..=ages.1).contains(&(born - self.people[i].dob.year)) {
                return i;
            }
        }
        *r.pick(pool)
    }

    /// The event's person (the child): the date of birth and sex are recorded with care.
    fn event_record(&self, p: &super::population::Person, idx: Option<usize>, spec: &Spec, g: &super::Generator, r: &mut Rng) -> Rendered {
        let mut x = render(p, idx, spec, self.rates, g, &self.legacy_of, r);
        x.cells.insert("dob", p.dob.display_vi());
        x.cells.insert("sex", if p.sex == Sex::Male { "Nam" } else { "Nữ" }.to_string());
        x.defects.retain(|d| !d.starts_with("dob_") && !d.starts_with("sex_") && *d != "stale");
        x
    }

    /// The mother as a birth certificate writes her: her birth year, now and then one off the
    /// registration's ([`PARENT_YEAR_OFF`]).
    fn certificate_mother(&self, i: usize, spec: &Spec, g: &super::Generator, r: &mut Rng) -> Rendered {
        let mut m = self.parent_record(i, spec, g, r);
        if r.chance(PARENT_YEAR_OFF) {
            let year = self.people[i].dob.year + if r.chance(0.5) { 1 } else { -1 };
            m.cells.insert("dob", year.to_string());
            m.defects.push("parent_year_off");
        }
        m
    }

    /// A parent, with the birth year only.
    fn parent_record(&self, i: usize, spec: &Spec, g: &super::Generator, r: &mut Rng) -> Rendered {
        let mut x = render(&self.people[i], Some(i), spec, self.rates, g, &self.legacy_of, r);
        x.cells.insert("dob", self.people[i].dob.year.to_string());
        x.defects.retain(|d| !d.starts_with("dob_") && *d != "stale");
        x
    }

    /// Births: per child (a person of the reference born in the last two years, or now and
    /// then one it does not hold yet), a medical certificate naming the mother and the child,
    /// and a registration naming the child, the mother and the father (sometimes absent).
    /// Returns (registrations, certificates).
    pub(super) fn births(&self, reg: &Spec, cert: &Spec, m: usize, g: &mut super::Generator, r: &mut Rng) -> Births {
        let today = self.as_of.days_since_epoch().unwrap_or(0);
        let infants: Vec<usize> = (0..self.people.len())
            .filter(|&i| self.people[i].death.is_none() && self.people[i].dob.days_since_epoch().is_some_and(|d| today - d <= 730))
            .collect();
        let women: Vec<usize> = (0..self.people.len()).filter(|&i| self.people[i].sex == Sex::Female && self.people[i].death.is_none()).collect();
        let men: Vec<usize> = (0..self.people.len()).filter(|&i| self.people[i].sex == Sex::Male && self.people[i].death.is_none()).collect();
        let (mut registrations, mut certificates, mut parents) = (Vec::new(), Vec::new(), HashMap::new());
        if infants.is_empty() || women.is_empty() || men.is_empty() {
            return Births::default();
        }
        for k in 0..m.min(infants.len()) {
            let absent = r.chance(NOT_IN_REFERENCE);
            let (child, child_idx) = if absent {
                let mut c = g.outsider(r);
                c.dob = date(today - 90 - r.below(600) as i32);
                (c, None)
            } else {
                let i = infants[k * infants.len() / m.min(infants.len()).max(1)];
                (self.people[i].clone(), Some(i))
            };
            let Some(born) = child.dob.days_since_epoch() else { continue };
            let mother = self.parent_of(&women, child.dob.year, (18, 45), r);
            let father = (!r.chance(0.1)).then(|| self.parent_of(&men, child.dob.year, (20, 55), r));
            if let Some(ci) = child_idx {
                // The reference knows the child's parents.
                parents.insert(ci, (self.people[mother].cccd.clone(), father.map(|f| self.people[f].cccd.clone())));
            }
            // The certificate (most births are in a facility).
            let mut cert_mother = self.certificate_mother(mother, cert, g, r);
            let certified = r.chance(0.9);
            let mut registered = born + 1 + r.below(59) as i32;
            let late = r.chance(LATE);
            if late {
                registered = born + 61 + r.below(300) as i32;
            }
            let not_registered = r.chance(NOT_REGISTERED) || registered > today;
            if certified {
                if not_registered && today - born > crate::assess::BIRTH_REGISTRATION_DAYS {
                    cert_mother.defects.push("birth_not_registered");
                }
                certificates.push(self.certificate_row(cert_mother, &child, child_idx, cert, g, r));
            }
            if not_registered {
                continue;
            }
            let mut reg_child = self.event_record(&child, child_idx, reg, g, r);
            let mut reg_mother = self.parent_record(mother, reg, g, r);
            if absent && today - registered > crate::assess::REFERENCE_UPDATE_DAYS {
                reg_child.defects.push("birth_not_in_reference");
            }
            if late {
                reg_child.defects.push("late_registration");
            }
            if r.chance(BEFORE_EVENT) {
                registered = born - 5 - r.below(100) as i32;
                reg_child.defects.retain(|d| *d != "late_registration");
                reg_child.defects.push("registration_before_event");
            }
            if r.chance(PARENT_AGE) {
                let age = if r.chance(0.5) { 8 + r.below(4) as i32 } else { 58 + r.below(10) as i32 };
                reg_mother.cells.insert("dob", (child.dob.year - age).to_string());
                reg_mother.defects.push("parent_age_implausible");
            }
            let mut people = vec![("child", reg_child), ("mother", reg_mother)];
            if let Some(f) = father {
                people.push(("father", self.registered_father(f, &men, child.dob.year, child_idx.is_some(), reg, g, r)));
            }
            registrations.push(Entry {
                row: RowOut { people, shared: HashMap::new(), duplicate: false },
                event: 0,
                event_day: born,
                registered,
                period: crate::assess::BIRTH_REGISTRATION_DAYS,
            });
        }
        number_certificates(&mut certificates, r);
        Births { registrations: enter_in_books(registrations, r), certificates, parents }
    }
}

/// A register's table: a row of group cells over the header (a printed book's), the header and
/// the rows.
pub(super) type Table = (Option<Vec<String>>, Vec<String>, Vec<Vec<String>>);

/// The headers and cells of the birth registers (several people per row). The registration
/// book is written as printed (Thông tư 04/2020/TT-BTP's birth book): "Người được khai sinh",
/// "Mẹ" and "Cha" over the sub-headers in the law's words (Luật Hộ tịch 2014, art. 14: the
/// child's name, date of birth, sex, ethnicity, nationality; each parent's name, year of birth,
/// ethnicity, nationality, residence), the single columns standing in the group row.
pub(super) fn birth_table(spec: &Spec, rows: &[RowOut]) -> Table {
    let registration = spec.schema == "civil_birth";
    let groups: Option<Vec<String>> = registration.then(|| {
        let mut g = vec!["STT", "Số", "Quyển số", "Ngày đăng ký", "Người được khai sinh", "", "", "", "", "", ""];
        for parent in ["Mẹ", "Cha"] {
            g.extend([parent, "", "", "", "", ""]);
        }
        g.push("Cơ quan đăng ký");
        g.iter().map(|s| s.to_string()).collect()
    });
    let parent = ["Họ, chữ đệm và tên", "Năm sinh", "Dân tộc", "Quốc tịch", "Nơi cư trú", "Số định danh cá nhân"];
    let headers: Vec<&str> = if registration {
        let mut h =
            vec!["", "", "", "", "Họ, chữ đệm và tên", "Ngày, tháng, năm sinh", "Giới tính", "Dân tộc", "Quốc tịch", "Số định danh cá nhân", "Nơi cư trú"];
        h.extend(parent);
        h.extend(parent);
        h.push("");
        h
    } else {
        vec!["STT", "Họ tên mẹ", "Năm sinh mẹ", "Số CCCD mẹ", "Nơi cư trú", "Ngày sinh của trẻ", "Giới tính của trẻ", "Tên dự định đặt", "Quyển số", "Số"]
    };
    let table = rows
        .iter()
        .enumerate()
        .map(|(k, row)| {
            let of = |role: &str, key: &str| row.people.iter().find(|(r, _)| *r == role).and_then(|(_, p)| p.cells.get(key).cloned()).unwrap_or_default();
            if registration {
                vec![
                    (k + 1).to_string(),
                    of("child", "entry"),
                    of("child", "book"),
                    of("child", "registered"),
                    of("child", "name"),
                    of("child", "dob"),
                    of("child", "sex"),
                    "Kinh".into(),
                    "Việt Nam".into(),
                    of("child", "id"),
                    of("child", "commune"),
                    of("mother", "name"),
                    of("mother", "dob"),
                    "Kinh".into(),
                    "Việt Nam".into(),
                    of("child", "commune"),
                    of("mother", "id"),
                    of("father", "name"),
                    of("father", "dob"),
                    if of("father", "name").is_empty() { String::new() } else { "Kinh".into() },
                    if of("father", "name").is_empty() { String::new() } else { "Việt Nam".into() },
                    if of("father", "name").is_empty() { String::new() } else { of("child", "commune") },
                    of("father", "id"),
                    of("child", "office"),
                ]
            } else {
                vec![
                    (k + 1).to_string(),
                    of("mother", "name"),
                    of("mother", "dob"),
                    of("mother", "id"),
                    of("mother", "address"),
                    of("child", "dob"),
                    of("child", "sex"),
                    of("child", "name"),
                    of("child", "book"),
                    of("child", "entry"),
                ]
            }
        })
        .collect();
    (groups, headers.into_iter().map(String::from).collect(), table)
}
