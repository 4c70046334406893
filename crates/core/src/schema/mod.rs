//! Sector schemas: which canonical fields a register has, which are required,
//! who the subjects of a row are, and the headers registers really use.
//!
//! Built-in schemas live in `schemas/*.toml` and are compiled into the binary;
//! a job may name a schema file by path instead.

use crate::calendar::Precision;
use crate::field::Field;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

mod headers;
pub use headers::{default_aliases, dob_column_of_sex, field_by_words, header_key};

/// What a register is for, beyond its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SchemaKind {
    /// An ordinary sector register.
    #[default]
    Register,
    /// A death register: its people are deceased (marks their other records).
    Death,
    /// Civil status: birth registrations (đăng ký khai sinh): the child and the parents.
    BirthRegistration,
    /// A health facility's birth certificates (giấy chứng sinh): the mother and the child.
    BirthCertificate,
    /// Civil status: death registrations (đăng ký khai tử): a death register.
    DeathRegistration,
    /// A health facility's death certificates (giấy báo tử): a death register.
    DeathCertificate,
    /// The reference population extract.
    Reference,
}

impl SchemaKind {
    /// Its people (its event role's, when it names one) are deceased.
    pub fn is_death(self) -> bool {
        matches!(self, SchemaKind::Death | SchemaKind::DeathRegistration | SchemaKind::DeathCertificate)
    }

    /// A civil-status registration book (book and entry numbers, registration date).
    pub fn is_registration(self) -> bool {
        matches!(self, SchemaKind::BirthRegistration | SchemaKind::DeathRegistration)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: Field,
    /// The subject this field belongs to (for rows that describe several people).
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Headers beyond the built-in ones for this field.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Replace the built-in headers instead of adding to them.
    #[serde(default)]
    pub only_aliases: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    pub name: String,
    pub title_vi: String,
    pub title_en: String,
    #[serde(default)]
    pub kind: SchemaKind,
    /// Subjects of one row; empty means one subject, "subject".
    #[serde(default)]
    pub roles: Vec<String>,
    /// The role a civil-status event is about (the child born, the person who died); the
    /// other roles (parents, a declarant) are people named on the record. Default: every role.
    #[serde(default)]
    pub event_role: Option<String>,
    /// The date-of-birth precision this register must record.
    #[serde(default = "default_precision")]
    pub dob_precision: Precision,
    /// The sex a role itself says (`wife = "female"`), for the people a register names without
    /// a sex column: linking compares it like a written sex; assess never corrects it.
    #[serde(default)]
    pub role_sex: std::collections::BTreeMap<String, RoleSex>,
    #[serde(rename = "field")]
    pub fields: Vec<FieldSpec>,
}

/// The sex a role says (`role_sex`): `male` or `female`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleSex {
    Male,
    Female,
}

fn default_precision() -> Precision {
    Precision::Day
}

const BUILT_IN: &[(&str, &str)] = &[
    ("reference", include_str!("../../../../schemas/reference.toml")),
    ("labour", include_str!("../../../../schemas/labour.toml")),
    ("health_insurance", include_str!("../../../../schemas/health_insurance.toml")),
    ("birth_certificate", include_str!("../../../../schemas/birth_certificate.toml")),
    ("death_certificate", include_str!("../../../../schemas/death_certificate.toml")),
    ("land", include_str!("../../../../schemas/land.toml")),
    ("housing", include_str!("../../../../schemas/housing.toml")),
    ("association", include_str!("../../../../schemas/association.toml")),
    ("civil_birth", include_str!("../../../../schemas/civil_birth.toml")),
    ("civil_marriage", include_str!("../../../../schemas/civil_marriage.toml")),
    ("civil_death", include_str!("../../../../schemas/civil_death.toml")),
];

/// Errors loading a schema.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("unknown schema '{name}'; use one of: {known}, or a path to a schema .toml file")]
    Unknown { name: String, known: String },
    #[error("cannot read schema file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("schema file {path}: {message}")]
    Invalid { path: String, message: String },
}

/// How a column came to hold its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchedBy {
    /// The job's `[source.columns]`.
    Job,
    /// A header alias, compared by [`header_key`].
    Alias,
    /// The header's words ([`field_by_words`]), the one column that named the field.
    Words,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Job => "job",
            MatchedBy::Alias => "alias",
            MatchedBy::Words => "words",
        }
    }
}

