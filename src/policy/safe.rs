//! "Delete safe workspaces": the named tasks' workspaces whose work is provably
//! elsewhere (merged, squash-merged, pushed and clean, or no commits of their own).

use super::RecordChange;
use super::builder::Builder;
use super::plan::PlanError;

impl Builder<'_> {
    /// Deletes the workspaces of the named finished tasks where git shows the work is
    /// safe; any other git state (unpushed, uncommitted, unknown) refuses the task.
    /// Records only get the cleanup lines. A workspace git has not been asked about yet
    /// is planned so the executor asks, then decided on the answer.
    pub(super) fn delete_safe(&mut self, task_ids: &[String]) -> Result<(), PlanError> {
        for task in self.named_tasks(task_ids)? {
            let task_id = &task.task_id;
            if !self.activity_allows(task, false) {
                continue;
            }
            let Some(path) = self.present_workspace(task) else {
                continue;
            };
            let git = self.git(&path);
            let reason = match &git {
                Some(git) if !git.is_safe_to_delete() => {
                    self.refuse(
                        task_id,
                        format!(
                            "workspace kept: not provably safe to delete ({})",
                            git.work().label()
                        ),
                    );
                    continue;
                }
                Some(git) => format!("safe to delete: {}", git.work().label()),
                None => "safe to delete?".to_owned(),
            };
            if !self.mounts_allow(task_id, &path) {
                continue;
            }
            if let Some(git) = git.as_ref().filter(|git| git.has_unsaved_work()) {
                self.plan.warnings.push(format!(
                    "task {task_id}: its {} are {} into the base branch: nothing is lost",
                    git.describe(),
                    git.work().label()
                ));
            }
            let mut step = self.record_step(task, RecordChange::Keep, &reason);
            step.bytes = self.bytes(&path);
            step.git = git;
            step.workspace = Some(self.deletion(task, path));
            self.push(step);
        }
        Ok(())
    }
}
