//! The plan builder: the checks every action shares (activity, unsaved work, mount
//! points, Agents-Runner, which folders are ours) and the folding of steps into one plan.

use super::{
    Action, Activity, DeleteMode, Plan, PlanError, PlanInput, RecordChange, Skipped, Step,
    WorkspaceDeletion, activity,
};
use crate::git::GitStatus;
use crate::status::StatusClass;
use crate::store::paths::{self, is_exact_safe_id};
use crate::store::{
    Environment, FolderKind, TaskRecord, WorkspaceDir, WorkspaceLocation, WorkspaceType,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Where a task's managed workspace is, if it is ours to delete and exists.
pub(super) enum Managed {
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

/// A plan being built: the input it is built from, and what is planned so far.
pub(super) struct Builder<'a> {
    pub(super) input: &'a PlanInput<'a>,
    /// Workspace folders found on disk.
    on_disk: HashSet<&'a Path>,
    pub(super) plan: Plan,
    /// Workspaces some step already deletes.
    planned_workspaces: HashSet<PathBuf>,
    /// The step that changes each record.
    step_of_record: HashMap<PathBuf, usize>,
    /// The snapshot's records by workspace folder ([`Snapshot::records_by_folder`]).
    ///
    /// [`Snapshot::records_by_folder`]: crate::store::Snapshot::records_by_folder
    records_by_folder: HashMap<(String, String), Vec<usize>>,
    /// Unsaved work that is merged into the base branch does not keep a workspace.
    merged_unsaved_goes: bool,
}

impl<'a> Builder<'a> {
    /// An empty plan for `action`, to be filled by the decisions of the action.
    pub(super) fn new(action: &Action, input: &'a PlanInput<'a>) -> Self {
        Self {
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
            records_by_folder: input.snapshot.records_by_folder(),
            merged_unsaved_goes: matches!(
                action,
                Action::Scheduled {
                    merged_unsaved: true,
                    ..
                } | Action::Archive {
                    merged_unsaved: true,
                    ..
                } | Action::Sweep {
                    merged_unsaved: true,
                    ..
                }
            ),
        }
    }

    /// The plan, with its total of bytes to free.
    pub(super) fn finish(self) -> Plan {
        let mut plan = self.plan;
        plan.bytes_to_free = plan.steps.iter().map(|s| s.bytes).sum();
        plan
    }

    /// Adds a step, folding it into one already planned: in a combined action a
    /// workspace is deleted once, and a record has one step (a sweep after an archive
    /// must not look for the record where it was before).
    pub(super) fn push(&mut self, step: Step) {
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
    pub(super) fn planned(&self, path: &Path) -> bool {
        self.planned_workspaces.contains(path)
    }

    pub(super) fn skip(&mut self, task_id: &str, reason: impl Into<String>) {
        self.leave(task_id, reason.into(), false);
    }

    pub(super) fn refuse(&mut self, task_id: &str, reason: impl Into<String>) {
        self.leave(task_id, reason.into(), true);
    }

    fn leave(&mut self, task_id: &str, reason: String, refused: bool) {
        self.plan.skipped.push(Skipped {
            task_id: task_id.to_owned(),
            reason,
            refused,
            held_by_agents_runner: false,
            mount_point: None,
            force_includes: false,
        });
    }

    /// Refuses a task; `forcible` when the same action with force (`--force`, the
    /// window's "Include running tasks and unsaved work") would take it.
    fn refuse_unless_forced(&mut self, task_id: &str, reason: String, forcible: bool) {
        self.leave(task_id, reason, true);
        if let Some(skipped) = self.plan.skipped.last_mut() {
            skipped.force_includes = forcible;
        }
    }

    /// Refuses a change to `task`'s record while Agents-Runner runs and holds it (an
    /// active record): its next save would undo the change, or write the record back
    /// beside an archived copy. True when the change may be planned.
    pub(super) fn agents_runner_allows(&mut self, task: &TaskRecord) -> bool {
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
            force_includes: false,
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
    pub(super) fn mounts_allow(&mut self, task_id: &str, path: &Path) -> bool {
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
            force_includes: false,
        });
        false
    }

    /// The task's workspace when it is on disk and ours; otherwise the task is skipped
    /// (gone, none) or refused (not ours) and `None` is returned.
    pub(super) fn present_workspace(&mut self, task: &TaskRecord) -> Option<PathBuf> {
        match self.managed(task) {
            Managed::Present(path) => Some(path),
            Managed::Gone => {
                self.skip(&task.task_id, "workspace already gone");
                None
            }
            Managed::NotOurs(reason) => {
                self.refuse(&task.task_id, reason);
                None
            }
            Managed::None => {
                self.skip(&task.task_id, "no managed workspace");
                None
            }
        }
    }

    pub(super) fn managed(&self, task: &TaskRecord) -> Managed {
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

    pub(super) fn bytes(&self, path: &Path) -> u64 {
        self.input
            .usage
            .get(path)
            .map(|u| u.disk_bytes)
            .unwrap_or(0)
    }

    pub(super) fn git(&self, path: &Path) -> Option<GitStatus> {
        self.input.git.get(path).cloned()
    }

    pub(super) fn deletion(&self, task: &TaskRecord, path: PathBuf) -> WorkspaceDeletion {
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
    pub(super) fn unsaved_allows(&mut self, task_id: &str, path: &Path, allow: bool) -> bool {
        let Some(git) = self.git(path).filter(GitStatus::has_unsaved_work) else {
            return true;
        };
        if allow {
            // In trash mode the work is not lost yet: it goes with the workspace.
            let fate = match self.input.delete_mode {
                DeleteMode::Delete => "will be lost".to_owned(),
                DeleteMode::Trash => {
                    "goes to the trash with the workspace (lost once the trash is emptied)"
                        .to_owned()
                }
            };
            self.plan
                .warnings
                .push(format!("task {task_id}: {} {fate}", git.describe()));
        } else if self.merged_unsaved_goes && git.unsaved_work_is_merged() {
            let work = git.work().label();
            self.plan.warnings.push(format!(
                "task {task_id}: its {} are {work} into the base branch: nothing is lost",
                git.describe()
            ));
            return true;
        } else {
            // Every action but the unattended one and "delete safe" has a force that
            // takes unsaved work.
            let forcible = !matches!(
                self.plan.action,
                Action::Scheduled { .. } | Action::DeleteSafe { .. }
            );
            self.refuse_unless_forced(
                task_id,
                format!("workspace kept: it has {}", git.describe()),
                forcible,
            );
        }
        allow
    }

    pub(super) fn record_step(
        &self,
        task: &TaskRecord,
        change: RecordChange,
        reason: &str,
    ) -> Step {
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

    /// Skips a task that may still be running unless forced ([`activity`]); true when
    /// it may proceed.
    pub(super) fn activity_allows(&mut self, task: &TaskRecord, force: bool) -> bool {
        let reason = match activity(task, force) {
            Activity::Finished => return true,
            Activity::Forced => {
                self.plan.warnings.push(format!(
                    "task {}: still {} but forced",
                    task.task_id, task.status
                ));
                return true;
            }
            Activity::MayBeRunning if task.status_class() == StatusClass::Unknown => format!(
                "unknown status {:?}: it may still be running; {}",
                task.status,
                task.file.display()
            ),
            Activity::MayBeRunning => format!(
                "task is still running ({}); {}",
                task.status,
                task.file.display()
            ),
        };
        let forcible = matches!(
            self.plan.action,
            Action::Discard { .. } | Action::Sweep { .. } | Action::Complete { .. }
        );
        self.refuse_unless_forced(&task.task_id, reason, forcible);
        false
    }

    /// The records the user named, each once, in the order given.
    pub(super) fn named_tasks(
        &self,
        task_ids: &[String],
    ) -> Result<Vec<&'a TaskRecord>, PlanError> {
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
    /// Why a folder is deleted only when the user names it (a backup Agents-Runner
    /// moved aside, a deleted environment's folder), or `None` for a task folder.
    pub(super) fn only_by_name(&self, dir: &WorkspaceDir) -> Option<String> {
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

    /// The record of the task a workspace folder belongs to (the active one first), if any.
    pub(super) fn record_of_folder(&self, dir: &WorkspaceDir) -> Option<&'a TaskRecord> {
        let snapshot = self.input.snapshot;
        self.records_by_folder
            .get(&(dir.env_folder.clone(), dir.task_folder.clone()))
            .and_then(|indexes| indexes.first())
            .map(|&i| &snapshot.tasks[i])
    }

    /// Refuses a folder under `managed-repos/*/tasks/` that is a file or a symlink; true
    /// when it is a real folder.
    pub(super) fn real_folder_allows(&mut self, dir: &WorkspaceDir) -> bool {
        if !dir.is_dir {
            self.refuse(
                &dir.task_folder,
                format!(
                    "{} is not a folder (a file or a symlink): left alone",
                    dir.path.display()
                ),
            );
        }
        dir.is_dir
    }

    /// The environment of a folder under `managed-repos/*/tasks/` when the folder may be
    /// deleted at all (a real folder of a cloned environment); otherwise refused.
    pub(super) fn deletable_folder(&mut self, dir: &WorkspaceDir) -> Option<&'a Environment> {
        let snapshot = self.input.snapshot;
        let label = &dir.task_folder;
        if !self.real_folder_allows(dir) {
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
    pub(super) fn age_hours(&mut self, dir: &WorkspaceDir) -> Option<f64> {
        let Some(newest) = self.input.usage.get(&dir.path).and_then(|u| u.newest_mtime) else {
            self.skip(&dir.task_folder, "not sized yet, so its age is unknown");
            return None;
        };
        Some(hours_between(newest, self.input.now))
    }
}

pub(super) fn hours_between(earlier: SystemTime, later: SystemTime) -> f64 {
    match later.duration_since(earlier) {
        Ok(elapsed) => elapsed.as_secs_f64() / 3600.0,
        // A file from the future (clock skew) is as young as can be.
        Err(_) => 0.0,
    }
}
