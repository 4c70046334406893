//! The officers' workbooks. worklist.xlsx, for commune police: one sheet per commune (or
//! per source), one row per record that needs a person's judgement or a visit, most urgent
//! first, with all its findings in plain words. corrections.xlsx, for the sector's IT staff:
//! one row per value a machine can correct (old value, new value, where it comes from).

use super::RunData;
use super::work::CommuneProgress;
use super::work::{corrections, decision_of, officer_findings, provenance, worklist_priority};
use crate::Lang;
use crate::decisions::Decision;
use crate::decisions::Status;
use crate::decisions::inbox::Column;
use crate::field::Field;
use crate::finding::{Code, Finding, Priority, Severity, SuggestedFrom};
use crate::normalize::admin::{AdminRegistry, Era};
use crate::reference::person_key;
use crate::table::{RecordView, SourceRun};
use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Workbook, Worksheet, XlsxError};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
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

/// A worklist row: a record an officer must look at, or the records of one duplicate group
/// whose most urgent reason is being listed twice (one question, one row), and why.
struct Case {
    source: usize,
    /// The record, then the rest of its duplicate group.
    records: Vec<usize>,
    priority: Priority,
}

/// The rows that need an officer, by worksheet (commune code or source name), each sheet
/// most urgent first, then in source order. A duplicate group's row is on its first
/// record's sheet.
fn cases(d: &RunData) -> BTreeMap<String, Vec<Case>> {
    let mut groups: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    // Each duplicate group's row so far: (source, group) → (sheet, position).
    let mut group_rows: HashMap<(usize, u32), (String, usize)> = HashMap::new();
    for (s, src) in d.sources.iter().enumerate() {
        for r in src.records() {
            let Some(priority) = worklist_priority(d, src, &r) else { continue };
            let group = r.assessed.duplicate_of.filter(|_| priority == Priority::Duplicate);
            if let Some((sheet, at)) = group.and_then(|g| group_rows.get(&(s, g)))
                && let Some(case) = groups.get_mut(sheet).and_then(|c| c.get_mut(*at))
            {
                case.records.push(r.index);
                continue;
            }
            let key = if d.settings.worklist_by_source { src.source.name.clone() } else { super::work::commune_of(d.reference, &r).unwrap_or_default() };
            let sheet = groups.entry(key.clone()).or_default();
            if let Some(g) = group {
                group_rows.insert((s, g), (key, sheet.len()));
            }
            sheet.push(Case { source: s, records: vec![r.index], priority });
        }
    }
    for cases in groups.values_mut() {
        cases.sort_by_key(|c| (c.priority, c.source, c.records[0]));
    }
    groups
}

fn worklist_headings(lang: Lang) -> [&'static str; WORKLIST_COLUMNS] {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    [
        t("STT", "No."),
        t("Ưu tiên", "Priority"),
        Column::Source.heading(lang),
        t("Dòng", "Row"),
        t("Họ tên (trong nguồn)", "Name (in source)"),
        t("Ngày sinh", "Date of birth"),
        t("Số định danh", "Personal ID"),
        t("Cần xác minh", "To verify"),
        t("Theo CSDL dân cư", "By the reference"),
        Column::Codes.heading(lang),
        Column::Decision.heading(lang),
        Column::PersonId.heading(lang),
        Column::Note.heading(lang),
        Column::Officer.heading(lang),
        Column::RecordKey.heading(lang),
        Column::RecordDigest.heading(lang),
        Column::Candidate.heading(lang),
        Column::KeepRow.heading(lang),
    ]
}
const WORKLIST_COLUMNS: usize = 18;
const WORKLIST_WIDTHS: [f64; WORKLIST_COLUMNS] = [6.0, 30.0, 14.0, 7.0, 26.0, 12.0, 15.0, 60.0, 30.0, 24.0, 22.0, 18.0, 22.0, 18.0, 20.0, 20.0, 16.0, 18.0];
/// The register row(s) the worklist row shows.
const ROW_COLUMN: usize = 3;
/// The name, date of birth and personal ID as the register writes them.
const VALUE_COLUMNS: [(usize, Field); 3] = [(4, Field::FullName), (5, Field::Dob), (6, Field::PersonId)];
/// The column that says what to verify (red when it holds an error).
const TO_VERIFY_COLUMN: usize = 7;
/// What the reference says.
const BY_REFERENCE_COLUMN: usize = 8;
/// The finding codes.
const CODES_COLUMN: usize = 9;
/// The hidden record key, digest and proposed person, one by one.
const KEY_COLUMN: usize = 14;
const DIGEST_COLUMN: usize = 15;
const CANDIDATE_COLUMN: usize = 16;
/// The officer's columns: the decision (a drop-down), the correct ID, a note, who verified.
const DECISION_COLUMN: u16 = 10;
/// Hidden: the record's key, its digest and the proposed person tie a returned row to its
/// record whatever the row order, and tell whether the record changed since. A duplicate
/// group's row holds its records' keys one a line and their digests.
const HIDDEN_COLUMNS: std::ops::RangeInclusive<u16> = KEY_COLUMN as u16..=CANDIDATE_COLUMN as u16;
/// Of a duplicate group's row, the row to keep if the records are one person (after the
/// hidden columns, so that it stands next to the officer's other columns on screen).
const KEEP_ROW_COLUMN: usize = 17;

