//! The little-endian binary codec of lamsach's own files and batches: the reference cache,
//! and the `features` column the Python binding passes between Spark stages. Not a public
//! format: a reader checks the writer's version (the cache's key, the binding's build).

use crate::calendar::PartialDate;
use crate::field::Field;
use crate::finding::{Code, Finding};
use crate::ingest::{RawRecord, Values};
use crate::link::features::Features;
use crate::normalize::name::Name;
use crate::normalize::sex::Sex;

/// Bytes that do not hold what a [`Writer`] writes: cut short, damaged or of another format.
/// It names what was wrong, never a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("truncated")]
    Truncated,
    #[error("invalid text")]
    InvalidText,
    #[error("trailing bytes")]
    TrailingBytes,
    /// A file's own structure does not hold (its header, checksum, counts or offsets).
    #[error("{0}")]
    Damaged(&'static str),
}

/// Appends values to a buffer.
pub struct Writer(pub Vec<u8>);

impl Writer {
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    pub fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
            None => self.0.push(0),
        }
    }
    pub fn date(&mut self, d: Option<PartialDate>) {
        match d {
            Some(d) => {
                self.0.push(1);
                self.0.extend_from_slice(&d.year.to_le_bytes());
                self.0.push(d.month);
                self.0.push(d.day);
            }
            None => self.0.push(0),
        }
    }
    /// A record as ingest built it: row, key, role, raw values and the file's own findings.
    pub fn raw_record(&mut self, r: &RawRecord) {
        self.u64(r.source_row);
        self.opt(r.key.as_deref());
        self.u64(r.role as u64);
        for f in Field::ALL {
            self.opt(r.values.get(f));
        }
        self.u64(r.findings.len() as u64);
        for f in &r.findings {
            self.0.push(f.field.map_or(u8::MAX, |x| x.index() as u8));
            self.str(f.code.as_str());
        }
    }
    /// Everything the linker compares of one person or record.
    pub fn features(&mut self, f: &Features) {
        let (buf, at, name_flags) = f.name.to_parts();
        self.str(buf);
        for a in at {
            self.0.extend_from_slice(&a.to_le_bytes());
        }
        self.0.push(name_flags);
        self.opt(f.person_id.as_deref());
        self.opt(f.old_id.as_deref());
        self.date(f.dob);
        self.0.push(match f.sex {
            None => 0,
            Some(Sex::Male) => 1,
            Some(Sex::Female) => 2,
        });
        self.opt(f.commune.as_deref());
        self.u64(f.commune_alt.len() as u64);
        for c in &f.commune_alt {
            self.str(c);
        }
        self.opt(f.province.as_deref());
        match f.hamlet {
            Some(h) => {
                self.0.push(1);
                self.u64(h);
            }
            None => self.0.push(0),
        }
    }
}

/// Reads what a [`Writer`] wrote; every read fails cleanly on truncated or damaged bytes.
pub struct Reader<'a>(pub &'a [u8]);

