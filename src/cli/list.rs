//! `list`: the task records with their status and workspace size, as a table or JSON rows.

use super::bad_input;
use super::snapshot::scan;
use super::table::{age_text, mount_point_note, truncate};
use super::work::pull_requests;
use super::work::{inspect_all, reclaimable_bytes};
use crate::git::Work;
use crate::git::pull_request::PrState;
use crate::scan::Usage;
use crate::store::{Snapshot, TaskRecord, WorkspaceLocation};
use crate::text;
use anyhow::Result;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Everything `list` shows about one task.
#[derive(Debug, Serialize)]
struct ListedTask<'a> {
    task_id: &'a str,
    environment_id: &'a str,
    status: &'a str,
    status_class: &'static str,
    archived: bool,
    duplicate: bool,
    /// A JSON record of an older Agents-Runner: read-only.
    legacy: bool,
    workspace_type: &'static str,
    workspace_path: Option<&'a Path>,
    workspace_bytes: Option<u64>,
    workspace_disk_bytes: Option<u64>,
    /// Mount points at or below the workspace: not counted in its size, and it is not
    /// deleted while they are there.
    workspace_mount_points: &'a [PathBuf],
    /// Where the workspace's work went (`merged`, `squash_merged`, `pushed`, ...), from
    /// the local clone (`--fetch` checks the remotes first); absent without a workspace.
    work: Option<Work>,
    /// On-disk bytes of what git ignores in the workspace: what `slim` frees.
    reclaimable_bytes: Option<u64>,
    /// The pull request's state when `gh` last told (`list --fetch` asks it again).
    pr_state: Option<&'a PrState>,
    created_at_s: Option<f64>,
    finished_at: Option<&'a str>,
    container_id: Option<&'a str>,
    log_count: usize,
    prompt: &'a str,
    file: &'a Path,
}

/// The rows, serialized one at a time as they are made (100,000 rows built first, then
/// written as one string, held them all twice).
struct Rows<'r, 'a> {
    count: usize,
    row: &'r dyn Fn(usize) -> ListedTask<'a>,
}

impl Serialize for Rows<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((0..self.count).map(self.row))
    }
}