fn field_label(f: &Finding, lang: Lang) -> &'static str {
    f.field.map_or(if lang == Lang::Vi { "Bản ghi" } else { "Record" }, |x| x.label(lang))
}

/// The cells of one worklist row (the officer's columns stay empty; the hidden ones last),
/// and whether one of its reasons is an error (the "to verify" cell is then red).
fn case_cells(n: usize, d: &RunData, src: &SourceRun, r: &RecordView) -> ([String; WORKLIST_COLUMNS], bool) {
    let lang = d.settings.lang;
    let v = |field: Field| r.raw.values.get(field).unwrap_or_default().to_string();
    let found = officer_findings(r);
    let mut to_verify: Vec<String> = found.iter().map(|(_, f)| format!("{}: {}", field_label(f, lang), f.code.message(lang))).collect();
    if let Some(rd) = decision_of(d, src, r.index).filter(|x| x.status == Status::Reopened) {
        let reopened = match lang {
            Lang::Vi => format!("Mở lại quyết định ngày {} ({}): bản ghi đã thay đổi", rd.decided_at, rd.decision.label(lang)),
            Lang::En => format!("Decision of {} reopened ({}): the record changed", rd.decided_at, rd.decision.label(lang)),
        };
        to_verify.insert(0, reopened);
    }
    let by_reference: Vec<String> = found
        .iter()
        .filter(|(_, f)| f.suggested_from == Some(SuggestedFrom::Reference))
        .filter_map(|(_, f)| Some(format!("{}: {}", field_label(f, lang), f.suggested.as_deref()?)))
        .collect();
    let mut codes: Vec<&str> = found.iter().map(|(_, f)| f.code.as_str()).collect();
    codes.dedup();
    let error = found.iter().any(|(_, f)| f.code.severity() == Severity::Error);
    let candidate = r.link.best.as_ref().map(|b| person_key(&d.reference.features[b.ref_idx as usize])).unwrap_or_default();
    let cells = [
        (n + 1).to_string(),
        found[0].0.label(lang).to_string(),
        src.source.name.clone(),
        r.raw.source_row.to_string(),
        v(Field::FullName),
        v(Field::Dob),
        v(Field::PersonId),
        to_verify.join("; "),
        by_reference.join("; "),
        codes.join(" "),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        r.key.to_string(),
        src.digest(r.index),
        candidate,
        String::new(),
    ];
    (cells, error)
}

