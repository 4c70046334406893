//! The lamsach binary: parse, run, turn the result into an exit code.

mod cli;

/// mimalloc: the pipeline allocates many small strings (perf showed glibc's
/// malloc/free at ~38% of CSV ingest). Chosen by the binary, not the library, so a
/// program linking lamsach keeps its own allocator; the benchmarks set the same one.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
