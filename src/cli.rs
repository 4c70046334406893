//! The command line: clap commands that translate arguments into library calls.
//! Exit codes: 0 success, 1 the job failed, 2 usage or job-file error, 3 the
//! run finished but a quality gate failed, 4 published without the sources that could not be read.
//! Two commands only read run folders and live here: `explain` and `eval`.

mod eval;
mod explain;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use lamsach::job::{Job, JobError};
use lamsach::normalize::admin::{AdminRegistry, CommuneLookup, Era};
use lamsach::text::legacy::{self, Encoding};
use lamsach::text::{self, ToneStyle};
use lamsach::{ExitStatus, RunError, RunOptions};
use serde_json::json;
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// The language of the report and the worklist, as the command line spells it.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum LangArg {
    Vi,
    En,
}

impl From<LangArg> for lamsach::Lang {
    fn from(l: LangArg) -> lamsach::Lang {
        match l {
            LangArg::Vi => lamsach::Lang::Vi,
            LangArg::En => lamsach::Lang::En,
        }
    }
}

/// lamsach ("làm sạch"): cleans Vietnamese population records and links them
/// to the reference population extract (Đề án 06: đúng, đủ, sạch, sống).
#[derive(Parser, Debug)]
#[command(name = "lamsach", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Only warnings and errors on stderr.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Debug logging on stderr.
    #[arg(long, short, global = true)]
    verbose: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a job: ingest, normalize, link, assess and publish.
    ///
    /// Examples:
    ///   lamsach run gia-lai.toml
    ///   lamsach run gia-lai.toml --out /srv/lamsach/out --lang en
    Run {
        /// The job file (TOML).
        job: PathBuf,
        /// Output folder (overrides the job's output_dir).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Language of the report and worklist.
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
    },
    /// Run the bundled demo job on the bundled fixtures and print where the report is.
    Demo {
        /// Output folder.
        #[arg(long, default_value = "out/demo")]
        out: PathBuf,
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
    },
    /// Validate a job file and its inputs (files, headers, schemas) without running it.
    Check { job: PathBuf },
    /// Normalize values read one per line from stdin; print one JSON object per line.
    ///
    /// For `id`, a line may be `ID<TAB>sex<TAB>date of birth`; for `commune`,
    /// `name or code<TAB>province`.
    Normalize {
        #[arg(value_enum)]
        kind: Kind,
        /// Tone-mark style for names: old (hòa) or new (hoà).
        #[arg(long, value_enum, default_value = "old")]
        style: Style,
        /// For addresses: the era they are written in, as a source's `addresses` option says.
        #[arg(long, value_enum)]
        era: Option<AddressEra>,
    },
    /// Decode a legacy-encoded text file to UTF-8 on stdout; the encoding goes to stderr.
    Decode {
        #[arg(long, value_enum, default_value = "auto")]
        from: SourceEncoding,
        file: PathBuf,
    },
    /// Generate a synthetic population and sector registers with ground truth.
    ///
    /// Example: lamsach synth --people 100000 --seed 7 --out synth/
    Synth(lamsach::synth::SynthArgs),
    /// Measure a run's links against a synthetic truth file.
    Eval {
        #[arg(long)]
        truth: PathBuf,
        #[arg(long)]
        run: PathBuf,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
        /// Exit non-zero when the overall F1 is lower.
        #[arg(long)]
        min_f1: Option<f64>,
    },
    /// Explain why a record got its match class: every comparison's level and weight.
    ///
    /// Example: lamsach explain out/job-20261127-020000 lao_dong:17
    Explain {
        run: PathBuf,
        /// SOURCE:ROW as in records.parquet.
        record: String,
        #[arg(long, value_enum, default_value = "vi")]
        lang: LangArg,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Kind {
    Text,
    Name,
    Id,
    Date,
    Sex,
    Phone,
    Commune,
    Address,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AddressEra {
    Legacy,
    #[value(name = "2025")]
    Y2025,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Style {
    Old,
    New,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum SourceEncoding {
    Auto,
    Tcvn3,
    Vni,
    Viscii,
    Cp1258,
    Utf8,
    Utf16,
}

fn init_logging(g: &Global) {
    let level = if g.quiet {
        "warn"
    } else if g.verbose {
        "debug"
    } else {
        "info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("lamsach={level}")));
    // At a terminal the spinner shows the stage; the log lines would tear it, so they stay for warnings.
    let filter = if std::io::IsTerminal::is_terminal(&std::io::stderr()) && !g.verbose && std::env::var_os("RUST_LOG").is_none() {
        tracing_subscriber::EnvFilter::new("lamsach=warn")
    } else {
        filter
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => ExitStatus::Success as i32,
                _ => ExitStatus::Usage as i32,
            };
        }
    };
    if let Some(n) = cli.global.threads {
        // polars sizes its own pool from this variable when it first starts one.
        // SAFETY: no other thread exists yet; nothing reads the environment concurrently.
        unsafe { std::env::set_var("POLARS_MAX_THREADS", n.max(1).to_string()) };
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global();
    }
    init_logging(&cli.global);
    match dispatch(cli) {
        Ok(code) => code as i32,
        Err(err) => {
            // A closed pipe (lamsach normalize | head) is not a failure.
            if err.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)) {
                return ExitStatus::Success as i32;
            }
            eprintln!("lamsach: {err:#}");
            let usage = err.chain().any(|c| {
                c.downcast_ref::<JobError>().is_some()
                    || c.downcast_ref::<lamsach::ingest::IngestError>().is_some_and(|e| e.is_job_error())
                    || match c.downcast_ref::<RunError>() {
                        Some(RunError::Job(_)) => true,
                        Some(RunError::Ingest(e)) => e.is_job_error(),
                        _ => false,
                    }
            });
            if usage { ExitStatus::Usage as i32 } else { ExitStatus::Failed as i32 }
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Run { job, out, lang } => {
            let job = Job::load(&job)?;
            run_job(&job, RunOptions { out, lang: lang.map(Into::into), progress: None })
        }
        Command::Demo { out, lang } => {
            let job = lamsach::synth::demo::prepare(&out).context("cannot write the demo fixtures")?;
            let code = run_job(&job, RunOptions { out: Some(out.clone()), lang: lang.map(Into::into), progress: None })?;
            Ok(code)
        }
        Command::Check { job } => check(&job),
        Command::Normalize { kind, style, era } => normalize(kind, style, era),
        Command::Decode { from, file } => decode(from, &file),
        Command::Synth(args) => {
            let report = lamsach::synth::run(&args)?;
            println!("{report}");
            Ok(ExitStatus::Success)
        }
        Command::Eval { truth, run, json, min_f1 } => {
            let e = eval::evaluate(&truth, &run)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&e)?);
            } else {
                print!("{}", e.table());
            }
            if let Some(min) = min_f1
                && e.overall.f1 < min
            {
                eprintln!("lamsach: F1 {:.4} is below --min-f1 {min}", e.overall.f1);
                return Ok(ExitStatus::Failed);
            }
            Ok(ExitStatus::Success)
        }
        Command::Explain { run, record, lang } => {
            print!("{}", explain::explain(&run, &record, lang.into())?);
            Ok(ExitStatus::Success)
        }
    }
}

