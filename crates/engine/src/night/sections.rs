//! The state files beside the store (`record_digests.bin`, `links.bin`) share one layout: a
//! 6-byte magic line, the number of sections, then per section its name and its fixed-size
//! records, little-endian. Written to a temporary file and renamed into place; a missing,
//! foreign or truncated file reads as empty (the next night just does more work).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

/// Named sections of records.
pub type Sections<T> = BTreeMap<String, Vec<T>>;

/// Reads a file written by [`save`] with the same magic and record size.
pub fn load<T>(path: &Path, magic: &[u8; 6], size: usize, read: impl Fn(&[u8]) -> T) -> Sections<T> {
    let mut bytes = Vec::new();
    if std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).is_err() || !bytes.starts_with(magic) {
        return Sections::new();
    }
    parse(&bytes[magic.len()..], size, read).unwrap_or_default()
}

fn parse<T>(mut b: &[u8], size: usize, read: impl Fn(&[u8]) -> T) -> Option<Sections<T>> {
    let mut take = |n: usize| -> Option<&[u8]> {
        let (a, rest) = (b.get(..n)?, b.get(n..)?);
        b = rest;
        Some(a)
    };
    let mut out = Sections::new();
    let sections = u64::from_le_bytes(take(8)?.try_into().ok()?);
    for _ in 0..sections {
        let len = u64::from_le_bytes(take(8)?.try_into().ok()?) as usize;
        let name = String::from_utf8(take(len)?.to_vec()).ok()?;
        let n = u64::from_le_bytes(take(8)?.try_into().ok()?) as usize;
        let raw = take(n.checked_mul(size)?)?;
        out.insert(name, raw.chunks_exact(size).map(&read).collect());
    }
    Some(out)
}

/// Writes the sections, each record through `write`, and flushes the file before the rename.
pub fn save<T>(path: &Path, magic: &[u8; 6], sections: &Sections<T>, write: impl Fn(&T, &mut Vec<u8>), modes: crate::files::Modes) -> std::io::Result<()> {
    let tmp = path.with_extension("bin.tmp");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        f.write_all(magic)?;
        f.write_all(&(sections.len() as u64).to_le_bytes())?;
        let mut buf = Vec::new();
        for (name, v) in sections {
            f.write_all(&(name.len() as u64).to_le_bytes())?;
            f.write_all(name.as_bytes())?;
            f.write_all(&(v.len() as u64).to_le_bytes())?;
            for x in v {
                buf.clear();
                write(x, &mut buf);
                f.write_all(&buf)?;
            }
        }
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    }
    crate::files::set_mode(&tmp, modes.file)?;
    std::fs::rename(&tmp, path)
}

/// The little-endian u64 at `at`.
pub fn u64_at(c: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(c[at..at + 8].try_into().expect("8 bytes"))
}
