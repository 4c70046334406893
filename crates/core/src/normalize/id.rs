//! Identifiers: personal ID (CCCD), old CMND, health and social insurance, tax code, phone.

use super::sex::Sex;
use crate::calendar::PartialDate;
use crate::finding::Code;

/// The 63 pre-2025 province codes a CCCD can start with (TT 07/2016 Phụ lục 1).
pub const CCCD_PROVINCES: [u16; 63] = [
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62,
    64, 66, 67, 68, 70, 72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
];

/// What a personal-ID value turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonId {
    /// The 12-digit number, when one could be read or repaired.
    pub cccd: Option<String>,
    /// A 9-digit old CMND found in the personal-ID column.
    pub cmnd: Option<String>,
    /// Facts encoded in a valid CCCD.
    pub province: Option<u16>,
    pub sex: Option<Sex>,
    pub birth_year: Option<i32>,
    pub codes: Vec<Code>,
}

fn strip_separators(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '_' | '\'' | '"' | '\u{a0}')).collect()
}

/// The number of a labelled ID: "CCCD: 052090000001", "Số 052090000001", "052090000001
/// (CCCD)", "CMND số 212345678".
fn without_label(raw: &str) -> Option<&str> {
    const LABEL: [&str; 14] = ["cccd", "cmnd", "cmt", "so", "dinh", "danh", "ca", "nhan", "can", "cuoc", "cong", "dan", "ddcn", "id"];
    labelled_number(raw, &LABEL)
}

/// The one number in a value whose other words are all `label` words (folded), when it has
/// any: two numbers, or a word of another kind, leave the value as it is.
fn labelled_number<'a>(raw: &'a str, label: &[&str]) -> Option<&'a str> {
    if !raw.bytes().any(|b| b.is_ascii_alphabetic() || b >= 0x80) {
        return None;
    }
    let is_number_char = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-');
    let start = raw.find(|c: char| c.is_ascii_digit())?;
    let len = raw[start..].find(|c: char| !is_number_char(c)).unwrap_or(raw.len() - start);
    let number = raw[start..start + len].trim_end_matches([' ', '.', '-']);
    let rest = format!("{} {}", &raw[..start], &raw[start + number.len()..]);
    let words = crate::text::fold(&rest);
    let label_only = words.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).all(|w| label.contains(&w));
    (label_only && !rest.bytes().any(|b| b.is_ascii_digit())).then_some(number)
}

/// Digits of a number a spreadsheet wrote in scientific notation, when all of
/// them survived: `5.21123456789E+11` → `521123456789`; `5.21E+11` → None.
fn from_scientific(s: &str) -> Option<(String, bool)> {
    let upper = s.to_ascii_uppercase();
    let (mant, exp) = upper.split_once('E')?;
    let exp: i32 = exp.trim_start_matches('+').parse().ok()?;
    let (int, frac) = mant.split_once(',').or_else(|| mant.split_once('.')).unwrap_or((mant, ""));
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || int.is_empty() {
        return None;
    }
    let digits = format!("{int}{frac}");
    let total = int.len() as i32 + exp;
    if total < digits.len() as i32 || total > 15 {
        return None;
    }
    let complete = digits.trim_end_matches('0').len() as i32 == total || frac.len() as i32 == exp;
    let mut out = digits.clone();
    while (out.len() as i32) < total {
        out.push('0');
    }
    Some((out, complete))
}

