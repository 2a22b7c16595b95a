//! Reclaiming the rest of Agents-Runner's footprint: measuring it ([`measure`]: the
//! inventory with its folders sized, docker's listing, what each log trim saves, the
//! orphan plan of backups and deleted environments' folders), and carrying out a
//! [`ReclaimPlan`] ([`Executor::reclaim`]) step by step with progress, cancel and
//! `[cleanup]` log lines. Every deletion goes through the remover; docker through the
//! container runtime; a log trim through the store.

use super::execute::{ExecuteError, PROGRESS_INTERVAL, holds};
use super::report::log;
use super::{Emit, EngineEvent, Executor, Level, Progress, prepare_with_runner};
use crate::agents_runner::RunnerProcess;
use crate::checkpoint::{self, checkpoint};
use crate::container::{ContainerRemoval, ContainerRuntime, DockerListing};
use crate::lock::DataDirLock;
use crate::policy::reclaim::{
    self, Candidate, DockerState, Footprint, KindRow, ReclaimError, ReclaimInput, ReclaimPlan,
    ReclaimRequest, ReclaimSettings, ReclaimStep, ReclaimTarget, trim_candidates,
};
use crate::policy::{Action, DeleteMode, Plan};
use crate::remove::{LeftoverRemoval, LeftoverTarget};
use crate::scan::Usage;
use crate::store::footprint::{self, FootprintKind};
use crate::store::{Snapshot, tasks};
use crate::text;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

/// The footprint as measured at one moment, with what the verdicts need besides it.
#[derive(Debug, Clone)]
pub struct Measured {
    /// The inventory (folders sized), docker's answer, the log trims' savings.
    pub footprint: Footprint,
    /// The orphan plan of the backups and deleted environments' folders listed;
    /// `None` when there are none, or it could not be made (see `warnings`).
    pub orphans: Option<Plan>,
    /// The Agents-Runner running on the data directory, if one was.
    pub agents_runner: Option<RunnerProcess>,
    /// What went wrong measuring (a folder that could not be listed, the orphan plan).
    pub warnings: Vec<String>,
}

impl Measured {
    /// The input of the reclaim policy for these measurements.
    pub fn input<'a>(
        &'a self,
        snapshot: &'a Snapshot,
        settings: &'a ReclaimSettings,
        now: SystemTime,
        older_than_hours: Option<f64>,
    ) -> ReclaimInput<'a> {
        ReclaimInput {
            footprint: &self.footprint,
            snapshot,
            settings,
            now,
            older_than_hours,
            agents_runner: self.agents_runner.as_ref(),
            orphans: self.orphans.as_ref(),
        }
    }

    /// The verdict on every item, and the rows per kind.
    pub fn assess(
        &self,
        snapshot: &Snapshot,
        settings: &ReclaimSettings,
        now: SystemTime,
        older_than_hours: Option<f64>,
    ) -> (Vec<Candidate>, Vec<KindRow>) {
        let input = self.input(snapshot, settings, now, older_than_hours);
        let candidates = reclaim::assess(&input);
        let rows = reclaim::summarize(&candidates, &input);
        (candidates, rows)
    }

    /// The plan for `request` (its age counts for the verdicts too).
    pub fn plan(
        &self,
        request: &ReclaimRequest,
        snapshot: &Snapshot,
        settings: &ReclaimSettings,
        now: SystemTime,
    ) -> Result<ReclaimPlan, ReclaimError> {
        let (candidates, _) = self.assess(snapshot, settings, now, request.older_than_hours);
        let mut plan = reclaim::plan(request, &candidates, settings)?;
        plan.warnings.extend(self.warnings.iter().cloned());
        Ok(plan)
    }
}

/// What [`measure`] looks at.
pub struct MeasureInput<'a> {
    /// The data directory as read.
    pub snapshot: &'a Snapshot,
    /// Agents-Runner's home (artifacts, crash reports, models, prompts); `None`: only
    /// the data directory's share.
    pub runner_home: Option<&'a Path>,
    /// Agents-Runner's images and containers as docker listed them, or why it could not
    /// ([`ContainerRuntime::runner_objects`]): a caller may ask docker while it does
    /// something else (`usage` asks while it sizes the workspaces).
    pub docker: Result<DockerListing, String>,
    /// The settings in force (which log trims to measure).
    pub settings: &'a ReclaimSettings,
    /// The time ages are measured against.
    pub now: SystemTime,
    /// The Agents-Runner running on the data directory, if one is.
    pub agents_runner: Option<RunnerProcess>,
}

