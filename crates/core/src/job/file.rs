//! The job file (TOML) as written by an officer, before validation.

use crate::Lang;
use crate::normalize::date::DateOrder;
use crate::text::ToneStyle;
use serde::Deserialize;
use std::collections::HashMap;
use toml::Spanned;

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
    #[serde(default)]
    pub decisions: Option<DecisionsSection>,
    #[serde(default)]
    pub history: HistorySection,
    #[serde(default)]
    pub limits: LimitsSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSection {
    pub name: Spanned<String>,
    #[serde(default = "default_out")]
    pub output_dir: String,
    /// 2025 province code or name; narrows commune lookups.
    #[serde(default)]
    pub province: Option<Spanned<String>>,
    #[serde(default)]
    pub lang: Lang,
    /// "old" (hòa) or "new" (hoà).
    #[serde(default)]
    pub tone_style: ToneStyle,
    /// Where the reference cache lives; default `<output_dir>/.cache`; "off" disables it.
    #[serde(default)]
    pub cache_dir: Option<String>,
    /// How many reference caches to keep (newest first); default 2.
    #[serde(default)]
    pub cache_keep: Option<usize>,
    /// Run folders 0750 and files 0640 (the group may read) instead of 0700 / 0600.
    #[serde(default)]
    pub group_readable: Option<bool>,
    /// The time zone of the run date and of every date lamsach writes; default
    /// "Asia/Ho_Chi_Minh" (UTC+07:00).
    #[serde(default)]
    pub timezone: Option<Spanned<String>>,
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
    pub name: Option<Spanned<String>>,
    pub path: Spanned<String>,
    #[serde(default)]
    pub schema: Option<Spanned<String>>,
    #[serde(default)]
    pub encoding: Option<Spanned<String>>,
    #[serde(default)]
    pub sheet: Option<String>,
    /// "dmy" (default) or "mdy".
    #[serde(default)]
    pub date_order: DateOrder,
    /// Era of bare commune codes: "2025" (default) or "legacy".
    #[serde(default)]
    pub commune_codes: CommuneCodes,
    /// Era the free-text addresses are written in: "auto" (default), "legacy" or "2025".
    #[serde(default)]
    pub addresses: AddressEra,
    #[serde(default)]
    pub columns: HashMap<Spanned<String>, String>,
    /// The header of the register's own record ID ("Mã hồ sơ"), the key a record keeps
    /// across nightly exports; without it the key is a fingerprint of identifying values.
    #[serde(default)]
    pub key: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LinkSection {
    pub match_threshold: Option<Spanned<f64>>,
    pub review_threshold: Option<Spanned<f64>>,
    pub min_margin: Option<f64>,
    pub decisive_margin: Option<f64>,
    pub max_block: Option<usize>,
    pub broad_rules_below: Option<f64>,
    pub seed: Option<u64>,
    pub model: Option<Spanned<String>>,
    pub u_samples: Option<usize>,
    pub em_records: Option<usize>,
    /// Reuse last night's link for records nothing they depend on has changed.
    pub incremental: Option<bool>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AssessSection {
    pub stale_after_days: Option<u32>,
    /// Pin the run date (YYYY-MM-DD) for reproducible outputs.
    pub run_date: Option<Spanned<String>>,
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
    #[serde(default)]
    pub group_by: GroupBy,
}

/// Officers' decisions read back from returned worklists.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionsSection {
    /// Folder the returned worklists (.xlsx, .csv) are dropped into; none: nothing is read back.
    #[serde(default)]
    pub inbox: Option<String>,
    /// Where imported files are moved; default `<inbox>/archive`.
    #[serde(default)]
    pub archive: Option<String>,
    /// The SQLite decision store; default `<output_dir>/decisions.sqlite`.
    #[serde(default)]
    pub store: Option<String>,
}

/// The run history kept in the store, and the report's trend.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HistorySection {
    /// Runs kept in the store's history (default 365).
    #[serde(default)]
    pub keep_runs: Option<usize>,
    /// The trend also counts the records fixed since this day (YYYY-MM-DD).
    #[serde(default)]
    pub since: Option<Spanned<String>>,
}

/// What a register or returned file may ask of the machine; each unset key keeps its
/// default (`ingest::limits::ReadLimits`).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    pub part_bytes: Option<Spanned<u64>>,
    pub sheet_bytes: Option<Spanned<u64>>,
    pub sheet_rows: Option<Spanned<u64>>,
    pub sheet_columns: Option<Spanned<u64>>,
    pub sheet_cells: Option<Spanned<u64>>,
    pub returned_file_bytes: Option<Spanned<u64>>,
    pub file_rows: Option<Spanned<u64>>,
}

/// The era bare commune codes in a source belong to.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum CommuneCodes {
    #[default]
    #[serde(rename = "2025")]
    Y2025,
    #[serde(rename = "legacy")]
    Legacy,
}

/// The era a source's free-text addresses are written in, when its officers know it: a
/// bare name that is both a pre-2025 district and a 2025 commune ("…, Hoàng Mai, Hà Nội")
/// is then read in that era.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum AddressEra {
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "legacy")]
    Legacy,
    #[serde(rename = "2025")]
    Y2025,
}

/// How the worklist is split into worksheets.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    #[default]
    Commune,
    Source,
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}
