//! Runs cleanup: prepares a [`Plan`] (sizes and git states it needs) and carries it
//! out step by step, reporting through [`EngineEvent`]s. Blocking; the worker thread and
//! the CLI both call it.

use crate::agents_runner::{LiveProbe, Probe, RunnerProcess};
use crate::checkpoint::{self, checkpoint};
use crate::container::ContainerRuntime;
use crate::git::{self, GitStatus};
use crate::lock::{DataDirLock, LockError};
use crate::mounts;
use crate::policy::{self, Action, DeleteMode, Plan, PlanError, PlanInput, RecordChange, Step};
use crate::remove::{
    Filesystem, PurgeReport, RealFilesystem, Remover, StagedWorkspace, Staging, Trashed,
    WorkspaceTarget,
};
use crate::scan::{Scanner, Usage};
use crate::store::log_line::janitor_line;
use crate::store::tasks::{self, StoreError, TaskEdit};
use crate::store::{Snapshot, legacy};
use crate::text;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use thiserror::Error;

pub use crate::store::log_line::Level;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub level: Level,
    pub text: String,
}

/// How far a running plan has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub steps_done: usize,
    pub steps_total: usize,
    pub entries_removed: u64,
    pub bytes_freed: u64,
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepOutcome {
    pub task_id: String,
    pub ok: bool,
    /// The record this step changed or logged to, where it is now (it moves when
    /// archived); `None` when the record was left untouched.
    pub record: Option<PathBuf>,
    /// The workspace is gone from its path (deleted, moved to the trash, or already gone).
    pub workspace_removed: bool,
    /// The workspace was moved to the system trash (its space is not freed yet).
    pub workspace_trashed: bool,
    pub bytes_freed: u64,
    /// On-disk bytes moved to the trash: freed when the trash is emptied.
    pub bytes_trashed: u64,
    /// The lines for the task's `logs`, in Agents-Runner's canonical form
    /// (`[cleanup/janitor][INFO] ...`); the janitor's own log says the same as
    /// `[cleanup] ...`.
    pub messages: Vec<String>,
}

impl StepOutcome {
    /// Keeps `message` as a line for the task's record.
    fn note(&mut self, level: Level, message: &str) {
        self.messages.push(janitor_line(level, message));
    }
}

/// The result of running a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub action: &'static str,
    pub steps_ok: usize,
    pub steps_failed: usize,
    /// Workspaces gone from their path, those moved to the trash included.
    pub workspaces_removed: usize,
    pub bytes_freed: u64,
    /// Workspaces moved to the system trash.
    pub workspaces_trashed: usize,
    /// Bytes moved to the trash, freed only when the trash is emptied.
    pub bytes_trashed: u64,
    pub cancelled: bool,
    pub outcomes: Vec<StepOutcome>,
}

impl Report {
    pub fn all_ok(&self) -> bool {
        self.steps_failed == 0 && !self.cancelled
    }
}

/// Everything the engine tells the outside world.
pub type Emit<'a> = &'a (dyn Fn(EngineEvent) + Sync);

#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    Log(LogLine),
    Progress(Progress),
}

/// Minimum time between two progress events while deleting.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// At most this many failed entries are logged per workspace; the rest are counted.
const FAILURES_LOGGED: usize = 20;

fn log(emit: Emit, level: Level, text: String) {
    emit(EngineEvent::Log(LogLine { level, text }));
}

/// Says `message` in the janitor's log (`[cleanup] message`) and keeps it for the
/// task's record (`[cleanup/janitor][LEVEL] message`).
fn say(emit: Emit, outcome: &mut StepOutcome, level: Level, message: &str) {
    log(emit, level, format!("[cleanup] {message}"));
    outcome.note(level, message);
}

