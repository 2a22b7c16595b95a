//! The task table: sizes filling in, search, filters, sorting, selection, marks.

use super::*;

#[test]
fn lists_every_task_and_fills_in_sizes_after_the_scan() -> TestResult {
    let fx = Fixture::new()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    harness.step();
    for task in demo::TASKS.iter().filter(|t| !t.archived) {
        assert!(
            harness.query_by_label(task.id).is_some(),
            "task {} is not in the table",
            task.id
        );
    }
    // Archived tasks appear once "Show archived" is ticked.
    click(&mut harness, "Show archived")?;
    harness.step();
    for task in demo::TASKS.iter().filter(|t| t.archived) {
        assert!(harness.query_by_label(task.id).is_some(), "{}", task.id);
    }
    let app = app(&harness)?;
    let sized = app
        .rows()
        .iter()
        .filter(|r| r.size.is_some_and(|s| s > 0))
        .count();
    assert!(sized >= 20, "only {sized} rows have a size");
    // The size shown for a row is the one the scan reported.
    let clean = common::clean_done_task()?;
    let row = app
        .rows()
        .iter()
        .find(|r| r.task_id == clean.id)
        .ok_or("clean task row")?;
    let shown = agents_janitor::text::bytes(row.size.ok_or("no size")?);
    assert!(
        harness.query_all_by_label(&shown).next().is_some(),
        "size {shown} is not shown"
    );
    // The corrupt task file is listed as a problem, on its own tab.
    assert!(!app.problems().is_empty());
    let tab = format!("Problems ({})", app.problems().len());
    click(&mut harness, &tab)?;
    harness.step();
    assert!(
        harness
            .query_all_by_label_contains("c0ffee0bad")
            .next()
            .is_some()
    );
    Ok(())
}

#[test]
fn search_status_filters_and_size_sort_narrow_and_order_the_rows() -> TestResult {
    let fx = Fixture::without_git()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    let all = app(&harness)?.visible().len();

    let search = harness.get_by_role_and_label(Role::TextInput, "Search");
    search.focus();
    search.type_text("a13f5");
    harness.step();
    harness.step();
    assert_eq!(app(&harness)?.visible().len(), 1);
    assert!(harness.query_by_label("a13f5c7e01").is_some());
    assert!(harness.query_by_label("a24e6d8f12").is_none());
    let search = harness.get_by_role_and_label(Role::TextInput, "Search");
    search.focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.key_press(egui::Key::Backspace);
    harness.step();
    harness.step();
    assert_eq!(app(&harness)?.visible().len(), all);

    // The status filter is a menu, so the filter bar stays on one line.
    click(&mut harness, "Status: all")?;
    click(&mut harness, "Active")?;
    harness.step();
    {
        let app = app(&harness)?;
        assert!(app.visible().len() < all);
        assert!(
            app.visible()
                .iter()
                .all(|&i| app.rows()[i].class != StatusClass::Active)
        );
    }
    assert!(
        harness.query_by_label("3fa0b1c278").is_none(),
        "a running task is still shown"
    );
    if harness.query_by_label("Active").is_none() {
        click(&mut harness, "Status: 4 of 5")?;
    }
    click(&mut harness, "Active")?;
    harness.step();
    assert_eq!(app(&harness)?.visible().len(), all);

    // Size sort: biggest first by default, a click on the header reverses it.
    let sizes = |app: &JanitorApp| -> Vec<u64> {
        app.visible()
            .iter()
            .filter_map(|&i| app.rows()[i].size)
            .collect()
    };
    assert_eq!(app(&harness)?.settings().sort, SortKey::Size);
    let descending = sizes(app(&harness)?);
    assert!(
        descending.windows(2).all(|w| w[0] >= w[1]),
        "{descending:?}"
    );
    assert!(app(&harness)?.settings().descending);
    click(&mut harness, "Size")?;
    harness.step();
    assert!(!app(&harness)?.settings().descending);
    let ascending = sizes(app(&harness)?);
    assert!(ascending.windows(2).all(|w| w[0] <= w[1]), "{ascending:?}");
    Ok(())
}

