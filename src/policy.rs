//! Pure cleanup decisions: a snapshot, sizes and git states in, a [`Plan`] out.
//!
//! Nothing here touches the disk or the clock; the caller passes `now`. The CLI's
//! `--dry-run` and the GUI's confirm dialog show the same plan the executor runs.

mod quota;
pub mod schedule;
mod settings;

pub use quota::{QuotaLevel, QuotaState, env_usage, quota_level, quota_states};
pub use settings::{DEFAULT_SWEEP_HOURS, DEFAULT_WARN_PERCENT, DeleteMode, Quota};

use crate::agents_runner::RunnerProcess;
use crate::git::GitStatus;
use crate::scan::Usage;
use crate::status::StatusClass;
use crate::store::paths::{self, is_exact_safe_id, safe_id};
use crate::store::{
    Environment, FolderKind, Orphan, OrphanKind, Snapshot, TaskRecord, WorkspaceDir,
    WorkspaceLocation, WorkspaceType,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use thiserror::Error;

/// An orphan folder younger than this is left alone: Agents-Runner may still be
/// creating its task (the checkout can come before the record).
pub const ORPHAN_MIN_AGE_HOURS: f64 = 1.0;

/// What the user (or a schedule) asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Archive finished, finalized tasks; delete workspaces of done ones (seed table).
    Archive {
        keep_on_error: bool,
        allow_unsaved: bool,
        /// Delete the workspaces of tasks that ended well (`archive_cleans_done`).
        clean_done: bool,
    },
    /// Throw the given tasks away: status `discarded`, archived, container and workspace removed.
    Discard { task_ids: Vec<String>, force: bool },
    /// Delete workspaces whose newest file is older than the given age. `force` lets
    /// running tasks' workspaces and unsaved work go; `allow_unsaved`, only the latter.
    Sweep {
        older_than_hours: f64,
        env_id: Option<String>,
        force: bool,
        allow_unsaved: bool,
    },
    /// Clean up after the given tasks finished, keeping failed ones when `keep_on_error`.
    Complete {
        task_ids: Vec<String>,
        keep_on_error: bool,
        force: bool,
    },
    /// Delete the oldest finished workspaces of each environment over its quota until
    /// it is under (quotas by environment id).
    EnforceQuotas {
        quotas: BTreeMap<String, Quota>,
        keep_on_error: bool,
        allow_unsaved: bool,
    },
    /// Delete workspace folders no task record points at: the given ones (backups and
    /// deleted environments' folders too), or every plain orphan when `paths` is empty.
    DeleteOrphans {
        paths: Vec<PathBuf>,
        allow_unsaved: bool,
    },
    /// The unattended cleanup: archive, then sweep, then the quotas marked auto-clean.
    /// Never touches active tasks.
    Scheduled {
        keep_on_error: bool,
        allow_unsaved: bool,
        clean_done: bool,
        older_than_hours: f64,
        quotas: BTreeMap<String, Quota>,
    },
}

impl Action {
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Archive { .. } => "archive",
            Self::Discard { .. } => "discard",
            Self::Sweep { .. } => "sweep",
            Self::Complete { .. } => "complete",
            Self::EnforceQuotas { .. } => "enforce quotas",
            Self::DeleteOrphans { .. } => "delete orphans",
            Self::Scheduled { .. } => "scheduled cleanup",
        }
    }
}

/// What happens to a task's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordChange {
    /// Only the cleanup log lines are appended.
    Keep,
    /// Moved to `tasks/done/`.
    Archive,
    /// Status `discarded`, `finished_at` now, then archived unless it already is.
    Discard { archive: bool },
}

/// A workspace folder to delete, named as the remover needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceDeletion {
    pub path: PathBuf,
    pub env_id: String,
    pub task_id: String,
    /// The environment's type as the store read it; the remover deletes only `Cloned`
    /// (a deleted environment has none).
    pub workspace_type: WorkspaceType,
    /// The shape of folder, which decides how the remover validates it.
    pub kind: FolderKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The task id, or the folder name for a workspace without a record.
    pub task_id: String,
    pub env_id: String,
    /// The record file, if the task has one.
    pub record: Option<PathBuf>,
    pub record_change: RecordChange,
    pub workspace: Option<WorkspaceDeletion>,
    pub container_id: Option<String>,
    /// On-disk bytes the step frees (0 when not scanned).
    pub bytes: u64,
    /// Why this step is in the plan, for people.
    pub reason: String,
    pub git: Option<GitStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub task_id: String,
    pub reason: String,
    /// Left alone for safety (still running, unsaved work, not a folder of ours), as
    /// opposed to a policy choice (kept for debugging, finalization pending, nothing left
    /// to do). A refused task named by the user makes the command fail.
    pub refused: bool,
    /// Refused because a running Agents-Runner holds the record in memory and would
    /// undo the change: the command fails whatever the action.
    pub held_by_agents_runner: bool,
    /// The mount point that keeps the workspace (it is one, or holds one): always a
    /// refusal, and the command fails whoever named the task.
    pub mount_point: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub action: Action,
    pub steps: Vec<Step>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
    pub bytes_to_free: u64,
    /// What happens to the workspaces: deleted, or moved to the system trash.
    pub delete_mode: DeleteMode,
}

impl Plan {
    /// Workspaces this plan would delete (for git checks before the final plan).
    pub fn workspace_paths(&self) -> Vec<PathBuf> {
        self.steps
            .iter()
            .filter_map(|s| s.workspace.as_ref().map(|w| w.path.clone()))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PlanError {
    #[error("unknown task id {0:?}")]
    UnknownTask(String),
    #[error("invalid age {0}: give a positive number of hours")]
    InvalidAge(String),
    #[error("{0} is not an orphan workspace folder")]
    NotAnOrphan(PathBuf),
}

/// Everything a decision may look at.
pub struct PlanInput<'a> {
    pub snapshot: &'a Snapshot,
    /// Scan results keyed by workspace path.
    pub usage: &'a HashMap<PathBuf, Usage>,
    /// Git states keyed by workspace path; a missing entry means "unknown".
    pub git: &'a HashMap<PathBuf, GitStatus>,
    /// Every mount point at or below the data dir, from the system's mount table; `None`
    /// where there is none to read (off Linux, no `/proc`), and then the mount points the
    /// scans found ([`Usage::mount_points`]) are used. A workspace that is a mount point
    /// or holds one is never deleted: its task is refused.
    pub mount_points: Option<&'a BTreeSet<PathBuf>>,
    pub now: SystemTime,
    /// An Agents-Runner running on this data directory: it rewrites every active
    /// record from memory, so no change to one is planned.
    pub agents_runner: Option<&'a RunnerProcess>,
    /// What happens to the workspaces the plan deletes (the settings' `delete_mode`, or
    /// the command line's `--trash` / `--no-trash`).
    pub delete_mode: DeleteMode,
}

/// The record `step` of `action` changes in a way that matters, if any: a status
/// change, a move, or the lines a discard or a completion exists to record. A sweep's
/// or a quota's lines do not count: while Agents-Runner runs, they go to the janitor's
/// log instead of a record it holds.
pub fn changed_record<'s>(action: &Action, step: &'s Step) -> Option<&'s Path> {
    let record = step.record.as_deref()?;
    (step.record_change != RecordChange::Keep
        || matches!(action, Action::Discard { .. } | Action::Complete { .. }))
    .then_some(record)
}

/// Builds the plan for `action`. Active tasks are never in it unless forced;
/// mounted and none workspaces never are.
pub fn plan(action: &Action, input: &PlanInput) -> Result<Plan, PlanError> {
    let mut builder = Builder {
        input,
        on_disk: input
            .snapshot
            .workspaces
            .iter()
            .map(|w| w.path.as_path())
            .collect(),
        plan: Plan::empty(action.clone(), input.delete_mode),
        planned_workspaces: HashSet::new(),
        step_of_record: HashMap::new(),
    };
    let check_age = |hours: &f64| {
        if hours.is_finite() && *hours >= 0.0 {
            Ok(())
        } else {
            Err(PlanError::InvalidAge(hours.to_string()))
        }
    };
    match action {
        Action::Archive {
            keep_on_error,
            allow_unsaved,
            clean_done,
        } => builder.archive(*keep_on_error, *allow_unsaved, *clean_done),
        Action::Discard { task_ids, force } => builder.discard(task_ids, *force)?,
        Action::Sweep {
            older_than_hours,
            env_id,
            force,
            allow_unsaved,
        } => {
            check_age(older_than_hours)?;
            builder.sweep(
                *older_than_hours,
                env_id.as_deref(),
                *force,
                *force || *allow_unsaved,
            );
        }
        Action::Complete {
            task_ids,
            keep_on_error,
            force,
        } => builder.complete(task_ids, *keep_on_error, *force)?,
        Action::EnforceQuotas {
            quotas,
            keep_on_error,
            allow_unsaved,
        } => builder.enforce_quotas(quotas, *keep_on_error, *allow_unsaved),
        Action::DeleteOrphans {
            paths,
            allow_unsaved,
        } => builder.delete_orphans(paths, *allow_unsaved)?,
        Action::Scheduled {
            keep_on_error,
            allow_unsaved,
            clean_done,
            older_than_hours,
            quotas,
        } => {
            check_age(older_than_hours)?;
            builder.archive(*keep_on_error, *allow_unsaved, *clean_done);
            builder.sweep(*older_than_hours, None, false, *allow_unsaved);
            let auto: BTreeMap<String, Quota> = quotas
                .iter()
                .filter(|(_, quota)| quota.auto_clean)
                .map(|(env, quota)| (env.clone(), *quota))
                .collect();
            builder.enforce_quotas(&auto, *keep_on_error, *allow_unsaved);
        }
    }
    let mut plan = builder.plan;
    plan.bytes_to_free = plan.steps.iter().map(|s| s.bytes).sum();
    Ok(plan)
}

