//! The footprint picture on the Usage tab and the Reclaim tab: measure, pick, plan,
//! confirm, watch it run.

use super::*;
use agents_janitor::gui::reclaim_button_label;
use agents_janitor::policy::reclaim::ReclaimPlan;

/// Agents-Runner's home of the fixture with an old crash report and an old speech
/// recording, and a canary; returns the home.
fn home_with_leftovers(fx: &Fixture) -> Result<PathBuf, Box<dyn Error>> {
    let home = paths::runner_home(fx.root.path());
    std::fs::create_dir_all(home.join("crash-reports"))?;
    std::fs::create_dir_all(home.join("tmp"))?;
    std::fs::write(home.join("crash-reports/crash-1.json"), "{}")?;
    std::fs::write(home.join("tmp/stt-1.wav"), "RIFF")?;
    common::mini::plant(&home.join("my-notes"), "the user's notes")?;
    common::mini::make_old(&home, 10)?;
    Ok(home)
}

/// Waits for the window to settle, opens the Reclaim tab and waits for the footprint.
fn reclaim_tab(harness: &mut App<'_>) -> TestResult {
    wait_until_settled(harness)?;
    click(harness, "Reclaim")?;
    step_until(harness, "the footprint", |app| app.footprint().is_some())?;
    harness.step();
    Ok(())
}

#[test]
fn the_usage_picture_leads_to_a_kind_and_the_reclaim_tab_takes_it_after_confirming() -> TestResult {
    let fx = Fixture::without_git()?;
    let home = home_with_leftovers(&fx)?;
    let notes = tree_digest(&home.join("my-notes"));
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;

    click(&mut harness, "Usage")?;
    step_until(&mut harness, "the footprint", |app| {
        app.footprint().is_some()
    })?;
    harness.step();
    assert!(
        harness
            .query_by_label("Everything Agents-Runner keeps on disk")
            .is_some()
    );
    let crash_report = home.join("crash-reports/crash-1.json");
    harness
        .query_by_label_contains("Crash reports 4")
        .ok_or("no legend entry for crash reports")?
        .click();
    harness.step();
    harness.step();
    assert!(
        harness
            .query_by_label(&crash_report.display().to_string())
            .is_some(),
        "the click shows the kind's items"
    );

    click(&mut harness, "Crash reports")?;
    click(&mut harness, "Plan reclaim of 1 kind…")?;
    step_until(&mut harness, "the reclaim plan", |app| {
        app.reclaim_plan().is_some()
    })?;
    harness.step();
    let plan = app(&harness)?.reclaim_plan().cloned().ok_or("no plan")?;
    assert_eq!(plan.steps.len(), 1, "{plan:?}");
    assert!(crash_report.exists(), "planning deleted something");
    click(&mut harness, &reclaim_button_label(&plan))?;
    step_until(&mut harness, "the reclaim to end", |app| {
        app.reclaim_finished().is_some() && app.running().is_none()
    })?;
    assert!(!crash_report.exists());
    assert!(
        home.join("tmp/stt-1.wav").exists(),
        "a kind not picked was taken"
    );
    assert_eq!(tree_digest(&home.join("my-notes")), notes);
    let log = log_text(app(&harness)?);
    assert!(log.contains("[cleanup] Reclaimed crash reports"), "{log}");
    assert!(log.contains("Reclaim: 1 done, 0 failed"), "{log}");
    Ok(())
}

#[test]
fn a_reclaim_plan_dismissed_changes_nothing_and_never_kinds_cannot_be_ticked() -> TestResult {
    let fx = Fixture::without_git()?;
    let home = home_with_leftovers(&fx)?;
    let before = tree_digest(&home);
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    reclaim_tab(&mut harness)?;
    let models = harness
        .query_by_label("Speech model cache")
        .ok_or("no speech model row")?;
    assert!(
        models.accesskit_node().is_disabled(),
        "a kind set to never can be ticked"
    );
    click(&mut harness, "Crash leftovers")?;
    click(&mut harness, "Plan reclaim of 1 kind…")?;
    step_until(&mut harness, "the reclaim plan", |app| {
        app.reclaim_plan().is_some()
    })?;
    harness.step();
    click(&mut harness, "Cancel")?;
    assert!(app(&harness)?.reclaim_plan().is_none());
    assert!(app(&harness)?.reclaim_finished().is_none());
    assert_eq!(
        tree_digest(&home),
        before,
        "a dismissed plan changed the home"
    );
    Ok(())
}

