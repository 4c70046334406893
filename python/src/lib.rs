//! `lamsach._lamsach`: lamsach's core over Arrow record batches, for the Spark job
//! (python/lamsach/spark.py) and anyone who drives the stages from Python.
//!
//! Batches cross the boundary through the Arrow C data interface (pyarrow's `_export_to_c` /
//! `_import_from_c`): no per-row Python. Every function takes the job file's path and reads
//! it as the CLI does (`lamsach_core::Job::load`), so the same schemas, column overrides,
//! normalization options and link settings apply. Errors are Python `ValueError`s naming the
//! job, source, column or row — never a value from the data.
//!
//! The `features` column is lamsach's own binary form of what the linker compares
//! (`lamsach_core::codec`); it is only meant to travel between these functions.

mod assess;

use arrow_array::builder::{BinaryBuilder, BooleanBuilder, Float32Builder, Float64Builder, Int32Builder, Int64Builder, StringBuilder};
use arrow_array::ffi::{FFI_ArrowArray, FFI_ArrowSchema, from_ffi, to_ffi};
use arrow_array::{Array, ArrayRef, BinaryArray, BooleanArray, Float32Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, StructArray};
use arrow_schema::DataType;
use lamsach_core::codec::{features_from_bytes, features_to_bytes, from_bytes, to_bytes};
use lamsach_core::ingest::{self, IngestedSource, SourceInput};
use lamsach_core::link::features::Features;
use lamsach_core::link::group::{self, BlockPerson, Pair};
use lamsach_core::link::model::Model;
use lamsach_core::link::{LinkIndex, TermFrequencies, blocking};
use lamsach_core::link::{MatchClass, family};
use lamsach_core::normalize::NormalizeOptions;
use lamsach_core::normalize::placeholder::{self, Placeholder};
use lamsach_core::reference::ReferencePerson;
use lamsach_core::{Dimension, Field, Job, NormRecord};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::Path;
use std::sync::Arc;

fn err(msg: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(msg.to_string())
}

/// A pyarrow.RecordBatch moved into Rust.
fn import_batch(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    let mut array = FFI_ArrowArray::empty();
    let mut schema = FFI_ArrowSchema::empty();
    obj.call_method1("_export_to_c", (&raw mut array as usize, &raw mut schema as usize))?;
    // SAFETY: pyarrow has just filled both structs through the C data interface.
    let data = unsafe { from_ffi(array, &schema) }.map_err(err)?;
    Ok(RecordBatch::from(StructArray::from(data)))
}

/// A batch moved out to pyarrow.
fn export_batch<'py>(py: Python<'py>, batch: RecordBatch) -> PyResult<Bound<'py, PyAny>> {
    let data = StructArray::from(batch).into_data();
    let (array, schema) = to_ffi(&data).map_err(err)?;
    let (array, schema) = (Box::into_raw(Box::new(array)), Box::into_raw(Box::new(schema)));
    let out = py.import("pyarrow")?.getattr("RecordBatch")?.call_method1("_import_from_c", (array as usize, schema as usize));
    // SAFETY: pyarrow moved the contents out (their release callbacks are now null), or
    // failed and left them to us; either way these boxes are ours to drop.
    unsafe {
        drop(Box::from_raw(array));
        drop(Box::from_raw(schema));
    }
    out
}

fn batch_of(columns: Vec<(&str, ArrayRef)>) -> PyResult<RecordBatch> {
    RecordBatch::try_from_iter(columns).map_err(err)
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> PyResult<&'a ArrayRef> {
    b.column_by_name(name).ok_or_else(|| err(format!("the batch has no column {name:?}")))
}

fn typed<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> PyResult<&'a T> {
    column(b, name)?.as_any().downcast_ref::<T>().ok_or_else(|| {
        err(format!("column {name:?} has type {}, not the one lamsach wrote", column(b, name).map(|c| c.data_type().to_string()).unwrap_or_default()))
    })
}

/// A column's cells as text (strings, numbers and booleans as written; null as empty).
fn texts(c: &ArrayRef, name: &str) -> PyResult<Vec<String>> {
    use arrow_array::cast::AsArray;
    let n = c.len();
    let cell = |i: usize, f: &dyn Fn(usize) -> String| if c.is_null(i) { String::new() } else { f(i) };
    Ok(match c.data_type() {
        DataType::Utf8 => (0..n).map(|i| cell(i, &|i| c.as_string::<i32>().value(i).to_string())).collect(),
        DataType::LargeUtf8 => (0..n).map(|i| cell(i, &|i| c.as_string::<i64>().value(i).to_string())).collect(),
        DataType::Utf8View => (0..n).map(|i| cell(i, &|i| c.as_string_view().value(i).to_string())).collect(),
        DataType::Int64 => (0..n).map(|i| cell(i, &|i| c.as_primitive::<arrow_array::types::Int64Type>().value(i).to_string())).collect(),
        DataType::Int32 => (0..n).map(|i| cell(i, &|i| c.as_primitive::<arrow_array::types::Int32Type>().value(i).to_string())).collect(),
        DataType::Null => vec![String::new(); n],
        t => return Err(err(format!("column {name:?} is {t}; lamsach reads registers as text: cast it to string first"))),
    })
}

