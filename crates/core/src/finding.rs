//! Findings: what a stage noticed about a value, as stable codes.
//!
//! Every code has one dimension (đúng, đủ, sạch, sống), one severity and a
//! plain-language message in Vietnamese and English. The README's finding table
//! is checked against [`Code::ALL`] by a test, so the two cannot drift.

#![warn(missing_docs)]

use crate::field::Field;
use serde::{Serialize, Serializer};

coded_enum! {
    /// The four quality dimensions of Đề án 06.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Dimension {
        /// đúng: agrees with the reference person.
        Correct = "correct",
        /// đủ: required fields present and precise enough.
        Complete = "complete",
        /// sạch: well-formed, standard values; each person once.
        Clean = "clean",
        /// sống: describes the living present.
        Live = "live",
    }
}

impl Dimension {
    /// Đúng, Đủ, Sạch, Sống.
    pub fn label_vi(self) -> &'static str {
        match self {
            Dimension::Correct => "Đúng",
            Dimension::Complete => "Đủ",
            Dimension::Clean => "Sạch",
            Dimension::Live => "Sống",
        }
    }
    /// Position in [`Dimension::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One value per dimension, indexed by [`Dimension`] (never by a bare number).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PerDimension<T>(pub [T; 4]);

impl<T: Copy> PerDimension<T> {
    /// The same value for every dimension.
    pub fn splat(v: T) -> Self {
        PerDimension([v; 4])
    }
}

impl<T> std::ops::Index<Dimension> for PerDimension<T> {
    type Output = T;
    fn index(&self, d: Dimension) -> &T {
        &self.0[d.index()]
    }
}

impl<T> std::ops::IndexMut<Dimension> for PerDimension<T> {
    fn index_mut(&mut self, d: Dimension) -> &mut T {
        &mut self.0[d.index()]
    }
}

/// How much a finding weighs on its dimension's score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Noted, repaired or harmless: no penalty.
    Info,
    /// Lowers the score by 15; the record still passes the dimension.
    Warning,
    /// Lowers the score by 40; the record fails the dimension.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error` (outputs).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    /// Points taken off the dimension's score of 100.
    pub fn penalty(self) -> u32 {
        match self {
            Severity::Info => 0,
            Severity::Warning => 15,
            Severity::Error => 40,
        }
    }
}

macro_rules! codes {
    ($( $variant:ident => $code:literal, $dim:ident, $sev:ident, $vi:literal, $en:literal; )*) => {
        /// A stable finding code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( #[doc = $en] $variant, )* }

        impl Code {
            /// Every code, in the README's order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];
            /// The code as outputs spell it (`NAME_ALL_CAPS`).
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }
            /// The dimension the finding counts against.
            pub fn dimension(self) -> Dimension {
                match self { $( Code::$variant => Dimension::$dim, )* }
            }
            /// How much it weighs on that dimension's score.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }
            /// What it means, in Vietnamese.
            pub fn message_vi(self) -> &'static str {
                match self { $( Code::$variant => $vi, )* }
            }
            /// What it means, in English.
            pub fn message_en(self) -> &'static str {
                match self { $( Code::$variant => $en, )* }
            }
        }
    };
}

