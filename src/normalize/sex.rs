//! Sex as registers write it.

use crate::finding::Code;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }
}

/// Reads Nam/Nữ (any case, with or without diacritics), M/F, Male/Female,
/// Trai/Gái, and the codes 1 (male) and 0 or 2 (female).
///
/// ```
/// use lamsach::normalize::sex::{parse_sex, Sex};
/// assert_eq!(parse_sex("NỮ").0, Some(Sex::Female));
/// assert_eq!(parse_sex("nam").0, Some(Sex::Male));
/// ```
pub fn parse_sex(raw: &str) -> (Option<Sex>, Vec<Code>) {
    let f = crate::text::fold(raw.trim());
    if f.is_empty() {
        return (None, vec![]);
    }
    let s = match f.as_str() {
        "nam" | "m" | "male" | "trai" | "1" | "gioi tinh nam" => Some(Sex::Male),
        "nu" | "f" | "female" | "gai" | "0" | "2" | "gioi tinh nu" | "w" => Some(Sex::Female),
        _ => None,
    };
    match s {
        Some(s) => (Some(s), vec![]),
        None => (None, vec![Code::SexUnknown]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_register_spellings() {
        for v in ["Nam", "NAM", " nam ", "M", "Male", "1", "Trai"] {
            assert_eq!(parse_sex(v).0, Some(Sex::Male), "{v}");
        }
        for v in ["Nữ", "NỮ", "nu", "Nu", "F", "female", "0", "2", "Gái"] {
            assert_eq!(parse_sex(v).0, Some(Sex::Female), "{v}");
        }
        assert_eq!(parse_sex("khác").1, vec![Code::SexUnknown]);
        assert_eq!(parse_sex("").1, vec![]);
    }
}
