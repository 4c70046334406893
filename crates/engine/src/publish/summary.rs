//! summary.json: per source, per commune and overall — counts, link classes,
//! mean score and pass rate per dimension, findings per code — and the change
//! since the previous run of the same job.

use super::RunData;
use super::work::{CommuneProgress, Worklist, commune_of};
use crate::assess::{AssessedRecord, dimension_summary};
use crate::decisions::ImportReport;
use crate::finding::{Dimension, PerDimension, Priority};
use crate::link::MatchClass;
use crate::normalize::admin::{AdminRegistry, Era};
use crate::table::{RecordView, SourceRun};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct DimensionFigures {
    pub correct: f64,
    pub complete: f64,
    pub clean: f64,
    pub live: f64,
}

impl DimensionFigures {
    fn from(a: PerDimension<f64>) -> Self {
        DimensionFigures { correct: a[Dimension::Correct], complete: a[Dimension::Complete], clean: a[Dimension::Clean], live: a[Dimension::Live] }
    }
    pub fn get(&self, d: Dimension) -> f64 {
        match d {
            Dimension::Correct => self.correct,
            Dimension::Complete => self.complete,
            Dimension::Clean => self.clean,
            Dimension::Live => self.live,
        }
    }
}

/// Records per link class (keys as `MatchClass::as_str`, in that alphabetical order).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LinkCounts {
    #[serde(rename = "match")]
    pub matched: u64,
    pub no_match: u64,
    pub review: u64,
}

impl LinkCounts {
    pub fn get(&self, c: MatchClass) -> u64 {
        match c {
            MatchClass::Match => self.matched,
            MatchClass::NoMatch => self.no_match,
            MatchClass::Review => self.review,
        }
    }

