//! Last night's links, kept beside the store (`links.bin`: per record its key and digest
//! hashes, the hashes of its best and runner-up people's keys, its flags and gap), and
//! which of them tonight may reuse (`[link] incremental = true`): a record whose values are
//! unchanged, whose two people are unchanged, and none of whose blocks holds a person added
//! or changed since. Its candidates are then last night's, and the linker only scores the
//! two again (tonight's model and term frequencies).

use super::changes::{Digests, REFERENCE};
use crate::link::blocking::{Rule, asked_keys, person_keys};
use crate::link::features::Features;
use crate::link::{Kept, RecordLink};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 6] = b"LSLK3\n";
const TRUNCATED: u8 = 1;
const BY_OFFICER: u8 = 2;

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
}

/// A kept link is reused only when the next candidate stood this many bits below the kept
/// pair: tonight's term frequencies move a weight by thousandths of a bit (a value's count
/// over a reference of millions), so the rest cannot overtake the pair.
pub const REUSE_GAP: f32 = 1.0;

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

/// Tonight's links as the next night will read them. `digests` are tonight's (sources in
/// record order, the reference in person order).
pub fn of_tonight(names: &[&str], links: &[&[RecordLink]], digests: &Digests, model: &crate::link::model::Model) -> LinkState {
    let people: &[(u64, u64)] = digests.get(REFERENCE).map_or(&[], Vec::as_slice);
    let person = |j: u32| people.get(j as usize).map_or(0, |p| p.0);
    names
        .iter()
        .zip(links)
        .filter_map(|(name, links)| {
            let d = digests.get(*name)?;
            let v = links
                .iter()
                .zip(d)
                .map(|(l, &(key, digest))| Entry {
                    key,
                    digest,
                    best: l.best.as_ref().map_or(0, |b| person(b.ref_idx)),
                    runner_up: l.runner_up.as_ref().map_or(0, |b| person(b.ref_idx)),
                    flags: (l.truncated as u8 * TRUNCATED) | (l.by_officer as u8 * BY_OFFICER),
                    gap: match (l.runner_up.as_ref().or(l.best.as_ref()), l.next_weight) {
                        (Some(r), Some(n)) => (r.weight - n) as f32,
                        _ => f32::INFINITY,
                    },
                })
                .collect();
            Some((name.to_string(), v))
        })
        .chain(std::iter::once((model_section(model), Vec::new())))
        .collect()
}

/// The records of each source that may reuse last night's link, by (source, record).
pub fn reusable(
    state: &LinkState,
    sources: &[(&str, &[Features])],
    now: &Digests,
    before: &Digests,
    people: &[Features],
    rules: &[Rule],
) -> HashMap<(usize, usize), Kept> {
    let (Some(ref_now), Some(ref_before)) = (now.get(REFERENCE), before.get(REFERENCE)) else { return HashMap::new() };
    let before_of: HashMap<u64, u64> = ref_before.iter().copied().collect();
    let now_of: HashMap<u64, u64> = ref_now.iter().copied().collect();
    let mut index_of: HashMap<u64, u32> = HashMap::with_capacity(ref_now.len());
    for (j, (k, _)) in ref_now.iter().enumerate() {
        index_of.entry(*k).or_insert(j as u32);
    }
    // People gone or changed since (last night's candidates that are no more), and the blocks
    // people added or changed now stand in (tonight's candidates last night did not have).
    let gone: HashSet<u64> = ref_before.iter().filter(|(k, v)| now_of.get(k) != Some(v)).map(|(k, _)| *k).collect();
    let dirty: HashSet<(usize, u64)> =
        ref_now.par_iter().enumerate().filter(|(_, (k, v))| before_of.get(k) != Some(v)).flat_map_iter(|(j, _)| person_keys(rules, &people[j])).collect();
    let mut out = HashMap::new();
    for (s, (name, features)) in sources.iter().enumerate() {
        let (Some(kept), Some(digests)) = (state.get(*name), now.get(*name)) else { continue };
        let last: HashMap<u64, &Entry> = kept.iter().map(|e| (e.key, e)).collect();
        let resolve = |h: u64| -> Result<Option<u32>, ()> {
            if h == 0 {
                Ok(None)
            } else if gone.contains(&h) {
                Err(())
            } else {
                index_of.get(&h).map(|&j| Some(j)).ok_or(())
            }
        };
        let found: Vec<((usize, usize), Kept)> = digests
            .par_iter()
            .zip(features.par_iter())
            .enumerate()
            .filter_map(|(i, (&(key, digest), f))| {
                let e = last.get(&key).filter(|e| e.digest == digest && e.flags == 0 && e.gap >= REUSE_GAP)?;
                let (best, runner_up) = (resolve(e.best).ok()?, resolve(e.runner_up).ok()?);
                let clean = asked_keys(rules, f).iter().all(|k| !dirty.contains(k));
                clean.then_some(((s, i), Kept { best, runner_up, gap: e.gap }))
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
    })
}

const ENTRY_BYTES: usize = 8 * 4 + 1 + 4;

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
        let e = Entry { key: 1, digest: 2, best: 3, runner_up: 0, flags: TRUNCATED, gap: f32::INFINITY };
        let state: LinkState = [("lao_dong".to_string(), vec![e, Entry { flags: 0, ..e }])].into_iter().collect();
        save(&p, &state, crate::files::Modes::PRIVATE).unwrap();
        assert_eq!(load(&p), state);
    }
}
