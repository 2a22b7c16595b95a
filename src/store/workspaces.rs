//! The folders under `managed-repos/`: task workspaces, the checkouts older
//! Agents-Runner versions kept directly in an environment's folder, and which folders
//! no task record claims (orphans, backups, deleted environments' folders).

use super::{Problem, Snapshot, paths};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A folder found under `managed-repos/<env>/tasks/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceDir {
    /// The `<env>` folder name (a safe id).
    pub env_folder: String,
    /// The `<task>` folder name (a safe id).
    pub task_folder: String,
    /// The entry's path under the data directory.
    pub path: PathBuf,
    /// False for a file or a symlink where a folder was expected.
    pub is_dir: bool,
}

/// A git checkout at `managed-repos/<env>/` itself, from before per-task workspaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegacyCheckout {
    /// The `<env>` folder name.
    pub env_folder: String,
    /// `managed-repos/<env>/`.
    pub path: PathBuf,
    /// Its top-level entries except `tasks/` (what sizing it means).
    pub entries: Vec<PathBuf>,
}

/// What a folder under `managed-repos/<env>/tasks/` that no task record claims is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrphanKind {
    /// A task folder of an existing environment that no record points at.
    Orphan,
    /// `<task>.bak-<nanoseconds>`: a folder Agents-Runner moved aside (wrong repo, or
    /// no repo) and never deletes. Only the user deletes it.
    Backup,
    /// Any folder of an environment that is no longer in `environments.json`
    /// (Agents-Runner leaves them when it deletes one). Only the user deletes it.
    DeletedEnvironment,
}

impl OrphanKind {
    /// Whether only a deletion the user asks for by name may take it (never a sweep,
    /// a quota, the schedule or "delete all orphans").
    pub fn only_by_name(self) -> bool {
        !matches!(self, Self::Orphan)
    }

    /// The folder kind the remover validates it as.
    pub fn folder_kind(self) -> FolderKind {
        match self {
            Self::Orphan => FolderKind::TaskWorkspace,
            Self::Backup => FolderKind::Backup,
            Self::DeletedEnvironment => FolderKind::DeletedEnvironment,
        }
    }
}

/// The shapes of folder the remover may delete, each validated by its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderKind {
    /// `managed-repos/<env>/tasks/<task>` of a cloned environment.
    TaskWorkspace,
    /// `managed-repos/<env>/tasks/<task>.bak-<digits>` of a cloned environment.
    Backup,
    /// `managed-repos/<env>/tasks/<task>` (or a backup) of an environment that is not
    /// in `environments.json`.
    DeletedEnvironment,
}

/// A folder no task record claims, and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orphan<'a> {
    /// The folder, as listed in the snapshot.
    pub dir: &'a WorkspaceDir,
    /// Which kind of unclaimed folder it is, which decides who may delete it.
    pub kind: OrphanKind,
    /// For a backup, the task folder it was moved aside from.
    pub backup_of: Option<&'a str>,
}

impl Snapshot {
    /// Folders no task record (active, archived or legacy) points at: orphans and
    /// backups of existing environments, then every folder of a deleted environment
    /// (records or not: its environment is gone), in path order. None while the
    /// archived records are still being read ([`Snapshot::archived_records_pending`]).
    pub fn orphans(&self) -> Vec<Orphan<'_>> {
        if self.archived_records_pending {
            return Vec::new();
        }
        let records = self.records_by_folder();
        let mut deleted: HashMap<&str, bool> = HashMap::new();
        self.workspaces
            .iter()
            .filter_map(|dir| {
                let backup_of = paths::backup_task_folder(&dir.task_folder);
                let gone = *deleted
                    .entry(dir.env_folder.as_str())
                    .or_insert_with(|| self.is_deleted_environment_folder(&dir.env_folder));
                let kind = if gone {
                    OrphanKind::DeletedEnvironment
                } else if records.contains_key(&(dir.env_folder.clone(), dir.task_folder.clone())) {
                    return None;
                } else if backup_of.is_some() {
                    OrphanKind::Backup
                } else {
                    OrphanKind::Orphan
                };
                Some(Orphan {
                    dir,
                    kind,
                    backup_of,
                })
            })
            .collect()
    }
}

/// Lists `managed-repos/<env>/tasks/<task>` entries (the staging folder excluded), and
/// the env folders that are checkouts themselves.
pub(super) fn list_workspaces(
    data_dir: &Path,
    problems: &mut Vec<Problem>,
) -> (Vec<WorkspaceDir>, Vec<LegacyCheckout>) {
    const SYMLINK: &str = "is a symlink: not followed; the workspaces behind it are never touched";
    let managed = paths::managed_repos_dir(data_dir);
    let mut found = Vec::new();
    let mut legacy = Vec::new();
    match managed.symlink_metadata() {
        Ok(meta) if meta.file_type().is_symlink() => {
            problems.push(Problem::new(&managed, SYMLINK));
            return (found, legacy);
        }
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return (found, legacy),
        Err(err) => {
            problems.push(Problem::new(&managed, format!("cannot read: {err}")));
            return (found, legacy);
        }
    }
    let env_entries = match std::fs::read_dir(&managed) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push(Problem::new(
                &managed,
                format!("cannot list workspaces: {err}"),
            ));
            return (found, legacy);
        }
    };
    for env_entry in env_entries.filter_map(Result::ok) {
        let env_folder = env_entry.file_name().to_string_lossy().into_owned();
        let env_type = env_entry.file_type().ok();
        if env_type.is_some_and(|t| t.is_symlink()) {
            problems.push(Problem::new(&env_entry.path(), SYMLINK));
            continue;
        }
        if env_folder == paths::STAGING || !env_type.is_some_and(|t| t.is_dir()) {
            continue;
        }
        if let Some(checkout) = legacy_checkout(&env_entry.path(), &env_folder) {
            legacy.push(checkout);
        }
        let tasks_dir = env_entry.path().join(paths::TASKS_DIR);
        let Ok(tasks_meta) = tasks_dir.symlink_metadata() else {
            continue;
        };
        if tasks_meta.file_type().is_symlink() {
            problems.push(Problem::new(&tasks_dir, SYMLINK));
            continue;
        }
        if !tasks_meta.is_dir() {
            problems.push(Problem::new(
                &tasks_dir,
                "expected a folder of task workspaces",
            ));
            continue;
        }
        let task_entries = match std::fs::read_dir(&tasks_dir) {
            Ok(entries) => entries,
            Err(err) => {
                problems.push(Problem::new(
                    &tasks_dir,
                    format!("cannot list workspaces: {err}"),
                ));
                continue;
            }
        };
        for task_entry in task_entries.filter_map(Result::ok) {
            let is_dir = task_entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            found.push(WorkspaceDir {
                env_folder: env_folder.clone(),
                task_folder: task_entry.file_name().to_string_lossy().into_owned(),
                path: task_entry.path(),
                is_dir,
            });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    legacy.sort_by(|a, b| a.path.cmp(&b.path));
    (found, legacy)
}

/// `managed-repos/<env>/` as a checkout of its own: it has a `.git` entry.
fn legacy_checkout(env_dir: &Path, env_folder: &str) -> Option<LegacyCheckout> {
    env_dir.join(".git").symlink_metadata().ok()?;
    let entries = std::fs::read_dir(env_dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name() != paths::TASKS_DIR)
        .map(|entry| entry.path())
        .collect();
    Some(LegacyCheckout {
        env_folder: env_folder.to_owned(),
        path: env_dir.to_path_buf(),
        entries,
    })
}
