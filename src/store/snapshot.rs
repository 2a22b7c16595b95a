//! The [`Snapshot`]: everything read from a data directory at one moment, and the
//! lookups every caller needs (a task's environment, workspace, record by folder).

use super::environments::{self, Environment, WorkspaceType};
use super::record_cache::RecordCache;
use super::task_loader::TaskLoader;
use super::tasks::TaskRecord;
use super::workspaces::{LegacyCheckout, WorkspaceDir, list_workspaces};
use super::{Problem, paths};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a data directory could not be read at all (anything less is a [`Problem`]).
#[derive(Debug, Error)]
pub enum OpenError {
    /// Nothing at that path.
    #[error("data directory {0} does not exist")]
    Missing(PathBuf),
    /// A file (or something else) where the folder was expected.
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    /// The folder could not be read or resolved.
    #[error("cannot open data directory {path}: {source}")]
    Unreadable {
        /// The data directory as given.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A folder without `environments.json` or `tasks/`: not Agents-Runner's (only
    /// [`check_data_dir`] says so; loading such a folder shows it empty).
    #[error(
        "{0} holds neither environments.json nor tasks/: it is not an Agents-Runner data folder"
    )]
    NotAgentsRunner(PathBuf),
}

/// Checks a folder the user named before it is opened: it exists, is a folder that
/// resolves, and holds Agents-Runner's `environments.json` or `tasks/`. Returns it
/// resolved.
pub fn check_data_dir(data_dir: &Path) -> Result<PathBuf, OpenError> {
    let resolved = resolve_data_dir(data_dir)?;
    let known = |path: PathBuf| std::fs::symlink_metadata(path).is_ok();
    if known(paths::environments_file(&resolved)) || known(paths::active_tasks_dir(&resolved)) {
        Ok(resolved)
    } else {
        Err(OpenError::NotAgentsRunner(data_dir.into()))
    }
}

/// `data_dir` resolved, once it is known to be a folder.
fn resolve_data_dir(data_dir: &Path) -> Result<PathBuf, OpenError> {
    let meta = std::fs::metadata(data_dir).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => OpenError::Missing(data_dir.into()),
        _ => OpenError::Unreadable {
            path: data_dir.into(),
            source,
        },
    })?;
    if !meta.is_dir() {
        return Err(OpenError::NotADirectory(data_dir.into()));
    }
    std::fs::canonicalize(data_dir).map_err(|source| OpenError::Unreadable {
        path: data_dir.into(),
        source,
    })
}

/// Where a task's workspace is, and whether it is ours to clean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceLocation {
    /// `managed-repos/<env>/tasks/<task>` of a cloned environment.
    Managed(PathBuf),
    /// The user's own folder (mounted environment): shown, never touched.
    UserFolder(Option<String>),
    /// No workspace.
    None,
}

/// Everything read from a data directory at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Canonical (symlinks resolved once) data directory.
    pub data_dir: PathBuf,
    /// The environments Agents-Runner uses, in file order.
    pub environments: Vec<Environment>,
    /// Every environment id `environments.json` names, or `None` when it could not be
    /// read whole (then no folder counts as a deleted environment's).
    pub environment_ids: Option<Vec<String>>,
    /// Every readable record, active ones first, each folder in file name order.
    pub tasks: Vec<TaskRecord>,
    /// Every entry under `managed-repos/<env>/tasks/`, in path order.
    pub workspaces: Vec<WorkspaceDir>,
    /// Older Agents-Runner checkouts directly in `managed-repos/<env>/` (no task id):
    /// shown, never deleted by the janitor.
    pub legacy_checkouts: Vec<LegacyCheckout>,
    /// Files and folders that could not be used, and why.
    pub problems: Vec<Problem>,
    /// True for the first look [`Snapshot::load_active_first`] gives: only the active
    /// records are read yet, so no folder is known to be an orphan
    /// ([`Snapshot::orphans`] is empty) and nothing may be planned from it.
    pub archived_records_pending: bool,
}

impl Snapshot {
    /// Reads a data directory. Unusable files become [`Problem`]s; only a missing or
    /// unreadable data directory is an error.
    pub fn load(data_dir: &Path) -> Result<Self, OpenError> {
        Self::load_with(data_dir, None)
    }

    /// [`Snapshot::load`], taking unchanged task records from `cache` and refreshing it.
    pub fn load_with(data_dir: &Path, cache: Option<&RecordCache>) -> Result<Self, OpenError> {
        Self::load_at(data_dir, cache, std::time::SystemTime::now())
    }

    /// [`Snapshot::load_with`], handing `on_active` a first look as soon as the active
    /// records and the workspace folders are read (the archived records, nine in ten
    /// of a busy data dir, come after), so a window shows its rows early. That look has
    /// [`Snapshot::archived_records_pending`] set.
    pub fn load_active_first(
        data_dir: &Path,
        cache: Option<&RecordCache>,
        on_active: impl FnOnce(&Snapshot),
    ) -> Result<Self, OpenError> {
        Self::load_in_steps(data_dir, cache, std::time::SystemTime::now(), on_active)
    }

