//! What the window shows, computed from a snapshot and the worker's answers: rows,
//! environment totals, filtering and sorting. Plain data and functions, no egui, so
//! the decisions are table-tested and nothing is sorted per frame.

use crate::git::GitStatus;
use crate::scan::Usage;
use crate::status::StatusClass;
use crate::store::{OrphanKind, Snapshot, TaskRecord, WorkspaceLocation, paths, time};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The table column rows are sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SortKey {
    Status,
    Task,
    Prompt,
    Environment,
    Created,
    Finished,
    #[default]
    Size,
    Git,
}

/// The user's choices that persist between runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The data directory last opened in the window.
    pub data_dir: Option<PathBuf>,
    pub sort: SortKey,
    pub descending: bool,
    pub search: String,
    pub hidden_classes: Vec<StatusClass>,
    pub show_archived: bool,
    /// Only this environment's tasks (None: all).
    pub env_filter: Option<String>,
    pub sweep_hours: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: None,
            sort: SortKey::Size,
            descending: true,
            search: String::new(),
            hidden_classes: Vec::new(),
            show_archived: false,
            env_filter: None,
            sweep_hours: crate::policy::DEFAULT_SWEEP_HOURS,
        }
    }
}

/// Where a row's workspace is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowWorkspace {
    /// A managed folder; `on_disk` is false once it is gone.
    Managed {
        path: PathBuf,
        on_disk: bool,
    },
    /// The user's own folder (mounted environment), never touched.
    UserFolder(Option<String>),
    None,
}

/// One task record as the table shows it.
#[derive(Debug, Clone)]
pub struct Row {
    pub task_id: String,
    pub env_id: String,
    /// The environment's name, or its id when it has none (or is unknown).
    pub env_name: String,
    pub status: String,
    pub class: StatusClass,
    pub prompt: String,
    pub prompt_line: String,
    pub created: Option<SystemTime>,
    pub finished: Option<SystemTime>,
    pub workspace: RowWorkspace,
    pub archived: bool,
    /// A JSON record of an older Agents-Runner: read-only (never discarded in its
    /// record, archived or restored; its workspace is cleaned like any other).
    pub legacy: bool,
    pub record: PathBuf,
    pub branch: Option<String>,
    pub pr_url: Option<String>,
    pub container_id: Option<String>,
    /// On-disk bytes of the workspace once scanned (set with [`Row::set_usage`]).
    pub size: Option<u64>,
    /// Mount points at or below the workspace, found by the scan: not counted in `size`,
    /// and the workspace is not deleted while they are there.
    pub mount_points: Vec<PathBuf>,
    /// Set with [`Row::set_git`].
    pub git: Option<GitStatus>,
    /// `size` and `git` as the table shows them, formatted once rather than every frame.
    pub size_text: String,
    pub git_text: String,
    /// Lower-case task id and prompt, for the search box.
    search_text: String,
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