/// The cells of a duplicate group's row: its records' rows, the values that differ, which
/// record the reference supports (proposed as the row to keep), every record's other reasons.
fn group_cells(n: usize, d: &RunData, src: &SourceRun, members: &[RecordView]) -> ([String; WORKLIST_COLUMNS], bool) {
    let lang = d.settings.lang;
    let rows: Vec<String> = members.iter().map(|r| r.raw.source_row.to_string()).collect();
    let each: Vec<([String; WORKLIST_COLUMNS], bool)> = members.iter().enumerate().map(|(k, r)| case_cells(n + k, d, src, r)).collect();
    let mut cells = each[0].0.clone();
    let values = |field: Field| -> Vec<&str> {
        let mut v: Vec<&str> = members.iter().map(|r| r.raw.values.get(field).unwrap_or_default()).collect();
        v.dedup();
        v
    };
    for (column, field) in VALUE_COLUMNS {
        cells[column] = values(field).join(" / ");
    }
    let differ: Vec<&str> = Field::ALL.iter().filter(|f| values(**f).len() > 1).map(|f| f.label(lang)).collect();
    // The record the reference supports: linked, with the fewest values that disagree with it.
    let disagreements = |r: &RecordView| r.assessed.findings.iter().filter(|f| f.suggested_from == Some(SuggestedFrom::Reference)).count();
    let supported = members.iter().enumerate().filter(|(_, r)| r.link.best.is_some()).min_by_key(|(_, r)| disagreements(r)).map(|(k, _)| k);
    let row_list = rows.join(", ");
    let mut to_verify = vec![match (lang, differ.is_empty()) {
        (Lang::Vi, true) => format!("Dòng {row_list}: cùng một người? (giống nhau ở mọi trường)"),
        (Lang::Vi, false) => format!("Dòng {row_list}: cùng một người? Khác nhau ở: {}", differ.join(", ")),
        (Lang::En, true) => format!("Rows {row_list}: the same person? (alike in every field)"),
        (Lang::En, false) => format!("Rows {row_list}: the same person? They differ in: {}", differ.join(", ")),
    }];
    let duplicate = Code::DuplicateInSource.message(lang);
    for (k, r) in members.iter().enumerate() {
        let others: Vec<String> = officer_findings(r)
            .iter()
            .filter(|(_, f)| f.code != Code::DuplicateInSource)
            .map(|(_, f)| format!("{}: {}", field_label(f, lang), f.code.message(lang)))
            .collect();
        if !others.is_empty() {
            to_verify.push(format!("{} {}: {}", if lang == Lang::Vi { "Dòng" } else { "Row" }, rows[k], others.join("; ")));
        }
    }
    cells[TO_VERIFY_COLUMN] = format!("{duplicate}. {}", to_verify.join("; "));
    cells[ROW_COLUMN] = row_list;
    cells[BY_REFERENCE_COLUMN] = supported
        .map(|k| match lang {
            Lang::Vi => format!("Dòng {} khớp CSDL dân cư nhất", rows[k]),
            Lang::En => format!("Row {} agrees best with the reference", rows[k]),
        })
        .unwrap_or_default();
    let mut codes: Vec<&str> = each.iter().flat_map(|(c, _)| c[CODES_COLUMN].split_whitespace()).collect();
    codes.sort_unstable();
    codes.dedup();
    cells[CODES_COLUMN] = codes.join(" ");
    // The members' own keys, digests: one a line, and space-separated.
    let joined = |column: usize, sep: &str| each.iter().map(|(c, _)| c[column].as_str()).collect::<Vec<_>>().join(sep);
    cells[KEY_COLUMN] = joined(KEY_COLUMN, "\n");
    cells[DIGEST_COLUMN] = joined(DIGEST_COLUMN, " ");
    cells[CANDIDATE_COLUMN] = each[supported.unwrap_or(0)].0[CANDIDATE_COLUMN].clone();
    cells[KEEP_ROW_COLUMN] = rows[supported.unwrap_or(0)].clone();
    (cells, each.iter().any(|(_, e)| *e))
}

/// A sheet's first line: this week's work on it — the records by priority and, for a
/// commune's sheet of a job that keeps decisions, new since the last run, decided, closed
/// and the oldest open item's day.
fn sheet_summary(cases: &[Case], progress: Option<&CommuneProgress>, lang: Lang) -> String {
    let mut by_priority: BTreeMap<Priority, usize> = BTreeMap::new();
    for c in cases {
        *by_priority.entry(c.priority).or_default() += c.records.len();
    }
    let records: usize = by_priority.values().sum();
    let ranks: Vec<String> = by_priority.iter().map(|(p, n)| format!("{}: {n}", p.rank())).collect();
    let mut line = match lang {
        Lang::Vi => format!("Việc tuần này: {records} bản ghi cần xác minh, {} dòng (theo ưu tiên {})", cases.len(), ranks.join(" · ")),
        Lang::En => format!("This week: {records} records to verify, {} rows (by priority {})", cases.len(), ranks.join(" · ")),
    };
    if let Some(p) = progress {
        let decided: u64 = p.decided.values().sum();
        let _ = match lang {
            Lang::Vi => {
                write!(line, " · {} mới từ lần trước · {decided} đã quyết định · {} đã xong từ lần trước", p.new_since_last_run, p.closed_since_last_run)
            }
            Lang::En => {
                write!(line, " · {} new since the last run · {decided} decided · {} closed since the last run", p.new_since_last_run, p.closed_since_last_run)
            }
        };
        if let Some(since) = &p.oldest_open_since {
            let _ = write!(line, " · {} {since}", if lang == Lang::Vi { "việc mở lâu nhất từ" } else { "oldest open since" });
        }
    }
    line
}

