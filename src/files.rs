//! What a run leaves on disk holds a province's personal data: folders and files get
//! explicit modes whatever the umask, reach the disk before they are published, and a
//! killed run's temporary folder is removed by the next run.

#![warn(missing_docs)]

use std::path::Path;

/// Unix modes for run folders, their files and the reference cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modes {
    /// Mode of folders (0700, or 0750 for a group).
    pub dir: u32,
    /// Mode of files (0600, or 0640 for a group).
    pub file: u32,
}

impl Modes {
    /// Only the user the job runs as: `0700` folders, `0600` files (the default).
    pub const PRIVATE: Modes = Modes { dir: 0o700, file: 0o600 };
    /// The user and its group may read: `0750` / `0640` (`[job] group_readable = true`).
    pub const GROUP: Modes = Modes { dir: 0o750, file: 0o640 };
}

impl Default for Modes {
    fn default() -> Self {
        Modes::PRIVATE
    }
}

/// Sets `path`'s mode (a no-op off Unix).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Creates a folder (and its parents) and gives the folder itself `modes.dir`.
pub fn create_dir(path: &Path, modes: Modes) -> std::io::Result<()> {
    std::fs::create_dir_all(path)?;
    set_mode(path, modes.dir)
}

/// Flushes a folder's entries (names, renames) to disk.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

/// Gives every file of a folder `modes.file` and the folder `modes.dir`, and flushes the
/// files and then the folder to disk: after a power cut a published folder is never
/// one of empty files.
pub fn seal(dir: &Path, modes: Modes) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_file() {
            set_mode(&p, modes.file)?;
            std::fs::File::open(&p)?.sync_all()?;
        }
    }
    set_mode(dir, modes.dir)?;
    sync_dir(dir)
}

/// Removes the temporary folders (`.tmp-<job>-<time>-<pid>`) that runs of this job left
/// when they were killed: those whose process is gone. Returns how many.
pub fn remove_stale_tmp(out: &Path, job: &str) -> usize {
    let prefix = format!(".tmp-{job}-");
    let Ok(entries) = std::fs::read_dir(out) else { return 0 };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else { continue };
        // <YYYYMMDD>-<HHMMSS>-<pid>: exactly this job's, not job "a-b"'s for job "a".
        let fields: Vec<&str> = rest.split('-').collect();
        let [date, time, pid] = fields[..] else { continue };
        if date.len() != 8 || time.len() != 6 || !(date.bytes().chain(time.bytes()).all(|b| b.is_ascii_digit())) {
            continue;
        }
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid != std::process::id() && !process_alive(pid) && std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Whether a process with this id runs on this machine (Linux: /proc).
fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_folders_of_this_job_only_are_removed() {
        let t = tempfile::tempdir().unwrap();
        let dead = 4_000_000_000u32; // above any pid
        for name in [
            format!(".tmp-a-20261127-010203-{dead}"),
            format!(".tmp-a-b-20261127-010203-{dead}"),
            format!(".tmp-a-20261127-010203-{}", std::process::id()),
            "a-20261127-010203".to_string(),
        ] {
            std::fs::create_dir(t.path().join(name)).unwrap();
        }
        assert_eq!(remove_stale_tmp(t.path(), "a"), 1);
        let left: Vec<String> = std::fs::read_dir(t.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(left.len(), 3, "{left:?}");
        assert!(!left.contains(&format!(".tmp-a-20261127-010203-{dead}")));
    }

    #[cfg(unix)]
    #[test]
    fn sealed_folders_and_files_get_their_modes_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("run");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("x.parquet"), b"x").unwrap();
        set_mode(&d.join("x.parquet"), 0o666).unwrap();
        for modes in [Modes::PRIVATE, Modes::GROUP] {
            seal(&d, modes).unwrap();
            assert_eq!(std::fs::metadata(&d).unwrap().permissions().mode() & 0o777, modes.dir);
            assert_eq!(std::fs::metadata(d.join("x.parquet")).unwrap().permissions().mode() & 0o777, modes.file);
        }
    }
}
