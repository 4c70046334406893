//! worklist.xlsx: for commune police, one sheet per commune (or per source),
//! the records needing action, the finding in plain words and the suggested value.

use super::RunData;
use crate::Lang;
use crate::field::Field;
use crate::finding::{Finding, Severity, SuggestedFrom};
use crate::ingest::RawRecord;
use crate::normalize::admin::{AdminRegistry, Era};
use crate::table::SourceRun;
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet, XlsxError};
use std::collections::BTreeMap;
use std::path::Path;

/// Excel's row limit, less the header.
const MAX_ROWS: usize = 1_048_000;

fn sheet_name(raw: &str, used: &mut Vec<String>) -> String {
    let mut s: String = raw.chars().map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c }).collect();
    s = s.trim().trim_matches('\'').to_string();
    if s.is_empty() {
        s = "Sheet".into();
    }
    let base: String = s.chars().take(28).collect();
    let mut name = base.clone();
    let mut k = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        name = format!("{base}~{k}");
        k += 1;
    }
    used.push(name.clone());
    name
}

/// A finding to list: source, record and finding index.
type Item = (usize, usize, usize);

/// The findings that need action (not `info`), by worksheet: commune code or source name.
fn group_items(d: &RunData) -> BTreeMap<String, Vec<Item>> {
    let mut groups: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    for (s, src) in d.sources.iter().enumerate() {
        for r in src.records() {
            for (k, f) in r.assessed.findings.iter().enumerate() {
                if f.code.severity() == Severity::Info {
                    continue;
                }
                let key = if d.settings.worklist_by_source { src.source.name.clone() } else { super::summary::commune_of(d.reference, &r).unwrap_or_default() };
                groups.entry(key).or_default().push((s, r.index, k));
            }
        }
    }
    groups
}

fn headings(lang: Lang) -> [&'static str; 14] {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    [
        t("STT", "No."),
        t("Nguồn", "Source"),
        t("Dòng", "Row"),
        t("Họ tên (trong nguồn)", "Name (in source)"),
        t("Ngày sinh", "Date of birth"),
        t("Số định danh", "Personal ID"),
        t("Trường", "Field"),
        t("Vấn đề", "Finding"),
        t("Mã", "Code"),
        t("Giá trị hiện tại", "Current value"),
        t("Đề xuất", "Suggested value"),
        t("Nguồn đề xuất", "Suggested from"),
        t("Mức độ", "Severity"),
        t("Kết quả xác minh", "Verification result"),
    ]
}
const WIDTHS: [f64; 14] = [6.0, 16.0, 7.0, 26.0, 12.0, 15.0, 16.0, 48.0, 24.0, 22.0, 22.0, 12.0, 9.0, 22.0];
/// The column of the finding's message (red for errors).
const MESSAGE_COLUMN: usize = 7;

/// The cells of one worklist row (the last column is left for the officer).
fn row_cells(n: usize, src: &SourceRun, raw: &RawRecord, f: &Finding, lang: Lang) -> [String; 13] {
    let v = |field: Field| raw.values.get(field).unwrap_or_default().to_string();
    let suggested_from = f.suggested_from.map(|x| match (x, lang) {
        (SuggestedFrom::Reference, Lang::Vi) => "CSDL dân cư",
        (SuggestedFrom::Normalizer, Lang::Vi) => "chuẩn hóa",
        (x, _) => x.as_str(),
    });
    let severity = match (f.code.severity(), lang) {
        (Severity::Error, Lang::Vi) => "lỗi",
        (Severity::Warning, Lang::Vi) => "cảnh báo",
        (s, _) => s.as_str(),
    };
    [
        (n + 1).to_string(),
        src.source.name.clone(),
        raw.source_row.to_string(),
        v(Field::FullName),
        v(Field::Dob),
        v(Field::PersonId),
        f.field.map(|x| x.label(lang).to_string()).unwrap_or_default(),
        f.code.message(lang).to_string(),
        f.code.as_str().to_string(),
        f.field.and_then(|x| raw.values.get(x)).unwrap_or_default().to_string(),
        f.suggested.clone().unwrap_or_default(),
        suggested_from.unwrap_or_default().to_string(),
        severity.to_string(),
    ]
}

