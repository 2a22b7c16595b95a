//! Changes from the window: discard, archive, restore, quotas, cancel, the lock, mounts and trash wording.

use super::*;

#[test]
fn discard_from_the_table_deletes_the_workspace_and_archives_the_record() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let workspace = fx.workspace(task.env_id, task.id);
    assert!(workspace.is_dir());
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;

    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Discard 1 task");
    click(&mut harness, &label)?;
    step_until(&mut harness, "the discard to finish", |app| {
        app.running().is_none()
            && app.dialog().is_none()
            && log_text(app).contains("discard: 1 done")
    })?;
    step_until(&mut harness, "the reload", |app| {
        app.rows()
            .iter()
            .any(|r| r.task_id == task.id && r.archived && r.class == StatusClass::Discarded)
    })?;

    assert!(!workspace.exists(), "the workspace is still on disk");
    assert_eq!(record_status(&archived_record(&fx, task.id))?, "discarded");
    let app = app(&harness)?;
    assert!(log_text(app).contains("[cleanup]"), "{}", log_text(app));
    assert!(app.bytes_freed_session() > 0);
    Ok(())
}

#[test]
fn cancelling_the_dialog_changes_nothing() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    let before = tree_digest(&fx.data_dir);

    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    wait_for_plan(&mut harness)?;
    click(&mut harness, "Cancel")?;
    assert!(app(&harness)?.dialog().is_none());

    // The keyboard way: Delete opens the same dialog, Escape closes it.
    harness.key_press(egui::Key::Delete);
    wait_for_plan(&mut harness)?;
    harness.key_press(egui::Key::Escape);
    harness.step();
    harness.step();
    let app = app(&harness)?;
    assert!(app.dialog().is_none());
    assert!(app.running().is_none());
    assert_eq!(before, tree_digest(&fx.data_dir), "cancel changed files");
    assert!(log_text(app).contains("cancelled: nothing was changed"));
    Ok(())
}

/// Marks a task record finalized, the way Agents-Runner does after its finalize step.
fn mark_finalized(fx: &Fixture, task_id: &str) -> TestResult {
    let path = paths::active_tasks_dir(&fx.data_dir).join(format!("{task_id}.toml"));
    let mut document: toml_edit::DocumentMut = std::fs::read_to_string(&path)?.parse()?;
    document["finalization_state"] = toml_edit::value("done");
    std::fs::write(&path, document.to_string())?;
    Ok(())
}

#[test]
fn archive_finished_deletes_done_workspaces_and_keeps_failed_ones() -> TestResult {
    let fx = Fixture::new()?;
    let done = common::clean_done_task()?;
    let (failed, error) = ("c91f3d5689", "d0a4e6f8a1");
    mark_finalized(&fx, failed)?;
    mark_finalized(&fx, error)?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;

    click(&mut harness, "Archive finished")?;
    wait_for_plan(&mut harness)?;
    // Enter confirms.
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the archive to finish", |app| {
        app.running().is_none() && app.dialog().is_none() && log_text(app).contains("archive: ")
    })?;

    assert!(!fx.workspace(done.env_id, done.id).exists());
    assert_eq!(record_status(&archived_record(&fx, done.id))?, "done");
    for (id, env) in [(failed, demo::ENV_WEBAPP), (error, demo::ENV_API)] {
        assert!(archived_record(&fx, id).is_file(), "{id} was not archived");
        assert!(
            fx.workspace(env, id).is_dir(),
            "{id}'s workspace was deleted"
        );
    }
    Ok(())
}

#[test]
fn a_mounted_task_is_discarded_without_touching_its_folder() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = demo::TASKS
        .iter()
        .find(|t| t.env_id == ENV_NOTES && t.status == "failed")
        .ok_or("mounted failed task")?;
    let notes = fx.root.path().join(NOTES_DIR);
    let notes = if notes.is_dir() {
        notes
    } else {
        fx.data_dir.join(NOTES_DIR)
    };
    let before = tree_digest(&notes);
    assert!(
        before.len() > 1,
        "the mounted folder {} is empty",
        notes.display()
    );
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;

    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    let label = wait_for_plan(&mut harness)?;
    {
        let Some(Dialog::Confirm { plan, .. }) = app(&harness)?.dialog() else {
            return Err("no plan".into());
        };
        assert_eq!(plan.steps.len(), 1);
        assert!(plan.steps[0].workspace.is_none(), "a delete was offered");
        assert_eq!(plan.bytes_to_free, 0);
    }
    assert!(harness.query_by_label_contains("workspace kept").is_some());
    click(&mut harness, &label)?;
    step_until(&mut harness, "the discard to finish", |app| {
        app.running().is_none() && log_text(app).contains("discard: 1 done")
    })?;
    assert_eq!(record_status(&archived_record(&fx, task.id))?, "discarded");
    assert_eq!(before, tree_digest(&notes), "the mounted folder changed");
    Ok(())
}

