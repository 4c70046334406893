//! Linking in shards, for an engine that splits the work by block (the Spark job, through
//! the Python binding): score every (record, person) pair of one block with a given model,
//! then reduce each record's scored pairs from all its blocks to the link [`super::run`]
//! would give. The two halves reproduce `link_one` exactly — the same weights to the bit, the
//! narrow rules first and the broad ones only without a sure winner, ties to the lower
//! reference row, a block cut at the cap taken from its lowest rows — so a sharded run and
//! the CLI agree record for record.

use super::features::Features;
use super::model::{Model, probability};
use super::score::Scorer;
use super::search::{keep_top, narrow_is_sure};
use super::{LinkSettings, MatchClass, TermFrequencies, decide};

/// One reference person as a block holds it.
#[derive(Clone, Debug)]
pub struct BlockPerson {
    /// Its place in the whole extract: anything that orders people as their rows do (the
    /// row, or file and row), as ties and the cap go to the lowest.
    pub ref_idx: u64,
    pub features: Features,
    /// Its values' frequencies in the whole extract ([`TermFrequencies::frequency`]):
    /// phonetic name, date of birth, commune.
    pub tf: [f32; 3],
}

/// The weight of every (record, person) pair of one block: (record index, person index
/// into `people`, weight). `people` are the block's people, at most the cap, lowest rows first.
pub fn score_block(model: &Model, records: &[Features], people: &[BlockPerson]) -> Vec<(u32, u32, f64)> {
    let tf = TermFrequencies::given(people.iter().map(|p| p.tf));
    let scorer = Scorer::new(model, &tf);
    let mut out = Vec::with_capacity(records.len() * people.len());
    for (i, f) in records.iter().enumerate() {
        for (j, p) in people.iter().enumerate() {
            out.push((i as u32, j as u32, scorer.weight(f, j as u32, &p.features)));
        }
    }
    out
}

/// One pair's weight as a sum of named parts (matches.parquet's columns): the pair the
/// CLI explains for a record's best and runner-up. `ref_idx` of the result is 0.
pub fn explain(model: &Model, record: &Features, person: &BlockPerson) -> super::Scored {
    let tf = TermFrequencies::given(std::iter::once(person.tf));
    Scorer::new(model, &tf).explain(record, 0, &person.features)
}

/// One scored pair of a record, as the blocks it came from give it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub ref_idx: u64,
    pub weight: f64,
    /// From a broad rule's block (asked only without a sure winner among the narrow ones).
    pub broad: bool,
    /// Its block held more people than the cap.
    pub truncated: bool,
    /// The person's ID stands on another row of the extract too.
    pub shared_id: bool,
}

/// A record's link from its pairs.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupLink {
    pub class: MatchClass,
    /// (reference row, weight, probability) of the best and the runner-up.
    pub best: Option<(u64, f64, f64)>,
    pub runner_up: Option<(u64, f64, f64)>,
    pub next_weight: Option<f64>,
    pub candidates: u32,
    pub truncated: bool,
    /// The narrow rules' pairs alone found a sure, clear winner: the broad rules' pairs do
    /// not count, so an engine need not make them (score the narrow blocks, reduce, then the
    /// broad blocks only for the records that are not sure).
    pub sure: bool,
}

