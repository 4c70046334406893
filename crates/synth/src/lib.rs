//! Synthetic populations and sector registers with ground truth
//! (`lamsach synth`), the bundled demo, and `lamsach eval`.

mod civil;
pub mod defects;
pub mod demo;
pub mod names;
mod nightly;
pub mod population;
mod reference;
pub mod registers;
pub mod specs;

// The core's and the engine's modules under the names the generator's code uses.
use lamsach_engine::{assess, calendar, files, job, normalize, publish, rng, text};

use crate::calendar::PartialDate;
use crate::normalize::admin::AdminRegistry;
use crate::normalize::sex::Sex;
use crate::rng::Rng;
use polars::prelude::{Column, DataFrame, ListBuilderTrait, NamedFrom, Series};
use population::{Generator, Person};
use reference::Parents;
use registers::{Rendered, RowOut, cell, csv_bytes, render};
use specs::{Shape, Spec, all_specs};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Arguments of `lamsach synth`.
#[derive(clap::Args, Debug, Clone)]
pub struct SynthArgs {
    /// People in the reference extract.
    #[arg(long, default_value_t = 10_000)]
    pub people: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder (created).
    #[arg(long)]
    pub out: PathBuf,
    /// 2025 province code or name.
    #[arg(long, default_value = "52")]
    pub province: String,
    /// Registers to write (comma-separated source names); default all.
    #[arg(long, value_delimiter = ',')]
    pub sources: Vec<String>,
    /// Rows per register (default: people / 25, at least 50).
    #[arg(long)]
    pub rows_per_source: Option<usize>,
    /// Multiply every default defect rate.
    #[arg(long, default_value_t = 1.0)]
    pub defect_scale: f64,
    /// Override one defect rate, e.g. --rate no_diacritics=0.2 (repeatable).
    #[arg(long = "rate")]
    pub rates: Vec<String>,
    /// The date the data describe (YYYY-MM-DD).
    #[arg(long, default_value = "2026-11-01")]
    pub as_of: String,
    /// Reference file format.
    #[arg(long, default_value = "parquet")]
    pub reference_format: String,
    /// Write the province as it stands on night N: night 1's files after N − 1 nights of
    /// change (run the job between two such calls into the same folder to reproduce a night).
    #[arg(long, default_value_t = 1)]
    pub day: u32,
    /// Share of each register's records changed each night (removed, edited and added in equal parts).
    #[arg(long, default_value_t = 0.01)]
    pub change_records: f64,
    /// Share of the reference's people changed each night (born, dead, moved, corrected, removed from the extract in equal parts).
    #[arg(long, default_value_t = 0.005)]
    pub change_reference: f64,
}

fn str_col(name: &str, v: Vec<String>) -> Column {
    Series::new(name.into(), v).into()
}

/// Why the generator stopped: an argument it cannot use, a file it cannot write, or the
/// demo's job that does not load.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot write {path}: {message}")]
    Write { path: crate::files::Shown, message: String },
    #[error(transparent)]
    Job(#[from] crate::job::JobError),
}

type Result<T> = std::result::Result<T, SynthError>;

/// The error for a file that could not be written, whatever the writer's error.
fn cannot_write<E: std::fmt::Display>(path: &Path) -> impl FnOnce(E) -> SynthError + '_ {
    move |e| SynthError::Write { path: path.into(), message: e.to_string() }
}

fn write_parquet(path: &Path, mut df: DataFrame) -> Result<()> {
    crate::publish::parquet::write(&mut df, path).map_err(cannot_write(path))?;
    Ok(())
}

/// Whether a register shows the column a defect damages (the truth lists only visible defects).
fn shown(defect: &str, spec: &Spec, role: &str) -> bool {
    use specs::Col;
    let has = |c: Col| spec.columns.iter().any(|(_, x)| *x == c);
    let shared = spec.marriage && role == "wife"; // commune and update date come from the husband's cells
    match defect {
        d if d.starts_with("sex_") => has(Col::Sex),
        d if d.starts_with("commune_") => has(Col::Commune) && !shared,
        "stale" => has(Col::Updated) && !shared,
        d if d.starts_with("id_") => has(Col::Id) || spec.marriage,
        _ => true,
    }
}

