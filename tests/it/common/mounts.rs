//! Real mounts for the tests (root only): bind mounts of folders on the same filesystem
//! and tmpfs mounts, and the clean-up that makes them safe to leave behind: every mount
//! under a test's temp dir is taken down before the temp dir is deleted (see
//! [`unmount_all_under`], called by the fixtures' `Drop`), wherever the janitor moved it,
//! so deleting the temp dir can never walk into a bind mount's source.

use super::cannot_run;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `mount --bind source target`. `Ok(false)` (after saying why) where mounting is not
/// permitted; an error under CI.
pub fn bind(source: &Path, target: &Path) -> Result<bool, Box<dyn Error>> {
    said_why(try_mount(&[
        "--bind".as_ref(),
        source.as_os_str(),
        target.as_os_str(),
    ]))
}

/// A fresh tmpfs at `target`, like [`bind`].
pub fn tmpfs(target: &Path) -> Result<bool, Box<dyn Error>> {
    said_why(try_tmpfs(target))
}

/// A fresh tmpfs at `target`; the error says why there is none.
pub fn try_tmpfs(target: &Path) -> Result<(), String> {
    try_mount(&[
        "-t".as_ref(),
        "tmpfs".as_ref(),
        "janitor-test".as_ref(),
        target.as_os_str(),
    ])
}

/// `Ok(true)` for a mount made; for one that failed, [`cannot_run`] and `Ok(false)`.
fn said_why(mounted: Result<(), String>) -> Result<bool, Box<dyn Error>> {
    match mounted {
        Ok(()) => Ok(true),
        Err(why) => {
            cannot_run(&why)?;
            Ok(false)
        }
    }
}

fn try_mount(args: &[&std::ffi::OsStr]) -> Result<(), String> {
    let shown = args.join(" ".as_ref()).to_string_lossy().into_owned();
    match Command::new("mount").args(args).output() {
        Ok(output) if output.status.success() => Ok(()),
        Ok(output) => Err(format!(
            "`mount {shown}` failed: {} (CI runs as root)",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .next()
                .unwrap_or_default()
        )),
        Err(err) => Err(format!("cannot run `mount`: {err}")),
    }
}

/// Takes down every mount at or below `root`, deepest first, until none is left (a
/// lazy unmount when a plain one fails). Returns what is still mounted (nothing, unless
/// even a lazy unmount failed).
pub fn unmount_all_under(root: &Path) -> Vec<PathBuf> {
    let Ok(root) = std::fs::canonicalize(root) else {
        return Vec::new();
    };
    for _ in 0..32 {
        let mut points = mounted_under(&root);
        if points.is_empty() {
            return points;
        }
        points.sort_by_key(|point| std::cmp::Reverse(point.as_os_str().len()));
        for point in points {
            let plain = Command::new("umount").arg(&point).status();
            if !plain.is_ok_and(|status| status.success()) {
                let _ = Command::new("umount").arg("--lazy").arg(&point).status();
            }
        }
    }
    mounted_under(&root)
}

/// The mount points at or below `root`, from the kernel's mount table.
pub fn mounted_under(root: &Path) -> Vec<PathBuf> {
    agents_janitor::mounts::MountTable::read()
        .map(|table| table.at_or_below(root))
        .unwrap_or_default()
}

/// For a fixture's `Drop`: unmounts everything under `dir`'s path and, should something
/// stay mounted, keeps the temp dir rather than deleting through a mount.
pub fn release(dir: &mut tempfile::TempDir) {
    let left = unmount_all_under(dir.path());
    if !left.is_empty() {
        eprintln!(
            "still mounted, so {} is kept rather than deleted: {left:?}",
            dir.path().display()
        );
        dir.disable_cleanup(true);
    }
}
