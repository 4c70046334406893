//! Link: for each normalized record, find the reference person it describes —
//! or say there is none. Blocking → comparison levels → Fellegi–Sunter weights
//! (u sampled, m and λ by EM, term-frequency adjusted) → best candidate,
//! margin to the runner-up, class. Parallel over records with rayon.

pub mod blocking;
pub mod compare;
pub mod features;
pub mod group;
pub mod model;
pub mod similarity;

use blocking::{BlockIndex, Rule, RuleStats, Rules, candidates};
use compare::{CompareField, NULL_LEVEL, default_comparisons};
use features::{Features, KeyHasher, KeyMap};
use model::{Model, probability};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The decision for one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchClass {
    Match,
    Review,
    NoMatch,
}

impl MatchClass {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchClass::Match => "match",
            MatchClass::Review => "review",
            MatchClass::NoMatch => "no_match",
        }
    }
}

/// Linker settings; the job's `[link]` table maps onto these one to one.
#[derive(Clone, Debug)]
pub struct LinkSettings {
    pub match_threshold: f64,
    pub review_threshold: f64,
    /// Bits the best candidate must lead the runner-up by to be a match.
    pub min_margin: f64,
    /// A candidate above `review_threshold` that leads a real runner-up by
    /// this many bits is a match too: the evidence singles it out even when a
    /// missing ID keeps its probability below `match_threshold`.
    pub decisive_margin: f64,
    /// Largest block a rule may contribute per record.
    pub max_block: usize,
    /// Bits a candidate from the narrow rules (ID, old ID, date of birth +
    /// given name) needs, with a `decisive_margin` lead, for the broad rules to
    /// be skipped for that record.
    pub broad_rules_below: f64,
    pub seed: u64,
    pub u_samples: usize,
    /// Records sampled for EM.
    pub em_records: usize,
    pub em_max_iterations: u32,
    /// Use this model instead of training.
    pub model: Option<Model>,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings {
            match_threshold: 0.95,
            review_threshold: 0.50,
            min_margin: 3.0,
            decisive_margin: 12.0,
            max_block: 1000,
            broad_rules_below: 20.0,
            seed: 20250701,
            u_samples: 500_000,
            em_records: 30_000,
            em_max_iterations: 100,
            model: None,
        }
    }
}

/// One scored candidate: the weight as a sum of named parts.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    pub ref_idx: u32,
    pub weight: f64,
    pub probability: f64,
    /// Level per comparison (NULL_LEVEL for null).
    pub levels: Vec<u8>,
    /// Weight per comparison including its term-frequency adjustment.
    pub parts: Vec<f64>,
    /// The term-frequency part of each comparison's weight.
    pub tf_parts: Vec<f64>,
}

#[derive(Clone, Debug)]
pub struct RecordLink {
    pub class: MatchClass,
    pub best: Option<Scored>,
    pub runner_up: Option<Scored>,
    pub candidates: u32,
    /// A blocking cap cut this record's candidates.
    pub truncated: bool,
    /// An officer decided this link (see [`Overrides`]), not the model.
    pub by_officer: bool,
    /// The weight of the best candidate after the runner-up: how far the kept pair stands
    /// above the rest (an incremental night reuses a link only with a clear gap).
    pub next_weight: Option<f64>,
    /// The broad rules were asked: the narrow ones found no sure, clear winner.
    pub broad: bool,
    /// `next_weight` leaves out candidates tied with the runner-up at its comparison levels,
    /// behind it in row order (a night may reuse the link only while the extract keeps its order).
    pub row_ties: bool,
}

/// Officers' decisions the linker honours, per (source, record) index: people an officer
/// said are not this record's person are never candidates, and a person an officer said
/// is this record's person is its link (`match`, [`RecordLink::by_officer`]).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Reference rows rejected for the record.
    pub exclude: std::collections::HashMap<(usize, usize), Vec<u32>>,
    /// The reference row confirmed for the record.
    pub force: std::collections::HashMap<(usize, usize), u32>,
    /// Last night's link, for a record nothing it depends on has changed since (see
    /// [`Kept`]): its two candidates are scored again instead of searching the blocks.
    pub keep: std::collections::HashMap<(usize, usize), Kept>,
}

/// A record's best and runner-up reference rows from the last run, how far below them the
/// rest stand at least tonight, and the people added or changed in its blocks since. Reused
/// only when the record and those two people are unchanged: scoring the pair and the
/// newcomers with tonight's model and term frequencies then gives tonight's link (see `kept`).
#[derive(Clone, Debug, PartialEq)]
pub struct Kept {
    pub best: Option<u32>,
    pub runner_up: Option<u32>,
    /// Bits the next candidate stands below the runner-up at least tonight: last night's gap
    /// less the most tonight's term frequencies can have moved them apart.
    pub gap: f32,
    /// Last night's link asked the broad rules. One that did not is kept only while its
    /// blocks hold the very people they held (none added, changed or removed since).
    pub broad: bool,
    /// Tonight's rows of the people added or changed since in the record's blocks.
    pub newcomers: Vec<u32>,
    /// Last night's gap left out candidates tied with the runner-up (see [`RecordLink::row_ties`]).
    pub row_ties: bool,
    /// Last night's candidate count: a narrow-rule link's, tonight's too.
    pub candidates: u32,
    /// Every block the record asks holds the very people it held last night (in the same
    /// order), so its candidates are last night's: `candidates` is tonight's count, and a
    /// block cut at the cap (`truncated`) is cut where it was.
    pub frozen: bool,
    pub truncated: bool,
    /// Per broad block the record asks, how many people left it since (removed or changed):
    /// with the block's newcomers they bound where last night's cut stood in tonight's block.
    /// `None` when that is not known (last night's people, or their order): a block cut
    /// tonight or last night then means a full link.
    pub departed: Option<Vec<((usize, u64), u32)>>,
}

impl RecordLink {
    pub fn margin(&self) -> Option<f64> {
        match (&self.best, &self.runner_up) {
            (Some(b), Some(r)) => Some(b.weight - r.weight),
            _ => None,
        }
    }
}

/// Term frequencies in the reference, per person, for the tf comparisons.
#[derive(Default)]
pub struct TermFrequencies {
    /// Per reference person: frequency of its phonetic name, dob and commune.
    pub name: Vec<f32>,
    pub dob: Vec<f32>,
    pub commune: Vec<f32>,
    /// Per counted value ([`TermFrequencies::keys`]), the people holding it; and how many people.
    counts: [KeyMap<u32>; 3],
    people: u64,
}

