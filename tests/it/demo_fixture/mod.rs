//! Checks that the demo data dir (and the fixture built on it) looks like what
//! Agents-Runner writes, so the other integration tests exercise real situations.

use crate::common;

use agents_janitor::demo::{self};
use agents_janitor::store::paths;
use common::Fixture;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod records;
mod workspaces;
mod writing;

type TestResult = Result<(), Box<dyn Error>>;

const VOCABULARY: &[&str] = &[
    "queued",
    "pulling",
    "cloning",
    "created",
    "starting",
    "running",
    "cleaning",
    "paused",
    "restarting",
    "removing",
    "done",
    "cancelled",
    "killed",
    "exited",
    "failed",
    "error",
    "dead",
    "discarded",
];

const DAY: Duration = Duration::from_secs(24 * 3600);

fn is_lower_hex(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// Every well-formed task file the demo wrote (active, archived, and the clash copy).
fn task_files(data_dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let broken = [
        Fixture::corrupt_task_path(data_dir),
        Fixture::non_utf8_task_path(data_dir),
    ];
    let mut files = Vec::new();
    for folder in [
        paths::active_tasks_dir(data_dir),
        paths::archived_tasks_dir(data_dir),
    ] {
        for entry in fs::read_dir(folder)? {
            let path = entry?.path();
            if path.extension().is_some_and(|ext| ext == "toml") && !broken.contains(&path) {
                files.push(path);
            }
        }
    }
    Ok(files)
}

fn read_toml(path: &Path) -> Result<toml::Table, Box<dyn Error>> {
    Ok(fs::read_to_string(path)?.parse::<toml::Table>()?)
}

fn task_file_path(data_dir: &Path, task: &demo::DemoTask) -> PathBuf {
    let folder = if task.archived {
        paths::archived_tasks_dir(data_dir)
    } else {
        paths::active_tasks_dir(data_dir)
    };
    folder.join(format!("{}.toml", task.id))
}

fn contains_datetime(value: &toml::Value) -> bool {
    match value {
        toml::Value::Datetime(_) => true,
        toml::Value::Array(items) => items.iter().any(contains_datetime),
        toml::Value::Table(table) => table.values().any(contains_datetime),
        _ => false,
    }
}

/// Runs git in `dir` and returns its trimmed stdout, failing on a non-zero exit.
fn git(dir: &Path, args: &[&str]) -> Result<String, Box<dyn Error>> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "git {args:?} in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8(output.stdout)?.trim_end().to_owned())
}
