//! The only code that knows Agents-Runner's files.

pub mod atomic;
pub mod bench_data;
pub mod demo;
pub mod environments;
pub mod legacy;
pub mod log_line;
pub mod paths;
pub mod record_cache;
pub mod tasks;
pub mod time;

pub use environments::{Environment, WorkspaceType};
pub use record_cache::RecordCache;
pub use tasks::{StoreError, TaskEdit, TaskRecord};

use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A file or folder the store could not use, and why. Never rewritten or removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

impl Problem {
    pub fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Error)]
pub enum OpenError {
    #[error("data directory {0} does not exist")]
    Missing(PathBuf),
    #[error("{0} is not a directory")]
    NotADirectory(PathBuf),
    #[error("cannot open data directory {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A folder found under `managed-repos/<env>/tasks/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkspaceDir {
    /// The `<env>` folder name (a safe id).
    pub env_folder: String,
    /// The `<task>` folder name (a safe id).
    pub task_folder: String,
    pub path: PathBuf,
    /// False for a file or a symlink where a folder was expected.
    pub is_dir: bool,
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

/// What a folder under `managed-repos/<env>/tasks/` that no task record claims is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrphanKind {
    /// A task folder of an existing environment that no record points at.
    Orphan,
    /// `<task>.bak-<nanoseconds>`: a folder Agents-Runner moved aside (wrong repo, or
    /// no repo) and never deletes. Only the user deletes it.
    Backup,
    /// Any folder of an environment that is no longer in `environments.json`
    /// (Agents-Runner leaves them when it deletes one). Only the user deletes it.
    DeletedEnvironment,
}

impl OrphanKind {
    /// Whether only a deletion the user asks for by name may take it (never a sweep,
    /// a quota, the schedule or "delete all orphans").
    pub fn only_by_name(self) -> bool {
        !matches!(self, Self::Orphan)
    }

    /// The folder kind the remover validates it as.
    pub fn folder_kind(self) -> FolderKind {
        match self {
            Self::Orphan => FolderKind::TaskWorkspace,
            Self::Backup => FolderKind::Backup,
            Self::DeletedEnvironment => FolderKind::DeletedEnvironment,
        }
    }
}

/// The shapes of folder the remover may delete, each validated by its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderKind {
    /// `managed-repos/<env>/tasks/<task>` of a cloned environment.
    TaskWorkspace,
    /// `managed-repos/<env>/tasks/<task>.bak-<digits>` of a cloned environment.
    Backup,
    /// `managed-repos/<env>/tasks/<task>` (or a backup) of an environment that is not
    /// in `environments.json`.
    DeletedEnvironment,
}

/// A folder no task record claims, and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orphan<'a> {
    pub dir: &'a WorkspaceDir,
    pub kind: OrphanKind,
    /// For a backup, the task folder it was moved aside from.
    pub backup_of: Option<&'a str>,
}

/// Everything read from a data directory at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Canonical (symlinks resolved once) data directory.
    pub data_dir: PathBuf,
    pub environments: Vec<Environment>,
    /// Every environment id `environments.json` names, or `None` when it could not be
    /// read whole (then no folder counts as a deleted environment's).
    pub environment_ids: Option<Vec<String>>,
    pub tasks: Vec<TaskRecord>,
    pub workspaces: Vec<WorkspaceDir>,
    /// Older Agents-Runner checkouts directly in `managed-repos/<env>/` (no task id):
    /// shown, never deleted by the janitor.
    pub legacy_checkouts: Vec<LegacyCheckout>,
    pub problems: Vec<Problem>,
}