impl Plan {
    fn empty(action: Action, delete_mode: DeleteMode) -> Self {
        Self {
            action,
            steps: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            bytes_to_free: 0,
            delete_mode,
        }
    }
}

/// Where a task's managed workspace is, if it is ours to delete and exists.
enum Managed {
    /// A cloned workspace on disk.
    Present(PathBuf),
    /// Cloned, but no folder on disk.
    Gone,
    /// Not ours to delete although the task may have a folder: mounted, unknown
    /// environment, or ids that do not map to a folder of their own (the reason says which).
    NotOurs(String),
    /// The task has no workspace at all (`none`).
    None,
}

struct Builder<'a> {
    input: &'a PlanInput<'a>,
    /// Workspace folders found on disk.
    on_disk: HashSet<&'a Path>,
    plan: Plan,
    /// Workspaces some step already deletes.
    planned_workspaces: HashSet<PathBuf>,
    /// The step that changes each record.
    step_of_record: HashMap<PathBuf, usize>,
}

impl<'a> Builder<'a> {
    /// Adds a step, folding it into one already planned: in a combined action a
    /// workspace is deleted once, and a record has one step (a sweep after an archive
    /// must not look for the record where it was before).
    fn push(&mut self, step: Step) {
        if let Some(workspace) = &step.workspace
            && self.planned_workspaces.contains(&workspace.path)
        {
            return;
        }
        if let Some(workspace) = &step.workspace {
            self.planned_workspaces.insert(workspace.path.clone());
        }
        if let Some(record) = &step.record
            && let Some(&index) = self.step_of_record.get(record)
        {
            let existing = &mut self.plan.steps[index];
            if existing.workspace.is_none() && step.workspace.is_some() {
                existing.workspace = step.workspace;
                existing.bytes = step.bytes;
                existing.git = step.git;
                existing.reason = format!("{}; {}", existing.reason, step.reason);
            }
            return;
        }
        if let Some(record) = &step.record {
            self.step_of_record
                .insert(record.clone(), self.plan.steps.len());
        }
        self.plan.steps.push(step);
    }

    /// Whether an earlier part of this plan already deletes `path`.
    fn planned(&self, path: &Path) -> bool {
        self.planned_workspaces.contains(path)
    }

    fn skip(&mut self, task_id: &str, reason: impl Into<String>) {
        self.leave(task_id, reason.into(), false);
    }

    fn refuse(&mut self, task_id: &str, reason: impl Into<String>) {
        self.leave(task_id, reason.into(), true);
    }

    fn leave(&mut self, task_id: &str, reason: String, refused: bool) {
        self.plan.skipped.push(Skipped {
            task_id: task_id.to_owned(),
            reason,
            refused,
            held_by_agents_runner: false,
            mount_point: None,
        });
    }

    /// Refuses a change to `task`'s record while Agents-Runner runs and holds it (an
    /// active record): its next save would undo the change, or write the record back
    /// beside an archived copy. True when the change may be planned.
    fn agents_runner_allows(&mut self, task: &TaskRecord) -> bool {
        let Some(runner) = self.input.agents_runner else {
            return true;
        };
        if task.archived {
            return true;
        }
        self.plan.skipped.push(Skipped {
            task_id: task.task_id.clone(),
            reason: format!("{}: {}", task.file.display(), runner.refusal()),
            refused: true,
            held_by_agents_runner: true,
            mount_point: None,
        });
        false
    }

    /// A mount point at or below `path`, if there is one.
    fn mount_point_in(&self, path: &Path) -> Option<PathBuf> {
        match self.input.mount_points {
            // In path order every folder below `path` sorts right after it.
            Some(listed) => listed
                .range(path.to_path_buf()..)
                .next()
                .filter(|point| point.starts_with(path))
                .cloned(),
            None => self
                .input
                .usage
                .get(path)
                .and_then(|usage| usage.mount_points.first())
                .cloned(),
        }
    }

    /// Refuses the task when its workspace `path` is or holds a mount point: deleting it
    /// would delete what the mount shows, which is not ours. True when it may go.
    fn mounts_allow(&mut self, task_id: &str, path: &Path) -> bool {
        let Some(mount_point) = self.mount_point_in(path) else {
            return true;
        };
        self.plan.skipped.push(Skipped {
            task_id: task_id.to_owned(),
            reason: format!(
                "{} is a mount point: unmount it first (workspace {} left alone)",
                mount_point.display(),
                path.display()
            ),
            refused: true,
            held_by_agents_runner: false,
            mount_point: Some(mount_point),
        });
        false
    }

    fn managed(&self, task: &TaskRecord) -> Managed {
        let snapshot = self.input.snapshot;
        let Some(env) = snapshot.environment(&task.environment_id) else {
            return Managed::NotOurs(format!(
                "environment {:?} is not in environments.json; its workspace {} is left alone",
                task.environment_id,
                paths::task_workspace_path(&snapshot.data_dir, &task.environment_id, &task.task_id)
                    .display()
            ));
        };
        match (snapshot.workspace_location(task), env.workspace_type) {
            (WorkspaceLocation::Managed(path), WorkspaceType::Cloned) => {
                // Ids the folder-name filter would change could name another task's folder.
                if !is_exact_safe_id(&task.environment_id) || !is_exact_safe_id(&task.task_id) {
                    Managed::NotOurs(format!(
                        "{} is left alone: ids {:?} / {:?} are not plain folder names",
                        path.display(),
                        task.environment_id,
                        task.task_id
                    ))
                } else if self.on_disk.contains(path.as_path()) {
                    Managed::Present(path)
                } else {
                    Managed::Gone
                }
            }
            (location @ WorkspaceLocation::UserFolder(_), _)
            | (location, WorkspaceType::Mounted) => {
                let shown = match location {
                    WorkspaceLocation::UserFolder(Some(folder)) => folder,
                    WorkspaceLocation::Managed(path) => path.display().to_string(),
                    _ => env.workspace_target.clone().unwrap_or_default(),
                };
                Managed::NotOurs(format!(
                    "mounted workspace {shown}: the user's folder is never touched"
                ))
            }
            _ => Managed::None,
        }
    }

    fn bytes(&self, path: &Path) -> u64 {
        self.input
            .usage
            .get(path)
            .map(|u| u.disk_bytes)
            .unwrap_or(0)
    }

    fn git(&self, path: &Path) -> Option<GitStatus> {
        self.input.git.get(path).cloned()
    }

    fn deletion(&self, task: &TaskRecord, path: PathBuf) -> WorkspaceDeletion {
        WorkspaceDeletion {
            path,
            env_id: task.environment_id.clone(),
            task_id: task.task_id.clone(),
            workspace_type: self.input.snapshot.workspace_type(task),
            kind: FolderKind::TaskWorkspace,
        }
    }

    /// Decides whether unsaved git work blocks deleting `path`: when allowed it is a
    /// warning, otherwise the workspace is kept and listed as skipped. True when it may go.
    fn unsaved_allows(&mut self, task_id: &str, path: &Path, allow: bool) -> bool {
        let Some(git) = self.git(path).filter(GitStatus::has_unsaved_work) else {
            return true;
        };
        if allow {
            self.plan
                .warnings
                .push(format!("task {task_id}: {} will be lost", git.describe()));
        } else {
            self.refuse(
                task_id,
                format!(
                    "workspace kept: it has {} (force to delete)",
                    git.describe()
                ),
            );
        }
        allow
    }

    fn archive(&mut self, keep_on_error: bool, allow_unsaved: bool, clean_done: bool) {
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

    fn record_step(&self, task: &TaskRecord, change: RecordChange, reason: &str) -> Step {
        Step {
            task_id: task.task_id.clone(),
            env_id: task.environment_id.clone(),
            record: Some(task.file.clone()),
            record_change: change,
            workspace: None,
            container_id: None,
            bytes: 0,
            reason: reason.to_owned(),
            git: None,
        }
    }

    /// Skips a task that may still be running unless forced; true when it may proceed.
    fn activity_allows(&mut self, task: &TaskRecord, force: bool) -> bool {
        let class = task.status_class();
        if force || class.is_finished() {
            if !class.is_finished() {
                self.plan.warnings.push(format!(
                    "task {}: still {} but forced",
                    task.task_id, task.status
                ));
            }
            return true;
        }
        let reason = match class {
            StatusClass::Unknown => format!(
                "unknown status {:?}: it may still be running (force to override); {}",
                task.status,
                task.file.display()
            ),
            _ => format!(
                "task is still running ({}); force to override; {}",
                task.status,
                task.file.display()
            ),
        };
        self.refuse(&task.task_id, reason);
        false
    }

    /// The records the user named, each once, in the order given.
    fn named_tasks(&self, task_ids: &[String]) -> Result<Vec<&'a TaskRecord>, PlanError> {
        let snapshot = self.input.snapshot;
        let mut seen = HashSet::new();
        let mut tasks = Vec::new();
        for task_id in task_ids {
            let task = snapshot
                .find_task(task_id)
                .ok_or_else(|| PlanError::UnknownTask(task_id.clone()))?;
            if seen.insert(task_id.as_str()) {
                tasks.push(task);
            }
        }
        Ok(tasks)
    }

