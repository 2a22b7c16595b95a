//! `archive`: finalized tasks move to the archive; failed and unsaved workspaces stay
//! unless asked.

use super::{
    BrokenFiles, TestResult, active_record, archived_record, canonical_data, class, demo_task,
    dry_run, exists, ids, is_cloned_with_folder, skipped_ids, step_ids,
};
use crate::common;
use agents_janitor::demo::{DemoTask, DemoWorkspace, TASKS};
use agents_janitor::status::StatusClass;
use common::{Fixture, finalize, run, tree_digest};
use serde_json::Value;
use std::collections::BTreeMap;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

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