/// Ground truth of one record.
struct Truth {
    source: String,
    file: String,
    row: u64,
    role: String,
    person: Option<usize>,
    person_id: Option<String>,
    defects: Vec<String>,
    duplicate: bool,
    /// Linking it is the run's work (a birth certificate's child is not: its mother links).
    link_expected: bool,
}

/// The defect rates: the defaults scaled, then each `--rate NAME=VALUE`.
fn parse_rates(a: &SynthArgs) -> Result<defects::Rates> {
    let mut rates = defects::Rates::defaults(a.defect_scale);
    for kv in &a.rates {
        let (k, v) = kv.split_once('=').ok_or_else(|| SynthError::Usage(format!("--rate takes NAME=VALUE, got '{kv}'")))?;
        let v: f64 = v.parse().map_err(|_| SynthError::Usage(format!("--rate {k}: '{v}' is not a number")))?;
        rates.set(k, v).map_err(SynthError::Usage)?;
    }
    Ok(rates)
}

/// The registers asked for by `--sources` (source or schema names), else all.
fn select_specs(a: &SynthArgs) -> Result<Vec<Spec>> {
    let all = all_specs();
    if a.sources.is_empty() {
        return Ok(all);
    }
    a.sources
        .iter()
        .map(|s| match all.iter().find(|x| x.name == s || x.schema == s) {
            Some(x) => Ok(x.clone()),
            None => Err(SynthError::Usage(format!("unknown register '{s}'; known: {}", all.iter().map(|x| x.name).collect::<Vec<_>>().join(", ")))),
        })
        .collect()
}

/// Chooses the people a register lists: each at most once, except injected duplicates.
struct Picker<'a> {
    people: &'a [Person],
    deceased: Vec<usize>,
    alive: Vec<usize>,
    rates: &'a defects::Rates,
    as_of: PartialDate,
    used: HashSet<usize>,
}

/// Draws before a pool is taken to be used up.
const FRESH_TRIES: usize = 50;
/// Draws for someone of the register's ages before anyone alive will do.
const AGE_TRIES: usize = 1000;

impl<'a> Picker<'a> {
    fn new(people: &'a [Person], rates: &'a defects::Rates, as_of: PartialDate) -> Picker<'a> {
        let deceased = (0..people.len()).filter(|&i| people[i].death.is_some()).collect();
        let alive = (0..people.len()).filter(|&i| people[i].death.is_none()).collect();
        Picker { people, deceased, alive, rates, as_of, used: HashSet::new() }
    }

    /// A new register: nobody listed yet.
    fn start_register(&mut self) {
        self.used.clear();
    }

    fn fresh(&mut self, r: &mut Rng, dead: bool) -> Option<usize> {
        let pool = if dead { &self.deceased } else { &self.alive };
        for _ in 0..FRESH_TRIES {
            let i = *r.pick(pool);
            if self.used.insert(i) {
                return Some(i);
            }
        }
        None
    }

    /// A person aged `min..=max` (or someone not in the reference: `absent`), with the
    /// defects the choice itself is.
    fn pick(&mut self, r: &mut Rng, g: &mut Generator, min: i32, max: i32, death: bool) -> (Person, Option<usize>, Vec<&'static str>) {
        let year = self.as_of.year;
        if !death && r.chance(self.rates.get("absent")) {
            let mut p = g.outsider(r);
            if p.age_at(year) < min || p.age_at(year) > max {
                p.dob.year = year - (min + (max - min) / 2);
            }
            return (p, None, vec!["absent"]);
        }
        if death {
            // Most deaths are in the reference already; some are so recent it still shows them alive.
            let dead = if r.chance(0.7) && !self.deceased.is_empty() { self.fresh(r, true) } else { None };
            let i = dead.or_else(|| self.fresh(r, false)).unwrap_or_else(|| *r.pick(&self.alive));
            return (self.people[i].clone(), Some(i), vec![]);
        }
        if r.chance(self.rates.get("deceased_on_register"))
            && let Some(i) = self.fresh(r, true)
        {
            return (self.people[i].clone(), Some(i), vec!["deceased_on_register"]);
        }
        for _ in 0..AGE_TRIES {
            let i = *r.pick(&self.alive);
            let age = self.people[i].age_at(year);
            if age >= min && age <= max && self.used.insert(i) {
                return (self.people[i].clone(), Some(i), vec![]);
            }
        }
        let i = *r.pick(&self.alive);
        (self.people[i].clone(), Some(i), vec![])
    }
}

