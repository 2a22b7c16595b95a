//! Actions on tasks the user names: discard and completion cleanup.

use super::builder::{Builder, Managed};
use super::{PlanError, RecordChange};
use crate::status::StatusClass;

impl Builder<'_> {
    /// Discards the named tasks: status `discarded` and archived (a legacy record keeps
    /// both), container and workspace removed.
    pub(super) fn discard(&mut self, task_ids: &[String], force: bool) -> Result<(), PlanError> {
        for task in self.named_tasks(task_ids)? {
            if !self.agents_runner_allows(task) || !self.activity_allows(task, force) {
                continue;
            }
            let already = task.status_class() == StatusClass::Discarded;
            let change = match (already, task.archived) {
                // Read-only: its status stays, only its workspace and container go.
                _ if task.legacy => {
                    self.plan.warnings.push(format!(
                        "task {}: legacy JSON record {} is read-only: its status is not changed and it is not archived; its workspace and container are removed",
                        task.task_id,
                        task.file.display()
                    ));
                    RecordChange::Keep
                }
                (true, true) => RecordChange::Keep,
                (true, false) => RecordChange::Archive,
                (false, archived) => RecordChange::Discard { archive: !archived },
            };
            let mut step = self.record_step(task, change, "discard");
            step.container_id = task.container_id.clone();
            match self.managed(task) {
                Managed::Present(path) if !self.mounts_allow(&task.task_id, &path) => continue,
                Managed::Present(path) => {
                    self.unsaved_allows(&task.task_id, &path, true);
                    step.bytes = self.bytes(&path);
                    step.git = self.git(&path);
                    step.workspace = Some(self.deletion(task, path));
                }
                Managed::Gone | Managed::None => {}
                Managed::NotOurs(reason) => {
                    self.plan
                        .warnings
                        .push(format!("task {}: {reason}", task.task_id));
                }
            }
            if change == RecordChange::Keep
                && step.workspace.is_none()
                && step.container_id.is_none()
            {
                self.skip(&task.task_id, "already discarded and archived");
                continue;
            }
            self.push(step);
        }
        Ok(())
    }

    /// Deletes the workspaces of the named tasks that finished, keeping failed ones
    /// with `keep_on_error`; records only get the cleanup lines.
    pub(super) fn complete(
        &mut self,
        task_ids: &[String],
        keep_on_error: bool,
        force: bool,
    ) -> Result<(), PlanError> {
        for task in self.named_tasks(task_ids)? {
            let task_id = &task.task_id;
            if !self.agents_runner_allows(task) || !self.activity_allows(task, force) {
                continue;
            }
            if keep_on_error && task.status_class() == StatusClass::Failed {
                self.skip(
                    task_id,
                    format!(
                        "{}: workspace kept for debugging (keep_on_error)",
                        task.status
                    ),
                );
                continue;
            }
            let Some(path) = self.present_workspace(task) else {
                continue;
            };
            if !self.unsaved_allows(task_id, &path, force) || !self.mounts_allow(task_id, &path) {
                continue;
            }
            let mut step = self.record_step(
                task,
                RecordChange::Keep,
                &format!("{}: completion cleanup", task.status),
            );
            step.bytes = self.bytes(&path);
            step.git = self.git(&path);
            step.workspace = Some(self.deletion(task, path));
            self.push(step);
        }
        Ok(())
    }
}
