//! The window as a demanding user sees it: a selection that never reaches hidden rows,
//! an honest Cancel, Undo, plans that say "nothing to do", the keyboard, the context
//! menu, sizes at a glance, and messages that keep the open folder.

use super::*;
use agents_janitor::text;

mod changes;
mod looks;

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