/// What every register is drawn from.
struct Province<'a> {
    people: &'a [Person],
    rates: &'a defects::Rates,
    as_of: PartialDate,
    /// 2025 commune → the pre-2025 communes it was made from.
    legacy_of: HashMap<String, Vec<String>>,
    /// Rows per register (`--rows-per-source`).
    rows: usize,
    seed: u64,
}

impl Province<'_> {
    /// One subject of a row: picked, then rendered with its defects.
    fn subject(&self, spec: &Spec, picker: &mut Picker, g: &mut Generator, r: &mut Rng, want_sex: Option<Sex>, died: &mut HashSet<usize>) -> Rendered {
        let (mut p, idx, extra) = loop {
            let x = picker.pick(r, g, spec.min_age, spec.max_age, spec.death_register);
            if want_sex.is_none_or(|s| s == x.0.sex) {
                break x;
            }
        };
        if spec.death_register && p.death.is_none() {
            p.death = Some(PartialDate::from_days(self.as_of.days_since_epoch().unwrap_or(0) - r.below(200) as i32));
        }
        let mut rp = render(&p, idx, spec, self.rates, g, &self.legacy_of, r);
        rp.defects.extend(extra);
        if spec.death_register
            && let Some(i) = idx
        {
            died.insert(i);
        }
        rp
    }

    /// Every register's rows, each handed to `done` (with its place among the specs) as soon
    /// as it is final, so that a large province need not hold every register at once. The
    /// civil-status registers are chains: the births (certificates and registrations) drawn
    /// together; the death certificates final only once the death registrations drawn from
    /// them are.
    fn registers(
        &self,
        specs: &[Spec],
        picker: &mut Picker,
        g: &mut Generator,
        died: &mut HashSet<usize>,
        mut done: impl FnMut(usize, Vec<RowOut>) -> Result<()>,
    ) -> Result<Parents> {
        let (m, seed) = (self.rows, self.seed);
        let all = all_specs();
        let spec_of = |schema: &str| specs.iter().chain(&all).find(|s| s.schema == schema).cloned();
        let mut births = specs.iter().any(|s| s.births).then(|| {
            let (reg, cert) = (spec_of("civil_birth").expect("built in"), spec_of("birth_certificate").expect("built in"));
            self.births(&reg, &cert, m, g, &mut Rng::fork(seed, 900))
        });
        // Death certificates a later death register still draws from, by place.
        let mut held: std::collections::BTreeMap<usize, Vec<RowOut>> = Default::default();
        for (si, spec) in specs.iter().enumerate() {
            let mut r = Rng::fork(seed, 100 + si as u64);
            let certificates = specs[..si].iter().position(|s| s.schema == "death_certificate");
            let rows = match (&mut births, spec.schema, certificates) {
                (Some(b), "civil_birth", _) => std::mem::take(&mut b.registrations),
                (Some(b), "birth_certificate", _) => std::mem::take(&mut b.certificates),
                (_, "civil_death", Some(c)) => {
                    let mut certs = held.remove(&c).unwrap_or_default();
                    let rows = self.death_registrations(spec, &mut certs, m / 10, picker, g, &mut r, died);
                    done(c, certs)?;
                    rows
                }
                _ => self.rows(spec, m, picker, g, &mut r, died),
            };
            if spec.schema == "death_certificate" && specs[si + 1..].iter().any(|s| s.schema == "civil_death") {
                held.insert(si, rows);
            } else {
                done(si, rows)?;
            }
        }
        for (si, rows) in held {
            done(si, rows)?;
        }
        Ok(births.map(|b| b.parents).unwrap_or_default())
    }

    /// A register's rows, then the same people again as re-typed copies at random places.
    fn rows(&self, spec: &Spec, m: usize, picker: &mut Picker, g: &mut Generator, r: &mut Rng, died: &mut HashSet<usize>) -> Vec<RowOut> {
        picker.start_register();
        let mut rows: Vec<RowOut> = Vec::with_capacity(m + m / 50);
        for _ in 0..m {
            let people_out = if spec.marriage {
                vec![("husband", self.subject(spec, picker, g, r, Some(Sex::Male), died)), ("wife", self.subject(spec, picker, g, r, Some(Sex::Female), died))]
            } else {
                vec![("subject", self.subject(spec, picker, g, r, None, died))]
            };
            let mut shared = HashMap::new();
            if spec.marriage {
                shared.insert("commune", people_out[0].1.cells["commune"].clone());
                shared.insert("registered", people_out[0].1.cells["updated"].clone());
            }
            rows.push(RowOut { people: people_out, shared, duplicate: false });
        }
        let dups = (0..rows.len()).filter(|_| r.chance(self.rates.get("duplicate"))).collect::<Vec<_>>();
        for i in dups {
            if spec.marriage {
                continue;
            }
            let (_, orig) = &rows[i].people[0];
            let Some(pi) = orig.person else { continue };
            let mut copy = render(&self.people[pi], Some(pi), spec, self.rates, g, &self.legacy_of, r);
            copy.defects.push("duplicate");
            rows[i].duplicate = true;
            let at = r.below(rows.len() as u64 + 1) as usize;
            rows.insert(at, RowOut { people: vec![("subject", copy)], shared: HashMap::new(), duplicate: true });
        }
        rows
    }
}

