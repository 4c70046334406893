//! Assess: đúng, đủ, sạch, sống for every record, every finding with its
//! dimension and severity, and corrections proposed from the reference.
//!
//! Score of a dimension = 100 − 40 per error − 15 per warning (floor 0); a
//! record passes a dimension when it has no error finding in it.

use crate::field::Field;
use crate::finding::{Code, Dimension, Finding, Severity, SuggestedFrom};
use crate::ingest::IngestedSource;
use crate::link::{Linked, MatchClass};
use crate::normalize::date::{PartialDate, Precision};
use crate::normalize::{NormRecord, Status};
use crate::reference::Reference;
use crate::schema::SchemaKind;
use std::collections::HashMap;

/// Settings from the job's `[assess]` table.
#[derive(Clone, Debug)]
pub struct AssessSettings {
    /// A record not updated for longer than this is stale (RECORD_STALE).
    pub stale_after_days: u32,
    /// The day the run describes (today, unless a test pins it).
    pub run_date: PartialDate,
}

#[derive(Clone, Debug)]
pub struct AssessedRecord {
    pub findings: Vec<Finding>,
    /// By `Dimension::index`.
    pub scores: [u8; 4],
    pub pass: [bool; 4],
}

impl AssessedRecord {
    pub fn passes(&self) -> bool {
        self.pass.iter().all(|p| *p)
    }
}

pub struct Assessed {
    /// `records[s][i]` for source s, record i.
    pub records: Vec<Vec<AssessedRecord>>,
}

/// Score and pass flag of each dimension from a list of findings.
pub fn score(findings: &[Finding]) -> ([u8; 4], [bool; 4]) {
    let mut penalty = [0u32; 4];
    let mut pass = [true; 4];
    for f in findings {
        let d = f.code.dimension().index();
        penalty[d] += f.code.severity().penalty();
        if f.code.severity() == Severity::Error {
            pass[d] = false;
        }
    }
    (penalty.map(|p| 100u32.saturating_sub(p) as u8), pass)
}

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

