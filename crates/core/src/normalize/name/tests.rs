//! The name normalizer's tests: real names, typed every way.

use super::*;
use crate::normalize::phonetic::token_key;

fn n(s: &str) -> (Name, Vec<Code>) {
    normalize_name(s, ToneStyle::Old).unwrap()
}

#[test]
fn splits_family_middle_given() {
    let (x, _) = n("Trần Thị Thu Hương");
    assert_eq!((x.family(), x.middle(), x.given()), ("Trần", "Thị Thu", "Hương"));
    let (x, _) = n("Tôn Thất Thuyết");
    assert_eq!((x.family(), x.middle(), x.given()), ("Tôn Thất", "", "Thuyết"));
    let (x, _) = n("Nguyễn Phạm Minh Anh");
    assert_eq!(x.family(), "Nguyễn Phạm");
    let (x, _) = n("Nguyễn Hoàng Minh Anh");
    assert_eq!(x.family(), "Nguyễn");
    let (x, _) = n("Âu Dương Phong");
    assert_eq!(x.family(), "Âu Dương");
}

#[test]
fn findings() {
    let (_, c) = n("NGUYEN VAN AN");
    assert!(c.contains(&Code::NameNoDiacritics) && c.contains(&Code::NameAllCaps));
    let (x, c) = n("Bà Lê Thị Hoà");
    assert_eq!(x.full(), "Lê Thị Hòa");
    assert!(c.contains(&Code::NameHonorific) && c.contains(&Code::NameToneStyle));
    let (x, c) = n("Ông Ích Khiêm");
    assert_eq!(x.family(), "Ông");
    assert!(!c.contains(&Code::NameHonorific));
    let (_, c) = n("Nguyễn Văn 2");
    assert!(c.contains(&Code::NameDigits));
    let (_, c) = n("Hùng");
    assert!(c.contains(&Code::NameSingleToken));
    let (x, c) = n("Nguyeãn Vaên Ñöùc");
    assert_eq!(x.full(), "Nguyễn Văn Đức");
    assert!(c.contains(&Code::NameLegacyEncoding));
    assert!(normalize_name("   ", ToneStyle::Old).is_none());
}

#[test]
fn family_names_that_look_like_honorifics_are_kept() {
    for name in [
        "Chu Hoàng Giang",
        "Châu Ngọc Minh",
        "Bế Văn Đàn",
        "Cù Thị Hậu",
        "Chử Đức Thắng",
        "Ông Ích Khiêm",
        "Ông Văn Tùng",
        "Chẩu Văn Lâm",
        "Cổ Thị Lan",
        "Cồ Văn Huy",
        "Cô Thị Mai",
        "CHU HOANG GIANG",
        "chau ngoc minh",
        "Chu Nguyễn Minh Anh",
        "Châu Trần Bảo Ngọc",
    ] {
        let (x, c) = n(name);
        assert!(!c.contains(&Code::NameHonorific), "{name}: {c:?}");
        assert_eq!(x.folded(), crate::text::fold(name), "{name}");
    }
}

#[test]
fn a_remark_in_brackets_is_not_part_of_the_name() {
    for (raw, full) in [
        ("Nguyễn Văn An (đã chết)", "Nguyễn Văn An"),
        ("Hồ Thị Thu Hà (mẹ)", "Hồ Thị Thu Hà"),
        ("Trần Thị Hoa (Hoà) ", "Trần Thị Hoa"),
        ("Lê Văn Bình [chủ hộ]", "Lê Văn Bình"),
        ("Phạm Thị Lan (tên gọi khác", "Phạm Thị Lan"),
        ("(Nguyễn Văn An)", "Nguyễn Văn An"),
    ] {
        let (name, codes) = n(raw);
        assert_eq!(name.full(), full, "{raw}");
        assert_eq!(codes.iter().filter(|c| **c == Code::NameInvalidChars).count(), 1, "{raw}: {codes:?}");
    }
}

#[test]
fn honorifics_are_stripped_when_a_name_follows() {
    for (raw, want) in [
        ("Ông Nguyễn Văn An", "Nguyễn Văn An"),
        ("Bà Lê Thị Hoa", "Lê Thị Hoa"),
        ("Chú Hoàng Văn Giang", "Hoàng Văn Giang"),
        ("Cháu Chu Thị Mai", "Chu Thị Mai"),
        ("Ô. Trần Văn Bình", "Trần Văn Bình"),
        ("B. Phạm Thị Lan", "Phạm Thị Lan"),
        ("ANH TRAN VAN BINH", "Tran Van Binh"),
        ("Cô Nguyễn Thị Lan", "Nguyễn Thị Lan"),
    ] {
        let (x, c) = n(raw);
        assert_eq!(x.full(), want, "{raw}");
        assert!(c.contains(&Code::NameHonorific), "{raw}");
    }
}

