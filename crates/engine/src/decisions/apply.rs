//! How tonight's run honours the decisions in effect. Before linking: each decision finds
//! its record by source and key; a record gone is orphaned, a record whose values changed
//! is reopened, a confirmed or officer-supplied person becomes the link, a rejected person
//! is never a candidate again. After assessing: an accepted suggestion or a fix at source
//! stays pending until the record's findings are gone, then closes.

use super::store::{StatusChange, StoredDecision};
use super::{Decision, RecordDecision, Status};
use crate::finding::{Code, Finding};
use crate::ingest::keys::base_of;
use crate::link::features::Features;
use crate::link::similarity::jaro_winkler;
use crate::link::{Overrides, RecordAt};
use crate::reference::{Reference, person_key};
use crate::table::SourceRun;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// The decisions in effect, resolved against tonight's records.
#[derive(Default)]
pub struct Resolution {
    /// Per source: record index → its decision.
    per_source: Vec<HashMap<usize, RecordDecision>>,
    /// Source name → index in `per_source`.
    names: HashMap<String, usize>,
    /// Decisions waiting for assess (a suggestion applied, a fix at source): where, and
    /// whether the record changed since.
    deferred: Vec<(usize, usize, StoredDecision, bool)>,
    /// What the linker must honour.
    pub overrides: Overrides,
    /// Per source: records officers decided are different people from their duplicate
    /// group's others, which assess groups with nobody.
    pub distinct: Vec<HashSet<usize>>,
    /// Status changes to keep in the store when the run is published.
    pub changes: Vec<StatusChange>,
}

impl Resolution {
    /// The decision on record `i` of the source named `source`, if one is in effect (or
    /// was reopened or closed tonight).
    pub fn of(&self, source: &str, i: usize) -> Option<&RecordDecision> {
        let s = *self.names.get(source)?;
        self.per_source[s].get(&i)
    }

