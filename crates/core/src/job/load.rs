//! [`Job::load`]: the job file read, every value checked against the line it is on,
//! every path, schema and model resolved, and the run date fixed once.

use super::file::{
    AddressEra, AssessSection, CommuneCodes, DecisionsSection, GateSection, GroupBy, HistorySection, JobFile, LimitsSection, LinkSection, SourceSection,
    line_of,
};
use super::{DecisionSettings, Gate, Job, JobError, SourcePlan};
use crate::calendar::{PartialDate, Precision};
use crate::clock::Zone;
use crate::files::Modes;
use crate::finding::PerDimension;
use crate::ingest::limits::{Limit, ReadLimits};
use crate::ingest::{self, SourceInput};
use crate::link::LinkSettings;
use crate::link::model::Model;
use crate::normalize::admin::{AdminRegistry, Era};
use crate::normalize::{NormalizeOptions, date};
use crate::schema::Schema;
use crate::text::legacy::Encoding;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Reference caches kept by default: tonight's and last night's.
const DEFAULT_CACHE_KEEP: usize = 2;
/// Runs the store's history keeps unless `[history] keep_runs` says otherwise: a year of nights.
const DEFAULT_KEEP_RUNS: usize = 365;
/// A record not updated for a year is stale unless the job says otherwise.
const DEFAULT_STALE_AFTER_DAYS: u32 = 365;

/// The job file's text, to point every error at its line.
struct JobText<'a> {
    file: String,
    text: &'a str,
    /// The job file's folder: relative paths are read from it.
    base: PathBuf,
}

