//! Normalizer throughput on register-like data made by the generator (seeded,
//! never committed): names with keys, dates, legacy decoding, IDs.
//!
//!     cargo bench --bench normalize

/// The binary's allocator, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lamsach::Field;
use lamsach::normalize::date::{DateOptions, parse_date};
use lamsach::normalize::id::normalize_person_id;
use lamsach::normalize::name::normalize_name;
use lamsach::rng::Rng;
use lamsach::synth::defects::strip_diacritics;
use lamsach::synth::population::Generator;
use lamsach::text::ToneStyle;
use lamsach::text::legacy::{Encoding, decode, detect, encode};
use polars::prelude::{Column, DataFrame, NamedFrom, Series};
use std::hint::black_box;

/// Typical register names: mostly NFC title case, some without diacritics or in capitals.
fn names(n: usize) -> Vec<String> {
    let as_of = lamsach::calendar::PartialDate::ymd(2026, 11, 1);
    let mut g = Generator::new("52", as_of, 7);
    let people = g.population(n, 7);
    let mut r = Rng::new(3);
    people
        .iter()
        .map(|p| {
            let full = p.full();
            match r.below(10) {
                0 => strip_diacritics(&full),
                1 => full.to_uppercase(),
                _ => full,
            }
        })
        .collect()
}

fn dates(n: usize) -> Vec<String> {
    let mut r = Rng::new(5);
    (0..n)
        .map(|_| {
            let (y, m, d) = (1930 + r.below(95), 1 + r.below(12), 1 + r.below(28));
            match r.below(20) {
                0 => format!("{y}"),
                1 => format!("{y}-{m:02}-{d:02}"),
                2 => format!("{d:02}{m:02}{y}"),
                _ => format!("{d:02}/{m:02}/{y}"),
            }
        })
        .collect()
}

