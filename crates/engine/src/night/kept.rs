//! Last night's links, kept beside the store (`links.bin`: per record its key and digest
//! hashes, the hashes of its best and runner-up people's keys, its flags, its gap, its
//! values' term frequencies and its candidate count; and the reference cache it was linked
//! against), and which of them tonight may reuse (`[link] incremental = true`): a record
//! whose values are unchanged, whose two people are unchanged, and whose next candidate stood
//! further below the pair than tonight's term frequencies can move them. A link the broad
//! rules made then has last night's candidates plus the people added or changed since in its
//! blocks, and the linker scores only the pair and those again (tonight's model and term
//! frequencies). A link the narrow rules made is kept only while its narrow blocks hold the
//! very people they held: none added or changed (tonight's digests), none removed or changed
//! (last night's people, from the reference cache tonight's extract was read against).

use super::changes::{Digests, PeopleDiff, REFERENCE};
use crate::link::TermFrequencies;
use crate::link::blocking::{Rule, asked_keys, is_broad, person_keys};
use crate::link::features::{Features, KeyMap};
use crate::link::{Kept, RecordAt, RecordLink};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 6] = b"LSLK5\n";
const TRUNCATED: u8 = 1;
/// Decided by an officer or through the child's family, not by the model from the record's
/// blocks: never reused (a family link follows the child's link, made again each night).
const NOT_THE_MODELS: u8 = 2;
/// The broad rules were asked (newcomers in its blocks are scored; without, its blocks must
/// hold the very people they held).
const BROAD: u8 = 4;
/// The gap leaves out candidates tied with the runner-up behind it in row order
/// ([`RecordLink::row_ties`]): reused only while the extract keeps its order.
const ROW_TIES: u8 = 8;

/// One record's link, as kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry {
    key: u64,
    digest: u64,
    /// Hash of the best person's key (0: none).
    best: u64,
    runner_up: u64,
    flags: u8,
    /// Bits between the runner-up (or the best, alone) and the next candidate; infinite when none.
    gap: f32,
    /// The frequencies of the record's phonetic name, date of birth and commune in the
    /// reference it was linked against ([`crate::link::TermFrequencies::of_record`]).
    tf: [f32; 3],
    /// The people its blocks held.
    candidates: u32,
}

/// Bits the next candidate must stand below the kept pair beyond what tonight's term
/// frequencies can move: float rounding (the gap is kept as f32), and never a tie, which
/// row order would break.
pub const REUSE_MARGIN: f64 = 1e-3;

/// A record whose blocks gained more people than this since is linked in full (scoring
/// them would cost as much).
const MAX_NEWCOMERS: usize = 64;

/// Per source, per record; and one empty section named by [`model_section`] for the model
/// the links were made with.
pub type LinkState = BTreeMap<String, Vec<Entry>>;

/// The section naming a model: a hash of its comparisons and m and u to 12 significant digits
/// (a model read back from model.json may differ in the last bit of a float; λ is left out:
/// every run estimates it again for the reference at hand). Links are reused only under the
/// model they were made with.
pub fn model_section(m: &crate::link::model::Model) -> String {
    let digits = |v: &Vec<Vec<f64>>| -> Vec<Vec<String>> { v.iter().map(|c| c.iter().map(|x| format!("{x:.11e}")).collect()).collect() };
    let parts = serde_json::to_vec(&(&m.comparisons, digits(&m.m), digits(&m.u))).unwrap_or_default();
    let hex: String = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&parts))[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("(model {hex})")
}

/// The file beside the store.
pub fn path_beside(store: &Path) -> PathBuf {
    store.with_file_name("links.bin")
}

/// The section naming the block cap the links were made under: a link cut at another cap had
/// other candidates.
pub fn cap_section(max_block: usize) -> String {
    format!("(max_block {max_block})")
}

/// The section naming the reference cache the links were made against.
fn reference_section(cache_key: &str) -> String {
    format!("(reference {cache_key})")
}

/// The cache key of the reference last night's links were made against, if it was cached.
pub fn reference_of(state: &LinkState) -> Option<&str> {
    state.keys().find_map(|k| k.strip_prefix("(reference ")?.strip_suffix(')'))
}

