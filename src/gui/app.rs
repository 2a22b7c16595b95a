//! The window's state and its reactions to the worker. Drawing lives in the sibling
//! modules; this file decides what happens. Nothing here touches the disk: every
//! read and change goes through the core's [`Worker`] (or, for the demo writer and
//! the folder picker, a one-off thread), so a frame never waits.

use super::agents_runner_watch::AgentsRunnerWatch;
use super::live_refresh::{LiveRefresh, WatchMode};
use super::model::{self, EnvSummary, OrphanRowKind, Row, Settings};
use super::toasts::Toasts;
use crate::agents_runner::{LiveProbe, Probe};
use crate::config::{Config, LoadedConfig};
use crate::container::ContainerRuntime;
use crate::executor::{Level, LogLine, Progress, Report};
use crate::git::GitStatus;
use crate::policy::schedule::{Clock, SystemClock};
use crate::policy::{Action, Plan};
use crate::policy::{QuotaLevel, QuotaState};
use crate::remove::{Filesystem, RealFilesystem};
use crate::scan::Usage;
use crate::store::{self, Problem, RecordCache, Snapshot, paths};
use crate::text;
use crate::worker::{Command, Event, Worker, WorkerSetup};
use crossbeam_channel::{Receiver, bounded};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// Log lines kept in the bottom panel; older ones scroll away.
const LOG_LIMIT: usize = 5_000;
/// Lines of a task's own log shown in the details pane.
const TASK_LOG_TAIL: usize = 40;

/// How the window is started.
pub struct Launch {
    /// The data directory to open; `None` shows the welcome screen.
    pub data_dir: Option<PathBuf>,
    /// Where "Create demo data" writes.
    pub demo_dir: PathBuf,
    pub containers: ContainerRuntime,
    /// What deletes go through (tests pass one that pauses).
    pub filesystem: Arc<dyn Filesystem>,
    /// Parsed task records kept between runs (`None`: parse every file each load).
    pub record_cache: Option<RecordCache>,
    pub settings: Settings,
    /// The janitor's settings file as loaded (`None`: no home folder, so the defaults
    /// are used and nothing can be saved).
    pub config: Option<LoadedConfig>,
    /// Where "now" comes from for the schedule and toasts (tests move it by hand).
    pub clock: Arc<dyn Clock>,
    /// Desktop notifications through the session bus (tests turn them off).
    pub desktop_notifications: bool,
    /// Watch the data folder for Agents-Runner's changes.
    pub watch: WatchMode,
    /// Whether Agents-Runner runs on the data folder (tests pass a fake).
    pub agents_runner: Arc<dyn Probe>,
}

