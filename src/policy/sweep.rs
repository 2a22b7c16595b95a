//! The age sweep: workspaces whose newest file is older than a given age.

use super::builder::Builder;
use super::{RecordChange, Step, WorkspaceDeletion};
use crate::store::FolderKind;
use crate::store::paths::safe_id;

impl Builder<'_> {
    /// `force_active` lets running tasks' workspaces go; `allow_unsaved`, unsaved git work.
    pub(super) fn sweep(
        &mut self,
        older_than_hours: f64,
        env_id: Option<&str>,
        force_active: bool,
        allow_unsaved: bool,
    ) {
        let snapshot = self.input.snapshot;
        let env_folder = env_id.map(safe_id);
        for dir in &snapshot.workspaces {
            if env_folder
                .as_ref()
                .is_some_and(|wanted| *wanted != dir.env_folder)
            {
                continue;
            }
            if self.planned(&dir.path) {
                continue;
            }
            let label = &dir.task_folder;
            if let Some(reason) = self.only_by_name(dir) {
                self.skip(label, format!("{reason}: never swept"));
                continue;
            }
            let Some(env) = self.deletable_folder(dir) else {
                continue;
            };
            let Some(age_hours) = self.age_hours(dir) else {
                continue;
            };
            if age_hours < older_than_hours {
                continue;
            }
            let record = self.record_of_folder(dir);
            if let Some(task) = record
                && !self.activity_allows(task, force_active)
            {
                continue;
            }
            if !self.unsaved_allows(label, &dir.path, allow_unsaved) {
                continue;
            }
            let task_id = record.map_or(label, |task| &task.task_id);
            if !self.mounts_allow(task_id, &dir.path) {
                continue;
            }
            let (task_id, env_id) = match record {
                Some(task) => (task.task_id.clone(), task.environment_id.clone()),
                None => {
                    self.plan.warnings.push(format!(
                        "workspace {} has no task record",
                        dir.path.display()
                    ));
                    (dir.task_folder.clone(), env.env_id.clone())
                }
            };
            self.push(Step {
                workspace: Some(WorkspaceDeletion {
                    path: dir.path.clone(),
                    env_id: dir.env_folder.clone(),
                    task_id: dir.task_folder.clone(),
                    workspace_type: env.workspace_type,
                    kind: FolderKind::TaskWorkspace,
                }),
                task_id,
                env_id,
                record: record.map(|t| t.file.clone()),
                record_change: RecordChange::Keep,
                container_id: None,
                bytes: self.bytes(&dir.path),
                reason: format!("age: {age_hours:.1}h"),
                git: self.git(&dir.path),
            });
        }
    }
}
