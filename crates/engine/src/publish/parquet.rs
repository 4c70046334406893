//! The analysts' outputs: records, issues, matches and quarantine as Parquet
//! with stable English snake_case columns (documented in the README).

use super::RunData;
use crate::decisions::RecordDecision;
use crate::field::Field;
use crate::finding::{Dimension, Finding, Handling, PerDimension};
use crate::link::Scored;
use crate::link::compare::NULL_LEVEL;
use crate::reference::Reference;
use crate::table::{RecordView, SourceRun};
use polars::io::parquet::write::KeyValueMetadata;
use polars::prelude::*;
use polars_parquet::write::ZstdLevel;
use std::path::Path;

/// A named column from a vector of values (`Option`s where a row may have none).
fn col<T, P: ?Sized>(name: &str, values: T) -> Column
where
    Series: NamedFrom<T, P>,
{
    Series::new(name.into(), values).into()
}

/// Writes a frame as Parquet with column statistics (also used by synth and the benchmarks).
pub fn write(df: &mut DataFrame, path: &Path) -> PolarsResult<u64> {
    write_batches(path, std::iter::once(Ok(std::mem::take(df))))
}

/// Writes frames of one schema one after another as one Parquet file (row groups), with
/// column statistics; at least one frame (an empty one makes an empty table). The caller may
/// build each frame only when the last is written: a large output never sits in memory whole.
///
/// The Arrow schema embedded in the file is lamsach's, not polars': polars declares strings
/// as `Utf8View`, which pyarrow reads as `string_view` (its compute kernels and older Spark
/// readers do not take it). Declared as plain `Utf8` (and lists as `List`), every reader
/// gets ordinary string columns; the Parquet data itself is the same.
pub fn write_batches(path: &Path, mut frames: impl Iterator<Item = PolarsResult<DataFrame>>) -> PolarsResult<u64> {
    let mut first = frames.next().unwrap_or_else(|| Ok(DataFrame::empty()))?;
    let f = std::fs::File::create(path).map_err(|e| PolarsError::IO { error: e.into(), msg: None })?;
    let arrow: ArrowSchema = first.schema().to_arrow(CompatLevel::newest()).iter_values().map(|f| (f.name.clone(), plain_types(f.clone()))).collect();
    let metadata = KeyValueMetadata::Static(vec![polars_parquet::write::schema_to_metadata_key(&arrow)]);
    let mut writer = ParquetWriter::new(f)
        .with_compression(ParquetCompression::Zstd(Some(ZstdLevel::try_new(ZSTD_LEVEL)?)))
        .with_statistics(StatisticsOptions::default())
        .with_key_value_metadata(Some(metadata))
        .batched(first.schema())?;
    let mut rows = 0;
    let mut write = |df: &mut DataFrame| -> PolarsResult<()> {
        rows += df.height() as u64;
        // One row group per `ROW_GROUP` rows, every column in step.
        for part in split(df) {
            writer.write_batch(&part)?;
        }
        Ok(())
    };
    write(&mut first)?;
    drop(first);
    for df in frames {
        write(&mut df?)?;
    }
    writer.finish()?;
    Ok(rows)
}

/// zstd level 1, not the default 3: a third less compression time (pyarrow on records.parquet
/// at 10M people: 0.72 s against 1.07 s) for files 0.6–5% larger (lamsach's at 100k people).
const ZSTD_LEVEL: i32 = 1;

/// Rows per row group, and per frame of the outputs built a part at a time.
const ROW_GROUP: usize = 1 << 18;

/// A frame as parts of at most [`ROW_GROUP`] rows, each column one chunk.
fn split(df: &mut DataFrame) -> Vec<DataFrame> {
    df.rechunk_mut_par();
    let n = df.height();
    if n <= ROW_GROUP {
        return vec![df.clone()];
    }
    (0..n).step_by(ROW_GROUP).map(|at| df.slice(at as i64, ROW_GROUP.min(n - at))).collect()
}

/// The field with view and large types replaced by their plain forms (`Utf8View` →
/// `Utf8`, `LargeList` → `List`): the Parquet data is the same, only the declared Arrow
/// type changes.
fn plain_types(mut f: ArrowField) -> ArrowField {
    f.dtype = match f.dtype {
        ArrowDataType::Utf8View | ArrowDataType::LargeUtf8 => ArrowDataType::Utf8,
        ArrowDataType::BinaryView | ArrowDataType::LargeBinary => ArrowDataType::Binary,
        ArrowDataType::LargeList(inner) | ArrowDataType::List(inner) => ArrowDataType::List(Box::new(plain_types(*inner))),
        other => other,
    };
    f
}

