//! A pair's weight: the prior plus each comparison's level weight and its term-frequency
//! adjustment, with the level tables looked up once per run; and the prefetch that keeps
//! the hot loop fed.

use super::Scored;
use super::compare::NULL_LEVEL;
use super::features::Features;
use super::model::{Model, probability};
use super::tf::TermFrequencies;

/// Each comparison's weight per level.
pub(super) fn weight_table(model: &Model) -> Vec<Vec<f64>> {
    (0..model.comparisons.len()).map(|c| (0..model.m[c].len()).map(|l| model.level_weight(c, l as u8)).collect()).collect()
}

/// What the hot loop needs, looked up once per run instead of once per pair.
pub(super) struct Scorer<'a> {
    model: &'a Model,
    weights: Vec<Vec<f64>>,
    prior: f64,
    /// Per comparison, the reference's term-frequency table if any level uses it.
    tf: Vec<Option<&'a [f32]>>,
}

impl<'a> Scorer<'a> {
    pub(super) fn new(model: &'a Model, tf: &'a TermFrequencies) -> Self {
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
    pub(super) fn weight(&self, a: &Features, j: u32, b: &Features) -> f64 {
        self.prior + (0..self.weights.len()).map(|c| self.part(c, a, j, b).1).sum::<f64>()
    }

    /// The weight of a pair as a sum of named parts (for the two best candidates).
    pub(super) fn explain(&self, a: &Features, j: u32, b: &Features) -> Scored {
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
pub(super) fn for_each_prefetched(people: &[Features], rows: &[u32], mut score: impl FnMut(u32)) {
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