/// A worklist row's cells.
fn row_cells(n: usize, d: &RunData, c: &Case) -> ([String; WORKLIST_COLUMNS], bool) {
    let src = &d.sources[c.source];
    match c.records.as_slice() {
        [one] => case_cells(n, d, src, &src.record(*one)),
        members => group_cells(n, d, src, &members.iter().map(|&i| src.record(i)).collect::<Vec<_>>()),
    }
}

/// The decision drop-down on the result column of the `rows` rows under the heading on
/// `heading_row`, and the hidden key column.
fn officer_columns(ws: &mut Worksheet, heading_row: u32, rows: u32, lang: Lang) -> Result<(), XlsxError> {
    for c in HIDDEN_COLUMNS {
        ws.set_column_hidden(c)?;
    }
    if rows == 0 {
        return Ok(());
    }
    let labels: Vec<&str> = Decision::ALL.iter().map(|d| d.label(lang)).collect();
    let (title, message) = match lang {
        Lang::Vi => ("Kết quả xác minh", "Chọn một kết quả trong danh sách"),
        Lang::En => ("Verification result", "Choose one result from the list"),
    };
    let dv = DataValidation::new().allow_list_strings(&labels)?.set_input_title(title)?.set_input_message(message)?;
    ws.add_data_validation(heading_row + 1, DECISION_COLUMN, heading_row + rows, DECISION_COLUMN, &dv)?;
    Ok(())
}

/// A sheet's table: its headings and column widths, the row its heading stands on (rows
/// above it hold the sheet's summary), and the column shown red when a row holds an error.
struct Layout<'a> {
    heads: &'a [&'a str],
    widths: &'a [f64],
    heading_row: u32,
    highlight: usize,
}

/// Writes a header row, column widths, a frozen header and the rows; returns how many.
fn write_rows<const N: usize>(
    ws: &mut Worksheet,
    layout: &Layout,
    rows: impl Iterator<Item = ([String; N], bool)>,
    formats: &Formats,
    lang: Lang,
) -> Result<u64, XlsxError> {
    let top = layout.heading_row;
    for (c, h) in layout.heads.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, *h, &formats.header)?;
    }
    for (c, w) in layout.widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(top + 1, 0)?;
    let mut written = 0u64;
    for (n, (cells, error)) in rows.take(MAX_ROWS).enumerate() {
        let row = top + n as u32 + 1;
        // Every cell is written as a string: text beginning with = + - @ is never a formula.
        for (c, val) in cells.iter().enumerate() {
            if val.is_empty() {
                continue;
            }
            let val = fit_cell(val, lang);
            if c == layout.highlight && error {
                ws.write_string_with_format(row, c as u16, val.as_ref(), &formats.error)?;
            } else {
                ws.write_string(row, c as u16, val.as_ref())?;
            }
        }
        written += 1;
    }
    ws.autofilter(top, 0, top + written as u32, layout.heads.len() as u16 - 1)?;
    Ok(written)
}

struct Formats {
    header: Format,
    error: Format,
    summary: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold().set_background_color("#DDEBF7").set_border(FormatBorder::Thin).set_text_wrap(),
            error: Format::new().set_font_color("#9C0006"),
            summary: Format::new().set_bold(),
        }
    }
}

/// A workbook compressed at zip level 3: at 1M people the corrections file takes 1.8 s
/// instead of 3.5 s and is 11% larger than at the default level 6 (level 1: 67% larger).
fn workbook() -> Workbook {
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(3);
    wb
}