/// records.parquet's columns, filled one record at a time. Text goes straight into
/// string builders (no `String` per cell: a province's records are tens of millions of cells).
struct RecordColumns {
    source: StringChunkedBuilder,
    file: StringChunkedBuilder,
    row: Vec<u64>,
    role: StringChunkedBuilder,
    key: StringChunkedBuilder,
    raw: Vec<StringChunkedBuilder>,
    clean: Vec<StringChunkedBuilder>,
    /// family, middle and given name; commune code and era; address commune, province, hamlet and era.
    parts: Vec<StringChunkedBuilder>,
    ref_pid: StringChunkedBuilder,
    ref_row: Vec<Option<u64>>,
    class: StringChunkedBuilder,
    prob: Vec<Option<f64>>,
    weight: Vec<Option<f64>>,
    cands: Vec<u32>,
    margin: Vec<Option<f64>>,
    /// "officer" when an officer's decision is in effect on the record, else "model".
    decided_by: StringChunkedBuilder,
    decision: StringChunkedBuilder,
    decision_status: StringChunkedBuilder,
    decided_at: StringChunkedBuilder,
    scores: PerDimension<Vec<u32>>,
    passes: PerDimension<Vec<bool>>,
    pass: Vec<bool>,
    codes: ListStringChunkedBuilder,
}

const PART_COLUMNS: [&str; 9] =
    ["family_name", "middle_name", "given_name", "commune_code", "commune_era", "address_commune", "address_province", "address_hamlet", "address_era"];

fn builder(name: &str, n: usize) -> StringChunkedBuilder {
    StringChunkedBuilder::new(name.into(), n)
}

impl RecordColumns {
    fn with_capacity(n: usize) -> Self {
        RecordColumns {
            source: builder("source", n),
            file: builder("source_file", n),
            row: Vec::with_capacity(n),
            role: builder("role", n),
            key: builder("record_key", n),
            raw: Field::ALL.iter().map(|f| builder(&format!("{}_raw", f.as_str()), n)).collect(),
            clean: Field::ALL.iter().map(|f| builder(f.as_str(), n)).collect(),
            parts: PART_COLUMNS.iter().map(|c| builder(c, n)).collect(),
            ref_pid: builder("ref_person_id", n),
            ref_row: Vec::with_capacity(n),
            class: builder("match_class", n),
            prob: Vec::with_capacity(n),
            weight: Vec::with_capacity(n),
            cands: Vec::with_capacity(n),
            margin: Vec::with_capacity(n),
            decided_by: builder("decided_by", n),
            decision: builder("decision", n),
            decision_status: builder("decision_status", n),
            decided_at: builder("decided_at", n),
            scores: PerDimension(std::array::from_fn(|_| Vec::with_capacity(n))),
            passes: PerDimension(std::array::from_fn(|_| Vec::with_capacity(n))),
            pass: Vec::with_capacity(n),
            // One list builder, not one Series per row: 30x faster on a million records.
            codes: ListStringChunkedBuilder::new("finding_codes".into(), n, n * 3),
        }
    }

    fn push(&mut self, src: &SourceRun, path: &str, r: RecordView, reference: &Reference, decision: Option<&RecordDecision>) {
        let (nr, l, a) = (r.norm, r.link, r.assessed);
        self.source.append_value(&src.source.name);
        self.file.append_value(path);
        self.row.push(r.raw.source_row);
        self.role.append_value(src.role_of(r.raw));
        self.key.append_value(r.key);
        for f in Field::ALL {
            self.raw[f.index()].append_option(r.raw.values.get(f));
            self.clean[f.index()].append_option(nr.cleaned(f).as_deref());
        }
        let name = nr.name.as_ref();
        let commune = nr.commune.as_ref();
        let address = nr.address_parts.as_ref();
        let parts: [Option<&str>; 9] = [
            name.map(|x| x.family()),
            name.map(|x| x.middle()),
            name.map(|x| x.given()),
            commune.map(|c| c.code.as_str()),
            commune.map(|c| c.era.as_str()),
            address.and_then(|a| a.commune.as_ref()).and_then(|c| c.current_code.as_deref()),
            address.and_then(|a| a.province.as_deref()),
            address.and_then(|a| a.hamlet.as_deref()),
            address.and_then(|a| a.era).map(|e| e.as_str()),
        ];
        for (col, v) in self.parts.iter_mut().zip(parts) {
            col.append_option(v);
        }
        let best = l.best.as_ref();
        self.ref_pid.append_option(best.and_then(|b| reference.features[b.ref_idx as usize].person_id.as_deref()));
        self.ref_row.push(best.map(|b| reference.people[b.ref_idx as usize].source_row));
        self.class.append_value(l.class.as_str());
        self.prob.push(best.map(|b| b.probability));
        self.weight.push(best.map(|b| b.weight));
        self.cands.push(l.candidates);
        self.margin.push(l.margin());
        let by_officer = decision.is_some_and(|x| x.status.keeps_off_worklist());
        self.decided_by.append_value(if by_officer { "officer" } else { l.decided_by.as_str() });
        self.decision.append_option(decision.map(|x| x.decision.as_str()));
        self.decision_status.append_option(decision.map(|x| x.status.as_str()));
        self.decided_at.append_option(decision.map(|x| x.decided_at.as_str()));
        for dm in Dimension::ALL {
            self.scores[dm].push(a.scores[dm] as u32);
            self.passes[dm].push(a.pass[dm]);
        }
        self.pass.push(a.passes());
        let mut c: Vec<&str> = a.findings.iter().map(|f| f.code.as_str()).collect();
        c.dedup();
        self.codes.append_values_iter(c.into_iter());
    }

