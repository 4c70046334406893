//! A reader that turns bytes in any supported encoding into UTF-8, chunk by
//! chunk, so that files of any size are read in bounded memory.

use crate::text::legacy::{Encoding, decode};
use std::io::{self, Read};

const CHUNK: usize = 256 * 1024;

/// Wraps a byte reader and yields UTF-8. Undecodable bytes become U+FFFD.
pub struct DecodingReader<R> {
    inner: R,
    encoding: Encoding,
    utf_decoder: Option<encoding_rs::Decoder>,
    in_buf: Vec<u8>,
    out: Vec<u8>,
    /// The decoded chunk before line-ending repair (kept to reuse its allocation).
    decoded: Vec<u8>,
    pos: usize,
    /// A VNI base letter held back because its modifier may start the next chunk.
    carry: Option<u8>,
    cr_pending: bool,
    blank_filler: Option<u8>,
    /// UTF-8 passed through unchecked (the caller validates; see [`DecodingReader::raw_utf8`]).
    raw_utf8: bool,
    started: bool,
    in_quotes: bool,
    at_line_start: bool,
    eof: bool,
}

impl<R: Read> DecodingReader<R> {
    pub fn new(inner: R, encoding: Encoding) -> Self {
        let utf_decoder = match encoding {
            Encoding::Utf8 => Some(encoding_rs::UTF_8.new_decoder_with_bom_removal()),
            Encoding::Utf16Le => Some(encoding_rs::UTF_16LE.new_decoder_with_bom_removal()),
            Encoding::Utf16Be => Some(encoding_rs::UTF_16BE.new_decoder_with_bom_removal()),
            _ => None,
        };
        DecodingReader {
            inner,
            encoding,
            utf_decoder,
            in_buf: vec![0; CHUNK],
            out: Vec::new(),
            decoded: Vec::new(),
            pos: 0,
            carry: None,
            cr_pending: false,
            blank_filler: None,
            raw_utf8: false,
            started: false,
            in_quotes: false,
            at_line_start: true,
            eof: false,
        }
    }

    /// UTF-8 input is passed through without validation (only the BOM is
    /// removed): for a caller that validates anyway, such as the CSV reader,
    /// which turns invalid bytes into U+FFFD itself. Other encodings are unaffected.
    pub fn raw_utf8(mut self) -> Self {
        self.raw_utf8 = self.encoding == Encoding::Utf8;
        self
    }

    /// Turns blank lines into a lone delimiter so CSV line numbers stay physical.
    pub fn fill_blank_lines(mut self, delimiter: u8) -> Self {
        self.blank_filler = Some(delimiter);
        self
    }

    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() && !self.eof {
            let n = self.inner.read(&mut self.in_buf)?;
            let last = n == 0;
            if last {
                self.eof = true;
            }
            let input = &self.in_buf[..n];
            self.decoded.clear();
            if self.cr_pending {
                self.decoded.push(b'\r');
                self.cr_pending = false;
            }
            if self.raw_utf8 {
                let bom = !self.started && input.starts_with(&[0xEF, 0xBB, 0xBF]);
                self.decoded.extend_from_slice(&input[if bom { 3 } else { 0 }..]);
            } else if let Some(d) = self.utf_decoder.as_mut() {
                // Straight into the buffer: no String per chunk.
                let start = self.decoded.len();
                self.decoded.resize(start + d.max_utf8_buffer_length(n).unwrap_or(n * 3 + 16), 0);
                let (_, _, written, _) = d.decode_to_utf8(input, &mut self.decoded[start..], last);
                self.decoded.truncate(start + written);
            } else {
                let mut bytes: Vec<u8> = self.carry.take().into_iter().collect();
                bytes.extend_from_slice(input);
                // A VNI base letter may take its modifier from the next chunk.
                if self.encoding == Encoding::Vni && !last && bytes.last().is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, 0xD4 | 0xD6 | 0xF4 | 0xF6)) {
                    self.carry = bytes.pop();
                }
                self.decoded.extend_from_slice(decode(&bytes, self.encoding).as_bytes());
            }
            self.started = true;
            self.crlf_to_lf(last);
        }
        Ok(())
    }

    /// Copies `decoded` to `out` with CRLF turned into LF: the csv crate
    /// miscounts lines after CRLF, and officers need the physical line. A CR at
    /// a chunk's end waits for the next chunk.
    fn crlf_to_lf(&mut self, last: bool) {
        let v = &self.decoded;
        let out = &mut self.out;
        out.reserve(v.len());
        let mut i = 0;
        while i < v.len() {
            // Copy the run up to the next CR, LF or quote in one go.
            let j = memchr::memchr3(b'\r', b'\n', b'"', &v[i..]).map_or(v.len(), |k| i + k);
            if j > i {
                out.extend_from_slice(&v[i..j]);
                self.at_line_start = false;
            }
            let Some(&b) = v.get(j) else { break };
            i = j + 1;
            if b == b'\r' {
                if v.get(j + 1) == Some(&b'\n') {
                    continue; // the LF that follows ends the line
                }
                if j + 1 == v.len() && !last {
                    self.cr_pending = true;
                    break;
                }
            }
            if let Some(d) = self.blank_filler {
                if b == b'"' {
                    self.in_quotes = !self.in_quotes;
                }
                // A blank line outside quotes becomes one empty record, so the
                // csv crate keeps counting lines (it skips blank lines silently).
                if b == b'\n' && self.at_line_start && !self.in_quotes {
                    out.push(d);
                }
                self.at_line_start = b == b'\n';
            }
            out.push(b);
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.out.len() {
            self.fill()?;
            if self.out.is_empty() {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::legacy::encode;

    #[test]
    fn decodes_across_chunk_boundaries() {
        let text = "Nguyễn Văn Đức, Trần Thị Hương\n".repeat(20_000) + "Ông Ích Khiêm";
        for e in [Encoding::Vni, Encoding::Tcvn3, Encoding::Utf16Le, Encoding::Utf8, Encoding::Cp1258] {
            let bytes = encode(&text, e);
            let mut r = DecodingReader::new(&bytes[..], e);
            let mut s = String::new();
            r.read_to_string(&mut s).unwrap();
            let expect = if e == Encoding::Tcvn3 { text.to_lowercase() } else { text.clone() };
            let got = if e == Encoding::Tcvn3 { s.to_lowercase() } else { s };
            use unicode_normalization::UnicodeNormalization;
            assert!(got.nfc().collect::<String>() == expect, "{e:?} decoded differently");
        }
    }
}
