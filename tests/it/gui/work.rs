//! Where the work went, in the window: the "Safe to delete" filter, the action that
//! deletes every safe workspace shown, Slim, and the Reclaimable column.

use super::*;

/// Ticks "Safe to delete": only finished tasks whose work git shows is elsewhere stay;
/// "Delete N safe workspaces" plans them, and once confirmed only they are gone.
#[test]
fn safe_filter_and_delete_safe_take_only_safe_workspaces() -> TestResult {
    if !common::git_available() {
        return common::cannot_run("git is not installed");
    }
    let fx = Fixture::new()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Safe to delete")?;
    step_until(&mut harness, "the filter", |app| app.settings().only_safe)?;
    harness.step();
    let (safe, kept): (Vec<PathBuf>, Vec<PathBuf>) = {
        let app = app(&harness)?;
        let rows = app.rows();
        let shown: Vec<_> = app.visible().iter().map(|&i| &rows[i]).collect();
        assert!(!shown.is_empty(), "no safe task shown");
        for row in &shown {
            assert!(row.is_safe_to_delete(), "{} shown", row.task_id);
            assert!(row.class.is_finished(), "{} shown", row.task_id);
        }
        let kept = rows
            .iter()
            .filter(|row| !row.is_safe_to_delete())
            .filter_map(|row| row.workspace_on_disk().cloned())
            .collect();
        let safe = shown
            .iter()
            .filter_map(|row| row.workspace_on_disk().cloned())
            .collect();
        (safe, kept)
    };
    // The demo's unsaved work is never among them.
    let unsaved = demo::TASKS
        .iter()
        .find(|t| t.workspace == demo::DemoWorkspace::Unpushed && !t.archived)
        .ok_or("no unpushed demo task")?;
    assert!(kept.contains(&fx.workspace(unsaved.env_id, unsaved.id)));
    let button = format!(
        "Delete {} safe workspace{}",
        safe.len(),
        if safe.len() == 1 { "" } else { "s" }
    );
    click(&mut harness, &button)?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(
        label,
        format!(
            "Delete {} workspace{}",
            safe.len(),
            if safe.len() == 1 { "" } else { "s" }
        )
    );
    // A long plan grows its modal over a few more frames before the button holds still.
    for _ in 0..10 {
        harness.step();
    }
    click(&mut harness, &label)?;
    step_until(&mut harness, "the delete to finish", |app| {
        app.running().is_none()
            && app.dialog().is_none()
            && log_text(app).contains("delete safe workspaces:")
    })?;
    for path in &safe {
        assert!(!path.exists(), "{} is still there", path.display());
    }
    for path in &kept {
        assert!(path.exists(), "{} was deleted", path.display());
    }
    Ok(())
}

/// Slim on a selected task: the dialog lists what git ignores, with sizes; once
/// confirmed only that goes, and the Reclaimable column had shown its size.
#[test]
fn slim_from_the_window_deletes_only_ignored_output() -> TestResult {
    if !common::git_available() {
        return common::cannot_run("git is not installed");
    }
    let fx = Fixture::new()?;
    let task = common::clean_done_task()?;
    let workspace = fx.workspace(task.env_id, task.id);
    // Ignored through .git/info/exclude, so the tree itself stays clean.
    std::fs::write(workspace.join(".git/info/exclude"), "target/\n")?;
    std::fs::create_dir_all(workspace.join("target/debug"))?;
    std::fs::write(workspace.join("target/debug/app"), vec![3_u8; 100_000])?;
    let tracked = tree_digest(&workspace);
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    step_until(&mut harness, "the reclaimable bytes", |app| {
        app.rows()
            .iter()
            .any(|row| row.task_id == task.id && row.reclaimable.is_some_and(|b| b >= 100_000))
    })?;
    let sized_before = app(&harness)?
        .rows()
        .iter()
        .find(|row| row.task_id == task.id)
        .and_then(|row| row.size)
        .ok_or("not sized")?;
    click(&mut harness, "Reclaimable")?;
    click(&mut harness, task.id)?;
    click(&mut harness, "Slim")?;
    step_until(&mut harness, "the slim plan", |app| {
        matches!(app.dialog(), Some(Dialog::ConfirmSlim { .. }))
    })?;
    for _ in 0..3 {
        harness.step();
    }
    assert!(
        harness
            .query_all_by_label_contains("target")
            .next()
            .is_some()
    );
    click(&mut harness, "Slim 1 workspace")?;
    step_until(&mut harness, "the slim to finish", |app| {
        app.running().is_none() && app.dialog().is_none() && log_text(app).contains("slim:")
    })?;
    assert!(!workspace.join("target").exists());
    // Sized and asked again: smaller, and nothing left to slim.
    step_until(&mut harness, "the new size", |app| {
        app.rows().iter().any(|row| {
            row.task_id == task.id
                && row.size.is_some_and(|size| size < sized_before)
                && row.reclaimable == Some(0)
        })
    })?;
    let after = tree_digest(&workspace);
    for (key, value) in &tracked {
        if !key.starts_with("target") && !key.starts_with(".git/index") {
            assert_eq!(after.get(key), Some(value), "{key} changed");
        }
    }
    Ok(())
}

