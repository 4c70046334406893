//! Third-party readers (the Excel and Parquet ones) meet files made by anyone, and a reader can
//! panic on a file it was not built for. [`contained`] turns such a panic into an error, so one
//! file never stops the night; the panic hook ([`install_hook`]) never prints a panic's message,
//! which can quote the text being read (a string slicing panic quotes its string).

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    /// Calls of [`contained`] under way on this thread: their panics are expected and reported
    /// by the caller, so the hook stays quiet.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs `call`; a panic inside it is `Err(())` instead of unwinding further.
pub fn contained<T>(call: impl FnOnce() -> T) -> Result<T, ()> {
    DEPTH.with(|d| d.set(d.get() + 1));
    let result = catch_unwind(AssertUnwindSafe(call));
    DEPTH.with(|d| d.set(d.get() - 1));
    result.map_err(|_| ())
}

/// Replaces the default panic hook (which prints the panic's message) with one that names only
/// where the panic happened, and says nothing for a panic [`contained`] on this thread.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        if DEPTH.with(Cell::get) > 0 {
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
        assert_eq!(contained(|| text[..5].len()), Err(()), "slicing inside 'ễ' panics");
        assert_eq!(contained(|| contained(|| panic!("inner")).is_err()), Ok(true));
        assert_eq!(DEPTH.with(Cell::get), 0);
    }
}
