//! Files even root cannot change, made with `chattr +i`: the only way to make a delete
//! fail for a test that runs as root (which ignores permissions).
//!
//! Not every filesystem takes the flag (overlayfs in containers does not; tmpfs does
//! since Linux 6.0), so [`tempdir`] finds a temp dir where it works before the test
//! builds its fixture there.

use super::{cannot_run, scratch};
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Paths made immutable for the life of the guard; dropping it clears the flag
/// everywhere under a folder (wherever the janitor moved the paths), so the temp dir
/// can be removed.
pub struct Immutable {
    undo_under: PathBuf,
}

impl Immutable {
    /// `chattr +i` on each path. `Ok(None)` after saying why (an error under CI) when
    /// that fails; whatever was set is undone then.
    pub fn set(paths: &[&Path], undo_under: &Path) -> Result<Option<Self>, Box<dyn Error>> {
        let guard = Self {
            undo_under: undo_under.to_path_buf(),
        };
        for path in paths {
            if let Err(why) = chattr("+i", path) {
                cannot_run(&format!(
                    "`chattr +i {}` failed: {why} (it needs e2fsprogs, root, and a \
                     filesystem that takes the flag)",
                    path.display()
                ))?;
                return Ok(None);
            }
        }
        Ok(Some(guard))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr")
            .args(["-R", "-i"])
            .arg(&self.undo_under)
            .output();
    }
}

/// Runs `chattr FLAG path`; the error says why it failed.
fn chattr(flag: &str, path: &Path) -> Result<(), String> {
    match Command::new("chattr").arg(flag).arg(path).output() {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => Err(String::from_utf8_lossy(&output.stderr).trim().to_owned()),
        Err(err) => Err(format!("cannot run chattr: {err}")),
    }
}

/// Whether a file in `dir` can be made immutable (and back).
fn works_in(dir: &Path) -> bool {
    let probe = dir.join(".chattr-probe");
    if fs::write(&probe, "probe").is_err() {
        return false;
    }
    let works = chattr("+i", &probe).is_ok();
    if works {
        let _ = chattr("-i", &probe);
    }
    let _ = fs::remove_file(&probe);
    works
}

/// A new temp dir on a filesystem where `chattr +i` works: the usual one
/// ([`scratch::tempdir`]) when its filesystem takes the flag, else (as root) one with
/// a tmpfs mounted on it, which the fixtures' `Drop` takes down. Where neither works
/// it is the usual one, and [`Immutable::set`] says why the test cannot run.
pub fn tempdir() -> Result<tempfile::TempDir, Box<dyn Error>> {
    static SCRATCH_WORKS: OnceLock<bool> = OnceLock::new();
    let dir = scratch::tempdir()?;
    if *SCRATCH_WORKS.get_or_init(|| works_in(dir.path())) {
        return Ok(dir);
    }
    #[cfg(target_os = "linux")]
    mount_tmpfs_for_chattr(dir.path());
    Ok(dir)
}

/// Mounts a tmpfs on `dir` and keeps it there if `chattr +i` works on it.
#[cfg(target_os = "linux")]
fn mount_tmpfs_for_chattr(dir: &Path) {
    let base = scratch::base().display();
    if let Err(why) = super::mounts::try_tmpfs(dir) {
        eprintln!("note: `chattr +i` does not work in {base} and no tmpfs could be mounted: {why}");
    } else if !works_in(dir) {
        eprintln!("note: `chattr +i` works neither in {base} nor on a tmpfs");
        super::mounts::unmount_all_under(dir);
    }
}