/// A folder of the user's bind mounted inside a workspace (same filesystem): the row
/// says so next to its size, the details name it, and Discard's plan lists the task as
/// refused before anything can be confirmed; the log says it too.
#[cfg(target_os = "linux")]
#[test]
fn a_workspace_holding_a_bind_mount_is_marked_and_refused_in_the_plan_dialog() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let workspace = fx.workspace(task.env_id, task.id);
    let notes = fx.root.path().join("notes");
    std::fs::create_dir_all(&notes)?;
    std::fs::write(notes.join("keep"), "keep\n")?;
    let mount_point = workspace.join("mnt");
    std::fs::create_dir_all(&mount_point)?;
    if !common::mounts::bind(&notes, &mount_point)? {
        return Ok(());
    }
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    let before = tree_digest(&fx.data_dir);
    {
        let app = app(&harness)?;
        let row = app
            .rows()
            .iter()
            .find(|r| r.task_id == task.id)
            .ok_or("no row")?;
        assert_eq!(row.mount_points, vec![mount_point.clone()]);
    }
    assert!(harness.query_by_label("+ mount point").is_some());
    click(&mut harness, task.id)?;
    assert!(
        harness
            .query_by_label_contains("a mount point, not counted in the size")
            .is_some(),
        "the details name the mount point"
    );

    click(&mut harness, "Discard")?;
    wait_for_plan(&mut harness)?;
    {
        let Some(Dialog::Confirm { plan, .. }) = app(&harness)?.dialog() else {
            return Err("no plan".into());
        };
        assert!(plan.steps.is_empty(), "{:?}", plan.steps);
        assert_eq!(plan.skipped.len(), 1);
        assert_eq!(plan.skipped[0].mount_point.as_ref(), Some(&mount_point));
    }
    let said = format!(
        "{} is a mount point: unmount it first",
        mount_point.display()
    );
    let reason = format!("{said} (workspace {} left alone)", workspace.display());
    assert!(harness.query_by_label("Left alone (1)").is_some());
    assert!(
        harness
            .query_by_label(&format!("{}: {reason}", task.id))
            .is_some(),
        "the dialog lists the refusal"
    );
    assert!(harness.query_by_label("Nothing to do.").is_some());
    assert!(
        log_text(app(&harness)?).contains(&format!("[cleanup] ERROR: Refused {}: {said}", task.id)),
        "{}",
        log_text(app(&harness)?)
    );
    click(&mut harness, "Cancel")?;
    assert!(before == tree_digest(&fx.data_dir), "something changed");
    assert_eq!(std::fs::read_to_string(notes.join("keep"))?, "keep\n");
    Ok(())
}

#[test]
fn frames_keep_coming_while_the_worker_is_held_mid_delete_and_cancel_stops_it() -> TestResult {
    let fx = Fixture::without_git()?;
    let (paused_tx, paused_rx) = bounded(1);
    let (release_tx, release_rx) = bounded(1);
    let filesystem = Arc::new(PausingFilesystem {
        hold: Hold::FirstRemoval,
        armed: AtomicBool::new(false),
        paused: paused_tx,
        release: release_rx,
    });
    let mut harness = open(launch(&fx, filesystem.clone())?);
    wait_until_settled(&mut harness)?;
    let finished: Vec<&str> = ["a13f5c7e01", "b46a8f0134", "b57b901245"].to_vec();

    filesystem.armed.store(true, Ordering::SeqCst);
    harness
        .state_mut()
        .as_mut()
        .ok_or("no app")?
        .request_plan(Action::Discard {
            task_ids: finished.iter().map(|s| s.to_string()).collect(),
            force: false,
        });
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Discard 3 tasks");
    click(&mut harness, &label)?;
    step_until(&mut harness, "the worker to reach the first delete", |_| {
        paused_rx.try_recv().is_ok()
    })?;

    // The worker is stuck inside a delete; the window still draws frame after frame.
    for _ in 0..30 {
        harness.step();
    }
    assert!(app(&harness)?.running().is_some());
    assert!(
        harness.query_by_label_contains("/3 tasks").is_some(),
        "no progress bar"
    );
    click(&mut harness, "Cancel")?;
    release_tx.send(())?;
    step_until(&mut harness, "the cancelled discard to end", |app| {
        app.running().is_none() && log_text(app).contains("(cancelled)")
    })?;
    let app = app(&harness)?;
    assert!(log_text(app).contains("cancelling"), "{}", log_text(app));
    // Every record is intact and parses; nothing is half-written.
    for task in &finished {
        let active = paths::active_tasks_dir(&fx.data_dir).join(format!("{task}.toml"));
        let record = if active.exists() {
            active
        } else {
            archived_record(&fx, task)
        };
        tasks::read_record(&record, true)?;
    }
    Ok(())
}

