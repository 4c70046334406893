//! The run's one record table: per source, what each stage made of every record,
//! kept side by side so that the writers read a record whole and nothing re-joins
//! stage outputs by index. Each stage's column is set once, checked against the
//! number of raw records, so no output can fall out of step with its source.

#![warn(missing_docs)]

use crate::assess::{AssessedRecord, LinkedSource};
use crate::field::Field;
use crate::ingest::keys::{hex8, record_keys};
use crate::ingest::{IngestedSource, RawRecord};
use crate::link::RecordLink;
use crate::normalize::NormRecord;
use sha2::{Digest, Sha256};

/// One source through the stages: ingest fills `source`, then normalize, link and
/// assess each set their column, one entry per raw record, in the same order.
pub struct SourceRun {
    /// The source as read: where from, its layout, raw records and quarantined rows.
    pub source: IngestedSource,
    keys: Vec<String>,
    norm: Vec<NormRecord>,
    links: Vec<RecordLink>,
    assessed: Vec<AssessedRecord>,
}

/// Everything the run knows about one record.
#[derive(Clone, Copy)]
pub struct RecordView<'a> {
    /// Position in its source's records.
    pub index: usize,
    /// The record's key across nightly exports (see [`SourceRun::key`]).
    pub key: &'a str,
    /// The record as read.
    pub raw: &'a RawRecord,
    /// Its normalized values and findings.
    pub norm: &'a NormRecord,
    /// Its link to the reference.
    pub link: &'a RecordLink,
    /// Its findings and scores.
    pub assessed: &'a AssessedRecord,
}

impl SourceRun {
    /// A source just read: no stage after ingest has run.
    pub fn new(source: IngestedSource) -> SourceRun {
        let keys = record_keys(&source.schema, &source.records);
        SourceRun { source, keys, norm: Vec::new(), links: Vec::new(), assessed: Vec::new() }
    }

    /// Record `i`'s key: the register's own record ID when the job names its column
    /// (`[[source]] key`), else for a civil-status record its book entry (`hs-office/book/entry/role`),
    /// else `fp-` and a fingerprint of its role and identifying raw values (full name, date of
    /// birth, sex, personal ID, old ID; a multi-subject row's other people's too), so it survives a re-export that
    /// reorders or renumbers the rows; records sharing a key get `#` and a hash of their own
    /// values (not their rows, nor their twin's), so a re-export in another order, or an edit
    /// of one twin, leaves the other's key as it was.
    pub fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    /// Record `i`'s digest: `d-` and a hash of its key, role and every value as read. A
    /// worklist row carries it, so a decision on a record whose values changed since is
    /// reopened instead of applied.
    pub fn digest(&self, i: usize) -> String {
        self.digest_as(i, &self.keys[i])
    }

    /// Record `i`'s digest had it the key `key`: whether a decision made on a record under
    /// another key (its twin since deleted or added) was made on these values.
    pub fn digest_as(&self, i: usize, key: &str) -> String {
        let raw = &self.source.records[i];
        let mut h = Sha256::new();
        h.update(key.as_bytes());
        h.update([0x1e]);
        h.update(self.role_of(raw).as_bytes());
        for f in Field::ALL {
            h.update([0x1f]);
            h.update(raw.values.get(f).unwrap_or_default().as_bytes());
        }
        format!("d-{}", hex8(&h.finalize()))
    }

    /// Adds a finding to record `i` after normalize (an officer's decision that cannot be
    /// used says why here), before assess reads the record.
    pub fn push_finding(&mut self, i: usize, f: crate::finding::Finding) {
        assert!(self.assessed.is_empty(), "findings are added before assess");
        self.norm[i].findings.push(f);
    }

    /// Records made from the source's rows.
    pub fn len(&self) -> usize {
        self.source.records.len()
    }

    /// No records (every row blank or quarantined).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The normalize stage's column; one per raw record.
    pub fn set_normalized(&mut self, norm: Vec<NormRecord>) {
        assert_eq!(norm.len(), self.len(), "one normalized record per raw record");
        self.norm = norm;
    }

    /// The link stage's column; one per raw record.
    pub fn set_links(&mut self, links: Vec<RecordLink>) {
        assert_eq!(links.len(), self.len(), "one link per record");
        self.links = links;
    }

    /// The assess stage's column; one per raw record.
    pub fn set_assessed(&mut self, assessed: Vec<AssessedRecord>) {
        assert_eq!(assessed.len(), self.len(), "one assessment per record");
        self.assessed = assessed;
    }

    /// Normalized records, in source order.
    pub fn normalized(&self) -> &[NormRecord] {
        &self.norm
    }

    /// Links, in source order.
    pub fn links(&self) -> &[RecordLink] {
        &self.links
    }

    /// Assessments, in source order.
    pub fn assessed(&self) -> &[AssessedRecord] {
        &self.assessed
    }

