//! The only code that deletes files.
//!
//! A workspace is deleted only if it is exactly `<data>/managed-repos/<env>/tasks/<task>`
//! of a cloned environment, with plain ids, no symlink on the way, on the data dir's
//! filesystem, and neither a mount point nor holding one (by mount identity, so a bind
//! mount of a folder on the same filesystem counts; see [`crate::mounts`]): such a
//! workspace is refused before anything moves. Two more shapes the user may delete by
//! name, each checked as strictly: `<task>.bak-<digits>` beside the task folders of a
//! cloned environment, and a folder under `managed-repos/<env>/tasks/` of an environment
//! `environments.json` no longer names (read again right before the delete). It is first
//! renamed into a staging folder (so it vanishes from its real path at once, and a crash
//! never leaves a half-deleted checkout under its real name), then deleted from there
//! (see `walk`, and its design note on why it is not `walkdir`) without ever following a
//! symlink or entering a mount, even when a folder is swapped for a symlink or a mount
//! appears while the walk runs.
//! Leftovers in staging from a crash are finished by [`Remover::finish_staged`].
//!
//! In trash mode ([`Remover::trash`]) the validated workspace is moved to the system
//! trash from its real path, so the trash remembers where it came from and "Restore" in a
//! file manager puts it back (see [`move_to_system_trash`] for what is checked last).
//!
//! One more kind deletes inside a workspace that stays ("Slim", [`Remover::stage_inside`]):
//! only entries git ignores, each an exact path below a validated workspace with no
//! symlink on the way, no mount, never `.git` (nor a folder holding one), asked of git
//! again right before it moves.
//!
//! - `inside`: the "inside a workspace" kind;
//! - `validate`: every rule a folder must pass before anything moves ([`Remover::validate`]);
//! - `stage`: the rename into staging, the purge, and leftovers of a crash;
//! - `staged_name`: the name in staging, which carries the task, the environment and
//!   what was meant for the record ([`StagedName`]);
//! - `trash`: trash mode;
//! - `put_back`: Undo, a workspace moved back out of staging or the trash;
//! - `walk`: the deleting walk over a staged tree;
//! - `leftovers`: the other files and folders of Agents-Runner's footprint (artifacts,
//!   context files, crash leftovers, ...), each in one exact shape ([`LeftoverTarget`]);
//! - `filesystem`: the [`Filesystem`] seam tests inject failures through.

mod filesystem;
mod inside;
mod leftovers;
mod put_back;
mod stage;
mod staged_name;
mod trash;
mod validate;
mod walk;

pub use filesystem::{Filesystem, Operation, RealFilesystem};
pub use inside::repository_below;
pub use leftovers::{LeftoverRemoval, LeftoverTarget};
pub use staged_name::{StagedIntent, StagedName};
pub use trash::{in_system_trash, move_to_system_trash, restore_from_system_trash};

use crate::store::paths;
use crate::store::{FolderKind, WorkspaceType};
use serde::Serialize;
use std::fs::Metadata;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use thiserror::Error;

/// What to delete: a task workspace named by its environment and task ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceTarget {
    /// The environment's folder under `managed-repos/`; only a plain id is accepted.
    pub env_id: String,
    /// The folder name under `tasks/`: a task id, or for a backup `<task>.bak-<digits>`.
    pub task_id: String,
    /// The environment's workspace type, from the store. `TaskWorkspace` and `Backup`
    /// are deleted only when it is `Cloned`; a deleted environment has none.
    pub workspace_type: WorkspaceType,
    /// Which shape of folder this is, and so which rules validate it.
    pub kind: FolderKind,
}

/// Why a workspace was not deleted (or moved to the trash). Nothing of it moved.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RemoveError {
    /// A rule refuses it: not a plain name, not a cloned environment's folder, a symlink,
    /// another filesystem...
    #[error("Refusing to remove non-task directory: {path} ({reason})")]
    Refused {
        /// The folder refused (or the part of its path that broke a rule).
        path: PathBuf,
        /// The rule it broke, for people.
        reason: String,
    },
    /// The OS refused a look or a rename.
    #[error("Failed to remove task workspace: {path}: {message}")]
    Io {
        /// Where it failed.
        path: PathBuf,
        /// The OS's error.
        message: String,
    },
    /// The system trash refused the workspace, or a last check before it did.
    #[error("Failed to move task workspace to the trash: {path}: {message}")]
    Trash {
        /// The workspace, still where it was.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// `path` is, or holds, or lies under the mount point `mount_point`: deleting it
    /// would delete, or fail on, what the mount shows, which is not ours.
    #[error("Refusing to remove {path}: {mount_point} is a mount point: unmount it first")]
    MountPoint {
        /// The folder refused.
        path: PathBuf,
        /// The mount point at, below or above it.
        mount_point: PathBuf,
    },
    /// Whether `path` is, holds or lies under a mount point could not be told (no mount
    /// table to read, say): refused as if it were.
    #[error("Refusing to remove {path}: cannot tell whether {checked} {what}: {message}")]
    MountsUnknown {
        /// The folder refused.
        path: PathBuf,
        /// The folder whose mounts could not be told (it, or one on its way).
        checked: PathBuf,
        /// What could not be told ("is a mount point", "holds a mount point").
        what: &'static str,
        /// The OS's error.
        message: String,
    },
}

