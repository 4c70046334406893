//! The job's cross-record checks split by each check's own key, for an engine that spreads a
//! job over many tasks (lamsach-spark on a cluster): every record is put in the groups of the
//! checks it takes part in ([`members`]), each group is checked alone ([`check_group`]), and a
//! record's [`Evidence`] is gathered from the outcomes of its groups ([`evidence`]). The command
//! line runs the same checks over the whole job at once ([`super::run`]); a group's answer for
//! the records it owns is the whole job's, because everything a check compares shares its key:
//!
//! - duplicates: per source, by the linked person, else the personal ID, else the folded name
//!   and full date of birth;
//! - deaths in registers: by the linked person;
//! - books: per source, by office and book;
//! - the birth chain: by the child's day of birth (a registration is read by the groups of the
//!   days either side, which is as far as a certificate looks);
//! - the death chain: by the deceased's linked person, by the name and year of birth, and by
//!   the day of death, one group each, the first way that finds the registration deciding.

use super::civil::{Civil, CivilCheck, DeathKey, DeathLookups};
use super::{AssessContext, Evidence, LinkedSource, died_in_registers, duplicate_key, duplicates, matched};
use crate::finding::{Code, Finding};
use std::collections::{HashMap, HashSet};

/// A check that reads records across a job, by what it groups them by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Check {
    /// Records of one source that are one person (per source).
    Duplicate,
    /// A linked person's death in a death register of the job.
    Died,
    /// A civil-status check across rows.
    Civil(CivilCheck),
    /// The record's personal ID is another reference person's: answered from the reference
    /// (the engine joins the records' IDs to the extract's), not by a group of records.
    IdHeld,
}

impl Check {
    /// Every check, in the order a record's evidence is gathered.
    pub const ALL: [Check; 8] = [
        Check::Duplicate,
        Check::Died,
        Check::IdHeld,
        Check::Civil(CivilCheck::Book),
        Check::Civil(CivilCheck::Birth),
        Check::Civil(CivilCheck::Death(DeathKey::Person)),
        Check::Civil(CivilCheck::Death(DeathKey::NameAndYear)),
        Check::Civil(CivilCheck::Death(DeathKey::DayOfDeath)),
    ];

    /// Its name where an engine keeps it (a column value).
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Duplicate => "duplicate",
            Check::Died => "died",
            Check::IdHeld => "id_held",
            Check::Civil(CivilCheck::Book) => "book",
            Check::Civil(CivilCheck::Birth) => "birth",
            Check::Civil(CivilCheck::Death(DeathKey::Person)) => "death_by_person",
            Check::Civil(CivilCheck::Death(DeathKey::NameAndYear)) => "death_by_name",
            Check::Civil(CivilCheck::Death(DeathKey::DayOfDeath)) => "death_by_day",
        }
    }

    /// The check named `s` by [`Check::as_str`].
    pub fn parse(s: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Its groups are within one source (the key alone does not say which).
    pub fn per_source(self) -> bool {
        matches!(self, Check::Duplicate | Check::Civil(CivilCheck::Book))
    }
}

/// The key of a check's group.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GroupKey {
    /// A reference person (an index into the reference the checks read).
    Person(u32),
    /// Days since the epoch.
    Day(i32),
    /// Words (an ID, a name and a date, a book).
    Text(String),
}

/// A record's place in one check: the group it belongs to, and whether that group's answer is
/// its own (a birth registration is also read by the groups of the neighbouring days).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The source's index in the job.
    pub source: usize,
    /// The record's index in its source.
    pub index: usize,
    /// The check.
    pub check: Check,
    /// The group's key (within the source when [`Check::per_source`]).
    pub key: GroupKey,
    /// The group's outcome is the record's.
    pub own: bool,
}

/// Every record's places in the job's checks. The records must be whole rows of their
/// sources (a birth's child and parents together).
pub fn members(sources: &[LinkedSource], ctx: &AssessContext) -> Vec<Member> {
    let mut out = Vec::new();
    for (s, src) in sources.iter().enumerate() {
        for i in 0..src.norm.len() {
            if let Some(key) = duplicate_key(src, i) {
                out.push(Member { source: s, index: i, check: Check::Duplicate, key, own: true });
            }
            // Every linked record learns whether its person died in the job's death registers.
            if let Some(p) = matched(&src.links[i]) {
                out.push(Member { source: s, index: i, check: Check::Died, key: GroupKey::Person(p), own: true });
            }
        }
    }
    Civil::new(sources, ctx).keys(|source, index, check, key, own| out.push(Member { source, index, check: Check::Civil(check), key, own }));
    out
}

