//! Archiving finished, finalized tasks (and deleting the workspaces the seed table lets go).

use super::RecordChange;
use super::builder::{Builder, Managed};
use crate::status::StatusClass;

impl Builder<'_> {
    /// Archives every finished, finalized task; its workspace goes too where the seed
    /// table says (done ones with `clean_done`, failed ones without `keep_on_error`).
    pub(super) fn archive(&mut self, keep_on_error: bool, allow_unsaved: bool, clean_done: bool) {
        let input = self.input;
        // Duplicates are older copies of archived records: never acted on.
        for task in input
            .snapshot
            .tasks
            .iter()
            .filter(|t| !t.archived && !t.duplicate)
        {
            if task.legacy {
                self.skip(
                    &task.task_id,
                    format!(
                        "legacy JSON record {}: read-only, never archived (sweep, complete or discard clean its workspace)",
                        task.file.display()
                    ),
                );
                continue;
            }
            let class = task.status_class();
            let (delete_workspace, kept) = match class {
                StatusClass::Active => {
                    self.skip(&task.task_id, format!("still active ({})", task.status));
                    continue;
                }
                StatusClass::Unknown => {
                    self.skip(&task.task_id, format!("unknown status {:?}", task.status));
                    continue;
                }
                StatusClass::Succeeded | StatusClass::Failed if !task.is_finalized() => {
                    self.skip(&task.task_id, "finalization is not done yet");
                    continue;
                }
                StatusClass::Succeeded => {
                    (clean_done, "workspace kept (archive_cleans_done = false)")
                }
                StatusClass::Discarded => (true, ""),
                StatusClass::Failed => (!keep_on_error, "workspace kept for debugging"),
            };
            if !self.agents_runner_allows(task) {
                continue;
            }
            let mut step = self.record_step(task, RecordChange::Archive, "finished: archive");
            match self.managed(task) {
                Managed::Present(path)
                    if delete_workspace && !self.mounts_allow(&task.task_id, &path) =>
                {
                    continue;
                }
                Managed::Present(path) if delete_workspace => {
                    if self.unsaved_allows(&task.task_id, &path, allow_unsaved) {
                        step.reason = format!("{}: archive and delete workspace", task.status);
                        step.bytes = self.bytes(&path);
                        step.workspace = Some(self.deletion(task, path));
                    } else {
                        step.reason =
                            format!("{}: archive, workspace kept (unsaved work)", task.status);
                    }
                }
                Managed::Present(_) => step.reason = format!("{}: archive, {kept}", task.status),
                Managed::Gone | Managed::NotOurs(_) | Managed::None => {
                    step.reason = format!("{}: archive", task.status)
                }
            }
            step.git = step.workspace.as_ref().and_then(|w| self.git(&w.path));
            self.push(step);
        }
    }
}
