//! The reference population extract: read and normalized once, then cached on
//! disk keyed by the extract's content hash and lamsach's index format, so a
//! nightly run over an unchanged extract loads it instead of rebuilding it.

mod cache;

use crate::calendar::PartialDate;
use crate::ingest::{self, IngestError, QuarantineRow, RawRecord, RecordSink, SourceInput};
use crate::link::features::Features;
use crate::normalize::{self, NormalizeOptions, Status};
use crate::text::legacy::Detection;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

use crate::codec::{Reader, Writer};
pub use cache::INDEX_FORMAT;

/// One person of the reference extract, besides what the linker compares
/// (that is in [`Reference::features`], at the same index).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReferencePerson {
    pub source_row: u64,
    pub status: Option<Status>,
    pub death_date: Option<PartialDate>,
    pub updated_at: Option<PartialDate>,
    /// The parents' personal IDs (mother, father), when the extract holds them; boxed, as
    /// most extracts do not (8 bytes a person instead of 48).
    pub parents: Option<Box<(Option<String>, Option<String>)>>,
}

impl ReferencePerson {
    /// What the run keeps of a normalized reference row besides its features.
    pub fn of(raw: &RawRecord, n: &normalize::NormRecord) -> ReferencePerson {
        let parents = (n.mother_id.is_some() || n.father_id.is_some()).then(|| Box::new((n.mother_id.clone(), n.father_id.clone())));
        ReferencePerson { source_row: raw.source_row, status: n.status, death_date: n.death_date, updated_at: n.updated_at, parents }
    }

    /// Writes what the run keeps of the person besides its features (cache, binding).
    pub fn write(&self, w: &mut Writer) {
        let p = self;
        w.u64(p.source_row);
        w.0.push(match p.status {
            None => 0,
            Some(Status::Alive) => 1,
            Some(Status::Deceased) => 2,
        });
        w.date(p.death_date);
        w.date(p.updated_at);
        let (m, f) = p.parents.as_deref().map_or((None, None), |(m, f)| (m.as_deref(), f.as_deref()));
        w.opt(m);
        w.opt(f);
    }
    /// Reads what [`ReferencePerson::write`] wrote.
    pub fn read(r: &mut Reader) -> Result<ReferencePerson, crate::codec::FormatError> {
        let source_row = r.u64()?;
        let status = match r.u8()? {
            1 => Some(Status::Alive),
            2 => Some(Status::Deceased),
            _ => None,
        };
        let death_date = r.date()?;
        let updated_at = r.date()?;
        let parents = Some((r.opt()?, r.opt()?)).filter(|(m, f)| m.is_some() || f.is_some()).map(Box::new);
        Ok(ReferencePerson { source_row, status, death_date, updated_at, parents })
    }
}

/// How the reference was obtained this run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheStatus {
    /// Loaded from a valid cache.
    Hit,
    /// No cache for this extract: built and saved.
    Built,
    /// A cache existed but was corrupt or truncated: rebuilt.
    Rebuilt,
    /// Caching is off.
    Disabled,
}

pub struct Reference {
    /// The job's name for the extract, and the schema it was read with.
    pub name: String,
    pub schema: String,
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub rows_read: u64,
    pub quarantine: Vec<QuarantineRow>,
    pub people: Vec<ReferencePerson>,
    /// What the linker compares, one per person (the index borrows these).
    pub features: Vec<Features>,
    pub cache: CacheStatus,
    pub cache_file: Option<PathBuf>,
    /// The extract's text encoding and how sure its detection was (CSV only; kept in the cache).
    pub encoding: Option<Detection>,
    /// Per person, the digest of its raw row ([`raw_digest`]; empty where nobody needs it).
    pub digests: Vec<u128>,
    /// People taken unchanged from an earlier extract's cache instead of normalized again.
    pub reused_people: u64,
    /// This extract's cache key (with caching on).
    pub cache_key: Option<String>,
    /// The key of the earlier extract's cache whose people were reused, and that cache's
    /// people tonight's extract does not hold unchanged (removed, or their row changed): the
    /// blocks they stood in last night are the ones that lost people.
    pub previous: Option<(String, Vec<Features>)>,
}

