//! Workspaces that are odd or busy: read-only folders inside, a file in place of one,
//! tasks still running.

use super::{
    CraftedTask, TestResult, assert_every_command_refuses, canaries, canonical_data, exists,
    staging_entries,
};
use crate::common;
use agents_janitor::demo::{ENV_WEBAPP, READ_ONLY_TASK, TASKS};
use agents_janitor::lock::LOCK_FILE;
use agents_janitor::store::paths;
use common::mini::set_read_only;
use common::{Fixture, docker_calls, run, tree_digest};
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn read_only_folders_in_a_workspace_are_deleted_completely() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let task = TASKS
        .iter()
        .find(|t| t.id == READ_ONLY_TASK)
        .ok_or("no read-only demo task")?;
    let workspace = fx.workspace(task.env_id, task.id);
    // More of the same: a read-only chain three folders deep.
    let deep = workspace.join("ro-a").join("ro-b").join("ro-c");
    fs::create_dir_all(&deep)?;
    fs::write(deep.join("leaf.txt"), "leaf\n")?;
    set_read_only(&deep.join("leaf.txt"), false)?;
    for dir in [
        deep.clone(),
        workspace.join("ro-a").join("ro-b"),
        workspace.join("ro-a"),
    ] {
        set_read_only(&dir, true)?;
    }
    let canaries = canaries(&fx, &[]);

    let discard = run(&fx, &["discard", task.id])?;
    assert_eq!(discard.code, Some(0), "{discard}");
    assert!(!exists(&workspace), "{discard}");
    assert_eq!(
        staging_entries(&data),
        0,
        "leftovers in staging:\n{discard}"
    );
    assert!(
        discard.stderr.contains("[cleanup] Workspace cleaned up"),
        "{discard}"
    );
    #[cfg(unix)]
    assert!(
        docker_calls(&fx)?.contains(&format!("rm -f ar-{}", task.id)),
        "{discard}"
    );
    canaries.assert_intact("discard");
    Ok(())
}

#[test]
fn a_file_in_place_of_a_workspace_is_refused() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let id = "0d0d0d0d01";
    CraftedTask::done(id, ENV_WEBAPP).write(&fx)?;
    let file = fx.workspace(ENV_WEBAPP, id);
    fs::write(&file, "a file, not a workspace folder\n")?;
    let canaries = canaries(&fx, &[&file]);
    let shown = paths::task_workspace_path(&data, ENV_WEBAPP, id);

    assert_every_command_refuses(&fx, id, &shown, "it is not a folder", &canaries)?;
    Ok(())
}

#[test]
fn active_tasks_are_refused_without_force() -> TestResult {
    let fx = Fixture::new()?;
    let data = canonical_data(&fx)?;
    let active: Vec<_> = TASKS
        .iter()
        .filter(|t| !t.is_finished() && t.workspace_type() == "cloned")
        .collect();
    let running = active
        .iter()
        .find(|t| t.status == "running")
        .ok_or("no running demo task")?;
    let mut protected: Vec<PathBuf> = active
        .iter()
        .map(|t| fx.workspace(t.env_id, t.id))
        .collect();
    protected.extend(
        active
            .iter()
            .map(|t| paths::active_tasks_dir(&fx.data_dir).join(format!("{}.toml", t.id))),
    );
    let protected_refs: Vec<&Path> = protected.iter().map(PathBuf::as_path).collect();
    let canaries = canaries(&fx, &protected_refs);

    for args in [vec!["discard", running.id], vec!["complete", running.id]] {
        let mut before = tree_digest(&data);
        before.remove(LOCK_FILE);
        let refused = run(&fx, &args)?;
        assert_eq!(refused.code, Some(1), "{args:?}: {refused}");
        let said = refused
            .stdout
            .lines()
            .any(|line| line.contains(running.id) && line.contains("still running"));
        assert!(said, "{args:?}: {refused}");
        let mut after = tree_digest(&data);
        after.remove(LOCK_FILE);
        assert!(before == after, "{args:?} changed the data dir");
        canaries.assert_intact(&args.join(" "));
    }
    for args in [
        vec!["sweep", "--older-than", "0"],
        vec!["archive", "--delete-failed"],
    ] {
        let result = run(&fx, &args)?;
        assert_eq!(result.code, Some(0), "{args:?}: {result}");
        canaries.assert_intact(&args.join(" "));
    }
    let calls = docker_calls(&fx)?;
    for task in &active {
        assert!(
            !calls.iter().any(|call| call.contains(task.id)),
            "docker ran for active {}",
            task.id
        );
    }
    Ok(())
}
