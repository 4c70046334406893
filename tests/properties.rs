//! Property tests for the normalizers: idempotence, NFC output, round trips,
//! and no panic on any input.

use lamsach::normalize::address::parse_address;
use lamsach::normalize::admin::{AdminRegistry, Era};
use lamsach::normalize::date::{DateOptions, parse_date};
use lamsach::normalize::id::{normalize_person_id, normalize_phone, normalize_tax_code};
use lamsach::normalize::name::normalize_name;
use lamsach::text::legacy::{Encoding, decode, detect, encode};
use lamsach::text::mojibake::repair_mojibake;
use lamsach::text::{ToneStyle, clean, fold, tone_style};
use proptest::prelude::*;
use unicode_normalization::is_nfc;

const LETTERS: &str = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ";

fn vietnamese_name() -> impl Strategy<Value = String> {
    let letters: Vec<char> = LETTERS.chars().collect();
    let word = proptest::collection::vec(proptest::sample::select(letters), 1..7).prop_map(|v| v.into_iter().collect::<String>());
    proptest::collection::vec(word, 1..5).prop_map(|w| w.join(" "))
}

proptest! {
    // A fixed seed keeps CI reproducible; change it locally to explore further.
    #![proptest_config(ProptestConfig { cases: 512, rng_seed: proptest::test_runner::RngSeed::Fixed(20261127), ..ProptestConfig::default() })]

    #[test]
    fn names_normalize_idempotently_to_nfc(s in "\\PC{0,40}") {
        if let Some((n, _)) = normalize_name(&s, ToneStyle::Old) {
            prop_assert!(is_nfc(n.full()));
            let (again, _) = normalize_name(n.full(), ToneStyle::Old).unwrap();
            prop_assert_eq!(&again.full(), &n.full());
            prop_assert_eq!(&again.folded(), &n.folded());
        }
    }

    #[test]
    fn vietnamese_names_survive_normalization(s in vietnamese_name()) {
        let (n, _) = normalize_name(&s, ToneStyle::New).unwrap();
        let (again, _) = normalize_name(n.full(), ToneStyle::New).unwrap();
        prop_assert_eq!(&again.full(), &n.full());
        prop_assert_eq!(fold(n.full()), n.folded());
        prop_assert!(n.folded().is_ascii());
    }

    #[test]
    fn clean_is_idempotent_and_nfc(s in "\\PC{0,60}") {
        let c = clean(&s);
        prop_assert!(is_nfc(&c.text));
        prop_assert_eq!(clean(&c.text).text, c.text.clone());
    }

    #[test]
    fn tone_style_round_trips(s in vietnamese_name()) {
        let (new, _) = tone_style(&s, ToneStyle::New);
        let (old, _) = tone_style(&new, ToneStyle::Old);
        let (new2, _) = tone_style(&old, ToneStyle::New);
        prop_assert_eq!(new, new2);
        prop_assert_eq!(fold(&old), fold(&s));
    }

    #[test]
    fn legacy_encodings_round_trip(s in vietnamese_name()) {
        for e in [Encoding::Vni, Encoding::Cp1258, Encoding::Viscii, Encoding::Tcvn3, Encoding::Utf16Le] {
            prop_assert_eq!(decode(&encode(&s, e), e), s.clone(), "{:?}", e);
        }
    }

    #[test]
    fn decoders_and_detection_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let d = detect(&bytes);
        prop_assert!((0.0..=1.0).contains(&d.confidence));
        for e in [Encoding::Vni, Encoding::Cp1258, Encoding::Viscii, Encoding::Tcvn3, Encoding::Utf16Le, Encoding::Utf16Be, Encoding::Utf8] {
            let _ = decode(&bytes, e);
        }
    }

    #[test]
    fn correct_vietnamese_is_never_repaired(s in vietnamese_name()) {
        // Only real syllables: every word of a proper name is one.
        let words_ok = s.split(' ').all(lamsach::text::is_vietnamese_syllable);
        if words_ok {
            prop_assert!(repair_mojibake(&s).is_none());
        }
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,30}") {
        let p = parse_date(&s, &DateOptions::default());
        if let Some(d) = p.date {
            prop_assert!(d.month <= 12 && d.day <= 31);
        }
        let _ = normalize_person_id(&s, None, p.date);
        let _ = normalize_phone(&s);
        let _ = normalize_tax_code(&s);
    }

    #[test]
    fn valid_dates_parse_back(y in 1900i32..2025, m in 1u8..=12, d in 1u8..=28) {
        let s = format!("{d:02}/{m:02}/{y}");
        let p = parse_date(&s, &DateOptions::default());
        prop_assert_eq!(p.date, Some(lamsach::calendar::PartialDate::ymd(y, m, d)));
        prop_assert!(p.codes.is_empty());
    }

    #[test]
    fn dates_as_exports_write_them_parse_back(y in 1900i32..2025, m in 1u8..=12, d in 1u8..=28, form in 0usize..6) {
        const MON: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
        let s = match form {
            0 => format!("{d} tháng {m} năm {y}"),
            1 => format!("ngày {d}/{m}/{y}"),
            2 => format!("'{d:02}/{m:02}/{y}"),
            3 => format!("{d:02}-{}-{y}", MON[m as usize - 1]),
            4 => format!("{} {d}, {y}", MON[m as usize - 1]),
            _ => format!("{d:02}/{m:02}/{y} (theo CMND)"),
        };
        let p = parse_date(&s, &DateOptions::default());
        prop_assert_eq!(p.date, Some(lamsach::calendar::PartialDate::ymd(y, m, d)), "{}", s);
        prop_assert!(p.codes.is_empty(), "{}: {:?}", s, p.codes);
    }
}

/// Pre-2025 communes with their district and province as the lists write them, sorted.
fn legacy_places() -> Vec<(String, String, String, String)> {
    let reg = AdminRegistry::get();
    let mut v: Vec<_> = reg
        .units(Era::Legacy)
        .map(|u| (u.code.clone(), u.name.clone(), u.district_name.clone(), reg.legacy_province_name(&u.province).unwrap_or_default().to_string()))
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, rng_seed: proptest::test_runner::RngSeed::Fixed(20261207), ..ProptestConfig::default() })]

    #[test]
    fn any_address_is_read_without_panic_and_places_only_listed_units(s in "\\PC{0,80}") {
        let (a, _) = parse_address(&s, None);
        if let Some(m) = &a.commune {
            prop_assert!(AdminRegistry::get().unit(&m.code, m.era).is_some());
        }
        // The hamlet is the address's own words: each of its parts stands in the text (with
        // a bracketed remark taken out, as the reading does).
        let outside = lamsach::text::split_bracketed(&s).0;
        prop_assert!(a.hamlet.as_deref().is_none_or(|h| h.split(", ").all(|part| s.contains(part) || outside.contains(part))));
    }

    #[test]
    fn an_address_reads_the_same_however_its_parts_are_separated(i in 0usize..10_000, sep in prop::sample::select(vec![" - ", " ", "; ", " , ", ",", " – "])) {
        let places = legacy_places();
        let (_, commune, district, province) = &places[i % places.len()];
        let parts = ["Thôn 3", commune.as_str(), district.as_str(), province.as_str()];
        let (with_commas, _) = parse_address(&parts.join(", "), None);
        let (other, _) = parse_address(&parts.join(sep), None);
        prop_assert_eq!(other.commune, with_commas.commune);
        prop_assert_eq!(other.province, with_commas.province);
    }
}