/// Lists the tasks of `env` (or every environment): the active ones, the archived ones
/// with `archived`, or both with `all`. An unknown environment is bad input.
pub(super) fn list(
    snapshot: &Snapshot,
    json: bool,
    env: Option<&str>,
    archived: bool,
    all: bool,
    fetch: bool,
) -> Result<u8> {
    if let Some(env) = env
        && snapshot.environment(env).is_none()
    {
        return Err(bad_input(format!("unknown environment {env:?}")));
    }
    let tasks: Vec<&TaskRecord> = snapshot
        .tasks
        .iter()
        .filter(|t| env.is_none_or(|e| t.environment_id == e))
        .filter(|t| all || t.archived == archived)
        .collect();
    let locations: Vec<WorkspaceLocation> = tasks
        .iter()
        .map(|t| snapshot.workspace_location(t))
        .collect();
    // Only the folders the snapshot found are sized and shown to git, each once: with
    // 100,000 records and 2,000 workspaces, sizing and stat'ing every record's path
    // cost more than reading the records.
    let found: HashSet<&OsStr> = snapshot
        .workspaces
        .iter()
        .map(|w| w.path.as_os_str())
        .collect();
    let mut managed: Vec<PathBuf> = Vec::new();
    let mut index_of: HashMap<&OsStr, usize> = HashMap::new();
    let workspace_index: Vec<Option<usize>> = locations
        .iter()
        .map(|location| match location {
            WorkspaceLocation::Managed(path) if found.contains(path.as_os_str()) => {
                Some(*index_of.entry(path.as_os_str()).or_insert_with(|| {
                    managed.push(path.clone());
                    managed.len() - 1
                }))
            }
            _ => None,
        })
        .collect();
    let walk_started = SystemTime::now();
    let usage = scan(&managed);
    let on_disk: Vec<PathBuf> = managed.iter().filter(|p| p.is_dir()).cloned().collect();
    let inspections = inspect_all(snapshot, &on_disk, &usage, walk_started, fetch);
    let reclaimable = reclaimable_bytes(&inspections);
    let pr_states = pull_requests(snapshot, &tasks, fetch);
    let gone = Usage::default();
    let row = |index: usize| -> ListedTask {
        let task = tasks[index];
        let workspace = workspace_index[index].map(|at| &managed[at]);
        let (path, found) = match &locations[index] {
            WorkspaceLocation::Managed(path) => (
                Some(path.as_path()),
                Some(workspace.and_then(|w| usage.get(w)).unwrap_or(&gone)),
            ),
            WorkspaceLocation::UserFolder(folder) => (folder.as_deref().map(Path::new), None),
            WorkspaceLocation::None => (None, None),
        };
        ListedTask {
            task_id: &task.task_id,
            environment_id: &task.environment_id,
            status: &task.status,
            status_class: task.status_class().label(),
            archived: task.archived,
            duplicate: task.duplicate,
            legacy: task.legacy,
            workspace_type: snapshot.workspace_type(task).label(),
            reclaimable_bytes: workspace.and_then(|w| reclaimable.get(w).copied()),
            pr_state: pr_states.get(&task.task_id),
            workspace_path: path,
            workspace_bytes: found.map(|u| u.apparent_bytes),
            workspace_disk_bytes: found.map(|u| u.disk_bytes),
            workspace_mount_points: found.map_or(&[], |u| u.mount_points.as_slice()),
            work: workspace
                .and_then(|w| inspections.get(w))
                .map(|i| i.status.work()),
            created_at_s: task.created_at_s,
            finished_at: task.finished_at.as_deref(),
            container_id: task.container_id.as_deref(),
            log_count: task.log_count,
            prompt: text::first_line(task.prompt.as_deref().unwrap_or_default()),
            file: &task.file,
        }
    };
    // One write per buffer, not per line: 100,000 rows were 100,000 `write` calls.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        let rows = Rows {
            count: tasks.len(),
            row: &row,
        };
        serde_json::to_writer_pretty(&mut out, &rows)?;
        writeln!(out)?;
        out.flush()?;
        return Ok(0);
    }
    let now = SystemTime::now();
    writeln!(
        out,
        "{:<12} {:<14} {:<10} {:<8} {:>10}  {:<9} {:<16} PROMPT",
        "TASK", "ENVIRONMENT", "STATUS", "ARCHIVED", "SIZE", "CREATED", "WORK"
    )?;
    let mut mount_notes = Vec::new();
    for (index, task) in tasks.iter().enumerate() {
        let row = row(index);
        let size = match (row.workspace_type, row.workspace_bytes) {
            ("cloned", Some(bytes)) if bytes > 0 => text::bytes(bytes),
            ("cloned", _) => "gone".into(),
            (other, _) => other.into(),
        };
        let env_name = snapshot
            .environment(&task.environment_id)
            .map_or(task.environment_id.as_str(), |e| e.name.as_str());
        let created = task
            .created_at_s
            .and_then(|s| age_text(s, now))
            .unwrap_or_else(|| "-".into());
        let archived = match (row.duplicate, row.archived, row.legacy) {
            (true, _, false) => "dup",
            (true, _, true) => "dup json",
            (false, true, false) => "yes",
            (false, true, true) => "yes json",
            (false, false, true) => "json",
            (false, false, false) => "",
        };
        writeln!(
            out,
            "{:<12} {:<14} {:<10} {:<8} {:>10}  {:<9} {:<16} {}",
            row.task_id,
            truncate(env_name, 14),
            truncate(row.status, 10),
            archived,
            size,
            created,
            truncate(&row.work.as_ref().map(Work::label).unwrap_or_default(), 16),
            truncate(row.prompt, 60)
        )?;
        for mount_point in row.workspace_mount_points {
            mount_notes.push((row.task_id, mount_point));
        }
    }
    writeln!(out, "{} task(s)", tasks.len())?;
    for (task_id, mount_point) in mount_notes {
        writeln!(out, "{task_id}: {}", mount_point_note(mount_point))?;
    }
    out.flush()?;
    Ok(0)
}
