#![no_main]
//! Legacy decoders, detection and mojibake repair on arbitrary bytes: no panic,
//! and a repair only ever returns well-formed Vietnamese.
use lamsach_core::text::legacy::{Encoding, decode, detect, score_text};
use lamsach_core::text::mojibake::repair_mojibake;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let d = detect(data);
    assert!((0.0..=1.0).contains(&d.confidence));
    for e in [Encoding::Tcvn3, Encoding::Vni, Encoding::Viscii, Encoding::Cp1258, Encoding::Utf8, Encoding::Utf16Le, Encoding::Utf16Be] {
        let s = decode(data, e);
        if let Some((fixed, _)) = repair_mojibake(&s) {
            assert_eq!(score_text(&fixed).invalid, 0);
        }
        let _ = lamsach_core::normalize::name::normalize_name(&s, Default::default());
    }
});
