//! Tests of the app's parts on their own: selection by click, Shift and Ctrl; the log's
//! limit; the dialog moves; the schedule's timing.

use super::data_folder::DataFolder;
use super::dialog::{Dialog, Dialogs, PlanShown};
use super::log::Log;
use super::selection::Selection;
use super::table::Table;
use crate::executor::Level;
use crate::gui::automation::Automation;
use crate::gui::model::{Settings, SortKey};
use crate::policy::schedule::Clock;
use crate::policy::{Action, Plan, Skipped};
use crate::store::Snapshot;
use std::collections::HashMap;
use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

type TestResult = Result<(), Box<dyn Error>>;

/// A data folder with the cloned environment `env-1` and a finished task record of it
/// at each `(file, task id)` (files relative to the folder).
fn env_1_with_records(records: &[(String, String)]) -> Result<tempfile::TempDir, Box<dyn Error>> {
    let data = tempfile::tempdir()?;
    let dir = data.path();
    std::fs::write(
        dir.join("environments.json"),
        r#"{"environments": [{"env_id": "env-1", "workspace_type": "cloned"}]}"#,
    )?;
    std::fs::create_dir_all(crate::store::paths::archived_tasks_dir(dir))?;
    for (file, id) in records {
        std::fs::write(
            dir.join(file),
            format!("task_id = \"{id}\"\nenvironment_id = \"env-1\"\nstatus = \"done\"\n"),
        )?;
    }
    Ok(data)
}

/// A table of tasks `t1`..`t5` in id order, with no workspace on disk.
fn table() -> Result<(Table, tempfile::TempDir), Box<dyn Error>> {
    let records: Vec<(String, String)> = (1..=5)
        .map(|n| (format!("tasks/t{n}.toml"), format!("t{n}")))
        .collect();
    let data = env_1_with_records(&records)?;
    let dir = data.path();
    let mut folder = DataFolder::default();
    folder.loaded(Arc::new(Snapshot::load(dir)?));
    let mut table = Table::default();
    table.rebuild(&folder);
    let settings = Settings {
        sort: SortKey::Task,
        descending: false,
        ..Settings::default()
    };
    table.recompute(&folder, &settings, false);
    Ok((table, data))
}

fn selected(selection: &Selection) -> Vec<String> {
    selection.selected_sorted()
}

#[test]
fn click_selects_one_shift_extends_from_the_anchor_and_ctrl_toggles() -> TestResult {
    let (table, _data) = table()?;
    let mut selection = Selection::default();
    assert_eq!(
        selection.click(&table, 1, false, false).as_deref(),
        Some("t2")
    );
    assert_eq!(selected(&selection), ["t2"]);
    // Shift: from the anchor (t2) to t4, whichever way round.
    assert_eq!(
        selection.click(&table, 3, false, true).as_deref(),
        Some("t4")
    );
    assert_eq!(selected(&selection), ["t2", "t3", "t4"]);
    selection.click(&table, 0, false, true);
    assert_eq!(selected(&selection), ["t1", "t2"]);
    // Ctrl toggles one row and moves the anchor; Ctrl+Shift adds a range.
    selection.click(&table, 4, true, false);
    assert_eq!(selected(&selection), ["t1", "t2", "t5"]);
    selection.click(&table, 1, true, false);
    assert_eq!(selected(&selection), ["t1", "t5"]);
    selection.click(&table, 2, true, true);
    assert_eq!(selected(&selection), ["t1", "t2", "t3", "t5"]);
    // A position past the table changes nothing.
    assert_eq!(selection.click(&table, 9, false, false), None);
    assert_eq!(selected(&selection), ["t1", "t2", "t3", "t5"]);
    selection.select_all(table.visible_ids());
    assert_eq!(selected(&selection), ["t1", "t2", "t3", "t4", "t5"]);
    Ok(())
}