fn load_job(job: &str) -> PyResult<Job> {
    Job::load(Path::new(job)).map_err(err)
}

/// The source (or the reference, by its job name) and its normalization options.
fn plan<'a>(job: &'a Job, source: &str) -> PyResult<(&'a SourceInput, &'a NormalizeOptions)> {
    if source == job.reference.input.name {
        return Ok((&job.reference.input, &job.reference.normalize));
    }
    job.sources
        .iter()
        .find(|s| s.input.name == source)
        .map(|s| (&s.input, &s.normalize))
        .ok_or_else(|| err(format!("the job {} has no source named {source:?}", job.file.display())))
}

/// The job as the Spark job needs it: names, paths, formats and roles, in job order (JSON).
#[pyfunction]
fn job_plan(job: &str) -> PyResult<String> {
    let j = load_job(job)?;
    let entry = |i: &SourceInput| {
        serde_json::json!({
            "name": i.name,
            "path": i.path,
            "format": ingest::Format::of(&i.path).map(|f| f.as_str()),
            "schema": i.schema.name,
            "roles": i.schema.roles(),
            // A birth register's family: the event's role and the parents' (mother 0, father 1),
            // as role indexes (see lamsach_core::link::family).
            "event_role": i.schema.event_role.as_ref().and_then(|e| i.schema.roles().iter().position(|r| r == e)),
            "parent_roles": i.schema.event_role.as_ref().map(|_| {
                i.schema.roles().iter().enumerate().filter_map(|(k, r)| Some((k.to_string(), family::Parent::of_role(r)?.index()))).collect::<std::collections::BTreeMap<_, _>>()
            }),
        })
    };
    Ok(serde_json::json!({
        "name": j.name,
        "output_dir": j.output_dir,
        "reference": entry(&j.reference.input),
        "sources": j.sources.iter().map(|s| entry(&s.input)).collect::<Vec<_>>(),
        "max_block": j.link.max_block,
        "run_date": j.run_date.iso(),
    })
    .to_string())
}

/// The normalized records of a source as a batch: `source_row`, `role`, `features`,
/// `person_id`, the three term-frequency keys (`tf_name`, `tf_dob`, `tf_commune`, for the
/// reference), and the normalizer's finding codes.
/// `days`: the days the whole register overuses for unknown dates of birth, when `src` is only
/// part of it (`None`: `src` is the whole register, judged here). The reference has none.
fn records_batch(src: &IngestedSource, opts: &NormalizeOptions, reference: bool, days: Option<&[Placeholder]>) -> PyResult<RecordBatch> {
    let norm: Vec<NormRecord> = match (reference, days) {
        (true, _) => lamsach_core::normalize::each_record(&src.records, opts),
        (false, None) => lamsach_core::normalize::run(src, opts),
        (false, Some(days)) => {
            let mut norm = lamsach_core::normalize::each_record(&src.records, opts);
            placeholder::apply(&mut norm, days);
            norm
        }
    };
    let (mut raws, mut persons) = (BinaryBuilder::new(), BinaryBuilder::new());
    let roles = src.schema.roles();
    let n = norm.len();
    let (mut row, mut role, mut feats, mut pid, mut codes) =
        (Int64Builder::with_capacity(n), StringBuilder::new(), BinaryBuilder::new(), StringBuilder::new(), StringBuilder::new());
    let mut tf: [Int64Builder; 3] = std::array::from_fn(|_| Int64Builder::with_capacity(n));
    for (raw, rec) in src.records.iter().zip(&norm) {
        let f = Features::from_record_in_role(rec, src.schema.sex_of_role(raw.role).map(Into::into));
        row.append_value(raw.source_row as i64);
        role.append_value(roles.get(raw.role as usize).map_or("", String::as_str));
        feats.append_value(features_to_bytes(&f));
        pid.append_option(f.person_id.as_deref());
        for (b, k) in tf.iter_mut().zip(TermFrequencies::keys(&f)) {
            b.append_option(k.map(|k| k as i64));
        }
        let c: Vec<&str> = rec.findings.iter().map(|f| f.code.as_str()).collect();
        codes.append_value(c.join(" "));
        raws.append_value(to_bytes(|w| w.raw_record(raw)));
        if reference {
            persons.append_value(to_bytes(|w| ReferencePerson::of(raw, rec).write(w)));
        } else {
            persons.append_null();
        }
    }
    // The rows that could not become records follow, with only their quarantine columns.
    let (mut q_end, mut q_reason, mut q_raw) = (Int64Builder::new(), StringBuilder::new(), StringBuilder::new());
    for _ in 0..n {
        q_end.append_null();
        q_reason.append_null();
        q_raw.append_null();
    }
    for q in &src.quarantine {
        row.append_value(q.source_row as i64);
        q_end.append_value(q.source_row_end as i64);
        q_reason.append_value(q.reason.as_str());
        q_raw.append_value(&q.raw);
        role.append_null();
        feats.append_null();
        pid.append_null();
        tf.iter_mut().for_each(|b| b.append_null());
        codes.append_null();
        raws.append_null();
        persons.append_null();
    }
    let [t0, t1, t2] = tf;
    let row_count = n + src.quarantine.len();
    let arr = |mut b: Int64Builder| Arc::new(b.finish()) as ArrayRef;
    batch_of(vec![
        ("source_row", arr(row)),
        ("role", Arc::new(role.finish())),
        ("features", Arc::new(feats.finish())),
        ("person_id", Arc::new(pid.finish())),
        ("tf_name", arr(t0)),
        ("tf_dob", arr(t1)),
        ("tf_commune", arr(t2)),
        ("normalizer_codes", Arc::new(codes.finish())),
        ("raw", Arc::new(raws.finish())),
        ("person", Arc::new(persons.finish())),
        ("quarantine_reason", Arc::new(q_reason.finish())),
        ("source_row_end", arr(q_end)),
        ("quarantine_raw", Arc::new(q_raw.finish())),
        // The file's text encoding (CSV) and whether it is a legacy one, on every row.
        ("encoding", Arc::new(StringArray::from(vec![src.layout.encoding.map(|e| e.encoding.as_str()); row_count]))),
        ("legacy_encoding", Arc::new(BooleanArray::from(vec![src.layout.encoding.is_some_and(|e| e.encoding.is_legacy()); row_count]))),
    ])
}

