//! Link: for each normalized record, find the reference person it describes —
//! or say there is none. Blocking → comparison levels → Fellegi–Sunter weights
//! (u sampled, m and λ by EM, term-frequency adjusted) → best candidate,
//! margin to the runner-up, class. Parallel over records with rayon.
//!
//! This file is the stage's API: its settings, what it returns and [`run`]. The work is
//! in rooms of one concern each: `tf` (term frequencies), `index` (the reference side,
//! built once per extract), `train` (u, EM and λ), `score` (a pair's weight), `search`
//! (a record's candidates and its link), `class` (match, review or no match) and
//! `incremental` (last night's link brought up to date).

pub mod blocking;
mod class;
pub mod compare;
pub mod family;
pub mod features;
pub mod group;
mod incremental;
mod index;
pub mod model;
mod score;
mod search;
pub mod similarity;
mod tf;
mod train;

pub use class::{MatchClass, decide};
pub use family::DecidedBy;
pub use incremental::Kept;
pub use index::LinkIndex;
pub use tf::TermFrequencies;
pub use train::{model_for, train};

use blocking::RuleStats;
use features::Features;
use model::Model;
use rayon::prelude::*;
use search::{Linker, Work};

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
    /// Who decided this link: the model, an officer (see [`Overrides`]) or the child's
    /// family (a parent's record, see [`family`]).
    pub decided_by: DecidedBy,
    /// A parent on a birth register whom the child's family contradicts: the reference holds
    /// another person as this parent of the linked child, and the pair's comparisons say the
    /// record is not them ([`family::Verdict::Disagrees`]).
    pub family_disagrees: bool,
    /// The weight of the best candidate after the runner-up: how far the kept pair stands
    /// above the rest (an incremental night reuses a link only with a clear gap).
    pub next_weight: Option<f64>,
    /// The broad rules were asked: the narrow ones found no sure, clear winner.
    pub broad: bool,
    /// `next_weight` leaves out candidates tied with the runner-up at its comparison levels,
    /// behind it in row order (a night may reuse the link only while the extract keeps its order).
    pub row_ties: bool,
}

/// Where a record stands in the job: its source's index and its own within the source.
pub type RecordAt = (usize, usize);

/// Officers' decisions the linker honours, per record ([`RecordAt`]): people an officer
/// said are not this record's person are never candidates, and a person an officer said
/// is this record's person is its link (`match`, [`DecidedBy::Officer`]).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Reference rows rejected for the record.
    pub exclude: std::collections::HashMap<RecordAt, Vec<u32>>,
    /// The reference row confirmed for the record.
    pub force: std::collections::HashMap<RecordAt, u32>,
    /// Last night's link, for a record nothing it depends on has changed since (see
    /// [`Kept`]): its two candidates are scored again instead of searching the blocks.
    pub keep: std::collections::HashMap<RecordAt, Kept>,
}

impl RecordLink {
    pub fn margin(&self) -> Option<f64> {
        match (&self.best, &self.runner_up) {
            (Some(b), Some(r)) => Some(b.weight - r.weight),
            _ => None,
        }
    }
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

/// Links every record of every source against the index.
pub fn run(index: &LinkIndex, sources: &[Vec<Features>], settings: &LinkSettings, overrides: &Overrides) -> Linked {
    let all: Vec<&Features> = sources.iter().flatten().collect();
    let model = model_for(index, &all, settings, index.people.len());
    tracing::debug!(loaded = settings.model.is_some(), "model ready");
    let linker = Linker::new(index, &model, settings);
    let nrules = index.blocks.rules.len();
    let mut rules: Vec<RuleStats> = index.blocks.rules.iter().map(|r| RuleStats { rule: r.as_str(), ..Default::default() }).collect();
    let mut records = Vec::with_capacity(sources.len());
    const CHUNK: usize = 2048;
    for (s, src) in sources.iter().enumerate() {
        let chunks: Vec<(Vec<RecordLink>, Vec<RuleStats>)> = src
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, chunk)| {
                let mut work = Work::new(nrules);
                let links = chunk.iter().enumerate().map(|(k, f)| link_record(&linker, f, (s, c * CHUNK + k), overrides, &mut work)).collect();
                (links, work.stats)
            })
            .collect();
        let mut links = Vec::with_capacity(src.len());
        for (l, stats) in chunks {
            links.extend(l);
            add_stats(&mut rules, &stats);
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

/// One record's link, honouring the officers' decisions about it (people excluded, a person
/// confirmed) and last night's link when it is kept.
fn link_record(linker: &Linker, f: &Features, at: RecordAt, overrides: &Overrides, work: &mut Work) -> RecordLink {
    let excluded = overrides.exclude.get(&at).map_or(&[][..], Vec::as_slice);
    let link = match overrides.keep.get(&at) {
        Some(k) if excluded.is_empty() => linker.kept(f, k, work),
        _ => linker.link_one(f, work, excluded),
    };
    match overrides.force.get(&at) {
        Some(&j) => linker.confirmed(f, j, link),
        None => link,
    }
}

/// Adds one task's blocking figures to the run's.
fn add_stats(rules: &mut [RuleStats], task: &[RuleStats]) {
    for (acc, x) in rules.iter_mut().zip(task) {
        acc.pairs += x.pairs;
        acc.records_with_key += x.records_with_key;
        acc.largest_block = acc.largest_block.max(x.largest_block);
        acc.truncated_blocks += x.truncated_blocks;
    }
}
