//! The run's one record table: per source, what each stage made of every record,
//! kept side by side so that the writers read a record whole and nothing re-joins
//! stage outputs by index. Each stage's column is set once, checked against the
//! number of raw records, so no output can fall out of step with its source.

#![warn(missing_docs)]

use crate::assess::{AssessedRecord, LinkedSource};
use crate::ingest::{IngestedSource, RawRecord};
use crate::link::RecordLink;
use crate::normalize::NormRecord;

/// One source through the stages: ingest fills `source`, then normalize, link and
/// assess each set their column, one entry per raw record, in the same order.
pub struct SourceRun {
    /// The source as read: where from, its layout, raw records and quarantined rows.
    pub source: IngestedSource,
    norm: Vec<NormRecord>,
    links: Vec<RecordLink>,
    assessed: Vec<AssessedRecord>,
}

/// Everything the run knows about one record.
#[derive(Clone, Copy)]
pub struct RecordView<'a> {
    /// Position in its source's records.
    pub index: usize,
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
        SourceRun { source, norm: Vec::new(), links: Vec::new(), assessed: Vec::new() }
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
        RecordView { index: i, raw: &self.source.records[i], norm: &self.norm[i], link: &self.links[i], assessed: &self.assessed[i] }
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
