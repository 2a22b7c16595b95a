//! The command line, end to end: every subcommand in human and `--json` form, run as a
//! child process against a fresh demo data dir with a fake `docker` first on `PATH`.

use crate::common;

use agents_janitor::lock::LOCK_FILE;
use agents_janitor::status::StatusClass;
use agents_janitor::store::demo::{
    BACKUP_FOLDER, DemoTask, DemoWorkspace, ENV_API, ENV_WEBAPP, ENVIRONMENTS, JSON_RECORD_TASK,
    MARKER_KEY, MARKER_VALUE, ORPHAN_FOLDER, TASKS,
};
use agents_janitor::store::paths;
use agents_janitor::store::time::parse_iso;
use common::{
    Fixture, Run, docker_calls, du_bytes, finalize, janitor, newest_mtime, output_of, run,
    tree_digest,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

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
    let calls = docker_calls(fx)?;
    let result = run(fx, args)?;
    assert_eq!(result.code, Some(0), "{args:?}: {result}");
    assert!(
        before == world_digest(fx),
        "{args:?} changed files:\n{result}"
    );
    assert_eq!(docker_calls(fx)?, calls, "{args:?} ran docker");
    Ok(result)
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

// ---------------------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------------------

#[test]
fn list_shows_a_header_and_a_row_per_active_task() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let before = world_digest(&fx);
    let listed = run(&fx, &["list"])?;
    assert_eq!(listed.code, Some(0), "{listed}");
    broken.assert_reported(&listed);
    let mut lines = listed.stdout.lines();
    let header = lines.next().unwrap_or_default();
    for column in ["TASK", "ENVIRONMENT", "STATUS", "SIZE"] {
        assert!(header.contains(column), "header {header:?}");
    }
    let rows: Vec<&str> = listed
        .stdout
        .lines()
        .skip(1)
        .filter(|line| !line.ends_with("task(s)"))
        .collect();
    let active: Vec<&DemoTask> = TASKS.iter().filter(|t| !t.archived).collect();
    assert_eq!(rows.len(), active.len(), "{listed}");
    for task in &active {
        assert!(
            rows.iter().any(|row| row.starts_with(task.id)),
            "no row for {}:\n{listed}",
            task.id
        );
    }
    for task in TASKS.iter().filter(|t| t.archived) {
        assert!(
            !listed.stdout.contains(task.id),
            "archived {} listed",
            task.id
        );
    }
    assert!(
        listed.stdout.contains(&format!("{} task(s)", active.len())),
        "{listed}"
    );
    assert!(before == world_digest(&fx), "list changed files");
    broken.assert_intact()
}

#[test]
fn list_json_has_the_documented_fields_and_du_sizes() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let listed = dry_run(&fx, &["list", "--json"])?;
    broken.assert_reported(&listed);
    let doc = listed.json()?;
    let rows = doc.as_array().ok_or("list --json is not an array")?;
    let compare_du = common::can_compare_with_du()?;
    for row in rows {
        let object = row.as_object().ok_or("a row is not an object")?;
        for key in [
            "task_id",
            "environment_id",
            "status",
            "archived",
            "workspace_type",
            "workspace_path",
            "workspace_bytes",
        ] {
            assert!(object.contains_key(key), "{key} missing in {row}");
        }
        let id = row["task_id"].as_str().ok_or("task_id is not a string")?;
        let env = row["environment_id"]
            .as_str()
            .ok_or("environment_id is not a string")?;
        assert!(row["status"].is_string(), "{row}");
        assert_eq!(row["archived"], Value::Bool(false), "{row}");
        let task = demo_task(id, |t| t.id == id)?;
        assert_eq!(env, task.env_id);
        assert_eq!(row["status"].as_str(), Some(task.status));
        assert_eq!(row["workspace_type"].as_str(), Some(task.workspace_type()));
        match task.workspace_type() {
            "cloned" => {
                let path = row["workspace_path"]
                    .as_str()
                    .ok_or_else(|| format!("cloned {id} without a path: {row}"))?;
                let expected = paths::task_workspace_path(&data, env, id);
                assert_eq!(Path::new(path), expected, "{row}");
                let bytes = row["workspace_bytes"]
                    .as_u64()
                    .ok_or_else(|| format!("cloned {id} without bytes: {row}"))?;
                if task.workspace == DemoWorkspace::None {
                    assert_eq!(bytes, 0, "{row}");
                } else if compare_du {
                    assert_eq!(Some(bytes), du_bytes(&["-sb"], &expected)?, "{id}");
                }
            }
            "mounted" => {
                assert!(row["workspace_path"].is_string(), "{row}");
                assert!(row["workspace_bytes"].is_null(), "{row}");
            }
            _ => {
                assert!(row["workspace_path"].is_null(), "{row}");
                assert!(row["workspace_bytes"].is_null(), "{row}");
            }
        }
    }
    let listed_ids: BTreeSet<String> = strings(&doc);
    assert_eq!(listed_ids, ids(TASKS.iter().filter(|t| !t.archived)));
    broken.assert_intact()
}

