//! lamsach ("làm sạch", to clean) cleans Vietnamese population records from sector
//! registers and links them to the province's reference population extract, scoring every
//! record on Đề án 06's four dimensions: đúng (correct), đủ (complete), sạch (clean), sống
//! (live).
//!
//! This crate is the command line (`src/main.rs`, `src/cli`). As a library it is the engine
//! ([`lamsach_engine`], which carries the core's modules under their own names) with the
//! generator as [`synth`]: what the tests, the benchmarks and a program running a job use.
//! See docs/ARCHITECTURE.md for the crates and what each holds.
//!
//! ```no_run
//! let job = lamsach::Job::load(std::path::Path::new("gia-lai.toml"))?;
//! let outcome = lamsach::run(&job, &lamsach::RunOptions::default())?;
//! println!("{} records, exit status {}", outcome.records, outcome.exit_status.code());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use lamsach_engine::*;
pub use lamsach_synth as synth;