    fn finish(mut self) -> PolarsResult<DataFrame> {
        let n = self.row.len();
        let text = |b: StringChunkedBuilder| -> Column { b.finish().into_series().into() };
        let mut cols = vec![text(self.source), text(self.file), col("source_row", self.row), text(self.role), text(self.key)];
        for (raw, clean) in self.raw.into_iter().zip(self.clean) {
            cols.push(text(raw));
            cols.push(text(clean));
        }
        cols.extend(self.parts.into_iter().map(text));
        cols.extend([
            text(self.ref_pid),
            Series::new("ref_row".into(), self.ref_row).into(),
            text(self.class),
            col("match_probability", self.prob),
            col("match_weight", self.weight),
            col("candidates", self.cands),
            col("runner_up_margin", self.margin),
            text(self.decided_by),
            text(self.decision),
            text(self.decision_status),
            text(self.decided_at),
        ]);
        for dm in Dimension::ALL {
            cols.push(col(&format!("score_{}", dm.as_str()), std::mem::take(&mut self.scores[dm])));
        }
        for dm in Dimension::ALL {
            cols.push(col(&format!("pass_{}", dm.as_str()), std::mem::take(&mut self.passes[dm])));
        }
        cols.push(col("pass", self.pass));
        cols.push(self.codes.finish().into_series().into());
        DataFrame::new(n, cols)
    }
}

/// records.parquet: one row per record, built and written [`ROW_GROUP`] records at a time.
pub(super) fn write_records(d: &RunData, path: &Path) -> PolarsResult<u64> {
    let paths: Vec<String> = d.sources.iter().map(|s| s.source.path.display().to_string()).collect();
    let mut views = d.sources.iter().zip(&paths).flat_map(|(src, path)| src.records().map(move |r| (src, path, r))).peekable();
    let total: usize = d.sources.iter().map(SourceRun::len).sum();
    let mut first = true;
    let frames = std::iter::from_fn(|| {
        if views.peek().is_none() && !std::mem::take(&mut first) {
            return None;
        }
        first = false;
        let mut cols = RecordColumns::with_capacity(total.min(ROW_GROUP));
        for (src, path, r) in views.by_ref().take(ROW_GROUP) {
            let decision = super::work::decision_of(d, src, r.index);
            cols.push(src, path, r, d.reference, decision);
        }
        Some(cols.finish())
    });
    write_batches(path, frames)
}

/// issues.parquet: one row per finding.
pub(super) fn issues(d: &RunData) -> PolarsResult<DataFrame> {
    findings(d, |_| true)
}

/// corrections.parquet: issues.parquet's rows for the findings a machine can apply.
pub(super) fn corrections(d: &RunData) -> PolarsResult<DataFrame> {
    findings(d, |f| f.handling() == Handling::Correction)
}

/// One row per finding that `keep` takes, with its record's place and key. Text goes
/// straight into string builders: a province's findings are millions of rows of a dozen cells.
fn findings(d: &RunData, keep: impl Fn(&Finding) -> bool) -> PolarsResult<DataFrame> {
    let n: usize = d.sources.iter().flat_map(|s| s.records()).map(|rv| rv.assessed.findings.iter().filter(|f| keep(f)).count()).sum();
    let names =
        ["source", "source_file", "role", "record_key", "field", "code", "dimension", "severity", "original_value", "suggested_value", "suggested_from"];
    let [mut source, mut file, mut role, mut key, mut field, mut code, mut dim, mut sev, mut orig, mut sugg, mut from] = names.map(|c| builder(c, n));
    let mut row = Vec::with_capacity(n);
    let mut key_text = String::new();
    for src in d.sources {
        let path = src.source.path.display().to_string();
        for rv in src.records() {
            let r = rv.raw;
            key_text.clear();
            std::fmt::Write::write_fmt(&mut key_text, format_args!("{}", rv.key)).expect("a String takes any text");
            for f in rv.assessed.findings.iter().filter(|f| keep(f)) {
                source.append_value(&src.source.name);
                file.append_value(&path);
                row.push(r.source_row);
                role.append_value(src.role_of(r));
                key.append_value(&key_text);
                field.append_option(f.field.map(|x| x.as_str()));
                code.append_value(f.code.as_str());
                dim.append_value(f.code.dimension().as_str());
                sev.append_value(f.code.severity().as_str());
                orig.append_option(f.field.and_then(|x| r.values.get(x)));
                sugg.append_option(f.suggested.as_deref());
                from.append_option(f.suggested_from.map(|x| x.as_str()));
            }
        }
    }
    let text = |b: StringChunkedBuilder| -> Column { b.finish().into_series().into() };
    DataFrame::new(
        n,
        vec![
            text(source),
            text(file),
            col("source_row", row),
            text(role),
            text(key),
            text(field),
            text(code),
            text(dim),
            text(sev),
            text(orig),
            text(sugg),
            text(from),
        ],
    )
}