/// Reads one source (or the reference) through lamsach's own decoders — CSV/TSV in any
/// encoding it detects — and normalizes it. One row per record, then one per quarantined row
/// (`quarantine_reason` set, the record columns null).
#[pyfunction]
fn read_source<'py>(py: Python<'py>, job: &str, source: &str) -> PyResult<Bound<'py, PyAny>> {
    let j = load_job(job)?;
    let (input, opts) = plan(&j, source)?;
    let batch = py.detach(|| -> PyResult<RecordBatch> {
        let src = ingest::read_source(input, &ingest::Readers::CORE).map_err(err)?;
        records_batch(&src, opts, source == j.reference.input.name, None)
    })?;
    export_batch(py, batch)
}

/// Normalizes rows another reader produced (Spark reading Parquet): the batch's columns are
/// the file's headers, plus `row_column` holding each row's physical row number. `days` is
/// the JSON of [`overused_days`] for the whole register when the batch is a part of it;
/// without it the batch is taken as the whole register.
#[pyfunction]
#[pyo3(signature = (job, source, batch, row_column, days=None))]
fn normalize_rows<'py>(
    py: Python<'py>,
    job: &str,
    source: &str,
    batch: &Bound<'py, PyAny>,
    row_column: &str,
    days: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    let days: Option<Vec<Placeholder>> = days.map(|d| serde_json::from_str(d).map_err(|e| err(format!("days: {e}")))).transpose()?;
    let j = load_job(job)?;
    let (input, opts) = plan(&j, source)?;
    let b = import_batch(batch)?;
    let (rows, headers, cols) = columns_of(&b, row_column)?;
    let out = py.detach(|| -> PyResult<RecordBatch> {
        let it = (0..b.num_rows()).map(|i| (rows.value(i) as u64, cols.iter().map(|c| c[i].clone()).collect()));
        let src = ingest::records_of_rows(input, headers, it).map_err(err)?;
        records_batch(&src, opts, source == j.reference.input.name, days.as_deref())
    })?;
    export_batch(py, out)
}

/// A batch of another reader's rows: each row's number (from `row_column`), the other
/// columns' headings, and their values as text.
fn columns_of(b: &RecordBatch, row_column: &str) -> PyResult<(Int64Array, Vec<String>, Vec<Vec<String>>)> {
    let rows = typed::<Int64Array>(b, row_column)?.clone();
    let mut headers = Vec::new();
    let mut cols = Vec::new();
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        if f.name() != row_column {
            headers.push(f.name().clone());
            cols.push(texts(c, f.name())?);
        }
    }
    Ok((rows, headers, cols))
}

/// How many of a batch's dates of birth fall on each day of the year (13 × 32 counts, month
/// by month, as [`placeholder::DayCounts`]): summed over a register's batches, they give
/// [`overused_days`] what the whole register overuses.
#[pyfunction]
fn dob_day_counts(py: Python<'_>, job: &str, source: &str, batch: &Bound<'_, PyAny>, row_column: &str) -> PyResult<Vec<u64>> {
    let j = load_job(job)?;
    let (input, opts) = plan(&j, source)?;
    let b = import_batch(batch)?;
    let (rows, headers, cols) = columns_of(&b, row_column)?;
    py.detach(|| -> PyResult<Vec<u64>> {
        let it = (0..b.num_rows()).map(|i| (rows.value(i) as u64, cols.iter().map(|c| c[i].clone()).collect()));
        let src = ingest::records_of_rows(input, headers, it).map_err(err)?;
        let norm = lamsach_core::normalize::each_record(&src.records, opts);
        Ok(placeholder::day_counts(norm.iter().filter_map(|n| n.dob)).iter().flatten().copied().collect())
    })
}

