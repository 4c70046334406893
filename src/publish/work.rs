//! Who acts on what: the records an officer must look at and the corrections a machine
//! can apply, read by the worklist, the corrections files, the summary and the report.

use super::RunData;
use crate::Lang;
use crate::finding::{Finding, Handling, Priority, SuggestedFrom};
use crate::table::{RecordView, SourceRun};

/// The officer's findings of a record, most urgent first.
pub(super) fn officer_findings<'a>(r: &RecordView<'a>) -> Vec<(Priority, &'a Finding)> {
    let mut v: Vec<(Priority, &Finding)> = r
        .assessed
        .findings
        .iter()
        .filter_map(|f| match f.handling() {
            Handling::Officer(p) => Some((p, f)),
            _ => None,
        })
        .collect();
    v.sort_by_key(|(p, _)| *p);
    v
}

/// The most urgent reason a record needs an officer, if it does (the worklist and the summary).
pub(super) fn most_urgent(findings: &[Finding]) -> Option<Priority> {
    findings
        .iter()
        .filter_map(|f| match f.handling() {
            Handling::Officer(p) => Some(p),
            _ => None,
        })
        .min()
}

/// One correction: the finding with a known correct value, on a record.
pub(super) struct Correction<'a> {
    pub src: &'a SourceRun,
    pub record: RecordView<'a>,
    pub finding: &'a Finding,
}

/// Every correction a machine can apply, in source order.
pub(super) fn corrections<'a>(d: &'a RunData) -> impl Iterator<Item = Correction<'a>> + 'a {
    d.sources.iter().flat_map(|src| {
        src.records().flat_map(move |record| {
            record.assessed.findings.iter().filter(|f| f.handling() == Handling::Correction).map(move |finding| Correction { src, record, finding })
        })
    })
}

/// Where a suggested value comes from, in words.
pub(super) fn provenance(from: Option<SuggestedFrom>, lang: Lang) -> &'static str {
    match (from, lang) {
        (Some(SuggestedFrom::Reference), Lang::Vi) => "CSDL dân cư",
        (Some(SuggestedFrom::Normalizer), Lang::Vi) => "chuẩn hóa",
        (Some(x), _) => x.as_str(),
        (None, _) => "",
    }
}

/// What an officer can decide about a worklist row (the drop-down of its result column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The proposed link is right: this is the person.
    ConfirmLink,
    /// The proposed link is wrong: not this person.
    RejectLink,
    /// Take the suggested value.
    ApplySuggestion,
    /// Corrected in the sector's own system.
    FixedAtSource,
    /// Could not be verified.
    Unverifiable,
}

impl Decision {
    /// Every decision, in the drop-down's order.
    pub const ALL: [Decision; 5] = [Decision::ConfirmLink, Decision::RejectLink, Decision::ApplySuggestion, Decision::FixedAtSource, Decision::Unverifiable];

    /// The words in the drop-down (no commas: Excel's list separator).
    pub fn label(self, lang: Lang) -> &'static str {
        let vi = lang == Lang::Vi;
        match self {
            Decision::ConfirmLink => {
                if vi {
                    "Đúng người"
                } else {
                    "Right person"
                }
            }
            Decision::RejectLink => {
                if vi {
                    "Không phải người này"
                } else {
                    "Not this person"
                }
            }
            Decision::ApplySuggestion => {
                if vi {
                    "Áp dụng đề xuất"
                } else {
                    "Apply the suggestion"
                }
            }
            Decision::FixedAtSource => {
                if vi {
                    "Đã sửa tại nguồn"
                } else {
                    "Fixed at the source"
                }
            }
            Decision::Unverifiable => {
                if vi {
                    "Không xác minh được"
                } else {
                    "Could not verify"
                }
            }
        }
    }
}
