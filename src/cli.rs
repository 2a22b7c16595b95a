//! The headless interface: `list`, `usage`, `archive`, `discard`, `sweep`, `complete`,
//! `enforce-quotas`, `orphans`, `restore`, `demo`, `config`.
//!
//! The cleaning commands take their defaults from the settings file
//! ([`crate::config`], `--config FILE`); an unusable file is a warning, not an error.
//!
//! Results go to stdout (a table, or JSON with `--json`); `[cleanup]` lines and
//! problems go to stderr as they happen. Exit codes: 0 done, 1 some steps failed
//! or were refused, 2 bad usage or input.

use crate::agents_runner::{LiveProbe, Probe};
use crate::config::{self, Config, LoadedConfig};
use crate::container::ContainerRuntime;
use crate::executor::{self, EngineEvent, Executor, Report, RestoreError};
use crate::git::{self, GitStatus};
use crate::policy::{self, Action, DeleteMode, Plan, Quota, QuotaState, RecordChange};
use crate::scan::Usage;
use crate::store::{self, OrphanKind, Snapshot, StoreError, TaskRecord, WorkspaceLocation, paths};
use crate::text;
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{SystemTime, UNIX_EPOCH};

pub mod dist_files;

#[derive(Debug, Parser)]
#[command(
    name = "agents-janitor",
    version,
    about = "Sizes and safely cleans Agents-Runner task workspaces"
)]
pub struct Cli {
    /// The Agents-Runner data directory (default: $AGENTS_RUNNER_STATE_PATH, else ~/.midoriai/agents-runner).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The janitor's settings file (default: config.toml in the user's config folder).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<CliCommand>,
}