/// The days a register overuses for unknown dates of birth, as JSON for [`normalize_rows`],
/// from its summed [`dob_day_counts`].
#[pyfunction]
fn overused_days(counts: Vec<u64>) -> PyResult<String> {
    if counts.len() != 13 * 32 {
        return Err(err(format!("counts: {} values, not 13 × 32", counts.len())));
    }
    let mut by_day: placeholder::DayCounts = [[0; 32]; 13];
    for (k, n) in counts.into_iter().enumerate() {
        by_day[k / 32][k % 32] = n;
    }
    serde_json::to_string(&placeholder::overused_days(&by_day)).map_err(err)
}

fn features_of(b: &RecordBatch) -> PyResult<Vec<Features>> {
    let f = typed::<BinaryArray>(b, "features")?;
    (0..f.len()).map(|i| features_from_bytes(f.value(i)).map_err(|e| err(format!("features of row {i}: {e}")))).collect()
}

/// The blocking keys of a batch (`id`, `features`): (`id`, `rule`, `key`, `broad`). For
/// records (`people = False`), only the rules a record asks; for reference people, every
/// key they stand under.
#[pyfunction]
fn blocking_keys<'py>(py: Python<'py>, batch: &Bound<'py, PyAny>, people: bool) -> PyResult<Bound<'py, PyAny>> {
    let b = import_batch(batch)?;
    let ids = typed::<Int64Array>(&b, "id")?.clone();
    let feats = features_of(&b)?;
    let out = py.detach(|| {
        let (mut id, mut rule, mut key, mut broad) = (Int64Builder::new(), Int32Builder::new(), Int64Builder::new(), BooleanBuilder::new());
        for (i, f) in feats.iter().enumerate() {
            let keys = if people { blocking::person_keys(&blocking::Rule::ALL, f) } else { blocking::asked_keys(&blocking::Rule::ALL, f) };
            for (r, k) in keys {
                id.append_value(ids.value(i));
                rule.append_value(r as i32);
                key.append_value(k as i64);
                broad.append_value(blocking::is_broad(blocking::Rule::ALL[r]));
            }
        }
        batch_of(vec![("id", Arc::new(id.finish())), ("rule", Arc::new(rule.finish())), ("key", Arc::new(key.finish())), ("broad", Arc::new(broad.finish()))])
    })?;
    export_batch(py, out)
}

fn model_of(json: &str) -> PyResult<Model> {
    let m: Model = serde_json::from_str(json).map_err(|e| err(format!("the model is not a lamsach model.json: {e}")))?;
    m.validate().map_err(err)?;
    Ok(m)
}

/// Many blocks at once (one task's share of a shuffle, so the Python call and the Arrow
/// conversion are paid per task, not per block): records (`rule`, `key`, `salt`, `id`,
/// `features`, `broad`) and people (`rule`, `key`, `salt`, `ref_key`, `features`,
/// `tf_name_freq`, `tf_dob_freq`, `tf_commune_freq`, `shared_id`, `truncated`), each pair of
/// the same block (`rule`, `key`, `salt`) scored →
/// (`id`, `ref_key`, `weight`, `broad`, `truncated`, `shared_id`), `reduce_links`' input.
#[pyfunction]
fn score_blocks<'py>(py: Python<'py>, records: &Bound<'py, PyAny>, people: &Bound<'py, PyAny>, model: &str) -> PyResult<Bound<'py, PyAny>> {
    let (r, p) = (import_batch(records)?, import_batch(people)?);
    let model = model_of(model)?;
    let block_of = |b: &RecordBatch| -> PyResult<Vec<(i32, i64, i32)>> {
        let (rule, key, salt) = (typed::<Int32Array>(b, "rule")?, typed::<Int64Array>(b, "key")?, typed::<Int32Array>(b, "salt")?);
        Ok((0..b.num_rows()).map(|i| (rule.value(i), key.value(i), salt.value(i))).collect())
    };
    let (rblock, pblock) = (block_of(&r)?, block_of(&p)?);
    let (rid, rbroad) = (typed::<Int64Array>(&r, "id")?, typed::<BooleanArray>(&r, "broad")?);
    let pkey = typed::<Int64Array>(&p, "ref_key")?;
    let (pshared, ptrunc) = (typed::<BooleanArray>(&p, "shared_id")?, typed::<BooleanArray>(&p, "truncated")?);
    let freq = |c: &str| typed::<Float32Array>(&p, c).cloned();
    let (f0, f1, f2) = (freq("tf_name_freq")?, freq("tf_dob_freq")?, freq("tf_commune_freq")?);
    let rf = features_of(&r)?;
    let pf = features_of(&p)?;
    let out = py.detach(|| {
        let mut people_of: std::collections::HashMap<(i32, i64, i32), Vec<usize>> = Default::default();
        for (j, b) in pblock.iter().enumerate() {
            people_of.entry(*b).or_default().push(j);
        }
        let mut records_of: std::collections::HashMap<(i32, i64, i32), Vec<usize>> = Default::default();
        for (i, b) in rblock.iter().enumerate() {
            records_of.entry(*b).or_default().push(i);
        }
        let (mut id, mut key, mut w) = (Int64Builder::new(), Int64Builder::new(), Float64Builder::new());
        let (mut broad, mut trunc, mut shared) = (BooleanBuilder::new(), BooleanBuilder::new(), BooleanBuilder::new());
        for (block, rs) in &records_of {
            let Some(ps) = people_of.get(block) else { continue };
            let people: Vec<BlockPerson> = ps
                .iter()
                .map(|&j| BlockPerson { ref_idx: pkey.value(j) as u64, features: pf[j].clone(), tf: [f0.value(j), f1.value(j), f2.value(j)] })
                .collect();
            let recs: Vec<Features> = rs.iter().map(|&i| rf[i].clone()).collect();
            for (i, j, weight) in group::score_block(&model, &recs, &people) {
                let (ri, pj) = (rs[i as usize], ps[j as usize]);
                id.append_value(rid.value(ri));
                key.append_value(pkey.value(pj));
                w.append_value(weight);
                broad.append_value(rbroad.value(ri));
                trunc.append_value(ptrunc.value(pj));
                shared.append_value(pshared.value(pj));
            }
        }
        batch_of(vec![
            ("id", Arc::new(id.finish())),
            ("ref_key", Arc::new(key.finish())),
            ("weight", Arc::new(w.finish())),
            ("broad", Arc::new(broad.finish())),
            ("truncated", Arc::new(trunc.finish())),
            ("shared_id", Arc::new(shared.finish())),
        ])
    })?;
    export_batch(py, out)
}

