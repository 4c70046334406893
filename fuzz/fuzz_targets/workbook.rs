#![no_main]
//! Workbooks end to end (the zip parts counted against their limits, the workbook part's
//! sheet list, shared strings, the sheet read as a stream of cells into rows, header search,
//! quarantine) on arbitrary input: no panic, no allocation past the limits, and every row
//! read lands in the records or in the quarantine.
//!
//! The first byte picks what the rest is: the whole file (mode 0: the zip reader and what
//! follows), or the text of one part of an otherwise valid .xlsx (the sheet, the shared
//! strings, the workbook part, the styles), so the fuzzer spends its time in the XML.
use lamsach_core::ingest::limits::ReadLimits;
use lamsach_core::ingest::{SourceInput, read_source};
use lamsach_core::schema::Schema;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::io::Write;
use std::sync::OnceLock;

const CONTENT_TYPES: &str = r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
const SHEET: &str = r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row><row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2"><v>32937</v></c><c r="C2" t="inlineStr"><is><t>Nam</t></is></c><c r="D2" t="str"><v>064090000001</v></c></row></sheetData><mergeCells count="1"><mergeCell ref="C2:C3"/></mergeCells></worksheet>"#;
const STRINGS: &str = r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5"><si><t>Họ và tên</t></si><si><t>Ngày sinh</t></si><si><t>Giới tính</t></si><si><t>Số CCCD</t></si><si><t>Nguyễn Văn An</t></si></sst>"#;
const STYLES: &str = r#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellXfs count="1"><xf numFmtId="164"/></cellXfs></styleSheet>"#;

/// A workbook of the parts above, `(index, text)` replacing one of them; stored, not deflated,
/// so the fuzzer's bytes are the part's bytes.
fn xlsx(replace: Option<(usize, &[u8])>) -> Vec<u8> {
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", SHEET.as_bytes()),
        ("xl/sharedStrings.xml", STRINGS.as_bytes()),
        ("xl/styles.xml", STYLES.as_bytes()),
    ];
    if let Some((i, text)) = replace {
        parts[i].1 = text;
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in parts {
        zip.start_file(name, stored).expect("an in-memory zip");
        zip.write_all(bytes).expect("an in-memory zip");
    }
    zip.finish().expect("an in-memory zip").into_inner()
}

fuzz_target!(|data: &[u8]| {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| Schema::built_in("labour").expect("a built-in schema"));
    let Some((&mode, body)) = data.split_first() else { return };
    let bytes = match mode % 5 {
        0 => body.to_vec(),
        // 2: the workbook part, 4: the sheet, 5: the shared strings, 6: the styles.
        k => xlsx(Some(([2, 4, 5, 6][k as usize - 1], body))),
    };
    let path = std::env::temp_dir().join(format!("lamsach-fuzz-{}.xlsx", std::process::id()));
    std::fs::write(&path, &bytes).expect("the temporary folder is writable");
    // Small limits, so a bomb the fuzzer finds is refused within libFuzzer's memory limit.
    let limits = ReadLimits {
        part_bytes: 8 << 20,
        sheet_bytes: 64 << 20,
        sheet_rows: 1_048_576,
        sheet_columns: 1_024,
        sheet_cells: 2_000_000,
        returned_file_bytes: 8 << 20,
        file_rows: 1_000_000,
    };
    let input = SourceInput {
        name: "fuzz".into(),
        path: path.clone(),
        schema: schema.clone(),
        encoding: None,
        columns: HashMap::new(),
        sheet: None,
        key: None,
        limits,
    };
    if let Ok(s) = read_source(&input, &lamsach_core::ingest::Readers::CORE) {
        assert_eq!(s.records.len() + s.quarantine.len(), s.rows_read as usize, "a row was lost");
    }
});