    fn discard(&mut self, task_ids: &[String], force: bool) -> Result<(), PlanError> {
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

    /// `force_active` lets running tasks' workspaces go; `allow_unsaved`, unsaved git work.
    fn sweep(
        &mut self,
        older_than_hours: f64,
        env_id: Option<&str>,
        force_active: bool,
        allow_unsaved: bool,
    ) {
        let snapshot = self.input.snapshot;
        let records = snapshot.records_by_folder();
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
            let record = records
                .get(&(dir.env_folder.clone(), dir.task_folder.clone()))
                .and_then(|indexes| indexes.first())
                .map(|&i| &snapshot.tasks[i]);
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

    /// Why a folder is deleted only when the user names it (a backup Agents-Runner
    /// moved aside, a deleted environment's folder), or `None` for a task folder.
    fn only_by_name(&self, dir: &WorkspaceDir) -> Option<String> {
        let snapshot = self.input.snapshot;
        if snapshot.is_deleted_environment_folder(&dir.env_folder) {
            return Some(format!(
                "{} is a folder of deleted environment {}: only deleted when named (Orphans)",
                dir.path.display(),
                dir.env_folder
            ));
        }
        paths::backup_task_folder(&dir.task_folder).map(|task| {
            format!(
                "{} is a backup of task {task} that Agents-Runner moved aside: only deleted when named (Orphans)",
                dir.path.display()
            )
        })
    }

    /// The environment of a folder under `managed-repos/*/tasks/` when the folder may be
    /// deleted at all (a real folder of a cloned environment); otherwise refused.
    fn deletable_folder(&mut self, dir: &WorkspaceDir) -> Option<&'a Environment> {
        let snapshot = self.input.snapshot;
        let label = &dir.task_folder;
        if !dir.is_dir {
            self.refuse(
                label,
                format!(
                    "{} is not a folder (a file or a symlink): left alone",
                    dir.path.display()
                ),
            );
            return None;
        }
        let Some(env) = snapshot.environment_of_folder(&dir.env_folder) else {
            self.refuse(
                label,
                format!(
                    "folder {} matches no environment: left alone",
                    dir.env_folder
                ),
            );
            return None;
        };
        if env.workspace_type != WorkspaceType::Cloned {
            self.refuse(
                label,
                format!(
                    "environment {} is {}: left alone",
                    env.env_id,
                    env.workspace_type.label()
                ),
            );
            return None;
        }
        Some(env)
    }

    /// Hours since anything in the folder changed, from its scan; skipped when unsized.
    fn age_hours(&mut self, dir: &WorkspaceDir) -> Option<f64> {
        let Some(newest) = self.input.usage.get(&dir.path).and_then(|u| u.newest_mtime) else {
            self.skip(&dir.task_folder, "not sized yet, so its age is unknown");
            return None;
        };
        Some(hours_between(newest, self.input.now))
    }

    fn delete_orphans(&mut self, paths: &[PathBuf], allow_unsaved: bool) -> Result<(), PlanError> {
        let orphans = self.input.snapshot.orphans();
        let chosen: Vec<Orphan> = if paths.is_empty() {
            // "All orphans" never takes what only the user may name.
            for orphan in orphans.iter().filter(|o| o.kind.only_by_name()) {
                if let Some(reason) = self.only_by_name(orphan.dir) {
                    self.skip(&orphan.dir.task_folder, reason);
                }
            }
            orphans
                .into_iter()
                .filter(|o| !o.kind.only_by_name())
                .collect()
        } else {
            let by_path: HashMap<&Path, Orphan> = orphans
                .iter()
                .map(|orphan| (orphan.dir.path.as_path(), *orphan))
                .collect();
            paths
                .iter()
                .map(|path| {
                    by_path
                        .get(path.as_path())
                        .copied()
                        .ok_or_else(|| PlanError::NotAnOrphan(path.clone()))
                })
                .collect::<Result<_, _>>()?
        };
        for orphan in chosen {
            let dir = orphan.dir;
            let label = &dir.task_folder;
            let (env_id, workspace_type, record) = match orphan.kind {
                OrphanKind::Orphan | OrphanKind::Backup => {
                    let Some(env) = self.deletable_folder(dir) else {
                        continue;
                    };
                    (env.env_id.clone(), env.workspace_type, None)
                }
                OrphanKind::DeletedEnvironment => {
                    let Some(record) = self.deleted_environment_folder_allows(dir) else {
                        continue;
                    };
                    (dir.env_folder.clone(), WorkspaceType::None, record)
                }
            };
            let Some(age_hours) = self.age_hours(dir) else {
                continue;
            };
            if age_hours < ORPHAN_MIN_AGE_HOURS {
                self.skip(
                    label,
                    format!(
                        "{} changed {:.0} minutes ago: it may be a task Agents-Runner is still creating",
                        dir.path.display(),
                        age_hours * 60.0
                    ),
                );
                continue;
            }
            if !self.unsaved_allows(label, &dir.path, allow_unsaved)
                || !self.mounts_allow(label, &dir.path)
            {
                continue;
            }
            let what = match (orphan.kind, orphan.backup_of) {
                (OrphanKind::Orphan, _) => "orphan (no task record)".to_owned(),
                (OrphanKind::Backup, task) => format!(
                    "backup of task {} moved aside by Agents-Runner",
                    task.unwrap_or_default()
                ),
                (OrphanKind::DeletedEnvironment, _) => {
                    format!("folder of deleted environment {}", dir.env_folder)
                }
            };
            self.push(Step {
                task_id: record.map_or_else(|| label.clone(), |task| task.task_id.clone()),
                env_id,
                // Re-read before the delete: a task still running keeps its folder.
                record: record.map(|task| task.file.clone()),
                record_change: RecordChange::Keep,
                workspace: Some(WorkspaceDeletion {
                    path: dir.path.clone(),
                    env_id: dir.env_folder.clone(),
                    task_id: dir.task_folder.clone(),
                    workspace_type,
                    kind: orphan.kind.folder_kind(),
                }),
                container_id: None,
                bytes: self.bytes(&dir.path),
                reason: format!("{what}, age {age_hours:.1}h"),
                git: self.git(&dir.path),
            });
        }
        Ok(())
    }

    /// A deleted environment's folder may go when it is a real folder with plain names
    /// and no record of it says its task is still running; otherwise refused. Returns
    /// the folder's record, if it has one, when it may go.
    fn deleted_environment_folder_allows(
        &mut self,
        dir: &WorkspaceDir,
    ) -> Option<Option<&'a TaskRecord>> {
        let label = &dir.task_folder;
        if !dir.is_dir {
            self.refuse(
                label,
                format!(
                    "{} is not a folder (a file or a symlink): left alone",
                    dir.path.display()
                ),
            );
            return None;
        }
        let plain = is_exact_safe_id(&dir.env_folder)
            && (is_exact_safe_id(label) || paths::backup_task_folder(label).is_some());
        if !plain {
            self.refuse(
                label,
                format!(
                    "{}: not a plain folder name, left alone",
                    dir.path.display()
                ),
            );
            return None;
        }
        let snapshot = self.input.snapshot;
        let records = snapshot.records_by_folder();
        let record = records
            .get(&(dir.env_folder.clone(), dir.task_folder.clone()))
            .and_then(|indexes| indexes.first())
            .map(|&i| &snapshot.tasks[i]);
        match record {
            Some(task) if !self.activity_allows(task, false) => None,
            _ => Some(record),
        }
    }

