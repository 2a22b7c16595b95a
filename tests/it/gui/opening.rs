//! Opening a data folder: the welcome screen, demo data, a folder that cannot be opened, a typed path.

use super::*;

#[test]
fn the_welcome_screen_creates_demo_data_and_shows_it() -> TestResult {
    let fx = Fixture::without_git()?;
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.data_dir = Some(fx.root.path().join("no-such-folder"));
    let demo_dir = launch.demo_dir.clone();
    let mut harness = open(launch);
    harness.step();
    assert!(
        harness
            .query_by_label_contains("Welcome to agents-janitor")
            .is_some()
    );
    assert!(harness.query_by_label("Open data folder…").is_some());
    assert!(
        harness
            .query_by_label_contains("There is no Agents-Runner data folder at")
            .is_some()
    );
    click(&mut harness, "Create demo data")?;
    step_until(&mut harness, "the demo data to load", |app| {
        app.snapshot().is_some() && !app.rows().is_empty()
    })?;
    harness.step();
    assert!(paths::environments_file(&demo_dir).is_file());
    let first = demo::TASKS.iter().find(|t| !t.archived).ok_or("a task")?;
    assert!(harness.query_by_label(first.id).is_some());
    assert_eq!(
        app(&harness)?.settings().data_dir.as_deref(),
        Some(demo_dir.canonicalize()?.as_path())
    );
    Ok(())
}

#[test]
fn a_data_folder_that_cannot_be_opened_is_explained_on_the_welcome_screen() -> TestResult {
    let fx = Fixture::without_git()?;
    let not_a_folder = fx.root.path().join("a-file");
    std::fs::write(&not_a_folder, "not a data folder")?;
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.data_dir = Some(not_a_folder.clone());
    let mut harness = open(launch);
    step_until(&mut harness, "the load to fail", |app| {
        app.welcome().is_some()
    })?;
    harness.step();
    let shown = format!("Cannot open {}", not_a_folder.display());
    assert!(
        harness.query_by_label_contains(&shown).is_some(),
        "no {shown:?}"
    );
    assert!(log_text(app(&harness)?).contains("cannot open the data folder"));
    assert!(harness.query_by_label("Create demo data").is_some());
    assert_eq!(std::fs::read_to_string(&not_a_folder)?, "not a data folder");
    Ok(())
}

#[test]
fn a_typed_path_in_the_open_dialog_opens_that_data_folder() -> TestResult {
    let fx = Fixture::without_git()?;
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.data_dir = None;
    let mut harness = open(launch);
    harness.step();
    click(&mut harness, "Open data folder…")?;
    assert!(matches!(
        app(&harness)?.dialog(),
        Some(Dialog::OpenFolder { .. })
    ));
    let field = harness.get_by_role(Role::TextInput);
    field.focus();
    field.type_text(&fx.data_dir.display().to_string());
    harness.step();
    harness.step();
    click(&mut harness, "Open")?;
    wait_until_settled(&mut harness)?;
    let app = app(&harness)?;
    assert!(app.dialog().is_none());
    assert_eq!(
        app.settings().data_dir.as_deref(),
        Some(fx.data_dir.canonicalize()?.as_path())
    );
    assert!(app.rows().len() >= demo::TASKS.len());
    Ok(())
}
