//! lamsach ("làm sạch", to clean) cleans Vietnamese population records from
//! sector registers and links them to the province's reference population
//! extract, scoring every record on Đề án 06's four dimensions: đúng
//! (correct), đủ (complete), sạch (clean), sống (live).
//!
//! The stages run one way, each taking the previous stage's output:
//!
//! - [`ingest`]: CSV/TSV/Excel/Parquet in any encoding → [`ingest::Ingested`]
//!   (raw records with `source_row`, plus quarantined rows).
//! - [`normalize`]: pure per-field normalizers → [`normalize::Normalized`]
//!   (canonical values and [`finding::Finding`]s).
//! - [`reference`]: the reference extract, normalized once and cached on disk.
//! - [`link`]: blocking, comparison levels, Fellegi–Sunter with EM →
//!   [`link::Linked`] (class, best candidate, weights as sums of named parts).
//! - [`assess`]: the four dimensions, findings and corrections → [`assess::Assessed`].
//! - [`publish`]: Parquet, summary, HTML report, Excel worklist, manifest,
//!   written to a temporary folder and renamed into place.
//!
//! [`job`] reads a job file and runs the stages; [`synth`] makes synthetic
//! populations and registers with ground truth.

pub mod assess;
pub mod calendar;
pub mod field;
pub mod files;
pub mod finding;
pub mod ingest;
#[cfg(feature = "io")]
pub mod job;
pub mod link;
pub mod normalize;
#[cfg(feature = "io")]
pub mod publish;
pub mod reference;
pub mod rng;
pub mod schema;
#[cfg(feature = "io")]
pub mod synth;
#[cfg(feature = "io")]
pub mod table;
pub mod text;

/// The language of human outputs (report, worklist, CLI summary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

pub use field::Field;
pub use finding::{Code, Dimension, Finding, Severity};
#[cfg(feature = "io")]
pub use job::{Job, RunOutcome};
pub use link::{LinkSettings, MatchClass};