#[test]
fn list_filters_by_archive_state_and_environment() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;

    let archived = dry_run(&fx, &["list", "--json", "--archived"])?.json()?;
    let rows = archived.as_array().ok_or("not an array")?;
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|row| row["archived"] == Value::Bool(true)));
    // The demo's legacy JSON record is archived too, and marked.
    let mut want = ids(TASKS.iter().filter(|t| t.archived));
    want.insert(JSON_RECORD_TASK.to_owned());
    assert_eq!(strings(&archived), want);
    for row in rows {
        let legacy = row["task_id"] == JSON_RECORD_TASK;
        assert_eq!(row["legacy"], Value::Bool(legacy), "{row}");
    }

    let all = dry_run(&fx, &["list", "--json", "--all"])?.json()?;
    let mut want = ids(TASKS.iter());
    want.insert(JSON_RECORD_TASK.to_owned());
    assert_eq!(strings(&all), want);
    let all_rows = all.as_array().ok_or("not an array")?;
    assert!(
        all_rows
            .iter()
            .any(|row| row["archived"] == Value::Bool(true))
    );
    assert!(
        all_rows
            .iter()
            .any(|row| row["archived"] == Value::Bool(false))
    );

    let api = dry_run(&fx, &["list", "--json", "--env", ENV_API])?.json()?;
    let api_rows = api.as_array().ok_or("not an array")?;
    assert!(
        api_rows
            .iter()
            .all(|row| row["environment_id"].as_str() == Some(ENV_API))
    );
    assert_eq!(
        strings(&api),
        ids(TASKS.iter().filter(|t| t.env_id == ENV_API && !t.archived))
    );

    let before = world_digest(&fx);
    let unknown = run(&fx, &["list", "--env", "env-00000000"])?;
    assert_eq!(unknown.code, Some(2), "{unknown}");
    assert!(unknown.stderr.contains("env-00000000"), "{unknown}");
    assert!(before == world_digest(&fx));
    broken.assert_intact()
}

// ---------------------------------------------------------------------------------------
// usage
// ---------------------------------------------------------------------------------------

#[test]
fn usage_human_lists_every_environment_and_a_total() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let usage = dry_run(&fx, &["usage"])?;
    broken.assert_reported(&usage);
    assert!(
        usage.stdout.lines().any(|line| line.starts_with("TOTAL")),
        "{usage}"
    );
    for env in ENVIRONMENTS {
        assert!(
            usage.stdout.contains(env.name),
            "{} missing:\n{usage}",
            env.name
        );
    }
    broken.assert_intact()
}

