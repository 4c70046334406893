//! Excel workbooks (.xlsx, .xls, .xlsb, .ods) through calamine: cells read as
//! text as an officer sees them, with the sheet's real row numbers.

use super::merged::MergedDown;
use super::{IngestError, Item, Row};
use crate::calendar::PartialDate;
use calamine::{Data, Reader, open_workbook_auto};
use std::path::Path;

/// Formats a cell as text: integral numbers without ".0" (IDs keep their
/// digits), dates as dd/mm/yyyy, never a serial number.
pub fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{:.0}", f)
            } else {
                f.to_string()
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            if dt.is_datetime() && serial >= 1.0 {
                // calamine knows the workbook's date system (1900, or 1904 from old Mac Excel).
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                PartialDate::ymd(y as i32, m, d).display_vi()
            } else {
                serial.to_string()
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The workbook's sheet names, in workbook order. An .xlsx is read from its
/// `xl/workbook.xml` alone: opening it through calamine parses every shared string first
/// (19 MB of them in a 125,000-row roster), and most workbooks have one sheet.
pub fn sheet_names(path: &Path) -> Result<Vec<String>, IngestError> {
    if let Some(names) = xlsx_sheet_names(path).filter(|n| !n.is_empty()) {
        return Ok(names);
    }
    let wb = open_workbook_auto(path).map_err(|e| IngestError::Excel { file: path.display().to_string(), message: e.to_string() })?;
    Ok(wb.sheet_names())
}

fn xlsx_sheet_names(path: &Path) -> Option<Vec<String>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(std::fs::File::open(path).ok()?)).ok()?;
    let mut xml = String::new();
    zip.by_name("xl/workbook.xml").ok()?.read_to_string(&mut xml).ok()?;
    Some(sheet_names_in(&xml))
}

/// The `name` of each `<sheet>` element (with or without a namespace prefix), unescaped.
fn sheet_names_in(workbook_xml: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in workbook_xml.match_indices("sheet ") {
        // "<sheet " or "<x:sheet ", not the word inside a value ("Data sheet 1").
        let before = &workbook_xml[..at];
        let prefix = before.rfind('<').map(|lt| &before[lt + 1..]);
        let is_tag = prefix.is_some_and(|p| p.is_empty() || p.strip_suffix(':').is_some_and(|ns| ns.chars().all(|c| c.is_ascii_alphanumeric())));
        if !is_tag {
            continue;
        }
        let tag = &workbook_xml[at..at + workbook_xml[at..].find('>').unwrap_or(0)];
        let Some(i) = tag.find(" name=\"") else { continue };
        let value = &tag[i + 7..];
        if let Some(end) = value.find('"') {
            names.push(unescape_xml(&value[..end]));
        }
    }
    names
}

fn unescape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let Some(end) = rest[i..].find(';') else { break };
        let entity = &rest[i + 1..i + end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16).ok())
                .unwrap_or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => out.push(c),
            None => out.push_str(&rest[i..i + end + 1]),
        }
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    out
}

/// Reads one sheet (the named one or the first) as rows of text cells, with its cells merged
/// over several rows (.xlsx only).
pub(crate) fn rows(path: &Path, sheet: Option<&str>, with_merges: bool) -> Result<(Box<dyn Iterator<Item = Item> + Send>, Vec<MergedDown>), IngestError> {
    let err = |m: String| IngestError::Excel { file: path.display().to_string(), message: m };
    let mut wb = open_workbook_auto(path).map_err(|e| err(e.to_string()))?;
    let names = wb.sheet_names();
    let name = match sheet {
        Some(s) => names.iter().find(|n| n.as_str() == s).cloned().ok_or_else(|| err(format!("no sheet named '{s}'; sheets: {}", names.join(", "))))?,
        None => names.first().cloned().ok_or_else(|| err("the workbook has no sheets".into()))?,
    };
    let range = wb.worksheet_range(&name).map_err(|e| err(e.to_string()))?;
    // A formula whose result was never saved (a workbook written by a tool that does not
    // compute) reads as empty: the formulas say which empty cells those are.
    let formulas = wb.worksheet_formula(&name).ok();
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let rows: Vec<Item> = range
        .rows()
        .enumerate()
        .map(|(i, r)| {
            let mut cells: Vec<String> = vec![String::new(); col0 as usize];
            cells.extend(r.iter().map(cell_text));
            let abs_row = row0 + i as u32;
            let unsaved_formulas = match &formulas {
                Some(f) => (0..cells.len())
                    .filter(|&c| cells[c].is_empty() && f.get_value((abs_row, c as u32)).is_some_and(|x| !x.is_empty()))
                    .map(|c| c as u16)
                    .collect(),
                None => Vec::new(),
            };
            Item::Row(Row { line: abs_row as u64 + 1, cells: ::csv::StringRecord::from(cells), multiline: false, unsaved_formulas })
        })
        .collect();
    let merged = match &mut wb {
        // The merges follow the cells in the sheet's XML: read again, but not parsed as cells.
        calamine::Sheets::Xlsx(x) if with_merges => x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        _ => Vec::new(),
    };
    let merged = merged
        .iter()
        .filter(|d| d.end.0 > d.start.0)
        .map(|d| MergedDown { first_line: d.start.0 as u64 + 1, last_line: d.end.0 as u64 + 1, col: d.start.1 as usize })
        .collect();
    Ok((Box::new(rows.into_iter()), merged))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn sheet_names_come_from_the_workbook_part_in_order() {
        let xml = r#"<workbook><sheets><sheet name="Hướng dẫn" sheetId="1" r:id="rId1"/><sheet name="Xã A &amp; B" sheetId="2" state="hidden" r:id="rId2"/><sheet name="Data sheet 3" sheetId="3"/></sheets></workbook>"#;
        assert_eq!(sheet_names_in(xml), ["Hướng dẫn", "Xã A & B", "Data sheet 3"]);
        let prefixed = r#"<x:workbook><x:sheets><x:sheet name="Trang &#273;&#x1EA7;u" sheetId="1"/></x:sheets></x:workbook>"#;
        assert_eq!(sheet_names_in(prefixed), ["Trang đầu"]);
    }

    #[test]
    fn dates_follow_the_workbooks_date_system() {
        // 5 March 1990 is serial 32937 in the 1900 system and 31475 in the 1904 one.
        let in_1900 = Data::DateTime(ExcelDateTime::new(32937.0, ExcelDateTimeType::DateTime, false));
        let in_1904 = Data::DateTime(ExcelDateTime::new(31475.0, ExcelDateTimeType::DateTime, true));
        assert_eq!(cell_text(&in_1900), "05/03/1990");
        assert_eq!(cell_text(&in_1904), "05/03/1990");
    }
}
