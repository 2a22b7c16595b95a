//! The plan and what it is made of: the [`Action`] asked for, the [`Step`]s that carry it
//! out, the tasks left alone ([`Skipped`]), and everything a decision may look at ([`PlanInput`]).

use super::{DeleteMode, Quota};
use crate::agents_runner::RunnerProcess;
use crate::git::GitStatus;
use crate::scan::Usage;
use crate::store::{FolderKind, Snapshot, WorkspaceType};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use thiserror::Error;

/// What the user (or a schedule) asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Archive finished, finalized tasks; delete workspaces of done ones (seed table).
    Archive {
        /// Keep the workspaces of failed tasks, for debugging.
        keep_on_error: bool,
        /// Delete workspaces with uncommitted or unpushed work too (with a warning).
        allow_unsaved: bool,
        /// Delete the workspaces of tasks that ended well (`archive_cleans_done`).
        clean_done: bool,
        /// Unsaved work (commits on no remote) merged or squash-merged into the base
        /// branch does not keep a workspace (`delete_merged_unsaved`).
        merged_unsaved: bool,
    },
    /// Throw the given tasks away: status `discarded`, archived, container and workspace removed.
    Discard {
        /// The tasks, as the user named them.
        task_ids: Vec<String>,
        /// Take tasks that may still be running too.
        force: bool,
    },
    /// Delete workspaces whose newest file is older than the given age. `force` lets
    /// running tasks' workspaces and unsaved work go; `allow_unsaved`, only the latter.
    Sweep {
        /// The age, in hours since the newest file changed.
        older_than_hours: f64,
        /// Only this environment's workspaces; every environment's when `None`.
        env_id: Option<String>,
        /// Take running tasks' workspaces and unsaved work too.
        force: bool,
        /// Take workspaces with unsaved git work (with a warning).
        allow_unsaved: bool,
        /// Unsaved work merged or squash-merged into the base branch does not keep a
        /// workspace (`delete_merged_unsaved`).
        merged_unsaved: bool,
    },
    /// Clean up after the given tasks finished, keeping failed ones when `keep_on_error`.
    Complete {
        /// The tasks, as the user named them.
        task_ids: Vec<String>,
        /// Keep the workspaces of failed tasks, for debugging.
        keep_on_error: bool,
        /// Take tasks that may still be running, and unsaved work, too.
        force: bool,
    },
    /// Delete the oldest finished workspaces of each environment over its quota until
    /// it is under (quotas by environment id).
    EnforceQuotas {
        /// The quota of each environment, by environment id.
        quotas: BTreeMap<String, Quota>,
        /// Keep the workspaces of failed tasks, for debugging.
        keep_on_error: bool,
        /// Take workspaces with unsaved git work (with a warning).
        allow_unsaved: bool,
    },
    /// Delete workspace folders no task record points at: the given ones (backups and
    /// deleted environments' folders too), or every plain orphan when `paths` is empty.
    DeleteOrphans {
        /// The folders the user chose; every plain orphan when empty.
        paths: Vec<PathBuf>,
        /// Take folders with unsaved git work (with a warning).
        allow_unsaved: bool,
    },
    /// Delete the workspaces of the given finished tasks whose work git shows is safe
    /// (merged, squash-merged, pushed and clean, no commits); the rest are refused.
    DeleteSafe {
        /// The tasks, as the user chose them (the window's shown rows).
        task_ids: Vec<String>,
    },
    /// The unattended cleanup: archive, then sweep, then the quotas marked auto-clean.
    /// Never touches active tasks.
    Scheduled {
        /// Keep the workspaces of failed tasks, for debugging.
        keep_on_error: bool,
        /// Take workspaces with unsaved git work (with a warning).
        allow_unsaved: bool,
        /// Archiving deletes the workspaces of tasks that ended well.
        clean_done: bool,
        /// The sweep's age, in hours.
        older_than_hours: f64,
        /// Every quota; only those marked auto-clean are enforced.
        quotas: BTreeMap<String, Quota>,
        /// Unsaved work (commits on no remote) that is merged or squash-merged into the
        /// base branch does not keep a finished task's workspace (`delete_merged_unsaved`).
        merged_unsaved: bool,
        /// Then the failed tasks' kept workspaces are slimmed (`archive_slims_failed`;
        /// the worker runs that slim after the plan, it is not part of it).
        slim_failed: bool,
    },
}

impl Action {
    /// True when git's answers only go into the plan's report and never change what it
    /// does: a discard takes a workspace whatever unsaved work it holds (with a
    /// warning naming it).
    pub fn git_only_reports(&self) -> bool {
        matches!(self, Self::Discard { .. })
    }

    /// The action in a word or two, for logs, reports and the lock's holder line.
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Archive { .. } => "archive",
            Self::Discard { .. } => "discard",
            Self::Sweep { .. } => "sweep",
            Self::Complete { .. } => "complete",
            Self::EnforceQuotas { .. } => "enforce quotas",
            Self::DeleteOrphans { .. } => "delete orphans",
            Self::DeleteSafe { .. } => "delete safe workspaces",
            Self::Scheduled { .. } => "scheduled cleanup",
        }
    }

    /// Whether the action lets tasks that may still be running go (the `force` of a
    /// discard, a sweep or a completion): the plan takes them with a warning, and the
    /// executor's re-check of each record right before it acts lets them through too.
    pub(crate) fn forces_active(&self) -> bool {
        matches!(
            self,
            Self::Discard { force: true, .. }
                | Self::Sweep { force: true, .. }
                | Self::Complete { force: true, .. }
        )
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
    Discard {
        /// Move it to `tasks/done/` too (false when it is archived already).
        archive: bool,
    },
}

