//! A job: the job file parsed into a validated plan, and the run that carries
//! it out stage by stage (ingest → normalize → link → assess → publish).

pub mod file;
pub mod manifest;

use crate::Lang;
use crate::assess::{self, AssessSettings};
use crate::finding::Dimension;
use crate::ingest::{self, IngestError, IngestedSource, SourceInput};
use crate::link::features::Features;
use crate::link::model::Model;
use crate::link::{self, LinkIndex, LinkSettings};
use crate::normalize::admin::{AdminRegistry, Era};
use crate::normalize::date::{DateOrder, PartialDate};
use crate::normalize::legacy::Encoding;
use crate::normalize::text::ToneStyle;
use crate::normalize::{self, NormalizeOptions};
use crate::publish::{self, PublishError, RunData};
use crate::reference;
use crate::schema::Schema;
use file::{GateSection, JobFile, line_of, line_of_value};
use manifest::{FailedSource, Manifest, StageTiming};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A job-file error: what, where (file and line) and what to write instead.
#[derive(Debug, thiserror::Error)]
#[error("job error: {file}{}: {message}; {hint}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct JobError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
    pub hint: String,
}

/// Why a run did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Publish(#[from] PublishError),
}

/// One source, validated.
#[derive(Clone, Debug)]
pub struct SourcePlan {
    pub input: SourceInput,
    pub normalize: NormalizeOptions,
}

/// Quality gate: minimum pass rates that make a run exit with code 3.
#[derive(Clone, Debug, Default)]
pub struct Gate {
    pub overall: Option<f64>,
    pub per_dimension: [Option<f64>; 4],
}

/// A validated job: every path resolved, every schema loaded.
#[derive(Clone, Debug)]
pub struct Job {
    pub name: String,
    pub file: PathBuf,
    pub sha256: String,
    pub output_dir: PathBuf,
    pub cache_dir: Option<PathBuf>,
    pub lang: Lang,
    pub reference: SourcePlan,
    pub sources: Vec<SourcePlan>,
    pub link: LinkSettings,
    pub stale_after_days: u32,
    pub run_date: Option<PartialDate>,
    pub gate: Gate,
    pub worklist_by_source: bool,
    /// Modes of run folders, their files and the reference cache.
    pub modes: crate::files::Modes,
    /// Reference caches kept, newest first.
    pub cache_keep: usize,
    /// One unreadable source fails the run (the old behaviour) instead of being left out.
    pub all_or_nothing: bool,
}

/// What a finished run produced.
#[derive(Debug)]
pub struct RunOutcome {
    pub run_dir: PathBuf,
    pub gate_passed: bool,
    pub gate_failures: Vec<String>,
    pub records: u64,
    pub quarantined: u64,
    /// Sources left out because they could not be read (exit status 4).
    pub failed_sources: Vec<FailedSource>,
}

/// Options that come from the command line, not the job file.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub out: Option<PathBuf>,
    pub lang: Option<Lang>,
    /// Told the name of each stage as it starts (the CLI draws a progress spinner with it).
    pub progress: Option<fn(&str)>,
}

fn parse_enum<T>(text: &str, file: &str, key: &str, v: &str, allowed: &[(&str, T)]) -> Result<T, JobError>
where
    T: Copy,
{
    allowed.iter().find(|(k, _)| k.eq_ignore_ascii_case(v)).map(|(_, t)| *t).ok_or_else(|| JobError {
        file: file.to_string(),
        line: line_of_value(text, key, v),
        message: format!("{key} = \"{v}\" is not allowed"),
        hint: format!("write one of: {}", allowed.iter().map(|(k, _)| format!("\"{k}\"")).collect::<Vec<_>>().join(", ")),
    })
}

