//! The job file (TOML) as written by an officer, before validation.

use serde::Deserialize;
use std::collections::HashMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobFile {
    pub job: JobSection,
    pub reference: SourceSection,
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceSection>,
    #[serde(default)]
    pub link: LinkSection,
    #[serde(default)]
    pub assess: AssessSection,
    #[serde(default)]
    pub gate: GateSection,
    #[serde(default)]
    pub worklist: WorklistSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSection {
    pub name: String,
    #[serde(default = "default_out")]
    pub output_dir: String,
    /// 2025 province code or name; narrows commune lookups.
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub lang: Option<String>,
    /// "old" (hòa) or "new" (hoà).
    #[serde(default)]
    pub tone_style: Option<String>,
    /// Where the reference cache lives; default `<output_dir>/.cache`; "off" disables it.
    #[serde(default)]
    pub cache_dir: Option<String>,
    /// How many reference caches to keep (newest first); default 2.
    #[serde(default)]
    pub cache_keep: Option<usize>,
    /// Run folders 0750 and files 0640 (the group may read) instead of 0700 / 0600.
    #[serde(default)]
    pub group_readable: Option<bool>,
    /// A source that cannot be read fails the whole run (nothing published) instead of
    /// being left out of it.
    #[serde(default)]
    pub all_or_nothing: Option<bool>,
}

fn default_out() -> String {
    "out".into()
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SourceSection {
    #[serde(default)]
    pub name: Option<String>,
    pub path: String,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub encoding: Option<String>,
    #[serde(default)]
    pub sheet: Option<String>,
    /// "dmy" (default) or "mdy".
    #[serde(default)]
    pub date_order: Option<String>,
    /// Era of bare commune codes: "2025" (default) or "legacy".
    #[serde(default)]
    pub commune_codes: Option<String>,
    #[serde(default)]
    pub columns: HashMap<String, String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LinkSection {
    pub match_threshold: Option<f64>,
    pub review_threshold: Option<f64>,
    pub min_margin: Option<f64>,
    pub decisive_margin: Option<f64>,
    pub max_block: Option<usize>,
    pub broad_rules_below: Option<f64>,
    pub seed: Option<u64>,
    pub model: Option<String>,
    pub u_samples: Option<usize>,
    pub em_records: Option<usize>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AssessSection {
    pub stale_after_days: Option<u32>,
    /// Pin the run date (YYYY-MM-DD) for reproducible outputs.
    pub run_date: Option<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct GateSection {
    pub min_pass_rate: Option<f64>,
    pub min_pass_correct: Option<f64>,
    pub min_pass_complete: Option<f64>,
    pub min_pass_clean: Option<f64>,
    pub min_pass_live: Option<f64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WorklistSection {
    /// "commune" (default) or "source".
    pub group_by: Option<String>,
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Line of the first `key = "value"` assignment, for errors about a value.
pub fn line_of_value(text: &str, key: &str, value: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.starts_with(key) && t[key.len()..].trim_start().starts_with('=') && l.contains(value)
        })
        .map(|i| i + 1)
}
