//! `list`: the task records with their status and workspace size, as a table or JSON rows.

use super::bad_input;
use super::snapshot::scan;
use super::table::{age_text, mount_point_note, truncate};
use super::work::pull_requests;
use super::work::{inspect_all, reclaimable_bytes};
use crate::git::Work;
use crate::git::pull_request::PrState;
use crate::store::{Snapshot, TaskRecord, WorkspaceLocation};
use crate::text;
use anyhow::Result;
use serde::Serialize;
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
    workspace_path: Option<PathBuf>,
    workspace_bytes: Option<u64>,
    workspace_disk_bytes: Option<u64>,
    /// Mount points at or below the workspace: not counted in its size, and it is not
    /// deleted while they are there.
    workspace_mount_points: Vec<PathBuf>,
    /// Where the workspace's work went (`merged`, `squash_merged`, `pushed`, ...), from
    /// the local clone (`--fetch` checks the remotes first); absent without a workspace.
    work: Option<Work>,
    /// On-disk bytes of what git ignores in the workspace: what `slim` frees.
    reclaimable_bytes: Option<u64>,
    /// The pull request's state when `gh` last told (`list --fetch` asks it again).
    pr_state: Option<PrState>,
    created_at_s: Option<f64>,
    finished_at: Option<&'a str>,
    container_id: Option<&'a str>,
    log_count: usize,
    prompt: String,
    file: &'a Path,
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
    let managed: Vec<PathBuf> = locations
        .iter()
        .filter_map(|location| match location {
            WorkspaceLocation::Managed(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    let usage = scan(&managed);
    let on_disk: Vec<PathBuf> = managed.iter().filter(|p| p.is_dir()).cloned().collect();
    let inspections = inspect_all(snapshot, &on_disk, fetch);
    let reclaimable = reclaimable_bytes(&inspections);
    let pr_states = pull_requests(snapshot, &tasks, fetch);
    let rows: Vec<ListedTask> = tasks
        .iter()
        .zip(locations)
        .map(|(task, location)| {
            let inspection = match &location {
                WorkspaceLocation::Managed(path) => inspections.get(path),
                _ => None,
            };
            let (path, found) = match location {
                WorkspaceLocation::Managed(path) => {
                    let found = usage.get(&path).cloned().unwrap_or_default();
                    (Some(path), Some(found))
                }
                WorkspaceLocation::UserFolder(folder) => (folder.map(PathBuf::from), None),
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
                reclaimable_bytes: path.as_ref().and_then(|p| reclaimable.get(p).copied()),
                pr_state: pr_states.get(&task.task_id).cloned(),
                workspace_path: path,
                workspace_bytes: found.as_ref().map(|u| u.apparent_bytes),
                workspace_disk_bytes: found.as_ref().map(|u| u.disk_bytes),
                workspace_mount_points: found.map(|u| u.mount_points).unwrap_or_default(),
                work: inspection.map(|i| i.status.work()),
                created_at_s: task.created_at_s,
                finished_at: task.finished_at.as_deref(),
                container_id: task.container_id.as_deref(),
                log_count: task.log_count,
                prompt: text::first_line(task.prompt.as_deref().unwrap_or_default()).to_owned(),
                file: &task.file,
            }
        })
        .collect();
    // One write per buffer, not per line: 100,000 rows were 100,000 `write` calls.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        out.flush()?;
        return Ok(0);
    }
    let now = SystemTime::now();
    writeln!(
        out,
        "{:<12} {:<14} {:<10} {:<8} {:>10}  {:<9} {:<16} PROMPT",
        "TASK", "ENVIRONMENT", "STATUS", "ARCHIVED", "SIZE", "CREATED", "WORK"
    )?;
    for (row, task) in rows.iter().zip(&tasks) {
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
            truncate(&row.prompt, 60)
        )?;
    }
    writeln!(out, "{} task(s)", rows.len())?;
    for row in &rows {
        for mount_point in &row.workspace_mount_points {
            writeln!(out, "{}: {}", row.task_id, mount_point_note(mount_point))?;
        }
    }
    out.flush()?;
    Ok(0)
}
