//! The task table's rows: one per task record, with what is known of its workspace's
//! size and git state, and the filtering and sorting of the table.

use super::{Settings, SortKey};
use crate::git::GitStatus;
use crate::scan::Usage;
use crate::status::StatusClass;
use crate::store::{Snapshot, TaskRecord, WorkspaceLocation, time};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where a row's workspace is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowWorkspace {
    /// A managed folder; `on_disk` is false once it is gone.
    Managed {
        /// `<data>/managed-repos/<env>/tasks/<task>`.
        path: PathBuf,
        /// The folder is there.
        on_disk: bool,
    },
    /// The user's own folder (mounted environment), never touched.
    UserFolder(Option<String>),
    /// No workspace (an environment of type `none`).
    None,
}

/// One task record as the table shows it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The task's id, unique among records.
    pub task_id: String,
    /// The environment the task ran in.
    pub env_id: String,
    /// The environment's name, or its id when it has none (or is unknown).
    pub env_name: String,
    /// Agents-Runner's status word ("done", "failed").
    pub status: String,
    /// What the status means to the janitor.
    pub class: StatusClass,
    /// The container's exit code, for an `exited` status.
    pub exit_code: Option<i64>,
    /// What a running change is doing to the task ("discarding"), until the reload
    /// that follows it.
    pub changing: Option<&'static str>,
    /// The whole prompt.
    pub prompt: String,
    /// The prompt's first non-blank line, for the table.
    pub prompt_line: String,
    /// When the task was created, if the record says.
    pub created: Option<SystemTime>,
    /// When it finished, if it did and the record says.
    pub finished: Option<SystemTime>,
    /// Where its workspace is.
    pub workspace: RowWorkspace,
    /// The record is in `tasks/done/`.
    pub archived: bool,
    /// A JSON record of an older Agents-Runner: read-only (never discarded in its
    /// record, archived or restored; its workspace is cleaned like any other).
    pub legacy: bool,
    /// The task record file.
    pub record: PathBuf,
    /// The task's git branch, if the record names one.
    pub branch: Option<String>,
    /// The pull request opened for it, if any.
    pub pr_url: Option<String>,
    /// Its container, if the record names one.
    pub container_id: Option<String>,
    /// On-disk bytes of the workspace once scanned (set with [`Row::set_usage`]).
    pub size: Option<u64>,
    /// Mount points at or below the workspace, found by the scan: not counted in `size`,
    /// and the workspace is not deleted while they are there.
    pub mount_points: Vec<PathBuf>,
    /// Set with [`Row::set_git`].
    pub git: Option<GitStatus>,
    /// `size` as the table shows it, formatted once rather than every frame.
    pub size_text: String,
    /// `git` as the table shows it, formatted once.
    pub git_text: String,
    /// On-disk bytes of what git ignores in the workspace: what "Slim" frees (set with
    /// [`Row::set_reclaimable`]).
    pub reclaimable: Option<u64>,
    /// `reclaimable` as the table shows it, formatted once.
    pub reclaimable_text: String,
    /// Lower-case task id and prompt, for the search box.
    pub(super) search_text: String,
}