/// Sizes `paths` that are not in `usage` yet (a missing folder sizes to zero).
pub fn size_missing(
    paths: &[PathBuf],
    usage: &mut HashMap<PathBuf, Usage>,
    cancel: &Arc<AtomicBool>,
) {
    // Each tree once: a second pass over the same tree would find its hard links
    // already counted and report it smaller.
    let todo: Vec<PathBuf> = paths
        .iter()
        .filter(|p| !usage.contains_key(*p))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let found = Mutex::new(Vec::with_capacity(todo.len()));
    Scanner::new(cancel.clone()).scan_all(&todo, |index, result| {
        if let Ok(mut found) = found.lock() {
            found.push((index, result));
        }
    });
    for (index, result) in found.into_inner().unwrap_or_default() {
        if result.complete {
            usage.insert(todo[index].clone(), result);
        }
    }
}

/// Builds the plan for `action` (see [`prepare_with_runner`]), asking the live process
/// table whether Agents-Runner runs on the data directory.
pub fn prepare(
    action: &Action,
    snapshot: &Snapshot,
    usage: &mut HashMap<PathBuf, Usage>,
    cancel: &Arc<AtomicBool>,
    now: SystemTime,
    delete_mode: DeleteMode,
) -> Result<Plan, PlanError> {
    let runner = LiveProbe.check(&snapshot.data_dir);
    prepare_with_runner(
        action,
        snapshot,
        usage,
        cancel,
        now,
        delete_mode,
        runner.as_ref(),
    )
}

/// Builds the plan for `action`: sizes the workspaces it needs (all of them afresh for
/// a sweep, whose ages come from the scan; every one for quotas and orphans), reads the
/// mount table once (a workspace that is or holds a mount point is refused), asks git
/// about the ones it would delete, then decides. When unsaved work keeps a workspace
/// and the plan picks another instead (quotas), git is asked about that one too, so no
/// workspace is ever planned on an unknown git state. While `agents_runner` runs, no
/// change to an active record is planned. Workspaces go the way `delete_mode` says.
pub fn prepare_with_runner(
    action: &Action,
    snapshot: &Snapshot,
    usage: &mut HashMap<PathBuf, Usage>,
    cancel: &Arc<AtomicBool>,
    now: SystemTime,
    delete_mode: DeleteMode,
    agents_runner: Option<&RunnerProcess>,
) -> Result<Plan, PlanError> {
    let all: Vec<PathBuf> = snapshot
        .workspaces
        .iter()
        .filter(|w| w.is_dir)
        .map(|w| w.path.clone())
        .collect();
    match action {
        // Ages decide what a sweep deletes, so they are measured now, never taken from
        // an earlier scan.
        Action::Sweep { .. } | Action::Scheduled { .. } => {
            for path in &all {
                usage.remove(path);
            }
            size_missing(&all, usage, cancel);
        }
        Action::EnforceQuotas { .. } | Action::DeleteOrphans { .. } => {
            size_missing(&all, usage, cancel)
        }
        _ => {}
    }
    let listed = mounts::listed_under(&snapshot.data_dir);
    let mut git: HashMap<PathBuf, GitStatus> = HashMap::new();
    loop {
        let mut plan = policy::plan(
            action,
            &PlanInput {
                snapshot,
                usage,
                git: &git,
                mount_points: listed.as_ref().ok(),
                now,
                agents_runner,
                delete_mode,
            },
        )?;
        let unknown: Vec<PathBuf> = plan
            .workspace_paths()
            .into_iter()
            .filter(|path| !git.contains_key(path))
            .collect();
        if unknown.is_empty() {
            if let Err(err) = &listed
                && err.kind() != std::io::ErrorKind::Unsupported
            {
                plan.warnings.push(format!(
                    "cannot read the mount table ({err}): only the mount points the sizing found are refused here, and each workspace is checked again before it is removed"
                ));
            }
            return Ok(plan);
        }
        size_missing(&unknown, usage, cancel);
        git.extend(
            unknown
                .par_iter()
                .map(|path| (path.clone(), git::inspect(path, git::DEFAULT_GIT_TIMEOUT)))
                .collect::<Vec<_>>(),
        );
    }
}

