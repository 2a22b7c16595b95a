//! What the user can ask for (a button, a key, a click): each is checked against what
//! is going on, then handed to the worker or a one-off thread.

use super::action_words::{doing, plan_title, with_force};
use super::background;
use super::last_change;
use super::{Dialog, JanitorApp, Running};
use crate::config::Config;
use crate::executor::{Level, Progress, PutBack, PutBackFrom, UndoItem};
use crate::gui::dialogs::SettingsDraft;
use crate::gui::model;
use crate::policy::Action;
use crate::text;
use crate::worker::Command;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

/// A move of the keyboard cursor in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Move {
    /// Up or Down: by this many rows.
    By(isize),
    /// Home.
    First,
    /// End.
    Last,
}

impl JanitorApp {
    /// Starts a worker on `dir` and loads it. Refused while a change is running.
    pub(crate) fn open_data_dir(&mut self, dir: PathBuf) {
        if self.work.is_running() {
            self.push_log(Level::Warn, "wait for the running change to finish (or cancel it) before opening another folder".into());
            return;
        }
        // The old worker is idle (nothing is running): dropping it stops and joins it.
        self.work.open(dir.clone(), &self.ctx);
        self.settings.data_dir = Some(dir.clone());
        self.dialogs.hide_welcome();
        self.data.clear();
        self.table.clear();
        self.selection.clear();
        self.last_change.clear();
        self.work.forget_pending();
        self.push_log(Level::Info, format!("opening {}", dir.display()));
        self.automation.restart_schedule();
        self.agents_runner.reset();
        self.start_watching(dir);
        self.send(Command::Load);
        self.footprint_stale();
    }

    /// Reloads the data directory and sizes every workspace again (F5). Workspaces a
    /// cancel left in staging are deleted first, with progress.
    pub(crate) fn refresh(&mut self) {
        if !self.work.is_open() || self.work.is_running() {
            return;
        }
        self.data.rescan_on_next_load();
        if self.last_change.staged_bytes().is_some() {
            self.finish_staged();
            return;
        }
        self.notice(
            Level::Info,
            "Refreshing: reading the data folder and sizing every workspace again".into(),
        );
        self.send(Command::Load);
        self.footprint_stale();
    }

    /// A click on the row at `position` of the table, with Ctrl (`toggle`) or Shift
    /// (`extend`) held.
    pub(crate) fn click_row(&mut self, position: usize, toggle: bool, extend: bool) {
        if let Some(id) = self.selection.click(&self.table, position, toggle, extend) {
            self.focus(id);
        }
    }

    /// A right click on the row at `position`: a row outside the selection becomes
    /// the selection, so the menu acts on what it was opened on.
    pub(crate) fn context_row(&mut self, position: usize) {
        let Some(id) = self.table.visible_id(position) else {
            return;
        };
        if !self.selection.selected().contains(id) {
            self.click_row(position, false, false);
        }
    }

    /// Up, Down, Home, End, PageUp, PageDown: the cursor moves and selects the row
    /// (Shift: extends the selection from the anchor); the table scrolls to it.
    pub(crate) fn move_cursor(&mut self, to: Move, extend: bool) {
        let rows = self.table.visible().len();
        if rows == 0 {
            return;
        }
        let last = rows - 1;
        let position = match (to, self.selection.cursor(&self.table)) {
            (Move::First, _) => 0,
            (Move::Last, _) => last,
            (Move::By(step), Some(at)) => at.saturating_add_signed(step).min(last),
            (Move::By(step), None) if step < 0 => last,
            (Move::By(_), None) => 0,
        };
        if let Some(id) = self.selection.click(&self.table, position, false, extend) {
            self.focus(id);
            self.selection.scroll_to_cursor();
        }
    }

    /// Space: the focused row joins or leaves the selection.
    pub(crate) fn toggle_focused(&mut self) {
        self.selection.toggle_focused();
    }

