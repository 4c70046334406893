//! The on-disk reference cache: a versioned binary file with an XXH3-128 trailer, written
//! to a temporary name and renamed, so it is complete or absent. People are stored in
//! chunks, encoded a few at a time in parallel and written as they are done, each after its
//! length; each chunk lists its people's raw-row digests and where each person's bytes end,
//! so the next extract finds the people it did not change in the mapped file and decodes
//! only those ([`read_previous`], [`People`]).

use super::{Reference, ReferencePerson};
use crate::codec::{FormatError, Reader as R, Writer as W};
use crate::files::{self, Modes};
use crate::ingest::{QuarantineReason, QuarantineRow, SourceInput};
use crate::link::features::Features;
use crate::normalize::NormalizeOptions;
use crate::text::legacy::{Detection, Encoding};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use xxhash_rust::xxh3::Xxh3;

/// Bump whenever normalization or this layout changes what a cache holds.
pub const INDEX_FORMAT: u32 = 9;
const MAGIC: &[u8; 8] = b"LSREF\0\0\x07";
/// People per chunk (every chunk but the last holds exactly this many).
pub(super) const CHUNK: usize = 1 << 15;

pub(super) struct Cached {
    pub rows_read: u64,
    pub encoding: Option<Detection>,
    pub quarantine: Vec<QuarantineRow>,
    /// The people in file order, still encoded: decoded one by one where they are needed.
    pub people: People,
}

/// A cache's people as its mapped file holds them. Each chunk of [`CHUNK`] people is laid out
/// as its count, its people's digests, the end of each person's bytes, then those bytes: a
/// digest is read in place, and a person is decoded straight into the run's columns (no
/// decoded copy of millions of people in between).
pub(super) struct People {
    map: memmap2::Mmap,
    chunks: Vec<ChunkAt>,
    len: usize,
}

/// People, their features and their raw rows' digests, one column each.
pub(super) type Columns = (Vec<ReferencePerson>, Vec<Features>, Vec<u128>);

/// An earlier cache's people and, per person of tonight's extract, the index of the earlier
/// person it was taken from (`u32::MAX`: normalized tonight): the writer copies their bytes.
pub(super) struct Earlier {
    pub people: People,
    pub origin: Vec<u32>,
}

/// Where a chunk's parts start in the map.
struct ChunkAt {
    count: usize,
    digests: usize,
    ends: usize,
    body: usize,
}

impl People {
    pub fn len(&self) -> usize {
        self.len
    }

    fn at(&self, i: usize) -> (&ChunkAt, usize) {
        (&self.chunks[i / CHUNK], i % CHUNK)
    }

    /// The digest of person `i`'s raw row.
    pub fn digest(&self, i: usize) -> u128 {
        let (c, k) = self.at(i);
        u128::from_le_bytes(self.map[c.digests + 16 * k..c.digests + 16 * (k + 1)].try_into().expect("16 bytes"))
    }

    fn end(&self, c: &ChunkAt, k: usize) -> usize {
        u32::from_le_bytes(self.map[c.ends + 4 * k..c.ends + 4 * (k + 1)].try_into().expect("4 bytes")) as usize
    }

    /// Person `i`'s bytes.
    fn bytes(&self, i: usize) -> &[u8] {
        let (c, k) = self.at(i);
        let start = if k == 0 { 0 } else { self.end(c, k - 1) };
        &self.map[c.body + start..c.body + self.end(c, k)]
    }

    /// Person `i`'s features.
    pub fn features(&self, i: usize) -> Result<Features, FormatError> {
        Ok(self.person(i)?.1)
    }

    /// Person `i` and its features.
    pub fn person(&self, i: usize) -> Result<(ReferencePerson, Features), FormatError> {
        let mut r = R(self.bytes(i));
        let person = ReferencePerson::read(&mut r)?;
        let features = r.features()?;
        if !r.0.is_empty() {
            return Err(FormatError::Damaged("trailing bytes in a person"));
        }
        Ok((person, features))
    }

    /// Every person, features and digest as whole columns, decoded in parallel.
    pub fn into_columns(self) -> Result<Columns, FormatError> {
        let failed = std::sync::Mutex::new(None);
        let (mut people, mut features) = (Vec::new(), Vec::new());
        (0..self.len)
            .into_par_iter()
            .map(|i| {
                self.person(i).unwrap_or_else(|e| {
                    failed.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
                    Default::default()
                })
            })
            .unzip_into_vecs(&mut people, &mut features);
        if let Some(e) = failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        let digests = (0..self.len).into_par_iter().map(|i| self.digest(i)).collect();
        Ok((people, features, digests))
    }
}