codes! {
    // --- sạch: text and names -------------------------------------------------
    TextLegacyEncoding => "TEXT_LEGACY_ENCODING", Clean, Warning, "Văn bản mã hóa cũ (TCVN3/VNI/...) đã được chuyển sang Unicode", "Text in a legacy encoding (TCVN3/VNI/...) was decoded to Unicode";
    TextNotNfc => "TEXT_NOT_NFC", Clean, Info, "Văn bản Unicode tổ hợp (NFD) đã chuẩn hóa về NFC", "Decomposed Unicode (NFD) text normalized to NFC";
    TextSpacing => "TEXT_SPACING", Clean, Info, "Khoảng trắng thừa hoặc ký tự ẩn đã được loại bỏ", "Extra spaces or invisible characters removed";
    FormulaNoValue => "FORMULA_NO_VALUE", Clean, Warning, "Ô Excel là công thức chưa có giá trị lưu (đọc như ô trống); mở tệp bằng Excel và lưu lại", "An Excel formula cell has no saved value (read as empty); open the workbook in Excel and save it";
    ValueTooLong => "VALUE_TOO_LONG", Clean, Warning, "Giá trị dài bất thường (trên 1.000 ký tự); worklist chỉ hiện phần đầu", "Value unusually long (over 1,000 characters); the worklist shows only its start";
    TextControlChars => "TEXT_CONTROL_CHARS", Clean, Warning, "Ký tự điều khiển (lỗi chuyển mã) đã được loại bỏ", "Control characters (a conversion fault) removed";
    TextLookalikeChars => "TEXT_LOOKALIKE_CHARS", Clean, Info, "Ký tự trông giống chữ Việt (Ð, dấu nháy cong, ...) đã được thay bằng ký tự chuẩn", "Look-alike characters (Ð, curly apostrophes, ...) replaced by the standard ones";
    NameLegacyEncoding => "NAME_LEGACY_ENCODING", Clean, Warning, "Họ tên mã hóa cũ (TCVN3/VNI/...) đã được chuyển sang Unicode", "Name in a legacy encoding (TCVN3/VNI/...) was decoded to Unicode";
    NameNoDiacritics => "NAME_NO_DIACRITICS", Clean, Info, "Họ tên viết không dấu (có thể đúng như vậy)", "Name written without diacritics (may be correct as written)";
    NameDiacriticsFromReference => "NAME_DIACRITICS_FROM_REFERENCE", Clean, Warning, "Họ tên thiếu dấu so với CSDL dân cư; đề xuất viết theo CSDL", "Name lacks the reference's diacritics; the reference spelling is proposed";
    NameMixedCase => "NAME_MIXED_CASE", Clean, Info, "Chữ hoa, chữ thường lẫn lộn (lỗi chuyển mã) đã được sửa", "Mixed upper and lower case (a conversion fault) repaired";
    NameAllCaps => "NAME_ALL_CAPS", Clean, Info, "Họ tên viết toàn chữ hoa", "Name written in capitals";
    NameToneStyle => "NAME_TONE_STYLE", Clean, Info, "Vị trí dấu thanh (hòa/hoà) đã được thống nhất", "Tone-mark placement (hòa/hoà) made uniform";
    NameHonorific => "NAME_HONORIFIC", Clean, Warning, "Họ tên có kèm danh xưng (Ông, Bà, ...)", "Name carries an honorific (Ông, Bà, ...)";
    NameSingleToken => "NAME_SINGLE_TOKEN", Clean, Warning, "Họ tên chỉ có một từ", "Name has a single word";
    NameDigits => "NAME_DIGITS", Clean, Error, "Họ tên chứa chữ số", "Name contains digits";
    NameInvalidChars => "NAME_INVALID_CHARS", Clean, Error, "Họ tên chứa ký tự không hợp lệ", "Name contains characters that are not letters";
    // --- sạch: identifiers -----------------------------------------------------
    IdMalformed => "ID_MALFORMED", Clean, Error, "Số định danh không đúng định dạng 12 chữ số", "Personal ID is not 12 digits";
    IdProvinceUnknown => "ID_PROVINCE_UNKNOWN", Clean, Error, "Mã tỉnh (3 số đầu) của số định danh không tồn tại", "Personal ID's province code (first 3 digits) does not exist";
    IdSexMismatch => "ID_SEX_MISMATCH", Clean, Error, "Chữ số thứ 4 của số định danh không khớp giới tính", "Personal ID's 4th digit disagrees with the sex";
    IdBirthYearMismatch => "ID_BIRTH_YEAR_MISMATCH", Clean, Error, "Năm sinh trong số định danh không khớp ngày sinh", "Birth year in the personal ID disagrees with the date of birth";
    IdScientificNotation => "ID_SCIENTIFIC_NOTATION", Clean, Error, "Số định danh bị Excel đổi sang dạng số mũ (5.21E+11)", "Personal ID mangled into scientific notation by a spreadsheet";
    IdLeadingZeroLost => "ID_LEADING_ZERO_LOST", Clean, Warning, "Số định danh mất số 0 đầu; đã khôi phục", "Personal ID lost its leading zero; restored";
    IdIsOldCmnd => "ID_IS_OLD_CMND", Clean, Warning, "Cột số định danh chứa số CMND cũ (9 số)", "The personal ID column holds an old 9-digit CMND";
    OldIdMalformed => "OLD_ID_MALFORMED", Clean, Warning, "Số CMND không đúng định dạng 9 hoặc 12 chữ số", "Old ID (CMND) is not 9 or 12 digits";
    HealthInsuranceMalformed => "BHYT_MALFORMED", Clean, Warning, "Mã thẻ BHYT không đúng định dạng", "Health-insurance card number is malformed";
    HealthInsuranceShortForm => "BHYT_SHORT_FORM", Clean, Info, "Mã thẻ BHYT dạng 10 số (mẫu thẻ từ 2021)", "Health-insurance number in the 10-digit form (card template from 2021)";
    SocialInsuranceMalformed => "BHXH_MALFORMED", Clean, Warning, "Mã số BHXH không đúng 10 chữ số", "Social-insurance number is not 10 digits";
    TaxCodeMalformed => "TAX_CODE_MALFORMED", Clean, Warning, "Mã số thuế không đúng định dạng", "Tax code is malformed";
    TaxCodeChecksum => "TAX_CODE_CHECKSUM", Clean, Warning, "Mã số thuế sai chữ số kiểm tra", "Tax code check digit is wrong";
    PhoneMalformed => "PHONE_MALFORMED", Clean, Warning, "Số điện thoại không hợp lệ", "Phone number is not valid";
    PhoneConverted => "PHONE_CONVERTED", Clean, Info, "Số di động 11 số đã chuyển sang 10 số", "11-digit mobile number converted to the 10-digit plan";
    // --- sạch: dates, sex, communes -----------------------------------------------
    DateUnparseable => "DATE_UNPARSEABLE", Clean, Error, "Không đọc được ngày", "Date cannot be read";
    DateImpossible => "DATE_IMPOSSIBLE", Clean, Error, "Ngày không tồn tại (ví dụ 30/02)", "Date does not exist (e.g. 30/02)";
    DateFuture => "DATE_FUTURE", Clean, Error, "Ngày ở tương lai", "Date lies in the future";
    DateOrderSwapped => "DATE_ORDER_SWAPPED", Clean, Warning, "Ngày và tháng bị đảo so với định dạng khai báo", "Day and month are swapped against the declared format";
    DateExcelSerial => "DATE_EXCEL_SERIAL", Clean, Info, "Ngày ở dạng số sê-ri Excel; đã chuyển đổi", "Date stored as an Excel serial number; converted";
    DateZeroFilled => "DATE_ZERO_FILLED", Clean, Info, "Ngày/tháng ghi 00 (chỉ biết năm)", "Day/month written as 00 (year known only)";
    DobPlaceholder => "DOB_PLACEHOLDER", Clean, Info, "Ngày sinh ghi vào ngày mà sổ này dùng thay cho 'không rõ' (như 01/01): chỉ tin năm (hoặc tháng, năm)", "Date of birth on a day this register overuses for 'unknown' (such as 01/01): only its year (or month and year) is trusted";
    DateTwoDigitYear => "DATE_TWO_DIGIT_YEAR", Clean, Warning, "Năm ghi 2 chữ số", "Year written with two digits";
    SexUnknown => "SEX_UNKNOWN", Clean, Warning, "Giới tính không rõ", "Sex value not recognized";
    CommuneUnknown => "COMMUNE_UNKNOWN", Clean, Error, "Không tìm thấy xã/phường trong danh mục", "Commune not found in the official code list";
    CommuneAmbiguous => "COMMUNE_AMBIGUOUS", Clean, Warning, "Tên xã/phường trùng nhiều đơn vị; cần mã", "Commune name matches several units; a code is needed";
    CommuneSplit => "COMMUNE_SPLIT", Clean, Info, "Xã/phường cũ bị chia cho nhiều đơn vị mới; đã chọn đơn vị mặc định", "Old commune was split across several new units; the default was chosen";
    AddressUnplaced => "ADDRESS_UNPLACED", Clean, Warning, "Không xác định được xã/phường từ địa chỉ", "No commune could be placed from the address";
    AddressUnitMerged => "ADDRESS_UNIT_MERGED", Clean, Info, "Địa chỉ ghi tên xã/phường đã sáp nhập trước năm 2025; đã đặt vào đơn vị sau sáp nhập", "The address names a commune merged away before 2025; placed in the unit it became part of";
    AddressUnitMisspelt => "ADDRESS_UNIT_MISSPELT", Clean, Info, "Tên xã, huyện hoặc tỉnh trong địa chỉ viết sai một, hai chữ; đã đọc theo đơn vị gần nhất trong danh mục", "A commune, district or province name in the address is one or two letters off; read as the nearest unit of the official list";
    DuplicateInSource => "DUPLICATE_IN_SOURCE", Clean, Error, "Cùng một người xuất hiện nhiều lần trong nguồn", "The same person appears more than once in this source";
    BookEntryDuplicate => "BOOK_ENTRY_DUPLICATE", Clean, Error, "Trùng số trong cùng quyển sổ hộ tịch", "The same entry number twice in one register book";
    EntryNoNotNumber => "ENTRY_NO_NOT_NUMBER", Clean, Error, "Số (trong sổ hộ tịch) không phải là số", "The entry number in the register book is not a number";
    // --- đủ -----------------------------------------------------------------------
    RequiredMissing => "REQUIRED_MISSING", Complete, Error, "Thiếu trường bắt buộc", "A required field is empty";
    DobImprecise => "DOB_IMPRECISE", Complete, Warning, "Ngày sinh chỉ có năm (hoặc tháng/năm) trong khi cần đủ ngày", "Date of birth is year-only (or month/year) where a full date is required";
    LateRegistration => "LATE_REGISTRATION", Complete, Info, "Đăng ký quá hạn luật định (khai sinh sau 60 ngày, khai tử sau 15 ngày)", "Registered after the legal period (a birth after 60 days, a death after 15 days)";
    BirthNotRegistered => "BIRTH_NOT_REGISTERED", Complete, Error, "Có giấy chứng sinh nhưng chưa đăng ký khai sinh sau thời hạn 60 ngày", "A medical birth certificate with no birth registration after the 60-day legal period";
    DeathNotRegistered => "DEATH_NOT_REGISTERED", Complete, Error, "Có giấy báo tử nhưng chưa đăng ký khai tử sau thời hạn 15 ngày", "A medical death certificate with no death registration after the 15-day legal period";
    BookEntryGap => "BOOK_ENTRY_GAP", Complete, Warning, "Thiếu số trước số này trong quyển sổ hộ tịch (trang chưa số hóa?)", "Entry numbers missing before this one in its register book (a page not digitized?)";
    // --- đúng ---------------------------------------------------------------------
    NoLink => "NO_LINK", Correct, Error, "Không tìm thấy người tương ứng trong CSDL dân cư", "No matching person in the reference population";
    LinkReview => "LINK_REVIEW", Correct, Warning, "Có người gần khớp trong CSDL dân cư; cần kiểm tra", "A possible match in the reference needs review";
    NameDiffers => "NAME_DIFFERS", Correct, Error, "Họ tên khác với CSDL dân cư", "Name differs from the reference";
    NameSpellingFromReference => "NAME_SPELLING_FROM_REFERENCE", Correct, Warning, "Họ tên viết khác CSDL dân cư (cùng số định danh); đề xuất viết theo CSDL", "Name spelt differently from the reference (same personal ID); the reference spelling is proposed";
    DobDiffers => "DOB_DIFFERS", Correct, Error, "Ngày sinh khác với CSDL dân cư", "Date of birth differs from the reference";
    SexDiffers => "SEX_DIFFERS", Correct, Error, "Giới tính khác với CSDL dân cư", "Sex differs from the reference";
    IdDiffers => "ID_DIFFERS", Correct, Error, "Số định danh khác với CSDL dân cư", "Personal ID differs from the reference";
    IdOtherPerson => "ID_BELONGS_TO_OTHER_PERSON", Correct, Error, "Số định danh thuộc về người khác trong CSDL dân cư", "The personal ID belongs to another reference person";
    IdFromReference => "ID_FROM_REFERENCE", Correct, Warning, "Thiếu số định danh; đề xuất lấy từ CSDL dân cư", "Personal ID missing; proposed from the reference";
    IdInconsistentInReference => "ID_INCONSISTENT_IN_REFERENCE", Correct, Warning, "Số định danh ghi đúng như CSDL dân cư, nhưng năm sinh, giới tính hoặc mã tỉnh trong số đó không khớp với chính người đó trong CSDL; nguồn không cần sửa, CSDL dân cư cần kiểm tra", "The personal ID is the reference's own, but its embedded birth year, sex or province disagrees with that same person in the reference; nothing to fix at the source, the population database needs checking";
    IdSharedInReference => "ID_SHARED_IN_REFERENCE", Correct, Warning, "Người tương ứng có số định danh trùng với dòng khác trong CSDL dân cư; cần kiểm tra", "The linked reference person's ID stands on another reference row too; needs checking";
    OfficerIdNotInReference => "OFFICER_ID_NOT_IN_REFERENCE", Correct, Error, "Số định danh cán bộ ghi trong danh sách xác minh không có trong CSDL dân cư; kiểm tra lại", "The personal ID an officer returned on the worklist is not in the reference; check it";
    OfficerIdInconsistent => "OFFICER_ID_INCONSISTENT", Correct, Error, "Số định danh cán bộ ghi thuộc về người có giới tính, họ tên hoặc ngày sinh khác; kiểm tra lại", "The personal ID an officer returned belongs to a person whose sex, name or date of birth disagree; check it";
    DecisionsConflict => "DECISIONS_CONFLICT", Correct, Warning, "Các danh sách xác minh trả về ghi kết quả khác nhau cho bản ghi này; chưa áp dụng kết quả nào, chọn lại một kết quả", "Returned worklists decided this record differently; neither was applied, choose one result again";
    RegistrationBeforeEvent => "REGISTRATION_BEFORE_EVENT", Correct, Error, "Ngày đăng ký trước ngày xảy ra sự kiện (sinh, chết)", "Registered before the event (the birth or the death) happened";
    ParentLinkDisagrees => "PARENT_LINK_DISAGREES", Correct, Error, "Cha/mẹ trong đăng ký khai sinh không phải cha/mẹ của trẻ theo CSDL dân cư", "The parent on the birth registration is not the child's parent in the reference";
    ParentAgeImplausible => "PARENT_AGE_IMPLAUSIBLE", Correct, Warning, "Tuổi của cha hoặc mẹ khi sinh con không hợp lý", "The parent's age at the birth is implausible";
    DeathDateDisagrees => "DEATH_DATE_DISAGREES", Correct, Error, "Ngày chết khác nhau giữa giấy báo tử và đăng ký khai tử", "The date of death differs between the death certificate and the death registration";
    BookDateOutOfOrder => "BOOK_DATE_OUT_OF_ORDER", Correct, Warning, "Ngày đăng ký ngoài năm của quyển sổ hoặc sai thứ tự so với các số trước, sau", "Registration date outside the book's year or out of order with the entries around it";
    BlockTruncated => "BLOCK_TRUNCATED", Correct, Warning, "Nhóm ứng viên quá lớn đã bị cắt bớt khi so khớp", "An oversized candidate block was truncated while matching";
    // --- sống ---------------------------------------------------------------------
    DeceasedInReference => "DECEASED_IN_REFERENCE", Live, Error, "Người đã mất theo CSDL dân cư", "Deceased according to the reference";
    DeceasedInRegister => "DECEASED_IN_REGISTER", Live, Error, "Người đã mất theo sổ khai tử/giấy báo tử", "Deceased according to a death register in this job";
    DeathNotInReference => "DEATH_NOT_IN_REFERENCE", Live, Warning, "Đã khai tử/báo tử nhưng CSDL dân cư vẫn ghi còn sống; cần cập nhật CSDL", "Registered dead here, but the reference still shows the person alive; the population database needs updating";
    CommuneDiffers => "COMMUNE_DIFFERS", Live, Warning, "Nơi cư trú khác với CSDL dân cư", "Commune differs from the reference's current residence";
    CommunePre2025 => "COMMUNE_PRE_2025", Live, Warning, "Đơn vị hành chính cũ (trước 1/7/2025)", "Administrative unit from before the 1 July 2025 reform";
    AddressPre2025 => "ADDRESS_PRE_2025", Live, Info, "Địa chỉ ghi theo đơn vị hành chính cũ (trước 1/7/2025)", "Address written with the units before the 1 July 2025 reform";
    BirthNotInReference => "BIRTH_NOT_IN_REFERENCE", Live, Warning, "Đã đăng ký khai sinh nhưng trẻ chưa có trong CSDL dân cư; cần cập nhật CSDL", "Birth registered, but the child is not in the reference; the population database needs updating";
    RecordStale => "RECORD_STALE", Live, Warning, "Bản ghi lâu không được cập nhật", "Record not updated within the configured period";
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Code {
    /// The code an output spells (`NAME_ALL_CAPS`).
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
    /// What the finding means, in the report's language.
    pub fn message(self, lang: crate::Lang) -> &'static str {
        match lang {
            crate::Lang::Vi => self.message_vi(),
            crate::Lang::En => self.message_en(),
        }
    }
}

