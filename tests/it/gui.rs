//! The desktop app, driven headless through its AccessKit labels with egui_kittest,
//! on the core's fixture data dir. The worker really reads, sizes and deletes.
#![cfg(feature = "gui")]

use crate::common;

use agents_janitor::config;
use agents_janitor::container::ContainerRuntime;
use agents_janitor::demo::{self, ENV_NOTES, NOTES_DIR};
use agents_janitor::gui::{
    AGENTS_RUNNER_RECHECK, Dialog, JanitorApp, Launch, OrphanRowKind, PERIODIC_REFRESH, Settings,
    SortKey, WatchMode, confirm_button_label,
};
use agents_janitor::policy::Action;
use agents_janitor::policy::QuotaLevel;
use agents_janitor::policy::schedule::{Clock, SystemClock};
use agents_janitor::policy::{DeleteMode, Quota};
use agents_janitor::remove::{Filesystem, Operation, RealFilesystem};
use agents_janitor::status::StatusClass;
use agents_janitor::store::{RecordCache, paths, tasks};
use common::agents_runner::FakeProbe;
use common::{Fixture, tree_digest};
use crossbeam_channel::{Receiver, Sender, bounded};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use std::error::Error;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

type TestResult = Result<(), Box<dyn Error>>;
type App<'a> = Harness<'a, Option<JanitorApp>>;

/// Upper bound for waiting on the worker: a guard against hanging, not a timing check.
const PATIENCE: Duration = Duration::from_secs(120);

fn launch(fx: &Fixture, filesystem: Arc<dyn Filesystem>) -> Result<Launch, Box<dyn Error>> {
    let docker = common::fake_docker(fx)?.join("docker");
    Ok(Launch {
        data_dir: Some(fx.data_dir.clone()),
        demo_dir: fx.root.path().join("demo"),
        containers: ContainerRuntime {
            program: docker.into(),
            timeout: Duration::from_secs(10),
        },
        filesystem,
        // A cache in the fixture: reloads after each change read it, and must not go stale.
        record_cache: Some(RecordCache::in_folder(&fx.root.path().join("cache"))),
        settings: Settings::default(),
        // A settings file in the fixture (not there yet: the defaults).
        config: Some(config::load(&fx.root.path().join("config.toml"))),
        clock: Arc::new(SystemClock),
        desktop_notifications: false,
        // Tests that follow the disk turn it on.
        watch: WatchMode::Off,
        // Never the machine's real process table: tests that need Agents-Runner set one.
        agents_runner: Arc::new(FakeProbe::not_running()),
    })
}

/// The real app in a window tall enough that every fixture row is laid out.
fn open(launch: Launch) -> App<'static> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1500.0, 2200.0))
        .build_ui_state(
            |ui, app: &mut Option<JanitorApp>| {
                if let Some(app) = app {
                    app.ui(ui);
                }
            },
            None,
        );
    let ctx = harness.ctx.clone();
    *harness.state_mut() = Some(JanitorApp::new(&ctx, launch));
    harness
}

fn app<'h>(harness: &'h App<'_>) -> Result<&'h JanitorApp, Box<dyn Error>> {
    harness.state().as_ref().ok_or_else(|| "no app".into())
}

