//! What the user can ask for (a button, a key, a click): each is checked against what
//! is going on, then handed to the worker or a one-off thread.

use super::background;
use super::{Dialog, JanitorApp, Running};
use crate::config::Config;
use crate::executor::{Level, Progress};
use crate::gui::dialogs::SettingsDraft;
use crate::policy::Action;
use crate::text;
use crate::worker::Command;
use std::path::{Path, PathBuf};

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
        self.push_log(Level::Info, format!("opening {}", dir.display()));
        self.automation.restart_schedule();
        self.agents_runner.reset();
        self.start_watching(dir);
        self.send(Command::Load);
        self.footprint_stale();
    }

    /// Reloads the data directory and sizes every workspace again (F5).
    pub(crate) fn refresh(&mut self) {
        if !self.work.is_open() || self.work.is_running() {
            return;
        }
        self.data.rescan_on_next_load();
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

    /// Shows `task_id` in the details pane.
    fn focus(&mut self, task_id: String) {
        if self.selection.focus(task_id) {
            self.request_task_log();
        }
    }

    /// A task picked in the Usage tab: selected alone, shown in the table.
    pub(crate) fn show_task(&mut self, task_id: String) {
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
        if self.work.is_running() || !self.work.is_open() {
            return;
        }
        self.dialogs.planning(plan_title(&action));
        self.send(Command::Plan(action, self.config().delete_mode));
    }

    /// Discards the selected tasks (after the plan is confirmed).
    pub(crate) fn discard_selected(&mut self) {
        if self.selection.selected().is_empty() || self.refused_for_agents_runner() {
            return;
        }
        self.request_plan(Action::Discard {
            task_ids: self.selection.selected_sorted(),
            force: false,
        });
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
        self.work.start(Running {
            verb: plan.action.verb(),
            progress: Progress {
                steps_total: plan.steps.len(),
                ..Progress::default()
            },
        });
        // The rows change state at once; the worker's reload confirms it.
        for step in &plan.steps {
            self.table.mark_changing(&step.task_id, plan.action.verb());
        }
        self.send(Command::Execute(plan));
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
    /// allows a dialog off the main thread).
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
            if let Some(dir) = background::pick_folder(start) {
                self.open_data_dir(dir);
            }
            return;
        }
        if let Err(message) = self.background.pick_folder(start) {
            self.push_log(Level::Error, message);
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

/// The heading of the dialog that waits for the plan of `action`.
fn plan_title(action: &Action) -> String {
    match action {
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
        Action::DeleteSafe { task_ids } => format!(
            "Delete the safe workspaces of {}",
            text::count(task_ids.len(), "shown task")
        ),
    }
}