/// What makes two caches' people comparable: the build (a hash of lamsach's code, schemas and
/// code lists, made by build.rs: any change to normalization makes a new key), the schema's
/// content (an edited custom schema too), and every option that changes the result.
pub(super) fn compatibility(input: &SourceInput, opts: &NormalizeOptions) -> String {
    let mut cols: Vec<_> = input.columns.iter().collect();
    cols.sort();
    let desc = format!(
        "{INDEX_FORMAT}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        env!("LAMSACH_BUILD_ID"),
        opts.this_year, // two-digit years are read against it
        opts.tone_style,
        opts.date_order,
        opts.province,
        opts.commune_code_era,
        opts.address_era,
        input.encoding,
        cols,
        input.schema,
        input.sheet
    );
    format!("{:x}", Sha256::digest(desc.as_bytes()))
}

/// The key: the extract's content and [`compatibility`].
pub(super) fn cache_key(sha: &str, compatibility: &str) -> String {
    format!("{:x}", Sha256::digest(format!("{sha}|{compatibility}").as_bytes()))
}

pub(super) fn write(path: &Path, key: &str, compatibility: &str, r: &Reference, modes: Modes, earlier: Option<&Earlier>) -> std::io::Result<()> {
    if r.digests.len() != r.people.len() || r.features.len() != r.people.len() {
        // A reference assembled without its rows' digests (a binding's) has nothing to cache.
        return Err(std::io::Error::other("the reference has no digest for every person"));
    }
    let mut head = W(Vec::new());
    head.0.extend_from_slice(MAGIC);
    head.str(key);
    head.str(compatibility);
    head.u64(r.rows_read);
    head.opt(r.encoding.map(|d| d.encoding.as_str()));
    head.u64(r.encoding.map_or(0, |d| d.confidence.to_bits() as u64 | (d.has_bom as u64) << 32));
    head.u64(r.quarantine.len() as u64);
    for q in &r.quarantine {
        head.u64(q.source_row);
        head.u64(q.source_row_end);
        head.str(q.reason.as_str());
        head.str(&q.raw);
    }
    let earlier = earlier.filter(|e| e.origin.len() == r.people.len());
    let n = r.people.len();
    head.u64(n as u64);
    head.u64(n.div_ceil(CHUNK) as u64);
    if let Some(dir) = path.parent() {
        files::create_dir(dir, modes)?;
    }
    let tmp = path.with_extension("lsref.tmp");
    if let Err(e) = write_file(&tmp, &head.0, r, earlier, modes) {
        // A cache left half written would only be found corrupt and rebuilt: better gone.
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        files::sync_dir(dir)?;
    }
    Ok(())
}

/// The cache file under its temporary name: the head, then the people's chunks, then the
/// XXH3-128 of everything before it; synced to disk.
fn write_file(tmp: &Path, head: &[u8], r: &Reference, earlier: Option<&Earlier>, modes: Modes) -> std::io::Result<()> {
    // The whole extract is in here: no other user may read it, even for a moment.
    let f = std::fs::File::create(tmp)?;
    files::set_mode(tmp, modes.file)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, f);
    let mut sum = Xxh3::new();
    let mut put = |part: &[u8]| -> std::io::Result<()> {
        sum.update(part);
        out.write_all(part)
    };
    put(head)?;
    // Chunks are encoded a few at a time in parallel and written as they are done, each
    // after its length: never the whole cache in memory (2 GB of fresh pages at 10M people).
    let n = r.people.len();
    let per_batch = rayon::current_num_threads().max(1) * 2;
    let chunks: Vec<usize> = (0..n.div_ceil(CHUNK)).collect();
    for batch in chunks.chunks(per_batch) {
        let encoded: Vec<(Vec<u8>, Vec<u8>)> = batch
            .par_iter()
            .map(|&c| {
                let range = c * CHUNK..((c + 1) * CHUNK).min(n);
                let (people, features, digests) = (&r.people[range.clone()], &r.features[range.clone()], &r.digests[range]);
                encode_chunk(people, features, digests, earlier.map(|e| (e, c * CHUNK)))
            })
            .collect::<std::io::Result<_>>()?;
        for (lead, body) in encoded {
            put(&((lead.len() + body.len()) as u64).to_le_bytes())?;
            put(&lead)?;
            put(&body)?;
        }
    }
    let sum = sum.digest128();
    out.write_all(&sum.to_le_bytes())?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// The reference caches in `dir`: (path, modified, bytes), newest first.
