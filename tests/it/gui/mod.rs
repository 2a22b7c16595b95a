//! The desktop app, driven headless through its AccessKit labels with egui_kittest,
//! on the core's fixture data dir. The worker really reads, sizes and deletes.
#![cfg(feature = "gui")]

mod agents_runner;
mod automation;
mod changes;
mod opening;
mod orphans;
mod reclaim;
mod settings;
mod table;
mod window;
mod work;

use crate::common;

use agents_janitor::config;
use agents_janitor::container::ContainerRuntime;
use agents_janitor::demo::{self, ENV_NOTES, NOTES_DIR};
use agents_janitor::gui::{
    AGENTS_RUNNER_RECHECK, Dialog, JanitorApp, Launch, OrphanRowKind, PERIODIC_REFRESH,
    PickedFolder, Settings, SortKey, WatchMode, confirm_button_label,
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
        // Agents-Runner's home in the fixture: never the user's own.
        runner_home: Some(paths::runner_home(fx.root.path())),
        // Never the machine's own gh (it would reach GitHub): tests that need it set one.
        gh: fx.root.path().join("no-gh").into(),
        // Never the desktop's picker: a test would wait for a person.
        folder_picker: no_folder_picker,
    })
}

/// The real app in a window tall enough that every fixture row is laid out.
fn open(launch: Launch) -> App<'static> {
    open_sized(launch, 1500.0, 2200.0)
}

/// The real app in a window of `width` × `height`, as a user's screen.
fn open_sized(launch: Launch, width: f32, height: f32) -> App<'static> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(width, height))
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

/// Loaded, every workspace sized and every git state known, and the table sorted
/// again with them (rows keep their place while values arrive, so a click aimed
/// from the frame before could land on another row).
fn wait_until_settled(harness: &mut App<'_>) -> TestResult {
    step_until(harness, "the first scan", |app| {
        app.snapshot().is_some()
            && app.scan_progress().is_none()
            && app.running().is_none()
            && app.rows().iter().all(|row| {
                row.workspace_on_disk().is_none() || (row.size.is_some() && row.git.is_some())
            })
    })?;
    for _ in 0..3 {
        harness.step();
    }
    Ok(())
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

/// Which operation [`PausingFilesystem`] holds.
#[derive(Clone, Copy, PartialEq)]
enum Hold {
    /// The first file removal of a delete.
    FirstRemoval,
    /// The first rename (a workspace going into staging).
    FirstRename,
}

/// Deletes for real, but the operation it holds waits, once armed, until the test
/// lets it go.
struct PausingFilesystem {
    hold: Hold,
    armed: AtomicBool,
    paused: Sender<()>,
    release: Receiver<()>,
}

impl PausingFilesystem {
    fn pause_if(&self, hold: Hold) {
        if self.hold == hold && self.armed.swap(false, Ordering::SeqCst) {
            let _ = self.paused.send(());
            // Held until the test says so (or gives up and drops the sender).
            let _ = self.release.recv_timeout(PATIENCE);
        }
    }
}

impl Filesystem for PausingFilesystem {
    fn before(&self, operation: Operation, path: &Path) -> io::Result<()> {
        if operation == Operation::RemoveFile {
            self.pause_if(Hold::FirstRemoval);
        }
        RealFilesystem.before(operation, path)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.pause_if(Hold::FirstRename);
        RealFilesystem.rename(from, to)
    }
}

/// The folder picker of a machine without one.
fn no_folder_picker(_start: Option<PathBuf>) -> PickedFolder {
    PickedFolder::Unavailable("no desktop portal in tests".into())
}

fn confirm_label(app: &JanitorApp) -> Option<String> {
    match app.dialog() {
        Some(Dialog::Confirm { plan, .. }) => Some(confirm_button_label(plan)),
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
