//! The reference extract: one row per person, the people removed from it left out. As
//! Parquet it is written a part at a time, so that a 10M-person province never holds its
//! whole extract as rows or columns beside the people it is drawn from.

use super::{Result, SynthArgs, cannot_write, defects, population};
use crate::calendar::{PartialDate, days_in_month};
use crate::publish::parquet::write_batches;
use crate::rng::Rng;
use crate::text::legacy::Encoding;
use polars::prelude::{Column, DataFrame, NamedFrom, PolarsResult, Series};
use population::Person;
use std::collections::{HashMap, HashSet};

/// The parents the reference holds, by child (index into the people): mother's and father's IDs.
pub type Parents = HashMap<usize, (String, Option<String>)>;

/// People drawn into one Parquet part (the writer's row groups are of this size too).
const PART_PEOPLE: usize = 1 << 18;

/// Writes the reference extract; returns its file name.
pub fn write(a: &SynthArgs, people: &[Person], parents: &Parents, removed: &HashSet<usize>) -> Result<&'static str> {
    let mut r = Rng::fork(a.seed, 2);
    let headers = headers(!parents.is_empty());
    // Every person's random draws are taken, removed or not, so that everyone else's row is
    // the same whoever is removed.
    let mut rows =
        people.iter().enumerate().map(move |(i, p)| row(i, p, parents, &mut r)).enumerate().filter(|(i, _)| !removed.contains(i)).map(|(_, row)| row);
    if a.reference_format == "csv" {
        let path = a.out.join("reference.csv");
        let rows: Vec<Vec<String>> = rows.collect();
        std::fs::write(&path, super::registers::csv_bytes(&headers, &rows, b',', Encoding::Utf8, false, None, None)).map_err(cannot_write(&path))?;
        return Ok("reference.csv");
    }
    let path = a.out.join("reference.parquet");
    let parts = std::iter::from_fn(|| {
        let part: Vec<Vec<String>> = rows.by_ref().take(PART_PEOPLE).collect();
        (!part.is_empty()).then(|| frame(&headers, part))
    });
    write_batches(&path, parts).map_err(cannot_write(&path))?;
    Ok("reference.parquet")
}

/// The extract's column names; the parents' IDs when the extract carries them (children
/// registered at birth).
fn headers(with_parents: bool) -> Vec<String> {
    let mut headers: Vec<String> =
        ["SO_DINH_DANH", "SO_CMND", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_XA", "DIA_CHI", "TRANG_THAI", "NGAY_MAT", "NGAY_CAP_NHAT"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    if with_parents {
        headers.extend(["SO_DINH_DANH_ME".to_string(), "SO_DINH_DANH_CHA".to_string()]);
    }
    headers
}

/// Person `i`'s row, with the reference's own errors: a misspelt given name, a wrong day, a
/// year-only date of birth for some born before 1960.
fn row(i: usize, p: &Person, parents: &Parents, r: &mut Rng) -> Vec<String> {
    let mut dob = if p.dob.year < 1960 && r.chance(0.03) { p.dob.year.to_string() } else { p.dob.display_vi() };
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
    let mut row = vec![
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
    ];
    if !parents.is_empty() {
        let (m, f) = parents.get(&i).cloned().unwrap_or_default();
        row.extend([m, f.unwrap_or_default()]);
    }
    row
}

/// One part's rows as a frame of text columns (each row's cells moved, not copied).
fn frame(headers: &[String], rows: Vec<Vec<String>>) -> PolarsResult<DataFrame> {
    let height = rows.len();
    let mut columns: Vec<Vec<String>> = headers.iter().map(|_| Vec::with_capacity(height)).collect();
    for row in rows {
        for (column, cell) in columns.iter_mut().zip(row) {
            column.push(cell);
        }
    }
    let columns: Vec<Column> = headers.iter().zip(columns).map(|(h, v)| Series::new(h.as_str().into(), v).into()).collect();
    DataFrame::new(height, columns)
}