#[derive(Debug, Subcommand)]
pub enum CliCommand {
    /// List task records with their status and workspace size.
    List {
        #[arg(long)]
        json: bool,
        /// Only tasks of this environment.
        #[arg(long, value_name = "ID")]
        env: Option<String>,
        /// Only archived tasks (tasks/done).
        #[arg(long, conflicts_with = "all")]
        archived: bool,
        /// Active and archived tasks.
        #[arg(long)]
        all: bool,
    },
    /// Disk usage per environment and per workspace.
    Usage {
        #[arg(long)]
        json: bool,
    },
    /// Archive finished tasks; delete the workspaces of done ones (failed ones are kept for
    /// debugging), as the settings keep_on_error and archive_cleans_done say.
    Archive {
        #[command(flatten)]
        run: RunFlags,
        /// Delete the workspaces of failed/error tasks too (overrides keep_on_error).
        #[arg(long)]
        delete_failed: bool,
        /// Delete workspaces even when they hold uncommitted or unpushed work (as does the
        /// setting allow_unsaved_delete).
        #[arg(long)]
        force: bool,
    },
    /// Discard tasks: mark them discarded, archive them, remove their container and workspace.
    Discard {
        #[arg(required = true, value_name = "TASK_ID")]
        task_ids: Vec<String>,
        #[command(flatten)]
        run: RunFlags,
        /// Discard even tasks that are still running.
        #[arg(long)]
        force: bool,
    },
    /// Delete workspaces whose newest file is older than the given age.
    Sweep {
        /// Age such as 24h, 90m, 2d or 1w (a bare number means hours; default: the
        /// setting sweep_age_hours, 24).
        #[arg(long, value_name = "AGE", value_parser = config::parse_age_hours)]
        older_than: Option<f64>,
        /// Only this environment.
        #[arg(long, value_name = "ID")]
        env: Option<String>,
        #[command(flatten)]
        run: RunFlags,
        /// Also sweep running tasks and workspaces with unsaved git work.
        #[arg(long)]
        force: bool,
    },
    /// Clean up after finished tasks (failed ones are kept unless --delete-failed).
    Complete {
        #[arg(required = true, value_name = "TASK_ID")]
        task_ids: Vec<String>,
        #[command(flatten)]
        run: RunFlags,
        /// Delete the workspaces of failed/error tasks too (overrides keep_on_error).
        #[arg(long)]
        delete_failed: bool,
        /// Also clean running tasks and workspaces with unsaved git work.
        #[arg(long)]
        force: bool,
    },
    /// Delete the oldest finished workspaces of each environment over its quota (the
    /// settings file's quotas) until it is under; active, kept-for-debugging and unsaved
    /// workspaces stay.
    EnforceQuotas {
        /// Only this environment's quota.
        #[arg(long, value_name = "ID")]
        env: Option<String>,
        /// Only the quotas with auto_clean = true (what a scheduled cleanup enforces).
        #[arg(long, conflicts_with = "env")]
        auto_only: bool,
        #[command(flatten)]
        run: RunFlags,
        /// Delete workspaces even when they hold uncommitted or unpushed work (as does the
        /// setting allow_unsaved_delete).
        #[arg(long)]
        force: bool,
    },
    /// List workspace folders no task record points at (orphans, backups Agents-Runner
    /// moved aside, folders of deleted environments), and legacy checkouts; with
    /// --delete, delete the orphan folders unchanged for an hour (legacy checkouts never).
    Orphans {
        /// Delete every orphan folder, or the folders named (--dry-run shows the plan
        /// only). Backups and deleted environments' folders go only when named.
        #[arg(long)]
        delete: bool,
        /// Folders to delete (as `orphans` lists them); none: every plain orphan.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        run: RunFlags,
        /// Delete orphan folders even when they hold uncommitted or unpushed work (as does
        /// the setting allow_unsaved_delete).
        #[arg(long)]
        force: bool,
    },
    /// Show or change the janitor's settings.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Un-archive a task: move its record from tasks/done/ back to tasks/.
    Restore {
        #[arg(value_name = "TASK_ID")]
        task_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Write a realistic demo data directory to try everything safely.
    Demo {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    #[command(flatten)]
    DistFiles(dist_files::DistFilesCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the settings file's path and every setting in use.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change one setting, keeping the file's comments (quotas.ENV.limit off removes a quota).
    Set {
        /// keep_on_error, archive_cleans_done, sweep_age_hours, allow_unsaved_delete,
        /// delete_mode, schedule, quotas.ENV.limit, quotas.ENV.warn_percent or
        /// quotas.ENV.auto_clean.
        key: String,
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

#[derive(Debug, Args)]
pub struct RunFlags {
    /// Show the plan; change nothing.
    #[arg(long)]
    dry_run: bool,
    #[arg(long)]
    json: bool,
    /// Move workspaces to the system trash instead of deleting them (the space is freed
    /// when the trash is emptied; default: the setting delete_mode).
    #[arg(long)]
    trash: bool,
    /// Delete workspaces even when the setting delete_mode is "trash".
    #[arg(long, conflicts_with = "trash")]
    no_trash: bool,
}

impl RunFlags {
    /// What happens to workspaces: the flags' choice, else the settings'.
    fn delete_mode(&self, settings: &Config) -> DeleteMode {
        if self.trash {
            DeleteMode::Trash
        } else if self.no_trash {
            DeleteMode::Delete
        } else {
            settings.delete_mode
        }
    }
}

/// A failure with the exit code it deserves.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ExitError {
    pub code: u8,
    pub message: String,
}

fn bad_input(message: impl Into<String>) -> anyhow::Error {
    ExitError {
        code: 2,
        message: message.into(),
    }
    .into()
}

/// Runs a subcommand and returns the process exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let data_dir = cli.data_dir.as_deref();
    let config_path = cli.config.as_deref();
    let Some(command) = cli.command else {
        return window_or_overview(data_dir, config_path);
    };
    match command {
        CliCommand::Demo { dir } => demo(&dir),
        CliCommand::DistFiles(command) => dist_files::run(command, &mut std::io::stdout().lock()),
        CliCommand::List {
            json,
            env,
            archived,
            all,
        } => {
            let snapshot = open(data_dir)?;
            note_agents_runner(&snapshot);
            list(&snapshot, json, env.as_deref(), archived, all)
        }
        CliCommand::Usage { json } => {
            let quotas = settings(config_path).quotas;
            let snapshot = open(data_dir)?;
            note_agents_runner(&snapshot);
            usage(&snapshot, json, &quotas)
        }
        CliCommand::Config { command } => config_command(config_path, command),
        CliCommand::Restore { task_id, json } => restore(data_dir, &task_id, json),
        CliCommand::Archive {
            run,
            delete_failed,
            force,
        } => {
            let settings = settings(config_path);
            let action = Action::Archive {
                keep_on_error: settings.keep_on_error && !delete_failed,
                allow_unsaved: settings.allow_unsaved_delete || force,
                clean_done: settings.archive_cleans_done,
            };
            execute(&open(data_dir)?, action, &run, run.delete_mode(&settings))
        }
        CliCommand::Discard {
            task_ids,
            run,
            force,
        } => {
            let mode = run.delete_mode(&settings(config_path));
            execute(
                &open(data_dir)?,
                Action::Discard { task_ids, force },
                &run,
                mode,
            )
        }
        CliCommand::Sweep {
            older_than,
            env,
            run,
            force,
        } => {
            let settings = settings(config_path);
            let action = Action::Sweep {
                older_than_hours: older_than.unwrap_or(settings.sweep_age_hours),
                env_id: env,
                force,
                allow_unsaved: settings.allow_unsaved_delete,
            };
            execute(&open(data_dir)?, action, &run, run.delete_mode(&settings))
        }
        CliCommand::Complete {
            task_ids,
            run,
            delete_failed,
            force,
        } => {
            let settings = settings(config_path);
            let action = Action::Complete {
                task_ids,
                keep_on_error: settings.keep_on_error && !delete_failed,
                force,
            };
            execute(&open(data_dir)?, action, &run, run.delete_mode(&settings))
        }
        CliCommand::EnforceQuotas {
            env,
            auto_only,
            run,
            force,
        } => enforce_quotas(
            data_dir,
            &settings(config_path),
            env.as_deref(),
            auto_only,
            &run,
            force,
        ),
        CliCommand::Orphans {
            delete,
            paths,
            run,
            force,
        } => {
            let settings = settings(config_path);
            let snapshot = open(data_dir)?;
            // A dry run shows what --delete would do.
            if !delete && !run.dry_run {
                if run.trash || run.no_trash {
                    return Err(bad_input("--trash and --no-trash go with --delete"));
                }
                if !paths.is_empty() {
                    return Err(bad_input("folders to delete go with --delete"));
                }
                return orphans(&snapshot, run.json);
            }
            let action = Action::DeleteOrphans {
                paths: paths.iter().map(|path| absolute_folder(path)).collect(),
                allow_unsaved: settings.allow_unsaved_delete || force,
            };
            if !run.json && !snapshot.legacy_checkouts.is_empty() {
                println!(
                    "{} legacy checkout(s) left alone: never deleted automatically",
                    snapshot.legacy_checkouts.len()
                );
            }
            execute(&snapshot, action, &run, run.delete_mode(&settings))
        }
    }
}

/// `path` as the store lists folders: absolute, with its parent's symlinks resolved
/// (the data dir is canonical in a snapshot) and its own name kept.
fn absolute_folder(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent)
            .map(|parent| parent.join(name))
            .unwrap_or(absolute),
        _ => absolute,
    }
}

fn open(explicit: Option<&Path>) -> Result<Snapshot> {
    let data_dir = paths::data_dir_from_env(explicit).ok_or_else(|| {
        bad_input("no data directory: give --data-dir DIR (no home folder is known)")
    })?;
    let cache = store::RecordCache::for_user();
    let snapshot = Snapshot::load_with(&data_dir, cache.as_ref()).map_err(|err| {
        bad_input(format!(
            "{err} (give --data-dir DIR or set {})",
            paths::STATE_PATH_VAR
        ))
    })?;
    for problem in &snapshot.problems {
        eprintln!("problem: {}: {}", problem.path.display(), problem.message);
    }
    Ok(snapshot)
}

/// A note on stderr while Agents-Runner runs on the data directory: reading works,
/// record changes are refused.
fn note_agents_runner(snapshot: &Snapshot) {
    if let Some(runner) = LiveProbe.check(&snapshot.data_dir) {
        eprintln!("note: {}", runner.notice());
    }
}

fn scan(paths: &[PathBuf]) -> HashMap<PathBuf, Usage> {
    let mut usage = HashMap::new();
    executor::size_missing(paths, &mut usage, &Arc::new(AtomicBool::new(false)));
    for found in usage.values() {
        for problem in &found.problems {
            eprintln!("problem: {}: {}", problem.path.display(), problem.message);
        }
    }
    usage
}

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
    created_at_s: Option<f64>,
    finished_at: Option<&'a str>,
    container_id: Option<&'a str>,
    log_count: usize,
    prompt: String,
    file: &'a Path,
}

