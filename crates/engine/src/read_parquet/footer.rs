//! A Parquet file's footer checked before the Parquet reader sees it. The footer is Thrift
//! (compact protocol) and its lists declare their own lengths; the reader reserves memory for a
//! declared length before reading it, so 3 KB of hostile footer asked it for 7.6 GB (found by
//! the `parquet` fuzz target) and a larger count would abort the night. Every list and map here
//! must fit in the bytes left (each element takes at least one byte), nesting is bounded, and
//! the footer itself is at most [`MAX_FOOTER`] bytes.

use std::io::{Read, Seek, SeekFrom};

/// Footers larger than this are refused (a 10M-row export's footer is a few megabytes).
pub const MAX_FOOTER: u64 = 64 << 20;
/// Structs within structs: the Parquet format nests a few levels deep.
const MAX_DEPTH: usize = 32;

/// Why a footer is refused, in words for an error message.
pub type Refusal = &'static str;

/// Reads and checks the footer of the Parquet file `f` (of `len` bytes).
pub fn check(f: &mut (impl Read + Seek), len: u64) -> Result<(), Refusal> {
    const NOT_PARQUET: Refusal = "it does not end as a Parquet file does";
    if len < 12 {
        return Err(NOT_PARQUET);
    }
    let mut tail = [0u8; 8];
    f.seek(SeekFrom::Start(len - 8)).and_then(|_| f.read_exact(&mut tail)).map_err(|_| NOT_PARQUET)?;
    if &tail[4..] != b"PAR1" {
        return Err(NOT_PARQUET);
    }
    let size = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as u64;
    if size > len - 12 {
        return Err("its footer claims more bytes than the file holds");
    }
    if size > MAX_FOOTER {
        return Err("its footer is larger than any export's (64 MiB)");
    }
    let mut footer = vec![0u8; size as usize];
    f.seek(SeekFrom::Start(len - 8 - size)).and_then(|_| f.read_exact(&mut footer)).map_err(|_| NOT_PARQUET)?;
    let mut walk = Walk { bytes: &footer, at: 0 };
    walk.structure(0)?;
    Ok(())
}

/// A walk over Thrift compact-protocol bytes that reads nothing but sizes.
struct Walk<'a> {
    bytes: &'a [u8],
    at: usize,
}

const BROKEN: Refusal = "its footer is damaged (a truncated or altered file)";

impl Walk<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn byte(&mut self) -> Result<u8, Refusal> {
        let b = *self.bytes.get(self.at).ok_or(BROKEN)?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, Refusal> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift).ok_or(BROKEN)?;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(BROKEN)
    }

    fn skip(&mut self, n: u64) -> Result<(), Refusal> {
        if n > self.left() as u64 {
            return Err(BROKEN);
        }
        self.at += n as usize;
        Ok(())
    }

    /// A collection's declared length, which must fit in what is left.
    fn count(&mut self, n: u64) -> Result<u64, Refusal> {
        if n > self.left() as u64 { Err("its footer declares a list longer than the file") } else { Ok(n) }
    }

    /// One value of compact type `t`.
    fn value(&mut self, t: u8, depth: usize) -> Result<(), Refusal> {
        match t {
            1 | 2 => Ok(()), // a bool in a field header
            3 => self.skip(1),
            4..=6 => self.varint().map(drop),
            7 => self.skip(8),
            8 => {
                let n = self.varint()?;
                self.skip(n)
            }
            9 | 10 => {
                let head = self.byte()?;
                let n = if head >> 4 == 15 { self.varint()? } else { u64::from(head >> 4) };
                let n = self.count(n)?;
                let element = head & 0x0f;
                for _ in 0..n {
                    // A bool inside a list is a whole byte.
                    if matches!(element, 1 | 2) { self.skip(1)? } else { self.value(element, depth + 1)? }
                }
                Ok(())
            }
            11 => {
                let declared = self.varint()?;
                let n = self.count(declared)?;
                if n == 0 {
                    return Ok(());
                }
                let kinds = self.byte()?;
                for _ in 0..n {
                    self.value(kinds >> 4, depth + 1)?;
                    self.value(kinds & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            12 => self.structure(depth + 1),
            _ => Err(BROKEN),
        }
    }

    fn structure(&mut self, depth: usize) -> Result<(), Refusal> {
        if depth > MAX_DEPTH {
            return Err("its footer nests deeper than the Parquet format does");
        }
        loop {
            let head = self.byte()?;
            if head == 0 {
                return Ok(());
            }
            if head >> 4 == 0 {
                self.varint()?; // a field ID written out in full
            }
            self.value(head & 0x0f, depth)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A file of `footer` bytes behind a magic number, with its length and the closing magic.
    fn file(footer: &[u8]) -> Cursor<Vec<u8>> {
        let mut b = b"PAR1".to_vec();
        b.extend_from_slice(footer);
        b.extend_from_slice(&(footer.len() as u32).to_le_bytes());
        b.extend_from_slice(b"PAR1");
        Cursor::new(b)
    }

    fn checked(footer: &[u8]) -> Result<(), Refusal> {
        let mut f = file(footer);
        let len = f.get_ref().len() as u64;
        check(&mut f, len)
    }

    #[test]
    fn a_footer_whose_lists_fit_is_accepted() {
        // field 1 i32 = 1; field 2: list of 2 structs {field 1: binary "ab"}; field 3: bool; stop.
        let footer = [0x15, 0x02, 0x19, 0x2c, 0x18, 0x02, b'a', b'b', 0x00, 0x18, 0x00, 0x00, 0x11, 0x00];
        assert_eq!(checked(&footer), Ok(()));
    }

    #[test]
    fn lists_longer_than_the_file_damaged_bytes_and_deep_nesting_are_refused() {
        // A list of structs declaring 158 million elements in 3 bytes (the fuzzer's find).
        let huge = [0x19, 0xfc, 0x80, 0x80, 0x80, 0x4b, 0x00];
        assert!(checked(&huge).unwrap_err().contains("longer than the file"));
        let map = [0x1b, 0xff, 0xff, 0xff, 0x0f, 0x88, 0x00];
        assert!(checked(&map).is_err());
        let truncated = [0x18, 0x10, b'a'];
        assert_eq!(checked(&truncated), Err(BROKEN));
        let deep = vec![0x1c; 200];
        assert!(checked(&deep).unwrap_err().contains("nests deeper"));
        let mut not_parquet = file(&[0x00]);
        not_parquet.get_mut().truncate(6);
        assert!(check(&mut not_parquet, 6).is_err());
        let mut lying = file(&[0x00]);
        let n = lying.get_ref().len();
        lying.get_mut()[n - 8..n - 4].copy_from_slice(&1000u32.to_le_bytes());
        assert!(check(&mut lying, n as u64).unwrap_err().contains("more bytes"));
    }

    #[test]
    fn the_demo_exports_footers_pass() {
        let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        for f in ["demo/nha_o.parquet", "demo/giay_bao_tu.parquet", "hostile/arrow_types.parquet", "hostile/mapped_types.parquet"] {
            let mut file = std::fs::File::open(demo.join(f)).unwrap();
            let len = file.metadata().unwrap().len();
            assert_eq!(check(&mut file, len), Ok(()), "{f}");
        }
    }
}
