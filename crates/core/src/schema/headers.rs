//! The headers registers really use: each field's aliases, and a header read by its words
//! when no alias spells it out.

use crate::field::Field;
use crate::text::fold;

/// Headers registers use for each field (matched by [`header_key`]).
pub fn default_aliases(f: Field) -> &'static [&'static str] {
    match f {
        Field::PersonId => &[
            "Số định danh cá nhân",
            "Số ĐDCN",
            "Số CCCD",
            "CCCD",
            "Số CCCD/CMND",
            "CCCD/CMND",
            "Số CMND/CCCD",
            "Số căn cước",
            "Số căn cước công dân",
            "Số định danh",
            "Mã định danh",
            "Số CC",
            "person_id",
            "SO_DINH_DANH",
            "so_cccd",
            "ID number",
            "Số CCCD/ĐDCN",
            "Số giấy tờ tùy thân",
            "Số CMND/CCCD/Hộ chiếu",
        ],
        Field::OldId => &["Số CMND", "CMND", "Số CMND cũ", "CMND cũ", "Số chứng minh nhân dân", "Số CMTND", "old_id", "SO_CMND"],
        Field::FullName => &[
            "Họ và tên",
            "Họ tên",
            "Ho ten",
            "Họ tên chủ hộ",
            "Họ và tên người lao động",
            "Tên người lao động",
            "Họ, tên",
            "Họ và tên người tham gia",
            "Họ tên người sử dụng đất",
            "Tên chủ sử dụng",
            "Họ tên chủ sở hữu",
            "Họ tên hội viên",
            "Họ tên người chết",
            "Họ và tên người chết",
            "Họ và tên người đã mất",
            "Họ tên người được khai sinh",
            "full_name",
            "HO_TEN",
            "Name",
            "Full name",
            "Họ và tên người được khai sinh",
            "Họ tên người mất",
        ],
        Field::Dob => &[
            "Ngày sinh",
            "Ngày, tháng, năm sinh",
            "Ngày tháng năm sinh",
            "Năm sinh",
            "NGAY_SINH",
            "dob",
            "Date of birth",
            "Sinh ngày",
            "Ngày/tháng/năm sinh",
            "Năm sinh chủ sử dụng",
            "birth_year",
        ],
        Field::Sex => &["Giới tính", "Giới", "Nam/Nữ", "GIOI_TINH", "sex", "gender", "Phái"],
        Field::Commune => &[
            "Xã/phường",
            "Xã, phường",
            "Phường/xã",
            "Xã",
            "Phường",
            "Xã/phường/thị trấn",
            "Đơn vị hành chính cấp xã",
            "Mã xã",
            "Mã phường/xã",
            "Mã ĐVHC",
            "MA_XA",
            "commune",
            "commune_code",
            "Nơi thường trú (xã)",
            "Xã/phường cư trú",
            "Xã/Phường/Đặc khu",
        ],
        Field::Province => &["Tỉnh/thành phố", "Tỉnh", "Tỉnh/TP", "Mã tỉnh", "MA_TINH", "province"],
        Field::Address => &[
            "Địa chỉ",
            "Địa chỉ thường trú",
            "Nơi thường trú",
            "Nơi cư trú",
            "Chỗ ở hiện tại",
            "Địa chỉ liên hệ",
            "DIA_CHI",
            "address",
            "Địa chỉ thửa đất",
            "Nơi ở hiện nay",
            "Nơi cư trú cuối cùng",
        ],
        Field::Phone => &["Số điện thoại", "Điện thoại", "SĐT", "SĐT liên hệ", "Di động", "phone", "DIEN_THOAI"],
        Field::HealthInsuranceNo => &["Mã thẻ BHYT", "Số thẻ BHYT", "Mã BHYT", "Thẻ BHYT", "MA_THE", "health_insurance_no"],
        Field::SocialInsuranceNo => &["Mã số BHXH", "Số sổ BHXH", "Mã BHXH", "MA_SO_BHXH", "social_insurance_no"],
        Field::TaxCode => &["Mã số thuế", "MST", "Mã số thuế cá nhân", "tax_code", "MA_SO_THUE"],
        Field::Status => &["Tình trạng", "Trạng thái", "Tình trạng sống/chết", "status", "TRANG_THAI"],
        Field::DeathDate => &["Ngày mất", "Ngày chết", "Ngày tử vong", "Ngày, tháng, năm chết", "death_date", "NGAY_MAT"],
        Field::UpdatedAt => &[
            "Ngày cập nhật",
            "Cập nhật lần cuối",
            "Ngày cập nhật cuối",
            "Ngày đăng ký",
            "Ngày khai",
            "updated_at",
            "NGAY_CAP_NHAT",
            "Ngày cấp",
            "Ngày tham gia",
        ],
        Field::RegistrationDate => {
            &["Ngày đăng ký khai sinh", "Ngày đăng ký khai tử", "Ngày đăng ký kết hôn", "Ngày, tháng, năm đăng ký", "registration_date", "NGAY_DANG_KY"]
        }
        Field::RegistryOffice => &["Cơ quan đăng ký", "UBND đăng ký", "registry_office", "CO_QUAN_DANG_KY"],
        Field::BookNo => &["Quyển số", "Quyển", "Số quyển", "book_no", "QUYEN_SO"],
        Field::EntryNo => &["Số", "Số đăng ký", "Số hiệu", "Số thứ tự trong sổ", "entry_no", "SO_DANG_KY"],
        Field::MotherId => &["Số định danh của mẹ", "Số định danh mẹ", "CCCD mẹ", "mother_id", "SO_DINH_DANH_ME", "SO_DDCN_ME"],
        Field::FatherId => &["Số định danh của cha", "Số định danh cha", "CCCD cha", "father_id", "SO_DINH_DANH_CHA", "SO_DDCN_CHA"],
    }
}