/// A git checkout at `managed-repos/<env>/` itself, from before per-task workspaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegacyCheckout {
    pub env_folder: String,
    pub path: PathBuf,
    /// Its top-level entries except `tasks/` (what sizing it means).
    pub entries: Vec<PathBuf>,
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

    /// [`Snapshot::load_with`] as if it ran at `now`, which decides what is settled
    /// enough to cache (tests move it forward instead of waiting).
    fn load_at(
        data_dir: &Path,
        cache: Option<&RecordCache>,
        now: std::time::SystemTime,
    ) -> Result<Self, OpenError> {
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
        let data_dir = std::fs::canonicalize(data_dir).map_err(|source| OpenError::Unreadable {
            path: data_dir.into(),
            source,
        })?;
        let mut problems = Vec::new();
        let environments::Loaded {
            environments,
            all_ids: environment_ids,
        } = environments::load_all(&paths::environments_file(&data_dir), &mut problems);
        let mut loader = TaskLoader {
            cached: cache.map(|c| c.read(&data_dir)).unwrap_or_default(),
            fresh: Vec::new(),
            parsed: 0,
            now,
        };
        let mut tasks = loader.load(&paths::active_tasks_dir(&data_dir), false, &mut problems);
        tasks.extend(loader.load(&paths::archived_tasks_dir(&data_dir), true, &mut problems));
        // Rewritten only when something was parsed or a cached file went away.
        if let Some(cache) = cache
            && (loader.parsed > 0 || !loader.cached.is_empty())
        {
            cache.write(&data_dir, loader.fresh);
        }
        let (workspaces, legacy_checkouts) = list_workspaces(&data_dir, &mut problems);
        Ok(Self {
            data_dir,
            environments,
            environment_ids,
            tasks,
            workspaces,
            legacy_checkouts,
            problems,
        })
    }

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

    /// Folders no task record (active, archived or legacy) points at: orphans and
    /// backups of existing environments, then every folder of a deleted environment
    /// (records or not: its environment is gone), in path order.
    pub fn orphans(&self) -> Vec<Orphan<'_>> {
        let records = self.records_by_folder();
        let mut deleted: HashMap<&str, bool> = HashMap::new();
        self.workspaces
            .iter()
            .filter_map(|dir| {
                let backup_of = paths::backup_task_folder(&dir.task_folder);
                let gone = *deleted
                    .entry(dir.env_folder.as_str())
                    .or_insert_with(|| self.is_deleted_environment_folder(&dir.env_folder));
                let kind = if gone {
                    OrphanKind::DeletedEnvironment
                } else if records.contains_key(&(dir.env_folder.clone(), dir.task_folder.clone())) {
                    return None;
                } else if backup_of.is_some() {
                    OrphanKind::Backup
                } else {
                    OrphanKind::Orphan
                };
                Some(Orphan {
                    dir,
                    kind,
                    backup_of,
                })
            })
            .collect()
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

/// A TOML task record's name (hidden files, such as our temp files, are not).
fn is_task_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    !name.starts_with('.') && name.to_ascii_lowercase().ends_with(".toml")
}

/// Whether a file in `tasks/` or `tasks/done/` named `name` is read as a task record:
/// TOML, or a legacy JSON record; never a hidden file (our temp files).
pub fn is_record_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.starts_with('.') && (lower.ends_with(".toml") || lower.ends_with(".json"))
}

/// A task record's path, TOML or legacy JSON.
fn is_record_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| is_record_name(&name.to_string_lossy()))
}

/// Reads task files, taking unchanged ones from the cache.
struct TaskLoader {
    /// Cache entries not used yet, by file.
    cached: HashMap<PathBuf, record_cache::CachedRecord>,
    /// Entries for the next cache: every settled record read this time.
    fresh: Vec<record_cache::CachedRecord>,
    /// Files parsed (not served from the cache).
    parsed: usize,
    now: std::time::SystemTime,
}

impl TaskLoader {
    /// Reads every `*.toml` and legacy `*.json` record in `folder` (parsing in
    /// parallel); unusable ones become problems.
    fn load(
        &mut self,
        folder: &Path,
        archived: bool,
        problems: &mut Vec<Problem>,
    ) -> Vec<TaskRecord> {
        let entries = match std::fs::read_dir(folder) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
            Err(err) => {
                problems.push(Problem::new(
                    folder,
                    format!("cannot list task files: {err}"),
                ));
                return Vec::new();
            }
        };
        let mut records = Vec::new();
        let mut to_parse = Vec::new();
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if !is_record_file(&path) {
                continue;
            }
            // Not followed: a symlink is seen as itself.
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(err) => {
                    problems.push(Problem::new(&path, format!("cannot read: {err}")));
                    continue;
                }
            };
            let kind = meta.file_type();
            if kind.is_symlink() {
                // Rewriting through a link would replace it: such a record is shown, never used.
                problems.push(Problem::new(
                    &path,
                    "is a symlink: not read and never rewritten",
                ));
                continue;
            }
            if !kind.is_file() {
                problems.push(Problem::new(&path, "is not a regular file"));
                continue;
            }
            let stamp = record_cache::FileStamp::of(&meta);
            match self.cached.remove(&path) {
                Some(entry) if entry.stamp == stamp && entry.record.archived == archived => {
                    records.push(entry.record.clone());
                    self.fresh.push(entry);
                }
                _ => to_parse.push((path, stamp)),
            }
        }
        self.parsed += to_parse.len();
        let parsed: Vec<Result<(record_cache::FileStamp, TaskRecord), Problem>> = to_parse
            .into_par_iter()
            .map(|(path, stamp)| {
                tasks::read_record(&path, archived)
                    .map(|record| (stamp, record))
                    .map_err(|reason| Problem::new(&path, reason))
            })
            .collect();
        for result in parsed {
            match result {
                Ok((stamp, record)) => {
                    if stamp.settled(self.now) {
                        self.fresh.push(record_cache::CachedRecord {
                            stamp,
                            record: record.clone(),
                        });
                    }
                    records.push(record);
                }
                Err(problem) => problems.push(problem),
            }
        }
        records.sort_by(|a, b| a.file.cmp(&b.file));
        records
    }
}

