//! A reader that turns bytes in any supported encoding into UTF-8, chunk by
//! chunk, so that files of any size are read in bounded memory.

use crate::normalize::legacy::{decode, Encoding};
use std::io::{self, Read};

const CHUNK: usize = 256 * 1024;

/// Wraps a byte reader and yields UTF-8. Undecodable bytes become U+FFFD.
pub struct DecodingReader<R> {
    inner: R,
    encoding: Encoding,
    utf_decoder: Option<encoding_rs::Decoder>,
    in_buf: Vec<u8>,
    out: Vec<u8>,
    pos: usize,
    /// A VNI base letter held back because its modifier may start the next chunk.
    carry: Option<u8>,
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
        DecodingReader { inner, encoding, utf_decoder, in_buf: vec![0; CHUNK], out: Vec::new(), pos: 0, carry: None, eof: false }
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
            if let Some(d) = self.utf_decoder.as_mut() {
                let mut s = String::with_capacity(d.max_utf8_buffer_length(n).unwrap_or(n * 3));
                let (_, _, _) = d.decode_to_string(input, &mut s, last);
                self.out.extend_from_slice(s.as_bytes());
            } else {
                let mut bytes: Vec<u8> = self.carry.take().into_iter().collect();
                bytes.extend_from_slice(input);
                if self.encoding == Encoding::Vni && !last && bytes.last().is_some_and(|b| b.is_ascii_alphabetic() || *b >= 0x80) {
                    self.carry = bytes.pop();
                }
                self.out.extend_from_slice(decode(&bytes, self.encoding).as_bytes());
            }
        }
        Ok(())
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
    use crate::normalize::legacy::encode;

    #[test]
    fn decodes_across_chunk_boundaries() {
        let text = "Nguyễn Văn Đức, Trần Thị Hương\n".repeat(20_000);
        for e in [Encoding::Vni, Encoding::Tcvn3, Encoding::Utf16Le, Encoding::Utf8, Encoding::Cp1258] {
            let bytes = encode(&text, e);
            let mut r = DecodingReader::new(&bytes[..], e);
            let mut s = String::new();
            r.read_to_string(&mut s).unwrap();
            let expect = if e == Encoding::Tcvn3 { text.to_lowercase() } else { text.clone() };
            let got = if e == Encoding::Tcvn3 { s.to_lowercase() } else { s };
            use unicode_normalization::UnicodeNormalization;
            assert_eq!(got.nfc().collect::<String>(), expect, "{e:?}");
        }
    }
}