#[test]
fn usage_json_sizes_equal_du() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let usage = dry_run(&fx, &["usage", "--json"])?;
    broken.assert_reported(&usage);
    let doc = usage.json()?;
    let environments = doc["environments"]
        .as_array()
        .ok_or("environments is not a list")?;
    for env in environments {
        for key in [
            "env_id",
            "name",
            "workspace_type",
            "task_count",
            "bytes",
            "disk_bytes",
        ] {
            assert!(env.get(key).is_some(), "{key} missing in {env}");
        }
    }
    let listed: BTreeSet<&str> = environments
        .iter()
        .filter_map(|env| env["env_id"].as_str())
        .collect();
    let demo_envs: BTreeSet<&str> = ENVIRONMENTS.iter().map(|env| env.id).collect();
    assert_eq!(listed, demo_envs);
    let total_bytes = doc["total_bytes"].as_u64().ok_or("total_bytes")?;
    let total_disk = doc["total_disk_bytes"].as_u64().ok_or("total_disk_bytes")?;
    assert!(total_bytes > 0 && total_disk > 0, "{doc}");

    if !common::can_compare_with_du()? {
        return broken.assert_intact();
    }
    let all = workspace_dirs(&data)?;
    assert_eq!(total_bytes, du_total(&["-sb"], &all)?, "total_bytes");
    assert_eq!(
        total_disk,
        du_total(&["-s", "-B1"], &all)?,
        "total_disk_bytes"
    );
    for env in environments {
        let id = env["env_id"].as_str().ok_or("env_id")?;
        let folder = paths::managed_repos_dir(&data).join(paths::safe_id(id));
        let dirs: Vec<PathBuf> = all
            .iter()
            .filter(|dir| dir.starts_with(&folder))
            .cloned()
            .collect();
        assert_eq!(
            env["bytes"].as_u64(),
            Some(du_total(&["-sb"], &dirs)?),
            "{id}"
        );
        assert_eq!(
            env["disk_bytes"].as_u64(),
            Some(du_total(&["-s", "-B1"], &dirs)?),
            "{id}"
        );
    }
    broken.assert_intact()
}

// ---------------------------------------------------------------------------------------
// archive
// ---------------------------------------------------------------------------------------

fn archivable(task: &DemoTask) -> bool {
    !task.archived && task.finalization_done && task.is_finished()
}

#[test]
fn archive_dry_run_json_shows_the_plan_and_changes_nothing() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let planned = dry_run(&fx, &["archive", "--dry-run", "--json"])?;
    broken.assert_reported(&planned);
    let doc = planned.json()?;
    assert_eq!(doc["dry_run"], Value::Bool(true));
    assert!(doc["result"].is_null(), "{doc}");
    assert_eq!(doc["bytes_freed"].as_u64(), Some(0));
    assert_eq!(step_ids(&doc), ids(TASKS.iter().filter(|t| archivable(t))));
    let unsaved = ids(TASKS.iter().filter(|t| {
        archivable(t)
            && matches!(
                t.workspace,
                DemoWorkspace::Uncommitted | DemoWorkspace::Unpushed
            )
    }));
    assert!(!unsaved.is_empty());
    assert!(unsaved.is_subset(&skipped_ids(&doc)), "{doc}");
    let steps = doc["plan"]["steps"].as_array().ok_or("steps")?;
    for step in steps {
        let id = step["task_id"].as_str().ok_or("task_id")?;
        let task = demo_task(id, |t| t.id == id)?;
        let deletes = class(task) == StatusClass::Succeeded
            && is_cloned_with_folder(task)
            && task.workspace == DemoWorkspace::Clean;
        assert_eq!(step["workspace"].is_object(), deletes, "{step}");
    }
    assert!(doc["plan"]["bytes_to_free"].as_u64() > Some(0), "{doc}");
    broken.assert_intact()
}

/// Marks two active failed tasks finalized, so `archive` takes them: one with a clean
/// checkout, one with uncommitted work. Returns (clean, dirty).
fn finalize_failed_tasks(
    data: &Path,
) -> Result<(&'static DemoTask, &'static DemoTask), Box<dyn Error>> {
    let failed_clean = demo_task("failed, clean, active", |t| {
        !t.archived && class(t) == StatusClass::Failed && t.workspace == DemoWorkspace::Clean
    })?;
    let failed_dirty = demo_task("failed, uncommitted, active", |t| {
        !t.archived && class(t) == StatusClass::Failed && t.workspace == DemoWorkspace::Uncommitted
    })?;
    for task in [failed_clean, failed_dirty] {
        finalize(&active_record(data, task.id))?;
    }
    Ok((failed_clean, failed_dirty))
}

