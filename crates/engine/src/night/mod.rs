//! The nightly state a run keeps beside the decision store for the next night: what changed
//! since the last run (each record's and reference person's digests, [`changes`]) and each
//! record's link with what a later night needs to reuse it ([`kept`]), in files of
//! sections ([`sections`]). Officers' decisions are [`crate::decisions`]; this is the
//! machine's own memory of last night.

#![warn(missing_docs)]

pub mod changes;
pub mod kept;
mod sections;

use crate::reference::{CacheStatus, Reference};
use crate::table::SourceRun;
use changes::REFERENCE;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// What changed since the last run.
pub struct Changed {
    /// Per source and for the reference ([`changes::REFERENCE`]), records added, removed,
    /// changed and unchanged.
    pub changes: BTreeMap<String, changes::Changes>,
    /// Tonight's digests (the last run's kept for a source that could not be read tonight).
    pub digests: changes::Digests,
    /// The reference's people tonight beside the last run's (none without a last run).
    pub reference_diff: Option<changes::PeopleDiff>,
}

/// The entry point of a night: what changed since the last run, from the digests kept beside
/// the decision store at `store`.
pub fn what_changed(store: &Path, table: &[SourceRun], reference: &Reference) -> Changed {
    let before = changes::load(&changes::path_beside(store));
    // An extract read from its cache is the one the last run read: its people did not change.
    let same_extract = reference.cache == CacheStatus::Hit && before.contains_key(REFERENCE);
    let mut now: changes::Digests = table.iter().map(|run| (run.source.name.clone(), changes::of_source(run))).collect();
    if !same_extract {
        now.insert(REFERENCE.to_string(), changes::of_reference(&reference.features, &reference.people));
    }
    // Sections tonight did not read again (a source that failed, the unchanged extract) carry over.
    for (name, v) in &before {
        if !now.contains_key(name) {
            now.insert(name.clone(), v.clone());
        }
    }
    // The sources are counted section by section; the reference by its diff, which linking reuses.
    let (mut counted, diff) = rayon::join(
        || -> BTreeMap<String, changes::Changes> {
            now.par_iter()
                .filter(|(name, _)| table.iter().any(|r| &r.source.name == *name))
                .filter_map(|(name, v)| changes::compare(before.get(name), v).map(|c| (name.clone(), c)))
                .collect()
        },
        || Some(changes::PeopleDiff::of(before.get(REFERENCE)?, now.get(REFERENCE)?)),
    );
    if let Some(d) = &diff {
        counted.insert(REFERENCE.to_string(), d.counts);
    }
    Changed { changes: counted, digests: now, reference_diff: diff }
}