impl Reader<'_> {
    pub fn take(&mut self, n: usize) -> Result<&[u8], FormatError> {
        if self.0.len() < n {
            return Err(FormatError::Truncated);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    pub fn u8(&mut self) -> Result<u8, FormatError> {
        Ok(self.take(1)?[0])
    }
    pub fn u64(&mut self) -> Result<u64, FormatError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
    pub fn str(&mut self) -> Result<String, FormatError> {
        let n = self.u64()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| FormatError::InvalidText)
    }
    pub fn opt(&mut self) -> Result<Option<String>, FormatError> {
        Ok(if self.u8()? == 1 { Some(self.str()?) } else { None })
    }
    /// A string held inline when short (identifiers, unit codes), without a heap copy first.
    pub fn compact(&mut self) -> Result<compact_str::CompactString, FormatError> {
        let n = self.u64()? as usize;
        std::str::from_utf8(self.take(n)?).map(compact_str::CompactString::from).map_err(|_| FormatError::InvalidText)
    }
    pub fn opt_compact(&mut self) -> Result<Option<compact_str::CompactString>, FormatError> {
        Ok(if self.u8()? == 1 { Some(self.compact()?) } else { None })
    }
    pub fn date(&mut self) -> Result<Option<PartialDate>, FormatError> {
        if self.u8()? == 0 {
            return Ok(None);
        }
        let y = i32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"));
        let m = self.u8()?;
        let d = self.u8()?;
        Ok(Some(PartialDate { year: y, month: m, day: d }))
    }
    pub fn raw_record(&mut self) -> Result<RawRecord, FormatError> {
        let source_row = self.u64()?;
        let key = self.opt()?.map(String::into_boxed_str);
        let role = u16::try_from(self.u64()?).map_err(|_| FormatError::Damaged("role out of range"))?;
        let mut values = Values::default();
        for f in Field::ALL {
            if let Some(v) = self.opt()? {
                values.set(f, &v);
            }
        }
        let n = self.u64()? as usize;
        let mut findings = Vec::with_capacity(n.min(64));
        for _ in 0..n {
            let field = self.u8()?;
            let code = Code::parse(&self.str()?).ok_or(FormatError::Damaged("unknown finding code"))?;
            findings.push(match Field::ALL.get(field as usize) {
                Some(f) => Finding::new(*f, code),
                None => Finding::record(code),
            });
        }
        Ok(RawRecord { source_row, key, role, values, findings })
    }
    pub fn features(&mut self) -> Result<Features, FormatError> {
        let buf = self.str()?;
        let mut at = [0u32; 8];
        for a in &mut at {
            *a = u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"));
        }
        let name_flags = self.u8()?;
        let name = Name::from_parts(buf, at, name_flags).ok_or(FormatError::Damaged("name offsets out of range"))?;
        let mut f = Features { name, ..Default::default() };
        f.person_id = self.opt_compact()?;
        f.old_id = self.opt_compact()?;
        f.dob = self.date()?;
        f.sex = match self.u8()? {
            1 => Some(Sex::Male),
            2 => Some(Sex::Female),
            _ => None,
        };
        f.commune = self.opt_compact()?;
        let alt = self.u64()? as usize;
        f.commune_alt = (0..alt.min(64)).map(|_| self.compact()).collect::<Result<Vec<_>, _>>()?.into_boxed_slice();
        f.province = self.opt_compact()?;
        f.hamlet = if self.u8()? == 1 { Some(self.u64()?) } else { None };
        Ok(f)
    }
}

/// Reads one whole value with `read`; trailing bytes are an error.
pub fn from_bytes<'a, T>(b: &'a [u8], read: impl FnOnce(&mut Reader<'a>) -> Result<T, FormatError>) -> Result<T, FormatError> {
    let mut r = Reader(b);
    let v = read(&mut r)?;
    if !r.0.is_empty() {
        return Err(FormatError::TrailingBytes);
    }
    Ok(v)
}

/// One value as bytes, written by `write`.
pub fn to_bytes(write: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(128));
    write(&mut w);
    w.0
}

/// One person's or record's features as bytes (the binding's `features` column).
pub fn features_to_bytes(f: &Features) -> Vec<u8> {
    to_bytes(|w| w.features(f))
}

/// Features back from [`features_to_bytes`]; an error names what was wrong, never a value.
pub fn features_from_bytes(b: &[u8]) -> Result<Features, FormatError> {
    from_bytes(b, Reader::features)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_round_trip() {
        let mut f = Features::from_name("Nguyễn Thị Minh Khai");
        f.person_id = Some("001190012345".into());
        f.dob = Some(PartialDate::ymd(1990, 3, 0));
        f.sex = Some(Sex::Female);
        f.commune = Some("00004".into());
        f.commune_alt = vec!["00007".into()].into_boxed_slice();
        f.hamlet = Some(42);
        assert_eq!(features_from_bytes(&features_to_bytes(&f)), Ok(f.clone()));
        let b = features_to_bytes(&f);
        assert!(features_from_bytes(&b[..b.len() - 1]).is_err(), "truncated bytes are refused");
    }

    #[test]
    fn raw_records_round_trip() {
        let raw = RawRecord {
            source_row: 17,
            key: Some("HS-1".into()),
            role: 2,
            values: Values::of(&[(Field::FullName, "Lê Thị Hoa"), (Field::Dob, "1/2/1990")]),
            findings: vec![Finding::record(Code::TextLegacyEncoding), Finding::new(Field::Dob, Code::FormulaNoValue)],
        };
        let back = from_bytes(&to_bytes(|w| w.raw_record(&raw)), Reader::raw_record).unwrap();
        assert_eq!((back.source_row, back.key.clone(), back.role, back.values.clone()), (17, raw.key.clone(), 2, raw.values.clone()));
        assert_eq!(back.findings.iter().map(|f| (f.field, f.code)).collect::<Vec<_>>(), raw.findings.iter().map(|f| (f.field, f.code)).collect::<Vec<_>>());
    }
}
