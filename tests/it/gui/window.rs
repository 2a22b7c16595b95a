//! The window as a demanding user sees it: a selection that never reaches hidden rows,
//! an honest Cancel, Undo, plans that say "nothing to do", the keyboard, the context
//! menu, sizes at a glance, and messages that keep the open folder.

use super::*;
use agents_janitor::text;

/// The demo (without git) open in the window, sized and settled.
fn settled_demo() -> Result<(Fixture, App<'static>), Box<dyn Error>> {
    let fx = Fixture::without_git()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    Ok((fx, harness))
}

/// `launch` with a quota of `limit_bytes` (warning at 80%) on the Web app.
fn with_webapp_quota(mut launch: Launch, limit_bytes: u64) -> Launch {
    if let Some(loaded) = &mut launch.config {
        loaded.config.quotas.insert(
            demo::ENV_WEBAPP.into(),
            Quota {
                limit_bytes,
                warn_percent: 80,
                auto_clean: false,
            },
        );
    }
    launch
}

/// The ids of the rows shown, in the table's order.
fn shown_ids(app: &JanitorApp) -> Vec<String> {
    app.visible()
        .iter()
        .map(|&i| app.rows()[i].task_id.clone())
        .collect()
}

fn selected_sorted(app: &JanitorApp) -> Vec<String> {
    let mut ids: Vec<String> = app.selected().iter().cloned().collect();
    ids.sort();
    ids
}

/// Clicks `first`, then Ctrl-clicks `second`: both selected.
fn select_two(harness: &mut App<'_>, first: &str, second: &str) -> TestResult {
    click(harness, first)?;
    harness
        .get_by_label(second)
        .click_modifiers(egui::Modifiers::COMMAND);
    harness.step();
    harness.step();
    Ok(())
}