/// Where a suggested value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuggestedFrom {
    /// The linked person in the reference extract.
    Reference,
    /// lamsach's own repair of the value (tone style, encoding, a restored zero).
    Normalizer,
}

impl SuggestedFrom {
    /// `reference` or `normalizer` (outputs).
    pub fn as_str(self) -> &'static str {
        match self {
            SuggestedFrom::Reference => "reference",
            SuggestedFrom::Normalizer => "normalizer",
        }
    }
}

/// One thing noticed about one field of one record.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The field it is about; `None` for the record as a whole.
    pub field: Option<Field>,
    /// What was found.
    pub code: Code,
    /// A corrected value, when one is known.
    pub suggested: Option<String>,
    /// Where the corrected value comes from.
    pub suggested_from: Option<SuggestedFrom>,
}

impl Finding {
    /// A finding about one field.
    pub fn new(field: Field, code: Code) -> Self {
        Finding { field: Some(field), code, suggested: None, suggested_from: None }
    }
    /// A finding about the whole record.
    pub fn record(code: Code) -> Self {
        Finding { field: None, code, suggested: None, suggested_from: None }
    }
    /// With a corrected value and its provenance.
    pub fn suggest(mut self, value: impl Into<String>, from: SuggestedFrom) -> Self {
        self.suggested = Some(value.into());
        self.suggested_from = Some(from);
        self
    }
}

