//! Training the model without labels, as Splink does: u from random record × person pairs,
//! m by EM in two sessions on the candidate pairs of a sample of records, and the prior λ
//! by a fixed point on the same pairs.

use super::LinkSettings;
use super::blocking::{RuleStats, Rules, candidates};
use super::compare::{CompareField, NULL_LEVEL, default_comparisons};
use super::features::Features;
use super::index::LinkIndex;
use super::model::{Model, probability};
use super::score::{for_each_prefetched, weight_table};
use rayon::prelude::*;

/// EM stops when no m or u moves by more than this between rounds.
const EM_TOLERANCE: f64 = 1e-6;
/// Random pairs per parallel task when counting u.
const U_PAIRS_PER_TASK: usize = 8192;
/// λ's fixed point starts from 0.9 matches per record (most sector records are people of
/// the province) ...
const LAMBDA_START_MATCHES: f64 = 0.9;
/// ... never lets λ pass one in two (it is a prior for one candidate among many) ...
const LAMBDA_CEILING: f64 = 0.5;
/// ... never falls below one match in a billion pairs (the m and u floor, 1e-7, is a match
/// per record among 9M people: a larger province's λ was held above its estimate) ...
const LAMBDA_FLOOR: f64 = 1e-9;
/// ... and stops when λ moves by less than this share of itself, or after this many
/// rounds (it converges in under ten on every extract measured).
const LAMBDA_TOLERANCE: f64 = 1e-4;
const LAMBDA_MAX_ROUNDS: usize = 30;
/// Records whose candidate pairs re-estimate a loaded model's λ: a mean of per-record
/// expected matches, each between 0 and 1, so over 10,000 records its standard error is at
/// most 0.005 (near 0.9 matches a record, under a hundredth of a bit of prior), at a third of
/// the cost of EM's 30,000 (at 10M people, 4.2 s of CPU a night with 30,000).
const LAMBDA_RECORDS: usize = 10_000;

/// Trains a model: u from random record × reference pairs, then EM on the
/// candidate pairs of a sample of records.
pub fn train(index: &LinkIndex, records: &[&Features], settings: &LinkSettings) -> Model {
    train_for(index, records, settings, index.people.len())
}

/// [`train`] with λ for a reference of `reference_size` people.
fn train_for(index: &LinkIndex, records: &[&Features], settings: &LinkSettings, reference_size: usize) -> Model {
    let comps = default_comparisons();
    let mut rng = crate::rng::Rng::new(settings.seed);
    let mut u_counts: Vec<Vec<u64>> = comps.iter().map(|c| vec![0; c.levels.len()]).collect();
    let mut sampled = 0u64;
    if !records.is_empty() && !index.people.is_empty() {
        let pairs: Vec<(usize, usize)> =
            (0..settings.u_samples).map(|_| (rng.below(records.len() as u64) as usize, rng.below(index.people.len() as u64) as usize)).collect();
        let counts = pairs
            .par_chunks(U_PAIRS_PER_TASK)
            .map(|chunk| {
                let mut local: Vec<Vec<u64>> = comps.iter().map(|c| vec![0; c.levels.len()]).collect();
                for &(i, j) in chunk {
                    for (c, comp) in comps.iter().enumerate() {
                        let l = comp.level(records[i], &index.people[j]);
                        if l != NULL_LEVEL {
                            local[c][l as usize] += 1;
                        }
                    }
                }
                local
            })
            .reduce(
                || comps.iter().map(|c| vec![0; c.levels.len()]).collect(),
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        for (p, q) in x.iter_mut().zip(y) {
                            *p += q;
                        }
                    }
                    a
                },
            );
        u_counts = counts;
        sampled = pairs.len() as u64;
    }
    let mut model = Model::with_u(comps, &u_counts, settings.seed, sampled);
    let ci = |field: CompareField| model.comparisons.iter().position(|c| c.field == field).expect("the default comparisons read every field");
    let (c_name, c_dob, c_id) = (ci(CompareField::Name), ci(CompareField::Dob), ci(CompareField::PersonId));
    let per_record = sample_pairs(index, records, settings, &model);
    let count = |pick: &dyn Fn(&SampledPair) -> bool| -> Vec<(Vec<u8>, u64)> {
        let mut m: std::collections::BTreeMap<Vec<u8>, u64> = Default::default();
        for p in per_record.iter().flatten().filter(|p| pick(p)) {
            *m.entry(p.levels.clone()).or_default() += 1;
        }
        m.into_iter().collect()
    };
    // Session 1: pairs sharing the personal ID train every comparison but the ID.
    let all_but_id: Vec<usize> = vec![c_id];
    model.train_session("same_person_id", &count(&|p| p.same_id), &all_but_id, &[], settings.em_max_iterations, EM_TOLERANCE);
    // Session 2: pairs sharing date of birth and given name train the ID (and anything
    // session 1 could not), ignoring name and date of birth. What session 1 trained (sex,
    // commune, old ID) stays in the E-step at its m, as in Splink: one comparison alone
    // does not identify its m.
    let trained_1: Vec<String> = model.training.sessions[0].trained.clone();
    let fixed_2: Vec<usize> =
        (0..model.comparisons.len()).filter(|&c| c != c_id && c != c_name && c != c_dob && trained_1.contains(&model.comparisons[c].name)).collect();
    model.train_session("same_dob_and_given_name", &count(&|p| p.same_dob_given), &[c_name, c_dob], &fixed_2, settings.em_max_iterations, EM_TOLERANCE);
    model.lambda = estimate_lambda(&pair_weights(&model, &per_record), reference_size);
    model
}

