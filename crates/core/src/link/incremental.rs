//! Incremental linking: last night's link of a record brought up to date without searching
//! its blocks again, when nothing it depends on changed. The result is the link a full night
//! would give (the tests below compare the two); `night::kept` decides which links qualify.

use super::RecordLink;
use super::blocking;
use super::features::Features;
use super::search::{BroadPeople, Linker, NO_TOP, Scratch, Search, Top, Work, keep_top, narrow_is_sure};

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

impl Linker<'_> {
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
    pub(super) fn kept(&self, f: &Features, k: &Kept, work: &mut Work) -> RecordLink {
        if !k.broad {
            return self.kept_narrow(f, k, work);
        }
        let found = self.search(f, &mut work.uncounted, &mut work.scratch, &[], if k.frozen { BroadPeople::Skipped } else { BroadPeople::Counted });
        if !found.broad {
            return self.link_of(f, found);
        }
        // Blocks that hold last night's people hold last night's count, cut where it was cut.
        let (count, truncated) = if k.frozen { (k.candidates as usize, k.truncated) } else { (found.count, found.truncated) };
        let cut = !k.frozen && (found.truncated || k.truncated);
        let beyond = if cut {
            match self.beyond_last_cut(f, k) {
                Some(rows) => rows,
                None => return self.link_one(f, work, &[]),
            }
        } else {
            Vec::new()
        };
        let weight = |j: u32| self.weight(f, j);
        // Last night's pair tonight: the rest of last night's candidates stand `gap` below its lower one.
        let pair: Vec<u32> = [k.best, k.runner_up].into_iter().flatten().collect();
        let mut rows: Vec<u32> =
            pair.iter().copied().chain(found.top.iter().map(|t| t.1).filter(|&j| j != u32::MAX)).chain(k.newcomers.iter().copied()).chain(beyond).collect();
        if cut {
            // Only tonight's candidates count: a cut leaves out the newcomers beyond it, and may
            // push last night's pair out.
            let Scratch { narrow, broad, .. } = &work.scratch;
            let candidate = |j: &u32| narrow.binary_search(j).is_ok() || broad.binary_search(j).is_ok();
            if !pair.iter().all(candidate) {
                return self.link_one(f, work, &[]);
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
            return self.link_one(f, work, &[]);
        }
        self.reused_link(k, f, Search { top, count, truncated, broad: true })
    }

    /// The people inside tonight's cuts of the record's broad blocks who may have stood beyond last
    /// night's (never scored against it). In a block, an unchanged person stood last night where it
    /// stands tonight, less the newcomers before it, plus at most the people who left the block:
    /// whoever that bound does not put inside last night's cut is scored again. `None` when who
    /// left is not known.
    fn beyond_last_cut(&self, f: &Features, k: &Kept) -> Option<Vec<u32>> {
        let (index, s) = (self.index, self.settings);
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

    /// A kept link's pair and bound, scored tonight, as the record's link.
    fn reused_link(&self, k: &Kept, f: &Features, found: Search) -> RecordLink {
        let mut link = self.link_of(f, found);
        link.row_ties = k.row_ties;
        link
    }

    /// A link the narrow rules made last night, whose blocks hold the same people tonight: last
    /// night's pair scored tonight is the link, the rest of its candidates standing `gap` below
    /// it, unless tonight the pair is no longer a sure winner (the broad rules would be asked) or
    /// row ties no longer stand behind the runner-up: then the record is linked in full.
    fn kept_narrow(&self, f: &Features, k: &Kept, work: &mut Work) -> RecordLink {
        let mut top = NO_TOP;
        for j in [k.best, k.runner_up].into_iter().flatten() {
            keep_top(&mut top, self.weight(f, j), j);
        }
        if k.runner_up.is_some() && k.gap.is_finite() {
            top[2] = (top[1].0 - k.gap as f64, u32::MAX - 1);
        }
        if !narrow_is_sure(&top, self.settings) || runner_up_moved(k, &top) {
            return self.link_one(f, work, &[]);
        }
        self.reused_link(k, f, Search { top, count: k.candidates as usize, truncated: k.truncated, broad: false })
    }
}

/// Candidates tied with last night's runner-up at its levels stand right behind it: only while
/// it is still the runner-up are they where the full search would put them.
fn runner_up_moved(k: &Kept, top: &Top) -> bool {
    k.row_ties && k.runner_up != Some(top[1].1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::{LinkIndex, LinkSettings, MatchClass, Overrides, TermFrequencies, run};

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
    type Outcome = (MatchClass, Option<(u32, f64)>, Option<(u32, f64)>, u32, bool);
    fn outcome(l: &RecordLink) -> Outcome {
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
        s.model = Some(run(&index1, std::slice::from_ref(&records), &s, &Overrides::default()).summary.model);
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
            .map(person)
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
        s.model = Some(run(&index1, std::slice::from_ref(&records), &s, &Overrides::default()).summary.model);
        let night1 = run(&index1, std::slice::from_ref(&records), &s, &Overrides::default()).records.remove(0);
        let full = run(&index2, std::slice::from_ref(&records), &s, &Overrides::default()).records.remove(0);
        let mut overrides = Overrides::default();
        for (i, (l, f)) in night1.iter().zip(&records).enumerate() {
            let gap = match (l.runner_up.as_ref().or(l.best.as_ref()), l.next_weight) {
                (Some(r), Some(n)) => r.weight - n,
                _ => f64::INFINITY,
            };
            let (then, now) = (index1.tf.of_record(f), index2.tf.of_record(f));
            let shift = TermFrequencies::shift(then, now);
            // A gap that is not a number (no runner-up, no next) is no clear gap either.
            let clear = gap - shift >= 1e-3;
            if !clear {
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
        let incremental = run(&index2, std::slice::from_ref(&records), &s, &overrides).records.remove(0);
        for (i, (a, b)) in incremental.iter().zip(&full).enumerate() {
            let who =
                |l: &RecordLink| (l.class, l.best.as_ref().map(|x| (x.ref_idx, x.weight)), l.runner_up.as_ref().map(|x| (x.ref_idx, x.weight)), l.candidates);
            assert_eq!(who(a), who(b), "record {i}");
        }
    }
}
