//! Trash mode: a validated workspace moved to the system trash from its real path.

use super::{RemoveError, Remover, Trashed, WorkspaceTarget};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

impl Remover {
    /// Validates `target` like [`Remover::stage`] and moves it to the system trash from
    /// its real path. The space is freed only when the trash is emptied. On any failure
    /// the workspace stays where it was.
    pub fn trash(&self, target: &WorkspaceTarget) -> Result<Trashed, RemoveError> {
        let Some(original) = self.validate(target)? else {
            return Ok(Trashed::Missing(self.target_path(target)));
        };
        match self.fs.trash(&original, &self.data_dir) {
            Ok(()) => Ok(Trashed::Moved(original)),
            Err(err) => Err(RemoveError::Trash {
                path: original,
                message: err.to_string(),
            }),
        }
    }
}

/// Moves `path`, a workspace [`Remover::validate`] just accepted, to the system trash
/// with the `trash` crate, after last checks for what that crate does on its own:
///
/// - It resolves the parent folder's symlinks (its freedesktop backend canonicalizes the
///   parent, keeps the final name, and renames that entry, so a final symlink would be
///   moved, not followed). Here the parent must resolve to itself, and `path` must still
///   be a real folder: a symlink is refused.
/// - On freedesktop systems it picks the home trash (`$XDG_DATA_HOME/Trash`, else
///   `~/.local/share/Trash`) when the path is in the home trash's mount (the nearest
///   mount point above each, from the mount table), else `$topdir/.Trash-$uid` of the
///   path's mount `topdir`, falling back to the home trash when that is not writable;
///   where a rename crosses filesystems it copies the whole tree and then deletes the
///   original. Here the home trash must be on the workspace's filesystem and (Linux) in
///   its mount, so the crate always picks the home trash and the move is always a rename:
///   it never makes a trash folder of its own (which, for a workspace that is a mount
///   point, would be inside the workspace, or inside the data dir when that is one), and
///   never copies. The home trash must not be inside `data_dir` either (the canonical
///   data directory, holding every workspace). Otherwise it is refused.
///
/// What remains is a race: a folder on the way swapped for a symlink, or a mount made,
/// between these checks and the crate's own resolution. Agents-Runner never does that;
/// see docs/safety.md.
pub fn move_to_system_trash(path: &Path, data_dir: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() || !meta.is_dir() {
        return Err(io::Error::other(
            "it is no longer a real folder (a symlink or a file); left untouched",
        ));
    }
    let parent = path
        .parent()
        .ok_or_else(|| io::Error::other("it has no parent folder"))?;
    if fs::canonicalize(parent)? != parent {
        return Err(io::Error::other(format!(
            "its folder {} resolves to another place (a symlink on the way); left untouched",
            parent.display()
        )));
    }
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    ))]
    check_home_trash(path, super::device(&meta), data_dir)?;
    #[cfg(not(all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )))]
    let _ = data_dir;
    trash::delete(path).map_err(trash_error)
}

