//! Third-party readers (the Excel and Parquet ones) meet files made by anyone, and a reader can
//! panic on a file it was not built for. [`contained`] turns such a panic into an error, so one
//! file never stops the night; the panic hook ([`install_hook`]) never prints a panic's message,
//! which can quote the text being read (a string slicing panic quotes its string).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU32, Ordering};

/// Calls of [`contained`] under way, on any thread: a reader's panic may happen on one of its
/// worker threads and reach the contained call through a join, so while one is under way the
/// hook stays quiet (a panic that escapes still ends the run, and the thread that joins it
/// panics in turn, after the calls have ended).
static DEPTH: AtomicU32 = AtomicU32::new(0);

/// A reader panicked (its message is not kept: it may quote the text being read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panicked;

/// Runs `call`; a panic inside it is `Err(Panicked)` instead of unwinding further.
pub fn contained<T>(call: impl FnOnce() -> T) -> Result<T, Panicked> {
    DEPTH.fetch_add(1, Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(call));
    DEPTH.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|_| Panicked)
}

/// Replaces the default panic hook (which prints the panic's message) with one that names only
/// where the panic happened, and says nothing while a [`contained`] call is under way.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        if DEPTH.load(Ordering::SeqCst) > 0 {
            return;
        }
        let at = info.location().map_or_else(|| "an unknown place".to_string(), |l| format!("{}:{}", l.file(), l.line()));
        eprintln!("lamsach: internal error at {at} (its message is withheld: it may quote a record); please report it with this line");
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_an_error_and_the_rest_of_the_thread_goes_on() {
        let text = String::from("Nguyễn");
        assert_eq!(contained(|| 2 + 2), Ok(4));
        assert_eq!(contained(|| text[..5].len()), Err(Panicked), "slicing inside 'ễ' panics");
        assert_eq!(contained(|| contained(|| panic!("inner")).is_err()), Ok(true));
        let worker = contained(|| std::thread::scope(|s| s.spawn(|| panic!("on a reader's worker")).join().map_err(|_| ()))).unwrap();
        assert_eq!(worker, Err(()), "a worker's panic reaches the call through its join");
    }
}
