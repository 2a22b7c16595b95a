//! The settings file from the command line: `config show` / `config set` with `--config`,
//! and `archive` / `sweep` taking their defaults from it.

use crate::common;

use agents_janitor::demo::{DemoTask, DemoWorkspace, TASKS};
use agents_janitor::status::StatusClass;
use agents_janitor::store::paths;
use common::{Fixture, Run, finalize, janitor, output_of, tree_digest};
use serde_json::{Value, json};
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

type TestResult = Result<(), Box<dyn Error>>;

/// Runs `agents-janitor --data-dir <fixture> --config <settings> ARGS`.
fn run_with(fx: &Fixture, settings: &Path, args: &[&str]) -> Result<Run, Box<dyn Error>> {
    let mut command = janitor(fx)?;
    command
        .arg("--data-dir")
        .arg(&fx.data_dir)
        .arg("--config")
        .arg(settings)
        .args(args);
    output_of(command)
}

/// A settings path inside the fixture, in a folder that does not exist yet.
fn settings_path(fx: &Fixture) -> PathBuf {
    fx.root.path().join("settings").join("config.toml")
}

fn write_settings(path: &Path, text: &str) -> TestResult {
    fs::create_dir_all(path.parent().ok_or("no parent")?)?;
    fs::write(path, text)?;
    Ok(())
}

/// The first active demo task that matches, with its workspace on disk.
fn active_task(
    what: &str,
    wanted: impl Fn(&DemoTask) -> bool,
) -> Result<&'static DemoTask, Box<dyn Error>> {
    TASKS
        .iter()
        .find(|t| !t.archived && t.workspace_type() == "cloned" && wanted(t))
        .ok_or_else(|| format!("no active demo task that is {what}").into())
}

fn class(task: &DemoTask) -> StatusClass {
    StatusClass::of(task.status, task.exit_code)
}

#[test]
fn show_without_a_file_prints_the_defaults_and_the_path() -> TestResult {
    let fx = Fixture::new()?;
    let path = settings_path(&fx);
    let shown = run_with(&fx, &path, &["config", "show"])?;
    assert_eq!(shown.code, Some(0), "{shown}");
    assert!(shown.stdout.contains(&*path.to_string_lossy()), "{shown}");
    for line in [
        "keep_on_error = true",
        "archive_cleans_done = true",
        "sweep_age_hours = 24",
        "allow_unsaved_delete = false",
        "delete_mode = \"delete\"",
        "schedule = \"off\"",
    ] {
        assert!(shown.stdout.contains(line), "{line:?} missing:\n{shown}");
    }
    assert!(shown.stderr.is_empty(), "{shown}");
    assert!(!path.exists(), "show created the file");
    Ok(())
}

/// Without `--config`, the file is `$XDG_CONFIG_HOME/agents-janitor/config.toml`
/// (here inside the fixture, never the user's own).
#[cfg(target_os = "linux")]
#[test]
fn the_default_path_is_under_xdg_config_home() -> TestResult {
    let fx = Fixture::new()?;
    let mut command = janitor(&fx)?;
    command.args(["config", "show", "--json"]);
    let doc = output_of(command)?.json()?;
    let want = fx.root.path().join("xdg-config/agents-janitor/config.toml");
    assert_eq!(doc["path"].as_str(), want.to_str());
    Ok(())
}

#[test]
fn set_creates_the_file_and_show_reads_it_back() -> TestResult {
    let fx = Fixture::new()?;
    let path = settings_path(&fx);
    for (key, value) in [
        ("schedule", "6h"),
        ("sweep_age_hours", "2d"),
        ("delete_mode", "trash"),
        ("quotas.my.env.limit", "20 GB"),
        ("quotas.my.env.auto_clean", "true"),
    ] {
        let set = run_with(&fx, &path, &["config", "set", key, value])?;
        assert_eq!(set.code, Some(0), "{key}: {set}");
    }
    let doc = run_with(&fx, &path, &["config", "show", "--json"])?.json()?;
    assert_eq!(doc["from_file"], json!(true));
    assert_eq!(doc["warning"], Value::Null);
    let settings = &doc["settings"];
    assert_eq!(settings["schedule"], json!("6h"));
    assert_eq!(settings["schedule_seconds"], json!(21600.0));
    assert_eq!(settings["sweep_age_hours"], json!(48.0));
    assert_eq!(settings["delete_mode"], json!("trash"));
    assert_eq!(
        settings["quotas"]["my.env"],
        json!({"limit": "20 GB", "limit_bytes": 20_000_000_000_u64, "warn_percent": 80, "auto_clean": true})
    );
    let human = run_with(&fx, &path, &["config", "show"])?;
    assert!(human.stdout.contains("[quotas.\"my.env\"]"), "{human}");
    Ok(())
}

