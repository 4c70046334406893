//! Record keys that survive a re-export (`[[source]] key`, a civil-status book entry, or a
//! fingerprint of the identifying values): what decisions and nightly deltas follow a record by.

use super::RawRecord;
use crate::field::Field;
use crate::schema::Schema;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The identifying raw values a record keeps from one export to the next (not its row,
/// commune or address: those move).
const FINGERPRINT_FIELDS: [Field; 5] = [Field::FullName, Field::Dob, Field::Sex, Field::PersonId, Field::OldId];

/// `fp-` and a hash of the record's role and the identifying values of its row's records
/// (its own, then the others' in role order): a newborn on a birth certificate, with no name
/// or ID of its own, is known by its mother.
fn fingerprint(schema: &Schema, row: &[&RawRecord], raw: &RawRecord) -> String {
    let mut h = Sha256::new();
    h.update(schema.roles.get(raw.role as usize).map_or("subject", String::as_str).as_bytes());
    // A single-subject record hashes as it always has (its keys stay those of earlier runs).
    for (k, r) in std::iter::once(&raw).chain(row.iter().filter(|r| r.role != raw.role)).enumerate() {
        if k > 0 {
            h.update([0x1e]);
        }
        for f in FINGERPRINT_FIELDS {
            h.update([0x1f]);
            h.update(r.values.get(f).unwrap_or_default().as_bytes());
        }
    }
    format!("fp-{}", hex8(&h.finalize()))
}

/// The first 8 bytes of a hash in hex.
pub fn hex8(digest: &[u8]) -> String {
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A civil-status record's natural key: its book's office (else the registering commune),
/// book and entry numbers as written, and its role — `hs-<office>/<book>/<entry>/<role>`.
fn book_entry(schema: &Schema, raw: &RawRecord) -> Option<String> {
    let v = |f: Field| raw.values.get(f).map(|x| crate::text::fold(x).replace(' ', ""));
    let (book, entry) = (v(Field::BookNo)?, v(Field::EntryNo)?);
    let office = v(Field::RegistryOffice).or_else(|| v(Field::Commune)).unwrap_or_default();
    let role = schema.roles.get(raw.role as usize).map_or("subject", String::as_str);
    Some(format!("hs-{office}/{book}/{entry}/{role}"))
}

/// Every record's key, in order (see `SourceRun::key`): the register's own ID, a civil-status
/// book entry, or a fingerprint; repeats numbered by their values.
pub fn record_keys(schema: &Schema, records: &[RawRecord]) -> Vec<String> {
    let mut keys = base_keys(schema, records);
    tell_apart(&mut keys, records);
    keys
}

/// Every record's key before repeats are told apart: the register's own ID, a civil-status
/// book entry, or a fingerprint of its row. `records` are whole rows, in file order.
pub fn base_keys(schema: &Schema, records: &[RawRecord]) -> Vec<String> {
    // A row's records (several for a marriage or a birth) stand next to each other.
    let row_of = |i: usize| -> Vec<&RawRecord> {
        let line = records[i].source_row;
        let (mut a, mut b) = (i, i + 1);
        while a > 0 && records[a - 1].source_row == line {
            a -= 1;
        }
        while b < records.len() && records[b].source_row == line {
            b += 1;
        }
        records[a..b].iter().collect()
    };
    records
        .iter()
        .enumerate()
        .map(|(i, raw)| raw.key.as_deref().map(str::to_string).or_else(|| book_entry(schema, raw)).unwrap_or_else(|| fingerprint(schema, &row_of(i), raw)))
        .collect()
}

/// Records sharing a key told apart by their own values (`keys` from [`base_keys`], `records`
/// in file order): every record sharing a key must be among them, nothing else is needed.
pub fn tell_apart(keys: &mut [String], records: &[RawRecord]) {
    let mut groups: HashMap<&str, Vec<usize>> = HashMap::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        groups.entry(k.as_str()).or_default().push(i);
    }
    // Records sharing a key are told apart by their own values (`#` and 16 hex digits of a hash
    // of every value), never by their order or their twin's: a re-export in another order, or
    // an edit of one twin, leaves the other's key as it was. Copies of one row (a row typed
    // twice) are interchangeable: the first keeps the key, the others are numbered after it.
    let mut repeats: Vec<(usize, String)> = Vec::new();
    for (base, mut members) in groups.into_iter().filter(|(_, m)| m.len() > 1) {
        let mut hashed: Vec<([u8; 32], usize)> = members.drain(..).map(|i| (values_hash(&records[i]), i)).collect();
        hashed.sort();
        let copies_only = hashed.iter().all(|(h, _)| *h == hashed[0].0);
        let mut n = 0;
        for (k, &(h, i)) in hashed.iter().enumerate() {
            n = if k > 0 && hashed[k - 1].0 == h { n + 1 } else { 1 };
            let own = if copies_only { String::new() } else { format!("#{}", hex8(&h)) };
            match n {
                1 if copies_only => {}
                1 => repeats.push((i, format!("{base}{own}"))),
                _ if copies_only => repeats.push((i, format!("{base}#{n}"))),
                _ => repeats.push((i, format!("{base}{own}-{n}"))),
            }
        }
    }
    for (i, k) in repeats {
        keys[i] = k;
    }
}

/// The key a record's twins share: its key without the suffix [`record_keys`] gives twins
/// that differ (`#` and 16 lower-case hex digits, then `-n` for identical ones among them);
/// the whole key otherwise — a register's own ID may hold a `#` of its own ("HS#12"), and
/// copies of one row (`#2`, `#3`) are alike, so any of them is as good as another.
pub fn base_of(key: &str) -> &str {
    let Some((base, suffix)) = key.rsplit_once('#') else { return key };
    let (hash, n) = suffix.split_once('-').unwrap_or((suffix, "1"));
    let hashed = hash.len() == 16 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    if hashed { base } else { key }
}

/// A hash of every value a record holds, to order records that share a key.
fn values_hash(raw: &RawRecord) -> [u8; 32] {
    let mut h = Sha256::new();
    for f in Field::ALL {
        h.update([0x1f]);
        h.update(raw.values.get(f).unwrap_or_default().as_bytes());
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::base_of;

    #[test]
    fn a_twins_suffix_is_stripped_and_a_registers_own_hash_sign_is_not() {
        assert_eq!(base_of("fp-875b631c5bd02ebd#0123456789abcdef"), "fp-875b631c5bd02ebd");
        assert_eq!(base_of("fp-875b631c5bd02ebd#0123456789abcdef-2"), "fp-875b631c5bd02ebd");
        for whole in ["fp-875b631c5bd02ebd", "HS#12", "HS#2", "HS#0123456789ABCDEF", "a#0123456789abcdef-", "a#0123456789abcdef-x"] {
            assert_eq!(base_of(whole), whole);
        }
    }
}