fn toast_text(app: &JanitorApp) -> String {
    app.toasts()
        .iter()
        .map(|toast| toast.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn selected_rows_hidden_by_a_filter_are_never_acted_on() -> TestResult {
    let (_fx, mut harness) = settled_demo()?;
    let (webapp_task, api_task) = ("a13f5c7e01", "d0a4e6f8a1");

    select_two(&mut harness, webapp_task, api_task)?;
    assert_eq!(selected_sorted(app(&harness)?), [webapp_task, api_task]);

    // Another environment (in the side panel, drawn before the table): the Web app
    // task is hidden, and said to be.
    harness
        .query_all_by_label("Billing API")
        .next()
        .ok_or("no Billing API")?
        .click();
    harness.step();
    harness.step();
    assert!(
        harness
            .query_by_label_contains("1 selected (1 hidden)")
            .is_some(),
        "the count names the hidden selection"
    );
    assert_eq!(app(&harness)?.selected_shown(), [api_task]);
    harness.key_press(egui::Key::Delete);
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Discard 1 task");
    let Some(Dialog::Confirm { plan, labels, .. }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    assert_eq!(
        plan.action,
        Action::Discard {
            task_ids: vec![api_task.into()],
            force: false
        },
        "only the task shown is in the plan"
    );
    // The dialog names the task as the user knows it, not only by its id.
    let named = labels.get(api_task).ok_or("no label for the task")?;
    assert_eq!(named.env_name, "Billing API");
    assert!(!named.prompt.is_empty());
    assert!(
        harness
            .query_by_label_contains(&format!("Billing API · {}", named.prompt))
            .is_some()
    );
    click(&mut harness, "Cancel")?;

    // A search that hides every selected task: nothing to act on, and it says why.
    harness.step();
    harness
        .get_by_role_and_label(Role::TextInput, "Search")
        .focus();
    harness.step();
    harness
        .get_by_role_and_label(Role::TextInput, "Search")
        .type_text("no task has this");
    harness.step();
    harness.step();
    assert!(
        harness
            .query_by_label_contains("0 selected (2 hidden)")
            .is_some(),
        "search {:?}, shown {:?}",
        app(&harness)?.settings().search,
        shown_ids(app(&harness)?)
    );
    // Delete is taken by the search box while it has the keyboard; the button acts.
    click(&mut harness, "Discard")?;
    harness.step();
    let app = app(&harness)?;
    assert!(app.dialog().is_none(), "a plan for hidden tasks");
    assert!(
        !harness
            .get_by_label("Discard")
            .accesskit_node()
            .is_disabled()
            || app.selected_shown().is_empty()
    );
    assert_eq!(app.selected_shown(), Vec::<String>::new());
    Ok(())
}

#[test]
fn jump_to_from_usage_turns_on_what_shows_an_archived_task() -> TestResult {
    let (_fx, mut harness) = settled_demo()?;
    let archived = "e2b3c4d5e6";
    assert!(!app(&harness)?.settings().show_archived);
    // A status filter hides it too.
    click(&mut harness, "Status: all")?;
    click(&mut harness, "Failed")?;
    harness.step();
    harness.key_press(egui::Key::Escape);
    harness.step();

    click(&mut harness, "Usage")?;
    // The footprint picture above the list arrives from the worker and moves it down:
    // click once it is there.
    step_until(&mut harness, "the footprint", |app| {
        app.footprint().is_some()
    })?;
    harness.step();
    click(&mut harness, archived)?;
    step_until(&mut harness, "the table to show the task", |app| {
        shown_ids(app).iter().any(|id| id == archived)
    })?;
    let app = app(&harness)?;
    assert!(app.settings().show_archived);
    assert!(app.settings().hidden_classes.is_empty());
    assert_eq!(
        app.focused_row().map(|row| row.task_id.as_str()),
        Some(archived)
    );
    let said = toast_text(app);
    assert!(said.contains("Show archived"), "{said}");
    assert!(said.contains("failed tasks are shown"), "{said}");
    Ok(())
}

#[test]
fn a_plan_with_nothing_to_do_is_not_offered_and_the_selection_moves_on_after_a_discard()
-> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    // A quota far above what the environment holds: enforcing it has nothing to do.
    let launch = with_webapp_quota(launch(&fx, Arc::new(RealFilesystem))?, 1 << 40);
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Enforce quotas")?;
    step_until(&mut harness, "the answer", |app| {
        toast_text(app).contains("nothing to do")
    })?;
    assert!(
        app(&harness)?.dialog().is_none(),
        "an empty plan is offered"
    );

    let order = shown_ids(app(&harness)?);
    let at = order
        .iter()
        .position(|id| id == task.id)
        .ok_or("the task is not shown")?;
    let next = order.get(at + 1).ok_or("no row after the task")?.clone();
    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    let label = wait_for_plan(&mut harness)?;
    click(&mut harness, &label)?;
    step_until(&mut harness, "the discard", |app| {
        app.running().is_none() && log_text(app).contains("discard: 1 done")
    })?;
    let app = app(&harness)?;
    assert_eq!(
        selected_sorted(app),
        [next.as_str()],
        "the selection moved on"
    );
    assert_eq!(
        app.focused_row().map(|row| row.task_id.as_str()),
        Some(next.as_str())
    );
    Ok(())
}

/// The path field of the Open data folder dialog (the search box is the other one).
fn folder_field<'h>(harness: &'h App<'_>) -> Result<egui_kittest::Node<'h>, Box<dyn Error>> {
    harness
        .query_all_by_role(Role::TextInput)
        .find(|node| node.accesskit_node().label().as_deref() != Some("Search"))
        .ok_or_else(|| "no path field".into())
}

#[test]
fn a_mistyped_path_keeps_the_open_folder_and_says_what_is_wrong() -> TestResult {
    let (fx, mut harness) = settled_demo()?;
    let open_dir = app(&harness)?.data_dir().map(Path::to_path_buf);
    let rows = app(&harness)?.rows().len();

    for (typed, said) in [
        (fx.root.path().join("no-such-folder"), "does not exist"),
        (
            fx.root.path().to_path_buf(),
            "not an Agents-Runner data folder",
        ),
    ] {
        click(&mut harness, "Open data folder…")?;
        let field = folder_field(&harness)?;
        field.focus();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        let field = folder_field(&harness)?;
        field.type_text(&typed.display().to_string());
        harness.step();
        harness.step();
        click(&mut harness, "Open")?;
        step_until(&mut harness, "the check of the typed folder", |app| {
            matches!(
                app.dialog(),
                Some(Dialog::OpenFolder {
                    problem: Some(_),
                    ..
                })
            )
        })?;
        let app = app(&harness)?;
        let Some(Dialog::OpenFolder {
            problem: Some(problem),
            ..
        }) = app.dialog()
        else {
            return Err("no problem shown".into());
        };
        assert!(problem.contains(said), "{problem}");
        assert!(app.has_data(), "the open folder was closed");
        assert_eq!(app.data_dir().map(Path::to_path_buf), open_dir);
        assert_eq!(app.rows().len(), rows);
        click(&mut harness, "Cancel")?;
    }
    Ok(())
}

#[test]
fn browse_without_a_file_chooser_says_so_and_keeps_the_path_field() -> TestResult {
    let (_fx, mut harness) = settled_demo()?;
    click(&mut harness, "Open data folder…")?;
    click(&mut harness, "Browse…")?;
    step_until(&mut harness, "the picker's answer", |app| {
        matches!(
            app.dialog(),
            Some(Dialog::OpenFolder {
                problem: Some(_),
                ..
            })
        )
    })?;
    assert!(
        harness
            .query_by_label_contains("No file chooser is available here")
            .is_some()
    );
    folder_field(&harness)?;
    assert!(app(&harness)?.has_data());
    Ok(())
}

#[test]
fn the_side_panel_and_the_bottom_bar_show_one_total() -> TestResult {
    let (_fx, harness) = settled_demo()?;
    let app = app(&harness)?;
    let total = app.total_bytes();
    let shown = text::bytes(total);
    assert!(
        harness
            .query_by_label_contains(&format!("Total: {shown}"))
            .is_some()
    );
    assert!(
        harness.query_by_label(&shown).is_some(),
        "the side panel's All environments"
    );
    // Mounted and workspace-less environments are not "0 B".
    assert!(harness.query_all_by_label("not managed").count() >= 2);
    Ok(())
}

#[test]
fn keys_move_extend_and_clear_the_selection_and_ctrl_f_finds() -> TestResult {
    let (_fx, mut harness) = settled_demo()?;
    let order = shown_ids(app(&harness)?);
    let last = order.len() - 1;

    harness.key_press(egui::Key::ArrowDown);
    harness.step();
    assert_eq!(selected_sorted(app(&harness)?), [order[0].clone()]);
    harness.key_press(egui::Key::ArrowDown);
    harness.step();
    assert_eq!(selected_sorted(app(&harness)?), [order[1].clone()]);
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::ArrowDown);
    harness.step();
    let mut two = vec![order[1].clone(), order[2].clone()];
    two.sort();
    assert_eq!(selected_sorted(app(&harness)?), two);
    harness.key_press(egui::Key::End);
    harness.step();
    assert_eq!(selected_sorted(app(&harness)?), [order[last].clone()]);
    harness.key_press(egui::Key::Home);
    harness.step();
    assert_eq!(selected_sorted(app(&harness)?), [order[0].clone()]);
    harness.key_press(egui::Key::PageDown);
    harness.step();
    let paged = app(&harness)?
        .focused_row()
        .map(|row| row.task_id.clone())
        .ok_or("nothing focused")?;
    let paged_at = order.iter().position(|id| *id == paged).unwrap_or(0);
    assert!(paged_at >= 5, "PageDown moved {paged_at} rows");
    // Space drops the focused row from the selection, and adds it back.
    harness.key_press(egui::Key::Space);
    harness.step();
    assert!(app(&harness)?.selected().is_empty());
    harness.key_press(egui::Key::Space);
    harness.step();
    assert_eq!(selected_sorted(app(&harness)?), [paged]);
    harness.key_press(egui::Key::Escape);
    harness.step();
    assert!(app(&harness)?.selected().is_empty());

    // After a click the row's id has the keyboard focus: Space is still the table's
    // (it drops the row), never a second click on the id.
    click(&mut harness, &order[1])?;
    harness
        .query_all_by_label(&order[1])
        .last()
        .ok_or("no row")?
        .focus();
    harness.step();
    harness.key_press(egui::Key::Space);
    harness.step();
    harness.step();
    assert!(
        app(&harness)?.selected().is_empty(),
        "{:?}",
        selected_sorted(app(&harness)?)
    );

    // Ctrl+F gives the search box the keyboard; × clears it.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    harness.step();
    harness.step();
    harness
        .get_by_role_and_label(Role::TextInput, "Search")
        .type_text("a13f5");
    harness.step();
    harness.step();
    assert_eq!(app(&harness)?.settings().search, "a13f5");
    assert_eq!(app(&harness)?.visible().len(), 1);
    click(&mut harness, "×")?;
    harness.step();
    assert_eq!(app(&harness)?.settings().search, "");
    assert_eq!(app(&harness)?.visible().len(), order.len());
    Ok(())
}

/// Right-clicks the table's cell of `task_id` (the details pane, drawn first, may
/// show the id too).
fn open_row_menu(harness: &mut App<'_>, task_id: &str) -> TestResult {
    harness
        .query_all_by_label(task_id)
        .last()
        .ok_or("no row")?
        .click_secondary();
    harness.step();
    harness.step();
    Ok(())
}

#[test]
fn the_right_click_menu_copies_and_acts_on_the_row_it_was_opened_on() -> TestResult {
    let (fx, mut harness) = settled_demo()?;
    let task = common::clean_done_task()?;
    click(&mut harness, "3fa0b1c278")?;

    open_row_menu(&mut harness, task.id)?;
    // The row right-clicked becomes the selection the menu acts on.
    assert_eq!(selected_sorted(app(&harness)?), [task.id.to_owned()]);
    // The menu's Open folder, beside the details pane's.
    assert_eq!(harness.query_all_by_label("Open folder").count(), 2);
    click(&mut harness, "Copy id")?;
    harness.step();
    assert!(toast_text(app(&harness)?).contains(&format!("Copied the task id: {}", task.id)));

    open_row_menu(&mut harness, task.id)?;
    // The menu's (the details pane has one too); the menu is drawn last.
    harness
        .query_all_by_label("Copy path")
        .last()
        .ok_or("no Copy path")?
        .click();
    harness.step();
    harness.step();
    let workspace = fx.workspace(task.env_id, task.id);
    assert!(
        toast_text(app(&harness)?).contains(&workspace.display().to_string()),
        "{}",
        toast_text(app(&harness)?)
    );

    open_row_menu(&mut harness, task.id)?;
    click(&mut harness, "Discard 1 task…")?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Discard 1 task");
    click(&mut harness, "Cancel")?;
    Ok(())
}

#[test]
fn several_selected_rows_are_summed_up_in_the_details_pane() -> TestResult {
    let (_fx, mut harness) = settled_demo()?;
    let (first, second) = ("a24e6d8f12", "c80e2c4578");
    select_two(&mut harness, first, second)?;
    assert!(harness.query_by_label("2 tasks selected").is_some());
    let app = app(&harness)?;
    let bytes: u64 = app
        .rows()
        .iter()
        .filter(|row| row.task_id == first || row.task_id == second)
        .filter_map(|row| row.size)
        .sum();
    assert!(
        harness
            .query_by_label_contains(&text::bytes(bytes))
            .is_some(),
        "the total size of the two"
    );
    Ok(())
}

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

#[test]
fn the_quota_editor_keeps_its_fields_in_place_and_says_each_error_under_its_field() -> TestResult {
    let fx = Fixture::without_git()?;
    let launch = with_webapp_quota(launch(&fx, Arc::new(RealFilesystem))?, 20_000_000_000);
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Settings…")?;
    for _ in 0..3 {
        harness.step();
    }
    let field = |harness: &App<'_>, value: &str| -> Result<egui::Pos2, Box<dyn Error>> {
        let rect = harness
            .query_by(|node| {
                node.role() == Role::TextInput && node.value().as_deref() == Some(value)
            })
            .ok_or_else(|| format!("no field holds {value:?}"))?
            .rect();
        Ok(rect.left_top())
    };
    let field_x =
        |harness: &App<'_>, value: &str| Ok::<f32, Box<dyn Error>>(field(harness, value)?.x);
    let limit_at = field(&harness, "20 GB")?;
    let (limit_x, warn_x) = (limit_at.x, field_x(&harness, "80")?);

    super::settings::retype(&mut harness, "20 GB", "lots and lots of bytes")?;
    super::settings::retype(&mut harness, "80", "120")?;
    for _ in 0..3 {
        harness.step();
    }
    // The dialog grows downwards; the fields keep their place.
    assert_eq!(field(&harness, "lots and lots of bytes")?, limit_at);
    assert_eq!(field_x(&harness, "120")? - warn_x, 0.0);
    // Both errors are said, each starting under its own field.
    let warn_error = harness
        .query_by_label("a whole percentage from 1 to 100")
        .ok_or("no warning error")?
        .rect();
    assert!(
        warn_error.left() >= warn_x - 1.0,
        "the warning error is not under its field"
    );
    let limit_error = harness
        .query_by_label("expected a size such as 20 GB, 20 GiB or a number of bytes")
        .ok_or("no limit error")?
        .rect();
    assert!(limit_error.left() >= limit_x - 1.0 && limit_error.left() < warn_x);
    click(&mut harness, "Cancel")?;
    Ok(())
}