/// Measures the footprint of the data directory and of Agents-Runner's home: lists it,
/// sizes its folders (each once, afresh), asks docker, measures each log trim the
/// settings allow, and plans the backups and deleted environments' folders with the
/// orphan rules (git, age, mounts), reusing the workspace sizes in `workspace_sizes`
/// (and adding those it had to take).
pub fn measure(
    input: MeasureInput,
    workspace_sizes: &mut HashMap<PathBuf, Usage>,
    cancel: &Arc<AtomicBool>,
) -> Measured {
    let MeasureInput {
        snapshot,
        runner_home,
        docker,
        settings,
        now,
        agents_runner,
    } = input;
    let mut inventory = footprint::inventory(snapshot, runner_home);
    let folders: Vec<PathBuf> = inventory
        .items
        .iter()
        .filter(|item| item.is_dir && !item.sized)
        .map(|item| item.path.clone())
        .collect();
    let mut usage: HashMap<PathBuf, Usage> = HashMap::new();
    super::size_missing(&folders, &mut usage, cancel);
    for item in inventory.items.iter_mut().filter(|item| !item.sized) {
        if let Some(found) = usage.get(&item.path) {
            item.bytes = found.disk_bytes;
            item.modified = found.newest_mtime;
            item.sized = true;
        }
    }
    let mut warnings: Vec<String> = inventory
        .problems
        .iter()
        .map(|problem| format!("{}: {}", problem.path.display(), problem.message))
        .collect();
    let docker = match docker {
        Ok(listing) => DockerState::Listed(listing),
        Err(why) => DockerState::Unavailable(why),
    };
    let trim_savings = trim_candidates(snapshot, settings, now, None)
        .into_iter()
        .filter_map(|(record, task_id)| {
            let outcome = tasks::preview_trim(&record, &task_id, settings.trim_logs_keep).ok()?;
            Some((record, outcome.bytes_saved()))
        })
        .collect();
    let folders: Vec<PathBuf> = inventory
        .items
        .iter()
        .filter(|item| {
            matches!(
                item.kind,
                FootprintKind::Backups | FootprintKind::DeletedEnvironments
            )
        })
        .map(|item| item.path.clone())
        .collect();
    // With no folder named, the orphan action would take every plain orphan: only
    // plan it when there are backups or deleted environments' folders.
    let orphans = if folders.is_empty() {
        None
    } else {
        let action = Action::DeleteOrphans {
            paths: folders,
            allow_unsaved: false,
        };
        match prepare_with_runner(
            &action,
            snapshot,
            workspace_sizes,
            cancel,
            now,
            DeleteMode::Delete,
            agents_runner.as_ref(),
        ) {
            Ok(plan) => Some(plan),
            Err(err) => {
                warnings.push(format!("backups and deleted environments' folders: {err}"));
                None
            }
        }
    };
    Measured {
        footprint: Footprint {
            inventory,
            docker,
            trim_savings,
        },
        orphans,
        agents_runner,
        warnings,
    }
}

/// What became of one step of a reclaim plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReclaimOutcome {
    /// The step's kind.
    pub kind: FootprintKind,
    /// Where it was.
    pub path: String,
    /// What it gave back.
    pub bytes: u64,
    /// It is gone (or trimmed); false when it failed or was refused.
    pub done: bool,
    /// What happened, for people.
    pub message: String,
}

/// The result of a reclaim plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReclaimReport {
    /// One per step started, in plan order.
    pub steps: Vec<ReclaimOutcome>,
    /// Bytes given back.
    pub freed_bytes: u64,
    /// The user cancelled: later steps were not started.
    pub cancelled: bool,
}

impl ReclaimReport {
    /// Every step went through and nothing was cancelled.
    pub fn all_ok(&self) -> bool {
        !self.cancelled && self.steps.iter().all(|step| step.done)
    }
}

impl Executor {
    /// Deletes leftovers of Agents-Runner's home `home` too; without one, every
    /// leftover under the home is refused.
    pub fn with_runner_home(mut self, home: Option<&Path>) -> Self {
        self.remover = self.remover.with_runner_home(home);
        self
    }