    /// Escape: nothing selected.
    pub(crate) fn clear_selection(&mut self) {
        self.selection.clear_selected();
    }

    /// Copies `text` and says so (`what`: "path", "task id").
    pub(crate) fn copy(&mut self, text: String, what: &str) {
        self.ctx.copy_text(text.clone());
        self.notice(Level::Info, format!("Copied the {what}: {text}"));
    }

    /// Shows `task_id` in the details pane.
    fn focus(&mut self, task_id: String) {
        if self.selection.focus(task_id) {
            self.request_task_log();
            self.look_for_workspace_in_trash();
        }
    }

    /// An archived task whose workspace is gone: the worker looks whether the trash
    /// holds it, so Restore can offer to bring it back.
    fn look_for_workspace_in_trash(&mut self) {
        let Some(row) = self.focused_row() else {
            return;
        };
        if !row.archived || row.legacy || row.workspace_on_disk().is_some() {
            return;
        }
        if let Some(path) = row.workspace_path().cloned() {
            self.send(Command::LookInTrash(vec![path]));
        }
    }

    /// A task picked in the Usage tab: selected alone, shown in the table. The
    /// filters that hide it are turned off, and the notice says which.
    pub(crate) fn show_task(&mut self, task_id: String) {
        let reveals = self
            .table
            .row(&task_id)
            .map(|row| model::hidden_by(row, &self.settings))
            .unwrap_or_default();
        if !reveals.is_empty() {
            for reveal in &reveals {
                reveal.apply(&mut self.settings);
            }
            let changed: Vec<String> = reveals.iter().map(|r| r.describe()).collect();
            self.notice(
                Level::Info,
                format!("To show task {task_id}, {}", changed.join(", ")),
            );
            self.filters_changed();
            // The table is sorted again before it scrolls to the task.
            self.recompute();
        }
        self.selection.pick_from_elsewhere(&task_id);
        self.focus(task_id);
        self.tab = super::Tab::Tasks;
    }

    /// Ctrl+A in the table.
    pub(crate) fn select_all_visible(&mut self) {
        self.selection.select_all(self.table.visible_ids());
    }

    pub(super) fn request_task_log(&mut self) {
        if let Some(row) = self.focused_row() {
            self.work.read_log_tail(row.record.clone());
        }
    }

    /// Asks the worker for a plan and shows the dialog that waits for it.
    pub fn request_plan(&mut self, action: Action) {
        self.request_plan_of(action, None);
    }

    /// [`JanitorApp::request_plan`], the plan narrowed to `only` when given.
    fn request_plan_of(&mut self, action: Action, only: Option<BTreeSet<String>>) {
        if self.work.is_running() || !self.work.is_open() {
            return;
        }
        let title = match &only {
            Some(tasks) => format!(
                "{} {}",
                plan_title(&action),
                text::count(tasks.len(), "selected task")
            ),
            None => plan_title(&action),
        };
        self.dialogs.planning(title, only);
        self.send(Command::Plan(action, self.config().delete_mode));
    }

    /// The selected tasks an action takes: the shown ones. When none is shown, says
    /// why nothing happens.
    pub(super) fn shown_selection(&mut self, verb: &str) -> Option<Vec<String>> {
        let shown = self.selection.shown(&self.table);
        if shown.is_empty() {
            let hidden = self.selection.hidden_count(&self.table);
            if hidden > 0 {
                let what = if hidden == 1 {
                    "the selected task is".to_owned()
                } else {
                    format!("all {hidden} selected tasks are")
                };
                self.notice(
                    Level::Warn,
                    format!("Nothing to {verb}: {what} hidden by the filters, and a hidden task is never acted on"),
                );
            }
            return None;
        }
        Some(shown)
    }

    /// Discards the selected tasks the table shows (after the plan is confirmed).
    pub(crate) fn discard_selected(&mut self) {
        if self.selection.selected().is_empty() || self.refused_for_agents_runner() {
            return;
        }
        let Some(mut task_ids) = self.shown_selection("discard") else {
            return;
        };
        task_ids.sort();
        self.request_plan(Action::Discard {
            task_ids,
            force: false,
        });
    }

