//! The run: a validated job carried out stage by stage (reference, ingest → normalize → link
//! → assess → publish), filling one `SourceRun` per source, published atomically. `store`
//! is the job's side of the decision store and the nightly state.

mod store;

use crate::Lang;
use crate::assess::{self, AssessContext, AssessSettings};
use crate::job::{Job, JobError, SourcePlan};
use rayon::prelude::*;

use crate::decisions::Night;
use crate::decisions::store::StoreError;
use crate::finding::Dimension;
use crate::ingest::{self, IngestError};
use crate::link::features::Features;
use crate::link::{self, LinkIndex, LinkSummary, Linked};
use crate::normalize;
use crate::publish::manifest::{FailedSource, RunClock};
use crate::publish::{self, PublishError, PublishSettings, RunData};
use crate::reference::{self, Reference};
use crate::table::SourceRun;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The registers read, each with its plan (in job order), and those that could not be.
struct Ingested {
    table: Vec<SourceRun>,
    plans: Vec<SourcePlan>,
    failed: Vec<FailedSource>,
}

/// The registers read and normalized, the sources that could not be read, and the two
/// stages' seconds.
struct Registers {
    table: Vec<SourceRun>,
    failed: Vec<FailedSource>,
    timings: Vec<(&'static str, f64)>,
}

/// Runs the report's trend shows.
pub(super) const TREND_RUNS: usize = 30;

/// Why a run did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    /// The job file or an input's layout must be fixed (exit status 2).
    Job(#[from] JobError),
    #[error(transparent)]
    /// A source could not be read.
    Ingest(#[from] IngestError),
    #[error(transparent)]
    /// The outputs could not be written.
    Publish(#[from] PublishError),
    #[error(transparent)]
    /// The decision store could not be used.
    Decisions(#[from] StoreError),
    /// Another run of the job holds its lock.
    #[error(
        "the job {job} is being run by another lamsach process ({holder}); wait for that run to finish, or remove {} if no lamsach process is running",
        crate::files::shown(lock)
    )]
    Busy {
        /// The job's name.
        job: String,
        /// The lock file.
        lock: PathBuf,
        /// What the holder wrote in it (process ID and start time).
        holder: String,
    },
    /// The job's lock file or output folder could not be made.
    #[error("cannot take the job's lock {}: {source}; check that the output folder is writable", crate::files::shown(lock))]
    Lock {
        /// The lock file.
        lock: PathBuf,
        /// Why it could not be taken.
        source: std::io::Error,
    },
}

/// How a run or a command ends: the process exit status, decided here only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// Finished and published.
    Success = 0,
    /// Stopped; nothing published.
    Failed = 1,
    /// A job-file or input-layout error: nothing ran.
    Usage = 2,
    /// Published, but a quality gate failed.
    GateFailed = 3,
    /// Published, but some sources could not be read and were left out.
    SourcesFailed = 4,
}

impl ExitStatus {
    /// A published run's status: a source left out outranks a failed gate.
    pub fn of_run(failed_sources: &[FailedSource], gate_failures: &[String]) -> ExitStatus {
        if !failed_sources.is_empty() {
            ExitStatus::SourcesFailed
        } else if !gate_failures.is_empty() {
            ExitStatus::GateFailed
        } else {
            ExitStatus::Success
        }
    }

    /// The process exit status.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// What a finished run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// The published run folder.
    pub run_dir: PathBuf,
    /// No gate failed.
    pub gate_passed: bool,
    /// Each failed gate, in words.
    pub gate_failures: Vec<String>,
    /// Records made from the sources.
    pub records: u64,
    /// Rows quarantined, the reference's included.
    pub quarantined: u64,
    /// Sources left out because they could not be read (exit status 4).
    pub failed_sources: Vec<FailedSource>,
    /// How the process ends.
    pub exit_status: ExitStatus,
}

/// Options that come from the command line, not the job file.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Publish here instead of the job's `output_dir`.
    pub out: Option<PathBuf>,
    /// Report and worklist language instead of the job's.
    pub lang: Option<Lang>,
    /// Told the name of each stage as it starts (the CLI draws a progress spinner with it).
    pub progress: Option<fn(&str)>,
}

impl RunOptions {
    /// Tells the progress display that a stage starts.
    fn announce(&self, stage: &str) {
        if let Some(p) = self.progress {
            p(stage);
        }
    }
}

