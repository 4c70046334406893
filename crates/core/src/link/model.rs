//! The Fellegi–Sunter model: u from random pairs, m and λ by EM on the
//! candidate pairs (no labels), term-frequency adjustments from the reference.
//! A match weight is the prior plus one named part per comparison.

use super::compare::{Comparison, NULL_LEVEL};
use serde::{Deserialize, Serialize};

/// Bump when the model's JSON changes incompatibly.
pub const MODEL_FORMAT: u32 = 1;

/// A saved model this build cannot use.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("model format {0} is not {MODEL_FORMAT}")]
    Format(u32),
    #[error("m and u need one list per comparison")]
    ListsPerComparison,
    #[error("comparison '{0}' needs one m and one u per level")]
    LevelsOf(String),
    #[error("comparison '{0}' has an m or u outside (0, 1)")]
    ProbabilityOf(String),
    #[error("lambda must be inside (0, 1)")]
    Lambda,
}

/// m and u are kept inside [PROB_FLOOR, 1 − PROB_FLOOR].
pub const PROB_FLOOR: f64 = 1e-7;

fn guard(p: f64) -> f64 {
    p.clamp(PROB_FLOOR, 1.0 - PROB_FLOOR)
}

/// How the model was trained, reported honestly in the summary.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct TrainingReport {
    pub seed: u64,
    pub u_pairs_sampled: u64,
    pub em_pairs: u64,
    pub em_patterns: u64,
    pub em_iterations: u32,
    pub em_converged: bool,
    /// Largest change of any parameter in the last iteration.
    pub em_final_change: f64,
    /// True when the model was loaded from a file instead of trained.
    pub loaded: bool,
    /// The EM sessions: which comparisons each trained, on which pairs.
    #[serde(default)]
    pub sessions: Vec<SessionReport>,
}

/// One EM session (Splink's approach): trained on candidate pairs that agree
/// on some fields, estimating m only for the comparisons not used to pick them.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SessionReport {
    pub name: String,
    pub pairs: u64,
    pub trained: Vec<String>,
    pub iterations: u32,
    pub converged: bool,
    pub final_change: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Model {
    pub format: u32,
    pub comparisons: Vec<Comparison>,
    /// P(match) for a random (record, reference person) pair: the prior.
    pub lambda: f64,
    /// `m[c][l]` = P(level l | match), `u[c][l]` = P(level l | non-match), non-null levels only.
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    pub training: TrainingReport,
}

impl Model {
    /// A model with u from counts and an initial m that favours the first levels.
    pub fn with_u(comparisons: Vec<Comparison>, u_counts: &[Vec<u64>], seed: u64, sampled: u64) -> Model {
        let u = u_counts
            .iter()
            .map(|counts| {
                let total: u64 = counts.iter().sum();
                let k = counts.len() as f64;
                counts.iter().map(|&c| guard((c as f64 + 0.1) / (total as f64 + 0.1 * k))).collect()
            })
            .collect();
        let m = comparisons
            .iter()
            .map(|c| {
                let n = c.levels.len();
                let raw: Vec<f64> = (0..n).map(|i| 0.5f64.powi(i as i32 + 1)).collect();
                let s: f64 = raw.iter().sum();
                raw.iter().map(|x| guard(x / s)).collect()
            })
            .collect();
        Model { format: MODEL_FORMAT, comparisons, lambda: 0.1, m, u, training: TrainingReport { seed, u_pairs_sampled: sampled, ..Default::default() } }
    }