#[test]
fn focus_clears_the_old_log_and_a_reload_forgets_tasks_that_are_gone() -> TestResult {
    let (table, _data) = table()?;
    let mut selection = Selection::default();
    assert!(selection.focus("t3".into()));
    assert!(
        !selection.focus("t3".into()),
        "the same task again is no change"
    );
    selection.set_task_log(super::TaskLog {
        record: "t3.toml".into(),
        lines: Ok(vec!["line".into()]),
    });
    assert!(selection.focus("t4".into()));
    assert!(selection.task_log().is_none());
    selection.select_all(table.visible_ids());
    let known = ["t1", "t2"].into_iter().collect();
    selection.keep_known(&known);
    assert_eq!(selected(&selection), ["t1", "t2"]);
    assert_eq!(selection.focused(), None);
    Ok(())
}

#[test]
fn a_full_log_drops_its_oldest_tenth() {
    let mut log = Log::new(false);
    for n in 0..5_000 {
        log.push(Level::Info, format!("line {n}"));
    }
    assert_eq!(log.lines().len(), 5_000);
    log.push(Level::Warn, "one more".into());
    assert_eq!(log.lines().len(), 4_501);
    assert_eq!(log.lines()[0].text, "line 500");
    assert_eq!(log.lines()[4_500].text, "one more");
}

fn empty_plan() -> Plan {
    Plan {
        action: Action::Discard {
            task_ids: Vec::new(),
            force: false,
        },
        steps: Vec::new(),
        skipped: Vec::new(),
        warnings: Vec::new(),
        bytes_to_free: 0,
        delete_mode: crate::policy::DeleteMode::Delete,
    }
}

/// A plan that does nothing but says why it leaves a task alone.
fn plan_leaving_one_alone() -> Plan {
    Plan {
        skipped: vec![Skipped {
            task_id: "t1".into(),
            reason: "may still be running".into(),
            refused: true,
            held_by_agents_runner: false,
            mount_point: None,
            force_includes: true,
        }],
        ..empty_plan()
    }
}

#[test]
fn a_plan_is_shown_only_while_the_user_still_waits_for_it() {
    let mut dialogs = Dialogs::default();
    // Nobody asked (or the user cancelled): the plan and the failure are dropped.
    assert_eq!(
        dialogs.plan_ready(plan_leaving_one_alone(), |_| HashMap::new()),
        PlanShown::Dropped
    );
    dialogs.plan_failed("no".into());
    assert!(!dialogs.is_open());
    dialogs.planning("Discard 1 task".into(), None);
    assert_eq!(
        dialogs.plan_ready(plan_leaving_one_alone(), |_| HashMap::new()),
        PlanShown::Shown
    );
    assert!(matches!(dialogs.current(), Some(Dialog::Confirm { .. })));
    assert!(dialogs.take_plan().is_some());
    assert!(!dialogs.is_open());
    // A plan with nothing to do and nothing left alone is not asked about.
    dialogs.planning("Discard 1 task".into(), None);
    assert_eq!(
        dialogs.plan_ready(empty_plan(), |_| HashMap::new()),
        PlanShown::NothingToDo("Discard 1 task".into())
    );
    assert!(!dialogs.is_open());
    dialogs.planning("Discard 1 task".into(), None);
    dialogs.plan_failed("locked".into());
    assert!(
        matches!(dialogs.current(), Some(Dialog::Error { message, .. }) if message == "locked")
    );
    // Taking a plan closes any dialog, a plan or not.
    assert!(dialogs.take_plan().is_none());
    assert!(!dialogs.is_open());
}

