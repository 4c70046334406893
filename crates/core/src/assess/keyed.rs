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

pub use super::GroupKey;
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
        Check::Duplicate => sources
            .iter()
            .map(|src| duplicates(src, &HashSet::new()).iter().enumerate().filter(|(_, d)| d.is_some()).map(|(i, _)| found(i)).collect())
            .collect(),
        Check::Died => {
            let died = died_in_registers(sources);
            sources
                .iter()
                .map(|src| src.links.iter().enumerate().filter(|(_, l)| matched(l).is_some_and(|p| died.contains(&p))).map(|(i, _)| found(i)).collect())
                .collect()
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

/// Per source, per record, the outcome of each group it owns (each check at most once).
pub type Outcomes = Vec<Vec<Vec<(Check, Outcome)>>>;

/// Every record's evidence from the outcomes of the groups it owns, with the checks within a
/// row, which need no group. The records must be whole rows.
pub fn evidence(sources: &[LinkedSource], ctx: &AssessContext, outcomes: &Outcomes) -> Vec<Vec<Evidence>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::{AssessSettings, AssessedRecord, assess_record, run};
    use crate::calendar::PartialDate;
    use crate::field::Field;
    use crate::ingest::{RawRecord, Values};
    use crate::link::{MatchClass, RecordLink};
    use crate::normalize::{NormRecord, NormalizeOptions, each_record};
    use crate::reference::Reference;
    use crate::schema::Schema;

    /// A source's records, normalized, none linked.
    struct Source {
        schema: Schema,
        raw: Vec<RawRecord>,
        norm: Vec<NormRecord>,
        links: Vec<RecordLink>,
    }

    fn source(schema: &str, rows: &[&[&[(Field, &str)]]]) -> Source {
        let schema = Schema::built_in(schema).expect("a built-in schema");
        let raw: Vec<RawRecord> = rows
            .iter()
            .enumerate()
            .flat_map(|(r, roles)| {
                roles.iter().enumerate().map(move |(role, values)| RawRecord {
                    source_row: r as u64 + 2,
                    key: None,
                    role: role as u16,
                    values: Values::of(values),
                    findings: Vec::new(),
                })
            })
            .collect();
        let norm = each_record(&raw, &NormalizeOptions::default());
        let unlinked = RecordLink {
            class: MatchClass::NoMatch,
            best: None,
            runner_up: None,
            candidates: 0,
            truncated: false,
            decided_by: Default::default(),
            family_disagrees: false,
            next_weight: None,
            broad: false,
            row_ties: false,
        };
        Source { schema, links: vec![unlinked; raw.len()], raw, norm }
    }

    /// Subsets of the sources: per source, the records at these indices.
    fn part(sources: &[LinkedSource], pick: &[Vec<usize>]) -> Vec<Source> {
        sources
            .iter()
            .zip(pick)
            .map(|(s, p)| Source {
                schema: s.schema.clone(),
                raw: p.iter().map(|&i| s.raw[i].clone()).collect(),
                norm: p.iter().map(|&i| s.norm[i].clone()).collect(),
                links: p.iter().map(|&i| s.links[i].clone()).collect(),
            })
            .collect()
    }

    fn linked(sources: &[Source]) -> Vec<LinkedSource<'_>> {
        sources.iter().map(|s| LinkedSource { schema: &s.schema, raw: &s.raw, norm: &s.norm, links: &s.links }).collect()
    }

    /// The job assessed as a cluster does: every group checked on its own, with only its records.
    fn run_keyed(sources: &[LinkedSource], ctx: &AssessContext) -> Vec<Vec<AssessedRecord>> {
        // A group: its check, its source (when per source) and key; its records and whether they own it.
        type Group = (Check, Option<usize>, GroupKey);
        let mut groups: HashMap<Group, Vec<(usize, usize, bool)>> = HashMap::new();
        for m in members(sources, ctx) {
            groups.entry((m.check, m.check.per_source().then_some(m.source), m.key)).or_default().push((m.source, m.index, m.own));
        }
        let mut outcomes: Outcomes = sources.iter().map(|s| vec![Vec::new(); s.norm.len()]).collect();
        for ((check, _, _), records) in groups {
            let mut pick = vec![Vec::new(); sources.len()];
            for &(s, i, _) in &records {
                pick[s].push(i);
            }
            pick.iter_mut().for_each(|p| p.sort_unstable());
            let group = part(sources, &pick);
            for (s, answers) in check_group(check, &linked(&group), ctx).into_iter().enumerate() {
                for (k, o) in answers {
                    let i = pick[s][k];
                    if records.contains(&(s, i, true)) {
                        outcomes[s][i].push((check, o));
                    }
                }
            }
        }
        let evidence = evidence(sources, ctx, &outcomes);
        sources.iter().zip(&evidence).map(|(src, e)| e.iter().enumerate().map(|(i, e)| assess_record(src, i, ctx, e)).collect()).collect()
    }

    #[test]
    fn checked_group_by_group_the_findings_are_the_whole_jobs() {
        use Field::*;
        let registrations = source(
            "civil_birth",
            &[
                &[
                    &[(FullName, "Lê Văn An"), (Dob, "10/03/2026"), (RegistrationDate, "12/03/2026"), (BookNo, "01/2026"), (EntryNo, "1")],
                    &[(FullName, "Nguyễn Thị Lan"), (Dob, "1990")],
                ],
                // The same child entered twice (a duplicate), in an entry after a gap.
                &[
                    &[(FullName, "Lê Văn An"), (Dob, "10/03/2026"), (RegistrationDate, "12/03/2026"), (BookNo, "01/2026"), (EntryNo, "3")],
                    &[(FullName, "Nguyễn Thị Lan"), (Dob, "1990")],
                ],
            ],
        );
        let certificates = source(
            "birth_certificate",
            &[
                // Registered, the child's birth a day later on the certificate: found across the days' groups.
                &[&[(FullName, "Nguyen Thi Lan"), (Dob, "1990")], &[(Dob, "11/03/2026"), (Sex, "Nam")]],
                &[&[(FullName, "Trần Thị Hoa"), (Dob, "1988")], &[(Dob, "13/03/2026"), (Sex, "Nữ")]],
            ],
        );
        let deaths =
            source("civil_death", &[&[&[(FullName, "Phạm Văn Bình"), (Dob, "12/06/1941"), (DeathDate, "05/06/2026"), (RegistrationDate, "06/06/2026")]]]);
        let death_certificates = source(
            "death_certificate",
            &[
                &[&[(FullName, "Pham Van Binh"), (Dob, "12/06/1941"), (DeathDate, "05/06/2026")]],
                &[&[(FullName, "Phạm Văn Bìnhh"), (Dob, "12/06/1941"), (DeathDate, "05/06/2026")]],
                &[&[(FullName, "Phạm Văn Bình"), (Dob, "12/06/1941"), (DeathDate, "07/06/2026")]],
                &[&[(FullName, "Hoàng Văn Cường"), (Dob, "01/01/1950"), (DeathDate, "01/05/2026")]],
            ],
        );
        let all = [registrations, certificates, deaths, death_certificates];
        let sources = linked(&all);
        let reference = Reference::in_memory("reference".into(), "reference".into(), Default::default(), Vec::new(), Vec::new());
        let settings = AssessSettings { stale_after_days: 365, run_date: PartialDate::ymd(2026, 11, 1) };
        let ctx = AssessContext { reference: &reference, shared_id: &[], settings: &settings, distinct: &[] };
        let whole = run(&sources, &ctx);
        let keyed = run_keyed(&sources, &ctx);
        let codes = |r: &[Vec<AssessedRecord>], s: usize, i: usize| r[s][i].findings.iter().map(|f| f.code).collect::<Vec<_>>();
        for (s, src) in sources.iter().enumerate() {
            for i in 0..src.norm.len() {
                assert_eq!(whole[s][i].findings, keyed[s][i].findings, "source {s}, record {i}");
            }
        }
        // The job's answers, so the comparison above compares something.
        assert!(codes(&whole, 0, 2).contains(&Code::DuplicateInSource) && codes(&whole, 0, 2).contains(&Code::BookEntryGap));
        assert!(!codes(&whole, 1, 0).contains(&Code::BirthNotRegistered), "registered a day apart");
        assert!(codes(&whole, 1, 2).contains(&Code::BirthNotRegistered));
        assert!(!codes(&whole, 3, 0).contains(&Code::DeathNotRegistered), "found by the name and date of birth");
        assert!(!codes(&whole, 3, 1).contains(&Code::DeathNotRegistered), "found by the day of death, a typo aside");
        assert!(codes(&whole, 3, 2).contains(&Code::DeathDateDisagrees));
        assert!(codes(&whole, 3, 3).contains(&Code::DeathNotRegistered));
    }
}