    /// Checks a model read from a file: one m and u per level, probabilities in (0, 1).
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.format != MODEL_FORMAT {
            return Err(ModelError::Format(self.format));
        }
        if self.m.len() != self.comparisons.len() || self.u.len() != self.comparisons.len() {
            return Err(ModelError::ListsPerComparison);
        }
        for (c, comp) in self.comparisons.iter().enumerate() {
            if comp.levels.is_empty() || self.m[c].len() != comp.levels.len() || self.u[c].len() != comp.levels.len() {
                return Err(ModelError::LevelsOf(comp.name.clone()));
            }
            if self.m[c].iter().chain(&self.u[c]).any(|p| !(*p > 0.0 && *p < 1.0)) {
                return Err(ModelError::ProbabilityOf(comp.name.clone()));
            }
        }
        if !(self.lambda > 0.0 && self.lambda < 1.0) {
            return Err(ModelError::Lambda);
        }
        Ok(())
    }

    /// Weight of a level in bits: log2(m/u); 0 for the null level.
    #[inline]
    pub fn level_weight(&self, c: usize, level: u8) -> f64 {
        if level == NULL_LEVEL {
            return 0.0;
        }
        (self.m[c][level as usize] / self.u[c][level as usize]).log2()
    }

    pub fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// Term-frequency adjustment at a tf level: log2(u_exact / tf), bounded to ±10 bits,
    /// where u_exact is the u of the comparison's first tf level (its exact level, as in
    /// Splink): with the level's own u, a fuzzy level's u would cancel out of its weight.
    #[inline]
    pub fn tf_adjustment(&self, c: usize, level: u8, tf: f64) -> f64 {
        if level == NULL_LEVEL || !self.comparisons[c].levels[level as usize].tf || tf <= 0.0 {
            return 0.0;
        }
        let exact = self.comparisons[c].levels.iter().position(|l| l.tf).unwrap_or(level as usize);
        (self.u[c][exact] / tf).log2().clamp(-10.0, 10.0)
    }

    /// Trains m for the comparisons in neither `ignore` nor `fixed` on `patterns`, in a
    /// copy, and copies those m back. Levels in `ignore` are treated as null (the session's
    /// blocking made them agree); comparisons in `fixed` keep the m an earlier session
    /// gave them but still weigh in the E-step, which is what identifies the others.
    pub fn train_session(&mut self, name: &str, patterns: &[(Vec<u8>, u64)], ignore: &[usize], fixed: &[usize], max_iter: u32, tol: f64) {
        let mut counts: std::collections::BTreeMap<Vec<u8>, u64> = Default::default();
        for (levels, n) in patterns {
            let mut l = levels.clone();
            for &c in ignore {
                l[c] = NULL_LEVEL;
            }
            *counts.entry(l).or_default() += n;
        }
        let pats: Vec<(Vec<u8>, u64)> = counts.into_iter().collect();
        let mut s = self.clone();
        s.lambda = 0.5;
        s.train_em_fixed(&pats, fixed, max_iter, tol);
        let mut trained = Vec::new();
        if s.training.em_pairs > 0 {
            for c in 0..self.comparisons.len() {
                if !ignore.contains(&c) && !fixed.contains(&c) {
                    self.m[c] = s.m[c].clone();
                    trained.push(self.comparisons[c].name.clone());
                }
            }
        }
        self.training.sessions.push(SessionReport {
            name: name.to_string(),
            pairs: s.training.em_pairs,
            trained,
            iterations: s.training.em_iterations,
            converged: s.training.em_converged,
            final_change: s.training.em_final_change,
        });
        self.training.em_pairs += s.training.em_pairs;
        self.training.em_patterns += s.training.em_patterns;
        self.training.em_iterations += s.training.em_iterations;
        self.training.em_converged = self.training.sessions.iter().all(|x| x.converged || x.pairs == 0);
        self.training.em_final_change = self.training.em_final_change.max(s.training.em_final_change);
    }

    /// Expectation–maximization of m and λ on comparison patterns with counts;
    /// u stays fixed. Returns when no parameter moves more than `tol`.
    pub fn train_em(&mut self, patterns: &[(Vec<u8>, u64)], max_iter: u32, tol: f64) {
        self.train_em_fixed(patterns, &[], max_iter, tol)
    }

    /// [`Model::train_em`] with the m of the comparisons in `fixed` held where they are.
    pub fn train_em_fixed(&mut self, patterns: &[(Vec<u8>, u64)], fixed: &[usize], max_iter: u32, tol: f64) {
        let nc = self.comparisons.len();
        let total: f64 = patterns.iter().map(|(_, n)| *n as f64).sum();
        self.training.em_pairs = total as u64;
        self.training.em_patterns = patterns.len() as u64;
        self.training.em_iterations = 0;
        if total == 0.0 {
            return;
        }
        // The m each level starts from stands as a prior worth PRIOR_PAIRS matched pairs: a
        // level a small register never shows among its matches (a dialect spelling in forty
        // rows) keeps its prior weight instead of falling to the floor.
        let prior_m = self.m.clone();
        let mut it = 0;
        let mut change = f64::INFINITY;
        while it < max_iter && change > tol {
            it += 1;
            let mut m_num: Vec<Vec<f64>> = self.m.iter().map(|v| vec![0.0; v.len()]).collect();
            let mut m_den = vec![0.0; nc];
            let mut match_mass = 0.0;
            for (levels, n) in patterns {
                let n = *n as f64;
                let mut w = self.prior_weight();
                for (c, &l) in levels.iter().enumerate() {
                    w += self.level_weight(c, l);
                }
                let p = 1.0 / (1.0 + (-w * std::f64::consts::LN_2).exp());
                match_mass += n * p;
                for (c, &l) in levels.iter().enumerate() {
                    if l != NULL_LEVEL {
                        m_num[c][l as usize] += n * p;
                        m_den[c] += n * p;
                    }
                }
            }
            change = 0.0;
            for c in 0..nc {
                if m_den[c] <= 0.0 || fixed.contains(&c) {
                    continue;
                }
                for l in 0..self.m[c].len() {
                    let new = guard((m_num[c][l] + PRIOR_PAIRS * prior_m[c][l]) / (m_den[c] + PRIOR_PAIRS));
                    change = f64::max(change, (new - self.m[c][l]).abs());
                    self.m[c][l] = new;
                }
            }
            let new_lambda = guard(match_mass / total);
            change = f64::max(change, (new_lambda - self.lambda).abs());
            self.lambda = new_lambda;
        }
        self.training.em_iterations = it;
        self.training.em_converged = change <= tol;
        self.training.em_final_change = change;
    }
}