/// Writes one worksheet's rows; returns how many.
fn write_sheet(ws: &mut Worksheet, d: &RunData, items: &[Item], header: &Format, error: &Format) -> Result<u64, XlsxError> {
    let lang = d.settings.lang;
    let heads = headings(lang);
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, header)?;
    }
    for (c, w) in WIDTHS.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let mut written = 0;
    for (n, &(s, i, k)) in items.iter().take(MAX_ROWS).enumerate() {
        let src = &d.sources[s];
        let r = src.record(i);
        let f = &r.assessed.findings[k];
        let row = n as u32 + 1;
        // Every cell is written as a string: text beginning with = + - @ is never a formula.
        for (c, val) in row_cells(n, src, r.raw, f, lang).iter().enumerate() {
            let val = fit_cell(val, lang);
            if c == MESSAGE_COLUMN && f.code.severity() == Severity::Error {
                ws.write_string_with_format(row, c as u16, val.as_ref(), error)?;
            } else {
                ws.write_string(row, c as u16, val.as_ref())?;
            }
        }
        written += 1;
    }
    ws.autofilter(0, 0, items.len().min(MAX_ROWS) as u32, heads.len() as u16 - 1)?;
    Ok(written)
}

/// Returns the number of worklist rows written.
pub(super) fn write(d: &RunData, path: &Path) -> Result<u64, XlsxError> {
    let lang = d.settings.lang;
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let groups = group_items(d);
    let mut wb = Workbook::new();
    let header = Format::new().set_bold().set_background_color("#DDEBF7").set_border(FormatBorder::Thin).set_text_wrap();
    let error = Format::new().set_font_color("#9C0006");
    let reg = AdminRegistry::get();
    let mut used = Vec::new();
    let mut total = 0u64;
    if groups.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(t("Không có việc", "Nothing to do"))?;
        ws.write_string(0, 0, t("Không có bản ghi nào cần xử lý.", "No record needs action."))?;
    }
    for (key, items) in &groups {
        let title = if d.settings.worklist_by_source {
            key.clone()
        } else if key.is_empty() {
            t("Không rõ xã", "Unknown commune").to_string()
        } else {
            reg.unit(key, Era::Y2025).map(|u| u.name.clone()).unwrap_or_else(|| key.clone())
        };
        // Rows go to a temporary file as they are written: a province's worklist can pass a million rows.
        let ws = wb.add_worksheet_with_low_memory()?;
        ws.set_name(sheet_name(&title, &mut used))?;
        total += write_sheet(ws, d, items, &header, &error)?;
    }
    wb.save(path)?;
    Ok(total)
}

/// Excel holds at most 32,767 characters in a cell: a longer value (a pasted note, a broken
/// export) is shortened with a visible marker, never a reason to fail the run. The Parquet
/// outputs keep it whole.
fn fit_cell(val: &str, lang: Lang) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 32_767;
    if val.chars().count() <= MAX {
        return val.into();
    }
    let marker = match lang {
        Lang::Vi => " … [đã cắt bớt; xem đủ trong records.parquet]",
        Lang::En => " … [shortened; see records.parquet for all of it]",
    };
    let keep = MAX - marker.chars().count();
    let mut out: String = val.chars().take(keep).collect();
    out.push_str(marker);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_longer_than_excel_holds_is_shortened_with_a_marker() {
        let long = "x".repeat(40_000);
        let fitted = fit_cell(&long, Lang::Vi);
        assert_eq!(fitted.chars().count(), 32_767);
        assert!(fitted.ends_with("records.parquet]"));
        assert_eq!(fit_cell("ngắn", Lang::Vi), "ngắn");
    }
}