/// Which column holds each field, per role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMap {
    /// (role, column of each field by `Field::index`).
    pub roles: Vec<(String, Vec<Option<usize>>)>,
    /// How each mapped column was matched, parallel to `roles`.
    pub matched_by: Vec<Vec<Option<MatchedBy>>>,
    /// Fields that no alias matched and whose words several headers carry: (field, candidate headers).
    pub ambiguous: Vec<(Field, Vec<String>)>,
    /// Overrides from the job (`[source.columns]` key, header) whose header the file lacks.
    pub missing_overrides: Vec<(String, String)>,
    /// Headers that stand twice and name a field: the first would silently win.
    pub duplicate_headers: Vec<String>,
    /// Headers that no field took.
    pub unmapped: Vec<String>,
    /// The men's and the women's date-of-birth columns, when the register writes each date of
    /// birth under the person's sex ([`dob_column_of_sex`]) and no column holds `dob` itself:
    /// the filled one gives `dob`, and `sex` when no sex column says it.
    pub dob_by_sex: Option<[usize; 2]>,
}

/// Mapped headers that stand twice in the file (the first would silently win), once each.
fn doubled_headers(headers: &[String], keys: &[String], used: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &i in used {
        if !keys[i].is_empty() && keys.iter().filter(|k| **k == keys[i]).count() > 1 && !out.contains(&headers[i]) {
            out.push(headers[i].clone());
        }
    }
    out
}