#[test]
fn archive_moves_finalized_tasks_and_keeps_failed_and_unsaved_workspaces() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let (failed_clean, failed_dirty) = finalize_failed_tasks(&data)?;
    let finalized =
        |t: &DemoTask| archivable(t) || t.id == failed_clean.id || t.id == failed_dirty.id;
    let kept: Vec<(&DemoTask, BTreeMap<String, String>)> = TASKS
        .iter()
        .filter(|t| is_cloned_with_folder(t))
        .map(|t| (t, tree_digest(&fx.workspace(t.env_id, t.id))))
        .collect();
    let untouched_records: Vec<(PathBuf, Vec<u8>)> = TASKS
        .iter()
        .filter(|t| !t.archived && !finalized(t))
        .map(|t| {
            let path = active_record(&data, t.id);
            fs::read(&path).map(|bytes| (path, bytes))
        })
        .collect::<Result<_, _>>()?;

    let archived = run(&fx, &["archive"])?;
    assert_eq!(archived.code, Some(0), "{archived}");
    broken.assert_reported(&archived);
    assert!(archived.stdout.contains("kept for debugging"), "{archived}");
    for task in TASKS.iter().filter(|t| finalized(t)) {
        assert!(
            !exists(&active_record(&data, task.id)),
            "{} still in tasks/",
            task.id
        );
        assert!(
            archived_record(&data, task.id).is_file(),
            "{} not in tasks/done",
            task.id
        );
    }
    for (path, bytes) in &untouched_records {
        assert!(fs::read(path)? == *bytes, "{} changed", path.display());
    }
    for (task, before) in &kept {
        let workspace = fx.workspace(task.env_id, task.id);
        let should_go = finalized(task)
            && class(task) == StatusClass::Succeeded
            && task.workspace == DemoWorkspace::Clean;
        if should_go {
            assert!(!exists(&workspace), "{} not deleted", task.id);
        } else {
            assert!(
                *before == tree_digest(&workspace),
                "{} ({}, {:?}) changed",
                task.id,
                task.status,
                task.workspace
            );
        }
    }
    broken.assert_intact()
}

#[test]
fn archive_delete_failed_removes_failed_workspaces() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let (failed_clean, failed_dirty) = finalize_failed_tasks(&data)?;
    let dirty_before = tree_digest(&fx.workspace(failed_dirty.env_id, failed_dirty.id));

    let archived = run(&fx, &["archive", "--delete-failed", "--json"])?;
    assert_eq!(archived.code, Some(0), "{archived}");
    broken.assert_reported(&archived);
    let doc = archived.json()?;
    assert_eq!(doc["dry_run"], Value::Bool(false));
    assert!(doc["bytes_freed"].as_u64() > Some(0), "{doc}");
    assert!(!exists(&fx.workspace(failed_clean.env_id, failed_clean.id)));
    assert!(archived_record(&data, failed_clean.id).is_file());
    // Unsaved work still needs --force.
    assert!(
        dirty_before == tree_digest(&fx.workspace(failed_dirty.env_id, failed_dirty.id)),
        "{} lost its unsaved work",
        failed_dirty.id
    );
    assert!(archived_record(&data, failed_dirty.id).is_file());
    broken.assert_intact()
}

#[test]
fn archive_force_deletes_workspaces_with_unsaved_work() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let unsaved: Vec<&DemoTask> = TASKS
        .iter()
        .filter(|t| {
            archivable(t)
                && class(t) == StatusClass::Succeeded
                && matches!(
                    t.workspace,
                    DemoWorkspace::Uncommitted | DemoWorkspace::Unpushed
                )
        })
        .collect();
    assert!(!unsaved.is_empty());
    let archived = run(&fx, &["archive", "--force", "--json"])?;
    assert_eq!(archived.code, Some(0), "{archived}");
    let doc = archived.json()?;
    let warnings = doc["plan"]["warnings"].to_string();
    for task in &unsaved {
        assert!(!exists(&fx.workspace(task.env_id, task.id)), "{}", task.id);
        assert!(
            warnings.contains(task.id) && warnings.contains("will be lost"),
            "no warning for {}: {warnings}",
            task.id
        );
    }
    assert_eq!(
        doc["result"]["steps_failed"].as_u64(),
        Some(0),
        "{archived}"
    );
    broken.assert_intact()
}

// ---------------------------------------------------------------------------------------
// discard
// ---------------------------------------------------------------------------------------

/// A finished, not yet archived demo task with a container and a workspace.
fn discardable(skip: usize) -> Result<&'static DemoTask, Box<dyn Error>> {
    TASKS
        .iter()
        .filter(|t| {
            !t.archived
                && t.is_finished()
                && is_cloned_with_folder(t)
                && !(t.finalization_done && class(t) == StatusClass::Succeeded)
        })
        .nth(skip)
        .ok_or_else(|| "not enough finished demo tasks with a container".into())
}

