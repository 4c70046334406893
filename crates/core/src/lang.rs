//! The language of what people read: the report, the worklist, the command line's summary.

/// The language of human outputs (report, worklist, CLI summary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}
