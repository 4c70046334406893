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
#[derive(Clone, Debug, PartialEq)]
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
    pub fn read(r: &mut Reader) -> Result<ReferencePerson, String> {
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
    dir: PathBuf,
    keep: usize,
    modes: crate::files::Modes,
}

impl CacheWrite {
    /// Writes the cache and prunes older ones; a failure only costs the next run a rebuild.
    pub fn run(self, reference: &Reference) {
        match cache::write(&self.path, &self.key, reference, self.modes) {
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
/// and these options, else by ingesting and normalizing it; then the cache to write, if any.
pub fn load(input: &SourceInput, opts: &NormalizeOptions, cache: Option<&CacheSettings>) -> Result<(Reference, Option<CacheWrite>), IngestError> {
    let mut status = CacheStatus::Disabled;
    let mut file = None;
    let mut looked_up: Option<(String, String)> = None; // (sha256, cache key)
    if let Some(CacheSettings { dir, .. }) = cache {
        let (bytes, sha256) = ingest::sha256_file(&input.path)?;
        let key = cache::cache_key(&sha256, input, opts);
        let path = dir.join(format!("reference-{}.lsref", &key[..16]));
        match cache::read(&path, &key) {
            Ok(Some(c)) => {
                tracing::info!(people = c.people.len(), "reference cache hit");
                let hit = Reference {
                    name: input.name.clone(),
                    schema: input.schema.name.clone(),
                    path: input.path.clone(),
                    bytes,
                    sha256,
                    rows_read: c.rows_read,
                    quarantine: c.quarantine,
                    people: c.people,
                    features: c.features,
                    cache: CacheStatus::Hit,
                    cache_file: Some(path),
                    encoding: c.encoding,
                };
                return Ok((hit, None));
            }
            Ok(None) => status = CacheStatus::Built,
            Err(reason) => {
                tracing::warn!(%reason, "reference cache is corrupt or truncated; rebuilding it");
                status = CacheStatus::Rebuilt;
            }
        }
        file = Some(path);
        looked_up = Some((sha256, key));
    }
    // The extract is hashed again while it is read: a file replaced between the cache
    // lookup and the read must not be cached under the old file's key.
    let mut people = NormalizingSink::new(opts);
    let mut src = ingest::read_source_into(input, &mut people)?;
    if looked_up.as_ref().is_some_and(|(sha, _)| *sha != src.sha256) {
        return Err(IngestError::Changed { file: input.path.display().to_string() });
    }
    let (people, features) = people.finish();
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
    };
    let write = match (file, cache, looked_up) {
        (Some(path), Some(c), Some((_, key))) => Some(CacheWrite { path, key, dir: c.dir.to_path_buf(), keep: c.keep, modes: c.modes }),
        _ => None,
    };
    Ok((reference, write))
}

/// Raw reference records normalized in parallel batches as ingest builds them, each
/// reduced at once to what the run keeps: neither the raw records nor the full normalized
/// records of millions of people ever exist together.
struct NormalizingSink<'a> {
    opts: &'a NormalizeOptions,
    batch: Vec<RawRecord>,
    people: Vec<ReferencePerson>,
    features: Vec<Features>,
}

/// Raw records per batch: enough for every core to have whole chunks of work.
const SINK_BATCH: usize = 1 << 18;

impl<'a> NormalizingSink<'a> {
    fn new(opts: &'a NormalizeOptions) -> Self {
        NormalizingSink { opts, batch: Vec::with_capacity(SINK_BATCH), people: Vec::new(), features: Vec::new() }
    }

    fn flush(&mut self) {
        let (people, features): (Vec<ReferencePerson>, Vec<Features>) =
            normalize::map_records(&self.batch, self.opts, |raw, n| (ReferencePerson::of(raw, &n), Features::from_record(&n))).unzip();
        self.people.extend(people);
        self.features.extend(features);
        self.batch.clear();
    }

    fn finish(mut self) -> (Vec<ReferencePerson>, Vec<Features>) {
        self.flush();
        (self.people, self.features)
    }
}

impl RecordSink for NormalizingSink<'_> {
    fn reserve(&mut self, additional: usize) {
        self.people.reserve_exact(additional);
        self.features.reserve_exact(additional);
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

#[cfg(test)]
mod tests {
    use super::*;

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