/// The register's header and cells (a marriage row holds both spouses).
fn register_table(spec: &Spec, rows: &[RowOut], cr: &mut Rng) -> (Vec<String>, Vec<Vec<String>>) {
    let mut headers: Vec<String> = spec.columns.iter().map(|(h, _)| h.to_string()).collect();
    if spec.marriage {
        headers.splice(1..1, ["Họ tên chồng", "Ngày sinh chồng", "Số định danh chồng", "Họ tên vợ", "Ngày sinh vợ", "Số định danh vợ"].map(String::from));
    }
    let mut table: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    for (k, row) in rows.iter().enumerate() {
        let mut cells: Vec<String> = Vec::with_capacity(headers.len());
        if spec.marriage {
            cells.push((k + 1).to_string());
            for (_, p) in &row.people {
                cells.push(p.cells["name"].clone());
                cells.push(p.cells["dob"].clone());
                cells.push(p.cells["id"].clone());
            }
            for (_, c) in spec.columns.iter().skip(1) {
                cells.push(cell(*c, &row.people[0].1, &row.shared, k + 1, cr));
            }
        } else {
            for (_, c) in &spec.columns {
                cells.push(cell(*c, &row.people[0].1, &row.shared, k + 1, cr));
            }
        }
        table.push(cells);
    }
    (headers, table)
}

/// Writes a register in its shape; returns the physical row of its first record and
/// whether its encoding is a legacy one.
/// Writes a register in its shape; returns its first data row and whether its encoding is a
/// legacy one. `groups`: a row of group cells over the header (CSV only).
fn write_register(path: &Path, spec: &Spec, province: &str, (groups, headers, table): &civil::Table) -> Result<(u64, bool)> {
    let province_name = AdminRegistry::get().province_name(province).unwrap_or("");
    Ok(match spec.shape {
        Shape::Csv { delimiter, encoding, bom, title } => {
            let t = title.then(|| format!("{} - {province_name}", spec.title_vi));
            std::fs::write(path, csv_bytes(headers, table, delimiter, encoding, bom, t.as_deref(), groups.as_deref())).map_err(cannot_write(path))?;
            (2 + title as u64 + groups.is_some() as u64, encoding.is_legacy())
        }
        Shape::Xlsx => {
            demo::write_register_xlsx(path, spec.title_vi, province_name, headers, table).map_err(cannot_write(path))?;
            (demo::XLSX_FIRST_DATA_ROW, false)
        }
        Shape::Parquet => {
            let cols: Vec<Column> = (0..headers.len()).map(|c| str_col(&headers[c], table.iter().map(|r| r[c].clone()).collect())).collect();
            write_parquet(path, DataFrame::new(table.len(), cols).map_err(cannot_write(path))?)?;
            (1, false)
        }
    })
}