#[test]
fn the_schedule_reclaims_only_the_kinds_set_to_schedule() -> TestResult {
    let fx = Fixture::without_git()?;
    let home = home_with_leftovers(&fx)?;
    let clock = ManualClock::new();
    let mut launch = launch_with_settings(&fx, "schedule = \"1h\"\n")?;
    launch.clock = clock.clone();
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    clock.advance(Duration::from_secs(61 * 60));
    step_until(&mut harness, "the scheduled reclaim", |app| {
        app.reclaim_finished()
            .is_some_and(|finished| finished.scheduled)
    })?;
    let log = log_text(app(&harness)?);
    assert!(log.contains("[cleanup] reclaim plan:"), "{log}");
    assert!(log.contains("Scheduled reclaim: 1 done"), "{log}");
    // Crash leftovers are on schedule by default; crash reports are asked for.
    assert!(!home.join("tmp/stt-1.wav").exists(), "{log}");
    assert!(home.join("crash-reports/crash-1.json").exists());
    Ok(())
}

#[test]
fn without_docker_the_reclaim_tab_says_so_and_still_takes_the_rest() -> TestResult {
    let fx = Fixture::without_git()?;
    let home = home_with_leftovers(&fx)?;
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    let missing = fx.root.path().join("no-docker-here");
    launch.containers.program = missing.clone().into_os_string();
    let mut harness = open(launch);
    reclaim_tab(&mut harness)?;
    let note = format!("{} is not installed", missing.display());
    assert_eq!(
        harness.query_all_by_label_contains(&note).count(),
        2,
        "both Docker rows say why"
    );
    click(&mut harness, "Crash reports")?;
    click(&mut harness, "Plan reclaim of 1 kind…")?;
    step_until(&mut harness, "the reclaim plan", |app| {
        app.reclaim_plan().is_some()
    })?;
    harness.step();
    let plan = app(&harness)?.reclaim_plan().cloned().ok_or("no plan")?;
    click(&mut harness, &reclaim_button_label(&plan))?;
    step_until(&mut harness, "the reclaim to end", |app| {
        app.reclaim_finished().is_some() && app.running().is_none()
    })?;
    assert!(!home.join("crash-reports/crash-1.json").exists());
    Ok(())
}

/// The Reclaim tab's age field: only what is older than the age typed is planned; a
/// text that is not an age says so and plans nothing.
#[test]
fn the_reclaim_tab_takes_only_what_is_older_than_the_age_typed() -> TestResult {
    let fx = Fixture::without_git()?;
    let home = home_with_leftovers(&fx)?;
    let crash_report = home.join("crash-reports/crash-1.json");
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    reclaim_tab(&mut harness)?;
    click(&mut harness, "Crash reports")?;
    let type_age = |harness: &mut App<'_>, age: &str| {
        let field = harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "older than");
        field.focus();
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness.key_press(egui::Key::Backspace);
        let field = harness.get_by_role_and_label(egui::accesskit::Role::TextInput, "older than");
        field.type_text(age);
        harness.step();
        harness.step();
    };
    let plan_with = |harness: &mut App<'_>| -> Result<ReclaimPlan, Box<dyn Error>> {
        click(harness, "Plan reclaim of 1 kind…")?;
        step_until(harness, "the reclaim plan", |app| {
            app.reclaim_plan().is_some()
        })?;
        harness.step();
        let plan = app(harness)?.reclaim_plan().cloned().ok_or("no plan")?;
        click(harness, "Cancel")?;
        Ok(plan)
    };

    // The leftovers are ten days old: none is older than thirty days, one is older
    // than five.
    type_age(&mut harness, "30d");
    let plan = plan_with(&mut harness)?;
    assert_eq!(plan.request.older_than_hours, Some(720.0));
    assert!(plan.steps.is_empty(), "{plan:?}");
    type_age(&mut harness, "5d");
    let plan = plan_with(&mut harness)?;
    assert_eq!(plan.request.older_than_hours, Some(120.0));
    assert_eq!(plan.steps.len(), 1, "{plan:?}");

    type_age(&mut harness, "soon");
    let plan_button = harness
        .query_by_label("Plan reclaim of 1 kind…")
        .ok_or("no plan button")?;
    assert!(
        plan_button.accesskit_node().is_disabled(),
        "a text that is not an age can be planned with"
    );
    assert!(harness.query_by_label_contains("expected an age").is_some());
    assert!(crash_report.exists(), "planning deleted something");
    Ok(())
}
