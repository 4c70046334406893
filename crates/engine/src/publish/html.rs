//! What the HTML writers (the report and its trend charts) share: escaping, percentages,
//! the dimensions' colours and labels.

use crate::Lang;
use crate::finding::Dimension;

/// Text as HTML shows it: the five characters markup reads escaped.
pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A share as a percentage with one decimal.
pub(super) fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// One colour per dimension (correct, complete, clean, live), in every chart.
pub(super) const COLORS: [&str; 4] = ["#2b6cb0", "#2f855a", "#b7791f", "#9b2c2c"];

pub(super) fn dim_label(d: Dimension, lang: Lang) -> &'static str {
    match (d, lang) {
        (Dimension::Correct, Lang::Vi) => "Đúng",
        (Dimension::Complete, Lang::Vi) => "Đủ",
        (Dimension::Clean, Lang::Vi) => "Sạch",
        (Dimension::Live, Lang::Vi) => "Sống",
        (Dimension::Correct, Lang::En) => "Correct",
        (Dimension::Complete, Lang::En) => "Complete",
        (Dimension::Clean, Lang::En) => "Clean",
        (Dimension::Live, Lang::En) => "Live",
    }
}
