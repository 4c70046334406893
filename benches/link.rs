//! The linkage hot paths on synthetic data: the string-similarity kernel
//! (ours vs rapidfuzz), the comparison vector of a pair, index build,
//! candidate generation, training (u sampling + EM), and linking a register
//! against a reference.
//!
//!     cargo bench --bench link

/// The binary's allocator, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use lamsach::calendar::PartialDate;
use lamsach::link::blocking::{RuleStats, Rules, candidates};
use lamsach::link::compare::default_comparisons;
use lamsach::link::features::Features;
use lamsach::link::similarity::{jaro_winkler, jaro_winkler_simple};
use lamsach::link::{LinkIndex, LinkSettings, run, train};
use lamsach::rng::Rng;
use lamsach::synth::population::{Generator, Person};
use lamsach::text::fold;
use std::hint::black_box;

fn features(p: &Person) -> Features {
    Features {
        person_id: Some(p.cccd.as_str().into()),
        old_id: p.cmnd.as_deref().map(Into::into),
        dob: Some(p.dob),
        sex: Some(p.sex),
        commune: Some(p.commune.as_str().into()),
        province: Some("52".into()),
        ..Features::from_name(&p.full())
    }
}

fn bench(c: &mut Criterion) {
    let as_of = PartialDate::ymd(2026, 11, 1);
    let mut g = Generator::new("52", as_of, 11);
    let people = g.population(200_000, 11);
    let reference: Vec<Features> = people.iter().map(features).collect();
    let mut r = Rng::new(2);
    let pairs: Vec<(String, String)> =
        (0..100_000).map(|_| (fold(&people[r.below(200_000) as usize].full()), fold(&people[r.below(200_000) as usize].full()))).collect();

    let mut k = c.benchmark_group("jaro_winkler");
    k.throughput(Throughput::Elements(pairs.len() as u64));
    k.bench_function("plain", |b| b.iter(|| pairs.iter().map(|(x, y)| jaro_winkler_simple(x.as_bytes(), y.as_bytes())).sum::<f64>()));
    k.bench_function("rapidfuzz", |b| b.iter(|| pairs.iter().map(|(x, y)| jaro_winkler(x.as_bytes(), y.as_bytes())).sum::<f64>()));
    k.finish();

    let comps = default_comparisons();
    let mut k = c.benchmark_group("comparison_vector");
    let idx: Vec<(usize, usize)> = (0..100_000).map(|_| (r.below(200_000) as usize, r.below(200_000) as usize)).collect();
    k.throughput(Throughput::Elements(idx.len() as u64));
    k.bench_function("six_comparisons", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for &(i, j) in &idx {
                for cmp in &comps {
                    acc += cmp.level(&reference[i], &reference[j]) as u64;
                }
            }
            black_box(acc)
        })
    });
    k.finish();

    let mut k = c.benchmark_group("index");
    k.throughput(Throughput::Elements(reference.len() as u64));
    k.bench_function("build_200k", |b| b.iter(|| black_box(LinkIndex::build(&reference).blocks.rules.len())));
    k.finish();

    // A register of 20,000 people drawn from the reference, a few with typos and no ID.
    let register: Vec<Features> = (0..20_000)
        .map(|i| {
            let mut f = reference[(i * 7 + 3) % reference.len()].clone();
            if i % 10 == 0 {
                f.person_id = None;
            }
            f
        })
        .collect();
    let index = LinkIndex::build(&reference);
    let settings = LinkSettings { u_samples: 100_000, em_records: 10_000, ..Default::default() };

    let mut k = c.benchmark_group("candidates");
    k.throughput(Throughput::Elements(register.len() as u64));
    k.bench_function("all_rules_20k_records", |b| {
        let mut stats = vec![RuleStats::default(); index.blocks.rules.len()];
        let mut out = Vec::new();
        b.iter(|| {
            register.iter().map(|f| candidates(&index.blocks, f, Rules::All, settings.max_block, &mut stats, &mut out) as usize + out.len()).sum::<usize>()
        })
    });
    k.finish();

    let mut k = c.benchmark_group("train");
    let refs: Vec<&Features> = register.iter().collect();
    k.bench_function("u_sampling_and_em_20k_records", |b| b.iter(|| black_box(train(&index, &refs, &settings).prior_weight())));
    k.finish();

    let mut k = c.benchmark_group("link");
    k.throughput(Throughput::Elements(register.len() as u64));
    k.bench_with_input(BenchmarkId::new("records_vs_reference", "20k_x_200k"), &register, |b, reg| {
        b.iter(|| black_box(run(&index, std::slice::from_ref(reg), &settings, &Default::default()).records.len()))
    });
    k.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(8));
    targets = bench
}
criterion_main!(benches);