/// Addresses in the shapes registers use, half pre-2025 with district and old province,
/// half 2025; full, abbreviated, without marks or without the province.
fn addresses(n: usize) -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/admin");
    let read = |f: &str| -> Vec<Vec<String>> {
        std::fs::read_to_string(format!("{dir}/{f}")).unwrap().lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
    };
    let provinces: std::collections::HashMap<(String, String), String> =
        read("provinces.csv").into_iter().map(|r| ((r[0].clone(), r[1].clone()), r[2].clone())).collect();
    let (legacy, new) = (read("communes_legacy.csv"), read("communes_2025.csv"));
    let mut r = Rng::new(7);
    (0..n)
        .map(|i| {
            let below = format!("Thôn {}", 1 + r.below(12));
            let mut parts = if i % 2 == 0 {
                let u = &legacy[r.below(legacy.len() as u64) as usize];
                vec![below, u[4].clone(), u[2].clone(), provinces[&("legacy".to_string(), u[0].clone())].clone()]
            } else {
                let u = &new[r.below(new.len() as u64) as usize];
                vec![below, u[2].clone(), provinces[&("2025".to_string(), u[0].clone())].clone()]
            };
            let shape = r.below(4);
            if shape == 3 {
                parts.pop();
            }
            let text = parts.join(", ");
            match shape {
                1 => text.replace("Xã ", "X. ").replace("Phường ", "P. ").replace("Huyện ", "H. ").replace("Tỉnh ", "T. "),
                2 => lamsach::text::fold(&text),
                _ => text,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let names = names(100_000);
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Elements(names.len() as u64));
    g.bench_function("name_with_keys", |b| {
        b.iter(|| {
            for n in &names {
                black_box(normalize_name(n, ToneStyle::Old));
            }
        })
    });
    let distinct: std::collections::HashSet<&String> = names.iter().collect();
    eprintln!("{} names, {} distinct", names.len(), distinct.len());
    g.bench_function("name_with_keys_cached", |b| {
        b.iter(|| {
            let mut cache = lamsach::normalize::name::NameCache::new(ToneStyle::Old, 100_000);
            for n in &names {
                black_box(cache.normalize(n));
            }
        })
    });
    let ds = dates(100_000);
    g.throughput(Throughput::Elements(ds.len() as u64));
    let opts = DateOptions::default();
    g.bench_function("date", |b| {
        b.iter(|| {
            for d in &ds {
                black_box(parse_date(d, &opts));
            }
        })
    });
    let ids: Vec<String> = (0..100_000u64).map(|i| format!("052{:09}", i * 7919 % 1_000_000_000)).collect();
    g.throughput(Throughput::Elements(ids.len() as u64));
    g.bench_function("person_id", |b| {
        b.iter(|| {
            for id in &ids {
                black_box(normalize_person_id(id, None, None));
            }
        })
    });
    g.finish();

    // Ingest: a 300,000-row labour register written as UTF-8 and as TCVN3 CSV.
    let dir = std::env::temp_dir().join("lamsach-bench-ingest");
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("STT,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Xã/phường,Địa chỉ,Ngày cập nhật\n");
    for i in 0..300_000usize {
        let n = &names[i % names.len()];
        csv.push_str(&format!(
            "{i},{n},{:02}/{:02}/19{:02},Nam,0520{:08},0912345678,Phường Quy Nhơn Bắc,\"Số {i}, Tổ 3\",01/06/2026\n",
            1 + i % 28,
            1 + i % 12,
            i % 100,
            i
        ));
    }
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Elements(300_000));
    for e in [Encoding::Utf8, Encoding::Tcvn3] {
        let path = dir.join(format!("ld_{}.csv", e.as_str()));
        std::fs::write(&path, encode(&csv, e)).unwrap();
        let input = lamsach::ingest::SourceInput {
            name: "ld".into(),
            path: path.clone(),
            schema: lamsach::schema::Schema::built_in("labour").unwrap(),
            encoding: None,
            columns: Default::default(),
            sheet: None,
            key: None,
            limits: Default::default(),
        };
        g.bench_function(BenchmarkId::new("csv_rows", e.as_str()), |b| {
            b.iter(|| black_box(lamsach::ingest::read_source(&input, &lamsach::READERS).unwrap().records.len()))
        });
    }
    // The same register as Parquet (every column text, as newer systems export it).
    let utf8 = lamsach::ingest::SourceInput {
        name: "ld".into(),
        path: dir.join("ld_utf-8.csv"),
        schema: lamsach::schema::Schema::built_in("labour").unwrap(),
        encoding: None,
        columns: Default::default(),
        sheet: None,
        key: None,
        limits: Default::default(),
    };
    let rows = lamsach::ingest::read_source(&utf8, &lamsach::READERS).unwrap();
    let fields = [Field::FullName, Field::Dob, Field::Sex, Field::PersonId, Field::Phone, Field::Commune, Field::Address, Field::UpdatedAt];
    let headers = ["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Số điện thoại", "Xã/phường", "Địa chỉ", "Ngày cập nhật"];
    let columns: Vec<Column> = fields
        .iter()
        .zip(headers)
        .map(|(f, h)| Series::new(h.into(), rows.records.iter().map(|r| r.values.get(*f).map(str::to_string)).collect::<Vec<_>>()).into())
        .collect();
    let mut df = DataFrame::new(rows.records.len(), columns).unwrap();
    let parquet = dir.join("ld.parquet");
    lamsach::publish::parquet::write(&mut df, &parquet).unwrap();
    let input = lamsach::ingest::SourceInput { path: parquet, ..utf8 };
    g.bench_function("parquet_rows", |b| b.iter(|| black_box(lamsach::ingest::read_source(&input, &lamsach::READERS).unwrap().records.len())));
    g.finish();

    let mut g = c.benchmark_group("parquet_write");
    g.throughput(Throughput::Elements(df.height() as u64));
    let out = dir.join("out.parquet");
    g.bench_function("register_300k_rows_8_text_columns", |b| b.iter(|| black_box(lamsach::publish::parquet::write(&mut df, &out).unwrap())));
    g.finish();

    // Addresses of both eras built from the official unit lists, as benches/peer/addresses.py builds them.
    let addrs = addresses(12_000);
    let mut g = c.benchmark_group("address");
    g.throughput(Throughput::Elements(addrs.len() as u64));
    g.bench_function("parse_12k_both_eras", |b| {
        b.iter(|| {
            for a in &addrs {
                black_box(lamsach::normalize::address::parse_address(a, None));
            }
        })
    });
    g.finish();

    let text = names.join("\n");
    let mut g = c.benchmark_group("legacy_decode");
    for e in [Encoding::Tcvn3, Encoding::Vni, Encoding::Cp1258] {
        let bytes = encode(&text, e);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_with_input(BenchmarkId::new("decode", e.as_str()), &bytes, |b, bytes| b.iter(|| black_box(decode(bytes, e))));
        g.bench_with_input(BenchmarkId::new("detect", e.as_str()), &bytes, |b, bytes| b.iter(|| black_box(detect(bytes))));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
