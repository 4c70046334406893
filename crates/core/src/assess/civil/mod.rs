//! Civil status across a job: within a record (a parent's age at the birth, the registration
//! date against the event), along the chains between registers (a medical birth or death
//! certificate and its registration, a registered child the reference does not yet hold,
//! death dates that disagree), and in digitized books (an entry twice, entries missing, a
//! date outside the book's year or out of order).

use super::{AssessContext, GroupKey, LinkedSource};

mod books;
mod deaths;

use crate::calendar::{PartialDate, Precision};
use crate::field::Field;
use crate::finding::{Code, Finding};
use crate::link::MatchClass;
use crate::normalize::name::Name;
use crate::normalize::sex::Sex;
use crate::schema::SchemaKind;
use books::{book_office, books};
use deaths::{death_finding, death_lookups};
use rapidfuzz::distance::osa;
use std::collections::HashMap;

/// Days the law gives to register a birth (Luật Hộ tịch 2014, art. 15: 60 days).
pub const BIRTH_REGISTRATION_DAYS: i32 = 60;
/// Days the law gives to register a death (Luật Hộ tịch 2014, art. 33: 15 days).
pub const DEATH_REGISTRATION_DAYS: i32 = 15;
/// Days after a birth registration by which the child should be in the reference.
pub const REFERENCE_UPDATE_DAYS: i32 = 30;
/// A mother's plausible age at a birth, in years (inclusive).
pub const MOTHER_AGE: (i32, i32) = (13, 55);
/// A father's plausible age at a birth, in years (inclusive).
pub const FATHER_AGE: (i32, i32) = (15, 80);

/// Findings per source, per record index (only records that have some).
pub type Extra = Vec<HashMap<usize, Vec<Finding>>>;

fn day(d: Option<PartialDate>) -> Option<i32> {
    d.filter(|d| d.precision() == Precision::Day).and_then(|d| d.days_since_epoch())
}

/// One row's records: the event record and the others by role name.
struct Row {
    event: usize,
    others: Vec<(String, usize)>,
}

/// The rows of a source: records sharing a source row, the event role's one first.
fn rows(src: &LinkedSource) -> Vec<Row> {
    let mut by_row: HashMap<u64, Row> = HashMap::new();
    let mut order = Vec::new();
    for (i, raw) in src.raw.iter().enumerate() {
        if src.schema.is_event_role(raw.role) {
            order.push(raw.source_row);
            by_row.entry(raw.source_row).or_insert(Row { event: i, others: Vec::new() }).event = i;
        }
    }
    for (i, raw) in src.raw.iter().enumerate() {
        if !src.schema.is_event_role(raw.role)
            && let Some(row) = by_row.get_mut(&raw.source_row)
        {
            row.others.push((src.schema.roles.get(raw.role as usize).cloned().unwrap_or_default(), i));
        }
    }
    order.into_iter().filter_map(|r| by_row.remove(&r)).collect()
}

/// How a death certificate's registration is looked for, in the order they are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeathKey {
    /// The deceased's linked person.
    Person,
    /// The folded name and the year of birth.
    NameAndYear,
    /// The day of death (names compared with tolerance).
    DayOfDeath,
}

impl DeathKey {
    /// Every way, in the order a certificate's registration is looked for.
    pub const ALL: [DeathKey; 3] = [DeathKey::Person, DeathKey::NameAndYear, DeathKey::DayOfDeath];
}

/// Per source, per death certificate looked up one way: its registration was found, and
/// whether their death dates disagree.
pub type DeathLookups = Vec<HashMap<usize, bool>>;

/// The civil-status checks over some of a job's records: all of them (the command line), or
/// the records sharing one check's key (a cluster's group, see `super::keyed`). Every check
/// reads whole rows (a birth's child and parents), so a group holds whole rows.
pub struct Civil<'s, 'a> {
    sources: &'s [LinkedSource<'a>],
    rows: Vec<Vec<Row>>,
    ctx: &'s AssessContext<'a>,
    /// The run's day; without it the chains, which measure periods from it, are not checked.
    today: Option<i32>,
}