impl Schema {
    pub fn built_in_names() -> Vec<&'static str> {
        BUILT_IN.iter().map(|(n, _)| *n).collect()
    }

    pub fn built_in(name: &str) -> Option<Schema> {
        BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| toml::from_str(t).expect("built-in schema parses"))
    }

    /// A built-in schema by name, or a schema file by path (relative to `base`).
    pub fn resolve(name_or_path: &str, base: &Path) -> Result<Schema, SchemaError> {
        if let Some(s) = Schema::built_in(name_or_path) {
            return Ok(s);
        }
        if name_or_path.ends_with(".toml") {
            let p = base.join(name_or_path);
            let text = std::fs::read_to_string(&p).map_err(|source| SchemaError::Io { path: p.display().to_string(), source })?;
            return toml::from_str(&text).map_err(|e| SchemaError::Invalid { path: p.display().to_string(), message: e.to_string() });
        }
        Err(SchemaError::Unknown { name: name_or_path.to_string(), known: Schema::built_in_names().join(", ") })
    }

    /// Whether role index `role` is the one the register's event is about.
    /// The sex role `role` itself says, if the schema names one ([`Schema::role_sex`]).
    pub fn sex_of_role(&self, role: u16) -> Option<RoleSex> {
        self.role_sex.get(self.roles.get(role as usize)?).copied()
    }

    pub fn is_event_role(&self, role: u16) -> bool {
        match &self.event_role {
            None => true,
            Some(e) => self.roles.get(role as usize).is_some_and(|r| r == e),
        }
    }

    pub fn roles(&self) -> Vec<String> {
        if self.roles.is_empty() { vec!["subject".to_string()] } else { self.roles.clone() }
    }

    /// Fields of one role: its own plus the role-less ones.
    pub fn fields_of<'a>(&'a self, role: &'a str) -> impl Iterator<Item = &'a FieldSpec> + 'a {
        let single = self.roles.is_empty();
        self.fields.iter().filter(move |f| single || f.role.is_none() || f.role.as_deref() == Some(role))
    }

    pub fn required_fields(&self, role: &str) -> Vec<Field> {
        self.fields_of(role).filter(|f| f.required).map(|f| f.name).collect()
    }

    /// The alias keys of every field spec.
    fn alias_keys(&self, spec: &FieldSpec) -> Vec<String> {
        let mut v: Vec<String> = spec.aliases.iter().map(|a| header_key(a)).collect();
        if !spec.only_aliases && (spec.role.is_none() || self.roles.is_empty()) {
            v.extend(default_aliases(spec.name).iter().map(|a| header_key(a)));
        }
        v
    }

    /// How many headers match some field: used to find the header row.
    /// Whether `header` is one of the schema's header aliases, as written (up to case,
    /// diacritics and punctuation): header words, never a person's name or value.
    pub fn is_alias(&self, header: &str) -> bool {
        let key = header_key(header);
        !key.is_empty() && self.fields.iter().any(|f| self.alias_keys(f).contains(&key))
    }

    pub fn count_matches(&self, headers: &[String]) -> usize {
        let keys: Vec<String> = self.fields.iter().flat_map(|f| self.alias_keys(f)).collect();
        let by_words = |h: &str| self.roles.is_empty() && field_by_words(h).is_some_and(|f| self.fields.iter().any(|s| s.name == f));
        headers.iter().filter(|h| !h.trim().is_empty() && (keys.contains(&header_key(h)) || by_words(h))).count()
    }

    /// Single-subject registers: a field no alias found takes the one free column whose
    /// words name it. Returns the fields several free columns name, with those headers.
    fn map_by_words(&self, headers: &[String], cols: &mut [Option<usize>], how: &mut [Option<MatchedBy>], taken: &[usize]) -> Vec<(Field, Vec<String>)> {
        let used: Vec<usize> = cols.iter().flatten().chain(taken).copied().collect();
        let by_words: Vec<Option<Field>> = headers.iter().enumerate().map(|(i, h)| if used.contains(&i) { None } else { field_by_words(h) }).collect();
        let mut ambiguous = Vec::new();
        for spec in &self.fields {
            let f = spec.name;
            if cols[f.index()].is_some() || spec.only_aliases {
                continue;
            }
            let candidates: Vec<usize> = (0..headers.len()).filter(|&i| by_words[i] == Some(f)).collect();
            match candidates[..] {
                [] => {}
                [i] => {
                    cols[f.index()] = Some(i);
                    how[f.index()] = Some(MatchedBy::Words);
                }
                _ => ambiguous.push((f, candidates.iter().map(|&i| headers[i].clone()).collect())),
            }
        }
        ambiguous
    }

    /// Maps headers to fields. `overrides` (canonical field name → header, from
    /// the job) win over the aliases; for multi-subject schemas an override key
    /// may be `role.field`.
    pub fn map_columns(&self, headers: &[String], overrides: &HashMap<String, String>) -> ColumnMap {
        let keys: Vec<String> = headers.iter().map(|h| header_key(h)).collect();
        let mut taken = vec![false; headers.len()];
        let mut roles = Vec::new();
        let mut matched_by = Vec::new();
        let mut missing_overrides = Vec::new();
        for role in self.roles() {
            let mut cols = vec![None; Field::COUNT];
            let mut how = vec![None; Field::COUNT];
            // Role-specific specs first, so "Họ tên chồng" wins over a shared alias.
            let mut specs: Vec<&FieldSpec> = self.fields_of(&role).collect();
            specs.sort_by_key(|s| s.role.is_none());
            for spec in specs {
                if cols[spec.name.index()].is_some() {
                    continue;
                }
                let ov = overrides.get(&format!("{role}.{}", spec.name.as_str())).or_else(|| overrides.get(spec.name.as_str()));
                let found = match ov {
                    Some(h) => {
                        let k = header_key(h);
                        let at = keys.iter().position(|x| *x == k).map(|i| (i, MatchedBy::Job));
                        if at.is_none() && !missing_overrides.iter().any(|(_, x): &(String, String)| x == h) {
                            missing_overrides.push((spec.name.as_str().to_string(), h.clone()));
                        }
                        at
                    }
                    None => {
                        let aliases = self.alias_keys(spec);
                        // The first alias that matches wins; shared (role-less) columns may serve every role.
                        aliases
                            .iter()
                            .find_map(|a| keys.iter().enumerate().position(|(i, k)| k == a && (spec.role.is_none() || !taken[i])))
                            .map(|i| (i, MatchedBy::Alias))
                    }
                };
                if let Some((i, by)) = found {
                    cols[spec.name.index()] = Some(i);
                    how[spec.name.index()] = Some(by);
                    if spec.role.is_some() {
                        taken[i] = true;
                    }
                }
            }
            roles.push((role, cols));
            matched_by.push(how);
        }
        let single = self.roles.is_empty();
        let dob_by_sex = if single && roles[0].1[Field::Dob.index()].is_none() { dob_columns_by_sex(headers) } else { None };
        let by_sex = dob_by_sex.map_or(Vec::new(), |c| c.to_vec());
        let ambiguous = if single { self.map_by_words(headers, &mut roles[0].1, &mut matched_by[0], &by_sex) } else { Vec::new() };
        let used: Vec<usize> = roles.iter().flat_map(|(_, c)| c.iter().flatten().copied()).chain(by_sex).collect();
        let unmapped = headers.iter().enumerate().filter(|(i, h)| !used.contains(i) && !h.trim().is_empty()).map(|(_, h)| h.clone()).collect();
        let duplicate_headers = doubled_headers(headers, &keys, &used);
        ColumnMap { roles, matched_by, ambiguous, missing_overrides, duplicate_headers, unmapped, dob_by_sex }
    }
}

