//! `usage`: disk usage per environment, the quotas, the largest workspaces, and one row
//! per kind of everything else Agents-Runner leaves (`"other"`).

use super::quotas::print_quotas;
use super::reclaim::{other_rows, print_other};
use super::snapshot::{print_agents_runner_note, scan};
use super::table::{mount_point_note, truncate, unix_seconds};
use crate::agents_runner::{LiveProbe, Probe};
use crate::config::Config;
use crate::container::ContainerRuntime;
use crate::policy;
use crate::store::{Snapshot, paths};
use crate::text;
use anyhow::Result;
use serde::Serialize;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One environment's line of `usage`: its workspaces' total size.
#[derive(Debug, Serialize)]
struct EnvironmentUsage {
    env_id: String,
    name: String,
    workspace_type: &'static str,
    task_count: usize,
    workspace_count: usize,
    bytes: u64,
    disk_bytes: u64,
}

/// One workspace as `usage --json` lists it.
#[derive(Debug, Serialize)]
struct WorkspaceUsage<'a> {
    env_folder: &'a str,
    task_folder: &'a str,
    task_id: Option<&'a str>,
    path: &'a Path,
    bytes: u64,
    disk_bytes: u64,
    files: u64,
    dirs: u64,
    newest_mtime_s: Option<f64>,
    /// Mount points at or below the workspace (not counted).
    mount_points: Vec<PathBuf>,
}

/// Sizes every workspace once and prints the environments' totals, the quotas' states,
/// the ten largest workspaces and the rows of everything else (or all of it as JSON).
pub(super) fn usage(snapshot: &Snapshot, json: bool, settings: &Config) -> Result<u8> {
    let quotas = &settings.quotas;
    let roots: Vec<PathBuf> = snapshot.workspaces.iter().map(|w| w.path.clone()).collect();
    // Docker is asked while the workspaces are sized: its answer is mostly waiting (a
    // process start, the daemon), the walk's time is the CPU's. So is the process
    // table, once for both the note and the footprint (it was read twice, the first
    // time before the walk).
    let (mut usage, docker, agents_runner) = std::thread::scope(|threads| {
        let docker = threads.spawn(|| ContainerRuntime::default().runner_objects());
        let agents_runner = threads.spawn(|| LiveProbe.check(&snapshot.data_dir));
        let usage = scan(&roots);
        let docker = docker
            .join()
            .unwrap_or_else(|_| Err("asking docker failed".to_owned()));
        let agents_runner = agents_runner
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (usage, docker, agents_runner)
    });
    print_agents_runner_note(agents_runner.as_ref());
    let mut environments: Vec<EnvironmentUsage> = snapshot
        .environments
        .iter()
        .map(|env| EnvironmentUsage {
            env_id: env.env_id.clone(),
            name: env.name.clone(),
            workspace_type: env.workspace_type.label(),
            task_count: snapshot
                .tasks
                .iter()
                .filter(|t| !t.duplicate && t.environment_id == env.env_id)
                .count(),
            workspace_count: 0,
            bytes: 0,
            disk_bytes: 0,
        })
        .collect();
    let records = snapshot.records_by_folder();
    let mut workspaces = Vec::with_capacity(snapshot.workspaces.len());
    for dir in &snapshot.workspaces {
        let found = usage.get(&dir.path).cloned().unwrap_or_default();
        let index = match environments
            .iter()
            .position(|e| paths::safe_id(&e.env_id) == dir.env_folder)
        {
            Some(index) => index,
            None => {
                environments.push(EnvironmentUsage {
                    env_id: dir.env_folder.clone(),
                    name: format!("{} (not in environments.json)", dir.env_folder),
                    workspace_type: "unknown",
                    task_count: 0,
                    workspace_count: 0,
                    bytes: 0,
                    disk_bytes: 0,
                });
                environments.len() - 1
            }
        };
        let env = &mut environments[index];
        env.workspace_count += 1;
        env.bytes += found.apparent_bytes;
        env.disk_bytes += found.disk_bytes;
        let task_id = records
            .get(&(dir.env_folder.clone(), dir.task_folder.clone()))
            .and_then(|found| found.first())
            .map(|&i| snapshot.tasks[i].task_id.as_str());
        workspaces.push(WorkspaceUsage {
            env_folder: &dir.env_folder,
            task_folder: &dir.task_folder,
            task_id,
            path: &dir.path,
            bytes: found.apparent_bytes,
            disk_bytes: found.disk_bytes,
            files: found.files,
            dirs: found.dirs,
            newest_mtime_s: found.newest_mtime.and_then(unix_seconds),
            mount_points: found.mount_points,
        });
    }
    workspaces.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(b.path)));
    let total_bytes: u64 = environments.iter().map(|e| e.bytes).sum();
    let total_disk_bytes: u64 = environments.iter().map(|e| e.disk_bytes).sum();
    // The quotas count the sizes measured above, never a second scan.
    let quota_states = policy::quota_states(snapshot, &usage, quotas);
    let (other, warnings) = other_rows(snapshot, settings, &mut usage, docker, agents_runner);
    for warning in &warnings {
        eprintln!("problem: {warning}");
    }
    let mut out = std::io::stdout().lock();
    if json {
        let doc = json!({
            "environments": environments,
            "workspaces": workspaces,
            "total_bytes": total_bytes,
            "total_disk_bytes": total_disk_bytes,
            "quotas": quota_states,
            "other": other,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(0);
    }
    writeln!(out, "Data directory: {}", snapshot.data_dir.display())?;
    writeln!(
        out,
        "{:<36} {:<8} {:>6} {:>11} {:>11} {:>11}",
        "ENVIRONMENT", "TYPE", "TASKS", "WORKSPACES", "SIZE", "ON DISK"
    )?;
    for env in &environments {
        let label = if env.name == env.env_id {
            env.env_id.clone()
        } else {
            format!("{} ({})", env.name, env.env_id)
        };
        writeln!(
            out,
            "{:<36} {:<8} {:>6} {:>11} {:>11} {:>11}",
            truncate(&label, 36),
            env.workspace_type,
            env.task_count,
            env.workspace_count,
            text::bytes(env.bytes),
            text::bytes(env.disk_bytes)
        )?;
    }
    writeln!(
        out,
        "{:<36} {:<8} {:>6} {:>11} {:>11} {:>11}",
        "TOTAL",
        "",
        "",
        workspaces.len(),
        text::bytes(total_bytes),
        text::bytes(total_disk_bytes)
    )?;
    print_quotas(&mut out, &quota_states)?;
    for ws in &workspaces {
        for mount_point in &ws.mount_points {
            writeln!(out, "{}", mount_point_note(mount_point))?;
        }
    }
    if !workspaces.is_empty() {
        writeln!(out, "\nLargest workspaces:")?;
        for ws in workspaces.iter().take(10) {
            let who = ws
                .task_id
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{} (no record)", ws.task_folder));
            writeln!(
                out,
                "  {:>11}  {:<24} {}",
                text::bytes(ws.bytes),
                who,
                ws.path.display()
            )?;
        }
    }
    print_other(&mut out, &other)?;
    Ok(0)
}
