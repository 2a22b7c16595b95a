//! The only code that knows Agents-Runner's files.
//!
//! [`Snapshot::load`] reads a data directory at one moment: `environments.json`
//! ([`environments`]), the task records of `tasks/` and `tasks/done/` ([`tasks`], and
//! the older JSON ones in [`legacy`]; [`record_cache`] spares re-reading the unchanged
//! ones) and the folders under `managed-repos/` ([`WorkspaceDir`], [`Orphan`],
//! [`LegacyCheckout`]). Whatever it cannot use becomes a [`Problem`], never an edit.
//! [`tasks`] also changes records (edit, archive, restore); [`paths`] says where
//! everything lives, [`time`] how dates are written, [`log_line`] what the janitor
//! adds to a record's `logs`, and [`atomic`] how a file is replaced without a torn
//! write. [`footprint`] lists everything else Agents-Runner leaves on disk (artifacts,
//! context files, crash leftovers, ...).

pub mod atomic;
pub mod environments;
pub mod footprint;
pub mod legacy;
pub mod log_line;
pub mod paths;
pub mod record_cache;
mod snapshot;
mod task_loader;
pub mod tasks;
pub mod time;
mod workspaces;

pub use environments::{Environment, WorkspaceType};
pub use record_cache::RecordCache;
pub use snapshot::{OpenError, Snapshot, WorkspaceLocation, check_data_dir};
pub use tasks::{StoreError, TaskEdit, TaskRecord};
pub use workspaces::{FolderKind, LegacyCheckout, Orphan, OrphanKind, WorkspaceDir};

use serde::Serialize;
use std::path::{Path, PathBuf};

/// A file or folder the store could not use, and why. Never rewritten or removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Problem {
    /// The file or folder.
    pub path: PathBuf,
    /// What is wrong with it, for the log and the window.
    pub message: String,
}

impl Problem {
    /// A problem with `path`.
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// A TOML task record's name (hidden files, such as our temp files, are not).
fn is_task_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    !name.starts_with('.') && name.to_ascii_lowercase().ends_with(".toml")
}

/// Whether a file in `tasks/` or `tasks/done/` named `name` is read as a task record:
/// TOML, or a legacy JSON record; never a hidden file (our temp files).
pub fn is_record_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.starts_with('.') && (lower.ends_with(".toml") || lower.ends_with(".json"))
}

/// A task record's path, TOML or legacy JSON.
fn is_record_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| is_record_name(&name.to_string_lossy()))
}

#[cfg(test)]
mod tests;
