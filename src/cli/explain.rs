//! `lamsach explain`: why a record got its class, read back from a run's
//! matches.parquet — every comparison's level and weight, never recomputed.

use anyhow::{Context, Result, bail};
use lamsach::Lang;
use polars::prelude::{DataFrame, ParquetReader, SerReader};
use std::fmt::Write;
use std::path::Path;

fn read(path: &Path) -> Result<DataFrame> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(f).finish().with_context(|| format!("cannot read {}", path.display()))
}

fn str_at(df: &DataFrame, col: &str, i: usize) -> Option<String> {
    df.column(col).ok()?.str().ok()?.get(i).map(|s| s.to_string())
}
fn f64_at(df: &DataFrame, col: &str, i: usize) -> Option<f64> {
    df.column(col).ok()?.f64().ok()?.get(i)
}
fn u64_at(df: &DataFrame, col: &str, i: usize) -> Option<u64> {
    df.column(col).ok()?.u64().ok()?.get(i)
}

/// Renders the explanation of `SOURCE:ROW` in a run folder.
pub fn explain(run: &Path, record: &str, lang: Lang) -> Result<String> {
    let vi = lang == Lang::Vi;
    let Some((source, row)) = record.rsplit_once(':') else { bail!("give the record as SOURCE:ROW, e.g. lao_dong:17") };
    let row: u64 = row.parse().with_context(|| format!("row '{row}' is not a number"))?;
    let records = read(&run.join("records.parquet"))?;
    let matches = read(&run.join("matches.parquet"))?;
    let hits: Vec<usize> =
        (0..records.height()).filter(|&i| str_at(&records, "source", i).as_deref() == Some(source) && u64_at(&records, "source_row", i) == Some(row)).collect();
    if hits.is_empty() {
        bail!("no record {source}:{row} in {}; sources and rows are those of records.parquet", run.display());
    }
    let comps: Vec<String> = matches.get_column_names().iter().filter_map(|c| c.strip_suffix("_level").map(str::to_string)).collect();
    let mut out = String::new();
    for i in hits {
        let role = str_at(&records, "role", i).unwrap_or_default();
        let class = str_at(&records, "match_class", i).unwrap_or_default();
        let _ = writeln!(out, "{} {source}:{row} ({role}): {} {class}", if vi { "Bản ghi" } else { "Record" }, if vi { "kết quả" } else { "class" });
        let cands: Vec<usize> = (0..matches.height())
            .filter(|&j| {
                str_at(&matches, "source", j).as_deref() == Some(source)
                    && u64_at(&matches, "source_row", j) == Some(row)
                    && str_at(&matches, "role", j).as_deref() == Some(role.as_str())
            })
            .collect();
        if cands.is_empty() {
            let _ = writeln!(
                out,
                "  {}",
                if vi {
                    "Không có ứng viên nào trong CSDL dân cư (không khối nào chứa bản ghi này)."
                } else {
                    "No reference candidate (no blocking rule found one)."
                }
            );
            continue;
        }
        for j in cands {
            let rank = matches.column("rank").ok().and_then(|c| c.u32().ok()?.get(j)).unwrap_or(0);
            let _ = writeln!(
                out,
                "  {} {rank}: {} {} ({} {})",
                if vi { "Ứng viên" } else { "Candidate" },
                if vi { "dòng tham chiếu" } else { "reference row" },
                u64_at(&matches, "ref_row", j).unwrap_or(0),
                if vi { "số định danh" } else { "ID" },
                if str_at(&matches, "ref_person_id", j).is_some() { "có" } else { "—" }
            );
            let _ = writeln!(
                out,
                "    {:<12} {:<22} {:>9} {:>9}",
                if vi { "so sánh" } else { "comparison" },
                if vi { "mức" } else { "level" },
                if vi { "trọng số" } else { "weight" },
                "tf"
            );
            let _ =
                writeln!(out, "    {:<12} {:<22} {:>9.2}", if vi { "tiên nghiệm" } else { "prior" }, "", f64_at(&matches, "prior_weight", j).unwrap_or(0.0));
            for c in &comps {
                let _ = writeln!(
                    out,
                    "    {:<12} {:<22} {:>9.2} {:>9.2}",
                    c,
                    str_at(&matches, &format!("{c}_level"), j).unwrap_or_default(),
                    f64_at(&matches, &format!("{c}_weight"), j).unwrap_or(0.0),
                    f64_at(&matches, &format!("{c}_tf_weight"), j).unwrap_or(0.0)
                );
            }
            let _ = writeln!(
                out,
                "    {:<35} {:>9.2}  → {} {:.6}",
                if vi { "tổng trọng số" } else { "total weight" },
                f64_at(&matches, "match_weight", j).unwrap_or(0.0),
                if vi { "xác suất" } else { "probability" },
                f64_at(&matches, "match_probability", j).unwrap_or(0.0)
            );
        }
    }
    Ok(out)
}