/// Lists `managed-repos/<env>/tasks/<task>` entries (the staging folder excluded), and
/// the env folders that are checkouts themselves.
fn list_workspaces(
    data_dir: &Path,
    problems: &mut Vec<Problem>,
) -> (Vec<WorkspaceDir>, Vec<LegacyCheckout>) {
    const SYMLINK: &str = "is a symlink: not followed; the workspaces behind it are never touched";
    let managed = paths::managed_repos_dir(data_dir);
    let mut found = Vec::new();
    let mut legacy = Vec::new();
    match managed.symlink_metadata() {
        Ok(meta) if meta.file_type().is_symlink() => {
            problems.push(Problem::new(&managed, SYMLINK));
            return (found, legacy);
        }
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return (found, legacy),
        Err(err) => {
            problems.push(Problem::new(&managed, format!("cannot read: {err}")));
            return (found, legacy);
        }
    }
    let env_entries = match std::fs::read_dir(&managed) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push(Problem::new(
                &managed,
                format!("cannot list workspaces: {err}"),
            ));
            return (found, legacy);
        }
    };
    for env_entry in env_entries.filter_map(Result::ok) {
        let env_folder = env_entry.file_name().to_string_lossy().into_owned();
        let env_type = env_entry.file_type().ok();
        if env_type.is_some_and(|t| t.is_symlink()) {
            problems.push(Problem::new(&env_entry.path(), SYMLINK));
            continue;
        }
        if env_folder == paths::STAGING || !env_type.is_some_and(|t| t.is_dir()) {
            continue;
        }
        if let Some(checkout) = legacy_checkout(&env_entry.path(), &env_folder) {
            legacy.push(checkout);
        }
        let tasks_dir = env_entry.path().join(paths::TASKS_DIR);
        let Ok(tasks_meta) = tasks_dir.symlink_metadata() else {
            continue;
        };
        if tasks_meta.file_type().is_symlink() {
            problems.push(Problem::new(&tasks_dir, SYMLINK));
            continue;
        }
        if !tasks_meta.is_dir() {
            problems.push(Problem::new(
                &tasks_dir,
                "expected a folder of task workspaces",
            ));
            continue;
        }
        let task_entries = match std::fs::read_dir(&tasks_dir) {
            Ok(entries) => entries,
            Err(err) => {
                problems.push(Problem::new(
                    &tasks_dir,
                    format!("cannot list workspaces: {err}"),
                ));
                continue;
            }
        };
        for task_entry in task_entries.filter_map(Result::ok) {
            let is_dir = task_entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            found.push(WorkspaceDir {
                env_folder: env_folder.clone(),
                task_folder: task_entry.file_name().to_string_lossy().into_owned(),
                path: task_entry.path(),
                is_dir,
            });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    legacy.sort_by(|a, b| a.path.cmp(&b.path));
    (found, legacy)
}

/// `managed-repos/<env>/` as a checkout of its own: it has a `.git` entry.
fn legacy_checkout(env_dir: &Path, env_folder: &str) -> Option<LegacyCheckout> {
    env_dir.join(".git").symlink_metadata().ok()?;
    let entries = std::fs::read_dir(env_dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name() != paths::TASKS_DIR)
        .map(|entry| entry.path())
        .collect();
    Some(LegacyCheckout {
        env_folder: env_folder.to_owned(),
        path: env_dir.to_path_buf(),
        entries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn task_file(dir: &Path, name: &str, id: &str, env: &str) -> std::io::Result<()> {
        fs::write(
            dir.join(name),
            format!("task_id = \"{id}\"\nenvironment_id = \"{env}\"\nstatus = \"done\"\n"),
        )
    }

    /// `env-1` (cloned) with an active record `t1` and an archived one `t2`; returns
    /// the active and archived task folders.
    fn cloned_env_with_two_records(
        data: &Path,
    ) -> Result<(PathBuf, PathBuf), Box<dyn std::error::Error>> {
        fs::write(
            data.join(paths::ENVIRONMENTS_FILE),
            r#"{"environments": [{"env_id": "env-1", "workspace_type": "cloned"}]}"#,
        )?;
        let active = paths::active_tasks_dir(data);
        let archived = paths::archived_tasks_dir(data);
        fs::create_dir_all(&archived)?;
        task_file(&active, "t1.toml", "t1", "env-1")?;
        task_file(&archived, "t2.toml", "t2", "env-1")?;
        Ok((active, archived))
    }

    #[test]
    fn loads_records_workspaces_and_problems() -> TestResult {
        let root = tempfile::tempdir()?;
        let data = root.path();
        let (active, archived) = cloned_env_with_two_records(data)?;
        task_file(&archived, "t2.dup-123.toml", "t2", "env-1")?;
        fs::write(active.join(".agents-janitor-x.tmp"), "half written")?;
        fs::write(active.join("broken.toml"), "task_id = [")?;
        fs::write(active.join("notes.txt"), "not a task")?;
        fs::create_dir_all(paths::task_workspace_path(data, "env-1", "t1"))?;
        fs::create_dir_all(paths::staging_dir(data).join("leftover"))?;
        fs::write(
            paths::managed_repos_dir(data).join("env-1/tasks/stray-file"),
            "x",
        )?;

        let snapshot = Snapshot::load(data)?;
        assert_eq!(snapshot.tasks.len(), 3);
        assert_eq!(snapshot.find_task("t2").map(|t| t.duplicate), Some(false));
        assert_eq!(snapshot.tasks.iter().filter(|t| t.duplicate).count(), 1);
        assert_eq!(snapshot.problems.len(), 1, "{:?}", snapshot.problems);
        assert!(snapshot.problems[0].path.ends_with("broken.toml"));
        let folders: Vec<(&str, bool)> = snapshot
            .workspaces
            .iter()
            .map(|w| (w.task_folder.as_str(), w.is_dir))
            .collect();
        assert_eq!(
            folders,
            vec![("stray-file", false), ("t1", true)],
            "staging is not a workspace"
        );
        let by_folder = snapshot.records_by_folder();
        assert_eq!(
            by_folder.get(&("env-1".into(), "t2".into())).map(Vec::len),
            Some(2)
        );
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_reported_and_not_followed() -> TestResult {
        let root = tempfile::tempdir()?;
        let data = root.path().join("data");
        let elsewhere = root.path().join("elsewhere");
        fs::create_dir_all(elsewhere.join("env-1/tasks/t9"))?;
        task_file(&elsewhere, "t9.toml", "t9", "env-1")?;
        let active = paths::active_tasks_dir(&data);
        fs::create_dir_all(&active)?;
        std::os::unix::fs::symlink(elsewhere.join("t9.toml"), active.join("t9.toml"))?;
        std::os::unix::fs::symlink(&elsewhere, paths::managed_repos_dir(&data))?;

        let snapshot = Snapshot::load(&data)?;
        assert!(snapshot.tasks.is_empty());
        assert!(snapshot.workspaces.is_empty());
        let messages: Vec<String> = snapshot
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.path.display(), p.message))
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages.iter().all(|m| m.contains("is a symlink")),
            "{messages:?}"
        );
        Ok(())
    }

    #[test]
    fn a_missing_or_odd_data_dir_is_an_error() -> TestResult {
        let root = tempfile::tempdir()?;
        assert!(matches!(
            Snapshot::load(&root.path().join("nope")),
            Err(OpenError::Missing(_))
        ));
        let file = root.path().join("file");
        fs::write(&file, "x")?;
        assert!(matches!(
            Snapshot::load(&file),
            Err(OpenError::NotADirectory(_))
        ));
        Ok(())
    }

    #[test]
    fn orphans_and_legacy_checkouts_are_told_apart() -> TestResult {
        let root = tempfile::tempdir()?;
        let data = root.path();
        cloned_env_with_two_records(data)?;
        for task in ["t1", "t2", "lost"] {
            fs::create_dir_all(paths::task_workspace_path(data, "env-1", task))?;
        }
        let env_dir = paths::managed_repos_dir(data).join("env-1");
        fs::create_dir_all(env_dir.join(".git"))?;
        fs::write(env_dir.join("README.md"), "old checkout")?;
        let snapshot = Snapshot::load(data)?;
        let orphans: Vec<&str> = snapshot
            .orphans()
            .iter()
            .map(|orphan| orphan.dir.task_folder.as_str())
            .collect();
        assert_eq!(orphans, ["lost"], "archived records count as records");
        let [checkout] = snapshot.legacy_checkouts.as_slice() else {
            return Err(format!("{:?}", snapshot.legacy_checkouts).into());
        };
        assert_eq!(checkout.env_folder, "env-1");
        let mut entries: Vec<_> = checkout
            .entries
            .iter()
            .filter_map(|p| p.file_name())
            .collect();
        entries.sort();
        assert_eq!(entries, [".git", "README.md"], "tasks/ is not part of it");
        Ok(())
    }

    #[test]
    fn legacy_records_backups_and_deleted_environments_are_told_apart() -> TestResult {
        let root = tempfile::tempdir()?;
        let data = root.path();
        fs::write(
            data.join(paths::ENVIRONMENTS_FILE),
            r#"{"environments": [{"env_id": "env-1", "workspace_type": "cloned"},
                                 {"env_id": "env-2", "version": 2, "workspace_type": "cloned"}]}"#,
        )?;
        let active = paths::active_tasks_dir(data);
        let done = paths::archived_tasks_dir(data);
        fs::create_dir_all(&done)?;
        fs::write(
            active.join("j1.json"),
            r#"{"task_id": "j1", "environment_id": "env-1", "status": "running"}"#,
        )?;
        fs::write(
            done.join("j2.json"),
            r#"{"task_id": "j2", "environment_id": "env-1", "status": "done", "logs": ["a"]}"#,
        )?;
        fs::write(
            done.join("j2.dup-5.json"),
            r#"{"task_id": "j2", "environment_id": "env-1", "status": "failed"}"#,
        )?;
        fs::write(active.join(".j3.json"), "{}")?;
        fs::write(done.join("broken.json"), "{\"task_id\": ")?;
        for (env, folder) in [
            ("env-1", "j1"),
            ("env-1", "j2"),
            ("env-1", "t1.bak-1764000000000000000"),
            ("env-1", "lost"),
            ("env-2", "kept"),
            ("env-gone", "t7"),
            ("env-gone", "t7.bak-9"),
        ] {
            fs::create_dir_all(
                paths::managed_repos_dir(data)
                    .join(env)
                    .join("tasks")
                    .join(folder),
            )?;
        }

        let snapshot = Snapshot::load(data)?;
        let legacy: Vec<(&str, bool, bool)> = snapshot
            .tasks
            .iter()
            .filter(|t| t.legacy)
            .map(|t| (t.task_id.as_str(), t.archived, t.duplicate))
            .collect();
        assert_eq!(
            legacy,
            [
                ("j1", false, false),
                ("j2", true, true),
                ("j2", true, false)
            ]
        );
        assert_eq!(snapshot.find_task("j2").map(|t| t.duplicate), Some(false));
        let problems: Vec<String> = snapshot
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.path.display(), p.message))
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("broken.json: not valid JSON"))
        );
        assert!(problems.iter().any(|p| p.contains("version 2 is not 1")));

        let orphans: Vec<(&str, &str, OrphanKind, Option<&str>)> = snapshot
            .orphans()
            .iter()
            .map(|o| {
                (
                    o.dir.env_folder.as_str(),
                    o.dir.task_folder.as_str(),
                    o.kind,
                    o.backup_of,
                )
            })
            .collect();
        assert_eq!(
            orphans,
            [
                ("env-1", "lost", OrphanKind::Orphan, None),
                (
                    "env-1",
                    "t1.bak-1764000000000000000",
                    OrphanKind::Backup,
                    Some("t1")
                ),
                // env-2 is ignored by Agents-Runner but still named: its folder is an
                // orphan of an environment that exists in the file, not a deleted one.
                ("env-2", "kept", OrphanKind::Orphan, None),
                ("env-gone", "t7", OrphanKind::DeletedEnvironment, None),
                (
                    "env-gone",
                    "t7.bak-9",
                    OrphanKind::DeletedEnvironment,
                    Some("t7")
                ),
            ],
            "legacy records own their workspaces"
        );
        Ok(())
    }
}