/// Tonight's links as the next night will read them. `digests` are tonight's (sources in
/// record order, the reference in person order); `tf`, per source and record, the record's
/// values' frequencies in tonight's reference; `reference_key`, tonight's reference cache key.
pub fn of_tonight(
    names: &[&str],
    links: &[&[RecordLink]],
    tf: &[Vec<[f32; 3]>],
    digests: &Digests,
    model: &crate::link::model::Model,
    max_block: usize,
    reference_key: Option<&str>,
) -> LinkState {
    let people: &[(u64, u64)] = digests.get(REFERENCE).map_or(&[], Vec::as_slice);
    let person = |j: u32| people.get(j as usize).map_or(0, |p| p.0);
    names
        .iter()
        .zip(links)
        .zip(tf)
        .filter_map(|((name, links), tf)| {
            let d = digests.get(*name)?;
            let v = links
                .iter()
                .zip(d)
                .zip(tf)
                .map(|((l, &(key, digest)), &tf)| Entry {
                    key,
                    digest,
                    best: l.best.as_ref().map_or(0, |b| person(b.ref_idx)),
                    runner_up: l.runner_up.as_ref().map_or(0, |b| person(b.ref_idx)),
                    flags: (l.truncated as u8 * TRUNCATED)
                        | ((l.decided_by != crate::link::DecidedBy::Model) as u8 * NOT_THE_MODELS)
                        | (l.broad as u8 * BROAD)
                        | (l.row_ties as u8 * ROW_TIES),
                    gap: match (l.runner_up.as_ref().or(l.best.as_ref()), l.next_weight) {
                        (Some(r), Some(n)) => (r.weight - n) as f32,
                        _ => f32::INFINITY,
                    },
                    tf,
                    candidates: l.candidates,
                })
                .collect();
            Some((name.to_string(), v))
        })
        .chain(std::iter::once((model_section(model), Vec::new())))
        .chain(std::iter::once((cap_section(max_block), Vec::new())))
        .chain(reference_key.map(|k| (reference_section(k), Vec::new())))
        .collect()
}

/// Tonight's extract beside last night's, as the reuse check reads it.
struct ReferenceChanges {
    /// The people unchanged since stand in last night's order (ties broken by row break the
    /// same way); an extract with a key twice is not trusted to.
    order_kept: bool,
    /// Per (rule, key), tonight's rows of the people added or changed since in that block.
    dirty: HashMap<(usize, u64), Vec<u32>, foldhash::fast::FixedState>,
    /// The (rule, key) blocks people removed or changed since stood in last night, with how
    /// many of them; `None` when last night's extract is not known person by person.
    vacated: Option<HashMap<(usize, u64), u32, foldhash::fast::FixedState>>,
}

impl ReferenceChanges {
    /// `ref_now`: tonight's (key, value) per person, as `diff` was made from.
    fn of(diff: &PeopleDiff, ref_now: &[(u64, u64)], people: &[Features], departed: Option<&[Features]>, rules: &[Rule]) -> ReferenceChanges {
        let t = std::time::Instant::now();
        // Whether the people unchanged since stand in last night's order (ties broken by row
        // break the same way): their places last night rise; an extract with a key twice is
        // not trusted to.
        let keys_once_tonight = diff.keys_once_tonight;
        let order_kept = diff.keys_once_before && keys_once_tonight && {
            let places: Vec<u32> = diff.kept_place.par_iter().copied().filter(|&p| p != u32::MAX).collect();
            places.par_windows(2).all(|w| w[0] < w[1])
        };
        // The blocks people added or changed now stand in (tonight's candidates last night did not have).
        let mut dirty: HashMap<(usize, u64), Vec<u32>, foldhash::fast::FixedState> = HashMap::default();
        let added: Vec<(u32, Vec<(usize, u64)>)> = ref_now
            .par_iter()
            .zip(diff.kept_place.par_iter())
            .enumerate()
            // A second row under a person key stands in its blocks as a newcomer: a row repeated
            // overnight adds a candidate the hashes alone do not show.
            .filter(|(j, ((k, _), place))| **place == u32::MAX || (!keys_once_tonight && diff.tonight(*k).map(|x| x.0) != Some(*j as u32)))
            .map(|(j, _)| (j as u32, person_keys(rules, &people[j])))
            .collect();
        for (j, keys) in added {
            for k in keys {
                dirty.entry(k).or_default().push(j);
            }
        }
        let vacated = departed.map(|d| {
            let mut counts: HashMap<(usize, u64), u32, foldhash::fast::FixedState> = HashMap::default();
            for k in d.par_iter().flat_map_iter(|p| person_keys(rules, p)).collect::<Vec<_>>() {
                *counts.entry(k).or_default() += 1;
            }
            counts
        });
        tracing::debug!(
            seconds = t.elapsed().as_secs_f64(),
            changed_people = diff.gone.len(),
            dirty_blocks = dirty.len(),
            vacated_blocks = vacated.as_ref().map(|v| v.len()),
            order_kept,
            "incremental: the reference compared"
        );
        ReferenceChanges { order_kept, dirty, vacated }
    }

