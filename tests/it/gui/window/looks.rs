//! What the window looks like and says: the quota editor, columns at both sizes, names
//! and badges, collapsing panes, notices and the Problems and Orphans tabs.

use super::*;

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