/// What one group says about one of its records: found (a duplicate, a death, a death's
/// registration) and the findings it gives (a death lookup gives the disagreement of dates
/// it would decide).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// The check found what it looks for about the record.
    pub found: bool,
    /// The findings the check gives the record, in order.
    pub findings: Vec<Finding>,
}

/// One group of one check: `sources` hold the group's records (every source of the job, most
/// of them empty in a group). Returns the outcome of each record that has one, per source.
pub fn check_group(check: Check, sources: &[LinkedSource], ctx: &AssessContext) -> Vec<HashMap<usize, Outcome>> {
    let found = |i: usize| (i, Outcome { found: true, findings: Vec::new() });
    let findings = |extra: super::civil::Extra| -> Vec<HashMap<usize, Outcome>> {
        extra.into_iter().map(|m| m.into_iter().map(|(i, findings)| (i, Outcome { found: false, findings })).collect()).collect()
    };
    match check {
        Check::Duplicate => sources.iter().map(|src| duplicates(src, &HashSet::new()).iter().enumerate().filter(|(_, d)| d.is_some()).map(|(i, _)| found(i)).collect()).collect(),
        Check::Died => {
            let died = died_in_registers(sources);
            sources.iter().map(|src| src.links.iter().enumerate().filter(|(_, l)| matched(l).is_some_and(|p| died.contains(&p))).map(|(i, _)| found(i)).collect()).collect()
        }
        Check::IdHeld => vec![HashMap::new(); sources.len()],
        Check::Civil(CivilCheck::Book) => findings(Civil::new(sources, ctx).book_findings()),
        Check::Civil(CivilCheck::Birth) => findings(Civil::new(sources, ctx).birth_findings()),
        Check::Civil(CivilCheck::Death(by)) => Civil::new(sources, ctx)
            .death_lookups(by)
            .into_iter()
            .map(|m| {
                let disagrees = |d: bool| if d { vec![Finding::new(crate::field::Field::DeathDate, Code::DeathDateDisagrees)] } else { Vec::new() };
                m.into_iter().map(|(i, d)| (i, Outcome { found: true, findings: disagrees(d) })).collect()
            })
            .collect(),
    }
}

/// Every record's evidence from the outcomes of the groups it owns (`outcomes[source][index]`,
/// each check at most once), with the checks within a row, which need no group. The records
/// must be whole rows.
pub fn evidence(sources: &[LinkedSource], ctx: &AssessContext, outcomes: &[Vec<Vec<(Check, Outcome)>>]) -> Vec<Vec<Evidence>> {
    let civil = Civil::new(sources, ctx);
    let mut rows = civil.row_findings();
    let lookups: [DeathLookups; 3] = DeathKey::ALL.map(|by| {
        outcomes
            .iter()
            .map(|per_record| {
                per_record
                    .iter()
                    .enumerate()
                    .filter_map(|(i, o)| o.iter().find(|(c, _)| *c == Check::Civil(CivilCheck::Death(by))).map(|(_, o)| (i, !o.findings.is_empty())))
                    .collect()
            })
            .collect()
    });
    let mut deaths = civil.death_findings(&lookups);
    outcomes
        .iter()
        .enumerate()
        .map(|(s, per_record)| {
            per_record
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let of = |check: Check| o.iter().find(|(c, _)| *c == check).map(|(_, o)| o);
                    let found = |check: Check| of(check).is_some_and(|o| o.found);
                    let mut civil = rows[s].remove(&i).unwrap_or_default();
                    for check in [CivilCheck::Book, CivilCheck::Birth] {
                        civil.extend(of(Check::Civil(check)).into_iter().flat_map(|o| o.findings.iter().cloned()));
                    }
                    civil.extend(deaths[s].remove(&i).unwrap_or_default());
                    Evidence { duplicate: found(Check::Duplicate), id_held_by_other: found(Check::IdHeld), died_in_register: found(Check::Died), civil }
                })
                .collect()
        })
        .collect()
}