/// Normalizes a personal-ID value and checks it against the record's sex and
/// date of birth when they are known.
///
/// ```
/// use lamsach_core::normalize::id::normalize_person_id;
/// use lamsach_core::normalize::sex::Sex;
/// let id = normalize_person_id("052 190 012345", Some(Sex::Female), None);
/// assert_eq!(id.cccd.as_deref(), Some("052190012345"));
/// assert_eq!(id.birth_year, Some(1990));
/// assert!(id.codes.is_empty());
/// ```
pub fn normalize_person_id(raw: &str, sex: Option<Sex>, dob: Option<PartialDate>) -> PersonId {
    let mut out = PersonId { cccd: None, cmnd: None, province: None, sex: None, birth_year: None, codes: Vec::new() };
    let raw = without_label(raw).unwrap_or(raw);
    let compact: String = raw.trim().chars().filter(|c| !c.is_whitespace()).collect();
    let mut s = strip_separators(&compact);
    if s.is_empty() {
        return out;
    }
    if compact.contains(['E', 'e']) && compact.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        s = compact.replace(',', ".");
        out.codes.push(Code::IdScientificNotation);
        match from_scientific(&s) {
            Some((digits, true)) => s = digits,
            _ => return out,
        }
    }
    // "52190012345.0" from a float column
    if let Some(int) = s.strip_suffix(".0").or_else(|| s.strip_suffix(",0")) {
        s = int.to_string();
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        out.codes.push(Code::IdMalformed);
        return out;
    }
    match s.len() {
        12 => {}
        11 => {
            // A number column drops the leading zero of every CCCD (all province codes start with 0).
            let candidate = format!("0{s}");
            if valid_structure(&candidate) {
                out.codes.push(Code::IdLeadingZeroLost);
                s = candidate;
            } else {
                out.codes.push(Code::IdMalformed);
                return out;
            }
        }
        9 => {
            out.codes.push(Code::IdIsOldCmnd);
            out.cmnd = Some(s);
            return out;
        }
        8 => {
            out.codes.push(Code::IdIsOldCmnd);
            out.codes.push(Code::IdLeadingZeroLost);
            out.cmnd = Some(format!("0{s}"));
            return out;
        }
        _ => {
            out.codes.push(Code::IdMalformed);
            return out;
        }
    }
    let province: u16 = s[0..3].parse().unwrap_or(0);
    let d4 = s.as_bytes()[3] - b'0';
    let yy: i32 = s[4..6].parse().unwrap_or(0);
    let century = 1900 + 100 * (d4 as i32 / 2);
    let id_sex = if d4.is_multiple_of(2) { Sex::Male } else { Sex::Female };
    out.cccd = Some(s);
    if !CCCD_PROVINCES.contains(&province) {
        out.codes.push(Code::IdProvinceUnknown);
    } else {
        out.province = Some(province);
    }
    out.sex = Some(id_sex);
    out.birth_year = Some(century + yy);
    if let Some(sx) = sex
        && sx != id_sex
    {
        out.codes.push(Code::IdSexMismatch);
    }
    if let Some(d) = dob
        && d.year != century + yy
    {
        out.codes.push(Code::IdBirthYearMismatch);
    }
    out
}

fn valid_structure(s: &str) -> bool {
    s.len() == 12 && s[0..3].parse::<u16>().is_ok_and(|p| CCCD_PROVINCES.contains(&p))
}

/// Old identity card (CMND): 9 digits, or 12 for the late-issue 12-digit CMND.
pub fn normalize_old_id(raw: &str) -> (Option<String>, Vec<Code>) {
    let s = strip_separators(raw.trim());
    if s.is_empty() {
        return (None, vec![]);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        match s.len() {
            9 | 12 => return (Some(s), vec![]),
            8 => return (Some(format!("0{s}")), vec![Code::IdLeadingZeroLost]),
            _ => {}
        }
    }
    (None, vec![Code::OldIdMalformed])
}

/// Health-insurance card: 15 characters (category, level 1–5, 2-digit
/// province, 10-digit social-insurance number) or the bare 10-digit form.
pub fn normalize_health_insurance(raw: &str) -> (Option<String>, Vec<Code>) {
    let s: String = strip_separators(raw.trim()).to_ascii_uppercase();
    if s.is_empty() {
        return (None, vec![]);
    }
    let b = s.as_bytes();
    if b.len() == 15 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase() && (b'1'..=b'5').contains(&b[2]) && b[3..].iter().all(|c| c.is_ascii_digit()) {
        return (Some(s), vec![]);
    }
    if b.len() == 10 && b.iter().all(|c| c.is_ascii_digit()) {
        return (Some(s), vec![Code::HealthInsuranceShortForm]);
    }
    (None, vec![Code::HealthInsuranceMalformed])
}

/// Social-insurance number: 10 digits.
pub fn normalize_social_insurance(raw: &str) -> (Option<String>, Vec<Code>) {
    let s = strip_separators(raw.trim());
    if s.is_empty() {
        return (None, vec![]);
    }
    if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) { (Some(s), vec![]) } else { (None, vec![Code::SocialInsuranceMalformed]) }
}

/// The tax-code check digit of a 9-digit prefix, or None when the prefix can never be issued.
pub fn tax_check_digit(prefix: &[u8]) -> Option<u8> {
    const W: [u32; 9] = [31, 29, 23, 19, 17, 13, 7, 5, 3];
    let r: u32 = prefix.iter().zip(W).map(|(d, w)| (*d - b'0') as u32 * w).sum::<u32>() % 11;
    if r == 0 { None } else { Some((10 - r) as u8) }
}

