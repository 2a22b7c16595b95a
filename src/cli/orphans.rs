//! `orphans`: the workspace folders no task record points at and the legacy checkouts,
//! listed with their size, age and git state; with `--delete`, deleted through the plan.

use super::run_plan::execute;
use super::snapshot::scan;
use super::table::{age_text, mount_point_note, truncate, unix_seconds};
use super::{RunFlags, bad_input, open};
use crate::config::Config;
use crate::git::{self, GitStatus};
use crate::policy::{self, Action};
use crate::scan::Usage;
use crate::store::{OrphanKind, Snapshot, paths};
use crate::text;
use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// `orphans`: the listing, or with `--delete` (or `--dry-run`, which shows what `--delete`
/// would do) the plan that deletes the folders named, else every plain orphan.
pub(super) fn command(
    data_dir: Option<&Path>,
    settings: &Config,
    delete: bool,
    paths: &[PathBuf],
    run: &RunFlags,
    force: bool,
) -> Result<u8> {
    let snapshot = open(data_dir)?;
    if !delete && !run.dry_run {
        if run.trash || run.no_trash {
            return Err(bad_input("--trash and --no-trash go with --delete"));
        }
        if !paths.is_empty() {
            return Err(bad_input("folders to delete go with --delete"));
        }
        return list(&snapshot, run.json);
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
    execute(&snapshot, action, run, run.delete_mode(settings))
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

/// Why a legacy checkout is listed but never deleted.
const LEGACY_NOTE: &str = "legacy checkout: never deleted automatically";

/// `orphans` without `--delete`: the folders no record points at, then legacy checkouts.
fn list(snapshot: &Snapshot, json: bool) -> Result<u8> {
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
