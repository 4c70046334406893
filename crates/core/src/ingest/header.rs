//! Finding the header: the row among the first ones most of whose cells are known headers,
//! a grouped two-row header read as role + field, a numbering row under it skipped; and
//! checking the column mapping a run can use.

use super::{IngestError, Item, SourceInput};
use crate::field::Field;
use crate::files::Shown;
use crate::schema::{ColumnMap, Schema, header_key};

pub(super) const HEADER_SEARCH_ROWS: usize = 30;

pub(super) fn is_numbering_row(cells: &[String]) -> bool {
    let non_empty: Vec<&String> = cells.iter().filter(|c| !c.trim().is_empty()).collect();
    non_empty.len() >= 2
        && non_empty.iter().all(|c| {
            let t = c.trim().trim_start_matches('(').trim_end_matches(')');
            t.len() <= 3 && (t.chars().all(|x| x.is_ascii_digit()) || (t.len() == 1 && t.chars().all(|x| x.is_ascii_uppercase())))
        })
}

/// Joins a two-row header (a merged group cell above sub-columns) when that maps more fields.
/// A group names whose the columns under it are: "Mẹ" over "Họ và tên", "Ngày sinh", "Số định
/// danh cá nhân" is the mother's name, date of birth and ID (read as "Họ và tên Mẹ", "Mẹ Họ và
/// tên" or "Số định danh cá nhân của Mẹ", whichever the schema knows). A sub-header that no such
/// reading maps stands alone the first time; repeated under another group, it keeps the group's
/// words ("Mẹ Nơi cư trú"), so one register's repeated sub-headers never stand for one field twice.
fn header_from(schema: &Schema, top: &[String], below: Option<&[String]>) -> (Vec<String>, bool) {
    let Some(below) = below else { return (top.to_vec(), false) };
    let n = top.len().max(below.len());
    let mut joined: Vec<String> = Vec::with_capacity(n);
    let mut group = String::new();
    let known = |h: &String| schema.count_matches(std::slice::from_ref(h)) > 0;
    for i in 0..n {
        let t = top.get(i).map(|s| s.trim()).unwrap_or("");
        let b = below.get(i).map(|s| s.trim()).unwrap_or("");
        if !t.is_empty() {
            group = t.to_string();
        }
        if b.is_empty() {
            joined.push(t.to_string());
            continue;
        }
        let readings = [format!("{group} {b}"), format!("{b} {group}"), format!("{b} của {group}")];
        let alone = b.to_string();
        let header = match readings.into_iter().find(known) {
            Some(r) => r,
            None if !joined.contains(&alone) => alone,
            None => format!("{group} {b}"),
        };
        joined.push(header);
    }
    // Joined when that maps more fields, or as many when every filled cell below is itself a
    // header (a group of one column: "Nơi cư trú" over "Địa chỉ"); a data row is never that.
    let filled: Vec<String> = below.iter().filter(|c| !c.trim().is_empty()).cloned().collect();
    let below_is_header = !filled.is_empty() && filled.len() * 2 <= n && schema.count_matches(&filled) == filled.len();
    let (j, t) = (schema.count_matches(&joined), schema.count_matches(top));
    if j > t || (j == t && below_is_header) { (joined, true) } else { (top.to_vec(), false) }
}

/// The header the rows at `at` (and the one under it) give: the row found, joined with the row
/// under it, or — when the row found is the sub-header of a grouped header ("Người được khai
/// sinh | Mẹ | Cha" over repeated "Họ và tên", "Ngày sinh", …: a row repeating its own headers
/// under a row of several groups) — the row above it joined with it, whichever maps more fields.
/// Returns the headers, the header's first and last rows' index.
pub(super) fn header_at(schema: &Schema, head: &[Item], at: usize) -> (Vec<String>, usize, usize) {
    let row = |i: usize| match head.get(i) {
        Some(Item::Row(r)) => Some(r.texts()),
        _ => None,
    };
    let found = row(at).unwrap_or_default();
    let (down, two_rows) = header_from(schema, &found, row(at + 1).as_deref());
    let mut best = (down, at, if two_rows { at + 1 } else { at });
    let keys: Vec<String> = found.iter().filter(|c| !c.trim().is_empty()).map(|c| header_key(c)).collect();
    let repeats = keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k));
    let groups = |r: &Vec<String>| r.iter().filter(|c| !c.trim().is_empty()).count() >= 2;
    if let Some(above) = at.checked_sub(1).and_then(row).filter(|r| repeats && groups(r)) {
        let (up, joined) = header_from(schema, &above, Some(&found));
        if joined && schema.count_matches(&up) > schema.count_matches(&best.0) {
            best = (up, at - 1, at);
        }
    }
    best
}

