//! Changes as the window runs them: an honest Cancel, Undo from staging and the trash,
//! Refresh finishing a cancelled delete, a second confirmation instead of force, and
//! trash mode's words.

use super::*;

/// Three finished tasks of the demo whose clean workspaces every plan may delete.
const FINISHED: [&str; 3] = ["a13f5c7e01", "b46a8f0134", "b57b901245"];

/// Opens the demo with a filesystem that holds the first staging rename, discards the
/// three [`FINISHED`] tasks, and cancels while the first is being staged. Returns the
/// harness (the discard over) and the plan's task order.
fn cancelled_discard(fx: &Fixture) -> Result<(App<'static>, Vec<String>), Box<dyn Error>> {
    let (paused_tx, paused_rx) = bounded(1);
    let (release_tx, release_rx) = bounded(1);
    let filesystem = Arc::new(PausingFilesystem {
        hold: Hold::FirstRename,
        armed: AtomicBool::new(false),
        paused: paused_tx,
        release: release_rx,
    });
    let mut harness = open(launch(fx, filesystem.clone())?);
    wait_until_settled(&mut harness)?;
    harness
        .state_mut()
        .as_mut()
        .ok_or("no app")?
        .request_plan(Action::Discard {
            task_ids: FINISHED.iter().map(|s| s.to_string()).collect(),
            force: false,
        });
    let label = wait_for_plan(&mut harness)?;
    let Some(Dialog::Confirm { plan, .. }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    let order: Vec<String> = plan.steps.iter().map(|s| s.task_id.clone()).collect();
    let bytes_to_free = plan.bytes_to_free;
    filesystem.armed.store(true, Ordering::SeqCst);
    click(&mut harness, &label)?;
    step_until(&mut harness, "the first workspace to go to staging", |_| {
        paused_rx.try_recv().is_ok()
    })?;
    harness.step();
    // Progress is counted in bytes of the plan's total, not in tasks.
    assert!(
        harness
            .query_by_label_contains(&format!("of {} freed", text::bytes(bytes_to_free)))
            .is_some(),
        "no progress in bytes"
    );
    click(&mut harness, "Cancel")?;
    release_tx.send(())?;
    step_until(&mut harness, "the cancelled discard to end", |app| {
        app.running().is_none() && log_text(app).contains("(cancelled)")
    })?;
    Ok((harness, order))
}

#[test]
fn cancel_stops_before_the_next_step_says_what_was_done_and_undo_puts_it_back() -> TestResult {
    let fx = Fixture::without_git()?;
    let (mut harness, order) = cancelled_discard(&fx)?;
    let [first, rest @ ..] = order.as_slice() else {
        return Err("no steps".into());
    };
    let app_now = app(&harness)?;
    let said = toast_text(app_now);
    assert!(said.contains("Discard cancelled: 1 of 3 done"), "{said}");
    assert!(
        said.contains(&format!("not started, unchanged: {}", rest.join(", "))),
        "{said}"
    );
    // The steps never started changed nothing.
    for task in rest {
        let record = paths::active_tasks_dir(&fx.data_dir).join(format!("{task}.toml"));
        assert_ne!(record_status(&record)?, "discarded");
        assert!(fx.workspace(demo::ENV_WEBAPP, task).is_dir());
    }
    // The first one's workspace waits in staging: its bytes are shown, not lost.
    let staged = app_now.staged_bytes().ok_or("no bytes in staging")?;
    assert!(staged > 0);
    assert!(
        harness
            .query_by_label(&format!("In staging: {}", text::bytes(staged)))
            .is_some()
    );
    let offer = app_now.undo_offer().ok_or("no Undo offered")?;
    assert_eq!(offer.waiting_in, "in staging");
    let workspace = fx.workspace(demo::ENV_WEBAPP, first);
    assert!(!workspace.exists());

    click(&mut harness, "Undo")?;
    step_until(&mut harness, "the undo", |app| {
        app.running().is_none() && toast_text(app).contains("Undone: 1 task put back")
    })?;
    assert!(workspace.is_dir(), "the workspace is not back");
    let record = paths::active_tasks_dir(&fx.data_dir).join(format!("{first}.toml"));
    assert_eq!(record_status(&record)?, "done", "the discard is not undone");
    let app = app(&harness)?;
    assert_eq!(app.staged_bytes(), None);
    assert!(app.undo_offer().is_none());
    Ok(())
}

#[test]
fn after_a_cancel_refresh_finishes_the_delete_and_counts_what_it_frees() -> TestResult {
    let fx = Fixture::without_git()?;
    let (mut harness, order) = cancelled_discard(&fx)?;
    let first = order.first().ok_or("no steps")?;
    let staged = app(&harness)?.staged_bytes().ok_or("no bytes in staging")?;
    let freed_before = app(&harness)?.bytes_freed_session();
    harness.key_press(egui::Key::F5);
    step_until(&mut harness, "the delete to be finished", |app| {
        app.running().is_none() && app.staged_bytes().is_none()
    })?;
    let app = app(&harness)?;
    assert!(
        app.bytes_freed_session() >= freed_before + staged,
        "freed {} of {staged} staged",
        app.bytes_freed_session() - freed_before
    );
    assert!(log_text(app).contains("deletes left in staging finished"));
    assert!(!fx.workspace(demo::ENV_WEBAPP, first).exists());
    assert!(
        app.undo_offer().is_none(),
        "Undo offered for a deleted workspace"
    );
    Ok(())
}

#[test]
fn running_tasks_are_included_only_after_a_second_confirmation_never_by_force() -> TestResult {
    let (fx, mut harness) = settled_demo()?;
    let running = "3fa0b1c278";
    let before = tree_digest(&fx.data_dir);
    click(&mut harness, running)?;
    click(&mut harness, "Discard")?;
    wait_for_plan(&mut harness)?;
    assert!(harness.query_by_label("Left alone (1)").is_some());
    assert!(
        harness.query_by_label_contains("force").is_none(),
        "the dialog speaks of a force the window does not have"
    );
    click(&mut harness, "Include running tasks and unsaved work (1)…")?;
    harness.step();
    assert!(
        harness
            .query_by_label("Include them too (1 task)?")
            .is_some()
    );
    click(&mut harness, "Include them and plan again")?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Discard 1 task");
    let Some(Dialog::Confirm { plan, .. }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    assert!(matches!(plan.action, Action::Discard { force: true, .. }));
    click(&mut harness, "Cancel")?;
    assert_eq!(before, tree_digest(&fx.data_dir), "something changed");
    Ok(())
}

#[test]
fn in_trash_mode_unsaved_work_is_not_called_lost() -> TestResult {
    let fx = Fixture::new()?;
    if !fx.has_git_checkouts()? {
        return common::cannot_run("git is not installed: no unsaved work to show");
    }
    let unsaved = "a24e6d8f12";
    let mut harness = open(launch_with_settings(
        &fx,
        "delete_mode = \"trash\"\nallow_unsaved_delete = true\n",
    )?);
    wait_until_settled(&mut harness)?;
    click(&mut harness, unsaved)?;
    click(&mut harness, "Discard")?;
    wait_for_plan(&mut harness)?;
    assert!(
        harness
            .query_by_label_contains("goes to the trash with the workspace")
            .is_some()
    );
    assert!(harness.query_by_label_contains("will be lost").is_none());
    assert!(
        harness
            .query_by_label_contains("can be restored from it")
            .is_some()
    );
    click(&mut harness, "Cancel")?;
    Ok(())
}

/// A trash in the fixture: what the janitor trashes is moved there and back.
struct FolderTrash {
    folder: PathBuf,
}

impl FolderTrash {
    fn holding(&self, original: &Path) -> PathBuf {
        self.folder.join(original.file_name().unwrap_or_default())
    }
}

impl Filesystem for FolderTrash {
    fn trash(&self, path: &Path, _data_dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(&self.folder)?;
        std::fs::rename(path, self.holding(path))
    }
    fn untrash(&self, original: &Path) -> io::Result<()> {
        std::fs::rename(self.holding(original), original)
    }
    fn in_trash(&self, original: &Path) -> io::Result<bool> {
        Ok(self.holding(original).is_dir())
    }
}

#[test]
fn undo_and_restore_bring_a_trashed_workspace_back_with_its_record() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let workspace = fx.workspace(task.env_id, task.id);
    let trash = Arc::new(FolderTrash {
        folder: fx.root.path().join("trash"),
    });
    let mut launch = launch_with_settings(&fx, "delete_mode = \"trash\"\n")?;
    launch.filesystem = trash.clone();
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    let discard = |harness: &mut App<'static>| -> TestResult {
        click(harness, task.id)?;
        click(harness, "Discard")?;
        let label = wait_for_plan(harness)?;
        click(harness, &label)?;
        step_until(harness, "the discard", |app| {
            app.running().is_none() && app.undo_offer().is_some()
        })
    };
    discard(&mut harness)?;
    assert!(!workspace.exists());
    assert!(trash.holding(&workspace).is_dir());
    assert_eq!(
        app(&harness)?.undo_offer().map(|o| o.waiting_in),
        Some("in the trash")
    );
    click(&mut harness, "Undo")?;
    step_until(&mut harness, "the undo", |app| {
        app.running().is_none() && toast_text(app).contains("Undone: 1 task put back")
    })?;
    assert!(workspace.is_dir());
    let record = paths::active_tasks_dir(&fx.data_dir).join(format!("{}.toml", task.id));
    assert_eq!(record_status(&record)?, task.status);

    // Once more, and the Undo offer let go: Restore of the archived task offers to
    // bring its workspace back from the trash.
    step_until(&mut harness, "the reload", |app| {
        app.rows()
            .iter()
            .any(|r| r.task_id == task.id && !r.archived)
    })?;
    // The put-back workspace is sized again: its row moves once that is done.
    wait_until_settled(&mut harness)?;
    discard(&mut harness)?;
    click(&mut harness, "Show archived")?;
    step_until(&mut harness, "the archived row", |app| {
        app.rows()
            .iter()
            .any(|r| r.task_id == task.id && r.archived)
            && app
                .visible()
                .iter()
                .any(|&i| app.rows()[i].task_id == task.id)
    })?;
    harness
        .query_all_by_label(task.id)
        .last()
        .ok_or("no row")?
        .click();
    step_until(&mut harness, "the look in the trash", |app| {
        app.workspace_in_trash(&workspace)
    })?;
    harness.step();
    click(&mut harness, "Restore with its workspace")?;
    step_until(&mut harness, "the restore", |app| {
        app.running().is_none()
            && app
                .rows()
                .iter()
                .any(|r| r.task_id == task.id && !r.archived)
    })?;
    assert!(workspace.is_dir());
    Ok(())
}