    fn add(&mut self, c: MatchClass) {
        match c {
            MatchClass::Match => self.matched += 1,
            MatchClass::NoMatch => self.no_match += 1,
            MatchClass::Review => self.review += 1,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Figures {
    pub records: u64,
    pub link: LinkCounts,
    pub mean_score: DimensionFigures,
    pub pass_rate: DimensionFigures,
    /// Share of records passing all four dimensions.
    pub pass_rate_all: f64,
    pub findings: BTreeMap<String, u64>,
    /// Records in the worklist (they need an officer), and by their most urgent reason.
    #[serde(default)]
    pub worklist: u64,
    #[serde(default)]
    pub worklist_by_priority: BTreeMap<String, u64>,
    /// Values a machine can correct (rows of corrections.parquet / corrections.xlsx).
    #[serde(default)]
    pub corrections: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SourceSummary {
    pub name: String,
    pub schema: String,
    pub rows_read: u64,
    pub quarantined: u64,
    /// File-wide facts, stated once here rather than on every record: the text encoding
    /// (CSV) and whether it is a legacy one (Đề án 06 data must be Unicode).
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub legacy_encoding: bool,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CommuneSummary {
    pub code: String,
    pub name: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Previous {
    pub run: String,
    pub pass_rate: DimensionFigures,
    pub pass_rate_all: f64,
    pub records: u64,
    /// This run minus the previous, per dimension.
    pub change: DimensionFigures,
    pub change_all: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    pub job: String,
    pub run_date: String,
    pub reference_people: u64,
    /// Reference rows whose personal ID another row also has.
    #[serde(default)]
    pub reference_shared_id_rows: u64,
    pub reference_cache: String,
    pub rows_read: u64,
    pub quarantined: u64,
    pub overall: Figures,
    pub sources: Vec<SourceSummary>,
    pub communes: Vec<CommuneSummary>,
    pub blocking: serde_json::Value,
    pub model: serde_json::Value,
    pub gate: serde_json::Value,
    pub previous: Option<Previous>,
    /// Sources that could not be read this run (their error); the others are in.
    #[serde(default)]
    pub failed_sources: Vec<super::manifest::FailedSource>,
    /// Officers' decisions and the worklist's progress since the last run.
    #[serde(default)]
    pub decisions: Option<DecisionsSummary>,
    /// The last runs' figures beside tonight's (from the store's history).
    #[serde(default)]
    pub trend: Option<Trend>,
    /// What changed since the last run, per source and for the reference (`(reference)`):
    /// records added, removed, changed and unchanged by key and values.
    #[serde(default)]
    pub changes: BTreeMap<String, crate::night::changes::Changes>,
}

/// Officers' decisions tonight: the import, the decisions on records, progress per commune.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DecisionsSummary {
    /// What the import did with the inbox.
    pub imports: ImportReport,
    /// Decisions on tonight's records, by status (applied, pending, refused, closed, reopened).
    pub by_status: BTreeMap<String, u64>,
    /// Decisions keeping records off the worklist, by decision.
    pub decided: BTreeMap<String, u64>,
    /// Status changes made tonight, by new status (orphaned included).
    pub changes: BTreeMap<String, u64>,
    /// Records on tonight's worklist.
    pub open: u64,
    /// Records on the last run's worklist that are not on tonight's.
    pub closed_since_last_run: u64,
    /// Records on tonight's worklist that were not on the last run's.
    #[serde(default)]
    pub new_since_last_run: u64,
    /// `[history] since`: the day, and the records closed since then (tonight included).
    #[serde(default)]
    pub fixed_since: Option<(String, u64)>,
    /// Whether the job reads returned worklists back (`[decisions] inbox`).
    #[serde(default)]
    pub reads_returned: bool,
    /// Per commune code: open, decided by kind, closed since the last run.
    pub communes: BTreeMap<String, CommuneProgress>,
}

/// This run's pass rates against the previous run's.
fn change_since(run: String, p: &Summary, overall: &Figures) -> Previous {
    let mut change = PerDimension::splat(0.0);
    for dm in Dimension::ALL {
        change[dm] = overall.pass_rate.get(dm) - p.overall.pass_rate.get(dm);
    }
    Previous {
        run,
        pass_rate: p.overall.pass_rate.clone(),
        pass_rate_all: p.overall.pass_rate_all,
        records: p.overall.records,
        change: DimensionFigures::from(change),
        change_all: overall.pass_rate_all - p.overall.pass_rate_all,
    }
}

fn decisions_summary(d: &RunData, worklist: &Worklist) -> Option<DecisionsSummary> {
    let night = d.decisions?;
    let communes = worklist.progress.clone();
    let mut out = DecisionsSummary { imports: night.imports.clone(), open: worklist.open.len() as u64, ..Default::default() };
    for (_, _, rd) in night.resolution.iter() {
        *out.by_status.entry(rd.status.as_str().to_string()).or_default() += 1;
        if rd.status.keeps_off_worklist() {
            *out.decided.entry(rd.decision.as_str().to_string()).or_default() += 1;
        }
    }
    for c in &night.resolution.changes {
        *out.changes.entry(c.status.as_str().to_string()).or_default() += 1;
    }
    out.closed_since_last_run = communes.values().map(|p| p.closed_since_last_run).sum();
    out.new_since_last_run = communes.values().map(|p| p.new_since_last_run).sum();
    out.fixed_since = night.closed_since.clone().map(|(day, n)| (day, n + out.closed_since_last_run));
    out.reads_returned = night.reads_returned;
    out.communes = communes;
    Some(out)
}

fn figures<'a>(recs: impl Iterator<Item = Counted<'a>> + Clone) -> Figures {
    let (n, mean, pass, all) = dimension_summary(recs.clone().map(|(a, ..)| a));
    let mut link = LinkCounts::default();
    let mut findings = BTreeMap::new();
    let (mut worklist, mut worklist_by_priority, mut corrections) = (0, BTreeMap::new(), 0);
    for (a, c, on_worklist) in recs {
        link.add(c);
        if let Some(p) = on_worklist {
            worklist += 1;
            *worklist_by_priority.entry(p.as_str().to_string()).or_default() += 1;
        }
        corrections += a.corrections();
        for f in &a.findings {
            *findings.entry(f.code.as_str().to_string()).or_default() += 1;
        }
    }
    Figures {
        records: n,
        link,
        mean_score: DimensionFigures::from(mean),
        pass_rate: DimensionFigures::from(pass),
        pass_rate_all: all,
        findings,
        worklist,
        worklist_by_priority,
        corrections,
    }
}

pub(super) fn build(d: &RunData, previous: Option<(String, Summary)>, worklist: &Worklist) -> Summary {
    let overall = figures(d.sources.iter().flat_map(|s| s.records().map(move |r| counted(d, s, r))));
    let sources = d
        .sources
        .iter()
        .map(|src| SourceSummary {
            name: src.source.name.clone(),
            schema: src.source.schema.name.clone(),
            rows_read: src.source.rows_read,
            quarantined: src.source.quarantine.len() as u64,
            encoding: src.source.layout.encoding.map(|e| e.encoding.as_str().to_string()),
            legacy_encoding: src.source.layout.encoding.is_some_and(|e| e.encoding.is_legacy()),
            figures: figures(src.records().map(|r| counted(d, src, r))),
        })
        .collect();
    // Per commune: the record's current commune, else its linked person's.
    let mut by_commune: BTreeMap<String, Vec<Counted>> = BTreeMap::new();
    for src in d.sources {
        for r in src.records() {
            by_commune.entry(commune_of(d.reference, &r).unwrap_or_default()).or_default().push(counted(d, src, r));
        }
    }
    let reg = AdminRegistry::get();
    let communes = by_commune
        .into_iter()
        .map(|(code, v)| CommuneSummary {
            name: if code.is_empty() {
                "(không rõ)".to_string()
            } else {
                reg.unit(&code, Era::Y2025).map(|u| u.name.clone()).unwrap_or_else(|| code.clone())
            },
            code,
            figures: figures(v.into_iter()),
        })
        .collect();
    let rows_read = d.sources.iter().map(|s| s.source.rows_read).sum();
    let quarantined = d.sources.iter().map(|s| s.source.quarantine.len() as u64).sum();
    let previous = previous.map(|(run, p)| change_since(run, &p, &overall));
    Summary {
        job: d.settings.job_name.clone(),
        run_date: d.run_date.iso(),
        reference_people: d.reference.people.len() as u64,
        reference_shared_id_rows: d.link.reference_shared_id_rows,
        reference_cache: format!("{:?}", d.reference.cache).to_lowercase(),
        rows_read,
        quarantined,
        overall,
        sources,
        communes,
        blocking: serde_json::json!({
            "rules": d.link.rules,
            "largest_reference_blocks": d.link.largest_reference_blocks,
            "max_block": d.settings.max_block,
            "reused_links": d.link.reused,
            "broad_asked": d.link.broad_asked,
        }),
        model: serde_json::json!({
            "lambda": d.link.model.lambda,
            "prior_weight": d.link.model.prior_weight(),
            "training": d.link.model.training,
        }),
        gate: serde_json::json!({ "passed": d.gate_failures.is_empty(), "failures": d.gate_failures }),
        previous,
        failed_sources: d.failed_sources.to_vec(),
        decisions: decisions_summary(d, worklist),
        trend: None,
        changes: d.decisions.map(|n| n.changes.clone()).unwrap_or_default(),
    }
}

/// What the figures count of a record: its assessment, its link class and its place on
/// the worklist.
type Counted<'a> = (&'a AssessedRecord, MatchClass, Option<Priority>);

fn counted<'a>(d: &RunData, src: &SourceRun, r: RecordView<'a>) -> Counted<'a> {
    (r.assessed, r.link.class, super::work::worklist_priority(d, src, &r))
}

/// One scope's series, one value per run of [`Trend::runs`] (null where the scope had no records).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Series {
    /// Share passing all four dimensions.
    pub pass_all: Vec<Option<f64>>,
    /// Pass rate per dimension: correct, complete, clean, live.
    pub pass: [Vec<Option<f64>>; 4],
    /// Records on the worklist.
    pub worklist: Vec<Option<u64>>,
    /// Records.
    pub records: Vec<Option<u64>>,
}

/// A commune's pass rate (all four) at the previous run and tonight.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Change {
    /// Commune code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// At the previous run.
    pub before: f64,
    /// Tonight.
    pub now: f64,
}

/// The series of the last runs, tonight last.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Trend {
    /// (run folder, run date) of each run, oldest first; tonight is `trend::THIS_RUN`.
    pub runs: Vec<(String, String)>,
    /// The whole job.
    pub overall: Series,
    /// Per source.
    pub sources: BTreeMap<String, Series>,
    /// Per commune code.
    pub communes: BTreeMap<String, Series>,
    /// The communes whose pass rate rose most since the previous run.
    pub improved: Vec<Change>,
    /// The communes whose pass rate fell most since the previous run.
    pub fell_back: Vec<Change>,
}