/// Tax code: 10 digits with a check digit, 13 with a branch suffix, or (from
/// 1/7/2025) a 12-digit personal ID.
pub fn normalize_tax_code(raw: &str) -> (Option<String>, Vec<Code>) {
    let s: String = raw.trim().chars().filter(|c| c.is_ascii_digit()).collect();
    if raw.trim().is_empty() {
        return (None, vec![]);
    }
    if raw.trim().chars().any(|c| !(c.is_ascii_digit() || matches!(c, '-' | ' ' | '.'))) {
        return (None, vec![Code::TaxCodeMalformed]);
    }
    match s.len() {
        12 => (Some(s), vec![]),
        10 | 13 => {
            let b = s.as_bytes();
            if tax_check_digit(&b[..9]) != Some(b[9] - b'0') {
                return (Some(s), vec![Code::TaxCodeChecksum]);
            }
            if s.len() == 13 { (Some(format!("{}-{}", &s[..10], &s[10..])), vec![]) } else { (Some(s), vec![]) }
        }
        _ => (None, vec![Code::TaxCodeMalformed]),
    }
}

const PHONE_11_TO_10: [(&str, &str); 21] = [
    ("0162", "032"),
    ("0163", "033"),
    ("0164", "034"),
    ("0165", "035"),
    ("0166", "036"),
    ("0167", "037"),
    ("0168", "038"),
    ("0169", "039"),
    ("0120", "070"),
    ("0121", "079"),
    ("0122", "077"),
    ("0126", "076"),
    ("0128", "078"),
    ("0123", "083"),
    ("0124", "084"),
    ("0125", "085"),
    ("0127", "081"),
    ("0129", "082"),
    ("0186", "056"),
    ("0188", "058"),
    ("0199", "059"),
];

const MOBILE_PREFIXES: [&str; 36] = [
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098", "081", "082", "083", "084", "085", "088", "091", "094", "070", "076",
    "077", "078", "079", "089", "090", "093", "052", "056", "058", "092", "059", "099", "087", "055",
];