impl Row {
    fn from_task(snapshot: &Snapshot, task: &TaskRecord, on_disk: &HashSet<PathBuf>) -> Self {
        let prompt = task.prompt.clone().unwrap_or_default();
        let prompt_line = crate::text::first_line(&prompt).to_owned();
        let workspace = match snapshot.workspace_location(task) {
            WorkspaceLocation::Managed(path) => RowWorkspace::Managed {
                on_disk: on_disk.contains(&path),
                path,
            },
            WorkspaceLocation::UserFolder(folder) => RowWorkspace::UserFolder(folder),
            WorkspaceLocation::None => RowWorkspace::None,
        };
        let search_text = format!("{}\n{}", task.task_id, prompt).to_lowercase();
        let env_name = snapshot
            .environment(&task.environment_id)
            .map(|env| env.name.trim())
            .filter(|name| !name.is_empty())
            .unwrap_or(&task.environment_id)
            .to_owned();
        Self {
            task_id: task.task_id.clone(),
            env_id: task.environment_id.clone(),
            env_name,
            status: task.status.clone(),
            class: task.status_class(),
            exit_code: task.exit_code,
            changing: None,
            prompt,
            prompt_line,
            created: task
                .created_at_s
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| UNIX_EPOCH + Duration::from_secs_f64(s)),
            finished: task
                .finished_at
                .as_deref()
                .and_then(time::parse_iso)
                .map(SystemTime::from),
            workspace,
            archived: task.archived,
            legacy: task.legacy,
            record: task.file.clone(),
            branch: task.gh_branch.clone(),
            pr_url: task.gh_pr_url.clone().filter(|url| !url.trim().is_empty()),
            container_id: task.container_id.clone().filter(|id| !id.is_empty()),
            size: None,
            mount_points: Vec::new(),
            git: None,
            size_text: String::new(),
            git_text: String::new(),
            reclaimable: None,
            reclaimable_text: String::new(),
            search_text,
        }
    }

    /// The workspace's scan (`None`: not sized, or sized again).
    pub fn set_usage(&mut self, usage: Option<&Usage>) {
        self.size = usage.map(|usage| usage.disk_bytes);
        self.size_text = self.size.map(crate::text::bytes).unwrap_or_default();
        self.mount_points = usage
            .map(|usage| usage.mount_points.clone())
            .unwrap_or_default();
    }

    /// The workspace's git state (`None`: not asked yet).
    pub fn set_git(&mut self, git: Option<GitStatus>) {
        self.git_text = git
            .as_ref()
            .map(|git| git.work().label())
            .unwrap_or_default();
        self.git = git;
    }

    /// What "Slim" would free (`None`: not known yet).
    pub fn set_reclaimable(&mut self, bytes: Option<u64>) {
        self.reclaimable_text = bytes.map(crate::text::bytes).unwrap_or_default();
        self.reclaimable = bytes;
    }

    /// The task finished and git shows its workspace's work is elsewhere (merged,
    /// squash-merged, pushed and clean, no commits): deleting the workspace loses nothing.
    pub fn is_safe_to_delete(&self) -> bool {
        self.class.is_finished()
            && self.workspace_on_disk().is_some()
            && self.git.as_ref().is_some_and(GitStatus::is_safe_to_delete)
    }

    /// The folder "Open folder" shows: the managed one while on disk, or the user's
    /// own (mounted) folder.
    pub fn folder_to_open(&self) -> Option<PathBuf> {
        match &self.workspace {
            RowWorkspace::Managed {
                path,
                on_disk: true,
            } => Some(path.clone()),
            RowWorkspace::UserFolder(Some(folder)) => Some(PathBuf::from(folder)),
            _ => None,
        }
    }

    /// The workspace's path as "Copy path" copies it.
    pub fn path_to_copy(&self) -> Option<String> {
        match &self.workspace {
            RowWorkspace::Managed { path, .. } => Some(path.display().to_string()),
            RowWorkspace::UserFolder(folder) => folder.clone(),
            RowWorkspace::None => None,
        }
    }

    /// The managed folder's path, on disk or gone.
    pub fn workspace_path(&self) -> Option<&PathBuf> {
        match &self.workspace {
            RowWorkspace::Managed { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The managed folder, while it is on disk.
    pub fn workspace_on_disk(&self) -> Option<&PathBuf> {
        match &self.workspace {
            RowWorkspace::Managed {
                path,
                on_disk: true,
            } => Some(path),
            _ => None,
        }
    }
}

/// Rows for every task record of a snapshot, with what is known of sizes and git.
/// Duplicates (`.dup-` files) are left out: their original is listed; so is a legacy
/// JSON record of a task that has a TOML one.
pub(crate) fn build_rows(
    snapshot: &Snapshot,
    usage: &HashMap<PathBuf, Usage>,
    git: &HashMap<PathBuf, GitStatus>,
) -> Vec<Row> {
    let on_disk: HashSet<PathBuf> = snapshot.workspaces.iter().map(|w| w.path.clone()).collect();
    let with_toml: HashSet<&str> = snapshot
        .tasks
        .iter()
        .filter(|task| !task.legacy)
        .map(|task| task.task_id.as_str())
        .collect();
    snapshot
        .tasks
        .iter()
        .filter(|task| !task.duplicate)
        .filter(|task| !task.legacy || !with_toml.contains(task.task_id.as_str()))
        .map(|task| {
            let mut row = Row::from_task(snapshot, task, &on_disk);
            if let Some(path) = row.workspace_on_disk().cloned() {
                row.set_usage(usage.get(&path).filter(|u| u.complete));
                row.set_git(git.get(&path).cloned());
            }
            row
        })
        .collect()
}

/// Whether `row` passes the filters of `settings`.
fn row_matches(row: &Row, settings: &Settings, search_lower: &str) -> bool {
    (settings.show_archived || !row.archived)
        && !settings.hidden_classes.contains(&row.class)
        && settings
            .env_filter
            .as_ref()
            .is_none_or(|env| *env == row.env_id)
        && (search_lower.is_empty() || row.search_text.contains(search_lower))
        && (!settings.only_safe || row.is_safe_to_delete())
}

/// The indexes of the rows to show, filtered and sorted as `settings` say. Rows
/// with no value for the sort column (not scanned, no date) always come last.
pub(crate) fn visible_rows(rows: &[Row], settings: &Settings) -> Vec<usize> {
    let search = settings.search.trim().to_lowercase();
    let mut visible: Vec<usize> = (0..rows.len())
        .filter(|&i| row_matches(&rows[i], settings, &search))
        .collect();
    let ordered = |a: Ordering| if settings.descending { a.reverse() } else { a };
    // Missing values last whatever the direction; ties broken by task id for a stable view.
    fn by_option<T: Ord>(
        a: &Option<T>,
        b: &Option<T>,
        ordered: &dyn Fn(Ordering) -> Ordering,
    ) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => ordered(a.cmp(b)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    visible.sort_by(|&a, &b| {
        let (ra, rb) = (&rows[a], &rows[b]);
        let primary = match settings.sort {
            SortKey::Status => ordered(ra.class.cmp(&rb.class).then(ra.status.cmp(&rb.status))),
            SortKey::Task => ordered(ra.task_id.cmp(&rb.task_id)),
            SortKey::Prompt => ordered(ra.prompt_line.cmp(&rb.prompt_line)),
            SortKey::Environment => ordered(ra.env_name.cmp(&rb.env_name)),
            SortKey::Created => by_option(&ra.created, &rb.created, &ordered),
            SortKey::Finished => by_option(&ra.finished, &rb.finished, &ordered),
            SortKey::Size => by_option(&ra.size, &rb.size, &ordered),
            SortKey::Git => by_option(&git_rank(ra), &git_rank(rb), &ordered),
            SortKey::Reclaimable => by_option(&ra.reclaimable, &rb.reclaimable, &ordered),
        };
        primary.then_with(|| ra.task_id.cmp(&rb.task_id))
    });
    visible
}

/// Orders git states by how much unsaved work they hold.
fn git_rank(row: &Row) -> Option<u64> {
    match row.git.as_ref()? {
        GitStatus::Known(state) => Some(u64::from(state.uncommitted) + u64::from(state.unpushed)),
        GitStatus::Unknown { .. } => None,
    }
}

/// The `count` largest workspaces on disk, as row indexes.
pub(crate) fn largest_workspaces(rows: &[Row], count: usize) -> Vec<usize> {
    let mut sized: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].size.is_some() && rows[i].workspace_on_disk().is_some())
        .collect();
    sized.sort_by(|&a, &b| {
        rows[b]
            .size
            .cmp(&rows[a].size)
            .then_with(|| rows[a].task_id.cmp(&rows[b].task_id))
    });
    sized.truncate(count);
    sized
}

/// `fresh` (the rows to show, sorted) in the order `previous` (row indexes as last
/// shown) had them; rows new to the view follow in their sorted order. While sizes and
/// git states arrive, rows stay where they are instead of jumping at every answer.
/// Linear in the rows: it runs after each batch of answers on 100,000 rows.
pub(crate) fn keep_order(row_count: usize, previous: &[usize], fresh: Vec<usize>) -> Vec<usize> {
    let mut in_fresh = vec![false; row_count];
    for &index in &fresh {
        in_fresh[index] = true;
    }
    let mut placed = vec![false; row_count];
    let mut kept: Vec<usize> = Vec::with_capacity(fresh.len());
    for &index in previous {
        if index < row_count && in_fresh[index] && !placed[index] {
            placed[index] = true;
            kept.push(index);
        }
    }
    kept.extend(fresh.into_iter().filter(|&index| !placed[index]));
    kept
}

/// A filter that hides a row, undone to show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reveal {
    /// The row is archived and "Show archived" is off.
    ShowArchived,
    /// Another environment is chosen on the left.
    AllEnvironments,
    /// The search does not match it.
    ClearSearch,
    /// Its status class is unticked.
    ShowClass(StatusClass),
    /// "Safe to delete" is on and its workspace is not.
    NotOnlySafe,
}