/// Reduces all the pairs of one record (from every block it asked, in any order, a person
/// possibly in several) to its link, as `link_one` decides it.
pub fn reduce(pairs: &mut [Pair], s: &LinkSettings) -> GroupLink {
    pairs.sort_by(|a, b| a.broad.cmp(&b.broad).then(a.ref_idx.cmp(&b.ref_idx)));
    let narrow_end = pairs.iter().position(|p| p.broad).unwrap_or(pairs.len());
    let (narrow, broad) = pairs.split_at(narrow_end);
    let mut top = [(f64::NEG_INFINITY, u64::MAX); 3];
    let mut shared = std::collections::HashMap::new();
    let mut count = 0u32;
    let mut truncated = false;
    let mut last = None;
    for p in narrow {
        truncated |= p.truncated;
        shared.insert(p.ref_idx, p.shared_id);
        if last != Some(p.ref_idx) {
            keep_top(&mut top, p.weight, p.ref_idx);
            count += 1;
            last = Some(p.ref_idx);
        }
    }
    let sure = narrow_is_sure(&top, s);
    if !sure {
        let in_narrow = |j: u64| narrow.binary_search_by(|p| p.ref_idx.cmp(&j)).is_ok();
        let mut last = None;
        for p in broad {
            truncated |= p.truncated;
            shared.insert(p.ref_idx, p.shared_id);
            if last != Some(p.ref_idx) && !in_narrow(p.ref_idx) {
                keep_top(&mut top, p.weight, p.ref_idx);
                count += 1;
            }
            last = Some(p.ref_idx);
        }
    }
    let at = |(w, j): (f64, u64)| (j != u64::MAX && w > f64::NEG_INFINITY).then(|| (j, w, probability(w)));
    let (best, runner_up) = (at(top[0]), at(top[1]));
    let unsure = truncated || best.is_some_and(|b| shared.get(&b.0).copied().unwrap_or(false));
    let class = decide(best.map(|b| (b.2, b.1)), runner_up.map(|r| r.1), unsure, s);
    let next_weight = at(top[2]).map(|n| n.1);
    GroupLink { class, best, runner_up, next_weight, candidates: count, truncated, sure }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::blocking::{Rule, is_broad, key};
    use crate::link::{LinkIndex, Overrides};
    use std::collections::HashMap;

    /// The sharded halves give the CLI linker's answer, record for record.
    #[test]
    fn blocks_scored_apart_and_reduced_link_as_the_whole_index_does() {
        let names = ["Nguyễn Văn An", "Nguyen Van An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Nguyễn Văn Ân", "Hoàng Minh Đức"];
        let mut people = Vec::new();
        for i in 0..400u32 {
            let mut f = Features::from_name(names[i as usize % names.len()]);
            f.dob = Some(crate::calendar::PartialDate::ymd(1960 + (i % 7) as i32, 1 + (i % 12) as u8, 1 + (i % 5) as u8));
            f.person_id = (i % 3 != 0).then(|| format!("0011900{:05}", i % 350).into());
            f.commune = Some(format!("{:05}", i % 4).into());
            people.push(f);
        }
        let records: Vec<Features> =
            people.iter().step_by(7).cloned().chain(people.iter().step_by(11).map(|p| Features { person_id: None, ..p.clone() })).collect();
        let index = LinkIndex::build(&people);
        let mut s = LinkSettings { max_block: 30, u_samples: 20_000, em_records: 200, ..Default::default() };
        let whole = crate::link::run(&index, std::slice::from_ref(&records), &s, &Overrides::default());
        s.model = Some(whole.summary.model.clone());
        let model = whole.summary.model.clone();

        // Shard: every (rule, key) block on its own, its people capped at the lowest rows.
        let n = people.len() as u64;
        let mut counts: Vec<HashMap<u64, u64>> = vec![HashMap::new(); 3];
        for p in &people {
            for (t, k) in TermFrequencies::keys(p).iter().enumerate() {
                if let Some(k) = k {
                    *counts[t].entry(*k).or_default() += 1;
                }
            }
        }
        let block_person = |j: usize| BlockPerson {
            ref_idx: j as u64,
            features: people[j].clone(),
            tf: std::array::from_fn(|t| TermFrequencies::keys(&people[j])[t].map_or(0.0, |k| TermFrequencies::frequency(counts[t][&k], n))),
        };
        let mut pairs: Vec<Vec<Pair>> = vec![Vec::new(); records.len()];
        for rule in Rule::ALL {
            let mut blocks: HashMap<u64, (Vec<usize>, Vec<usize>)> = HashMap::new();
            for (j, p) in people.iter().enumerate() {
                if let Some(k) = key(rule, p) {
                    blocks.entry(k).or_default().1.push(j);
                }
            }
            for (i, r) in records.iter().enumerate() {
                if crate::link::blocking::queries(rule, r)
                    && let Some(k) = key(rule, r)
                {
                    blocks.entry(k).or_default().0.push(i);
                }
            }
            for (rs, ps) in blocks.values() {
                let truncated = ps.len() > s.max_block;
                let block: Vec<BlockPerson> = ps.iter().take(s.max_block).map(|&j| block_person(j)).collect();
                let recs: Vec<Features> = rs.iter().map(|&i| records[i].clone()).collect();
                for (i, j, w) in score_block(&model, &recs, &block) {
                    let ref_idx = block[j as usize].ref_idx;
                    pairs[rs[i as usize]].push(Pair { ref_idx, weight: w, broad: is_broad(rule), truncated, shared_id: index.shared_id[ref_idx as usize] });
                }
            }
        }
        let mut differ = 0;
        for (i, p) in pairs.iter_mut().enumerate() {
            let mut narrow: Vec<Pair> = p.iter().filter(|x| !x.broad).copied().collect();
            let first = reduce(&mut narrow, &s);
            let g = reduce(p, &s);
            assert_eq!(first.sure, g.sure);
            if first.sure {
                assert_eq!(first, g, "a sure record's link needs no broad pair");
            }
            let l = &whole.records[0][i];
            let same = g.class == l.class
                && g.best.map(|b| (b.0, b.1)) == l.best.as_ref().map(|b| (b.ref_idx as u64, b.weight))
                && g.runner_up.map(|b| b.0) == l.runner_up.as_ref().map(|b| b.ref_idx as u64)
                && g.candidates == l.candidates
                && g.truncated == l.truncated;
            differ += usize::from(!same);
        }
        assert_eq!(differ, 0, "of {} records", records.len());
        assert!(whole.records[0].iter().any(|l| l.truncated), "the test has a block over the cap");
    }
}
