//! The command line, end to end: every subcommand in human and `--json` form, run as a
//! child process against a fresh demo data dir with a fake `docker` first on `PATH`.

use crate::common;

use agents_janitor::demo::{DemoTask, DemoWorkspace, TASKS};
use agents_janitor::lock::LOCK_FILE;
use agents_janitor::status::StatusClass;
use agents_janitor::store::paths;
use common::{Fixture, Run, docker_calls, run, tree_digest};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod archive;
mod complete;
mod discard;
mod list;
mod overview;
mod sweep;
mod usage;

type TestResult = Result<(), Box<dyn Error>>;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Digest of the data dir and the canaries beside it.
fn world_digest(fx: &Fixture) -> BTreeMap<String, String> {
    let mut digest = BTreeMap::new();
    for (prefix, dir) in [("data", &fx.data_dir), ("outside", &fx.outside)] {
        for (key, value) in tree_digest(dir) {
            digest.insert(format!("{prefix}/{key}"), value);
        }
    }
    digest
}

/// Like [`world_digest`] but without the janitor's own lock file, which any
/// non-dry run may create before it finds out there is nothing to do.
fn digest_without_lock(fx: &Fixture) -> BTreeMap<String, String> {
    let mut digest = world_digest(fx);
    digest.remove(&format!("data/{LOCK_FILE}"));
    digest
}

/// Runs a dry run and checks it changed nothing at all (not even a lock file).
fn dry_run(fx: &Fixture, args: &[&str]) -> Result<Run, Box<dyn Error>> {
    let before = world_digest(fx);
    let calls = docker_changes(fx)?;
    let result = run(fx, args)?;
    assert_eq!(result.code, Some(0), "{args:?}: {result}");
    assert!(
        before == world_digest(fx),
        "{args:?} changed files:\n{result}"
    );
    assert_eq!(docker_changes(fx)?, calls, "{args:?} changed docker");
    Ok(result)
}

/// The docker calls so far that may change something: every one but the listings
/// (`image ls`, `ps`) with which `usage` shows Agents-Runner's images and containers.
fn docker_changes(fx: &Fixture) -> Result<Vec<String>, Box<dyn Error>> {
    Ok(docker_calls(fx)?
        .into_iter()
        .filter(|call| !call.starts_with("image ls ") && !call.starts_with("ps "))
        .collect())
}

// ---------------------------------------------------------------------------------------
// The fixture's broken task files
// ---------------------------------------------------------------------------------------

/// The fixture's unparsable task files: never rewritten, always reported.
struct BrokenFiles {
    files: Vec<(PathBuf, Vec<u8>)>,
    /// Their paths as the janitor names them (under the canonical data dir).
    shown: Vec<PathBuf>,
}

impl BrokenFiles {
    fn read(fx: &Fixture) -> Result<Self, Box<dyn Error>> {
        let data = canonical_data(fx)?;
        let mut files = Vec::new();
        for path in [
            Fixture::corrupt_task_path(&fx.data_dir),
            Fixture::non_utf8_task_path(&fx.data_dir),
        ] {
            let bytes = fs::read(&path)?;
            files.push((path, bytes));
        }
        Ok(Self {
            files,
            shown: vec![
                Fixture::corrupt_task_path(&data),
                Fixture::non_utf8_task_path(&data),
            ],
        })
    }

    fn assert_intact(&self) -> TestResult {
        for (path, bytes) in &self.files {
            assert!(fs::read(path)? == *bytes, "{} was changed", path.display());
        }
        Ok(())
    }

    fn assert_reported(&self, run: &Run) {
        for path in &self.shown {
            let reported = run.stderr.lines().any(|line| {
                line.starts_with("problem: ") && line.contains(&*path.to_string_lossy())
            });
            assert!(reported, "{} not reported:\n{run}", path.display());
        }
    }
}

// ---------------------------------------------------------------------------------------
// Demo data helpers
// ---------------------------------------------------------------------------------------

fn canonical_data(fx: &Fixture) -> Result<PathBuf, Box<dyn Error>> {
    Ok(fs::canonicalize(&fx.data_dir)?)
}

fn class(task: &DemoTask) -> StatusClass {
    StatusClass::of(task.status, task.exit_code)
}

fn is_cloned_with_folder(task: &DemoTask) -> bool {
    task.workspace_type() == "cloned" && task.workspace != DemoWorkspace::None
}

/// The first demo task that matches, so tests follow the demo table rather than ids.
fn demo_task(
    what: &str,
    wanted: impl Fn(&DemoTask) -> bool,
) -> Result<&'static DemoTask, Box<dyn Error>> {
    TASKS
        .iter()
        .find(|task| wanted(task))
        .ok_or_else(|| format!("no demo task that is {what}").into())
}

fn active_record(data: &Path, id: &str) -> PathBuf {
    paths::active_tasks_dir(data).join(format!("{id}.toml"))
}

fn archived_record(data: &Path, id: &str) -> PathBuf {
    paths::archived_tasks_dir(data).join(format!("{id}.toml"))
}

fn read_toml(path: &Path) -> Result<toml::Table, Box<dyn Error>> {
    Ok(fs::read_to_string(path)?.parse::<toml::Table>()?)
}

fn logs_of(table: &toml::Table) -> Vec<String> {
    table
        .get("logs")
        .and_then(toml::Value::as_array)
        .map(|lines| {
            lines
                .iter()
                .filter_map(|line| line.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn exists(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok()
}

/// Every `managed-repos/<env>/tasks/<task>` folder (the staging folder excluded).
fn workspace_dirs(data: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut found = Vec::new();
    let managed = paths::managed_repos_dir(data);
    for env in fs::read_dir(&managed)? {
        let env = env?;
        if env.file_name() == paths::STAGING || !env.file_type()?.is_dir() {
            continue;
        }
        let Ok(tasks) = fs::read_dir(env.path().join(paths::TASKS_DIR)) else {
            continue;
        };
        for task in tasks {
            let task = task?;
            if task.file_type()?.is_dir() {
                found.push(task.path());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `du ARGS -c PATHS...`: the number on its `total` line.
fn du_total(args: &[&str], dirs: &[PathBuf]) -> Result<u64, Box<dyn Error>> {
    if dirs.is_empty() {
        return Ok(0);
    }
    let output = std::process::Command::new("du")
        .args(args)
        .arg("-c")
        .args(dirs)
        .output()?;
    if !output.status.success() {
        return Err(format!("du failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let text = String::from_utf8(output.stdout)?;
    let total = text
        .lines()
        .last()
        .and_then(|line| line.split_whitespace().next())
        .ok_or("du printed no total")?;
    Ok(total.parse()?)
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["task_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn step_ids(doc: &Value) -> BTreeSet<String> {
    strings(&doc["plan"]["steps"])
}

fn skipped_ids(doc: &Value) -> BTreeSet<String> {
    strings(&doc["plan"]["skipped"])
}

fn ids<'a>(tasks: impl Iterator<Item = &'a DemoTask>) -> BTreeSet<String> {
    tasks.map(|task| task.id.to_owned()).collect()
}