impl Launch {
    pub fn new(data_dir: Option<PathBuf>, demo_dir: PathBuf, settings: Settings) -> Self {
        Self {
            data_dir,
            demo_dir,
            containers: ContainerRuntime::default(),
            filesystem: Arc::new(RealFilesystem),
            record_cache: RecordCache::for_user(),
            settings,
            config: None,
            clock: Arc::new(SystemClock),
            desktop_notifications: true,
            watch: WatchMode::default(),
            agents_runner: Arc::new(LiveProbe),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Tasks,
    Usage,
    Orphans,
    Problems,
}

/// A modal dialog.
pub enum Dialog {
    /// Waiting for the worker's plan.
    Planning {
        title: String,
    },
    /// The plan, waiting for the user's yes or no.
    Confirm {
        plan: Plan,
    },
    /// A typed path (the folder picker may be unavailable).
    OpenFolder {
        typed: String,
    },
    Error {
        title: String,
        message: String,
    },
    Settings {
        draft: Box<super::dialogs::SettingsDraft>,
    },
}

/// A change in progress.
pub struct Running {
    pub verb: &'static str,
    pub progress: Progress,
}

/// Why no data directory is shown.
pub enum Welcome {
    /// First run: nothing at the default location.
    NoData { looked_at: Option<PathBuf> },
    /// The chosen folder could not be opened.
    Failed { path: PathBuf, message: String },
}

pub struct JanitorApp {
    pub settings: Settings,
    pub tab: Tab,
    pub dialog: Option<Dialog>,
    pub welcome: Option<Welcome>,
    pub log: Vec<LogLine>,
    pub running: Option<Running>,
    /// Workspaces sized so far in the current scan, and how many it covers.
    pub scan_progress: Option<(usize, usize)>,
    pub bytes_freed_session: u64,
    pub snapshot: Option<Arc<Snapshot>>,
    pub rows: Vec<Row>,
    /// Row indexes in table order (filtered and sorted once per change, not per frame).
    pub visible: Vec<usize>,
    pub environments: Vec<EnvSummary>,
    pub largest: Vec<usize>,
    pub problems: Vec<Problem>,
    /// Selected task ids (stable across reloads).
    pub selected: HashSet<String>,
    /// The task the details pane shows (the last one clicked).
    pub focused: Option<String>,
    /// The task Shift-click extends a range from.
    pub anchor: Option<String>,
    pub task_log: Option<(PathBuf, Result<Vec<String>, String>)>,
    pub demo_dir: PathBuf,
    /// Set when rows should scroll to the focused task (a click in the Usage view).
    pub scroll_to_focused: bool,
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub config_warning: Option<String>,
    pub toasts: Toasts,
    /// Each quota's state, recomputed with the sizes.
    pub quotas: Vec<QuotaState>,
    /// Folders without a task record, and legacy checkouts.
    pub orphans: Vec<super::model::OrphanRow>,
    /// Orphan folders ticked in the Orphans view.
    pub orphans_selected: HashSet<PathBuf>,
    pub(super) quota_warned: HashMap<String, QuotaLevel>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) desktop_notifications: bool,
    /// The schedule counts from here until the first scheduled run.
    pub(super) schedule_started: SystemTime,
    pub(super) last_scheduled_run: Option<SystemTime>,
    pub(super) live: LiveRefresh,
    pub(super) agents_runner_watch: AgentsRunnerWatch,
    pub(super) usage: HashMap<PathBuf, Usage>,
    git: HashMap<PathBuf, GitStatus>,
    row_by_workspace: HashMap<PathBuf, usize>,
    worker: Option<Worker>,
    containers: ContainerRuntime,
    filesystem: Arc<dyn Filesystem>,
    record_cache: Option<RecordCache>,
    pub(super) ctx: egui::Context,
    rescan_on_load: bool,
    /// Filters or data changed: `visible` and the summaries must be recomputed.
    dirty: bool,
    background: Option<Receiver<Background>>,
    /// The settings being written by a one-off thread: what was saved, or why not.
    settings_save: Option<Receiver<Result<Config, String>>>,
}

/// Answers of the one-off threads (demo writer, folder picker).
enum Background {
    DemoWritten(Result<PathBuf, String>),
    FolderPicked(Option<PathBuf>),
}

impl JanitorApp {
    pub fn new(ctx: &egui::Context, launch: Launch) -> Self {
        let now = launch.clock.now();
        let mut settings = launch.settings;
        let (config, config_path, config_warning, unknown_keys) = match launch.config {
            Some(loaded) => (
                loaded.config,
                Some(loaded.path),
                loaded.warning.map(|w| w.to_string()),
                loaded.unknown_keys,
            ),
            None => (Config::default(), None, None, Vec::new()),
        };
        settings.sweep_hours = config.sweep_age_hours;
        let mut app = Self {
            settings,
            tab: Tab::Tasks,
            dialog: None,
            welcome: None,
            log: Vec::new(),
            running: None,
            scan_progress: None,
            bytes_freed_session: 0,
            snapshot: None,
            rows: Vec::new(),
            visible: Vec::new(),
            environments: Vec::new(),
            largest: Vec::new(),
            problems: Vec::new(),
            selected: HashSet::new(),
            focused: None,
            anchor: None,
            task_log: None,
            demo_dir: launch.demo_dir,
            scroll_to_focused: false,
            config,
            config_path,
            config_warning,
            toasts: Toasts::default(),
            quotas: Vec::new(),
            orphans: Vec::new(),
            orphans_selected: HashSet::new(),
            quota_warned: HashMap::new(),
            clock: launch.clock,
            desktop_notifications: launch.desktop_notifications,
            schedule_started: now,
            last_scheduled_run: None,
            live: LiveRefresh::new(launch.watch),
            agents_runner_watch: AgentsRunnerWatch::new(launch.agents_runner),
            usage: HashMap::new(),
            git: HashMap::new(),
            row_by_workspace: HashMap::new(),
            worker: None,
            containers: launch.containers,
            filesystem: launch.filesystem,
            record_cache: launch.record_cache,
            ctx: ctx.clone(),
            rescan_on_load: false,
            dirty: true,
            background: None,
            settings_save: None,
        };
        if let Some(warning) = app.config_warning.clone() {
            app.notify(
                Level::Warn,
                format!("Settings file not used: {warning}; the defaults are in use and the file is left unchanged"),
            );
        }
        if !unknown_keys.is_empty() {
            let shown = app
                .config_path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            app.push_log(
                Level::Warn,
                format!(
                    "{shown}: unknown settings ignored: {}",
                    unknown_keys.join(", ")
                ),
            );
        }
        match launch.data_dir {
            Some(dir) if dir.exists() => app.open_data_dir(dir),
            looked_at => app.welcome = Some(Welcome::NoData { looked_at }),
        }
        app
    }

