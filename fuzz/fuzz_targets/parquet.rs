#![no_main]
//! Parquet registers end to end (the footer's schema and row groups, the columns the job maps
//! decoded a slice at a time, pages and their encodings, header search, quarantine) on
//! arbitrary bytes written to a file: no panic escapes lamsach's guard, and every row read
//! lands in the records or in the quarantine. Seeds are real exports' shapes (fuzz/seeds/parquet).
//!
//! The first byte picks the register's schema, so the seeds' headers map to their fields.
use lamsach_core::ingest::{SourceInput, read_source};
use lamsach_core::schema::Schema;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::sync::OnceLock;

const SCHEMAS: [&str; 4] = ["labour", "housing", "death_certificate", "reference"];

fuzz_target!(|data: &[u8]| {
    static SCHEMAS_BUILT: OnceLock<Vec<Schema>> = OnceLock::new();
    let schemas = SCHEMAS_BUILT.get_or_init(|| {
        // The product's hook: a panic the reader guard contains is an error, not a crash; any
        // other panic still aborts (libfuzzer-sys catches it) and is reported.
        lamsach_core::guard::install_hook();
        SCHEMAS.iter().map(|s| Schema::built_in(s).expect("a built-in schema")).collect()
    });
    let Some((&pick, body)) = data.split_first() else { return };
    let path = std::env::temp_dir().join(format!("lamsach-fuzz-{}.parquet", std::process::id()));
    std::fs::write(&path, body).expect("the temporary folder is writable");
    let schema = schemas[pick as usize % schemas.len()].clone();
    let input = SourceInput {
        name: "fuzz".into(),
        path: path.clone(),
        schema,
        encoding: None,
        columns: HashMap::new(),
        sheet: None,
        key: None,
        limits: Default::default(),
    };
    if let Ok(s) = read_source(&input, &lamsach_engine::READERS) {
        assert_eq!(s.records.len() + s.quarantine.len(), s.rows_read as usize, "a row was lost");
    }
});
