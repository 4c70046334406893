//! The on-disk reference cache: a versioned binary file with a SHA-256 trailer,
//! written to a temporary name and renamed, so it is complete or absent.

use super::{Reference, ReferencePerson};
use crate::codec::{Reader as R, Writer as W};
use crate::files::{self, Modes};
use crate::ingest::{QuarantineReason, QuarantineRow, SourceInput};
use crate::link::features::Features;
use crate::normalize::NormalizeOptions;
use crate::text::legacy::{Detection, Encoding};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// Bump whenever normalization or this layout changes what a cache holds.
pub const INDEX_FORMAT: u32 = 6;
const MAGIC: &[u8; 8] = b"LSREF\0\0\x04";

pub(super) struct Cached {
    pub rows_read: u64,
    pub encoding: Option<Detection>,
    pub quarantine: Vec<QuarantineRow>,
    pub people: Vec<ReferencePerson>,
    pub features: Vec<Features>,
}

/// The key: extract content, the build (a hash of lamsach's code, schemas and code lists,
/// made by build.rs: any change to normalization makes a new key), the schema's content (an
/// edited custom schema too), and every option that changes the result.
pub(super) fn cache_key(sha: &str, input: &SourceInput, opts: &NormalizeOptions) -> String {
    let mut cols: Vec<_> = input.columns.iter().collect();
    cols.sort();
    let desc = format!(
        "{sha}|{INDEX_FORMAT}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        env!("LAMSACH_BUILD_ID"),
        opts.this_year, // two-digit years are read against it
        opts.tone_style,
        opts.date_order,
        opts.province,
        opts.commune_code_era,
        input.encoding,
        cols,
        input.schema,
        input.sheet
    );
    format!("{:x}", Sha256::digest(desc.as_bytes()))
}

pub(super) fn write(path: &Path, key: &str, r: &Reference, modes: Modes) -> std::io::Result<()> {
    let mut w = W(Vec::with_capacity(r.people.len() * 160));
    w.0.extend_from_slice(MAGIC);
    w.str(key);
    w.u64(r.rows_read);
    w.opt(r.encoding.map(|d| d.encoding.as_str()));
    w.u64(r.encoding.map_or(0, |d| d.confidence.to_bits() as u64 | (d.has_bom as u64) << 32));
    w.u64(r.quarantine.len() as u64);
    for q in &r.quarantine {
        w.u64(q.source_row);
        w.u64(q.source_row_end);
        w.str(q.reason.as_str());
        w.str(&q.raw);
    }
    w.u64(r.people.len() as u64);
    for (p, f) in r.people.iter().zip(&r.features) {
        p.write(&mut w);
        w.features(f);
    }
    let digest = Sha256::digest(&w.0);
    w.0.extend_from_slice(&digest);
    if let Some(dir) = path.parent() {
        files::create_dir(dir, modes)?;
    }
    let tmp = path.with_extension("lsref.tmp");
    {
        // The whole extract is in here: no other user may read it, even for a moment.
        let mut f = std::fs::File::create(&tmp)?;
        files::set_mode(&tmp, modes.file)?;
        f.write_all(&w.0)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        files::sync_dir(dir)?;
    }
    Ok(())
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

/// Ok(None): no cache. Err: a cache exists but cannot be trusted.
pub(super) fn read(path: &Path, key: &str) -> Result<Option<Cached>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    if bytes.len() < MAGIC.len() + 32 || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a lamsach reference cache of this format".into());
    }
    let (body, digest) = bytes.split_at(bytes.len() - 32);
    if Sha256::digest(body).as_slice() != digest {
        return Err("checksum mismatch".into());
    }
    let mut r = R(&body[MAGIC.len()..]);
    if r.str()? != key {
        return Ok(None);
    }
    let rows_read = r.u64()?;
    let encoding_name = r.opt()?;
    let bits = r.u64()?;
    let encoding = match encoding_name {
        Some(name) => {
            let encoding = Encoding::parse(&name).ok_or("unknown encoding")?;
            Some(Detection { encoding, confidence: f32::from_bits(bits as u32), has_bom: bits >> 32 != 0 })
        }
        None => None,
    };
    let nq = r.u64()? as usize;
    let mut quarantine = Vec::with_capacity(nq.min(1 << 20));
    for _ in 0..nq {
        let source_row = r.u64()?;
        let source_row_end = r.u64()?;
        let reason = match r.str()?.as_str() {
            "FIELD_COUNT" => QuarantineReason::FieldCount,
            "UNDECODABLE" => QuarantineReason::Undecodable,
            "UNCLOSED_QUOTE" => QuarantineReason::UnclosedQuote,
            "NO_SUBJECT" => QuarantineReason::NoSubject,
            _ => QuarantineReason::Unreadable,
        };
        quarantine.push(QuarantineRow { source_row, source_row_end, reason, raw: r.str()? });
    }
    let n = r.u64()? as usize;
    let mut people = Vec::with_capacity(n.min(1 << 26));
    let mut features = Vec::with_capacity(n.min(1 << 26));
    for _ in 0..n {
        people.push(ReferencePerson::read(&mut r)?);
        features.push(r.features()?);
    }
    if !r.0.is_empty() {
        return Err("trailing bytes".into());
    }
    Ok(Some(Cached { rows_read, encoding, quarantine, people, features }))
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
        };
        let opts = NormalizeOptions::default();
        let mut edited = input.clone();
        edited.schema.fields[0].aliases.push("Số định danh công dân".into());
        assert_eq!(edited.schema.name, input.schema.name);
        assert_ne!(cache_key("abc", &input, &opts), cache_key("abc", &edited, &opts), "an edited schema is a new cache");
        assert_eq!(cache_key("abc", &input, &opts), cache_key("abc", &input.clone(), &opts));
        assert!(!env!("LAMSACH_BUILD_ID").is_empty(), "build.rs gives every build its identity");
    }
}