    /// Starts a worker on `dir` and loads it. Refused while a change is running.
    pub fn open_data_dir(&mut self, dir: PathBuf) {
        if self.running.is_some() {
            self.push_log(Level::Warn, "wait for the running change to finish (or cancel it) before opening another folder".into());
            return;
        }
        let ctx = self.ctx.clone();
        // Dropping the old worker stops and joins it; it is idle (nothing is running).
        self.worker = Some(Worker::spawn_with(
            dir.clone(),
            WorkerSetup {
                containers: self.containers.clone(),
                filesystem: self.filesystem.clone(),
                record_cache: self.record_cache.clone(),
                agents_runner: self.agents_runner_watch.probe.clone(),
            },
            Arc::new(move || ctx.request_repaint()),
        ));
        self.settings.data_dir = Some(dir.clone());
        self.welcome = None;
        self.snapshot = None;
        self.rows.clear();
        self.usage.clear();
        self.git.clear();
        self.selected.clear();
        self.focused = None;
        self.task_log = None;
        self.dirty = true;
        self.push_log(Level::Info, format!("opening {}", dir.display()));
        self.restart_schedule();
        self.restart_agents_runner_watch();
        self.start_watching(dir);
        self.send(Command::Load);
    }

    pub fn data_dir(&self) -> Option<&Path> {
        self.snapshot
            .as_ref()
            .map(|s| s.data_dir.as_path())
            .or(self.settings.data_dir.as_deref())
    }

    pub fn has_data(&self) -> bool {
        self.worker.is_some() && self.welcome.is_none()
    }

    pub(super) fn send(&mut self, command: Command) {
        let sent = self.worker.as_ref().is_some_and(|w| w.send(command));
        if !sent {
            self.push_log(
                Level::Error,
                "the worker thread has stopped; reopen the data folder".into(),
            );
        }
    }

    pub fn push_log(&mut self, level: Level, text: String) {
        if self.log.len() >= LOG_LIMIT {
            self.log.drain(..LOG_LIMIT / 10);
        }
        self.log.push(LogLine { level, text });
    }

