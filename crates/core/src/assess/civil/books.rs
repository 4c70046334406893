//! Digitized books: per (office, book), entries twice, entries missing, dates outside the
//! book's year or out of order.

use super::{Row, day};
use crate::assess::LinkedSource;
use crate::field::Field;
use crate::finding::{Code, Finding};
use std::collections::HashMap;

/// The office a book belongs to: its column, else the registering commune.
pub(super) fn book_office(n: &crate::normalize::NormRecord) -> &str {
    n.registry_office.as_deref().or_else(|| n.commune.as_ref().map(|c| c.code.as_str())).unwrap_or("")
}

/// The year a book's number names ("01/2015", "Quyển 3 - 2019"), if any.
fn book_year(book: &str) -> Option<i32> {
    book.split(|c: char| !c.is_ascii_digit()).filter(|p| p.len() == 4).filter_map(|p| p.parse().ok()).find(|y| (1900..=2100).contains(y))
}

/// Digitized books: per (office, book) — the office column, else the registering commune —
/// entries twice, entries missing between the first and
/// the last present, and dates outside the book's year or out of order.
pub(super) fn books(src: &LinkedSource, rows: &[Row], push: &mut dyn FnMut(usize, Finding)) {
    let mut books: HashMap<(&str, &str), Vec<(u32, usize)>> = HashMap::new();
    for row in rows {
        let n = &src.norm[row.event];
        if let (Some(book), Some(entry)) = (n.book_no.as_deref(), n.entry_no) {
            books.entry((book_office(n), book)).or_default().push((entry, row.event));
        }
    }
    for ((_, book), mut entries) in books {
        entries.sort_unstable();
        for w in entries.windows(2) {
            if w[0].0 == w[1].0 {
                push(w[0].1, Finding::new(Field::EntryNo, Code::BookEntryDuplicate));
                push(w[1].1, Finding::new(Field::EntryNo, Code::BookEntryDuplicate));
            } else if w[1].0 > w[0].0 + 1 {
                push(w[1].1, Finding::new(Field::EntryNo, Code::BookEntryGap));
            }
        }
        let year = book_year(book);
        let dated: Vec<(usize, i32)> = entries.iter().filter_map(|&(_, i)| day(src.norm[i].registration_date).map(|d| (i, d))).collect();
        let in_order = longest_non_decreasing(&dated.iter().map(|x| x.1).collect::<Vec<_>>());
        for (k, &(i, _)) in dated.iter().enumerate() {
            let outside_year = year.is_some_and(|y| src.norm[i].registration_date.is_some_and(|d| d.year != y));
            if outside_year || !in_order[k] {
                push(i, Finding::new(Field::RegistrationDate, Code::BookDateOutOfOrder));
            }
        }
    }
}

/// Which elements of `v` belong to some longest non-decreasing subsequence: the others are
/// out of order whichever way the book is read. Two entries out of order with nothing else
/// to tell which is wrong are both kept (the book's year may still catch one).
fn longest_non_decreasing(v: &[i32]) -> Vec<bool> {
    let ending = lnds_lengths(v.iter().copied());
    let mut starting = lnds_lengths(v.iter().rev().map(|x| -x));
    starting.reverse();
    let best = ending.iter().copied().max().unwrap_or(0);
    ending.iter().zip(&starting).map(|(e, s)| e + s - 1 == best).collect()
}

/// Per element, the length of the longest non-decreasing subsequence ending at it
/// (patience sorting, O(n log n)).
fn lnds_lengths(v: impl Iterator<Item = i32>) -> Vec<usize> {
    let mut tails: Vec<i32> = Vec::new();
    v.map(|x| {
        let pos = tails.partition_point(|&t| t <= x);
        if pos == tails.len() {
            tails.push(x);
        } else {
            tails[pos] = x;
        }
        pos + 1
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entries_out_of_order_are_the_fewest_that_break_it() {
        assert_eq!(longest_non_decreasing(&[1, 2, 3, 4]), [true; 4]);
        assert_eq!(longest_non_decreasing(&[1, 2, 90, 4, 5]), [true, true, false, true, true]);
        assert_eq!(longest_non_decreasing(&[10, 1, 2, 3]), [false, true, true, true]);
        assert_eq!(longest_non_decreasing(&[2, 1]), [true, true], "two entries out of order: which is wrong is unknown");
        assert_eq!(longest_non_decreasing(&[1, 5, 2, 3]), [true, false, true, true]);
        assert_eq!(longest_non_decreasing(&[5, 5, 5]), [true; 3]);
        assert!(longest_non_decreasing(&[]).is_empty());
        assert_eq!(book_year("01/2015"), Some(2015));
        assert_eq!(book_year("Quyển 3 - 2019"), Some(2019));
        assert_eq!(book_year("12"), None);
    }
}