#[test]
fn minority_names_round_trip_with_their_clan() {
    for (raw, full, family, given) in [
        ("Ksor H'Bia", "Ksor H'Bia", "Ksor", "H'Bia"),
        ("Rơ Châm Y Thu", "Rơ Châm Y Thu", "Rơ Châm", "Thu"),
        ("Siu H'Nơi", "Siu H'Nơi", "Siu", "H'Nơi"),
        ("Rmah H’Loan", "Rmah H'Loan", "Rmah", "H'Loan"),
        ("Đinh Y Ngọc", "Đinh Y Ngọc", "Đinh", "Ngọc"),
        ("Kpă Thị Lan", "Kpă Thị Lan", "Kpă", "Lan"),
        ("Y Moan Niê Kdăm", "Y Moan Niê Kdăm", "Niê Kdăm", "Y Moan"),
        ("H'Hen Niê", "H'Hen Niê", "Niê", "H'Hen"),
        ("Y Ngông Ênuôl", "Y Ngông Ênuôl", "Ênuôl", "Y Ngông"),
        ("k’ dìm", "K'Dìm", "", "K'Dìm"),
        ("K' Sỹ", "K'Sỹ", "", "K'Sỹ"),
        ("Ka`Ri", "Ka'Ri", "", "Ka'Ri"),
    ] {
        let (x, c) = n(raw);
        assert_eq!((x.full(), x.family(), x.given()), (full, family, given), "{raw}");
        assert!(!c.contains(&Code::NameLegacyEncoding) && !c.contains(&Code::NameHonorific), "{raw}: {c:?}");
        assert_eq!(n(x.full()).0, x, "{raw}: normalizing twice");
    }
    let (x, _) = n("Y Moan Niê Kdăm");
    assert_eq!((x.folded_family(), x.middle()), ("nie kdam", ""));
}

#[test]
fn a_family_name_with_a_typo_keys_as_that_family() {
    let nguyen = n("Nguyễn Văn An").0;
    for typo in ["Ngyễn Văn An", "Nguễn Văn An", "Lguyễn Văn An", "Nguyênx Văn An"] {
        assert_ne!(crate::text::fold(typo.split(' ').next().unwrap()), "nguyen", "{typo} is a typo, not a spelling");
        assert_eq!(n(typo).0.phonetic_family(), nguyen.phonetic_family(), "{typo}");
    }
    assert_eq!(n("Tầrn Thị Hoa").0.phonetic_family(), n("Trần Thị Hoa").0.phonetic_family());
    assert_eq!(n("Huỳn Văn Tâm").0.phonetic_family(), n("Huỳnh Văn Tâm").0.phonetic_family());
    // A family name spelt by ear is that family, not a typo of a neighbour ("Chần" is one
    // letter from Châu, and Trần's dialect spelling).
    assert_eq!(n("Chần Quang Tâm").0.phonetic(), n("Trần Quang Tâm").0.phonetic());
    assert_eq!(n("Chan Quang Tam").0.phonetic(), n("Trần Quang Tâm").0.phonetic());
    // Real family names one edit from a common one stay themselves.
    for (real, common) in [("Thân Văn Tú", "Trần Văn Tú"), ("Thái Văn Tú", "Thân Văn Tú")] {
        assert_ne!(n(real).0.phonetic_family(), n(common).0.phonetic_family(), "{real}");
    }
}

#[test]
fn a_name_without_marks_is_not_called_wrong_on_its_own() {
    // Real names, right as written: every syllable is a syllable without marks.
    for name in ["Phan Minh Quang", "Cao Minh Anh", "Mai Lan Anh"] {
        let (_, codes) = n(name);
        assert!(codes.contains(&Code::NameNoDiacritics), "{name}");
        assert!(codes.iter().all(|c| c.severity() == crate::finding::Severity::Info), "{name}: {codes:?}");
    }
}

#[test]
fn every_repair_leaves_a_finding() {
    let (x, c) = n("PHạM ĐứC LựC");
    assert_eq!(x.full(), "Phạm Đức Lực");
    assert!(c.contains(&Code::NameMixedCase), "{c:?}");
    let (x, c) = n("Ðặng Văn Quý");
    assert_eq!(x.full(), "Đặng Văn Quý");
    assert!(c.contains(&Code::TextLookalikeChars), "{c:?}");
    let (x, c) = n("Nguy\u{1}ễn Văn An");
    assert_eq!(x.full(), "Nguyễn Văn An");
    assert!(c.contains(&Code::TextControlChars), "{c:?}");
    for clean in ["Nguyễn Văn An", "KSOR H'BLANH", "Ksor H'Blanh", "nguyễn văn an"] {
        assert!(!n(clean).1.contains(&Code::NameMixedCase), "{clean}");
    }
}

#[test]
fn title_case_handles_vietnamese_capitals() {
    assert_eq!(n("NGUYỄN VĂN ĐỨC").0.full(), "Nguyễn Văn Đức");
    assert_eq!(n("ưng hoàng phúc").0.full(), "Ưng Hoàng Phúc");
    assert_eq!(n("KSOR H'BLANH").0.full(), "Ksor H'Blanh");
    assert!(n("Lê").0.has_diacritics && !n("Le Van").0.has_diacritics);
}

#[test]
fn keys_tolerate_dialect_and_variants() {
    let (a, _) = n("Huỳnh Văn Trung");
    let (b, _) = n("Hoàng Văn Chung");
    assert_eq!(a.phonetic(), b.phonetic());
    let (a, _) = n("Võ Thị Dung");
    let (b, _) = n("vu thi zung");
    assert_eq!(a.phonetic_family(), b.phonetic_family());
    let (a, _) = n("Lê Văn Giang");
    assert_eq!(a.phonetic_given(), token_key("dan"));
}
