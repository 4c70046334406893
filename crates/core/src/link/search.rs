//! One record's link: its candidates from the narrow blocking rules, the broad ones only
//! without a sure winner, scored; the best, the runner-up and the class.

use super::blocking::{RuleStats, Rules, candidates};
use super::class::decide;
use super::features::Features;
use super::index::LinkIndex;
use super::model::Model;
use super::score::{Scorer, for_each_prefetched};
use super::{LinkSettings, MatchClass, RecordLink};

/// What linking a record needs, set up once per run: the reference index, the scorer of the
/// run's model and the settings.
pub(super) struct Linker<'a> {
    pub(super) index: &'a LinkIndex<'a>,
    pub(super) scorer: Scorer<'a>,
    pub(super) settings: &'a LinkSettings,
}

/// One linking task's reusable buffers and the blocking figures it counts.
pub(super) struct Work {
    pub(super) scratch: Scratch,
    /// Per rule, the pairs compared.
    pub(super) stats: Vec<RuleStats>,
    /// Pairs compared only to bring a kept link up to date: not counted (see `Linker::kept`).
    pub(super) uncounted: Vec<RuleStats>,
}

impl Work {
    pub(super) fn new(rules: usize) -> Work {
        Work { scratch: Scratch::default(), stats: vec![RuleStats::default(); rules], uncounted: vec![RuleStats::default(); rules] }
    }
}

impl<'a> Linker<'a> {
    pub(super) fn new(index: &'a LinkIndex<'a>, model: &'a Model, settings: &'a LinkSettings) -> Linker<'a> {
        Linker { index, scorer: Scorer::new(model, &index.tf), settings }
    }

    /// The weight of record `f` paired with reference row `j` (the hot loop: inlined into the
    /// search, which lives in another file than the scorer).
    #[inline]
    pub(super) fn weight(&self, f: &Features, j: u32) -> f64 {
        self.scorer.weight(f, j, &self.index.people[j as usize])
    }

    /// The pair's weight as a sum of named parts.
    pub(super) fn explain(&self, f: &Features, j: u32) -> super::Scored {
        self.scorer.explain(f, j, &self.index.people[j as usize])
    }

    /// A record's link from every candidate of its blocks, but those in `excluded`.
    pub(super) fn link_one(&self, f: &Features, work: &mut Work, excluded: &[u32]) -> RecordLink {
        let found = self.search(f, &mut work.stats, &mut work.scratch, excluded, BroadPeople::Scored);
        let top = found.top;
        let mut link = self.link_of(f, found);
        (link.next_weight, link.row_ties) = self.next_after_pair(f, &top, &work.scratch.scored);
        link
    }

    /// The best weight among the candidates after the best two, leaving out those tied with the
    /// runner-up at its very comparison levels: they weigh what it weighs on every night (the same
    /// parts, the record's own value's frequency) and stand behind it in row order, so they never
    /// pass it while the extract keeps its order. Also whether any was left out.
    fn next_after_pair(&self, f: &Features, top: &Top, scored: &[(f64, u32)]) -> (Option<f64>, bool) {
        let (best, runner_up) = (top[0].1, top[1].1);
        if runner_up == u32::MAX {
            return (None, false);
        }
        let levels = |j: u32| self.explain(f, j).levels;
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
    pub(super) fn link_of(&self, f: &Features, Search { top, count, truncated, broad }: Search) -> RecordLink {
        let explain = |(w, j): (f64, u32)| (j != u32::MAX && w > f64::NEG_INFINITY).then(|| self.explain(f, j));
        let best = explain(top[0]);
        let second = explain(top[1]);
        // A cut block, or a best person whose ID another reference row shares: the right
        // person may be one not looked at, or the other row.
        let unsure = truncated || best.as_ref().is_some_and(|b| self.index.shared_id[b.ref_idx as usize]);
        let class = decide(best.as_ref().map(|b| (b.probability, b.weight)), second.as_ref().map(|r| r.weight), unsure, self.settings);
        let next_weight = (top[2].1 != u32::MAX && top[2].0 > f64::NEG_INFINITY).then_some(top[2].0);
        RecordLink {
            class,
            best,
            runner_up: second,
            candidates: count as u32,
            truncated,
            decided_by: super::DecidedBy::Model,
            family_disagrees: false,
            next_weight,
            broad,
            row_ties: false,
        }
    }

    /// The narrow rules' people, scored; the broad rules' too when the narrow ones found no sure,
    /// clear winner — scored only when `broad_people` says so (a kept link needs their number, not their
    /// weights). `scratch.scored` holds every scored candidate.
    pub(super) fn search(&self, f: &Features, stats: &mut [RuleStats], scratch: &mut Scratch, excluded: &[u32], broad_people: BroadPeople) -> Search {
        let (index, s) = (self.index, self.settings);
        let Scratch { narrow, broad, scored } = scratch;
        scored.clear();
        let mut top = NO_TOP;
        let mut consider = |top: &mut Top, j: u32| {
            if !excluded.contains(&j) {
                let w = self.weight(f, j);
                scored.push((w, j));
                keep_top(top, w, j);
            }
        };
        let mut truncated = candidates(&index.blocks, f, Rules::Narrow, s.max_block, stats, narrow);
        for_each_prefetched(index.people, narrow, |j| consider(&mut top, j));
        let mut count = narrow.len();
        let broad_asked = !narrow_is_sure(&top, s);
        if broad_asked && broad_people != BroadPeople::Skipped {
            truncated |= candidates(&index.blocks, f, Rules::Broad, s.max_block, stats, broad);
            // Only the people the narrow rules did not bring: scored, or only counted.
            broad.retain(|j| narrow.binary_search(j).is_err());
            count += broad.len();
            if broad_people == BroadPeople::Scored {
                for_each_prefetched(index.people, broad, |j| consider(&mut top, j));
            }
        }
        Search { top, count, truncated, broad: broad_asked }
    }

    /// The link an officer confirmed: reference row `j`, a match whatever its weight, with the
    /// model's best other candidate as the runner-up.
    pub(super) fn confirmed(&self, f: &Features, j: u32, model: RecordLink) -> RecordLink {
        let best = self.explain(f, j);
        let runner_up = [model.best, model.runner_up].into_iter().flatten().find(|c| c.ref_idx != j);
        RecordLink {
            class: MatchClass::Match,
            best: Some(best),
            runner_up,
            candidates: model.candidates,
            truncated: model.truncated,
            decided_by: super::DecidedBy::Officer,
            family_disagrees: false,
            next_weight: model.next_weight,
            broad: model.broad,
            row_ties: model.row_ties,
        }
    }
}

