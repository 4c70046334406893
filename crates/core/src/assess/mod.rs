//! Assess: đúng, đủ, sạch, sống for every record, every finding with its
//! dimension and severity, and corrections proposed from the reference.
//!
//! Score of a dimension = 100 − 40 per error − 15 per warning (floor 0); a
//! record passes a dimension when it has no error finding in it.

#![warn(missing_docs)]

mod civil;
pub mod keyed;

pub use civil::{BIRTH_REGISTRATION_DAYS, DEATH_REGISTRATION_DAYS, FATHER_AGE, MOTHER_AGE, REFERENCE_UPDATE_DAYS};
pub use civil::{CivilCheck, DeathKey};

use crate::calendar::{PartialDate, Precision};
use crate::field::Field;
use crate::finding::{Code, Dimension, Finding, Handling, PerDimension, Priority, Severity, SuggestedFrom};
use crate::ingest::RawRecord;
use crate::link::features::Features;
use crate::link::similarity::jaro_winkler;
use crate::link::{MatchClass, RecordLink};
use crate::normalize::{NormRecord, Status};
use crate::reference::Reference;
use crate::schema::{Schema, SchemaKind};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// Settings from the job's `[assess]` table.
#[derive(Clone, Debug)]
pub struct AssessSettings {
    /// A record not updated for longer than this is stale (RECORD_STALE).
    pub stale_after_days: u32,
    /// The day the run describes (today, unless a test pins it).
    pub run_date: PartialDate,
}

#[derive(Clone, Debug)]
/// One record assessed: its findings and, per dimension, its score and whether it passes.
pub struct AssessedRecord {
    /// Normalizer findings first, then the dimension checks in order.
    pub findings: Vec<Finding>,
    /// 0–100 per dimension (see [`score`]).
    pub scores: PerDimension<u8>,
    /// No error finding in the dimension.
    pub pass: PerDimension<bool>,
    /// The first record (by index) of the source's records that are this one's person
    /// (`DUPLICATE_IN_SOURCE`), itself for the first: the worklist shows a group as one row.
    pub duplicate_of: Option<u32>,
}

impl AssessedRecord {
    /// Passes all four dimensions.
    pub fn passes(&self) -> bool {
        self.pass.0.iter().all(|p| *p)
    }

    /// The most urgent reason the record needs an officer, if it does (the worklist's order;
    /// an officer's decision can still keep it off the worklist).
    pub fn most_urgent(&self) -> Option<Priority> {
        self.findings
            .iter()
            .filter_map(|f| match f.handling_among(&self.findings) {
                Handling::Officer(p) => Some(p),
                _ => None,
            })
            .min()
    }

    /// Values a machine can correct on the record (its rows of corrections.parquet).
    pub fn corrections(&self) -> u64 {
        self.findings.iter().filter(|f| f.handling() == Handling::Correction).count() as u64
    }
}

/// The 2025 commune a record is counted under: its own, else its matched person's.
pub fn commune_of(norm: &NormRecord, link: &RecordLink, reference: &Reference) -> Option<String> {
    norm.commune.as_ref().and_then(|c| c.current_code.clone()).or_else(|| {
        (link.class == MatchClass::Match)
            .then(|| link.best.as_ref().and_then(|b| reference.features[b.ref_idx as usize].commune.as_ref().map(|c| c.to_string())))
            .flatten()
    })
}

/// Score and pass flag of each dimension from a list of findings.
pub fn score(findings: &[Finding]) -> (PerDimension<u8>, PerDimension<bool>) {
    let mut penalty = PerDimension::splat(0u32);
    let mut pass = PerDimension::splat(true);
    for f in findings {
        let d = f.code.dimension();
        penalty[d] += f.code.severity().penalty();
        if f.code.severity() == Severity::Error {
            pass[d] = false;
        }
    }
    (PerDimension(penalty.0.map(|p| MAX_SCORE.saturating_sub(p) as u8)), pass)
}

