//! Undo of a change: each workspace it moved to staging (a cancelled delete) or to the
//! system trash is put back at its path through [`crate::remove`], with the checks a
//! delete has; then the record it archived is moved back to `tasks/`, as Restore does,
//! and a discarded task gets its status back.

use super::report::log;
use super::{Emit, ExecuteError, Executor, Level};
use crate::lock::DataDirLock;
use crate::remove::WorkspaceTarget;
use crate::store::log_line::janitor_line;
use crate::store::{paths, tasks};
use serde::Serialize;
use std::path::PathBuf;

/// Where a workspace waits to be put back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PutBackFrom {
    /// At this path in the staging folder (a cancel stopped its delete).
    Staging(PathBuf),
    /// In the system trash (trash mode).
    Trash,
}

/// A workspace to put back, named as the remover needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutBack {
    /// Its place: the task folder of a cloned environment.
    pub target: WorkspaceTarget,
    /// Where it is now.
    pub from: PutBackFrom,
}

/// What Undo puts back of one step of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoItem {
    /// The step's task id.
    pub task_id: String,
    /// Its workspace, if the change moved it away.
    pub workspace: Option<PutBack>,
    /// The change archived the record: it goes back to `tasks/` (once the workspace,
    /// if any, is back).
    pub restore_record: bool,
    /// The change marked the task discarded: its status before, put back in the record
    /// (once the record is back).
    pub status_before: Option<String>,
}

/// How one item went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UndoOutcome {
    /// The step's task id.
    pub task_id: String,
    /// Where the workspace is again, if it was put back.
    pub workspace: Option<PathBuf>,
    /// Where the record is again, if it was restored.
    pub record: Option<PathBuf>,
    /// What went wrong, if anything (what was put back before it stays back).
    pub error: Option<String>,
}

impl Executor {
    /// Puts back what `items` name, under the data-dir lock. Refused whole, changing
    /// nothing, while Agents-Runner runs on the data directory and a record would be
    /// restored or changed (it would not know the record, as with Restore, or would
    /// write its own copy over the change).
    pub fn undo(&self, items: &[UndoItem], emit: Emit) -> Result<Vec<UndoOutcome>, ExecuteError> {
        let _lock = DataDirLock::acquire(&self.data_dir, "undo")?;
        if let Some(runner) = self.agents_runner.check(&self.data_dir)
            && let Some(item) = items
                .iter()
                .find(|item| item.restore_record || item.status_before.is_some())
        {
            return Err(ExecuteError::AgentsRunnerRunning {
                record: paths::archived_tasks_dir(&self.data_dir)
                    .join(format!("{}.toml", item.task_id)),
                message: runner.refusal(),
            });
        }
        Ok(items.iter().map(|item| self.undo_one(item, emit)).collect())
    }

    fn undo_one(&self, item: &UndoItem, emit: Emit) -> UndoOutcome {
        let mut outcome = UndoOutcome {
            task_id: item.task_id.clone(),
            workspace: None,
            record: None,
            error: None,
        };
        if let Some(put_back) = &item.workspace {
            let moved = match &put_back.from {
                PutBackFrom::Staging(staged) => self.remover.unstage_to(staged, &put_back.target),
                PutBackFrom::Trash => self.remover.untrash(&put_back.target),
            };
            match moved {
                Ok(path) => {
                    log(
                        emit,
                        Level::Info,
                        format!(
                            "[cleanup] Undo: workspace of task {} put back: {}",
                            item.task_id,
                            path.display()
                        ),
                    );
                    outcome.workspace = Some(path);
                }
                Err(err) => {
                    log(emit, Level::Error, format!("[cleanup] Undo: {err}"));
                    outcome.error = Some(err.to_string());
                    // Its record stays archived: a task is put back whole or not at all.
                    return outcome;
                }
            }
        }
        if item.restore_record {
            match tasks::restore_record(&self.data_dir, &item.task_id) {
                Ok(path) => {
                    log(
                        emit,
                        Level::Info,
                        format!(
                            "[cleanup] Undo: restored task {} from the archive: {}",
                            item.task_id,
                            path.display()
                        ),
                    );
                    outcome.record = Some(path);
                }
                Err(err) => {
                    log(
                        emit,
                        Level::Error,
                        format!("[cleanup] Undo: not restored: {err}"),
                    );
                    outcome.error = Some(err.to_string());
                    return outcome;
                }
            }
        }
        if let Some(status) = &item.status_before {
            self.put_status_back(item, status, &mut outcome, emit);
        }
        outcome
    }

    /// Writes `status` back into the task's active record (a discard had marked it
    /// discarded), with a line saying so in its `logs`.
    fn put_status_back(
        &self,
        item: &UndoItem,
        status: &str,
        outcome: &mut UndoOutcome,
        emit: Emit,
    ) {
        let record = outcome.record.clone().unwrap_or_else(|| {
            paths::active_tasks_dir(&self.data_dir).join(format!("{}.toml", item.task_id))
        });
        let edit = tasks::TaskEdit {
            status: Some(status.to_owned()),
            append_logs: vec![janitor_line(
                Level::Info,
                &format!("Discard undone by agents-janitor: status {status} again"),
            )],
            ..tasks::TaskEdit::default()
        };
        match tasks::edit_record(&record, &item.task_id, &edit) {
            Ok(_) => {
                log(
                    emit,
                    Level::Info,
                    format!(
                        "[cleanup] Undo: task {} is {status} again: {}",
                        item.task_id,
                        record.display()
                    ),
                );
                outcome.record = Some(record);
            }
            Err(err) => {
                log(
                    emit,
                    Level::Error,
                    format!(
                        "[cleanup] Undo: status of task {} not put back: {err}",
                        item.task_id
                    ),
                );
                outcome.error = Some(format!("its status stays discarded: {err}"));
            }
        }
    }
}