coded_enum! {
    /// Why an officer must look at a record, most urgent first: the worklist's order.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Priority {
        /// The record's ID belongs to someone else, or stands twice in the reference.
        WrongPerson = "wrong_person",
        /// Dead by the reference or a death register in this job, still listed.
        Deceased = "deceased",
        /// A death register names the person, the reference still shows them alive: the
        /// population database needs updating (for the commune police).
        ReferenceNotUpdated = "reference_not_updated",
        /// A birth or death certified by a health facility and never registered (civil status).
        Unregistered = "unregistered",
        /// Nobody in the reference fits.
        NoLink = "no_link",
        /// A possible match to confirm or reject.
        Review = "review",
        /// Linked, but the name disagrees with the reference's and the ID does not vouch for
        /// the person: is it the same person?
        ConflictsWithReference = "conflicts_with_reference",
        /// The same person twice in the register.
        Duplicate = "duplicate",
        /// A value that is wrong or missing and that only the source can correct.
        FixAtSource = "fix_at_source",
    }
}

impl Priority {
    /// 1 (most urgent) to 9: the number its label and the store's `open_items` carry.
    pub fn rank(self) -> u8 {
        self as u8 + 1
    }

    /// What the officer is asked to do, in the report's language.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        let (vi, en) = match self {
            Priority::WrongPerson => ("1. Sai người (số định danh của người khác)", "1. Wrong person (another person's ID)"),
            Priority::Deceased => ("2. Người đã mất vẫn có trong danh sách", "2. Deceased, still listed"),
            Priority::ReferenceNotUpdated => ("3. Đã mất, CSDL dân cư chưa cập nhật", "3. Dead, the reference not yet updated"),
            Priority::Unregistered => ("4. Sinh, chết chưa đăng ký hộ tịch", "4. Birth or death not registered"),
            Priority::NoLink => ("5. Không tìm thấy trong CSDL dân cư", "5. Not found in the reference"),
            Priority::Review => ("6. Cần xác nhận người tương ứng", "6. Confirm the possible match"),
            Priority::ConflictsWithReference => ("7. Họ tên khác CSDL dân cư", "7. Name disagrees with the reference"),
            Priority::Duplicate => ("8. Trùng lặp trong sổ", "8. Listed twice"),
            Priority::FixAtSource => ("9. Cần sửa tại nguồn", "9. Fix at the source"),
        };
        if lang == crate::Lang::Vi { vi } else { en }
    }
}

