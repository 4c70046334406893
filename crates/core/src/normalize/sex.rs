//! Sex as registers write it.

use crate::finding::Code;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

/// The sex a schema's role says.
impl From<crate::schema::RoleSex> for Sex {
    fn from(s: crate::schema::RoleSex) -> Sex {
        match s {
            crate::schema::RoleSex::Male => Sex::Male,
            crate::schema::RoleSex::Female => Sex::Female,
        }
    }
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
/// Trai/Gái, and the codes 1 (male) and 0 or 2 (female), also in the words around them
/// that forms write: "Nữ giới", "Bé trai", "Con gái", "Giới tính: Nam", "Phái nữ", "Nam.",
/// "Nữ (ghi chú)".
///
/// ```
/// use lamsach_core::normalize::sex::{parse_sex, Sex};
/// assert_eq!(parse_sex("NỮ").0, Some(Sex::Female));
/// assert_eq!(parse_sex("nam").0, Some(Sex::Male));
/// assert_eq!(parse_sex("Nam giới").0, Some(Sex::Male));
/// ```
pub fn parse_sex(raw: &str) -> (Option<Sex>, Vec<Code>) {
    let f = crate::text::fold(raw.trim());
    if f.is_empty() {
        return (None, vec![]);
    }
    let s = sex_of(&f).or_else(|| sex_of(&framed(&f)));
    match s {
        Some(s) => (Some(s), vec![]),
        None => (None, vec![Code::SexUnknown]),
    }
}

fn sex_of(folded: &str) -> Option<Sex> {
    match folded {
        "nam" | "m" | "male" | "trai" | "1" => Some(Sex::Male),
        "nu" | "f" | "female" | "gai" | "0" | "2" | "w" => Some(Sex::Female),
        _ => None,
    }
}

/// Words forms put around the value: "giới (tính)", "bé", "con", "cháu", "phái", a remark in
/// brackets, punctuation.
fn framed(folded: &str) -> String {
    const FRAME: [&str; 6] = ["gioi", "tinh", "be", "con", "chau", "phai"];
    let outside = folded.split(['(', '[']).next().unwrap_or(folded);
    let words: Vec<&str> = outside.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty() && !FRAME.contains(w)).collect();
    words.join(" ")
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
        for v in ["Nam giới", "Bé trai", "Giới tính: Nam", "Nam.", "Phái nam", "Cháu trai"] {
            assert_eq!(parse_sex(v).0, Some(Sex::Male), "{v}");
        }
        for v in ["Nữ giới", "bé gái", "Con gái", "GIỚI TÍNH NỮ", "Nữ (nữ)", "Nu."] {
            assert_eq!(parse_sex(v).0, Some(Sex::Female), "{v}");
        }
        for v in ["khác", "giới tính", "Nam Nữ", "nam/nữ", "x"] {
            assert_eq!(parse_sex(v), (None, vec![Code::SexUnknown]), "{v}");
        }
        assert_eq!(parse_sex("").1, vec![]);
    }
}