pub(super) fn files(dir: &Path) -> Vec<(std::path::PathBuf, std::time::SystemTime, u64)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<_> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "lsref"))
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            Some((e.path(), m.modified().ok()?, m.len()))
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Deletes all but the `keep` newest caches; returns how many went.
pub(super) fn prune(dir: &Path, keep: usize) -> usize {
    files(dir).iter().skip(keep).filter(|(p, _, _)| std::fs::remove_file(p).is_ok()).count()
}

/// Why a cache that exists cannot be used (it is rebuilt).
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read it: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Format(#[from] FormatError),
}

/// Ok(None): no cache. Err: a cache exists but cannot be trusted.
pub(super) fn read(path: &Path, key: &str) -> Result<Option<Cached>, CacheError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    // Mapped, not read: the file is usually still in the page cache, and a copy would take as
    // much fresh memory again (2 GB at 10M people), every page zeroed by the kernel first.
    // SAFETY: a cache is written under a temporary name and renamed into place, never changed
    // in place (a cache deleted while mapped stays readable until unmapped).
    let map = unsafe { memmap2::Mmap::map(&file) }?;
    let bytes: &[u8] = &map;
    if bytes.len() < MAGIC.len() + 16 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(FormatError::Damaged("not a lamsach reference cache of this format").into());
    }
    let (body, sum) = bytes.split_at(bytes.len() - 16);
    if xxhash_rust::xxh3::xxh3_128(body).to_le_bytes() != sum {
        return Err(FormatError::Damaged("checksum mismatch").into());
    }
    let mut r = R(&body[MAGIC.len()..]);
    if r.str()? != key {
        return Ok(None);
    }
    let _compatibility = r.str()?;
    let (rows_read, encoding, quarantine, chunks) = decode(r, bytes.as_ptr() as usize)?;
    let len = chunks.iter().map(|c| c.count).sum();
    Ok(Some(Cached { rows_read, encoding, quarantine, people: People { map, chunks, len } }))
}

/// The newest cache in `dir` made by this build with these options for an earlier extract:
/// its people, by the digest of their raw rows, are the ones tonight's extract can reuse.
pub(super) fn read_previous(dir: &Path, compatibility: &str) -> Option<(String, Cached)> {
    files(dir).into_iter().find_map(|(path, _, _)| {
        let key = header(&path).filter(|(_, c)| c == compatibility)?.0;
        match read(&path, &key) {
            Ok(c) => c.map(|c| (key, c)),
            Err(reason) => {
                tracing::warn!(%reason, "an earlier reference cache is corrupt or truncated; not reused");
                None
            }
        }
    })
}

/// A cache's key and compatibility, from its first bytes.
fn header(path: &Path) -> Option<(String, String)> {
    let mut b = Vec::with_capacity(512);
    std::fs::File::open(path).ok()?.take(512).read_to_end(&mut b).ok()?;
    let rest = b.strip_prefix(MAGIC.as_slice())?;
    let mut r = R(rest);
    Some((r.str().ok()?, r.str().ok()?))
}

type Header = (u64, Option<Detection>, Vec<QuarantineRow>, Vec<ChunkAt>);

/// The header, and where each chunk's parts lie (`base`: the map's address, for offsets).
fn decode(mut r: R, base: usize) -> Result<Header, FormatError> {
    let rows_read = r.u64()?;
    let encoding_name = r.opt()?;
    let bits = r.u64()?;
    let encoding = match encoding_name {
        Some(name) => {
            let encoding = Encoding::parse(&name).ok_or(FormatError::Damaged("unknown encoding"))?;
            Some(Detection { encoding, confidence: f32::from_bits(bits as u32), has_bom: bits >> 32 != 0 })
        }
        None => None,
    };
    let nq = r.u64()? as usize;
    let mut quarantine = Vec::with_capacity(nq.min(1 << 20));
    for _ in 0..nq {
        let source_row = r.u64()?;
        let source_row_end = r.u64()?;
        let reason = QuarantineReason::parse(&r.str()?).unwrap_or(QuarantineReason::Unreadable);
        quarantine.push(QuarantineRow { source_row, source_row_end, reason, raw: r.str()? });
    }
    let n = r.u64()? as usize;
    let nchunks = r.u64()? as usize;
    let mut rest: &[u8] = r.0;
    let mut parts = Vec::with_capacity(nchunks.min(1 << 20));
    for _ in 0..nchunks {
        let (len, after) = rest.split_at_checked(8).ok_or(FormatError::Truncated)?;
        let len = u64::from_le_bytes(len.try_into().expect("8 bytes")) as usize;
        let (part, after) = after.split_at_checked(len).ok_or(FormatError::Truncated)?;
        parts.push(part);
        rest = after;
    }
    if !rest.is_empty() {
        return Err(FormatError::TrailingBytes);
    }
    let chunks: Vec<ChunkAt> = parts.into_par_iter().map(|p| chunk_at(p, base)).collect::<Result<_, _>>()?;
    let (last, full) = chunks.split_last().map_or((0, &[][..]), |(l, f)| (l.count, f));
    if full.iter().any(|c| c.count != CHUNK) || full.len() * CHUNK + last != n {
        return Err(FormatError::Damaged("people count mismatch"));
    }
    Ok((rows_read, encoding, quarantine, chunks))
}