impl JobText<'_> {
    fn error(&self, span: Option<Range<usize>>, message: String, hint: impl Into<String>) -> JobError {
        JobError { file: self.file.clone(), line: span.map(|s| line_of(self.text, s.start)), message, hint: hint.into() }
    }

    fn province(&self, p: &Spanned<String>) -> Result<String, JobError> {
        AdminRegistry::get().province(p.get_ref()).ok_or_else(|| {
            self.error(
                Some(p.span()),
                format!("province \"{}\" is not one of the 34 provinces in force since 1 July 2025", p.get_ref()),
                "write its 2-digit code (e.g. \"52\") or its name (e.g. \"Gia Lai\")",
            )
        })
    }

    fn zone(&self, z: &Option<Spanned<String>>) -> Result<Zone, JobError> {
        let Some(z) = z else { return Ok(Zone::default()) };
        Zone::parse(z.get_ref()).ok_or_else(|| {
            self.error(
                Some(z.span()),
                format!("timezone \"{}\" is not a zone lamsach knows", z.get_ref()),
                "write \"Asia/Ho_Chi_Minh\" or an offset such as \"+07:00\"",
            )
        })
    }

    fn run_date(&self, a: &AssessSection, zone: Zone) -> Result<PartialDate, JobError> {
        let Some(d) = &a.run_date else { return Ok(today(zone)) };
        let parsed = date::parse_date(d.get_ref(), &Default::default()).date.filter(|x| x.precision() == Precision::Day);
        parsed.ok_or_else(|| self.error(Some(d.span()), format!("run_date \"{}\" is not a date", d.get_ref()), "write it as \"2026-11-27\""))
    }

    fn input_path(&self, path: &Spanned<String>) -> Result<PathBuf, JobError> {
        let p = self.base.join(path.get_ref());
        if !p.exists() {
            return Err(self.error(
                Some(path.span()),
                format!("input file {} does not exist", crate::files::shown(&p)),
                "fix the path (relative paths are read from the job file's folder)",
            ));
        }
        // A FIFO or a device (or a link to one) would hang the run or read without end.
        if !p.metadata().is_ok_and(|m| m.is_file()) {
            return Err(self.error(
                Some(path.span()),
                format!("input {} is not a regular file", crate::files::shown(&p)),
                "point the path at the exported file itself, not a folder, pipe or device",
            ));
        }
        if ingest::Format::of(&p).is_none() {
            return Err(self.error(
                Some(path.span()),
                format!("{} is not a file type lamsach reads", crate::files::shown(&p)),
                "use .csv, .tsv, .txt, .xlsx, .xls or .parquet",
            ));
        }
        Ok(p)
    }

    fn schema(&self, s: &SourceSection, default_schema: &str) -> Result<Schema, JobError> {
        let name = s.schema.as_ref().map_or(default_schema, |x| x.get_ref().as_str());
        Schema::resolve(name, &self.base)
            .map_err(|e| self.error(s.schema.as_ref().map(Spanned::span), e.to_string(), format!("built-in schemas: {}", Schema::built_in_names().join(", "))))
    }

    fn encoding(&self, e: &Option<Spanned<String>>) -> Result<Option<Encoding>, JobError> {
        match e {
            None => Ok(None),
            Some(x) if x.get_ref() == "auto" => Ok(None),
            Some(x) => Encoding::parse(x.get_ref()).map(Some).ok_or_else(|| {
                self.error(
                    Some(x.span()),
                    format!("unknown encoding \"{}\"", x.get_ref()),
                    "write one of: \"auto\", \"utf-8\", \"utf-16\", \"cp1258\", \"tcvn3\", \"vni\", \"viscii\"",
                )
            }),
        }
    }

    fn check_columns(&self, s: &SourceSection) -> Result<(), JobError> {
        for key in s.columns.keys() {
            let field = key.get_ref().rsplit('.').next().unwrap_or(key.get_ref());
            if crate::field::Field::parse(field).is_none() {
                return Err(self.error(
                    Some(key.span()),
                    format!("[columns] names an unknown field \"{}\"", key.get_ref()),
                    format!("canonical fields: {}", crate::field::Field::ALL.map(|f| f.as_str()).join(", ")),
                ));
            }
        }
        Ok(())
    }

    fn source(&self, s: &SourceSection, default_schema: &str, default_name: &str, normalize: NormalizeOptions) -> Result<SourcePlan, JobError> {
        let path = self.input_path(&s.path)?;
        let schema = self.schema(s, default_schema)?;
        let encoding = self.encoding(&s.encoding)?;
        self.check_columns(s)?;
        let columns = s.columns.iter().map(|(k, v)| (k.get_ref().clone(), v.clone())).collect();
        let name = s.name.as_ref().map_or_else(|| default_name.to_string(), |n| n.get_ref().clone());
        let input = SourceInput { name, path, schema, encoding, columns, sheet: s.sheet.clone(), key: s.key.clone(), limits: Default::default() };
        Ok(SourcePlan { input, normalize })
    }

    fn sources(&self, sections: &[SourceSection], options: impl Fn(&SourceSection) -> NormalizeOptions) -> Result<Vec<SourcePlan>, JobError> {
        let mut sources: Vec<SourcePlan> = Vec::with_capacity(sections.len());
        for (i, s) in sections.iter().enumerate() {
            if s.schema.is_none() {
                return Err(self.error(
                    Some(s.path.span()),
                    format!("[[source]] number {} has no schema", i + 1),
                    format!("add schema = \"...\"; built-in schemas: {}", Schema::built_in_names().join(", ")),
                ));
            }
            let plan = self.source(s, "", &format!("source_{}", i + 1), options(s))?;
            if sources.iter().any(|x| x.input.name == plan.input.name) {
                return Err(self.error(
                    s.name.as_ref().map(Spanned::span),
                    format!("two sources are named \"{}\"", plan.input.name),
                    "give every [[source]] its own name",
                ));
            }
            sources.push(plan);
        }
        Ok(sources)
    }

    fn link(&self, l: &LinkSection) -> Result<LinkSettings, JobError> {
        let mut link = LinkSettings::default();
        for (key, v) in [("match_threshold", &l.match_threshold), ("review_threshold", &l.review_threshold)] {
            if let Some(v) = v
                && !(0.0..=1.0).contains(v.get_ref())
            {
                return Err(self.error(Some(v.span()), format!("{key} = {} is outside 0..1", v.get_ref()), "write a probability such as 0.95"));
            }
        }
        link.match_threshold = l.match_threshold.as_ref().map_or(link.match_threshold, |v| *v.get_ref());
        link.review_threshold = l.review_threshold.as_ref().map_or(link.review_threshold, |v| *v.get_ref());
        if link.review_threshold > link.match_threshold {
            return Err(self.error(
                l.review_threshold.as_ref().map(Spanned::span),
                "review_threshold is above match_threshold".into(),
                "review_threshold must be lower, e.g. 0.5 with match_threshold 0.95",
            ));
        }
        link.min_margin = l.min_margin.unwrap_or(link.min_margin);
        link.decisive_margin = l.decisive_margin.unwrap_or(link.decisive_margin);
        link.max_block = l.max_block.map_or(link.max_block, |v| v.max(1));
        link.broad_rules_below = l.broad_rules_below.unwrap_or(link.broad_rules_below);
        link.seed = l.seed.unwrap_or(link.seed);
        link.u_samples = l.u_samples.unwrap_or(link.u_samples);
        link.em_records = l.em_records.unwrap_or(link.em_records);
        if let Some(m) = &l.model {
            link.model = Some(self.model(m)?);
        }
        Ok(link)
    }

    fn model(&self, m: &Spanned<String>) -> Result<Model, JobError> {
        let p = self.base.join(m.get_ref());
        let err = |message: String| self.error(Some(m.span()), message, "point [link] model at a model.json written by an earlier run");
        let t = std::fs::read_to_string(&p).map_err(|e| err(format!("cannot read model {}: {e}", p.display())))?;
        let model: Model = serde_json::from_str(&t).map_err(|e| err(format!("model {} is not a lamsach model: {e}", p.display())))?;
        model.validate().map_err(|e| err(format!("model {} cannot be used: {e}", p.display())))?;
        Ok(model)
    }

    /// The store (always), the inbox when `[decisions]` names one, and the history settings.
    fn decisions(&self, d: Option<&DecisionsSection>, h: &HistorySection, output_dir: &Path) -> Result<DecisionSettings, JobError> {
        let inbox = d.and_then(|d| d.inbox.as_ref()).map(|i| self.base.join(i));
        let since = match &h.since {
            None => None,
            Some(x) => Some(
                date::parse_date(x.get_ref(), &Default::default())
                    .date
                    .filter(|d| d.precision() == Precision::Day)
                    .ok_or_else(|| self.error(Some(x.span()), format!("[history] since \"{}\" is not a date", x.get_ref()), "write it as \"2026-10-01\""))?,
            ),
        };
        Ok(DecisionSettings {
            archive: d
                .and_then(|d| d.archive.as_ref())
                .map(|a| self.base.join(a))
                .or_else(|| inbox.as_ref().map(|i| i.join("archive")))
                .unwrap_or_else(|| output_dir.join("archive")),
            store: d.and_then(|d| d.store.as_ref()).map_or_else(|| output_dir.join("decisions.sqlite"), |s| self.base.join(s)),
            inbox,
            keep_runs: h.keep_runs.unwrap_or(DEFAULT_KEEP_RUNS).max(2),
            since,
        })
    }

    /// `[limits]`: each key set replaces its default; none may be 0.
    fn limits(&self, l: &LimitsSection) -> Result<ReadLimits, JobError> {
        let mut limits = ReadLimits::default();
        let keys = [
            (&l.part_bytes, Limit::PartBytes),
            (&l.sheet_bytes, Limit::SheetBytes),
            (&l.sheet_rows, Limit::SheetRows),
            (&l.sheet_columns, Limit::SheetColumns),
            (&l.sheet_cells, Limit::SheetCells),
            (&l.returned_file_bytes, Limit::ReturnedFileBytes),
            (&l.file_rows, Limit::FileRows),
        ];
        for (set, limit) in keys {
            if let Some(v) = set {
                if *v.get_ref() == 0 {
                    return Err(self.error(
                        Some(v.span()),
                        format!("[limits] {} = 0 would refuse every file", limit.key()),
                        "write a positive number, or leave the key out for its default",
                    ));
                }
                *limit.slot(&mut limits) = *v.get_ref();
            }
        }
        Ok(limits)
    }

    fn job_name(&self, name: &Spanned<String>) -> Result<String, JobError> {
        let n = name.get_ref();
        if n.is_empty() || !n.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            return Err(self.error(
                Some(name.span()),
                format!("job name \"{n}\" cannot name a folder"),
                "use letters, digits, - and _ only, e.g. \"gia-lai-nightly\"",
            ));
        }
        Ok(n.clone())
    }
}