static SPINNER: std::sync::OnceLock<indicatif::ProgressBar> = std::sync::OnceLock::new();

fn show_stage(stage: &str) {
    if let Some(pb) = SPINNER.get() {
        pb.set_message(stage.to_string());
    }
}

fn run_job(job: &Job, mut opts: RunOptions) -> Result<ExitStatus> {
    // A spinner for people at a terminal; cron gets the plain log lines.
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_style(
            indicatif::ProgressStyle::with_template("{spinner} lamsach {msg} [{elapsed}]").unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        let _ = SPINNER.set(pb);
        opts.progress = Some(show_stage);
    }
    let result = lamsach::run(job, &opts);
    if let Some(pb) = SPINNER.get() {
        pb.finish_and_clear();
    }
    let outcome = result?;
    let report = outcome.run_dir.join("report.html");
    println!("{}", outcome.run_dir.display());
    eprintln!("lamsach: {} records, {} rows quarantined; report: {}", outcome.records, outcome.quarantined, report.display());
    if !outcome.gate_passed {
        eprintln!("lamsach: quality gate failed: {}", outcome.gate_failures.join("; "));
    }
    for f in &outcome.failed_sources {
        eprintln!("lamsach: source '{}' left out of this run: {}", f.name, f.error);
    }
    Ok(outcome.exit_status)
}

