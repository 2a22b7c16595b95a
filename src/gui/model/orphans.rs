//! The Orphans tab's rows: folders no task record points at, and legacy checkouts.

use crate::git::GitStatus;
use crate::scan::Usage;
use crate::store::{OrphanKind, Snapshot};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What an Orphans row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrphanRowKind {
    /// A task folder no record points at.
    Orphan,
    /// `<task>.bak-<ns>`, moved aside by Agents-Runner: deleted only when ticked.
    Backup {
        /// The task whose folder this was.
        of_task: String,
    },
    /// A folder of an environment gone from `environments.json`: deleted only when ticked.
    DeletedEnvironment,
    /// A checkout at `managed-repos/<env>/` itself: shown, never deleted.
    LegacyCheckout,
}

impl OrphanRowKind {
    /// Whether the janitor deletes such a folder (when ticked, or as an orphan with
    /// "Delete all orphans"); a legacy checkout is only shown.
    pub fn deletable(&self) -> bool {
        *self != Self::LegacyCheckout
    }

    /// What the view says in its Kind column.
    pub fn label(&self) -> String {
        match self {
            Self::Orphan => "orphan".to_owned(),
            Self::Backup { of_task } => format!("backup of {of_task}"),
            Self::DeletedEnvironment => "deleted environment".to_owned(),
            Self::LegacyCheckout => "legacy checkout".to_owned(),
        }
    }
}

/// A folder no task record points at, or a legacy checkout, as the Orphans view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrphanRow {
    /// The environment's folder under `managed-repos/`.
    pub env_folder: String,
    /// The task folder name, or the env folder for a legacy checkout.
    pub name: String,
    /// The folder.
    pub path: PathBuf,
    /// What it is, and so whether it is deleted.
    pub kind: OrphanRowKind,
    /// False for a file or symlink where a folder was expected.
    pub is_dir: bool,
    /// Bytes on disk once sized.
    pub size: Option<u64>,
    /// The newest modification time inside it, once sized.
    pub changed: Option<SystemTime>,
    /// Its git state, once asked (legacy checkouts are not asked).
    pub git: Option<GitStatus>,
    /// Mount points at or below the folder (not counted in `size`).
    pub mount_points: Vec<PathBuf>,
}

/// Orphan folders (by path), then legacy checkouts.
pub(crate) fn orphan_rows(
    snapshot: &Snapshot,
    usage: &HashMap<PathBuf, Usage>,
    git: &HashMap<PathBuf, GitStatus>,
) -> Vec<OrphanRow> {
    let orphans = snapshot.orphans().into_iter().map(|orphan| {
        let dir = orphan.dir;
        OrphanRow {
            env_folder: dir.env_folder.clone(),
            name: dir.task_folder.clone(),
            path: dir.path.clone(),
            kind: match orphan.kind {
                OrphanKind::Orphan => OrphanRowKind::Orphan,
                OrphanKind::Backup => OrphanRowKind::Backup {
                    of_task: orphan.backup_of.unwrap_or_default().to_owned(),
                },
                OrphanKind::DeletedEnvironment => OrphanRowKind::DeletedEnvironment,
            },
            is_dir: dir.is_dir,
            size: usage.get(&dir.path).map(|u| u.disk_bytes),
            changed: usage.get(&dir.path).and_then(|u| u.newest_mtime),
            git: git.get(&dir.path).cloned(),
            mount_points: mount_points(usage, &dir.path),
        }
    });
    let legacy = snapshot.legacy_checkouts.iter().map(|checkout| OrphanRow {
        env_folder: checkout.env_folder.clone(),
        name: checkout.env_folder.clone(),
        path: checkout.path.clone(),
        kind: OrphanRowKind::LegacyCheckout,
        is_dir: true,
        size: usage.get(&checkout.path).map(|u| u.disk_bytes),
        changed: usage.get(&checkout.path).and_then(|u| u.newest_mtime),
        git: None,
        mount_points: mount_points(usage, &checkout.path),
    });
    orphans.chain(legacy).collect()
}

fn mount_points(usage: &HashMap<PathBuf, Usage>, path: &Path) -> Vec<PathBuf> {
    usage
        .get(path)
        .map(|usage| usage.mount_points.clone())
        .unwrap_or_default()
}