#[test]
fn discard_dry_run_changes_nothing() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let task = discardable(0)?;
    let human = dry_run(&fx, &["discard", task.id, "--dry-run"])?;
    assert!(human.stdout.contains(task.id), "{human}");
    assert!(human.stdout.contains("Dry run"), "{human}");
    let doc = dry_run(&fx, &["discard", task.id, "--dry-run", "--json"])?.json()?;
    assert_eq!(doc["dry_run"], Value::Bool(true));
    assert!(doc["result"].is_null(), "{doc}");
    assert_eq!(doc["bytes_freed"].as_u64(), Some(0));
    assert_eq!(step_ids(&doc), BTreeSet::from([task.id.to_owned()]));
    broken.assert_intact()
}

#[test]
fn discard_marks_archives_and_deletes_a_finished_task() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let task = discardable(0)?;
    let record = active_record(&data, task.id);
    let before = read_toml(&record)?;
    let container = before
        .get("container_id")
        .and_then(toml::Value::as_str)
        .ok_or("the demo task has no container_id")?
        .to_owned();
    let workspace = paths::task_workspace_path(&data, task.env_id, task.id);
    assert!(workspace.is_dir());

    let discarded = run(&fx, &["discard", task.id])?;
    assert_eq!(discarded.code, Some(0), "{discarded}");
    broken.assert_reported(&discarded);
    assert!(!exists(&record), "still in tasks/");
    let moved = archived_record(&data, task.id);
    let after = read_toml(&moved)?;
    assert_eq!(
        after.get("status").and_then(toml::Value::as_str),
        Some("discarded")
    );
    let finished = after
        .get("finished_at")
        .ok_or("no finished_at")?
        .as_str()
        .ok_or("finished_at is not a string (a TOML datetime crashes Agents-Runner)")?;
    assert!(
        parse_iso(finished).is_some(),
        "{finished:?} is not ISO 8601"
    );
    assert_eq!(
        after.get(MARKER_KEY).and_then(toml::Value::as_str),
        Some(MARKER_VALUE)
    );
    // Every other key survives unchanged; the old log lines stay in front.
    for (key, value) in &before {
        if !["status", "finished_at", "logs"].contains(&key.as_str()) {
            assert_eq!(after.get(key), Some(value), "key {key} changed");
        }
    }
    let (old_logs, new_logs) = (logs_of(&before), logs_of(&after));
    assert!(new_logs.starts_with(&old_logs), "old log lines changed");
    let appended = &new_logs[old_logs.len()..];
    // The record gets Agents-Runner's canonical lines, the janitor's own log its style.
    let removing = format!("Removing task workspace: {}", workspace.display());
    for wanted in [removing.as_str(), "Workspace cleaned up"] {
        let in_record = format!("[cleanup/janitor][INFO] {wanted}");
        assert!(
            appended.iter().any(|line| line.starts_with(&in_record)),
            "{in_record:?} not in logs {appended:?}"
        );
        let on_stderr = format!("[cleanup] {wanted}");
        assert!(discarded.stderr.contains(&on_stderr), "{discarded}");
    }
    assert!(
        appended
            .iter()
            .all(|line| line.starts_with("[cleanup/janitor][")),
        "{appended:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&moved)?.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode of the rewritten record");
        assert_eq!(
            docker_calls(&fx)?,
            vec![format!("rm -f {container}")],
            "docker calls"
        );
    }
    assert!(!exists(&workspace), "workspace still there");
    let staging = paths::staging_dir(&data);
    let leftovers = fs::read_dir(&staging).map(|dir| dir.count()).unwrap_or(0);
    assert_eq!(leftovers, 0, "leftovers in {}", staging.display());
    broken.assert_intact()
}

#[test]
fn discard_json_reports_the_bytes_freed() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let task = discardable(1)?;
    let discarded = run(&fx, &["discard", task.id, "--json"])?;
    assert_eq!(discarded.code, Some(0), "{discarded}");
    let doc = discarded.json()?;
    for key in ["dry_run", "plan", "result", "bytes_freed"] {
        assert!(doc.get(key).is_some(), "{key} missing: {doc}");
    }
    assert_eq!(doc["dry_run"], Value::Bool(false));
    assert!(doc["bytes_freed"].as_u64() > Some(0), "{doc}");
    assert_eq!(doc["result"]["workspaces_removed"].as_u64(), Some(1));
    assert_eq!(doc["result"]["bytes_freed"], doc["bytes_freed"]);
    assert!(doc["plan"]["bytes_to_free"].as_u64() > Some(0), "{doc}");
    assert!(!exists(&fx.workspace(task.env_id, task.id)));
    broken.assert_intact()
}