    /// Finishes leftover folders a crash or a cancel left in the home's staging folder;
    /// the bytes freed.
    pub(super) fn finish_staged_leftovers(&self, emit: Emit) -> u64 {
        let leftovers = match self.remover.finish_staged_leftovers(&|_, _| {}) {
            Ok(leftovers) => leftovers,
            Err(err) => {
                log(emit, Level::Error, format!("[cleanup] {err}"));
                return 0;
            }
        };
        let mut freed = 0;
        for (path, report) in leftovers {
            freed += report.bytes_freed;
            let (level, text) = if report.complete {
                (Level::Info, "Finished an interrupted delete")
            } else {
                (
                    Level::Error,
                    "ERROR: Could not finish an interrupted delete",
                )
            };
            log(emit, level, format!("[cleanup] {text}: {}", path.display()));
        }
        freed
    }

    /// Runs `plan` with `containers` for docker. First the backups and deleted
    /// environments' folders, as the orphan plan deletes them (its own lock and
    /// checks); then, under the data-dir lock, each other step: a leftover through the
    /// remover (validated again, folders staged then purged), a log trim through the
    /// store (never on a record a running Agents-Runner may hold, asked again now),
    /// an image or a stopped container through docker (never forced).
    pub fn reclaim(
        &self,
        plan: &ReclaimPlan,
        containers: &ContainerRuntime,
        emit: Emit,
    ) -> Result<ReclaimReport, ExecuteError> {
        let total = plan.steps.len();
        let mut report = ReclaimReport::default();
        let folders: Vec<&crate::policy::Step> = plan
            .steps
            .iter()
            .filter_map(|step| match &step.target {
                ReclaimTarget::Folder(folder) => Some(folder.as_ref()),
                _ => None,
            })
            .collect();
        if !folders.is_empty() {
            let folder_plan = Plan {
                action: Action::DeleteOrphans {
                    paths: folders
                        .iter()
                        .filter_map(|step| Some(step.workspace.as_ref()?.path.clone()))
                        .collect(),
                    allow_unsaved: false,
                },
                steps: folders.iter().map(|step| (*step).clone()).collect(),
                skipped: Vec::new(),
                warnings: Vec::new(),
                bytes_to_free: folders.iter().map(|step| step.bytes).sum(),
                delete_mode: DeleteMode::Delete,
            };
            let done = self.execute(&folder_plan, emit)?;
            for (step, outcome) in plan
                .steps
                .iter()
                .filter(|step| matches!(step.target, ReclaimTarget::Folder(_)))
                .zip(&done.outcomes)
            {
                report.steps.push(ReclaimOutcome {
                    kind: step.kind,
                    path: step.path.clone(),
                    bytes: outcome.bytes_freed,
                    done: outcome.ok && outcome.workspace_removed,
                    message: if outcome.ok {
                        "deleted".into()
                    } else {
                        "not deleted (see the log)".into()
                    },
                });
            }
            report.cancelled = done.cancelled;
        }
        let _lock = DataDirLock::acquire(&self.data_dir, "reclaim")?;
        checkpoint(checkpoint::EXECUTE_START);
        let runner = self.agents_runner.check(&self.data_dir);
        for step in plan
            .steps
            .iter()
            .filter(|step| !matches!(step.target, ReclaimTarget::Folder(_)))
        {
            if report.cancelled || self.cancelled() {
                report.cancelled = true;
                break;
            }
            let freed_before: u64 = report.steps.iter().map(|step| step.bytes).sum();
            let walked = AtomicU64::new(0);
            let last_report = Mutex::new(Instant::now());
            let steps_done = report.steps.len();
            let progress = |_: u64, bytes: u64| {
                let walked = walked.fetch_add(bytes, Ordering::Relaxed) + bytes;
                if let Ok(mut last) = last_report.try_lock()
                    && last.elapsed() >= PROGRESS_INTERVAL
                {
                    *last = Instant::now();
                    emit(EngineEvent::Progress(Progress {
                        steps_done,
                        steps_total: total,
                        entries_removed: 0,
                        bytes_freed: freed_before + walked,
                    }));
                }
            };
            let (bytes, result) = self.reclaim_step(step, containers, runner.as_ref(), &progress);
            let outcome = match result {
                Ok(message) => {
                    log(
                        emit,
                        Level::Info,
                        format!(
                            "[cleanup] Reclaimed {}: {} ({message}, {} freed)",
                            step.kind.label().to_lowercase(),
                            step.path,
                            text::bytes(bytes)
                        ),
                    );
                    ReclaimOutcome {
                        kind: step.kind,
                        path: step.path.clone(),
                        bytes,
                        done: true,
                        message,
                    }
                }
                Err(message) => {
                    log(
                        emit,
                        Level::Error,
                        format!("[cleanup] ERROR: Not reclaimed: {}: {message}", step.path),
                    );
                    ReclaimOutcome {
                        kind: step.kind,
                        path: step.path.clone(),
                        bytes,
                        done: false,
                        message,
                    }
                }
            };
            report.steps.push(outcome);
            emit(EngineEvent::Progress(Progress {
                steps_done: report.steps.len(),
                steps_total: total,
                entries_removed: 0,
                bytes_freed: freed_before + bytes,
            }));
        }
        report.cancelled |= self.cancelled();
        report.freed_bytes = report.steps.iter().map(|step| step.bytes).sum();
        let failed = report.steps.iter().filter(|step| !step.done).count();
        log(
            emit,
            if failed > 0 {
                Level::Error
            } else {
                Level::Info
            },
            format!(
                "[cleanup] reclaim: {} step(s) done, {failed} failed, {} freed{}",
                report.steps.len() - failed,
                text::bytes(report.freed_bytes),
                if report.cancelled {
                    format!(
                        "; cancelled after {} of {total} step(s)",
                        report.steps.len()
                    )
                } else {
                    String::new()
                }
            ),
        );
        emit(EngineEvent::Progress(Progress {
            steps_done: report.steps.len(),
            steps_total: total,
            entries_removed: 0,
            bytes_freed: report.freed_bytes,
        }));
        Ok(report)
    }

