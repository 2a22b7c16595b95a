//! "Slim": preparing a [`SlimPlan`] (git lists what it ignores, the entries are sized)
//! and carrying it out under the data-dir lock, through the remover's "inside a
//! workspace" kind. No record is written: the `[cleanup]` lines go to the janitor's log.

use super::execute::Executor;
use super::prepare::size_missing;
use super::report::{log, say};
use super::{Emit, EngineEvent, ExecuteError, Level, Progress, Report, StepOutcome};
use crate::git::{self, DEFAULT_GIT_TIMEOUT};
use crate::lock::DataDirLock;
use crate::policy::{self, Activity, PlanError, SlimInput, SlimPlan, SlimSelection, SlimWorkspace};
use crate::remove::{self, RealFilesystem, Staging, WorkspaceTarget};
use crate::store::paths;
use crate::store::tasks;
use crate::store::{FolderKind, Snapshot, WorkspaceType};
use crate::text;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Asks git what it ignores in the workspaces `selection` names (those on disk), sizes
/// those entries, and builds the plan.
pub fn prepare_slim(
    selection: &SlimSelection,
    snapshot: &Snapshot,
    cancel: &Arc<AtomicBool>,
) -> Result<SlimPlan, PlanError> {
    let workspaces: Vec<PathBuf> = policy::slim_candidates(selection, snapshot)?
        .into_iter()
        .filter_map(|(_, path)| path)
        .filter(|path| path.is_dir())
        .collect();
    let ignored: HashMap<PathBuf, Result<Vec<PathBuf>, String>> = workspaces
        .par_iter()
        .filter(|_| !cancel.load(Ordering::Relaxed))
        .map(|path| {
            let found = git::ignored_entries(path, DEFAULT_GIT_TIMEOUT);
            (path.clone(), found)
        })
        .collect();
    let entries: Vec<PathBuf> = ignored
        .iter()
        .filter_map(|(path, found)| Some((path, found.as_ref().ok()?)))
        .flat_map(|(path, found)| found.iter().map(|entry| path.join(entry)))
        .collect();
    // Git does not look inside an ignored folder: one holding a repository of its own
    // stays out of the plan (the remover refuses it too, right before anything moves).
    let repositories: HashMap<PathBuf, PathBuf> = entries
        .par_iter()
        .filter(|_| !cancel.load(Ordering::Relaxed))
        .filter(|entry| std::fs::symlink_metadata(entry).is_ok_and(|meta| meta.is_dir()))
        .filter_map(|entry| {
            let repository = remove::repository_below(&RealFilesystem, entry).ok()??;
            Some((entry.clone(), repository))
        })
        .collect();
    let entries: Vec<PathBuf> = entries
        .into_iter()
        .filter(|entry| !repositories.contains_key(entry))
        .collect();
    let mut usage = HashMap::new();
    size_missing(&entries, &mut usage, cancel);
    let sizes: HashMap<PathBuf, u64> = usage
        .into_iter()
        .map(|(path, found)| (path, found.disk_bytes))
        .collect();
    policy::slim_plan(
        selection,
        &SlimInput {
            snapshot,
            ignored: &ignored,
            sizes: &sizes,
            repositories: &repositories,
        },
    )
}

