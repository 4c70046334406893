//! The decision store: one SQLite file beside the runs (`[decisions] store`), holding every
//! imported decision with its provenance and history, and per run the worklist's open items
//! and the per-commune counts. SQLite because it is one file an analyst opens with any
//! client (DuckDB, `sqlite3`, DB Browser), it is transactional (an import is applied whole
//! or not at all), and the bundled library needs nothing installed. The schema is migrated
//! by `PRAGMA user_version`; a lock file beside it keeps a second run of the job out.

use super::{Decision, Status};
use crate::files::{self, Modes};
use rusqlite::{Connection, OptionalExtension, params};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The schema, one migration per version: migration `i` takes `user_version` from `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    imported_at TEXT NOT NULL,
    rows INTEGER NOT NULL,
    archived_to TEXT NOT NULL
);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports(id),
    source TEXT NOT NULL,
    record_key TEXT NOT NULL,
    record_digest TEXT NOT NULL,
    candidate TEXT,
    codes TEXT NOT NULL,
    decision TEXT NOT NULL,
    person_id TEXT,
    officer TEXT,
    note TEXT,
    sheet TEXT NOT NULL,
    row INTEGER NOT NULL,
    decided_at TEXT NOT NULL,
    status TEXT NOT NULL,
    status_at TEXT NOT NULL
);
CREATE INDEX decisions_record ON decisions(source, record_key);
CREATE INDEX decisions_status ON decisions(status);
CREATE TABLE decision_history (
    decision_id INTEGER NOT NULL REFERENCES decisions(id),
    run_id TEXT,
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL UNIQUE,
    run_date TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    records INTEGER NOT NULL,
    worklist INTEGER NOT NULL
);
CREATE TABLE run_communes (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    commune TEXT NOT NULL,
    open INTEGER NOT NULL,
    decided INTEGER NOT NULL,
    closed_since_last_run INTEGER NOT NULL,
    PRIMARY KEY (run_id, commune)
);
CREATE TABLE open_items (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    source TEXT NOT NULL,
    record_key TEXT NOT NULL,
    commune TEXT NOT NULL,
    priority INTEGER NOT NULL
);
CREATE INDEX open_items_run ON open_items(run_id);
",
    "
CREATE TABLE run_figures (
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    run_date TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    records INTEGER NOT NULL,
    pass_correct REAL NOT NULL,
    pass_complete REAL NOT NULL,
    pass_clean REAL NOT NULL,
    pass_live REAL NOT NULL,
    pass_all REAL NOT NULL,
    worklist INTEGER NOT NULL,
    findings TEXT NOT NULL,
    PRIMARY KEY (run_id, scope, key)
);
",
    "
ALTER TABLE open_items ADD COLUMN open_since TEXT;
",
];

/// A record on a run's worklist, as the store keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenItemRow {
    /// Its source.
    pub source: String,
    /// Its record key.
    pub record_key: String,
    /// Its 2025 commune code ("" unknown).
    pub commune: String,
    /// Its priority, 1 (most urgent) to 9.
    pub priority: u8,
    /// The run date (YYYY-MM-DD) since which it has been open without a break (none in a
    /// store written before lamsach kept it).
    pub open_since: Option<String>,
}

/// Why the store cannot be used tonight.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another run holds the store.
    #[error(
        "the decision store {path} is in use by another lamsach run ({holder}); wait for that run to finish, or remove {lock} if no lamsach process is running"
    )]
    Busy {
        /// The store.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// What the holder wrote in the lock file (process ID and start time).
        holder: String,
    },
    /// The store was written by a newer lamsach.
    #[error("the decision store {path} has schema version {found}, newer than this lamsach knows ({known}); run the newer lamsach or restore a backup")]
    Newer {
        /// The store.
        path: PathBuf,
        /// Its version.
        found: usize,
        /// The newest this build knows.
        known: usize,
    },
    /// SQLite failed.
    #[error("the decision store {path}: {source}; check the disk and the file's permissions")]
    Sqlite {
        /// The store.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The lock file or the folder could not be written.
    #[error("the decision store {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// A decision in the store.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredDecision {
    /// Its row ID.
    pub id: i64,
    /// The source (register) name.
    pub source: String,
    /// The record key.
    pub record_key: String,
    /// The record's digest when the worklist was written.
    pub record_digest: String,
    /// The reference person the row proposed (personal ID or `fp-` key).
    pub candidate: Option<String>,
    /// The finding codes the row listed.
    pub codes: Vec<String>,
    /// What was decided.
    pub decision: Decision,
    /// The personal ID the officer supplied.
    pub person_id: Option<String>,
    /// Who decided.
    pub officer: Option<String>,
    /// Import day (YYYY-MM-DD).
    pub decided_at: String,
    /// Where it stands.
    pub status: Status,
}

/// A status change made by tonight's run.
#[derive(Clone, Debug)]
pub struct StatusChange {
    /// The decision.
    pub id: i64,
    /// Its new status.
    pub status: Status,
    /// Why, in a few words (no personal data).
    pub reason: &'static str,
}

/// One run's figures for one scope (`overall`, a `source` or a `commune`), kept for the trend.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunFigures {
    /// The run folder's name.
    pub run_id: String,
    /// The run date (YYYY-MM-DD).
    pub run_date: String,
    /// `overall`, `source` or `commune`.
    pub scope: String,
    /// The source name or commune code ("" for overall).
    pub key: String,
    /// Records.
    pub records: u64,
    /// Pass rate per dimension: correct, complete, clean, live.
    pub pass: [f64; 4],
    /// Share passing all four.
    pub pass_all: f64,
    /// Records on the worklist.
    pub worklist: u64,
    /// Findings per code (JSON object in the store).
    pub findings: std::collections::BTreeMap<String, u64>,
}

/// Tonight's run, as the store keeps it.
pub struct RunRecord<'a> {
    /// The run folder's name.
    pub run_id: &'a str,
    /// The run date.
    pub run_date: &'a str,
    /// Records in the run.
    pub records: u64,
    /// Status changes.
    pub changes: &'a [StatusChange],
    /// The worklist's records: source, key, commune, priority.
    pub open_items: &'a [OpenItemRow],
    /// Per commune: open, decided, closed since the last run.
    pub communes: &'a [(String, u64, u64, u64)],
    /// Tonight's figures for the trend.
    pub figures: &'a [RunFigures],
    /// Runs the history keeps (older ones are removed).
    pub keep_runs: usize,
}

/// An open decision store: locked for this run, migrated to the current schema.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    _lock: File,
}

/// Maps an I/O error on `path` to a store error.
pub(super) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + use<> {
    let path = path.to_path_buf();
    move |source| StoreError::Io { path, source }
}

fn now() -> String {
    // On the job's clock, with its offset: a decision made at 01:30 in Vietnam is that day's.
    crate::clock::now().format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

impl Store {
    /// Opens (creating if needed) the store at `path`, takes its lock and migrates it.
    pub fn open(path: &Path, modes: Modes) -> Result<Store, StoreError> {
        let io = io_error;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
            files::create_dir(dir, modes).map_err(io(dir))?;
        }
        let lock_path = PathBuf::from(format!("{}.lock", path.display()));
        let lock = lock(&lock_path, path, modes)?;
        let existed = path.exists();
        let sql = |source| StoreError::Sqlite { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(sql)?;
        if !existed {
            files::set_mode(path, modes.file).map_err(io(path))?;
        }
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(sql)?;
        let mut store = Store { conn, path: path.to_path_buf(), _lock: lock };
        store.migrate()?;
        Ok(store)
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite { path: self.path.clone(), source }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let version: usize = self.conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).map_err(self.sql())? as usize;
        if version > MIGRATIONS.len() {
            return Err(StoreError::Newer { path: self.path.clone(), found: version, known: MIGRATIONS.len() });
        }
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite { path: path.clone(), source };
        for (v, migration) in MIGRATIONS.iter().enumerate().skip(version) {
            let tx = self.conn.transaction().map_err(sql)?;
            tx.execute_batch(migration).map_err(sql)?;
            tx.pragma_update(None, "user_version", (v + 1) as i64).map_err(sql)?;
            tx.commit().map_err(sql)?;
        }
        Ok(())
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version (the number of migrations applied).
    pub fn version(&self) -> Result<usize, StoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).map_err(self.sql())? as usize)
    }

    /// A file with these contents was imported before (a rerun after a crash between the
    /// import and the move to the archive does not import it twice).
    pub fn was_imported(&self, sha256: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = self.conn.query_row("SELECT id FROM imports WHERE sha256 = ?1", [sha256], |r| r.get(0)).optional().map_err(self.sql())?;
        Ok(found.is_some())
    }

    /// Imports one returned file whole, in one transaction: each row a new decision, and any
    /// decision still in effect on the same record superseded.
    pub fn import(&mut self, file: &super::inbox::ReturnedFile, archived_to: &str, day: &str) -> Result<u64, StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite { path: path.clone(), source };
        let at = now();
        let tx = self.conn.transaction().map_err(sql)?;
        tx.execute(
            "INSERT INTO imports (file, sha256, imported_at, rows, archived_to) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![file.name, file.sha256, at, file.rows.len() as i64, archived_to],
        )
        .map_err(sql)?;
        let import_id = tx.last_insert_rowid();
        for r in &file.rows {
            let earlier: Vec<i64> = {
                let mut q = tx
                    .prepare_cached("SELECT id FROM decisions WHERE source = ?1 AND record_key = ?2 AND status IN ('new','applied','pending','refused')")
                    .map_err(sql)?;
                q.query_map(params![r.source, r.record_key], |x| x.get(0)).map_err(sql)?.collect::<Result<_, _>>().map_err(sql)?
            };
            for id in earlier {
                set_status(&tx, id, Status::Superseded, None, "a later decision on the same record", &at).map_err(sql)?;
            }
            tx.execute(
                "INSERT INTO decisions (import_id, source, record_key, record_digest, candidate, codes, decision, person_id, officer, note, sheet, row, decided_at, status, status_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'new', ?14)",
                params![
                    import_id,
                    r.source,
                    r.record_key,
                    r.record_digest,
                    r.candidate,
                    r.codes.join(" "),
                    r.decision.as_str(),
                    r.person_id,
                    r.officer,
                    r.note,
                    r.sheet,
                    r.row as i64,
                    day,
                    at
                ],
            )
            .map_err(sql)?;
            let id = tx.last_insert_rowid();
            tx.execute("INSERT INTO decision_history (decision_id, run_id, at, status, reason) VALUES (?1, NULL, ?2, 'new', 'imported')", params![id, at])
                .map_err(sql)?;
        }
        tx.commit().map_err(sql)?;
        Ok(file.rows.len() as u64)
    }

    /// Every decision still in effect, oldest first. A row another tool wrote (see the README's
    /// "Decisions from other tools") whose decision is not one lamsach knows is refused with
    /// that reason and never read as another decision (an unusable personal ID is refused by
    /// the night like an officer's).
    pub fn in_effect(&mut self) -> Result<Vec<StoredDecision>, StoreError> {
        self.refuse_unknown()?;
        let mut q = self
            .conn
            .prepare(
                "SELECT id, source, record_key, record_digest, candidate, codes, decision, person_id, officer, decided_at, status
                 FROM decisions WHERE status IN ('new','applied','pending','refused') ORDER BY id",
            )
            .map_err(self.sql())?;
        let rows = q
            .query_map([], |r| {
                let codes: String = r.get(5)?;
                let decision: String = r.get(6)?;
                let status: String = r.get(10)?;
                let Some(decision) = Decision::parse(&decision) else { return Ok(None) };
                Ok(Some(StoredDecision {
                    id: r.get(0)?,
                    source: r.get(1)?,
                    record_key: r.get(2)?,
                    record_digest: r.get(3)?,
                    candidate: r.get(4)?,
                    codes: codes.split_whitespace().map(str::to_string).collect(),
                    decision,
                    person_id: r.get(7)?,
                    officer: r.get(8)?,
                    decided_at: r.get(9)?,
                    status: Status::parse(&status).unwrap_or(Status::New),
                }))
            })
            .map_err(self.sql())?;
        let rows: Vec<Option<StoredDecision>> = rows.collect::<Result<_, _>>().map_err(self.sql())?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// Refuses the new decisions that cannot be read (written by another tool).
    fn refuse_unknown(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite { path: path.clone(), source };
        let at = now();
        let tx = self.conn.transaction().map_err(sql)?;
        let fresh: Vec<(i64, String)> = {
            let mut q = tx.prepare("SELECT id, decision FROM decisions WHERE status = 'new'").map_err(sql)?;
            q.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(sql)?.collect::<Result<_, _>>().map_err(sql)?
        };
        for (id, _) in fresh.into_iter().filter(|(_, d)| Decision::parse(d).is_none()) {
            set_status(&tx, id, Status::Refused, None, "not a decision lamsach knows (see the README's decision codes)", &at).map_err(sql)?;
        }
        tx.commit().map_err(sql)
    }

    /// The last recorded run's worklist.
    pub fn last_open_items(&self) -> Result<Vec<OpenItemRow>, StoreError> {
        let last: Option<String> = self.conn.query_row("SELECT run_id FROM runs ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).optional().map_err(self.sql())?;
        let Some(last) = last else { return Ok(Vec::new()) };
        let mut q = self.conn.prepare("SELECT source, record_key, commune, priority, open_since FROM open_items WHERE run_id = ?1").map_err(self.sql())?;
        let rows = q
            .query_map([last], |r| Ok(OpenItemRow { source: r.get(0)?, record_key: r.get(1)?, commune: r.get(2)?, priority: r.get(3)?, open_since: r.get(4)? }))
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Keeps tonight's run, its status changes and its worklist, in one transaction. Only
    /// the last run's open items are kept (the per-commune counts keep the history).
    pub fn record_run(&mut self, run: &RunRecord) -> Result<(), StoreError> {
        let path = self.path.clone();
        let sql = |source| StoreError::Sqlite { path: path.clone(), source };
        let at = now();
        let tx = self.conn.transaction().map_err(sql)?;
        for c in run.changes {
            set_status(&tx, c.id, c.status, Some(run.run_id), c.reason, &at).map_err(sql)?;
        }
        tx.execute(
            "INSERT INTO runs (run_id, run_date, finished_at, records, worklist) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![run.run_id, run.run_date, at, run.records as i64, run.open_items.len() as i64],
        )
        .map_err(sql)?;
        tx.execute("DELETE FROM open_items", []).map_err(sql)?;
        {
            let mut q = tx
                .prepare("INSERT INTO open_items (run_id, source, record_key, commune, priority, open_since) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(sql)?;
            for o in run.open_items {
                q.execute(params![run.run_id, o.source, o.record_key, o.commune, o.priority as i64, o.open_since]).map_err(sql)?;
            }
            let mut q =
                tx.prepare("INSERT INTO run_communes (run_id, commune, open, decided, closed_since_last_run) VALUES (?1, ?2, ?3, ?4, ?5)").map_err(sql)?;
            for (commune, open, decided, closed) in run.communes {
                q.execute(params![run.run_id, commune, *open as i64, *decided as i64, *closed as i64]).map_err(sql)?;
            }
        }
        insert_figures(&tx, run.figures).map_err(sql)?;
        prune(&tx, run.keep_runs).map_err(sql)?;
        tx.commit().map_err(sql)
    }

    /// The figures of the last `runs` runs, oldest first.
    pub fn history(&self, runs: usize) -> Result<Vec<RunFigures>, StoreError> {
        let mut q = self
            .conn
            .prepare(
                "SELECT f.run_id, f.run_date, scope, key, f.records, pass_correct, pass_complete, pass_clean, pass_live, pass_all, f.worklist, findings
                 FROM run_figures f JOIN (SELECT run_id, id FROM runs ORDER BY id DESC LIMIT ?1) r ON r.run_id = f.run_id
                 ORDER BY r.id, scope, key",
            )
            .map_err(self.sql())?;
        let rows = q
            .query_map([runs as i64], |r| {
                let findings: String = r.get(11)?;
                Ok(RunFigures {
                    run_id: r.get(0)?,
                    run_date: r.get(1)?,
                    scope: r.get(2)?,
                    key: r.get(3)?,
                    records: r.get::<_, i64>(4)? as u64,
                    pass: [r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
                    pass_all: r.get(9)?,
                    worklist: r.get::<_, i64>(10)? as u64,
                    findings: serde_json::from_str(&findings).unwrap_or_default(),
                })
            })
            .map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// Records closed (on a run's worklist, not on the next one's) in runs dated `since` or later.
    pub fn closed_since(&self, since: &str) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COALESCE(SUM(c.closed_since_last_run), 0) FROM run_communes c JOIN runs r ON r.run_id = c.run_id WHERE r.run_date >= ?1",
                [since],
                |r| r.get(0),
            )
            .map_err(self.sql())?;
        Ok(n as u64)
    }
}

fn insert_figures(tx: &Connection, figures: &[RunFigures]) -> rusqlite::Result<()> {
    let mut q = tx.prepare(
        "INSERT INTO run_figures (run_id, run_date, scope, key, records, pass_correct, pass_complete, pass_clean, pass_live, pass_all, worklist, findings)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for f in figures {
        let findings = serde_json::to_string(&f.findings).unwrap_or_default();
        q.execute(params![
            f.run_id,
            f.run_date,
            f.scope,
            f.key,
            f.records as i64,
            f.pass[0],
            f.pass[1],
            f.pass[2],
            f.pass[3],
            f.pass_all,
            f.worklist as i64,
            findings
        ])?;
    }
    Ok(())
}

/// Keeps the newest `keep` runs' history; decisions and their history are kept whole.
fn prune(tx: &Connection, keep: usize) -> rusqlite::Result<()> {
    let old = "(SELECT run_id FROM runs ORDER BY id DESC LIMIT -1 OFFSET ?1)";
    for table in ["run_figures", "run_communes"] {
        tx.execute(&format!("DELETE FROM {table} WHERE run_id IN {old}"), [keep as i64])?;
    }
    tx.execute(&format!("DELETE FROM runs WHERE run_id IN {old}"), [keep as i64])?;
    Ok(())
}

fn set_status(tx: &Connection, id: i64, status: Status, run_id: Option<&str>, reason: &str, at: &str) -> rusqlite::Result<()> {
    tx.execute("UPDATE decisions SET status = ?2, status_at = ?3 WHERE id = ?1", params![id, status.as_str(), at])?;
    tx.execute(
        "INSERT INTO decision_history (decision_id, run_id, at, status, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, run_id, at, status.as_str(), reason],
    )?;
    Ok(())
}

/// Takes the lock file beside the store, writing who holds it; a second run gets `Busy`.
fn lock(lock_path: &Path, store: &Path, modes: Modes) -> Result<File, StoreError> {
    match files::take_lock(lock_path, modes, &now()) {
        Ok(Ok(f)) => Ok(f),
        Ok(Err(holder)) => Err(StoreError::Busy { path: store.to_path_buf(), lock: lock_path.to_path_buf(), holder }),
        Err(source) => Err(StoreError::Io { path: lock_path.to_path_buf(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_opener_is_told_the_store_is_busy_and_the_schema_is_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("decisions.sqlite");
        let first = Store::open(&path, Modes::PRIVATE).unwrap();
        assert_eq!(first.version().unwrap(), MIGRATIONS.len());
        let second = Store::open(&path, Modes::PRIVATE);
        let err = second.err().expect("the store is locked").to_string();
        assert!(err.contains("in use by another lamsach run") && err.contains(&format!("process {}", std::process::id())), "{err}");
        drop(first);
        let mut again = Store::open(&path, Modes::PRIVATE).unwrap();
        assert_eq!(again.version().unwrap(), MIGRATIONS.len());
        assert!(again.in_effect().unwrap().is_empty());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_store_from_a_newer_lamsach_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.sqlite");
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 99).unwrap();
        }
        let err = Store::open(&path, Modes::PRIVATE).err().unwrap().to_string();
        assert!(err.contains("schema version 99"), "{err}");
    }
}
