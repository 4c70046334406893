//! Term frequencies: how common a person's phonetic name, date of birth and commune are in
//! the extract, so agreeing on a rare value weighs more than agreeing on a common one.

use super::compare::CompareField;
use super::features::{Features, KeyHasher, KeyMap};

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

    /// Frequencies given per person (phonetic name, date of birth, commune), as a sharded
    /// engine's block hands them over; no counts, so not for [`TermFrequencies::of_record`].
    pub(super) fn given(people: impl Iterator<Item = [f32; 3]> + Clone) -> TermFrequencies {
        let column = |t: usize| people.clone().map(|p| p[t]).collect();
        TermFrequencies { name: column(0), dob: column(1), commune: column(2), ..Default::default() }
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
    pub(super) fn table(&self, field: CompareField) -> Option<&[f32]> {
        match field {
            CompareField::Name => Some(&self.name),
            CompareField::Dob => Some(&self.dob),
            CompareField::Commune => Some(&self.commune),
            CompareField::Sex | CompareField::PersonId | CompareField::OldId => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
