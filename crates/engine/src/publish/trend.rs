//! The trend over runs: tonight's figures beside the last runs' (kept in the store's
//! `run_figures`), as series per scope in summary.json and as inline SVG line charts in the
//! report — offline, printable, one line per dimension.

use super::charts::{line_chart, sparkline};
use super::html::{COLORS, dim_label, esc, pct};
use super::summary::{Change, Figures, Series, Summary, Trend};
use crate::Lang;
use crate::decisions::store::RunFigures;
use crate::finding::Dimension;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Tonight's run in the series (its folder is named only when it is published).
pub const THIS_RUN: &str = "(this run)";

/// A commune's pass rate is compared between runs only with this many records in both.
const MIN_RECORDS_TO_COMPARE: u64 = 20;
/// Communes listed as improved and as fallen back.
const LISTED: usize = 5;

fn figure(run_id: &str, run_date: &str, scope: &str, key: &str, f: &Figures) -> RunFigures {
    RunFigures {
        run_id: run_id.to_string(),
        run_date: run_date.to_string(),
        scope: scope.to_string(),
        key: key.to_string(),
        records: f.records,
        pass: Dimension::ALL.map(|d| f.pass_rate.get(d)),
        pass_all: f.pass_rate_all,
        worklist: f.worklist,
        findings: f.findings.clone(),
    }
}

/// A published summary's figures, as the store keeps them: overall, per source, per commune.
pub fn figures_of(s: &Summary, run_id: &str) -> Vec<RunFigures> {
    let mut out = vec![figure(run_id, &s.run_date, "overall", "", &s.overall)];
    out.extend(s.sources.iter().map(|x| figure(run_id, &s.run_date, "source", &x.name, &x.figures)));
    out.extend(s.communes.iter().map(|x| figure(run_id, &s.run_date, "commune", &x.code, &x.figures)));
    out
}

/// The trend from the last runs' figures and tonight's summary.
pub fn build(history: &[RunFigures], tonight: &Summary) -> Trend {
    let now = figures_of(tonight, THIS_RUN);
    let mut runs: Vec<(String, String)> = Vec::new();
    for f in history.iter().chain(&now) {
        if runs.last().is_none_or(|(id, _)| *id != f.run_id) {
            runs.push((f.run_id.clone(), f.run_date.clone()));
        }
    }
    let at: BTreeMap<&str, usize> = runs.iter().enumerate().map(|(i, (id, _))| (id.as_str(), i)).collect();
    let n = runs.len();
    let mut trend = Trend { runs: runs.clone(), ..Default::default() };
    for f in history.iter().chain(&now) {
        let series = match f.scope.as_str() {
            "overall" => &mut trend.overall,
            "source" => trend.sources.entry(f.key.clone()).or_default(),
            _ => trend.communes.entry(f.key.clone()).or_default(),
        };
        if series.pass_all.len() < n {
            *series = Series { pass_all: vec![None; n], pass: std::array::from_fn(|_| vec![None; n]), worklist: vec![None; n], records: vec![None; n] };
        }
        let i = at[f.run_id.as_str()];
        series.pass_all[i] = Some(f.pass_all);
        for (d, v) in f.pass.iter().enumerate() {
            series.pass[d][i] = Some(*v);
        }
        series.worklist[i] = Some(f.worklist);
        series.records[i] = Some(f.records);
    }
    let names: BTreeMap<&str, &str> = tonight.communes.iter().map(|c| (c.code.as_str(), c.name.as_str())).collect();
    let mut changes: Vec<Change> = trend
        .communes
        .iter()
        .filter_map(|(code, s)| {
            let (prev, last) = (n.checked_sub(2)?, n - 1);
            let enough = |i: usize| s.records[i].is_some_and(|r| r >= MIN_RECORDS_TO_COMPARE);
            (enough(prev) && enough(last)).then(|| Change {
                code: code.clone(),
                name: names.get(code.as_str()).map_or_else(|| code.clone(), |x| x.to_string()),
                before: s.pass_all[prev].unwrap_or(0.0),
                now: s.pass_all[last].unwrap_or(0.0),
            })
        })
        .filter(|c| (c.now - c.before).abs() >= 0.005)
        .collect();
    changes.sort_by(|a, b| (b.now - b.before).total_cmp(&(a.now - a.before)).then(a.code.cmp(&b.code)));
    trend.improved = changes.iter().filter(|c| c.now > c.before).take(LISTED).cloned().collect();
    trend.fell_back = changes.iter().rev().filter(|c| c.now < c.before).take(LISTED).cloned().collect();
    trend
}