/// Why a plan did not start; nothing was changed.
#[derive(Debug, Error)]
pub enum ExecuteError {
    #[error(transparent)]
    Locked(#[from] LockError),
    /// Agents-Runner runs on the data directory and the plan changes a record it may
    /// hold in memory (it started after the plan was made, or archived the task itself).
    #[error("{record}: {message}; nothing was changed", record = record.display())]
    AgentsRunnerRunning { record: PathBuf, message: String },
}

/// Log lines for the plan's refusals that need the user (a workspace that is or holds a
/// mount point: unmount it), so they reach the log, not only the plan.
pub fn mount_point_refusals(plan: &Plan) -> Vec<LogLine> {
    plan.skipped
        .iter()
        .filter(|skipped| skipped.mount_point.is_some())
        .map(|skipped| LogLine {
            level: Level::Error,
            text: format!(
                "[cleanup] ERROR: Refused {}: {}",
                skipped.task_id, skipped.reason
            ),
        })
        .collect()
}

/// Carries out plans against one data directory.
pub struct Executor {
    data_dir: PathBuf,
    remover: Remover,
    containers: ContainerRuntime,
    cancel: Arc<AtomicBool>,
    agents_runner: Arc<dyn Probe>,
}

impl Executor {
    pub fn new(data_dir: &Path, cancel: Arc<AtomicBool>, containers: ContainerRuntime) -> Self {
        Self::with_filesystem(data_dir, cancel, containers, Arc::new(RealFilesystem))
    }

    /// Deletes through `filesystem` (tests pass one that fails or pauses on purpose).
    pub fn with_filesystem(
        data_dir: &Path,
        cancel: Arc<AtomicBool>,
        containers: ContainerRuntime,
        filesystem: Arc<dyn Filesystem>,
    ) -> Self {
        Self {
            data_dir: data_dir.to_path_buf(),
            remover: Remover::with_filesystem(data_dir, cancel.clone(), filesystem),
            containers,
            cancel,
            agents_runner: Arc::new(LiveProbe),
        }
    }