/// Who acts on a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handling {
    /// A person must judge or visit: a row of the worklist.
    Officer(Priority),
    /// A corrected value is known and needs no judgement: a row of the corrections file
    /// for the sector's IT staff to apply in bulk.
    Correction,
    /// Recorded for analysts (issues.parquet) and counted in the summary; nobody acts
    /// on it record by record (a file-wide fact, a repair already made, a harmless form).
    Note,
}

impl Finding {
    /// Who acts on this finding. What questions the person or the link goes to an officer by
    /// its [`Priority`]; any other finding with a known correct value is a correction (a
    /// matched person's date of birth, sex or commune from the reference, a repaired
    /// spelling); an error with no known value must be fixed at the source; the rest are notes.
    pub fn handling(&self) -> Handling {
        match self.officer_priority() {
            Some(p) => Handling::Officer(p),
            None if self.suggested.is_some() => Handling::Correction,
            None if self.code.severity() == Severity::Error => Handling::Officer(Priority::FixAtSource),
            None => Handling::Note,
        }
    }

    /// The finding's handling among its record's `findings`: an error with no known value
    /// whose field another finding of the record gives a value (a missing personal ID the
    /// reference supplies, an ID whose embedded birth year is wrong beside the reference
    /// person's ID) is answered by that correction, so it is a note, not officer work.
    pub fn handling_among(&self, findings: &[Finding]) -> Handling {
        let handling = self.handling();
        let answered = self.officer_priority().is_none()
            && self.field.is_some()
            && findings.iter().any(|g| g.suggested.is_some() && g.handling() == Handling::Correction && self.answered_by(g.field));
        if handling == Handling::Officer(Priority::FixAtSource) && answered { Handling::Note } else { handling }
    }