    /// Last night's link `e` of a record with features `f`, its pair found tonight and its gap
    /// less tonight's term-frequency shift, as far as the record's blocks let it be kept.
    fn kept(&self, e: &Entry, f: &Features, rules: &[Rule], (best, runner_up): (Option<u32>, Option<u32>), gap: f64) -> Option<Kept> {
        let ReferenceChanges { order_kept, dirty, vacated, .. } = self;
        let order_kept = *order_kept;
        let broad = e.flags & BROAD != 0;
        let asked = asked_keys(rules, f);
        let touched = |k: &(usize, u64)| dirty.contains_key(k) || vacated.as_ref().is_some_and(|v| v.contains_key(k));
        // Every block the record asks holds last night's people, in last night's order.
        let frozen = vacated.is_some() && order_kept && !asked.iter().any(touched);
        let truncated = e.flags & TRUNCATED != 0;
        // A cut block that changed cuts elsewhere tonight: the linker finds who may have
        // stood beyond last night's cut from the people that left each block.
        if truncated && !frozen && !(broad && order_kept && vacated.is_some()) {
            return None;
        }
        let departed = vacated
            .as_ref()
            .filter(|_| order_kept && broad && !frozen)
            .map(|v| asked.iter().filter(|(r, _)| is_broad(rules[*r])).filter_map(|k| v.get(k).map(|&n| (*k, n))).collect::<Vec<_>>());
        let newcomers: Vec<u32> = if broad {
            // People added or changed in the record's blocks are scored against it tonight.
            let mut v: Vec<u32> = asked.iter().filter_map(|k| dirty.get(k)).flatten().copied().collect();
            v.sort_unstable();
            v.dedup();
            v
        } else {
            // A narrow-rule link is kept only while its blocks hold last night's people.
            if asked.iter().filter(|(r, _)| !is_broad(rules[*r])).any(touched) {
                return None;
            }
            Vec::new()
        };
        (newcomers.len() <= MAX_NEWCOMERS).then_some(Kept {
            best,
            runner_up,
            gap: gap as f32,
            broad,
            newcomers,
            row_ties: e.flags & ROW_TIES != 0,
            candidates: e.candidates,
            frozen,
            truncated,
            departed,
        })
    }
}

/// One source as the reuse check reads it: its name, its records' features and their
/// values' frequencies in tonight's reference.
pub struct SourceFeatures<'a> {
    /// The source's name.
    pub name: &'a str,
    /// Its records' features, in order.
    pub features: &'a [Features],
    /// Per record, its values' frequencies in tonight's reference.
    pub tf: &'a [[f32; 3]],
}

/// The records of each source that may reuse last night's link, by (source, record).
/// `sources`: per source its name, its records' features and their values' frequencies in
/// tonight's reference. `departed`: last night's people tonight's extract does not hold
/// unchanged, when known (the reference cache's); without them only links that asked the
/// broad rules are reused (their blocks are counted again).
pub fn reusable(
    state: &LinkState,
    sources: &[SourceFeatures],
    now: &Digests,
    diff: Option<&PeopleDiff>,
    people: &[Features],
    departed: Option<&[Features]>,
    rules: &[Rule],
) -> HashMap<RecordAt, Kept> {
    let (Some(ref_now), Some(diff)) = (now.get(REFERENCE), diff) else { return HashMap::new() };
    let changes = ReferenceChanges::of(diff, ref_now, people, departed, rules);
    let ReferenceChanges { order_kept, vacated, .. } = &changes;
    let order_kept = *order_kept;
    let mut out = HashMap::new();
    for (s, SourceFeatures { name, features, tf }) in sources.iter().enumerate() {
        let (Some(kept), Some(digests)) = (state.get(*name), now.get(*name)) else { continue };
        let last: KeyMap<&Entry> = kept.iter().map(|e| (e.key, e)).collect();
        let resolve = |h: u64| -> Result<Option<u32>, ()> {
            if h == 0 {
                Ok(None)
            } else if diff.is_gone(h) {
                Err(())
            } else {
                diff.tonight(h).map(|(j, _)| Some(j)).ok_or(())
            }
        };
        let found: Vec<(RecordAt, Kept)> = digests
            .par_iter()
            .zip(features.par_iter())
            .zip(tf.par_iter())
            .enumerate()
            .filter_map(|(i, ((&(key, digest), f), &tf))| {
                let e = last.get(&key).filter(|e| {
                    e.digest == digest
                        && e.flags & NOT_THE_MODELS == 0
                        && (e.flags & BROAD != 0 || vacated.is_some())
                        && (order_kept || e.flags & ROW_TIES == 0)
                })?;
                let gap = e.gap as f64 - TermFrequencies::shift(e.tf, tf);
                if gap.is_nan() || gap < REUSE_MARGIN {
                    return None;
                }
                let (best, runner_up) = (resolve(e.best).ok()?, resolve(e.runner_up).ok()?);
                if best.is_some() && best == runner_up {
                    return None; // two rows under one key, identical: the full search tells them apart
                }
                changes.kept(e, f, rules, (best, runner_up), gap).map(|k| ((s, i), k))
            })
            .collect();
        out.extend(found);
    }
    out
}