fn list(
    snapshot: &Snapshot,
    json: bool,
    env: Option<&str>,
    archived: bool,
    all: bool,
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
    let rows: Vec<ListedTask> = tasks
        .iter()
        .zip(locations)
        .map(|(task, location)| {
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
                workspace_path: path,
                workspace_bytes: found.as_ref().map(|u| u.apparent_bytes),
                workspace_disk_bytes: found.as_ref().map(|u| u.disk_bytes),
                workspace_mount_points: found.map(|u| u.mount_points).unwrap_or_default(),
                created_at_s: task.created_at_s,
                finished_at: task.finished_at.as_deref(),
                container_id: task.container_id.as_deref(),
                log_count: task.log_count,
                prompt: text::first_line(task.prompt.as_deref().unwrap_or_default()).to_owned(),
                file: &task.file,
            }
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(0);
    }
    let now = SystemTime::now();
    writeln!(
        out,
        "{:<12} {:<14} {:<10} {:<8} {:>10}  {:<9} PROMPT",
        "TASK", "ENVIRONMENT", "STATUS", "ARCHIVED", "SIZE", "CREATED"
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
            "{:<12} {:<14} {:<10} {:<8} {:>10}  {:<9} {}",
            row.task_id,
            truncate(env_name, 14),
            truncate(row.status, 10),
            archived,
            size,
            created,
            truncate(&row.prompt, 60)
        )?;
    }
    writeln!(out, "{} task(s)", rows.len())?;
    for row in &rows {
        for mount_point in &row.workspace_mount_points {
            writeln!(out, "{}: {}", row.task_id, mount_point_note(mount_point))?;
        }
    }
    Ok(0)
}

/// What a mount point in a workspace means, for the listings.
fn mount_point_note(mount_point: &Path) -> String {
    format!(
        "{} is a mount point: not counted in the workspace's size, and the workspace is not deleted until it is unmounted",
        mount_point.display()
    )
}

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

