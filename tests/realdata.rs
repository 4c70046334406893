//! lamsach on data it did not write (tests/realdata/README.md): the official unit
//! lists and real family names (committed), glibc iconv as an independent oracle for
//! the legacy encodings, and the public name lists when tools/realdata.sh has put them
//! in tests/realdata/cache/.

use lamsach::Code;
use lamsach::normalize::name::normalize_name;
use lamsach::text::legacy::{Encoding, decode};
use lamsach::text::{ToneStyle, fold};
use std::io::Write;
use std::process::{Command, Stdio};
use unicode_normalization::UnicodeNormalization;

/// Real Vietnamese text: every unit name of both eras and every family name, as
/// written and in capitals (TCVN3 keeps some capitals in the C0 range).
fn real_text() -> String {
    let mut lines: Vec<String> = Vec::new();
    for (file, col) in [("communes_2025.csv", 2), ("communes_legacy.csv", 4), ("communes_legacy.csv", 2), ("provinces.csv", 2)] {
        let text = std::fs::read_to_string(format!("{}/schemas/admin/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        lines.extend(text.lines().skip(1).filter_map(|l| l.split(',').nth(col)).map(str::to_string));
    }
    lines.extend(family_names());
    let upper: Vec<String> = lines.iter().map(|l| l.to_uppercase()).collect();
    lines.extend(upper);
    lines.sort();
    lines.dedup();
    lines.join("\n")
}

fn family_names() -> Vec<String> {
    let text = std::fs::read_to_string(format!("{}/schemas/family_names.tsv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split('\t').next()).map(str::to_string).collect()
}

fn iconv(from: &str, to: &str, input: &[u8]) -> Vec<u8> {
    let mut child = Command::new("iconv")
        .args(["-f", from, "-t", to])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("glibc iconv is on every Debian machine (package libc-bin)");
    let mut stdin = child.stdin.take().unwrap();
    let bytes = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&bytes));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "iconv -f {from} -t {to} failed");
    out.stdout
}

#[test]
fn legacy_decoding_agrees_with_glibc_iconv() {
    let text = real_text();
    assert!(text.chars().count() > 100_000, "the unit lists give a large real text");
    for (name, enc) in [("TCVN5712-1", Encoding::Tcvn3), ("VISCII", Encoding::Viscii), ("CP1258", Encoding::Cp1258)] {
        let bytes = iconv("UTF-8", name, text.as_bytes());
        if enc == Encoding::Tcvn3 {
            let c0_letters = bytes.iter().filter(|&&b| (0x01..=0x17).contains(&b) && !b"\t\n\r".contains(&b)).count();
            assert!(c0_letters > 100, "the capitals give TCVN 5712 letters in the C0 range ({c0_letters})");
        }
        let ours = decode(&bytes, enc);
        let theirs: String = String::from_utf8(iconv(name, "UTF-8", &bytes)).unwrap().nfc().collect();
        let differ = ours.chars().zip(theirs.chars()).filter(|(a, b)| a != b).count() + ours.chars().count().abs_diff(theirs.chars().count());
        assert_eq!(differ, 0, "{name}: {differ} characters differ from iconv's decoding");
        assert_eq!(ours, text.nfc().collect::<String>(), "{name}: the round trip keeps the text");
    }
}

#[test]
fn real_family_names_are_never_dropped() {
    let families = family_names();
    assert!(families.len() >= 200, "several hundred family names from real lists");
    for family in &families {
        let mut title: Vec<char> = family.chars().collect();
        title[0] = title[0].to_uppercase().next().unwrap();
        let title: String = title.into_iter().collect();
        for name in [
            format!("{title} Văn An"),
            format!("{title} Thị Lan"),
            format!("{title} Minh"),
            format!("{title} Hoàng Giang"),
            fold(&format!("{title} Hoàng Giang")).to_uppercase(),
        ] {
            let (n, codes) = normalize_name(&name, ToneStyle::Old).unwrap();
            assert!(keeps_first_word(&name, n.full()), "{name}: family name dropped ({codes:?})");
        }
    }
}

/// Whether the normalized name still opens with the raw name's first word, compared
/// on letters without marks ("K’ Dìm" → "K'Dìm", "k. hạnh" → "K Hạnh" keep theirs).
fn keeps_first_word(raw: &str, normalized: &str) -> bool {
    let key = |s: &str| fold(s).chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>();
    key(normalized).starts_with(&key(raw.split_whitespace().next().unwrap_or("")))
}

/// The public name lists, when tools/realdata.sh has assembled them.
fn corpus() -> Option<Vec<String>> {
    let path = format!("{}/tests/realdata/cache/names.txt", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect())
}

#[test]
fn public_name_lists_keep_every_family_name_and_normalize_once() {
    let Some(names) = corpus() else {
        eprintln!("tests/realdata/cache/names.txt is absent: run tools/realdata.sh to test on the public name lists");
        return;
    };
    let mut dropped = Vec::new();
    for raw in &names {
        let Some((n, codes)) = normalize_name(raw, ToneStyle::Old) else { continue };
        // A repaired legacy encoding changes the letters themselves.
        if !codes.contains(&Code::NameLegacyEncoding) && !keeps_first_word(raw, n.full()) {
            dropped.push(raw.clone());
        }
        assert!(unicode_normalization::is_nfc(n.full()), "{raw}: output is not NFC");
        let (again, _) = normalize_name(n.full(), ToneStyle::Old).unwrap();
        assert_eq!(again.full(), n.full(), "{raw}: normalizing twice changes the name");
    }
    assert!(dropped.is_empty(), "{} of {} names lost their family name, e.g. {:?}", dropped.len(), names.len(), &dropped[..dropped.len().min(10)]);
}

/// Addresses written from the official unit lists (every commune of both eras), in the
/// shapes registers use: full, abbreviated, without marks, without the province.
#[test]
fn addresses_built_from_the_official_lists_are_placed() {
    use lamsach::normalize::address::parse_address;
    use lamsach::normalize::admin::Era;
    let dir = format!("{}/schemas/admin", env!("CARGO_MANIFEST_DIR"));
    let provinces: std::collections::HashMap<(String, String), String> = std::fs::read_to_string(format!("{dir}/provinces.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .map(|r| ((r[0].to_string(), r[1].to_string()), r[2].to_string()))
        .collect();
    let abbreviate = |t: &str| {
        let mut t = t.to_string();
        for (long, short) in
            [("Thị trấn ", "TT. "), ("Xã ", "X. "), ("Phường ", "P. "), ("Huyện ", "H. "), ("Quận ", "Q. "), ("Thị xã ", "TX. "), ("Tỉnh ", "T. ")]
        {
            t = t.replace(long, short);
        }
        t
    };
    let mut cases: Vec<(String, String, Era)> = Vec::new();
    for (i, l) in std::fs::read_to_string(format!("{dir}/communes_legacy.csv")).unwrap().lines().skip(1).enumerate() {
        let r: Vec<&str> = l.split(',').collect();
        let province = &provinces[&("legacy".to_string(), r[0].to_string())];
        let full = format!("Thôn {}, {}, {}, {province}", 1 + i % 9, r[4], r[2]);
        let written = match i % 4 {
            0 => full,
            1 => abbreviate(&full),
            2 => fold(&full),
            _ => format!("Tổ {}, {}, {}", 1 + i % 7, r[4], r[2]),
        };
        cases.push((written, r[3].to_string(), Era::Legacy));
    }
    for (i, l) in std::fs::read_to_string(format!("{dir}/communes_2025.csv")).unwrap().lines().skip(1).enumerate() {
        let r: Vec<&str> = l.split(',').collect();
        let province = &provinces[&("2025".to_string(), r[0].to_string())];
        let full = format!("Số {}, {}, {province}", 1 + i % 50, r[2]);
        let written = match i % 3 {
            0 => full,
            1 => abbreviate(&full),
            _ => fold(&full).to_uppercase(),
        };
        cases.push((written, r[1].to_string(), Era::Y2025));
    }
    assert!(cases.len() > 13_000);
    let mut wrong = Vec::new();
    for (text, code, era) in &cases {
        let (a, _) = parse_address(text, None);
        let got = a.commune.as_ref().map(|m| (m.code.as_str(), m.era));
        if got != Some((code.as_str(), *era)) {
            wrong.push(format!("{text} → {got:?}, want {code}"));
        }
    }
    let share = 1.0 - wrong.len() as f64 / cases.len() as f64;
    eprintln!("{} of {} addresses placed right ({share:.4}); e.g. {:?}", cases.len() - wrong.len(), cases.len(), &wrong[..wrong.len().min(8)]);
    assert!(share >= 0.995, "only {share:.4} placed right: {:?}", &wrong[..wrong.len().min(20)]);
}
