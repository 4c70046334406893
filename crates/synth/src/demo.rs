//! The bundled demo: small synthetic fixtures compiled into the binary, so
//! `lamsach demo` works from a fresh clone (or an installed binary) with no
//! other file. They were made by `lamsach synth` (see fixtures/README.md).

use crate::job::Job;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use std::path::Path;

/// 1-based sheet row of the first data row in generated workbooks:
/// title, subtitle, blank, two header rows, the column-number row.
pub const XLSX_FIRST_DATA_ROW: u64 = 7;

/// Writes a register the way provincial offices export them: a title block,
/// a two-row header with a merged group cell, a row of column numbers.
pub fn write_register_xlsx(path: &Path, title: &str, province: &str, headers: &[String], rows: &[Vec<String>]) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2026, 1, 1)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&fixed).set_author("lamsach synth"));
    let ws = wb.add_worksheet();
    ws.set_name("Danh sach")?;
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin).set_align(FormatAlign::Center).set_text_wrap();
    let last = headers.len() as u16 - 1;
    ws.merge_range(0, 0, 0, last, title, &bold)?;
    ws.merge_range(1, 0, 1, last, &format!("{province} — cập nhật tháng 11/2026"), &Format::new().set_italic().set_align(FormatAlign::Center))?;
    // Group the commune and address columns under "Nơi cư trú"; other headers span both rows.
    let group: Vec<usize> = headers.iter().enumerate().filter(|(_, h)| matches!(h.as_str(), "Xã, phường" | "Địa chỉ")).map(|(i, _)| i).collect();
    for (c, h) in headers.iter().enumerate() {
        let c16 = c as u16;
        if group.contains(&c) {
            ws.write_string_with_format(4, c16, h, &head)?;
        } else {
            ws.merge_range(3, c16, 4, c16, h, &head)?;
        }
    }
    if let (Some(&a), Some(&b)) = (group.first(), group.last()) {
        if a == b {
            ws.write_string_with_format(3, a as u16, "Nơi cư trú", &head)?;
        } else {
            ws.merge_range(3, a as u16, 3, b as u16, "Nơi cư trú", &head)?;
        }
    }
    for c in 0..headers.len() {
        ws.write_string_with_format(5, c as u16, format!("({})", c + 1), &head)?;
    }
    let first = (XLSX_FIRST_DATA_ROW - 1) as u32;
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            // Digits without a leading zero are what Excel stores as numbers.
            if c > 0 && v.len() >= 9 && v.len() <= 15 && !v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit()) {
                ws.write_number(first + r as u32, c as u16, v.parse::<f64>().unwrap_or(0.0))?;
            } else {
                ws.write_string(first + r as u32, c as u16, v)?;
            }
        }
    }
    for (c, w) in [5.0, 24.0, 12.0, 8.0, 16.0, 17.0, 22.0, 34.0, 12.0].iter().enumerate().take(headers.len()) {
        ws.set_column_width(c as u16, *w)?;
    }
    wb.save(path)?;
    Ok(())
}

/// The demo's files, compiled in.
const FILES: &[(&str, &[u8])] = &[
    ("job.toml", include_bytes!("../../../fixtures/demo/job.toml")),
    ("reference.csv", include_bytes!("../../../fixtures/demo/reference.csv")),
    ("lao_dong.csv", include_bytes!("../../../fixtures/demo/lao_dong.csv")),
    ("bhyt.xlsx", include_bytes!("../../../fixtures/demo/bhyt.xlsx")),
    ("dat_dai_tcvn3.csv", include_bytes!("../../../fixtures/demo/dat_dai_tcvn3.csv")),
    ("hoi_vien_vni.csv", include_bytes!("../../../fixtures/demo/hoi_vien_vni.csv")),
    ("giay_bao_tu.parquet", include_bytes!("../../../fixtures/demo/giay_bao_tu.parquet")),
    ("khai_tu_utf16.txt", include_bytes!("../../../fixtures/demo/khai_tu_utf16.txt")),
    ("ket_hon.csv", include_bytes!("../../../fixtures/demo/ket_hon.csv")),
    ("nha_o.parquet", include_bytes!("../../../fixtures/demo/nha_o.parquet")),
    ("khai_sinh.csv", include_bytes!("../../../fixtures/demo/khai_sinh.csv")),
    ("chung_sinh.csv", include_bytes!("../../../fixtures/demo/chung_sinh.csv")),
    ("lao_dong_loi.csv", include_bytes!("../../../fixtures/demo/lao_dong_loi.csv")),
    ("truth.parquet", include_bytes!("../../../fixtures/demo/truth.parquet")),
];

/// Writes the demo fixtures under `out/demo-input` and loads the demo job.
pub fn prepare(out: &Path) -> Result<Job, super::SynthError> {
    let dir = out.join("demo-input");
    std::fs::create_dir_all(&dir).map_err(super::cannot_write(&dir))?;
    for (name, bytes) in FILES {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(super::cannot_write(&path))?;
    }
    Ok(Job::load(&dir.join("job.toml"))?)
}