#[test]
fn discard_refuses_a_running_task_unless_forced() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let task = demo_task("running in a cloned env", |t| {
        t.status == "running" && is_cloned_with_folder(t)
    })?;
    let before = digest_without_lock(&fx);
    let refused = run(&fx, &["discard", task.id])?;
    assert_eq!(refused.code, Some(1), "{refused}");
    assert!(refused.stdout.contains(task.id), "{refused}");
    assert!(refused.stdout.contains("still running"), "{refused}");
    assert!(
        before == digest_without_lock(&fx),
        "a refused discard changed files"
    );
    assert!(docker_calls(&fx)?.is_empty());

    let forced = run(&fx, &["discard", task.id, "--force"])?;
    assert_eq!(forced.code, Some(0), "{forced}");
    let after = read_toml(&archived_record(&data, task.id))?;
    assert_eq!(
        after.get("status").and_then(toml::Value::as_str),
        Some("discarded")
    );
    assert!(!exists(&active_record(&data, task.id)));
    assert!(!exists(&fx.workspace(task.env_id, task.id)));
    #[cfg(unix)]
    assert_eq!(docker_calls(&fx)?, vec![format!("rm -f ar-{}", task.id)]);
    broken.assert_intact()
}

#[test]
fn discard_of_an_unknown_id_exits_2_naming_it() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let before = digest_without_lock(&fx);
    let unknown = run(&fx, &["discard", "0123456789"])?;
    assert_eq!(unknown.code, Some(2), "{unknown}");
    let errors = unknown.errors();
    assert_eq!(errors.len(), 1, "{unknown}");
    assert!(errors[0].contains("0123456789"), "{unknown}");
    assert!(before == digest_without_lock(&fx));
    broken.assert_intact()
}

#[test]
fn a_missing_data_dir_exits_2() -> TestResult {
    let fx = Fixture::new()?;
    let missing = fx.root.path().join("no-such-data-dir");
    for args in [vec!["list"], vec!["discard", "0123456789"], vec!["sweep"]] {
        let mut command = janitor(&fx)?;
        command.arg("--data-dir").arg(&missing).args(&args);
        let result = output_of(command)?;
        assert_eq!(result.code, Some(2), "{args:?}: {result}");
        assert!(
            result.stderr.contains(&*missing.to_string_lossy()),
            "{args:?}: {result}"
        );
        assert!(!exists(&missing), "{args:?} created the data dir");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// sweep
// ---------------------------------------------------------------------------------------

#[test]
fn sweep_dry_run_lists_only_workspaces_older_than_the_age() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let planned = dry_run(
        &fx,
        &["sweep", "--older-than", "24h", "--dry-run", "--json"],
    )?;
    broken.assert_reported(&planned);
    let doc = planned.json()?;
    let now = SystemTime::now();
    let old: BTreeSet<PathBuf> = workspace_dirs(&data)?
        .into_iter()
        .filter(|dir| newest_mtime(dir).is_ok_and(|t| t + DAY < now))
        .collect();
    let steps = doc["plan"]["steps"].as_array().ok_or("steps")?;
    assert!(!steps.is_empty(), "{doc}");
    let mut planned_paths = BTreeSet::new();
    for step in steps {
        let path = PathBuf::from(step["workspace"]["path"].as_str().ok_or("no path")?);
        assert!(
            old.contains(&path),
            "{} is not older than 24h",
            path.display()
        );
        planned_paths.insert(path);
    }
    let mut expected = ids(TASKS.iter().filter(|t| {
        t.is_finished() && is_cloned_with_folder(t) && t.workspace == DemoWorkspace::Clean
    }));
    // The demo's orphan folder is five days old: swept like the rest, with a warning;
    // so is the workspace of the finished task recorded in legacy JSON.
    expected.insert(ORPHAN_FOLDER.to_owned());
    expected.insert(JSON_RECORD_TASK.to_owned());
    assert_eq!(step_ids(&doc), expected);
    let unsaved = ids(TASKS.iter().filter(|t| {
        t.is_finished()
            && matches!(
                t.workspace,
                DemoWorkspace::Uncommitted | DemoWorkspace::Unpushed
            )
    }));
    // The backup Agents-Runner moved aside is never swept.
    let mut skipped = unsaved.clone();
    skipped.insert(BACKUP_FOLDER.to_owned());
    assert_eq!(skipped_ids(&doc), skipped, "{doc}");
    // Every old workspace is either planned or skipped with a reason.
    for dir in &old {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned());
        assert!(
            planned_paths.contains(dir) || name.is_some_and(|n| skipped.contains(&n)),
            "{} is old but neither planned nor skipped",
            dir.display()
        );
    }
    broken.assert_intact()
}