/// matches.parquet's rows: each (record, person) pair explained — records' `record_features`
/// and the person's `features`, `tf_name_freq`, `tf_dob_freq`, `tf_commune_freq` on one row,
/// with `id`, `rank`, `ref_key` passed through (and `by_family`, optional: the best of a parent
/// linked through its child's family, weighed under the family's prior) → `match_weight`, `match_probability`,
/// `prior_weight`, and per comparison `<c>_level` (label, or "null"), `<c>_weight`, `<c>_tf_weight`.
#[pyfunction]
fn explain_pairs<'py>(py: Python<'py>, pairs: &Bound<'py, PyAny>, model: &str) -> PyResult<Bound<'py, PyAny>> {
    let b = import_batch(pairs)?;
    let model = model_of(model)?;
    let (ids, keys, ranks) = (typed::<Int64Array>(&b, "id")?, typed::<Int64Array>(&b, "ref_key")?, typed::<Int32Array>(&b, "rank")?);
    let rf = typed::<BinaryArray>(&b, "record_features")?;
    let freq = |c: &str| typed::<Float32Array>(&b, c).cloned();
    let (f0, f1, f2) = (freq("tf_name_freq")?, freq("tf_dob_freq")?, freq("tf_commune_freq")?);
    let pf = features_of(&b)?;
    let by_family = b.column_by_name("by_family").and_then(|c| c.as_any().downcast_ref::<BooleanArray>());
    let nc = model.comparisons.len();
    let (mut w, mut p, mut prior) = (Float64Builder::new(), Float64Builder::new(), Float64Builder::new());
    let mut levels: Vec<StringBuilder> = (0..nc).map(|_| StringBuilder::new()).collect();
    let (mut parts, mut tfs): (Vec<Float64Builder>, Vec<Float64Builder>) =
        ((0..nc).map(|_| Float64Builder::new()).collect(), (0..nc).map(|_| Float64Builder::new()).collect());
    #[expect(clippy::needless_range_loop, reason = "row i of several columns, the person's features among them")]
    for i in 0..b.num_rows() {
        let record = features_from_bytes(rf.value(i)).map_err(|e| err(format!("record features of row {i}: {e}")))?;
        let person = BlockPerson { ref_idx: keys.value(i) as u64, features: pf[i].clone(), tf: [f0.value(i), f1.value(i), f2.value(i)] };
        let sc = group::explain(&model, &record, &person);
        // A link through the child's family weighs its pair under the family's prior.
        if by_family.is_some_and(|f| f.value(i)) {
            let weight = family::family_weight(sc.weight, &model);
            w.append_value(weight);
            p.append_value(lamsach_core::link::model::probability(weight));
            prior.append_value(family::FAMILY_PRIOR_BITS);
        } else {
            w.append_value(sc.weight);
            p.append_value(sc.probability);
            prior.append_value(model.prior_weight());
        }
        for c in 0..nc {
            let lv = sc.levels[c];
            levels[c].append_value(if lv == lamsach_core::link::compare::NULL_LEVEL {
                "null"
            } else {
                model.comparisons[c].levels[lv as usize].label.as_str()
            });
            parts[c].append_value(sc.parts[c]);
            tfs[c].append_value(sc.tf_parts[c]);
        }
    }
    let mut cols: Vec<(String, ArrayRef)> = vec![
        ("id".into(), Arc::new(ids.clone())),
        ("rank".into(), Arc::new(ranks.clone())),
        ("ref_key".into(), Arc::new(keys.clone())),
        ("match_weight".into(), Arc::new(w.finish())),
        ("match_probability".into(), Arc::new(p.finish())),
        ("prior_weight".into(), Arc::new(prior.finish())),
    ];
    for (c, ((mut l, mut x), mut t)) in levels.into_iter().zip(parts).zip(tfs).enumerate() {
        let name = &model.comparisons[c].name;
        cols.push((format!("{name}_level"), Arc::new(l.finish())));
        cols.push((format!("{name}_weight"), Arc::new(x.finish())));
        cols.push((format!("{name}_tf_weight"), Arc::new(t.finish())));
    }
    export_batch(py, RecordBatch::try_from_iter(cols).map_err(err)?)
}

