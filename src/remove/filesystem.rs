//! The [`Filesystem`] seam: the calls validation, staging and the walk make, which tests
//! override to inject the failures root cannot otherwise provoke.

use super::{in_system_trash, move_to_system_trash, restore_from_system_trash};
use crate::mounts;
use std::fs::{self, Metadata};
use std::io;
use std::path::{Path, PathBuf};

/// A step of the deleting walk, announced to [`Filesystem::before`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Opening a folder to list it.
    ListDir,
    /// Unlinking a file, a symlink or another non-folder.
    RemoveFile,
    /// Removing an emptied folder.
    RemoveDir,
    /// Giving the owner rwx on a folder (read-only git packs, `chmod -R a-w` trees).
    MakeWritable,
}

/// The filesystem calls of validation and staging, and a hook before every step of
/// the deleting walk: a seam through which tests inject the failures (permission
/// denied, busy files) that root cannot otherwise provoke. Every method defaults to the
/// real filesystem, so a test overrides only the calls it makes fail.
pub trait Filesystem: Send + Sync {
    /// An entry's own metadata (`lstat`: a symlink is not followed).
    fn symlink_metadata(&self, path: &Path) -> io::Result<Metadata> {
        fs::symlink_metadata(path)
    }
    /// The entries of a folder.
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        fs::read_dir(dir)?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect()
    }
    /// Renames an entry (the move into staging).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }
    /// Deletes a file (a validated leftover).
    fn remove_file(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }
    /// Creates a folder and its parents (the staging folder).
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        fs::create_dir_all(path)
    }
    /// Called before the walk does `operation` on `path`; an error stands in for the
    /// OS's answer.
    fn before(&self, _operation: Operation, _path: &Path) -> io::Result<()> {
        Ok(())
    }
    /// Whether `path` is the root of a mount ([`mounts::is_mount_point`]).
    fn is_mount_point(&self, path: &Path) -> io::Result<bool> {
        mounts::is_mount_point(path)
    }
    /// Every mount point at or below `path` ([`mounts::mount_points_under`]; none can be
    /// listed off Linux).
    fn mount_points_under(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        mounts::mount_points_under(path)
    }
    /// Moves a validated workspace of `data_dir` to the system trash
    /// ([`move_to_system_trash`]).
    fn trash(&self, path: &Path, data_dir: &Path) -> io::Result<()> {
        move_to_system_trash(path, data_dir)
    }
    /// Moves the newest item the system trash holds from `original` back there
    /// ([`restore_from_system_trash`]).
    fn untrash(&self, original: &Path) -> io::Result<()> {
        restore_from_system_trash(original)
    }
    /// Whether the system trash holds an item from `original` ([`in_system_trash`]).
    fn in_trash(&self, original: &Path) -> io::Result<bool> {
        in_system_trash(original)
    }
}

/// The real filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFilesystem;

impl Filesystem for RealFilesystem {}