    /// Reloads the data directory and sizes every workspace again (F5).
    pub fn refresh(&mut self) {
        if self.worker.is_none() || self.running.is_some() {
            return;
        }
        self.rescan_on_load = true;
        self.git.clear();
        self.send(Command::Load);
    }

    /// Applies everything the worker and the helper threads said since the last frame.
    pub fn poll(&mut self) {
        let events: Vec<Event> = self
            .worker
            .as_ref()
            .map(|w| w.events().try_iter().collect())
            .unwrap_or_default();
        for event in events {
            self.apply(event);
        }
        let answers: Vec<Background> = self
            .background
            .as_ref()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default();
        for answer in answers {
            self.background = None;
            match answer {
                Background::DemoWritten(Ok(dir)) => {
                    self.push_log(Level::Info, format!("demo data ready in {}", dir.display()));
                    self.open_data_dir(dir);
                }
                Background::DemoWritten(Err(message)) => {
                    self.push_log(Level::Error, format!("cannot create demo data: {message}"));
                    self.dialog = Some(Dialog::Error {
                        title: "Cannot create demo data".into(),
                        message,
                    });
                }
                Background::FolderPicked(Some(dir)) => self.open_data_dir(dir),
                Background::FolderPicked(None) => {}
            }
        }
        let saved = self
            .settings_save
            .as_ref()
            .and_then(|rx| rx.try_recv().ok());
        if let Some(saved) = saved {
            self.settings_save = None;
            self.settings_saved(saved);
        }
        if self.dirty {
            self.recompute();
        }
        self.run_schedule();
        self.poll_live_refresh();
        self.poll_agents_runner();
        if let Some(wait) = self.toasts.expire(self.clock.now()) {
            self.ctx.request_repaint_after(wait);
        }
    }

    fn apply(&mut self, event: Event) {
        match event {
            Event::Log(line) => self.push_log(line.level, line.text),
            Event::Loaded(snapshot) => self.loaded(snapshot),
            Event::LoadFailed(message) => {
                self.push_log(
                    Level::Error,
                    format!("cannot open the data folder: {message}"),
                );
                let path = self.settings.data_dir.clone().unwrap_or_default();
                self.worker = None;
                self.start_watching_nothing();
                self.snapshot = None;
                self.rows.clear();
                self.dirty = true;
                self.welcome = Some(Welcome::Failed { path, message });
            }
            Event::Scanned { path, usage } => {
                if let Some((done, _)) = &mut self.scan_progress {
                    *done += 1;
                }
                for problem in &usage.problems {
                    self.problems
                        .push(Problem::new(&problem.path, problem.message.clone()));
                }
                if usage.complete {
                    if let Some(&index) = self.row_by_workspace.get(&path) {
                        self.rows[index].set_usage(Some(&usage));
                    }
                    self.usage.insert(path, usage);
                    self.dirty = true;
                }
            }
            Event::ScanFinished { cancelled } => {
                self.scan_progress = None;
                self.dirty = true;
                if cancelled {
                    self.push_log(Level::Warn, "scan cancelled; some sizes are unknown".into());
                }
            }
            Event::GitInspected { path, status } => {
                if let Some(&index) = self.row_by_workspace.get(&path) {
                    self.rows[index].set_git(Some(status.clone()));
                }
                self.git.insert(path, status);
                self.dirty = true;
            }
            Event::LogTail { record, lines } => self.task_log = Some((record, lines)),
            Event::PlanReady(plan) => {
                if matches!(self.dialog, Some(Dialog::Planning { .. })) {
                    self.dialog = Some(Dialog::Confirm { plan });
                }
            }
            Event::PlanFailed(message) => {
                self.push_log(Level::Error, format!("cannot plan: {message}"));
                if matches!(self.dialog, Some(Dialog::Planning { .. })) {
                    self.dialog = Some(Dialog::Error {
                        title: "Cannot plan this".into(),
                        message,
                    });
                }
            }
            Event::Progress(progress) => {
                if let Some(running) = &mut self.running {
                    running.progress = progress;
                }
            }
            Event::Finished(report) => self.finished(&report),
            Event::Unattended(outcome) => self.unattended_finished(outcome),
            // The reload that follows shows the record where it is now.
            Event::Restored {
                task_id,
                result: Ok(_),
            } => self.notify(
                Level::Info,
                format!("Restored task {task_id} from the archive"),
            ),
            Event::Restored {
                task_id,
                result: Err(message),
            } => {
                self.dialog = Some(Dialog::Error {
                    title: format!("Task {task_id} was not restored"),
                    message,
                });
            }
            Event::ExecuteFailed(message) => {
                self.running = None;
                self.push_log(Level::Error, format!("could not start: {message}"));
                self.dialog = Some(Dialog::Error {
                    title: "Nothing was changed".into(),
                    message,
                });
            }
        }
    }