#[test]
fn a_lock_held_by_another_janitor_is_a_message_not_a_change() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    let before = tree_digest(&fx.data_dir.join("managed-repos"));
    let _held = agents_janitor::lock::DataDirLock::acquire(&fx.data_dir.canonicalize()?, "a test")?;

    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    let label = wait_for_plan(&mut harness)?;
    click(&mut harness, &label)?;
    step_until(&mut harness, "the refusal", |app| {
        matches!(app.dialog(), Some(Dialog::Error { .. })) && app.running().is_none()
    })?;
    harness.step();
    assert!(harness.query_by_label("Nothing was changed").is_some());
    assert!(
        log_text(app(&harness)?).contains("a test"),
        "the holder is not named"
    );
    click(&mut harness, "Close")?;
    assert!(app(&harness)?.dialog().is_none());
    assert!(fx.workspace(task.env_id, task.id).is_dir());
    assert_eq!(before, tree_digest(&fx.data_dir.join("managed-repos")));
    Ok(())
}

#[test]
fn restore_moves_an_archived_record_back() -> TestResult {
    let fx = Fixture::without_git()?;
    let archived = demo::TASKS
        .iter()
        .find(|t| t.archived)
        .ok_or("an archived demo task")?;
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.settings.show_archived = true;
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    click(&mut harness, archived.id)?;
    // The details pane lays out again once the task's log arrives.
    step_until(&mut harness, "the task log", |app| app.task_log().is_some())?;
    harness.step();
    click(&mut harness, "Restore")?;
    let active = fx
        .data_dir
        .join("tasks")
        .join(format!("{}.toml", archived.id));
    step_until(&mut harness, "the restore", |app| {
        app.rows()
            .iter()
            .any(|r| r.task_id == archived.id && !r.archived)
    })?;
    assert!(active.is_file());
    assert!(!archived_record(&fx, archived.id).exists());
    assert!(log_text(app(&harness)?).contains("Restored task"));
    Ok(())
}

#[test]
fn in_trash_mode_the_confirm_dialog_says_where_the_space_goes() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let mut harness = open(launch_with_settings(&fx, "delete_mode = \"trash\"\n")?);
    wait_until_settled(&mut harness)?;
    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    wait_for_plan(&mut harness)?;
    assert!(
        harness
            .query_by_label_contains("freed only when the trash is emptied")
            .is_some()
    );
    let Some(Dialog::Confirm { plan, .. }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    assert_eq!(plan.delete_mode, DeleteMode::Trash);
    click(&mut harness, "Cancel")?;
    Ok(())
}

#[test]
fn enforce_quotas_deletes_the_oldest_finished_workspaces_after_confirming() -> TestResult {
    let fx = Fixture::new()?;
    let env = demo::ENV_WEBAPP;
    let quota = Quota {
        limit_bytes: 1,
        warn_percent: 80,
        auto_clean: false,
    };
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    if let Some(loaded) = &mut launch.config {
        loaded.config.quotas.insert(env.into(), quota);
    }
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Enforce quotas")?;
    let label = wait_for_plan(&mut harness)?;
    assert!(label.starts_with("Delete "), "{label}");
    let Some(Dialog::Confirm { plan, .. }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("stays over its quota"))
    );
    let doomed = plan.workspace_paths();
    assert!(!doomed.is_empty());
    click(&mut harness, &label)?;
    step_until(&mut harness, "the quota cleanup", |app| {
        app.running().is_none() && log_text(app).contains("enforce quotas:")
    })?;
    assert!(doomed.iter().all(|path| !path.exists()));
    Ok(())
}
