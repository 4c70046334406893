//! lamsach ("làm sạch", to clean) cleans Vietnamese population records from
//! sector registers and links them to the province's reference population
//! extract, scoring every record on Đề án 06's four dimensions: đúng
//! (correct), đủ (complete), sạch (clean), sống (live).
//!
//! The stages run one way, each filling its column of the record table
//! ([`table::SourceRun`], one per source; see docs/ARCHITECTURE.md):
//!
//! - [`ingest`]: CSV/TSV/Excel/Parquet in any encoding → [`ingest::IngestedSource`]
//!   (raw records with `source_row`, plus quarantined rows).
//! - [`normalize`]: pure per-field normalizers → [`NormRecord`]s (canonical values
//!   and [`Finding`]s).
//! - [`crate::reference`]: the reference extract, normalized once and cached on disk.
//! - [`link`]: blocking, comparison levels, Fellegi–Sunter with EM → [`RecordLink`]s
//!   (class, best candidate, weights as sums of named parts).
//! - [`assess`]: the four dimensions, findings and corrections → [`AssessedRecord`]s.
//! - `publish`: Parquet, summary, HTML report, Excel worklist, manifest, written to a
//!   temporary folder and renamed into place.
//!
//! `job` reads a job file and runs the stages ([`Job::load`], [`Job::run`]); `synth`
//! makes synthetic populations and registers with ground truth. Below them all,
//! [`text`] (Vietnamese text, legacy encodings) and [`calendar`] (partial dates).
//!
//! ```no_run
//! let job = lamsach::Job::load(std::path::Path::new("gia-lai.toml"))?;
//! let outcome = job.run(&lamsach::RunOptions::default())?;
//! println!("{} records, exit status {}", outcome.records, outcome.exit_status.code());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// The macros the modules below use, first: a `macro_rules!` is in scope only after it.
#[macro_use]
mod coded;

pub mod assess;
pub mod calendar;
pub mod clock;
pub mod codec;
#[cfg(feature = "io")]
pub mod decisions;
pub mod field;
pub mod files;
pub mod finding;
pub mod guard;
pub mod ingest;
pub mod job;
pub mod lang;
pub mod link;
#[cfg(feature = "io")]
pub mod night;
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

// The library surface: what another program (the CLI, a test, a binding) needs to run a job,
// read its record table, or call the normalizers and the linker on its own data. These
// modules warn on missing documentation; the others are public for the CLI, the tests and
// the benchmarks, and documented as they go.
pub use assess::{AssessedRecord, LinkedSource};
pub use calendar::{PartialDate, Precision};
pub use field::Field;
pub use finding::{Code, Dimension, Finding, PerDimension, Severity};
#[cfg(feature = "io")]
pub use job::{ExitStatus, RunError, RunOptions, RunOutcome};
pub use job::{Job, JobError};
pub use lang::Lang;
pub use link::{LinkSettings, MatchClass, RecordLink};
pub use normalize::{NormRecord, NormalizeOptions};
#[cfg(feature = "io")]
pub use table::{RecordView, SourceRun};
