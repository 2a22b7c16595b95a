//! The Settings dialog, a corrupt settings file, and quota bars.

use super::*;

/// Replaces what the dialog's text field holding `holding` holds with `text`, as the
/// user would: focus it, select all, type.
pub(super) fn retype(harness: &mut App<'_>, holding: &str, text: &str) -> TestResult {
    let field = |value: &str| {
        let value = value.to_owned();
        move |node: &egui_kittest::kittest::AccessKitNode<'_>| {
            node.role() == Role::TextInput && node.value().as_deref() == Some(value.as_str())
        }
    };
    harness
        .query_by(field(holding))
        .ok_or_else(|| format!("no field holds {holding:?}"))?
        .focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.event(egui::Event::Text(text.to_owned()));
    harness.step();
    harness.step();
    if harness.query_by(field(text)).is_none() {
        return Err(format!("the field holding {holding:?} did not take {text:?}").into());
    }
    Ok(())
}

#[test]
fn the_settings_dialog_shows_errors_inline_and_saves_only_valid_settings() -> TestResult {
    let fx = Fixture::without_git()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Settings…")?;
    let shown = format!("Saved in {}", settings_file(&fx).display());
    assert!(
        harness.query_by_label(&shown).is_some(),
        "the file's path is shown"
    );

    // Typed values are checked as they are typed; Save does nothing while one is wrong.
    retype(&mut harness, "off", "every now and then")?;
    retype(&mut harness, "24h", "0")?;
    // The dialog grows downwards by the error lines.
    for _ in 0..3 {
        harness.step();
    }
    assert!(
        harness
            .query_all_by_label_contains("expected an interval")
            .next()
            .is_some()
    );
    assert!(
        harness
            .query_all_by_label_contains("an age of more than 0 hours")
            .next()
            .is_some()
    );
    click(&mut harness, "Save")?;
    assert!(matches!(
        app(&harness)?.dialog(),
        Some(Dialog::Settings { .. })
    ));
    assert!(!settings_file(&fx).exists(), "invalid settings were saved");

    retype(&mut harness, "every now and then", "6h")?;
    retype(&mut harness, "0", "2d")?;
    click(&mut harness, "Move to the trash")?;
    click(
        &mut harness,
        "The schedule (and archive, sweep on the command line) deletes unsaved work once it is merged",
    )?;
    click(
        &mut harness,
        "Archiving slims the failed tasks' workspaces it keeps (deletes only what git ignores)",
    )?;
    for _ in 0..3 {
        harness.step();
    }
    click(&mut harness, "Add quota")?;
    retype(&mut harness, "20 GB", "20 GB")?;
    for _ in 0..3 {
        harness.step();
    }
    click(&mut harness, "Save")?;
    step_until(&mut harness, "the settings to be saved", |app| {
        app.config().schedule == Some(Duration::from_secs(6 * 3600))
    })?;
    let saved = config::load(&settings_file(&fx));
    assert!(saved.warning.is_none(), "{:?}", saved.warning);
    assert_eq!(saved.config.schedule, Some(Duration::from_secs(6 * 3600)));
    assert_eq!(saved.config.sweep_age_hours, 48.0);
    assert_eq!(saved.config.delete_mode, DeleteMode::Trash);
    assert!(saved.config.delete_merged_unsaved && saved.config.archive_slims_failed);
    assert_eq!(saved.config.quotas.len(), 1);
    let app = app(&harness)?;
    assert_eq!(app.settings().sweep_hours, 48.0, "Sweep takes the new age");
    assert!(log_text(app).contains("Settings saved to"));
    Ok(())
}

#[test]
fn a_corrupt_settings_file_is_reported_used_as_defaults_and_never_overwritten() -> TestResult {
    let fx = Fixture::without_git()?;
    let corrupt = "keep_on_error = maybe\n";
    let mut harness = open(launch_with_settings(&fx, corrupt)?);
    wait_until_settled(&mut harness)?;
    let app_now = app(&harness)?;
    assert!(
        log_text(app_now).contains("Settings file not used"),
        "{}",
        log_text(app_now)
    );
    assert!(app_now.config().keep_on_error, "the defaults are in use");
    assert!(!app_now.toasts().is_empty(), "a toast says so");
    click(&mut harness, "Settings…")?;
    assert!(
        harness
            .query_all_by_label_contains("fix or remove it to save settings")
            .next()
            .is_some()
    );
    click(&mut harness, "Save")?;
    harness.step();
    assert_eq!(std::fs::read_to_string(settings_file(&fx))?, corrupt);
    Ok(())
}

#[test]
fn quota_bars_show_usage_against_each_quota_and_warn_once() -> TestResult {
    let fx = Fixture::without_git()?;
    let env = demo::ENV_WEBAPP;
    let text = format!("[quotas.{env}]\nlimit = 1000\n");
    let mut harness = open(launch_with_settings(&fx, &text)?);
    wait_until_settled(&mut harness)?;
    step_until(&mut harness, "the quota state", |app| {
        app.quotas().iter().any(|q| q.level == QuotaLevel::Over)
    })?;
    harness.step();
    assert!(
        harness
            .query_all_by_label_contains("of 1 kB quota")
            .next()
            .is_some(),
        "the bar's label is shown"
    );
    let warned = |app: &JanitorApp| {
        app.log()
            .iter()
            .filter(|line| line.text.contains("is over its quota"))
            .count()
    };
    assert_eq!(warned(app(&harness)?), 1);
    // A reload with the same sizes does not warn again.
    click(&mut harness, "Refresh")?;
    wait_until_settled(&mut harness)?;
    assert_eq!(warned(app(&harness)?), 1);
    Ok(())
}

#[test]
fn the_settings_dialog_edits_the_reclaim_settings() -> TestResult {
    let fx = Fixture::without_git()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Settings…")?;
    click(
        &mut harness,
        "Reclaiming the rest of Agents-Runner's footprint",
    )?;
    for _ in 0..3 {
        harness.step();
    }
    assert!(harness.query_by_label("Speech model cache").is_some());
    retype(&mut harness, "7d", "soon")?;
    for _ in 0..3 {
        harness.step();
    }
    assert!(
        harness
            .query_all_by_label_contains("the schedule's age")
            .next()
            .is_some()
    );
    click(&mut harness, "Save")?;
    assert!(!settings_file(&fx).exists(), "an invalid age was saved");
    retype(&mut harness, "soon", "3d")?;
    // Both the schedule and the trim hold "off": the trim is the draft's own test's.
    for _ in 0..3 {
        harness.step();
    }
    click(&mut harness, "Save")?;
    step_until(&mut harness, "the settings to be saved", |app| {
        app.config().reclaim.schedule_age_hours == 72.0
    })?;
    let saved = config::load(&settings_file(&fx));
    assert!(saved.warning.is_none(), "{:?}", saved.warning);
    assert_eq!(saved.config.reclaim.schedule_age_hours, 72.0);
    Ok(())
}