impl<'s, 'a> Civil<'s, 'a> {
    /// The rows of the civil-status sources (a plain register has none).
    pub fn new(sources: &'s [LinkedSource<'a>], ctx: &'s AssessContext<'a>) -> Self {
        let rows = sources.iter().map(|s| if s.schema.kind == SchemaKind::Register { Vec::new() } else { rows(s) }).collect();
        Civil { sources, rows, ctx, today: ctx.settings.run_date.days_since_epoch() }
    }

    fn empty(&self) -> Extra {
        vec![HashMap::new(); self.sources.len()]
    }

    /// Every civil-status finding of the records, per record in this order: the row's own
    /// checks, the books, the birth chain, the death chain.
    pub fn findings(&self) -> Extra {
        let mut out = self.row_findings();
        for part in [self.book_findings(), self.birth_findings(), self.death_findings(&DeathKey::ALL.map(|by| self.death_lookups(by)))] {
            for (o, p) in out.iter_mut().zip(part) {
                for (i, f) in p {
                    o.entry(i).or_default().extend(f);
                }
            }
        }
        out
    }

    /// Checks within one row: a parent's age at the birth, the registration date against the
    /// event, a registered child's parents against the reference's.
    pub fn row_findings(&self) -> Extra {
        let mut out = self.empty();
        for (s, src) in self.sources.iter().enumerate() {
            let mut push = |i: usize, f: Finding| out[s].entry(i).or_default().push(f);
            if matches!(src.schema.kind, SchemaKind::BirthRegistration | SchemaKind::BirthCertificate) {
                parents(src, &self.rows[s], &mut push);
            }
            registration_dates(src, &self.rows[s], &mut push);
            if self.today.is_some() && src.schema.kind == SchemaKind::BirthRegistration {
                parents_against_reference(src, &self.rows[s], self.ctx, &mut push);
            }
        }
        out
    }

    /// Book integrity, per (office, book). A health facility's certificates carry their own
    /// numbering, and an export of them is a slice with gaps by design: only registering
    /// offices' books are checked.
    pub fn book_findings(&self) -> Extra {
        let mut out = self.empty();
        for (s, src) in self.sources.iter().enumerate() {
            if matches!(src.schema.kind, SchemaKind::BirthRegistration | SchemaKind::DeathRegistration) {
                books(src, &self.rows[s], &mut |i, f| out[s].entry(i).or_default().push(f));
            }
        }
        out
    }

    /// The birth chain (see [`birth_chain`]).
    pub fn birth_findings(&self) -> Extra {
        let mut out = self.empty();
        if let Some(today) = self.today {
            birth_chain(self.sources, &self.rows, self.ctx, today, &mut |s, i, f| out[s].entry(i).or_default().push(f));
        }
        out
    }

    /// Each death certificate's registration looked for one way (see [`death_chain`]).
    pub fn death_lookups(&self, by: DeathKey) -> DeathLookups {
        let mut out = vec![HashMap::new(); self.sources.len()];
        if self.today.is_some() {
            death_lookups(self.sources, &self.rows, by, &mut |s, i, disagrees| {
                out[s].insert(i, disagrees);
            });
        }
        out
    }

    /// The death chain's findings from the lookups, in [`DeathKey::ALL`]'s order: the first way
    /// that finds the registration says whether the dates disagree; none, after the legal
    /// period, is `DEATH_NOT_REGISTERED`.
    pub fn death_findings(&self, lookups: &[DeathLookups; 3]) -> Extra {
        let mut out = self.empty();
        let (Some(today), true) = (self.today, self.has(SchemaKind::DeathRegistration)) else { return out };
        for (s, src) in self.sources.iter().enumerate().filter(|(_, s)| s.schema.kind == SchemaKind::DeathCertificate) {
            for row in &self.rows[s] {
                let found = lookups.iter().find_map(|l| l.get(s).and_then(|l| l.get(&row.event)));
                if let Some(f) = death_finding(src, row.event, found.copied(), today) {
                    out[s].entry(row.event).or_default().push(f);
                }
            }
        }
        out
    }

    /// The job has a source of this kind (a chain is checked only when both ends are given).
    fn has(&self, kind: SchemaKind) -> bool {
        self.sources.iter().any(|s| s.schema.kind == kind)
    }

    /// Every record's place in the keyed checks: which group of which check it belongs to,
    /// and whether that group's findings are its own (a registration is read by the groups
    /// of the days either side of its child's birth, but answered by its own day's).
    pub fn keys(&self, mut key: impl FnMut(usize, usize, CivilCheck, GroupKey, bool)) {
        for (s, src) in self.sources.iter().enumerate() {
            let kind = src.schema.kind;
            for row in &self.rows[s] {
                let n = &src.norm[row.event];
                if matches!(kind, SchemaKind::BirthRegistration | SchemaKind::DeathRegistration)
                    && let (Some(book), Some(_)) = (n.book_no.as_deref(), n.entry_no)
                {
                    key(s, row.event, CivilCheck::Book, GroupKey::Text(format!("{}\u{1f}{book}", book_office(n))), true);
                }
                let members = || std::iter::once(row.event).chain(row.others.iter().map(|(_, i)| *i));
                match kind {
                    SchemaKind::BirthCertificate | SchemaKind::BirthRegistration => {
                        let Some(born) = day(n.dob) else { continue };
                        // A certificate finds a registration of a child born within a day.
                        let days = if kind == SchemaKind::BirthRegistration { born - 1..=born + 1 } else { born..=born };
                        for d in days {
                            for i in members() {
                                key(s, i, CivilCheck::Birth, GroupKey::Day(d), d == born);
                            }
                        }
                    }
                    SchemaKind::DeathCertificate | SchemaKind::DeathRegistration => {
                        if let Some(p) = matched(src, row.event) {
                            key(s, row.event, CivilCheck::Death(DeathKey::Person), GroupKey::Person(p), true);
                        }
                        if let (Some(name), Some(dob)) = (&n.name, n.dob) {
                            key(s, row.event, CivilCheck::Death(DeathKey::NameAndYear), GroupKey::Text(format!("{}\u{1f}{}", name.folded(), dob.year)), true);
                        }
                        if let (Some(_), Some(d)) = (&n.name, day(n.death_date)) {
                            key(s, row.event, CivilCheck::Death(DeathKey::DayOfDeath), GroupKey::Day(d), true);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// A civil-status check that reads records across rows, by what it groups them by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CivilCheck {
    /// A book's entries (office and book).
    Book,
    /// Births by the child's day of birth.
    Birth,
    /// Deaths, looked up one way.
    Death(DeathKey),
}

/// A parent's age at the child's birth, against [`MOTHER_AGE`] and [`FATHER_AGE`].
fn parents(src: &LinkedSource, rows: &[Row], push: &mut dyn FnMut(usize, Finding)) {
    for row in rows {
        let Some(born) = src.norm[row.event].dob else { continue };
        for (role, i) in &row.others {
            let (lo, hi) = match role.as_str() {
                "mother" => MOTHER_AGE,
                "father" => FATHER_AGE,
                _ => continue,
            };
            if let Some(p) = src.norm[*i].dob {
                let age = born.year - p.year;
                if age < lo || age > hi {
                    push(*i, Finding::new(Field::Dob, Code::ParentAgeImplausible));
                }
            }
        }
    }
}

/// The registration date against the event: not before it, and late after the legal period.
fn registration_dates(src: &LinkedSource, rows: &[Row], push: &mut dyn FnMut(usize, Finding)) {
    let (event_field, period) = match src.schema.kind {
        SchemaKind::BirthRegistration => (Field::Dob, BIRTH_REGISTRATION_DAYS),
        SchemaKind::DeathRegistration => (Field::DeathDate, DEATH_REGISTRATION_DAYS),
        _ => return,
    };
    for row in rows {
        let n = &src.norm[row.event];
        let event = if event_field == Field::Dob { n.dob } else { n.death_date };
        let (Some(e), Some(r)) = (day(event), day(n.registration_date)) else { continue };
        if r < e {
            push(row.event, Finding::new(Field::RegistrationDate, Code::RegistrationBeforeEvent));
        } else if r - e > period {
            push(row.event, Finding::new(Field::RegistrationDate, Code::LateRegistration));
        }
    }
}

/// The person a record is linked to, when it is a match.
fn matched(src: &LinkedSource, i: usize) -> Option<u32> {
    let l = &src.links[i];
    (l.class == MatchClass::Match).then(|| l.best.as_ref().map(|b| b.ref_idx)).flatten()
}

/// Births: a certificate with no registration after the legal period, matched as a person
/// would: the same mother — by her link, by her personal ID (as written, as her linked person
/// holds it, or as the reference names the registered child's mother), or by her name folded
/// and compared with tolerance with her birth year within one — and a child born within a day;
/// a registered child the reference does not hold after [`REFERENCE_UPDATE_DAYS`].
fn birth_chain(sources: &[LinkedSource], rows: &[Vec<Row>], ctx: &AssessContext, today: i32, push: &mut dyn FnMut(usize, usize, Finding)) {
    let of_kind = |k: SchemaKind| sources.iter().enumerate().filter(move |(_, s)| s.schema.kind == k).map(|(s, _)| s);
    let person_id = |p: u32| ctx.reference.features[p as usize].person_id.as_deref();
    // Registered births by the mother's reference person, by her IDs and by the child's day of
    // birth (for a mother linked in one register and not the other, her name differing).
    let mut by_mother: HashMap<u32, Vec<Birth>> = HashMap::new();
    let mut by_mother_id: HashMap<&str, Vec<Birth>> = HashMap::new();
    let mut by_day: HashMap<i32, Vec<(Birth, &Name)>> = HashMap::new();
    let registrations: Vec<usize> = of_kind(SchemaKind::BirthRegistration).collect();
    for &s in &registrations {
        let src = &sources[s];
        for row in &rows[s] {
            let child = &src.norm[row.event];
            let Some(born) = day(child.dob) else { continue };
            // The reference's mother of the registered child, when the child is linked.
            let family_mother = matched(src, row.event).and_then(|c| ctx.reference.people[c as usize].parents.as_deref()).and_then(|p| p.0.as_deref());
            for (_, i) in row.others.iter().filter(|(r, _)| r == "mother") {
                let birth = Birth { born, sex: child.sex, mother_year: src.norm[*i].dob.map(|d| d.year), mother: matched(src, *i) };
                if let Some(p) = birth.mother {
                    by_mother.entry(p).or_default().push(birth);
                }
                let ids = [src.norm[*i].person_id.as_deref(), birth.mother.and_then(person_id), family_mother];
                for (k, id) in ids.iter().enumerate() {
                    if let Some(id) = id.filter(|id| !ids[..k].contains(&Some(id))) {
                        by_mother_id.entry(id).or_default().push(birth);
                    }
                }
                if let Some(name) = &src.norm[*i].name {
                    by_day.entry(born).or_default().push((birth, name));
                }
            }
            // The child should reach the reference within REFERENCE_UPDATE_DAYS of registering.
            let since = day(child.registration_date).unwrap_or(born);
            // A child with a candidate to review may be in the reference: the review says so.
            if src.links[row.event].class == MatchClass::NoMatch && today - since > REFERENCE_UPDATE_DAYS {
                push(s, row.event, Finding::record(Code::BirthNotInReference));
            }
        }
    }
    if registrations.is_empty() {
        return; // no register to look in: the chain cannot be checked
    }
    for s in of_kind(SchemaKind::BirthCertificate) {
        let src = &sources[s];
        for row in &rows[s] {
            let child = &src.norm[row.event];
            let Some(born) = day(child.dob) else { continue };
            if today - born <= BIRTH_REGISTRATION_DAYS {
                continue;
            }
            let Some((_, mother)) = row.others.iter().find(|(r, _)| r == "mother") else { continue };
            let cert = Birth { born, sex: child.sex, mother_year: src.norm[*mother].dob.map(|d| d.year), mother: matched(src, *mother) };
            let by_link = cert.mother.is_some_and(|p| by_mother.get(&p).is_some_and(|v| v.iter().any(|b| b.same_child(&cert))));
            // Her personal ID, as the certificate writes it or as her linked person holds it.
            let by_id = || {
                [src.norm[*mother].person_id.as_deref(), cert.mother.and_then(person_id)]
                    .into_iter()
                    .flatten()
                    .any(|id| by_mother_id.get(id).is_some_and(|v| v.iter().any(|b| b.same_child(&cert))))
            };
            let by_name = || {
                src.norm[*mother].name.as_ref().is_some_and(|n| {
                    (born - 1..=born + 1).any(|d| by_day.get(&d).is_some_and(|v| v.iter().any(|(b, m)| b.same_birth(&cert) && names_alike(n, m))))
                })
            };
            if !by_link && !by_id() && !by_name() {
                push(s, *mother, Finding::record(Code::BirthNotRegistered));
            }
        }
    }
}

/// Two writings of one person's name as a person reading both would take them: the same
/// once folded (spaces aside: "Nguyenthe Thang"), the same by ear (the phonetic key's dialect
/// mergers), the same but for a middle name dropped or added, or one typo apart (one letter
/// added, dropped, changed or two swapped in the folded name, with the same family name).
fn names_alike(a: &Name, b: &Name) -> bool {
    let (fa, fb) = (a.folded(), b.folded());
    let letters = |s: &str| s.bytes().filter(|c| *c != b' ').collect::<Vec<u8>>();
    fa == fb
        || letters(fa) == letters(fb)
        || (!a.phonetic().is_empty() && a.phonetic() == b.phonetic())
        || (a.folded_family() == b.folded_family() && a.folded_given() == b.folded_given() && middles_nested(a, b))
        || (a.folded_family() == b.folded_family() && one_typo_apart(fa, fb))
}

/// The middle names of one is the other's with some dropped (a middle name left out or added,
/// never changed: "Nguyễn Thị Lan" and "Nguyễn Ngọc Lan" are two women).
fn middles_nested(a: &Name, b: &Name) -> bool {
    let middle = |n: &Name| -> Vec<String> {
        let rest = n.folded().strip_prefix(n.folded_family()).unwrap_or("");
        let rest = rest.strip_suffix(n.folded_given()).unwrap_or(rest);
        rest.split_whitespace().map(String::from).collect()
    };
    let (ma, mb) = (middle(a), middle(b));
    let (short, long) = if ma.len() <= mb.len() { (&ma, &mb) } else { (&mb, &ma) };
    let mut rest = long.iter();
    short.iter().all(|w| rest.any(|x| x == w))
}

/// One letter added, dropped, changed, or two neighbours swapped (OSA distance ≤ 1; lengths
/// more than one apart are not looked at).
fn one_typo_apart(a: &str, b: &str) -> bool {
    a.len().abs_diff(b.len()) <= 1 && osa::distance_with_args(a.bytes(), b.bytes(), &osa::Args::default().score_cutoff(1)).is_some()
}

/// A birth as the chain compares it: the child's day of birth and sex, and the mother.
#[derive(Clone, Copy)]
struct Birth {
    born: i32,
    sex: Option<Sex>,
    mother_year: Option<i32>,
    mother: Option<u32>,
}

/// Both known and not equal.
fn differ<T: PartialEq>(a: Option<T>, b: Option<T>) -> bool {
    a.is_some() && b.is_some() && a != b
}

impl Birth {
    /// The same child (of a mother known to be the same): born within a day, the same sex.
    fn same_child(&self, other: &Birth) -> bool {
        (self.born - other.born).abs() <= 1 && !differ(self.sex, other.sex)
    }

    /// The same birth by the mother's name: the same child, and the mother not shown to be
    /// someone else (another linked person, or a birth year more than one apart — a year
    /// one off is how the two registers' clerks differ, not two women).
    fn same_birth(&self, other: &Birth) -> bool {
        self.same_child(other) && !differ(self.mother, other.mother) && self.mother_year.zip(other.mother_year).is_none_or(|(a, b)| (a - b).abs() <= 1)
    }
}

/// A birth registration's parents against the linked child's parents in the reference, when
/// the extract holds them: a parent linked to someone else, or whose values say it is not the
/// reference's parent ([`crate::link::RecordLink::family_disagrees`]), is `PARENT_LINK_DISAGREES`.
fn parents_against_reference(src: &LinkedSource, rows: &[Row], ctx: &AssessContext, push: &mut dyn FnMut(usize, Finding)) {
    for row in rows {
        let Some(child) = matched(src, row.event) else { continue };
        let Some(parents) = ctx.reference.people[child as usize].parents.as_deref() else { continue };
        for (role, i) in &row.others {
            let expected = match role.as_str() {
                "mother" => parents.0.as_deref(),
                "father" => parents.1.as_deref(),
                _ => None,
            };
            let linked = matched(src, *i).and_then(|p| ctx.reference.features[p as usize].person_id.as_deref());
            let linked_elsewhere = expected.zip(linked).is_some_and(|(e, l)| e != l);
            if linked_elsewhere || (expected.is_some() && src.links[*i].family_disagrees) {
                push(*i, Finding::record(Code::ParentLinkDisagrees));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        crate::normalize::name::normalize_name(s, Default::default()).expect("a name").0
    }

    #[test]
    fn names_are_alike_as_a_reader_takes_them_and_other_people_are_not() {
        let alike = |a: &str, b: &str| names_alike(&name(a), &name(b));
        assert!(alike("Nguyễn Thị Lan", "NGUYEN THI LAN"), "folded");
        assert!(alike("Nguyễn Thị Lan", "Nguyễn Thị Lann"), "a typo");
        assert!(alike("Trần Văn Hoài Nam", "Trần Nam"), "a middle name dropped");
        assert!(alike("Trần Quang Tâm", "Chần Quang Tâm"), "spelt by ear");
        assert!(alike("Nguyễn Thế Thắng", "Nguyenthe Thang"), "a space lost");
        assert!(!alike("Nguyễn Thị Lan", "Nguyễn Thị Hoa"), "another woman of the family");
        assert!(!alike("Nguyễn Thị Lan", "Phạm Thị Lan"), "another family");
        assert!(alike("Trần Hoài Nam", "Trần Văn Hoài Nam"), "a middle name added");
        assert!(!alike("Nguyễn Thị Lan", "Nguyễn Ngọc Lan"), "a middle name changed: another woman");
    }
}
