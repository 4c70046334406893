//! Name lists for the generator: family names by population share
//! (VIETNAM.md §4.2), middle and given names by sex (§4.3).

pub const FAMILY: &[(&str, f64)] = &[
    ("Nguyễn", 38.4), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.1), ("Hoàng", 2.6), ("Huỳnh", 2.5), ("Phan", 4.5),
    ("Vũ", 2.0), ("Võ", 1.9), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0),
    ("Lý", 0.5), ("Lâm", 0.4), ("Đinh", 0.5), ("Đào", 0.4), ("Trịnh", 0.4), ("Trương", 0.5), ("Mai", 0.3),
    ("Lương", 0.3), ("Cao", 0.3), ("Châu", 0.2), ("Tạ", 0.2), ("Hà", 0.3), ("Đoàn", 0.3), ("Văn", 0.1),
    ("Kiều", 0.1), ("Quách", 0.1), ("Tôn", 0.05), ("Khổng", 0.03), ("Âu", 0.03), ("Lưu", 0.2), ("Thái", 0.1),
    ("La", 0.05), ("Triệu", 0.1), ("Phùng", 0.1), ("Nghiêm", 0.05), ("Chu", 0.1), ("Tô", 0.1), ("Vương", 0.1),
];

pub const MIDDLE_MALE: &[(&str, f64)] = &[
    ("Văn", 30.0), ("Minh", 6.0), ("Đức", 5.0), ("Ngọc", 4.0), ("Hoàng", 4.0), ("Quang", 4.0), ("Thanh", 3.5),
    ("Xuân", 3.0), ("Quốc", 3.0), ("Đình", 3.0), ("Hữu", 2.5), ("Duy", 2.0), ("Công", 2.0), ("Tiến", 2.0),
    ("Anh", 1.5), ("Trọng", 1.5), ("Thành", 1.5), ("Gia", 1.5), ("Bá", 1.0), ("Thế", 1.0), ("Văn Minh", 0.5),
];

pub const MIDDLE_FEMALE: &[(&str, f64)] = &[
    ("Thị", 45.0), ("Ngọc", 5.0), ("Thu", 2.5), ("Thanh", 2.5), ("Hồng", 2.0), ("Phương", 2.0), ("Hoàng", 1.5),
    ("Minh", 1.5), ("Thúy", 1.5), ("Kim", 1.5), ("Thùy", 1.0), ("Mỹ", 1.0), ("Bảo", 1.0), ("Khánh", 1.0),
    ("Thị Thu", 1.0), ("Thị Ngọc", 1.0), ("Diệu", 0.5), ("Hải", 0.5), ("Tuyết", 0.5),
];

pub const GIVEN_MALE: &[&str] = &[
    "Anh", "Huy", "Sơn", "Nam", "Đức", "Duy", "Hiếu", "Tuấn", "Hoàng", "Đạt", "Minh", "Long", "Thành", "Dũng", "Hải",
    "Hùng", "Trung", "Quang", "Thắng", "Hưng", "Phong", "Khoa", "Bình", "Cường", "Tâm", "Vinh", "Thịnh", "Phúc",
    "Lộc", "Tài", "Nghĩa", "Quý", "Toàn", "Tùng", "Kiên", "Khánh", "Lâm", "Hòa", "Thủy", "Giang", "Trí", "Chiến",
    "Sang", "Nhân", "Tiến", "Việt", "Bảo", "Hậu", "Quân", "Đông", "Tú", "Trường", "Khải", "Lực", "Định", "Xuân",
    "Thuận", "Lợi", "Hào", "Triều", "Chung", "Rạng", "Dương", "Nguyên", "Vũ", "Ẩn", "Ánh", "Út", "Ất",
];

pub const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Linh", "Trang", "Phương", "Thảo", "Nhi", "Ngọc", "Ngân", "Hương", "Huyền", "Hằng", "Hà", "Quỳnh", "Vân",
    "Mai", "Hiền", "Uyên", "Thư", "My", "Hoa", "Lan", "Yến", "Nga", "Trinh", "Dung", "Loan", "Hạnh", "Thủy", "Thúy",
    "Tuyết", "Xuân", "Hồng", "Nhung", "Oanh", "Diễm", "Giang", "Châu", "Liên", "Tâm", "Hòa", "Duyên", "Nguyệt",
    "Khuê", "Vy", "Ly", "Thanh", "Lệ", "Kiều", "Trâm", "Diệp", "Chi", "Thơ", "Quyên", "Bích", "Cúc", "Đào", "Ánh",
    "Ẩn", "Gấm", "Sương", "Rạng", "Dịu", "Ý",
];

/// Honorifics a register may prefix.
pub const HONORIFIC_MALE: &[&str] = &["Ông", "Anh"];
pub const HONORIFIC_FEMALE: &[&str] = &["Bà", "Chị"];