fn usage(snapshot: &Snapshot, json: bool, quotas: &BTreeMap<String, Quota>) -> Result<u8> {
    let roots: Vec<PathBuf> = snapshot.workspaces.iter().map(|w| w.path.clone()).collect();
    let usage = scan(&roots);
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
            newest_mtime_s: found
                .newest_mtime
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map(|d| d.as_secs_f64()),
            mount_points: found.mount_points,
        });
    }
    workspaces.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(b.path)));
    let total_bytes: u64 = environments.iter().map(|e| e.bytes).sum();
    let total_disk_bytes: u64 = environments.iter().map(|e| e.disk_bytes).sum();
    // The quotas count the sizes measured above, never a second scan.
    let quota_states = policy::quota_states(snapshot, &usage, quotas);
    let mut out = std::io::stdout().lock();
    if json {
        let doc = json!({
            "environments": environments,
            "workspaces": workspaces,
            "total_bytes": total_bytes,
            "total_disk_bytes": total_disk_bytes,
            "quotas": quota_states,
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
    Ok(0)
}

/// The quota table `usage` shows after the environments (nothing without quotas).
fn print_quotas(out: &mut impl Write, states: &[QuotaState]) -> Result<()> {
    if states.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nQuotas (on-disk size of the task workspaces):")?;
    writeln!(
        out,
        "  {:<34} {:>11} {:>11} {:>6}  {:<10} AUTO-CLEAN",
        "ENVIRONMENT", "USED", "LIMIT", "USE", "STATE"
    )?;
    for state in states {
        let not_sized = if state.not_sized > 0 {
            format!("  ({} not sized)", state.not_sized)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {:<34} {:>11} {:>11} {:>5.0}%  {:<10} {}{not_sized}",
            truncate(&state.env_id, 34),
            text::bytes(state.used_bytes),
            text::bytes(state.limit_bytes),
            state.percent(),
            state.level.label(),
            if state.auto_clean { "on" } else { "off" },
        )?;
    }
    Ok(())
}

/// `enforce-quotas`: the settings file's quotas (or `--env`'s, or the auto-clean ones)
/// through [`execute`].
fn enforce_quotas(
    data_dir: Option<&Path>,
    settings: &Config,
    env: Option<&str>,
    auto_only: bool,
    run: &RunFlags,
    force: bool,
) -> Result<u8> {
    let quotas: BTreeMap<String, Quota> = match env {
        Some(env) => {
            let quota = settings.quotas.get(env).ok_or_else(|| {
                bad_input(format!(
                    "no quota for environment {env:?} in the settings file (set one with: agents-janitor config set quotas.{env}.limit \"20 GB\")"
                ))
            })?;
            BTreeMap::from([(env.to_owned(), *quota)])
        }
        None => settings
            .quotas
            .iter()
            .filter(|(_, quota)| !auto_only || quota.auto_clean)
            .map(|(env, quota)| (env.clone(), *quota))
            .collect(),
    };
    if quotas.is_empty() {
        let message = if settings.quotas.is_empty() {
            "No quotas are configured: nothing to enforce. Set one with: agents-janitor config set quotas.<env>.limit \"20 GB\""
        } else {
            "No quota has auto_clean = true: nothing to enforce."
        };
        if run.json {
            let doc = json!({
                "dry_run": run.dry_run,
                "workspace_action": workspace_verb(run.delete_mode(settings)),
                "plan": null,
                "result": null,
                "bytes_freed": 0,
                "bytes_trashed": 0,
                "message": message,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        } else {
            println!("{message}");
        }
        return Ok(0);
    }
    let action = Action::EnforceQuotas {
        quotas,
        keep_on_error: settings.keep_on_error,
        allow_unsaved: settings.allow_unsaved_delete || force,
    };
    execute(&open(data_dir)?, action, run, run.delete_mode(settings))
}

/// An orphan folder as `orphans` lists it.
#[derive(Debug, Serialize)]
struct OrphanFolder<'a> {
    /// `orphan`, `backup` (moved aside by Agents-Runner) or `deleted_environment`.
    kind: OrphanKind,
    /// For a backup, the task folder it was moved aside from.
    backup_of: Option<&'a str>,
    env_folder: &'a str,
    folder: &'a str,
    path: &'a Path,
    /// False for a file or symlink where a folder was expected (left alone).
    is_dir: bool,
    bytes: Option<u64>,
    disk_bytes: Option<u64>,
    newest_mtime_s: Option<f64>,
    age_hours: Option<f64>,
    git: Option<GitStatus>,
    /// Mount points at or below the folder (not counted).
    mount_points: Vec<PathBuf>,
}

/// A legacy checkout as `orphans` lists it.
#[derive(Debug, Serialize)]
struct LegacyCheckoutRow<'a> {
    env_folder: &'a str,
    path: &'a Path,
    bytes: Option<u64>,
    disk_bytes: Option<u64>,
    newest_mtime_s: Option<f64>,
    note: &'static str,
}

const LEGACY_NOTE: &str = "legacy checkout: never deleted automatically";

fn unix_seconds(time: SystemTime) -> Option<f64> {
    time.duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs_f64())
}

/// `orphans` without `--delete`: the folders no record points at, then legacy checkouts.
fn orphans(snapshot: &Snapshot, json: bool) -> Result<u8> {
    let orphan_dirs = snapshot.orphans();
    let mut roots: Vec<PathBuf> = orphan_dirs.iter().map(|o| o.dir.path.clone()).collect();
    roots.extend(
        snapshot
            .legacy_checkouts
            .iter()
            .flat_map(|checkout| checkout.entries.iter().cloned()),
    );
    let usage = scan(&roots);
    let git: Vec<Option<GitStatus>> = orphan_dirs
        .par_iter()
        .map(|orphan| {
            orphan
                .dir
                .is_dir
                .then(|| git::inspect(&orphan.dir.path, git::DEFAULT_GIT_TIMEOUT))
        })
        .collect();
    let now = SystemTime::now();
    let rows: Vec<OrphanFolder> = orphan_dirs
        .iter()
        .zip(git)
        .map(|(orphan, git)| {
            let dir = orphan.dir;
            let found = usage.get(&dir.path);
            let newest = found.and_then(|u| u.newest_mtime);
            OrphanFolder {
                kind: orphan.kind,
                backup_of: orphan.backup_of,
                env_folder: &dir.env_folder,
                folder: &dir.task_folder,
                path: &dir.path,
                is_dir: dir.is_dir,
                bytes: found.map(|u| u.apparent_bytes),
                disk_bytes: found.map(|u| u.disk_bytes),
                newest_mtime_s: newest.and_then(unix_seconds),
                age_hours: newest
                    .map(|t| now.duration_since(t).unwrap_or_default().as_secs_f64() / 3600.0),
                git,
                mount_points: found.map(|u| u.mount_points.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let legacy: Vec<LegacyCheckoutRow> = snapshot
        .legacy_checkouts
        .iter()
        .map(|checkout| {
            // Its tasks/ folder is counted with the task workspaces.
            let parts: Option<Vec<Usage>> = checkout
                .entries
                .iter()
                .map(|entry| usage.get(entry).cloned())
                .collect();
            let found = parts.map(Usage::combined);
            LegacyCheckoutRow {
                env_folder: &checkout.env_folder,
                path: &checkout.path,
                bytes: found.as_ref().map(|u| u.apparent_bytes),
                disk_bytes: found.as_ref().map(|u| u.disk_bytes),
                newest_mtime_s: found
                    .as_ref()
                    .and_then(|u| u.newest_mtime)
                    .and_then(unix_seconds),
                note: LEGACY_NOTE,
            }
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        let doc = json!({ "orphans": rows, "legacy_checkouts": legacy });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(0);
    }
    let size = |bytes: Option<u64>| bytes.map_or_else(|| "?".to_owned(), text::bytes);
    let age = |seconds: Option<f64>| {
        seconds
            .and_then(|s| age_text(s, now))
            .unwrap_or_else(|| "-".to_owned())
    };
    if rows.is_empty() {
        writeln!(out, "No orphan folders.")?;
    } else {
        writeln!(
            out,
            "Folders under {}/<environment>/{}/ that no task record points at:",
            paths::MANAGED_REPOS,
            paths::TASKS_DIR
        )?;
        writeln!(
            out,
            "{:<20} {:<24} {:<20} {:>11}  {:<9} {:<24} PATH",
            "ENVIRONMENT", "FOLDER", "KIND", "SIZE", "CHANGED", "GIT"
        )?;
        for row in &rows {
            let kind = match (row.kind, row.backup_of) {
                (OrphanKind::Orphan, _) => "orphan".to_owned(),
                (OrphanKind::Backup, Some(task)) => format!("backup of {task}"),
                (OrphanKind::Backup, None) => "backup".to_owned(),
                (OrphanKind::DeletedEnvironment, _) => "deleted environment".to_owned(),
            };
            let (shown_size, git) = if row.is_dir {
                (
                    size(row.disk_bytes),
                    match &row.git {
                        Some(GitStatus::Unknown { reason }) => reason.clone(),
                        Some(known) => known.describe(),
                        None => String::new(),
                    },
                )
            } else {
                ("-".to_owned(), "not a folder: left alone".to_owned())
            };
            writeln!(
                out,
                "{:<20} {:<24} {:<20} {:>11}  {:<9} {:<24} {}",
                truncate(row.env_folder, 20),
                truncate(row.folder, 24),
                truncate(&kind, 20),
                shown_size,
                age(row.newest_mtime_s),
                truncate(&git, 24),
                row.path.display()
            )?;
        }
        writeln!(
            out,
            "{} orphan folder(s); `agents-janitor orphans --delete` deletes the plain orphans unchanged for {}h; `orphans --delete PATH...` deletes the folders named, backups and deleted environments' folders too",
            rows.len(),
            policy::ORPHAN_MIN_AGE_HOURS
        )?;
        for mount_point in rows.iter().flat_map(|row| &row.mount_points) {
            writeln!(out, "{}", mount_point_note(mount_point))?;
        }
    }
    if !legacy.is_empty() {
        writeln!(
            out,
            "\nLegacy checkouts (in managed-repos/<environment>/ itself):"
        )?;
        for row in &legacy {
            writeln!(
                out,
                "  {:>11}  {:<9} {}  ({LEGACY_NOTE})",
                size(row.disk_bytes),
                age(row.newest_mtime_s),
                row.path.display()
            )?;
        }
    }
    Ok(0)
}

/// Builds the plan, prints it, and unless `--dry-run` carries it out.
fn execute(
    snapshot: &Snapshot,
    action: Action,
    flags: &RunFlags,
    delete_mode: DeleteMode,
) -> Result<u8> {
    let cancel = Arc::new(AtomicBool::new(false));
    let executor = Executor::new(
        &snapshot.data_dir,
        cancel.clone(),
        ContainerRuntime::default(),
    );
    let print_log = |event: EngineEvent| {
        if let EngineEvent::Log(line) = event {
            eprintln!("{}", line.text);
        }
    };
    if !flags.dry_run {
        executor
            .finish_staged(&print_log)
            .map_err(|err| ExitError {
                code: 1,
                message: err.to_string(),
            })?;
    }
    let mut usage = HashMap::new();
    let runner = LiveProbe.check(&snapshot.data_dir);
    let plan = executor::prepare_with_runner(
        &action,
        snapshot,
        &mut usage,
        &cancel,
        SystemTime::now(),
        delete_mode,
        runner.as_ref(),
    )
    .map_err(|err| bad_input(err.to_string()))?;
    if !flags.json {
        print_plan(&plan, snapshot)?;
    }
    for line in executor::mount_point_refusals(&plan) {
        print_log(EngineEvent::Log(line));
    }
    let report = if flags.dry_run || plan.is_empty() {
        None
    } else {
        Some(
            executor
                .execute(&plan, &print_log)
                .map_err(|err| ExitError {
                    code: 1,
                    message: err.to_string(),
                })?,
        )
    };
    // A task the user named but that was refused makes the command fail; skips by a
    // sweep or an archive over everything are the policy at work, except a workspace
    // kept by a mount point: the user has to unmount it, whoever asked. A record change
    // Agents-Runner would undo fails the command whatever the action.
    let refused = (matches!(action, Action::Discard { .. } | Action::Complete { .. })
        && plan.skipped.iter().any(|s| s.refused))
        || plan
            .skipped
            .iter()
            .any(|s| s.held_by_agents_runner || s.mount_point.is_some());
    let mut out = std::io::stdout().lock();
    if flags.json {
        let doc = json!({
            "dry_run": flags.dry_run,
            "workspace_action": workspace_verb(plan.delete_mode),
            "plan": plan,
            "result": report,
            "bytes_freed": report.as_ref().map_or(0, |r| r.bytes_freed),
            "bytes_trashed": report.as_ref().map_or(0, |r| r.bytes_trashed),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else if flags.dry_run {
        writeln!(out, "Dry run: nothing was changed.")?;
    } else if let Some(report) = &report {
        print_report(&mut out, report)?;
    }
    let failed = report.as_ref().is_some_and(|r| !r.all_ok());
    Ok(if failed || refused { 1 } else { 0 })
}

fn print_plan(plan: &Plan, snapshot: &Snapshot) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let workspaces = plan.steps.iter().filter(|s| s.workspace.is_some()).count();
    let verb = workspace_verb(plan.delete_mode);
    let when = match plan.delete_mode {
        DeleteMode::Delete => "",
        DeleteMode::Trash => " when the trash is emptied",
    };
    writeln!(
        out,
        "Plan ({}): {} step(s), {} workspace(s) to {verb}, {} to free{when}",
        plan.action.verb(),
        plan.steps.len(),
        workspaces,
        text::bytes(plan.bytes_to_free)
    )?;
    for step in &plan.steps {
        let record = match step.record_change {
            RecordChange::Keep => "",
            RecordChange::Archive => "archive record",
            RecordChange::Discard { archive: true } => "mark discarded + archive",
            RecordChange::Discard { archive: false } => "mark discarded",
        };
        let mut parts: Vec<String> = Vec::new();
        if !record.is_empty() {
            parts.push(record.into());
        }
        if let Some(container) = &step.container_id {
            parts.push(format!("remove container {container}"));
        }
        if let Some(ws) = &step.workspace {
            let shown = ws.path.strip_prefix(&snapshot.data_dir).unwrap_or(&ws.path);
            parts.push(format!(
                "{verb} {} ({})",
                shown.display(),
                text::bytes(step.bytes)
            ));
        }
        let git = step
            .git
            .as_ref()
            .map(|g| format!("  [git: {}]", g.describe()))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<12} {}: {}{git}",
            step.task_id,
            step.reason,
            parts.join(", ")
        )?;
    }
    if !plan.skipped.is_empty() {
        writeln!(out, "Skipped:")?;
        for skipped in &plan.skipped {
            writeln!(out, "  {:<12} {}", skipped.task_id, skipped.reason)?;
        }
    }
    for warning in &plan.warnings {
        writeln!(out, "Warning: {warning}")?;
    }
    Ok(())
}

fn print_report(out: &mut impl Write, report: &Report) -> Result<()> {
    writeln!(
        out,
        "{}: {} step(s) done, {} failed, {} workspace(s) removed, {} freed{}{}",
        report.action,
        report.steps_ok,
        report.steps_failed,
        report.workspaces_removed,
        text::bytes(report.bytes_freed),
        if report.workspaces_trashed > 0 {
            format!(
                ", {} moved to the trash ({}; freed when the trash is emptied)",
                report.workspaces_trashed,
                text::bytes(report.bytes_trashed)
            )
        } else {
            String::new()
        },
        if report.cancelled { " (cancelled)" } else { "" }
    )?;
    for outcome in report.outcomes.iter().filter(|o| !o.ok) {
        writeln!(
            out,
            "  failed: {}: {}",
            outcome.task_id,
            outcome.messages.last().map_or("", String::as_str)
        )?;
    }
    Ok(())
}

/// The settings file's path: `--config`, else the default location (none without a home).
fn settings_path(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(config::default_path)
}

/// Loads the settings file, warning on stderr about an unusable file or unknown keys.
fn load_settings(path: &Path) -> LoadedConfig {
    let loaded = config::load(path);
    if let Some(warning) = &loaded.warning {
        eprintln!("warning: {warning}; using the default settings (the file is left unchanged)");
    }
    for key in &loaded.unknown_keys {
        eprintln!(
            "warning: {}: unknown setting {key:?} ignored",
            path.display()
        );
    }
    loaded
}

/// The settings in use: the file's, or the defaults.
fn settings(explicit: Option<&Path>) -> Config {
    settings_path(explicit)
        .map(|path| load_settings(&path).config)
        .unwrap_or_default()
}

fn config_command(explicit: Option<&Path>, command: ConfigCommand) -> Result<u8> {
    let path = settings_path(explicit)
        .ok_or_else(|| bad_input("no settings file location: give --config FILE"))?;
    match command {
        ConfigCommand::Show { json } => show_settings(&load_settings(&path), json),
        ConfigCommand::Set { key, value } => match config::set_value(&path, &key, &value) {
            Ok(_) => {
                println!("Set {key} = {} in {}", value.trim(), path.display());
                Ok(0)
            }
            Err(err) => Err(ExitError {
                code: if err.is_bad_input() { 2 } else { 1 },
                message: format!("{err} (nothing was changed)"),
            }
            .into()),
        },
    }
}

fn show_settings(loaded: &LoadedConfig, json: bool) -> Result<u8> {
    let settings = &loaded.config;
    let schedule = config::format_interval(settings.schedule);
    let mut out = std::io::stdout().lock();
    if json {
        let quotas: serde_json::Map<String, serde_json::Value> = settings
            .quotas
            .iter()
            .map(|(env, quota)| {
                let shown = json!({
                    "limit": config::format_size(quota.limit_bytes),
                    "limit_bytes": quota.limit_bytes,
                    "warn_percent": quota.warn_percent,
                    "auto_clean": quota.auto_clean,
                });
                (env.clone(), shown)
            })
            .collect();
        let doc = json!({
            "path": loaded.path,
            "from_file": loaded.from_file,
            "warning": loaded.warning.as_ref().map(ToString::to_string),
            "unknown_keys": loaded.unknown_keys,
            "settings": {
                "keep_on_error": settings.keep_on_error,
                "archive_cleans_done": settings.archive_cleans_done,
                "sweep_age_hours": settings.sweep_age_hours,
                "allow_unsaved_delete": settings.allow_unsaved_delete,
                "delete_mode": settings.delete_mode,
                "schedule": schedule,
                "schedule_seconds": settings.schedule.map(|s| s.as_secs_f64()),
                "quotas": quotas,
            },
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(0);
    }
    let state = match (&loaded.warning, loaded.from_file) {
        (Some(_), _) => " (unusable: the defaults are in use)",
        (None, false) => " (not there yet: the defaults are in use)",
        (None, true) => "",
    };
    writeln!(out, "Settings file: {}{state}", loaded.path.display())?;
    writeln!(out, "keep_on_error = {}", settings.keep_on_error)?;
    writeln!(
        out,
        "archive_cleans_done = {}",
        settings.archive_cleans_done
    )?;
    writeln!(out, "sweep_age_hours = {}", settings.sweep_age_hours)?;
    writeln!(
        out,
        "allow_unsaved_delete = {}",
        settings.allow_unsaved_delete
    )?;
    writeln!(out, "delete_mode = {:?}", settings.delete_mode.as_str())?;
    writeln!(out, "schedule = {schedule:?}")?;
    if settings.quotas.is_empty() {
        writeln!(out, "# no quotas")?;
    }
    for (env, quota) in &settings.quotas {
        writeln!(out, "\n[quotas.{}]", toml_edit::Key::new(env.as_str()))?;
        writeln!(out, "limit = {:?}", config::format_size(quota.limit_bytes))?;
        writeln!(out, "warn_percent = {}", quota.warn_percent)?;
        writeln!(out, "auto_clean = {}", quota.auto_clean)?;
    }
    Ok(0)
}

/// What a plan does with its workspaces, in the plan's words.
fn workspace_verb(mode: DeleteMode) -> &'static str {
    match mode {
        DeleteMode::Delete => "delete",
        DeleteMode::Trash => "move to trash",
    }
}

/// `restore ID`: 0 when restored, 1 when refused (an active record, no archived one, the
/// lock held), 2 for an id that is not a plain task id or a missing data directory.
fn restore(explicit: Option<&Path>, task_id: &str, json: bool) -> Result<u8> {
    let data_dir = paths::data_dir_from_env(explicit).ok_or_else(|| {
        bad_input("no data directory: give --data-dir DIR (no home folder is known)")
    })?;
    let data_dir = std::fs::canonicalize(&data_dir)
        .ok()
        .filter(|dir| dir.is_dir())
        .ok_or_else(|| {
            bad_input(format!(
                "data directory {} does not exist (give --data-dir DIR or set {})",
                data_dir.display(),
                paths::STATE_PATH_VAR
            ))
        })?;
    let print_log = |event: EngineEvent| {
        if let EngineEvent::Log(line) = event {
            eprintln!("{}", line.text);
        }
    };
    let result = executor::restore(&data_dir, task_id, &LiveProbe, &print_log);
    let mut out = std::io::stdout().lock();
    if json {
        let doc = match &result {
            Ok(record) => json!({"task_id": task_id, "restored": true, "record": record}),
            Err(err) => json!({"task_id": task_id, "restored": false, "error": err.to_string()}),
        };
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    }
    match result {
        Ok(record) => {
            if !json {
                writeln!(out, "Restored task {task_id}: {}", record.display())?;
            }
            Ok(0)
        }
        // The `[cleanup]` line on stderr already said why.
        Err(RestoreError::Store(StoreError::InvalidTaskId(_))) => Ok(2),
        Err(_) => Ok(1),
    }
}

fn demo(dir: &Path) -> Result<u8> {
    let summary = crate::demo::write_demo(dir).map_err(|err| bad_input(err.to_string()))?;
    println!(
        "Wrote a demo data directory to {}: {} environments, {} tasks, {} workspaces{}.",
        summary.data_dir.display(),
        summary.environments,
        summary.tasks,
        summary.workspaces,
        if summary.git_checkouts {
            " (real git checkouts)"
        } else {
            " (plain folders: git was not found)"
        }
    );
    println!(
        "Try: agents-janitor --data-dir {} usage",
        summary.data_dir.display()
    );
    Ok(0)
}

/// No subcommand: the desktop app where there is a display, else the text overview.
fn window_or_overview(data_dir: Option<&Path>, config_path: Option<&Path>) -> Result<u8> {
    #[cfg(feature = "gui")]
    if has_display() {
        crate::gui::run(data_dir.map(Path::to_path_buf), settings_path(config_path))?;
        return Ok(0);
    }
    overview(data_dir, &settings(config_path).quotas)
}

/// Whether a window can be opened: on Linux and the BSDs that needs X11 or Wayland.
#[cfg(feature = "gui")]
fn has_display() -> bool {
    if cfg!(any(target_os = "windows", target_os = "macos")) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

/// No display (or no `gui` feature): show the data directory's usage, or, when there is none yet,
/// generate a demo data directory and show that.
fn overview(explicit: Option<&Path>, quotas: &BTreeMap<String, Quota>) -> Result<u8> {
    let data_dir = paths::data_dir_from_env(explicit);
    if let Some(dir) = data_dir.as_ref().filter(|d| d.is_dir()) {
        let snapshot = open(Some(dir))?;
        usage(&snapshot, false, quotas)?;
        println!("\nRun `agents-janitor --help` for list, archive, discard and sweep.");
        return Ok(0);
    }
    let demo_dir = directories::ProjectDirs::from("", "", "agents-janitor")
        .map(|dirs| dirs.data_dir().join("demo"))
        .context("no home folder to put a demo data directory in")?;
    let shown = data_dir
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "(unknown)".into());
    println!("No Agents-Runner data directory at {shown}.");
    if !demo_dir.join(paths::ENVIRONMENTS_FILE).exists() {
        demo(&demo_dir)?;
    }
    println!(
        "Showing the demo data directory at {}:\n",
        demo_dir.display()
    );
    let snapshot = open(Some(&demo_dir))?;
    usage(&snapshot, false, quotas)?;
    println!(
        "\nTry: agents-janitor --data-dir {} sweep --dry-run",
        demo_dir.display()
    );
    Ok(0)
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// How long ago Agents-Runner's `created_at_s` (Unix seconds) was; `None` when it is
/// not a moment.
fn age_text(unix_seconds: f64, now: SystemTime) -> Option<String> {
    let moment: SystemTime = store::time::from_unix_seconds(unix_seconds)?.into();
    Some(text::relative_time(moment, now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_cuts_with_an_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
