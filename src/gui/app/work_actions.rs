//! The actions on where the work went: "Delete safe" (every shown workspace git shows
//! is safe to delete), "Slim" (the selected workspaces' build output) and "Check
//! remotes" (fetch, then ask git again). Each goes through the worker; the deleting ones
//! through a plan the user confirms.

use super::{JanitorApp, Running};
use crate::executor::{Level, Report};
use crate::git::pull_request::PrState;
use crate::policy::{Action, SlimSelection};
use crate::text;
use crate::worker::Command;
use std::path::PathBuf;

impl JanitorApp {
    /// The pull request state `gh` last gave for `task_id` ("Check remotes" asks it).
    pub fn pull_request_state(&self, task_id: &str) -> Option<&PrState> {
        self.data.pull_request(task_id)
    }

    /// The shown rows whose workspace is safe to delete, by task id.
    pub(crate) fn safe_shown(&self) -> Vec<String> {
        let rows = self.table.rows();
        let mut ids: Vec<String> = self
            .table
            .visible()
            .iter()
            .map(|&i| &rows[i])
            .filter(|row| row.is_safe_to_delete())
            .map(|row| row.task_id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Deletes every safe workspace among the shown rows (after the plan is confirmed);
    /// the plan asks git again and refuses what is no longer safe.
    pub(crate) fn delete_safe_shown(&mut self) {
        let task_ids = self.safe_shown();
        if task_ids.is_empty() {
            return;
        }
        self.request_plan(Action::DeleteSafe { task_ids });
    }
}

impl JanitorApp {
    /// Slims the selected tasks' workspaces (after the plan is confirmed).
    pub(crate) fn slim_selected(&mut self) {
        if self.selection.selected().is_empty() || self.work.is_running() || !self.work.is_open() {
            return;
        }
        let Some(mut task_ids) = self.shown_selection("slim") else {
            return;
        };
        task_ids.sort();
        self.dialogs.planning(
            format!("Slim {}", text::count(task_ids.len(), "workspace")),
            None,
        );
        self.send(Command::PlanSlim(SlimSelection::Tasks(task_ids)));
    }

    /// After "Archive finished", with `archive_slims_failed` (and `keep_on_error`): the
    /// failed tasks' kept workspaces are slimmed instead of kept whole, through the slim
    /// plan and its confirmation.
    pub(super) fn slim_kept_failed_after(&mut self, report: &Report) {
        let config = self.config();
        if report.action != "archive"
            || report.cancelled
            || !config.archive_slims_failed
            || !config.keep_on_error
        {
            return;
        }
        self.dialogs
            .planning("Slim the failed tasks' kept workspaces".to_owned(), None);
        self.send(Command::PlanSlim(SlimSelection::KeptFailed));
    }

    /// The user said yes to the slim plan in the dialog.
    pub(crate) fn confirm_slim(&mut self) {
        let Some(plan) = self.dialogs.take_slim_plan() else {
            return;
        };
        if plan.is_empty() {
            return;
        }
        let mut running = Running::new("slim", self.now());
        running.progress.steps_total = plan.workspaces.len();
        self.work.start(running);
        let slimmed: Vec<PathBuf> = plan.workspaces.iter().map(|w| w.path.clone()).collect();
        // Sized and asked about again once the slim's reload comes.
        self.data.forget_git(&slimmed);
        self.forget_sizes(&slimmed);
        for path in &slimmed {
            self.table.set_reclaimable(path, None);
        }
        self.send(Command::ExecuteSlim(plan));
    }

    /// "Check remotes": fetches the selected tasks' workspaces (every shown one when none
    /// is selected), then asks git again; progress and Cancel as for any change.
    pub(crate) fn check_remotes(&mut self) {
        if self.work.is_running() || !self.work.is_open() {
            return;
        }
        let rows = self.table.rows();
        let selected = self.selection.selected();
        let chosen: Vec<PathBuf> = self
            .table
            .visible()
            .iter()
            .map(|&i| &rows[i])
            .filter(|row| selected.is_empty() || selected.contains(&row.task_id))
            .filter_map(|row| row.workspace_on_disk().cloned())
            .collect();
        if chosen.is_empty() {
            return;
        }
        let mut running = Running::new("check remotes", self.now());
        running.progress.steps_total = chosen.len();
        self.work.start(running);
        self.push_log(
            Level::Info,
            format!(
                "[fetch] checking the remotes of {}",
                text::count(chosen.len(), "workspace")
            ),
        );
        self.send(Command::CheckRemotes(chosen));
    }

    /// The fetches are over; git's new answers follow as they come.
    pub(super) fn remotes_checked(&mut self, fetched: usize, total: usize) {
        self.work.stopped(0);
        if fetched < total {
            self.notify(
                Level::Warn,
                format!(
                    "Checked the remotes of {fetched} of {total} workspaces (see the log for why not the others)"
                ),
            );
        }
    }
}