/// Reads last night's links; a missing or unreadable file keeps nothing.
pub fn load(path: &Path) -> LinkState {
    use super::sections::u64_at;
    super::sections::load(path, MAGIC, ENTRY_BYTES, |c| Entry {
        key: u64_at(c, 0),
        digest: u64_at(c, 8),
        best: u64_at(c, 16),
        runner_up: u64_at(c, 24),
        flags: c[32],
        gap: f32::from_le_bytes(c[33..37].try_into().expect("4 bytes")),
        tf: std::array::from_fn(|t| f32::from_le_bytes(c[37 + 4 * t..41 + 4 * t].try_into().expect("4 bytes"))),
        candidates: u32::from_le_bytes(c[49..53].try_into().expect("4 bytes")),
    })
}

const ENTRY_BYTES: usize = 8 * 4 + 1 + 4 + 3 * 4 + 4;

/// Writes tonight's links (a temporary file renamed into place).
pub fn save(path: &Path, state: &LinkState, modes: crate::files::Modes) -> std::io::Result<()> {
    super::sections::save(
        path,
        MAGIC,
        state,
        |e, out| {
            for x in [e.key, e.digest, e.best, e.runner_up] {
                out.extend_from_slice(&x.to_le_bytes());
            }
            out.push(e.flags);
            out.extend_from_slice(&e.gap.to_le_bytes());
            for t in e.tf {
                out.extend_from_slice(&t.to_le_bytes());
            }
            out.extend_from_slice(&e.candidates.to_le_bytes());
        },
        modes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("links.bin");
        let e = Entry { key: 1, digest: 2, best: 3, runner_up: 0, flags: TRUNCATED, gap: f32::INFINITY, tf: [1e-6, 0.0, 0.25], candidates: 7 };
        let state: LinkState = [("lao_dong".to_string(), vec![e, Entry { flags: 0, ..e }])].into_iter().collect();
        save(&p, &state, crate::files::Modes::PRIVATE).unwrap();
        assert_eq!(load(&p), state);
    }

    #[test]
    fn row_ties_are_trusted_only_while_unchanged_people_keep_their_order() {
        let before = [(1, 10), (2, 20), (3, 30), (4, 40)];
        let people = vec![Features::default(); 5];
        let order = |now: &[(u64, u64)]| ReferenceChanges::of(&PeopleDiff::of(&before, now), now, &people[..now.len()], None, &[]).order_kept;
        // People added, removed and changed anywhere: the rest keep their order.
        assert!(order(&[(1, 10), (9, 90), (3, 31), (4, 40), (5, 50)]));
        assert!(order(&[(2, 20), (4, 40)]));
        // A re-sorted extract, or a key on two rows: ties may break otherwise.
        assert!(!order(&[(1, 10), (4, 40), (2, 20), (3, 30)]));
        assert!(!order(&[(1, 10), (2, 20), (2, 20), (3, 30)]));
        let now = [(1, 10), (9, 90), (3, 31)];
        let diff = PeopleDiff::of(&before, &now);
        assert_eq!(diff.gone, vec![2, 3, 4], "people 2 and 4 left, 3 changed");
    }

    #[test]
    fn a_row_repeated_overnight_is_a_newcomer_in_its_blocks() {
        let person = |id: &str| Features { person_id: Some(id.into()), ..Default::default() };
        let people = [person("001"), person("002"), person("002")];
        let now = [(1, 10), (2, 20), (2, 20)];
        let diff = PeopleDiff::of(&[(1, 10), (2, 20)], &now);
        let c = ReferenceChanges::of(&diff, &now, &people, Some(&[]), &Rule::ALL);
        let newcomers: Vec<u32> = c.dirty.values().flatten().copied().collect();
        assert!(newcomers.contains(&2), "the second copy is a candidate last night's blocks did not have");
        assert!(!newcomers.contains(&0) && !newcomers.contains(&1));
    }
}