/// The home trash the `trash` crate uses on freedesktop systems must be where it moves
/// `workspace` by a rename: on its filesystem (the device of the nearest folder of the
/// trash that exists: the rest is created on that filesystem) and, on Linux, in its
/// mount; and it must not be inside `data_dir`.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn check_home_trash(workspace: &Path, workspace_device: u64, data_dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let non_empty = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let home_trash = non_empty("XDG_DATA_HOME")
        .map(|data| PathBuf::from(data).join("Trash"))
        .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".local/share/Trash")))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "no trash: neither XDG_DATA_HOME nor HOME is set",
            )
        })?;
    let mut existing = home_trash.as_path();
    let meta = loop {
        match fs::metadata(existing) {
            Ok(meta) => break meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                existing = existing.parent().ok_or(err)?;
            }
            Err(err) => return Err(err),
        }
    };
    if meta.dev() != workspace_device {
        return Err(io::Error::new(
            io::ErrorKind::CrossesDevices,
            format!(
                "the trash {} is on another filesystem than the workspace, so it would be copied there instead of moved; use delete mode",
                home_trash.display()
            ),
        ));
    }
    // Where the crate puts it: the nearest existing folder resolved, the rest as given.
    let resolved = match home_trash.strip_prefix(existing) {
        Ok(rest) => fs::canonicalize(existing)?.join(rest),
        Err(_) => fs::canonicalize(existing)?,
    };
    if resolved.starts_with(data_dir) {
        return Err(io::Error::other(format!(
            "the trash {} is inside the data directory {}; use delete mode",
            resolved.display(),
            data_dir.display()
        )));
    }
    #[cfg(target_os = "linux")]
    {
        let table = crate::mounts::MountTable::read()?;
        let workspace_mount = table.mount_of(workspace);
        let trash_mount = table.mount_of(&resolved);
        if workspace_mount != trash_mount {
            return Err(io::Error::other(format!(
                "the trash {} is in the mount at {}, the workspace in the one at {}: the trash crate would make a trash folder at {} instead of using it; use delete mode",
                resolved.display(),
                trash_mount.display(),
                workspace_mount.display(),
                workspace_mount.display()
            )));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = workspace;
    Ok(())
}

/// The `trash` crate's error as an I/O error people can read (its own text is a debug dump).
fn trash_error(err: trash::Error) -> io::Error {
    match err {
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        ))]
        trash::Error::FileSystem { path, source } => {
            io::Error::new(source.kind(), format!("{}: {source}", path.display()))
        }
        trash::Error::Unknown { description } => io::Error::other(description),
        trash::Error::Os { code, description } => {
            io::Error::other(format!("{description} (OS error {code})"))
        }
        trash::Error::CouldNotAccess { target } => {
            io::Error::new(io::ErrorKind::NotFound, format!("cannot access {target}"))
        }
        trash::Error::CanonicalizePath { original } => io::Error::new(
            io::ErrorKind::NotFound,
            format!("cannot resolve {}", original.display()),
        ),
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The newest item of the system trash that came from `original`.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn trashed_from(original: &Path) -> io::Result<Option<trash::TrashItem>> {
    let items = trash::os_limited::list().map_err(trash_error)?;
    Ok(items
        .into_iter()
        .filter(|item| item.original_path() == original)
        .max_by_key(|item| item.time_deleted))
}

/// Whether the system trash holds an item that came from `original`.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
pub fn in_system_trash(original: &Path) -> io::Result<bool> {
    Ok(trashed_from(original)?.is_some())
}

/// Moves the newest item the system trash holds from `original` back there, with the
/// `trash` crate (it makes a folder at `original` and renames the item onto it). The
/// caller has checked `original`'s folders and that nothing is there. The trash
/// [`move_to_system_trash`] used is on the workspace's filesystem, so this is a rename;
/// if it fails, the empty folder the crate made is removed again.
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
pub fn restore_from_system_trash(original: &Path) -> io::Result<()> {
    let item = trashed_from(original)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "it is no longer in the trash (emptied, or restored already)",
        )
    })?;
    match trash::os_limited::restore_all([item]) {
        Ok(()) => Ok(()),
        Err(err) => {
            // Only an empty folder goes: whatever else is there stays.
            let _ = fs::remove_dir(original);
            Err(trash_error(err))
        }
    }
}

/// Restoring from the trash is left to the file manager where the `trash` crate
/// cannot list it.
#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
pub fn in_system_trash(_original: &Path) -> io::Result<bool> {
    Ok(false)
}

/// See [`in_system_trash`]: not on this platform.
#[cfg(not(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
)))]
pub fn restore_from_system_trash(_original: &Path) -> io::Result<()> {
    Err(io::Error::other(
        "putting a workspace back from the trash is not supported here: use the file manager's Restore",
    ))
}