    /// Every decision on tonight's records: source index, record index, decision.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, &RecordDecision)> {
        self.per_source.iter().enumerate().flat_map(|(s, m)| m.iter().map(move |(i, d)| (s, *i, d)))
    }

    fn set(&mut self, s: usize, i: usize, d: &StoredDecision, status: Status, reason: &'static str) {
        if status != d.status {
            self.changes.push(StatusChange { id: d.id, status, reason });
        }
        let rd = RecordDecision { decision: d.decision, status, decided_at: d.decided_at.clone(), officer: d.officer.clone(), person_id: d.person_id.clone() };
        self.per_source[s].insert(i, rd);
    }

    /// Gives each record tonight's returned files decided two ways its `DECISIONS_CONFLICT`
    /// finding: with no decision applied it stays on the worklist, and says why.
    pub fn mark_conflicts(conflicts: &[super::Conflict], table: &mut [SourceRun]) {
        for c in conflicts {
            let Some(run) = table.iter_mut().find(|r| r.source.name == c.source) else { continue };
            if let Some(i) = (0..run.len()).find(|&i| run.key(i) == c.record_key) {
                run.push_finding(i, Finding::new(crate::field::Field::PersonId, Code::DecisionsConflict));
            }
        }
    }

    /// Before linking: ties each decision to its record and builds the linker's overrides;
    /// an officer's personal ID that cannot be used adds a finding to the record. A decision
    /// naming a source the job no longer has is orphaned; one whose source failed tonight
    /// (`failed`, by name) waits for the source to be read again.
    pub fn before_link(decisions: Vec<StoredDecision>, table: &mut [SourceRun], reference: &Reference, failed: &[&str]) -> Resolution {
        let names = table.iter().enumerate().map(|(s, r)| (r.source.name.clone(), s)).collect();
        let mut out = Resolution { per_source: vec![HashMap::new(); table.len()], names, distinct: vec![HashSet::new(); table.len()], ..Default::default() };
        let located = locate(&decisions, table);
        let people = reference_rows(&decisions, &reference.features);
        for (d, at) in decisions.into_iter().zip(located) {
            let Some((s, found)) = at else {
                if !failed.iter().any(|f| same_source(&d.source, f)) {
                    out.changes.push(StatusChange { id: d.id, status: Status::Orphaned, reason: "its source is no longer in the job" });
                }
                continue;
            };
            let Some(i) = found else {
                out.changes.push(left_register(&d));
                continue;
            };
            // Its values as the officer saw them, whatever key the record has tonight.
            let changed = table[s].digest_as(i, &d.record_key) != d.record_digest;
            if d.decision.waits_for_source() {
                out.deferred.push((s, i, d, changed));
                continue;
            }
            if changed {
                out.set(s, i, &d, Status::Reopened, "the record changed after the decision");
                continue;
            }
            let candidate = d.candidate.as_ref().and_then(|c| people.get(c)).copied();
            if d.decision == Decision::RejectLink
                && let Some(j) = candidate
            {
                out.overrides.exclude.entry((s, i)).or_default().push(j);
            }
            // The officer wrote the proposed person's own ID beside "Đúng người": that person.
            if d.decision == Decision::ConfirmLink
                && let (Some(id), Some(j)) = (&d.person_id, candidate)
                && d.candidate.as_deref() == Some(id.as_str())
            {
                out.overrides.force.insert((s, i), j);
                out.set(s, i, &d, Status::Applied, "the confirmed person is the link");
                continue;
            }
            if let Some(id) = &d.person_id {
                match people.get(id) {
                    None => {
                        table[s].push_finding(i, Finding::new(crate::field::Field::PersonId, Code::OfficerIdNotInReference));
                        out.set(s, i, &d, Status::Refused, "the officer's personal ID is not in the reference");
                    }
                    Some(&j) if !consistent(&table[s].normalized()[i], &reference.features[j as usize]) => {
                        table[s].push_finding(i, Finding::new(crate::field::Field::PersonId, Code::OfficerIdInconsistent));
                        out.set(s, i, &d, Status::Refused, "the officer's personal ID belongs to another person");
                    }
                    Some(&j) => {
                        out.overrides.force.insert((s, i), j);
                        out.set(s, i, &d, Status::Applied, "the officer's personal ID is the link");
                    }
                }
                continue;
            }
            match (d.decision, candidate) {
                (Decision::ConfirmLink, Some(j)) => {
                    out.overrides.force.insert((s, i), j);
                    out.set(s, i, &d, Status::Applied, "the confirmed person is the link");
                }
                (Decision::ConfirmLink, None) => out.set(s, i, &d, Status::Reopened, "the confirmed person is no longer in the reference"),
                (Decision::DifferentPeople, _) => {
                    out.distinct[s].insert(i);
                    out.set(s, i, &d, Status::Applied, "not the person of its duplicate group");
                }
                _ => out.set(s, i, &d, Status::Applied, "in effect"),
            }
        }
        out
    }

    /// After assessing: an accepted suggestion or a fix at source closes once none of the
    /// findings it answered remain, is pending while the record is unchanged, and is
    /// reopened when the record changed and the findings are still there.
    pub fn after_assess(&mut self, table: &[SourceRun]) {
        for (s, i, d, changed) in std::mem::take(&mut self.deferred) {
            // A duplicate decided is answered when the record is no longer listed twice.
            let duplicate = matches!(d.decision, Decision::SamePerson | Decision::RemoveDuplicate);
            let answered = |code: Code| if duplicate { code == Code::DuplicateInSource } else { d.codes.iter().any(|c| c == code.as_str()) };
            let remaining = table[s].assessed()[i].findings.iter().any(|f| answered(f.code));
            let (status, reason) = match (remaining, changed) {
                (false, _) => (Status::Closed, "the source data now agrees"),
                (true, false) => (Status::Pending, "waiting for the source data"),
                (true, true) => (Status::Reopened, "the record changed and still has the findings"),
            };
            self.set(s, i, &d, status, reason);
        }
    }
}

