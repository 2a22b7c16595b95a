//! The window's state, in parts that each keep their fields to themselves, and
//! [`JanitorApp`], which holds the parts and coordinates them. Nothing here touches
//! the disk: every read and change goes through the core's worker (or, for the demo
//! writer, the folder picker and the settings file, a one-off thread), so a frame
//! never waits.
//!
//! The parts: [`Log`] (log lines, toasts), [`Dialogs`] (the dialog on screen, the
//! welcome screen), [`DataFolder`] (what the worker reported), [`Table`] (rows and
//! the views derived from them), [`Selection`], [`WorkerLink`] (the worker and the
//! progress of its work), [`Background`] (one-off threads), [`SettingsFile`], and the
//! ones that act as time passes: [`Automation`] (schedule, quotas), [`LiveRefresh`]
//! and [`AgentsRunnerWatch`]. Drawing lives in `panels/` and `dialogs/`: it reads
//! the app and answers with [`Intent`]s.

mod action_words;
mod actions;
mod automatic;
mod background;
mod data_folder;
mod dialog;
mod events;
mod frame;
mod intent;
mod last_change;
mod launch;
mod log;
mod reclaim;
mod selection;
mod settings_file;
mod table;
#[cfg(test)]
mod tests;
mod work_actions;
mod worker_link;

pub(crate) use actions::Move;
pub use background::{FolderPicker, PickedFolder, system_folder_picker};
pub use dialog::{Dialog, TaskLabel, Welcome};
pub(crate) use intent::Intent;
pub use last_change::UndoOffer;
pub use launch::Launch;
pub use reclaim::reclaim_button_label;
pub(crate) use reclaim::{Reclaim, ReclaimIntent};
pub(crate) use selection::ScrollTo;
pub use selection::TaskLog;
pub use worker_link::Running;

use super::agents_runner_watch::AgentsRunnerWatch;
use super::automation::Automation;
use super::live_refresh::LiveRefresh;
use super::model::{EnvSummary, OrphanRow, Row, Settings};
use super::toasts::Toast;
use crate::agents_runner::RunnerProcess;
use crate::config::Config;
use crate::executor::{Level, LogLine};
use crate::policy::QuotaState;
use crate::store::{Problem, Snapshot};
use crate::worker::Command;
use background::{Background, Finished};
use data_folder::DataFolder;
use dialog::Dialogs;
use last_change::LastChange;
use log::Log;
use selection::Selection;
use settings_file::SettingsFile;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use table::Table;
use worker_link::WorkerLink;

/// What the progress bar says while deletes a cancel left in staging are finished.
const FINISH_DELETING: &str = "finish deleting";

/// The tabs of the central panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// The task table.
    Tasks,
    /// Bytes per environment and the biggest workspaces.
    Usage,
    /// Folders no task record points at.
    Orphans,
    /// Everything else Agents-Runner leaves, by kind, and taking it back.
    Reclaim,
    /// Files and folders that could not be used.
    Problems,
}

/// The desktop app: its state parts, drawn by [`JanitorApp::ui`] into any
/// [`egui::Ui`] (a native window, or the kittest harness in tests).
pub struct JanitorApp {
    /// The user's choices that persist between runs (sort, filters, folder).
    settings: Settings,
    tab: Tab,
    dialogs: Dialogs,
    log: Log,
    data: DataFolder,
    table: Table,
    selection: Selection,
    work: WorkerLink,
    background: Background,
    settings_file: SettingsFile,
    automation: Automation,
    live: LiveRefresh,
    agents_runner: AgentsRunnerWatch,
    reclaim: Reclaim,
    last_change: LastChange,
    /// Where "Create demo data" writes.
    demo_dir: PathBuf,
    /// What "Browse…" shows.
    folder_picker: FolderPicker,
    ctx: egui::Context,
}

