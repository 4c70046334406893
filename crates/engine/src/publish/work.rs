//! Who acts on what: the records an officer must look at and the corrections a machine
//! can apply, read by the worklist, the corrections files, the summary and the report.

use super::RunData;
use crate::Lang;
use crate::decisions::RecordDecision;
use crate::finding::{Finding, Handling, Priority, SuggestedFrom};
use crate::reference::Reference;
use crate::table::{RecordView, SourceRun};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The officer's findings of a record, most urgent first.
pub(super) fn officer_findings<'a>(r: &RecordView<'a>) -> Vec<(Priority, &'a Finding)> {
    let mut v: Vec<(Priority, &Finding)> = r
        .assessed
        .findings
        .iter()
        .filter_map(|f| match f.handling_among(&r.assessed.findings) {
            Handling::Officer(p) => Some((p, f)),
            _ => None,
        })
        .collect();
    v.sort_by_key(|(p, _)| *p);
    v
}

/// One correction: the finding with a known correct value, on a record.
pub(super) struct Correction<'a> {
    pub src: &'a SourceRun,
    pub record: RecordView<'a>,
    pub finding: &'a Finding,
}

/// Every correction a machine can apply, in source order.
pub(super) fn corrections<'a>(d: &'a RunData) -> impl Iterator<Item = Correction<'a>> + 'a {
    d.sources.iter().flat_map(|src| {
        src.records().flat_map(move |record| {
            record.assessed.findings.iter().filter(|f| f.handling() == Handling::Correction).map(move |finding| Correction { src, record, finding })
        })
    })
}

/// Where a suggested value comes from, in words.
pub(super) fn provenance(from: Option<SuggestedFrom>, lang: Lang) -> &'static str {
    match (from, lang) {
        (Some(SuggestedFrom::Reference), Lang::Vi) => "CSDL dân cư",
        (Some(SuggestedFrom::Normalizer), Lang::Vi) => "chuẩn hóa",
        (Some(x), _) => x.as_str(),
        (None, _) => "",
    }
}

/// The officer's decision on a record, when one is in effect (or changed tonight).
pub(super) fn decision_of<'a>(d: &'a RunData, src: &SourceRun, i: usize) -> Option<&'a RecordDecision> {
    d.decisions.and_then(|n| n.resolution.of(&src.source.name, i))
}

/// The record's place on tonight's worklist: its most urgent officer finding, unless an
/// officer's decision on it is in effect (a decided record stays off until reopened).
pub(super) fn worklist_priority(d: &RunData, src: &SourceRun, r: &RecordView) -> Option<Priority> {
    if decision_of(d, src, r.index).is_some_and(|x| x.status.keeps_off_worklist()) {
        return None;
    }
    r.assessed.most_urgent()
}

/// The 2025 commune a record belongs to, for grouping: its own, else its linked person's.
pub(super) fn commune_of(reference: &Reference, r: &RecordView) -> Option<String> {
    crate::assess::commune_of(r.norm, r.link, reference)
}

/// Tonight's worklist, worked out once for every output that shows it (the worklist, the
/// summary, the report) and for the store.
pub struct Worklist<'a> {
    /// Every record on it.
    pub open: Vec<OpenItem<'a>>,
    /// Per commune code, with a decision store (else empty).
    pub progress: BTreeMap<String, CommuneProgress>,
}

impl<'a> Worklist<'a> {
    pub(super) fn of(d: &'a RunData) -> Worklist<'a> {
        let open = open_items(d);
        let progress = if d.decisions.is_some() { commune_progress(d, &open) } else { BTreeMap::new() };
        Worklist { open, progress }
    }
}

/// A record on tonight's worklist.
pub struct OpenItem<'a> {
    /// Its source's name.
    pub source: &'a str,
    /// Its record key.
    pub key: &'a str,
    /// Its 2025 commune code ("" when unknown).
    pub commune: String,
    /// Why.
    pub priority: Priority,
    /// The run date (YYYY-MM-DD) since which it has been on the worklist without a break.
    pub open_since: String,
}

/// Every record on tonight's worklist.
fn open_items<'a>(d: &'a RunData) -> Vec<OpenItem<'a>> {
    let before: HashMap<(&str, &str), &str> = d
        .decisions
        .iter()
        .flat_map(|n| &n.previous_open)
        .filter_map(|o| Some(((o.source.as_str(), o.record_key.as_str()), o.open_since.as_deref()?)))
        .collect();
    let tonight = d.run_date.iso();
    let mut out = Vec::new();
    for src in d.sources {
        for r in src.records() {
            if let Some(priority) = worklist_priority(d, src, &r) {
                let commune = commune_of(d.reference, &r).unwrap_or_default();
                let open_since = before.get(&(src.source.name.as_str(), r.key)).map_or_else(|| tonight.clone(), |s| s.to_string());
                out.push(OpenItem { source: &src.source.name, key: r.key, commune, priority, open_since });
            }
        }
    }
    out
}

/// A commune's worklist progress: what to do this week.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct CommuneProgress {
    /// Records on tonight's worklist.
    pub open: u64,
    /// Of those, by priority (`wrong_person`, ... `fix_at_source`).
    #[serde(default)]
    pub open_by_priority: BTreeMap<String, u64>,
    /// Of those, records not on the last run's worklist (0 on a first run).
    #[serde(default)]
    pub new_since_last_run: u64,
    /// The run date since which its oldest open record has been open.
    #[serde(default)]
    pub oldest_open_since: Option<String>,
    /// Records kept off it by an officer's decision in effect, by decision.
    pub decided: BTreeMap<String, u64>,
    /// Records on the last run's worklist that are not on tonight's (decided, or fixed).
    pub closed_since_last_run: u64,
}

/// Per commune code: open items, decided items by kind, items closed since the last run.
fn commune_progress(d: &RunData, open: &[OpenItem]) -> BTreeMap<String, CommuneProgress> {
    let mut out: BTreeMap<String, CommuneProgress> = BTreeMap::new();
    let first_run = d.decisions.is_none_or(|n| n.history.is_empty());
    let before: HashSet<(&str, &str)> = d.decisions.iter().flat_map(|n| &n.previous_open).map(|o| (o.source.as_str(), o.record_key.as_str())).collect();
    for o in open {
        let c = out.entry(o.commune.clone()).or_default();
        c.open += 1;
        *c.open_by_priority.entry(o.priority.as_str().to_string()).or_default() += 1;
        c.new_since_last_run += u64::from(!first_run && !before.contains(&(o.source, o.key)));
        if c.oldest_open_since.as_ref().is_none_or(|s| o.open_since < *s) {
            c.oldest_open_since = Some(o.open_since.clone());
        }
    }
    let Some(night) = d.decisions else { return out };
    for (s, i, rd) in night.resolution.iter() {
        if rd.status.keeps_off_worklist() {
            let commune = commune_of(d.reference, &d.sources[s].record(i)).unwrap_or_default();
            *out.entry(commune).or_default().decided.entry(rd.decision.as_str().to_string()).or_default() += 1;
        }
    }
    let tonight: HashSet<(&str, &str)> = open.iter().map(|o| (o.source, o.key)).collect();
    for o in &night.previous_open {
        if !tonight.contains(&(o.source.as_str(), o.record_key.as_str())) {
            out.entry(o.commune.clone()).or_default().closed_since_last_run += 1;
        }
    }
    out
}