    /// Archives the selected tasks the table shows, as "Archive finished" would each
    /// of them (the context menu's Archive).
    pub(crate) fn archive_selected(&mut self) {
        if self.refused_for_agents_runner() {
            return;
        }
        let Some(task_ids) = self.shown_selection("archive") else {
            return;
        };
        let config = self.config();
        let action = Action::Archive {
            merged_unsaved: false,
            keep_on_error: config.keep_on_error,
            allow_unsaved: config.allow_unsaved_delete,
            clean_done: config.archive_cleans_done,
        };
        self.request_plan_of(action, Some(task_ids.into_iter().collect()));
    }

    /// The second confirmation said yes: the plan again, with force, so it takes the
    /// running tasks and unsaved work it left alone.
    pub(crate) fn include_refused(&mut self) {
        let Some(Dialog::Confirm { plan, .. }) = self.dialogs.current() else {
            return;
        };
        let Some(forced) = with_force(&plan.action) else {
            return;
        };
        let only = self.dialogs.narrowing().cloned();
        self.push_log(
            Level::Warn,
            "planning again, including running tasks and unsaved work".into(),
        );
        self.request_plan_of(forced, only);
    }

    /// Archives finished tasks as the settings say (after the plan is confirmed).
    pub(crate) fn archive_finished(&mut self) {
        if self.refused_for_agents_runner() {
            return;
        }
        let config = self.config();
        self.request_plan(Action::Archive {
            merged_unsaved: false,
            keep_on_error: config.keep_on_error,
            allow_unsaved: config.allow_unsaved_delete,
            clean_done: config.archive_cleans_done,
        });
    }

    /// Moves an archived task's record back to `tasks/`.
    pub(crate) fn restore(&mut self, task_id: String) {
        if !self.work.is_running() && !self.refused_for_agents_runner() {
            self.send(Command::Restore(task_id));
        }
    }

    /// Deletes the ticked orphan folders, or all of them when `all`.
    pub(crate) fn delete_orphans(&mut self, all: bool) {
        let mut paths: Vec<PathBuf> = if all {
            Vec::new()
        } else {
            self.selection.orphans_ticked().iter().cloned().collect()
        };
        if !all && paths.is_empty() {
            return;
        }
        paths.sort();
        self.request_plan(Action::DeleteOrphans {
            paths,
            allow_unsaved: self.config().allow_unsaved_delete,
        });
    }

    /// Deletes the oldest finished workspaces of every environment over its quota.
    pub(crate) fn enforce_quotas(&mut self) {
        let config = self.config();
        self.request_plan(Action::EnforceQuotas {
            quotas: config.quotas.clone(),
            keep_on_error: config.keep_on_error,
            allow_unsaved: config.allow_unsaved_delete,
        });
    }

    /// Deletes the workspaces older than the top bar's age, in the environment shown.
    pub(crate) fn sweep(&mut self) {
        self.request_plan(Action::Sweep {
            merged_unsaved: false,
            older_than_hours: self.settings.sweep_hours,
            env_id: self.settings.env_filter.clone(),
            force: false,
            allow_unsaved: self.config().allow_unsaved_delete,
        });
    }