impl Reference {
    /// People held in memory, not read from an extract (a binding's batch of the people some
    /// records are linked to, a test): no file, no cache, no digests.
    pub fn in_memory(name: String, schema: String, path: PathBuf, people: Vec<ReferencePerson>, features: Vec<Features>) -> Reference {
        Reference {
            name,
            schema,
            path,
            bytes: 0,
            sha256: String::new(),
            rows_read: people.len() as u64,
            quarantine: Vec::new(),
            people,
            features,
            cache: CacheStatus::Disabled,
            cache_file: None,
            encoding: None,
            digests: Vec::new(),
            reused_people: 0,
            cache_key: None,
            previous: None,
        }
    }
}

/// The digest of a raw row's values, field by field: two rows with the same digest normalize
/// to the same person (under the same build and options), whatever their place in the file.
/// `row` is scratch space, kept by the caller from one row to the next.
pub fn raw_digest(values: &crate::ingest::Values, row: &mut Vec<u8>) -> u128 {
    // The row's fields laid end to end, then hashed in one call: dozens of small updates of
    // a streaming hasher cost more than the hashing (perf: 2.6 s of CPU at 10M people).
    row.clear();
    for f in crate::field::Field::ALL {
        match values.get(f) {
            Some(v) => {
                row.push(1);
                row.extend_from_slice(&(v.len() as u32).to_le_bytes());
                row.extend_from_slice(v.as_bytes());
            }
            None => row.push(0),
        }
    }
    xxhash_rust::xxh3::xxh3_128(row)
}

/// Where the reference cache lives, how many caches to keep and their modes.
#[derive(Clone, Copy, Debug)]
pub struct CacheSettings<'a> {
    pub dir: &'a Path,
    /// Caches kept, newest first: a nightly extract with a new hash adds one per night.
    pub keep: usize,
    pub modes: crate::files::Modes,
}

/// A reference cache to write for the extract just read. Serializing, hashing and syncing
/// millions of people takes seconds (11 s at 5M), so the job does it on its own thread while
/// the other stages run ([`CacheWrite::run`]).
pub struct CacheWrite {
    path: PathBuf,
    key: String,
    compatibility: String,
    dir: PathBuf,
    keep: usize,
    modes: crate::files::Modes,
    earlier: Option<cache::Earlier>,
}

