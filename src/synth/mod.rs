//! Synthetic populations and sector registers with ground truth
//! (`lamsach synth`), the bundled demo, and `lamsach eval`.

pub mod defects;
pub mod demo;
pub mod eval;
pub mod names;
pub mod population;
pub mod registers;

use crate::calendar::{PartialDate, days_in_month};
use crate::normalize::admin::AdminRegistry;
use crate::rng::Rng;
use crate::text::legacy::Encoding;
use anyhow::{Context, Result, bail};
use polars::prelude::{Column, DataFrame, ListBuilderTrait, NamedFrom, ParquetWriter, Series};
use population::{Generator, Person};
use registers::{Rendered, RowOut, Shape, Spec, all_specs, cell, csv_bytes, render};
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
}

fn str_col(name: &str, v: Vec<String>) -> Column {
    Series::new(name.into(), v).into()
}

fn write_parquet(path: &Path, mut df: DataFrame) -> Result<()> {
    let f = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(f).finish(&mut df)?;
    Ok(())
}

fn reference_table(people: &[Person], as_of: PartialDate, r: &mut Rng) -> (Vec<String>, Vec<Vec<String>>) {
    let headers: Vec<String> = ["SO_DINH_DANH", "SO_CMND", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_XA", "DIA_CHI", "TRANG_THAI", "NGAY_MAT", "NGAY_CAP_NHAT"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let rows = people
        .iter()
        .map(|p| {
            // Old birth registrations may hold only the year.
            let mut dob = if p.dob.year < 1960 && r.chance(0.03) { p.dob.year.to_string() } else { p.dob.display_vi() };
            let _ = as_of;
            // The reference has errors of its own: a misspelt given name, a wrong day.
            let mut name = p.full();
            if r.chance(0.005)
                && let Some(typo) = defects::typo(&p.given, r)
            {
                name = population::join_name(&p.family, &p.middle, &typo, p.clan_last);
            }
            if r.chance(0.005) && p.dob.day > 0 {
                let day = 1 + (p.dob.day as u64 + r.below(3)) % days_in_month(p.dob.year, p.dob.month) as u64;
                dob = PartialDate::ymd(p.dob.year, p.dob.month, day as u8).display_vi();
            }
            vec![
                p.cccd.clone(),
                p.cmnd.clone().unwrap_or_default(),
                name,
                dob,
                p.sex.label_vi().to_string(),
                p.commune.clone(),
                p.address.clone(),
                if p.death.is_some() { "Đã mất".into() } else { "Còn sống".into() },
                p.death.map(|d| d.display_vi()).unwrap_or_default(),
                p.updated.display_vi(),
            ]
        })
        .collect();
    (headers, rows)
}

/// Whether a register shows the column a defect damages (the truth lists only visible defects).
fn shown(defect: &str, spec: &Spec, role: &str) -> bool {
    use registers::Col;
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
}

/// Generates everything and returns a one-line report.
pub fn run(a: &SynthArgs) -> Result<String> {
    let t0 = std::time::Instant::now();
    let reg = AdminRegistry::get();
    let province = reg.province(&a.province).with_context(|| format!("unknown province '{}'", a.province))?;
    let as_of =
        crate::normalize::date::parse_date(&a.as_of, &Default::default()).date.filter(|d| d.day > 0).context("--as-of must be a date such as 2026-11-01")?;
    let mut rates = defects::Rates::defaults(a.defect_scale);
    for kv in &a.rates {
        let (k, v) = kv.split_once('=').with_context(|| format!("--rate takes NAME=VALUE, got '{kv}'"))?;
        let v: f64 = v.parse().with_context(|| format!("--rate {k}: '{v}' is not a number"))?;
        rates.set(k, v).map_err(anyhow::Error::msg)?;
    }
    let specs: Vec<Spec> = if a.sources.is_empty() {
        all_specs()
    } else {
        let all = all_specs();
        let mut v = Vec::new();
        for s in &a.sources {
            match all.iter().find(|x| x.name == s || x.schema == s) {
                Some(x) => v.push(x.clone()),
                None => bail!("unknown register '{s}'; known: {}", all.iter().map(|x| x.name).collect::<Vec<_>>().join(", ")),
            }
        }
        v
    };
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let mut g = Generator::new(&province, as_of, a.seed);
    let people = g.population(a.people, a.seed);
    let mut legacy_of: HashMap<String, Vec<String>> = HashMap::new();
    for c in g.communes().to_vec() {
        legacy_of.insert(c.clone(), reg.legacy_sources_of(&c).iter().map(|s| s.to_string()).collect());
    }
    // Reference extract.
    let mut r = Rng::fork(a.seed, 2);
    let (rh, rrows) = reference_table(&people, as_of, &mut r);
    let ref_file = if a.reference_format == "csv" { "reference.csv" } else { "reference.parquet" };
    // The physical row of reference person i.
    let ref_row = |i: usize| -> u64 { if a.reference_format == "csv" { i as u64 + 2 } else { i as u64 + 1 } };
    if a.reference_format == "csv" {
        std::fs::write(a.out.join(ref_file), csv_bytes(&rh, &rrows, b',', Encoding::Utf8, false, None))?;
    } else {
        let cols: Vec<Column> = (0..rh.len()).map(|c| str_col(&rh[c], rrows.iter().map(|r| r[c].clone()).collect())).collect();
        write_parquet(&a.out.join(ref_file), DataFrame::new(rrows.len(), cols)?)?;
    }
    drop(rrows);
    let deceased: Vec<usize> = (0..people.len()).filter(|&i| people[i].death.is_some()).collect();
    let alive: Vec<usize> = (0..people.len()).filter(|&i| people[i].death.is_none()).collect();
    let m = a.rows_per_source.unwrap_or((a.people / 25).max(50));
    let mut truth: Vec<Truth> = Vec::new();
    let mut died_in_registers: HashSet<usize> = HashSet::new();
    for (si, spec) in specs.iter().enumerate() {
        let mut r = Rng::fork(a.seed, 100 + si as u64);
        // Each person at most once per register, except injected duplicates.
        let used = std::cell::RefCell::new(HashSet::<usize>::new());
        let fresh = |r: &mut Rng, pool: &[usize]| -> Option<usize> {
            for _ in 0..50 {
                let i = *r.pick(pool);
                if used.borrow_mut().insert(i) {
                    return Some(i);
                }
            }
            None
        };
        let pick = |r: &mut Rng, g: &mut Generator, min: i32, max: i32, death: bool| -> (Person, Option<usize>, Vec<&'static str>) {
            if !death && r.chance(rates.get("absent")) {
                let mut p = g.outsider(r);
                if p.age_at(as_of.year) < min || p.age_at(as_of.year) > max {
                    p.dob.year = as_of.year - (min + (max - min) / 2);
                }
                return (p, None, vec!["absent"]);
            }
            if death {
                // Most deaths are in the reference already; some are so recent it still shows them alive.
                let dead = if r.chance(0.7) && !deceased.is_empty() { fresh(r, &deceased) } else { None };
                let i = dead.or_else(|| fresh(r, &alive)).unwrap_or_else(|| *r.pick(&alive));
                return (people[i].clone(), Some(i), vec![]);
            }
            if r.chance(rates.get("deceased_on_register"))
                && let Some(i) = fresh(r, &deceased)
            {
                return (people[i].clone(), Some(i), vec!["deceased_on_register"]);
            }
            for _ in 0..1000 {
                let i = *r.pick(&alive);
                let age = people[i].age_at(as_of.year);
                if age >= min && age <= max && used.borrow_mut().insert(i) {
                    return (people[i].clone(), Some(i), vec![]);
                }
            }
            let i = *r.pick(&alive);
            (people[i].clone(), Some(i), vec![])
        };
        let mut rows: Vec<RowOut> = Vec::with_capacity(m + m / 50);
        for _ in 0..m {
            let mut render_one = |r: &mut Rng, g: &mut Generator, min: i32, max: i32, want_sex: Option<crate::normalize::sex::Sex>| -> Rendered {
                let (mut p, idx, extra) = loop {
                    let x = pick(r, g, min, max, spec.death_register);
                    if want_sex.is_none_or(|s| s == x.0.sex) {
                        break x;
                    }
                };
                if spec.death_register && p.death.is_none() {
                    p.death = Some(PartialDate::from_days(as_of.days_since_epoch().unwrap_or(0) - r.below(200) as i32));
                }
                let mut rp = render(&p, idx, spec, &rates, g, &legacy_of, r);
                rp.defects.extend(extra);
                if spec.death_register
                    && let Some(i) = idx
                {
                    died_in_registers.insert(i);
                }
                rp
            };
            let people_out = if spec.marriage {
                vec![
                    ("husband", render_one(&mut r, &mut g, spec.min_age, spec.max_age, Some(crate::normalize::sex::Sex::Male))),
                    ("wife", render_one(&mut r, &mut g, spec.min_age, spec.max_age, Some(crate::normalize::sex::Sex::Female))),
                ]
            } else {
                vec![("subject", render_one(&mut r, &mut g, spec.min_age, spec.max_age, None))]
            };
            let mut shared = HashMap::new();
            if spec.marriage {
                shared.insert("commune", people_out[0].1.cells["commune"].clone());
                shared.insert("updated", people_out[0].1.cells["updated"].clone());
            }
            rows.push(RowOut { people: people_out, shared, duplicate: false });
        }
        // The same person twice: a re-typed copy at a random place.
        let dups = (0..rows.len()).filter(|_| r.chance(rates.get("duplicate"))).collect::<Vec<_>>();
        for i in dups {
            if spec.marriage {
                continue;
            }
            let (_, orig) = &rows[i].people[0];
            let Some(pi) = orig.person else { continue };
            let mut copy = render(&people[pi], Some(pi), spec, &rates, &g, &legacy_of, &mut r);
            copy.defects.push("duplicate");
            rows[i].duplicate = true;
            let at = r.below(rows.len() as u64 + 1) as usize;
            rows.insert(at, RowOut { people: vec![("subject", copy)], shared: HashMap::new(), duplicate: true });
        }
        // Render the table.
        let mut headers: Vec<String> = spec.columns.iter().map(|(h, _)| h.to_string()).collect();
        if spec.marriage {
            headers.splice(1..1, ["Họ tên chồng", "Ngày sinh chồng", "Số định danh chồng", "Họ tên vợ", "Ngày sinh vợ", "Số định danh vợ"].map(String::from));
        }
        let mut table: Vec<Vec<String>> = Vec::with_capacity(rows.len());
        let mut cr = Rng::fork(a.seed, 500 + si as u64);
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
                    cells.push(cell(*c, &row.people[0].1, &row.shared, k + 1, &mut cr));
                }
            } else {
                for (_, c) in &spec.columns {
                    cells.push(cell(*c, &row.people[0].1, &row.shared, k + 1, &mut cr));
                }
            }
            table.push(cells);
        }
        let path = a.out.join(spec.file);
        let (first_row, legacy) = match spec.shape {
            Shape::Csv { delimiter, encoding, bom, title } => {
                let t = title.then(|| format!("{} - {}", spec.title_vi, reg.province_name(&province).unwrap_or("")));
                std::fs::write(&path, csv_bytes(&headers, &table, delimiter, encoding, bom, t.as_deref()))?;
                (if title { 3 } else { 2 }, encoding.is_legacy())
            }
            Shape::Xlsx => {
                demo::write_register_xlsx(&path, spec.title_vi, reg.province_name(&province).unwrap_or(""), &headers, &table)?;
                (demo::XLSX_FIRST_DATA_ROW, false)
            }
            Shape::Parquet => {
                let cols: Vec<Column> = (0..headers.len()).map(|c| str_col(&headers[c], table.iter().map(|r| r[c].clone()).collect())).collect();
                write_parquet(&path, DataFrame::new(table.len(), cols)?)?;
                (1, false)
            }
        };
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
                });
            }
        }
    }
    // truth.parquet
    let n = truth.len();
    let is_deceased: Vec<bool> = truth.iter().map(|t| t.person.is_some_and(|i| people[i].death.is_some() || died_in_registers.contains(&i))).collect();
    let mut defects_col = polars::prelude::ListStringChunkedBuilder::new("defects".into(), n, n);
    for t in &truth {
        defects_col.append_values_iter(t.defects.iter().map(|s| s.as_str()));
    }
    let df = DataFrame::new(
        n,
        vec![
            str_col("source", truth.iter().map(|t| t.source.clone()).collect()),
            str_col("source_file", truth.iter().map(|t| t.file.clone()).collect()),
            Series::new("source_row".into(), truth.iter().map(|t| t.row).collect::<Vec<u64>>()).into(),
            str_col("role", truth.iter().map(|t| t.role.clone()).collect()),
            Series::new("true_ref_row".into(), truth.iter().map(|t| t.person.map(ref_row)).collect::<Vec<Option<u64>>>()).into(),
            Series::new("true_person_id".into(), truth.iter().map(|t| t.person_id.clone()).collect::<Vec<Option<String>>>()).into(),
            polars::prelude::IntoSeries::into_series(defects_col.finish()).into(),
            Series::new("is_duplicate".into(), truth.iter().map(|t| t.duplicate).collect::<Vec<bool>>()).into(),
            Series::new("is_deceased".into(), is_deceased).into(),
        ],
    )?;
    write_parquet(&a.out.join("truth.parquet"), df)?;
    // A job file that runs it all.
    let mut job = format!(
        "# Written by: lamsach synth --people {} --seed {} --province {}\n[job]\nname = \"synth\"\noutput_dir = \"out\"\nprovince = \"{province}\"\n\n[reference]\npath = \"{ref_file}\"\n",
        a.people, a.seed, a.province
    );
    for s in &specs {
        job.push_str(&format!("\n[[source]]\nname = \"{}\"\npath = \"{}\"\nschema = \"{}\"\n", s.name, s.file, s.schema));
    }
    job.push_str(&format!("\n[assess]\nstale_after_days = 730\nrun_date = \"{}\"\n", as_of.iso()));
    std::fs::write(a.out.join("job.toml"), job)?;
    Ok(format!(
        "lamsach synth: {} people ({} deceased), {} registers, {} sector records in {:.1} s → {}",
        people.len(),
        deceased.len(),
        specs.len(),
        n,
        t0.elapsed().as_secs_f64(),
        a.out.display()
    ))
}
