//! CSV / TSV: encoding and delimiter detection, quoted fields, physical line numbers.

use super::{IngestError, Item, Items, Row, decode::DecodingReader};
use crate::text::legacy::{Detection, Encoding, detect};
use std::io::{BufReader, Read};
use std::path::Path;

/// Reads the first bytes of a file to choose its encoding (unless given) and delimiter.
pub fn sniff(path: &Path, forced: Option<Encoding>) -> Result<(Detection, u8), IngestError> {
    let mut f = crate::files::open_regular(path).map_err(|e| IngestError::io(path, e))?;
    let mut head = vec![0u8; 1 << 20];
    let mut n = 0;
    while n < head.len() {
        let k = f.read(&mut head[n..]).map_err(|e| IngestError::io(path, e))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    head.truncate(n);
    let det = match forced {
        Some(e) => Detection { encoding: e, confidence: 1.0, has_bom: false },
        None => detect(&head),
    };
    let mut text = String::new();
    DecodingReader::new(&head[..head.len().min(64 * 1024)], det.encoding).read_to_string(&mut text).map_err(|e| IngestError::io(path, e))?;
    Ok((det, sniff_delimiter(&text)))
}

/// The delimiter among `,` `;` tab `|` that splits the first lines most consistently.
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(30).collect();
    let mut best = (b',', 0usize);
    for d in [b'\t', b';', b'|', b','] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d as char)).collect();
        // Title lines above the header have no delimiters: judge by the most common non-zero count.
        let mut freq = std::collections::HashMap::new();
        for c in counts.iter().filter(|c| **c > 0) {
            *freq.entry(*c).or_insert(0usize) += 1;
        }
        if let Some((&count, &times)) = freq.iter().max_by_key(|(c, t)| (**t, **c)) {
            let score = times * 1000 + count;
            if score > best.1 {
                best = (d, score);
            }
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: char) -> usize {
    let mut q = false;
    let mut n = 0;
    for c in line.chars() {
        if c == '"' {
            q = !q;
        } else if c == d && !q {
            n += 1;
        }
    }
    n
}

/// Streams the rows of a CSV file as UTF-8 cells with their starting line.
pub fn rows(path: &Path, det: Detection, delimiter: u8) -> Result<Items, IngestError> {
    let f = crate::files::open_regular(path).map_err(|e| IngestError::io(path, e))?;
    let reader = DecodingReader::new(BufReader::with_capacity(1 << 20, f), det.encoding).raw_utf8().fill_blank_lines(delimiter);
    let rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(reader);
    let mut records = rdr.into_byte_records();
    let mut done = false;
    Ok(Box::new(std::iter::from_fn(move || {
        if done {
            return None;
        }
        match records.next()? {
            Ok(rec) => {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                // One validation of the bytes; invalid UTF-8 becomes U+FFFD, which quarantines the row as undecodable.
                let cells = csv::StringRecord::from_byte_record(rec)
                    .unwrap_or_else(|e| e.into_byte_record().iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().into());
                let cells = excel_text(cells);
                let multiline = cells.as_slice().contains('\n');
                Some(Item::Row(Row { line, cells, multiline, unsaved_formulas: Vec::new() }))
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    done = true;
                }
                Some(Item::Bad { line, raw: String::new(), reason: super::QuarantineReason::Unreadable })
            }
        }
    })))
}

/// `="052090000001"`: how web systems export a number so that Excel keeps its leading zeros
/// (a formula whose result is the text). Excel shows the text; so does lamsach.
fn excel_text(cells: csv::StringRecord) -> csv::StringRecord {
    if !cells.as_slice().contains("=\"") {
        return cells;
    }
    cells.iter().map(|c| c.strip_prefix("=\"").and_then(|c| c.strip_suffix('"')).unwrap_or(c)).collect::<Vec<_>>().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_text_formulas_read_as_their_text() {
        let cells = csv::StringRecord::from(vec!["Nguyễn Văn An", "=\"052090000001\"", "=\"01/02/1990\"", "=SUM(A1)", "a=\"b"]);
        assert_eq!(excel_text(cells).iter().collect::<Vec<_>>(), ["Nguyễn Văn An", "052090000001", "01/02/1990", "=SUM(A1)", "a=\"b"]);
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff_delimiter("DANH SÁCH\n\na\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("\"x, y\",b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter("a|b\n1|2\n"), b'|');
    }
}