/// The left edge of the table's column title `title`.
fn column_left(harness: &App<'_>, title: &str) -> Result<f32, Box<dyn Error>> {
    Ok(harness
        .query_all_by_label(title)
        .next()
        .ok_or_else(|| format!("no column {title:?}"))?
        .rect()
        .left())
}

#[test]
fn tags_and_badges_fit_their_columns_at_both_window_sizes() -> TestResult {
    let fx = Fixture::without_git()?;
    for (width, height) in [(1280.0, 800.0), (900.0, 600.0)] {
        let mut harness = open_sized(launch(&fx, Arc::new(RealFilesystem))?, width, height);
        wait_until_settled(&mut harness)?;
        click(&mut harness, "Show archived")?;
        harness.key_press(egui::Key::End);
        for _ in 0..3 {
            harness.step();
        }
        let size_left = column_left(&harness, "Size")?;
        let task_left = column_left(&harness, "Task")?;
        let archived: Vec<egui::Rect> = harness
            .query_all_by_label("archived")
            .map(|node| node.rect())
            .collect();
        assert!(!archived.is_empty(), "{width}: no archived tag in view");
        for tag in archived {
            assert!(
                tag.right() <= size_left,
                "{width}: the archived tag ends at {} past the Size column at {size_left}",
                tag.right()
            );
        }
        harness.key_press(egui::Key::Home);
        for _ in 0..3 {
            harness.step();
        }
        let app = app(&harness)?;
        let words: Vec<String> = app
            .visible()
            .iter()
            .map(|&i| app.rows()[i].status.clone())
            .collect();
        let mut seen = 0;
        for word in words {
            // The table's badge (the details pane has one too, further right).
            if let Some(badge) = harness
                .query_all_by_label(&word)
                .find(|node| node.rect().left() < task_left)
            {
                seen += 1;
                assert!(
                    badge.rect().right() <= task_left,
                    "{width}: the badge {word:?} at {:?} runs into the Task column at {task_left}",
                    badge.rect()
                );
            }
        }
        assert!(seen > 3, "{width}: only {seen} badges in view");
    }
    Ok(())
}