/// Runs frames until `done` holds (the worker answers asynchronously).
fn step_until(harness: &mut App<'_>, what: &str, done: impl Fn(&JanitorApp) -> bool) -> TestResult {
    let start = Instant::now();
    loop {
        harness.step();
        if done(app(harness)?) {
            return Ok(());
        }
        if start.elapsed() > PATIENCE {
            let app = app(harness)?;
            let tail = app.log().len().saturating_sub(15);
            let log: Vec<&str> = app.log()[tail..].iter().map(|l| l.text.as_str()).collect();
            return Err(format!(
                "gave up waiting for {what}; the log ends:\n{}",
                log.join("\n")
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Loaded, every workspace sized and every git state known.
fn wait_until_settled(harness: &mut App<'_>) -> TestResult {
    step_until(harness, "the first scan", |app| {
        app.snapshot().is_some()
            && app.scan_progress().is_none()
            && app.running().is_none()
            && app.rows().iter().all(|row| {
                row.workspace_on_disk().is_none() || (row.size.is_some() && row.git.is_some())
            })
    })
}

fn log_text(app: &JanitorApp) -> String {
    app.log()
        .iter()
        .map(|line| line.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn click(harness: &mut App<'_>, label: &str) -> TestResult {
    harness
        .query_by_label(label)
        .ok_or_else(|| format!("nothing labelled {label:?} on screen"))?
        .click();
    harness.step();
    harness.step();
    Ok(())
}

fn confirm_label(app: &JanitorApp) -> Option<String> {
    match app.dialog() {
        Some(Dialog::Confirm { plan }) => Some(confirm_button_label(plan)),
        _ => None,
    }
}

fn wait_for_plan(harness: &mut App<'_>) -> Result<String, Box<dyn Error>> {
    step_until(harness, "the plan", |app| {
        matches!(app.dialog(), Some(Dialog::Confirm { .. }))
    })?;
    // A modal sizes itself over a frame or two before it takes clicks.
    for _ in 0..3 {
        harness.step();
    }
    confirm_label(app(harness)?).ok_or_else(|| "no confirm dialog".into())
}

fn record_status(path: &Path) -> Result<String, Box<dyn Error>> {
    Ok(tasks::read_record(path, true)?.status)
}

fn archived_record(fx: &Fixture, task_id: &str) -> PathBuf {
    paths::archived_tasks_dir(&fx.data_dir).join(format!("{task_id}.toml"))
}

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
fn discard_from_the_table_deletes_the_workspace_and_archives_the_record() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let workspace = fx.workspace(task.env_id, task.id);
    assert!(workspace.is_dir());
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;

    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Discard 1 task");
    click(&mut harness, &label)?;
    step_until(&mut harness, "the discard to finish", |app| {
        app.running().is_none()
            && app.dialog().is_none()
            && log_text(app).contains("discard: 1 done")
    })?;
    step_until(&mut harness, "the reload", |app| {
        app.rows()
            .iter()
            .any(|r| r.task_id == task.id && r.archived && r.class == StatusClass::Discarded)
    })?;

    assert!(!workspace.exists(), "the workspace is still on disk");
    assert_eq!(record_status(&archived_record(&fx, task.id))?, "discarded");
    let app = app(&harness)?;
    assert!(log_text(app).contains("[cleanup]"), "{}", log_text(app));
    assert!(app.bytes_freed_session() > 0);
    Ok(())
}

#[test]
fn cancelling_the_dialog_changes_nothing() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    let before = tree_digest(&fx.data_dir);

    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    wait_for_plan(&mut harness)?;
    click(&mut harness, "Cancel")?;
    assert!(app(&harness)?.dialog().is_none());

    // The keyboard way: Delete opens the same dialog, Escape closes it.
    harness.key_press(egui::Key::Delete);
    wait_for_plan(&mut harness)?;
    harness.key_press(egui::Key::Escape);
    harness.step();
    harness.step();
    let app = app(&harness)?;
    assert!(app.dialog().is_none());
    assert!(app.running().is_none());
    assert_eq!(before, tree_digest(&fx.data_dir), "cancel changed files");
    assert!(log_text(app).contains("cancelled: nothing was changed"));
    Ok(())
}

/// Marks a task record finalized, the way Agents-Runner does after its finalize step.
fn mark_finalized(fx: &Fixture, task_id: &str) -> TestResult {
    let path = paths::active_tasks_dir(&fx.data_dir).join(format!("{task_id}.toml"));
    let mut document: toml_edit::DocumentMut = std::fs::read_to_string(&path)?.parse()?;
    document["finalization_state"] = toml_edit::value("done");
    std::fs::write(&path, document.to_string())?;
    Ok(())
}

#[test]
fn archive_finished_deletes_done_workspaces_and_keeps_failed_ones() -> TestResult {
    let fx = Fixture::new()?;
    let done = common::clean_done_task()?;
    let (failed, error) = ("c91f3d5689", "d0a4e6f8a1");
    mark_finalized(&fx, failed)?;
    mark_finalized(&fx, error)?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;

    click(&mut harness, "Archive finished")?;
    wait_for_plan(&mut harness)?;
    // Enter confirms.
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the archive to finish", |app| {
        app.running().is_none() && app.dialog().is_none() && log_text(app).contains("archive: ")
    })?;

    assert!(!fx.workspace(done.env_id, done.id).exists());
    assert_eq!(record_status(&archived_record(&fx, done.id))?, "done");
    for (id, env) in [(failed, demo::ENV_WEBAPP), (error, demo::ENV_API)] {
        assert!(archived_record(&fx, id).is_file(), "{id} was not archived");
        assert!(
            fx.workspace(env, id).is_dir(),
            "{id}'s workspace was deleted"
        );
    }
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
    click(&mut harness, "Active")?;

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
fn a_mounted_task_is_discarded_without_touching_its_folder() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = demo::TASKS
        .iter()
        .find(|t| t.env_id == ENV_NOTES && t.status == "failed")
        .ok_or("mounted failed task")?;
    let notes = fx.root.path().join(NOTES_DIR);
    let notes = if notes.is_dir() {
        notes
    } else {
        fx.data_dir.join(NOTES_DIR)
    };
    let before = tree_digest(&notes);
    assert!(
        before.len() > 1,
        "the mounted folder {} is empty",
        notes.display()
    );
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;

    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    let label = wait_for_plan(&mut harness)?;
    {
        let Some(Dialog::Confirm { plan }) = app(&harness)?.dialog() else {
            return Err("no plan".into());
        };
        assert_eq!(plan.steps.len(), 1);
        assert!(plan.steps[0].workspace.is_none(), "a delete was offered");
        assert_eq!(plan.bytes_to_free, 0);
    }
    assert!(harness.query_by_label_contains("workspace kept").is_some());
    click(&mut harness, &label)?;
    step_until(&mut harness, "the discard to finish", |app| {
        app.running().is_none() && log_text(app).contains("discard: 1 done")
    })?;
    assert_eq!(record_status(&archived_record(&fx, task.id))?, "discarded");
    assert_eq!(before, tree_digest(&notes), "the mounted folder changed");
    Ok(())
}

/// A folder of the user's bind mounted inside a workspace (same filesystem): the row
/// says so next to its size, the details name it, and Discard's plan lists the task as
/// refused before anything can be confirmed; the log says it too.
#[cfg(target_os = "linux")]
#[test]
fn a_workspace_holding_a_bind_mount_is_marked_and_refused_in_the_plan_dialog() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let workspace = fx.workspace(task.env_id, task.id);
    let notes = fx.root.path().join("notes");
    std::fs::create_dir_all(&notes)?;
    std::fs::write(notes.join("keep"), "keep\n")?;
    let mount_point = workspace.join("mnt");
    std::fs::create_dir_all(&mount_point)?;
    if !common::mounts::bind(&notes, &mount_point)? {
        return Ok(());
    }
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    let before = tree_digest(&fx.data_dir);
    {
        let app = app(&harness)?;
        let row = app
            .rows()
            .iter()
            .find(|r| r.task_id == task.id)
            .ok_or("no row")?;
        assert_eq!(row.mount_points, vec![mount_point.clone()]);
    }
    assert!(harness.query_by_label("+ mount point").is_some());
    click(&mut harness, task.id)?;
    assert!(
        harness
            .query_by_label_contains("a mount point, not counted in the size")
            .is_some(),
        "the details name the mount point"
    );

    click(&mut harness, "Discard")?;
    wait_for_plan(&mut harness)?;
    {
        let Some(Dialog::Confirm { plan }) = app(&harness)?.dialog() else {
            return Err("no plan".into());
        };
        assert!(plan.steps.is_empty(), "{:?}", plan.steps);
        assert_eq!(plan.skipped.len(), 1);
        assert_eq!(plan.skipped[0].mount_point.as_ref(), Some(&mount_point));
    }
    let said = format!(
        "{} is a mount point: unmount it first",
        mount_point.display()
    );
    let reason = format!("{said} (workspace {} left alone)", workspace.display());
    assert!(harness.query_by_label("Left alone (1)").is_some());
    assert!(
        harness
            .query_by_label(&format!("{}: {reason}", task.id))
            .is_some(),
        "the dialog lists the refusal"
    );
    assert!(harness.query_by_label("Nothing to do.").is_some());
    assert!(
        log_text(app(&harness)?).contains(&format!("[cleanup] ERROR: Refused {}: {said}", task.id)),
        "{}",
        log_text(app(&harness)?)
    );
    click(&mut harness, "Cancel")?;
    assert!(before == tree_digest(&fx.data_dir), "something changed");
    assert_eq!(std::fs::read_to_string(notes.join("keep"))?, "keep\n");
    Ok(())
}

/// Deletes for real, but the first file removal waits until the test lets it go.
struct PausingFilesystem {
    armed: AtomicBool,
    paused: Sender<()>,
    release: Receiver<()>,
}

impl Filesystem for PausingFilesystem {
    fn before(&self, operation: Operation, path: &Path) -> io::Result<()> {
        if operation == Operation::RemoveFile && self.armed.swap(false, Ordering::SeqCst) {
            let _ = self.paused.send(());
            // Held until the test says so (or gives up and drops the sender).
            let _ = self.release.recv_timeout(PATIENCE);
        }
        RealFilesystem.before(operation, path)
    }
}

#[test]
fn frames_keep_coming_while_the_worker_is_held_mid_delete_and_cancel_stops_it() -> TestResult {
    let fx = Fixture::without_git()?;
    let (paused_tx, paused_rx) = bounded(1);
    let (release_tx, release_rx) = bounded(1);
    let filesystem = Arc::new(PausingFilesystem {
        armed: AtomicBool::new(false),
        paused: paused_tx,
        release: release_rx,
    });
    let mut harness = open(launch(&fx, filesystem.clone())?);
    wait_until_settled(&mut harness)?;
    let finished: Vec<&str> = ["a13f5c7e01", "b46a8f0134", "b57b901245"].to_vec();

    filesystem.armed.store(true, Ordering::SeqCst);
    harness
        .state_mut()
        .as_mut()
        .ok_or("no app")?
        .request_plan(Action::Discard {
            task_ids: finished.iter().map(|s| s.to_string()).collect(),
            force: false,
        });
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Discard 3 tasks");
    click(&mut harness, &label)?;
    step_until(&mut harness, "the worker to reach the first delete", |_| {
        paused_rx.try_recv().is_ok()
    })?;

    // The worker is stuck inside a delete; the window still draws frame after frame.
    for _ in 0..30 {
        harness.step();
    }
    assert!(app(&harness)?.running().is_some());
    assert!(
        harness.query_by_role(Role::ProgressIndicator).is_some(),
        "no progress bar"
    );
    click(&mut harness, "Cancel")?;
    release_tx.send(())?;
    step_until(&mut harness, "the cancelled discard to end", |app| {
        app.running().is_none() && log_text(app).contains("(cancelled)")
    })?;
    let app = app(&harness)?;
    assert!(log_text(app).contains("cancelling"), "{}", log_text(app));
    // Every record is intact and parses; nothing is half-written.
    for task in &finished {
        let active = paths::active_tasks_dir(&fx.data_dir).join(format!("{task}.toml"));
        let record = if active.exists() {
            active
        } else {
            archived_record(&fx, task)
        };
        tasks::read_record(&record, true)?;
    }
    Ok(())
}

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
fn a_lock_held_by_another_janitor_is_a_message_not_a_change() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;
    let before = tree_digest(&fx.data_dir.join("managed-repos"));
    let _held = agents_janitor::lock::DataDirLock::acquire(&fx.data_dir.canonicalize()?, "a test")?;

    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    let label = wait_for_plan(&mut harness)?;
    click(&mut harness, &label)?;
    step_until(&mut harness, "the refusal", |app| {
        matches!(app.dialog(), Some(Dialog::Error { .. })) && app.running().is_none()
    })?;
    harness.step();
    assert!(harness.query_by_label("Nothing was changed").is_some());
    assert!(
        log_text(app(&harness)?).contains("a test"),
        "the holder is not named"
    );
    click(&mut harness, "Close")?;
    assert!(app(&harness)?.dialog().is_none());
    assert!(fx.workspace(task.env_id, task.id).is_dir());
    assert_eq!(before, tree_digest(&fx.data_dir.join("managed-repos")));
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

/// A clock the test moves by hand: the schedule and the periodic refresh follow it.
struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(SystemTime::now())))
    }

    fn advance(&self, by: Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        self.0
            .lock()
            .map(|now| *now)
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

fn settings_file(fx: &Fixture) -> PathBuf {
    fx.root.path().join("config.toml")
}

/// A launch whose settings file holds `text`.
fn launch_with_settings(fx: &Fixture, text: &str) -> Result<Launch, Box<dyn Error>> {
    std::fs::write(settings_file(fx), text)?;
    launch(fx, Arc::new(RealFilesystem))
}

/// Replaces what the dialog's text field holding `holding` holds with `text`, as the
/// user would: focus it, select all, type.
fn retype(harness: &mut App<'_>, holding: &str, text: &str) -> TestResult {
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
    // The dialog grows by the error lines and centres itself again.
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
fn the_orphans_tab_lists_orphans_and_legacy_checkouts_and_deletes_after_confirming() -> TestResult {
    let fx = Fixture::without_git()?;
    // The demo has one orphan (five days old), a backup Agents-Runner moved aside (six
    // days old) and a legacy checkout.
    let orphan = fx.workspace(demo::ENV_WEBAPP, demo::ORPHAN_FOLDER);
    let backup = orphan.with_file_name(demo::BACKUP_FOLDER);
    let backup_before = tree_digest(&backup);
    let legacy = paths::managed_repos_dir(&fx.data_dir).join(demo::ENV_API);
    let legacy_before = tree_digest(&legacy.join(".git"));
    let mut harness = open(launch(&fx, Arc::new(RealFilesystem))?);
    wait_until_settled(&mut harness)?;

    click(&mut harness, "Orphans (2)")?;
    assert!(harness.query_by_label(demo::ORPHAN_FOLDER).is_some());
    assert!(harness.query_by_label(demo::BACKUP_FOLDER).is_some());
    assert!(
        harness.query_by_label("orphan").is_some(),
        "the Kind column"
    );
    assert!(
        harness.query_by_label("backup of a13f5c7e01").is_some(),
        "a backup names its task"
    );
    assert!(
        harness
            .query_by_label(&legacy.display().to_string())
            .is_some(),
        "the legacy checkout is listed"
    );
    // "All orphans" never takes the backup: it goes only when ticked.
    click(&mut harness, "Delete all orphans…")?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Delete 1 folder");
    click(&mut harness, &label)?;
    step_until(&mut harness, "the orphan to go", |app| {
        app.running().is_none()
            && app
                .orphans()
                .iter()
                .all(|o| o.kind != OrphanRowKind::Orphan)
    })?;
    assert!(!orphan.exists());
    assert_eq!(tree_digest(&backup), backup_before);
    assert!(legacy.join("README.md").exists());
    assert_eq!(legacy_before, tree_digest(&legacy.join(".git")));
    assert!(harness.query_by_label("Orphans (1)").is_some());
    // The legacy checkout keeps its size across the reload that followed.
    let checkout = app(&harness)?
        .orphans()
        .iter()
        .find(|o| o.kind == OrphanRowKind::LegacyCheckout)
        .ok_or("legacy row")?;
    assert!(checkout.size.is_some_and(|bytes| bytes > 0));

    // Ticked, the backup goes through the same plan and confirmation.
    let boxes: Vec<_> = harness.query_all_by_role(Role::CheckBox).collect();
    let [tick] = boxes.as_slice() else {
        return Err(format!("{} checkboxes, want the backup's only", boxes.len()).into());
    };
    tick.click();
    harness.step();
    harness.step();
    click(&mut harness, "Delete 1 selected folder…")?;
    let label = wait_for_plan(&mut harness)?;
    assert_eq!(label, "Delete 1 folder");
    let Some(Dialog::Confirm { plan }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    assert!(
        plan.steps[0]
            .reason
            .starts_with("backup of task a13f5c7e01 moved aside by Agents-Runner"),
        "the plan says what the folder is: {plan:?}"
    );
    click(&mut harness, &label)?;
    step_until(&mut harness, "the backup to go", |app| {
        app.running().is_none()
            && app
                .orphans()
                .iter()
                .all(|o| o.kind == OrphanRowKind::LegacyCheckout)
    })?;
    assert!(!backup.exists());
    assert!(harness.query_by_label("Orphans (0)").is_some());
    assert!(legacy.join("README.md").exists());
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

#[test]
fn restore_moves_an_archived_record_back() -> TestResult {
    let fx = Fixture::without_git()?;
    let archived = demo::TASKS
        .iter()
        .find(|t| t.archived)
        .ok_or("an archived demo task")?;
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    launch.settings.show_archived = true;
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    click(&mut harness, archived.id)?;
    // The details pane lays out again once the task's log arrives.
    step_until(&mut harness, "the task log", |app| app.task_log().is_some())?;
    harness.step();
    click(&mut harness, "Restore")?;
    let active = fx
        .data_dir
        .join("tasks")
        .join(format!("{}.toml", archived.id));
    step_until(&mut harness, "the restore", |app| {
        app.rows()
            .iter()
            .any(|r| r.task_id == archived.id && !r.archived)
    })?;
    assert!(active.is_file());
    assert!(!archived_record(&fx, archived.id).exists());
    assert!(log_text(app(&harness)?).contains("Restored task"));
    Ok(())
}

#[test]
fn in_trash_mode_the_confirm_dialog_says_where_the_space_goes() -> TestResult {
    let fx = Fixture::without_git()?;
    let task = common::clean_done_task()?;
    let mut harness = open(launch_with_settings(&fx, "delete_mode = \"trash\"\n")?);
    wait_until_settled(&mut harness)?;
    click(&mut harness, task.id)?;
    click(&mut harness, "Discard")?;
    wait_for_plan(&mut harness)?;
    assert!(
        harness
            .query_by_label_contains("freed only when the trash is emptied")
            .is_some()
    );
    let Some(Dialog::Confirm { plan }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    assert_eq!(plan.delete_mode, DeleteMode::Trash);
    click(&mut harness, "Cancel")?;
    Ok(())
}

#[test]
fn enforce_quotas_deletes_the_oldest_finished_workspaces_after_confirming() -> TestResult {
    let fx = Fixture::new()?;
    let env = demo::ENV_WEBAPP;
    let quota = Quota {
        limit_bytes: 1,
        warn_percent: 80,
        auto_clean: false,
    };
    let mut launch = launch(&fx, Arc::new(RealFilesystem))?;
    if let Some(loaded) = &mut launch.config {
        loaded.config.quotas.insert(env.into(), quota);
    }
    let mut harness = open(launch);
    wait_until_settled(&mut harness)?;
    click(&mut harness, "Enforce quotas")?;
    let label = wait_for_plan(&mut harness)?;
    assert!(label.starts_with("Delete "), "{label}");
    let Some(Dialog::Confirm { plan }) = app(&harness)?.dialog() else {
        return Err("no confirm dialog".into());
    };
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("stays over its quota"))
    );
    let doomed = plan.workspace_paths();
    assert!(!doomed.is_empty());
    click(&mut harness, &label)?;
    step_until(&mut harness, "the quota cleanup", |app| {
        app.running().is_none() && log_text(app).contains("enforce quotas:")
    })?;
    assert!(doomed.iter().all(|path| !path.exists()));
    Ok(())
}

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
