//! lamsach's core ("làm sạch", to clean): what cleans Vietnamese population records and
//! links them to the province's reference extract, without polars, SQLite or a command line
//! (the engine, `lamsach-engine`, adds Parquet, the record table, decisions and the outputs;
//! the Python binding builds on this crate alone). See docs/ARCHITECTURE.md.
//!
//! - [`ingest`]: CSV/TSV (and, with the `excel` feature, workbooks) in any encoding →
//!   [`ingest::IngestedSource`] (raw records with `source_row`, plus quarantined rows); a
//!   columnar format is read by the reader the caller hands in ([`ingest::Readers`]).
//! - [`normalize`]: pure per-field normalizers → [`NormRecord`]s (canonical values
//!   and [`Finding`]s).
//! - [`reference`]: the reference extract, normalized once and cached on disk.
//! - [`link`]: blocking, comparison levels, Fellegi–Sunter with EM → [`RecordLink`]s
//!   (class, best candidate, weights as sums of named parts).
//! - [`assess`]: the four dimensions, findings and corrections → [`AssessedRecord`]s.
//! - [`job`]: a job file read into a validated plan ([`Job::load`]).
//!
//! Below them all, [`text`] (Vietnamese text, legacy encodings) and [`calendar`] (partial
//! dates).

// The macros the modules below use, first: a `macro_rules!` is in scope only after it.
#[macro_use]
mod coded;

pub mod assess;
pub mod calendar;
pub mod clock;
pub mod codec;
pub mod field;
pub mod files;
pub mod finding;
pub mod guard;
pub mod ingest;
pub mod job;
pub mod lang;
pub mod link;
pub mod normalize;
pub mod reference;
pub mod rng;
pub mod schema;
pub mod text;

// The library surface: what another program (the engine, a test, a binding) needs to read a
// job, or call the normalizers and the linker on its own data. These
// modules warn on missing documentation; the others are public for the CLI, the tests and
// the benchmarks, and documented as they go.
pub use assess::{AssessedRecord, LinkedSource};
pub use calendar::{PartialDate, Precision};
pub use field::Field;
pub use finding::{Code, Dimension, Finding, PerDimension, Severity};
pub use job::{Job, JobError};
pub use lang::Lang;
pub use link::{LinkSettings, MatchClass, RecordLink};
pub use normalize::{NormRecord, NormalizeOptions};