/// worklist.xlsx; returns the number of rows (records) written.
/// `progress`: per commune, tonight's worklist progress ([`super::work::Worklist::progress`]).
pub(super) fn write(d: &RunData, progress: &BTreeMap<String, CommuneProgress>, path: &Path) -> Result<u64, XlsxError> {
    let lang = d.settings.lang;
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let groups = cases(d);
    let mut wb = workbook();
    let formats = Formats::new();
    let reg = AdminRegistry::get();
    let mut used = Vec::new();
    let mut total = 0u64;
    if groups.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(t("Không có việc", "Nothing to do"))?;
        ws.write_string(0, 0, t("Không có bản ghi nào cần xác minh.", "No record needs verifying."))?;
    }
    let heads = worklist_headings(lang);
    // A commune's progress needs a decision store; by source, sheets are no communes.
    let by_source = BTreeMap::new();
    let progress = if d.settings.worklist_by_source { &by_source } else { progress };
    for (key, cases) in &groups {
        let title = if d.settings.worklist_by_source {
            key.clone()
        } else if key.is_empty() {
            t("Không rõ xã", "Unknown commune").to_string()
        } else {
            reg.unit(key, Era::Y2025).map(|u| u.name.clone()).unwrap_or_else(|| key.clone())
        };
        // Rows go to a temporary file as they are written (a province's worklist can pass a
        // million rows), their strings inline: no shared-string table to look every cell up in
        // (at 1M people both workbooks take 1.7 s instead of 2.3 s, and are 8-15% larger).
        let ws = wb.add_worksheet_with_constant_memory()?;
        ws.set_name(sheet_name(&title, &mut used))?;
        // The sheet opens with this week's work, the table under it (returned files are read
        // wherever the heading row stands within the first rows).
        ws.write_string_with_format(0, 0, sheet_summary(cases, progress.get(key), lang), &formats.summary)?;
        let layout = Layout { heads: &heads, widths: &WORKLIST_WIDTHS, heading_row: 1, highlight: TO_VERIFY_COLUMN };
        let rows = cases.iter().enumerate().map(|(n, c)| row_cells(n, d, c));
        let written = write_rows(ws, &layout, rows, &formats, lang)?;
        officer_columns(ws, layout.heading_row, written as u32, lang)?;
        total += written;
    }
    wb.save(path)?;
    Ok(total)
}

fn correction_headings(lang: Lang) -> [&'static str; 10] {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    [
        t("STT", "No."),
        t("Nguồn", "Source"),
        t("Dòng", "Row"),
        t("Vai trò", "Role"),
        t("Trường", "Field"),
        t("Mã", "Code"),
        t("Giá trị hiện tại", "Current value"),
        t("Giá trị đúng", "Correct value"),
        t("Theo", "From"),
        t("Mã bản ghi", "Record key"),
    ]
}
const CORRECTION_WIDTHS: [f64; 10] = [8.0, 16.0, 7.0, 10.0, 16.0, 30.0, 30.0, 30.0, 14.0, 20.0];

/// corrections.xlsx, for the sector's IT staff; returns the number of rows written.
pub(super) fn write_corrections(d: &RunData, path: &Path) -> Result<u64, XlsxError> {
    let lang = d.settings.lang;
    let mut wb = workbook();
    let formats = Formats::new();
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(if lang == Lang::Vi { "Sửa tự động" } else { "Corrections" })?;
    let rows = corrections(d).enumerate().map(|(n, c)| {
        let f = c.finding;
        let cells: [String; 10] = [
            (n + 1).to_string(),
            c.src.source.name.clone(),
            c.record.raw.source_row.to_string(),
            c.src.role_of(c.record.raw).to_string(),
            field_label(f, lang).to_string(),
            f.code.as_str().to_string(),
            f.field.and_then(|x| c.record.raw.values.get(x)).unwrap_or_default().to_string(),
            f.suggested.clone().unwrap_or_default(),
            provenance(f.suggested_from, lang).to_string(),
            c.record.key.to_string(),
        ];
        (cells, false)
    });
    let layout = Layout { heads: &correction_headings(lang), widths: &CORRECTION_WIDTHS, heading_row: 0, highlight: usize::MAX };
    let n = write_rows(ws, &layout, rows, &formats, lang)?;
    wb.save(path)?;
    Ok(n)
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