/// The one men's and one women's date-of-birth column, when the headers have exactly those.
fn dob_columns_by_sex(headers: &[String]) -> Option<[usize; 2]> {
    let of = |male: bool| {
        let cols: Vec<usize> = (0..headers.len()).filter(|&i| dob_column_of_sex(&headers[i]) == Some(male)).collect();
        (cols.len() == 1).then(|| cols[0])
    };
    Some([of(true)?, of(false)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spouse_role_says_the_sex_a_marriage_register_has_no_column_for() {
        let m = Schema::built_in("civil_marriage").unwrap();
        assert_eq!((m.sex_of_role(0), m.sex_of_role(1), m.sex_of_role(9)), (Some(RoleSex::Male), Some(RoleSex::Female), None));
        assert_eq!(Schema::built_in("labour").unwrap().sex_of_role(0), None);
    }

    #[test]
    fn every_built_in_schema_parses() {
        for n in Schema::built_in_names() {
            let s = Schema::built_in(n).unwrap();
            assert_eq!(s.name, n);
            for role in s.roles() {
                assert!(!s.fields_of(&role).collect::<Vec<_>>().is_empty());
            }
        }
    }

    #[test]
    fn headers_match_without_case_diacritics_or_punctuation() {
        let s = Schema::built_in("labour").unwrap();
        let headers: Vec<String> = ["STT", "HỌ TÊN", "Ngày, tháng, năm sinh", "Số CCCD/CMND", "Gioi tinh", "Ghi chú"].iter().map(|s| s.to_string()).collect();
        let m = s.map_columns(&headers, &HashMap::new());
        let cols = &m.roles[0].1;
        assert_eq!(cols[Field::FullName.index()], Some(1));
        assert_eq!(cols[Field::Dob.index()], Some(2));
        assert_eq!(cols[Field::PersonId.index()], Some(3));
        assert_eq!(cols[Field::Sex.index()], Some(4));
        assert_eq!(m.unmapped, vec!["STT".to_string(), "Ghi chú".to_string()]);
    }

    #[test]
    fn headers_as_registers_write_them() {
        let s = Schema::built_in("land").unwrap();
        let headers: Vec<String> =
            ["STT", "Tên chủ sử dụng đất", "Năm sinh", "Số CMND/CCCD", "Địa chỉ thường trú", "Diện tích (m2)"].iter().map(|s| s.to_string()).collect();
        let m = s.map_columns(&headers, &HashMap::new());
        assert_eq!(m.roles[0].1[Field::FullName.index()], Some(1));
        assert_eq!(m.matched_by[0][Field::FullName.index()], Some(MatchedBy::Words));
        assert_eq!(m.matched_by[0][Field::Dob.index()], Some(MatchedBy::Alias));
        for (h, f) in [
            ("Họ tên chủ hộ", Some(Field::FullName)),
            ("Họ và tên người lao động", Some(Field::FullName)),
            ("Họ, chữ đệm, tên", Some(Field::FullName)),
            ("Tên người sử dụng đất", Some(Field::FullName)),
            ("Ngày tháng năm sinh", Some(Field::Dob)),
            ("Ngày sinh của người lao động", Some(Field::Dob)),
            ("Số CCCD/CMND", Some(Field::PersonId)),
            ("Nơi thường trú", Some(Field::Address)),
            ("Họ tên cha", None),
            ("Họ và tên người đi khai", None),
            ("Nơi sinh", None),
            ("Tên xã", Some(Field::Commune)),
            ("MA_DVHC_XA_THUONG_TRU", Some(Field::Commune)),
            ("Xã/phường nơi cư trú", Some(Field::Commune)),
            ("Xã, huyện, tỉnh", None),
            ("Huyện/thị xã", None),
            ("Ngày đăng ký tại xã", None),
            ("Cán bộ tư pháp xã", None),
            ("Địa chỉ (xã/phường)", Some(Field::Address)),
            ("Ngày đăng ký khai sinh", None),
            ("Họ và tên khai sinh", Some(Field::FullName)),
            ("Họ tên người đi khai sinh", None),
            ("Họ tên người khai tử", None),
        ] {
            assert_eq!(field_by_words(h), f, "{h}");
        }
    }

    #[test]
    fn dates_of_birth_written_under_the_sex_map_to_both_columns() {
        let s = Schema::built_in("labour").unwrap();
        let headers: Vec<String> = ["STT", "Họ và tên", "Năm sinh Nam", "Năm sinh Nữ", "Số CCCD"].iter().map(|s| s.to_string()).collect();
        let m = s.map_columns(&headers, &HashMap::new());
        assert_eq!(m.dob_by_sex, Some([2, 3]));
        assert!(m.ambiguous.is_empty() && !m.unmapped.contains(&headers[2]), "{m:?}");
        assert_eq!(dob_column_of_sex("NGAY THANG NAM SINH NU"), Some(false));
        assert_eq!(dob_column_of_sex("Ngày tháng năm sinh"), None);
        assert_eq!(dob_column_of_sex("Nam"), None);
        let plain: Vec<String> = ["Họ và tên", "Ngày sinh", "Năm sinh Nam", "Năm sinh Nữ", "Số CCCD"].iter().map(|s| s.to_string()).collect();
        assert_eq!(s.map_columns(&plain, &HashMap::new()).dob_by_sex, None, "a date-of-birth column of its own wins");
    }

    #[test]
    fn two_headers_naming_one_field_are_ambiguous() {
        let s = Schema::built_in("land").unwrap();
        let headers: Vec<String> = ["Tên chủ sử dụng", "Tên người sử dụng đất thứ hai", "Năm sinh"].iter().map(|s| s.to_string()).collect();
        // The first is an alias: no ambiguity.
        assert!(s.map_columns(&headers, &HashMap::new()).ambiguous.is_empty());
        let headers: Vec<String> = ["Tên người đứng tên", "Tên người sử dụng đất", "Năm sinh"].iter().map(|s| s.to_string()).collect();
        let m = s.map_columns(&headers, &HashMap::new());
        assert_eq!(m.roles[0].1[Field::FullName.index()], None);
        assert_eq!(m.ambiguous, vec![(Field::FullName, vec![headers[0].clone(), headers[1].clone()])]);
    }

    #[test]
    fn marriage_rows_have_two_subjects() {
        let s = Schema::built_in("civil_marriage").unwrap();
        let headers: Vec<String> = ["Họ tên chồng", "Ngày sinh chồng", "Số định danh chồng", "Họ tên vợ", "Ngày sinh vợ", "Số định danh vợ", "Ngày đăng ký"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let m = s.map_columns(&headers, &HashMap::new());
        assert_eq!(m.roles.len(), 2);
        assert_eq!(m.roles[0].1[Field::FullName.index()], Some(0));
        assert_eq!(m.roles[1].1[Field::FullName.index()], Some(3));
        assert_eq!(m.roles[1].1[Field::PersonId.index()], Some(5));
        assert_eq!(m.roles[0].1[Field::RegistrationDate.index()], Some(6), "a registration's date is its registration date");
        assert_eq!(m.roles[1].1[Field::RegistrationDate.index()], Some(6));
        assert_eq!(m.roles[0].1[Field::UpdatedAt.index()], None);
    }

    #[test]
    fn a_missing_override_and_a_doubled_header_are_reported() {
        let s = Schema::built_in("labour").unwrap();
        let headers: Vec<String> = ["Họ tên", "Ngày sinh", "Ngày sinh", "Ghi chú", "Ghi chú"].iter().map(|s| s.to_string()).collect();
        let ov = HashMap::from([("phone".to_string(), "Điện thoại di động".to_string())]);
        let m = s.map_columns(&headers, &ov);
        assert_eq!(m.missing_overrides, vec![("phone".to_string(), "Điện thoại di động".to_string())]);
        assert_eq!(m.duplicate_headers, vec!["Ngày sinh".to_string()], "unused doubles (Ghi chú) do not matter");
    }

    #[test]
    fn job_overrides_win() {
        let s = Schema::built_in("labour").unwrap();
        let headers: Vec<String> = ["Tên NLĐ", "Họ tên"].iter().map(|s| s.to_string()).collect();
        let ov = HashMap::from([("full_name".to_string(), "Tên NLĐ".to_string())]);
        assert_eq!(s.map_columns(&headers, &ov).roles[0].1[Field::FullName.index()], Some(0));
    }
}