    fn complete(
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
            let path = match self.managed(task) {
                Managed::Present(path) => path,
                Managed::Gone => {
                    self.skip(task_id, "workspace already gone");
                    continue;
                }
                Managed::NotOurs(reason) => {
                    self.refuse(task_id, reason);
                    continue;
                }
                Managed::None => {
                    self.skip(task_id, "no managed workspace");
                    continue;
                }
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

fn hours_between(earlier: SystemTime, later: SystemTime) -> f64 {
    match later.duration_since(earlier) {
        Ok(elapsed) => elapsed.as_secs_f64() / 3600.0,
        // A file from the future (clock skew) is as young as can be.
        Err(_) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::GitState;
    use crate::store::{Environment, WorkspaceDir};
    use std::time::Duration;

    const DATA: &str = "/data";
    const HOUR: Duration = Duration::from_secs(3600);

    fn env(id: &str, workspace_type: WorkspaceType) -> Environment {
        Environment {
            env_id: id.into(),
            name: id.into(),
            color: "slate".into(),
            workspace_type,
            workspace_target: None,
            host_workdir: None,
        }
    }

    fn task(id: &str, env_id: &str, status: &str, exit_code: Option<i64>) -> TaskRecord {
        TaskRecord {
            task_id: id.into(),
            environment_id: env_id.into(),
            status: status.into(),
            exit_code,
            error: None,
            created_at_s: None,
            started_at: None,
            finished_at: None,
            workspace_type: None,
            gh_repo_root: None,
            gh_branch: None,
            gh_base_branch: None,
            gh_pr_url: None,
            container_id: Some(format!("ar-{id}")),
            prompt: None,
            agent_cli: None,
            finalization_state: Some("done".into()),
            finalization_error: None,
            log_count: 0,
            archived: false,
            duplicate: false,
            legacy: false,
            file: PathBuf::from(format!("{DATA}/tasks/{id}.toml")),
        }
    }

    fn ws_path(env_id: &str, task_id: &str) -> PathBuf {
        crate::store::paths::task_workspace_path(Path::new(DATA), env_id, task_id)
    }

    /// A data dir with cloned (`env-c`), mounted (`env-m`) and none (`env-n`)
    /// environments; every cloned task has a 48-hour-old, 1000-byte workspace.
    struct World {
        snapshot: Snapshot,
        usage: HashMap<PathBuf, Usage>,
        git: HashMap<PathBuf, GitStatus>,
        /// The mount table's mount points (`None`: no table, the scans' are used).
        mount_points: Option<BTreeSet<PathBuf>>,
        now: SystemTime,
    }

    impl World {
        fn new(tasks: Vec<TaskRecord>) -> Self {
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
            let mut world = World {
                snapshot: Snapshot {
                    data_dir: PathBuf::from(DATA),
                    environments: vec![
                        env("env-c", WorkspaceType::Cloned),
                        env("env-m", WorkspaceType::Mounted),
                        env("env-n", WorkspaceType::None),
                    ],
                    environment_ids: Some(vec!["env-c".into(), "env-m".into(), "env-n".into()]),
                    tasks: Vec::new(),
                    workspaces: Vec::new(),
                    legacy_checkouts: Vec::new(),
                    problems: Vec::new(),
                },
                usage: HashMap::new(),
                git: HashMap::new(),
                mount_points: Some(BTreeSet::new()),
                now,
            };
            for task in tasks {
                if task.environment_id == "env-c" {
                    world.add_workspace("env-c", &task.task_id.clone(), 48);
                }
                world.snapshot.tasks.push(task);
            }
            world
        }

        fn add_workspace(&mut self, env_folder: &str, task_folder: &str, age_hours: u32) {
            let path = ws_path(env_folder, task_folder);
            self.snapshot.workspaces.push(WorkspaceDir {
                env_folder: env_folder.into(),
                task_folder: task_folder.into(),
                path: path.clone(),
                is_dir: true,
            });
            let usage = Usage {
                disk_bytes: 1000,
                apparent_bytes: 900,
                newest_mtime: Some(self.now - HOUR * age_hours),
                exists: true,
                complete: true,
                ..Usage::default()
            };
            self.usage.insert(path, usage);
        }

        fn plan(&self, action: &Action) -> Result<Plan, PlanError> {
            self.plan_beside(action, None)
        }

        /// The plan while `runner` runs on the data directory.
        fn plan_beside(
            &self,
            action: &Action,
            runner: Option<&RunnerProcess>,
        ) -> Result<Plan, PlanError> {
            plan(
                action,
                &PlanInput {
                    snapshot: &self.snapshot,
                    usage: &self.usage,
                    git: &self.git,
                    mount_points: self.mount_points.as_ref(),
                    now: self.now,
                    agents_runner: runner,
                    delete_mode: DeleteMode::Delete,
                },
            )
        }
    }

    /// A step in words: "archive+ws", "discard", "keep+ws", "skip", "none".
    fn describe(plan: &Plan, task_id: &str) -> String {
        let Some(step) = plan.steps.iter().find(|s| s.task_id == task_id) else {
            let skipped = plan.skipped.iter().any(|s| s.task_id == task_id);
            return if skipped {
                "skip".into()
            } else {
                "none".into()
            };
        };
        let record = match step.record_change {
            RecordChange::Keep => "keep",
            RecordChange::Archive => "archive",
            RecordChange::Discard { archive: true } => "discard",
            RecordChange::Discard { archive: false } => "discard-in-place",
        };
        if step.workspace.is_some() {
            format!("{record}+ws")
        } else {
            record.into()
        }
    }

    #[test]
    fn the_seed_table_for_every_status_and_action() -> Result<(), PlanError> {
        // status, exit code, archive, discard, sweep, completion (keep_on_error, not forced)
        type Row = (
            &'static str,
            Option<i64>,
            &'static str,
            &'static str,
            &'static str,
            &'static str,
        );
        let table: &[Row] = &[
            ("queued", None, "skip", "skip", "skip", "skip"),
            ("pulling", None, "skip", "skip", "skip", "skip"),
            ("cloning", None, "skip", "skip", "skip", "skip"),
            ("created", None, "skip", "skip", "skip", "skip"),
            ("starting", None, "skip", "skip", "skip", "skip"),
            ("running", None, "skip", "skip", "skip", "skip"),
            ("cleaning", None, "skip", "skip", "skip", "skip"),
            ("paused", None, "skip", "skip", "skip", "skip"),
            ("restarting", None, "skip", "skip", "skip", "skip"),
            ("removing", None, "skip", "skip", "skip", "skip"),
            (
                "done",
                Some(0),
                "archive+ws",
                "discard+ws",
                "keep+ws",
                "keep+ws",
            ),
            (
                "cancelled",
                None,
                "archive+ws",
                "discard+ws",
                "keep+ws",
                "keep+ws",
            ),
            (
                "killed",
                None,
                "archive+ws",
                "discard+ws",
                "keep+ws",
                "keep+ws",
            ),
            (
                "exited",
                Some(0),
                "archive+ws",
                "discard+ws",
                "keep+ws",
                "keep+ws",
            ),
            (
                "exited",
                Some(3),
                "archive",
                "discard+ws",
                "keep+ws",
                "skip",
            ),
            (
                "failed",
                Some(1),
                "archive",
                "discard+ws",
                "keep+ws",
                "skip",
            ),
            ("error", None, "archive", "discard+ws", "keep+ws", "skip"),
            ("dead", None, "archive", "discard+ws", "keep+ws", "skip"),
            (
                "discarded",
                None,
                "archive+ws",
                "archive+ws",
                "keep+ws",
                "keep+ws",
            ),
            ("mystery", None, "skip", "skip", "skip", "skip"),
        ];
        for (row, (status, code, archive, discard, sweep, complete)) in table.iter().enumerate() {
            let id = format!("t{row:02}");
            let world = World::new(vec![task(&id, "env-c", status, *code)]);
            let ids = vec![id.clone()];
            let actions = [
                (
                    Action::Archive {
                        keep_on_error: true,
                        allow_unsaved: false,
                        clean_done: true,
                    },
                    archive,
                ),
                (
                    Action::Discard {
                        task_ids: ids.clone(),
                        force: false,
                    },
                    discard,
                ),
                (
                    Action::Sweep {
                        older_than_hours: 24.0,
                        env_id: None,
                        force: false,
                        allow_unsaved: false,
                    },
                    sweep,
                ),
                (
                    Action::Complete {
                        task_ids: ids,
                        keep_on_error: true,
                        force: false,
                    },
                    complete,
                ),
            ];
            for (action, want) in actions {
                let got = describe(&world.plan(&action)?, &id);
                assert_eq!(&got, want, "{status} {code:?} under {}", action.verb());
            }
        }
        Ok(())
    }

    #[test]
    fn without_keep_on_error_failed_workspaces_go_too() -> Result<(), PlanError> {
        let world = World::new(vec![task("f1", "env-c", "failed", Some(1))]);
        let kept = world.plan(&Action::Complete {
            task_ids: vec!["f1".into()],
            keep_on_error: true,
            force: false,
        })?;
        assert!(
            kept.skipped.iter().all(|s| !s.refused),
            "a policy choice, not a refusal"
        );
        let archive = world.plan(&Action::Archive {
            keep_on_error: false,
            allow_unsaved: false,
            clean_done: true,
        })?;
        assert_eq!(describe(&archive, "f1"), "archive+ws");
        let complete = world.plan(&Action::Complete {
            task_ids: vec!["f1".into()],
            keep_on_error: false,
            force: false,
        })?;
        assert_eq!(describe(&complete, "f1"), "keep+ws");
        Ok(())
    }

    #[test]
    fn archive_cleans_done_false_keeps_only_the_workspaces_of_tasks_that_ended_well()
    -> Result<(), PlanError> {
        // status, exit code, archive with clean_done = false (keep_on_error = false)
        let table = [
            ("done", Some(0), "archive"),
            ("exited", Some(0), "archive"),
            ("failed", Some(1), "archive+ws"),
            ("discarded", None, "archive+ws"),
        ];
        for (row, (status, code, want)) in table.into_iter().enumerate() {
            let id = format!("t{row}");
            let world = World::new(vec![task(&id, "env-c", status, code)]);
            let plan = world.plan(&Action::Archive {
                keep_on_error: false,
                allow_unsaved: false,
                clean_done: false,
            })?;
            assert_eq!(describe(&plan, &id), want, "{status} {code:?}");
            if want == "archive" {
                let reason = &plan.steps[0].reason;
                assert!(
                    reason.ends_with("workspace kept (archive_cleans_done = false)"),
                    "{reason}"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn archive_waits_for_finalization_and_ignores_archived_records() -> Result<(), PlanError> {
        let mut pending = task("p1", "env-c", "done", Some(0));
        pending.finalization_state = Some("pending".into());
        let mut archived = task("a1", "env-c", "done", Some(0));
        archived.archived = true;
        let world = World::new(vec![pending, archived]);
        let plan = world.plan(&Action::Archive {
            keep_on_error: true,
            allow_unsaved: false,
            clean_done: true,
        })?;
        assert_eq!(describe(&plan, "p1"), "skip");
        assert_eq!(describe(&plan, "a1"), "none");
        Ok(())
    }

    #[test]
    fn force_lets_active_tasks_through_with_a_warning() -> Result<(), PlanError> {
        let world = World::new(vec![task("r1", "env-c", "running", None)]);
        let refused = world.plan(&Action::Discard {
            task_ids: vec!["r1".into()],
            force: false,
        })?;
        assert!(
            refused.skipped.iter().all(|s| s.refused),
            "{:?}",
            refused.skipped
        );
        let plan = world.plan(&Action::Discard {
            task_ids: vec!["r1".into()],
            force: true,
        })?;
        assert_eq!(describe(&plan, "r1"), "discard+ws");
        assert!(
            plan.warnings.iter().any(|w| w.contains("forced")),
            "{:?}",
            plan.warnings
        );
        let sweep = world.plan(&Action::Sweep {
            older_than_hours: 24.0,
            env_id: None,
            force: true,
            allow_unsaved: false,
        })?;
        assert_eq!(describe(&sweep, "r1"), "keep+ws");
        Ok(())
    }

    #[test]
    fn unsaved_work_is_kept_unless_allowed_and_always_warned() -> Result<(), PlanError> {
        let mut world = World::new(vec![task("u1", "env-c", "done", Some(0))]);
        let dirty = GitStatus::Known(GitState {
            branch: Some("b".into()),
            uncommitted: 2,
            unpushed: 1,
        });
        world.git.insert(ws_path("env-c", "u1"), dirty);
        let keep = world.plan(&Action::Archive {
            keep_on_error: true,
            allow_unsaved: false,
            clean_done: true,
        })?;
        assert_eq!(describe(&keep, "u1"), "archive");
        assert!(
            keep.skipped
                .iter()
                .any(|s| s.reason.contains("2 uncommitted")),
            "{:?}",
            keep.skipped
        );
        assert_eq!(keep.bytes_to_free, 0);
        let allow = world.plan(&Action::Archive {
            keep_on_error: true,
            allow_unsaved: true,
            clean_done: true,
        })?;
        assert_eq!(describe(&allow, "u1"), "archive+ws");
        assert!(allow.warnings.iter().any(|w| w.contains("will be lost")));
        let sweep = world.plan(&Action::Sweep {
            older_than_hours: 24.0,
            env_id: None,
            force: false,
            allow_unsaved: false,
        })?;
        assert_eq!(describe(&sweep, "u1"), "skip");
        // allow_unsaved (the settings file's allow_unsaved_delete) lets unsaved work go
        // with a warning, but never a running task's workspace: that takes force.
        world
            .snapshot
            .tasks
            .push(task("r1", "env-c", "running", None));
        world.add_workspace("env-c", "r1", 48);
        world.git.insert(
            ws_path("env-c", "r1"),
            GitStatus::Known(GitState {
                branch: None,
                uncommitted: 0,
                unpushed: 0,
            }),
        );
        let sweep = world.plan(&Action::Sweep {
            older_than_hours: 24.0,
            env_id: None,
            force: false,
            allow_unsaved: true,
        })?;
        assert_eq!(describe(&sweep, "u1"), "keep+ws");
        assert!(sweep.warnings.iter().any(|w| w.contains("will be lost")));
        assert_eq!(describe(&sweep, "r1"), "skip");
        let complete = world.plan(&Action::Complete {
            task_ids: vec!["u1".into()],
            keep_on_error: true,
            force: false,
        })?;
        assert_eq!(describe(&complete, "u1"), "skip");
        let discard = world.plan(&Action::Discard {
            task_ids: vec!["u1".into()],
            force: false,
        })?;
        assert_eq!(describe(&discard, "u1"), "discard+ws");
        assert!(
            discard
                .warnings
                .iter()
                .any(|w| w.contains("u1") && w.contains("1 unpushed")),
            "{:?}",
            discard.warnings
        );
        Ok(())
    }

    #[test]
    fn mounted_and_none_workspaces_are_never_deleted() -> Result<(), PlanError> {
        let mut world = World::new(vec![
            task("m1", "env-m", "done", Some(0)),
            task("n1", "env-n", "done", Some(0)),
        ]);
        // Even a folder under managed-repos for those environments is left alone.
        world.add_workspace("env-m", "m1", 100);
        world.add_workspace("env-n", "n1", 100);
        for action in [
            Action::Archive {
                keep_on_error: false,
                allow_unsaved: true,
                clean_done: true,
            },
            Action::Discard {
                task_ids: vec!["m1".into(), "n1".into()],
                force: true,
            },
            Action::Sweep {
                older_than_hours: 0.0,
                env_id: None,
                force: true,
                allow_unsaved: false,
            },
            Action::Complete {
                task_ids: vec!["m1".into(), "n1".into()],
                keep_on_error: false,
                force: true,
            },
        ] {
            let plan = world.plan(&action)?;
            assert!(
                plan.workspace_paths().is_empty(),
                "{} planned {:?}",
                action.verb(),
                plan.workspace_paths()
            );
        }
        let discard = world.plan(&Action::Discard {
            task_ids: vec!["m1".into()],
            force: false,
        })?;
        assert_eq!(describe(&discard, "m1"), "discard");
        assert!(discard.warnings.iter().any(|w| w.contains("mounted")));
        Ok(())
    }

    #[test]
    fn sweep_respects_age_env_filter_and_odd_folders() -> Result<(), PlanError> {
        let mut world = World::new(vec![task("old", "env-c", "done", Some(0))]);
        world.add_workspace("env-c", "young", 2);
        world.add_workspace("env-c", "orphan", 30);
        world.snapshot.workspaces.push(WorkspaceDir {
            env_folder: "env-c".into(),
            task_folder: "link".into(),
            path: ws_path("env-c", "link"),
            is_dir: false,
        });
        world.snapshot.workspaces.push(WorkspaceDir {
            env_folder: "env-gone".into(),
            task_folder: "x1".into(),
            path: ws_path("env-gone", "x1"),
            is_dir: true,
        });
        let plan = world.plan(&Action::Sweep {
            older_than_hours: 24.0,
            env_id: None,
            force: false,
            allow_unsaved: false,
        })?;
        assert_eq!(describe(&plan, "old"), "keep+ws");
        assert_eq!(describe(&plan, "young"), "none");
        assert_eq!(describe(&plan, "orphan"), "keep+ws");
        assert!(
            plan.steps
                .iter()
                .any(|s| s.task_id == "orphan" && s.record.is_none() && s.workspace.is_some())
        );
        assert!(plan.warnings.iter().any(|w| w.contains("no task record")));
        assert_eq!(describe(&plan, "link"), "skip");
        assert_eq!(describe(&plan, "x1"), "skip");
        assert_eq!(plan.bytes_to_free, 2000);
        assert!(plan.steps.iter().any(|s| s.reason == "age: 48.0h"));
        let other_env = world.plan(&Action::Sweep {
            older_than_hours: 24.0,
            env_id: Some("env-m".into()),
            force: false,
            allow_unsaved: false,
        })?;
        assert!(other_env.steps.is_empty());
        let not_sized = World {
            usage: HashMap::new(),
            ..world
        };
        let plan = not_sized.plan(&Action::Sweep {
            older_than_hours: 24.0,
            env_id: None,
            force: false,
            allow_unsaved: false,
        })?;
        assert!(plan.steps.is_empty());
        assert!(plan.skipped.iter().any(|s| s.reason.contains("not sized")));
        Ok(())
    }

    #[test]
    fn a_task_named_twice_is_planned_once() -> Result<(), PlanError> {
        let world = World::new(vec![task("t1", "env-c", "done", Some(0))]);
        let ids = vec!["t1".to_owned(), "t1".to_owned()];
        let discard = world.plan(&Action::Discard {
            task_ids: ids.clone(),
            force: false,
        })?;
        assert_eq!((discard.steps.len(), discard.bytes_to_free), (1, 1000));
        let complete = world.plan(&Action::Complete {
            task_ids: ids,
            keep_on_error: true,
            force: false,
        })?;
        assert_eq!((complete.steps.len(), complete.bytes_to_free), (1, 1000));
        Ok(())
    }

    #[test]
    fn bad_requests_are_errors() {
        let world = World::new(vec![task("t1", "env-c", "done", Some(0))]);
        assert_eq!(
            world.plan(&Action::Discard {
                task_ids: vec!["nope".into()],
                force: false
            }),
            Err(PlanError::UnknownTask("nope".into()))
        );
        assert!(matches!(
            world.plan(&Action::Sweep {
                older_than_hours: -1.0,
                env_id: None,
                force: false,
                allow_unsaved: false
            }),
            Err(PlanError::InvalidAge(_))
        ));
        assert!(matches!(
            world.plan(&Action::Sweep {
                older_than_hours: f64::NAN,
                env_id: None,
                force: false,
                allow_unsaved: false
            }),
            Err(PlanError::InvalidAge(_))
        ));
    }

    #[test]
    fn unknown_environments_and_unsafe_ids_keep_their_folders() -> Result<(), PlanError> {
        let mut world = World::new(vec![task("t1", "env-x", "done", Some(0))]);
        world.add_workspace("env-x", "t1", 48);
        let plan = world.plan(&Action::Discard {
            task_ids: vec!["t1".into()],
            force: false,
        })?;
        assert_eq!(describe(&plan, "t1"), "discard");
        Ok(())
    }

    fn quota(limit_bytes: u64, auto_clean: bool) -> Quota {
        Quota {
            limit_bytes,
            warn_percent: 80,
            auto_clean,
        }
    }

    fn unsaved(world: &mut World, task_id: &str) {
        world.git.insert(
            ws_path("env-c", task_id),
            GitStatus::Known(GitState {
                branch: None,
                uncommitted: 2,
                unpushed: 0,
            }),
        );
    }

    /// Tasks of env-c, 1000 bytes each: done ones aged 48, 30, 10 (unsaved) and 5 hours,
    /// a failed one of 100 hours, a running one of 200, and a 300-hour orphan.
    fn quota_world() -> World {
        let mut world = World::new(vec![]);
        for (id, status, age) in [
            ("a", "done", 48),
            ("b", "done", 30),
            ("c", "failed", 100),
            ("d", "running", 200),
            ("e", "done", 10),
            ("f", "done", 5),
        ] {
            world
                .snapshot
                .tasks
                .push(task(id, "env-c", status, Some(0)));
            world.add_workspace("env-c", id, age);
        }
        world.add_workspace("env-c", "orphan", 300);
        unsaved(&mut world, "e");
        world
    }

    fn deleted(plan: &Plan) -> Vec<&str> {
        plan.steps
            .iter()
            .filter(|s| s.workspace.is_some())
            .map(|s| s.task_id.as_str())
            .collect()
    }

    #[test]
    fn quota_levels() {
        // (used, limit, warn %, level)
        let table = [
            (0, 1000, 80, QuotaLevel::Ok),
            (799, 1000, 80, QuotaLevel::Ok),
            (800, 1000, 80, QuotaLevel::Warning),
            (1000, 1000, 80, QuotaLevel::Warning),
            (1001, 1000, 80, QuotaLevel::Over),
            (999, 1000, 100, QuotaLevel::Ok),
            (1, 1000, 0, QuotaLevel::Warning),
            (u64::MAX, u64::MAX, 99, QuotaLevel::Warning),
        ];
        for (used, limit, warn_percent, level) in table {
            let quota = Quota {
                limit_bytes: limit,
                warn_percent,
                auto_clean: false,
            };
            assert_eq!(
                quota_level(used, &quota),
                level,
                "{used} of {limit} at {warn_percent}%"
            );
        }
    }

    #[test]
    fn quotas_delete_the_oldest_eligible_workspaces_until_under() -> Result<(), PlanError> {
        let world = quota_world();
        // (limit, allow unsaved, keep_on_error, deleted in order, still over)
        let table: [(u64, bool, bool, &[&str], bool); 6] = [
            (7000, false, true, &[], false),
            (6500, false, true, &["a"], false),
            (4500, false, true, &["a", "b", "f"], false),
            (3500, false, true, &["a", "b", "f"], true),
            (4500, true, true, &["a", "b", "e"], false),
            (4500, false, false, &["c", "a", "b"], false),
        ];
        for (limit, allow_unsaved, keep_on_error, expected, still_over) in table {
            let plan = world.plan(&Action::EnforceQuotas {
                quotas: BTreeMap::from([("env-c".to_owned(), quota(limit, false))]),
                keep_on_error,
                allow_unsaved,
            })?;
            let case = format!("limit {limit}, unsaved {allow_unsaved}, keep {keep_on_error}");
            assert_eq!(deleted(&plan), expected, "{case}");
            assert!(
                plan.steps
                    .iter()
                    .all(|s| s.record_change == RecordChange::Keep),
                "{case}"
            );
            let over = plan.warnings.iter().find(|w| w.contains("stays over"));
            assert_eq!(over.is_some(), still_over, "{case}: {:?}", plan.warnings);
            if let Some(over) = over {
                for why in ["active", "kept for debugging", "unsaved git work", "orphan"] {
                    assert!(over.contains(why), "{case}: {over}");
                }
            }
            if allow_unsaved {
                assert!(
                    plan.warnings.iter().any(|w| w.contains("task e:")),
                    "{case}"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn quotas_of_other_or_unknown_environments_change_nothing() -> Result<(), PlanError> {
        let world = quota_world();
        let plan = world.plan(&Action::EnforceQuotas {
            quotas: BTreeMap::from([
                ("env-m".to_owned(), quota(1, false)),
                ("no-such-env".to_owned(), quota(1, false)),
            ]),
            keep_on_error: true,
            allow_unsaved: false,
        })?;
        assert!(plan.steps.is_empty());
        Ok(())
    }

    #[test]
    fn the_scheduled_cleanup_archives_sweeps_and_enforces_auto_quotas_once_each()
    -> Result<(), PlanError> {
        let mut world = quota_world();
        world.add_workspace("env-c", "young-orphan", 0);
        let scheduled = |auto_clean: bool| Action::Scheduled {
            keep_on_error: true,
            allow_unsaved: false,
            clean_done: true,
            older_than_hours: 24.0,
            quotas: BTreeMap::from([("env-c".to_owned(), quota(1500, auto_clean))]),
        };
        let plan = world.plan(&scheduled(false))?;
        // Archive: a, b, e, f (done) with their workspaces unless unsaved; c archived,
        // its workspace kept, then swept (100 h old) in the same step. The sweep adds the
        // old orphan; the running task is never touched.
        assert_eq!(describe(&plan, "a"), "archive+ws");
        assert_eq!(describe(&plan, "c"), "archive+ws");
        assert_eq!(describe(&plan, "e"), "archive");
        assert_eq!(describe(&plan, "d"), "skip");
        assert_eq!(describe(&plan, "orphan"), "keep+ws");
        assert_eq!(describe(&plan, "young-orphan"), "none");
        let mut records: Vec<_> = plan.steps.iter().filter_map(|s| s.record.clone()).collect();
        let count = records.len();
        records.dedup();
        assert_eq!(records.len(), count, "one step per record");
        // 2000 bytes remain (d and e, 1000 each, plus the young orphan = 3000) over a
        // 1500 quota; nothing else may go, so with auto-clean it is explained.
        let auto = world.plan(&scheduled(true))?;
        assert_eq!(deleted(&auto), deleted(&plan));
        assert!(
            auto.warnings.iter().any(|w| w.contains("stays over")),
            "{:?}",
            auto.warnings
        );
        assert!(!plan.warnings.iter().any(|w| w.contains("stays over")));
        Ok(())
    }

    #[test]
    fn while_agents_runner_runs_no_active_record_is_changed_and_workspaces_still_go()
    -> Result<(), PlanError> {
        let archived = |id: &str| {
            let mut record = task(id, "env-c", "done", Some(0));
            record.archived = true;
            record.file = PathBuf::from(format!("{DATA}/tasks/done/{id}.toml"));
            record
        };
        let mut cancelled = task("can", "env-c", "cancelled", None);
        cancelled.finalization_state = Some("done".into());
        let mut world = World::new(vec![
            task("done", "env-c", "done", Some(0)),
            task("fail", "env-c", "failed", Some(1)),
            task("run", "env-c", "running", None),
            cancelled,
            archived("old"),
        ]);
        world.add_workspace("env-c", "orphan", 300);
        let runner = RunnerProcess {
            pid: 4242,
            unsure: None,
            started: None,
        };
        let ids = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
        let archive = Action::Archive {
            keep_on_error: false,
            allow_unsaved: false,
            clean_done: true,
        };
        let sweep = Action::Sweep {
            older_than_hours: 24.0,
            env_id: None,
            force: false,
            allow_unsaved: false,
        };
        let scheduled = Action::Scheduled {
            keep_on_error: false,
            allow_unsaved: false,
            clean_done: true,
            older_than_hours: 24.0,
            quotas: BTreeMap::new(),
        };
        // (action, task, without Agents-Runner, beside it); "held" is a refusal that
        // names it, followed by what is still planned for the task.
        let table: Vec<(Action, &str, &str, &str)> = vec![
            (archive.clone(), "done", "archive+ws", "held"),
            (archive.clone(), "fail", "archive+ws", "held"),
            (archive.clone(), "can", "archive+ws", "held"),
            (archive.clone(), "run", "skip", "skip"),
            (archive.clone(), "old", "none", "none"),
            (
                Action::Discard {
                    task_ids: ids(&["done"]),
                    force: false,
                },
                "done",
                "discard+ws",
                "held",
            ),
            (
                Action::Discard {
                    task_ids: ids(&["run"]),
                    force: true,
                },
                "run",
                "discard+ws",
                "held",
            ),
            // Archived records are not in its memory (unless it archived them itself,
            // which the executor checks on the disk).
            (
                Action::Discard {
                    task_ids: ids(&["old"]),
                    force: false,
                },
                "old",
                "discard-in-place+ws",
                "discard-in-place+ws",
            ),
            (
                Action::Complete {
                    task_ids: ids(&["done"]),
                    keep_on_error: true,
                    force: false,
                },
                "done",
                "keep+ws",
                "held",
            ),
            (
                Action::Complete {
                    task_ids: ids(&["old"]),
                    keep_on_error: true,
                    force: false,
                },
                "old",
                "keep+ws",
                "keep+ws",
            ),
            // Deleting workspaces needs no record change: as before.
            (sweep.clone(), "done", "keep+ws", "keep+ws"),
            (sweep.clone(), "can", "keep+ws", "keep+ws"),
            (sweep.clone(), "old", "keep+ws", "keep+ws"),
            (sweep.clone(), "orphan", "keep+ws", "keep+ws"),
            (sweep.clone(), "run", "skip", "skip"),
            (
                Action::DeleteOrphans {
                    paths: Vec::new(),
                    allow_unsaved: false,
                },
                "orphan",
                "keep+ws",
                "keep+ws",
            ),
            // The schedule's archive step is refused; its sweep still frees the space.
            (scheduled.clone(), "done", "archive+ws", "held, keep+ws"),
            (scheduled.clone(), "can", "archive+ws", "held, keep+ws"),
            (scheduled.clone(), "run", "skip", "skip"),
        ];
        for (action, task_id, alone, beside) in table {
            let without = world.plan(&action)?;
            assert_eq!(describe(&without, task_id), alone, "{action:?} {task_id}");
            assert!(without.skipped.iter().all(|s| !s.held_by_agents_runner));
            let with = world.plan_beside(&action, Some(&runner))?;
            let held: Vec<&Skipped> = with
                .skipped
                .iter()
                .filter(|s| s.task_id == task_id && s.held_by_agents_runner)
                .collect();
            let planned = with.steps.iter().any(|s| s.task_id == task_id);
            let shown = match (held.is_empty(), planned) {
                (true, _) => describe(&with, task_id),
                (false, false) => "held".into(),
                (false, true) => format!("held, {}", describe(&with, task_id)),
            };
            assert_eq!(shown, beside, "{action:?} {task_id} beside Agents-Runner");
            for skipped in held {
                assert!(skipped.refused);
                assert!(
                    skipped
                        .reason
                        .starts_with(&format!("{DATA}/tasks/{task_id}.toml: ")),
                    "{}",
                    skipped.reason
                );
                assert!(
                    skipped.reason.ends_with(&runner.refusal()),
                    "{}",
                    skipped.reason
                );
            }
            for step in &with.steps {
                let changed = changed_record(&action, step);
                assert!(
                    changed.is_none_or(paths::is_archived_record),
                    "{action:?}: {step:?} changes an active record"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn which_steps_change_their_record() {
        let step = |record: Option<&str>, change: RecordChange| Step {
            task_id: "t".into(),
            env_id: "env-c".into(),
            record: record.map(PathBuf::from),
            record_change: change,
            workspace: None,
            container_id: None,
            bytes: 0,
            reason: String::new(),
            git: None,
        };
        let active = Some("/data/tasks/t.toml");
        let sweep = Action::Sweep {
            older_than_hours: 1.0,
            env_id: None,
            force: false,
            allow_unsaved: false,
        };
        let complete = Action::Complete {
            task_ids: Vec::new(),
            keep_on_error: true,
            force: false,
        };
        let discard = Action::Discard {
            task_ids: Vec::new(),
            force: false,
        };
        let table = [
            (&sweep, step(active, RecordChange::Keep), false),
            (&sweep, step(None, RecordChange::Keep), false),
            (&complete, step(active, RecordChange::Keep), true),
            (&discard, step(active, RecordChange::Keep), true),
            (&sweep, step(active, RecordChange::Archive), true),
            (
                &discard,
                step(active, RecordChange::Discard { archive: true }),
                true,
            ),
        ];
        for (action, step, changes) in table {
            assert_eq!(
                changed_record(action, &step).is_some(),
                changes,
                "{action:?} {step:?}"
            );
        }
    }

    #[test]
    fn orphans_old_enough_and_saved_are_deleted() -> Result<(), PlanError> {
        let mut world = World::new(vec![task("t1", "env-c", "done", Some(0))]);
        world.add_workspace("env-c", "old", 30);
        world.add_workspace("env-c", "new", 0);
        world.add_workspace("env-c", "dirty", 30);
        unsaved(&mut world, "dirty");
        world.add_workspace("env-m", "mounted", 30);
        let all = |allow_unsaved| Action::DeleteOrphans {
            paths: Vec::new(),
            allow_unsaved,
        };
        let plan = world.plan(&all(false))?;
        assert_eq!(deleted(&plan), ["old"]);
        assert_eq!(
            describe(&plan, "t1"),
            "none",
            "a task's workspace is no orphan"
        );
        assert!(
            plan.skipped
                .iter()
                .any(|s| s.task_id == "new" && !s.refused)
        );
        assert!(
            plan.skipped
                .iter()
                .any(|s| s.task_id == "dirty" && s.refused)
        );
        assert!(
            plan.skipped
                .iter()
                .any(|s| s.task_id == "mounted" && s.refused)
        );
        assert!(plan.steps.iter().all(|s| s.record.is_none()));
        assert_eq!(deleted(&world.plan(&all(true))?), ["old", "dirty"]);
        let named = world.plan(&Action::DeleteOrphans {
            paths: vec![ws_path("env-c", "dirty")],
            allow_unsaved: true,
        })?;
        assert_eq!(deleted(&named), ["dirty"]);
        let not_orphan = ws_path("env-c", "t1");
        assert_eq!(
            world.plan(&Action::DeleteOrphans {
                paths: vec![not_orphan.clone()],
                allow_unsaved: false,
            }),
            Err(PlanError::NotAnOrphan(not_orphan))
        );
        Ok(())
    }

    fn legacy(mut record: TaskRecord) -> TaskRecord {
        record.legacy = true;
        record.file = record.file.with_extension("json");
        record.finalization_state = None;
        record
    }

    #[test]
    fn legacy_records_are_never_changed_but_their_workspaces_follow_the_same_rules()
    -> Result<(), PlanError> {
        let mut world = World::new(vec![
            legacy(task("old", "env-c", "done", Some(0))),
            legacy(task("busy", "env-c", "running", None)),
        ]);
        world.snapshot.tasks[0].finalization_state = Some("done".into());
        let archive = world.plan(&Action::Archive {
            keep_on_error: true,
            allow_unsaved: false,
            clean_done: true,
        })?;
        assert!(archive.steps.is_empty(), "{archive:?}");
        assert!(
            archive
                .skipped
                .iter()
                .any(|s| s.task_id == "old" && s.reason.contains("legacy JSON record")),
            "{archive:?}"
        );
        let named = |ids: &[&str], force: bool| Action::Discard {
            task_ids: ids.iter().map(|id| (*id).to_owned()).collect(),
            force,
        };
        let discard = world.plan(&named(&["old"], false))?;
        assert_eq!(
            describe(&discard, "old"),
            "keep+ws",
            "status left, workspace goes"
        );
        assert!(discard.warnings.iter().any(|w| w.contains("read-only")));
        // An active-looking legacy status is active, stale or not: only force takes it.
        assert_eq!(
            describe(&world.plan(&named(&["busy"], false))?, "busy"),
            "skip"
        );
        assert_eq!(
            describe(&world.plan(&named(&["busy"], true))?, "busy"),
            "keep+ws"
        );
        let sweep = |force| Action::Sweep {
            older_than_hours: 24.0,
            env_id: None,
            force,
            allow_unsaved: false,
        };
        let swept = world.plan(&sweep(false))?;
        assert_eq!(describe(&swept, "old"), "keep+ws");
        assert_eq!(describe(&swept, "busy"), "skip");
        assert_eq!(describe(&world.plan(&sweep(true))?, "busy"), "keep+ws");
        let complete = world.plan(&Action::Complete {
            task_ids: vec!["old".into()],
            keep_on_error: true,
            force: false,
        })?;
        assert_eq!(describe(&complete, "old"), "keep+ws");
        // Their workspaces are theirs: never orphans.
        let orphans = world.plan(&Action::DeleteOrphans {
            paths: Vec::new(),
            allow_unsaved: false,
        })?;
        assert!(orphans.steps.is_empty() && orphans.skipped.is_empty());
        Ok(())
    }

    #[test]
    fn backups_and_deleted_environments_folders_go_only_when_named() -> Result<(), PlanError> {
        let mut gone_done = task("t8", "env-gone", "done", Some(0));
        gone_done.archived = true;
        let mut world = World::new(vec![
            task("t1", "env-c", "done", Some(0)),
            gone_done,
            task("t9", "env-gone", "running", None),
        ]);
        world.add_workspace("env-c", "t1.bak-123", 30);
        world.add_workspace("env-c", "t1.bak-new", 30);
        world.add_workspace("env-m", "t2.bak-5", 30);
        for folder in ["x1", "t8", "t9", "y2.bak-7"] {
            world.add_workspace("env-gone", folder, 30);
        }
        let by_name_only = ["t1.bak-123", "x1", "t8", "t9", "y2.bak-7"];
        let scheduled = world.plan(&Action::Scheduled {
            keep_on_error: true,
            allow_unsaved: true,
            clean_done: true,
            older_than_hours: 1.0,
            quotas: BTreeMap::new(),
        })?;
        let sweep = world.plan(&Action::Sweep {
            older_than_hours: 1.0,
            env_id: None,
            force: true,
            allow_unsaved: true,
        })?;
        let all = world.plan(&Action::DeleteOrphans {
            paths: Vec::new(),
            allow_unsaved: true,
        })?;
        for plan in [&scheduled, &sweep, &all] {
            for folder in by_name_only {
                assert_eq!(describe(plan, folder), "skip", "{folder}: {plan:?}");
            }
        }
        assert!(sweep.skipped.iter().any(|s| s.task_id == "t1.bak-123"
            && s.reason.contains("backup of task t1")
            && s.reason.contains("never swept")));
        assert!(
            sweep.skipped.iter().any(|s| s.task_id == "x1"
                && s.reason.contains("folder of deleted environment env-gone"))
        );
        // A name that only looks like a backup is a plain orphan.
        assert_eq!(deleted(&all), ["t1.bak-new"]);

        let named = |folders: &[(&str, &str)]| Action::DeleteOrphans {
            paths: folders.iter().map(|(env, f)| ws_path(env, f)).collect(),
            allow_unsaved: false,
        };
        let plan = world.plan(&named(&[
            ("env-c", "t1.bak-123"),
            ("env-gone", "x1"),
            ("env-gone", "t8"),
            ("env-gone", "y2.bak-7"),
        ]))?;
        assert_eq!(deleted(&plan), ["t1.bak-123", "x1", "t8", "y2.bak-7"]);
        let kinds: Vec<(FolderKind, WorkspaceType)> = plan
            .steps
            .iter()
            .filter_map(|s| s.workspace.as_ref().map(|w| (w.kind, w.workspace_type)))
            .collect();
        assert_eq!(
            kinds,
            [
                (FolderKind::Backup, WorkspaceType::Cloned),
                (FolderKind::DeletedEnvironment, WorkspaceType::None),
                (FolderKind::DeletedEnvironment, WorkspaceType::None),
                (FolderKind::DeletedEnvironment, WorkspaceType::None),
            ]
        );
        let with_record = plan
            .steps
            .iter()
            .find(|s| s.workspace.as_ref().is_some_and(|w| w.task_id == "t8"))
            .ok_or("t8 planned")
            .map_err(|_| PlanError::UnknownTask("t8".into()))?;
        assert_eq!(
            with_record.record.as_deref(),
            Some(Path::new("/data/tasks/t8.toml")),
            "its record is re-read before the delete"
        );
        assert!(plan.steps[0].reason.starts_with("backup of task t1"));
        // A running task's folder stays even in a deleted environment; a backup of a
        // mounted environment is the user's.
        let refused = world.plan(&named(&[("env-gone", "t9"), ("env-m", "t2.bak-5")]))?;
        assert!(refused.steps.is_empty(), "{refused:?}");
        assert!(refused.skipped.iter().all(|s| s.refused), "{refused:?}");

        // Git guards apply: unsaved work keeps a named folder unless allowed.
        world.git.insert(
            ws_path("env-gone", "x1"),
            GitStatus::Known(GitState {
                branch: Some("agent/x1".into()),
                uncommitted: 0,
                unpushed: 3,
            }),
        );
        let guarded = world.plan(&named(&[("env-gone", "x1")]))?;
        assert!(guarded.steps.is_empty(), "{guarded:?}");
        assert!(
            guarded
                .skipped
                .iter()
                .any(|s| s.refused && s.reason.contains("force"))
        );
        let allowed = world.plan(&Action::DeleteOrphans {
            paths: vec![ws_path("env-gone", "x1")],
            allow_unsaved: true,
        })?;
        assert_eq!(deleted(&allowed), ["x1"]);
        assert!(!allowed.warnings.is_empty());

        // When environments.json could not be read whole, no environment is taken for
        // deleted: its folders stay unknown, and unknown folders are left alone.
        world.snapshot.environment_ids = None;
        let unsure = world.plan(&named(&[("env-gone", "x1")]))?;
        assert!(unsure.steps.is_empty());
        assert!(
            unsure
                .skipped
                .iter()
                .any(|s| s.refused && s.reason.contains("matches no environment")),
            "{unsure:?}"
        );
        Ok(())
    }

    /// The refusal a plan gives the task `task_id` for a mount point, if any.
    fn mount_refusal<'p>(plan: &'p Plan, task_id: &str) -> Option<&'p Skipped> {
        plan.skipped
            .iter()
            .find(|s| s.task_id == task_id && s.refused && s.mount_point.is_some())
    }

    #[test]
    fn a_workspace_that_is_or_holds_a_mount_point_is_refused_by_every_action()
    -> Result<(), PlanError> {
        let mut world = World::new(vec![task("t1", "env-c", "done", Some(0))]);
        world.add_workspace("env-c", "orphan", 30);
        let t1 = ws_path("env-c", "t1");
        let orphan = ws_path("env-c", "orphan");
        let ids = vec!["t1".to_owned()];
        let quotas = BTreeMap::from([("env-c".to_owned(), quota(1, true))]);
        // (action, the task or folder refused, its workspace)
        let actions = [
            (
                Action::Archive {
                    keep_on_error: true,
                    allow_unsaved: false,
                    clean_done: true,
                },
                "t1",
                &t1,
            ),
            (
                Action::Discard {
                    task_ids: ids.clone(),
                    force: true,
                },
                "t1",
                &t1,
            ),
            (
                Action::Sweep {
                    older_than_hours: 1.0,
                    env_id: None,
                    force: true,
                    allow_unsaved: true,
                },
                "t1",
                &t1,
            ),
            (
                Action::Complete {
                    task_ids: ids,
                    keep_on_error: false,
                    force: true,
                },
                "t1",
                &t1,
            ),
            (
                Action::EnforceQuotas {
                    quotas: quotas.clone(),
                    keep_on_error: false,
                    allow_unsaved: true,
                },
                "t1",
                &t1,
            ),
            (
                Action::DeleteOrphans {
                    paths: Vec::new(),
                    allow_unsaved: true,
                },
                "orphan",
                &orphan,
            ),
            (
                Action::Scheduled {
                    keep_on_error: false,
                    allow_unsaved: true,
                    clean_done: true,
                    older_than_hours: 1.0,
                    quotas,
                },
                "t1",
                &t1,
            ),
        ];
        for (action, refused, workspace) in &actions {
            // The workspace itself, a mount two levels down; from the mount table, and
            // from the sizing where there is no table.
            for mount_point in [workspace.to_path_buf(), workspace.join("a/mnt")] {
                for from_table in [true, false] {
                    let mut world = World {
                        snapshot: world.snapshot.clone(),
                        usage: world.usage.clone(),
                        git: world.git.clone(),
                        mount_points: None,
                        now: world.now,
                    };
                    if from_table {
                        world.mount_points = Some(BTreeSet::from([
                            mount_point.clone(),
                            PathBuf::from("/elsewhere"),
                        ]));
                    } else if let Some(usage) = world.usage.get_mut(*workspace) {
                        usage.mount_points.push(mount_point.clone());
                    }
                    let plan = world.plan(action)?;
                    let case = format!(
                        "{} with {mount_point:?} (table {from_table})",
                        action.verb()
                    );
                    assert!(
                        plan.steps.iter().all(|s| s.task_id != *refused),
                        "{case}: no step for it at all, its record included: {:?}",
                        plan.steps
                    );
                    let skipped = mount_refusal(&plan, refused)
                        .ok_or_else(|| PlanError::UnknownTask(case.clone()))?;
                    assert_eq!(skipped.mount_point.as_ref(), Some(&mount_point), "{case}");
                    assert_eq!(
                        skipped.reason,
                        format!(
                            "{} is a mount point: unmount it first (workspace {} left alone)",
                            mount_point.display(),
                            workspace.display()
                        ),
                        "{case}"
                    );
                }
            }
        }
        // A mount point elsewhere, or beside the workspace with a name it starts with,
        // keeps nothing.
        world.mount_points = Some(BTreeSet::from([
            PathBuf::from(format!("{}0", t1.display())),
            ws_path("env-c", "other"),
        ]));
        let plan = world.plan(&Action::Discard {
            task_ids: vec!["t1".into()],
            force: false,
        })?;
        assert_eq!(describe(&plan, "t1"), "discard+ws");
        assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
        Ok(())
    }

    #[test]
    fn quotas_pass_over_a_workspace_holding_a_mount_and_say_why() -> Result<(), PlanError> {
        let mut world = quota_world();
        world.mount_points = Some(BTreeSet::from([ws_path("env-c", "a").join("mnt")]));
        let plan = world.plan(&Action::EnforceQuotas {
            quotas: BTreeMap::from([("env-c".to_owned(), quota(6500, false))]),
            keep_on_error: true,
            allow_unsaved: false,
        })?;
        assert_eq!(deleted(&plan), ["b"], "the next oldest instead of a");
        assert!(mount_refusal(&plan, "a").is_some(), "{:?}", plan.skipped);
        let plan = world.plan(&Action::EnforceQuotas {
            quotas: BTreeMap::from([("env-c".to_owned(), quota(3500, false))]),
            keep_on_error: true,
            allow_unsaved: false,
        })?;
        let over = plan
            .warnings
            .iter()
            .find(|w| w.contains("stays over"))
            .ok_or(PlanError::InvalidAge("no warning".into()))?;
        assert!(
            over.contains("1 kB in workspaces that are or hold a mount point"),
            "{over}"
        );
        Ok(())
    }
}