impl JanitorApp {
    /// The app as `launch` says, opening its data folder (or the welcome screen when
    /// there is none); `ctx` is woken when a worker or a helper thread has news.
    pub fn new(ctx: &egui::Context, launch: Launch) -> Self {
        let (settings_file, unknown_keys) = SettingsFile::new(launch.config);
        let mut settings = launch.settings;
        settings.sweep_hours = settings_file.config().sweep_age_hours;
        let mut app = Self {
            settings,
            tab: Tab::Tasks,
            dialogs: Dialogs::default(),
            log: Log::new(launch.desktop_notifications),
            data: DataFolder::default(),
            table: Table::default(),
            selection: Selection::default(),
            work: WorkerLink::new(
                launch.containers,
                launch.filesystem,
                launch.record_cache,
                launch.agents_runner.clone(),
                launch.runner_home.clone(),
            )
            .with_gh(launch.gh),
            background: Background::new(ctx.clone()),
            settings_file,
            automation: Automation::new(launch.clock),
            live: LiveRefresh::new(launch.watch, ctx.clone()),
            agents_runner: AgentsRunnerWatch::new(launch.agents_runner, ctx.clone()),
            reclaim: Reclaim::default(),
            last_change: LastChange::default(),
            demo_dir: launch.demo_dir,
            folder_picker: launch.folder_picker,
            ctx: ctx.clone(),
        };
        if let Some(warning) = app.settings_file.unusable().map(str::to_owned) {
            app.notify(
                Level::Warn,
                format!("Settings file not used: {warning}; the defaults are in use and the file is left unchanged"),
            );
        }
        if !unknown_keys.is_empty() {
            let shown = app.settings_file.shown_path();
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
            looked_at => app.dialogs.show_welcome(Welcome::NoData { looked_at }),
        }
        app
    }

    /// The window's own choices (sort, filters, the folder last opened), saved by eframe.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The janitor's settings in force (from its settings file, or the defaults).
    pub fn config(&self) -> &Config {
        self.settings_file.config()
    }

    /// The folder shown: the loaded one, else the one being opened.
    pub fn data_dir(&self) -> Option<&Path> {
        self.data
            .snapshot()
            .map(|s| s.data_dir.as_path())
            .or(self.settings.data_dir.as_deref())
    }

    /// A data folder is open (not the welcome screen).
    pub fn has_data(&self) -> bool {
        self.work.is_open() && self.dialogs.welcome().is_none()
    }

