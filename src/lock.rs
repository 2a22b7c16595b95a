//! An advisory lock in the data directory, so two janitors never delete at once.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use thiserror::Error;

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = ".agents-janitor.lock";

/// How long a lock that names this process is waited for: the time a child being
/// started may still share the lock file after the lock was released.
const OWN_RELEASE_WAIT: Duration = Duration::from_millis(500);

/// Why the data-dir lock was not taken.
#[derive(Debug, Error)]
pub enum LockError {
    /// Someone else holds it: another janitor, or another plan of this one.
    #[error(
        "another agents-janitor is already cleaning {data_dir} ({holder}); try again when it has finished"
    )]
    Held {
        /// The data directory.
        data_dir: PathBuf,
        /// What the lock file says of its holder (pid and what it does).
        holder: String,
    },
    /// The lock file could not be opened, read or written.
    #[error("cannot lock {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The OS's error.
        source: std::io::Error,
    },
}

/// Held while a plan runs; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes the lock without waiting. `purpose` (e.g. "discard") is recorded so a
    /// second janitor can say who holds it.
    pub fn acquire(data_dir: &Path, purpose: &str) -> Result<Self, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io_err = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err)?;
        let ours = format!("pid {}, ", std::process::id());
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    // On some systems a locked file cannot be read; the generic text then stands.
                    let _ = file.seek(SeekFrom::Start(0));
                    let _ = file.read_to_string(&mut holder);
                    let holder = holder.trim().replace('\n', ", ");
                    // A lock this process released lingers while a child it is starting
                    // (git, docker) still shares the file, until that child execs.
                    if holder.starts_with(&ours) && started.elapsed() < OWN_RELEASE_WAIT {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                    return Err(LockError::Held {
                        data_dir: data_dir.to_path_buf(),
                        holder: if holder.is_empty() {
                            "held by another process".into()
                        } else {
                            holder
                        },
                    });
                }
                Err(TryLockError::Error(source)) => return Err(io_err(source)),
            }
        }
        let holder = format!("{ours}{purpose}, since {}", crate::store::time::now_iso());
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(holder.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(io_err)?;
        Ok(Self { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_told_who_has_it() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let first = DataDirLock::acquire(dir.path(), "discard")?;
        match DataDirLock::acquire(dir.path(), "sweep") {
            Err(LockError::Held { holder, .. }) => {
                assert!(
                    holder.contains(&format!("pid {}", std::process::id())),
                    "{holder}"
                );
                assert!(holder.contains("discard"), "{holder}");
            }
            other => return Err(format!("second lock should fail, got {other:?}").into()),
        }
        drop(first);
        DataDirLock::acquire(dir.path(), "sweep")?;
        Ok(())
    }

    #[test]
    fn a_missing_data_dir_is_an_error() {
        let err = DataDirLock::acquire(Path::new("/nonexistent/data"), "x");
        assert!(matches!(err, Err(LockError::Io { .. })));
    }
}