/// A workspace folder to delete, named as the remover needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceDeletion {
    /// The folder, as the snapshot found it (for people and git; the remover rebuilds
    /// it from the names below).
    pub path: PathBuf,
    /// The environment's folder under `managed-repos/` (its id: only plain ids are ever
    /// deleted).
    pub env_id: String,
    /// The folder's name under `tasks/`: the task id, or a backup's `<task>.bak-<digits>`.
    pub task_id: String,
    /// The environment's type as the store read it; the remover deletes only `Cloned`
    /// (a deleted environment has none).
    pub workspace_type: WorkspaceType,
    /// The shape of folder, which decides how the remover validates it.
    pub kind: FolderKind,
}

/// What the plan does to one task (or one folder without a record): its record, its
/// container and its workspace, in that order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The task id, or the folder name for a workspace without a record.
    pub task_id: String,
    /// The task's environment id (the folder's environment for one without a record).
    pub env_id: String,
    /// The record file, if the task has one.
    pub record: Option<PathBuf>,
    /// What happens to the record.
    pub record_change: RecordChange,
    /// The workspace folder to delete, if any.
    pub workspace: Option<WorkspaceDeletion>,
    /// The container to remove, if any (a discard's).
    pub container_id: Option<String>,
    /// On-disk bytes the step frees (0 when not scanned).
    pub bytes: u64,
    /// Why this step is in the plan, for people.
    pub reason: String,
    /// The workspace's git state when the plan was made.
    pub git: Option<GitStatus>,
}

/// A task (or folder) the plan leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The task id, or the folder name for a workspace without a record.
    pub task_id: String,
    /// Why, for people.
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
    /// The same action with force would take it (a task that may still be running,
    /// a workspace with unsaved work): the CLI's `--force`, the window's "Include
    /// running tasks and unsaved work".
    pub force_includes: bool,
}

/// What an action will do, decided before anything is touched: shown by `--dry-run` and
/// the confirm dialog, then carried out by the executor as it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// What was asked for.
    pub action: Action,
    /// What will be done, one step per task or folder.
    pub steps: Vec<Step>,
    /// What is left alone, and why.
    pub skipped: Vec<Skipped>,
    /// What the user should know before confirming (unsaved work lost, forced tasks).
    pub warnings: Vec<String>,
    /// On-disk bytes the steps free (those not sized count 0).
    pub bytes_to_free: u64,
    /// What happens to the workspaces: deleted, or moved to the system trash.
    pub delete_mode: DeleteMode,
}

impl Plan {
    /// A plan with nothing in it yet.
    pub(super) fn empty(action: Action, delete_mode: DeleteMode) -> Self {
        Self {
            action,
            steps: Vec::new(),
            skipped: Vec::new(),
            warnings: Vec::new(),
            bytes_to_free: 0,
            delete_mode,
        }
    }

    /// Workspaces this plan would delete (for git checks before the final plan).
    pub fn workspace_paths(&self) -> Vec<PathBuf> {
        self.steps
            .iter()
            .filter_map(|s| s.workspace.as_ref().map(|w| w.path.clone()))
            .collect()
    }

    /// True when the plan has no step (there may still be skipped tasks to show).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The part of this plan that concerns `task_ids`: their steps, skips and the
    /// warnings naming them (`task ID: ...`), with the bytes counted again. For an
    /// action over every task (archive) applied to the ones the user picked: its
    /// decisions are made task by task, so the part is the plan of those tasks alone.
    pub fn narrowed_to(mut self, task_ids: &BTreeSet<String>) -> Plan {
        self.steps.retain(|step| task_ids.contains(&step.task_id));
        self.skipped
            .retain(|skipped| task_ids.contains(&skipped.task_id));
        self.warnings.retain(|warning| {
            warning
                .strip_prefix("task ")
                .and_then(|rest| rest.split_once(':'))
                .is_some_and(|(id, _)| task_ids.contains(id))
        });
        self.bytes_to_free = self.steps.iter().map(|step| step.bytes).sum();
        self
    }
}

/// Why no plan could be made for a request: the request itself is wrong.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// A task id the user named has no record.
    #[error("unknown task id {0:?}")]
    UnknownTask(String),
    /// A sweep age that is negative or not a number.
    #[error("invalid age {0}: give a positive number of hours")]
    InvalidAge(String),
    /// A folder the user named is not an orphan (it has a record, or is not a workspace folder).
    #[error("{0} is not an orphan workspace folder")]
    NotAnOrphan(PathBuf),
}

/// Everything a decision may look at.
pub struct PlanInput<'a> {
    /// The data directory as the store read it.
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
    /// The time ages are measured against (the policy never reads the clock).
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