impl TermFrequencies {
    pub fn build(people: &[Features]) -> TermFrequencies {
        let keys: Vec<[Option<u64>; 3]> = people.iter().map(TermFrequencies::keys).collect();
        let counts: [KeyMap<u32>; 3] = std::array::from_fn(|t| {
            let mut m: KeyMap<u32> = KeyMap::default();
            for k in keys.iter().filter_map(|k| k[t]) {
                *m.entry(k).or_default() += 1;
            }
            m
        });
        let n = people.len() as u64;
        let per_person = |t: usize| -> Vec<f32> { keys.iter().map(|k| k[t].map_or(0.0, |k| TermFrequencies::frequency(counts[t][&k] as u64, n))).collect() };
        TermFrequencies { name: per_person(0), dob: per_person(1), commune: per_person(2), counts, people: n }
    }

    /// The frequencies of a record's own three values in the extract (0 where it has none or
    /// no person holds it). A comparison at a tf level reads the candidate's frequency, and a
    /// tf level means the candidate holds the record's value (same phonetic name, same date
    /// of birth, same commune), so these are what every tf-level candidate of the record reads.
    pub fn of_record(&self, f: &Features) -> [f32; 3] {
        let k = TermFrequencies::keys(f);
        std::array::from_fn(|t| k[t].and_then(|k| self.counts[t].get(&k)).map_or(0.0, |&c| TermFrequencies::frequency(c as u64, self.people)))
    }

    /// The most the frequencies of a record's values moving from `then` to `now` (as
    /// [`TermFrequencies::of_record`] gives them) can move its candidates' weights apart.
    /// A candidate at a tf level holds the record's own value, so every such candidate reads the
    /// record's value's frequency, and its weight moves by the change of log2 of it (less where
    /// the ±10-bit bound cuts); a candidate at another level does not move. A value no person
    /// held on one night and some do on the other may move anything: no bound.
    pub fn shift(then: [f32; 3], now: [f32; 3]) -> f64 {
        then.iter()
            .zip(now)
            .map(|(&a, b)| match (a > 0.0, b > 0.0) {
                (true, true) => (b as f64 / a as f64).log2().abs(),
                (false, false) => 0.0,
                _ => f64::INFINITY,
            })
            .sum()
    }

    /// A person's three counted values (phonetic name, date of birth, commune), hashed: the
    /// keys an engine that shards the reference counts to give [`TermFrequencies::frequency`].
    pub fn keys(f: &Features) -> [Option<u64>; 3] {
        [
            f.has_name().then(|| KeyHasher::new(1).bytes(f.name.phonetic().as_bytes()).finish()),
            f.dob.map(|d| KeyHasher::new(2).u64(d.year as u64).u64(d.month as u64).u64(d.day as u64).finish()),
            f.commune.as_ref().map(|c| KeyHasher::new(3).bytes(c.as_bytes()).finish()),
        ]
    }

    /// A value's frequency from its count among `people` (as `build` computes it, to the bit).
    pub fn frequency(count: u64, people: u64) -> f32 {
        count as f32 / people.max(1) as f32
    }

    /// The frequency table a comparison's tf levels read, by the field it compares.
    fn table(&self, field: CompareField) -> Option<&[f32]> {
        match field {
            CompareField::Name => Some(&self.name),
            CompareField::Dob => Some(&self.dob),
            CompareField::Commune => Some(&self.commune),
            CompareField::Sex | CompareField::PersonId | CompareField::OldId => None,
        }
    }
}

/// The reference side of linking, built once per extract.
pub struct LinkIndex<'a> {
    pub people: &'a [Features],
    pub blocks: BlockIndex,
    pub tf: TermFrequencies,
    /// Per reference person: its personal ID stands on more than one row of the extract
    /// (rows appended twice, a mistyped ID). Links to such a person are at most `review`.
    pub shared_id: Vec<bool>,
}

impl<'a> LinkIndex<'a> {
    pub fn build(people: &'a [Features]) -> Self {
        let (blocks, tf) = rayon::join(|| BlockIndex::build(people, &Rule::ALL), || TermFrequencies::build(people));
        let shared_id = shared_ids(people, &blocks);
        LinkIndex { people, blocks, tf, shared_id }
    }
}

/// Which people share their personal ID with another row of the extract: within each
/// personal-ID block of more than one person (few), the rows compared by the ID itself — the
/// blocking hash may collide, which costs blocking a candidate but would here call two people one.
fn shared_ids(people: &[Features], blocks: &BlockIndex) -> Vec<bool> {
    let mut shared = vec![false; people.len()];
    let id = |j: &u32| people[*j as usize].person_id.as_deref();
    for block in blocks.shared_blocks(Rule::PersonId) {
        let mut rows = block.to_vec();
        rows.sort_unstable_by_key(id);
        for run in rows.chunk_by(|a, b| id(a) == id(b)).filter(|run| run.len() > 1) {
            run.iter().for_each(|&j| shared[j as usize] = true);
        }
    }
    shared
}

/// The link stage's output: per source, one link per record in order, and what the
/// stage learned on the way.
pub struct Linked {
    pub records: Vec<Vec<RecordLink>>,
    pub summary: LinkSummary,
}

/// The model and the blocking figures of a link run (for assess and the outputs).
pub struct LinkSummary {
    pub model: Model,
    pub rules: Vec<RuleStats>,
    pub largest_reference_blocks: Vec<(String, usize)>,
    /// Reference rows whose personal ID another row also has.
    pub reference_shared_id_rows: u64,
    /// Per reference person, as [`LinkIndex::shared_id`].
    pub shared_id: Vec<bool>,
    /// Records whose last-night link was reused ([`Overrides::keep`]).
    pub reused: u64,
    /// Records that asked the broad rules (the narrow ones found no sure winner).
    pub broad_asked: u64,
}

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