/// A dimension's score with no finding against it.
pub const MAX_SCORE: u32 = 100;

/// Gives the finding `code` on `field` the reference's value as its suggestion.
fn set_suggestion(findings: &mut [Finding], field: Field, code: Code, value: &str) -> bool {
    if let Some(f) = findings.iter_mut().find(|f| f.code == code && f.field == Some(field) && f.suggested_from != Some(SuggestedFrom::Reference)) {
        f.suggested = Some(value.to_string());
        f.suggested_from = Some(SuggestedFrom::Reference);
        true
    } else {
        false
    }
}

/// One source as assess sees it: its schema and, per record, the raw values, the
/// normalized record and the link, in the same order.
#[derive(Clone, Copy)]
pub struct LinkedSource<'a> {
    /// The register's schema (roles, required fields, kind).
    pub schema: &'a Schema,
    /// The records as read.
    pub raw: &'a [RawRecord],
    /// Their normalized values.
    pub norm: &'a [NormRecord],
    /// Their links to the reference.
    pub links: &'a [RecordLink],
}

/// What every record is assessed against.
pub struct AssessContext<'a> {
    /// The reference extract the records were linked to.
    pub reference: &'a Reference,
    /// Per reference person: another row of the extract has the same personal ID.
    pub shared_id: &'a [bool],
    /// The job's `[assess]` settings.
    pub settings: &'a AssessSettings,
    /// Per source: records an officer decided are not the person the others of their
    /// duplicate group are ("Khác người"); they are grouped with nobody.
    pub distinct: &'a [HashSet<usize>],
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

/// What a record's checks learn from the other records of the job and from reference people
/// other than its own: gathered over the whole job by [`run`], or check by check over groups
/// sharing the check's key by a cluster ([`keyed`]).
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// Another record of its source is the same person (`DUPLICATE_IN_SOURCE`).
    pub duplicate: bool,
    /// Its personal ID, not its linked person's, is another reference person's (`ID_OTHER_PERSON`).
    pub id_held_by_other: bool,
    /// Its linked person died in one of the job's death registers (`DECEASED_IN_REGISTER`).
    pub died_in_register: bool,
    /// The civil-status findings (rows, books, chains), in order.
    pub civil: Vec<Finding>,
}

/// Facts about the reference and the whole job, gathered once.
struct JobFacts<'a> {
    /// The reference person each personal ID belongs to.
    by_id: HashMap<&'a str, usize>,
    /// Reference people a death register in this job matched.
    died: HashSet<u32>,
}

