//! "Slim": which workspaces to slim, and what of each (the entries git ignores, with
//! their sizes). Pure: the executor asks git and sizes the entries, then asks here.
//!
//! Only finished tasks are slimmed (a running task may be using its build output), only
//! managed workspaces of cloned environments, and never an entry through `.git`.

use super::activity::{Activity, activity};
use super::plan::{PlanError, Skipped};
use crate::status::StatusClass;
use crate::store::{Snapshot, TaskRecord, WorkspaceLocation};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Which tasks' workspaces to slim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlimSelection {
    /// The tasks named by the user (an unknown id is an error).
    Tasks(Vec<String>),
    /// Every finished task's workspace, active and archived records alike.
    AllFinished,
    /// The workspaces of archived failed tasks, kept for debugging
    /// (`archive_slims_failed`); a task not archived yet may still be finalizing.
    KeptFailed,
}

/// One entry a slim deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlimEntry {
    /// Relative to the workspace (`target`, `web/node_modules`).
    pub path: PathBuf,
    /// On-disk bytes (0 when it could not be sized).
    pub bytes: u64,
}

/// One workspace a slim makes smaller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlimWorkspace {
    /// Its task.
    pub task_id: String,
    /// Its task's environment (the folder under `managed-repos/`).
    pub env_id: String,
    /// The workspace folder.
    pub path: PathBuf,
    /// The task's record, asked again right before the slim.
    pub record: PathBuf,
    /// What git ignores in it, largest first.
    pub entries: Vec<SlimEntry>,
    /// Their on-disk bytes together.
    pub bytes: u64,
}

/// An entry git ignores that a slim leaves where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlimLeftAlone {
    /// Its task.
    pub task_id: String,
    /// The entry (absolute).
    pub path: PathBuf,
    /// Why it stays.
    pub reason: String,
}

/// What a slim will do, decided before anything is touched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlimPlan {
    /// What was asked for.
    pub selection: SlimSelection,
    /// The workspaces to slim.
    pub workspaces: Vec<SlimWorkspace>,
    /// Tasks left alone, and why.
    pub skipped: Vec<Skipped>,
    /// Entries of the slimmed workspaces left alone, and why.
    pub left_alone: Vec<SlimLeftAlone>,
    /// On-disk bytes the slim frees.
    pub bytes_to_free: u64,
}

impl SlimPlan {
    /// Nothing to slim.
    pub fn is_empty(&self) -> bool {
        self.workspaces.is_empty()
    }
}

/// What the decision looks at, beside the snapshot.
pub struct SlimInput<'a> {
    /// The data directory as the store read it.
    pub snapshot: &'a Snapshot,
    /// What git ignores in each workspace asked about (relative entries), or why git
    /// could not say; a workspace not in it is not on disk.
    pub ignored: &'a HashMap<PathBuf, Result<Vec<PathBuf>, String>>,
    /// On-disk bytes by entry (absolute path).
    pub sizes: &'a HashMap<PathBuf, u64>,
    /// Entries (absolute) that hold a repository of their own, with its `.git`: left
    /// alone (the remover would refuse them too).
    pub repositories: &'a HashMap<PathBuf, PathBuf>,
}

/// The tasks `selection` names, with their workspaces: what to ask git about. An
/// unknown task id is an error.
pub fn slim_candidates<'s>(
    selection: &SlimSelection,
    snapshot: &'s Snapshot,
) -> Result<Vec<(&'s TaskRecord, Option<PathBuf>)>, PlanError> {
    let managed = |task: &'s TaskRecord| match snapshot.workspace_location(task) {
        WorkspaceLocation::Managed(path) => (task, Some(path)),
        _ => (task, None),
    };
    match selection {
        SlimSelection::Tasks(ids) => ids
            .iter()
            .map(|id| {
                snapshot
                    .tasks
                    .iter()
                    .find(|task| task.task_id == *id && !task.duplicate)
                    .or_else(|| snapshot.tasks.iter().find(|task| task.task_id == *id))
                    .map(managed)
                    .ok_or_else(|| PlanError::UnknownTask(id.clone()))
            })
            .collect(),
        SlimSelection::AllFinished | SlimSelection::KeptFailed => Ok(snapshot
            .tasks
            .iter()
            .filter(|task| !task.duplicate && task.status_class().is_finished())
            .filter(|task| {
                *selection == SlimSelection::AllFinished
                    || (task.status_class() == StatusClass::Failed && task.archived)
            })
            .map(managed)
            .filter(|(_, path)| path.is_some())
            .collect()),
    }
}

/// Builds the slim plan for `selection`.
pub fn slim_plan(selection: &SlimSelection, input: &SlimInput) -> Result<SlimPlan, PlanError> {
    let named = matches!(selection, SlimSelection::Tasks(_));
    let mut plan = SlimPlan {
        selection: selection.clone(),
        workspaces: Vec::new(),
        skipped: Vec::new(),
        left_alone: Vec::new(),
        bytes_to_free: 0,
    };
    let skip = |plan: &mut SlimPlan, task: &TaskRecord, reason: &str, refused: bool| {
        plan.skipped.push(Skipped {
            task_id: task.task_id.clone(),
            reason: reason.to_owned(),
            refused,
            held_by_agents_runner: false,
            mount_point: None,
            force_includes: false,
        });
    };
    for (task, path) in slim_candidates(selection, input.snapshot)? {
        let Some(path) = path else {
            skip(&mut plan, task, "no managed workspace to slim", false);
            continue;
        };
        if activity(task, false) == Activity::MayBeRunning {
            skip(
                &mut plan,
                task,
                &format!(
                    "it is {} (it may still be running and using its build output)",
                    task.status
                ),
                true,
            );
            continue;
        }
        let entries = match input.ignored.get(&path) {
            None => {
                if named {
                    skip(&mut plan, task, "its workspace is gone", false);
                }
                continue;
            }
            Some(Err(reason)) => {
                skip(
                    &mut plan,
                    task,
                    &format!("git cannot say what it ignores: {reason}"),
                    true,
                );
                continue;
            }
            Some(Ok(entries)) => entries,
        };
        let mut entries: Vec<SlimEntry> = entries
            .iter()
            .filter(|entry| is_slimmable(entry))
            .filter(|entry| {
                let Some(repository) = input.repositories.get(&path.join(entry)) else {
                    return true;
                };
                plan.left_alone.push(SlimLeftAlone {
                    task_id: task.task_id.clone(),
                    path: path.join(entry),
                    reason: format!(
                        "it holds a git repository ({}) whose work may exist nowhere else",
                        repository.display()
                    ),
                });
                false
            })
            .map(|entry| SlimEntry {
                path: entry.clone(),
                bytes: input.sizes.get(&path.join(entry)).copied().unwrap_or(0),
            })
            .collect();
        if entries.is_empty() {
            if named {
                skip(&mut plan, task, "git ignores nothing in it", false);
            }
            continue;
        }
        entries.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
        let bytes = entries.iter().map(|entry| entry.bytes).sum();
        plan.bytes_to_free += bytes;
        plan.workspaces.push(SlimWorkspace {
            task_id: task.task_id.clone(),
            env_id: task.environment_id.clone(),
            path,
            record: task.file.clone(),
            entries,
            bytes,
        });
    }
    Ok(plan)
}

/// A plain relative path that does not go through `.git`.
pub fn is_slimmable(entry: &Path) -> bool {
    let mut components = entry.components().peekable();
    components.peek().is_some()
        && components
            .all(|component| matches!(component, Component::Normal(name) if name != ".git"))
}