/// The three best (weight, reference row) of a record so far, best first.
pub(super) type Top = [(f64, u32); 3];
/// No candidate yet.
pub(super) const NO_TOP: Top = [(f64::NEG_INFINITY, u32::MAX); 3];

/// Keeps the three best without allocating; ties go to the lower row, so the result does
/// not depend on the order candidates come in.
pub(super) fn keep_top<J: Copy + PartialOrd>(top: &mut [(f64, J); 3], w: f64, j: J) {
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
pub(super) fn narrow_is_sure<J>(top: &[(f64, J); 3], s: &LinkSettings) -> bool {
    top[0].0 >= s.broad_rules_below && top[0].0 - top[1].0 >= s.decisive_margin
}

/// What a search does with the people of the broad rules' blocks, when it asks them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum BroadPeople {
    Scored,
    /// Counted only (a kept link: last night's pair stands above them).
    Counted,
    /// Not even gathered (a kept link whose blocks hold last night's people: its count is known).
    Skipped,
}

/// What one record's blocks hold: the three best (weight, row), how many people were looked
/// at and whether a cap cut a block.
pub(super) struct Search {
    pub(super) top: Top,
    pub(super) count: usize,
    pub(super) truncated: bool,
    /// The broad rules were asked.
    pub(super) broad: bool,
}

/// One linking thread's reusable buffers: the narrow and broad rules' candidate rows, and
/// every scored candidate's (weight, row).
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) narrow: Vec<u32>,
    pub(super) broad: Vec<u32>,
    pub(super) scored: Vec<(f64, u32)>,
}