/// Runs the assessment over every source.
pub fn run(sources: &[IngestedSource], normalized: &[Vec<NormRecord>], linked: &Linked, reference: &Reference, settings: &AssessSettings) -> Assessed {
    // The reference person each personal ID belongs to.
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(reference.people.len());
    for (i, f) in reference.features.iter().enumerate() {
        if let Some(id) = f.person_id.as_deref() {
            by_id.entry(id).or_insert(i);
        }
    }
    // People marked deceased by a death register in this job.
    let mut died: HashMap<u32, usize> = HashMap::new();
    for (s, src) in sources.iter().enumerate() {
        if src.schema.kind == SchemaKind::Death {
            for l in &linked.records[s] {
                if l.class == MatchClass::Match
                    && let Some(b) = &l.best
                {
                    died.insert(b.ref_idx, s);
                }
            }
        }
    }
    let stale_before = settings.run_date.days_since_epoch().map(|d| d - settings.stale_after_days as i32);
    let mut out = Vec::with_capacity(sources.len());
    for (s, src) in sources.iter().enumerate() {
        let is_death_register = src.schema.kind == SchemaKind::Death;
        let roles = src.schema.roles();
        // Duplicate groups: linked person, else personal ID, else name + full date of birth.
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, n) in normalized[s].iter().enumerate() {
            let l = &linked.records[s][i];
            // A reference person several records match is one person listed twice. Two
            // people merely unsure about one candidate (review) are not: they group by
            // their own ID or name and date of birth like unlinked records.
            let key = match (&l.best, l.class) {
                (Some(b), MatchClass::Match) => Some(format!("r{}", b.ref_idx)),
                _ => n.person_id.as_ref().map(|id| format!("i{id}")).or_else(|| {
                    let name = n.name.as_ref()?;
                    let d = n.dob.filter(|d| d.precision() == Precision::Day)?;
                    Some(format!("n{}|{}", name.folded(), d.iso()))
                }),
            };
            if let Some(k) = key {
                groups.entry(k).or_default().push(i);
            }
        }
        let mut duplicate = vec![false; normalized[s].len()];
        for members in groups.values().filter(|m| m.len() > 1) {
            for &i in members {
                duplicate[i] = true;
            }
        }
        let mut records = Vec::with_capacity(normalized[s].len());
        for (i, n) in normalized[s].iter().enumerate() {
            let raw = &src.records[i];
            let role = &roles[raw.role as usize];
            let mut f = n.findings.clone();
            // đủ
            for field in src.schema.required_fields(role) {
                if raw.values.get(field).is_none() {
                    f.push(Finding::new(field, Code::RequiredMissing));
                }
            }
            if let Some(d) = n.dob
                && d.precision() < src.schema.dob_precision
            {
                f.push(Finding::new(Field::Dob, Code::DobImprecise));
            }
            if duplicate[i] {
                f.push(Finding::record(Code::DuplicateInSource));
            }
            // đúng
            let l = &linked.records[s][i];
            if l.truncated {
                f.push(Finding::record(Code::BlockTruncated));
            }
            if l.best.as_ref().is_some_and(|b| linked.shared_id[b.ref_idx as usize]) {
                f.push(Finding::new(Field::PersonId, Code::IdSharedInReference));
            }
            match (l.class, &l.best) {
                (MatchClass::NoMatch, _) | (_, None) => f.push(Finding::record(Code::NoLink)),
                (MatchClass::Review, Some(_)) => f.push(Finding::record(Code::LinkReview)),
                (MatchClass::Match, Some(b)) => {
                    let rp = &reference.people[b.ref_idx as usize];
                    let r = &reference.features[b.ref_idx as usize];
                    // Names: a different name is an error; the same name badly written gets the reference spelling.
                    if let Some(name) = &n.name
                        && r.has_name()
                    {
                        if name.folded() != r.name.folded() {
                            f.push(Finding::new(Field::FullName, Code::NameDiffers).suggest(r.name.full().to_string(), SuggestedFrom::Reference));
                        } else if name.full() != r.name.full() {
                            // Unaccented is only wrong against evidence: the same person's name with marks.
                            if !name.has_diacritics && r.name.has_diacritics {
                                f.push(
                                    Finding::new(Field::FullName, Code::NameDiacriticsFromReference)
                                        .suggest(r.name.full().to_string(), SuggestedFrom::Reference),
                                );
                            }
                            for code in [Code::NameLegacyEncoding, Code::NameAllCaps, Code::NameToneStyle, Code::NameMixedCase] {
                                set_suggestion(&mut f, Field::FullName, code, r.name.full());
                            }
                        }
                    } else if n.name.is_none() && r.has_name() {
                        set_suggestion(&mut f, Field::FullName, Code::RequiredMissing, r.name.full());
                    }
                    if let Some(rd) = r.dob {
                        match n.dob {
                            Some(d) if d.precision() == Precision::Day && rd.precision() == Precision::Day && d != rd => {
                                f.push(Finding::new(Field::Dob, Code::DobDiffers).suggest(rd.display_vi(), SuggestedFrom::Reference));
                            }
                            Some(d) if d.year != rd.year => {
                                f.push(Finding::new(Field::Dob, Code::DobDiffers).suggest(rd.display_vi(), SuggestedFrom::Reference));
                            }
                            Some(d) if d.precision() < rd.precision() => {
                                set_suggestion(&mut f, Field::Dob, Code::DobImprecise, &rd.display_vi());
                            }
                            None => {
                                set_suggestion(&mut f, Field::Dob, Code::RequiredMissing, &rd.display_vi());
                            }
                            _ => {}
                        }
                    }
                    if let (Some(sx), Some(rs)) = (n.sex, r.sex)
                        && sx != rs
                    {
                        f.push(Finding::new(Field::Sex, Code::SexDiffers).suggest(rs.label_vi(), SuggestedFrom::Reference));
                    }
                    match (&n.person_id, &r.person_id) {
                        (Some(id), Some(rid)) if id != rid => {
                            f.push(Finding::new(Field::PersonId, Code::IdDiffers).suggest(rid.clone(), SuggestedFrom::Reference));
                            if by_id.get(id.as_str()).is_some_and(|&o| o != b.ref_idx as usize) {
                                f.push(Finding::new(Field::PersonId, Code::IdOtherPerson));
                            }
                        }
                        (None, Some(rid)) => {
                            f.push(Finding::new(Field::PersonId, Code::IdFromReference).suggest(rid.clone(), SuggestedFrom::Reference));
                        }
                        _ => {}
                    }
                    // sống
                    if !is_death_register {
                        if rp.status == Some(Status::Deceased) {
                            f.push(Finding::record(Code::DeceasedInReference));
                        } else if died.contains_key(&b.ref_idx) {
                            f.push(Finding::record(Code::DeceasedInRegister));
                        }
                    }
                    if let (Some(c), Some(rc)) = (n.commune.as_ref().and_then(|c| c.current_code.as_ref()), &r.commune)
                        && c != rc
                    {
                        f.push(Finding::new(Field::Commune, Code::CommuneDiffers).suggest(rc.clone(), SuggestedFrom::Reference));
                    }
                }
            }
            if let (Some(u), Some(limit)) = (n.updated_at.and_then(|d| d.days_since_epoch()), stale_before)
                && u < limit
                && !is_death_register
            {
                f.push(Finding::new(Field::UpdatedAt, Code::RecordStale));
            }
            let (scores, pass) = score(&f);
            records.push(AssessedRecord { findings: f, scores, pass });
        }
        out.push(records);
    }
    Assessed { records: out }
}

/// Pass rate and mean score of each dimension over some records.
pub fn dimension_summary<'a>(records: impl Iterator<Item = &'a AssessedRecord>) -> (u64, [f64; 4], [f64; 4], f64) {
    let mut n = 0u64;
    let mut mean = [0.0; 4];
    let mut pass = [0.0; 4];
    let mut all = 0.0;
    for r in records {
        n += 1;
        for d in Dimension::ALL {
            mean[d.index()] += r.scores[d.index()] as f64;
            pass[d.index()] += r.pass[d.index()] as u8 as f64;
        }
        all += r.passes() as u8 as f64;
    }
    if n > 0 {
        for d in 0..4 {
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
        assert_eq!(s, [60, 100, 85, 85]);
        assert_eq!(p, [false, true, true, true]);
        let (s, p) = score(&[]);
        assert_eq!(s, [100; 4]);
        assert_eq!(p, [true; 4]);
    }
}