impl Executor {
    /// Carries out a slim plan under the data-dir lock: each workspace's task is asked
    /// again whether it may be running, its entries are validated and staged (git asked
    /// again what it ignores), then purged in parallel.
    pub fn slim(&self, plan: &SlimPlan, emit: Emit) -> Result<Report, ExecuteError> {
        let _lock = DataDirLock::acquire(&self.data_dir, "slim")?;
        let total = plan.workspaces.len();
        let mut outcomes = Vec::with_capacity(total);
        let mut cancelled = false;
        for (index, workspace) in plan.workspaces.iter().enumerate() {
            if self.cancel.load(Ordering::Relaxed) {
                cancelled = true;
                break;
            }
            outcomes.push(self.slim_workspace(workspace, emit));
            emit(EngineEvent::Progress(Progress {
                steps_done: index + 1,
                steps_total: total,
                entries_removed: 0,
                bytes_freed: outcomes.iter().map(|o: &StepOutcome| o.bytes_freed).sum(),
            }));
        }
        let report = Report {
            action: "slim",
            steps_ok: outcomes.iter().filter(|o| o.ok).count(),
            steps_failed: outcomes.iter().filter(|o| !o.ok).count(),
            workspaces_removed: 0,
            bytes_freed: outcomes.iter().map(|o| o.bytes_freed).sum(),
            workspaces_trashed: 0,
            bytes_trashed: 0,
            cancelled,
            outcomes,
            // Each workspace's entries are purged before the next one starts; a cancel
            // stops between workspaces, so nothing waits in staging.
            left_in_staging: Vec::new(),
        };
        let level = report.summary_level();
        log(
            emit,
            level,
            format!(
                "[cleanup] slim: {} workspace(s) slimmed, {} failed, {} freed{}",
                report.steps_ok,
                report.steps_failed,
                text::bytes(report.bytes_freed),
                if cancelled { " (cancelled)" } else { "" }
            ),
        );
        Ok(report)
    }

    fn slim_workspace(&self, workspace: &SlimWorkspace, emit: Emit) -> StepOutcome {
        let mut outcome = StepOutcome {
            task_id: workspace.task_id.clone(),
            ok: true,
            record: None,
            workspace_removed: false,
            workspace_trashed: false,
            bytes_freed: 0,
            bytes_trashed: 0,
            messages: Vec::new(),
        };
        // The task may have been restarted since the plan was made.
        let record = &workspace.record;
        match tasks::read_record(record, paths::is_archived_record(record)) {
            Ok(fresh) if policy::activity(&fresh, false) == Activity::MayBeRunning => {
                say(
                    emit,
                    &mut outcome,
                    Level::Error,
                    &format!(
                        "Skipped slimming task {}: it is {} now (changed since the plan was made)",
                        workspace.task_id, fresh.status
                    ),
                );
                outcome.ok = false;
                return outcome;
            }
            Ok(_) => {}
            Err(reason) => {
                say(
                    emit,
                    &mut outcome,
                    Level::Error,
                    &format!(
                        "Skipped slimming task {}: {}: {reason}",
                        workspace.task_id,
                        record.display()
                    ),
                );
                outcome.ok = false;
                return outcome;
            }
        }
        let target = WorkspaceTarget {
            env_id: workspace.env_id.clone(),
            task_id: workspace.task_id.clone(),
            workspace_type: WorkspaceType::Cloned,
            kind: FolderKind::TaskWorkspace,
        };
        let entries: Vec<PathBuf> = workspace.entries.iter().map(|e| e.path.clone()).collect();
        let mut staged = Vec::new();
        for (_, result) in self.remover.stage_inside(&target, &entries) {
            match result {
                Ok(Staging::Staged(moved)) => {
                    log(
                        emit,
                        Level::Info,
                        format!("[cleanup] Slimming {}", moved.original.display()),
                    );
                    staged.push(moved);
                }
                Ok(Staging::Missing(_)) => {}
                Err(err) => {
                    log(emit, Level::Error, format!("[cleanup] ERROR: {err}"));
                    outcome.note(Level::Error, &err.to_string());
                    outcome.ok = false;
                }
            }
        }
        let no_progress = |_: u64, _: u64| {};
        let reports: Vec<_> = staged
            .par_iter()
            .map(|moved| self.remover.purge(&moved.staged, &no_progress))
            .collect();
        for (moved, report) in staged.iter().zip(reports) {
            outcome.bytes_freed += report.bytes_freed;
            if !report.failures.is_empty() {
                outcome.ok = false;
                for failure in report.failures.iter().take(5) {
                    log(
                        emit,
                        Level::Error,
                        format!(
                            "[cleanup] ERROR: Failed to slim {}: {}: {}",
                            moved.original.display(),
                            failure.path.display(),
                            failure.message
                        ),
                    );
                }
            }
        }
        let message = format!(
            "Workspace slimmed: {} ({} freed)",
            workspace.path.display(),
            text::bytes(outcome.bytes_freed)
        );
        say(emit, &mut outcome, Level::Info, &message);
        outcome
    }
}
