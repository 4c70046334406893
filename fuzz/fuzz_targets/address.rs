#![no_main]
//! The address parser on arbitrary text, with and without a province scope: no panic,
//! and a unit it places is one of the official lists'.
use lamsach_core::normalize::address::{hamlet_key, parse_address};
use lamsach_core::normalize::admin::{AdminRegistry, Era};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let reg = AdminRegistry::get();
    let scope = reg.province_scope("Bình Định");
    for sc in [None, scope.as_ref()] {
        let (a, _) = parse_address(s, sc);
        if let Some(c) = &a.commune {
            assert!(reg.unit(&c.code, c.era).is_some(), "placed on a code not in its era's list");
            if let Some(current) = &c.current_code {
                assert!(reg.unit(current, Era::Y2025).is_some(), "a current code not in the 2025 list");
            }
        }
        let _ = hamlet_key(s);
    }
});
