//! The report's inline SVG charts (offline, printable): grouped bars per dimension, and
//! lines and sparklines over the last runs.

use super::html::{COLORS, dim_label, esc, pct};
use super::summary::{DimensionFigures, Series};
use crate::Lang;
use crate::finding::Dimension;
use std::fmt::Write;

/// Grouped horizontal bars: one group per row label, one bar per dimension.
pub(super) fn bar_chart(rows: &[(String, &DimensionFigures)], lang: Lang) -> String {
    let row_h = 4 * 14 + 14;
    let label_w = 190;
    let chart_w = 420;
    let h = rows.len() * row_h + 40;
    let mut s = String::new();
    let _ = write!(s, r#"<svg class="chart" viewBox="0 0 {} {h}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg">"#, label_w + chart_w + 70);
    for (k, x) in [0.0, 0.25, 0.5, 0.75, 1.0].iter().enumerate() {
        let gx = label_w as f64 + x * chart_w as f64;
        let _ = write!(
            s,
            r##"<line x1="{gx}" y1="0" x2="{gx}" y2="{}" stroke="#ddd"/><text x="{gx}" y="{}" font-size="10" text-anchor="middle" fill="#555">{}%</text>"##,
            h - 28,
            h - 16,
            k * 25
        );
    }
    for (r, (label, f)) in rows.iter().enumerate() {
        let y0 = r * row_h + 4;
        let short: String = label.chars().take(28).collect();
        let _ = write!(s, r##"<text x="{}" y="{}" font-size="12" text-anchor="end" fill="#222">{}</text>"##, label_w - 8, y0 + 32, esc(&short));
        for d in Dimension::ALL {
            let v = f.get(d).clamp(0.0, 1.0);
            let y = y0 + d.index() * 14;
            let w = (v * chart_w as f64).max(1.0);
            let _ = write!(
                s,
                r##"<rect x="{label_w}" y="{y}" width="{w:.1}" height="11" fill="{}"><title>{} {}</title></rect><text x="{:.1}" y="{}" font-size="10" fill="#333">{}</text>"##,
                COLORS[d.index()],
                dim_label(d, lang),
                pct(v),
                label_w as f64 + w + 4.0,
                y + 9,
                pct(v)
            );
        }
    }
    let ly = h - 6;
    for d in Dimension::ALL {
        let x = label_w + d.index() * 95;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{ly}" font-size="11">{}</text>"##,
            ly - 9,
            COLORS[d.index()],
            x + 14,
            dim_label(d, lang)
        );
    }
    s.push_str("</svg>");
    s
}

/// A line chart of a scope's pass rates over the runs: all four dimensions and all together.
pub(super) fn line_chart(s: &Series, runs: &[(String, String)], width: usize, height: usize, lang: Lang) -> String {
    let (left, right, top, bottom) = (34.0, 8.0, 8.0, 22.0);
    let (w, h) = (width as f64 - left - right, height as f64 - top - bottom);
    let x = |i: usize| left + if runs.len() > 1 { w * i as f64 / (runs.len() - 1) as f64 } else { w / 2.0 };
    // From a tenth below the lowest value to 100%: a night's change of a point must show.
    let lowest = s.pass.iter().chain(std::iter::once(&s.pass_all)).flatten().flatten().fold(1.0f64, |a, &b| a.min(b));
    let lo = ((lowest - 0.02) * 10.0).floor().clamp(0.0, 9.0) / 10.0;
    let y = |v: f64| top + h * (1.0 - ((v - lo) / (1.0 - lo)).clamp(0.0, 1.0));
    let mut out = String::new();
    let _ = write!(out, r#"<svg class="trend" viewBox="0 0 {width} {height}" width="100%" role="img" xmlns="http://www.w3.org/2000/svg">"#);
    for v in [lo, (lo + 1.0) / 2.0, 1.0] {
        let _ = write!(
            out,
            r##"<line x1="{left}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#ddd"/><text x="{2}" y="{3:.1}" font-size="9" text-anchor="end" fill="#555">{4}</text>"##,
            y(v),
            left + w,
            left - 4.0,
            y(v) + 3.0,
            pct(v)
        );
    }
    if let (Some(first), Some(last)) = (runs.first(), runs.last()) {
        let _ = write!(out, r##"<text x="{left}" y="{}" font-size="9" fill="#555">{}</text>"##, height - 6, esc(&first.1));
        let _ = write!(out, r##"<text x="{:.1}" y="{}" font-size="9" text-anchor="end" fill="#555">{}</text>"##, left + w, height - 6, esc(&last.1));
    }
    let mut line = |values: &[Option<f64>], color: &str, stroke: f64, title: &str| {
        let points: Vec<String> = values.iter().enumerate().filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect();
        if points.is_empty() {
            return;
        }
        let _ = write!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="{stroke}"><title>{}</title></polyline>"#,
            points.join(" "),
            esc(title)
        );
        if let Some(p) = points.last() {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            let _ = write!(out, r#"<circle cx="{px}" cy="{py}" r="2.5" fill="{color}"/>"#);
        }
    };
    for d in Dimension::ALL {
        line(&s.pass[d.index()], COLORS[d.index()], 1.2, dim_label(d, lang));
    }
    line(&s.pass_all, "#111", 2.4, if lang == Lang::Vi { "Đạt cả 4" } else { "Pass all" });
    out.push_str("</svg>");
    out
}

/// A commune's pass rate (all four) as a sparkline.
pub(super) fn sparkline(values: &[Option<f64>]) -> String {
    let (w, h) = (100.0, 20.0);
    let n = values.len().max(2) - 1;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", w * i as f64 / n as f64, 2.0 + (h - 4.0) * (1.0 - v.clamp(0.0, 1.0)))))
        .collect();
    format!(
        r##"<svg class="trend spark" viewBox="0 0 {w} {h}" width="100" height="20" xmlns="http://www.w3.org/2000/svg"><polyline points="{}" fill="none" stroke="#111" stroke-width="1.5"/></svg>"##,
        points.join(" ")
    )
}
