//! The lamsach binary: parse, run, turn the result into an exit code.

mod cli;

/// mimalloc: the pipeline allocates many small strings (perf showed glibc's
/// malloc/free at ~38% of CSV ingest). Chosen by the binary, not the library, so a
/// program linking lamsach keeps its own allocator; the benchmarks set the same one.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long mimalloc keeps freed memory before returning it to the system, in ms; -1: never
/// (it is reused by the next stage instead). Its default, 10 ms, hands back what one stage
/// frees just before the next allocates as much, which the kernel then zeroes again page by
/// page (perf: `clear_page` at 5–18% of a night's samples). Measured at 10M people × 1.72M
/// records, night 2 (docs/BENCHMARKS.md): 117 s with -1 against 150 s with 1000 ms and 121 s with
/// mimalloc's 10 ms, for a peak 1.5–2.2 GB higher (10.6 GB). `MIMALLOC_PURGE_DELAY` still
/// decides when set (a machine short of memory sets it to 10).
const PURGE_DELAY_MS: std::ffi::c_long = -1;

unsafe extern "C" {
    /// mimalloc's option setter (linked by the `mimalloc` crate).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (v2 and v3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() {
    lamsach::guard::install_hook();
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: a plain option setter, called before any thread exists.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
    std::process::exit(cli::main());
}
