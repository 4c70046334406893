//! `lamsach eval`: a run's links and findings measured against the truth file
//! of a synthetic extract — overall, per source and per injected defect.

use anyhow::{Context, Result};
use polars::prelude::{DataFrame, ParquetReader, SerReader};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::path::Path;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Scores {
    pub records: u64,
    /// Records whose true person is in the reference.
    pub linkable: u64,
    pub true_matches: u64,
    pub false_matches: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// True links that went to review instead of match.
    pub sent_to_review: u64,
    /// Records with no true person, and how many were left unlinked.
    pub absent: u64,
    pub absent_unlinked: u64,
    pub absent_unlinked_rate: f64,
}

impl Scores {
    fn add(&mut self, t: &TruthRow, r: Option<&RunRow>) {
        self.records += 1;
        let (class, pid) = r.map(|r| (r.class.as_str(), r.ref_person_id.as_deref())).unwrap_or(("missing", None));
        let correct = t.person_id.is_some() && pid == t.person_id.as_deref();
        if !t.link_expected {
            // Counted only if linked to the wrong person.
        } else if t.person_id.is_some() {
            self.linkable += 1;
            if class == "match" && correct {
                self.true_matches += 1;
            }
            if class == "review" && correct {
                self.sent_to_review += 1;
            }
        } else {
            self.absent += 1;
            if class != "match" {
                self.absent_unlinked += 1;
            }
        }
        if class == "match" && !correct {
            self.false_matches += 1;
        }
    }
    fn finish(&mut self) {
        let m = (self.true_matches + self.false_matches) as f64;
        self.precision = if m > 0.0 { self.true_matches as f64 / m } else { 1.0 };
        self.recall = if self.linkable > 0 { self.true_matches as f64 / self.linkable as f64 } else { 1.0 };
        self.f1 = if self.precision + self.recall > 0.0 { 2.0 * self.precision * self.recall / (self.precision + self.recall) } else { 0.0 };
        self.absent_unlinked_rate = if self.absent > 0 { self.absent_unlinked as f64 / self.absent as f64 } else { 1.0 };
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Detection {
    pub injected: u64,
    pub flagged: u64,
    pub rate: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub overall: Scores,
    pub per_source: BTreeMap<String, Scores>,
    pub per_defect: BTreeMap<String, Scores>,
    /// Injected duplicates flagged DUPLICATE_IN_SOURCE.
    pub duplicates: Detection,
    /// Deceased people on ordinary registers flagged DECEASED_IN_REFERENCE / DECEASED_IN_REGISTER.
    pub deceased: Detection,
    /// Truth rows with no record in the run (should be 0).
    pub missing_records: u64,
}

struct TruthRow {
    source: String,
    row: u64,
    role: String,
    person_id: Option<String>,
    defects: Vec<String>,
    duplicate: bool,
    deceased: bool,
    /// Linking it is the run's work (not a newborn on a birth certificate: its mother links).
    link_expected: bool,
}

struct RunRow {
    class: String,
    ref_person_id: Option<String>,
    codes: Vec<String>,
    death_register: bool,
}

fn read(path: &Path) -> Result<DataFrame> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(f).finish().with_context(|| format!("cannot read {}", path.display()))
}

fn strs(df: &DataFrame, c: &str) -> Result<Vec<Option<String>>> {
    Ok(df.column(c)?.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

fn lists(df: &DataFrame, c: &str) -> Result<Vec<Vec<String>>> {
    let l = df.column(c)?.list()?.clone();
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        out.push(match l.get_as_series(i) {
            Some(s) => s.str()?.iter().flatten().map(str::to_string).collect(),
            None => vec![],
        });
    }
    Ok(out)
}

/// The sources whose schema is a death register, from the run's manifest.
fn death_sources(run: &Path) -> Result<Vec<String>> {
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).context("reading the run's manifest.json")?)?;
    Ok(manifest["inputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|i| matches!(i["schema"].as_str(), Some("death_certificate" | "civil_death")))
                .filter_map(|i| i["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

fn truth_rows(truth: &Path) -> Result<Vec<TruthRow>> {
    let t = read(truth)?;
    let (ts, tr, trole, tpid, tdef) =
        (strs(&t, "source")?, t.column("source_row")?.u64()?.clone(), strs(&t, "role")?, strs(&t, "true_person_id")?, lists(&t, "defects")?);
    let tdup: Vec<bool> = t.column("is_duplicate")?.bool()?.iter().map(|v| v.unwrap_or(false)).collect();
    let tdead: Vec<bool> = t.column("is_deceased")?.bool()?.iter().map(|v| v.unwrap_or(false)).collect();
    // Truth files written before the column existed: every record is link work.
    let texpect: Vec<bool> = match t.column("link_expected") {
        Ok(c) => c.bool()?.iter().map(|v| v.unwrap_or(true)).collect(),
        Err(_) => vec![true; t.height()],
    };
    Ok((0..t.height())
        .map(|i| TruthRow {
            source: ts[i].clone().unwrap_or_default(),
            row: tr.get(i).unwrap_or(0),
            role: trole[i].clone().unwrap_or_default(),
            person_id: tpid[i].clone(),
            defects: tdef[i].clone(),
            duplicate: tdup[i],
            deceased: tdead[i],
            link_expected: texpect[i],
        })
        .collect())
}

/// The run's records by (source, row, role).
fn run_rows(run: &Path) -> Result<HashMap<(String, u64, String), RunRow>> {
    let death_sources = death_sources(run)?;
    let r = read(&run.join("records.parquet"))?;
    let (rs, rr, rrole, rclass, rpid, rcodes) = (
        strs(&r, "source")?,
        r.column("source_row")?.u64()?.clone(),
        strs(&r, "role")?,
        strs(&r, "match_class")?,
        strs(&r, "ref_person_id")?,
        lists(&r, "finding_codes")?,
    );
    let mut run_rows: HashMap<(String, u64, String), RunRow> = HashMap::with_capacity(r.height());
    for i in 0..r.height() {
        let source = rs[i].clone().unwrap_or_default();
        let death_register = death_sources.contains(&source);
        run_rows.insert(
            (source, rr.get(i).unwrap_or(0), rrole[i].clone().unwrap_or_default()),
            RunRow { class: rclass[i].clone().unwrap_or_default(), ref_person_id: rpid[i].clone(), codes: rcodes[i].clone(), death_register },
        );
    }
    Ok(run_rows)
}

/// A run's records scored against the truth its synthetic province was written with.
pub fn evaluate(truth: &Path, run: &Path) -> Result<Evaluation> {
    let truth_rows = truth_rows(truth)?;
    let run_rows = run_rows(run)?;
    let mut e = Evaluation {
        overall: Scores::default(),
        per_source: BTreeMap::new(),
        per_defect: BTreeMap::new(),
        duplicates: Detection::default(),
        deceased: Detection::default(),
        missing_records: 0,
    };
    for tr in &truth_rows {
        let rr = run_rows.get(&(tr.source.clone(), tr.row, tr.role.clone()));
        e.add(tr, rr);
    }
    e.overall.finish();
    for s in e.per_source.values_mut().chain(e.per_defect.values_mut()) {
        s.finish();
    }
    for d in [&mut e.duplicates, &mut e.deceased] {
        d.rate = if d.injected > 0 { d.flagged as f64 / d.injected as f64 } else { 1.0 };
    }
    Ok(e)
}

impl Evaluation {
    /// Counts one true record and what the run made of it.
    fn add(&mut self, tr: &TruthRow, rr: Option<&RunRow>) {
        if rr.is_none() {
            self.missing_records += 1;
        }
        self.overall.add(tr, rr);
        self.per_source.entry(tr.source.clone()).or_default().add(tr, rr);
        if tr.defects.is_empty() {
            self.per_defect.entry("(none)".into()).or_default().add(tr, rr);
        }
        for d in &tr.defects {
            self.per_defect.entry(d.clone()).or_default().add(tr, rr);
        }
        let codes = rr.map(|x| x.codes.as_slice()).unwrap_or(&[]);
        if tr.duplicate {
            self.duplicates.injected += 1;
            self.duplicates.flagged += codes.iter().any(|c| c == "DUPLICATE_IN_SOURCE") as u64;
        }
        if tr.deceased && tr.link_expected && !rr.is_some_and(|x| x.death_register) {
            self.deceased.injected += 1;
            self.deceased.flagged += codes.iter().any(|c| c == "DECEASED_IN_REFERENCE" || c == "DECEASED_IN_REGISTER") as u64;
        }
    }
}

impl Evaluation {
    /// Plain-text tables.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let head = format!(
            "{:<24} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9}\n",
            "", "records", "linkable", "precision", "recall", "f1", "review", "absent", "unlinked"
        );
        let line = |name: &str, x: &Scores| {
            format!(
                "{:<24} {:>8} {:>8} {:>9.4} {:>9.4} {:>9.4} {:>8} {:>8} {:>9.4}\n",
                name, x.records, x.linkable, x.precision, x.recall, x.f1, x.sent_to_review, x.absent, x.absent_unlinked_rate
            )
        };
        s.push_str(&head);
        s.push_str(&line("overall", &self.overall));
        let _ = writeln!(s, "\nper source");
        for (k, v) in &self.per_source {
            s.push_str(&line(k, v));
        }
        let _ = writeln!(s, "\nper defect");
        for (k, v) in &self.per_defect {
            s.push_str(&line(k, v));
        }
        let _ = writeln!(
            s,
            "\nduplicates flagged {}/{} ({:.4}); deceased flagged {}/{} ({:.4}); truth rows without a record: {}",
            self.duplicates.flagged,
            self.duplicates.injected,
            self.duplicates.rate,
            self.deceased.flagged,
            self.deceased.injected,
            self.deceased.rate,
            self.missing_records
        );
        s
    }
}
