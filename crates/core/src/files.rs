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

/// Creates a folder and the parents it lacks, each given `modes.dir`. A folder that already
/// exists keeps its mode: lamsach sets modes only on what it creates (an operator's `1777`
/// spool, or the job's own folder named as the cache, stay as they are).
pub fn create_dir(path: &Path, modes: Modes) -> std::io::Result<()> {
    if path.as_os_str().is_empty() || path.is_dir() {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        create_dir(parent, modes)?;
    }
    match std::fs::create_dir(path) {
        Ok(()) => set_mode(path, modes.dir),
        // Another run made it between the look and the make: not ours to change.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes the lock file at `path` (created with `modes.file` when missing; an existing one keeps
/// its mode), writing who holds it. `Ok(Err(holder))` when another process holds it: what
/// that process wrote (its ID and start time).
pub fn take_lock(path: &Path, modes: Modes, now: &str) -> std::io::Result<Result<std::fs::File, String>> {
    use std::io::{Read, Write};
    let created = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(path);
    let mut f = match created {
        Ok(f) => {
            set_mode(path, modes.file)?;
            f
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Never through a link: the lock is lamsach's own file, and it is written to.
            let mut options = std::fs::OpenOptions::new();
            options.read(true).write(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
            options
                .open(path)
                .map_err(|e| if e.raw_os_error() == Some(libc::ELOOP) { std::io::Error::other("the lock file is a symbolic link; remove it") } else { e })?
        }
        Err(e) => return Err(e),
    };
    match f.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = f.take(200).read_to_string(&mut holder);
            let holder = escape_controls(holder.trim());
            return Ok(Err(if holder.is_empty() { "unknown process".to_string() } else { holder }));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(e),
    }
    f.set_len(0)?;
    write!(f, "process {} since {now}", std::process::id())?;
    Ok(Ok(f))
}

/// Opens `path` for reading only if it is a regular file (a link to one is followed): a FIFO
/// would hang the run and a device read without end. Opened without blocking, then its own
/// metadata checked, so a file swapped for a FIFO between a look and the open is refused too.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    open_checked(path, false)
}

/// Like [`open_regular`], but a symbolic link is refused rather than followed: for folders
/// others write into (the decisions inbox), where a link may point anywhere.
pub fn open_regular_no_link(path: &Path) -> std::io::Result<std::fs::File> {
    open_checked(path, true)
}

fn open_checked(path: &Path, no_link: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK | if no_link { libc::O_NOFOLLOW } else { 0 });
    }
    let f = options.open(path).map_err(|e| {
        #[cfg(unix)]
        if no_link && e.raw_os_error() == Some(libc::ELOOP) {
            return std::io::Error::other("is a symbolic link, not a file");
        }
        e
    })?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("is not a regular file (a folder, pipe, socket or device)"));
    }
    Ok(f)
}

/// Size and SHA-256 (hex) of a regular file.
pub fn sha256(path: &Path) -> std::io::Result<(u64, String)> {
    use sha2::{Digest, Sha256};
    let mut f = open_regular(path)?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h)?;
    Ok((n, format!("{:x}", h.finalize())))
}

/// A path kept as data, shown as [`shown`] writes it (control characters escaped): what an
/// error carries instead of the text it will print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown(pub std::path::PathBuf);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&shown(&self.0))
    }
}

impl From<&Path> for Shown {
    fn from(p: &Path) -> Shown {
        Shown(p.to_path_buf())
    }
}

/// A path as a message or a log line may show it: control characters (a newline in a file
/// name would forge a log line) written as escapes.
pub fn shown(path: &Path) -> String {
    escape_controls(&path.to_string_lossy())
}

/// `text` with its control characters written as `\u{..}` escapes.
pub fn escape_controls(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
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
        // The link's own metadata: a link is never followed to change its target's mode.
        if std::fs::symlink_metadata(&p)?.is_file() {
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