    fn loaded(&mut self, snapshot: Arc<Snapshot>) {
        self.settings.data_dir = Some(snapshot.data_dir.clone());
        self.problems = snapshot.problems.clone();
        // Sizes and git states of folders that are gone are forgotten.
        let on_disk: HashSet<&PathBuf> = snapshot
            .workspaces
            .iter()
            .map(|w| &w.path)
            .chain(snapshot.legacy_checkouts.iter().map(|c| &c.path))
            .collect();
        self.usage.retain(|path, _| on_disk.contains(path));
        self.git.retain(|path, _| on_disk.contains(path));
        self.rows = model::build_rows(&snapshot, &self.usage, &self.git);
        self.row_by_workspace = self
            .rows
            .iter()
            .enumerate()
            .filter_map(|(i, row)| row.workspace_on_disk().map(|p| (p.clone(), i)))
            .collect();
        let known: HashSet<&str> = self.rows.iter().map(|r| r.task_id.as_str()).collect();
        self.selected.retain(|id| known.contains(id.as_str()));
        if self
            .focused
            .as_deref()
            .is_some_and(|id| !known.contains(id))
        {
            self.focused = None;
        }
        let unscanned = if self.rescan_on_load {
            snapshot.workspaces.len()
        } else {
            snapshot
                .workspaces
                .iter()
                .filter(|w| !self.usage.contains_key(&w.path))
                .count()
        };
        let git_paths: Vec<PathBuf> = snapshot
            .workspaces
            .iter()
            .filter(|w| w.is_dir && !self.git.contains_key(&w.path))
            .map(|w| w.path.clone())
            .collect();
        self.snapshot = Some(snapshot);
        self.dirty = true;
        if unscanned > 0 {
            self.scan_progress = Some((0, unscanned));
            let command = if self.rescan_on_load {
                Command::Scan
            } else {
                Command::ScanNew
            };
            self.send(command);
        }
        self.rescan_on_load = false;
        if !git_paths.is_empty() {
            self.send(Command::InspectGit(git_paths));
        }
        self.request_task_log();
    }

    fn finished(&mut self, report: &Report) {
        self.running = None;
        self.bytes_freed_session += report.bytes_freed;
        let level = if report.all_ok() {
            Level::Info
        } else {
            Level::Warn
        };
        let mut summary = format!(
            "{}: {} done, {} failed, {} workspaces removed, {} freed",
            report.action,
            report.steps_ok,
            report.steps_failed,
            report.workspaces_removed,
            text::bytes(report.bytes_freed)
        );
        if report.workspaces_trashed > 0 {
            summary.push_str(&format!(
                ", {} moved to the trash ({}; freed when the trash is emptied)",
                text::count(report.workspaces_trashed, "workspace"),
                text::bytes(report.bytes_trashed)
            ));
        }
        if report.cancelled {
            summary.push_str(" (cancelled)");
        }
        if report.steps_failed > 0 {
            // A failure is worth more than a log line: a toast and a desktop notice.
            self.notify(Level::Error, summary);
        } else {
            self.push_log(level, summary);
        }
    }