fn weight_table(model: &Model) -> Vec<Vec<f64>> {
    (0..model.comparisons.len()).map(|c| (0..model.m[c].len()).map(|l| model.level_weight(c, l as u8)).collect()).collect()
}

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
    let count = |pick: &dyn Fn(bool, bool) -> bool| -> Vec<(Vec<u8>, u64)> {
        let mut m: std::collections::BTreeMap<Vec<u8>, u64> = Default::default();
        for (levels, a, b) in per_record.iter().flatten() {
            if pick(*a, *b) {
                *m.entry(levels.clone()).or_default() += 1;
            }
        }
        m.into_iter().collect()
    };
    // Session 1: pairs sharing the personal ID train every comparison but the ID.
    let all_but_id: Vec<usize> = vec![c_id];
    model.train_session("same_person_id", &count(&|a, _| a), &all_but_id, &[], settings.em_max_iterations, EM_TOLERANCE);
    // Session 2: pairs sharing date of birth and given name train the ID (and anything
    // session 1 could not), ignoring name and date of birth. What session 1 trained (sex,
    // commune, old ID) stays in the E-step at its m, as in Splink: one comparison alone
    // does not identify its m.
    let trained_1: Vec<String> = model.training.sessions[0].trained.clone();
    let fixed_2: Vec<usize> =
        (0..model.comparisons.len()).filter(|&c| c != c_id && c != c_name && c != c_dob && trained_1.contains(&model.comparisons[c].name)).collect();
    model.train_session("same_dob_and_given_name", &count(&|_, b| b), &[c_name, c_dob], &fixed_2, settings.em_max_iterations, EM_TOLERANCE);
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
                for_each_prefetched(&index.people, cands, |j| pairs.push(per_pair(f, &index.people[j as usize])));
                pairs
            },
        )
        .collect()
}

/// The comparison levels of every candidate pair of the sample, with whether the pair shares
/// the personal ID, and date of birth and given name.
#[allow(clippy::type_complexity)]
fn sample_pairs(index: &LinkIndex, records: &[&Features], settings: &LinkSettings, model: &Model) -> Vec<Vec<(Vec<u8>, bool, bool)>> {
    sample_map(index, records, settings, |f, p| {
        let levels: Vec<u8> = model.comparisons.iter().map(|c| c.level(f, p)).collect();
        let same_id = f.person_id.is_some() && f.person_id == p.person_id;
        let same_dob_given =
            f.dob.is_some_and(|d| d.day != 0) && f.dob == p.dob && !f.name.phonetic_given().is_empty() && f.name.phonetic_given() == p.name.phonetic_given();
        (levels, same_id, same_dob_given)
    })
}

/// Each sampled pair's weight without the prior (the sum of its levels' weights; a null
/// level weighs nothing), per record.
fn pair_weights(model: &Model, per_record: &[Vec<(Vec<u8>, bool, bool)>]) -> Vec<Vec<f64>> {
    let weights = weight_table(model);
    per_record.iter().map(|pairs| pairs.iter().map(|(levels, _, _)| levels_weight(&weights, levels.iter().copied())).collect()).collect()
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

/// Links every record of every source against the index.
pub fn run(index: &LinkIndex, sources: &[Vec<Features>], settings: &LinkSettings, overrides: &Overrides) -> Linked {
    let all: Vec<&Features> = sources.iter().flatten().collect();
    let model = model_for(index, &all, settings, index.people.len());
    tracing::debug!(loaded = settings.model.is_some(), "model ready");
    let scorer = Scorer::new(&model, &index.tf);
    let nrules = index.blocks.rules.len();
    let mut rules: Vec<RuleStats> = index.blocks.rules.iter().map(|r| RuleStats { rule: r.as_str(), ..Default::default() }).collect();
    let mut records = Vec::with_capacity(sources.len());
    const CHUNK: usize = 2048;
    for (s, src) in sources.iter().enumerate() {
        let (links, stats): (Vec<RecordLink>, Vec<Vec<RuleStats>>) = src
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut stats = vec![RuleStats::default(); nrules];
                let mut cands = Scratch::default();
                let mut uncounted = vec![RuleStats::default(); nrules];
                let links: Vec<RecordLink> = chunk
                    .iter()
                    .enumerate()
                    .map(|(k, f)| {
                        let at = (s, c * CHUNK + k);
                        let excluded = overrides.exclude.get(&at).map_or(&[][..], Vec::as_slice);
                        let link = match overrides.keep.get(&at) {
                            Some(k) if excluded.is_empty() => kept(index, &scorer, settings, f, k, &mut cands, &mut stats, &mut uncounted),
                            _ => link_one(index, &scorer, settings, f, &mut stats, &mut cands, excluded),
                        };
                        match overrides.force.get(&at) {
                            Some(&j) => confirmed(index, &scorer, f, j, link),
                            None => link,
                        }
                    })
                    .collect();
                (links, stats)
            })
            .fold(
                || (Vec::new(), Vec::new()),
                |mut acc, (l, s)| {
                    acc.0.extend(l);
                    acc.1.push(s);
                    acc
                },
            )
            .reduce(
                || (Vec::new(), Vec::new()),
                |mut a, b| {
                    a.0.extend(b.0);
                    a.1.extend(b.1);
                    a
                },
            );
        for s in stats {
            for (acc, x) in rules.iter_mut().zip(s) {
                acc.pairs += x.pairs;
                acc.records_with_key += x.records_with_key;
                acc.largest_block = acc.largest_block.max(x.largest_block);
                acc.truncated_blocks += x.truncated_blocks;
            }
        }
        records.push(links);
    }
    let largest_reference_blocks = index.blocks.rules.iter().zip(index.blocks.largest_blocks()).map(|(r, n)| (r.as_str().to_string(), n)).collect();
    let reference_shared_id_rows = index.shared_id.iter().filter(|&&x| x).count() as u64;
    let reused = overrides.keep.len() as u64;
    let broad_asked = records.iter().flatten().filter(|l| l.broad).count() as u64;
    let summary = LinkSummary { model, rules, largest_reference_blocks, reference_shared_id_rows, shared_id: index.shared_id.clone(), reused, broad_asked };
    Linked { records, summary }
}

/// What the hot loop needs, looked up once per run instead of once per pair.
struct Scorer<'a> {
    model: &'a Model,
    weights: Vec<Vec<f64>>,
    prior: f64,
    /// Per comparison, the reference's term-frequency table if any level uses it.
    tf: Vec<Option<&'a [f32]>>,
}

impl<'a> Scorer<'a> {
    fn new(model: &'a Model, tf: &'a TermFrequencies) -> Self {
        Scorer {
            model,
            weights: weight_table(model),
            prior: model.prior_weight(),
            tf: model.comparisons.iter().map(|c| if c.levels.iter().any(|l| l.tf) { tf.table(c.field) } else { None }).collect(),
        }
    }