/// Writes register `si` and returns the truth of its records.
fn write_register_and_truth(a: &SynthArgs, province: &str, si: usize, spec: &Spec, rows: &[RowOut]) -> Result<Vec<Truth>> {
    let table = if spec.births {
        civil::birth_table(spec, rows)
    } else {
        let (headers, rows) = register_table(spec, rows, &mut Rng::fork(a.seed, 500 + si as u64));
        (None, headers, rows)
    };
    let (first_row, legacy) = write_register(&a.out.join(spec.file), spec, province, &table)?;
    Ok(register_truth(spec, rows, first_row, legacy))
}

/// The truth of every record of a register, with only the defects it shows.
fn register_truth(spec: &Spec, rows: &[RowOut], first_row: u64, legacy: bool) -> Vec<Truth> {
    let mut truth = Vec::new();
    for (k, row) in rows.iter().enumerate() {
        for (role, p) in &row.people {
            let mut defects: Vec<String> = p.defects.iter().filter(|d| shown(d, spec, role)).map(|d| d.to_string()).collect();
            if legacy {
                defects.push("legacy_encoding".into());
            }
            truth.push(Truth {
                source: spec.name.to_string(),
                file: spec.file.to_string(),
                row: first_row + k as u64,
                role: role.to_string(),
                person: p.person,
                person_id: p.person_id.clone(),
                defects,
                duplicate: row.duplicate,
                link_expected: !(spec.schema == "birth_certificate" && *role == "child"),
            });
        }
    }
    truth
}

/// truth.parquet: per record, the true reference row and ID, its defects, duplicate and deceased.
fn write_truth(path: &Path, truth: &[Truth], people: &[Person], died: &HashSet<usize>, ref_row: impl Fn(usize) -> Option<u64>) -> Result<()> {
    let n = truth.len();
    let is_deceased: Vec<bool> = truth.iter().map(|t| t.person.is_some_and(|i| people[i].death.is_some() || died.contains(&i))).collect();
    let mut defects_col = polars::prelude::ListStringChunkedBuilder::new("defects".into(), n, n);
    for t in truth {
        defects_col.append_values_iter(t.defects.iter().map(|s| s.as_str()));
    }
    let df = DataFrame::new(
        n,
        vec![
            str_col("source", truth.iter().map(|t| t.source.clone()).collect()),
            str_col("source_file", truth.iter().map(|t| t.file.clone()).collect()),
            Series::new("source_row".into(), truth.iter().map(|t| t.row).collect::<Vec<u64>>()).into(),
            str_col("role", truth.iter().map(|t| t.role.clone()).collect()),
            Series::new("true_ref_row".into(), truth.iter().map(|t| t.person.and_then(&ref_row)).collect::<Vec<Option<u64>>>()).into(),
            Series::new("true_person_id".into(), truth.iter().map(|t| t.person_id.clone()).collect::<Vec<Option<String>>>()).into(),
            polars::prelude::IntoSeries::into_series(defects_col.finish()).into(),
            Series::new("is_duplicate".into(), truth.iter().map(|t| t.duplicate).collect::<Vec<bool>>()).into(),
            Series::new("is_deceased".into(), is_deceased).into(),
            Series::new("link_expected".into(), truth.iter().map(|t| t.link_expected).collect::<Vec<bool>>()).into(),
        ],
    )
    .map_err(cannot_write(path))?;
    write_parquet(path, df)
}

/// A job file that runs it all.
fn write_job(a: &SynthArgs, province: &str, ref_file: &str, specs: &[Spec], as_of: PartialDate) -> Result<()> {
    let mut job = format!(
        "# Written by: lamsach synth --people {} --seed {} --province {}\n[job]\nname = \"synth\"\noutput_dir = \"out\"\nprovince = \"{province}\"\n\n[reference]\npath = \"{ref_file}\"\n",
        a.people, a.seed, a.province
    );
    for s in specs {
        job.push_str(&format!("\n[[source]]\nname = \"{}\"\npath = \"{}\"\nschema = \"{}\"\n", s.name, s.file, s.schema));
    }
    job.push_str(&format!("\n[assess]\nstale_after_days = 730\nrun_date = \"{}\"\n", as_of.iso()));
    let path = a.out.join("job.toml");
    std::fs::write(&path, job).map_err(cannot_write(&path))?;
    Ok(())
}