/// Frees what a finished run held on a thread of its own: dropping millions of records and
/// people one by one takes seconds (3–4 s at 10M people, on one core) that nothing needs to
/// wait for, and the binary exits without waiting.
fn drop_in_background<T: Send + 'static>(value: T) {
    // Should the thread not start, the closure, and the value with it, is dropped right here.
    let _ = std::thread::Builder::new().name("lamsach-free".into()).spawn(move || drop(value));
}

/// Runs every stage of `job` and publishes the outputs atomically.
pub fn run(job: &Job, opts: &RunOptions) -> Result<RunOutcome, RunError> {
    Running { job }.run(opts)
}

/// A job as it runs: the stages read the job's plan through it.
struct Running<'a> {
    job: &'a Job,
}

impl std::ops::Deref for Running<'_> {
    type Target = Job;
    fn deref(&self) -> &Job {
        self.job
    }
}

impl Running<'_> {
    fn run(&self, opts: &RunOptions) -> Result<RunOutcome, RunError> {
        crate::clock::use_zone(self.zone);
        let mut clock = RunClock::start();
        let announce = |name: &str| opts.announce(name);
        let output_dir = opts.out.clone().unwrap_or_else(|| self.output_dir.clone());
        // The job's lock before any input is read or any file written: a second run of the job
        // started meanwhile is refused at once, not after its own ingest.
        let _lock = self.lock(&output_dir)?;
        // A run killed by SIGKILL (OOM killer, reboot, cron timeout) left its temporary folder.
        let stale = crate::files::remove_stale_tmp(&output_dir, &self.name);
        if stale > 0 {
            tracing::info!(removed = stale, "removed temporary folders of killed runs of this job");
        }

        announce("reference");
        tracing::info!("reading the reference extract and the registers");
        let cache_dir = self.cache_dir_for(opts.out.as_deref());
        let cache = cache_dir.as_deref().map(|dir| reference::CacheSettings { dir, keep: self.cache_keep, modes: self.modes });
        // The registers are read and normalized while the extract is: neither needs the other,
        // and reading a file leaves a core idle.
        let (loaded, registers) = std::thread::scope(|scope| {
            let registers = scope.spawn(|| self.registers());
            let t = Instant::now();
            let loaded = reference::load(&self.reference.input, &crate::READERS, &self.reference.normalize, cache.as_ref());
            (loaded.map(|l| (l, t.elapsed().as_secs_f64())), registers.join().expect("reading the registers does not panic"))
        });
        let ((reference, cache_write), seconds) = loaded?;
        tracing::info!(people = reference.people.len(), cache = ?reference.cache, "reference ready");
        clock.stage_took("reference", seconds);
        let registers = registers?;
        for (stage, seconds) in registers.timings {
            clock.stage_took(stage, seconds);
        }
        // The cache is written beside the other stages; publish (which reports its size) waits for it.
        let outcome = std::thread::scope(|scope| {
            let writer = cache_write.map(|w| scope.spawn(|| w.run(&reference)));
            let wait_for_cache = || {
                if let Some(w) = writer {
                    w.join().expect("the cache writer does not panic");
                }
            };
            self.stages(opts, &reference, registers.table, registers.failed, clock, &output_dir, wait_for_cache)
        });
        drop_in_background(reference);
        outcome
    }

    /// The registers read (see [`Job::ingest`]) and each source's records normalized.
    fn registers(&self) -> Result<Registers, IngestError> {
        let t = Instant::now();
        let Ingested { mut table, plans, failed } = self.ingest()?;
        let ingested = t.elapsed().as_secs_f64();
        let t = Instant::now();
        for (run, plan) in table.iter_mut().zip(&plans) {
            let norm = normalize::run(&run.source, &plan.normalize);
            run.set_normalized(norm);
        }
        Ok(Registers { table, failed, timings: vec![("ingest", ingested), ("normalize", t.elapsed().as_secs_f64())] })
    }

    /// Decisions to publish, after the reference and the registers are read.
    #[expect(
        clippy::too_many_arguments,
        reason = "the stages' inputs are the run's own values, each read once; a struct would only carry them across one call"
    )]
    fn stages(
        &self,
        opts: &RunOptions,
        reference: &Reference,
        mut table: Vec<SourceRun>,
        failed_sources: Vec<FailedSource>,
        mut clock: RunClock,
        output_dir: &Path,
        wait_for_cache: impl FnOnce(),
    ) -> Result<RunOutcome, RunError> {
        let announce = |name: &str| opts.announce(name);
        let t = Instant::now();
        let (mut store, mut night) = self.decisions_before_link(&mut table, reference, opts.out.as_deref(), &failed_sources)?.unzip();
        if night.is_some() {
            clock.stage_done("decisions", t);
        }
        let no_overrides = link::Overrides::default();
        let overrides = night.as_ref().map_or(&no_overrides, |n| &n.resolution.overrides);

        announce("index");
        let t = Instant::now();
        let index = LinkIndex::build(&reference.features);
        clock.stage_done("index", t);
        announce("link");
        let t = Instant::now();
        let (link, record_tf) = self.link(&index, reference, &mut table, overrides, night.as_ref().zip(store.as_ref().map(|s| s.path())), output_dir);
        if let Some(n) = &mut night {
            n.record_tf = record_tf;
            // Only the reuse check reads the diff: its sorted people (0.3 GB at 10M) are freed
            // for publish to reuse.
            n.reference_diff = None;
        }
        // The blocking index is the largest thing a run holds after the reference; publish
        // needs neither it nor its term frequencies.
        drop(index);
        clock.stage_done("link", t);

        announce("assess");
        let t = Instant::now();
        let distinct = night.as_ref().map(|n| n.resolution.distinct.clone()).unwrap_or_default();
        self.assess(reference, &link, &distinct, &mut table);
        if let Some(n) = &mut night {
            n.resolution.after_assess(&table);
        }
        clock.stage_done("assess", t);
        wait_for_cache();

        let gate_failures = self.gate_failures(&table);
        let exit_status = ExitStatus::of_run(&failed_sources, &gate_failures);
        announce("publish");
        let settings = self.publish_settings(opts.lang.unwrap_or(self.lang));
        let data = RunData {
            settings: &settings,
            reference,
            sources: &table,
            link: &link,
            run_date: self.run_date,
            gate_failures: &gate_failures,
            failed_sources: &failed_sources,
            clock: &clock,
            exit_status: exit_status.code(),
            decisions: night.as_ref(),
        };
        let published = publish::run(&data, output_dir)?;
        if let Some(store) = &mut store {
            let t = Instant::now();
            self.record_decisions(store, &data, &published)?;
            tracing::info!(seconds = t.elapsed().as_secs_f64(), "decisions recorded");
        }
        let run_dir = published.run_dir;
        let records = table.iter().map(|r| r.len() as u64).sum();
        let quarantined = table.iter().map(|r| r.source.quarantine.len() as u64).sum::<u64>() + reference.quarantine.len() as u64;
        drop_in_background((table, link, night));
        Ok(RunOutcome { run_dir, gate_passed: gate_failures.is_empty(), gate_failures, records, quarantined, failed_sources, exit_status })
    }

    /// Links every record of the table and stores each source's links in it. Returns the
    /// link summary and, with a store, each record's values' frequencies in tonight's
    /// reference (links.bin keeps them for the next night's reuse check).
    fn link(
        &self,
        index: &LinkIndex,
        reference: &Reference,
        table: &mut [SourceRun],
        overrides: &link::Overrides,
        night: Option<(&Night, &Path)>,
        output_dir: &Path,
    ) -> (LinkSummary, Vec<Vec<[f32; 3]>>) {
        let features: Vec<Vec<Features>> = table
            .iter()
            .map(|r| {
                let schema = &r.source.schema;
                r.normalized()
                    .par_iter()
                    .zip(&r.source.records)
                    .map(|(n, raw)| Features::from_record_in_role(n, schema.sex_of_role(raw.role).map(Into::into)))
                    .collect()
            })
            .collect();
        let record_tf: Vec<Vec<[f32; 3]>> =
            if night.is_some() { features.iter().map(|fs| fs.par_iter().map(|f| index.tf.of_record(f)).collect()).collect() } else { Vec::new() };
        let mut overrides = overrides.clone();
        let mut settings = self.link.clone();
        if self.incremental && settings.model.is_none() {
            settings.model = night.and_then(|(n, _)| self.last_model(n, output_dir));
        }
        if let Some((night, store)) = night.filter(|_| self.incremental) {
            let t = Instant::now();
            let mut state = crate::night::kept::load(&crate::night::kept::path_beside(store));
            // Only links made with tonight's model and block cap are reused.
            let cap = crate::night::kept::cap_section(settings.max_block);
            if settings.model.as_ref().is_none_or(|m| !state.contains_key(&crate::night::kept::model_section(m))) || !state.contains_key(&cap) {
                state.clear();
            }
            let sources: Vec<crate::night::kept::SourceFeatures> = table
                .iter()
                .zip(&features)
                .zip(&record_tf)
                .map(|((r, f), tf)| crate::night::kept::SourceFeatures { name: r.source.name.as_str(), features: f.as_slice(), tf: tf.as_slice() })
                .collect();
            // Last night's people tonight's extract lost, known when last night's reference cache is
            // the one tonight's reused people from (or the extract is the same).
            let last = crate::night::kept::reference_of(&state);
            let departed = match (&reference.previous, reference.cache) {
                (_, reference::CacheStatus::Hit) if last.is_some() && last == reference.cache_key.as_deref() => Some(&[][..]),
                (Some((key, departed)), _) if last == Some(key.as_str()) => Some(departed.as_slice()),
                _ => None,
            };
            overrides.keep =
                crate::night::kept::reusable(&state, &sources, &night.digests, night.reference_diff.as_ref(), index.people, departed, &index.blocks.rules);
            tracing::info!(reused = overrides.keep.len(), seconds = t.elapsed().as_secs_f64(), "incremental: last night's links reused");
        }
        let mut linked = link::run(index, &features, &settings, &overrides);
        let by_family = through_families(index, reference, table, &features, &settings, &overrides, &mut linked);
        tracing::debug!(records = by_family, "records linked through their families");
        let Linked { records, summary } = linked;
        for (run, links) in table.iter_mut().zip(records) {
            run.set_links(links);
        }
        tracing::info!(em_iterations = summary.model.training.em_iterations, converged = summary.model.training.em_converged, "linked");
        if summary.reference_shared_id_rows > 0 {
            tracing::warn!(rows = summary.reference_shared_id_rows, "reference rows share a personal ID with another row");
        }
        (summary, record_tf)
    }

    /// Assesses every record of the table and stores the result in it.
    /// `distinct`: per source, the records officers decided are not their duplicate group's person.
    fn assess(&self, reference: &Reference, link: &LinkSummary, distinct: &[HashSet<usize>], table: &mut [SourceRun]) {
        let settings = AssessSettings { stale_after_days: self.stale_after_days, run_date: self.run_date };
        let ctx = AssessContext { reference, shared_id: &link.shared_id, settings: &settings, distinct };
        let inputs: Vec<assess::LinkedSource> = table.iter().map(SourceRun::linked_source).collect();
        let assessed = assess::run(&inputs, &ctx);
        for (run, a) in table.iter_mut().zip(assessed) {
            run.set_assessed(a);
        }
    }

    /// Takes the job's lock, `<output folder>/.lock-<job>` (the folder made if missing).
    fn lock(&self, output_dir: &Path) -> Result<std::fs::File, RunError> {
        let lock = output_dir.join(format!(".lock-{}", self.name));
        let failed = |source| RunError::Lock { lock: lock.clone(), source };
        crate::files::create_dir(output_dir, self.modes).map_err(failed)?;
        let now = crate::clock::now().format("%Y-%m-%dT%H:%M:%S%:z").to_string();
        match crate::files::take_lock(&lock, self.modes, &now).map_err(failed)? {
            Ok(f) => Ok(f),
            Err(holder) => Err(RunError::Busy { job: self.name.clone(), lock, holder }),
        }
    }

    /// The reference cache folder: under `--out` when the job keeps it under its output folder.
    fn cache_dir_for(&self, out_override: Option<&Path>) -> Option<PathBuf> {
        match (out_override, &self.cache_dir) {
            (Some(out), Some(c)) if c.starts_with(&self.output_dir) => Some(out.join(".cache")),
            _ => self.cache_dir.clone(),
        }
    }

    /// Reads every source into the table. A source that cannot be read tonight (an
    /// empty or broken export) is left out and named, unless the job is all-or-nothing;
    /// a job error (a layout the job file must fix) always stops the run.
    fn ingest(&self) -> Result<Ingested, IngestError> {
        let sources = self.sources_by_sheet();
        let mut table = Vec::with_capacity(sources.len());
        let mut plans = Vec::with_capacity(sources.len());
        let mut failed = Vec::new();
        // Read side by side (decoding a file is mostly one thread's work), kept in job order.
        let read: Vec<Result<ingest::IngestedSource, IngestError>> = sources.par_iter().map(|s| ingest::read_source(&s.input, &crate::READERS)).collect();
        for (s, read) in sources.into_iter().zip(read) {
            match read {
                Ok(src) => {
                    tracing::info!(source = %src.name, rows = src.rows_read, records = src.records.len(), quarantined = src.quarantine.len(), "ingested");
                    table.push(SourceRun::new(src));
                    plans.push(s);
                }
                Err(e) if !e.is_job_error() && !self.all_or_nothing => {
                    tracing::error!(source = %s.input.name, error = %e, "source left out of this run");
                    failed.push(FailedSource { name: s.input.name.clone(), path: crate::files::shown(&s.input.path), error: e.to_string() });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Ingested { table, plans, failed })
    }

    fn publish_settings(&self, lang: Lang) -> PublishSettings {
        PublishSettings {
            job_name: self.name.clone(),
            job_file: self.file.display().to_string(),
            job_sha256: self.sha256.clone(),
            lang,
            modes: self.modes,
            worklist_by_source: self.worklist_by_source,
            max_block: self.link.max_block,
        }
    }

    fn gate_failures(&self, table: &[SourceRun]) -> Vec<String> {
        let (_, _, pass, all) = assess::dimension_summary(table.iter().flat_map(|r| r.assessed()));
        let mut out = Vec::new();
        if let Some(min) = self.gate.overall
            && all < min
        {
            out.push(format!("overall pass rate {all:.3} < {min}"));
        }
        for d in Dimension::ALL {
            if let Some(min) = self.gate.per_dimension[d]
                && pass[d] < min
            {
                out.push(format!("{} pass rate {:.3} < {min}", d.as_str(), pass[d]));
            }
        }
        out
    }
}

/// Each record of a register whose rows name an event's person and its parents: the record of
/// the child it is a parent of, and which parent (see [`link::family`]).
fn parents_in(run: &SourceRun) -> Vec<Option<(usize, link::family::Parent)>> {
    let schema = &run.source.schema;
    if schema.event_role.is_none() {
        return vec![None; run.source.records.len()];
    }
    let rows: Vec<_> = run
        .source
        .records
        .iter()
        .map(|r| (r.source_row, schema.roles.get(r.role as usize).and_then(|x| link::family::Parent::of_role(x)), schema.is_event_role(r.role)))
        .collect();
    link::family::parents_of(&rows)
}

/// Links a birth register's parents and children through their families (see
/// [`link::family`]): the reference's parents of each linked child, its children of each linked
/// parent. Returns how many links the family made.
fn through_families(
    index: &LinkIndex,
    reference: &Reference,
    table: &[SourceRun],
    features: &[Vec<Features>],
    settings: &link::LinkSettings,
    overrides: &link::Overrides,
    linked: &mut Linked,
) -> u64 {
    // Per parent kind, the reference rows under each parent's personal ID; an ID under more
    // than MAX_CHILDREN rows is a placeholder, no family.
    let mut children_of: [HashMap<&str, Vec<u32>>; 2] = Default::default();
    for (k, p) in reference.people.iter().enumerate() {
        for (kind, id) in p.parents.as_deref().into_iter().flat_map(|(m, f)| [m, f].into_iter().enumerate()) {
            if let Some(id) = id {
                children_of[kind].entry(id.as_str()).or_default().push(k as u32);
            }
        }
    }
    children_of.iter_mut().for_each(|m| m.retain(|_, rows| rows.len() <= link::family::MAX_CHILDREN));
    let parents = |c: u32| {
        let ids = reference.people[c as usize].parents.as_deref();
        let row = |kind: usize, id: Option<&String>| id.filter(|id| children_of[kind].contains_key(id.as_str())).and_then(|id| index.person_with_id(id));
        [row(0, ids.and_then(|p| p.0.as_ref())), row(1, ids.and_then(|p| p.1.as_ref()))]
    };
    let children = |p: u32, parent: link::family::Parent| {
        let id = reference.features[p as usize].person_id.as_deref();
        id.and_then(|id| children_of[parent.index()].get(id)).cloned().unwrap_or_default()
    };
    let families = link::family::Families { parent_of: table.iter().map(parents_in).collect(), parents: &parents, children: &children };
    link::family::link_families(index, &linked.summary.model, settings, features, &families, overrides, &mut linked.records)
}