    /// [`Snapshot::load_with`] as if it ran at `now`, which decides what is settled
    /// enough to cache (tests move it forward instead of waiting).
    pub(super) fn load_at(
        data_dir: &Path,
        cache: Option<&RecordCache>,
        now: std::time::SystemTime,
    ) -> Result<Self, OpenError> {
        Self::load_in_steps(data_dir, cache, now, |_| {})
    }

    fn load_in_steps(
        data_dir: &Path,
        cache: Option<&RecordCache>,
        now: std::time::SystemTime,
        on_active: impl FnOnce(&Snapshot),
    ) -> Result<Self, OpenError> {
        let data_dir = resolve_data_dir(data_dir)?;
        let mut problems = Vec::new();
        let environments::Loaded {
            environments,
            all_ids: environment_ids,
        } = environments::load_all(&paths::environments_file(&data_dir), &mut problems);
        let loader = TaskLoader::new(cache, now);
        let tasks = loader.load(&paths::active_tasks_dir(&data_dir), false, &mut problems);
        let (workspaces, legacy_checkouts) = list_workspaces(&data_dir, &mut problems);
        let mut snapshot = Self {
            data_dir,
            environments,
            environment_ids,
            tasks,
            workspaces,
            legacy_checkouts,
            problems,
            archived_records_pending: true,
        };
        on_active(&snapshot);
        let archived = loader.load(
            &paths::archived_tasks_dir(&snapshot.data_dir),
            true,
            &mut snapshot.problems,
        );
        snapshot.tasks.extend(archived);
        snapshot.archived_records_pending = false;
        Ok(snapshot)
    }

    /// The environment of that id, if `environments.json` has it.
    pub fn environment(&self, env_id: &str) -> Option<&Environment> {
        self.environments.iter().find(|env| env.env_id == env_id)
    }

    /// The environment whose managed folder is `env_folder`.
    /// Only an environment whose id is its folder name exactly can own a folder: ids the
    /// filter would change (`..`, `a.b`) could share one with another environment.
    pub fn environment_of_folder(&self, env_folder: &str) -> Option<&Environment> {
        self.environments
            .iter()
            .find(|env| env.env_id == env_folder && paths::is_exact_safe_id(&env.env_id))
    }

    /// A task's workspace type: its own field if it has one, else its environment's.
    pub fn workspace_type(&self, task: &TaskRecord) -> WorkspaceType {
        task.workspace_type
            .or_else(|| {
                self.environment(&task.environment_id)
                    .map(|env| env.workspace_type)
            })
            .unwrap_or(WorkspaceType::None)
    }

    /// Where the task's workspace is, by its workspace type: only a cloned
    /// environment's folder under `managed-repos/` is ever the janitor's to clean.
    pub fn workspace_location(&self, task: &TaskRecord) -> WorkspaceLocation {
        match self.workspace_type(task) {
            WorkspaceType::Cloned => WorkspaceLocation::Managed(paths::task_workspace_path(
                &self.data_dir,
                &task.environment_id,
                &task.task_id,
            )),
            WorkspaceType::Mounted => WorkspaceLocation::UserFolder(
                self.environment(&task.environment_id)
                    .and_then(|env| env.workspace_target.clone()),
            ),
            WorkspaceType::None => WorkspaceLocation::None,
        }
    }

    /// The base branch each managed workspace's work is compared with (the task's
    /// `gh_base_branch`), keyed by the workspace folder; tasks without one are left out.
    pub fn base_branches(&self) -> HashMap<PathBuf, String> {
        self.tasks
            .iter()
            .filter_map(|task| {
                let branch = task.gh_base_branch.as_deref()?.trim();
                match self.workspace_location(task) {
                    WorkspaceLocation::Managed(path) if !branch.is_empty() => {
                        Some((path, branch.to_owned()))
                    }
                    _ => None,
                }
            })
            .collect()
    }

    /// Records keyed by their workspace folder `(env folder, task folder)`, so a
    /// folder on disk can be matched to its task. Active records come first.
    pub fn records_by_folder(&self) -> HashMap<(String, String), Vec<usize>> {
        let mut map: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (index, task) in self.tasks.iter().enumerate() {
            let key = (
                paths::safe_id(&task.environment_id),
                paths::safe_id(&task.task_id),
            );
            map.entry(key).or_default().push(index);
        }
        for indexes in map.values_mut() {
            indexes.sort_by_key(|&i| {
                let task = &self.tasks[i];
                (task.legacy, task.archived, task.duplicate)
            });
        }
        map
    }

    /// Whether `env_folder` under `managed-repos/` belongs to an environment that is
    /// gone from `environments.json`: no item of the file (even one Agents-Runner
    /// ignores) may map to it, and the file was read whole.
    pub fn is_deleted_environment_folder(&self, env_folder: &str) -> bool {
        environments::is_deleted_env_folder(self.environment_ids.as_deref(), env_folder)
    }

    /// The record a user means by `task_id`: the active one, else the archived
    /// original, else the newest duplicate; a legacy JSON record only when the task has
    /// no other.
    pub fn find_task(&self, task_id: &str) -> Option<&TaskRecord> {
        self.tasks
            .iter()
            .filter(|task| task.task_id == task_id)
            .min_by_key(|task| (task.legacy, task.archived, task.duplicate))
    }
}