impl CacheWrite {
    /// Writes the cache and prunes older ones; a failure only costs the next run a rebuild.
    pub fn run(self, reference: &Reference) {
        match cache::write(&self.path, &self.key, &self.compatibility, reference, self.modes, self.earlier.as_ref()) {
            Ok(()) => {
                let removed = cache::prune(&self.dir, self.keep);
                if removed > 0 {
                    tracing::info!(removed, keep = self.keep, "removed older reference caches");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not write the reference cache; the next run will rebuild it"),
        }
    }
}

/// Reads the reference: from the cache in `cache.dir` when it is valid for this extract
/// and these options, else by ingesting and normalizing it (reusing the people an earlier
/// extract's cache holds with the same raw row); then the cache to write, if any. `readers`
/// read an extract in a format the core does not (the engine's, Parquet).
pub fn load(
    input: &SourceInput,
    readers: &ingest::Readers,
    opts: &NormalizeOptions,
    cache: Option<&CacheSettings>,
) -> Result<(Reference, Option<CacheWrite>), IngestError> {
    let mut status = CacheStatus::Disabled;
    let mut file = None;
    let mut looked_up: Option<(String, String, String)> = None; // (sha256, cache key, compatibility)
    let mut previous = None;
    if let Some(CacheSettings { dir, .. }) = cache {
        let (bytes, sha256) = ingest::sha256_file(&input.path)?;
        let compatibility = cache::compatibility(input, opts);
        let key = cache::cache_key(&sha256, &compatibility);
        let path = dir.join(format!("reference-{}.lsref", &key[..16]));
        match cache::read(&path, &key).and_then(|c| c.map(|c| hit(input, c, (bytes, sha256.clone()), &path, &key)).transpose()) {
            Ok(Some(reference)) => return Ok((reference, None)),
            Ok(None) => status = CacheStatus::Built,
            Err(reason) => {
                tracing::warn!(%reason, "reference cache is corrupt or truncated; rebuilding it");
                status = CacheStatus::Rebuilt;
            }
        }
        previous = cache::read_previous(dir, &compatibility).map(Previous::of);
        file = Some(path);
        looked_up = Some((sha256, key, compatibility));
    }
    // The extract is hashed again while it is read: a file replaced between the cache
    // lookup and the read must not be cached under the old file's key.
    let mut people = NormalizingSink::new(opts, previous);
    let mut src = ingest::read_source_into(input, readers, &mut people)?;
    if looked_up.as_ref().is_some_and(|(sha, _, _)| *sha != src.sha256) {
        return Err(IngestError::Changed { file: input.path.as_path().into() });
    }
    let Sunk { people, features, digests, reused: reused_people, previous, earlier } = people.finish();
    if reused_people > 0 {
        tracing::info!(reused = reused_people, normalized = people.len() as u64 - reused_people, "reference people reused from the last cache");
    }
    let reference = Reference {
        name: input.name.clone(),
        schema: input.schema.name.clone(),
        path: input.path.clone(),
        bytes: src.bytes,
        sha256: src.sha256.clone(),
        rows_read: src.rows_read,
        quarantine: std::mem::take(&mut src.quarantine),
        people,
        features,
        cache: status,
        cache_file: file.clone(),
        encoding: src.layout.encoding,
        digests,
        reused_people,
        cache_key: looked_up.as_ref().map(|(_, key, _)| key.clone()),
        previous,
    };
    let write = match (file, cache, looked_up) {
        (Some(path), Some(c), Some((_, key, compatibility))) => {
            Some(CacheWrite { path, key, compatibility, dir: c.dir.to_path_buf(), keep: c.keep, modes: c.modes, earlier })
        }
        _ => None,
    };
    Ok((reference, write))
}

/// The reference as its valid cache holds it, with the extract's size and SHA-256.
fn hit(input: &SourceInput, c: cache::Cached, (bytes, sha256): (u64, String), path: &Path, key: &str) -> Result<Reference, cache::CacheError> {
    let (rows_read, quarantine, encoding) = (c.rows_read, c.quarantine, c.encoding);
    let (people, features, digests) = c.people.into_columns()?;
    tracing::info!(people = people.len(), "reference cache hit");
    Ok(Reference {
        name: input.name.clone(),
        schema: input.schema.name.clone(),
        path: input.path.clone(),
        bytes,
        sha256,
        rows_read,
        quarantine,
        people,
        features,
        cache: CacheStatus::Hit,
        cache_file: Some(path.to_path_buf()),
        encoding,
        digests,
        reused_people: 0,
        cache_key: Some(key.to_string()),
        previous: None,
    })
}

/// An earlier extract's people, found by the digest of their raw rows.
struct Previous {
    /// Its cache key.
    key: String,
    /// Low 64 bits of the digest → the person (the first, when two rows share them).
    at: crate::link::features::KeyMap<u32>,
    /// The people as the cache holds them, decoded only when taken.
    people: cache::People,
    taken: Vec<bool>,
}

impl Previous {
    fn of((key, c): (String, cache::Cached)) -> Previous {
        let n = c.people.len();
        let mut at = crate::link::features::KeyMap::with_capacity_and_hasher(n, Default::default());
        for i in 0..n {
            at.entry(c.people.digest(i) as u64).or_insert(i as u32);
        }
        Previous { key, at, people: c.people, taken: vec![false; n] }
    }

    /// The earlier person with this raw row.
    fn find(&self, digest: u128) -> Option<usize> {
        let i = *self.at.get(&(digest as u64))? as usize;
        (self.people.digest(i) == digest).then_some(i)
    }

    /// Claims person `i` for a row of tonight's extract; false when a row took it already
    /// (a second identical row is normalized again).
    fn claim(&mut self, i: usize) -> bool {
        !std::mem::replace(&mut self.taken[i], true)
    }

    /// Its key and the features of the people not taken (None when one cannot be decoded),
    /// and its people.
    fn finish(self) -> (Option<(String, Vec<Features>)>, cache::People) {
        let left: Vec<usize> = self.taken.iter().enumerate().filter(|(_, t)| !**t).map(|(i, _)| i).collect();
        let departed: Option<Vec<Features>> = left.into_par_iter().map(|i| self.people.features(i)).collect::<Result<_, _>>().ok();
        (departed.map(|d| (self.key, d)), self.people)
    }
}

/// Raw reference records normalized in parallel batches as ingest builds them, each
/// reduced at once to what the run keeps: neither the raw records nor the full normalized
/// records of millions of people ever exist together.
struct NormalizingSink<'a> {
    opts: &'a NormalizeOptions,
    previous: Option<Previous>,
    batch: Vec<RawRecord>,
    people: Vec<ReferencePerson>,
    features: Vec<Features>,
    digests: Vec<u128>,
    reused: u64,
    /// Per person, its index in the earlier cache (`u32::MAX`: normalized tonight).
    origin: Vec<u32>,
}

/// What the sink made of the extract.
struct Sunk {
    people: Vec<ReferencePerson>,
    features: Vec<Features>,
    digests: Vec<u128>,
    reused: u64,
    /// The earlier cache's key and its people not reused.
    previous: Option<(String, Vec<Features>)>,
    /// The earlier cache's people and where tonight's came from, for the cache writer.
    earlier: Option<cache::Earlier>,
}

/// Raw records per batch: enough for every core to have whole chunks of work.
const SINK_BATCH: usize = 1 << 18;

impl<'a> NormalizingSink<'a> {
    fn new(opts: &'a NormalizeOptions, previous: Option<Previous>) -> Self {
        NormalizingSink {
            opts,
            previous,
            batch: Vec::with_capacity(SINK_BATCH),
            people: Vec::new(),
            features: Vec::new(),
            digests: Vec::new(),
            reused: 0,
            origin: Vec::new(),
        }
    }