    /// The open folder as last loaded.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.data.snapshot().map(|s| s.as_ref())
    }

    /// One row per task record.
    pub fn rows(&self) -> &[Row] {
        self.table.rows()
    }

    /// Indexes into [`JanitorApp::rows`] of the rows the table shows, in its order.
    pub fn visible(&self) -> &[usize] {
        self.table.visible()
    }

    /// The row of a task.
    pub fn row(&self, task_id: &str) -> Option<&Row> {
        self.table.row(task_id)
    }

    /// Where the task is in table order, if shown.
    pub fn position_shown(&self, task_id: &str) -> Option<usize> {
        self.table.position_of(task_id)
    }

    /// The biggest workspace among the rows shown (0: none sized yet).
    pub fn shown_biggest(&self) -> u64 {
        self.table.shown_biggest()
    }

    /// How many rows shown are safe to delete.
    pub fn shown_safe(&self) -> usize {
        self.table.shown_safe()
    }

    /// Files and folders that could not be used (left as they are).
    pub fn problems(&self) -> &[Problem] {
        self.data.problems()
    }

    /// Folders without a task record, and legacy checkouts.
    pub fn orphans(&self) -> &[OrphanRow] {
        self.table.orphans()
    }

    /// Each quota's state, computed with the sizes.
    pub fn quotas(&self) -> &[QuotaState] {
        self.automation.quotas()
    }

    /// The ids of the selected tasks, shown or not.
    pub fn selected(&self) -> &HashSet<String> {
        self.selection.selected()
    }

    /// The selected tasks the table shows, in its order: what Discard and the context
    /// menu act on.
    pub fn selected_shown(&self) -> Vec<String> {
        self.selection.shown(&self.table)
    }

    /// How many selected tasks the filters hide (never acted on).
    pub fn selected_hidden(&self) -> usize {
        self.selection.hidden_count(&self.table)
    }

    /// The Undo the last change offers, while its workspaces are in staging or the
    /// trash.
    pub fn undo_offer(&self) -> Option<&UndoOffer> {
        self.last_change.undo_offer()
    }

    /// Bytes a cancelled delete left in staging, until the delete is finished.
    pub fn staged_bytes(&self) -> Option<u64> {
        self.last_change.staged_bytes()
    }

    /// The name of the environment whose folder under `managed-repos/` is
    /// `env_folder` (the folder's name when no environment claims it).
    pub fn env_name<'a>(&'a self, env_folder: &'a str) -> &'a str {
        self.table
            .environments()
            .iter()
            .find(|env| {
                env.env_id
                    .as_deref()
                    .is_some_and(|id| crate::store::paths::safe_id(id) == env_folder)
            })
            .filter(|env| env.workspace_type != "unknown")
            .map_or(env_folder, |env| env.name.as_str())
    }

    /// Where Sweep acts, in words ("in Web app", "in all environments").
    pub fn sweep_scope(&self) -> String {
        match &self.settings.env_filter {
            Some(env_id) => {
                let name = self
                    .table
                    .environments()
                    .iter()
                    .find(|env| env.env_id.as_deref() == Some(env_id.as_str()))
                    .map_or(env_id.as_str(), |env| env.name.as_str());
                format!("in {name}")
            }
            None => "in all environments".to_owned(),
        }
    }

    /// Why Sweep surely has nothing to do in its scope, at the age chosen (it is then
    /// disabled with this as its reason).
    pub fn nothing_to_sweep(&self) -> Option<String> {
        let hours = self.settings.sweep_hours;
        if !hours.is_finite() || hours < 0.0 {
            return None;
        }
        let cutoff = self
            .now()
            .checked_sub(std::time::Duration::from_secs_f64(hours * 3600.0))?;
        let folder = self
            .settings
            .env_filter
            .as_deref()
            .map(crate::store::paths::safe_id);
        self.table
            .sweep_ages(folder.as_deref())
            .nothing_to_sweep(cutoff, &self.sweep_scope())
    }

    /// Whether the trash was found to hold the gone workspace at `path`.
    pub fn workspace_in_trash(&self, path: &Path) -> bool {
        self.last_change.is_in_trash(path)
    }

    /// The task the details pane shows.
    pub fn focused_row(&self) -> Option<&Row> {
        self.table.row(self.selection.focused()?)
    }

    /// The focused task's log, once read.
    pub fn task_log(&self) -> Option<&TaskLog> {
        self.selection.task_log()
    }

    /// The bottom panel's lines, oldest first.
    pub fn log(&self) -> &[LogLine] {
        self.log.lines()
    }

    /// The notices in the window's corner.
    pub fn toasts(&self) -> &[Toast] {
        self.log.toasts()
    }

    /// The modal dialog on screen.
    pub fn dialog(&self) -> Option<&Dialog> {
        self.dialogs.current()
    }

    /// Why the welcome screen is shown instead of a data folder.
    pub fn welcome(&self) -> Option<&Welcome> {
        self.dialogs.welcome()
    }

    /// The change in progress.
    pub fn running(&self) -> Option<&Running> {
        self.work.running()
    }

    /// Whether the archived task records of the folder just opened are still being
    /// read (the rows shown are its active tasks; no folder is called an orphan yet).
    pub fn archived_records_pending(&self) -> bool {
        self.data.archived_records_pending()
    }

    /// Workspaces sized so far in the current scan, and how many it covers.
    pub fn scan_progress(&self) -> Option<(usize, usize)> {
        self.work.scan_progress()
    }

    /// Bytes freed since the window opened.
    pub fn bytes_freed_session(&self) -> u64 {
        self.work.bytes_freed()
    }

    /// Bytes on disk of every managed workspace sized so far: the one total the side
    /// panel and the bottom bar show.
    pub fn total_bytes(&self) -> u64 {
        self.table.total_bytes()
    }

    /// The Agents-Runner running on the open data folder, as last seen.
    pub fn agents_runner(&self) -> Option<&RunnerProcess> {
        self.agents_runner.running()
    }

    /// The demo writer or the folder picker is running.
    pub fn background_busy(&self) -> bool {
        self.background.busy()
    }

    pub(crate) fn tab(&self) -> Tab {
        self.tab
    }

    pub(crate) fn environments(&self) -> &[EnvSummary] {
        self.table.environments()
    }

    /// The biggest workspaces on disk, as indexes into [`JanitorApp::rows`].
    pub(crate) fn largest(&self) -> &[usize] {
        self.table.largest()
    }

    pub(crate) fn orphans_ticked(&self) -> &HashSet<PathBuf> {
        self.selection.orphans_ticked()
    }

    pub(crate) fn demo_dir(&self) -> &Path {
        &self.demo_dir
    }

    /// Says live refresh is off, while it is.
    pub(crate) fn live_refresh_note(&self) -> Option<&str> {
        self.live.note()
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.automation.now()
    }

    /// Applies everything the worker and the helper threads said since the last frame.
    fn poll(&mut self) {
        for event in self.work.events() {
            self.apply(event);
        }
        match self.background.finished() {
            Some(Finished::DemoWritten(Ok(dir))) => {
                self.push_log(Level::Info, format!("demo data ready in {}", dir.display()));
                self.open_data_dir(dir);
            }
            Some(Finished::DemoWritten(Err(message))) => {
                self.push_log(Level::Error, format!("cannot create demo data: {message}"));
                self.dialogs
                    .error("Cannot create demo data".into(), message);
            }
            Some(Finished::FolderPicked(picked)) => self.folder_picked(picked),
            Some(Finished::FolderChecked(checked)) => self.folder_checked(checked),
            None => {}
        }
        if let Some(saved) = self.background.settings_saved() {
            self.settings_saved(saved);
        }
        if self.table.is_dirty() {
            self.recompute();
        }
        self.run_schedule();
        self.poll_live_refresh();
        self.poll_agents_runner();
        if let Some(wait) = self.log.expire_toasts(self.now()) {
            self.ctx.request_repaint_after(wait);
        }
    }

    /// Queues `command`, saying so in the log when the worker is gone.
    fn send(&mut self, command: Command) {
        if !self.work.send(command) {
            self.push_log(
                Level::Error,
                "the worker thread has stopped; reopen the data folder".into(),
            );
        }
    }

    fn push_log(&mut self, level: Level, text: String) {
        self.log.push(level, text);
    }

    /// Logs `text`, shows it as a toast, and (when a session bus is there) as a desktop
    /// notification.
    fn notify(&mut self, level: Level, text: String) {
        let now = self.now();
        self.log.notify(level, text, now);
    }

    /// Logs `text` and shows it as a toast: the answer to something the user just did
    /// in the window (no desktop notification).
    fn notice(&mut self, level: Level, text: String) {
        let now = self.now();
        self.log.notice(level, text, now);
    }

    /// Filters, sorts and sums again after a change; quotas follow the sizes.
    fn recompute(&mut self) {
        let arriving = self.work.values_arriving();
        self.table.recompute(&self.data, &self.settings, arriving);
        let deletable: HashSet<&PathBuf> = self
            .table
            .orphans()
            .iter()
            .filter(|o| o.kind.deletable())
            .map(|o| &o.path)
            .collect();
        self.selection.keep_orphans(&deletable);
        self.check_quotas();
    }

    /// Filters or sort changed: the table is computed again before the next frame.
    fn filters_changed(&mut self) {
        self.table.mark_dirty();
    }

    /// Sizes of these folders are out of date: they are shown as being sized again.
    pub(super) fn forget_sizes(&mut self, paths: &[PathBuf]) {
        self.data.forget_sizes(paths);
        for path in paths {
            self.table.set_usage(path, None);
        }
        self.table.mark_dirty();
    }
}
