//! manifest.json: what ran, on what, what it wrote, and how long it took.

use super::RunData;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[derive(Clone, Debug, Serialize)]
pub struct StageTiming {
    pub stage: String,
    pub seconds: f64,
    /// Resident memory when the stage ended and the process's peak so far (VmRSS, VmHWM):
    /// where the memory goes, stage by stage.
    pub rss_bytes: Option<u64>,
    pub peak_bytes: Option<u64>,
}

impl StageTiming {
    fn now(stage: &str, seconds: f64) -> StageTiming {
        let [rss_bytes, peak_bytes] = proc_status_bytes(["VmRSS:", "VmHWM:"]);
        StageTiming { stage: stage.to_string(), seconds, rss_bytes, peak_bytes }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct InputEntry {
    pub name: String,
    pub path: String,
    pub schema: String,
    pub bytes: u64,
    pub sha256: String,
    pub encoding: Option<String>,
    pub encoding_confidence: Option<f32>,
    pub header_row: Option<u64>,
    /// Data rows read (blank rows do not count).
    pub rows_read: u64,
    pub rows_quarantined: u64,
    /// rows_read − rows_quarantined.
    pub rows_kept: u64,
    /// Records made from the kept rows (a marriage row makes two).
    pub records: u64,
    pub unmapped_headers: Vec<String>,
    /// Reference only: loaded from the cache?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<crate::reference::CacheStatus>,
}

/// A source that could not be read this run (an empty or unreadable export); the
/// other sources were published without it.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct FailedSource {
    pub name: String,
    pub path: String,
    /// The error, with file and row, never a cell's value.
    pub error: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct OutputEntry {
    pub path: String,
    pub rows: Option<u64>,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    pub lamsach_version: String,
    pub job_name: String,
    pub job_file: String,
    pub job_sha256: String,
    pub started_at: String,
    pub finished_at: String,
    pub inputs: Vec<InputEntry>,
    /// Bytes of the reference caches kept in the cache folder (null when caching is off).
    pub reference_cache_bytes: Option<u64>,
    /// Reference people taken from an earlier extract's cache (their rows unchanged) instead
    /// of normalized again.
    pub reference_people_reused: u64,
    /// Reference rows whose personal ID another row also has (links to them are at most `review`).
    pub reference_shared_id_rows: u64,
    /// Sources that could not be read: the run published the others (exit status 4).
    pub failed_sources: Vec<FailedSource>,
    pub outputs: Vec<OutputEntry>,
    pub timings: Vec<StageTiming>,
    pub total_seconds: f64,
    /// Peak resident memory of the process (VmHWM), bytes.
    pub peak_memory_bytes: Option<u64>,
    pub exit_status: i32,
}

/// Peak resident set size of this process, from /proc (Linux).
pub fn peak_memory() -> Option<u64> {
    let [peak] = proc_status_bytes(["VmHWM:"]);
    peak
}

/// Memory figures of this process from one read of /proc/self/status (Linux), in bytes.
fn proc_status_bytes<const N: usize>(keys: [&str; N]) -> [Option<u64>; N] {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    keys.map(|key| {
        let line = status.lines().find(|l| l.starts_with(key))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    })
}

impl Manifest {
    /// Everything but the outputs and the clock, which publish fills in last.
    pub fn new(d: &RunData) -> Manifest {
        let reference = d.reference;
        let mut inputs = vec![InputEntry {
            name: reference.name.clone(),
            path: reference.path.display().to_string(),
            schema: reference.schema.clone(),
            bytes: reference.bytes,
            sha256: reference.sha256.clone(),
            encoding: reference.encoding.map(|d| d.encoding.as_str().to_string()),
            encoding_confidence: reference.encoding.map(|d| d.confidence),
            header_row: None,
            rows_read: reference.rows_read,
            rows_quarantined: reference.quarantine.len() as u64,
            rows_kept: reference.rows_read - reference.quarantine.len() as u64,
            records: reference.people.len() as u64,
            unmapped_headers: vec![],
            cache: Some(reference.cache),
        }];
        for s in d.sources.iter().map(|r| &r.source) {
            inputs.push(InputEntry {
                name: s.name.clone(),
                path: s.path.display().to_string(),
                schema: s.schema.name.clone(),
                bytes: s.bytes,
                sha256: s.sha256.clone(),
                encoding: s.layout.encoding.map(|d| d.encoding.as_str().to_string()),
                encoding_confidence: s.layout.encoding.map(|d| d.confidence),
                header_row: Some(s.layout.header_row),
                rows_read: s.rows_read,
                rows_quarantined: s.quarantine.len() as u64,
                rows_kept: s.rows_read - s.quarantine.len() as u64,
                records: s.records.len() as u64,
                unmapped_headers: s.layout.columns.unmapped.clone(),
                cache: None,
            });
        }
        let settings = d.settings;
        Manifest {
            lamsach_version: env!("CARGO_PKG_VERSION").to_string(),
            job_name: settings.job_name.clone(),
            job_file: settings.job_file.clone(),
            job_sha256: settings.job_sha256.clone(),
            started_at: d.clock.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            finished_at: String::new(),
            inputs,
            reference_cache_bytes: reference.cache_file.as_ref().and_then(|f| f.parent()).map(crate::reference::cache_bytes),
            reference_people_reused: reference.reused_people,
            failed_sources: d.failed_sources.to_vec(),
            reference_shared_id_rows: d.link.reference_shared_id_rows,
            outputs: vec![],
            timings: vec![],
            total_seconds: 0.0,
            peak_memory_bytes: None,
            exit_status: d.exit_status,
        }
    }

    /// The clock, read just before the manifest is written: every stage's time and publish's own.
    pub fn finish(&mut self, clock: &RunClock, publish_started: std::time::Instant) {
        self.finished_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        self.timings = clock.stages.clone();
        self.timings.push(StageTiming::now("publish", publish_started.elapsed().as_secs_f64()));
        self.total_seconds = clock.started.elapsed().as_secs_f64();
        self.peak_memory_bytes = peak_memory();
    }
}

/// When the run started and how long each stage before publish took.
#[derive(Clone, Debug)]
pub struct RunClock {
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub started: std::time::Instant,
    pub stages: Vec<StageTiming>,
}

impl RunClock {
    pub fn start() -> RunClock {
        RunClock { started_at: chrono::Utc::now(), started: std::time::Instant::now(), stages: Vec::new() }
    }

    /// Records a stage that began at `t`, and logs it.
    pub fn stage_done(&mut self, stage: &str, t: std::time::Instant) {
        self.stage_took(stage, t.elapsed().as_secs_f64());
    }

    /// Records a stage that took `seconds` (one that ran beside another), and logs it.
    pub fn stage_took(&mut self, stage: &str, seconds: f64) {
        tracing::info!(stage, seconds = format!("{seconds:.2}"), "stage done");
        let timing = StageTiming::now(stage, seconds);
        tracing::debug!(stage, rss = timing.rss_bytes, peak = timing.peak_bytes, "memory");
        self.stages.push(timing);
    }
}