/// Generates everything and returns a one-line report.
pub fn run(a: &SynthArgs) -> Result<String> {
    let t0 = std::time::Instant::now();
    let reg = AdminRegistry::get();
    let province = reg.province(&a.province).ok_or_else(|| SynthError::Usage(format!("unknown province '{}'", a.province)))?;
    let as_of = crate::normalize::date::parse_date(&a.as_of, &Default::default())
        .date
        .filter(|d| d.day > 0)
        .ok_or_else(|| SynthError::Usage("--as-of must be a date such as 2026-11-01".into()))?;
    let rates = parse_rates(a)?;
    let specs = select_specs(a)?;
    std::fs::create_dir_all(&a.out).map_err(cannot_write(&a.out))?;
    let mut g = Generator::new(&province, as_of, a.seed);
    let mut people = g.population(a.people, a.seed);
    let legacy_of = g.communes().iter().map(|c| (c.clone(), reg.legacy_sources_of(c).iter().map(|s| s.to_string()).collect())).collect();
    // The first reference row after the header in a CSV file.
    let m = a.rows_per_source.unwrap_or((a.people / 25).max(50));
    let world = Province { people: &people, rates: &rates, as_of, legacy_of, rows: m, seed: a.seed };
    let mut picker = Picker::new(&people, &rates, as_of);
    let mut died_in_registers: HashSet<usize> = HashSet::new();
    // Each register's truth, by its place among the specs. Night 1 writes a register as soon
    // as it is drawn (a 10M-person province never holds all its registers at once); a later
    // night keeps them all, as each night changes every register.
    let mut truths: Vec<Vec<Truth>> = specs.iter().map(|_| Vec::new()).collect();
    let mut kept: Vec<Vec<RowOut>> = specs.iter().map(|_| Vec::new()).collect();
    let write = |si: usize, rows: &[RowOut]| write_register_and_truth(a, &province, si, &specs[si], rows);
    let streaming = a.day <= 1;
    let parents = world.registers(&specs, &mut picker, &mut g, &mut died_in_registers, |si, rows| {
        if streaming {
            truths[si] = write(si, &rows)?;
        } else {
            kept[si] = rows;
        }
        Ok(())
    })?;
    let shares = nightly::Shares { records: a.change_records, reference: a.change_reference };
    for day in 2..=a.day {
        world.next_night(&specs, &mut kept, shares, &mut picker, &mut g, &mut Rng::fork(a.seed, 7000 + day as u64), &mut died_in_registers);
    }
    if !streaming {
        for (si, rows) in kept.iter().enumerate() {
            truths[si] = write(si, rows)?;
        }
    }
    drop(kept);
    let deceased = picker.deceased.len();
    let mut removed = HashSet::new();
    for day in 2..=a.day {
        nightly::change_reference(&mut people, shares.reference, &mut g, &mut Rng::fork(a.seed, 8000 + day as u64), &mut removed);
    }
    let ref_file = reference::write(a, &people, &parents, &removed)?;
    // The first reference row after the header in a CSV file; people removed from the extract
    // have no row, and their records none to link to.
    let first_ref_row = if a.reference_format == "csv" { 2 } else { 1 };
    let mut rows_of = Vec::with_capacity(people.len());
    let mut next = first_ref_row;
    for i in 0..people.len() {
        rows_of.push((!removed.contains(&i)).then_some(next));
        next += u64::from(!removed.contains(&i));
    }
    let ref_row = |i: usize| rows_of[i];
    let mut truth: Vec<Truth> = truths.into_iter().flatten().collect();
    for t in truth.iter_mut().filter(|t| t.person.is_some_and(|i| removed.contains(&i))) {
        t.person_id = None;
    }
    write_truth(&a.out.join("truth.parquet"), &truth, &people, &died_in_registers, ref_row)?;
    // Night N is described N − 1 days after the first.
    let run_date = PartialDate::from_days(as_of.days_since_epoch().unwrap_or(0) + a.day.max(1) as i32 - 1);
    write_job(a, &province, ref_file, &specs, run_date)?;
    Ok(format!(
        "lamsach synth: {} people ({} deceased), {} registers, {} sector records in {:.1} s → {}",
        people.len(),
        deceased,
        specs.len(),
        truth.len(),
        t0.elapsed().as_secs_f64(),
        a.out.display()
    ))
}