/// One chunk's bytes as its lead (count, digests, ends) and its people, written one after the
/// other. A person taken from the earlier cache (`earlier`: that cache and where the chunk
/// starts in tonight's people) is its bytes there with tonight's row number, not encoded again.
fn encode_chunk(
    people: &[ReferencePerson],
    features: &[Features],
    digests: &[u128],
    earlier: Option<(&Earlier, usize)>,
) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut body = W(Vec::with_capacity(people.len() * 200));
    let mut ends = Vec::with_capacity(people.len());
    for (k, (p, f)) in people.iter().zip(features).enumerate() {
        let origin = earlier.map(|(e, start)| (e, e.origin[start + k])).filter(|&(_, o)| o != u32::MAX);
        match origin.and_then(|(e, o)| e.people.bytes(o as usize).get(8..)) {
            Some(rest) => {
                body.u64(p.source_row);
                body.0.extend_from_slice(rest);
            }
            None => {
                p.write(&mut body);
                body.features(f);
            }
        }
        ends.push(u32::try_from(body.0.len()).map_err(|_| std::io::Error::other("a chunk of the reference cache exceeds 4 GiB"))?);
    }
    let mut lead = W(Vec::with_capacity(8 + people.len() * 20));
    lead.u64(people.len() as u64);
    for d in digests {
        lead.0.extend_from_slice(&d.to_le_bytes());
    }
    for e in ends {
        lead.0.extend_from_slice(&e.to_le_bytes());
    }
    Ok((lead.0, body.0))
}

/// A chunk's parts; its people's ends must rise within its bytes.
fn chunk_at(b: &[u8], base: usize) -> Result<ChunkAt, FormatError> {
    let mut r = R(b);
    let count = r.u64()? as usize;
    let digests = r.take(count.checked_mul(16).ok_or(FormatError::Damaged("chunk too large"))?)?.as_ptr() as usize - base;
    let rest = r.0;
    if rest.len() < count * 4 {
        return Err(FormatError::Truncated);
    }
    let (ends, body) = rest.split_at(count * 4);
    let mut last = 0;
    for e in ends.chunks_exact(4) {
        let e = u32::from_le_bytes(e.try_into().expect("4 bytes")) as usize;
        if e < last || e > body.len() {
            return Err(FormatError::Damaged("person offsets out of range"));
        }
        last = e;
    }
    if last != body.len() {
        return Err(FormatError::Damaged("trailing bytes in a chunk"));
    }
    Ok(ChunkAt { count, digests, ends: ends.as_ptr() as usize - base, body: body.as_ptr() as usize - base })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;

    #[test]
    fn the_key_follows_the_schemas_content_not_its_name() {
        let schema = Schema::built_in("reference").unwrap();
        let input = SourceInput {
            name: "reference".into(),
            path: "x.csv".into(),
            schema: schema.clone(),
            encoding: None,
            columns: Default::default(),
            sheet: None,
            key: None,
            limits: Default::default(),
        };
        let opts = NormalizeOptions::default();
        let mut edited = input.clone();
        edited.schema.fields[0].aliases.push("Số định danh công dân".into());
        assert_eq!(edited.schema.name, input.schema.name);
        assert_ne!(compatibility(&input, &opts), compatibility(&edited, &opts), "an edited schema is a new cache");
        assert_eq!(compatibility(&input, &opts), compatibility(&input.clone(), &opts));
        assert_ne!(cache_key("abc", &compatibility(&input, &opts)), cache_key("abd", &compatibility(&input, &opts)));
        assert!(!env!("LAMSACH_BUILD_ID").is_empty(), "build.rs gives every build its identity");
    }
}