#[test]
fn set_refuses_bad_keys_and_values_with_exit_2() -> TestResult {
    let fx = Fixture::new()?;
    let path = settings_path(&fx);
    write_settings(&path, "# mine\nkeep_on_error = true\n")?;
    let table = [
        ("schedule", "abc", "invalid value \"abc\" for schedule"),
        ("schedule", "10s", "shortest interval is 1m"),
        ("sweep_age_hours", "-1", "sweep_age_hours"),
        ("quotas.e.limit", "lots", "quotas.e.limit"),
        ("quotas.e.warn_percent", "150", "quotas.e.warn_percent"),
        ("colour", "red", "unknown setting \"colour\""),
    ];
    for (key, value, message) in table {
        let refused = run_with(&fx, &path, &["config", "set", key, value])?;
        assert_eq!(refused.code, Some(2), "{key}: {refused}");
        assert!(refused.stderr.contains(message), "{key}: {refused}");
        assert_eq!(fs::read_to_string(&path)?, "# mine\nkeep_on_error = true\n");
    }
    Ok(())
}

#[test]
fn a_corrupt_file_warns_uses_the_defaults_and_is_never_rewritten() -> TestResult {
    let fx = Fixture::new()?;
    let path = settings_path(&fx);
    let corrupt = "keep_on_error = false\n[quotas\n";
    write_settings(&path, corrupt)?;
    let shown = run_with(&fx, &path, &["config", "show", "--json"])?;
    assert_eq!(shown.code, Some(0), "{shown}");
    let doc = shown.json()?;
    let warning = doc["warning"].as_str().ok_or("no warning")?;
    assert!(warning.contains("not valid TOML"), "{warning}");
    assert_eq!(doc["settings"]["keep_on_error"], json!(true));
    assert!(
        shown.stderr.contains("warning: ") && shown.stderr.contains(&*path.to_string_lossy()),
        "{shown}"
    );

    // Other commands warn too and go on with the defaults.
    let planned = run_with(&fx, &path, &["archive", "--dry-run", "--json"])?;
    assert_eq!(planned.code, Some(0), "{planned}");
    assert!(planned.stderr.contains("not valid TOML"), "{planned}");
    assert_eq!(
        planned.json()?["plan"]["action"],
        json!({"kind": "archive", "keep_on_error": true, "allow_unsaved": false, "clean_done": true, "merged_unsaved": false})
    );

    let set = run_with(&fx, &path, &["config", "set", "keep_on_error", "true"])?;
    assert_eq!(set.code, Some(1), "{set}");
    assert!(set.stderr.contains("nothing was changed"), "{set}");
    assert_eq!(fs::read_to_string(&path)?, corrupt);
    Ok(())
}