#[test]
fn click_shift_click_ctrl_click_and_ctrl_a_select_rows() -> TestResult {
    let fx = Fixture::without_git()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    let order: Vec<String> = {
        let app = app(&harness)?;
        app.visible()
            .iter()
            .map(|&i| app.rows()[i].task_id.clone())
            .collect()
    };
    let [first, second, third, ..] = order.as_slice() else {
        return Err("fewer than three rows".into());
    };
    click(&mut harness, first)?;
    harness
        .get_by_label(third)
        .click_modifiers(egui::Modifiers::SHIFT);
    harness.step();
    harness.step();
    let selected = |harness: &App<'_>| -> Result<Vec<String>, Box<dyn Error>> {
        let mut ids: Vec<String> = app(harness)?.selected().iter().cloned().collect();
        ids.sort();
        Ok(ids)
    };
    let mut expected = vec![first.clone(), second.clone(), third.clone()];
    expected.sort();
    assert_eq!(selected(&harness)?, expected);

    harness
        .get_by_label(second)
        .click_modifiers(egui::Modifiers::COMMAND);
    harness.step();
    harness.step();
    assert!(!selected(&harness)?.contains(second));
    assert_eq!(selected(&harness)?.len(), 2);

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    assert_eq!(selected(&harness)?.len(), order.len());
    assert!(
        harness
            .query_by_label_contains(&format!("{} selected", order.len()))
            .is_some()
    );

    // A click on another cell of a row (its prompt) selects that row alone.
    let search = harness.get_by_role_and_label(Role::TextInput, "Search");
    search.focus();
    search.type_text(third);
    harness.step();
    harness.step();
    let prompt = {
        let app = app(&harness)?;
        let [only] = app.visible() else {
            return Err(format!("search for {third} shows {} rows", app.visible().len()).into());
        };
        app.rows()[*only].prompt_line.clone()
    };
    harness.get_by_label(&prompt).click();
    harness.step();
    harness.step();
    assert_eq!(selected(&harness)?, vec![third.clone()]);
    Ok(())
}

#[test]
fn a_legacy_json_record_is_marked_in_the_table_and_cannot_be_restored() -> TestResult {
    let fx = Fixture::without_git()?;
    let record =
        paths::archived_tasks_dir(&fx.data_dir).join(format!("{}.json", demo::JSON_RECORD_TASK));
    let record_before = std::fs::read(&record)?;
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.settings.show_archived = true;
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    assert!(harness.query_by_label(demo::JSON_RECORD_TASK).is_some());
    let marks: Vec<_> = harness.query_all_by_label("legacy").collect();
    assert_eq!(marks.len(), 1, "one legacy record, one mark");
    let row = app(&harness)?
        .rows()
        .iter()
        .find(|r| r.task_id == demo::JSON_RECORD_TASK)
        .ok_or("the legacy row")?;
    assert!(row.legacy && row.archived);
    assert!(
        row.size.is_some_and(|bytes| bytes > 0),
        "its workspace is its own"
    );

    click(&mut harness, demo::JSON_RECORD_TASK)?;
    step_until(&mut harness, "the task log", |app| app.task_log().is_some())?;
    harness.step();
    assert!(
        harness
            .query_by_label("[10:26:03] agent exited with code 0")
            .is_some(),
        "the legacy record's log lines are shown"
    );
    let restore = harness
        .query_by_label("Restore")
        .ok_or("no Restore button")?;
    assert!(
        restore.accesskit_node().is_disabled(),
        "Restore is disabled for a legacy record"
    );
    restore.click();
    for _ in 0..5 {
        harness.step();
    }
    assert!(app(&harness)?.running().is_none());
    assert_eq!(std::fs::read(&record)?, record_before);
    assert!(
        !paths::active_tasks_dir(&fx.data_dir)
            .join(format!("{}.toml", demo::JSON_RECORD_TASK))
            .exists()
    );
    Ok(())
}
