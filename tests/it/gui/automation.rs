//! What the window does by itself: the schedule, live refresh and its periodic fallback.

use super::*;

#[test]
fn the_scheduled_cleanup_runs_one_interval_after_launch_and_never_at_launch() -> TestResult {
    let fx = Fixture::new()?;
    let clock = ManualClock::new();
    let mut launch = launch_with_settings(&fx, "schedule = \"1h\"\n")?;
    launch.clock = clock.clone();
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    for _ in 0..5 {
        harness.step();
    }
    let started = |app: &JanitorApp| log_text(app).contains("scheduled cleanup started");
    assert!(!started(app(&harness)?), "ran at launch");
    clock.advance(Duration::from_secs(59 * 60));
    harness.step();
    assert!(!started(app(&harness)?), "ran before the interval");

    let running = fx.task("running")?;
    let running_record = fx
        .data_dir
        .join("tasks")
        .join(format!("{}.toml", running.id));
    let running_before = std::fs::read(&running_record)?;
    clock.advance(Duration::from_secs(2 * 60));
    step_until(&mut harness, "the scheduled cleanup", |app| {
        log_text(app).contains("Scheduled cleanup:") && app.running().is_none()
    })?;
    let app = app(&harness)?;
    assert!(
        log_text(app).contains("scheduled cleanup plan:"),
        "the plan is logged"
    );
    assert!(
        app.toasts()
            .iter()
            .any(|t| t.text.starts_with("Scheduled cleanup:")),
        "a toast tells"
    );
    let clean = common::clean_done_task()?;
    assert!(!fx.workspace(clean.env_id, clean.id).exists());
    assert_eq!(
        std::fs::read(&running_record)?,
        running_before,
        "a running task was touched"
    );
    Ok(())
}

#[test]
fn live_refresh_follows_new_tasks_and_vanished_workspaces() -> TestResult {
    let fx = Fixture::without_git()?;
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.watch = WatchMode::default();
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;

    let new_id = "f00dfeed01";
    let workspace = fx.workspace(demo::ENV_WEBAPP, new_id);
    std::fs::create_dir_all(workspace.join("src"))?;
    std::fs::write(workspace.join("src/lib.rs"), "pub fn f() {}\n")?;
    std::fs::write(
        fx.data_dir.join("tasks").join(format!("{new_id}.toml")),
        format!(
            "task_id = \"{new_id}\"\nenvironment_id = \"{}\"\nstatus = \"running\"\n",
            demo::ENV_WEBAPP
        ),
    )?;
    step_until(&mut harness, "the new task, sized", |app| {
        app.rows()
            .iter()
            .any(|r| r.task_id == new_id && r.size.is_some())
    })?;

    let clean = common::clean_done_task()?;
    std::fs::remove_dir_all(fx.workspace(clean.env_id, clean.id))?;
    step_until(&mut harness, "the vanished workspace", |app| {
        app.rows().iter().any(|r| {
            r.task_id == clean.id
                && matches!(
                    r.workspace,
                    agents_janitor::gui::model::RowWorkspace::Managed { on_disk: false, .. }
                )
        })
    })?;
    harness.step();
    assert!(harness.query_by_label("workspace gone").is_some());
    Ok(())
}

#[test]
fn without_a_watcher_the_window_reloads_periodically_and_says_so() -> TestResult {
    let fx = Fixture::without_git()?;
    let clock = ManualClock::new();
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.clock = clock.clone();
    // Fewer watches allowed than the data folder needs: as if the system limit were hit.
    launch.watch = WatchMode::On { max_watches: 1 };
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    step_until(&mut harness, "the fallback note", |app| {
        log_text(app).contains("max_user_watches")
    })?;
    harness.step();
    assert!(
        harness
            .query_by_label_contains("Live refresh is off")
            .is_some()
    );
    let new_id = "f00dfeed02";
    std::fs::write(
        fx.data_dir.join("tasks").join(format!("{new_id}.toml")),
        format!(
            "task_id = \"{new_id}\"\nenvironment_id = \"{}\"\nstatus = \"queued\"\n",
            demo::ENV_WEBAPP
        ),
    )?;
    clock.advance(PERIODIC_REFRESH + Duration::from_secs(1));
    step_until(&mut harness, "the periodic reload", |app| {
        app.rows().iter().any(|r| r.task_id == new_id)
    })?;
    Ok(())
}