    /// Level of comparison `c` for a pair, its weight and the term-frequency part of it.
    #[inline]
    fn part(&self, c: usize, a: &Features, j: u32, b: &Features) -> (u8, f64, f64) {
        let comp = &self.model.comparisons[c];
        let l = comp.level(a, b);
        if l == NULL_LEVEL {
            return (l, 0.0, 0.0);
        }
        let tf = match self.tf[c] {
            Some(t) if comp.levels[l as usize].tf => self.model.tf_adjustment(c, l, t[j as usize] as f64),
            _ => 0.0,
        };
        (l, self.weights[c][l as usize] + tf, tf)
    }

    /// The weight of a pair without building its explanation: the hot loop.
    #[inline]
    fn weight(&self, a: &Features, j: u32, b: &Features) -> f64 {
        self.prior + (0..self.weights.len()).map(|c| self.part(c, a, j, b).1).sum::<f64>()
    }

    /// The weight of a pair as a sum of named parts (for the two best candidates).
    fn explain(&self, a: &Features, j: u32, b: &Features) -> Scored {
        let parts: Vec<(u8, f64, f64)> = (0..self.weights.len()).map(|c| self.part(c, a, j, b)).collect();
        let weight = self.prior + parts.iter().map(|p| p.1).sum::<f64>();
        Scored {
            ref_idx: j,
            weight,
            probability: probability(weight),
            levels: parts.iter().map(|p| p.0).collect(),
            parts: parts.iter().map(|p| p.1).collect(),
            tf_parts: parts.iter().map(|p| p.2).collect(),
        }
    }
}

/// Candidates ahead of the one being scored whose features are asked for early: the
/// reference's features are gigabytes, and each candidate's are a cache miss (perf at 10M: a
/// third of the kept-link check's CPU in the first read of a candidate's fields).
const PREFETCH_AHEAD: usize = 8;

/// Calls `score` on every row of `rows` in order, asking the CPU to start loading the
/// features of the row [`PREFETCH_AHEAD`] places on, and the name of the one half as far.
#[inline]
fn for_each_prefetched(people: &[Features], rows: &[u32], mut score: impl FnMut(u32)) {
    for (k, &j) in rows.iter().enumerate() {
        if let Some(&ahead) = rows.get(k + PREFETCH_AHEAD) {
            prefetch(people.get(ahead as usize), std::mem::size_of::<Features>());
        }
        if let Some(&near) = rows.get(k + PREFETCH_AHEAD / 2) {
            // By now this row's features are (most likely) in cache: the name's address is known.
            let name = people.get(near as usize).map(|p| p.name.full().as_bytes());
            prefetch(name.and_then(|n| n.first()), name.map_or(0, <[u8]>::len));
        }
        score(j);
    }
}