#[test]
fn the_table_keeps_its_order_while_a_rescan_sorted_by_git_is_under_way() -> TestResult {
    let fx = Fixture::new()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Git")?;
    harness.step();
    assert_eq!(app(&harness)?.settings().sort, SortKey::Git);
    let before = shown_ids(app(&harness)?);
    harness.key_press(egui::Key::F5);
    let start = Instant::now();
    let mut frames_scanning = 0;
    loop {
        harness.step();
        let app = app(&harness)?;
        if app.scan_progress().is_some() {
            frames_scanning += 1;
            assert_eq!(shown_ids(app), before, "rows moved during the rescan");
        } else if frames_scanning > 0 && app.running().is_none() {
            break;
        }
        if start.elapsed() > PATIENCE {
            return Err("the rescan did not end".into());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    wait_until_settled(&mut harness)?;
    assert_eq!(
        shown_ids(app(&harness)?),
        before,
        "nothing changed, so neither does the order"
    );
    assert!(toast_text(app(&harness)?).contains("Refreshing"));
    Ok(())
}

#[test]
fn names_badges_and_reasons_say_what_ids_and_colours_do_not() -> TestResult {
    let (_fx, mut harness) = settled_demo()?;
    // Sweep's scope names the environment.
    harness
        .query_all_by_label("Web app")
        .next()
        .ok_or("no Web app")?
        .click();
    harness.step();
    harness.step();
    assert!(harness.query_by_label("in Web app").is_some());
    // Where there is nothing to sweep, Sweep is disabled and says why.
    harness
        .query_all_by_label("My notes")
        .next()
        .ok_or("no My notes")?
        .click();
    harness.step();
    harness.step();
    assert!(harness.get_by_label("Sweep").accesskit_node().is_disabled());
    assert!(app(&harness)?.nothing_to_sweep().is_some());
    click(&mut harness, "All environments")?;
    harness.step();

    // A badge's tooltip names its class and what that means for cleanup.
    harness
        .query_all_by_label("killed")
        .next()
        .ok_or("no killed badge")?
        .hover();
    step_until(&mut harness, "the tooltip", |_| true)?;
    for _ in 0..60 {
        harness.step();
    }
    assert!(
        harness
            .query_by_label_contains("ended without an error")
            .is_some(),
        "no tooltip"
    );
    // The details pane names the environment, and a mounted task's folder opens.
    click(&mut harness, "f1a0c3e5b7")?;
    harness.step();
    assert!(harness.query_by_label_contains("My notes (").is_some());
    assert!(
        !harness
            .get_by_label("Open folder")
            .accesskit_node()
            .is_disabled()
    );
    Ok(())
}

#[test]
fn at_900_by_600_the_details_pane_and_the_log_collapse_to_leave_the_table_room() -> TestResult {
    let fx = Fixture::without_git()?;
    let mut harness = open_sized(launch(&fx, Arc::new(RealFilesystem))?, 900.0, 600.0);
    wait_until_settled(&mut harness)?;
    harness.key_press(egui::Key::ArrowDown);
    harness.step();
    harness.step();
    assert!(app(&harness)?.focused_row().is_some());
    let prompt_visible = |harness: &App<'_>| harness.query_all_by_label("Prompt").next().is_some();
    click(&mut harness, "»")?;
    harness.step();
    harness.step();
    assert!(!app(&harness)?.settings().details_open);
    assert!(harness.query_by_label("«").is_some());
    assert!(
        prompt_visible(&harness),
        "the table still has no room for the prompt"
    );
    click(&mut harness, "Hide log")?;
    harness.step();
    assert!(!app(&harness)?.settings().log_open);
    assert!(harness.query_by_label("Show log").is_some());
    // The totals stay in view with the log collapsed.
    assert!(harness.query_by_label_contains("Total: ").is_some());
    click(&mut harness, "«")?;
    harness.step();
    assert!(app(&harness)?.settings().details_open);
    Ok(())
}

#[test]
fn notices_answer_copy_and_wait_behind_dialogs_and_problems_can_be_opened_and_copied() -> TestResult
{
    let (fx, mut harness) = settled_demo()?;
    let tab = format!("Problems ({})", app(&harness)?.problems().len());
    click(&mut harness, &tab)?;
    harness.step();
    let corrupt = Fixture::corrupt_task_path(&fx.data_dir);
    let problem = app(&harness)?
        .problems()
        .iter()
        .find(|p| p.path == corrupt)
        .ok_or("the corrupt record is not a problem")?
        .message
        .clone();
    assert!(problem.contains("line "), "{problem}");
    assert!(problem.contains("column "), "{problem}");
    assert!(harness.query_all_by_label("Open").next().is_some());
    let copies = harness.query_all_by_label("Copy").count();
    assert_eq!(copies, app(&harness)?.problems().len());
    harness
        .query_all_by_label("Copy")
        .next()
        .ok_or("no Copy")?
        .click();
    harness.step();
    harness.step();
    let said = toast_text(app(&harness)?);
    assert!(said.contains("Copied the problem"), "{said}");
    // The notice, and its line in the log.
    let shown = |harness: &App<'_>| {
        harness
            .query_all_by_label_contains("Copied the problem")
            .count()
    };
    assert_eq!(shown(&harness), 2);

    // A dialog opens: the notice waits behind it, never over it.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Comma);
    harness.step();
    harness.step();
    assert!(app(&harness)?.dialog().is_some());
    assert_eq!(shown(&harness), 1, "the notice covers the dialog");
    assert!(!app(&harness)?.toasts().is_empty());
    click(&mut harness, "Cancel")?;
    Ok(())
}

#[test]
fn at_900_by_600_the_orphans_tab_wraps_its_text_and_names_legacy_checkouts_in_full() -> TestResult {
    let fx = Fixture::without_git()?;
    let mut harness = open_sized(launch(&fx, Arc::new(RealFilesystem))?, 900.0, 600.0);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Orphans (2)")?;
    harness.step();
    harness.step();
    let legacy = format!("managed-repos/{}", demo::ENV_API);
    for (what, node) in [
        ("the legacy checkout", harness.query_by_label(&legacy)),
        (
            "the legacy checkouts' note",
            harness.query_by_label_contains("the janitor never deletes them"),
        ),
    ] {
        let right = node
            .ok_or_else(|| format!("{what} is not shown"))?
            .rect()
            .right();
        assert!(
            right <= 900.0,
            "{what} is cut at the window's edge ({right})"
        );
    }
    // The environment is named, not only by its folder: in the side panel and the
    // legacy checkouts' table.
    assert_eq!(harness.query_all_by_label("Billing API").count(), 2);
    Ok(())
}

#[test]
fn archive_from_the_right_click_menu_plans_only_the_selected_tasks() -> TestResult {
    let (_fx, mut harness) = settled_demo()?;
    let finalized = "a13f5c7e01";
    open_row_menu(&mut harness, finalized)?;
    click(&mut harness, "Archive 1 task…")?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Archive 1 task");
    let Some(Dialog::Confirm { plan, .. }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    // "Archive finished" would take more: the plan is narrowed to the selection.
    let tasks: Vec<&str> = plan.steps.iter().map(|s| s.task_id.as_str()).collect();
    assert_eq!(tasks, [finalized]);
    assert!(plan.skipped.iter().all(|s| s.task_id == finalized));
    click(&mut harness, "Cancel")?;
    Ok(())
}