    /// Carries out one step: the bytes it gave back, and what happened or why not.
    fn reclaim_step(
        &self,
        step: &ReclaimStep,
        containers: &ContainerRuntime,
        runner: Option<&RunnerProcess>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> (u64, Result<String, String>) {
        match &step.target {
            ReclaimTarget::Leftover { shape, path } => {
                let target = LeftoverTarget {
                    shape: *shape,
                    path: path.clone(),
                };
                match self.remover.remove_leftover(&target) {
                    Ok(LeftoverRemoval::Removed { bytes }) => (bytes, Ok("deleted".into())),
                    Ok(LeftoverRemoval::Missing) => (0, Ok("already gone".into())),
                    Ok(LeftoverRemoval::Staged(staged)) => {
                        let purged = self.remover.purge_leftover(&staged.staged, progress);
                        if purged.complete {
                            (purged.bytes_freed, Ok("deleted".into()))
                        } else if purged.failures.is_empty() {
                            (
                                purged.bytes_freed,
                                Err("cancelled; the rest is finished at the next start".into()),
                            )
                        } else {
                            let first = &purged.failures[0];
                            (
                                purged.bytes_freed,
                                Err(format!(
                                    "{} entries could not be deleted ({}: {})",
                                    purged.failures.len(),
                                    first.path.display(),
                                    first.message
                                )),
                            )
                        }
                    }
                    Err(err) => (0, Err(err.to_string())),
                }
            }
            ReclaimTarget::TrimLogs {
                record,
                task_id,
                keep,
            } => {
                if let Some(runner) = runner.filter(|runner| holds(runner, record)) {
                    return (0, Err(runner.refusal()));
                }
                match tasks::trim_logs(record, task_id, *keep) {
                    Ok(outcome) => (
                        outcome.bytes_saved(),
                        Ok(format!("{} log line(s) trimmed", outcome.lines_removed)),
                    ),
                    Err(err) => (0, Err(err.to_string())),
                }
            }
            ReclaimTarget::Image { reference } => docker_outcome(
                containers.remove_image(reference),
                step.bytes,
                "image removed",
            ),
            ReclaimTarget::Container { id, .. } => docker_outcome(
                containers.remove_stopped_container(id),
                step.bytes,
                "container removed",
            ),
            ReclaimTarget::Folder(_) => (0, Err("a folder goes with the orphan plan".into())),
        }
    }
}

/// Docker's answer as a step's result: `bytes` given back when it removed the object.
fn docker_outcome(
    removal: ContainerRemoval,
    bytes: u64,
    done: &str,
) -> (u64, Result<String, String>) {
    match removal {
        ContainerRemoval::Removed => (bytes, Ok(done.into())),
        ContainerRemoval::NotFound => (0, Ok("already gone".into())),
        other => (0, Err(other.describe())),
    }
}