    pub fn set_git(&mut self, git: Option<GitStatus>) {
        self.git_text = git.as_ref().map(GitStatus::describe).unwrap_or_default();
        self.git = git;
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

/// Totals of one environment for the side panel.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSummary {
    /// None for "All environments".
    pub env_id: Option<String>,
    pub name: String,
    pub color: Option<String>,
    pub workspace_type: String,
    pub tasks: usize,
    pub bytes: u64,
    /// Share of all managed bytes, 0..=1.
    pub share: f32,
}

/// Rows for every task record of a snapshot, with what is known of sizes and git.
/// Duplicates (`.dup-` files) are left out: their original is listed; so is a legacy
/// JSON record of a task that has a TOML one.
pub fn build_rows(
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

/// Environment totals: "All environments" first, then each environment of the
/// snapshot, then folders under managed-repos that no environment claims.
pub fn summarize_environments(
    snapshot: &Snapshot,
    rows: &[Row],
    usage: &HashMap<PathBuf, Usage>,
) -> Vec<EnvSummary> {
    let mut bytes_by_folder: HashMap<&str, u64> = HashMap::new();
    for workspace in &snapshot.workspaces {
        let bytes = usage.get(&workspace.path).map_or(0, |u| u.disk_bytes);
        *bytes_by_folder
            .entry(workspace.env_folder.as_str())
            .or_default() += bytes;
    }
    let total: u64 = bytes_by_folder.values().sum();
    let share = |bytes: u64| {
        if total == 0 {
            0.0
        } else {
            (bytes as f64 / total as f64) as f32
        }
    };
    let mut summaries = vec![EnvSummary {
        env_id: None,
        name: "All environments".to_owned(),
        color: None,
        workspace_type: String::new(),
        tasks: rows.len(),
        bytes: total,
        share: 1.0,
    }];
    let mut claimed: HashSet<String> = HashSet::new();
    for env in &snapshot.environments {
        let folder = paths::safe_id(&env.env_id);
        let bytes = if paths::is_exact_safe_id(&env.env_id) {
            claimed.insert(folder.clone());
            bytes_by_folder.get(folder.as_str()).copied().unwrap_or(0)
        } else {
            0
        };
        summaries.push(EnvSummary {
            env_id: Some(env.env_id.clone()),
            name: if env.name.trim().is_empty() {
                env.env_id.clone()
            } else {
                env.name.clone()
            },
            color: Some(env.color.clone()),
            workspace_type: env.workspace_type.label().to_owned(),
            tasks: rows.iter().filter(|r| r.env_id == env.env_id).count(),
            bytes,
            share: share(bytes),
        });
    }
    let mut unclaimed: Vec<(&str, u64)> = bytes_by_folder
        .iter()
        .filter(|(folder, _)| !claimed.contains(**folder))
        .map(|(folder, bytes)| (*folder, *bytes))
        .collect();
    unclaimed.sort_unstable();
    for (folder, bytes) in unclaimed {
        summaries.push(EnvSummary {
            env_id: Some(folder.to_owned()),
            name: format!("{folder} (not in environments.json)"),
            color: None,
            workspace_type: "unknown".to_owned(),
            tasks: rows.iter().filter(|r| r.env_id == folder).count(),
            bytes,
            share: share(bytes),
        });
    }
    summaries
}

/// What an Orphans row is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrphanRowKind {
    /// A task folder no record points at.
    Orphan,
    /// `<task>.bak-<ns>`, moved aside by Agents-Runner: deleted only when ticked.
    Backup { of_task: String },
    /// A folder of an environment gone from `environments.json`: deleted only when ticked.
    DeletedEnvironment,
    /// A checkout at `managed-repos/<env>/` itself: shown, never deleted.
    LegacyCheckout,
}

impl OrphanRowKind {
    /// What the view says in its Kind column.
    pub fn label(&self) -> String {
        match self {
            Self::Orphan => "orphan".to_owned(),
            Self::Backup { of_task } => format!("backup of {of_task}"),
            Self::DeletedEnvironment => "deleted environment".to_owned(),
            Self::LegacyCheckout => "legacy checkout".to_owned(),
        }
    }
}

/// A folder no task record points at, or a legacy checkout, as the Orphans view shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct OrphanRow {
    pub env_folder: String,
    /// The task folder name, or the env folder for a legacy checkout.
    pub name: String,
    pub path: PathBuf,
    pub kind: OrphanRowKind,
    /// False for a file or symlink where a folder was expected.
    pub is_dir: bool,
    pub size: Option<u64>,
    pub changed: Option<SystemTime>,
    pub git: Option<GitStatus>,
    /// Mount points at or below the folder (not counted in `size`).
    pub mount_points: Vec<PathBuf>,
}

