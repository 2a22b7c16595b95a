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

/// Orphan folders (by path), then legacy checkouts, with what `usage` and `git` know.
pub(crate) fn orphan_rows(
    snapshot: &Snapshot,
    usage: &HashMap<PathBuf, Usage>,
    git: &HashMap<PathBuf, GitStatus>,
) -> Vec<OrphanRow> {
    let unknown = |env_folder: &str, name: &str, path: &Path, kind, is_dir| OrphanRow {
        env_folder: env_folder.to_owned(),
        name: name.to_owned(),
        path: path.to_path_buf(),
        kind,
        is_dir,
        size: None,
        changed: None,
        git: None,
        mount_points: Vec::new(),
    };
    let orphans = snapshot.orphans().into_iter().map(|orphan| {
        let dir = orphan.dir;
        let kind = match orphan.kind {
            OrphanKind::Orphan => OrphanRowKind::Orphan,
            OrphanKind::Backup => OrphanRowKind::Backup {
                of_task: orphan.backup_of.unwrap_or_default().to_owned(),
            },
            OrphanKind::DeletedEnvironment => OrphanRowKind::DeletedEnvironment,
        };
        unknown(
            &dir.env_folder,
            &dir.task_folder,
            &dir.path,
            kind,
            dir.is_dir,
        )
    });
    let legacy = snapshot.legacy_checkouts.iter().map(|checkout| {
        let folder = &checkout.env_folder;
        unknown(
            folder,
            folder,
            &checkout.path,
            OrphanRowKind::LegacyCheckout,
            true,
        )
    });
    let mut rows: Vec<OrphanRow> = orphans.chain(legacy).collect();
    fill_orphan_rows(&mut rows, usage, git);
    rows
}

/// Sizes and git states of orphan rows as far as they are known now (the rows
/// themselves change only with the snapshot; legacy checkouts are never asked git).
pub(crate) fn fill_orphan_rows(
    rows: &mut [OrphanRow],
    usage: &HashMap<PathBuf, Usage>,
    git: &HashMap<PathBuf, GitStatus>,
) {
    for row in rows {
        let sized = usage.get(&row.path);
        row.size = sized.map(|u| u.disk_bytes);
        row.changed = sized.and_then(|u| u.newest_mtime);
        row.mount_points = mount_points(usage, &row.path);
        if row.kind != OrphanRowKind::LegacyCheckout {
            row.git = git.get(&row.path).cloned();
        }
    }
}

fn mount_points(usage: &HashMap<PathBuf, Usage>, path: &Path) -> Vec<PathBuf> {
    usage
        .get(path)
        .map(|usage| usage.mount_points.clone())
        .unwrap_or_default()
}
