//! Assessment over Arrow batches, split the way a cluster runs it (`lamsach_core::assess::keyed`):
//! `assess_members` puts each record in the groups of the checks it takes part in,
//! `assess_groups` checks many groups at once and answers for the records each owns, and
//! `assess` gives every record its findings from its own values, its link and the outcomes
//! of its groups. No call needs the whole job: the first and the last take whole rows (a
//! birth's child and parents), the second whole groups.
//!
//! Every records batch carries `id` (job order: source, row, role), `source`, `raw`, the link
//! columns `reduce_links` writes (`match_class`, `best_ref_key`, `best_weight`,
//! `best_probability`, `candidates`, `truncated`, `family_disagrees`) and the linked person:
//! `best_features`, `best_person`, `best_shared` (null when unlinked).

use crate::{class_of, err, export_batch, import_batch, load_job, typed};
use arrow_array::builder::{BooleanBuilder, Int32Builder, Int64Builder, ListBuilder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BinaryArray, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use lamsach_core::assess::keyed::{self, Check, GroupKey, Outcome, Outcomes};
use lamsach_core::assess::{AssessContext, AssessSettings, Evidence, LinkedSource};
use lamsach_core::codec::{Reader, features_from_bytes, from_bytes};
use lamsach_core::ingest::RawRecord;
use lamsach_core::link::{RecordLink, Scored};
use lamsach_core::normalize::placeholder::{self, Placeholder};
use lamsach_core::reference::{Reference, ReferencePerson};
use lamsach_core::{Dimension, Field, Finding, Job, NormRecord};
use pyo3::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Some rows of a records batch as assess reads them: per source of the job (in job order,
/// most perhaps empty), its records in file order; the people they are linked to.
struct Linked {
    /// Per source, each record's batch row.
    rows: Vec<Vec<usize>>,
    raws: Vec<Vec<RawRecord>>,
    links: Vec<Vec<RecordLink>>,
    norms: Vec<Vec<NormRecord>>,
    reference: Reference,
    /// Per reference person (local index): another row of the extract has its ID.
    shared: Vec<bool>,
    /// Per reference person (local index): its key in the extract.
    ref_keys: Vec<i64>,
}

impl Linked {
    fn read(job: &Job, r: &RecordBatch, rows: &[usize], days: &Days) -> PyResult<Linked> {
        let ids = typed::<Int64Array>(r, "id")?;
        let keys = typed::<Int64Array>(r, "best_ref_key")?;
        let (pf, pp, ps) = (typed::<BinaryArray>(r, "best_features")?, typed::<BinaryArray>(r, "best_person")?, typed::<BooleanArray>(r, "best_shared")?);
        // The people in extract order, each once.
        let mut people: Vec<(i64, usize)> = rows.iter().filter(|&&i| !keys.is_null(i)).map(|&i| (keys.value(i), i)).collect();
        people.sort_unstable();
        people.dedup_by_key(|p| p.0);
        let local: HashMap<i64, u32> = people.iter().enumerate().map(|(k, p)| (p.0, k as u32)).collect();
        let (mut features, mut persons, mut shared, mut ref_keys) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for &(key, i) in &people {
            if pf.is_null(i) || pp.is_null(i) {
                return Err(err(format!("record {}: its linked person {key} is not in the reference given", ids.value(i))));
            }
            features.push(features_from_bytes(pf.value(i)).map_err(|e| err(format!("record {}: its person: {e}", ids.value(i))))?);
            persons.push(from_bytes(pp.value(i), ReferencePerson::read).map_err(|e| err(format!("record {}: its person: {e}", ids.value(i))))?);
            shared.push(!ps.is_null(i) && ps.value(i));
            ref_keys.push(key);
        }
        let input = &job.reference.input;
        let reference = Reference::in_memory(input.name.clone(), input.schema.name.clone(), input.path.clone(), persons, features);
        let class = typed::<StringArray>(r, "match_class")?;
        let (bw, bp) = (typed::<Float64Array>(r, "best_weight")?, typed::<Float64Array>(r, "best_probability")?);
        let (cands, trunc) = (typed::<Int32Array>(r, "candidates")?, typed::<BooleanArray>(r, "truncated")?);
        let family_disagrees = typed::<BooleanArray>(r, "family_disagrees")?;
        let link = |i: usize| -> PyResult<RecordLink> {
            let best = (!keys.is_null(i)).then(|| Scored {
                ref_idx: local[&keys.value(i)],
                weight: bw.value(i),
                probability: bp.value(i),
                levels: Vec::new(),
                parts: Vec::new(),
                tf_parts: Vec::new(),
            });
            Ok(RecordLink {
                class: class_of(class.value(i))?,
                best,
                runner_up: None,
                candidates: cands.value(i) as u32,
                truncated: trunc.value(i),
                decided_by: Default::default(),
                family_disagrees: !family_disagrees.is_null(i) && family_disagrees.value(i),
                next_weight: None,
                broad: false,
                row_ties: false,
            })
        };
        let (mut by_source, mut raws, mut links) = (Vec::new(), Vec::new(), Vec::new());
        for (rows, source_raws) in raws_by_source(job, r, rows)? {
            links.push(rows.iter().map(|&i| link(i)).collect::<PyResult<Vec<_>>>()?);
            by_source.push(rows);
            raws.push(source_raws);
        }
        // Normalized as the whole register is: with the days it overuses for unknown dates of birth.
        let norms = job
            .sources
            .iter()
            .zip(&raws)
            .map(|(plan, raws)| {
                let mut norm = lamsach_core::normalize::each_record(raws, &plan.normalize);
                placeholder::apply(&mut norm, days.get(&plan.input.name).map_or(&[][..], Vec::as_slice));
                norm
            })
            .collect();
        Ok(Linked { rows: by_source, raws, links, norms, reference, shared, ref_keys })
    }

    /// Runs `f` over the records as the checks read them.
    fn with<T>(&self, job: &Job, f: impl FnOnce(&[LinkedSource], &AssessContext) -> T) -> T {
        let sources: Vec<LinkedSource> = job
            .sources
            .iter()
            .enumerate()
            .map(|(s, plan)| LinkedSource { schema: &plan.input.schema, raw: &self.raws[s], norm: &self.norms[s], links: &self.links[s] })
            .collect();
        let settings = AssessSettings { stale_after_days: job.stale_after_days, run_date: job.run_date };
        f(&sources, &AssessContext { reference: &self.reference, shared_id: &self.shared, settings: &settings, distinct: &[] })
    }
}

/// Per source, the days its whole register overuses for unknown dates of birth.
type Days = HashMap<String, Vec<Placeholder>>;

/// `days`: the JSON of `{source: overused_days(...)}` for every source of the job.
fn days_of(days: &str) -> PyResult<Days> {
    serde_json::from_str(days).map_err(|e| err(format!("days: {e}")))
}

/// How many of each source's dates of birth fall on each day of the year (13 × 32 counts per
/// source, in job order): summed over a job's batches of records (`id`, `source`, `raw`), they
/// give `overused_days` what each whole register overuses.
#[pyfunction]
pub fn record_dob_day_counts(py: Python<'_>, job: &str, records: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<u64>>> {
    let j = load_job(job)?;
    let r = import_batch(records)?;
    py.detach(|| -> PyResult<Vec<Vec<u64>>> {
        Ok(j.sources
            .iter()
            .zip(raws_by_source(&j, &r, &every_row(&r))?)
            .map(|(plan, (_, raws))| {
                let norm = lamsach_core::normalize::each_record(&raws, &plan.normalize);
                placeholder::day_counts(norm.iter().filter_map(|n| n.dob)).iter().flatten().copied().collect()
            })
            .collect())
    })
}

/// Runs `columns` on the job and the batch with the GIL released; its columns are the batch
/// handed back to Python.
fn over_batch<'py, C: AsRef<str>>(
    py: Python<'py>,
    job: &str,
    records: &Bound<'py, PyAny>,
    columns: impl FnOnce(&Job, &RecordBatch) -> PyResult<Vec<(C, ArrayRef)>> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let j = load_job(job)?;
    let r = import_batch(records)?;
    let out = py.detach(|| RecordBatch::try_from_iter(columns(&j, &r)?).map_err(err))?;
    export_batch(py, out)
}

/// A finding as it travels between the stages: its code, and its field after `@`.
fn finding_text(f: &Finding) -> String {
    match f.field {
        Some(field) => format!("{}@{}", f.code.as_str(), field.as_str()),
        None => f.code.as_str().to_string(),
    }
}

fn finding_of(s: &str) -> PyResult<Finding> {
    let (code, field) = s.split_once('@').map_or((s, None), |(c, f)| (c, Some(f)));
    let code = lamsach_core::Code::parse(code).ok_or_else(|| err(format!("unknown finding code {code:?}")))?;
    Ok(match field {
        Some(f) => Finding::new(Field::parse(f).ok_or_else(|| err(format!("unknown field {f:?}")))?, code),
        None => Finding::record(code),
    })
}

/// Every record's places in the job's cross-record checks: per place, `id`, `check`, `key`
/// (the group within its check) and `own` (the group's answer is the record's). `records`
/// must hold whole rows.
#[pyfunction]
pub fn assess_members<'py>(py: Python<'py>, job: &str, records: &Bound<'py, PyAny>, days: &str) -> PyResult<Bound<'py, PyAny>> {
    let days = days_of(days)?;
    over_batch(py, job, records, |j, r| {
        let linked = Linked::read(j, r, &every_row(r), &days)?;
        let ids = typed::<Int64Array>(r, "id")?;
        let members = linked.with(j, keyed::members);
        let (mut id, mut check, mut key, mut own) = (Int64Builder::new(), StringBuilder::new(), StringBuilder::new(), BooleanBuilder::new());
        for m in members {
            id.append_value(ids.value(linked.rows[m.source][m.index]));
            check.append_value(m.check.as_str());
            let scope = if m.check.per_source() { format!("{}\u{1f}", j.sources[m.source].input.name) } else { String::new() };
            key.append_value(match m.key {
                GroupKey::Person(p) => format!("{scope}p{}", linked.ref_keys[p as usize]),
                GroupKey::Day(d) => format!("{scope}d{d}"),
                GroupKey::Text(t) => format!("{scope}t{t}"),
            });
            own.append_value(m.own);
        }
        let cols: Vec<(&str, ArrayRef)> =
            vec![("id", Arc::new(id.finish())), ("check", Arc::new(check.finish())), ("key", Arc::new(key.finish())), ("own", Arc::new(own.finish()))];
        Ok(cols)
    })
}

/// Checks groups: `records` are the members `assess_members` gave (with `check`, `key` and
/// `own`), whole groups, any number of them. Returns per record a group owns: `id`, `check`,
/// `found`, `findings` (comma-separated, each `CODE` or `CODE@field`).
#[pyfunction]
pub fn assess_groups<'py>(py: Python<'py>, job: &str, records: &Bound<'py, PyAny>, days: &str) -> PyResult<Bound<'py, PyAny>> {
    let days = days_of(days)?;
    over_batch(py, job, records, |j, r| {
        let (check, key, own) = (typed::<StringArray>(r, "check")?, typed::<StringArray>(r, "key")?, typed::<BooleanArray>(r, "own")?);
        let ids = typed::<Int64Array>(r, "id")?;
        let mut groups: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for i in 0..r.num_rows() {
            groups.entry((check.value(i), key.value(i))).or_default().push(i);
        }
        let (mut id, mut checks, mut found, mut findings) = (Int64Builder::new(), StringBuilder::new(), BooleanBuilder::new(), StringBuilder::new());
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_unstable();
        for ((name, _), rows) in groups {
            let c = Check::parse(name).ok_or_else(|| err(format!("unknown check {name:?}")))?;
            let linked = Linked::read(j, r, &rows, &days)?;
            let outcomes = linked.with(j, |sources, ctx| keyed::check_group(c, sources, ctx));
            for (s, per_record) in outcomes.iter().enumerate() {
                let mut answered: Vec<_> = per_record.iter().filter(|(i, _)| own.value(linked.rows[s][**i])).collect();
                answered.sort_unstable_by_key(|(i, _)| **i);
                for (i, o) in answered {
                    id.append_value(ids.value(linked.rows[s][*i]));
                    checks.append_value(name);
                    found.append_value(o.found);
                    findings.append_value(o.findings.iter().map(finding_text).collect::<Vec<_>>().join(","));
                }
            }
        }
        let cols: Vec<(&str, ArrayRef)> = vec![
            ("id", Arc::new(id.finish())),
            ("check", Arc::new(checks.finish())),
            ("found", Arc::new(found.finish())),
            ("findings", Arc::new(findings.finish())),
        ];
        Ok(cols)
    })
}

/// Each record's outcomes: its groups' (`ev_check`, `ev_found`, `ev_findings`, aligned lists,
/// null for none) and whether its personal ID is another reference person's (`id_held`).
fn outcomes_of(r: &RecordBatch, linked: &Linked) -> PyResult<Outcomes> {
    let held = typed::<BooleanArray>(r, "id_held")?;
    let (ev_check, ev_found, ev_findings) =
        (typed::<arrow_array::ListArray>(r, "ev_check")?, typed::<arrow_array::ListArray>(r, "ev_found")?, typed::<arrow_array::ListArray>(r, "ev_findings")?);
    let mut out = Vec::with_capacity(linked.rows.len());
    for rows in &linked.rows {
        let mut per_record = Vec::with_capacity(rows.len());
        for &i in rows {
            let mut o = vec![(Check::IdHeld, Outcome { found: !held.is_null(i) && held.value(i), findings: Vec::new() })];
            if !ev_check.is_null(i) {
                let (c, f, t) = (ev_check.value(i), ev_found.value(i), ev_findings.value(i));
                let (c, f, t) = (c.as_string::<i32>(), f.as_boolean(), t.as_string::<i32>());
                for k in 0..c.len() {
                    let check = Check::parse(c.value(k)).ok_or_else(|| err(format!("unknown check {:?}", c.value(k))))?;
                    let findings = t.value(k).split(',').filter(|x| !x.is_empty()).map(finding_of).collect::<PyResult<Vec<_>>>()?;
                    o.push((check, Outcome { found: f.value(k), findings }));
                }
            }
            per_record.push(o);
        }
        out.push(per_record);
    }
    Ok(out)
}

/// Assesses records as the CLI does, every check included: `records` are whole rows with
/// their groups' outcomes (see `outcomes_of`) and their `record_key` (`told_apart_keys`). Returns per record: `id`, `record_key`, the raw
/// and cleaned value of every field, `score_*`, `pass_*`, `pass`, `finding_codes`, what
/// summary.json counts it under (`summary_commune`, `worklist_priority`, `corrections`), and
/// issues.parquet's columns as aligned lists, one entry per finding (`issue_code`,
/// `issue_field`, `issue_dimension`, `issue_severity`, `issue_original_value`,
/// `issue_suggested_value`, `issue_suggested_from`).
#[pyfunction]
pub fn assess<'py>(py: Python<'py>, job: &str, records: &Bound<'py, PyAny>, days: &str) -> PyResult<Bound<'py, PyAny>> {
    let days = days_of(days)?;
    over_batch(py, job, records, |j, r| {
        let linked = Linked::read(j, r, &every_row(r), &days)?;
        let outcomes = outcomes_of(r, &linked)?;
        let ids = typed::<Int64Array>(r, "id")?;
        let assessed = linked.with(j, |sources, ctx| {
            let evidence: Vec<Vec<Evidence>> = keyed::evidence(sources, ctx, &outcomes);
            sources
                .iter()
                .zip(&evidence)
                .map(|(src, e)| e.iter().enumerate().map(|(i, e)| lamsach_core::assess::assess_record(src, i, ctx, e)).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        });
        let mut id = Int64Builder::new();
        let mut raw_cols: Vec<StringBuilder> = Field::ALL.iter().map(|_| StringBuilder::new()).collect();
        let mut clean_cols: Vec<StringBuilder> = Field::ALL.iter().map(|_| StringBuilder::new()).collect();
        let mut scores: Vec<Int32Builder> = Dimension::ALL.iter().map(|_| Int32Builder::new()).collect();
        let mut passes: Vec<BooleanBuilder> = Dimension::ALL.iter().map(|_| BooleanBuilder::new()).collect();
        let mut pass = BooleanBuilder::new();
        let mut codes = ListBuilder::new(StringBuilder::new());
        let (record_key, mut keys) = (typed::<StringArray>(r, "record_key")?, StringBuilder::new());
        // What summary.json counts a record under: its commune, its worklist reason, its corrections.
        let (mut commune, mut priority, mut corrections) = (StringBuilder::new(), StringBuilder::new(), Int64Builder::new());
        // issues.parquet's columns, one list entry per finding (all of them, in order).
        const ISSUE: [&str; 7] = ["code", "field", "dimension", "severity", "original_value", "suggested_value", "suggested_from"];
        let mut issue: Vec<ListBuilder<StringBuilder>> = ISSUE.iter().map(|_| ListBuilder::new(StringBuilder::new())).collect();
        for (s, assessed) in assessed.iter().enumerate() {
            for (i, a) in assessed.iter().enumerate() {
                let (rr, n, link) = (&linked.raws[s][i], &linked.norms[s][i], &linked.links[s][i]);
                id.append_value(ids.value(linked.rows[s][i]));
                keys.append_value(record_key.value(linked.rows[s][i]));
                commune.append_option(lamsach_core::assess::commune_of(n, link, &linked.reference));
                priority.append_option(a.most_urgent().map(|p| p.as_str()));
                corrections.append_value(a.corrections() as i64);
                for f in &a.findings {
                    let values: [Option<&str>; 7] = [
                        Some(f.code.as_str()),
                        f.field.map(|x| x.as_str()),
                        Some(f.code.dimension().as_str()),
                        Some(f.code.severity().as_str()),
                        f.field.and_then(|x| rr.values.get(x)),
                        f.suggested.as_deref(),
                        f.suggested_from.map(|x| x.as_str()),
                    ];
                    for (b, v) in issue.iter_mut().zip(values) {
                        b.values().append_option(v);
                    }
                }
                for b in &mut issue {
                    b.append(true);
                }
                for f in Field::ALL {
                    raw_cols[f.index()].append_option(rr.values.get(f));
                    clean_cols[f.index()].append_option(n.cleaned(f).as_deref());
                }
                for (k, d) in Dimension::ALL.into_iter().enumerate() {
                    scores[k].append_value(a.scores[d] as i32);
                    passes[k].append_value(a.pass[d]);
                }
                pass.append_value(a.passes());
                let mut c: Vec<&str> = a.findings.iter().map(|f| f.code.as_str()).collect();
                c.dedup();
                for x in c {
                    codes.values().append_value(x);
                }
                codes.append(true);
            }
        }
        let mut cols: Vec<(String, ArrayRef)> = vec![("id".into(), Arc::new(id.finish())), ("record_key".into(), Arc::new(keys.finish()))];
        for (f, (mut rb, mut cb)) in Field::ALL.iter().zip(raw_cols.into_iter().zip(clean_cols)) {
            cols.push((format!("{}_raw", f.as_str()), Arc::new(rb.finish())));
            cols.push((f.as_str().to_string(), Arc::new(cb.finish())));
        }
        for (d, (mut sb, mut pb)) in Dimension::ALL.iter().zip(scores.into_iter().zip(passes)) {
            cols.push((format!("score_{}", d.as_str()), Arc::new(sb.finish())));
            cols.push((format!("pass_{}", d.as_str()), Arc::new(pb.finish())));
        }
        cols.push(("pass".into(), Arc::new(pass.finish())));
        cols.push(("finding_codes".into(), Arc::new(codes.finish())));
        cols.push(("summary_commune".into(), Arc::new(commune.finish())));
        cols.push(("worklist_priority".into(), Arc::new(priority.finish())));
        cols.push(("corrections".into(), Arc::new(corrections.finish())));
        for (name, mut b) in ISSUE.iter().zip(issue) {
            cols.push((format!("issue_{name}"), Arc::new(b.finish())));
        }
        Ok(cols)
    })
}

/// Every row of a batch, by index.
fn every_row(r: &RecordBatch) -> Vec<usize> {
    (0..r.num_rows()).collect()
}

/// Some rows of a batch (`id`, `source`, `raw`) per source of the job, in file order: their
/// batch rows and raw records.
fn raws_by_source(j: &Job, r: &RecordBatch, rows: &[usize]) -> PyResult<Vec<(Vec<usize>, Vec<RawRecord>)>> {
    let (ids, source, raw) = (typed::<Int64Array>(r, "id")?, typed::<StringArray>(r, "source")?, typed::<BinaryArray>(r, "raw")?);
    let mut rows = rows.to_vec();
    rows.sort_by_key(|&i| ids.value(i));
    let mut out: Vec<(Vec<usize>, Vec<RawRecord>)> = j.sources.iter().map(|_| Default::default()).collect();
    for i in rows {
        let s = j
            .sources
            .iter()
            .position(|p| p.input.name == source.value(i))
            .ok_or_else(|| err(format!("record {}: the job has no source named {:?}", ids.value(i), source.value(i))))?;
        out[s].0.push(i);
        out[s].1.push(from_bytes(raw.value(i), Reader::raw_record).map_err(|e| err(format!("record {}: {e}", ids.value(i))))?);
    }
    Ok(out)
}

/// Each record's key before repeats are told apart: `records` (`id`, `source`, `raw`) hold
/// whole rows. Returns `id`, `source`, `base_key`.
#[pyfunction]
pub fn base_record_keys<'py>(py: Python<'py>, job: &str, records: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    over_batch(py, job, records, |j, r| {
        let (ids, source) = (typed::<Int64Array>(r, "id")?, typed::<StringArray>(r, "source")?);
        let (mut id, mut src, mut key) = (Int64Builder::new(), StringBuilder::new(), StringBuilder::new());
        for (plan, (rows, raws)) in j.sources.iter().zip(raws_by_source(j, r, &every_row(r))?) {
            for (i, k) in rows.iter().zip(lamsach_core::ingest::keys::base_keys(&plan.input.schema, &raws)) {
                id.append_value(ids.value(*i));
                src.append_value(source.value(*i));
                key.append_value(k);
            }
        }
        let cols: Vec<(&str, ArrayRef)> = vec![("id", Arc::new(id.finish())), ("source", Arc::new(src.finish())), ("base_key", Arc::new(key.finish()))];
        Ok(cols)
    })
}

/// Records sharing a key told apart: `records` (`id`, `source`, `raw`, `base_key`) hold every
/// record of each key they hold. Returns `id`, `record_key`.
#[pyfunction]
pub fn told_apart_keys<'py>(py: Python<'py>, job: &str, records: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    over_batch(py, job, records, |j, r| {
        let (ids, base) = (typed::<Int64Array>(r, "id")?, typed::<StringArray>(r, "base_key")?);
        let (mut id, mut key) = (Int64Builder::new(), StringBuilder::new());
        for (rows, raws) in raws_by_source(j, r, &every_row(r))? {
            let mut keys: Vec<String> = rows.iter().map(|&i| base.value(i).to_string()).collect();
            lamsach_core::ingest::keys::tell_apart(&mut keys, &raws);
            for (i, k) in rows.iter().zip(keys) {
                id.append_value(ids.value(*i));
                key.append_value(k);
            }
        }
        let cols: Vec<(&str, ArrayRef)> = vec![("id", Arc::new(id.finish())), ("record_key", Arc::new(key.finish()))];
        Ok(cols)
    })
}