/// Reduces scored pairs (`id`, `ref_key`, `weight`, `broad`, `truncated`, `shared_id`; every
/// pair of a record in this batch) to one link per record, as the CLI decides it: (`id`,
/// `match_class`, `best_ref_key`, `best_weight`, `best_probability`, `runner_up_ref_key`,
/// `runner_up_weight`, `candidates`, `truncated`, `sure`: the narrow rules' pairs alone
/// decide it, see `lamsach_core::link::group::GroupLink::sure`).
#[pyfunction]
fn reduce_links<'py>(py: Python<'py>, job: &str, pairs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let j = load_job(job)?;
    let b = import_batch(pairs)?;
    let ids = typed::<Int64Array>(&b, "id")?;
    let keys = typed::<Int64Array>(&b, "ref_key")?;
    let w = typed::<Float64Array>(&b, "weight")?;
    let flag = |c: &str| typed::<BooleanArray>(&b, c);
    let (broad, trunc, shared) = (flag("broad")?, flag("truncated")?, flag("shared_id")?);
    let mut by_record: std::collections::BTreeMap<i64, Vec<Pair>> = Default::default();
    for i in 0..b.num_rows() {
        by_record.entry(ids.value(i)).or_default().push(Pair {
            ref_idx: keys.value(i) as u64,
            weight: w.value(i),
            broad: broad.value(i),
            truncated: trunc.value(i),
            shared_id: shared.value(i),
        });
    }
    let out = py.detach(|| {
        let n = by_record.len();
        let mut id = Int64Builder::with_capacity(n);
        let mut class = StringBuilder::new();
        let (mut bk, mut bw, mut bp, mut rk, mut rw) =
            (Int64Builder::new(), Float64Builder::new(), Float64Builder::new(), Int64Builder::new(), Float64Builder::new());
        let (mut cand, mut tr, mut sure) = (Int32Builder::new(), BooleanBuilder::new(), BooleanBuilder::new());
        for (rid, mut pairs) in by_record {
            let l = group::reduce(&mut pairs, &j.link);
            id.append_value(rid);
            class.append_value(l.class.as_str());
            bk.append_option(l.best.map(|b| b.0 as i64));
            bw.append_option(l.best.map(|b| b.1));
            bp.append_option(l.best.map(|b| b.2));
            rk.append_option(l.runner_up.map(|r| r.0 as i64));
            rw.append_option(l.runner_up.map(|r| r.1));
            cand.append_value(l.candidates as i32);
            tr.append_value(l.truncated);
            sure.append_value(l.sure);
        }
        batch_of(vec![
            ("id", Arc::new(id.finish())),
            ("match_class", Arc::new(class.finish())),
            ("best_ref_key", Arc::new(bk.finish())),
            ("best_weight", Arc::new(bw.finish())),
            ("best_probability", Arc::new(bp.finish())),
            ("runner_up_ref_key", Arc::new(rk.finish())),
            ("runner_up_weight", Arc::new(rw.finish())),
            ("candidates", Arc::new(cand.finish())),
            ("truncated", Arc::new(tr.finish())),
            ("sure", Arc::new(sure.finish())),
        ])
    })?;
    export_batch(py, out)
}

/// The personal IDs of each reference person's mother and father (`person` → `mother_id`,
/// `father_id`), where the extract holds them.
#[pyfunction]
fn parent_ids<'py>(py: Python<'py>, batch: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let b = import_batch(batch)?;
    let pp = typed::<BinaryArray>(&b, "person")?;
    let (mut mother, mut father) = (StringBuilder::new(), StringBuilder::new());
    for i in 0..b.num_rows() {
        let p = from_bytes(pp.value(i), ReferencePerson::read).map_err(|e| err(format!("people row {i}: {e}")))?;
        let (m, f) = p.parents.as_deref().map_or((None, None), |(m, f)| (m.as_deref(), f.as_deref()));
        mother.append_option(m);
        father.append_option(f);
    }
    export_batch(py, batch_of(vec![("mother_id", Arc::new(mother.finish())), ("father_id", Arc::new(father.finish()))])?)
}