/// The report's trend section.
pub fn section(h: &mut String, summary: &Summary, lang: Lang) {
    let t = |vi: &'static str, en: &'static str| if lang == Lang::Vi { vi } else { en };
    let Some(trend) = &summary.trend else { return };
    let _ = write!(h, r#"<h2 id="trend">{}</h2>"#, t("Xu hướng qua các lần chạy", "Trend over the runs"));
    if trend.runs.len() < 2 {
        let _ = write!(h, r#"<p class="note">{}</p>"#, t("Xu hướng hiện từ lần chạy thứ hai.", "The trend shows from the second run on."));
        return;
    }
    if let Some(d) = &summary.decisions {
        let since = d.fixed_since.as_ref().map(|(day, n)| format!(" · {} {day}: <b>{n}</b>", t("Đã xong từ", "Closed since"))).unwrap_or_default();
        let _ = write!(
            h,
            r#"<p class="note">{} <b>{}</b> · {} <b>{}</b>{since}</p>"#,
            t("Đã xong từ lần chạy trước", "Closed since the last run"),
            d.closed_since_last_run,
            t("Việc mới phát sinh", "New problems"),
            d.new_since_last_run
        );
    }
    if !summary.changes.is_empty() {
        let _ = write!(
            h,
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            t("Thay đổi từ lần chạy trước", "Changed since the last run"),
            t("Mới", "Added"),
            t("Đã bỏ", "Removed"),
            t("Đã sửa", "Changed"),
            t("Không đổi", "Unchanged")
        );
        for (name, c) in &summary.changes {
            let name = if name == crate::night::changes::REFERENCE { t("CSDL dân cư", "Reference") } else { name.as_str() };
            let _ = write!(
                h,
                r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
                esc(name),
                c.added,
                c.removed,
                c.changed,
                c.unchanged
            );
        }
        h.push_str("</table>");
    }
    let legend: Vec<String> = Dimension::ALL.iter().map(|&d| format!(r#"<span style="color:{}">■</span> {}"#, COLORS[d.index()], dim_label(d, lang))).collect();
    let _ = write!(h, r#"<p class="note">{} · <b>■</b> {}</p>"#, legend.join(" · "), t("Đạt cả 4", "Pass all"));
    h.push_str(&line_chart(&trend.overall, &trend.runs, 640, 200, lang));
    h.push_str(r#"<div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:4px 16px">"#);
    for (name, s) in &trend.sources {
        let _ = write!(h, r#"<div><h3 style="margin:8px 0 0">{}</h3>"#, esc(name));
        h.push_str(&line_chart(s, &trend.runs, 480, 140, lang));
        h.push_str("</div>");
    }
    h.push_str("</div>");
    for (title, list) in [(t("Cải thiện nhiều nhất", "Improved most"), &trend.improved), (t("Giảm nhiều nhất", "Fell back most"), &trend.fell_back)]
    {
        if list.is_empty() {
            continue;
        }
        let _ = write!(
            h,
            "<h3>{title}</h3><table><tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
            t("Xã/phường", "Commune"),
            t("Trước", "Before"),
            t("Nay", "Now")
        );
        for c in list.iter() {
            let spark = trend.communes.get(&c.code).map(|s| sparkline(&s.pass_all)).unwrap_or_default();
            let _ = write!(h, r#"<tr><td>{}</td><td class="n">{}</td><td class="n">{}</td><td>{spark}</td></tr>"#, esc(&c.name), pct(c.before), pct(c.now));
        }
        h.push_str("</table>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: &str, day: &str, pass: f64) -> Vec<RunFigures> {
        let f = |scope: &str, key: &str| RunFigures {
            run_id: id.into(),
            run_date: day.into(),
            scope: scope.into(),
            key: key.into(),
            records: 100,
            pass: [pass; 4],
            pass_all: pass,
            worklist: 10,
            findings: Default::default(),
        };
        vec![f("overall", ""), f("commune", "25714")]
    }

    #[test]
    fn the_series_line_up_by_run_and_a_missing_scope_is_null() {
        let mut history = run("j-1", "2026-11-01", 0.5);
        history.extend(run("j-2", "2026-11-02", 0.6));
        history.retain(|f| !(f.run_id == "j-1" && f.scope == "commune"));
        let tonight: Summary = serde_json::from_value(serde_json::json!({
            "job": "j", "run_date": "2026-11-03", "reference_people": 0, "reference_cache": "hit", "rows_read": 0, "quarantined": 0,
            "overall": {"records": 100, "link": {"match": 0, "no_match": 0, "review": 0}, "mean_score": {"correct": 0, "complete": 0, "clean": 0, "live": 0},
                "pass_rate": {"correct": 0.7, "complete": 0.7, "clean": 0.7, "live": 0.7}, "pass_rate_all": 0.7, "findings": {}},
            "sources": [], "communes": [{"code": "25714", "name": "Xã A", "records": 100, "link": {"match": 0, "no_match": 0, "review": 0},
                "mean_score": {"correct": 0, "complete": 0, "clean": 0, "live": 0}, "pass_rate": {"correct": 0.9, "complete": 0.9, "clean": 0.9, "live": 0.9},
                "pass_rate_all": 0.9, "findings": {}}],
            "blocking": {}, "model": {}, "gate": {}, "previous": null
        }))
        .unwrap();
        let t = build(&history, &tonight);
        assert_eq!(t.runs.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["j-1", "j-2", THIS_RUN]);
        assert_eq!(t.overall.pass_all, [Some(0.5), Some(0.6), Some(0.7)]);
        assert_eq!(t.communes["25714"].pass_all, [None, Some(0.6), Some(0.9)]);
        assert_eq!(t.improved.len(), 1);
        assert_eq!((t.improved[0].before, t.improved[0].now), (0.6, 0.9));
        assert!(t.fell_back.is_empty());
        let svg = line_chart(&t.overall, &t.runs, 640, 200, Lang::Vi);
        assert_eq!(svg.matches("<polyline").count(), 5, "four dimensions and all four together");
    }
}