/// How a header is compared: folded, letters and digits only
/// ("Ngày, tháng, năm sinh" → "ngaythangnamsinh").
pub fn header_key(h: &str) -> String {
    fold(h).chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// The field a header names by its words, for headers no alias spells out
/// ("Tên chủ sử dụng đất", "Họ, chữ đệm, tên", "Ngày tháng năm sinh của NLĐ").
/// Words for other people (cha, mẹ, vợ, người đi khai ...) and places keep a header
/// from naming the subject.
pub fn field_by_words(header: &str) -> Option<Field> {
    let folded = fold(header);
    let w: Vec<&str> = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|s| !s.is_empty()).collect();
    let has = |x: &str| w.contains(&x);
    let pair = |a: &str, b: &str| w.windows(2).any(|p| p[0] == a && p[1] == b);
    // "khai" is the declarant ("người đi khai"), not the birth registration ("họ và tên khai sinh").
    let declarant = pair("di", "khai") || pair("nguoi", "khai") || (has("khai") && !pair("khai", "sinh"));
    let other_person = ["cha", "me", "bo", "vo", "chong", "giam", "chung", "dien"].iter().any(|x| has(x)) || declarant || pair("yeu", "cau");
    if other_person {
        return None;
    }
    // "Mã ĐVHC xã thường trú", "Tên xã", "Xã/phường nơi cư trú": the commune alone, not a whole
    // address ("Xã, huyện, tỉnh"), a district ("Huyện/thị xã") or a province.
    let commune_column = (has("xa") || has("phuong"))
        && !pair("thi", "xa")
        && !["huyen", "quan", "tinh", "thon", "ap", "to", "ngay"].iter().any(|x| has(x))
        && !pair("dia", "chi")
        && !pair("can", "bo")
        && !pair("chu", "tich");
    let place = ["xa", "phuong", "tinh", "huyen", "thon", "ap", "to", "khu", "truong", "thua"].iter().any(|x| has(x))
        || pair("don", "vi")
        || pair("co", "quan")
        || pair("cong", "ty");
    Some(if has("cccd") || pair("dinh", "danh") || pair("can", "cuoc") || has("ddcn") {
        Field::PersonId
    } else if has("cmnd") || has("cmtnd") || pair("chung", "minh") {
        Field::OldId
    } else if pair("gioi", "tinh") || w == ["gioi"] || has("phai") {
        Field::Sex
    } else if has("sinh") && (has("ngay") || has("nam") || has("thang")) && !has("noi") && !has("giay") && !has("dang") {
        Field::Dob
    } else if has("ngay") && (has("mat") || has("chet") || pair("tu", "vong")) && !has("dang") {
        Field::DeathDate
    } else if pair("dien", "thoai") || has("sdt") || pair("di", "dong") {
        Field::Phone
    } else if commune_column {
        Field::Commune
    } else if pair("dia", "chi") || (has("noi") && (pair("thuong", "tru") || pair("cu", "tru") || pair("tam", "tru") || has("o"))) {
        Field::Address
    } else if has("ten") && !place {
        Field::FullName
    } else {
        return None;
    })
}

/// "Năm sinh Nam" / "Năm sinh Nữ", "Ngày tháng năm sinh" over "Nam" and "Nữ": forms that
/// write each person's date of birth in the column of their sex. `Some(true)` for the men's
/// column, `Some(false)` for the women's; the word after "sinh" decides ("nam" there is the
/// sex, not the year: nobody writes "ngày sinh năm").
pub fn dob_column_of_sex(header: &str) -> Option<bool> {
    let folded = fold(header);
    let w: Vec<&str> = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|s| !s.is_empty()).collect();
    let at = w.iter().rposition(|x| *x == "sinh")?;
    if !w[..at].iter().any(|x| ["ngay", "nam", "thang"].contains(x)) {
        return None;
    }
    match w[at + 1..] {
        ["nam"] => Some(true),
        ["nu"] => Some(false),
        _ => None,
    }
}