/// The header among the first rows: the row most of whose cells are known headers
/// (or the job's column overrides).
pub(super) fn find_header(input: &SourceInput, head: &[Item]) -> Result<usize, IngestError> {
    let overrides: Vec<String> = input.columns.values().map(|h| header_key(h)).collect();
    let score = |cells: &[String]| -> usize { input.schema.count_matches(cells) * 2 + cells.iter().filter(|c| overrides.contains(&header_key(c))).count() * 3 };
    let mut best: Option<(usize, usize)> = None;
    for (i, item) in head.iter().enumerate() {
        if let Item::Row(r) = item {
            let s = score(&r.texts());
            if s >= 2 && best.is_none_or(|(_, bs)| s > bs) {
                best = Some((i, s));
            }
        }
    }
    best.map(|(i, _)| i).ok_or_else(|| {
        // Header names are not personal data, but a headerless file's first row may be: show only its width.
        let width = head.iter().find_map(|x| match x {
            Item::Row(r) if r.cells.iter().filter(|c| !c.trim().is_empty()).count() >= 2 => Some(r.cells.len()),
            _ => None,
        });
        let seen = width.map_or_else(|| "none".to_string(), |w| format!("{w} columns"));
        IngestError::NoHeader { file: input.path.as_path().into(), searched: HEADER_SEARCH_ROWS, seen }
    })
}

/// The headers an error may show: those that are the schema's own aliases (or the job's
/// overrides) as written, and how many other cells the row has. The row taken for the header
/// may be a person's (a file whose header line is missing), and a name can look like a header's
/// words ("Phương" like "phường"): its other cells are counted, never shown.
fn headers_shown(input: &SourceInput, headers: &[String]) -> String {
    let overrides: Vec<String> = input.columns.values().map(|h| header_key(h)).collect();
    let filled: Vec<&String> = headers.iter().filter(|h| !h.trim().is_empty()).collect();
    let known: Vec<&str> = filled.iter().filter(|h| input.schema.is_alias(h) || overrides.contains(&header_key(h))).map(|h| h.as_str()).collect();
    let others = filled.len() - known.len();
    let known = if known.is_empty() { "none the schema knows".to_string() } else { known.join(", ") };
    if others == 0 { known } else { format!("{known}, and {others} other cells not shown") }
}

/// The column mapping a run can use: overrides that exist, no doubled header, every
/// required field of every role mapped (or the candidates named when several fit).
pub(super) fn check_columns(input: &SourceInput, row: u64, headers: &[String], columns: &ColumnMap) -> Result<(), IngestError> {
    let file = Shown::from(input.path.as_path());
    let found = || headers_shown(input, headers);
    if let Some((field, header)) = columns.missing_overrides.first() {
        return Err(IngestError::MissingOverride { file, row, field: field.clone(), header: header.clone(), headers: found() });
    }
    if let Some(header) = columns.duplicate_headers.first() {
        return Err(IngestError::DuplicateHeader { file, row, header: header.clone() });
    }
    for (role, cols) in &columns.roles {
        for f in input.schema.required_fields(role) {
            if cols[f.index()].is_some() || (columns.dob_by_sex.is_some() && matches!(f, Field::Dob | Field::Sex)) {
                continue;
            }
            if let Some((_, candidates)) = columns.ambiguous.iter().find(|(a, _)| *a == f) {
                return Err(IngestError::AmbiguousColumn { file, row, field: f.as_str(), candidates: candidates.join(" | ") });
            }
            let role = if columns.roles.len() > 1 { format!(" (role {role})") } else { String::new() };
            return Err(IngestError::MissingRequired { file, row, field: f.as_str(), role, headers: found() });
        }
    }
    Ok(())
}

/// The column of the register's own record ID (`[[source]] key`), if the job names one.
pub fn key_position(input: &SourceInput, headers: &[String]) -> Option<usize> {
    let k = header_key(input.key.as_deref()?);
    headers.iter().position(|h| header_key(h) == k)
}

/// [`key_position`], or the error naming the header the file lacks (header row `row`).
pub(super) fn key_column(input: &SourceInput, row: u64, headers: &[String]) -> Result<Option<usize>, IngestError> {
    let Some(k) = &input.key else { return Ok(None) };
    key_position(input, headers).map(Some).ok_or_else(|| IngestError::MissingOverride {
        file: input.path.as_path().into(),
        row,
        field: "key".into(),
        header: k.clone(),
        headers: headers_shown(input, headers),
    })
}
