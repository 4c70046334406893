//! The canonical fields every register is mapped onto.

#![warn(missing_docs)]

use serde::{Deserialize, Serialize};

/// A canonical field. Sector schemas map their headers onto these; the
/// normalizer for each is fixed by the field itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Personal identification number (số định danh cá nhân / CCCD), 12 digits.
    PersonId,
    /// Old identity card number (CMND), 9 or 12 digits.
    OldId,
    /// Full name as written, family name first.
    FullName,
    /// Date of birth; a year-only value is a date with year precision.
    Dob,
    /// Sex (Nam / Nữ and their spellings).
    Sex,
    /// Commune-level unit: a code or a name.
    Commune,
    /// Province: a code or a name (used to narrow commune lookups).
    Province,
    /// Free-text address (house, hamlet, commune, district, province).
    Address,
    /// Phone number.
    Phone,
    /// Health-insurance card number (mã thẻ BHYT).
    HealthInsuranceNo,
    /// Social-insurance number (mã số BHXH).
    SocialInsuranceNo,
    /// Personal tax code (mã số thuế).
    TaxCode,
    /// Alive / deceased (reference extract).
    Status,
    /// Date of death.
    DeathDate,
    /// When the record was last updated in its source system.
    UpdatedAt,
    /// Civil status: the day the event was registered (ngày đăng ký).
    RegistrationDate,
    /// Civil status: the registering office (cơ quan đăng ký, a commune's People's Committee).
    RegistryOffice,
    /// Civil status: the register book's number (quyển số), often with its year ("01/2015").
    BookNo,
    /// Civil status: the entry's number in its book (số).
    EntryNo,
    /// Reference extract: the mother's personal ID (số định danh của mẹ).
    MotherId,
    /// Reference extract: the father's personal ID (số định danh của cha).
    FatherId,
}

impl Field {
    /// Every field, in the order of the outputs' columns.
    pub const ALL: [Field; 21] = [
        Field::PersonId,
        Field::OldId,
        Field::FullName,
        Field::Dob,
        Field::Sex,
        Field::Commune,
        Field::Province,
        Field::Address,
        Field::Phone,
        Field::HealthInsuranceNo,
        Field::SocialInsuranceNo,
        Field::TaxCode,
        Field::Status,
        Field::DeathDate,
        Field::UpdatedAt,
        Field::RegistrationDate,
        Field::RegistryOffice,
        Field::BookNo,
        Field::EntryNo,
        Field::MotherId,
        Field::FatherId,
    ];
    /// The number of fields.
    pub const COUNT: usize = Self::ALL.len();

    /// The canonical (snake_case) name used in schemas, job files and output columns.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::PersonId => "person_id",
            Field::OldId => "old_id",
            Field::FullName => "full_name",
            Field::Dob => "dob",
            Field::Sex => "sex",
            Field::Commune => "commune",
            Field::Province => "province",
            Field::Address => "address",
            Field::Phone => "phone",
            Field::HealthInsuranceNo => "health_insurance_no",
            Field::SocialInsuranceNo => "social_insurance_no",
            Field::TaxCode => "tax_code",
            Field::Status => "status",
            Field::DeathDate => "death_date",
            Field::UpdatedAt => "updated_at",
            Field::RegistrationDate => "registration_date",
            Field::RegistryOffice => "registry_office",
            Field::BookNo => "book_no",
            Field::EntryNo => "entry_no",
            Field::MotherId => "mother_id",
            Field::FatherId => "father_id",
        }
    }

    /// The field a canonical name names.
    pub fn parse(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Position in [`Field::ALL`], for per-field arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Vietnamese label for human outputs.
    pub fn label_vi(self) -> &'static str {
        match self {
            Field::PersonId => "Số định danh cá nhân",
            Field::OldId => "Số CMND",
            Field::FullName => "Họ và tên",
            Field::Dob => "Ngày sinh",
            Field::Sex => "Giới tính",
            Field::Commune => "Xã/phường",
            Field::Province => "Tỉnh/thành",
            Field::Address => "Địa chỉ",
            Field::Phone => "Số điện thoại",
            Field::HealthInsuranceNo => "Mã thẻ BHYT",
            Field::SocialInsuranceNo => "Mã số BHXH",
            Field::TaxCode => "Mã số thuế",
            Field::Status => "Tình trạng",
            Field::DeathDate => "Ngày mất",
            Field::UpdatedAt => "Ngày cập nhật",
            Field::RegistrationDate => "Ngày đăng ký",
            Field::RegistryOffice => "Cơ quan đăng ký",
            Field::BookNo => "Quyển số",
            Field::EntryNo => "Số (trong sổ)",
            Field::MotherId => "Số định danh của mẹ",
            Field::FatherId => "Số định danh của cha",
        }
    }

    /// The field's name for officers, in the report's language.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::Vi => self.label_vi(),
            crate::Lang::En => self.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_indices_are_dense() {
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(Field::parse(f.as_str()), Some(f));
            assert_eq!(f.index(), i);
        }
        assert_eq!(Field::parse("nope"), None);
    }
}
