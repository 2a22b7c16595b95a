//! One step of a plan, up to the deletion itself: the re-checks right before it acts, the
//! record change, the container, and the workspace staged (or moved to the trash).

use super::Executor;
use super::report::{log, say};
use super::{Emit, Level, StepOutcome};
use crate::checkpoint::{self, checkpoint};
use crate::policy::{self, Activity, DeleteMode, RecordChange, Step};
use crate::remove::{Remover, StagedIntent, StagedWorkspace, Staging, Trashed, WorkspaceTarget};
use crate::store::legacy;
use crate::store::log_line::janitor_line;
use crate::store::paths;
use crate::store::tasks::{self, StoreError, TaskEdit};
use crate::text;

/// A discard's change to a record: status `discarded`, `finished_at` if it has none,
/// and a log line saying who did it.
pub(super) fn discard_edit() -> TaskEdit {
    TaskEdit {
        status: Some("discarded".into()),
        finished_at_if_unset: Some(crate::store::time::now_iso()),
        append_logs: vec![janitor_line(
            Level::Info,
            "Task discarded by agents-janitor",
        )],
    }
}

/// What a step means for its record, written into the staging name so that the next
/// start can finish the record change a crash cut off.
fn intent(step: &Step, forced: bool) -> StagedIntent {
    match (&step.record, step.record_change) {
        (None, _) | (Some(_), RecordChange::Keep) => StagedIntent::Remove,
        (Some(_), RecordChange::Archive) => StagedIntent::Archive,
        (Some(_), RecordChange::Discard { .. }) if forced => StagedIntent::ForceDiscard,
        (Some(_), RecordChange::Discard { .. }) => StagedIntent::Discard,
    }
}

fn target_of(step: &Step) -> Option<WorkspaceTarget> {
    step.workspace.as_ref().map(|workspace| WorkspaceTarget {
        env_id: workspace.env_id.clone(),
        task_id: workspace.task_id.clone(),
        workspace_type: workspace.workspace_type,
        kind: workspace.kind,
    })
}

impl Executor {
    /// Stages the step's workspace before anything else of the step, under a name that
    /// carries its intent, so that every workspace of a plan leaves its real path at
    /// once. `None` when the step's own order must be kept: no workspace, ids too long
    /// for the name, a record that changed since the plan, a record that appeared for an
    /// orphan, or a workspace staging refuses or cannot find (the step then fails or
    /// reports exactly as it always did, before or without touching its record).
    pub(super) fn stage_first(&self, step: &Step, forced: bool) -> Option<StagedWorkspace> {
        let target = target_of(step)?;
        let intent = intent(step, forced);
        if !Remover::carries_intent(&target, intent) {
            return None;
        }
        match &step.record {
            Some(record) => {
                let fresh = tasks::read_record(record, paths::is_archived_record(record)).ok()?;
                if policy::activity(&fresh, forced) == Activity::MayBeRunning {
                    return None;
                }
            }
            None if tasks::record_exists_for_folder(
                &self.data_dir,
                &target.env_id,
                &target.task_id,
            ) =>
            {
                return None;
            }
            None => {}
        }
        match self.remover.stage_with_intent(&target, intent) {
            Ok(Staging::Staged(staged)) => {
                checkpoint(checkpoint::WORKSPACE_STAGED);
                Some(staged)
            }
            Ok(Staging::Missing(_)) | Err(_) => None,
        }
    }

    /// Puts a workspace [`Executor::stage_first`] staged back at its real path, because
    /// its step stopped before its record change; a failure is logged and leaves it in
    /// staging, where the next start finishes it (record step first).
    fn give_back(&self, staged: Option<StagedWorkspace>, outcome: &mut StepOutcome, emit: Emit) {
        let Some(staged) = staged else {
            return;
        };
        match self.remover.unstage(&staged) {
            Ok(back) => say(
                emit,
                outcome,
                Level::Info,
                &format!("Workspace kept: {}", back.display()),
            ),
            Err(err) => say(
                emit,
                outcome,
                Level::Warn,
                &format!(
                    "{err}: the workspace waits in {} for the next start",
                    staged.staged.display()
                ),
            ),
        }
    }

