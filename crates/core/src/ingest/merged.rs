//! Cells merged down over several rows of a workbook's list: a household's address or a
//! commune's name written once for all its people. Excel keeps the value in the merge's
//! first row only; every row the merge covers has it.

use super::{Item, Row};

/// A cell merged over rows `first_line..=last_line` (sheet rows, 1-based) of column `col`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MergedDown {
    pub first_line: u64,
    pub last_line: u64,
    pub col: usize,
}

/// Gives the rows below a merge's first row its value, in file order.
pub(super) struct FillDown {
    /// Merges starting below the header, by first row.
    merges: Vec<MergedDown>,
    next: usize,
    /// Merges covering the current row, with their value.
    active: Vec<(MergedDown, String)>,
}

impl FillDown {
    /// Only merges wholly below `header_end` (the header's last row): a header spanning two
    /// rows is the header's business.
    pub(super) fn new(mut merges: Vec<MergedDown>, header_end: u64) -> FillDown {
        merges.retain(|m| m.first_line > header_end && m.last_line > m.first_line);
        merges.sort_by_key(|m| m.first_line);
        FillDown { merges, next: 0, active: Vec::new() }
    }

    pub(super) fn apply(&mut self, item: Item) -> Item {
        let Item::Row(r) = item else { return item };
        if self.merges.is_empty() {
            return Item::Row(r);
        }
        self.active.retain(|(m, _)| m.last_line >= r.line);
        while let Some(m) = self.merges.get(self.next).filter(|m| m.first_line <= r.line) {
            if m.first_line == r.line {
                let value = r.cells.get(m.col).unwrap_or("").to_string();
                self.active.push((*m, value));
            }
            self.next += 1;
        }
        let fills: Vec<(usize, &str)> = self
            .active
            .iter()
            .filter(|(m, v)| m.first_line < r.line && !v.is_empty() && r.cells.get(m.col).is_none_or(str::is_empty))
            .map(|(m, v)| (m.col, v.as_str()))
            .collect();
        // A row with nothing else in it is a spacer the merge runs past, not a record.
        if fills.is_empty() || r.cells.iter().all(|c| c.trim().is_empty()) {
            return Item::Row(r);
        }
        let mut cells: Vec<String> = r.cells.iter().map(str::to_string).collect();
        for (col, v) in fills {
            if cells.len() <= col {
                cells.resize(col + 1, String::new());
            }
            cells[col] = v.to_string();
        }
        Item::Row(Row { cells: ::csv::StringRecord::from(cells), ..r })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64, cells: &[&str]) -> Item {
        Item::Row(Row { line, cells: ::csv::StringRecord::from(cells.to_vec()), multiline: false, unsaved_formulas: Vec::new() })
    }

    fn cells(item: &Item) -> Vec<String> {
        match item {
            Item::Row(r) => r.cells.iter().map(str::to_string).collect(),
            Item::Bad { .. } => Vec::new(),
        }
    }

    #[test]
    fn a_merged_cell_fills_the_rows_it_covers_below_the_header() {
        let merges = vec![
            MergedDown { first_line: 1, last_line: 2, col: 0 }, // the header's own
            MergedDown { first_line: 3, last_line: 5, col: 2 },
            MergedDown { first_line: 7, last_line: 8, col: 2 },
        ];
        let mut fill = FillDown::new(merges, 2);
        let rows = [
            row(3, &["1", "Nguyễn Văn An", "Thôn 1, Xã Ia Grai"]),
            row(4, &["2", "Trần Thị Hoa", ""]),
            row(5, &["", "", ""]),
            row(6, &["3", "Lê Văn C", ""]),
            row(7, &["4", "Phạm D", "Thôn 2"]),
            row(8, &["5", "Phạm E", "Thôn 9"]),
        ];
        let out: Vec<Vec<String>> = rows.into_iter().map(|r| cells(&fill.apply(r))).collect();
        assert_eq!(out[1][2], "Thôn 1, Xã Ia Grai");
        assert_eq!(out[2], ["", "", ""], "a blank row stays blank");
        assert_eq!(out[3][2], "", "past the merge");
        assert_eq!(out[5][2], "Thôn 9", "a value of its own is kept");
    }
}