#[test]
fn sweep_removes_old_workspaces_and_keeps_young_active_and_unsaved_ones() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let old_clean: Vec<&DemoTask> = TASKS
        .iter()
        .filter(|t| {
            t.is_finished() && is_cloned_with_folder(t) && t.workspace == DemoWorkspace::Clean
        })
        .collect();
    let kept: Vec<(&DemoTask, BTreeMap<String, String>)> = TASKS
        .iter()
        .filter(|t| is_cloned_with_folder(t) && !old_clean.iter().any(|c| c.id == t.id))
        .map(|t| (t, tree_digest(&fx.workspace(t.env_id, t.id))))
        .collect();
    assert!(
        kept.iter().any(|(t, _)| !t.is_finished()),
        "no active task kept"
    );
    let swept = run(&fx, &["sweep", "--older-than", "24h"])?;
    assert_eq!(swept.code, Some(0), "{swept}");
    broken.assert_reported(&swept);
    // The orphan and the legacy JSON task's workspace go too; the backup stays.
    let backup = fx.workspace(ENV_WEBAPP, "x").with_file_name(BACKUP_FOLDER);
    let backup_before = tree_digest(&backup);
    let summary = format!(
        "[cleanup] Removed {} old task workspace(s)",
        old_clean.len() + 2
    );
    assert!(!exists(&fx.workspace(ENV_WEBAPP, ORPHAN_FOLDER)));
    assert!(!exists(&fx.workspace(ENV_WEBAPP, JSON_RECORD_TASK)));
    assert_eq!(tree_digest(&backup), backup_before);
    assert!(!backup_before.is_empty());
    assert!(
        swept.stderr.contains(&summary),
        "{summary:?} missing:\n{swept}"
    );
    for task in &old_clean {
        assert!(!exists(&fx.workspace(task.env_id, task.id)), "{}", task.id);
    }
    for (task, before) in &kept {
        assert!(
            *before == tree_digest(&fx.workspace(task.env_id, task.id)),
            "{} ({}, {:?}) was touched",
            task.id,
            task.status,
            task.workspace
        );
    }
    broken.assert_intact()
}

#[test]
fn sweep_env_filter_limits_the_sweep_to_one_environment() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let webapp_dir = paths::managed_repos_dir(&fx.data_dir).join(ENV_WEBAPP);
    let webapp_before = tree_digest(&webapp_dir);
    let planned = dry_run(&fx, &["sweep", "--env", ENV_API, "--dry-run", "--json"])?.json()?;
    let api_clean = ids(TASKS.iter().filter(|t| {
        t.env_id == ENV_API
            && t.is_finished()
            && is_cloned_with_folder(t)
            && t.workspace == DemoWorkspace::Clean
    }));
    assert!(!api_clean.is_empty());
    assert_eq!(step_ids(&planned), api_clean);

    let swept = run(&fx, &["sweep", "--env", ENV_API])?;
    assert_eq!(swept.code, Some(0), "{swept}");
    for id in &api_clean {
        assert!(!exists(&fx.workspace(ENV_API, id)), "{id}");
    }
    assert!(
        webapp_before == tree_digest(&webapp_dir),
        "another env was swept"
    );
    broken.assert_intact()
}

#[test]
fn sweep_rejects_a_bad_age() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let before = world_digest(&fx);
    let bad = run(&fx, &["sweep", "--older-than", "abc"])?;
    assert_eq!(bad.code, Some(2), "{bad}");
    assert!(bad.stderr.contains("abc"), "{bad}");
    assert!(before == world_digest(&fx));
    broken.assert_intact()
}

