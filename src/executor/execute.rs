//! The [`Executor`]: carries a plan out under the data-dir lock, step by step, then deletes
//! the staged workspaces in parallel and appends the cleanup lines to each task's record.

use super::parallel;
use super::report::log;
use super::{Emit, EngineEvent, LeftInStaging, Level, Progress, Report, StepOutcome};
use crate::agents_runner::{LiveProbe, Probe, RunnerProcess};
use crate::checkpoint::{self, checkpoint};
use crate::container::ContainerRuntime;
use crate::lock::{DataDirLock, LockError};
use crate::policy::{self, Action, DeleteMode, Plan};
use crate::remove::{Filesystem, PurgeReport, RealFilesystem, Remover, StagedWorkspace};
use crate::text;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;

/// Minimum time between two progress events while deleting.
pub(super) const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// At most this many failed entries are logged per workspace; the rest are counted.
const FAILURES_LOGGED: usize = 20;

/// Why a plan did not start; nothing was changed.
#[derive(Debug, Error)]
pub enum ExecuteError {
    /// Another janitor holds the data-dir lock.
    #[error(transparent)]
    Locked(#[from] LockError),
    /// Agents-Runner runs on the data directory and the plan changes a record it may
    /// hold in memory (it started after the plan was made, or archived the task itself).
    #[error("{record}: {message}; nothing was changed", record = record.display())]
    AgentsRunnerRunning {
        /// The first record of the plan it may hold.
        record: PathBuf,
        /// Why, naming the process ([`RunnerProcess::refusal`]).
        message: String,
    },
}

/// Carries out plans against one data directory.
pub struct Executor {
    pub(super) data_dir: PathBuf,
    pub(super) remover: Remover,
    pub(super) containers: ContainerRuntime,
    pub(super) cancel: Arc<AtomicBool>,
    pub(super) agents_runner: Arc<dyn Probe>,
}

impl Executor {
    /// An executor for the canonical `data_dir` that deletes on the real filesystem,
    /// removes containers through `containers`, stops when `cancel` is set, and asks the
    /// live process table whether Agents-Runner runs.
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