    /// Each raw record of the batch becomes a person: the earlier extract's, when it had
    /// the same raw row (decoded from the earlier cache straight into tonight's columns),
    /// else normalized (in parallel).
    fn flush(&mut self) {
        let digests: Vec<u128> = self.batch.par_iter().map_init(Vec::new, |row, r| raw_digest(&r.values, row)).collect();
        // Looked up in parallel (random reads over millions of people), claimed in order.
        let mut found: Vec<Option<usize>> = match &self.previous {
            Some(p) => digests.par_iter().map(|&d| p.find(d)).collect(),
            None => vec![None; self.batch.len()],
        };
        if let Some(p) = &mut self.previous {
            for i in found.iter_mut() {
                *i = i.filter(|&i| p.claim(i));
            }
        }
        let reused = found.iter().filter(|i| i.is_some()).count();
        let todo: Vec<RawRecord> = self.batch.iter().zip(&found).filter(|(_, i)| i.is_none()).map(|(r, _)| r.clone()).collect();
        let normalized: Vec<(ReferencePerson, Features)> = self.normalize(&todo);
        let base = self.people.len();
        if reused == 0 {
            self.push_all(normalized);
        } else if !self.take_reused(&found) {
            // Never expected (the cache's checksum held): tonight's rows are all normalized.
            tracing::warn!("an earlier reference cache could not be decoded; its people are not reused");
            self.people.truncate(base);
            self.features.truncate(base);
            self.previous = None;
            let all = self.normalize(&self.batch);
            self.push_all(all);
        } else {
            self.reused += reused as u64;
            let (mut new, mut k) = (normalized.into_iter(), base);
            for i in &found {
                if i.is_none() {
                    let (p, f) = new.next().expect("a person for every row not reused");
                    (self.people[k], self.features[k]) = (p, f);
                }
                k += 1;
            }
        }
        match &self.previous {
            Some(_) => self.origin.extend(found.iter().map(|i| i.map_or(u32::MAX, |i| i as u32))),
            None => self.origin.clear(),
        }
        self.digests.extend(digests);
        self.batch.clear();
    }

