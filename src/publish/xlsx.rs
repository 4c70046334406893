//! worklist.xlsx: for commune police, one sheet per commune (or per source),
//! the records needing action, the finding in plain words and the suggested value.

use super::RunData;
use crate::Lang;
use crate::finding::Severity;
use crate::normalize::admin::{AdminRegistry, Era};
use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};
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

/// Returns the number of worklist rows written.
pub(super) fn write(d: &RunData, path: &Path) -> Result<u64, XlsxError> {
    let lang = d.lang;
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    // Group the actionable findings.
    let mut groups: BTreeMap<String, Vec<(usize, usize, usize)>> = BTreeMap::new();
    for (s, recs) in d.assessed.records.iter().enumerate() {
        for (i, a) in recs.iter().enumerate() {
            for (k, f) in a.findings.iter().enumerate() {
                if f.code.severity() == Severity::Info {
                    continue;
                }
                let key = if d.job.worklist_by_source { d.sources[s].name.clone() } else { super::summary::commune_of(d, s, i).unwrap_or_default() };
                groups.entry(key).or_default().push((s, i, k));
            }
        }
    }
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
        let title = if d.job.worklist_by_source {
            key.clone()
        } else if key.is_empty() {
            t("Không rõ xã", "Unknown commune").to_string()
        } else {
            reg.unit(key, Era::Y2025).map(|u| u.name.clone()).unwrap_or_else(|| key.clone())
        };
        // Rows go to a temporary file as they are written: a province's worklist can pass a million rows.
        let ws = wb.add_worksheet_with_low_memory()?;
        ws.set_name(sheet_name(&title, &mut used))?;
        let heads = [
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
        ];
        for (c, h) in heads.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &header)?;
        }
        let widths = [6.0, 16.0, 7.0, 26.0, 12.0, 15.0, 16.0, 48.0, 24.0, 22.0, 22.0, 12.0, 9.0, 22.0];
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(c as u16, *w)?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (n, &(s, i, k)) in items.iter().take(MAX_ROWS).enumerate() {
            let src = &d.sources[s];
            let raw = &src.records[i];
            let f = &d.assessed.records[s][i].findings[k];
            let row = n as u32 + 1;
            let v = |field: crate::Field| raw.values.get(field).unwrap_or_default().to_string();
            // Every cell is written as a string: text beginning with = + - @ is never a formula.
            let cells: [String; 13] = [
                (n + 1).to_string(),
                src.name.clone(),
                raw.source_row.to_string(),
                v(crate::Field::FullName),
                v(crate::Field::Dob),
                v(crate::Field::PersonId),
                f.field.map(|x| x.label(lang).to_string()).unwrap_or_default(),
                f.code.message(lang).to_string(),
                f.code.as_str().to_string(),
                f.field.and_then(|x| raw.values.get(x)).unwrap_or_default().to_string(),
                f.suggested.clone().unwrap_or_default(),
                f.suggested_from
                    .map(|x| {
                        match (x, lang) {
                            (crate::finding::SuggestedFrom::Reference, Lang::Vi) => "CSDL dân cư",
                            (crate::finding::SuggestedFrom::Normalizer, Lang::Vi) => "chuẩn hóa",
                            (x, _) => x.as_str(),
                        }
                        .to_string()
                    })
                    .unwrap_or_default(),
                match (f.code.severity(), lang) {
                    (Severity::Error, Lang::Vi) => "lỗi".to_string(),
                    (Severity::Warning, Lang::Vi) => "cảnh báo".to_string(),
                    (s, _) => s.as_str().to_string(),
                },
            ];
            for (c, val) in cells.iter().enumerate() {
                let val = fit_cell(val, lang);
                let val: &str = &val;
                if c == 7 && f.code.severity() == Severity::Error {
                    ws.write_string_with_format(row, c as u16, val, &error)?;
                } else {
                    ws.write_string(row, c as u16, val)?;
                }
            }
            total += 1;
        }
        ws.autofilter(0, 0, items.len().min(MAX_ROWS) as u32, heads.len() as u16 - 1)?;
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