    /// Everything of a step that comes before the deletion itself. `early` is its
    /// workspace when [`Executor::stage_first`] already staged it: then the record
    /// change comes after the staging rename (and a stop before that change puts the
    /// workspace back).
    pub(super) fn prepare_step(
        &self,
        step: &Step,
        forced: bool,
        is_sweep: bool,
        mode: DeleteMode,
        early: Option<StagedWorkspace>,
        emit: Emit,
    ) -> (StepOutcome, Option<StagedWorkspace>) {
        let mut outcome = StepOutcome {
            task_id: step.task_id.clone(),
            ok: true,
            record: step.record.clone(),
            workspace_removed: false,
            workspace_trashed: false,
            bytes_freed: 0,
            bytes_trashed: 0,
            messages: Vec::new(),
        };
        let fail = |outcome: &mut StepOutcome, message: String| {
            say(emit, outcome, Level::Error, &message);
            outcome.ok = false;
        };
        // The record may have changed since the plan was made: re-read it and ask the
        // plan's own rule again.
        if let Some(record) = &step.record {
            match tasks::read_record(record, paths::is_archived_record(record)) {
                Ok(fresh) if policy::activity(&fresh, forced) == Activity::MayBeRunning => {
                    fail(
                        &mut outcome,
                        format!(
                            "Skipped task {}: it is {} now (changed since the plan was made): {}",
                            step.task_id,
                            fresh.status,
                            record.display()
                        ),
                    );
                    // Agents-Runner owns a running task's file: not even a log line goes in.
                    outcome.record = None;
                    self.give_back(early, &mut outcome, emit);
                    return (outcome, None);
                }
                Ok(_) => {}
                Err(reason) => {
                    fail(
                        &mut outcome,
                        format!(
                            "Skipped task {}: {}: {reason}",
                            step.task_id,
                            record.display()
                        ),
                    );
                    outcome.record = None;
                    self.give_back(early, &mut outcome, emit);
                    return (outcome, None);
                }
            }
        }
        let target = target_of(step);
        // A mount made since the plan refuses the whole step before anything changes;
        // staging checks once more (a mount can still appear in between).
        if let Some(Err(err)) = target.as_ref().map(|target| self.remover.validate(target))
            && err.is_about_mounts()
        {
            fail(&mut outcome, err.to_string());
            outcome.record = None;
            return (outcome, None);
        }
        if let Err(err) = self.change_record(step, &mut outcome, emit) {
            log(emit, Level::Error, format!("[cleanup] ERROR: {err}"));
            outcome.note(Level::Error, &err.to_string());
            outcome.ok = false;
            // The record could not take the change; it is not written to again.
            outcome.record = None;
            self.give_back(early, &mut outcome, emit);
            return (outcome, None);
        }
        if let Some(container) = &step.container_id {
            let removal = self.containers.remove(container);
            let level = if removal.is_ok() {
                Level::Info
            } else {
                Level::Warn
            };
            say(
                emit,
                &mut outcome,
                level,
                &format!("Container {container}: {}", removal.describe()),
            );
            checkpoint(checkpoint::CONTAINER_REMOVED);
        }
        let (Some(workspace), Some(target)) = (&step.workspace, target) else {
            return (outcome, None);
        };
        if step.record.is_none()
            && tasks::record_exists_for_folder(
                &self.data_dir,
                &workspace.env_id,
                &workspace.task_id,
            )
        {
            fail(
                &mut outcome,
                format!(
                    "Skipped {}: a task record for it appeared after the plan was made",
                    workspace.path.display()
                ),
            );
            self.give_back(early, &mut outcome, emit);
            return (outcome, None);
        }
        if is_sweep {
            say(
                emit,
                &mut outcome,
                Level::Info,
                &format!("Removing old task {} ({})", step.task_id, step.reason),
            );
        }
        if early.is_none() && mode == DeleteMode::Trash {
            self.trash_workspace(&target, step.bytes, &mut outcome, emit);
            return (outcome, None);
        }
        say(
            emit,
            &mut outcome,
            Level::Info,
            &format!("Removing task workspace: {}", workspace.path.display()),
        );
        if let Some(staged) = early {
            return (outcome, Some(staged));
        }
        match self.remover.stage(&target) {
            Ok(Staging::Staged(staged)) => {
                checkpoint(checkpoint::WORKSPACE_STAGED);
                (outcome, Some(staged))
            }
            Ok(Staging::Missing(path)) => {
                say(
                    emit,
                    &mut outcome,
                    Level::Info,
                    &format!("Workspace already gone: {}", path.display()),
                );
                outcome.workspace_removed = true;
                (outcome, None)
            }
            Err(err) => {
                fail(&mut outcome, err.to_string());
                (outcome, None)
            }
        }
    }