fn check(path: &std::path::Path) -> Result<ExitStatus> {
    let job = Job::load(path)?;
    let layouts = job.check(&lamsach::READERS).map_err(|e| JobError {
        file: path.display().to_string(),
        line: None,
        message: e.to_string(),
        hint: "fix the input or its [source.columns]".into(),
    })?;
    println!("job {}: {} source(s), output {}", job.name, job.sources.len(), job.output_dir.display());
    for (name, l) in layouts {
        let enc = l.encoding.map(|d| format!("{} (confidence {:.2})", d.encoding.as_str(), d.confidence)).unwrap_or_else(|| "-".into());
        println!("  {name}: {} {}, header at row {}, encoding {enc}", l.format.as_str(), l.headers.len(), l.header_row);
        for ((role, cols), how) in l.columns.roles.iter().zip(&l.columns.matched_by) {
            let mapped: Vec<String> = lamsach::Field::ALL
                .iter()
                .filter_map(|f| {
                    let by = how[f.index()].map_or("", |b| b.as_str());
                    cols[f.index()].map(|c| format!("{}←\"{}\" ({by})", f.as_str(), l.headers[c]))
                })
                .collect();
            println!("    {role}: {}", mapped.join(", "));
        }
        if let Some([men, women]) = l.columns.dob_by_sex {
            println!("    dob and sex←\"{}\" (men) | \"{}\" (women): each date of birth under the person's sex", l.headers[men], l.headers[women]);
        }
        for (field, candidates) in &l.columns.ambiguous {
            println!("    {}: ambiguous, not mapped; candidates: {}", field.as_str(), candidates.join(" | "));
        }
        if !l.columns.unmapped.is_empty() {
            println!("    not used: {}", l.columns.unmapped.join(", "));
        }
    }
    println!("ok");
    Ok(ExitStatus::Success)
}

fn codes_json(codes: &[lamsach::Code]) -> serde_json::Value {
    serde_json::Value::from(codes.iter().map(|c| c.as_str()).collect::<Vec<_>>())
}

fn normalize(kind: Kind, style: Style, era: Option<AddressEra>) -> Result<ExitStatus> {
    let era = era.map(|e| match e {
        AddressEra::Legacy => Era::Legacy,
        AddressEra::Y2025 => Era::Y2025,
    });
    let style = match style {
        Style::Old => ToneStyle::Old,
        Style::New => ToneStyle::New,
    };
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.context("reading stdin")?;
        let line = line.trim_end_matches('\r');
        let mut parts = line.split('\t');
        let input = parts.next().unwrap_or("");
        let v = match kind {
            Kind::Text => normalized_text(input),
            Kind::Name => normalized_name(input, style),
            Kind::Id => normalized_id(input, parts.next(), parts.next()),
            Kind::Date => normalized_date(input),
            Kind::Sex => {
                let (s, codes) = lamsach::normalize::sex::parse_sex(input);
                json!({"input": input, "value": s.map(|s| s.as_str()), "findings": codes_json(&codes)})
            }
            Kind::Phone => {
                let (p, codes) = lamsach::normalize::id::normalize_phone(input);
                json!({"input": input, "value": p, "findings": codes_json(&codes)})
            }
            Kind::Commune => normalized_commune(input, parts.next()),
            Kind::Address => normalized_address(input, parts.next(), era),
        };
        writeln!(out, "{v}")?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}

fn normalized_text(input: &str) -> serde_json::Value {
    let mut f = Vec::new();
    let value = lamsach::normalize::normalize_text(input, lamsach::Field::Address, &mut f);
    let c = text::clean(input);
    let mut codes: Vec<lamsach::Code> = f.iter().map(|x| x.code).collect();
    codes.extend(c.codes().filter(|c| !codes.contains(c)).collect::<Vec<_>>());
    json!({"input": input, "value": value, "findings": codes_json(&codes), "folded": value.as_deref().map(text::fold)})
}

fn normalized_name(input: &str, style: ToneStyle) -> serde_json::Value {
    match lamsach::normalize::name::normalize_name(input, style) {
        Some((n, codes)) => {
            json!({"input": input, "value": n.full(), "findings": codes_json(&codes), "family": n.family(), "middle": n.middle(), "given": n.given(),
            "folded": n.folded(), "folded_given": n.folded_given(), "phonetic": n.phonetic(), "phonetic_given": n.phonetic_given()})
        }
        None => json!({"input": input, "value": null, "findings": []}),
    }
}

fn normalized_id(input: &str, sex: Option<&str>, dob: Option<&str>) -> serde_json::Value {
    use lamsach::normalize::{date, id, sex as sx};
    let sex = sex.and_then(|s| sx::parse_sex(s).0);
    let dob = dob.and_then(|d| date::parse_date(d, &Default::default()).date);
    let id = id::normalize_person_id(input, sex, dob);
    let kind = if id.cccd.is_some() {
        "cccd"
    } else if id.cmnd.is_some() {
        "cmnd"
    } else {
        "invalid"
    };
    json!({"input": input, "value": id.cccd.clone().or(id.cmnd.clone()), "findings": codes_json(&id.codes), "kind": kind,
        "province": id.province.map(|p| format!("{p:03}")), "sex": id.sex.map(|s| s.as_str()), "birth_year": id.birth_year})
}