/// matches.parquet: the top two candidates of each record with every comparison's level and weight.
pub(super) fn matches(d: &RunData) -> PolarsResult<DataFrame> {
    let model = &d.link.model;
    let nc = model.comparisons.len();
    let n: usize = d.sources.iter().flat_map(|s| s.links()).map(|l| l.best.is_some() as usize + l.runner_up.is_some() as usize).sum();
    let (mut source, mut role, mut ref_pid) = (builder("source", n), builder("role", n), builder("ref_person_id", n));
    let (mut row, mut rank, mut ref_row) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut weight, mut prob, mut prior) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let mut levels: Vec<StringChunkedBuilder> = model.comparisons.iter().map(|c| builder(&format!("{}_level", c.name), n)).collect();
    let mut weights: Vec<Vec<f64>> = vec![Vec::with_capacity(n); nc];
    let mut tfs: Vec<Vec<f64>> = vec![Vec::with_capacity(n); nc];
    let prior_weight = model.prior_weight();
    for src in d.sources {
        for (r, l) in src.source.records.iter().zip(src.links()) {
            for (k, sc) in [l.best.as_ref(), l.runner_up.as_ref()].into_iter().enumerate() {
                let Some(sc): Option<&Scored> = sc else { continue };
                source.append_value(&src.source.name);
                row.push(r.source_row);
                role.append_value(src.role_of(r));
                rank.push(k as u32 + 1);
                ref_row.push(d.reference.people[sc.ref_idx as usize].source_row);
                ref_pid.append_option(d.reference.features[sc.ref_idx as usize].person_id.as_deref());
                weight.push(sc.weight);
                prob.push(sc.probability);
                // A link through the child's family weighs its pair under the family's prior.
                let by_family = k == 0 && l.decided_by == crate::link::DecidedBy::Family;
                prior.push(if by_family { crate::link::family::FAMILY_PRIOR_BITS } else { prior_weight });
                for c in 0..nc {
                    let lv = sc.levels[c];
                    levels[c].append_value(if lv == NULL_LEVEL { "null" } else { model.comparisons[c].levels[lv as usize].label.as_str() });
                    weights[c].push(sc.parts[c]);
                    tfs[c].push(sc.tf_parts[c]);
                }
            }
        }
    }
    let text = |b: StringChunkedBuilder| -> Column { b.finish().into_series().into() };
    let mut cols = vec![
        text(source),
        col("source_row", row),
        text(role),
        col("rank", rank),
        col("ref_row", ref_row),
        text(ref_pid),
        col("match_weight", weight),
        col("match_probability", prob),
        col("prior_weight", prior),
    ];
    for (c, level) in levels.into_iter().enumerate() {
        let name = &model.comparisons[c].name;
        cols.push(text(level));
        cols.push(col(&format!("{name}_weight"), std::mem::take(&mut weights[c])));
        cols.push(col(&format!("{name}_tf_weight"), std::mem::take(&mut tfs[c])));
    }
    DataFrame::new(n, cols)
}

/// quarantine.parquet: rows that could not become records.
pub(super) fn quarantine(d: &RunData) -> PolarsResult<DataFrame> {
    let (mut source, mut file, mut row, mut row_end, mut reason, mut raw) = (vec![], vec![], vec![], vec![], vec![], vec![]);
    let refq = (d.reference.name.clone(), d.reference.path.display().to_string(), &d.reference.quarantine);
    let all = std::iter::once(refq).chain(d.sources.iter().map(|s| (s.source.name.clone(), s.source.path.display().to_string(), &s.source.quarantine)));
    for (name, path, q) in all {
        for x in q {
            source.push(name.clone());
            file.push(path.clone());
            row.push(x.source_row);
            row_end.push(x.source_row_end);
            reason.push(x.reason.as_str().to_string());
            raw.push(x.raw.clone());
        }
    }
    let n = source.len();
    DataFrame::new(
        n,
        vec![col("source", source), col("source_file", file), col("source_row", row), col("source_row_end", row_end), col("reason", reason), col("raw", raw)],
    )
}