    /// Filters, sorts and sums again after a change.
    fn recompute(&mut self) {
        self.dirty = false;
        self.visible = model::visible_rows(&self.rows, &self.settings);
        self.largest = model::largest_workspaces(&self.rows, 20);
        self.environments = match &self.snapshot {
            Some(snapshot) => model::summarize_environments(snapshot, &self.rows, &self.usage),
            None => Vec::new(),
        };
        self.orphans = match &self.snapshot {
            Some(snapshot) => model::orphan_rows(snapshot, &self.usage, &self.git),
            None => Vec::new(),
        };
        let orphan_paths: HashSet<&PathBuf> = self
            .orphans
            .iter()
            .filter(|o| o.kind != OrphanRowKind::LegacyCheckout)
            .map(|o| &o.path)
            .collect();
        self.orphans_selected
            .retain(|path| orphan_paths.contains(path));
        self.check_quotas();
    }

    /// Sizes of these folders are out of date: they are shown as being sized again.
    pub(super) fn forget_sizes(&mut self, paths: &[PathBuf]) {
        for path in paths {
            self.usage.remove(path);
            if let Some(&index) = self.row_by_workspace.get(path) {
                self.rows[index].set_usage(None);
            }
        }
        self.dirty = true;
    }

    /// Call after changing `settings` filters or sort.
    pub fn filters_changed(&mut self) {
        self.dirty = true;
    }

    pub fn total_bytes(&self) -> u64 {
        self.usage.values().map(|u| u.disk_bytes).sum()
    }

    pub fn focused_row(&self) -> Option<&Row> {
        let id = self.focused.as_deref()?;
        self.rows.iter().find(|r| r.task_id == id)
    }

    /// A click on the row at `position` of the table, with the keyboard modifiers held.
    pub fn click_row(&mut self, position: usize, toggle: bool, extend: bool) {
        let Some(&index) = self.visible.get(position) else {
            return;
        };
        let id = self.rows[index].task_id.clone();
        let anchor_position = self.anchor.as_ref().and_then(|anchor| {
            self.visible
                .iter()
                .position(|&i| self.rows[i].task_id == *anchor)
        });
        match anchor_position {
            Some(anchor) if extend => {
                let (from, to) = (anchor.min(position), anchor.max(position));
                if !toggle {
                    self.selected.clear();
                }
                for &i in &self.visible[from..=to] {
                    self.selected.insert(self.rows[i].task_id.clone());
                }
            }
            _ => {
                if toggle {
                    if !self.selected.remove(&id) {
                        self.selected.insert(id.clone());
                    }
                } else {
                    self.selected.clear();
                    self.selected.insert(id.clone());
                }
                self.anchor = Some(id.clone());
            }
        }
        self.focus(id);
    }

    /// Shows `task_id` in the details pane.
    pub fn focus(&mut self, task_id: String) {
        if self.focused.as_deref() != Some(task_id.as_str()) {
            self.focused = Some(task_id);
            self.task_log = None;
            self.request_task_log();
        }
    }

    pub fn select_all_visible(&mut self) {
        self.selected = self
            .visible
            .iter()
            .map(|&i| self.rows[i].task_id.clone())
            .collect();
    }

    fn request_task_log(&mut self) {
        let Some(record) = self.focused_row().map(|r| r.record.clone()) else {
            return;
        };
        if let Some(worker) = &self.worker {
            worker.read_log_tail(record, TASK_LOG_TAIL);
        }
    }