/// Orphan folders (by path), then legacy checkouts.
pub fn orphan_rows(
    snapshot: &Snapshot,
    usage: &HashMap<PathBuf, Usage>,
    git: &HashMap<PathBuf, GitStatus>,
) -> Vec<OrphanRow> {
    let orphans = snapshot.orphans().into_iter().map(|orphan| {
        let dir = orphan.dir;
        OrphanRow {
            env_folder: dir.env_folder.clone(),
            name: dir.task_folder.clone(),
            path: dir.path.clone(),
            kind: match orphan.kind {
                OrphanKind::Orphan => OrphanRowKind::Orphan,
                OrphanKind::Backup => OrphanRowKind::Backup {
                    of_task: orphan.backup_of.unwrap_or_default().to_owned(),
                },
                OrphanKind::DeletedEnvironment => OrphanRowKind::DeletedEnvironment,
            },
            is_dir: dir.is_dir,
            size: usage.get(&dir.path).map(|u| u.disk_bytes),
            changed: usage.get(&dir.path).and_then(|u| u.newest_mtime),
            git: git.get(&dir.path).cloned(),
            mount_points: mount_points(usage, &dir.path),
        }
    });
    let legacy = snapshot.legacy_checkouts.iter().map(|checkout| OrphanRow {
        env_folder: checkout.env_folder.clone(),
        name: checkout.env_folder.clone(),
        path: checkout.path.clone(),
        kind: OrphanRowKind::LegacyCheckout,
        is_dir: true,
        size: usage.get(&checkout.path).map(|u| u.disk_bytes),
        changed: usage.get(&checkout.path).and_then(|u| u.newest_mtime),
        git: None,
        mount_points: mount_points(usage, &checkout.path),
    });
    orphans.chain(legacy).collect()
}

fn mount_points(usage: &HashMap<PathBuf, Usage>, path: &std::path::Path) -> Vec<PathBuf> {
    usage
        .get(path)
        .map(|usage| usage.mount_points.clone())
        .unwrap_or_default()
}

/// Whether `row` passes the filters of `settings`.
pub fn row_matches(row: &Row, settings: &Settings, search_lower: &str) -> bool {
    (settings.show_archived || !row.archived)
        && !settings.hidden_classes.contains(&row.class)
        && settings
            .env_filter
            .as_ref()
            .is_none_or(|env| *env == row.env_id)
        && (search_lower.is_empty() || row.search_text.contains(search_lower))
}