/// Phone numbers: +84/84 prefixes, the 2018 11→10-digit mobile conversion, landlines.
///
/// ```
/// use lamsach_core::normalize::id::normalize_phone;
/// assert_eq!(normalize_phone("+84 912 345 678").0.as_deref(), Some("0912345678"));
/// assert_eq!(normalize_phone("01662345678").0.as_deref(), Some("0362345678"));
/// ```
pub fn normalize_phone(raw: &str) -> (Option<String>, Vec<Code>) {
    // "ĐT: 0912…", "SĐT 0912…", "0912… (Zalo)"
    const LABEL: [&str; 11] = ["dt", "sdt", "so", "dien", "thoai", "di", "dong", "dd", "tel", "mobile", "zalo"];
    let t = labelled_number(raw, &LABEL).unwrap_or(raw).trim();
    if t.is_empty() {
        return (None, vec![]);
    }
    let mut s: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    if t.chars().any(|c| c.is_alphabetic()) {
        return (None, vec![Code::PhoneMalformed]);
    }
    if let Some(r) = s.strip_prefix("84")
        && (t.starts_with('+') || r.len() >= 9)
        && !s.starts_with("840")
    {
        s = format!("0{r}");
    } else if let Some(r) = s.strip_prefix("0084") {
        s = format!("0{r}");
    } else if !s.starts_with('0') && s.len() == 9 {
        s = format!("0{s}"); // lost leading zero in a number column
    }
    let mut codes = Vec::new();
    if s.len() == 11 {
        if let Some((old, new)) = PHONE_11_TO_10.iter().find(|(o, _)| s.starts_with(o)) {
            s = format!("{new}{}", &s[old.len()..]);
            codes.push(Code::PhoneConverted);
        } else if s.starts_with("02") {
            return (Some(s), codes); // landline: 0 + 2xx area code + subscriber
        }
    }
    if s.len() == 10 && MOBILE_PREFIXES.iter().any(|p| s.starts_with(p)) {
        return (Some(s), codes);
    }
    if (10..=11).contains(&s.len()) && s.starts_with("02") {
        return (Some(s), codes);
    }
    (None, vec![Code::PhoneMalformed])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_labelled_phone_is_read() {
        for v in ["ĐT: 0912345678", "SĐT 0912.345.678", "0912345678 (Zalo)", "Di động: 0912 345 678"] {
            assert_eq!(normalize_phone(v).0.as_deref(), Some("0912345678"), "{v}");
        }
        assert_eq!(normalize_phone("0912345678 - 0987654321").1, vec![Code::PhoneMalformed]);
        assert_eq!(normalize_phone("gọi 0912345678").1, vec![Code::PhoneMalformed]);
    }

    #[test]
    fn a_labelled_id_is_read_and_two_numbers_are_not() {
        for v in ["CCCD: 052090000001", "Số 052090000001", "052090000001 (CCCD)", "Số CCCD: 052 090 000 001", "ĐDCN 052090000001"] {
            assert_eq!(normalize_person_id(v, None, None).cccd.as_deref(), Some("052090000001"), "{v}");
        }
        assert_eq!(normalize_person_id("CMND số 212345678", None, None).cmnd.as_deref(), Some("212345678"));
        for v in ["052090000001/052090000002", "052090000001 hoặc 052090000002", "Nam 052090000001", "052090000001 cũ"] {
            assert!(normalize_person_id(v, None, None).codes.contains(&Code::IdMalformed), "{v}");
        }
    }

    #[test]
    fn cccd_structure_and_cross_checks() {
        let id = normalize_person_id("052190012345", Some(Sex::Male), Some(PartialDate::ymd(1991, 1, 1)));
        assert_eq!(id.sex, Some(Sex::Female));
        assert!(id.codes.contains(&Code::IdSexMismatch));
        assert!(id.codes.contains(&Code::IdBirthYearMismatch));
        let id = normalize_person_id("001205000001", Some(Sex::Male), Some(PartialDate::ymd(2005, 6, 1)));
        assert_eq!(id.birth_year, Some(2005));
        assert!(id.codes.is_empty());
        let id = normalize_person_id("003190012345", None, None);
        assert!(id.codes.contains(&Code::IdProvinceUnknown));
    }

    #[test]
    fn spreadsheet_damage() {
        let id = normalize_person_id("52190012345", None, None);
        assert_eq!(id.cccd.as_deref(), Some("052190012345"));
        assert!(id.codes.contains(&Code::IdLeadingZeroLost));
        let id = normalize_person_id("5.21E+11", None, None);
        assert_eq!(id.cccd, None);
        assert!(id.codes.contains(&Code::IdScientificNotation));
        let id = normalize_person_id("5.2190012345E+10", None, None);
        assert_eq!(id.cccd.as_deref(), Some("052190012345"));
        let id = normalize_person_id("123456789", None, None);
        assert_eq!(id.cmnd.as_deref(), Some("123456789"));
        assert!(id.codes.contains(&Code::IdIsOldCmnd));
        assert!(normalize_person_id("12AB", None, None).codes.contains(&Code::IdMalformed));
        assert!(normalize_person_id("", None, None).codes.is_empty());
    }

    #[test]
    fn other_identifiers() {
        assert_eq!(normalize_health_insurance("HS 4 01 0120878811").0.as_deref(), Some("HS4010120878811"));
        assert_eq!(normalize_health_insurance("0120878811").1, vec![Code::HealthInsuranceShortForm]);
        assert_eq!(normalize_health_insurance("HS901").1, vec![Code::HealthInsuranceMalformed]);
        assert!(normalize_tax_code("0100233488").1.is_empty());
        assert_eq!(normalize_tax_code("0100233480").1, vec![Code::TaxCodeChecksum]);
        assert_eq!(normalize_tax_code("0100233488-001").0.as_deref(), Some("0100233488-001"));
        assert_eq!(tax_check_digit(b"010004751"), Some(6));
        assert_eq!(normalize_social_insurance("0120878811").0.as_deref(), Some("0120878811"));
        assert_eq!(normalize_old_id("12345678").0.as_deref(), Some("012345678"));
    }

    #[test]
    fn phones() {
        assert_eq!(normalize_phone("0912.345.678").0.as_deref(), Some("0912345678"));
        assert_eq!(normalize_phone("84912345678").0.as_deref(), Some("0912345678"));
        let (p, c) = normalize_phone("0168 123 4567");
        assert_eq!(p.as_deref(), Some("0381234567"));
        assert_eq!(c, vec![Code::PhoneConverted]);
        assert_eq!(normalize_phone("02563822123").0.as_deref(), Some("02563822123"));
        assert_eq!(normalize_phone("12345").1, vec![Code::PhoneMalformed]);
    }
}