impl Reveal {
    /// Changes `settings` so this filter no longer hides the row.
    pub(crate) fn apply(&self, settings: &mut Settings) {
        match self {
            Self::ShowArchived => settings.show_archived = true,
            Self::AllEnvironments => settings.env_filter = None,
            Self::ClearSearch => settings.search.clear(),
            Self::ShowClass(class) => settings.hidden_classes.retain(|c| c != class),
            Self::NotOnlySafe => settings.only_safe = false,
        }
    }

    /// What was changed, for the notice.
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::ShowArchived => "Show archived is on".to_owned(),
            Self::AllEnvironments => "all environments are shown".to_owned(),
            Self::ClearSearch => "the search is cleared".to_owned(),
            Self::ShowClass(class) => format!("{} tasks are shown", class.label()),
            Self::NotOnlySafe => "\"Safe to delete\" is off".to_owned(),
        }
    }
}

/// The filters of `settings` that hide `row` (none when it is shown).
pub(crate) fn hidden_by(row: &Row, settings: &Settings) -> Vec<Reveal> {
    let mut reveals = Vec::new();
    if row.archived && !settings.show_archived {
        reveals.push(Reveal::ShowArchived);
    }
    if settings
        .env_filter
        .as_ref()
        .is_some_and(|env| *env != row.env_id)
    {
        reveals.push(Reveal::AllEnvironments);
    }
    let search = settings.search.trim().to_lowercase();
    if !search.is_empty() && !row.search_text.contains(&search) {
        reveals.push(Reveal::ClearSearch);
    }
    if settings.hidden_classes.contains(&row.class) {
        reveals.push(Reveal::ShowClass(row.class));
    }
    if settings.only_safe && !row.is_safe_to_delete() {
        reveals.push(Reveal::NotOnlySafe);
    }
    reveals
}