/// `per_pair` of every candidate pair of an evenly spaced sample of `records`, per record.
fn sample_map<T: Send>(index: &LinkIndex, records: &[&Features], settings: &LinkSettings, per_pair: impl Fn(&Features, &Features) -> T + Sync) -> Vec<Vec<T>> {
    let step = (records.len() / settings.em_records.max(1)).max(1);
    let sample: Vec<&Features> = records.iter().step_by(step).copied().collect();
    sample
        .par_iter()
        .map_init(
            || (vec![RuleStats::default(); index.blocks.rules.len()], Vec::new()),
            |(stats, cands), f| {
                candidates(&index.blocks, f, Rules::All, settings.max_block, stats, cands);
                let mut pairs = Vec::with_capacity(cands.len());
                for_each_prefetched(index.people, cands, |j| pairs.push(per_pair(f, &index.people[j as usize])));
                pairs
            },
        )
        .collect()
}

/// A sampled candidate pair: its comparison levels, and which EM session it trains.
struct SampledPair {
    levels: Vec<u8>,
    /// The pair shares the personal ID (session 1).
    same_id: bool,
    /// The pair shares a full date of birth and the given name (session 2).
    same_dob_given: bool,
}

/// The comparison levels of every candidate pair of the sample, with whether the pair shares
/// the personal ID, and date of birth and given name.
fn sample_pairs(index: &LinkIndex, records: &[&Features], settings: &LinkSettings, model: &Model) -> Vec<Vec<SampledPair>> {
    sample_map(index, records, settings, |f, p| {
        let levels: Vec<u8> = model.comparisons.iter().map(|c| c.level(f, p)).collect();
        let same_id = f.person_id.is_some() && f.person_id == p.person_id;
        let same_dob_given =
            f.dob.is_some_and(|d| d.day != 0) && f.dob == p.dob && !f.name.phonetic_given().is_empty() && f.name.phonetic_given() == p.name.phonetic_given();
        SampledPair { levels, same_id, same_dob_given }
    })
}

/// Each sampled pair's weight without the prior (the sum of its levels' weights; a null
/// level weighs nothing), per record.
fn pair_weights(model: &Model, per_record: &[Vec<SampledPair>]) -> Vec<Vec<f64>> {
    let weights = weight_table(model);
    per_record.iter().map(|pairs| pairs.iter().map(|p| levels_weight(&weights, p.levels.iter().copied())).collect()).collect()
}

fn levels_weight(weights: &[Vec<f64>], levels: impl Iterator<Item = u8>) -> f64 {
    levels.enumerate().map(|(c, l)| if l == NULL_LEVEL { 0.0 } else { weights[c][l as usize] }).sum::<f64>()
}

/// [`pair_weights`] of the candidate pairs of the records [`sample_pairs`] samples, computed
/// as they are compared: for a loaded model, whose λ is all the sample is for (at 10M people
/// tens of millions of pairs, each a vector of levels otherwise).
fn sample_weights(index: &LinkIndex, records: &[&Features], settings: &LinkSettings, model: &Model) -> Vec<Vec<f64>> {
    let weights = weight_table(model);
    sample_map(index, records, settings, |f, p| levels_weight(&weights, model.comparisons.iter().map(|c| c.level(f, p))))
}

/// The prior λ for this reference: expected matches per record (at most one, from the
/// model's weights on the sampled candidate pairs, `per_record`: [`pair_weights`]) over the
/// number of reference people. Estimated for every run, so a model trained on another
/// extract fits this one.
fn estimate_lambda(per_record: &[Vec<f64>], n_ref: usize) -> f64 {
    let n_ref = n_ref.max(1) as f64;
    let mut lambda = (LAMBDA_START_MATCHES / n_ref).clamp(LAMBDA_FLOOR, LAMBDA_CEILING);
    for _ in 0..LAMBDA_MAX_ROUNDS {
        let prior = (lambda / (1.0 - lambda)).log2();
        let expected: f64 = per_record
            .iter()
            .map(|pairs| {
                let s: f64 = pairs.iter().map(|&w| probability(prior + w)).sum();
                s.min(1.0)
            })
            .sum();
        let new = (expected / per_record.len().max(1) as f64 / n_ref).clamp(LAMBDA_FLOOR, LAMBDA_CEILING);
        let done = (new - lambda).abs() < lambda * LAMBDA_TOLERANCE;
        lambda = new;
        if done {
            break;
        }
    }
    lambda
}

/// The model a run links with: the job's (`[link] model`) with λ estimated again for this
/// reference, else one trained on `all` the job's records in order. `reference_size` is the
/// whole extract's count (the index may hold a sample of it, as a sharded engine's driver does).
pub fn model_for(index: &LinkIndex, all: &[&Features], settings: &LinkSettings, reference_size: usize) -> Model {
    match &settings.model {
        Some(m) => {
            let mut m = m.clone();
            m.training.loaded = true;
            // The prior belongs to the reference at hand, not to the one the model was trained on.
            let sample = LinkSettings { em_records: settings.em_records.min(LAMBDA_RECORDS), ..settings.clone() };
            m.lambda = estimate_lambda(&sample_weights(index, all, &sample, &m), reference_size);
            m
        }
        None => train_for(index, all, settings, reference_size),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_is_a_match_per_record_among_the_whole_reference_however_large() {
        // Each record has one candidate certain to match (40 bits) and one certain not to.
        let per_record = vec![vec![40.0, -40.0]; 100];
        for n_ref in [1_000_000, 14_000_000, 100_000_000] {
            let lambda = estimate_lambda(&per_record, n_ref);
            let expected = 1.0 / n_ref as f64;
            assert!((lambda - expected).abs() < expected * 1e-3, "{n_ref} people: λ {lambda}, not {expected}");
        }
    }
}