/// How many matched pairs the starting m of a comparison counts for in EM's M-step: next to
/// a province's thousands of matched pairs it is nothing; on a register of a few dozen rows
/// it keeps a level nobody showed from a weight that evidence never set.
const PRIOR_PAIRS: f64 = 20.0;

/// Probability from a match weight in bits: 2^w / (1 + 2^w).
pub fn probability(weight: f64) -> f64 {
    let x = weight.clamp(-200.0, 200.0);
    1.0 / (1.0 + 2f64.powf(-x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::compare::default_comparisons;

    /// A tiny deterministic generator for the test.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        fn pick(&mut self, probs: &[f64]) -> u8 {
            let r = self.next();
            let mut acc = 0.0;
            for (i, p) in probs.iter().enumerate() {
                acc += p;
                if r < acc {
                    return i as u8;
                }
            }
            (probs.len() - 1) as u8
        }
    }

    #[test]
    fn em_recovers_known_m_and_lambda() {
        let comps = default_comparisons();
        let true_m: Vec<Vec<f64>> = comps
            .iter()
            .map(|c| {
                let n = c.levels.len();
                let mut v = vec![0.02 / (n - 1) as f64; n];
                v[0] = 0.98 - 0.02 / (n - 1) as f64 * 0.0;
                let s: f64 = v.iter().sum();
                v.iter().map(|x| x / s).collect()
            })
            .collect();
        let true_u: Vec<Vec<f64>> = comps
            .iter()
            .map(|c| {
                let n = c.levels.len();
                let mut v = vec![0.0; n];
                for (i, x) in v.iter_mut().enumerate() {
                    *x = if i + 1 == n { 0.9 } else { 0.1 / (n - 1) as f64 };
                }
                v
            })
            .collect();
        let lambda = 0.3;
        let mut rng = Lcg(7);
        let mut counts = std::collections::HashMap::<Vec<u8>, u64>::new();
        for _ in 0..200_000 {
            let is_match = rng.next() < lambda;
            let levels: Vec<u8> = (0..comps.len()).map(|c| rng.pick(if is_match { &true_m[c] } else { &true_u[c] })).collect();
            *counts.entry(levels).or_default() += 1;
        }
        let patterns: Vec<(Vec<u8>, u64)> = counts.into_iter().collect();
        let u_counts: Vec<Vec<u64>> = true_u.iter().map(|v| v.iter().map(|p| (p * 1e6) as u64).collect()).collect();
        let mut model = Model::with_u(comps, &u_counts, 1, 1_000_000);
        model.train_em(&patterns, 200, 1e-7);
        assert!(model.training.em_converged);
        assert!((model.lambda - lambda).abs() < 0.01, "lambda {}", model.lambda);
        for (c, m) in true_m.iter().enumerate() {
            assert!((model.m[c][0] - m[0]).abs() < 0.02, "m[{c}][0] {} vs {}", model.m[c][0], m[0]);
        }
    }

    /// A session that sees one comparison alone cannot tell m from λ: the ID's "differ"
    /// weight came out anywhere from −3 to −6.5 bits. With sex and commune active (their
    /// m from the first session), the session recovers it.
    #[test]
    fn a_session_keeps_the_other_comparisons_active_to_identify_m() {
        let comps = default_comparisons();
        let (c_id, c_sex, c_commune) = (3, 2, 5);
        assert_eq!((comps[c_id].name.as_str(), comps[c_sex].name.as_str(), comps[c_commune].name.as_str()), ("person_id", "sex", "commune"));
        let n_levels = |c: usize| comps[c].levels.len();
        let mut true_m: Vec<Vec<f64>> = (0..comps.len()).map(|c| vec![1.0 / n_levels(c) as f64; n_levels(c)]).collect();
        let mut true_u = true_m.clone();
        true_m[c_id] = vec![0.80, 0.05, 0.15];
        true_u[c_id] = vec![0.001, 0.009, 0.99];
        true_m[c_sex] = vec![0.98, 0.02];
        true_u[c_sex] = vec![0.5, 0.5];
        true_m[c_commune] = vec![0.45, 0.40, 0.12, 0.03];
        true_u[c_commune] = vec![0.001, 0.009, 0.2, 0.79];
        let mut rng = Lcg(11);
        let mut counts = std::collections::HashMap::<Vec<u8>, u64>::new();
        for _ in 0..100_000 {
            let is_match = rng.next() < 0.4;
            let levels: Vec<u8> = (0..comps.len())
                .map(|c| if [c_id, c_sex, c_commune].contains(&c) { rng.pick(if is_match { &true_m[c] } else { &true_u[c] }) } else { NULL_LEVEL })
                .collect();
            *counts.entry(levels).or_default() += 1;
        }
        let patterns: Vec<(Vec<u8>, u64)> = counts.into_iter().collect();
        let u_counts: Vec<Vec<u64>> = true_u.iter().map(|v| v.iter().map(|p| (p * 1e6) as u64).collect()).collect();
        let mut model = Model::with_u(comps.clone(), &u_counts, 1, 1_000_000);
        model.m[c_sex] = true_m[c_sex].clone();
        model.m[c_commune] = true_m[c_commune].clone();
        let others: Vec<usize> = (0..comps.len()).filter(|c| ![c_id, c_sex, c_commune].contains(c)).collect();
        model.train_session("same_dob_and_given_name", &patterns, &others, &[c_sex, c_commune], 500, 1e-9);
        let differ = (model.m[c_id][2] / model.u[c_id][2]).log2();
        let truth = (true_m[c_id][2] / true_u[c_id][2]).log2();
        assert!((differ - truth).abs() < 0.3, "IDs differ: {differ:.2} bits, truth {truth:.2}");
        assert_eq!(model.m[c_sex], true_m[c_sex], "a fixed comparison keeps its m");
    }

    #[test]
    fn term_frequency_on_a_fuzzy_level_uses_the_exact_levels_u() {
        let comps = default_comparisons();
        let u_counts: Vec<Vec<u64>> = comps.iter().map(|c| (0..c.levels.len()).map(|l| if l == 0 { 10 } else { 1000 }).collect()).collect();
        let m = Model::with_u(comps, &u_counts, 0, 0);
        let (exact, phonetic) = (0u8, 2u8);
        assert!(m.comparisons[0].levels[phonetic as usize].tf);
        let tf = 0.001;
        assert!((m.tf_adjustment(0, phonetic, tf) - m.tf_adjustment(0, exact, tf)).abs() < 1e-12);
        assert!((m.tf_adjustment(0, phonetic, tf) - (m.u[0][0] / tf).log2()).abs() < 1e-12);
    }

    #[test]
    fn weights_and_probability() {
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
        assert!(probability(20.0) > 0.999_99);
        let m = Model::with_u(default_comparisons(), &default_comparisons().iter().map(|c| vec![10; c.levels.len()]).collect::<Vec<_>>(), 0, 0);
        assert_eq!(m.level_weight(0, NULL_LEVEL), 0.0);
    }
}
