#![no_main]
//! The CSV reader end to end (encoding detection, delimiter sniffing, header search,
//! column mapping, quote handling, quarantine) on arbitrary bytes written to a file:
//! no panic, and every row read lands in the records or in the quarantine.
use lamsach_core::ingest::{SourceInput, read_source};
use lamsach_core::schema::Schema;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Half the inputs start with a real header, so the fuzzer spends its time on the rows.
const HEADERS: [&str; 3] = ["", "Họ và tên,Số CCCD,Ngày sinh,Giới tính,Địa chỉ\n", "STT;Ho ten;CCCD;Ngay sinh;Gioi tinh;Xa\n"];

fuzz_target!(|data: &[u8]| {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| Schema::built_in("labour").expect("a built-in schema"));
    let Some((&pick, body)) = data.split_first() else { return };
    let path = std::env::temp_dir().join(format!("lamsach-fuzz-{}.csv", std::process::id()));
    let mut bytes = HEADERS[pick as usize % HEADERS.len()].as_bytes().to_vec();
    bytes.extend_from_slice(body);
    std::fs::write(&path, &bytes).expect("the temporary folder is writable");
    let input = SourceInput {
        name: "fuzz".into(),
        path: path.clone(),
        schema: schema.clone(),
        encoding: None,
        columns: HashMap::new(),
        sheet: None,
        key: None,
        limits: Default::default(),
    };
    if let Ok(s) = read_source(&input, &lamsach_core::ingest::Readers::CORE) {
        assert_eq!(s.records.len() + s.quarantine.len(), s.rows_read as usize, "a row was lost");
        assert_eq!(s.bytes, bytes.len() as u64);
        for q in &s.quarantine {
            assert!(q.source_row_end >= q.source_row);
        }
    }
});