impl RemoveError {
    /// A refusal because of a mount point, or because mount points could not be listed.
    pub fn is_about_mounts(&self) -> bool {
        matches!(self, Self::MountPoint { .. } | Self::MountsUnknown { .. })
    }
}

/// One entry that could not be deleted, with the OS's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoveFailure {
    /// The entry (its path in staging).
    pub path: PathBuf,
    /// The OS's error, or why the walk left it alone.
    pub message: String,
}

/// The outcome of deleting one staged tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// On-disk bytes released (files whose last link went, and folders).
    pub bytes_freed: u64,
    /// Files and folders removed.
    pub entries_removed: u64,
    /// Entries left behind, each with its reason.
    pub failures: Vec<RemoveFailure>,
    /// True when the whole tree is gone.
    pub complete: bool,
}

impl PurgeReport {
    fn merged(mut self, other: PurgeReport) -> Self {
        self.bytes_freed += other.bytes_freed;
        self.entries_removed += other.entries_removed;
        self.failures.extend(other.failures);
        self
    }
}

/// A workspace that has left its real path and waits in staging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedWorkspace {
    /// Where it was (for messages).
    pub original: PathBuf,
    /// Where it is now, inside the staging folder; [`Remover::purge`] takes this one.
    pub staged: PathBuf,
}

/// Result of moving a workspace out of the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staging {
    /// Renamed into staging, to be purged.
    Staged(StagedWorkspace),
    /// Nothing at the workspace path: already clean (as the seed counts it, a success).
    Missing(PathBuf),
}

/// Result of moving a workspace to the system trash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trashed {
    /// Moved from this path (the one the trash records as its origin).
    Moved(PathBuf),
    /// Nothing at the workspace path: already clean.
    Missing(PathBuf),
}

/// Progress of a purge: entries and bytes removed since the last report.
pub type ProgressFn<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Validates, stages, purges and trashes workspaces of one data directory: the only
/// code that deletes.
pub struct Remover {
    data_dir: PathBuf,
    /// Agents-Runner's home, canonical ([`Remover::with_runner_home`]).
    runner_home: Option<PathBuf>,
    fs: Arc<dyn Filesystem>,
    cancel: Arc<AtomicBool>,
}

impl Remover {
    /// `data_dir` must be canonical (the store's snapshot resolves it once).
    pub fn new(data_dir: &Path, cancel: Arc<AtomicBool>) -> Self {
        Self::with_filesystem(data_dir, cancel, Arc::new(RealFilesystem))
    }

    /// Like [`Remover::new`], through `fs` (tests pass one that fails on purpose).
    pub fn with_filesystem(
        data_dir: &Path,
        cancel: Arc<AtomicBool>,
        fs: Arc<dyn Filesystem>,
    ) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            runner_home: None,
            fs,
            cancel,
        }
    }

    /// `<data>/managed-repos/.janitor-trash`, where staged workspaces wait to be purged.
    pub fn staging_dir(&self) -> PathBuf {
        paths::staging_dir(&self.data_dir)
    }

    /// `<data>/managed-repos/<env>/tasks/<folder>` with the names as given; only
    /// meaningful once [`Remover::validate`] has checked them.
    fn target_path(&self, target: &WorkspaceTarget) -> PathBuf {
        paths::managed_repos_dir(&self.data_dir)
            .join(&target.env_id)
            .join(paths::TASKS_DIR)
            .join(&target.task_id)
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

fn io_error(path: &Path, err: &io::Error) -> RemoveError {
    RemoveError::Io {
        path: path.to_path_buf(),
        message: err.to_string(),
    }
}

#[cfg(unix)]
fn device(meta: &Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.dev()
}

#[cfg(not(unix))]
fn device(_meta: &Metadata) -> u64 {
    0
}

#[cfg(test)]
mod tests;