    /// Asks `probe` whether Agents-Runner runs (tests pass a fake).
    pub fn with_agents_runner_probe(mut self, probe: Arc<dyn Probe>) -> Self {
        self.agents_runner = probe;
        self
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Finishes deletes a crash or a cancel left in staging. Needs the lock; a staging
    /// folder that cannot be trusted is logged and left alone.
    pub fn finish_staged(&self, emit: Emit) -> Result<u64, LockError> {
        let _lock = DataDirLock::acquire(&self.data_dir, "finishing interrupted deletes")?;
        let resumed = AtomicU64::new(0);
        let on_progress = |removed: u64, _| {
            checkpoint::counted(
                checkpoint::RESUME_ENTRY,
                resumed.fetch_add(removed, Ordering::Relaxed) + removed,
            );
        };
        let leftovers = match self.remover.finish_staged(&on_progress) {
            Ok(leftovers) => leftovers,
            Err(err) => {
                log(emit, Level::Error, format!("[cleanup] {err}"));
                return Ok(0);
            }
        };
        let mut freed = 0;
        for (path, report) in leftovers {
            log(
                emit,
                Level::Info,
                format!("[cleanup] Finishing interrupted delete: {}", path.display()),
            );
            freed += report.bytes_freed;
            self.log_purge(&path, &report, emit);
        }
        Ok(freed)
    }

    /// Runs `plan` under the data-dir lock. Each step: record change, container,
    /// workspace moved to staging; then every staged workspace is deleted (in
    /// parallel) and the cleanup lines are appended to each task's `logs`.
    ///
    /// Right before the first write, it asks again whether Agents-Runner runs (it may
    /// have started since the plan was made): if so, a plan that changes a record it
    /// may hold (an active one, or one it archived itself while running) is refused
    /// whole, and any other plan runs with its cleanup lines kept out of those records
    /// (they are in the log only).
    pub fn execute(&self, plan: &Plan, emit: Emit) -> Result<Report, ExecuteError> {
        let _lock = DataDirLock::acquire(&self.data_dir, plan.action.verb())?;
        checkpoint(checkpoint::EXECUTE_START);
        let runner = self.agents_runner.check(&self.data_dir);
        if let Some(runner) = &runner
            && let Some(record) = plan
                .steps
                .iter()
                .filter_map(|step| policy::changed_record(&plan.action, step))
                .find(|record| holds(runner, record))
        {
            return Err(ExecuteError::AgentsRunnerRunning {
                record: record.to_path_buf(),
                message: runner.refusal(),
            });
        }
        let total = plan.steps.len();
        let forced = matches!(
            plan.action,
            Action::Discard { force: true, .. }
                | Action::Sweep { force: true, .. }
                | Action::Complete { force: true, .. }
        );
        let is_sweep = matches!(plan.action, Action::Sweep { .. });
        let mut outcomes = Vec::with_capacity(total);
        let mut staged: Vec<(usize, StagedWorkspace)> = Vec::new();
        let mut cancelled = false;
        for (index, step) in plan.steps.iter().enumerate() {
            if self.cancelled() {
                cancelled = true;
                break;
            }
            let (outcome, staging) =
                self.prepare_step(step, forced, is_sweep, plan.delete_mode, emit);
            if let Some(staging) = staging {
                staged.push((outcomes.len(), staging));
            }
            outcomes.push(outcome);
            emit(EngineEvent::Progress(Progress {
                steps_done: index + 1,
                steps_total: total,
                ..Progress::default()
            }));
        }
        let (left_in_staging, entries_removed) =
            self.purge_staged(&staged, &mut outcomes, total, emit);
        checkpoint(checkpoint::PURGED);
        cancelled |= self.cancelled();
        let mut kept_out = 0;
        for outcome in &mut outcomes {
            if let Some(runner) = &runner
                && outcome
                    .record
                    .as_deref()
                    .is_some_and(|record| holds(runner, record))
            {
                outcome.record = None;
                kept_out += usize::from(!outcome.messages.is_empty());
                continue;
            }
            self.append_to_record(outcome, emit);
        }
        if let Some(runner) = runner.as_ref().filter(|_| kept_out > 0) {
            log(
                emit,
                Level::Info,
                format!(
                    "[cleanup] Agents-Runner is running (pid {}): the cleanup lines of {kept_out} task(s) whose records it holds are in this log only",
                    runner.pid
                ),
            );
        }
        checkpoint(checkpoint::RECORDS_LOGGED);
        let report = Report {
            action: plan.action.verb(),
            steps_ok: outcomes.iter().filter(|o| o.ok).count(),
            steps_failed: outcomes.iter().filter(|o| !o.ok).count(),
            workspaces_removed: outcomes.iter().filter(|o| o.workspace_removed).count(),
            bytes_freed: outcomes.iter().map(|o| o.bytes_freed).sum(),
            workspaces_trashed: outcomes.iter().filter(|o| o.workspace_trashed).count(),
            bytes_trashed: outcomes.iter().map(|o| o.bytes_trashed).sum(),
            cancelled,
            outcomes,
        };
        if cancelled {
            log(
                emit,
                Level::Warn,
                format!(
                    "[cleanup] Cancelled after {} of {total} step(s); {left_in_staging} workspace(s) left in staging are finished at the next start",
                    report.outcomes.len()
                ),
            );
        }
        if is_sweep {
            let text = match plan.delete_mode {
                DeleteMode::Delete => format!(
                    "[cleanup] Removed {} old task workspace(s)",
                    report.workspaces_removed
                ),
                DeleteMode::Trash => format!(
                    "[cleanup] Moved {} old task workspace(s) to the trash",
                    report.workspaces_trashed
                ),
            };
            log(emit, Level::Info, text);
        }
        let level = if report.steps_failed > 0 {
            Level::Error
        } else {
            Level::Info
        };
        log(
            emit,
            level,
            format!(
                "[cleanup] {}: {} step(s) done, {} failed, {} freed{}",
                report.action,
                report.steps_ok,
                report.steps_failed,
                text::bytes(report.bytes_freed),
                trashed_summary(&report)
            ),
        );
        emit(EngineEvent::Progress(Progress {
            steps_done: report.outcomes.len(),
            steps_total: total,
            entries_removed,
            bytes_freed: report.bytes_freed,
        }));
        Ok(report)
    }

    /// Deletes the staged workspaces in parallel, with throttled progress, and records
    /// each result in its step's outcome. Returns how many were left in staging by a
    /// cancel, and the number of entries removed.
    fn purge_staged(
        &self,
        staged: &[(usize, StagedWorkspace)],
        outcomes: &mut [StepOutcome],
        total: usize,
        emit: Emit,
    ) -> (usize, u64) {
        let steps_done = outcomes.len();
        let entries = AtomicU64::new(0);
        let bytes = AtomicU64::new(0);
        let last_report = Mutex::new(Instant::now());
        let on_progress = |removed: u64, freed: u64| {
            let entries_removed = entries.fetch_add(removed, Ordering::Relaxed) + removed;
            checkpoint::counted(checkpoint::PURGE_ENTRY, entries_removed);
            let bytes_freed = bytes.fetch_add(freed, Ordering::Relaxed) + freed;
            if let Ok(mut last) = last_report.try_lock()
                && last.elapsed() >= PROGRESS_INTERVAL
            {
                *last = Instant::now();
                emit(EngineEvent::Progress(Progress {
                    steps_done,
                    steps_total: total,
                    entries_removed,
                    bytes_freed,
                }));
            }
        };
        let reports: Vec<PurgeReport> = staged
            .par_iter()
            .map(|(_, workspace)| self.remover.purge(&workspace.staged, &on_progress))
            .collect();
        let mut left_in_staging = 0;
        for ((at, workspace), report) in staged.iter().zip(reports) {
            let outcome = &mut outcomes[*at];
            self.log_purge(&workspace.original, &report, emit);
            outcome.bytes_freed += report.bytes_freed;
            if report.complete {
                outcome.workspace_removed = true;
                outcome.note(
                    Level::Info,
                    &format!(
                        "Workspace cleaned up (freed {})",
                        text::bytes(report.bytes_freed)
                    ),
                );
            } else if report.failures.is_empty() {
                left_in_staging += 1;
                outcome.note(
                    Level::Warn,
                    "Delete cancelled; the rest is finished at the next start",
                );
            } else {
                outcome.ok = false;
                outcome.note(
                    Level::Error,
                    &format!(
                        "Failed to remove task workspace: {} entries could not be deleted",
                        report.failures.len()
                    ),
                );
            }
        }
        (left_in_staging, entries.load(Ordering::Relaxed))
    }

    /// Everything of a step that comes before the deletion itself.
    fn prepare_step(
        &self,
        step: &Step,
        forced: bool,
        is_sweep: bool,
        mode: DeleteMode,
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
        // The record may have changed since the plan was made: re-read it.
        if let Some(record) = &step.record {
            let archived = record
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == crate::store::paths::ARCHIVE_DIR);
            match tasks::read_record(record, archived) {
                Ok(fresh) if !forced && !fresh.status_class().is_finished() => {
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
                    return (outcome, None);
                }
            }
        }
        let target = step.workspace.as_ref().map(|workspace| WorkspaceTarget {
            env_id: workspace.env_id.clone(),
            task_id: workspace.task_id.clone(),
            workspace_type: workspace.workspace_type,
            kind: workspace.kind,
        });
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
        if mode == DeleteMode::Trash {
            self.trash_workspace(&target, step.bytes, &mut outcome, emit);
            return (outcome, None);
        }
        say(
            emit,
            &mut outcome,
            Level::Info,
            &format!("Removing task workspace: {}", workspace.path.display()),
        );
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
                let edit = TaskEdit {
                    status: Some("discarded".into()),
                    finished_at_if_unset: Some(crate::store::time::now_iso()),
                    append_logs: vec![janitor_line(
                        Level::Info,
                        "Task discarded by agents-janitor",
                    )],
                };
                tasks::edit_record(record, &step.task_id, &edit)?;
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
    fn append_to_record(&self, outcome: &StepOutcome, emit: Emit) {
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

    fn log_purge(&self, original: &Path, report: &PurgeReport, emit: Emit) {
        if report.complete {
            log(
                emit,
                Level::Info,
                format!(
                    "[cleanup] Workspace cleaned up: {} ({} freed)",
                    original.display(),
                    text::bytes(report.bytes_freed)
                ),
            );
            return;
        }
        for failure in report.failures.iter().take(FAILURES_LOGGED) {
            log(
                emit,
                Level::Error,
                format!(
                    "[cleanup] ERROR: Failed to remove task workspace: {}: {}",
                    failure.path.display(),
                    failure.message
                ),
            );
        }
        if report.failures.len() > FAILURES_LOGGED {
            log(
                emit,
                Level::Error,
                format!(
                    "[cleanup] ERROR: ... and {} more entries of {} could not be deleted",
                    report.failures.len() - FAILURES_LOGGED,
                    original.display()
                ),
            );
        }
    }
}

/// Whether `runner` may hold `record` in memory (see [`RunnerProcess::may_hold`]); a
/// record whose time cannot be read counts as held.
fn holds(runner: &RunnerProcess, record: &Path) -> bool {
    let modified = std::fs::metadata(record)
        .and_then(|meta| meta.modified())
        .ok();
    runner.may_hold(record, modified)
}

/// `, 2 workspace(s) moved to the trash (5 MB; freed when the trash is emptied)`, or
/// nothing when none was.
fn trashed_summary(report: &Report) -> String {
    if report.workspaces_trashed == 0 {
        return String::new();
    }
    format!(
        ", {} workspace(s) moved to the trash ({}; freed when the trash is emptied)",
        report.workspaces_trashed,
        text::bytes(report.bytes_trashed)
    )
}

/// Why a record could not be restored.
#[derive(Debug, Error)]
pub enum RestoreError {
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Agents-Runner runs on the data directory: a restored record would be an active
    /// record it does not hold, beside the copy it may still hold of the task.
    #[error("{0}")]
    AgentsRunnerRunning(String),
}

/// Un-archives the record of `task_id` (`tasks/done/` back to `tasks/`) under the
/// data-dir lock; see [`tasks::restore_record`]. Refused while `agents_runner` says
/// Agents-Runner runs on the data directory (asked under the lock, right before the
/// move). Returns where the record is now. Either way a `[cleanup]` line says what
/// happened.
pub fn restore(
    data_dir: &Path,
    task_id: &str,
    agents_runner: &dyn Probe,
    emit: Emit,
) -> Result<PathBuf, RestoreError> {
    let restored = DataDirLock::acquire(data_dir, "restore")
        .map_err(RestoreError::from)
        .and_then(|_lock| match agents_runner.check(data_dir) {
            Some(runner) => Err(RestoreError::AgentsRunnerRunning(runner.refusal())),
            None => tasks::restore_record(data_dir, task_id).map_err(RestoreError::from),
        });
    match &restored {
        Ok(path) => log(
            emit,
            Level::Info,
            format!(
                "[cleanup] Restored task {task_id} from the archive: {}",
                path.display()
            ),
        ),
        Err(err) => log(emit, Level::Error, format!("[cleanup] Not restored: {err}")),
    }
    restored
}
