//! report.html: one self-contained page (no scripts, fonts or files from
//! elsewhere) with the headline figures, inline SVG charts, top findings with
//! example rows, and the change since the last run. Vietnamese by default.

use super::RunData;
use super::charts::bar_chart;
use super::html::{COLORS, dim_label, esc, pct};
use super::summary::{DimensionFigures, Summary};
use crate::Lang;
use crate::assess::MAX_SCORE;
use crate::finding::{Code, Dimension, Priority, Severity};
use crate::link::MatchClass;
use crate::normalize::admin::{AdminRegistry, Era};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Rows of the top-findings table, communes in the chart, examples per finding.
const TOP_CODES: usize = 25;
const TOP_COMMUNES: usize = 15;
const EXAMPLES_PER_CODE: usize = 5;

/// The document head and its print-friendly style.
fn page_head(h: &mut String, summary: &Summary, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let _ = write!(
        h,
        r#"<!DOCTYPE html><html lang="{}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{} — {}</title><style>
body{{font-family:"Segoe UI",Arial,"Noto Sans",sans-serif;margin:0;color:#1a202c;background:#f7fafc}}
main{{max-width:1100px;margin:0 auto;padding:24px}}
h1{{font-size:24px;margin:0 0 4px}} h2{{font-size:18px;margin:28px 0 10px;border-bottom:2px solid #e2e8f0;padding-bottom:4px}}
.meta{{color:#4a5568;font-size:13px}}
.cards{{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;margin-top:16px}}
.card{{background:#fff;border-radius:8px;padding:14px 16px;box-shadow:0 1px 3px rgba(0,0,0,.12);border-top:4px solid #2b6cb0}}
.card .v{{font-size:28px;font-weight:600}} .card .l{{font-size:13px;color:#4a5568}} .card .s{{font-size:12px;color:#718096}}
table{{border-collapse:collapse;width:100%;background:#fff;font-size:13px}} th,td{{border:1px solid #e2e8f0;padding:6px 8px;text-align:left;vertical-align:top}}
th{{background:#edf2f7}} td.n{{text-align:right;font-variant-numeric:tabular-nums}}
.chart{{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);margin:8px 0}}
.up{{color:#2f855a}} .down{{color:#c53030}} .note{{font-size:13px;color:#4a5568;line-height:1.5}} .bad{{color:#c53030;font-size:13px}}
@media print{{body{{background:#fff}} main{{max-width:none;padding:0}} .card,.chart{{box-shadow:none;border:1px solid #ccc}} h2{{break-after:avoid}} table,svg{{break-inside:avoid}}}}
</style></head><body><main>"#,
        if lang == Lang::Vi { "vi" } else { "en" },
        esc(&summary.job),
        t("Báo cáo chất lượng dữ liệu", "Data quality report")
    );
}

/// Title, run facts, shared reference IDs and the sources left out.
fn headline(h: &mut String, summary: &Summary, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let o = &summary.overall;
    let _ = write!(
        h,
        r#"<h1>{}: {}</h1><div class="meta">{} {} · {} {} · {} {} · {} {}</div>"#,
        t("Báo cáo chất lượng dữ liệu", "Data quality report"),
        esc(&summary.job),
        t("Ngày chạy", "Run date"),
        esc(&summary.run_date),
        t("Bản ghi", "Records"),
        o.records,
        t("Dòng bị cách ly", "Quarantined rows"),
        summary.quarantined,
        t("Người trong CSDL dân cư", "Reference people"),
        summary.reference_people
    );
    if summary.reference_shared_id_rows > 0 {
        h.push_str(&format!(
            "<p><strong>{}</strong> {}</p>",
            summary.reference_shared_id_rows,
            t(
                "dòng của CSDL dân cư có số định danh trùng với dòng khác; các bản ghi khớp với những người này chỉ ở mức cần kiểm tra.",
                "reference rows share their personal ID with another row; records linked to them are at most review."
            )
        ));
    }
    if !summary.failed_sources.is_empty() {
        h.push_str(&format!(
            r#"<h2>{}</h2><table><tr><th>{}</th><th>{}</th></tr>"#,
            t("Nguồn không đọc được trong lần chạy này", "Sources that could not be read this run"),
            t("Nguồn", "Source"),
            t("Lỗi", "Error")
        ));
        for f in &summary.failed_sources {
            h.push_str(&format!("<tr><td>{}</td><td>{}</td></tr>", esc(&f.name), esc(&f.error)));
        }
        h.push_str("</table>");
    }
}

/// One card per dimension with its change, one for all four, and a failed gate.
fn cards(h: &mut String, summary: &Summary, gate_failures: &[String], lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let o = &summary.overall;
    h.push_str(r#"<div class="cards">"#);
    for dm in Dimension::ALL {
        let change = summary.previous.as_ref().map(|p| p.change.get(dm));
        let ch = match change {
            Some(c) if c.abs() >= 0.0005 => {
                format!(r#" <span class="{}">{}{:.1}</span>"#, if c > 0.0 { "up" } else { "down" }, if c > 0.0 { "▲" } else { "▼" }, c.abs() * 100.0)
            }
            _ => String::new(),
        };
        let _ = write!(
            h,
            r#"<div class="card" style="border-top-color:{}"><div class="l">{} — {}</div><div class="v">{}{ch}</div><div class="s">{} {:.1}/100</div></div>"#,
            COLORS[dm.index()],
            dim_label(dm, lang),
            t("tỷ lệ đạt", "pass rate"),
            pct(o.pass_rate.get(dm)),
            t("điểm trung bình", "mean score"),
            o.mean_score.get(dm)
        );
    }
    let _ = write!(
        h,
        r#"<div class="card" style="border-top-color:#4a5568"><div class="l">{}</div><div class="v">{}</div><div class="s">{} {} · {} {} · {} {}</div></div></div>"#,
        t("Đạt cả bốn tiêu chí", "Pass all four"),
        pct(o.pass_rate_all),
        t("khớp", "match"),
        o.link.get(MatchClass::Match),
        t("cần xem", "review"),
        o.link.get(MatchClass::Review),
        t("không khớp", "no match"),
        o.link.get(MatchClass::NoMatch)
    );
    if !gate_failures.is_empty() {
        let _ = write!(h, r#"<p class="down"><b>{}</b>: {}</p>"#, t("Không đạt ngưỡng chất lượng", "Quality gate failed"), esc(&gate_failures.join("; ")));
    }
}

/// What the run asks people to do: records in the worklist by priority, corrections waiting
/// for the IT staff, and file-wide facts stated once.
fn work(h: &mut String, summary: &Summary, reg: &AdminRegistry, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let o = &summary.overall;
    let share = if o.records > 0 { o.worklist as f64 / o.records as f64 } else { 0.0 };
    let _ = write!(
        h,
        r#"<h2>{}</h2><p class="note">{} <b>{}</b> {} ({}) · {} <b>{}</b> {}</p><table><tr><th>{}</th><th>{}</th></tr>"#,
        t("Việc cần làm", "What to do"),
        t("Danh sách xác minh (worklist.xlsx):", "Worklist (worklist.xlsx):"),
        o.worklist,
        t("bản ghi cần người xác minh", "records need a person"),
        pct(share),
        t("Sửa tự động chờ áp dụng (corrections.xlsx):", "Automatic corrections waiting (corrections.xlsx):"),
        o.corrections,
        t("giá trị", "values"),
        t("Lý do ưu tiên nhất", "Most urgent reason"),
        t("Bản ghi", "Records")
    );
    for p in Priority::ALL {
        let n = o.worklist_by_priority.get(p.as_str()).copied().unwrap_or(0);
        if n > 0 {
            let _ = write!(h, r#"<tr><td>{}</td><td class="n">{n}</td></tr>"#, esc(p.label(lang)));
        }
    }
    h.push_str("</table>");
    communes_this_week(h, summary, reg, lang);
    let legacy: Vec<String> =
        summary.sources.iter().filter(|s| s.legacy_encoding).map(|s| format!("{} ({})", s.name, s.encoding.as_deref().unwrap_or(""))).collect();
    if !legacy.is_empty() {
        let _ = write!(
            h,
            r#"<p class="note">{} {}</p>"#,
            t(
                "Sổ còn lưu bằng bảng mã cũ (đã chuyển sang Unicode khi đọc; cần chuyển tại nguồn):",
                "Registers still kept in a legacy encoding (decoded on reading; convert them at the source):"
            ),
            esc(&legacy.join(", "))
        );
    }
}

/// What to do this week, commune by commune (when the job keeps a decision store): the open
/// items by priority, new since the last run, decided, closed since the last run and the
/// oldest open item's age; the communes with the most open items first.
fn communes_this_week(h: &mut String, summary: &Summary, reg: &AdminRegistry, lang: Lang) {
    let Some(ds) = summary.decisions.as_ref().filter(|d| !d.communes.is_empty()) else { return };
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let _ = write!(
        h,
        r#"<h3 id="communes-work">{}</h3><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"#,
        t("Theo xã/phường: việc tuần này", "Per commune: this week's work"),
        t("Xã/phường", "Commune"),
        t("Còn mở", "Open"),
        t("Theo ưu tiên", "By priority"),
        t("Mới từ lần trước", "New since last run"),
        t("Đã quyết định", "Decided"),
        t("Đã xong từ lần trước", "Closed since last run"),
        t("Việc mở lâu nhất", "Oldest open item")
    );
    let today = crate::calendar::PartialDate::parse_iso(&summary.run_date).and_then(|d| d.days_since_epoch());
    let mut rows: Vec<_> = ds.communes.iter().collect();
    rows.sort_by(|a, b| b.1.open.cmp(&a.1.open).then(a.0.cmp(b.0)));
    for (code, p) in rows {
        let name = if code.is_empty() {
            t("Không rõ xã", "Unknown commune").to_string()
        } else {
            reg.unit(code, Era::Y2025).map_or_else(|| code.clone(), |u| u.name.clone())
        };
        let by_priority: Vec<String> =
            Priority::ALL.iter().filter_map(|pr| p.open_by_priority.get(pr.as_str()).map(|n| format!("{}: {n}", pr.rank()))).collect();
        let decided: u64 = p.decided.values().sum();
        let oldest = p
            .oldest_open_since
            .as_deref()
            .map(|since| {
                let days = crate::calendar::PartialDate::parse_iso(since).and_then(|d| d.days_since_epoch()).zip(today).map(|(a, b)| b - a);
                match days {
                    Some(n) => format!("{since} ({n} {})", t("ngày", "days")),
                    None => since.to_string(),
                }
            })
            .unwrap_or_default();
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td><td>{}</td><td class="n">{}</td><td class="n">{decided}</td><td class="n">{}</td><td>{}</td></tr>"#,
            esc(&name),
            p.open,
            esc(&by_priority.join(" · ")),
            p.new_since_last_run,
            p.closed_since_last_run,
            esc(&oldest)
        );
    }
    let _ = write!(
        h,
        r#"</table><p class="note">{}</p>"#,
        t(
            "Ưu tiên theo số thứ tự ở bảng trên (1. Sai người … 9. Cần sửa tại nguồn).",
            "Priorities by their number in the table above (1. Wrong person … 9. Fix at the source)."
        )
    );
}

/// Officers' decisions: what came back tonight, and per commune the open, decided and
/// closed items (only when the job keeps decisions).
fn decisions(h: &mut String, summary: &Summary, lang: Lang) {
    let Some(ds) = summary.decisions.as_ref().filter(|d| d.reads_returned || !d.by_status.is_empty()) else { return };
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let imported: u64 = ds.imports.imported.iter().map(|(_, n)| n).sum();
    let decided: u64 = ds.decided.values().sum();
    let _ = write!(
        h,
        r#"<h2 id="decisions">{}</h2><p class="note">{} <b>{}</b> {} <b>{imported}</b> {} · {} <b>{decided}</b> · {} <b>{}</b> · {} <b>{}</b></p>"#,
        t("Kết quả xác minh của cán bộ", "Officers' decisions"),
        t("Đã nhận", "Received"),
        ds.imports.imported.len(),
        t("tệp,", "files,"),
        t("quyết định", "decisions"),
        t("Bản ghi đã quyết định (không còn trong danh sách)", "Records decided (off the worklist)"),
        t("Đã xong từ lần chạy trước", "Closed since the last run"),
        ds.closed_since_last_run,
        t("Còn phải xác minh", "Still open"),
        ds.open
    );
    for (name, errors) in &ds.imports.rejected {
        let _ = write!(
            h,
            r#"<p class="bad">{} {} ({} {}): {}</p>"#,
            t("Không nhận tệp", "File not imported"),
            esc(name),
            errors.len(),
            t("dòng lỗi; sửa rồi gửi lại", "malformed rows; fix them and send it again"),
            esc(&errors.iter().take(5).cloned().collect::<Vec<_>>().join("; "))
        );
    }
    for c in &ds.imports.conflicts {
        let rows: Vec<String> = c
            .rows
            .iter()
            .map(|r| if r.sheet.is_empty() { format!("{} dòng {}", r.file, r.row) } else { format!("{} / {} dòng {}", r.file, r.sheet, r.row) })
            .collect();
        let _ = write!(
            h,
            r#"<p class="bad">{} ({}): {}</p>"#,
            t(
                "Các tệp trả về quyết định khác nhau cho cùng một bản ghi; chưa áp dụng quyết định nào, bản ghi vẫn trong danh sách",
                "Returned files decide one record differently; neither applied, the record stays on the worklist"
            ),
            esc(&c.source),
            esc(&rows.join("; "))
        );
    }
    for (name, why) in &ds.imports.refused {
        let _ = write!(h, r#"<p class="bad">{} {}: {}</p>"#, t("Không đọc mục trong hộp thư", "Inbox entry not read"), esc(name), esc(why));
    }
    let _ = write!(h, r#"<p class="note">{}</p>"#, t("Theo xã/phường: xem mục Việc cần làm.", "Per commune: see What to do."));
}

/// The civil-status chain and book findings, per commune (only when the job has some).
fn civil_status(h: &mut String, summary: &Summary, lang: Lang) {
    const CODES: [Code; 12] = [
        Code::BirthNotRegistered,
        Code::BirthNotInReference,
        Code::DeathNotRegistered,
        Code::DeathNotInReference,
        Code::DeathDateDisagrees,
        Code::RegistrationBeforeEvent,
        Code::LateRegistration,
        Code::ParentAgeImplausible,
        Code::BookEntryDuplicate,
        Code::BookEntryGap,
        Code::BookDateOutOfOrder,
        Code::EntryNoNotNumber,
    ];
    let count = |f: &super::summary::Figures, c: Code| f.findings.get(c.as_str()).copied().unwrap_or(0);
    let shown: Vec<Code> = CODES.into_iter().filter(|&c| count(&summary.overall, c) > 0).collect();
    if shown.is_empty() {
        return;
    }
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let _ = write!(
        h,
        r#"<h2 id="civil">{}</h2><p class="note">{}</p><table><tr><th>{}</th>"#,
        t("Hộ tịch: chuỗi sự kiện và sổ đăng ký", "Civil status: event chains and register books"),
        t(
            "Giấy chứng sinh, báo tử đối chiếu với đăng ký khai sinh, khai tử; sổ hộ tịch số hóa (trùng số, thiếu số, sai thứ tự). Mỗi cột là một mã phát hiện; xem README, mục Civil status.",
            "Medical birth and death certificates against the registrations; digitized books (entries twice, missing, out of order). One column per finding code; see the README's Civil status section."
        ),
        t("Xã/phường", "Commune")
    );
    for c in &shown {
        let _ = write!(h, r#"<th title="{}">{}</th>"#, esc(c.message(lang)), c.as_str());
    }
    h.push_str("</tr>");
    for commune in summary.communes.iter().filter(|cm| shown.iter().any(|&c| count(&cm.figures, c) > 0)) {
        let _ = write!(h, "<tr><td>{}</td>", esc(&commune.name));
        for &c in &shown {
            let _ = write!(h, r#"<td class="n">{}</td>"#, count(&commune.figures, c));
        }
        h.push_str("</tr>");
    }
    let _ = write!(h, "<tr><td><b>{}</b></td>", t("Tổng", "Total"));
    for &c in &shown {
        let _ = write!(h, r#"<td class="n"><b>{}</b></td>"#, count(&summary.overall, c));
    }
    h.push_str("</tr></table>");
}

/// Pass rates per source, as a chart and a table.
fn by_source(h: &mut String, summary: &Summary, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    h.push_str(&format!("<h2>{}</h2>", t("Theo nguồn dữ liệu", "By source")));
    let rows: Vec<(String, &DimensionFigures)> = summary.sources.iter().map(|s| (s.name.clone(), &s.figures.pass_rate)).collect();
    h.push_str(&bar_chart(&rows, lang));
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>",
        t("Nguồn", "Source"),
        t("Loại sổ", "Register"),
        t("Dòng đọc", "Rows read"),
        t("Cách ly", "Quarantined"),
        t("Bản ghi", "Records"),
        t("Khớp", "Match"),
        t("Đạt cả 4", "Pass all")
    );
    h.push_str("</tr>");
    for s in &summary.sources {
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&s.name),
            esc(&s.schema),
            s.rows_read,
            s.quarantined,
            s.figures.records,
            s.figures.link.get(MatchClass::Match),
            pct(s.figures.pass_rate_all)
        );
    }
    h.push_str("</table>");
}

/// Pass rates of the largest communes.
fn by_commune(h: &mut String, summary: &Summary, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    h.push_str(&format!("<h2>{}</h2>", t("Theo xã/phường (nhiều bản ghi nhất)", "By commune (largest first)")));
    let mut communes: Vec<_> = summary.communes.iter().collect();
    communes.sort_by(|a, b| b.figures.records.cmp(&a.figures.records).then(a.code.cmp(&b.code)));
    let top: Vec<(String, &DimensionFigures)> =
        communes.iter().take(TOP_COMMUNES).map(|c| (format!("{} ({})", c.name, c.figures.records), &c.figures.pass_rate)).collect();
    h.push_str(&bar_chart(&top, lang));
    // What each commune's officers have to do: its worklist sheet and the corrections for its records.
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t("Xã/phường", "Commune"),
        t("Bản ghi", "Records"),
        t("Cần xác minh", "To verify"),
        t("Sửa tự động", "Corrections"),
        t("Đạt cả 4", "Pass all")
    );
    for c in communes.iter().take(TOP_COMMUNES) {
        let f = &c.figures;
        let _ = write!(
            h,
            r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            esc(&c.name),
            f.records,
            f.worklist,
            f.corrections,
            pct(f.pass_rate_all)
        );
    }
    h.push_str("</table>");
}

/// The most frequent findings, each with a few examples by source and row.
fn top_findings(h: &mut String, d: &RunData, summary: &Summary, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let o = &summary.overall;
    h.push_str(&format!("<h2>{}</h2>", t("Các vấn đề thường gặp", "Top findings")));
    // Examples by row number: never names or ID numbers.
    let mut examples: BTreeMap<Code, Vec<String>> = BTreeMap::new();
    for src in d.sources {
        for r in src.records() {
            for f in &r.assessed.findings {
                let e = examples.entry(f.code).or_default();
                if e.len() < EXAMPLES_PER_CODE {
                    e.push(format!("{}:{}", src.source.name, r.raw.source_row));
                }
            }
        }
    }
    let mut top_codes: Vec<(&String, &u64)> = o.findings.iter().collect();
    top_codes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t("Mã", "Code"),
        t("Ý nghĩa", "Meaning"),
        t("Tiêu chí", "Dimension"),
        t("Số lượng", "Count"),
        t("Ví dụ (nguồn:dòng)", "Examples (source:row)")
    );
    for (code, n) in top_codes.iter().take(TOP_CODES) {
        let Some(c) = Code::parse(code) else { continue };
        let _ = write!(
            h,
            r#"<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class="n">{}</td><td>{}</td></tr>"#,
            code,
            esc(c.message(lang)),
            dim_label(c.dimension(), lang),
            n,
            esc(&examples.get(&c).map(|v| v.join(", ")).unwrap_or_default())
        );
    }
    h.push_str("</table>");
}

/// Pass rates beside the previous run's.
fn change_since_last_run(h: &mut String, summary: &Summary, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let o = &summary.overall;
    h.push_str(&format!("<h2>{}</h2>", t("So với lần chạy trước", "Change since the last run")));
    match &summary.previous {
        Some(p) => {
            let _ = write!(
                h,
                r#"<p class="note">{} <code>{}</code> ({} {}).</p><table><tr><th></th><th>{}</th><th>{}</th><th>{}</th></tr>"#,
                t("Lần chạy trước:", "Previous run:"),
                esc(&p.run),
                p.records,
                t("bản ghi", "records"),
                t("Trước", "Before"),
                t("Nay", "Now"),
                t("Thay đổi", "Change")
            );
            for dm in Dimension::ALL {
                let c = p.change.get(dm);
                let _ = write!(
                    h,
                    r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n {}">{:+.1}</td></tr>"#,
                    dim_label(dm, lang),
                    pct(p.pass_rate.get(dm)),
                    pct(o.pass_rate.get(dm)),
                    if c >= 0.0 { "up" } else { "down" },
                    c * 100.0
                );
            }
            h.push_str("</table>");
        }
        None => h.push_str(&format!(
            r#"<p class="note">{}</p>"#,
            t("Đây là lần chạy đầu tiên của công việc này trong thư mục kết quả.", "This is the first run of this job in the output folder.")
        )),
    }
}

/// What the scores and dimensions mean.
fn how_to_read(h: &mut String, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    // The scoring rule from the penalties themselves, so the text cannot drift from them.
    let (max, e, w) = (MAX_SCORE, Severity::Error.penalty(), Severity::Warning.penalty());
    let scoring = match lang {
        Lang::Vi => format!(
            "Mỗi bản ghi được chấm điểm 0–{max} theo bốn tiêu chí của Đề án 06. Điểm = {max} − {e} cho mỗi lỗi − {w} cho mỗi cảnh báo; bản ghi đạt một tiêu chí khi không có lỗi nào thuộc tiêu chí đó."
        ),
        Lang::En => format!(
            "Every record is scored 0–{max} on Đề án 06's four dimensions. Score = {max} − {e} per error − {w} per warning; a record passes a dimension when it has no error in it."
        ),
    };
    h.push_str(&format!("<h2>{}</h2>", t("Cách đọc báo cáo", "How to read this report")));
    h.push_str(&format!(
        r#"<div class="note"><p>{}</p><ul><li><b>{}</b>: {}</li><li><b>{}</b>: {}</li><li><b>{}</b>: {}</li><li><b>{}</b>: {}</li></ul><p>{}</p></div>"#,
        scoring,
        dim_label(Dimension::Correct, lang),
        t(
            "khớp với người tương ứng trong CSDL quốc gia về dân cư (họ tên, ngày sinh, giới tính, số định danh).",
            "agrees with the matching person in the national population database (name, date of birth, sex, ID)."
        ),
        dim_label(Dimension::Complete, lang),
        t("có đủ các trường bắt buộc của loại sổ, với ngày sinh đủ chi tiết.", "has every field its register requires, with a precise enough date of birth."),
        dim_label(Dimension::Clean, lang),
        t(
            "giá trị đúng định dạng, chuẩn Unicode, mã hành chính hợp lệ, mỗi người chỉ xuất hiện một lần.",
            "values are well-formed Unicode, codes are valid, each person appears once."
        ),
        dim_label(Dimension::Live, lang),
        t(
            "người còn sống, nơi cư trú hiện tại, bản ghi được cập nhật, mã hành chính sau 1/7/2025.",
            "the person is alive, the residence is current, the record is up to date, administrative codes are post-1/7/2025."
        ),
        t(
            "Danh sách cần xác minh theo từng xã nằm trong tệp worklist.xlsx; dữ liệu chi tiết cho phân tích nằm trong các tệp .parquet.",
            "The per-commune worklist is in worklist.xlsx; detailed data for analysts is in the .parquet files."
        )
    ));
}

pub(super) fn render(d: &RunData, summary: &Summary) -> String {
    let lang = d.settings.lang;
    let mut h = String::with_capacity(64 * 1024);
    page_head(&mut h, summary, lang);
    headline(&mut h, summary, lang);
    cards(&mut h, summary, d.gate_failures, lang);
    work(&mut h, summary, AdminRegistry::get(), lang);
    decisions(&mut h, summary, lang);
    by_source(&mut h, summary, lang);
    by_commune(&mut h, summary, lang);
    civil_status(&mut h, summary, lang);
    top_findings(&mut h, d, summary, lang);
    change_since_last_run(&mut h, summary, lang);
    super::trend::section(&mut h, summary, lang);
    how_to_read(&mut h, lang);
    h.push_str("</main></body></html>\n");
    h
}