    /// The user said yes to the plan in the dialog.
    pub fn confirm(&mut self) {
        let Some(plan) = self.dialogs.take_plan() else {
            return;
        };
        if plan.steps.is_empty() {
            return;
        }
        let entries_total = plan
            .workspace_paths()
            .iter()
            .filter_map(|path| self.data.usage().get(path))
            .map(|usage| usage.files + usage.dirs)
            .sum();
        let mut running = Running::new(plan.action.verb(), self.now());
        running.progress = Progress {
            steps_total: plan.steps.len(),
            ..Progress::default()
        };
        // In trash mode nothing is freed: progress goes by steps.
        if plan.delete_mode == crate::policy::DeleteMode::Delete {
            running.bytes_total = plan.bytes_to_free;
            running.entries_total = entries_total;
        }
        running.steps = plan.steps.iter().map(|s| s.task_id.clone()).collect();
        self.work.start(running);
        let table = &self.table;
        self.last_change
            .started(&plan, |id| table.row(id).map(|row| row.status.clone()));
        // The rows change state at once; the worker's reload confirms it.
        let doing = doing(&plan.action);
        for step in &plan.steps {
            self.table.mark_changing(&step.task_id, doing);
        }
        // The selection moves on to the next row, so a second Delete acts on what
        // is in view, not on a task this change hides.
        let gone: HashSet<&str> = plan.steps.iter().map(|s| s.task_id.as_str()).collect();
        if let Some(next) = self.selection.select_after(&self.table, &gone) {
            self.focus(next);
        }
        self.send(Command::Execute(plan));
    }

    /// Finishes the deletes a cancel left in staging, with progress, then reloads.
    pub(crate) fn finish_staged(&mut self) {
        if self.work.is_running() || !self.work.is_open() {
            return;
        }
        let mut running = Running::new(super::FINISH_DELETING, self.now());
        running.bytes_total = self.last_change.staged_bytes().unwrap_or(0);
        self.work.start(running);
        self.send(Command::FinishStaged);
    }

    /// Puts back what the last change moved to staging or the trash, with the records
    /// it archived.
    pub(crate) fn undo(&mut self) {
        if self.work.is_running() || self.refused_for_agents_runner() {
            return;
        }
        let Some(offer) = self.last_change.take_undo() else {
            return;
        };
        self.push_log(Level::Info, format!("undoing the {}", offer.what));
        self.work.start(Running::new("undo", self.now()));
        self.send(Command::Undo(offer.items));
    }

    /// The Undo notice was closed: the change stays as it is.
    pub(crate) fn dismiss_undo(&mut self) {
        self.last_change.take_undo();
    }

    /// Restores an archived task and brings its workspace back from the trash.
    pub(crate) fn restore_with_workspace(&mut self, task_id: String) {
        if self.work.is_running() || self.refused_for_agents_runner() {
            return;
        }
        let Some(row) = self.table.row(&task_id) else {
            return;
        };
        let Some(target) = row
            .workspace_path()
            .and_then(|path| last_change::trashed_workspace_target(path, &task_id))
        else {
            return;
        };
        let item = UndoItem {
            task_id,
            workspace: Some(PutBack {
                target,
                from: PutBackFrom::Trash,
            }),
            restore_record: true,
            // Restore leaves the status as it is.
            status_before: None,
        };
        self.work.start(Running::new("restore", self.now()));
        self.send(Command::Undo(vec![item]));
    }

    /// Stops the running change or scan at its next check.
    pub(crate) fn cancel_work(&mut self) {
        if self.work.cancel() {
            self.push_log(Level::Warn, "cancelling…".into());
        }
    }

    /// Opens the Settings dialog on the settings in use.
    pub(crate) fn open_settings(&mut self) {
        let config = self.settings_file.config();
        self.dialogs.open_if_none(|| Dialog::Settings {
            draft: Box::new(SettingsDraft::from_config(config)),
        });
    }

    /// Writes `config` to the settings file on a one-off thread; it applies once saved.
    pub(crate) fn save_settings(&mut self, config: Config) {
        let Some(path) = self.settings_file.path().cloned() else {
            return;
        };
        if let Err(message) = self.background.save_settings(path, config) {
            self.settings_saved(Err(message));
        }
    }

    pub(super) fn settings_saved(&mut self, saved: Result<Config, String>) {
        match saved {
            Ok(config) => {
                if config.schedule != self.config().schedule {
                    self.automation.restart_schedule();
                }
                self.settings.sweep_hours = config.sweep_age_hours;
                self.settings_file.saved(config);
                self.automation.forget_quota_warnings();
                self.table.mark_dirty();
                let shown = self.settings_file.shown_path();
                self.notify(Level::Info, format!("Settings saved to {shown}"));
            }
            Err(message) => {
                self.notify(Level::Error, format!("Settings were not saved: {message}"));
            }
        }
    }