    /// Record `i` with every stage's result (after assess).
    pub fn record(&self, i: usize) -> RecordView<'_> {
        RecordView { index: i, key: &self.keys[i], raw: &self.source.records[i], norm: &self.norm[i], link: &self.links[i], assessed: &self.assessed[i] }
    }

    /// Every record with every stage's result, in source order (after assess).
    pub fn records(&self) -> impl ExactSizeIterator<Item = RecordView<'_>> + Clone {
        assert!(self.norm.len() == self.len() && self.links.len() == self.len() && self.assessed.len() == self.len(), "every stage has run");
        (0..self.len()).map(|i| self.record(i))
    }

    /// The source as assess reads it (after link).
    pub fn linked_source(&self) -> LinkedSource<'_> {
        assert!(self.norm.len() == self.len() && self.links.len() == self.len(), "normalize and link have run");
        LinkedSource { schema: &self.source.schema, raw: &self.source.records, norm: &self.norm, links: &self.links }
    }

    /// The role (subject) a record describes, as the schema names it.
    pub fn role_of(&self, r: &RawRecord) -> &str {
        self.source.schema.roles.get(r.role as usize).map_or("subject", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{SourceInput, read_source};
    use crate::schema::Schema;

    fn keys_of(csv: &str, key: Option<&str>) -> Vec<(String, String)> {
        keys_in(csv, key, "labour")
    }

    fn keys_in(csv: &str, key: Option<&str>, schema: &str) -> Vec<(String, String)> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        std::fs::write(&path, csv).unwrap();
        let input = SourceInput {
            name: "r".into(),
            path,
            schema: Schema::built_in(schema).unwrap(),
            encoding: None,
            columns: Default::default(),
            sheet: None,
            key: key.map(str::to_string),
            limits: Default::default(),
        };
        let run = SourceRun::new(read_source(&input, &crate::READERS).unwrap());
        let mut v: Vec<(String, String)> =
            (0..run.len()).map(|i| (run.key(i).to_string(), run.source.records[i].values.get(Field::FullName).unwrap().to_string())).collect();
        v.sort();
        v
    }

    #[test]
    fn keys_survive_a_reexport_in_another_order_and_repeats_are_numbered() {
        let head = "Mã hồ sơ,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Địa chỉ\n";
        let a = "HS1,Nguyễn Văn An,01/02/1980,Nam,052080000001,Thôn 1\n";
        let b = "HS2,Trần Thị Bình,03/04/1985,Nữ,052185000002,Thôn 2\n";
        let b_moved = "HS2,Trần Thị Bình,03/04/1985,Nữ,052185000002,Thôn 9\n";
        let first = keys_of(&format!("{head}{a}{b}{a}"), None);
        let reexport = keys_of(&format!("{head}{a}{a}{b_moved}"), None);
        assert_eq!(first, reexport, "the fingerprint ignores the row and the address");
        assert!(first.iter().all(|(k, _)| k.starts_with("fp-")));
        assert_eq!(first.iter().filter(|(k, _)| k.ends_with("#2")).count(), 1, "a row typed twice: the copy is numbered");
        // Twins told apart by their own values: one twin's edit leaves the other's key alone.
        let c = "Lê Văn Cường,05/06/1990,Nam,052090000003";
        let twins = keys_of(&format!("{head}HS3,{c},Thôn 1\nHS4,{c},Thôn 2\n"), None);
        let edited = keys_of(&format!("{head}HS4,{c},Thôn 2\nHS3,{c},Thôn 7\n"), None);
        assert_eq!(twins.iter().filter(|k| edited.contains(k)).count(), 1, "{twins:?} {edited:?}");
        assert!(twins.iter().all(|(k, _)| k.contains('#')), "twins that differ are both told apart by their values");
        // The key is a contract with the stored decisions and digests: this record's key is
        // SHA-256 over "subject", then 0x1f and each of name, date of birth, sex, ID, old ID.
        assert!(first.iter().any(|(k, _)| k == "fp-875b631c5bd02ebd"), "{first:?}");
        let by_id = keys_of(&format!("{head}{b}{a}"), Some("Mã hồ sơ"));
        assert_eq!(by_id, [("HS1".to_string(), "Nguyễn Văn An".to_string()), ("HS2".to_string(), "Trần Thị Bình".to_string())]);
    }

    #[test]
    fn a_civil_status_record_is_keyed_by_its_book_entry_and_role() {
        let csv = "Họ tên người được khai sinh,Ngày sinh,Giới tính,Số định danh cá nhân,Họ tên mẹ,Ngày đăng ký,Cơ quan đăng ký,Quyển số,Số\n\
                   Lê Văn Tí,01/02/2026,Nam,052226000001,Trần Thị Mẹ,03/02/2026,UBND Xã Ia Grai,01/2026,007\n";
        let keys: Vec<String> = keys_in(csv, None, "civil_birth").into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["hs-ubndxaiagrai/01/2026/007/child", "hs-ubndxaiagrai/01/2026/007/mother"]);
    }
}