/// Today on the job's clock, for a job that does not pin its run date.
fn today(zone: Zone) -> PartialDate {
    use chrono::Datelike;
    let d = zone.at(chrono::Utc::now()).date_naive();
    PartialDate::ymd(d.year(), d.month() as u8, d.day() as u8)
}

fn gate_of(g: &GateSection) -> Gate {
    Gate { overall: g.min_pass_rate, per_dimension: PerDimension([g.min_pass_correct, g.min_pass_complete, g.min_pass_clean, g.min_pass_live]) }
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
        let jf: JobFile = toml::from_str(&text).map_err(|e| JobError {
            file: file.clone(),
            line: e.span().map(|s| line_of(&text, s.start)),
            message: e.message().replace('\n', " "),
            hint: "see the job-file format in the README (lamsach check prints the resolved plan)".into(),
        })?;
        let base = path.parent().map(Path::to_path_buf).filter(|b| !b.as_os_str().is_empty()).unwrap_or_else(|| PathBuf::from("."));
        let t = JobText { file, text: &text, base };
        let province = jf.job.province.as_ref().map(|p| t.province(p)).transpose()?;
        let zone = t.zone(&jf.job.timezone)?;
        let run_date = t.run_date(&jf.assess, zone)?;
        let options = |s: &SourceSection| NormalizeOptions {
            tone_style: jf.job.tone_style,
            date_order: s.date_order,
            province: province.clone(),
            commune_code_era: match s.commune_codes {
                CommuneCodes::Y2025 => Era::Y2025,
                CommuneCodes::Legacy => Era::Legacy,
            },
            address_era: match s.addresses {
                AddressEra::Auto => None,
                AddressEra::Legacy => Some(Era::Legacy),
                AddressEra::Y2025 => Some(Era::Y2025),
            },
            this_year: run_date.year,
        };
        let limits = t.limits(&jf.limits)?;
        let mut reference = t.source(&jf.reference, "reference", "reference", options(&jf.reference))?;
        let mut sources = t.sources(&jf.sources, options)?;
        for plan in std::iter::once(&mut reference).chain(&mut sources) {
            plan.input.limits = limits;
        }
        let link = t.link(&jf.link)?;
        let name = t.job_name(&jf.job.name)?;
        let output_dir = t.base.join(&jf.job.output_dir);
        let cache_dir = match jf.job.cache_dir.as_deref() {
            Some("off") => None,
            Some(d) => Some(t.base.join(d)),
            None => Some(output_dir.join(".cache")),
        };
        Ok(Job {
            name,
            file: path.to_path_buf(),
            sha256: format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(text.as_bytes())),
            output_dir: output_dir.clone(),
            cache_dir,
            lang: jf.job.lang,
            reference,
            sources,
            link,
            stale_after_days: jf.assess.stale_after_days.unwrap_or(DEFAULT_STALE_AFTER_DAYS),
            run_date,
            gate: gate_of(&jf.gate),
            worklist_by_source: jf.worklist.group_by == GroupBy::Source,
            modes: if jf.job.group_readable.unwrap_or(false) { Modes::GROUP } else { Modes::PRIVATE },
            cache_keep: jf.job.cache_keep.unwrap_or(DEFAULT_CACHE_KEEP).max(1),
            all_or_nothing: jf.job.all_or_nothing.unwrap_or(false),
            incremental: jf.link.incremental.unwrap_or(false),
            decisions: t.decisions(jf.decisions.as_ref(), &jf.history, &output_dir)?,
            limits,
            zone,
        })
    }
}
