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

    /// Whether the action lets tasks that may still be running go (the `force` of a
    /// discard, a sweep or a completion): the plan takes them with a warning, and the
    /// executor's re-check of each record right before it acts lets them through too.
    pub fn forces_active(&self) -> bool {
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
