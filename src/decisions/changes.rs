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
                None => hash(crate::decisions::apply::reference_key(f).as_bytes()),
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

/// What changed between last run's section and tonight's.
pub fn compare(before: Option<&Vec<(u64, u64)>>, now: &[(u64, u64)]) -> Option<Changes> {
    // Both sides sorted by key on every core and walked together: a map of last night's 10M
    // keys, filled and probed on one thread, took seconds. A key last night held twice
    // counts once, with its last row's value (the sort is stable).
    let mut sorted = before?.clone();
    sorted.par_sort_by_key(|&(k, _)| k);
    let mut before: Vec<(u64, u64)> = Vec::with_capacity(sorted.len());
    for e in sorted {
        match before.last_mut() {
            Some(last) if last.0 == e.0 => *last = e,
            _ => before.push(e),
        }
    }
    let mut now = now.to_vec();
    now.par_sort_unstable_by_key(|&(k, _)| k);
    let mut c = Changes::default();
    let mut seen = 0u64;
    let mut at = 0;
    for (k, v) in now {
        while before.get(at).is_some_and(|b| b.0 < k) {
            at += 1;
        }
        match before.get(at).filter(|b| b.0 == k) {
            None => c.added += 1,
            Some(&(_, old)) => {
                seen += 1;
                if old == v {
                    c.unchanged += 1;
                } else {
                    c.changed += 1;
                }
            }
        }
    }
    c.removed = (before.len() as u64).saturating_sub(seen);
    Some(c)
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