    /// Moves a step's workspace to the system trash, right away (a rename: nothing is
    /// staged or purged). A failure leaves the workspace where it was and fails the step.
    fn trash_workspace(
        &self,
        target: &WorkspaceTarget,
        bytes: u64,
        outcome: &mut StepOutcome,
        emit: Emit,
    ) {
        match self.remover.trash(target) {
            Ok(Trashed::Moved(path)) => {
                log(
                    emit,
                    Level::Info,
                    format!(
                        "[cleanup] Workspace moved to trash: {} ({}; freed when the trash is emptied)",
                        path.display(),
                        text::bytes(bytes)
                    ),
                );
                outcome.note(
                    Level::Info,
                    &format!(
                        "Workspace moved to trash ({}; freed when the trash is emptied)",
                        text::bytes(bytes)
                    ),
                );
                outcome.workspace_removed = true;
                outcome.workspace_trashed = true;
                outcome.bytes_trashed = bytes;
            }
            Ok(Trashed::Missing(path)) => {
                say(
                    emit,
                    outcome,
                    Level::Info,
                    &format!("Workspace already gone: {}", path.display()),
                );
                outcome.workspace_removed = true;
            }
            Err(err) => {
                log(emit, Level::Error, format!("[cleanup] ERROR: {err}"));
                outcome.note(Level::Error, &err.to_string());
                outcome.ok = false;
            }
        }
    }

    /// Applies the step's record change. The status change of a discard is written
    /// before anything is deleted, so the user's decision survives a crash.
    fn change_record(
        &self,
        step: &Step,
        outcome: &mut StepOutcome,
        emit: Emit,
    ) -> Result<(), StoreError> {
        let Some(record) = &step.record else {
            return Ok(());
        };
        let archive = match step.record_change {
            RecordChange::Keep => false,
            RecordChange::Archive => true,
            RecordChange::Discard { archive } => {
                tasks::edit_record(record, &step.task_id, &discard_edit())?;
                checkpoint(checkpoint::RECORD_WRITTEN);
                log(
                    emit,
                    Level::Info,
                    format!("[cleanup] Discarded task {}", step.task_id),
                );
                archive
            }
        };
        if archive {
            let moved = tasks::archive_record(record)?;
            checkpoint(checkpoint::RECORD_ARCHIVED);
            say(
                emit,
                outcome,
                Level::Info,
                &format!("Archived task {} to {}", step.task_id, moved.display()),
            );
            outcome.record = Some(moved);
        }
        Ok(())
    }

    /// Appends the step's cleanup lines to the task's `logs`, wherever the record is now.
    pub(super) fn append_to_record(&self, outcome: &StepOutcome, emit: Emit) {
        let Some(record) = &outcome.record else {
            return;
        };
        if outcome.messages.is_empty() {
            return;
        }
        if legacy::is_legacy_record(record) {
            log(
                emit,
                Level::Info,
                format!(
                    "[cleanup] {}: a legacy JSON record, read-only: cleanup lines not recorded there",
                    record.display()
                ),
            );
            return;
        }
        let edit = TaskEdit {
            append_logs: outcome.messages.clone(),
            ..TaskEdit::default()
        };
        match tasks::edit_record(record, &outcome.task_id, &edit) {
            Ok(done) if done.logs_appended => {}
            Ok(_) => log(
                emit,
                Level::Warn,
                format!(
                    "[cleanup] {}: `logs` is not a list; cleanup lines not recorded there",
                    record.display()
                ),
            ),
            Err(err) => log(
                emit,
                Level::Warn,
                format!("[cleanup] Could not record cleanup in the task's logs: {err}"),
            ),
        }
    }
}