    /// Writes the demo data directory on a thread of its own, then opens it.
    pub(crate) fn create_demo(&mut self) {
        if self.background.busy() {
            return;
        }
        let dir = self.demo_dir.clone();
        self.push_log(
            Level::Info,
            format!("writing demo data to {}", dir.display()),
        );
        if let Err(message) = self.background.write_demo(dir) {
            self.push_log(Level::Error, message);
        }
    }

    /// Opens the system folder picker without blocking frames (where the platform
    /// allows a dialog off the main thread). The typed-path dialog stays open behind
    /// it, and says so when no picker could be shown.
    pub(crate) fn pick_folder(&mut self) {
        if self.background.busy() {
            return;
        }
        let start = self
            .data_dir()
            .map(Path::to_path_buf)
            .or_else(|| directories::UserDirs::new().map(|d| d.home_dir().to_path_buf()));
        // macOS dialogs must run on the main thread; elsewhere a thread keeps frames going.
        if cfg!(target_os = "macos") {
            let picked = (self.folder_picker)(start);
            self.folder_picked(picked);
            return;
        }
        self.open_folder_dialog_waits(Some("Waiting for the file chooser…".into()), None);
        if let Err(message) = self.background.pick_folder(self.folder_picker, start) {
            self.open_folder_dialog_waits(None, Some(message));
        }
    }

    /// What the folder picker answered.
    pub(super) fn folder_picked(&mut self, picked: background::PickedFolder) {
        match picked {
            background::PickedFolder::Picked(dir) => self.try_open(dir),
            background::PickedFolder::Cancelled => self.open_folder_dialog_waits(None, None),
            background::PickedFolder::Unavailable(reason) => {
                self.open_folder_dialog_waits(
                    None,
                    Some(format!("No file chooser is available here ({reason}): type the folder's path above.")),
                );
            }
        }
    }

    /// The typed-path dialog, if it is open, waits for `waiting` and says `problem`.
    fn open_folder_dialog_waits(&mut self, waiting: Option<String>, problem: Option<String>) {
        if let Some(Dialog::OpenFolder {
            waiting: shown_waiting,
            problem: shown_problem,
            ..
        }) = self.dialogs.current_mut()
        {
            *shown_waiting = waiting;
            *shown_problem = problem;
        } else if let Some(problem) = problem {
            self.notice(Level::Warn, problem);
        }
    }

    /// Checks a folder the user typed or picked on a one-off thread before the open
    /// one is left: a mistyped path keeps the current folder and says what is wrong.
    pub(crate) fn try_open(&mut self, dir: PathBuf) {
        if self.background.busy() {
            return;
        }
        self.open_folder_dialog_waits(Some("Checking the folder…".into()), None);
        if let Err(message) = self.background.check_folder(dir) {
            self.open_folder_dialog_waits(None, Some(message));
        }
    }

    /// What the check of a typed folder found.
    pub(super) fn folder_checked(&mut self, checked: Result<PathBuf, String>) {
        match checked {
            Ok(dir) => {
                if matches!(self.dialogs.current(), Some(Dialog::OpenFolder { .. })) {
                    self.dialogs.close();
                }
                self.open_data_dir(dir);
            }
            Err(message) => {
                self.push_log(Level::Warn, format!("not opened: {message}"));
                self.open_folder_dialog_waits(None, Some(message));
            }
        }
    }

    pub(crate) fn open_in_file_manager(&mut self, folder: PathBuf) {
        // `open` spawns the platform's opener and returns at once.
        if let Err(err) = open::that_detached(&folder) {
            self.push_log(
                Level::Error,
                format!("cannot open {}: {err}", folder.display()),
            );
        }
    }
}
