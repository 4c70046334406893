//! The reference side of linking, built once per extract: the blocking index, the term
//! frequencies and which people share their personal ID with another row.

use super::blocking::{BlockIndex, Rule};
use super::features::Features;
use super::tf::TermFrequencies;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
