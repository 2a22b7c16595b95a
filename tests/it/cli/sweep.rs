//! `sweep`: old workspaces go; young, active and unsaved ones stay.

use super::{
    BrokenFiles, DAY, TestResult, canonical_data, dry_run, exists, ids, is_cloned_with_folder,
    skipped_ids, step_ids, workspace_dirs, world_digest,
};
use crate::common;
use agents_janitor::demo::{
    BACKUP_FOLDER, DemoTask, DemoWorkspace, ENV_API, ENV_WEBAPP, JSON_RECORD_TASK, ORPHAN_FOLDER,
    TASKS,
};
use agents_janitor::store::paths;
use common::{Fixture, newest_mtime, run, tree_digest};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::SystemTime;

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
