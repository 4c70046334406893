//! lamsach's engine: what the core ([`lamsach_core`]) needs to run a job on files and leave
//! its outputs: Parquet read ([`read_parquet`]) and written, the record table ([`table`]),
//! officers' decisions ([`decisions`]) and the nightly state ([`night`]), the outputs
//! ([`publish`]), and the run that carries a job out stage by stage ([`run`]). See
//! docs/ARCHITECTURE.md.
//!
//! ```no_run
//! let job = lamsach_engine::Job::load(std::path::Path::new("gia-lai.toml"))?;
//! let outcome = lamsach_engine::run(&job, &lamsach_engine::RunOptions::default())?;
//! println!("{} records, exit status {}", outcome.records, outcome.exit_status.code());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// The core's modules and library surface, under the same names: the engine's code and its
// users name `crate::link`, `lamsach_engine::normalize` as if one crate.
pub use lamsach_core::*;

pub mod decisions;
pub mod night;
pub mod publish;
pub mod read_parquet;
pub mod run;
pub mod table;

pub use read_parquet::READERS;
pub use run::{ExitStatus, RunError, RunOptions, RunOutcome, run};
pub use table::{RecordView, SourceRun};