/// A decision whose record is no longer in its register: a record taken off after "fixed at
/// source" (a deceased person removed from a roll, a duplicate row deleted) is the fix itself;
/// any other decision is orphaned.
fn left_register(d: &StoredDecision) -> StatusChange {
    match d.decision {
        Decision::FixedAtSource | Decision::ApplySuggestion | Decision::RemoveDuplicate => {
            StatusChange { id: d.id, status: Status::Closed, reason: "the record left its register" }
        }
        _ => StatusChange { id: d.id, status: Status::Orphaned, reason: "the record is no longer in its register" },
    }
}

/// Whether a decision's source is the source `name` or one of its sheets (`name/sheet`), or
/// the other way round.
fn same_source(decided: &str, name: &str) -> bool {
    let under = |a: &str, b: &str| a.strip_prefix(b).is_some_and(|rest| rest.starts_with('/'));
    decided == name || under(decided, name) || under(name, decided)
}

/// Each decision's (source, record) in tonight's table: `None` when its source is not in
/// the run, `Some((s, None))` when the source has no record with its key.
fn locate(decisions: &[StoredDecision], table: &[SourceRun]) -> Vec<Option<(usize, Option<usize>)>> {
    let by_name: HashMap<&str, usize> = table.iter().enumerate().map(|(s, r)| (r.source.name.as_str(), s)).collect();
    let mut wanted: Vec<HashSet<&str>> = vec![HashSet::new(); table.len()];
    for d in decisions {
        if let Some(&s) = by_name.get(d.source.as_str()) {
            wanted[s].insert(d.record_key.as_str());
            wanted[s].insert(base_of(&d.record_key));
        }
    }
    // Each wanted key's record, and each wanted twin group's members (keys with `#`).
    let mut found: Vec<HashMap<&str, usize>> = vec![HashMap::new(); table.len()];
    let mut twins: Vec<HashMap<&str, Vec<usize>>> = vec![HashMap::new(); table.len()];
    for (s, run) in table.iter().enumerate().filter(|(s, _)| !wanted[*s].is_empty()) {
        for i in 0..run.len() {
            let key = run.key(i);
            if wanted[s].contains(key) {
                found[s].insert(key, i);
            }
            let base = base_of(key);
            if base != key && wanted[s].contains(base) {
                twins[s].entry(base).or_default().push(i);
            }
        }
    }
    let mut at: Vec<Option<(usize, Option<usize>)>> =
        decisions.iter().map(|d| by_name.get(d.source.as_str()).map(|&s| (s, found[s].get(d.record_key.as_str()).copied()))).collect();
    // A decision whose key no record has tonight (its record gained, lost or changed a twin)
    // follows its record by content within its twin group: first every decision to the member
    // whose values it was made on, then each one left to the one member no decision holds.
    let mut taken: HashSet<RecordAt> = at.iter().flatten().filter_map(|(s, i)| i.map(|i| (*s, i))).collect();
    for by_content in [true, false] {
        for (d, place) in decisions.iter().zip(at.iter_mut()) {
            let Some((s, None)) = place else { continue };
            let Some(members) =
                twins[*s].get(base_of(&d.record_key)).map(Vec::as_slice).or_else(|| found[*s].get(base_of(&d.record_key)).map(std::slice::from_ref))
            else {
                continue;
            };
            let free: Vec<usize> = members.iter().copied().filter(|&i| !taken.contains(&(*s, i))).collect();
            let chosen = if by_content {
                free.iter().copied().find(|&i| table[*s].digest_as(i, &d.record_key) == d.record_digest)
            } else {
                (free.len() == 1).then(|| free[0])
            };
            if let Some(i) = chosen {
                taken.insert((*s, i));
                *place = Some((*s, Some(i)));
            }
        }
    }
    at
}