    fn normalize(&self, rows: &[RawRecord]) -> Vec<(ReferencePerson, Features)> {
        normalize::map_records(rows, self.opts, |raw, n| (ReferencePerson::of(raw, &n), Features::from_record(&n))).collect()
    }

    fn push_all(&mut self, all: Vec<(ReferencePerson, Features)>) {
        for (p, f) in all {
            self.people.push(p);
            self.features.push(f);
        }
    }

    /// Appends a person per row of the batch: the earlier one for a `found` row, a
    /// placeholder for the others. False when an earlier person cannot be decoded.
    fn take_reused(&mut self, found: &[Option<usize>]) -> bool {
        let Some(prev) = &self.previous else { return false };
        let failed = std::sync::atomic::AtomicBool::new(false);
        let fail = || failed.store(true, std::sync::atomic::Ordering::Relaxed);
        let rows: Vec<u64> = self.batch.iter().map(|r| r.source_row).collect();
        // Each person decoded once, into both columns.
        let mut columns = (std::mem::take(&mut self.people), std::mem::take(&mut self.features));
        columns.par_extend(found.par_iter().zip(&rows).map(|(i, &source_row)| match i {
            Some(i) => prev.people.person(*i).map(|(p, f)| (ReferencePerson { source_row, ..p }, f)).unwrap_or_else(|_| {
                fail();
                Default::default()
            }),
            None => Default::default(),
        }));
        (self.people, self.features) = columns;
        !failed.into_inner()
    }

    /// Tonight's people, features and digests, how many were reused, and the earlier cache's
    /// key with its people not reused.
    fn finish(mut self) -> Sunk {
        self.flush();
        let (previous, earlier) = match self.previous.map(Previous::finish) {
            Some((Some(previous), people)) => (Some(previous), Some(cache::Earlier { people, origin: self.origin })),
            _ => (None, None),
        };
        Sunk { people: self.people, features: self.features, digests: self.digests, reused: self.reused, previous, earlier }
    }
}

impl RecordSink for NormalizingSink<'_> {
    fn reserve(&mut self, additional: usize) {
        self.people.reserve_exact(additional);
        self.features.reserve_exact(additional);
        self.digests.reserve_exact(additional);
    }

    fn push(&mut self, record: RawRecord) {
        self.batch.push(record);
        if self.batch.len() == SINK_BATCH {
            self.flush();
        }
    }
}

/// Bytes the reference caches in `dir` hold together (for the manifest).
pub fn cache_bytes(dir: &Path) -> u64 {
    cache::files(dir).iter().map(|(_, _, bytes)| bytes).sum()
}