/// "Check remotes" on a selected task: its remote is fetched on the worker and a fake
/// `gh` says its pull request was merged; the details pane shows it.
#[cfg(unix)]
#[test]
fn check_remotes_fetches_and_shows_the_pull_request_state() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    if !common::git_available() {
        return common::cannot_run("git is not installed");
    }
    let fx = Fixture::new()?;
    let gh = fx.root.path().join("fake-gh");
    std::fs::write(
        &gh,
        "#!/bin/sh\ncase \"$1 $2\" in\n  'auth status') exit 0 ;;\n  'pr view') echo '{\"state\":\"MERGED\",\"mergedAt\":\"2026-11-30T10:00:00Z\"}' ;;\n  *) exit 1 ;;\nesac\n",
    )?;
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755))?;
    let task = common::clean_done_task()?;
    let record = paths::active_tasks_dir(&fx.data_dir).join(format!("{}.toml", task.id));
    let mut document: toml_edit::DocumentMut = std::fs::read_to_string(&record)?.parse()?;
    document["gh_pr_url"] = toml_edit::value("https://github.com/example/webapp/pull/42");
    std::fs::write(&record, document.to_string())?;
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.gh = gh.into();
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    click(&mut harness, task.id)?;
    click(&mut harness, "Check remotes")?;
    step_until(&mut harness, "the remotes to be checked", |app| {
        app.running().is_none() && log_text(app).contains("[fetch] checked the remotes of 1 of 1")
    })?;
    step_until(&mut harness, "the pull request state", |app| {
        app.pull_request_state(task.id).is_some_and(|state| {
            state.status == agents_janitor::git::pull_request::PrStatus::Merged
        })
    })?;
    harness.step();
    assert!(
        harness
            .query_all_by_label_contains("merged at 2026-11-30")
            .next()
            .is_some()
    );
    Ok(())
}

/// The demo's failed task, finalized (so archive takes it), with build output git
/// ignores (through `.git/info/exclude`, so the tree stays clean) in its workspace.
fn failed_with_build_output(fx: &Fixture) -> Result<(&'static str, PathBuf), Box<dyn Error>> {
    let failed = "c91f3d5689";
    let record = paths::active_tasks_dir(&fx.data_dir).join(format!("{failed}.toml"));
    let mut document: toml_edit::DocumentMut = std::fs::read_to_string(&record)?.parse()?;
    document["finalization_state"] = toml_edit::value("done");
    std::fs::write(&record, document.to_string())?;
    let env = demo::TASKS
        .iter()
        .find(|t| t.id == failed)
        .ok_or("no such demo task")?
        .env_id;
    let workspace = fx.workspace(env, failed);
    std::fs::write(workspace.join(".git/info/exclude"), "target/\n")?;
    std::fs::create_dir_all(workspace.join("target"))?;
    std::fs::write(workspace.join("target/out.bin"), vec![5_u8; 50_000])?;
    Ok((failed, workspace))
}

/// With `archive_slims_failed`, "Archive finished" is followed by the slim plan of the
/// failed tasks' kept workspaces; once confirmed their build output goes, the rest stays.
#[test]
fn archive_then_slims_the_kept_failed_workspaces_when_set() -> TestResult {
    if !common::git_available() {
        return common::cannot_run("git is not installed");
    }
    let fx = Fixture::new()?;
    let (failed, workspace) = failed_with_build_output(&fx)?;
    let mut harness = open(launch_with_settings(&fx, "archive_slims_failed = true\n")?);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Archive finished")?;
    let label = wait_for_plan(&mut harness)?;
    for _ in 0..10 {
        harness.step();
    }
    click(&mut harness, &label)?;
    step_until(
        &mut harness,
        "the slim plan after the archive",
        |app| matches!(app.dialog(), Some(Dialog::ConfirmSlim { plan }) if plan.workspaces.iter().any(|w| w.task_id == failed)),
    )?;
    for _ in 0..10 {
        harness.step();
    }
    let slim_label = match app(&harness)?.dialog() {
        Some(Dialog::ConfirmSlim { plan }) => {
            format!(
                "Slim {} workspace{}",
                plan.workspaces.len(),
                if plan.workspaces.len() == 1 { "" } else { "s" }
            )
        }
        _ => return Err("no slim dialog".into()),
    };
    click(&mut harness, &slim_label)?;
    step_until(&mut harness, "the slim to finish", |app| {
        app.running().is_none() && app.dialog().is_none() && log_text(app).contains("slim:")
    })?;
    assert!(!workspace.join("target").exists());
    assert!(workspace.join(".git").is_dir() && workspace.join("README.md").is_file());
    assert!(archived_record(&fx, failed).is_file());
    Ok(())
}

/// The scheduled cleanup with `archive_slims_failed`: after archiving, the failed
/// tasks' kept workspaces are slimmed without asking (the plan goes to the log).
#[test]
fn the_schedule_slims_the_kept_failed_workspaces_when_set() -> TestResult {
    if !common::git_available() {
        return common::cannot_run("git is not installed");
    }
    let fx = Fixture::new()?;
    let (failed, workspace) = failed_with_build_output(&fx)?;
    let clock = ManualClock::new();
    let mut launch = launch_with_settings(&fx, "schedule = \"1h\"\narchive_slims_failed = true\n")?;
    launch.clock = clock.clone();
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    clock.advance(Duration::from_secs(61 * 60));
    step_until(&mut harness, "the scheduled slim", |app| {
        log_text(app).contains("[cleanup] slim:") && app.running().is_none()
    })?;
    let app = app(&harness)?;
    assert!(log_text(app).contains(&format!("[cleanup] slim plan: {failed}")));
    assert!(!workspace.join("target").exists());
    assert!(workspace.join(".git").is_dir() && workspace.join("README.md").is_file());
    Ok(())
}