/// One family pass of the CLI (`lamsach_core::link::family::link_families`) over a batch holding
/// every candidate row of its records: per row, the record (`id`, `features`), its current
/// link (`match_class`, `best_ref_key`, `best_weight`, `best_probability`, `runner_up_ref_key`,
/// `runner_up_weight`, `by_family`, `family_disagrees`), which of its row's parents the
/// candidate comes through (`parent`: 0 mother, 1 father) and the candidate
/// (`cand_ref_key`, `cand_features`, `tf_name_freq`, `tf_dob_freq`, `tf_commune_freq`).
/// `children`: the pass links children (a record already a match is left; the mother's
/// candidates are tried first), else parents. Returns the records the pass changes, with the
/// link columns above.
#[pyfunction]
fn family_links<'py>(py: Python<'py>, job: &str, batch: &Bound<'py, PyAny>, model: &str, children: bool) -> PyResult<Bound<'py, PyAny>> {
    let j = load_job(job)?;
    let b = import_batch(batch)?;
    let model = model_of(model)?;
    let ids = typed::<Int64Array>(&b, "id")?;
    let class = typed::<StringArray>(&b, "match_class")?;
    let (bk, rk, ck) = (typed::<Int64Array>(&b, "best_ref_key")?, typed::<Int64Array>(&b, "runner_up_ref_key")?, typed::<Int64Array>(&b, "cand_ref_key")?);
    let (bw, bp, rw) =
        (typed::<Float64Array>(&b, "best_weight")?, typed::<Float64Array>(&b, "best_probability")?, typed::<Float64Array>(&b, "runner_up_weight")?);
    let (fam, dis, parent) = (typed::<BooleanArray>(&b, "by_family")?, typed::<BooleanArray>(&b, "family_disagrees")?, typed::<Int32Array>(&b, "parent")?);
    let cf = typed::<BinaryArray>(&b, "cand_features")?;
    let freq = |c: &str| typed::<Float32Array>(&b, c).cloned();
    let (f0, f1, f2) = (freq("tf_name_freq")?, freq("tf_dob_freq")?, freq("tf_commune_freq")?);
    let rf = features_of(&b)?;
    let key = |a: &Int64Array, i: usize| (!a.is_null(i)).then(|| a.value(i));
    // Each record's candidate rows, by the parent they come through (mother first).
    let mut rows: std::collections::BTreeMap<i64, std::collections::BTreeMap<i32, Vec<usize>>> = Default::default();
    for i in 0..b.num_rows() {
        rows.entry(ids.value(i)).or_default().entry(parent.value(i)).or_default().push(i);
    }
    let mut out = FamilyOut::default();
    for (rid, by_parent) in rows {
        let first = *by_parent.values().next().and_then(|v| v.first()).ok_or_else(|| err("a record without a candidate row"))?;
        let current = class_of(class.value(first))?;
        if children && current == MatchClass::Match {
            continue;
        }
        let (best, runner_up) = (key(bk, first), key(rk, first));
        for cands in by_parent.values() {
            let mut weighed = Vec::with_capacity(cands.len());
            for &i in cands {
                let features = features_from_bytes(cf.value(i)).map_err(|e| err(format!("candidate features of row {i}: {e}")))?;
                let person = BlockPerson { ref_idx: ck.value(i) as u64, features, tf: [f0.value(i), f1.value(i), f2.value(i)] };
                weighed.push((ck.value(i), group::explain(&model, &rf[i], &person).weight));
            }
            let Some((cand, weight)) = family::clear_best(weighed, &j.link) else { continue };
            match family::through_family(current, best, runner_up, cand, weight, &model, &j.link) {
                family::Verdict::Link(d) => {
                    let runner_up_weight = d.runner_up.map(|k| if Some(k) == best { bw.value(first) } else { rw.value(first) });
                    out.push(rid, MatchClass::Match, Some((cand, d.weight, d.probability)), d.runner_up.zip(runner_up_weight), true, dis.value(first));
                    break;
                }
                family::Verdict::Disagrees if !children => {
                    let kept_best = best.map(|k| (k, bw.value(first), bp.value(first)));
                    out.push(rid, current, kept_best, runner_up.map(|k| (k, rw.value(first))), fam.value(first), true);
                }
                _ => {}
            }
        }
    }
    export_batch(py, out.finish()?)
}

/// The rows `family_links` returns.
#[derive(Default)]
struct FamilyOut {
    id: Int64Builder,
    class: StringBuilder,
    best_key: Int64Builder,
    best_weight: Float64Builder,
    best_probability: Float64Builder,
    runner_up_key: Int64Builder,
    runner_up_weight: Float64Builder,
    by_family: BooleanBuilder,
    disagrees: BooleanBuilder,
}