    /// Asks the worker for a plan and shows the dialog that waits for it.
    pub fn request_plan(&mut self, action: Action) {
        if self.running.is_some() || self.worker.is_none() {
            return;
        }
        let title = match &action {
            Action::Discard { task_ids, .. } => {
                format!("Discard {}", text::count(task_ids.len(), "task"))
            }
            Action::Archive { .. } => "Archive finished tasks".to_owned(),
            Action::Sweep {
                older_than_hours, ..
            } => format!("Sweep workspaces older than {older_than_hours} h"),
            Action::Complete { .. } => "Clean up finished tasks".to_owned(),
            Action::EnforceQuotas { .. } => "Enforce disk quotas".to_owned(),
            Action::DeleteOrphans { paths, .. } if paths.is_empty() => {
                "Delete all orphan folders".to_owned()
            }
            Action::DeleteOrphans { paths, .. } => {
                format!("Delete {}", text::count(paths.len(), "orphan folder"))
            }
            Action::Scheduled { .. } => "Scheduled cleanup".to_owned(),
        };
        self.dialog = Some(Dialog::Planning { title });
        self.send(Command::Plan(action, self.config.delete_mode));
    }

    pub fn discard_selected(&mut self) {
        if self.selected.is_empty() || self.refused_for_agents_runner() {
            return;
        }
        let mut task_ids: Vec<String> = self.selected.iter().cloned().collect();
        task_ids.sort();
        self.request_plan(Action::Discard {
            task_ids,
            force: false,
        });
    }

    pub fn archive_finished(&mut self) {
        if self.refused_for_agents_runner() {
            return;
        }
        self.request_plan(Action::Archive {
            keep_on_error: self.config.keep_on_error,
            allow_unsaved: self.config.allow_unsaved_delete,
            clean_done: self.config.archive_cleans_done,
        });
    }

    /// Moves an archived task's record back to `tasks/`.
    pub fn restore(&mut self, task_id: String) {
        if self.running.is_none() && !self.refused_for_agents_runner() {
            self.send(Command::Restore(task_id));
        }
    }

    /// Deletes the ticked orphan folders, or all of them when `all`.
    pub fn delete_orphans(&mut self, all: bool) {
        let mut paths: Vec<PathBuf> = if all {
            Vec::new()
        } else {
            self.orphans_selected.iter().cloned().collect()
        };
        if !all && paths.is_empty() {
            return;
        }
        paths.sort();
        self.request_plan(Action::DeleteOrphans {
            paths,
            allow_unsaved: self.config.allow_unsaved_delete,
        });
    }

    /// Deletes the oldest finished workspaces of every environment over its quota.
    pub fn enforce_quotas(&mut self) {
        self.request_plan(Action::EnforceQuotas {
            quotas: self.config.quotas.clone(),
            keep_on_error: self.config.keep_on_error,
            allow_unsaved: self.config.allow_unsaved_delete,
        });
    }

    pub fn sweep(&mut self) {
        self.request_plan(Action::Sweep {
            older_than_hours: self.settings.sweep_hours,
            env_id: self.settings.env_filter.clone(),
            force: false,
            allow_unsaved: self.config.allow_unsaved_delete,
        });
    }

    /// The user said yes to the plan in the dialog.
    pub fn confirm(&mut self) {
        let Some(Dialog::Confirm { plan }) = self.dialog.take() else {
            return;
        };
        if plan.steps.is_empty() {
            return;
        }
        self.running = Some(Running {
            verb: plan.action.verb(),
            progress: Progress {
                steps_total: plan.steps.len(),
                ..Progress::default()
            },
        });
        // The rows change state at once; the worker's reload confirms it.
        for step in &plan.steps {
            if let Some(row) = self.rows.iter_mut().find(|r| r.task_id == step.task_id) {
                row.status = format!("{}…", plan.action.verb());
            }
        }
        self.send(Command::Execute(plan));
    }

    /// Stops the running change or scan at its next check.
    pub fn cancel_work(&mut self) {
        if let Some(worker) = &self.worker {
            worker.cancel();
            self.push_log(Level::Warn, "cancelling…".into());
        }
    }