    pub(super) fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
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
        let forced = plan.action.forces_active();
        let is_sweep = matches!(plan.action, Action::Sweep { .. });
        let mut outcomes = Vec::with_capacity(total);
        let mut staged: Vec<(usize, StagedWorkspace)> = Vec::new();
        let mut cancelled = false;
        // Every workspace leaves its real path first (renames, fast), under a name
        // that carries what is meant for its record; a crash before a record change is
        // finished at the next start (see `finish_staged`).
        let mut early: Vec<Option<StagedWorkspace>> = Vec::with_capacity(total);
        if plan.delete_mode == DeleteMode::Delete {
            for step in &plan.steps {
                if self.cancelled() {
                    break;
                }
                early.push(self.stage_first(step, forced));
            }
            checkpoint(checkpoint::ALL_STAGED);
        }
        // Steps whose workspace was staged are finished even after a cancel: their
        // record change is what the staging name promised. In delete mode the steps
        // run on several threads (their `fsync`s overlap; see `parallel`).
        let staged_early = early.len();
        let early: Vec<Mutex<Option<StagedWorkspace>>> =
            early.into_iter().map(Mutex::new).collect();
        let writers = match plan.delete_mode {
            DeleteMode::Delete => parallel::RECORD_WRITERS,
            DeleteMode::Trash => 1,
        };
        let steps_done = AtomicUsize::new(0);
        let stop = |index: usize| self.cancelled() && index >= staged_early;
        let run_step = |index: usize| {
            let step = &plan.steps[index];
            let staged = early
                .get(index)
                .and_then(|slot| slot.lock().ok().and_then(|mut slot| slot.take()));
            let done = self.prepare_step(step, forced, is_sweep, plan.delete_mode, staged, emit);
            emit(EngineEvent::Progress(Progress {
                steps_done: steps_done.fetch_add(1, Ordering::Relaxed) + 1,
                steps_total: total,
                ..Progress::default()
            }));
            done
        };
        let results = parallel::run_indexed(total, writers, &stop, &run_step);
        cancelled |= results.iter().any(Option::is_none);
        for (outcome, staging) in results.into_iter().flatten() {
            if let Some(staging) = staging {
                staged.push((outcomes.len(), staging));
            }
            outcomes.push(outcome);
        }
        let (left_in_staging, entries_removed) =
            self.purge_staged(&staged, &mut outcomes, total, emit);
        let left_in_staging = left_in_staging_of(plan, &staged, &outcomes, &left_in_staging);
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
            }
        }
        parallel::run_indexed(outcomes.len(), writers, &|_| false, &|index| {
            self.append_to_record(&outcomes[index], emit)
        });
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
            left_in_staging,
        };
        if cancelled {
            log(
                emit,
                Level::Warn,
                format!(
                    "[cleanup] Cancelled after {} of {total} step(s); {} workspace(s) left in staging are finished at the next start",
                    report.outcomes.len(),
                    report.left_in_staging.len()
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
        let level = report.summary_level();
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
    /// each result in its step's outcome. Returns which of `staged` a cancel left in
    /// staging (each with whether its delete had not removed anything yet), and the
    /// number of entries removed.
    fn purge_staged(
        &self,
        staged: &[(usize, StagedWorkspace)],
        outcomes: &mut [StepOutcome],
        total: usize,
        emit: Emit,
    ) -> (Vec<(usize, bool)>, u64) {
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
        let purge_all = || -> Vec<PurgeReport> {
            staged
                .par_iter()
                .map(|(_, workspace)| self.remover.purge(&workspace.staged, &on_progress))
                .collect()
        };
        let reports = match parallel::purge_pool() {
            Some(pool) => pool.install(purge_all),
            None => purge_all(),
        };
        let mut left_in_staging = Vec::new();
        for (which, ((at, workspace), report)) in staged.iter().zip(reports).enumerate() {
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
                left_in_staging.push((which, report.entries_removed == 0));
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

    pub(super) fn log_purge(&self, original: &Path, report: &PurgeReport, emit: Emit) {
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

/// Tells how a finish of staged deletes goes (no steps: only entries and bytes),
/// at most every [`PROGRESS_INTERVAL`].
pub(super) fn report_progress(
    last_report: &Mutex<Instant>,
    emit: Emit,
    entries_removed: u64,
    bytes_freed: u64,
) {
    if let Ok(mut last) = last_report.try_lock()
        && last.elapsed() >= PROGRESS_INTERVAL
    {
        *last = Instant::now();
        emit(EngineEvent::Progress(Progress {
            entries_removed,
            bytes_freed,
            ..Progress::default()
        }));
    }
}

/// The workspaces of `staged` (at `left`, each with whether its delete had not begun)
/// a cancel left in staging, with the bytes their steps still have to free.
fn left_in_staging_of(
    plan: &Plan,
    staged: &[(usize, StagedWorkspace)],
    outcomes: &[StepOutcome],
    left: &[(usize, bool)],
) -> Vec<LeftInStaging> {
    left.iter()
        .filter_map(|&(which, untouched)| Some((staged.get(which)?, untouched)))
        .map(|((at, workspace), untouched)| {
            let planned = plan.steps.get(*at).map_or(0, |step| step.bytes);
            let freed = outcomes.get(*at).map_or(0, |outcome| outcome.bytes_freed);
            LeftInStaging {
                task_id: outcomes
                    .get(*at)
                    .map(|outcome| outcome.task_id.clone())
                    .unwrap_or_default(),
                original: workspace.original.clone(),
                staged: workspace.staged.clone(),
                bytes: planned.saturating_sub(freed),
                untouched,
            }
        })
        .collect()
}

/// Whether `runner` may hold `record` in memory (see [`RunnerProcess::may_hold`]); a
/// record whose time cannot be read counts as held.
pub(super) fn holds(runner: &RunnerProcess, record: &Path) -> bool {
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
