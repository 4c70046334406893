//! What a job reads from its decision store and keeps in and beside it across nights: the
//! decisions resolved before linking, what changed since the last run ([`crate::night`]),
//! the last run's model while little changed, and tonight's run record, digests and links.

use super::{RunError, Running, TREND_RUNS};
use crate::decisions::apply::Resolution;
use crate::decisions::store::{OpenItemRow, RunRecord, Store};
use crate::decisions::{self, Night};
use crate::link;
use crate::publish::manifest::FailedSource;
use crate::publish::{self, RunData};
use crate::reference::Reference;
use crate::table::SourceRun;
use std::path::Path;

/// An incremental night reuses the last run's model while no source and not the reference
/// changed by more than this share since.
const RETRAIN_SHARE: f64 = 0.05;

impl Running<'_> {
    /// Opens the decision store, imports the returned worklists waiting in the inbox and
    /// resolves the decisions in effect against tonight's records (before linking).
    pub(super) fn decisions_before_link(
        &self,
        table: &mut [SourceRun],
        reference: &Reference,
        out: Option<&Path>,
        failed: &[FailedSource],
    ) -> Result<Option<(Store, Night)>, RunError> {
        let ds = &self.decisions;
        // Like the reference cache: a store under the job's output folder follows `--out`.
        let store_path = match (out, ds.store.strip_prefix(&self.output_dir)) {
            (Some(out), Ok(rel)) => out.join(rel),
            _ => ds.store.clone(),
        };
        let mut store = Store::open(&store_path, self.modes)?;
        let day = self.run_date.iso();
        let imports = match &ds.inbox {
            Some(inbox) => decisions::import_inbox(&mut store, inbox, &ds.archive, &day, self.modes, &self.limits)?,
            None => Default::default(),
        };
        let in_effect = store.in_effect()?;
        let previous_open = store.last_open_items()?;
        tracing::info!(in_effect = in_effect.len(), imported = imports.imported.len(), rejected = imports.rejected.len(), "decisions");
        let failed: Vec<&str> = failed.iter().map(|f| f.name.as_str()).collect();
        let resolution = Resolution::before_link(in_effect, table, reference, &failed);
        Resolution::mark_conflicts(&imports.conflicts, table);
        let history = store.history(TREND_RUNS)?;
        let closed_since = match ds.since {
            Some(d) => Some((d.iso(), store.closed_since(&d.iso())?)),
            None => None,
        };
        let crate::night::Changed { changes, digests, reference_diff } = crate::night::what_changed(&store_path, table, reference);
        let night = Night {
            resolution,
            imports,
            previous_open,
            reads_returned: ds.inbox.is_some(),
            history,
            closed_since,
            changes,
            digests,
            reference_diff,
            record_tf: Vec::new(),
        };
        Ok(Some((store, night)))
    }

    /// Keeps tonight's status changes, worklist, per-commune counts and figures in the store,
    /// and tonight's record digests beside it.
    pub(super) fn record_decisions(&self, store: &mut Store, data: &RunData, published: &publish::Published) -> Result<(), RunError> {
        let run_id = published.run_dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let open_items: Vec<OpenItemRow> = published
            .worklist
            .open
            .iter()
            .map(|o| OpenItemRow {
                source: o.source.to_string(),
                record_key: o.key.to_string(),
                commune: o.commune.clone(),
                priority: o.priority.rank(),
                open_since: Some(o.open_since.clone()),
            })
            .collect();
        let changes = data.decisions.map_or(&[][..], |n| n.resolution.changes.as_slice());
        let records = data.sources.iter().map(|r| r.len() as u64).sum();
        // The figures and per-commune counts as published.
        let counts: Vec<(String, u64, u64, u64)> =
            published.worklist.progress.iter().map(|(c, p)| (c.clone(), p.open, p.decided.values().sum(), p.closed_since_last_run)).collect();
        let figures = publish::trend::figures_of(&published.summary, &run_id);
        let run = RunRecord {
            run_id: &run_id,
            run_date: &data.run_date.iso(),
            records,
            changes,
            open_items: &open_items,
            communes: &counts,
            figures: &figures,
            keep_runs: self.decisions.keep_runs,
        };
        // The store's record and the files beside it are independent: written side by side.
        let path = crate::night::changes::path_beside(store.path());
        let links_path = crate::night::kept::path_beside(store.path());
        let (recorded, ()) = rayon::join(|| store.record_run(&run), || self.keep_for_next_night(data, &path, &links_path));
        recorded?;
        Ok(())
    }

    /// Tonight's record digests and links, for the next night's change counts and reuse.
    pub(super) fn keep_for_next_night(&self, data: &RunData, path: &Path, links_path: &Path) {
        let Some(night) = data.decisions else { return };
        let names: Vec<&str> = data.sources.iter().map(|r| r.source.name.as_str()).collect();
        let links: Vec<&[link::RecordLink]> = data.sources.iter().map(SourceRun::links).collect();
        let kept = crate::night::kept::of_tonight(
            &names,
            &links,
            &night.record_tf,
            &night.digests,
            &data.link.model,
            self.link.max_block,
            data.reference.cache_key.as_deref(),
        );
        let saved = crate::night::changes::save(path, &night.digests, self.modes).and_then(|_| crate::night::kept::save(links_path, &kept, self.modes));
        if let Err(e) = saved {
            // Only costs the next run its change counts and its reuse of links.
            tracing::warn!(error = %e, "could not keep tonight's record digests and links");
        }
    }

    /// An incremental night's model: the last run's, unless tonight changed more than
    /// [`RETRAIN_SHARE`] of a source's records or of the reference's people (then it is trained
    /// again, and no link is reused with a model it was not made with).
    pub(super) fn last_model(&self, night: &Night, output_dir: &Path) -> Option<link::model::Model> {
        let small = !night.changes.is_empty()
            && night.changes.values().all(|c| {
                let total = (c.added + c.changed + c.unchanged).max(1) as f64;
                ((c.added + c.removed + c.changed) as f64) / total <= RETRAIN_SHARE
            });
        let run = publish::previous_run(output_dir, &self.name).filter(|_| small)?;
        let model: link::model::Model = serde_json::from_slice(&std::fs::read(run.join("model.json")).ok()?).ok()?;
        model.validate().ok()?;
        tracing::info!("incremental: the last run's model reused");
        Some(model)
    }
}