    /// Writes the demo data directory on a thread of its own, then opens it.
    /// Opens the Settings dialog on the settings in use.
    pub fn open_settings(&mut self) {
        if self.dialog.is_none() {
            self.dialog = Some(Dialog::Settings {
                draft: Box::new(super::dialogs::SettingsDraft::from_config(&self.config)),
            });
        }
    }

    /// Writes `config` to the settings file on a one-off thread; it applies once saved.
    pub fn save_settings(&mut self, config: Config) {
        let Some(path) = self.config_path.clone() else {
            return;
        };
        let ctx = self.ctx.clone();
        let (tx, rx) = bounded(1);
        self.settings_save = Some(rx);
        let spawned = std::thread::Builder::new()
            .name("agents-janitor-settings".into())
            .spawn(move || {
                let result = crate::config::save(&path, &config)
                    .map(|()| config)
                    .map_err(|err| err.to_string());
                let _ = tx.send(result);
                ctx.request_repaint();
            });
        if let Err(err) = spawned {
            self.settings_save = None;
            self.settings_saved(Err(format!("cannot start a thread to save: {err}")));
        }
    }

    fn settings_saved(&mut self, saved: Result<Config, String>) {
        match saved {
            Ok(config) => {
                if config.schedule != self.config.schedule {
                    self.restart_schedule();
                }
                self.settings.sweep_hours = config.sweep_age_hours;
                self.config = config;
                self.quota_warned.clear();
                self.dirty = true;
                let shown = self
                    .config_path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                self.notify(Level::Info, format!("Settings saved to {shown}"));
            }
            Err(message) => {
                self.notify(Level::Error, format!("Settings were not saved: {message}"));
            }
        }
    }

    pub fn create_demo(&mut self) {
        if self.background.is_some() {
            return;
        }
        let dir = self.demo_dir.clone();
        let ctx = self.ctx.clone();
        let (tx, rx) = bounded(1);
        self.background = Some(rx);
        self.push_log(
            Level::Info,
            format!("writing demo data to {}", dir.display()),
        );
        let spawned = std::thread::Builder::new()
            .name("agents-janitor-demo".into())
            .spawn(move || {
                let result = if paths::environments_file(&dir).exists() {
                    Ok(dir)
                } else {
                    store::demo::write_demo(&dir)
                        .map(|summary| summary.data_dir)
                        .map_err(|err| err.to_string())
                };
                let _ = tx.send(Background::DemoWritten(result));
                ctx.request_repaint();
            });
        if let Err(err) = spawned {
            self.background = None;
            self.push_log(Level::Error, format!("cannot start the demo writer: {err}"));
        }
    }

    pub fn background_busy(&self) -> bool {
        self.background.is_some()
    }

    /// Opens the system folder picker without blocking frames (where the platform
    /// allows a dialog off the main thread).
    pub fn pick_folder(&mut self) {
        if self.background.is_some() {
            return;
        }
        let start = self
            .data_dir()
            .map(Path::to_path_buf)
            .or_else(|| directories::UserDirs::new().map(|d| d.home_dir().to_path_buf()));
        let pick = move || {
            let dialog = rfd::FileDialog::new().set_title("Open an Agents-Runner data folder");
            match start {
                Some(dir) => dialog.set_directory(dir).pick_folder(),
                None => dialog.pick_folder(),
            }
        };
        // macOS dialogs must run on the main thread; elsewhere a thread keeps frames going.
        if cfg!(target_os = "macos") {
            if let Some(dir) = pick() {
                self.open_data_dir(dir);
            }
            return;
        }
        let ctx = self.ctx.clone();
        let (tx, rx) = bounded(1);
        self.background = Some(rx);
        let spawned = std::thread::Builder::new()
            .name("agents-janitor-picker".into())
            .spawn(move || {
                let _ = tx.send(Background::FolderPicked(pick()));
                ctx.request_repaint();
            });
        if let Err(err) = spawned {
            self.background = None;
            self.push_log(
                Level::Error,
                format!("cannot open the folder picker: {err}"),
            );
        }
    }
}
