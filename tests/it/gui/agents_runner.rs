//! The window while Agents-Runner runs on the data folder.

use super::*;

/// The refusal every record change gets while Agents-Runner runs.
fn agents_runner_refusal(pid: u32) -> String {
    format!(
        "Agents-Runner is running (pid {pid}) and rewrites task records from memory: close it first, or discard in Agents-Runner"
    )
}

const AGENTS_RUNNER_BAR: &str = "task records are its to change; deleting workspaces still works";

fn is_disabled(harness: &App<'_>, label: &str) -> Result<bool, Box<dyn Error>> {
    use egui_kittest::kittest::NodeT;
    let node = harness
        .query_by_label(label)
        .ok_or_else(|| format!("nothing labelled {label:?} on screen"))?;
    Ok(node.accesskit_node().is_disabled())
}

/// Rests the pointer on `label` until its tooltip (shown once the pointer stood still
/// for a moment) says `text`.
fn hover_until_tooltip(harness: &mut App<'_>, label: &str, text: &str) -> TestResult {
    // The same words may already be on screen elsewhere (the log, a notice).
    let before = harness.query_all_by_label_contains(text).count();
    harness
        .query_by_label(label)
        .ok_or_else(|| format!("nothing labelled {label:?} on screen"))?
        .hover();
    for _ in 0..300 {
        harness.step();
        if harness.query_all_by_label_contains(text).count() > before {
            return Ok(());
        }
    }
    Err(format!("hovering {label:?} never showed {text:?}").into())
}

#[test]
fn while_agents_runner_runs_a_bar_says_so_and_record_buttons_are_disabled_with_the_reason()
-> TestResult {
    let fx = Fixture::without_git()?;
    let probe = FakeProbe::running(4242);
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.agents_runner = Arc::new(probe.clone());
    launch.settings.show_archived = true;
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    step_until(&mut harness, "the first check", |app| {
        app.agents_runner().is_some()
    })?;
    harness.step();
    let bar = format!("Agents-Runner is running (pid 4242): {AGENTS_RUNNER_BAR}");
    assert!(
        harness.query_by_label(&bar).is_some(),
        "no bar saying {bar:?}"
    );
    assert!(
        log_text(app(&harness)?).contains("Agents-Runner started on this data folder (pid 4242)"),
        "the log says it too"
    );

    let clean = common::clean_done_task()?;
    click(&mut harness, clean.id)?;
    assert!(is_disabled(&harness, "Discard")?, "Discard is enabled");
    assert!(is_disabled(&harness, "Archive finished")?);
    assert!(
        !is_disabled(&harness, "Sweep")?,
        "deleting workspaces still works"
    );
    let refusal = agents_runner_refusal(4242);
    hover_until_tooltip(&mut harness, "Discard", &refusal)?;

    // The Delete key asks for no plan either: it says why.
    harness.key_press(egui::Key::Delete);
    harness.step();
    harness.step();
    let app_now = app(&harness)?;
    assert!(app_now.dialog().is_none(), "a plan was asked for");
    assert!(
        app_now.toasts().iter().any(|t| t.text == refusal),
        "no notice says why"
    );

    let archived = demo::TASKS
        .iter()
        .find(|t| t.archived)
        .ok_or("an archived demo task")?;
    click(&mut harness, archived.id)?;
    step_until(&mut harness, "the task log", |app| app.task_log().is_some())?;
    harness.step();
    assert!(is_disabled(&harness, "Restore")?, "Restore is enabled");
    hover_until_tooltip(&mut harness, "Restore", &refusal)?;
    assert!(archived_record(&fx, archived.id).exists());
    Ok(())
}

#[test]
fn the_bar_follows_agents_runner_starting_and_closing() -> TestResult {
    let fx = Fixture::without_git()?;
    let clock = ManualClock::new();
    let probe = FakeProbe::not_running();
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.clock = clock.clone();
    launch.agents_runner = Arc::new(probe.clone());
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    step_until(&mut harness, "the first check", |_| {
        probe.checks.load(Ordering::Relaxed) > 0
    })?;
    harness.step();
    assert!(harness.query_by_label_contains(AGENTS_RUNNER_BAR).is_none());
    assert!(!is_disabled(&harness, "Archive finished")?);

    probe.set(Some(31337));
    clock.advance(AGENTS_RUNNER_RECHECK + Duration::from_secs(1));
    step_until(&mut harness, "Agents-Runner seen", |app| {
        app.agents_runner().is_some_and(|r| r.pid == 31337)
    })?;
    harness.step();
    assert!(harness.query_by_label_contains(AGENTS_RUNNER_BAR).is_some());
    assert!(is_disabled(&harness, "Archive finished")?);

    probe.set(None);
    clock.advance(AGENTS_RUNNER_RECHECK + Duration::from_secs(1));
    step_until(&mut harness, "Agents-Runner gone", |app| {
        app.agents_runner().is_none()
    })?;
    harness.step();
    assert!(harness.query_by_label_contains(AGENTS_RUNNER_BAR).is_none());
    assert!(!is_disabled(&harness, "Archive finished")?);
    assert!(log_text(app(&harness)?).contains("Agents-Runner is no longer running"));
    Ok(())
}

#[test]
fn a_change_confirmed_after_agents_runner_started_is_refused_and_changes_nothing() -> TestResult {
    let fx = Fixture::without_git()?;
    let probe = FakeProbe::not_running();
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.agents_runner = Arc::new(probe.clone());
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    let clean = common::clean_done_task()?;
    click(&mut harness, clean.id)?;
    click(&mut harness, "Discard")?;
    wait_for_plan(&mut harness)?;
    // It starts while the user reads the plan; the window has not seen it yet.
    probe.set(Some(555));
    let record = fx.data_dir.join("tasks").join(format!("{}.toml", clean.id));
    let before = std::fs::read(&record)?;
    harness.state_mut().as_mut().ok_or("no app")?.confirm();
    step_until(
        &mut harness,
        "the refusal",
        |app| matches!(app.dialog(), Some(Dialog::Error { message, .. }) if message.contains(&agents_runner_refusal(555))),
    )?;
    assert_eq!(std::fs::read(&record)?, before);
    assert!(fx.workspace(clean.env_id, clean.id).exists());
    Ok(())
}
