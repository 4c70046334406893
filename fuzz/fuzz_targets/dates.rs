#![no_main]
//! The date parser on arbitrary text: no panic, and any date it returns exists
//! at its precision.
use lamsach_core::calendar::days_in_month;
use lamsach_core::normalize::date::{DateOptions, parse_date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let p = parse_date(s, &DateOptions::default());
    if let Some(d) = p.date {
        assert!(d.month <= 12);
        if d.day > 0 {
            assert!(d.month >= 1 && d.day <= days_in_month(d.year, d.month));
        }
    }
    let _ = lamsach_core::normalize::id::normalize_person_id(s, None, p.date);
});