/// A reference person's key in a worklist row and the store: the personal ID, or for a
/// person without one, `fp-` and a hash of the folded name, date of birth and sex.
pub fn person_key(f: &Features) -> String {
    use sha2::{Digest, Sha256};
    match &f.person_id {
        Some(id) => id.to_string(),
        None => {
            let mut h = Sha256::new();
            h.update(f.name.folded().as_bytes());
            h.update([0x1f]);
            h.update(f.dob.map(|d| d.display_vi()).unwrap_or_default().as_bytes());
            h.update([0x1f]);
            h.update(f.sex.map(|s| s.as_str()).unwrap_or_default().as_bytes());
            let hex: String = h.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect();
            format!("fp-{hex}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(path: &Path) -> SourceInput {
        SourceInput {
            name: "reference".into(),
            path: path.to_path_buf(),
            schema: crate::schema::Schema::built_in("reference").unwrap(),
            encoding: None,
            columns: Default::default(),
            sheet: None,
            key: None,
            limits: Default::default(),
        }
    }

    /// A changed extract (rows edited, removed, added, moved) reuses the earlier cache's
    /// people for its unchanged rows, and what it loads equals a load with no cache at all.
    #[test]
    fn a_changed_extract_reuses_unchanged_people_and_loads_as_without_a_cache() {
        let dir = tempfile::tempdir().unwrap();
        let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/demo/reference.csv")).unwrap();
        let path = dir.path().join("reference.csv");
        std::fs::write(&path, &demo).unwrap();
        let opts = NormalizeOptions::default();
        let settings = CacheSettings { dir: &dir.path().join("cache"), keep: 2, modes: crate::files::Modes::PRIVATE };
        let (first, write) = load(&input(&path), &ingest::Readers::CORE, &opts, Some(&settings)).unwrap();
        assert_eq!((first.cache, first.reused_people), (CacheStatus::Built, 0));
        write.unwrap().run(&first);

        let mut lines: Vec<&str> = demo.lines().collect();
        let mut fields: Vec<String> = lines[5].split(',').map(str::to_string).collect();
        fields[2].push_str(" Anh"); // the full name
        let edited = fields.join(",");
        lines[5] = &edited; // an edited row
        lines.remove(9); // a person gone
        lines.swap(20, 2000); // two people moved
        let added = "064099999999,,Nguyễn Văn Mới,01/02/1990,Nam,23799,,Còn sống,,01/11/2026,,";
        lines.insert(100, added); // a person added
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();

        let (second, write) = load(&input(&path), &ingest::Readers::CORE, &opts, Some(&settings)).unwrap();
        let (fresh, none) = load(&input(&path), &ingest::Readers::CORE, &opts, None).unwrap();
        assert!(none.is_none() && fresh.cache == CacheStatus::Disabled);
        assert_eq!(second.cache, CacheStatus::Built);
        assert_eq!(second.reused_people as usize, second.people.len() - 2, "all but the edited and the added row are reused");
        assert_eq!(second.people, fresh.people, "rows, statuses and dates as read tonight");
        assert_eq!(second.features, fresh.features);
        assert_eq!(second.digests, fresh.digests);
        let (key, departed) = second.previous.as_ref().unwrap();
        assert_eq!(Some(key), first.cache_key.as_ref());
        assert_eq!(departed.len(), 2, "the edited row's person as it was, and the one removed");
        assert!(departed.contains(&first.features[4]) && departed.contains(&first.features[8]), "lines 5 and 9 below the header");

        // Tonight's cache copies the reused people's bytes from last night's, with tonight's
        // row numbers (two moved): read back, it holds what a fresh load does.
        write.unwrap().run(&second);
        let (third, _) = load(&input(&path), &ingest::Readers::CORE, &opts, Some(&settings)).unwrap();
        assert_eq!(third.cache, CacheStatus::Hit);
        assert_eq!((third.people, third.features, third.digests), (fresh.people, fresh.features, fresh.digests));
    }

    #[test]
    fn a_person_round_trips_through_the_codec() {
        let p = ReferencePerson {
            source_row: 9,
            status: Some(Status::Deceased),
            death_date: Some(PartialDate::ymd(2024, 5, 0)),
            updated_at: None,
            parents: Some(Box::new((Some("001".into()), None))),
        };
        assert_eq!(crate::codec::from_bytes(&crate::codec::to_bytes(|w| p.write(w)), ReferencePerson::read), Ok(p));
    }
}
