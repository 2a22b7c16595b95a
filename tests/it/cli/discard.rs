//! `discard`: marks, archives and deletes a finished task; refuses running and unknown
//! ones.

use super::{
    BrokenFiles, TestResult, active_record, archived_record, canonical_data, class, demo_task,
    digest_without_lock, dry_run, exists, is_cloned_with_folder, logs_of, read_toml, step_ids,
};
use crate::common;
use agents_janitor::demo::{DemoTask, MARKER_KEY, MARKER_VALUE, TASKS};
use agents_janitor::status::StatusClass;
use agents_janitor::store::paths;
use agents_janitor::store::time::parse_iso;
use common::{Fixture, docker_calls, janitor, output_of, run};
use serde_json::Value;
use std::collections::BTreeSet;
use std::error::Error;
use std::fs;

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

/// `discard --force` takes a workspace whatever unsaved work it holds, so it deletes
/// without asking git or sizing first (the plan says so); `--dry-run` still lists
/// the unsaved work that would be lost.
#[test]
fn discard_force_deletes_without_asking_git_and_the_dry_run_still_reports_it() -> TestResult {
    let fx = Fixture::new()?;
    let broken = BrokenFiles::read(&fx)?;
    let task = TASKS
        .iter()
        .find(|t| {
            !t.archived
                && t.is_finished()
                && is_cloned_with_folder(t)
                && matches!(
                    t.workspace,
                    agents_janitor::demo::DemoWorkspace::Uncommitted
                        | agents_janitor::demo::DemoWorkspace::Unpushed
                )
        })
        .ok_or("no finished demo task with unsaved work")?;
    let preview = dry_run(&fx, &["discard", task.id, "--force", "--dry-run", "--json"])?.json()?;
    let warnings = preview["plan"]["warnings"].to_string();
    assert!(warnings.contains("will be lost"), "{preview}");
    assert!(!preview["plan"]["steps"][0]["git"].is_null(), "{preview}");

    let forced = run(&fx, &["discard", task.id, "--force", "--json"])?;
    assert_eq!(forced.code, Some(0), "{forced}");
    let doc = forced.json()?;
    let warnings = doc["plan"]["warnings"].to_string();
    assert!(warnings.contains("git was not asked"), "{doc}");
    assert!(doc["plan"]["steps"][0]["git"].is_null(), "{doc}");
    assert!(doc["bytes_freed"].as_u64().is_some_and(|b| b > 0), "{doc}");
    assert!(!exists(&fx.workspace(task.env_id, task.id)));
    broken.assert_intact()
}