/// The reference rows the decisions name (proposed people, officers' IDs), by key; the
/// first row wins when an ID stands twice.
fn reference_rows(decisions: &[StoredDecision], people: &[Features]) -> HashMap<String, u32> {
    let wanted: HashSet<&str> = decisions.iter().flat_map(|d| [d.candidate.as_deref(), d.person_id.as_deref()]).flatten().collect();
    if wanted.is_empty() {
        return HashMap::new();
    }
    let any_fingerprint = wanted.iter().any(|k| k.starts_with("fp-"));
    let hits: Vec<(String, u32)> = people
        .par_iter()
        .enumerate()
        .filter_map(|(j, f)| {
            if let Some(id) = f.person_id.as_deref().filter(|id| wanted.contains(id)) {
                return Some((id.to_string(), j as u32));
            }
            if any_fingerprint && f.person_id.is_none() {
                let k = person_key(f);
                return wanted.contains(k.as_str()).then_some((k, j as u32));
            }
            None
        })
        .collect();
    let mut out = HashMap::new();
    for (k, j) in hits {
        out.entry(k).or_insert(j);
    }
    out
}

/// An officer's personal ID is used only for a person it can be: the same sex when both
/// are known, and a name or a date of birth that agrees.
fn consistent(record: &crate::normalize::NormRecord, person: &Features) -> bool {
    if let (Some(a), Some(b)) = (record.sex, person.sex)
        && a != b
    {
        return false;
    }
    let name_agrees = match record.name.as_ref() {
        Some(n) if !n.folded().is_empty() && !person.name.folded().is_empty() => jaro_winkler(n.folded().as_bytes(), person.name.folded().as_bytes()) >= 0.80,
        _ => true,
    };
    // A date known to the year (a land register's) agrees with the day in that year.
    let dob_agrees = match (record.dob, person.dob) {
        (Some(a), Some(b)) => a.year == b.year && (a.month == 0 || b.month == 0 || (a.month == b.month && (a.day == 0 || b.day == 0 || a.day == b.day))),
        _ => true,
    };
    name_agrees || dob_agrees
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::PartialDate;
    use crate::normalize::NormRecord;
    use crate::normalize::name::normalize_name;
    use crate::normalize::sex::Sex;

    fn person(name: &str, sex: Sex, dob: PartialDate) -> (NormRecord, Features) {
        let n = normalize_name(name, Default::default()).unwrap().0;
        let record = NormRecord { name: Some(n.clone()), sex: Some(sex), dob: Some(dob), ..Default::default() };
        let features = Features { name: n, sex: Some(sex), dob: Some(dob), person_id: Some("052080000001".into()), ..Default::default() };
        (record, features)
    }

    #[test]
    fn an_officers_id_is_used_only_for_a_person_it_can_be() {
        let d = PartialDate::ymd(1980, 2, 1);
        let (record, same) = person("Nguyễn Văn An", Sex::Male, d);
        assert!(consistent(&record, &same));
        let (_, other_dob) = person("Nguyễn Văn Án", Sex::Male, PartialDate::ymd(1981, 3, 4));
        assert!(consistent(&record, &other_dob), "the name agrees: a mistyped date of birth is the reference's to correct");
        let (_, other_name) = person("Lê Thị Hoa", Sex::Male, d);
        assert!(consistent(&record, &other_name), "the date of birth agrees");
        let (_, stranger) = person("Lê Thị Hoa", Sex::Male, PartialDate::ymd(1990, 5, 6));
        assert!(!consistent(&record, &stranger), "neither name nor date of birth agrees");
        // A land register's year of birth and a family name misread from a legacy encoding
        // ("Chan" for "Trần"): the officer can see it is one person.
        let (land, _) = person("Chan Thi Anh", Sex::Female, PartialDate::year_only(1993));
        let (_, reference) = person("Trần Thị Anh", Sex::Female, PartialDate::ymd(1993, 7, 23));
        assert!(consistent(&land, &reference), "the year agrees");
        let (_, stranger_that_year) = person("Lê Văn Hùng", Sex::Female, PartialDate::ymd(1994, 7, 23));
        assert!(!consistent(&land, &stranger_that_year), "another name and another year");
        let (_, woman) = person("Nguyễn Văn An", Sex::Female, d);
        assert!(!consistent(&record, &woman), "another sex");
        assert_eq!(person_key(&same), "052080000001");
        let no_id = Features { person_id: None, ..same.clone() };
        assert!(person_key(&no_id).starts_with("fp-") && person_key(&no_id) == person_key(&no_id.clone()));
    }
}
