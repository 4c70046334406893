//! What changed since the last run: per source, the records added, removed, changed and
//! unchanged (by record key and digest), and for the reference extract the people added,
//! removed and changed (by personal ID, else a fingerprint, and a hash of what the linker
//! compares). The last run's keys and digests are kept as 64-bit hashes in one file beside
//! the store (`record_digests.bin`, 16 bytes a record), so a new night needs neither the old
//! exports nor the old extract.

use crate::link::features::Features;
use crate::table::SourceRun;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version 2: hashes are XXH3 (version 1's SHA-256 ones read as an empty past, one full night).
const MAGIC: &[u8; 6] = b"LSRD2\n";
/// The reference extract's section in the file.
pub const REFERENCE: &str = "(reference)";

/// Counts of what changed in one source (or the reference) since the last run.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Changes {
    /// Keys not seen last run.
    pub added: u64,
    /// Keys seen last run and gone.
    pub removed: u64,
    /// Same key, other values.
    pub changed: u64,
    /// Same key, same values.
    pub unchanged: u64,
}

/// Per section (source name, or [`REFERENCE`]): (key hash, value hash) per record.
pub type Digests = BTreeMap<String, Vec<(u64, u64)>>;

/// 64-bit keys and digests: not secrets, only compared night to night, so a fast hash
/// (XXH3) rather than SHA-256, which took seconds a night at 10M people.
fn hash(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// Tonight's keys and digests of a source's records.
pub fn of_source(run: &SourceRun) -> Vec<(u64, u64)> {
    (0..run.len()).into_par_iter().map(|i| (hash(run.key(i).as_bytes()), hash(run.digest(i).as_bytes()))).collect()
}

/// A reference person's key (personal ID, else name, date of birth and sex) and a hash of
/// everything the linker compares, with the status and date of death.
pub fn of_reference(features: &[Features], people: &[crate::reference::ReferencePerson]) -> Vec<(u64, u64)> {
    features
        .par_iter()
        .zip(people.par_iter())
        .map(|(f, p)| {
            let key = match &f.person_id {
                Some(id) => hash(id.as_bytes()),
                None => hash(crate::reference::person_key(f).as_bytes()),
            };
            (key, person_value(f, p))
        })
        .collect()
}

/// The hash of what the linker compares of a person (every feature but the personal ID, which
/// is the key), with its status and date of death:
/// each value written with a presence byte, so no two different persons write the same bytes.
fn person_value(f: &Features, p: &crate::reference::ReferencePerson) -> u64 {
    use crate::calendar::PartialDate;
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let text = |h: &mut xxhash_rust::xxh3::Xxh3, v: Option<&str>| match v {
        Some(v) => {
            h.update(&[1]);
            h.update(&(v.len() as u32).to_le_bytes());
            h.update(v.as_bytes());
        }
        None => h.update(&[0]),
    };
    let date = |h: &mut xxhash_rust::xxh3::Xxh3, d: Option<PartialDate>| match d {
        Some(d) => {
            h.update(&[1]);
            h.update(&d.year.to_le_bytes());
            h.update(&[d.month, d.day]);
        }
        None => h.update(&[0]),
    };
    text(&mut h, Some(f.name.full()));
    text(&mut h, f.old_id.as_deref());
    date(&mut h, f.dob);
    text(&mut h, f.sex.map(|s| s.as_str()));
    text(&mut h, f.commune.as_deref());
    h.update(&(f.commune_alt.len() as u32).to_le_bytes());
    for c in &f.commune_alt {
        text(&mut h, Some(c));
    }
    text(&mut h, f.province.as_deref());
    match f.hamlet {
        Some(k) => {
            h.update(&[1]);
            h.update(&k.to_le_bytes());
        }
        None => h.update(&[0]),
    }
    h.update(&[p.status.map_or(0, |s| s as u8 + 1)]);
    date(&mut h, p.death_date);
    let (m, fa) = p.parents.as_deref().map_or((None, None), |(m, f)| (m.as_deref(), f.as_deref()));
    text(&mut h, m);
    text(&mut h, fa);
    h.digest()
}

/// What changed between last run's section and tonight's: a key last night held twice
/// counts once, with its last row's value; tonight, every row counts.
pub fn compare(before: Option<&Vec<(u64, u64)>>, now: &[(u64, u64)]) -> Option<Changes> {
    Some(PeopleDiff::of(before?, now).counts)
}

/// A person of the extract as the diff holds it: key hash, row and value hash.
#[derive(Clone, Copy, Debug)]
struct Row {
    key: u64,
    row: u32,
    value: u64,
}

/// No row.
const NONE: u32 = u32::MAX;

/// Tonight's extract beside last night's, person by person, computed once a night for both the
/// change counts and the reuse check. Both sides are sorted by key (on every core) and walked
/// together: two hash maps of 10M keys, each filled on one thread, took 2 s of a 10M night.
pub struct PeopleDiff {
    /// Tonight's people sorted by key, then row.
    now: Vec<Row>,
    /// Where each run of keys sharing their top bits starts in `now` (keys are uniform hashes).
    starts: Vec<u32>,
    shift: u32,
    /// The counts, as [`compare`] makes them.
    pub counts: Changes,
    /// Per tonight's row, last night's row of its key (the last one holding it) when its value
    /// is the same, else `u32::MAX`.
    pub kept_place: Vec<u32>,
    /// Keys of last night's rows whose key tonight's extract does not hold, or holds (on its
    /// first row) with another value, sorted, once each.
    pub gone: Vec<u64>,
    /// No key on two rows tonight.
    pub keys_once_tonight: bool,
    /// No key on two rows last night.
    pub keys_once_before: bool,
}

impl PeopleDiff {
    /// Last night's (`before`) and tonight's (`now`) (key, value) per row.
    pub fn of(before: &[(u64, u64)], now: &[(u64, u64)]) -> PeopleDiff {
        let sorted = |rows: &[(u64, u64)]| {
            let mut v: Vec<Row> = rows.par_iter().enumerate().map(|(i, &(key, value))| Row { key, row: i as u32, value }).collect();
            v.par_sort_unstable_by_key(|r| (r.key, r.row));
            v
        };
        let (b, n) = rayon::join(|| sorted(before), || sorted(now));
        let mut d = PeopleDiff {
            now: Vec::new(),
            starts: Vec::new(),
            shift: 64,
            counts: Changes::default(),
            kept_place: vec![NONE; now.len()],
            gone: Vec::new(),
            keys_once_tonight: true,
            keys_once_before: true,
        };
        let (mut bi, mut ni) = (0, 0);
        let (mut seen, mut before_keys) = (0u64, 0u64);
        while bi < b.len() || ni < n.len() {
            let key = match (b.get(bi), n.get(ni)) {
                (Some(x), Some(y)) => x.key.min(y.key),
                (Some(x), None) => x.key,
                (None, Some(y)) => y.key,
                (None, None) => unreachable!("the loop runs while a side has rows"),
            };
            let run = |v: &[Row], at: usize| at + v[at..].iter().take_while(|r| r.key == key).count();
            let (b_end, n_end) = (run(&b, bi), run(&n, ni));
            let (last_night, tonight) = (&b[bi..b_end], &n[ni..n_end]);
            d.keys_once_before &= last_night.len() <= 1;
            d.keys_once_tonight &= tonight.len() <= 1;
            if let Some(last) = last_night.last() {
                before_keys += 1;
                for r in tonight {
                    seen += 1;
                    if r.value == last.value {
                        d.counts.unchanged += 1;
                        d.kept_place[r.row as usize] = last.row;
                    } else {
                        d.counts.changed += 1;
                    }
                }
            } else {
                d.counts.added += tonight.len() as u64;
            }
            if last_night.iter().any(|r| tonight.first().is_none_or(|f| f.value != r.value)) {
                d.gone.push(key);
            }
            (bi, ni) = (b_end, n_end);
        }
        d.counts.removed = before_keys.saturating_sub(seen);
        drop(b);
        // About four keys a run: a lookup reads one or two cache lines.
        let bits = (n.len().max(1) as u64).next_power_of_two().trailing_zeros().saturating_sub(2).clamp(1, 32);
        d.shift = 64 - bits;
        let mut starts = vec![0u32; (1usize << bits) + 1];
        for r in &n {
            starts[(r.key >> d.shift) as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        (d.now, d.starts) = (n, starts);
        d
    }

    /// Tonight's first row holding `key`, with its value.
    pub fn tonight(&self, key: u64) -> Option<(u32, u64)> {
        let bucket = (key >> self.shift) as usize;
        let rows = self.now.get(*self.starts.get(bucket)? as usize..self.starts[bucket + 1] as usize)?;
        rows.iter().find(|r| r.key == key).map(|r| (r.row, r.value))
    }

    /// Whether last night's `key` is gone or changed since.
    pub fn is_gone(&self, key: u64) -> bool {
        self.gone.binary_search(&key).is_ok()
    }
}

/// The file beside the store.
pub fn path_beside(store: &Path) -> PathBuf {
    store.with_file_name("record_digests.bin")
}

/// Reads the last run's digests; a missing or unreadable file is an empty past.
pub fn load(path: &Path) -> Digests {
    super::sections::load(path, MAGIC, 16, |c| (super::sections::u64_at(c, 0), super::sections::u64_at(c, 8)))
}

/// Writes tonight's digests (a temporary file renamed into place).
pub fn save(path: &Path, d: &Digests, modes: crate::files::Modes) -> std::io::Result<()> {
    super::sections::save(
        path,
        MAGIC,
        d,
        |(k, h), out| {
            out.extend_from_slice(&k.to_le_bytes());
            out.extend_from_slice(&h.to_le_bytes());
        },
        modes,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// The diff as hash maps make it, key by key: what the sorted walk must equal.
    type Diff = (Vec<u32>, Vec<u64>, HashMap<u64, (u32, u64)>);
    fn by_maps(before: &[(u64, u64)], now: &[(u64, u64)]) -> Diff {
        let before_of: HashMap<u64, (u32, u64)> = before.iter().enumerate().map(|(i, &(k, v))| (k, (i as u32, v))).collect();
        let mut first: HashMap<u64, (u32, u64)> = HashMap::new();
        for (j, &(k, v)) in now.iter().enumerate() {
            first.entry(k).or_insert((j as u32, v));
        }
        let kept = now.iter().map(|(k, v)| before_of.get(k).filter(|x| x.1 == *v).map_or(NONE, |x| x.0)).collect();
        let mut gone: Vec<u64> = before.iter().filter(|(k, v)| first.get(k).map(|x| x.1) != Some(*v)).map(|x| x.0).collect();
        gone.sort_unstable();
        gone.dedup();
        (kept, gone, first)
    }

    proptest! {
        #[test]
        fn the_sorted_diff_equals_one_made_with_maps(
            before in proptest::collection::vec((0u64..40, 0u64..3), 0..60),
            now in proptest::collection::vec((0u64..40, 0u64..3), 0..60),
            spread in any::<bool>(),
        ) {
            // Keys spread over 64 bits as hashes are, or packed low (one bucket).
            let spread = |v: Vec<(u64, u64)>| -> Vec<(u64, u64)> { v.into_iter().map(|(k, x)| (if spread { k.wrapping_mul(0x9E37_79B9_7F4A_7C15) } else { k }, x)).collect() };
            let (before, now) = (spread(before), spread(now));
            let d = PeopleDiff::of(&before, &now);
            let (kept, gone, first) = by_maps(&before, &now);
            prop_assert_eq!(&d.kept_place, &kept);
            prop_assert_eq!(&d.gone, &gone);
            for k in before.iter().chain(&now).map(|x| x.0).chain([u64::MAX, 7]) {
                prop_assert_eq!(d.tonight(k), first.get(&k).copied());
            }
            prop_assert_eq!(d.keys_once_tonight, first.len() == now.len());
            prop_assert_eq!(d.keys_once_before, before.iter().map(|x| x.0).collect::<std::collections::HashSet<_>>().len() == before.len());
            let c = d.counts;
            prop_assert_eq!(c.added + c.changed + c.unchanged, now.len() as u64);
            prop_assert_eq!(c.unchanged, kept.iter().filter(|&&p| p != NONE).count() as u64);
        }
    }

    #[test]
    fn changes_are_counted_by_key_and_the_file_round_trips() {
        let before = vec![(1, 10), (2, 20), (3, 30)];
        let now = vec![(2, 20), (3, 31), (4, 40)];
        assert_eq!(compare(Some(&before), &now), Some(Changes { added: 1, removed: 1, changed: 1, unchanged: 1 }));
        assert_eq!(compare(None, &now), None, "no last run: nothing to compare");
        // A key held twice last night counts once, with its last value; tonight, once a row.
        let twice = vec![(5, 1), (2, 20), (5, 2)];
        let tonight = vec![(5, 2), (5, 2), (2, 21), (7, 70)];
        assert_eq!(compare(Some(&twice), &tonight), Some(Changes { added: 1, removed: 0, changed: 1, unchanged: 2 }));
        assert_eq!(compare(Some(&vec![(5, 2), (5, 1)]), &[(5, 2)]), Some(Changes { added: 0, removed: 0, changed: 1, unchanged: 0 }));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("record_digests.bin");
        let d: Digests = [("lao_dong".to_string(), now.clone()), (REFERENCE.to_string(), before.clone())].into_iter().collect();
        save(&p, &d, crate::files::Modes::PRIVATE).unwrap();
        assert_eq!(load(&p), d);
        std::fs::write(&p, b"LSRD2\n\x05").unwrap();
        assert!(load(&p).is_empty(), "a truncated file is an empty past");
    }
}