/// A hint to load the `len` bytes at `at` into the cache; it reads nothing and cannot fault.
#[inline(always)]
fn prefetch<T>(at: Option<&T>, len: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(at) = at {
        let base = at as *const T as *const i8;
        for line in (0..len).step_by(64) {
            // SAFETY: PREFETCH is a hint: it never faults, even past the end of an allocation,
            // and changes no memory; `wrapping_add` keeps the address arithmetic defined.
            unsafe { std::arch::x86_64::_mm_prefetch(base.wrapping_add(line), std::arch::x86_64::_MM_HINT_T0) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (at, len);
}

fn link_one(index: &LinkIndex, scorer: &Scorer, s: &LinkSettings, f: &Features, stats: &mut [RuleStats], cands: &mut Scratch, excluded: &[u32]) -> RecordLink {
    let found = search(index, scorer, s, f, stats, cands, excluded, BroadPeople::Scored);
    let top = found.top;
    let mut link = link_of(index, scorer, s, f, found);
    (link.next_weight, link.row_ties) = next_after_pair(index, scorer, f, &top, &cands.scored);
    link
}

/// The best weight among the candidates after the best two, leaving out those tied with the
/// runner-up at its very comparison levels: they weigh what it weighs on every night (the same
/// parts, the record's own value's frequency) and stand behind it in row order, so they never
/// pass it while the extract keeps its order. Also whether any was left out.
fn next_after_pair(index: &LinkIndex, scorer: &Scorer, f: &Features, top: &Top, scored: &[(f64, u32)]) -> (Option<f64>, bool) {
    let (best, runner_up) = (top[0].1, top[1].1);
    if runner_up == u32::MAX {
        return (None, false);
    }
    let levels = |j: u32| scorer.explain(f, j, &index.people[j as usize]).levels;
    let mut runner_up_levels = None;
    let (mut next, mut row_ties) = (f64::NEG_INFINITY, false);
    for &(w, j) in scored {
        if j == best || j == runner_up {
            continue;
        }
        if w == top[1].0 && j > runner_up && levels(j) == *runner_up_levels.get_or_insert_with(|| levels(runner_up)) {
            row_ties = true;
            continue;
        }
        next = next.max(w);
    }
    ((next > f64::NEG_INFINITY).then_some(next), row_ties)
}

/// A record's link from its scored candidates: the best, the runner-up and the class.
fn link_of(index: &LinkIndex, scorer: &Scorer, s: &LinkSettings, f: &Features, Search { top, count, truncated, broad }: Search) -> RecordLink {
    let explain = |(w, j): (f64, u32)| (j != u32::MAX && w > f64::NEG_INFINITY).then(|| scorer.explain(f, j, &index.people[j as usize]));
    let best = explain(top[0]);
    let second = explain(top[1]);
    // A cut block, or a best person whose ID another reference row shares: the right
    // person may be one not looked at, or the other row.
    let unsure = truncated || best.as_ref().is_some_and(|b| index.shared_id[b.ref_idx as usize]);
    let class = decide(best.as_ref().map(|b| (b.probability, b.weight)), second.as_ref().map(|r| r.weight), unsure, s);
    let next_weight = (top[2].1 != u32::MAX && top[2].0 > f64::NEG_INFINITY).then_some(top[2].0);
    RecordLink { class, best, runner_up: second, candidates: count as u32, truncated, by_officer: false, next_weight, broad, row_ties: false }
}

/// The three best (weight, reference row) of a record so far, best first.
pub(crate) type Top = [(f64, u32); 3];
/// No candidate yet.
pub(crate) const NO_TOP: Top = [(f64::NEG_INFINITY, u32::MAX); 3];

/// Keeps the three best without allocating; ties go to the lower row, so the result does
/// not depend on the order candidates come in.
pub(crate) fn keep_top<J: Copy + PartialOrd>(top: &mut [(f64, J); 3], w: f64, j: J) {
    let above = |t: (f64, J)| w > t.0 || (w == t.0 && j < t.1);
    if above(top[0]) {
        top[2] = top[1];
        top[1] = top[0];
        top[0] = (w, j);
    } else if above(top[1]) {
        top[2] = top[1];
        top[1] = (w, j);
    } else if above(top[2]) {
        top[2] = (w, j);
    }
}

/// The broad rules are skipped when the narrow ones found a sure, clear winner.
pub(crate) fn narrow_is_sure<J>(top: &[(f64, J); 3], s: &LinkSettings) -> bool {
    top[0].0 >= s.broad_rules_below && top[0].0 - top[1].0 >= s.decisive_margin
}

/// What a search does with the people of the broad rules' blocks, when it asks them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BroadPeople {
    Scored,
    /// Counted only (a kept link: last night's pair stands above them).
    Counted,
    /// Not even gathered (a kept link whose blocks hold last night's people: its count is known).
    Skipped,
}

/// What one record's blocks hold: the three best (weight, row), how many people were looked
/// at and whether a cap cut a block.
struct Search {
    top: Top,
    count: usize,
    truncated: bool,
    /// The broad rules were asked.
    broad: bool,
}

/// One linking thread's reusable buffers: the narrow and broad rules' candidate rows, and
/// every scored candidate's (weight, row).
#[derive(Default)]
struct Scratch {
    narrow: Vec<u32>,
    broad: Vec<u32>,
    scored: Vec<(f64, u32)>,
}

/// The narrow rules' people, scored; the broad rules' too when the narrow ones found no sure,
/// clear winner — scored only with `score_broad` (a kept link needs their number, not their
/// weights). `scratch.scored` holds every scored candidate.
#[allow(clippy::too_many_arguments)]
fn search(
    index: &LinkIndex,
    scorer: &Scorer,
    s: &LinkSettings,
    f: &Features,
    stats: &mut [RuleStats],
    scratch: &mut Scratch,
    excluded: &[u32],
    broad_people: BroadPeople,
) -> Search {
    let Scratch { narrow, broad, scored } = scratch;
    scored.clear();
    let mut top = NO_TOP;
    let mut consider = |top: &mut Top, j: u32| {
        if !excluded.contains(&j) {
            let w = scorer.weight(f, j, &index.people[j as usize]);
            scored.push((w, j));
            keep_top(top, w, j);
        }
    };
    let mut truncated = candidates(&index.blocks, f, Rules::Narrow, s.max_block, stats, narrow);
    for_each_prefetched(&index.people, narrow, |j| consider(&mut top, j));
    let mut count = narrow.len();
    let broad_asked = !narrow_is_sure(&top, s);
    if broad_asked && broad_people != BroadPeople::Skipped {
        truncated |= candidates(&index.blocks, f, Rules::Broad, s.max_block, stats, broad);
        // Only the people the narrow rules did not bring: scored, or only counted.
        broad.retain(|j| narrow.binary_search(j).is_err());
        count += broad.len();
        if broad_people == BroadPeople::Scored {
            for_each_prefetched(&index.people, broad, |j| consider(&mut top, j));
        }
    }
    Search { top, count, truncated, broad: broad_asked }
}

/// Last night's link brought up to date. A link the narrow rules made: see `kept_narrow`.
/// Else the narrow rules' people are scored again as `link_one` does: when they hold a sure
/// winner tonight, they are the link (the broad rules are not asked); when a block is cut at
/// the cap tonight (and the record's blocks are not last night's very people), the record is
/// linked in full. Else the best two of last night's pair, the narrow rules' best and the
/// people added or changed in its blocks since, all scored tonight, are the link: every other
/// candidate stood below the pair by more than tonight's term frequencies can move it (the
/// reuse check's gap), and is only counted (one removed from the extract leaves a block
/// smaller) — or not even gathered, when its blocks hold last night's people (`frozen`).
/// Blocking statistics count the pairs compared, and the reused ones were not: `uncounted` takes them.
#[allow(clippy::too_many_arguments)]
fn kept(
    index: &LinkIndex,
    scorer: &Scorer,
    s: &LinkSettings,
    f: &Features,
    k: &Kept,
    cands: &mut Scratch,
    stats: &mut [RuleStats],
    uncounted: &mut [RuleStats],
) -> RecordLink {
    if !k.broad {
        return kept_narrow(index, scorer, s, f, k, cands, stats);
    }
    let found = search(index, scorer, s, f, uncounted, cands, &[], if k.frozen { BroadPeople::Skipped } else { BroadPeople::Counted });
    if !found.broad {
        return link_of(index, scorer, s, f, found);
    }
    // Blocks that hold last night's people hold last night's count, cut where it was cut.
    let (count, truncated) = if k.frozen { (k.candidates as usize, k.truncated) } else { (found.count, found.truncated) };
    let cut = !k.frozen && (found.truncated || k.truncated);
    let beyond = if cut {
        match beyond_last_cut(index, s, f, k) {
            Some(rows) => rows,
            None => return link_one(index, scorer, s, f, stats, cands, &[]),
        }
    } else {
        Vec::new()
    };
    let weight = |j: u32| scorer.weight(f, j, &index.people[j as usize]);
    // Last night's pair tonight: the rest of last night's candidates stand `gap` below its lower one.
    let pair: Vec<u32> = [k.best, k.runner_up].into_iter().flatten().collect();
    let mut rows: Vec<u32> =
        pair.iter().copied().chain(found.top.iter().map(|t| t.1).filter(|&j| j != u32::MAX)).chain(k.newcomers.iter().copied()).chain(beyond).collect();
    if cut {
        // Only tonight's candidates count: a cut leaves out the newcomers beyond it, and may
        // push last night's pair out.
        let candidate = |j: &u32| cands.narrow.binary_search(j).is_ok() || cands.broad.binary_search(j).is_ok();
        if !pair.iter().all(candidate) {
            return link_one(index, scorer, s, f, stats, cands, &[]);
        }
        rows.retain(candidate);
    }
    let floor = pair.iter().map(|&j| weight(j)).reduce(f64::min).map_or(f64::NEG_INFINITY, |w| w - k.gap as f64);
    rows.sort_unstable();
    rows.dedup();
    let mut top = NO_TOP;
    for j in rows {
        keep_top(&mut top, weight(j), j);
    }
    // The third place is the better of the scored third and the bound on the rest.
    if top[2].0 < floor {
        top[2] = (floor, u32::MAX - 1);
    }
    if runner_up_moved(k, &top) {
        return link_one(index, scorer, s, f, stats, cands, &[]);
    }
    reused_link(index, scorer, s, f, k, Search { top, count, truncated, broad: true })
}

/// The people inside tonight's cuts of the record's broad blocks who may have stood beyond last
/// night's (never scored against it). In a block, an unchanged person stood last night where it
/// stands tonight, less the newcomers before it, plus at most the people who left the block:
/// whoever that bound does not put inside last night's cut is scored again. `None` when who
/// left is not known.
fn beyond_last_cut(index: &LinkIndex, s: &LinkSettings, f: &Features, k: &Kept) -> Option<Vec<u32>> {
    let departed = k.departed.as_ref()?;
    let is_new = |j: &u32| k.newcomers.binary_search(j).is_ok();
    let mut out = Vec::new();
    for (ri, key) in blocking::asked_keys(&index.blocks.rules, f) {
        let Some(block) = index.blocks.block(ri, key).filter(|_| blocking::is_broad(index.blocks.rules[ri])) else { continue };
        let left = departed.iter().find(|(b, _)| *b == (ri, key)).map_or(0, |d| d.1 as usize);
        let new_here = block.iter().filter(|j| is_new(j)).count();
        if block.len() - new_here + left <= s.max_block {
            continue; // last night's block was whole
        }
        let mut new_before = 0;
        for (place, j) in block.iter().take(s.max_block).enumerate() {
            if is_new(j) {
                new_before += 1;
            } else if place - new_before + left >= s.max_block {
                out.push(*j);
            }
        }
    }
    Some(out)
}

/// Candidates tied with last night's runner-up at its levels stand right behind it: only while
/// it is still the runner-up are they where the full search would put them.
fn runner_up_moved(k: &Kept, top: &Top) -> bool {
    k.row_ties && k.runner_up != Some(top[1].1)
}

/// A kept link's pair and bound, scored tonight, as the record's link.
fn reused_link(index: &LinkIndex, scorer: &Scorer, s: &LinkSettings, f: &Features, k: &Kept, found: Search) -> RecordLink {
    let mut link = link_of(index, scorer, s, f, found);
    link.row_ties = k.row_ties;
    link
}

/// A link the narrow rules made last night, whose blocks hold the same people tonight: last
/// night's pair scored tonight is the link, the rest of its candidates standing `gap` below
/// it, unless tonight the pair is no longer a sure winner (the broad rules would be asked) or
/// row ties no longer stand behind the runner-up: then the record is linked in full.
fn kept_narrow(index: &LinkIndex, scorer: &Scorer, s: &LinkSettings, f: &Features, k: &Kept, cands: &mut Scratch, stats: &mut [RuleStats]) -> RecordLink {
    let mut top = NO_TOP;
    for j in [k.best, k.runner_up].into_iter().flatten() {
        keep_top(&mut top, scorer.weight(f, j, &index.people[j as usize]), j);
    }
    if k.runner_up.is_some() && k.gap.is_finite() {
        top[2] = (top[1].0 - k.gap as f64, u32::MAX - 1);
    }
    if !narrow_is_sure(&top, s) || runner_up_moved(k, &top) {
        return link_one(index, scorer, s, f, stats, cands, &[]);
    }
    reused_link(index, scorer, s, f, k, Search { top, count: k.candidates as usize, truncated: k.truncated, broad: false })
}

/// The link an officer confirmed: reference row `j`, a match whatever its weight, with the
/// model's best other candidate as the runner-up.
fn confirmed(index: &LinkIndex, scorer: &Scorer, f: &Features, j: u32, model: RecordLink) -> RecordLink {
    let best = scorer.explain(f, j, &index.people[j as usize]);
    let runner_up = [model.best, model.runner_up].into_iter().flatten().find(|c| c.ref_idx != j);
    RecordLink {
        class: MatchClass::Match,
        best: Some(best),
        runner_up,
        candidates: model.candidates,
        truncated: model.truncated,
        by_officer: true,
        next_weight: model.next_weight,
        broad: model.broad,
        row_ties: model.row_ties,
    }
}

/// The class of a record from its best candidate (probability, weight), the runner-up's
/// weight and whether the link is `unsure` (a cut block, an ID two reference rows share). A match needs a lead over the runner-up that
/// shrinks as the probability grows: `decisive_margin` at `review_threshold`, `min_margin`
/// at `match_threshold` and above, in a straight line between. Monotone: more probability
/// or a larger lead never lowers the class, and a lone candidate leads by any margin. A
/// record whose block was cut at `max_block` is at most `review`: the right person may be
/// in the part left out.
pub fn decide(best: Option<(f64, f64)>, runner_up: Option<f64>, unsure: bool, s: &LinkSettings) -> MatchClass {
    let Some((probability, weight)) = best else { return MatchClass::NoMatch };
    let lead = runner_up.map_or(f64::INFINITY, |r| weight - r);
    let span = (s.match_threshold - s.review_threshold).max(f64::EPSILON);
    let short_of_match = ((s.match_threshold - probability) / span).clamp(0.0, 1.0);
    let needed = s.min_margin + (s.decisive_margin - s.min_margin) * short_of_match;
    let matched = probability >= s.review_threshold && lead >= needed;
    if matched && !unsure {
        MatchClass::Match
    } else if probability >= s.review_threshold {
        MatchClass::Review
    } else {
        MatchClass::NoMatch
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

    #[test]
    fn the_class_never_rises_when_a_runner_up_appears() {
        let s = LinkSettings::default();
        let p = (s.review_threshold + s.match_threshold) / 2.0; // between the thresholds
        let w = 0.0;
        let alone = decide(Some((p, w)), None, false, &s);
        let far = decide(Some((p, w)), Some(w - s.decisive_margin - 1.0), false, &s);
        let near = decide(Some((p, w)), Some(w - 1.0), false, &s);
        assert_eq!(far, MatchClass::Match);
        assert_eq!(alone, MatchClass::Match, "a lone candidate leads by more than any runner-up");
        assert_eq!(near, MatchClass::Review);
        // The lead needed falls from decisive_margin to min_margin as the probability rises.
        let halfway = (s.min_margin + s.decisive_margin) / 2.0;
        assert_eq!(decide(Some((p, w)), Some(w - halfway - 0.01), false, &s), MatchClass::Match);
        assert_eq!(decide(Some((p, w)), Some(w - halfway + 0.01), false, &s), MatchClass::Review);
        for lead in [0.0, 2.0, 3.5, 6.0, 9.0, 13.0] {
            let mut last = MatchClass::NoMatch;
            for k in 0..=20 {
                let c = decide(Some((k as f64 / 20.0, w)), Some(w - lead), false, &s);
                assert!(rank(c) >= rank(last), "lead {lead}: class fell as the probability rose");
                last = c;
            }
        }
        assert_eq!(decide(Some((0.99, 20.0)), None, false, &s), MatchClass::Match);
        assert_eq!(decide(Some((0.1, -5.0)), None, false, &s), MatchClass::NoMatch);
    }

    fn rank(c: MatchClass) -> u8 {
        match c {
            MatchClass::NoMatch => 0,
            MatchClass::Review => 1,
            MatchClass::Match => 2,
        }
    }

    #[test]
    fn only_people_whose_id_really_repeats_share_it() {
        let mut r = crate::rng::Rng::new(3);
        let mut ids: Vec<String> = (0..300_000).map(|_| format!("064{:09}", r.below(1_000_000_000))).collect();
        ids.sort();
        ids.dedup();
        let n = ids.len();
        ids.push(ids[10].clone()); // one row appended twice
        let people: Vec<Features> = ids.into_iter().map(|id| Features { person_id: Some(id.into()), ..Default::default() }).collect();
        let shared = shared_ids(&people, &BlockIndex::build(&people, &Rule::ALL));
        assert_eq!(shared.iter().filter(|&&x| x).count(), 2, "distinct IDs never share, whatever their hashes");
        assert!(shared[10] && shared[n]);
    }

    /// Person `i` of a test population: 120 names, each on people born in different years and communes.
    fn person(i: u32) -> Features {
        let (family, middle, given) = (["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng"], ["Văn", "Thị", "Minh", "Đức"], ["An", "Bình", "Cường", "Dung", "Hà", "Lan"]);
        let i = i as usize;
        let mut f = Features::from_name(&format!("{} {} {}", family[i % 5], middle[(i / 5) % 4], given[(i / 20) % 6]));
        f.dob = Some(crate::calendar::PartialDate::ymd(1950 + (i / 120) as i32, 1 + (i % 12) as u8, 1 + (i % 28) as u8));
        f.commune = Some(format!("{:05}", i % 3).into());
        f
    }

    /// The class, people, weights and candidate count of a link: what a reused link must equal.
    fn outcome(l: &RecordLink) -> (MatchClass, Option<(u32, f64)>, Option<(u32, f64)>, u32, bool) {
        (l.class, l.best.as_ref().map(|x| (x.ref_idx, x.weight)), l.runner_up.as_ref().map(|x| (x.ref_idx, x.weight)), l.candidates, l.truncated)
    }

    /// A kept link whose block is cut at the cap gives the full night's link when people before
    /// the cut left since (one who stood beyond last night's cut is now inside it) and newcomers
    /// stand beyond tonight's cut (they are no candidates, however well they score).
    #[test]
    fn a_kept_link_in_a_cut_block_links_as_a_full_night() {
        use crate::normalize::sex::Sex;
        let namesake = |name: &str, sex: Option<Sex>| Features { sex, commune: Some("00009".into()), ..Features::from_name(name) };
        // 80 namesakes in one commune after 3,000 others; blocks are cut at 50. Among the first 50,
        // two of unknown sex (the best, written with marks: the record's name is common written as
        // it is, which weighs less; and the runner-up), the rest men. At namesake 70, a woman
        // written with marks: a better candidate, beyond last night's cut.
        let (first, cap) = (3000u32, 50usize);
        let mut before: Vec<Features> = (0..first).map(person).collect();
        before.extend((0..80).map(|i| match i {
            5 => namesake("Nguyễn Văn An", None),
            7 => namesake("Nguyen Van An", None),
            70 => namesake("Nguyễn Văn An", Some(Sex::Female)),
            _ => namesake("Nguyen Van An", Some(Sex::Male)),
        }));
        // Tonight 30 of the men before the cut are gone, and two namesakes who weigh what the
        // woman weighs join at the end of the extract, beyond tonight's cut.
        let gone = (first + 10)..(first + 40);
        let mut after: Vec<Features> = before.iter().enumerate().filter(|(j, _)| !gone.contains(&(*j as u32))).map(|(_, f)| f.clone()).collect();
        after.extend((0..2).map(|_| namesake("Nguyễn Văn An", Some(Sex::Female))));
        let tonight = |j: u32| if j < gone.start { j } else { j - gone.len() as u32 };
        let newcomers: Vec<u32> = ((after.len() - 2) as u32..after.len() as u32).collect();
        let record = namesake("Nguyen Van An", Some(Sex::Female));
        let mut records: Vec<Features> = (0..first).step_by(11).map(person).collect();
        records.push(record.clone());
        let (index1, index2) = (LinkIndex::build(&before), LinkIndex::build(&after));
        let mut s = LinkSettings { max_block: cap, u_samples: 20_000, em_records: 200, ..Default::default() };
        s.model = Some(run(&index1, &[records.clone()], &s, &Overrides::default()).summary.model);
        let night1 = run(&index1, &[vec![record.clone()]], &s, &Overrides::default()).records.remove(0).remove(0);
        let full = run(&index2, &[vec![record.clone()]], &s, &Overrides::default()).records.remove(0).remove(0);
        let people = |l: &RecordLink| (l.best.as_ref().map(|b| b.ref_idx), l.runner_up.as_ref().map(|b| b.ref_idx));
        assert!(night1.truncated && night1.broad && people(&night1) == (Some(first + 5), Some(first + 7)), "last night: the two before the cut");
        assert_eq!(people(&full), (Some(tonight(first + 70)), Some(first + 5)), "tonight: the woman, now inside the cut, first");
        let gap = night1.runner_up.as_ref().unwrap().weight
            - night1.next_weight.unwrap()
            - TermFrequencies::shift(index1.tf.of_record(&record), index2.tf.of_record(&record));
        assert!(gap > 1e-3, "the rest stood far enough below the pair to be reused: {gap}");
        // Who left each of the record's broad blocks, as the reuse check counts them.
        let rules = &index2.blocks.rules;
        let asked = blocking::asked_keys(rules, &record);
        let left = |k: &(usize, u64)| gone.clone().filter(|&j| blocking::person_keys(rules, &before[j as usize]).contains(k)).count() as u32;
        let departed: Vec<((usize, u64), u32)> =
            asked.iter().filter(|(r, _)| blocking::is_broad(rules[*r])).map(|k| (*k, left(k))).filter(|d| d.1 > 0).collect();
        assert!(!departed.is_empty());
        let kept = |departed: Vec<((usize, u64), u32)>| {
            let mut overrides = Overrides::default();
            let (best, runner_up) = (night1.best.as_ref().map(|b| tonight(b.ref_idx)), night1.runner_up.as_ref().map(|b| tonight(b.ref_idx)));
            let k = Kept {
                best,
                runner_up,
                gap: gap as f32,
                broad: true,
                newcomers: newcomers.clone(),
                row_ties: night1.row_ties,
                candidates: night1.candidates,
                frozen: false,
                truncated: true,
                departed: Some(departed),
            };
            overrides.keep.insert((0, 0), k);
            run(&index2, &[vec![record.clone()]], &s, &overrides).records.remove(0).remove(0)
        };
        assert_eq!(outcome(&kept(departed.clone())), outcome(&full));
        assert_ne!(outcome(&kept(Vec::new())), outcome(&full), "told nobody left, the reused link misses the woman now inside the cut");
        // The newcomers weigh what the woman weighs: scored, one would be the runner-up.
        assert_eq!(people(&kept(departed.clone())).1, Some(first + 5), "newcomers beyond the cut are no candidates");
    }

    /// A kept link with people added to its blocks since gives the full night's link.
    #[test]
    fn a_kept_link_with_newcomers_in_its_blocks_links_as_a_full_night() {
        // Night 1: 3,000 people; night 2: 40 more, among them twins of records that also agree
        // on sex, which the people the records were copied from leave blank (a better candidate).
        // Records know the year of birth only and no ID: the narrow rules find nothing, the broad ones are asked.
        let before: Vec<Features> = (0..3000).map(person).collect();
        let records: Vec<Features> = (0..3000)
            .step_by(11)
            .map(|i| person(i))
            .map(|f| Features { dob: Some(crate::calendar::PartialDate::ymd(f.dob.unwrap().year, 0, 0)), sex: Some(crate::normalize::sex::Sex::Female), ..f })
            .collect();
        let mut after = before.clone();
        after.extend((0..40).map(|k| {
            if k % 4 == 0 {
                let r = &records[k as usize % records.len()];
                Features { dob: Some(crate::calendar::PartialDate::ymd(r.dob.unwrap().year, 6, 15)), ..r.clone() }
            } else {
                person(1000 + k)
            }
        }));
        let (index1, index2) = (LinkIndex::build(&before), LinkIndex::build(&after));
        let mut s = LinkSettings { max_block: 1000, u_samples: 20_000, em_records: 200, ..Default::default() };
        s.model = Some(run(&index1, &[records.clone()], &s, &Overrides::default()).summary.model);
        let night1 = run(&index1, &[records.clone()], &s, &Overrides::default()).records.remove(0);
        let full = run(&index2, &[records.clone()], &s, &Overrides::default()).records.remove(0);
        let mut overrides = Overrides::default();
        for (i, (l, f)) in night1.iter().zip(&records).enumerate() {
            let gap = match (l.runner_up.as_ref().or(l.best.as_ref()), l.next_weight) {
                (Some(r), Some(n)) => r.weight - n,
                _ => f64::INFINITY,
            };
            let (then, now) = (index1.tf.of_record(f), index2.tf.of_record(f));
            let shift = TermFrequencies::shift(then, now);
            if !(gap - shift >= 1e-3) {
                continue;
            }
            let asked = crate::link::blocking::asked_keys(&index2.blocks.rules, f);
            let newcomers: Vec<u32> = (3000..after.len() as u32)
                .filter(|&j| crate::link::blocking::person_keys(&index2.blocks.rules, &after[j as usize]).iter().any(|k| asked.contains(k)))
                .collect();
            let (best, runner_up) = (l.best.as_ref().map(|b| b.ref_idx), l.runner_up.as_ref().map(|b| b.ref_idx));
            overrides.keep.insert(
                (0, i),
                Kept {
                    best,
                    runner_up,
                    gap: (gap - shift) as f32,
                    broad: l.broad,
                    newcomers,
                    row_ties: l.row_ties,
                    candidates: l.candidates,
                    frozen: false,
                    truncated: false,
                    departed: Some(Vec::new()),
                },
            );
        }
        let kept_with_newcomers = overrides.keep.values().filter(|k| k.broad && !k.newcomers.is_empty()).count();
        assert!(kept_with_newcomers > 5, "{kept_with_newcomers} kept links asked the broad rules and gained people");
        let newcomer_won = full.iter().filter(|l| l.best.as_ref().is_some_and(|b| b.ref_idx >= 3000)).count();
        assert!(newcomer_won > 0, "some records' best person is new tonight");
        let incremental = run(&index2, &[records.clone()], &s, &overrides).records.remove(0);
        for (i, (a, b)) in incremental.iter().zip(&full).enumerate() {
            let who =
                |l: &RecordLink| (l.class, l.best.as_ref().map(|x| (x.ref_idx, x.weight)), l.runner_up.as_ref().map(|x| (x.ref_idx, x.weight)), l.candidates);
            assert_eq!(who(a), who(b), "record {i}");
        }
    }

    #[test]
    fn the_tf_shift_bounds_how_far_tonights_frequencies_move_candidates() {
        let then = [0.001, 0.5, 0.0];
        assert_eq!(TermFrequencies::shift(then, then), 0.0, "unchanged frequencies move nothing");
        // One value twice as common (1 bit), another a quarter as common (2 bits).
        assert!((TermFrequencies::shift(then, [0.002, 0.125, 0.0]) - 3.0).abs() < 1e-6);
        // A value nobody held and somebody now holds: candidates may appear at its tf level.
        assert_eq!(TermFrequencies::shift(then, [0.001, 0.5, 0.2]), f64::INFINITY);
        assert_eq!(TermFrequencies::shift([0.001, 0.5, 0.2], then), f64::INFINITY);
    }

    #[test]
    fn a_cut_block_is_at_most_review() {
        let s = LinkSettings::default();
        assert_eq!(decide(Some((0.999, 25.0)), None, true, &s), MatchClass::Review);
        assert_eq!(decide(Some((0.999, 25.0)), None, false, &s), MatchClass::Match);
    }
}