fn normalized_date(input: &str) -> serde_json::Value {
    let p = lamsach::normalize::date::parse_date(input, &Default::default());
    json!({"input": input, "value": p.date.map(|d| d.iso()), "findings": codes_json(&p.codes),
        "year": p.date.map(|d| d.year), "month": p.date.map(|d| d.month).filter(|m| *m > 0), "day": p.date.map(|d| d.day).filter(|d| *d > 0),
        "precision": p.date.map(|d| d.precision().as_str())})
}

fn normalized_commune(input: &str, province: Option<&str>) -> serde_json::Value {
    let reg = AdminRegistry::get();
    let province = province.and_then(|p| reg.province_scope(p));
    match reg.lookup_commune(input, province.as_ref(), Era::Y2025) {
        CommuneLookup::Found(m) => {
            let codes: Vec<lamsach::Code> = lamsach::normalize::commune_findings(&m).iter().map(|f| f.code).collect();
            json!({"input": input, "value": m.code, "findings": codes_json(&codes), "code": m.code, "era": m.era.as_str(),
                "name": reg.unit(&m.code, m.era).map(|u| u.name.clone()), "current_code": m.current_code, "current_province": m.current_province})
        }
        CommuneLookup::Ambiguous(n) => json!({"input": input, "value": null, "findings": ["COMMUNE_AMBIGUOUS"], "candidates": n}),
        CommuneLookup::Unknown => json!({"input": input, "value": null, "findings": ["COMMUNE_UNKNOWN"]}),
    }
}

fn normalized_address(input: &str, province: Option<&str>, era: Option<Era>) -> serde_json::Value {
    let reg = AdminRegistry::get();
    let province = province.and_then(|p| reg.province_scope(p));
    // Cleaned first (legacy encodings, NFC), as a register's address is.
    let mut cleaning = Vec::new();
    let text = lamsach::normalize::normalize_text(input, lamsach::Field::Address, &mut cleaning).unwrap_or_default();
    let (a, parsed) = lamsach::normalize::address::parse_address_in(&text, province.as_ref(), era);
    let codes: Vec<lamsach::Code> = cleaning.iter().map(|f| f.code).chain(parsed).collect();
    let m = a.commune.as_ref();
    json!({"input": input, "value": m.and_then(|m| m.current_code.clone()), "findings": codes_json(&codes),
        "hamlet": a.hamlet, "commune_code": m.map(|m| m.code.clone()), "commune_era": m.map(|m| m.era.as_str()),
        "commune_name": m.and_then(|m| reg.unit(&m.code, m.era)).map(|u| u.name.clone()),
        "current_code": m.and_then(|m| m.current_code.clone()), "current_name": m.and_then(|m| m.current_code.as_deref()).and_then(|c| reg.unit(c, Era::Y2025)).map(|u| u.name.clone()),
        "split": m.is_some_and(|m| m.split), "split_into": m.map(|m| m.other_targets.clone()).unwrap_or_default(), "district": a.district, "province": a.province, "era": a.era.map(|e| e.as_str())})
}

fn decode(from: SourceEncoding, file: &std::path::Path) -> Result<ExitStatus> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let det = match from {
        SourceEncoding::Auto => legacy::detect(&bytes),
        other => {
            let e = match other {
                SourceEncoding::Tcvn3 => Encoding::Tcvn3,
                SourceEncoding::Vni => Encoding::Vni,
                SourceEncoding::Viscii => Encoding::Viscii,
                SourceEncoding::Cp1258 => Encoding::Cp1258,
                SourceEncoding::Utf8 => Encoding::Utf8,
                // UTF-16 as asked: big-endian only with its byte-order mark.
                SourceEncoding::Utf16 if bytes.starts_with(&[0xFE, 0xFF]) => Encoding::Utf16Be,
                SourceEncoding::Utf16 => Encoding::Utf16Le,
                SourceEncoding::Auto => unreachable!(),
            };
            legacy::Detection { encoding: e, confidence: 1.0, has_bom: false }
        }
    };
    eprintln!("lamsach: {}: encoding {} (confidence {:.2})", file.display(), det.encoding.as_str(), det.confidence);
    let mut out = std::io::stdout().lock();
    out.write_all(legacy::decode(&bytes, det.encoding).as_bytes())?;
    Ok(ExitStatus::Success)
}