impl<'a> JobFacts<'a> {
    fn gather(sources: &[LinkedSource], ctx: &AssessContext<'a>) -> JobFacts<'a> {
        let people = &ctx.reference.features;
        // Only the IDs of matched records that differ from their person's are looked up: the
        // extract is scanned for those (in parallel) instead of mapping every ID (a 10M-entry
        // map built on one thread took seconds).
        let asked: HashSet<&str> = sources
            .par_iter()
            .flat_map(|s| s.norm.par_iter().zip(s.links.par_iter()))
            .filter_map(|(n, l)| {
                let b = l.best.as_ref().filter(|_| l.class == MatchClass::Match)?;
                let id = n.person_id.as_deref()?;
                (people[b.ref_idx as usize].person_id.as_deref() != Some(id)).then_some(id)
            })
            .collect();
        let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(asked.len());
        let found: Vec<(usize, &str)> =
            people.par_iter().enumerate().filter_map(|(i, f)| f.person_id.as_deref().filter(|id| asked.contains(id)).map(|id| (i, id))).collect();
        for (i, id) in found {
            by_id.entry(id).or_insert(i);
        }
        JobFacts { by_id, died: died_in_registers(sources) }
    }

    /// The record's evidence about the reference and the job's deaths.
    fn of(&self, n: &NormRecord, l: &RecordLink) -> (bool, bool) {
        let Some(p) = matched(l) else { return (false, false) };
        let held = n.person_id.as_deref().and_then(|id| self.by_id.get(id)).is_some_and(|&o| o != p as usize);
        (held, self.died.contains(&p))
    }
}

/// The reference person a record is linked to, when it is a match.
fn matched(l: &RecordLink) -> Option<u32> {
    l.best.as_ref().filter(|_| l.class == MatchClass::Match).map(|b| b.ref_idx)
}

/// Reference people a death register's deceased (its event record) is linked to.
fn died_in_registers(sources: &[LinkedSource]) -> HashSet<u32> {
    sources
        .iter()
        .filter(|s| s.schema.kind.is_death())
        .flat_map(|s| s.raw.iter().zip(s.links.iter()).filter(|(raw, _)| s.schema.is_event_role(raw.role)).map(|(_, l)| l))
        .filter_map(matched)
        .collect()
}

/// The day (since the epoch) before which a record is stale.
fn stale_before(settings: &AssessSettings) -> Option<i32> {
    settings.run_date.days_since_epoch().map(|d| d - settings.stale_after_days as i32)
}

/// The assess stage: per source, per record, its findings and scores, in order.
pub fn run(sources: &[LinkedSource], ctx: &AssessContext) -> Vec<Vec<AssessedRecord>> {
    let facts = JobFacts::gather(sources, ctx);
    let mut civil = civil::Civil::new(sources, ctx).findings();
    sources
        .iter()
        .zip(&mut civil)
        .enumerate()
        .map(|(s, (src, civil))| {
            let duplicate = duplicates(src, ctx.distinct.get(s).unwrap_or(&HashSet::new()));
            let evidence: Vec<Evidence> = (0..src.norm.len())
                .map(|i| {
                    let (id_held_by_other, died_in_register) = facts.of(&src.norm[i], &src.links[i]);
                    Evidence { duplicate: duplicate[i].is_some(), id_held_by_other, died_in_register, civil: civil.remove(&i).unwrap_or_default() }
                })
                .collect();
            // Each record's findings depend on its evidence only: in parallel.
            evidence.into_par_iter().enumerate().map(|(i, e)| AssessedRecord { duplicate_of: duplicate[i], ..assess_record(src, i, ctx, &e) }).collect()
        })
        .collect()
}

/// One record's findings and scores, from its own values, its link and its [`Evidence`]
/// (`duplicate_of` is left for the caller, who knows the groups).
pub fn assess_record(src: &LinkedSource, i: usize, ctx: &AssessContext, evidence: &Evidence) -> AssessedRecord {
    let (raw, n, l) = (&src.raw[i], &src.norm[i], &src.links[i]);
    let event = src.schema.is_event_role(raw.role);
    let mut f = n.findings.clone();
    complete(src.schema, raw, n, &mut f);
    if evidence.duplicate {
        // Sạch: each person once.
        f.push(Finding::record(Code::DuplicateInSource));
    }
    correct(n, l, ctx, evidence, &mut f);
    if event && matches!(src.schema.kind, SchemaKind::BirthCertificate | SchemaKind::BirthRegistration) {
        // A newborn is not yet in the reference: the birth chain says when that is a
        // finding (BIRTH_NOT_IN_REFERENCE), and a certificate's child is never linked work.
        let newborn_links = if src.schema.kind == SchemaKind::BirthCertificate { &[Code::NoLink, Code::LinkReview][..] } else { &[Code::NoLink][..] };
        f.retain(|x| !newborn_links.contains(&x.code));
    }
    if !event {
        // The registration's own fields (date, office, book, entry) are the event
        // record's: a parent's record does not repeat their findings.
        f.retain(|x| !x.field.is_some_and(|fl| ROW_FIELDS.contains(&fl)));
    }
    live(n, l, ctx, evidence, src.schema.kind.is_death() && event, &mut f);
    f.extend(evidence.civil.iter().cloned());
    let (scores, pass) = score(&f);
    AssessedRecord { findings: f, scores, pass, duplicate_of: None }
}

/// A civil-status row's fields, which belong to its event record, not to each person on it.
const ROW_FIELDS: [Field; 4] = [Field::RegistrationDate, Field::RegistryOffice, Field::BookNo, Field::EntryNo];

/// What makes a record of a source the same person as another of that source: the reference
/// person it matched; else its personal ID; else its folded full name and full date of birth.
/// A parent on two birth registrations has two children, not two entries: only the record a
/// register is about (the child, the deceased) has a key.
fn duplicate_key(src: &LinkedSource, i: usize) -> Option<GroupKey> {
    if !src.schema.is_event_role(src.raw[i].role) {
        return None;
    }
    let n = &src.norm[i];
    matched(&src.links[i]).map(GroupKey::Person).or_else(|| {
        n.person_id.as_deref().map(|id| GroupKey::Text(format!("id\u{1f}{id}"))).or_else(|| {
            let name = n.name.as_ref()?;
            let d = n.dob.filter(|d| d.precision() == Precision::Day)?;
            Some(GroupKey::Text(format!("name\u{1f}{}\u{1f}{}-{}-{}", name.folded(), d.year, d.month, d.day)))
        })
    })
}

/// Per record: another record of the same source is the same person ([`duplicate_key`]). A
/// reference person several records match is one person listed twice; two people merely unsure
/// about one candidate (review) are not, and group by their own ID or name and date of birth
/// like unlinked records. Each member gets its group's first record; records in `distinct`
/// are in no group.
fn duplicates(src: &LinkedSource, distinct: &HashSet<usize>) -> Vec<Option<u32>> {
    let mut groups: HashMap<GroupKey, Vec<usize>> = HashMap::new();
    for i in (0..src.norm.len()).filter(|i| !distinct.contains(i)) {
        if let Some(k) = duplicate_key(src, i) {
            groups.entry(k).or_default().push(i);
        }
    }
    let mut duplicate = vec![None; src.norm.len()];
    for members in groups.values().filter(|m| m.len() > 1) {
        for &i in members {
            duplicate[i] = Some(members[0] as u32);
        }
    }
    duplicate
}

/// Đủ: required values present, the date of birth as precise as the register needs.
fn complete(schema: &Schema, raw: &RawRecord, n: &NormRecord, f: &mut Vec<Finding>) {
    let role = schema.roles.get(raw.role as usize).map_or("subject", String::as_str);
    for field in schema.required_fields(role) {
        if raw.values.get(field).is_none() {
            f.push(Finding::new(field, Code::RequiredMissing));
        }
    }
    let dob_required = schema.roles.is_empty() || schema.required_fields(role).contains(&Field::Dob);
    if let Some(d) = n.dob
        && d.precision() < schema.dob_precision
        && dob_required
    {
        f.push(Finding::new(Field::Dob, Code::DobImprecise));
    }
}

/// Đúng: the link itself, then every value against the matched reference person.
fn correct(n: &NormRecord, l: &RecordLink, ctx: &AssessContext, evidence: &Evidence, f: &mut Vec<Finding>) {
    if l.truncated {
        f.push(Finding::record(Code::BlockTruncated));
    }
    if l.best.as_ref().is_some_and(|b| ctx.shared_id[b.ref_idx as usize]) {
        f.push(Finding::new(Field::PersonId, Code::IdSharedInReference));
    }
    match (l.class, &l.best) {
        (MatchClass::NoMatch, _) | (_, None) => f.push(Finding::record(Code::NoLink)),
        (MatchClass::Review, Some(_)) => f.push(Finding::record(Code::LinkReview)),
        (MatchClass::Match, Some(b)) => {
            let r = &ctx.reference.features[b.ref_idx as usize];
            name_against_reference(n, r, f);
            dob_against_reference(n, r, f);
            match (n.sex, r.sex) {
                (Some(sx), Some(rs)) if sx != rs => {
                    f.push(Finding::new(Field::Sex, Code::SexDiffers).suggest(rs.label_vi(), SuggestedFrom::Reference));
                }
                (None, Some(rs)) => {
                    for code in [Code::RequiredMissing, Code::SexUnknown] {
                        set_suggestion(f, Field::Sex, code, rs.label_vi());
                    }
                }
                _ => {}
            }
            match (&n.person_id, &r.person_id) {
                (Some(id), Some(rid)) if id != rid => {
                    f.push(Finding::new(Field::PersonId, Code::IdDiffers).suggest(rid.clone(), SuggestedFrom::Reference));
                    if evidence.id_held_by_other {
                        f.push(Finding::new(Field::PersonId, Code::IdOtherPerson));
                    }
                }
                (None, Some(rid)) => {
                    f.push(Finding::new(Field::PersonId, Code::IdFromReference).suggest(rid.clone(), SuggestedFrom::Reference));
                }
                (Some(id), Some(rid)) if id == rid => reference_owns_id_faults(n, r, f),
                _ => {}
            }
        }
    }
}

/// The record carries its reference person's own ID: a fault inside that ID (its birth
/// year, sex digit or province) which the reference person's values share is the
/// reference's, not the register's, which copied it faithfully; the register's source
/// has nothing to fix.
fn reference_owns_id_faults(n: &NormRecord, r: &Features, f: &mut Vec<Finding>) {
    let shared = |code: Code| match code {
        Code::IdBirthYearMismatch => n.dob.zip(r.dob).is_some_and(|(d, rd)| d.year == rd.year),
        Code::IdSexMismatch => n.sex.is_some() && n.sex == r.sex,
        Code::IdProvinceUnknown => true,
        _ => false,
    };
    let before = f.len();
    f.retain(|x| !(x.field == Some(Field::PersonId) && shared(x.code)));
    if f.len() < before {
        f.push(Finding::new(Field::PersonId, Code::IdInconsistentInReference));
    }
}

/// Folded names this similar (Jaro–Winkler) under one personal ID are one name misspelt.
const SAME_NAME_MISSPELT: f64 = 0.85;

/// A different name is an error, unless the personal ID vouches for the person and the
/// names are close (a misspelling: the reference spelling is the correction); the same name
/// badly written gets the reference spelling.
fn name_against_reference(n: &NormRecord, r: &Features, f: &mut Vec<Finding>) {
    if let Some(name) = &n.name
        && r.has_name()
    {
        if name.folded() != r.name.folded() {
            let same_id = n.person_id.is_some() && n.person_id.as_deref() == r.person_id.as_deref();
            let close = jaro_winkler(name.folded().as_bytes(), r.name.folded().as_bytes()) >= SAME_NAME_MISSPELT;
            let code = if same_id && close { Code::NameSpellingFromReference } else { Code::NameDiffers };
            f.push(Finding::new(Field::FullName, code).suggest(r.name.full().to_string(), SuggestedFrom::Reference));
        } else if name.full() != r.name.full() {
            // Unaccented is only wrong against evidence: the same person's name with marks.
            if !name.has_diacritics && r.name.has_diacritics {
                f.push(Finding::new(Field::FullName, Code::NameDiacriticsFromReference).suggest(r.name.full().to_string(), SuggestedFrom::Reference));
            }
            for code in [Code::NameLegacyEncoding, Code::NameAllCaps, Code::NameToneStyle, Code::NameMixedCase] {
                set_suggestion(f, Field::FullName, code, r.name.full());
            }
        }
    } else if n.name.is_none() && r.has_name() {
        set_suggestion(f, Field::FullName, Code::RequiredMissing, r.name.full());
    }
}

fn dob_against_reference(n: &NormRecord, r: &Features, f: &mut Vec<Finding>) {
    let Some(rd) = r.dob else { return };
    match n.dob {
        Some(d) if d.precision() == Precision::Day && rd.precision() == Precision::Day && d != rd => {
            f.push(Finding::new(Field::Dob, Code::DobDiffers).suggest(rd.display_vi(), SuggestedFrom::Reference));
        }
        Some(d) if d.year != rd.year => {
            f.push(Finding::new(Field::Dob, Code::DobDiffers).suggest(rd.display_vi(), SuggestedFrom::Reference));
        }
        Some(d) if d.precision() < rd.precision() => {
            set_suggestion(f, Field::Dob, Code::DobImprecise, &rd.display_vi());
        }
        None => {
            // Missing, or written so it cannot be a date: the reference person's is the value.
            for code in [Code::RequiredMissing, Code::DateUnparseable, Code::DateImpossible] {
                set_suggestion(f, Field::Dob, code, &rd.display_vi());
            }
        }
        _ => {}
    }
}

/// Sống: alive by the reference and this job's death registers, living where the
/// reference says, updated recently. On a death register, a person the reference still
/// shows alive means the population database has not been updated.
fn live(n: &NormRecord, l: &RecordLink, ctx: &AssessContext, evidence: &Evidence, is_death_register: bool, f: &mut Vec<Finding>) {
    let reference = ctx.reference;
    if let (MatchClass::Match, Some(b)) = (l.class, &l.best) {
        let dead_in_reference = reference.people[b.ref_idx as usize].status == Some(Status::Deceased);
        if is_death_register {
            if !dead_in_reference {
                f.push(Finding::record(Code::DeathNotInReference));
            }
        } else if dead_in_reference {
            f.push(Finding::record(Code::DeceasedInReference));
        } else if evidence.died_in_register {
            f.push(Finding::record(Code::DeceasedInRegister));
        }
        if let (Some(c), Some(rc)) = (n.commune.as_ref().and_then(|c| c.current_code.as_ref()), &reference.features[b.ref_idx as usize].commune)
            && c != rc
        {
            f.push(Finding::new(Field::Commune, Code::CommuneDiffers).suggest(rc.clone(), SuggestedFrom::Reference));
        }
    }
    if let (Some(u), Some(limit)) = (n.updated_at.and_then(|d| d.days_since_epoch()), stale_before(ctx.settings))
        && u < limit
        && !is_death_register
    {
        f.push(Finding::new(Field::UpdatedAt, Code::RecordStale));
    }
}

/// Pass rate and mean score of each dimension over some records.
pub fn dimension_summary<'a>(records: impl Iterator<Item = &'a AssessedRecord>) -> (u64, PerDimension<f64>, PerDimension<f64>, f64) {
    let mut n = 0u64;
    let mut mean = PerDimension::splat(0.0);
    let mut pass = PerDimension::splat(0.0);
    let mut all = 0.0;
    for r in records {
        n += 1;
        for d in Dimension::ALL {
            mean[d] += r.scores[d] as f64;
            pass[d] += r.pass[d] as u8 as f64;
        }
        all += r.passes() as u8 as f64;
    }
    if n > 0 {
        for d in Dimension::ALL {
            mean[d] /= n as f64;
            pass[d] /= n as f64;
        }
        all /= n as f64;
    }
    (n, mean, pass, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_the_documented_formula() {
        let f = vec![
            Finding::record(Code::NoLink),
            Finding::new(Field::FullName, Code::NameAllCaps),
            Finding::new(Field::Phone, Code::PhoneMalformed),
            Finding::record(Code::RecordStale),
        ];
        let (s, p) = score(&f);
        assert_eq!(s.0, [60, 100, 85, 85]);
        assert_eq!(p.0, [false, true, true, true]);
        let (s, p) = score(&[]);
        assert_eq!(s.0, [100; 4]);
        assert_eq!(p.0, [true; 4]);
    }
}
