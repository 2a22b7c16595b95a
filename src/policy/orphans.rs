//! Workspace folders no task record points at: orphans, backups and deleted environments' folders.

use super::builder::Builder;
use super::{PlanError, RecordChange, Step, WorkspaceDeletion};
use crate::store::paths::{self, is_exact_safe_id};
use crate::store::{Orphan, OrphanKind, TaskRecord, WorkspaceDir, WorkspaceType};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// An orphan folder younger than this is left alone: Agents-Runner may still be
/// creating its task (the checkout can come before the record).
pub const ORPHAN_MIN_AGE_HOURS: f64 = 1.0;

impl<'a> Builder<'a> {
    /// Deletes the named orphan folders, or every plain orphan when none is named: each
    /// old enough, a real folder of ours, with no unsaved work unless that is allowed.
    pub(super) fn delete_orphans(
        &mut self,
        paths: &[PathBuf],
        allow_unsaved: bool,
    ) -> Result<(), PlanError> {
        let orphans = self.input.snapshot.orphans();
        let chosen: Vec<Orphan> = if paths.is_empty() {
            // "All orphans" never takes what only the user may name.
            for orphan in orphans.iter().filter(|o| o.kind.only_by_name()) {
                if let Some(reason) = self.only_by_name(orphan.dir) {
                    self.skip(&orphan.dir.task_folder, reason);
                }
            }
            orphans
                .into_iter()
                .filter(|o| !o.kind.only_by_name())
                .collect()
        } else {
            let by_path: HashMap<&Path, Orphan> = orphans
                .iter()
                .map(|orphan| (orphan.dir.path.as_path(), *orphan))
                .collect();
            paths
                .iter()
                .map(|path| {
                    by_path
                        .get(path.as_path())
                        .copied()
                        .ok_or_else(|| PlanError::NotAnOrphan(path.clone()))
                })
                .collect::<Result<_, _>>()?
        };
        for orphan in chosen {
            let dir = orphan.dir;
            let label = &dir.task_folder;
            let (env_id, workspace_type, record) = match orphan.kind {
                OrphanKind::Orphan | OrphanKind::Backup => {
                    let Some(env) = self.deletable_folder(dir) else {
                        continue;
                    };
                    (env.env_id.clone(), env.workspace_type, None)
                }
                OrphanKind::DeletedEnvironment => {
                    let Some(record) = self.deleted_environment_folder_allows(dir) else {
                        continue;
                    };
                    (dir.env_folder.clone(), WorkspaceType::None, record)
                }
            };
            let Some(age_hours) = self.age_hours(dir) else {
                continue;
            };
            if age_hours < ORPHAN_MIN_AGE_HOURS {
                self.skip(
                    label,
                    format!(
                        "{} changed {:.0} minutes ago: it may be a task Agents-Runner is still creating",
                        dir.path.display(),
                        age_hours * 60.0
                    ),
                );
                continue;
            }
            if !self.unsaved_allows(label, &dir.path, allow_unsaved)
                || !self.mounts_allow(label, &dir.path)
            {
                continue;
            }
            let what = match (orphan.kind, orphan.backup_of) {
                (OrphanKind::Orphan, _) => "orphan (no task record)".to_owned(),
                (OrphanKind::Backup, task) => format!(
                    "backup of task {} moved aside by Agents-Runner",
                    task.unwrap_or_default()
                ),
                (OrphanKind::DeletedEnvironment, _) => {
                    format!("folder of deleted environment {}", dir.env_folder)
                }
            };
            self.push(Step {
                task_id: record.map_or_else(|| label.clone(), |task| task.task_id.clone()),
                env_id,
                // Re-read before the delete: a task still running keeps its folder.
                record: record.map(|task| task.file.clone()),
                record_change: RecordChange::Keep,
                workspace: Some(WorkspaceDeletion {
                    path: dir.path.clone(),
                    env_id: dir.env_folder.clone(),
                    task_id: dir.task_folder.clone(),
                    workspace_type,
                    kind: orphan.kind.folder_kind(),
                }),
                container_id: None,
                bytes: self.bytes(&dir.path),
                reason: format!("{what}, age {age_hours:.1}h"),
                git: self.git(&dir.path),
            });
        }
        Ok(())
    }

    /// A deleted environment's folder may go when it is a real folder with plain names
    /// and no record of it says its task is still running; otherwise refused. Returns
    /// the folder's record, if it has one, when it may go.
    fn deleted_environment_folder_allows(
        &mut self,
        dir: &WorkspaceDir,
    ) -> Option<Option<&'a TaskRecord>> {
        let label = &dir.task_folder;
        if !self.real_folder_allows(dir) {
            return None;
        }
        let plain = is_exact_safe_id(&dir.env_folder)
            && (is_exact_safe_id(label) || paths::backup_task_folder(label).is_some());
        if !plain {
            self.refuse(
                label,
                format!(
                    "{}: not a plain folder name, left alone",
                    dir.path.display()
                ),
            );
            return None;
        }
        let record = self.record_of_folder(dir);
        match record {
            Some(task) if !self.activity_allows(task, false) => None,
            _ => Some(record),
        }
    }
}