// ---------------------------------------------------------------------------------------
// complete
// ---------------------------------------------------------------------------------------

#[test]
fn complete_deletes_done_workspaces_and_keeps_failed_ones() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let data = canonical_data(&fx)?;
    let done = demo_task("done with a clean checkout", |t| {
        !t.archived
            && t.status == "done"
            && is_cloned_with_folder(t)
            && t.workspace == DemoWorkspace::Clean
    })?;
    let failed = demo_task("failed with a clean checkout", |t| {
        !t.archived && class(t) == StatusClass::Failed && t.workspace == DemoWorkspace::Clean
    })?;

    let completed = run(&fx, &["complete", done.id])?;
    assert_eq!(completed.code, Some(0), "{completed}");
    broken.assert_reported(&completed);
    assert!(!exists(&fx.workspace(done.env_id, done.id)));
    // Completion cleans the workspace but leaves the record where it is, with the log.
    let record = read_toml(&active_record(&data, done.id))?;
    assert_eq!(
        record.get("status").and_then(toml::Value::as_str),
        Some("done")
    );
    assert!(
        logs_of(&record)
            .iter()
            .any(|line| line.starts_with("[cleanup/janitor][INFO] Removing task workspace:")),
        "cleanup not logged in the record"
    );

    let failed_workspace = fx.workspace(failed.env_id, failed.id);
    let failed_before = tree_digest(&failed_workspace);
    let kept = run(&fx, &["complete", failed.id])?;
    assert_eq!(kept.code, Some(0), "{kept}");
    assert!(kept.stdout.contains("kept for debugging"), "{kept}");
    assert!(failed_before == tree_digest(&failed_workspace));

    let deleted = run(&fx, &["complete", failed.id, "--delete-failed"])?;
    assert_eq!(deleted.code, Some(0), "{deleted}");
    assert!(!exists(&failed_workspace));
    broken.assert_intact()
}

// ---------------------------------------------------------------------------------------
// demo and the overview
// ---------------------------------------------------------------------------------------

#[test]
fn demo_writes_a_data_dir_that_list_reads() -> TestResult {
    let fx = Fixture::new()?;
    let fresh = fx.root.path().join("fresh-demo");
    let mut command = janitor(&fx)?;
    command.arg("demo").arg(&fresh);
    let written = output_of(command)?;
    assert_eq!(written.code, Some(0), "{written}");
    assert!(fresh.join(paths::ENVIRONMENTS_FILE).is_file());

    let mut command = janitor(&fx)?;
    command
        .arg("--data-dir")
        .arg(&fresh)
        .args(["list", "--json"]);
    let listed = output_of(command)?;
    assert_eq!(listed.code, Some(0), "{listed}");
    assert!(listed.errors().is_empty(), "{listed}");
    assert_eq!(
        strings(&listed.json()?),
        ids(TASKS.iter().filter(|t| !t.archived))
    );
    common::make_writable(&fresh);
    Ok(())
}

#[test]
fn demo_refuses_a_non_empty_dir() -> TestResult {
    let fx = Fixture::new()?;
    let target = fx.root.path().join("occupied");
    fs::create_dir_all(&target)?;
    fs::write(target.join("keep.txt"), "mine\n")?;
    let before = tree_digest(&target);
    let mut command = janitor(&fx)?;
    command.arg("demo").arg(&target);
    let refused = output_of(command)?;
    assert_eq!(refused.code, Some(2), "{refused}");
    assert!(refused.stderr.contains("not empty"), "{refused}");
    assert!(
        before == tree_digest(&target),
        "demo wrote into a non-empty dir"
    );
    Ok(())
}

#[test]
fn no_subcommand_prints_the_usage_overview() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let overview = dry_run(&fx, &[])?;
    assert!(overview.stdout.contains("Data directory:"), "{overview}");
    assert!(
        overview
            .stdout
            .lines()
            .any(|line| line.starts_with("TOTAL")),
        "{overview}"
    );
    assert!(overview.stdout.contains("--help"), "{overview}");
    assert!(
        !exists(&fx.root.path().join("xdg-data")),
        "the overview wrote a demo although a data dir exists"
    );
    broken.assert_intact()
}