#[test]
fn sweep_takes_its_age_from_the_settings_unless_given() -> TestResult {
    let fx = Fixture::new()?;
    let path = settings_path(&fx);
    write_settings(&path, "sweep_age_hours = \"1000w\"\n")?;
    let before = tree_digest(&fx.data_dir);
    let from_settings = run_with(&fx, &path, &["sweep", "--dry-run", "--json"])?;
    assert_eq!(from_settings.code, Some(0), "{from_settings}");
    let doc = from_settings.json()?;
    assert_eq!(doc["plan"]["action"]["older_than_hours"], json!(168_000.0));
    assert_eq!(doc["plan"]["steps"], json!([]), "{doc}");
    let given = run_with(
        &fx,
        &path,
        &["sweep", "--older-than", "24h", "--dry-run", "--json"],
    )?
    .json()?;
    assert_eq!(given["plan"]["action"]["older_than_hours"], json!(24.0));
    let steps = given["plan"]["steps"].as_array().ok_or("steps")?;
    assert!(!steps.is_empty(), "{given}");
    assert!(
        before == tree_digest(&fx.data_dir),
        "a dry run changed files"
    );
    // allow_unsaved_delete lets sweep plan workspaces with unsaved work too.
    let kept: Vec<String> = given["plan"]["skipped"]
        .as_array()
        .ok_or("skipped")?
        .iter()
        .filter(|s| {
            s["reason"]
                .as_str()
                .is_some_and(|r| r.contains("uncommitted") || r.contains("unpushed"))
        })
        .filter_map(|s| s["task_id"].as_str().map(str::to_owned))
        .collect();
    assert!(!kept.is_empty(), "{given}");
    write_settings(
        &path,
        "allow_unsaved_delete = true
",
    )?;
    let allowed = run_with(
        &fx,
        &path,
        &["sweep", "--older-than", "24h", "--dry-run", "--json"],
    )?
    .json()?;
    let planned: Vec<&str> = allowed["plan"]["steps"]
        .as_array()
        .ok_or("steps")?
        .iter()
        .filter_map(|s| s["task_id"].as_str())
        .collect();
    for id in &kept {
        assert!(
            planned.contains(&id.as_str()),
            "{id} not planned: {allowed}"
        );
    }
    Ok(())
}

#[test]
fn archive_follows_keep_on_error_archive_cleans_done_and_allow_unsaved_delete() -> TestResult {
    let fx = Fixture::new()?;
    let path = settings_path(&fx);
    write_settings(
        &path,
        "keep_on_error = false\narchive_cleans_done = false\nallow_unsaved_delete = true\n",
    )?;
    let done = active_task("done and clean", |t| {
        t.status == "done" && t.finalization_done && t.workspace == DemoWorkspace::Clean
    })?;
    let failed_clean = active_task("failed and clean", |t| {
        class(t) == StatusClass::Failed && t.workspace == DemoWorkspace::Clean
    })?;
    let failed_dirty = active_task("failed with uncommitted work", |t| {
        class(t) == StatusClass::Failed && t.workspace == DemoWorkspace::Uncommitted
    })?;
    for task in [failed_clean, failed_dirty] {
        finalize(&paths::active_tasks_dir(&fx.data_dir).join(format!("{}.toml", task.id)))?;
    }
    let done_workspace = fx.workspace(done.env_id, done.id);
    let done_before = tree_digest(&done_workspace);

    let archived = run_with(&fx, &path, &["archive"])?;
    assert_eq!(archived.code, Some(0), "{archived}");
    assert!(
        archived
            .stdout
            .contains("workspace kept (archive_cleans_done = false)"),
        "{archived}"
    );
    assert!(done_before == tree_digest(&done_workspace), "{}", done.id);
    for task in [done, failed_clean, failed_dirty] {
        let record = paths::archived_tasks_dir(&fx.data_dir).join(format!("{}.toml", task.id));
        assert!(record.is_file(), "{} not archived", task.id);
    }
    for task in [failed_clean, failed_dirty] {
        let workspace = fx.workspace(task.env_id, task.id);
        assert!(
            fs::symlink_metadata(&workspace).is_err(),
            "{} kept",
            task.id
        );
    }
    Ok(())
}

#[test]
fn complete_follows_keep_on_error() -> TestResult {
    let fx = Fixture::new()?;
    let path = settings_path(&fx);
    let failed = active_task("failed and clean", |t| {
        class(t) == StatusClass::Failed && t.workspace == DemoWorkspace::Clean
    })?;
    let workspace = fx.workspace(failed.env_id, failed.id);
    let kept = run_with(&fx, &path, &["complete", failed.id, "--dry-run", "--json"])?.json()?;
    assert_eq!(kept["plan"]["steps"], json!([]), "{kept}");
    write_settings(&path, "keep_on_error = false\n")?;
    let completed = run_with(&fx, &path, &["complete", failed.id])?;
    assert_eq!(completed.code, Some(0), "{completed}");
    assert!(fs::symlink_metadata(&workspace).is_err(), "{completed}");
    Ok(())
}