impl Job {
    /// Reads and validates a job file: TOML syntax, known keys and types,
    /// existing inputs, known schemas and encodings.
    pub fn load(path: &Path) -> Result<Job, JobError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| JobError {
            file: file.clone(),
            line: None,
            message: format!("cannot read the job file: {e}"),
            hint: "check the path given to lamsach".into(),
        })?;
        let sha256 = manifest::sha256_hex(text.as_bytes());
        let jf: JobFile = toml::from_str(&text).map_err(|e| JobError {
            file: file.clone(),
            line: e.span().map(|s| line_of(&text, s.start)),
            message: e.message().replace('\n', " "),
            hint: "see the job-file format in the README (lamsach check prints the resolved plan)".into(),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
        let province = match &jf.job.province {
            Some(p) => Some(AdminRegistry::get().province(p).ok_or_else(|| JobError {
                file: file.clone(),
                line: line_of_value(&text, "province", p),
                message: format!("province \"{p}\" is not one of the 34 provinces in force since 1 July 2025"),
                hint: "write its 2-digit code (e.g. \"52\") or its name (e.g. \"Gia Lai\")".into(),
            })?),
            None => None,
        };
        let lang = match &jf.job.lang {
            Some(l) => parse_enum(&text, &file, "lang", l, &[("vi", Lang::Vi), ("en", Lang::En)])?,
            None => Lang::Vi,
        };
        let tone_style = match &jf.job.tone_style {
            Some(t) => parse_enum(&text, &file, "tone_style", t, &[("old", ToneStyle::Old), ("new", ToneStyle::New)])?,
            None => ToneStyle::Old,
        };
        let plan = |s: &file::SourceSection, default_schema: &str, default_name: &str| -> Result<SourcePlan, JobError> {
            let p = base.join(&s.path);
            if !p.exists() {
                return Err(JobError {
                    file: file.clone(),
                    line: line_of_value(&text, "path", &s.path),
                    message: format!("input file {} does not exist", p.display()),
                    hint: "fix the path (relative paths are read from the job file's folder)".into(),
                });
            }
            if ingest::Format::of(&p).is_none() {
                return Err(JobError {
                    file: file.clone(),
                    line: line_of_value(&text, "path", &s.path),
                    message: format!("{} is not a file type lamsach reads", p.display()),
                    hint: "use .csv, .tsv, .txt, .xlsx, .xls or .parquet".into(),
                });
            }
            let schema_name = s.schema.as_deref().unwrap_or(default_schema);
            let schema = Schema::resolve(schema_name, &base).map_err(|e| JobError {
                file: file.clone(),
                line: line_of_value(&text, "schema", schema_name),
                message: e.to_string(),
                hint: format!("built-in schemas: {}", Schema::built_in_names().join(", ")),
            })?;
            let encoding = match s.encoding.as_deref() {
                None | Some("auto") => None,
                Some(e) => Some(Encoding::parse(e).ok_or_else(|| JobError {
                    file: file.clone(),
                    line: line_of_value(&text, "encoding", e),
                    message: format!("unknown encoding \"{e}\""),
                    hint: "write one of: \"auto\", \"utf-8\", \"utf-16\", \"cp1258\", \"tcvn3\", \"vni\", \"viscii\"".into(),
                })?),
            };
            let date_order = match &s.date_order {
                Some(d) => parse_enum(&text, &file, "date_order", d, &[("dmy", DateOrder::Dmy), ("mdy", DateOrder::Mdy)])?,
                None => DateOrder::Dmy,
            };
            let era = match &s.commune_codes {
                Some(d) => parse_enum(&text, &file, "commune_codes", d, &[("2025", Era::Y2025), ("legacy", Era::Legacy)])?,
                None => Era::Y2025,
            };
            for key in s.columns.keys() {
                let field = key.rsplit('.').next().unwrap_or(key);
                if crate::field::Field::parse(field).is_none() {
                    return Err(JobError {
                        file: file.clone(),
                        line: text.lines().position(|l| l.trim_start().starts_with(key.as_str())).map(|i| i + 1),
                        message: format!("[columns] names an unknown field \"{key}\""),
                        hint: format!("canonical fields: {}", crate::field::Field::ALL.map(|f| f.as_str()).join(", ")),
                    });
                }
            }
            Ok(SourcePlan {
                input: SourceInput {
                    name: s.name.clone().unwrap_or_else(|| default_name.to_string()),
                    path: p,
                    schema,
                    encoding,
                    columns: s.columns.clone(),
                    sheet: s.sheet.clone(),
                },
                normalize: NormalizeOptions { tone_style, date_order, province: province.clone(), commune_code_era: era, this_year: 2100 },
            })
        };
        let reference = plan(&jf.reference, "reference", "reference")?;
        let mut sources = Vec::new();
        for (i, s) in jf.sources.iter().enumerate() {
            let default_name = format!("source_{}", i + 1);
            let sp = plan(s, "", &default_name).map_err(|mut e| {
                if s.schema.is_none() {
                    e.message = format!("[[source]] number {} has no schema", i + 1);
                    e.hint = format!("add schema = \"...\"; built-in schemas: {}", Schema::built_in_names().join(", "));
                }
                e
            })?;
            if sources.iter().any(|x: &SourcePlan| x.input.name == sp.input.name) {
                return Err(JobError {
                    file: file.clone(),
                    line: line_of_value(&text, "name", &sp.input.name),
                    message: format!("two sources are named \"{}\"", sp.input.name),
                    hint: "give every [[source]] its own name".into(),
                });
            }
            sources.push(sp);
        }
        let mut link = LinkSettings::default();
        let l = &jf.link;
        if let Some(v) = l.match_threshold {
            link.match_threshold = v;
        }
        if let Some(v) = l.review_threshold {
            link.review_threshold = v;
        }
        for (key, v) in [("match_threshold", link.match_threshold), ("review_threshold", link.review_threshold)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(JobError {
                    file: file.clone(),
                    line: line_of_value(&text, key, ""),
                    message: format!("{key} = {v} is outside 0..1"),
                    hint: "write a probability such as 0.95".into(),
                });
            }
        }
        if link.review_threshold > link.match_threshold {
            return Err(JobError {
                file: file.clone(),
                line: line_of_value(&text, "review_threshold", ""),
                message: "review_threshold is above match_threshold".into(),
                hint: "review_threshold must be lower, e.g. 0.5 with match_threshold 0.95".into(),
            });
        }
        if let Some(v) = l.min_margin {
            link.min_margin = v;
        }
        if let Some(v) = l.decisive_margin {
            link.decisive_margin = v;
        }
        if let Some(v) = l.max_block {
            link.max_block = v.max(1);
        }
        if let Some(v) = l.broad_rules_below {
            link.broad_rules_below = v;
        }
        if let Some(v) = l.seed {
            link.seed = v;
        }
        if let Some(v) = l.u_samples {
            link.u_samples = v;
        }
        if let Some(v) = l.em_records {
            link.em_records = v;
        }
        if let Some(m) = &l.model {
            let p = base.join(m);
            let err = |message: String| JobError {
                file: file.clone(),
                line: line_of_value(&text, "model", m),
                message,
                hint: "point [link] model at a model.json written by an earlier run".into(),
            };
            let t = std::fs::read_to_string(&p).map_err(|e| err(format!("cannot read model {}: {e}", p.display())))?;
            let model: Model = serde_json::from_str(&t).map_err(|e| err(format!("model {} is not a lamsach model: {e}", p.display())))?;
            model.validate().map_err(|e| err(format!("model {} cannot be used: {e}", p.display())))?;
            link.model = Some(model);
        }
        let run_date = match &jf.assess.run_date {
            Some(d) => {
                let p = normalize::date::parse_date(d, &Default::default());
                match p.date.filter(|d| d.precision() == normalize::date::Precision::Day) {
                    Some(d) => Some(d),
                    None => {
                        return Err(JobError {
                            file: file.clone(),
                            line: line_of_value(&text, "run_date", d),
                            message: format!("run_date \"{d}\" is not a date"),
                            hint: "write it as \"2026-11-27\"".into(),
                        });
                    }
                }
            }
            None => None,
        };
        let gate = gate_of(&jf.gate);
        let output_dir = base.join(&jf.job.output_dir);
        let cache_dir = match jf.job.cache_dir.as_deref() {
            Some("off") => None,
            Some(d) => Some(base.join(d)),
            None => Some(output_dir.join(".cache")),
        };
        let worklist_by_source = match jf.worklist.group_by.as_deref() {
            Some(g) => parse_enum(&text, &file, "group_by", g, &[("commune", false), ("source", true)])?,
            None => false,
        };
        if !jf.job.name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') || jf.job.name.is_empty() {
            return Err(JobError {
                file,
                line: line_of_value(&text, "name", &jf.job.name),
                message: format!("job name \"{}\" cannot name a folder", jf.job.name),
                hint: "use letters, digits, - and _ only, e.g. \"gia-lai-nightly\"".into(),
            });
        }
        Ok(Job {
            name: jf.job.name,
            file: path.to_path_buf(),
            sha256,
            output_dir,
            cache_dir,
            lang,
            reference,
            sources,
            link,
            stale_after_days: jf.assess.stale_after_days.unwrap_or(365),
            run_date,
            gate,
            worklist_by_source,
            modes: if jf.job.group_readable.unwrap_or(false) { crate::files::Modes::GROUP } else { crate::files::Modes::PRIVATE },
            cache_keep: jf.job.cache_keep.unwrap_or(2).max(1),
            all_or_nothing: jf.job.all_or_nothing.unwrap_or(false),
        })
    }

    /// Checks that every input opens and its headers map, without reading rows.
    pub fn check(&self) -> Result<Vec<(String, ingest::Layout)>, IngestError> {
        let mut out = vec![(self.reference.input.name.clone(), ingest::probe(&self.reference.input)?)];
        for s in &self.sources {
            out.push((s.input.name.clone(), ingest::probe(&s.input)?));
        }
        Ok(out)
    }

    /// Runs every stage and publishes the outputs atomically.
    pub fn run(&self, opts: &RunOptions) -> Result<RunOutcome, RunError> {
        let started = chrono::Utc::now();
        let t0 = Instant::now();
        let mut timings: Vec<StageTiming> = Vec::new();
        let announce = |name: &str| {
            if let Some(p) = opts.progress {
                p(name);
            }
        };
        let mut stage = |name: &str, t: Instant| {
            let secs = t.elapsed().as_secs_f64();
            tracing::info!(stage = name, seconds = format!("{secs:.2}"), "stage done");
            timings.push(StageTiming { stage: name.to_string(), seconds: secs });
        };
        let output_dir = opts.out.clone().unwrap_or_else(|| self.output_dir.clone());
        let cache_dir = if opts.out.is_some() && self.cache_dir.as_ref().is_some_and(|c| c.starts_with(&self.output_dir)) {
            Some(output_dir.join(".cache"))
        } else {
            self.cache_dir.clone()
        };
        // A run killed by SIGKILL (OOM killer, reboot, cron timeout) left its temporary folder.
        let stale = crate::files::remove_stale_tmp(&output_dir, &self.name);
        if stale > 0 {
            tracing::info!(removed = stale, "removed temporary folders of killed runs of this job");
        }
        let lang = opts.lang.unwrap_or(self.lang);
        let run_date = self.run_date.unwrap_or_else(|| {
            let today = chrono::Utc::now().date_naive();
            use chrono::Datelike;
            PartialDate::ymd(today.year(), today.month() as u8, today.day() as u8)
        });

        announce("reference");
        let t = Instant::now();
        tracing::info!("reading the reference extract");
        let mut ref_opts = self.reference.normalize.clone();
        ref_opts.this_year = run_date.year;
        let cache = cache_dir.as_deref().map(|dir| reference::CacheSettings { dir, keep: self.cache_keep, modes: self.modes });
        let reference = reference::load(&self.reference.input, &ref_opts, cache.as_ref())?;
        tracing::info!(people = reference.people.len(), cache = ?reference.cache, "reference ready");
        stage("reference", t);

        announce("ingest");
        let t = Instant::now();
        let mut sources: Vec<IngestedSource> = Vec::with_capacity(self.sources.len());
        let mut read_plans: Vec<&SourcePlan> = Vec::with_capacity(self.sources.len());
        let mut failed_sources: Vec<FailedSource> = Vec::new();
        for s in &self.sources {
            match ingest::read_source(&s.input) {
                Ok(src) => {
                    tracing::info!(source = %src.name, rows = src.rows_read, records = src.records.len(), quarantined = src.quarantine.len(), "ingested");
                    sources.push(src);
                    read_plans.push(s);
                }
                // A sector's export that failed tonight must not hold back the others.
                Err(e) if !e.is_job_error() && !self.all_or_nothing => {
                    tracing::error!(source = %s.input.name, error = %e, "source left out of this run");
                    failed_sources.push(FailedSource { name: s.input.name.clone(), path: s.input.path.display().to_string(), error: e.to_string() });
                }
                Err(e) => return Err(e.into()),
            }
        }
        stage("ingest", t);

        announce("normalize");
        let t = Instant::now();
        let ingested = ingest::Ingested { sources };
        let opts_per: Vec<NormalizeOptions> = read_plans.iter().map(|s| NormalizeOptions { this_year: run_date.year, ..s.normalize.clone() }).collect();
        let normalized = normalize::run(&ingested, &opts_per);
        stage("normalize", t);

        announce("index");
        let t = Instant::now();
        let index = LinkIndex::build(&reference.features);
        stage("index", t);
        announce("link");
        let t = Instant::now();
        let features: Vec<Vec<Features>> = normalized.records.iter().map(|recs| recs.iter().map(Features::from_record).collect()).collect();
        let linked = link::run(&index, &features, &self.link);
        tracing::info!(em_iterations = linked.model.training.em_iterations, converged = linked.model.training.em_converged, "linked");
        stage("link", t);

        announce("assess");
        let t = Instant::now();
        let assessed =
            assess::run(&ingested.sources, &normalized.records, &linked, &reference, &AssessSettings { stale_after_days: self.stale_after_days, run_date });
        stage("assess", t);

        let gate_failures = self.gate_failures(&assessed);
        announce("publish");
        let t = Instant::now();
        let data = RunData {
            job: self,
            lang,
            reference: &reference,
            sources: &ingested.sources,
            normalized: &normalized.records,
            linked: &linked,
            assessed: &assessed,
            run_date,
            gate_failures: &gate_failures,
            failed_sources: &failed_sources,
        };
        let mut manifest = Manifest::new(self, started, &reference, &ingested.sources);
        manifest.failed_sources = failed_sources.clone();
        manifest.reference_shared_id_rows = linked.reference_shared_id_rows;
        if linked.reference_shared_id_rows > 0 {
            tracing::warn!(rows = linked.reference_shared_id_rows, "reference rows share a personal ID with another row");
        }
        let exit_status = if !failed_sources.is_empty() {
            4
        } else if !gate_failures.is_empty() {
            3
        } else {
            0
        };
        let run_dir = publish::publish(&data, &output_dir, &mut manifest, |m| {
            let mut tm = timings.clone();
            tm.push(StageTiming { stage: "publish".into(), seconds: t.elapsed().as_secs_f64() });
            m.finish(tm, t0.elapsed().as_secs_f64(), exit_status);
        })?;
        let records = ingested.sources.iter().map(|s| s.records.len() as u64).sum();
        let quarantined = ingested.sources.iter().map(|s| s.quarantine.len() as u64).sum::<u64>() + reference.quarantine.len() as u64;
        Ok(RunOutcome { run_dir, gate_passed: gate_failures.is_empty(), gate_failures, records, quarantined, failed_sources })
    }

    fn gate_failures(&self, a: &assess::Assessed) -> Vec<String> {
        let (_, _, pass, all) = assess::dimension_summary(a.records.iter().flatten());
        let mut out = Vec::new();
        if let Some(min) = self.gate.overall
            && all < min
        {
            out.push(format!("overall pass rate {all:.3} < {min}"));
        }
        for d in Dimension::ALL {
            if let Some(min) = self.gate.per_dimension[d.index()]
                && pass[d.index()] < min
            {
                out.push(format!("{} pass rate {:.3} < {min}", d.as_str(), pass[d.index()]));
            }
        }
        out
    }
}

fn gate_of(g: &GateSection) -> Gate {
    Gate { overall: g.min_pass_rate, per_dimension: [g.min_pass_correct, g.min_pass_complete, g.min_pass_clean, g.min_pass_live] }
}