/// The indexes of the rows to show, filtered and sorted as `settings` say. Rows
/// with no value for the sort column (not scanned, no date) always come last.
pub fn visible_rows(rows: &[Row], settings: &Settings) -> Vec<usize> {
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
pub fn largest_workspaces(rows: &[Row], count: usize) -> Vec<usize> {
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

/// A local, readable timestamp for tooltips.
pub fn exact_time(moment: SystemTime) -> String {
    let local: chrono::DateTime<chrono::Local> = moment.into();
    local.format("%Y-%m-%d %H:%M:%S %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::GitState;

    fn row(id: &str, class: StatusClass, size: Option<u64>) -> Row {
        Row {
            task_id: id.to_owned(),
            env_id: "env-a".to_owned(),
            env_name: "A".to_owned(),
            status: class.label().to_owned(),
            class,
            prompt: format!("Fix the {id} bug\nmore"),
            prompt_line: format!("Fix the {id} bug"),
            created: Some(UNIX_EPOCH + Duration::from_secs(1000)),
            finished: None,
            workspace: RowWorkspace::Managed {
                path: PathBuf::from(format!("/d/managed-repos/env-a/tasks/{id}")),
                on_disk: true,
            },
            archived: false,
            legacy: false,
            record: PathBuf::from(format!("/d/tasks/{id}.toml")),
            branch: None,
            pr_url: None,
            container_id: None,
            size,
            mount_points: Vec::new(),
            git: None,
            size_text: String::new(),
            git_text: String::new(),
            search_text: format!("{id}\nfix the {id} bug\nmore"),
        }
    }

    fn ids(rows: &[Row], visible: &[usize]) -> Vec<String> {
        visible.iter().map(|&i| rows[i].task_id.clone()).collect()
    }

    #[test]
    fn filters_narrow_the_rows() {
        let mut rows = vec![
            row("a1", StatusClass::Succeeded, Some(10)),
            row("b2", StatusClass::Failed, Some(30)),
            row("c3", StatusClass::Active, None),
            row("d4", StatusClass::Succeeded, Some(20)),
        ];
        rows[3].archived = true;
        rows[1].env_id = "env-b".to_owned();
        let cases: Vec<(Settings, Vec<&str>)> = vec![
            (Settings::default(), vec!["b2", "a1", "c3"]),
            (
                Settings {
                    show_archived: true,
                    ..Settings::default()
                },
                vec!["b2", "d4", "a1", "c3"],
            ),
            (
                Settings {
                    search: " B2 ".to_owned(),
                    ..Settings::default()
                },
                vec!["b2"],
            ),
            (
                Settings {
                    search: "the c3".to_owned(),
                    ..Settings::default()
                },
                vec!["c3"],
            ),
            (
                Settings {
                    hidden_classes: vec![StatusClass::Succeeded, StatusClass::Active],
                    ..Settings::default()
                },
                vec!["b2"],
            ),
            (
                Settings {
                    env_filter: Some("env-a".to_owned()),
                    ..Settings::default()
                },
                vec!["a1", "c3"],
            ),
        ];
        for (settings, expected) in cases {
            assert_eq!(
                ids(&rows, &visible_rows(&rows, &settings)),
                expected,
                "{settings:?}"
            );
        }
    }

    #[test]
    fn sorting_keeps_unknown_values_last_in_both_directions() {
        let rows = vec![
            row("a", StatusClass::Succeeded, Some(10)),
            row("b", StatusClass::Succeeded, None),
            row("c", StatusClass::Succeeded, Some(30)),
            row("d", StatusClass::Succeeded, Some(10)),
        ];
        let descending = Settings::default();
        assert_eq!(
            ids(&rows, &visible_rows(&rows, &descending)),
            ["c", "a", "d", "b"]
        );
        let ascending = Settings {
            descending: false,
            ..Settings::default()
        };
        assert_eq!(
            ids(&rows, &visible_rows(&rows, &ascending)),
            ["a", "d", "c", "b"]
        );
        let by_id = Settings {
            sort: SortKey::Task,
            descending: true,
            ..Settings::default()
        };
        assert_eq!(
            ids(&rows, &visible_rows(&rows, &by_id)),
            ["d", "c", "b", "a"]
        );
    }

    #[test]
    fn git_sort_ranks_unsaved_work() {
        let mut rows = vec![
            row("clean", StatusClass::Succeeded, None),
            row("dirty", StatusClass::Succeeded, None),
            row("unknown", StatusClass::Succeeded, None),
        ];
        let state = |uncommitted| GitState {
            branch: None,
            uncommitted,
            unpushed: 0,
        };
        rows[0].set_git(Some(GitStatus::Known(state(0))));
        rows[1].set_git(Some(GitStatus::Known(state(2))));
        rows[2].set_git(Some(GitStatus::Unknown {
            reason: "x".to_owned(),
        }));
        assert_eq!(rows[1].git_text, "2 uncommitted");
        let settings = Settings {
            sort: SortKey::Git,
            ..Settings::default()
        };
        assert_eq!(
            ids(&rows, &visible_rows(&rows, &settings)),
            ["dirty", "clean", "unknown"]
        );
    }

    #[test]
    fn largest_workspaces_skips_unsized_and_gone_folders() {
        let mut rows = vec![
            row("a", StatusClass::Succeeded, Some(5)),
            row("b", StatusClass::Succeeded, None),
            row("c", StatusClass::Succeeded, Some(50)),
            row("d", StatusClass::Succeeded, Some(500)),
        ];
        rows[3].workspace = RowWorkspace::Managed {
            path: PathBuf::from("/gone"),
            on_disk: false,
        };
        assert_eq!(ids(&rows, &largest_workspaces(&rows, 20)), ["c", "a"]);
        assert_eq!(ids(&rows, &largest_workspaces(&rows, 1)), ["c"]);
    }

    #[test]
    fn settings_round_trip_and_missing_fields_take_defaults() -> Result<(), serde_json::Error> {
        let settings = Settings {
            data_dir: Some(PathBuf::from("/data")),
            sort: SortKey::Finished,
            descending: false,
            search: "login".to_owned(),
            hidden_classes: vec![StatusClass::Active],
            show_archived: true,
            env_filter: Some("env-a".to_owned()),
            sweep_hours: 6.5,
        };
        let text = serde_json::to_string(&settings)?;
        assert_eq!(serde_json::from_str::<Settings>(&text)?, settings);
        // A file from an older version (fewer fields, unknown ones) still loads.
        let old: Settings = serde_json::from_str(r#"{"sort": "Task", "gone": 1}"#)?;
        assert_eq!(
            old,
            Settings {
                sort: SortKey::Task,
                ..Settings::default()
            }
        );
        Ok(())
    }
}