impl FamilyOut {
    fn push(&mut self, id: i64, class: MatchClass, best: Option<(i64, f64, f64)>, runner_up: Option<(i64, f64)>, by_family: bool, disagrees: bool) {
        self.id.append_value(id);
        self.class.append_value(class.as_str());
        self.best_key.append_option(best.map(|b| b.0));
        self.best_weight.append_option(best.map(|b| b.1));
        self.best_probability.append_option(best.map(|b| b.2));
        self.runner_up_key.append_option(runner_up.map(|r| r.0));
        self.runner_up_weight.append_option(runner_up.map(|r| r.1));
        self.by_family.append_value(by_family);
        self.disagrees.append_value(disagrees);
    }

    fn finish(mut self) -> PyResult<RecordBatch> {
        batch_of(vec![
            ("id", Arc::new(self.id.finish())),
            ("match_class", Arc::new(self.class.finish())),
            ("best_ref_key", Arc::new(self.best_key.finish())),
            ("best_weight", Arc::new(self.best_weight.finish())),
            ("best_probability", Arc::new(self.best_probability.finish())),
            ("runner_up_ref_key", Arc::new(self.runner_up_key.finish())),
            ("runner_up_weight", Arc::new(self.runner_up_weight.finish())),
            ("by_family", Arc::new(self.by_family.finish())),
            ("family_disagrees", Arc::new(self.disagrees.finish())),
        ])
    }
}

/// The model for a job (its `[link] model`, else trained as the CLI trains), as model.json
/// text. `records`: every record's `features` in job order (sources in order, rows in file
/// order); `people`: the reference's `features` in extract order — all of them for the
/// CLI's exact model, or a sample (then `reference_size` is the whole extract's count).
#[pyfunction]
fn train(py: Python<'_>, job: &str, records: &Bound<'_, PyAny>, people: &Bound<'_, PyAny>, reference_size: usize) -> PyResult<String> {
    let j = load_job(job)?;
    let (r, p) = (features_of(&import_batch(records)?)?, features_of(&import_batch(people)?)?);
    py.detach(|| {
        let index = LinkIndex::build(&p);
        let all: Vec<&Features> = r.iter().collect();
        let model = lamsach_core::link::model_for(&index, &all, &j.link, reference_size);
        serde_json::to_string(&model).map_err(err)
    })
}

/// Each value's term frequency from its `count` among `people`, to the bit as the CLI
/// computes it (`lamsach_core::link::TermFrequencies::frequency`).
#[pyfunction]
fn frequencies<'py>(py: Python<'py>, counts: &Bound<'py, PyAny>, people: u64) -> PyResult<Bound<'py, PyAny>> {
    let b = import_batch(counts)?;
    let c = typed::<Int64Array>(&b, "count")?;
    let mut out = Float32Builder::with_capacity(c.len());
    for i in 0..c.len() {
        out.append_value(TermFrequencies::frequency(c.value(i) as u64, people));
    }
    export_batch(py, batch_of(vec![("freq", Arc::new(out.finish()))])?)
}

fn class_of(s: &str) -> PyResult<MatchClass> {
    [MatchClass::Match, MatchClass::Review, MatchClass::NoMatch].into_iter().find(|c| c.as_str() == s).ok_or_else(|| err(format!("unknown match class {s:?}")))
}

/// The 2025 name of an administrative unit code (commune or province), or None.
#[pyfunction]
fn unit_name(code: &str) -> Option<String> {
    lamsach_core::normalize::admin::AdminRegistry::get().unit(code, lamsach_core::normalize::admin::Era::Y2025).map(|u| u.name.clone())
}

#[pymodule]
fn _lamsach(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("FIELDS", Field::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>())?;
    m.add("DIMENSIONS", Dimension::ALL.iter().map(|d| d.as_str()).collect::<Vec<_>>())?;
    m.add("RULES", blocking::Rule::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>())?;
    m.add("MAX_CHILDREN", lamsach_core::link::family::MAX_CHILDREN)?;
    for f in [
        wrap_pyfunction!(job_plan, m)?,
        wrap_pyfunction!(read_source, m)?,
        wrap_pyfunction!(normalize_rows, m)?,
        wrap_pyfunction!(dob_day_counts, m)?,
        wrap_pyfunction!(overused_days, m)?,
        wrap_pyfunction!(blocking_keys, m)?,
        wrap_pyfunction!(score_blocks, m)?,
        wrap_pyfunction!(explain_pairs, m)?,
        wrap_pyfunction!(reduce_links, m)?,
        wrap_pyfunction!(parent_ids, m)?,
        wrap_pyfunction!(family_links, m)?,
        wrap_pyfunction!(train, m)?,
        wrap_pyfunction!(frequencies, m)?,
        wrap_pyfunction!(assess::assess_members, m)?,
        wrap_pyfunction!(assess::assess_groups, m)?,
        wrap_pyfunction!(assess::assess, m)?,
        wrap_pyfunction!(assess::base_record_keys, m)?,
        wrap_pyfunction!(assess::told_apart_keys, m)?,
        wrap_pyfunction!(assess::record_dob_day_counts, m)?,
        wrap_pyfunction!(unit_name, m)?,
    ] {
        m.add_function(f)?;
    }
    Ok(())
}