    /// Whether a known value of `field` answers this finding: its own field's, or for an ID
    /// that disagrees with the record's sex or birth year, the reference's sex or date of
    /// birth (either the ID or that value is wrong, and a correction sets one right).
    fn answered_by(&self, field: Option<Field>) -> bool {
        let related = match self.code {
            Code::IdSexMismatch => Some(Field::Sex),
            Code::IdBirthYearMismatch => Some(Field::Dob),
            _ => None,
        };
        field.is_some() && (field == self.field || field == related)
    }

    /// The officer priority the code itself asks for (the question is the person or the
    /// link, or a book's defect), whatever values are known.
    fn officer_priority(&self) -> Option<Priority> {
        use Code::*;
        match self.code {
            IdOtherPerson | IdSharedInReference | OfficerIdInconsistent => Some(Priority::WrongPerson),
            DeceasedInReference | DeceasedInRegister => Some(Priority::Deceased),
            DeathNotInReference | BirthNotInReference => Some(Priority::ReferenceNotUpdated),
            BirthNotRegistered | DeathNotRegistered => Some(Priority::Unregistered),
            // A page not digitized, a date out of order, a parent's age: for the officer
            // digitizing the book, at the source.
            BookEntryGap | BookDateOutOfOrder | ParentAgeImplausible => Some(Priority::FixAtSource),
            NoLink | OfficerIdNotInReference => Some(Priority::NoLink),
            LinkReview | BlockTruncated | DecisionsConflict => Some(Priority::Review),
            NameDiffers | ParentLinkDisagrees => Some(Priority::ConflictsWithReference),
            DuplicateInSource => Some(Priority::Duplicate),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_finding_has_one_handling_and_officer_work_is_ordered() {
        let wrong = Finding::new(Field::PersonId, Code::IdOtherPerson);
        let missing_known = Finding::new(Field::PersonId, Code::IdFromReference).suggest("052084123456", SuggestedFrom::Reference);
        let missing_unknown = Finding::new(Field::Dob, Code::RequiredMissing);
        let stale = Finding::new(Field::UpdatedAt, Code::RecordStale);
        assert_eq!(wrong.handling(), Handling::Officer(Priority::WrongPerson));
        assert_eq!(missing_known.handling(), Handling::Correction);
        assert_eq!(missing_unknown.handling(), Handling::Officer(Priority::FixAtSource));
        assert_eq!(stale.handling(), Handling::Note);
        // The same missing ID beside the reference's: the correction answers it.
        let record = [missing_known.clone(), Finding::new(Field::PersonId, Code::RequiredMissing)];
        assert_eq!(record[1].handling_among(&record), Handling::Note);
        assert_eq!(record[0].handling_among(&record), Handling::Correction);
        assert_eq!(missing_unknown.handling_among(&record), Handling::Officer(Priority::FixAtSource), "another field's value answers nothing");
        // An ID whose sex digit disagrees with the record's sex, beside the reference's sex.
        let sex_digit = Finding::new(Field::PersonId, Code::IdSexMismatch);
        let sex = Finding::new(Field::Sex, Code::SexDiffers).suggest("Nữ", SuggestedFrom::Reference);
        assert_eq!(sex_digit.handling_among(&[sex_digit.clone(), sex.clone()]), Handling::Note);
        let year_digits = Finding::new(Field::PersonId, Code::IdBirthYearMismatch);
        assert_eq!(year_digits.handling_among(&[year_digits.clone(), sex]), Handling::Officer(Priority::FixAtSource), "the sex answers no birth year");
        let gap = Finding::new(Field::PersonId, Code::BookEntryGap);
        assert_eq!(gap.handling_among(&[gap.clone(), missing_known.clone()]), Handling::Officer(Priority::FixAtSource), "a book's defect is the officer's");
        // A name that disagrees with the matched person's carries the reference's spelling but
        // questions the link itself; a date of birth from the reference is a correction.
        let conflict = Finding::new(Field::FullName, Code::NameDiffers).suggest("Nguyễn Văn An", SuggestedFrom::Reference);
        assert_eq!(conflict.handling(), Handling::Officer(Priority::ConflictsWithReference));
        let dob = Finding::new(Field::Dob, Code::DobDiffers).suggest("05/03/1990", SuggestedFrom::Reference);
        assert_eq!(dob.handling(), Handling::Correction);
        assert!(Priority::WrongPerson < Priority::Deceased && Priority::Duplicate < Priority::FixAtSource);
        assert_eq!(Priority::ALL.windows(2).filter(|w| w[0] < w[1]).count(), Priority::ALL.len() - 1);
        assert!(Priority::ALL.iter().all(|p| p.label(crate::Lang::Vi).starts_with(&format!("{}. ", p.rank()))), "a label opens with its rank");
    }

    #[test]
    fn readme_documents_every_code() {
        let readme = include_str!("../../../README.md");
        for c in Code::ALL {
            assert!(readme.contains(&format!("| `{}` |", c.as_str())), "README lacks {}", c.as_str());
        }
    }

    #[test]
    fn codes_are_unique_upper_snake_case() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate {}", c.as_str());
            assert!(c.as_str().chars().all(|ch| ch.is_ascii_uppercase() || ch == '_' || ch.is_ascii_digit()));
            assert_eq!(Code::parse(c.as_str()), Some(*c));
        }
    }
}