/// The schedule is given `now` by its caller; the clock only starts it.
struct FixedClock(SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

#[test]
fn the_schedule_is_due_one_interval_after_it_starts_and_after_each_run() {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    let clock = Arc::new(FixedClock(start));
    let mut automation = Automation::new(clock);
    let hour = Duration::from_secs(3600);
    assert_eq!(automation.schedule_wait(start, hour), Some(hour));
    let later = start + Duration::from_secs(1800);
    assert_eq!(
        automation.schedule_wait(later, hour),
        Some(Duration::from_secs(1800))
    );
    assert_eq!(automation.schedule_wait(start + hour, hour), None);
    automation.scheduled_run_started(start + hour);
    assert_eq!(automation.schedule_wait(start + hour, hour), Some(hour));
}

#[test]
fn progress_goes_by_bytes_when_known_and_says_the_time_left_at_the_pace_so_far() {
    use super::Running;
    use crate::executor::Progress;
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
    let running = |bytes_total: u64, bytes_freed: u64, steps_done: usize| {
        let mut running = Running::new("discard", start);
        running.bytes_total = bytes_total;
        running.progress = Progress {
            steps_done,
            steps_total: 3,
            bytes_freed,
            ..Progress::default()
        };
        running
    };
    // (bytes total, freed, steps done, seconds in) -> (fraction, seconds left)
    type Case = ((u64, u64, usize, u64), (f32, Option<u64>));
    let table: [Case; 5] = [
        // All steps staged, a few bytes freed: the bar is at the bytes, not at 3/3.
        ((2_480, 148, 3, 10), (148.0 / 2_480.0, Some(157))),
        ((1_000, 500, 1, 30), (0.5, Some(30))),
        // No pace yet: nothing freed, or under a second in.
        ((1_000, 0, 0, 30), (0.0, None)),
        ((1_000, 500, 1, 0), (0.5, None)),
        // Trash mode frees nothing: by steps, without a time.
        ((0, 0, 2, 30), (2.0 / 3.0, None)),
    ];
    for ((total, freed, steps, seconds), (fraction, left)) in table {
        let running = running(total, freed, steps);
        assert!(
            (running.fraction() - fraction).abs() < 1e-6,
            "{total} {freed}"
        );
        let now = start + Duration::from_secs(seconds);
        assert_eq!(
            running.time_left(now).map(|d| d.as_secs()),
            left,
            "{total} {freed} {seconds}"
        );
    }
}

/// A folder just opened: the first look (active records only) is shown at once, with
/// no orphan and nothing sized yet; the whole snapshot brings the archived rows, the
/// orphans and the sizing. On a refresh, a first look changes nothing shown.
#[test]
fn the_first_look_shows_the_active_rows_and_sizing_waits_for_the_whole_snapshot() -> TestResult {
    use crate::store::paths;
    use crate::worker::Event;
    let data = env_1_with_records(&[
        ("tasks/t1.toml".into(), "t1".into()),
        ("tasks/done/t2.toml".into(), "t2".into()),
    ])?;
    let dir = data.path();
    for task in ["t1", "t2", "lost"] {
        std::fs::create_dir_all(paths::task_workspace_path(dir, "env-1", task))?;
    }
    let mut looks = Vec::new();
    let whole = Arc::new(Snapshot::load_active_first(dir, None, |first| {
        looks.push(Arc::new(first.clone()));
    })?);
    let first = looks.pop().ok_or("no first look")?;

    // No data folder: no worker whose own events could interleave with these.
    let mut launch = super::Launch::new(
        None,
        dir.join("demo"),
        Settings {
            show_archived: true,
            ..Settings::default()
        },
    );
    launch.record_cache = None;
    launch.desktop_notifications = false;
    let mut app = super::JanitorApp::new(&egui::Context::default(), launch);
    // What the next frame does before it draws.
    let apply = |app: &mut super::JanitorApp, snapshot: Arc<Snapshot>| {
        app.apply(Event::Loaded(snapshot));
        app.table.recompute(&app.data, &app.settings, false);
    };
    let ids = |app: &super::JanitorApp| -> Vec<String> {
        let mut ids: Vec<String> = app.rows().iter().map(|r| r.task_id.clone()).collect();
        ids.sort();
        ids
    };
    apply(&mut app, first.clone());
    assert_eq!(ids(&app), ["t1"]);
    assert!(app.archived_records_pending());
    assert!(app.orphans().is_empty(), "t2's folder is no orphan");
    assert_eq!(
        app.scan_progress(),
        None,
        "sizing waits for the whole snapshot"
    );

    apply(&mut app, whole);
    assert_eq!(ids(&app), ["t1", "t2"]);
    assert!(!app.archived_records_pending());
    let orphans: Vec<&str> = app.orphans().iter().map(|o| o.name.as_str()).collect();
    assert_eq!(orphans, ["lost"]);
    assert_eq!(app.scan_progress(), Some((0, 3)));

    apply(&mut app, first);
    assert_eq!(ids(&app), ["t1", "t2"], "a refresh keeps the rows shown");
    assert!(!app.archived_records_pending());
    Ok(())
}
